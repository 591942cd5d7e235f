/*
 * sql/advisory.c: PostgreSQL's advisory locks.
 *
 *   sql__advisory_func       pg_advisory_lock & co. in expressions
 *   sql__advisory_func_type  their result types
 *   sql__advisory_register   the C functions on a connection
 *   sql__advisory_trace      statement boundaries (clock.c's trace)
 *   sql_advisory_is_wait     the error that asks the session to retry
 *
 * The lock table.  Every statement runs on the leader, each PostgreSQL
 * session on a SQLite connection of its own inside the leader's process
 * (dqlite).  The locks therefore live in one table of this process,
 * shared by all its connections, each lock owned by a connection: the
 * connection stands for the session.  A lock is named by the database
 * (the connection's file name), the key space (one bigint key, or two
 * int4 keys, as PostgreSQL keeps them apart) and the key.  An owner's
 * hold counts how many times it took the lock at each level (session,
 * transaction) and mode (exclusive, shared): locks are re-entrant, and
 * a session never conflicts with itself.  Exclusive conflicts with any
 * other owner's hold, shared with another owner's exclusive one.
 *
 * Session-level holds last until unlocked or until the connection
 * closes (the destructor of the functions' state releases them).
 * Transaction-level holds end with the transaction: clock.c's trace
 * callback tells us when a statement starts and ends, and a statement
 * that ends (or starts) with the connection in autocommit mode closes
 * the transaction (a COMMIT, a ROLLBACK, or a statement of its own).
 *
 * Waiting.  A function of the leader must not block its event loop, so
 * a blocking lock that is not free fails the statement with the error
 * sql_advisory_is_wait recognises, after undoing the acquisitions the
 * statement made so far (a statement may take several locks); the
 * session sends the statement again a little later, until it gets the
 * lock, lock_timeout expires, or the statement is cancelled.  The
 * failed statement changed nothing: SQLite rolls it back alone, inside
 * a transaction block too.  Waiters are not queued, so a lock is not
 * handed out in the order it was asked for, and a deadlock is not
 * detected (lock_timeout or statement_timeout ends it).
 *
 * A leader change closes the connections: the locks are gone with them.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

#define ADV_BUCKETS 256

enum { LEVEL_SESSION, LEVEL_XACT };
enum { MODE_EXCLUSIVE, MODE_SHARED };

struct adv_conn;

/* What one owner holds of one lock. */
struct adv_hold {
	struct adv_hold *next; /* in its bucket */
	struct adv_conn *owner;
	int space; /* 1: one bigint key, 2: two int4 keys */
	int64_t key;
	uint32_t n[2][2]; /* [level][mode] */
};

/* One acquisition by the running statement, to undo if it must wait. */
struct adv_step {
	int space;
	int64_t key;
	int level, mode;
};

/* The state of one connection (one session). */
struct adv_conn {
	sqlite3 *db;
	char *dbname;                /* sqlite3_malloc'd, taken at first use */
	struct adv_conn *next_dirty; /* on the dirty list */
	bool dirty;                  /* has xact holds or a statement journal */
	unsigned n_holds;            /* holds it owns */
	unsigned n_xact;             /* transaction-level acquisitions held */
	struct adv_step *journal;    /* this statement's acquisitions */
	unsigned n_journal, cap_journal;
};

static pthread_mutex_t adv_mu = PTHREAD_MUTEX_INITIALIZER;
static struct adv_hold *adv_table[ADV_BUCKETS];
/* Connections with transaction-level holds or a journal: the ones the
 * statement trace has work for.  Empty most of the time. */
static struct adv_conn *adv_dirty;

/* ---------------------------------------------------------------------
 * The lock table (callers hold adv_mu)
 * ------------------------------------------------------------------- */

static unsigned bucket_of(const char *db, int space, int64_t key)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = db; *p != '\0'; p++) {
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	}
	h = (h ^ (uint64_t)space) * 1099511628211ULL;
	h = (h ^ (uint64_t)key) * 1099511628211ULL;
	return (unsigned)(h % ADV_BUCKETS);
}

