/*
 * sql/pgcatalog_sql.c: the translator's catalog mode.
 *
 * A statement that names a system catalog (pg_catalog.*,
 * information_schema.*, or a bare pg_* catalog name), calls a catalog
 * function or casts to a reg* type runs on the local catalog mirror
 * (stmt->catalog), where pgcatalog.c built the catalogs and
 * pgcatalog_fn.c registered the functions.  parse.c translates such a
 * statement a second time with e->catalog set; these hooks then write
 * what PostgreSQL's catalog queries need and the cluster path refuses:
 *
 *   x::regclass ('name' or $1: the OID; an OID: unchanged, and printed
 *   as the name where it is a select-list item or cast to text),
 *   ARRAY[...], ARRAY(subquery), arr[i], x = ANY(arr), array casts,
 *   unnest / _pg_expandarray / pg_partition_ancestors in FROM, and the
 *   catalog functions.
 *
 * Statements mixing catalogs and user tables are refused (0A000): the
 * user's rows are on the leader, the catalogs here.
 */
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* Catalog relations that may be named without a schema. */
static const char *const relations[] = {
	"pg_namespace",	  "pg_class",	     "pg_attribute",
	"pg_attrdef",	  "pg_type",	     "pg_index",
	"pg_constraint",  "pg_am",	     "pg_collation",
	"pg_database",	  "pg_roles",	     "pg_user",
	"pg_auth_members", "pg_description", "pg_shdescription",
	"pg_sequence",	  "pg_enum",	     "pg_range",
	"pg_settings",	  "pg_proc",	     "pg_language",
	"pg_inherits",	  "pg_trigger",	     "pg_policy",
	"pg_rewrite",	  "pg_statistic_ext", "pg_publication",
	"pg_publication_rel", "pg_publication_namespace", "pg_tablespace",
	"pg_extension",	  "pg_depend",	     "pg_foreign_table",
	"pg_partitioned_table", "pg_tables", "pg_views",
	"pg_matviews",	  "pg_indexes",	     "pg_sequences",
	"pg_statio_all_tables",
};

/* Catalog functions and their result types. */
static const struct {
	const char *name;
	uint32_t type;
} functions[] = {
	{ "format_type", SQL_OID_TEXT },
	{ "pg_get_userbyid", SQL_OID_NAME },
	{ "pg_table_is_visible", SQL_OID_BOOL },
	{ "pg_type_is_visible", SQL_OID_BOOL },
	{ "pg_function_is_visible", SQL_OID_BOOL },
	{ "pg_collation_is_visible", SQL_OID_BOOL },
	{ "pg_get_expr", SQL_OID_TEXT },
	{ "pg_get_indexdef", SQL_OID_TEXT },
	{ "pg_get_constraintdef", SQL_OID_TEXT },
	{ "pg_get_viewdef", SQL_OID_TEXT },
	{ "pg_get_triggerdef", SQL_OID_TEXT },
	{ "pg_get_ruledef", SQL_OID_TEXT },
	{ "pg_get_statisticsobjdef_columns", SQL_OID_TEXT },
	{ "pg_get_partkeydef", SQL_OID_TEXT },
	{ "pg_get_function_result", SQL_OID_TEXT },
	{ "pg_get_function_arguments", SQL_OID_TEXT },
	{ "pg_get_function_identity_arguments", SQL_OID_TEXT },
	{ "obj_description", SQL_OID_TEXT },
	{ "col_description", SQL_OID_TEXT },
	{ "shobj_description", SQL_OID_TEXT },
	{ "pg_encoding_to_char", SQL_OID_NAME },
	{ "current_schemas", 1003 },
	{ "has_table_privilege", SQL_OID_BOOL },
	{ "has_column_privilege", SQL_OID_BOOL },
	{ "has_any_column_privilege", SQL_OID_BOOL },
	{ "has_schema_privilege", SQL_OID_BOOL },
	{ "has_database_privilege", SQL_OID_BOOL },
	{ "has_sequence_privilege", SQL_OID_BOOL },
	{ "has_function_privilege", SQL_OID_BOOL },
	{ "has_type_privilege", SQL_OID_BOOL },
	{ "pg_has_role", SQL_OID_BOOL },
	{ "pg_relation_is_publishable", SQL_OID_BOOL },
	{ "pg_partition_ancestors", SQL_OID_OID },
	{ "pg_partition_root", SQL_OID_OID },
	{ "array_to_string", SQL_OID_TEXT },
	{ "array_upper", SQL_OID_INT4 },
	{ "array_lower", SQL_OID_INT4 },
	{ "array_length", SQL_OID_INT4 },
	{ "cardinality", SQL_OID_INT4 },
	{ "version", SQL_OID_TEXT },
	{ "current_database", SQL_OID_NAME },
	{ "current_schema", SQL_OID_NAME },
	{ "quote_ident", SQL_OID_TEXT },
	{ "pg_table_size", SQL_OID_INT8 },
	{ "pg_relation_size", SQL_OID_INT8 },
	{ "pg_total_relation_size", SQL_OID_INT8 },
	{ "pg_indexes_size", SQL_OID_INT8 },
	{ "pg_database_size", SQL_OID_INT8 },
	{ "pg_size_pretty", SQL_OID_TEXT },
	{ "pg_get_serial_sequence", SQL_OID_TEXT },
	{ "array_agg", SQL_OID_TEXT },
	{ "_pg_expandarray", SQL_OID_INT4 },
	/* Set-returning in a select list: the elements of catalog arrays
	 * (indkey, conkey...) are integers. */
	{ "unnest", SQL_OID_INT4 },
	{ "generate_subscripts", SQL_OID_INT4 },
	{ "json_build_object", SQL_OID_JSON },
};

