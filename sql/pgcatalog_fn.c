/*
 * sql/pgcatalog_fn.c: PostgreSQL's catalog functions, registered on the
 * catalog mirror only (sql__pgcatalog_functions).  They read the catalog
 * tables pgcatalog.c builds, through the connection they run on.
 *
 * Arrays are PostgreSQL's text form ('{a,b}'); int2vector and oidvector
 * their own ('1 2', subscripts from 0).  The array functions accept both.
 *
 * Simplifications, each because triode has one schema and one owner:
 * every relation and type is visible (pg_table_is_visible), every
 * privilege is held (has_*_privilege), nothing is publishable.  Comments
 * exist on tables, views and columns only (comment.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* ---------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------- */

char *sql__pg_quote_ident(const char *name)
{
	if (!sql__ident_needs_quotes(name)) {
		return sqlite3_mprintf("%s", name);
	}
	/* %w doubles embedded double quotes. */
	return sqlite3_mprintf("\"%w\"", name);
}

void sql__format_type(uint32_t oid, int32_t typmod, bool given, char *buf,
		      size_t cap)
{
	bool mod = given && typmod >= 0;
	const char *elem_suffix = "";
	const struct sql__pgtype *el = sql__pgtype_by_array(oid);
	if (el != NULL) {
		oid = el->oid;
		elem_suffix = "[]";
	}
	const char *name = NULL;
	switch (oid) {
	case SQL_OID_BOOL:
		name = "boolean";
		break;
	case SQL_OID_INT2:
		name = "smallint";
		break;
	case SQL_OID_INT4:
		name = "integer";
		break;
	case SQL_OID_INT8:
		name = "bigint";
		break;
	case SQL_OID_FLOAT4:
		name = "real";
		break;
	case SQL_OID_FLOAT8:
		name = "double precision";
		break;
	case 18:
		name = "\"char\"";
		break;
	case SQL_OID_VARCHAR:
		if (mod) {
			snprintf(buf, cap, "character varying(%d)%s",
				 typmod - 4, elem_suffix);
			return;
		}
		name = "character varying";
		break;
	case SQL_OID_BPCHAR:
		if (mod) {
			snprintf(buf, cap, "character(%d)%s", typmod - 4,
				 elem_suffix);
			return;
		}
		name = given ? "bpchar" : "character";
		break;
	case SQL_OID_NUMERIC:
		if (mod) {
			int32_t t = typmod - 4;
			snprintf(buf, cap, "numeric(%d,%d)%s", (t >> 16) & 0xffff,
				 t & 0xffff, elem_suffix);
			return;
		}
		name = "numeric";
		break;
	case SQL_OID_TIME:
	case SQL_OID_TIMETZ:
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ: {
		const char *base = oid == SQL_OID_TIME || oid == SQL_OID_TIMETZ
					   ? "time"
					   : "timestamp";
		const char *zone = oid == SQL_OID_TIMETZ ||
						   oid == SQL_OID_TIMESTAMPTZ
					   ? "with"
					   : "without";
		if (mod) {
			snprintf(buf, cap, "%s(%d) %s time zone%s", base,
				 typmod, zone, elem_suffix);
		} else {
			snprintf(buf, cap, "%s %s time zone%s", base, zone,
				 elem_suffix);
		}
		return;
	}
	default: {
		const struct sql__pgtype *t = sql__pgtype_find(oid);
		if (t == NULL) {
			if (oid >= SQL__FIRST_USER_OID) {
				/* A table's row type: the table's name. */
				snprintf(buf, cap, "%u%s", oid, elem_suffix);
			} else {
				snprintf(buf, cap, "???");
			}
			return;
		}
		name = t->name;
		break;
	}
	}
	snprintf(buf, cap, "%s%s", name, elem_suffix);
}

/* ---------------------------------------------------------------------
 * Arrays in PostgreSQL's text form
 * ------------------------------------------------------------------- */

struct arr {
	int n;
	char **items; /* NULL entries for NULL elements */
	bool vector;  /* int2vector / oidvector: subscripts from 0 */
};

static void arr_free(struct arr *a)
{
	for (int i = 0; i < a->n; i++) {
		sqlite3_free(a->items[i]);
	}
	sqlite3_free(a->items);
	a->items = NULL;
	a->n = 0;
}

static bool arr_push(struct arr *a, const char *p, size_t len, bool null)
{
	char **it = sqlite3_realloc64(a->items, sizeof *it * (size_t)(a->n + 1));
	if (it == NULL) {
		return false;
	}
	a->items = it;
	it[a->n] = null ? NULL : sqlite3_mprintf("%.*s", (int)len, p);
	if (!null && it[a->n] == NULL) {
		return false;
	}
	a->n++;
	return true;
}

/*
 * Parse '{a,"b c",NULL}' (one dimension) or a vector '1 2 3'.  Returns
 * false on OOM; malformed text gives what could be read.
 */
