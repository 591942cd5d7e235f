/*
 * sql/array_sql.c: arrays in translated SQL (the cluster path).
 *
 * Arrays are JSON text (array.c), so most of PostgreSQL's array syntax
 * becomes SQLite's JSON functions:
 *
 *   ARRAY[a, b]            json_array(a, b)   (bytea elements as hex text)
 *   '{1,2}'::int4[]        '[1,2]'            (array_in at translation)
 *   expr::int4[]           pg_array_in(expr, 1007) for text, else as is
 *   x = ANY(arr)           x IN (SELECT value FROM json_each(arr))
 *   x <> ALL(arr)          x NOT IN (SELECT value FROM json_each(arr))
 *   x op ANY/ALL(arr)      [NOT] EXISTS over json_each
 *   arr[i]                 json_extract(arr, '$[i-1]'); NULL when out of
 *                          range; arr[i:j] a JSON array of the slice
 *   a @> b, a <@ b, a && b element tests over json_each
 *   a || b, array_cat      json_group_array over both, in order
 *   a || x, array_append   json_insert(a, '$[#]', x)
 *   x || a, array_prepend  json_group_array with x first
 *   array_length, array_upper, array_lower, cardinality, array_ndims
 *                          json_array_length
 *   array_position, array_remove         json_each
 *   array_to_string, string_to_array     pg_* functions of array.c
 *   array_agg(x)           json_group_array(x) (NULL over no rows)
 *   ARRAY(subquery)        json_group_array over the subquery's column
 *   unnest(arr) in FROM    json_each in a derived table, in order
 *
 * The catalog mode (pgcatalog_sql.c) keeps its own representation
 * (PostgreSQL's text form) and its own hooks; these run only on the
 * cluster path (e->catalog false).
 */
#include <string.h>

#include "sql/sql_int.h"

static const char *const_string(const Node *n)
{
	return n != NULL && n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
			       !n->a_const->isnull &&
			       n->a_const->val_case ==
				       PG_QUERY__A__CONST__VAL_SVAL
		       ? n->a_const->sval->sval
		       : NULL;
}

static bool is_null_const(const Node *n)
{
	return n != NULL && n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	       n->a_const->isnull;
}

static const char *func_name(const PgQuery__FuncCall *fc)
{
	if (fc->n_funcname == 0 || fc->n_funcname > 2) {
		return NULL;
	}
	if (fc->n_funcname == 2) {
		const char *s = sql__str(fc->funcname[0]);
		if (s == NULL || strcmp(s, "pg_catalog") != 0) {
			return NULL;
		}
	}
	return sql__str(fc->funcname[fc->n_funcname - 1]);
}

/* The array type of @n's static type (0 if not an array). */
static uint32_t array_type(const Node *n)
{
	int32_t tm;
	uint32_t t = sql__infer(n, &tm);
	return sql__array_elem(t) != 0 ? t : 0;
}

/* Element type of array expression @n (0 if unknown). */
static uint32_t elem_type(const Node *n)
{
	return sql__array_elem(array_type(n));
}

/* One element value for a JSON array: bytea as its hex text. */
static void emit_elem(struct sql__emit *e, const Node *n, uint32_t elem)
{
	int32_t tm;
	if (elem == 0) {
		elem = sql__infer(n, &tm);
	}
	if (elem == SQL_OID_BYTEA) {
		sql__put(e, "CASE WHEN ");
		sql__expr(e, n);
		sql__put(e, " IS NULL THEN NULL ELSE '\\x' || lower(hex(");
		sql__expr(e, n);
		sql__put(e, ")) END");
		return;
	}
	sql__expr(e, n);
}

/* A string literal as an array of type @oid, decoded now. */
static void emit_literal(struct sql__emit *e, uint32_t oid, const char *s,
			 int location)
{
	struct sql_value v;
	struct sql_error err = { 0 };
	int rv = sql_param_decode(oid, 0, (const uint8_t *)s,
				  (int32_t)strlen(s), e->a, &v, &err);
	if (rv == TR_ENOMEM) {
		sql__fail(e, location, "53200", "out of memory");
		return;
	}
	if (rv != TR_OK) {
		sql__fail(e, location, err.sqlstate, "%s", err.message);
		if (err.detail != NULL && e->stmt->error.detail == NULL) {
			e->stmt->error.detail = err.detail;
		}
		return;
	}
	const char *t = tr_arena_strndup(e->a, v.p, v.len);
	if (t == NULL) {
		sql__fail(e, location, "53200", "out of memory");
		return;
	}
	sql__string(e, t);
}

