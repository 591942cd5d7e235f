/*
 * sql/catalog.c: the catalog mirror, an in-memory SQLite holding the user
 * schema without rows.
 *
 *   sql_catalog_new/free   one private connection
 *   sql_catalog_load       replace the schema (a fresh connection each time)
 *   sql_catalog_describe   prepare a translated statement: result columns
 *   sql_catalog_describe_params  parameter types: the statement's own, or
 *                          the declared type of the column a parameter is
 *                          compared with or assigned to
 *
 *   sql_catalog_query      run a catalog statement (stmt->catalog) here
 *
 * Since issue 5 the mirror also carries PostgreSQL's system catalogs:
 * pg_catalog and information_schema are attached in-memory schemas built
 * on every load (pgcatalog.c), with the catalog functions registered on
 * this connection only (pgcatalog_fn.c).
 *
 * Safety: the mirror connection has an authorizer that denies ATTACH,
 * DETACH, PRAGMA and the file/extension functions (and, outside a load,
 * writes), so every statement
 * described before it travels is also checked by SQLite's own parser for
 * those constructs (the translator never emits them; this is the second
 * line).  Double-quoted string fallback (DQS) is switched off here, so a
 * quoted identifier that names no column fails at describe time instead of
 * silently becoming a string.
 */
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

struct sql_catalog {
	sqlite3 *db;	     /* owned: the mirror */
	bool loading;	     /* building: the authorizer lets it write */
	char *database;	     /* owned: pg_database's one row; NULL */
	uint64_t loaded_sum; /* checksum of the last load's input */
	bool has_sum;
};

static int authorize(void *data, int action, const char *a, const char *b,
		     const char *c, const char *d)
{
	const bool *loading = data;
	TR_UNUSED(d);
	if (*loading) {
		return SQLITE_OK; /* our own DDL, ATTACH and pragma reads */
	}
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
	case SQLITE_PRAGMA:
		return SQLITE_DENY;
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		/* Catalog statements run here: the catalogs are read-only
		 * (user statements are only prepared here, never run). */
		/* @c is the database (schema) name. */
		if (c != NULL && (strcmp(c, "pg_catalog") == 0 ||
				  strcmp(c, "information_schema") == 0)) {
			return SQLITE_DENY;
		}
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		/* For SQLITE_FUNCTION the function name is the 2nd string. */
		if (b != NULL && sql__func_is_denied(b)) {
			return SQLITE_DENY;
		}
		return SQLITE_OK;
	default:
		TR_UNUSED(a);
		return SQLITE_OK;
	}
}

static int open_db(sqlite3 **out, bool *loading)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(":memory:", &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		return rc == SQLITE_NOMEM ? TR_ENOMEM : TR_EINTERNAL;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
			  (int *)NULL);
	rc = sql_functions_register(db);
	if (rc == SQLITE_OK) {
		rc = sql__pgcatalog_functions(db);
	}
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		return rc == SQLITE_NOMEM ? TR_ENOMEM : TR_EINTERNAL;
	}
	sqlite3_set_authorizer(db, authorize, loading);
	*out = db;
	return TR_OK;
}

int sql_catalog_new(struct sql_catalog **out)
{
	struct sql_catalog *c = tr_calloc(1, sizeof *c);
	if (c == NULL) {
		return TR_ENOMEM;
	}
	int rv = open_db(&c->db, &c->loading);
	if (rv != TR_OK) {
		tr_free(c);
		return rv;
	}
	*out = c;
	return TR_OK;
}

int sql_catalog_set_database(struct sql_catalog *c, const char *name)
{
	size_t len = strlen(name);
	char *copy = tr_malloc(len + 1);
	if (copy == NULL) {
		return TR_ENOMEM;
	}
	memcpy(copy, name, len + 1);
	tr_free(c->database);
	c->database = copy;
	return TR_OK;
}

void sql_catalog_free(struct sql_catalog *c)
{
	if (c == NULL) {
		return;
	}
	sqlite3_close(c->db);
	tr_free(c->database);
	tr_free(c);
}

/* Views last: they must find their tables (tables before indexes is the
 * caller's order, as sqlite_schema gives it). */