static bool arr_parse(const char *s, struct arr *a)
{
	memset(a, 0, sizeof *a);
	if (s == NULL) {
		return true;
	}
	while (isspace((unsigned char)*s)) {
		s++;
	}
	if (*s != '{') {
		a->vector = true;
		while (*s != '\0') {
			size_t len = strcspn(s, " ");
			if (len > 0 && !arr_push(a, s, len, false)) {
				return false;
			}
			s += len;
			while (*s == ' ') {
				s++;
			}
		}
		return true;
	}
	s++;
	char *tmp = sqlite3_malloc64(strlen(s) + 1);
	if (tmp == NULL) {
		return false;
	}
	while (*s != '\0' && *s != '}') {
		size_t n = 0;
		bool quoted = false;
		while (*s == ' ') {
			s++;
		}
		if (*s == '"') {
			quoted = true;
			s++;
			while (*s != '\0' && *s != '"') {
				if (*s == '\\' && s[1] != '\0') {
					s++;
				}
				tmp[n++] = *s++;
			}
			if (*s == '"') {
				s++;
			}
		} else {
			while (*s != '\0' && *s != ',' && *s != '}') {
				tmp[n++] = *s++;
			}
			while (n > 0 && tmp[n - 1] == ' ') {
				n--;
			}
		}
		bool null = !quoted && n == 4 &&
			    sqlite3_strnicmp(tmp, "NULL", 4) == 0;
		if (!arr_push(a, tmp, n, null)) {
			sqlite3_free(tmp);
			return false;
		}
		while (*s == ' ') {
			s++;
		}
		if (*s == ',') {
			s++;
		}
	}
	sqlite3_free(tmp);
	return true;
}

/* Append one element to a '{...}' being built in @b, quoted as
 * array_out quotes. */
static void arr_put_elem(struct tr_buf *b, const char *v)
{
	if (v == NULL) {
		tr_buf_put_str(b, "NULL");
		return;
	}
	bool quote = v[0] == '\0' || sqlite3_stricmp(v, "NULL") == 0;
	for (const char *p = v; *p != '\0' && !quote; p++) {
		quote = strchr("{},\"\\ \t\n\r\v\f", *p) != NULL;
	}
	if (!quote) {
		tr_buf_put_str(b, v);
		return;
	}
	tr_buf_put_u8(b, '"');
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			tr_buf_put_u8(b, '\\');
		}
		tr_buf_put_u8(b, (uint8_t)*p);
	}
	tr_buf_put_u8(b, '"');
}

static void result_buf(sqlite3_context *ctx, struct tr_buf *b)
{
	if (tr_buf_err(b) != TR_OK) {
		sqlite3_result_error_nomem(ctx);
	} else {
		sqlite3_result_text(ctx, b->len > 0 ? (const char *)b->data : "",
				    (int)b->len, SQLITE_TRANSIENT);
	}
	tr_buf_close(b);
}

/* The catalog keeps arrays in PostgreSQL's text form; an array a client
 * bound (any($1::oid[])) arrives as triode's stored form, a JSON array
 * (array.c), which is rendered in text form first. */
static bool get_arr(sqlite3_context *ctx, sqlite3_value *v, struct arr *a)
{
	const char *t = (const char *)sqlite3_value_text(v);
	struct tr_buf pg;
	tr_buf_init(&pg, 0);
	if (t != NULL && t[0] == '[') {
		struct sql_value sv = { .type = SQL_VALUE_TEXT,
					.p = t,
					.len = strlen(t) };
		(void)sql_format_text(SQL_OID_TEXT_ARRAY, &sv, &pg);
		t = tr_buf_cstr(&pg);
	}
	bool ok = tr_buf_err(&pg) == TR_OK && arr_parse(t, a);
	tr_buf_close(&pg);
	if (!ok) {
		arr_free(a);
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	return true;
}

static void fn_array_to_string(sqlite3_context *ctx, int argc,
			       sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		return;
	}
	struct arr a;
	if (!get_arr(ctx, argv[0], &a)) {
		return;
	}
	const char *sep = (const char *)sqlite3_value_text(argv[1]);
	const char *null = argc > 2 ? (const char *)sqlite3_value_text(argv[2])
				    : NULL;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	bool first = true;
	for (int i = 0; i < a.n; i++) {
		const char *v = a.items[i] != NULL ? a.items[i] : null;
		if (v == NULL) {
			continue;
		}
		if (!first) {
			tr_buf_put_str(&b, sep != NULL ? sep : "");
		}
		tr_buf_put_str(&b, v);
		first = false;
	}
	arr_free(&a);
	result_buf(ctx, &b);
}

