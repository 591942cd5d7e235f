/*
 * sql/array.c: one-dimensional arrays of the scalar types.
 *
 *   sql__array_elem / _of / _type   the array types and their elements
 *   sql__array_decode               Bind input, text and binary
 *   sql__array_format_text/binary   output, text and binary
 *   sql__array_register             SQLite functions the translator uses
 *
 * Storage (sql-translation.md §5.2, §6.1): a JSON array of the elements
 * in their stored forms, as sql_param_decode produces them for the
 * element type: integers (int2, int4, int8, oid, and bool as 0/1) and
 * floats as JSON numbers (reals always with a point or an exponent, so
 * that json_each gives them back as REAL; infinities as the strings
 * "Infinity" and "-Infinity", NaN as "NaN", which is how the scalar
 * column stores it), numeric as a number, text, dates, times, intervals,
 * uuids, json and jsonb as JSON strings holding their canonical text, and
 * bytea as a JSON string holding PostgreSQL's hex text ("\\x0102"):
 * SQLite's JSON cannot hold blobs, and the hex form is already the
 * element's output text.  NULL elements are JSON null.  '{}' is "[]".
 *
 * This is the shape SQLite's own json_array() writes for the same
 * values (json_array(1, 'a', NULL) is [1,"a",null]), so arrays built in
 * SQL (ARRAY[...], array_agg) and arrays bound as parameters compare
 * equal as text, and json_each() unnests both.
 *
 * Only one dimension, with lower bound 1: PostgreSQL accepts a declared
 * int4[][] as int4[] and so does triode, but a multi-dimensional value
 * or another lower bound is refused with 0A000.
 *
 * Output also reads values in PostgreSQL's text form ('{a,b}'), which is
 * how the catalog mirror keeps its array columns, so both kinds render
 * correctly in either format.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* PostgreSQL's MAXDIM and MaxArraySize. */
#define MAX_DIM        6
#define MAX_ARRAY_SIZE 134217727

/* ---------------------------------------------------------------------
 * Types
 * ------------------------------------------------------------------- */

/* The array types: name as the parser gives it for error texts, OID,
 * declared type (PostgreSQL's internal name: "_int4"; never one of the
 * names dqlite treats specially) and cast affinity. */
static const struct {
	uint32_t elem;
	struct sql__type t;
} arrays[] = {
	{ SQL_OID_BOOL, { "bool[]", 1000, "_bool", "TEXT", 0 } },
	{ SQL_OID_INT2, { "int2[]", 1005, "_int2", "TEXT", 0 } },
	{ SQL_OID_INT4, { "int4[]", 1007, "_int4", "TEXT", 0 } },
	{ SQL_OID_INT8, { "int8[]", 1016, "_int8", "TEXT", 0 } },
	{ SQL_OID_FLOAT4, { "float4[]", 1021, "_float4", "TEXT", 0 } },
	{ SQL_OID_FLOAT8, { "float8[]", 1022, "_float8", "TEXT", 0 } },
	{ SQL_OID_NUMERIC, { "numeric[]", 1231, "_numeric", "TEXT", 0 } },
	{ SQL_OID_TEXT, { "text[]", 1009, "_text", "TEXT", 0 } },
	{ SQL_OID_VARCHAR, { "varchar[]", 1015, "_varchar", "TEXT", 0 } },
	{ SQL_OID_BPCHAR, { "bpchar[]", 1014, "_bpchar", "TEXT", 0 } },
	{ SQL_OID_BYTEA, { "bytea[]", 1001, "_bytea", "TEXT", 0 } },
	{ SQL_OID_DATE, { "date[]", 1182, "_date", "TEXT", 0 } },
	{ SQL_OID_TIME, { "time[]", 1183, "_time", "TEXT", 0 } },
	{ SQL_OID_TIMESTAMP, { "timestamp[]", 1115, "_timestamp", "TEXT", 0 } },
	{ SQL_OID_TIMESTAMPTZ,
	  { "timestamptz[]", 1185, "_timestamptz", "TEXT", 0 } },
	{ SQL_OID_INTERVAL, { "interval[]", 1187, "_interval", "TEXT", 0 } },
	{ SQL_OID_UUID, { "uuid[]", 2951, "_uuid", "TEXT", 0 } },
	{ SQL_OID_JSON, { "json[]", 199, "_json", "TEXT", 0 } },
	{ SQL_OID_JSONB, { "jsonb[]", 3807, "_jsonb", "TEXT", 0 } },
	{ SQL_OID_OID, { "oid[]", 1028, "_oid", "TEXT", 0 } },
	/* name[] reads as text[] (name is stored as text). */
	{ SQL_OID_NAME, { "name[]", 1003, "_name", "TEXT", 0 } },
};

uint32_t sql__array_elem(uint32_t oid)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(arrays); i++) {
		if (arrays[i].t.oid == oid) {
			return arrays[i].elem;
		}
	}
	return 0;
}

uint32_t sql__array_of(uint32_t elem)
{
	const struct sql__type *t = sql__array_type(elem);
	return t != NULL ? t->oid : 0;
}

const struct sql__type *sql__array_type(uint32_t elem)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(arrays); i++) {
		if (arrays[i].elem == elem) {
			return &arrays[i].t;
		}
	}
	return NULL;
}

uint32_t sql__array_from_decl(const char *word)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(arrays); i++) {
		if (strcmp(arrays[i].t.decl, word) == 0) {
			return arrays[i].t.oid;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------- */

/* array_isspace: what array_in skips around elements. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int fail(struct sql_error *err, struct tr_arena *a, const char *sqlstate,
		const char *fmt, ...) TR_PRINTF(4, 5);
static int fail(struct sql_error *err, struct tr_arena *a, const char *sqlstate,
		const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sql_error_set(err, a, sqlstate, "%s", tmp);
	return TR_ESQL;
}

/* Called once per element (a NULL element has type SQL_VALUE_NULL).
 * TEXT bytes are valid for the call only. */
typedef int (*elem_cb)(void *arg, const struct sql_value *v);

static void set_text(struct sql_value *v, struct tr_buf *b)
{
	memset(v, 0, sizeof *v);
	v->type = SQL_VALUE_TEXT;
	v->p = b->len > 0 ? (const void *)b->data : "";
	v->len = b->len;
}

/* ---------------------------------------------------------------------
 * Reading the stored JSON
 * ------------------------------------------------------------------- */

struct jrd {
	const char *p;
	const char *end;
};

static void jws(struct jrd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r')) {
		r->p++;
	}
}

static bool jword(struct jrd *r, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0) {
		return false;
	}
	r->p += n;
	return true;
}

