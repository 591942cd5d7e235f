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
	/* Catalog mode (pgcatalog_sql.c): the statement reads the system
	 * catalogs and is translated for the mirror.  saw_catalog: a first,
	 * normal pass met a catalog relation, function or reg* cast, so the
	 * statement is translated again with @catalog set. */
	bool catalog;
	bool saw_catalog;
	/* information_schema._pg_expandarray(x) in the current SELECT's
	 * list: its rows come from a json_each joined to the FROM list. */
	const PgQuery__FuncCall *expand;
	/* The SELECT whose WINDOW clause OVER clauses may name (query.c
	 * sets it per query level; NULL: none). */
	const PgQuery__SelectStmt *windows;
	/* The grouping set being written (grouping.c; NULL: none). */
	struct sql__gset *gset;
	/* A generate_series call of the select list being written, which
	 * is written as column value of FROM item __srf<srf_tmp> (query.c;
	 * NULL: none). */
	const Node *srf;
	unsigned srf_tmp;
	/* The LATERAL subqueries whose columns are written as scalar
	 * subqueries (query.c; NULL: none). */
	const struct sql__lateral *lateral;
	/* Names of the statement's WITH queries, which catalog mode reads
	 * as relations of the mirror, not as user tables. */
	const char *ctes[16];
	unsigned n_ctes;
	/* The WITH queries written so far (query.c), whose columns the
	 * scope types (scope.c); the first 16. */
	const PgQuery__CommonTableExpr *with_ctes[16];
	unsigned n_with_ctes;
	/* The statement calls nextval() or setval() (sequence.c). */
	bool seq_writes;
	/* Enum types the statement's columns use (enum.c), checked to
	 * exist on the leader after the DDL (the mirror may be ahead of it
	 * after a rolled-back transaction); the first 8. */
	const char *enums[8];
	unsigned n_enums;
	/* Column types of the tables in view (scope.c); NULL when the
	 * translator has no mirror to read them from. */
	struct sql__scope *scope;
	/* The statement's data-modifying WITH queries (returning.c), which
	 * emit_with writes as reads of their captured rows, or, with
	 * @dml_shape, as their RETURNING lists over their targets (the
	 * text Describe prepares). */
	const struct sql__dml_cte *dml;
	unsigned n_dml;
	bool dml_shape;
	/* The SELECTs being written, innermost first (query.c): their FROM
	 * items, which a whole-row reference names (json_sql.c). */
	const struct sql__from_scope *from;
	/* The SELECT whose rows go to the client as they are (query.c),
	 * and the item of its select list being written: a numeric
	 * quotient at that item's root is computed exactly as text
	 * (decimal.c); NULL: none. */
	const PgQuery__SelectStmt *exact_sel;
	const Node *exact;
};

/* One level of e->from (on the C stack of select_core). */
struct sql__from_scope {
	const PgQuery__SelectStmt *sel;
	const struct sql__from_scope *up;
};

/* Record a translation error on the statement (first one wins).
 * @location is a byte offset in the query, or -1. */
void sql__fail(struct sql__emit *e, int location, const char *sqlstate,
	       const char *fmt, ...) TR_PRINTF(4, 5);
static inline bool sql__failed(const struct sql__emit *e)
{
	return e->stmt->failed;
}

/* 1-based character position of byte offset @location in @query (0 if
 * @location < 0), as errors report it. */
int sql__char_position(const char *query, int location);

/* sql_error_set, returning TR_ESQL: "return sql__error(...)". */
int sql__error(struct sql_error *e, struct tr_arena *a, const char *sqlstate,
	       const char *fmt, ...) TR_PRINTF(4, 5);

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
/*
 * Column types for sql__infer while sql_infer_result_types runs (NULL
 * otherwise): the type of @column, qualified by @rel (a table or alias)
 * or not (@rel NULL).  Thread-local, so translation stays reentrant.
 */
struct sql__colres {
	uint32_t (*type)(const struct sql__colres *r, const char *rel,
			 const char *column, int32_t *typmod);
	/* A subquery's FROM clause enters the scope (its names shadow the
	 * outer ones) and leaves it; enter returns what leave needs. */
	unsigned (*enter)(const struct sql__colres *r,
			  const PgQuery__SelectStmt *sel);
	void (*leave)(const struct sql__colres *r, unsigned mark);
};
extern _Thread_local const struct sql__colres *sql__colres;

/*
 * Scopes (scope.c): the FROM items of the SELECTs being translated,
 * level by level, answering sql__colres's questions through a lookup
 * (the mirror at translation time, the caller's at describe time).
 */
#define SQL__SCOPE_MAX 64
struct sql__scope_item {
	const char *table; /* NULL: columns unknown (subquery, function) */
	const char *alias; /* the name the query uses, or NULL */
	/* A subquery in FROM: its columns are typed from its select list. */
	const PgQuery__RangeSubselect *sub;
	/* A WITH query: typed from its select or RETURNING list. */
	const PgQuery__CommonTableExpr *cte;
	/* A function in FROM (generate_series is typed from its
	 * arguments). */
	const PgQuery__RangeFunction *fn;
	unsigned level;
};
struct sql__scope {
	struct sql__colres res; /* first: sql__colres points here */
	sql_column_type_fn lookup;
	void *ctx;
	const struct sql__emit *e; /* its WITH names (may be NULL) */
	unsigned n, level;
	bool overflow; /* more items than fit: nothing is known */
	struct sql__scope_item items[SQL__SCOPE_MAX];
	struct sql__scope_memo *memo; /* lookups already made (may be NULL) */
	unsigned n_memo;
};
void sql__scope_init(struct sql__scope *sc, sql_column_type_fn fn, void *ctx,
		     const struct sql__emit *e);
/* Add one FROM item to the innermost level. */
void sql__scope_add(struct sql__scope *sc, const Node *n);
/* A level with the FROM items @from; returns what close needs. */
unsigned sql__scope_open(struct sql__scope *sc, Node *const *from, size_t n);
void sql__scope_close(struct sql__scope *sc, unsigned mark);
uint32_t sql__scope_type(const struct sql__scope *sc, const char *rel,
			 const char *column, int32_t *typmod);
