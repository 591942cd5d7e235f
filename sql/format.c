/*
 * sql/format.c: stored SQLite values rendered as PostgreSQL text output.
 *
 *   sql_format_text    one value, for the type OID fixed at Describe time
 *
 * Floats follow PostgreSQL 12+ with extra_float_digits >= 1 (the default
 * drivers use): the shortest decimal that reads back to the same value,
 * in exponent form when the decimal exponent is below -4 or at least 15
 * (6 for float4), the exponent with a sign and at least two digits
 * ("1e+20", "1.5e-05"), and Infinity, -Infinity, NaN.  Checked against a
 * PostgreSQL 15 server.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

/*
 * Shortest round-trip digits of @v: @digits gets the significant digits
 * (no sign, no point, at least one), the return value the decimal exponent
 * of the first digit.  @neg is set for negative values (and -0).
 */
static int shortest_digits(double v, bool f4, char digits[24], bool *neg)
{
	char buf[40];
	int max = f4 ? 9 : 17;
	float fv = (float)v;
	for (int p = 1; p <= max; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, v);
		double back = strtod(buf, NULL);
		if (f4 ? (float)back == fv : back == v) {
			break;
		}
	}
	const char *s = buf;
	*neg = false;
	if (*s == '-') {
		*neg = true;
		s++;
	}
	size_t n = 0;
	for (; *s != 'e' && *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9' && n < 23) {
			digits[n++] = *s;
		}
	}
	/* Trailing zeros carry nothing. */
	while (n > 1 && digits[n - 1] == '0') {
		n--;
	}
	digits[n] = '\0';
	return *s == 'e' ? atoi(s + 1) : 0;
}

/* Digits with exponent @e in plain notation ("0.0001", "123.5"). */
static void put_fixed(struct tr_buf *out, bool neg, const char *d, int e)
{
	int n = (int)strlen(d);
	if (neg) {
		tr_buf_put_u8(out, '-');
	}
	if (e < 0) {
		tr_buf_put_str(out, "0.");
		for (int i = 0; i < -e - 1; i++) {
			tr_buf_put_u8(out, '0');
		}
		tr_buf_put_str(out, d);
		return;
	}
	for (int i = 0; i <= e; i++) {
		tr_buf_put_u8(out, (uint8_t)(i < n ? d[i] : '0'));
	}
	if (n > e + 1) {
		tr_buf_put_u8(out, '.');
		tr_buf_put_str(out, d + e + 1);
	}
}

static bool put_special(struct tr_buf *out, double v)
{
	if (isnan(v)) {
		tr_buf_put_str(out, "NaN");
		return true;
	}
	if (isinf(v)) {
		tr_buf_put_str(out, v < 0 ? "-Infinity" : "Infinity");
		return true;
	}
	return false;
}

static void put_float(struct tr_buf *out, double v, bool f4)
{
	if (f4) {
		v = (double)(float)v;
	}
	if (put_special(out, v)) {
		return;
	}
	char d[24];
	bool neg;
	int e = shortest_digits(v, f4, d, &neg);
	int limit = f4 ? 6 : 15;
	if (v == 0 || (e >= -4 && e < limit)) {
		put_fixed(out, neg, d, v == 0 ? 0 : e);
		return;
	}
	if (neg) {
		tr_buf_put_u8(out, '-');
	}
	tr_buf_put_u8(out, (uint8_t)d[0]);
	if (d[1] != '\0') {
		tr_buf_put_u8(out, '.');
		tr_buf_put_str(out, d + 1);
	}
	tr_buf_printf(out, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
}

/* numeric never uses exponent notation. */
static void put_numeric(struct tr_buf *out, double v)
{
	if (put_special(out, v)) {
		return;
	}
	char d[24];
	bool neg;
	int e = shortest_digits(v, false, d, &neg);
	put_fixed(out, neg && v != 0, d, v == 0 ? 0 : e);
}

/* PostgreSQL's boolean input words (parse_bool_with_len). */
static int text_bool(const char *p, size_t len)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	if (len == 0) {
		return -1;
	}
	if (len == 1 && (p[0] == '1' || p[0] == '0')) {
		return p[0] == '1';
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(yes); i++) {
		if (strncasecmp(p, yes[i], len) == 0 && len <= strlen(yes[i]) &&
		    (len > 1 || (p[0] | 0x20) != 'o')) {
			return 1;
		}
		if (strncasecmp(p, no[i], len) == 0 && len <= strlen(no[i]) &&
		    (len > 1 || (p[0] | 0x20) != 'o')) {
			return 0;
		}
	}
	return -1;
}

