/*
 * server/membership.c: who may talk to this node on the cluster port.
 *
 * Every node runs the mTLS cluster port (cluster_proxy).  A peer is a
 * member when its certificate chains to the cluster CA (checked by TLS),
 * is a node certificate, and its (name, serial) is in this node's member
 * list; anyone else without a certificate is a joiner, allowed on the admin
 * channel only; everyone else is refused (security.md N2, N3, N5).
 *
 * The member list lives in local.db, not only in the replicated internal
 * database: a node must authorize the leader's Raft traffic before it has
 * a copy of the internal database (while joining), and after a restart
 * before the cluster has a leader.  It is seeded at bootstrap and by the
 * join answer, and kept current from the internal database.
 */
#include <stdio.h>
#include <string.h>

#include "certs/certs.h"
#include "server/server_int.h"

int server_members_load(struct server *srv)
{
	unsigned n = 0;
	int rv = cluster_local_members_get(srv->local, srv->members,
					   SERVER_MAX_MEMBERS, &n);
	if (rv != TR_OK) {
		tr_errmsg_printf(srv->errmsg, "local.db: cannot read members");
		return rv;
	}
	srv->n_members = n;
	return TR_OK;
}

int server_members_set(struct server *srv, const struct cluster_member *members,
		       unsigned n)
{
	if (n > SERVER_MAX_MEMBERS) {
		return TR_ETOOBIG;
	}
	int rv = cluster_local_members_set(srv->local, members, n);
	if (rv != TR_OK) {
		return rv;
	}
	/* A member that left (removed) loses its connections at once; its
	 * certificate is refused from now on (security N5). */
	for (unsigned i = 0; i < srv->n_members && srv->proxy != NULL; i++) {
		bool still = false;
		for (unsigned j = 0; j < n && !still; j++) {
			still = strcmp(srv->members[i].name, members[j].name) ==
					0 &&
				srv->members[i].serial == members[j].serial;
		}
		if (!still) {
			unsigned dropped = cluster_proxy_drop_peer(
				srv->proxy, srv->members[i].name);
			tr_info("membership",
				"%s is no longer a member (%u connections "
				"closed)",
				srv->members[i].name, dropped);
		}
	}
	memmove(srv->members, members, sizeof *members * n);
	srv->n_members = n;
	return TR_OK;
}

const struct cluster_member *server_member_by_name(const struct server *srv,
						   const char *name)
{
	for (unsigned i = 0; i < srv->n_members; i++) {
		if (strcmp(srv->members[i].name, name) == 0) {
			return &srv->members[i];
		}
	}
	return NULL;
}

/* cluster_authorize_fn: classify a freshly handshaken peer. */
static enum cluster_peer_kind authorize(void *arg, SSL *ssl, char *name)
{
	struct server *srv = arg;
	char cn[CERTS_NAME_SIZE];
	char errmsg[TR_ERRMSG_SIZE];
	uint64_t serial;
	int rv = certs_peer_identity(ssl, cn, &serial, errmsg);
	if (rv == TR_ENOTFOUND) {
		return CLUSTER_PEER_JOINER;
	}
	if (rv != TR_OK) {
		tr_warn("membership", "cluster port: refused: %s", errmsg);
		return CLUSTER_PEER_DENY;
	}
	const struct cluster_member *m = server_member_by_name(srv, cn);
	if (m == NULL || m->serial != serial) {
		char esc[80];
		tr_warn("membership",
			"cluster port: refused %s: not a current member (or "
			"its certificate was replaced)",
			tr_escape(esc, sizeof esc, cn, strlen(cn)));
		return CLUSTER_PEER_DENY;
	}
	snprintf(name, CLUSTER_PEER_NAME_MAX, "%s", cn);
	return CLUSTER_PEER_MEMBER;
}

static void proxy_stopped(void *arg)
{
	TR_UNUSED(arg);
}

int server_cluster_port_start(struct server *srv)
{
	struct cluster_proxy_config cfg = {
		.address = srv->opts.cluster_address,
		.node_socket = cluster_node_bind_address(srv->node),
		.ctx = srv->node_server_ctx,
		.authorize = authorize,
		.admin = server_admin_request,
		.arg = srv,
	};
	return cluster_proxy_start(srv->loop, &cfg, &srv->proxy, srv->errmsg);
}

void server_cluster_port_stop(struct server *srv)
{
	if (srv->proxy != NULL) {
		cluster_proxy_stop(srv->proxy, proxy_stopped, NULL);
		srv->proxy = NULL;
	}
}

int server_member_from_row(unsigned n, const struct cluster_value *v,
			   struct cluster_member *m)
{
	memset(m, 0, sizeof *m);
	if (n != 6 || v[0].type != CLUSTER_INTEGER ||
	    v[1].type != CLUSTER_TEXT || v[2].type != CLUSTER_TEXT ||
	    v[3].type != CLUSTER_TEXT || v[4].type != CLUSTER_INTEGER ||
	    v[5].type != CLUSTER_INTEGER || v[1].text.len >= sizeof m->name ||
	    v[2].text.len >= sizeof m->address ||
	    v[3].text.len >= sizeof m->pg_address) {
		return TR_EPROTO;
	}
	m->id = (uint64_t)v[0].integer;
	memcpy(m->name, v[1].text.p, v[1].text.len);
	memcpy(m->address, v[2].text.p, v[2].text.len);
	memcpy(m->pg_address, v[3].text.p, v[3].text.len);
	m->serial = (uint64_t)v[4].integer;
	m->role = (enum cluster_role)v[5].integer;
	return TR_OK;
}

