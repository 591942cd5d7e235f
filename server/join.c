/*
 * server/join.c: a new node joins the cluster with a token (LXD's model).
 *
 * Member side (this file's first half), for an admin "join" request:
 *
 *   connect to the leader -> OPEN _triode -> write lock -> BEGIN
 *     -> consume the token (exactly one row: single use, race-free)
 *     -> name and address free? -> next id -> sign the CSRs
 *     -> INSERT the member -> ADD to Raft -> COMMIT
 *     -> read the members -> answer: id, certificates, CA key, members
 *
 * Any failure before COMMIT rolls back (the token survives); a failure
 * after ADD removes the node from Raft again, so a failed join leaves
 * nothing behind.  The joiner is added as a spare; the leader's role
 * balancing promotes it once it answers heartbeats.
 *
 * Joiner side (second half), `triode serve --join TOKEN` on an empty data
 * directory, before the node starts: decode the token, make the node and
 * server keys and CSRs, send the join request to each address in the
 * token over TLS pinned to the token's CA fingerprint, install what comes
 * back, and record the identity in local.db.  On failure everything it
 * created is removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certs/certs.h"
#include "server/server_int.h"

#define JOIN_TIMEOUT_MS 30000

enum join_step {
	JOIN_CONNECT,
	JOIN_OPEN,
	JOIN_LOCK,
	JOIN_BEGIN,
	JOIN_CONSUME,
	JOIN_CHECK,
	JOIN_INSERT,
	JOIN_ADD,
	JOIN_COMMIT,
	JOIN_MEMBERS,
	JOIN_ANSWER,
	JOIN_UNDO,
};

struct join_op {
	struct server *srv;
	struct cluster_admin_request *req; /* answered exactly once */
	struct cluster_client *cc;         /* owned: leader connection */
	struct server_db *db;              /* _triode, for its write lock */
	struct server_writeq_waiter waiter;
	bool holds_lock;
	bool in_txn;
	bool added; /* ADD succeeded: undo with REMOVE on failure */
	enum join_step step;
	char name[CERTS_NAME_SIZE];
	char secret_hash[CERTS_FINGERPRINT_LEN];
	char address[64];
	char pg_address[64];
	char host[64];
	char *node_csr;    /* owned */
	char *server_csr;  /* owned */
	char *node_cert;   /* owned */
	char *server_cert; /* owned */
	uint64_t node_serial;
	uint64_t id;
	unsigned n_taken; /* rows that make the name or address taken */
	unsigned busy_tries;
	uv_timer_t timer; /* pause before sending again after BUSY */
	struct cluster_member members[SERVER_MAX_MEMBERS];
	unsigned n_members;
	char error[256]; /* the answer when failing */
};

static void join_next(struct join_op *op);

static void op_freed(uv_handle_t *h)
{
	struct join_op *op = h->data;
	tr_free(op->node_csr);
	tr_free(op->server_csr);
	tr_free(op->node_cert);
	tr_free(op->server_cert);
	tr_free(op);
}

/* Freed once libuv is done with the timer. */
static void op_free(struct join_op *op)
{
	uv_close((uv_handle_t *)&op->timer, op_freed);
}

static void busy_retry(uv_timer_t *t)
{
	join_next(t->data);
}

static void cc_closed(struct cluster_client *c, void *arg)
{
	TR_UNUSED(c);
	op_free(arg);
}

/* The end: release everything, answer if not yet done. */
static void join_end(struct join_op *op)
{
	if (op->req != NULL) {
		server_admin_answer_error(op->req, op->error[0] != '\0'
							   ? op->error
							   : "join failed");
		op->req = NULL;
	}
	if (op->waiter.waiting) {
		server_writeq_cancel(&op->waiter);
	}
	if (op->holds_lock) {
		op->holds_lock = false;
		server_writeq_release(&op->db->writeq);
	}
	if (op->cc != NULL) {
		struct cluster_client *cc = op->cc;
		op->cc = NULL;
		cluster_client_close(cc, cc_closed, op);
		return;
	}
	op_free(op);
}