static bool same_lock(const struct adv_hold *h, const char *db, int space,
		      int64_t key)
{
	return h->space == space && h->key == key &&
	       strcmp(h->owner->dbname, db) == 0;
}

static bool hold_is_empty(const struct adv_hold *h)
{
	return h->n[0][0] == 0 && h->n[0][1] == 0 && h->n[1][0] == 0 &&
	       h->n[1][1] == 0;
}

static void mark_dirty(struct adv_conn *c)
{
	if (!c->dirty) {
		c->dirty = true;
		c->next_dirty = adv_dirty;
		adv_dirty = c;
	}
}

static void unmark_dirty(struct adv_conn *c)
{
	if (!c->dirty || c->n_xact > 0 || c->n_journal > 0) {
		return;
	}
	for (struct adv_conn **p = &adv_dirty; *p != NULL;
	     p = &(*p)->next_dirty) {
		if (*p == c) {
			*p = c->next_dirty;
			break;
		}
	}
	c->dirty = false;
	c->next_dirty = NULL;
}

/* Free @c's empty holds (all of them when @all). */
static void sweep(struct adv_conn *c, bool all)
{
	for (unsigned b = 0; b < ADV_BUCKETS && c->n_holds > 0; b++) {
		struct adv_hold **p = &adv_table[b];
		while (*p != NULL) {
			struct adv_hold *h = *p;
			if (h->owner == c && (all || hold_is_empty(h))) {
				*p = h->next;
				sqlite3_free(h);
				c->n_holds--;
			} else {
				p = &h->next;
			}
		}
	}
}

static struct adv_hold *find_own(struct adv_conn *c, int space, int64_t key)
{
	unsigned b = bucket_of(c->dbname, space, key);
	for (struct adv_hold *h = adv_table[b]; h != NULL; h = h->next) {
		if (h->owner == c && same_lock(h, c->dbname, space, key)) {
			return h;
		}
	}
	return NULL;
}

/* Does another owner hold the lock in a mode that conflicts with @mode? */
static bool conflicts(struct adv_conn *c, int space, int64_t key, int mode)
{
	unsigned b = bucket_of(c->dbname, space, key);
	for (struct adv_hold *h = adv_table[b]; h != NULL; h = h->next) {
		if (h->owner == c || !same_lock(h, c->dbname, space, key)) {
			continue;
		}
		uint32_t ex = h->n[0][MODE_EXCLUSIVE] + h->n[1][MODE_EXCLUSIVE];
		uint32_t sh = h->n[0][MODE_SHARED] + h->n[1][MODE_SHARED];
		if (ex > 0 || (mode == MODE_EXCLUSIVE && sh > 0)) {
			return true;
		}
	}
	return false;
}

/* Take one more of the lock; SQLITE_BUSY when another owner's hold
 * conflicts, SQLITE_NOMEM. */
static int acquire(struct adv_conn *c, int space, int64_t key, int level,
		   int mode)
{
	if (conflicts(c, space, key, mode)) {
		return SQLITE_BUSY;
	}
	if (c->n_journal == c->cap_journal) {
		unsigned cap = c->cap_journal ? c->cap_journal * 2 : 4;
		struct adv_step *j = sqlite3_realloc64(c->journal,
						       sizeof *j * cap);
		if (j == NULL) {
			return SQLITE_NOMEM;
		}
		c->journal = j;
		c->cap_journal = cap;
	}
	struct adv_hold *h = find_own(c, space, key);
	if (h == NULL) {
		h = sqlite3_malloc(sizeof *h);
		if (h == NULL) {
			return SQLITE_NOMEM;
		}
		memset(h, 0, sizeof *h);
		h->owner = c;
		h->space = space;
		h->key = key;
		unsigned b = bucket_of(c->dbname, space, key);
		h->next = adv_table[b];
		adv_table[b] = h;
		c->n_holds++;
	}
	h->n[level][mode]++;
	if (level == LEVEL_XACT) {
		c->n_xact++;
	}
	c->journal[c->n_journal++] = (struct adv_step){ space, key, level,
							mode };
	mark_dirty(c);
	return SQLITE_OK;
}

