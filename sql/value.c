/*
 * sql/value.c: Bind parameters from the client into SQLite values.
 *
 *   sql_param_decode    text or binary wire value -> canonical stored form
 *
 * The stored forms are those of sql-translation.md §6.1: integers for
 * int2/int4/int8/oid/bool, doubles for floats, INTEGER or REAL for
 * numeric, blobs for bytea, and canonical text for the types SQLite has
 * no class for (uuid lower-case hyphenated, dates and timestamps with six
 * fraction digits, timestamptz in UTC with '+00', intervals in
 * PostgreSQL's output form).  The same shapes come out of the
 * translator's casts (functions.c), so bound and literal values compare
 * equal as text.
 *
 * Text input follows PostgreSQL 15's input functions (int4in, float8in,
 * numeric_in, boolin, byteain, uuid_in, ...) including their SQLSTATEs
 * and messages; binary input follows the *recv functions, with the
 * length checks PostgreSQL's Bind applies (too short: 08P01, bytes left
 * over: 22P03).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

#define USEC_PER_DAY  INT64_C(86400000000)
/* Days and microseconds from 1970-01-01 to 2000-01-01 (PostgreSQL's
 * epoch for binary dates and timestamps). */
#define PG_EPOCH_DAYS INT64_C(10957)
#define PG_EPOCH_USEC (PG_EPOCH_DAYS * USEC_PER_DAY)
/* 0001-01-01 and 10000-01-01 in days since 1970: the years the text forms
 * (four-digit years) keep in order. */
#define MIN_DAYS      INT64_C(-719162)
#define MAX_DAYS      INT64_C(2932897)

/* Deepest JSON nesting the validator follows (C stack guard). */
#define JSON_MAX_DEPTH 1000

/* ---------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static void set_int(struct sql_value *out, int64_t v)
{
	memset(out, 0, sizeof *out);
	out->type = SQL_VALUE_INTEGER;
	out->integer = v;
}

static void set_real(struct sql_value *out, double v)
{
	memset(out, 0, sizeof *out);
	out->type = SQL_VALUE_FLOAT;
	out->real = v;
}

static void set_bytes(struct sql_value *out, enum sql_value_type t,
		      const void *p, size_t len)
{
	memset(out, 0, sizeof *out);
	out->type = t;
	out->p = len > 0 ? p : "";
	out->len = len;
}

/* The text of @b copied into the arena as a TEXT value. */
static int set_buf(struct sql_value *out, struct tr_buf *b, struct tr_arena *a)
{
	int rv = tr_buf_err(b);
	if (rv != TR_OK) {
		tr_buf_close(b);
		return rv;
	}
	char *s = tr_arena_strndup(a, (const char *)b->data, b->len);
	size_t len = b->len;
	tr_buf_close(b);
	if (s == NULL) {
		return TR_ENOMEM;
	}
	set_bytes(out, SQL_VALUE_TEXT, s, len);
	return TR_OK;
}

static int syntax(struct sql_error *err, struct tr_arena *a, const char *type,
		  const char *s)
{
	return sql__error(err, a, "22P02", "invalid input syntax for type %s: \"%s\"",
		    type, s);
}

/* ---------------------------------------------------------------------
 * Text input
 * ------------------------------------------------------------------- */

/* pg_strtoint16/32/64: blanks, sign, digits, blanks. */
static int text_int(const char *s, int64_t min, int64_t max, const char *type,
		    struct tr_arena *a, struct sql_value *out,
		    struct sql_error *err)
{
	const char *p = s;
	while (is_space(*p)) {
		p++;
	}
	bool neg = false;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (!(*p >= '0' && *p <= '9')) {
		return syntax(err, a, type, s);
	}
	uint64_t v = 0;
	bool over = false;
	while (*p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10) {
			over = true;
		} else {
			v = v * 10 + d;
		}
		p++;
	}
	while (is_space(*p)) {
		p++;
	}
	if (*p != '\0') {
		return syntax(err, a, type, s);
	}
	uint64_t lim = neg ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)max;
	if (over || v > lim) {
		return sql__error(err, a, "22003",
			    "value \"%s\" is out of range for type %s", s,
			    type);
	}
	set_int(out, neg ? (int64_t)(0 - v) : (int64_t)v);
	return TR_OK;
}

/* oidin: an unsigned 32-bit number, or a negative int32 (wrapped). */
static int text_oid(const char *s, struct tr_arena *a, struct sql_value *out,
		    struct sql_error *err)
{
	int rv = text_int(s, INT32_MIN, UINT32_MAX, "oid", a, out, err);
	if (rv != TR_OK) {
		return rv;
	}
	if (out->integer < 0) {
		out->integer = (int64_t)(uint32_t)(int32_t)out->integer;
	}
	return TR_OK;
}

