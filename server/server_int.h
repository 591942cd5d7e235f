/*
 * server/server_int.h: declarations shared by server/'s files.
 *
 * server/ wires the modules together: it owns main(), the node's start-up
 * and shutdown, the internal database, and the executor that pgwire calls
 * (sessions running PostgreSQL statements on the cluster leader).
 */
#ifndef SERVER_SERVER_INT_H
#define SERVER_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "base/base.h"
#include "cluster/cluster.h"
#include "pgwire/pgwire.h"
#include "sql/sql.h"

/* The reserved replicated database holding cluster state.  PostgreSQL
 * clients can never open it. */
#define SERVER_INTERNAL_DB "_triode"

/* ---------------------------------------------------------------------
 * Write queue: one per database.  dqlite gives a second writer
 * SQLITE_BUSY at once, so sessions of this process take turns here,
 * first come first served, before their first write of a transaction.
 * ------------------------------------------------------------------- */

struct server_writeq_waiter;
typedef void (*server_writeq_cb)(struct server_writeq_waiter *w);

struct server_writeq {
	bool held;               /* some session holds the lock */
	struct tr_queue waiters; /* struct server_writeq_waiter, FIFO */
};

struct server_writeq_waiter {
	struct tr_queue link; /* in server_writeq.waiters while waiting */
	server_writeq_cb cb;  /* called when the lock is handed over */
	bool waiting;
};

void server_writeq_init(struct server_writeq *q);
/* Take the lock: true if taken at once; otherwise @w waits and @cb is
 * called (never from inside this call) when the lock is handed to it. */
bool server_writeq_acquire(struct server_writeq *q,
			   struct server_writeq_waiter *w, server_writeq_cb cb);
/* Stop waiting (timeout, session gone).  No-op if not waiting. */
void server_writeq_cancel(struct server_writeq_waiter *w);
/* Release the lock held by the caller, handing it to the next waiter. */
void server_writeq_release(struct server_writeq *q);

/* ---------------------------------------------------------------------
 * Per-database state shared by the sessions of this process.
 * ------------------------------------------------------------------- */

struct server_db {
	struct tr_queue link;        /* in server.dbs */
	char *name;                  /* owned */
	struct sql_catalog *catalog; /* owned: schema mirror */
	bool catalog_loaded;         /* mirror reflects the cluster's schema */
	struct sql_cache *cache;     /* owned: translations, keyed by shape */
	struct server_writeq writeq;
	/* Keeping the mirror current across nodes (schema.c): */
	uint64_t epoch;          /* bumped whenever it is made stale */
	uint64_t verified_until; /* uv_hrtime(): trusted until then */
	int64_t schema_version;  /* the leader's PRAGMA schema_version it
				    was read at (valid if version_known) */
	bool version_known;
};

/* ---------------------------------------------------------------------
 * Settings (GUCs) of a session.
 * ------------------------------------------------------------------- */

struct server_settings;

/* Result of applying a SET: ok, or an error for the client. */
TR_MUSTCHECK int server_settings_new(struct server_settings **out);
void server_settings_free(struct server_settings *s);
/*
 * Set @name to @value (NULL: default).  On failure fills @err (42704
 * unknown parameter, 22023 bad value, 0A000) and returns TR_ESQL.  When the
 * setting is reported to clients, *@report is set true.
 */
TR_MUSTCHECK int server_settings_set(struct server_settings *s,
				     struct tr_arena *a, const char *name,
				     const char *value, bool *report,
				     struct sql_error *err);
/* "on" or "off" for PostgreSQL's spellings of a boolean (on, true, yes,
 * 1, ...), NULL for anything else. */
const char *server_settings_bool(const char *v);
/* Current value, or NULL for an unknown parameter. */
const char *server_settings_get(const struct server_settings *s,
				const char *name);
/* @value of setting @name as SHOW prints it (timeouts with units:
 * "5s", "1500ms"); @buf is scratch. */
