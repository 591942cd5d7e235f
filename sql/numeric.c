/*
 * sql/numeric.c: numeric display scale, range checks for numbers.
 *
 *   sql_typmod_wire          the typmod a client may see
 *   sql_format_text_mod      sql_format_text with the column's typmod
 *   sql_format_binary_mod    sql_format_binary with the column's typmod
 *   sql__numeric_*           typmods of computed numerics, rendering
 *   sql__numeric_register    pg_int_chk, pg_numeric_chk (SQLite C
 *                            functions)
 *
 * Why the scale lives in the typmod.  numeric is stored as SQLite
 * INTEGER or REAL (sql-translation.md §6.1): SQLite's own arithmetic,
 * comparisons, sorting and aggregates keep working, and int4-only
 * workloads (pgbench) pay nothing.  What a double cannot say is
 * PostgreSQL's display scale ('7'::numeric(5,2) is 7.00, sum() of a
 * numeric(10,2) column 400.50).  That scale is a static property of
 * the expression almost everywhere, so the translator's type inference
 * (sql__infer) carries it in the typmod and the executor renders each
 * value with it:
 *
 *   - numeric(p,s): PostgreSQL's typmod ((p << 16) | s) + 4; scale s;
 *   - a display-only scale: precision 0, which PostgreSQL never uses:
 *     4 + s (a literal 1.50, a + b, sum(x), round(x, 2));
 *   - a quotient (a / b, avg): 4 + 0x8000 + the operands' largest
 *     scale; the scale is then chosen per value as PostgreSQL's
 *     select_div_scale does: 16 significant digits, counted in its
 *     base-10000 digits, and at least the operands' scales.
 *
 * sql_typmod_wire turns the private forms into -1 before a typmod
 * reaches a client (PostgreSQL reports -1 for computed numerics).
 * Storing numeric as decimal text with C arithmetic would be exact but
 * would break SQLite's comparisons between text and numbers and slow
 * every arithmetic expression; the cost of this choice is that digits
 * beyond a double's 17 are not exact.  Where a quotient goes straight
 * to the client (an item of the statement's own select list), it is
 * computed exactly and arrives as decimal text with its scale
 * (decimal.c), printed as it is: 1::numeric / 3 is twenty 3s there,
 * 0.33333333333333330000 inside a larger expression.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

#define DIV_FLAG  0x8000
#define MAX_SCALE 1000

int32_t sql__numeric_scale_typmod(int scale)
{
	if (scale < 0) {
		return -1;
	}
	return 4 + (scale > MAX_SCALE ? MAX_SCALE : scale);
}

int32_t sql__numeric_div_typmod(int min_scale)
{
	if (min_scale < 0) {
		min_scale = 0;
	}
	return 4 + DIV_FLAG + (min_scale > MAX_SCALE ? MAX_SCALE : min_scale);
}

int sql__numeric_typmod_scale(int32_t typmod, bool *div)
{
	*div = false;
	if (typmod < 4) {
		return -1;
	}
	uint32_t m = (uint32_t)typmod - 4;
	if ((m >> 16) == 0) {
		*div = (m & DIV_FLAG) != 0;
		return (int)(m & ~(uint32_t)DIV_FLAG);
	}
	/* PostgreSQL 15: an 11-bit signed scale (negative scales round to
	 * tens, hundreds..., and display no decimals). */
	int s = (int)(m & 0x7ff);
	if (s & 0x400) {
		return 0;
	}
	return s;
}

/* Scale of an operand of numeric arithmetic: integers 0, numerics
 * their typmod's static scale; -1 if unknown (or per value). */
static int operand_scale(uint32_t oid, int32_t typmod)
{
	if (oid == SQL_OID_INT2 || oid == SQL_OID_INT4 ||
	    oid == SQL_OID_INT8) {
		return 0;
	}
	bool div = false;
	int s = oid == SQL_OID_NUMERIC ? sql__numeric_typmod_scale(typmod, &div)
				       : -1;
	return div ? -1 : s;
}

int32_t sql__numeric_arith_typmod(char op, uint32_t l, int32_t ltm,
				  uint32_t r, int32_t rtm)
{
	int ls = operand_scale(l, ltm), rs = operand_scale(r, rtm);
	if (ls < 0 || rs < 0) {
		return -1;
	}
	switch (op) {
	case '+':
	case '-':
	case '%':
		return sql__numeric_scale_typmod(ls > rs ? ls : rs);
	case '*':
		return sql__numeric_scale_typmod(ls + rs);
	case '/':
		return sql__numeric_div_typmod(ls > rs ? ls : rs);
	default:
		return -1;
	}
}

