/*
 * server/internal.c: start-up work on the reserved internal database.
 *
 *   connect -> LEADER (until one is known) -> OPEN _triode
 *     -> read schema version -> apply numbered updates -> bootstrap rows
 *     -> done
 *
 * The internal database holds cluster state: roles with their SCRAM
 * verifiers, the list of PostgreSQL databases, members.  Its schema grows
 * by numbered updates compiled into the binary, applied once, in order, in
 * one transaction each.  Bootstrap rows (superuser, database "postgres",
 * this member) are written with INSERT OR IGNORE so a crash half-way
 * through bootstrap is repaired by the next start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

/* How long start-up waits for a leader before giving up. */
#define LEADER_WAIT_MS 60000

/* Update i (1-based) brings the internal schema to version i.  Declared
 * types are plain TEXT/INTEGER: never a dqlite "magic" type (DESIGN §4).
 * Never edit a released update; append a new one. */
static const char *const internal_updates[] = {
	/* 1 */
	"CREATE TABLE schema_version (version INTEGER NOT NULL);"
	"CREATE TABLE roles ("
	"  name TEXT PRIMARY KEY,"
	"  verifier TEXT NOT NULL,"
	"  superuser INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL"
	"    DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')));"
	"CREATE TABLE databases ("
	"  name TEXT PRIMARY KEY,"
	"  owner TEXT NOT NULL,"
	"  created_at TEXT NOT NULL"
	"    DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')));"
	"CREATE TABLE members ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  address TEXT NOT NULL UNIQUE,"
	"  pg_address TEXT NOT NULL,"
	"  role INTEGER NOT NULL,"
	"  schema_version INTEGER NOT NULL);",
	/* 2: membership state ('member', 'excluded' from the upgrade gate)
	 * and join tokens (only a hash of each secret is kept). */
	"ALTER TABLE members ADD COLUMN state TEXT NOT NULL DEFAULT 'member';"
	"CREATE TABLE join_tokens ("
	"  name TEXT PRIMARY KEY,"
	"  secret_hash TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL"
	"    DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')));",
	/* 3: the serial of each member's node certificate: the cluster port
	 * lets a member in only with that exact certificate (revocation). */
	"ALTER TABLE members ADD COLUMN serial INTEGER NOT NULL DEFAULT 0;",
	/* 4: when the leader last heard from each member (unix ms). */
	"ALTER TABLE members ADD COLUMN heartbeat INTEGER NOT NULL DEFAULT 0;",
	/* 5: the cluster as superusers see it from SQL (read-only). */
	"CREATE VIEW triode_cluster_members AS SELECT id, name, address,"
	"  pg_address,"
	"  CASE role WHEN 0 THEN 'voter' WHEN 1 THEN 'standby'"
	"    ELSE 'spare' END AS role,"
	"  CASE WHEN CAST(strftime('%s', 'now') AS INTEGER) * 1000"
	"    - heartbeat < 20000 THEN 'online' ELSE 'offline' END AS state,"
	"  schema_version, state AS membership FROM members;",
};

/* A dummy update appended when TRIODE_TEST_SCHEMA_UPDATE=1, so tests can
 * play an upgrade (and a downgrade) without two builds. */
static const char test_update[] =
	"CREATE TABLE upgrade_test_dummy (x INTEGER);";

/* How often a node that is ahead looks again at the other members. */
#define GATE_POLL_MS 2000

/* The internal schema version this binary brings. */
static int binary_version(void);

int server_internal_version(void)
{
	return binary_version();
}

static int binary_version(void)
{
	const char *t = getenv("TRIODE_TEST_SCHEMA_UPDATE");
	int n = (int)TR_ARRAY_LEN(internal_updates);
	return t != NULL && strcmp(t, "1") == 0 ? n + 1 : n;
}

static const char *update_text(int i)
{
	return i < (int)TR_ARRAY_LEN(internal_updates) ? internal_updates[i]
						       : test_update;
}

