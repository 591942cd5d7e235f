/*
 * tests/unit/cluster/test_client.c: the client against real dqlite 1.11
 * nodes started in this process: node 1 bound to an abstract socket, node
 * 2 (a separate one-node cluster) bound to TCP.  Also a silent TCP server
 * for timeouts, and leader discovery.
 *
 * Every wait is bounded (RUN_UNTIL); every test ends by closing its client
 * and checking that the loop has no handles left.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <dqlite.h>
#include <uv.h>

#include "cluster/cluster_int.h"
#include "unit/cluster/suites.h"

#define WAIT_MS 10000

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };
	nanosleep(&ts, NULL);
}

#define RUN_UNTIL(loop, cond)                                                \
	do {                                                                 \
		uint64_t end_ = tr_now_ns() + (uint64_t)WAIT_MS * 1000000;   \
		while (!(cond)) {                                            \
			if (tr_now_ns() > end_) {                            \
				fail_msg("timed out waiting for %s", #cond); \
			}                                                    \
			uv_run((loop), UV_RUN_NOWAIT);                       \
			sleep_us(100);                                       \
		}                                                            \
	} while (0)

/* ---------------------------------------------------------------------
 * Nodes (group fixture)
 * ------------------------------------------------------------------- */

struct test_node {
	dqlite_node *node;
	char dir[64];
	char address[64]; /* public "127.0.0.1:port" */
	char bind[64];    /* what it listens on */
};

static struct test_node node1; /* abstract socket */
static struct test_node node2; /* TCP */

static int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		return -1;
	}
	close(fd);
	return ntohs(sin.sin_port);
}