/* Undo the running statement's acquisitions (it must wait). */
static void undo_statement(struct adv_conn *c)
{
	while (c->n_journal > 0) {
		const struct adv_step *s = &c->journal[--c->n_journal];
		struct adv_hold *h = find_own(c, s->space, s->key);
		if (h != NULL && h->n[s->level][s->mode] > 0) {
			h->n[s->level][s->mode]--;
			if (s->level == LEVEL_XACT) {
				c->n_xact--;
			}
		}
	}
	sweep(c, false);
	unmark_dirty(c);
}

/* The transaction ended: its locks go. */
static void end_xact(struct adv_conn *c)
{
	if (c->n_xact > 0) {
		for (unsigned b = 0; b < ADV_BUCKETS; b++) {
			for (struct adv_hold *h = adv_table[b]; h != NULL;
			     h = h->next) {
				if (h->owner == c) {
					h->n[LEVEL_XACT][0] = 0;
					h->n[LEVEL_XACT][1] = 0;
				}
			}
		}
		c->n_xact = 0;
		sweep(c, false);
	}
	unmark_dirty(c);
}

/* ---------------------------------------------------------------------
 * Statement boundaries
 * ------------------------------------------------------------------- */

/* Is @stmt run from inside another statement of @db (a function of its
 * running SQL of its own)?  Its start and end are not the statement's. */
static bool is_nested(sqlite3 *db, sqlite3_stmt *stmt)
{
	for (sqlite3_stmt *o = sqlite3_next_stmt(db, NULL); o != NULL;
	     o = sqlite3_next_stmt(db, o)) {
		if (o != stmt && sqlite3_stmt_busy(o)) {
			return true;
		}
	}
	return false;
}

void sql__advisory_trace(unsigned type, struct sqlite3_stmt *stmt,
			 const void *x)
{
	const char *sql = type == SQLITE_TRACE_STMT ? x : NULL;
	if ((type != SQLITE_TRACE_STMT && type != SQLITE_TRACE_PROFILE) ||
	    (sql != NULL && sql[0] == '-')) {
		return; /* "-- trigger" lines: the same statement */
	}
	sqlite3 *db = sqlite3_db_handle(stmt);
	pthread_mutex_lock(&adv_mu);
	struct adv_conn *c = adv_dirty;
	while (c != NULL && c->db != db) {
		c = c->next_dirty;
	}
	if (c != NULL && !is_nested(db, stmt)) {
		c->n_journal = 0; /* a statement starts or ends */
		if (sqlite3_get_autocommit(db)) {
			end_xact(c); /* COMMIT, ROLLBACK, or its own */
		} else {
			unmark_dirty(c);
		}
	}
	pthread_mutex_unlock(&adv_mu);
}

/* ---------------------------------------------------------------------
 * The SQL functions
 * ------------------------------------------------------------------- */

bool sql_advisory_is_wait(uint64_t code, const char *message)
{
	return (code & 0xff) == SQLITE_ERROR && message != NULL &&
	       strcmp(message, SQL_ADVISORY_WAIT_MSG) == 0;
}

enum adv_op {
	OP_LOCK,   /* wait for it */
	OP_TRY,    /* true if taken, false if not free */
	OP_UNLOCK, /* session level: true if held */
};

/* What each function does, in sqlite3_user_data's place: op, level and
 * mode packed in one small integer next to the connection. */
struct adv_fn {
	const char *name;
	enum adv_op op;
	int level, mode;
};

