/*
 * sql/query.c: SELECT, INSERT, UPDATE and DELETE in SQLite's grammar.
 *
 * Differences handled here:
 * - every unaliased select-list expression gets AS "<PostgreSQL's name>";
 * - LIMIT ALL and OFFSET without LIMIT become LIMIT -1; FETCH FIRST n
 *   ROWS ONLY becomes LIMIT n;
 * - a set-operation arm that PostgreSQL nests on the right (or that has
 *   its own ORDER BY/LIMIT/WITH) is wrapped as SELECT * FROM (...),
 *   because SQLite evaluates compound selects left to right;
 * - column aliases on FROM items (AS x(a, b)) go through a CTE, which
 *   SQLite supports with a column list;
 * - DELETE ... USING becomes DELETE ... WHERE rowid IN (SELECT ...);
 * - INSERT ... SELECT ... ON CONFLICT wraps the SELECT so that SQLite
 *   does not read ON as a join constraint;
 * - DEFAULT in a single-row VALUES drops the column from the insert;
 * - FOR UPDATE/SHARE is dropped: SQLite write transactions already
 *   exclude other writers;
 * - SELECT DISTINCT ON (d) ... ORDER BY o keeps the first row of each
 *   partition by d in the order o, with row_number() (see distinct_on);
 * - GROUP BY GROUPING SETS / ROLLUP / CUBE is a UNION ALL of one grouped
 *   query per set (grouping_select; the sets come from grouping.c);
 * - INTERSECT ALL and EXCEPT ALL number the copies of each row (set_all);
 * - a lone generate_series in the select list becomes a FROM item
 *   (movable_srf);
 * - LIMIT/OFFSET counts are checked (subquery.c), OVER clauses and the
 *   WINDOW clause are window.c's.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

static void select_stmt(struct sql__emit *e, const PgQuery__SelectStmt *s);
static bool lateral_active(const struct sql__emit *e);

void sql__relation(struct sql__emit *e, const PgQuery__RangeVar *rv)
{
	if (rv->catalogname[0] != '\0') {
		sql__fail(e, rv->location, "0A000",
			  "cross-database references are not implemented");
		return;
	}
	if (sql__catalog_relation(e, rv)) {
		return;
	}
	if (rv->schemaname[0] != '\0' &&
	    strcmp(rv->schemaname, "public") != 0 &&
	    strcmp(rv->schemaname, "pg_catalog") != 0) {
		sql__fail(e, rv->location, "3F000",
			  "schema \"%s\" does not exist", rv->schemaname);
		return;
	}
	if (strncmp(rv->relname, "triode_cluster_", 15) == 0) {
		e->stmt->cluster_view = true;
	}
	sql__ident(e, rv->relname);
}

static void emit_name_list(struct sql__emit *e, Node *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = sql__str(items[i]);
		if (i > 0) {
			sql__put(e, ", ");
		}
		if (s == NULL) {
			sql__fail(e, -1, "42601", "expected a name");
			return;
		}
		sql__ident(e, s);
	}
}

static void emit_with(struct sql__emit *e, const PgQuery__WithClause *w)
{
	sql__put(e, w->recursive ? "WITH RECURSIVE " : "WITH ");
	for (size_t i = 0; i < w->n_ctes; i++) {
		const PgQuery__CommonTableExpr *c =
			w->ctes[i]->common_table_expr;
		sql__catalog_note_cte(e, c->ctename);
		if (e->n_with_ctes < TR_ARRAY_LEN(e->with_ctes)) {
			e->with_ctes[e->n_with_ctes++] = c; /* scope.c */
		}
	}
	for (size_t i = 0; i < w->n_ctes; i++) {
		const PgQuery__CommonTableExpr *c =
			w->ctes[i]->common_table_expr;
		if (i > 0) {
			sql__put(e, ", ");
		}
		if (c->search_clause != NULL || c->cycle_clause != NULL) {
			sql__fail(e, c->location, "0A000",
				  "SEARCH and CYCLE clauses are not supported");
			return;
		}
		if (c->ctequery != NULL &&
		    c->ctequery->node_case !=
			    PG_QUERY__NODE__NODE_SELECT_STMT) {
			/* INSERT/UPDATE/DELETE: a read of the rows its run
			 * stored (returning.c), at the top level only. */
			if (sql__with_dml_cte(e, c)) {
				continue;
			}
			sql__fail(e, c->location, "0A000",
				  "WITH clause containing a data-modifying "
				  "statement must be at the top level");
			return;
		}
		if (c->ctequery == NULL) {
			sql__fail(e, c->location, "42601",
				  "invalid WITH query");
			return;
		}
		sql__ident(e, c->ctename);
		if (c->n_aliascolnames > 0) {
			sql__put(e, "(");
			emit_name_list(e, c->aliascolnames, c->n_aliascolnames);
			sql__put(e, ")");
		}
		sql__put(e, " AS ");
		if (c->ctematerialized ==
		    PG_QUERY__CTEMATERIALIZE__CTEMaterializeAlways) {
			sql__put(e, "MATERIALIZED ");
		} else if (c->ctematerialized ==
			   PG_QUERY__CTEMATERIALIZE__CTEMaterializeNever) {
			sql__put(e, "NOT MATERIALIZED ");
		}
		sql__put(e, "(");
		select_stmt(e, c->ctequery->select_stmt);
		sql__put(e, ")");
	}
	sql__put(e, " ");
}

static void emit_from_item(struct sql__emit *e, const Node *n);

/* "(WITH _tN(a, b) AS (<inner>) SELECT * FROM _tN)" for AS x(a, b). */
static void begin_renamed(struct sql__emit *e, const PgQuery__Alias *al,
			  unsigned *tmp)
{
	*tmp = ++e->n_tmp;
	sql__putf(e, "(WITH _t%u(", *tmp);
	emit_name_list(e, al->colnames, al->n_colnames);
	sql__put(e, ") AS (");
}

static void end_renamed(struct sql__emit *e, unsigned tmp)
{
	sql__putf(e, ") SELECT * FROM _t%u)", tmp);
}

static void emit_alias(struct sql__emit *e, const PgQuery__Alias *al)
{
	if (al != NULL && al->aliasname[0] != '\0') {
		sql__put(e, " AS ");
		sql__ident(e, al->aliasname);
	}
}

static void emit_join(struct sql__emit *e, const PgQuery__JoinExpr *j)
{
	if (j->alias != NULL || j->join_using_alias != NULL) {
		sql__fail(e, -1, "0A000", "aliases on joins are not supported");
		return;
	}
	emit_from_item(e, j->larg);
	const char *kw;
	switch (j->jointype) {
	case PG_QUERY__JOIN_TYPE__JOIN_INNER:
		kw = " JOIN ";
		break;
	case PG_QUERY__JOIN_TYPE__JOIN_LEFT:
		kw = " LEFT JOIN ";
		break;
	case PG_QUERY__JOIN_TYPE__JOIN_RIGHT:
		kw = " RIGHT JOIN ";
		break;
	case PG_QUERY__JOIN_TYPE__JOIN_FULL:
		kw = " FULL JOIN ";
		break;
	default:
		sql__fail(e, -1, "0A000", "this join type is not supported");
		return;
	}
	if (j->is_natural) {
		sql__put(e, " NATURAL");
	}
	sql__put(e, kw);
	bool nested = j->rarg->node_case == PG_QUERY__NODE__NODE_JOIN_EXPR;
	if (nested) {
		sql__put(e, "(");
	}
	emit_from_item(e, j->rarg);
	if (nested) {
		sql__put(e, ")");
	}
	if (j->n_using_clause > 0) {
		sql__put(e, " USING (");
		emit_name_list(e, j->using_clause, j->n_using_clause);
		sql__put(e, ")");
	} else if (j->quals != NULL) {
		sql__put(e, " ON ");
		sql__expr(e, j->quals);
	}
}

/*
 * generate_series(a, b[, step]) in FROM: the pg_generate_series* table
 * functions (functions.c) in a derived table that names the column as
 * PostgreSQL does: the alias's column name, else the alias, else
 * "generate_series".  The module is chosen by the arguments' static
 * types so that the column's declared type (what Describe reports) is
 * PostgreSQL's result type.  Arguments cannot refer to other FROM items
 * (PostgreSQL's implicit LATERAL for functions): the derived table hides
 * them.
 */
/* The pg_generate_series* module for generate_series(@fc's arguments),
 * chosen by their static types so that the column's declared type (what
 * Describe reports) is PostgreSQL's result type. */
static const char *gs_module(const PgQuery__FuncCall *fc)
{
	bool tstz = false, num = false, i8 = false;
	int32_t tm;
	uint32_t t0 = sql__infer(fc->args[0], &tm);
	for (size_t i = 0; i < fc->n_args; i++) {
		uint32_t t = sql__infer(fc->args[i], &tm);
		tstz |= t == SQL_OID_TIMESTAMPTZ || t == SQL_OID_DATE ||
			t == SQL_OID_INTERVAL;
		num |= t == SQL_OID_NUMERIC || t == SQL_OID_FLOAT4 ||
		       t == SQL_OID_FLOAT8;
		i8 |= t == SQL_OID_INT8;
	}
	const char *module = "pg_generate_series";
	if (t0 == SQL_OID_TIMESTAMP) {
		module = "pg_generate_series_ts";
	} else if (tstz) {
		module = "pg_generate_series_tstz";
	} else if (num) {
		module = "pg_generate_series_numeric";
	} else if (i8) {
		module = "pg_generate_series_int8";
	}
	return module;
}

#define MAX_LATERAL 8

struct lateral_item {
	const PgQuery__RangeSubselect *rs;
	const PgQuery__SelectStmt *sub;
	const char *alias;
	const char **cols; /* output column names */
	size_t n_cols;
	bool filter; /* inner join that may lose rows: EXISTS in WHERE */
	/* A subquery that may return several rows: a FROM item of its own,
	 * pg_unnest over its rows packed as JSON, column k of a row being
	 * json_extract(alias.value, '$[k]'). */
	bool rows;
	/* Or a set-returning function reading an earlier FROM item: written
	 * as SQLite's table-valued function under @alias, column k being
	 * "alias".phys[k]. */
	const PgQuery__RangeFunction *rf;
	const char **phys;
};

struct sql__lateral {
	const PgQuery__SelectStmt *sel; /* the query level */
	const struct sql__lateral *outer;
	struct lateral_item items[MAX_LATERAL];
	size_t n;
	/* A bare * over function items: written out per FROM item. */
	bool expand_star;
};

static const struct lateral_item *find_lateral_function(
	const struct sql__emit *e, const PgQuery__RangeFunction *rf);

/* regexp_split_to_table(s, pattern [, flags]) as a table-valued function:
 * the pieces of regexp_split_to_array, unnested (value, ordinality). */
static void split_source(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	sql__put(e, "pg_unnest(pg_regexp_split(");
	sql__expr_list(e, fc->args, fc->n_args);
	sql__put(e, "))");
}

/* Function item @it, bare: "<table-valued function>(args) AS alias". */
static void emit_lateral_function(struct sql__emit *e,
				  const struct lateral_item *it)
{
	const PgQuery__FuncCall *fc = sql__range_function_call(it->rf);
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	if (strcmp(name, "unnest") == 0) {
		sql__array_unnest_source(e, fc->args[0]);
	} else if (strcmp(name, "generate_series") == 0) {
		sql__put(e, gs_module(fc));
		sql__put(e, "(");
		sql__expr_list(e, fc->args, fc->n_args);
		sql__put(e, ")");
	} else if (strcmp(name, "regexp_split_to_table") == 0) {
		split_source(e, fc);
	} else {
		sql__putf(e, "pg_%s(", name);
		sql__expr(e, fc->args[0]);
		sql__put(e, ")");
	}
	sql__put(e, " AS ");
	sql__ident(e, it->alias);
}

