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

/*
 * What the statement alone says about parameter $n (sql_stmt.params[n-1]).
 * Filled by sql_parse; turned into a type OID by sql_catalog_describe_params.
 */
struct sql_param {
	/* Type known without the schema: an explicit cast ($1::int4), LIMIT
	 * and OFFSET (int8), a LIKE pattern (text), arithmetic with a typed
	 * operand, a known function's argument.  0 if none. */
	uint32_t oid;
	int32_t typmod; /* -1 if none */
	/* Column context (col = $1, col IN ($1), INSERT target, SET col =
	 * $1), used when @oid is 0: the declared type of @column (or of the
	 * @colno-th column, 0-based, when @column is NULL: INSERT without a
	 * column list) in the first of @tables that has it.  n_tables 0: no
	 * column context.  All strings in the arena. */
	unsigned n_tables;
	const char **tables;
	const char *column;
	int colno;
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
	/* Parameters: the highest $n the statement uses (0 if none), and
	 * what the statement says about each ($n is params[n - 1]; NULL when
	 * n_params is 0).  A Parse message may name more parameters than the
	 * statement uses (see sql_catalog_describe_params). */
	unsigned n_params;
	struct sql_param *params;
};

struct sql_batch {
	unsigned n_stmts;
	struct sql_stmt *stmts; /* arena */
};

/*
 * Parse @text (NUL-terminated) and translate every statement.
 *
 * Extended protocol: a Parse message must hold at most one statement.  The
 * caller refuses n_stmts > 1 with 42601 "cannot insert multiple commands
 * into a prepared statement" (PostgreSQL's check in exec_parse_message);
 * n_stmts == 0 is an empty query (EmptyQueryResponse at Execute).  A syntax
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

/*
 * Parameter types of @stmt for ParameterDescription.  @oids holds
 * stmt->n_params entries; on input each is the OID the client gave in
 * Parse for that parameter, or 0 for "unspecified".  Non-zero entries are
 * kept (the client's word wins); each 0 is replaced by the inferred type:
 * the statement's own (stmt->params[i].oid), else the declared type of
 * the column it is compared with or assigned to, read from the mirror
 * (sql_type_from_decltype), else text (25).  PostgreSQL would infer
 * "unknown" for the last case and let the first use decide; text is what
 * triode reports (and binds).
 *
 * A Parse message may give more OIDs than the statement uses
 * ($n beyond n_params): the caller sizes its array as the larger of the
 * two counts, passes the first n_params entries here, and reports the
 * rest as given (0 there becomes text as well).
 *
 * Call it after sql_catalog_describe succeeded for the same statement
 * (that one reports a stale mirror with TR_ENOTFOUND); a table or column
 * the mirror lacks here simply leaves the parameter untyped (text).
 * Returns TR_OK, or TR_ENOMEM.  @a is scratch for the call.
 */
TR_MUSTCHECK int sql_catalog_describe_params(struct sql_catalog *c,
					     const struct sql_stmt *stmt,
					     struct tr_arena *a,
					     uint32_t *oids);

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

/*
 * Append @v in PostgreSQL's binary format for @type_oid (what its *send
 * function writes, without the length word) to @out.  Returns false for
 * NULL (nothing appended).
 *
 *   bool 1 byte; int2/int4/int8/oid big-endian; float4/float8 IEEE
 *   big-endian; numeric in PostgreSQL's base-10000 layout (ndigits,
 *   weight, sign, dscale, digits), built from the stored value's decimal
 *   text; text, varchar, bpchar, name, json and unknown types the text
 *   output (as sql_format_text); jsonb version byte 1 then the text;
 *   bytea raw; uuid 16 bytes; date int32 days and timestamp/timestamptz
 *   int64 microseconds since 2000-01-01 (UTC); time int64 microseconds;
 *   interval int64 microseconds, int32 days, int32 months.
 *
 * Stored values are what the bind layer (sql_param_decode) and the
 * translator write.  A value that is not a valid instance of @type_oid
 * (SQLite's flexible typing: 'abc' in an int4 column) is encoded on a
 * best-effort basis (numbers parsed from text, 0 when there is none,
 * integers truncated to the type's width); callers that must refuse such
 * values can check with sql_format_binary_ok first.
 */
bool sql_format_binary(uint32_t type_oid, const struct sql_value *v,
		       struct tr_buf *out);

/*
 * true if @v (not NULL) has an exact binary encoding for @type_oid: the
 * storage class and contents fit the type.
 */
bool sql_format_binary_ok(uint32_t type_oid, const struct sql_value *v);

/*
 * Decode a Bind parameter sent by the client into the value to bind on
 * SQLite, in the canonical stored form of @oid (sql-translation.md §6.1).
 *
 *   @oid     the parameter's type (as described; unknown OIDs: text)
 *   @format  0 text, 1 binary (anything else: 08P01)
 *   @p/@len  the bytes; @len < 0 is NULL (then @p is not read)
 *
 * Text: int2/int4/int8/oid with PostgreSQL's range checks; float4/float8
 * with NaN and [-]Infinity; numeric as INTEGER when integral and in int64
 * range, else REAL; bool in PostgreSQL's spellings (t, true, yes, on, 1,
 * f, ... with prefixes and blanks) as 0/1; text types, json (validated)
 * and jsonb (validated) as TEXT; bytea hex (\x..) or escape format as a
 * BLOB; uuid as lower-case hyphenated text; date, timestamp, timestamptz,
 * time and interval as triode's canonical text (timestamptz in UTC with
 * "+00"; a zone on a timestamp is ignored, as PostgreSQL does).
 * Binary: PostgreSQL's receive formats for the same types (see
 * sql_format_binary).  NaN (float or numeric) is stored as the TEXT 'NaN'
 * because SQLite turns a NaN double into NULL.
 *
 * Returns TR_OK with @out filled; TR_ESQL with @err for a value the client
 * must hear about (session continues): 22P02 invalid input syntax, 22003
 * out of range, 22007/22008 date/time, 22023 bad hex, 22P03 "incorrect
 * binary data format", 08P01 "insufficient data left in message" (an
 * ERROR in PostgreSQL's Bind, not FATAL), 22021 NUL byte in text; the
 * caller may wrap the message ("... in bind parameter 2").  TR_ENOMEM on
 * OOM.  TEXT/BLOB bytes in @out are either borrowed from @p (valid as long
 * as @p) or allocated in @a.
 */
TR_MUSTCHECK int sql_param_decode(uint32_t oid, int16_t format,
				  const uint8_t *p, int32_t len,
				  struct tr_arena *a, struct sql_value *out,
				  struct sql_error *err);

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