/*
 * Which FROM item @rel.@column (@rel NULL: unqualified) names, innermost
 * level first, as SQL resolves names: @has answers whether item @it has a
 * column @column (1), has none (0) or cannot tell (-1).  The item's index
 * in sc->items, or -1 when the name is unknown, ambiguous, found nowhere,
 * or an item it might belong to cannot tell (groupcheck.c refuses nothing
 * on -1).
 */
typedef int (*sql__scope_has_fn)(void *ctx, const struct sql__scope_item *it,
				 const char *column);
int sql__scope_resolve(const struct sql__scope *sc, const char *rel,
		       const char *column, sql__scope_has_fn has, void *ctx);
/* The mirror is known to be behind the schema (sql__scope_stale). */
bool sql__scope_is_stale(void);
/*
 * Declared type of @column (or of the @colno-th column when @column is
 * NULL) of @table in the mirror @db (catalog.c): "SELECT col FROM table"
 * prepared, never run.  0 when the mirror lacks either; TR_ENOMEM in
 * @rv.
 */
uint32_t sql__column_decl_type(struct sqlite3 *db, const char *table,
			       const char *column, int colno, int32_t *typmod,
			       int *rv);
/* The same as a sql_column_type_fn, @ctx the mirror (sqlite3 *); 0 when
 * unknown. */
uint32_t sql__mirror_column_type(void *ctx, const char *table,
				 const char *column, int32_t *typmod);
/* Translation: make column types known from the mirror while @e is
 * translated (nothing without a mirror, or in catalog mode). */
void sql__scope_begin(struct sql__emit *e, struct sql__scope *sc);
/* Some FROM item in view is called @rel (true when the scope cannot
 * tell). */
bool sql__scope_names(const struct sql__scope *sc, const char *rel);
/* @n is a non-NULL constant of kind @vc (a string, an integer, ...). */
bool sql__is_const(const Node *n, PgQuery__AConst__ValCase vc);
/* The mirror is behind the schema (sql_catalog_translation_scope). */
void sql__scope_stale(bool stale);
void sql__scope_end(struct sql__emit *e);
/* A SELECT's (UPDATE's, DELETE's) FROM items enter the scope and leave
 * it; no-ops without a scope. */
unsigned sql__scope_enter(struct sql__emit *e, const PgQuery__RangeVar *target,
			  Node *const *from, size_t n);
void sql__scope_leave(struct sql__emit *e, unsigned mark);
/* Table @rv under another name too (ON CONFLICT's "excluded"). */
void sql__scope_alias(struct sql__emit *e, const PgQuery__RangeVar *rv,
		      const char *alias);
/* The type of column @column of the table an INSERT or UPDATE writes; 0
 * when unknown. */
uint32_t sql__target_type(struct sql__emit *e, const PgQuery__RangeVar *rv,
			  const char *column, int32_t *typmod);
/* The name of column @i of that table (INSERT without a column list), or
 * NULL. */
const char *sql__target_column(struct sql__emit *e, const PgQuery__RangeVar *rv,
			       size_t i);
/* @n as a value of type @oid: an untyped string literal goes through the
 * type's input function, as PostgreSQL types it from its context (a
 * column it is stored in or compared with); anything else as is. */
void sql__expr_typed(struct sql__emit *e, const Node *n, uint32_t oid,
		     int32_t typmod);
/* @n is a string literal (PostgreSQL's "unknown" type). */
bool sql__is_untyped_string(const Node *n);
/* @name is one of PostgreSQL's built-in functions (pg_builtins.c). */
bool sql__pg_builtin(const char *name);
/* "integer, unknown": @fc's argument types as PostgreSQL names them. */
const char *sql__arg_types(struct sql__emit *e, const PgQuery__FuncCall *fc);
/* agg(x[, sep] ORDER BY ...) and agg(DISTINCT ...) of string_agg
 * (@array false) and array_agg (@array true), sorted by the aggregate
 * (functions.c); @value writes the aggregated value (the keys are
 * written with sql__expr). */
void sql__ordered_agg(struct sql__emit *e, const PgQuery__FuncCall *fc,
		      bool array,
		      void (*value)(struct sql__emit *e, const Node *n));
/* @name is an aggregate function triode knows (count, sum, ...). */
bool sql__func_is_agg(const char *name);
/* String value of a String node, or NULL. */
const char *sql__str(const Node *n);

/* Subqueries in expressions (subquery.c). */
void sql__sublink(struct sql__emit *e, const PgQuery__SubLink *s);
/* A LIMIT (@offset false) or OFFSET count, checked (2201W/2201X). */
void sql__limit_count(struct sql__emit *e, const Node *n, bool offset);
/* Register pg_scalar_subquery, pg_limit and pg_offset on @db.  SQLite
 * result code. */
struct sqlite3;
int sql__subquery_register(struct sqlite3 *db);
/* @c names a column of a LATERAL subquery in scope: true when written
 * (as a scalar subquery) or failed (query.c). */
bool sql__lateral_column(struct sql__emit *e, const PgQuery__ColumnRef *c);
/* @s returns at most one row by its shape (query.c). */
bool sql__select_single_row(const PgQuery__SelectStmt *s);

/* Window functions (window.c): the OVER clause of a call, with named
 * windows resolved and the frame checked; the WINDOW clause of @s
 * checked (its windows are written where OVER names them). */
void sql__window_over(struct sql__emit *e, const PgQuery__WindowDef *w,
		      int loc);
void sql__window_clause(struct sql__emit *e, const PgQuery__SelectStmt *s);

/* Grouping sets (grouping.c).  The sets of a GROUP BY clause: every
 * grouping expression once (positions resolved), and per set whether
 * each is in it. */