static void emit_range_function(struct sql__emit *e,
				const PgQuery__RangeFunction *rf)
{
	const PgQuery__FuncCall *fc = NULL;
	const struct lateral_item *lf = find_lateral_function(e, rf);
	if (lf != NULL) {
		emit_lateral_function(e, lf);
		return;
	}
	if (sql__catalog_range_function(e, rf) ||
	    sql__array_range_function(e, rf)) {
		return;
	}
	fc = sql__range_function_call(rf);
	const char *name = fc != NULL
				   ? sql__str(fc->funcname[fc->n_funcname - 1])
				   : NULL;
	if (name != NULL && strcmp(name, "regexp_split_to_table") == 0 &&
	    (fc->n_args == 2 || fc->n_args == 3) && !rf->is_rowsfrom &&
	    rf->n_coldeflist == 0) {
		const PgQuery__Alias *al = rf->alias;
		const char *table = al != NULL && al->aliasname[0] != '\0'
					    ? al->aliasname
					    : name;
		sql__put(e, "(SELECT value AS ");
		sql__ident(e, al != NULL && al->n_colnames > 0 &&
					      sql__str(al->colnames[0]) != NULL
				      ? sql__str(al->colnames[0])
				      : table);
		if (rf->ordinality) {
			sql__put(e, ", ordinality AS ");
			sql__ident(e, al != NULL && al->n_colnames > 1 &&
						      sql__str(al->colnames[1])
					      ? sql__str(al->colnames[1])
					      : "ordinality");
		}
		sql__put(e, " FROM ");
		split_source(e, fc);
		sql__put(e, ") AS ");
		sql__ident(e, table);
		return;
	}
	if (name != NULL && sql__json_range_function(e, rf, fc, name)) {
		return; /* json_sql.c */
	}
	if (name == NULL || strcmp(name, "generate_series") != 0 ||
	    (fc->n_funcname == 2 && sql__str(fc->funcname[0]) != NULL &&
	     strcmp(sql__str(fc->funcname[0]), "pg_catalog") != 0)) {
		sql__fail(e, fc != NULL ? fc->location : -1, "0A000",
			  "function %s in FROM is not supported",
			  name != NULL ? name : "call");
		return;
	}
	if (rf->lateral || rf->ordinality || rf->is_rowsfrom ||
	    rf->n_coldeflist > 0) {
		sql__fail(e, fc->location, "0A000",
			  "LATERAL, WITH ORDINALITY, ROWS FROM and column "
			  "definitions are not supported for functions in "
			  "FROM");
		return;
	}
	if (fc->n_args < 2 || fc->n_args > 3) {
		sql__fail(e, fc->location, "42883",
			  "function generate_series with %zu arguments does "
			  "not exist",
			  fc->n_args);
		return;
	}
	const char *module = gs_module(fc);
	const PgQuery__Alias *al = rf->alias;
	const char *table = al != NULL && al->aliasname[0] != '\0'
				    ? al->aliasname
				    : name;
	const char *col = table;
	if (al != NULL && al->n_colnames > 0) {
		if (al->n_colnames > 1) {
			sql__fail(e, fc->location, "42601",
				  "too many column aliases specified for "
				  "function generate_series");
			return;
		}
		col = sql__str(al->colnames[0]);
		if (col == NULL) {
			col = table;
		}
	}
	sql__put(e, "(SELECT value AS ");
	sql__ident(e, col);
	sql__putf(e, " FROM %s(", module);
	sql__expr_list(e, fc->args, fc->n_args);
	sql__put(e, ")) AS ");
	sql__ident(e, table);
}

static void emit_from_item(struct sql__emit *e, const Node *n)
{
	if (++e->depth > SQL__MAX_DEPTH) {
		sql__fail(e, -1, "54001", "stack depth limit exceeded");
		e->depth--;
		return;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_RANGE_VAR: {
		const PgQuery__RangeVar *rv = n->range_var;
		unsigned tmp = 0;
		if (rv->alias != NULL && rv->alias->n_colnames > 0) {
			begin_renamed(e, rv->alias, &tmp);
			sql__put(e, "SELECT * FROM ");
			sql__relation(e, rv);
			end_renamed(e, tmp);
			emit_alias(e, rv->alias);
			break;
		}
		sql__relation(e, rv);
		emit_alias(e, rv->alias);
		break;
	}
	case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: {
		const PgQuery__RangeSubselect *rs = n->range_subselect;
		if (rs->lateral) {
			sql__fail(e, -1, "0A000",
				  "LATERAL subqueries are not supported");
			break;
		}
		if (rs->subquery == NULL ||
		    rs->subquery->node_case !=
			    PG_QUERY__NODE__NODE_SELECT_STMT) {
			sql__fail(e, -1, "0A000", "subquery is not supported");
			break;
		}
		unsigned tmp = 0;
		if (rs->alias != NULL && rs->alias->n_colnames > 0) {
			begin_renamed(e, rs->alias, &tmp);
			select_stmt(e, rs->subquery->select_stmt);
			end_renamed(e, tmp);
		} else {
			sql__put(e, "(");
			select_stmt(e, rs->subquery->select_stmt);
			sql__put(e, ")");
		}
		emit_alias(e, rs->alias);
		break;
	}
	case PG_QUERY__NODE__NODE_JOIN_EXPR:
		emit_join(e, n->join_expr);
		break;
	case PG_QUERY__NODE__NODE_RANGE_FUNCTION:
		emit_range_function(e, n->range_function);
		break;
	default:
		sql__fail(e, -1, "0A000", "this FROM item is not supported");
		break;
	}
	e->depth--;
}

static bool is_star(const Node *v)
{
	return v != NULL && v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
	       v->column_ref->fields[v->column_ref->n_fields - 1]->node_case ==
		       PG_QUERY__NODE__NODE_A_STAR;
}

static bool has_aggregate(const ProtobufCMessage *m, int depth);
static void emit_star(struct sql__emit *e, const PgQuery__SelectStmt *s);

/* HAVING without GROUP BY makes the query one group even when the
 * select list has no aggregate, which SQLite refuses ("HAVING clause on
 * a non-aggregate query"); an aggregate wrapped around the first item
 * tells SQLite so. */
static bool needs_aggregate_marker(const PgQuery__SelectStmt *s)
{
	if (s->having_clause == NULL || s->n_group_clause > 0 ||
	    s->n_target_list == 0 ||
	    is_star(s->target_list[0]->res_target->val)) {
		return false;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		if (has_aggregate(&s->target_list[i]->base, 0)) {
			return false;
		}
	}
	return true;
}

static void emit_targets(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	bool marker = needs_aggregate_marker(s);
	for (size_t i = 0; i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		bool wrap = marker && i == 0;
		if (i > 0) {
			sql__put(e, ", ");
		}
		if (wrap) {
			sql__put(e, "CASE WHEN count(*) IS NULL THEN NULL ELSE ");
		}
		if (e->lateral != NULL && e->lateral->sel == s &&
		    e->lateral->expand_star && is_star(rt->val) &&
		    rt->val->column_ref->n_fields == 1) {
			emit_star(e, s);
			continue;
		}
		/* Exact quotients for the client (decimal.c). */
		e->exact = s == e->exact_sel ? rt->val : NULL;
		if (!sql__catalog_target(e, rt->val)) {
			sql__expr(e, rt->val);
		}
		e->exact = NULL;
		if (wrap) {
			sql__put(e, " END");
		}
		if (rt->name[0] != '\0') {
			sql__put(e, " AS ");
			sql__ident(e, rt->name);
		} else if (wrap || (!is_star(rt->val) &&
				    (rt->val->node_case !=
					     PG_QUERY__NODE__NODE_COLUMN_REF ||
				     lateral_active(e)))) {
			/* SQLite would name it after its text. */
			sql__put(e, " AS ");
			sql__ident(e, sql__colname(rt->val));
		}
	}
}

static void emit_limit(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	if (s->limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES) {
		sql__fail(e, -1, "0A000",
			  "FETCH ... WITH TIES is not supported");
		return;
	}
	const Node *count = s->limit_count;
	if (count != NULL && count->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	    count->a_const->isnull) {
		count = NULL; /* LIMIT ALL / LIMIT NULL */
	}
	if (count == NULL && s->limit_offset == NULL) {
		return;
	}
	sql__put(e, " LIMIT ");
	if (count != NULL) {
		sql__limit_count(e, count, false); /* subquery.c */
	} else {
		sql__put(e, "-1");
	}
	if (s->limit_offset != NULL) {
		sql__put(e, " OFFSET ");
		sql__limit_count(e, s->limit_offset, true);
	}
}

/*
 * ORDER BY n / GROUP BY n must name an item of @s's select list (42P10,
 * as PostgreSQL's findTargetlistEntrySQL92).  Lists with * are left to
 * SQLite, which knows the column count.
 */
