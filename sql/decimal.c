/*
 * sql/decimal.c: exact decimal arithmetic for the numeric results a
 * double cannot hold, where they go straight to the client.
 *
 *   pg_num_div(a, b, sa, sb)  a / b as PostgreSQL's numeric_div: the
 *                          scale of select_div_scale, rounded half
 *                          away from zero
 *   pg_num_avg(x[, s])     avg of integers or numerics (aggregate and
 *                          window function), the sum kept exact
 *   pg_num_log(b, x, sb, sx)  log(b, x) of numerics, log_var's scale
 *   pg_num_math(x, s, op)  sqrt, exp and ln of a numeric
 *   collation pg_num       decimal text ordered by value
 *
 * Why only there.  numeric is stored as a SQLite INTEGER or REAL
 * (numeric.c).  A quotient such as 1::numeric / 3 has twenty
 * significant digits in PostgreSQL, more than a double holds.  These
 * functions return the exact digits as TEXT (0.33333333333333333333),
 * which numeric.c prints as they are.  A TEXT value anywhere else
 * would be wrong in SQLite: any TEXT compares greater than any number,
 * and TEXT sorts as text.  So the translator calls them only at the
 * root of an item of the statement's own select list (e->exact,
 * query.c), whose value goes to the client unchanged, and gives that
 * item COLLATE pg_num, which ORDER BY and DISTINCT naming the item
 * use.  Everywhere else division and avg stay double arithmetic.
 *
 * Operands: an INTEGER is exact; a REAL is read as the shortest
 * decimal that reads back as it (a stored 12345.679 is the decimal
 * 12345.679); TEXT in numeric's syntax is exact (the translator passes
 * literals as text).  NaN and the infinities follow PostgreSQL.  A
 * value past DEC_MAX digits falls back to double arithmetic, returned
 * as REAL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

#define DEC_MAX       1100 /* digits of one number */
#define MIN_SIG       16   /* NUMERIC_MIN_SIG_DIGITS */
#define MAX_DSCALE    1000 /* NUMERIC_MAX_DISPLAY_SCALE */
#define SCALE_BUCKETS 40

/* ±(d[n-1] ... d[0]) x 10^exp; d[0] least significant, no zero at
 * either end; n == 0 for zero. */
struct dnum {
	bool neg;
	int exp;
	int n;
	uint8_t d[DEC_MAX];
};

/* What a value is besides a finite number. */
enum kind { K_NUM, K_NAN, K_PINF, K_MINF, K_BAD };

static int floor_div4(int v)
{
	return v >= 0 ? v / 4 : -((-v + 3) / 4);
}

static int digit_at(const struct dnum *x, int pw)
{
	int i = pw - x->exp;
	return i >= 0 && i < x->n ? x->d[i] : 0;
}

/* Drop zeros at both ends. */
static void dn_norm(struct dnum *x)
{
	while (x->n > 0 && x->d[x->n - 1] == 0) {
		x->n--;
	}
	int z = 0;
	while (z < x->n && x->d[z] == 0) {
		z++;
	}
	if (z > 0) {
		memmove(x->d, x->d + z, (size_t)(x->n - z));
		x->n -= z;
		x->exp += z;
	}
	if (x->n == 0) {
		x->neg = false;
		x->exp = 0;
	}
}

/*
 * @s (@len bytes) in numeric's input syntax into @x; @scale its
 * display scale (decimals written, less a positive exponent).
 */