struct sql__gsets {
	Node **group;
	size_t n_group;
	const bool *const *sets; /* n_sets arrays of n_group */
	size_t n_sets;
};
/* The grouping set being written (e->gset). */
struct sql__gset {
	Node *const *group;
	size_t n_group;
	const bool *present; /* per group[i]: in this set */
	bool sets;           /* from GROUPING SETS/ROLLUP/CUBE */
	unsigned off;        /* > 0: inside an aggregate's arguments */
};
/* @s's GROUP BY has a GROUPING SETS, ROLLUP, CUBE or () item. */
bool sql__grouping_has_sets(const PgQuery__SelectStmt *s);
/* Expand @s's GROUP BY; false after sql__fail. */
bool sql__grouping_expand(struct sql__emit *e, const PgQuery__SelectStmt *s,
			  struct sql__gsets *g);
/* Emit hook (expr.c, e->gset set): true when @n was written here (an
 * absent grouping expression as NULL, an aggregate call without the
 * substitution). */
bool sql__grouping_node(struct sql__emit *e, const Node *n);
/* GROUPING(...) as the bit mask of the current set (42803 outside one). */
void sql__grouping_func(struct sql__emit *e, const PgQuery__GroupingFunc *f);
/* PostgreSQL's grouping rule (groupcheck.c): in a grouped SELECT @s
 * (GROUP BY, HAVING or an aggregate of its level), a column outside an
 * aggregate's arguments must be grouped, be in a grouped expression or
 * depend on a grouped primary key; otherwise 42803.  Called once @s is
 * written, its FROM items the innermost level of e->scope; refuses only
 * what it can resolve with certainty (nothing without a scope). */
void sql__groupcheck(struct sql__emit *e, const PgQuery__SelectStmt *s);
/* Parse trees equal, locations aside (t.x equals x). */
bool sql__same_expr(const Node *a, const Node *b);

/* ORDER BY items with PostgreSQL's NULL placement made explicit. */
void sql__sort(struct sql__emit *e, Node *const *items, size_t n);

/*
 * Ordered aggregates' rows (aggrows.c): each row's values copied, to be
 * sorted when the result is made.
 */
struct sql__agg_row {
	struct sqlite3_value **v;
	size_t seq; /* arrival order: the sort is stable */
};
struct sql__agg_rows {
	struct sql__agg_row *rows;
	size_t n, cap;
	size_t bytes; /* copied so far, about */
	int nv;       /* values per row (the first row's count) */
};
enum sql__agg_add {
	SQL__AGG_OK,
	SQL__AGG_NOMEM,
	SQL__AGG_TOOBIG, /* kept, but more than @max_bytes in all */
	SQL__AGG_BAD,    /* another count of values than the first row's */
};
struct sqlite3_context;
struct sqlite3_value;

/* An aggregate's state for the group @ctx is in: @size zeroed bytes,
 * allocated on the first call with @create (freed by the aggregate's
 * final function); NULL before that, or out of memory. */
void *sql__agg_state(struct sqlite3_context *ctx, size_t size, bool create);
enum sql__agg_add sql__agg_rows_add(struct sql__agg_rows *r, int nv,
				    struct sqlite3_value **argv,
				    size_t max_bytes);
/* Stable sort by the values from @first_key on, one direction letter of
 * @dirs each ('a' 'A' 'd' 'D': see aggrows.c). */
void sql__agg_rows_sort(struct sql__agg_rows *r, int first_key,
			const char *dirs);
void sql__agg_rows_free(struct sql__agg_rows *r);
/* SQLite's order of values: NULL, numbers, text (bytes), blobs. */
int sql__value_cmp(struct sqlite3_value *x, struct sqlite3_value *y);

/* The one function call of FROM item @rf (f(...) [WITH ORDINALITY]
 * [AS ...]), or NULL for ROWS FROM (...) and other forms (walk.c). */
const PgQuery__FuncCall *sql__range_function_call(
	const PgQuery__RangeFunction *rf);

/* Call @fn on each child message of @m (walk.c): every message field, for
 * a oneof (a Node) only the member set.  Stops, returning true, as soon as
 * @fn returns true. */
bool sql__children(const ProtobufCMessage *m,
		   bool (*fn)(const ProtobufCMessage *child, void *ctx),
		   void *ctx);

/* Register pg_now(which, form) on @db with its transaction and statement
 * times (clock.c).  SQLite result code. */
int sql__clock_register(struct sqlite3 *db);

/* Advisory locks (advisory.c).  Register pg_advisory_lock & co. on @db
 * (SQLite result code); clock.c's trace callback passes every statement
 * start and end (@type, @stmt, @x as sqlite3_trace_v2 gives them) to
 * sql__advisory_trace, which ends transaction-level locks.  In
 * expressions: sql__advisory_func translates a call (true when written
 * or failed, false for other names); sql__advisory_func_type is its
 * result type (void or bool), 0 for other names. */
struct sqlite3_stmt;
int sql__advisory_register(struct sqlite3 *db);
void sql__advisory_trace(unsigned type, struct sqlite3_stmt *stmt,
			 const void *x);
bool sql__advisory_func(struct sql__emit *e, const PgQuery__FuncCall *fc,
			const char *name);
uint32_t sql__advisory_func_type(const char *name);
/* The type of the key arguments of advisory lock function @name called
 * with @n_args arguments (int8 for one, int4 for two), 0 for other
 * functions: the type of a parameter given as a key. */
uint32_t sql__advisory_key_type(const char *name, size_t n_args);

/* One direction letter per ORDER BY key of aggregate call @fc, appended
 * to @k (aggrows.c's codes, read by the ordered aggregates of
 * functions.c and json.c); false, with @e failed, for a form triode does
 * not sort by (USING). */
bool sql__agg_sort_dirs(struct sql__emit *e, const PgQuery__FuncCall *fc,
			struct tr_buf *k);

/* Queries (query.c). */
void sql__select(struct sql__emit *e, const PgQuery__SelectStmt *s);
void sql__insert(struct sql__emit *e, const PgQuery__InsertStmt *s);
/* PostgreSQL's VALUES arity check against the column list (42601), for
 * the user's INSERT (sql__insert also builds internal ones). */
void sql__insert_counts(struct sql__emit *e, const PgQuery__InsertStmt *s);
void sql__update(struct sql__emit *e, const PgQuery__UpdateStmt *s);
void sql__delete(struct sql__emit *e, const PgQuery__DeleteStmt *s);
/* A relation name with public./pg_catalog. stripped; other schemas fail. */
void sql__relation(struct sql__emit *e, const PgQuery__RangeVar *rv);

