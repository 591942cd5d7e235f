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
	/* Where the error happened, for the CONTEXT ('W') field: COPY's
	 * "COPY t, line 3: \"...\"" (sql_copy_reader).  NULL if none. */
	const char *context;
	/* The relation, column and constraint an integrity error is about
	 * (ErrorResponse fields t, c, n; schema public), NULL if none. */
	const char *table;
	const char *column;
	const char *constraint;
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

/*
 * The failure of a statement whose pg_advisory_lock (or _shared, _xact)
 * found the lock held by another session (advisory.c).  The statement
 * changed nothing (its earlier acquisitions were undone): the executor
 * sends it again a little later, until it gets the lock, lock_timeout
 * expires or it is cancelled.  Its message reads as an error of its own
 * should it reach a client.
 */
#define SQL_ADVISORY_WAIT_MSG                                                  \
	"55P03: could not obtain advisory lock: held by another session"
/* Is the failure (extended result code, message) that one? */
bool sql_advisory_is_wait(uint64_t code, const char *message);

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
	SQL_COPY_FROM,   /* COPY table [(cols)] FROM STDIN: stmt->copy */
	SQL_COPY_TO, /* COPY table [(cols)] | (query) TO STDOUT: stmt->copy */
	SQL_DECLARE, /* DECLARE name CURSOR FOR query: @name, @sqlite, @cols */
	SQL_FETCH,   /* FETCH [FORWARD] n|ALL FROM name: @name, @fetch_count */
	SQL_CLOSE,   /* CLOSE name | CLOSE ALL (@name NULL) */
	/* CREATE DATABASE @name [OWNER @value (NULL: the session's user)];
	 * the options are checked already (database.c). */
	SQL_CREATE_DATABASE,
	/* DROP DATABASE [IF EXISTS: @missing_ok] @name [WITH (FORCE)]. */
	SQL_DROP_DATABASE,
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
	/* The column context gives the column's array type (x = ANY($1))
	 * or its element type ($1 = ANY(arr)) rather than its type. */
	bool array_of;
	bool elem_of;
};

/*
 * ALTER TABLE actions SQLite cannot do in place are done by rebuilding the
 * table (rebuild.c): the statement carries the list of changes, and the
 * executor, holding the write lock, reads the schema from the leader and
 * asks sql_rebuild_script for the SQLite script to run.
 */
enum sql_alter_op {
	SQL_ALTER_ADD_COLUMN,	   /* text: SQLite column definition */
	SQL_ALTER_DROP_COLUMN,	   /* column */
	SQL_ALTER_ADD_CONSTRAINT,  /* text: SQLite table constraint */
	SQL_ALTER_DROP_CONSTRAINT, /* name */
	SQL_ALTER_SET_NOT_NULL,	   /* column */
	SQL_ALTER_DROP_NOT_NULL,   /* column */
	SQL_ALTER_SET_DEFAULT,	   /* column, text: expression or NULL */
	SQL_ALTER_TYPE, /* column, text: declared type, expr: the new value
			 * (SQLite, reading the old row's columns) */
	SQL_ALTER_ENUM, /* column of an enum type whose labels change (ALTER
			 * TYPE): text: its new COLLATE name, check: its
			 * new hidden check, expr: the new value or NULL */
	/* column that gets DEFAULT (text) of its own sequence, expr: the
	 * kind marker (/\*pg-seq serial*\/, ddl.c).  check: the new
	 * sequence's DDL to run after the rebuild (ADD GENERATED ... AS
	 * IDENTITY), or NULL (SET DEFAULT nextval() of a sequence OWNED BY
	 * the column, turned into this by rebuild.c). */
	SQL_ALTER_IDENTITY,
};

struct sql_alter {
	enum sql_alter_op op;
	const char *column; /* or the constraint name */
	const char *text;
	const char *expr;
	bool missing_ok; /* IF EXISTS */
	/* SQL_ALTER_TYPE: the new type, and whether USING gave the value
	 * (without it PostgreSQL only converts along assignment casts). */
	uint32_t type_oid;
	bool has_using;
	const char *check; /* SQL_ALTER_ENUM */
};

struct sql_seq_alter; /* sequence.c */
struct sql_drop;      /* rebuild.c */
struct sql_enum_alter; /* enum.c */