/* array_upper / array_lower / array_length / cardinality (dimension 1). */
static void fn_array_bound(sqlite3_context *ctx, int argc,
			   sqlite3_value **argv)
{
	const char *which = sqlite3_user_data(ctx);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    (argc > 1 && sqlite3_value_int(argv[1]) != 1)) {
		return;
	}
	struct arr a;
	if (!get_arr(ctx, argv[0], &a)) {
		return;
	}
	int lower = a.vector ? 0 : 1;
	if (strcmp(which, "cardinality") == 0) {
		sqlite3_result_int(ctx, a.n);
	} else if (a.n > 0) {
		if (strcmp(which, "upper") == 0) {
			sqlite3_result_int(ctx, lower + a.n - 1);
		} else if (strcmp(which, "lower") == 0) {
			sqlite3_result_int(ctx, lower);
		} else {
			sqlite3_result_int(ctx, a.n);
		}
	}
	arr_free(&a);
}

/* pg_array_has(arr, v): v = ANY (arr). */
static void fn_array_has(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		return;
	}
	struct arr a;
	if (!get_arr(ctx, argv[0], &a)) {
		return;
	}
	const char *v = (const char *)sqlite3_value_text(argv[1]);
	bool found = false, nulls = false;
	for (int i = 0; i < a.n && !found; i++) {
		if (a.items[i] == NULL) {
			nulls = true;
		} else if (v != NULL) {
			found = strcmp(a.items[i], v) == 0;
		}
	}
	arr_free(&a);
	if (found || !nulls) {
		sqlite3_result_int(ctx, found);
	}
}

/* pg_array_elem(arr, i): arr[i]. */
static void fn_array_elem(sqlite3_context *ctx, int argc,
			  sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		return;
	}
	struct arr a;
	if (!get_arr(ctx, argv[0], &a)) {
		return;
	}
	int64_t i = sqlite3_value_int64(argv[1]) - (a.vector ? 0 : 1);
	if (i >= 0 && i < a.n && a.items[i] != NULL) {
		const char *s = a.items[i];
		char *end;
		long long v = strtoll(s, &end, 10);
		if (*s != '\0' && *end == '\0') {
			sqlite3_result_int64(ctx, v);
		} else {
			sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
		}
	}
	arr_free(&a);
}

/* pg_array_json(arr): the elements as a JSON array (integers as
 * numbers), for json_each (unnest). */
static void fn_array_json(sqlite3_context *ctx, int argc,
			  sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	struct arr a;
	if (!get_arr(ctx, argv[0], &a)) {
		return;
	}
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_u8(&b, '[');
	for (int i = 0; i < a.n; i++) {
		const char *s = a.items[i];
		if (i > 0) {
			tr_buf_put_u8(&b, ',');
		}
		char *end = NULL;
		if (s != NULL && *s != '\0') {
			(void)strtoll(s, &end, 10);
		}
		if (s == NULL) {
			tr_buf_put_str(&b, "null");
		} else if (end != NULL && *end == '\0') {
			tr_buf_put_str(&b, s);
		} else {
			tr_buf_put_u8(&b, '"');
			for (const char *p = s; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\') {
					tr_buf_put_u8(&b, '\\');
				}
				if ((unsigned char)*p < 0x20) {
					tr_buf_printf(&b, "\\u%04x",
						      (unsigned char)*p);
				} else {
					tr_buf_put_u8(&b, (uint8_t)*p);
				}
			}
			tr_buf_put_u8(&b, '"');
		}
	}
	tr_buf_put_u8(&b, ']');
	arr_free(&a);
	result_buf(ctx, &b);
}

/* pg_array(a, b, ...): ARRAY[a, b, ...]. */
static void fn_array(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_u8(&b, '{');
	for (int i = 0; i < argc; i++) {
		if (i > 0) {
			tr_buf_put_u8(&b, ',');
		}
		arr_put_elem(&b, (const char *)sqlite3_value_text(argv[i]));
	}
	tr_buf_put_u8(&b, '}');
	result_buf(ctx, &b);
}

/* pg_array_agg(x): array_agg, and ARRAY(subquery) ('{}' when empty,
 * which ARRAY() gives and array_agg would give NULL for: the caller
 * picks with @empty_null). */
struct agg {
	struct tr_buf b;
	bool started;
};

static void agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	struct agg *g = sqlite3_aggregate_context(ctx, sizeof *g);
	if (g == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (!g->started) {
		tr_buf_init(&g->b, 0);
		tr_buf_put_u8(&g->b, '{');
		g->started = true;
	} else {
		tr_buf_put_u8(&g->b, ',');
	}
	arr_put_elem(&g->b, (const char *)sqlite3_value_text(argv[0]));
}

static void agg_final(sqlite3_context *ctx)
{
	struct agg *g = sqlite3_aggregate_context(ctx, 0);
	bool empty_null = sqlite3_user_data(ctx) != NULL;
	if (g == NULL || !g->started) {
		if (!empty_null) {
			sqlite3_result_text(ctx, "{}", 2, SQLITE_STATIC);
		}
		return;
	}
	tr_buf_put_u8(&g->b, '}');
	result_buf(ctx, &g->b);
}

