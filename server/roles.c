/*
 * server/roles.c: keeping the member list current, and the leader's role
 * balancing.
 *
 * Every ROLES_POLL_MS, every node reads the members from the internal
 * database and, when they changed, stores them in local.db (so that after
 * a restart it can find the cluster and authorize its peers).  The leader
 * then compares Raft's configuration with its targets:
 *
 *   voters    3, or 5 once there are 5 or more members; 1 with 1 or 2
 *             members (two voters are less available than one)
 *   standbys  up to 2
 *   spares    the rest
 *
 * and makes at most one change per round (Raft allows one at a time),
 * promoting standbys before spares, and only a member that answers a ping
 * on the cluster port: ASSIGN to an unreachable node would block every
 * membership change for 50 s (dqlite-protocol.md §4).
 *
 * Heartbeats: each round the leader pings every member on the cluster
 * port and records the time of each answer in members.heartbeat; a member
 * silent for longer than the offline threshold (20 s, or
 * TRIODE_OFFLINE_THRESHOLD_MS) is offline.  An offline voter is replaced
 * by an online standby or spare, then demoted to spare, so the cluster
 * keeps its voter count with live nodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

#define ROLES_POLL_MS   2000
#define PING_TIMEOUT_MS 2000
#define MAX_STANDBYS    2

struct balance {
	struct server *srv;
	struct cluster_client *cc; /* owned: to the leader (ourselves) */
	struct cluster_server_info servers[SERVER_MAX_MEMBERS];
	char addresses[SERVER_MAX_MEMBERS][64];
	unsigned n_servers;
	uint64_t target;      /* node being changed */
	enum cluster_role to; /* its new role */
	struct tr_buf ping;   /* the ping request */
	bool pinging;         /* the ping's callback still has to run */
	bool stop;            /* the server stops: end after the ping */
};

static struct cluster_member fresh[SERVER_MAX_MEMBERS];
static unsigned n_fresh;

/* On the leader: when each member last answered a ping. */
static struct {
	uint64_t id;
	int64_t at_ms;
} seen[SERVER_MAX_MEMBERS];
static unsigned n_seen;

int64_t server_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mark_seen(uint64_t id, int64_t at)
{
	for (unsigned i = 0; i < n_seen; i++) {
		if (seen[i].id == id) {
			seen[i].at_ms = at;
			return;
		}
	}
	if (n_seen < SERVER_MAX_MEMBERS) {
		seen[n_seen].id = id;
		seen[n_seen].at_ms = at;
		n_seen++;
	}
}

static bool is_online(const struct server *srv, uint64_t id)
{
	if (id == cluster_node_id(srv->node)) {
		return true;
	}
	for (unsigned i = 0; i < n_seen; i++) {
		if (seen[i].id == id) {
			return server_now_ms() - seen[i].at_ms <
			       (int64_t)srv->offline_ms;
		}
	}
	return false;
}

static void round_over(struct server *srv)
{
	srv->roles_busy = false;
}

static void balance_closed(struct cluster_client *c, void *arg)
{
	struct balance *b = arg;
	TR_UNUSED(c);
	tr_buf_close(&b->ping);
	if (b->srv->balancing == b) {
		b->srv->balancing = NULL;
	}
	round_over(b->srv);
	tr_free(b);
}

static void balance_end(struct balance *b)
{
	cluster_client_close(b->cc, balance_closed, b);
}

static void role_recorded(struct cluster_client *c, void *arg,
			  const struct cluster_result *res)
{
	TR_UNUSED(c);
	TR_UNUSED(arg);
	if (res->rc != TR_OK) {
		tr_warn("roles", "cannot record a role: %s",
			res->message ? res->message : tr_strerror(res->rc));
	}
}