/* float8in / float4in (strtod / strtof, blanks around). */
static int text_float(const char *s, bool f4, struct tr_arena *a,
		      struct sql_value *out, struct sql_error *err)
{
	const char *type = f4 ? "real" : "double precision";
	const char *p = s;
	while (is_space(*p)) {
		p++;
	}
	if (*p == '\0') {
		return syntax(err, a, type, s);
	}
	char *end;
	errno = 0;
	double v = f4 ? (double)strtof(p, &end) : strtod(p, &end);
	if (end == p) {
		return syntax(err, a, type, s);
	}
	if (errno == ERANGE && (v == 0 || isinf(v))) {
		return sql__error(err, a, "22003",
			    "\"%s\" is out of range for type %s", s, type);
	}
	while (is_space(*end)) {
		end++;
	}
	if (*end != '\0') {
		return syntax(err, a, type, s);
	}
	if (isnan(v)) {
		set_bytes(out, SQL_VALUE_TEXT, "NaN", 3);
		return TR_OK;
	}
	set_real(out, v);
	return TR_OK;
}

/*
 * The number @neg @digits[0..n) x 10^@exp10 as INTEGER when integral and
 * in int64 range, else REAL.  @digits are ASCII digits.
 */
static int decimal_value(bool neg, const char *digits, size_t n, int64_t exp10,
			 struct tr_arena *a, struct sql_value *out,
			 struct sql_error *err)
{
	while (n > 0 && digits[0] == '0') {
		digits++;
		n--;
	}
	while (n > 0 && digits[n - 1] == '0') {
		n--;
		exp10++;
	}
	if (n == 0) {
		set_int(out, 0);
		return TR_OK;
	}
	if (exp10 >= 0 && (int64_t)n + exp10 <= 19) {
		uint64_t v = 0;
		for (size_t i = 0; i < n; i++) {
			v = v * 10 + (uint64_t)(digits[i] - '0');
		}
		bool fits = true;
		for (int64_t i = 0; i < exp10 && fits; i++) {
			fits = v <= UINT64_MAX / 10;
			v *= 10;
		}
		uint64_t lim = neg ? (uint64_t)INT64_MAX + 1
				   : (uint64_t)INT64_MAX;
		if (fits && v <= lim) {
			set_int(out, neg ? (int64_t)(0 - v) : (int64_t)v);
			return TR_OK;
		}
	}
	if (exp10 > 100000 || exp10 < -100000) {
		/* Far beyond a double either way. */
		if (exp10 > 0) {
			return sql__error(err, a, "22003",
				    "value overflows numeric format");
		}
		set_real(out, neg ? -0.0 : 0.0);
		return TR_OK;
	}
	char *t = tr_arena_printf(a, "%s%.*se%" PRId64, neg ? "-" : "", (int)n,
				  digits, exp10);
	if (t == NULL) {
		return TR_ENOMEM;
	}
	double v = strtod(t, NULL);
	if (isinf(v)) {
		return sql__error(err, a, "22003", "value overflows numeric format");
	}
	set_real(out, v);
	return TR_OK;
}

/*
 * numeric_in's syntax: blanks, sign, digits with one optional point (at
 * least one digit), optional exponent, blanks; or NaN, Infinity, inf with
 * a sign.  Fills @digits (arena) and @exp10; @special is 'n' (NaN), 'i'
 * (infinity) or 0.  false on bad syntax.
 */
static bool scan_numeric(const char *s, struct tr_arena *a, bool *neg,
			 char **digits, size_t *n, int64_t *exp10, int *special,
			 int *dscale)
{
	const char *p = s;
	*special = 0;
	*neg = false;
	*dscale = 0;
	while (is_space(*p)) {
		p++;
	}
	/* NaN takes no sign; the infinities do. */
	if (strncasecmp(p, "nan", 3) == 0) {
		*special = 'n';
		p += 3;
	} else if (*p == '+' || *p == '-') {
		*neg = *p == '-';
		p++;
	}
	if (*special != 0) {
		/* NaN */
	} else if (strncasecmp(p, "infinity", 8) == 0) {
		*special = 'i';
		p += 8;
	} else if (strncasecmp(p, "inf", 3) == 0) {
		*special = 'i';
		p += 3;
	}
	if (*special != 0) {
		while (is_space(*p)) {
			p++;
		}
		return *p == '\0';
	}
	char *d = tr_arena_alloc(a, strlen(p) + 1);
	if (d == NULL) {
		return false;
	}
	size_t k = 0;
	int64_t frac = 0;
	bool point = false;
	while ((*p >= '0' && *p <= '9') || (*p == '.' && !point)) {
		if (*p == '.') {
			point = true;
		} else {
			d[k++] = *p;
			frac += point;
		}
		p++;
	}
	if (k == 0) {
		return false;
	}
	int64_t e = 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		bool eneg = false;
		if (*p == '+' || *p == '-') {
			eneg = *p == '-';
			p++;
		}
		if (!(*p >= '0' && *p <= '9')) {
			return false;
		}
		while (*p >= '0' && *p <= '9') {
			if (e < 1000000) {
				e = e * 10 + (*p - '0');
			}
			p++;
		}
		e = eneg ? -e : e;
	}
	while (is_space(*p)) {
		p++;
	}
	if (*p != '\0') {
		return false;
	}
	d[k] = '\0';
	*digits = d;
	*n = k;
	*exp10 = e - frac;
	*dscale = *exp10 < 0 ? (int)(*exp10 < -16383 ? 16383 : -*exp10) : 0;
	return true;
}