/* A JSON string at r->p (the opening quote), unescaped into @b. */
static bool jstring(struct jrd *r, struct tr_buf *b)
{
	r->p++;
	while (r->p < r->end && *r->p != '"') {
		char c = *r->p++;
		if (c != '\\') {
			tr_buf_put_u8(b, (uint8_t)c);
			continue;
		}
		if (r->p >= r->end) {
			return false;
		}
		c = *r->p++;
		switch (c) {
		case 'b':
			tr_buf_put_u8(b, '\b');
			break;
		case 'f':
			tr_buf_put_u8(b, '\f');
			break;
		case 'n':
			tr_buf_put_u8(b, '\n');
			break;
		case 'r':
			tr_buf_put_u8(b, '\r');
			break;
		case 't':
			tr_buf_put_u8(b, '\t');
			break;
		case 'u': {
			uint32_t cp = 0;
			for (int i = 0; i < 4; i++) {
				int d = r->p < r->end ? sql__hex_digit(*r->p)
						      : -1;
				if (d < 0) {
					return false;
				}
				cp = cp << 4 | (uint32_t)d;
				r->p++;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && r->end - r->p >= 6 &&
			    r->p[0] == '\\' && r->p[1] == 'u') {
				uint32_t lo = 0;
				bool ok = true;
				for (int i = 2; i < 6; i++) {
					int d = sql__hex_digit(r->p[i]);
					ok &= d >= 0;
					lo = lo << 4 | (uint32_t)(d & 15);
				}
				if (ok && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
					r->p += 6;
				}
			}
			sql__utf8_put(b, cp);
			break;
		}
		default:
			/* \" \\ \/ and anything else: the character. */
			tr_buf_put_u8(b, (uint8_t)c);
			break;
		}
	}
	if (r->p >= r->end) {
		return false;
	}
	r->p++;
	return true;
}

