/*
 * server/session.c: the executor pgwire calls; one server_session per
 * PostgreSQL connection.
 *
 * A session owns one dqlite client connection to the leader, opened on the
 * session's database; a PostgreSQL transaction never leaves it.  A simple
 * Query is parsed whole by sql/ and its statements run one after another:
 *
 *   query -> step -> [reconnect] -> [implicit BEGIN] -> per statement:
 *      session command (SET/SHOW/...)      answered here
 *      transaction control                 EXEC_SQL, txn state updated
 *      QUERY   [reload mirror] describe -> QUERY_SQL -> DataRow* -> tag
 *      EXEC    [write lock] -> EXEC_SQL -> tag [mirror stale if DDL]
 *   -> [implicit COMMIT] -> ReadyForQuery
 *
 * Suspension points: every cluster request, the write-lock wait (bounded by
 * a timer) and back-pressure from a slow client.  Completions store their
 * result and call step() again.
 *
 * Transactions follow PostgreSQL's rules for the simple protocol: a Query
 * with several statements runs in one implicit transaction unless it
 * contains BEGIN/COMMIT; after an error inside an explicit transaction every
 * statement but ROLLBACK fails with 25P02.
 *
 * Failure modes: a lost leader connection ends the transaction (40001, or
 * 08007 when a COMMIT's outcome is unknown) and the next statement
 * reconnects; a vanished client's open transaction is rolled back before
 * its write lock is handed on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/server_int.h"

/* How long a session waits for its database's write lock. */
#define WRITE_WAIT_MS 30000

enum txn_state {
	TXN_NONE,     /* autocommit */
	TXN_IMPLICIT, /* a multi-statement Query's own transaction */
	TXN_EXPLICIT, /* BEGIN ... */
	TXN_FAILED,   /* an error happened inside BEGIN ...: 25P02 */
};

/* What the session is waiting for, if anything. */
enum wait_state {
	WAIT_NONE,
	WAIT_AUTH,    /* role lookup on the internal database */
	WAIT_OPEN,    /* database check, connect, OPEN */
	WAIT_CLUSTER, /* a request on the leader connection */
	WAIT_LOCK,    /* the database's write lock */
};

/* Which extended-protocol operation is in flight, if any. */
enum ext_op {
	EXT_NONE,    /* simple Query, or nothing */
	EXT_PREPARE, /* Parse: describing the statement */
	EXT_EXECUTE, /* Execute of a portal */
	EXT_SYNC,    /* Sync: ending the implicit transaction */
};

/* A prepared statement: the executor's handle for pgwire. */
struct server_prepared {
	struct tr_arena arena; /* owns everything below */
	struct sql_stmt *stmt; /* NULL for an empty query */
	unsigned n_params;
	uint32_t *param_oids;
	uint32_t *given; /* the client's types from Parse (0: unspecified) */
	unsigned n_given;
	/* The mirror's version @stmt was translated with: DDL since then
	 * translates it again at Execute (PostgreSQL re-plans). */
	uint64_t version;
	/* The result columns' types the client was told at Parse; a query
	 * whose result changed is refused at Execute, as PostgreSQL does. */
	bool has_result;
	unsigned n_result;
	uint32_t *result_oids;
};

/* COPY FROM: a batch of rows sent as one multi-row INSERT. */
struct copy_batch {
	struct tr_queue link; /* in copy_in.full */
	unsigned n_rows;
	struct cluster_value *vals; /* rows_per_stmt * n_cols */
	struct tr_arena a;          /* copies of text and blob values */
};

/* COPY FROM STDIN in progress. */
struct copy_in {
	struct sql_copy_reader reader;
	const char **names; /* columns (session arena) */
	uint32_t *oids;
	unsigned n_cols;
	unsigned rows_per_stmt; /* dqlite binds at most 255 parameters */
	struct copy_batch *filling;
	struct tr_queue full; /* full batches, in order */
	unsigned n_full;
	struct copy_batch *sending; /* in flight */
	bool done;                  /* CopyDone seen */
	bool failed;                /* an error is recorded in err */
	bool paused;                /* input paused for back-pressure */
	struct sql_error err;
	uint64_t rows; /* rows inserted */
};

/* A portal whose rows outlive one Execute (max_rows reached). */
struct server_portal {
	struct tr_buf rows; /* encoded rows: u32 n, then (i32 len, bytes)* */
	size_t pos;         /* next row to send */
	bool has_rows;      /* rows remain in the buffer */
	char tag[64]; /* the tag after the last rows; "": SELECT n */
};

struct server_session {
	struct tr_queue link; /* in server.sessions */
	struct server *srv;
	struct pgwire_session *pg; /* NULL once released */
	struct server_db *db;      /* NULL until open */
	char *db_name;             /* owned */
	struct cluster_client *cc; /* owned: leader connection, or NULL */
	bool cc_ready;             /* connected and OPENed */
	unsigned pending;          /* callbacks that still hold us */
	struct server_settings *settings; /* owned */
	struct tr_arena arena;            /* cycle lifetime: one Query */
	struct tr_buf vals;               /* one row's rendered values */
	enum txn_state txn;
	bool txn_ddl; /* the open transaction changed schema */
	/* The transaction block's access mode and isolation level, from
	 * BEGIN's options or SET TRANSACTION, else the defaults when it
	 * began; only meaningful inside a block (see txn_read_only). */
	bool block_read_only;
	char block_isolation[24];
	char setting_buf[32]; /* current_setting's value, being translated */
	struct sql_session_facts facts; /* current_user & co. (translate) */
	char client_addr[64];
	bool settings_read;   /* s->cur translated with the settings now */
	bool wrapped; /* autocommit DDL sent inside BEGIN ...
			 COMMIT (it may be several SQLite
			 statements) */
	bool holds_lock;
	struct server_writeq_waiter waiter;
	uv_timer_t timer; /* write-lock wait bound */
	/* Startup: the role being looked up, and how long to wait for a
	 * leader to look it up (op_auth_lookup). */
	char auth_user[64];
	uint64_t auth_deadline;
	bool timer_closed;
	/* statement_timeout of the running statement; between statements
	 * inside a transaction block, idle_in_transaction_session_timeout. */
	uv_timer_t stmt_timer;
	uint64_t activity;   /* client operations so far */
	struct server_cursor *cursors; /* DECLAREd in this transaction */
	/* The settings as they were before the open transaction's first SET:
	 * ROLLBACK restores them, COMMIT restores the SET LOCAL ones. */
	struct server_settings *settings_saved;
	char *local_names[16]; /* owned: settings SET LOCAL in it */
	unsigned n_local;
	struct server_cursor *fetching; /* of the FETCH running */
	long lock_wait_ms;   /* how long this write waits for the lock */
	uint64_t idle_since; /* @activity when the idle timer was armed */
	bool stmt_timer_closed;
	bool timed_out; /* the cancel came from statement_timeout */
	enum wait_state wait;
	bool closing; /* pgwire is done with us */
	bool is_superuser;

	/* The Query in flight. */
	bool in_query;
	struct sql_batch batch;
	unsigned next;        /* next statement to run */
	struct sql_stmt *cur; /* statement running now */
	bool described;       /* cols below are valid */
	bool catalog_retried;
	bool catalog_fresh; /* the mirror was reloaded for this statement */
	bool retranslate;   /* reloading the mirror for a type name */
	struct sql_column *cols;
	unsigned n_cols;
	struct pgwire_value *row; /* n_cols entries */
	size_t *offs;             /* n_cols offsets into vals */
	bool rowdesc_sent;
	uint64_t n_rows;
	bool cancel_requested;
	bool paused;      /* reading from the leader paused */
	bool cache_sized; /* the leader connection has the large page cache */
	const char **ddl; /* mirror reload: collected schema */
	const char **ddl_names; /* ... object names and rowids (OIDs) */
	int64_t *ddl_rowids;
	unsigned n_ddl, cap_ddl;
	/* The reload in flight (see reload_catalog, schema.c). */
	uint64_t reload_epoch;   /* server_db.epoch when it started */
	uint64_t reload_start;   /* uv_hrtime() when it was sent */
	int64_t reload_version;  /* the leader's schema_version, or -1 */
	bool reload_uncommitted; /* read inside a transaction with DDL */
	struct cluster_value reload_param;
	/* DDL of this session committed: tell the other nodes before the
	 * client hears of it (announce_ddl). */
	bool announce;
	enum { ANNOUNCE_COMPLETE, ANNOUNCE_END } announce_then;
	char announce_tag[64];
	/* ALTER TABLE by rebuild: the schema read from the leader. */
	struct sql_schema_obj *objs;
	unsigned n_objs, cap_objs;
	char *verifier; /* owned: during auth lookup only */
	/* Extended protocol. */
	enum ext_op ext;
	struct server_prepared *prep;  /* statement of the op in flight */
	struct server_portal *portal;  /* portal of the Execute in flight */
	const struct server_prepared *executing; /* its statement */
	bool ext_has_error;            /* the op failed: ext_error says why */
	struct pgwire_error ext_error; /* strings in the arena */
	const char *ext_tag;           /* CommandComplete tag to report */
	bool ext_suspended;            /* rows remain: PortalSuspended */
	const struct cluster_value *params; /* the statement's, in arena */
	unsigned n_params;
	const int16_t *formats; /* result formats, one per column */
	unsigned n_formats;
	uint32_t max_rows;  /* 0: all */
	uint32_t rows_sent; /* by this Execute */
	bool sync_follows;
	bool answered;           /* the op's answer went to pgwire already */
	struct copy_in *copy_in; /* COPY FROM in progress, or NULL */
	bool copy_out;           /* COPY TO: rows go out as CopyData */
	const char **copy_names; /* COPY FROM: resolved columns */
	uint32_t *copy_oids;
	unsigned copy_n;
	enum { KICK_STEP, KICK_END, KICK_DRAIN } kick_what;
	struct server_leader_waiter leader_waiter; /* reconnecting */
	bool leader_lost;       /* our leader connection broke: ask who leads */
	bool reconnect_retried; /* the second connect attempt is running */
	bool stmt_retried;      /* the current statement was sent again once */
	unsigned busy_retries;  /* BUSY from another gateway, this statement */
	unsigned adv_waits;     /* advisory lock retries, this statement */
	uint64_t adv_since;     /* uv_now() of the first of them */
	char kick_fatal[6];     /* deferred open failure: SQLSTATE */
	char kick_msg[256];     /* ... and its message */
	struct ret_run *ret; /* RETURNING emulation of the statement, or NULL */
	/* DROP DATABASE: the dropped database's objects are dropped over a
	 * connection of its own (@wipe), by the script built in @wipe_sql. */
	struct cluster_client *wipe;
	struct tr_buf wipe_sql;
	unsigned dropdb_local; /* DROP DATABASE: sessions of this node */
	/* A catalog query naming pg_database: the database list is read
	 * from the internal database first. */
	bool dbs_fed;
	unsigned n_dbs, cap_dbs;
	const char **db_names; /* in the arena */
	int64_t *db_oids;
	/* adv_locks: a statement took a session-level advisory lock on the
	 * leader connection; adv_lost: that connection is gone, and the
	 * session ends (advisory_lost_cb). */
	bool adv_locks, adv_lost;
};

/*
 * A DECLAREd cursor: its translated query and how many rows FETCH has
 * returned.  Each FETCH runs the query again with LIMIT and OFFSET: the
 * transaction's snapshot keeps the rows and their order stable (SQLite
 * reads one snapshot per transaction), and nothing is held in memory
 * between FETCHes.  The price is that FETCH k of n rows rescans the
 * first ones.
 */
struct server_cursor {
	struct server_cursor *next;
	struct tr_arena arena; /* the strings and columns below */
	const char *name;
	struct sql_stmt query; /* kind SQL_DECLARE: sqlite, cols, text */
	uint64_t pos;
};

static void step(struct server_session *s);
static void run_fetch(struct server_session *s, const struct sql_stmt *st);
static void copy_in_free(struct server_session *s);

static void prepared_free(struct server_prepared *p)
{
	tr_arena_close(&p->arena);
	tr_free(p);
}

static void portal_free(struct server_portal *p)
{
	tr_buf_close(&p->rows);
	tr_free(p);
}
static void maybe_free(struct server_session *s);
static void send_write(struct server_session *s);

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static char txn_status(const struct server_session *s)
{
	switch (s->txn) {
	case TXN_NONE:
		return 'I';
	case TXN_FAILED:
		return 'E';
	default:
		return 'T';
	}
}

static void send_sql_error(struct server_session *s, const struct sql_error *e)
{
	if (s->ext != EXT_NONE) {
		/* pgwire sends it with the op's completion (and then skips to
		 * Sync); the first error is the one that counts. */
		if (!s->ext_has_error) {
			s->ext_has_error = true;
			s->ext_error = (struct pgwire_error){
				.severity = "ERROR",
				.sqlstate = tr_arena_strdup(&s->arena,
							    e->sqlstate),
				.message = e->message,
				.detail = e->detail,
				.hint = e->hint,
				.context = e->context,
				.position = e->position,
				.schema = e->table != NULL ? "public" : NULL,
				.table = e->table,
				.column = e->column,
				.constraint = e->constraint,
			};
			if (s->ext_error.sqlstate == NULL) {
				s->ext_error.sqlstate = "53200";
			}
		}
		return;
	}
	struct pgwire_error pe = {
		.severity = "ERROR",
		.sqlstate = e->sqlstate,
		.message = e->message,
		.detail = e->detail,
		.hint = e->hint,
		.context = e->context,
		.position = e->position,
		.schema = e->table != NULL ? "public" : NULL,
		.table = e->table,
		.column = e->column,
		.constraint = e->constraint,
	};
	pgwire_session_send_error(s->pg, &pe);
}

/* A NOTICE or WARNING, unless client_min_messages holds it back. */
static void send_notice(struct server_session *s,
			const struct pgwire_error *pe)
{
	if (server_settings_notice_wanted(
		    s->settings, strcmp(pe->severity, "WARNING") == 0)) {
		pgwire_session_send_notice(s->pg, pe);
	}
}

static void send_warning(struct server_session *s, const char *sqlstate,
			 const char *message)
{
	struct pgwire_error pe = {
		.severity = "WARNING",
		.sqlstate = sqlstate,
		.message = message,
	};
	send_notice(s, &pe);
}

static void report_setting(void *arg, const char *name, const char *value)
{
	struct server_session *s = arg;
	pgwire_session_send_parameter(s->pg, name, value);
}

static void release_lock(struct server_session *s)
{
	if (s->holds_lock) {
		s->holds_lock = false;
		server_writeq_release(&s->db->writeq);
	}
}

/* The transaction is over (committed, rolled back or lost). */
static void cursors_free(struct server_session *s);

static void settings_txn_end(struct server_session *s, bool committed);

static void txn_ended(struct server_session *s, bool committed)
{
	cursors_free(s); /* WITHOUT HOLD: they end with the transaction */
	settings_txn_end(s, committed);
	if (s->txn_ddl && !committed && s->db != NULL) {
		server_schema_stale(s->db); /* the DDL was undone */
	}
	if (!committed) {
		s->announce = false; /* nothing changed for the others */
	}
	s->txn = TXN_NONE;
	s->txn_ddl = false;
	release_lock(s);
}

/* Drop the leader connection (broken, or the session is ending). */
static void close_cluster_cb(struct cluster_client *c, void *arg)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	s->pending--;
	maybe_free(s);
}

static void drop_cluster(struct server_session *s)
{
	if (s->cc == NULL) {
		return;
	}
	struct cluster_client *cc = s->cc;
	s->cc = NULL;
	s->cc_ready = false;
	s->cache_sized = false;
	s->paused = false;
	s->pending++;
	cluster_client_close(cc, close_cluster_cb, s);
}

/* A request of ours completed: it no longer holds the session. */
static struct server_session *landed(void *arg)
{
	struct server_session *s = arg;
	s->pending--;
	s->wait = WAIT_NONE;
	return s;
}

/*
 * Send @sql on the leader connection, completed by @cb.  Returns false,
 * with nothing pending, when the request could not even be queued (OOM or
 * a closing client).
 */
static bool request_exec(struct server_session *s, const char *sql,
			 cluster_done_cb cb)
{
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (cluster_client_exec_sql(s->cc, sql, NULL, 0, cb, s) == TR_OK) {
		return true;
	}
	s->pending--;
	s->wait = WAIT_NONE;
	return false;
}

/* ------------------------------------------------------------------ */
/* End of a Query                                                       */
/* ------------------------------------------------------------------ */

/* Copy @src (may be NULL) into @dst of @cap bytes; NULL stays NULL. */
static const char *keep(char *dst, size_t cap, const char *src)
{
	if (src == NULL) {
		return NULL;
	}
	snprintf(dst, cap, "%s", src);
	return dst;
}

#define ADV_LOST_MSG                                                      \
	"terminating connection because the cluster leader changed: the " \
	"session's advisory locks were lost"

/* The session's leader connection, and with it its advisory locks, is
 * gone (a leader change).  PostgreSQL's session keeps its locks until it
 * ends: this one ends, once idle, rather than go on without them. */
static void advisory_lost_cb(uv_timer_t *t)
{
	struct server_session *s = t->data;
	if (s->closing || s->pg == NULL) {
		return;
	}
	if (s->in_query) {
		uv_timer_start(&s->stmt_timer, advisory_lost_cb, 10, 0);
		return;
	}
	pgwire_session_terminate(s->pg, "57P01", ADV_LOST_MSG);
}

static void idle_timeout_cb(uv_timer_t *t)
{
	struct server_session *s = t->data;
	if (s->in_query || s->closing || s->activity != s->idle_since ||
	    (s->txn != TXN_EXPLICIT && s->txn != TXN_FAILED)) {
		return;
	}
	/* PostgreSQL ends the session; its transaction is rolled back as
	 * for any vanished client. */
	pgwire_session_terminate(s->pg, "25P03",
				 "terminating connection due to "
				 "idle-in-transaction timeout");
}

/* ReadyForQuery with @status: inside a transaction block ('T', 'E'), the
 * session may stay idle only idle_in_transaction_session_timeout ms. */
static void arm_idle_timer(struct server_session *s, char status)
{
	const char *v = server_settings_get(s->settings,
					    "idle_in_transaction_session_"
					    "timeout");
	long ms = v != NULL ? strtol(v, NULL, 10) : 0;
	if (ms <= 0 || (status != 'T' && status != 'E') ||
	    uv_is_closing((uv_handle_t *)&s->stmt_timer)) {
		return;
	}
	s->idle_since = s->activity;
	uv_timer_start(&s->stmt_timer, idle_timeout_cb, (uint64_t)ms, 0);
}

/* A client operation starts: no longer idle. */
static void begin_op(struct server_session *s)
{
	s->in_query = true;
	s->activity++;
	if (!uv_is_closing((uv_handle_t *)&s->stmt_timer)) {
		uv_timer_stop(&s->stmt_timer);
	}
}

static void complete(struct server_session *s, const char *tag);
static void end_query(struct server_session *s);

/* The other nodes know of our DDL (or cannot trust their mirrors any
 * longer): the client may hear of it now. */
static void announced(void *arg)
{
	struct server_session *s = landed(arg);
	if (s->announce_then == ANNOUNCE_COMPLETE) {
		complete(s, s->announce_tag);
		return;
	}
	end_query(s);
}

/*
 * DDL of this session was committed: before its CommandComplete (or the
 * ReadyForQuery ending an implicit transaction) reaches the client, every
 * other node must have marked its mirror stale or have let its lease run
 * out (schema.c), so that a statement the client sends to any node next
 * sees the new schema.  True when the session now waits for that and goes
 * on with @then (tag @tag) afterwards.
 */
static bool announce_ddl(struct server_session *s, int then, const char *tag)
{
	if (!s->announce || s->txn != TXN_NONE || s->db_name == NULL) {
		return false;
	}
	s->announce = false;
	if (s->closing) {
		/* Nobody waits for the answer: notify all the same. */
		if (server_schema_announce(s->srv, s->db_name, uv_hrtime(),
					   NULL, NULL) != TR_OK) {
			tr_warn("session",
				"cannot announce DDL: out of memory");
		}
		return false;
	}
	s->announce_then = then;
	snprintf(s->announce_tag, sizeof s->announce_tag, "%s",
		 tag != NULL ? tag : "");
	s->pending++;
	if (server_schema_announce(s->srv, s->db_name, uv_hrtime(), announced,
				   s) != TR_OK) {
		s->pending--;
		tr_warn("session", "cannot announce DDL: out of memory");
		return false;
	}
	return true;
}

/*
 * The end of a Query or of an extended-protocol operation.  pgwire may
 * start the next operation from inside the answer (pipelined messages are
 * already buffered), so every piece of state is reset first and the
 * answer, copied out of the arena, goes last.
 */
static void end_query(struct server_session *s)
{
	if (announce_ddl(s, ANNOUNCE_END, NULL)) {
		return;
	}
	enum ext_op op = s->ext;
	bool answer = !s->closing && !s->answered;
	char status = txn_status(s);
	bool has_error = s->ext_has_error;
	bool suspended = s->ext_suspended;
	char sqlstate[6] = "";
	char message[1024];
	char detail[1024];
	char hint[512];
	char context[512];
	char table[128];
	char column[128];
	char constraint[128];
	char tag[64];
	struct pgwire_error err = {
		.severity = "ERROR",
		.sqlstate = keep(sqlstate, sizeof sqlstate,
				 s->ext_error.sqlstate),
		.message = keep(message, sizeof message, s->ext_error.message),
		.detail = keep(detail, sizeof detail, s->ext_error.detail),
		.hint = keep(hint, sizeof hint, s->ext_error.hint),
		.context = keep(context, sizeof context, s->ext_error.context),
		.position = s->ext_error.position,
		.schema = s->ext_error.schema, /* static text */
		.table = keep(table, sizeof table, s->ext_error.table),
		.column = keep(column, sizeof column, s->ext_error.column),
		.constraint = keep(constraint, sizeof constraint,
				   s->ext_error.constraint),
	};
	const char *done_tag = keep(tag, sizeof tag,
				    s->ext_tag != NULL ? s->ext_tag : "");

	if (op == EXT_PREPARE && s->prep != NULL) {
		prepared_free(s->prep);
	}
	/* A connection that closed during an Execute leaves its portal
	 * state to us (pgwire frees everything else it holds). */
	if (op == EXT_EXECUTE && s->closing && s->portal != NULL) {
		portal_free(s->portal);
	}
	if (s->copy_in != NULL) {
		copy_in_free(s);
	}
	s->copy_out = false;
	s->in_query = false;
	s->cur = NULL;
	s->fetching = NULL;
	s->wait = WAIT_NONE;
	s->cancel_requested = false;
	s->timed_out = false;
	if (!uv_is_closing((uv_handle_t *)&s->stmt_timer)) {
		uv_timer_stop(&s->stmt_timer);
	}
	s->ext = EXT_NONE;
	s->prep = NULL;
	s->portal = NULL;
	s->executing = NULL;
	s->answered = false;
	s->kick_what = KICK_STEP;
	s->ext_has_error = false;
	memset(&s->ext_error, 0, sizeof s->ext_error);
	s->ext_tag = NULL;
	s->ext_suspended = false;
	s->ret = NULL;
	s->params = NULL;
	s->n_params = 0;
	s->formats = NULL;
	s->n_formats = 0;
	/* The batch and everything of this cycle live in the arena. */
	tr_arena_reset(&s->arena);
	memset(&s->batch, 0, sizeof s->batch);

	if (answer && op != EXT_EXECUTE && op != EXT_PREPARE) {
		arm_idle_timer(s, status);
	}
	if (s->adv_lost && !uv_is_closing((uv_handle_t *)&s->stmt_timer)) {
		uv_timer_start(&s->stmt_timer, advisory_lost_cb, 0, 0);
	}
	if (answer) {
		if (op == EXT_EXECUTE) {
			pgwire_session_execute_done(
				s->pg, has_error ? &err : NULL,
				has_error || suspended ? NULL : done_tag);
		} else if (op == EXT_PREPARE) {
			/* Only failures end a Parse here; success goes
			 * through finish_prepare(). */
			pgwire_session_prepare_done(s->pg, &err, NULL, 0, NULL,
						    0, NULL);
		} else {
			pgwire_session_query_done(s->pg, status);
		}
	}
	maybe_free(s);
}