static const struct adv_fn adv_fns[] = {
	{ "pg_advisory_lock", OP_LOCK, LEVEL_SESSION, MODE_EXCLUSIVE },
	{ "pg_advisory_lock_shared", OP_LOCK, LEVEL_SESSION, MODE_SHARED },
	{ "pg_try_advisory_lock", OP_TRY, LEVEL_SESSION, MODE_EXCLUSIVE },
	{ "pg_try_advisory_lock_shared", OP_TRY, LEVEL_SESSION, MODE_SHARED },
	{ "pg_advisory_unlock", OP_UNLOCK, LEVEL_SESSION, MODE_EXCLUSIVE },
	{ "pg_advisory_unlock_shared", OP_UNLOCK, LEVEL_SESSION, MODE_SHARED },
	{ "pg_advisory_xact_lock", OP_LOCK, LEVEL_XACT, MODE_EXCLUSIVE },
	{ "pg_advisory_xact_lock_shared", OP_LOCK, LEVEL_XACT, MODE_SHARED },
	{ "pg_try_advisory_xact_lock", OP_TRY, LEVEL_XACT, MODE_EXCLUSIVE },
	{ "pg_try_advisory_xact_lock_shared", OP_TRY, LEVEL_XACT, MODE_SHARED },
};

/* The connection's state and the function called: sqlite3_user_data is
 * one of these per function, all pointing at the connection's state. */
struct adv_call {
	struct adv_conn *conn;
	const struct adv_fn *fn;
};

struct adv_reg {
	struct adv_conn conn;
	struct adv_call calls[TR_ARRAY_LEN(adv_fns)][2]; /* 1 and 2 args */
};

static void adv_fail(sqlite3_context *ctx, const char *fmt, ...)
	TR_PRINTF(2, 3);
static void adv_fail(sqlite3_context *ctx, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sqlite3_result_error(ctx, msg, -1);
}

/* One key argument as an integer in [lo, hi]; false after an error. */
static bool key_arg(sqlite3_context *ctx, sqlite3_value *v, int64_t lo,
		    int64_t hi, int64_t *out)
{
	if (sqlite3_value_numeric_type(v) == SQLITE_INTEGER) {
		*out = sqlite3_value_int64(v);
	} else {
		const char *t = (const char *)sqlite3_value_text(v);
		adv_fail(ctx, "22P02: invalid input syntax for type %s: \"%s\"",
			 hi == INT32_MAX ? "integer" : "bigint",
			 t != NULL ? t : "");
		return false;
	}
	if (*out < lo || *out > hi) {
		adv_fail(ctx,
			 "22003: value \"%lld\" is out of range for type "
			 "integer",
			 (long long)*out);
		return false;
	}
	return true;
}

static bool take_dbname(sqlite3_context *ctx, struct adv_conn *c)
{
	if (c->dbname != NULL) {
		return true;
	}
	const char *f = sqlite3_db_filename(c->db, "main");
	c->dbname = sqlite3_mprintf("%s", f != NULL ? f : "");
	if (c->dbname == NULL) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	return true;
}

static void fn_advisory(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct adv_call *call = sqlite3_user_data(ctx);
	struct adv_conn *c = call->conn;
	const struct adv_fn *fn = call->fn;
	int64_t key;
	int space = argc;
	for (int i = 0; i < argc; i++) {
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
			sqlite3_result_null(ctx); /* strict */
			return;
		}
	}
	if (argc == 1) {
		if (!key_arg(ctx, argv[0], INT64_MIN, INT64_MAX, &key)) {
			return;
		}
	} else {
		int64_t k1, k2;
		if (!key_arg(ctx, argv[0], INT32_MIN, INT32_MAX, &k1) ||
		    !key_arg(ctx, argv[1], INT32_MIN, INT32_MAX, &k2)) {
			return;
		}
		key = (int64_t)(((uint64_t)(uint32_t)k1 << 32) |
				(uint64_t)(uint32_t)k2);
	}
	if (!take_dbname(ctx, c)) {
		return;
	}
	pthread_mutex_lock(&adv_mu);
	int rc;
	bool held = false;
	switch (fn->op) {
	case OP_LOCK:
	case OP_TRY:
		rc = acquire(c, space, key, fn->level, fn->mode);
		break;
	default: {
		struct adv_hold *h = find_own(c, space, key);
		held = h != NULL && h->n[LEVEL_SESSION][fn->mode] > 0;
		if (held) {
			h->n[LEVEL_SESSION][fn->mode]--;
			sweep(c, false);
		}
		rc = SQLITE_OK;
		break;
	}
	}
	if (rc == SQLITE_BUSY && fn->op == OP_LOCK) {
		undo_statement(c);
	}
	pthread_mutex_unlock(&adv_mu);
	if (rc == SQLITE_NOMEM) {
		sqlite3_result_error_nomem(ctx);
	} else if (fn->op == OP_LOCK) {
		if (rc == SQLITE_BUSY) {
			sqlite3_result_error(ctx, SQL_ADVISORY_WAIT_MSG, -1);
		} else {
			sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		}
	} else if (fn->op == OP_TRY) {
		sqlite3_result_int(ctx, rc == SQLITE_OK);
	} else {
		sqlite3_result_int(ctx, held);
	}
}

