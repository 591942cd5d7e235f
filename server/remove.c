/*
 * server/remove.c: `triode cluster remove NAME [--force]`.
 *
 *   connect to the leader -> read members, roles, heartbeats
 *     -> quorum check (refused unless --force)
 *     -> [the member is the leader: TRANSFER, then connect to the new one]
 *     -> REMOVE from Raft -> DELETE its row (and any join token)
 *
 * Its certificate stops working at once on this node (drop_peer) and on
 * every other node when it refreshes its member list (within a round):
 * the cluster port lets a peer in only while its (name, serial) is a
 * member.  A removed node can come back only with a new token, on an
 * empty data directory.
 */
#include <stdio.h>
#include <string.h>

#include "server/server_int.h"

enum remove_step {
	REMOVE_CONNECT,
	REMOVE_OPEN,
	REMOVE_READ,
	REMOVE_ROLES,
	REMOVE_DECIDE,
	REMOVE_TRANSFER,
	REMOVE_RAFT,
	REMOVE_ROW,
	REMOVE_DONE,
};

struct remove_op {
	struct server *srv;
	server_remove_cb cb;
	void *arg;
	struct cluster_client *cc; /* owned: to the leader */
	struct server_leader_waiter waiter;
	enum remove_step step;
	char name[65];
	bool force;
	bool found;
	uint64_t id;
	int64_t heartbeat; /* of the member being removed */
	/* Raft's view: voters and whether each is online. */
	unsigned n_voters_left; /* voters other than the removed one */
	unsigned n_online_left; /* ... of which online */
	bool is_voter;
	bool is_leader;
	struct {
		uint64_t id;
		int64_t heartbeat;
	} hb[SERVER_MAX_MEMBERS];
	unsigned n_hb;
	char error[256];
};

static void remove_next(struct remove_op *op);

static void op_closed(struct cluster_client *c, void *arg)
{
	TR_UNUSED(c);
	tr_free(arg);
}

static void remove_end(struct remove_op *op, const char *error)
{
	op->cb(op->arg, error);
	if (op->cc != NULL) {
		cluster_client_close(op->cc, op_closed, op);
		return;
	}
	tr_free(op);
}

static void remove_fail(struct remove_op *op, const char *fmt, ...)
	TR_PRINTF(2, 3);
static void remove_fail(struct remove_op *op, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(op->error, sizeof op->error, fmt, ap);
	va_end(ap);
	remove_end(op, op->error);
}

static bool online(const struct remove_op *op, uint64_t id, int64_t now)
{
	if (id == op->srv->leader_id) {
		return true;
	}
	for (unsigned i = 0; i < op->n_hb; i++) {
		if (op->hb[i].id == id) {
			return now - op->hb[i].heartbeat <
			       (int64_t)op->srv->offline_ms;
		}
	}
	return false;
}

static void step_done(struct cluster_client *c, void *arg,
		      const struct cluster_result *res)
{
	struct remove_op *op = arg;
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		remove_fail(op, "%s",
			    res->message ? res->message : tr_strerror(res->rc));
		return;
	}
	op->step++;
	remove_next(op);
}

static int member_row(struct cluster_client *c, void *arg, unsigned n,
		      const struct cluster_value *v)
{
	struct remove_op *op = arg;
	TR_UNUSED(c);
	if (n != 3 || v[0].type != CLUSTER_INTEGER ||
	    v[1].type != CLUSTER_TEXT || v[2].type != CLUSTER_INTEGER ||
	    op->n_hb == SERVER_MAX_MEMBERS) {
		return TR_EPROTO;
	}
	op->hb[op->n_hb].id = (uint64_t)v[0].integer;
	op->hb[op->n_hb].heartbeat = v[2].integer;
	op->n_hb++;
	if (v[1].text.len == strlen(op->name) &&
	    memcmp(v[1].text.p, op->name, v[1].text.len) == 0) {
		op->found = true;
		op->id = (uint64_t)v[0].integer;
		op->heartbeat = v[2].integer;
	}
	return TR_OK;
}

static void servers_done(struct cluster_client *c, void *arg,
			 const struct cluster_result *res, unsigned n,
			 const struct cluster_server_info *servers)
{
	struct remove_op *op = arg;
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		remove_fail(op, "cannot read the Raft configuration: %s",
			    res->message ? res->message : "error");
		return;
	}
	int64_t now = server_now_ms();
	for (unsigned i = 0; i < n; i++) {
		if (servers[i].role != CLUSTER_VOTER) {
			continue;
		}
		if (servers[i].id == op->id) {
			op->is_voter = true;
			continue;
		}
		op->n_voters_left++;
		op->n_online_left += online(op, servers[i].id, now);
	}
	op->is_leader = op->id == op->srv->leader_id;
	op->step = REMOVE_DECIDE;
	remove_next(op);
}