const char *server_settings_display(const char *name, const char *value,
				    char *buf, size_t cap);
/* Canonical spelling of a known setting ("DateStyle"), or NULL. */
const char *server_settings_canonical(const char *name);
/* Reset every setting to its default; report each changed reported one
 * through @cb. */
void server_settings_reset_all(struct server_settings *s,
			       void (*cb)(void *arg, const char *name,
					  const char *value),
			       void *arg);
/* A copy of @src (for undoing a transaction's SETs), or TR_ENOMEM. */
TR_MUSTCHECK int server_settings_copy(const struct server_settings *src,
				      struct server_settings **out);
/* Report through @cb each reported setting whose value differs between
 * @before and @after (the value in @after). */
void server_settings_report_changes(const struct server_settings *before,
				    const struct server_settings *after,
				    void (*cb)(void *arg, const char *name,
					       const char *value),
				    void *arg);
/* Whether a NOTICE (@warning false) or WARNING goes to the client under
 * the session's client_min_messages. */
bool server_settings_notice_wanted(const struct server_settings *s,
				   bool warning);
/* Iterate: i-th setting name and value; false past the end. */
bool server_settings_at(const struct server_settings *s, unsigned i,
			const char **name, const char **value);

/* ---------------------------------------------------------------------
 * The server: one per process.
 * ------------------------------------------------------------------- */

struct server_options {
	const char *data_dir;
	const char *listen;          /* PG listener, host:port */
	const char *cluster_address; /* host:port */
	const char *name;            /* this node's name */
	const char *join;            /* join token (later issue) */
};

/* Someone waiting for a fresh look at who leads (server_leader_wait). */
struct server_leader_waiter;
typedef void (*server_leader_cb)(struct server_leader_waiter *w, int rc);
struct server_leader_waiter {
	struct tr_queue link; /* in server.leader_waiters */
	server_leader_cb cb;
	bool waiting;
};

/* Most members a cluster may have (the member list is kept in memory). */
#define SERVER_MAX_MEMBERS 64

struct server {
	uv_loop_t *loop;
	struct server_options opts;
	char *data_dir; /* owned, absolute */
	char pg_host[256];
	int pg_port;
	struct cluster_local *local; /* owned */
	struct cluster_node *node;   /* owned */
	struct pgwire_server *pg;    /* owned until stopped */
	SSL_CTX *tls;                /* owned: PostgreSQL listener */
	SSL_CTX *node_server_ctx;    /* owned: cluster port (mTLS, joiners
					without a certificate let in) */
	SSL_CTX *node_client_ctx;    /* owned: outgoing Raft, admin, client */
	uint64_t self_serial;        /* serial of our node certificate */
	struct cluster_proxy *proxy; /* owned until stopped: cluster port */
	struct cluster_member members[SERVER_MAX_MEMBERS]; /* known members */
	unsigned n_members;
	char leader_address[128]; /* where the leader is dialled: "@..."
				     when it is us, else "host:port" */
	uint64_t leader_id;
	struct tr_queue leader_waiters; /* struct server_leader_waiter */
	bool leader_refreshing;
	uv_timer_t leader_timer; /* defers a failed lookup's answer */
	struct server_leader_waiter sys_waiter; /* system connection */
	bool sys_recovering;
	int internal_version;       /* applied internal schema version */
	unsigned offline_ms;        /* a member is offline after this */
	uv_timer_t roles_timer;     /* role balancing, on the leader */
	bool roles_busy;            /* a membership change is under way */
	struct balance *balancing;  /* the role-balancing round in flight */
	struct cluster_client *sys; /* owned: connection to _triode */
	bool sys_ready;     /* internal database up to date: serve clients */
	bool sys_open;      /* internal database opened (the gate may still
			       hold start-up): control commands can run */
	bool bootstrapping; /* first start on an empty data dir */
	bool joined_now;    /* this start joined a cluster */
	char *bootstrap_password; /* owned: generated or from env */
	struct tr_queue dbs;      /* struct server_db */
	struct tr_queue sessions; /* struct server_session */
	uv_signal_t sigterm;
	uv_signal_t sigint;
	uv_timer_t retry;  /* start-up retries */
	uv_pipe_t control; /* DATA/control.sock for the CLI */
	bool control_started;
	unsigned start_attempts;
	bool stopping;
	int exit_code;
	char errmsg[TR_ERRMSG_SIZE];
};

