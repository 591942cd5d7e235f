/*
 * sql/grouping.c: GROUP BY GROUPING SETS, ROLLUP and CUBE, and GROUPING().
 *
 * SQLite groups by one list of expressions.  A query with grouping sets
 * is written by query.c as a UNION ALL of one grouped query per set
 * (see grouping_select there); this file provides what that needs:
 *
 * - sql__grouping_expand: the sets of the GROUP BY clause, expanded as
 *   PostgreSQL does (expand_grouping_sets): the items of the clause are
 *   multiplied out, ROLLUP (a, b) is (a, b), (a), (); CUBE (a, b) every
 *   subset; GROUPING SETS the concatenation of its items' sets; a
 *   parenthesised list is one unit.  Duplicated sets are kept (PostgreSQL
 *   outputs their groups once per set).
 * - the emit hook (sql__grouping_node): while the select list, HAVING or
 *   ORDER BY of one set is written, an expression equal to a grouping
 *   expression that is not in the set is written as NULL, except inside
 *   an aggregate's arguments (which read the input rows), and
 *   GROUPING(a, b) is the constant bit mask of the absent arguments.
 *
 * Two expressions are equal when their parse trees are, locations aside;
 * a column written with and without its table's name counts as the same
 * column (PostgreSQL compares resolved columns).
 */
#include <string.h>

#include "sql/sql_int.h"

/* PostgreSQL's limits (parse_agg.c, gram.y). */
#define MAX_SETS      4096
#define MAX_CUBE      12
/* SQLite's compound SELECT limit is 500 arms. */
#define MAX_ARMS      256
#define MAX_GROUP_EXP 256

/* ---------------------------------------------------------------------
 * Expression equality
 * ------------------------------------------------------------------- */

static bool same_msg(const ProtobufCMessage *a, const ProtobufCMessage *b,
		     int depth);

static const char *last_name(const PgQuery__ColumnRef *c)
{
	return c->n_fields > 0 ? sql__str(c->fields[c->n_fields - 1]) : NULL;
}

static bool same_column(const PgQuery__ColumnRef *a,
			const PgQuery__ColumnRef *b, int depth)
{
	const char *x = last_name(a), *y = last_name(b);
	if (x == NULL || y == NULL) {
		/* t.* or no name: compare the fields one by one. */
		if (x != y || a->n_fields != b->n_fields) {
			return false;
		}
		for (size_t i = 0; i < a->n_fields; i++) {
			if (!same_msg(&a->fields[i]->base, &b->fields[i]->base,
				      depth + 1)) {
				return false;
			}
		}
		return true;
	}
	if (strcmp(x, y) != 0) {
		return false;
	}
	if (a->n_fields == 1 || b->n_fields == 1) {
		return true; /* t.x and x */
	}
	if (a->n_fields != b->n_fields) {
		return false;
	}
	for (size_t i = 0; i + 1 < a->n_fields; i++) {
		if (!same_msg(&a->fields[i]->base, &b->fields[i]->base,
			      depth + 1)) {
			return false;
		}
	}
	return true;
}

static bool same_field(const ProtobufCFieldDescriptor *f, const char *pa,
		       const char *pb, int depth)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *x, *y;
		memcpy(&x, pa, sizeof x);
		memcpy(&y, pb, sizeof y);
		return (x == NULL || y == NULL) ? x == y : strcmp(x, y) == 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *x, *y;
		memcpy(&x, pa, sizeof x);
		memcpy(&y, pb, sizeof y);
		return same_msg(x, y, depth + 1);
	}
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData x, y;
		memcpy(&x, pa, sizeof x);
		memcpy(&y, pb, sizeof y);
		return x.len == y.len &&
		       (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
	}
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return memcmp(pa, pb, 8) == 0;
	default: /* 32-bit numbers, bool, enum */
		return memcmp(pa, pb, 4) == 0;
	}
}