/*
 * An array operand: a string literal is an array of @oid (PostgreSQL
 * resolves the unknown literal to the other side's array type); other
 * values go through pg_array_norm, which passes JSON through and reads
 * an array still in PostgreSQL's text form (a literal inserted into an
 * array column is stored as written).
 */
static void emit_operand(struct sql__emit *e, const Node *n, uint32_t oid)
{
	const char *s = const_string(n);
	if (s != NULL && oid != 0) {
		emit_literal(e, oid, s, n->a_const->location);
		return;
	}
	bool json = n->node_case == PG_QUERY__NODE__NODE_PARAM_REF ||
		    n->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR ||
		    (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
		     const_string(n->type_cast->arg) != NULL);
	if (!json) {
		sql__put(e, "pg_array_norm(");
	}
	sql__expr(e, n);
	if (!json) {
		sql__put(e, ")");
	}
}

/* ARRAY[...], each element cast to @cast when not NULL. */
static void emit_constructor(struct sql__emit *e, const PgQuery__AArrayExpr *a,
			     const PgQuery__TypeName *cast, uint32_t elem)
{
	for (size_t i = 0; i < a->n_elements; i++) {
		if (a->elements[i]->node_case ==
		    PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
			sql__fail(e, a->location, "0A000",
				  "multidimensional arrays are not supported");
			return;
		}
	}
	if (a->n_elements == 0 && cast == NULL) {
		sql__fail(e, a->location, "42P18",
			  "cannot determine type of empty array");
		return;
	}
	if (elem == 0) {
		int32_t tm;
		for (size_t i = 0; i < a->n_elements && elem == 0; i++) {
			elem = sql__infer(a->elements[i], &tm);
		}
	}
	sql__put(e, "json_array(");
	for (size_t i = 0; i < a->n_elements; i++) {
		if (i > 0) {
			sql__put(e, ", ");
		}
		const Node *n = a->elements[i];
		if (cast != NULL && !is_null_const(n)) {
			PgQuery__TypeName tn = *cast;
			tn.n_array_bounds = 0;
			tn.array_bounds = NULL;
			PgQuery__TypeCast tc = PG_QUERY__TYPE_CAST__INIT;
			tc.arg = (Node *)n;
			tc.type_name = &tn;
			tc.location = a->location;
			Node cn = PG_QUERY__NODE__INIT;
			cn.node_case = PG_QUERY__NODE__NODE_TYPE_CAST;
			cn.type_cast = &tc;
			emit_elem(e, &cn, elem);
		} else {
			emit_elem(e, n, elem);
		}
	}
	sql__put(e, ")");
}

bool sql__array_cast(struct sql__emit *e, const PgQuery__TypeCast *tc)
{
	const PgQuery__TypeName *tn = tc->type_name;
	if (e->catalog || tn == NULL || tn->n_names == 0) {
		return false;
	}
	if (tn->n_array_bounds == 0) {
		/* arr::text: array_out. */
		const char *name = sql__str(tn->names[tn->n_names - 1]);
		uint32_t from = array_type(tc->arg);
		if (from == 0 || name == NULL ||
		    (strcmp(name, "text") != 0 && strcmp(name, "varchar") != 0 &&
		     strcmp(name, "bpchar") != 0)) {
			return false;
		}
		sql__put(e, "pg_array_out(");
		sql__expr(e, tc->arg);
		sql__putf(e, ", %u)", from);
		return true;
	}
	int32_t typmod;
	int mods[2];
	const struct sql__type *t = sql__type_resolve(e, tc->type_name, &typmod,
						      mods);
	if (t == NULL) {
		return true;
	}
	const Node *arg = tc->arg;
	int32_t tm;
	uint32_t from = sql__infer(arg, &tm);
	if (const_string(arg) != NULL) {
		emit_literal(e, t->oid, const_string(arg),
			     arg->a_const->location);
	} else if (arg->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
		emit_constructor(e, arg->a_array_expr, tc->type_name,
				 sql__array_elem(t->oid));
	} else if (arg->node_case == PG_QUERY__NODE__NODE_PARAM_REF ||
		   is_null_const(arg) || sql__array_elem(from) != 0) {
		/* Bound as this type, NULL, or an array already. */
		sql__expr(e, arg);
	} else {
		/* Text: array_in at run time. */
		sql__put(e, "pg_array_in(");
		sql__expr(e, arg);
		sql__putf(e, ", %u)", t->oid);
	}
	return true;
}