static void rollback_done(struct cluster_client *c, void *arg,
			  const struct cluster_result *res)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	s->pending--;
	if (res->rc != TR_OK && res->rc != TR_ESQL) {
		drop_cluster(s);
	}
	txn_ended(s, false);
	end_query(s);
}

/*
 * The current statement failed with @e: report it and apply PostgreSQL's
 * rule for the transaction, then skip the rest of the Query.
 */
static void fail(struct server_session *s, const struct sql_error *e)
{
	const struct sql_stmt *st = s->cur;
	struct sql_error missing;
	if (st != NULL && st->missing_from != NULL &&
	    strcmp(e->sqlstate, "42703") == 0 && e->message != NULL &&
	    strstr(e->message, st->missing_from) != NULL) {
		/* "column x.id does not exist" for a table x that no FROM
		 * list names: PostgreSQL reports the missing table. */
		missing = (struct sql_error){ .position = 0 };
		sql_error_set(&missing, &s->arena, "42P01",
			      "missing FROM-clause entry for table \"%s\"",
			      st->missing_from);
		missing.position = st->missing_from_position;
		e = &missing;
	}
	if (!s->closing) {
		send_sql_error(s, e);
	}
	switch (s->txn) {
	case TXN_EXPLICIT:
		s->txn = TXN_FAILED;
		break;
	case TXN_IMPLICIT:
		/* The implicit transaction dies with its statement. */
		if (s->cc_ready) {
			if (request_exec(s, "ROLLBACK", rollback_done)) {
				return;
			}
			drop_cluster(s);
		}
		txn_ended(s, false);
		break;
	case TXN_NONE:
		release_lock(s);
		break;
	case TXN_FAILED:
		break;
	}
	end_query(s);
}

static void failf(struct server_session *s, const char *sqlstate,
		  const char *fmt, ...) TR_PRINTF(3, 4);
static void failf(struct server_session *s, const char *sqlstate,
		  const char *fmt, ...)
{
	struct sql_error e = { .position = 0 };
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sql_error_set(&e, &s->arena, sqlstate, "%s", msg);
	fail(s, &e);
}

/*
 * A request on the leader connection failed without a SQL error: the
 * connection is unusable.  Whatever transaction it carried is gone.
 */
static void cluster_lost(struct server_session *s,
			 const struct cluster_result *res, bool was_commit)
{
	bool in_txn = s->txn != TXN_NONE;
	bool writing = s->cur != NULL && s->cur->writes && !in_txn;
	tr_warn("session", "session %u: leader connection lost: %s",
		s->pg ? pgwire_session_id(s->pg) : 0, res->message);
	drop_cluster(s);
	s->leader_lost = true;
	if (s->txn != TXN_NONE) {
		txn_ended(s, false);
	}
	release_lock(s);
	if (was_commit || writing) {
		failf(s, "08007",
		      "connection to the cluster leader was lost while "
		      "committing; the transaction's outcome is unknown");
	} else if (in_txn) {
		failf(s, "40001",
		      "connection to the cluster leader was lost; the "
		      "transaction was rolled back");
	} else {
		failf(s, "08006", "connection to the cluster leader was lost");
	}
}

static void busy_retry_cb(uv_timer_t *t)
{
	struct server_session *s = t->data;
	s->pending--;
	if (s->cancel_requested) {
		failf(s, "57014", "canceling statement due to %s",
		      s->timed_out ? "statement timeout" : "user request");
		return;
	}
	step(s);
}

/*
 * The statement's pg_advisory_lock found the lock taken (advisory.c):
 * the statement changed nothing, so send it again a few milliseconds
 * later, as long as lock_timeout allows (55P03, PostgreSQL's message).
 * A cancel or statement_timeout ends the wait in busy_retry_cb.
 */
static bool wait_advisory(struct server_session *s)
{
	uint64_t now = uv_now(s->srv->loop);
	if (s->adv_waits == 0) {
		s->adv_since = now;
	}
	const char *v = server_settings_get(s->settings, "lock_timeout");
	long ms = v != NULL ? strtol(v, NULL, 10) : 0;
	uint64_t delay = s->adv_waits < 20 ? 1 + s->adv_waits : 20;
	if (ms > 0) {
		uint64_t end = s->adv_since + (uint64_t)ms;
		if (now >= end) {
			failf(s, "55P03",
			      "canceling statement due to lock timeout");
			return true;
		}
		delay = now + delay > end ? end - now : delay;
	}
	s->adv_waits++;
	if (s->txn == TXN_NONE) {
		release_lock(s);
	}
	s->pending++;
	uv_timer_start(&s->timer, busy_retry_cb, delay, 0);
	return true;
}

/*
 * Can the failed statement simply be sent again?  Only if it never ran:
 * outside a transaction, refused by a node that is no longer the leader
 * (10250, or 12 after a leadership change), or a read cut off before any
 * row went to the client; or refused with BUSY (another node's gateway is
 * writing), a bounded number of times.
 */
static bool retry_statement(struct server_session *s,
			    const struct cluster_result *res)
{
	struct sql_stmt *st = s->cur;
	if (!s->closing && st != NULL && res->rc == TR_ESQL &&
	    sql_advisory_is_wait(res->code, res->message)) {
		if (s->cancel_requested) {
			failf(s, "57014", "canceling statement due to %s",
			      s->timed_out ? "statement timeout"
					   : "user request");
			return true;
		}
		if (!s->rowdesc_sent) {
			return wait_advisory(s);
		}
	}
	if (s->closing || st == NULL || s->cancel_requested) {
		return false;
	}
	/* Plain BUSY (another node's gateway writing, or dqlite's "checkpoint
	 * in progress") means the statement did not run, and SQLite keeps an
	 * open transaction as it was, COMMIT included: send it again.
	 * BUSY_SNAPSHOT (517) is another code: a stale snapshot, 40001. */
	if (res->rc == TR_ESQL && res->code == CLUSTER_CODE_BUSY &&
	    s->busy_retries < 200) {
		/* 200 tries, 1 to 50 ms apart: about the write-lock bound. */
		s->busy_retries++;
		if (s->txn == TXN_NONE) {
			release_lock(s);
		}
		unsigned delay = s->busy_retries < 50 ? 1 + s->busy_retries
						      : 50;
		s->pending++;
		uv_timer_start(&s->timer, busy_retry_cb, delay, 0);
		return true;
	}
	if (s->txn != TXN_NONE) {
		return false; /* a lost leader took the transaction with it */
	}
	bool not_leader = res->rc == TR_ENOTLEADER ||
			  (res->rc == TR_ESQL &&
			   res->code == CLUSTER_CODE_NOTFOUND);
	bool read_cut = (res->rc == TR_EIO || res->rc == TR_ETIMEDOUT ||
			 res->rc == TR_EPROTO) &&
			st->kind == SQL_QUERY && !s->rowdesc_sent;
	if (s->stmt_retried || !(not_leader || read_cut)) {
		return false;
	}
	s->stmt_retried = true;
	drop_cluster(s);
	release_lock(s);
	s->leader_lost = true;
	step(s);
	return true;
}

/* Map a failed cluster request to the client. */
static void cluster_failed(struct server_session *s,
			   const struct cluster_result *res, bool was_commit)
{
	if ((!was_commit ||
	     (res->rc == TR_ESQL && res->code == CLUSTER_CODE_BUSY)) &&
	    retry_statement(s, res)) {
		return;
	}
	if (res->rc == TR_ESQL) {
		struct sql_error e = { .position = 0 };
		sql_error_from_sqlite(&e, &s->arena, res->code, res->message);
		/* A failed COMMIT has rolled the transaction back. */
		if (was_commit) {
			txn_ended(s, false);
		}
		fail(s, &e);
		return;
	}
	if (res->rc == TR_ECANCELED && s->cancel_requested) {
		failf(s, "57014", "canceling statement due to %s",
		      s->timed_out ? "statement timeout" : "user request");
		return;
	}
	cluster_lost(s, res, was_commit);
}

/* ------------------------------------------------------------------ */
/* Statement completion                                                 */
/* ------------------------------------------------------------------ */

static void complete(struct server_session *s, const char *tag)
{
	if (announce_ddl(s, ANNOUNCE_COMPLETE, tag)) {
		return;
	}
	if (s->ext == EXT_EXECUTE) {
		/* One statement per Execute: report its tag and stop. */
		s->ext_tag = tr_arena_strdup(&s->arena, tag);
		s->cur = NULL;
		if (s->txn == TXN_NONE) {
			release_lock(s);
		}
		end_query(s);
		return;
	}
	if (!s->closing) {
		pgwire_session_send_command_complete(s->pg, tag);
	}
	s->cur = NULL;
	step(s);
}

static void complete_counted(struct server_session *s, uint64_t n)
{
	if (s->fetching != NULL) {
		s->fetching->pos += n;
		s->fetching = NULL;
	}
	char tag[64];
	const char *verb = s->cur->tag;
	if (strcmp(verb, "INSERT") == 0) {
		snprintf(tag, sizeof tag, "INSERT 0 %llu",
			 (unsigned long long)n);
	} else {
		snprintf(tag, sizeof tag, "%s %llu", verb,
			 (unsigned long long)n);
	}
	complete(s, tag);
}

/* ------------------------------------------------------------------ */
/* Queries: describe, stream rows                                       */
/* ------------------------------------------------------------------ */

static void send_row_description(struct server_session *s, unsigned n_cols,
				 const char *const *names)
{
	struct pgwire_column *pc = tr_arena_alloc(
		&s->arena, sizeof *pc * (n_cols ? n_cols : 1));
	if (pc == NULL) {
		return;
	}
	/* Types from the mirror when it agrees with what the leader ran;
	 * otherwise every column is text. */
	bool typed = s->described && s->n_cols == n_cols;
	for (unsigned i = 0; i < n_cols; i++) {
		const struct sql_column *col = typed ? &s->cols[i] : NULL;
		pc[i] = (struct pgwire_column){
			.name = names[i],
			.table_oid = col ? col->table_oid : 0,
			.attnum = col ? col->attnum : 0,
			.type_oid = col ? col->type_oid : SQL_OID_TEXT,
			.typlen = col ? col->typlen : -1,
			.typmod = col ? sql_typmod_wire(col->type_oid,
							col->typmod)
				      : -1,
			.format = 0,
		};
	}
	pgwire_session_send_row_description(s->pg, n_cols, pc);
	if (!typed) {
		s->described = false;
	}
}

static void query_columns(struct cluster_client *c, void *arg, unsigned n_cols,
			  const char *const *names)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	if (s->rowdesc_sent || s->closing) {
		return;
	}
	s->rowdesc_sent = true;
	if (s->copy_out) {
		/* COPY TO: CopyOutResponse instead, and the header line. */
		if (!s->described || s->n_cols != n_cols) {
			s->described = false;
		}
		pgwire_session_copy_out_start(s->pg, false, n_cols);
		if (s->cur->copy->header) {
			tr_buf_reset(&s->vals);
			sql_copy_format_header(s->cur->copy, n_cols, names,
					       &s->vals);
			if (tr_buf_err(&s->vals) == TR_OK) {
				pgwire_session_send_copy_data(
					s->pg, s->vals.data, s->vals.len);
			}
		}
	} else if (s->ext != EXT_EXECUTE) {
		/* In the extended protocol Describe sent it, before Execute. */
		send_row_description(s, n_cols, names);
	}
	s->row = tr_arena_alloc(&s->arena, sizeof *s->row * (n_cols + 1));
	s->offs = tr_arena_alloc(&s->arena, sizeof *s->offs * (n_cols + 1));
	s->n_cols = n_cols;
}

static void to_sql_value(const struct cluster_value *cv, struct sql_value *v)
{
	memset(v, 0, sizeof *v);
	switch (cv->type) {
	case CLUSTER_INTEGER:
	case CLUSTER_UNIXTIME:
		v->type = SQL_VALUE_INTEGER;
		v->integer = cv->integer;
		break;
	case CLUSTER_BOOLEAN:
		v->type = SQL_VALUE_INTEGER;
		v->integer = cv->boolean != 0;
		break;
	case CLUSTER_FLOAT:
		v->type = SQL_VALUE_FLOAT;
		v->real = cv->real;
		break;
	case CLUSTER_TEXT:
	case CLUSTER_ISO8601:
		v->type = SQL_VALUE_TEXT;
		v->p = cv->text.p;
		v->len = cv->text.len;
		break;
	case CLUSTER_BLOB:
		v->type = SQL_VALUE_BLOB;
		v->p = cv->blob.p;
		v->len = cv->blob.len;
		break;
	default:
		v->type = SQL_VALUE_NULL;
		break;
	}
}

static void to_sql_value(const struct cluster_value *cv, struct sql_value *v);

/* COPY TO: one row as a text or CSV line in a CopyData message. */
static int copy_out_row(struct server_session *s, unsigned n,
			const struct cluster_value *vals)
{
	struct sql_value *v = tr_arena_alloc(&s->arena, sizeof *v * n);
	uint32_t *oids = tr_arena_alloc(&s->arena, sizeof *oids * n);
	if (v == NULL || oids == NULL) {
		return TR_ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		to_sql_value(&vals[i], &v[i]);
		oids[i] = s->described ? s->cols[i].type_oid : SQL_OID_TEXT;
	}
	tr_buf_reset(&s->vals);
	sql_copy_format_row(s->cur->copy, n, oids, v, &s->vals);
	if (tr_buf_err(&s->vals) != TR_OK) {
		return tr_buf_err(&s->vals);
	}
	pgwire_session_send_copy_data(s->pg, s->vals.data, s->vals.len);
	s->n_rows++;
	/* The arena would grow with every row: these two are small, but a
	 * big COPY has many rows; give them back at once. */
	return TR_OK;
}

/* Append the current row (s->row) to the portal's buffer. */
static int portal_keep_row(struct server_session *s, unsigned n_cols)
{
	struct server_portal *p = s->portal;
	if (p == NULL) {
		return TR_EINTERNAL;
	}
	tr_buf_put_be32(&p->rows, n_cols);
	for (unsigned i = 0; i < n_cols; i++) {
		tr_buf_put_be32(&p->rows, (uint32_t)s->row[i].len);
		if (s->row[i].len > 0) {
			tr_buf_put(&p->rows, s->row[i].p,
				   (size_t)s->row[i].len);
		}
	}
	p->has_rows = true;
	return tr_buf_err(&p->rows);
}

/* pg_advisory_unlock found no lock of the session's to release: the
 * statement's row says so where its translation noted such a call
 * (sql_stmt.unlock_cols), and PostgreSQL warns. */
static void unlock_warnings(struct server_session *s, unsigned n_cols,
			    const struct cluster_value *vals)
{
	const struct sql_stmt *st = s->cur;
	if (st == NULL || (st->unlock_cols[0] | st->unlock_cols[1]) == 0) {
		return;
	}
	for (unsigned i = 0; i < n_cols && i < 32; i++) {
		for (int m = 0; m < 2; m++) {
			if ((st->unlock_cols[m] >> i & 1) != 0 &&
			    vals[i].type == CLUSTER_INTEGER &&
			    vals[i].integer == 0) {
				send_warning(s, "01000",
					     m == 0 ? "you don't own a lock of "
						      "type ExclusiveLock"
						    : "you don't own a lock of "
						      "type ShareLock");
			}
		}
	}
}

static int query_row(struct cluster_client *c, void *arg, unsigned n_cols,
		     const struct cluster_value *vals)
{
	struct server_session *s = arg;
	if (s->closing) {
		return TR_ECANCELED;
	}
	if (s->cancel_requested) {
		return TR_ECANCELED;
	}
	if (s->row == NULL || s->offs == NULL || n_cols != s->n_cols) {
		return TR_ENOMEM;
	}
	if (s->copy_out) {
		return copy_out_row(s, n_cols, vals);
	}
	tr_buf_reset(&s->vals);
	for (unsigned i = 0; i < n_cols; i++) {
		struct sql_value v;
		uint32_t oid = s->described ? s->cols[i].type_oid
					    : SQL_OID_TEXT;
		bool binary = s->formats != NULL && i < s->n_formats &&
			      s->formats[i] == 1;
		to_sql_value(&vals[i], &v);
		s->offs[i] = s->vals.len;
		/* The typmod gives a numeric's (or numeric array's
		 * elements') display scale (numeric.c). */
		int32_t tm = s->described ? s->cols[i].typmod : -1;
		bool present = binary ? sql_format_binary_mod(oid, tm, &v,
							      &s->vals)
				      : sql_format_text_mod(oid, tm, &v,
							    &s->vals);
		s->row[i].len = present ? (int32_t)(s->vals.len - s->offs[i])
					: -1;
	}
	if (tr_buf_err(&s->vals) != TR_OK) {
		return tr_buf_err(&s->vals);
	}
	/* Point into the buffer only now: it may have moved while growing. */
	for (unsigned i = 0; i < n_cols; i++) {
		s->row[i].p = s->vals.data + s->offs[i];
	}
	s->n_rows++;
	unlock_warnings(s, n_cols, vals);
	if (s->ext == EXT_EXECUTE && s->max_rows > 0 &&
	    s->rows_sent >= s->max_rows) {
		/* Past the Execute's row limit: kept for the next Execute of
		 * the portal. */
		return portal_keep_row(s, n_cols);
	}
	pgwire_session_send_data_row(s->pg, n_cols, s->row);
	s->rows_sent++;
	/* Back-pressure on our own connection only: the system connection
	 * (cluster views) is shared, and those results are small. */
	if (!s->paused && c == s->cc && pgwire_session_is_congested(s->pg)) {
		s->paused = true;
		cluster_client_pause(s->cc);
	}
	return TR_OK;
}

static void query_done(struct cluster_client *c, void *arg,
		       const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (s->paused && s->cc != NULL) {
		cluster_client_resume(s->cc);
	}
	s->paused = false;
	if (res->rc != TR_OK) {
		cluster_failed(s, res, false);
		return;
	}
	if (s->copy_out) {
		s->copy_out = false;
		pgwire_session_copy_out_done(s->pg);
		complete_counted(s, s->n_rows);
		return;
	}
	if (s->ext == EXT_EXECUTE && s->portal != NULL && s->portal->has_rows) {
		s->ext_suspended = true;
		s->cur = NULL;
		end_query(s);
		return;
	}
	complete_counted(s, s->ext == EXT_EXECUTE ? s->rows_sent : s->n_rows);
}

static void run_query(struct server_session *s)
{
	s->n_rows = 0;
	s->rowdesc_sent = false;
	s->row = NULL;
	s->offs = NULL;
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (cluster_client_query_sql(s->cc, s->cur->sqlite, s->params,
				     s->n_params, query_columns, query_row,
				     query_done, s) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "53200", "out of memory");
	}
}

/* Mirror reload: read the leader's schema, then describe again. */
static int reload_row(struct cluster_client *c, void *arg, unsigned n_cols,
		      const struct cluster_value *vals)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	if (n_cols != 4) {
		return TR_OK;
	}
	if (vals[3].type == CLUSTER_INTEGER) {
		s->reload_version = vals[3].integer;
	}
	if (vals[0].type != CLUSTER_TEXT || vals[1].type != CLUSTER_TEXT ||
	    vals[2].type != CLUSTER_INTEGER) {
		return TR_OK; /* the schema is unchanged: no object rows */
	}
	if (s->n_ddl == s->cap_ddl) {
		unsigned cap = s->cap_ddl ? s->cap_ddl * 2 : 32;
		const char **d = tr_arena_alloc(&s->arena, sizeof *d * cap);
		const char **nm = tr_arena_alloc(&s->arena, sizeof *nm * cap);
		int64_t *ids = tr_arena_alloc(&s->arena, sizeof *ids * cap);
		if (d == NULL || nm == NULL || ids == NULL) {
			return TR_ENOMEM;
		}
		if (s->n_ddl > 0) {
			memcpy(d, s->ddl, sizeof *d * s->n_ddl);
			memcpy(nm, s->ddl_names, sizeof *nm * s->n_ddl);
			memcpy(ids, s->ddl_rowids, sizeof *ids * s->n_ddl);
		}
		s->ddl = d;
		s->ddl_names = nm;
		s->ddl_rowids = ids;
		s->cap_ddl = cap;
	}
	const char *sql = tr_arena_strndup(&s->arena, vals[0].text.p,
					   vals[0].text.len);
	const char *name = tr_arena_strndup(&s->arena, vals[1].text.p,
					    vals[1].text.len);
	if (sql == NULL || name == NULL) {
		return TR_ENOMEM;
	}
	s->ddl[s->n_ddl] = sql;
	s->ddl_names[s->n_ddl] = name;
	s->ddl_rowids[s->n_ddl] = vals[2].integer;
	s->n_ddl++;
	return TR_OK;
}

static void describe_and_run(struct server_session *s);
static void finish_prepare(struct server_session *s);
static void copy_resolve(struct server_session *s);
static void copy_begin(struct server_session *s);

static int parse_cached(struct server_session *s, struct tr_arena *a,
			const char *sql, struct sql_batch *out,
			struct sql_error *err);

/*
 * The current statement named a type the mirror did not know (an enum
 * type made since it was loaded): translate it again now that the mirror
 * is reloaded, in the arena it lives in, and go on with it (failed or
 * not: it is not retried twice).
 */
/* Translate @st again from its text, in place (its text and position
 * kept; @a: the arena it lives in).  TR_OK with *@done when it took the
 * new translation; TR_ENOMEM. */
static int translate_again(struct server_session *s, struct tr_arena *a,
			   struct sql_stmt *st, bool *done)
{
	struct sql_batch b;
	struct sql_error err = { .position = 0 };
	*done = false;
	int rv = parse_cached(s, a, st->text, &b, &err);
	if (rv == TR_ENOMEM) {
		return rv;
	}
	if (rv == TR_OK && b.n_stmts == 1) {
		int location = st->location;
		*st = b.stmts[0];
		st->location = location;
		*done = true;
	}
	return TR_OK;
}

static void retranslate(struct server_session *s)
{
	struct sql_stmt *st = s->cur;
	bool prep = s->ext == EXT_PREPARE && s->prep != NULL;
	bool done;
	s->retranslate = false;
	if (translate_again(s, prep ? &s->prep->arena : &s->arena, st, &done) !=
	    TR_OK) {
		failf(s, "53200", "out of memory");
		return;
	}
	if (done && prep) {
		s->prep->version = sql_catalog_version(s->db->catalog);
	}
	st->needs_schema = false;
	st->schema_miss = false;
	step(s);
}

