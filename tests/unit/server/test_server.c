/*
 * Unit tests for server/: the per-database write queue and session
 * settings.  The executor itself is exercised end to end by the
 * integration suite (real clients against real nodes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/server_int.h"

struct waiter {
	struct server_writeq_waiter w; /* first: the callback casts back */
	int order;                     /* when the lock was handed over */
};

static int handovers;

static void granted(struct server_writeq_waiter *w)
{
	struct waiter *x = (struct waiter *)w;
	x->order = ++handovers;
}

static void test_writeq_first_come_first_served(void **state)
{
	struct server_writeq q;
	struct waiter a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	server_writeq_init(&q);
	handovers = 0;
	assert_true(server_writeq_acquire(&q, &a.w, granted));
	assert_false(server_writeq_acquire(&q, &b.w, granted));
	assert_false(server_writeq_acquire(&q, &c.w, granted));
	assert_false(server_writeq_acquire(&q, &d.w, granted));
	/* Nothing is handed over from inside acquire. */
	assert_int_equal(handovers, 0);
	/* c gives up (timeout or disconnect): it must be skipped. */
	server_writeq_cancel(&c.w);
	server_writeq_release(&q);
	assert_int_equal(b.order, 1);
	assert_true(q.held); /* handed over, never unlocked in between */
	server_writeq_release(&q);
	assert_int_equal(d.order, 2);
	assert_int_equal(c.order, 0);
	server_writeq_release(&q);
	assert_false(q.held);
	/* Free again: taken at once. */
	assert_true(server_writeq_acquire(&q, &a.w, granted));
	server_writeq_release(&q);
}

static void test_writeq_cancel_when_not_waiting_is_noop(void **state)
{
	struct server_writeq q;
	struct waiter a = { 0 };
	server_writeq_init(&q);
	server_writeq_cancel(&a.w);
	assert_true(server_writeq_acquire(&q, &a.w, granted));
	server_writeq_release(&q);
	assert_false(q.held);
}

struct fixture {
	struct server_settings *s;
	struct tr_arena arena;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof *f);
	assert_int_equal(server_settings_new(&f->s), TR_OK);
	tr_arena_init(&f->arena, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	server_settings_free(f->s);
	tr_arena_close(&f->arena);
	test_free(f);
	return 0;
}

static int set(struct fixture *f, const char *name, const char *value,
	       struct sql_error *err, bool *report)
{
	return server_settings_set(f->s, &f->arena, name, value, report, err);
}

static void test_settings_defaults_and_case(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(server_settings_get(f->s, "datestyle"), "ISO, MDY");
	assert_string_equal(server_settings_get(f->s, "TIMEZONE"), "UTC");
	assert_string_equal(server_settings_canonical("timezone"), "TimeZone");
	assert_null(server_settings_get(f->s, "no_such_thing"));
}

static void test_settings_reported_and_validated(void **state)
{
	struct fixture *f = *state;
	struct sql_error err;
	bool report;
	assert_int_equal(set(f, "application_name", "app", &err, &report),
			 TR_OK);
	assert_true(report);
	assert_int_equal(set(f, "statement_timeout", "1000", &err, &report),
			 TR_OK);
	assert_false(report);
	assert_int_equal(set(f, "statement_timeout", "-1", &err, &report),
			 TR_ESQL);
	assert_string_equal(err.sqlstate, "22023");
	assert_int_equal(
		set(f, "standard_conforming_strings", "maybe", &err, &report),
		TR_ESQL);
	assert_string_equal(err.sqlstate, "22023");
	assert_int_equal(
		set(f, "standard_conforming_strings", "TRUE", &err, &report),
		TR_OK);
	assert_string_equal(
		server_settings_get(f->s, "standard_conforming_strings"), "on");
	assert_int_equal(set(f, "server_version", "16", &err, &report),
			 TR_ESQL);
	assert_string_equal(err.sqlstate, "55P02");
	assert_int_equal(set(f, "client_encoding", "latin1", &err, &report),
			 TR_ESQL);
	assert_string_equal(err.sqlstate, "0A000");
	assert_int_equal(set(f, "client_encoding", "'utf-8'", &err, &report),
			 TR_OK); /* asyncpg's spelling */
	assert_string_equal(server_settings_get(f->s, "client_encoding"),
			    "UTF8");
	assert_int_equal(set(f, "client_encoding", "unicode", &err, &report),
			 TR_OK);
	assert_string_equal(server_settings_get(f->s, "client_encoding"),
			    "UTF8");
}

static int n_reported;
static void count_reported(void *arg, const char *name, const char *value);

