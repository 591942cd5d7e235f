/*
 * sql/json.c: json and jsonb as PostgreSQL 15 has them, on text.
 *
 * Both types are stored as TEXT (sql-translation.md §6).  json keeps the
 * input verbatim; jsonb is kept in PostgreSQL's canonical output form,
 * which this file writes:
 *
 *   - object keys sorted by (length, bytes), duplicates removed (the
 *     last one wins), as jsonb's binary layout orders them;
 *   - numbers as numeric_out prints them ('1e3' -> 1000, '1.50' stays
 *     1.50, '-0' -> 0);
 *   - strings with PostgreSQL's escapes (escape_json: \" \\ \b \f \n \r
 *     \t, other control characters as \u00XX, everything else literal);
 *   - ", " between items and ": " after keys.
 *
 * Two canonical texts are equal exactly when the jsonb values are, so
 * '=' stays SQLite's text comparison (and indexes work).  The canonical
 * form is written wherever a value becomes jsonb: binds and COPY
 * (sql_param_decode), literal and run-time casts (pg_jsonb), every jsonb
 * function below, and output (sql_format_text), which also covers text
 * that reached a jsonb column as an untyped literal.
 *
 * The SQL functions (registered by sql_functions_register, names start
 * with pg_) parse their arguments into a tree in an arena, work on the
 * tree and write the result.  json-mode functions answer with the input's
 * own text where PostgreSQL does (json -> 'k' returns the value exactly as
 * written).  Errors are "SQLSTATE: message" as in functions.c.
 *
 * Limits: documents up to JSON_MAX_IN bytes and JSON_MAX_NODES values,
 * nesting up to JSON_MAX_DEPTH, results up to JSON_MAX_OUT bytes (54000
 * beyond).  Numbers keep their digits (numeric), exponents beyond +-1000
 * are refused as numeric_in refuses them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

#define JSON_MAX_DEPTH 1000
#define JSON_MAX_NODES (4u << 20)
#define JSON_MAX_IN    (64u << 20)
#define JSON_MAX_OUT   (256u << 20)
/* numeric_in refuses exponents beyond NUMERIC_MAX_PRECISION. */
#define NUM_MAX_EXP 1000

/* ---------------------------------------------------------------------
 * The tree
 * ------------------------------------------------------------------- */

enum jt { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	size_t n;	  /* ARR: elements; OBJ: pairs */
	const char *s;	  /* STR: decoded UTF-8; NUM: as written */
	size_t len;	  /* bytes of @s */
	const char *raw;  /* the value's text in the input (json output) */
	size_t raw_len;	  /* 0 for values built here */
	struct jv **v;	  /* ARR: n elements; OBJ: key, value, key, ... */
};

struct jp {
	const char *p, *end;
	struct tr_arena *a;
	int depth;
	size_t nodes;
	bool canon;	 /* sort and deduplicate object keys (jsonb) */
	const char *err; /* "SQLSTATE: message" */
};

static const char *const ERR_SYNTAX = "22P02: invalid input syntax for type "
				      "json";
static const char *const ERR_OOM = "53200: out of memory";

static struct jv *jv_new(struct tr_arena *a, enum jt t)
{
	struct jv *v = tr_arena_alloc(a, sizeof *v);
	if (v != NULL) {
		memset(v, 0, sizeof *v);
		v->t = t;
	}
	return v;
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r')) {
		j->p++;
	}
}

static bool hex4(struct jp *j, uint32_t *u)
{
	if (j->end - j->p < 4) {
		return false;
	}
	*u = 0;
	for (int i = 0; i < 4; i++) {
		int h = sql__hex_digit(j->p[i]);
		if (h < 0) {
			return false;
		}
		*u = *u << 4 | (uint32_t)h;
	}
	j->p += 4;
	return true;
}

static size_t utf8_encode(char *w, uint32_t c)
{
	if (c < 0x80) {
		w[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		w[0] = (char)(0xc0 | c >> 6);
		w[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		w[0] = (char)(0xe0 | c >> 12);
		w[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		w[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	w[0] = (char)(0xf0 | c >> 18);
	w[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	w[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	w[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A string at j->p (the opening quote): decoded into @s/@len (pointing
 * into the input when there is no escape). */
static bool parse_string(struct jp *j, const char **s, size_t *len)
{
	const char *start = ++j->p;
	bool esc = false;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;
		if (c < 0x20) {
			j->err = ERR_SYNTAX;
			return false;
		}
		if (c == '\\') {
			esc = true;
			j->p++;
			if (j->p >= j->end) {
				break;
			}
		}
		j->p++;
	}
	if (j->p >= j->end) {
		j->err = ERR_SYNTAX;
		return false;
	}
	const char *stop = j->p++;
	if (!esc) {
		*s = start;
		*len = (size_t)(stop - start);
		return true;
	}
	char *w = tr_arena_alloc(j->a, (size_t)(stop - start) + 1);
	if (w == NULL) {
		j->err = ERR_OOM;
		return false;
	}
	struct jp r = *j;
	r.p = start;
	r.end = stop;
	size_t n = 0;
	while (r.p < r.end) {
		char c = *r.p++;
		if (c != '\\') {
			w[n++] = c;
			continue;
		}
		c = *r.p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			w[n++] = c;
			break;
		case 'b':
			w[n++] = '\b';
			break;
		case 'f':
			w[n++] = '\f';
			break;
		case 'n':
			w[n++] = '\n';
			break;
		case 'r':
			w[n++] = '\r';
			break;
		case 't':
			w[n++] = '\t';
			break;
		case 'u': {
			uint32_t u;
			if (!hex4(&r, &u)) {
				j->err = ERR_SYNTAX;
				return false;
			}
			if (u >= 0xd800 && u <= 0xdbff) {
				uint32_t lo;
				if (r.end - r.p < 2 || r.p[0] != '\\' ||
				    r.p[1] != 'u') {
					j->err = ERR_SYNTAX;
					return false;
				}
				r.p += 2;
				if (!hex4(&r, &lo) || lo < 0xdc00 ||
				    lo > 0xdfff) {
					j->err = ERR_SYNTAX;
					return false;
				}
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00);
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				j->err = ERR_SYNTAX;
				return false;
			} else if (u == 0) {
				j->err = "22P05: unsupported Unicode escape "
					 "sequence";
				return false;
			}
			/* Each \uXXXX is 6 bytes, its UTF-8 at most 4. */
			n += utf8_encode(w + n, u);
			break;
		}
		default:
			j->err = ERR_SYNTAX;
			return false;
		}
	}
	w[n] = '\0';
	*s = w;
	*len = n;
	return true;
}

static bool digits(struct jp *j)
{
	const char *s = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		j->p++;
	}
	return j->p > s;
}

static bool parse_number(struct jp *j)
{
	if (*j->p == '-') {
		j->p++;
	}
	if (j->p < j->end && *j->p == '0') {
		j->p++;
	} else if (!digits(j)) {
		return false;
	}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!digits(j)) {
			return false;
		}
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-')) {
			j->p++;
		}
		if (!digits(j)) {
			return false;
		}
	}
	return true;
}

static bool word(struct jp *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) {
		return false;
	}
	j->p += n;
	return true;
}

/* Order of jsonb object keys: shorter first, then bytes. */
static int key_cmp(const struct jv *a, const struct jv *b)
{
	if (a->len != b->len) {
		return a->len < b->len ? -1 : 1;
	}
	return a->len == 0 ? 0 : memcmp(a->s, b->s, a->len);
}

struct pair_ix {
	struct jv *k, *v;
	size_t i;
};

static int pair_cmp(const void *x, const void *y)
{
	const struct pair_ix *a = x, *b = y;
	int c = key_cmp(a->k, b->k);
	if (c != 0) {
		return c;
	}
	return a->i < b->i ? -1 : a->i > b->i;
}

static bool is_canonical_obj(const struct jv *o)
{
	for (size_t i = 1; i < o->n; i++) {
		if (key_cmp(o->v[2 * (i - 1)], o->v[2 * i]) >= 0) {
			return false;
		}
	}
	return true;
}

/* Sort @o's pairs as jsonb does and keep the last of equal keys; the
 * pairs are rewritten in place (false on OOM). */
static bool canon_obj(struct tr_arena *a, struct jv *o)
{
	if (is_canonical_obj(o)) {
		return true;
	}
	struct pair_ix *p = tr_arena_alloc(a, o->n * sizeof *p);
	if (p == NULL) {
		return false;
	}
	for (size_t i = 0; i < o->n; i++) {
		p[i] = (struct pair_ix){ o->v[2 * i], o->v[2 * i + 1], i };
	}
	qsort(p, o->n, sizeof *p, pair_cmp);
	size_t n = 0;
	for (size_t i = 0; i < o->n; i++) {
		if (i + 1 < o->n && key_cmp(p[i].k, p[i + 1].k) == 0) {
			continue; /* a later duplicate wins */
		}
		o->v[2 * n] = p[i].k;
		o->v[2 * n + 1] = p[i].v;
		n++;
	}
	o->n = n;
	return true;
}

static struct jv *parse_value(struct jp *j);

static struct jv *parse_container(struct jp *j, bool obj)
{
	struct jv *c = jv_new(j->a, obj ? J_OBJ : J_ARR);
	if (c == NULL) {
		j->err = ERR_OOM;
		return NULL;
	}
	if (++j->depth > JSON_MAX_DEPTH) {
		j->err = "54001: stack depth limit exceeded";
		return NULL;
	}
	char close = obj ? '}' : ']';
	size_t cap = 0, n = 0; /* slots in c->v */
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return c;
	}
	while (true) {
		size_t need = obj ? 2 : 1;
		if (n + need > cap) {
			size_t ncap = cap == 0 ? 8 : cap * 2;
			struct jv **nv = tr_arena_alloc(j->a,
							ncap * sizeof *nv);
			if (nv == NULL) {
				j->err = ERR_OOM;
				return NULL;
			}
			if (n > 0) {
				memcpy(nv, c->v, n * sizeof *nv);
			}
			c->v = nv;
			cap = ncap;
		}
		if (obj) {
			ws(j);
			if (j->p >= j->end || *j->p != '"') {
				j->err = ERR_SYNTAX;
				return NULL;
			}
			struct jv *k = jv_new(j->a, J_STR);
			if (k == NULL) {
				j->err = ERR_OOM;
				return NULL;
			}
			if (!parse_string(j, &k->s, &k->len)) {
				return NULL;
			}
			ws(j);
			if (j->p >= j->end || *j->p != ':') {
				j->err = ERR_SYNTAX;
				return NULL;
			}
			j->p++;
			c->v[n++] = k;
		}
		struct jv *v = parse_value(j);
		if (v == NULL) {
			return NULL;
		}
		c->v[n++] = v;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			break;
		}
		j->err = ERR_SYNTAX;
		return NULL;
	}
	c->n = obj ? n / 2 : n;
	j->depth--;
	if (obj && j->canon && !canon_obj(j->a, c)) {
		j->err = ERR_OOM;
		return NULL;
	}
	return c;
}

