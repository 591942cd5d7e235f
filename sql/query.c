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
 *   partition by d in the order o, with row_number() (see distinct_on).
 */
#include <string.h>

#include "sql/sql_int.h"

static void select_stmt(struct sql__emit *e, const PgQuery__SelectStmt *s);

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
static void emit_range_function(struct sql__emit *e,
				const PgQuery__RangeFunction *rf)
{
	const PgQuery__FuncCall *fc = NULL;
	if (sql__catalog_range_function(e, rf) ||
	    sql__array_range_function(e, rf)) {
		return;
	}
	if (rf->n_functions == 1 &&
	    rf->functions[0]->node_case == PG_QUERY__NODE__NODE_LIST &&
	    rf->functions[0]->list->n_items >= 1 &&
	    rf->functions[0]->list->items[0]->node_case ==
		    PG_QUERY__NODE__NODE_FUNC_CALL) {
		fc = rf->functions[0]->list->items[0]->func_call;
	}
	const char *name = fc != NULL
				   ? sql__str(fc->funcname[fc->n_funcname - 1])
				   : NULL;
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

static void emit_targets(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	for (size_t i = 0; i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		if (i > 0) {
			sql__put(e, ", ");
		}
		if (!sql__catalog_target(e, rt->val)) {
			sql__expr(e, rt->val);
		}
		if (rt->name[0] != '\0') {
			sql__put(e, " AS ");
			sql__ident(e, rt->name);
		} else if (!is_star(rt->val) &&
			   rt->val->node_case !=
				   PG_QUERY__NODE__NODE_COLUMN_REF) {
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
		sql__expr(e, count);
	} else {
		sql__put(e, "-1");
	}
	if (s->limit_offset != NULL) {
		sql__put(e, " OFFSET ");
		sql__expr(e, s->limit_offset);
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
static bool has_aggregate(const ProtobufCMessage *m, int depth)
{
	if (m == NULL || depth > SQL__MAX_DEPTH) {
		return false;
	}
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	if (d == &pg_query__node__descriptor) {
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
		const ProtobufCFieldDescriptor *f =
			n->node_case == PG_QUERY__NODE__NODE__NOT_SET
				? NULL
				: protobuf_c_message_descriptor_get_field(
					  d, (unsigned)n->node_case);
		ProtobufCMessage *c = NULL;
		if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    f->label != PROTOBUF_C_LABEL_REPEATED) {
			memcpy(&c, base + f->offset, sizeof c);
		}
		return has_aggregate(c, depth + 1);
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE) {
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n;
			ProtobufCMessage **items;
			memcpy(&n, base + f->quantifier_offset, sizeof n);
			memcpy(&items, base + f->offset, sizeof items);
			for (size_t j = 0; j < n && items != NULL; j++) {
				if (has_aggregate(items[j], depth + 1)) {
					return true;
				}
			}
		} else {
			ProtobufCMessage *c;
			memcpy(&c, base + f->offset, sizeof c);
			if (has_aggregate(c, depth + 1)) {
				return true;
			}
		}
	}
	return false;
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
	const PgQuery__FuncCall *outer_expand = e->expand;
	e->expand = sql__catalog_expand_find(e, s);
	if (inner) {
		emit_distinct_on_targets(e, s);
	} else {
		emit_targets(e, s);
	}
	if (s->n_from_clause > 0) {
		sql__put(e, " FROM ");
		for (size_t i = 0; i < s->n_from_clause; i++) {
			if (i > 0) {
				sql__put(e, ", ");
			}
			emit_from_item(e, s->from_clause[i]);
		}
	}
	sql__catalog_expand_from(e, s->n_from_clause > 0);
	e->expand = outer_expand;
	if (s->where_clause != NULL) {
		if (has_aggregate(&s->where_clause->base, 0)) {
			sql__fail(e, -1, "42803",
				  "aggregate functions are not allowed in "
				  "WHERE");
			return;
		}
		sql__put(e, " WHERE ");
		sql__expr(e, s->where_clause);
	}
	if (s->n_group_clause > 0) {
		if (s->group_distinct) {
			sql__fail(e, -1, "0A000",
				  "GROUP BY DISTINCT is not supported");
			return;
		}
		for (size_t i = 0; i < s->n_group_clause; i++) {
			if (s->group_clause[i]->node_case ==
			    PG_QUERY__NODE__NODE_GROUPING_SET) {
				sql__fail(e, -1, "0A000",
					  "grouping sets are not supported");
				return;
			}
		}
		check_positions(e, s, s->group_clause, s->n_group_clause,
				false);
		for (size_t i = 0; i < s->n_group_clause; i++) {
			if (has_aggregate(&s->group_clause[i]->base, 0)) {
				sql__fail(e, -1, "42803",
					  "aggregate functions are not allowed "
					  "in GROUP BY");
				return;
			}
		}
		sql__put(e, " GROUP BY ");
		sql__expr_list(e, s->group_clause, s->n_group_clause);
	}
	if (s->having_clause != NULL) {
		sql__put(e, " HAVING ");
		sql__expr(e, s->having_clause);
	}
	if (s->n_window_clause > 0) {
		sql__fail(e, -1, "0A000", "WINDOW clauses are not supported");
	}
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
	if (is_distinct_on(s)) {
		distinct_on(e, s);
		return;
	}
	select_core(e, s, false);
}

static bool has_own_tail(const PgQuery__SelectStmt *s)
{
	return s->n_sort_clause > 0 || s->limit_count != NULL ||
	       s->limit_offset != NULL || s->with_clause != NULL ||
	       is_distinct_on(s);
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
	if (arm->op != PG_QUERY__SET_OPERATION__SETOP_NONE) {
		set_arm(e, arm->larg, false);
		sql__put(e,
			 arm->op == PG_QUERY__SET_OPERATION__SETOP_UNION
				 ? (arm->all ? " UNION ALL " : " UNION ")
			 : arm->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT
				 ? " INTERSECT "
				 : " EXCEPT ");
		if (arm->all &&
		    arm->op != PG_QUERY__SET_OPERATION__SETOP_UNION) {
			sql__fail(
				e, -1, "0A000", "%s ALL is not supported",
				arm->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT
					? "INTERSECT"
					: "EXCEPT");
		}
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
	if (s->with_clause != NULL) {
		emit_with(e, s->with_clause);
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
		simple_select(e, s);
		if (!is_distinct_on(s)) {
			emit_tail(e, s); /* distinct_on wrote its own */
		}
		sql__scope_leave(e, mark);
	}
	e->depth--;
}

void sql__select(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	select_stmt(e, s);
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
			sql__fail(e, oc->location, "0A000",
				  "ON CONFLICT ON CONSTRAINT is not supported");
			return;
		}
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