static enum kind dn_parse(const char *s, size_t len, struct dnum *x, int *scale)
{
	const char *end = s + len;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\n')) {
		s++;
	}
	while (end > s &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n')) {
		end--;
	}
	size_t n = (size_t)(end - s);
	if (n == 3 && strncasecmp(s, "nan", 3) == 0) {
		return K_NAN;
	}
	x->neg = false;
	if (s < end && (*s == '-' || *s == '+')) {
		x->neg = *s == '-';
		s++;
		n--;
	}
	if ((n == 3 && strncasecmp(s, "inf", 3) == 0) ||
	    (n == 8 && strncasecmp(s, "infinity", 8) == 0)) {
		return x->neg ? K_MINF : K_PINF;
	}
	/* Digits, most significant first, into d; reversed below. */
	x->n = 0;
	int frac = 0;
	bool point = false, any = false;
	for (; s < end && ((*s >= '0' && *s <= '9') || (*s == '.' && !point));
	     s++) {
		if (*s == '.') {
			point = true;
			continue;
		}
		any = true;
		frac += point;
		if (x->n == 0 && *s == '0') {
			continue; /* a leading zero */
		}
		if (x->n >= DEC_MAX) {
			return K_BAD;
		}
		x->d[x->n++] = (uint8_t)(*s - '0');
	}
	long e = 0;
	if (any && s < end && (*s == 'e' || *s == 'E')) {
		char buf[16];
		size_t k = (size_t)(end - s - 1);
		if (k == 0 || k >= sizeof buf) {
			return K_BAD;
		}
		memcpy(buf, s + 1, k);
		buf[k] = '\0';
		char *stop;
		e = strtol(buf, &stop, 10);
		if (*stop != '\0' || e > 100000 || e < -100000) {
			return K_BAD;
		}
		s = end;
	}
	if (!any || s != end) {
		return K_BAD;
	}
	for (int i = 0, j = x->n - 1; i < j; i++, j--) {
		uint8_t t = x->d[i];
		x->d[i] = x->d[j];
		x->d[j] = t;
	}
	x->exp = (int)e - frac;
	*scale = x->exp < 0 ? -x->exp : 0;
	dn_norm(x);
	return K_NUM;
}

/*
 * @r as the decimal m x 10^-k with the fewest decimals k that reads
 * back as @r, when |m| < 10^15 (the common case: money, measures):
 * no text formatting.  Below 10^15 the decimal grid is coarser than
 * the doubles, so at most one m per k reads back, and the product
 * r x 10^k is within 0.11 of it, so rounding finds it.  false: use
 * the general way.
 */
static bool dn_from_short_double(double r, struct dnum *x, int *scale)
{
	static const double pow10[] = { 1e0,  1e1,  1e2,  1e3, 1e4,  1e5,
					1e6,  1e7,  1e8,  1e9, 1e10, 1e11,
					1e12, 1e13, 1e14, 1e15 };
	double a = fabs(r);
	if (!(a < 1e15)) {
		return false;
	}
	for (int k = 0; k < 16; k++) {
		double m = nearbyint(a * pow10[k]);
		if (m >= 1e15) {
			return false;
		}
		if (m / pow10[k] == a) {
			uint64_t u = (uint64_t)m;
			x->neg = r < 0;
			x->exp = -k;
			x->n = 0;
			for (; u > 0; u /= 10) {
				x->d[x->n++] = (uint8_t)(u % 10);
			}
			*scale = k;
			dn_norm(x);
			return true;
		}
	}
	return false;
}

static enum kind dn_from_value(sqlite3_value *v, struct dnum *x, int *scale)
{
	char buf[40];
	*scale = 0;
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER: {
		sqlite3_int64 i = sqlite3_value_int64(v);
		uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
		x->neg = i < 0;
		x->exp = 0;
		x->n = 0;
		for (; u > 0; u /= 10) {
			x->d[x->n++] = (uint8_t)(u % 10);
		}
		dn_norm(x);
		return K_NUM;
	}
	case SQLITE_FLOAT: {
		double r = sqlite3_value_double(v);
		if (isnan(r)) {
			return K_NAN;
		}
		if (isinf(r)) {
			return r > 0 ? K_PINF : K_MINF;
		}
		if (dn_from_short_double(r, x, scale)) {
			return K_NUM;
		}
		/* The shortest decimal that reads back as @r: %g drops
		 * trailing zeros, so 15 digits give any shorter form. */
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, sizeof buf, "%.*g", prec, r);
			if (strtod(buf, NULL) == r) {
				break;
			}
		}
		return dn_parse(buf, strlen(buf), x, scale);
	}
	case SQLITE_TEXT:
		return dn_parse((const char *)sqlite3_value_text(v),
				(size_t)sqlite3_value_bytes(v), x, scale);
	default:
		return K_BAD;
	}
}

/* Compare |a| and |b|. */
static int dn_cmp_mag(const struct dnum *a, const struct dnum *b)
{
	if (a->n == 0 || b->n == 0) {
		return (a->n > 0) - (b->n > 0);
	}
	int ta = a->exp + a->n - 1, tb = b->exp + b->n - 1;
	if (ta != tb) {
		return ta > tb ? 1 : -1;
	}
	int lo = a->exp < b->exp ? a->exp : b->exp;
	for (int pw = ta; pw >= lo; pw--) {
		int da = digit_at(a, pw), db = digit_at(b, pw);
		if (da != db) {
			return da > db ? 1 : -1;
		}
	}
	return 0;
}