static void reload_done(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		cluster_failed(s, res, false);
		return;
	}
	struct server_db *db = s->db;
	bool unchanged = s->reload_version >= 0 && db->version_known &&
			 s->reload_version == db->schema_version &&
			 !s->reload_uncommitted;
	bool loaded = unchanged;
	if (!unchanged &&
	    sql_catalog_load_ex(db->catalog, s->n_ddl, s->ddl, s->ddl_names,
				s->ddl_rowids) == TR_OK) {
		loaded = true;
		db->schema_version = s->reload_version;
		/* What a transaction made is not the cluster's schema: the
		 * next reload reads everything again. */
		db->version_known = s->reload_version >= 0 &&
				    !s->reload_uncommitted;
	}
	if (loaded) {
		db->catalog_loaded = true;
		/* A notice or DDL since the read started: the read may
		 * predate that DDL, so it grants no lease (the next
		 * statement checks again). */
		db->verified_until = db->epoch == s->reload_epoch &&
						     !s->reload_uncommitted
					     ? s->reload_start +
						       SERVER_SCHEMA_LEASE_MS *
							       1000000ull
					     : 0;
	}
	if (s->closing) {
		end_query(s);
		return;
	}
	if (s->retranslate) {
		retranslate(s);
		return;
	}
	describe_and_run(s);
}

/*
 * The leader's schema version and, only if it is not ?1 (the version the
 * mirror was read at, -1 if none), the schema: one row of NULLs and the
 * version when nothing changed.  One statement, so both come from the
 * same snapshot.
 */
#define SCHEMA_SQL                                                           \
	"SELECT m.sql, m.name, m.rowid, v.schema_version FROM "              \
	"pragma_schema_version AS v LEFT JOIN sqlite_master AS m ON "        \
	"v.schema_version <> ? AND m.sql IS NOT NULL AND m.name NOT LIKE "   \
	"'sqlite\\_%' ESCAPE '\\' ORDER BY CASE m.type WHEN 'table' THEN 0 " \
	"WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, m.rowid"

static void reload_closed(struct cluster_client *c, void *arg)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	s->pending--;
	maybe_free(s);
}

/* The schema read on a connection of its own finished. */
static void reload_side_done(struct cluster_client *c, void *arg,
			     const struct cluster_result *res)
{
	struct server_session *s = arg;
	s->pending++; /* the close below */
	cluster_client_close(c, reload_closed, s);
	if (res->rc != TR_OK) {
		struct server_session *l = landed(arg);
		failf(l, "57P03", "could not read the schema: %s",
		      res->message ? res->message : "error");
		return;
	}
	reload_done(NULL, arg, res);
}

static void reload_side_opened(struct cluster_client *c, void *arg,
			       const struct cluster_result *res)
{
	struct server_session *s = arg;
	if (res->rc != TR_OK ||
	    cluster_client_query_sql(c, SCHEMA_SQL, &s->reload_param, 1, NULL,
				     reload_row, reload_side_done,
				     arg) != TR_OK) {
		struct cluster_result failed = {
			.rc = res->rc != TR_OK ? res->rc : TR_ENOMEM,
			.message = res->message,
		};
		reload_side_done(c, arg, &failed);
	}
}

static void reload_side_connected(struct cluster_client *c, void *arg,
				  const struct cluster_result *res)
{
	struct server_session *s = arg;
	if (res->rc != TR_OK ||
	    cluster_client_open(c, s->db_name, reload_side_opened, s) !=
		    TR_OK) {
		struct cluster_result failed = {
			.rc = res->rc != TR_OK ? res->rc : TR_ENOMEM,
			.message = res->message,
		};
		reload_side_done(c, arg, &failed);
	}
}

/*
 * Read the leader's schema into the mirror.  Never inside the client's
 * open transaction: that read would start the transaction's snapshot
 * early, and a later write of the transaction would then fail against
 * any commit in between (BUSY_SNAPSHOT, 40001).  So inside a transaction
 * the read goes over a short-lived connection of its own, unless the
 * transaction changed the schema: it has written already (no snapshot to
 * start early), and only its own connection sees what it made (CREATE
 * TYPE then a table of the type in one batch).
 */
static void reload_catalog(struct server_session *s)
{
	s->n_ddl = 0;
	s->cap_ddl = 0;
	s->ddl = NULL;
	s->reload_epoch = s->db->epoch;
	s->reload_start = uv_hrtime();
	s->reload_version = -1;
	s->reload_uncommitted = s->txn != TXN_NONE && s->txn_ddl;
	s->reload_param = (struct cluster_value){
		.type = CLUSTER_INTEGER,
		.integer = s->db->version_known && !s->reload_uncommitted
				   ? s->db->schema_version
				   : -1,
	};
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (s->txn == TXN_NONE || s->txn_ddl) {
		if (cluster_client_query_sql(
			    s->cc, SCHEMA_SQL, &s->reload_param, 1, NULL,
			    reload_row, reload_done, s) != TR_OK) {
			s->pending--;
			s->wait = WAIT_NONE;
			failf(s, "53200", "out of memory");
		}
		return;
	}
	struct cluster_client_config cfg = { .tls = s->srv->node_client_ctx };
	struct cluster_client *side;
	if (cluster_client_new(s->srv->loop, &cfg, &side) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "53200", "out of memory");
		return;
	}
	if (cluster_client_connect(side, server_leader_address(s->srv),
				   reload_side_connected, s) != TR_OK) {
		s->pending++;
		cluster_client_close(side, reload_closed, s);
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "57P03", "could not reach the cluster leader");
	}
}

static void run_catalog_query(struct server_session *s);
static void run_write(struct server_session *s);

/* A prepared query's result as the client was told it at Parse. */
static bool same_result(const struct server_prepared *p, unsigned n,
			const struct sql_column *cols)
{
	if (!p->has_result) {
		return true;
	}
	if (n != p->n_result) {
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t oid = cols[i].type_oid == 0 ? SQL_OID_TEXT
						     : cols[i].type_oid;
		if (oid != p->result_oids[i]) {
			return false;
		}
	}
	return true;
}

static void describe_and_run(struct server_session *s)
{
	struct sql_error err = { .position = 0 };
	if (!s->db->catalog_loaded) {
		s->catalog_fresh = true;
		reload_catalog(s);
		return;
	}
	if (s->cur->catalog && !s->catalog_fresh &&
	    (s->txn == TXN_NONE || s->ext == EXT_PREPARE)) {
		/* Catalog statements answer from the mirror: bring it up to
		 * the leader's schema first (another node may have changed
		 * it); an unchanged schema is not rebuilt.  Inside a
		 * transaction only at Parse: that read needs a connection of
		 * its own. */
		s->catalog_fresh = true;
		reload_catalog(s);
		return;
	}
	if (s->cur->kind == SQL_COPY_FROM) {
		copy_resolve(s);
		return;
	}
	if (s->ext == EXT_PREPARE && s->cur->kind != SQL_QUERY) {
		/* A write: only its parameters need the mirror. */
		s->described = false;
		finish_prepare(s);
		return;
	}
	int rv = sql_catalog_describe(s->db->catalog, s->cur, &s->arena,
				      &s->cols, &s->n_cols, &err);
	if (rv == TR_ENOTFOUND && !s->catalog_retried) {
		/* The mirror may be behind the leader: reload once. */
		s->catalog_retried = true;
		reload_catalog(s);
		return;
	}
	if (s->ext == EXT_PREPARE && rv == TR_ENOTFOUND) {
		/* The mirror, just read from the leader, lacks a table or
		 * column: PostgreSQL reports that at Parse (42P01/42703). */
		fail(s, &err);
		return;
	}
	if (s->cur->catalog && rv != TR_OK) {
		/* Nobody else can judge a catalog statement. */
		fail(s, &err);
		return;
	}
	/* Otherwise let the leader judge the statement; its error is the
	 * authoritative one, and its columns are typed as text. */
	s->described = rv == TR_OK;
	if (s->described && s->ext == EXT_EXECUTE && s->executing != NULL &&
	    !same_result(s->executing, s->n_cols, s->cols)) {
		failf(s, "0A000", "cached plan must not change result type");
		return;
	}
	if (s->ext == EXT_PREPARE) {
		finish_prepare(s);
		return;
	}
	if (s->cur->catalog) {
		run_catalog_query(s);
		return;
	}
	if (s->cur->returning != NULL) {
		run_write(s); /* described: now the emulation */
		return;
	}
	run_query(s);
}

/* ------------------------------------------------------------------ */
/* Writes and transaction control                                       */
/* ------------------------------------------------------------------ */

static void exec_done(struct cluster_client *c, void *arg,
		      const struct cluster_result *res)
{
	struct server_session *s = arg;
	struct sql_stmt *st = s->cur;
	TR_UNUSED(c);
	s->pending--;
	s->wait = WAIT_NONE;
	bool was_commit = st->kind == SQL_COMMIT;
	if (res->rc == TR_ESQL && s->wrapped) {
		/* Part of the wrapped DDL may have run: the error path rolls
		 * back the transaction the wrapper opened. */
		s->txn = TXN_IMPLICIT;
	}
	s->wrapped = false;
	if (res->rc != TR_OK) {
		/* COMMIT/ROLLBACK with nothing open on the leader (SQLite
		 * already rolled back after an error) is no error for us. */
		if (res->rc == TR_ESQL && st->kind == SQL_ROLLBACK &&
		    res->message != NULL &&
		    strstr(res->message, "no transaction is active")) {
			txn_ended(s, false);
			complete(s, "ROLLBACK");
			return;
		}
		cluster_failed(s, res, was_commit);
		return;
	}
	if (st->ddl) {
		server_schema_stale(s->db);
		s->announce = true; /* once committed: announce_ddl */
		if (s->txn != TXN_NONE) {
			s->txn_ddl = true;
		}
	}
	switch (st->kind) {
	case SQL_BEGIN:
		s->txn = TXN_EXPLICIT;
		complete(s, st->tag); /* BEGIN or START TRANSACTION */
		return;
	case SQL_COMMIT:
		txn_ended(s, true);
		complete(s, "COMMIT");
		return;
	case SQL_ROLLBACK:
		txn_ended(s, false);
		complete(s, "ROLLBACK");
		return;
	case SQL_ROLLBACK_TO:
		if (s->txn == TXN_FAILED) {
			s->txn = TXN_EXPLICIT;
		}
		complete(s, "ROLLBACK");
		return;
	default:
		break;
	}
	if (s->txn == TXN_NONE) {
		release_lock(s); /* autocommit: the write is committed */
	}
	if (st->counted) {
		complete_counted(s, res->rows_affected);
	} else {
		complete(s, st->tag);
	}
}

static void send_exec(struct server_session *s, const char *sql)
{
	/* Parameters belong to the statement itself, not to the BEGIN,
	 * COMMIT or ROLLBACK sent around it. */
	bool own = s->cur != NULL && sql == s->cur->sqlite && s->n_params > 0;
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (cluster_client_exec_sql(s->cc, sql, own ? s->params : NULL,
				    own ? s->n_params : 0, exec_done,
				    s) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "53200", "out of memory");
	}
}

static void timer_close_cb(uv_handle_t *h)
{
	struct server_session *s = h->data;
	if (h == (uv_handle_t *)&s->timer) {
		s->timer_closed = true;
	} else {
		s->stmt_timer_closed = true;
	}
	maybe_free(s);
}

static void lock_granted(struct server_writeq_waiter *w)
{
	struct server_session *s =
		(struct server_session *)((char *)w -
					  offsetof(struct server_session,
						   waiter));
	uv_timer_stop(&s->timer);
	s->holds_lock = true;
	s->wait = WAIT_NONE;
	if (s->closing) {
		release_lock(s);
		end_query(s);
		return;
	}
	send_write(s);
}

static void lock_timeout(uv_timer_t *t)
{
	struct server_session *s = t->data;
	if (s->wait != WAIT_LOCK) {
		return;
	}
	server_writeq_cancel(&s->waiter);
	s->wait = WAIT_NONE;
	if (s->lock_wait_ms < WRITE_WAIT_MS) {
		failf(s, "55P03", "canceling statement due to lock timeout");
		return;
	}
	failf(s, "40001",
	      "could not obtain the write lock of database \"%s\" within %d "
	      "ms",
	      s->db_name, WRITE_WAIT_MS);
}

static void send_ddl(struct server_session *s, const char *sql);

/* ALTER TABLE by rebuild, first step: one row of the schema. */
static int rebuild_row(struct cluster_client *c, void *arg, unsigned n_cols,
		       const struct cluster_value *vals)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	if (n_cols != 4) {
		return TR_OK;
	}
	for (unsigned i = 0; i < 4; i++) {
		if (vals[i].type != CLUSTER_TEXT) {
			return TR_OK;
		}
	}
	if (s->n_objs == s->cap_objs) {
		unsigned cap = s->cap_objs ? s->cap_objs * 2 : 32;
		struct sql_schema_obj *o = tr_arena_alloc(&s->arena,
							  sizeof *o * cap);
		if (o == NULL) {
			return TR_ENOMEM;
		}
		if (s->n_objs > 0) {
			memcpy(o, s->objs, sizeof *o * s->n_objs);
		}
		s->objs = o;
		s->cap_objs = cap;
	}
	const char *f[4];
	for (unsigned i = 0; i < 4; i++) {
		f[i] = tr_arena_strndup(&s->arena, vals[i].text.p,
					vals[i].text.len);
		if (f[i] == NULL) {
			return TR_ENOMEM;
		}
	}
	s->objs[s->n_objs++] = (struct sql_schema_obj){ .type = f[0],
							.name = f[1],
							.tbl_name = f[2],
							.sql = f[3] };
	return TR_OK;
}

/* Second step: the schema is read; build and send the script. */
static void rebuild_read(struct cluster_client *c, void *arg,
			 const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		cluster_failed(s, res, false);
		return;
	}
	const char *script;
	const struct sql_notice *notices;
	struct sql_error err = { .position = 0 };
	int rv = sql_rebuild_script(&s->arena, s->cur->rebuild, s->n_objs,
				    s->objs, &script, &notices, &err);
	if (rv == TR_ESQL) {
		fail(s, &err);
		return;
	}
	if (rv != TR_OK) {
		failf(s, "53200", "out of memory");
		return;
	}
	/* DROP ... CASCADE, IF EXISTS: PostgreSQL's NOTICEs. */
	for (const struct sql_notice *n = notices; n != NULL; n = n->next) {
		struct pgwire_error pe = {
			.severity = "NOTICE",
			.sqlstate = n->sqlstate != NULL ? n->sqlstate : "00000",
			.message = n->message,
			.detail = n->detail,
		};
		send_notice(s, &pe);
	}
	send_ddl(s, script);
}

#define REBUILD_SCHEMA_SQL                                                  \
	"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS " \
	"NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"

/*
 * ALTER TABLE by rebuild (sql/rebuild.c).  The schema is read on the
 * session's own connection, under the write lock, so it includes what
 * the open transaction itself created and cannot change before the
 * script runs.
 */
static void start_rebuild(struct server_session *s)
{
	s->objs = NULL;
	s->n_objs = s->cap_objs = 0;
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (cluster_client_query_sql(s->cc, REBUILD_SCHEMA_SQL, NULL, 0, NULL,
				     rebuild_row, rebuild_read, s) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "53200", "out of memory");
	}
}

/*
 * Send DDL.  In autocommit mode it goes inside BEGIN ... COMMIT: its
 * translation may be several SQLite statements (DROP TABLE a, b; a table
 * rebuild), and PostgreSQL runs it all or nothing.
 */
static void send_ddl(struct server_session *s, const char *sql)
{
	if (s->txn == TXN_NONE) {
		sql = tr_arena_printf(&s->arena, "BEGIN; %s; COMMIT", sql);
		if (sql == NULL) {
			failf(s, "53200", "out of memory");
			return;
		}
		s->wrapped = true;
	}
	send_exec(s, sql);
}

/* ------------------------------------------------------------------ */
/* INSERT/UPDATE/DELETE ... RETURNING                                   */
/* ------------------------------------------------------------------ */

/*
 * The plan of sql/returning.c, step by step, on the session's leader
 * connection, under the write lock and inside one transaction (BEGIN ...
 * COMMIT of our own in autocommit; the client's otherwise):
 *
 *   [BEGIN] -> INSERT: one EXEC per row ([source QUERY first]) | UPDATE,
 *   DELETE: collect QUERY, write EXEC -> [fetch QUERY] -> [COMMIT]
 *   -> RowDescription (simple protocol), DataRows, tag
 *
 * A statement with data-modifying WITH queries (SQL_RETURNING_WITH) runs
 * in stages, all in the same transaction: prep EXEC (the holding table),
 * then each WITH query's plan in capture mode (its RETURNING rows are
 * stored on the leader by EXECs, none come back), then the main
 * statement (its own RETURNING plan, the SELECT as a QUERY whose rows are
 * held, or an EXEC whose count is the tag's), then cleanup EXEC.  Each
 * stage is checked as its plan is (ret_check) before the next begins.
 *
 * Rows are rendered when they arrive (types from Describe) but held until
 * the write is done, as PostgreSQL runs a RETURNING statement to
 * completion before the first row goes out: an error never follows rows.
 * The RETURNING-free texts are checked once more before each send.
 *
 * Failures: an error rolls our own transaction back (s->txn is
 * TXN_IMPLICIT while it is open, so fail() sends ROLLBACK), or fails the
 * client's.  BUSY is retried by re-entering the statement, which resumes
 * at the step that got it (s->ret survives until the statement ends).
 */
enum ret_phase {
	RET_BEGIN,
	RET_PREP,    /* SELECT calling nextval(): the holding table */
	RET_SOURCE,  /* INSERT ... SELECT: read the source rows */
	RET_ROWS,    /* INSERT: one row at a time */
	RET_COLLECT, /* UPDATE/DELETE: the target rowids */
	RET_WRITE,   /* UPDATE/DELETE of the collected rowids */
	RET_FETCH,   /* INSERT/UPDATE: the rows after the write */
	RET_CLEANUP, /* SELECT calling nextval(): empty the holding table */
	RET_COMMIT,
	RET_DONE,
};

/* A rendered row, held until the statement is done. */
struct ret_row {
	struct ret_row *next;
	unsigned n;
	struct pgwire_value vals[];
};

struct ret_run {
	const struct sql_stmt *stmt;
	const struct sql_returning *plan;
	enum ret_phase phase;
	bool wrapped;  /* the transaction is ours */
	unsigned next; /* next row to insert */
	int64_t *ids;  /* rowids, in order */
	unsigned n_ids, cap_ids;
	struct cluster_value **src; /* INSERT ... SELECT: source rows */
	unsigned n_src, cap_src, src_width;
	struct ret_row *rows, **tail;
	unsigned n_rows;
	const char **names; /* result column names, from the leader */
	unsigned n_names;
	uint64_t affected;
	/* SQL_RETURNING_WITH: the whole plan, the stage (0 prep, 1..n_subs
	 * the WITH queries, n_subs + 1 the main statement, then cleanup),
	 * and the rows a capture step stored. */
	const struct sql_returning *top;
	unsigned stage;
	uint64_t captured;
};

static void ret_next(struct server_session *s);
static void ret_stage(struct server_session *s);

/* The first step inside the transaction. */
static enum ret_phase ret_first(const struct sql_returning *p)
{
	switch (p->kind) {
	case SQL_RETURNING_SELECT:
	case SQL_RETURNING_WITH:
		return RET_PREP;
	case SQL_RETURNING_INSERT:
		return p->source.sql != NULL ? RET_SOURCE : RET_ROWS;
	default:
		return RET_COLLECT;
	}
}

/*
 * SQL_RETURNING_WITH: on to the next stage, with the per-plan state of
 * the last one dropped (the held rows and the main's count stay).
 */
static void ret_stage(struct server_session *s)
{
	struct ret_run *r = s->ret;
	const struct sql_returning *top = r->top;
	r->stage++;
	r->next = 0;
	r->n_ids = 0;
	r->n_src = 0;
	r->src_width = 0;
	r->captured = 0;
	if (r->stage <= top->n_subs) {
		r->affected = 0;
		r->plan = &top->subs[r->stage - 1];
		r->phase = ret_first(r->plan);
	} else if (r->stage == top->n_subs + 1) {
		r->affected = 0;
		r->plan = top->main != NULL ? top->main : top;
		r->phase = top->main != NULL        ? ret_first(top->main)
			   : top->fetch.sql != NULL ? RET_FETCH
						    : RET_WRITE;
	} else {
		r->plan = top;
		r->phase = RET_CLEANUP;
	}
}

/* Grow the arena array @*p of @cap elements of @size to hold one more. */
static bool ret_grow(struct server_session *s, void **p, unsigned n,
		     unsigned *cap, size_t size)
{
	if (n < *cap) {
		return true;
	}
	unsigned c = *cap ? *cap * 2 : 16;
	void *q = tr_arena_alloc(&s->arena, size * c);
	if (q == NULL) {
		return false;
	}
	if (n > 0) {
		memcpy(q, *p, size * n);
	}
	*p = q;
	*cap = c;
	return true;
}

static bool ret_add_id(struct server_session *s, int64_t id)
{
	struct ret_run *r = s->ret;
	if (!ret_grow(s, (void **)&r->ids, r->n_ids, &r->cap_ids,
		      sizeof *r->ids)) {
		return false;
	}
	r->ids[r->n_ids++] = id;
	return true;
}

/* The key parameter: the rowids as a JSON array. */
static const char *ret_key(struct server_session *s)
{
	struct ret_run *r = s->ret;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_u8(&b, '[');
	for (unsigned i = 0; i < r->n_ids; i++) {
		tr_buf_printf(&b, i > 0 ? ",%lld" : "%lld",
			      (long long)r->ids[i]);
	}
	tr_buf_put_u8(&b, ']');
	const char *key = tr_buf_err(&b) == TR_OK
				  ? tr_arena_strndup(&s->arena,
						     (const char *)b.data,
						     b.len)
				  : NULL;
	tr_buf_close(&b);
	return key;
}

/*
 * The values a step binds: the statement's parameters $1..$n (NULL for
 * any the client did not send), then @n_extra values from @extra, or the
 * key when @step->key is set.
 */
static struct cluster_value *ret_params(struct server_session *s, unsigned n,
					const struct sql_ret_step *step,
					const struct cluster_value *extra,
					unsigned n_extra, unsigned *count)
{
	const char *key = NULL;
	if (step != NULL && step->key != 0) {
		key = ret_key(s);
		if (key == NULL) {
			return NULL;
		}
		n_extra = 1;
	}
	*count = n + n_extra;
	struct cluster_value *v = tr_arena_alloc(
		&s->arena, sizeof *v * (*count ? *count : 1));
	if (v == NULL) {
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		if (i < s->n_params) {
			v[i] = s->params[i];
		} else {
			memset(&v[i], 0, sizeof v[i]);
			v[i].type = CLUSTER_NULL;
		}
	}
	if (key != NULL) {
		memset(&v[n], 0, sizeof v[n]);
		v[n].type = CLUSTER_TEXT;
		v[n].text.p = key;
		v[n].text.len = strlen(key);
	} else {
		for (unsigned i = 0; i < n_extra; i++) {
			v[n + i] = extra[i];
		}
	}
	return v;
}

/* The result's column names (for RowDescription), from the leader. */
static void ret_columns(struct cluster_client *c, void *arg, unsigned n_cols,
			const char *const *names)
{
	struct server_session *s = arg;
	struct ret_run *r = s->ret;
	TR_UNUSED(c);
	bool del = r->plan->kind == SQL_RETURNING_DELETE;
	unsigned skip = del ? 1 : 0;
	/* Only the step whose rows are the result (not a source or the
	 * rowids of an UPDATE). */
	if (r->phase != (del ? RET_COLLECT : RET_FETCH) || r->names != NULL ||
	    n_cols < skip) {
		return;
	}
	const char **copy = tr_arena_alloc(&s->arena,
					   sizeof *copy * (n_cols + 1));
	if (copy == NULL) {
		return;
	}
	for (unsigned i = skip; i < n_cols; i++) {
		copy[i - skip] = tr_arena_strdup(&s->arena, names[i]);
		if (copy[i - skip] == NULL) {
			return;
		}
	}
	r->names = copy;
	r->n_names = n_cols - skip;
}