static int text_numeric(const char *s, struct tr_arena *a,
			struct sql_value *out, struct sql_error *err)
{
	bool neg;
	char *digits = NULL;
	size_t n = 0;
	int64_t exp10 = 0;
	int special, dscale;
	if (!scan_numeric(s, a, &neg, &digits, &n, &exp10, &special, &dscale)) {
		return syntax(err, a, "numeric", s);
	}
	if (special == 'n') {
		set_bytes(out, SQL_VALUE_TEXT, "NaN", 3);
		return TR_OK;
	}
	if (special == 'i') {
		set_real(out, neg ? -INFINITY : INFINITY);
		return TR_OK;
	}
	return decimal_value(neg, digits, n, exp10, a, out, err);
}

/* parse_bool_with_len after boolin's trimming. */
static int parse_bool(const char *p, size_t len)
{
	if (len == 0) {
		return -1;
	}
	switch (p[0] | 0x20) {
	case 't':
		return strncasecmp(p, "true", len) == 0 && len <= 4 ? 1 : -1;
	case 'y':
		return strncasecmp(p, "yes", len) == 0 && len <= 3 ? 1 : -1;
	case 'f':
		return strncasecmp(p, "false", len) == 0 && len <= 5 ? 0 : -1;
	case 'n':
		return strncasecmp(p, "no", len) == 0 && len <= 2 ? 0 : -1;
	case 'o':
		if (len < 2) {
			return -1;
		}
		if (strncasecmp(p, "on", len) == 0 && len <= 2) {
			return 1;
		}
		return strncasecmp(p, "off", len) == 0 && len <= 3 ? 0 : -1;
	case '1' | 0x20:
		return len == 1 && p[0] == '1' ? 1 : -1;
	case '0' | 0x20:
		return len == 1 && p[0] == '0' ? 0 : -1;
	default:
		return -1;
	}
}

static int text_bool(const char *s, struct tr_arena *a, struct sql_value *out,
		     struct sql_error *err)
{
	const char *p = s;
	while (is_space(*p)) {
		p++;
	}
	size_t len = strlen(p);
	while (len > 0 && is_space(p[len - 1])) {
		len--;
	}
	int b = parse_bool(p, len);
	if (b < 0) {
		return syntax(err, a, "boolean", s);
	}
	set_int(out, b);
	return TR_OK;
}

int sql__hex_digit(int c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

void sql__utf8_put(struct tr_buf *b, uint32_t cp)
{
	uint8_t u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | (cp >> 6));
		u[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xe0 | (cp >> 12));
		u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | (cp >> 18));
		u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	tr_buf_put(b, u, n);
}

/* byteain: \x hex (blanks between pairs) or the escape format. */
static int text_bytea(const char *s, size_t len, struct tr_arena *a,
		      struct sql_value *out, struct sql_error *err)
{
	uint8_t *b = tr_arena_alloc(a, len + 1);
	if (b == NULL) {
		return TR_ENOMEM;
	}
	size_t n = 0;
	if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
		for (size_t i = 2; i < len;) {
			if (is_space(s[i])) {
				i++;
				continue;
			}
			int hi = sql__hex_digit(s[i]);
			if (hi < 0) {
				return sql__error(err, a, "22023",
					    "invalid hexadecimal digit: "
					    "\"%.*s\"",
					    1, s + i);
			}
			if (i + 1 >= len) {
				return sql__error(err, a, "22023",
					    "invalid hexadecimal data: odd "
					    "number of digits");
			}
			int lo = sql__hex_digit(s[i + 1]);
			if (lo < 0) {
				return sql__error(err, a, "22023",
					    "invalid hexadecimal digit: "
					    "\"%.*s\"",
					    1, s + i + 1);
			}
			b[n++] = (uint8_t)(hi << 4 | lo);
			i += 2;
		}
		set_bytes(out, SQL_VALUE_BLOB, b, n);
		return TR_OK;
	}
	for (size_t i = 0; i < len;) {
		if (s[i] != '\\') {
			b[n++] = (uint8_t)s[i++];
			continue;
		}
		if (i + 1 < len && s[i + 1] == '\\') {
			b[n++] = '\\';
			i += 2;
			continue;
		}
		if (i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' &&
		    s[i + 3] <= '7') {
			b[n++] = (uint8_t)((s[i + 1] - '0') << 6 |
					   (s[i + 2] - '0') << 3 |
					   (s[i + 3] - '0'));
			i += 4;
			continue;
		}
		return sql__error(err, a, "22P02",
			    "invalid input syntax for type bytea");
	}
	set_bytes(out, SQL_VALUE_BLOB, b, n);
	return TR_OK;
}