/*
 * Fail with @fmt: roll back an open transaction, undo an ADD, then end.
 * The undo steps reuse the connection when it still works.
 */
static void join_fail(struct join_op *op, const char *fmt, ...) TR_PRINTF(2, 3);

static void undo_done(struct cluster_client *c, void *arg,
		      const struct cluster_result *res)
{
	struct join_op *op = arg;
	TR_UNUSED(c);
	if (res->rc != TR_OK) {
		tr_warn("join", "undoing the join of %s: %s", op->name,
			res->message ? res->message : tr_strerror(res->rc));
	}
	if (op->in_txn) {
		op->in_txn = false;
	} else {
		op->added = false;
	}
	join_next(op);
}

static void join_fail(struct join_op *op, const char *fmt, ...)
{
	if (op->error[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(op->error, sizeof op->error, fmt, ap);
		va_end(ap);
		tr_warn("join", "join of %s refused: %s", op->name, op->error);
	}
	op->step = JOIN_UNDO;
	join_next(op);
}

/* A request on the leader connection finished: go on or fail. */
static bool landed(struct join_op *op, const struct cluster_result *res,
		   const char *what)
{
	if (res->rc == TR_OK) {
		return true;
	}
	if (res->rc != TR_ESQL) {
		/* The connection is unusable: nothing more can be sent on
		 * it; an open transaction dies with it. */
		op->in_txn = false;
		if (op->cc != NULL) {
			struct cluster_client *cc = op->cc;
			op->cc = NULL;
			cluster_client_close(cc, NULL, NULL);
		}
	}
	join_fail(op, "%s: %s", what,
		  res->message ? res->message : tr_strerror(res->rc));
	return false;
}

static void step_done(struct cluster_client *c, void *arg,
		      const struct cluster_result *res)
{
	struct join_op *op = arg;
	TR_UNUSED(c);
	/* The first write of the transaction can meet another writer of the
	 * internal database (heartbeats, other joins): it did not run, so it
	 * is sent again after a pause. */
	if (op->step == JOIN_CONSUME && res->rc == TR_ESQL &&
	    res->code == CLUSTER_CODE_BUSY && op->busy_tries < 100) {
		op->busy_tries++;
		uv_timer_start(&op->timer, busy_retry, 20, 0);
		return;
	}
	/* Raft makes one configuration change at a time, and the leader's
	 * role balancing may be making one (an ASSIGN takes about a second):
	 * the ADD was refused, not made, so it is asked again. */
	if (op->step == JOIN_ADD && res->rc == TR_ESQL &&
	    res->code == CLUSTER_CODE_BUSY && op->busy_tries < 150) {
		op->busy_tries++;
		uv_timer_start(&op->timer, busy_retry, 100, 0);
		return;
	}
	static const char *const what[] = {
		[JOIN_CONNECT] = "connect to the leader",
		[JOIN_OPEN] = "open the internal database",
		[JOIN_BEGIN] = "begin",
		[JOIN_CONSUME] = "consume the token",
		[JOIN_CHECK] = "check the name",
		[JOIN_INSERT] = "record the member",
		[JOIN_ADD] = "add the node to Raft",
		[JOIN_COMMIT] = "commit",
		[JOIN_MEMBERS] = "read the members",
	};
	if (!landed(op, res, what[op->step] ? what[op->step] : "join")) {
		return;
	}
	switch (op->step) {
	case JOIN_CONSUME:
		if (res->rows_affected != 1) {
			join_fail(op, "invalid, used or expired join token");
			return;
		}
		break;
	case JOIN_BEGIN:
		op->in_txn = true;
		break;
	case JOIN_ADD:
		op->added = true;
		break;
	case JOIN_COMMIT:
		op->in_txn = false;
		op->added = false; /* committed: nothing to undo any more */
		break;
	default:
		break;
	}
	op->step++;
	join_next(op);
}

static void lock_granted(struct server_writeq_waiter *w)
{
	struct join_op *op = (struct join_op *)((char *)w -
						offsetof(struct join_op,
							 waiter));
	op->holds_lock = true;
	op->step = JOIN_BEGIN;
	join_next(op);
}

static int taken_row(struct cluster_client *c, void *arg, unsigned n,
		     const struct cluster_value *v)
{
	struct join_op *op = arg;
	TR_UNUSED(c);
	if (n == 2 && v[0].type == CLUSTER_INTEGER &&
	    v[1].type == CLUSTER_INTEGER) {
		op->n_taken = (unsigned)v[0].integer;
		op->id = (uint64_t)v[1].integer;
	}
	return TR_OK;
}

static int member_row(struct cluster_client *c, void *arg, unsigned n,
		      const struct cluster_value *v)
{
	struct join_op *op = arg;
	TR_UNUSED(c);
	if (op->n_members == SERVER_MAX_MEMBERS) {
		return TR_ETOOBIG;
	}
	int rv = server_member_from_row(n, v, &op->members[op->n_members]);
	op->n_members += rv == TR_OK;
	return rv;
}

static int exec(struct join_op *op, const char *sql,
		const struct cluster_value *params, unsigned n)
{
	return cluster_client_exec_sql(op->cc, sql, params, n, step_done, op);
}

static struct cluster_value text_value(const char *s)
{
	struct cluster_value v = { .type = CLUSTER_TEXT };
	v.text.p = s;
	v.text.len = strlen(s);
	return v;
}

/* Sign the joiner's two CSRs with the cluster CA (this node holds it). */
static bool sign(struct join_op *op)
{
	char dir[4096];
	char errmsg[TR_ERRMSG_SIZE];
	uint64_t server_serial;
	snprintf(dir, sizeof dir, "%s/certs", op->srv->data_dir);
	if (certs_sign_node_csr(dir, op->node_csr, op->name, op->host,
				&op->node_cert, &op->node_serial,
				errmsg) != TR_OK ||
	    certs_sign_server_csr(dir, op->server_csr, op->host,
				  &op->server_cert, &server_serial,
				  errmsg) != TR_OK) {
		join_fail(op, "cannot sign the certificates: %s", errmsg);
		return false;
	}
	return true;
}

/* Everything went through: answer with what the joiner needs. */
static void answer(struct join_op *op)
{
	struct server *srv = op->srv;
	struct server_admin_msg m;
	char dir[4096];
	char path[4200];
	char errmsg[TR_ERRMSG_SIZE];
	char id[24];
	char *ca_key = NULL;
	char *ca = NULL;
	char lines[SERVER_MAX_MEMBERS][256];
	snprintf(dir, sizeof dir, "%s/certs", srv->data_dir);
	snprintf(path, sizeof path, "%s/ca.crt", dir);
	snprintf(id, sizeof id, "%llu", (unsigned long long)op->id);
	/* This node learns of the new member at once, so that the joiner's
	 * Raft traffic is let in before any heartbeat. */
	if (server_members_set(srv, op->members, op->n_members) != TR_OK) {
		tr_warn("join", "cannot record the new member in local.db");
	}
	if (certs_export_ca_key(dir, &ca_key, errmsg) != TR_OK ||
	    server_read_file(path, &ca, errmsg) != TR_OK) {
		tr_free(ca_key);
		join_fail(op, "cannot read the cluster CA: %s", errmsg);
		return;
	}
	server_admin_msg_init(&m);
	int rv = server_admin_msg_add_str(&m, "id", id);
	rv = rv ? rv : server_admin_msg_add_str(&m, "ca", ca);
	rv = rv ? rv : server_admin_msg_add_str(&m, "ca_key", ca_key);
	rv = rv ? rv : server_admin_msg_add_str(&m, "node_cert", op->node_cert);
	rv = rv ? rv
		: server_admin_msg_add_str(&m, "server_cert", op->server_cert);
	for (unsigned i = 0; rv == TR_OK && i < op->n_members; i++) {
		server_member_format(&op->members[i], lines[i],
				     sizeof lines[i]);
		rv = server_admin_msg_add_str(&m, "member", lines[i]);
	}
	if (rv != TR_OK) {
		join_fail(op, "answer too large");
	} else {
		tr_info("join", "%s joined as node %s (%s)", op->name, id,
			op->address);
		server_admin_answer(op->req, &m);
		op->req = NULL;
		server_roles_changed(srv);
		join_end(op);
	}
	memset(ca_key, 0, strlen(ca_key));
	tr_free(ca_key);
	tr_free(ca);
}

static void join_next(struct join_op *op)
{
	struct server *srv = op->srv;
	int rv = TR_OK;
	switch (op->step) {
	case JOIN_CONNECT:
		rv = cluster_client_connect(op->cc, server_leader_address(srv),
					    step_done, op);
		break;
	case JOIN_OPEN:
		rv = cluster_client_open(op->cc, SERVER_INTERNAL_DB, step_done,
					 op);
		break;
	case JOIN_LOCK:
		op->db = server_db_get(srv, SERVER_INTERNAL_DB);
		if (op->db == NULL) {
			join_fail(op, "out of memory");
			return;
		}
		if (server_writeq_acquire(&op->db->writeq, &op->waiter,
					  lock_granted)) {
			lock_granted(&op->waiter);
		}
		return;
	case JOIN_BEGIN:
		rv = exec(op, "BEGIN", NULL, 0);
		break;
	case JOIN_CONSUME: {
		struct cluster_value p[3] = {
			text_value(op->name),
			text_value(op->secret_hash),
			{ .type = CLUSTER_INTEGER,
			  .integer = (int64_t)time(NULL) },
		};
		rv = exec(op,
			  "DELETE FROM join_tokens WHERE name = ? AND "
			  "secret_hash = ? AND expires_at >= ?",
			  p, 3);
		break;
	}
	case JOIN_CHECK: {
		struct cluster_value p[2] = { text_value(op->name),
					      text_value(op->address) };
		op->n_taken = 0;
		rv = cluster_client_query_sql(
			op->cc,
			"SELECT (SELECT count(*) FROM members WHERE name = ? OR "
			"address = ?), (SELECT coalesce(max(id), 0) + 1 FROM "
			"members)",
			p, 2, NULL, taken_row, step_done, op);
		break;
	}
	case JOIN_INSERT: {
		if (op->n_taken > 0) {
			join_fail(op,
				  "a member with that name or cluster address "
				  "exists already");
			return;
		}
		if (!sign(op)) {
			return;
		}
		struct cluster_value p[5] = {
			{ .type = CLUSTER_INTEGER, .integer = (int64_t)op->id },
			text_value(op->name),
			text_value(op->address),
			text_value(op->pg_address),
			{ .type = CLUSTER_INTEGER,
			  .integer = (int64_t)op->node_serial },
		};
		rv = exec(op,
			  "INSERT INTO members (id, name, address, pg_address, "
			  "role, schema_version, state, serial) VALUES (?, ?, "
			  "?, ?, 2, 0, 'member', ?)",
			  p, 5);
		break;
	}
	case JOIN_ADD:
		rv = cluster_client_add(op->cc, op->id, op->address, step_done,
					op);
		break;
	case JOIN_COMMIT:
		rv = exec(op, "COMMIT", NULL, 0);
		break;
	case JOIN_MEMBERS:
		op->n_members = 0;
		rv = cluster_client_query_sql(op->cc, SERVER_MEMBERS_SQL, NULL,
					      0, NULL, member_row, step_done,
					      op);
		break;
	case JOIN_ANSWER:
		answer(op);
		return;
	case JOIN_UNDO:
		if (op->cc != NULL && op->in_txn) {
			rv = cluster_client_exec_sql(op->cc, "ROLLBACK", NULL,
						     0, undo_done, op);
		} else if (op->cc != NULL && op->added) {
			rv = cluster_client_remove(op->cc, op->id, undo_done,
						   op);
		} else {
			join_end(op);
			return;
		}
		if (rv != TR_OK) {
			join_end(op);
		}
		return;
	}
	if (rv != TR_OK) {
		join_fail(op, "cannot send a request to the leader (%s)",
			  tr_strerror(rv));
	}
}

/* Copy a string field of the request, bounded: false if absent or bad. */
static bool field(const struct server_admin_msg *m, const char *key, char *out,
		  size_t cap)
{
	return server_admin_msg_get_str(m, key, out, cap) == TR_OK &&
	       out[0] != '\0';
}

static char *field_dup(const struct server_admin_msg *m, const char *key)
{
	const struct server_admin_field *f = server_admin_msg_get(m, key);
	if (f == NULL || f->len == 0 || f->len > CERTS_PEM_MAX ||
	    memchr(f->value, '\0', f->len) != NULL) {
		return NULL;
	}
	return tr_strndup(f->value, f->len);
}

void server_join_handle(struct server *srv, struct cluster_admin_request *req,
			const struct server_admin_msg *m)
{
	char secret[CERTS_SECRET_LEN];
	char errmsg[TR_ERRMSG_SIZE];
	int port;
	if (!srv->sys_ready) {
		server_admin_answer_error(req, "this node is not ready");
		return;
	}
	struct join_op *op = tr_calloc(1, sizeof *op);
	if (op == NULL) {
		server_admin_answer_error(req, "out of memory");
		return;
	}
	op->srv = srv;
	op->req = req;
	uv_timer_init(srv->loop, &op->timer);
	op->timer.data = op;
	if (!field(m, "name", op->name, sizeof op->name) ||
	    !certs_name_is_valid(op->name) ||
	    !field(m, "secret", secret, sizeof secret) ||
	    !field(m, "address", op->address, sizeof op->address) ||
	    !field(m, "pg_address", op->pg_address, sizeof op->pg_address) ||
	    server_split_address(op->address, op->host, sizeof op->host,
				 &port) != TR_OK ||
	    port == 0 || (op->node_csr = field_dup(m, "node_csr")) == NULL ||
	    (op->server_csr = field_dup(m, "server_csr")) == NULL) {
		join_fail(op, "malformed join request");
		return;
	}
	if (certs_token_secret_hash(secret, op->secret_hash, errmsg) != TR_OK) {
		join_fail(op, "malformed join secret");
		return;
	}
	memset(secret, 0, sizeof secret);
	struct cluster_client_config cfg = { .tls = srv->node_client_ctx };
	if (cluster_client_new(srv->loop, &cfg, &op->cc) != TR_OK) {
		join_fail(op, "out of memory");
		return;
	}
	tr_info("join", "%s asks to join from %s", op->name, op->address);
	op->step = JOIN_CONNECT;
	join_next(op);
}

/* ------------------------------------------------------------------ */
/* Joiner side                                                          */
/* ------------------------------------------------------------------ */

struct join_call {
	bool done;
	int rc;
	struct tr_buf reply;
	char errmsg[TR_ERRMSG_SIZE];
};

static void call_done(void *arg, int rc, const uint8_t *resp, size_t len,
		      const char *errmsg)
{
	struct join_call *call = arg;
	call->done = true;
	call->rc = rc;
	if (rc == TR_OK) {
		tr_buf_put(&call->reply, resp, len);
	} else {
		snprintf(call->errmsg, sizeof call->errmsg, "%s",
			 errmsg ? errmsg : tr_strerror(rc));
	}
}

/* One blocking admin call, on a private loop (start-up has none yet). */
static int call_blocking(const char *address, SSL_CTX *ctx,
			 const struct tr_buf *request, struct join_call *call)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	tr_buf_init(&call->reply, CLUSTER_ADMIN_MAX_LEN);
	call->done = false;
	int rv = cluster_admin_call(&loop, address, ctx, request->data,
				    request->len, JOIN_TIMEOUT_MS, call_done,
				    call);
	if (rv == TR_OK) {
		uv_run(&loop, UV_RUN_DEFAULT);
		rv = call->done ? call->rc : TR_EINTERNAL;
	} else {
		snprintf(call->errmsg, sizeof call->errmsg, "%s",
			 tr_strerror(rv));
	}
	uv_loop_close(&loop);
	return rv;
}