/* @acc += @v (or -= with @negate); false when the result would need
 * more than DEC_MAX digits (@acc is then unchanged). */
static bool dn_add(struct dnum *acc, const struct dnum *v, bool negate)
{
	if (v->n == 0) {
		return true;
	}
	bool vneg = v->neg != negate;
	if (acc->n == 0) {
		*acc = *v;
		acc->neg = vneg;
		return true;
	}
	int lo = acc->exp < v->exp ? acc->exp : v->exp;
	int ha = acc->exp + acc->n, hv = v->exp + v->n;
	int hi = ha > hv ? ha : hv;
	if (hi - lo + 1 > DEC_MAX) {
		return false;
	}
	static_assert(sizeof(struct dnum) < 4096, "dnum fits the stack");
	struct dnum r; /* every digit is written below */
	r.exp = lo;
	r.n = hi - lo + 1;
	if (acc->neg == vneg) {
		int carry = 0;
		for (int pw = lo; pw <= hi; pw++) {
			int s = digit_at(acc, pw) + digit_at(v, pw) + carry;
			r.d[pw - lo] = (uint8_t)(s % 10);
			carry = s / 10;
		}
		r.neg = vneg;
	} else {
		const struct dnum *big = acc, *small = v;
		r.neg = acc->neg;
		if (dn_cmp_mag(acc, v) < 0) {
			big = v;
			small = acc;
			r.neg = vneg;
		}
		int borrow = 0;
		for (int pw = lo; pw <= hi; pw++) {
			int s = digit_at(big, pw) - digit_at(small, pw) -
				borrow;
			borrow = s < 0;
			r.d[pw - lo] = (uint8_t)(s + (borrow ? 10 : 0));
		}
	}
	dn_norm(&r);
	acc->neg = r.neg;
	acc->exp = r.exp;
	acc->n = r.n;
	memcpy(acc->d, r.d, (size_t)r.n);
	return true;
}

/* Round @x half away from zero to @scale decimals: a numeric(p,s)
 * value (or any with a static scale) is stored rounded in PostgreSQL,
 * but not in triode. */
static void dn_round(struct dnum *x, int scale)
{
	int k = -scale - x->exp; /* digits to drop */
	if (x->n == 0 || k <= 0) {
		return;
	}
	bool up = k - 1 < x->n && x->d[k - 1] >= 5;
	if (k >= x->n) {
		x->n = 0;
	} else {
		memmove(x->d, x->d + k, (size_t)(x->n - k));
		x->n -= k;
	}
	x->exp = -scale;
	int i = 0;
	while (up && i < x->n && x->d[i] == 9) {
		x->d[i++] = 0;
	}
	if (up && i < x->n) {
		x->d[i]++;
	} else if (up && x->n < DEC_MAX) {
		x->d[x->n++] = 1;
	}
	dn_norm(x);
}

/* PostgreSQL's weight (base-10000 digits) and first base-10000 digit
 * of @x; 0 and 0 for zero. */
static void weight_first(const struct dnum *x, int *weight, int *first)
{
	*weight = 0;
	*first = 0;
	if (x->n == 0) {
		return;
	}
	*weight = floor_div4(x->exp + x->n - 1);
	for (int pw = 4 * *weight + 3; pw >= 4 * *weight; pw--) {
		*first = *first * 10 + digit_at(x, pw);
	}
}

static int clamp_scale(int rscale)
{
	return rscale < 0 ? 0 : rscale > MAX_DSCALE ? MAX_DSCALE : rscale;
}

/* select_div_scale: 16 significant digits of the estimated quotient,
 * at least the operands' display scale @dscale. */
static int div_scale(const struct dnum *a, const struct dnum *b, int dscale)
{
	int w1, f1, w2, f2;
	weight_first(a, &w1, &f1);
	weight_first(b, &w2, &f2);
	int qweight = w1 - w2 - (f1 <= f2);
	int rscale = MIN_SIG - qweight * 4;
	return clamp_scale(rscale > dscale ? rscale : dscale);
}

/*
 * @a / @b (b not zero) rounded half away from zero to @rscale decimals,
 * as text into @out (@cap bytes); its length, or -1 when it would need
 * more digits than that.
 */