static bool is_view(const char *ddl)
{
	while (*ddl == ' ' || *ddl == '\n' || *ddl == '\t') {
		ddl++;
	}
	return sqlite3_strnicmp(ddl, "CREATE VIEW", 11) == 0 ||
	       sqlite3_strnicmp(ddl, "CREATE TEMP VIEW", 16) == 0;
}

/* FNV-1a over the load's input: an unchanged schema is not rebuilt. */
static uint64_t load_sum(unsigned n, const char *const *ddl,
			 const char *const *names, const int64_t *rowids)
{
	uint64_t h = 1469598103934665603ull;
	for (unsigned i = 0; i < n; i++) {
		const char *parts[2] = { ddl[i], names != NULL ? names[i] : "" };
		for (int k = 0; k < 2; k++) {
			for (const char *p = parts[k] ? parts[k] : ""; *p; p++) {
				h = (h ^ (uint8_t)*p) * 1099511628211ull;
			}
			h = (h ^ 0xff) * 1099511628211ull;
		}
		int64_t r = rowids != NULL ? rowids[i] : (int64_t)i;
		h = (h ^ (uint64_t)r) * 1099511628211ull;
	}
	return h;
}

uint64_t sql_catalog_version(const struct sql_catalog *c)
{
	return c->has_sum ? c->loaded_sum : 0;
}

void sql_catalog_enum_scope(struct sql_catalog *c)
{
	sql__enum_scope(c != NULL ? c->db : NULL);
}

void sql_catalog_translation_scope(struct sql_catalog *c, bool stale)
{
	sql__enum_scope(c != NULL ? c->db : NULL);
	sql__scope_stale(c != NULL && stale);
}

int sql_catalog_load(struct sql_catalog *c, unsigned n_ddl,
		     const char *const *ddl)
{
	return sql_catalog_load_ex(c, n_ddl, ddl, NULL, NULL);
}

/* Names and rowids from the mirror's own sqlite_schema (callers that do
 * not pass the cluster's: unit tests). */
static int own_rowids(sqlite3 *db, unsigned *n, const char ***names,
		      int64_t **rowids)
{
	sqlite3_stmt *ps = NULL;
	*n = 0;
	*names = NULL;
	*rowids = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT name, rowid FROM main.sqlite_schema",
				    -1, &ps, NULL);
	unsigned cap = 0;
	while (rc == SQLITE_OK && sqlite3_step(ps) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			const char **nm = tr_realloc((void *)*names,
						     cap * sizeof *nm);
			int64_t *r = nm != NULL ? tr_realloc(*rowids,
							     cap * sizeof *r)
						: NULL;
			if (nm != NULL) {
				*names = nm;
			}
			if (r == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			*rowids = r;
		}
		const char *name = (const char *)sqlite3_column_text(ps, 0);
		size_t len = name != NULL ? strlen(name) : 0;
		char *copy = tr_malloc(len + 1);
		if (copy == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		memcpy(copy, name != NULL ? name : "", len + 1);
		(*names)[*n] = copy;
		(*rowids)[*n] = sqlite3_column_int64(ps, 1);
		(*n)++;
	}
	sqlite3_finalize(ps);
	return rc == SQLITE_NOMEM ? TR_ENOMEM : TR_OK;
}

