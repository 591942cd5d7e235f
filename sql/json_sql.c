/*
 * sql/json_sql.c: PostgreSQL's json and jsonb operators, functions and
 * set-returning functions -> the pg_json* functions of json.c.
 *
 * Hooks called by expr.c (operators, functions, their static types) and
 * query.c (functions in FROM).  Each returns false for what it does not
 * handle, so the ordinary path goes on.
 *
 * Static types decide what PostgreSQL would resolve, as far as they are
 * known without the schema (a column's type is not: sql__infer gives 0):
 *
 * - -> ->> #> #>> @> <@ ? ?| ?& #- exist only for json/jsonb (and @> <@
 *   for arrays, which triode keeps as JSON arrays): always translated.
 *   A json (not jsonb) operand of a jsonb-only operator is 42883.
 * - || is jsonb concatenation when an operand is jsonb, or when one is of
 *   unknown type (a column) and the other an untyped literal that is a
 *   JSON object or array ('{"a": 1}'); otherwise text concatenation.
 * - '-' is jsonb deletion when the left operand is jsonb, or of unknown
 *   type with an array, or an untyped literal that is neither a number, a
 *   date/time nor an interval, on the right (doc - 'key').
 * - json functions get each SQL argument's static type as one letter
 *   (json.c: "SQL values to JSON"); unknown types go by storage class, so
 *   a bool or jsonb column passed to json_build_object without a cast
 *   becomes a number or a string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

static uint32_t type_of(const Node *n)
{
	int32_t tm;
	return sql__infer(n, &tm);
}

static uint32_t scope_column_type(struct sql__emit *e, const Node *n);

/* type_of; for a column, with @e (not NULL), its declared type found
 * through the FROM items of the query (see "Whole-row references"). */
static uint32_t type_of_e(struct sql__emit *e, const Node *n)
{
	uint32_t t = type_of(n);
	if (t == 0 && e != NULL && n != NULL &&
	    n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
		t = scope_column_type(e, n);
	}
	return t;
}

static const char *op_of(const PgQuery__AExpr *x)
{
	if (x->n_name == 0) {
		return "";
	}
	const char *s = sql__str(x->name[x->n_name - 1]);
	return s != NULL ? s : "";
}

/* An untyped string literal's text, or NULL. */
static const char *literal(const Node *n)
{
	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_A_CONST ||
	    n->a_const->isnull ||
	    n->a_const->val_case != PG_QUERY__A__CONST__VAL_SVAL) {
		return NULL;
	}
	return n->a_const->sval->sval;
}

/* An untyped literal holding a JSON object or array. */
static bool json_container_literal(const Node *n)
{
	const char *s = literal(n);
	if (s == NULL) {
		return false;
	}
	size_t skip = strspn(s, " \t\n\r");
	return (s[skip] == '{' || s[skip] == '[') &&
	       sql__json_valid(s, strlen(s));
}

/* An array value: ARRAY[...] or a cast to an array type. */
static bool is_array_expr(const Node *n)
{
	if (n == NULL) {
		return false;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
		return true;
	}
	return n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
	       n->type_cast->type_name != NULL &&
	       n->type_cast->type_name->n_array_bounds > 0;
}

static bool is_jsonb_concat(struct sql__emit *e, const PgQuery__AExpr *x)
{
	uint32_t l = type_of_e(e, x->lexpr), r = type_of_e(e, x->rexpr);
	if (l == SQL_OID_JSON || r == SQL_OID_JSON) {
		return false;
	}
	return l == SQL_OID_JSONB || r == SQL_OID_JSONB ||
	       (l == 0 && json_container_literal(x->rexpr)) ||
	       (r == 0 && json_container_literal(x->lexpr));
}

/* A literal that '-' would read as a number, date/time or interval. */
static bool arith_literal(const char *s)
{
	char *end;
	int64_t usec, zone;
	int32_t months, days;
	int kind;
	bool range;
	(void)strtod(s, &end);
	if (end != s && end[strspn(end, " ")] == '\0') {
		return true;
	}
	return sql__ts_parse(s, &usec, &kind, &zone, &range) ||
	       sql__iv_parse(s, &months, &days, &usec);
}

static bool is_jsonb_delete(struct sql__emit *e, const PgQuery__AExpr *x)
{
	uint32_t l = type_of_e(e, x->lexpr);
	if (l == SQL_OID_JSONB) {
		return true;
	}
	if (l != 0) {
		return false;
	}
	const char *s = literal(x->rexpr);
	return is_array_expr(x->rexpr) || (s != NULL && !arith_literal(s));
}

/* An operand; ARRAY[...] (a text[] of keys or a path) as the JSON array
 * json.c reads, since the cluster path has no ARRAY constructor. */
