/*
 * sql/subquery.c: subqueries in expressions (SubLink), and the run-time
 * checks of LIMIT and OFFSET.
 *
 * - EXISTS (q), x IN (q) (= ANY), x NOT IN (q) (<> ALL) and ARRAY(q) are
 *   SQLite's own forms (or array_sql.c's), with PostgreSQL's meaning.
 * - x op ANY (q) and x op ALL (q) for the other operators: SQLite has no
 *   quantified comparison.  PostgreSQL's answer is three-valued: ANY is
 *   true if some comparison is true, else NULL if some is NULL, else
 *   false (false for no rows); ALL is false if some comparison is false,
 *   else NULL if some is NULL, else true (true for no rows).  So the rows'
 *   comparisons are ranked and the first one is the answer:
 *
 *     (WITH _qN(__v) AS (q) SELECT CASE WHEN EXISTS (SELECT 1 FROM _qN)
 *        THEN (SELECT x op __v AS __c FROM _qN
 *              ORDER BY __c IS 1 DESC, __c IS NULL DESC LIMIT 1)
 *        ELSE 0 END)
 *
 *   (ALL ranks false first and answers 1 for no rows.)  x stays in a
 *   select list, where SQLite lets an aggregate of the outer query appear
 *   (HAVING sum(a) > ALL (...)).
 * - (q) as a scalar: PostgreSQL raises 21000 when q returns more than one
 *   row, SQLite takes the first.  Unless q returns at most one row by its
 *   shape (an aggregate without GROUP BY, LIMIT 0 or 1, no FROM), it is
 *   read through the aggregate pg_scalar_subquery, which fails on a
 *   second row:
 *
 *     (WITH _qN(__v) AS (q)
 *      SELECT pg_scalar_subquery(__v) FROM (SELECT __v FROM _qN LIMIT 2))
 *
 *   Catalog queries (the mirror) are left as they are.
 * - LIMIT and OFFSET that are not constants go through pg_limit and
 *   pg_offset (2201W, 2201X for a negative value; NULL is no limit and
 *   no offset, as in PostgreSQL).
 */
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* Columns of @s's result when its select lists say (no *); 0 if not. */
static size_t result_columns(const PgQuery__SelectStmt *s)
{
	while (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->larg) {
		s = s->larg;
	}
	if (s->n_values_lists > 0) {
		const Node *row = s->values_lists[0];
		return row->node_case == PG_QUERY__NODE__NODE_LIST
			       ? row->list->n_items
			       : 0;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		const Node *v = s->target_list[i]->res_target->val;
		if (v != NULL &&
		    v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
		    v->column_ref->n_fields > 0 &&
		    v->column_ref->fields[v->column_ref->n_fields - 1]
				    ->node_case ==
			    PG_QUERY__NODE__NODE_A_STAR) {
			return 0;
		}
	}
	return s->n_target_list;
}

/* "(WITH _qN(__v) AS (<sub>) " for a one-column subquery; false after a
 * failure. */
static bool open_cte(struct sql__emit *e, const PgQuery__SubLink *s,
		     const PgQuery__SelectStmt *sub)
{
	size_t n = result_columns(sub);
	if (n > 1) {
		sql__fail(e, s->location, "42601",
			  "subquery has too many columns");
		return false;
	}
	if (n == 0) {
		sql__fail(e, s->location, "0A000",
			  "this subquery form with * in the select list is "
			  "not supported");
		return false;
	}
	sql__putf(e, "(WITH _q%u(__v) AS (", ++e->n_tmp);
	sql__select(e, sub);
	sql__putf(e, ") ");
	return true;
}

