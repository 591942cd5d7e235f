/*
 * sql/sql.h: PostgreSQL dialect in, SQLite out.  Pure: no I/O, no loop.
 *
 *   sql_parse      split and parse a query string with libpg_query (the
 *                  whole string at once, as PostgreSQL does), classify each
 *                  statement and translate it to SQLite SQL that is safe to
 *                  send to dqlite 1.11.1 (DESIGN.md §4).
 *   sql_catalog    a local in-memory SQLite holding the user schema (no
 *                  rows): describes result columns (names, type OIDs)
 *                  before any row exists.
 *   sql_type_*     PostgreSQL type OIDs, names and declared-type mapping.
 *   sql_format_*   render stored SQLite values as PostgreSQL text.
 *   sql_error_*    SQLite / dqlite failures as SQLSTATE errors.
 *
 * Memory: everything returned lives in the caller's arena (cycle lifetime)
 * unless said otherwise.
 */
#ifndef SQL_SQL_H
#define SQL_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* ---------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------- */

/* An error for the client.  Strings live in the arena, or are static. */
struct sql_error {
	char sqlstate[6];    /* five characters and NUL */
	const char *message; /* PostgreSQL style: lower case, no period */
	const char *detail;  /* NULL if none */
	const char *hint;    /* NULL if none */
	int position;        /* 1-based character offset in the query; 0 */
};

/* Fill @e (message formatted into @a; static fallback text on OOM). */
void sql_error_set(struct sql_error *e, struct tr_arena *a,
		   const char *sqlstate, const char *fmt, ...) TR_PRINTF(4, 5);

/*
 * Map a SQLite/dqlite failure (extended result code and message, as the
 * dqlite FAILURE response carries them) to a PostgreSQL error: 23505 for
 * unique violations with a constraint name in PostgreSQL's style, 23502,
 * 23503, 23514, 42P01 'relation "t" does not exist', 42703, 42601, 22012,
 * 40001 for BUSY, and so on.  Unknown codes become XX000 with the text.
 */
void sql_error_from_sqlite(struct sql_error *e, struct tr_arena *a,
			   uint64_t code, const char *message);

/* ---------------------------------------------------------------------
 * Statements
 * ------------------------------------------------------------------- */

enum sql_kind {
	SQL_EMPTY,     /* nothing but comments/semicolons: EmptyQueryResponse */
	SQL_QUERY,     /* returns rows: send with QUERY_SQL */
	SQL_EXEC,      /* no rows: send with EXEC_SQL */
	SQL_BEGIN,     /* BEGIN / START TRANSACTION */
	SQL_COMMIT,    /* COMMIT / END */
	SQL_ROLLBACK,  /* ROLLBACK / ABORT */
	SQL_SAVEPOINT, /* SAVEPOINT name */
	SQL_RELEASE,   /* RELEASE [SAVEPOINT] name */
	SQL_ROLLBACK_TO, /* ROLLBACK TO [SAVEPOINT] name */
	SQL_SET,         /* SET [SESSION|LOCAL] name TO value */
	SQL_SHOW,        /* SHOW name | SHOW ALL */
	SQL_RESET,       /* RESET name | RESET ALL */
	SQL_DISCARD,     /* DISCARD ALL | PLANS | SEQUENCES | TEMP */
};

/* A result column as PostgreSQL describes it. */
struct sql_column {
	const char *name;
	uint32_t type_oid;
	int32_t typmod; /* -1 if none */
	int16_t typlen;
	uint32_t table_oid; /* 0 unless a plain column (later issue) */
	int16_t attnum;
};

/* One translated statement. */
struct sql_stmt {
	enum sql_kind kind;
	const char *text; /* the original statement text (arena) */
	int location;     /* byte offset of the statement in the query */
	/*
	 * Translation failure, reported when the statement is reached (as
	 * PostgreSQL reports analysis errors): @failed set and @error filled.
	 */
	bool failed;
	struct sql_error error;
	/* SQLite text for the cluster (QUERY, EXEC, transaction control). */
	const char *sqlite;
	/* CommandComplete tag verb: "SELECT", "INSERT", "UPDATE", "DELETE",
	 * "CREATE TABLE", "BEGIN", "SET", ...  For INSERT the executor sends
	 * "INSERT 0 <n>"; for SELECT/UPDATE/DELETE "<tag> <n>". */
	const char *tag;
	bool writes; /* may write: must hold the database's write lock */
	/* Names a triode_cluster_* relation: triode's views of the cluster,
	 * which live in the internal database, not the user's. */
	bool cluster_view;
	bool ddl;     /* changes the schema: reload the catalog after it */
	bool counted; /* tag carries a row count */
	/* SET/SHOW/RESET: the setting name (lower case; "all" for ALL) and
	 * for SET the value as text (NULL for DEFAULT). */
	const char *name;
	const char *value;
	bool is_local; /* SET LOCAL */
	/* SAVEPOINT/RELEASE/ROLLBACK TO: the savepoint name. */
	const char *savepoint;
	/* Result columns known from the statement alone (QUERY): one per
	 * target; type_oid 0 where only the catalog can tell. */
	unsigned n_cols;
	struct sql_column *cols;
};

struct sql_batch {
	unsigned n_stmts;
	struct sql_stmt *stmts; /* arena */
};