int sql_catalog_load_ex(struct sql_catalog *c, unsigned n_ddl,
			const char *const *ddl, const char *const *names,
			const int64_t *rowids)
{
	uint64_t sum = load_sum(n_ddl, ddl, names, rowids);
	if (c->has_sum && sum == c->loaded_sum) {
		return TR_OK; /* same schema, same OIDs */
	}
	sqlite3 *db;
	c->loading = true;
	int rv = open_db(&db, &c->loading);
	if (rv != TR_OK) {
		c->loading = false;
		return rv;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < n_ddl; i++) {
			if (ddl[i] == NULL || is_view(ddl[i]) != (pass == 1)) {
				continue;
			}
			char *msg = NULL;
			int rc = sqlite3_exec(db, ddl[i], NULL, NULL, &msg);
			if (rc == SQLITE_NOMEM) {
				sqlite3_free(msg);
				sqlite3_close(db);
				c->loading = false;
				return TR_ENOMEM;
			}
			if (rc != SQLITE_OK) {
				char esc[128];
				tr_escape(esc, sizeof esc, ddl[i],
					  strlen(ddl[i]));
				tr_warn("sql", "catalog: skipping \"%s\": %s",
					esc,
					msg != NULL ? msg : sqlite3_errstr(rc));
			}
			sqlite3_free(msg);
		}
	}
	unsigned n_own = 0;
	const char **own_names = NULL;
	int64_t *own_ids = NULL;
	if (names == NULL) {
		rv = own_rowids(db, &n_own, &own_names, &own_ids);
	}
	struct sql__catalog_src src = {
		.n = names != NULL ? n_ddl : n_own,
		.names = names != NULL ? names : own_names,
		.rowids = names != NULL ? rowids : own_ids,
		.database = c->database,
	};
	int rc = rv == TR_OK ? sql__pgcatalog_build(db, &src) : SQLITE_NOMEM;
	for (unsigned i = 0; i < n_own; i++) {
		tr_free((void *)own_names[i]);
	}
	tr_free((void *)own_names);
	tr_free(own_ids);
	c->loading = false;
	if (rc != SQLITE_OK) {
		/* Without catalogs the mirror still types user statements;
		 * catalog statements then fail with 42P01. */
		tr_warn("sql", "catalog: building pg_catalog failed: %s",
			sqlite3_errstr(rc));
		if (rc == SQLITE_NOMEM) {
			sqlite3_close(db);
			return TR_ENOMEM;
		}
	}
	sqlite3_close(c->db);
	c->db = db;
	c->loaded_sum = sum;
	c->has_sum = rc == SQLITE_OK;
	return TR_OK;
}

/* Table OID and attnum of a result column read straight from a user
 * table (RowDescription's fields, which must match pg_attribute). */
static void column_origin(struct sql_catalog *c, sqlite3_stmt *ps, int i,
			  struct sql_column *col)
{
	const char *db = sqlite3_column_database_name(ps, i);
	const char *table = sqlite3_column_table_name(ps, i);
	const char *column = sqlite3_column_origin_name(ps, i);
	if (db == NULL || table == NULL || column == NULL ||
	    strcmp(db, "main") != 0) {
		return;
	}
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT a.attrelid, a.attnum FROM "
			       "pg_catalog.pg_class r JOIN "
			       "pg_catalog.pg_attribute a ON a.attrelid = "
			       "r.oid WHERE r.relname = ?1 AND r.relkind = 'r' "
			       "AND a.attname = ?2",
			       -1, &q, NULL) != SQLITE_OK) {
		sqlite3_finalize(q);
		return;
	}
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, column, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		col->table_oid = (uint32_t)sqlite3_column_int64(q, 0);
		col->attnum = (int16_t)sqlite3_column_int(q, 1);
	}
	sqlite3_finalize(q);
}

static uint32_t lookup_column(void *ctx, const char *table,
			      const char *column, int32_t *typmod)
{
	return sql__mirror_column_type(((struct sql_catalog *)ctx)->db, table,
				       column, typmod);
}

/*
 * Result columns neither SQLite (a plain column's declared type) nor the
 * translator could type are expressions over columns: infer them again
 * with the mirror's column types (sum(int4) is int8, col + 1 is col's
 * type); what is still unknown is text, as before.
 */