static void operand(struct sql__emit *e, const Node *n)
{
	if (is_array_expr(n) && n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
	    literal(n->type_cast->arg) != NULL) {
		/* '{a,b}'::text[]: json.c reads the array literal. */
		sql__string(e, literal(n->type_cast->arg));
		return;
	}
	if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
		sql__put(e, "json_array(");
		sql__expr_list(e, n->a_array_expr->elements,
			       n->a_array_expr->n_elements);
		sql__put(e, ")");
		return;
	}
	sql__expr(e, n);
}

static void call2(struct sql__emit *e, const char *fn, const Node *a,
		  const Node *b, const char *tail)
{
	sql__putf(e, "%s(", fn);
	operand(e, a);
	sql__put(e, ", ");
	operand(e, b);
	sql__put(e, tail);
}

bool sql__json_op(struct sql__emit *e, const PgQuery__AExpr *x)
{
	const char *op = op_of(x);
	if (x->lexpr == NULL || x->rexpr == NULL) {
		return false;
	}
	uint32_t l = type_of_e(e, x->lexpr), r = type_of_e(e, x->rexpr);
	bool json = l == SQL_OID_JSON || l == SQL_OID_JSONB ||
		    r == SQL_OID_JSON || r == SQL_OID_JSONB;
	if (!json && (sql__array_elem(l) != 0 || sql__array_elem(r) != 0)) {
		return false; /* @>, <@, || of arrays (array_sql.c) */
	}
	bool text = strcmp(op, "->>") == 0 || strcmp(op, "#>>") == 0;
	if (strcmp(op, "->") == 0 || strcmp(op, "->>") == 0 ||
	    strcmp(op, "#>") == 0 || strcmp(op, "#>>") == 0) {
		int flags = (text ? 1 : 0) | (l == SQL_OID_JSONB ? 2 : 0);
		char tail[16];
		snprintf(tail, sizeof tail, ", %d)", flags);
		call2(e, op[0] == '#' ? "pg_json_path" : "pg_json_get",
		      x->lexpr, x->rexpr, tail);
		return true;
	}
	bool jsonb_only = strcmp(op, "@>") == 0 || strcmp(op, "<@") == 0 ||
			  strcmp(op, "?") == 0 || strcmp(op, "?|") == 0 ||
			  strcmp(op, "?&") == 0 || strcmp(op, "#-") == 0;
	if (jsonb_only && (l == SQL_OID_JSON || r == SQL_OID_JSON)) {
		sql__fail(e, x->location, "42883",
			  "operator does not exist: %s %s %s",
			  l == SQL_OID_JSON ? "json" : "jsonb", op,
			  r == SQL_OID_JSON ? "json" : "jsonb");
		return true;
	}
	if (strcmp(op, "@>") == 0) {
		call2(e, "pg_jsonb_contains", x->lexpr, x->rexpr, ")");
	} else if (strcmp(op, "<@") == 0) {
		call2(e, "pg_jsonb_contains", x->rexpr, x->lexpr, ")");
	} else if (strcmp(op, "?") == 0) {
		call2(e, "pg_jsonb_exists", x->lexpr, x->rexpr, ", 0)");
	} else if (strcmp(op, "?|") == 0) {
		call2(e, "pg_jsonb_exists", x->lexpr, x->rexpr, ", 1)");
	} else if (strcmp(op, "?&") == 0) {
		call2(e, "pg_jsonb_exists", x->lexpr, x->rexpr, ", 2)");
	} else if (strcmp(op, "#-") == 0) {
		call2(e, "pg_jsonb_set", x->lexpr, x->rexpr, ", NULL, 0, 2)");
	} else if ((strcmp(op, "=") == 0 || strcmp(op, "<>") == 0 ||
		    strcmp(op, "!=") == 0) &&
		   ((l == SQL_OID_JSONB &&
		     (r == SQL_OID_JSONB || literal(x->rexpr) != NULL)) ||
		    (r == SQL_OID_JSONB && literal(x->lexpr) != NULL))) {
		/* Numbers compare by value (1 = 1.0), not as text. */
		call2(e, op[0] == '=' ? "pg_jsonb_eq" : "(NOT pg_jsonb_eq",
		      x->lexpr, x->rexpr, op[0] == '=' ? ")" : "))");
	} else if (strcmp(op, "||") == 0 && is_jsonb_concat(e, x)) {
		call2(e, "pg_jsonb_concat", x->lexpr, x->rexpr, ")");
	} else if (strcmp(op, "-") == 0 && is_jsonb_delete(e, x)) {
		call2(e, "pg_jsonb_delete", x->lexpr, x->rexpr,
		      is_array_expr(x->rexpr) ? ", 1)" : ", 0)");
	} else {
		return false;
	}
	return true;
}

