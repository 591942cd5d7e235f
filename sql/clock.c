/*
 * sql/clock.c: now() and the other current-time values, timed as
 * PostgreSQL times them.
 *
 *   now(), transaction_timestamp(), CURRENT_TIMESTAMP, CURRENT_DATE,
 *   LOCALTIMESTAMP, CURRENT_TIME, LOCALTIME    the transaction's start
 *   statement_timestamp()                      the statement's start
 *   clock_timestamp()                          each call
 *
 * pg_now(which, form) runs on the leader's connection of the session: a
 * PostgreSQL transaction is one leader connection, and a statement
 * outside BEGIN ... COMMIT is a transaction of its own.  The time is
 * taken at the first call in the transaction (or statement) and kept in
 * the connection's state; a trace callback forgets it when a statement
 * starts outside an explicit transaction (BEGIN itself included), so the
 * first call after BEGIN starts a new transaction's time.  (SQLite's own
 * 'now' is only stable within one statement, and has milliseconds.)
 *
 * Times are microseconds, in the stored forms of value.c: timestamptz
 * "YYYY-MM-DD HH:MM:SS.ffffff+00", timestamp without the zone, time and
 * timetz the same from the hour on, date "YYYY-MM-DD".
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, gmtime_r */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

struct clock_state {
	int64_t txn, stmt; /* microseconds since the epoch */
	bool txn_set, stmt_set;
};

static int64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int on_statement(unsigned type, void *ctx, void *p, void *x)
{
	struct clock_state *c = ctx;
	sql__advisory_trace(type, p, x); /* advisory.c's boundaries */
	const char *sql = x;
	if (type != SQLITE_TRACE_STMT || (sql != NULL && sql[0] == '-')) {
		return 0; /* "-- trigger" lines: the same statement */
	}
	c->stmt_set = false;
	if (sqlite3_get_autocommit(sqlite3_db_handle(p))) {
		c->txn_set = false; /* its own transaction, or BEGIN */
	}
	return 0;
}

/* pg_now(which, form): which 0 transaction, 1 statement, 2 clock; form
 * 0 timestamptz, 1 timestamp, 2 timetz, 3 time, 4 date, 5 timestamptz
 * (CURRENT_TIMESTAMP: the catalog shows a default by its form). */
static void fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	struct clock_state *c = sqlite3_user_data(ctx);
	int which = sqlite3_value_int(argv[0]);
	int form = sqlite3_value_int(argv[1]);
	int64_t t;
	if (which == 2) {
		t = now_usec();
	} else if (which == 1) {
		if (!c->stmt_set) {
			c->stmt = now_usec();
			c->stmt_set = true;
		}
		t = c->stmt;
	} else {
		if (!c->txn_set) {
			c->txn = now_usec();
			c->txn_set = true;
		}
		t = c->txn;
	}
	time_t secs = (time_t)(t / 1000000);
	int usec = (int)(t % 1000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char day[16], clock[24], out[48];
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	snprintf(clock, sizeof clock, "%02d:%02d:%02d.%06d", tm.tm_hour,
		 tm.tm_min, tm.tm_sec, usec);
	switch (form) {
	case 1:
		snprintf(out, sizeof out, "%s %s", day, clock);
		break;
	case 2:
		snprintf(out, sizeof out, "%s+00", clock);
		break;
	case 3:
		snprintf(out, sizeof out, "%s", clock);
		break;
	case 4:
		snprintf(out, sizeof out, "%s", day);
		break;
	default:
		snprintf(out, sizeof out, "%s %s+00", day, clock);
		break;
	}
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

int sql__clock_register(struct sqlite3 *db)
{
	struct clock_state *c = sqlite3_malloc(sizeof *c);
	if (c == NULL) {
		return SQLITE_NOMEM;
	}
	memset(c, 0, sizeof *c);
	/* Not deterministic: a DEFAULT or a view may call it. */
	int rc = sqlite3_create_function_v2(db, "pg_now", 2,
					    SQLITE_UTF8 | SQLITE_INNOCUOUS, c,
					    fn_now, NULL, NULL, sqlite3_free);
	if (rc != SQLITE_OK) {
		return rc; /* the destructor has freed c */
	}
	/* Statement ends too, for advisory.c. */
	return sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE,
				on_statement, c);
}