/* x op ANY (arr) / x op ALL (arr), arr not an ARRAY[...] list. */
bool sql__array_any(struct sql__emit *e, const PgQuery__AExpr *x)
{
	static const char *const ops[] = { "=", "<>", "!=", "<", ">", "<=",
					   ">=" };
	if (e->catalog || x->lexpr == NULL || x->rexpr == NULL) {
		return false;
	}
	const char *op = x->n_name == 1 ? sql__str(x->name[0]) : NULL;
	bool known = false;
	for (size_t i = 0; op != NULL && i < TR_ARRAY_LEN(ops); i++) {
		known |= strcmp(op, ops[i]) == 0;
	}
	if (!known) {
		return false;
	}
	if (strcmp(op, "!=") == 0) {
		op = "<>";
	}
	bool any = x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY;
	int32_t tm;
	uint32_t lt = sql__infer(x->lexpr, &tm);
	uint32_t at = sql__array_of(lt);
	unsigned k = e->n_tmp++;
	if (any && strcmp(op, "=") == 0) {
		sql__put(e, "(");
		sql__expr(e, x->lexpr);
		sql__put(e, " IN (SELECT value FROM json_each(");
		emit_operand(e, x->rexpr, at);
		sql__put(e, ")))");
		return true;
	}
	if (!any && strcmp(op, "<>") == 0) {
		sql__put(e, "(");
		sql__expr(e, x->lexpr);
		sql__put(e, " NOT IN (SELECT value FROM json_each(");
		emit_operand(e, x->rexpr, at);
		sql__put(e, ")))");
		return true;
	}
	/* ANY: some element satisfies it; ALL: none fails it. */
	sql__putf(e, any ? "(EXISTS (SELECT 1 FROM json_each("
			 : "(NOT EXISTS (SELECT 1 FROM json_each(");
	emit_operand(e, x->rexpr, at);
	sql__putf(e, ") AS _ae%u WHERE %s(", k, any ? "" : "NOT ");
	sql__expr(e, x->lexpr);
	sql__putf(e, " %s _ae%u.value)))", op, k);
	return true;
}

/* pg_array_cat (array.c): @a || @b, each side an array (@ka/@kb 1), an
 * element (2), or unknown until run time (0). */
static void emit_cat(struct sql__emit *e, const Node *a, int ka, const Node *b,
		     int kb, uint32_t at)
{
	uint32_t elem = sql__array_elem(at);
	sql__put(e, "pg_array_cat(");
	if (ka == 1) {
		emit_operand(e, a, at);
	} else {
		emit_elem(e, a, elem);
	}
	sql__put(e, ", ");
	if (kb == 1) {
		emit_operand(e, b, at);
	} else {
		emit_elem(e, b, elem);
	}
	sql__putf(e, ", %d, %d)", ka, kb);
}

/* a @> b: every element of b is in a (NULLs are in nothing). */
static void emit_contains(struct sql__emit *e, const Node *a, const Node *b,
			  uint32_t at)
{
	unsigned k = e->n_tmp++;
	sql__put(e, "(NOT EXISTS (SELECT 1 FROM json_each(");
	emit_operand(e, b, at);
	sql__putf(e, ") AS _cb%u WHERE NOT EXISTS (SELECT 1 FROM json_each(",
		  k);
	emit_operand(e, a, at);
	sql__putf(e, ") AS _ca%u WHERE _ca%u.value = _cb%u.value)))", k, k, k);
}