static void put_uuid(char out[37], const uint8_t u[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			out[k++] = '-';
		}
		out[k++] = hex[u[i] >> 4];
		out[k++] = hex[u[i] & 15];
	}
	out[k] = '\0';
}

/* string_to_uuid: optional braces, hex pairs, a hyphen allowed after
 * every group of four digits. */
bool sql__uuid_parse(const char *s, uint8_t u[16])
{
	const char *p = s;
	bool braces = *p == '{';
	if (braces) {
		p++;
	}
	for (int i = 0; i < 16; i++) {
		if (p[0] == '\0' || p[1] == '\0') {
			return false;
		}
		int hi = sql__hex_digit(p[0]), lo = sql__hex_digit(p[1]);
		if (hi < 0 || lo < 0) {
			return false;
		}
		u[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (*p == '-' && (i % 2) == 1 && i < 15) {
			p++;
		}
	}
	if (braces) {
		if (*p != '}') {
			return false;
		}
		p++;
	}
	return *p == '\0';
}

static int text_uuid(const char *s, struct tr_arena *a, struct sql_value *out,
		     struct sql_error *err)
{
	uint8_t u[16];
	if (!sql__uuid_parse(s, u)) {
		return syntax(err, a, "uuid", s);
	}
	char *t = tr_arena_alloc(a, 37);
	if (t == NULL) {
		return TR_ENOMEM;
	}
	put_uuid(t, u);
	set_bytes(out, SQL_VALUE_TEXT, t, 36);
	return TR_OK;
}

/* ---- JSON validation (RFC 8259, as PostgreSQL's json_in) ---- */

struct json {
	const char *p, *end;
	int depth;
};

static void json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r')) {
		j->p++;
	}
}

static bool json_string(struct json *j)
{
	j->p++; /* " */
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p++;
		if (c == '"') {
			return true;
		}
		if (c < 0x20) {
			return false;
		}
		if (c == '\\') {
			if (j->p >= j->end) {
				return false;
			}
			c = (unsigned char)*j->p++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++) {
					if (j->p >= j->end ||
					    sql__hex_digit(*j->p) < 0) {
						return false;
					}
					j->p++;
				}
			} else if (strchr("\"\\/bfnrt", c) == NULL || c == 0) {
				return false;
			}
		}
	}
	return false;
}

static bool json_digits(struct json *j)
{
	const char *s = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		j->p++;
	}
	return j->p > s;
}

static bool json_number(struct json *j)
{
	if (*j->p == '-') {
		j->p++;
	}
	if (j->p < j->end && *j->p == '0') {
		j->p++;
	} else if (!json_digits(j)) {
		return false;
	}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!json_digits(j)) {
			return false;
		}
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-')) {
			j->p++;
		}
		if (!json_digits(j)) {
			return false;
		}
	}
	return true;
}

static bool json_word(struct json *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) {
		return false;
	}
	j->p += n;
	return true;
}

static bool json_value(struct json *j)
{
	json_ws(j);
	if (j->p >= j->end) {
		return false;
	}
	switch (*j->p) {
	case '"':
		return json_string(j);
	case 't':
		return json_word(j, "true");
	case 'f':
		return json_word(j, "false");
	case 'n':
		return json_word(j, "null");
	case '[':
	case '{': {
		char close = *j->p == '[' ? ']' : '}';
		bool obj = close == '}';
		if (++j->depth > JSON_MAX_DEPTH) {
			return false;
		}
		j->p++;
		json_ws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
		while (true) {
			if (obj) {
				json_ws(j);
				if (j->p >= j->end || *j->p != '"' ||
				    !json_string(j)) {
					return false;
				}
				json_ws(j);
				if (j->p >= j->end || *j->p != ':') {
					return false;
				}
				j->p++;
			}
			if (!json_value(j)) {
				return false;
			}
			json_ws(j);
			if (j->p >= j->end) {
				return false;
			}
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p == close) {
				j->p++;
				j->depth--;
				return true;
			}
			return false;
		}
	}
	default:
		return json_number(j);
	}
}

