/* Placeholder until the module has sources. */
int tr_pgwire_placeholder(void);
int tr_pgwire_placeholder(void)
{
	return 0;
}