/* The executor ops pgwire calls (session.c). */
extern const struct pgwire_executor_ops server_executor_ops;

/* The shared state of database @name, created on first use; NULL on OOM. */
struct server_db *server_db_get(struct server *srv, const char *name);
void server_db_free_all(struct server *srv);

/* Address a session should dial to reach the leader. */
const char *server_leader_address(struct server *srv);

/* internal.c: start-up steps on the internal database, in order.  Each
 * calls @done(srv, rc) later; on failure srv->errmsg says why. */
typedef void (*server_step_cb)(struct server *srv, int rc);
TR_MUSTCHECK int server_internal_start(struct server *srv, server_step_cb done);

/* ---------------------------------------------------------------------
 * Admin RPC messages (admin_msg.c): named byte fields, see the file.
 * A decoded message borrows its values from the input bytes.
 * ------------------------------------------------------------------- */

#define ADMIN_MAX_FIELDS 32
#define ADMIN_MAX_KEY    32
#define ADMIN_MAX_VALUE  (256u << 10)

struct server_admin_field {
	const char *key;   /* borrowed (encode) or into keybuf (decode) */
	const void *value; /* borrowed */
	size_t len;
};

struct server_admin_msg {
	unsigned n_fields;
	struct server_admin_field fields[ADMIN_MAX_FIELDS];
	char keybuf[ADMIN_MAX_FIELDS][ADMIN_MAX_KEY + 1]; /* decoded keys */
};

void server_admin_msg_init(struct server_admin_msg *m);
/* Add a field (@key and @value borrowed until encoded): TR_ETOOBIG past
 * the caps. */
TR_MUSTCHECK int server_admin_msg_add(struct server_admin_msg *m,
				      const char *key, const void *value,
				      size_t len);
TR_MUSTCHECK int server_admin_msg_add_str(struct server_admin_msg *m,
					  const char *key, const char *value);
/* Append the encoding to @out (errors are sticky in @out). */
void server_admin_msg_encode(const struct server_admin_msg *m,
			     struct tr_buf *out);
/* TR_OK, or TR_EPROTO for anything malformed or over a cap. */
TR_MUSTCHECK int server_admin_msg_decode(struct server_admin_msg *m,
					 const uint8_t *p, size_t len);
/* The first field named @key, or NULL. */
const struct server_admin_field *server_admin_msg_get(
	const struct server_admin_msg *m, const char *key);
/* A field as a NUL-free string copied into @out: TR_ENOTFOUND, or
 * TR_EPROTO if it does not fit or holds a NUL. */
TR_MUSTCHECK int server_admin_msg_get_str(const struct server_admin_msg *m,
					  const char *key, char *out,
					  size_t cap);
/* A field holding a decimal u64. */
TR_MUSTCHECK int server_admin_msg_get_u64(const struct server_admin_msg *m,
					  const char *key, uint64_t *out);

/* membership.c: the member list (local.db and memory) and the cluster
 * port that authorizes peers against it. */
TR_MUSTCHECK int server_members_load(struct server *srv);
TR_MUSTCHECK int server_members_set(struct server *srv,
				    const struct cluster_member *members,
				    unsigned n);
const struct cluster_member *server_member_by_name(const struct server *srv,
						   const char *name);
TR_MUSTCHECK int server_cluster_port_start(struct server *srv);
void server_cluster_port_stop(struct server *srv);
/* The members as the internal database has them, one row each, decoded by
 * server_member_from_row() (TR_EPROTO for a row of another shape). */