/* reg* type names and the kind pg_reg_in/pg_reg_out take. */
static const char *reg_kind(const PgQuery__TypeName *tn)
{
	if (tn == NULL || tn->n_names == 0 || tn->n_array_bounds > 0) {
		return NULL;
	}
	const char *name = sql__str(tn->names[tn->n_names - 1]);
	static const char *const kinds[] = { "regclass", "regtype",
					     "regproc",	 "regprocedure",
					     "regnamespace", "regrole",
					     "regoper" };
	for (size_t i = 0; name != NULL && i < TR_ARRAY_LEN(kinds); i++) {
		if (strcmp(name, kinds[i]) == 0) {
			return strcmp(name, "regprocedure") == 0 ||
					       strcmp(name, "regoper") == 0
				       ? "regproc"
				       : kinds[i];
		}
	}
	return NULL;
}

uint32_t sql__catalog_func_type(const char *name)
{
	for (size_t i = 0; name != NULL && i < TR_ARRAY_LEN(functions); i++) {
		if (strcmp(functions[i].name, name) == 0) {
			return functions[i].type;
		}
	}
	return 0;
}

static bool is_catalog_func(const char *name)
{
	/* These run on the cluster path as well, when they work there:
	 * they only get catalog treatment in a catalog statement. */
	static const char *const shared[] = { "array_agg", "unnest",
					      "generate_subscripts",
					      "json_build_object" };
	for (size_t i = 0; name != NULL && i < TR_ARRAY_LEN(shared); i++) {
		if (strcmp(name, shared[i]) == 0) {
			return false;
		}
	}
	return name != NULL && sql__catalog_func_type(name) != 0;
}

/* A column reference's last field, or NULL. */
static const char *column_name(const Node *n)
{
	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    n->column_ref->n_fields == 0) {
		return NULL;
	}
	const PgQuery__ColumnRef *c = n->column_ref;
	return sql__str(c->fields[c->n_fields - 1]);
}

/* Statically bool: a boolean expression or a catalog bool column. */
static bool is_bool(const Node *n)
{
	int32_t tm;
	return sql__infer(n, &tm) == SQL_OID_BOOL ||
	       sql__pgcatalog_bool_column(column_name(n));
}

/* PostgreSQL's boolean input words: 1, 0, or -1 for anything else. */
static int bool_literal(const char *s)
{
	static const char *const words[] = { "t",  "true",  "y",  "yes",
					     "on", "1",	    "f",  "false",
					     "n",  "no",    "off", "0" };
	for (size_t i = 0; s != NULL && i < TR_ARRAY_LEN(words); i++) {
		if (sqlite3_stricmp(s, words[i]) == 0) {
			return i < 6 ? 1 : 0;
		}
	}
	return -1;
}

static const char *string_const(const Node *n)
{
	return n != NULL && n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
			       !n->a_const->isnull &&
			       n->a_const->val_case ==
				       PG_QUERY__A__CONST__VAL_SVAL
		       ? n->a_const->sval->sval
		       : NULL;
}

