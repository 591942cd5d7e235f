/*
 * sql/identity.c: GENERATED ALWAYS AS IDENTITY at translation.
 *
 *   sql__identity_insert  INSERT giving an identity-always column a value
 *   sql__identity_update  UPDATE setting one
 *
 * PostgreSQL refuses both (428C9) unless INSERT says OVERRIDING SYSTEM
 * VALUE.  SQLite has no such notion: an identity column is an INTEGER
 * PRIMARY KEY AUTOINCREMENT whose kind ddl.c keeps in a comment of the
 * CREATE TABLE text, which the catalog mirror turns into
 * pg_attribute.attidentity.  So the check is made when the statement is
 * translated, against the mirror the executor names (sql__scope_mirror).
 *
 * The mirror lags the DDL a session has just run: a target it does not
 * know makes the executor reload it and translate again (needs_schema).
 * Without a mirror (none named) nothing is checked.
 */
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* Most columns looked at (SQLite's own limit is 2000). */
#define MAX_COLS 2000

/* Whether the mirror has a relation named @table (a view, a sequence
 * too); false also when the mirror cannot say. */
static bool mirror_has(sqlite3 *db, const char *table, bool *known)
{
	sqlite3_stmt *ps = NULL;
	*known = false;
	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM pg_catalog.pg_class WHERE "
			       "relname = ?1",
			       -1, &ps, NULL) != SQLITE_OK) {
		sqlite3_finalize(ps);
		return false;
	}
	sqlite3_bind_text(ps, 1, table, -1, SQLITE_STATIC);
	int rc = sqlite3_step(ps);
	sqlite3_finalize(ps);
	*known = rc == SQLITE_ROW || rc == SQLITE_DONE;
	return rc == SQLITE_ROW;
}

/* The CREATE TABLE text of @table in the mirror (arena), or NULL. */
static const char *table_sql(struct sql__emit *e, sqlite3 *db,
			     const char *table)
{
	sqlite3_stmt *ps = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT sql FROM main.sqlite_schema WHERE type "
			       "= 'table' AND name = ?1",
			       -1, &ps, NULL) != SQLITE_OK) {
		sqlite3_finalize(ps);
		return NULL;
	}
	sqlite3_bind_text(ps, 1, table, -1, SQLITE_STATIC);
	const char *sql = NULL;
	if (sqlite3_step(ps) == SQLITE_ROW &&
	    sqlite3_column_text(ps, 0) != NULL) {
		sql = tr_arena_strdup(e->a,
				      (const char *)sqlite3_column_text(ps, 0));
	}
	sqlite3_finalize(ps);
	return sql;
}

/*
 * The columns of the target @rv in the mirror, in order, with whether
 * each is an identity-always column; false if it has none.  A relation
 * the mirror does not know fails @e with 42P01 and needs_schema: the
 * executor reloads the mirror (it lags DDL the session just ran) and
 * translates again, and only then is that the answer.
 */
static bool always_columns(struct sql__emit *e, const PgQuery__RangeVar *rv,
			   const char ***names, bool **always, size_t *n)
{
	sqlite3 *db = sql__scope_mirror();
	if (db == NULL || rv == NULL || rv->relname == NULL) {
		return false;
	}
	bool known;
	if (!mirror_has(db, rv->relname, &known)) {
		if (known) {
			sql__fail(e, rv->location, "42P01",
				  "relation \"%s\" does not exist",
				  rv->relname);
			e->stmt->needs_schema = true;
		}
		return false;
	}
	sqlite3_stmt *ps = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT a.attname, a.attidentity = 'a' FROM "
			       "pg_catalog.pg_attribute a JOIN "
			       "pg_catalog.pg_class c ON c.oid = a.attrelid "
			       "WHERE c.relname = ?1 AND c.relkind = 'r' AND "
			       "a.attnum > 0 ORDER BY a.attnum",
			       -1, &ps, NULL) != SQLITE_OK) {
		sqlite3_finalize(ps);
		return false;
	}
	sqlite3_bind_text(ps, 1, rv->relname, -1, SQLITE_STATIC);
	const char **nv = tr_arena_alloc(e->a, MAX_COLS * sizeof *nv);
	bool *av = tr_arena_alloc(e->a, MAX_COLS * sizeof *av);
	size_t count = 0;
	bool any = false;
	while (nv != NULL && av != NULL && count < MAX_COLS &&
	       sqlite3_step(ps) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(ps, 0);
		nv[count] = tr_arena_strdup(e->a, name != NULL ? name : "");
		av[count] = sqlite3_column_int(ps, 1) != 0;
		any = any || av[count];
		count++;
	}
	sqlite3_finalize(ps);
	/* Identity columns other than the rowid alias: a sequence of
	 * their own, the kind in a comment of the table's text (ddl.c). */
	const char *sql = table_sql(e, db, rv->relname);
	for (size_t i = 0; sql != NULL && i < count; i++) {
		char kind[32];
		char seq[256];
		if (!av[i] &&
		    sql__column_seq(sql, nv[i], kind, sizeof kind, seq,
				    sizeof seq) &&
		    strcmp(kind, "identity always") == 0) {
			av[i] = true;
			any = true;
		}
	}
	if (!any) {
		return false;
	}
	*names = nv;
	*always = av;
	*n = count;
	return true;
}