/* Start-up state: one at a time, so it lives in statics. */
static server_step_cb start_done;
static int schema_version;
static struct tr_buf scratch;

static void fail_start(struct server *srv, int rc, const char *what,
		       const struct cluster_result *res)
{
	tr_errmsg_printf(srv->errmsg, "%s: %s", what,
			 res != NULL && res->message ? res->message
						     : tr_strerror(rc));
	tr_buf_close(&scratch);
	start_done(srv, rc != TR_OK ? rc : TR_EINTERNAL);
}

static void apply_next(struct server *srv);
static void bootstrap(struct server *srv);
static void gate_check(struct server *srv);
static void read_version(struct server *srv);

/* An update failed once because another node may have applied it first:
 * a second failure is real. */
static bool update_retried;
/* The gate said go: after the next look at the version, apply (or find
 * there is nothing left to apply). */
static bool gate_open;

static void rolled_back(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	TR_UNUSED(res); /* nothing to roll back is fine too */
	gate_open = true;
	read_version(srv);
}

static void update_done(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	if (res->rc == TR_ESQL && !update_retried) {
		/* Another member may have applied this update between our
		 * look at the version and ours: roll back, look again. */
		update_retried = true;
		tr_info("server",
			"internal schema update failed (%s); "
			"looking at the version again",
			res->message ? res->message : "error");
		if (cluster_client_exec_sql(srv->sys, "ROLLBACK", NULL, 0,
					    rolled_back, srv) != TR_OK) {
			fail_start(srv, TR_ENOMEM, "internal schema update",
				   NULL);
		}
		return;
	}
	if (res->rc != TR_OK) {
		/* Start-up fails and the process exits, which closes the
		 * connection: dqlite rolls the transaction back. */
		fail_start(srv, res->rc, "internal schema update", res);
		return;
	}
	schema_version++;
	srv->internal_version = schema_version;
	tr_info("server", "internal schema updated to version %d",
		schema_version);
	apply_next(srv);
}

static void apply_next(struct server *srv)
{
	int n = binary_version();
	if (schema_version >= n) {
		bootstrap(srv);
		return;
	}
	tr_buf_reset(&scratch);
	tr_buf_printf(&scratch,
		      "BEGIN; %s DELETE FROM schema_version; "
		      "INSERT INTO schema_version VALUES (%d); COMMIT",
		      update_text(schema_version), schema_version + 1);
	if (tr_buf_err(&scratch) != TR_OK ||
	    cluster_client_exec_sql(srv->sys, tr_buf_cstr(&scratch), NULL, 0,
				    update_done, srv) != TR_OK) {
		fail_start(srv, TR_ENOMEM, "internal schema update", NULL);
	}
}

/*
 * The upgrade gate (LXD's rule): every member records the schema version
 * its binary brings; updates apply only once all members bring them.
 *   cluster ahead of us  -> refuse to serve, naming both versions;
 *   us ahead of someone  -> wait, naming whom, and look again;
 *   everyone at our version -> apply the updates.
 * Members excluded with `triode cluster exclude` (state 'excluded') do not
 * hold the cluster back.
 */
static struct tr_buf behind; /* names of members that hold us back */

static int behind_row(struct cluster_client *c, void *arg, unsigned n,
		      const struct cluster_value *v)
{
	TR_UNUSED(c);
	TR_UNUSED(arg);
	if (n == 2 && v[0].type == CLUSTER_TEXT &&
	    v[1].type == CLUSTER_INTEGER) {
		tr_buf_printf(&behind, "%s%.*s (version %lld)",
			      behind.len > 0 ? ", " : "", (int)v[0].text.len,
			      v[0].text.p, (long long)v[1].integer);
	}
	return TR_OK;
}

static void leader_ready(struct server *srv, int rc);