/*
 * pg_array_agg_ord(x, flags, k1, ...): array_agg(x ORDER BY k1, ...).
 * Rows are kept (copied) and sorted in the final step; flags has two
 * letters per key, 'a'/'d' then 'f'/'l' (NULLs first or last).  Ties
 * keep arrival order.
 */
struct ord_row {
	sqlite3_value **v; /* x, k1, ... */
	const char *flags;
	int n_keys;
	size_t seq;
};

struct ord_agg {
	struct ord_row *rows;
	size_t n, cap;
	char flags[65];
	bool failed;
};

/* SQLite's order of storage classes: numbers, text, blobs. */
static int value_cmp(sqlite3_value *a, sqlite3_value *b)
{
	int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
	bool na = ta == SQLITE_INTEGER || ta == SQLITE_FLOAT;
	bool nb = tb == SQLITE_INTEGER || tb == SQLITE_FLOAT;
	if (na && nb) {
		if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
			sqlite3_int64 x = sqlite3_value_int64(a);
			sqlite3_int64 y = sqlite3_value_int64(b);
			return x < y ? -1 : x > y;
		}
		double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
		return x < y ? -1 : x > y;
	}
	if (na != nb) {
		return na ? -1 : 1;
	}
	if (ta != tb) {
		return ta == SQLITE_TEXT ? -1 : 1;
	}
	const void *pa = ta == SQLITE_TEXT ? (const void *)sqlite3_value_text(a)
					   : sqlite3_value_blob(a);
	const void *pb = tb == SQLITE_TEXT ? (const void *)sqlite3_value_text(b)
					   : sqlite3_value_blob(b);
	int la = sqlite3_value_bytes(a), lb = sqlite3_value_bytes(b);
	int c = la > 0 && lb > 0 ? memcmp(pa, pb, (size_t)(la < lb ? la : lb))
				 : 0;
	return c != 0 ? c : la < lb ? -1 : la > lb;
}