/* INSERT/UPDATE/DELETE ... RETURNING (returning.c): fill
 * e->stmt->returning with the plan and leave in e->out the SELECT that
 * describes the result; returns that SELECT's tree (for the statement's
 * own column inference), or NULL after a failure. */
const PgQuery__SelectStmt *sql__returning(struct sql__emit *e, const Node *n,
					  int loc);
/* INSERT ... ON CONFLICT DO UPDATE of several rows (VALUES lists or a
 * SELECT) without RETURNING: a plan of one INSERT per row (kind
 * SQL_RETURNING_INSERT, no fetch), so that the executor can refuse a row
 * affected twice (21000) as PostgreSQL does; false (nothing done) for
 * other statements. */
bool sql__upsert_plan(struct sql__emit *e, const PgQuery__InsertStmt *s,
		      int loc);
/* INSERT without a column list whose rows have fewer values than the
 * table (on the scope's mirror) has columns: a copy naming the leading
 * columns, as PostgreSQL fills them (42601 for more values); @s itself
 * otherwise, or when the mirror does not know the table. */
const PgQuery__InsertStmt *sql__insert_fill(struct sql__emit *e,
					    const PgQuery__InsertStmt *s);
/* Data-modifying statements in WITH (returning.c).  @n (a SELECT,
 * INSERT, UPDATE or DELETE) has INSERT/UPDATE/DELETE queries in its
 * top-level WITH. */
bool sql__with_has_dml(const Node *n);
/* Plan such a statement (kind SQL_RETURNING_WITH in e->stmt->returning;
 * e->out the text Describe prepares).  Returns the tree whose select
 * list gives the result columns (NULL when the main statement returns
 * no rows, or after a failure). */
const PgQuery__SelectStmt *sql__with_dml(struct sql__emit *e, const Node *n,
					 int loc);
/* emit_with's hook: @c is one of e->dml; writes "name(cols) AS (...)"
 * and returns true, or returns false (not a known one). */
bool sql__with_dml_cte(struct sql__emit *e, const PgQuery__CommonTableExpr *c);
/* Register triode_returning_rowid(x) on @db: sets the connection's
 * last_insert_rowid to x, returns 1 (an upsert's DO UPDATE WHERE calls it
 * with the updated row's rowid).  SQLite result code. */
int sql__returning_register(struct sqlite3 *db);
/* triode_foreign_keys(on), which table rebuilds use (rebuild.c). */
int sql__rebuild_register(struct sqlite3 *db);

/* DDL (ddl.c). */
void sql__create_table(struct sql__emit *e, const PgQuery__CreateStmt *s);
void sql__create_index(struct sql__emit *e, const PgQuery__IndexStmt *s);
void sql__create_view(struct sql__emit *e, const PgQuery__ViewStmt *s);
void sql__drop(struct sql__emit *e, const PgQuery__DropStmt *s);
/* DROP TABLE / DROP VIEW, done from the leader's schema (rebuild.c):
 * the names as written, in order. */
struct sql_drop {
	bool view; /* DROP VIEW; otherwise DROP TABLE */
	bool cascade;
	bool missing_ok;
	unsigned n;
	const char **names;
};
/* The name of one object of a DROP (schema public or none); NULL, with
 * @e failed, for other forms. */
const char *sql__drop_name(struct sql__emit *e, const Node *o);
void sql__alter_table(struct sql__emit *e, const PgQuery__AlterTableStmt *s);
/* ALTER TYPE t OWNER TO role (ddl.c); other objects are 0A000. */
void sql__alter_owner(struct sql__emit *e, const PgQuery__AlterOwnerStmt *s);
/* The role that owns every object: the bootstrap superuser. */
#define SQL__OWNER "postgres"
void sql__rename(struct sql__emit *e, const PgQuery__RenameStmt *s);
void sql__truncate(struct sql__emit *e, const PgQuery__TruncateStmt *s);
void sql__vacuum(struct sql__emit *e, const PgQuery__VacuumStmt *s);
/* CREATE / DROP DATABASE (database.c). */
void sql__createdb(struct sql__emit *e, const PgQuery__CreatedbStmt *s,
		   int loc);
void sql__dropdb(struct sql__emit *e, const PgQuery__DropdbStmt *s, int loc);

/* Sequences (sequence.c). */
struct sql__seqopts {
	uint32_t type; /* int2, int4 or int8 */
	int64_t start, inc, min, max, cache;
	bool cycle;
};
/* ALTER SEQUENCE's options, parsed (has_*: given). */
struct sql_seq_alter {
	const char *name;
	bool missing_ok;
	bool has_type, has_inc, has_min, has_max, no_min, no_max;
	bool has_start, has_cache, has_cycle, restart;
	uint32_t type;
	int64_t inc, min, max, start, cache;
	int64_t restart_to; /* INT64_MIN: RESTART without WITH */
	bool cycle;
	/* OWNED BY: @owned_table.@owned_column, both NULL for NONE. */
	bool owned;
	const char *owned_table, *owned_column;
};
/* The column sequence view @sql (sequence.c) is OWNED BY, into
 * @table/@column; false if none (or too long). */
bool sql__seq_owner(const char *sql, char *table, size_t table_cap,
		    char *column, size_t column_cap);
/* ALTER SEQUENCE @seq OWNED BY @table.@column, checked against the
 * schema (rebuild.c): 42P01, 42703, 0A000 for a view; *@extra the
 * script that marks the column as owning @seq when its DEFAULT is
 * nextval(@seq) already (a table rebuild), or NULL. */
int sql__seq_owned_by(struct tr_arena *a, const char *seq, const char *table,
		      const char *column, unsigned n_objs,
		      const struct sql_schema_obj *objs, const char **extra,
		      struct sql_error *err);
void sql__create_sequence(struct sql__emit *e,
			  const PgQuery__CreateSeqStmt *s);