/*
 * During start-up the leader may change under us (a rolling upgrade
 * restarts every member, the leader too): a connection-level failure
 * sends start-up back to finding the leader, and the gate starts over.
 */
static bool restart_on_lost_leader(struct server *srv,
				   const struct cluster_result *res)
{
	if (res != NULL &&
	    (res->rc == TR_OK ||
	     (res->rc == TR_ESQL && res->code != CLUSTER_CODE_NOTFOUND))) {
		return false;
	}
	tr_warn("server", "lost the cluster leader during start-up; "
			  "looking for it again");
	if (srv->sys != NULL) {
		cluster_client_close(srv->sys, NULL, NULL);
		srv->sys = NULL;
	}
	srv->sys_open = false;
	if (server_leader_refresh(srv, LEADER_WAIT_MS, leader_ready) != TR_OK) {
		fail_start(srv, TR_ENOMEM, "find the leader", NULL);
	}
	return true;
}

static void gate_retry_cb(uv_timer_t *t)
{
	gate_check(t->data);
}

static void behind_done(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	if (restart_on_lost_leader(srv, res)) {
		return;
	}
	if (res->rc != TR_OK) {
		fail_start(srv, res->rc, "upgrade gate", res);
		return;
	}
	if (behind.len == 0) {
		/* Everyone is ready; the schema may have moved while we
		 * waited (another member applied the updates): look again. */
		tr_buf_close(&behind);
		gate_open = true;
		read_version(srv);
		return;
	}
	tr_warn("server",
		"waiting to update the internal schema from version %d to %d: "
		"members still on an older version: %s",
		schema_version, binary_version(), tr_buf_cstr(&behind));
	uv_timer_start(&srv->retry, gate_retry_cb, GATE_POLL_MS, 0);
}

static void gate_check(struct server *srv)
{
	tr_buf_close(&behind);
	tr_buf_init(&behind, 4096);
	struct cluster_value params[2] = {
		{ .type = CLUSTER_INTEGER, .integer = binary_version() },
		{ .type = CLUSTER_INTEGER,
		  .integer = (int64_t)cluster_node_id(srv->node) },
	};
	/* Exclusion arrived with schema version 2 (members.state). */
	const char *sql = schema_version >= 2
				  ? "SELECT name, schema_version FROM members "
				    "WHERE schema_version < ? AND id != ? AND "
				    "state != 'excluded' ORDER BY name"
				  : "SELECT name, schema_version FROM members "
				    "WHERE schema_version < ? AND id != ? "
				    "ORDER BY name";
	int rv = srv->sys == NULL
			 ? TR_ECLOSED
			 : cluster_client_query_sql(srv->sys, sql, params, 2,
						    NULL, behind_row,
						    behind_done, srv);
	if (rv != TR_OK) {
		(void)restart_on_lost_leader(srv, NULL);
	}
}

static void recorded_done(struct cluster_client *c, void *arg,
			  const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	if (restart_on_lost_leader(srv, res)) {
		return;
	}
	if (res->rc != TR_OK) {
		fail_start(srv, res->rc, "record this node's schema version",
			   res);
		return;
	}
	if (schema_version == binary_version()) {
		bootstrap(srv);
		return;
	}
	gate_check(srv);
}

/* The cluster's schema exists (version >= 1): run the gate. */
static void gate(struct server *srv)
{
	int n = binary_version();
	if (schema_version > n) {
		tr_errmsg_printf(srv->errmsg,
				 "this node is behind: the cluster's internal "
				 "schema is at version %d but this triode "
				 "brings version %d; upgrade triode on this "
				 "node",
				 schema_version, n);
		start_done(srv, TR_EINVAL);
		return;
	}
	/* Say which version we bring, so that nodes ahead of us can tell
	 * when the whole cluster is ready. */
	struct cluster_value params[2] = {
		{ .type = CLUSTER_INTEGER, .integer = n },
		{ .type = CLUSTER_INTEGER,
		  .integer = (int64_t)cluster_node_id(srv->node) },
	};
	if (server_sys_exec(srv, false,
			    "UPDATE members SET schema_version = ? WHERE id = "
			    "?",
			    params, 2, recorded_done, srv) != TR_OK) {
		fail_start(srv, TR_ENOMEM, "record this node's schema version",
			   NULL);
	}
}

