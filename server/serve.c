/*
 * server/serve.c: `triode serve` — a node's start-up and shutdown.
 *
 *   data dir -> local.db -> certs -> dqlite node -> internal database
 *     -> PostgreSQL listener -> (serve) -> SIGTERM/SIGINT -> stop all
 *
 * Start-up is fail-fast: any failure prints one line to stderr and exits
 * non-zero.  On an empty data directory the node bootstraps a new
 * one-node cluster (dqlite id 1) with superuser "postgres".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "certs/certs.h"
#include "server/server_int.h"

/* Translation cache entries per database (sql_cache_parse). */
#define SERVER_CACHE_ENTRIES 1024

struct server_db *server_db_get(struct server *srv, const char *name)
{
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &srv->dbs) {
		struct server_db *db = TR_QUEUE_DATA(q, struct server_db, link);
		if (strcmp(db->name, name) == 0) {
			return db;
		}
	}
	struct server_db *db = tr_calloc(1, sizeof *db);
	if (db == NULL) {
		return NULL;
	}
	db->name = tr_strdup(name);
	if (db->name == NULL || sql_catalog_new(&db->catalog) != TR_OK) {
		tr_free(db->name);
		tr_free(db);
		return NULL;
	}
	if (sql_catalog_set_database(db->catalog, name) != TR_OK ||
	    sql_cache_new(SERVER_CACHE_ENTRIES, &db->cache) != TR_OK) {
		sql_catalog_free(db->catalog);
		tr_free(db->name);
		tr_free(db);
		return NULL;
	}
	server_writeq_init(&db->writeq);
	tr_queue_push(&srv->dbs, &db->link);
	return db;
}

void server_db_free_all(struct server *srv)
{
	while (!tr_queue_empty(&srv->dbs)) {
		struct tr_queue *q = tr_queue_head(&srv->dbs);
		struct server_db *db = TR_QUEUE_DATA(q, struct server_db, link);
		tr_queue_remove(q);
		sql_catalog_free(db->catalog);
		sql_cache_free(db->cache);
		tr_free(db->name);
		tr_free(db);
	}
}

const char *server_leader_address(struct server *srv)
{
	/* Our own node is dialled on its abstract socket, others on their
	 * cluster port (mTLS); see server_leader_refresh(). */
	return srv->leader_address[0] != '\0'
		       ? srv->leader_address
		       : cluster_node_bind_address(srv->node);
}

/* Split "host:port" into its parts. */
int server_split_address(const char *s, char *host, size_t cap, int *port)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s || (size_t)(colon - s) >= cap) {
		return TR_EINVAL;
	}
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p < 0 || p > 65535 || colon[1] == '\0') {
		return TR_EINVAL;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (int)p;
	return TR_OK;
}

int server_read_file(const char *path, char **out, char *errmsg)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		tr_errmsg_printf(errmsg, "open %s: %s", path, strerror(errno));
		return TR_EIO;
	}
	struct tr_buf b;
	tr_buf_init(&b, 1 << 20);
	uint8_t chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		tr_buf_put(&b, chunk, n);
	}
	bool failed = ferror(f) != 0 || tr_buf_err(&b) != TR_OK;
	fclose(f);
	if (failed) {
		tr_buf_close(&b);
		tr_errmsg_printf(errmsg, "read %s", path);
		return TR_EIO;
	}
	*out = tr_strdup(tr_buf_cstr(&b));
	tr_buf_close(&b);
	return *out != NULL ? TR_OK : TR_ENOMEM;
}