static int dn_div_text(const struct dnum *a, const struct dnum *b, int rscale,
		       char *out, size_t cap)
{
	/* a / b x 10^rscale = a.d / b.d x 10^s; one guard digit more. */
	int s = a->exp - b->exp + rscale;
	int num_len = a->n + (s > 0 ? s : 0) + 1;
	int den_len = b->n + (s < 0 ? -s : 0);
	if (num_len > 2 * DEC_MAX ||
	    (size_t)num_len + (size_t)rscale + 8 > cap) {
		return -1;
	}
	char *quo = out + 2; /* room for the sign and a carry digit */
	int qn = 0;
	memset(out, '0', 3);
	if (a->n > 0 && den_len <= num_len && den_len <= 17) {
		/* A denominator below 10^17: the remainder times ten plus
		 * a digit fits 64 bits. */
		uint64_t den = 0, rem = 0;
		for (int k = den_len - 1; k >= 0; k--) {
			int shift = s < 0 ? -s : 0;
			den = den * 10 + (k >= shift ? b->d[k - shift] : 0);
		}
		for (int i = 0; i < num_len; i++) {
			rem = rem * 10 + (i < a->n ? a->d[a->n - 1 - i] : 0);
			quo[qn++] = (char)('0' + rem / den);
			rem %= den;
		}
	} else if (a->n > 0 && den_len <= num_len) {
		/* Long division, one numerator digit at a time; the
		 * remainder stays below the denominator (den_len digits). */
		/* Least significant first; rn digits in use. */
		uint8_t rem[DEC_MAX + 2];
		int rn = 0;
		for (int i = 0; i < num_len; i++) {
			int dig = i < a->n ? a->d[a->n - 1 - i] : 0;
			memmove(rem + 1, rem, (size_t)rn);
			rem[0] = (uint8_t)dig;
			rn++;
			while (rn > 0 && rem[rn - 1] == 0) {
				rn--;
			}
			int qd = 0;
			for (;;) {
				/* rem >= den?  den digit k is b.d[k + s] for
				 * s < 0 (zeros below), else b.d[k]. */
				int shift = s < 0 ? -s : 0;
				int cmp = rn > den_len   ? 1
					  : rn < den_len ? -1
							 : 0;
				for (int k = rn - 1; cmp == 0 && k >= 0; k--) {
					int dk = k >= shift ? b->d[k - shift]
							    : 0;
					cmp = (rem[k] > dk) - (rem[k] < dk);
				}
				if (cmp < 0) {
					break;
				}
				int borrow = 0;
				for (int k = 0; k < rn; k++) {
					int dk = k >= shift && k - shift < b->n
							 ? b->d[k - shift]
							 : 0;
					int t = rem[k] - dk - borrow;
					borrow = t < 0;
					rem[k] = (uint8_t)(t +
							   (borrow ? 10 : 0));
				}
				while (rn > 0 && rem[rn - 1] == 0) {
					rn--;
				}
				qd++;
			}
			quo[qn++] = (char)('0' + qd);
		}
	} else {
		quo[qn++] = '0';
	}
	/* Round on the guard digit, then drop it. */
	bool up = quo[qn - 1] >= '5';
	qn--;
	int i = qn - 1;
	while (up && i >= 0 && quo[i] == '9') {
		quo[i--] = '0';
	}
	if (up && i >= 0) {
		quo[i]++;
	} else if (up) {
		*--quo = '1';
		qn++;
	}
	/* Leading zeros, keeping one before the point. */
	while (qn > rscale + 1 && quo[0] == '0') {
		quo++;
		qn--;
	}
	bool zero = true;
	for (int k = 0; k < qn && zero; k++) {
		zero = quo[k] == '0';
	}
	size_t o = 0;
	if (!zero && a->neg != b->neg) {
		out[o++] = '-';
	}
	/* Integer digits, then the point and rscale decimals (the
	 * quotient may have fewer digits than the decimals). */
	int int_digits = qn - rscale;
	char tmp[2 * DEC_MAX + 8];
	size_t t = 0;
	if (int_digits <= 0) {
		tmp[t++] = '0';
	} else {
		memcpy(tmp + t, quo, (size_t)int_digits);
		t += (size_t)int_digits;
	}
	if (rscale > 0) {
		tmp[t++] = '.';
		for (int k = qn - rscale; k < qn; k++) {
			tmp[t++] = k < 0 ? '0' : quo[k];
		}
	}
	memcpy(out + o, tmp, t);
	o += t;
	out[o] = '\0';
	return (int)o;
}

static void result_special(sqlite3_context *ctx, enum kind k)
{
	sqlite3_result_text(ctx,
			    k == K_NAN    ? "NaN"
			    : k == K_PINF ? "Infinity"
					  : "-Infinity",
			    -1, SQLITE_STATIC);
}