static void test_settings_timeouts_take_and_show_units(void **state)
{
	struct fixture *f = *state;
	struct sql_error err;
	bool report;
	char buf[32];
	static const struct {
		const char *in, *stored, *shown;
	} cases[] = {
		{ "0", "0", "0" },	    { "1500", "1500", "1500ms" },
		{ "5s", "5000", "5s" },	    { "2 min", "120000", "2min" },
		{ "1h", "3600000", "1h" },  { "1d", "86400000", "1d" },
		{ "90000", "90000", "90s" }, { "250ms", "250", "250ms" },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(cases); i++) {
		assert_int_equal(set(f, "statement_timeout", cases[i].in, &err,
				     &report),
				 TR_OK);
		const char *v = server_settings_get(f->s, "statement_timeout");
		assert_string_equal(v, cases[i].stored);
		assert_string_equal(server_settings_display("statement_timeout",
							    v, buf,
							    sizeof buf),
				    cases[i].shown);
	}
	assert_int_equal(set(f, "lock_timeout", "5 parsecs", &err, &report),
			 TR_ESQL);
	assert_string_equal(err.sqlstate, "22023");
	assert_int_equal(set(f, "lock_timeout", "999999999d", &err, &report),
			 TR_ESQL);
	/* Other settings show as stored. */
	assert_string_equal(server_settings_display("extra_float_digits", "3",
						    buf, sizeof buf),
			    "3");
}

static void test_settings_copy_and_report_changes(void **state)
{
	struct fixture *f = *state;
	struct sql_error err;
	bool report;
	struct server_settings *saved;
	assert_int_equal(server_settings_copy(f->s, &saved), TR_OK);
	assert_int_equal(set(f, "application_name", "x", &err, &report), TR_OK);
	assert_int_equal(set(f, "myapp.k", "v", &err, &report), TR_OK);
	assert_string_equal(server_settings_get(saved, "application_name"), "");
	assert_null(server_settings_get(saved, "myapp.k"));
	n_reported = 0;
	server_settings_report_changes(f->s, saved, count_reported, NULL);
	assert_int_equal(n_reported, 1); /* application_name only */
	server_settings_free(saved);
}

static void test_settings_unknown_and_custom(void **state)
{
	struct fixture *f = *state;
	struct sql_error err;
	bool report;
	assert_int_equal(set(f, "work_mem_typo", "1", &err, &report), TR_ESQL);
	assert_string_equal(err.sqlstate, "42704");
	assert_int_equal(set(f, "myapp.tenant", "42", &err, &report), TR_OK);
	assert_string_equal(server_settings_get(f->s, "MyApp.Tenant"), "42");
}

static void count_reported(void *arg, const char *name, const char *value)
{
	(void)arg;
	(void)name;
	(void)value;
	n_reported++;
}

static void test_settings_reset_all_reports_changes(void **state)
{
	struct fixture *f = *state;
	struct sql_error err;
	bool report;
	assert_int_equal(set(f, "TimeZone", "Europe/Paris", &err, &report),
			 TR_OK);
	assert_int_equal(set(f, "extra_float_digits", "3", &err, &report),
			 TR_OK);
	assert_int_equal(set(f, "DateStyle", NULL, &err, &report), TR_OK);
	n_reported = 0;
	server_settings_reset_all(f->s, count_reported, NULL);
	assert_int_equal(n_reported, 1); /* TimeZone; the others are not
					    reported or did not change */
	assert_string_equal(server_settings_get(f->s, "TimeZone"), "UTC");
	assert_string_equal(server_settings_get(f->s, "extra_float_digits"),
			    "1");
}

static void test_admin_msg_round_trip(void **state)
{
	struct server_admin_msg m;
	struct server_admin_msg d;
	struct tr_buf b;
	const uint8_t blob[] = { 0, 1, 2, '\n', 0xff };
	char text[64];
	uint64_t id;
	server_admin_msg_init(&m);
	assert_int_equal(server_admin_msg_add_str(&m, "type", "join"), TR_OK);
	assert_int_equal(server_admin_msg_add_str(&m, "id", "42"), TR_OK);
	assert_int_equal(server_admin_msg_add(&m, "blob", blob, sizeof blob),
			 TR_OK);
	assert_int_equal(server_admin_msg_add_str(&m, "empty", ""), TR_OK);
	tr_buf_init(&b, 0);
	server_admin_msg_encode(&m, &b);
	assert_int_equal(tr_buf_err(&b), TR_OK);
	assert_int_equal(server_admin_msg_decode(&d, b.data, b.len), TR_OK);
	assert_int_equal(d.n_fields, 4);
	assert_int_equal(
		server_admin_msg_get_str(&d, "type", text, sizeof text), TR_OK);
	assert_string_equal(text, "join");
	assert_int_equal(server_admin_msg_get_u64(&d, "id", &id), TR_OK);
	assert_int_equal(id, 42);
	const struct server_admin_field *f = server_admin_msg_get(&d, "blob");
	assert_non_null(f);
	assert_int_equal(f->len, sizeof blob);
	assert_memory_equal(f->value, blob, sizeof blob);
	/* A value with a NUL is not a string; a missing key is not found. */
	assert_int_equal(
		server_admin_msg_get_str(&d, "blob", text, sizeof text),
		TR_EPROTO);
	assert_int_equal(
		server_admin_msg_get_str(&d, "nope", text, sizeof text),
		TR_ENOTFOUND);
	assert_int_equal(server_admin_msg_get_u64(&d, "type", &id), TR_EPROTO);
	/* Too small an output buffer is refused, not truncated. */
	assert_int_equal(server_admin_msg_get_str(&d, "type", text, 4),
			 TR_EPROTO);

	/* Every truncation fails cleanly; trailing bytes are refused. */
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = test_malloc(n ? n : 1);
		memcpy(copy, b.data, n);
		assert_int_equal(server_admin_msg_decode(&d, copy, n),
				 TR_EPROTO);
		test_free(copy);
	}
	tr_buf_put_u8(&b, 0);
	assert_int_equal(server_admin_msg_decode(&d, b.data, b.len), TR_EPROTO);
	tr_buf_close(&b);
}