static struct jv *parse_value(struct jp *j)
{
	ws(j);
	if (j->p >= j->end) {
		j->err = ERR_SYNTAX;
		return NULL;
	}
	if (++j->nodes > JSON_MAX_NODES) {
		j->err = "54000: json document has too many values";
		return NULL;
	}
	const char *start = j->p;
	struct jv *v;
	switch (*j->p) {
	case '"':
		v = jv_new(j->a, J_STR);
		if (v != NULL && !parse_string(j, &v->s, &v->len)) {
			return NULL;
		}
		break;
	case '{':
	case '[':
		v = parse_container(j, *j->p == '{');
		if (v == NULL) {
			return NULL;
		}
		break;
	case 't':
	case 'f':
	case 'n': {
		enum jt t = *j->p == 't' ? J_TRUE : *j->p == 'f' ? J_FALSE
								   : J_NULL;
		if (!word(j, t == J_TRUE ? "true" : t == J_FALSE ? "false"
								  : "null")) {
			j->err = ERR_SYNTAX;
			return NULL;
		}
		v = jv_new(j->a, t);
		break;
	}
	default:
		if (!parse_number(j)) {
			j->err = ERR_SYNTAX;
			return NULL;
		}
		v = jv_new(j->a, J_NUM);
		if (v != NULL) {
			v->s = start;
			v->len = (size_t)(j->p - start);
		}
		break;
	}
	if (v == NULL) {
		j->err = ERR_OOM;
		return NULL;
	}
	v->raw = start;
	v->raw_len = (size_t)(j->p - start);
	return v;
}

/* Parse a whole document; NULL with *err set on failure. */
static struct jv *parse(struct tr_arena *a, const char *p, size_t len,
			bool canon, const char **err)
{
	if (len > JSON_MAX_IN) {
		*err = "54000: json document is too large";
		return NULL;
	}
	struct jp j = { p, p + len, a, 0, 0, canon, NULL };
	struct jv *v = parse_value(&j);
	if (v != NULL) {
		ws(&j);
		if (j.p != j.end) {
			j.err = ERR_SYNTAX;
			v = NULL;
		}
	}
	*err = j.err;
	return v;
}

/* ---------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------- */

/* escape_json. */
static void put_str(struct tr_buf *b, const char *s, size_t len)
{
	tr_buf_put_u8(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			continue;
		}
		tr_buf_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			tr_buf_put_str(b, "\\\"");
			break;
		case '\\':
			tr_buf_put_str(b, "\\\\");
			break;
		case '\b':
			tr_buf_put_str(b, "\\b");
			break;
		case '\f':
			tr_buf_put_str(b, "\\f");
			break;
		case '\n':
			tr_buf_put_str(b, "\\n");
			break;
		case '\r':
			tr_buf_put_str(b, "\\r");
			break;
		case '\t':
			tr_buf_put_str(b, "\\t");
			break;
		default:
			tr_buf_printf(b, "\\u%04x", c);
			break;
		}
	}
	tr_buf_put(b, s + run, len - run);
	tr_buf_put_u8(b, '"');
}

/*
 * A JSON number as numeric_out prints it: value D x 10^(exp - scale)
 * with D the digits as written, printed with max(0, scale - exp)
 * fraction digits.  false if the exponent is beyond numeric's range.
 */
static bool put_num(struct tr_buf *b, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	bool neg = false;
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	const char *ip = p;
	while (p < end && *p >= '0' && *p <= '9') {
		p++;
	}
	size_t ilen = (size_t)(p - ip);
	const char *fp = p;
	size_t flen = 0;
	if (p < end && *p == '.') {
		fp = ++p;
		while (p < end && *p >= '0' && *p <= '9') {
			p++;
		}
		flen = (size_t)(p - fp);
	}
	long ex = 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		bool eneg = false;
		if (p < end && (*p == '+' || *p == '-')) {
			eneg = *p == '-';
			p++;
		}
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (ex <= NUM_MAX_EXP) {
				ex = ex * 10 + (*p - '0');
			}
		}
		if (ex > NUM_MAX_EXP) {
			return false;
		}
		if (eneg) {
			ex = -ex;
		}
	}
	/* Digit k of D (0 outside), D being the int then fraction digits. */
	long nd = (long)(ilen + flen);
	long point = (long)ilen + ex; /* digits before the decimal point */
	long dscale = (long)flen - ex;
	if (dscale < 0) {
		dscale = 0;
	}
#define DIGIT(k)                                                      \
	((k) < 0 || (k) >= nd ? '0'                                   \
	 : (k) < (long)ilen   ? ip[(k)]                               \
			      : fp[(k) - (long)ilen])
	bool zero = true;
	for (long k = 0; k < nd && zero; k++) {
		zero = DIGIT(k) == '0';
	}
	if (neg && !zero) {
		tr_buf_put_u8(b, '-');
	}
	long k = 0;
	while (k < point - 1 && DIGIT(k) == '0') {
		k++; /* leading zeros */
	}
	if (point <= 0) {
		tr_buf_put_u8(b, '0');
	}
	for (; k < point; k++) {
		tr_buf_put_u8(b, (uint8_t)DIGIT(k));
	}
	if (dscale > 0) {
		tr_buf_put_u8(b, '.');
		for (long i = 0; i < dscale; i++) {
			tr_buf_put_u8(b, (uint8_t)DIGIT(point + i));
		}
	}
#undef DIGIT
	return true;
}

enum wmode {
	W_JSONB,   /* canonical jsonb */
	W_RAW,	   /* json: the input's text where there is one */
	W_PRETTY,  /* jsonb_pretty */
	W_COMPACT, /* json rewritten without blanks (json_strip_nulls) */
};

struct jw {
	struct tr_buf *b;
	struct tr_arena *a;
	enum wmode mode;
	const char *err;
};

static void indent(struct jw *w, int level)
{
	tr_buf_put_u8(w->b, '\n');
	for (int i = 0; i < level; i++) {
		tr_buf_put_str(w->b, "    ");
	}
}

static void write_value(struct jw *w, struct jv *v, int level)
{
	if (w->err != NULL) {
		return;
	}
	if (w->mode == W_RAW && v->raw_len > 0) {
		tr_buf_put(w->b, v->raw, v->raw_len);
		return;
	}
	switch (v->t) {
	case J_NULL:
		tr_buf_put_str(w->b, "null");
		return;
	case J_TRUE:
		tr_buf_put_str(w->b, "true");
		return;
	case J_FALSE:
		tr_buf_put_str(w->b, "false");
		return;
	case J_NUM:
		if (w->mode == W_RAW || w->mode == W_COMPACT) {
			tr_buf_put(w->b, v->s, v->len);
		} else if (!put_num(w->b, v->s, v->len)) {
			w->err = "22P02: invalid input syntax for type numeric";
		}
		return;
	case J_STR:
		put_str(w->b, v->s, v->len);
		return;
	case J_ARR:
	case J_OBJ:
		break;
	}
	bool obj = v->t == J_OBJ;
	bool compact = w->mode == W_COMPACT;
	if (obj && w->mode != W_RAW && !compact && !canon_obj(w->a, v)) {
		w->err = ERR_OOM;
		return;
	}
	tr_buf_put_u8(w->b, obj ? '{' : '[');
	for (size_t i = 0; i < v->n; i++) {
		if (i > 0) {
			tr_buf_put_str(w->b, w->mode == W_PRETTY || compact
						     ? ","
						     : ", ");
		}
		if (w->mode == W_PRETTY) {
			indent(w, level + 1);
		}
		if (obj) {
			put_str(w->b, v->v[2 * i]->s, v->v[2 * i]->len);
			tr_buf_put_str(w->b, compact ? ":" : ": ");
			write_value(w, v->v[2 * i + 1], level + 1);
		} else {
			write_value(w, v->v[i], level + 1);
		}
	}
	if (w->mode == W_PRETTY) {
		indent(w, level);
	}
	tr_buf_put_u8(w->b, obj ? '}' : ']');
}

/* @v into @b; NULL or the error. */
static const char *write(struct tr_buf *b, struct tr_arena *a, struct jv *v,
			 enum wmode mode)
{
	struct jw w = { b, a, mode, NULL };
	write_value(&w, v, 0);
	if (w.err == NULL && tr_buf_err(b) == TR_ETOOBIG) {
		return "54000: json result is too large";
	}
	if (w.err == NULL && tr_buf_err(b) != TR_OK) {
		return ERR_OOM;
	}
	return w.err;
}

int sql__jsonb_canon(struct tr_buf *out, const char *p, size_t len,
		     const char **err)
{
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	const char *e = NULL;
	struct jv *v = parse(&a, p, len, true, &e);
	if (v != NULL) {
		e = write(out, &a, v, W_JSONB);
	}
	tr_arena_close(&a);
	if (e == NULL) {
		return TR_OK;
	}
	*err = e;
	return e == ERR_OOM ? TR_ENOMEM : TR_ESQL;
}

/* ---------------------------------------------------------------------
 * SQL function helpers
 * ------------------------------------------------------------------- */

/* Error text "SQLSTATE: message" as functions.c reports errors. */
static void fail(sqlite3_context *ctx, const char *msg)
{
	if (msg == ERR_OOM) {
		sqlite3_result_error_nomem(ctx);
	} else {
		sqlite3_result_error(ctx, msg, -1);
	}
}

static bool any_null(int argc, sqlite3_value **argv)
{
	for (int i = 0; i < argc; i++) {
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
			return true;
		}
	}
	return false;
}

/* Argument @v parsed (canonical objects for jsonb); NULL after
 * reporting the error. */
static struct jv *arg(sqlite3_context *ctx, struct tr_arena *a,
		      sqlite3_value *v, bool canon)
{
	const char *s = (const char *)sqlite3_value_text(v);
	int len = sqlite3_value_bytes(v);
	if (s == NULL) {
		sqlite3_result_error_nomem(ctx);
		return NULL;
	}
	const char *err = NULL;
	struct jv *j = parse(a, s, (size_t)len, canon, &err);
	if (j == NULL) {
		fail(ctx, err);
	}
	return j;
}