int32_t sql__numeric_keep_scale(uint32_t oid, int32_t typmod)
{
	return sql__numeric_scale_typmod(operand_scale(oid, typmod));
}

int32_t sql_typmod_wire(uint32_t oid, int32_t typmod)
{
	if ((oid == SQL_OID_NUMERIC ||
	     sql__array_elem(oid) == SQL_OID_NUMERIC) &&
	    typmod >= 4 &&
	    (((uint32_t)typmod - 4) >> 16) == 0) {
		return -1;
	}
	return typmod;
}

/* ---------------------------------------------------------------------
 * Decimal digits of a stored value
 * ------------------------------------------------------------------- */

/* A number as sign, digits (no leading zeros; "" for zero) and the
 * power of ten of the last digit. */
struct dec {
	bool neg;
	int n;
	int exp10;
	char d[48];
};

/* The shortest decimal that reads back as @v (finite). */
static void dec_from_double(double v, struct dec *out)
{
	char buf[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v) {
			break;
		}
	}
	const char *p = buf;
	out->neg = *p == '-';
	p += out->neg;
	out->n = 0;
	int frac = 0;
	bool point = false;
	for (; *p != 'e' && *p != '\0'; p++) {
		if (*p == '.') {
			point = true;
			continue;
		}
		out->d[out->n++] = *p;
		frac += point;
	}
	out->d[out->n] = '\0';
	int e = *p == 'e' ? atoi(p + 1) : 0;
	out->exp10 = e - frac;
}

/* Drop leading zeros (the value 0 has no digits). */
static void dec_trim(struct dec *x)
{
	int z = 0;
	while (z < x->n && x->d[z] == '0') {
		z++;
	}
	memmove(x->d, x->d + z, (size_t)(x->n - z) + 1);
	x->n -= z;
	if (x->n == 0) {
		x->neg = false;
	}
}

/* Text in numeric's input syntax (no NaN or infinity). */
static bool dec_from_text(const char *s, size_t len, struct dec *out)
{
	const char *end = s + len;
	while (s < end && *s == ' ') {
		s++;
	}
	while (end > s && end[-1] == ' ') {
		end--;
	}
	out->neg = false;
	if (s < end && (*s == '-' || *s == '+')) {
		out->neg = *s == '-';
		s++;
	}
	out->n = 0;
	int frac = 0;
	bool point = false, any = false;
	for (; s < end && ((*s >= '0' && *s <= '9') || (*s == '.' && !point));
	     s++) {
		if (*s == '.') {
			point = true;
			continue;
		}
		any = true;
		if (out->n == 0 && *s == '0') {
			frac += point; /* leading zero: only moves the point */
			continue;
		}
		if (out->n >= 40) {
			return false;
		}
		out->d[out->n++] = *s;
		frac += point;
	}
	out->d[out->n] = '\0';
	int e = 0;
	if (s < end && (*s == 'e' || *s == 'E')) {
		char *stop;
		errno = 0;
		long v = strtol(s + 1, &stop, 10);
		if (stop == s + 1 || errno != 0 || v > 100000 || v < -100000) {
			return false;
		}
		e = (int)v;
		s = stop;
	}
	if (!any || s != end) {
		return false;
	}
	out->exp10 = e - frac;
	dec_trim(out);
	return true;
}

static bool dec_from_value(const struct sql_value *v, struct dec *out)
{
	switch (v->type) {
	case SQL_VALUE_INTEGER: {
		uint64_t u = v->integer < 0 ? (uint64_t)0 - (uint64_t)v->integer
					    : (uint64_t)v->integer;
		out->neg = v->integer < 0;
		out->n = snprintf(out->d, sizeof out->d, "%llu",
				  (unsigned long long)u);
		out->exp10 = 0;
		dec_trim(out);
		return true;
	}
	case SQL_VALUE_FLOAT:
		if (!isfinite(v->real)) {
			return false;
		}
		dec_from_double(v->real, out);
		dec_trim(out);
		return true;
	case SQL_VALUE_TEXT:
		return dec_from_text(v->p, v->len, out);
	default:
		return false;
	}
}