/* Render a RETURNING row (@vals from @skip on) as the client asked, and
 * hold it. */
static int ret_hold(struct server_session *s, unsigned n_cols,
		    const struct cluster_value *vals, unsigned skip)
{
	struct ret_run *r = s->ret;
	unsigned n = n_cols - skip;
	bool typed = s->described && s->n_cols == n;
	size_t *offs = tr_arena_alloc(&s->arena, sizeof *offs * (n + 1));
	int32_t *lens = tr_arena_alloc(&s->arena, sizeof *lens * (n + 1));
	if (offs == NULL || lens == NULL) {
		return TR_ENOMEM;
	}
	tr_buf_reset(&s->vals);
	for (unsigned i = 0; i < n; i++) {
		struct sql_value v;
		uint32_t oid = typed ? s->cols[i].type_oid : SQL_OID_TEXT;
		int32_t tm = typed ? s->cols[i].typmod : -1;
		bool binary = s->formats != NULL && i < s->n_formats &&
			      s->formats[i] == 1;
		to_sql_value(&vals[skip + i], &v);
		offs[i] = s->vals.len;
		bool present = binary ? sql_format_binary_mod(oid, tm, &v,
							      &s->vals)
				      : sql_format_text_mod(oid, tm, &v,
							    &s->vals);
		lens[i] = present ? (int32_t)(s->vals.len - offs[i]) : -1;
	}
	if (tr_buf_err(&s->vals) != TR_OK) {
		return tr_buf_err(&s->vals);
	}
	struct ret_row *row = tr_arena_alloc(
		&s->arena, sizeof *row + sizeof row->vals[0] * n + s->vals.len);
	if (row == NULL) {
		return TR_ENOMEM;
	}
	uint8_t *bytes = (uint8_t *)&row->vals[n];
	if (s->vals.len > 0) {
		memcpy(bytes, s->vals.data, s->vals.len);
	}
	row->next = NULL;
	row->n = n;
	for (unsigned i = 0; i < n; i++) {
		row->vals[i].len = lens[i];
		row->vals[i].p = bytes + offs[i];
	}
	*r->tail = row;
	r->tail = &row->next;
	r->n_rows++;
	return TR_OK;
}

static int ret_row_cb(struct cluster_client *c, void *arg, unsigned n_cols,
		      const struct cluster_value *vals)
{
	struct server_session *s = arg;
	struct ret_run *r = s->ret;
	TR_UNUSED(c);
	if (s->closing || s->cancel_requested) {
		return TR_ECANCELED;
	}
	switch (r->phase) {
	case RET_SOURCE: {
		/* Keep the source row (values copied: the batch goes). */
		if (r->n_src == 0) {
			r->src_width = n_cols;
		}
		if (n_cols != r->src_width ||
		    !ret_grow(s, (void **)&r->src, r->n_src, &r->cap_src,
			      sizeof *r->src)) {
			return TR_ENOMEM;
		}
		struct cluster_value *row = tr_arena_alloc(
			&s->arena, sizeof *row * (n_cols ? n_cols : 1));
		if (row == NULL) {
			return TR_ENOMEM;
		}
		for (unsigned i = 0; i < n_cols; i++) {
			row[i] = vals[i];
			if (vals[i].type == CLUSTER_TEXT ||
			    vals[i].type == CLUSTER_ISO8601) {
				row[i].text.p = tr_arena_strndup(
					&s->arena, vals[i].text.p,
					vals[i].text.len);
				if (row[i].text.p == NULL) {
					return TR_ENOMEM;
				}
			} else if (vals[i].type == CLUSTER_BLOB) {
				uint8_t *b = tr_arena_alloc(
					&s->arena, vals[i].blob.len + 1);
				if (b == NULL) {
					return TR_ENOMEM;
				}
				memcpy(b, vals[i].blob.p, vals[i].blob.len);
				row[i].blob.p = b;
			}
		}
		r->src[r->n_src++] = row;
		return TR_OK;
	}
	case RET_COLLECT:
		if (n_cols < 1 || vals[0].type != CLUSTER_INTEGER) {
			return TR_EPROTO;
		}
		if (!ret_add_id(s, vals[0].integer)) {
			return TR_ENOMEM;
		}
		if (r->plan->kind == SQL_RETURNING_DELETE) {
			return ret_hold(s, n_cols, vals, 1);
		}
		return TR_OK;
	case RET_FETCH:
		return ret_hold(s, n_cols, vals, 0);
	default:
		return TR_EINTERNAL;
	}
}

/* A step's request failed: the statement fails (or is retried). */
static void ret_failed(struct server_session *s,
		       const struct cluster_result *res, bool was_commit)
{
	if (res->rc == TR_EPROTO && s->ret->phase == RET_COLLECT) {
		failf(s, "XX000", "RETURNING: the target has no rowid");
		return;
	}
	cluster_failed(s, res, was_commit);
}

/* The statement's rows and tag, once the write is done. */
static void ret_deliver(struct server_session *s)
{
	struct ret_run *r = s->ret;
	uint64_t affected = r->affected;
	s->ret = NULL;
	if (s->closing) {
		end_query(s);
		return;
	}
	if (s->ext != EXT_EXECUTE && s->cur->kind == SQL_QUERY) {
		/* Simple protocol: RowDescription first (Describe sent it
		 * in the extended one); none for a WITH statement whose main
		 * statement returns no rows. */
		unsigned n = r->names != NULL ? r->n_names : s->n_cols;
		const char **names = r->names;
		if (names == NULL) {
			names = tr_arena_alloc(&s->arena,
					       sizeof *names * (n + 1));
			for (unsigned i = 0; names != NULL && i < n; i++) {
				names[i] = s->cols[i].name;
			}
		}
		if (names == NULL) {
			failf(s, "53200", "out of memory");
			return;
		}
		send_row_description(s, n, names);
	}
	struct server_portal *p = s->portal;
	for (struct ret_row *row = r->rows; row != NULL; row = row->next) {
		if (s->ext == EXT_EXECUTE && s->max_rows > 0 && p != NULL &&
		    s->rows_sent >= s->max_rows) {
			/* Past the Execute's row limit: for the next one. */
			tr_buf_put_be32(&p->rows, row->n);
			for (unsigned i = 0; i < row->n; i++) {
				tr_buf_put_be32(&p->rows,
						(uint32_t)row->vals[i].len);
				if (row->vals[i].len > 0) {
					tr_buf_put(&p->rows, row->vals[i].p,
						   (size_t)row->vals[i].len);
				}
			}
			p->has_rows = true;
			continue;
		}
		pgwire_session_send_data_row(s->pg, row->n, row->vals);
		s->rows_sent++;
	}
	s->n_rows = r->n_rows;
	if (p != NULL && p->has_rows) {
		if (tr_buf_err(&p->rows) != TR_OK) {
			failf(s, "53200", "out of memory");
			return;
		}
		/* The tag comes with the portal's last rows. */
		const char *verb = s->cur->tag;
		snprintf(p->tag, sizeof p->tag,
			 strcmp(verb, "INSERT") == 0 ? "%s 0 %llu" : "%s %llu",
			 verb, (unsigned long long)affected);
		s->ext_suspended = true;
		s->cur = NULL;
		end_query(s);
		return;
	}
	complete_counted(s, affected);
}

static int ret_cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* A row was affected twice, or a fetch missed one (a changed INTEGER
 * PRIMARY KEY moves the row away from the rowid we hold). */
static bool ret_check(struct server_session *s)
{
	struct ret_run *r = s->ret;
	if (r->plan->kind == SQL_RETURNING_SELECT ||
	    r->plan->kind == SQL_RETURNING_WITH) {
		return true;
	}
	if (r->plan->upsert && r->n_ids > 1) {
		int64_t *sorted = tr_arena_alloc(&s->arena,
						 sizeof *sorted * r->n_ids);
		if (sorted == NULL) {
			failf(s, "53200", "out of memory");
			return false;
		}
		memcpy(sorted, r->ids, sizeof *sorted * r->n_ids);
		qsort(sorted, r->n_ids, sizeof *sorted, ret_cmp_id);
		for (unsigned i = 1; i < r->n_ids; i++) {
			if (sorted[i] == sorted[i - 1]) {
				struct sql_error e = { .position = 0 };
				sql_error_set(&e, &s->arena, "21000",
					      "ON CONFLICT DO UPDATE command "
					      "cannot affect row a second "
					      "time");
				e.hint = "Ensure that no rows proposed for "
					 "insertion within the same command "
					 "have duplicate constrained values.";
				fail(s, &e);
				return false;
			}
		}
	}
	bool fetched = r->plan->kind != SQL_RETURNING_DELETE &&
		       r->plan->fetch.sql != NULL;
	bool bad;
	if (r->plan->capture) {
		/* The rows stored stand for the rows fetched. */
		bad = fetched ? r->captured != r->n_ids ||
					(r->plan->kind ==
						 SQL_RETURNING_UPDATE &&
					 r->affected != r->n_ids)
			      : r->affected != r->captured;
	} else {
		bad = (fetched && r->n_rows != r->n_ids) ||
		      (r->plan->kind != SQL_RETURNING_INSERT &&
		       r->affected != r->n_ids);
	}
	if (bad) {
		failf(s, "0A000",
		      "RETURNING is not supported for a statement that "
		      "changes a row's integer primary key, or whose "
		      "condition gives another answer when evaluated again");
		return false;
	}
	return true;
}

static void ret_exec_done(struct cluster_client *c, void *arg,
			  const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	struct ret_run *r = s->ret;
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		ret_failed(s, res, r->phase == RET_COMMIT);
		return;
	}
	switch (r->phase) {
	case RET_BEGIN:
		r->wrapped = true;
		s->txn = TXN_IMPLICIT; /* an error now rolls it back */
		r->phase = ret_first(r->plan);
		break;
	case RET_PREP:
		if (r->top != NULL) {
			ret_stage(s);
			break;
		}
		r->phase = RET_WRITE;
		break;
	case RET_COLLECT:
		/* A WITH query's DELETE: its rows were stored. */
		r->captured = res->rows_affected;
		r->phase = RET_WRITE;
		break;
	case RET_FETCH:
		/* A WITH query's INSERT or UPDATE: its rows were stored. */
		r->captured = res->rows_affected;
		r->phase = RET_DONE;
		break;
	case RET_CLEANUP:
		r->phase = RET_DONE;
		break;
	case RET_ROWS:
		if (res->rows_affected > 0 &&
		    !ret_add_id(s, (int64_t)res->last_insert_id)) {
			failf(s, "53200", "out of memory");
			return;
		}
		r->affected += res->rows_affected;
		r->next++;
		if (r->next >= (r->plan->source.sql != NULL
					? r->n_src
					: r->plan->n_rows)) {
			r->phase = RET_FETCH;
		}
		break;
	case RET_WRITE:
		r->affected = res->rows_affected;
		r->phase = r->plan->kind == SQL_RETURNING_DELETE ||
					   r->plan->kind == SQL_RETURNING_WITH
				   ? RET_DONE
				   : RET_FETCH;
		break;
	case RET_COMMIT:
		txn_ended(s, true);
		ret_deliver(s);
		return;
	default:
		failf(s, "XX000", "RETURNING: unexpected step");
		return;
	}
	ret_next(s);
}

static void ret_query_done(struct cluster_client *c, void *arg,
			   const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	struct ret_run *r = s->ret;
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		ret_failed(s, res, false);
		return;
	}
	switch (r->phase) {
	case RET_SOURCE:
		r->phase = RET_ROWS;
		if (r->n_src == 0) {
			r->phase = RET_FETCH;
		}
		break;
	case RET_COLLECT:
		r->phase = RET_WRITE;
		break;
	case RET_FETCH:
		if (r->plan->kind == SQL_RETURNING_WITH) {
			r->affected = r->n_rows; /* the main SELECT's */
		}
		r->phase = r->plan->kind == SQL_RETURNING_SELECT ? RET_CLEANUP
								 : RET_DONE;
		break;
	default:
		failf(s, "XX000", "RETURNING: unexpected step");
		return;
	}
	ret_next(s);
}

/* Send @sql with @params; a query's rows go to ret_row_cb. */
static void ret_send(struct server_session *s, const char *sql, bool query,
		     const struct cluster_value *params, unsigned n_params)
{
	if (sql == NULL || (params == NULL && n_params > 0)) {
		failf(s, "53200", "out of memory");
		return;
	}
	if (sql_text_has_returning(sql)) {
		/* Never: dqlite 1.11.1 would abort the node. */
		failf(s, "XX000", "refusing to send RETURNING to the cluster");
		return;
	}
	if (n_params > 255) {
		failf(s, "54000",
		      "RETURNING: a step needs more than 255 parameters");
		return;
	}
	s->pending++;
	s->wait = WAIT_CLUSTER;
	int rv = query ? cluster_client_query_sql(s->cc, sql, params, n_params,
						  ret_columns, ret_row_cb,
						  ret_query_done, s)
		       : cluster_client_exec_sql(s->cc, sql, params, n_params,
						 ret_exec_done, s);
	if (rv != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "53200", "out of memory");
	}
}

static void ret_send_step(struct server_session *s,
			  const struct sql_ret_step *st, bool query)
{
	unsigned n;
	struct cluster_value *v = ret_params(s, st->n_params, st, NULL, 0, &n);
	ret_send(s, st->sql, query, v, n);
}

/* Issue the request of the current step. */
static void ret_next(struct server_session *s)
{
	struct ret_run *r = s->ret;
	const struct sql_returning *p = r->plan;
	if (s->cancel_requested) {
		failf(s, "57014", "canceling statement due to %s",
		      s->timed_out ? "statement timeout" : "user request");
		return;
	}
	switch (r->phase) {
	case RET_BEGIN:
		ret_send(s, "BEGIN", false, NULL, 0);
		return;
	case RET_PREP:
		ret_send_step(s, &p->prep, false);
		return;
	case RET_CLEANUP:
		ret_send_step(s, &p->cleanup, false);
		return;
	case RET_SOURCE:
		ret_send_step(s, &p->source, true);
		return;
	case RET_ROWS:
		if (p->source.sql != NULL) {
			unsigned n;
			struct cluster_value *v = ret_params(
				s, p->row_params, NULL, r->src[r->next],
				r->src_width, &n);
			ret_send(s,
				 sql_returning_row_sql(&s->arena, p,
						       r->src_width),
				 false, v, n);
			return;
		}
		ret_send_step(s, &p->rows[r->next], false);
		return;
	case RET_COLLECT:
		/* Capture mode: a DELETE's collect stores its rows. */
		ret_send_step(s, &p->collect,
			      !(p->capture && p->kind == SQL_RETURNING_DELETE));
		return;
	case RET_WRITE:
		ret_send_step(s, &p->write, false);
		return;
	case RET_FETCH:
		if (p->fetch.sql == NULL) {
			/* An upsert without RETURNING: nothing to read. */
			r->phase = RET_DONE;
			ret_next(s);
			return;
		}
		ret_send_step(s, &p->fetch, !p->capture);
		return;
	case RET_DONE:
		if (!ret_check(s)) {
			return;
		}
		if (r->top != NULL && r->stage <= r->top->n_subs + 1) {
			ret_stage(s); /* the next WITH query, main, cleanup */
			ret_next(s);
			return;
		}
		if (r->wrapped) {
			r->phase = RET_COMMIT;
			ret_send(s, "COMMIT", false, NULL, 0);
			return;
		}
		ret_deliver(s);
		return;
	case RET_COMMIT:
		/* Retried after BUSY: COMMIT again. */
		ret_send(s, "COMMIT", false, NULL, 0);
		return;
	}
}

/*
 * Run the current statement's RETURNING plan (write lock held).  A
 * statement re-entered after BUSY resumes at the step that got it.
 */
static void ret_start(struct server_session *s)
{
	if (s->ret != NULL && s->ret->stmt == s->cur) {
		ret_next(s);
		return;
	}
	struct ret_run *r = tr_arena_alloc(&s->arena, sizeof *r);
	if (r == NULL) {
		failf(s, "53200", "out of memory");
		return;
	}
	memset(r, 0, sizeof *r);
	r->stmt = s->cur;
	r->plan = s->cur->returning;
	r->top = r->plan->kind == SQL_RETURNING_WITH ? r->plan : NULL;
	r->tail = &r->rows;
	s->ret = r;
	r->phase = s->txn == TXN_NONE ? RET_BEGIN : ret_first(r->plan);
	ret_next(s);
}

/* Send the current write. */
static void send_write(struct server_session *s)
{
	const struct sql_stmt *st = s->cur;
	if (st->kind == SQL_COPY_FROM) {
		copy_begin(s);
		return;
	}
	if (st->rebuild != NULL) {
		start_rebuild(s);
		return;
	}
	if (st->returning != NULL) {
		ret_start(s);
		return;
	}
	if (st->ddl) {
		send_ddl(s, st->sqlite);
		return;
	}
	send_exec(s, st->sqlite);
}

static void run_write(struct server_session *s);

static void cache_sized(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (res->rc != TR_OK && res->rc != TR_ESQL && s->txn == TXN_NONE &&
	    !s->stmt_retried && !s->closing && !s->cancel_requested) {
		/* The write has not run: after a lost leader it runs on the
		 * new one, as retry_statement does for statements. */
		s->stmt_retried = true;
		drop_cluster(s);
		s->leader_lost = true;
		step(s);
		return;
	}
	if (res->rc != TR_OK) {
		cluster_failed(s, res, false);
		return;
	}
	s->cache_sized = true;
	run_write(s);
}

/*
 * Writes get a page cache larger than any transaction first: dqlite 1.11's
 * VFS cannot read back pages SQLite spills from a smaller cache when the
 * transaction began with an empty WAL, and fails it with "disk I/O error"
 * (canonical/dqlite#432; dqlite-protocol.md §9).  Memory is only used as
 * a transaction needs it, up to 200 MB a connection (the largest
 * transaction that is safe).  Once per leader connection.
 */
#define CACHE_SIZE_SQL "PRAGMA cache_size = -200000" /* KiB: 200 MB */

static void run_write(struct server_session *s)
{
	if (!s->cache_sized) {
		if (!request_exec(s, CACHE_SIZE_SQL, cache_sized)) {
			failf(s, "53200", "out of memory");
		}
		return;
	}
	if (s->holds_lock) {
		send_write(s);
		return;
	}
	if (server_writeq_acquire(&s->db->writeq, &s->waiter, lock_granted)) {
		s->holds_lock = true;
		send_write(s);
		return;
	}
	/* lock_timeout, when shorter, bounds the wait as PostgreSQL's
	 * bounds a lock wait (55P03). */
	const char *v = server_settings_get(s->settings, "lock_timeout");
	long ms = v != NULL ? strtol(v, NULL, 10) : 0;
	s->lock_wait_ms = ms > 0 && ms < WRITE_WAIT_MS ? ms : WRITE_WAIT_MS;
	s->wait = WAIT_LOCK;
	uv_timer_start(&s->timer, lock_timeout, (uint64_t)s->lock_wait_ms, 0);
}

/* ------------------------------------------------------------------ */
/* Session commands                                                     */
/* ------------------------------------------------------------------ */

static const char *setting_value(void *ctx, const char *name);

static void show_one(struct server_session *s, const char *label,
		     const char *value)
{
	struct pgwire_column col = {
		.name = label,
		.type_oid = SQL_OID_TEXT,
		.typlen = -1,
		.typmod = -1,
	};
	struct pgwire_value v = { value, (int32_t)strlen(value) };
	if (s->ext != EXT_EXECUTE) {
		pgwire_session_send_row_description(s->pg, 1, &col);
	}
	pgwire_session_send_data_row(s->pg, 1, &v);
}

/* ------------------------------------------------------------------ */
/* Transaction characteristics                                          */
/* ------------------------------------------------------------------ */

/*
 * SQLite transactions are serializable, which meets every isolation level
 * PostgreSQL offers; what is reported is what the client asked for (or
 * PostgreSQL's default, read committed), since drivers read it back to
 * check their own setting.  READ ONLY is enforced here: the statement
 * kinds that write are refused with 25006 before they reach the cluster.
 */

static bool in_block(const struct server_session *s)
{
	return s->txn == TXN_EXPLICIT || s->txn == TXN_FAILED;
}

static bool default_read_only(const struct server_session *s)
{
	const char *v = server_settings_get(s->settings,
					    "default_transaction_read_only");
	return v != NULL && strcmp(v, "on") == 0;
}

/* PostgreSQL's spelling of isolation level @v, or NULL if it is none. */
static const char *isolation_name(const char *v)
{
	static const char *const levels[] = { "serializable", "repeatable read",
					      "read committed",
					      "read uncommitted" };
	for (size_t i = 0; v != NULL && i < TR_ARRAY_LEN(levels); i++) {
		if (strcasecmp(v, levels[i]) == 0) {
			return levels[i];
		}
	}
	return NULL;
}

static const char *default_isolation(const struct server_session *s)
{
	const char *v = isolation_name(server_settings_get(
		s->settings, "default_transaction_isolation"));
	return v != NULL ? v : "read committed";
}

static bool txn_read_only(const struct server_session *s)
{
	return in_block(s) ? s->block_read_only : default_read_only(s);
}

static const char *txn_isolation(const struct server_session *s)
{
	return in_block(s) ? s->block_isolation : default_isolation(s);
}

/* A block begins with BEGIN @st: take its options or the defaults. */
static void block_begin(struct server_session *s, const struct sql_stmt *st)
{
	s->block_read_only = st->txn_read_only != NULL
				     ? strcmp(st->txn_read_only, "on") == 0
				     : default_read_only(s);
	const char *iso = isolation_name(st->txn_isolation);
	snprintf(s->block_isolation, sizeof s->block_isolation, "%s",
		 iso != NULL ? iso : default_isolation(s));
}

/* The verb of 25006 for @st, or NULL when @st may run read-only. */
static const char *read_only_refusal(const struct sql_stmt *st)
{
	if (st->kind == SQL_COPY_FROM) {
		return "COPY FROM";
	}
	if (!st->writes && !st->ddl) {
		return NULL;
	}
	if (st->kind == SQL_QUERY && st->returning == NULL) {
		return "nextval()"; /* a SELECT that moves a sequence */
	}
	return st->tag != NULL ? st->tag : "this statement";
}

/* SET TRANSACTION ... / SET transaction_read_only, _isolation. */
static void run_set_transaction(struct server_session *s)
{
	const struct sql_stmt *st = s->cur;
	bool ro = strcasecmp(st->name, "transaction_read_only") == 0;
	if (!in_block(s)) {
		send_warning(s, "25P01",
			     "SET TRANSACTION can only be used in transaction "
			     "blocks");
		complete(s, st->kind == SQL_RESET ? "RESET" : "SET");
		return;
	}
	if (ro) {
		const char *v = st->value != NULL
					? server_settings_bool(st->value)
					: (default_read_only(s) ? "on" : "off");
		if (v == NULL) {
			failf(s, "22023",
			      "parameter \"transaction_read_only\" requires a "
			      "Boolean value");
			return;
		}
		s->block_read_only = strcmp(v, "on") == 0;
	} else {
		const char *v = st->value != NULL ? isolation_name(st->value)
						  : default_isolation(s);
		if (v == NULL) {
			failf(s, "22023",
			      "invalid value for parameter "
			      "\"transaction_isolation\": \"%s\"",
			      st->value);
			return;
		}
		snprintf(s->block_isolation, sizeof s->block_isolation, "%s",
			 v);
	}
	complete(s, st->kind == SQL_RESET ? "RESET" : "SET");
}