static void assigned(struct cluster_client *c, void *arg,
		     const struct cluster_result *res)
{
	struct balance *b = arg;
	TR_UNUSED(c);
	static const char *const names[] = { "voter", "standby", "spare" };
	if (res->rc != TR_OK) {
		tr_warn("roles", "node %llu could not become %s: %s",
			(unsigned long long)b->target, names[b->to],
			res->message ? res->message : tr_strerror(res->rc));
	} else {
		tr_info("roles", "node %llu is now a %s",
			(unsigned long long)b->target, names[b->to]);
		/* Record it for `triode cluster list`. */
		struct cluster_value p[2] = {
			{ .type = CLUSTER_INTEGER, .integer = b->to },
			{ .type = CLUSTER_INTEGER,
			  .integer = (int64_t)b->target },
		};
		if (server_sys_exec(b->srv, true,
				    "UPDATE members SET role = ? WHERE id = ?",
				    p, 2, role_recorded, NULL) != TR_OK) {
			tr_warn("roles", "cannot record a role now");
		}
	}
	balance_end(b);
}

static void pinged(void *arg, int rc, const uint8_t *resp, size_t len,
		   const char *errmsg)
{
	struct balance *b = arg;
	TR_UNUSED(resp);
	TR_UNUSED(len);
	b->pinging = false;
	if (b->stop) {
		balance_end(b);
		return;
	}
	if (rc != TR_OK) {
		tr_debug("roles",
			 "node %llu does not answer (%s): not "
			 "promoted",
			 (unsigned long long)b->target, errmsg);
		balance_end(b);
		return;
	}
	if (cluster_client_assign(b->cc, b->target, b->to, assigned, b) !=
	    TR_OK) {
		balance_end(b);
	}
}

/* Ping @i, then ASSIGN it role @to (a demotion of an offline node needs
 * no ping: it would not answer). */
static void change(struct balance *b, unsigned i, enum cluster_role to)
{
	struct server_admin_msg m;
	b->target = b->servers[i].id;
	b->to = to;
	if (to == CLUSTER_SPARE) {
		if (cluster_client_assign(b->cc, b->target, b->to, assigned,
					  b) != TR_OK) {
			balance_end(b);
		}
		return;
	}
	server_admin_msg_init(&m);
	tr_buf_init(&b->ping, CLUSTER_ADMIN_MAX_LEN);
	if (server_admin_msg_add_str(&m, "type", "ping") != TR_OK) {
		balance_end(b);
		return;
	}
	server_admin_msg_encode(&m, &b->ping);
	b->pinging = true;
	if (tr_buf_err(&b->ping) != TR_OK ||
	    cluster_admin_call(b->srv->loop, b->addresses[i],
			       b->srv->node_client_ctx, b->ping.data,
			       b->ping.len, PING_TIMEOUT_MS, pinged,
			       b) != TR_OK) {
		b->pinging = false;
		balance_end(b);
	}
}

static void servers_done(struct cluster_client *c, void *arg,
			 const struct cluster_result *res, unsigned n,
			 const struct cluster_server_info *servers)
{
	struct balance *b = arg;
	TR_UNUSED(c);
	if (res->rc != TR_OK || n > SERVER_MAX_MEMBERS) {
		balance_end(b);
		return;
	}
	struct server *srv = b->srv;
	unsigned voters = 0;
	unsigned live_voters = 0;
	unsigned live_standbys = 0;
	for (unsigned i = 0; i < n; i++) {
		b->servers[i] = servers[i];
		snprintf(b->addresses[i], sizeof b->addresses[i], "%s",
			 servers[i].address);
		b->servers[i].address = b->addresses[i];
		bool live = is_online(srv, servers[i].id);
		voters += servers[i].role == CLUSTER_VOTER;
		live_voters += servers[i].role == CLUSTER_VOTER && live;
		live_standbys += servers[i].role == CLUSTER_STANDBY && live;
	}
	b->n_servers = n;
	unsigned target = n >= 5 ? 5 : n >= 3 ? 3 : 1;
	if (live_voters < target) {
		/* Standbys have the log already: promote them first. */
		for (int pass = 0; pass < 2; pass++) {
			enum cluster_role from = pass == 0 ? CLUSTER_STANDBY
							   : CLUSTER_SPARE;
			for (unsigned i = 0; i < n; i++) {
				if (b->servers[i].role == from &&
				    is_online(srv, b->servers[i].id)) {
					change(b, i, CLUSTER_VOTER);
					return;
				}
			}
		}
	}
	if (voters > target) {
		/* A replacement took an offline voter's place: demote it. */
		for (unsigned i = 0; i < n; i++) {
			if (b->servers[i].role == CLUSTER_VOTER &&
			    !is_online(srv, b->servers[i].id)) {
				change(b, i, CLUSTER_SPARE);
				return;
			}
		}
		/* Too many voters after a removal (two are less available
		 * than one): one that is not the leader becomes a standby. */
		for (unsigned i = 0; i < n; i++) {
			if (b->servers[i].role == CLUSTER_VOTER &&
			    b->servers[i].id != cluster_node_id(srv->node)) {
				change(b, i, CLUSTER_STANDBY);
				return;
			}
		}
	}
	if (live_standbys < MAX_STANDBYS) {
		for (unsigned i = 0; i < n; i++) {
			if (b->servers[i].role == CLUSTER_SPARE &&
			    is_online(srv, b->servers[i].id)) {
				change(b, i, CLUSTER_STANDBY);
				return;
			}
		}
	}
	balance_end(b);
}