static int type_expressions(struct sql_catalog *c, const struct sql_stmt *stmt,
			    struct tr_arena *a, struct sql_column *cols,
			    unsigned n)
{
	bool untyped = false;
	for (unsigned i = 0; i < n; i++) {
		/* A numeric's display scale may come from column types
		 * (avg(int4 column), n / 4): numeric.c. */
		untyped |= cols[i].type_oid == 0 ||
			   (cols[i].type_oid == SQL_OID_NUMERIC &&
			    cols[i].typmod == -1);
	}
	if (untyped && stmt->kind == SQL_QUERY) {
		uint32_t *oids = tr_arena_alloc(a, n * sizeof *oids);
		int32_t *typmods = tr_arena_alloc(a, n * sizeof *typmods);
		if (oids == NULL || typmods == NULL) {
			return TR_ENOMEM;
		}
		for (unsigned i = 0; i < n; i++) {
			oids[i] = cols[i].type_oid;
			typmods[i] = cols[i].typmod;
		}
		int rv = sql_infer_result_types(stmt, lookup_column, c, n,
						oids, typmods);
		if (rv == TR_ENOMEM) {
			return rv;
		}
		if (rv == TR_OK) {
			for (unsigned i = 0; i < n; i++) {
				if ((cols[i].type_oid == 0 && oids[i] != 0) ||
				    (cols[i].type_oid == SQL_OID_NUMERIC &&
				     oids[i] == SQL_OID_NUMERIC)) {
					cols[i].type_oid = oids[i];
					cols[i].typmod = typmods[i];
				}
			}
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (cols[i].type_oid == 0) {
			cols[i].type_oid = SQL_OID_TEXT;
			cols[i].typmod = -1;
		}
		cols[i].typlen = sql_type_len(cols[i].type_oid);
	}
	return TR_OK;
}

int sql_catalog_describe(struct sql_catalog *c, const struct sql_stmt *stmt,
			 struct tr_arena *a, struct sql_column **cols,
			 unsigned *n_cols, struct sql_error *err)
{
	*cols = NULL;
	*n_cols = 0;
	if (stmt->failed || stmt->sqlite == NULL ||
	    (stmt->kind != SQL_QUERY && stmt->kind != SQL_EXEC &&
	     stmt->kind != SQL_COPY_TO)) {
		return TR_OK;
	}
	sqlite3_stmt *ps = NULL;
	int rc = sqlite3_prepare_v2(c->db, stmt->sqlite, -1, &ps, NULL);
	if (rc != SQLITE_OK) {
		const char *msg = sqlite3_errmsg(c->db);
		int ext = sqlite3_extended_errcode(c->db);
		sql_error_from_sqlite(err, a, (uint64_t)ext, msg);
		if (rc == SQLITE_NOMEM) {
			return TR_ENOMEM;
		}
		if (rc == SQLITE_AUTH || ext == SQLITE_AUTH ||
		    strstr(msg, "not authorized") != NULL) {
			sql_error_set(err, a, "42501",
				      "statement uses a construct that is not "
				      "allowed");
			return TR_ESQL;
		}
		if (strncmp(msg, "no such table", 13) == 0 ||
		    strncmp(msg, "no such column", 14) == 0) {
			return TR_ENOTFOUND;
		}
		return TR_ESQL;
	}
	int n = sqlite3_column_count(ps);
	struct sql_column *out = NULL;
	if (n > 0) {
		out = tr_arena_alloc(a, (size_t)n * sizeof *out);
		if (out == NULL) {
			sqlite3_finalize(ps);
			return TR_ENOMEM;
		}
	}
	for (int i = 0; i < n; i++) {
		struct sql_column *col = &out[i];
		memset(col, 0, sizeof *col);
		const char *name = sqlite3_column_name(ps, i);
		col->name = tr_arena_strdup(a,
					    name != NULL ? name : "?column?");
		if (col->name == NULL) {
			sqlite3_finalize(ps);
			return TR_ENOMEM;
		}
		const char *decl = sqlite3_column_decltype(ps, i);
		col->typmod = -1;
		if (decl != NULL) {
			col->type_oid = sql_type_from_decltype(decl,
							       &col->typmod);
			uint32_t en = sql__enum_decl_oid(c->db, decl);
			if (en != 0) {
				col->type_oid = en; /* enum.c */
			}
		} else if ((unsigned)i < stmt->n_cols &&
			   stmt->cols[i].type_oid != 0) {
			col->type_oid = stmt->cols[i].type_oid;
			col->typmod = stmt->cols[i].typmod;
		} else {
			col->type_oid = 0; /* typed below */
		}
		col->typlen = sql_type_len(col->type_oid);
		if (decl != NULL) {
			column_origin(c, ps, i, col);
		}
	}
	sqlite3_finalize(ps);
	int rv = type_expressions(c, stmt, a, out, (unsigned)n);
	if (rv != TR_OK) {
		return rv;
	}
	*cols = out;
	*n_cols = (unsigned)n;
	return TR_OK;
}

uint32_t sql__column_decl_type(struct sqlite3 *db, const char *table,
			       const char *column, int colno, int32_t *typmod,
			       int *rv)
{
	struct tr_buf q;
	tr_buf_init(&q, 0);
	tr_buf_put_str(&q, "SELECT ");
	if (column != NULL) {
		sql__ident_buf(&q, column);
	} else {
		tr_buf_put_str(&q, "*");
	}
	tr_buf_put_str(&q, " FROM ");
	sql__ident_buf(&q, table);
	const char *sql = tr_buf_cstr(&q);
	if (tr_buf_err(&q) != TR_OK) {
		tr_buf_close(&q);
		*rv = TR_ENOMEM;
		return 0;
	}
	sqlite3_stmt *ps = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &ps, NULL);
	tr_buf_close(&q);
	uint32_t oid = 0;
	if (rc == SQLITE_NOMEM) {
		*rv = TR_ENOMEM;
	} else if (rc == SQLITE_OK) {
		int i = column != NULL ? 0 : colno;
		if (i >= 0 && i < sqlite3_column_count(ps)) {
			const char *decl = sqlite3_column_decltype(ps, i);
			if (decl != NULL) {
				oid = sql_type_from_decltype(decl, typmod);
				uint32_t en = sql__enum_decl_oid(db, decl);
				oid = en != 0 ? en : oid; /* enum.c */
			}
		}
	}
	sqlite3_finalize(ps);
	return oid;
}

