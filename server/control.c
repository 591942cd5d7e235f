/*
 * server/control.c: the local control socket the CLI talks to.
 *
 * `triode cluster ...` connects to DATA/control.sock (a Unix socket, mode
 * 0600 inside the 0700 data directory, and the peer's uid must be ours),
 * writes one request line and reads the answer until EOF:
 *
 *   request:  COMMAND [\t ARG]* \n          (at most 4 KiB)
 *   answer:   zero or more lines of output, then "OK" or "ERROR <text>"
 *
 * Commands: "list" (a table), "list\tjson", "add\tNAME" (issue a join
 * token, printed as the last output line), "remove\tNAME[\tforce]", and
 * "exclude\tNAME" (the upgrade gate stops waiting for that member).  Each
 * connection serves one request, on the main loop; the work itself runs on the
 * internal database through the server's system client.  The socket is up while
 * start-up waits at the upgrade gate, so that exclude can unblock it.
 */
#define _GNU_SOURCE /* SO_PEERCRED, struct ucred */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "certs/certs.h"
#include "server/server_int.h"

#define CONTROL_MAX_REQUEST 4096

/* Why a command cannot run now: no connection to the leader (start-up,
 * or a leader change under way). */
#define NOT_READY \
	"the node cannot reach the cluster leader right now; try again"

/* How long a join token stays valid (LXD's default). */
#define TOKEN_TTL_SECONDS (3 * 3600)

struct control_conn {
	struct server *srv;
	uv_pipe_t pipe;
	uv_write_t write;
	struct tr_buf in;  /* request bytes until the newline */
	struct tr_buf out; /* the answer */
	bool json;
	bool answered;
	unsigned n_members;
	/* add: the member addresses collected for the token, then the token */
	char addresses[CERTS_TOKEN_MAX_ADDRESSES][CERTS_ADDRESS_SIZE];
	unsigned n_addresses;
	char name[CERTS_NAME_SIZE]; /* add: the new member's name */
	struct certs_token token;
};

static void conn_closed(uv_handle_t *h)
{
	struct control_conn *c = h->data;
	tr_buf_close(&c->in);
	tr_buf_close(&c->out);
	tr_free(c);
}

static void written(uv_write_t *w, int status)
{
	struct control_conn *c = w->data;
	TR_UNUSED(status);
	uv_close((uv_handle_t *)&c->pipe, conn_closed);
}

/* Send what is in c->out plus the final status line, then close. */
static void answer(struct control_conn *c, const char *error)
{
	if (c->answered) {
		return;
	}
	c->answered = true;
	if (error != NULL) {
		tr_buf_reset(&c->out);
		tr_buf_printf(&c->out, "ERROR %s\n", error);
	} else {
		tr_buf_put_str(&c->out, "OK\n");
	}
	if (tr_buf_err(&c->out) != TR_OK) {
		uv_close((uv_handle_t *)&c->pipe, conn_closed);
		return;
	}
	uv_buf_t buf = uv_buf_init((char *)c->out.data, (unsigned)c->out.len);
	c->write.data = c;
	if (uv_write(&c->write, (uv_stream_t *)&c->pipe, &buf, 1, written) !=
	    0) {
		uv_close((uv_handle_t *)&c->pipe, conn_closed);
	}
}

static const char *role_name(int64_t role)
{
	switch (role) {
	case CLUSTER_VOTER:
		return "voter";
	case CLUSTER_STANDBY:
		return "standby";
	case CLUSTER_SPARE:
		return "spare";
	default:
		return "unknown";
	}
}

/* JSON string: quotes and backslashes escaped, control bytes as \u00XX. */
static void put_json_string(struct tr_buf *b, const char *s, size_t len)
{
	tr_buf_put_u8(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			tr_buf_put_u8(b, '\\');
			tr_buf_put_u8(b, ch);
		} else if (ch < 0x20) {
			tr_buf_printf(b, "\\u%04x", ch);
		} else {
			tr_buf_put_u8(b, ch);
		}
	}
	tr_buf_put_u8(b, '"');
}

static void list_header(struct control_conn *c);
static void list_local(struct control_conn *c);

