/*
 * sql/aggrows.c: the rows an ordered aggregate keeps.
 *
 * SQLite 3.40 has no ORDER BY inside an aggregate, so string_agg,
 * array_agg (functions.c) and the json aggregates (json.c) copy each
 * row's values and sort them, stably, when the result is made.  Sort
 * keys are values of the row from a given position on, each with a
 * direction letter: 'a' ASC NULLS LAST, 'A' ASC NULLS FIRST, 'd' DESC
 * NULLS FIRST, 'D' DESC NULLS LAST (PostgreSQL's defaults are 'a' and
 * 'd').
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

void *sql__agg_state(struct sqlite3_context *ctx, size_t size, bool create)
{
	void **p = sqlite3_aggregate_context(ctx, create ? sizeof *p : 0);
	if (p == NULL) {
		return NULL;
	}
	if (*p == NULL && create) {
		*p = sqlite3_malloc64(size);
		if (*p != NULL) {
			memset(*p, 0, size);
		}
	}
	return *p;
}

enum sql__agg_add sql__agg_rows_add(struct sql__agg_rows *r, int nv,
				    sqlite3_value **argv, size_t max_bytes)
{
	if (r->n == 0 && r->cap == 0) {
		r->nv = nv;
	}
	if (nv != r->nv) {
		return SQL__AGG_BAD;
	}
	if (r->n == r->cap) {
		size_t ncap = r->cap == 0 ? 16 : r->cap * 2;
		struct sql__agg_row *nr = sqlite3_realloc64(r->rows,
							    ncap * sizeof *nr);
		if (nr == NULL) {
			return SQL__AGG_NOMEM;
		}
		r->rows = nr;
		r->cap = ncap;
	}
	struct sql__agg_row *row = &r->rows[r->n];
	row->seq = r->n;
	row->v = sqlite3_malloc64((size_t)nv * sizeof *row->v);
	if (row->v == NULL) {
		return SQL__AGG_NOMEM;
	}
	for (int k = 0; k < nv; k++) {
		row->v[k] = sqlite3_value_dup(argv[k]);
		r->bytes += (size_t)sqlite3_value_bytes(argv[k]) + 16;
		if (row->v[k] == NULL) {
			for (int i = 0; i < k; i++) {
				sqlite3_value_free(row->v[i]);
			}
			sqlite3_free(row->v);
			return SQL__AGG_NOMEM;
		}
	}
	r->n++;
	return r->bytes > max_bytes ? SQL__AGG_TOOBIG : SQL__AGG_OK;
}

void sql__agg_rows_free(struct sql__agg_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		for (int k = 0; k < r->nv; k++) {
			sqlite3_value_free(r->rows[i].v[k]);
		}
		sqlite3_free(r->rows[i].v);
	}
	sqlite3_free(r->rows);
	memset(r, 0, sizeof *r);
}

int sql__value_cmp(sqlite3_value *x, sqlite3_value *y)
{
	int tx = sqlite3_value_type(x), ty = sqlite3_value_type(y);
	int cx = tx == SQLITE_INTEGER || tx == SQLITE_FLOAT ? 1
		 : tx == SQLITE_TEXT                        ? 2
		 : tx == SQLITE_BLOB                        ? 3
							    : 0;
	int cy = ty == SQLITE_INTEGER || ty == SQLITE_FLOAT ? 1
		 : ty == SQLITE_TEXT                        ? 2
		 : ty == SQLITE_BLOB                        ? 3
							    : 0;
	if (cx != cy) {
		return cx < cy ? -1 : 1;
	}
	if (cx == 1) {
		if (tx == SQLITE_INTEGER && ty == SQLITE_INTEGER) {
			sqlite3_int64 a = sqlite3_value_int64(x);
			sqlite3_int64 b = sqlite3_value_int64(y);
			return a < b ? -1 : a > b;
		}
		double a = sqlite3_value_double(x), b = sqlite3_value_double(y);
		return a < b ? -1 : a > b;
	}
	if (cx >= 2) {
		const void *a = cx == 2 ? (const void *)sqlite3_value_text(x)
					: sqlite3_value_blob(x);
		const void *b = cx == 2 ? (const void *)sqlite3_value_text(y)
					: sqlite3_value_blob(y);
		int la = sqlite3_value_bytes(x), lb = sqlite3_value_bytes(y);
		int c = memcmp(a != NULL ? a : "", b != NULL ? b : "",
			       (size_t)(la < lb ? la : lb));
		return c != 0 ? c : (la < lb ? -1 : la > lb);
	}
	return 0;
}

/* qsort has no context argument: the comparison reads it from here
 * (thread-local: connections run on several threads). */
struct sort_ctx {
	int first_key, nv;
	const char *dirs;
};

static _Thread_local const struct sort_ctx *sorting;

static int row_cmp(const void *x, const void *y)
{
	const struct sql__agg_row *a = x, *b = y;
	for (int k = sorting->first_key; k < sorting->nv; k++) {
		char d = sorting->dirs[k - sorting->first_key];
		sqlite3_value *u = a->v[k], *w = b->v[k];
		bool nu = sqlite3_value_type(u) == SQLITE_NULL;
		bool nw = sqlite3_value_type(w) == SQLITE_NULL;
		if (nu || nw) {
			if (nu && nw) {
				continue;
			}
			bool nulls_first = d == 'A' || d == 'd';
			return nu == nulls_first ? -1 : 1;
		}
		int c = sql__value_cmp(u, w);
		if (c != 0) {
			return d == 'd' || d == 'D' ? -c : c;
		}
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void sql__agg_rows_sort(struct sql__agg_rows *r, int first_key,
			const char *dirs)
{
	if (first_key >= r->nv || r->n < 2) {
		return;
	}
	struct sort_ctx sc = { first_key, r->nv, dirs };
	const struct sort_ctx *saved = sorting;
	sorting = &sc;
	qsort(r->rows, r->n, sizeof *r->rows, row_cmp);
	sorting = saved;
}