void server_member_format(const struct cluster_member *m, char *out, size_t cap)
{
	snprintf(out, cap, "%llu\t%s\t%s\t%s\t%llu\t%d",
		 (unsigned long long)m->id, m->name, m->address, m->pg_address,
		 (unsigned long long)m->serial, (int)m->role);
}

/* Copy the next tab-separated word of *@p into @out; false if too long
 * or missing. */
static bool next_word(const char **p, char *out, size_t cap)
{
	const char *end = strchr(*p, '\t');
	size_t len = end != NULL ? (size_t)(end - *p) : strlen(*p);
	if (len == 0 || len + 1 > cap) {
		return false;
	}
	memcpy(out, *p, len);
	out[len] = '\0';
	*p += len + (end != NULL ? 1 : 0);
	return true;
}

int server_member_parse(const char *line, struct cluster_member *m)
{
	char id[24];
	char serial[24];
	char role[8];
	char *end;
	const char *p = line;
	memset(m, 0, sizeof *m);
	if (!next_word(&p, id, sizeof id) ||
	    !next_word(&p, m->name, sizeof m->name) ||
	    !next_word(&p, m->address, sizeof m->address) ||
	    !next_word(&p, m->pg_address, sizeof m->pg_address) ||
	    !next_word(&p, serial, sizeof serial) ||
	    !next_word(&p, role, sizeof role) || *p != '\0') {
		return TR_EPROTO;
	}
	m->id = strtoull(id, &end, 10);
	if (*end != '\0' || m->id == 0) {
		return TR_EPROTO;
	}
	m->serial = strtoull(serial, &end, 10);
	if (*end != '\0') {
		return TR_EPROTO;
	}
	long r = strtol(role, &end, 10);
	if (*end != '\0' || r < CLUSTER_VOTER || r > CLUSTER_SPARE) {
		return TR_EPROTO;
	}
	m->role = (enum cluster_role)r;
	return TR_OK;
}

/* Map our own cluster address to the abstract socket of our node. */
static const char *map_self(void *arg, const char *address)
{
	struct server *srv = arg;
	if (strcmp(address, cluster_node_address(srv->node)) == 0) {
		return cluster_node_bind_address(srv->node);
	}
	return address;
}

struct leader_refresh {
	struct server *srv;
	server_step_cb cb;
};

static void leader_found(struct cluster_client *c, void *arg,
			 const struct cluster_result *res, unsigned n,
			 const struct cluster_server_info *servers)
{
	struct leader_refresh *r = arg;
	struct server *srv = r->srv;
	server_step_cb cb = r->cb;
	TR_UNUSED(c);
	tr_free(r);
	int rc = res->rc;
	if (rc == TR_OK && n == 1) {
		const char *mapped = map_self(srv, servers[0].address);
		snprintf(srv->leader_address, sizeof srv->leader_address, "%s",
			 mapped);
		srv->leader_id = servers[0].id;
		tr_debug("membership", "leader is %llu at %s",
			 (unsigned long long)servers[0].id, servers[0].address);
	} else {
		tr_errmsg_printf(srv->errmsg, "no cluster leader reachable");
		if (rc == TR_OK) {
			rc = TR_ENOTLEADER;
		}
	}
	cb(srv, rc);
}

int server_leader_refresh(struct server *srv, unsigned timeout_ms,
			  server_step_cb cb)
{
	const char *seeds[SERVER_MAX_MEMBERS];
	unsigned n = 0;
	for (unsigned i = 0; i < srv->n_members; i++) {
		seeds[n++] = srv->members[i].address;
	}
	if (n == 0) {
		seeds[n++] = cluster_node_address(srv->node);
	}
	struct leader_refresh *r = tr_malloc(sizeof *r);
	if (r == NULL) {
		return TR_ENOMEM;
	}
	r->srv = srv;
	r->cb = cb;
	int rv = cluster_leader_find(srv->loop, seeds, n, timeout_ms, map_self,
				     srv, srv->node_client_ctx, leader_found,
				     r);
	if (rv != TR_OK) {
		tr_free(r);
	}
	return rv;
}

static void leader_refreshed(struct server *srv, int rc)
{
	srv->leader_refreshing = false;
	/* Waiters may wait again from their callback: take the list first. */
	struct tr_queue ready;
	tr_queue_init(&ready);
	while (!tr_queue_empty(&srv->leader_waiters)) {
		struct tr_queue *q = tr_queue_head(&srv->leader_waiters);
		tr_queue_remove(q);
		tr_queue_push(&ready, q);
	}
	while (!tr_queue_empty(&ready)) {
		struct tr_queue *q = tr_queue_head(&ready);
		struct server_leader_waiter *w = TR_QUEUE_DATA(
			q, struct server_leader_waiter, link);
		tr_queue_remove(q);
		w->waiting = false;
		w->cb(w, rc);
	}
}

static void leader_failed_cb(uv_timer_t *t)
{
	leader_refreshed(t->data, TR_ENOMEM);
}

void server_leader_wait(struct server *srv, struct server_leader_waiter *w,
			server_leader_cb cb)
{
	TR_PRE(!w->waiting);
	w->cb = cb;
	w->waiting = true;
	tr_queue_push(&srv->leader_waiters, &w->link);
	if (srv->leader_refreshing) {
		return;
	}
	srv->leader_refreshing = true;
	if (server_leader_refresh(srv, SERVER_LEADER_WAIT_MS,
				  leader_refreshed) != TR_OK) {
		/* Answer from the loop, never from inside this call. */
		uv_timer_start(&srv->leader_timer, leader_failed_cb, 0, 0);
	}
}

void server_leader_wait_cancel(struct server_leader_waiter *w)
{
	if (w->waiting) {
		tr_queue_remove(&w->link);
		w->waiting = false;
	}
}