/* An operand that may be json/jsonb rather than an array: typed so, or
 * a literal that is valid JSON ('{}' included). */
static bool maybe_json(const Node *n)
{
	int32_t tm;
	uint32_t t = sql__infer(n, &tm);
	const char *s = const_string(n);
	return t == SQL_OID_JSON || t == SQL_OID_JSONB ||
	       (s != NULL && sql__json_valid(s, strlen(s)));
}

bool sql__array_op(struct sql__emit *e, const PgQuery__AExpr *x)
{
	if (e->catalog || x->lexpr == NULL || x->rexpr == NULL ||
	    x->n_name != 1) {
		return false;
	}
	const char *op = sql__str(x->name[0]);
	if (op == NULL) {
		return false;
	}
	uint32_t lt = array_type(x->lexpr), rt = array_type(x->rexpr);
	uint32_t at = lt != 0 ? lt : rt;
	if (at == 0 && (strcmp(op, "@>") == 0 || strcmp(op, "<@") == 0 ||
			strcmp(op, "&&") == 0) &&
	    (maybe_json(x->lexpr) || maybe_json(x->rexpr))) {
		return false; /* jsonb's operators, not ours */
	}
	if (strcmp(op, "@>") == 0) {
		emit_contains(e, x->lexpr, x->rexpr, at);
		return true;
	}
	if (strcmp(op, "<@") == 0) {
		emit_contains(e, x->rexpr, x->lexpr, at);
		return true;
	}
	if (strcmp(op, "&&") == 0) {
		unsigned k = e->n_tmp++;
		sql__put(e, "(EXISTS (SELECT 1 FROM json_each(");
		emit_operand(e, x->lexpr, at);
		sql__putf(e, ") AS _oa%u, json_each(", k);
		emit_operand(e, x->rexpr, at);
		sql__putf(e, ") AS _ob%u WHERE _oa%u.value = _ob%u.value))", k,
			  k, k);
		return true;
	}
	if (strcmp(op, "||") != 0 || at == 0) {
		return false;
	}
	/* Each side: an array if typed so or a string literal facing an
	 * array; else an element if typed (or a literal); else unknown. */
	int32_t tm;
	int k[2];
	const Node *side[2] = { x->lexpr, x->rexpr };
	uint32_t st[2] = { lt, rt };
	for (int i = 0; i < 2; i++) {
		if (st[i] != 0 || const_string(side[i]) != NULL) {
			k[i] = 1;
		} else if (side[i]->node_case ==
				   PG_QUERY__NODE__NODE_A_CONST ||
			   sql__infer(side[i], &tm) != 0) {
			k[i] = 2;
		} else {
			k[i] = 0;
		}
	}
	if (k[0] == 1 && k[1] == 1 && lt == 0 && rt == 0) {
		return false; /* two string literals: text */
	}
	emit_cat(e, x->lexpr, k[0], x->rexpr, k[1], at);
	return true;
}

static void emit_subscript(struct sql__emit *e, const Node *arr,
			   const PgQuery__AIndices *ix)
{
	if (!ix->is_slice) {
		const Node *i = ix->uidx;
		if (i != NULL && i->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    i->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
			int k = i->a_const->ival->ival;
			if (k < 1) {
				sql__put(e, "NULL");
				return;
			}
			sql__put(e, "json_extract(");
			emit_operand(e, arr, 0);
			sql__putf(e, ", '$[%d]')", k - 1);
			return;
		}
		sql__put(e, "(SELECT value FROM json_each(");
		emit_operand(e, arr, 0);
		sql__put(e, ") WHERE key = (");
		sql__expr(e, i);
		sql__put(e, ") - 1)");
		return;
	}
	/* arr[lo:hi], either bound optional. */
	sql__put(e, "(SELECT json_group_array(value) FROM (SELECT value "
		    "FROM json_each(");
	emit_operand(e, arr, 0);
	sql__put(e, ") WHERE 1");
	if (ix->lidx != NULL) {
		sql__put(e, " AND key >= (");
		sql__expr(e, ix->lidx);
		sql__put(e, ") - 1");
	}
	if (ix->uidx != NULL) {
		sql__put(e, " AND key <= (");
		sql__expr(e, ix->uidx);
		sql__put(e, ") - 1");
	}
	sql__put(e, " ORDER BY key))");
}