static int ord_row_cmp(const void *pa, const void *pb)
{
	const struct ord_row *a = pa, *b = pb;
	for (int k = 0; k < a->n_keys; k++) {
		sqlite3_value *x = a->v[k + 1], *y = b->v[k + 1];
		bool desc = a->flags[2 * k] == 'd';
		bool nulls_first = a->flags[2 * k + 1] == 'f';
		bool xn = sqlite3_value_type(x) == SQLITE_NULL;
		bool yn = sqlite3_value_type(y) == SQLITE_NULL;
		int c;
		if (xn || yn) {
			c = xn == yn ? 0 : (xn == nulls_first) ? -1 : 1;
		} else {
			c = value_cmp(x, y);
			c = desc ? -c : c;
		}
		if (c != 0) {
			return c;
		}
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void ord_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct ord_agg *g = sqlite3_aggregate_context(ctx, sizeof *g);
	if (g == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	const char *flags = (const char *)sqlite3_value_text(argv[1]);
	int n_keys = argc - 2;
	if (g->failed || flags == NULL || n_keys < 1 || n_keys > 32 ||
	    strlen(flags) != (size_t)(2 * n_keys)) {
		g->failed = true;
		return;
	}
	memcpy(g->flags, flags, strlen(flags) + 1);
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		struct ord_row *r = sqlite3_realloc64(g->rows, cap * sizeof *r);
		if (r == NULL) {
			g->failed = true;
			return;
		}
		g->rows = r;
		g->cap = cap;
	}
	struct ord_row *row = &g->rows[g->n];
	row->v = sqlite3_malloc64(sizeof *row->v * (size_t)(n_keys + 1));
	if (row->v == NULL) {
		g->failed = true;
		return;
	}
	row->v[0] = sqlite3_value_dup(argv[0]);
	bool ok = row->v[0] != NULL;
	for (int k = 0; k < n_keys; k++) {
		row->v[k + 1] = sqlite3_value_dup(argv[k + 2]);
		ok = ok && row->v[k + 1] != NULL;
	}
	row->n_keys = n_keys;
	row->seq = g->n++;
	g->failed = !ok;
}

static void ord_final(sqlite3_context *ctx)
{
	struct ord_agg *g = sqlite3_aggregate_context(ctx, 0);
	if (g == NULL) {
		return; /* no rows: NULL, as array_agg gives */
	}
	struct tr_buf b;
	tr_buf_init(&b, 0);
	if (!g->failed) {
		for (size_t i = 0; i < g->n; i++) {
			g->rows[i].flags = g->flags;
		}
		qsort(g->rows, g->n, sizeof *g->rows, ord_row_cmp);
		tr_buf_put_u8(&b, '{');
		for (size_t i = 0; i < g->n; i++) {
			if (i > 0) {
				tr_buf_put_u8(&b, ',');
			}
			arr_put_elem(&b, (const char *)sqlite3_value_text(
						 g->rows[i].v[0]));
		}
		tr_buf_put_u8(&b, '}');
	}
	for (size_t i = 0; i < g->n; i++) {
		for (int k = 0; k <= g->rows[i].n_keys; k++) {
			sqlite3_value_free(g->rows[i].v[k]);
		}
		sqlite3_free(g->rows[i].v);
	}
	sqlite3_free(g->rows);
	if (g->failed) {
		tr_buf_close(&b);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	result_buf(ctx, &b);
}

/* ---------------------------------------------------------------------
 * Catalog look-ups
 * ------------------------------------------------------------------- */

/* First column of the first row of @sql with @arg bound to ?1, as the
 * function's result (NULL if no row). */
static void lookup(sqlite3_context *ctx, const char *sql, sqlite3_value *arg,
		   sqlite3_value *arg2)
{
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	sqlite3_stmt *ps = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &ps, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
		return;
	}
	if (arg != NULL) {
		sqlite3_bind_value(ps, 1, arg);
	}
	if (arg2 != NULL) {
		sqlite3_bind_value(ps, 2, arg2);
	}
	if (sqlite3_step(ps) == SQLITE_ROW) {
		sqlite3_result_value(ctx, sqlite3_column_value(ps, 0));
	}
	sqlite3_finalize(ps);
}

static void fn_format_type(sqlite3_context *ctx, int argc,
			   sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	uint32_t oid = (uint32_t)sqlite3_value_int64(argv[0]);
	bool given = sqlite3_value_type(argv[1]) != SQLITE_NULL;
	int32_t typmod = given ? sqlite3_value_int(argv[1]) : -1;
	char buf[128];
	if (oid >= SQL__FIRST_USER_OID) {
		/* A user table's row type (or its array). */
		lookup(ctx,
		       "SELECT CASE WHEN typelem <> 0 THEN (SELECT typname "
		       "FROM pg_catalog.pg_type e WHERE e.oid = t.typelem) || "
		       "'[]' ELSE typname END FROM pg_catalog.pg_type t WHERE "
		       "oid = ?1",
		       argv[0], NULL);
		return;
	}
	sql__format_type(oid, typmod, given, buf, sizeof buf);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void fn_userbyid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	int64_t oid = sqlite3_value_int64(argv[0]);
	if (oid == 10) {
		sqlite3_result_text(ctx, "postgres", -1, SQLITE_STATIC);
		return;
	}
	if (oid == 6171) {
		/* Owns the public schema, as in PostgreSQL 15. */
		sqlite3_result_text(ctx, "pg_database_owner", -1,
				    SQLITE_STATIC);
		return;
	}
	char buf[48];
	snprintf(buf, sizeof buf, "unknown (OID=%lld)", (long long)oid);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void fn_true(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	sqlite3_result_int(ctx, 1);
}

static void fn_false(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	sqlite3_result_int(ctx, 0);
}

/* obj_description(oid [, catalog]): comments are on relations only
 * (comment.c), so another catalog has none. */
static void fn_obj_description(sqlite3_context *ctx, int argc,
			       sqlite3_value **argv)
{
	if (argc < 1 || argc > 2) {
		sqlite3_result_error(ctx, "42883: function obj_description "
					  "takes 1 or 2 arguments",
				     -1);
		return;
	}
	if (argc == 2) {
		const char *cat = (const char *)sqlite3_value_text(argv[1]);
		if (cat == NULL || (strcmp(cat, "pg_class") != 0 &&
				    strcmp(cat, "pg_catalog.pg_class") != 0)) {
			return;
		}
	}
	lookup(ctx,
	       "SELECT description FROM pg_catalog.pg_description WHERE "
	       "objoid = ?1 AND objsubid = 0",
	       argv[0], NULL);
}

static void fn_col_description(sqlite3_context *ctx, int argc,
			       sqlite3_value **argv)
{
	TR_UNUSED(argc);
	lookup(ctx,
	       "SELECT description FROM pg_catalog.pg_description WHERE "
	       "objoid = ?1 AND objsubid = ?2",
	       argv[0], argv[1]);
}

static void fn_null(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(ctx);
	TR_UNUSED(argc);
	TR_UNUSED(argv);
}

static void fn_zero(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	sqlite3_result_int(ctx, 0);
}

/* The first argument, unchanged (pg_get_expr: the stored text is the
 * expression's text; pg_partition_ancestors: no partitions). */
static void fn_first(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	sqlite3_result_value(ctx, argv[0]);
}

/* pg_get_indexdef(oid[, column, pretty]), pg_get_constraintdef(oid[,
 * pretty]), pg_get_viewdef(oid[, pretty]). */
static void fn_def(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	bool by_column = sqlite3_user_data(ctx) != NULL && argc >= 2;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	lookup(ctx,
	       "SELECT def FROM pg_catalog.triode_defs WHERE oid = ?1 AND sub "
	       "= coalesce(?2, 0)",
	       argv[0], by_column ? argv[1] : NULL);
}

static void fn_encoding(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	int e = sqlite3_value_int(argv[0]);
	sqlite3_result_text(ctx, e == 6 ? "UTF8" : e == 0 ? "SQL_ASCII" : "",
			    -1, SQLITE_STATIC);
}

static void fn_current_schemas(sqlite3_context *ctx, int argc,
			       sqlite3_value **argv)
{
	TR_UNUSED(argc);
	sqlite3_result_text(ctx,
			    sqlite3_value_int(argv[0]) ? "{pg_catalog,public}"
						       : "{public}",
			    -1, SQLITE_STATIC);
}

static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	sqlite3_result_text(ctx,
			    "PostgreSQL 15.0 (triode) on x86_64-pc-linux-gnu, "
			    "64-bit",
			    -1, SQLITE_STATIC);
}

static void fn_current_database(sqlite3_context *ctx, int argc,
				sqlite3_value **argv)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	lookup(ctx, "SELECT datname FROM pg_catalog.pg_database", NULL, NULL);
}

