/*
 * sql/enum.c: PostgreSQL enum types (CREATE TYPE ... AS ENUM) on SQLite.
 *
 *   sql__create_enum     CREATE TYPE t AS ENUM ('a', 'b', ...)
 *   sql__drop_type       DROP TYPE [IF EXISTS] t [, ...]
 *   sql__enum_find       an enum type named by a TypeName, at translation
 *   sql__enum_column     the declared type, collation and check of a column
 *   sql__enum_cast       'a'::t
 *   sql__enum_decl_oid   the type OID of an enum column (mirror)
 *   sql__enum_register   pg_enum_* functions and the label collations
 *
 * Storage.  An enum type is a view "triode_enum_<t>" (pos, label) AS
 * VALUES (1, 'a'), (2, 'b'), ...: replicated with the schema, read by the
 * catalog mirror from the DDL text (pg_type typtype 'e', pg_enum), and by
 * the translator from the mirror.  The view is hidden from pg_class.
 *
 * Columns.  A column of type t stores the label as text.  Its declared
 * type is "enum_text x<hex of t>" (TEXT affinity whatever t is called:
 * hex digits never spell INT; the catalog maps it back to t's OID), its
 * collation "pgenum:<labels>" orders values by label position, so ORDER
 * BY, <, min/max and indexes follow the enum's order with no help from
 * the translator, and a hidden check "<t>_<c>_enum" calls
 * pg_enum_check(), which raises PostgreSQL's 22P02 for an unknown label.
 * The collation name carries the labels themselves (escaped, see
 * put_labels), so every connection builds the collation on first use
 * (sqlite3_collation_needed) without reading anything, and a type dropped
 * and made again with other labels gets another collation.
 *
 * Translation needs the labels: the executor names the mirror to read
 * them from (sql_catalog_enum_scope) before translating.  A type created
 * on another node and not yet in this node's mirror is "does not exist".
 *
 * ALTER TYPE ADD VALUE / RENAME VALUE: the collation and check are in
 * each column's DDL text, so the tables that use the type are rebuilt
 * (sql__alter_enum, rebuild.c).  A view that casts to the type keeps the
 * labels it was made with.
 *
 * Not done: arrays of enums, enum-typed parameters other than text.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

#define ENUM_VIEW_PREFIX "triode_enum_"
#define ENUM_DECL_PREFIX "enum_text x"
#define ENUM_COLL_PREFIX "pgenum:"
/* PostgreSQL's NAMEDATALEN - 1. */
#define ENUM_LABEL_MAX   63
/* pg_enum OIDs are base + 2 + position - 1 inside the type's block. */
#define ENUM_MAX_LABELS  990

static _Thread_local sqlite3 *scope_db;

void sql__enum_scope(struct sqlite3 *db)
{
	scope_db = db;
}

struct sqlite3 *sql__scope_mirror(void)
{
	return scope_db;
}

/* ---------------------------------------------------------------------
 * Label lists: "a,b,c" with every byte outside [a-z0-9_ .-] written as
 * %XX (lower-case hex): no comma or quote inside a label, and no
 * upper-case letter, because SQLite folds the case of collation names.
 * ------------------------------------------------------------------- */

static bool is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == ' ' || c == '.' || c == '-';
}

static void put_label(struct tr_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (is_plain(*p)) {
			tr_buf_printf(b, "%c", *p);
		} else {
			tr_buf_printf(b, "%%%02x", *p);
		}
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
				      : -1;
}

/*
 * The next label of the list at *@p, decoded into @out (cap @cap); *@p
 * moves past it and its comma.  False at the end of the list or on a
 * malformed or overlong label.
 */