static int version_row(struct cluster_client *c, void *arg, unsigned n,
		       const struct cluster_value *vals)
{
	TR_UNUSED(c);
	TR_UNUSED(arg);
	if (n == 1 && vals[0].type == CLUSTER_INTEGER) {
		schema_version = (int)vals[0].integer;
	}
	return TR_OK;
}

static void version_done(struct cluster_client *c, void *arg,
			 const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	if (res->rc == TR_ESQL && res->message != NULL &&
	    strstr(res->message, "no such table") != NULL) {
		/* A brand-new internal database: nobody else can be a
		 * member yet, so there is nothing to wait for. */
		schema_version = 0;
		apply_next(srv);
		return;
	}
	if (restart_on_lost_leader(srv, res)) {
		return;
	}
	if (res->rc != TR_OK) {
		fail_start(srv, res->rc, "read internal schema version", res);
		return;
	}
	srv->internal_version = schema_version;
	if (gate_open && schema_version <= binary_version()) {
		gate_open = false;
		apply_next(srv);
		return;
	}
	gate(srv);
}

static void open_done(struct cluster_client *c, void *arg,
		      const struct cluster_result *res)
{
	struct server *srv = arg;
	if (res->rc != TR_OK) {
		fail_start(srv, res->rc, "open internal database", res);
		return;
	}
	TR_UNUSED(c);
	srv->sys_open = true;
	read_version(srv);
}

static void read_version(struct server *srv)
{
	schema_version = 0;
	if (cluster_client_query_sql(
		    srv->sys, "SELECT version FROM schema_version", NULL, 0,
		    NULL, version_row, version_done, srv) != TR_OK) {
		fail_start(srv, TR_ENOMEM, "read internal schema version",
			   NULL);
	}
}

static void connect_done(struct cluster_client *c, void *arg,
			 const struct cluster_result *res)
{
	struct server *srv = arg;
	if (res->rc != TR_OK) {
		fail_start(srv, res->rc, "connect to the cluster leader", res);
		return;
	}
	tr_info("server", "cluster leader: node %llu (%s)",
		(unsigned long long)srv->leader_id,
		srv->leader_address[0] == '@' ? "this node"
					      : srv->leader_address);
	srv->sys_ready = false;
	if (cluster_client_open(c, SERVER_INTERNAL_DB, open_done, srv) !=
	    TR_OK) {
		fail_start(srv, TR_ENOMEM, "open internal database", NULL);
	}
}

/* The leader is known: open the system connection to it. */
static void leader_ready(struct server *srv, int rc)
{
	if (srv->stopping) {
		return;
	}
	if (rc != TR_OK) {
		tr_errmsg_printf(srv->errmsg,
				 "no cluster leader could be found within %d "
				 "s: is a majority of the members running, "
				 "and is this node still a member?",
				 LEADER_WAIT_MS / 1000);
		tr_buf_close(&scratch);
		start_done(srv, rc);
		return;
	}
	struct cluster_client_config cfg = { .tls = srv->node_client_ctx };
	if (cluster_client_new(srv->loop, &cfg, &srv->sys) != TR_OK ||
	    cluster_client_connect(srv->sys, srv->leader_address, connect_done,
				   srv) != TR_OK) {
		fail_start(srv, TR_ENOMEM, "connect to the cluster leader",
			   NULL);
	}
}

int server_internal_start(struct server *srv, server_step_cb done)
{
	start_done = done;
	tr_buf_init(&scratch, 0);
	/* A new cluster elects its first leader about a second after
	 * start; a restarted member waits for a quorum of its peers. */
	return server_leader_refresh(srv, LEADER_WAIT_MS, leader_ready);
}