static void check_positions(struct sql__emit *e, const PgQuery__SelectStmt *s,
			    Node *const *items, size_t n, bool sort)
{
	while (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->larg) {
		s = s->larg;
	}
	size_t n_targets = s->n_target_list;
	if (s->n_values_lists > 0) {
		const Node *row = s->values_lists[0];
		n_targets = row->node_case == PG_QUERY__NODE__NODE_LIST
				    ? row->list->n_items
				    : 0;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		const Node *v = s->target_list[i]->res_target->val;
		if (v != NULL &&
		    v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
		    v->column_ref->n_fields > 0 &&
		    v->column_ref->fields[v->column_ref->n_fields - 1]
				    ->node_case == PG_QUERY__NODE__NODE_A_STAR) {
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const Node *x = items[i];
		if (sort && x->node_case == PG_QUERY__NODE__NODE_SORT_BY) {
			x = x->sort_by->node;
		}
		if (x == NULL || x->node_case != PG_QUERY__NODE__NODE_A_CONST ||
		    x->a_const->val_case != PG_QUERY__A__CONST__VAL_IVAL) {
			continue;
		}
		int v = x->a_const->ival->ival;
		if (v < 1 || (size_t)v > n_targets) {
			sql__fail(e, x->a_const->location, "42P10",
				  "%s position %d is not in select list",
				  sort ? "ORDER BY" : "GROUP BY", v);
			return;
		}
	}
}

/* An aggregate call in @m, outside subqueries (which are their own
 * level) and window calls. */

static bool aggregate_child(const ProtobufCMessage *c, void *depth)
{
	return has_aggregate(c, *(int *)depth + 1);
}

static bool has_aggregate(const ProtobufCMessage *m, int depth)
{
	if (m == NULL || depth > SQL__MAX_DEPTH) {
		return false;
	}
	if (m->descriptor == &pg_query__node__descriptor) {
		const Node *n = (const Node *)m;
		if (n->node_case == PG_QUERY__NODE__NODE_SUB_LINK) {
			return false;
		}
		if (n->node_case == PG_QUERY__NODE__NODE_FUNC_CALL) {
			const PgQuery__FuncCall *fc = n->func_call;
			const char *name =
				fc->n_funcname > 0
					? sql__str(fc->funcname[fc->n_funcname - 1])
					: NULL;
			if (fc->over == NULL &&
			    (fc->agg_star ||
			     (name != NULL && sql__func_is_agg(name)))) {
				return true;
			}
		}
	}
	return sql__children(m, aggregate_child, &depth);
}

/* Set-returning generate_series calls (@n_srf, the last in @srf) and
 * window calls (@n_win) in @m, outside subqueries. */
struct srf_walk {
	int depth;
	const Node **srf;
	unsigned *n_srf, *n_win;
};

static void find_srf(const ProtobufCMessage *m, int depth, const Node **srf,
		     unsigned *n_srf, unsigned *n_win);

static bool srf_child(const ProtobufCMessage *c, void *ctx)
{
	const struct srf_walk *w = ctx;
	find_srf(c, w->depth + 1, w->srf, w->n_srf, w->n_win);
	return false;
}

static void find_srf(const ProtobufCMessage *m, int depth, const Node **srf,
		     unsigned *n_srf, unsigned *n_win)
{
	if (m == NULL || depth > SQL__MAX_DEPTH) {
		return;
	}
	if (m->descriptor == &pg_query__node__descriptor) {
		const Node *n = (const Node *)m;
		if (n->node_case == PG_QUERY__NODE__NODE_SUB_LINK) {
			return;
		}
		if (n->node_case == PG_QUERY__NODE__NODE_FUNC_CALL) {
			const PgQuery__FuncCall *fc = n->func_call;
			const char *name =
				fc->n_funcname > 0
					? sql__str(fc->funcname[fc->n_funcname -
								1])
					: NULL;
			const char *schema = fc->n_funcname == 2
						     ? sql__str(fc->funcname[0])
						     : "pg_catalog";
			*n_win += fc->over != NULL;
			if (name != NULL &&
			    strcmp(name, "generate_series") == 0 &&
			    schema != NULL &&
			    strcmp(schema, "pg_catalog") == 0 &&
			    fc->n_funcname <= 2) {
				*srf = n;
				++*n_srf;
			}
		}
	}
	struct srf_walk w = { depth, srf, n_srf, n_win };
	(void)sql__children(m, srf_child, &w);
}

/* A column reference in @m that the FROM item of a moved generate_series
 * would capture or change: an unqualified value, start, stop or step (the
 * table function's columns), or a *. */
static bool has_capturable_ref(const ProtobufCMessage *m, int depth);

static bool capturable_child(const ProtobufCMessage *c, void *depth)
{
	return has_capturable_ref(c, *(int *)depth + 1);
}

static bool has_capturable_ref(const ProtobufCMessage *m, int depth)
{
	if (m == NULL || depth > SQL__MAX_DEPTH) {
		return false;
	}
	if (m->descriptor == &pg_query__column_ref__descriptor) {
		const PgQuery__ColumnRef *c = (const PgQuery__ColumnRef *)m;
		const char *name = c->n_fields == 1 ? sql__str(c->fields[0])
						    : NULL;
		if (c->n_fields > 0 && c->fields[c->n_fields - 1]->node_case ==
					       PG_QUERY__NODE__NODE_A_STAR) {
			return true;
		}
		return name != NULL &&
		       (strcmp(name, "value") == 0 ||
			strcmp(name, "start") == 0 ||
			strcmp(name, "stop") == 0 || strcmp(name, "step") == 0);
	}
	return sql__children(m, capturable_child, &depth);
}

/*
 * generate_series(...) in the select list of @s: PostgreSQL runs it once
 * per row of the FROM list and emits a row per value.  When it is the
 * only set-returning call, in a query without grouping, aggregates or
 * window functions, that is a join with the series (SQLite's table-valued
 * functions see the columns of the FROM items before them, as LATERAL),
 * so the call becomes a column of a FROM item __srfN (unless the query
 * names a column that item would capture).  Returns the call
 * (NULL: none movable; the call then fails in expr.c with 0A000).
 */
static const Node *movable_srf(const PgQuery__SelectStmt *s)
{
	const Node *srf = NULL;
	unsigned n_srf = 0, n_win = 0;
	for (size_t i = 0; i < s->n_target_list; i++) {
		find_srf(&s->target_list[i]->base, 0, &srf, &n_srf, &n_win);
	}
	if (n_srf != 1 || n_win > 0 || s->n_group_clause > 0 ||
	    s->having_clause != NULL ||
	    (s->n_from_clause > 0 && has_capturable_ref(&s->base, 0))) {
		return NULL;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		if (has_aggregate(&s->target_list[i]->base, 0)) {
			return NULL;
		}
	}
	const PgQuery__FuncCall *fc = srf->func_call;
	if (fc->n_args < 2 || fc->n_args > 3 || fc->agg_star ||
	    fc->agg_distinct || fc->agg_filter != NULL || fc->n_agg_order > 0 ||
	    fc->func_variadic) {
		return NULL;
	}
	for (size_t i = 0; i < fc->n_args; i++) {
		if (fc->args[i]->node_case ==
		    PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
			return NULL;
		}
	}
	return srf;
}

static void emit_tail(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	if (s->n_sort_clause > 0) {
		check_positions(e, s, s->sort_clause, s->n_sort_clause, true);
		sql__put(e, " ORDER BY ");
		sql__sort(e, s->sort_clause, s->n_sort_clause);
	}
	emit_limit(e, s);
}

static void emit_values(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	sql__put(e, "VALUES ");
	for (size_t i = 0; i < s->n_values_lists; i++) {
		const Node *row = s->values_lists[i];
		if (i > 0) {
			sql__put(e, ", ");
		}
		sql__put(e, "(");
		sql__expr_list(e, row->list->items, row->list->n_items);
		sql__put(e, ")");
	}
}

static bool is_distinct_on(const PgQuery__SelectStmt *s)
{
	return s->n_distinct_clause > 0 &&
	       s->distinct_clause[0]->node_case !=
		       PG_QUERY__NODE__NODE__NOT_SET;
}

static void emit_distinct_on_targets(struct sql__emit *e,
				     const PgQuery__SelectStmt *s);

static bool is_star_target(const Node *v);
static bool is_distinct_on(const PgQuery__SelectStmt *s);

/* ---------------------------------------------------------------------
 * LATERAL subqueries that return at most one row
 *
 *   SELECT e.name, x.top FROM emp e,
 *     LATERAL (SELECT max(salary) AS top FROM emp o
 *              WHERE o.dept = e.dept) x
 *
 * SQLite has no LATERAL, but a subquery that returns at most one row by
 * its shape (sql__select_single_row) is, per row of the FROM items before
 * it, one value per column: each reference to one of its columns (x.top,
 * or top when no other FROM item could have it: PostgreSQL would call
 * that ambiguous) is written as the correlated scalar subquery
 *
 *   (SELECT "top" FROM (SELECT max(salary) AS top ...))
 *
 * and the FROM item is dropped.  A comma, CROSS JOIN or JOIN ... ON true
 * drops the rows for which the subquery has no row: EXISTS (subquery) is
 * added to WHERE unless it always has one (an aggregate without GROUP
 * BY, HAVING, LIMIT or OFFSET); LEFT JOIN LATERAL ... ON true keeps them
 * with NULLs, which is what the scalar subqueries give.  Other forms (a
 * subquery that may return several rows, another join condition, * or a
 * whole-row reference) stay refused.  Each reference evaluates the
 * subquery again.
 * ------------------------------------------------------------------- */

static bool is_true_const(const Node *n)
{
	if (n == NULL) {
		return true;
	}
	return n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	       n->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL &&
	       n->a_const->boolval->boolval;
}

/* @sub returns exactly one row by its shape. */
static bool always_one_row(const PgQuery__SelectStmt *sub)
{
	if (sub->op != PG_QUERY__SET_OPERATION__SETOP_NONE ||
	    sub->n_group_clause > 0 || sub->having_clause != NULL ||
	    sub->limit_count != NULL || sub->limit_offset != NULL ||
	    sub->n_values_lists > 0 || sub->n_from_clause == 0) {
		return sub->op == PG_QUERY__SET_OPERATION__SETOP_NONE &&
		       sub->n_from_clause == 0 && sub->where_clause == NULL &&
		       sub->n_values_lists == 0 && sub->limit_count == NULL &&
		       sub->limit_offset == NULL && sub->having_clause == NULL;
	}
	for (size_t i = 0; i < sub->n_target_list; i++) {
		if (has_aggregate(&sub->target_list[i]->base, 0)) {
			return true;
		}
	}
	return false;
}

/* Fill @it from lateral subselect @rs; false if its form is not one
 * handled here. */
static bool lateral_item(struct sql__emit *e, const PgQuery__RangeSubselect *rs,
			 bool inner, struct lateral_item *it)
{
	if (!rs->lateral || rs->subquery == NULL ||
	    rs->subquery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT ||
	    rs->alias == NULL || rs->alias->aliasname[0] == '\0') {
		return false;
	}
	const PgQuery__SelectStmt *sub = rs->subquery->select_stmt;
	bool one = sql__select_single_row(sub);
	if ((!one && (sub->op != PG_QUERY__SET_OPERATION__SETOP_NONE ||
		      sub->n_target_list == 0)) ||
	    is_distinct_on(sub) || sub->n_values_lists > 0) {
		return false;
	}
	size_t n = sub->n_target_list;
	const char **cols = tr_arena_alloc(e->a, (n + 1) * sizeof *cols);
	if (cols == NULL) {
		return false;
	}
	const PgQuery__Alias *al = rs->alias;
	if (al->n_colnames > n) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const PgQuery__ResTarget *rt = sub->target_list[i]->res_target;
		if (is_star_target(rt->val)) {
			return false;
		}
		cols[i] = i < al->n_colnames    ? sql__str(al->colnames[i])
			  : rt->name[0] != '\0' ? rt->name
						: sql__colname(rt->val);
		for (size_t j = 0; cols[i] != NULL && j < i; j++) {
			if (strcmp(cols[i], cols[j]) == 0) {
				return false; /* SQLite could not tell */
			}
		}
		if (cols[i] == NULL) {
			return false;
		}
	}
	memset(it, 0, sizeof *it);
	it->rs = rs;
	it->sub = sub;
	it->alias = al->aliasname;
	it->cols = cols;
	it->n_cols = n;
	it->rows = !one;
	it->filter = one && inner && !always_one_row(sub);
	return true;
}

/* The lateral subselect a FROM item is (or ends with, for a join), and
 * whether the join is inner; NULL if none. */
static const PgQuery__RangeSubselect *lateral_of(const Node *n, bool *inner)
{
	*inner = true;
	if (n->node_case == PG_QUERY__NODE__NODE_RANGE_SUBSELECT) {
		return n->range_subselect->lateral ? n->range_subselect : NULL;
	}
	if (n->node_case != PG_QUERY__NODE__NODE_JOIN_EXPR) {
		return NULL;
	}
	const PgQuery__JoinExpr *j = n->join_expr;
	if (j->rarg->node_case != PG_QUERY__NODE__NODE_RANGE_SUBSELECT ||
	    !j->rarg->range_subselect->lateral) {
		return NULL;
	}
	if (j->alias != NULL || j->join_using_alias != NULL || j->is_natural ||
	    j->n_using_clause > 0 || !is_true_const(j->quals) ||
	    (j->jointype != PG_QUERY__JOIN_TYPE__JOIN_INNER &&
	     j->jointype != PG_QUERY__JOIN_TYPE__JOIN_LEFT)) {
		return NULL;
	}
	*inner = j->jointype == PG_QUERY__JOIN_TYPE__JOIN_INNER;
	return j->rarg->range_subselect;
}

static bool has_column_ref(const ProtobufCMessage *m, int depth);

static bool column_ref_child(const ProtobufCMessage *c, void *depth)
{
	return has_column_ref(c, *(int *)depth + 1);
}

/* A column reference in @m (a FROM function's arguments: it reads an
 * earlier FROM item or an outer query). */
static bool has_column_ref(const ProtobufCMessage *m, int depth)
{
	if (m == NULL || depth > SQL__MAX_DEPTH) {
		return false;
	}
	if (m->descriptor == &pg_query__node__descriptor &&
	    ((const Node *)m)->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
		return true;
	}
	return sql__children(m, column_ref_child, &depth);
}

/*
 * Fill @it from FROM function @rf when it is one of the set-returning
 * functions below and its arguments read columns: PostgreSQL runs it
 * once per row of the items before it (FROM t, unnest(t.tags) AS x).
 * SQLite's table-valued functions may read those items too, but only
 * when written bare, not inside the derived table that renames their
 * columns; so they are written bare and their columns are mapped:
 *   unnest(a) [WITH ORDINALITY]        pg_unnest: value, ordinality
 *   generate_series(a, b [, s])        pg_generate_series*: value
 *   json[b]_array_elements[_text](j)   value
 *   json[b]_each[_text](j)             key, value
 *   json[b]_object_keys(j)             value
 */