static bool same_msg(const ProtobufCMessage *a, const ProtobufCMessage *b,
		     int depth)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	if (a->descriptor != b->descriptor || depth > SQL__MAX_DEPTH) {
		return false;
	}
	const ProtobufCMessageDescriptor *d = a->descriptor;
	if (d == &pg_query__column_ref__descriptor) {
		return same_column((const PgQuery__ColumnRef *)a,
				   (const PgQuery__ColumnRef *)b, depth);
	}
	const char *pa = (const char *)a, *pb = (const char *)b;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (strcmp(f->name, "location") == 0) {
			continue;
		}
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t ca, cb;
			memcpy(&ca, pa + f->quantifier_offset, sizeof ca);
			memcpy(&cb, pb + f->quantifier_offset, sizeof cb);
			if (ca != cb) {
				return false;
			}
			if (ca != f->id) {
				continue;
			}
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t na, nb;
			memcpy(&na, pa + f->quantifier_offset, sizeof na);
			memcpy(&nb, pb + f->quantifier_offset, sizeof nb);
			if (na != nb) {
				return false;
			}
			const char *xa, *xb;
			memcpy(&xa, pa + f->offset, sizeof xa);
			memcpy(&xb, pb + f->offset, sizeof xb);
			size_t sz =
				f->type == PROTOBUF_C_TYPE_MESSAGE ||
						f->type ==
							PROTOBUF_C_TYPE_STRING
					? sizeof(void *)
				: f->type == PROTOBUF_C_TYPE_BYTES
					? sizeof(ProtobufCBinaryData)
				: (f->type == PROTOBUF_C_TYPE_INT64 ||
				   f->type == PROTOBUF_C_TYPE_SINT64 ||
				   f->type == PROTOBUF_C_TYPE_SFIXED64 ||
				   f->type == PROTOBUF_C_TYPE_UINT64 ||
				   f->type == PROTOBUF_C_TYPE_FIXED64 ||
				   f->type == PROTOBUF_C_TYPE_DOUBLE)
					? 8
					: 4;
			for (size_t j = 0; j < na; j++) {
				if (!same_field(f, xa + j * sz, xb + j * sz,
						depth)) {
					return false;
				}
			}
			continue;
		}
		if (!same_field(f, pa + f->offset, pb + f->offset, depth)) {
			return false;
		}
	}
	return true;
}

bool sql__same_expr(const Node *a, const Node *b)
{
	return same_msg(a != NULL ? &a->base : NULL,
			b != NULL ? &b->base : NULL, 0);
}

/* ---------------------------------------------------------------------
 * Expansion
 * ------------------------------------------------------------------- */

struct expand {
	struct sql__emit *e;
	const PgQuery__SelectStmt *s;
	struct sql__gsets *g;
	size_t cap; /* of g->group */
};

/* A list of sets, each a bool per grouping expression. */
struct setlist {
	size_t n;
	bool **sets;
};

static bool *new_set(struct expand *x)
{
	bool *s = tr_arena_alloc(x->e->a, x->g->n_group + 1);
	if (s == NULL) {
		sql__fail(x->e, -1, "53200", "out of memory");
		return NULL;
	}
	memset(s, 0, x->g->n_group + 1);
	return s;
}

static bool new_list(struct expand *x, struct setlist *l, size_t n)
{
	l->n = n;
	l->sets = tr_arena_alloc(x->e->a, (n + 1) * sizeof *l->sets);
	if (l->sets == NULL) {
		sql__fail(x->e, -1, "53200", "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if ((l->sets[i] = new_set(x)) == NULL) {
			return false;
		}
	}
	return true;
}

/* A position (GROUP BY ROLLUP (1)) as the select-list item it names. */
static const Node *resolve_position(struct expand *x, const Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_A_CONST ||
	    n->a_const->val_case != PG_QUERY__A__CONST__VAL_IVAL) {
		return n;
	}
	int v = n->a_const->ival->ival;
	if (v < 1 || (size_t)v > x->s->n_target_list) {
		sql__fail(x->e, n->a_const->location, "42P10",
			  "GROUP BY position %d is not in select list", v);
		return NULL;
	}
	return x->s->target_list[v - 1]->res_target->val;
}

static bool is_implicit_row(const Node *n)
{
	return n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR &&
	       n->row_expr->row_format ==
		       PG_QUERY__COERCION_FORM__COERCE_IMPLICIT_CAST;
}

/* The index of grouping expression @n, registered if new; -1 after a
 * failure. */
static long group_index(struct expand *x, const Node *n)
{
	if ((n = resolve_position(x, n)) == NULL) {
		return -1;
	}
	for (size_t i = 0; i < x->g->n_group; i++) {
		if (sql__same_expr(x->g->group[i], n)) {
			return (long)i;
		}
	}
	if (x->g->n_group == x->cap) {
		sql__fail(x->e, -1, "0A000",
			  "more than %d grouping expressions are not "
			  "supported",
			  MAX_GROUP_EXP);
		return -1;
	}
	x->g->group[x->g->n_group] = (Node *)n;
	return (long)x->g->n_group++;
}

/* Pass 1: register every grouping expression under @n. */
static bool collect(struct expand *x, const Node *n, int depth)
{
	if (depth > 32) {
		sql__fail(x->e, -1, "54001", "stack depth limit exceeded");
		return false;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_GROUPING_SET) {
		const PgQuery__GroupingSet *gs = n->grouping_set;
		for (size_t i = 0; i < gs->n_content; i++) {
			if (!collect(x, gs->content[i], depth + 1)) {
				return false;
			}
		}
		return true;
	}
	if (is_implicit_row(n)) {
		for (size_t i = 0; i < n->row_expr->n_args; i++) {
			if (group_index(x, n->row_expr->args[i]) < 0) {
				return false;
			}
		}
		return true;
	}
	return group_index(x, n) >= 0;
}

