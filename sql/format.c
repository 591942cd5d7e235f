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

/*
 * jsonb in its canonical text (json.c).  Values are stored canonical
 * wherever triode knows the type; an untyped literal written to a jsonb
 * column is not, and is made so here.  Text that is not JSON at all
 * (written by hand to SQLite) is shown as it is.
 */
static void put_jsonb(struct tr_buf *out, const struct sql_value *v)
{
	if (v->type != SQL_VALUE_TEXT) {
		put_plain(out, v);
		return;
	}
	size_t mark = out->len;
	const char *err;
	if (sql__jsonb_canon(out, v->p, v->len, &err) != TR_OK &&
	    tr_buf_err(out) == TR_OK) {
		out->len = mark;
		put_plain(out, v);
	}
}

bool sql_format_text(uint32_t type_oid, const struct sql_value *v,
		     struct tr_buf *out)
{
	if (v->type == SQL_VALUE_NULL) {
		return false;
	}
	if (sql__array_elem(type_oid) != 0) {
		sql__array_format_text(type_oid, v, out);
		return true;
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
		if (v->type == SQL_VALUE_TEXT && type_oid == SQL_OID_TIME &&
		    v->len == 5 && ((const char *)v->p)[2] == ':') {
			/* 'HH:MM' written untyped to a time column. */
			tr_buf_put(out, v->p, v->len);
			tr_buf_put(out, ":00", 3);
		} else if (v->type == SQL_VALUE_TEXT) {
			put_time_text(out, v->p, v->len);
		} else {
			put_plain(out, v);
		}
		return true;
	case SQL_OID_JSONB:
		put_jsonb(out, v);
		return true;
	default:
		put_plain(out, v);
		return true;
	}
}

/* ---------------------------------------------------------------------
 * Binary output
 * ------------------------------------------------------------------- */

#define USEC_PER_DAY  INT64_C(86400000000)
#define PG_EPOCH_USEC (INT64_C(10957) * USEC_PER_DAY)

/* @v as a double: reals, integers, numeric text; NaN if none. */
static double value_double(const struct sql_value *v, bool *ok)
{
	*ok = true;
	switch (v->type) {
	case SQL_VALUE_INTEGER:
		return (double)v->integer;
	case SQL_VALUE_FLOAT:
		return v->real;
	case SQL_VALUE_TEXT: {
		char tmp[64];
		if (v->len > 0 && v->len < sizeof tmp) {
			memcpy(tmp, v->p, v->len);
			tmp[v->len] = '\0';
			char *end;
			double d = strtod(tmp, &end);
			while (*end == ' ') {
				end++;
			}
			if (end != tmp && *end == '\0') {
				return d;
			}
		}
		break;
	}
	default:
		break;
	}
	*ok = false;
	return NAN;
}

/* @v as an integer (reals rounded, text parsed); 0 if none. */
static int64_t value_int(const struct sql_value *v, bool *ok)
{
	if (v->type == SQL_VALUE_INTEGER) {
		*ok = true;
		return v->integer;
	}
	double d = value_double(v, ok);
	if (!*ok || !(fabs(d) < 9.2e18)) {
		*ok = false;
		return 0;
	}
	*ok = d == round(d);
	return (int64_t)llround(d);
}

/* The stored text of @v, NUL-terminated, or NULL (OOM or not text). */
static char *value_cstr(const struct sql_value *v, char *tmp, size_t cap)
{
	if (v->type != SQL_VALUE_TEXT || v->len >= cap) {
		return NULL;
	}
	memcpy(tmp, v->p, v->len);
	tmp[v->len] = '\0';
	return tmp;
}

/* Digits a numeric value may have here: exact quotients (decimal.c)
 * reach 1000 decimals. */
#define NUMERIC_DIGITS 1100

/*
 * Decimal digits and exponent of a numeric value: value = (-1)^neg x
 * digits x 10^exp10, @dscale the display scale.  @special 'n' (NaN),
 * 'p'/'m' (+/- infinity).  false if @v is not a number.
 */