static bool lateral_function(struct sql__emit *e,
			     const PgQuery__RangeFunction *rf,
			     struct lateral_item *it)
{
	const PgQuery__FuncCall *fc = sql__range_function_call(rf);
	if (fc == NULL || rf->is_rowsfrom || rf->n_coldeflist > 0) {
		return false;
	}
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	if (name == NULL || fc->n_funcname > 1 || fc->agg_star ||
	    fc->func_variadic || !has_column_ref(&rf->base, 0)) {
		return false;
	}
	static const char *const value[] = { "value" };
	static const char *const key_value[] = { "key", "value" };
	const char *const *phys = value;
	size_t n = 1;
	bool named = false; /* the column takes the alias's name */
	if (strcmp(name, "unnest") == 0 && fc->n_args == 1) {
		named = true;
	} else if ((strcmp(name, "generate_series") == 0 ||
		    strcmp(name, "regexp_split_to_table") == 0) &&
		   (fc->n_args == 2 || fc->n_args == 3)) {
		named = true;
	} else if (fc->n_args == 1 &&
		   (strcmp(name, "json_array_elements") == 0 ||
		    strcmp(name, "jsonb_array_elements") == 0 ||
		    strcmp(name, "json_array_elements_text") == 0 ||
		    strcmp(name, "jsonb_array_elements_text") == 0)) {
	} else if (fc->n_args == 1 && (strcmp(name, "json_each") == 0 ||
				       strcmp(name, "jsonb_each") == 0 ||
				       strcmp(name, "json_each_text") == 0 ||
				       strcmp(name, "jsonb_each_text") == 0)) {
		phys = key_value;
		n = 2;
	} else if (fc->n_args == 1 &&
		   (strcmp(name, "json_object_keys") == 0 ||
		    strcmp(name, "jsonb_object_keys") == 0)) {
		named = true;
	} else {
		return false;
	}
	/* WITH ORDINALITY: pg_unnest's; the others have none. */
	bool ord = rf->ordinality;
	if (ord && strcmp(name, "unnest") != 0) {
		return false;
	}
	const PgQuery__Alias *al = rf->alias;
	const char *alias = al != NULL && al->aliasname[0] != '\0'
				    ? al->aliasname
				    : name;
	size_t total = n + (ord ? 1 : 0);
	if (al != NULL && al->n_colnames > total) {
		sql__fail(e, fc->location, "42601",
			  "too many column aliases specified for function %s",
			  name);
		return false;
	}
	const char **cols = tr_arena_alloc(e->a, total * sizeof *cols);
	const char **ph = tr_arena_alloc(e->a, total * sizeof *ph);
	if (cols == NULL || ph == NULL) {
		return false;
	}
	for (size_t k = 0; k < total; k++) {
		const char *as = al != NULL && k < al->n_colnames
					 ? sql__str(al->colnames[k])
					 : NULL;
		if (k == n) {
			cols[k] = as != NULL ? as : "ordinality";
			ph[k] = "ordinality";
			continue;
		}
		cols[k] = as != NULL ? as : named ? alias : phys[k];
		ph[k] = phys[k];
	}
	memset(it, 0, sizeof *it);
	it->rf = rf;
	it->alias = alias;
	it->cols = cols;
	it->phys = ph;
	it->n_cols = total;
	return true;
}

/* The FROM functions of item @n (and of the joins in it) that read
 * other items, into @p. */
static void collect_lateral_functions(struct sql__emit *e, const Node *n,
				      struct sql__lateral *p, int depth)
{
	if (n == NULL || depth > SQL__MAX_DEPTH || p->n == MAX_LATERAL) {
		return;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_RANGE_FUNCTION) {
		if (lateral_function(e, n->range_function, &p->items[p->n])) {
			p->n++;
		}
	} else if (n->node_case == PG_QUERY__NODE__NODE_JOIN_EXPR) {
		collect_lateral_functions(e, n->join_expr->larg, p, depth + 1);
		collect_lateral_functions(e, n->join_expr->rarg, p, depth + 1);
	}
}

static bool star_expandable(const struct sql__lateral *p,
			    const PgQuery__SelectStmt *s);

/* The LATERAL items of @s's FROM list handled here (NULL: none). */
static struct sql__lateral *plan_lateral(struct sql__emit *e,
					 const PgQuery__SelectStmt *s)
{
	struct sql__lateral *p = NULL;
	for (size_t i = 0; i < s->n_from_clause && !e->catalog; i++) {
		struct sql__lateral fns = { .n = 0 };
		collect_lateral_functions(e, s->from_clause[i], &fns, 0);
		if (fns.n == 0) {
			continue;
		}
		if (p == NULL) {
			p = tr_arena_alloc(e->a, sizeof *p);
			if (p == NULL) {
				return NULL;
			}
			memset(p, 0, sizeof *p);
			p->sel = s;
		}
		for (size_t k = 0; k < fns.n && p->n < MAX_LATERAL; k++) {
			p->items[p->n++] = fns.items[k];
		}
	}
	for (size_t i = 0; i < s->n_from_clause; i++) {
		bool inner;
		const PgQuery__RangeSubselect *rs = lateral_of(
			s->from_clause[i], &inner);
		if (rs == NULL) {
			continue;
		}
		if (p == NULL) {
			p = tr_arena_alloc(e->a, sizeof *p);
			if (p == NULL) {
				return NULL;
			}
			memset(p, 0, sizeof *p);
			p->sel = s;
		}
		if (p->n < MAX_LATERAL &&
		    lateral_item(e, rs, inner, &p->items[p->n])) {
			p->n++;
		}
	}
	if (p == NULL || p->n == 0) {
		if (e->lateral == NULL) {
			return NULL;
		}
		/* None here, but qualified references may name an outer
		 * level's (a LATERAL subquery using an earlier one). */
		p = tr_arena_alloc(e->a, sizeof *p);
		if (p == NULL) {
			return NULL;
		}
		memset(p, 0, sizeof *p);
		p->sel = s;
		p->outer = e->lateral;
		return p;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		if (!is_star_target(s->target_list[i]->res_target->val)) {
			continue;
		}
		bool functions = false;
		for (size_t k = 0; k < p->n; k++) {
			functions |= p->items[k].rf != NULL;
		}
		if (!functions) {
			return NULL; /* the FROM item's columns are unknown */
		}
		if (!star_expandable(p, s)) {
			sql__fail(e, -1, "0A000",
				  "SELECT * over a set-returning function that "
				  "reads another FROM item is supported only "
				  "with tables and such functions in FROM "
				  "(name the columns)");
			return NULL;
		}
		p->expand_star = true;
	}
	p->outer = e->lateral;
	return p;
}

/* * can be written out item by item: only tables and function items
 * in FROM, no joins or subqueries (whose merged or renamed columns the
 * translator would have to know). */
static bool star_expandable(const struct sql__lateral *p,
			    const PgQuery__SelectStmt *s)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->items[i].rf == NULL) {
			return false;
		}
	}
	for (size_t i = 0; i < s->n_from_clause; i++) {
		const Node *f = s->from_clause[i];
		if (f->node_case != PG_QUERY__NODE__NODE_RANGE_VAR &&
		    f->node_case != PG_QUERY__NODE__NODE_RANGE_FUNCTION) {
			return false;
		}
		if (f->node_case == PG_QUERY__NODE__NODE_RANGE_VAR &&
		    f->range_var->alias != NULL &&
		    f->range_var->alias->n_colnames > 0) {
			return false;
		}
	}
	return true;
}

/* A bare * with function items (expand_star): "t".* for a table, each
 * column of a function as it is mapped. */
static void emit_star(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	for (size_t i = 0; i < s->n_from_clause; i++) {
		const Node *f = s->from_clause[i];
		sql__put(e, i > 0 ? ", " : "");
		if (f->node_case == PG_QUERY__NODE__NODE_RANGE_VAR) {
			const PgQuery__RangeVar *rv = f->range_var;
			sql__ident(e, rv->alias != NULL &&
						      rv->alias->aliasname[0] !=
							      '\0'
					      ? rv->alias->aliasname
					      : rv->relname);
			sql__put(e, ".*");
			continue;
		}
		const struct lateral_item *it = find_lateral_function(
			e, f->range_function);
		if (it == NULL) {
			/* An uncorrelated function: its derived table. */
			const PgQuery__Alias *al = f->range_function->alias;
			const PgQuery__FuncCall *fc = sql__range_function_call(
				f->range_function);
			sql__ident(
				e,
				al != NULL && al->aliasname[0] != '\0'
					? al->aliasname
				: fc != NULL
					? sql__str(fc->funcname[fc->n_funcname -
								1])
					: "?");
			sql__put(e, ".*");
			continue;
		}
		for (size_t k = 0; k < it->n_cols; k++) {
			sql__put(e, k > 0 ? ", (" : "(");
			sql__ident(e, it->alias);
			sql__putf(e, ".%s) AS ", it->phys[k]);
			sql__ident(e, it->cols[k]);
		}
	}
}

/* The current query level has LATERAL items written as subqueries. */
static bool lateral_active(const struct sql__emit *e)
{
	return e->lateral != NULL && e->lateral->n > 0;
}

static const struct lateral_item *find_lateral(
	const struct sql__lateral *p, const PgQuery__RangeSubselect *rs)
{
	for (size_t i = 0; p != NULL && i < p->n; i++) {
		if (p->items[i].rs == rs) {
			return &p->items[i];
		}
	}
	return NULL;
}

/* "(SELECT "col" FROM (sub))" for column @k of @it. */
/* "__l1, __l2, ...": the positional names of @it's columns. */
static void lateral_names(struct sql__emit *e, const struct lateral_item *it)
{
	for (size_t i = 0; i < it->n_cols; i++) {
		sql__putf(e, "%s__l%zu", i > 0 ? ", " : "", i + 1);
	}
}

/* "(WITH _tN(__l1, ...) AS (sub) SELECT * FROM _tN)": @it's subquery
 * with its columns renamed by position (a column alias list, or names
 * that are the subquery's own). */
static void lateral_renamed(struct sql__emit *e, const struct lateral_item *it)
{
	unsigned tmp = ++e->n_tmp;
	sql__putf(e, "(WITH _t%u(", tmp);
	lateral_names(e, it);
	sql__put(e, ") AS (");
	select_stmt(e, it->sub);
	sql__putf(e, ") SELECT * FROM _t%u)", tmp);
}

static void lateral_value(struct sql__emit *e, const struct lateral_item *it,
			  size_t k)
{
	const struct sql__lateral *saved = e->lateral;
	sql__put(e, "(SELECT ");
	if (it->rs->alias->n_colnames > 0) {
		sql__putf(e, "__l%zu FROM ", k + 1);
		lateral_renamed(e, it);
		sql__put(e, ")");
	} else {
		sql__ident(e, it->cols[k]);
		sql__put(e, " FROM (");
		select_stmt(e, it->sub);
		sql__put(e, "))");
	}
	e->lateral = saved;
}

/* A reference (@qual.)@name to a column of function item @it, written
 * over the table-valued function; false if it names none. */
static bool lateral_function_column(struct sql__emit *e,
				    const struct lateral_item *it,
				    const char *qual, const char *name,
				    bool star, int location)
{
	if (star) {
		sql__fail(e, location, "0A000",
			  "%s.* of a set-returning function that reads "
			  "another FROM item is not supported",
			  it->alias);
		return true;
	}
	size_t k = it->n_cols;
	for (size_t i = 0; name != NULL && i < it->n_cols; i++) {
		if (strcmp(name, it->cols[i]) == 0) {
			k = i;
			break;
		}
	}
	/* The alias alone: the row, which for one column is its value. */
	if (k == it->n_cols && qual == NULL && name != NULL &&
	    strcmp(name, it->alias) == 0 && it->n_cols == 1) {
		k = 0;
	}
	if (k == it->n_cols) {
		return false;
	}
	sql__put(e, "(");
	sql__ident(e, it->alias);
	sql__putf(e, ".%s)", it->phys[k]);
	return true;
}

/* A reference to a column of rows item @it: json_extract over the row
 * pg_unnest gives; false if it names none. */
static bool lateral_rows_column(struct sql__emit *e,
				const struct lateral_item *it, const char *qual,
				const char *name, bool star, int location)
{
	if (star ||
	    (qual == NULL && name != NULL && strcmp(name, it->alias) == 0)) {
		sql__fail(e, location, "0A000",
			  "whole-row references to a LATERAL subquery are "
			  "not supported");
		return true;
	}
	for (size_t k = 0; name != NULL && k < it->n_cols; k++) {
		if (strcmp(name, it->cols[k]) == 0) {
			sql__put(e, "json_extract(");
			sql__ident(e, it->alias);
			sql__putf(e, ".value, '$[%zu]')", k);
			return true;
		}
	}
	return false;
}