bool sql__catalog_bool_cmp(struct sql__emit *e, const PgQuery__AExpr *x,
			   const char *op)
{
	if (!e->catalog || (strcmp(op, "=") != 0 && strcmp(op, "<>") != 0)) {
		return false;
	}
	const Node *col = x->lexpr;
	const char *lit = string_const(x->rexpr);
	if (lit == NULL) {
		col = x->rexpr;
		lit = string_const(x->lexpr);
	}
	if (lit == NULL || !sql__pgcatalog_bool_column(column_name(col))) {
		return false;
	}
	/* Stored as 0/1: 'f' would compare unequal to both. */
	int v = bool_literal(lit);
	if (v < 0) {
		sql__fail(e, x->location, "22P02",
			  "invalid input syntax for type boolean: \"%s\"",
			  lit);
		return true;
	}
	sql__put(e, "(");
	sql__expr(e, col);
	sql__putf(e, " %s %d)", op, v);
	return true;
}

/*
 * array_agg(x ORDER BY k1 [DESC] [NULLS FIRST|LAST], ...), which SQLite
 * 3.40 cannot write: pg_array_agg_ord(x, flags, k1, ...) sorts in its
 * final step.  flags has two letters per key: 'a'/'d', then 'f'/'l'
 * for where NULLs go (PostgreSQL's default: last ascending, first
 * descending).
 */
static void agg_order(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	if (fc->n_args != 1 || fc->agg_distinct || fc->n_agg_order > 32) {
		sql__fail(e, fc->location, "0A000",
			  "this form of array_agg is not supported");
		return;
	}
	char flags[65];
	size_t n = 0;
	for (size_t i = 0; i < fc->n_agg_order; i++) {
		const Node *k = fc->agg_order[i];
		if (k->node_case != PG_QUERY__NODE__NODE_SORT_BY ||
		    k->sort_by->sortby_dir ==
			    PG_QUERY__SORT_BY_DIR__SORTBY_USING) {
			sql__fail(e, fc->location, "0A000",
				  "ORDER BY ... USING is not supported");
			return;
		}
		bool desc = k->sort_by->sortby_dir ==
			    PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
		PgQuery__SortByNulls nulls = k->sort_by->sortby_nulls;
		bool first = nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
			     (desc && nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST);
		flags[n++] = desc ? 'd' : 'a';
		flags[n++] = first ? 'f' : 'l';
	}
	flags[n] = '\0';
	sql__put(e, "pg_array_agg_ord(");
	sql__expr(e, fc->args[0]);
	sql__putf(e, ", '%s'", flags);
	for (size_t i = 0; i < fc->n_agg_order; i++) {
		sql__put(e, ", ");
		sql__expr(e, fc->agg_order[i]->sort_by->node);
	}
	sql__put(e, ")");
}

/* json_build_object: SQLite's json_object, with bools as JSON
 * true/false rather than 1/0. */
static void json_build_object(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	if (fc->n_args % 2 != 0) {
		sql__fail(e, fc->location, "22023",
			  "argument list must have even number of elements");
		return;
	}
	sql__put(e, "json_object(");
	for (size_t i = 0; i < fc->n_args; i++) {
		if (i > 0) {
			sql__put(e, ", ");
		}
		if (i % 2 == 1 && is_bool(fc->args[i])) {
			sql__put(e, "json(CASE WHEN ");
			sql__expr(e, fc->args[i]);
			sql__put(e, " IS NULL THEN 'null' WHEN ");
			sql__expr(e, fc->args[i]);
			sql__put(e, " THEN 'true' ELSE 'false' END)");
		} else {
			sql__expr(e, fc->args[i]);
		}
	}
	sql__put(e, ")");
}

void sql__catalog_note_cte(struct sql__emit *e, const char *name)
{
	if (name != NULL && e->n_ctes < TR_ARRAY_LEN(e->ctes)) {
		e->ctes[e->n_ctes++] = name;
	}
}

static bool is_cte(const struct sql__emit *e, const PgQuery__RangeVar *rv)
{
	for (unsigned i = 0; rv->schemaname[0] == '\0' && i < e->n_ctes; i++) {
		if (strcmp(e->ctes[i], rv->relname) == 0) {
			return true;
		}
	}
	return false;
}