/* Round @x half away from zero to @scale decimals (numeric's rule). */
static void dec_round(struct dec *x, int scale)
{
	int drop = -scale - x->exp10;
	if (drop <= 0 || x->n == 0) {
		return;
	}
	int keep = x->n - drop;
	bool up = keep >= 0 && keep < x->n && x->d[keep] >= '5';
	if (keep <= 0) {
		x->n = 0;
		x->d[0] = '\0';
		if (up) {
			x->d[0] = '1';
			x->d[1] = '\0';
			x->n = 1;
		}
		x->exp10 = -scale;
		x->neg = x->neg && x->n > 0;
		return;
	}
	x->n = keep;
	x->d[keep] = '\0';
	x->exp10 = -scale;
	if (up) {
		int i = keep - 1;
		while (i >= 0 && x->d[i] == '9') {
			x->d[i--] = '0';
		}
		if (i >= 0) {
			x->d[i]++;
		} else {
			memmove(x->d + 1, x->d, (size_t)x->n + 1);
			x->d[0] = '1';
			x->n++;
		}
	}
	dec_trim(x);
}

/* PostgreSQL's select_div_scale, estimated from the quotient: 16
 * significant digits from its first base-10000 digit. */
static int div_scale(const struct dec *x, int min_scale)
{
	int rscale = 20; /* zero: weight 0 over a divisor of weight 0 */
	if (x->n > 0) {
		int top = x->exp10 + x->n - 1;
		int weight = top >= 0 ? top / 4 : -((-top + 3) / 4);
		rscale = 16 - 4 * weight;
	}
	if (rscale < min_scale) {
		rscale = min_scale;
	}
	return rscale < 0 ? 0 : rscale > MAX_SCALE ? MAX_SCALE : rscale;
}

int sql__numeric_render(const struct sql_value *v, int scale, bool div,
			char *buf, size_t cap)
{
	struct dec x;
	if (!dec_from_value(v, &x)) {
		return -1;
	}
	if (div) {
		scale = div_scale(&x, scale);
	}
	dec_round(&x, scale);
	int top = x.n > 0 ? x.exp10 + x.n - 1 : 0;
	if (top < 0) {
		top = 0;
	}
	size_t need = (size_t)top + (size_t)scale + 4;
	if (need > cap) {
		return -1;
	}
	size_t o = 0;
	if (x.neg) {
		buf[o++] = '-';
	}
	for (int q = top; q >= -scale; q--) {
		int i = x.n - 1 - (q - x.exp10);
		buf[o++] = i >= 0 && i < x.n ? x.d[i] : '0';
		if (q == 0 && scale > 0) {
			buf[o++] = '.';
		}
	}
	buf[o] = '\0';
	return (int)o;
}

/* @v rendered with the scale @typmod gives, as a TEXT value in @buf;
 * false if the typmod has no scale or @v is not a finite number. */
static bool scaled_value(uint32_t oid, int32_t typmod,
			 const struct sql_value *v, char *buf, size_t cap,
			 struct sql_value *out)
{
	bool div;
	int scale;
	if (oid != SQL_OID_NUMERIC || v->type == SQL_VALUE_NULL ||
	    (scale = sql__numeric_typmod_scale(typmod, &div)) < 0) {
		return false;
	}
	if (div && v->type == SQL_VALUE_TEXT) {
		/* An exact quotient (decimal.c) has its scale already. */
		return false;
	}
	int n = sql__numeric_render(v, scale, div, buf, cap);
	if (n < 0) {
		return false;
	}
	*out = (struct sql_value){ .type = SQL_VALUE_TEXT,
				   .p = buf,
				   .len = (size_t)n };
	return true;
}

bool sql_format_text_mod(uint32_t type_oid, int32_t typmod,
			 const struct sql_value *v, struct tr_buf *out)
{
	char buf[1100];
	struct sql_value s;
	if (sql__array_elem(type_oid) == SQL_OID_NUMERIC && typmod != -1 &&
	    v->type != SQL_VALUE_NULL) {
		/* Each element with the display scale. */
		sql__array_format_text_mod(type_oid, typmod, v, out);
		return true;
	}
	if (scaled_value(type_oid, typmod, v, buf, sizeof buf, &s)) {
		tr_buf_put(out, buf, s.len);
		return true;
	}
	return sql_format_text(type_oid, v, out);
}

bool sql_format_binary_mod(uint32_t type_oid, int32_t typmod,
			   const struct sql_value *v, struct tr_buf *out)
{
	/* The binary encoder reads digits and scale from decimal text. */
	char buf[1100];
	struct sql_value s;
	if (scaled_value(type_oid, typmod, v, buf, sizeof buf, &s)) {
		return sql_format_binary(type_oid, &s, out);
	}
	return sql_format_binary(type_oid, v, out);
}

/* ---------------------------------------------------------------------
 * SQLite functions
 * ------------------------------------------------------------------- */

static const char *int_name(int width)
{
	return width == 2 ? "smallint" : width == 4 ? "integer" : "bigint";
}