#define SERVER_MEMBERS_SQL                                                 \
	"SELECT id, name, address, pg_address, serial, role FROM members " \
	"ORDER BY id"
TR_MUSTCHECK int server_member_from_row(unsigned n,
					const struct cluster_value *v,
					struct cluster_member *m);
/* A member as one line "id\tname\taddress\tpg_address\tserial\trole"
 * (join answers, heartbeats), and back (TR_EPROTO if malformed). */
void server_member_format(const struct cluster_member *m, char *out,
			  size_t cap);
TR_MUSTCHECK int server_member_parse(const char *line,
				     struct cluster_member *m);
/*
 * Wait for a fresh look at who the leader is (one lookup serves every
 * waiter; it gives up after SERVER_LEADER_WAIT_MS, then @cb gets
 * TR_ENOTLEADER: no quorum).  @cb is called once, never before returning;
 * srv->leader_address is current when it gets TR_OK.
 */
#define SERVER_LEADER_WAIT_MS 10000
void server_leader_wait(struct server *srv, struct server_leader_waiter *w,
			server_leader_cb cb);
/* Stop waiting (the waiter goes away); no-op if not waiting. */
void server_leader_wait_cancel(struct server_leader_waiter *w);
/* A request on the system connection failed at the connection level:
 * reconnect it to the (new) leader in the background (internal.c). */
void server_sys_lost(struct server *srv);
/* Call after each system-connection request: notices a lost leader. */
void server_sys_check(struct server *srv, const struct cluster_result *res);
/*
 * A request on the system connection (the internal database, on the
 * leader).  @need_ready: the schema must be current (false: opened is
 * enough, for the control commands that must work at the upgrade gate).
 * TR_ECLOSED when the connection is down or being re-established (a
 * broken one starts that); otherwise as cluster_client_query/exec_sql.
 */
TR_MUSTCHECK int server_sys_query(struct server *srv, bool need_ready,
				  const char *sql,
				  const struct cluster_value *params,
				  unsigned n_params, cluster_columns_cb columns,
				  cluster_row_cb row, cluster_done_cb done,
				  void *arg);
TR_MUSTCHECK int server_sys_exec(struct server *srv, bool need_ready,
				 const char *sql,
				 const struct cluster_value *params,
				 unsigned n_params, cluster_done_cb done,
				 void *arg);

/* Find the current leader among the known members (over mTLS) and cache
 * its address in srv->leader_address (this node's own is mapped to its
 * abstract socket); @cb(srv, rc) once, never before returning. */
TR_MUSTCHECK int server_leader_refresh(struct server *srv, unsigned timeout_ms,
				       server_step_cb cb);

/* admin.c: one admin request from the cluster port (cluster_admin_fn). */
void server_admin_request(void *arg, struct cluster_admin_request *req,
			  const uint8_t *msg, size_t len,
			  enum cluster_peer_kind kind, const char *name);
/* Answer with @m plus status "ok" / with status "error" and @message. */
void server_admin_answer(struct cluster_admin_request *req,
			 struct server_admin_msg *m);
void server_admin_answer_error(struct cluster_admin_request *req,
			       const char *message);

/* join.c: the member side of a join (the request's fields in @m, valid
 * for the call), and the joiner side (`serve --join`, before start-up). */
void server_join_handle(struct server *srv, struct cluster_admin_request *req,
			const struct server_admin_msg *m);
/* Join with @token (blocking, before the loop runs); on success the
 * certificates are installed and local.db holds the new identity. */
TR_MUSTCHECK int server_join_cluster(struct server *srv, const char *token,
				     char *errmsg);
/* serve.c helpers */
TR_MUSTCHECK int server_split_address(const char *s, char *host, size_t cap,
				      int *port);
