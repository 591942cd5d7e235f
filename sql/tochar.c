/*
 * sql/tochar.c: PostgreSQL's to_char.
 *
 *   sql__to_char_num       to_char(int2/int4/int8/float4/float8/numeric,
 *                          text): the numeric template patterns
 *   sql__to_char_interval  to_char(interval, text): the date/time
 *                          patterns applied to an interval's fields
 *   sql__to_char_datetime  to_char(timestamp/timestamptz/date, text)
 *
 * All follow PostgreSQL 15's formatting.c to the character, quirks
 * included, because clients compare these strings: the column PostgreSQL
 * keeps for the sign before the first digit, the '#' fill of a value
 * that does not fit, FM dropping padding and trailing zeros (but not the
 * zeros a '0' asks for), RN's 15-column field, an output that stops where
 * PostgreSQL writes a NUL into its buffer (SG after RN, more '9's than a
 * float's digits).
 *
 * Numbers.  The value is first turned into a digit string the way each
 * PostgreSQL type does it: integers exactly, floats with printf's
 * rounding of the binary value and at most DBL_DIG (FLT_DIG) significant
 * digits, numerics as exact decimals rounded half away from zero.  The
 * template is then walked once, each '9', '0', '.' or 'D' consuming the
 * next character of that string.  A numeric arrives as decimal text (its
 * exact digits), an INTEGER or a REAL (read as the shortest decimal that
 * reads back as it).
 *
 * Intervals.  The fields are PostgreSQL's interval2itm split (years and
 * months from the month count, days, then hours that may pass 24,
 * minutes, seconds and microseconds, all with the interval's signs);
 * patterns naming calendar dates (day and month names, D, ID, AD/BC,
 * time zones) are errors, as there.  Timestamps use the same patterns
 * with their calendar (names in the C locale, so TM changes nothing but
 * the padding; the zone is the session's, UTC).
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

/* Largest decimal exponent and scale a numeric may have (PostgreSQL's
 * NUMERIC_MAX_PRECISION-derived limits are larger, but a value past
 * these is not one the catalog can hold). */
#define MAX_POINT 131072
#define MAX_SCALE 16383

static bool set_err(struct sql__tochar_err *err, const char *state,
		    const char *fmt, ...) TR_PRINTF(3, 4);
static bool set_err(struct sql__tochar_err *err, const char *state,
		    const char *fmt, ...)
{
	va_list ap;
	snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	err->detail[0] = '\0';
	err->hint[0] = '\0';
	err->nomem = false;
	return false;
}

static bool set_nomem(struct sql__tochar_err *err)
{
	set_err(err, "53200", "out of memory");
	err->nomem = true;
	return false;
}

/* Output that ends where PostgreSQL's would: it writes into a C string,
 * so a NUL it writes hides everything after it. */
struct out {
	struct tr_buf *b;
	bool ended;
};

static void out_ch(struct out *o, char c)
{
	if (o->ended) {
		return;
	}
	if (c == '\0') {
		o->ended = true;
		return;
	}
	tr_buf_put_u8(o->b, (uint8_t)c);
}

static void out_str(struct out *o, const char *s)
{
	for (; *s != '\0' && !o->ended; s++) {
		tr_buf_put_u8(o->b, (uint8_t)*s);
	}
}

/* st / nd / rd / th for the number whose text ends @s (get_th). */
static bool ordinal(const char *s, bool upper, const char **suffix,
		    struct sql__tochar_err *err)
{
	size_t len = strlen(s);
	char last = len > 0 ? s[len - 1] : '\0';
	if (last < '0' || last > '9') {
		return set_err(err, "22P02", "\"%s\" is not a number", s);
	}
	if (len > 1 && s[len - 2] == '1') {
		last = '0'; /* 11th, 12th, 13th */
	}
	static const char *const up[] = { "ST", "ND", "RD", "TH" };
	static const char *const low[] = { "st", "nd", "rd", "th" };
	int i = last == '1' ? 0 : last == '2' ? 1 : last == '3' ? 2 : 3;
	*suffix = upper ? up[i] : low[i];
	return true;
}

/* ---------------------------------------------------------------------
 * Exact decimals (numeric)
 * ------------------------------------------------------------------- */

/* ±0.d[0]d[1]...d[n-1] x 10^point, d[] digits '0'..'9' without zeros at
 * either end; n == 0 for zero. */
struct dec {
	bool neg;
	int point;
	int n;
	char *d; /* owned, cap bytes */
	int cap;
};

static void dec_trim(struct dec *x)
{
	int lead = 0;
	while (lead < x->n && x->d[lead] == '0') {
		lead++;
	}
	if (lead > 0) {
		memmove(x->d, x->d + lead, (size_t)(x->n - lead));
		x->n -= lead;
		x->point -= lead;
	}
	while (x->n > 0 && x->d[x->n - 1] == '0') {
		x->n--;
	}
	if (x->n == 0) {
		x->neg = false;
		x->point = 0;
	}
}

/* Parse numeric text (sign, digits, point, exponent; leading and
 * trailing spaces).  0: a number, 1 NaN, 2 Infinity, 3 -Infinity, -1
 * not a number, -2 out of memory, -3 out of range. */
static int dec_parse(const char *s, struct dec *x)
{
	while (*s == ' ') {
		s++;
	}
	bool neg = false;
	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		s++;
	}
	if (strncasecmp(s, "nan", 3) == 0 && !neg) {
		return 1;
	}
	if (strncasecmp(s, "infinity", 8) == 0 ||
	    strncasecmp(s, "inf", 3) == 0) {
		return neg ? 3 : 2;
	}
	size_t len = strlen(s);
	if (len > (size_t)MAX_POINT + MAX_SCALE + 64) {
		return -3;
	}
	x->cap = (int)len + 2;
	x->d = tr_malloc((size_t)x->cap);
	if (x->d == NULL) {
		return -2;
	}
	x->neg = neg;
	x->n = 0;
	x->point = 0;
	bool seen_point = false, any = false;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			x->d[x->n++] = *s;
			if (!seen_point) {
				x->point++;
			}
			any = true;
		} else if (*s == '.' && !seen_point) {
			seen_point = true;
		} else {
			break;
		}
	}
	if (!any) {
		return -1;
	}
	if (*s == 'e' || *s == 'E') {
		char *end;
		long e = strtol(s + 1, &end, 10);
		if (end == s + 1) {
			return -1;
		}
		if (e > MAX_POINT || e < -MAX_POINT) {
			return -3;
		}
		x->point += (int)e;
		s = end;
	}
	while (*s == ' ') {
		s++;
	}
	if (*s != '\0') {
		return -1;
	}
	dec_trim(x);
	if (x->point > MAX_POINT || x->point < -MAX_POINT) {
		return -3;
	}
	return 0;
}

/* Round to @scale decimals, half away from zero (round_var). */
static bool dec_round(struct dec *x, int scale)
{
	int keep = x->point + scale;
	if (keep >= x->n) {
		return true;
	}
	if (keep < 0) {
		x->n = 0;
		dec_trim(x);
		return true;
	}
	bool up = x->d[keep] >= '5';
	x->n = keep;
	if (up) {
		int i = keep - 1;
		while (i >= 0 && x->d[i] == '9') {
			x->d[i] = '0';
			i--;
		}
		if (i >= 0) {
			x->d[i]++;
		} else {
			/* Carry out of the top digit. */
			if (x->n + 1 > x->cap) {
				char *nd = tr_realloc(x->d, (size_t)x->n + 1);
				if (nd == NULL) {
					return false;
				}
				x->d = nd;
				x->cap = x->n + 1;
			}
			memmove(x->d + 1, x->d, (size_t)x->n);
			x->d[0] = '1';
			x->n++;
			x->point++;
		}
	}
	dec_trim(x);
	return true;
}

/* The digits of |x| with @scale decimals, as numeric_out prints a value
 * rounded to that scale (no sign). */
