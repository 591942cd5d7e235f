/* Placeholder until the module has sources. */
int tr_certs_placeholder(void);
int tr_certs_placeholder(void)
{
	return 0;
}
