/*
 * sql/scope.c: the tables a statement's expressions can see, and the
 * types of their columns, for sql__infer.
 *
 * PostgreSQL types every expression from the catalog before it runs one;
 * SQLite's columns carry no type the translator could read.  A scope
 * answers "what type is column c of relation r (or of whichever table in
 * view has a column c)" from a lookup function:
 *
 *   - at translation time the lookup reads the node's catalog mirror
 *     (sql__scope_mirror), so an untyped literal takes its column's type
 *     as in PostgreSQL ('on' into a boolean column, a timestamptz literal
 *     with a zone), and arithmetic on columns is typed;
 *   - at describe time (sql_infer_result_types) the caller's lookup types
 *     the result columns.
 *
 * Each SELECT (and UPDATE, DELETE) opens a level with its FROM items;
 * names resolve innermost level first, as SQL resolves them.  A FROM
 * item whose columns are not known (a subquery, a function, a WITH query)
 * is opaque: an unqualified name not found in the level's known tables
 * might be one of its columns, so the search stops there (unknown)
 * instead of reaching a same-named column of an outer query.
 *
 * The translation cache is keyed by the mirror's schema version, so a
 * translation typed by one mirror state is never reused under another.
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* Lookups remembered per statement: an INSERT of many rows, or a column
 * named in several places, reads the mirror once. */
#define MEMO_SIZE 32

struct sql__scope_memo {
	const char *table;
	const char *column;
	uint32_t oid;
	int32_t typmod;
};

static void add_item(struct sql__scope *sc, const char *table,
		     const char *alias)
{
	if (sc->n == SQL__SCOPE_MAX) {
		sc->overflow = true;
		return;
	}
	sc->items[sc->n].table = table;
	sc->items[sc->n].alias = alias;
	sc->items[sc->n].sub = NULL;
	sc->items[sc->n].cte = NULL;
	sc->items[sc->n].fn = NULL;
	sc->items[sc->n].level = sc->level;
	sc->n++;
}

