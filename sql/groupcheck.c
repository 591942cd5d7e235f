/*
 * sql/groupcheck.c: PostgreSQL's grouping rule (parse_agg.c's
 * parseCheckAggregates), SQLSTATE 42803.
 *
 * SQLite runs "SELECT x, count(*) FROM t" and returns x from an arbitrary
 * row; PostgreSQL refuses it.  In a grouped query (GROUP BY, HAVING, or
 * an aggregate call of its level) every column reference of the select
 * list, ORDER BY, DISTINCT ON, the window definitions and HAVING that is
 * outside an aggregate's arguments (and FILTER and ORDER BY) must be
 *
 *   (a) a grouping expression itself (positions and output names of
 *       GROUP BY resolved, any grouping set's expressions counted),
 *   (b) inside an expression equal to a grouping expression (at the
 *       query's own level; in a subquery only plain columns count), or
 *   (c) a column of a plain table whose primary key columns are all
 *       grouping columns (in every grouping set): PostgreSQL's functional
 *       dependency (check_functional_grouping).
 *
 * A reference in a subquery to a column of the grouped query is checked
 * the same way ("subquery uses ungrouped column ... from outer query");
 * an aggregate whose arguments read only outer columns belongs to that
 * outer query (it makes the outer query grouped, and the inner query
 * sees it as a constant).
 *
 * Names are resolved with the translation scope (scope.c) and the
 * catalog mirror: which FROM item a column belongs to, at which level,
 * which columns a table, subquery or WITH query has, and a table's
 * primary key.  False refusals are far worse than a missing error, so
 * anything not resolved with certainty (no mirror, catalog mode, a stale
 * mirror, an unknown table, a function in FROM, an ambiguous or USING
 * column, a star over unknown columns) is let through.
 *
 * Expressions are compared as parse trees, locations aside, with what
 * PostgreSQL's analysis makes equal made equal here too: a column with
 * or without its table's name (same resolved column), function and
 * operator names with or without their schema, a type by its last name
 * (int4 and integer), a literal with and without a cast.
 */
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* Bounds of what is checked; beyond them nothing is refused. */
#define MAX_GROUP  256
#define MAX_TABLES 16
#define MAX_WINDOW 64

/* A table's (or view's) columns, read from the mirror once per check. */
struct table_cols {
	const char *table;
	bool known; /* the mirror has it */
	bool plain; /* a table, not a view */
	unsigned n;
	const char **names;
	bool *pk; /* per column: in the primary key */
};

/* A grouping expression; for a column, the item and column it names
 * (item -1: not resolved, matched by name). */
struct gexpr {
	const Node *n;
	int item;
	const char *col;
};

struct gc {
	struct sql__emit *e;
	struct sql__scope *sc;
	sqlite3 *db;
	const PgQuery__SelectStmt *s;
	unsigned level; /* the scope level of s's FROM items */
	struct gexpr group[MAX_GROUP];
	size_t n_group;
	/* Columns in every grouping set (the functional dependency). */
	struct gexpr common[MAX_GROUP];
	size_t n_common;
	bool grouped; /* an aggregate of s's level was seen */
	bool stop;    /* refused, or gave up */
	unsigned nest;
	struct table_cols tables[MAX_TABLES];
	unsigned n_tables;
	/* Subqueries' and WITH queries' columns, by their node. */
	struct {
		const void *key;
		bool ok, sure;
		const char **names;
		unsigned n;
	} subs[MAX_TABLES];
	unsigned n_subs;
	/* Inline window definitions of s, checked after ORDER BY. */
	const PgQuery__WindowDef *windows[MAX_WINDOW];
	unsigned n_windows;
};

enum mode {
	FIND,  /* is there an aggregate of s's level? */
	CHECK, /* refuse ungrouped columns */
	LEVEL, /* the level of an aggregate's columns */
};

struct walk {
	struct gc *g;
	enum mode mode;
	unsigned base; /* LEVEL: the level the aggregate is written at */
	unsigned best; /* LEVEL: its innermost column level (0: none) */
	bool unsure;   /* LEVEL: a column not resolved */
};

/* ---------------------------------------------------------------------
 * Columns of FROM items
 * ------------------------------------------------------------------- */

static const struct table_cols *table_cols(struct gc *g, const char *table)
{
	for (unsigned i = 0; i < g->n_tables; i++) {
		if (strcmp(g->tables[i].table, table) == 0) {
			return &g->tables[i];
		}
	}
	static const struct table_cols unknown = { 0 };
	if (g->n_tables == MAX_TABLES) {
		return &unknown;
	}
	struct table_cols *t = &g->tables[g->n_tables];
	memset(t, 0, sizeof *t);
	t->table = table;
	struct tr_buf q;
	tr_buf_init(&q, 0);
	tr_buf_put_str(&q, "SELECT * FROM main.");
	sql__ident_buf(&q, table);
	sqlite3_stmt *ps = NULL;
	if (tr_buf_err(&q) == TR_OK &&
	    sqlite3_prepare_v2(g->db, tr_buf_cstr(&q), -1, &ps, NULL) ==
		    SQLITE_OK &&
	    ps != NULL) {
		int n = sqlite3_column_count(ps);
		t->names = tr_arena_alloc(g->e->a,
					  ((size_t)n + 1) * sizeof *t->names);
		t->pk = tr_arena_alloc(g->e->a, (size_t)n + 1);
		t->known = t->names != NULL && t->pk != NULL;
		t->plain = sqlite3_table_column_metadata(
				   g->db, "main", table, NULL, NULL, NULL, NULL,
				   NULL, NULL) == SQLITE_OK;
		for (int i = 0; t->known && i < n; i++) {
			const char *name = sqlite3_column_name(ps, i);
			t->names[i] = name != NULL
					      ? tr_arena_strdup(g->e->a, name)
					      : NULL;
			if (t->names[i] == NULL) {
				t->known = false;
				break;
			}
			int pk = 0;
			t->pk[i] = t->plain &&
				   sqlite3_table_column_metadata(
					   g->db, "main", table, name, NULL,
					   NULL, NULL, &pk,
					   NULL) == SQLITE_OK &&
				   pk;
		}
		t->n = (unsigned)n;
	}
	sqlite3_finalize(ps);
	tr_buf_close(&q);
	g->n_tables++;
	return t;
}