static void dec_fixed(const struct dec *x, int scale, struct tr_buf *b)
{
	if (x->point <= 0) {
		tr_buf_put_u8(b, '0');
	}
	for (int i = 0; i < x->point; i++) {
		tr_buf_put_u8(b, (uint8_t)(i < x->n ? x->d[i] : '0'));
	}
	if (scale > 0) {
		tr_buf_put_u8(b, '.');
		for (int q = 0; q < scale; q++) {
			int i = x->point + q;
			tr_buf_put_u8(b, (uint8_t)(i >= 0 && i < x->n ? x->d[i]
								      : '0'));
		}
	}
}

/* numeric_out_sci: d.ddd (rounded to @scale, half away from zero; a
 * carry is not renormalised, 9.99 to one decimal is 10.0) then
 * e±NN. */
static bool dec_sci(struct dec *x, int scale, struct tr_buf *b)
{
	int exponent = x->n == 0 ? 0 : x->point - 1;
	x->point -= exponent;
	if (!dec_round(x, scale)) {
		return false;
	}
	if (x->neg) {
		tr_buf_put_u8(b, '-');
	}
	dec_fixed(x, scale, b);
	tr_buf_printf(b, "e%+03d", exponent);
	return true;
}

/* The shortest decimal text that reads back as @v. */
static void shortest(double v, char *buf, size_t cap)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, v);
		if (strtod(buf, NULL) == v) {
			return;
		}
	}
}

/* PostgreSQL's snprintf for %.*f: NaN and the infinities by name,
 * everything else as the C library rounds it. */
static void pg_fixed(struct tr_buf *b, int prec, double v)
{
	if (isnan(v)) {
		tr_buf_put_str(b, "NaN");
	} else if (isinf(v)) {
		tr_buf_put_str(b, v < 0 ? "-Infinity" : "Infinity");
	} else {
		tr_buf_printf(b, "%.*f", prec, v);
	}
}

/* ---------------------------------------------------------------------
 * Numeric template patterns
 * ------------------------------------------------------------------- */

enum nk {
	NK_COMMA,
	NK_DEC,
	NK_0,
	NK_9,
	NK_B,
	NK_C,
	NK_D,
	NK_E,
	NK_FM,
	NK_G,
	NK_L,
	NK_MI,
	NK_PL,
	NK_PR,
	NK_RN,
	NK_rn,
	NK_SG,
	NK_SP,
	NK_S,
	NK_TH,
	NK_th,
	NK_V,
};

struct kw {
	const char *name;
	int id;
};

/* PostgreSQL's NUM_keywords, in its order (the first match wins). */
static const struct kw num_kws[] = {
	{ ",", NK_COMMA }, { ".", NK_DEC }, { "0", NK_0 },   { "9", NK_9 },
	{ "B", NK_B },     { "C", NK_C },   { "D", NK_D },   { "EEEE", NK_E },
	{ "FM", NK_FM },   { "G", NK_G },   { "L", NK_L },   { "MI", NK_MI },
	{ "PL", NK_PL },   { "PR", NK_PR }, { "RN", NK_RN }, { "SG", NK_SG },
	{ "SP", NK_SP },   { "S", NK_S },   { "TH", NK_TH }, { "V", NK_V },
	{ "b", NK_B },     { "c", NK_C },   { "d", NK_D },   { "eeee", NK_E },
	{ "fm", NK_FM },   { "g", NK_G },   { "l", NK_L },   { "mi", NK_MI },
	{ "pl", NK_PL },   { "pr", NK_PR }, { "rn", NK_rn }, { "sg", NK_SG },
	{ "sp", NK_SP },   { "s", NK_S },   { "th", NK_th }, { "v", NK_V },
};

/* One parsed template item: a pattern (id >= 0) or literal bytes. */
struct node {
	int id; /* -1: literal */
	int suffix;
	const char *lit; /* borrowed from the template */
	int lit_len;
};

static const struct kw *kw_find(const struct kw *kws, size_t n, const char *s,
				size_t left)
{
	if ((unsigned char)*s < 32 || (unsigned char)*s > 126) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(kws[i].name);
		if (l <= left && memcmp(s, kws[i].name, l) == 0) {
			return &kws[i];
		}
	}
	return NULL;
}

/* The bytes of the UTF-8 character at @s (1 for a stray byte). */
static int char_len(const char *s, size_t left)
{
	unsigned char c = (unsigned char)*s;
	int l = c < 0x80    ? 1
		: c >= 0xf0 ? 4
		: c >= 0xe0 ? 3
		: c >= 0xc0 ? 2
			    : 1;
	return (size_t)l <= left ? l : 1;
}

/* NUMDesc */
enum {
	F_DECIMAL = 1 << 1,
	F_LDECIMAL = 1 << 2,
	F_ZERO = 1 << 3,
	F_BLANK = 1 << 4,
	F_FILLMODE = 1 << 5,
	F_LSIGN = 1 << 6,
	F_BRACKET = 1 << 7,
	F_MINUS = 1 << 8,
	F_PLUS = 1 << 9,
	F_ROMAN = 1 << 10,
	F_MULTI = 1 << 11,
	F_PLUS_POST = 1 << 12,
	F_MINUS_POST = 1 << 13,
	F_EEEE = 1 << 14,
};

enum { LSIGN_NONE, LSIGN_PRE, LSIGN_POST };

struct desc {
	int pre, post, lsign, flag, pre_lsign_num, multi, zero_start, zero_end;
};

#define SYNTAX "42601"

/* NUMDesc_prepare: what pattern @id adds to @d, or a syntax error. */
static bool desc_add(struct desc *d, int id, struct sql__tochar_err *err)
{
	if ((d->flag & F_EEEE) && id != NK_E) {
		return set_err(err, SYNTAX,
			       "\"EEEE\" must be the last pattern used");
	}
	switch (id) {
	case NK_9:
		if (d->flag & F_BRACKET) {
			return set_err(err, SYNTAX,
				       "\"9\" must be ahead of \"PR\"");
		}
		if (d->flag & F_MULTI) {
			d->multi++;
		} else if (d->flag & F_DECIMAL) {
			d->post++;
		} else {
			d->pre++;
		}
		break;
	case NK_0:
		if (d->flag & F_BRACKET) {
			return set_err(err, SYNTAX,
				       "\"0\" must be ahead of \"PR\"");
		}
		if (!(d->flag & (F_ZERO | F_DECIMAL))) {
			d->flag |= F_ZERO;
			d->zero_start = d->pre + 1;
		}
		if (d->flag & F_DECIMAL) {
			d->post++;
		} else {
			d->pre++;
		}
		d->zero_end = d->pre + d->post;
		break;
	case NK_B:
		if (d->pre == 0 && d->post == 0 && !(d->flag & F_ZERO)) {
			d->flag |= F_BLANK;
		}
		break;
	case NK_D:
	case NK_DEC:
		if (id == NK_D) {
			d->flag |= F_LDECIMAL;
		}
		if (d->flag & F_DECIMAL) {
			return set_err(err, SYNTAX, "multiple decimal points");
		}
		if (d->flag & F_MULTI) {
			return set_err(err, SYNTAX,
				       "cannot use \"V\" and decimal point "
				       "together");
		}
		d->flag |= F_DECIMAL;
		break;
	case NK_FM:
		d->flag |= F_FILLMODE;
		break;
	case NK_S:
		if (d->flag & F_LSIGN) {
			return set_err(err, SYNTAX, "cannot use \"S\" twice");
		}
		if (d->flag & (F_PLUS | F_MINUS | F_BRACKET)) {
			return set_err(err, SYNTAX,
				       "cannot use \"S\" and "
				       "\"PL\"/\"MI\"/\"SG\"/\"PR\" together");
		}
		if (!(d->flag & F_DECIMAL)) {
			d->lsign = LSIGN_PRE;
			d->pre_lsign_num = d->pre;
			d->flag |= F_LSIGN;
		} else if (d->lsign == LSIGN_NONE) {
			d->lsign = LSIGN_POST;
			d->flag |= F_LSIGN;
		}
		break;
	case NK_MI:
		if (d->flag & F_LSIGN) {
			return set_err(err, SYNTAX,
				       "cannot use \"S\" and \"MI\" together");
		}
		d->flag |= F_MINUS;
		if (d->flag & F_DECIMAL) {
			d->flag |= F_MINUS_POST;
		}
		break;
	case NK_PL:
		if (d->flag & F_LSIGN) {
			return set_err(err, SYNTAX,
				       "cannot use \"S\" and \"PL\" together");
		}
		d->flag |= F_PLUS;
		if (d->flag & F_DECIMAL) {
			d->flag |= F_PLUS_POST;
		}
		break;
	case NK_SG:
		if (d->flag & F_LSIGN) {
			return set_err(err, SYNTAX,
				       "cannot use \"S\" and \"SG\" together");
		}
		d->flag |= F_MINUS | F_PLUS;
		break;
	case NK_PR:
		if (d->flag & (F_LSIGN | F_PLUS | F_MINUS)) {
			return set_err(err, SYNTAX,
				       "cannot use \"PR\" and "
				       "\"S\"/\"PL\"/\"MI\"/\"SG\" together");
		}
		d->flag |= F_BRACKET;
		break;
	case NK_RN:
	case NK_rn:
		d->flag |= F_ROMAN;
		break;
	case NK_V:
		if (d->flag & F_DECIMAL) {
			return set_err(err, SYNTAX,
				       "cannot use \"V\" and decimal point "
				       "together");
		}
		d->flag |= F_MULTI;
		break;
	case NK_E:
		if (d->flag & F_EEEE) {
			return set_err(err, SYNTAX,
				       "cannot use \"EEEE\" twice");
		}
		if (d->flag & (F_BLANK | F_FILLMODE | F_LSIGN | F_BRACKET |
			       F_MINUS | F_PLUS | F_ROMAN | F_MULTI)) {
			set_err(err, SYNTAX,
				"\"EEEE\" is incompatible with other formats");
			snprintf(err->detail, sizeof err->detail,
				 "\"EEEE\" may only be used together with "
				 "digit and decimal point patterns.");
			return false;
		}
		d->flag |= F_EEEE;
		break;
	default:
		break;
	}
	return true;
}