static int list_row(struct cluster_client *cc, void *arg, unsigned n,
		    const struct cluster_value *v)
{
	struct control_conn *c = arg;
	TR_UNUSED(cc);
	if (n != 7 || v[0].type != CLUSTER_INTEGER ||
	    v[1].type != CLUSTER_TEXT || v[2].type != CLUSTER_TEXT ||
	    v[3].type != CLUSTER_TEXT || v[4].type != CLUSTER_INTEGER ||
	    v[5].type != CLUSTER_INTEGER || v[6].type != CLUSTER_INTEGER) {
		return TR_EPROTO;
	}
	struct server *srv = c->srv;
	uint64_t id = (uint64_t)v[0].integer;
	bool self = id == cluster_node_id(srv->node);
	bool is_leader = id == srv->leader_id;
	/* The leader records a heartbeat for every member that answers its
	 * pings; this node and the leader are evidently up. */
	bool online = self || is_leader ||
		      server_now_ms() - v[6].integer < (int64_t)srv->offline_ms;
	const char *state = online ? "online" : "offline";
	const char *leader = is_leader ? "yes" : "no";
	if (c->json) {
		tr_buf_put_str(&c->out, c->n_members > 0 ? ",\n  {" : "\n  {");
		tr_buf_printf(&c->out, "\"id\": %lld, \"name\": ",
			      (long long)v[0].integer);
		put_json_string(&c->out, v[1].text.p, v[1].text.len);
		tr_buf_put_str(&c->out, ", \"address\": ");
		put_json_string(&c->out, v[2].text.p, v[2].text.len);
		tr_buf_put_str(&c->out, ", \"pg_address\": ");
		put_json_string(&c->out, v[3].text.p, v[3].text.len);
		tr_buf_printf(&c->out,
			      ", \"role\": \"%s\", \"leader\": %s, "
			      "\"state\": \"%s\", \"schema_version\": %lld}",
			      role_name(v[4].integer),
			      is_leader ? "true" : "false", state,
			      (long long)v[5].integer);
	} else {
		tr_buf_printf(&c->out,
			      "%-16.*s %-21.*s %-21.*s %-8s %-6s %-8s %lld\n",
			      (int)v[1].text.len, v[1].text.p,
			      (int)v[2].text.len, v[2].text.p,
			      (int)v[3].text.len, v[3].text.p,
			      role_name(v[4].integer), leader, state,
			      (long long)v[5].integer);
	}
	c->n_members++;
	return TR_OK;
}

static void list_done(struct cluster_client *cc, void *arg,
		      const struct cluster_result *res)
{
	struct control_conn *c = arg;
	server_sys_check(c->srv, res);
	TR_UNUSED(cc);
	if (res->rc != TR_OK) {
		/* The leader went away mid-answer: what this node knows. */
		tr_buf_reset(&c->out);
		list_header(c);
		list_local(c);
		return;
	}
	if (c->json) {
		tr_buf_put_str(&c->out, c->n_members > 0 ? "\n]\n" : "]\n");
	}
	answer(c, NULL);
}

/*
 * No leader reachable (lost quorum, or a leader change under way): show
 * the members this node knows from local.db, state "unknown", because
 * that is when an operator most needs the list.
 */
static void list_header(struct control_conn *c)
{
	if (c->json) {
		tr_buf_put_str(&c->out, "[");
	} else {
		tr_buf_printf(&c->out, "%-16s %-21s %-21s %-8s %-6s %-8s %s\n",
			      "NAME", "ADDRESS", "PG ADDRESS", "ROLE", "LEADER",
			      "STATE", "SCHEMA");
	}
}