static bool is_zero(const struct dnum *x, enum kind k)
{
	return k == K_NUM && x->n == 0;
}

/* The quotient of finite @a, @b (b not zero) as TEXT; double division
 * when it does not fit. */
static void result_quotient(sqlite3_context *ctx, const struct dnum *a,
			    const struct dnum *b, int dscale, double fa,
			    double fb)
{
	char out[2 * DEC_MAX + 16];
	int n = dn_div_text(a, b, div_scale(a, b, dscale), out, sizeof out);
	if (n < 0) {
		sqlite3_result_double(ctx, fa / fb);
		return;
	}
	sqlite3_result_text(ctx, out, n, SQLITE_TRANSIENT);
}

/* Round finite operands @a, @b to their static scales @sva, @svb (if
 * known, >= 0) and return the larger display scale: static if known,
 * else the written one (@sa, @sb). */
static int operand_scales(struct dnum *a, enum kind ka, int *sa,
			  sqlite3_value *sva, struct dnum *b, enum kind kb,
			  int *sb, sqlite3_value *svb)
{
	int ta = sqlite3_value_int(sva), tb = sqlite3_value_int(svb);
	if (ka == K_NUM && ta >= 0 && ta <= MAX_DSCALE) {
		dn_round(a, ta);
		*sa = ta;
	}
	if (kb == K_NUM && tb >= 0 && tb <= MAX_DSCALE) {
		dn_round(b, tb);
		*sb = tb;
	}
	return *sa > *sb ? *sa : *sb;
}

/* ---------------------------------------------------------------------
 * pg_num_div(a, b, sa, sb): numeric division; @sa, @sb the operands'
 * static display scales (-1 if unknown), to which they are rounded.
 * ------------------------------------------------------------------- */

static void fn_div(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		return;
	}
	static_assert(sizeof(struct dnum) * 2 < 8192, "two dnums fit");
	struct dnum a, b;
	int sa, sb;
	enum kind ka = dn_from_value(argv[0], &a, &sa);
	enum kind kb = dn_from_value(argv[1], &b, &sb);
	int dscale = operand_scales(&a, ka, &sa, argv[2], &b, kb, &sb, argv[3]);
	if (ka == K_NAN || kb == K_NAN) {
		result_special(ctx, K_NAN);
		return;
	}
	if (is_zero(&b, kb)) {
		sqlite3_result_error(ctx, "22012: division by zero", -1);
		return;
	}
	if (ka == K_BAD || kb == K_BAD) {
		double fb = sqlite3_value_double(argv[1]);
		if (fb == 0) {
			sqlite3_result_error(ctx, "22012: division by zero",
					     -1);
			return;
		}
		sqlite3_result_double(ctx, sqlite3_value_double(argv[0]) / fb);
		return;
	}
	if (ka != K_NUM) {
		if (kb != K_NUM) {
			result_special(ctx, K_NAN); /* inf / inf */
			return;
		}
		bool neg = (ka == K_MINF) != b.neg;
		result_special(ctx, neg ? K_MINF : K_PINF);
		return;
	}
	if (kb != K_NUM) {
		sqlite3_result_text(ctx, "0", -1, SQLITE_STATIC);
		return;
	}
	result_quotient(ctx, &a, &b, dscale, sqlite3_value_double(argv[0]),
			sqlite3_value_double(argv[1]));
}

/* ---------------------------------------------------------------------
 * pg_num_avg(x[, s]): avg of integers or numerics, as PostgreSQL's
 * int8_avg and numeric_avg: the exact sum divided by the count, the
 * scale at least the inputs' largest.  A window function too: inverse
 * removes a value, which is why the scales are counted.
 * ------------------------------------------------------------------- */

struct avg_state {
	struct dnum sum;
	int64_t count;
	int64_t n_nan, n_pinf, n_minf;
	/* Inputs per display scale; the last bucket holds the larger
	 * scales, the largest of which is hi_scale. */
	int64_t scales[SCALE_BUCKETS];
	int hi_scale;
	bool lost;   /* the exact sum overflowed: dsum is the answer */
	double dsum; /* the inputs as doubles */
};