static bool is_star(const Node *v)
{
	return v != NULL && v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
	       v->column_ref->n_fields > 0 &&
	       v->column_ref->fields[v->column_ref->n_fields - 1]->node_case ==
		       PG_QUERY__NODE__NODE_A_STAR;
}

static const PgQuery__SelectStmt *leftmost(const PgQuery__SelectStmt *s)
{
	while (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->larg) {
		s = s->larg;
	}
	return s;
}

/* The columns a star of @sel's select list stands for, when its FROM
 * is one plain table of the mirror: that table's columns (n 0: not
 * known). */
static const struct table_cols *star_table(struct gc *g,
					   const PgQuery__SelectStmt *sel,
					   const PgQuery__ColumnRef *star)
{
	if (sel->n_from_clause != 1 ||
	    sel->from_clause[0]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR) {
		return NULL;
	}
	const PgQuery__RangeVar *rv = sel->from_clause[0]->range_var;
	const char *name = rv->alias != NULL && rv->alias->aliasname != NULL &&
					   rv->alias->aliasname[0] != '\0'
				   ? rv->alias->aliasname
				   : rv->relname;
	if (rv->schemaname[0] != '\0' &&
	    strcmp(rv->schemaname, "public") != 0) {
		return NULL;
	}
	for (unsigned i = 0; i < g->e->n_ctes; i++) {
		if (strcmp(g->e->ctes[i], rv->relname) == 0) {
			return NULL; /* a WITH query */
		}
	}
	if (star->n_fields == 2 &&
	    (sql__str(star->fields[0]) == NULL ||
	     strcmp(sql__str(star->fields[0]), name) != 0)) {
		return NULL;
	}
	if (star->n_fields > 2) {
		return NULL;
	}
	const struct table_cols *t = table_cols(g, rv->relname);
	return t->known ? t : NULL;
}

/*
 * The output column names of query @q renamed by @alias (n_alias names):
 * into @names (arena), false when they are not known (a star over
 * anything but one table, VALUES, not a SELECT).  @sure: every name is
 * written (an alias, a column's own name), none made up for an
 * expression (sql__colname), so a name not among them is not a column.
 */
static bool select_names(struct gc *g, const Node *q, Node *const *alias,
			 size_t n_alias, const char ***names, unsigned *n,
			 bool *sure)
{
	*sure = true;
	if (q == NULL || q->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
		return false;
	}
	const PgQuery__SelectStmt *sel = leftmost(q->select_stmt);
	if (sel->n_values_lists > 0 || sel->n_target_list == 0 ||
	    sel->n_target_list > 4096) {
		return false;
	}
	size_t total = 0;
	for (size_t i = 0; i < sel->n_target_list; i++) {
		if (sel->target_list[i]->node_case !=
		    PG_QUERY__NODE__NODE_RES_TARGET) {
			return false;
		}
		const Node *v = sel->target_list[i]->res_target->val;
		if (v == NULL) {
			return false;
		}
		if (is_star(v)) {
			const struct table_cols *t = star_table(g, sel,
								v->column_ref);
			if (t == NULL) {
				return false;
			}
			total += t->n;
		} else {
			total++;
		}
	}
	const char **out = tr_arena_alloc(g->e->a, (total + 1) * sizeof *out);
	if (out == NULL) {
		return false;
	}
	size_t k = 0;
	for (size_t i = 0; i < sel->n_target_list; i++) {
		const PgQuery__ResTarget *rt = sel->target_list[i]->res_target;
		if (is_star(rt->val)) {
			const struct table_cols *t = star_table(
				g, sel, rt->val->column_ref);
			for (unsigned j = 0; j < t->n; j++) {
				out[k++] = t->names[j];
			}
			continue;
		}
		bool named = rt->name != NULL && rt->name[0] != '\0';
		if (!named && k >= n_alias &&
		    rt->val->node_case != PG_QUERY__NODE__NODE_COLUMN_REF) {
			*sure = false;
		}
		out[k++] = named ? rt->name : sql__colname(rt->val);
	}
	for (size_t i = 0; i < n_alias && i < total; i++) {
		out[i] = sql__str(alias[i]);
	}
	for (size_t i = 0; i < total; i++) {
		if (out[i] == NULL) {
			return false;
		}
	}
	*names = out;
	*n = (unsigned)total;
	return true;
}