/* A JSON number (or SQLite's Inf / -Inf, our Infinity / NaN words). */
static bool jnumber(struct jrd *r, struct sql_value *v)
{
	const char *s = r->p;
	bool neg = *s == '-';
	struct jrd w = { s + (neg ? 1 : 0), r->end };
	if (jword(&w, "Infinity") || jword(&w, "Inf")) {
		r->p = w.p;
		memset(v, 0, sizeof *v);
		v->type = SQL_VALUE_FLOAT;
		v->real = neg ? -HUGE_VAL : HUGE_VAL;
		return true;
	}
	bool real = false;
	while (r->p < r->end &&
	       ((*r->p >= '0' && *r->p <= '9') || *r->p == '-' ||
		*r->p == '+' || *r->p == '.' || *r->p == 'e' || *r->p == 'E')) {
		real |= *r->p == '.' || *r->p == 'e' || *r->p == 'E';
		r->p++;
	}
	size_t n = (size_t)(r->p - s);
	char tmp[64];
	if (n == 0 || n >= sizeof tmp) {
		return false;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *end;
	memset(v, 0, sizeof *v);
	if (!real) {
		errno = 0;
		long long i = strtoll(tmp, &end, 10);
		if (*end == '\0' && errno == 0) {
			v->type = SQL_VALUE_INTEGER;
			v->integer = i;
			return true;
		}
	}
	v->type = SQL_VALUE_FLOAT;
	v->real = strtod(tmp, &end);
	return *end == '\0';
}

/*
 * Call @cb for each element of the JSON array @p/@len.  TR_EINVAL when
 * it is not a flat JSON array (nothing useful was passed to @cb then
 * only if the callback ignores partial runs: callers that write output
 * count first), else TR_OK or what @cb returned.
 */
static int each_json(const char *p, size_t len, struct tr_buf *scratch,
		     elem_cb cb, void *arg)
{
	struct jrd r = { p, p + len };
	jws(&r);
	if (r.p >= r.end || *r.p != '[') {
		return TR_EINVAL;
	}
	r.p++;
	jws(&r);
	if (r.p < r.end && *r.p == ']') {
		r.p++;
		jws(&r);
		return r.p == r.end ? TR_OK : TR_EINVAL;
	}
	for (;;) {
		struct sql_value v;
		jws(&r);
		if (r.p >= r.end) {
			return TR_EINVAL;
		}
		tr_buf_reset(scratch);
		memset(&v, 0, sizeof v);
		char c = *r.p;
		if (c == '"') {
			if (!jstring(&r, scratch)) {
				return TR_EINVAL;
			}
			if (tr_buf_err(scratch) != TR_OK) {
				return TR_ENOMEM;
			}
			set_text(&v, scratch);
		} else if (jword(&r, "null")) {
			v.type = SQL_VALUE_NULL;
		} else if (jword(&r, "true")) {
			v.type = SQL_VALUE_INTEGER;
			v.integer = 1;
		} else if (jword(&r, "false")) {
			v.type = SQL_VALUE_INTEGER;
			v.integer = 0;
		} else if (jword(&r, "NaN")) {
			v.type = SQL_VALUE_TEXT;
			v.p = "NaN";
			v.len = 3;
		} else if (c == '-' || (c >= '0' && c <= '9') || c == 'I') {
			if (!jnumber(&r, &v)) {
				return TR_EINVAL;
			}
		} else {
			return TR_EINVAL; /* nested: not ours */
		}
		int rv = cb(arg, &v);
		if (rv != TR_OK) {
			return rv;
		}
		jws(&r);
		if (r.p < r.end && *r.p == ',') {
			r.p++;
			continue;
		}
		if (r.p < r.end && *r.p == ']') {
			r.p++;
			jws(&r);
			return r.p == r.end ? TR_OK : TR_EINVAL;
		}
		return TR_EINVAL;
	}
}

/* ---------------------------------------------------------------------
 * Reading PostgreSQL's text form (array_in)
 * ------------------------------------------------------------------- */

/* Why a literal was refused: @detail is array_in's DETAIL for 22P02;
 * @unsupported a valid literal triode cannot store (0A000). */
struct lit_err {
	const char *detail;
	const char *unsupported;
};

static int lit_fail(struct lit_err *le, const char *detail)
{
	le->detail = detail;
	return TR_EINVAL;
}

/* An optional "[lo:hi]=" (one dimension, lower bound 1). */
static int lit_dims(const char **pp, const char *end, struct lit_err *le,
		    long *want)
{
	const char *p = *pp;
	*want = -1;
	int ndim = 0;
	long lo = 1, hi = 0;
	while (p < end && *p == '[') {
		p++;
		char tmp[32];
		size_t n = 0;
		while (p < end && n < sizeof tmp - 1 && *p != ']') {
			tmp[n++] = *p++;
		}
		tmp[n] = '\0';
		if (p >= end || *p != ']') {
			return lit_fail(le, "Missing \"]\" after array "
					    "dimensions.");
		}
		p++;
		char *colon = strchr(tmp, ':');
		char *e;
		if (colon != NULL) {
			*colon = '\0';
			lo = strtol(tmp, &e, 10);
			if (e == tmp || *e != '\0') {
				return lit_fail(le, "\"[\" must introduce "
						    "explicitly-specified "
						    "array dimensions.");
			}
			hi = strtol(colon + 1, &e, 10);
			if (e == colon + 1 || *e != '\0') {
				return lit_fail(le, "Missing array dimension "
						    "value.");
			}
		} else {
			lo = 1;
			hi = strtol(tmp, &e, 10);
			if (e == tmp || *e != '\0') {
				return lit_fail(le, "Missing array dimension "
						    "value.");
			}
		}
		if (hi < lo - 1) {
			le->unsupported = NULL;
			return lit_fail(le, "Specified array dimensions do "
					    "not match array contents.");
		}
		ndim++;
		while (p < end && is_space(*p)) {
			p++;
		}
	}
	if (ndim == 0) {
		return TR_OK;
	}
	if (p >= end || *p != '=') {
		return lit_fail(le, "Missing \"=\" after array dimensions.");
	}
	p++;
	while (p < end && is_space(*p)) {
		p++;
	}
	if (ndim > 1) {
		le->unsupported = "multidimensional arrays are not supported";
		return TR_EINVAL;
	}
	if (lo != 1) {
		le->unsupported = "array lower bounds other than 1 are not "
				  "supported";
		return TR_EINVAL;
	}
	*want = hi - lo + 1;
	*pp = p;
	return TR_OK;
}

/*
 * Call @cb for each element of the array literal @s/@len (delimiter
 * ','): quoted elements with backslash escapes, unquoted ones trimmed of
 * blanks (backslash escapes too; an unquoted NULL is NULL).  TR_EINVAL
 * with @le filled, else TR_OK or what @cb returned.
 */
static int each_literal(const char *s, size_t len, struct tr_buf *scratch,
			elem_cb cb, void *arg, struct lit_err *le)
{
	const char *p = s, *end = s + len;
	long want;
	le->detail = NULL;
	le->unsupported = NULL;
	while (p < end && is_space(*p)) {
		p++;
	}
	int rv = lit_dims(&p, end, le, &want);
	if (rv != TR_OK) {
		return rv;
	}
	if (p >= end || *p != '{') {
		return lit_fail(le, "Array value must start with \"{\" or "
				    "dimension information.");
	}
	p++;
	long n = 0;
	while (p < end && is_space(*p)) {
		p++;
	}
	if (p < end && *p == '}') {
		p++;
	} else {
		for (;;) {
			while (p < end && is_space(*p)) {
				p++;
			}
			if (p >= end) {
				return lit_fail(le, "Unexpected end of input.");
			}
			if (*p == '{') {
				if (n == 0) {
					le->unsupported =
						"multidimensional arrays are "
						"not supported";
					return TR_EINVAL;
				}
				return lit_fail(le,
						"Unexpected \"{\" character.");
			}
			if (*p == ',' || *p == '}') {
				return lit_fail(le, *p == ','
							    ? "Unexpected \",\" "
							      "character."
							    : "Unexpected \"}\" "
							      "character.");
			}
			tr_buf_reset(scratch);
			bool quoted = false, escaped = false;
			size_t keep = 0; /* length without trailing blanks */
			if (*p == '"') {
				quoted = true;
				p++;
				while (p < end && *p != '"') {
					if (*p == '\\') {
						p++;
						if (p >= end) {
							break;
						}
					}
					tr_buf_put_u8(scratch, (uint8_t)*p++);
				}
				if (p >= end) {
					return lit_fail(
						le, "Unexpected end of input.");
				}
				p++;
				while (p < end && is_space(*p)) {
					p++;
				}
				if (p >= end) {
					return lit_fail(
						le, "Unexpected end of input.");
				}
				if (*p != ',' && *p != '}') {
					return lit_fail(
						le, "Unexpected array element.");
				}
			} else {
				while (p < end && *p != ',' && *p != '}') {
					char c = *p++;
					if (c == '"') {
						return lit_fail(
							le, "Unexpected array "
							    "element.");
					}
					if (c == '{') {
						return lit_fail(
							le, "Unexpected \"{\" "
							    "character.");
					}
					if (c == '\\') {
						if (p >= end) {
							break;
						}
						c = *p++;
						escaped = true;
						tr_buf_put_u8(scratch,
							      (uint8_t)c);
						keep = scratch->len;
						continue;
					}
					tr_buf_put_u8(scratch, (uint8_t)c);
					if (!is_space(c)) {
						keep = scratch->len;
					}
				}
				if (p >= end) {
					return lit_fail(
						le, "Unexpected end of input.");
				}
				if (tr_buf_err(scratch) == TR_OK) {
					scratch->len = keep;
				}
			}
			if (tr_buf_err(scratch) != TR_OK) {
				return TR_ENOMEM;
			}
			struct sql_value v;
			if (!quoted && !escaped && scratch->len == 4 &&
			    strncasecmp((const char *)scratch->data, "NULL",
					4) == 0) {
				memset(&v, 0, sizeof v);
				v.type = SQL_VALUE_NULL;
			} else {
				set_text(&v, scratch);
			}
			n++;
			rv = cb(arg, &v);
			if (rv != TR_OK) {
				return rv;
			}
			if (*p == ',') {
				p++;
				continue;
			}
			p++; /* '}' */
			break;
		}
	}
	while (p < end && is_space(*p)) {
		p++;
	}
	if (p != end) {
		return lit_fail(le, "Junk after closing right brace.");
	}
	if (want >= 0 && want != n) {
		return lit_fail(le, "Specified array dimensions do not match "
				    "array contents.");
	}
	return TR_OK;
}

/* The stored value's elements, JSON or (catalog) text form. */
static int each_stored(const struct sql_value *v, struct tr_buf *scratch,
		       elem_cb cb, void *arg)
{
	if (v->type != SQL_VALUE_TEXT && v->type != SQL_VALUE_BLOB) {
		return TR_EINVAL;
	}
	const char *p = v->p;
	size_t i = 0;
	while (i < v->len && is_space(p[i])) {
		i++;
	}
	if (i < v->len && p[i] == '[') {
		return each_json(p, v->len, scratch, cb, arg);
	}
	struct lit_err le;
	return each_literal(p, v->len, scratch, cb, arg, &le);
}

/* ---------------------------------------------------------------------
 * Writing the stored JSON
 * ------------------------------------------------------------------- */

/* A JSON string, escaped as SQLite's json_quote escapes it. */
static void put_json_string(struct tr_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	tr_buf_put_u8(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			tr_buf_put_u8(b, '\\');
			tr_buf_put_u8(b, c);
		} else if (c < 0x20) {
			static const char special[32] = {
				['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
				['\f'] = 'f', ['\r'] = 'r',
			};
			tr_buf_put_u8(b, '\\');
			if (special[c] != 0) {
				tr_buf_put_u8(b, (uint8_t)special[c]);
			} else {
				tr_buf_put_str(b, "u00");
				tr_buf_put_u8(b, (uint8_t)hex[c >> 4]);
				tr_buf_put_u8(b, (uint8_t)hex[c & 15]);
			}
		} else {
			tr_buf_put_u8(b, c);
		}
	}
	tr_buf_put_u8(b, '"');
}

/* A double that reads back exactly and stays REAL in json_each. */
static void put_json_real(struct tr_buf *b, double d)
{
	if (isnan(d)) {
		tr_buf_put_str(b, "\"NaN\"");
		return;
	}
	if (isinf(d)) {
		tr_buf_put_str(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return;
	}
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d) {
			break;
		}
	}
	tr_buf_put_str(b, tmp);
	if (strpbrk(tmp, ".e") == NULL) {
		tr_buf_put_str(b, ".0");
	}
}

