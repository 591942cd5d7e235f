/* Placeholder until the module has sources. */
int tr_cluster_placeholder(void);
int tr_cluster_placeholder(void)
{
	return 0;
}