static bool item_select_names(struct gc *g, const struct sql__scope_item *it,
			      const char ***names, unsigned *n, bool *sure);

/* The columns of FROM item @it, in order; false when not known (@sure:
 * as select_names). */
static bool item_columns(struct gc *g, const struct sql__scope_item *it,
			 const char ***names, unsigned *n, bool *sure)
{
	*sure = true;
	if (it->table != NULL) {
		const struct table_cols *t = table_cols(g, it->table);
		*names = t->names;
		*n = t->n;
		return t->known;
	}
	const void *key = it->sub != NULL ? (const void *)it->sub
					  : (const void *)it->cte;
	for (unsigned i = 0; key != NULL && i < g->n_subs; i++) {
		if (g->subs[i].key == key) {
			*names = g->subs[i].names;
			*n = g->subs[i].n;
			*sure = g->subs[i].sure;
			return g->subs[i].ok;
		}
	}
	bool ok = item_select_names(g, it, names, n, sure);
	if (key != NULL && g->n_subs < MAX_TABLES) {
		g->subs[g->n_subs].key = key;
		g->subs[g->n_subs].ok = ok;
		g->subs[g->n_subs].sure = *sure;
		g->subs[g->n_subs].names = ok ? *names : NULL;
		g->subs[g->n_subs].n = ok ? *n : 0;
		g->n_subs++;
	}
	return ok;
}

static bool item_select_names(struct gc *g, const struct sql__scope_item *it,
			      const char ***names, unsigned *n, bool *sure)
{
	if (it->sub != NULL) {
		const PgQuery__Alias *al = it->sub->alias;
		return select_names(
			g, it->sub->subquery, al != NULL ? al->colnames : NULL,
			al != NULL ? al->n_colnames : 0, names, n, sure);
	}
	if (it->cte != NULL) {
		return select_names(g, it->cte->ctequery,
				    it->cte->aliascolnames,
				    it->cte->n_aliascolnames, names, n, sure);
	}
	return false;
}

static int has_column(void *ctx, const struct sql__scope_item *it,
		      const char *column)
{
	const char **names;
	unsigned n;
	bool sure;
	if (!item_columns(ctx, it, &names, &n, &sure)) {
		return -1;
	}
	int found = sure ? 0 : -1;
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(names[i], column) == 0) {
			return 1;
		}
		if (strcasecmp(names[i], column) == 0) {
			found = -1; /* SQLite's names ignore case */
		}
	}
	return found;
}

/* The item a column reference names (-1: not known), its column name in
 * @col. */
static int resolve(struct gc *g, const PgQuery__ColumnRef *c, const char **col)
{
	*col = NULL;
	if (c->n_fields == 0 || c->n_fields > 2 || is_star(c->fields[0]) ||
	    is_star(c->fields[c->n_fields - 1])) {
		return -1;
	}
	*col = sql__str(c->fields[c->n_fields - 1]);
	const char *rel = c->n_fields == 2 ? sql__str(c->fields[0]) : NULL;
	if (*col == NULL || (c->n_fields == 2 && rel == NULL)) {
		return -1;
	}
	return sql__scope_resolve(g->sc, rel, *col, has_column, g);
}

static const char *last_name(Node *const *names, size_t n)
{
	return n > 0 ? sql__str(names[n - 1]) : NULL;
}

/* ---------------------------------------------------------------------
 * Expression equality
 * ------------------------------------------------------------------- */

static bool same_msg(struct gc *g, const ProtobufCMessage *a,
		     const ProtobufCMessage *b, int depth, bool sub);

static bool same_names(Node *const *a, size_t na, Node *const *b, size_t nb)
{
	const char *x = last_name(a, na), *y = last_name(b, nb);
	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

/* Columns: the same resolved column, or (not resolved) the same name. */
static bool same_column(struct gc *g, const PgQuery__ColumnRef *a,
			const PgQuery__ColumnRef *b, int depth, bool sub)
{
	if (is_star(a->fields[a->n_fields - 1]) ||
	    is_star(b->fields[b->n_fields - 1])) {
		if (a->n_fields != b->n_fields) {
			return false;
		}
		for (size_t i = 0; i < a->n_fields; i++) {
			if (!same_msg(g, &a->fields[i]->base,
				      &b->fields[i]->base, depth + 1, sub)) {
				return false;
			}
		}
		return true;
	}
	if (!same_names(a->fields, a->n_fields, b->fields, b->n_fields)) {
		return false;
	}
	if (sub) {
		return true; /* a subquery's own names: not resolved here */
	}
	const char *ca, *cb;
	int ia = resolve(g, a, &ca), ib = resolve(g, b, &cb);
	return ia < 0 || ib < 0 || ia == ib;
}

/* Fields compared apart (by last name) or not at all. */
static bool skipped(const ProtobufCMessageDescriptor *d,
		    const ProtobufCFieldDescriptor *f)
{
	if (strcmp(f->name, "location") == 0) {
		return true;
	}
	if (d == &pg_query__func_call__descriptor) {
		return strcmp(f->name, "funcname") == 0 ||
		       strcmp(f->name, "funcformat") == 0;
	}
	if (d == &pg_query__a__expr__descriptor) {
		return strcmp(f->name, "name") == 0 ||
		       strcmp(f->name, "kind") == 0;
	}
	if (d == &pg_query__type_name__descriptor) {
		return strcmp(f->name, "names") == 0 ||
		       strcmp(f->name, "type_oid") == 0;
	}
	return false;
}

static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	default:
		return 4;
	}
}