/* Literal text at @f[@i] into @nodes: a quoted "..." run, in which a
 * backslash quotes the next byte, or one character (\" is a quote).
 * Returns where the text after it starts. */
static size_t add_literal(const char *f, size_t len, size_t i,
			  struct node *nodes, int *n)
{
	if (f[i] == '"') {
		for (i++; i < len;) {
			if (f[i] == '"') {
				return i + 1;
			}
			if (f[i] == '\\' && i + 1 < len) {
				i++;
			}
			int cl = char_len(f + i, len - i);
			nodes[(*n)++] = (struct node){ .id = -1,
						       .lit = f + i,
						       .lit_len = cl };
			i += (size_t)cl;
		}
		return i;
	}
	if (f[i] == '\\' && i + 1 < len && f[i + 1] == '"') {
		i++;
	}
	int cl = char_len(f + i, len - i);
	nodes[(*n)++] = (struct node){ .id = -1, .lit = f + i, .lit_len = cl };
	return i + (size_t)cl;
}

/* Split template @f into @nodes (at least @len + 1 of them), filling
 * @d; the count, or -1 on a syntax error. */
static int num_parse(const char *f, size_t len, struct node *nodes,
		     struct desc *d, struct sql__tochar_err *err)
{
	int n = 0;
	size_t i = 0;
	while (i < len) {
		const struct kw *k = kw_find(num_kws,
					     sizeof num_kws / sizeof num_kws[0],
					     f + i, len - i);
		if (k != NULL) {
			if (!desc_add(d, k->id, err)) {
				return -1;
			}
			nodes[n++] = (struct node){ .id = k->id };
			i += strlen(k->name);
			continue;
		}
		i = add_literal(f, len, i, nodes, &n);
	}
	return n;
}

/* NUMProc, to_char's half. */
struct np {
	struct desc *d;
	const char *number; /* digits, '.', or '#' fill; no sign */
	size_t p;           /* next character of number */
	long last_relevant; /* index into number, -1 for none */
	int sign;           /* '+', '-' or 0 */
	bool sign_wrote;
	int num_count, num_curr, out_pre_spaces;
	bool num_in;
	struct out o;
};

static bool predec_space(const struct np *np)
{
	return !(np->d->flag & F_ZERO) && np->p == 0 && np->number[0] == '0' &&
	       np->d->post != 0;
}

static bool lr_is_point(const struct np *np)
{
	return np->last_relevant >= 0 && np->number[np->last_relevant] == '.';
}

/* A '9', '0', '.' or 'D' (NUM_numpart_to_char). */
static void numpart(struct np *np, int id)
{
	struct desc *d = np->d;
	bool fm = (d->flag & F_FILLMODE) != 0;
	if (d->flag & F_ROMAN) {
		return;
	}
	np->num_in = false; /* a ',' or 'G' prints only right after a digit */
	/* The sign goes just before the first digit written. */
	if (!np->sign_wrote &&
	    (np->num_curr >= np->out_pre_spaces ||
	     ((d->flag & F_ZERO) && d->zero_start == np->num_curr)) &&
	    (!predec_space(np) || lr_is_point(np))) {
		if (d->flag & F_LSIGN) {
			if (d->lsign == LSIGN_PRE) {
				out_ch(&np->o, np->sign == '-' ? '-' : '+');
				np->sign_wrote = true;
			}
		} else if (d->flag & F_BRACKET) {
			out_ch(&np->o, np->sign == '+' ? ' ' : '<');
			np->sign_wrote = true;
		} else if (np->sign == '+') {
			if (!fm) {
				out_ch(&np->o, ' ');
			}
			np->sign_wrote = true;
		} else if (np->sign == '-') {
			out_ch(&np->o, '-');
			np->sign_wrote = true;
		}
	}
	if (np->num_curr < np->out_pre_spaces &&
	    (d->zero_start > np->num_curr || !(d->flag & F_ZERO))) {
		if (!fm) {
			out_ch(&np->o, ' ');
		}
	} else if ((d->flag & F_ZERO) && np->num_curr < np->out_pre_spaces &&
		   d->zero_start <= np->num_curr) {
		out_ch(&np->o, '0');
		np->num_in = true;
	} else {
		char c = np->number[np->p];
		if (c == '.') {
			out_ch(&np->o, '.');
		} else if (np->last_relevant >= 0 &&
			   (long)np->p > np->last_relevant && id != NK_0) {
			/* FM: a trailing zero dropped */
		} else if (predec_space(np)) {
			if (!fm) {
				out_ch(&np->o, ' ');
			} else if (lr_is_point(np)) {
				out_ch(&np->o, '0');
			}
		} else {
			out_ch(&np->o, c);
			np->num_in = true;
		}
		if (c != '\0') {
			np->p++;
		}
	}
	int end = np->num_count + (np->out_pre_spaces ? 1 : 0) +
		  ((d->flag & F_DECIMAL) ? 1 : 0);
	if (np->last_relevant >= 0 && (size_t)np->last_relevant == np->p) {
		end = np->num_curr;
	}
	if (np->num_curr + 1 == end) {
		if (np->sign_wrote && (d->flag & F_BRACKET)) {
			out_ch(&np->o, np->sign == '+' ? ' ' : '>');
		} else if ((d->flag & F_LSIGN) && d->lsign == LSIGN_POST) {
			out_ch(&np->o, np->sign == '-' ? '-' : '+');
		}
	}
	np->num_curr++;
}

/* NUM_processor for to_char: @number the value's digits (or '#'s),
 * @sign its sign, @pre_spaces the positions before its first digit. */
