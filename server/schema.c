/*
 * server/schema.c: every node's schema mirrors follow DDL committed on any
 * node.
 *
 * Each node translates statements against its own mirror of a database's
 * schema (server_db.catalog); a column's type decides what a literal
 * becomes, so a mirror that is behind the cluster stores wrong data.  DDL
 * run on this node marks the mirror stale at once.  DDL committed through
 * another node reaches this one by two means, which together guarantee
 * that a statement this node receives after the DDL's answer reached its
 * client is translated against the new schema:
 *
 * 1. A lease.  A mirror is trusted for SERVER_SCHEMA_LEASE_MS after the
 *    moment this node *sent* the request that checked it against the
 *    leader (the leader's PRAGMA schema_version, read together with the
 *    schema itself; session.c's reload).  After that the next statement
 *    checks again: one small round trip per database per lease, and the
 *    schema is read again only when the version changed.
 *
 * 2. A notice.  The node that committed DDL tells every member (admin
 *    request "schema"), each marks its mirror of that database stale and
 *    answers; the DDL's CommandComplete (or ReadyForQuery, for an implicit
 *    transaction) waits until every member answered, or until
 *    SERVER_SCHEMA_LEASE_MS plus a margin have passed since the commit was
 *    acknowledged.  In the second case any member that did not answer (down,
 *    partitioned, slow) checked its mirror, at the latest, before the
 *    commit (a read after it sees the new version), so its lease has run
 *    out by then: its next statement checks against the leader.  DDL never
 *    waits longer than that bound, whatever the other nodes do.
 *
 * The member list the notices go to is read from the internal database
 * after the commit, so a member that joined a moment ago is not missed; if
 * it cannot be read, the known list is used and the DDL waits the full
 * bound.  A notice that arrives while a session is reading the schema
 * bumps server_db.epoch: that read then grants no lease (it may predate
 * the DDL).
 *
 * Clocks: both sides measure durations on their own monotonic clock, so
 * only the rate of the clocks matters; the margin covers drift and timer
 * slack many times over.
 */
#include <stdio.h>
#include <string.h>

#include "server/server_int.h"

/* Added to the lease before a DDL stops waiting for silent members. */
#define ANNOUNCE_MARGIN_MS    50
/* How long DROP DATABASE waits for a member's session count. */
#define DBSESSIONS_TIMEOUT_MS 3000

#define MS_NS 1000000ull

void server_schema_stale(struct server_db *db)
{
	db->catalog_loaded = false;
	db->verified_until = 0;
	db->epoch++;
}

void server_schema_check_lease(struct server_db *db)
{
	if (db->catalog_loaded && uv_hrtime() >= db->verified_until) {
		/* Not known to be behind: the reload asks the leader for its
		 * schema version first and reads the schema only if it
		 * changed (session.c). */
		db->catalog_loaded = false;
	}
}