static bool same_value(struct gc *g, const ProtobufCFieldDescriptor *f,
		       const char *pa, const char *pb, int depth, bool sub)
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
		return same_msg(g, x, y, depth + 1, sub);
	}
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData x, y;
		memcpy(&x, pa, sizeof x);
		memcpy(&y, pb, sizeof y);
		return x.len == y.len &&
		       (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
	}
	default:
		return memcmp(pa, pb, elem_size(f)) == 0;
	}
}

/* A literal, or a literal with a cast: its literal. */
static const Node *literal(const Node *n)
{
	if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
	    n->type_cast->arg != NULL &&
	    n->type_cast->arg->node_case == PG_QUERY__NODE__NODE_A_CONST) {
		return n->type_cast->arg;
	}
	return n->node_case == PG_QUERY__NODE__NODE_A_CONST ? n : NULL;
}

static bool same_msg(struct gc *g, const ProtobufCMessage *a,
		     const ProtobufCMessage *b, int depth, bool sub)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	if (a->descriptor != b->descriptor || depth > SQL__MAX_DEPTH) {
		return false;
	}
	const ProtobufCMessageDescriptor *d = a->descriptor;
	if (d == &pg_query__node__descriptor) {
		const Node *x = (const Node *)a, *y = (const Node *)b;
		if (x->node_case != y->node_case) {
			/* 'a' and 'a'::text: the same constant once typed. */
			const Node *lx = literal(x), *ly = literal(y);
			return lx != NULL && ly != NULL &&
			       same_msg(g, &lx->base, &ly->base, depth + 1,
					sub);
		}
		if (x->node_case == PG_QUERY__NODE__NODE_SUB_LINK) {
			sub = true;
		}
	}
	if (d == &pg_query__column_ref__descriptor) {
		return same_column(g, (const PgQuery__ColumnRef *)a,
				   (const PgQuery__ColumnRef *)b, depth, sub);
	}
	if (d == &pg_query__func_call__descriptor) {
		const PgQuery__FuncCall *x = (const void *)a,
					*y = (const void *)b;
		if (!same_names(x->funcname, x->n_funcname, y->funcname,
				y->n_funcname)) {
			return false;
		}
	} else if (d == &pg_query__a__expr__descriptor) {
		const PgQuery__AExpr *x = (const void *)a, *y = (const void *)b;
		if (!same_names(x->name, x->n_name, y->name, y->n_name)) {
			return false;
		}
	} else if (d == &pg_query__type_name__descriptor) {
		const PgQuery__TypeName *x = (const void *)a,
					*y = (const void *)b;
		if (!same_names(x->names, x->n_names, y->names, y->n_names)) {
			return false;
		}
	}
	const char *pa = (const char *)a, *pb = (const char *)b;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (skipped(d, f)) {
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
			size_t sz = elem_size(f);
			for (size_t j = 0; j < na; j++) {
				if (!same_value(g, f, xa + j * sz, xb + j * sz,
						depth, sub)) {
					return false;
				}
			}
			continue;
		}
		if (!same_value(g, f, pa + f->offset, pb + f->offset, depth,
				sub)) {
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------
 * The walk
 * ------------------------------------------------------------------- */

static void walk_node(struct walk *w, const Node *n, unsigned depth);
static void walk_select(struct walk *w, const PgQuery__SelectStmt *sel,
			unsigned depth);

static void walk_list(struct walk *w, Node *const *items, size_t n,
		      unsigned depth)
{
	for (size_t i = 0; i < n && !w->g->stop; i++) {
		walk_node(w, items[i], depth);
	}
}

static void walk_fields(struct walk *w, const ProtobufCMessage *m,
			unsigned depth);

struct fields_walk {
	struct walk *w;
	unsigned depth;
};

static bool field_child(const ProtobufCMessage *c, void *ctx)
{
	const struct fields_walk *fw = ctx;
	struct walk *w = fw->w;
	if (c->descriptor == &pg_query__node__descriptor) {
		walk_node(w, (const Node *)c, fw->depth);
	} else if (++w->g->nest > SQL__MAX_DEPTH) {
		w->g->stop = true;
	} else {
		walk_fields(w, c, fw->depth);
		w->g->nest--;
	}
	return w->g->stop;
}

/* Every Node under message @m (not a Node itself). */
static void walk_fields(struct walk *w, const ProtobufCMessage *m,
			unsigned depth)
{
	struct fields_walk fw = { w, depth };
	(void)sql__children(m, field_child, &fw);
}

/* PostgreSQL 15's built-in aggregates (pg_proc.prokind 'a'). */
static const char *const aggregates[] = {
	"array_agg",
	"avg",
	"bit_and",
	"bit_or",
	"bit_xor",
	"bool_and",
	"bool_or",
	"corr",
	"count",
	"covar_pop",
	"covar_samp",
	"cume_dist",
	"dense_rank",
	"every",
	"json_agg",
	"json_object_agg",
	"jsonb_agg",
	"jsonb_object_agg",
	"max",
	"min",
	"mode",
	"percent_rank",
	"percentile_cont",
	"percentile_disc",
	"range_agg",
	"range_intersect_agg",
	"rank",
	"regr_avgx",
	"regr_avgy",
	"regr_count",
	"regr_intercept",
	"regr_r2",
	"regr_slope",
	"regr_sxx",
	"regr_sxy",
	"regr_syy",
	"stddev",
	"stddev_pop",
	"stddev_samp",
	"string_agg",
	"sum",
	"var_pop",
	"var_samp",
	"variance",
	"xmlagg",
};

/* 1: @fc is an aggregate call; 0: not; -1: cannot tell (a function
 * PostgreSQL does not have built in, which might be a user's
 * aggregate). */
static int is_aggregate(const PgQuery__FuncCall *fc)
{
	const char *name = last_name(fc->funcname, fc->n_funcname);
	if (fc->over != NULL) {
		return 0;
	}
	if (fc->agg_star || fc->agg_distinct || fc->agg_within_group ||
	    fc->n_agg_order > 0 || fc->agg_filter != NULL || name == NULL) {
		return 1; /* only aggregates take these */
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(aggregates); i++) {
		if (strcmp(name, aggregates[i]) == 0) {
			return 1;
		}
	}
	if (sql__func_is_agg(name)) {
		return 1;
	}
	return sql__pg_builtin(name) ? 0 : -1;
}

/* The scope level aggregate @fc (written at @depth) belongs to: that of
 * its innermost outer column (PostgreSQL's agglevelsup); 0 when not
 * known. */
static unsigned agg_level(struct gc *g, const PgQuery__FuncCall *fc,
			  unsigned depth)
{
	struct walk lw = { .g = g, .mode = LEVEL, .base = g->level + depth };
	walk_list(&lw, fc->args, fc->n_args, depth);
	walk_list(&lw, fc->agg_order, fc->n_agg_order, depth);
	if (fc->agg_filter != NULL) {
		walk_node(&lw, fc->agg_filter, depth);
	}
	if (lw.unsure) {
		return 0;
	}
	return lw.best != 0 ? lw.best : lw.base;
}

/* Column @col of item @item is grouped, or depends on a grouped primary
 * key. */
static bool is_grouped(struct gc *g, int item, const char *col)
{
	for (size_t i = 0; i < g->n_group; i++) {
		const struct gexpr *x = &g->group[i];
		if (x->col != NULL && strcmp(x->col, col) == 0 &&
		    (x->item < 0 || x->item == item)) {
			return true;
		}
	}
	const struct sql__scope_item *it = &g->sc->items[item];
	if (it->table == NULL) {
		return false; /* a subquery or WITH query: no key */
	}
	const struct table_cols *t = table_cols(g, it->table);
	if (!t->known) {
		return true; /* cannot tell */
	}
	bool any = false;
	for (unsigned i = 0; i < t->n; i++) {
		if (!t->pk[i]) {
			continue;
		}
		any = true;
		bool in = false;
		for (size_t j = 0; j < g->n_common && !in; j++) {
			const struct gexpr *x = &g->common[j];
			in = x->col != NULL &&
			     strcmp(x->col, t->names[i]) == 0 &&
			     (x->item < 0 || x->item == item);
		}
		if (!in) {
			return false;
		}
	}
	return any;
}

static void refuse(struct gc *g, int item, const char *col, int location,
		   unsigned depth)
{
	const struct sql__scope_item *it = &g->sc->items[item];
	const char *rel = it->alias != NULL ? it->alias : it->table;
	g->stop = true;
	if (rel == NULL) {
		return; /* not nameable: let it through */
	}
	if (depth == 0) {
		sql__fail(g->e, location, "42803",
			  "column \"%s.%s\" must appear in the GROUP BY clause "
			  "or be used in an aggregate function",
			  rel, col);
	} else {
		sql__fail(g->e, location, "42803",
			  "subquery uses ungrouped column \"%s.%s\" from outer "
			  "query",
			  rel, col);
	}
}

static void walk_column(struct walk *w, const PgQuery__ColumnRef *c,
			unsigned depth)
{
	struct gc *g = w->g;
	const char *col;
	int item = resolve(g, c, &col);
	if (w->mode == LEVEL) {
		if (item < 0) {
			w->unsure = true;
		} else if (g->sc->items[item].level <= w->base &&
			   g->sc->items[item].level > w->best) {
			w->best = g->sc->items[item].level;
		}
		return;
	}
	if (w->mode != CHECK || item < 0 ||
	    g->sc->items[item].level != g->level || is_grouped(g, item, col)) {
		return;
	}
	refuse(g, item, col, c->location, depth);
}

static bool matches_group(struct gc *g, const Node *n)
{
	for (size_t i = 0; i < g->n_group; i++) {
		if (same_msg(g, &g->group[i].n->base, &n->base, 0, false)) {
			return true;
		}
	}
	return false;
}

static void walk_window(struct walk *w, const PgQuery__WindowDef *wd,
			unsigned depth)
{
	walk_list(w, wd->partition_clause, wd->n_partition_clause, depth);
	walk_list(w, wd->order_clause, wd->n_order_clause, depth);
}

static void walk_func(struct walk *w, const PgQuery__FuncCall *fc,
		      unsigned depth)
{
	struct gc *g = w->g;
	int agg = is_aggregate(fc);
	if (agg < 0 && w->mode != LEVEL) {
		return; /* cannot tell: let its arguments through */
	}
	if (w->mode != LEVEL && agg > 0) {
		unsigned level = agg_level(g, fc, depth);
		if (level == g->level) {
			/* Its arguments, FILTER and ORDER BY read the
			 * input rows. */
			g->grouped = true;
			return;
		}
		if (level == 0) {
			return; /* cannot tell: let it through */
		}
	}
	walk_list(w, fc->args, fc->n_args, depth);
	walk_list(w, fc->agg_order, fc->n_agg_order, depth);
	if (fc->agg_filter != NULL && !g->stop) {
		walk_node(w, fc->agg_filter, depth);
	}
	if (fc->over == NULL || g->stop) {
		return;
	}
	if (w->mode == CHECK && depth == 0) {
		/* PostgreSQL checks window definitions after the select
		 * list and ORDER BY. */
		if (g->n_windows < MAX_WINDOW) {
			g->windows[g->n_windows++] = fc->over;
		}
		return;
	}
	walk_window(w, fc->over, depth);
}

static void walk_node(struct walk *w, const Node *n, unsigned depth)
{
	struct gc *g = w->g;
	if (n == NULL || g->stop) {
		return;
	}
	if (++g->nest > SQL__MAX_DEPTH) {
		g->stop = true;
		return;
	}
	if (w->mode == CHECK && depth == 0 && matches_group(g, n)) {
		g->nest--;
		return;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_COLUMN_REF:
		walk_column(w, n->column_ref, depth);
		break;
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		walk_func(w, n->func_call, depth);
		break;
	case PG_QUERY__NODE__NODE_GROUPING_FUNC:
		/* Its arguments are grouping expressions (grouping.c). */
		if (w->mode == LEVEL) {
			walk_list(w, n->grouping_func->args,
				  n->grouping_func->n_args, depth);
		}
		break;
	case PG_QUERY__NODE__NODE_SUB_LINK:
		walk_node(w, n->sub_link->testexpr, depth);
		if (n->sub_link->subselect != NULL &&
		    n->sub_link->subselect->node_case ==
			    PG_QUERY__NODE__NODE_SELECT_STMT) {
			walk_select(w, n->sub_link->subselect->select_stmt,
				    depth + 1);
		}
		break;
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		walk_select(w, n->select_stmt, depth + 1);
		break;
	case PG_QUERY__NODE__NODE__NOT_SET:
		break;
	default: {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field(
				n->base.descriptor, (unsigned)n->node_case);
		const ProtobufCMessage *c = NULL;
		if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    f->label != PROTOBUF_C_LABEL_REPEATED) {
			memcpy(&c, (const char *)n + f->offset, sizeof c);
		}
		if (c != NULL) {
			walk_fields(w, c, depth);
		}
		break;
	}
	}
	g->nest--;
}