static void avg_update(sqlite3_context *ctx, sqlite3_value *v, bool remove)
{
	if (sqlite3_value_type(v) == SQLITE_NULL) {
		return;
	}
	struct avg_state *st = sqlite3_aggregate_context(ctx, sizeof *st);
	if (st == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	int64_t step = remove ? -1 : 1;
	st->count += step;
	st->dsum += remove ? -sqlite3_value_double(v) : sqlite3_value_double(v);
	struct dnum x;
	int scale;
	switch (dn_from_value(v, &x, &scale)) {
	case K_NAN:
		st->n_nan += step;
		return;
	case K_PINF:
		st->n_pinf += step;
		return;
	case K_MINF:
		st->n_minf += step;
		return;
	case K_BAD:
		st->lost = true;
		return;
	case K_NUM:
		break;
	}
	int s = (int)(intptr_t)sqlite3_user_data(ctx) - 1;
	if (s >= 0) {
		dn_round(&x, s); /* the value PostgreSQL stores */
		scale = s;
	}
	if (!st->lost && !dn_add(&st->sum, &x, remove)) {
		st->lost = true;
	}
	int b = scale < SCALE_BUCKETS - 1 ? scale : SCALE_BUCKETS - 1;
	st->scales[b] += step;
	if (scale > st->hi_scale) {
		st->hi_scale = scale;
	}
}

static void avg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	avg_update(ctx, argv[0], false);
}

static void avg_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	avg_update(ctx, argv[0], true);
}

static void avg_result(sqlite3_context *ctx)
{
	struct avg_state *st = sqlite3_aggregate_context(ctx, 0);
	if (st == NULL || st->count <= 0) {
		return; /* NULL: no rows, or only NULLs */
	}
	if (st->n_nan > 0 || (st->n_pinf > 0 && st->n_minf > 0)) {
		result_special(ctx, K_NAN);
		return;
	}
	if (st->n_pinf > 0 || st->n_minf > 0) {
		result_special(ctx, st->n_pinf > 0 ? K_PINF : K_MINF);
		return;
	}
	if (st->lost) {
		sqlite3_result_double(ctx, st->dsum / (double)st->count);
		return;
	}
	int dscale = 0;
	for (int b = SCALE_BUCKETS - 1; b >= 0; b--) {
		if (st->scales[b] > 0) {
			dscale = b < SCALE_BUCKETS - 1 ? b : st->hi_scale;
			break;
		}
	}
	int s = (int)(intptr_t)sqlite3_user_data(ctx) - 1;
	if (s > dscale) {
		dscale = s;
	}
	struct dnum n = { .n = 0 };
	for (uint64_t c = (uint64_t)st->count; c > 0; c /= 10) {
		n.d[n.n++] = (uint8_t)(c % 10);
	}
	dn_norm(&n);
	result_quotient(ctx, &st->sum, &n, dscale, st->dsum, (double)st->count);
}

static void avg_value(sqlite3_context *ctx)
{
	avg_result(ctx);
}

static void avg_final(sqlite3_context *ctx)
{
	avg_result(ctx);
}

/* ---------------------------------------------------------------------
 * pg_num_log(b, x, sb, sx): log(b, x) of numerics (scales as for
 * pg_num_div).  PostgreSQL's log_var
 * computes ln(x) / ln(b) to the scale that gives 16 significant
 * digits; long double logarithms give about 19, enough for those.
 * ------------------------------------------------------------------- */

/* @x (finite, not zero) as a long double. */
static long double dn_to_ld(const struct dnum *x)
{
	char buf[DEC_MAX + 24];
	size_t o = 0;
	if (x->neg) {
		buf[o++] = '-';
	}
	for (int i = x->n - 1; i >= 0; i--) {
		buf[o++] = (char)('0' + x->d[i]);
	}
	snprintf(buf + o, sizeof buf - o, "e%d", x->exp);
	return strtold(buf, NULL);
}

/* ln(@x), @x > 0.  Near 1, ln(1 + d) with d = x - 1 taken exactly:
 * x itself as a long double would lose d's digits. */
static long double dn_ln(const struct dnum *x)
{
	long double v = dn_to_ld(x);
	if (v > 0.5L && v < 2.0L) {
		struct dnum d = *x;
		struct dnum one = { .n = 1, .d = { 1 } };
		if (dn_add(&d, &one, true)) {
			return d.n == 0 ? 0.0L : log1pl(dn_to_ld(&d));
		}
	}
	return logl(v);
}