/* Install the member's answer: certificates, CA key, identity, members. */
static int server_join_install(struct server *srv,
			       const struct certs_token *token,
			       const char *certs_dir,
			       const struct server_admin_msg *reply,
			       char *errmsg)
{
	struct cluster_member members[SERVER_MAX_MEMBERS];
	unsigned n = 0;
	uint64_t id;
	char text[32];
	int rv = TR_EPROTO;
	char *ca = field_dup(reply, "ca");
	char *ca_key = field_dup(reply, "ca_key");
	char *node_cert = field_dup(reply, "node_cert");
	char *server_cert = field_dup(reply, "server_cert");
	tr_errmsg_printf(errmsg, "malformed join answer");
	if (ca == NULL || ca_key == NULL || node_cert == NULL ||
	    server_cert == NULL ||
	    server_admin_msg_get_u64(reply, "id", &id) != TR_OK || id < 2) {
		goto out;
	}
	for (unsigned i = 0; i < reply->n_fields; i++) {
		const struct server_admin_field *f = &reply->fields[i];
		char line[256];
		if (strcmp(f->key, "member") != 0) {
			continue;
		}
		if (n == SERVER_MAX_MEMBERS || f->len >= sizeof line) {
			goto out;
		}
		memcpy(line, f->value, f->len);
		line[f->len] = '\0';
		if (server_member_parse(line, &members[n]) != TR_OK) {
			goto out;
		}
		n++;
	}
	/* The certificates must chain to the CA the token pinned. */
	rv = certs_install_node(certs_dir, ca, node_cert, token->fingerprint,
				errmsg);
	if (rv == TR_OK) {
		rv = certs_install_server(certs_dir, ca, server_cert,
					  token->fingerprint, errmsg);
	}
	if (rv == TR_OK) {
		rv = certs_install_ca_key(certs_dir, ca_key, errmsg);
	}
	if (rv != TR_OK) {
		goto out;
	}
	snprintf(text, sizeof text, "%llu", (unsigned long long)id);
	if (cluster_local_set(srv->local, "name", token->name) != TR_OK ||
	    cluster_local_set(srv->local, "node_id", text) != TR_OK ||
	    cluster_local_set(srv->local, "cluster_address",
			      srv->opts.cluster_address) != TR_OK ||
	    cluster_local_set(srv->local, "bootstrapped", "1") != TR_OK ||
	    server_members_set(srv, members, n) != TR_OK) {
		tr_errmsg_printf(errmsg, "cannot write local.db");
		rv = TR_EIO;
		goto out;
	}
	tr_info("join", "joined the cluster as %s, node %s", token->name, text);
out:
	if (ca_key != NULL) {
		memset(ca_key, 0, strlen(ca_key));
	}
	tr_free(ca);
	tr_free(ca_key);
	tr_free(node_cert);
	tr_free(server_cert);
	return rv;
}