static void list_local(struct control_conn *c)
{
	struct server *srv = c->srv;
	for (unsigned i = 0; i < srv->n_members; i++) {
		const struct cluster_member *m = &srv->members[i];
		bool self = m->id == cluster_node_id(srv->node);
		const char *state = self ? "online" : "unknown";
		if (c->json) {
			tr_buf_put_str(&c->out, i > 0 ? ",\n  {" : "\n  {");
			tr_buf_printf(&c->out, "\"id\": %llu, \"name\": ",
				      (unsigned long long)m->id);
			put_json_string(&c->out, m->name, strlen(m->name));
			tr_buf_put_str(&c->out, ", \"address\": ");
			put_json_string(&c->out, m->address,
					strlen(m->address));
			tr_buf_put_str(&c->out, ", \"pg_address\": ");
			put_json_string(&c->out, m->pg_address,
					strlen(m->pg_address));
			tr_buf_printf(&c->out,
				      ", \"role\": \"%s\", \"leader\": null, "
				      "\"state\": \"%s\", \"schema_version\": "
				      "null}",
				      role_name(m->role), state);
		} else {
			tr_buf_printf(&c->out,
				      "%-16s %-21s %-21s %-8s %-6s %-8s %s\n",
				      m->name, m->address, m->pg_address,
				      role_name(m->role), "?", state, "?");
		}
	}
	if (c->json) {
		tr_buf_put_str(&c->out, srv->n_members > 0 ? "\n]\n" : "]\n");
	}
	answer(c, NULL);
}

static void run_list(struct control_conn *c)
{
	struct server *srv = c->srv;
	list_header(c);
	/* Heartbeats arrived with internal schema version 4; the list must
	 * also work on an older schema, at the upgrade gate. */
	const char *sql = srv->internal_version >= 4
				  ? "SELECT id, name, address, pg_address, "
				    "role, schema_version, heartbeat FROM "
				    "members ORDER BY name"
				  : "SELECT id, name, address, pg_address, "
				    "role, schema_version, 0 FROM members "
				    "ORDER BY name";
	if (server_sys_query(srv, false, sql, NULL, 0, NULL, list_row,
			     list_done, c) != TR_OK) {
		list_local(c);
	}
}

static void exclude_done(struct cluster_client *cc, void *arg,
			 const struct cluster_result *res)
{
	struct control_conn *c = arg;
	server_sys_check(c->srv, res);
	TR_UNUSED(cc);
	if (res->rc != TR_OK) {
		char msg[300];
		snprintf(msg, sizeof msg, "cannot exclude: %s",
			 res->message ? res->message : tr_strerror(res->rc));
		answer(c, msg);
		return;
	}
	if (res->rows_affected == 0) {
		answer(c, "no such member (or it is this node)");
		return;
	}
	tr_buf_put_str(&c->out, "excluded from the upgrade gate\n");
	answer(c, NULL);
}

/* Mark a member excluded: the upgrade gate no longer waits for it. */
static void run_exclude(struct control_conn *c, const char *name)
{
	struct server *srv = c->srv;
	struct cluster_value params[2] = {
		{ .type = CLUSTER_TEXT },
		{ .type = CLUSTER_INTEGER,
		  .integer = (int64_t)cluster_node_id(srv->node) },
	};
	params[0].text.p = name;
	params[0].text.len = strlen(name);
	tr_warn("control", "member %s excluded from the upgrade gate", name);
	if (server_sys_exec(srv, false,
			    "UPDATE members SET state = 'excluded' WHERE name "
			    "= ? AND id != ?",
			    params, 2, exclude_done, c) != TR_OK) {
		answer(c, NOT_READY);
	}
}

static void token_stored(struct cluster_client *cc, void *arg,
			 const struct cluster_result *res)
{
	struct control_conn *c = arg;
	server_sys_check(c->srv, res);
	char text[CERTS_TOKEN_ENCODED_SIZE];
	char errmsg[TR_ERRMSG_SIZE];
	TR_UNUSED(cc);
	if (res->rc != TR_OK) {
		char msg[300];
		snprintf(msg, sizeof msg, "cannot store the join token: %s",
			 res->message ? res->message : tr_strerror(res->rc));
		answer(c, msg);
		return;
	}
	if (res->rows_affected == 0) {
		char msg[200];
		snprintf(msg, sizeof msg,
			 "\"%s\" is already a member or has a pending join "
			 "token",
			 c->token.name);
		answer(c, msg);
		return;
	}
	if (certs_token_encode(&c->token, text, sizeof text, errmsg) != TR_OK) {
		answer(c, errmsg);
		return;
	}
	tr_info("control", "join token issued for %s", c->token.name);
	tr_buf_printf(&c->out, "%s\n", text);
	answer(c, NULL);
}