/* x op ANY (q) / x op ALL (q), op not = / <>. */
static void quantified(struct sql__emit *e, const PgQuery__SubLink *s,
		       const PgQuery__SelectStmt *sub, bool all)
{
	if (s->testexpr == NULL ||
	    s->testexpr->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
		sql__fail(e, s->location, "0A000",
			  "row comparisons with %s (subquery) are not "
			  "supported",
			  all ? "ALL" : "ANY");
		return;
	}
	/* x op __v, as the translator writes that operator. */
	PgQuery__String *str = tr_arena_alloc(e->a, sizeof *str);
	Node *field = tr_arena_alloc(e->a, sizeof *field);
	Node **fields = tr_arena_alloc(e->a, sizeof *fields);
	PgQuery__ColumnRef *cr = tr_arena_alloc(e->a, sizeof *cr);
	Node *ref = tr_arena_alloc(e->a, sizeof *ref);
	PgQuery__AExpr *ax = tr_arena_alloc(e->a, sizeof *ax);
	Node *cmp = tr_arena_alloc(e->a, sizeof *cmp);
	if (str == NULL || field == NULL || fields == NULL || cr == NULL ||
	    ref == NULL || ax == NULL || cmp == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return;
	}
	PgQuery__String str_init = PG_QUERY__STRING__INIT;
	PgQuery__ColumnRef cr_init = PG_QUERY__COLUMN_REF__INIT;
	PgQuery__AExpr ax_init = PG_QUERY__A__EXPR__INIT;
	Node node_init = PG_QUERY__NODE__INIT;
	*str = str_init;
	str->sval = "__v";
	*field = node_init;
	field->node_case = PG_QUERY__NODE__NODE_STRING;
	field->string = str;
	fields[0] = field;
	*cr = cr_init;
	cr->n_fields = 1;
	cr->fields = fields;
	cr->location = -1;
	*ref = node_init;
	ref->node_case = PG_QUERY__NODE__NODE_COLUMN_REF;
	ref->column_ref = cr;
	*ax = ax_init;
	ax->kind = PG_QUERY__A__EXPR__KIND__AEXPR_OP;
	ax->n_name = s->n_oper_name;
	ax->name = s->oper_name;
	ax->lexpr = s->testexpr;
	ax->rexpr = ref;
	ax->location = s->location;
	*cmp = node_init;
	cmp->node_case = PG_QUERY__NODE__NODE_A_EXPR;
	cmp->a_expr = ax;

	if (!open_cte(e, s, sub)) {
		return;
	}
	unsigned q = e->n_tmp;
	sql__putf(e,
		  "SELECT CASE WHEN EXISTS (SELECT 1 FROM _q%u) THEN "
		  "(SELECT ",
		  q);
	sql__expr(e, cmp);
	sql__putf(e,
		  " AS __c FROM _q%u ORDER BY __c IS %d DESC, __c IS NULL "
		  "DESC LIMIT 1) ELSE %d END)",
		  q, all ? 0 : 1, all ? 1 : 0);
}

/* (q) as a value, checked to have at most one row. */
static void scalar(struct sql__emit *e, const PgQuery__SubLink *s,
		   const PgQuery__SelectStmt *sub)
{
	if (e->catalog || sql__select_single_row(sub) ||
	    result_columns(sub) != 1) {
		/* A catalog query, one row by its shape, or a shape SQLite
		 * itself rejects (several columns). */
		sql__put(e, "(");
		sql__select(e, sub);
		sql__put(e, ")");
		return;
	}
	if (!open_cte(e, s, sub)) {
		return;
	}
	sql__putf(e,
		  "SELECT pg_scalar_subquery(__v) FROM (SELECT __v FROM _q%u "
		  "LIMIT 2))",
		  e->n_tmp);
}

void sql__sublink(struct sql__emit *e, const PgQuery__SubLink *s)
{
	const Node *sub = s->subselect;
	if (sub == NULL || sub->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
		sql__fail(e, s->location, "0A000", "subquery is not supported");
		return;
	}
	const char *op = s->n_oper_name > 0
				 ? sql__str(s->oper_name[s->n_oper_name - 1])
				 : NULL;
	if (++e->depth > SQL__MAX_DEPTH) {
		sql__fail(e, s->location, "54001",
			  "stack depth limit exceeded");
		e->depth--;
		return;
	}
	const PgQuery__SelectStmt *q = sub->select_stmt;
	switch (s->sub_link_type) {
	case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
		sql__put(e, "EXISTS (");
		sql__select(e, q);
		sql__put(e, ")");
		break;
	case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK:
		if (op != NULL && strcmp(op, "=") != 0) {
			quantified(e, s, q, false);
			break;
		}
		sql__put(e, "(");
		sql__expr(e, s->testexpr);
		sql__put(e, " IN (");
		sql__select(e, q);
		sql__put(e, "))");
		break;
	case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK:
		if (op == NULL ||
		    (strcmp(op, "<>") != 0 && strcmp(op, "!=") != 0)) {
			quantified(e, s, q, true);
			break;
		}
		sql__put(e, "(");
		sql__expr(e, s->testexpr);
		sql__put(e, " NOT IN (");
		sql__select(e, q);
		sql__put(e, "))");
		break;
	case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK:
		scalar(e, s, q);
		break;
	case PG_QUERY__SUB_LINK_TYPE__MULTIEXPR_SUBLINK:
		sql__put(e, "(");
		sql__select(e, q);
		sql__put(e, ")");
		break;
	case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK:
		if (!sql__catalog_array_sublink(e, s) &&
		    !sql__array_sublink(e, s)) {
			sql__fail(e, s->location, "0A000",
				  "ARRAY(subquery) is not supported");
		}
		break;
	default:
		sql__fail(e, s->location, "0A000",
			  "this subquery form is not supported");
		break;
	}
	e->depth--;
}