/* Mark the expressions of unit @n (an expression or a parenthesised
 * list) in @set. */
static void mark_unit(struct expand *x, const Node *n, bool *set)
{
	if (is_implicit_row(n)) {
		for (size_t i = 0; i < n->row_expr->n_args; i++) {
			long k = group_index(x, n->row_expr->args[i]);
			if (k >= 0) {
				set[k] = true;
			}
		}
		return;
	}
	long k = group_index(x, n);
	if (k >= 0) {
		set[k] = true;
	}
}

static bool expand_item(struct expand *x, const Node *n, struct setlist *out,
			int depth);

static bool expand_sets(struct expand *x, const PgQuery__GroupingSet *gs,
			struct setlist *out, int depth)
{
	size_t total = 0;
	struct setlist *parts = tr_arena_alloc(x->e->a, (gs->n_content + 1) *
								sizeof *parts);
	if (parts == NULL) {
		sql__fail(x->e, -1, "53200", "out of memory");
		return false;
	}
	for (size_t i = 0; i < gs->n_content; i++) {
		if (!expand_item(x, gs->content[i], &parts[i], depth + 1)) {
			return false;
		}
		total += parts[i].n;
		if (total > MAX_SETS) {
			sql__fail(x->e, gs->location, "54001",
				  "too many grouping sets present (maximum "
				  "%d)",
				  MAX_SETS);
			return false;
		}
	}
	out->n = 0;
	out->sets = tr_arena_alloc(x->e->a, (total + 1) * sizeof *out->sets);
	if (out->sets == NULL) {
		sql__fail(x->e, -1, "53200", "out of memory");
		return false;
	}
	for (size_t i = 0; i < gs->n_content; i++) {
		for (size_t j = 0; j < parts[i].n; j++) {
			out->sets[out->n++] = parts[i].sets[j];
		}
	}
	return true;
}

static bool expand_item(struct expand *x, const Node *n, struct setlist *out,
			int depth)
{
	if (depth > 32) {
		sql__fail(x->e, -1, "54001", "stack depth limit exceeded");
		return false;
	}
	if (n->node_case != PG_QUERY__NODE__NODE_GROUPING_SET) {
		if (!new_list(x, out, 1)) {
			return false;
		}
		mark_unit(x, n, out->sets[0]);
		return !sql__failed(x->e);
	}
	const PgQuery__GroupingSet *gs = n->grouping_set;
	size_t k = gs->n_content;
	switch (gs->kind) {
	case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_EMPTY:
		return new_list(x, out, 1);
	case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SIMPLE:
		if (!new_list(x, out, 1)) {
			return false;
		}
		for (size_t i = 0; i < k; i++) {
			mark_unit(x, gs->content[i], out->sets[0]);
		}
		return !sql__failed(x->e);
	case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_ROLLUP:
		/* (u1..uk), (u1..uk-1), ..., () */
		if (!new_list(x, out, k + 1)) {
			return false;
		}
		for (size_t s = 0; s <= k; s++) {
			for (size_t i = 0; i < k - s; i++) {
				mark_unit(x, gs->content[i], out->sets[s]);
			}
		}
		return !sql__failed(x->e);
	case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_CUBE:
		if (k > MAX_CUBE) {
			sql__fail(x->e, gs->location, "54011",
				  "CUBE is limited to %d elements", MAX_CUBE);
			return false;
		}
		/* Every subset, the largest first. */
		if (!new_list(x, out, (size_t)1 << k)) {
			return false;
		}
		for (size_t s = 0; s < ((size_t)1 << k); s++) {
			size_t mask = ((size_t)1 << k) - 1 - s;
			for (size_t i = 0; i < k; i++) {
				if (mask & ((size_t)1 << (k - 1 - i))) {
					mark_unit(x, gs->content[i],
						  out->sets[s]);
				}
			}
		}
		return !sql__failed(x->e);
	case PG_QUERY__GROUPING_SET_KIND__GROUPING_SET_SETS:
		return expand_sets(x, gs, out, depth);
	default:
		sql__fail(x->e, gs->location, "0A000",
			  "this grouping set is not supported");
		return false;
	}
}

bool sql__grouping_has_sets(const PgQuery__SelectStmt *s)
{
	for (size_t i = 0; i < s->n_group_clause; i++) {
		if (s->group_clause[i]->node_case ==
		    PG_QUERY__NODE__NODE_GROUPING_SET) {
			return true;
		}
	}
	return false;
}