static bool numeric_parts(const struct sql_value *v, char d[48], int *exp10,
			  bool *neg, int *dscale, int *special)
{
	*special = 0;
	*neg = false;
	*dscale = 0;
	*exp10 = 0;
	d[0] = '\0';
	switch (v->type) {
	case SQL_VALUE_INTEGER: {
		uint64_t u = v->integer < 0 ? (uint64_t)0 - (uint64_t)v->integer
					    : (uint64_t)v->integer;
		*neg = v->integer < 0;
		snprintf(d, NUMERIC_DIGITS, "%" PRIu64, u);
		return true;
	}
	case SQL_VALUE_FLOAT: {
		double r = v->real;
		if (isnan(r)) {
			*special = 'n';
			return true;
		}
		if (isinf(r)) {
			*special = r > 0 ? 'p' : 'm';
			return true;
		}
		if (r == 0) {
			strcpy(d, "0");
			return true;
		}
		int e = shortest_digits(r, false, d, neg);
		int n = (int)strlen(d);
		*exp10 = e - n + 1;
		*dscale = *exp10 < 0 ? -*exp10 : 0;
		return true;
	}
	case SQL_VALUE_TEXT: {
		char tmp[NUMERIC_DIGITS + 16];
		const char *s = value_cstr(v, tmp, sizeof tmp);
		if (s == NULL) {
			return false;
		}
		while (*s == ' ') {
			s++;
		}
		if (strncasecmp(s, "nan", 3) == 0) {
			*special = 'n';
			return true;
		}
		if (*s == '-' || *s == '+') {
			*neg = *s == '-';
			s++;
		}
		if (strncasecmp(s, "inf", 3) == 0) {
			*special = *neg ? 'm' : 'p';
			return true;
		}
		int n = 0, frac = 0;
		bool point = false, any = false;
		while ((*s >= '0' && *s <= '9') || (*s == '.' && !point)) {
			any = any || *s != '.';
			if (*s == '.') {
				point = true;
			} else if (n == 0 && *s == '0') {
				frac += point; /* a leading zero */
			} else if (n < NUMERIC_DIGITS - 1) {
				d[n++] = *s;
				frac += point;
			} else {
				return false;
			}
			s++;
		}
		d[n] = '\0';
		int e = 0;
		if (*s == 'e' || *s == 'E') {
			e = atoi(s + 1);
			s++;
			s += *s == '+' || *s == '-';
			while (*s >= '0' && *s <= '9') {
				s++;
			}
		}
		while (*s == ' ') {
			s++;
		}
		if (!any || *s != '\0' || e > 100000 || e < -100000) {
			return false;
		}
		*exp10 = e - frac;
		*dscale = *exp10 < 0 ? -*exp10 : 0;
		return true;
	}
	default:
		return false;
	}
}

/* PostgreSQL's numeric_send layout from decimal parts. */
static void put_numeric_binary(struct tr_buf *out, const struct sql_value *v)
{
	char d[NUMERIC_DIGITS];
	int exp10, dscale, special;
	bool neg;
	if (!numeric_parts(v, d, &exp10, &neg, &dscale, &special)) {
		special = 'n';
	}
	if (special != 0) {
		/* numeric_send: NaN has dscale 0, the infinities 32 (what
		 * PostgreSQL 15 sends). */
		tr_buf_put_be16(out, 0);
		tr_buf_put_be16(out, 0);
		tr_buf_put_be16(out, special == 'n'   ? 0xC000
				     : special == 'p' ? 0xD000
						      : 0xF000);
		tr_buf_put_be16(out, special == 'n' ? 0 : 0x20);
		return;
	}
	if (dscale > 0x3FFF) {
		dscale = 0x3FFF;
	}
	/* Strip leading zeros; trailing zeros only move the exponent. */
	const char *p = d;
	while (*p == '0') {
		p++;
	}
	int n = (int)strlen(p);
	while (n > 0 && p[n - 1] == '0') {
		n--;
		exp10++;
	}
	if (n == 0) {
		tr_buf_put_be16(out, 0);
		tr_buf_put_be16(out, 0);
		tr_buf_put_be16(out, 0);
		tr_buf_put_be16(out, (uint16_t)dscale);
		return;
	}
	/* Digit j has decimal power exp10 + n - 1 - j; base-10000 group
	 * floor(power / 4). */
	int top = exp10 + n - 1;
	int weight = top >= 0 ? top / 4 : -((-top + 3) / 4);
	int low = exp10 >= 0 ? exp10 / 4 : -((-exp10 + 3) / 4);
	int ngroups = weight - low + 1;
	uint16_t groups[NUMERIC_DIGITS / 4 + 3];
	if (ngroups > (int)TR_ARRAY_LEN(groups)) {
		ngroups = 0; /* cannot happen: at most NUMERIC_DIGITS */
	}
	memset(groups, 0, sizeof groups);
	for (int j = 0; j < n; j++) {
		int pw = exp10 + n - 1 - j;
		int g = pw >= 0 ? pw / 4 : -((-pw + 3) / 4);
		int within = pw - g * 4;
		static const uint16_t pow10[] = { 1, 10, 100, 1000 };
		if (weight - g < ngroups) {
			groups[weight - g] = (uint16_t)(groups[weight - g] +
							(p[j] - '0') *
								pow10[within]);
		}
	}
	while (ngroups > 0 && groups[ngroups - 1] == 0) {
		ngroups--;
	}
	tr_buf_put_be16(out, (uint16_t)ngroups);
	tr_buf_put_be16(out, (uint16_t)(int16_t)weight);
	tr_buf_put_be16(out, neg ? 0x4000 : 0);
	tr_buf_put_be16(out, (uint16_t)dscale);
	for (int i = 0; i < ngroups; i++) {
		tr_buf_put_be16(out, groups[i]);
	}
}