uint32_t sql__json_op_type(const PgQuery__AExpr *x)
{
	const char *op = op_of(x);
	if (x->lexpr == NULL || x->rexpr == NULL) {
		return 0;
	}
	if (strcmp(op, "->") == 0 || strcmp(op, "#>") == 0) {
		return type_of(x->lexpr) == SQL_OID_JSON ? SQL_OID_JSON
							 : SQL_OID_JSONB;
	}
	if (strcmp(op, "->>") == 0 || strcmp(op, "#>>") == 0) {
		return SQL_OID_TEXT;
	}
	if (strcmp(op, "@>") == 0 || strcmp(op, "<@") == 0 ||
	    strcmp(op, "?") == 0 || strcmp(op, "?|") == 0 ||
	    strcmp(op, "?&") == 0) {
		return SQL_OID_BOOL;
	}
	if (strcmp(op, "#-") == 0 ||
	    (strcmp(op, "||") == 0 && is_jsonb_concat(NULL, x)) ||
	    (strcmp(op, "-") == 0 && is_jsonb_delete(NULL, x))) {
		return SQL_OID_JSONB;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Functions
 * ------------------------------------------------------------------- */

enum jform {
	JF_BUILD_OBJECT,
	JF_BUILD_ARRAY,
	JF_TO_JSON,
	JF_ROW,
	JF_AGG,
	JF_OBJECT_AGG,
	JF_SET,
	JF_INSERT,
	JF_TYPEOF,
	JF_ARRAY_LENGTH,
	JF_STRIP_NULLS,
	JF_PRETTY,
	JF_EXTRACT,
	JF_EXTRACT_TEXT,
	JF_SRF,
};

static const struct jfunc {
	const char *name;
	int min, max;
	enum jform form;
	bool jsonb;
} jfuncs[] = {
	{ "json_build_object", 0, 100, JF_BUILD_OBJECT, false },
	{ "jsonb_build_object", 0, 100, JF_BUILD_OBJECT, true },
	{ "json_build_array", 0, 100, JF_BUILD_ARRAY, false },
	{ "jsonb_build_array", 0, 100, JF_BUILD_ARRAY, true },
	{ "to_json", 1, 1, JF_TO_JSON, false },
	{ "to_jsonb", 1, 1, JF_TO_JSON, true },
	{ "row_to_json", 1, 1, JF_ROW, false },
	{ "json_agg", 1, 1, JF_AGG, false },
	{ "jsonb_agg", 1, 1, JF_AGG, true },
	{ "json_object_agg", 2, 2, JF_OBJECT_AGG, false },
	{ "jsonb_object_agg", 2, 2, JF_OBJECT_AGG, true },
	{ "jsonb_set", 3, 4, JF_SET, true },
	{ "jsonb_insert", 3, 4, JF_INSERT, true },
	{ "json_typeof", 1, 1, JF_TYPEOF, false },
	{ "jsonb_typeof", 1, 1, JF_TYPEOF, true },
	{ "json_array_length", 1, 1, JF_ARRAY_LENGTH, false },
	{ "jsonb_array_length", 1, 1, JF_ARRAY_LENGTH, true },
	{ "json_strip_nulls", 1, 1, JF_STRIP_NULLS, false },
	{ "jsonb_strip_nulls", 1, 1, JF_STRIP_NULLS, true },
	{ "jsonb_pretty", 1, 1, JF_PRETTY, true },
	{ "json_extract_path", 1, 100, JF_EXTRACT, false },
	{ "jsonb_extract_path", 1, 100, JF_EXTRACT, true },
	{ "json_extract_path_text", 1, 100, JF_EXTRACT_TEXT, false },
	{ "jsonb_extract_path_text", 1, 100, JF_EXTRACT_TEXT, true },
	{ "json_array_elements", 1, 1, JF_SRF, false },
	{ "jsonb_array_elements", 1, 1, JF_SRF, true },
	{ "json_array_elements_text", 1, 1, JF_SRF, false },
	{ "jsonb_array_elements_text", 1, 1, JF_SRF, true },
	{ "json_each", 1, 1, JF_SRF, false },
	{ "jsonb_each", 1, 1, JF_SRF, true },
	{ "json_each_text", 1, 1, JF_SRF, false },
	{ "jsonb_each_text", 1, 1, JF_SRF, true },
	{ "json_object_keys", 1, 1, JF_SRF, false },
	{ "jsonb_object_keys", 1, 1, JF_SRF, true },
};

static const struct jfunc *find(const char *name)
{
	if (strncmp(name, "json", 4) != 0 && strcmp(name, "to_json") != 0 &&
	    strcmp(name, "to_jsonb") != 0 && strcmp(name, "row_to_json") != 0) {
		return NULL;
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(jfuncs); i++) {
		if (strcmp(jfuncs[i].name, name) == 0) {
			return &jfuncs[i];
		}
	}
	return NULL;
}

uint32_t sql__json_func_type(const char *name)
{
	const struct jfunc *f = find(name);
	if (f == NULL) {
		return 0;
	}
	switch (f->form) {
	case JF_TYPEOF:
	case JF_PRETTY:
	case JF_EXTRACT_TEXT:
		return SQL_OID_TEXT;
	case JF_ARRAY_LENGTH:
		return SQL_OID_INT4;
	case JF_SRF:
		return 0;
	default:
		return f->jsonb ? SQL_OID_JSONB : SQL_OID_JSON;
	}
}

/* The letter json.c reads for a value of static type @t. */
static char kind_of_oid(uint32_t t)
{
	switch (t) {
	case 0:
		return 'u';
	case SQL_OID_INT2:
	case SQL_OID_INT4:
	case SQL_OID_INT8:
	case SQL_OID_OID:
	case SQL_OID_NUMERIC:
		return 'n';
	case SQL_OID_FLOAT4:
	case SQL_OID_FLOAT8:
		return 'f';
	case SQL_OID_BOOL:
		return 'b';
	case SQL_OID_JSON:
		return 'j';
	case SQL_OID_JSONB:
		return 'J';
	case SQL_OID_TIMESTAMP:
		return 'T';
	case SQL_OID_TIMESTAMPTZ:
		return 'Z';
	case SQL_OID_BYTEA:
		return 'x';
	default:
		return sql__pgtype_by_array(t) != NULL ? 'a' : 't';
	}
}

/* The kind of argument @n (@e: see type_of_e). */
static char kind_of(struct sql__emit *e, const Node *n)
{
	if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
		return 'r';
	}
	return kind_of_oid(type_of_e(e, n));
}

/* ---------------------------------------------------------------------
 * Whole-row references: json_agg(x), row_to_json(t), to_jsonb(t.*)
 *
 * PostgreSQL reads a bare name that is no column but a FROM item (a
 * table or an aliased subquery) of the query, or of an enclosing one, as
 * that item's row.  Passed to a json function, the row is the object of
 * its columns; here it is written as that object, pg_json_build('jR...',
 * 'col', x.col, ...), each value with its type's kind.  The columns and
 * their declared types come from the mirror, which prepares the table
 * (or the subquery, as translated) without running it; an item it cannot
 * prepare (a WITH query, a set-returning function) is not resolved, and
 * the name stays a column name (42703 from the leader).
 * ------------------------------------------------------------------- */

/* Columns a whole row may have. */
#define WR_MAX_COLS 1600

struct whole_row {
	const char *name;  /* the FROM item's name */
	unsigned n;	   /* columns */
	const char **cols; /* their names (arena) */
	char *kinds;	   /* their kinds (arena, NUL-terminated) */
	uint32_t *oids;	   /* their types (0: unknown) */
};

/* The name FROM item @n goes by, or NULL. */
static const char *item_name(const Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_RANGE_VAR: {
		const PgQuery__RangeVar *rv = n->range_var;
		return rv->alias != NULL && rv->alias->aliasname[0] != '\0'
			       ? rv->alias->aliasname
			       : rv->relname;
	}
	case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: {
		const PgQuery__Alias *al = n->range_subselect->alias;
		return al != NULL && al->aliasname[0] != '\0' ? al->aliasname
							      : NULL;
	}
	default:
		return NULL;
	}
}