/* One schema on the search path: public. */
static void fn_current_schema(sqlite3_context *ctx, int argc,
			      sqlite3_value **argv)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	sqlite3_result_text(ctx, "public", -1, SQLITE_STATIC);
}

static void fn_quote_ident(sqlite3_context *ctx, int argc,
			   sqlite3_value **argv)
{
	TR_UNUSED(argc);
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (s == NULL) {
		return;
	}
	char *q = sql__pg_quote_ident(s);
	if (q == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, q, -1, sqlite3_free);
}

static void fn_size_pretty(sqlite3_context *ctx, int argc,
			   sqlite3_value **argv)
{
	TR_UNUSED(argc);
	char buf[48];
	snprintf(buf, sizeof buf, "%lld bytes",
		 (long long)sqlite3_value_int64(argv[0]));
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void fn_serial_sequence(sqlite3_context *ctx, int argc,
			       sqlite3_value **argv)
{
	TR_UNUSED(argc);
	lookup(ctx,
	       "SELECT 'public.' || s.relname FROM pg_catalog.pg_depend d JOIN "
	       "pg_catalog.pg_class s ON s.oid = d.objid JOIN "
	       "pg_catalog.pg_class t ON t.oid = d.refobjid JOIN "
	       "pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum "
	       "= d.refobjsubid WHERE t.relname = ltrim(replace(?1, "
	       "'public.', ''), '\"') AND a.attname = ?2",
	       argv[0], argv[1]);
}

/* information_schema's data_type for a type OID. */
static void fn_data_type(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	uint32_t oid = (uint32_t)sqlite3_value_int64(argv[0]);
	char buf[128];
	if (sql__pgtype_by_array(oid) != NULL) {
		sqlite3_result_text(ctx, "ARRAY", -1, SQLITE_STATIC);
		return;
	}
	sql__format_type(oid, -1, false, buf, sizeof buf);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/* ---------------------------------------------------------------------
 * reg* types: pg_reg_in(kind, value) -> OID, pg_reg_out(kind, oid) ->
 * name.  Kinds: regclass, regtype, regproc, regnamespace, regrole.
 * ------------------------------------------------------------------- */

/* A type name as regtypein reads it: aliases ("integer"), "x[]". */
static const char *type_alias(const char *s)
{
	static const struct {
		const char *from, *to;
	} al[] = {
		{ "integer", "int4" },
		{ "int", "int4" },
		{ "smallint", "int2" },
		{ "bigint", "int8" },
		{ "boolean", "bool" },
		{ "real", "float4" },
		{ "double precision", "float8" },
		{ "float", "float8" },
		{ "character varying", "varchar" },
		{ "character", "bpchar" },
		{ "char", "bpchar" },
		{ "decimal", "numeric" },
		{ "timestamp without time zone", "timestamp" },
		{ "timestamp with time zone", "timestamptz" },
		{ "time without time zone", "time" },
		{ "time with time zone", "timetz" },
		{ "\"char\"", "char" },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(al); i++) {
		if (sqlite3_stricmp(s, al[i].from) == 0) {
			return al[i].to;
		}
	}
	return s;
}

static void fn_reg_in(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	const char *kind = (const char *)sqlite3_value_text(argv[0]);
	int t = sqlite3_value_type(argv[1]);
	if (kind == NULL || t == SQLITE_NULL) {
		return;
	}
	if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
		sqlite3_result_int64(ctx, sqlite3_value_int64(argv[1]));
		return;
	}
	const char *s = (const char *)sqlite3_value_text(argv[1]);
	if (s == NULL) {
		return;
	}
	char *end;
	long long n = strtoll(s, &end, 10);
	if (*s != '\0' && *end == '\0') {
		sqlite3_result_int64(ctx, n);
		return;
	}
	if (strcmp(s, "-") == 0) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	/* Drop a pg_catalog. or public. qualification and quotes. */
	char name[256];
	const char *p = s;
	if (strncmp(p, "pg_catalog.", 11) == 0) {
		p += 11;
	} else if (strncmp(p, "public.", 7) == 0) {
		p += 7;
	}
	size_t len = strlen(p);
	if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
		p++;
		len -= 2;
	}
	if (len >= sizeof name) {
		len = sizeof name - 1;
	}
	memcpy(name, p, len);
	name[len] = '\0';
	const char *sql = NULL;
	const char *what = "relation";
	const char *code = "42P01";
	bool array = false;
	if (strcmp(kind, "regclass") == 0) {
		sql = "SELECT oid FROM pg_catalog.pg_class WHERE relname = ?1";
	} else if (strcmp(kind, "regtype") == 0) {
		what = "type";
		code = "42704";
		if (len > 2 && strcmp(name + len - 2, "[]") == 0) {
			name[len - 2] = '\0';
			array = true;
		}
		sql = array ? "SELECT typarray FROM pg_catalog.pg_type WHERE "
			      "typname = ?1"
			    : "SELECT oid FROM pg_catalog.pg_type WHERE typname "
			      "= ?1";
	} else if (strcmp(kind, "regnamespace") == 0) {
		what = "schema";
		code = "3F000";
		sql = "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = "
		      "?1";
	} else if (strcmp(kind, "regrole") == 0) {
		what = "role";
		code = "42704";
		sql = "SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ?1";
	} else {
		what = "function";
		code = "42883";
		sql = "SELECT oid FROM pg_catalog.pg_proc WHERE proname = ?1";
	}
	const char *lookup_name = strcmp(kind, "regtype") == 0
					  ? type_alias(name)
					  : name;
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	sqlite3_stmt *ps = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &ps, NULL) != SQLITE_OK) {
		sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
		return;
	}
	sqlite3_bind_text(ps, 1, lookup_name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(ps) == SQLITE_ROW) {
		sqlite3_result_int64(ctx, sqlite3_column_int64(ps, 0));
	} else if (strcmp(kind, "regproc") == 0) {
		/* Built-in functions are not in pg_proc: PostgreSQL's own
		 * I/O functions resolve to 0 rather than fail. */
		sqlite3_result_int(ctx, 0);
	} else {
		/* "SQLSTATE: message" for sql_error_from_sqlite. */
		char *m = sqlite3_mprintf("%s: %s \"%s\" does not exist", code,
					  what, s);
		sqlite3_result_error(ctx, m != NULL ? m : "error", -1);
		sqlite3_free(m);
	}
	sqlite3_finalize(ps);
}