/* One stored element value as JSON. */
static void put_json_value(struct tr_buf *b, const struct sql_value *v)
{
	static const char hex[] = "0123456789abcdef";
	switch (v->type) {
	case SQL_VALUE_INTEGER:
		tr_buf_printf(b, "%lld", (long long)v->integer);
		return;
	case SQL_VALUE_FLOAT:
		put_json_real(b, v->real);
		return;
	case SQL_VALUE_TEXT:
		put_json_string(b, v->p, v->len);
		return;
	case SQL_VALUE_BLOB: {
		const uint8_t *p = v->p;
		tr_buf_put_str(b, "\"\\\\x");
		for (size_t i = 0; i < v->len; i++) {
			tr_buf_put_u8(b, (uint8_t)hex[p[i] >> 4]);
			tr_buf_put_u8(b, (uint8_t)hex[p[i] & 15]);
		}
		tr_buf_put_u8(b, '"');
		return;
	}
	case SQL_VALUE_NULL:
	default:
		tr_buf_put_str(b, "null");
		return;
	}
}

/* ---------------------------------------------------------------------
 * Input
 * ------------------------------------------------------------------- */

struct dec {
	uint32_t elem;
	struct tr_arena *a;
	struct tr_buf *json;
	struct sql_error *err;
	unsigned n;
};

/* A text element: the element type's input function, then JSON. */
static int dec_text_elem(void *arg, const struct sql_value *v)
{
	struct dec *d = arg;
	if (d->n++ > 0) {
		tr_buf_put_u8(d->json, ',');
	}
	if (v->type == SQL_VALUE_NULL) {
		tr_buf_put_str(d->json, "null");
		return TR_OK;
	}
	struct sql_value ev;
	int rv = sql_param_decode(d->elem, 0, v->p, (int32_t)v->len, d->a, &ev,
				  d->err);
	if (rv != TR_OK) {
		return rv;
	}
	put_json_value(d->json, &ev);
	return TR_OK;
}

/* The JSON in @b as the TEXT value @out (copied into @a). */
static int finish_json(struct tr_buf *b, struct tr_arena *a,
		       struct sql_value *out)
{
	int rv = tr_buf_err(b);
	if (rv != TR_OK) {
		return rv;
	}
	char *s = tr_arena_strndup(a, (const char *)b->data, b->len);
	if (s == NULL) {
		return TR_ENOMEM;
	}
	memset(out, 0, sizeof *out);
	out->type = SQL_VALUE_TEXT;
	out->p = s;
	out->len = b->len;
	return TR_OK;
}

static int decode_text(uint32_t elem, const uint8_t *p, size_t len,
		       struct tr_arena *a, struct tr_buf *json,
		       struct sql_error *err)
{
	struct tr_buf scratch;
	tr_buf_init(&scratch, 0);
	struct dec d = { elem, a, json, err, 0 };
	struct lit_err le;
	tr_buf_put_u8(json, '[');
	int rv = each_literal((const char *)p, len, &scratch, dec_text_elem,
			      &d, &le);
	tr_buf_close(&scratch);
	if (rv == TR_EINVAL && le.unsupported != NULL) {
		return fail(err, a, "0A000", "%s", le.unsupported);
	}
	if (rv == TR_EINVAL) {
		char *s = tr_arena_strndup(a, (const char *)p, len);
		if (s == NULL) {
			return TR_ENOMEM;
		}
		fail(err, a, "22P02", "malformed array literal: \"%s\"", s);
		err->detail = le.detail;
		return TR_ESQL;
	}
	if (rv != TR_OK) {
		return rv;
	}
	tr_buf_put_u8(json, ']');
	return TR_OK;
}

static int32_t get_i32(const uint8_t *p)
{
	return (int32_t)tr_load_be32(p);
}