static int node_start(struct test_node *n, const char *bind_fmt)
{
	int port = free_port();
	if (port < 0) {
		return -1;
	}
	snprintf(n->dir, sizeof n->dir, "/tmp/triode-cluster-XXXXXX");
	if (mkdtemp(n->dir) == NULL) {
		return -1;
	}
	snprintf(n->address, sizeof n->address, "127.0.0.1:%d", port);
	if (bind_fmt[0] == '@') {
		snprintf(n->bind, sizeof n->bind, "@triode-test-%d",
			 (int)getpid());
	} else {
		snprintf(n->bind, sizeof n->bind, "%s", n->address);
	}
	if (dqlite_node_create(1, n->address, n->dir, &n->node) != 0 ||
	    dqlite_node_set_bind_address(n->node, n->bind) != 0 ||
	    dqlite_node_set_network_latency_ms(n->node, 20) != 0 ||
	    dqlite_node_start(n->node) != 0) {
		return -1;
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	TR_UNUSED(st);
	TR_UNUSED(flag);
	TR_UNUSED(ftw);
	return remove(path);
}

static void node_stop(struct test_node *n)
{
	if (n->node != NULL) {
		dqlite_node_stop(n->node);
		dqlite_node_destroy(n->node);
		n->node = NULL;
	}
	if (n->dir[0] != '\0') {
		nftw(n->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	}
}

/* Generic recorders. */
struct rec {
	int calls;
	int rc;
	uint64_t code;
	char message[256];
	uint64_t last_insert_id;
	uint64_t rows_affected;
	unsigned n;
	uint64_t id;
	char address[64];
	enum cluster_role role;
	uint32_t stmt_id;
	uint64_t n_params;
	bool returned; /* set by the test once the call has returned */
};

static void rec_result(struct rec *r, const struct cluster_result *res)
{
	/* The callback must never run before its call returned. */
	assert_true(r->returned);
	r->calls++;
	r->rc = res->rc;
	r->code = res->code;
	snprintf(r->message, sizeof r->message, "%s",
		 res->message != NULL ? res->message : "");
	r->last_insert_id = res->last_insert_id;
	r->rows_affected = res->rows_affected;
}

static void done_cb(struct cluster_client *c, void *arg,
		    const struct cluster_result *res)
{
	TR_UNUSED(c);
	rec_result(arg, res);
}

static void servers_cb(struct cluster_client *c, void *arg,
		       const struct cluster_result *res, unsigned n,
		       const struct cluster_server_info *servers)
{
	struct rec *r = arg;
	TR_UNUSED(c);
	rec_result(r, res);
	r->n = n;
	if (n > 0) {
		r->id = servers[0].id;
		snprintf(r->address, sizeof r->address, "%s",
			 servers[0].address);
		r->role = servers[0].role;
	}
}

static void stmt_cb(struct cluster_client *c, void *arg,
		    const struct cluster_result *res, uint32_t stmt_id,
		    uint64_t n_params)
{
	struct rec *r = arg;
	TR_UNUSED(c);
	rec_result(r, res);
	r->stmt_id = stmt_id;
	r->n_params = n_params;
}

/* Poll LEADER on @address until the node names itself. */
static int wait_leader(const char *address, const char *public_address)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	uint64_t end = tr_now_ns() + (uint64_t)WAIT_MS * 1000000;
	int rv = -1;
	while (tr_now_ns() < end && rv != 0) {
		struct cluster_client *c;
		struct rec conn = { .returned = true };
		struct rec lead = { .returned = true };
		if (cluster_client_new(&loop, NULL, &c) != TR_OK) {
			break;
		}
		if (cluster_client_connect(c, address, done_cb, &conn) ==
		    TR_OK) {
			while (conn.calls == 0) {
				uv_run(&loop, UV_RUN_ONCE);
			}
			if (conn.rc == TR_OK &&
			    cluster_client_leader(c, servers_cb, &lead) ==
				    TR_OK) {
				while (lead.calls == 0) {
					uv_run(&loop, UV_RUN_ONCE);
				}
				if (lead.rc == TR_OK && lead.n == 1 &&
				    strcmp(lead.address, public_address) == 0) {
					rv = 0;
				}
			}
		}
		cluster_client_close(c, NULL, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		if (rv != 0) {
			sleep_us(50000);
		}
	}
	uv_loop_close(&loop);
	return rv;
}

static int group_setup(void **state)
{
	TR_UNUSED(state);
	signal(SIGPIPE, SIG_IGN);
	if (node_start(&node1, "@") != 0 || node_start(&node2, "tcp") != 0) {
		return -1;
	}
	if (wait_leader(node1.bind, node1.address) != 0 ||
	    wait_leader(node2.bind, node2.address) != 0) {
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	TR_UNUSED(state);
	node_stop(&node1);
	node_stop(&node2);
	return 0;
}

/* ---------------------------------------------------------------------
 * Per-test fixture: a loop and a client connected and OPENed on node 1
 * ------------------------------------------------------------------- */

struct fx {
	uv_loop_t loop;
	struct cluster_client *c;
	bool closed;
};

static void close_cb(struct cluster_client *c, void *arg)
{
	struct fx *f = arg;
	TR_UNUSED(c);
	f->closed = true;
}

static void fx_connect(struct fx *f, const char *address,
		       const struct cluster_client_config *cfg)
{
	struct rec r = { 0 };
	assert_int_equal(cluster_client_new(&f->loop, cfg, &f->c), TR_OK);
	assert_int_equal(cluster_client_connect(f->c, address, done_cb, &r),
			 TR_OK);
	r.returned = true;
	RUN_UNTIL(&f->loop, r.calls > 0);
	assert_int_equal(r.rc, TR_OK);
}

static void fx_open(struct fx *f, const char *db)
{
	struct rec r = { 0 };
	assert_int_equal(cluster_client_open(f->c, db, done_cb, &r), TR_OK);
	r.returned = true;
	RUN_UNTIL(&f->loop, r.calls > 0);
	assert_int_equal(r.rc, TR_OK);
}

static int fx_setup(void **state)
{
	struct fx *f = test_calloc(1, sizeof *f);
	uv_loop_init(&f->loop);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	if (f->c != NULL) {
		cluster_client_close(f->c, close_cb, f);
		RUN_UNTIL(&f->loop, f->closed);
	}
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0); /* no handle left */
	test_free(f);
	return 0;
}

/* Run an EXEC_SQL and wait for it. */
static struct rec exec_sql(struct fx *f, const char *sql,
			   const struct cluster_value *params, unsigned n)
{
	struct rec r = { 0 };
	assert_int_equal(
		cluster_client_exec_sql(f->c, sql, params, n, done_cb, &r),
		TR_OK);
	r.returned = true;
	RUN_UNTIL(&f->loop, r.calls > 0);
	return r;
}

/* Query recorder. */
struct qrec {
	struct rec done;
	int columns_calls;
	unsigned n_cols;
	char names[128];
	int rows;
	int64_t sum;  /* of column 0 when INTEGER */
	int64_t last; /* column 0 of the last row */
	int stop_at;  /* row count at which to abandon (0: never) */
	int pause_at; /* row count at which to pause (0: never) */
	struct cluster_value first[8]; /* first row, text copied below */
	char first_text[8][128];
	uint8_t first_blob[8][16];
};

static void q_columns(struct cluster_client *c, void *arg, unsigned n,
		      const char *const *names)
{
	struct qrec *q = arg;
	TR_UNUSED(c);
	q->columns_calls++;
	q->n_cols = n;
	size_t used = 0;
	q->names[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		used += (size_t)snprintf(q->names + used,
					 sizeof q->names - used, "%s%s",
					 i > 0 ? "," : "", names[i]);
	}
}

static int q_row(struct cluster_client *c, void *arg, unsigned n,
		 const struct cluster_value *vals)
{
	struct qrec *q = arg;
	q->rows++;
	if (vals[0].type == CLUSTER_INTEGER) {
		q->sum += vals[0].integer;
		q->last = vals[0].integer;
	}
	if (q->rows == 1) {
		for (unsigned i = 0; i < n && i < 8; i++) {
			q->first[i] = vals[i];
			if (vals[i].type == CLUSTER_TEXT ||
			    vals[i].type == CLUSTER_ISO8601) {
				snprintf(q->first_text[i],
					 sizeof q->first_text[i], "%s",
					 vals[i].text.p);
				q->first[i].text.p = q->first_text[i];
			}
			if (vals[i].type == CLUSTER_BLOB &&
			    vals[i].blob.len <= 16) {
				memcpy(q->first_blob[i], vals[i].blob.p,
				       vals[i].blob.len);
				q->first[i].blob.p = q->first_blob[i];
			}
		}
	}
	if (q->pause_at != 0 && q->rows == q->pause_at) {
		cluster_client_pause(c);
	}
	if (q->stop_at != 0 && q->rows == q->stop_at) {
		return TR_EBUSY;
	}
	return TR_OK;
}

static void query_sql(struct fx *f, const char *sql,
		      const struct cluster_value *params, unsigned n,
		      struct qrec *q)
{
	assert_int_equal(cluster_client_query_sql(f->c, sql, params, n,
						  q_columns, q_row, done_cb,
						  &q->done),
			 TR_OK);
	q->done.returned = true;
}

/* Rows with a known sum, enough of them for several 4 KiB batches. */
#define BIG_ROWS 1000
static const char big_setup[] =
	"CREATE TABLE IF NOT EXISTS big (k INTEGER PRIMARY KEY, v TEXT);"
	"DELETE FROM big;"
	"INSERT INTO big WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL "
	"SELECT x + 1 FROM s WHERE x < 1000) "
	"SELECT x, printf('%064d', x) FROM s";

/* ---------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------- */

static void test_leader_over_abstract_socket(void **state)
{
	struct fx *f = *state;
	struct rec r = { 0 };
	fx_connect(f, node1.bind, NULL);
	assert_true(cluster_client_is_idle(f->c));
	assert_int_equal(cluster_client_leader(f->c, servers_cb, &r), TR_OK);
	assert_false(cluster_client_is_idle(f->c));
	r.returned = true;
	RUN_UNTIL(&f->loop, r.calls > 0);
	assert_int_equal(r.rc, TR_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id, 1);
	assert_string_equal(r.address, node1.address);
	assert_true(cluster_client_is_idle(f->c));
}

static void test_exec_and_query_params_of_every_type(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node1.bind, NULL);
	fx_open(f, "types.db");
	struct rec r = exec_sql(f,
				"CREATE TABLE IF NOT EXISTS t (i INTEGER, "
				"f REAL, s TEXT, b BLOB, n TEXT, iso TEXT, "
				"bo INTEGER, d DATETIME, tb BOOLEAN);"
				"DELETE FROM t",
				NULL, 0);
	assert_int_equal(r.rc, TR_OK);

	const uint8_t blob[3] = { 1, 0, 2 };
	struct cluster_value p[9] = {
		{ .type = CLUSTER_INTEGER, .integer = -42 },
		{ .type = CLUSTER_FLOAT, .real = 2.5 },
		{ .type = CLUSTER_TEXT, .text = { "héllo", strlen("héllo") } },
		{ .type = CLUSTER_BLOB, .blob = { blob, 3 } },
		{ .type = CLUSTER_NULL },
		{ .type = CLUSTER_ISO8601, .text = { "2024-05-06", 10 } },
		{ .type = CLUSTER_BOOLEAN, .boolean = 1 },
		{ .type = CLUSTER_INTEGER, .integer = 1700000000 },
		{ .type = CLUSTER_INTEGER, .integer = 1 },
	};
	r = exec_sql(f, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", p,
		     9);
	assert_int_equal(r.rc, TR_OK);
	assert_int_equal(r.rows_affected, 1);
	assert_int_equal(r.last_insert_id, 1);

	/* UNIXTIME is never sent. */
	struct cluster_value bad = { .type = CLUSTER_UNIXTIME, .integer = 1 };
	struct rec unused = { 0 };
	assert_int_equal(cluster_client_exec_sql(f->c, "SELECT ?", &bad, 1,
						 done_cb, &unused),
			 TR_EINVAL);

	struct qrec q = { 0 };
	query_sql(f, "SELECT i, f, s, b, n, iso, bo, d FROM t", NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_OK);
	assert_int_equal(q.rows, 1);
	assert_string_equal(q.names, "i,f,s,b,n,iso,bo,d");
	assert_int_equal(q.first[0].integer, -42);
	assert_true(q.first[1].type == CLUSTER_FLOAT && q.first[1].real == 2.5);
	assert_string_equal(q.first[2].text.p, "héllo");
	assert_int_equal(q.first[3].type, CLUSTER_BLOB);
	assert_int_equal(q.first[3].blob.len, 3);
	assert_memory_equal(q.first[3].blob.p, blob, 3);
	assert_int_equal(q.first[4].type, CLUSTER_NULL);
	assert_int_equal(q.first[5].type, CLUSTER_TEXT); /* bound as TEXT */
	assert_string_equal(q.first[5].text.p, "2024-05-06");
	assert_int_equal(q.first[6].type, CLUSTER_INTEGER);
	assert_int_equal(q.first[6].integer, 1);
	/* Declared DATETIME holding an integer: UNIXTIME. */
	assert_int_equal(q.first[7].type, CLUSTER_UNIXTIME);
	assert_int_equal(q.first[7].integer, 1700000000);

	/* Declared BOOLEAN holding an integer: BOOLEAN; DATETIME text:
	 * ISO8601.  (Other value types there would abort the node.) */
	r = exec_sql(f, "UPDATE t SET d = '2024-05-06 07:08:09'", NULL, 0);
	assert_int_equal(r.rc, TR_OK);
	struct qrec q2 = { 0 };
	query_sql(f, "SELECT tb, d FROM t WHERE i = ?", &p[0], 1, &q2);
	RUN_UNTIL(&f->loop, q2.done.calls > 0);
	assert_int_equal(q2.done.rc, TR_OK);
	assert_int_equal(q2.rows, 1);
	assert_int_equal(q2.first[0].type, CLUSTER_BOOLEAN);
	assert_int_equal(q2.first[0].boolean, 1);
	assert_int_equal(q2.first[1].type, CLUSTER_ISO8601);
	assert_string_equal(q2.first[1].text.p, "2024-05-06 07:08:09");
}

static void test_query_streams_several_batches(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node1.bind, NULL);
	fx_open(f, "big.db");
	struct rec r = exec_sql(f, big_setup, NULL, 0);
	assert_int_equal(r.rc, TR_OK);

	struct qrec q = { 0 };
	query_sql(f, "SELECT k, v FROM big ORDER BY k", NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_OK);
	assert_int_equal(q.rows, BIG_ROWS);
	assert_int_equal(q.sum, (int64_t)BIG_ROWS * (BIG_ROWS + 1) / 2);
	assert_int_equal(q.last, BIG_ROWS);
	/* About 80 KiB in 4 KiB batches: the columns come once per batch. */
	assert_true(q.columns_calls > 5);
	assert_string_equal(q.names, "k,v");
	assert_string_equal(q.first[1].text.p,
			    "00000000000000000000000000000000000000000000000000"
			    "00000000000001");
}