bool sql__json_valid(const char *p, size_t len)
{
	struct json j = { p, p + len, 0 };
	if (!json_value(&j)) {
		return false;
	}
	json_ws(&j);
	return j.p == j.end;
}

/* ---- dates and times ---- */

static int dt_fail(struct sql_error *err, struct tr_arena *a, bool range,
		   const char *type, const char *s)
{
	if (range) {
		return sql__error(err, a, "22008",
			    "date/time field value out of range: \"%s\"", s);
	}
	return sql__error(err, a, "22007", "invalid input syntax for type %s: \"%s\"",
		    type, s);
}

static bool days_ok(int64_t usec)
{
	int64_t d = usec >= 0 ? usec / USEC_PER_DAY
			      : -((-usec + USEC_PER_DAY - 1) / USEC_PER_DAY);
	return d >= MIN_DAYS && d < MAX_DAYS;
}

static int put_ts_value(int64_t usec, int kind, struct tr_arena *a,
			struct sql_value *out)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql__ts_put(&b, usec, kind);
	return set_buf(out, &b, a);
}

static int64_t day_floor(int64_t usec)
{
	int64_t d = usec / USEC_PER_DAY;
	if (usec % USEC_PER_DAY != 0 && usec < 0) {
		d--;
	}
	return d * USEC_PER_DAY;
}

/* date_in, timestamp_in, timestamptz_in for the ISO shapes; 'epoch'. */
static int text_ts(uint32_t oid, const char *s, struct tr_arena *a,
		   struct sql_value *out, struct sql_error *err)
{
	const char *type = oid == SQL_OID_DATE        ? "date"
			   : oid == SQL_OID_TIMESTAMP ? "timestamp"
						      : "timestamp with time "
							"zone";
	int64_t usec, zone;
	int kind;
	bool range = false;
	const char *p = s;
	while (is_space(*p)) {
		p++;
	}
	if (strncasecmp(p, "epoch", 5) == 0 &&
	    p[5 + strspn(p + 5, " \t\n\r")] == '\0') {
		usec = 0;
		zone = 0;
	} else if (!sql__ts_parse(s, &usec, &kind, &zone, &range)) {
		return dt_fail(err, a, range, type, s);
	}
	if (!days_ok(usec)) {
		return dt_fail(err, a, true, type, s);
	}
	switch (oid) {
	case SQL_OID_DATE:
		/* A time and a zone are ignored. */
		return put_ts_value(day_floor(usec + zone), SQL__TS_DATE, a,
				    out);
	case SQL_OID_TIMESTAMP:
		return put_ts_value(usec + zone, SQL__TS_PLAIN, a, out);
	default:
		/* Without a zone: the session's, which is UTC. */
		return put_ts_value(usec, SQL__TS_TZ, a, out);
	}
}

/* 'HH:MM:SS' with the fraction's significant digits, if any. */
static int put_time_value(int64_t usec, struct tr_arena *a,
			  struct sql_value *out)
{
	int64_t sec = usec / 1000000, f = usec % 1000000;
	char *t = tr_arena_printf(a, "%02d:%02d:%02d", (int)(sec / 3600),
				  (int)(sec / 60 % 60), (int)(sec % 60));
	if (t == NULL) {
		return TR_ENOMEM;
	}
	if (f != 0) {
		char fr[8];
		snprintf(fr, sizeof fr, "%06d", (int)f);
		size_t n = 6;
		while (fr[n - 1] == '0') {
			n--;
		}
		fr[n] = '\0';
		t = tr_arena_printf(a, "%s.%s", t, fr);
		if (t == NULL) {
			return TR_ENOMEM;
		}
	}
	set_bytes(out, SQL_VALUE_TEXT, t, strlen(t));
	return TR_OK;
}

