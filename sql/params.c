/*
 * sql/params.c: what a statement says about the types of its parameters.
 *
 *   sql__params                   at translation: n_params and, per $n, a
 *                                 static type or a column context
 *   sql_catalog_describe_params   (catalog.c) turns that into OIDs
 *
 * The tree is walked generically through protobuf-c's descriptors, so
 * every $n anywhere counts towards n_params; the node kinds that give a
 * parameter a type are handled on the way (PostgreSQL's rules, simplified,
 * as sql-translation.md §3.3 lists them):
 *
 *   $1::type                          the cast's type (strongest)
 *   LIMIT $1, OFFSET $1               int8
 *   x LIKE $1, $1 ~ x, $1 || x        text
 *   f($1) for known functions         the argument's type (lower: text)
 *   NOT $1, $1 AND x                  bool
 *   x op $1, x IN ($1), BETWEEN,      x's static type (sql__infer), or if
 *   IS DISTINCT FROM, NULLIF          x is a column, that column
 *   INSERT INTO t (c) VALUES ($1)     column c of t (by position without
 *   INSERT INTO t (c) SELECT $1       a column list)
 *   UPDATE t SET c = $1, ON CONFLICT  column c of t
 *   DO UPDATE SET c = $1
 *
 * A column is recorded as the candidate tables in scope (inner FROM lists
 * first; a qualified reference names its table through the alias); the
 * mirror picks the first table that has the column.  CTEs and subqueries
 * in FROM are not tables: references to them stay untyped.
 *
 * Two passes: the first finds the highest $n (and the CTE names), the
 * second records types into an array of that size.
 */
#include <string.h>

#include "sql/sql_int.h"

/* PostgreSQL's limit: a Bind message counts parameters in an int16. */
#define MAX_PARAMS 65535

/* How sure a static type is: a cast beats context. */
enum { RANK_NONE, RANK_CONTEXT, RANK_CAST };

/* A FROM item visible to column references. */
struct rel {
	const char *name;  /* alias, or the relation name */
	const char *table; /* base table; NULL for subqueries, CTEs, ... */
};

struct scope {
	const struct scope *up;
	size_t n;
	struct rel *rels; /* arena */
};

struct walk {
	struct sql__emit *e;
	int max;                  /* highest $n seen */
	struct sql_param *params; /* NULL in the counting pass */
	unsigned char *rank;      /* per parameter */
	const char **ctes;        /* CTE names (arena) */
	size_t n_ctes, cap_ctes;
	int depth;
	bool oom;
};

static void visit(struct walk *w, const struct scope *sc,
		  const ProtobufCMessage *m);

/* ---------------------------------------------------------------------
 * Recording
 * ------------------------------------------------------------------- */

static struct sql_param *param_of(struct walk *w, const Node *n)
{
	if (w->params == NULL || n == NULL ||
	    n->node_case != PG_QUERY__NODE__NODE_PARAM_REF) {
		return NULL;
	}
	int k = n->param_ref->number;
	if (k < 1 || k > w->max) {
		return NULL;
	}
	return &w->params[k - 1];
}

static void set_static(struct walk *w, const Node *n, uint32_t oid,
		       int32_t typmod, unsigned char rank)
{
	struct sql_param *p = param_of(w, n);
	if (p == NULL || oid == 0) {
		return;
	}
	unsigned char *r = &w->rank[p - w->params];
	if (rank > *r) {
		*r = rank;
		p->oid = oid;
		p->typmod = typmod;
	}
}