static bool num_run(const struct node *nodes, int n_nodes, struct desc *d,
		    const char *number, int pre_spaces, int sign,
		    struct tr_buf *b, struct sql__tochar_err *err)
{
	struct np np = { .d = d,
			 .number = number,
			 .last_relevant = -1,
			 .o = { .b = b } };
	if (d->flag & F_EEEE) {
		out_str(&np.o, number);
		return true;
	}
	if (d->flag & F_ROMAN) {
		d->lsign = d->pre_lsign_num = d->post = d->pre = 0;
		d->flag = (d->flag & F_FILLMODE) | F_ROMAN;
	}
	bool fm = (d->flag & F_FILLMODE) != 0;
	np.sign = sign;
	if (d->flag & (F_PLUS | F_MINUS)) {
		/* PL alone: the sign's column is still kept before the
		 * number. */
		np.sign_wrote = !((d->flag & F_PLUS) && !(d->flag & F_MINUS));
	} else {
		if (np.sign != '-' && fm) {
			d->flag &= ~F_BRACKET;
		}
		np.sign_wrote = np.sign == '+' && fm && !(d->flag & F_LSIGN);
		if (d->lsign == LSIGN_PRE && d->pre == d->pre_lsign_num) {
			d->lsign = LSIGN_POST;
		}
	}
	if (d->zero_start > 0) {
		d->zero_start--; /* 1-based in the template, 0-based here */
	}
	np.num_count = d->post + d->pre - 1;
	np.out_pre_spaces = pre_spaces;
	if (fm && (d->flag & F_DECIMAL)) {
		/* FM: the last digit after the point that is not a zero,
		 * or the last a '0' asks for. */
		const char *pt = strchr(number, '.');
		if (pt != NULL) {
			np.last_relevant = pt - number;
			for (const char *q = pt + 1; *q != '\0'; q++) {
				if (*q != '0') {
					np.last_relevant = q - number;
				}
			}
			if (d->zero_end > pre_spaces) {
				long last_zero = (long)strlen(number) - 1;
				if (d->zero_end - pre_spaces < last_zero) {
					last_zero = d->zero_end - pre_spaces;
				}
				if (np.last_relevant < last_zero) {
					np.last_relevant = last_zero;
				}
			}
		}
	}
	if (!np.sign_wrote && pre_spaces == 0) {
		np.num_count++;
	}
	for (int i = 0; i < n_nodes; i++) {
		const struct node *nd = &nodes[i];
		if (nd->id < 0) {
			for (int k = 0; k < nd->lit_len; k++) {
				out_ch(&np.o, nd->lit[k]);
			}
			continue;
		}
		fm = (d->flag & F_FILLMODE) != 0;
		switch (nd->id) {
		case NK_9:
		case NK_0:
		case NK_DEC:
		case NK_D:
			numpart(&np, nd->id);
			break;
		case NK_COMMA:
		case NK_G:
			if (np.num_in) {
				out_ch(&np.o, ',');
			} else if (!fm) {
				out_ch(&np.o, ' ');
			}
			break;
		case NK_L:
			out_ch(&np.o, ' '); /* C locale: no currency symbol */
			break;
		case NK_RN:
		case NK_rn: {
			char r[32];
			snprintf(r, sizeof r, fm ? "%s" : "%15s", number);
			for (char *c = r; nd->id == NK_rn && *c != '\0'; c++) {
				if (*c >= 'A' && *c <= 'Z') {
					*c = (char)(*c - 'A' + 'a');
				}
			}
			out_str(&np.o, r);
			break;
		}
		case NK_TH:
		case NK_th: {
			if ((d->flag & (F_ROMAN | F_DECIMAL)) ||
			    number[0] == '#' || np.sign == '-') {
				break;
			}
			const char *sfx;
			if (!ordinal(number, nd->id == NK_TH, &sfx, err)) {
				return false;
			}
			out_str(&np.o, sfx);
			break;
		}
		case NK_MI:
			if (np.sign == '-') {
				out_ch(&np.o, '-');
			} else if (!fm) {
				out_ch(&np.o, ' ');
			}
			break;
		case NK_PL:
			if (np.sign == '+') {
				out_ch(&np.o, '+');
			} else if (!fm) {
				out_ch(&np.o, ' ');
			}
			break;
		case NK_SG:
			out_ch(&np.o, (char)np.sign);
			break;
		default:
			break; /* B, C, SP, S, PR, V, FM: nothing here */
		}
	}
	return true;
}

/* int_to_roman: 1..3999, else fifteen '#'. */
static void roman(int64_t v, char *r, size_t cap)
{
	static const char *const hundreds[] = {
		"", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"
	};
	static const char *const tens[] = { "",  "X",  "XX",  "XXX",  "XL",
					    "L", "LX", "LXX", "LXXX", "XC" };
	static const char *const ones[] = { "",  "I",  "II",  "III",  "IV",
					    "V", "VI", "VII", "VIII", "IX" };
	if (v < 1 || v > 3999) {
		snprintf(r, cap, "###############");
		return;
	}
	int n = (int)v;
	snprintf(r, cap, "%.*s%s%s%s", n / 1000, "MMM", hundreds[n / 100 % 10],
		 tens[n / 10 % 10], ones[n % 10]);
}

/* The '#' fill of a value too wide for @pre digits before the point
 * and @post after. */
static void overflow_fill(struct tr_buf *b, int pre, int post)
{
	tr_buf_reset(b);
	for (int i = 0; i < pre + post + 1; i++) {
		tr_buf_put_u8(b, i == pre ? '.' : '#');
	}
}

/* Fill the digits of a fixed-point number: @s is "digits[.digits]"
 * without sign; sets @pre_spaces or replaces @s with the '#' fill. */
static void fit(struct tr_buf *s, struct desc *d, int *pre_spaces)
{
	const char *t = tr_buf_cstr(s);
	const char *pt = strchr(t, '.');
	int pre_len = pt != NULL ? (int)(pt - t) : (int)strlen(t);
	if (pre_len < d->pre) {
		*pre_spaces = d->pre - pre_len;
	} else if (pre_len > d->pre) {
		overflow_fill(s, d->pre, d->post);
	}
}

/* @v as an exact decimal in @x: 0, or 1/2/3 NaN/Infinity/-Infinity. */
static int num_value(const struct sql__tochar_num *v, struct dec *x,
		     struct sql__tochar_err *err)
{
	char buf[64];
	const char *text = v->text;
	if (text == NULL) {
		if (v->is_real) {
			if (isnan(v->real)) {
				return 1;
			}
			if (isinf(v->real)) {
				return v->real > 0 ? 2 : 3;
			}
			shortest(v->real, buf, sizeof buf);
		} else {
			snprintf(buf, sizeof buf, "%lld",
				 (long long)v->integer);
		}
		text = buf;
	}
	int k = dec_parse(text, x);
	if (k == -1) {
		return set_err(err, "22P02",
			       "invalid input syntax for type numeric: \"%s\"",
			       text),
		       -1;
	}
	if (k == -2) {
		return set_nomem(err), -1;
	}
	if (k == -3) {
		return set_err(err, "22003", "value overflows numeric format"),
		       -1;
	}
	return k;
}