bool sql__array_sublink(struct sql__emit *e, const PgQuery__SubLink *s)
{
	if (e->catalog) {
		return false;
	}
	const Node *sub = s->subselect;
	if (sub == NULL || sub->node_case != PG_QUERY__NODE__NODE_SELECT_STMT ||
	    sub->select_stmt->n_target_list != 1 ||
	    sub->select_stmt->target_list[0]->node_case !=
		    PG_QUERY__NODE__NODE_RES_TARGET) {
		sql__fail(e, s->location, "0A000",
			  "this ARRAY(subquery) is not supported");
		return true;
	}
	const PgQuery__ResTarget *rt =
		sub->select_stmt->target_list[0]->res_target;
	const char *col = rt->name[0] != '\0' ? rt->name
					      : sql__colname(rt->val);
	int32_t tm;
	bool bytea = sql__infer(rt->val, &tm) == SQL_OID_BYTEA;
	unsigned k = e->n_tmp++;
	sql__put(e, "(SELECT json_group_array(");
	if (bytea) {
		sql__putf(e, "CASE WHEN _as%u.", k);
		sql__ident(e, col);
		sql__putf(e, " IS NULL THEN NULL ELSE '\\x' || lower(hex(_as%u.",
			  k);
		sql__ident(e, col);
		sql__put(e, ")) END");
	} else {
		sql__putf(e, "_as%u.", k);
		sql__ident(e, col);
	}
	sql__put(e, ") FROM (");
	if (++e->depth > SQL__MAX_DEPTH) {
		sql__fail(e, s->location, "54001",
			  "stack depth limit exceeded");
	} else {
		sql__select(e, sub->select_stmt);
	}
	e->depth--;
	sql__putf(e, ") AS _as%u)", k);
	return true;
}

bool sql__array_node(struct sql__emit *e, const Node *n)
{
	if (e->catalog) {
		return false;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
		emit_constructor(e, n->a_array_expr, NULL, 0);
		return true;
	case PG_QUERY__NODE__NODE_A_INDIRECTION: {
		const PgQuery__AIndirection *ind = n->a_indirection;
		if (ind->n_indirection != 1 ||
		    ind->indirection[0]->node_case !=
			    PG_QUERY__NODE__NODE_A_INDICES) {
			return false;
		}
		emit_subscript(e, ind->arg, ind->indirection[0]->a_indices);
		return true;
	}
	default:
		return false;
	}
}

/* Argument @i, which the function requires. */
static bool nargs(struct sql__emit *e, const PgQuery__FuncCall *fc,
		  const char *name, size_t min, size_t max)
{
	if (fc->n_args < min || fc->n_args > max) {
		sql__fail(e, fc->location, "42883",
			  "function %s with %zu arguments does not exist", name,
			  fc->n_args);
		return false;
	}
	if (fc->agg_distinct || fc->agg_filter != NULL || fc->over != NULL ||
	    fc->n_agg_order > 0 || fc->agg_star || fc->func_variadic) {
		sql__fail(e, fc->location, "42809",
			  "%s is not an aggregate function", name);
		return false;
	}
	return true;
}

/* An aggregated element, its type inferred. */
static void emit_elem0(struct sql__emit *e, const Node *n)
{
	emit_elem(e, n, 0);
}

