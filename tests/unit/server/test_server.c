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
	assert_int_equal(set(f, "client_encoding", "unicode", &err, &report),
			 TR_OK);
	assert_string_equal(server_settings_get(f->s, "client_encoding"),
			    "UTF8");
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

static int n_reported;

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeq_first_come_first_served),
		cmocka_unit_test(test_writeq_cancel_when_not_waiting_is_noop),
		cmocka_unit_test_setup_teardown(test_settings_defaults_and_case,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_reported_and_validated, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_unknown_and_custom, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_reset_all_reports_changes, setup,
			teardown),
	};
	return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