/* ---------------------------------------------------------------------
 * LIMIT and OFFSET
 * ------------------------------------------------------------------- */

/* A LIMIT or OFFSET that is a literal: its value (NULL: @null set). */
static bool literal_count(const Node *n, long long *v, bool *null)
{
	*null = false;
	if (n->node_case == PG_QUERY__NODE__NODE_A_CONST) {
		const PgQuery__AConst *c = n->a_const;
		if (c->isnull) {
			*null = true;
			return true;
		}
		if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
			*v = c->ival->ival;
			return true;
		}
	}
	return false;
}

void sql__limit_count(struct sql__emit *e, const Node *n, bool offset)
{
	long long v;
	bool null;
	if (literal_count(n, &v, &null)) {
		if (null) {
			sql__put(e, offset ? "0" : "-1");
		} else if (v < 0) {
			sql__fail(e, -1, offset ? "2201X" : "2201W",
				  "%s must not be negative",
				  offset ? "OFFSET" : "LIMIT");
		} else {
			sql__putf(e, "%lld", v);
		}
		return;
	}
	sql__put(e, offset ? "pg_offset(" : "pg_limit(");
	sql__expr(e, n);
	sql__put(e, ")");
}

/* ---------------------------------------------------------------------
 * SQLite functions
 * ------------------------------------------------------------------- */

struct scalar_acc {
	sqlite3_value *v; /* the first row's value (a copy) */
	bool seen;
};

static void scalar_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	struct scalar_acc *acc = sqlite3_aggregate_context(ctx, sizeof *acc);
	if (acc == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (acc->seen) {
		sqlite3_result_error(ctx,
				     "21000: more than one row returned by a "
				     "subquery used as an expression",
				     -1);
		return;
	}
	acc->seen = true;
	acc->v = sqlite3_value_dup(argv[0]);
	if (acc->v == NULL) {
		sqlite3_result_error_nomem(ctx);
	}
}

static void scalar_final(sqlite3_context *ctx)
{
	struct scalar_acc *acc = sqlite3_aggregate_context(ctx, 0);
	if (acc == NULL || acc->v == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_value(ctx, acc->v);
	sqlite3_value_free(acc->v);
	acc->v = NULL;
}

/* pg_limit(x) / pg_offset(x): x as an integer; NULL: no limit (-1) or
 * no offset (0); negative: 2201W / 2201X. */
static void fn_count(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	bool offset = sqlite3_user_data(ctx) != NULL;
	sqlite3_value *v = argv[0];
	int t = sqlite3_value_numeric_type(v);
	if (t == SQLITE_NULL) {
		sqlite3_result_int64(ctx, offset ? 0 : -1);
		return;
	}
	if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
		sqlite3_result_error(ctx,
				     "22P02: invalid input syntax for type "
				     "bigint",
				     -1);
		return;
	}
	double d = sqlite3_value_double(v);
	if (d < 0) {
		sqlite3_result_error(ctx,
				     offset ? "2201X: OFFSET must not be "
					      "negative"
					    : "2201W: LIMIT must not be "
					      "negative",
				     -1);
		return;
	}
	sqlite3_result_int64(ctx, t == SQLITE_INTEGER
					  ? sqlite3_value_int64(v)
					  : (sqlite3_int64)(d + 0.5));
}

int sql__subquery_register(struct sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC;
	int rc = sqlite3_create_function_v2(db, "pg_scalar_subquery", 1, flags,
					    NULL, NULL, scalar_step,
					    scalar_final, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function_v2(db, "pg_limit", 1, flags, NULL,
						fn_count, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function_v2(db, "pg_offset", 1, flags,
						(void *)1, fn_count, NULL, NULL,
						NULL);
	}
	return rc;
}
