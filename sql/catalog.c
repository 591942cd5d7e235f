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
 * Safety: the mirror connection has an authorizer that denies ATTACH,
 * DETACH, PRAGMA and the file/extension functions, so every statement
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
	sqlite3 *db; /* owned: the mirror */
};

static int authorize(void *data, int action, const char *a, const char *b,
		     const char *c, const char *d)
{
	TR_UNUSED(data);
	TR_UNUSED(b);
	TR_UNUSED(c);
	TR_UNUSED(d);
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
	case SQLITE_PRAGMA:
		return SQLITE_DENY;
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

static int open_db(sqlite3 **out)
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
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		return rc == SQLITE_NOMEM ? TR_ENOMEM : TR_EINTERNAL;
	}
	sqlite3_set_authorizer(db, authorize, NULL);
	*out = db;
	return TR_OK;
}

int sql_catalog_new(struct sql_catalog **out)
{
	struct sql_catalog *c = tr_calloc(1, sizeof *c);
	if (c == NULL) {
		return TR_ENOMEM;
	}
	int rv = open_db(&c->db);
	if (rv != TR_OK) {
		tr_free(c);
		return rv;
	}
	*out = c;
	return TR_OK;
}

void sql_catalog_free(struct sql_catalog *c)
{
	if (c == NULL) {
		return;
	}
	sqlite3_close(c->db);
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

int sql_catalog_load(struct sql_catalog *c, unsigned n_ddl,
		     const char *const *ddl)
{
	sqlite3 *db;
	int rv = open_db(&db);
	if (rv != TR_OK) {
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
	sqlite3_close(c->db);
	c->db = db;
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
		} else if ((unsigned)i < stmt->n_cols &&
			   stmt->cols[i].type_oid != 0) {
			col->type_oid = stmt->cols[i].type_oid;
			col->typmod = stmt->cols[i].typmod;
		} else {
			col->type_oid = SQL_OID_TEXT;
		}
		col->typlen = sql_type_len(col->type_oid);
	}
	sqlite3_finalize(ps);
	*cols = out;
	*n_cols = (unsigned)n;
	return TR_OK;
}

/*
 * Declared type of @column (or of the @colno-th column when @column is
 * NULL) of @table on the mirror: "SELECT col FROM table" prepared, never
 * run.  0 when the mirror lacks either; TR_ENOMEM in @rv.
 */
static uint32_t column_type(struct sql_catalog *c, const char *table,
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
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &ps, NULL);
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
			oid = column_type(c, p->tables[k], p->column, p->colno,
					  &typmod, &rv);
			if (rv != TR_OK) {
				return rv;
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