/* A value in its natural text form (text as-is, numbers in decimal). */
static void put_plain(struct tr_buf *out, const struct sql_value *v)
{
	switch (v->type) {
	case SQL_VALUE_INTEGER:
		tr_buf_printf(out, "%" PRId64, v->integer);
		break;
	case SQL_VALUE_FLOAT:
		put_float(out, v->real, false);
		break;
	case SQL_VALUE_TEXT:
	case SQL_VALUE_BLOB:
		tr_buf_put(out, v->p, v->len);
		break;
	case SQL_VALUE_NULL:
		break;
	}
}

/*
 * Timestamps and times are stored with six fraction digits
 * ('2024-01-02 03:04:05.500000+00'); PostgreSQL prints only the digits
 * that matter ('2024-01-02 03:04:05.5+00', no point when zero).
 */
static void put_time_text(struct tr_buf *out, const char *p, size_t len)
{
	const char *dot = memchr(p, '.', len);
	if (dot == NULL) {
		tr_buf_put(out, p, len);
		return;
	}
	const char *end = dot + 1;
	while (end < p + len && *end >= '0' && *end <= '9') {
		end++;
	}
	const char *last = end;
	while (last > dot + 1 && last[-1] == '0') {
		last--;
	}
	tr_buf_put(out, p, (size_t)(dot - p));
	if (last > dot + 1) {
		tr_buf_put(out, dot, (size_t)(last - dot));
	}
	tr_buf_put(out, end, (size_t)(p + len - end));
}

bool sql_format_text(uint32_t type_oid, const struct sql_value *v,
		     struct tr_buf *out)
{
	if (v->type == SQL_VALUE_NULL) {
		return false;
	}
	switch (type_oid) {
	case SQL_OID_BOOL: {
		int b = -1;
		if (v->type == SQL_VALUE_INTEGER) {
			b = v->integer != 0;
		} else if (v->type == SQL_VALUE_FLOAT) {
			b = v->real != 0;
		} else if (v->type == SQL_VALUE_TEXT) {
			b = text_bool(v->p, v->len);
		}
		if (b < 0) {
			put_plain(out, v);
		} else {
			tr_buf_put_u8(out, b ? 't' : 'f');
		}
		return true;
	}
	case SQL_OID_FLOAT4:
	case SQL_OID_FLOAT8:
		if (v->type == SQL_VALUE_FLOAT) {
			put_float(out, v->real, type_oid == SQL_OID_FLOAT4);
		} else if (v->type == SQL_VALUE_INTEGER) {
			put_float(out, (double)v->integer,
				  type_oid == SQL_OID_FLOAT4);
		} else {
			put_plain(out, v);
		}
		return true;
	case SQL_OID_NUMERIC:
		if (v->type == SQL_VALUE_FLOAT) {
			put_numeric(out, v->real);
		} else {
			put_plain(out, v);
		}
		return true;
	case SQL_OID_BYTEA:
		if (v->type == SQL_VALUE_BLOB) {
			static const char hex[] = "0123456789abcdef";
			const uint8_t *p = v->p;
			tr_buf_put_str(out, "\\x");
			uint8_t *w = tr_buf_extend(out, v->len * 2);
			if (w != NULL) {
				for (size_t i = 0; i < v->len; i++) {
					w[2 * i] = (uint8_t)hex[p[i] >> 4];
					w[2 * i + 1] = (uint8_t)hex[p[i] & 15];
				}
			}
		} else {
			put_plain(out, v);
		}
		return true;
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ:
	case SQL_OID_TIME:
	case SQL_OID_TIMETZ:
		if (v->type == SQL_VALUE_TEXT) {
			put_time_text(out, v->p, v->len);
		} else {
			put_plain(out, v);
		}
		return true;
	default:
		put_plain(out, v);
		return true;
	}
}