/* The FROM item named @name among @items (joins searched), or NULL. */
static const Node *item_named(Node *const *items, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const Node *it = items[i];
		if (it->node_case == PG_QUERY__NODE__NODE_JOIN_EXPR) {
			const PgQuery__JoinExpr *j = it->join_expr;
			Node *const pair[2] = { j->larg, j->rarg };
			const Node *f = j->alias == NULL
						? item_named(pair, 2, name)
						: NULL;
			if (f != NULL) {
				return f;
			}
			continue;
		}
		const char *nm = item_name(it);
		if (nm != NULL && strcmp(nm, name) == 0) {
			return it;
		}
	}
	return NULL;
}

/* The type of a column of declared type @decl (NULL: none). */
static uint32_t decl_oid(const char *decl)
{
	int32_t tm;
	return decl != NULL ? sql_type_from_decltype(decl, &tm) : 0;
}

/* The columns of FROM item @it, from the mirror; false when unknown. */
static bool item_columns(struct sql__emit *e, const Node *it,
			 struct whole_row *w)
{
	sqlite3 *db = sql__scope_mirror();
	if (db == NULL || e->catalog) {
		return false;
	}
	struct tr_buf q;
	tr_buf_init(&q, 0);
	const PgQuery__SelectStmt *sub = NULL;
	if (it->node_case == PG_QUERY__NODE__NODE_RANGE_VAR) {
		const PgQuery__RangeVar *rv = it->range_var;
		if (rv->schemaname[0] != '\0' &&
		    strcmp(rv->schemaname, "public") != 0) {
			tr_buf_close(&q);
			return false;
		}
		tr_buf_put_str(&q, "SELECT * FROM main.");
		sql__ident_buf(&q, rv->relname);
	} else {
		const Node *s = it->range_subselect->subquery;
		if (s == NULL ||
		    s->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
			tr_buf_close(&q);
			return false;
		}
		sub = s->select_stmt;
		/* The subquery as translated, written aside. */
		struct tr_buf saved = e->out;
		tr_buf_init(&e->out, 0);
		sql__select(e, sub);
		tr_buf_put_str(&q, "SELECT * FROM (");
		tr_buf_put(&q, e->out.data, e->out.len);
		tr_buf_put_str(&q, ")");
		if (tr_buf_err(&e->out) != TR_OK) {
			tr_buf_put_str(&q, "\x01"); /* never prepares */
		}
		tr_buf_close(&e->out);
		e->out = saved;
	}
	sqlite3_stmt *ps = NULL;
	int rc = tr_buf_err(&q) == TR_OK
			 ? sqlite3_prepare_v2(db, tr_buf_cstr(&q), -1, &ps,
					      NULL)
			 : SQLITE_NOMEM;
	tr_buf_close(&q);
	int n = rc == SQLITE_OK ? sqlite3_column_count(ps) : 0;
	if (rc != SQLITE_OK || n <= 0 || n > WR_MAX_COLS) {
		sqlite3_finalize(ps);
		return false;
	}
	/* Expressions of the subquery have no declared type: their
	 * static type, when the select list is plain. */
	while (sub != NULL && sub->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
	       sub->larg != NULL) {
		sub = sub->larg;
	}
	bool plain = sub != NULL && sub->n_target_list == (size_t)n;
	w->cols = tr_arena_alloc(e->a, sizeof *w->cols * (size_t)n);
	w->kinds = tr_arena_alloc(e->a, (size_t)n + 1);
	w->oids = tr_arena_alloc(e->a, sizeof *w->oids * (size_t)n);
	for (int i = 0;
	     w->cols != NULL && w->kinds != NULL && w->oids != NULL && i < n;
	     i++) {
		const char *c = sqlite3_column_name(ps, i);
		const char *decl = sqlite3_column_decltype(ps, i);
		w->cols[i] = tr_arena_strdup(e->a, c != NULL ? c : "?column?");
		w->oids[i] = decl_oid(decl);
		if (decl == NULL && plain &&
		    sub->target_list[i]->node_case ==
			    PG_QUERY__NODE__NODE_RES_TARGET) {
			w->oids[i] = type_of(
				sub->target_list[i]->res_target->val);
		}
		w->kinds[i] = kind_of_oid(w->oids[i]);
		if (w->cols[i] == NULL) {
			w->cols = NULL;
		}
	}
	sqlite3_finalize(ps);
	if (w->cols == NULL || w->kinds == NULL || w->oids == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return false;
	}
	w->kinds[n] = '\0';
	w->n = (unsigned)n;
	return true;
}