bool sql__grouping_expand(struct sql__emit *e, const PgQuery__SelectStmt *s,
			  struct sql__gsets *g)
{
	struct expand x = { .e = e, .s = s, .g = g, .cap = MAX_GROUP_EXP };
	memset(g, 0, sizeof *g);
	g->group = tr_arena_alloc(e->a, x.cap * sizeof *g->group);
	if (g->group == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return false;
	}
	for (size_t i = 0; i < s->n_group_clause; i++) {
		if (!collect(&x, s->group_clause[i], 0)) {
			return false;
		}
	}
	/* The product of the items' set lists, from the one empty set. */
	struct setlist acc;
	if (!new_list(&x, &acc, 1)) {
		return false;
	}
	for (size_t i = 0; i < s->n_group_clause; i++) {
		struct setlist item;
		if (!expand_item(&x, s->group_clause[i], &item, 0)) {
			return false;
		}
		if (acc.n * item.n > MAX_SETS) {
			sql__fail(e, -1, "54001",
				  "too many grouping sets present (maximum "
				  "%d)",
				  MAX_SETS);
			return false;
		}
		struct setlist next;
		if (!new_list(&x, &next, acc.n * item.n)) {
			return false;
		}
		for (size_t a = 0; a < acc.n; a++) {
			for (size_t b = 0; b < item.n; b++) {
				bool *to = next.sets[a * item.n + b];
				for (size_t k = 0; k < g->n_group; k++) {
					to[k] = acc.sets[a][k] ||
						item.sets[b][k];
				}
			}
		}
		acc = next;
	}
	if (s->group_distinct) {
		/* GROUP BY DISTINCT: each set once. */
		size_t kept = 0;
		for (size_t a = 0; a < acc.n; a++) {
			bool dup = false;
			for (size_t b = 0; b < kept && !dup; b++) {
				dup = memcmp(acc.sets[a], acc.sets[b],
					     g->n_group) == 0;
			}
			if (!dup) {
				acc.sets[kept++] = acc.sets[a];
			}
		}
		acc.n = kept;
	}
	if (acc.n > MAX_ARMS) {
		sql__fail(e, -1, "0A000",
			  "more than %d grouping sets are not supported",
			  MAX_ARMS);
		return false;
	}
	g->n_sets = acc.n;
	g->sets = (const bool *const *)acc.sets;
	return true;
}

/* ---------------------------------------------------------------------
 * The emit hook
 * ------------------------------------------------------------------- */

static bool is_aggregate_call(const Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
		return false;
	}
	const PgQuery__FuncCall *fc = n->func_call;
	const char *name = fc->n_funcname > 0
				   ? sql__str(fc->funcname[fc->n_funcname - 1])
				   : NULL;
	return fc->over == NULL &&
	       (fc->agg_star || (name != NULL && sql__func_is_agg(name)));
}

bool sql__grouping_node(struct sql__emit *e, const Node *n)
{
	struct sql__gset *g = e->gset;
	if (g->off > 0 || n->node_case == PG_QUERY__NODE__NODE_A_CONST ||
	    n->node_case == PG_QUERY__NODE__NODE_PARAM_REF) {
		return false;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_FUNC_CALL &&
	    n->func_call->over != NULL && g->sets) {
		sql__fail(e, n->func_call->location, "0A000",
			  "window functions in a query with grouping sets are "
			  "not supported");
		return true;
	}
	if (is_aggregate_call(n)) {
		/* Its arguments read the input rows: nothing is absent. */
		g->off++;
		sql__expr(e, n);
		g->off--;
		return true;
	}
	for (size_t i = 0; i < g->n_group; i++) {
		if (!g->present[i] && sql__same_expr(g->group[i], n)) {
			sql__put(e, "NULL");
			return true;
		}
	}
	return false;
}

void sql__grouping_func(struct sql__emit *e, const PgQuery__GroupingFunc *f)
{
	const struct sql__gset *g = e->gset;
	if (f->n_args > 31) {
		sql__fail(e, f->location, "54023",
			  "GROUPING must have fewer than 32 arguments");
		return;
	}
	if (g != NULL && g->off > 0) {
		sql__fail(e, f->location, "42803",
			  "aggregate function calls cannot be nested");
		return;
	}
	if (g == NULL) {
		sql__fail(e, f->location, "42803",
			  "arguments to GROUPING must be grouping expressions "
			  "of the associated query level");
		return;
	}
	long mask = 0;
	for (size_t i = 0; i < f->n_args; i++) {
		size_t k = 0;
		while (k < g->n_group &&
		       !sql__same_expr(g->group[k], f->args[i])) {
			k++;
		}
		if (k == g->n_group) {
			sql__fail(e, f->location, "42803",
				  "arguments to GROUPING must be grouping "
				  "expressions of the associated query level");
			return;
		}
		mask = (mask << 1) | (g->present[k] ? 0 : 1);
	}
	sql__putf(e, "%ld", mask);
}
