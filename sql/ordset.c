/*
 * sql/ordset.c: PostgreSQL's ordered-set aggregates.
 *
 *   percentile_cont(f) WITHIN GROUP (ORDER BY x)  pg_percentile_cont(f, x,
 * dirs) percentile_disc(f) WITHIN GROUP (ORDER BY x)  pg_percentile_disc(f, x,
 * dirs) mode() WITHIN GROUP (ORDER BY x)              pg_mode(x, dirs)
 *
 * The translator (expr.c) writes the ORDER BY's direction as one of
 * aggrows.c's letters (@dirs).  Each group's non-NULL x are kept
 * (aggrows.c), sorted when the result is made, and:
 *   - percentile_cont interpolates linearly at f * (n - 1), a float8;
 *   - percentile_disc is the first value whose position reaches f * n;
 *   - mode is the most frequent value, the first in the order on a tie.
 * A fraction outside [0, 1] is 22003, as in PostgreSQL.
 */
#include <math.h>
#include <stdint.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* Bytes of kept values a group may hold (PostgreSQL spills to disk;
 * here it is memory on the leader). */
#define MAX_KEPT (256u << 20)

struct ordset {
	struct sql__agg_rows r;
	double fraction;
	char dir[2];
	bool failed;
};

static struct ordset *state(sqlite3_context *ctx, bool create)
{
	return sql__agg_state(ctx, sizeof(struct ordset), create);
}

static void ordset_free(struct ordset *g)
{
	if (g != NULL) {
		sql__agg_rows_free(&g->r);
		sqlite3_free(g);
	}
}

/* pApp: 'c' percentile_cont, 'd' percentile_disc, 'm' mode. */
static void ordset_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char kind = (char)(intptr_t)sqlite3_user_data(ctx);
	struct ordset *g = state(ctx, true);
	if (g == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (g->failed) {
		return;
	}
	sqlite3_value *x = argv[argc - 2];
	const unsigned char *dir = sqlite3_value_text(argv[argc - 1]);
	g->dir[0] = dir != NULL && dir[0] != '\0' ? (char)dir[0] : 'a';
	if (kind != 'm') {
		if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
			return; /* a NULL fraction: NULL, as PostgreSQL */
		}
		double f = sqlite3_value_double(argv[0]);
		if (!(f >= 0 && f <= 1)) {
			g->failed = true;
			char msg[96];
			sqlite3_snprintf(sizeof msg, msg,
					 "22003: percentile value %g is not "
					 "between 0 and 1",
					 f);
			sqlite3_result_error(ctx, msg, -1);
			return;
		}
		g->fraction = f;
	}
	if (sqlite3_value_type(x) == SQLITE_NULL) {
		return; /* NULLs are ignored */
	}
	switch (sql__agg_rows_add(&g->r, 1, &x, MAX_KEPT)) {
	case SQL__AGG_OK:
		return;
	case SQL__AGG_TOOBIG:
		g->failed = true;
		sqlite3_result_error(ctx,
				     "54000: too many values in one group "
				     "for an ordered-set aggregate",
				     -1);
		return;
	default:
		g->failed = true;
		sqlite3_result_error_nomem(ctx);
		return;
	}
}

static void ordset_final(sqlite3_context *ctx)
{
	char kind = (char)(intptr_t)sqlite3_user_data(ctx);
	struct ordset *g = state(ctx, false);
	if (g == NULL || g->failed || g->r.n == 0) {
		ordset_free(g);
		return; /* no rows: NULL */
	}
	sql__agg_rows_sort(&g->r, 0, g->dir);
	size_t n = g->r.n;
	const struct sql__agg_row *rows = g->r.rows;
	if (kind == 'c') {
		double pos = g->fraction * (double)(n - 1);
		size_t lo = (size_t)floor(pos);
		size_t hi = (size_t)ceil(pos);
		double a = sqlite3_value_double(rows[lo].v[0]);
		double b = sqlite3_value_double(rows[hi].v[0]);
		sqlite3_result_double(ctx, a + (b - a) * (pos - (double)lo));
	} else if (kind == 'd') {
		double k = ceil(g->fraction * (double)n);
		size_t at = k < 1 ? 0 : (size_t)k - 1;
		sqlite3_result_value(ctx, rows[at < n ? at : n - 1].v[0]);
	} else {
		size_t best = 0;
		size_t best_len = 0;
		for (size_t i = 0; i < n;) {
			size_t j = i + 1;
			while (j < n && sql__value_cmp(rows[i].v[0],
						       rows[j].v[0]) == 0) {
				j++;
			}
			if (j - i > best_len) {
				best = i;
				best_len = j - i;
			}
			i = j;
		}
		sqlite3_result_value(ctx, rows[best].v[0]);
	}
	ordset_free(g);
}

int sql__ordset_register(struct sqlite3 *db)
{
	static const struct {
		const char *name;
		int n_args;
		char kind;
	} aggs[] = {
		{ "pg_percentile_cont", 3, 'c' },
		{ "pg_percentile_disc", 3, 'd' },
		{ "pg_mode", 2, 'm' },
	};
	int rc = SQLITE_OK;
	for (size_t i = 0; i < TR_ARRAY_LEN(aggs) && rc == SQLITE_OK; i++) {
		rc = sqlite3_create_function_v2(
			db, aggs[i].name, aggs[i].n_args,
			SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC,
			(void *)(intptr_t)aggs[i].kind, NULL, ordset_step,
			ordset_final, NULL);
	}
	return rc;
}