/* The type of column @name of the first FROM item of @items that has
 * one (0: unknown type); UINT32_MAX when none has. */
static uint32_t items_column_type(struct sql__emit *e, Node *const *items,
				  size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const Node *it = items[i];
		if (it->node_case == PG_QUERY__NODE__NODE_JOIN_EXPR) {
			Node *const pair[2] = { it->join_expr->larg,
						it->join_expr->rarg };
			uint32_t t = items_column_type(e, pair, 2, name);
			if (t != UINT32_MAX) {
				return t;
			}
			continue;
		}
		struct whole_row w;
		if (item_name(it) == NULL || !item_columns(e, it, &w)) {
			continue;
		}
		for (unsigned k = 0; k < w.n; k++) {
			if (strcmp(w.cols[k], name) == 0) {
				return w.oids[k];
			}
		}
	}
	return UINT32_MAX;
}

/* Some FROM item of @items has a column @name. */
static bool items_have_column(struct sql__emit *e, Node *const *items, size_t n,
			      const char *name)
{
	return items_column_type(e, items, n, name) != UINT32_MAX;
}

/* @n ("x" or "x.*") is a whole-row reference: true with @w filled. */
static bool whole_row(struct sql__emit *e, const Node *n, struct whole_row *w)
{
	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    e->from == NULL) {
		return false;
	}
	const PgQuery__ColumnRef *r = n->column_ref;
	bool star = r->n_fields == 2 &&
		    r->fields[1]->node_case == PG_QUERY__NODE__NODE_A_STAR;
	if (r->n_fields != 1 && !star) {
		return false;
	}
	const char *name = sql__str(r->fields[0]);
	if (name == NULL) {
		return false;
	}
	/* Cheap first: no FROM item of that name, no whole row. */
	const struct sql__from_scope *sc = e->from;
	while (sc != NULL && item_named(sc->sel->from_clause,
					sc->sel->n_from_clause, name) == NULL) {
		sc = sc->up;
	}
	if (sc == NULL) {
		return false;
	}
	for (sc = e->from; sc != NULL; sc = sc->up) {
		const PgQuery__SelectStmt *s = sc->sel;
		const Node *it = item_named(s->from_clause, s->n_from_clause,
					    name);
		/* A column of this level's items comes first ("x.*" names
		 * an item always). */
		if (!star && items_have_column(e, s->from_clause,
					       s->n_from_clause, name)) {
			return false;
		}
		if (it != NULL) {
			w->name = name;
			return item_columns(e, it, w);
		}
	}
	return false;
}

/* The type of column reference @n ("c" or "q.c") from the declared
 * types of the FROM items in scope; 0 when not found. */