/* Rows item @it as a FROM item:
 *   pg_unnest((SELECT json_group_array(json_array(__l1, ...)) FROM
 *     (WITH _tN(__l1, ...) AS (sub) SELECT * FROM _tN))) AS alias
 * The scalar subquery may read the FROM items before it; the rows keep
 * the subquery's order. */
static void emit_lateral_rows(struct sql__emit *e,
			      const struct lateral_item *it)
{
	const struct sql__lateral *saved = e->lateral;
	sql__put(e, "pg_unnest((SELECT json_group_array(json_array(");
	lateral_names(e, it);
	sql__put(e, ")) FROM ");
	lateral_renamed(e, it);
	e->lateral = saved;
	sql__put(e, ")) AS ");
	sql__ident(e, it->alias);
}

/* The function item of @rf at this query level, or NULL. */
static const struct lateral_item *find_lateral_function(
	const struct sql__emit *e, const PgQuery__RangeFunction *rf)
{
	const struct sql__lateral *p = e->lateral;
	for (size_t i = 0; p != NULL && i < p->n; i++) {
		if (p->items[i].rf == rf) {
			return &p->items[i];
		}
	}
	return NULL;
}

bool sql__lateral_column(struct sql__emit *e, const PgQuery__ColumnRef *c)
{
	const char *qual = c->n_fields == 2 ? sql__str(c->fields[0]) : NULL;
	const Node *last = c->fields[c->n_fields - 1];
	const char *name = sql__str(last);
	bool star = last->node_case == PG_QUERY__NODE__NODE_A_STAR;
	if (c->n_fields > 2 || (c->n_fields == 2 && qual == NULL)) {
		return false;
	}
	for (const struct sql__lateral *p = e->lateral; p != NULL;
	     p = p->outer) {
		for (size_t i = 0; i < p->n; i++) {
			const struct lateral_item *it = &p->items[i];
			if (qual != NULL && strcmp(qual, it->alias) != 0) {
				continue;
			}
			if (it->rf != NULL &&
			    lateral_function_column(e, it, qual, name, star,
						    c->location)) {
				return true;
			}
			if (it->rf != NULL) {
				continue;
			}
			if (it->rows &&
			    lateral_rows_column(e, it, qual, name, star,
						c->location)) {
				return true;
			}
			if (it->rows) {
				continue;
			}
			if (star || (qual == NULL && name != NULL &&
				     strcmp(name, it->alias) == 0)) {
				sql__fail(e, c->location, "0A000",
					  "whole-row references to a LATERAL "
					  "subquery are not supported");
				return true;
			}
			for (size_t k = 0; name != NULL && k < it->n_cols;
			     k++) {
				if (strcmp(name, it->cols[k]) == 0) {
					lateral_value(e, it, k);
					return true;
				}
			}
		}
		if (qual == NULL) {
			break; /* unqualified: this query level only */
		}
	}
	return false;
}

/* " AND EXISTS (sub)" for the inner LATERAL items that may lose rows;
 * @first: no WHERE written yet. */
static void lateral_filters(struct sql__emit *e, bool first)
{
	const struct sql__lateral *p = e->lateral;
	for (size_t i = 0; p != NULL && i < p->n; i++) {
		if (!p->items[i].filter) {
			continue;
		}
		sql__put(e, first ? " WHERE EXISTS (" : " AND EXISTS (");
		first = false;
		e->lateral = NULL;
		select_stmt(e, p->items[i].sub);
		e->lateral = p;
		sql__put(e, ")");
	}
}

/* FROM and WHERE of @s (after its select list: e->expand), with the
 * series of a generate_series moved out of the select list (e->srf). */
static void emit_from_where(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	size_t n_from = 0;
	for (size_t i = 0; i < s->n_from_clause; i++) {
		const Node *f = s->from_clause[i];
		bool inner;
		const PgQuery__RangeSubselect *rs = lateral_of(f, &inner);
		const struct lateral_item *li =
			rs != NULL && e->lateral != NULL && e->lateral->sel == s
				? find_lateral(e->lateral, rs)
				: NULL;
		if (li != NULL && li->rows) {
			/* Its own FROM item, joined as written. */
			if (f->node_case ==
			    PG_QUERY__NODE__NODE_RANGE_SUBSELECT) {
				sql__put(e, n_from++ > 0 ? ", " : " FROM ");
			} else {
				sql__put(e, n_from++ > 0 ? ", " : " FROM ");
				emit_from_item(e, f->join_expr->larg);
				sql__put(e, inner ? " JOIN " : " LEFT JOIN ");
			}
			emit_lateral_rows(e, li);
			if (!inner) {
				sql__put(e, " ON 1");
			}
			continue;
		}
		if (li != NULL) {
			if (f->node_case ==
			    PG_QUERY__NODE__NODE_RANGE_SUBSELECT) {
				continue; /* columns: scalar subqueries */
			}
			f = f->join_expr->larg; /* the join's left side only */
		}
		const PgQuery__RangeVar *zip =
			e->catalog && n_from > 0 ? sql__catalog_zip_source(s, i)
						 : NULL;
		if (zip != NULL) {
			sql__catalog_unnest_zip(e, f->range_function, zip);
			n_from++;
			continue;
		}
		sql__put(e, n_from++ > 0 ? ", " : " FROM ");
		emit_from_item(e, f);
	}
	if (e->srf != NULL) {
		const PgQuery__FuncCall *fc = e->srf->func_call;
		const Node *srf = e->srf;
		e->srf = NULL; /* its arguments are plain expressions */
		sql__put(e, n_from > 0 ? ", " : " FROM ");
		sql__put(e, gs_module(fc));
		sql__put(e, "(");
		sql__expr_list(e, fc->args, fc->n_args);
		sql__putf(e, ") AS __srf%u", e->srf_tmp);
		TR_UNUSED(srf);
	}
	sql__catalog_expand_from(e, s->n_from_clause > 0);
	if (s->where_clause != NULL) {
		if (has_aggregate(&s->where_clause->base, 0)) {
			sql__fail(e, -1, "42803",
				  "aggregate functions are not allowed in "
				  "WHERE");
			return;
		}
		bool filters = false;
		for (size_t i = 0; e->lateral != NULL && e->lateral->sel == s &&
				   i < e->lateral->n;
		     i++) {
			filters |= e->lateral->items[i].filter;
		}
		sql__put(e, filters ? " WHERE (" : " WHERE ");
		sql__expr(e, s->where_clause);
		sql__put(e, filters ? ")" : "");
	}
	if (e->lateral != NULL && e->lateral->sel == s) {
		lateral_filters(e, s->where_clause == NULL);
	}
}

/* The checks of a GROUP BY clause without grouping sets. */
static bool check_group(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	/* GROUP BY DISTINCT without sets is a plain GROUP BY. */
	check_positions(e, s, s->group_clause, s->n_group_clause, false);
	for (size_t i = 0; i < s->n_group_clause; i++) {
		if (has_aggregate(&s->group_clause[i]->base, 0)) {
			sql__fail(e, -1, "42803",
				  "aggregate functions are not allowed in "
				  "GROUP BY");
			return false;
		}
	}
	return !sql__failed(e);
}

/* The SELECT itself, without ORDER BY or LIMIT.  @inner: the inner
 * query of distinct_on, whose select list is emit_distinct_on_targets. */
static void select_core_body(struct sql__emit *e, const PgQuery__SelectStmt *s,
			     bool inner);

/* One SELECT ... FROM ..., its FROM items in e->from while it is
 * written (whole-row references, json_sql.c). */
static void select_core(struct sql__emit *e, const PgQuery__SelectStmt *s,
			bool inner)
{
	struct sql__from_scope scope = { .sel = s, .up = e->from };
	e->from = &scope;
	select_core_body(e, s, inner);
	e->from = scope.up;
}

static void select_core_body(struct sql__emit *e, const PgQuery__SelectStmt *s,
			     bool inner)
{
	if (s->n_values_lists > 0) {
		emit_values(e, s);
		return;
	}
	sql__put(e, "SELECT ");
	if (s->n_distinct_clause > 0 && !inner) {
		sql__put(e, "DISTINCT ");
	}
	if (s->n_target_list == 0) {
		sql__fail(e, -1, "0A000",
			  "SELECT with an empty target list is not supported");
		return;
	}
	/* GROUPING() in the select list and HAVING of a plain GROUP BY:
	 * every grouping expression is present (0). */
	struct sql__gset *outer_gset = e->gset;
	struct sql__gset plain = { .group = s->group_clause,
				   .n_group = s->n_group_clause };
	bool *all = tr_arena_alloc(e->a, s->n_group_clause + 1);
	if (all == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return;
	}
	memset(all, 1, s->n_group_clause + 1);
	plain.present = all;
	struct sql__gset *gset = s->n_group_clause > 0 ? &plain : NULL;
	const PgQuery__FuncCall *outer_expand = e->expand;
	e->expand = sql__catalog_expand_find(e, s);
	e->gset = gset;
	const Node *outer_srf = e->srf;
	unsigned outer_srf_tmp = e->srf_tmp;
	e->srf = inner || e->catalog ? NULL : movable_srf(s);
	if (e->srf != NULL) {
		e->srf_tmp = ++e->n_tmp;
	}
	const Node *srf = e->srf;
	if (inner) {
		emit_distinct_on_targets(e, s);
	} else {
		emit_targets(e, s);
	}
	e->gset = NULL;
	e->srf = srf;
	emit_from_where(e, s);
	e->srf = outer_srf;
	e->srf_tmp = outer_srf_tmp;
	e->expand = outer_expand;
	if (s->n_group_clause > 0) {
		if (!check_group(e, s)) {
			e->gset = outer_gset;
			return;
		}
		sql__put(e, " GROUP BY ");
		sql__expr_list(e, s->group_clause, s->n_group_clause);
	}
	if (s->having_clause != NULL) {
		sql__put(e, " HAVING ");
		e->gset = gset;
		sql__expr(e, s->having_clause);
		e->gset = NULL;
	}
	sql__window_clause(e, s); /* window.c */
	e->gset = outer_gset;
}

/* ---------------------------------------------------------------------
 * GROUP BY GROUPING SETS / ROLLUP / CUBE
 *
 *   SELECT t1, ..., agg FROM f WHERE w GROUP BY ROLLUP (a, b)
 *   HAVING h ORDER BY o LIMIT l
 *
 * becomes one grouped query per set (grouping.c expands them), with the
 * grouping expressions a set lacks written as NULL:
 *
 *   SELECT __c1 AS t1, ... FROM (
 *     SELECT t1 AS __c1, ..., o AS __s1 FROM f WHERE w GROUP BY a, b
 *       HAVING h
 *     UNION ALL SELECT ... GROUP BY a HAVING h
 *     UNION ALL SELECT ... HAVING h)
 *   ORDER BY __s1 LIMIT l
 *
 * ORDER BY items that name an output column (position or name) sort by
 * it; any other expression is computed per set as a hidden column.  The
 * set () groups all rows into one, even none: when the query has no
 * aggregate, a hidden count(*) makes SQLite aggregate.  FROM and WHERE
 * are evaluated once per set.
 * ------------------------------------------------------------------- */

/* The output column ORDER BY item @x names (1-based), or 0. */
static size_t output_column(const PgQuery__SelectStmt *s, const Node *x)
{
	if (x->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	    x->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
		int v = x->a_const->ival->ival;
		return v >= 1 && (size_t)v <= s->n_target_list ? (size_t)v : 0;
	}
	if (x->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    x->column_ref->n_fields != 1) {
		return 0;
	}
	const char *name = sql__str(x->column_ref->fields[0]);
	for (size_t i = 0; name != NULL && i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		const char *out = rt->name[0] != '\0' ? rt->name
						      : sql__colname(rt->val);
		if (strcmp(out, name) == 0) {
			return i + 1;
		}
	}
	return 0;
}

