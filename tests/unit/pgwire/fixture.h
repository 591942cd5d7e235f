/*
 * tests/unit/pgwire/fixture.h: helpers shared by the pgwire unit tests and
 * the manual demo server: a throwaway self-signed TLS context and a fake
 * executor that answers every query with one row.
 */
#ifndef TESTS_UNIT_PGWIRE_FIXTURE_H
#define TESTS_UNIT_PGWIRE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pgwire/pgwire.h"

/* A server context with a fresh P-256 key and a self-signed certificate
 * for CN=localhost.  NULL on failure. */
static inline SSL_CTX *fixture_tls_ctx(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (key == NULL || x == NULL || ctx == NULL) {
		goto fail;
	}
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1,
				   0);
	X509_set_issuer_name(x, name);
	if (X509_sign(x, key, EVP_sha256()) == 0 ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		goto fail;
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

/*
 * Fake executor: user "u" with password "pencil" exists; every query
 * returns one row ("1") unless it is "fail", "empty" or "hang".
 *
 * Extended protocol (all answers inline):
 *   prepare: "fail" is a 42601 syntax error; "" is the empty query;
 *     "insert ..." returns no rows (tag "INSERT 0 1"); "gen3" returns one
 *     int4 column with rows 1, 2, 3 (suspendable with max_rows);
 *     "execfail" fails at execute with 22012; anything else returns one
 *     row echoing each $n parameter (type = the client's OID, 25 if
 *     0), or one int4 column "1" when it has no $n.  integers (int2/4/8)
 *     are converted between text and binary as the result format asks.
 *   sync: answers query_done(txn_status), counts failed syncs.
 * Live statement handles and portal states are counted, so tests can
 * check that pgwire gives every one of them back.
 *
 * COPY (as a simple query or as a prepared statement's execute):
 *   "copy-in": COPY FROM STDIN of 2 text columns; keeps the bytes it gets
 *     (copy_log) and ends with "COPY n", n the number of lines, at
 *     CopyDone; CopyFail ends it with 57014 "COPY from stdin failed: ...".
 *   "copy-in-err": the same, but the 2nd CopyData is an error (22P02)
 *     that ends the operation while the client is still sending.
 *   "copy-in-pause": pauses pgwire at every CopyData and resumes it from
 *     a 1 ms timer (needs @loop).
 *   "copy-out": COPY TO STDOUT of 1 column: rows "1\n", "2\n", "3\n".
 *   A trailing ';' is ignored (psql sends it), and real "COPY ... FROM
 *   STDIN" / "COPY ... TO STDOUT" (psql's \copy) act as copy-in / copy-out.
 */
struct fake_exec {
	char verifier[256];
	int n_lookup;
	int n_open;
	int n_query;
	int n_cancel;
	int n_close;
	bool async;    /* answer from a timer instead of inline (defer) */
	int lookup_rc; /* non-zero: the role lookup itself fails */
	struct pgwire_session *hung; /* query left running ("hang") */
	char last_query[256];
	const struct pgwire_error *open_err;
	/* extended protocol */
	int n_prepare;
	int n_unprepare;
	int n_execute;
	int n_close_portal;
	int n_sync;
	int n_sync_failed;
	int n_stmt_live;  /* handles given out and not yet unprepared */
	int n_state_live; /* portal states not yet closed */
	bool last_sync_follows;
	unsigned sync_follows_log; /* bit i: sync_follows of execute i */
	uint32_t last_max_rows;
	int16_t last_param_format;
	char txn_status; /* answered at Sync; 0: 'I' */
	/* COPY */
	uv_loop_t *loop;               /* for "copy-in-pause" */
	struct pgwire_session *copy_s; /* session in COPY-IN */
	char copy_mode;                /* 'i' copy-in, 'e' -err, 'p' -pause */
	bool copy_ext;                 /* the COPY runs in an execute */
	int n_copy_data;
	int n_copy_done;
	int n_copy_fail;
	int n_copy_pause;
	int copy_n; /* CopyData of the current COPY */
	unsigned copy_lines;
	char copy_log[8192]; /* bytes received, in order */
	size_t copy_log_len;
	char copy_fail_msg[128];
	uv_timer_t resume_timer;
	bool resume_timer_init;
};

#define FAKE_MAX_PARAMS 8

struct fake_stmt {
	char sql[256];
	unsigned n_params;
	uint32_t oids[FAKE_MAX_PARAMS];
};

struct fake_portal_state {
	int next_row; /* gen3: rows already sent */
};

static inline int fake_auth_lookup(void *data, struct pgwire_session *s,
				   const char *user)
{
	struct fake_exec *f = data;
	f->n_lookup++;
	/* Completing inside the call breaks the async contract only in
	 * form; pgwire guards against re-entry, and the tests check it. */
	pgwire_session_auth_lookup_done(
		s, f->lookup_rc, strcmp(user, "u") == 0 ? f->verifier : NULL);
	return 0;
}

static inline int fake_session_open(void *data, struct pgwire_session *s,
				    const struct pgwire_startup *st)
{
	struct fake_exec *f = data;
	f->n_open++;
	pgwire_session_send_parameter(s, "TimeZone", "Europe/Paris");
	pgwire_session_send_parameter(s, "custom_thing", "x");
	pgwire_session_open_done(s, f->open_err, false);
	return 0;
}

/* End the COPY operation, in the simple or the extended protocol. */
static inline void fake_copy_finish(struct fake_exec *f,
				    struct pgwire_session *s,
				    const struct pgwire_error *err,
				    const char *tag)
{
	f->copy_s = NULL;
	if (f->copy_ext) {
		pgwire_session_execute_done(s, err, err != NULL ? NULL : tag);
		return;
	}
	if (err != NULL) {
		pgwire_session_send_error(s, err);
	} else {
		pgwire_session_send_command_complete(s, tag);
	}
	pgwire_session_query_done(s, 'I');
}

/* What COPY @sql asks for: 'o' out, 'i' in, 'e' in with an error, 'p' in
 * with pauses, 0 none. */
static inline char fake_copy_kind(const char *sql)
{
	char low[256];
	size_t n = 0;
	for (; sql[n] != '\0' && n < sizeof low - 1; n++) {
		char ch = sql[n];
		low[n] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	while (n > 0 &&
	       (low[n - 1] == ';' || low[n - 1] == ' ' || low[n - 1] == '\n')) {
		n--;
	}
	low[n] = '\0';
	if (strcmp(low, "copy-out") == 0 ||
	    (strncmp(low, "copy ", 5) == 0 && strstr(low, " to stdout"))) {
		return 'o';
	}
	if (strcmp(low, "copy-in") == 0 ||
	    (strncmp(low, "copy ", 5) == 0 && strstr(low, " from stdin"))) {
		return 'i';
	}
	return strcmp(low, "copy-in-err") == 0     ? 'e'
	       : strcmp(low, "copy-in-pause") == 0 ? 'p'
						   : 0;
}

/* Start a COPY for @sql if it names one: true if it did. */
static inline bool fake_copy_start(struct fake_exec *f,
				   struct pgwire_session *s, const char *sql,
				   bool ext)
{
	char mode = fake_copy_kind(sql);
	if (mode == 'o') {
		f->copy_ext = ext;
		pgwire_session_copy_out_start(s, false, 1);
		for (int i = 1; i <= 3; i++) {
			char row[8];
			int n = snprintf(row, sizeof row, "%d\n", i);
			pgwire_session_send_copy_data(s, row, (size_t)n);
		}
		pgwire_session_copy_out_done(s);
		fake_copy_finish(f, s, NULL, "COPY 3");
		return true;
	}
	if (mode == 0) {
		return false;
	}
	f->copy_mode = mode;
	f->copy_ext = ext;
	f->copy_s = s;
	f->copy_lines = 0;
	f->copy_log_len = 0;
	f->copy_n = 0;
	pgwire_session_copy_in_start(s, false, 2);
	return true;
}

static inline void fake_on_resume_timer(uv_timer_t *t)
{
	struct fake_exec *f = t->data;
	if (f->copy_s != NULL) {
		pgwire_session_copy_pause(f->copy_s, false);
	}
}

static inline void fake_copy_data(void *data, struct pgwire_session *s,
				  const uint8_t *bytes, size_t len)
{
	struct fake_exec *f = data;
	f->n_copy_data++;
	if (f->copy_s != s) {
		return; /* pgwire must not deliver once we ended it */
	}
	if (f->copy_mode == 'e' && ++f->copy_n == 2) {
		struct pgwire_error e = {
			.sqlstate = "22P02",
			.message = "invalid input syntax for type integer"
		};
		fake_copy_finish(f, s, &e, NULL);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		f->copy_lines += bytes[i] == '\n';
		if (f->copy_log_len < sizeof f->copy_log) {
			f->copy_log[f->copy_log_len++] = (char)bytes[i];
		}
	}
	if (f->copy_mode == 'p' && f->loop != NULL) {
		if (!f->resume_timer_init) {
			uv_timer_init(f->loop, &f->resume_timer);
			f->resume_timer.data = f;
			f->resume_timer_init = true;
		}
		f->n_copy_pause++;
		pgwire_session_copy_pause(s, true);
		uv_timer_start(&f->resume_timer, fake_on_resume_timer, 1, 0);
	}
}

static inline void fake_copy_done(void *data, struct pgwire_session *s)
{
	struct fake_exec *f = data;
	char tag[32];
	f->n_copy_done++;
	if (f->copy_s != s) {
		return;
	}
	snprintf(tag, sizeof tag, "COPY %u", f->copy_lines);
	fake_copy_finish(f, s, NULL, tag);
}

static inline void fake_copy_fail(void *data, struct pgwire_session *s,
				  const char *message)
{
	struct fake_exec *f = data;
	char msg[192];
	f->n_copy_fail++;
	snprintf(f->copy_fail_msg, sizeof f->copy_fail_msg, "%s", message);
	if (f->copy_s != s) {
		return;
	}
	snprintf(msg, sizeof msg, "COPY from stdin failed: %s", message);
	struct pgwire_error e = { .sqlstate = "57014", .message = msg };
	fake_copy_finish(f, s, &e, NULL);
}

static inline int fake_query(void *data, struct pgwire_session *s,
			     const char *sql, size_t len)
{
	struct fake_exec *f = data;
	f->n_query++;
	snprintf(f->last_query, sizeof f->last_query, "%s", sql);
	if (fake_copy_start(f, s, sql, false)) {
		return 0;
	}
	if (strcmp(sql, "hang") == 0) {
		f->hung = s;
		return 0;
	}
	if (strcmp(sql, "fail") == 0) {
		struct pgwire_error e = { .sqlstate = "42P01",
					  .message = "relation \"x\" does "
						     "not exist",
					  .position = 15 };
		pgwire_session_send_error(s, &e);
		pgwire_session_query_done(s, 'I');
		return 0;
	}
	if (len == 0) {
		pgwire_session_send_empty_query(s);
		pgwire_session_query_done(s, 'I');
		return 0;
	}
	struct pgwire_column col = { .name = "?column?",
				     .type_oid = 23,
				     .typlen = 4,
				     .typmod = -1 };
	struct pgwire_value v = { .p = "1", .len = 1 };
	pgwire_session_send_row_description(s, 1, &col);
	pgwire_session_send_data_row(s, 1, &v);
	pgwire_session_send_command_complete(s, "SELECT 1");
	pgwire_session_query_done(s, 'I');
	return 0;
}

static inline void fake_cancel(void *data, struct pgwire_session *s)
{
	struct fake_exec *f = data;
	f->n_cancel++;
	if (f->hung == s) {
		struct pgwire_error e = { .sqlstate = "57014",
					  .message = "canceling statement due "
						     "to user request" };
		f->hung = NULL;
		pgwire_session_send_error(s, &e);
		pgwire_session_query_done(s, 'I');
	}
}

static inline void fake_resume(void *data, struct pgwire_session *s)
{
	(void)data;
	(void)s;
}

static inline void fake_session_close(void *data, struct pgwire_session *s)
{
	struct fake_exec *f = data;
	f->n_close++;
	if (f->hung == s) {
		f->hung = NULL;
	}
	if (f->copy_s == s) {
		f->copy_s = NULL;
	}
	if (f->resume_timer_init) {
		f->resume_timer_init = false;
		uv_close((uv_handle_t *)&f->resume_timer, NULL);
	}
	pgwire_session_release(s);
}

static inline int fake_prepare(void *data, struct pgwire_session *s,
			       const char *sql, unsigned n_param_oids,
			       const uint32_t *param_oids)
{
	struct fake_exec *f = data;
	f->n_prepare++;
	if (strcmp(sql, "fail") == 0) {
		struct pgwire_error e = { .sqlstate = "42601",
					  .message = "syntax error at or near "
						     "\"fail\"",
					  .position = 1 };
		pgwire_session_prepare_done(s, &e, NULL, 0, NULL, 0, NULL);
		return 0;
	}
	struct fake_stmt *st = calloc(1, sizeof *st);
	if (st == NULL) {
		return 1;
	}
	snprintf(st->sql, sizeof st->sql, "%s", sql);
	/* Parameters: the highest $n. */
	for (const char *p = sql; (p = strchr(p, '$')) != NULL; p++) {
		unsigned n = (unsigned)atoi(p + 1);
		if (n > st->n_params && n <= FAKE_MAX_PARAMS) {
			st->n_params = n;
		}
	}
	for (unsigned i = 0; i < st->n_params; i++) {
		st->oids[i] = i < n_param_oids && param_oids[i] != 0
				      ? param_oids[i]
				      : 25;
	}
	struct pgwire_column cols[FAKE_MAX_PARAMS];
	unsigned n_cols = 0;
	memset(cols, 0, sizeof cols);
	if (sql[0] == '\0' || strncmp(sql, "insert", 6) == 0 ||
	    fake_copy_kind(sql) != 0) {
		n_cols = 0;
	} else if (st->n_params > 0) {
		for (unsigned i = 0; i < st->n_params; i++) {
			cols[i] = (struct pgwire_column){
				.name = "?column?",
				.type_oid = st->oids[i],
				.typlen = -1,
				.typmod = -1
			};
		}
		n_cols = st->n_params;
	} else {
		cols[0] = (struct pgwire_column){
			.name = strcmp(sql, "gen3") == 0 ? "n" : "?column?",
			.type_oid = 23,
			.typlen = 4,
			.typmod = -1
		};
		n_cols = 1;
	}
	f->n_stmt_live++;
	pgwire_session_prepare_done(s, NULL, st, st->n_params, st->oids, n_cols,
				    cols);
	return 0;
}

static inline void fake_unprepare(void *data, struct pgwire_session *s,
				  void *stmt)
{
	struct fake_exec *f = data;
	(void)s;
	f->n_unprepare++;
	f->n_stmt_live--;
	free(stmt);
}

/* Width of a binary integer type (int2, int4, int8), 0 for others. */
static inline int fake_int_width(uint32_t oid)
{
	return oid == 21 ? 2 : oid == 23 ? 4 : oid == 20 ? 8 : 0;
}

/* An integer of @width bytes (@p/@len in format @from) into @out in format
 * @to. */
static inline int32_t fake_int(int width, int16_t from, int16_t to,
			       const uint8_t *p, int32_t len, char *out,
			       size_t cap)
{
	long long v = 0;
	if (from == 1 && len == width) {
		unsigned long long u = 0;
		for (int i = 0; i < width; i++) {
			u = u << 8 | p[i];
		}
		int shift = 64 - 8 * width; /* sign-extend */
		v = (long long)(u << shift) >> shift;
	} else if (from == 0) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%.*s", (int)len, (const char *)p);
		v = atoll(tmp);
	}
	if (to == 1) {
		unsigned long long u = (unsigned long long)v;
		for (int i = width - 1; i >= 0; i--) {
			out[i] = (char)(u & 0xff);
			u >>= 8;
		}
		return width;
	}
	return (int32_t)snprintf(out, cap, "%lld", v);
}

static inline int fake_execute(void *data, struct pgwire_session *s, void *stmt,
			       unsigned n_params,
			       const struct pgwire_param *params,
			       unsigned n_result_formats,
			       const int16_t *result_formats, uint32_t max_rows,
			       bool sync_follows, void **portal_state)
{
	struct fake_exec *f = data;
	struct fake_stmt *st = stmt;
	f->n_execute++;
	f->last_sync_follows = sync_follows;
	if (sync_follows && f->n_execute <= 32) {
		f->sync_follows_log |= 1u << (f->n_execute - 1);
	}
	f->last_max_rows = max_rows;
	f->last_param_format = n_params > 0 ? params[0].format : -1;
	if (st->sql[0] == '\0') {
		pgwire_session_execute_done(s, NULL, "");
		return 0;
	}
	if (strncmp(st->sql, "insert", 6) == 0) {
		pgwire_session_execute_done(s, NULL, "INSERT 0 1");
		return 0;
	}
	if (fake_copy_start(f, s, st->sql, true)) {
		return 0;
	}
	if (strcmp(st->sql, "execfail") == 0) {
		struct pgwire_error e = { .sqlstate = "22012",
					  .message = "division by zero" };
		pgwire_session_execute_done(s, &e, NULL);
		return 0;
	}
	if (strcmp(st->sql, "gen3") == 0) {
		struct fake_portal_state *ps = *portal_state;
		if (ps == NULL) {
			ps = calloc(1, sizeof *ps);
			if (ps == NULL) {
				return 1;
			}
			f->n_state_live++;
			*portal_state = ps;
		}
		uint32_t sent = 0;
		while (ps->next_row < 3 && (max_rows == 0 || sent < max_rows)) {
			char buf[16];
			char txt[16];
			ps->next_row++;
			snprintf(txt, sizeof txt, "%d", ps->next_row);
			int32_t len = fake_int(
				4, 0, result_formats[0], (const uint8_t *)txt,
				(int32_t)strlen(txt), buf, sizeof buf);
			struct pgwire_value v = { .p = buf, .len = len };
			pgwire_session_send_data_row(s, 1, &v);
			sent++;
		}
		if (ps->next_row < 3) {
			pgwire_session_execute_done(s, NULL, NULL);
			return 0;
		}
		char tag[32];
		snprintf(tag, sizeof tag, "SELECT %u", sent);
		pgwire_session_execute_done(s, NULL, tag);
		return 0;
	}
	struct pgwire_value vals[FAKE_MAX_PARAMS];
	char bufs[FAKE_MAX_PARAMS][32];
	if (n_params == 0) {
		vals[0].len = fake_int(4, 0, result_formats[0],
				       (const uint8_t *)"1", 1, bufs[0],
				       sizeof bufs[0]);
		vals[0].p = bufs[0];
		pgwire_session_send_data_row(s, 1, vals);
		pgwire_session_execute_done(s, NULL, "SELECT 1");
		return 0;
	}
	for (unsigned i = 0; i < n_params && i < n_result_formats; i++) {
		vals[i].p = params[i].p;
		vals[i].len = params[i].len;
		int width = fake_int_width(st->oids[i]);
		if (params[i].len >= 0 && width > 0 &&
		    params[i].format != result_formats[i]) {
			vals[i].len = fake_int(width, params[i].format,
					       result_formats[i], params[i].p,
					       params[i].len, bufs[i],
					       sizeof bufs[i]);
			vals[i].p = bufs[i];
		}
	}
	pgwire_session_send_data_row(s, n_params, vals);
	pgwire_session_execute_done(s, NULL, "SELECT 1");
	return 0;
}

static inline void fake_close_portal(void *data, struct pgwire_session *s,
				     void *portal_state)
{
	struct fake_exec *f = data;
	(void)s;
	f->n_close_portal++;
	f->n_state_live--;
	free(portal_state);
}

static inline int fake_sync(void *data, struct pgwire_session *s, bool failed)
{
	struct fake_exec *f = data;
	f->n_sync++;
	if (failed) {
		f->n_sync_failed++;
	}
	pgwire_session_query_done(s, f->txn_status ? f->txn_status : 'I');
	return 0;
}

static const struct pgwire_executor_ops fake_ops = {
	.auth_lookup = fake_auth_lookup,
	.session_open = fake_session_open,
	.query = fake_query,
	.cancel = fake_cancel,
	.resume = fake_resume,
	.session_close = fake_session_close,
	.prepare = fake_prepare,
	.unprepare = fake_unprepare,
	.execute = fake_execute,
	.close_portal = fake_close_portal,
	.sync = fake_sync,
	.copy_data = fake_copy_data,
	.copy_done = fake_copy_done,
	.copy_fail = fake_copy_fail,
};

#endif /* TESTS_UNIT_PGWIRE_FIXTURE_H */