int sql_catalog_describe_params(struct sql_catalog *c,
				const struct sql_stmt *stmt, struct tr_arena *a,
				uint32_t *oids)
{
	TR_UNUSED(a);
	int rv = TR_OK;
	for (unsigned i = 0; i < stmt->n_params; i++) {
		if (oids[i] != 0) {
			continue; /* given in Parse */
		}
		const struct sql_param *p = &stmt->params[i];
		uint32_t oid = p->oid;
		for (unsigned k = 0; oid == 0 && k < p->n_tables; k++) {
			int32_t typmod;
			oid = sql__column_decl_type(c->db, p->tables[k],
						    p->column, p->colno,
					  &typmod, &rv);
			if (rv != TR_OK) {
				return rv;
			}
			if (p->array_of) {
				oid = sql__array_of(oid);
			} else if (p->elem_of) {
				oid = sql__array_elem(oid);
			}
		}
		oids[i] = oid != 0 ? oid : SQL_OID_TEXT;
	}
	return TR_OK;
}

int sql_catalog_columns(struct sql_catalog *c, const char *table,
			struct tr_arena *a, const char ***names,
			uint32_t **oids, unsigned *n)
{
	*names = NULL;
	*oids = NULL;
	*n = 0;
	struct tr_buf q;
	tr_buf_init(&q, 0);
	tr_buf_put_str(&q, "SELECT * FROM ");
	sql__ident_buf(&q, table);
	const char *sql = tr_buf_cstr(&q);
	if (tr_buf_err(&q) != TR_OK) {
		tr_buf_close(&q);
		return TR_ENOMEM;
	}
	sqlite3_stmt *ps = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &ps, NULL);
	tr_buf_close(&q);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(ps);
		return rc == SQLITE_NOMEM ? TR_ENOMEM : TR_ENOTFOUND;
	}
	int count = sqlite3_column_count(ps);
	const char **nm = tr_arena_alloc(a, ((size_t)count + 1) * sizeof *nm);
	uint32_t *ty = tr_arena_alloc(a, ((size_t)count + 1) * sizeof *ty);
	int rv = nm != NULL && ty != NULL ? TR_OK : TR_ENOMEM;
	for (int i = 0; i < count && rv == TR_OK; i++) {
		const char *name = sqlite3_column_name(ps, i);
		const char *decl = sqlite3_column_decltype(ps, i);
		int32_t typmod;
		nm[i] = name != NULL ? tr_arena_strdup(a, name) : NULL;
		ty[i] = sql_type_from_decltype(decl, &typmod);
		if (nm[i] == NULL) {
			rv = TR_ENOMEM;
		}
	}
	sqlite3_finalize(ps);
	if (rv != TR_OK) {
		return rv;
	}
	*names = nm;
	*oids = ty;
	*n = (unsigned)count;
	return TR_OK;
}