bool sql_format_binary_ok(uint32_t type_oid, const struct sql_value *v)
{
	bool ok = true;
	char tmp[128];
	const char *s;
	if (sql__array_elem(type_oid) != 0) {
		return sql__array_binary_ok(type_oid, v);
	}
	switch (type_oid) {
	case SQL_OID_BOOL:
		if (v->type == SQL_VALUE_TEXT && text_bool(v->p, v->len) >= 0) {
			return true;
		}
		(void)value_int(v, &ok);
		return ok;
	case SQL_OID_INT2:
	case SQL_OID_INT4:
	case SQL_OID_INT8:
	case SQL_OID_OID: {
		int64_t i = value_int(v, &ok);
		if (type_oid == SQL_OID_INT2) {
			return ok && i >= INT16_MIN && i <= INT16_MAX;
		}
		if (type_oid == SQL_OID_INT4) {
			return ok && i >= INT32_MIN && i <= INT32_MAX;
		}
		if (type_oid == SQL_OID_OID) {
			return ok && i >= 0 && i <= UINT32_MAX;
		}
		return ok;
	}
	case SQL_OID_FLOAT4:
	case SQL_OID_FLOAT8:
		(void)value_double(v, &ok);
		return ok;
	case SQL_OID_NUMERIC: {
		char d[NUMERIC_DIGITS];
		int e, ds, sp;
		bool neg;
		return numeric_parts(v, d, &e, &neg, &ds, &sp);
	}
	case SQL_OID_UUID: {
		uint8_t u[16];
		s = value_cstr(v, tmp, sizeof tmp);
		return s != NULL && sql__uuid_parse(s, u);
	}
	case SQL_OID_DATE:
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ: {
		int64_t usec, zone;
		int kind;
		bool range;
		s = value_cstr(v, tmp, sizeof tmp);
		return s != NULL &&
		       sql__ts_parse(s, &usec, &kind, &zone, &range);
	}
	case SQL_OID_TIME: {
		s = value_cstr(v, tmp, sizeof tmp);
		int h, m, sec;
		return s != NULL && sscanf(s, "%d:%d:%d", &h, &m, &sec) == 3;
	}
	case SQL_OID_INTERVAL: {
		int32_t mo, d;
		int64_t us;
		s = value_cstr(v, tmp, sizeof tmp);
		return s != NULL && sql__iv_parse(s, &mo, &d, &us);
	}
	default:
		return true;
	}
}

/* 'HH:MM:SS[.f]' -> microseconds since midnight. */
static int64_t time_usec(const char *s)
{
	int h = 0, m = 0, sec = 0, n = 0;
	if (sscanf(s, "%d:%d:%d%n", &h, &m, &sec, &n) < 2) {
		return 0;
	}
	int64_t f = 0;
	if (n > 0 && s[n] == '.') {
		int k = 0;
		for (const char *p = s + n + 1; *p >= '0' && *p <= '9'; p++) {
			if (k < 6) {
				f = f * 10 + (*p - '0');
			}
			k++;
		}
		for (; k < 6; k++) {
			f *= 10;
		}
	}
	return (((int64_t)h * 60 + m) * 60 + sec) * 1000000 + f;
}