static bool next_label(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	if (s == NULL || *s == '\0') {
		return false;
	}
	size_t n = 0;
	while (*s != '\0' && *s != ',') {
		int c = (unsigned char)*s;
		if (c == '%') {
			int hi = hexval(s[1]);
			int lo = hi >= 0 ? hexval(s[2]) : -1;
			if (lo < 0) {
				return false;
			}
			c = hi * 16 + lo;
			s += 3;
		} else {
			s++;
		}
		if (n + 1 >= cap) {
			return false;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	*p = *s == ',' ? s + 1 : s;
	return true;
}

/* 1-based position of @label in the list @list, 0 if absent. */
static int label_pos(const char *list, const char *label, size_t len)
{
	char buf[ENUM_LABEL_MAX * 4 + 1];
	const char *p = list;
	int pos = 0;
	while (next_label(&p, buf, sizeof buf)) {
		pos++;
		if (strlen(buf) == len && memcmp(buf, label, len) == 0) {
			return pos;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------- */

/* Enum names are plain lower-case identifiers (what the view's name and
 * the declared type can carry without quoting). */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ENUM_LABEL_MAX || (s[0] >= '0' && s[0] <= '9')) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_')) {
			return false;
		}
	}
	return true;
}

/* The type name of a list of String nodes (schema public only); NULL
 * after failing @e. */
static const char *type_name(struct sql__emit *e, Node *const *names, size_t n,
			     int loc)
{
	if (n == 0 || n > 2) {
		sql__fail(e, loc, "0A000", "this type name is not supported");
		return NULL;
	}
	if (n == 2) {
		const char *schema = sql__str(names[0]);
		if (schema == NULL || strcmp(schema, "public") != 0) {
			sql__fail(e, loc, "3F000",
				  "schema \"%s\" does not exist",
				  schema != NULL ? schema : "");
			return NULL;
		}
	}
	const char *name = sql__str(names[n - 1]);
	if (name == NULL) {
		sql__fail(e, loc, "42601", "expected a type name");
		return NULL;
	}
	return name;
}

static void put_decl_name(struct sql__emit *e, const char *name)
{
	sql__put(e, ENUM_DECL_PREFIX);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		sql__putf(e, "%02x", *p);
	}
}

/* ---------------------------------------------------------------------
 * Statements
 * ------------------------------------------------------------------- */

/* The CREATE VIEW of type @name with @labels. */
static void put_view(struct tr_buf *b, const char *name,
		     const char *const *labels, unsigned n, bool if_absent)
{
	tr_buf_put_str(b, if_absent ? "CREATE VIEW IF NOT EXISTS "
				    : "CREATE VIEW ");
	char view[sizeof ENUM_VIEW_PREFIX + ENUM_LABEL_MAX + 1];
	snprintf(view, sizeof view, ENUM_VIEW_PREFIX "%s", name);
	sql__ident_buf(b, view);
	tr_buf_put_str(b, " (pos, label) AS ");
	if (n == 0) {
		/* An empty enum: a view with no rows. */
		tr_buf_put_str(b, "SELECT 0, '' WHERE 0");
		return;
	}
	tr_buf_put_str(b, "VALUES ");
	for (unsigned i = 0; i < n; i++) {
		tr_buf_printf(b, "%s(%u, ", i > 0 ? ", " : "", i + 1);
		sql__string_buf(b, labels[i]);
		tr_buf_put_str(b, ")");
	}
}

/* @if_absent: a DO block's CREATE TYPE whose handler swallows
 * duplicate_object (do.c): a no-op if the type exists. */
static void create_enum(struct sql__emit *e, const PgQuery__CreateEnumStmt *s,
			bool if_absent)
{
	const char *name = type_name(e, s->type_name, s->n_type_name, -1);
	if (name == NULL) {
		return;
	}
	if (sql__type_known(name)) {
		if (if_absent) {
			sql__put(e, "SELECT 1 WHERE 0");
			return;
		}
		sql__fail(e, -1, "42710", "type \"%s\" already exists", name);
		return;
	}
	if (!plain_name(name)) {
		sql__fail(e, -1, "0A000",
			  "enum type names other than plain lower-case "
			  "identifiers are not supported");
		return;
	}
	if (s->n_vals > ENUM_MAX_LABELS) {
		sql__fail(e, -1, "54000", "too many enum labels");
		return;
	}
	const char **labels = tr_arena_alloc(e->a,
					     (s->n_vals + 1) * sizeof *labels);
	if (labels == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return;
	}
	for (size_t i = 0; i < s->n_vals; i++) {
		const char *v = sql__str(s->vals[i]);
		if (v == NULL) {
			sql__fail(e, -1, "42601", "expected an enum label");
			return;
		}
		size_t len = strlen(v);
		if (len == 0 || len > ENUM_LABEL_MAX) {
			sql__fail(e, -1, "22023", "invalid enum label \"%s\"",
				  v);
			return;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(v, labels[j]) == 0) {
				/* PostgreSQL's words: its pg_enum index. */
				sql__fail(e, -1, "23505",
					  "duplicate key value violates "
					  "unique constraint "
					  "\"pg_enum_typid_label_index\"");
				return;
			}
		}
		labels[i] = v;
	}
	put_view(&e->out, name, labels, (unsigned)s->n_vals, if_absent);
}