static uint32_t scope_column_type(struct sql__emit *e, const Node *n)
{
	const PgQuery__ColumnRef *r = n->column_ref;
	if ((r->n_fields != 1 && r->n_fields != 2) ||
	    r->fields[r->n_fields - 1]->node_case !=
		    PG_QUERY__NODE__NODE_STRING) {
		return 0;
	}
	const char *col = sql__str(r->fields[r->n_fields - 1]);
	const char *qual = r->n_fields == 2 ? sql__str(r->fields[0]) : NULL;
	if (col == NULL || (r->n_fields == 2 && qual == NULL)) {
		return 0;
	}
	for (const struct sql__from_scope *sc = e->from; sc != NULL;
	     sc = sc->up) {
		const PgQuery__SelectStmt *s = sc->sel;
		struct whole_row w;
		if (qual != NULL) {
			const Node *it = item_named(s->from_clause,
						    s->n_from_clause, qual);
			if (it == NULL) {
				continue;
			}
			if (!item_columns(e, it, &w)) {
				return 0;
			}
			for (unsigned i = 0; i < w.n; i++) {
				if (strcmp(w.cols[i], col) == 0) {
					return w.oids[i];
				}
			}
			return 0;
		}
		uint32_t t = items_column_type(e, s->from_clause,
					       s->n_from_clause, col);
		if (t != UINT32_MAX) {
			return t;
		}
	}
	return 0;
}

bool sql__whole_row(struct sql__emit *e, const Node *n)
{
	struct whole_row w;
	if (n->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    n->column_ref->n_fields != 1 || !whole_row(e, n, &w)) {
		return false;
	}
	/* PostgreSQL's record text, each field as its type prints. */
	struct tr_buf k;
	tr_buf_init(&k, 0);
	for (unsigned i = 0; i < w.n; i++) {
		tr_buf_printf(&k, i > 0 ? ",%u" : "%u", w.oids[i]);
	}
	sql__put(e, "pg_record_out(");
	sql__string(e, tr_buf_cstr(&k));
	tr_buf_close(&k);
	for (unsigned i = 0; i < w.n; i++) {
		sql__put(e, ", ");
		sql__ident(e, w.name);
		sql__put(e, ".");
		sql__ident(e, w.cols[i]);
	}
	sql__put(e, ")");
	return true;
}

/* The row as a json object (its columns' names and values). */
static void emit_whole_row(struct sql__emit *e, const struct whole_row *w,
			   bool jsonb)
{
	struct tr_buf k;
	tr_buf_init(&k, 0);
	tr_buf_put_u8(&k, jsonb ? 'b' : 'j');
	tr_buf_put_u8(&k, 'R');
	for (unsigned i = 0; i < w->n; i++) {
		tr_buf_put_u8(&k, 't');
		tr_buf_put_u8(&k, (uint8_t)w->kinds[i]);
	}
	sql__put(e, "pg_json_build(");
	sql__string(e, tr_buf_cstr(&k));
	tr_buf_close(&k);
	for (unsigned i = 0; i < w->n; i++) {
		sql__put(e, ", ");
		sql__string(e, w->cols[i]);
		sql__put(e, ", ");
		sql__ident(e, w->name);
		sql__put(e, ".");
		sql__ident(e, w->cols[i]);
	}
	sql__put(e, ")");
}

static void put_kinds(struct sql__emit *e, struct tr_buf *b, Node *const *args,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct whole_row w;
		char k = whole_row(e, args[i], &w) ? 'r' : kind_of(e, args[i]);
		tr_buf_put_u8(b, (uint8_t)k);
	}
}

/* An argument; ROW(...) and a whole row become the object row_to_json
 * makes. */
static void value(struct sql__emit *e, const Node *n)
{
	struct whole_row w;
	if (whole_row(e, n, &w)) {
		emit_whole_row(e, &w, false);
		return;
	}
	if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
		const PgQuery__RowExpr *r = n->row_expr;
		struct tr_buf k;
		tr_buf_init(&k, 0);
		tr_buf_put_str(&k, "jr");
		put_kinds(e, &k, r->args, r->n_args);
		sql__put(e, "pg_json_build(");
		sql__string(e, tr_buf_cstr(&k));
		tr_buf_close(&k);
		for (size_t i = 0; i < r->n_args; i++) {
			sql__put(e, ", ");
			sql__expr(e, r->args[i]);
		}
		sql__put(e, ")");
		return;
	}
	/* A numeric literal keeps its digits (1.50), which a REAL would
	 * not. */
	if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	    !n->a_const->isnull &&
	    n->a_const->val_case == PG_QUERY__A__CONST__VAL_FVAL) {
		sql__string(e, n->a_const->fval->fval);
		return;
	}
	sql__expr(e, n);
}

static void values(struct sql__emit *e, Node *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sql__put(e, ", ");
		value(e, args[i]);
	}
}