static void run_show(struct server_session *s)
{
	const char *name = s->cur->name;
	if (strcasecmp(name, "all") == 0) {
		struct pgwire_column cols[2] = {
			{ .name = "name",
			  .type_oid = SQL_OID_TEXT,
			  .typlen = -1,
			  .typmod = -1 },
			{ .name = "setting",
			  .type_oid = SQL_OID_TEXT,
			  .typlen = -1,
			  .typmod = -1 },
		};
		const char *n;
		const char *v;
		pgwire_session_send_row_description(s->pg, 2, cols);
		for (unsigned i = 0; server_settings_at(s->settings, i, &n, &v);
		     i++) {
			char buf[32];
			v = server_settings_display(n, v, buf, sizeof buf);
			struct pgwire_value vals[2] = {
				{ n, (int32_t)strlen(n) },
				{ v, (int32_t)strlen(v) },
			};
			pgwire_session_send_data_row(s->pg, 2, vals);
		}
		complete(s, "SHOW");
		return;
	}
	if (strcasecmp(name, "transaction_isolation") == 0 ||
	    strcasecmp(name, "transaction isolation level") == 0) {
		show_one(s, "transaction_isolation", txn_isolation(s));
		complete(s, "SHOW");
		return;
	}
	if (strcasecmp(name, "transaction_read_only") == 0) {
		show_one(s, "transaction_read_only",
			 txn_read_only(s) ? "on" : "off");
		complete(s, "SHOW");
		return;
	}
	if (strcasecmp(name, "is_superuser") == 0) {
		show_one(s, "is_superuser", s->is_superuser ? "on" : "off");
		complete(s, "SHOW");
		return;
	}
	const char *value = server_settings_get(s->settings, name);
	if (value == NULL) {
		failf(s, "42704", "unrecognized configuration parameter \"%s\"",
		      name);
		return;
	}
	/* PostgreSQL labels the column with the setting's own spelling. */
	const char *canon = server_settings_canonical(name);
	char buf[32];
	show_one(s, canon != NULL ? canon : name,
		 server_settings_display(name, value, buf, sizeof buf));
	complete(s, "SHOW");
}

/*
 * SET inside a transaction block is transactional, as in PostgreSQL:
 * undone by ROLLBACK; SET LOCAL lasts until the transaction ends.  (A
 * ROLLBACK TO SAVEPOINT keeps them: not undone per savepoint.)
 */
static void settings_txn_end(struct server_session *s, bool committed)
{
	struct server_settings *saved = s->settings_saved;
	if (saved == NULL) {
		return;
	}
	s->settings_saved = NULL;
	if (!committed) {
		server_settings_report_changes(s->settings, saved,
					       report_setting, s);
		server_settings_free(s->settings);
		s->settings = saved;
	} else {
		for (unsigned i = 0; i < s->n_local; i++) {
			struct sql_error err = { .position = 0 };
			bool report = false;
			const char *v = server_settings_get(saved,
							    s->local_names[i]);
			if (server_settings_set(s->settings, &s->arena,
						s->local_names[i], v, &report,
						&err) == TR_OK &&
			    report) {
				report_setting(
					s,
					server_settings_canonical(
						s->local_names[i]),
					server_settings_get(s->settings,
							    s->local_names[i]));
			}
		}
		server_settings_free(saved);
	}
	for (unsigned i = 0; i < s->n_local; i++) {
		tr_free(s->local_names[i]);
	}
	s->n_local = 0;
}

static void run_set(struct server_session *s)
{
	struct sql_error err = { .position = 0 };
	bool report = false;
	if (strcasecmp(s->cur->name, "transaction_read_only") == 0 ||
	    strcasecmp(s->cur->name, "transaction_isolation") == 0) {
		run_set_transaction(s);
		return;
	}
	if (s->txn != TXN_NONE && s->settings_saved == NULL &&
	    server_settings_copy(s->settings, &s->settings_saved) != TR_OK) {
		failf(s, "53200", "out of memory");
		return;
	}
	if (s->cur->is_local && s->txn == TXN_NONE && s->cur->set_column) {
		/* set_config(..., true) outside a block: it would last only
		 * as long as this statement. */
		show_one(s, s->cur->set_column,
			 s->cur->value != NULL ? s->cur->value : "");
		complete(s, "SELECT 1");
		return;
	}
	if (s->cur->is_local && s->txn == TXN_NONE) {
		/* PostgreSQL: a warning, and no effect. */
		send_warning(s, "25P01",
			     "SET LOCAL can only be used in transaction "
			     "blocks");
		complete(s, "SET");
		return;
	}
	if (s->cur->is_local) {
		if (s->n_local == TR_ARRAY_LEN(s->local_names)) {
			failf(s, "54000",
			      "too many SET LOCAL settings in one "
			      "transaction");
			return;
		}
		s->local_names[s->n_local] = tr_strdup(s->cur->name);
		if (s->local_names[s->n_local] == NULL) {
			failf(s, "53200", "out of memory");
			return;
		}
		s->n_local++;
	}
	int rv = server_settings_set(s->settings, &s->arena, s->cur->name,
				     s->cur->value, &report, &err);
	if (rv == TR_ESQL) {
		fail(s, &err);
		return;
	}
	if (rv != TR_OK) {
		failf(s, "53200", "out of memory");
		return;
	}
	if (report) {
		const char *canon = server_settings_canonical(s->cur->name);
		pgwire_session_send_parameter(
			s->pg, canon,
			server_settings_get(s->settings, s->cur->name));
	}
	if (s->cur->set_column != NULL) {
		/* SELECT set_config(...): the new value, as SHOW prints it. */
		const char *v = setting_value(s, s->cur->name);
		show_one(s, s->cur->set_column, v != NULL ? v : "");
		complete(s, "SELECT 1");
		return;
	}
	complete(s, s->cur->kind == SQL_RESET ? "RESET" : "SET");
}

/* ------------------------------------------------------------------ */
/* Connecting to the leader                                             */
/* ------------------------------------------------------------------ */

static int connect_leader(struct server_session *s, cluster_done_cb cb);
static void reconnect(struct server_session *s);

/* The leader is known again (or not: no quorum within the bound). */
static void leader_known(struct server_leader_waiter *w, int rc)
{
	struct server_session *s =
		(struct server_session *)((char *)w -
					  offsetof(struct server_session,
						   leader_waiter));
	s->pending--;
	if (s->closing) {
		end_query(s);
		return;
	}
	if (rc != TR_OK) {
		s->wait = WAIT_NONE;
		failf(s, "57P03",
		      "no cluster leader is available (no quorum?); try again "
		      "later");
		return;
	}
	reconnect(s);
}

static void wait_for_leader(struct server_session *s)
{
	s->reconnect_retried = true;
	s->pending++;
	server_leader_wait(s->srv, &s->leader_waiter, leader_known);
}

/* A connect attempt failed: look for the leader once, then give up. */
static void reconnect_failed(struct server_session *s, const char *why)
{
	drop_cluster(s);
	if (s->closing) {
		s->wait = WAIT_NONE;
		end_query(s);
		return;
	}
	if (!s->reconnect_retried) {
		wait_for_leader(s);
		return;
	}
	s->wait = WAIT_NONE;
	failf(s, "57P03", "could not reach the cluster leader: %s", why);
}

static void reconnect_open_done(struct cluster_client *c, void *arg,
				const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		reconnect_failed(s, res->message ? res->message : "error");
		return;
	}
	s->cc_ready = true;
	step(s);
}

static void reconnect_done(struct cluster_client *c, void *arg,
			   const struct cluster_result *res)
{
	struct server_session *s = arg;
	s->pending--;
	if (res->rc == TR_OK && !s->closing) {
		s->pending++;
		if (cluster_client_open(c, s->db_name, reconnect_open_done,
					s) == TR_OK) {
			return;
		}
		s->pending--;
	}
	reconnect_failed(s, res->message ? res->message : "error");
}

static void reconnect(struct server_session *s)
{
	s->wait = WAIT_OPEN;
	if (connect_leader(s, reconnect_done) != TR_OK) {
		reconnect_failed(s, "out of memory");
	}
}

/* Open a new leader connection; step() resumes when it is ready. */
static int connect_leader(struct server_session *s, cluster_done_cb cb)
{
	/* TLS for a leader on another node (its cluster port). */
	struct cluster_client_config cfg = { .tls = s->srv->node_client_ctx };
	int rv = cluster_client_new(s->srv->loop, &cfg, &s->cc);
	if (rv != TR_OK) {
		return rv;
	}
	s->pending++;
	rv = cluster_client_connect(s->cc, server_leader_address(s->srv), cb,
				    s);
	if (rv != TR_OK) {
		s->pending--;
		drop_cluster(s);
	}
	return rv;
}

/* ------------------------------------------------------------------ */
/* COPY                                                                 */
/* ------------------------------------------------------------------ */

/*
 * COPY FROM STDIN: rows come from the client in CopyData pieces, are
 * parsed by sql/'s reader, decoded by column type, and sent in batches of
 * multi-row INSERTs (dqlite binds at most 255 parameters per request),
 * inside one transaction under the write lock: any bad row rolls the
 * whole COPY back and names its line.  While batches queue up, reading
 * from the client pauses.
 */
#define COPY_QUEUE_HIGH 8

static void copy_pump(struct server_session *s);

static struct copy_batch *copy_batch_new(struct copy_in *ci)
{
	struct copy_batch *b = tr_calloc(1, sizeof *b);
	if (b == NULL) {
		return NULL;
	}
	tr_arena_init(&b->a, 16384);
	b->vals = tr_arena_alloc(&b->a, sizeof *b->vals * ci->rows_per_stmt *
						ci->n_cols);
	if (b->vals == NULL) {
		tr_arena_close(&b->a);
		tr_free(b);
		return NULL;
	}
	return b;
}

static void copy_batch_free(struct copy_batch *b)
{
	if (b != NULL) {
		tr_arena_close(&b->a);
		tr_free(b);
	}
}

static void copy_in_free(struct server_session *s)
{
	struct copy_in *ci = s->copy_in;
	if (ci == NULL) {
		return;
	}
	sql_copy_reader_close(&ci->reader);
	copy_batch_free(ci->filling);
	copy_batch_free(ci->sending);
	while (!tr_queue_empty(&ci->full)) {
		struct tr_queue *q = tr_queue_head(&ci->full);
		tr_queue_remove(q);
		copy_batch_free(TR_QUEUE_DATA(q, struct copy_batch, link));
	}
	if (ci->paused && !s->closing) {
		pgwire_session_copy_pause(s->pg, false);
	}
	tr_free(ci);
	s->copy_in = NULL;
}

/* Keep the first error (copied out of the reader or a batch). */
static void copy_record_error(struct server_session *s,
			      const struct sql_error *e)
{
	struct copy_in *ci = s->copy_in;
	if (ci->failed) {
		return;
	}
	ci->failed = true;
	ci->err = *e;
	ci->err.message = tr_arena_strdup(&s->arena,
					  e->message ? e->message : "error");
	ci->err.detail = e->detail ? tr_arena_strdup(&s->arena, e->detail)
				   : NULL;
	ci->err.hint = e->hint ? tr_arena_strdup(&s->arena, e->hint) : NULL;
	ci->err.context = e->context ? tr_arena_strdup(&s->arena, e->context)
				     : NULL;
}

/* The COPY is over: with an error (rolled back by fail()) or done. */
static void copy_settle(struct server_session *s)
{
	struct copy_in *ci = s->copy_in;
	if (ci->sending != NULL) {
		return; /* wait for the batch in flight */
	}
	if (ci->failed) {
		struct sql_error e = ci->err;
		copy_in_free(s);
		fail(s, &e);
		return;
	}
	if (!ci->done || ci->n_full > 0 ||
	    (ci->filling != NULL && ci->filling->n_rows > 0)) {
		return;
	}
	uint64_t rows = ci->rows;
	copy_in_free(s);
	s->wait = WAIT_NONE;
	complete_counted(s, rows);
}

static void copy_sent(struct cluster_client *c, void *arg,
		      const struct cluster_result *res)
{
	struct server_session *s = arg;
	struct copy_in *ci = s->copy_in;
	TR_UNUSED(c);
	s->pending--;
	struct copy_batch *b = ci->sending;
	ci->sending = NULL;
	if (res->rc == TR_OK) {
		ci->rows += b->n_rows;
	} else if (res->rc == TR_ESQL) {
		struct sql_error e = { .position = 0 };
		sql_error_from_sqlite(&e, &s->arena, res->code, res->message);
		copy_record_error(s, &e);
	} else {
		struct sql_error e = { .position = 0 };
		sql_error_set(&e, &s->arena, "08006",
			      "connection to the cluster leader was lost "
			      "during COPY");
		drop_cluster(s);
		s->leader_lost = true;
		copy_record_error(s, &e);
	}
	copy_batch_free(b);
	if (ci->failed || s->closing) {
		if (s->closing) {
			copy_in_free(s);
			end_query(s);
			return;
		}
		copy_settle(s);
		return;
	}
	copy_pump(s);
}

/* Send the next full batch if none is in flight; manage back-pressure. */
static void copy_pump(struct server_session *s)
{
	struct copy_in *ci = s->copy_in;
	if (ci->sending == NULL && ci->done && ci->n_full == 0 &&
	    ci->filling != NULL && ci->filling->n_rows > 0) {
		/* The last, partial batch. */
		tr_queue_push(&ci->full, &ci->filling->link);
		ci->n_full++;
		ci->filling = NULL;
	}
	if (ci->sending == NULL && ci->n_full > 0 && !ci->failed) {
		struct tr_queue *q = tr_queue_head(&ci->full);
		tr_queue_remove(q);
		ci->n_full--;
		struct copy_batch *b = TR_QUEUE_DATA(q, struct copy_batch,
						     link);
		const char *sql = sql_copy_insert_sql(
			&b->a, s->cur->copy, ci->n_cols,
			(const char *const *)ci->names, b->n_rows);
		s->pending++;
		ci->sending = b;
		if (sql == NULL ||
		    cluster_client_exec_sql(s->cc, sql, b->vals,
					    b->n_rows * ci->n_cols, copy_sent,
					    s) != TR_OK) {
			s->pending--;
			ci->sending = NULL;
			copy_batch_free(b);
			struct sql_error e = { .position = 0 };
			sql_error_set(&e, &s->arena, "53200", "out of memory");
			copy_record_error(s, &e);
		}
	}
	if (!ci->paused && ci->n_full >= COPY_QUEUE_HIGH) {
		ci->paused = true;
		pgwire_session_copy_pause(s->pg, true);
	} else if (ci->paused && ci->n_full < COPY_QUEUE_HIGH / 2) {
		ci->paused = false;
		pgwire_session_copy_pause(s->pg, false);
	}
	copy_settle(s);
}

/* A decoded value in dqlite's form. dqlite wants NUL-terminated text, so
 * text is always copied into @a; a blob only when @copy_blob says its
 * bytes die before the statement runs. */
static int cluster_value_from_sql(const struct sql_value *v, struct tr_arena *a,
				  bool copy_blob, struct cluster_value *out)
{
	memset(out, 0, sizeof *out);
	switch (v->type) {
	case SQL_VALUE_INTEGER:
		out->type = CLUSTER_INTEGER;
		out->integer = v->integer;
		break;
	case SQL_VALUE_FLOAT:
		out->type = CLUSTER_FLOAT;
		out->real = v->real;
		break;
	case SQL_VALUE_TEXT: {
		char *t = tr_arena_strndup(a, v->p, v->len);
		if (t == NULL) {
			return TR_ENOMEM;
		}
		out->type = CLUSTER_TEXT;
		out->text.p = t;
		out->text.len = v->len;
		break;
	}
	case SQL_VALUE_BLOB: {
		const void *d = v->p;
		if (copy_blob) {
			uint8_t *c = tr_arena_alloc(a, v->len ? v->len : 1);
			if (c == NULL) {
				return TR_ENOMEM;
			}
			memcpy(c, v->p, v->len);
			d = c;
		}
		out->type = CLUSTER_BLOB;
		out->blob.p = d;
		out->blob.len = v->len;
		break;
	}
	default:
		out->type = CLUSTER_NULL;
		break;
	}
	return TR_OK;
}

/* One row from the reader: decode its fields into the filling batch. */
static int copy_row(void *arg, unsigned n, const struct sql_copy_field *f)
{
	struct server_session *s = arg;
	struct copy_in *ci = s->copy_in;
	if (ci->filling == NULL) {
		ci->filling = copy_batch_new(ci);
		if (ci->filling == NULL) {
			return TR_ENOMEM;
		}
	}
	struct copy_batch *b = ci->filling;
	struct cluster_value *row = &b->vals[b->n_rows * ci->n_cols];
	for (unsigned i = 0; i < n && i < ci->n_cols; i++) {
		struct sql_value v;
		struct sql_error e = { .position = 0 };
		if (sql_param_decode(ci->oids[i], 0, f[i].p, f[i].len, &b->a,
				     &v, &e) != TR_OK) {
			e.context = sql_copy_reader_context(
				&ci->reader, &s->arena, i, &f[i]);
			copy_record_error(s, &e);
			return TR_ESQL;
		}
		/* The field dies with this call: keep copies. */
		if (cluster_value_from_sql(&v, &b->a, true, &row[i]) != TR_OK) {
			return TR_ENOMEM;
		}
	}
	b->n_rows++;
	if (b->n_rows == ci->rows_per_stmt) {
		tr_queue_push(&ci->full, &b->link);
		ci->n_full++;
		ci->filling = NULL;
	}
	return TR_OK;
}

/* The reader or a row failed: record why (the reader owns its error). */
static void copy_read_failed(struct server_session *s, int rv)
{
	struct copy_in *ci = s->copy_in;
	if (rv == TR_ESQL && !ci->failed) {
		copy_record_error(s, &ci->reader.error);
	} else if (rv != TR_ESQL) {
		struct sql_error e = { .position = 0 };
		sql_error_set(&e, &s->arena, "53200", "out of memory");
		copy_record_error(s, &e);
	}
}

static void op_copy_data(void *data, struct pgwire_session *pg,
			 const uint8_t *bytes, size_t len)
{
	struct server_session *s = pgwire_session_data(pg);
	TR_UNUSED(data);
	if (s == NULL || s->copy_in == NULL || s->copy_in->failed) {
		return;
	}
	int rv = sql_copy_reader_feed(&s->copy_in->reader, bytes, len, copy_row,
				      s);
	if (rv != TR_OK) {
		copy_read_failed(s, rv);
	}
	copy_pump(s);
}

static void op_copy_done(void *data, struct pgwire_session *pg)
{
	struct server_session *s = pgwire_session_data(pg);
	TR_UNUSED(data);
	if (s == NULL || s->copy_in == NULL) {
		return;
	}
	struct copy_in *ci = s->copy_in;
	ci->done = true;
	if (!ci->failed) {
		int rv = sql_copy_reader_finish(&ci->reader, copy_row, s);
		if (rv != TR_OK) {
			copy_read_failed(s, rv);
		}
	}
	copy_pump(s);
}

static void op_copy_fail(void *data, struct pgwire_session *pg,
			 const char *message)
{
	struct server_session *s = pgwire_session_data(pg);
	TR_UNUSED(data);
	if (s == NULL || s->copy_in == NULL) {
		return;
	}
	struct sql_error e = { .position = 0 };
	sql_error_set(&e, &s->arena, "57014", "COPY from stdin failed: %s",
		      message);
	copy_record_error(s, &e);
	s->copy_in->done = true;
	copy_pump(s);
}

/* In the COPY's transaction, under the write lock: ask for the data. */
static void copy_from_start(struct server_session *s)
{
	struct copy_in *ci = tr_calloc(1, sizeof *ci);
	if (ci == NULL) {
		failf(s, "53200", "out of memory");
		return;
	}
	ci->names = s->copy_names;
	ci->oids = s->copy_oids;
	ci->n_cols = s->copy_n;
	ci->rows_per_stmt = s->copy_n > 0 && s->copy_n < 255 ? 255 / s->copy_n
							     : 1;
	tr_queue_init(&ci->full);
	sql_copy_reader_init(&ci->reader, s->cur->copy, s->copy_n,
			     (const char *const *)s->copy_names);
	s->copy_in = ci;
	s->wait = WAIT_CLUSTER;
	pgwire_session_copy_in_start(s->pg, false, s->copy_n);
}

static void copy_began(struct cluster_client *c, void *arg,
		       const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		cluster_failed(s, res, false);
		return;
	}
	s->txn = TXN_IMPLICIT; /* committed at the end of the Query/Sync */
	copy_from_start(s);
}

/* The write lock is ours: COPY runs in a transaction of its own unless
 * one is open (all rows or none). */
static void copy_begin(struct server_session *s)
{
	if (s->txn != TXN_NONE) {
		copy_from_start(s);
		return;
	}
	if (!request_exec(s, "BEGIN", copy_began)) {
		failf(s, "53200", "out of memory");
	}
}

/* COPY FROM: the target columns from the mirror (reloaded once). */
static void copy_resolve(struct server_session *s)
{
	struct sql_error err = { .position = 0 };
	int rv = sql_catalog_copy_columns(s->db->catalog, s->cur->copy,
					  &s->arena, &s->copy_names,
					  &s->copy_oids, &s->copy_n, &err);
	if (rv == TR_ENOTFOUND && !s->catalog_retried) {
		s->catalog_retried = true;
		reload_catalog(s);
		return;
	}
	if (rv != TR_OK) {
		if (rv == TR_ENOMEM) {
			failf(s, "53200", "out of memory");
		} else {
			fail(s, &err);
		}
		return;
	}
	run_write(s);
}

/* ------------------------------------------------------------------ */
/* The statement loop                                                   */
/* ------------------------------------------------------------------ */

/* statement_timeout expired: cancel the statement as a CancelRequest
 * would, with its own message. */
static void statement_timeout_cb(uv_timer_t *t)
{
	struct server_session *s = t->data;
	if (!s->in_query || s->cur == NULL) {
		return;
	}
	s->timed_out = true;
	s->cancel_requested = true;
	if (s->wait == WAIT_LOCK) {
		server_writeq_cancel(&s->waiter);
		uv_timer_stop(&s->timer);
		s->wait = WAIT_NONE;
		failf(s, "57014",
		      "canceling statement due to statement timeout");
	}
}

/* Arm statement_timeout (milliseconds; 0 = off) for the statement that
 * starts now. */
static void start_statement_timer(struct server_session *s)
{
	const char *v = server_settings_get(s->settings, "statement_timeout");
	long ms = v != NULL ? strtol(v, NULL, 10) : 0;
	s->timed_out = false;
	uv_timer_stop(&s->stmt_timer);
	if (ms > 0) {
		uv_timer_start(&s->stmt_timer, statement_timeout_cb,
			       (uint64_t)ms, 0);
	}
}

static bool needs_cluster(const struct sql_stmt *st)
{
	switch (st->kind) {
	case SQL_QUERY:
	case SQL_EXEC:
	case SQL_BEGIN:
	case SQL_COMMIT:
	case SQL_ROLLBACK:
	case SQL_SAVEPOINT:
	case SQL_RELEASE:
	case SQL_ROLLBACK_TO:
	case SQL_COPY_FROM:
	case SQL_COPY_TO:
	case SQL_FETCH:
		return true;
	default:
		return false;
	}
}

static void implicit_begin_done(struct cluster_client *c, void *arg,
				const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		cluster_failed(s, res, false);
		return;
	}
	s->txn = TXN_IMPLICIT;
	step(s);
}