/* Read a whole (small) file into a NUL-terminated tr_malloc'd string. */
TR_MUSTCHECK int server_read_file(const char *path, char **out, char *errmsg);
/* remove.c: remove member @name from the cluster (refused when the
 * remaining voters would lose their majority, unless @force).  @cb gets
 * NULL on success or the reason; called once, never before returning. */
typedef void (*server_remove_cb)(void *arg, const char *error);
TR_MUSTCHECK int server_remove_member(struct server *srv, const char *name,
				      bool force, server_remove_cb cb,
				      void *arg);

/* roles.c: the leader looks at roles again soon (after a join, a removal,
 * a member going offline). */
void server_roles_changed(struct server *srv);
/* Start the periodic member refresh (and, on the leader, heartbeats and
 * balancing). */
void server_roles_start(struct server *srv);
/* Stopping: end a balancing round in flight (its ASSIGN may wait up to
 * the request timeout for a quorum that is shutting down too). */
void server_roles_stop(struct server *srv);
/* Unix time in milliseconds (heartbeats are compared across nodes). */
int64_t server_now_ms(void);

/* internal.c: the internal schema version this binary brings. */
int server_internal_version(void);

/* ---------------------------------------------------------------------
 * schema.c: every node's schema mirrors follow DDL committed anywhere.
 * ------------------------------------------------------------------- */

/* How long a mirror checked against the leader is trusted without
 * checking again; a DDL's answer waits at most this (plus a margin) for
 * members that do not acknowledge its notice. */
#define SERVER_SCHEMA_LEASE_MS 1000

/* @db's mirror is behind the cluster (DDL here or elsewhere). */
void server_schema_stale(struct server_db *db);
/* Before translating against @db's mirror: if its lease ran out, mark it
 * for a check against the leader (catalog_loaded false). */
void server_schema_check_lease(struct server_db *db);
/* The database @name's mirror, if this node has one (else NULL). */
struct server_db *server_db_find(struct server *srv, const char *name);

/*
 * DDL on database @db committed (the commit's answer came at
 * @committed, uv_hrtime()): tell every other member, and call @cb(@arg)
 * once each acknowledged, or once every member's lease can have run out
 * (SERVER_SCHEMA_LEASE_MS after @committed, plus a margin).  @cb may be
 * NULL (nobody waits).  Called once, never before returning; TR_ENOMEM
 * and no call otherwise.
 */
typedef void (*server_schema_cb)(void *arg);
TR_MUSTCHECK int server_schema_announce(struct server *srv, const char *db,
					uint64_t committed,
					server_schema_cb cb, void *arg);
/* Admin requests "schema" (a notice) and "dbsessions". */
void server_schema_handle(struct server *srv, struct cluster_admin_request *req,
			  const struct server_admin_msg *m);
void server_dbsessions_handle(struct server *srv,
			      struct cluster_admin_request *req,
			      const struct server_admin_msg *m);
/*
 * DROP DATABASE @db: ask every other member how many of its sessions use
 * @db (with @force, idle ones are terminated first, 57P01, and only the
 * busy ones count).  @cb(@arg, n) with the sum, once, never before
 * returning.  A member that does not answer within the timeout counts as
 * having none (see schema.c).  TR_ENOTFOUND (and no call) when there is
 * no other member to ask; TR_ENOMEM.
 */
typedef void (*server_dbsessions_cb)(void *arg, unsigned n);
TR_MUSTCHECK int server_dbsessions_ask(struct server *srv, const char *db,
				       bool force, server_dbsessions_cb cb,
				       void *arg);
/* session.c: this node's sessions on @db other than @except (may be
 * NULL); with @force the idle ones are terminated and not counted. */
unsigned server_sessions_on_db(struct server *srv, const char *db,
			       bool force, const void *except);

/* control.c: listen on DATA/control.sock (after start-up succeeded). */
TR_MUSTCHECK int server_control_start(struct server *srv);

/* serve.c */
int server_serve(const struct server_options *opts);

#endif /* SERVER_SERVER_INT_H */
