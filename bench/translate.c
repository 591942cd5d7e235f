/*
 * bench/translate.c: what translating one statement costs, in µs.
 *
 *   bench_translate [iterations]        (make bench-translate)
 *
 * For pgbench's statements (tpcb-like and select-only, simple protocol
 * with inline constants, and the extended protocol's $n forms) and a
 * 3-table join, it times, per statement:
 *
 *   parse  sql_parse alone (no cache);
 *   miss   sql_cache_parse of a shape the cache has not seen (the cache
 *          is emptied before each call): translation and key scan (a
 *          shape without varying constants is also stored);
 *   build  the second sight of a shape: translation plus the probe
 *          translation that makes the template (paid once per shape);
 *   hit    sql_cache_parse of the same shape with different constants
 *          each call (the key scan, the lookup and the copy-out).
 *
 * Each figure is the median of 15 batches (after a warm-up batch) of the
 * per-call mean, in thread CPU time (other processes on the machine do
 * not count; miss and build are timed call by call, the others by batch).  Only sql/ is exercised: no I/O, one thread.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sql/sql.h"

#define N_BATCHES 15
#define N_TEXTS   64

struct bench_stmt {
	const char *name;
	const char *fmt; /* %d: constants that vary between calls */
	int n_args;
};

static const struct bench_stmt stmts[] = {
	{ "select-only SELECT",
	  "SELECT abalance FROM pgbench_accounts WHERE aid = %d;", 1 },
	{ "tpcb BEGIN", "BEGIN;", 0 },
	{ "tpcb UPDATE accounts",
	  "UPDATE pgbench_accounts SET abalance = abalance + %d WHERE aid = "
	  "%d;",
	  2 },
	{ "tpcb UPDATE tellers",
	  "UPDATE pgbench_tellers SET tbalance = tbalance + %d WHERE tid = "
	  "%d;",
	  2 },
	{ "tpcb UPDATE branches",
	  "UPDATE pgbench_branches SET bbalance = bbalance + %d WHERE bid = "
	  "%d;",
	  2 },
	{ "tpcb INSERT history",
	  "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES "
	  "(%d, %d, %d, %d, CURRENT_TIMESTAMP);",
	  4 },
	{ "tpcb END", "END;", 0 },
	{ "extended SELECT $1",
	  "SELECT abalance FROM pgbench_accounts WHERE aid = $1", 0 },
	{ "extended UPDATE $1 $2",
	  "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = "
	  "$2",
	  0 },
	{ "3-table join",
	  "SELECT c.name, count(*) AS n, sum(i.qty * i.price) AS total "
	  "FROM customers c JOIN orders o ON o.customer_id = c.id "
	  "JOIN items i ON i.order_id = o.id "
	  "WHERE o.status = 'open' AND i.qty > %d "
	  "GROUP BY c.name ORDER BY total DESC, c.name LIMIT %d",
	  2 },
};

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;
	return (x > y) - (x < y);
}

enum mode { MODE_PARSE, MODE_MISS, MODE_BUILD, MODE_HIT };

static const char *texts[N_TEXTS];

static int run_once(enum mode m, struct sql_cache *c, struct tr_arena *a,
		    const char *text)
{
	struct sql_batch b;
	struct sql_error err;
	int rv;
	if (m == MODE_PARSE) {
		rv = sql_parse(a, text, &b, &err);
	} else {
		rv = sql_cache_parse(c, 1, "public", a, text, &b, &err);
	}
	tr_arena_reset(a);
	return rv;
}

static double measure(enum mode m, unsigned iters)
{
	struct sql_cache *c = NULL;
	if (sql_cache_new(256, &c) != TR_OK) {
		return -1;
	}
	struct tr_arena a;
	tr_arena_init(&a, 16384);
	double per[N_BATCHES];
	for (int batch = -1; batch < N_BATCHES; batch++) {
		double total = 0;
		double start = now_us();
		for (unsigned i = 0; i < iters; i++) {
			const char *text = texts[i % N_TEXTS];
			if (m == MODE_MISS || m == MODE_BUILD) {
				sql_cache_clear(c);
			}
			if (m == MODE_BUILD &&
			    run_once(m, c, &a, texts[(i + 1) % N_TEXTS]) !=
				    TR_OK) {
				exit(1);
			}
			/* Per call only where something is done between
			 * calls (reading the clock costs a system call). */
			bool each = m == MODE_MISS || m == MODE_BUILD;
			double t0 = each ? now_us() : 0;
			if (run_once(m, c, &a, text) != TR_OK) {
				fprintf(stderr, "translation failed: %s\n",
					text);
				exit(1);
			}
			total += each ? now_us() - t0 : 0;
		}
		if (m == MODE_PARSE || m == MODE_HIT) {
			total = now_us() - start;
		}
		if (batch >= 0) {
			per[batch] = total / iters;
		}
	}
	struct sql_cache_stats st;
	sql_cache_stats(c, &st);
	if (m == MODE_HIT && st.hits == 0) {
		fprintf(stderr, "note: %s is not cached (refused %llu)\n",
			texts[0], (unsigned long long)st.refused);
	}
	tr_arena_close(&a);
	sql_cache_free(c);
	qsort(per, N_BATCHES, sizeof per[0], cmp_double);
	return per[N_BATCHES / 2];
}

/* @fmt with its %d in turn replaced by @v[0], @v[1], ... */
static void expand(char *out, size_t cap, const char *fmt, const int *v)
{
	size_t n = 0;
	int k = 0;
	for (const char *p = fmt; *p != '\0' && n + 12 < cap; p++) {
		if (p[0] == '%' && p[1] == 'd') {
			n += (size_t)snprintf(out + n, cap - n, "%d", v[k++]);
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	if (iters == 0) {
		iters = 2000;
	}
	srand(42);
	printf("%-24s %8s %8s %8s %8s\n", "statement (µs/call)", "parse",
	       "miss", "build", "hit");
	for (size_t k = 0; k < sizeof stmts / sizeof stmts[0]; k++) {
		static char buf[N_TEXTS][512];
		for (int i = 0; i < N_TEXTS; i++) {
			int v[4];
			for (int j = 0; j < 4; j++) {
				v[j] = 2 + rand() % 99998;
			}
			expand(buf[i], sizeof buf[i], stmts[k].fmt, v);
			texts[i] = buf[i];
		}
		double p = measure(MODE_PARSE, iters);
		double miss = measure(MODE_MISS, iters / 2 + 1);
		double build = measure(MODE_BUILD, iters / 4 + 1);
		double hit = measure(MODE_HIT, iters);
		printf("%-24s %8.2f %8.2f %8.2f %8.2f\n", stmts[k].name, p,
		       miss, build, hit);
	}
	return 0;
}