static void new_leader(struct server_leader_waiter *w, int rc)
{
	struct remove_op *op = (struct remove_op *)((char *)w -
						    offsetof(struct remove_op,
							     waiter));
	if (rc != TR_OK) {
		remove_fail(op, "no leader after the transfer");
		return;
	}
	/* Carry on against the new leader. */
	if (op->cc != NULL) {
		cluster_client_close(op->cc, NULL, NULL);
		op->cc = NULL;
	}
	struct cluster_client_config cfg = { .tls = op->srv->node_client_ctx };
	if (cluster_client_new(op->srv->loop, &cfg, &op->cc) != TR_OK) {
		op->cc = NULL;
		remove_fail(op, "out of memory");
		return;
	}
	op->step = REMOVE_CONNECT;
	op->is_leader = false;
	op->force = true; /* the quorum check was made already */
	remove_next(op);
}

static void transferred(struct cluster_client *c, void *arg,
			const struct cluster_result *res)
{
	struct remove_op *op = arg;
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		remove_fail(op, "cannot hand leadership over: %s",
			    res->message ? res->message : "error");
		return;
	}
	tr_info("remove", "leadership handed over before removing %s",
		op->name);
	server_leader_wait(op->srv, &op->waiter, new_leader);
}

static void remove_next(struct remove_op *op)
{
	struct server *srv = op->srv;
	int rv = TR_OK;
	switch (op->step) {
	case REMOVE_CONNECT:
		rv = cluster_client_connect(op->cc, server_leader_address(srv),
					    step_done, op);
		break;
	case REMOVE_OPEN:
		rv = cluster_client_open(op->cc, SERVER_INTERNAL_DB, step_done,
					 op);
		break;
	case REMOVE_READ:
		op->n_hb = 0;
		op->found = false;
		rv = cluster_client_query_sql(
			op->cc,
			"SELECT id, name, heartbeat FROM members ORDER BY id",
			NULL, 0, NULL, member_row, step_done, op);
		break;
	case REMOVE_ROLES:
		if (!op->found) {
			remove_fail(op, "no member named \"%s\"", op->name);
			return;
		}
		op->n_voters_left = 0;
		op->n_online_left = 0;
		rv = cluster_client_cluster(op->cc, servers_done, op);
		break;
	case REMOVE_DECIDE:
		/* Raft needs a majority of the voters that remain. */
		if (op->is_voter && !op->force &&
		    op->n_online_left * 2 <= op->n_voters_left) {
			remove_fail(op,
				    "removing %s would leave %u of %u voters "
				    "online, no majority: the cluster would "
				    "stop; use --force to remove it anyway",
				    op->name, op->n_online_left,
				    op->n_voters_left);
			return;
		}
		if (op->is_voter && op->n_voters_left == 0) {
			remove_fail(op, "%s is the last voter", op->name);
			return;
		}
		op->step = op->is_leader ? REMOVE_TRANSFER : REMOVE_RAFT;
		remove_next(op);
		return;
	case REMOVE_TRANSFER:
		/* Removing the leader itself costs seconds without one. */
		rv = cluster_client_transfer(op->cc, 0, transferred, op);
		break;
	case REMOVE_RAFT:
		rv = cluster_client_remove(op->cc, op->id, step_done, op);
		break;
	case REMOVE_ROW: {
		struct cluster_value p[1] = {
			{ .type = CLUSTER_INTEGER, .integer = (int64_t)op->id },
		};
		rv = cluster_client_exec_sql(op->cc,
					     "DELETE FROM members WHERE id = ?",
					     p, 1, step_done, op);
		break;
	}
	case REMOVE_DONE: {
		tr_info("remove", "%s (node %llu) removed from the cluster",
			op->name, (unsigned long long)op->id);
		/* Forget it here at once (and drop its connections); the
		 * other nodes follow at their next member refresh. */
		struct cluster_member left[SERVER_MAX_MEMBERS];
		unsigned n = 0;
		for (unsigned i = 0; i < srv->n_members; i++) {
			if (srv->members[i].id != op->id) {
				left[n++] = srv->members[i];
			}
		}
		if (server_members_set(srv, left, n) != TR_OK) {
			tr_warn("remove", "cannot update local.db");
		}
		if (srv->proxy != NULL) {
			cluster_proxy_drop_peer(srv->proxy, op->name);
		}
		server_roles_changed(srv);
		remove_end(op, NULL);
		return;
	}
	}
	if (rv != TR_OK) {
		remove_fail(op, "cannot send a request to the leader");
	}
}

int server_remove_member(struct server *srv, const char *name, bool force,
			 server_remove_cb cb, void *arg)
{
	if (strlen(name) >= 65) {
		return TR_EINVAL;
	}
	struct remove_op *op = tr_calloc(1, sizeof *op);
	if (op == NULL) {
		return TR_ENOMEM;
	}
	op->srv = srv;
	op->cb = cb;
	op->arg = arg;
	op->force = force;
	snprintf(op->name, sizeof op->name, "%s", name);
	struct cluster_client_config cfg = { .tls = srv->node_client_ctx };
	if (cluster_client_new(srv->loop, &cfg, &op->cc) != TR_OK) {
		tr_free(op);
		return TR_ENOMEM;
	}
	/* The first step is sent here so that a failure is returned, not
	 * called back from inside this call. */
	op->step = REMOVE_CONNECT;
	if (cluster_client_connect(op->cc, server_leader_address(srv),
				   step_done, op) != TR_OK) {
		cluster_client_close(op->cc, op_closed, op);
		return TR_ECLOSED;
	}
	return TR_OK;
}