static void grouping_select(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	struct sql__gsets g;
	for (size_t i = 0; i < s->n_target_list; i++) {
		if (is_star_target(s->target_list[i]->res_target->val)) {
			sql__fail(e, -1, "0A000",
				  "grouping sets with * in the select list "
				  "are not supported");
			return;
		}
	}
	if (is_distinct_on(s)) {
		sql__fail(e, -1, "0A000",
			  "SELECT DISTINCT ON with grouping sets is not "
			  "supported");
		return;
	}
	if (!check_group(e, s) || !sql__grouping_expand(e, s, &g)) {
		return;
	}
	/* ORDER BY: an output column (> 0) or a hidden one. */
	size_t n_sort = s->n_sort_clause;
	size_t *col = tr_arena_alloc(e->a, (n_sort + 1) * sizeof *col);
	bool *present = tr_arena_alloc(e->a, g.n_group + 1);
	if (col == NULL || present == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return;
	}
	size_t n_hidden = 0;
	for (size_t i = 0; i < n_sort; i++) {
		const PgQuery__SortBy *sb = s->sort_clause[i]->sort_by;
		if (sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING) {
			sql__fail(e, sb->location, "0A000",
				  "ORDER BY ... USING is not supported");
			return;
		}
		col[i] = output_column(s, sb->node);
		if (col[i] == 0 &&
		    sb->node->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    sb->node->a_const->val_case ==
			    PG_QUERY__A__CONST__VAL_IVAL) {
			sql__fail(e, sb->node->a_const->location, "42P10",
				  "ORDER BY position %d is not in select list",
				  sb->node->a_const->ival->ival);
			return;
		}
		if (col[i] == 0 && s->n_distinct_clause > 0) {
			sql__fail(e, sb->location, "42P10",
				  "for SELECT DISTINCT, ORDER BY expressions "
				  "must appear in select list");
			return;
		}
		n_hidden += col[i] == 0;
	}
	bool agg = has_aggregate(&s->target_list[0]->base, 0);
	for (size_t i = 1; i < s->n_target_list && !agg; i++) {
		agg = has_aggregate(&s->target_list[i]->base, 0);
	}
	if (!agg && s->having_clause != NULL) {
		agg = has_aggregate(&s->having_clause->base, 0);
	}

	sql__put(e, s->n_distinct_clause > 0 ? "SELECT DISTINCT " : "SELECT ");
	for (size_t i = 0; i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		sql__putf(e, "%s__c%zu AS ", i > 0 ? ", " : "", i + 1);
		sql__ident(e, rt->name[0] != '\0' ? rt->name
						  : sql__colname(rt->val));
	}
	sql__put(e, " FROM (");
	struct sql__gset *outer_gset = e->gset;
	const PgQuery__FuncCall *outer_expand = e->expand;
	for (size_t k = 0; k < g.n_sets && !sql__failed(e); k++) {
		struct sql__gset cur = { .group = g.group,
					 .n_group = g.n_group,
					 .present = g.sets[k],
					 .sets = true };
		sql__put(e, k > 0 ? " UNION ALL SELECT " : "SELECT ");
		e->expand = sql__catalog_expand_find(e, s);
		e->gset = &cur;
		for (size_t i = 0; i < s->n_target_list; i++) {
			sql__put(e, i > 0 ? ", " : "");
			sql__expr(e, s->target_list[i]->res_target->val);
			sql__putf(e, " AS __c%zu", i + 1);
		}
		for (size_t i = 0, h = 0; i < n_sort; i++) {
			if (col[i] == 0) {
				sql__put(e, ", ");
				sql__expr(e, s->sort_clause[i]->sort_by->node);
				sql__putf(e, " AS __s%zu", ++h);
			}
		}
		if (!agg) {
			sql__put(e, ", count(*) AS __n");
		}
		e->gset = NULL;
		emit_from_where(e, s);
		e->expand = outer_expand;
		bool first = true;
		for (size_t i = 0; i < g.n_group; i++) {
			if (g.sets[k][i]) {
				sql__put(e, first ? " GROUP BY " : ", ");
				sql__expr(e, g.group[i]);
				first = false;
			}
		}
		if (s->having_clause != NULL) {
			sql__put(e, " HAVING ");
			e->gset = &cur;
			sql__expr(e, s->having_clause);
			e->gset = NULL;
		}
		sql__window_clause(e, s);
	}
	e->gset = outer_gset;
	sql__put(e, ")");
	for (size_t i = 0, h = 0; i < n_sort; i++) {
		const PgQuery__SortBy *sb = s->sort_clause[i]->sort_by;
		bool desc = sb->sortby_dir ==
			    PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
		bool nulls_first =
			sb->sortby_nulls ==
					PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_DEFAULT
				? desc
				: sb->sortby_nulls ==
					  PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST;
		sql__put(e, i == 0 ? " ORDER BY " : ", ");
		if (col[i] > 0) {
			sql__putf(e, "__c%zu", col[i]);
		} else {
			sql__putf(e, "__s%zu", ++h);
		}
		sql__put(e, desc ? " DESC" : "");
		sql__put(e, nulls_first ? " NULLS FIRST" : " NULLS LAST");
	}
	emit_limit(e, s);
}

/* ---------------------------------------------------------------------
 * SELECT DISTINCT ON (d1, ...) t1, ... FROM ... ORDER BY o1, ...
 *
 * becomes
 *
 *   SELECT __c1 AS t1, ... FROM (
 *     SELECT t1 AS __c1, ...,
 *            row_number() OVER (PARTITION BY d1, ... ORDER BY o1, ...)
 *              AS __rn,
 *            row_number() OVER (ORDER BY o1, ...) AS __ro
 *     FROM ...) WHERE __rn = 1 ORDER BY __ro LIMIT ...
 *
 * The inner query keeps the FROM list in scope, so ORDER BY may use
 * columns that are not selected; the outer one drops the hidden columns
 * from the row description and applies LIMIT/OFFSET after the distinct
 * step, as PostgreSQL does.  Without ORDER BY, PostgreSQL's output comes
 * sorted by the DISTINCT ON expressions (it sorts to find duplicates), so
 * they serve as the order.  Ties in ORDER BY are PostgreSQL's choice of
 * any row too.
 * ------------------------------------------------------------------- */

static bool is_star_target(const Node *v)
{
	return v != NULL && v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
	       v->column_ref->n_fields > 0 &&
	       v->column_ref->fields[v->column_ref->n_fields - 1]->node_case ==
		       PG_QUERY__NODE__NODE_A_STAR;
}

/*
 * A DISTINCT ON or ORDER BY item as the expression it stands for: a
 * position or an output column alias names a select-list item
 * (PostgreSQL's findTargetlistEntrySQL92); anything else is itself.
 * NULL (after sql__fail) for a position outside the list.
 */
static const Node *resolve_item(struct sql__emit *e,
				const PgQuery__SelectStmt *s, const Node *x,
				const char *what)
{
	if (x->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	    x->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
		int v = x->a_const->ival->ival;
		if (v < 1 || (size_t)v > s->n_target_list) {
			sql__fail(e, x->a_const->location, "42P10",
				  "%s position %d is not in select list", what,
				  v);
			return NULL;
		}
		return s->target_list[v - 1]->res_target->val;
	}
	if (x->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
	    x->column_ref->n_fields == 1) {
		const char *name = sql__str(x->column_ref->fields[0]);
		for (size_t i = 0; name != NULL && i < s->n_target_list; i++) {
			const PgQuery__ResTarget *rt =
				s->target_list[i]->res_target;
			if (rt->name[0] != '\0' && strcmp(rt->name, name) == 0) {
				return rt->val;
			}
		}
	}
	return x;
}

/* The SQLite text of @n, written and then taken back out of the output:
 * two expressions are the same when their texts are. */
static const char *expr_text(struct sql__emit *e, const Node *n)
{
	size_t mark = e->out.len;
	sql__expr(e, n);
	const char *t = NULL;
	if (tr_buf_err(&e->out) == TR_OK && e->out.len >= mark) {
		t = tr_arena_strndup(e->a, (const char *)e->out.data + mark,
				     e->out.len - mark);
	}
	e->out.len = mark;
	return t != NULL ? t : "";
}

/* A SortBy node like @orig (or ascending, when NULL) on @expr. */
static Node *sort_item(struct sql__emit *e, const PgQuery__SortBy *orig,
		       const Node *expr)
{
	PgQuery__SortBy *sb = tr_arena_alloc(e->a, sizeof *sb);
	Node *n = tr_arena_alloc(e->a, sizeof *n);
	if (sb == NULL || n == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return NULL;
	}
	if (orig != NULL) {
		*sb = *orig;
	} else {
		PgQuery__SortBy init = PG_QUERY__SORT_BY__INIT;
		*sb = init;
		sb->sortby_dir = PG_QUERY__SORT_BY_DIR__SORTBY_DEFAULT;
		sb->sortby_nulls = PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_DEFAULT;
	}
	sb->node = (Node *)expr;
	Node init = PG_QUERY__NODE__INIT;
	*n = init;
	n->node_case = PG_QUERY__NODE__NODE_SORT_BY;
	n->sort_by = sb;
	return n;
}

struct distinct_on {
	Node **dist;   /* resolved DISTINCT ON expressions */
	size_t n_dist;
	Node **order;  /* the window order: SortBy nodes, resolved */
	size_t n_order;
};

/*
 * Resolve the DISTINCT ON and ORDER BY items of @s and check PostgreSQL's
 * rule (transformDistinctOnClause): once an ORDER BY item that is not a
 * DISTINCT ON expression has been passed, no DISTINCT ON expression may
 * follow or be missing.
 */
static bool distinct_on_plan(struct sql__emit *e, const PgQuery__SelectStmt *s,
			     struct distinct_on *p)
{
	size_t n_sort = s->n_sort_clause;
	p->n_dist = s->n_distinct_clause;
	p->dist = tr_arena_alloc(e->a, p->n_dist * sizeof *p->dist);
	const char **dtext = tr_arena_alloc(e->a, p->n_dist * sizeof *dtext);
	bool *seen = tr_arena_alloc(e->a, p->n_dist * sizeof *seen);
	p->n_order = n_sort > 0 ? n_sort : p->n_dist;
	p->order = tr_arena_alloc(e->a, p->n_order * sizeof *p->order);
	if (p->dist == NULL || dtext == NULL || seen == NULL ||
	    p->order == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return false;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		if (is_star_target(s->target_list[i]->res_target->val)) {
			sql__fail(e, -1, "0A000",
				  "SELECT DISTINCT ON with * in the select "
				  "list is not supported");
			return false;
		}
	}
	for (size_t i = 0; i < p->n_dist; i++) {
		const Node *d = resolve_item(e, s, s->distinct_clause[i],
					     "SELECT DISTINCT ON");
		if (d == NULL) {
			return false;
		}
		p->dist[i] = (Node *)d;
		dtext[i] = expr_text(e, d);
		seen[i] = false;
	}
	bool skipped = false;
	for (size_t i = 0; i < n_sort; i++) {
		const PgQuery__SortBy *sb = s->sort_clause[i]->sort_by;
		const Node *o = resolve_item(e, s, sb->node, "ORDER BY");
		if (o == NULL) {
			return false;
		}
		const char *otext = expr_text(e, o);
		bool match = false;
		for (size_t j = 0; j < p->n_dist; j++) {
			if (strcmp(dtext[j], otext) == 0) {
				seen[j] = match = true;
			}
		}
		if (match && skipped) {
			goto mismatch;
		}
		skipped = skipped || !match;
		p->order[i] = sort_item(e, sb, o);
	}
	for (size_t j = 0; j < p->n_dist; j++) {
		if (skipped && !seen[j]) {
			goto mismatch;
		}
		if (n_sort == 0) {
			p->order[j] = sort_item(e, NULL, p->dist[j]);
		}
	}
	return !sql__failed(e);
mismatch:
	sql__fail(e, -1, "42P10",
		  "SELECT DISTINCT ON expressions must match initial ORDER BY "
		  "expressions");
	return false;
}