/* time_in: 'HH:MM[:SS[.f]]' (a zone is ignored), or a timestamp. */
static int text_time(const char *s, struct tr_arena *a, struct sql_value *out,
		     struct sql_error *err)
{
	const char *p = s;
	int64_t h = 0, m = 0, sec = 0, f = 0;
	while (is_space(*p)) {
		p++;
	}
	int n = 0;
	while (*p >= '0' && *p <= '9' && n < 3) {
		h = h * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || n > 2 || *p != ':') {
		int64_t usec, zone;
		int kind;
		bool range;
		if (sql__ts_parse(s, &usec, &kind, &zone, &range) &&
		    kind != SQL__TS_DATE) {
			usec += zone;
			return put_time_value(usec - day_floor(usec), a, out);
		}
		return dt_fail(err, a, false, "time", s);
	}
	p++;
	n = 0;
	while (*p >= '0' && *p <= '9' && n < 3) {
		m = m * 10 + (*p++ - '0');
		n++;
	}
	if (n != 2 && n != 1) {
		return dt_fail(err, a, false, "time", s);
	}
	if (*p == ':') {
		p++;
		n = 0;
		while (*p >= '0' && *p <= '9' && n < 3) {
			sec = sec * 10 + (*p++ - '0');
			n++;
		}
		if (n != 2 && n != 1) {
			return dt_fail(err, a, false, "time", s);
		}
		if (*p == '.') {
			p++;
			int k = 0;
			while (*p >= '0' && *p <= '9') {
				if (k < 7) {
					f = f * 10 + (*p - '0');
				}
				k++;
				p++;
			}
			for (; k < 7; k++) {
				f *= 10;
			}
			f = (f + 5) / 10;
		}
	}
	while (is_space(*p)) {
		p++;
	}
	/* A zone (+05, -03:30, Z, UTC) is accepted and ignored. */
	if (*p == '+' || *p == '-') {
		p++;
		p += strspn(p, "0123456789:");
	} else if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (strncasecmp(p, "UTC", 3) == 0 ||
		   strncasecmp(p, "GMT", 3) == 0) {
		p += 3;
	}
	while (is_space(*p)) {
		p++;
	}
	if (*p != '\0') {
		return dt_fail(err, a, false, "time", s);
	}
	int64_t usec = ((h * 60 + m) * 60 + sec) * 1000000 + f;
	if (h > 24 || m > 59 || sec > 60 || usec > USEC_PER_DAY) {
		return dt_fail(err, a, true, "time", s);
	}
	return put_time_value(usec, a, out);
}

static int text_interval(const char *s, struct tr_arena *a,
			 struct sql_value *out, struct sql_error *err)
{
	int32_t months, days;
	int64_t usec;
	if (!sql__iv_parse(s, &months, &days, &usec)) {
		return dt_fail(err, a, false, "interval", s);
	}
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql__iv_put(&b, months, days, usec);
	return set_buf(out, &b, a);
}

static int decode_text(uint32_t oid, const char *p, size_t len,
		       struct tr_arena *a, struct sql_value *out,
		       struct sql_error *err)
{
	if (memchr(p, '\0', len) != NULL) {
		return sql__error(err, a, "22021",
			    "invalid byte sequence for encoding \"UTF8\": "
			    "0x00");
	}
	switch (oid) {
	case SQL_OID_BYTEA: {
		return text_bytea(p, len, a, out, err);
	}
	case SQL_OID_JSON:
		if (!sql__json_valid(p, len)) {
			return sql__error(err, a, "22P02",
				    "invalid input syntax for type json");
		}
		set_bytes(out, SQL_VALUE_TEXT, p, len);
		return TR_OK;
	case SQL_OID_JSONB: {
		/* jsonb is stored in its canonical text (json.c). */
		struct tr_buf b;
		const char *msg = NULL;
		tr_buf_init(&b, 0);
		int rv = sql__jsonb_canon(&b, p, len, &msg);
		if (rv == TR_ESQL) {
			/* msg is "SQLSTATE: message". */
			char state[6];
			memcpy(state, msg, 5);
			state[5] = '\0';
			tr_buf_close(&b);
			return sql__error(err, a, state, "%s", msg + 7);
		}
		if (rv != TR_OK) {
			tr_buf_close(&b);
			return rv;
		}
		return set_buf(out, &b, a);
	}
	case SQL_OID_INT2:
	case SQL_OID_INT4:
	case SQL_OID_INT8:
	case SQL_OID_OID:
	case SQL_OID_FLOAT4:
	case SQL_OID_FLOAT8:
	case SQL_OID_NUMERIC:
	case SQL_OID_BOOL:
	case SQL_OID_UUID:
	case SQL_OID_DATE:
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ:
	case SQL_OID_TIME:
	case SQL_OID_INTERVAL:
		break;
	default:
		/* text, varchar, bpchar, name and every type triode keeps
		 * as given. */
		set_bytes(out, SQL_VALUE_TEXT, p, len);
		return TR_OK;
	}
	char *s = tr_arena_strndup(a, p, len);
	if (s == NULL) {
		return TR_ENOMEM;
	}
	switch (oid) {
	case SQL_OID_INT2:
		return text_int(s, INT16_MIN, INT16_MAX, "smallint", a, out,
				err);
	case SQL_OID_INT4:
		return text_int(s, INT32_MIN, INT32_MAX, "integer", a, out,
				err);
	case SQL_OID_INT8:
		return text_int(s, INT64_MIN, INT64_MAX, "bigint", a, out, err);
	case SQL_OID_OID:
		return text_oid(s, a, out, err);
	case SQL_OID_FLOAT4:
		return text_float(s, true, a, out, err);
	case SQL_OID_FLOAT8:
		return text_float(s, false, a, out, err);
	case SQL_OID_NUMERIC:
		return text_numeric(s, a, out, err);
	case SQL_OID_BOOL:
		return text_bool(s, a, out, err);
	case SQL_OID_UUID:
		return text_uuid(s, a, out, err);
	case SQL_OID_TIME:
		return text_time(s, a, out, err);
	case SQL_OID_INTERVAL:
		return text_interval(s, a, out, err);
	default:
		return text_ts(oid, s, a, out, err);
	}
}