static void test_prepare_exec_query_finalize(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node1.bind, NULL);
	fx_open(f, "stmt.db");
	struct rec r = exec_sql(f,
				"CREATE TABLE IF NOT EXISTS kv (k INTEGER "
				"PRIMARY KEY, v TEXT); DELETE FROM kv",
				NULL, 0);
	assert_int_equal(r.rc, TR_OK);

	struct rec p = { 0 };
	assert_int_equal(cluster_client_prepare(f->c,
						"INSERT INTO kv VALUES (?, ?)",
						stmt_cb, &p),
			 TR_OK);
	p.returned = true;
	RUN_UNTIL(&f->loop, p.calls > 0);
	assert_int_equal(p.rc, TR_OK);
	assert_int_equal(p.n_params, 2);

	/* Pipelined: three EXECs written back to back. */
	struct rec e[3] = { { 0 } };
	for (int i = 0; i < 3; i++) {
		struct cluster_value v[2] = {
			{ .type = CLUSTER_INTEGER, .integer = i + 1 },
			{ .type = CLUSTER_TEXT, .text = { "x", 1 } },
		};
		assert_int_equal(cluster_client_exec(f->c, p.stmt_id, v, 2,
						     done_cb, &e[i]),
				 TR_OK);
		e[i].returned = true;
	}
	RUN_UNTIL(&f->loop, e[2].calls > 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(e[i].rc, TR_OK);
		assert_int_equal(e[i].last_insert_id, (uint64_t)i + 1);
	}

	struct rec p2 = { 0 };
	assert_int_equal(cluster_client_prepare(f->c,
						"SELECT k FROM kv WHERE k >= ?",
						stmt_cb, &p2),
			 TR_OK);
	p2.returned = true;
	RUN_UNTIL(&f->loop, p2.calls > 0);
	assert_int_equal(p2.rc, TR_OK);
	struct qrec q = { 0 };
	struct cluster_value two = { .type = CLUSTER_INTEGER, .integer = 2 };
	assert_int_equal(cluster_client_query(f->c, p2.stmt_id, &two, 1,
					      q_columns, q_row, done_cb,
					      &q.done),
			 TR_OK);
	q.done.returned = true;
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_OK);
	assert_int_equal(q.rows, 2);
	assert_int_equal(q.sum, 5);

	struct rec fin = { 0 };
	assert_int_equal(
		cluster_client_finalize(f->c, p.stmt_id, done_cb, &fin), TR_OK);
	fin.returned = true;
	RUN_UNTIL(&f->loop, fin.calls > 0);
	assert_int_equal(fin.rc, TR_OK);
}