void sql__drop_sequence(struct sql__emit *e, const PgQuery__DropStmt *s);
void sql__alter_sequence(struct sql__emit *e, const PgQuery__AlterSeqStmt *s);
/* "; <the DDL of sequence @name>" for a serial or identity column of
 * @type (int2/int4/int8) with identity options @opts, appended to @b;
 * false after failing @e (22023 for inconsistent options). */
bool sql__seq_owned(struct sql__emit *e, struct tr_buf *b, const char *name,
		    uint32_t type, Node *const *opts, size_t n_opts);
/* "; UPDATE triode_sequences ..." restarting the sequences that serial
 * and identity columns of table @table own (TRUNCATE ... RESTART
 * IDENTITY). */
void sql__seq_restart_owned(struct sql__emit *e, const char *table);
/* The /\*pg-seq <kind>*\/ marker ddl.c leaves on a serial or identity
 * column backed by a sequence of its own, read from CREATE TABLE text
 * @sql (rebuild.c): true with @kind ("serial", "identity", "identity
 * always") and the sequence's name copied out. */
bool sql__column_seq(const char *sql, const char *column, char *kind,
		     size_t kind_cap, char *seq, size_t seq_cap);
/* sql_rebuild_script for ALTER SEQUENCE (r->sequence set). */
TR_MUSTCHECK int sql__alter_sequence_script(struct tr_arena *a,
					    const struct sql_rebuild *r,
					    unsigned n_objs,
					    const struct sql_schema_obj *objs,
					    const char **script,
					    struct sql_error *err);
/* The options in the marker of a sequence's view text; false if @sql
 * is no sequence's. */
bool sql__seq_marker(const char *sql, struct sql__seqopts *o);
/* nextval/currval/setval/lastval (true when written or failed); their
 * result type (int8), or 0 for other names. */
bool sql__seq_func(struct sql__emit *e, const PgQuery__FuncCall *fc,
		   const char *name);
uint32_t sql__seq_func_type(const char *name);
/* A query just translated into e->out with e->seq_writes set: make it
 * a SQL_RETURNING_SELECT plan (e->stmt->returning). */
void sql__seq_select_plan(struct sql__emit *e, int loc);
/* A regclass text ('s', '"S"', 'public.s') -> the relation name; false
 * if it is not one (or names another schema). */
bool sql__seq_parse_name(const char *s, char *out, size_t cap);
/* Register pg_nextval, pg_currval, pg_setval, pg_lastval on @db, with
 * the connection's currval state.  SQLite result code. */
/* percentile_cont, percentile_disc, mode (ordset.c). */
int sql__ordset_register(struct sqlite3 *db);
int sql__sequence_register(struct sqlite3 *db);

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
/* GENERATED ALWAYS AS IDENTITY (identity.c): fail @e with 428C9 when
 * the statement gives such a column of its target a value (the columns
 * come from the scope's mirror; a table it does not know passes). */
void sql__identity_insert(struct sql__emit *e, const PgQuery__InsertStmt *s);
void sql__identity_update(struct sql__emit *e, const PgQuery__UpdateStmt *s);
/* Fail @e for type @name that sql__type_resolve does not know: 0A000
 * for a PostgreSQL type triode lacks, 42704 for one PostgreSQL lacks
 * too (ddl.c). */
void sql__type_missing(struct sql__emit *e, const PgQuery__TypeName *tn,
		       const char *name);
/* True if @name is one of the built-in type names sql__type_resolve
 * knows. */
bool sql__type_known(const char *name);
/* The entry of type text. */
const struct sql__type *sql__type_text(void);

/* ---------------------------------------------------------------------
 * Enum types (enum.c)
 * ------------------------------------------------------------------- */

/* An enum type found at translation: its name and its labels as the
 * escaped comma list the collation and checks carry (arena). */
struct sql__enum {
	const char *name;
	const char *labels;
};

struct sqlite3;

/* The mirror the translator reads enum types from on this thread (NULL:
 * none, every enum is unknown).  Borrowed until the next call. */
void sql__enum_scope(struct sqlite3 *db);
/* That mirror (NULL: none). */
struct sqlite3 *sql__scope_mirror(void);

/* ---------------------------------------------------------------------
 * Comments (comment.c)
 * ------------------------------------------------------------------- */

void sql__comment(struct sql__emit *e, const PgQuery__CommentStmt *s);
/* "; DROP VIEW IF EXISTS ..." for the comments of @table. */
void sql__comment_drop_table(struct sql__emit *e, const char *table);
/* @name is a comment's view: true with the table and column (empty for
 * the table's own comment) decoded into the buffers. */
bool sql__comment_view(const char *name, char *table, size_t table_cap,
		       char *column, size_t column_cap);
void sql__create_enum(struct sql__emit *e, const PgQuery__CreateEnumStmt *s);
/* CREATE TYPE ... AS ENUM in a DO block (do.c); @if_absent: no-op if
 * the type exists. */
void sql__create_enum_do(struct sql__emit *e, const PgQuery__CreateEnumStmt *s,
			 bool if_absent);
/* DO '<block>' (do.c). */
void sql__do(struct sql__emit *e, const PgQuery__DoStmt *s);
/* ALTER TYPE t ADD VALUE / RENAME VALUE: a statement done from the
 * schema (e->stmt->rebuild->enum_alter). */
struct sql_enum_alter {
	const char *type;
	const char *old_val; /* RENAME VALUE: the label renamed; else NULL */
	const char *new_val;
	const char *neighbor; /* ADD VALUE ... BEFORE/AFTER it; or NULL */
	bool after;
	bool if_not_exists;
};
void sql__alter_enum(struct sql__emit *e, const PgQuery__AlterEnumStmt *s);
/* The type's labels after @x, from its view text @view_sql (arena);
 * @skip set for ADD VALUE IF NOT EXISTS of an existing label.  TR_ESQL
 * with @err (42710, 22023), TR_ENOMEM. */
int sql__enum_alter_labels(struct tr_arena *a, const struct sql_enum_alter *x,
			   const char *view_sql, const char ***labels,
			   unsigned *n, bool *skip, struct sql_error *err);
/* The view of @type with @labels, as CREATE TYPE makes it (arena). */
const char *sql__enum_view_sql(struct tr_arena *a, const char *type,
			       const char *const *labels, unsigned n);