bool sql_format_binary(uint32_t type_oid, const struct sql_value *v,
		       struct tr_buf *out)
{
	if (v->type == SQL_VALUE_NULL) {
		return false;
	}
	bool ok;
	char tmp[128];
	const char *s;
	if (sql__array_elem(type_oid) != 0) {
		sql__array_format_binary(type_oid, v, out);
		return true;
	}
	switch (type_oid) {
	case SQL_OID_BOOL: {
		int b = -1;
		if (v->type == SQL_VALUE_TEXT) {
			b = text_bool(v->p, v->len);
		}
		if (b < 0) {
			b = value_double(v, &ok) != 0;
		}
		tr_buf_put_u8(out, (uint8_t)b);
		return true;
	}
	case SQL_OID_INT2:
		tr_buf_put_be16(out, (uint16_t)value_int(v, &ok));
		return true;
	case SQL_OID_INT4:
	case SQL_OID_OID:
		tr_buf_put_be32(out, (uint32_t)value_int(v, &ok));
		return true;
	case SQL_OID_INT8:
		tr_buf_put_be64(out, (uint64_t)value_int(v, &ok));
		return true;
	case SQL_OID_FLOAT4: {
		float f = (float)value_double(v, &ok);
		uint32_t u;
		memcpy(&u, &f, sizeof u);
		tr_buf_put_be32(out, u);
		return true;
	}
	case SQL_OID_FLOAT8: {
		double d = value_double(v, &ok);
		uint64_t u;
		memcpy(&u, &d, sizeof u);
		tr_buf_put_be64(out, u);
		return true;
	}
	case SQL_OID_NUMERIC:
		put_numeric_binary(out, v);
		return true;
	case SQL_OID_BYTEA:
		if (v->type == SQL_VALUE_BLOB || v->type == SQL_VALUE_TEXT) {
			tr_buf_put(out, v->p, v->len);
		} else {
			put_plain(out, v);
		}
		return true;
	case SQL_OID_UUID: {
		uint8_t u[16] = { 0 };
		s = value_cstr(v, tmp, sizeof tmp);
		if (s != NULL && !sql__uuid_parse(s, u)) {
			memset(u, 0, sizeof u);
		}
		tr_buf_put(out, u, sizeof u);
		return true;
	}
	case SQL_OID_DATE:
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ: {
		int64_t usec = 0, zone;
		int kind;
		bool range;
		s = value_cstr(v, tmp, sizeof tmp);
		if (s == NULL ||
		    !sql__ts_parse(s, &usec, &kind, &zone, &range)) {
			usec = PG_EPOCH_USEC;
		}
		if (type_oid == SQL_OID_TIMESTAMP) {
			usec += zone; /* never stored with one */
		}
		usec -= PG_EPOCH_USEC;
		if (type_oid == SQL_OID_DATE) {
			int64_t days = usec / USEC_PER_DAY;
			if (usec % USEC_PER_DAY != 0 && usec < 0) {
				days--;
			}
			tr_buf_put_be32(out, (uint32_t)(int32_t)days);
		} else {
			tr_buf_put_be64(out, (uint64_t)usec);
		}
		return true;
	}
	case SQL_OID_TIME:
		s = value_cstr(v, tmp, sizeof tmp);
		tr_buf_put_be64(out, (uint64_t)(s != NULL ? time_usec(s) : 0));
		return true;
	case SQL_OID_INTERVAL: {
		int32_t months = 0, days = 0;
		int64_t usec = 0;
		s = value_cstr(v, tmp, sizeof tmp);
		if (s == NULL || !sql__iv_parse(s, &months, &days, &usec)) {
			months = days = 0;
			usec = 0;
		}
		tr_buf_put_be64(out, (uint64_t)usec);
		tr_buf_put_be32(out, (uint32_t)days);
		tr_buf_put_be32(out, (uint32_t)months);
		return true;
	}
	case SQL_OID_JSONB:
		tr_buf_put_u8(out, 1);
		put_jsonb(out, v);
		return true;
	default:
		/* text, varchar, bpchar, name, json and the rest: the text
		 * output is the binary format. */
		return sql_format_text(type_oid, v, out);
	}
}