/* The FROM items of a subquery: join conditions and nested subqueries. */
static void walk_from(struct walk *w, const Node *n, unsigned depth)
{
	if (n == NULL || w->g->stop) {
		return;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_JOIN_EXPR) {
		walk_from(w, n->join_expr->larg, depth);
		walk_from(w, n->join_expr->rarg, depth);
		walk_node(w, n->join_expr->quals, depth);
	} else if (n->node_case == PG_QUERY__NODE__NODE_RANGE_SUBSELECT &&
		   n->range_subselect->subquery != NULL &&
		   n->range_subselect->subquery->node_case ==
			   PG_QUERY__NODE__NODE_SELECT_STMT) {
		walk_select(w, n->range_subselect->subquery->select_stmt,
			    depth + 1);
	}
}

/* A subquery (@depth > 0) at level g->level + depth. */
static void walk_select(struct walk *w, const PgQuery__SelectStmt *sel,
			unsigned depth)
{
	struct gc *g = w->g;
	if (sel == NULL || g->stop) {
		return;
	}
	if (sel->op != PG_QUERY__SET_OPERATION__SETOP_NONE) {
		walk_select(w, sel->larg, depth);
		walk_select(w, sel->rarg, depth);
		return;
	}
	if (++g->nest > SQL__MAX_DEPTH) {
		g->stop = true;
		return;
	}
	unsigned mark = sql__scope_open(g->sc, sel->from_clause,
					sel->n_from_clause);
	for (size_t i = 0; i < sel->n_from_clause; i++) {
		walk_from(w, sel->from_clause[i], depth);
	}
	for (size_t i = 0; i < sel->n_values_lists; i++) {
		walk_node(w, sel->values_lists[i], depth);
	}
	walk_list(w, sel->target_list, sel->n_target_list, depth);
	walk_node(w, sel->where_clause, depth);
	walk_list(w, sel->group_clause, sel->n_group_clause, depth);
	walk_node(w, sel->having_clause, depth);
	walk_list(w, sel->sort_clause, sel->n_sort_clause, depth);
	walk_list(w, sel->distinct_clause, sel->n_distinct_clause, depth);
	walk_list(w, sel->window_clause, sel->n_window_clause, depth);
	walk_node(w, sel->limit_count, depth);
	walk_node(w, sel->limit_offset, depth);
	sql__scope_close(g->sc, mark);
	g->nest--;
}