/* The number string of a numeric (numeric_to_char). */
static bool numstr_numeric(const struct sql__tochar_num *v, struct desc *d,
			   struct tr_buf *s, int *pre_spaces, int *sign,
			   struct sql__tochar_err *err)
{
	struct dec x = { 0 };
	int k = num_value(v, &x, err);
	bool ok = false;
	if (k < 0) {
		goto done;
	}
	if (d->flag & F_ROMAN) {
		if (k == 1) {
			set_err(err, "0A000", "cannot convert NaN to integer");
			goto done;
		}
		if (k > 1) {
			set_err(err, "0A000",
				"cannot convert infinity to integer");
			goto done;
		}
		if (!dec_round(&x, 0)) {
			set_nomem(err);
			goto done;
		}
		int64_t iv = 0;
		for (int i = 0; i < x.point; i++) {
			iv = iv * 10 + (i < x.n ? x.d[i] - '0' : 0);
			if (iv > (int64_t)INT32_MAX + 1) {
				break;
			}
		}
		iv = x.neg ? -iv : iv;
		if (iv > INT32_MAX || iv < INT32_MIN) {
			set_err(err, "22003", "integer out of range");
			goto done;
		}
		char r[32];
		roman(iv, r, sizeof r);
		tr_buf_put_str(s, r);
		ok = true;
		goto done;
	}
	if (d->flag & F_EEEE) {
		if (k != 0) {
			/* Sign, point, "e", exponent sign and two digits. */
			for (int i = 0; i < d->pre + d->post + 6; i++) {
				tr_buf_put_u8(s, i == 0            ? ' '
						 : i == d->pre + 1 ? '.'
								   : '#');
			}
		} else {
			if (!x.neg) {
				tr_buf_put_u8(s, ' ');
			}
			if (!dec_sci(&x, d->post, s)) {
				set_nomem(err);
				goto done;
			}
		}
		ok = true;
		goto done;
	}
	if (d->flag & F_MULTI) {
		if (k == 0) {
			x.point += d->multi;
			if (x.n == 0) {
				x.point = 0;
			}
		}
		d->pre += d->multi;
	}
	if (k == 0) {
		if (x.point > MAX_POINT || !dec_round(&x, d->post)) {
			if (x.point > MAX_POINT) {
				set_err(err, "22003",
					"value overflows numeric format");
			} else {
				set_nomem(err);
			}
			goto done;
		}
		*sign = x.neg ? '-' : '+';
		dec_fixed(&x, d->post, s);
	} else {
		*sign = k == 3 ? '-' : '+';
		tr_buf_put_str(s, k == 1 ? "NaN" : "Infinity");
	}
	fit(s, d, pre_spaces);
	ok = true;
done:
	tr_free(x.d);
	return ok;
}

/* The number string of an int2/int4/int8 (int4_to_char, int8_to_char). */
static bool numstr_int(const struct sql__tochar_num *v, struct desc *d,
		       struct tr_buf *s, int *pre_spaces, int *sign,
		       struct sql__tochar_err *err)
{
	int64_t val = v->integer;
	bool is8 = v->kind == SQL_TOCHAR_INT8;
	if (d->flag & F_ROMAN) {
		if (is8 && (val > INT32_MAX || val < INT32_MIN)) {
			return set_err(err, "22003", "integer out of range");
		}
		char r[32];
		roman(val, r, sizeof r);
		tr_buf_put_str(s, r);
		return true;
	}
	if (d->flag & F_EEEE) {
		if (is8) {
			/* Through numeric, not float8: no digit is lost. */
			struct sql__tochar_num n = { .kind = SQL_TOCHAR_NUMERIC,
						     .integer = val };
			return numstr_numeric(&n, d, s, pre_spaces, sign, err);
		}
		size_t at = s->len;
		tr_buf_printf(s, "%+.*e", d->post, (double)val);
		if (s->len > at && s->data[at] == '+') {
			s->data[at] = ' ';
		}
		return true;
	}
	if (d->flag & F_MULTI) {
		double m = pow(10.0, (double)d->multi);
		if (is8) {
			if (!(m < 9223372036854775808.0)) {
				return set_err(err, "22003",
					       "bigint out of range");
			}
			int64_t r;
			if (__builtin_mul_overflow(val, (int64_t)m, &r)) {
				return set_err(err, "22003",
					       "bigint out of range");
			}
			val = r;
		} else {
			/* int4 arithmetic wraps, and a factor past int4 is
			 * INT_MIN, as PostgreSQL's build gives. */
			int32_t f = m < 2147483648.0 ? (int32_t)m : INT32_MIN;
			val = (int32_t)(uint32_t)((uint32_t)(int32_t)val *
						  (uint32_t)f);
		}
		d->pre += d->multi;
	}
	*sign = val < 0 ? '-' : '+';
	uint64_t mag = val < 0 ? (uint64_t)0 - (uint64_t)val : (uint64_t)val;
	tr_buf_printf(s, "%llu", (unsigned long long)mag);
	if (d->post > 0) {
		tr_buf_put_u8(s, '.');
		for (int i = 0; i < d->post; i++) {
			tr_buf_put_u8(s, '0');
		}
	}
	fit(s, d, pre_spaces);
	return true;
}

/* The number string of a float4/float8 (float4_to_char, float8_to_char). */
static bool numstr_float(const struct sql__tochar_num *v, struct desc *d,
			 struct tr_buf *s, int *pre_spaces, int *sign)
{
	bool is4 = v->kind == SQL_TOCHAR_FLOAT4;
	double val = is4 ? (double)(float)v->real : v->real;
	if (d->flag & F_ROMAN) {
		double r = rint(val);
		char rn[32];
		roman(r >= INT32_MIN && r <= INT32_MAX ? (int64_t)r : INT32_MIN,
		      rn, sizeof rn);
		tr_buf_put_str(s, rn);
		return true;
	}
	if (d->flag & F_EEEE) {
		if (isnan(val) || isinf(val)) {
			for (int i = 0; i < d->pre + d->post + 6; i++) {
				tr_buf_put_u8(s, i == 0            ? ' '
						 : i == d->pre + 1 ? '.'
								   : '#');
			}
			return true;
		}
		size_t at = s->len;
		tr_buf_printf(s, "%+.*e", d->post, val);
		if (s->len > at && s->data[at] == '+') {
			s->data[at] = ' ';
		}
		return true;
	}
	if (d->flag & F_MULTI) {
		if (is4) {
			float m = (float)pow(10.0, (double)d->multi);
			val = (double)((float)val * m);
		} else {
			val = val * pow(10.0, (double)d->multi);
		}
		d->pre += d->multi;
	}
	int dig = is4 ? FLT_DIG : DBL_DIG;
	pg_fixed(s, 0, fabs(val));
	int pre_len = (int)s->len;
	tr_buf_reset(s);
	if (pre_len >= dig) {
		d->post = 0;
	} else if (pre_len + d->post > dig) {
		d->post = dig - pre_len;
	}
	pg_fixed(s, d->post, val);
	if (s->len > 0 && s->data[0] == '-') {
		*sign = '-';
		tr_buf_consume(s, 1);
	} else {
		*sign = '+';
	}
	fit(s, d, pre_spaces);
	return true;
}

bool sql__to_char_num(const struct sql__tochar_num *v, const char *fmt,
		      size_t fmt_len, struct tr_buf *out,
		      struct sql__tochar_err *err)
{
	if (fmt_len == 0) {
		return true; /* PostgreSQL: an empty template gives '' */
	}
	struct node *nodes = tr_malloc(sizeof *nodes * (fmt_len + 1));
	if (nodes == NULL) {
		return set_nomem(err);
	}
	struct desc d = { 0 };
	int n = num_parse(fmt, fmt_len, nodes, &d, err);
	bool ok = false;
	struct tr_buf s;
	tr_buf_init(&s, fmt_len * 8 + 1024 + MAX_POINT + MAX_SCALE);
	int pre_spaces = 0, sign = 0;
	if (n < 0) {
		goto done;
	}
	switch (v->kind) {
	case SQL_TOCHAR_INT4:
	case SQL_TOCHAR_INT8:
		ok = numstr_int(v, &d, &s, &pre_spaces, &sign, err);
		break;
	case SQL_TOCHAR_FLOAT4:
	case SQL_TOCHAR_FLOAT8:
		ok = numstr_float(v, &d, &s, &pre_spaces, &sign);
		break;
	case SQL_TOCHAR_NUMERIC:
		ok = numstr_numeric(v, &d, &s, &pre_spaces, &sign, err);
		break;
	}
	if (ok && tr_buf_err(&s) != TR_OK) {
		ok = set_nomem(err);
	}
	if (ok) {
		ok = num_run(nodes, n, &d, tr_buf_cstr(&s), pre_spaces, sign,
			     out, err);
	}
done:
	tr_buf_close(&s);
	tr_free(nodes);
	return ok;
}

/* ---------------------------------------------------------------------
 * Interval template patterns
 * ------------------------------------------------------------------- */