static void balance_connected(struct cluster_client *c, void *arg,
			      const struct cluster_result *res)
{
	struct balance *b = arg;
	if (res->rc != TR_OK ||
	    cluster_client_cluster(c, servers_done, b) != TR_OK) {
		balance_end(b);
	}
}

/* On the leader: one round of role balancing on a connection of its own
 * (ASSIGN can take a second and must not hold up the system connection). */
static void balance(struct server *srv)
{
	struct balance *b = tr_calloc(1, sizeof *b);
	if (b == NULL) {
		round_over(srv);
		return;
	}
	b->srv = srv;
	tr_buf_init(&b->ping, 0);
	if (cluster_client_new(srv->loop, NULL, &b->cc) != TR_OK) {
		tr_free(b);
		round_over(srv);
		return;
	}
	srv->balancing = b;
	if (cluster_client_connect(b->cc, cluster_node_bind_address(srv->node),
				   balance_connected, b) != TR_OK) {
		balance_end(b);
	}
}

/* ------------------------------------------------------------------ */
/* Heartbeats (leader)                                                  */
/* ------------------------------------------------------------------ */

static unsigned hb_pending;
static uint64_t hb_ok[SERVER_MAX_MEMBERS];
static unsigned n_hb_ok;

static void heartbeat_recorded(struct cluster_client *c, void *arg,
			       const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	server_sys_check(srv, res);
	if (srv->stopping) {
		round_over(srv);
		return;
	}
	balance(srv);
}

/* Every ping answered or failed: record, then balance roles. */
static void heartbeat_done(struct server *srv)
{
	int64_t now = server_now_ms();
	struct tr_buf sql;
	tr_buf_init(&sql, 0);
	tr_buf_printf(&sql,
		      "UPDATE members SET heartbeat = %lld WHERE id IN "
		      "(%llu",
		      (long long)now,
		      (unsigned long long)cluster_node_id(srv->node));
	for (unsigned i = 0; i < n_hb_ok; i++) {
		tr_buf_printf(&sql, ", %llu", (unsigned long long)hb_ok[i]);
	}
	tr_buf_put_str(&sql, ")");
	if (srv->internal_version < 4 || tr_buf_err(&sql) != TR_OK ||
	    server_sys_exec(srv, true, tr_buf_cstr(&sql), NULL, 0,
			    heartbeat_recorded, srv) != TR_OK) {
		balance(srv);
	}
	tr_buf_close(&sql);
}

struct ping {
	struct server *srv;
	uint64_t id;
};

static void ping_answered(void *arg, int rc, const uint8_t *resp, size_t len,
			  const char *errmsg)
{
	struct ping *p = arg;
	struct server *srv = p->srv;
	TR_UNUSED(resp);
	TR_UNUSED(len);
	if (rc == TR_OK) {
		mark_seen(p->id, server_now_ms());
		hb_ok[n_hb_ok++] = p->id;
	} else {
		tr_debug("roles", "heartbeat to node %llu: %s",
			 (unsigned long long)p->id, errmsg);
	}
	tr_free(p);
	if (--hb_pending == 0) {
		heartbeat_done(srv);
	}
}