/* array_recv, one dimension. */
static int decode_binary(uint32_t elem, const uint8_t *p, size_t len,
			 struct tr_arena *a, struct tr_buf *json,
			 struct sql_error *err)
{
	size_t off = 0;
	if (len < 12) {
		return fail(err, a, "08P01",
			    "insufficient data left in message");
	}
	int32_t ndim = get_i32(p);
	int32_t flags = get_i32(p + 4);
	uint32_t etype = tr_load_be32(p + 8);
	off = 12;
	if (ndim < 0) {
		return fail(err, a, "22P03", "invalid number of dimensions: %d",
			    ndim);
	}
	if (ndim > MAX_DIM) {
		return fail(err, a, "54000",
			    "number of array dimensions (%d) exceeds the "
			    "maximum allowed (%d)",
			    ndim, MAX_DIM);
	}
	if (flags != 0 && flags != 1) {
		return fail(err, a, "22P03", "invalid array flags");
	}
	if (etype != elem) {
		char got[64], want[64];
		sql__format_type(etype, -1, false, got, sizeof got);
		sql__format_type(elem, -1, false, want, sizeof want);
		return fail(err, a, "42804",
			    "binary data has array element type %u (%s) "
			    "instead of expected %u (%s)",
			    etype, got, elem, want);
	}
	int64_t nitems = ndim > 0 ? 1 : 0;
	int32_t lbound = 1;
	for (int32_t i = 0; i < ndim; i++) {
		if (len - off < 8) {
			return fail(err, a, "08P01",
				    "insufficient data left in message");
		}
		int32_t dim = get_i32(p + off);
		int32_t lb = get_i32(p + off + 4);
		off += 8;
		if (dim < 0 || (nitems *= dim) > MAX_ARRAY_SIZE) {
			return fail(err, a, "54000",
				    "array size exceeds the maximum allowed "
				    "(%d)",
				    MAX_ARRAY_SIZE);
		}
		if (dim > 0 && (int64_t)lb + dim - 1 > INT32_MAX) {
			return fail(err, a, "54000",
				    "array lower bound is too large: %d", lb);
		}
		if (i == 0) {
			lbound = lb;
		}
	}
	tr_buf_put_u8(json, '[');
	if (nitems > 0 && ndim > 1) {
		return fail(err, a, "0A000",
			    "multidimensional arrays are not supported");
	}
	if (nitems > 0 && lbound != 1) {
		return fail(err, a, "0A000",
			    "array lower bounds other than 1 are not "
			    "supported");
	}
	/* Every element takes at least its length word: a count the bytes
	 * cannot hold is refused before anything is read. */
	if (nitems > (int64_t)((len - off) / 4)) {
		return fail(err, a, "08P01",
			    "insufficient data left in message");
	}
	int16_t typlen = sql_type_len(elem);
	for (int64_t i = 0; i < nitems; i++) {
		if (len - off < 4) {
			return fail(err, a, "08P01",
				    "insufficient data left in message");
		}
		int32_t ilen = get_i32(p + off);
		off += 4;
		if (ilen < -1 || (ilen > 0 && (size_t)ilen > len - off)) {
			return fail(err, a, "22P03",
				    "insufficient data left in message");
		}
		if (i > 0) {
			tr_buf_put_u8(json, ',');
		}
		if (ilen == -1) {
			tr_buf_put_str(json, "null");
			continue;
		}
		if (typlen > 0 && ilen > typlen) {
			return fail(err, a, "22P03",
				    "improper binary format in array element "
				    "%lld",
				    (long long)i + 1);
		}
		struct sql_value ev;
		int rv = sql_param_decode(elem, 1, p + off, ilen, a, &ev, err);
		if (rv != TR_OK) {
			return rv;
		}
		off += (size_t)ilen;
		put_json_value(json, &ev);
	}
	if (off != len) {
		return fail(err, a, "22P03", "incorrect binary data format");
	}
	tr_buf_put_u8(json, ']');
	return TR_OK;
}

int sql__array_decode(uint32_t oid, int16_t format, const uint8_t *p,
		      size_t len, struct tr_arena *a, struct sql_value *out,
		      struct sql_error *err)
{
	uint32_t elem = sql__array_elem(oid);
	TR_PRE(elem != 0);
	struct tr_buf json;
	tr_buf_init(&json, 0);
	int rv = format == 0 ? decode_text(elem, p, len, a, &json, err)
			     : decode_binary(elem, p, len, a, &json, err);
	if (rv == TR_OK) {
		rv = finish_json(&json, a, out);
	}
	tr_buf_close(&json);
	return rv;
}

/* ---------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------- */

struct fmt {
	uint32_t elem;
	int32_t typmod; /* the elements' (text output only), or -1 */
	struct tr_buf *out;
	struct tr_buf tmp; /* one element's text or bytes */
	unsigned n;
	bool has_null;
	bool ok; /* binary_ok: every element fits */
};

/* A bytea element: its stored hex text as a BLOB in f->tmp (other text
 * is taken as the bytes themselves). */
static void bytea_elem(struct fmt *f, const struct sql_value *v,
		       struct sql_value *bv)
{
	*bv = *v;
	if (v->type != SQL_VALUE_TEXT) {
		return;
	}
	const char *s = v->p;
	if (v->len < 2 || s[0] != '\\' || s[1] != 'x' || v->len % 2 != 0) {
		bv->type = SQL_VALUE_BLOB;
		return;
	}
	tr_buf_reset(&f->tmp);
	for (size_t i = 2; i + 1 < v->len; i += 2) {
		int hi = sql__hex_digit(s[i]), lo = sql__hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0) {
			*bv = *v;
			bv->type = SQL_VALUE_BLOB;
			return;
		}
		tr_buf_put_u8(&f->tmp, (uint8_t)(hi << 4 | lo));
	}
	bv->type = SQL_VALUE_BLOB;
	bv->p = f->tmp.len > 0 ? (const void *)f->tmp.data : "";
	bv->len = f->tmp.len;
}

/* array_out's rule: quote empty strings, NULL-looking text and text
 * with a delimiter, brace, quote, backslash or blank. */
static bool needs_quotes(const uint8_t *s, size_t len)
{
	if (len == 0 || (len == 4 && strncasecmp((const char *)s, "NULL",
						  4) == 0)) {
		return true;
	}
	for (size_t i = 0; i < len; i++) {
		char c = (char)s[i];
		if (c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' ||
		    is_space(c)) {
			return true;
		}
	}
	return false;
}