/* @labels as the escaped list of the collation and check (arena). */
const char *sql__enum_label_list(struct tr_arena *a,
				 const char *const *labels, unsigned n);
/* The declared type of a column of @type, and the name of its view. */
const char *sql__enum_decl(struct tr_arena *a, const char *type);
const char *sql__enum_view_of(struct tr_arena *a, const char *type);
void sql__drop_type(struct sql__emit *e, const PgQuery__DropStmt *s);
/* @tn names an enum type of the scope's mirror: true with @out filled;
 * false (and @e untouched unless out of memory) otherwise. */
bool sql__enum_find(struct sql__emit *e, const PgQuery__TypeName *tn,
		    struct sql__enum *out);
/* " <declared type> COLLATE <label order>" of a column of type @en. */
void sql__enum_column(struct sql__emit *e, const struct sql__enum *en);
/* "; SELECT ... FROM <type's view> LIMIT 0" for the enum types the
 * statement's columns use: 42704 on the leader if one is gone. */
void sql__enum_verify(struct sql__emit *e);
/* The hidden check "<table>_<column>_enum" (22P02 on a bad label). */
void sql__enum_check(struct sql__emit *e, const struct sql__enum *en,
		     const char *table, const char *column);
/* x::enum_type: true when written (or failed). */
bool sql__enum_cast(struct sql__emit *e, const PgQuery__TypeCast *tc);
/* @relname is the view holding an enum type: true with @type (pointing
 * into @relname) set. */
bool sql__enum_view_name(const char *relname, const char **type);
/* The enum type name of a column's declared type into @out. */
bool sql__enum_decl_name(const char *decl, char *out, size_t cap);
/* The enum type OID of a declared type, from pg_catalog.pg_type on
 * @db; 0 if @decl is not an enum column's. */
uint32_t sql__enum_decl_oid(struct sqlite3 *db, const char *decl);
/* SQLite's message about an enum's view as PostgreSQL's error about the
 * type; false if @msg is not about one. */
bool sql__enum_error(struct sql_error *err, struct tr_arena *a,
		     const char *msg);
/* pg_enum_check, pg_enum_in, pg_enum_in_use and the "pgenum:" label
 * collations on @db.  An SQLite code. */
int sql__enum_register(struct sqlite3 *db);

/* Decide whether a declared type is one dqlite 1.11.1 treats specially
 * (DATE, DATETIME, TIMESTAMP, BOOLEAN): those must never be written. */
bool sql__decl_is_forbidden(const char *decl);

/*
 * Arrays (array.c): one-dimensional arrays of the scalar types, stored
 * as JSON arrays of the elements' stored forms.
 */
/* The element type of array type @oid; 0 if @oid is not one. */
uint32_t sql__array_elem(uint32_t oid);
/* The array type of element type @elem; 0 if it has none. */
uint32_t sql__array_of(uint32_t elem);
/* The type entry of the array of @elem (declared type "_int4"...). */
const struct sql__type *sql__array_type(uint32_t elem);
/* The array type of declared-type word @word ("_int4"); 0 if none. */
uint32_t sql__array_from_decl(const char *word);
/* sql_param_decode for array type @oid (sql__array_elem(oid) != 0). */
TR_MUSTCHECK int sql__array_decode(uint32_t oid, int16_t format,
				   const uint8_t *p, size_t len,
				   struct tr_arena *a, struct sql_value *out,
				   struct sql_error *err);
/* sql_format_text / _binary / _binary_ok for array type @oid (@v not
 * NULL).  A value that is not an array renders as stored (text) or as
 * an empty array (binary; binary_ok says false). */
void sql__array_format_text(uint32_t oid, const struct sql_value *v,
			    struct tr_buf *out);
/* The same with the elements' typmod (a numeric's display scale). */
void sql__array_format_text_mod(uint32_t oid, int32_t typmod,
				const struct sql_value *v, struct tr_buf *out);
void sql__array_format_binary(uint32_t oid, const struct sql_value *v,
			      struct tr_buf *out);
bool sql__array_binary_ok(uint32_t oid, const struct sql_value *v);
/* Translator hooks (array_sql.c), for the cluster path only (they return
 * false in catalog mode).  Each returns true when it wrote (or failed)
 * the construct. */
bool sql__array_cast(struct sql__emit *e, const PgQuery__TypeCast *tc);
bool sql__array_any(struct sql__emit *e, const PgQuery__AExpr *x);
bool sql__array_op(struct sql__emit *e, const PgQuery__AExpr *x);
bool sql__array_node(struct sql__emit *e, const Node *n);
bool sql__array_sublink(struct sql__emit *e, const PgQuery__SubLink *s);
bool sql__array_func(struct sql__emit *e, const PgQuery__FuncCall *fc);
/* "pg_unnest(<array @arg as JSON>)": unnest(@arg) as a table-valued
 * function (value, ordinality; json.c), which may read the FROM items
 * before it (query.c, implicit LATERAL). */
void sql__array_unnest_source(struct sql__emit *e, const Node *arg);
bool sql__array_range_function(struct sql__emit *e,
			       const PgQuery__RangeFunction *rf);
/* Static type of the array constructs above: false when @n is none;
 * true with @oid set (0 if unknown) when it is one. */
bool sql__array_infer(const Node *n, int32_t *typmod, uint32_t *oid);
struct sqlite3;
/* pg_array_in, pg_array_out, pg_array_to_string, pg_string_to_array on
 * @db (sql_functions_register calls it).  SQLite result code. */
int sql__array_register(struct sqlite3 *db);

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

/*
 * Time zones (tz.c): a zone name as PostgreSQL's AT TIME ZONE reads it
 * (an abbreviation, a tz database name, a POSIX TZ string).  NULL if it
 * names none (@oom set when memory ran out instead).  Free with
 * sql__tz_free.
 */
struct sql__tz;
struct sql__tz *sql__tz_find(const char *name, bool *oom);
/* A zone at a fixed offset of @offset seconds east of UTC (NULL: out of
 * memory). */
