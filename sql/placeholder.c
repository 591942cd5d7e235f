/* Placeholder until the module has sources. */
int tr_sql_placeholder(void);
int tr_sql_placeholder(void)
{
	return 0;
}