static void emit_array_agg(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	if (fc->n_args != 1 || fc->agg_star || fc->func_variadic) {
		sql__fail(e, fc->location, "42883",
			  "function array_agg with %zu arguments does not "
			  "exist",
			  fc->n_args);
		return;
	}
	if (fc->agg_within_group) {
		sql__fail(e, fc->location, "0A000",
			  "ORDER BY in aggregate array_agg is not supported");
		return;
	}
	if (elem_type(fc->args[0]) != 0 ||
	    fc->args[0]->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
		sql__fail(e, fc->location, "0A000",
			  "multidimensional arrays are not supported");
		return;
	}
	bool window = fc->over != NULL;
	if (!window && (fc->n_agg_order > 0 || fc->agg_distinct)) {
		/* Sorted by the aggregate (expr.c, functions.c); no rows
		 * give NULL there too. */
		sql__ordered_agg(e, fc, true, emit_elem0);
		return;
	}
	if (!window) {
		/* No rows: NULL, as PostgreSQL's array_agg. */
		sql__put(e, "CASE WHEN count(*)");
		if (fc->agg_filter != NULL) {
			sql__put(e, " FILTER (WHERE ");
			sql__expr(e, fc->agg_filter);
			sql__put(e, ")");
		}
		sql__put(e, " = 0 THEN NULL ELSE ");
	}
	sql__put(e, fc->agg_distinct ? "json_group_array(DISTINCT "
				     : "json_group_array(");
	emit_elem(e, fc->args[0], 0);
	sql__put(e, ")");
	if (fc->agg_filter != NULL) {
		sql__put(e, " FILTER (WHERE ");
		sql__expr(e, fc->agg_filter);
		sql__put(e, ")");
	}
	if (window) {
		sql__fail(e, fc->location, "0A000",
			  "array_agg as a window function is not supported");
		return;
	}
	sql__put(e, " END");
}

bool sql__array_func(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	if (e->catalog) {
		return false;
	}
	const char *name = func_name(fc);
	if (name == NULL) {
		return false;
	}
	Node *const *a = fc->args;
	if (strcmp(name, "array_agg") == 0) {
		emit_array_agg(e, fc);
		return true;
	}
	if (strcmp(name, "array_length") == 0 ||
	    strcmp(name, "array_upper") == 0) {
		if (nargs(e, fc, name, 2, 2)) {
			sql__put(e, "CASE WHEN (");
			sql__expr(e, a[1]);
			sql__put(e, ") = 1 THEN nullif(json_array_length(");
			emit_operand(e, a[0], 0);
			sql__put(e, "), 0) END");
		}
		return true;
	}
	if (strcmp(name, "array_lower") == 0) {
		if (nargs(e, fc, name, 2, 2)) {
			sql__put(e, "CASE WHEN (");
			sql__expr(e, a[1]);
			sql__put(e, ") = 1 AND json_array_length(");
			emit_operand(e, a[0], 0);
			sql__put(e, ") > 0 THEN 1 END");
		}
		return true;
	}
	if (strcmp(name, "array_ndims") == 0) {
		if (nargs(e, fc, name, 1, 1)) {
			sql__put(e, "CASE WHEN json_array_length(");
			emit_operand(e, a[0], 0);
			sql__put(e, ") > 0 THEN 1 END");
		}
		return true;
	}
	if (strcmp(name, "cardinality") == 0) {
		if (nargs(e, fc, name, 1, 1)) {
			sql__put(e, "json_array_length(");
			emit_operand(e, a[0], 0);
			sql__put(e, ")");
		}
		return true;
	}
	if (strcmp(name, "array_position") == 0) {
		if (nargs(e, fc, name, 2, 2)) {
			unsigned k = e->n_tmp++;
			sql__put(e, "(SELECT key + 1 FROM json_each(");
			emit_operand(e, a[0], 0);
			sql__putf(e, ") AS _ap%u WHERE _ap%u.value IS ", k, k);
			emit_elem(e, a[1], elem_type(a[0]));
			sql__put(e, " ORDER BY key LIMIT 1)");
		}
		return true;
	}
	if (strcmp(name, "array_remove") == 0) {
		if (nargs(e, fc, name, 2, 2)) {
			unsigned k = e->n_tmp++;
			sql__put(e, "(SELECT json_group_array(value) FROM "
				    "(SELECT value FROM json_each(");
			emit_operand(e, a[0], 0);
			sql__putf(e, ") AS _ar%u WHERE _ar%u.value IS NOT ", k,
				  k);
			emit_elem(e, a[1], elem_type(a[0]));
			sql__put(e, " ORDER BY key))");
		}
		return true;
	}
	if (strcmp(name, "array_append") == 0) {
		if (nargs(e, fc, name, 2, 2)) {
			emit_cat(e, a[0], 1, a[1], 2, array_type(a[0]));
		}
		return true;
	}
	if (strcmp(name, "array_prepend") == 0) {
		if (nargs(e, fc, name, 2, 2)) {
			emit_cat(e, a[0], 2, a[1], 1, array_type(a[1]));
		}
		return true;
	}
	if (strcmp(name, "array_cat") == 0) {
		if (nargs(e, fc, name, 2, 2)) {
			uint32_t at = array_type(a[0]);
			emit_cat(e, a[0], 1, a[1], 1,
				 at != 0 ? at : array_type(a[1]));
		}
		return true;
	}
	if (strcmp(name, "array_to_string") == 0) {
		if (nargs(e, fc, name, 2, 3)) {
			uint32_t at = array_type(a[0]);
			sql__put(e, "pg_array_to_string(");
			emit_operand(e, a[0], 0);
			sql__putf(e, ", %u, ", at != 0 ? at : 1009);
			sql__expr_list(e, a + 1, fc->n_args - 1);
			sql__put(e, ")");
		}
		return true;
	}
	if (strcmp(name, "string_to_array") == 0) {
		if (nargs(e, fc, name, 2, 3)) {
			sql__put(e, "pg_string_to_array(");
			sql__expr_list(e, a, fc->n_args);
			sql__put(e, ")");
		}
		return true;
	}
	if (strcmp(name, "unnest") == 0) {
		sql__fail(e, fc->location, "0A000",
			  "unnest is supported in FROM only");
		return true;
	}
	return false;
}