/*
 * Parse @text (NUL-terminated) and translate every statement.  A syntax
 * error anywhere fails the whole batch, as in PostgreSQL: TR_ESQL with @err
 * filled (42601 with a position).  TR_ENOMEM on OOM.  Per-statement
 * translation errors (0A000 for unsupported constructs, ...) come back in
 * the statement (stmt->failed), so that earlier statements still run.
 * Thread-safe per thread.
 */
TR_MUSTCHECK int sql_parse(struct tr_arena *a, const char *text,
			   struct sql_batch *out, struct sql_error *err);

/* ---------------------------------------------------------------------
 * Catalog mirror
 * ------------------------------------------------------------------- */

struct sql_catalog; /* opaque: one in-memory SQLite connection */

TR_MUSTCHECK int sql_catalog_new(struct sql_catalog **out);
void sql_catalog_free(struct sql_catalog *c);
/*
 * Replace the mirrored schema with @n_ddl CREATE statements (the `sql`
 * column of the cluster's sqlite_master, tables before indexes and views).
 * Statements that fail to apply are skipped (and logged).
 */
TR_MUSTCHECK int sql_catalog_load(struct sql_catalog *c, unsigned n_ddl,
				  const char *const *ddl);
/*
 * Describe @stmt's result columns by preparing its SQLite text on the
 * mirror: declared types of plain columns, then the statement's own
 * inference, then text.  Returns TR_OK with @cols (arena) and @n_cols;
 * TR_ENOTFOUND when the mirror lacks a table or column (reload and retry);
 * TR_ESQL with @err for other prepare failures.
 */
TR_MUSTCHECK int sql_catalog_describe(struct sql_catalog *c,
				      const struct sql_stmt *stmt,
				      struct tr_arena *a,
				      struct sql_column **cols,
				      unsigned *n_cols, struct sql_error *err);

/* ---------------------------------------------------------------------
 * Types and values
 * ------------------------------------------------------------------- */

/* PostgreSQL type OIDs triode knows. */
#define SQL_OID_BOOL        16
#define SQL_OID_BYTEA       17
#define SQL_OID_NAME        19
#define SQL_OID_INT8        20
#define SQL_OID_INT2        21
#define SQL_OID_INT4        23
#define SQL_OID_TEXT        25
#define SQL_OID_OID         26
#define SQL_OID_JSON        114
#define SQL_OID_FLOAT4      700
#define SQL_OID_FLOAT8      701
#define SQL_OID_UNKNOWN     705
#define SQL_OID_BPCHAR      1042
#define SQL_OID_VARCHAR     1043
#define SQL_OID_DATE        1082
#define SQL_OID_TIME        1083
#define SQL_OID_TIMESTAMP   1114
#define SQL_OID_TIMESTAMPTZ 1184
#define SQL_OID_TIMETZ      1266
#define SQL_OID_INTERVAL    1186
#define SQL_OID_NUMERIC     1700
#define SQL_OID_UUID        2950
#define SQL_OID_JSONB       3802

/* typlen of a type (-1 for varlena). */
int16_t sql_type_len(uint32_t oid);
/* PostgreSQL name of a type ("int4", "text"...), or NULL if unknown. */
const char *sql_type_name(uint32_t oid);
/*
 * The type of a SQLite declared type as triode writes them (see
 * types.c: "int4", "varchar(20)", "pg_timestamp"...): OID and typmod.
 * Unknown or NULL declared types give text (25), typmod -1.
 */
uint32_t sql_type_from_decltype(const char *decltype, int32_t *typmod);

/* A value as SQLite stores it (what dqlite returns). */
enum sql_value_type {
	SQL_VALUE_INTEGER = 1,
	SQL_VALUE_FLOAT = 2,
	SQL_VALUE_TEXT = 3,
	SQL_VALUE_BLOB = 4,
	SQL_VALUE_NULL = 5,
};

struct sql_value {
	enum sql_value_type type;
	int64_t integer;
	double real;
	const void *p; /* TEXT/BLOB bytes, borrowed */
	size_t len;
};

/*
 * Append @v rendered as PostgreSQL's text output for @type_oid to @out
 * (t/f for bool, \x hex for bytea, shortest round-trip floats with
 * Infinity/NaN, ...).  Returns false for NULL (nothing appended).
 */
bool sql_format_text(uint32_t type_oid, const struct sql_value *v,
		     struct tr_buf *out);

/* ---------------------------------------------------------------------
 * PostgreSQL functions on SQLite connections (functions.c)
 * ------------------------------------------------------------------- */

struct sqlite3;

/*
 * Register triode's pg_* functions (regex, strings, math, date/time) and
 * the pg_generate_series* table-valued functions on @db.  The translator
 * emits them, so every connection that runs translated SQL needs them.
 * Returns a SQLite result code (SQLITE_OK is 0).
 */
int sql_functions_register(struct sqlite3 *db);

/*
 * Register them on every SQLite connection the process opens from now on
 * (sqlite3_auto_extension), including those dqlite's leader opens when
 * the node runs in this process.  Call it once, before any SQLite
 * connection is opened, i.e. before the dqlite node starts; further calls
 * do nothing.  A failure (out of memory) is logged.
 */
void sql_functions_register_auto(void);

#endif /* SQL_SQL_H */