static int fmt_text_elem(void *arg, const struct sql_value *v)
{
	struct fmt *f = arg;
	if (f->n++ > 0) {
		tr_buf_put_u8(f->out, ',');
	}
	if (v->type == SQL_VALUE_NULL) {
		tr_buf_put_str(f->out, "NULL");
		return TR_OK;
	}
	tr_buf_reset(&f->tmp);
	if (f->elem == SQL_OID_BYTEA && v->type == SQL_VALUE_TEXT) {
		tr_buf_put(&f->tmp, v->p, v->len); /* already "\x.." */
	} else {
		(void)sql_format_text_mod(f->elem, f->typmod, v, &f->tmp);
	}
	if (tr_buf_err(&f->tmp) != TR_OK) {
		return TR_ENOMEM;
	}
	const uint8_t *s = f->tmp.data;
	size_t len = f->tmp.len;
	if (!needs_quotes(s, len)) {
		tr_buf_put(f->out, s, len);
		return TR_OK;
	}
	tr_buf_put_u8(f->out, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			tr_buf_put_u8(f->out, '\\');
		}
		tr_buf_put_u8(f->out, s[i]);
	}
	tr_buf_put_u8(f->out, '"');
	return TR_OK;
}

static int count_elem(void *arg, const struct sql_value *v)
{
	struct fmt *f = arg;
	f->n++;
	f->has_null |= v->type == SQL_VALUE_NULL;
	if (v->type != SQL_VALUE_NULL && f->ok) {
		struct sql_value bv = *v;
		if (f->elem == SQL_OID_BYTEA) {
			bytea_elem(f, v, &bv);
		}
		f->ok = sql_format_binary_ok(f->elem, &bv);
	}
	return TR_OK;
}

static int fmt_binary_elem(void *arg, const struct sql_value *v)
{
	struct fmt *f = arg;
	if (v->type == SQL_VALUE_NULL) {
		tr_buf_put_be32(f->out, UINT32_MAX);
		return TR_OK;
	}
	struct sql_value bv = *v;
	if (f->elem == SQL_OID_BYTEA) {
		bytea_elem(f, v, &bv);
	}
	size_t at = f->out->len;
	tr_buf_put_be32(f->out, 0);
	(void)sql_format_binary(f->elem, &bv, f->out);
	if (tr_buf_err(f->out) == TR_OK) {
		tr_buf_set_be32(f->out, at, (uint32_t)(f->out->len - at - 4));
	}
	return TR_OK;
}

static void put_plain(struct tr_buf *out, const struct sql_value *v)
{
	switch (v->type) {
	case SQL_VALUE_INTEGER:
		tr_buf_printf(out, "%lld", (long long)v->integer);
		break;
	case SQL_VALUE_FLOAT:
		tr_buf_printf(out, "%.17g", v->real);
		break;
	case SQL_VALUE_TEXT:
	case SQL_VALUE_BLOB:
		tr_buf_put(out, v->p, v->len);
		break;
	default:
		break;
	}
}

/* Fold a scratch buffer's failure into @out's sticky error. */
static void fold_err(struct tr_buf *out, int rv)
{
	if (rv != TR_OK && out->err == TR_OK) {
		out->err = rv;
	}
}

void sql__array_format_text(uint32_t oid, const struct sql_value *v,
			    struct tr_buf *out)
{
	sql__array_format_text_mod(oid, -1, v, out);
}

void sql__array_format_text_mod(uint32_t oid, int32_t typmod,
				const struct sql_value *v, struct tr_buf *out)
{
	struct fmt f = { sql__array_elem(oid), typmod, out, { 0 }, 0, false,
			 true };
	struct tr_buf scratch;
	tr_buf_init(&f.tmp, 0);
	tr_buf_init(&scratch, 0);
	size_t mark = out->len;
	tr_buf_put_u8(out, '{');
	int rv = each_stored(v, &scratch, fmt_text_elem, &f);
	if (rv == TR_OK) {
		tr_buf_put_u8(out, '}');
	} else if (rv == TR_EINVAL && out->err == TR_OK) {
		/* Not an array (SQLite's flexible typing): as stored. */
		out->len = mark;
		put_plain(out, v);
	} else {
		fold_err(out, rv);
	}
	fold_err(out, tr_buf_err(&f.tmp));
	tr_buf_close(&f.tmp);
	tr_buf_close(&scratch);
}

bool sql__array_binary_ok(uint32_t oid, const struct sql_value *v)
{
	struct fmt f = { sql__array_elem(oid), -1, NULL, { 0 }, 0, false, true };
	struct tr_buf scratch;
	tr_buf_init(&f.tmp, 0);
	tr_buf_init(&scratch, 0);
	int rv = each_stored(v, &scratch, count_elem, &f);
	tr_buf_close(&f.tmp);
	tr_buf_close(&scratch);
	return rv == TR_OK && f.ok;
}

void sql__array_format_binary(uint32_t oid, const struct sql_value *v,
			      struct tr_buf *out)
{
	struct fmt f = { sql__array_elem(oid), -1, out, { 0 }, 0, false, true };
	struct tr_buf scratch;
	tr_buf_init(&f.tmp, 0);
	tr_buf_init(&scratch, 0);
	int rv = each_stored(v, &scratch, count_elem, &f);
	if (rv != TR_OK) {
		/* Not an array: an empty one (check with binary_ok). */
		fold_err(out, rv == TR_EINVAL ? TR_OK : rv);
		f.n = 0;
		f.has_null = false;
	}
	tr_buf_put_be32(out, f.n > 0 ? 1 : 0);
	tr_buf_put_be32(out, f.has_null ? 1 : 0);
	tr_buf_put_be32(out, f.elem);
	if (f.n > 0) {
		tr_buf_put_be32(out, f.n);
		tr_buf_put_be32(out, 1);
		rv = each_stored(v, &scratch, fmt_binary_elem, &f);
		fold_err(out, rv);
	}
	fold_err(out, tr_buf_err(&f.tmp));
	tr_buf_close(&f.tmp);
	tr_buf_close(&scratch);
}

/* ---------------------------------------------------------------------
 * SQLite functions
 * ------------------------------------------------------------------- */