static void emit_distinct_on_targets(struct sql__emit *e,
				     const PgQuery__SelectStmt *s)
{
	struct distinct_on p;
	if (!distinct_on_plan(e, s, &p)) {
		return;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		sql__expr(e, s->target_list[i]->res_target->val);
		sql__putf(e, " AS __c%zu, ", i + 1);
	}
	sql__put(e, "row_number() OVER (PARTITION BY ");
	sql__expr_list(e, p.dist, p.n_dist);
	sql__put(e, " ORDER BY ");
	sql__sort(e, p.order, p.n_order);
	sql__put(e, ") AS __rn, row_number() OVER (ORDER BY ");
	sql__sort(e, p.order, p.n_order);
	sql__put(e, ") AS __ro");
}

static void distinct_on(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	sql__put(e, "SELECT ");
	for (size_t i = 0; i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		sql__putf(e, "%s__c%zu AS ", i > 0 ? ", " : "", i + 1);
		sql__ident(e, rt->name[0] != '\0' ? rt->name
						  : sql__colname(rt->val));
	}
	sql__put(e, " FROM (");
	select_core(e, s, true);
	sql__put(e, ") WHERE __rn = 1 ORDER BY __ro");
	emit_limit(e, s);
}

static void simple_select(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	const PgQuery__SelectStmt *outer_windows = e->windows;
	const struct sql__lateral *outer_lateral = e->lateral;
	e->windows = s; /* an arm of a compound has its own */
	if (e->lateral == NULL || e->lateral->sel != s) {
		e->lateral = plan_lateral(e, s);
	}
	if (sql__grouping_has_sets(s)) {
		grouping_select(e, s);
	} else if (is_distinct_on(s)) {
		distinct_on(e, s);
	} else {
		select_core(e, s, false);
	}
	sql__groupcheck(e, s); /* 42803: groupcheck.c */
	e->windows = outer_windows;
	e->lateral = outer_lateral;
}

static bool has_own_tail(const PgQuery__SelectStmt *s)
{
	return s->n_sort_clause > 0 || s->limit_count != NULL ||
	       s->limit_offset != NULL || s->with_clause != NULL ||
	       is_distinct_on(s);
}

/* ---------------------------------------------------------------------
 * L INTERSECT ALL R, L EXCEPT ALL R
 *
 * SQLite has only the distinct forms.  Numbering the copies of each
 * distinct row on both sides makes them distinct, and the distinct
 * operation on (row, copy number) keeps min(m, n) copies (INTERSECT) or
 * max(m - n, 0) (EXCEPT), PostgreSQL's counts:
 *
 *   SELECT __c1 AS a, ... FROM (
 *     SELECT * FROM (WITH _tN(__c1, ...) AS (L)
 *       SELECT __c1, ..., row_number() OVER (PARTITION BY __c1, ...)
 *       FROM _tN)
 *     INTERSECT
 *     SELECT * FROM (... R ...))
 *
 * PARTITION BY, like INTERSECT, treats NULLs as equal.  The column count
 * must be known from the select lists (no *).
 * ------------------------------------------------------------------- */

static const PgQuery__SelectStmt *leftmost_select(const PgQuery__SelectStmt *s)
{
	while (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->larg) {
		s = s->larg;
	}
	return s;
}

/* Result columns of @s from its select list; 0 with * or none. */
static size_t n_result_columns(const PgQuery__SelectStmt *s)
{
	s = leftmost_select(s);
	if (s->n_values_lists > 0) {
		const Node *row = s->values_lists[0];
		return row->node_case == PG_QUERY__NODE__NODE_LIST
			       ? row->list->n_items
			       : 0;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		if (is_star_target(s->target_list[i]->res_target->val)) {
			return 0;
		}
	}
	return s->n_target_list;
}

static void numbered_side(struct sql__emit *e, const PgQuery__SelectStmt *s,
			  size_t n)
{
	unsigned tmp = ++e->n_tmp;
	sql__putf(e, "SELECT * FROM (WITH _t%u(", tmp);
	for (size_t i = 0; i < n; i++) {
		sql__putf(e, "%s__c%zu", i > 0 ? ", " : "", i + 1);
	}
	sql__put(e, ") AS (");
	select_stmt(e, s);
	sql__put(e, ") SELECT ");
	for (size_t i = 0; i < n; i++) {
		sql__putf(e, "__c%zu, ", i + 1);
	}
	sql__put(e, "row_number() OVER (PARTITION BY ");
	for (size_t i = 0; i < n; i++) {
		sql__putf(e, "%s__c%zu", i > 0 ? ", " : "", i + 1);
	}
	sql__putf(e, ") AS __n FROM _t%u)", tmp);
}

static void set_all(struct sql__emit *e, const PgQuery__SelectStmt *arm)
{
	const char *op = arm->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT
				 ? "INTERSECT"
				 : "EXCEPT";
	size_t n = n_result_columns(arm->larg);
	size_t nr = n_result_columns(arm->rarg);
	if (n == 0 || nr == 0) {
		sql__fail(e, -1, "0A000",
			  "%s ALL with * in a select list is not supported",
			  op);
		return;
	}
	if (n != nr) {
		sql__fail(e, -1, "42601",
			  "each %s query must have the same number of columns",
			  op);
		return;
	}
	const PgQuery__SelectStmt *first = leftmost_select(arm->larg);
	sql__put(e, "SELECT ");
	for (size_t i = 0; i < n; i++) {
		const char *name = "column";
		if (first->n_values_lists > 0) {
			char *buf = tr_arena_alloc(e->a, 32);
			if (buf != NULL) {
				snprintf(buf, 32, "column%zu", i + 1);
				name = buf;
			}
		} else {
			const PgQuery__ResTarget *rt =
				first->target_list[i]->res_target;
			name = rt->name[0] != '\0' ? rt->name
						   : sql__colname(rt->val);
		}
		sql__putf(e, "%s__c%zu AS ", i > 0 ? ", " : "", i + 1);
		sql__ident(e, name);
	}
	sql__put(e, " FROM (");
	numbered_side(e, arm->larg, n);
	sql__putf(e, " %s ", op);
	numbered_side(e, arm->rarg, n);
	sql__put(e, ")");
}

static void set_arm(struct sql__emit *e, const PgQuery__SelectStmt *arm,
		    bool right)
{
	bool wrap = has_own_tail(arm) ||
		    (right && arm->op != PG_QUERY__SET_OPERATION__SETOP_NONE);
	if (wrap) {
		sql__put(e, "SELECT * FROM (");
		select_stmt(e, arm);
		sql__put(e, ")");
		return;
	}
	if (arm->op != PG_QUERY__SET_OPERATION__SETOP_NONE && arm->all &&
	    arm->op != PG_QUERY__SET_OPERATION__SETOP_UNION) {
		set_all(e, arm);
		return;
	}
	if (arm->op != PG_QUERY__SET_OPERATION__SETOP_NONE) {
		set_arm(e, arm->larg, false);
		sql__put(e,
			 arm->op == PG_QUERY__SET_OPERATION__SETOP_UNION
				 ? (arm->all ? " UNION ALL " : " UNION ")
			 : arm->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT
				 ? " INTERSECT "
				 : " EXCEPT ");
		set_arm(e, arm->rarg, true);
		return;
	}
	unsigned mark = sql__scope_enter(e, NULL, arm->from_clause,
					 arm->n_from_clause);
	simple_select(e, arm);
	sql__scope_leave(e, mark);
}

static void select_stmt(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	if (++e->depth > SQL__MAX_DEPTH) {
		sql__fail(e, -1, "54001", "stack depth limit exceeded");
		e->depth--;
		return;
	}
	if (s->into_clause != NULL) {
		sql__fail(e, -1, "0A000", "SELECT INTO is not supported");
	}
	if (e->depth == 1 && s->op == PG_QUERY__SET_OPERATION__SETOP_NONE &&
	    e->stmt->kind == SQL_QUERY && e->stmt->tag != NULL &&
	    strcmp(e->stmt->tag, "SELECT") == 0 && !e->catalog) {
		/* The statement's own rows: they go to the client as they
		 * are (decimal.c). */
		e->exact_sel = s;
	}
	if (s->with_clause != NULL) {
		emit_with(e, s->with_clause);
	}
	/* OVER clauses name the windows of their own query level, column
	 * references the LATERAL items of their own (and outer ones). */
	const PgQuery__SelectStmt *outer_windows = e->windows;
	const struct sql__lateral *outer_lateral = e->lateral;
	e->windows = s;
	if (s->op == PG_QUERY__SET_OPERATION__SETOP_NONE) {
		e->lateral = plan_lateral(e, s);
	}
	if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE) {
		/* The top level's own tail belongs to the whole compound. */
		PgQuery__SelectStmt body = *s;
		body.n_sort_clause = 0;
		body.limit_count = body.limit_offset = NULL;
		body.with_clause = NULL;
		set_arm(e, &body, false);
		if (!is_distinct_on(s)) {
			emit_tail(e, s);
		}
	} else {
		/* ORDER BY may name the FROM items' columns too. */
		unsigned mark = sql__scope_enter(e, NULL, s->from_clause,
						 s->n_from_clause);
		/* SQLite's VALUES takes no ORDER BY or LIMIT: those of
		 * VALUES ... ORDER BY 1 go around it (its columns are
		 * column1, column2, ... as in PostgreSQL). */
		bool wrap = s->n_values_lists > 0 &&
			    (s->n_sort_clause > 0 || s->limit_count != NULL ||
			     s->limit_offset != NULL);
		sql__put(e, wrap ? "SELECT * FROM (" : "");
		simple_select(e, s);
		sql__put(e, wrap ? ")" : "");
		if (!is_distinct_on(s) && !sql__grouping_has_sets(s)) {
			/* distinct_on, grouping_select: their own */
			emit_tail(e, s);
		}
		sql__scope_leave(e, mark);
	}
	e->windows = outer_windows;
	e->lateral = outer_lateral;
	e->depth--;
}

bool sql__select_single_row(const PgQuery__SelectStmt *s)
{
	if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE) {
		return false;
	}
	const Node *c = s->limit_count;
	if (c != NULL && c->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	    c->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL &&
	    c->a_const->ival->ival >= 0 && c->a_const->ival->ival <= 1) {
		return true;
	}
	if (s->n_values_lists > 0) {
		return s->n_values_lists == 1;
	}
	if (s->n_group_clause > 0) {
		return false;
	}
	if (s->n_from_clause == 0) {
		return true; /* SELECT x [WHERE ...] */
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		if (has_aggregate(&s->target_list[i]->base, 0)) {
			return true; /* an aggregate without GROUP BY */
		}
	}
	return false;
}

void sql__select(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	select_stmt(e, s);
}

/*
 * ON CONFLICT ON CONSTRAINT name: " (a, b)", the columns of @table's
 * unique or primary-key constraint @name, read from the catalog mirror
 * (SQLite names only the columns).  False after failing @e.
 */
static bool emit_conflict_constraint(struct sql__emit *e,
				     const PgQuery__RangeVar *table,
				     const char *name, int location)
{
	sqlite3 *db = sql__scope_mirror();
	if (db == NULL) {
		sql__fail(e, location, "0A000",
			  "ON CONFLICT ON CONSTRAINT needs the catalog");
		return false;
	}
	if (sql__scope_is_stale()) {
		e->stmt->schema_miss = true; /* translated again */
		sql__put(e, " (rowid)");
		return true;
	}
	sqlite3_stmt *ps = NULL;
	int rc = sqlite3_prepare_v2(
		db,
		"SELECT a.attname FROM pg_catalog.pg_constraint c JOIN "
		"pg_catalog.pg_class r ON r.oid = c.conrelid, "
		"json_each('[' || substr(c.conkey, 2, length(c.conkey) - 2) || "
		"']') k JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid "
		"AND a.attnum = k.value WHERE r.relname = ?1 AND c.conname = "
		"?2 AND c.contype IN ('u', 'p') ORDER BY k.key",
		-1, &ps, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(ps);
		sql__fail(e, location, "0A000",
			  "ON CONFLICT ON CONSTRAINT needs the catalog");
		return false;
	}
	sqlite3_bind_text(ps, 1, table->relname, -1, SQLITE_STATIC);
	sqlite3_bind_text(ps, 2, name, -1, SQLITE_STATIC);
	size_t n = 0;
	while (sqlite3_step(ps) == SQLITE_ROW) {
		sql__put(e, n++ == 0 ? " (" : ", ");
		sql__ident(e, (const char *)sqlite3_column_text(ps, 0));
	}
	sqlite3_finalize(ps);
	if (n == 0) {
		sql__fail(e, location, "42704",
			  "constraint \"%s\" for table \"%s\" does not exist",
			  name, table->relname);
		return false;
	}
	sql__put(e, ")");
	return true;
}