static void test_constraint_failure_is_esql_and_client_goes_on(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node1.bind, NULL);
	fx_open(f, "fail.db");
	struct rec r = exec_sql(f,
				"CREATE TABLE IF NOT EXISTS u (k INTEGER "
				"PRIMARY KEY); DELETE FROM u;"
				"INSERT INTO u VALUES (1)",
				NULL, 0);
	assert_int_equal(r.rc, TR_OK);
	r = exec_sql(f, "INSERT INTO u VALUES (1)", NULL, 0);
	assert_int_equal(r.rc, TR_ESQL);
	assert_int_equal(r.code, 1555); /* SQLITE_CONSTRAINT_PRIMARYKEY */
	assert_non_null(strstr(r.message, "UNIQUE constraint failed"));

	/* A SQL error on a query. */
	struct qrec q = { 0 };
	query_sql(f, "SELECT * FROM no_such_table", NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_ESQL);
	assert_int_equal(q.done.code, 1);

	/* A step failing after rows were encoded: 1.11's malformed FAILURE
	 * (§9 item 8) still gives the real code and message. */
	struct qrec q2 = { 0 };
	query_sql(f,
		  "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
		  "FROM s WHERE x < 10) SELECT x, CASE WHEN x = 5 THEN "
		  "abs(-9223372036854775807 - 1) ELSE x END FROM s",
		  NULL, 0, &q2);
	RUN_UNTIL(&f->loop, q2.done.calls > 0);
	assert_int_equal(q2.done.rc, TR_ESQL);
	assert_non_null(strstr(q2.done.message, "integer overflow"));

	r = exec_sql(f, "INSERT INTO u VALUES (2)", NULL, 0);
	assert_int_equal(r.rc, TR_OK);
}

static void test_cluster_and_describe(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node1.bind, NULL);
	struct rec r = { 0 };
	assert_int_equal(cluster_client_cluster(f->c, servers_cb, &r), TR_OK);
	struct rec d = { 0 };
	assert_int_equal(cluster_client_describe(f->c, done_cb, &d), TR_OK);
	r.returned = true;
	d.returned = true;
	RUN_UNTIL(&f->loop, d.calls > 0);
	assert_int_equal(r.rc, TR_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id, 1);
	assert_int_equal(r.role, CLUSTER_VOTER);
	assert_string_equal(r.address, node1.address);
	assert_int_equal(d.rc, TR_OK);
}