/* estimate_ln_dweight: the decimal weight of ln(@x), @x > 0. */
static int ln_dweight(const struct dnum *x)
{
	long double v = dn_to_ld(x);
	if (v >= 0.9L && v <= 1.1L) {
		/* ln(1 + d) ~ d: the weight of d's first digit. */
		long double d = fabsl(v - 1.0L);
		return d == 0 ? 0 : (int)floorl(log10l(d));
	}
	/* ln of the first two base-10000 digits, truncated toward zero
	 * as PostgreSQL's (int) cast does. */
	int w, first;
	weight_first(x, &w, &first);
	double digits = first;
	int dweight = w * 4;
	if (x->exp < 4 * w) {
		int second = 0;
		for (int pw = 4 * w - 1; pw >= 4 * w - 4; pw--) {
			second = second * 10 + digit_at(x, pw);
		}
		digits = digits * 10000 + second;
		dweight -= 4;
	}
	double ln = log(digits) + dweight * 2.302585092994046;
	return (int)log10(fabs(ln));
}

static void result_ld(sqlite3_context *ctx, long double r, int rscale);

static void fn_log(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		return;
	}
	struct dnum b, x;
	int sb, sx;
	enum kind kb = dn_from_value(argv[0], &b, &sb);
	enum kind kx = dn_from_value(argv[1], &x, &sx);
	int dscale = operand_scales(&b, kb, &sb, argv[2], &x, kx, &sx, argv[3]);
	if (kb == K_NAN || kx == K_NAN) {
		result_special(ctx, K_NAN);
		return;
	}
	if ((kb == K_NUM && b.n == 0) || (kx == K_NUM && x.n == 0)) {
		sqlite3_result_error(
			ctx, "2201E: cannot take logarithm of zero", -1);
		return;
	}
	if ((kb == K_NUM && b.neg) || (kx == K_NUM && x.neg) || kb == K_MINF ||
	    kx == K_MINF) {
		sqlite3_result_error(
			ctx,
			"2201E: cannot take logarithm of a negative number",
			-1);
		return;
	}
	if (kb != K_NUM || kx != K_NUM) {
		sqlite3_result_double(
			ctx, log(sqlite3_value_double(argv[1])) /
				     log(sqlite3_value_double(argv[0])));
		return;
	}
	long double lb = dn_ln(&b);
	if (lb == 0) {
		sqlite3_result_error(ctx, "22012: division by zero", -1);
		return;
	}
	long double r = dn_ln(&x) / lb;
	int rscale = MIN_SIG - (ln_dweight(&x) - ln_dweight(&b));
	rscale = clamp_scale(rscale > dscale ? rscale : dscale);
	result_ld(ctx, r, rscale);
}

/* ---------------------------------------------------------------------
 * pg_num_math(x, s, op): sqrt ('s'), exp ('e') and ln ('l') of a
 * numeric, to the scale PostgreSQL's numeric_sqrt, numeric_exp and
 * numeric_ln choose (16 significant digits, at least x's scale @s);
 * computed in long double, so results past 18 significant digits
 * come back as the double.
 * ------------------------------------------------------------------- */

/* @r with @rscale decimals as the result, or the double when a long
 * double cannot give that many digits. */