static bool is_cte(const struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->n_ctes; i++) {
		if (strcmp(w->ctes[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/* Column context for @n: @column (or position @colno) of @tables. */
static void set_column(struct walk *w, const Node *n, const char **tables,
		       unsigned n_tables, const char *column, int colno)
{
	struct sql_param *p = param_of(w, n);
	if (p == NULL || p->n_tables > 0 || n_tables == 0) {
		return;
	}
	/* The tree's strings die with sql_parse's private arena: copy. */
	const char **t = tr_arena_alloc(w->e->a, n_tables * sizeof *t);
	if (t == NULL) {
		w->oom = true;
		return;
	}
	for (unsigned i = 0; i < n_tables; i++) {
		t[i] = tr_arena_strdup(w->e->a, tables[i]);
		w->oom |= t[i] == NULL;
	}
	const char *c = NULL;
	if (column != NULL) {
		c = tr_arena_strdup(w->e->a, column);
		w->oom |= c == NULL;
	}
	if (w->oom) {
		return;
	}
	p->tables = t;
	p->n_tables = n_tables;
	p->column = c;
	p->colno = colno;
}

/* One table as a candidate list. */
static const char **one_table(struct walk *w, const char *table)
{
	const char **t = tr_arena_alloc(w->e->a, sizeof *t);
	if (t == NULL) {
		w->oom = true;
		return NULL;
	}
	t[0] = table;
	return t;
}

/* Column context from a column reference resolved in @sc. */
static void column_ref_ctx(struct walk *w, const struct scope *sc,
			   const Node *param, const PgQuery__ColumnRef *c)
{
	struct sql_param *p = param_of(w, param);
	if (p == NULL || p->n_tables > 0 || c->n_fields == 0 ||
	    c->n_fields > 3) {
		return;
	}
	const char *col = sql__str(c->fields[c->n_fields - 1]);
	const char *qual = c->n_fields >= 2
				   ? sql__str(c->fields[c->n_fields - 2])
				   : NULL;
	if (col == NULL || (c->n_fields >= 2 && qual == NULL)) {
		return;
	}
	if (qual != NULL) {
		for (const struct scope *s = sc; s != NULL; s = s->up) {
			for (size_t i = 0; i < s->n; i++) {
				if (strcmp(s->rels[i].name, qual) != 0) {
					continue;
				}
				if (s->rels[i].table != NULL) {
					const char **t = one_table(
						w, s->rels[i].table);
					if (t != NULL) {
						set_column(w, param, t, 1, col,
							   -1);
					}
				}
				return;
			}
		}
		return;
	}
	size_t n = 0;
	for (const struct scope *s = sc; s != NULL; s = s->up) {
		n += s->n;
	}
	if (n == 0) {
		return;
	}
	const char **t = tr_arena_alloc(w->e->a, n * sizeof *t);
	if (t == NULL) {
		w->oom = true;
		return;
	}
	unsigned k = 0;
	for (const struct scope *s = sc; s != NULL; s = s->up) {
		for (size_t i = 0; i < s->n; i++) {
			if (s->rels[i].table != NULL) {
				t[k++] = s->rels[i].table;
			}
		}
	}
	set_column(w, param, t, k, col, -1);
}

/* @param takes the type of @other: its static type, or its column. */
static void typed_by(struct walk *w, const struct scope *sc, const Node *param,
		     const Node *other)
{
	if (param_of(w, param) == NULL || other == NULL) {
		return;
	}
	int32_t tm;
	uint32_t t = sql__infer(other, &tm);
	if (t != 0) {
		set_static(w, param, t, tm, RANK_CONTEXT);
		return;
	}
	if (other->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
		column_ref_ctx(w, sc, param, other->column_ref);
	}
}

/* x op ANY (arr) with a parameter on either side (array.c). */
static void any_array(struct walk *w, const struct scope *sc, const Node *l,
		      const Node *r)
{
	int32_t tm;
	struct sql_param *p = param_of(w, r);
	if (p != NULL) {
		uint32_t t = sql__infer(l, &tm);
		if (t != 0) {
			set_static(w, r, sql__array_of(t), -1, RANK_CONTEXT);
		} else if (l->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
			   p->n_tables == 0) {
			column_ref_ctx(w, sc, r, l->column_ref);
			p->array_of = p->n_tables > 0;
		}
	}
	p = param_of(w, l);
	if (p != NULL) {
		uint32_t t = sql__array_elem(sql__infer(r, &tm));
		if (t != 0) {
			set_static(w, l, t, -1, RANK_CONTEXT);
		} else if (r->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
			   p->n_tables == 0) {
			column_ref_ctx(w, sc, l, r->column_ref);
			p->elem_of = p->n_tables > 0;
		}
	}
}

/* ---------------------------------------------------------------------
 * Scopes
 * ------------------------------------------------------------------- */

static void add_rel(struct walk *w, struct scope *sc, size_t cap,
		    const char *name, const char *table)
{
	if (sc->n < cap && name != NULL) {
		sc->rels[sc->n].name = name;
		sc->rels[sc->n].table = table;
		sc->n++;
	}
	TR_UNUSED(w);
}

static size_t count_rels(const Node *n, int depth)
{
	if (n == NULL || depth > SQL__MAX_DEPTH) {
		return 0;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_JOIN_EXPR) {
		return 1 + count_rels(n->join_expr->larg, depth + 1) +
		       count_rels(n->join_expr->rarg, depth + 1);
	}
	return 1;
}

static const char *alias_of(const PgQuery__Alias *al)
{
	return al != NULL && al->aliasname[0] != '\0' ? al->aliasname : NULL;
}

static void add_from_item(struct walk *w, struct scope *sc, size_t cap,
			  const Node *n, int depth)
{
	if (n == NULL || depth > SQL__MAX_DEPTH) {
		return;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_RANGE_VAR: {
		const PgQuery__RangeVar *rv = n->range_var;
		const char *al = alias_of(rv->alias);
		bool cte = rv->schemaname[0] == '\0' && is_cte(w, rv->relname);
		add_rel(w, sc, cap, al != NULL ? al : rv->relname,
			cte ? NULL : rv->relname);
		break;
	}
	case PG_QUERY__NODE__NODE_RANGE_SUBSELECT:
		add_rel(w, sc, cap, alias_of(n->range_subselect->alias), NULL);
		break;
	case PG_QUERY__NODE__NODE_RANGE_FUNCTION:
		add_rel(w, sc, cap, alias_of(n->range_function->alias), NULL);
		break;
	case PG_QUERY__NODE__NODE_JOIN_EXPR:
		add_from_item(w, sc, cap, n->join_expr->larg, depth + 1);
		add_from_item(w, sc, cap, n->join_expr->rarg, depth + 1);
		add_rel(w, sc, cap, alias_of(n->join_expr->alias), NULL);
		break;
	default:
		break;
	}
}

/* A scope over @target (may be NULL) and the FROM items @items. */
static bool make_scope(struct walk *w, struct scope *sc, const struct scope *up,
		       const PgQuery__RangeVar *target, Node *const *items,
		       size_t n_items)
{
	size_t cap = target != NULL ? 2 : 0;
	for (size_t i = 0; i < n_items; i++) {
		cap += count_rels(items[i], 0);
	}
	sc->up = up;
	sc->n = 0;
	sc->rels = NULL;
	if (cap == 0) {
		return true;
	}
	sc->rels = tr_arena_alloc(w->e->a, cap * sizeof *sc->rels);
	if (sc->rels == NULL) {
		w->oom = true;
		return false;
	}
	if (target != NULL) {
		const char *al = alias_of(target->alias);
		add_rel(w, sc, cap, al != NULL ? al : target->relname,
			target->relname);
	}
	for (size_t i = 0; i < n_items; i++) {
		add_from_item(w, sc, cap, items[i], 0);
	}
	return true;
}

static void note_ctes(struct walk *w, const PgQuery__WithClause *wc)
{
	if (wc == NULL || w->params != NULL) {
		return;
	}
	for (size_t i = 0; i < wc->n_ctes; i++) {
		const Node *c = wc->ctes[i];
		if (c->node_case != PG_QUERY__NODE__NODE_COMMON_TABLE_EXPR) {
			continue;
		}
		if (w->n_ctes == w->cap_ctes) {
			size_t cap = w->cap_ctes == 0 ? 8 : 2 * w->cap_ctes;
			const char **n = tr_arena_alloc(w->e->a,
							cap * sizeof *n);
			if (n == NULL) {
				w->oom = true;
				return;
			}
			if (w->n_ctes > 0) {
				memcpy(n, w->ctes, w->n_ctes * sizeof *n);
			}
			w->ctes = n;
			w->cap_ctes = cap;
		}
		w->ctes[w->n_ctes++] = c->common_table_expr->ctename;
	}
}

/* ---------------------------------------------------------------------
 * Node handlers
 * ------------------------------------------------------------------- */

struct children {
	struct walk *w;
	const struct scope *sc;
};

static bool visit_child(const ProtobufCMessage *c, void *ctx)
{
	const struct children *ch = ctx;
	visit(ch->w, ch->sc, c);
	return false;
}

/* Children of any message, through its descriptor. */
static void walk_children(struct walk *w, const struct scope *sc,
			  const ProtobufCMessage *m)
{
	struct children ch = { w, sc };
	(void)sql__children(m, visit_child, &ch);
}

static void select_stmt(struct walk *w, const struct scope *sc,
			const PgQuery__SelectStmt *s)
{
	note_ctes(w, s->with_clause);
	struct scope own;
	if (!make_scope(w, &own, sc, NULL, s->from_clause, s->n_from_clause)) {
		return;
	}
	set_static(w, s->limit_count, SQL_OID_INT8, -1, RANK_CONTEXT);
	set_static(w, s->limit_offset, SQL_OID_INT8, -1, RANK_CONTEXT);
	walk_children(w, &own, &s->base);
}

/* The name of ResTarget @n (INSERT column list, SET target). */
static const char *target_name(const Node *n)
{
	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_RES_TARGET ||
	    n->res_target->name[0] == '\0') {
		return NULL;
	}
	return n->res_target->name;
}

/* SET a = $1, (b, c) = ($2, $3) against @table. */
static void set_list(struct walk *w, const char **table, Node *const *targets,
		     size_t n)
{
	if (table == NULL) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (targets[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET) {
			continue;
		}
		const PgQuery__ResTarget *rt = targets[i]->res_target;
		const Node *v = rt->val;
		if (v != NULL &&
		    v->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) {
			const PgQuery__MultiAssignRef *m = v->multi_assign_ref;
			const Node *src = m->source;
			if (m->colno < 1 || src == NULL ||
			    src->node_case != PG_QUERY__NODE__NODE_ROW_EXPR ||
			    (size_t)m->colno > src->row_expr->n_args) {
				continue;
			}
			set_column(w, src->row_expr->args[m->colno - 1], table,
				   1, rt->name, -1);
			continue;
		}
		set_column(w, v, table, 1, rt->name, -1);
	}
}

static void insert_stmt(struct walk *w, const struct scope *sc,
			const PgQuery__InsertStmt *s)
{
	note_ctes(w, s->with_clause);
	const PgQuery__RangeVar *rv = s->relation;
	const char **table = w->params != NULL && rv != NULL
				     ? one_table(w, rv->relname)
				     : NULL;
	const PgQuery__SelectStmt *src =
		s->select_stmt != NULL &&
				s->select_stmt->node_case ==
					PG_QUERY__NODE__NODE_SELECT_STMT
			? s->select_stmt->select_stmt
			: NULL;
	if (table != NULL && src != NULL &&
	    src->op == PG_QUERY__SET_OPERATION__SETOP_NONE) {
		for (size_t r = 0; r < src->n_values_lists; r++) {
			const Node *row = src->values_lists[r];
			if (row->node_case != PG_QUERY__NODE__NODE_LIST) {
				continue;
			}
			for (size_t k = 0; k < row->list->n_items; k++) {
				const char *col = k < s->n_cols
							  ? target_name(
								    s->cols[k])
							  : NULL;
				if (s->n_cols > 0 && col == NULL) {
					continue;
				}
				set_column(w, row->list->items[k], table, 1,
					   col, (int)k);
			}
		}
		for (size_t k = 0; k < src->n_target_list; k++) {
			const Node *t = src->target_list[k];
			const char *col = k < s->n_cols
						  ? target_name(s->cols[k])
						  : NULL;
			if (t->node_case != PG_QUERY__NODE__NODE_RES_TARGET ||
			    (s->n_cols > 0 && col == NULL)) {
				continue;
			}
			set_column(w, t->res_target->val, table, 1, col,
				   (int)k);
		}
	}
	struct scope own;
	if (!make_scope(w, &own, sc, rv, NULL, 0)) {
		return;
	}
	const PgQuery__OnConflictClause *oc = s->on_conflict_clause;
	if (oc != NULL && own.n > 0 && rv != NULL) {
		/* EXCLUDED is the proposed row. */
		own.rels[own.n].name = "excluded";
		own.rels[own.n].table = rv->relname;
		own.n++;
		set_list(w, table, oc->target_list, oc->n_target_list);
	}
	walk_children(w, &own, &s->base);
}

static void update_stmt(struct walk *w, const struct scope *sc,
			const PgQuery__UpdateStmt *s)
{
	note_ctes(w, s->with_clause);
	const PgQuery__RangeVar *rv = s->relation;
	if (w->params != NULL && rv != NULL) {
		set_list(w, one_table(w, rv->relname), s->target_list,
			 s->n_target_list);
	}
	struct scope own;
	if (!make_scope(w, &own, sc, rv, s->from_clause, s->n_from_clause)) {
		return;
	}
	walk_children(w, &own, &s->base);
}

static void delete_stmt(struct walk *w, const struct scope *sc,
			const PgQuery__DeleteStmt *s)
{
	note_ctes(w, s->with_clause);
	struct scope own;
	if (!make_scope(w, &own, sc, s->relation, s->using_clause,
			s->n_using_clause)) {
		return;
	}
	walk_children(w, &own, &s->base);
}

static bool op_is(const char *op, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(op, set[i]) == 0) {
			return true;
		}
	}
	return false;
}

static void a_expr(struct walk *w, const struct scope *sc,
		   const PgQuery__AExpr *x)
{
	static const char *const same[] = { "=",  "<>", "!=", "<", ">", "<=",
					    ">=", "+",  "-",  "*", "/", "%" };
	static const char *const text[] = { "||", "~",   "~*",  "!~",  "!~*",
					    "~~", "~~*", "!~~", "!~~*" };
	const char *op = x->n_name > 0 ? sql__str(x->name[x->n_name - 1])
				       : NULL;
	const Node *l = x->lexpr, *r = x->rexpr;
	switch (x->kind) {
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP:
		if (op == NULL || l == NULL) {
			break;
		}
		if (op_is(op, text, TR_ARRAY_LEN(text))) {
			set_static(w, l, SQL_OID_TEXT, -1, RANK_CONTEXT);
			set_static(w, r, SQL_OID_TEXT, -1, RANK_CONTEXT);
		} else if (op_is(op, same, TR_ARRAY_LEN(same))) {
			typed_by(w, sc, l, r);
			typed_by(w, sc, r, l);
		}
		break;
	case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF:
		typed_by(w, sc, l, r);
		typed_by(w, sc, r, l);
		break;
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL:
		if (r != NULL &&
		    r->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
			const PgQuery__AArrayExpr *arr = r->a_array_expr;
			for (size_t i = 0; i < arr->n_elements; i++) {
				typed_by(w, sc, arr->elements[i], l);
			}
		} else if (l != NULL && r != NULL) {
			/* x op ANY ($1): $1 is x's array type; $1 op ANY
			 * (arr): $1 is arr's element type. */
			any_array(w, sc, l, r);
		}
		break;
	case PG_QUERY__A__EXPR__KIND__AEXPR_IN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM:
		if (r == NULL || r->node_case != PG_QUERY__NODE__NODE_LIST) {
			break;
		}
		for (size_t i = 0; i < r->list->n_items; i++) {
			typed_by(w, sc, r->list->items[i], l);
			typed_by(w, sc, l, r->list->items[i]);
		}
		break;
	case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
	case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
	case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR:
		set_static(w, l, SQL_OID_TEXT, -1, RANK_CONTEXT);
		set_static(w, r, SQL_OID_TEXT, -1, RANK_CONTEXT);
		break;
	default:
		break;
	}
}

/*
 * Argument types of functions whose parameters PostgreSQL would resolve
 * unambiguously: one letter per argument, the last repeated ('t' text,
 * 'i' int4, 'n' numeric, 'f' float8, 'T' timestamptz, '.' unknown).
 */
static const struct {
	const char *name;
	const char *args;
} func_args[] = {
	{ "lower", "t" },
	{ "upper", "t" },
	{ "initcap", "t" },
	{ "btrim", "t" },
	{ "ltrim", "t" },
	{ "rtrim", "t" },
	{ "md5", "t" },
	{ "reverse", "t" },
	{ "length", "t" },
	{ "char_length", "t" },
	{ "character_length", "t" },
	{ "octet_length", "t" },
	{ "ascii", "t" },
	{ "strpos", "t" },
	{ "starts_with", "t" },
	{ "replace", "t" },
	{ "translate", "t" },
	{ "concat", "t" },
	{ "concat_ws", "t" },
	{ "format", "t" },
	{ "string_agg", "t" },
	{ "split_part", "tti" },
	{ "lpad", "tit" },
	{ "rpad", "tit" },
	{ "left", "ti" },
	{ "right", "ti" },
	{ "repeat", "ti" },
	{ "substr", "tii" },
	{ "substring", "tii" },
	{ "chr", "i" },
	{ "similar_to_escape", "t" },
	{ "similar_escape", "t" },
	{ "to_char", ".t" },
	{ "date_trunc", "tT" },
	{ "date_part", "tT" },
	{ "sqrt", "f" },
	{ "exp", "f" },
	{ "ln", "f" },
	{ "power", "f" },
	{ "pow", "f" },
	{ "round", "ni" },
	{ "trunc", "ni" },
	{ "generate_series", "." },
	{ "regexp_replace", "ttt." },
	{ "regexp_match", "t" },
	{ "regexp_split_to_array", "t" },
	{ "regexp_like", "t" },
	{ "regexp_count", "ttit" },
	{ "quote_ident", "t" },
	{ "quote_literal", "t" },
	{ "quote_nullable", "t" },
	{ "make_date", "i" },
	{ "make_time", "iif" },
	{ "make_timestamp", "iiiiif" },
	{ "make_timestamptz", "iiiiift" },
	{ "to_date", "t" },
	{ "timezone", "t." },
	{ "log10", "f" },
	{ "asin", "f" },
	{ "acos", "f" },
};

static void func_call(struct walk *w, const struct scope *sc,
		      const PgQuery__FuncCall *fc)
{
	TR_UNUSED(sc);
	if (fc->n_funcname == 0) {
		return;
	}
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	if (name == NULL) {
		return;
	}
	/* Advisory lock keys (advisory.c): bigint, or two integers. */
	uint32_t key = sql__advisory_key_type(name, fc->n_args);
	for (size_t k = 0; key != 0 && k < fc->n_args; k++) {
		set_static(w, fc->args[k], key, -1, RANK_CONTEXT);
	}
	for (size_t i = 0; key == 0 && i < TR_ARRAY_LEN(func_args); i++) {
		if (strcmp(func_args[i].name, name) != 0) {
			continue;
		}
		const char *a = func_args[i].args;
		if (strcmp(name, "substring") == 0 && fc->n_args == 2) {
			a = "t"; /* substring(s from pattern): text wins */
		}
		size_t n = strlen(a);
		for (size_t k = 0; k < fc->n_args; k++) {
			char c = a[k < n ? k : n - 1];
			uint32_t oid = c == 't'   ? SQL_OID_TEXT
				       : c == 'i' ? SQL_OID_INT4
				       : c == 'n' ? SQL_OID_NUMERIC
				       : c == 'f' ? SQL_OID_FLOAT8
				       : c == 'T' ? SQL_OID_TIMESTAMPTZ
						  : 0;
			set_static(w, fc->args[k], oid, -1, RANK_CONTEXT);
		}
		return;
	}
}

/* COALESCE, GREATEST/LEAST, CASE: parameters take a sibling's type. */
static void siblings(struct walk *w, const struct scope *sc, Node *const *items,
		     size_t n)
{
	const Node *typed = NULL;
	for (size_t i = 0; i < n && typed == NULL; i++) {
		if (items[i]->node_case != PG_QUERY__NODE__NODE_PARAM_REF) {
			typed = items[i];
		}
	}
	for (size_t i = 0; i < n && typed != NULL; i++) {
		typed_by(w, sc, items[i], typed);
	}
}

static void node(struct walk *w, const struct scope *sc, const Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_PARAM_REF: {
		int k = n->param_ref->number;
		if (k > MAX_PARAMS) {
			sql__fail(w->e, n->param_ref->location, "42P02",
				  "there is no parameter $%d", k);
		} else if (k > w->max) {
			w->max = k;
		}
		return;
	}
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		select_stmt(w, sc, n->select_stmt);
		return;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		insert_stmt(w, sc, n->insert_stmt);
		return;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		update_stmt(w, sc, n->update_stmt);
		return;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		delete_stmt(w, sc, n->delete_stmt);
		return;
	case PG_QUERY__NODE__NODE_A_EXPR:
		a_expr(w, sc, n->a_expr);
		break;
	case PG_QUERY__NODE__NODE_TYPE_CAST: {
		int32_t tm;
		uint32_t t = sql__infer(n, &tm);
		set_static(w, n->type_cast->arg, t, tm, RANK_CAST);
		break;
	}
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		func_call(w, sc, n->func_call);
		break;
	case PG_QUERY__NODE__NODE_BOOL_EXPR:
		for (size_t i = 0; i < n->bool_expr->n_args; i++) {
			set_static(w, n->bool_expr->args[i], SQL_OID_BOOL, -1,
				   RANK_CONTEXT);
		}
		break;
	case PG_QUERY__NODE__NODE_COALESCE_EXPR:
		siblings(w, sc, n->coalesce_expr->args,
			 n->coalesce_expr->n_args);
		break;
	case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
		siblings(w, sc, n->min_max_expr->args, n->min_max_expr->n_args);
		break;
	case PG_QUERY__NODE__NODE_CASE_EXPR: {
		const PgQuery__CaseExpr *c = n->case_expr;
		for (size_t i = 0; i < c->n_args; i++) {
			const Node *cw = c->args[i];
			if (cw->node_case != PG_QUERY__NODE__NODE_CASE_WHEN) {
				continue;
			}
			if (c->arg != NULL) {
				typed_by(w, sc, cw->case_when->expr, c->arg);
				typed_by(w, sc, c->arg, cw->case_when->expr);
			} else {
				set_static(w, cw->case_when->expr, SQL_OID_BOOL,
					   -1, RANK_CONTEXT);
			}
		}
		break;
	}
	default:
		break;
	}
	walk_children(w, sc, &n->base);
}