bool sql__catalog_relation(struct sql__emit *e, const PgQuery__RangeVar *rv)
{
	const char *schema = rv->schemaname;
	bool catalog = strcmp(schema, "information_schema") == 0;
	if (schema[0] == '\0' || strcmp(schema, "pg_catalog") == 0) {
		/* Other pg_catalog.x names keep meaning the user's x, as
		 * the cluster path has always read them. */
		for (size_t i = 0; i < TR_ARRAY_LEN(relations); i++) {
			catalog |= strcmp(rv->relname, relations[i]) == 0;
		}
	}
	if (!e->catalog) {
		if (catalog) {
			e->saw_catalog = true;
			/* The normal pass goes on; its output is dropped. */
			sql__ident(e, rv->relname);
			return true;
		}
		return false;
	}
	if (!catalog && is_cte(e, rv)) {
		sql__ident(e, rv->relname);
		return true;
	}
	if (!catalog) {
		sql__fail(e, rv->location, "0A000",
			  "queries mixing system catalogs and user tables "
			  "are not supported");
		return true;
	}
	if (e->stmt->writes) {
		sql__fail(e, rv->location, "42501",
			  "permission denied for table %s", rv->relname);
		return true;
	}
	sql__ident(e, schema[0] != '\0' ? schema : "pg_catalog");
	sql__put(e, ".");
	sql__ident(e, rv->relname);
	return true;
}

bool sql__catalog_func(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	if (!e->catalog) {
		if (is_catalog_func(name)) {
			e->saw_catalog = true;
		}
		return false;
	}
	if (name == NULL || sql__catalog_func_type(name) == 0) {
		return false;
	}
	if (strcmp(name, "array_agg") == 0 && fc->n_agg_order > 0 &&
	    !fc->agg_within_group && fc->over == NULL &&
	    fc->agg_filter == NULL && !fc->func_variadic) {
		agg_order(e, fc);
		return true;
	}
	if (fc->n_agg_order > 0 || fc->agg_within_group || fc->over != NULL ||
	    fc->agg_filter != NULL || fc->func_variadic) {
		sql__fail(e, fc->location, "0A000",
			  "this form of %s is not supported", name);
		return true;
	}
	if (strcmp(name, "_pg_expandarray") == 0) {
		if (e->expand == NULL) {
			sql__fail(e, fc->location, "0A000",
				  "_pg_expandarray is supported in FROM and "
				  "in a select list only");
			return true;
		}
		sql__put(e, "_pgx.value");
		return true;
	}
	if (strcmp(name, "unnest") == 0 ||
	    strcmp(name, "generate_subscripts") == 0) {
		if (e->expand == NULL) {
			sql__fail(e, fc->location, "0A000",
				  "%s is supported in FROM and in a select "
				  "list only",
				  name);
			return true;
		}
		if (name[0] == 'u') {
			sql__put(e, "_pgx.value");
		} else {
			/* int2vector and oidvector count from 0. */
			sql__put(e, "(_pgx.key + array_lower(");
			sql__expr(e, fc->args[0]);
			sql__put(e, ", 1))");
		}
		return true;
	}
	if (strcmp(name, "json_build_object") == 0) {
		json_build_object(e, fc);
		return true;
	}
	if (strcmp(name, "array_agg") == 0) {
		sql__put(e, fc->agg_distinct ? "pg_array_agg(DISTINCT "
					     : "pg_array_agg(");
	} else {
		sql__put(e, name);
		sql__put(e, "(");
	}
	if (strcmp(name, "format_type") == 0 && fc->n_args == 1) {
		sql__expr(e, fc->args[0]);
		sql__put(e, ", NULL");
	} else {
		sql__expr_list(e, fc->args, fc->n_args);
	}
	sql__put(e, ")");
	return true;
}

/* A cast to a reg* type: the OID. */
static void reg_in(struct sql__emit *e, const char *kind, const Node *arg)
{
	sql__putf(e, "pg_reg_in('%s', ", kind);
	sql__expr(e, arg);
	sql__put(e, ")");
}

static bool is_text_type(const PgQuery__TypeName *tn)
{
	if (tn == NULL || tn->n_names == 0 || tn->n_array_bounds > 0) {
		return false;
	}
	const char *name = sql__str(tn->names[tn->n_names - 1]);
	return name != NULL &&
	       (strcmp(name, "text") == 0 || strcmp(name, "varchar") == 0 ||
		strcmp(name, "name") == 0 || strcmp(name, "bpchar") == 0);
}