enum dk {
	DK_A_D,
	DK_A_M,
	DK_AD,
	DK_AM,
	DK_B_C,
	DK_BC,
	DK_CC,
	DK_DAY,
	DK_DDD,
	DK_DD,
	DK_DY,
	DK_Day,
	DK_Dy,
	DK_D,
	DK_FF1,
	DK_FF2,
	DK_FF3,
	DK_FF4,
	DK_FF5,
	DK_FF6,
	DK_FX,
	DK_HH24,
	DK_HH12,
	DK_HH,
	DK_IDDD,
	DK_ID,
	DK_IW,
	DK_IYYY,
	DK_IYY,
	DK_IY,
	DK_I,
	DK_J,
	DK_MI,
	DK_MM,
	DK_MONTH,
	DK_MON,
	DK_MS,
	DK_Month,
	DK_Mon,
	DK_OF,
	DK_P_M,
	DK_PM,
	DK_Q,
	DK_RM,
	DK_SSSS,
	DK_SS,
	DK_TZH,
	DK_TZM,
	DK_TZ,
	DK_US,
	DK_WW,
	DK_W,
	DK_Y_YYY,
	DK_YYYY,
	DK_YYY,
	DK_YY,
	DK_Y,
	DK_a_d,
	DK_a_m,
	DK_ad,
	DK_am,
	DK_b_c,
	DK_bc,
	DK_day,
	DK_dy,
	DK_month,
	DK_mon,
	DK_p_m,
	DK_pm,
	DK_rm,
	DK_tz,
};

/* PostgreSQL's DCH_keywords, in its order (the first match wins). */
static const struct kw dt_kws[] = {
	{ "A.D.", DK_A_D },    { "A.M.", DK_A_M },    { "AD", DK_AD },
	{ "AM", DK_AM },       { "B.C.", DK_B_C },    { "BC", DK_BC },
	{ "CC", DK_CC },       { "DAY", DK_DAY },     { "DDD", DK_DDD },
	{ "DD", DK_DD },       { "DY", DK_DY },       { "Day", DK_Day },
	{ "Dy", DK_Dy },       { "D", DK_D },         { "FF1", DK_FF1 },
	{ "FF2", DK_FF2 },     { "FF3", DK_FF3 },     { "FF4", DK_FF4 },
	{ "FF5", DK_FF5 },     { "FF6", DK_FF6 },     { "FX", DK_FX },
	{ "HH24", DK_HH24 },   { "HH12", DK_HH12 },   { "HH", DK_HH },
	{ "IDDD", DK_IDDD },   { "ID", DK_ID },       { "IW", DK_IW },
	{ "IYYY", DK_IYYY },   { "IYY", DK_IYY },     { "IY", DK_IY },
	{ "I", DK_I },         { "J", DK_J },         { "MI", DK_MI },
	{ "MM", DK_MM },       { "MONTH", DK_MONTH }, { "MON", DK_MON },
	{ "MS", DK_MS },       { "Month", DK_Month }, { "Mon", DK_Mon },
	{ "OF", DK_OF },       { "P.M.", DK_P_M },    { "PM", DK_PM },
	{ "Q", DK_Q },         { "RM", DK_RM },       { "SSSSS", DK_SSSS },
	{ "SSSS", DK_SSSS },   { "SS", DK_SS },       { "TZH", DK_TZH },
	{ "TZM", DK_TZM },     { "TZ", DK_TZ },       { "US", DK_US },
	{ "WW", DK_WW },       { "W", DK_W },         { "Y,YYY", DK_Y_YYY },
	{ "YYYY", DK_YYYY },   { "YYY", DK_YYY },     { "YY", DK_YY },
	{ "Y", DK_Y },         { "a.d.", DK_a_d },    { "a.m.", DK_a_m },
	{ "ad", DK_ad },       { "am", DK_am },       { "b.c.", DK_b_c },
	{ "bc", DK_bc },       { "cc", DK_CC },       { "day", DK_day },
	{ "ddd", DK_DDD },     { "dd", DK_DD },       { "dy", DK_dy },
	{ "d", DK_D },         { "ff1", DK_FF1 },     { "ff2", DK_FF2 },
	{ "ff3", DK_FF3 },     { "ff4", DK_FF4 },     { "ff5", DK_FF5 },
	{ "ff6", DK_FF6 },     { "fx", DK_FX },       { "hh24", DK_HH24 },
	{ "hh12", DK_HH12 },   { "hh", DK_HH },       { "iddd", DK_IDDD },
	{ "id", DK_ID },       { "iw", DK_IW },       { "iyyy", DK_IYYY },
	{ "iyy", DK_IYY },     { "iy", DK_IY },       { "i", DK_I },
	{ "j", DK_J },         { "mi", DK_MI },       { "mm", DK_MM },
	{ "month", DK_month }, { "mon", DK_mon },     { "ms", DK_MS },
	{ "of", DK_OF },       { "p.m.", DK_p_m },    { "pm", DK_pm },
	{ "q", DK_Q },         { "rm", DK_rm },       { "sssss", DK_SSSS },
	{ "ssss", DK_SSSS },   { "ss", DK_SS },       { "tzh", DK_TZH },
	{ "tzm", DK_TZM },     { "tz", DK_tz },       { "us", DK_US },
	{ "ww", DK_WW },       { "w", DK_W },         { "y,yyy", DK_Y_YYY },
	{ "yyyy", DK_YYYY },   { "yyy", DK_YYY },     { "yy", DK_YY },
	{ "y", DK_Y },
};

enum { S_FM = 1, S_TH = 2, S_th = 4, S_TM = 8, S_SP = 16 };

/* DCH_suff: prefixes FM and TM, postfixes TH, th and SP. */
static int suffix_at(const char *s, size_t left, bool prefix, size_t *len)
{
	static const struct {
		const char *name;
		int id;
		bool prefix;
	} suff[] = {
		{ "FM", S_FM, true },  { "fm", S_FM, true },
		{ "TM", S_TM, true },  { "tm", S_TM, true },
		{ "TH", S_TH, false }, { "th", S_th, false },
		{ "SP", S_SP, false },
	};
	for (size_t i = 0; i < sizeof suff / sizeof suff[0]; i++) {
		if (suff[i].prefix == prefix && left >= 2 &&
		    memcmp(s, suff[i].name, 2) == 0) {
			*len = 2;
			return suff[i].id;
		}
	}
	return 0;
}

static int dt_parse(const char *f, size_t len, struct node *nodes)
{
	int n = 0;
	size_t i = 0;
	while (i < len) {
		size_t sl;
		int suffix = suffix_at(f + i, len - i, true, &sl);
		if (suffix != 0) {
			i += sl;
		}
		if (i >= len) {
			break;
		}
		const struct kw *k = kw_find(dt_kws,
					     sizeof dt_kws / sizeof dt_kws[0],
					     f + i, len - i);
		if (k != NULL) {
			i += strlen(k->name);
			int post = i < len ? suffix_at(f + i, len - i, false,
						       &sl)
					   : 0;
			if (post != 0) {
				i += sl;
			}
			nodes[n++] = (struct node){ .id = k->id,
						    .suffix = suffix | post };
			continue;
		}
		/* A prefix before something that is no pattern is
		 * dropped, as PostgreSQL does. */
		i = add_literal(f, len, i, nodes, &n);
	}
	return n;
}

/* @v modulo 2^32 as an int: PostgreSQL's int arithmetic wraps (it is
 * built with -fwrapv), which the far ends of an interval reach. */
static int wrap32(int64_t v)
{
	return (int)(int32_t)(uint32_t)(uint64_t)v;
}

/* Proleptic Gregorian Julian day of any year, month and day, as
 * PostgreSQL's date2j computes it (also for an interval's fields). */
static int date2j(int year, int month, int day)
{
	int64_t y = year, m = month;
	if (m > 2) {
		m += 1;
		y += 4800;
	} else {
		m += 13;
		y += 4799;
	}
	int64_t century = y / 100;
	int64_t julian = y * 365 - 32167;
	julian += y / 4 - century + century / 4;
	julian += 7834 * m / 256 + day;
	return wrap32(julian);
}

static int j2day(int date)
{
	date = wrap32((int64_t)date + 1) % 7;
	return date < 0 ? date + 7 : date;
}

/* ISO week (@year_out NULL) or ISO year of year/mon/mday
 * (date2isoweek, date2isoyear). */