/* ---------------------------------------------------------------------
 * The grouping expressions
 * ------------------------------------------------------------------- */

static bool add_expr(struct gc *g, struct gexpr *list, size_t *n, const Node *x)
{
	if (*n == MAX_GROUP) {
		return false;
	}
	struct gexpr *ge = &list[(*n)++];
	ge->n = x;
	ge->item = -1;
	ge->col = NULL;
	if (x->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && !is_star(x)) {
		ge->item = resolve(g, x->column_ref, &ge->col);
		if (ge->col == NULL) {
			ge->col = last_name(x->column_ref->fields,
					    x->column_ref->n_fields);
		}
	}
	return true;
}

/* The output column name of select-list item @rt. */
static const char *output_name(const PgQuery__ResTarget *rt)
{
	return rt->name != NULL && rt->name[0] != '\0' ? rt->name
						       : sql__colname(rt->val);
}

/*
 * Grouping item @x as the expressions it stands for (findTargetlistEntry
 * SQL92): a position names a select-list item; a bare name is a column
 * of the FROM items if it is one, else an output column of that name
 * (when not sure which, both: grouping more only refuses less).
 */
static bool add_group(struct gc *g, struct gexpr *list, size_t *n,
		      const Node *x, int depth)
{
	const PgQuery__SelectStmt *s = g->s;
	if (x == NULL || depth > 32) {
		return false;
	}
	switch (x->node_case) {
	case PG_QUERY__NODE__NODE_GROUPING_SET: {
		const PgQuery__GroupingSet *gs = x->grouping_set;
		for (size_t i = 0; i < gs->n_content; i++) {
			if (!add_group(g, list, n, gs->content[i], depth + 1)) {
				return false;
			}
		}
		return true;
	}
	case PG_QUERY__NODE__NODE_ROW_EXPR:
		for (size_t i = 0; i < x->row_expr->n_args; i++) {
			if (!add_group(g, list, n, x->row_expr->args[i],
				       depth + 1)) {
				return false;
			}
		}
		return add_expr(g, list, n, x);
	case PG_QUERY__NODE__NODE_A_CONST: {
		if (x->a_const->val_case != PG_QUERY__A__CONST__VAL_IVAL) {
			return add_expr(g, list, n, x);
		}
		int v = x->a_const->ival->ival;
		if (v < 1 || (size_t)v > s->n_target_list ||
		    is_star(s->target_list[v - 1]->res_target->val)) {
			return false;
		}
		return add_expr(g, list, n,
				s->target_list[v - 1]->res_target->val);
	}
	case PG_QUERY__NODE__NODE_COLUMN_REF: {
		const PgQuery__ColumnRef *c = x->column_ref;
		if (c->n_fields != 1 || is_star(x)) {
			return add_expr(g, list, n, x);
		}
		const char *col;
		int item = resolve(g, c, &col);
		if (item >= 0 && g->sc->items[item].level == g->level) {
			return add_expr(g, list, n, x);
		}
		for (size_t i = 0; col != NULL && i < s->n_target_list; i++) {
			const PgQuery__ResTarget *rt =
				s->target_list[i]->res_target;
			if (rt->val != NULL && !is_star(rt->val) &&
			    strcmp(output_name(rt), col) == 0 &&
			    !add_expr(g, list, n, rt->val)) {
				return false;
			}
		}
		return add_expr(g, list, n, x);
	}
	default:
		return add_expr(g, list, n, x);
	}
}