/* ---------------------------------------------------------------------
 * Binary input
 * ------------------------------------------------------------------- */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)tr_load_be32(p) << 32 | tr_load_be32(p + 4);
}

/* PostgreSQL's Bind: a receive function that wants more bytes than
 * there are hits pq_getmsg*'s 08P01; one that leaves bytes over gives
 * 22P03. */
static int check_len(size_t len, size_t want, struct tr_arena *a,
		     struct sql_error *err)
{
	if (len < want) {
		return sql__error(err, a, "08P01",
			    "insufficient data left in message");
	}
	if (len > want) {
		return sql__error(err, a, "22P03", "incorrect binary data format");
	}
	return TR_OK;
}

/* numeric_recv -> INTEGER, REAL or 'NaN'. */
static int bin_numeric(const uint8_t *p, size_t len, struct tr_arena *a,
		       struct sql_value *out, struct sql_error *err)
{
	if (len < 8) {
		return check_len(len, 8, a, err);
	}
	uint16_t ndigits = be16(p);
	int16_t weight = (int16_t)be16(p + 2);
	uint16_t sign = be16(p + 4);
	uint16_t dscale = be16(p + 6);
	int rv = check_len(len, 8 + 2 * (size_t)ndigits, a, err);
	if (rv != TR_OK) {
		return rv;
	}
	if (sign != 0x0000 && sign != 0x4000 && sign != 0xC000 &&
	    sign != 0xD000 && sign != 0xF000) {
		return sql__error(err, a, "22P03",
			    "invalid sign in external \"numeric\" value");
	}
	if ((dscale & 0x3FFF) != dscale) {
		return sql__error(err, a, "22P03",
			    "invalid scale in external \"numeric\" value");
	}
	if (sign == 0xC000) {
		set_bytes(out, SQL_VALUE_TEXT, "NaN", 3);
		return TR_OK;
	}
	if (sign == 0xD000 || sign == 0xF000) {
		set_real(out, sign == 0xD000 ? INFINITY : -INFINITY);
		return TR_OK;
	}
	char *d = tr_arena_alloc(a, 4 * (size_t)ndigits + 1);
	if (d == NULL) {
		return TR_ENOMEM;
	}
	for (size_t i = 0; i < ndigits; i++) {
		uint16_t g = be16(p + 8 + 2 * i);
		if (g >= 10000) {
			return sql__error(err, a, "22P03",
				    "invalid digit in external \"numeric\" "
				    "value");
		}
		d[4 * i] = (char)('0' + g / 1000);
		d[4 * i + 1] = (char)('0' + g / 100 % 10);
		d[4 * i + 2] = (char)('0' + g / 10 % 10);
		d[4 * i + 3] = (char)('0' + g % 10);
	}
	int64_t exp10 = ((int64_t)weight - (int64_t)ndigits + 1) * 4;
	return decimal_value(sign == 0x4000, d, 4 * (size_t)ndigits, exp10, a,
			     out, err);
}