static int iso_week_year(int year, int mon, int mday, int *year_out)
{
	int dayn = date2j(year, mon, mday);
	int day4 = date2j(year, 1, 4);
	int day0 = j2day(wrap32((int64_t)day4 - 1));
	if (dayn < wrap32((int64_t)day4 - day0)) {
		day4 = date2j(year - 1, 1, 4);
		day0 = j2day(wrap32((int64_t)day4 - 1));
		year--;
	}
	int week = wrap32((int64_t)dayn - wrap32((int64_t)day4 - day0)) / 7 + 1;
	if (week >= 52) {
		day4 = date2j(year + 1, 1, 4);
		day0 = j2day(wrap32((int64_t)day4 - 1));
		if (dayn >= wrap32((int64_t)day4 - day0)) {
			week = 1;
			year++;
		}
	}
	if (year_out != NULL) {
		*year_out = year;
	}
	return week;
}

static int iso_year(int year, int mon, int mday)
{
	int y;
	(void)iso_week_year(year, mon, mday, &y);
	return y;
}

/* date2isoyearday */
static int iso_yday(int year, int mon, int mday)
{
	int iy = iso_year(year, mon, mday);
	int day4 = date2j(iy, 1, 4);
	int day0 = j2day(wrap32((int64_t)day4 - 1));
	return wrap32((int64_t)date2j(year, mon, mday) -
		      wrap32((int64_t)day4 - day0) + 1);
}

/* The fields a template reads (PostgreSQL's fmt_tm and fsec): a
 * timestamp's (year 0 is 1 BC; wday 0 is Sunday) or an interval's. */
struct ivf {
	int year, mon, mday, min, sec, yday, wday;
	int64_t hour;
	int fsec;
	bool interval;
	bool tz; /* a timestamptz: TZ names the zone */
};

/* ADJUST_YEAR: a timestamp's year as written (1 BC is 1). */
static int adj_year(const struct ivf *t, int y)
{
	return t->interval || y > 0 ? y : -(y - 1);
}

/* @name in the case the pattern's letters ask for: @up all capitals,
 * @low none, else as given (capitalised). */