static void fn_reg_out(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	const char *kind = (const char *)sqlite3_value_text(argv[0]);
	if (kind == NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		return;
	}
	if (sqlite3_value_type(argv[1]) == SQLITE_TEXT) {
		int64_t n = sqlite3_value_int64(argv[1]);
		if (n == 0) {
			/* Already a name (pg_reg_in of a name gives an OID;
			 * a text column holds names). */
			sqlite3_result_value(ctx, argv[1]);
			return;
		}
	}
	int64_t oid = sqlite3_value_int64(argv[1]);
	if (oid == 0) {
		sqlite3_result_text(ctx, "-", 1, SQLITE_STATIC);
		return;
	}
	if (strcmp(kind, "regtype") == 0) {
		sqlite3_value *v = argv[1];
		if (oid < SQL__FIRST_USER_OID) {
			char buf[128];
			sql__format_type((uint32_t)oid, -1, false, buf,
					 sizeof buf);
			sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
			return;
		}
		lookup(ctx, "SELECT typname FROM pg_catalog.pg_type WHERE oid = ?1",
		       v, NULL);
		return;
	}
	const char *sql =
		strcmp(kind, "regclass") == 0
			? "SELECT CASE WHEN relnamespace = 11 THEN relname ELSE "
			  "quote_ident(relname) END FROM pg_catalog.pg_class "
			  "WHERE oid = ?1"
		: strcmp(kind, "regnamespace") == 0
			? "SELECT nspname FROM pg_catalog.pg_namespace WHERE oid "
			  "= ?1"
		: strcmp(kind, "regrole") == 0
			? "SELECT rolname FROM pg_catalog.pg_roles WHERE oid = ?1"
			: "SELECT proname FROM pg_catalog.pg_proc WHERE oid = ?1";
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	sqlite3_stmt *ps = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &ps, NULL) != SQLITE_OK) {
		sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
		return;
	}
	sqlite3_bind_int64(ps, 1, oid);
	if (sqlite3_step(ps) == SQLITE_ROW) {
		sqlite3_result_value(ctx, sqlite3_column_value(ps, 0));
	} else {
		char buf[24];
		snprintf(buf, sizeof buf, "%lld", (long long)oid);
		sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
	}
	sqlite3_finalize(ps);
}

/* ---------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------- */