static int address_row(struct cluster_client *cc, void *arg, unsigned n,
		       const struct cluster_value *v)
{
	struct control_conn *c = arg;
	TR_UNUSED(cc);
	if (n == 1 && v[0].type == CLUSTER_TEXT &&
	    c->n_addresses < CERTS_TOKEN_MAX_ADDRESSES &&
	    v[0].text.len < CERTS_ADDRESS_SIZE) {
		memcpy(c->addresses[c->n_addresses], v[0].text.p,
		       v[0].text.len + 1);
		c->n_addresses++;
	}
	return TR_OK;
}

static void addresses_done(struct cluster_client *cc, void *arg,
			   const struct cluster_result *res)
{
	struct control_conn *c = arg;
	server_sys_check(c->srv, res);
	struct server *srv = c->srv;
	char path[4096];
	char fingerprint[CERTS_FINGERPRINT_LEN];
	char hash[CERTS_FINGERPRINT_LEN];
	char errmsg[TR_ERRMSG_SIZE];
	TR_UNUSED(cc);
	if (res->rc != TR_OK || c->n_addresses == 0) {
		answer(c, "cannot read the member addresses");
		return;
	}
	snprintf(path, sizeof path, "%s/certs/ca.crt", srv->data_dir);
	const char *addrs[CERTS_TOKEN_MAX_ADDRESSES];
	for (unsigned i = 0; i < c->n_addresses; i++) {
		addrs[i] = c->addresses[i];
	}
	/* TRIODE_TOKEN_TTL_SECONDS shortens it (tests of expiry). */
	const char *env = getenv("TRIODE_TOKEN_TTL_SECONDS");
	int64_t ttl = env != NULL && atoi(env) > 0 ? atoi(env)
						   : TOKEN_TTL_SECONDS;
	if (certs_fingerprint_file(path, fingerprint, errmsg) != TR_OK ||
	    certs_token_new(c->name, addrs, c->n_addresses, fingerprint, ttl,
			    &c->token, errmsg) != TR_OK ||
	    certs_token_secret_hash(c->token.secret, hash, errmsg) != TR_OK) {
		answer(c, errmsg);
		return;
	}
	/* One statement, so the checks and the insert cannot race another
	 * add: the name must be no member and have no live token; an expired
	 * token of the same name is replaced. */
	struct cluster_value params[4] = {
		{ .type = CLUSTER_INTEGER, .integer = (int64_t)time(NULL) },
		{ .type = CLUSTER_TEXT },
		{ .type = CLUSTER_TEXT },
		{ .type = CLUSTER_INTEGER, .integer = c->token.expires_at },
	};
	params[1].text.p = c->token.name;
	params[1].text.len = strlen(c->token.name);
	params[2].text.p = hash;
	params[2].text.len = strlen(hash);
	if (server_sys_exec(
		    srv, true,
		    "INSERT OR REPLACE INTO join_tokens (name, secret_hash, "
		    "expires_at) SELECT ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 "
		    "FROM members WHERE name = ?2) AND NOT EXISTS (SELECT 1 "
		    "FROM join_tokens WHERE name = ?2 AND expires_at >= ?1)",
		    params, 4, token_stored, c) != TR_OK) {
		answer(c, NOT_READY);
	}
}