/* pg_advisory_unlock_all(): every session-level hold goes. */
static void fn_unlock_all(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct adv_reg *r = sqlite3_user_data(ctx);
	struct adv_conn *c = &r->conn;
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	pthread_mutex_lock(&adv_mu);
	for (unsigned b = 0; b < ADV_BUCKETS && c->n_holds > 0; b++) {
		for (struct adv_hold *h = adv_table[b]; h != NULL;
		     h = h->next) {
			if (h->owner == c) {
				h->n[LEVEL_SESSION][0] = 0;
				h->n[LEVEL_SESSION][1] = 0;
			}
		}
	}
	sweep(c, false);
	pthread_mutex_unlock(&adv_mu);
	sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
}

/* The connection closes: its locks go with it. */
static void reg_free(void *p)
{
	struct adv_reg *r = p;
	struct adv_conn *c = &r->conn;
	pthread_mutex_lock(&adv_mu);
	c->n_xact = 0;
	c->n_journal = 0;
	unmark_dirty(c);
	sweep(c, true);
	pthread_mutex_unlock(&adv_mu);
	sqlite3_free(c->journal);
	sqlite3_free(c->dbname);
	sqlite3_free(r);
}

int sql__advisory_register(struct sqlite3 *db)
{
	struct adv_reg *r = sqlite3_malloc(sizeof *r);
	if (r == NULL) {
		return SQLITE_NOMEM;
	}
	memset(r, 0, sizeof *r);
	r->conn.db = db;
	/* Not deterministic, not innocuous: they act on the session. */
	for (size_t i = 0; i < TR_ARRAY_LEN(adv_fns); i++) {
		for (int n = 1; n <= 2; n++) {
			struct adv_call *call = &r->calls[i][n - 1];
			call->conn = &r->conn;
			call->fn = &adv_fns[i];
			int rc = sqlite3_create_function_v2(
				db, adv_fns[i].name, n, SQLITE_UTF8, call,
				fn_advisory, NULL, NULL, NULL);
			if (rc != SQLITE_OK) {
				sqlite3_free(r);
				return rc;
			}
		}
	}
	/* The last one owns @r: SQLite calls reg_free when the connection
	 * closes (or at once if this registration fails). */
	return sqlite3_create_function_v2(db, "pg_advisory_unlock_all", 0,
					  SQLITE_UTF8, r, fn_unlock_all, NULL,
					  NULL, reg_free);
}

/* ---------------------------------------------------------------------
 * Translation
 * ------------------------------------------------------------------- */

static const struct adv_fn *find_fn(const char *name)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(adv_fns); i++) {
		if (strcmp(adv_fns[i].name, name) == 0) {
			return &adv_fns[i];
		}
	}
	return NULL;
}

uint32_t sql__advisory_func_type(const char *name)
{
	if (strcmp(name, "pg_advisory_unlock_all") == 0) {
		return SQL_OID_VOID;
	}
	const struct adv_fn *f = find_fn(name);
	if (f == NULL) {
		return 0;
	}
	return f->op == OP_LOCK ? SQL_OID_VOID : SQL_OID_BOOL;
}