static void emit_agg(struct sql__emit *e, const PgQuery__FuncCall *fc,
		     const struct jfunc *f)
{
	bool object = f->form == JF_OBJECT_AGG;
	if (fc->agg_distinct || fc->over != NULL) {
		sql__fail(e, fc->location, "0A000",
			  "%s with %s is not supported", f->name,
			  fc->agg_distinct ? "DISTINCT" : "OVER");
		return;
	}
	struct tr_buf k;
	tr_buf_init(&k, 0);
	tr_buf_put_u8(&k, f->jsonb ? 'b' : 'j');
	put_kinds(e, &k, fc->args, fc->n_args);
	if (!sql__agg_sort_dirs(e, fc, &k)) {
		tr_buf_close(&k);
		return;
	}
	sql__put(e, object ? "pg_json_object_agg(" : "pg_json_agg(");
	sql__string(e, tr_buf_cstr(&k));
	tr_buf_close(&k);
	values(e, fc->args, fc->n_args);
	for (size_t i = 0; i < fc->n_agg_order; i++) {
		sql__put(e, ", ");
		sql__expr(e, fc->agg_order[i]->sort_by->node);
	}
	sql__put(e, ")");
	if (fc->agg_filter != NULL) {
		sql__put(e, " FILTER (WHERE ");
		sql__expr(e, fc->agg_filter);
		sql__put(e, ")");
	}
}

static void emit_build(struct sql__emit *e, const PgQuery__FuncCall *fc,
		       const char *shape, bool jsonb, Node *const *args,
		       size_t n)
{
	struct tr_buf k;
	tr_buf_init(&k, 0);
	tr_buf_put_u8(&k, jsonb ? 'b' : 'j');
	tr_buf_put_str(&k, shape);
	put_kinds(e, &k, args, n);
	sql__put(e, "pg_json_build(");
	sql__string(e, tr_buf_cstr(&k));
	tr_buf_close(&k);
	values(e, args, n);
	sql__put(e, ")");
	TR_UNUSED(fc);
}