static void fail_always(struct sql__emit *e, const char *column, bool update)
{
	if (update) {
		sql__fail(e, -1, "428C9",
			  "column \"%s\" can only be updated to DEFAULT",
			  column);
	} else {
		sql__fail(e, -1, "428C9",
			  "cannot insert a non-DEFAULT value into column "
			  "\"%s\"",
			  column);
		e->stmt->error.hint =
			"Use OVERRIDING SYSTEM VALUE to override.";
	}
	e->stmt->error.detail = tr_arena_printf(e->a,
						"Column \"%s\" is an identity "
						"column defined as GENERATED "
						"ALWAYS.",
						column);
}

static bool is_default(const Node *n)
{
	return n != NULL && n->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT;
}

void sql__identity_insert(struct sql__emit *e, const PgQuery__InsertStmt *s)
{
	if (s->override == PG_QUERY__OVERRIDING_KIND__OVERRIDING_USER_VALUE) {
		sql__fail(e, -1, "0A000",
			  "OVERRIDING USER VALUE is not supported");
		return;
	}
	if (s->override == PG_QUERY__OVERRIDING_KIND__OVERRIDING_SYSTEM_VALUE ||
	    s->select_stmt == NULL || s->relation == NULL) {
		return; /* DEFAULT VALUES gives no column a value */
	}
	const char **names;
	bool *always;
	size_t n_names;
	if (!always_columns(e, s->relation, &names, &always, &n_names)) {
		return;
	}
	const PgQuery__SelectStmt *src =
		s->select_stmt->node_case == PG_QUERY__NODE__NODE_SELECT_STMT
			? s->select_stmt->select_stmt
			: NULL;
	bool values = src != NULL && src->n_values_lists > 0 &&
		      src->op == PG_QUERY__SET_OPERATION__SETOP_NONE;
	/* The i-th target: the column list's, or the table's i-th. */
	size_t n_targets = s->n_cols > 0 ? s->n_cols : n_names;
	for (size_t i = 0; i < n_targets; i++) {
		const char *col = s->n_cols > 0 ? s->cols[i]->res_target->name
						: names[i];
		size_t k = 0;
		while (k < n_names && strcmp(names[k], col) != 0) {
			k++;
		}
		if (k == n_names || !always[k]) {
			continue;
		}
		if (!values) {
			/* A query's rows always give the column a value. */
			fail_always(e, col, false);
			return;
		}
		for (size_t r = 0; r < src->n_values_lists; r++) {
			const PgQuery__List *l = src->values_lists[r]->list;
			if (i < l->n_items && !is_default(l->items[i])) {
				fail_always(e, col, false);
				return;
			}
		}
	}
}

void sql__identity_update(struct sql__emit *e, const PgQuery__UpdateStmt *s)
{
	const char **names;
	bool *always;
	size_t n_names;
	if (!always_columns(e, s->relation, &names, &always, &n_names)) {
		return;
	}
	for (size_t i = 0; i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		const Node *v = rt->val;
		/* (a, b) = (...): each column gets a value, DEFAULT or not. */
		if (v != NULL &&
		    v->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) {
			const PgQuery__MultiAssignRef *m = v->multi_assign_ref;
			const Node *src = m->source;
			v = NULL;
			if (src != NULL &&
			    src->node_case == PG_QUERY__NODE__NODE_ROW_EXPR &&
			    m->colno >= 1 &&
			    (size_t)m->colno <= src->row_expr->n_args) {
				v = src->row_expr->args[m->colno - 1];
			}
		}
		if (is_default(v)) {
			continue;
		}
		for (size_t k = 0; k < n_names; k++) {
			if (always[k] && strcmp(names[k], rt->name) == 0) {
				fail_always(e, rt->name, true);
				return;
			}
		}
	}
}