static void implicit_commit_done(struct cluster_client *c, void *arg,
				 const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		txn_ended(s, false);
		if (res->rc == TR_ESQL) {
			struct sql_error e = { .position = 0 };
			sql_error_from_sqlite(&e, &s->arena, res->code,
					      res->message);
			fail(s, &e);
		} else {
			cluster_lost(s, res, true);
		}
		return;
	}
	txn_ended(s, true);
	end_query(s);
}

/*
 * A query of triode's cluster views (triode_cluster_members): superusers
 * only, read-only, answered from the internal database over the system
 * connection; the result columns are text.
 */
static void run_cluster_view(struct server_session *s)
{
	if (!s->is_superuser) {
		failf(s, "42501",
		      "permission denied for view triode_cluster_members");
		return;
	}
	s->n_rows = 0;
	s->rowdesc_sent = false;
	s->row = NULL;
	s->offs = NULL;
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (server_sys_query(s->srv, true, s->cur->sqlite, NULL, 0,
			     query_columns, query_row, query_done,
			     s) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "57P03", "the cluster is not available right now");
	}
}

/* A catalog statement's row (or, @vals NULL, its columns) from the
 * mirror: the same path as rows from the leader. */
static int catalog_row(void *arg, unsigned n, const char *const *names,
		       const struct sql_value *vals)
{
	struct server_session *s = arg;
	if (vals == NULL) {
		query_columns(NULL, s, n, names);
		return TR_OK;
	}
	struct cluster_value *cv = tr_arena_alloc(&s->arena,
						  sizeof *cv * (n ? n : 1));
	if (cv == NULL) {
		return TR_ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		memset(&cv[i], 0, sizeof cv[i]);
		switch (vals[i].type) {
		case SQL_VALUE_INTEGER:
			cv[i].type = CLUSTER_INTEGER;
			cv[i].integer = vals[i].integer;
			break;
		case SQL_VALUE_FLOAT:
			cv[i].type = CLUSTER_FLOAT;
			cv[i].real = vals[i].real;
			break;
		case SQL_VALUE_TEXT:
			cv[i].type = CLUSTER_TEXT;
			cv[i].text.p = vals[i].p;
			cv[i].text.len = vals[i].len;
			break;
		case SQL_VALUE_BLOB:
			cv[i].type = CLUSTER_BLOB;
			cv[i].blob.p = vals[i].p;
			cv[i].blob.len = vals[i].len;
			break;
		default:
			cv[i].type = CLUSTER_NULL;
			break;
		}
	}
	return query_row(NULL, s, n, cv);
}

/* ------------------------------------------------------------------ */
/* pg_database: every database, from the internal database               */
/* ------------------------------------------------------------------ */

/* Does @sql name pg_database (any case)? */
static bool names_pg_database(const char *sql)
{
	static const char word[] = "pg_database";
	size_t n = sizeof word - 1;
	for (const char *p = sql; p != NULL && *p != '\0'; p++) {
		if (strncasecmp(p, word, n) == 0) {
			return true;
		}
	}
	return false;
}

static int dbs_row(struct cluster_client *c, void *arg, unsigned n,
		   const struct cluster_value *vals)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	if (n < 2 || vals[0].type != CLUSTER_INTEGER ||
	    vals[1].type != CLUSTER_TEXT) {
		return TR_OK;
	}
	if (s->n_dbs == s->cap_dbs) {
		unsigned cap = s->cap_dbs ? s->cap_dbs * 2 : 16;
		const char **names = tr_arena_alloc(&s->arena,
						    sizeof *names * cap);
		int64_t *oids = tr_arena_alloc(&s->arena, sizeof *oids * cap);
		if (names == NULL || oids == NULL) {
			return TR_ENOMEM;
		}
		if (s->n_dbs > 0) {
			memcpy(names, s->db_names, sizeof *names * s->n_dbs);
			memcpy(oids, s->db_oids, sizeof *oids * s->n_dbs);
		}
		s->db_names = names;
		s->db_oids = oids;
		s->cap_dbs = cap;
	}
	char *name = tr_arena_alloc(&s->arena, vals[1].text.len + 1);
	if (name == NULL) {
		return TR_ENOMEM;
	}
	memcpy(name, vals[1].text.p, vals[1].text.len);
	name[vals[1].text.len] = '\0';
	s->db_names[s->n_dbs] = name;
	/* OIDs above PostgreSQL's built-in range, stable per database. */
	s->db_oids[s->n_dbs] = 16384 + vals[0].integer;
	s->n_dbs++;
	return TR_OK;
}

static void dbs_done(struct cluster_client *c, void *arg,
		     const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	server_sys_check(s->srv, res);
	if (s->closing) {
		end_query(s);
		return;
	}
	if (res->rc != TR_OK) {
		failf(s, "57P03", "could not read the list of databases: %s",
		      res->message ? res->message : tr_strerror(res->rc));
		return;
	}
	if (sql_catalog_set_databases(s->db->catalog, s->n_dbs, s->db_names,
				      s->db_oids) != TR_OK) {
		failf(s, "53200", "out of memory");
		return;
	}
	s->dbs_fed = true;
	run_catalog_query(s);
}

/* Put every database into the mirror's pg_database, then run the catalog
 * query again (run_catalog_query). */
static void feed_databases(struct server_session *s)
{
	s->n_dbs = 0;
	s->cap_dbs = 0;
	s->db_names = NULL;
	s->db_oids = NULL;
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (server_sys_query(s->srv, true,
			     "SELECT rowid, name FROM databases ORDER BY name",
			     NULL, 0, NULL, dbs_row, dbs_done, s) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "57P03", "the cluster is not available right now");
	}
}

/*
 * A statement on the system catalogs runs on the local mirror, with no
 * round trip to the leader (sql_catalog_query); rows and completion go
 * through the same callbacks as a leader's result.
 */
static void run_catalog_query(struct server_session *s)
{
	struct sql_error err = { .position = 0 };
	struct sql_value *params = NULL;
	if (!s->dbs_fed && s->cur->sqlite != NULL &&
	    names_pg_database(s->cur->sqlite)) {
		feed_databases(s);
		return;
	}
	s->dbs_fed = false;
	s->n_rows = 0;
	s->rowdesc_sent = false;
	s->row = NULL;
	s->offs = NULL;
	if (s->n_params > 0) {
		params = tr_arena_alloc(&s->arena,
					sizeof *params * s->n_params);
		if (params == NULL) {
			failf(s, "53200", "out of memory");
			return;
		}
		for (unsigned i = 0; i < s->n_params; i++) {
			to_sql_value(&s->params[i], &params[i]);
		}
	}
	int rv = sql_catalog_query(s->db->catalog, s->cur, params, s->n_params,
				   catalog_row, s, &s->arena, &err);
	if (rv == TR_ESQL) {
		fail(s, &err);
		return;
	}
	if (rv == TR_ECANCELED && s->cancel_requested) {
		failf(s, "57014", "canceling statement due to %s",
		      s->timed_out ? "statement timeout" : "user request");
		return;
	}
	if (s->closing) {
		end_query(s);
		return;
	}
	if (rv != TR_OK) {
		failf(s, "53200", "out of memory");
		return;
	}
	/* query_done lands a pending request: take one for it. */
	s->pending++;
	struct cluster_result res = { .rc = TR_OK };
	query_done(NULL, s, &res);
}

/* Run @st, which needs the leader connection (ready by now). */
static void run_on_cluster(struct server_session *s, struct sql_stmt *st)
{
	switch (st->kind) {
	case SQL_BEGIN:
		if (s->txn == TXN_EXPLICIT) {
			send_warning(s, "25001",
				     "there is already a transaction in "
				     "progress");
			complete(s, st->tag);
		} else if (s->txn == TXN_IMPLICIT) {
			/* BEGIN turns the implicit block into a real one. */
			block_begin(s, st);
			s->txn = TXN_EXPLICIT;
			complete(s, st->tag);
		} else {
			block_begin(s, st); /* in force once it has begun */
			send_exec(s, "BEGIN");
		}
		return;
	case SQL_COMMIT:
	case SQL_ROLLBACK:
		if (s->txn == TXN_NONE) {
			send_warning(s, "25P01",
				     "there is no transaction in progress");
			complete(s, st->kind == SQL_COMMIT ? "COMMIT"
							   : "ROLLBACK");
			return;
		}
		if (s->txn == TXN_IMPLICIT) {
			send_warning(s, "25P01",
				     "there is no transaction in progress");
		}
		if (st->kind == SQL_COMMIT && s->txn == TXN_FAILED) {
			/* PostgreSQL answers COMMIT of a failed block with a
			 * rollback and the tag ROLLBACK: from here on the
			 * statement is a ROLLBACK, also for exec_done. */
			st->kind = SQL_ROLLBACK;
			send_exec(s, "ROLLBACK");
			return;
		}
		send_exec(s, st->kind == SQL_COMMIT ? "COMMIT" : "ROLLBACK");
		return;
	case SQL_SAVEPOINT:
	case SQL_RELEASE:
	case SQL_ROLLBACK_TO:
		if (s->txn != TXN_EXPLICIT && s->txn != TXN_FAILED) {
			failf(s, "25P01",
			      "%s can only be used in transaction blocks",
			      st->kind == SQL_SAVEPOINT ? "SAVEPOINT"
			      : st->kind == SQL_RELEASE
				      ? "RELEASE SAVEPOINT"
				      : "ROLLBACK TO SAVEPOINT");
			return;
		}
		send_exec(s, st->sqlite);
		return;
	case SQL_QUERY:
		s->described = false;
		s->catalog_retried = false;
		s->catalog_fresh = false;
		if (st->cluster_view) {
			run_cluster_view(s);
			return;
		}
		if (st->writes && st->returning == NULL) {
			failf(s, "0A000",
			      "statements that both write and return rows are "
			      "not supported yet");
			return;
		}
		describe_and_run(s);
		return;
	case SQL_EXEC:
		if (st->block_only && s->txn == TXN_NONE) {
			failf(s, "25P01",
			      "%s can only be used in transaction "
			      "blocks",
			      st->tag);
			return;
		}
		if (st->writes) {
			run_write(s);
		} else {
			send_exec(s, st->sqlite);
		}
		return;
	case SQL_COPY_FROM:
		s->catalog_retried = false;
		describe_and_run(s);
		return;
	case SQL_FETCH:
		run_fetch(s, st);
		return;
	case SQL_COPY_TO:
		s->copy_out = true;
		s->described = false;
		s->catalog_retried = false;
		describe_and_run(s);
		return;
	default:
		TR_NEVER(true);
		complete(s, st->tag);
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Cursors: DECLARE, FETCH, CLOSE                                       */
/* ------------------------------------------------------------------ */

static void cursors_free(struct server_session *s)
{
	while (s->cursors != NULL) {
		struct server_cursor *c = s->cursors;
		s->cursors = c->next;
		tr_arena_close(&c->arena);
		tr_free(c);
	}
	s->fetching = NULL;
}

static struct server_cursor *cursor_find(struct server_session *s,
					 const char *name,
					 struct server_cursor ***link)
{
	struct server_cursor **l = &s->cursors;
	for (; *l != NULL; l = &(*l)->next) {
		if (strcmp((*l)->name, name) == 0) {
			if (link != NULL) {
				*link = l;
			}
			return *l;
		}
	}
	return NULL;
}

static void run_declare(struct server_session *s, const struct sql_stmt *st)
{
	if (s->txn != TXN_EXPLICIT) {
		failf(s, "25P01",
		      "DECLARE CURSOR can only be used in transaction blocks");
		return;
	}
	if (st->n_params > 0) {
		failf(s, "0A000",
		      "DECLARE CURSOR with parameters is not supported");
		return;
	}
	if (cursor_find(s, st->name, NULL) != NULL) {
		failf(s, "42P03", "cursor \"%s\" already exists", st->name);
		return;
	}
	struct server_cursor *c = tr_calloc(1, sizeof *c);
	if (c == NULL) {
		failf(s, "53200", "out of memory");
		return;
	}
	tr_arena_init(&c->arena, 1024);
	c->query = *st;
	c->name = tr_arena_strdup(&c->arena, st->name);
	c->query.text = tr_arena_strdup(&c->arena, st->text);
	c->query.sqlite = tr_arena_strdup(&c->arena, st->sqlite);
	c->query.cols = st->n_cols > 0
				? tr_arena_alloc(&c->arena,
						 st->n_cols * sizeof *st->cols)
				: NULL;
	bool ok = c->name != NULL && c->query.text != NULL &&
		  c->query.sqlite != NULL &&
		  (st->n_cols == 0 || c->query.cols != NULL);
	for (unsigned i = 0; ok && i < st->n_cols; i++) {
		c->query.cols[i] = st->cols[i];
		c->query.cols[i].name = tr_arena_strdup(&c->arena,
							st->cols[i].name);
		ok = c->query.cols[i].name != NULL;
	}
	if (!ok) {
		tr_arena_close(&c->arena);
		tr_free(c);
		failf(s, "53200", "out of memory");
		return;
	}
	c->next = s->cursors;
	s->cursors = c;
	complete(s, "DECLARE CURSOR");
}

static void run_close(struct server_session *s, const struct sql_stmt *st)
{
	if (st->name == NULL) {
		cursors_free(s); /* CLOSE ALL */
		complete(s, "CLOSE CURSOR");
		return;
	}
	struct server_cursor **link;
	struct server_cursor *c = cursor_find(s, st->name, &link);
	if (c == NULL) {
		failf(s, "34000", "cursor \"%s\" does not exist", st->name);
		return;
	}
	*link = c->next;
	tr_arena_close(&c->arena);
	tr_free(c);
	complete(s, "CLOSE CURSOR");
}

/* FETCH: the cursor's query, from where the last FETCH stopped. */
static void run_fetch(struct server_session *s, const struct sql_stmt *st)
{
	struct server_cursor *c = cursor_find(s, st->name, NULL);
	if (c == NULL) {
		failf(s, "34000", "cursor \"%s\" does not exist", st->name);
		return;
	}
	struct sql_stmt *q = tr_arena_alloc(&s->arena, sizeof *q);
	if (q == NULL) {
		failf(s, "53200", "out of memory");
		return;
	}
	*q = c->query;
	q->kind = SQL_QUERY;
	q->tag = "FETCH";
	q->counted = true;
	q->sqlite = tr_arena_printf(
		&s->arena, "SELECT * FROM (%s) LIMIT %lld OFFSET %llu",
		c->query.sqlite,
		st->fetch_count == INT64_MAX ? -1LL
					     : (long long)st->fetch_count,
		(unsigned long long)c->pos);
	if (q->sqlite == NULL) {
		failf(s, "53200", "out of memory");
		return;
	}
	s->cur = q;
	s->fetching = c;
	s->described = false;
	s->catalog_retried = false;
	describe_and_run(s);
}

/* ------------------------------------------------------------------ */
/* CREATE DATABASE, DROP DATABASE                                       */
/* ------------------------------------------------------------------ */

/*
 * Both statements write triode's internal database over the system
 * connection.  A database is a row of its `databases` table; its dqlite
 * database is created by the first session that opens it.  dqlite 1.11
 * cannot delete a database, so DROP DATABASE removes the row (no new
 * session can open it from then on) and then drops every table and view
 * in it, in one transaction on a connection of its own, so that a later
 * CREATE DATABASE of the same name starts empty.
 *
 * Sessions using a database are counted on this node only: a session on
 * another node does not stop a DROP (its next statement meets an empty
 * database, and its next session open fails with 3D000).
 */

/* Refuse @what inside a transaction block, as PostgreSQL does (a Query of
 * several statements is an implicit block too). */
static bool refuse_in_block(struct server_session *s, const char *what)
{
	if (s->txn != TXN_NONE || s->batch.n_stmts > 1 ||
	    (s->ext == EXT_EXECUTE && !s->sync_follows)) {
		failf(s, "25001", "%s cannot run inside a transaction block",
		      what);
		return true;
	}
	return false;
}

static void createdb_done(struct cluster_client *c, void *arg,
			  const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	server_sys_check(s->srv, res);
	const struct sql_stmt *st = s->cur;
	if (s->closing) {
		end_query(s);
		return;
	}
	if (res->rc == TR_ESQL && (res->code & 0xff) == 19 /* CONSTRAINT */) {
		failf(s, "42P04", "database \"%s\" already exists", st->name);
		return;
	}
	if (res->rc != TR_OK) {
		failf(s, "57P03", "could not create database \"%s\": %s",
		      st->name,
		      res->message ? res->message : tr_strerror(res->rc));
		return;
	}
	if (res->rows_affected == 0) {
		failf(s, "42704", "role \"%s\" does not exist",
		      st->value != NULL ? st->value
					: pgwire_session_user(s->pg));
		return;
	}
	complete(s, "CREATE DATABASE");
}

static void run_create_database(struct server_session *s,
				const struct sql_stmt *st)
{
	if (refuse_in_block(s, "CREATE DATABASE")) {
		return;
	}
	if (!s->is_superuser) {
		failf(s, "42501", "permission denied to create database");
		return;
	}
	if (strcmp(st->name, SERVER_INTERNAL_DB) == 0) {
		failf(s, "42602", "database name \"%s\" is reserved", st->name);
		return;
	}
	const char *owner = st->value != NULL ? st->value
					      : pgwire_session_user(s->pg);
	if (owner == NULL) {
		owner = "postgres";
	}
	struct cluster_value params[2] = { { .type = CLUSTER_TEXT },
					   { .type = CLUSTER_TEXT } };
	params[0].text.p = st->name;
	params[0].text.len = strlen(st->name);
	params[1].text.p = owner;
	params[1].text.len = strlen(owner);
	s->pending++;
	s->wait = WAIT_CLUSTER;
	/* No row when the owner is no role (42704). */
	if (server_sys_exec(s->srv, true,
			    "INSERT INTO databases (name, owner) "
			    "SELECT ?, name FROM roles WHERE name = ?",
			    params, 2, createdb_done, s) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "57P03", "the cluster is not available right now");
	}
}

static void wipe_closed(struct cluster_client *c, void *arg)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	s->pending--;
	maybe_free(s);
}

static void dropdb_announced(void *arg)
{
	struct server_session *s = landed(arg);
	if (s->closing) {
		end_query(s);
		return;
	}
	complete(s, "DROP DATABASE");
}

/* The wipe ended (@res): close its connection, answer the DROP. */
static void wipe_end(struct server_session *s, const struct cluster_result *res)
{
	struct server_session *l = landed(s);
	s->pending++; /* the close */
	cluster_client_close(s->wipe, wipe_closed, s);
	s->wipe = NULL;
	if (l->closing) {
		end_query(l);
		return;
	}
	if (res->rc != TR_OK) {
		failf(l, "57P03",
		      "database \"%s\" was dropped but its tables could not be "
		      "removed: %s",
		      l->cur->name,
		      res->message ? res->message : tr_strerror(res->rc));
		return;
	}
	/* Every node's mirror of the dropped database is stale (a database
	 * of the same name made next starts empty). */
	l->pending++;
	if (server_schema_announce(l->srv, l->cur->name, uv_hrtime(),
				   dropdb_announced, l) != TR_OK) {
		l->pending--;
		complete(l, "DROP DATABASE");
	}
}

static void wipe_dropped(struct cluster_client *c, void *arg,
			 const struct cluster_result *res)
{
	TR_UNUSED(c);
	wipe_end(arg, res);
}

/* Quote @name as an SQLite identifier into the wipe script. */
static void wipe_put_ident(struct tr_buf *b, const char *p, size_t len)
{
	tr_buf_put_str(b, "\"");
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"') {
			tr_buf_put_str(b, "\"");
		}
		tr_buf_put(b, &p[i], 1);
	}
	tr_buf_put_str(b, "\"");
}

static int wipe_row(struct cluster_client *c, void *arg, unsigned n,
		    const struct cluster_value *vals)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	if (n < 2 || vals[0].type != CLUSTER_TEXT ||
	    vals[1].type != CLUSTER_TEXT) {
		return TR_OK;
	}
	bool view = vals[0].text.len == 4 &&
		    memcmp(vals[0].text.p, "view", 4) == 0;
	tr_buf_put_str(&s->wipe_sql,
		       view ? "DROP VIEW IF EXISTS " : "DROP TABLE IF EXISTS ");
	wipe_put_ident(&s->wipe_sql, vals[1].text.p, vals[1].text.len);
	tr_buf_put_str(&s->wipe_sql, "; ");
	return tr_buf_err(&s->wipe_sql);
}

static void wipe_listed(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct server_session *s = arg;
	if (res->rc != TR_OK) {
		wipe_end(s, res);
		return;
	}
	tr_buf_put_str(&s->wipe_sql, "COMMIT");
	struct cluster_result failed = { .rc = TR_ENOMEM };
	if (tr_buf_err(&s->wipe_sql) != TR_OK ||
	    cluster_client_exec_sql(c, tr_buf_cstr(&s->wipe_sql), NULL, 0,
				    wipe_dropped, s) != TR_OK) {
		wipe_end(s, &failed);
	}
}

/* Views first (they read tables); a table takes its indexes and
 * triggers along; SQLite's own tables stay. */
#define WIPE_LIST_SQL                                                  \
	"SELECT type, name FROM sqlite_master WHERE type IN ('view', " \
	"'table') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "         \
	"ORDER BY type = 'table', name"

static void wipe_opened(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct server_session *s = arg;
	struct cluster_result failed = { .rc = TR_ENOMEM };
	if (res->rc != TR_OK) {
		wipe_end(s, res);
		return;
	}
	tr_buf_reset(&s->wipe_sql);
	tr_buf_put_str(&s->wipe_sql, "BEGIN; ");
	if (cluster_client_query_sql(c, WIPE_LIST_SQL, NULL, 0, NULL, wipe_row,
				     wipe_listed, s) != TR_OK) {
		wipe_end(s, &failed);
	}
}

static void wipe_connected(struct cluster_client *c, void *arg,
			   const struct cluster_result *res)
{
	struct server_session *s = arg;
	struct cluster_result failed = { .rc = TR_ENOMEM };
	if (res->rc != TR_OK) {
		wipe_end(s, res);
		return;
	}
	if (cluster_client_open(c, s->cur->name, wipe_opened, s) != TR_OK) {
		wipe_end(s, &failed);
	}
}

/* The row is gone: empty the dqlite database (see above). */
static void wipe_start(struct server_session *s)
{
	/* This node's mirror of it is stale from now on. */
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &s->srv->dbs) {
		struct server_db *db = TR_QUEUE_DATA(q, struct server_db, link);
		if (strcmp(db->name, s->cur->name) == 0) {
			server_schema_stale(db);
		}
	}
	struct cluster_client_config cfg = { .tls = s->srv->node_client_ctx };
	if (cluster_client_new(s->srv->loop, &cfg, &s->wipe) != TR_OK) {
		s->wipe = NULL;
		failf(s, "53200", "out of memory");
		return;
	}
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (cluster_client_connect(s->wipe, server_leader_address(s->srv),
				   wipe_connected, s) != TR_OK) {
		struct cluster_result failed = {
			.rc = TR_EIO,
			.message = "could not reach the cluster leader",
		};
		wipe_end(s, &failed);
	}
}

static void dropdb_done(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	server_sys_check(s->srv, res);
	const struct sql_stmt *st = s->cur;
	if (s->closing) {
		end_query(s);
		return;
	}
	if (res->rc != TR_OK) {
		failf(s, "57P03", "could not drop database \"%s\": %s",
		      st->name,
		      res->message ? res->message : tr_strerror(res->rc));
		return;
	}
	if (res->rows_affected == 0) {
		if (st->missing_ok) {
			char msg[300];
			snprintf(msg, sizeof msg,
				 "database \"%s\" does not exist, skipping",
				 st->name);
			struct pgwire_error pe = {
				.severity = "NOTICE",
				.sqlstate = "00000",
				.message = msg,
			};
			send_notice(s, &pe);
			complete(s, "DROP DATABASE");
			return;
		}
		failf(s, "3D000", "database \"%s\" does not exist", st->name);
		return;
	}
	wipe_start(s);
}