static bool int_fits(int64_t v, int width)
{
	return width == 2   ? v >= -32768 && v <= 32767
	       : width == 4 ? v >= INT32_MIN && v <= INT32_MAX
			    : true;
}

static void out_of_range(sqlite3_context *ctx, int width)
{
	char msg[64];
	snprintf(msg, sizeof msg, "22003: %s out of range", int_name(width));
	sqlite3_result_error(ctx, msg, -1);
}

/*
 * pg_int_chk(x, width): the result of integer arithmetic on operands
 * of @width bytes (2, 4, 8), refused with 22003 when it does not fit.
 * SQLite turns an overflowing int64 result into a REAL: that is
 * bigint's overflow.
 */
static void fn_int_chk(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	int width = sqlite3_value_int(argv[1]);
	switch (sqlite3_value_type(argv[0])) {
	case SQLITE_INTEGER:
		if (!int_fits(sqlite3_value_int64(argv[0]), width)) {
			out_of_range(ctx, width);
			return;
		}
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_value_double(argv[0]);
		if (!(fabs(d) < 9.2233720368547758e18) ||
		    (width < 8 && !int_fits((int64_t)d, width))) {
			out_of_range(ctx, width);
			return;
		}
		break;
	}
	default:
		break;
	}
	sqlite3_result_value(ctx, argv[0]);
}

/*
 * @v rounded to numeric(@prec, @scale) into @x; false with the error
 * set on @ctx when it does not fit or is not a number.
 */
static bool numeric_fit(sqlite3_context *ctx, sqlite3_value *v, int prec,
			int scale, struct dec *x)
{
	struct sql_value sv = { .type = SQL_VALUE_NULL };
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		sv.type = SQL_VALUE_INTEGER;
		sv.integer = sqlite3_value_int64(v);
		break;
	case SQLITE_FLOAT:
		sv.type = SQL_VALUE_FLOAT;
		sv.real = sqlite3_value_double(v);
		break;
	default:
		sv.type = SQL_VALUE_TEXT;
		sv.p = sqlite3_value_text(v);
		sv.len = (size_t)sqlite3_value_bytes(v);
		break;
	}
	if (sv.type == SQL_VALUE_FLOAT && !isfinite(sv.real)) {
		sqlite3_result_error(ctx,
				     "22003: numeric field overflow", -1);
		return false;
	}
	if (sv.p == NULL && sv.type == SQL_VALUE_TEXT) {
		sv.p = "";
	}
	if (!dec_from_value(&sv, x)) {
		char msg[160];
		snprintf(msg, sizeof msg,
			 "22P02: invalid input syntax for type numeric: "
			 "\"%.80s\"",
			 (const char *)sqlite3_value_text(v));
		sqlite3_result_error(ctx, msg, -1);
		return false;
	}
	dec_round(x, scale);
	/* Digits left of the point must be fewer than prec - scale. */
	int top = x->n > 0 ? x->exp10 + x->n - 1 : -1;
	if (top >= prec - scale) {
		char msg[200];
		snprintf(msg, sizeof msg, "22003: numeric field overflow");
		sqlite3_result_error(ctx, msg, -1);
		return false;
	}
	return true;
}

/* pg_numeric_chk(x, p, s): x rounded to numeric(p,s); 22003 if it does
 * not fit.  An integer comes back as INTEGER, anything else as REAL. */
static void fn_numeric_chk(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_TEXT &&
	    sqlite3_strnicmp((const char *)sqlite3_value_text(argv[0]), "NaN",
			     4) == 0) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	struct dec x;
	if (!numeric_fit(ctx, argv[0], sqlite3_value_int(argv[1]),
			 sqlite3_value_int(argv[2]), &x)) {
		return;
	}
	char buf[64];
	snprintf(buf, sizeof buf, "%s%se%d", x.neg ? "-" : "",
		 x.n > 0 ? x.d : "0", x.exp10);
	double d = strtod(buf, NULL);
	if (x.exp10 >= 0 && fabs(d) < 9.2e18) {
		sqlite3_result_int64(ctx, (sqlite3_int64)d);
	} else {
		sqlite3_result_double(ctx, d);
	}
}

int sql__numeric_register(struct sqlite3 *db)
{
	static const struct {
		const char *name;
		int n_args;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{ "pg_int_chk", 2, fn_int_chk },
		{ "pg_numeric_chk", 3, fn_numeric_chk },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(fns); i++) {
		int rc = sqlite3_create_function_v2(
			db, fns[i].name, fns[i].n_args,
			SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC,
			NULL, fns[i].fn, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			return rc;
		}
	}
	return sql__decimal_register(db); /* decimal.c */
}