void sql__create_enum(struct sql__emit *e, const PgQuery__CreateEnumStmt *s)
{
	create_enum(e, s, false);
}

void sql__create_enum_do(struct sql__emit *e, const PgQuery__CreateEnumStmt *s,
			 bool if_absent)
{
	create_enum(e, s, if_absent);
}

/* ---------------------------------------------------------------------
 * ALTER TYPE ... ADD VALUE / RENAME VALUE
 *
 * The labels are in the type's view and in the collation and check of
 * every column of the type (see the file comment): the view is made
 * again and those tables are rebuilt with the new collation and check
 * (rebuild.c, from the leader's schema), a renamed label renamed in
 * their rows.
 * ------------------------------------------------------------------- */

void sql__alter_enum(struct sql__emit *e, const PgQuery__AlterEnumStmt *s)
{
	const char *name = type_name(e, s->type_name, s->n_type_name, -1);
	if (name == NULL) {
		return;
	}
	const char *v = s->new_val;
	if (v == NULL || v[0] == '\0' || strlen(v) > ENUM_LABEL_MAX) {
		sql__fail(e, -1, "22023", "invalid enum label \"%s\"",
			  v != NULL ? v : "");
		return;
	}
	struct sql_rebuild *r = tr_arena_alloc(e->a, sizeof *r);
	struct sql_enum_alter *x = tr_arena_alloc(e->a, sizeof *x);
	if (r == NULL || x == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return;
	}
	memset(r, 0, sizeof *r);
	memset(x, 0, sizeof *x);
	x->type = tr_arena_strdup(e->a, name);
	x->new_val = tr_arena_strdup(e->a, v);
	bool rename = s->old_val != NULL && s->old_val[0] != '\0';
	x->old_val = rename ? tr_arena_strdup(e->a, s->old_val) : NULL;
	x->neighbor = s->new_val_neighbor != NULL &&
				      s->new_val_neighbor[0] != '\0'
			      ? tr_arena_strdup(e->a, s->new_val_neighbor)
			      : NULL;
	x->after = s->new_val_is_after;
	x->if_not_exists = s->skip_if_new_val_exists;
	r->enum_alter = x;
	e->stmt->rebuild = r;
}

/* The labels of the type whose view text is @sql, in order (arena). */
static bool view_labels(struct tr_arena *a, const char *sql,
			const char ***labels, unsigned *n)
{
	*n = 0;
	*labels = tr_arena_alloc(a, (ENUM_MAX_LABELS + 2) * sizeof **labels);
	if (*labels == NULL) {
		return false;
	}
	const char *p = strstr(sql, " VALUES ");
	if (p == NULL) {
		return true; /* the empty enum's SELECT 0, '' WHERE 0 */
	}
	while ((p = strchr(p, '\'')) != NULL && *n <= ENUM_MAX_LABELS) {
		struct tr_buf b;
		tr_buf_init(&b, 0);
		p++;
		while (*p != '\0' && !(p[0] == '\'' && p[1] != '\'')) {
			if (p[0] == '\'') {
				p++; /* '' */
			}
			tr_buf_put(&b, p, 1);
			p++;
		}
		const char *s = tr_buf_cstr(&b);
		(*labels)[(*n)++] = tr_arena_strdup(a, s != NULL ? s : "");
		tr_buf_close(&b);
		if ((*labels)[*n - 1] == NULL) {
			return false;
		}
		if (*p == '\0') {
			break;
		}
		p++;
	}
	return true;
}