int sql_catalog_copy_columns(struct sql_catalog *c, const struct sql_copy *copy,
			     struct tr_arena *a, const char ***names,
			     uint32_t **oids, unsigned *n,
			     struct sql_error *err)
{
	const char **all;
	uint32_t *types;
	unsigned n_all;
	int rv = sql_catalog_columns(c, copy->table, a, &all, &types, &n_all);
	if (rv == TR_ENOTFOUND) {
		sql_error_set(err, a, "42P01", "relation \"%s\" does not exist",
			      copy->table);
	}
	if (rv != TR_OK) {
		return rv;
	}
	if (copy->n_cols == 0) {
		*names = all;
		*oids = types;
		*n = n_all;
		return TR_OK;
	}
	const char **nm = tr_arena_alloc(a, copy->n_cols * sizeof *nm);
	uint32_t *ty = tr_arena_alloc(a, copy->n_cols * sizeof *ty);
	if (nm == NULL || ty == NULL) {
		return TR_ENOMEM;
	}
	for (unsigned i = 0; i < copy->n_cols; i++) {
		unsigned k = 0;
		while (k < n_all && strcmp(all[k], copy->cols[i]) != 0) {
			k++;
		}
		if (k == n_all) {
			sql_error_set(err, a, "42703",
				      "column \"%s\" of relation \"%s\" does "
				      "not exist",
				      copy->cols[i], copy->table);
			return TR_ENOTFOUND;
		}
		nm[i] = all[k];
		ty[i] = types[k];
	}
	*names = nm;
	*oids = ty;
	*n = copy->n_cols;
	return TR_OK;
}

/* An error raised on the mirror: catalog functions prefix their messages
 * with a SQLSTATE ("42P01: relation \"x\" does not exist"). */
static void mirror_error(struct sql_catalog *c, struct tr_arena *a,
			 struct sql_error *err)
{
	const char *msg = sqlite3_errmsg(c->db);
	size_t n = 0;
	while (n < 5 && ((msg[n] >= '0' && msg[n] <= '9') ||
			 (msg[n] >= 'A' && msg[n] <= 'Z'))) {
		n++;
	}
	if (n == 5 && msg[5] == ':' && msg[6] == ' ') {
		char code[6];
		memcpy(code, msg, 5);
		code[5] = '\0';
		sql_error_set(err, a, code, "%s", msg + 7);
		return;
	}
	sql_error_from_sqlite(err, a,
			      (uint64_t)sqlite3_extended_errcode(c->db), msg);
}