static void result_json(sqlite3_context *ctx, struct tr_arena *a,
			struct jv *v, enum wmode mode)
{
	struct tr_buf b;
	tr_buf_init(&b, JSON_MAX_OUT);
	const char *err = write(&b, a, v, mode);
	if (err != NULL) {
		fail(ctx, err);
	} else {
		sqlite3_result_text(ctx, b.len > 0 ? (const char *)b.data : "",
				    (int)b.len, SQLITE_TRANSIENT);
	}
	tr_buf_close(&b);
}

/* The ->> form: strings decoded, null as SQL NULL, the rest as text. */
static void result_text(sqlite3_context *ctx, struct tr_arena *a,
			struct jv *v, enum wmode mode)
{
	if (v->t == J_NULL) {
		sqlite3_result_null(ctx);
	} else if (v->t == J_STR) {
		sqlite3_result_text(ctx, v->len > 0 ? v->s : "", (int)v->len,
				    SQLITE_TRANSIENT);
	} else {
		result_json(ctx, a, v, mode);
	}
}

/* Last value of key @k (@klen bytes) in object @o (the last duplicate
 * is the one PostgreSQL reads), or NULL. */
static struct jv *field(const struct jv *o, const char *k, size_t klen)
{
	for (size_t i = o->n; i-- > 0;) {
		const struct jv *key = o->v[2 * i];
		if (key->len == klen && (klen == 0 || memcmp(key->s, k, klen) == 0)) {
			return o->v[2 * i + 1];
		}
	}
	return NULL;
}

/* Element @i of array @arr, negative from the end; NULL if none. */
static struct jv *element(const struct jv *arr, int64_t i)
{
	if (i < 0) {
		i += (int64_t)arr->n;
	}
	return i >= 0 && (uint64_t)i < arr->n ? arr->v[i] : NULL;
}

/* A path element as an array index (strtoint's rules); false if not an
 * integer. */
static bool path_index(const char *s, int64_t *out)
{
	char *end;
	if (s == NULL || *s == '\0') {
		return false;
	}
	long long v = strtoll(s, &end, 10);
	if (*end != '\0' || v < INT32_MIN || v > INT32_MAX) {
		return false;
	}
	*out = v;
	return true;
}

/* ---------------------------------------------------------------------
 * text[] arguments: a JSON array (triode's arrays) or an array literal
 * ------------------------------------------------------------------- */

struct strs {
	size_t n;
	const char **s; /* NULL for a NULL element */
	size_t *len;
};

static const char *const ERR_ARRAY = "22P02: malformed array literal";

/* '{a,"b c",NULL}' (one dimension). */
static bool array_literal(struct tr_arena *a, const char *p, struct strs *out,
			  const char **err)
{
	size_t cap = strlen(p) + 1; /* elements <= commas + 1 */
	out->s = tr_arena_alloc(a, cap * sizeof *out->s);
	out->len = tr_arena_alloc(a, cap * sizeof *out->len);
	char *w = tr_arena_alloc(a, strlen(p) + 1);
	if (out->s == NULL || out->len == NULL || w == NULL) {
		*err = ERR_OOM;
		return false;
	}
	out->n = 0;
	while (*p == ' ' || *p == '\t' || *p == '\n') {
		p++;
	}
	if (*p++ != '{') {
		*err = ERR_ARRAY;
		return false;
	}
	while (*p == ' ') {
		p++;
	}
	if (*p == '}') {
		p++;
		goto tail;
	}
	while (true) {
		while (*p == ' ' || *p == '\t' || *p == '\n') {
			p++;
		}
		char *start = w;
		bool quoted = false;
		if (*p == '"') {
			quoted = true;
			p++;
			while (*p != '"') {
				if (*p == '\0') {
					*err = ERR_ARRAY;
					return false;
				}
				if (*p == '\\' && p[1] != '\0') {
					p++;
				}
				*w++ = *p++;
			}
			p++;
		} else {
			while (*p != ',' && *p != '}' && *p != '\0') {
				if (*p == '{' || *p == '"') {
					*err = ERR_ARRAY;
					return false;
				}
				if (*p == '\\' && p[1] != '\0') {
					p++;
				}
				*w++ = *p++;
			}
			while (w > start && (w[-1] == ' ' || w[-1] == '\t' ||
					     w[-1] == '\n')) {
				w--;
			}
			if (w == start) {
				*err = ERR_ARRAY;
				return false;
			}
		}
		*w++ = '\0';
		size_t l = strlen(start);
		bool null = !quoted && l == 4 && strncasecmp(start, "null", 4) == 0;
		out->s[out->n] = null ? NULL : start;
		out->len[out->n] = null ? 0 : (size_t)(w - 1 - start);
		out->n++;
		while (*p == ' ' || *p == '\t' || *p == '\n') {
			p++;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}') {
			p++;
			break;
		}
		*err = ERR_ARRAY;
		return false;
	}
tail:
	while (*p == ' ' || *p == '\t' || *p == '\n') {
		p++;
	}
	if (*p != '\0') {
		*err = ERR_ARRAY;
		return false;
	}
	return true;
}