struct sql__tz *sql__tz_fixed(int32_t offset);
void sql__tz_free(struct sql__tz *z);
/* The zone's offset (seconds east of UTC) at UTC time @t (seconds since
 * 1970). */
int32_t sql__tz_offset(const struct sql__tz *z, int64_t t);
/* The offset that applies to local wall-clock time @local (seconds since
 * 1970 as if it were UTC): in a gap the one before the change, in an
 * overlap the one after it, as PostgreSQL. */
int32_t sql__tz_local_offset(const struct sql__tz *z, int64_t local);

/* The value of hex digit @c, or -1 (value.c). */
int sql__hex_digit(int c);
/* Append code point @cp as UTF-8 (value.c). */
void sql__utf8_put(struct tr_buf *b, uint32_t cp);

/* uuid_in's syntax (braces, hyphens after groups of four digits). */
bool sql__uuid_parse(const char *s, uint8_t u[16]);
/* RFC 8259 JSON, as PostgreSQL's json_in accepts it. */
bool sql__json_valid(const char *p, size_t len);

/* json and jsonb (json.c, json_sql.c).  The canonical jsonb text of
 * the JSON at @p (PostgreSQL's jsonb output) appended to @out: TR_OK,
 * TR_ESQL with @err "SQLSTATE: message" (22P02 invalid json...), or
 * TR_ENOMEM. */
TR_MUSTCHECK int sql__jsonb_canon(struct tr_buf *out, const char *p,
				  size_t len, const char **err);
/* Translator hooks: true when the construct was written (or failed). */
bool sql__json_op(struct sql__emit *e, const PgQuery__AExpr *x);
bool sql__json_func(struct sql__emit *e, const PgQuery__FuncCall *fc,
		    const char *name);
bool sql__json_range_function(struct sql__emit *e,
			      const PgQuery__RangeFunction *rf,
			      const PgQuery__FuncCall *fc, const char *name);
/* A bare FROM item name as a value ("SELECT t FROM t"): its row as
 * PostgreSQL's record text "(1,abc)" (json_sql.c); true when written. */
bool sql__whole_row(struct sql__emit *e, const Node *n);
/* Static result type of a json operator / function, 0 if not one. */
uint32_t sql__json_op_type(const PgQuery__AExpr *x);
uint32_t sql__json_func_type(const char *name);

/* Parameter inference (params.c): fill stmt->n_params and stmt->params
 * from the statement's tree @n (strings copied into e->a).  TR_OK or
 * TR_ENOMEM; a $n beyond 65535 fails the statement with 42P02. */
TR_MUSTCHECK int sql__params(struct sql__emit *e, const Node *n);

/* ---------------------------------------------------------------------
 * The system catalogs on the mirror (pgcatalog.c, pgcatalog_fn.c,
 * pgcatalog_sql.c)
 * ------------------------------------------------------------------- */

struct sqlite3;

/* PostgreSQL's first OID for user objects (FirstNormalObjectId). */
#define SQL__FIRST_USER_OID 16384u
/* OID of the information_schema namespace. */
#define SQL__INFO_SCHEMA_OID 13000

/* A built-in type as pg_type shows it. */
struct sql__pgtype {
	uint32_t oid;
	const char *name; /* typname */
	int16_t len;
	bool byval;
	char category;
	uint32_t array; /* OID of its array type, 0 if none */
	const char *io; /* stem of the I/O function names */
	char align;
	char storage;
	uint32_t collation;
	const char *typmodin; /* NULL: "-" */
};
const struct sql__pgtype *sql__pgtype_find(uint32_t oid);
const struct sql__pgtype *sql__pgtype_by_array(uint32_t array_oid);
const struct sql__pgtype *sql__pgtype_by_name(const char *name);

/* Where the catalog's user objects come from: the cluster's
 * sqlite_schema names and rowids (borrowed for the build). */
struct sql__catalog_src {
	unsigned n;
	const char *const *names;
	const int64_t *rowids;
	const char *database; /* NULL: "postgres" */
};
/* First OID of the object whose sqlite_schema rowid is @rowid (see
 * pgcatalog.c); 0 when out of range. */
uint32_t sql__pgcatalog_base(int64_t rowid);
/* Attach and fill pg_catalog and information_schema on @db, whose main
 * schema holds the user's tables.  Returns a SQLite result code. */
int sql__pgcatalog_build(struct sqlite3 *db,
			 const struct sql__catalog_src *src);
/* Register the catalog functions (format_type, pg_get_*, array helpers,
 * reg* input/output...) on the mirror @db.  SQLite result code. */
int sql__pgcatalog_functions(struct sqlite3 *db);

/* Register the json functions and table-valued functions (json.c) on
 * @db.  SQLite result code. */
int sql__json_register(struct sqlite3 *db);

/* tochar.c: PostgreSQL's to_char for numbers and intervals.  A failure
 * is reported as SQLSTATE, message and optional detail and hint
 * (nomem: out of memory rather than the user's error). */
struct sql__tochar_err {
	char sqlstate[6];
	char message[256];
	char detail[128];
	char hint[128];
	bool nomem;
};

/* The PostgreSQL type whose to_char formats a number. */
enum sql__tochar_kind {
	SQL_TOCHAR_INT4, /* int2 and int4 */
	SQL_TOCHAR_INT8,
	SQL_TOCHAR_FLOAT4,
	SQL_TOCHAR_FLOAT8,
	SQL_TOCHAR_NUMERIC,
};

/* A number to format: @integer, or @real if @is_real; for a numeric,
 * @text (decimal text, NaN or [-]Infinity; borrowed for the call) wins
 * over both when not NULL. */
struct sql__tochar_num {
	enum sql__tochar_kind kind;
	int64_t integer;
	double real;
	bool is_real;
	const char *text;
};

/* to_char(@v, @fmt): appends the text to @out (whose sticky error
 * reports allocation failures); false with @err set on a template
 * error or a value the type's to_char refuses.  @fmt is borrowed. */
bool sql__to_char_num(const struct sql__tochar_num *v, const char *fmt,
		      size_t fmt_len, struct tr_buf *out,
		      struct sql__tochar_err *err);