/* ------------------------------------------------------------------ */
/* Bootstrap rows                                                       */
/* ------------------------------------------------------------------ */

/* The last start-up step: this node's own row says where it is now. */
static void recorded_self(struct cluster_client *c, void *arg,
			  const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		fail_start(srv, res->rc, "record this node", res);
		return;
	}
	tr_buf_close(&scratch);
	srv->sys_ready = true;
	start_done(srv, TR_OK);
}

static void record_self(struct server *srv)
{
	char pg_address[300];
	snprintf(pg_address, sizeof pg_address, "%s:%d", srv->pg_host,
		 srv->pg_port);
	struct cluster_value params[4] = {
		{ .type = CLUSTER_INTEGER,
		  .integer = (int64_t)srv->self_serial },
		{ .type = CLUSTER_TEXT },
		{ .type = CLUSTER_INTEGER, .integer = server_now_ms() },
		{ .type = CLUSTER_INTEGER,
		  .integer = (int64_t)cluster_node_id(srv->node) },
	};
	params[1].text.p = pg_address;
	params[1].text.len = strlen(pg_address);
	/* A node that starts is alive: its first heartbeat. */
	if (server_sys_exec(srv, false,
			    "UPDATE members SET serial = ?, pg_address = ?, "
			    "heartbeat = ? WHERE id = ?",
			    params, 4, recorded_self, srv) != TR_OK) {
		fail_start(srv, TR_ENOMEM, "record this node", NULL);
	}
}

static void bootstrap_done(struct cluster_client *c, void *arg,
			   const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		fail_start(srv, res->rc, "bootstrap", res);
		return;
	}
	record_self(srv);
}

static void bootstrap(struct server *srv)
{
	char verifier[256];
	if (!srv->bootstrapping) {
		record_self(srv);
		return;
	}
	if (pgwire_scram_verifier_make(srv->bootstrap_password, verifier,
				       sizeof verifier) != TR_OK) {
		fail_start(srv, TR_EINTERNAL, "make password verifier", NULL);
		return;
	}
	struct cluster_value params[1] = { { .type = CLUSTER_TEXT } };
	params[0].text.p = verifier;
	params[0].text.len = strlen(verifier);
	/* Name and address were checked at start (plain characters only),
	 * and dqlite binds parameters to the first statement only. */
	tr_buf_reset(&scratch);
	tr_buf_printf(&scratch,
		      "INSERT OR IGNORE INTO roles (name, verifier, superuser) "
		      "VALUES ('postgres', ?, 1); "
		      "INSERT OR IGNORE INTO databases (name, owner) "
		      "VALUES ('postgres', 'postgres'); "
		      "INSERT OR IGNORE INTO members "
		      "(id, name, address, pg_address, role, schema_version) "
		      "VALUES (%llu, '%s', '%s', '', 0, %d)",
		      (unsigned long long)cluster_node_id(srv->node),
		      srv->opts.name, cluster_node_address(srv->node),
		      binary_version());
	if (tr_buf_err(&scratch) != TR_OK ||
	    cluster_client_exec_sql(srv->sys, tr_buf_cstr(&scratch), params, 1,
				    bootstrap_done, srv) != TR_OK) {
		fail_start(srv, TR_ENOMEM, "bootstrap", NULL);
	}
	memset(verifier, 0, sizeof verifier);
}

/* ------------------------------------------------------------------ */
/* Keeping the system connection on the leader                          */
/* ------------------------------------------------------------------ */

#define SYS_RETRY_MS 500

static void sys_find_leader(struct server *srv);

static void sys_retry_cb(uv_timer_t *t)
{
	sys_find_leader(t->data);
}