unsigned server_sessions_on_db(struct server *srv, const char *db, bool force,
			       const void *except)
{
	unsigned n_busy = 0;
	struct tr_queue *q = srv->sessions.next;
	while (q != &srv->sessions) {
		struct server_session *o = TR_QUEUE_DATA(
			q, struct server_session, link);
		/* Terminating may free @o: step on first. */
		q = q->next;
		if (o == except || o->closing || o->pg == NULL ||
		    o->db_name == NULL || strcmp(o->db_name, db) != 0) {
			continue;
		}
		if (force && !o->in_query) {
			pgwire_session_terminate(
				o->pg, "57P01",
				"terminating connection due to administrator "
				"command");
			continue;
		}
		n_busy++;
	}
	return n_busy;
}

/* DROP DATABASE: the other members counted their sessions on it (@n). */
static void dropdb_counted(void *arg, unsigned n)
{
	struct server_session *s = landed(arg);
	const struct sql_stmt *st = s->cur;
	if (s->closing) {
		end_query(s);
		return;
	}
	unsigned n_busy = s->dropdb_local + n;
	if (n_busy > 0) {
		struct sql_error e = { .position = 0 };
		sql_error_set(&e, &s->arena, "55006",
			      "database \"%s\" is being accessed by other "
			      "users",
			      st->name);
		e.detail = tr_arena_printf(
			&s->arena,
			"There %s %u other session%s using the "
			"database.",
			n_busy == 1 ? "is" : "are", n_busy,
			n_busy == 1 ? "" : "s");
		fail(s, &e);
		return;
	}
	struct cluster_value param = { .type = CLUSTER_TEXT };
	param.text.p = st->name;
	param.text.len = strlen(st->name);
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (server_sys_exec(s->srv, true,
			    "DELETE FROM databases WHERE name = ?", &param, 1,
			    dropdb_done, s) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "57P03", "the cluster is not available right now");
	}
}

static void run_drop_database(struct server_session *s,
			      const struct sql_stmt *st)
{
	if (refuse_in_block(s, "DROP DATABASE")) {
		return;
	}
	if (strcmp(st->name, s->db_name) == 0) {
		failf(s, "55006", "cannot drop the currently open database");
		return;
	}
	if (!s->is_superuser) {
		failf(s, "42501", "must be owner of database %s", st->name);
		return;
	}
	if (strcmp(st->name, SERVER_INTERNAL_DB) == 0) {
		/* The reserved database looks like a missing one. */
		failf(s, "3D000", "database \"%s\" does not exist", st->name);
		return;
	}
	/* Sessions of this node on it, then of the other nodes: FORCE ends
	 * the idle ones. */
	s->dropdb_local = server_sessions_on_db(s->srv, st->name, st->force, s);
	s->pending++;
	s->wait = WAIT_CLUSTER;
	int rv = server_dbsessions_ask(s->srv, st->name, st->force,
				       dropdb_counted, s);
	if (rv == TR_ENOTFOUND) {
		dropdb_counted(s, 0); /* no other member */
	} else if (rv != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "53200", "out of memory");
	}
}

static int ignore_row(struct cluster_client *c, void *arg, unsigned n_cols,
		      const struct cluster_value *vals)
{
	TR_UNUSED(c);
	TR_UNUSED(arg);
	TR_UNUSED(n_cols);
	TR_UNUSED(vals);
	return TR_OK;
}

static void discard_done(struct cluster_client *c, void *arg,
			 const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		cluster_failed(s, res, false);
		return;
	}
	s->adv_locks = false;
	complete(s, s->cur->tag ? s->cur->tag : "DISCARD ALL");
}

/* DISCARD ALL releases the session's advisory locks too, as
 * PostgreSQL's does (pgbouncer resets server connections with it). */
static void discard_advisory(struct server_session *s)
{
	s->pending++;
	s->wait = WAIT_CLUSTER;
	if (cluster_client_query_sql(s->cc, "SELECT pg_advisory_unlock_all()",
				     NULL, 0, NULL, ignore_row, discard_done,
				     s) != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
		failf(s, "53200", "out of memory");
	}
}

static void step(struct server_session *s)
{
	if (s->closing) {
		end_query(s);
		return;
	}
	if (s->cur == NULL) {
		if (s->next >= s->batch.n_stmts) {
			/* End of the Query: commit its implicit block. */
			if (s->txn == TXN_IMPLICIT && s->cc_ready) {
				if (!request_exec(s, "COMMIT",
						  implicit_commit_done)) {
					failf(s, "53200", "out of memory");
				}
				return;
			}
			end_query(s);
			return;
		}
		s->cur = &s->batch.stmts[s->next++];
		s->stmt_retried = false;
		s->settings_read = false;
		s->busy_retries = 0;
		s->adv_waits = 0;
		s->adv_locks |= s->cur->advisory && s->ext != EXT_PREPARE;
		start_statement_timer(s);
	}
	struct sql_stmt *st = s->cur;

	if (s->txn == TXN_FAILED && st->kind != SQL_ROLLBACK &&
	    st->kind != SQL_COMMIT && st->kind != SQL_ROLLBACK_TO) {
		failf(s, "25P02",
		      "current transaction is aborted, commands ignored until "
		      "end of transaction block");
		return;
	}
	if (st->session_dependent && !s->settings_read) {
		/* current_setting(): the settings as they are now, after
		 * the batch's earlier statements. */
		s->settings_read = true;
		retranslate(s);
		return;
	}
	if ((st->failed && st->needs_schema) || st->schema_miss) {
		if (s->db != NULL) {
			/* A type or table made since the mirror was read? */
			s->retranslate = true;
			reload_catalog(s);
			return;
		}
	}
	if (st->failed) {
		fail(s, &st->error);
		return;
	}
	const char *refused = read_only_refusal(st);
	if (refused != NULL && s->ext != EXT_PREPARE && txn_read_only(s)) {
		failf(s, "25006",
		      "cannot execute %s in a read-only transaction", refused);
		return;
	}
	if (st->cluster_view && st->kind != SQL_QUERY) {
		failf(s, "42809", "triode_cluster_members is a read-only view");
		return;
	}
	switch (st->kind) {
	case SQL_EMPTY:
		if (!s->closing) {
			pgwire_session_send_empty_query(s->pg);
		}
		s->cur = NULL;
		step(s);
		return;
	case SQL_SET:
	case SQL_RESET:
		if (st->kind == SQL_RESET && strcasecmp(st->name, "all") == 0) {
			if (s->txn != TXN_NONE && s->settings_saved == NULL &&
			    server_settings_copy(s->settings,
						 &s->settings_saved) != TR_OK) {
				failf(s, "53200", "out of memory");
				return;
			}
			server_settings_reset_all(s->settings, report_setting,
						  s);
			complete(s, "RESET");
			return;
		}
		run_set(s);
		return;
	case SQL_SHOW:
		run_show(s);
		return;
	case SQL_DECLARE:
		run_declare(s, st);
		return;
	case SQL_CLOSE:
		run_close(s, st);
		return;
	case SQL_CREATE_DATABASE:
		run_create_database(s, st);
		return;
	case SQL_DROP_DATABASE:
		run_drop_database(s, st);
		return;
	case SQL_DISCARD:
		if (s->txn != TXN_NONE) {
			failf(s, "25001",
			      "DISCARD ALL cannot run inside a transaction "
			      "block");
			return;
		}
		server_settings_reset_all(s->settings, report_setting, s);
		if (s->adv_locks && s->cc_ready) {
			discard_advisory(s);
			return;
		}
		complete(s, st->tag ? st->tag : "DISCARD ALL");
		return;
	default:
		break;
	}
	if (!needs_cluster(st)) {
		TR_NEVER(true);
		complete(s, st->tag);
		return;
	}
	if (s->cc != NULL && cluster_client_is_broken(s->cc)) {
		/* The leader went away while we were idle (or between two
		 * statements).  Outside a transaction nothing is lost: the
		 * statement reconnects.  Inside one, the transaction is gone
		 * (dqlite rolled it back), and PostgreSQL's client is told. */
		drop_cluster(s);
		s->leader_lost = true;
		if (s->txn != TXN_NONE) {
			bool rolling_back = st->kind == SQL_ROLLBACK ||
					    (st->kind == SQL_COMMIT &&
					     s->txn == TXN_FAILED);
			txn_ended(s, false);
			if (rolling_back) {
				complete(s, "ROLLBACK");
				return;
			}
			/* The client still believes in its block: it must
			 * roll back, as after any error in a transaction. */
			s->txn = st->kind == SQL_COMMIT ? TXN_NONE
							: TXN_EXPLICIT;
			failf(s, "40001",
			      "the transaction was rolled back: the cluster "
			      "leader changed");
			return;
		}
	}
	if (!s->cc_ready) {
		if (s->adv_locks) {
			/* Its advisory locks went with the connection. */
			s->adv_lost = true;
			failf(s, "57P01", ADV_LOST_MSG);
			return;
		}
		if (s->cc != NULL) {
			/* Half-open leftovers: start afresh. */
			drop_cluster(s);
		}
		s->wait = WAIT_OPEN;
		s->reconnect_retried = false;
		if (s->leader_lost) {
			/* The leader we knew is gone: ask who leads now. */
			s->leader_lost = false;
			wait_for_leader(s);
			return;
		}
		reconnect(s);
		return;
	}
	/* A Query of several statements is one implicit transaction. */
	bool implicit = s->batch.n_stmts > 1 ||
			(s->ext == EXT_EXECUTE && !s->sync_follows);
	if (s->txn == TXN_NONE && implicit && st->kind != SQL_BEGIN &&
	    st->kind != SQL_COMMIT && st->kind != SQL_ROLLBACK) {
		if (!request_exec(s, "BEGIN", implicit_begin_done)) {
			failf(s, "53200", "out of memory");
		}
		return;
	}
	if (s->ext == EXT_PREPARE) {
		/* Parse only describes: never run the statement. */
		describe_and_run(s);
		return;
	}
	run_on_cluster(s, st);
}

/* ------------------------------------------------------------------ */
/* Executor ops                                                         */
/* ------------------------------------------------------------------ */

static struct server_session *session_get(struct server *srv,
					  struct pgwire_session *pg)
{
	struct server_session *s = pgwire_session_data(pg);
	if (s != NULL) {
		return s;
	}
	s = tr_calloc(1, sizeof *s);
	if (s == NULL) {
		return NULL;
	}
	if (server_settings_new(&s->settings) != TR_OK) {
		tr_free(s);
		return NULL;
	}
	s->srv = srv;
	s->pg = pg;
	tr_arena_init(&s->arena, 16384);
	tr_buf_init(&s->vals, 0);
	tr_buf_init(&s->wipe_sql, 0);
	uv_timer_init(srv->loop, &s->timer);
	s->timer.data = s;
	uv_timer_init(srv->loop, &s->stmt_timer);
	s->stmt_timer.data = s;
	tr_queue_push(&srv->sessions, &s->link);
	pgwire_session_set_data(pg, s);
	return s;
}

static void maybe_free(struct server_session *s)
{
	if (!s->closing || s->pending > 0 || s->in_query) {
		return;
	}
	if (s->holds_lock) {
		/* Roll back before handing the lock on, so the next writer
		 * cannot meet our transaction on the leader. */
		if (s->cc_ready && s->txn != TXN_NONE) {
			s->in_query = true; /* keeps us alive meanwhile */
			if (request_exec(s, "ROLLBACK", rollback_done)) {
				s->txn = TXN_NONE;
				return;
			}
			s->in_query = false;
		}
		release_lock(s);
	}
	if (s->cc != NULL) {
		drop_cluster(s);
		return;
	}
	if (!uv_is_closing((uv_handle_t *)&s->timer)) {
		uv_close((uv_handle_t *)&s->timer, timer_close_cb);
		uv_close((uv_handle_t *)&s->stmt_timer, timer_close_cb);
		return;
	}
	if (!s->timer_closed || !s->stmt_timer_closed) {
		return;
	}
	tr_queue_remove(&s->link);
	if (s->pg != NULL) {
		pgwire_session_release(s->pg);
		s->pg = NULL;
	}
	cursors_free(s);
	server_settings_free(s->settings_saved);
	for (unsigned i = 0; i < s->n_local; i++) {
		tr_free(s->local_names[i]);
	}
	tr_arena_close(&s->arena);
	tr_buf_close(&s->vals);
	tr_buf_close(&s->wipe_sql);
	server_settings_free(s->settings);
	tr_free(s->db_name);
	tr_free(s->verifier);
	tr_free(s);
}

/*
 * Work that must not run inside the executor op that started it (STYLE.md:
 * never call back before returning) is deferred to the next loop turn with
 * the session's timer: a Query's first step, or an open that failed early.
 */
static void portal_drain(struct server_session *s);
static int prepare_params(struct server_session *s, struct server_prepared *p,
			  unsigned n_given, const uint32_t *given);
static int decode_params(struct server_session *s, struct server_prepared *p,
			 unsigned n, const struct pgwire_param *params,
			 struct sql_error *err);

static void kick_cb(uv_timer_t *t)
{
	struct server_session *s = t->data;
	s->pending--;
	if (s->kick_fatal[0] != '\0') {
		struct pgwire_error e = {
			.severity = "FATAL",
			.sqlstate = s->kick_fatal,
			.message = s->kick_msg,
		};
		s->wait = WAIT_NONE;
		if (!s->closing) {
			pgwire_session_open_done(s->pg, &e, false);
		}
		maybe_free(s);
		return;
	}
	switch (s->kick_what) {
	case KICK_END:
		end_query(s);
		return;
	case KICK_DRAIN:
		portal_drain(s);
		return;
	case KICK_STEP:
		step(s);
		return;
	}
}

static void kick(struct server_session *s)
{
	s->pending++;
	uv_timer_start(&s->timer, kick_cb, 0, 0);
}

/* auth_lookup: the role's SCRAM verifier from the internal database.
 * A connection made while the node has no leader (a failover, a node
 * just started) waits for one, up to AUTH_WAIT_MS, instead of failing at
 * once: clients rarely retry a refused connection. */
#define AUTH_WAIT_MS  5000
#define AUTH_RETRY_MS 100

static void auth_retry_cb(uv_timer_t *t);

static int auth_row(struct cluster_client *c, void *arg, unsigned n,
		    const struct cluster_value *vals)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	if (n >= 2 && vals[0].type == CLUSTER_TEXT && s->verifier == NULL) {
		s->verifier = tr_strndup(vals[0].text.p, vals[0].text.len);
		if (s->verifier == NULL) {
			return TR_ENOMEM;
		}
		s->is_superuser = vals[1].type == CLUSTER_INTEGER &&
				  vals[1].integer != 0;
	}
	return TR_OK;
}

static void auth_done(struct cluster_client *c, void *arg,
		      const struct cluster_result *res)
{
	struct server_session *s = landed(arg);
	TR_UNUSED(c);
	server_sys_check(s->srv, res);
	if (res->rc != TR_OK && res->rc != TR_ESQL && !s->closing &&
	    (s->auth_deadline == 0 ||
	     uv_now(s->srv->loop) < s->auth_deadline)) {
		/* The leader went away under the lookup: wait for the next
		 * one (auth_retry_cb). */
		if (s->auth_deadline == 0) {
			s->auth_deadline = uv_now(s->srv->loop) + AUTH_WAIT_MS;
		}
		if (s->verifier != NULL) {
			memset(s->verifier, 0, strlen(s->verifier));
			tr_free(s->verifier);
			s->verifier = NULL;
		}
		s->pending++;
		uv_timer_start(&s->timer, auth_retry_cb, AUTH_RETRY_MS, 0);
		maybe_free(s);
		return;
	}
	if (res->rc != TR_OK) {
		tr_warn("session", "role lookup failed: %s",
			res->message ? res->message : tr_strerror(res->rc));
	}
	if (!s->closing) {
		pgwire_session_auth_lookup_done(
			s->pg, res->rc, res->rc == TR_OK ? s->verifier : NULL);
	}
	/* The verifier is secret material: do not keep it around. */
	if (s->verifier != NULL) {
		memset(s->verifier, 0, strlen(s->verifier));
		tr_free(s->verifier);
		s->verifier = NULL;
	}
	maybe_free(s);
}

static int auth_query(struct server_session *s)
{
	struct cluster_value param = { .type = CLUSTER_TEXT };
	param.text.p = s->auth_user;
	param.text.len = strlen(s->auth_user);
	s->pending++;
	s->wait = WAIT_AUTH;
	int rv = server_sys_query(
		s->srv, true,
		"SELECT verifier, superuser FROM roles WHERE name = ?", &param,
		1, NULL, auth_row, auth_done, s);
	if (rv != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
	}
	return rv;
}

static void auth_retry_cb(uv_timer_t *t)
{
	struct server_session *s = t->data;
	s->pending--;
	if (s->closing) {
		maybe_free(s);
		return;
	}
	if (auth_query(s) == TR_OK) {
		return;
	}
	if (uv_now(s->srv->loop) < s->auth_deadline) {
		s->pending++;
		uv_timer_start(&s->timer, auth_retry_cb, AUTH_RETRY_MS, 0);
		return;
	}
	pgwire_session_auth_lookup_done(s->pg, TR_EIO, NULL);
	maybe_free(s);
}

static int op_auth_lookup(void *data, struct pgwire_session *pg,
			  const char *user)
{
	struct server *srv = data;
	struct server_session *s = session_get(srv, pg);
	if (s == NULL) {
		return TR_ENOMEM;
	}
	snprintf(s->auth_user, sizeof s->auth_user, "%s", user);
	if (auth_query(s) == TR_OK) {
		return TR_OK;
	}
	/* No system connection yet: wait for a leader. */
	s->auth_deadline = uv_now(srv->loop) + AUTH_WAIT_MS;
	s->pending++;
	uv_timer_start(&s->timer, auth_retry_cb, AUTH_RETRY_MS, 0);
	return TR_OK;
}

/* session_open: check the database, apply startup options, connect. */

static void open_fatal(struct server_session *s, const char *sqlstate,
		       const char *msg)
{
	struct pgwire_error e = {
		.severity = "FATAL",
		.sqlstate = sqlstate,
		.message = msg,
	};
	s->wait = WAIT_NONE;
	if (!s->closing) {
		pgwire_session_open_done(s->pg, &e, false);
	}
	maybe_free(s);
}

static void open_cluster_done(struct cluster_client *c, void *arg,
			      const struct cluster_result *res)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	s->pending--;
	if (res->rc != TR_OK) {
		char msg[300];
		snprintf(msg, sizeof msg, "could not open database \"%s\": %s",
			 s->db_name, res->message ? res->message : "error");
		drop_cluster(s);
		open_fatal(s, "57P03", msg);
		return;
	}
	s->cc_ready = true;
	s->wait = WAIT_NONE;
	if (!s->closing) {
		pgwire_session_open_done(s->pg, NULL, s->is_superuser);
	}
	maybe_free(s);
}

static void open_connect_done(struct cluster_client *c, void *arg,
			      const struct cluster_result *res)
{
	struct server_session *s = arg;
	s->pending--;
	if (res->rc == TR_OK && !s->closing) {
		s->pending++;
		if (cluster_client_open(c, s->db_name, open_cluster_done, s) ==
		    TR_OK) {
			return;
		}
		s->pending--;
	}
	drop_cluster(s);
	open_fatal(s, "57P03", "the cluster leader cannot be reached");
}

static int open_row(struct cluster_client *c, void *arg, unsigned n,
		    const struct cluster_value *vals)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	if (n >= 1 && vals[0].type == CLUSTER_INTEGER && vals[0].integer > 0) {
		s->db = server_db_get(s->srv, s->db_name);
		if (s->db == NULL) {
			return TR_ENOMEM;
		}
	}
	return TR_OK;
}

static void open_check_done(struct cluster_client *c, void *arg,
			    const struct cluster_result *res)
{
	struct server_session *s = arg;
	TR_UNUSED(c);
	s->pending--;
	server_sys_check(s->srv, res);
	if (s->closing) {
		maybe_free(s);
		return;
	}
	if (res->rc != TR_OK) {
		open_fatal(s, "57P03", "the cluster is not available");
		return;
	}
	if (s->db == NULL) {
		char msg[300];
		snprintf(msg, sizeof msg, "database \"%s\" does not exist",
			 s->db_name);
		open_fatal(s, "3D000", msg);
		return;
	}
	if (connect_leader(s, open_connect_done) != TR_OK) {
		open_fatal(s, "57P03", "the cluster leader cannot be reached");
	}
}

/* Apply "-c name=value" / "--name=value" words of the options parameter. */
static int apply_options(struct server_session *s, const char *options,
			 struct sql_error *err)
{
	char *copy = tr_arena_strdup(&s->arena, options);
	if (copy == NULL) {
		return TR_ENOMEM;
	}
	char *save = NULL;
	bool after_c = false;
	for (char *w = strtok_r(copy, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "-c") == 0) {
			after_c = true;
			continue;
		}
		char *kv = w;
		if (!after_c) {
			if (strncmp(w, "--", 2) == 0 ||
			    strncmp(w, "-c", 2) == 0) {
				kv = w + 2;
			} else {
				sql_error_set(err, &s->arena, "0A000",
					      "startup option \"%s\" is not "
					      "supported",
					      w);
				return TR_ESQL;
			}
		}
		after_c = false;
		char *eq = strchr(kv, '=');
		if (eq == NULL) {
			sql_error_set(err, &s->arena, "42601",
				      "-c %s requires a value", kv);
			return TR_ESQL;
		}
		*eq = '\0';
		for (char *p = kv; *p != '\0'; p++) {
			if (*p == '-') {
				*p = '_';
			}
		}
		bool report;
		int rv = server_settings_set(s->settings, &s->arena, kv, eq + 1,
					     &report, err);
		if (rv != TR_OK) {
			return rv;
		}
	}
	return TR_OK;
}

/* Startup parameters are settings, applied as SET would. */
static int apply_startup(struct server_session *s,
			 const struct pgwire_startup *st, struct sql_error *err)
{
	for (unsigned i = 0; i < st->n_options; i++) {
		const char *k = st->keys[i];
		const char *v = st->values[i];
		bool report = false;
		int rv;
		if (strcmp(k, "options") == 0) {
			rv = apply_options(s, v, err);
		} else if (strcmp(k, "replication") == 0) {
			sql_error_set(err, &s->arena, "0A000",
				      "replication connections are not "
				      "supported");
			rv = TR_ESQL;
		} else {
			rv = server_settings_set(s->settings, &s->arena, k, v,
						 &report, err);
		}
		if (rv != TR_OK) {
			return rv;
		}
	}
	/* Report the settings the client changed at startup. */
	static const char *const reported[] = { "application_name",
						"client_encoding", "DateStyle",
						"IntervalStyle", "TimeZone" };
	for (size_t i = 0; i < TR_ARRAY_LEN(reported); i++) {
		pgwire_session_send_parameter(
			s->pg, reported[i],
			server_settings_get(s->settings, reported[i]));
	}
	return TR_OK;
}