struct resume_ctx {
	struct fx *f;
	struct qrec *q;
	int rows_at_timer;
};

static void resume_timer_cb(uv_timer_t *t)
{
	struct resume_ctx *ctx = t->data;
	ctx->rows_at_timer = ctx->q->rows;
	cluster_client_resume(ctx->f->c);
	uv_close((uv_handle_t *)t, NULL);
}

static void test_pause_and_resume_mid_result(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node1.bind, NULL);
	fx_open(f, "big.db");
	struct rec r = exec_sql(f, big_setup, NULL, 0);
	assert_int_equal(r.rc, TR_OK);

	struct qrec q = { .pause_at = 10 };
	query_sql(f, "SELECT k, v FROM big ORDER BY k", NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.rows >= 10);
	/* Paused inside row 10: nothing more arrives for a while. */
	struct resume_ctx ctx = { .f = f, .q = &q, .rows_at_timer = -1 };
	static uv_timer_t t; /* closes after this function returns */
	uv_timer_init(&f->loop, &t);
	t.data = &ctx;
	uv_timer_start(&t, resume_timer_cb, 150, 0);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(ctx.rows_at_timer, 10);
	assert_int_equal(q.done.rc, TR_OK);
	assert_int_equal(q.rows, BIG_ROWS);
	assert_int_equal(q.sum, (int64_t)BIG_ROWS * (BIG_ROWS + 1) / 2);
}

static void test_abandoned_result_set_is_drained(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node1.bind, NULL);
	fx_open(f, "big.db");
	struct rec r = exec_sql(f, big_setup, NULL, 0);
	assert_int_equal(r.rc, TR_OK);

	struct qrec q = { .stop_at = 5 };
	query_sql(f, "SELECT k, v FROM big ORDER BY k", NULL, 0, &q);
	/* Queued behind the abandoned query: answered normally. */
	struct qrec q2 = { 0 };
	query_sql(f, "SELECT count(*) FROM big", NULL, 0, &q2);
	RUN_UNTIL(&f->loop, q2.done.calls > 0 && cluster_client_is_idle(f->c));
	assert_int_equal(q.done.calls, 1);
	assert_int_equal(q.done.rc, TR_EBUSY); /* the row callback's code */
	assert_int_equal(q.rows, 5);
	assert_int_equal(q2.done.rc, TR_OK);
	assert_int_equal(q2.first[0].integer, BIG_ROWS);

	/* And the connection is still in step. */
	r = exec_sql(f, "DELETE FROM big WHERE k > 10", NULL, 0);
	assert_int_equal(r.rc, TR_OK);
	assert_int_equal(r.rows_affected, BIG_ROWS - 10);

	struct rec i = { 0 };
	assert_int_equal(cluster_client_interrupt(f->c, done_cb, &i), TR_OK);
	i.returned = true;
	RUN_UNTIL(&f->loop, i.calls > 0);
	assert_int_equal(i.rc, TR_OK);
}

static int close_order;

struct ordered {
	struct rec r;
	int order;
};

static void ordered_done(struct cluster_client *c, void *arg,
			 const struct cluster_result *res)
{
	struct ordered *o = arg;
	TR_UNUSED(c);
	rec_result(&o->r, res);
	o->order = ++close_order;
}

static void ordered_close(struct cluster_client *c, void *arg)
{
	struct fx *f = arg;
	TR_UNUSED(c);
	f->closed = true;
	close_order++;
}

static void test_close_cancels_pending_requests(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node1.bind, NULL);
	fx_open(f, "big.db");
	struct ordered o[3] = { { { 0 }, 0 } };
	close_order = 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cluster_client_exec_sql(f->c, "SELECT 1", NULL,
							 0, ordered_done,
							 &o[i]),
				 TR_OK);
		o[i].r.returned = true;
	}
	cluster_client_close(f->c, ordered_close, f);
	cluster_client_close(f->c, ordered_close, f); /* idempotent */
	assert_int_equal(o[0].r.calls, 0);            /* not synchronously */
	RUN_UNTIL(&f->loop, f->closed);
	f->c = NULL;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(o[i].r.calls, 1);
		assert_int_equal(o[i].r.rc, TR_ECANCELED);
		assert_int_equal(o[i].order, i + 1);
	}
	assert_int_equal(close_order, 4); /* close callback last */
}

/* A TCP server that accepts and never says a word. */
struct silent {
	uv_tcp_t server;
	uv_tcp_t peer;
	bool accepted;
	int port;
};

static void silent_connection(uv_stream_t *s, int status)
{
	struct silent *sv = s->data;
	assert_int_equal(status, 0);
	uv_tcp_init(s->loop, &sv->peer);
	assert_int_equal(uv_accept(s, (uv_stream_t *)&sv->peer), 0);
	sv->accepted = true;
}

static void silent_start(uv_loop_t *loop, struct silent *sv)
{
	struct sockaddr_in sin;
	struct sockaddr_storage name;
	int len = sizeof name;
	uv_ip4_addr("127.0.0.1", 0, &sin);
	uv_tcp_init(loop, &sv->server);
	sv->server.data = sv;
	assert_int_equal(uv_tcp_bind(&sv->server, (struct sockaddr *)&sin, 0),
			 0);
	assert_int_equal(
		uv_listen((uv_stream_t *)&sv->server, 8, silent_connection), 0);
	uv_tcp_getsockname(&sv->server, (struct sockaddr *)&name, &len);
	sv->port = ntohs(((struct sockaddr_in *)&name)->sin_port);
}