int server_join_cluster(struct server *srv, const char *token_text,
			char *errmsg)
{
	struct certs_token token;
	char certs_dir[4096];
	char host[64];
	int port;
	char *node_csr = NULL;
	char *server_csr = NULL;
	SSL_CTX *ctx = NULL;
	struct tr_buf request;
	struct join_call call = { .rc = TR_OK };
	struct server_admin_msg reply;
	int rv;

	tr_buf_init(&request, CLUSTER_ADMIN_MAX_LEN);
	if (certs_token_decode(token_text, &token, errmsg) != TR_OK) {
		tr_errmsg_wrapf(errmsg, "--join");
		return TR_EINVAL;
	}
	if (certs_token_is_expired(&token, (int64_t)time(NULL))) {
		tr_errmsg_printf(errmsg, "--join: the token has expired; ask "
					 "for a new one (triode cluster add)");
		return TR_EINVAL;
	}
	if (server_split_address(srv->opts.cluster_address, host, sizeof host,
				 &port) != TR_OK) {
		tr_errmsg_printf(errmsg, "--cluster-address: bad address");
		return TR_EINVAL;
	}
	snprintf(certs_dir, sizeof certs_dir, "%s/certs", srv->data_dir);
	rv = certs_node_request(certs_dir, token.name, &node_csr, errmsg);
	if (rv == TR_OK) {
		rv = certs_server_request(certs_dir, host, &server_csr, errmsg);
	}
	if (rv == TR_OK) {
		rv = certs_join_client_ctx(token.fingerprint, &ctx, errmsg);
	}
	if (rv != TR_OK) {
		goto out;
	}
	struct server_admin_msg m;
	char pg_address[300];
	snprintf(pg_address, sizeof pg_address, "%s:%d", srv->pg_host,
		 srv->pg_port);
	server_admin_msg_init(&m);
	rv = server_admin_msg_add_str(&m, "type", "join");
	rv = rv ? rv : server_admin_msg_add_str(&m, "name", token.name);
	rv = rv ? rv : server_admin_msg_add_str(&m, "secret", token.secret);
	rv = rv ? rv
		: server_admin_msg_add_str(&m, "address",
					   srv->opts.cluster_address);
	rv = rv ? rv : server_admin_msg_add_str(&m, "pg_address", pg_address);
	rv = rv ? rv : server_admin_msg_add_str(&m, "node_csr", node_csr);
	rv = rv ? rv : server_admin_msg_add_str(&m, "server_csr", server_csr);
	if (rv != TR_OK) {
		tr_errmsg_printf(errmsg, "join request too large");
		goto out;
	}
	server_admin_msg_encode(&m, &request);
	if (tr_buf_err(&request) != TR_OK) {
		rv = tr_buf_err(&request);
		goto out;
	}
	/* Any member can take the request; try them in turn. */
	rv = TR_EIO;
	for (unsigned i = 0; i < token.n_addresses; i++) {
		tr_buf_close(&call.reply);
		rv = call_blocking(token.addresses[i], ctx, &request, &call);
		char status[16] = "";
		char message[256] = "";
		if (rv == TR_OK &&
		    (server_admin_msg_decode(&reply, call.reply.data,
					     call.reply.len) != TR_OK ||
		     server_admin_msg_get_str(&reply, "status", status,
					      sizeof status) != TR_OK)) {
			rv = TR_EPROTO;
			snprintf(call.errmsg, sizeof call.errmsg,
				 "malformed answer");
		}
		if (rv == TR_OK && strcmp(status, "ok") != 0) {
			if (server_admin_msg_get_str(&reply, "message", message,
						     sizeof message) != TR_OK) {
				snprintf(message, sizeof message, "no reason");
			}
			/* The member said no: that is final. */
			tr_errmsg_printf(errmsg, "join refused by %s: %s",
					 token.addresses[i], message);
			rv = TR_EINVAL;
			goto out;
		}
		if (rv == TR_OK) {
			rv = server_join_install(srv, &token, certs_dir, &reply,
						 errmsg);
			goto out;
		}
		tr_warn("join", "%s: %s", token.addresses[i], call.errmsg);
		tr_errmsg_printf(errmsg, "no member answered (last: %s: %s)",
				 token.addresses[i], call.errmsg);
	}
out:
	tr_buf_close(&call.reply);
	tr_buf_close(&request);
	tr_free(node_csr);
	tr_free(server_csr);
	if (ctx != NULL) {
		SSL_CTX_free(ctx);
	}
	memset(&token, 0, sizeof token);
	return rv;
}