struct sql_rebuild {
	const char *table;
	unsigned n_alters;
	struct sql_alter *alters;
	/* ALTER SEQUENCE (@table is the sequence): the script comes from
	 * the schema the same way; NULL otherwise. */
	struct sql_seq_alter *sequence;
	/* DROP TABLE / DROP VIEW (@table NULL): the objects that depend on
	 * the dropped ones come from the schema; NULL otherwise. */
	struct sql_drop *drop;
	/* ALTER TYPE ... ADD/RENAME VALUE (@table NULL): the type's view
	 * and the tables with columns of the type; NULL otherwise. */
	struct sql_enum_alter *enum_alter;
	/* CREATE TABLE IF NOT EXISTS (@table the new table): the script
	 * that makes it, run only if no relation has the name; NULL
	 * otherwise. */
	const char *create;
};

/* A NOTICE a statement sends before it completes (arena). */
struct sql_notice {
	const char *sqlstate; /* NULL: 00000 */
	const char *message;
	const char *detail; /* NULL if none */
	const struct sql_notice *next;
};

/* One row of the leader's sqlite_schema (sql not NULL). */
struct sql_schema_obj {
	const char *type; /* "table", "index", "view", "trigger" */
	const char *name;
	const char *tbl_name;
	const char *sql;
};

/*
 * The SQLite script (statements separated by "; ", no BEGIN/COMMIT) that
 * rebuilds @r->table with its changes applied, given the database's
 * schema (@objs, in sqlite_schema order): the rows copied into a new
 * table that takes the old one's name, indexes recreated, an
 * AUTOINCREMENT counter kept.  ADD COLUMN alone is done in place, once
 * checked against the schema.  For DROP TABLE/VIEW (@r->drop) the script
 * drops the objects, and with CASCADE the views that depend on them and
 * the foreign keys of other tables that reference them.  @notices gets
 * the NOTICEs to send before the statement completes (NULL if none; in
 * @a).  TR_ESQL with @err (42P01 no such table, 42703 no such column,
 * 42704 no such constraint, 42701 column exists, 2BP01 dependent objects,
 * 0A000 for a table definition the rebuild cannot follow), TR_ENOMEM.
 */
TR_MUSTCHECK int sql_rebuild_script(struct tr_arena *a,
				    const struct sql_rebuild *r,
				    unsigned n_objs,
				    const struct sql_schema_obj *objs,
				    const char **script,
				    const struct sql_notice **notices,
				    struct sql_error *err);

/*
 * INSERT/UPDATE/DELETE ... RETURNING, emulated (returning.c).  dqlite
 * 1.11.1 aborts the node on a statement with RETURNING (DESIGN.md §4), so
 * such a statement is translated into a plan of RETURNING-free steps that
 * the executor runs, in order, inside one transaction and under the
 * write lock:
 *
 *   INSERT ... VALUES   @rows: one INSERT per VALUES row, in order; each
 *                       affects 0 or 1 row, whose rowid is the EXEC
 *                       result's last_insert_id (an ON CONFLICT DO UPDATE
 *                       sets it to the updated row through the
 *                       triode_returning_rowid() SQL function);
 *   INSERT ... SELECT   @source: the query, run first (PostgreSQL reads
 *                       its snapshot before inserting); then per source
 *                       row the INSERT sql_returning_row_sql builds,
 *                       binding $1..$row_params then the row's values;
 *   INSERT              then @fetch: the rows by rowid, in insertion order;
 *   UPDATE              @collect: the target rowids; @write: the UPDATE
 *                       restricted to them; @fetch: the new rows;
 *   DELETE              @collect: the rowid then the RETURNING values of
 *                       each row (one row per target row, before the
 *                       delete); @write: the DELETE of those rowids.
 *
 * Parameters: a step binds the statement's parameters $1..$n_params
 * (as ?1..?n_params) and, when @key is not 0, one more value at ?key:
 * the JSON array of the collected rowids.
 */
struct sql_ret_step {
	const char *sql; /* SQLite text; never contains RETURNING */
	unsigned n_params;
	unsigned key; /* 0, or n_params + 1 */
};