int sql__enum_alter_labels(struct tr_arena *a, const struct sql_enum_alter *x,
			   const char *view_sql, const char ***labels,
			   unsigned *n, bool *skip, struct sql_error *err)
{
	*skip = false;
	const char **l;
	unsigned count;
	if (!view_labels(a, view_sql, &l, &count)) {
		return TR_ENOMEM;
	}
	int found_new = -1;
	int found_old = -1;
	int found_near = -1;
	for (unsigned i = 0; i < count; i++) {
		if (strcmp(l[i], x->new_val) == 0) {
			found_new = (int)i;
		}
		if (x->old_val != NULL && strcmp(l[i], x->old_val) == 0) {
			found_old = (int)i;
		}
		if (x->neighbor != NULL && strcmp(l[i], x->neighbor) == 0) {
			found_near = (int)i;
		}
	}
	if (x->old_val != NULL) {
		if (found_old < 0) {
			return sql__error(err, a, "22023",
					  "\"%s\" is not an existing enum "
					  "label",
					  x->old_val);
		}
		if (found_new >= 0 && found_new != found_old) {
			return sql__error(err, a, "42710",
					  "enum label \"%s\" already exists",
					  x->new_val);
		}
		l[found_old] = x->new_val;
		*labels = l;
		*n = count;
		return TR_OK;
	}
	if (found_new >= 0) {
		if (x->if_not_exists) {
			*skip = true;
			return TR_OK;
		}
		return sql__error(err, a, "42710",
				  "enum label \"%s\" already exists",
				  x->new_val);
	}
	if (x->neighbor != NULL && found_near < 0) {
		return sql__error(err, a, "22023",
				  "\"%s\" is not an existing enum label",
				  x->neighbor);
	}
	if (count >= ENUM_MAX_LABELS) {
		return sql__error(err, a, "54000", "too many enum labels");
	}
	unsigned at = x->neighbor == NULL ? count
		      : x->after          ? (unsigned)found_near + 1
					  : (unsigned)found_near;
	memmove(&l[at + 1], &l[at], (count - at) * sizeof *l);
	l[at] = x->new_val;
	*labels = l;
	*n = count + 1;
	return TR_OK;
}

const char *sql__enum_view_sql(struct tr_arena *a, const char *type,
			       const char *const *labels, unsigned n)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	put_view(&b, type, labels, n, false);
	const char *s = tr_buf_cstr(&b);
	const char *out = tr_buf_err(&b) == TR_OK && s != NULL
				  ? tr_arena_strdup(a, s)
				  : NULL;
	tr_buf_close(&b);
	return out;
}

const char *sql__enum_label_list(struct tr_arena *a, const char *const *labels,
				 unsigned n)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	for (unsigned i = 0; i < n; i++) {
		if (i > 0) {
			tr_buf_put_str(&b, ",");
		}
		put_label(&b, labels[i]);
	}
	const char *s = n > 0 ? tr_buf_cstr(&b) : "";
	const char *out = tr_buf_err(&b) == TR_OK && s != NULL
				  ? tr_arena_strdup(a, s)
				  : NULL;
	tr_buf_close(&b);
	return out;
}

const char *sql__enum_decl(struct tr_arena *a, const char *type)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_str(&b, ENUM_DECL_PREFIX);
	for (const unsigned char *p = (const unsigned char *)type; *p; p++) {
		tr_buf_printf(&b, "%02x", *p);
	}
	const char *s = tr_buf_cstr(&b);
	const char *out = tr_buf_err(&b) == TR_OK && s != NULL
				  ? tr_arena_strdup(a, s)
				  : NULL;
	tr_buf_close(&b);
	return out;
}

const char *sql__enum_view_of(struct tr_arena *a, const char *type)
{
	return tr_arena_printf(a, ENUM_VIEW_PREFIX "%s", type);
}