/* A failed join leaves nothing behind: the keys and local.db it made. */
static void forget_failed_join(struct server *srv)
{
	static const char *const files[] = { "ca.crt",     "ca.key",
					     "node.crt",   "node.key",
					     "server.crt", "server.key" };
	char path[PATH_MAX];
	cluster_local_close(srv->local);
	srv->local = NULL;
	for (size_t i = 0; i < TR_ARRAY_LEN(files); i++) {
		snprintf(path, sizeof path, "%s/certs/%s", srv->data_dir,
			 files[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/certs", srv->data_dir);
	rmdir(path);
	static const char *const db[] = { "local.db", "local.db-wal",
					  "local.db-shm" };
	for (size_t i = 0; i < TR_ARRAY_LEN(db); i++) {
		snprintf(path, sizeof path, "%s/%s", srv->data_dir, db[i]);
		unlink(path);
	}
}

/* Node names go into SQL text and certificates: keep them plain. */
static bool is_valid_name(const char *s)
{
	if (s[0] == '\0' || strlen(s) > 63) {
		return false;
	}
	for (const char *p = s; *p != '\0'; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') ||
			  (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			  *p == '.';
		if (!ok) {
			return false;
		}
	}
	return true;
}

/* The superuser's first password: TRIODE_PASSWORD, or one generated and
 * kept in DATA/initial-password (0600) so a retried bootstrap reuses it. */
static int bootstrap_password(struct server *srv, bool *generated)
{
	char path[PATH_MAX];
	char pw[64];
	const char *env = getenv("TRIODE_PASSWORD");
	*generated = false;
	if (env != NULL && env[0] != '\0') {
		srv->bootstrap_password = tr_strdup(env);
		return srv->bootstrap_password ? TR_OK : TR_ENOMEM;
	}
	snprintf(path, sizeof path, "%s/initial-password", srv->data_dir);
	FILE *f = fopen(path, "r");
	if (f != NULL) {
		bool ok = fgets(pw, sizeof pw, f) != NULL;
		fclose(f);
		if (ok) {
			pw[strcspn(pw, "\n")] = '\0';
			srv->bootstrap_password = tr_strdup(pw);
			*generated = true;
			return srv->bootstrap_password ? TR_OK : TR_ENOMEM;
		}
	}
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyz"
				       "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char raw[24];
	if (RAND_bytes(raw, sizeof raw) != 1) {
		tr_errmsg_printf(srv->errmsg, "no random bytes for a password");
		return TR_EINTERNAL;
	}
	for (size_t i = 0; i < sizeof raw; i++) {
		pw[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
	}
	pw[sizeof raw] = '\0';
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		tr_errmsg_printf(srv->errmsg, "create %s: %s", path,
				 strerror(errno));
		return TR_EIO;
	}
	size_t len = strlen(pw);
	bool ok = write(fd, pw, len) == (ssize_t)len &&
		  write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	close(fd);
	if (!ok) {
		tr_errmsg_printf(srv->errmsg, "write %s", path);
		return TR_EIO;
	}
	srv->bootstrap_password = tr_strdup(pw);
	*generated = true;
	return srv->bootstrap_password ? TR_OK : TR_ENOMEM;
}

static void stop(struct server *srv, int code);

static void pg_closed(struct pgwire_server *pg)
{
	TR_UNUSED(pg);
}

static void sys_closed(struct cluster_client *c, void *arg)
{
	TR_UNUSED(c);
	TR_UNUSED(arg);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	TR_UNUSED(arg);
	if (!uv_is_closing(h)) {
		uv_close(h, NULL);
	}
}

static void stop(struct server *srv, int code)
{
	if (srv->stopping) {
		return;
	}
	srv->stopping = true;
	srv->exit_code = code;
	tr_info("server", "stopping");
	if (srv->pg != NULL) {
		pgwire_server_stop(srv->pg, pg_closed);
		srv->pg = NULL;
	}
	if (srv->sys != NULL) {
		cluster_client_close(srv->sys, sys_closed, NULL);
		srv->sys = NULL;
	}
	server_cluster_port_stop(srv);
	uv_timer_stop(&srv->roles_timer);
	server_roles_stop(srv);
	/* A leader lookup in flight would keep the loop up to its timeout. */
	cluster_leader_find_cancel_all();
	uv_signal_stop(&srv->sigterm);
	uv_signal_stop(&srv->sigint);
	uv_close((uv_handle_t *)&srv->sigterm, NULL);
	uv_close((uv_handle_t *)&srv->sigint, NULL);
	uv_close((uv_handle_t *)&srv->retry, NULL);
	uv_close((uv_handle_t *)&srv->roles_timer, NULL);
	uv_close((uv_handle_t *)&srv->leader_timer, NULL);
	if (srv->control_started) {
		uv_close((uv_handle_t *)&srv->control, NULL);
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/control.sock", srv->data_dir);
		unlink(path);
	}
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct server *srv = h->data;
	tr_info("server", "signal %d received", signum);
	stop(srv, 0);
}

static void internal_ready(struct server *srv, int rc)
{
	if (srv->stopping) {
		return;
	}
	if (rc != TR_OK) {
		fprintf(stderr, "triode: %s\n", srv->errmsg);
		stop(srv, 1);
		return;
	}
	if (srv->bootstrapping &&
	    cluster_local_set(srv->local, "bootstrapped", "1") != TR_OK) {
		fprintf(stderr,
			"triode: cannot record bootstrap in local.db\n");
		stop(srv, 1);
		return;
	}
	char version[64];
	snprintf(version, sizeof version, "15.0 (triode %s)", TRIODE_VERSION);
	struct pgwire_config cfg = {
		.host = srv->pg_host,
		.port = srv->pg_port,
		.tls = srv->tls,
		.server_version = version,
		.timezone = "UTC",
		.exec = &server_executor_ops,
		.exec_data = srv,
	};
	if (pgwire_server_new(srv->loop, &cfg, &srv->pg) != TR_OK) {
		fprintf(stderr, "triode: cannot create the PostgreSQL "
				"listener\n");
		stop(srv, 1);
		return;
	}
	if (pgwire_server_start(srv->pg) != TR_OK) {
		fprintf(stderr, "triode: listen on %s: %s\n", srv->opts.listen,
			pgwire_server_errmsg(srv->pg));
		stop(srv, 1);
		return;
	}
	server_roles_start(srv);
	tr_info("server",
		"ready: PostgreSQL clients on %s:%d, cluster address %s, "
		"data in %s",
		srv->pg_host, pgwire_server_port(srv->pg),
		cluster_node_address(srv->node), srv->data_dir);
}

static int prepare(struct server *srv, const struct server_options *opts)
{
	char host[256];
	char path[PATH_MAX];
	char value[512];
	int port;
	int rv;

	if (server_split_address(opts->listen, srv->pg_host,
				 sizeof srv->pg_host, &srv->pg_port) != TR_OK) {
		tr_errmsg_printf(srv->errmsg,
				 "--listen: expected HOST:PORT, got \"%s\"",
				 opts->listen);
		return TR_EINVAL;
	}
	if (server_split_address(opts->cluster_address, host, sizeof host,
				 &port) != TR_OK ||
	    port == 0) {
		tr_errmsg_printf(srv->errmsg,
				 "--cluster-address: expected HOST:PORT, got "
				 "\"%s\"",
				 opts->cluster_address);
		return TR_EINVAL;
	}
	/* Both end up in the member list (64-byte fields). */
	if (strlen(opts->cluster_address) >= 64 || strlen(opts->listen) >= 64) {
		tr_errmsg_printf(srv->errmsg, "address too long");
		return TR_EINVAL;
	}
	if (mkdir(opts->data_dir, 0700) != 0 && errno != EEXIST) {
		tr_errmsg_printf(srv->errmsg, "create %s: %s", opts->data_dir,
				 strerror(errno));
		return TR_EIO;
	}
	if (realpath(opts->data_dir, path) == NULL) {
		tr_errmsg_printf(srv->errmsg, "%s: %s", opts->data_dir,
				 strerror(errno));
		return TR_EIO;
	}
	srv->data_dir = tr_strdup(path);
	if (srv->data_dir == NULL) {
		return TR_ENOMEM;
	}
	snprintf(path, sizeof path, "%s/local.db", srv->data_dir);
	rv = cluster_local_open(path, &srv->local, srv->errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	/* Identity: stored at first start, authoritative afterwards (the
	 * Raft address cannot change under a running cluster). */
	static char name[64];
	static char address[300];
	rv = cluster_local_get(srv->local, "name", name, sizeof name);
	if (rv == TR_ENOTFOUND && opts->join != NULL) {
		/* A new node of an existing cluster: the token says which. */
		rv = server_join_cluster(srv, opts->join, srv->errmsg);
		if (rv != TR_OK) {
			forget_failed_join(srv);
			return rv;
		}
		srv->joined_now = true;
		rv = cluster_local_get(srv->local, "name", name, sizeof name);
	} else if (rv == TR_ENOTFOUND) {
		/* A new cluster: its first node is named after the host
		 * unless --name says otherwise. */
		static char hostname[64];
		if (opts->name == NULL) {
			if (gethostname(hostname, sizeof hostname) != 0 ||
			    hostname[0] == '\0') {
				snprintf(hostname, sizeof hostname, "node1");
			}
			hostname[sizeof hostname - 1] = '\0';
			srv->opts.name = hostname;
		}
		if (!is_valid_name(srv->opts.name)) {
			tr_errmsg_printf(srv->errmsg,
					 "--name: \"%s\" is not a valid node "
					 "name (letters, digits, - _ .)",
					 srv->opts.name);
			return TR_EINVAL;
		}
		if (cluster_local_set(srv->local, "name", srv->opts.name) !=
			    TR_OK ||
		    cluster_local_set(srv->local, "node_id", "1") != TR_OK ||
		    cluster_local_set(srv->local, "cluster_address",
				      opts->cluster_address) != TR_OK) {
			tr_errmsg_printf(srv->errmsg, "cannot write local.db");
			return TR_EIO;
		}
		rv = cluster_local_get(srv->local, "name", name, sizeof name);
	}
	char node_id[24];
	if (rv != TR_OK ||
	    cluster_local_get(srv->local, "cluster_address", address,
			      sizeof address) != TR_OK ||
	    cluster_local_get(srv->local, "node_id", node_id, sizeof node_id) !=
		    TR_OK) {
		tr_errmsg_printf(srv->errmsg,
				 "local.db: node identity missing");
		return TR_EIO;
	}
	if (opts->join != NULL && !srv->joined_now) {
		tr_warn("server", "--join ignored: this node is a member "
				  "already");
	}
	if (opts->name != NULL && strcmp(name, opts->name) != 0) {
		tr_warn("server",
			"--name %s ignored: this node's name is %s (set at "
			"bootstrap)",
			opts->name, name);
	}
	if (strcmp(address, opts->cluster_address) != 0) {
		tr_warn("server",
			"--cluster-address %s ignored: this node's address is "
			"%s",
			opts->cluster_address, address);
	}
	srv->opts.name = name;
	srv->opts.cluster_address = address;
	srv->bootstrapping = cluster_local_get(srv->local, "bootstrapped",
					       value,
					       sizeof value) == TR_ENOTFOUND;
	bool generated = false;
	if (srv->bootstrapping) {
		rv = bootstrap_password(srv, &generated);
		if (rv != TR_OK) {
			return rv;
		}
	}
	/* Certificates: cluster CA, node and PostgreSQL server. */
	snprintf(path, sizeof path, "%s/certs", srv->data_dir);
	if (server_split_address(address, host, sizeof host, &port) != TR_OK) {
		tr_errmsg_printf(srv->errmsg, "local.db: bad cluster address");
		return TR_EIO;
	}
	rv = certs_bootstrap(path, name, host, srv->errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = certs_pg_server_ctx(path, &srv->tls, srv->errmsg);
	if (rv == TR_OK) {
		rv = certs_node_ctx_optional_client(path, &srv->node_server_ctx,
						    srv->errmsg);
	}
	if (rv == TR_OK) {
		rv = certs_node_ctx(path, false, &srv->node_client_ctx,
				    srv->errmsg);
	}
	char cn[CERTS_NAME_SIZE];
	if (rv == TR_OK) {
		rv = certs_node_identity(path, cn, &srv->self_serial,
					 srv->errmsg);
	}
	if (rv != TR_OK) {
		return rv;
	}
	/* Who may talk to us on the cluster port: the members we know.  A
	 * brand-new cluster knows only itself. */
	uint64_t id = strtoull(node_id, NULL, 10);
	rv = server_members_load(srv);
	if (rv == TR_OK && srv->n_members == 0) {
		struct cluster_member self = {
			.id = id,
			.serial = srv->self_serial,
			.role = CLUSTER_VOTER,
		};
		snprintf(self.name, sizeof self.name, "%s", name);
		snprintf(self.address, sizeof self.address, "%.63s", address);
		snprintf(self.pg_address, sizeof self.pg_address, "%.50s:%d",
			 srv->pg_host, srv->pg_port);
		rv = server_members_set(srv, &self, 1);
	}
	if (rv != TR_OK) {
		return rv;
	}
	/* The dqlite node: Raft to other nodes goes over mTLS. */
	snprintf(path, sizeof path, "%s/raft", srv->data_dir);
	/* Raft timing: dqlite derives heartbeat (1.5x) and election timeout
	 * (15x) from the expected network latency.  50 ms gives failover in
	 * about a second; a statement that runs longer than the election
	 * timeout on the leader can cost it leadership, so slow networks or
	 * heavy statements want more (TRIODE_NETWORK_LATENCY_MS). */
	unsigned latency = 50;
	const char *env = getenv("TRIODE_NETWORK_LATENCY_MS");
	if (env != NULL && atoi(env) > 0) {
		latency = (unsigned)atoi(env);
	}
	struct cluster_node_config ncfg = {
		.id = id,
		.address = address,
		.dir = path,
		.tls = srv->node_client_ctx,
		.network_latency_ms = latency,
	};
	rv = cluster_node_start(&ncfg, &srv->node, srv->errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	if (generated) {
		printf("triode: superuser \"postgres\" password: %s\n"
		       "triode: (also saved in %s/initial-password)\n",
		       srv->bootstrap_password, srv->data_dir);
		fflush(stdout);
	}
	return TR_OK;
}

int server_serve(const struct server_options *opts)
{
	struct server srv;
	uv_loop_t loop;
	int rv;

	memset(&srv, 0, sizeof srv);
	srv.opts = *opts;
	tr_queue_init(&srv.dbs);
	tr_queue_init(&srv.sessions);
	tr_queue_init(&srv.leader_waiters);
	/* libuv and dqlite write to sockets whose peer may be gone. */
	signal(SIGPIPE, SIG_IGN);

	rv = prepare(&srv, opts);
	if (rv != TR_OK) {
		fprintf(stderr, "triode: %s\n", srv.errmsg);
		cluster_node_stop(srv.node);
		cluster_local_close(srv.local);
		SSL_CTX_free(srv.tls);
		SSL_CTX_free(srv.node_server_ctx);
		SSL_CTX_free(srv.node_client_ctx);
		tr_free(srv.data_dir);
		tr_free(srv.bootstrap_password);
		return 1;
	}
	uv_loop_init(&loop);
	srv.loop = &loop;
	uv_signal_init(&loop, &srv.sigterm);
	uv_signal_init(&loop, &srv.sigint);
	uv_timer_init(&loop, &srv.retry);
	srv.sigterm.data = &srv;
	srv.sigint.data = &srv;
	srv.retry.data = &srv;
	uv_signal_start(&srv.sigterm, on_signal, SIGTERM);
	uv_signal_start(&srv.sigint, on_signal, SIGINT);

	uv_timer_init(&loop, &srv.roles_timer);
	srv.roles_timer.data = &srv;
	uv_timer_init(&loop, &srv.leader_timer);
	srv.leader_timer.data = &srv;
	/* The control socket comes first: `triode cluster exclude` must work
	 * while start-up waits at the upgrade gate.  The cluster port too:
	 * other nodes need it for Raft before we serve anything. */
	rv = server_control_start(&srv);
	if (rv == TR_OK) {
		rv = server_cluster_port_start(&srv);
	}
	if (rv != TR_OK) {
		fprintf(stderr, "triode: %s\n", srv.errmsg);
		stop(&srv, 1);
	} else {
		rv = server_internal_start(&srv, internal_ready);
		if (rv != TR_OK) {
			fprintf(stderr, "triode: cannot start: %s\n",
				tr_strerror(rv));
			stop(&srv, 1);
		}
	}
	uv_run(&loop, UV_RUN_DEFAULT);

	/* Everything has closed; stop the node last, after our clients. */
	uv_walk(&loop, close_walk_cb, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	cluster_node_stop(srv.node);
	cluster_local_close(srv.local);
	server_db_free_all(&srv);
	SSL_CTX_free(srv.tls);
	SSL_CTX_free(srv.node_server_ctx);
	SSL_CTX_free(srv.node_client_ctx);
	tr_free(srv.data_dir);
	if (srv.bootstrap_password != NULL) {
		memset(srv.bootstrap_password, 0,
		       strlen(srv.bootstrap_password));
		tr_free(srv.bootstrap_password);
	}
	tr_info("server", "stopped");
	return srv.exit_code;
}