static const struct {
	const char *name;
	int nargs; /* -1: any */
	void (*fn)(sqlite3_context *, int, sqlite3_value **);
	const char *data;
} fns[] = {
	{ "format_type", 2, fn_format_type, NULL },
	{ "pg_get_userbyid", 1, fn_userbyid, NULL },
	{ "pg_table_is_visible", 1, fn_true, NULL },
	{ "pg_type_is_visible", 1, fn_true, NULL },
	{ "pg_function_is_visible", 1, fn_true, NULL },
	{ "pg_collation_is_visible", 1, fn_true, NULL },
	{ "pg_get_expr", -1, fn_first, NULL },
	{ "pg_get_indexdef", -1, fn_def, "column" },
	{ "pg_get_constraintdef", -1, fn_def, NULL },
	{ "pg_get_viewdef", -1, fn_def, NULL },
	{ "pg_get_triggerdef", -1, fn_null, NULL },
	{ "pg_get_ruledef", -1, fn_null, NULL },
	{ "pg_get_statisticsobjdef_columns", 1, fn_null, NULL },
	{ "pg_get_partkeydef", 1, fn_null, NULL },
	{ "pg_get_function_result", 1, fn_null, NULL },
	{ "pg_get_function_arguments", 1, fn_null, NULL },
	{ "pg_get_function_identity_arguments", 1, fn_null, NULL },
	{ "obj_description", -1, fn_obj_description, NULL },
	{ "col_description", 2, fn_col_description, NULL },
	{ "shobj_description", 2, fn_null, NULL },
	{ "pg_encoding_to_char", 1, fn_encoding, NULL },
	{ "current_schemas", 1, fn_current_schemas, NULL },
	{ "has_table_privilege", -1, fn_true, NULL },
	{ "has_column_privilege", -1, fn_true, NULL },
	{ "has_any_column_privilege", -1, fn_true, NULL },
	{ "has_schema_privilege", -1, fn_true, NULL },
	{ "has_database_privilege", -1, fn_true, NULL },
	{ "has_sequence_privilege", -1, fn_true, NULL },
	{ "has_function_privilege", -1, fn_true, NULL },
	{ "has_type_privilege", -1, fn_true, NULL },
	{ "pg_has_role", -1, fn_true, NULL },
	{ "pg_relation_is_publishable", 1, fn_false, NULL },
	{ "pg_partition_ancestors", 1, fn_first, NULL },
	{ "pg_partition_root", 1, fn_first, NULL },
	{ "array_to_string", -1, fn_array_to_string, NULL },
	{ "array_upper", 2, fn_array_bound, "upper" },
	{ "array_lower", 2, fn_array_bound, "lower" },
	{ "array_length", 2, fn_array_bound, "length" },
	{ "cardinality", 1, fn_array_bound, "cardinality" },
	{ "pg_array_has", 2, fn_array_has, NULL },
	{ "pg_array_elem", 2, fn_array_elem, NULL },
	{ "pg_array_json", 1, fn_array_json, NULL },
	{ "pg_array", -1, fn_array, NULL },
	{ "pg_reg_in", 2, fn_reg_in, NULL },
	{ "pg_reg_out", 2, fn_reg_out, NULL },
	{ "version", 0, fn_version, NULL },
	{ "current_database", 0, fn_current_database, NULL },
	{ "current_schema", 0, fn_current_schema, NULL },
	{ "quote_ident", 1, fn_quote_ident, NULL },
	{ "pg_table_size", 1, fn_zero, NULL },
	{ "pg_relation_size", -1, fn_zero, NULL },
	{ "pg_total_relation_size", 1, fn_zero, NULL },
	{ "pg_indexes_size", 1, fn_zero, NULL },
	{ "pg_database_size", 1, fn_zero, NULL },
	{ "pg_size_pretty", 1, fn_size_pretty, NULL },
	{ "pg_get_serial_sequence", 2, fn_serial_sequence, NULL },
	{ "triode_data_type", 1, fn_data_type, NULL },
};

int sql__pgcatalog_functions(sqlite3 *db)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(fns); i++) {
		/* Not SQLITE_DETERMINISTIC: the look-ups read tables. */
		int rc = sqlite3_create_function(
			db, fns[i].name, fns[i].nargs, SQLITE_UTF8,
			(void *)fns[i].data, fns[i].fn, NULL, NULL);
		if (rc != SQLITE_OK) {
			return rc;
		}
	}
	/* ARRAY(subquery) gives '{}' for no rows, array_agg NULL. */
	int rc = sqlite3_create_function(db, "pg_array_sub", 1, SQLITE_UTF8,
					 NULL, NULL, agg_step, agg_final);
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function(db, "pg_array_agg", 1, SQLITE_UTF8,
					     (void *)"null", NULL, agg_step,
					     agg_final);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function(db, "pg_array_agg_ord", -1,
					     SQLITE_UTF8, NULL, NULL, ord_step,
					     ord_final);
	}
	return rc;
}