enum sql_returning_kind {
	SQL_RETURNING_INSERT,
	SQL_RETURNING_UPDATE,
	SQL_RETURNING_DELETE,
	/* A query calling nextval() or setval(), which write (sequence.c):
	 * @prep makes the holding table, @write (EXEC) stores the query's
	 * rows in it, @fetch reads them back in order, @cleanup empties
	 * it. */
	SQL_RETURNING_SELECT,
	/* A statement whose WITH holds INSERT/UPDATE/DELETE queries (see
	 * returning.c, "Data-modifying statements in WITH"): @prep makes
	 * and empties the holding table triode_rows, each of @subs runs
	 * (in capture mode) and stores its RETURNING rows there, then the
	 * main statement runs, reading them: @main when it has RETURNING,
	 * else @fetch (a SELECT, QUERY: the result) or @write (EXEC: the
	 * count); @cleanup empties the table. */
	SQL_RETURNING_WITH,
};

struct sql_returning {
	enum sql_returning_kind kind;
	/* INSERT ... VALUES: one step per row (n_rows 0 otherwise). */
	unsigned n_rows;
	struct sql_ret_step *rows;
	/* INSERT ... SELECT: @source.sql is the query (NULL otherwise);
	 * a row's INSERT is row_head "(?a, ..., ?b)" row_tail, binding the
	 * statement's n_params parameters then the row's values. */
	struct sql_ret_step source;
	const char *row_head;
	const char *row_tail;
	unsigned row_params; /* the statement's parameters a row binds */
	/* ON CONFLICT DO UPDATE: a row may be affected once only (21000).
	 * An INSERT of several rows with DO UPDATE and no RETURNING is an
	 * INSERT plan without @fetch (sql__upsert_plan), for this check. */
	bool upsert;
	/* UPDATE, DELETE. */
	struct sql_ret_step collect;
	struct sql_ret_step write;
	/* INSERT, UPDATE: the RETURNING rows by rowid (key order). */
	struct sql_ret_step fetch;
	/* SELECT and WITH only. */
	struct sql_ret_step prep;
	struct sql_ret_step cleanup;
	/* WITH only: the data-modifying WITH queries, in order, and the
	 * main statement's own plan when it has RETURNING (else NULL). */
	unsigned n_subs;
	struct sql_returning *subs;
	struct sql_returning *main;
	/*
	 * A WITH query's plan (capture mode): its RETURNING rows go to
	 * triode_rows, not to the client.  INSERT and UPDATE: @fetch is an
	 * EXEC (INSERT INTO triode_rows ... with the key), which must store
	 * one row per rowid collected.  DELETE: @collect is an EXEC storing
	 * the rows (rowid in c1) and @write, without a key, deletes the
	 * rowids stored; it must delete as many rows as were stored.
	 */
	bool capture;
};

/*
 * The INSERT of one INSERT ... SELECT source row of @n_values values
 * (bound at ?(plan->row_params + 1) on), in @a; NULL on OOM.
 */
const char *sql_returning_row_sql(struct tr_arena *a,
				  const struct sql_returning *plan,
				  unsigned n_values);

/*
 * true if SQLite text @sql contains the keyword RETURNING outside string
 * literals, quoted identifiers and comments: such a statement must never
 * reach dqlite 1.11.1 (it aborts the node).  Conservative.
 */