/* Types that only exist in the catalogs: stored as text or integers. */
static bool is_catalog_type(const PgQuery__TypeName *tn)
{
	if (tn == NULL || tn->n_names == 0) {
		return false;
	}
	if (tn->n_array_bounds > 0) {
		return true;
	}
	const char *name = sql__str(tn->names[tn->n_names - 1]);
	static const char *const names[] = { "int2vector", "oidvector",
					     "pg_node_tree", "aclitem",
					     "xid", "char", "regconfig" };
	/* "char" with a schema is PostgreSQL's one-byte type; a bare
	 * char(n) is bpchar. */
	if (name != NULL && strcmp(name, "char") == 0) {
		return tn->n_names == 2;
	}
	for (size_t i = 0; name != NULL && i < TR_ARRAY_LEN(names); i++) {
		if (strcmp(name, names[i]) == 0) {
			return true;
		}
	}
	return false;
}

bool sql__catalog_cast(struct sql__emit *e, const PgQuery__TypeCast *tc)
{
	const char *kind = reg_kind(tc->type_name);
	if (!e->catalog) {
		if (kind != NULL) {
			e->saw_catalog = true;
		}
		return false;
	}
	if (kind != NULL) {
		const Node *arg = tc->arg;
		int32_t tm;
		uint32_t from = sql__infer(arg, &tm);
		if (arg->node_case == PG_QUERY__NODE__NODE_A_CONST ||
		    arg->node_case == PG_QUERY__NODE__NODE_PARAM_REF ||
		    from == SQL_OID_TEXT || from == SQL_OID_NAME ||
		    from == SQL_OID_VARCHAR) {
			reg_in(e, kind, arg);
		} else {
			sql__expr(e, arg);
		}
		return true;
	}
	if (is_text_type(tc->type_name) &&
	    tc->arg->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
	    reg_kind(tc->arg->type_cast->type_name) != NULL) {
		/* x::regclass::text: the name. */
		sql__putf(e, "pg_reg_out('%s', ",
			  reg_kind(tc->arg->type_cast->type_name));
		sql__expr(e, tc->arg);
		sql__put(e, ")");
		return true;
	}
	if (is_catalog_type(tc->type_name)) {
		sql__expr(e, tc->arg);
		return true;
	}
	return false;
}

bool sql__catalog_target(struct sql__emit *e, const Node *n)
{
	if (!e->catalog || n == NULL ||
	    n->node_case != PG_QUERY__NODE__NODE_TYPE_CAST) {
		return false;
	}
	const char *kind = reg_kind(n->type_cast->type_name);
	if (kind == NULL) {
		return false;
	}
	/* A reg* value in a result is printed as its name. */
	sql__putf(e, "pg_reg_out('%s', ", kind);
	sql__expr(e, n);
	sql__put(e, ")");
	return true;
}

bool sql__catalog_any(struct sql__emit *e, const PgQuery__AExpr *x)
{
	if (!e->catalog) {
		return false;
	}
	const char *op = x->n_name > 0 ? sql__str(x->name[x->n_name - 1]) : "";
	bool any = x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY;
	bool eq = op != NULL && strcmp(op, "=") == 0;
	bool ne = op != NULL && (strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0);
	if ((any && !eq) || (!any && !ne)) {
		return false;
	}
	sql__put(e, any ? "pg_array_has(" : "NOT pg_array_has(");
	sql__expr(e, x->rexpr);
	sql__put(e, ", ");
	sql__expr(e, x->lexpr);
	sql__put(e, ")");
	return true;
}

bool sql__catalog_node(struct sql__emit *e, const Node *n)
{
	if (!e->catalog) {
		return false;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
		const PgQuery__AArrayExpr *a = n->a_array_expr;
		if (a->n_elements == 0) {
			sql__put(e, "'{}'");
			return true;
		}
		sql__put(e, "pg_array(");
		sql__expr_list(e, a->elements, a->n_elements);
		sql__put(e, ")");
		return true;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_A_INDIRECTION) {
		const PgQuery__AIndirection *ind = n->a_indirection;
		const char *field = ind->n_indirection == 1
					    ? sql__str(ind->indirection[0])
					    : NULL;
		if (field != NULL && ind->arg->node_case ==
					     PG_QUERY__NODE__NODE_FUNC_CALL &&
		    e->expand == ind->arg->func_call) {
			/* (_pg_expandarray(x)).x / .n */
			if (strcmp(field, "n") == 0) {
				sql__put(e, "(_pgx.key + 1)");
			} else {
				sql__put(e, "_pgx.value");
			}
			return true;
		}
		if (field != NULL && strcmp(field, "x") == 0 &&
		    ind->arg->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
			/* (keys).x of an expanded array: the value itself,
			 * which is how the composite is carried. */
			sql__expr(e, ind->arg);
			return true;
		}
		if (ind->n_indirection != 1 ||
		    ind->indirection[0]->node_case !=
			    PG_QUERY__NODE__NODE_A_INDICES ||
		    ind->indirection[0]->a_indices->is_slice ||
		    ind->indirection[0]->a_indices->uidx == NULL) {
			sql__fail(e, -1, "0A000",
				  "array slices and field selections are not "
				  "supported");
			return true;
		}
		sql__put(e, "pg_array_elem(");
		sql__expr(e, ind->arg);
		sql__put(e, ", ");
		sql__expr(e, ind->indirection[0]->a_indices->uidx);
		sql__put(e, ")");
		return true;
	}
	return false;
}

