/*
 * sql/comment.c: COMMENT ON TABLE / COLUMN.
 *
 *   sql__comment             COMMENT ON TABLE t IS '...' | NULL,
 *                            COMMENT ON COLUMN t.c IS '...' | NULL
 *   sql__comment_drop_table  the comments that go with DROP TABLE t
 *   sql__comment_view        a comment's view name, decoded (catalog)
 *
 * Storage.  Each comment is a view "triode_comment_<hex of t>" (a table's)
 * or "triode_comment_<hex of t>_<hex of c>" (a column's), AS SELECT
 * '<text>' AS description: replicated with the schema and read by the
 * catalog mirror from the DDL text (pg_description, obj_description,
 * col_description, psql's \d+ and \dt+).  One view per comment, so that
 * setting one never reads the others (the mirror may be behind).  The
 * names are hex so that '_' separates table and column unambiguously.
 * The views are hidden from pg_class.
 *
 * DROP TABLE drops the table's comment and the column comments the mirror
 * knows of.  Not followed: renaming a table or a column (its comments are
 * left behind, and come back if a table of the old name is made again).
 */
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

#define COMMENT_PREFIX "triode_comment_"

static void put_hex(struct tr_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		tr_buf_printf(b, "%02x", *p);
	}
}

/* The view name of the comment on @table (@column NULL) or on a column. */
static const char *view_name(struct sql__emit *e, const char *table,
			     const char *column)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_str(&b, COMMENT_PREFIX);
	put_hex(&b, table);
	if (column != NULL) {
		tr_buf_put_str(&b, "_");
		put_hex(&b, column);
	}
	const char *s = tr_buf_cstr(&b);
	char *out = tr_buf_err(&b) == TR_OK ? tr_arena_strdup(e->a, s) : NULL;
	tr_buf_close(&b);
	if (out == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
	}
	return out;
}

void sql__comment(struct sql__emit *e, const PgQuery__CommentStmt *s)
{
	bool column = s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN;
	if ((s->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE && !column) ||
	    s->object == NULL ||
	    s->object->node_case != PG_QUERY__NODE__NODE_LIST) {
		sql__fail(e, -1, "0A000",
			  "COMMENT ON is only supported for tables and "
			  "columns");
		return;
	}
	const PgQuery__List *l = s->object->list;
	size_t want = column ? 2 : 1;
	if (l->n_items < want || l->n_items > want + 1) {
		sql__fail(e, -1, "42601", "improper qualified name");
		return;
	}
	if (l->n_items == want + 1) {
		const char *schema = sql__str(l->items[0]);
		if (schema == NULL || strcmp(schema, "public") != 0) {
			sql__fail(e, -1, "3F000",
				  "schema \"%s\" does not exist",
				  schema != NULL ? schema : "");
			return;
		}
	}
	const char *table = sql__str(l->items[l->n_items - want]);
	const char *col = column ? sql__str(l->items[l->n_items - 1]) : NULL;
	if (table == NULL || (column && col == NULL)) {
		sql__fail(e, -1, "42601", "expected a name");
		return;
	}
	const char *view = view_name(e, table, col);
	if (view == NULL) {
		return;
	}
	/* The table (and column) must exist: SQLite's "no such table" and
	 * "no such column" become 42P01 and 42703. */
	sql__put(e, "SELECT ");
	if (column) {
		sql__ident(e, col);
	} else {
		sql__put(e, "1");
	}
	sql__put(e, " FROM ");
	sql__ident(e, table);
	sql__put(e, " LIMIT 0; DROP VIEW IF EXISTS ");
	sql__ident(e, view);
	/* IS NULL and IS '' both remove the comment, as in PostgreSQL. */
	if (s->comment != NULL && s->comment[0] != '\0') {
		sql__put(e, "; CREATE VIEW ");
		sql__ident(e, view);
		sql__put(e, " AS SELECT ");
		sql__string(e, s->comment);
		sql__put(e, " AS description");
	}
}

void sql__comment_drop_table(struct sql__emit *e, const char *table)
{
	const char *view = view_name(e, table, NULL);
	if (view == NULL) {
		return;
	}
	sql__put(e, "; DROP VIEW IF EXISTS ");
	sql__ident(e, view);
	sqlite3 *db = sql__scope_mirror();
	if (db == NULL) {
		return;
	}
	sqlite3_stmt *ps = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT name FROM main.sqlite_schema WHERE type "
			       "= 'view' AND substr(name, 1, length(?1) + 1) "
			       "= ?1 || '_'",
			       -1, &ps, NULL) != SQLITE_OK) {
		sqlite3_finalize(ps);
		return;
	}
	sqlite3_bind_text(ps, 1, view, -1, SQLITE_STATIC);
	while (sqlite3_step(ps) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(ps, 0);
		if (v != NULL) {
			sql__put(e, "; DROP VIEW IF EXISTS ");
			sql__ident(e, v);
		}
	}
	sqlite3_finalize(ps);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
				      : -1;
}

/* Hex digits from @p up to '_' or the end into @out; the end in *@end. */
static bool unhex(const char *p, const char **end, char *out, size_t cap)
{
	size_t n = 0;
	while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
		if (n + 1 >= cap) {
			return false;
		}
		out[n++] = (char)(hexval(p[0]) * 16 + hexval(p[1]));
		p += 2;
	}
	out[n] = '\0';
	*end = p;
	return n > 0;
}

bool sql__comment_view(const char *name, char *table, size_t table_cap,
		       char *column, size_t column_cap)
{
	size_t n = sizeof COMMENT_PREFIX - 1;
	if (name == NULL || strncmp(name, COMMENT_PREFIX, n) != 0) {
		return false;
	}
	const char *p;
	if (!unhex(name + n, &p, table, table_cap)) {
		return false;
	}
	column[0] = '\0';
	if (*p == '_') {
		return unhex(p + 1, &p, column, column_cap) && *p == '\0';
	}
	return *p == '\0';
}