void sql__drop_type(struct sql__emit *e, const PgQuery__DropStmt *s)
{
	for (size_t i = 0; i < s->n_objects; i++) {
		const Node *o = s->objects[i];
		if (o->node_case != PG_QUERY__NODE__NODE_TYPE_NAME) {
			sql__fail(e, -1, "0A000",
				  "this DROP TYPE form is not supported");
			return;
		}
		const PgQuery__TypeName *tn = o->type_name;
		const char *name = type_name(e, tn->names, tn->n_names,
					     tn->location);
		if (name == NULL) {
			return;
		}
		if (!plain_name(name)) {
			if (s->missing_ok) {
				continue;
			}
			sql__fail(e, tn->location, "42704",
				  "type \"%s\" does not exist", name);
			return;
		}
		/* A column still of the type stops the statement (2BP01)
		 * before the view goes: PostgreSQL's RESTRICT.  The query
		 * returns no row either way. */
		if (e->out.len > 0) {
			sql__put(e, "; ");
		}
		sql__put(e, "SELECT 1 FROM main.sqlite_schema WHERE type = "
			    "'table' AND instr(sql, ' ");
		put_decl_name(e, name);
		sql__put(e, " ') > 0 AND pg_enum_in_use(");
		sql__string(e, name);
		sql__put(e, ", name); DROP VIEW ");
		if (s->missing_ok) {
			sql__put(e, "IF EXISTS ");
		}
		sql__ident(e,
			   tr_arena_printf(e->a, ENUM_VIEW_PREFIX "%s", name));
	}
	if (e->out.len == 0) {
		sql__put(e, "SELECT 1 WHERE 0"); /* nothing to drop */
	}
}

/* ---------------------------------------------------------------------
 * Translation: columns and casts
 * ------------------------------------------------------------------- */

bool sql__enum_find(struct sql__emit *e, const PgQuery__TypeName *tn,
		    struct sql__enum *out)
{
	if (scope_db == NULL || tn == NULL || tn->n_names == 0 ||
	    tn->n_names > 2 || tn->n_typmods > 0 || tn->n_array_bounds > 0 ||
	    tn->setof || tn->pct_type) {
		return false;
	}
	if (tn->n_names == 2) {
		const char *schema = sql__str(tn->names[0]);
		if (schema == NULL || strcmp(schema, "public") != 0) {
			return false;
		}
	}
	const char *name = sql__str(tn->names[tn->n_names - 1]);
	if (name == NULL || !plain_name(name) || sql__type_known(name)) {
		return false;
	}
	char *q = sqlite3_mprintf("SELECT label FROM main.\"" ENUM_VIEW_PREFIX
				  "%w\" ORDER BY pos",
				  name);
	if (q == NULL) {
		return false;
	}
	sqlite3_stmt *ps = NULL;
	int rc = sqlite3_prepare_v2(scope_db, q, -1, &ps, NULL);
	sqlite3_free(q);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(ps);
		return false;
	}
	struct tr_buf b;
	tr_buf_init(&b, 0);
	unsigned n = 0;
	while (sqlite3_step(ps) == SQLITE_ROW) {
		const char *l = (const char *)sqlite3_column_text(ps, 0);
		if (n++ > 0) {
			tr_buf_put_str(&b, ",");
		}
		put_label(&b, l != NULL ? l : "");
	}
	sqlite3_finalize(ps);
	const char *labels = tr_buf_cstr(&b);
	bool ok = tr_buf_err(&b) == TR_OK;
	out->name = tr_arena_strdup(e->a, name);
	out->labels = ok ? tr_arena_strdup(e->a, labels) : NULL;
	tr_buf_close(&b);
	if (out->name == NULL || out->labels == NULL) {
		sql__fail(e, tn->location, "53200", "out of memory");
		return false;
	}
	return true;
}

void sql__enum_column(struct sql__emit *e, const struct sql__enum *en)
{
	if (e->n_enums < TR_ARRAY_LEN(e->enums)) {
		e->enums[e->n_enums++] = en->name;
	}
	sql__put(e, " ");
	put_decl_name(e, en->name);
	sql__put(e, " COLLATE ");
	sql__ident(e, tr_arena_printf(e->a, ENUM_COLL_PREFIX "%s", en->labels));
}

void sql__enum_verify(struct sql__emit *e)
{
	if (sql__failed(e) || e->stmt->rebuild != NULL) {
		return;
	}
	for (unsigned i = 0; i < e->n_enums; i++) {
		sql__put(e, "; SELECT 1 FROM ");
		sql__ident(e, tr_arena_printf(e->a, ENUM_VIEW_PREFIX "%s",
					      e->enums[i]));
		sql__put(e, " LIMIT 0");
	}
}