bool sql__catalog_array_sublink(struct sql__emit *e, const PgQuery__SubLink *s)
{
	if (!e->catalog) {
		return false;
	}
	const Node *sub = s->subselect;
	if (sub == NULL || sub->node_case != PG_QUERY__NODE__NODE_SELECT_STMT ||
	    sub->select_stmt->n_target_list != 1) {
		sql__fail(e, s->location, "0A000",
			  "this ARRAY(subquery) is not supported");
		return true;
	}
	/* The subquery's column, aggregated in the subquery's order. */
	const PgQuery__ResTarget *rt =
		sub->select_stmt->target_list[0]->res_target;
	const char *col = rt->name[0] != '\0' ? rt->name
					      : sql__colname(rt->val);
	sql__put(e, "(SELECT pg_array_sub(");
	sql__ident(e, col);
	sql__put(e, ") FROM (");
	sql__select(e, sub->select_stmt);
	sql__put(e, "))");
	return true;
}

/* Column @i's name from the alias list, else @dflt. */
static const char *alias_col(const PgQuery__Alias *al, size_t i,
			     const char *dflt)
{
	if (al != NULL && i < al->n_colnames && sql__str(al->colnames[i])) {
		return sql__str(al->colnames[i]);
	}
	return dflt;
}

/* The alias of the table every column reference in @n qualifies with
 * @alias (set on the first), or false if another one or an unqualified
 * reference appears. */
static bool refs_only(const ProtobufCMessage *m, const char **alias, int depth);

static bool refs_only_child(const ProtobufCMessage *c, void *ctx)
{
	const char **alias = ctx;
	return !refs_only(c, alias, 1);
}

static bool refs_only(const ProtobufCMessage *m, const char **alias, int depth)
{
	if (m == NULL || depth > SQL__MAX_DEPTH) {
		return m == NULL;
	}
	if (m->descriptor == &pg_query__node__descriptor) {
		const Node *n = (const Node *)m;
		if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
			const PgQuery__ColumnRef *c = n->column_ref;
			const char *q = c->n_fields == 2
						? sql__str(c->fields[0])
						: NULL;
			if (q == NULL ||
			    (*alias != NULL && strcmp(q, *alias) != 0)) {
				return false;
			}
			*alias = q;
			return true;
		}
		if (n->node_case == PG_QUERY__NODE__NODE_SUB_LINK) {
			return false;
		}
	}
	return !sql__children(m, refs_only_child, (void *)alias);
}

/* FROM item @i of @s as unnest(a, b, ...) over columns of one earlier
 * FROM item, a table: that table's RangeVar, else NULL. */
const PgQuery__RangeVar *sql__catalog_zip_source(const PgQuery__SelectStmt *s,
						 size_t i)
{
	const Node *f = s->from_clause[i];
	if (f->node_case != PG_QUERY__NODE__NODE_RANGE_FUNCTION) {
		return NULL;
	}
	const PgQuery__RangeFunction *rf = f->range_function;
	const PgQuery__FuncCall *fc = sql__range_function_call(rf);
	if (fc == NULL || rf->is_rowsfrom || rf->n_coldeflist > 0) {
		return NULL;
	}
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	if (name == NULL || strcmp(name, "unnest") != 0 || fc->n_args < 2) {
		return NULL;
	}
	const char *alias = NULL;
	for (size_t k = 0; k < fc->n_args; k++) {
		if (!refs_only(&fc->args[k]->base, &alias, 0)) {
			return NULL;
		}
	}
	for (size_t k = 0; alias != NULL && k < i; k++) {
		const Node *g = s->from_clause[k];
		if (g->node_case != PG_QUERY__NODE__NODE_RANGE_VAR) {
			continue;
		}
		const PgQuery__RangeVar *rv = g->range_var;
		const char *name2 = rv->alias != NULL &&
						    rv->alias->aliasname[0] !=
							    '\0'
					    ? rv->alias->aliasname
					    : rv->relname;
		if (strcmp(name2, alias) == 0) {
			return rv;
		}
	}
	return NULL;
}