static void visit(struct walk *w, const struct scope *sc,
		  const ProtobufCMessage *m)
{
	/* The emitter bounds expression nesting; this bounds the walk for
	 * every other shape (each Node is two levels here). */
	if (w->oom || w->depth > 4 * SQL__MAX_DEPTH) {
		return;
	}
	w->depth++;
	if (m->descriptor == &pg_query__node__descriptor) {
		node(w, sc, (const Node *)m);
	} else {
		walk_children(w, sc, m);
	}
	w->depth--;
}

int sql__params(struct sql__emit *e, const Node *n)
{
	struct walk w = { .e = e };
	visit(&w, NULL, &n->base);
	if (w.max > 0 && !w.oom) {
		size_t k = (size_t)w.max;
		w.params = tr_arena_alloc(e->a, k * sizeof *w.params);
		w.rank = tr_arena_alloc(e->a, k);
		if (w.params == NULL || w.rank == NULL) {
			w.oom = true;
		} else {
			memset(w.params, 0, k * sizeof *w.params);
			memset(w.rank, 0, k);
			for (size_t i = 0; i < k; i++) {
				w.params[i].typmod = -1;
				w.params[i].colno = -1;
			}
			visit(&w, NULL, &n->base);
		}
	}
	if (w.oom) {
		return TR_ENOMEM;
	}
	e->stmt->n_params = (unsigned)w.max;
	e->stmt->params = w.params;
	return TR_OK;
}