void sql__enum_check(struct sql__emit *e, const struct sql__enum *en,
		     const char *table, const char *column)
{
	sql__put(e, " CONSTRAINT ");
	sql__ident(e, tr_arena_printf(e->a, "%s_%s_enum", table, column));
	sql__put(e, " CHECK (pg_enum_check(");
	sql__ident(e, column);
	sql__put(e, ", ");
	sql__string(e, en->name);
	sql__put(e, ", ");
	sql__string(e, en->labels);
	sql__put(e, "))");
}

bool sql__enum_cast(struct sql__emit *e, const PgQuery__TypeCast *tc)
{
	struct sql__enum en;
	if (!sql__enum_find(e, tc->type_name, &en)) {
		return false;
	}
	sql__put(e, "(pg_enum_in(");
	sql__expr(e, tc->arg);
	sql__put(e, ", ");
	sql__string(e, en.name);
	sql__put(e, ", ");
	sql__string(e, en.labels);
	sql__put(e, ") COLLATE ");
	sql__ident(e, tr_arena_printf(e->a, ENUM_COLL_PREFIX "%s", en.labels));
	sql__put(e, ")");
	return true;
}

/* ---------------------------------------------------------------------
 * Catalog side
 * ------------------------------------------------------------------- */

bool sql__enum_view_name(const char *relname, const char **type)
{
	size_t n = sizeof ENUM_VIEW_PREFIX - 1;
	if (relname == NULL || strncmp(relname, ENUM_VIEW_PREFIX, n) != 0) {
		return false;
	}
	*type = relname + n;
	return true;
}

bool sql__enum_decl_name(const char *decl, char *out, size_t cap)
{
	size_t n = sizeof ENUM_DECL_PREFIX - 1;
	if (decl == NULL || strncmp(decl, ENUM_DECL_PREFIX, n) != 0) {
		return false;
	}
	const char *p = decl + n;
	size_t len = 0;
	while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
		if (len + 1 >= cap) {
			return false;
		}
		out[len++] = (char)(hexval(p[0]) * 16 + hexval(p[1]));
		p += 2;
	}
	out[len] = '\0';
	return len > 0;
}

uint32_t sql__enum_decl_oid(struct sqlite3 *db, const char *decl)
{
	char name[ENUM_LABEL_MAX + 1];
	if (!sql__enum_decl_name(decl, name, sizeof name)) {
		return 0;
	}
	sqlite3_stmt *ps = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT oid FROM pg_catalog.pg_type WHERE "
			       "typtype = 'e' AND typname = ?",
			       -1, &ps, NULL) != SQLITE_OK) {
		sqlite3_finalize(ps);
		return 0;
	}
	sqlite3_bind_text(ps, 1, name, -1, SQLITE_STATIC);
	uint32_t oid = 0;
	if (sqlite3_step(ps) == SQLITE_ROW) {
		oid = (uint32_t)sqlite3_column_int64(ps, 0);
	}
	sqlite3_finalize(ps);
	return oid;
}

bool sql__enum_error(struct sql_error *err, struct tr_arena *a, const char *msg)
{
	const char *p = strstr(msg, ENUM_VIEW_PREFIX);
	if (p == NULL) {
		return false;
	}
	const char *name = p + sizeof ENUM_VIEW_PREFIX - 1;
	int n = (int)strcspn(name, "\" ");
	if (strncmp(msg, "no such view: ", 14) == 0 ||
	    strncmp(msg, "no such table: ", 15) == 0) {
		sql_error_set(err, a, "42704", "type \"%.*s\" does not exist",
			      n, name);
		return true;
	}
	if (strstr(msg, " already exists") != NULL) {
		sql_error_set(err, a, "42710", "type \"%.*s\" already exists",
			      n, name);
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Functions and collations on every connection
 * ------------------------------------------------------------------- */

/* pg_enum_check(value, type, labels): 1, or 22P02 for an unknown label;
 * pg_enum_in(value, type, labels): the value itself. */
static void enum_validate(sqlite3_context *ctx, sqlite3_value **argv,
			  bool as_value)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		if (as_value) {
			sqlite3_result_null(ctx);
		} else {
			sqlite3_result_int(ctx, 1);
		}
		return;
	}
	const char *v = (const char *)sqlite3_value_text(argv[0]);
	int len = sqlite3_value_bytes(argv[0]);
	const char *type = (const char *)sqlite3_value_text(argv[1]);
	const char *labels = (const char *)sqlite3_value_text(argv[2]);
	if (v == NULL || type == NULL || labels == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (label_pos(labels, v, (size_t)len) == 0) {
		char *m = sqlite3_mprintf("22P02: invalid input value for "
					  "enum %s: \"%s\"",
					  type, v);
		sqlite3_result_error(ctx,
				     m != NULL ? m
					       : "22P02: invalid "
						 "input value for enum",
				     -1);
		sqlite3_free(m);
		return;
	}
	if (as_value) {
		sqlite3_result_text(ctx, v, len, SQLITE_TRANSIENT);
	} else {
		sqlite3_result_int(ctx, 1);
	}
}

static void fn_enum_check(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	enum_validate(ctx, argv, false);
}

static void fn_enum_in(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	enum_validate(ctx, argv, true);
}

/* pg_enum_in_use(type, table): always fails; called for a table that
 * still has a column of the type being dropped. */
static void fn_enum_in_use(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv[1]); /* the table: PostgreSQL's DETAIL, not sent */
	char *m = sqlite3_mprintf("2BP01: cannot drop type %s because other "
				  "objects depend on it",
				  sqlite3_value_text(argv[0]));
	sqlite3_result_error(ctx, m != NULL ? m : "2BP01: type in use", -1);
	sqlite3_free(m);
}