static void name_case(char *s, size_t cap, const char *name, int width, bool up,
		      bool low)
{
	char tmp[16];
	size_t i = 0;
	for (; name[i] != '\0' && i + 1 < sizeof tmp; i++) {
		char c = name[i];
		if (up && c >= 'a' && c <= 'z') {
			c = (char)(c - 'a' + 'A');
		} else if (low && c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		tmp[i] = c;
	}
	tmp[i] = '\0';
	snprintf(s, cap, "%*s", width, tmp);
}

static bool not_for_interval(struct sql__tochar_err *err)
{
	set_err(err, "22007",
		"invalid format specification for an interval value");
	snprintf(err->hint, sizeof err->hint,
		 "Intervals are not tied to specific calendar dates.");
	return false;
}

/* The patterns only a date has: names of months and days, D and ID,
 * AD/BC, the time zone (UTC).  Whether the text is a number (TH
 * applies). */
static bool dt_calendar(const struct ivf *t, const struct node *nd, char *s,
			size_t cap)
{
	static const char *const months[] = {
		"January",   "February", "March",    "April",
		"May",       "June",     "July",     "August",
		"September", "October",  "November", "December",
	};
	static const char *const days[] = { "Sunday",    "Monday",   "Tuesday",
					    "Wednesday", "Thursday", "Friday",
					    "Saturday" };
	/* FM and TM (the C locale's names) drop the padding to 9. */
	int pad = (nd->suffix & (S_FM | S_TM)) ? 0 : -9;
	bool bc = t->year <= 0;
	char abbr[4];
	switch (nd->id) {
	case DK_MONTH:
	case DK_Month:
	case DK_month:
		name_case(s, cap, months[t->mon - 1], pad, nd->id == DK_MONTH,
			  nd->id == DK_month);
		return false;
	case DK_MON:
	case DK_Mon:
	case DK_mon:
		snprintf(abbr, sizeof abbr, "%s", months[t->mon - 1]);
		name_case(s, cap, abbr, 0, nd->id == DK_MON, nd->id == DK_mon);
		return false;
	case DK_DAY:
	case DK_Day:
	case DK_day:
		name_case(s, cap, days[t->wday], pad, nd->id == DK_DAY,
			  nd->id == DK_day);
		return false;
	case DK_DY:
	case DK_Dy:
	case DK_dy:
		snprintf(abbr, sizeof abbr, "%s", days[t->wday]);
		name_case(s, cap, abbr, 0, nd->id == DK_DY, nd->id == DK_dy);
		return false;
	case DK_D:
		snprintf(s, cap, "%d", t->wday + 1);
		return true;
	case DK_ID:
		snprintf(s, cap, "%d", t->wday == 0 ? 7 : t->wday);
		return true;
	case DK_A_D:
	case DK_B_C:
		snprintf(s, cap, "%s", bc ? "B.C." : "A.D.");
		return false;
	case DK_AD:
	case DK_BC:
		snprintf(s, cap, "%s", bc ? "BC" : "AD");
		return false;
	case DK_a_d:
	case DK_b_c:
		snprintf(s, cap, "%s", bc ? "b.c." : "a.d.");
		return false;
	case DK_ad:
	case DK_bc:
		snprintf(s, cap, "%s", bc ? "bc" : "ad");
		return false;
	case DK_TZ:
	case DK_tz:
		/* The session's zone is UTC; a timestamp has none. */
		snprintf(s, cap, "%s",
			 !t->tz            ? ""
			 : nd->id == DK_TZ ? "UTC"
					   : "utc");
		return false;
	case DK_OF:
		snprintf(s, cap, "+%0*d", (nd->suffix & S_FM) ? 0 : 2, 0);
		return false;
	case DK_TZH:
		snprintf(s, cap, "+00");
		return false;
	case DK_TZM:
		snprintf(s, cap, "00");
		return false;
	default:
		return false;
	}
}

/* One pattern of a template into @s (a C string). */
static bool dt_item(const struct ivf *t, const struct node *nd, char *s,
		    size_t cap, struct sql__tochar_err *err)
{
	bool fm = (nd->suffix & S_FM) != 0;
	bool numeric = true;
	int w;
	int y;
	s[0] = '\0';
	switch (nd->id) {
	case DK_A_M:
	case DK_P_M:
		snprintf(s, cap, "%s", t->hour % 24 >= 12 ? "P.M." : "A.M.");
		numeric = false;
		break;
	case DK_AM:
	case DK_PM:
		snprintf(s, cap, "%s", t->hour % 24 >= 12 ? "PM" : "AM");
		numeric = false;
		break;
	case DK_a_m:
	case DK_p_m:
		snprintf(s, cap, "%s", t->hour % 24 >= 12 ? "p.m." : "a.m.");
		numeric = false;
		break;
	case DK_am:
	case DK_pm:
		snprintf(s, cap, "%s", t->hour % 24 >= 12 ? "pm" : "am");
		numeric = false;
		break;
	case DK_HH:
	case DK_HH12:
		snprintf(s, cap, "%0*lld",
			 fm             ? 0
			 : t->hour >= 0 ? 2
					: 3,
			 t->hour % 12 == 0 ? 12LL : (long long)(t->hour % 12));
		break;
	case DK_HH24:
		snprintf(s, cap, "%0*lld",
			 fm             ? 0
			 : t->hour >= 0 ? 2
					: 3,
			 (long long)t->hour);
		break;
	case DK_MI:
		snprintf(s, cap, "%0*d", fm ? 0 : t->min >= 0 ? 2 : 3, t->min);
		break;
	case DK_SS:
		snprintf(s, cap, "%0*d", fm ? 0 : t->sec >= 0 ? 2 : 3, t->sec);
		break;
	case DK_FF1:
		snprintf(s, cap, "%01d", t->fsec / 100000);
		break;
	case DK_FF2:
		snprintf(s, cap, "%02d", t->fsec / 10000);
		break;
	case DK_FF3:
	case DK_MS:
		snprintf(s, cap, "%03d", t->fsec / 1000);
		break;
	case DK_FF4:
		snprintf(s, cap, "%04d", t->fsec / 100);
		break;
	case DK_FF5:
		snprintf(s, cap, "%05d", t->fsec / 10);
		break;
	case DK_FF6:
	case DK_US:
		snprintf(s, cap, "%06d", t->fsec);
		break;
	case DK_SSSS:
		snprintf(s, cap, "%lld",
			 (long long)(t->hour * 3600 + t->min * 60 + t->sec));
		break;
	case DK_MM:
		snprintf(s, cap, "%0*d", fm ? 0 : t->mon >= 0 ? 2 : 3, t->mon);
		break;
	case DK_DDD:
		snprintf(s, cap, "%0*d", fm ? 0 : 3, t->yday);
		break;
	case DK_IDDD:
		snprintf(s, cap, "%0*d", fm ? 0 : 3,
			 iso_yday(t->year, t->mon, t->mday));
		break;
	case DK_DD:
		snprintf(s, cap, "%0*d", fm ? 0 : 2, t->mday);
		break;
	case DK_WW:
		snprintf(s, cap, "%0*d", fm ? 0 : 2,
			 wrap32((int64_t)t->yday - 1) / 7 + 1);
		break;
	case DK_IW:
		snprintf(s, cap, "%0*d", fm ? 0 : 2,
			 iso_week_year(t->year, t->mon, t->mday, NULL));
		break;
	case DK_Q:
		if (t->mon == 0) {
			return true;
		}
		snprintf(s, cap, "%d", (t->mon - 1) / 3 + 1);
		break;
	case DK_CC:
		w = t->interval   ? t->year / 100
		    : t->year > 0 ? (t->year - 1) / 100 + 1
				  : t->year / 100 - 1;
		if (w <= 99 && w >= -99) {
			snprintf(s, cap, "%0*d", fm ? 0 : w >= 0 ? 2 : 3, w);
		} else {
			snprintf(s, cap, "%d", w);
		}
		break;
	case DK_Y_YYY:
		y = adj_year(t, t->year);
		w = y / 1000;
		snprintf(s, cap, "%d,%03d", w, y - w * 1000);
		break;
	/* The width follows the year's sign, also for the ISO year. */
	case DK_YYYY:
	case DK_IYYY:
	case DK_YYY:
	case DK_IYY:
	case DK_YY:
	case DK_IY:
	case DK_Y:
	case DK_I: {
		bool iso = nd->id == DK_IYYY || nd->id == DK_IYY ||
			   nd->id == DK_IY || nd->id == DK_I;
		int digits = nd->id == DK_YYYY || nd->id == DK_IYYY ? 4
			     : nd->id == DK_YYY || nd->id == DK_IYY ? 3
			     : nd->id == DK_YY || nd->id == DK_IY   ? 2
								    : 1;
		y = adj_year(t, iso ? iso_year(t->year, t->mon, t->mday)
				    : t->year);
		int mod = digits == 3 ? 1000 : digits == 2 ? 100 : 10;
		snprintf(s, cap, "%0*d",
			 fm ? 0 : digits + (adj_year(t, t->year) >= 0 ? 0 : 1),
			 digits == 4 ? y : y % mod);
		break;
	}
	case DK_RM:
	case DK_rm: {
		static const char *const up[] = { "XII",  "XI",  "X",  "IX",
						  "VIII", "VII", "VI", "V",
						  "IV",   "III", "II", "I" };
		static const char *const low[] = { "xii",  "xi",  "x",  "ix",
						   "viii", "vii", "vi", "v",
						   "iv",   "iii", "ii", "i" };
		numeric = false;
		if (t->mon == 0 && t->year == 0) {
			return true;
		}
		int m;
		if (t->mon == 0) {
			m = t->year >= 0 ? 0 : 11; /* whole years */
		} else if (t->mon < 0) {
			m = -1 * (t->mon + 1);
		} else {
			m = 12 - t->mon;
		}
		snprintf(s, cap, "%*s", fm ? 0 : -4,
			 nd->id == DK_RM ? up[m] : low[m]);
		break;
	}
	case DK_W:
		snprintf(s, cap, "%d", (t->mday - 1) / 7 + 1);
		break;
	case DK_J:
		snprintf(s, cap, "%d", date2j(t->year, t->mon, t->mday));
		break;
	case DK_FX:
		return true;
	default:
		if (t->interval) {
			/* Names of days and months, D, ID, AD/BC, zones. */
			return not_for_interval(err);
		}
		numeric = dt_calendar(t, nd, s, cap);
		break;
	}
	if (numeric && (nd->suffix & (S_TH | S_th))) {
		const char *sfx;
		if (!ordinal(s, (nd->suffix & S_TH) != 0, &sfx, err)) {
			return false;
		}
		size_t l = strlen(s);
		snprintf(s + l, cap - l, "%s", sfx);
	}
	return true;
}

static bool dt_run(const struct ivf *t, const char *fmt, size_t fmt_len,
		   struct tr_buf *out, struct sql__tochar_err *err)
{
	struct node *nodes = tr_malloc(sizeof *nodes * (fmt_len + 1));
	if (nodes == NULL) {
		return set_nomem(err);
	}
	int n = dt_parse(fmt, fmt_len, nodes);
	struct out o = { .b = out };
	bool ok = true;
	for (int i = 0; i < n && ok; i++) {
		if (nodes[i].id < 0) {
			for (int k = 0; k < nodes[i].lit_len; k++) {
				out_ch(&o, nodes[i].lit[k]);
			}
			continue;
		}
		char s[64];
		ok = dt_item(t, &nodes[i], s, sizeof s, err);
		out_str(&o, s);
	}
	tr_free(nodes);
	return ok;
}

bool sql__to_char_interval(int32_t months, int32_t days, int64_t usec,
			   const char *fmt, size_t fmt_len, struct tr_buf *out,
			   struct sql__tochar_err *err)
{
	struct ivf t;
	t.year = months / 12;
	t.mon = months % 12;
	t.mday = days;
	t.hour = usec / 3600000000LL;
	usec -= t.hour * 3600000000LL;
	t.min = (int)(usec / 60000000LL);
	usec -= (int64_t)t.min * 60000000LL;
	t.sec = (int)(usec / 1000000LL);
	t.fsec = (int)(usec - (int64_t)t.sec * 1000000LL);
	/* The span in days, roughly: what DDD and WW count. */
	t.yday = wrap32(((int64_t)t.year * 12 + t.mon) * 30 + t.mday);
	t.wday = 0;
	t.interval = true;
	t.tz = false;
	return dt_run(&t, fmt, fmt_len, out, err);
}

bool sql__to_char_datetime(const struct sql__tochar_tm *tm, const char *fmt,
			   size_t fmt_len, struct tr_buf *out,
			   struct sql__tochar_err *err)
{
	struct ivf t = {
		.year = tm->year,
		.mon = tm->mon,
		.mday = tm->mday,
		.hour = tm->hour,
		.min = tm->min,
		.sec = tm->sec,
		.fsec = tm->usec,
		.interval = false,
		.tz = tm->tz,
	};
	int j = date2j(tm->year, tm->mon, tm->mday);
	t.wday = j2day(j);
	t.yday = j - date2j(tm->year, 1, 1) + 1;
	return dt_run(&t, fmt, fmt_len, out, err);
}

bool sql__tochar_is_decimal(const char *s)
{
	if (s == NULL) {
		return false;
	}
	if (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 ||
	    strcmp(s, "-Infinity") == 0) {
		return true;
	}
	if (*s == '-') {
		s++;
	}
	bool any = false, point = false;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			any = true;
		} else if (*s == '.' && !point) {
			point = true;
		} else {
			break;
		}
	}
	if (any && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '+' || *s == '-') {
			s++;
		}
		if (*s < '0' || *s > '9') {
			return false;
		}
		while (*s >= '0' && *s <= '9') {
			s++;
		}
	}
	return any && *s == '\0';
}