/* Issue a single-use join token for a new member called @name. */
static void run_add(struct control_conn *c, const char *name)
{
	struct server *srv = c->srv;
	if (!certs_name_is_valid(name)) {
		answer(c, "a member name is 1 to 64 letters, digits, '.', '_' "
			  "or '-', starting with a letter or digit");
		return;
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	if (server_sys_query(srv, true,
			     "SELECT address FROM members WHERE state = "
			     "'member' ORDER BY id",
			     NULL, 0, NULL, address_row, addresses_done,
			     c) != TR_OK) {
		answer(c, NOT_READY);
	}
}

static void removed(void *arg, const char *error)
{
	struct control_conn *c = arg;
	if (error != NULL) {
		answer(c, error);
		return;
	}
	tr_buf_put_str(&c->out, "removed\n");
	answer(c, NULL);
}

static void dispatch(struct control_conn *c, char *line)
{
	char *args[4];
	unsigned n = 0;
	char *save = NULL;
	for (char *w = strtok_r(line, "\t", &save); w != NULL && n < 4;
	     w = strtok_r(NULL, "\t", &save)) {
		args[n++] = w;
	}
	if (n == 0) {
		answer(c, "empty request");
		return;
	}
	if (strcmp(args[0], "list") == 0) {
		c->json = n > 1 && strcmp(args[1], "json") == 0;
		run_list(c);
		return;
	}
	if (strcmp(args[0], "add") == 0 && n == 2) {
		run_add(c, args[1]);
		return;
	}
	if (strcmp(args[0], "remove") == 0 && (n == 2 || n == 3)) {
		bool force = n == 3 && strcmp(args[2], "force") == 0;
		if (n == 3 && !force) {
			answer(c, "bad remove request");
			return;
		}
		if (server_remove_member(c->srv, args[1], force, removed, c) !=
		    TR_OK) {
			answer(c, NOT_READY);
		}
		return;
	}
	if (strcmp(args[0], "exclude") == 0 && n == 2) {
		run_exclude(c, args[1]);
		return;
	}
	char msg[128];
	snprintf(msg, sizeof msg, "unknown command \"%.40s\"", args[0]);
	answer(c, msg);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct control_conn *c = h->data;
	TR_UNUSED(suggested);
	/* The request cap makes a reserve fail, and the read end, once the
	 * client sends more than CONTROL_MAX_REQUEST bytes. */
	if (!tr_buf_reserve(&c->in, 512)) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	*buf = uv_buf_init((char *)c->in.data + c->in.len, 512);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct control_conn *c = s->data;
	if (nread < 0 || buf->base == NULL) {
		uv_read_stop(s);
		if (!c->answered) {
			c->answered = true;
			uv_close((uv_handle_t *)&c->pipe, conn_closed);
		}
		return;
	}
	c->in.len += (size_t)nread;
	uint8_t *nl = memchr(c->in.data, '\n', c->in.len);
	if (nl == NULL) {
		return;
	}
	uv_read_stop(s);
	*nl = '\0';
	dispatch(c, (char *)c->in.data);
}

/* Only our own user may drive the node. */
static bool peer_is_us(uv_pipe_t *p)
{
	uv_os_fd_t fd;
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (uv_fileno((uv_handle_t *)p, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		return false;
	}
	return cred.uid == geteuid();
}

static void on_connection(uv_stream_t *server, int status)
{
	struct server *srv = server->data;
	if (status != 0) {
		return;
	}
	struct control_conn *c = tr_calloc(1, sizeof *c);
	if (c == NULL) {
		return;
	}
	c->srv = srv;
	tr_buf_init(&c->in, CONTROL_MAX_REQUEST);
	tr_buf_init(&c->out, 0);
	uv_pipe_init(srv->loop, &c->pipe, 0);
	c->pipe.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0 ||
	    !peer_is_us(&c->pipe) ||
	    uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb) != 0) {
		c->answered = true;
		uv_close((uv_handle_t *)&c->pipe, conn_closed);
	}
}

int server_control_start(struct server *srv)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/control.sock", srv->data_dir);
	if (strlen(path) >= 100) {
		tr_errmsg_printf(srv->errmsg,
				 "control socket path too long for Unix "
				 "sockets: %s",
				 path);
		return TR_EINVAL;
	}
	/* A socket file left by a killed process is stale: the data
	 * directory belongs to this process now (dqlite holds its lock). */
	unlink(path);
	uv_pipe_init(srv->loop, &srv->control, 0);
	srv->control.data = srv;
	int rv = uv_pipe_bind(&srv->control, path);
	if (rv == 0) {
		rv = chmod(path, 0600) == 0 ? 0 : -errno;
	}
	if (rv == 0) {
		rv = uv_listen((uv_stream_t *)&srv->control, 16, on_connection);
	}
	if (rv != 0) {
		tr_errmsg_printf(srv->errmsg, "control socket %s: %s", path,
				 uv_strerror(rv));
		return TR_EIO;
	}
	srv->control_started = true;
	return TR_OK;
}