static void silent_stop(struct silent *sv)
{
	uv_close((uv_handle_t *)&sv->server, NULL);
	if (sv->accepted) {
		uv_close((uv_handle_t *)&sv->peer, NULL);
	}
}

static void test_request_timeout_breaks_the_client(void **state)
{
	struct fx *f = *state;
	/* Static: its handles finish closing after this function returns. */
	static struct silent sv;
	char address[32];
	memset(&sv, 0, sizeof sv);
	silent_start(&f->loop, &sv);
	snprintf(address, sizeof address, "127.0.0.1:%d", sv.port);
	struct cluster_client_config cfg = { .request_timeout_ms = 200 };
	fx_connect(f, address, &cfg);

	struct rec r1 = { 0 };
	struct rec r2 = { 0 };
	uint64_t start = tr_now_ns();
	assert_int_equal(cluster_client_leader(f->c, servers_cb, &r1), TR_OK);
	assert_int_equal(cluster_client_open(f->c, "x", done_cb, &r2), TR_OK);
	r1.returned = true;
	r2.returned = true;
	RUN_UNTIL(&f->loop, r2.calls > 0);
	uint64_t ms = (tr_now_ns() - start) / 1000000;
	assert_true(ms >= 190 && ms < 3000);
	assert_int_equal(r1.rc, TR_ETIMEDOUT);
	assert_int_equal(r2.rc, TR_ETIMEDOUT);
	assert_non_null(strstr(cluster_client_errmsg(f->c), "LEADER"));
	/* Broken: further requests are refused without a callback. */
	struct rec r3 = { 0 };
	assert_int_equal(cluster_client_leader(f->c, servers_cb, &r3),
			 TR_ECLOSED);
	silent_stop(&sv);
}

static void test_connect_failures(void **state)
{
	struct fx *f = *state;
	struct rec r = { 0 };
	char address[32];
	/* Nobody on that abstract name: refused at once, no callback. */
	assert_int_equal(cluster_client_new(&f->loop, NULL, &f->c), TR_OK);
	assert_int_equal(cluster_client_connect(f->c, "@triode-nobody-here",
						done_cb, &r),
			 TR_EIO);
	assert_int_equal(
		cluster_client_connect(f->c, "not an address", done_cb, &r),
		TR_EINVAL);
	cluster_client_close(f->c, close_cb, f);
	RUN_UNTIL(&f->loop, f->closed);
	assert_int_equal(r.calls, 0);

	/* A closed TCP port: the callback reports it. */
	f->closed = false;
	snprintf(address, sizeof address, "127.0.0.1:%d", free_port());
	assert_int_equal(cluster_client_new(&f->loop, NULL, &f->c), TR_OK);
	assert_int_equal(cluster_client_connect(f->c, address, done_cb, &r),
			 TR_OK);
	r.returned = true;
	RUN_UNTIL(&f->loop, r.calls > 0);
	assert_int_equal(r.rc, TR_EIO);
	/* f->c is closed by the teardown. */
}

static void test_tcp_address(void **state)
{
	struct fx *f = *state;
	fx_connect(f, node2.bind, NULL);
	struct rec l = { 0 };
	assert_int_equal(cluster_client_leader(f->c, servers_cb, &l), TR_OK);
	l.returned = true;
	RUN_UNTIL(&f->loop, l.calls > 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.address, node2.address);
	fx_open(f, "tcp.db");
	struct rec r = exec_sql(f,
				"CREATE TABLE IF NOT EXISTS t (x); "
				"DELETE FROM t; INSERT INTO t VALUES (7)",
				NULL, 0);
	assert_int_equal(r.rc, TR_OK);
	struct qrec q = { 0 };
	query_sql(f, "SELECT x FROM t", NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_OK);
	assert_int_equal(q.sum, 7);
}

/*
 * A scripted TCP server: once the handshake and some request bytes have
 * arrived, it writes @reply in pieces of @piece bytes, then optionally
 * shuts its side down.
 */
struct script {
	uv_tcp_t server;
	uv_tcp_t peer;
	bool accepted;
	int port;
	const uint8_t *reply;
	size_t reply_len;
	size_t piece;
	bool shutdown;
	bool replied;
	size_t got;
	char rbuf[4096];
	uv_write_t writes[256];
	uv_shutdown_t sreq;
};

static void script_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf)
{
	struct script *sc = h->data;
	TR_UNUSED(n);
	*buf = uv_buf_init(sc->rbuf, sizeof sc->rbuf);
}

static void script_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct script *sc = s->data;
	TR_UNUSED(buf);
	if (n <= 0) {
		return;
	}
	sc->got += (size_t)n;
	if (sc->replied || sc->got <= 8) {
		return;
	}
	sc->replied = true;
	size_t k = 0;
	for (size_t off = 0; off < sc->reply_len; off += sc->piece, k++) {
		size_t len = sc->reply_len - off < sc->piece
				     ? sc->reply_len - off
				     : sc->piece;
		uv_buf_t b = uv_buf_init((char *)sc->reply + off,
					 (unsigned)len);
		assert_true(k < TR_ARRAY_LEN(sc->writes));
		assert_int_equal(uv_write(&sc->writes[k], s, &b, 1, NULL), 0);
	}
	if (sc->shutdown) {
		uv_shutdown(&sc->sreq, s, NULL);
	}
}