void sql__array_unnest_source(struct sql__emit *e, const Node *arg)
{
	sql__put(e, "pg_unnest(");
	emit_operand(e, arg, array_type(arg));
	sql__put(e, ")");
}

bool sql__array_range_function(struct sql__emit *e,
			       const PgQuery__RangeFunction *rf)
{
	const PgQuery__FuncCall *fc = sql__range_function_call(rf);
	if (e->catalog || fc == NULL) {
		return false;
	}
	const char *name = func_name(fc);
	if (name == NULL || strcmp(name, "unnest") != 0) {
		return false;
	}
	if (fc->n_args != 1) {
		sql__fail(e, fc->location, "0A000",
			  "unnest of several arrays is not supported");
		return true;
	}
	if (rf->lateral || rf->is_rowsfrom || rf->n_coldeflist > 0) {
		sql__fail(e, fc->location, "0A000",
			  "LATERAL, ROWS FROM and column definitions are not "
			  "supported for unnest");
		return true;
	}
	const PgQuery__Alias *al = rf->alias;
	const char *table = al != NULL && al->aliasname[0] != '\0'
				    ? al->aliasname
				    : "unnest";
	const char *col = table;
	const char *ord = "ordinality";
	if (al != NULL && al->n_colnames > 0 && sql__str(al->colnames[0])) {
		col = sql__str(al->colnames[0]);
	}
	if (al != NULL && al->n_colnames > 1 && sql__str(al->colnames[1])) {
		ord = sql__str(al->colnames[1]);
	}
	if (al != NULL && al->n_colnames > (rf->ordinality ? 2u : 1u)) {
		sql__fail(e, fc->location, "42601",
			  "too many column aliases specified for function "
			  "unnest");
		return true;
	}
	uint32_t at = array_type(fc->args[0]);
	sql__put(e, "(SELECT value AS ");
	sql__ident(e, col);
	if (rf->ordinality) {
		sql__put(e, ", key + 1 AS ");
		sql__ident(e, ord);
	}
	sql__put(e, " FROM json_each(");
	emit_operand(e, fc->args[0], at);
	sql__put(e, ") ORDER BY key) AS ");
	sql__ident(e, table);
	return true;
}

/* The array of @elem; of an unknown element, text[] once the column
 * types are known (sql_infer_result_types), else unknown so that pass
 * runs. */
static uint32_t array_of(uint32_t elem)
{
	uint32_t t = sql__array_of(elem);
	return t != 0 || sql__colres == NULL ? t : 1009;
}