/* A function failure as "SQLSTATE: message" (errors.c maps it back). */
static void fn_fail(sqlite3_context *ctx, const struct sql_error *err)
{
	char *msg = sqlite3_mprintf("%s: %s", err->sqlstate,
				    err->message != NULL ? err->message : "");
	if (msg == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_error(ctx, msg, -1);
	sqlite3_free(msg);
}

/* An SQLite argument as a sql_value (bytes borrowed from SQLite). */
static void arg_value(sqlite3_value *a, struct sql_value *v)
{
	memset(v, 0, sizeof *v);
	switch (sqlite3_value_type(a)) {
	case SQLITE_INTEGER:
		v->type = SQL_VALUE_INTEGER;
		v->integer = sqlite3_value_int64(a);
		break;
	case SQLITE_FLOAT:
		v->type = SQL_VALUE_FLOAT;
		v->real = sqlite3_value_double(a);
		break;
	case SQLITE_TEXT:
		v->type = SQL_VALUE_TEXT;
		v->p = sqlite3_value_text(a);
		v->len = (size_t)sqlite3_value_bytes(a);
		break;
	case SQLITE_BLOB:
		v->type = SQL_VALUE_BLOB;
		v->p = sqlite3_value_blob(a);
		v->len = (size_t)sqlite3_value_bytes(a);
		if (v->p == NULL) {
			v->p = "";
		}
		break;
	default:
		v->type = SQL_VALUE_NULL;
		break;
	}
}

static void result_buf(sqlite3_context *ctx, struct tr_buf *b)
{
	if (tr_buf_err(b) != TR_OK) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text64(ctx, b->len > 0 ? (const char *)b->data : "",
			      b->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

/* pg_array_in(text, array_oid): array_in at run time (text::int4[]). */
static void fn_array_in(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	uint32_t oid = (uint32_t)sqlite3_value_int64(argv[1]);
	if (sql__array_elem(oid) == 0) {
		oid = 1009;
	}
	const unsigned char *s = sqlite3_value_text(argv[0]);
	int n = sqlite3_value_bytes(argv[0]);
	if (s == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 1024);
	struct sql_value v;
	struct sql_error err;
	int rv = sql_param_decode(oid, 0, s, n, &a, &v, &err);
	if (rv == TR_OK) {
		sqlite3_result_text64(ctx, v.p, v.len, SQLITE_TRANSIENT,
				      SQLITE_UTF8);
	} else if (rv == TR_ESQL) {
		fn_fail(ctx, &err);
	} else {
		sqlite3_result_error_nomem(ctx);
	}
	tr_arena_close(&a);
}

/* pg_array_out(arr, array_oid): array_out (arr::text). */
static void fn_array_out(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	struct sql_value v;
	arg_value(argv[0], &v);
	if (v.type == SQL_VALUE_NULL) {
		return;
	}
	uint32_t oid = (uint32_t)sqlite3_value_int64(argv[1]);
	struct tr_buf b;
	tr_buf_init(&b, 0);
	(void)sql_format_text(sql__array_elem(oid) != 0 ? oid : 1009, &v, &b);
	result_buf(ctx, &b);
	tr_buf_close(&b);
}

struct join {
	uint32_t elem;
	const char *sep;
	size_t sep_len;
	const char *null_str; /* NULL: skip NULL elements */
	struct tr_buf *out;
	struct tr_buf tmp;
	unsigned n;
};

static int join_elem(void *arg, const struct sql_value *v)
{
	struct join *j = arg;
	if (v->type == SQL_VALUE_NULL && j->null_str == NULL) {
		return TR_OK;
	}
	if (j->n++ > 0) {
		tr_buf_put(j->out, j->sep, j->sep_len);
	}
	if (v->type == SQL_VALUE_NULL) {
		tr_buf_put_str(j->out, j->null_str);
	} else if (j->elem == SQL_OID_BYTEA && v->type == SQL_VALUE_TEXT) {
		tr_buf_put(j->out, v->p, v->len);
	} else {
		(void)sql_format_text(j->elem, v, j->out);
	}
	return TR_OK;
}

/* pg_array_to_string(arr, array_oid, sep[, null_str]). */
static void fn_array_to_string(sqlite3_context *ctx, int argc,
			       sqlite3_value **argv)
{
	struct sql_value v;
	arg_value(argv[0], &v);
	if (v.type == SQL_VALUE_NULL ||
	    sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		return;
	}
	uint32_t oid = (uint32_t)sqlite3_value_int64(argv[1]);
	struct tr_buf b, scratch;
	tr_buf_init(&b, 0);
	tr_buf_init(&scratch, 0);
	struct join j = { 0 };
	j.elem = sql__array_elem(oid) != 0 ? sql__array_elem(oid)
					   : SQL_OID_TEXT;
	j.sep = (const char *)sqlite3_value_text(argv[2]);
	j.sep_len = (size_t)sqlite3_value_bytes(argv[2]);
	if (argc > 3 && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
		j.null_str = (const char *)sqlite3_value_text(argv[3]);
	}
	j.out = &b;
	int rv = j.sep == NULL ? TR_ENOMEM
			       : each_stored(&v, &scratch, join_elem, &j);
	if (rv == TR_OK) {
		result_buf(ctx, &b);
	} else if (rv == TR_EINVAL) {
		sqlite3_result_error(ctx, "22P02: malformed array value", -1);
	} else {
		sqlite3_result_error_nomem(ctx);
	}
	tr_buf_close(&b);
	tr_buf_close(&scratch);
}

/* pg_string_to_array(s, sep[, null_str]): a text[] (PostgreSQL 15:
 * a NULL separator splits into characters, an empty one gives the
 * whole string, an empty string no elements). */
static void fn_string_to_array(sqlite3_context *ctx, int argc,
			       sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]);
	bool by_char = sqlite3_value_type(argv[1]) == SQLITE_NULL;
	const char *sep = by_char ? "" : (const char *)sqlite3_value_text(argv[1]);
	size_t sep_len = by_char ? 0 : (size_t)sqlite3_value_bytes(argv[1]);
	const char *null_str = NULL;
	size_t null_len = 0;
	if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
		null_str = (const char *)sqlite3_value_text(argv[2]);
		null_len = (size_t)sqlite3_value_bytes(argv[2]);
	}
	if (s == NULL || sep == NULL || (argc > 2 && null_str == NULL &&
					 sqlite3_value_type(argv[2]) !=
						 SQLITE_NULL)) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_u8(&b, '[');
	size_t i = 0, k = 0;
	while (n > 0 && i <= n) {
		size_t j;
		if (by_char) {
			/* One UTF-8 character. */
			j = i + 1;
			while (j < n && ((unsigned char)s[j] & 0xc0) == 0x80) {
				j++;
			}
			if (i >= n) {
				break;
			}
		} else if (sep_len == 0) {
			j = n;
		} else {
			const char *hit = NULL;
			for (size_t p = i; p + sep_len <= n; p++) {
				if (memcmp(s + p, sep, sep_len) == 0) {
					hit = s + p;
					break;
				}
			}
			j = hit != NULL ? (size_t)(hit - s) : n;
		}
		if (k++ > 0) {
			tr_buf_put_u8(&b, ',');
		}
		if (null_str != NULL && j - i == null_len &&
		    memcmp(s + i, null_str, null_len) == 0) {
			tr_buf_put_str(&b, "null");
		} else {
			put_json_string(&b, s + i, j - i);
		}
		if (by_char) {
			i = j;
		} else if (j >= n) {
			break;
		} else {
			i = j + sep_len;
		}
	}
	tr_buf_put_u8(&b, ']');
	result_buf(ctx, &b);
	tr_buf_close(&b);
}