static void script_connection(uv_stream_t *s, int status)
{
	struct script *sc = s->data;
	assert_int_equal(status, 0);
	uv_tcp_init(s->loop, &sc->peer);
	sc->peer.data = sc;
	assert_int_equal(uv_accept(s, (uv_stream_t *)&sc->peer), 0);
	sc->accepted = true;
	uv_read_start((uv_stream_t *)&sc->peer, script_alloc, script_read);
}

/* Static storage: the handles finish closing after the test returns. */
static struct script script;

static void script_start(struct fx *f, const uint8_t *reply, size_t len,
			 size_t piece, bool shutdown,
			 const struct cluster_client_config *cfg)
{
	struct sockaddr_in sin;
	struct sockaddr_storage name;
	int nlen = sizeof name;
	char address[32];
	memset(&script, 0, sizeof script);
	script.reply = reply;
	script.reply_len = len;
	script.piece = piece;
	script.shutdown = shutdown;
	uv_ip4_addr("127.0.0.1", 0, &sin);
	uv_tcp_init(&f->loop, &script.server);
	script.server.data = &script;
	assert_int_equal(
		uv_tcp_bind(&script.server, (struct sockaddr *)&sin, 0), 0);
	assert_int_equal(
		uv_listen((uv_stream_t *)&script.server, 8, script_connection),
		0);
	uv_tcp_getsockname(&script.server, (struct sockaddr *)&name, &nlen);
	script.port = ntohs(((struct sockaddr_in *)&name)->sin_port);
	snprintf(address, sizeof address, "127.0.0.1:%d", script.port);
	fx_connect(f, address, cfg);
}

static void script_stop(void)
{
	uv_close((uv_handle_t *)&script.server, NULL);
	if (script.accepted) {
		uv_close((uv_handle_t *)&script.peer, NULL);
	}
}

/* The ROWS example of §2.7, as the server sent it. */
static const uint8_t rows_reply[] = {
	0x0a, 0,    0,    0,    0x07, 0, 0,   0,   2, 0, 0,    0,    0,    0,
	0,    0,    'i',  'd',  0,    0, 0,   0,   0, 0, 'n',  'a',  'm',  'e',
	0,    0,    0,    0,    0x31, 0, 0,   0,   0, 0, 0,    0,    1,    0,
	0,    0,    0,    0,    0,    0, 'a', 'b', 0, 0, 0,    0,    0,    0,
	0x51, 0,    0,    0,    0,    0, 0,   0,   2, 0, 0,    0,    0,    0,
	0,    0,    0,    0,    0,    0, 0,   0,   0, 0, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff,
};

static void test_fake_server_rows_one_byte_at_a_time(void **state)
{
	struct fx *f = *state;
	script_start(f, rows_reply, sizeof rows_reply, 1, false, NULL);
	struct qrec q = { 0 };
	query_sql(f, "SELECT 1 AS id, 'ab' AS name UNION ALL SELECT 2, NULL",
		  NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_OK);
	assert_string_equal(q.names, "id,name");
	assert_int_equal(q.rows, 2);
	assert_int_equal(q.sum, 3);
	assert_string_equal(q.first[1].text.p, "ab");
	script_stop();
}

static void test_fake_server_wrong_response_is_eproto(void **state)
{
	struct fx *f = *state;
	static const uint8_t result[24] = { 2, 0, 0, 0, 6 };
	script_start(f, result, sizeof result, sizeof result, false, NULL);
	struct rec r = { 0 };
	assert_int_equal(cluster_client_leader(f->c, servers_cb, &r), TR_OK);
	r.returned = true;
	RUN_UNTIL(&f->loop, r.calls > 0);
	assert_int_equal(r.rc, TR_EPROTO);
	assert_int_equal(r.n, 0);
	assert_non_null(strstr(cluster_client_errmsg(f->c),
			       "RESULT response to a LEADER"));
	script_stop();
}

static void test_fake_server_eof_mid_message_is_eio(void **state)
{
	struct fx *f = *state;
	script_start(f, rows_reply, 40, 7, true, NULL);
	struct qrec q = { 0 };
	query_sql(f, "SELECT 1", NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_EIO);
	assert_int_equal(q.rows, 0);
	script_stop();
}

static void test_fake_server_response_over_limit(void **state)
{
	struct fx *f = *state;
	struct cluster_client_config cfg = { .max_response_len = 64 };
	script_start(f, rows_reply, sizeof rows_reply, sizeof rows_reply, false,
		     &cfg);
	struct qrec q = { 0 };
	query_sql(f, "SELECT 1", NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_EPROTO);
	script_stop();
}

static void test_fake_server_not_leader(void **state)
{
	struct fx *f = *state;
	static struct tr_buf b;
	tr_buf_init(&b, 0);
	size_t off = cluster__msg_begin(&b, CLUSTER__RESP_FAILURE);
	struct cluster__resp_failure fl = { .code = 10250,
					    .message = "not leader" };
	cluster__resp_failure_encode(&fl, &b);
	cluster__msg_end(&b, off);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	script_start(f, b.data, b.len, b.len, false, NULL);
	struct rec r = exec_sql(f, "INSERT INTO t VALUES (1)", NULL, 0);
	assert_int_equal(r.rc, TR_ENOTLEADER);
	assert_int_equal(r.code, 10250);
	assert_string_equal(r.message, "not leader");
	script_stop();
	/* The script keeps pointing at b until its writes are done. */
	uv_run(&f->loop, UV_RUN_NOWAIT);
	tr_buf_close(&b);
}