bool sql__json_func(struct sql__emit *e, const PgQuery__FuncCall *fc,
		    const char *name)
{
	const struct jfunc *f = find(name);
	if (f == NULL) {
		return false;
	}
	int nargs = (int)fc->n_args;
	if (nargs < f->min || nargs > f->max || fc->agg_star) {
		sql__fail(e, fc->location, "42883",
			  "function %s with %d arguments does not exist", name,
			  nargs);
		return true;
	}
	for (size_t i = 0; i < fc->n_args; i++) {
		if (fc->args[i]->node_case ==
		    PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
			sql__fail(e, fc->location, "0A000",
				  "named arguments are not supported");
			return true;
		}
	}
	if (fc->func_variadic) {
		sql__fail(e, fc->location, "0A000",
			  "VARIADIC is not supported");
		return true;
	}
	bool agg = f->form == JF_AGG || f->form == JF_OBJECT_AGG;
	if (!agg && (fc->agg_distinct || fc->agg_filter != NULL ||
		     fc->over != NULL || fc->n_agg_order > 0)) {
		sql__fail(e, fc->location, "42809",
			  "%s is not an aggregate function", name);
		return true;
	}
	Node *const *a = fc->args;
	switch (f->form) {
	case JF_BUILD_OBJECT:
		if (nargs % 2 != 0) {
			sql__fail(e, fc->location, "22023",
				  "argument list must have even number of "
				  "elements");
			return true;
		}
		emit_build(e, fc, "o", f->jsonb, a, fc->n_args);
		return true;
	case JF_BUILD_ARRAY:
		emit_build(e, fc, "a", f->jsonb, a, fc->n_args);
		return true;
	case JF_ROW:
	case JF_TO_JSON:
		if (a[0]->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
			const PgQuery__RowExpr *r = a[0]->row_expr;
			emit_build(e, fc, "r", f->jsonb, r->args, r->n_args);
			return true;
		}
		struct whole_row w;
		if (whole_row(e, a[0], &w)) {
			emit_whole_row(e, &w, f->jsonb);
			return true;
		}
		if (f->form == JF_ROW &&
		    a[0]->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
		    e->from != NULL && sql__scope_mirror() != NULL) {
			/* No row: a column (of which type?) or nothing. */
			uint32_t t = scope_column_type(e, a[0]);
			char type[64];
			sql__format_type(t, -1, false, type, sizeof type);
			if (t != 0) {
				sql__fail(e, fc->location, "42883",
					  "function row_to_json(%s) does not "
					  "exist",
					  type);
			} else {
				sql__fail(e, a[0]->column_ref->location,
					  "42703",
					  "column \"%s\" does not exist",
					  sql__colname(a[0]));
			}
			return true;
		}
		if (f->form == JF_ROW) {
			sql__fail(e, fc->location, "0A000",
				  "row_to_json is supported for ROW(...) and "
				  "whole rows only");
			return true;
		}
		sql__putf(e, "pg_to_json('%c%c', ", f->jsonb ? 'b' : 'j',
			  kind_of(e, a[0]));
		sql__expr(e, a[0]);
		sql__put(e, ")");
		return true;
	case JF_AGG:
	case JF_OBJECT_AGG:
		emit_agg(e, fc, f);
		return true;
	case JF_SET:
	case JF_INSERT:
		sql__put(e, "pg_jsonb_set(");
		for (int i = 0; i < 3; i++) {
			sql__put(e, i > 0 ? ", " : "");
			operand(e, a[i]);
		}
		sql__put(e, ", ");
		if (nargs == 4) {
			sql__expr(e, a[3]);
		} else {
			sql__put(e, f->form == JF_SET ? "1" : "0");
		}
		sql__put(e, f->form == JF_SET ? ", 0)" : ", 1)");
		return true;
	case JF_TYPEOF:
		sql__put(e, "pg_json_typeof(");
		sql__expr(e, a[0]);
		sql__put(e, ")");
		return true;
	case JF_ARRAY_LENGTH:
		sql__put(e, "pg_json_array_length(");
		sql__expr(e, a[0]);
		sql__put(e, ")");
		return true;
	case JF_STRIP_NULLS:
		sql__put(e, "pg_json_strip_nulls(");
		sql__expr(e, a[0]);
		sql__put(e, f->jsonb ? ", 1)" : ", 0)");
		return true;
	case JF_PRETTY:
		sql__put(e, "pg_jsonb_pretty(");
		sql__expr(e, a[0]);
		sql__put(e, ")");
		return true;
	case JF_EXTRACT:
	case JF_EXTRACT_TEXT:
		sql__putf(e, "pg_json_extract_path(%d, ",
			  (f->form == JF_EXTRACT_TEXT ? 1 : 0) |
				  (f->jsonb ? 2 : 0));
		sql__expr_list(e, a, fc->n_args);
		sql__put(e, ")");
		return true;
	case JF_SRF:
		sql__fail(e, fc->location, "0A000",
			  "%s is supported in FROM only", name);
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Set-returning functions in FROM
 * ------------------------------------------------------------------- */

/*
 * json[b]_array_elements[_text], json[b]_each[_text] and
 * json[b]_object_keys -> the pg_json* table-valued functions.  Written
 * as a plain table-valued function they may read earlier FROM items
 * (PostgreSQL's implicit LATERAL: FROM t, jsonb_array_elements(t.doc)).
 * Column aliases, and object_keys (whose one column is named after the
 * alias or the function), need a derived table, which cannot.
 */
bool sql__json_range_function(struct sql__emit *e,
			      const PgQuery__RangeFunction *rf,
			      const PgQuery__FuncCall *fc, const char *name)
{
	const struct jfunc *f = find(name);
	if (f == NULL || f->form != JF_SRF) {
		return false;
	}
	if (fc->n_funcname == 2 && sql__str(fc->funcname[0]) != NULL &&
	    strcmp(sql__str(fc->funcname[0]), "pg_catalog") != 0) {
		return false;
	}
	if (rf->ordinality || rf->is_rowsfrom || rf->n_coldeflist > 0) {
		sql__fail(e, fc->location, "0A000",
			  "WITH ORDINALITY, ROWS FROM and column definitions "
			  "are not supported for functions in FROM");
		return true;
	}
	if (fc->n_args != 1 || fc->agg_star || fc->func_variadic) {
		sql__fail(e, fc->location, "42883",
			  "function %s with %zu arguments does not exist", name,
			  fc->n_args);
		return true;
	}
	const PgQuery__Alias *al = rf->alias;
	const char *table = al != NULL && al->aliasname[0] != '\0'
				    ? al->aliasname
				    : name;
	bool keys = strstr(name, "_object_keys") != NULL;
	bool each = strstr(name, "_each") != NULL;
	size_t n_cols = each ? 2 : 1;
	size_t n_alias = al != NULL ? al->n_colnames : 0;
	if (n_alias > n_cols) {
		sql__fail(e, fc->location, "42601",
			  "too many column aliases specified for function %s",
			  name);
		return true;
	}
	if (!keys && n_alias == 0) {
		sql__putf(e, "pg_%s(", name);
		sql__expr(e, fc->args[0]);
		sql__put(e, ") AS ");
		sql__ident(e, table);
		return true;
	}
	static const char *const cols[] = { "key", "value" };
	sql__put(e, "(SELECT ");
	for (size_t i = 0; i < n_cols; i++) {
		const char *as = i < n_alias ? sql__str(al->colnames[i]) : NULL;
		if (as == NULL) {
			as = keys ? table : cols[each ? i : 1];
		}
		sql__put(e, i > 0 ? ", " : "");
		sql__put(e, each ? cols[i] : "value");
		sql__put(e, " AS ");
		sql__ident(e, as);
	}
	sql__putf(e, " FROM pg_%s(", name);
	sql__expr(e, fc->args[0]);
	sql__put(e, ")) AS ");
	sql__ident(e, table);
	return true;
}