/* SET a = x, (b, c) = (y, z): columns of @target. */
static void emit_set_list(struct sql__emit *e, const PgQuery__RangeVar *target,
			  Node *const *targets, size_t n)
{
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		const PgQuery__ResTarget *rt = targets[i]->res_target;
		if (rt->n_indirection > 0) {
			sql__fail(e, rt->location, "0A000",
				  "assignment to a subfield or element is not "
				  "supported");
			return;
		}
		const Node *v = rt->val;
		if (v != NULL &&
		    v->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) {
			const PgQuery__MultiAssignRef *m = v->multi_assign_ref;
			if (m->colno != 1) {
				continue;
			}
			if (i + (size_t)m->ncolumns > n) {
				sql__fail(e, rt->location, "42601",
					  "bad multiple assignment");
				return;
			}
			sql__put(e, first ? "(" : ", (");
			for (int k = 0; k < m->ncolumns; k++) {
				if (k > 0) {
					sql__put(e, ", ");
				}
				sql__ident(e, targets[i + (size_t)k]
						      ->res_target->name);
			}
			sql__put(e, ") = ");
			sql__expr(e, m->source);
			first = false;
			continue;
		}
		if (!first) {
			sql__put(e, ", ");
		}
		sql__ident(e, rt->name);
		sql__put(e, " = ");
		if (v != NULL &&
		    v->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT) {
			sql__fail(e, rt->location, "0A000",
				  "SET column = DEFAULT is not supported");
			return;
		}
		int32_t typmod;
		uint32_t oid = sql__target_type(e, target, rt->name, &typmod);
		sql__expr_typed(e, v, oid, typmod);
		first = false;
	}
}

static bool is_default(const Node *n)
{
	return n != NULL && n->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT;
}

void sql__insert_counts(struct sql__emit *e, const PgQuery__InsertStmt *s)
{
	const PgQuery__SelectStmt *src =
		s->select_stmt != NULL &&
				s->select_stmt->node_case ==
					PG_QUERY__NODE__NODE_SELECT_STMT
			? s->select_stmt->select_stmt
			: NULL;
	if (src == NULL || s->n_cols == 0) {
		return;
	}
	for (size_t r = 0; r < src->n_values_lists; r++) {
		const PgQuery__List *l = src->values_lists[r]->list;
		if (l->n_items > s->n_cols) {
			sql__fail(e, -1, "42601",
				  "INSERT has more expressions than target "
				  "columns");
			return;
		}
		if (l->n_items < s->n_cols) {
			sql__fail(e, s->cols[l->n_items]->res_target->location,
				  "42601",
				  "INSERT has more target columns than "
				  "expressions");
			return;
		}
	}
}

/*
 * Item @i of a VALUES row of INSERT @s: typed as its column, as
 * PostgreSQL types an untyped literal by the column it is stored in
 * ('on' into a boolean, a zone-qualified timestamptz, jsonb made
 * canonical, a bad integer refused with 22P02).
 */
static void insert_value(struct sql__emit *e, const PgQuery__InsertStmt *s,
			 size_t i, const Node *v)
{
	const char *column = NULL;
	if (s->n_cols > 0) {
		column = i < s->n_cols ? s->cols[i]->res_target->name : NULL;
	} else if (sql__is_untyped_string(v)) {
		column = sql__target_column(e, s->relation, i);
	}
	int32_t typmod;
	uint32_t oid = sql__target_type(e, s->relation, column, &typmod);
	sql__expr_typed(e, v, oid, typmod);
}

void sql__insert(struct sql__emit *e, const PgQuery__InsertStmt *s)
{
	sql__identity_insert(e, s); /* GENERATED ALWAYS (identity.c) */
	if (s->with_clause != NULL) {
		emit_with(e, s->with_clause);
	}
	sql__put(e, "INSERT INTO ");
	sql__relation(e, s->relation);
	emit_alias(e, s->relation->alias);

	const PgQuery__SelectStmt *src =
		s->select_stmt != NULL &&
				s->select_stmt->node_case ==
					PG_QUERY__NODE__NODE_SELECT_STMT
			? s->select_stmt->select_stmt
			: NULL;
	bool values = src != NULL && src->n_values_lists > 0 &&
		      !has_own_tail(src) &&
		      src->op == PG_QUERY__SET_OPERATION__SETOP_NONE;
	/* DEFAULT items: allowed in a single row, by dropping the column. */
	const Node *row = values ? src->values_lists[0] : NULL;
	bool any_default = false;
	if (values) {
		for (size_t r = 0; r < src->n_values_lists; r++) {
			const PgQuery__List *l = src->values_lists[r]->list;
			for (size_t i = 0; i < l->n_items; i++) {
				any_default |= is_default(l->items[i]);
			}
		}
		if (any_default &&
		    (src->n_values_lists > 1 || s->n_cols == 0)) {
			sql__fail(e, -1, "0A000",
				  "DEFAULT in VALUES is only supported in a "
				  "single row with a column list");
			return;
		}
		if (any_default && row->list->n_items != s->n_cols) {
			sql__fail(e, -1, "42601",
				  "INSERT has more target columns than "
				  "expressions");
			return;
		}
	}
	size_t kept = 0;
	if (s->n_cols > 0) {
		for (size_t i = 0; i < s->n_cols; i++) {
			const PgQuery__ResTarget *rt = s->cols[i]->res_target;
			if (rt->n_indirection > 0) {
				sql__fail(e, rt->location, "0A000",
					  "INSERT into a subfield or element "
					  "is not supported");
				return;
			}
			if (any_default && is_default(row->list->items[i])) {
				continue;
			}
			sql__put(e, kept == 0 ? " (" : ", ");
			sql__ident(e, rt->name);
			kept++;
		}
		if (kept > 0) {
			sql__put(e, ")");
		}
	}
	if (src == NULL || (any_default && kept == 0)) {
		sql__put(e, " DEFAULT VALUES");
	} else if (any_default) {
		sql__put(e, " VALUES (");
		bool first = true;
		for (size_t i = 0; i < row->list->n_items; i++) {
			if (is_default(row->list->items[i])) {
				continue;
			}
			if (!first) {
				sql__put(e, ", ");
			}
			insert_value(e, s, i, row->list->items[i]);
			first = false;
		}
		sql__put(e, ")");
	} else if (values) {
		sql__put(e, " VALUES ");
		for (size_t r = 0; r < src->n_values_lists; r++) {
			const PgQuery__List *l = src->values_lists[r]->list;
			sql__put(e, r > 0 ? ", (" : "(");
			for (size_t i = 0; i < l->n_items; i++) {
				if (i > 0) {
					sql__put(e, ", ");
				}
				insert_value(e, s, i, l->items[i]);
			}
			sql__put(e, ")");
		}
	} else if (s->on_conflict_clause != NULL) {
		sql__put(e, " SELECT * FROM (");
		select_stmt(e, src);
		sql__put(e, ") WHERE 1");
	} else {
		sql__put(e, " ");
		select_stmt(e, src);
	}

	const PgQuery__OnConflictClause *oc = s->on_conflict_clause;
	if (oc == NULL) {
		return;
	}
	sql__put(e, " ON CONFLICT");
	if (oc->infer != NULL) {
		const PgQuery__InferClause *in = oc->infer;
		if (in->conname[0] != '\0') {
			if (!emit_conflict_constraint(e, s->relation,
						      in->conname,
						      oc->location)) {
				return;
			}
		} else {
			sql__put(e, " (");
			for (size_t i = 0; i < in->n_index_elems; i++) {
				const PgQuery__IndexElem *ie =
					in->index_elems[i]->index_elem;
				if (i > 0) {
					sql__put(e, ", ");
				}
				if (ie->name[0] != '\0') {
					sql__ident(e, ie->name);
				} else {
					sql__put(e, "(");
					sql__expr(e, ie->expr);
					sql__put(e, ")");
				}
			}
			sql__put(e, ")");
			if (in->where_clause != NULL) {
				sql__put(e, " WHERE ");
				sql__expr(e, in->where_clause);
			}
		}
	}
	if (oc->action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_NOTHING) {
		sql__put(e, " DO NOTHING");
		return;
	}
	if (oc->infer == NULL) {
		sql__fail(e, oc->location, "42601",
			  "ON CONFLICT DO UPDATE requires inference "
			  "specification or constraint name");
		return;
	}
	sql__put(e, " DO UPDATE SET ");
	unsigned mark = sql__scope_enter(e, s->relation, NULL, 0);
	sql__scope_alias(e, s->relation, "excluded");
	emit_set_list(e, s->relation, oc->target_list, oc->n_target_list);
	if (oc->where_clause != NULL) {
		sql__put(e, " WHERE ");
		sql__expr(e, oc->where_clause);
	}
	sql__scope_leave(e, mark);
}

void sql__update(struct sql__emit *e, const PgQuery__UpdateStmt *s)
{
	sql__identity_update(e, s); /* GENERATED ALWAYS (identity.c) */
	if (s->with_clause != NULL) {
		emit_with(e, s->with_clause);
	}
	sql__put(e, "UPDATE ");
	sql__relation(e, s->relation);
	emit_alias(e, s->relation->alias);
	sql__put(e, " SET ");
	unsigned mark = sql__scope_enter(e, s->relation, s->from_clause,
					 s->n_from_clause);
	emit_set_list(e, s->relation, s->target_list, s->n_target_list);
	if (s->n_from_clause > 0) {
		sql__put(e, " FROM ");
		for (size_t i = 0; i < s->n_from_clause; i++) {
			if (i > 0) {
				sql__put(e, ", ");
			}
			emit_from_item(e, s->from_clause[i]);
		}
	}
	if (s->where_clause != NULL) {
		if (s->where_clause->node_case ==
		    PG_QUERY__NODE__NODE_CURRENT_OF_EXPR) {
			sql__fail(e, -1, "0A000",
				  "WHERE CURRENT OF is not supported");
		} else {
			sql__put(e, " WHERE ");
			sql__expr(e, s->where_clause);
		}
	}
	sql__scope_leave(e, mark);
}

void sql__delete(struct sql__emit *e, const PgQuery__DeleteStmt *s)
{
	if (s->with_clause != NULL) {
		emit_with(e, s->with_clause);
	}
	sql__put(e, "DELETE FROM ");
	sql__relation(e, s->relation);
	unsigned mark = sql__scope_enter(e, s->relation, s->using_clause,
					 s->n_using_clause);
	if (s->n_using_clause == 0) {
		emit_alias(e, s->relation->alias);
		if (s->where_clause != NULL) {
			sql__put(e, " WHERE ");
			sql__expr(e, s->where_clause);
		}
		sql__scope_leave(e, mark);
		return;
	}
	/* DELETE ... USING: the rows of the target that join. */
	const PgQuery__Alias *al = s->relation->alias;
	sql__put(e, " WHERE rowid IN (SELECT ");
	if (al != NULL && al->aliasname[0] != '\0') {
		sql__ident(e, al->aliasname);
	} else {
		sql__ident(e, s->relation->relname);
	}
	sql__put(e, ".rowid FROM ");
	sql__relation(e, s->relation);
	emit_alias(e, al);
	for (size_t i = 0; i < s->n_using_clause; i++) {
		sql__put(e, ", ");
		emit_from_item(e, s->using_clause[i]);
	}
	if (s->where_clause != NULL) {
		sql__put(e, " WHERE ");
		sql__expr(e, s->where_clause);
	}
	sql__put(e, ")");
	sql__scope_leave(e, mark);
}