static void result_ld(sqlite3_context *ctx, long double r, int rscale)
{
	int top = r == 0 ? 0 : (int)floorl(log10l(fabsl(r)));
	if (!isfinite((double)r) || rscale + top + 1 > 18) {
		sqlite3_result_double(ctx, (double)r);
		return;
	}
	char out[MAX_DSCALE + 64];
	int n = snprintf(out, sizeof out, "%.*Lf", rscale, r);
	if (n <= 0 || (size_t)n >= sizeof out) {
		sqlite3_result_double(ctx, (double)r);
		return;
	}
	if (out[0] == '-' && strspn(out + 1, "0.") == (size_t)n - 1) {
		/* -0.000...: PostgreSQL prints no sign on zero. */
		sqlite3_result_text(ctx, out + 1, -1, SQLITE_TRANSIENT);
		return;
	}
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static void fn_math(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	int op = sqlite3_value_int(argv[2]);
	struct dnum x;
	int sx;
	enum kind k = dn_from_value(argv[0], &x, &sx);
	int ts = sqlite3_value_int(argv[1]);
	if (k == K_NUM && ts >= 0 && ts <= MAX_DSCALE) {
		dn_round(&x, ts);
		sx = ts;
	}
	if (k == K_NAN) {
		result_special(ctx, K_NAN);
		return;
	}
	if (op == 's' && ((k == K_NUM && x.neg) || k == K_MINF)) {
		sqlite3_result_error(
			ctx,
			"2201F: cannot take square root of a negative number",
			-1);
		return;
	}
	if (op == 'l' && k == K_NUM && x.n == 0) {
		sqlite3_result_error(
			ctx, "2201E: cannot take logarithm of zero", -1);
		return;
	}
	if (op == 'l' && ((k == K_NUM && x.neg) || k == K_MINF)) {
		sqlite3_result_error(
			ctx,
			"2201E: cannot take logarithm of a negative number",
			-1);
		return;
	}
	if (k != K_NUM) {
		/* Infinity: sqrt, exp and ln of it are infinite; exp(-inf)
		 * is 0.  Not a number we can read: the double. */
		if (k == K_PINF || k == K_MINF) {
			if (op == 'e' && k == K_MINF) {
				sqlite3_result_text(ctx, "0", -1,
						    SQLITE_STATIC);
			} else {
				result_special(ctx, K_PINF);
			}
			return;
		}
		double v = sqlite3_value_double(argv[0]);
		sqlite3_result_double(ctx, op == 's'   ? sqrt(v)
					   : op == 'e' ? exp(v)
						       : log(v));
		return;
	}
	long double v = x.n == 0 ? 0 : dn_to_ld(&x);
	long double r;
	int rscale;
	if (op == 's') {
		int w, first;
		weight_first(&x, &w, &first);
		rscale = MIN_SIG - ((w + 1) * 4 / 2 - 1);
		r = sqrtl(v);
	} else if (op == 'e') {
		double dv = (double)v * 0.434294481903252;
		dv = dv < -MAX_DSCALE  ? -MAX_DSCALE
		     : dv > MAX_DSCALE ? MAX_DSCALE
				       : dv;
		rscale = MIN_SIG - (int)dv;
		r = expl(v);
		if (!isfinite((double)r)) {
			sqlite3_result_error(
				ctx, "22003: value overflows numeric format",
				-1);
			return;
		}
	} else {
		rscale = MIN_SIG - ln_dweight(&x);
		r = dn_ln(&x);
	}
	rscale = clamp_scale(rscale > sx ? rscale : sx);
	result_ld(ctx, r, rscale);
}

/* ---------------------------------------------------------------------
 * Collation pg_num: numeric text by value; NaN above everything, as in
 * PostgreSQL; text that is no number after all numbers, bytewise.
 * ------------------------------------------------------------------- */

static int rank(enum kind k, const struct dnum *x)
{
	switch (k) {
	case K_MINF:
		return 0;
	case K_NUM:
		return x->n == 0 ? 2 : x->neg ? 1 : 3;
	case K_PINF:
		return 4;
	case K_NAN:
		return 5;
	default:
		return 6;
	}
}

static int coll_num(void *arg, int la, const void *pa, int lb, const void *pb)
{
	(void)arg;
	struct dnum a, b;
	int s;
	enum kind ka = dn_parse(pa, (size_t)la, &a, &s);
	enum kind kb = dn_parse(pb, (size_t)lb, &b, &s);
	int ra = rank(ka, &a), rb = rank(kb, &b);
	if (ra != rb) {
		return ra < rb ? -1 : 1;
	}
	if (ra == 6) {
		int c = memcmp(pa, pb, (size_t)(la < lb ? la : lb));
		return c != 0 ? c : (la > lb) - (la < lb);
	}
	if (ra == 1 || ra == 3) {
		int c = dn_cmp_mag(&a, &b);
		return ra == 1 ? -c : c;
	}
	return 0;
}

int sql__decimal_register(struct sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC;
	int rc = sqlite3_create_function_v2(db, "pg_num_div", 4, flags, NULL,
					    fn_div, NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function_v2(db, "pg_num_math", 3, flags,
						NULL, fn_math, NULL, NULL,
						NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function_v2(db, "pg_num_log", 4, flags,
						NULL, fn_log, NULL, NULL, NULL);
	}
	/* pg_num_avg(x) (the scale from the values) and pg_num_avgN(x)
	 * for a static scale N up to 40, to which the values are rounded:
	 * one argument, so that DISTINCT works.  User data: N + 1. */
	for (intptr_t s = -1; s <= 40 && rc == SQLITE_OK; s++) {
		char name[32];
		if (s < 0) {
			snprintf(name, sizeof name, "pg_num_avg");
		} else {
			snprintf(name, sizeof name, "pg_num_avg%d", (int)s);
		}
		rc = sqlite3_create_window_function(
			db, name, 1, flags, (void *)(s + 1), avg_step,
			avg_final, avg_value, avg_inverse, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_collation_v2(db, "pg_num", SQLITE_UTF8,
						 NULL, coll_num, NULL);
	}
	return rc;
}