static void test_admin_msg_caps(void **state)
{
	struct server_admin_msg m;
	struct server_admin_msg d;
	server_admin_msg_init(&m);
	for (unsigned i = 0; i < ADMIN_MAX_FIELDS; i++) {
		assert_int_equal(server_admin_msg_add_str(&m, "k", "v"), TR_OK);
	}
	assert_int_equal(server_admin_msg_add_str(&m, "k", "v"), TR_ETOOBIG);
	/* Declared counts and lengths beyond the caps are refused before
	 * anything is read. */
	const uint8_t many[] = { 0xff, 0xff };
	assert_int_equal(server_admin_msg_decode(&d, many, sizeof many),
			 TR_EPROTO);
	const uint8_t huge[] = { 0, 1, 0, 1, 'k', 0x7f, 0xff, 0xff, 0xff };
	assert_int_equal(server_admin_msg_decode(&d, huge, sizeof huge),
			 TR_EPROTO);
	const uint8_t nul_key[] = { 0, 1, 0, 2, 'k', 0, 0, 0, 0, 0 };
	assert_int_equal(server_admin_msg_decode(&d, nul_key, sizeof nul_key),
			 TR_EPROTO);
	const uint8_t empty_key[] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(
		server_admin_msg_decode(&d, empty_key, sizeof empty_key),
		TR_EPROTO);
}

/* A mirror checked against the leader is trusted until its lease runs
 * out; then it is checked again (not known stale: the epoch stays). */
static void test_schema_lease(void **state)
{
	struct server_db db = { .catalog_loaded = true };
	TR_UNUSED(state);
	db.verified_until = uv_hrtime() + 60ull * 1000000000ull;
	server_schema_check_lease(&db);
	assert_true(db.catalog_loaded);
	assert_int_equal(db.epoch, 0);
	db.verified_until = uv_hrtime() - 1;
	server_schema_check_lease(&db);
	assert_false(db.catalog_loaded);
	assert_int_equal(db.epoch, 0);
	/* An unloaded mirror stays so. */
	server_schema_check_lease(&db);
	assert_false(db.catalog_loaded);
}

/* DDL or a notice: stale, no lease, and a read in flight is told by the
 * epoch that it may predate the change. */
static void test_schema_stale(void **state)
{
	struct server_db db = { .catalog_loaded = true, .epoch = 7 };
	TR_UNUSED(state);
	db.verified_until = uv_hrtime() + 60ull * 1000000000ull;
	server_schema_stale(&db);
	assert_false(db.catalog_loaded);
	assert_int_equal(db.verified_until, 0);
	assert_int_equal(db.epoch, 8);
	server_schema_stale(&db);
	assert_int_equal(db.epoch, 9);
}

static void never_called(void *arg, unsigned n)
{
	TR_UNUSED(arg);
	TR_UNUSED(n);
	fail();
}

/* DROP DATABASE on a node alone: nobody to ask, answered at once. */
static void test_dbsessions_without_members(void **state)
{
	struct server srv;
	TR_UNUSED(state);
	memset(&srv, 0, sizeof srv);
	assert_int_equal(
		server_dbsessions_ask(&srv, "x", false, never_called, NULL),
		TR_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeq_first_come_first_served),
		cmocka_unit_test(test_writeq_cancel_when_not_waiting_is_noop),
		cmocka_unit_test(test_admin_msg_round_trip),
		cmocka_unit_test(test_admin_msg_caps),
		cmocka_unit_test(test_schema_lease),
		cmocka_unit_test(test_schema_stale),
		cmocka_unit_test(test_dbsessions_without_members),
		cmocka_unit_test_setup_teardown(test_settings_defaults_and_case,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_reported_and_validated, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_unknown_and_custom, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_reset_all_reports_changes, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_timeouts_take_and_show_units, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_copy_and_report_changes, setup, teardown),
	};
	return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