bool sql_text_has_returning(const char *sql);

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
	/* @failed on a type name the mirror does not know (an enum type
	 * made since the mirror was loaded, perhaps in the same batch): the
	 * executor may reload the mirror and translate @text again. */
	bool needs_schema;
	/* Translated without the column types of a table the mirror did
	 * not have (made since it was loaded?): the executor may reload the
	 * mirror and translate @text again, once. */
	bool schema_miss;
	/* A qualified column reference whose table is in no FROM list of
	 * the statement (x.id with no x): if SQLite then reports "no such
	 * column", the error is PostgreSQL's 42P01 for that name. */
	const char *missing_from;
	int missing_from_position; /* as sql_error's position */
	/* SQLite text for the cluster (QUERY, EXEC, transaction control). */
	const char *sqlite;
	/* CommandComplete tag verb: "SELECT", "INSERT", "UPDATE", "DELETE",
	 * "CREATE TABLE", "BEGIN", "SET", ...  For INSERT the executor sends
	 * "INSERT 0 <n>"; for SELECT/UPDATE/DELETE "<tag> <n>". */
	const char *tag;
	bool writes; /* may write: must hold the database's write lock */
	/* Items of the select list (bit i: column i, the first 32) that are
	 * a call of pg_advisory_unlock ([0]) or pg_advisory_unlock_shared
	 * ([1]): the executor sends PostgreSQL's WARNING "you don't own a
	 * lock of type ExclusiveLock" (ShareLock) with a row where it is
	 * false (advisory.c). */
	uint32_t unlock_cols[2];
	/* Takes a session-level advisory lock (advisory.c): the session's
	 * locks live on its leader connection, and end with it. */
	bool advisory;
	/* Names a triode_cluster_* relation: triode's views of the cluster,
	 * which live in the internal database, not the user's. */
	bool cluster_view;
	/* Reads only the system catalogs (pg_catalog, information_schema)
	 * or calls catalog functions: runs on the local catalog mirror
	 * (sql_catalog_query), never on the cluster. */
	bool catalog;
	bool ddl;     /* changes the schema: reload the catalog after it */
	/* LOCK TABLE: 25P01 outside a transaction block, whose tag it is. */
	bool block_only;
	bool counted; /* tag carries a row count */
	/* SET/SHOW/RESET: the setting name (lower case; "all" for ALL) and
	 * for SET the value as text (NULL for DEFAULT). */
	const char *name;
	const char *value;
	bool is_local; /* SET LOCAL */
	/* SELECT set_config(name, value, is_local): a SET (@name, @value,
	 * @is_local) that answers with one row, the setting's new value, in
	 * a text column named @set_column. */
	const char *set_column;
	/* Read the session's settings (current_setting, folded into the
	 * text): never cached, translated again when it runs. */
	bool session_dependent;
	bool missing_ok; /* DROP DATABASE IF EXISTS */
	bool force;	 /* DROP DATABASE ... WITH (FORCE) */
	/* BEGIN/START TRANSACTION: the access mode asked for ("on" for READ
	 * ONLY, "off" for READ WRITE) and the isolation level (PostgreSQL's
	 * spelling: "read committed", ...); NULL where not given. */
	const char *txn_read_only;
	const char *txn_isolation;
	/* FETCH: how many rows (INT64_MAX for ALL). */
	int64_t fetch_count;
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
	/* SQL_COPY_FROM / SQL_COPY_TO: target and options; NULL otherwise.
	 * COPY TO also sets @sqlite (the SELECT) and, for COPY (query),
	 * @n_cols/@cols as for a query, so sql_catalog_describe works. */
	struct sql_copy *copy;
	/* ALTER TABLE by rebuild (kind SQL_EXEC, @sqlite NULL until the
	 * executor fills it from sql_rebuild_script); NULL otherwise. */
	struct sql_rebuild *rebuild;
	/* INSERT/UPDATE/DELETE ... RETURNING (kind SQL_QUERY, @writes set,
	 * @sqlite a SELECT of the RETURNING list over the target, for
	 * Describe only): the plan the executor runs; NULL otherwise. */
	struct sql_returning *returning;
};

/* ---------------------------------------------------------------------
 * COPY (copy.c)
 *
 * COPY ... FROM STDIN and COPY ... TO STDOUT in text and CSV formats.
 * sql_parse classifies the statement (SQL_COPY_FROM / SQL_COPY_TO, tag
 * "COPY") and fills a struct sql_copy; the executor then
 *
 *   FROM: resolves the columns (sql_catalog_copy_columns), sends the
 *         INSERT of sql_copy_insert_sql, feeds CopyData bodies to a
 *         sql_copy_reader and converts each field with
 *         sql_param_decode(oid, 0, f.p, f.len, ...) (COPY's text input is
 *         the types' text input, as for a text Bind parameter);
 *   TO:   runs stmt->sqlite (== copy->select), describes it with
 *         sql_catalog_describe, and writes sql_copy_format_header (HEADER)
 *         then one sql_copy_format_row per row.
 *
 * Refused with 0A000 (stmt->failed): file names and PROGRAM ("COPY to or
 * from a file is not supported; use STDIN/STDOUT (psql's \\copy)"), FORMAT
 * binary, FORCE_QUOTE / FORCE_NOT_NULL / FORCE_NULL, COPY FROM ... WHERE,
 * COPY (query) with a query other than SELECT/VALUES, encodings other than
 * UTF8.  Option errors as PostgreSQL's ProcessCopyOptions reports them
 * (42601 unknown or repeated option, 22023 bad values, 0A000 for
 * multi-byte delimiter/quote/escape).
 * ------------------------------------------------------------------- */

