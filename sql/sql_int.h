/*
 * sql/sql_int.h: private declarations shared by the files of sql/ and by
 * its unit tests.  Nobody else may include this header.
 *
 * The translator walks libpg_query's protobuf AST (pg_query.pb-c.h) and
 * appends SQLite SQL to one output buffer per statement.  Translation
 * errors are recorded in the statement (the first one wins) and the walk
 * goes on; the output of a failed statement is discarded.
 */
#ifndef SQL_SQL_INT_H
#define SQL_SQL_INT_H

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "sql/sql.h"

typedef PgQuery__Node Node;

/* Deepest expression nesting the emitter follows (C stack guard). */
#define SQL__MAX_DEPTH 500

/* Translation state of one statement. */
struct sql__emit {
	struct tr_arena *a;    /* borrowed: the caller's arena */
	const char *query;     /* borrowed: the whole query text */
	struct sql_stmt *stmt; /* borrowed: the statement being built */
	struct tr_buf out;     /* owned: SQLite text being written */
	int depth;             /* current expression nesting */
	unsigned n_tmp;        /* counter for generated names */
};

/* Record a translation error on the statement (first one wins).
 * @location is a byte offset in the query, or -1. */
void sql__fail(struct sql__emit *e, int location, const char *sqlstate,
	       const char *fmt, ...) TR_PRINTF(4, 5);
static inline bool sql__failed(const struct sql__emit *e)
{
	return e->stmt->failed;
}

/* Output helpers. */
void sql__put(struct sql__emit *e, const char *s);
void sql__putf(struct sql__emit *e, const char *fmt, ...) TR_PRINTF(2, 3);
/* An identifier, double-quoted when it is not a plain lower-case name or
 * is a SQLite keyword. */
void sql__ident(struct sql__emit *e, const char *name);
void sql__ident_buf(struct tr_buf *b, const char *name);
/* A string literal, single-quoted with '' escaping. */
void sql__string(struct sql__emit *e, const char *s);
void sql__string_buf(struct tr_buf *b, const char *s);

/* Expressions (expr.c). */
void sql__expr(struct sql__emit *e, const Node *n);
/* A comma-separated list of expressions. */
void sql__expr_list(struct sql__emit *e, Node *const *items, size_t n);
/* PostgreSQL's name for an unaliased select-list expression
 * (FigureColname): never NULL. */
const char *sql__colname(const Node *n);
/* Static type of an expression: OID (0 if unknown) and typmod. */
uint32_t sql__infer(const Node *n, int32_t *typmod);
/* String value of a String node, or NULL. */
const char *sql__str(const Node *n);

/* ORDER BY items with PostgreSQL's NULL placement made explicit. */
void sql__sort(struct sql__emit *e, Node *const *items, size_t n);

/* Queries (query.c). */
void sql__select(struct sql__emit *e, const PgQuery__SelectStmt *s);
void sql__insert(struct sql__emit *e, const PgQuery__InsertStmt *s);
void sql__update(struct sql__emit *e, const PgQuery__UpdateStmt *s);
void sql__delete(struct sql__emit *e, const PgQuery__DeleteStmt *s);
/* A relation name with public./pg_catalog. stripped; other schemas fail. */
void sql__relation(struct sql__emit *e, const PgQuery__RangeVar *rv);

/* DDL (ddl.c). */
void sql__create_table(struct sql__emit *e, const PgQuery__CreateStmt *s);
void sql__create_index(struct sql__emit *e, const PgQuery__IndexStmt *s);
void sql__create_view(struct sql__emit *e, const PgQuery__ViewStmt *s);
void sql__drop(struct sql__emit *e, const PgQuery__DropStmt *s);
void sql__alter_table(struct sql__emit *e, const PgQuery__AlterTableStmt *s);
void sql__rename(struct sql__emit *e, const PgQuery__RenameStmt *s);
void sql__truncate(struct sql__emit *e, const PgQuery__TruncateStmt *s);
void sql__vacuum(struct sql__emit *e, const PgQuery__VacuumStmt *s);

/* COPY (copy.c): kind, tag, struct sql_copy; COPY table TO writes its
 * SELECT (COPY (query) TO: the caller translates the query). */
void sql__copy(struct sql__emit *e, const PgQuery__CopyStmt *s, int loc);

/* A PostgreSQL type as triode knows it (types.c). */
struct sql__type {
	const char *name; /* PostgreSQL name (last TypeName component) */
	uint32_t oid;     /* type OID; 0 for the serial pseudo-types */
	const char *decl; /* SQLite declared type (typmod appended) */
	const char *cast; /* SQLite CAST target affinity */
	int serial;       /* 2, 4, 8 for smallserial/serial/bigserial */
};

/*
 * Resolve @tn.  Returns NULL (and fails @e with 0A000/42704 naming the
 * type) if triode does not support it.  @typmod gets PostgreSQL's typmod
 * (-1 if none), @mods the raw modifiers (up to 2, -1 if absent).
 */
const struct sql__type *sql__type_resolve(struct sql__emit *e,
					  const PgQuery__TypeName *tn,
					  int32_t *typmod, int mods[2]);
/* Decide whether a declared type is one dqlite 1.11.1 treats specially
 * (DATE, DATETIME, TIMESTAMP, BOOLEAN): those must never be written. */
bool sql__decl_is_forbidden(const char *decl);

/* Function names that must never reach SQLite (files, extensions). */
bool sql__func_is_denied(const char *name);

/*
 * SIMILAR TO pattern @p with escape @esc (NULL: backslash; "": none) ->
 * the anchored POSIX ERE pg_regexp_match runs (functions.c).  false if
 * the escape is longer than one character or ends the pattern.
 */
bool sql__similar_to_regex(struct tr_buf *b, const char *p, const char *esc);

/*
 * Date/time text forms shared by the SQL functions and the value codecs
 * (functions.c).  Kinds: a bare date, a timestamp without and with zone.
 */
enum { SQL__TS_DATE = 0, SQL__TS_PLAIN = 1, SQL__TS_TZ = 2 };
/* 'YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][ ][Z|UTC|GMT|+HH[[:]MM]]' (NUL
 * terminated): @usec since 1970-01-01 UTC (the zone subtracted), @kind,
 * @zone the offset in microseconds (0 without one).  false if the shape
 * is wrong; @range set when fields are out of range. */
bool sql__ts_parse(const char *s, int64_t *usec, int *kind, int64_t *zone,
		   bool *range);
/* Canonical text: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS.ffffff', the same
 * with '+00'. */
void sql__ts_put(struct tr_buf *b, int64_t usec, int kind);
/* PostgreSQL interval input ('1 day 02:00', '@ 1 hour ago', 'P1D'). */
bool sql__iv_parse(const char *s, int32_t *months, int32_t *days,
		   int64_t *usec);
/* IntervalStyle postgres output ('1 year 2 mons 3 days 04:05:06.5'). */
void sql__iv_put(struct tr_buf *b, int32_t months, int32_t days, int64_t usec);

/* uuid_in's syntax (braces, hyphens after groups of four digits). */
bool sql__uuid_parse(const char *s, uint8_t u[16]);
/* RFC 8259 JSON, as PostgreSQL's json_in accepts it. */
bool sql__json_valid(const char *p, size_t len);

/* Parameter inference (params.c): fill stmt->n_params and stmt->params
 * from the statement's tree @n (strings copied into e->a).  TR_OK or
 * TR_ENOMEM; a $n beyond 65535 fails the statement with 42P02. */
TR_MUSTCHECK int sql__params(struct sql__emit *e, const Node *n);

#endif /* SQL_SQL_INT_H */