/* A PART batch, then 1.11's malformed FAILURE (§9 item 8). */
static void test_fake_server_failure_after_rows(void **state)
{
	struct fx *f = *state;
	static struct tr_buf b;
	tr_buf_init(&b, 0);
	/* Batch 1: the §2.7 example with PART instead of DONE. */
	tr_buf_put(&b, rows_reply, sizeof rows_reply - 8);
	tr_buf_put_le64(&b, CLUSTER__ROWS_PART);
	/* Batch 2: columns, one row (3, 'cd'), then code and message. */
	size_t off = cluster__msg_begin(&b, CLUSTER__RESP_FAILURE);
	tr_buf_put(&b, rows_reply + 8, 24);
	tr_buf_put_le64(&b, 0x31);
	tr_buf_put_le64(&b, 3);
	tr_buf_put(&b, "cd\0\0\0\0\0\0", 8);
	struct cluster__resp_failure fl = { .code = 1,
					    .message = "integer overflow" };
	cluster__resp_failure_encode(&fl, &b);
	cluster__msg_end(&b, off);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	script_start(f, b.data, b.len, 5, false, NULL);
	struct qrec q = { 0 };
	query_sql(f, "SELECT ...", NULL, 0, &q);
	RUN_UNTIL(&f->loop, q.done.calls > 0);
	assert_int_equal(q.done.rc, TR_ESQL);
	assert_int_equal(q.done.code, 1);
	assert_string_equal(q.done.message, "integer overflow");
	assert_int_equal(q.rows, 2); /* the first batch only */
	/* Not broken: the next request goes out (and times out unanswered
	 * here, which is not this test's business). */
	assert_true(cluster_client_is_idle(f->c));
	script_stop();
	uv_run(&f->loop, UV_RUN_NOWAIT);
	tr_buf_close(&b);
}

/* Leader discovery. */
static const char *map_to_abstract(void *arg, const char *address)
{
	TR_UNUSED(arg);
	return strcmp(address, node1.address) == 0 ? node1.bind : address;
}

static void test_leader_find(void **state)
{
	struct fx *f = *state;
	char dead[32];
	snprintf(dead, sizeof dead, "127.0.0.1:%d", free_port());

	/* A dead seed first, then node 1 reached through the map. */
	const char *seeds[2] = { dead, node1.address };
	struct rec r = { 0 };
	assert_int_equal(cluster_leader_find(&f->loop, seeds, 2, 5000,
					     map_to_abstract, NULL, NULL,
					     servers_cb, &r),
			 TR_OK);
	r.returned = true;
	RUN_UNTIL(&f->loop, r.calls > 0);
	assert_int_equal(r.rc, TR_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id, 1);
	assert_string_equal(r.address, node1.address);

	/* Over TCP, no map. */
	const char *seeds2[1] = { node2.address };
	struct rec r2 = { 0 };
	assert_int_equal(cluster_leader_find(&f->loop, seeds2, 1, 5000, NULL,
					     NULL, NULL, servers_cb, &r2),
			 TR_OK);
	r2.returned = true;
	RUN_UNTIL(&f->loop, r2.calls > 0);
	assert_int_equal(r2.rc, TR_OK);
	assert_string_equal(r2.address, node2.address);

	/* Nobody: TR_ENOTLEADER once the time is up, after backoffs. */
	const char *seeds3[1] = { dead };
	struct rec r3 = { 0 };
	uint64_t start = tr_now_ns();
	assert_int_equal(cluster_leader_find(&f->loop, seeds3, 1, 400, NULL,
					     NULL, NULL, servers_cb, &r3),
			 TR_OK);
	r3.returned = true;
	RUN_UNTIL(&f->loop, r3.calls > 0);
	assert_true((tr_now_ns() - start) / 1000000 >= 390);
	assert_int_equal(r3.rc, TR_ENOTLEADER);
	assert_int_equal(r3.n, 0);
	assert_int_equal(cluster_leader_find(&f->loop, seeds3, 0, 400, NULL,
					     NULL, NULL, servers_cb, &r3),
			 TR_EINVAL);
	/* Let the finders free themselves before the loop closes. */
	uv_run(&f->loop, UV_RUN_DEFAULT);
}

int test_client_run(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_leader_over_abstract_socket),
		T(test_exec_and_query_params_of_every_type),
		T(test_query_streams_several_batches),
		T(test_prepare_exec_query_finalize),
		T(test_constraint_failure_is_esql_and_client_goes_on),
		T(test_cluster_and_describe),
		T(test_pause_and_resume_mid_result),
		T(test_abandoned_result_set_is_drained),
		T(test_close_cancels_pending_requests),
		T(test_request_timeout_breaks_the_client),
		T(test_connect_failures),
		T(test_tcp_address),
		T(test_fake_server_rows_one_byte_at_a_time),
		T(test_fake_server_wrong_response_is_eproto),
		T(test_fake_server_eof_mid_message_is_eio),
		T(test_fake_server_response_over_limit),
		T(test_fake_server_not_leader),
		T(test_fake_server_failure_after_rows),
		T(test_leader_find),
	};
#undef T
	return cmocka_run_group_tests_name("cluster_client", tests, group_setup,
					   group_teardown);
}