static void sys_retry(struct server *srv)
{
	if (srv->sys != NULL) {
		cluster_client_close(srv->sys, NULL, NULL);
		srv->sys = NULL;
	}
	if (!srv->stopping) {
		uv_timer_start(&srv->retry, sys_retry_cb, SYS_RETRY_MS, 0);
	}
}

static void sys_opened(struct cluster_client *c, void *arg,
		       const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	if (srv->stopping) {
		return;
	}
	if (res->rc != TR_OK) {
		sys_retry(srv);
		return;
	}
	srv->sys_recovering = false;
	srv->sys_ready = true;
	tr_info("server", "system connection restored: leader is node %llu",
		(unsigned long long)srv->leader_id);
}

static void sys_connected(struct cluster_client *c, void *arg,
			  const struct cluster_result *res)
{
	struct server *srv = arg;
	if (srv->stopping) {
		return;
	}
	if (res->rc != TR_OK || cluster_client_open(c, SERVER_INTERNAL_DB,
						    sys_opened, srv) != TR_OK) {
		sys_retry(srv);
	}
}

static void sys_leader_found(struct server_leader_waiter *w, int rc)
{
	struct server *srv = (struct server *)((char *)w -
					       offsetof(struct server,
							sys_waiter));
	if (srv->stopping) {
		return;
	}
	if (rc != TR_OK) {
		tr_warn("server", "no cluster leader: clients are refused "
				  "(57P03) until there is one");
		sys_retry(srv);
		return;
	}
	struct cluster_client_config cfg = { .tls = srv->node_client_ctx };
	if (cluster_client_new(srv->loop, &cfg, &srv->sys) != TR_OK) {
		srv->sys = NULL;
		sys_retry(srv);
		return;
	}
	if (cluster_client_connect(srv->sys, srv->leader_address, sys_connected,
				   srv) != TR_OK) {
		sys_retry(srv);
	}
}

static void sys_find_leader(struct server *srv)
{
	if (!srv->stopping) {
		server_leader_wait(srv, &srv->sys_waiter, sys_leader_found);
	}
}

void server_sys_lost(struct server *srv)
{
	if (srv->stopping || srv->sys_recovering || !srv->sys_ready) {
		return;
	}
	tr_warn("server", "lost the system connection to the leader; "
			  "looking for the leader");
	srv->sys_recovering = true;
	srv->sys_ready = false;
	if (srv->sys != NULL) {
		cluster_client_close(srv->sys, NULL, NULL);
		srv->sys = NULL;
	}
	sys_find_leader(srv);
}

void server_sys_check(struct server *srv, const struct cluster_result *res)
{
	/* "no database opened" (12) comes after a leadership change too. */
	bool lost = (res->rc != TR_OK && res->rc != TR_ESQL) ||
		    (res->rc == TR_ESQL && res->code == CLUSTER_CODE_NOTFOUND);
	if (lost && res->rc != TR_ECANCELED) {
		server_sys_lost(srv);
	}
}

/* The system connection, if it can take a request now; a broken one
 * starts the search for the leader and gives NULL. */
static struct cluster_client *sys_usable(struct server *srv, bool need_ready)
{
	if (srv->sys == NULL ||
	    (need_ready ? !srv->sys_ready : !srv->sys_open)) {
		return NULL;
	}
	if (cluster_client_is_broken(srv->sys)) {
		server_sys_lost(srv);
		return NULL;
	}
	return srv->sys;
}

int server_sys_query(struct server *srv, bool need_ready, const char *sql,
		     const struct cluster_value *params, unsigned n_params,
		     cluster_columns_cb columns, cluster_row_cb row,
		     cluster_done_cb done, void *arg)
{
	struct cluster_client *c = sys_usable(srv, need_ready);
	if (c == NULL) {
		return TR_ECLOSED;
	}
	return cluster_client_query_sql(c, sql, params, n_params, columns, row,
					done, arg);
}