static bool text_array(sqlite3_context *ctx, struct tr_arena *a,
		       sqlite3_value *v, struct strs *out)
{
	const char *p = (const char *)sqlite3_value_text(v);
	int len = sqlite3_value_bytes(v);
	if (p == NULL) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	const char *q = p;
	while (*q == ' ' || *q == '\t' || *q == '\n') {
		q++;
	}
	const char *err = NULL;
	if (*q != '[') {
		if (!array_literal(a, p, out, &err)) {
			fail(ctx, err);
			return false;
		}
		return true;
	}
	struct jv *arr = parse(a, p, (size_t)len, false, &err);
	if (arr == NULL || arr->t != J_ARR) {
		fail(ctx, err != NULL ? err : ERR_ARRAY);
		return false;
	}
	out->n = arr->n;
	out->s = tr_arena_alloc(a, (arr->n + 1) * sizeof *out->s);
	out->len = tr_arena_alloc(a, (arr->n + 1) * sizeof *out->len);
	if (out->s == NULL || out->len == NULL) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	for (size_t i = 0; i < arr->n; i++) {
		struct jv *e = arr->v[i];
		if (e->t == J_NULL) {
			out->s[i] = NULL;
			out->len[i] = 0;
			continue;
		}
		if (e->t != J_STR && e->t != J_NUM) {
			fail(ctx, ERR_ARRAY);
			return false;
		}
		char *c = tr_arena_strndup(a, e->s, e->len);
		if (c == NULL) {
			sqlite3_result_error_nomem(ctx);
			return false;
		}
		out->s[i] = c;
		out->len[i] = e->len;
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Accessors: -> ->> #> #>> and the path functions
 * ------------------------------------------------------------------- */

/* Flags the translator passes to the accessors. */
#define F_TEXT  1 /* ->> #>> *_text: strings decoded */
#define F_JSONB 2 /* the input is jsonb: canonical output */

static enum wmode mode_of(int flags)
{
	return flags & F_JSONB ? W_JSONB : W_RAW;
}

static void finish(sqlite3_context *ctx, struct tr_arena *a, struct jv *v,
		   int flags)
{
	if (v == NULL) {
		sqlite3_result_null(ctx);
	} else if (flags & F_TEXT) {
		result_text(ctx, a, v, mode_of(flags));
	} else {
		result_json(ctx, a, v, mode_of(flags));
	}
}

/* pg_json_get(j, key | index, flags) */
static void fn_get(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(2, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	int flags = sqlite3_value_int(argv[2]);
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *j = arg(ctx, &a, argv[0], false);
	if (j != NULL) {
		struct jv *r = NULL;
		if (sqlite3_value_type(argv[1]) == SQLITE_INTEGER) {
			if (j->t == J_ARR) {
				r = element(j, sqlite3_value_int64(argv[1]));
			}
		} else if (j->t == J_OBJ) {
			const char *k = (const char *)sqlite3_value_text(
				argv[1]);
			r = k != NULL ? field(j, k,
					      (size_t)sqlite3_value_bytes(
						      argv[1]))
				      : NULL;
		}
		finish(ctx, &a, r, flags);
	}
	tr_arena_close(&a);
}

static struct jv *walk(struct jv *j, const struct strs *path)
{
	for (size_t i = 0; i < path->n && j != NULL; i++) {
		if (path->s[i] == NULL) {
			return NULL;
		}
		if (j->t == J_OBJ) {
			j = field(j, path->s[i], path->len[i]);
		} else if (j->t == J_ARR) {
			int64_t k;
			j = path_index(path->s[i], &k) ? element(j, k) : NULL;
		} else {
			return NULL;
		}
	}
	return j;
}

/* pg_json_path(j, text[], flags): #> and #>>. */
static void fn_path(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(2, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	int flags = sqlite3_value_int(argv[2]);
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct strs path;
	struct jv *j = arg(ctx, &a, argv[0], false);
	if (j != NULL && text_array(ctx, &a, argv[1], &path)) {
		finish(ctx, &a, walk(j, &path), flags);
	}
	tr_arena_close(&a);
}

/* pg_json_extract_path(flags, j, key...): NULL keys give NULL. */
static void fn_extract_path(sqlite3_context *ctx, int argc,
			    sqlite3_value **argv)
{
	if (argc < 2 || any_null(2, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	int flags = sqlite3_value_int(argv[0]);
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct strs path = { (size_t)argc - 2, NULL, NULL };
	path.s = tr_arena_alloc(&a, (size_t)argc * sizeof *path.s);
	path.len = tr_arena_alloc(&a, (size_t)argc * sizeof *path.len);
	struct jv *j = path.s != NULL && path.len != NULL
			       ? arg(ctx, &a, argv[1], false)
			       : NULL;
	if (path.s == NULL || path.len == NULL) {
		sqlite3_result_error_nomem(ctx);
	} else if (j != NULL) {
		for (int i = 2; i < argc; i++) {
			path.s[i - 2] = (const char *)sqlite3_value_text(
				argv[i]);
			path.len[i - 2] = (size_t)sqlite3_value_bytes(argv[i]);
		}
		finish(ctx, &a, walk(j, &path), flags);
	}
	tr_arena_close(&a);
}

/* ---------------------------------------------------------------------
 * Containment and existence: @> <@ ? ?| ?&
 * ------------------------------------------------------------------- */

/* Numbers as numeric values: equal when their canonical digits are. */
static bool num_eq(const struct jv *x, const struct jv *y)
{
	struct tr_buf a, b;
	tr_buf_init(&a, 0);
	tr_buf_init(&b, 0);
	bool ok = put_num(&a, x->s, x->len) && put_num(&b, y->s, y->len);
	/* Trailing fraction zeros do not change the value. */
	for (struct tr_buf *t = &a; ok && t != NULL; t = t == &a ? &b : NULL) {
		if (memchr(t->data, '.', t->len) != NULL) {
			while (t->len > 0 && t->data[t->len - 1] == '0') {
				t->len--;
			}
			if (t->len > 0 && t->data[t->len - 1] == '.') {
				t->len--;
			}
		}
		if (t->len == 2 && memcmp(t->data, "-0", 2) == 0) {
			t->len = 1, t->data[0] = '0';
		}
	}
	bool eq = ok && tr_buf_err(&a) == TR_OK && tr_buf_err(&b) == TR_OK &&
		  a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
	tr_buf_close(&a);
	tr_buf_close(&b);
	return eq;
}

static bool scalar_eq(const struct jv *x, const struct jv *y)
{
	if (x->t != y->t) {
		return false;
	}
	switch (x->t) {
	case J_NUM:
		return num_eq(x, y);
	case J_STR:
		return x->len == y->len &&
		       (x->len == 0 || memcmp(x->s, y->s, x->len) == 0);
	default:
		return true;
	}
}

static bool is_container(const struct jv *v)
{
	return v->t == J_ARR || v->t == J_OBJ;
}

/* JsonbDeepContains: does @val contain @sub? */
static bool contains(const struct jv *val, const struct jv *sub, int depth)
{
	if (depth > JSON_MAX_DEPTH) {
		return false;
	}
	if (val->t != sub->t) {
		return false;
	}
	if (val->t == J_OBJ) {
		for (size_t i = 0; i < sub->n; i++) {
			const struct jv *k = sub->v[2 * i];
			const struct jv *sv = sub->v[2 * i + 1];
			const struct jv *vv = field(val, k->s, k->len);
			if (vv == NULL || vv->t != sv->t) {
				return false;
			}
			if (is_container(sv) ? !contains(vv, sv, depth + 1)
					     : !scalar_eq(vv, sv)) {
				return false;
			}
		}
		return true;
	}
	if (val->t == J_ARR) {
		for (size_t i = 0; i < sub->n; i++) {
			const struct jv *s = sub->v[i];
			bool found = false;
			for (size_t k = 0; k < val->n && !found; k++) {
				const struct jv *v = val->v[k];
				found = is_container(s)
						? v->t == s->t &&
							  contains(v, s,
								   depth + 1)
						: scalar_eq(v, s);
			}
			if (!found) {
				return false;
			}
		}
		return true;
	}
	return scalar_eq(val, sub);
}

/* Top level: a scalar is a one-element array ("raw scalar"), and a raw
 * scalar never contains a real array. */
static bool contains_top(const struct jv *val, const struct jv *sub)
{
	if (!is_container(val) && !is_container(sub)) {
		return scalar_eq(val, sub);
	}
	if (!is_container(val)) {
		return false;
	}
	if (!is_container(sub)) {
		if (val->t != J_ARR) {
			return false;
		}
		struct jv one = { .t = J_ARR, .n = 1 };
		struct jv *e = (struct jv *)sub;
		one.v = &e;
		return contains(val, &one, 0);
	}
	return contains(val, sub, 0);
}

/* jsonb '=': same keys and values, numbers by value. */
static bool equal(const struct jv *x, const struct jv *y, int depth)
{
	if (x->t != y->t || depth > JSON_MAX_DEPTH) {
		return false;
	}
	if (!is_container(x)) {
		return scalar_eq(x, y);
	}
	if (x->n != y->n) {
		return false;
	}
	for (size_t i = 0; i < x->n; i++) {
		if (x->t == J_ARR) {
			if (!equal(x->v[i], y->v[i], depth + 1)) {
				return false;
			}
			continue;
		}
		/* Both canonical: keys in the same order. */
		if (key_cmp(x->v[2 * i], y->v[2 * i]) != 0 ||
		    !equal(x->v[2 * i + 1], y->v[2 * i + 1], depth + 1)) {
			return false;
		}
	}
	return true;
}

/* pg_jsonb_eq(a, b) */
static void fn_eq(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(2, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *x = arg(ctx, &a, argv[0], true);
	struct jv *y = x != NULL ? arg(ctx, &a, argv[1], true) : NULL;
	if (y != NULL) {
		sqlite3_result_int(ctx, equal(x, y, 0));
	}
	tr_arena_close(&a);
}

/* pg_jsonb_contains(a, b): a @> b. */
static void fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(2, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *x = arg(ctx, &a, argv[0], true);
	struct jv *y = x != NULL ? arg(ctx, &a, argv[1], true) : NULL;
	if (y != NULL) {
		sqlite3_result_int(ctx, contains_top(x, y));
	}
	tr_arena_close(&a);
}

/* Top-level key, string element, or the string itself. */
static bool exists(const struct jv *j, const char *k, size_t klen)
{
	if (j->t == J_OBJ) {
		return field(j, k, klen) != NULL;
	}
	if (j->t == J_ARR) {
		for (size_t i = 0; i < j->n; i++) {
			const struct jv *e = j->v[i];
			if (e->t == J_STR && e->len == klen &&
			    (klen == 0 || memcmp(e->s, k, klen) == 0)) {
				return true;
			}
		}
		return false;
	}
	return j->t == J_STR && j->len == klen &&
	       (klen == 0 || memcmp(j->s, k, klen) == 0);
}

/* pg_jsonb_exists(j, key, how): how 0 '?', 1 '?|' and 2 '?&' (key is
 * then a text[]; NULL elements are skipped). */
static void fn_exists(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(2, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	int how = sqlite3_value_int(argv[2]);
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *j = arg(ctx, &a, argv[0], false);
	if (j != NULL && how == 0) {
		const char *k = (const char *)sqlite3_value_text(argv[1]);
		sqlite3_result_int(ctx,
				   k != NULL &&
					   exists(j, k,
						  (size_t)sqlite3_value_bytes(
							  argv[1])));
	} else if (j != NULL) {
		struct strs keys;
		if (text_array(ctx, &a, argv[1], &keys)) {
			bool any = false, all = true;
			for (size_t i = 0; i < keys.n; i++) {
				if (keys.s[i] == NULL) {
					continue;
				}
				bool e = exists(j, keys.s[i], keys.len[i]);
				any |= e;
				all &= e;
			}
			sqlite3_result_int(ctx, how == 1 ? any : all);
		}
	}
	tr_arena_close(&a);
}

/* ---------------------------------------------------------------------
 * Changes: || - #- jsonb_set jsonb_insert jsonb_strip_nulls
 * ------------------------------------------------------------------- */

static struct jv *jv_container(struct tr_arena *a, enum jt t, size_t slots)
{
	struct jv *c = jv_new(a, t);
	if (c != NULL && slots > 0) {
		c->v = tr_arena_alloc(a, slots * sizeof *c->v);
		if (c->v == NULL) {
			return NULL;
		}
	}
	return c;
}

/* pg_jsonb_concat(a, b): ||. */
static void fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(2, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *x = arg(ctx, &a, argv[0], true);
	struct jv *y = x != NULL ? arg(ctx, &a, argv[1], true) : NULL;
	if (y != NULL) {
		struct jv *r;
		if (x->t == J_OBJ && y->t == J_OBJ) {
			/* Later pairs win when the result is written. */
			r = jv_container(&a, J_OBJ, 2 * (x->n + y->n) + 1);
			if (r != NULL) {
				/* ({} has no pairs, and no array.) */
				if (x->n > 0) {
					memcpy(r->v, x->v,
					       2 * x->n * sizeof *r->v);
				}
				if (y->n > 0) {
					memcpy(r->v + 2 * x->n, y->v,
					       2 * y->n * sizeof *r->v);
				}
				r->n = x->n + y->n;
			}
		} else {
			size_t nx = x->t == J_ARR ? x->n : 1;
			size_t ny = y->t == J_ARR ? y->n : 1;
			r = jv_container(&a, J_ARR, nx + ny + 1);
			if (r != NULL) {
				if (x->t == J_ARR && nx > 0) {
					memcpy(r->v, x->v, nx * sizeof *r->v);
				} else if (x->t != J_ARR) {
					r->v[0] = x;
				}
				if (y->t == J_ARR && ny > 0) {
					memcpy(r->v + nx, y->v,
					       ny * sizeof *r->v);
				} else if (y->t != J_ARR) {
					r->v[nx] = y;
				}
				r->n = nx + ny;
			}
		}
		if (r == NULL) {
			sqlite3_result_error_nomem(ctx);
		} else {
			result_json(ctx, &a, r, W_JSONB);
		}
	}
	tr_arena_close(&a);
}

static bool in_strs(const struct strs *s, const char *k, size_t len)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->s[i] != NULL && s->len[i] == len &&
		    (len == 0 || memcmp(s->s[i], k, len) == 0)) {
			return true;
		}
	}
	return false;
}

/* pg_jsonb_delete(j, x, is_array): '-' with a key, an index, or a
 * text[] of keys. */
static void fn_delete(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(2, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *j = arg(ctx, &a, argv[0], true);
	bool index = sqlite3_value_type(argv[1]) == SQLITE_INTEGER &&
		     sqlite3_value_int(argv[2]) == 0;
	struct strs keys = { 0 };
	if (j == NULL) {
		goto done;
	}
	if (!is_container(j)) {
		fail(ctx, "22023: cannot delete from scalar");
		goto done;
	}
	if (index && j->t == J_OBJ) {
		fail(ctx, "22023: cannot delete from object using integer "
			  "index");
		goto done;
	}
	if (index) {
		int64_t i = sqlite3_value_int64(argv[1]);
		if (i < 0) {
			i += (int64_t)j->n;
		}
		if (i >= 0 && (uint64_t)i < j->n) {
			memmove(j->v + i, j->v + i + 1,
				(j->n - (size_t)i - 1) * sizeof *j->v);
			j->n--;
		}
		result_json(ctx, &a, j, W_JSONB);
		goto done;
	}
	if (sqlite3_value_int(argv[2]) != 0) {
		if (!text_array(ctx, &a, argv[1], &keys)) {
			goto done;
		}
	} else {
		keys.n = 1;
		keys.s = tr_arena_alloc(&a, sizeof *keys.s);
		keys.len = tr_arena_alloc(&a, sizeof *keys.len);
		if (keys.s == NULL || keys.len == NULL) {
			sqlite3_result_error_nomem(ctx);
			goto done;
		}
		keys.s[0] = (const char *)sqlite3_value_text(argv[1]);
		keys.len[0] = (size_t)sqlite3_value_bytes(argv[1]);
	}
	size_t n = 0;
	if (j->t == J_OBJ) {
		for (size_t i = 0; i < j->n; i++) {
			const struct jv *k = j->v[2 * i];
			if (!in_strs(&keys, k->s, k->len)) {
				j->v[2 * n] = j->v[2 * i];
				j->v[2 * n + 1] = j->v[2 * i + 1];
				n++;
			}
		}
	} else {
		for (size_t i = 0; i < j->n; i++) {
			const struct jv *e = j->v[i];
			if (e->t != J_STR || !in_strs(&keys, e->s, e->len)) {
				j->v[n++] = j->v[i];
			}
		}
	}
	j->n = n;
	result_json(ctx, &a, j, W_JSONB);
done:
	tr_arena_close(&a);
}

/* What setPath does at the end of the path. */
enum setop { OP_SET, OP_REPLACE, OP_INSERT_BEFORE, OP_INSERT_AFTER,
	     OP_DELETE };

struct setter {
	struct tr_arena *a;
	const struct strs *path;
	struct jv *val;
	enum setop op;
	const char *err;
	char errbuf[160];
};

static bool creates(enum setop op)
{
	return op == OP_SET || op == OP_INSERT_BEFORE || op == OP_INSERT_AFTER;
}

/* Grow @c (an array or object) by one slot group; false on OOM. */
static bool make_room(struct tr_arena *a, struct jv *c, size_t slots)
{
	size_t used = c->t == J_OBJ ? 2 * c->n : c->n;
	struct jv **nv = tr_arena_alloc(a, (used + slots) * sizeof *nv);
	if (nv == NULL) {
		return false;
	}
	if (used > 0) {
		memcpy(nv, c->v, used * sizeof *nv);
	}
	c->v = nv;
	return true;
}

static void set_path(struct setter *s, struct jv *c, size_t level);

static void set_in_object(struct setter *s, struct jv *o, size_t level)
{
	const char *k = s->path->s[level];
	size_t klen = s->path->len[level];
	bool last = level + 1 == s->path->n;
	if (k == NULL) {
		return;
	}
	for (size_t i = o->n; i-- > 0;) {
		struct jv *key = o->v[2 * i];
		if (key->len != klen || (klen > 0 && memcmp(key->s, k, klen) != 0)) {
			continue;
		}
		if (!last) {
			set_path(s, o->v[2 * i + 1], level + 1);
			return;
		}
		if (s->op == OP_INSERT_BEFORE || s->op == OP_INSERT_AFTER) {
			s->err = "22023: cannot replace existing key";
			return;
		}
		if (s->op == OP_DELETE) {
			memmove(o->v + 2 * i, o->v + 2 * i + 2,
				2 * (o->n - i - 1) * sizeof *o->v);
			o->n--;
		} else {
			o->v[2 * i + 1] = s->val;
		}
		return;
	}
	if (last && creates(s->op)) {
		struct jv *nk = jv_new(s->a, J_STR);
		if (nk == NULL || !make_room(s->a, o, 2)) {
			s->err = ERR_OOM;
			return;
		}
		nk->s = k;
		nk->len = klen;
		o->v[2 * o->n] = nk;
		o->v[2 * o->n + 1] = s->val;
		o->n++;
	}
}

static void set_in_array(struct setter *s, struct jv *arr, size_t level)
{
	const char *k = s->path->s[level];
	bool last = level + 1 == s->path->n;
	int64_t idx;
	if (k == NULL) {
		return;
	}
	if (!path_index(k, &idx)) {
		snprintf(s->errbuf, sizeof s->errbuf,
			 "22P02: path element at position %zu is not an "
			 "integer: \"%.100s\"",
			 level + 1, k);
		s->err = s->errbuf;
		return;
	}
	int64_t n = (int64_t)arr->n;
	bool prepend = false;
	if (idx < 0) {
		if (-idx > n) {
			prepend = true;
			idx = -1;
		} else {
			idx += n;
		}
	}
	if (idx > n) {
		idx = n;
	}
	if (!last) {
		if (!prepend && idx < n) {
			set_path(s, arr->v[idx], level + 1);
		}
		return;
	}
	if (!prepend && idx < n) {
		switch (s->op) {
		case OP_SET:
		case OP_REPLACE:
			arr->v[idx] = s->val;
			return;
		case OP_DELETE:
			memmove(arr->v + idx, arr->v + idx + 1,
				(size_t)(n - idx - 1) * sizeof *arr->v);
			arr->n--;
			return;
		case OP_INSERT_AFTER:
			idx++;
			break;
		case OP_INSERT_BEFORE:
			break;
		}
	} else if (!creates(s->op)) {
		return;
	}
	if (prepend) {
		idx = 0;
	}
	if (!make_room(s->a, arr, 1)) {
		s->err = ERR_OOM;
		return;
	}
	memmove(arr->v + idx + 1, arr->v + idx,
		(size_t)(n - idx) * sizeof *arr->v);
	arr->v[idx] = s->val;
	arr->n++;
}

static void set_path(struct setter *s, struct jv *c, size_t level)
{
	if (s->err != NULL || level >= s->path->n) {
		return;
	}
	if (level > JSON_MAX_DEPTH) {
		s->err = "54001: stack depth limit exceeded";
		return;
	}
	/* Raw text no longer describes a changed container. */
	c->raw_len = 0;
	if (c->t == J_OBJ) {
		set_in_object(s, c, level);
	} else if (c->t == J_ARR) {
		set_in_array(s, c, level);
	}
}

/* pg_jsonb_set(j, path, value, create_missing, op): jsonb_set (op 0),
 * jsonb_insert (op 1; the flag is insert_after) and #- (op 2; value
 * and flag unused). */
static void fn_set(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	int op = sqlite3_value_int(argv[4]);
	if (any_null(op == 2 ? 2 : 4, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	bool flag = sqlite3_value_int(argv[3]) != 0;
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct setter s = { .a = &a };
	struct strs path;
	struct jv *j = arg(ctx, &a, argv[0], true);
	if (j == NULL || !text_array(ctx, &a, argv[1], &path)) {
		goto done;
	}
	if (op != 2) {
		s.val = arg(ctx, &a, argv[2], true);
		if (s.val == NULL) {
			goto done;
		}
	}
	if (!is_container(j)) {
		fail(ctx, op == 2 ? "22023: cannot delete path in scalar"
				  : "22023: cannot set path in scalar");
		goto done;
	}
	s.path = &path;
	s.op = op == 2   ? OP_DELETE
	       : op == 1 ? (flag ? OP_INSERT_AFTER : OP_INSERT_BEFORE)
	       : flag	 ? OP_SET
			 : OP_REPLACE;
	set_path(&s, j, 0);
	if (s.err != NULL) {
		fail(ctx, s.err);
	} else {
		result_json(ctx, &a, j, W_JSONB);
	}
done:
	tr_arena_close(&a);
}

static void strip_nulls(struct jv *v, int depth)
{
	if (!is_container(v) || depth > JSON_MAX_DEPTH) {
		return;
	}
	v->raw_len = 0;
	if (v->t == J_ARR) {
		for (size_t i = 0; i < v->n; i++) {
			strip_nulls(v->v[i], depth + 1);
		}
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (v->v[2 * i + 1]->t == J_NULL) {
			continue;
		}
		strip_nulls(v->v[2 * i + 1], depth + 1);
		v->v[2 * n] = v->v[2 * i];
		v->v[2 * n + 1] = v->v[2 * i + 1];
		n++;
	}
	v->n = n;
}

/* pg_json_strip_nulls(j, jsonb).  json's result is written compactly
 * as PostgreSQL's json_strip_nulls writes it. */
static void fn_strip_nulls(sqlite3_context *ctx, int argc,
			   sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(1, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	bool jsonb = sqlite3_value_int(argv[1]) != 0;
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *j = arg(ctx, &a, argv[0], jsonb);
	if (j != NULL) {
		strip_nulls(j, 0);
		result_json(ctx, &a, j, jsonb ? W_JSONB : W_COMPACT);
	}
	tr_arena_close(&a);
}

/* ---------------------------------------------------------------------
 * Inspection: typeof, array_length, pretty, casts
 * ------------------------------------------------------------------- */

static void fn_typeof(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	static const char *const names[] = {
		[J_NULL] = "null",     [J_FALSE] = "boolean",
		[J_TRUE] = "boolean",  [J_NUM] = "number",
		[J_STR] = "string",    [J_ARR] = "array",
		[J_OBJ] = "object",
	};
	if (any_null(1, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *j = arg(ctx, &a, argv[0], false);
	if (j != NULL) {
		sqlite3_result_text(ctx, names[j->t], -1, SQLITE_STATIC);
	}
	tr_arena_close(&a);
}

static void fn_array_length(sqlite3_context *ctx, int argc,
			    sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(1, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *j = arg(ctx, &a, argv[0], false);
	if (j != NULL && j->t == J_ARR) {
		sqlite3_result_int64(ctx, (sqlite3_int64)j->n);
	} else if (j != NULL) {
		fail(ctx, j->t == J_OBJ
				  ? "22023: cannot get array length of a "
				    "non-array"
				  : "22023: cannot get array length of a "
				    "scalar");
	}
	tr_arena_close(&a);
}

static void fn_pretty(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (any_null(1, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *j = arg(ctx, &a, argv[0], true);
	if (j != NULL) {
		result_json(ctx, &a, j, W_PRETTY);
	}
	tr_arena_close(&a);
}

/* pg_jsonb(x): text -> jsonb (canonical); pg_json(x): text -> json
 * (checked, verbatim). */
static void fn_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	bool jsonb = sqlite3_user_data(ctx) != NULL;
	if (any_null(1, argv)) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_arena a;
	tr_arena_init(&a, 4096);
	struct jv *j = arg(ctx, &a, argv[0], jsonb);
	if (j != NULL && jsonb) {
		result_json(ctx, &a, j, W_JSONB);
	} else if (j != NULL) {
		sqlite3_result_value(ctx, argv[0]);
	}
	tr_arena_close(&a);
}

/* ---------------------------------------------------------------------
 * SQL values to JSON: to_json, json_build_*, row_to_json, aggregates
 *
 * The translator passes the static type of each value as one character
 * (it knows the types; SQLite values do not carry them):
 *   n integer or numeric   f float4/float8   b bool   t text
 *   j json   J jsonb   a array (JSON text)   d date
 *   T timestamp   Z timestamptz   u unknown: by storage class
 * ------------------------------------------------------------------- */

static bool valid_number(const char *s, size_t len)
{
	struct jp j = { s, s + len, NULL, 0, 0, false, NULL };
	return len > 0 && parse_number(&j) && j.p == j.end;
}

static void put_number_text(struct tr_buf *b, const char *s, size_t len)
{
	if (valid_number(s, len)) {
		tr_buf_put(b, s, len);
	} else {
		put_str(b, s, len);
	}
}

/* Timestamps as to_json writes them: ISO 8601 with 'T', fraction digits
 * that matter, and +HH:MM offsets. */
static void put_ts(struct tr_buf *b, const char *s, size_t len, bool tz)
{
	struct sql_value v = { .type = SQL_VALUE_TEXT, .p = s, .len = len };
	struct tr_buf t;
	tr_buf_init(&t, 0);
	sql_format_text(tz ? SQL_OID_TIMESTAMPTZ : SQL_OID_TIMESTAMP, &v, &t);
	tr_buf_put_u8(b, '"');
	for (size_t i = 0; i < t.len; i++) {
		char c = (char)t.data[i];
		tr_buf_put_u8(b, (uint8_t)(i == 10 && c == ' ' ? 'T' : c));
	}
	/* '+00' -> '+00:00' */
	if (tz && t.len >= 3 && (t.data[t.len - 3] == '+' ||
				 t.data[t.len - 3] == '-')) {
		tr_buf_put_str(b, ":00");
	}
	tr_buf_put_u8(b, '"');
	tr_buf_close(&t);
}

/* Append the JSON of one SQL value; false (with @err) if a json value
 * is not valid. */
static bool put_sql(struct tr_buf *b, sqlite3_value *v, char kind,
		    const char **err)
{
	int type = sqlite3_value_type(v);
	if (type == SQLITE_NULL) {
		tr_buf_put_str(b, "null");
		return true;
	}
	const char *s = (const char *)sqlite3_value_text(v);
	size_t len = (size_t)sqlite3_value_bytes(v);
	if (s == NULL) {
		*err = ERR_OOM;
		return false;
	}
	if (kind == 'u') {
		/* No static type (a column): text holding a JSON object or
		 * array is taken for json/jsonb, the usual reason to pass
		 * such a column; cast to text to get a string. */
		size_t skip = 0;
		while (skip < len && (s[skip] == ' ' || s[skip] == '\t' ||
				      s[skip] == '\n' || s[skip] == '\r')) {
			skip++;
		}
		kind = type == SQLITE_INTEGER ? 'n'
		       : type == SQLITE_FLOAT ? 'f'
		       : type == SQLITE_TEXT && skip < len &&
				       (s[skip] == '{' || s[skip] == '[') &&
				       sql__json_valid(s, len)
			       ? 'j'
			       : 't';
	}
	switch (kind) {
	case 'b':
		tr_buf_put_str(b, sqlite3_value_int(v) != 0 ? "true"
							     : "false");
		return true;
	case 'n':
	case 'f':
		if (type == SQLITE_FLOAT) {
			struct sql_value fv = { .type = SQL_VALUE_FLOAT,
						.real = sqlite3_value_double(v) };
			struct tr_buf t;
			tr_buf_init(&t, 0);
			sql_format_text(kind == 'n' ? SQL_OID_NUMERIC
						    : SQL_OID_FLOAT8,
					&fv, &t);
			put_number_text(b, (const char *)t.data, t.len);
			tr_buf_close(&t);
		} else {
			put_number_text(b, s, len);
		}
		return true;
	case 'j':
	case 'J':
	case 'a':
	case 'r': {
		struct tr_arena a;
		tr_arena_init(&a, 4096);
		struct jv *j = parse(&a, s, len, kind == 'J', err);
		if (j != NULL) {
			const char *e = write(b, &a, j,
					      kind == 'J' ? W_JSONB : W_RAW);
			if (e != NULL) {
				*err = e;
				j = NULL;
			}
		}
		tr_arena_close(&a);
		return j != NULL;
	}
	case 'T':
	case 'Z':
		put_ts(b, s, len, kind == 'Z');
		return true;
	case 'x':
		/* bytea: its text output as a string. */
		if (type == SQLITE_BLOB) {
			struct sql_value bv = { .type = SQL_VALUE_BLOB,
						.p = sqlite3_value_blob(v),
						.len = len };
			struct tr_buf t;
			tr_buf_init(&t, 0);
			sql_format_text(SQL_OID_BYTEA, &bv, &t);
			put_str(b, (const char *)t.data, t.len);
			tr_buf_close(&t);
			return true;
		}
		put_str(b, s, len);
		return true;
	default:
		put_str(b, s, len);
		return true;
	}
}

/* An object key: the value's text (NULL refused by the caller). */
static void put_key(struct tr_buf *b, sqlite3_value *v, char kind)
{
	if (kind == 'b') {
		put_str(b, sqlite3_value_int(v) ? "true" : "false",
			sqlite3_value_int(v) ? 4 : 5);
		return;
	}
	if (sqlite3_value_type(v) == SQLITE_FLOAT) {
		struct sql_value fv = { .type = SQL_VALUE_FLOAT,
					.real = sqlite3_value_double(v) };
		struct tr_buf t;
		tr_buf_init(&t, 0);
		sql_format_text(kind == 'f' ? SQL_OID_FLOAT8 : SQL_OID_NUMERIC,
				&fv, &t);
		put_str(b, (const char *)t.data, t.len);
		tr_buf_close(&t);
		return;
	}
	const char *s = (const char *)sqlite3_value_text(v);
	put_str(b, s != NULL ? s : "", (size_t)sqlite3_value_bytes(v));
}

/* Hand @b to SQLite as json, or as jsonb (canonicalized) when @jsonb. */
static void result_built(sqlite3_context *ctx, struct tr_buf *b, bool jsonb,
			 const char *err)
{
	if (err == NULL && tr_buf_err(b) == TR_ETOOBIG) {
		err = "54000: json result is too large";
	} else if (err == NULL && tr_buf_err(b) != TR_OK) {
		err = ERR_OOM;
	}
	if (err != NULL) {
		fail(ctx, err);
	} else if (jsonb) {
		struct tr_buf c;
		tr_buf_init(&c, JSON_MAX_OUT);
		int rv = sql__jsonb_canon(&c, (const char *)b->data, b->len,
					  &err);
		if (rv != TR_OK) {
			fail(ctx, rv == TR_ENOMEM ? ERR_OOM : err);
		} else {
			sqlite3_result_text(ctx, (const char *)c.data,
					    (int)c.len, SQLITE_TRANSIENT);
		}
		tr_buf_close(&c);
	} else {
		sqlite3_result_text(ctx, b->len > 0 ? (const char *)b->data : "",
				    (int)b->len, SQLITE_TRANSIENT);
	}
	tr_buf_close(b);
}

/* Kind of argument @i in the kinds string @k (after the mode letter). */
static char kind_at(const char *k, size_t klen, int i)
{
	return (size_t)i + 1 < klen ? k[i + 1] : 'u';
}

/* pg_to_json(kinds, v): kinds[0] 'j' json or 'b' jsonb. */
static void fn_to_json(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	const char *k = (const char *)sqlite3_value_text(argv[0]);
	size_t klen = (size_t)sqlite3_value_bytes(argv[0]);
	if (k == NULL || klen == 0) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tr_buf b;
	tr_buf_init(&b, JSON_MAX_OUT);
	const char *err = NULL;
	put_sql(&b, argv[1], kind_at(k, klen, 0), &err);
	result_built(ctx, &b, k[0] == 'b', err);
}

/* pg_json_build(kinds, ...): kinds[0] 'j'/'b' (json/jsonb), then 'o'
 * object, 'a' array, 'r' row (row_to_json(ROW(...)): keys f1, f2...) or
 * 'R' row of named columns (a whole-row reference: key, value pairs,
 * written as row_to_json writes), then the kinds of the arguments. */
static void fn_build(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *k = (const char *)sqlite3_value_text(argv[0]);
	size_t klen = (size_t)sqlite3_value_bytes(argv[0]);
	if (k == NULL || klen < 2) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	bool jsonb = k[0] == 'b';
	char shape = k[1];
	bool row = shape == 'R';
	shape = row ? 'o' : shape; /* pairs, as an object's */
	k++, klen--;
	int n = argc - 1;
	sqlite3_value **args = argv + 1;
	if (shape == 'o' && n % 2 != 0) {
		fail(ctx, "22023: argument list must have even number of "
			  "elements");
		return;
	}
	for (int i = 0; shape == 'o' && i < n; i += 2) {
		if (sqlite3_value_type(args[i]) == SQLITE_NULL) {
			char msg[64];
			snprintf(msg, sizeof msg,
				 "22023: argument %d cannot be null", i + 1);
			fail(ctx, msg);
			return;
		}
	}
	struct tr_buf b;
	tr_buf_init(&b, JSON_MAX_OUT);
	const char *err = NULL;
	tr_buf_put_u8(&b, shape == 'a' ? '[' : '{');
	for (int i = 0; i < n && err == NULL; i++) {
		if (shape == 'o' && i % 2 == 0) {
			if (i > 0) {
				tr_buf_put_str(&b, row ? "," : ", ");
			}
			put_key(&b, args[i], kind_at(k, klen, i));
			tr_buf_put_str(&b, row ? ":" : " : ");
			continue;
		}
		if (shape == 'r') {
			if (i > 0) {
				tr_buf_put_u8(&b, ',');
			}
			tr_buf_printf(&b, "\"f%d\":", i + 1);
		} else if (shape == 'a' && i > 0) {
			tr_buf_put_str(&b, ", ");
		}
		put_sql(&b, args[i], kind_at(k, klen, i), &err);
	}
	tr_buf_put_u8(&b, shape == 'a' ? ']' : '}');
	result_built(ctx, &b, jsonb, err);
}

/* ---------------------------------------------------------------------
 * Aggregates: json_agg, jsonb_agg, json_object_agg, jsonb_object_agg
 *
 * pg_json_agg(kinds, value, sort keys...) and pg_json_object_agg(kinds,
 * key, value, sort keys...).  kinds: 'j'/'b', the value's kind (the
 * key's, then the value's, for the object form), then one letter per
 * sort key: 'a' ASC NULLS LAST, 'A' ASC NULLS FIRST, 'd' DESC NULLS
 * FIRST, 'D' DESC NULLS LAST.  SQLite 3.40 has no ORDER BY in aggregates,
 * so the rows are kept and sorted when the result is made.
 * ------------------------------------------------------------------- */

struct agg {
	struct sql__agg_rows r; /* key (object form), value, sort keys */
	char kinds[64];
	bool failed;
};

static struct agg *agg_state(sqlite3_context *ctx, bool create)
{
	return sql__agg_state(ctx, sizeof(struct agg), create);
}

static void agg_free(struct agg *g)
{
	if (g != NULL) {
		sql__agg_rows_free(&g->r);
		sqlite3_free(g);
	}
}

static void agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct agg *g = agg_state(ctx, true);
	if (g == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (g->failed) {
		return;
	}
	if (g->r.n == 0 && g->r.cap == 0) {
		const char *k = (const char *)sqlite3_value_text(argv[0]);
		size_t kl = (size_t)sqlite3_value_bytes(argv[0]);
		if (k == NULL || kl >= sizeof g->kinds) {
			g->failed = true;
			sqlite3_result_error_nomem(ctx);
			return;
		}
		memcpy(g->kinds, k, kl + 1);
	}
	bool object = sqlite3_user_data(ctx) != NULL;
	if (object && sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		g->failed = true;
		sqlite3_result_error(ctx, "22023: field name must not be null",
				     -1);
		return;
	}
	switch (sql__agg_rows_add(&g->r, argc - 1, argv + 1, JSON_MAX_OUT)) {
	case SQL__AGG_OK:
		return;
	case SQL__AGG_NOMEM:
		sqlite3_result_error_nomem(ctx);
		break;
	case SQL__AGG_TOOBIG:
		sqlite3_result_error(ctx, "54000: json aggregate is too large",
				     -1);
		break;
	case SQL__AGG_BAD:
		sqlite3_result_error(ctx, "42883: wrong number of arguments",
				     -1);
		break;
	}
	g->failed = true;
}

static void agg_final(sqlite3_context *ctx)
{
	struct agg *g = agg_state(ctx, false);
	bool object = sqlite3_user_data(ctx) != NULL;
	if (g == NULL || g->r.n == 0) {
		sqlite3_result_null(ctx);
		agg_free(g);
		return;
	}
	if (g->failed) {
		agg_free(g);
		return;
	}
	/* kinds: mode, (key kind), value kind, sort directions. */
	int nfixed = object ? 2 : 1;
	const char *dirs = g->kinds + 1 + nfixed;
	if (strlen(g->kinds) < (size_t)(1 + nfixed) ||
	    (int)strlen(dirs) != g->r.nv - nfixed) {
		sqlite3_result_error(ctx, "XX000: bad json aggregate kinds", -1);
		agg_free(g);
		return;
	}
	sql__agg_rows_sort(&g->r, nfixed, dirs);
	bool jsonb = g->kinds[0] == 'b';
	struct tr_buf b;
	tr_buf_init(&b, JSON_MAX_OUT);
	const char *err = NULL;
	tr_buf_put_str(&b, object ? "{ " : "[");
	for (size_t i = 0; i < g->r.n && err == NULL; i++) {
		struct sql__agg_row *r = &g->r.rows[i];
		if (i > 0) {
			tr_buf_put_str(&b, ", ");
		}
		if (object) {
			put_key(&b, r->v[0], g->kinds[1]);
			tr_buf_put_str(&b, " : ");
			put_sql(&b, r->v[1], g->kinds[2], &err);
		} else {
			/* Arrays and rows start on a new line. */
			if (i > 0 && (g->kinds[1] == 'a' || g->kinds[1] == 'r')) {
				tr_buf_put_str(&b, "\n ");
			}
			put_sql(&b, r->v[0], g->kinds[1], &err);
		}
	}
	tr_buf_put_str(&b, object ? " }" : "]");
	result_built(ctx, &b, jsonb, err);
	agg_free(g);
}

/* ---------------------------------------------------------------------
 * Set-returning functions: eponymous table-valued functions
 *
 *   pg_json[b]_array_elements[_text](j)   value
 *   pg_json[b]_each[_text](j)             key, value
 *   pg_json[b]_object_keys(j)             value (renamed by the translator)
 *   pg_unnest(a)                          value, ordinality: the elements
 *                                         of an array (JSON, as triode
 *                                         stores arrays) as SQL values
 *
 * The module's aux data says which; the value column's declared type
 * (json, jsonb, text) is what Describe reports.
 * ------------------------------------------------------------------- */

enum srf_shape { SRF_ELEMENTS, SRF_EACH, SRF_KEYS, SRF_UNNEST };

struct srf_def {
	const char *module;
	const char *fn; /* PostgreSQL's name, for errors */
	enum srf_shape shape;
	bool jsonb;
	bool text;
};

static const struct srf_def srf_defs[] = {
	{ "pg_json_array_elements", "json_array_elements", SRF_ELEMENTS, false,
	  false },
	{ "pg_json_array_elements_text", "json_array_elements_text",
	  SRF_ELEMENTS, false, true },
	{ "pg_jsonb_array_elements", "jsonb_array_elements", SRF_ELEMENTS, true,
	  false },
	{ "pg_jsonb_array_elements_text", "jsonb_array_elements_text",
	  SRF_ELEMENTS, true, true },
	{ "pg_json_each", "json_each", SRF_EACH, false, false },
	{ "pg_json_each_text", "json_each_text", SRF_EACH, false, true },
	{ "pg_jsonb_each", "jsonb_each", SRF_EACH, true, false },
	{ "pg_jsonb_each_text", "jsonb_each_text", SRF_EACH, true, true },
	{ "pg_json_object_keys", "json_object_keys", SRF_KEYS, false, true },
	{ "pg_jsonb_object_keys", "jsonb_object_keys", SRF_KEYS, true, true },
	{ "pg_unnest", "unnest", SRF_UNNEST, false, false },
};

struct srf_vtab {
	sqlite3_vtab base;
	const struct srf_def *def;
};

struct srf_cursor {
	sqlite3_vtab_cursor base;
	struct tr_arena a;
	struct jv *j; /* NULL: no rows */
	size_t i;
};

#define SRF_KEY        0
#define SRF_VALUE      1
#define SRF_JSON       2
#define SRF_ORDINALITY 3

/* The vtab's column @col as one of the above: only each has a key, only
 * unnest an ordinality. */
static int srf_col(const struct srf_def *d, int col)
{
	if (d->shape == SRF_UNNEST) {
		return col == 0   ? SRF_VALUE
		       : col == 1 ? SRF_ORDINALITY
				  : SRF_JSON;
	}
	return d->shape == SRF_EACH ? col : col + 1;
}

static int srf_connect(sqlite3 *db, void *aux, int argc,
		       const char *const *argv, sqlite3_vtab **out, char **err)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	TR_UNUSED(err);
	const struct srf_def *d = aux;
	const char *vt = d->text ? "text" : d->jsonb ? "jsonb" : "json";
	char *ddl = d->shape == SRF_UNNEST
			    ? sqlite3_mprintf(
				      "CREATE TABLE x(value, ordinality "
				      "int8, json HIDDEN)")
			    : sqlite3_mprintf(
				      "CREATE TABLE x(%svalue %s, json "
				      "HIDDEN)",
				      d->shape == SRF_EACH ? "key text, " : "",
				      vt);
	if (ddl == NULL) {
		return SQLITE_NOMEM;
	}
	int rc = sqlite3_declare_vtab(db, ddl);
	sqlite3_free(ddl);
	if (rc != SQLITE_OK) {
		return rc;
	}
	struct srf_vtab *v = sqlite3_malloc(sizeof *v);
	if (v == NULL) {
		return SQLITE_NOMEM;
	}
	memset(v, 0, sizeof *v);
	v->def = d;
	sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
	*out = &v->base;
	return SQLITE_OK;
}

static int srf_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int srf_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	TR_UNUSED(v);
	struct srf_cursor *c = sqlite3_malloc(sizeof *c);
	if (c == NULL) {
		return SQLITE_NOMEM;
	}
	memset(c, 0, sizeof *c);
	tr_arena_init(&c->a, 4096);
	*out = &c->base;
	return SQLITE_OK;
}

static int srf_close(sqlite3_vtab_cursor *cur)
{
	struct srf_cursor *c = (struct srf_cursor *)cur;
	tr_arena_close(&c->a);
	sqlite3_free(c);
	return SQLITE_OK;
}

static int srf_eof(sqlite3_vtab_cursor *cur)
{
	struct srf_cursor *c = (struct srf_cursor *)cur;
	return c->j == NULL || c->i >= c->j->n;
}

static int srf_next(sqlite3_vtab_cursor *cur)
{
	((struct srf_cursor *)cur)->i++;
	return SQLITE_OK;
}

static int srf_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct srf_cursor *)cur)->i + 1;
	return SQLITE_OK;
}

/* An array element as the SQL value triode stores for it: numbers as
 * numbers, strings as text, booleans as 1/0, arrays and objects as their
 * JSON text. */
static void result_sql(sqlite3_context *ctx, struct tr_arena *a, struct jv *v)
{
	switch (v->t) {
	case J_NULL:
		sqlite3_result_null(ctx);
		return;
	case J_FALSE:
	case J_TRUE:
		sqlite3_result_int(ctx, v->t == J_TRUE);
		return;
	case J_NUM: {
		char buf[64];
		size_t n = v->len < sizeof buf ? v->len : sizeof buf - 1;
		memcpy(buf, v->s, n);
		buf[n] = '\0';
		char *end = NULL;
		errno = 0;
		long long i = strtoll(buf, &end, 10);
		if (end != NULL && *end == '\0' && errno == 0) {
			sqlite3_result_int64(ctx, i);
		} else {
			sqlite3_result_double(ctx, strtod(buf, NULL));
		}
		return;
	}
	default:
		result_text(ctx, a, v, W_RAW);
		return;
	}
}

static int srf_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct srf_cursor *c = (struct srf_cursor *)cur;
	const struct srf_def *d = ((struct srf_vtab *)cur->pVtab)->def;
	col = srf_col(d, col);
	if (c->j == NULL || c->i >= c->j->n || col == SRF_JSON) {
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	struct jv *k = c->j->t == J_OBJ ? c->j->v[2 * c->i] : NULL;
	struct jv *v = c->j->t == J_OBJ ? c->j->v[2 * c->i + 1]
					: c->j->v[c->i];
	enum wmode mode = d->jsonb ? W_JSONB : W_RAW;
	if (col == SRF_ORDINALITY) {
		sqlite3_result_int64(ctx, (sqlite3_int64)c->i + 1);
	} else if (d->shape == SRF_UNNEST) {
		result_sql(ctx, &c->a, v);
	} else if (col == SRF_KEY) {
		if (k == NULL) {
			sqlite3_result_null(ctx);
		} else {
			sqlite3_result_text(ctx, k->len > 0 ? k->s : "",
					    (int)k->len, SQLITE_TRANSIENT);
		}
	} else if (d->shape == SRF_KEYS) {
		sqlite3_result_text(ctx, k->len > 0 ? k->s : "", (int)k->len,
				    SQLITE_TRANSIENT);
	} else if (d->text) {
		result_text(ctx, &c->a, v, mode);
	} else {
		result_json(ctx, &c->a, v, mode);
	}
	return SQLITE_OK;
}

static int srf_error(sqlite3_vtab_cursor *cur, const char *msg)
{
	sqlite3_vtab *v = cur->pVtab;
	sqlite3_free(v->zErrMsg);
	v->zErrMsg = sqlite3_mprintf("%s", msg);
	return SQLITE_ERROR;
}

static int srf_filter(sqlite3_vtab_cursor *cur, int idx_num,
		      const char *idx_str, int argc, sqlite3_value **argv)
{
	TR_UNUSED(idx_str);
	struct srf_cursor *c = (struct srf_cursor *)cur;
	const struct srf_def *d = ((struct srf_vtab *)cur->pVtab)->def;
	tr_arena_reset(&c->a);
	c->j = NULL;
	c->i = 0;
	if (idx_num == 0 || argc < 1) {
		return srf_error(cur, "42883: function needs a json argument");
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return SQLITE_OK;
	}
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (s == NULL) {
		return SQLITE_NOMEM;
	}
	const char *err = NULL;
	struct jv *j = parse(&c->a, s, (size_t)sqlite3_value_bytes(argv[0]),
			     d->jsonb, &err);
	if (j == NULL) {
		return err == ERR_OOM ? SQLITE_NOMEM : srf_error(cur, err);
	}
	bool want_obj = d->shape != SRF_ELEMENTS && d->shape != SRF_UNNEST;
	if ((j->t == J_OBJ) != want_obj || !is_container(j)) {
		char msg[160];
		if (d->shape == SRF_ELEMENTS) {
			snprintf(msg, sizeof msg,
				 "22023: cannot extract elements from %s",
				 j->t == J_OBJ ? "an object" : "a scalar");
		} else if (d->shape == SRF_EACH) {
			snprintf(msg, sizeof msg,
				 "22023: cannot call %s on a non-object",
				 d->fn);
		} else {
			snprintf(msg, sizeof msg, "22023: cannot call %s on %s",
				 d->fn, j->t == J_ARR ? "an array" : "a scalar");
		}
		return srf_error(cur, msg);
	}
	c->j = j;
	return SQLITE_OK;
}

static int srf_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	const struct srf_def *d = ((struct srf_vtab *)v)->def;
	int at = -1;
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *k =
			&info->aConstraint[i];
		if (k->iColumn < 0 || srf_col(d, k->iColumn) != SRF_JSON) {
			continue;
		}
		if (!k->usable) {
			return SQLITE_CONSTRAINT;
		}
		if (k->op == SQLITE_INDEX_CONSTRAINT_EQ) {
			at = i;
		}
	}
	if (at >= 0) {
		info->aConstraintUsage[at].argvIndex = 1;
		info->aConstraintUsage[at].omit = 1;
		info->idxNum = 1;
		info->estimatedCost = 100.0;
	} else {
		info->idxNum = 0;
		info->estimatedCost = 1e12;
	}
	info->estimatedRows = 100;
	return SQLITE_OK;
}

static const sqlite3_module srf_module = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous only */
	.xConnect = srf_connect,
	.xBestIndex = srf_best_index,
	.xDisconnect = srf_disconnect,
	.xDestroy = NULL,
	.xOpen = srf_open,
	.xClose = srf_close,
	.xFilter = srf_filter,
	.xNext = srf_next,
	.xEof = srf_eof,
	.xColumn = srf_column,
	.xRowid = srf_rowid,
};

/* ---------------------------------------------------------------------
 * pg_record_out(oids, v...): a whole row as PostgreSQL's record text
 *
 * "(1,abc,,t)": each field as its type's text output (sql_format_text
 * of the OID at its place in the comma list @oids; 0 or missing: as
 * stored), nothing for NULL, and double quotes around a field that is
 * empty or holds a quote, backslash, parenthesis, comma or white space,
 * with quotes and backslashes doubled inside (PostgreSQL's record_out).
 * ------------------------------------------------------------------- */

static void fn_record_out(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (argc < 1) {
		fail(ctx, "42883: function pg_record_out() does not exist");
		return;
	}
	const char *oids = (const char *)sqlite3_value_text(argv[0]);
	struct tr_buf b, f;
	tr_buf_init(&b, JSON_MAX_OUT);
	tr_buf_init(&f, JSON_MAX_OUT);
	tr_buf_put_u8(&b, '(');
	for (int i = 1; i < argc; i++) {
		uint32_t oid = 0;
		if (oids != NULL && *oids != '\0') {
			oid = (uint32_t)strtoul(oids, NULL, 10);
			oids = strchr(oids, ',');
			oids = oids != NULL ? oids + 1 : NULL;
		}
		if (i > 1) {
			tr_buf_put_u8(&b, ',');
		}
		sqlite3_value *x = argv[i];
		int type = sqlite3_value_type(x);
		if (type == SQLITE_NULL) {
			continue;
		}
		struct sql_value v = { .type = (enum sql_value_type)type };
		v.integer = sqlite3_value_int64(x);
		v.real = sqlite3_value_double(x);
		v.p = type == SQLITE_BLOB ? sqlite3_value_blob(x)
					  : (const void *)sqlite3_value_text(x);
		v.len = (size_t)sqlite3_value_bytes(x);
		tr_buf_reset(&f);
		if (!sql_format_text(oid != 0 ? oid : SQL_OID_TEXT, &v, &f)) {
			continue;
		}
		bool quote = f.len == 0;
		for (size_t k = 0; k < f.len && !quote; k++) {
			uint8_t c = f.data[k];
			quote = c == '"' || c == '\\' || c == '(' || c == ')' ||
				c == ',' || c == ' ' ||
				(c >= '\t' && c <= '\r');
		}
		if (!quote) {
			tr_buf_put(&b, f.data, f.len);
			continue;
		}
		tr_buf_put_u8(&b, '"');
		for (size_t k = 0; k < f.len; k++) {
			uint8_t c = f.data[k];
			if (c == '"' || c == '\\') {
				tr_buf_put_u8(&b, c);
			}
			tr_buf_put_u8(&b, c);
		}
		tr_buf_put_u8(&b, '"');
	}
	tr_buf_put_u8(&b, ')');
	int err = tr_buf_err(&b) != TR_OK ? tr_buf_err(&b) : tr_buf_err(&f);
	if (err == TR_ETOOBIG) {
		fail(ctx, "54000: record result is too large");
	} else if (err != TR_OK) {
		sqlite3_result_error_nomem(ctx);
	} else {
		sqlite3_result_text(ctx, (const char *)b.data, (int)b.len,
				    SQLITE_TRANSIENT);
	}
	tr_buf_close(&f);
	tr_buf_close(&b);
}

/* ---------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------- */

typedef void (*json_fn)(sqlite3_context *, int, sqlite3_value **);

static const struct {
	const char *name;
	int n_args;
	json_fn fn;
	intptr_t app;
} json_fdefs[] = {
	{ "pg_json_get", 3, fn_get, 0 },
	{ "pg_json_path", 3, fn_path, 0 },
	{ "pg_json_extract_path", -1, fn_extract_path, 0 },
	{ "pg_jsonb_contains", 2, fn_contains, 0 },
	{ "pg_jsonb_eq", 2, fn_eq, 0 },
	{ "pg_jsonb_exists", 3, fn_exists, 0 },
	{ "pg_jsonb_concat", 2, fn_concat, 0 },
	{ "pg_jsonb_delete", 3, fn_delete, 0 },
	{ "pg_jsonb_set", 5, fn_set, 0 },
	{ "pg_json_strip_nulls", 2, fn_strip_nulls, 0 },
	{ "pg_json_typeof", 1, fn_typeof, 0 },
	{ "pg_json_array_length", 1, fn_array_length, 0 },
	{ "pg_jsonb_pretty", 1, fn_pretty, 0 },
	{ "pg_json", 1, fn_cast, 0 },
	{ "pg_jsonb", 1, fn_cast, 1 },
	{ "pg_to_json", 2, fn_to_json, 0 },
	{ "pg_json_build", -1, fn_build, 0 },
	{ "pg_record_out", -1, fn_record_out, 0 },
};

int sql__json_register(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC;
	for (size_t i = 0; i < TR_ARRAY_LEN(json_fdefs); i++) {
		int rc = sqlite3_create_function_v2(
			db, json_fdefs[i].name, json_fdefs[i].n_args, flags,
			(void *)json_fdefs[i].app, json_fdefs[i].fn, NULL,
			NULL, NULL);
		if (rc != SQLITE_OK) {
			return rc;
		}
	}
	int rc = sqlite3_create_function_v2(db, "pg_json_agg", -1, flags,
					    NULL, NULL, agg_step, agg_final,
					    NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function_v2(db, "pg_json_object_agg", -1,
						flags, (void *)1, NULL,
						agg_step, agg_final, NULL);
	}
	for (size_t i = 0; rc == SQLITE_OK && i < TR_ARRAY_LEN(srf_defs); i++) {
		rc = sqlite3_create_module_v2(db, srf_defs[i].module,
					      &srf_module,
					      (void *)&srf_defs[i], NULL);
	}
	return rc;
}