/* A timestamp's fields for to_char: proleptic Gregorian, year 0 is
 * 1 BC; @tz for a timestamptz (and a date, which PostgreSQL formats as
 * one), whose zone is the session's, UTC. */
struct sql__tochar_tm {
	int year, mon, mday, hour, min, sec, usec;
	bool tz;
};

/* to_char(timestamp/timestamptz/date, @fmt); as sql__to_char_num.  An
 * empty @fmt gives '' here (PostgreSQL's NULL is the caller's). */
bool sql__to_char_datetime(const struct sql__tochar_tm *tm, const char *fmt,
			   size_t fmt_len, struct tr_buf *out,
			   struct sql__tochar_err *err);
/* Whether @s (may be NULL) is decimal text a numeric may travel as
 * ([-]digits[.digits][e±N], NaN, [-]Infinity). */
bool sql__tochar_is_decimal(const char *s);
/* to_char(interval, @fmt) of the interval @months, @days, @usec; as
 * sql__to_char_num.  An empty @fmt gives '' here (PostgreSQL's NULL is
 * the caller's). */
bool sql__to_char_interval(int32_t months, int32_t days, int64_t usec,
			   const char *fmt, size_t fmt_len, struct tr_buf *out,
			   struct sql__tochar_err *err);

/* numeric.c: display scales of computed numerics in the typmod (see
 * the file's comment).  A display-only scale @scale (-1 if < 0); a
 * quotient's scale, at least @min_scale, chosen per value. */
int32_t sql__numeric_scale_typmod(int scale);
int32_t sql__numeric_div_typmod(int min_scale);
/* The display scale @typmod of a numeric gives (-1: none); @div set
 * for a quotient's (the scale is then a minimum). */
int sql__numeric_typmod_scale(int32_t typmod, bool *div);
/* @v as numeric text with @scale decimals (rounded half away from
 * zero; @div: scale chosen as for a quotient, at least @scale) into
 * @buf; its length, or -1 if @v is not a finite number or @cap is too
 * small. */
int sql__numeric_render(const struct sql_value *v, int scale, bool div,
			char *buf, size_t cap);
/* Display typmod of numeric arithmetic @op (+ - * / %) on operands of
 * types @l and @r (typmods @ltm, @rtm); -1 if unknown. */
int32_t sql__numeric_arith_typmod(char op, uint32_t l, int32_t ltm,
				  uint32_t r, int32_t rtm);
/* The display-only typmod keeping the static scale of a value of @oid
 * (integers: 0); -1 if none. */
int32_t sql__numeric_keep_scale(uint32_t oid, int32_t typmod);
/* Register pg_int_chk and pg_numeric_chk on @db.  SQLite result
 * code. */
int sql__numeric_register(struct sqlite3 *db);
/* Register pg_num_div, pg_num_avg[N], pg_num_log and the collation
 * pg_num (decimal.c: exact quotients for the client) on @db.  SQLite
 * result code. */
int sql__decimal_register(struct sqlite3 *db);

/* PostgreSQL's format_type(@oid, @typmod) into @buf; @given: a typmod
 * argument was passed (even -1), as the SQL function distinguishes. */
void sql__format_type(uint32_t oid, int32_t typmod, bool given, char *buf,
		      size_t cap);
/* PostgreSQL's quote_ident would quote @name: not a plain lower-case
 * name, or one of its reserved, column-name or type/function-name
 * keywords (functions.c). */
bool sql__ident_needs_quotes(const char *name);
/* @name double-quoted when PostgreSQL's quote_ident would quote it; a
 * sqlite3_malloc'd string (NULL on OOM), free with sqlite3_free. */
char *sql__pg_quote_ident(const char *name);

/* Translator hooks (pgcatalog_sql.c).  Each returns true when it wrote
 * the construct (catalog mode); false lets the normal path go on (in a
 * normal pass it only notes catalog constructs in e->saw_catalog). */
bool sql__catalog_relation(struct sql__emit *e, const PgQuery__RangeVar *rv);
bool sql__catalog_func(struct sql__emit *e, const PgQuery__FuncCall *fc);
bool sql__catalog_cast(struct sql__emit *e, const PgQuery__TypeCast *tc);
bool sql__catalog_any(struct sql__emit *e, const PgQuery__AExpr *x);
bool sql__catalog_node(struct sql__emit *e, const Node *n);
bool sql__catalog_array_sublink(struct sql__emit *e,
				const PgQuery__SubLink *s);
/* FROM item @i of @s when it is unnest(a, b, ...) over the columns of an
 * earlier table item: that item (pgcatalog_sql.c), else NULL; then
 * sql__catalog_unnest_zip writes it as a join to that item. */
const PgQuery__RangeVar *sql__catalog_zip_source(const PgQuery__SelectStmt *s,
						 size_t i);
void sql__catalog_unnest_zip(struct sql__emit *e,
			     const PgQuery__RangeFunction *rf,
			     const PgQuery__RangeVar *src);
bool sql__catalog_range_function(struct sql__emit *e,
				 const PgQuery__RangeFunction *rf);
bool sql__catalog_target(struct sql__emit *e, const Node *n);
/* A set-returning _pg_expandarray in @s's select list (catalog mode):
 * found before the list is written, joined after the FROM items. */
const PgQuery__FuncCall *sql__catalog_expand_find(struct sql__emit *e,
						  const PgQuery__SelectStmt *s);
void sql__catalog_expand_from(struct sql__emit *e, bool has_from);
/* A WITH query's name: in catalog mode it is no user table. */
void sql__catalog_note_cte(struct sql__emit *e, const char *name);
/* Result type of catalog function @name, 0 if not one. */
uint32_t sql__catalog_func_type(const char *name);
/* A comparison of a catalog bool column with a 't'/'f' literal (catalog
 * mode): written with the literal as 1/0. */
bool sql__catalog_bool_cmp(struct sql__emit *e, const PgQuery__AExpr *x,
			   const char *op);
/* Whether some catalog table declares column @name bool (pgcatalog.c). */
bool sql__pgcatalog_bool_column(const char *name);

#endif /* SQL_SQL_INT_H */