/* The grouping expressions, and those in every grouping set. */
static bool collect_group(struct gc *g)
{
	const PgQuery__SelectStmt *s = g->s;
	for (size_t i = 0; i < s->n_group_clause; i++) {
		if (!add_group(g, g->group, &g->n_group, s->group_clause[i],
			       0)) {
			return false;
		}
	}
	for (size_t i = 0; i < g->n_group; i++) {
		if (g->group[i].col != NULL &&
		    strcmp(g->group[i].col, "rowid") == 0) {
			/* SQLite's row id (the SELECTs returning.c makes
			 * group by it): every column depends on it. */
			return false;
		}
	}
	if (!sql__grouping_has_sets(s)) {
		memcpy(g->common, g->group, g->n_group * sizeof *g->group);
		g->n_common = g->n_group;
		return true;
	}
	struct sql__gsets sets;
	if (!sql__grouping_expand(g->e, s, &sets)) {
		return false;
	}
	for (size_t k = 0; k < sets.n_group; k++) {
		bool all = true;
		for (size_t j = 0; j < sets.n_sets && all; j++) {
			all = sets.sets[j][k];
		}
		if (all &&
		    !add_group(g, g->common, &g->n_common, sets.group[k], 0)) {
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------
 * The query
 * ------------------------------------------------------------------- */

/* A JOIN ... USING or NATURAL JOIN among @n (merged columns). */
static bool has_merged(const Node *n)
{
	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_JOIN_EXPR) {
		return false;
	}
	const PgQuery__JoinExpr *j = n->join_expr;
	return j->n_using_clause > 0 || j->is_natural || has_merged(j->larg) ||
	       has_merged(j->rarg);
}

/* A select-list star: each column it stands for is checked (at the
 * star's position, as PostgreSQL expands it first). */
static void check_star(struct gc *g, const PgQuery__ColumnRef *c)
{
	const char *rel = c->n_fields == 2 ? sql__str(c->fields[0]) : NULL;
	if (c->n_fields > 2 || (c->n_fields == 2 && rel == NULL)) {
		return;
	}
	for (size_t i = 0; rel == NULL && i < g->s->n_from_clause; i++) {
		if (has_merged(g->s->from_clause[i])) {
			return;
		}
	}
	/* The items of the level, in FROM order; all known first. */
	unsigned first = g->sc->n;
	while (first > 0 && g->sc->items[first - 1].level == g->level) {
		first--;
	}
	for (int pass = 0; pass < 2 && !g->stop; pass++) {
		bool seen = false;
		for (unsigned k = first; k < g->sc->n && !g->stop; k++) {
			const struct sql__scope_item *it = &g->sc->items[k];
			const char *name = it->alias != NULL ? it->alias
							     : it->table;
			if (rel != NULL &&
			    (name == NULL || strcmp(name, rel) != 0)) {
				continue;
			}
			seen = true;
			const char **names;
			unsigned n;
			bool sure;
			if (!item_columns(g, it, &names, &n, &sure) || !sure) {
				return; /* unknown columns */
			}
			for (unsigned i = 0; pass == 1 && i < n; i++) {
				if (!is_grouped(g, (int)k, names[i])) {
					refuse(g, (int)k, names[i], c->location,
					       0);
					return;
				}
			}
		}
		if (!seen) {
			return; /* an outer query's item */
		}
	}
}

/* ORDER BY or DISTINCT ON item @x names a select-list item (a position
 * or an output column name): checked there. */
static bool names_output(const PgQuery__SelectStmt *s, const Node *x)
{
	if (x->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	    x->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
		return true;
	}
	if (x->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    x->column_ref->n_fields != 1) {
		return false;
	}
	const char *name = sql__str(x->column_ref->fields[0]);
	for (size_t i = 0; name != NULL && i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		if (rt->val != NULL && strcmp(output_name(rt), name) == 0) {
			return true;
		}
	}
	return false;
}

static const Node *sort_key(const Node *x)
{
	return x->node_case == PG_QUERY__NODE__NODE_SORT_BY ? x->sort_by->node
							    : x;
}

void sql__groupcheck(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	struct sql__scope *sc = e->scope;
	sqlite3 *db = sql__scope_mirror();
	if (sc == NULL || db == NULL || e->catalog || e->saw_catalog ||
	    sql__failed(e) || e->stmt->schema_miss || sc->overflow ||
	    s->n_values_lists > 0 ||
	    s->op != PG_QUERY__SET_OPERATION__SETOP_NONE) {
		return;
	}
	struct gc *g = tr_arena_alloc(e->a, sizeof *g);
	if (g == NULL) {
		return;
	}
	memset(g, 0, sizeof *g);
	g->e = e;
	g->sc = sc;
	g->db = db;
	g->s = s;
	g->level = sc->level;
	for (size_t i = 0; i < s->n_sort_clause; i++) {
		const Node *x = sort_key(s->sort_clause[i]);
		if (x != NULL && x->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    x->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL &&
		    (x->a_const->ival->ival < 1 ||
		     (size_t)x->a_const->ival->ival > s->n_target_list)) {
			return; /* 42P10 comes first */
		}
	}

	/* Grouped: GROUP BY, HAVING, or an aggregate of this level. */
	struct walk w = { .g = g, .mode = FIND };
	if (s->n_group_clause == 0 && s->having_clause == NULL) {
		for (size_t i = 0; i < s->n_target_list && !g->grouped; i++) {
			walk_node(&w, s->target_list[i], 0);
		}
		for (size_t i = 0; i < s->n_sort_clause && !g->grouped; i++) {
			walk_node(&w, s->sort_clause[i], 0);
		}
		if (!g->grouped || g->stop) {
			return;
		}
	}
	if (sql__scope_is_stale()) {
		/* A grouped query is not checked against a stale mirror,
		 * nor skipped: the executor reloads it and translates again
		 * (schema_miss). */
		e->stmt->schema_miss = true;
		return;
	}
	if (!collect_group(g) || sql__failed(e)) {
		return;
	}

	w.mode = CHECK;
	g->nest = 0;
	for (size_t i = 0; i < s->n_target_list && !g->stop; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		if (is_star(rt->val)) {
			check_star(g, rt->val->column_ref);
		} else {
			walk_node(&w, rt->val, 0);
		}
	}
	/* Under plain DISTINCT, ORDER BY items are select-list items (or
	 * 42P10, which PostgreSQL reports first). */
	bool distinct = s->n_distinct_clause == 1 &&
			(s->distinct_clause[0] == NULL ||
			 s->distinct_clause[0]->node_case ==
				 PG_QUERY__NODE__NODE__NOT_SET);
	for (size_t i = 0; i < s->n_sort_clause && !g->stop && !distinct; i++) {
		const Node *x = sort_key(s->sort_clause[i]);
		if (!names_output(s, x)) {
			walk_node(&w, x, 0);
		}
	}
	for (size_t i = 0; i < s->n_distinct_clause && !g->stop; i++) {
		const Node *x = s->distinct_clause[i];
		if (x != NULL && !names_output(s, x)) {
			walk_node(&w, x, 0);
		}
	}
	for (size_t i = 0; i < s->n_window_clause && !g->stop; i++) {
		const Node *x = s->window_clause[i];
		if (x->node_case == PG_QUERY__NODE__NODE_WINDOW_DEF) {
			walk_window(&w, x->window_def, 0);
		}
	}
	for (unsigned i = 0; i < g->n_windows && !g->stop; i++) {
		walk_window(&w, g->windows[i], 0);
	}
	walk_node(&w, s->having_clause, 0);
}