static bool is_cte(const struct sql__scope *sc, const char *name)
{
	for (unsigned i = 0; sc->e != NULL && i < sc->e->n_ctes; i++) {
		if (strcmp(sc->e->ctes[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static const char *alias_of(const PgQuery__Alias *al)
{
	return al != NULL && al->aliasname != NULL && al->aliasname[0] != '\0'
		       ? al->aliasname
		       : NULL;
}

static void add_target(struct sql__scope *sc, const PgQuery__RangeVar *rv,
		       const char *alias);

void sql__scope_add(struct sql__scope *sc, const Node *n)
{
	if (n == NULL) {
		return;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_JOIN_EXPR:
		sql__scope_add(sc, n->join_expr->larg);
		sql__scope_add(sc, n->join_expr->rarg);
		if (alias_of(n->join_expr->alias) != NULL) {
			add_item(sc, NULL, alias_of(n->join_expr->alias));
		}
		return;
	case PG_QUERY__NODE__NODE_RANGE_VAR:
		add_target(sc, n->range_var, alias_of(n->range_var->alias));
		return;
	case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: {
		const PgQuery__RangeSubselect *rs = n->range_subselect;
		add_item(sc, NULL, alias_of(rs->alias));
		if (!sc->overflow && rs->subquery != NULL &&
		    rs->subquery->node_case ==
			    PG_QUERY__NODE__NODE_SELECT_STMT) {
			sc->items[sc->n - 1].sub = rs;
		}
		return;
	}
	case PG_QUERY__NODE__NODE_RANGE_FUNCTION:
		add_item(sc, NULL, alias_of(n->range_function->alias));
		if (!sc->overflow) {
			sc->items[sc->n - 1].fn = n->range_function;
		}
		return;
	default:
		add_item(sc, NULL, NULL);
		return;
	}
}

unsigned sql__scope_open(struct sql__scope *sc, Node *const *from, size_t n)
{
	unsigned mark = sc->n;
	sc->level++;
	for (size_t i = 0; i < n; i++) {
		sql__scope_add(sc, from[i]);
	}
	return mark;
}

void sql__scope_close(struct sql__scope *sc, unsigned mark)
{
	sc->n = mark;
	sc->level--;
	if (sc->n < SQL__SCOPE_MAX) {
		sc->overflow = false;
	}
}

static uint32_t lookup(const struct sql__scope *sc, const char *table,
		       const char *column, int32_t *typmod)
{
	struct sql__scope_memo *m = sc->memo;
	for (unsigned i = 0; m != NULL && i < sc->n_memo; i++) {
		if (strcmp(m[i].table, table) == 0 &&
		    strcmp(m[i].column, column) == 0) {
			*typmod = m[i].typmod;
			return m[i].oid;
		}
	}
	*typmod = -1;
	uint32_t oid = sc->lookup(sc->ctx, table, column, typmod);
	if (m != NULL && sc->n_memo < MEMO_SIZE) {
		struct sql__scope *w = (struct sql__scope *)sc;
		m[w->n_memo++] = (struct sql__scope_memo){ table, column, oid,
							   *typmod };
	}
	return oid;
}

/*
 * Column @column of subquery @rs in FROM: the type of its select-list
 * item of that name (or position, under AS s(a, b)), inferred with the
 * subquery's own FROM items in view.  0 when unknown.
 */
static uint32_t sub_type(const struct sql__scope *sc,
			 const PgQuery__RangeSubselect *rs, const char *column,
			 int32_t *typmod)
{
	const PgQuery__SelectStmt *sel = rs->subquery->select_stmt;
	while (sel->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
	       sel->larg != NULL) {
		sel = sel->larg;
	}
	const PgQuery__Alias *al = rs->alias;
	size_t pos = SIZE_MAX;
	for (size_t i = 0; al != NULL && i < al->n_colnames; i++) {
		if (sql__str(al->colnames[i]) != NULL &&
		    strcmp(sql__str(al->colnames[i]), column) == 0) {
			pos = i;
		}
	}
	for (size_t i = 0; i < sel->n_target_list; i++) {
		const PgQuery__ResTarget *rt = sel->target_list[i]->res_target;
		const Node *v = rt->val;
		if (v == NULL ||
		    (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
		     v->column_ref->n_fields > 0 &&
		     v->column_ref->fields[v->column_ref->n_fields - 1]
				     ->node_case ==
			     PG_QUERY__NODE__NODE_A_STAR)) {
			return 0; /* SELECT *: positions unknown */
		}
		const char *name = rt->name != NULL && rt->name[0] != '\0'
					   ? rt->name
					   : sql__colname(v);
		if (pos == SIZE_MAX ? strcmp(name, column) != 0 : pos != i) {
			continue;
		}
		struct sql__scope *w = (struct sql__scope *)sc;
		unsigned mark = sql__scope_open(w, sel->from_clause,
						sel->n_from_clause);
		uint32_t t = sql__infer(v, typmod);
		sql__scope_close(w, mark);
		return t;
	}
	return 0;
}

/* WITH queries being typed inside one another (a recursive one names
 * itself): a bound. */
static _Thread_local unsigned cte_depth;

/*
 * Column @column of WITH query @c: the type of its select-list item (a
 * SELECT), or RETURNING item (INSERT, UPDATE, DELETE: the target and
 * FROM/USING items in view), of that name (or position, under c(a, b)).
 * 0 when unknown.
 */
static uint32_t cte_type(const struct sql__scope *sc,
			 const PgQuery__CommonTableExpr *c, const char *column,
			 int32_t *typmod)
{
	const Node *q = c->ctequery;
	Node *const *targets = NULL, *const *from = NULL;
	size_t n_targets = 0, n_from = 0;
	const PgQuery__RangeVar *target = NULL;
	*typmod = -1;
	if (q == NULL || cte_depth >= 4) {
		return 0;
	}
	switch (q->node_case) {
	case PG_QUERY__NODE__NODE_SELECT_STMT: {
		const PgQuery__SelectStmt *sel = q->select_stmt;
		while (sel->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
		       sel->larg != NULL) {
			sel = sel->larg;
		}
		targets = sel->target_list;
		n_targets = sel->n_target_list;
		from = sel->from_clause;
		n_from = sel->n_from_clause;
		break;
	}
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		target = q->insert_stmt->relation;
		targets = q->insert_stmt->returning_list;
		n_targets = q->insert_stmt->n_returning_list;
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		target = q->update_stmt->relation;
		targets = q->update_stmt->returning_list;
		n_targets = q->update_stmt->n_returning_list;
		from = q->update_stmt->from_clause;
		n_from = q->update_stmt->n_from_clause;
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		target = q->delete_stmt->relation;
		targets = q->delete_stmt->returning_list;
		n_targets = q->delete_stmt->n_returning_list;
		from = q->delete_stmt->using_clause;
		n_from = q->delete_stmt->n_using_clause;
		break;
	default:
		return 0;
	}
	const Node *expr = NULL;
	bool star = false;
	for (size_t i = 0; i < n_targets && expr == NULL; i++) {
		if (targets[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET) {
			return 0;
		}
		const PgQuery__ResTarget *rt = targets[i]->res_target;
		const Node *v = rt->val;
		if (v == NULL) {
			return 0;
		}
		if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
		    v->column_ref->n_fields > 0 &&
		    v->column_ref->fields[v->column_ref->n_fields - 1]
				    ->node_case ==
			    PG_QUERY__NODE__NODE_A_STAR) {
			star = true; /* later positions unknown */
			continue;
		}
		const char *name = rt->name != NULL && rt->name[0] != '\0'
					   ? rt->name
					   : sql__colname(v);
		if (i < c->n_aliascolnames) {
			if (star) {
				return 0;
			}
			name = sql__str(c->aliascolnames[i]);
		}
		if (name != NULL && strcmp(name, column) == 0) {
			expr = v;
		}
	}
	if (expr == NULL && (!star || c->n_aliascolnames > 0)) {
		return 0;
	}
	struct sql__scope *w = (struct sql__scope *)sc;
	unsigned mark = sql__scope_open(w, NULL, 0);
	if (target != NULL) {
		add_target(w, target, alias_of(target->alias));
	}
	for (size_t i = 0; i < n_from; i++) {
		sql__scope_add(w, from[i]);
	}
	cte_depth++;
	/* Through a star: a column of the query's own items. */
	uint32_t t = expr != NULL ? sql__infer(expr, typmod)
				  : sql__scope_type(w, NULL, column, typmod);
	cte_depth--;
	sql__scope_close(w, mark);
	return t;
}

/*
 * The column of generate_series(start, stop[, step]) in FROM: the common
 * type of its arguments; a numeric series shows the larger scale of
 * start and step (generate_series(0.5, 2.0, 0.5) gives 1.0).  0 for
 * other functions.
 */
static uint32_t series_type(const PgQuery__RangeFunction *rf,
			    const char *column, int32_t *typmod)
{
	*typmod = -1;
	if (rf->lateral || rf->ordinality || rf->is_rowsfrom ||
	    rf->n_functions != 1 || rf->n_coldeflist > 0) {
		return 0;
	}
	const Node *item = rf->functions[0];
	const Node *call = item->node_case == PG_QUERY__NODE__NODE_LIST &&
					   item->list->n_items > 0
				   ? item->list->items[0]
				   : NULL;
	if (call == NULL || call->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
		return 0;
	}
	const PgQuery__FuncCall *fc = call->func_call;
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	const PgQuery__Alias *al = rf->alias;
	const char *col = al == NULL           ? "generate_series"
			  : al->n_colnames > 0 ? sql__str(al->colnames[0])
					       : al->aliasname;
	if (name == NULL || strcmp(name, "generate_series") != 0 ||
	    fc->n_args < 2 || fc->n_args > 3 || col == NULL ||
	    strcmp(col, column) != 0) {
		return 0;
	}
	uint32_t t = 0;
	int scale = -1;
	for (size_t i = 0; i < fc->n_args; i++) {
		int32_t tm;
		uint32_t a = sql__infer(fc->args[i], &tm);
		if (a == SQL_OID_NUMERIC) {
			bool div;
			int sa = i == 1 ? -1
					: sql__numeric_typmod_scale(tm, &div);
			scale = sa > scale ? sa : scale;
			t = SQL_OID_NUMERIC;
		} else if (t != SQL_OID_NUMERIC &&
			   (a == SQL_OID_INT8 ||
			    (a == SQL_OID_INT4 && t == 0))) {
			t = a;
		}
	}
	if (t == SQL_OID_NUMERIC) {
		*typmod = sql__numeric_scale_typmod(scale < 0 ? 0 : scale);
	}
	return t;
}

/* A column of a FROM item that is not a table: a subquery's, a WITH
 * query's, generate_series'; 0 when unknown. */
static uint32_t derived_type(const struct sql__scope *sc,
			     const struct sql__scope_item *it,
			     const char *column, int32_t *typmod)
{
	*typmod = -1;
	return it->sub != NULL   ? sub_type(sc, it->sub, column, typmod)
	       : it->cte != NULL ? cte_type(sc, it->cte, column, typmod)
	       : it->fn != NULL  ? series_type(it->fn, column, typmod)
				 : 0;
}

uint32_t sql__scope_type(const struct sql__scope *sc, const char *rel,
			 const char *column, int32_t *typmod)
{
	*typmod = -1;
	if (sc->overflow) {
		return 0;
	}
	unsigned k = sc->n;
	while (k > 0) {
		unsigned level = sc->items[k - 1].level;
		bool opaque = false;
		for (; k > 0 && sc->items[k - 1].level == level; k--) {
			const struct sql__scope_item *it = &sc->items[k - 1];
			const char *name = it->alias != NULL ? it->alias
							     : it->table;
			if (rel != NULL) {
				if (name == NULL || strcmp(rel, name) != 0) {
					continue;
				}
				return it->table != NULL
					       ? lookup(sc, it->table, column,
							typmod)
					       : derived_type(sc, it, column,
							      typmod);
			}
			if (it->table == NULL) {
				uint32_t t = derived_type(sc, it, column,
							  typmod);
				if (t != 0) {
					return t;
				}
				opaque = true;
				continue;
			}
			uint32_t t = lookup(sc, it->table, column, typmod);
			if (t != 0) {
				return t;
			}
		}
		if (opaque && rel == NULL) {
			return 0;
		}
	}
	return 0;
}

int sql__scope_resolve(const struct sql__scope *sc, const char *rel,
		       const char *column, sql__scope_has_fn has, void *ctx)
{
	if (sc->overflow || column == NULL) {
		return -1;
	}
	unsigned k = sc->n;
	while (k > 0) {
		unsigned level = sc->items[k - 1].level;
		unsigned n_found = 0;
		int found = -1;
		bool unsure = false;
		for (; k > 0 && sc->items[k - 1].level == level; k--) {
			const struct sql__scope_item *it = &sc->items[k - 1];
			if (rel != NULL) {
				const char *name = it->alias != NULL
							   ? it->alias
							   : it->table;
				if (name == NULL) {
					unsure = true; /* its name unknown */
				} else if (strcmp(name, rel) == 0) {
					n_found++;
					found = (int)(k - 1);
				}
				continue;
			}
			int h = has(ctx, it, column);
			if (h < 0) {
				unsure = true;
			} else if (h > 0) {
				n_found++;
				found = (int)(k - 1);
			}
		}
		if (n_found > 1) {
			return -1; /* ambiguous, or merged by USING */
		}
		if (rel != NULL && n_found == 1) {
			/* A qualified name stops at its item. */
			return has(ctx, &sc->items[found], column) == 1 ? found
									: -1;
		}
		if (unsure) {
			return -1;
		}
		if (n_found == 1) {
			return found;
		}
	}
	return -1;
}

/* sql__colres's view of a scope (the first member: a cast suffices). */
static uint32_t res_type(const struct sql__colres *r, const char *rel,
			 const char *column, int32_t *typmod)
{
	return sql__scope_type((const struct sql__scope *)r, rel, column,
			       typmod);
}

static unsigned res_enter(const struct sql__colres *r,
			  const PgQuery__SelectStmt *sel)
{
	return sql__scope_open((struct sql__scope *)r, sel->from_clause,
			       sel->n_from_clause);
}

static void res_leave(const struct sql__colres *r, unsigned mark)
{
	sql__scope_close((struct sql__scope *)r, mark);
}

void sql__scope_init(struct sql__scope *sc, sql_column_type_fn fn, void *ctx,
		     const struct sql__emit *e)
{
	memset(sc, 0, sizeof *sc);
	sc->res.type = res_type;
	sc->res.enter = res_enter;
	sc->res.leave = res_leave;
	sc->lookup = fn;
	sc->ctx = ctx;
	sc->e = e;
}

/* ---------------------------------------------------------------------
 * The mirror as a lookup (translation time)
 * ------------------------------------------------------------------- */

uint32_t sql__mirror_column_type(void *ctx, const char *table,
				 const char *column, int32_t *typmod)
{
	int rv = TR_OK;
	*typmod = -1;
	uint32_t t = sql__column_decl_type(ctx, table, column, -1, typmod, &rv);
	return rv == TR_OK ? t : 0;
}

/*
 * The lookup of a translation: the mirror's answer.  A table the mirror
 * does not have may be one made since it was read (by this session's
 * last statement, or on another node): the statement says so
 * (schema_miss) and the executor reads the schema and translates again.
 */
static _Thread_local bool mirror_stale;

void sql__scope_stale(bool stale)
{
	mirror_stale = stale;
}

bool sql__scope_is_stale(void)
{
	return mirror_stale;
}

static uint32_t translation_lookup(void *ctx, const char *table,
				   const char *column, int32_t *typmod)
{
	struct sql__emit *e = ctx;
	sqlite3 *db = sql__scope_mirror();
	uint32_t oid = sql__mirror_column_type(db, table, column, typmod);
	if (mirror_stale ||
	    (oid == 0 &&
	     sqlite3_table_column_metadata(db, NULL, table, NULL, NULL, NULL,
					   NULL, NULL, NULL) != SQLITE_OK)) {
		e->stmt->schema_miss = true;
	}
	return oid;
}

bool sql__scope_names(const struct sql__scope *sc, const char *rel)
{
	if (sc->overflow) {
		return true;
	}
	for (unsigned i = 0; i < sc->n; i++) {
		const struct sql__scope_item *it = &sc->items[i];
		const char *name = it->alias != NULL ? it->alias : it->table;
		if (name != NULL && strcmp(name, rel) == 0) {
			return true;
		}
	}
	return false;
}

void sql__scope_begin(struct sql__emit *e, struct sql__scope *sc)
{
	sqlite3 *db = sql__scope_mirror();
	if (db == NULL || sql__colres != NULL || e->catalog) {
		return;
	}
	sql__scope_init(sc, translation_lookup, e, e);
	sc->memo = tr_arena_alloc(e->a,
				  MEMO_SIZE * sizeof(struct sql__scope_memo));
	e->scope = sc;
	sql__colres = &sc->res;
}

void sql__scope_end(struct sql__emit *e)
{
	if (e->scope != NULL) {
		sql__colres = NULL;
		e->scope = NULL;
	}
}

static void add_target(struct sql__scope *sc, const PgQuery__RangeVar *rv,
		       const char *alias)
{
	bool cte = rv->schemaname[0] == '\0' && is_cte(sc, rv->relname);
	/* pg_catalog.x: the catalog's x in the mirror, else the user's x
	 * (pgcatalog_sql.c), both found by the bare name. */
	bool known = (rv->schemaname[0] == '\0' ||
		      strcmp(rv->schemaname, "public") == 0 ||
		      strcmp(rv->schemaname, "pg_catalog") == 0) &&
		     !is_cte(sc, rv->relname);
	add_item(sc, known ? rv->relname : NULL,
		 alias != NULL ? alias : rv->relname);
	/* A WITH query: its node, when the statement wrote it. */
	for (unsigned i = 0; cte && !sc->overflow && i < sc->e->n_with_ctes;
	     i++) {
		if (strcmp(sc->e->with_ctes[i]->ctename, rv->relname) == 0) {
			sc->items[sc->n - 1].cte = sc->e->with_ctes[i];
		}
	}
}

unsigned sql__scope_enter(struct sql__emit *e, const PgQuery__RangeVar *target,
			  Node *const *from, size_t n)
{
	if (e->scope == NULL) {
		return 0;
	}
	unsigned mark = sql__scope_open(e->scope, NULL, 0);
	if (target != NULL) {
		add_target(e->scope, target, alias_of(target->alias));
	}
	for (size_t i = 0; i < n; i++) {
		sql__scope_add(e->scope, from[i]);
	}
	return mark;
}

void sql__scope_alias(struct sql__emit *e, const PgQuery__RangeVar *rv,
		      const char *alias)
{
	if (e->scope != NULL) {
		add_target(e->scope, rv, alias);
	}
}

void sql__scope_leave(struct sql__emit *e, unsigned mark)
{
	if (e->scope != NULL) {
		sql__scope_close(e->scope, mark);
	}
}

uint32_t sql__target_type(struct sql__emit *e, const PgQuery__RangeVar *rv,
			  const char *column, int32_t *typmod)
{
	*typmod = -1;
	if (e->scope == NULL || rv == NULL || column == NULL ||
	    (rv->schemaname[0] != '\0' &&
	     strcmp(rv->schemaname, "public") != 0)) {
		return 0;
	}
	return lookup(e->scope, rv->relname, column, typmod);
}

const char *sql__target_column(struct sql__emit *e, const PgQuery__RangeVar *rv,
			       size_t i)
{
	if (e->scope == NULL || rv == NULL) {
		return NULL;
	}
	struct tr_buf q;
	tr_buf_init(&q, 0);
	tr_buf_put_str(&q, "SELECT * FROM ");
	sql__ident_buf(&q, rv->relname);
	const char *name = NULL;
	sqlite3_stmt *ps = NULL;
	if (tr_buf_err(&q) == TR_OK &&
	    sqlite3_prepare_v2(sql__scope_mirror(), tr_buf_cstr(&q), -1, &ps,
			       NULL) == SQLITE_OK &&
	    i < (size_t)sqlite3_column_count(ps) &&
	    sqlite3_column_name(ps, (int)i) != NULL) {
		name = tr_arena_strdup(e->a, sqlite3_column_name(ps, (int)i));
	}
	if (ps == NULL || mirror_stale) {
		e->stmt->schema_miss = true; /* as translation_lookup */
	}
	sqlite3_finalize(ps);
	tr_buf_close(&q);
	return name;
}