static int decode_binary(uint32_t oid, const uint8_t *p, size_t len,
			 struct tr_arena *a, struct sql_value *out,
			 struct sql_error *err)
{
	int rv;
	switch (oid) {
	case SQL_OID_BOOL:
		if ((rv = check_len(len, 1, a, err)) != TR_OK) {
			return rv;
		}
		set_int(out, p[0] != 0);
		return TR_OK;
	case SQL_OID_INT2:
		if ((rv = check_len(len, 2, a, err)) != TR_OK) {
			return rv;
		}
		set_int(out, (int16_t)be16(p));
		return TR_OK;
	case SQL_OID_INT4:
		if ((rv = check_len(len, 4, a, err)) != TR_OK) {
			return rv;
		}
		set_int(out, (int32_t)tr_load_be32(p));
		return TR_OK;
	case SQL_OID_OID:
		if ((rv = check_len(len, 4, a, err)) != TR_OK) {
			return rv;
		}
		set_int(out, tr_load_be32(p));
		return TR_OK;
	case SQL_OID_INT8:
		if ((rv = check_len(len, 8, a, err)) != TR_OK) {
			return rv;
		}
		set_int(out, (int64_t)be64(p));
		return TR_OK;
	case SQL_OID_FLOAT4: {
		if ((rv = check_len(len, 4, a, err)) != TR_OK) {
			return rv;
		}
		uint32_t u = tr_load_be32(p);
		float f;
		memcpy(&f, &u, sizeof f);
		if (isnan(f)) {
			set_bytes(out, SQL_VALUE_TEXT, "NaN", 3);
		} else {
			set_real(out, (double)f);
		}
		return TR_OK;
	}
	case SQL_OID_FLOAT8: {
		if ((rv = check_len(len, 8, a, err)) != TR_OK) {
			return rv;
		}
		uint64_t u = be64(p);
		double d;
		memcpy(&d, &u, sizeof d);
		if (isnan(d)) {
			set_bytes(out, SQL_VALUE_TEXT, "NaN", 3);
		} else {
			set_real(out, d);
		}
		return TR_OK;
	}
	case SQL_OID_NUMERIC:
		return bin_numeric(p, len, a, out, err);
	case SQL_OID_BYTEA:
		set_bytes(out, SQL_VALUE_BLOB, p, len);
		return TR_OK;
	case SQL_OID_UUID: {
		if ((rv = check_len(len, 16, a, err)) != TR_OK) {
			return rv;
		}
		char *t = tr_arena_alloc(a, 37);
		if (t == NULL) {
			return TR_ENOMEM;
		}
		put_uuid(t, p);
		set_bytes(out, SQL_VALUE_TEXT, t, 36);
		return TR_OK;
	}
	case SQL_OID_DATE: {
		if ((rv = check_len(len, 4, a, err)) != TR_OK) {
			return rv;
		}
		int64_t days = (int32_t)tr_load_be32(p) + PG_EPOCH_DAYS;
		if (days < MIN_DAYS || days >= MAX_DAYS) {
			return sql__error(err, a, "22008", "date out of range");
		}
		return put_ts_value(days * USEC_PER_DAY, SQL__TS_DATE, a, out);
	}
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ: {
		if ((rv = check_len(len, 8, a, err)) != TR_OK) {
			return rv;
		}
		int64_t v = (int64_t)be64(p);
		if (v < MIN_DAYS * USEC_PER_DAY - PG_EPOCH_USEC ||
		    v >= MAX_DAYS * USEC_PER_DAY - PG_EPOCH_USEC) {
			return sql__error(err, a, "22008", "timestamp out of range");
		}
		return put_ts_value(v + PG_EPOCH_USEC,
				    oid == SQL_OID_TIMESTAMP ? SQL__TS_PLAIN
							     : SQL__TS_TZ,
				    a, out);
	}
	case SQL_OID_TIME: {
		if ((rv = check_len(len, 8, a, err)) != TR_OK) {
			return rv;
		}
		int64_t v = (int64_t)be64(p);
		if (v < 0 || v > USEC_PER_DAY) {
			return sql__error(err, a, "22008", "time out of range");
		}
		return put_time_value(v, a, out);
	}
	case SQL_OID_INTERVAL: {
		if ((rv = check_len(len, 16, a, err)) != TR_OK) {
			return rv;
		}
		struct tr_buf b;
		tr_buf_init(&b, 0);
		sql__iv_put(&b, (int32_t)tr_load_be32(p + 12),
			    (int32_t)tr_load_be32(p + 8), (int64_t)be64(p));
		return set_buf(out, &b, a);
	}
	case SQL_OID_JSONB:
		if (len < 1) {
			return check_len(len, 1, a, err);
		}
		if (p[0] != 1) {
			return sql__error(err, a, "22P03",
				    "unsupported jsonb version number %d",
				    p[0]);
		}
		return decode_text(oid, (const char *)p + 1, len - 1, a, out,
				   err);
	default:
		/* text, varchar, bpchar, name, json, unknown: the text. */
		return decode_text(oid == SQL_OID_JSON ? oid : SQL_OID_TEXT,
				   (const char *)p, len, a, out, err);
	}
}

/* ---------------------------------------------------------------------
 * Entry point
 * ------------------------------------------------------------------- */

int sql_param_decode(uint32_t oid, int16_t format, const uint8_t *p,
		     int32_t len, struct tr_arena *a, struct sql_value *out,
		     struct sql_error *err)
{
	memset(err, 0, sizeof *err);
	memset(out, 0, sizeof *out);
	if (len < 0) {
		out->type = SQL_VALUE_NULL;
		return TR_OK;
	}
	if (format != 0 && format != 1) {
		return sql__error(err, a, "08P01", "unsupported format code: %d",
			    format);
	}
	const uint8_t *bytes = len > 0 ? p : (const uint8_t *)"";
	if (sql__array_elem(oid) != 0) {
		return sql__array_decode(oid, format, bytes, (size_t)len, a,
					 out, err);
	}
	int rv = format == 0
			 ? decode_text(oid, (const char *)bytes, (size_t)len, a,
				       out, err)
			 : decode_binary(oid, bytes, (size_t)len, a, out, err);
	return rv;
}