/* json_array_length(pg_array_json(@n)) */
static void array_length(struct sql__emit *e, const Node *n)
{
	sql__put(e, "json_array_length(pg_array_json(");
	sql__expr(e, n);
	sql__put(e, "))");
}

/*
 * unnest(a, b, ...) [WITH ORDINALITY] in FROM over columns of table @src
 * (Django reads pg_index this way: unnest(i.indkey, i.indoption) WITH
 * ORDINALITY): the arrays side by side, the shorter ones padded with
 * NULLs.  A function in PostgreSQL's FROM sees the items before it;
 * SQLite's subqueries do not, so the rows are made from @src again, in a
 * subquery of the same alias, and joined back by rowid:
 *   JOIN (SELECT i.rowid AS __zip_rowid, <columns> FROM t AS i, ...) AS
 *   koi ON koi.__zip_rowid = i.rowid
 * (that one extra column shows in a SELECT *).
 */
void sql__catalog_unnest_zip(struct sql__emit *e,
			     const PgQuery__RangeFunction *rf,
			     const PgQuery__RangeVar *src)
{
	const PgQuery__FuncCall *fc = sql__range_function_call(rf);
	const PgQuery__Alias *al = rf->alias;
	const char *as = src->alias != NULL && src->alias->aliasname[0] != '\0'
				 ? src->alias->aliasname
				 : src->relname;
	const char *table = al != NULL && al->aliasname[0] != '\0'
				    ? al->aliasname
				    : "unnest";
	sql__put(e, " JOIN (SELECT ");
	sql__ident(e, as);
	sql__put(e, ".rowid AS __zip_rowid");
	for (size_t i = 0; i < fc->n_args; i++) {
		sql__putf(e, ", _z%zu.value AS ", i);
		sql__ident(e, alias_col(al, i, "unnest"));
	}
	if (rf->ordinality) {
		sql__put(e, ", _zk.key + 1 AS ");
		sql__ident(e, alias_col(al, fc->n_args, "ordinality"));
	}
	sql__put(e, " FROM ");
	sql__relation(e, src);
	sql__put(e, " AS ");
	sql__ident(e, as);
	/* The positions of the longest array drive the rows. */
	sql__put(e, ", json_each(CASE max(");
	for (size_t i = 0; i < fc->n_args; i++) {
		sql__put(e, i > 0 ? ", " : "");
		array_length(e, fc->args[i]);
	}
	sql__put(e, ")");
	for (size_t i = 0; i < fc->n_args; i++) {
		sql__put(e, " WHEN ");
		array_length(e, fc->args[i]);
		sql__put(e, " THEN pg_array_json(");
		sql__expr(e, fc->args[i]);
		sql__put(e, ")");
	}
	sql__put(e, " END) AS _zk");
	for (size_t i = 0; i < fc->n_args; i++) {
		sql__put(e, " LEFT JOIN json_each(pg_array_json(");
		sql__expr(e, fc->args[i]);
		sql__putf(e, ")) AS _z%zu ON _z%zu.key = _zk.key", i, i);
	}
	sql__put(e, ") AS ");
	sql__ident(e, table);
	sql__put(e, " ON ");
	sql__ident(e, table);
	sql__put(e, ".__zip_rowid = ");
	sql__ident(e, as);
	sql__put(e, ".rowid");
}

bool sql__catalog_range_function(struct sql__emit *e,
				 const PgQuery__RangeFunction *rf)
{
	const PgQuery__FuncCall *fc = sql__range_function_call(rf);
	if (fc == NULL) {
		return false;
	}
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	const PgQuery__Alias *al = rf->alias;
	if (name == NULL || fc->n_args != 1) {
		return false;
	}
	if (!e->catalog) {
		if (strcmp(name, "pg_partition_ancestors") == 0 ||
		    strcmp(name, "_pg_expandarray") == 0) {
			e->saw_catalog = true;
		}
		return false;
	}
	const char *table = al != NULL && al->aliasname[0] != '\0'
				    ? al->aliasname
				    : name;
	if (strcmp(name, "pg_partition_ancestors") == 0) {
		/* No partitions: a relation is its own only ancestor. */
		sql__put(e, "(SELECT ");
		sql__expr(e, fc->args[0]);
		sql__put(e, " AS ");
		sql__ident(e, alias_col(al, 0, "relid"));
		if (rf->ordinality) {
			sql__put(e, ", 1 AS ");
			sql__ident(e, alias_col(al, 1, "ordinality"));
		}
	} else if (strcmp(name, "unnest") == 0 ||
		   strcmp(name, "_pg_expandarray") == 0) {
		bool expand = name[0] == '_';
		sql__put(e, "(SELECT value AS ");
		sql__ident(e, alias_col(al, 0, expand ? "x" : table));
		if (expand || rf->ordinality) {
			sql__put(e, ", key + 1 AS ");
			sql__ident(e, alias_col(al, 1,
						expand ? "n" : "ordinality"));
		}
		sql__put(e, " FROM json_each(pg_array_json(");
		sql__expr(e, fc->args[0]);
		sql__put(e, ")) ORDER BY key");
	} else {
		return false;
	}
	sql__put(e, ") AS ");
	sql__ident(e, table);
	return true;
}