uint32_t sql__advisory_key_type(const char *name, size_t n_args)
{
	if (find_fn(name) == NULL || n_args < 1 || n_args > 2) {
		return 0;
	}
	return n_args == 1 ? SQL_OID_INT8 : SQL_OID_INT4;
}

static bool is_int_type(uint32_t t)
{
	return t == 0 || t == SQL_OID_INT2 || t == SQL_OID_INT4 ||
	       t == SQL_OID_INT8;
}

/* An unlock that is an item of the select list whose rows go to the
 * client: note its column, whose false values come with PostgreSQL's
 * WARNING (the executor sends it; a function on the leader cannot).
 * Not after a "*", whose width is not known here. */
static void note_unlock_col(struct sql__emit *e, const PgQuery__FuncCall *fc,
			    const char *name)
{
	const struct adv_fn *f = find_fn(name);
	const PgQuery__SelectStmt *sel = e->exact_sel;
	if (f == NULL || f->op != OP_UNLOCK || sel == NULL ||
	    e->exact == NULL ||
	    e->exact->node_case != PG_QUERY__NODE__NODE_FUNC_CALL ||
	    e->exact->func_call != fc) {
		return;
	}
	for (size_t i = 0; i < sel->n_target_list && i < 32; i++) {
		const Node *v = sel->target_list[i]->res_target->val;
		if (v == e->exact) {
			e->stmt->unlock_cols[f->mode] |= (uint32_t)1 << i;
			return;
		}
		if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
		    v->column_ref->n_fields > 0 &&
		    v->column_ref->fields[v->column_ref->n_fields - 1]
				    ->node_case ==
			    PG_QUERY__NODE__NODE_A_STAR) {
			return;
		}
	}
}

bool sql__advisory_func(struct sql__emit *e, const PgQuery__FuncCall *fc,
			const char *name)
{
	bool all = strcmp(name, "pg_advisory_unlock_all") == 0;
	if (!all && find_fn(name) == NULL) {
		return false;
	}
	if (e->catalog) {
		sql__fail(e, fc->location, "0A000",
			  "%s in a query on the system catalogs is not "
			  "supported",
			  name);
		return true;
	}
	/* PostgreSQL's signatures: (bigint) and (integer, integer); a
	 * literal or column of another type matches neither. */
	bool ok = all ? fc->n_args == 0 : fc->n_args == 1 || fc->n_args == 2;
	for (size_t i = 0; ok && i < fc->n_args; i++) {
		int32_t tm;
		const Node *a = fc->args[i];
		uint32_t t = sql__infer(a, &tm);
		bool untyped = a->node_case == PG_QUERY__NODE__NODE_A_CONST &&
			       (a->a_const->isnull ||
				a->a_const->val_case ==
					PG_QUERY__A__CONST__VAL_SVAL);
		ok = untyped ||
		     (is_int_type(t) && (fc->n_args == 1 || t != SQL_OID_INT8));
	}
	if (!ok || fc->agg_star || fc->n_agg_order > 0 || fc->over != NULL) {
		sql__fail(e, fc->location, "42883",
			  "function %s(%s) does not exist", name,
			  sql__arg_types(e, fc));
		e->stmt->error.hint = "No function matches the given name and "
				      "argument types. You might need to add "
				      "explicit type casts.";
		return true;
	}
	note_unlock_col(e, fc, name);
	const struct adv_fn *f = find_fn(name);
	if (f != NULL && f->level == LEVEL_SESSION && f->op != OP_UNLOCK) {
		e->stmt->advisory = true;
	}
	sql__putf(e, "%s(", name);
	for (size_t i = 0; i < fc->n_args; i++) {
		sql__put(e, i > 0 ? ", " : "");
		sql__expr(e, fc->args[i]);
	}
	sql__put(e, ")");
	return true;
}