static int op_session_open(void *data, struct pgwire_session *pg,
			   const struct pgwire_startup *st)
{
	struct server *srv = data;
	struct server_session *s = session_get(srv, pg);
	struct sql_error err = { .position = 0 };
	if (s == NULL) {
		return TR_ENOMEM;
	}
	s->db_name = tr_strdup(st->database);
	if (s->db_name == NULL) {
		return TR_ENOMEM;
	}
	s->wait = WAIT_OPEN;
	int rv = apply_startup(s, st, &err);
	if (rv == TR_ENOMEM) {
		return rv;
	}
	if (rv != TR_OK) {
		snprintf(s->kick_fatal, sizeof s->kick_fatal, "%s",
			 err.sqlstate);
		snprintf(s->kick_msg, sizeof s->kick_msg, "%s", err.message);
		kick(s);
		return TR_OK;
	}
	if (strcmp(s->db_name, SERVER_INTERNAL_DB) == 0) {
		/* The reserved database looks like a missing one. */
		snprintf(s->kick_fatal, sizeof s->kick_fatal, "3D000");
		snprintf(s->kick_msg, sizeof s->kick_msg,
			 "database \"%s\" does not exist", s->db_name);
		kick(s);
		return TR_OK;
	}
	struct cluster_value param = { .type = CLUSTER_TEXT };
	param.text.p = s->db_name;
	param.text.len = strlen(s->db_name);
	s->pending++;
	rv = server_sys_query(srv, true,
			      "SELECT count(*) FROM databases WHERE name = ?",
			      &param, 1, NULL, open_row, open_check_done, s);
	if (rv != TR_OK) {
		s->pending--;
		s->wait = WAIT_NONE;
	}
	return rv;
}

/* current_setting()'s answer for the translator: what SHOW prints. */
static const char *setting_value(void *ctx, const char *name)
{
	struct server_session *s = ctx;
	if (strcmp(name, "transaction_isolation") == 0) {
		return txn_isolation(s);
	}
	if (strcmp(name, "transaction_read_only") == 0) {
		return txn_read_only(s) ? "on" : "off";
	}
	if (strcmp(name, "is_superuser") == 0) {
		return s->is_superuser ? "on" : "off";
	}
	const char *v = server_settings_get(s->settings, name);
	return v != NULL ? server_settings_display(name, v, s->setting_buf,
						   sizeof s->setting_buf)
			 : NULL;
}

/* What current_user, pg_backend_pid() and inet_client_addr() say. */
static const struct sql_session_facts *session_facts(struct server_session *s)
{
	struct sql_session_facts *f = &s->facts;
	if (f->user != NULL) {
		return f; /* fixed for the session's life: read once */
	}
	f->user = pgwire_session_user(s->pg);
	f->backend_pid = pgwire_session_id(s->pg);
	f->client_addr = NULL;
	f->client_port = 0;
	/* "host:port", the host possibly IPv6 (colons): the last one. */
	const char *peer = pgwire_session_peer(s->pg);
	const char *colon = peer != NULL ? strrchr(peer, ':') : NULL;
	if (colon != NULL && (size_t)(colon - peer) < sizeof s->client_addr) {
		snprintf(s->client_addr, sizeof s->client_addr, "%.*s",
			 (int)(colon - peer), peer);
		f->client_addr = s->client_addr;
		f->client_port = atoi(colon + 1);
	}
	return f;
}

/* sql_parse through the database's translation cache. */
static int parse_cached(struct server_session *s, struct tr_arena *a,
			const char *sql, struct sql_batch *out,
			struct sql_error *err)
{
	sql_translation_settings(setting_value, s);
	sql_translation_session(session_facts(s));
	if (s->db == NULL) {
		sql_catalog_translation_scope(NULL, false);
		return sql_parse(a, sql, out, err);
	}
	/* Enum types and column types come from the mirror.  While DDL has
	 * made it stale, the cache's entries (typed by the mirror as it
	 * was) are passed by, and a translation that reads column types
	 * asks for a reload (schema_miss). */
	bool stale = !s->db->catalog_loaded;
	sql_catalog_translation_scope(s->db->catalog, stale);
	if (stale) {
		return sql_parse(a, sql, out, err);
	}
	return sql_cache_parse(s->db->cache,
			       sql_catalog_version(s->db->catalog),
			       server_settings_get(s->settings, "search_path"),
			       a, sql, out, err);
}

static int one_stmt_batch(struct server_session *s, enum sql_kind kind,
			  const struct sql_error *err)
{
	struct sql_stmt *st = tr_arena_alloc(&s->arena, sizeof *st);
	if (st == NULL) {
		return TR_ENOMEM;
	}
	memset(st, 0, sizeof *st);
	st->kind = kind;
	if (err != NULL) {
		st->failed = true;
		st->error = *err;
	}
	s->batch.n_stmts = 1;
	s->batch.stmts = st;
	return TR_OK;
}

static int op_query(void *data, struct pgwire_session *pg, const char *sql,
		    size_t len)
{
	struct server_session *s = pgwire_session_data(pg);
	struct sql_error err = { .position = 0 };
	TR_UNUSED(data);
	TR_UNUSED(len);
	if (s == NULL || s->in_query) {
		return TR_EINTERNAL;
	}
	s->next = 0;
	s->cur = NULL;
	if (s->db != NULL) {
		server_schema_check_lease(s->db);
	}
	int rv = parse_cached(s, &s->arena, sql, &s->batch, &err);
	if (rv == TR_ESQL) {
		/* A syntax error fails the whole Query before anything runs,
		 * as in PostgreSQL. */
		rv = one_stmt_batch(s, SQL_EMPTY, &err);
	} else if (rv == TR_OK && s->batch.n_stmts == 0) {
		rv = one_stmt_batch(s, SQL_EMPTY, NULL);
	}
	if (rv != TR_OK) {
		tr_arena_reset(&s->arena);
		return rv;
	}
	begin_op(s);
	s->kick_fatal[0] = '\0';
	kick(s);
	return TR_OK;
}

/* ------------------------------------------------------------------ */
/* Extended query protocol                                              */
/* ------------------------------------------------------------------ */

/*
 * The parameter types of a new prepared statement: those the client gave
 * (non-zero OIDs win), else what the translator inferred, resolved
 * against the schema mirror, else text.
 */
static int prepare_params(struct server_session *s, struct server_prepared *p,
			  unsigned n_given, const uint32_t *given)
{
	unsigned n_stmt = p->stmt != NULL ? p->stmt->n_params : 0;
	unsigned n = n_given > n_stmt ? n_given : n_stmt;
	p->n_params = n;
	p->param_oids = tr_arena_alloc(&p->arena,
				       sizeof *p->param_oids * (n ? n : 1));
	if (p->param_oids == NULL) {
		return TR_ENOMEM;
	}
	/* The client's types win (0: unspecified). */
	for (unsigned i = 0; i < n; i++) {
		p->param_oids[i] = i < n_given ? given[i] : 0;
	}
	if (n_stmt > 0 && s->db != NULL && s->db->catalog_loaded) {
		int rv = sql_catalog_describe_params(s->db->catalog, p->stmt,
						     &p->arena, p->param_oids);
		if (rv != TR_OK) {
			return rv;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (p->param_oids[i] == 0 && i < n_stmt) {
			p->param_oids[i] = p->stmt->params[i].oid;
		}
		if (p->param_oids[i] == 0) {
			p->param_oids[i] = SQL_OID_TEXT;
		}
	}
	return TR_OK;
}

/* Bind's values as SQLite stores them, by the statement's types. */
static int decode_params(struct server_session *s, struct server_prepared *p,
			 unsigned n, const struct pgwire_param *params,
			 struct sql_error *err)
{
	if (n == 0) {
		return TR_OK;
	}
	struct cluster_value *cv = tr_arena_alloc(&s->arena, sizeof *cv * n);
	if (cv == NULL) {
		return TR_ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		struct sql_value v;
		uint32_t oid = i < p->n_params ? p->param_oids[i]
					       : SQL_OID_TEXT;
		int rv = sql_param_decode(oid, params[i].format, params[i].p,
					  params[i].len, &s->arena, &v, err);
		if (rv != TR_OK) {
			if (rv == TR_ESQL && err->message != NULL) {
				char *m = tr_arena_printf(&s->arena,
							  "%s (parameter $%u)",
							  err->message, i + 1);
				if (m != NULL) {
					err->message = m;
				}
			}
			return rv;
		}
		/* A blob's bytes live in the Bind message until Execute. */
		if (cluster_value_from_sql(&v, &s->arena, false, &cv[i]) !=
		    TR_OK) {
			return TR_ENOMEM;
		}
	}
	s->params = cv;
	s->n_params = n;
	return TR_OK;
}

/* Parse succeeded: hand the statement, its parameter types and its
 * columns to pgwire (which now owns @s->prep until unprepare). */
static void finish_prepare(struct server_session *s)
{
	struct server_prepared *p = s->prep;
	if (prepare_params(s, p, p->n_given, p->given) != TR_OK) {
		failf(s, "53200", "out of memory");
		return;
	}
	unsigned n = 0;
	const struct sql_column *cols = NULL;
	if (p->stmt != NULL && p->stmt->kind == SQL_QUERY) {
		if (s->described) {
			n = s->n_cols;
			cols = s->cols;
		} else {
			n = p->stmt->n_cols;
			cols = p->stmt->cols;
		}
	}
	if (p->stmt != NULL && p->stmt->kind == SQL_FETCH) {
		const struct server_cursor *c = cursor_find(s, p->stmt->name,
							    NULL);
		if (c != NULL) {
			n = c->query.n_cols;
			cols = c->query.cols;
		}
	}
	bool show = p->stmt != NULL &&
		    (p->stmt->kind == SQL_SHOW || p->stmt->set_column != NULL);
	if (show) {
		n = 1;
	}
	/* The answer outlives the arena (see end_query): one heap block
	 * with the columns and their names. */
	size_t names = 0;
	for (unsigned i = 0; i < n && !show; i++) {
		names += strlen(cols[i].name) + 1;
	}
	const char *show_name = NULL;
	if (show) {
		show_name = p->stmt->set_column != NULL
				    ? p->stmt->set_column
				    : server_settings_canonical(p->stmt->name);
		show_name = show_name != NULL ? show_name : p->stmt->name;
		names = strlen(show_name) + 1;
	}
	struct pgwire_column *pc = tr_malloc(sizeof *pc * (n ? n : 1) + names);
	if (pc == NULL) {
		failf(s, "53200", "out of memory");
		return;
	}
	char *text = (char *)(pc + (n ? n : 1));
	for (unsigned i = 0; i < n; i++) {
		const char *name = show ? show_name : cols[i].name;
		size_t len = strlen(name) + 1;
		memcpy(text, name, len);
		uint32_t oid = show || cols[i].type_oid == 0 ? SQL_OID_TEXT
							     : cols[i].type_oid;
		pc[i] = (struct pgwire_column){
			.name = text,
			.table_oid = show ? 0 : cols[i].table_oid,
			.attnum = show ? 0 : cols[i].attnum,
			.type_oid = oid,
			.typlen = sql_type_len(oid),
			.typmod = show ? -1
				       : sql_typmod_wire(oid, cols[i].typmod),
		};
		text += len;
	}
	p->has_result = p->stmt != NULL && p->stmt->kind == SQL_QUERY &&
			s->described;
	p->n_result = p->has_result ? n : 0;
	p->result_oids = p->has_result ? tr_arena_alloc(&p->arena,
							sizeof(uint32_t) *
								(n ? n : 1))
				       : NULL;
	p->has_result = p->result_oids != NULL;
	for (unsigned i = 0; i < n && p->has_result; i++) {
		p->result_oids[i] = pc[i].type_oid;
	}
	bool closing = s->closing;
	s->prep = NULL; /* pgwire's from now on (or freed below) */
	s->answered = true;
	end_query(s);
	if (!closing) {
		pgwire_session_prepare_done(s->pg, NULL, p, p->n_params,
					    p->param_oids, n, pc);
	} else {
		prepared_free(p);
	}
	tr_free(pc);
}

static int op_prepare(void *data, struct pgwire_session *pg, const char *sql,
		      unsigned n_param_oids, const uint32_t *param_oids)
{
	struct server_session *s = pgwire_session_data(pg);
	struct sql_error err = { .position = 0 };
	struct sql_batch batch;
	TR_UNUSED(data);
	if (s == NULL || s->in_query) {
		return TR_EINTERNAL;
	}
	struct server_prepared *p = tr_calloc(1, sizeof *p);
	if (p == NULL) {
		return TR_ENOMEM;
	}
	tr_arena_init(&p->arena, 4096);
	s->prep = p;
	s->ext = EXT_PREPARE;
	begin_op(s);
	s->next = 0;
	s->cur = NULL;
	memset(&s->batch, 0, sizeof s->batch);
	if (s->db != NULL) {
		server_schema_check_lease(s->db);
	}
	p->version = s->db != NULL ? sql_catalog_version(s->db->catalog) : 0;
	int rv = parse_cached(s, &p->arena, sql, &batch, &err);
	if (rv == TR_ENOMEM) {
		s->in_query = false;
		s->ext = EXT_NONE;
		s->prep = NULL;
		prepared_free(p);
		return rv;
	}
	s->kick_what = KICK_END;
	if (rv != TR_OK) {
		send_sql_error(s, &err);
	} else if (batch.n_stmts > 1) {
		sql_error_set(&err, &s->arena, "42601",
			      "cannot insert multiple commands into a "
			      "prepared statement");
		send_sql_error(s, &err);
	} else if (batch.n_stmts == 1 && batch.stmts[0].failed &&
		   !batch.stmts[0].needs_schema &&
		   !batch.stmts[0].schema_miss) {
		send_sql_error(s, &batch.stmts[0].error);
	} else {
		p->stmt = batch.n_stmts == 1 ? &batch.stmts[0] : NULL;
		/* The client's parameter types, applied in finish_prepare. */
		if (n_param_oids > 0) {
			p->given = tr_arena_alloc(
				&p->arena, sizeof *p->given * n_param_oids);
			if (p->given == NULL) {
				s->in_query = false;
				s->ext = EXT_NONE;
				s->prep = NULL;
				prepared_free(p);
				return TR_ENOMEM;
			}
			memcpy(p->given, param_oids,
			       sizeof *p->given * n_param_oids);
			p->n_given = n_param_oids;
		}
		/* Queries and writes are described against the schema
		 * mirror, which may need the leader (a connection, a reload):
		 * the statement loop gets us there. */
		if (p->stmt != NULL &&
		    (p->stmt->kind == SQL_QUERY || p->stmt->kind == SQL_EXEC) &&
		    !p->stmt->cluster_view) {
			s->batch.n_stmts = 1;
			s->batch.stmts = p->stmt;
			s->kick_what = KICK_STEP;
		} else {
			s->kick_what = KICK_DRAIN; /* see portal_drain */
		}
	}
	kick(s);
	return TR_OK;
}

static void op_unprepare(void *data, struct pgwire_session *pg, void *stmt)
{
	TR_UNUSED(data);
	TR_UNUSED(pg);
	prepared_free(stmt);
}

static void op_close_portal(void *data, struct pgwire_session *pg,
			    void *portal_state)
{
	TR_UNUSED(data);
	TR_UNUSED(pg);
	portal_free(portal_state);
}

/*
 * Rows a portal kept from an earlier Execute, up to the row limit; also
 * where a Parse that needs no description ends (no portal then).
 */
static void portal_drain(struct server_session *s)
{
	if (s->ext == EXT_PREPARE) {
		s->described = false;
		finish_prepare(s);
		return;
	}
	struct server_portal *p = s->portal;
	struct tr_cursor c;
	tr_cursor_init(&c, p->rows.data + p->pos, p->rows.len - p->pos);
	while (c.left > 0 && (s->max_rows == 0 || s->rows_sent < s->max_rows)) {
		uint32_t n;
		if (tr_cursor_get_be32(&c, &n) != TR_OK || n > 1600) {
			failf(s, "XX000", "corrupt portal buffer");
			return;
		}
		struct pgwire_value *vals = tr_arena_alloc(
			&s->arena, sizeof *vals * (n ? n : 1));
		if (vals == NULL) {
			failf(s, "53200", "out of memory");
			return;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t len;
			const uint8_t *bytes = NULL;
			if (tr_cursor_get_be32(&c, &len) != TR_OK ||
			    ((int32_t)len > 0 &&
			     tr_cursor_get_bytes(&c, len, &bytes) != TR_OK)) {
				failf(s, "XX000", "corrupt portal buffer");
				return;
			}
			vals[i].len = (int32_t)len;
			vals[i].p = bytes;
		}
		pgwire_session_send_data_row(s->pg, n, vals);
		s->rows_sent++;
	}
	p->pos = p->rows.len - c.left;
	if (c.left > 0) {
		s->ext_suspended = true;
		end_query(s);
		return;
	}
	p->has_rows = false;
	p->pos = 0;
	tr_buf_reset(&p->rows);
	char tag[32];
	snprintf(tag, sizeof tag, "SELECT %u", s->rows_sent);
	s->ext_tag = tr_arena_strdup(&s->arena, tag);
	if (p->tag[0] != '\0') {
		/* INSERT/UPDATE/DELETE ... RETURNING: the statement's own. */
		s->ext_tag = tr_arena_strdup(&s->arena, p->tag);
		p->tag[0] = '\0';
	}
	end_query(s);
}

/* DDL since @p was translated: translate it again, as PostgreSQL
 * re-plans (a stale mirror marks what needs it schema_miss, and the
 * statement loop reloads it). */
static int refresh_prepared(struct server_session *s, struct server_prepared *p)
{
	if (s->db == NULL || p->stmt->text == NULL) {
		return TR_OK;
	}
	server_schema_check_lease(s->db);
	uint64_t now = sql_catalog_version(s->db->catalog);
	if (s->db->catalog_loaded && now == p->version) {
		return TR_OK;
	}
	bool done;
	int rv = translate_again(s, &p->arena, p->stmt, &done);
	if (rv == TR_OK && done && s->db->catalog_loaded) {
		p->version = now;
	}
	return rv;
}

static int op_execute(void *data, struct pgwire_session *pg, void *stmt,
		      unsigned n_params, const struct pgwire_param *params,
		      unsigned n_result_formats, const int16_t *result_formats,
		      uint32_t max_rows, bool sync_follows, void **portal_state)
{
	struct server_session *s = pgwire_session_data(pg);
	struct server_prepared *p = stmt;
	TR_UNUSED(data);
	if (s == NULL || s->in_query) {
		return TR_EINTERNAL;
	}
	s->ext = EXT_EXECUTE;
	begin_op(s);
	s->max_rows = max_rows;
	s->rows_sent = 0;
	s->sync_follows = sync_follows;
	s->next = 0;
	s->cur = NULL;
	memset(&s->batch, 0, sizeof s->batch);
	if (n_result_formats > 0) {
		int16_t *f = tr_arena_alloc(&s->arena,
					    sizeof *f * n_result_formats);
		if (f == NULL) {
			s->in_query = false;
			s->ext = EXT_NONE;
			return TR_ENOMEM;
		}
		memcpy(f, result_formats, sizeof *f * n_result_formats);
		s->formats = f;
		s->n_formats = n_result_formats;
	}
	/* A portal that may outlive this Execute keeps its rows. */
	if (*portal_state == NULL && max_rows > 0) {
		struct server_portal *np = tr_calloc(1, sizeof *np);
		if (np == NULL) {
			s->in_query = false;
			s->ext = EXT_NONE;
			return TR_ENOMEM;
		}
		tr_buf_init(&np->rows, 0);
		*portal_state = np;
	}
	s->portal = *portal_state;
	if (s->portal != NULL && s->portal->has_rows) {
		s->kick_what = KICK_DRAIN;
		kick(s);
		return TR_OK;
	}
	if (p->stmt == NULL) {
		s->ext_tag = ""; /* an empty query */
		s->kick_what = KICK_END;
		kick(s);
		return TR_OK;
	}
	struct sql_error err = { .position = 0 };
	s->executing = p;
	int rv = refresh_prepared(s, p);
	if (rv == TR_OK) {
		rv = decode_params(s, p, n_params, params, &err);
	}
	if (rv == TR_ENOMEM) {
		s->in_query = false;
		s->ext = EXT_NONE;
		return rv;
	}
	if (rv != TR_OK) {
		send_sql_error(s, &err);
		s->kick_what = KICK_END;
		kick(s);
		return TR_OK;
	}
	/* The prepared statement stays as it was: run a copy. */
	struct sql_stmt *copy = tr_arena_alloc(&s->arena, sizeof *copy);
	if (copy == NULL) {
		s->in_query = false;
		s->ext = EXT_NONE;
		return TR_ENOMEM;
	}
	*copy = *p->stmt;
	s->batch.n_stmts = 1;
	s->batch.stmts = copy;
	s->kick_what = KICK_STEP;
	kick(s);
	return TR_OK;
}

static int op_sync(void *data, struct pgwire_session *pg, bool failed)
{
	struct server_session *s = pgwire_session_data(pg);
	TR_UNUSED(data);
	if (s == NULL || s->in_query) {
		return TR_EINTERNAL;
	}
	s->ext = EXT_SYNC;
	begin_op(s);
	/* The implicit transaction of the statements since the last Sync
	 * ends here: committed, or rolled back after an error. */
	if (s->txn == TXN_IMPLICIT && s->cc_ready) {
		if (request_exec(s, failed ? "ROLLBACK" : "COMMIT",
				 failed ? rollback_done
					: implicit_commit_done)) {
			return TR_OK;
		}
		txn_ended(s, false);
	}
	s->kick_what = KICK_END;
	kick(s);
	return TR_OK;
}

static void op_cancel(void *data, struct pgwire_session *pg)
{
	struct server_session *s = pgwire_session_data(pg);
	TR_UNUSED(data);
	if (s == NULL || !s->in_query) {
		return;
	}
	s->cancel_requested = true;
	if (s->wait == WAIT_LOCK) {
		server_writeq_cancel(&s->waiter);
		uv_timer_stop(&s->timer);
		s->wait = WAIT_NONE;
		failf(s, "57014", "canceling statement due to user request");
	}
}

static void op_resume(void *data, struct pgwire_session *pg)
{
	struct server_session *s = pgwire_session_data(pg);
	TR_UNUSED(data);
	if (s != NULL && s->paused && s->cc != NULL) {
		s->paused = false;
		cluster_client_resume(s->cc);
	}
}

static void op_session_close(void *data, struct pgwire_session *pg)
{
	struct server_session *s = pgwire_session_data(pg);
	TR_UNUSED(data);
	if (s == NULL) {
		pgwire_session_release(pg);
		return;
	}
	s->closing = true;
	if (s->copy_in != NULL && s->copy_in->sending == NULL) {
		/* The client vanished in the middle of its data. */
		copy_in_free(s);
		end_query(s);
		return;
	}
	if (s->leader_waiter.waiting) {
		server_leader_wait_cancel(&s->leader_waiter);
		s->pending--;
		s->wait = WAIT_NONE;
		end_query(s);
		return;
	}
	if (s->wait == WAIT_LOCK) {
		server_writeq_cancel(&s->waiter);
		uv_timer_stop(&s->timer);
		s->wait = WAIT_NONE;
		end_query(s);
		return;
	}
	if (s->paused && s->cc != NULL) {
		s->paused = false;
		cluster_client_resume(s->cc);
	}
	maybe_free(s);
}

const struct pgwire_executor_ops server_executor_ops = {
	.auth_lookup = op_auth_lookup,
	.session_open = op_session_open,
	.query = op_query,
	.cancel = op_cancel,
	.resume = op_resume,
	.session_close = op_session_close,
	.prepare = op_prepare,
	.unprepare = op_unprepare,
	.execute = op_execute,
	.close_portal = op_close_portal,
	.sync = op_sync,
	.copy_data = op_copy_data,
	.copy_done = op_copy_done,
	.copy_fail = op_copy_fail,
};