static void heartbeat(struct server *srv)
{
	struct server_admin_msg m;
	struct tr_buf req;
	n_hb_ok = 0;
	hb_pending = 1; /* ourselves, released below */
	server_admin_msg_init(&m);
	tr_buf_init(&req, CLUSTER_ADMIN_MAX_LEN);
	if (server_admin_msg_add_str(&m, "type", "ping") == TR_OK) {
		server_admin_msg_encode(&m, &req);
	}
	for (unsigned i = 0; i < srv->n_members && tr_buf_err(&req) == TR_OK;
	     i++) {
		const struct cluster_member *mb = &srv->members[i];
		if (mb->id == cluster_node_id(srv->node)) {
			continue;
		}
		struct ping *p = tr_malloc(sizeof *p);
		if (p == NULL) {
			break;
		}
		p->srv = srv;
		p->id = mb->id;
		hb_pending++;
		if (cluster_admin_call(srv->loop, mb->address,
				       srv->node_client_ctx, req.data, req.len,
				       PING_TIMEOUT_MS, ping_answered,
				       p) != TR_OK) {
			hb_pending--;
			tr_free(p);
		}
	}
	tr_buf_close(&req);
	if (--hb_pending == 0) {
		heartbeat_done(srv);
	}
}

static int member_row(struct cluster_client *c, void *arg, unsigned n,
		      const struct cluster_value *v)
{
	TR_UNUSED(c);
	TR_UNUSED(arg);
	if (n_fresh == SERVER_MAX_MEMBERS) {
		return TR_ETOOBIG;
	}
	int rv = server_member_from_row(n, v, &fresh[n_fresh]);
	n_fresh += rv == TR_OK;
	return rv;
}

static void members_done(struct cluster_client *c, void *arg,
			 const struct cluster_result *res)
{
	struct server *srv = arg;
	TR_UNUSED(c);
	server_sys_check(srv, res);
	if (res->rc != TR_OK) {
		tr_debug("roles", "cannot read the members: %s",
			 res->message ? res->message : tr_strerror(res->rc));
		round_over(srv);
		return;
	}
	if (n_fresh != srv->n_members ||
	    memcmp(fresh, srv->members, sizeof *fresh * n_fresh) != 0) {
		if (server_members_set(srv, fresh, n_fresh) != TR_OK) {
			tr_warn("roles", "cannot store the members in "
					 "local.db");
		}
	}
	if (srv->leader_address[0] == '@') {
		heartbeat(srv);
		return;
	}
	round_over(srv);
}

static void tick(uv_timer_t *t)
{
	struct server *srv = t->data;
	if (srv->stopping || srv->roles_busy) {
		return;
	}
	srv->roles_busy = true;
	n_fresh = 0;
	if (server_sys_query(srv, true, SERVER_MEMBERS_SQL, NULL, 0, NULL,
			     member_row, members_done, srv) != TR_OK) {
		round_over(srv);
	}
}

void server_roles_stop(struct server *srv)
{
	struct balance *b = srv->balancing;
	if (b == NULL) {
		return;
	}
	if (b->pinging) {
		/* The ping (bounded by PING_TIMEOUT_MS) still holds @b:
		 * its callback ends the round. */
		b->stop = true;
		return;
	}
	/* Pending requests fail with ECANCELED; balance_closed frees the
	 * round. */
	balance_end(b);
}

void server_roles_start(struct server *srv)
{
	const char *env = getenv("TRIODE_OFFLINE_THRESHOLD_MS");
	srv->offline_ms = env != NULL && atoi(env) > 0 ? (unsigned)atoi(env)
						       : 20000;
	uv_timer_start(&srv->roles_timer, tick, ROLES_POLL_MS, ROLES_POLL_MS);
}

void server_roles_changed(struct server *srv)
{
	if (!srv->stopping) {
		uv_timer_start(&srv->roles_timer, tick, 200, ROLES_POLL_MS);
	}
}