int sql_catalog_query(struct sql_catalog *c, const struct sql_stmt *stmt,
		      const struct sql_value *params, unsigned n_params,
		      sql_catalog_row_cb cb, void *arg, struct tr_arena *a,
		      struct sql_error *err)
{
	if (stmt->sqlite == NULL) {
		sql_error_set(err, a, "XX000", "no statement");
		return TR_ESQL;
	}
	sqlite3_stmt *ps = NULL;
	int rc = sqlite3_prepare_v2(c->db, stmt->sqlite, -1, &ps, NULL);
	if (rc != SQLITE_OK) {
		mirror_error(c, a, err);
		sqlite3_finalize(ps);
		return rc == SQLITE_NOMEM ? TR_ENOMEM : TR_ESQL;
	}
	int n_bind = sqlite3_bind_parameter_count(ps);
	for (int i = 0; i < n_bind && (unsigned)i < n_params; i++) {
		const struct sql_value *v = &params[i];
		switch (v->type) {
		case SQL_VALUE_INTEGER:
			rc = sqlite3_bind_int64(ps, i + 1, v->integer);
			break;
		case SQL_VALUE_FLOAT:
			rc = sqlite3_bind_double(ps, i + 1, v->real);
			break;
		case SQL_VALUE_TEXT:
			rc = sqlite3_bind_text64(ps, i + 1, v->p, v->len,
						 SQLITE_STATIC, SQLITE_UTF8);
			break;
		case SQL_VALUE_BLOB:
			rc = sqlite3_bind_blob64(ps, i + 1, v->p, v->len,
						 SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(ps, i + 1);
			break;
		}
		if (rc != SQLITE_OK) {
			sqlite3_finalize(ps);
			return TR_ENOMEM;
		}
	}
	int n = sqlite3_column_count(ps);
	const char **names = tr_arena_alloc(a, sizeof *names * (size_t)(n + 1));
	struct sql_value *vals = tr_arena_alloc(a,
						sizeof *vals * (size_t)(n + 1));
	if (names == NULL || vals == NULL) {
		sqlite3_finalize(ps);
		return TR_ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(ps, i);
		names[i] = tr_arena_strdup(a, name != NULL ? name : "?column?");
		if (names[i] == NULL) {
			sqlite3_finalize(ps);
			return TR_ENOMEM;
		}
	}
	int rv = cb(arg, (unsigned)n, names, NULL);
	while (rv == TR_OK && (rc = sqlite3_step(ps)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			struct sql_value *v = &vals[i];
			memset(v, 0, sizeof *v);
			switch (sqlite3_column_type(ps, i)) {
			case SQLITE_INTEGER:
				v->type = SQL_VALUE_INTEGER;
				v->integer = sqlite3_column_int64(ps, i);
				break;
			case SQLITE_FLOAT:
				v->type = SQL_VALUE_FLOAT;
				v->real = sqlite3_column_double(ps, i);
				break;
			case SQLITE_TEXT:
				v->type = SQL_VALUE_TEXT;
				v->p = sqlite3_column_text(ps, i);
				v->len = (size_t)sqlite3_column_bytes(ps, i);
				break;
			case SQLITE_BLOB:
				v->type = SQL_VALUE_BLOB;
				v->p = sqlite3_column_blob(ps, i);
				v->len = (size_t)sqlite3_column_bytes(ps, i);
				break;
			default:
				v->type = SQL_VALUE_NULL;
				break;
			}
		}
		rv = cb(arg, (unsigned)n, names, vals);
	}
	if (rv == TR_OK && rc != SQLITE_DONE) {
		mirror_error(c, a, err);
		rv = rc == SQLITE_NOMEM ? TR_ENOMEM : TR_ESQL;
	}
	sqlite3_finalize(ps);
	return rv;
}

int sql_catalog_set_databases(struct sql_catalog *c, unsigned n,
			      const char *const *names, const int64_t *oids)
{
	const char *cur = c->database != NULL ? c->database : "postgres";
	sqlite3_stmt *ps = NULL;
	int rv = TR_OK;
	c->loading = true; /* the authorizer lets us write the catalog */
	int rc = sqlite3_exec(c->db,
			      "DELETE FROM pg_catalog.pg_database "
			      "WHERE datname <> (SELECT datname FROM "
			      "pg_catalog.pg_database WHERE oid = 5)",
			      NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		/* Every database is UTF8 with the C.UTF-8 locale, owned (as
		 * the catalog knows roles) by the bootstrap superuser. */
		rc = sqlite3_prepare_v2(
			c->db,
			"INSERT INTO pg_catalog.pg_database VALUES (?, ?, 10, "
			"6, 'c', 0, 1, -1, '0', '1', 1663, 'C.UTF-8', "
			"'C.UTF-8', NULL, NULL, NULL)",
			-1, &ps, NULL);
	}
	for (unsigned i = 0; rc == SQLITE_OK && i < n; i++) {
		if (strcmp(names[i], cur) == 0) {
			continue;
		}
		sqlite3_bind_int64(ps, 1, oids[i]);
		sqlite3_bind_text(ps, 2, names[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(ps);
		rc = rc == SQLITE_DONE ? sqlite3_reset(ps) : rc;
	}
	if (rc != SQLITE_OK) {
		rv = rc == SQLITE_NOMEM ? TR_ENOMEM : TR_EINTERNAL;
	}
	sqlite3_finalize(ps);
	c->loading = false;
	return rv;
}