/* A set-returning function a select list may hold: _pg_expandarray(x),
 * unnest(x) or generate_subscripts(x, 1), all expanded by one json_each
 * over x. */
static const PgQuery__FuncCall *expand_call(const Node *n)
{
	if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_A_INDIRECTION) {
		n = n->a_indirection->arg;
	}
	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
		return NULL;
	}
	const PgQuery__FuncCall *fc = n->func_call;
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	if (name == NULL || fc->agg_star || fc->over != NULL) {
		return NULL;
	}
	if ((strcmp(name, "_pg_expandarray") == 0 ||
	     strcmp(name, "unnest") == 0) &&
	    fc->n_args == 1) {
		return fc;
	}
	if (strcmp(name, "generate_subscripts") == 0 && fc->n_args == 2) {
		return fc;
	}
	return NULL;
}

/* The same column reference (what catalog queries expand). */
static bool same_column(const Node *a, const Node *b)
{
	if (a == b) {
		return true;
	}
	if (a->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    b->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    a->column_ref->n_fields != b->column_ref->n_fields) {
		return false;
	}
	for (size_t i = 0; i < a->column_ref->n_fields; i++) {
		const char *x = sql__str(a->column_ref->fields[i]);
		const char *y = sql__str(b->column_ref->fields[i]);
		if (x == NULL || y == NULL || strcmp(x, y) != 0) {
			return false;
		}
	}
	return true;
}

static bool is_expandarray(const PgQuery__FuncCall *fc)
{
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	return name != NULL && strcmp(name, "_pg_expandarray") == 0;
}

static bool is_dimension_one(const Node *n)
{
	return n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	       !n->a_const->isnull &&
	       n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL &&
	       n->a_const->ival->ival == 1;
}

const PgQuery__FuncCall *sql__catalog_expand_find(struct sql__emit *e,
						  const PgQuery__SelectStmt *s)
{
	if (!e->catalog) {
		return NULL;
	}
	const PgQuery__FuncCall *first = NULL;
	for (size_t i = 0; i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		const PgQuery__FuncCall *fc = expand_call(rt->val);
		if (fc == NULL) {
			continue;
		}
		if (fc->n_args == 2 && !is_dimension_one(fc->args[1])) {
			sql__fail(e, fc->location, "0A000",
				  "generate_subscripts is supported for "
				  "dimension 1 only");
			return NULL;
		}
		if (first == NULL) {
			first = fc;
		} else if (!same_column(fc->args[0], first->args[0]) &&
			   !is_expandarray(fc)) {
			/* Several expansions walk in step in PostgreSQL
			 * only over arrays of one length: one array here. */
			sql__fail(e, fc->location, "0A000",
				  "set-returning functions over different "
				  "arrays in one select list are not "
				  "supported");
			return NULL;
		}
	}
	if (first == NULL) {
		return NULL;
	}
	/* Every call in the list stands for the same expansion (pgjdbc
	 * writes the same argument twice): point them all at the first. */
	for (size_t i = 0; i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		Node *v = rt->val;
		if (v->node_case == PG_QUERY__NODE__NODE_A_INDIRECTION &&
		    expand_call(v) != NULL) {
			v->a_indirection->arg->func_call =
				(PgQuery__FuncCall *)first;
		}
	}
	return first;
}

void sql__catalog_expand_from(struct sql__emit *e, bool has_from)
{
	if (e->expand == NULL) {
		return;
	}
	sql__put(e, has_from ? ", json_each(pg_array_json("
			     : " FROM json_each(pg_array_json(");
	sql__expr(e, e->expand->args[0]);
	sql__put(e, ")) AS _pgx");
}