/*
 * A write to the internal database.  Several connections write there (the
 * system connections of every node, joins, removals), and dqlite answers a
 * second writer with BUSY at once: the statement did not run, so it is
 * sent again after a short pause, a bounded number of times.
 */
#define SYS_BUSY_TRIES    100
#define SYS_BUSY_PAUSE_MS 20

struct sys_write {
	struct server *srv;
	bool need_ready;
	char *sql;                    /* owned */
	struct cluster_value *params; /* owned, with owned text copies */
	unsigned n_params;
	cluster_done_cb done;
	void *arg;
	unsigned tries;
	uv_timer_t timer;
};

static void sys_write_free(uv_handle_t *h)
{
	struct sys_write *w = h->data;
	for (unsigned i = 0; i < w->n_params; i++) {
		if (w->params[i].type == CLUSTER_TEXT) {
			tr_free((void *)w->params[i].text.p);
		}
	}
	tr_free(w->params);
	tr_free(w->sql);
	tr_free(w);
}

static void sys_write_send(struct sys_write *w);

static void sys_write_retry(uv_timer_t *t)
{
	sys_write_send(t->data);
}

static void sys_write_done(struct cluster_client *c, void *arg,
			   const struct cluster_result *res)
{
	struct sys_write *w = arg;
	if (res->rc == TR_ESQL && res->code == CLUSTER_CODE_BUSY &&
	    w->tries < SYS_BUSY_TRIES && !w->srv->stopping) {
		uv_timer_start(&w->timer, sys_write_retry, SYS_BUSY_PAUSE_MS,
			       0);
		return;
	}
	w->done(c, w->arg, res);
	uv_close((uv_handle_t *)&w->timer, sys_write_free);
}

static void sys_write_send(struct sys_write *w)
{
	struct cluster_client *c = sys_usable(w->srv, w->need_ready);
	w->tries++;
	if (c == NULL ||
	    cluster_client_exec_sql(c, w->sql, w->params, w->n_params,
				    sys_write_done, w) != TR_OK) {
		/* Lost the connection between two tries: say so. */
		struct cluster_result res = {
			.rc = TR_ECLOSED,
			.message = "no connection to the cluster leader",
		};
		w->done(NULL, w->arg, &res);
		uv_close((uv_handle_t *)&w->timer, sys_write_free);
	}
}

int server_sys_exec(struct server *srv, bool need_ready, const char *sql,
		    const struct cluster_value *params, unsigned n_params,
		    cluster_done_cb done, void *arg)
{
	if (sys_usable(srv, need_ready) == NULL) {
		return TR_ECLOSED;
	}
	struct sys_write *w = tr_calloc(1, sizeof *w);
	if (w == NULL) {
		return TR_ENOMEM;
	}
	w->srv = srv;
	w->need_ready = need_ready;
	w->done = done;
	w->arg = arg;
	w->sql = tr_strdup(sql);
	w->params = tr_calloc(n_params ? n_params : 1, sizeof *w->params);
	bool ok = w->sql != NULL && w->params != NULL;
	for (unsigned i = 0; ok && i < n_params; i++) {
		w->params[i] = params[i];
		if (params[i].type == CLUSTER_TEXT) {
			char *copy = tr_strndup(params[i].text.p,
						params[i].text.len);
			w->params[i].text.p = copy;
			ok = copy != NULL;
		}
		w->n_params = i + 1;
	}
	uv_timer_init(srv->loop, &w->timer);
	w->timer.data = w;
	if (!ok) {
		uv_close((uv_handle_t *)&w->timer, sys_write_free);
		return TR_ENOMEM;
	}
	/* The first try is sent now: a failure is returned, not called
	 * back from inside this call. */
	w->tries = 1;
	int rv = cluster_client_exec_sql(sys_usable(srv, need_ready), w->sql,
					 w->params, w->n_params, sys_write_done,
					 w);
	if (rv != TR_OK) {
		uv_close((uv_handle_t *)&w->timer, sys_write_free);
	}
	return rv;
}