struct server_db *server_db_find(struct server *srv, const char *name)
{
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &srv->dbs) {
		struct server_db *db = TR_QUEUE_DATA(q, struct server_db, link);
		if (strcmp(db->name, name) == 0) {
			return db;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Announcing DDL                                                       */
/* ------------------------------------------------------------------ */

struct announce {
	struct server *srv;
	char db[128];
	server_schema_cb cb; /* NULL once called */
	void *arg;
	unsigned outstanding; /* member read + admin calls in flight */
	unsigned unanswered;  /* members that did not acknowledge yet */
	bool list_complete;   /* the member list was read after the commit */
	struct cluster_member members[SERVER_MAX_MEMBERS];
	unsigned n_members;
	uv_timer_t timer;
	bool timer_closed;
};

static void announce_timer_closed(uv_handle_t *h)
{
	struct announce *a = h->data;
	a->timer_closed = true;
	if (a->outstanding == 0) {
		tr_free(a);
	}
}

/* Let the DDL's session go on (once). */
static void announce_finish(struct announce *a)
{
	if (a->cb != NULL) {
		server_schema_cb cb = a->cb;
		a->cb = NULL;
		cb(a->arg);
	}
	if (!uv_is_closing((uv_handle_t *)&a->timer)) {
		uv_close((uv_handle_t *)&a->timer, announce_timer_closed);
	}
}

/* One request of ours is over: finish when everyone answered. */
static void announce_landed(struct announce *a)
{
	a->outstanding--;
	if (a->list_complete && a->unanswered == 0) {
		announce_finish(a);
	}
	if (a->outstanding == 0 && a->timer_closed) {
		tr_free(a);
	}
}

static void announce_deadline(uv_timer_t *t)
{
	struct announce *a = t->data;
	if (a->unanswered > 0 || !a->list_complete) {
		tr_info("schema",
			"DDL on \"%s\": %u member%s did not acknowledge the "
			"notice in time; their leases have run out",
			a->db, a->unanswered, a->unanswered == 1 ? "" : "s");
	}
	announce_finish(a);
}

static void notice_answered(void *arg, int rc, const uint8_t *resp, size_t len,
			    const char *errmsg)
{
	struct announce *a = arg;
	struct server_admin_msg m;
	char status[8];
	if (rc == TR_OK && server_admin_msg_decode(&m, resp, len) == TR_OK &&
	    server_admin_msg_get_str(&m, "status", status, sizeof status) ==
		    TR_OK &&
	    strcmp(status, "ok") == 0) {
		a->unanswered--;
	} else {
		tr_debug("schema", "notice for \"%s\": %s", a->db,
			 rc != TR_OK ? errmsg : "refused");
	}
	announce_landed(a);
}

static void announce_send(struct announce *a)
{
	struct server *srv = a->srv;
	struct server_admin_msg m;
	struct tr_buf req;
	server_admin_msg_init(&m);
	tr_buf_init(&req, CLUSTER_ADMIN_MAX_LEN);
	if (server_admin_msg_add_str(&m, "type", "schema") == TR_OK &&
	    server_admin_msg_add_str(&m, "db", a->db) == TR_OK) {
		server_admin_msg_encode(&m, &req);
	}
	a->unanswered = 0;
	for (unsigned i = 0; i < a->n_members; i++) {
		const struct cluster_member *mb = &a->members[i];
		if (mb->id == cluster_node_id(srv->node)) {
			continue;
		}
		a->unanswered++; /* until it answers */
		if (tr_buf_err(&req) != TR_OK) {
			continue;
		}
		a->outstanding++;
		if (cluster_admin_call(srv->loop, mb->address,
				       srv->node_client_ctx, req.data, req.len,
				       SERVER_SCHEMA_LEASE_MS, notice_answered,
				       a) != TR_OK) {
			a->outstanding--;
		}
	}
	tr_buf_close(&req);
}

static int announce_member_row(struct cluster_client *c, void *arg, unsigned n,
			       const struct cluster_value *v)
{
	struct announce *a = arg;
	TR_UNUSED(c);
	if (a->n_members == SERVER_MAX_MEMBERS) {
		return TR_ETOOBIG;
	}
	int rv = server_member_from_row(n, v, &a->members[a->n_members]);
	a->n_members += rv == TR_OK;
	return rv;
}

static void announce_members_read(struct cluster_client *c, void *arg,
				  const struct cluster_result *res)
{
	struct announce *a = arg;
	TR_UNUSED(c);
	server_sys_check(a->srv, res);
	if (res->rc == TR_OK) {
		a->list_complete = true;
	} else {
		/* Tell those we know of; the deadline covers the rest. */
		memcpy(a->members, a->srv->members,
		       sizeof *a->members * a->srv->n_members);
		a->n_members = a->srv->n_members;
	}
	announce_send(a);
	announce_landed(a);
}

int server_schema_announce(struct server *srv, const char *db,
			   uint64_t committed, server_schema_cb cb, void *arg)
{
	struct announce *a = tr_calloc(1, sizeof *a);
	if (a == NULL) {
		return TR_ENOMEM;
	}
	a->srv = srv;
	snprintf(a->db, sizeof a->db, "%s", db);
	a->cb = cb;
	a->arg = arg;
	uv_timer_init(srv->loop, &a->timer);
	a->timer.data = a;
	uint64_t deadline = committed +
			    (SERVER_SCHEMA_LEASE_MS + ANNOUNCE_MARGIN_MS) *
				    MS_NS;
	uint64_t now = uv_hrtime();
	uv_timer_start(
		&a->timer, announce_deadline,
		deadline > now ? (deadline - now + MS_NS - 1) / MS_NS : 0, 0);
	a->outstanding = 1; /* the member read */
	if (server_sys_query(srv, true, SERVER_MEMBERS_SQL, NULL, 0, NULL,
			     announce_member_row, announce_members_read,
			     a) != TR_OK) {
		struct cluster_result failed = { .rc = TR_ECLOSED };
		announce_members_read(NULL, a, &failed);
	}
	return TR_OK;
}

void server_schema_handle(struct server *srv, struct cluster_admin_request *req,
			  const struct server_admin_msg *m)
{
	char name[128];
	if (server_admin_msg_get_str(m, "db", name, sizeof name) != TR_OK) {
		server_admin_answer_error(req, "malformed request");
		return;
	}
	/* No mirror yet: the first statement reads one. */
	struct server_db *db = server_db_find(srv, name);
	if (db != NULL) {
		server_schema_stale(db);
	}
	struct server_admin_msg ans;
	server_admin_msg_init(&ans);
	server_admin_answer(req, &ans);
}

/* ------------------------------------------------------------------ */
/* DROP DATABASE: sessions on other members                             */
/* ------------------------------------------------------------------ */

void server_dbsessions_handle(struct server *srv,
			      struct cluster_admin_request *req,
			      const struct server_admin_msg *m)
{
	char name[128];
	char force[4];
	if (server_admin_msg_get_str(m, "db", name, sizeof name) != TR_OK ||
	    server_admin_msg_get_str(m, "force", force, sizeof force) !=
		    TR_OK) {
		server_admin_answer_error(req, "malformed request");
		return;
	}
	unsigned n = server_sessions_on_db(srv, name, strcmp(force, "1") == 0,
					   NULL);
	char count[16];
	snprintf(count, sizeof count, "%u", n);
	struct server_admin_msg ans;
	server_admin_msg_init(&ans);
	if (server_admin_msg_add_str(&ans, "sessions", count) != TR_OK) {
		server_admin_answer_error(req, "answer too large");
		return;
	}
	server_admin_answer(req, &ans);
}

struct dbsessions {
	server_dbsessions_cb cb;
	void *arg;
	unsigned outstanding;
	unsigned n;
	char db[128];
};

static void dbsessions_landed(struct dbsessions *d)
{
	if (--d->outstanding == 0) {
		d->cb(d->arg, d->n);
		tr_free(d);
	}
}

static void dbsessions_answered(void *arg, int rc, const uint8_t *resp,
				size_t len, const char *errmsg)
{
	struct dbsessions *d = arg;
	struct server_admin_msg m;
	char status[8];
	uint64_t n = 0;
	if (rc == TR_OK && server_admin_msg_decode(&m, resp, len) == TR_OK &&
	    server_admin_msg_get_str(&m, "status", status, sizeof status) ==
		    TR_OK &&
	    strcmp(status, "ok") == 0 &&
	    server_admin_msg_get_u64(&m, "sessions", &n) == TR_OK) {
		d->n += n < 1000000 ? (unsigned)n : 1000000;
	} else {
		/* A member that is down has no sessions; one cut off from
		 * us cannot be asked, and waiting for it would make DROP
		 * DATABASE impossible while any member is away. */
		tr_warn("schema",
			"DROP DATABASE \"%s\": a member did not say whether "
			"it has sessions on it: %s",
			d->db, rc != TR_OK ? errmsg : "refused");
	}
	dbsessions_landed(d);
}

int server_dbsessions_ask(struct server *srv, const char *db, bool force,
			  server_dbsessions_cb cb, void *arg)
{
	struct dbsessions *d = tr_calloc(1, sizeof *d);
	if (d == NULL) {
		return TR_ENOMEM;
	}
	d->cb = cb;
	d->arg = arg;
	snprintf(d->db, sizeof d->db, "%s", db);
	struct server_admin_msg m;
	struct tr_buf req;
	server_admin_msg_init(&m);
	tr_buf_init(&req, CLUSTER_ADMIN_MAX_LEN);
	if (server_admin_msg_add_str(&m, "type", "dbsessions") == TR_OK &&
	    server_admin_msg_add_str(&m, "db", db) == TR_OK &&
	    server_admin_msg_add_str(&m, "force", force ? "1" : "0") == TR_OK) {
		server_admin_msg_encode(&m, &req);
	}
	if (tr_buf_err(&req) != TR_OK) {
		tr_buf_close(&req);
		tr_free(d);
		return TR_ENOMEM;
	}
	d->outstanding = 1; /* released below */
	for (unsigned i = 0; i < srv->n_members; i++) {
		const struct cluster_member *mb = &srv->members[i];
		if (mb->id == cluster_node_id(srv->node)) {
			continue;
		}
		d->outstanding++;
		if (cluster_admin_call(srv->loop, mb->address,
				       srv->node_client_ctx, req.data, req.len,
				       DBSESSIONS_TIMEOUT_MS,
				       dbsessions_answered, d) != TR_OK) {
			d->outstanding--;
		}
	}
	tr_buf_close(&req);
	if (d->outstanding == 1) {
		tr_free(d);
		return TR_ENOTFOUND; /* nobody to ask */
	}
	dbsessions_landed(d);
	return TR_OK;
}