enum sql_copy_format {
	SQL_COPY_TEXT = 0,
	SQL_COPY_CSV = 1,
};

/* A COPY statement's target and options (arena, from sql_parse). */
struct sql_copy {
	/* COPY table: the relation name (schema public/pg_catalog dropped);
	 * NULL for COPY (query) TO. */
	const char *table;
	/* The column list as written (0 and NULL: all columns, in table
	 * order; resolve with sql_catalog_copy_columns). */
	unsigned n_cols;
	const char **cols;
	enum sql_copy_format format;
	char delimiter; /* default tab (text), ',' (csv) */
	char quote;     /* CSV only: default '"' */
	char escape;    /* CSV only: default the quote */
	/* The NULL marker (NUL-terminated; default "\\N" text, "" csv). */
	const char *null_str;
	size_t null_len;
	bool header;       /* HEADER: skip (FROM) / write (TO) a header line */
	bool header_match; /* HEADER MATCH (FROM): the header must name the
			    * columns, in order */
	/* COPY TO: the SQLite SELECT producing the rows (the same string as
	 * stmt->sqlite): "SELECT cols FROM table" or the translated query.
	 * NULL for COPY FROM. */
	const char *select;
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
 * Translation cache (cache.c)
 *
 * sql_parse behind a bounded LRU cache keyed by the statement's shape:
 * its text with the constants that may vary (integers from 2 up, plain
 * '...' strings) replaced by markers, the caller's context string and the
 * schema version.  A shape is cached only when translating it with probe
 * constants shows the constants pass through to the SQLite text verbatim
 * and change nothing else (see cache.c); otherwise it is remembered as
 * refused and translated every time.  Only single, successful statements
 * without DDL, COPY, RETURNING, rebuilds or session arguments are kept.
 *
 * Not thread-safe: a cache belongs to one loop (the executor keeps one
 * per database).
 * ------------------------------------------------------------------- */

struct sql_cache;

struct sql_cache_stats {
	uint64_t hits;         /* answered from a template */
	uint64_t misses;       /* translated (new shape) */
	uint64_t built;        /* templates made */
	uint64_t refused;      /* shapes found value-dependent */
	uint64_t refused_hits; /* translated again: a refused shape */
	uint64_t bypassed;     /* not looked up (too long, odd text) */
	uint64_t evictions;
	unsigned entries;
};

/* A cache of at most @cap entries (templates and refused shapes). */
TR_MUSTCHECK int sql_cache_new(unsigned cap, struct sql_cache **out);
void sql_cache_free(struct sql_cache *c);
/* Forget every entry. */
void sql_cache_clear(struct sql_cache *c);
void sql_cache_stats(const struct sql_cache *c, struct sql_cache_stats *out);

/*
 * sql_parse(@a, @text, @out, @err) through cache @c (NULL: no cache).
 * @version is the schema version the translation may depend on (a
 * different one than the previous call's empties the cache:
 * sql_catalog_version); @ctx (may be NULL; borrowed) is any other input
 * the translation depends on (search_path), part of the key.  Results and
 * errors are exactly those of sql_parse, in @a; nothing in them points
 * into the cache.
 */
TR_MUSTCHECK int sql_cache_parse(struct sql_cache *c, uint64_t version,
				 const char *ctx, struct tr_arena *a,
				 const char *text, struct sql_batch *out,
				 struct sql_error *err);

/*
 * The declared type of @column of @table (0 if @table has no such
 * column), for sql_infer_result_types.
 */
typedef uint32_t (*sql_column_type_fn)(void *ctx, const char *table,
				       const char *column, int32_t *typmod);

/*
 * Result types of the query @stmt inferred again, this time knowing the
 * types of the columns its expressions read (@lookup): sum() of an int4
 * column is int8, col + 1 has col's type, and so on.  @oids and @typmods
 * have @n entries, one per result column; each is set where inference
 * knows the type and left alone otherwise.  Columns resolve against the
 * tables of the query's FROM clause (aliases included; subqueries are
 * not looked into).  Re-parses stmt->text.  TR_OK; TR_EINVAL when the
 * select list does not map one to one onto the result (SELECT *);
 * TR_ENOMEM.
 */
TR_MUSTCHECK int sql_infer_result_types(const struct sql_stmt *stmt,
					sql_column_type_fn lookup, void *ctx,
					unsigned n, uint32_t *oids,
					int32_t *typmods);

/* ---------------------------------------------------------------------
 * Catalog mirror
 * ------------------------------------------------------------------- */

struct sql_catalog; /* opaque: one in-memory SQLite connection */
struct sql_value;   /* below */

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
 * The same, with each statement's object name and rowid in the cluster's
 * sqlite_schema (@names and @rowids have @n_ddl entries; both NULL: the
 * mirror's own rowids).  The rowids give user relations their OIDs in the
 * catalogs (pgcatalog.c), identical on every node.  The system catalogs
 * (pg_catalog, information_schema) are rebuilt too; a load with the same
 * input as the previous one does nothing.
 */
TR_MUSTCHECK int sql_catalog_load_ex(struct sql_catalog *c, unsigned n_ddl,
				     const char *const *ddl,
				     const char *const *names,
				     const int64_t *rowids);
/* The version of the mirrored schema: a checksum of the last load's
 * input (0 before the first load).  Keys sql_cache_parse. */
uint64_t sql_catalog_version(const struct sql_catalog *c);
/* Enum types (CREATE TYPE ... AS ENUM) are read from @c's mirror by the
 * translations this thread makes from now on (sql_parse,
 * sql_cache_parse); NULL: none known.  @c is borrowed until the next
 * call. */
void sql_catalog_enum_scope(struct sql_catalog *c);
/*
 * The same, for a translation that also reads column types from @c
 * (NULL: none).  @stale: @c is known to be behind the schema (DDL ran
 * since it was loaded); a statement that reads a table's types is then
 * marked schema_miss, to be translated again after a reload.
 */
void sql_catalog_translation_scope(struct sql_catalog *c, bool stale);
/*
 * The session's settings for the translations that follow on this thread,
 * as current_setting() reads them: @value returns the value of setting
 * @name as SHOW prints it, or NULL if there is no such setting (@value
 * NULL: none known, current_setting() is then 0A000).
 */
typedef const char *(*sql_setting_value)(void *ctx, const char *name);
void sql_translation_settings(sql_setting_value value, void *ctx);
/* Facts about the session the translations that follow on this thread
 * belong to: current_user & co., pg_backend_pid(), inet_client_addr()
 * and inet_client_port() are written as literals (the statement is then
 * session_dependent).  NULL: none known, those are 0A000. */
struct sql_session_facts {
	const char *user;
	uint32_t backend_pid;
	const char *client_addr; /* NULL: not over TCP */
	int client_port;
};
void sql_translation_session(const struct sql_session_facts *facts);
/* The database name pg_database and current_database() show (copied;
 * default "postgres").  Takes effect at the next load. */
TR_MUSTCHECK int sql_catalog_set_database(struct sql_catalog *c,
					  const char *name);

/*
 * Show @n databases in the mirror's pg_database from now until the next
 * load: @names[i] with OID @oids[i] (all borrowed for the call).  The
 * current database (sql_catalog_set_database) keeps its own row.
 * TR_ENOMEM, or TR_EINTERNAL if the mirror cannot be written.
 */
TR_MUSTCHECK int sql_catalog_set_databases(struct sql_catalog *c, unsigned n,
					   const char *const *names,
					   const int64_t *oids);

/*
 * Called by sql_catalog_query: once with @vals NULL (the result's @n
 * column @names, also when there are no rows), then once per row with
 * its @n values (borrowed for the call).  Return TR_OK to go on; anything
 * else stops the query, which returns it.
 */
typedef int (*sql_catalog_row_cb)(void *arg, unsigned n,
				  const char *const *names,
				  const struct sql_value *vals);
/*
 * Run catalog statement @stmt (stmt->catalog) on the mirror with
 * @n_params bound values, synchronously.  Returns TR_OK, what @cb
 * returned, TR_ESQL with @err (in @a), or TR_ENOMEM.
 */
TR_MUSTCHECK int sql_catalog_query(struct sql_catalog *c,
				   const struct sql_stmt *stmt,
				   const struct sql_value *params,
				   unsigned n_params, sql_catalog_row_cb cb,
				   void *arg, struct tr_arena *a,
				   struct sql_error *err);
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

/*
 * The columns of @table on the mirror, in table order: names (@names) and
 * type OIDs (@oids, from the declared types as sql_type_from_decltype
 * maps them), @n of them; arrays and names in @a.  TR_ENOTFOUND when the
 * mirror has no such table (reload and retry; then report 42P01),
 * TR_ENOMEM.
 */
TR_MUSTCHECK int sql_catalog_columns(struct sql_catalog *c, const char *table,
				     struct tr_arena *a, const char ***names,
				     uint32_t **oids, unsigned *n);

/*
 * The columns a COPY FROM fills (or a COPY table TO reads): @copy's
 * column list resolved against its table (all columns when the list is
 * empty), with their type OIDs, in the order the data carries them.
 * TR_ENOTFOUND with @err filled (42P01 'relation "t" does not exist', or
 * 42703 'column "x" of relation "t" does not exist') when the mirror
 * lacks the table or a column: reload the catalog, retry once, then
 * report @err.  TR_ENOMEM.  @copy->table must not be NULL.
 */
TR_MUSTCHECK int sql_catalog_copy_columns(struct sql_catalog *c,
					  const struct sql_copy *copy,
					  struct tr_arena *a,
					  const char ***names, uint32_t **oids,
					  unsigned *n, struct sql_error *err);

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
#define SQL_OID_VOID        2278
#define SQL_OID_JSONB       3802
#define SQL_OID_TEXT_ARRAY  1009

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
 * sql_format_text / sql_format_binary knowing the column's typmod
 * (numeric.c): a numeric with a scale in its typmod, PostgreSQL's
 * numeric(p,s) or the translator's display scale of a computed numeric,
 * prints that many decimals (7.00, sum() 400.50, 7.0 / 2
 * 3.5000000000000000).  Other types and typmods: as without.
 */
bool sql_format_text_mod(uint32_t type_oid, int32_t typmod,
			 const struct sql_value *v, struct tr_buf *out);
bool sql_format_binary_mod(uint32_t type_oid, int32_t typmod,
			   const struct sql_value *v, struct tr_buf *out);

/*
 * The typmod to send a client for a result column of @oid: the
 * translator's private numeric display scales become -1, as PostgreSQL
 * describes computed numerics.
 */
int32_t sql_typmod_wire(uint32_t oid, int32_t typmod);

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
 * COPY data (copy.c)
 * ------------------------------------------------------------------- */

/*
 * "INSERT INTO table (c1, ..., cn) VALUES (?, ..., ?)[, (?...)...]" with
 * @n_rows row tuples (>= 1) of @n_cols parameters each, for COPY FROM
 * (@names from sql_catalog_copy_columns).  In @a; NULL on OOM.
 */
const char *sql_copy_insert_sql(struct tr_arena *a, const struct sql_copy *copy,
				unsigned n_cols, const char *const *names,
				unsigned n_rows);

/* One field of a COPY FROM row: @len bytes at @p, NUL-terminated
 * (@p[@len] == 0); @len -1 (and @p NULL) for the NULL marker.  Exactly
 * what sql_param_decode takes. */
struct sql_copy_field {
	const uint8_t *p;
	int32_t len;
};

/*
 * Called once per complete row with the row's @n fields (@n is always the
 * reader's column count; wrong counts are errors before this).  The
 * fields are valid for the call only.  Return TR_OK to go on; anything
 * else stops the feed, which returns it unchanged.
 */
typedef int (*sql_copy_row_cb)(void *arg, unsigned n,
			       const struct sql_copy_field *fields);

/* Longest line (row) the reader buffers: beyond it, 54000. */
#define SQL_COPY_MAX_LINE (64u << 20)

/*
 * Streaming parser for COPY FROM STDIN data in text or CSV format.  Rows
 * may be split anywhere across feeds.  Fields are split, unescaped (text:
 * \b \f \n \r \t \v, \ooo octal, \xhh hex, \c the character;
 * CSV: quotes, the escape before a quote or escape) and compared with the
 * NULL marker on their raw bytes, as PostgreSQL does (CSV: only an
 * unquoted field is NULL, so "" is the empty string).  Line ends are \n,
 * \r\n or \r, fixed by the first line; a bare line end of another
 * style is an error (text: use \r / \n; CSV: quote the field).  "\."
 * alone on a line ends the data (later bytes are ignored); in text
 * format "\." after other data on the line or before another character
 * is an error.
 *
 * Errors (22P04 unless said): 'missing data for column "x"', "extra data
 * after last expected column", "unterminated CSV quoted field" (at
 * finish), "literal carriage return found in data" / "literal newline
 * found in data" / the CSV "unquoted ..." forms, "end-of-copy marker
 * corrupt", "end-of-copy marker is not alone on its line", header
 * mismatches for HEADER MATCH, 54000 for a line over SQL_COPY_MAX_LINE.
 * Each carries error.context "COPY t, line N" (plus ': "<line>"' when
 * the line is known, at most 100 bytes then "..."), as PostgreSQL's
 * CONTEXT.  Errors are sticky: later feeds return TR_ESQL again.
 *
 * Fields: reader-owned state; read only @line, @rows, @ended and @error.
 */
struct sql_copy_reader {
	uint64_t line;          /* physical lines read so far (1-based) */
	uint64_t rows;          /* rows handed to the callback */
	bool ended;             /* "\." seen: the rest is ignored */
	struct sql_error error; /* after TR_ESQL; strings owned by the reader */
	/* private */
	const struct sql_copy *copy;
	unsigned n_cols;
	const char *const *names;
	struct tr_buf raw; /* the current line, without its end */
	struct tr_buf out; /* unescaped fields, each NUL-terminated */
	struct sql_copy_field *fields; /* n_cols + 1 */
	size_t *offs;                  /* n_cols + 1: offsets in @out */
	struct tr_arena a;             /* error strings */
	int eol;                       /* 0 unknown, 1 \n, 2 \r\n, 3 \r */
	int state;     /* pending backslash / "\." / \r, see copy.c */
	bool in_quote; /* CSV line splitting */
	bool last_was_esc;
	bool header_done;
	bool failed;
};

/*
 * Start reading rows for @copy (borrowed, as are @names: they must
 * outlive the reader) whose rows carry @n_cols fields named @names (from
 * sql_catalog_copy_columns; the names appear in errors and HEADER MATCH).
 * Never fails; allocation happens in feed.  Close with
 * sql_copy_reader_close.
 */
void sql_copy_reader_init(struct sql_copy_reader *r,
			  const struct sql_copy *copy, unsigned n_cols,
			  const char *const *names);
void sql_copy_reader_close(struct sql_copy_reader *r);

/*
 * Consume @n bytes (one CopyData body, or any piece of the stream),
 * calling @cb for every row completed.  Returns TR_OK; TR_ESQL with
 * r->error filled (client error: the COPY fails, the session goes on);
 * TR_ENOMEM; or what @cb returned.
 */
TR_MUSTCHECK int sql_copy_reader_feed(struct sql_copy_reader *r,
				      const uint8_t *p, size_t n,
				      sql_copy_row_cb cb, void *arg);

/*
 * CopyDone: the end of the data.  A last line without a line end is a
 * row; an open CSV quote is 22P04 "unterminated CSV quoted field".
 * Returns as sql_copy_reader_feed.
 */
TR_MUSTCHECK int sql_copy_reader_finish(struct sql_copy_reader *r,
					sql_copy_row_cb cb, void *arg);

/*
 * CONTEXT for an error about field @col (0-based) of the row being
 * delivered (call it from the callback, e.g. when sql_param_decode
 * fails): 'COPY t, line 3, column x: "abc"', or '...: null input' when
 * @f is NULL or the NULL marker.  In @a; a static string on OOM.
 */
const char *sql_copy_reader_context(const struct sql_copy_reader *r,
				    struct tr_arena *a, unsigned col,
				    const struct sql_copy_field *f);

/*
 * COPY TO: append one data line for @n values (@oids their types, as
 * described) to @out, ending in "\n".  Values are rendered with
 * sql_format_text; NULL as the NULL marker.  Text: backslash, the
 * delimiter, \b \f \n \r \t \v are backslash-escaped.  CSV: a value
 * holding the delimiter, quote, \r or \n, equal to the NULL marker, or
 * "\." alone in a one-column row is quoted, with the quote and escape
 * characters preceded by the escape.  Errors are @out's sticky error.
 */
void sql_copy_format_row(const struct sql_copy *copy, unsigned n,
			 const uint32_t *oids, const struct sql_value *vals,
			 struct tr_buf *out);

/* COPY TO with HEADER: the column names as a line, escaped or quoted as
 * data values are. */
void sql_copy_format_header(const struct sql_copy *copy, unsigned n,
			    const char *const *names, struct tr_buf *out);

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