struct norm {
	struct tr_buf *out;
	unsigned n;
};

/* An element of an untyped text-form array: numbers as numbers (as a
 * NUMERIC column would store them), the rest as strings. */
static int norm_elem(void *arg, const struct sql_value *v)
{
	struct norm *nm = arg;
	if (nm->n++ > 0) {
		tr_buf_put_u8(nm->out, ',');
	}
	if (v->type != SQL_VALUE_TEXT) {
		put_json_value(nm->out, v);
		return TR_OK;
	}
	char tmp[64];
	if (v->len > 0 && v->len < sizeof tmp) {
		memcpy(tmp, v->p, v->len);
		tmp[v->len] = '\0';
		char *end;
		errno = 0;
		long long i = strtoll(tmp, &end, 10);
		if (*end == '\0' && errno == 0 && !is_space(tmp[0])) {
			tr_buf_printf(nm->out, "%lld", i);
			return TR_OK;
		}
		double d = strtod(tmp, &end);
		if (*end == '\0' && isfinite(d) && !is_space(tmp[0]) &&
		    strpbrk(tmp, "xXnN") == NULL) {
			put_json_real(nm->out, d);
			return TR_OK;
		}
	}
	put_json_string(nm->out, v->p, v->len);
	return TR_OK;
}

/* pg_array_norm(arr): the array as JSON, whether stored as JSON already
 * or in PostgreSQL's text form; anything else unchanged. */
static void fn_array_norm(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	struct sql_value v;
	arg_value(argv[0], &v);
	const char *p = v.p;
	size_t i = 0;
	while (v.type == SQL_VALUE_TEXT && i < v.len && is_space(p[i])) {
		i++;
	}
	if (v.type != SQL_VALUE_TEXT || i >= v.len || p[i] == '[') {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	struct tr_buf b, scratch;
	tr_buf_init(&b, 0);
	tr_buf_init(&scratch, 0);
	struct norm nm = { &b, 0 };
	struct lit_err le;
	tr_buf_put_u8(&b, '[');
	int rv = each_literal(p, v.len, &scratch, norm_elem, &nm, &le);
	tr_buf_put_u8(&b, ']');
	if (rv == TR_OK) {
		result_buf(ctx, &b);
	} else if (rv == TR_EINVAL) {
		sqlite3_result_value(ctx, argv[0]);
	} else {
		sqlite3_result_error_nomem(ctx);
	}
	tr_buf_close(&b);
	tr_buf_close(&scratch);
}

static int copy_elem(void *arg, const struct sql_value *v)
{
	struct norm *nm = arg;
	if (nm->n++ > 0) {
		tr_buf_put_u8(nm->out, ',');
	}
	put_json_value(nm->out, v);
	return TR_OK;
}

/* Is @v an array value (JSON or text form)? */
static bool looks_like_array(const struct sql_value *v)
{
	const char *p = v->p;
	size_t i = 0;
	if (v->type != SQL_VALUE_TEXT) {
		return false;
	}
	while (i < v->len && is_space(p[i])) {
		i++;
	}
	return i < v->len && (p[i] == '[' || p[i] == '{');
}

/*
 * pg_array_cat(a, b, ka, kb): a || b, where each side is an array (k 1),
 * an element (k 2) or, when the translator could not tell (k 0), an
 * array if it looks like one.  NULL arrays are empty; NULL elements are
 * elements.
 */
static void fn_array_cat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	struct tr_buf b, scratch;
	tr_buf_init(&b, 0);
	tr_buf_init(&scratch, 0);
	struct norm nm = { &b, 0 };
	int rv = TR_OK;
	bool any = false;
	tr_buf_put_u8(&b, '[');
	for (int i = 0; i < 2 && rv == TR_OK; i++) {
		struct sql_value v;
		arg_value(argv[i], &v);
		int k = sqlite3_value_int(argv[2 + i]);
		bool arr = k == 1 || (k == 0 && looks_like_array(&v));
		if (!arr) {
			any = true;
			rv = copy_elem(&nm, &v);
			continue;
		}
		if (v.type == SQL_VALUE_NULL) {
			continue;
		}
		any = true;
		const char *p = v.p;
		size_t j = 0;
		while (v.type == SQL_VALUE_TEXT && j < v.len && is_space(p[j])) {
			j++;
		}
		if (v.type == SQL_VALUE_TEXT && j < v.len && p[j] == '[') {
			rv = each_json(p, v.len, &scratch, copy_elem, &nm);
		} else if (v.type == SQL_VALUE_TEXT) {
			struct lit_err le;
			rv = each_literal(p, v.len, &scratch, norm_elem, &nm,
					  &le);
		} else {
			rv = TR_EINVAL;
		}
	}
	tr_buf_put_u8(&b, ']');
	if (rv == TR_OK && !any) {
		sqlite3_result_null(ctx);
	} else if (rv == TR_OK) {
		result_buf(ctx, &b);
	} else if (rv == TR_EINVAL) {
		sqlite3_result_error(ctx, "22P02: malformed array value", -1);
	} else {
		sqlite3_result_error_nomem(ctx);
	}
	tr_buf_close(&b);
	tr_buf_close(&scratch);
}

int sql__array_register(sqlite3 *db)
{
	static const struct {
		const char *name;
		int n_args;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{ "pg_array_in", 2, fn_array_in },
		{ "pg_array_norm", 1, fn_array_norm },
		{ "pg_array_cat", 4, fn_array_cat },
		{ "pg_array_out", 2, fn_array_out },
		{ "pg_array_to_string", 3, fn_array_to_string },
		{ "pg_array_to_string", 4, fn_array_to_string },
		{ "pg_string_to_array", 2, fn_string_to_array },
		{ "pg_string_to_array", 3, fn_string_to_array },
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
	return SQLITE_OK;
}