static uint32_t infer(const Node *n, int32_t *typmod, bool *mine)
{
	int32_t tm;
	*mine = true;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: {
		const PgQuery__AArrayExpr *a = n->a_array_expr;
		for (size_t i = 0; i < a->n_elements; i++) {
			uint32_t t = sql__infer(a->elements[i], &tm);
			if (t != 0 && !is_null_const(a->elements[i])) {
				return array_of(t);
			}
		}
		return 0;
	}
	case PG_QUERY__NODE__NODE_A_INDIRECTION: {
		const PgQuery__AIndirection *ind = n->a_indirection;
		if (ind->n_indirection != 1 ||
		    ind->indirection[0]->node_case !=
			    PG_QUERY__NODE__NODE_A_INDICES) {
			*mine = false;
			return 0;
		}
		uint32_t t = sql__infer(ind->arg, typmod);
		if (ind->indirection[0]->a_indices->is_slice) {
			return sql__array_elem(t) != 0 ? t : 0;
		}
		*typmod = -1;
		return sql__array_elem(t);
	}
	case PG_QUERY__NODE__NODE_SUB_LINK: {
		const PgQuery__SubLink *s = n->sub_link;
		if (s->sub_link_type !=
		    PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK) {
			*mine = false;
			return 0;
		}
		if (s->subselect == NULL ||
		    s->subselect->node_case !=
			    PG_QUERY__NODE__NODE_SELECT_STMT ||
		    s->subselect->select_stmt->n_target_list != 1 ||
		    s->subselect->select_stmt->target_list[0]->node_case !=
			    PG_QUERY__NODE__NODE_RES_TARGET) {
			return 0;
		}
		return array_of(sql__infer(
			s->subselect->select_stmt->target_list[0]
				->res_target->val,
			&tm));
	}
	case PG_QUERY__NODE__NODE_A_EXPR: {
		const PgQuery__AExpr *x = n->a_expr;
		const char *op = x->n_name == 1 ? sql__str(x->name[0]) : NULL;
		if (x->kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP ||
		    op == NULL || x->lexpr == NULL) {
			*mine = false;
			return 0;
		}
		if (strcmp(op, "@>") == 0 || strcmp(op, "<@") == 0 ||
		    strcmp(op, "&&") == 0) {
			return SQL_OID_BOOL;
		}
		if (strcmp(op, "||") == 0) {
			uint32_t l = array_type(x->lexpr);
			l = l != 0 ? l : array_type(x->rexpr);
			*mine = l != 0;
			return l;
		}
		*mine = false;
		return 0;
	}
	case PG_QUERY__NODE__NODE_FUNC_CALL: {
		const PgQuery__FuncCall *fc = n->func_call;
		const char *name = func_name(fc);
		if (name == NULL || fc->n_args == 0) {
			*mine = false;
			return 0;
		}
		if (strcmp(name, "array_agg") == 0) {
			/* Elements keep a numeric's display scale. */
			uint32_t t = sql__infer(fc->args[0], &tm);
			if (t == SQL_OID_NUMERIC) {
				*typmod = tm;
			}
			return array_of(t);
		}
		if (strcmp(name, "array_length") == 0 ||
		    strcmp(name, "array_upper") == 0 ||
		    strcmp(name, "array_lower") == 0 ||
		    strcmp(name, "array_ndims") == 0 ||
		    strcmp(name, "array_position") == 0 ||
		    strcmp(name, "cardinality") == 0) {
			return SQL_OID_INT4;
		}
		if (strcmp(name, "array_to_string") == 0) {
			return SQL_OID_TEXT;
		}
		if (strcmp(name, "string_to_array") == 0) {
			return 1009;
		}
		if (strcmp(name, "array_append") == 0 ||
		    strcmp(name, "array_remove") == 0 ||
		    strcmp(name, "array_cat") == 0) {
			uint32_t t = array_type(fc->args[0]);
			return t != 0 || fc->n_args < 2
				       ? t
				       : array_type(fc->args[1]);
		}
		if (strcmp(name, "array_prepend") == 0 && fc->n_args == 2) {
			return array_type(fc->args[1]);
		}
		if (strcmp(name, "unnest") == 0) {
			return elem_type(fc->args[0]);
		}
		*mine = false;
		return 0;
	}
	default:
		*mine = false;
		return 0;
	}
}

bool sql__array_infer(const Node *n, int32_t *typmod, uint32_t *oid)
{
	bool mine;
	*oid = infer(n, typmod, &mine);
	return mine;
}