/* A collation's labels, decoded. */
struct enum_coll {
	int n;
	char **labels;
};

static void coll_free(void *p)
{
	struct enum_coll *c = p;
	for (int i = 0; i < c->n; i++) {
		sqlite3_free(c->labels[i]);
	}
	sqlite3_free(c->labels);
	sqlite3_free(c);
}

static int coll_pos(const struct enum_coll *c, const void *s, int len)
{
	for (int i = 0; i < c->n; i++) {
		if ((int)strlen(c->labels[i]) == len &&
		    memcmp(c->labels[i], s, (size_t)len) == 0) {
			return i + 1;
		}
	}
	return c->n + 1; /* not a label (cannot be stored): last */
}

static int coll_cmp(void *arg, int la, const void *a, int lb, const void *b)
{
	const struct enum_coll *c = arg;
	int pa = coll_pos(c, a, la);
	int pb = coll_pos(c, b, lb);
	if (pa != pb) {
		return pa < pb ? -1 : 1;
	}
	int n = la < lb ? la : lb;
	int r = memcmp(a, b, (size_t)n);
	return r != 0 ? r : la - lb;
}

static void coll_needed(void *arg, sqlite3 *db, int enc, const char *name)
{
	TR_UNUSED(arg);
	TR_UNUSED(enc);
	size_t n = sizeof ENUM_COLL_PREFIX - 1;
	if (name == NULL || strncmp(name, ENUM_COLL_PREFIX, n) != 0) {
		return; /* SQLite reports the unknown collation */
	}
	struct enum_coll *c = sqlite3_malloc(sizeof *c);
	if (c == NULL) {
		return;
	}
	c->n = 0;
	c->labels = NULL;
	const char *p = name + n;
	char buf[ENUM_LABEL_MAX * 4 + 1];
	while (c->n < ENUM_MAX_LABELS && next_label(&p, buf, sizeof buf)) {
		char **l = sqlite3_realloc64(c->labels,
					     sizeof *l * (size_t)(c->n + 1));
		char *s = sqlite3_mprintf("%s", buf);
		if (l != NULL) {
			c->labels = l;
		}
		if (l == NULL || s == NULL) {
			sqlite3_free(s);
			coll_free(c);
			return;
		}
		c->labels[c->n++] = s;
	}
	/* SQLite does not call coll_free when this fails. */
	if (sqlite3_create_collation_v2(db, name, SQLITE_UTF8, c, coll_cmp,
					coll_free) != SQLITE_OK) {
		coll_free(c);
	}
}

int sql__enum_register(struct sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc = sqlite3_create_function_v2(db, "pg_enum_check", 3, flags, NULL,
					    fn_enum_check, NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function_v2(db, "pg_enum_in", 3, flags,
						NULL, fn_enum_in, NULL, NULL,
						NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function_v2(
			db, "pg_enum_in_use", 2, SQLITE_UTF8, NULL,
			fn_enum_in_use, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_collation_needed(db, NULL, coll_needed);
	}
	return rc;
}
