/*
 * sql/functions.c: PostgreSQL functions SQLite lacks, as SQLite C
 * functions registered on every connection of the process.
 *
 *   sql_functions_register       on one connection (tests, the mirror)
 *   sql_functions_register_auto  on every connection opened afterwards
 *                                (sqlite3_auto_extension: dqlite's leader
 *                                connections included)
 *
 * Every name starts with pg_ so that nothing shadows a SQLite built-in;
 * the translator (expr.c, query.c) emits these names.  Conventions:
 *
 * - NULL in gives NULL out, as PostgreSQL's strict functions do (concat,
 *   concat_ws and format say otherwise, as in PostgreSQL).
 * - Text is UTF-8 and counted in characters.  Every database is C.UTF-8
 *   (as PostgreSQL initdb'ed with --locale=C.UTF-8): case mapping and
 *   character classes (upper, lower, initcap, ILIKE, regex ~* and
 *   [[:alpha:]]) use glibc's "C.UTF-8" locale through the *_l functions
 *   and uselocale(), never the process locale: simple (one to one)
 *   Unicode case mapping, which is what PostgreSQL does with a libc
 *   provider ("ß" stays "ß").  pg_lower_c, pg_upper_c and pg_initcap_c
 *   map ASCII only, as PostgreSQL does under COLLATE "C" (expr.c picks
 *   them).  Without the C.UTF-8 locale (not on Debian), ASCII only.
 * - Errors are reported with sqlite3_result_error and a message that
 *   starts with the SQLSTATE ("22023: ..."); sql_error_from_sqlite turns
 *   the tag into the error's code.
 * - Timestamps are text in triode's canonical form, 'YYYY-MM-DD
 *   HH:MM:SS.ffffff' for timestamp and the same with '+00' for
 *   timestamptz (UTC).  Input is read more leniently (no fraction, 'T',
 *   other offsets, a bare date); output always uses the canonical form of
 *   the input's kind, so results compare correctly as text.  Intervals
 *   are PostgreSQL's text output ('1 year 2 mons 3 days 04:05:06.5').
 *
 * Limits (documented, not hidden): regular expressions are POSIX ERE
 * (glibc) with \d \s \w and their negations rewritten; PostgreSQL's ARE
 * extras (non-greedy quantifiers, lookahead, \m \M, embedded options)
 * fail with 2201B or match differently.  numeric is a double: extract()
 * returns an integer for whole-valued fields and a real otherwise, so
 * 'second' prints 5 where PostgreSQL prints 5.000000.  No time zones other
 * than UTC, no BC dates, no infinity.
 */
#define _GNU_SOURCE /* newlocale, uselocale, towupper_l */

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "sql/sql_int.h"

/* Longest text or blob a function builds (SQLite's default limit). */
#define MAX_RESULT 1000000000u

/* ---------------------------------------------------------------------
 * Helpers: errors, UTF-8, locale
 * ------------------------------------------------------------------- */

static void fail(sqlite3_context *ctx, const char *fmt, ...) TR_PRINTF(2, 3);
static void fail(sqlite3_context *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sqlite3_result_error(ctx, msg, -1);
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

static const char *text_of(sqlite3_value *v, int *len)
{
	const char *s = (const char *)sqlite3_value_text(v);
	*len = sqlite3_value_bytes(v);
	return s != NULL ? s : "";
}

/* Hand a built buffer to SQLite (or the buffer's failure). */
static void result_buf(sqlite3_context *ctx, struct tr_buf *b)
{
	if (tr_buf_err(b) == TR_ETOOBIG) {
		sqlite3_result_error_toobig(ctx);
	} else if (tr_buf_err(b) != TR_OK) {
		sqlite3_result_error_nomem(ctx);
	} else {
		sqlite3_result_text(ctx,
				    b->len > 0 ? (const char *)b->data : "",
				    (int)b->len, SQLITE_TRANSIENT);
	}
	tr_buf_close(b);
}

/* Decode one UTF-8 character at @p (< @end); invalid bytes decode as
 * themselves, one at a time. */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p;
	uint32_t c = *s++;
	int more = 0;
	if (c >= 0xf0 && c < 0xf8) {
		c &= 0x07;
		more = 3;
	} else if (c >= 0xe0) {
		c &= 0x0f;
		more = c >= 0xf0 ? 0 : 2;
	} else if (c >= 0xc0) {
		c &= 0x1f;
		more = 1;
	}
	if (more > 0 && end - s >= more) {
		uint32_t v = c;
		int i;
		for (i = 0; i < more && (s[i] & 0xc0) == 0x80; i++) {
			v = (v << 6) | (s[i] & 0x3f);
		}
		if (i == more) {
			*p = s + more;
			return v;
		}
	}
	*p = *p + 1;
	return (*p)[-1];
}

/* Byte offsets of each character of @s (n_chars + 1 entries, the last
 * one @len).  Caller frees. */
static int *char_offsets(const char *s, int len, int *n_chars)
{
	int *off = sqlite3_malloc64(((size_t)len + 1) * sizeof *off);
	if (off == NULL) {
		return NULL;
	}
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	int n = 0;
	while (p < end) {
		off[n++] = (int)(p - (const unsigned char *)s);
		utf8_next(&p, end);
	}
	off[n] = len;
	*n_chars = n;
	return off;
}

static pthread_once_t locale_once = PTHREAD_ONCE_INIT;
static locale_t utf8_locale; /* (locale_t)0 when C.UTF-8 is missing */

static void locale_init(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t utf8(void)
{
	pthread_once(&locale_once, locale_init);
	return utf8_locale;
}

static uint32_t to_upper(uint32_t c)
{
	locale_t l = utf8();
	if (l == (locale_t)0) {
		return c < 0x80 ? (uint32_t)toupper((int)c) : c;
	}
	return (uint32_t)towupper_l((wint_t)c, l);
}

static uint32_t to_lower(uint32_t c)
{
	locale_t l = utf8();
	if (l == (locale_t)0) {
		return c < 0x80 ? (uint32_t)tolower((int)c) : c;
	}
	return (uint32_t)towlower_l((wint_t)c, l);
}

static bool is_alnum(uint32_t c)
{
	locale_t l = utf8();
	if (l == (locale_t)0) {
		return c < 0x80 && isalnum((int)c);
	}
	return iswalnum_l((wint_t)c, l) != 0;
}

/* ---------------------------------------------------------------------
 * Regular expressions: ~ ~* !~ !~* and SIMILAR TO
 * ------------------------------------------------------------------- */

struct re_cache {
	regex_t re;
	int cflags;
};

static void re_free(void *p)
{
	struct re_cache *c = p;
	regfree(&c->re);
	sqlite3_free(c);
}

/* Switch the thread to the C.UTF-8 locale for glibc's regex (multibyte
 * characters, case folding); returns what re_locale_leave restores. */
static locale_t re_locale_enter(void)
{
	locale_t l = utf8();
	return l != (locale_t)0 ? uselocale(l) : (locale_t)0;
}

static void re_locale_leave(locale_t old)
{
	if (old != (locale_t)0) {
		uselocale(old);
	}
}

/* PostgreSQL's class escapes, which POSIX ERE lacks, as bracket
 * expressions. */
static void re_rewrite(struct tr_buf *b, const char *p)
{
	bool in_bracket = false;
	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			const char *cls = NULL;
			bool neg = false;
			switch (p[1]) {
			case 'd':
				cls = "[:digit:]";
				break;
			case 'D':
				cls = "[:digit:]";
				neg = true;
				break;
			case 's':
				cls = "[:space:]";
				break;
			case 'S':
				cls = "[:space:]";
				neg = true;
				break;
			case 'w':
				cls = "[:alnum:]_";
				break;
			case 'W':
				cls = "[:alnum:]_";
				neg = true;
				break;
			default:
				break;
			}
			if (cls != NULL && (in_bracket ? !neg : true)) {
				if (in_bracket) {
					tr_buf_put_str(b, cls);
				} else {
					tr_buf_put_str(b, neg ? "[^" : "[");
					tr_buf_put_str(b, cls);
					tr_buf_put_u8(b, ']');
				}
				p++;
				continue;
			}
			tr_buf_put(b, p, 2);
			p++;
			continue;
		}
		if (!in_bracket && *p == '[') {
			in_bracket = true;
			tr_buf_put_u8(b, '[');
			if (p[1] == '^') {
				tr_buf_put_u8(b, '^');
				p++;
			}
			if (p[1] == ']') {
				tr_buf_put_u8(b, ']');
				p++;
			}
			continue;
		}
		if (in_bracket && *p == '[' &&
		    (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *end = strstr(p + 2,
						 (char[]){ p[1], ']', 0 });
			if (end != NULL) {
				tr_buf_put(b, p, (size_t)(end + 2 - p));
				p = end + 1;
				continue;
			}
		}
		if (in_bracket && *p == ']') {
			in_bracket = false;
		}
		tr_buf_put_u8(b, (uint8_t)*p);
	}
}

/*
 * The compiled pattern of argument @pat with compile flags @cflags,
 * cached as the argument's auxiliary data (a constant pattern compiles
 * once per statement).  NULL with the error set: 2201B for a bad
 * pattern.  The caller is inside re_locale_enter.
 */
static const regex_t *re_get(sqlite3_context *ctx, sqlite3_value **argv,
			     int pat, int cflags, bool literal)
{
	struct re_cache *c = sqlite3_get_auxdata(ctx, pat);
	int key = cflags | (literal ? 1 << 30 : 0);
	if (c != NULL && c->cflags == key) {
		return &c->re;
	}
	int n;
	const char *p = text_of(argv[pat], &n);
	struct tr_buf b;
	tr_buf_init(&b, 0);
	if (literal) {
		for (; *p != '\0'; p++) {
			if (strchr(".[]()|*+?{}^$\\", *p) != NULL) {
				tr_buf_put_u8(&b, '\\');
			}
			tr_buf_put_u8(&b, (uint8_t)*p);
		}
	} else {
		re_rewrite(&b, p);
	}
	const char *rx = tr_buf_cstr(&b);
	c = sqlite3_malloc(sizeof *c);
	if (c == NULL || rx == NULL) {
		sqlite3_free(c);
		tr_buf_close(&b);
		sqlite3_result_error_nomem(ctx);
		return NULL;
	}
	c->cflags = key;
	int rc = regcomp(&c->re, rx, cflags);
	tr_buf_close(&b);
	if (rc != 0) {
		char err[128];
		regerror(rc, &c->re, err, sizeof err);
		sqlite3_free(c);
		fail(ctx, "2201B: invalid regular expression: %s", err);
		return NULL;
	}
	sqlite3_set_auxdata(ctx, pat, c, re_free);
	c = sqlite3_get_auxdata(ctx, pat);
	if (c == NULL) {
		/* set_auxdata freed it (OOM): nothing cached. */
		sqlite3_result_error_nomem(ctx);
		return NULL;
	}
	return &c->re;
}

/* Options of the regexp_* functions (PostgreSQL's parse_re_flags). */
struct re_opts {
	int cflags;
	bool glob;
	bool literal;
};

/* Read the flags text @fl (NULL: none) into @o.  false with the error
 * set for an unknown letter (22023) or one triode cannot honour
 * (0A000). */
static bool re_opts(sqlite3_context *ctx, const char *fl, bool allow_g,
		    const char *fname, struct re_opts *o)
{
	o->cflags = REG_EXTENDED;
	o->glob = false;
	o->literal = false;
	for (; fl != NULL && *fl != '\0'; fl++) {
		switch (*fl) {
		case 'g':
			if (!allow_g) {
				fail(ctx,
				     "22023: %s() does not support the "
				     "\"global\" option\nHINT: Use the "
				     "regexp_matches function instead.",
				     fname);
				return false;
			}
			o->glob = true;
			break;
		case 'i':
			o->cflags |= REG_ICASE;
			break;
		case 'c':
			o->cflags &= ~REG_ICASE;
			break;
		case 'n':
		case 'm':
			o->cflags |= REG_NEWLINE;
			break;
		case 's':
			o->cflags &= ~REG_NEWLINE;
			break;
		case 'q':
			o->literal = true;
			break;
		case 'e':
		case 't':
			break; /* the defaults: ERE, tight syntax */
		case 'b':
		case 'p':
		case 'w':
		case 'x':
			fail(ctx,
			     "0A000: regular expression option \"%c\" is not "
			     "supported",
			     *fl);
			return false;
		default:
			fail(ctx,
			     "22023: invalid regular expression option: "
			     "\"%.*s\"",
			     (int)(((unsigned char)*fl >= 0xc0)
					   ? 1 + ((unsigned char)*fl >= 0xe0) +
						     ((unsigned char)*fl >=
						      0xf0)
					   : 1),
			     fl);
			return false;
		}
	}
	return true;
}

/* The flags argument @i when present (false: NULL or an error). */
static bool re_opts_arg(sqlite3_context *ctx, int argc, sqlite3_value **argv,
			int i, bool allow_g, const char *fname,
			struct re_opts *o)
{
	const char *fl = NULL;
	if (i < argc) {
		fl = (const char *)sqlite3_value_text(argv[i]);
		if (fl == NULL) {
			return false; /* NULL flags: NULL result */
		}
	}
	return re_opts(ctx, fl, allow_g, fname, o);
}

/*
 * The first match of @re in @s (@len bytes) starting at byte @from:
 * pm[0] the whole match, pm[1..nm) the groups (-1 when unmatched), as
 * byte offsets in @s.  ^ matches at @from only when @from is 0 (or
 * after a newline in newline-sensitive mode), as PostgreSQL's search.
 */
static bool re_exec(const regex_t *re, const char *s, int len, int from,
		    regmatch_t *pm, size_t nm)
{
	pm[0].rm_so = from;
	pm[0].rm_eo = len;
	return regexec(re, s, nm, pm, REG_STARTEND) == 0;
}

/* Byte length of the UTF-8 character at s[i] (1 at the end). */
static int char_len(const char *s, int len, int i)
{
	const unsigned char *p = (const unsigned char *)s + i;
	const unsigned char *end = (const unsigned char *)s + len;
	if (p >= end) {
		return 1;
	}
	utf8_next(&p, end);
	return (int)(p - ((const unsigned char *)s + i));
}

/* pg_regexp_match(s, pattern[, flags]): the ~ operators. */
static void fn_regexp_match(sqlite3_context *ctx, int argc,
			    sqlite3_value **argv)
{
	if (any_null(argc < 2 ? argc : 2, argv)) {
		return;
	}
	bool icase = false;
	if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
		const char *fl = (const char *)sqlite3_value_text(argv[2]);
		icase = fl != NULL && strchr(fl, 'i') != NULL;
	}
	locale_t old = re_locale_enter();
	const regex_t *re = re_get(
		ctx, argv, 1,
		REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0), false);
	if (re != NULL) {
		int n;
		const char *s = text_of(argv[0], &n);
		regmatch_t pm[1];
		sqlite3_result_int(ctx, re_exec(re, s, n, 0, pm, 1));
	}
	re_locale_leave(old);
}

/* Groups a replacement or a match result can refer to. */
#define RE_GROUPS 10

/* Append the replacement @r for the match @pm of @s (PostgreSQL's
 * rules: \1..\9 a group, \& the whole match, \\ a backslash, any other
 * backslash kept). */
static void re_substitute(struct tr_buf *b, const char *s, const char *r,
			  const regmatch_t *pm)
{
	for (; *r != '\0'; r++) {
		if (*r != '\\') {
			tr_buf_put_u8(b, (uint8_t)*r);
			continue;
		}
		char c = r[1];
		int g = c >= '1' && c <= '9' ? c - '0' : c == '&' ? 0 : -1;
		if (g >= 0) {
			if (pm[g].rm_so >= 0 && pm[g].rm_eo >= pm[g].rm_so) {
				tr_buf_put(b, s + pm[g].rm_so,
					   (size_t)(pm[g].rm_eo - pm[g].rm_so));
			}
			r++;
		} else if (c == '\\') {
			tr_buf_put_u8(b, '\\');
			r++;
		} else {
			tr_buf_put_u8(b, '\\');
		}
	}
}

/* Byte offset of character @n (1-based) of @s, or -1 past the end. */
static int char_offset(const char *s, int len, int64_t n)
{
	int i = 0;
	for (int64_t k = 1; k < n; k++) {
		if (i >= len) {
			return -1;
		}
		i += char_len(s, len, i);
	}
	return i <= len ? i : -1;
}

/*
 * pg_regexp_replace(s, pattern, replacement[, flags]) and
 * pg_regexp_replace(s, pattern, replacement, start[, n[, flags]]): the
 * fourth argument is the start when it is a number (PostgreSQL picks
 * the overload by type; an untyped literal is the flags).
 */
static void fn_regexp_replace(sqlite3_context *ctx, int argc,
			      sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool has_start = argc > 3 &&
			 (sqlite3_value_type(argv[3]) == SQLITE_INTEGER ||
			  sqlite3_value_type(argv[3]) == SQLITE_FLOAT);
	int64_t start = 1, nth = -1;
	int flags_at = 3;
	if (has_start) {
		start = sqlite3_value_int64(argv[3]);
		if (start <= 0) {
			fail(ctx,
			     "22023: invalid value for parameter \"start\": "
			     "%lld",
			     (long long)start);
			return;
		}
		flags_at = 4;
		if (argc > 4) {
			nth = sqlite3_value_int64(argv[4]);
			if (nth < 0) {
				fail(ctx,
				     "22023: invalid value for parameter "
				     "\"n\": %lld",
				     (long long)nth);
				return;
			}
			flags_at = 5;
		}
	}
	struct re_opts o;
	if (!re_opts_arg(ctx, argc, argv, flags_at, true, "regexp_replace",
			 &o)) {
		return;
	}
	if (nth < 0) {
		nth = o.glob ? 0 : 1;
	}
	locale_t old = re_locale_enter();
	const regex_t *re = re_get(ctx, argv, 1, o.cflags, o.literal);
	if (re == NULL) {
		re_locale_leave(old);
		return;
	}
	int len;
	const char *s = text_of(argv[0], &len);
	const char *r = (const char *)sqlite3_value_text(argv[2]);
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	int at = char_offset(s, len, start);
	int copied = 0;
	int64_t count = 0;
	regmatch_t pm[RE_GROUPS];
	while (at >= 0 && at <= len && re_exec(re, s, len, at, pm, RE_GROUPS)) {
		count++;
		if (nth == 0 || count == nth) {
			tr_buf_put(&b, s + copied,
				   (size_t)(pm[0].rm_so - copied));
			re_substitute(&b, s, r != NULL ? r : "", pm);
			copied = pm[0].rm_eo;
			if (nth != 0) {
				break;
			}
		}
		at = pm[0].rm_eo;
		if (pm[0].rm_so == pm[0].rm_eo) {
			if (at >= len) {
				break;
			}
			at += char_len(s, len, at);
		}
	}
	re_locale_leave(old);
	tr_buf_put(&b, s + copied, (size_t)(len - copied));
	result_buf(ctx, &b);
}

/* A JSON string (the stored form of a text array element). */
static void put_json_text(struct tr_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	tr_buf_put_u8(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			tr_buf_put_u8(b, '\\');
			tr_buf_put_u8(b, c);
		} else if (c < 0x20) {
			tr_buf_put_str(b, "\\u00");
			tr_buf_put_u8(b, (uint8_t)hex[c >> 4]);
			tr_buf_put_u8(b, (uint8_t)hex[c & 15]);
		} else {
			tr_buf_put_u8(b, c);
		}
	}
	tr_buf_put_u8(b, '"');
}

/*
 * pg_regexp_match_array(s, pattern[, flags]): regexp_match, a text[]
 * (stored as a JSON array) of the groups, or of the whole match when
 * the pattern has none; NULL without a match.  pApp 1: substring(s
 * from pattern), the first group's text (or the whole match).
 */
static void fn_regexp_first(sqlite3_context *ctx, int argc,
			    sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool substring = sqlite3_user_data(ctx) != NULL;
	struct re_opts o;
	if (!re_opts_arg(ctx, argc, argv, 2, false, "regexp_match", &o)) {
		return;
	}
	locale_t old = re_locale_enter();
	const regex_t *re = re_get(ctx, argv, 1, o.cflags, o.literal);
	if (re == NULL) {
		re_locale_leave(old);
		return;
	}
	int len;
	const char *s = text_of(argv[0], &len);
	size_t nsub = re->re_nsub;
	regmatch_t *pm = sqlite3_malloc64((nsub + 1) * sizeof *pm);
	if (pm == NULL) {
		re_locale_leave(old);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	bool found = re_exec(re, s, len, 0, pm, nsub + 1);
	re_locale_leave(old);
	if (!found) {
		sqlite3_free(pm);
		return;
	}
	if (substring) {
		const regmatch_t *m = nsub > 0 ? &pm[1] : &pm[0];
		if (m->rm_so >= 0) {
			sqlite3_result_text(ctx, s + m->rm_so,
					    (int)(m->rm_eo - m->rm_so),
					    SQLITE_TRANSIENT);
		}
		sqlite3_free(pm);
		return;
	}
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	tr_buf_put_u8(&b, '[');
	for (size_t g = nsub > 0 ? 1 : 0; g <= nsub; g++) {
		if (g > 1) {
			tr_buf_put_u8(&b, ',');
		}
		if (pm[g].rm_so < 0) {
			tr_buf_put_str(&b, "null");
		} else {
			put_json_text(&b, s + pm[g].rm_so,
				      (size_t)(pm[g].rm_eo - pm[g].rm_so));
		}
	}
	tr_buf_put_u8(&b, ']');
	sqlite3_free(pm);
	result_buf(ctx, &b);
}

/*
 * pg_regexp_split(s, pattern[, flags]): regexp_split_to_array, a text[]
 * of the pieces between the matches.  As PostgreSQL, an empty match at
 * the start or the end of the text splits nothing.
 */
static void fn_regexp_split(sqlite3_context *ctx, int argc,
			    sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	struct re_opts o;
	if (!re_opts_arg(ctx, argc, argv, 2, false, "regexp_split_to_array",
			 &o)) {
		return;
	}
	locale_t old = re_locale_enter();
	const regex_t *re = re_get(ctx, argv, 1, o.cflags, o.literal);
	if (re == NULL) {
		re_locale_leave(old);
		return;
	}
	int len;
	const char *s = text_of(argv[0], &len);
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	tr_buf_put_u8(&b, '[');
	int at = 0, piece = 0;
	regmatch_t pm[1];
	while (at <= len && re_exec(re, s, len, at, pm, 1)) {
		if (pm[0].rm_so < len && pm[0].rm_eo > 0) {
			put_json_text(&b, s + piece,
				      (size_t)(pm[0].rm_so - piece));
			tr_buf_put_u8(&b, ',');
			piece = pm[0].rm_eo;
		}
		at = pm[0].rm_eo;
		if (pm[0].rm_so == pm[0].rm_eo) {
			if (at >= len) {
				break;
			}
			at += char_len(s, len, at);
		}
	}
	re_locale_leave(old);
	put_json_text(&b, s + piece, (size_t)(len - piece));
	tr_buf_put_u8(&b, ']');
	result_buf(ctx, &b);
}

/* pg_regexp_like(s, pattern[, flags]) (PostgreSQL 15). */
static void fn_regexp_like(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	struct re_opts o;
	if (!re_opts_arg(ctx, argc, argv, 2, false, "regexp_like", &o)) {
		return;
	}
	locale_t old = re_locale_enter();
	const regex_t *re = re_get(ctx, argv, 1, o.cflags | REG_NOSUB,
				   o.literal);
	if (re != NULL) {
		int len;
		const char *s = text_of(argv[0], &len);
		regmatch_t pm[1];
		sqlite3_result_int(ctx, re_exec(re, s, len, 0, pm, 1));
	}
	re_locale_leave(old);
}

/* pg_regexp_count(s, pattern[, start[, flags]]) (PostgreSQL 15). */
static void fn_regexp_count(sqlite3_context *ctx, int argc,
			    sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int64_t start = argc > 2 ? sqlite3_value_int64(argv[2]) : 1;
	if (start <= 0) {
		fail(ctx, "22023: invalid value for parameter \"start\": %lld",
		     (long long)start);
		return;
	}
	struct re_opts o;
	if (!re_opts_arg(ctx, argc, argv, 3, false, "regexp_count", &o)) {
		return;
	}
	locale_t old = re_locale_enter();
	const regex_t *re = re_get(ctx, argv, 1, o.cflags, o.literal);
	if (re == NULL) {
		re_locale_leave(old);
		return;
	}
	int len;
	const char *s = text_of(argv[0], &len);
	int at = char_offset(s, len, start);
	int64_t count = 0;
	regmatch_t pm[1];
	while (at >= 0 && at <= len && re_exec(re, s, len, at, pm, 1)) {
		count++;
		at = pm[0].rm_eo;
		if (pm[0].rm_so == pm[0].rm_eo) {
			if (at >= len) {
				break;
			}
			at += char_len(s, len, at);
		}
	}
	re_locale_leave(old);
	sqlite3_result_int64(ctx, count);
}

bool sql__similar_to_regex(struct tr_buf *b, const char *p, const char *esc)
{
	/* PostgreSQL's similar_escape(): anchored, '%' and '_' are the
	 * wildcards, '.' is literal, the escape character quotes the next
	 * one, everything else is POSIX regex syntax. */
	char e = '\\';
	if (esc != NULL) {
		if (strlen(esc) > 1) {
			return false;
		}
		e = esc[0];
	}
	tr_buf_put_str(b, "^(");
	bool in_bracket = false;
	for (; *p != '\0'; p++) {
		char c = *p;
		if (e != '\0' && c == e) {
			if (p[1] == '\0') {
				return false;
			}
			c = *++p;
			if (strchr(".[]()|*+?{}^$\\", c) != NULL) {
				tr_buf_put_u8(b, '\\');
			}
			tr_buf_put_u8(b, (uint8_t)c);
			continue;
		}
		if (in_bracket) {
			if (c == ']') {
				in_bracket = false;
			}
			tr_buf_put_u8(b, (uint8_t)c);
		} else if (c == '[') {
			in_bracket = true;
			tr_buf_put_u8(b, '[');
		} else if (c == '%') {
			tr_buf_put_str(b, ".*");
		} else if (c == '_') {
			tr_buf_put_u8(b, '.');
		} else if (c == '.' || c == '^' || c == '$' || c == '\\') {
			tr_buf_put_u8(b, '\\');
			tr_buf_put_u8(b, (uint8_t)c);
		} else {
			tr_buf_put_u8(b, (uint8_t)c);
		}
	}
	tr_buf_put_str(b, ")$");
	return true;
}

/* pg_similar_escape(pattern[, escape]): the regex for a pattern only
 * known at run time. */
static void fn_similar_escape(sqlite3_context *ctx, int argc,
			      sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	const char *esc = NULL;
	if (argc > 1) {
		if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
			return;
		}
		esc = (const char *)sqlite3_value_text(argv[1]);
	}
	int n;
	const char *p = text_of(argv[0], &n);
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	if (!sql__similar_to_regex(&b, p, esc)) {
		tr_buf_close(&b);
		fail(ctx, "22025: invalid escape string");
		return;
	}
	result_buf(ctx, &b);
}

/* ---------------------------------------------------------------------
 * Strings
 * ------------------------------------------------------------------- */

/*
 * pg_out(x, oid, typmod): x as the output function of type oid prints it
 * (format.c), the text PostgreSQL gives a value converted to text: 't'
 * for a boolean in concat(), 1 for 1.0::float8, 100.00 for a
 * numeric(10,2), a timestamptz without its stored microseconds.
 */
static void fn_out(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	struct sql_value v = { .type = SQL_VALUE_NULL };
	switch (sqlite3_value_type(argv[0])) {
	case SQLITE_NULL:
		return;
	case SQLITE_INTEGER:
		v.type = SQL_VALUE_INTEGER;
		v.integer = sqlite3_value_int64(argv[0]);
		break;
	case SQLITE_FLOAT:
		v.type = SQL_VALUE_FLOAT;
		v.real = sqlite3_value_double(argv[0]);
		break;
	case SQLITE_BLOB:
		v.type = SQL_VALUE_BLOB;
		v.p = sqlite3_value_blob(argv[0]);
		v.len = (size_t)sqlite3_value_bytes(argv[0]);
		break;
	default:
		v.type = SQL_VALUE_TEXT;
		v.p = sqlite3_value_text(argv[0]);
		v.len = (size_t)sqlite3_value_bytes(argv[0]);
		break;
	}
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	(void)sql_format_text_mod((uint32_t)sqlite3_value_int64(argv[1]),
				  (int32_t)sqlite3_value_int64(argv[2]), &v, &b);
	result_buf(ctx, &b);
}

static void fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	for (int i = 0; i < argc; i++) {
		if (sqlite3_value_type(argv[i]) != SQLITE_NULL) {
			int n;
			const char *s = text_of(argv[i], &n);
			tr_buf_put(&b, s, (size_t)n);
		}
	}
	result_buf(ctx, &b);
}

static void fn_concat_ws(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (argc < 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	int sn;
	const char *sep = text_of(argv[0], &sn);
	char *sepc = sqlite3_mprintf("%.*s", sn, sep);
	if (sepc == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	bool first = true;
	for (int i = 1; i < argc; i++) {
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
			continue;
		}
		if (!first) {
			tr_buf_put(&b, sepc, (size_t)sn);
		}
		first = false;
		int n;
		const char *s = text_of(argv[i], &n);
		tr_buf_put(&b, s, (size_t)n);
	}
	sqlite3_free(sepc);
	result_buf(ctx, &b);
}

/* lpad/rpad (pApp: 0 left, 1 right). */
static void fn_pad(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool right = sqlite3_user_data(ctx) != NULL;
	int sn, fn = 1;
	const char *s = text_of(argv[0], &sn);
	char *sc = sqlite3_mprintf("%.*s", sn, s);
	sqlite3_int64 want = sqlite3_value_int64(argv[1]);
	char *fill = sqlite3_mprintf(
		"%s",
		argc > 2 ? (const char *)sqlite3_value_text(argv[2]) : " ");
	if (sc == NULL || fill == NULL) {
		sqlite3_free(sc);
		sqlite3_free(fill);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	fn = (int)strlen(fill);
	int n_chars = 0;
	int *off = char_offsets(sc, sn, &n_chars);
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	if (off == NULL) {
		sqlite3_free(sc);
		sqlite3_free(fill);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (want <= 0) {
		/* empty */
	} else if (want <= n_chars || fn == 0) {
		int keep = want < n_chars ? (int)want : n_chars;
		tr_buf_put(&b, sc, (size_t)off[keep]);
	} else {
		if (want > MAX_RESULT) {
			sqlite3_free(off);
			sqlite3_free(sc);
			sqlite3_free(fill);
			tr_buf_close(&b);
			fail(ctx, "54000: requested length too large");
			return;
		}
		sqlite3_int64 pad = want - n_chars;
		if (!right) {
			tr_buf_put(&b, sc, 0);
		} else {
			tr_buf_put(&b, sc, (size_t)sn);
		}
		const unsigned char *fp = (const unsigned char *)fill;
		const unsigned char *fe = fp + fn;
		const unsigned char *q = fp;
		for (sqlite3_int64 i = 0; i < pad && tr_buf_err(&b) == 0; i++) {
			const unsigned char *st = q;
			utf8_next(&q, fe);
			tr_buf_put(&b, st, (size_t)(q - st));
			if (q >= fe) {
				q = fp;
			}
		}
		if (!right) {
			tr_buf_put(&b, sc, (size_t)sn);
		}
	}
	sqlite3_free(off);
	sqlite3_free(sc);
	sqlite3_free(fill);
	result_buf(ctx, &b);
}

static void fn_repeat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int n;
	const char *s = text_of(argv[0], &n);
	sqlite3_int64 k = sqlite3_value_int64(argv[1]);
	if (k <= 0 || n == 0) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	if ((double)k * n > MAX_RESULT) {
		fail(ctx, "54000: requested length too large");
		return;
	}
	char *cp = sqlite3_mprintf("%.*s", n, s);
	if (cp == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	for (sqlite3_int64 i = 0; i < k && tr_buf_err(&b) == 0; i++) {
		tr_buf_put(&b, cp, (size_t)n);
	}
	sqlite3_free(cp);
	result_buf(ctx, &b);
}

/* ASCII-only case mapping: what PostgreSQL does under the collations
 * whose ctype is C (COLLATE "C", "POSIX", ucs_basic). */
static uint32_t ascii_upper(uint32_t c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static uint32_t ascii_lower(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool ascii_alnum(uint32_t c)
{
	return c < 0x80 && isalnum((int)c);
}

/* upper/lower/initcap (pApp: 0 lower, 1 upper, 2 initcap; plus
 * CASE_ASCII for the C ctype, expr.c's pg_lower_c and its twins). */
#define CASE_ASCII 4

static void fn_case(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int mode = (int)(intptr_t)sqlite3_user_data(ctx);
	int n;
	bool ascii = (mode & CASE_ASCII) != 0;
	mode &= ~CASE_ASCII;
	uint32_t (*up)(uint32_t) = ascii ? ascii_upper : to_upper;
	uint32_t (*low)(uint32_t) = ascii ? ascii_lower : to_lower;
	bool (*alnum)(uint32_t) = ascii ? ascii_alnum : is_alnum;
	const unsigned char *p = (const unsigned char *)text_of(argv[0], &n);
	const unsigned char *end = p + n;
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	bool word = false;
	while (p < end) {
		uint32_t c = utf8_next(&p, end);
		if (mode == 0) {
			c = low(c);
		} else if (mode == 1) {
			c = up(c);
		} else {
			c = word ? low(c) : up(c);
			word = alnum(c);
		}
		sql__utf8_put(&b, c);
	}
	result_buf(ctx, &b);
}

static void fn_split_part(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int sn, dn;
	const char *s = text_of(argv[0], &sn);
	char *sc = sqlite3_mprintf("%.*s", sn, s);
	const char *d = text_of(argv[1], &dn);
	char *dc = sqlite3_mprintf("%.*s", dn, d);
	sqlite3_int64 k = sqlite3_value_int64(argv[2]);
	if (sc == NULL || dc == NULL) {
		sqlite3_free(sc);
		sqlite3_free(dc);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (k == 0) {
		sqlite3_free(sc);
		sqlite3_free(dc);
		fail(ctx, "22023: field position must not be zero");
		return;
	}
	/* Field boundaries. */
	const char *start = sc;
	const char *res = NULL;
	int res_len = 0;
	if (dn == 0) {
		if (k == 1 || k == -1) {
			res = sc;
			res_len = sn;
		}
	} else {
		int n_fields = 1;
		for (const char *q = strstr(sc, dc); q != NULL;
		     q = strstr(q + dn, dc)) {
			n_fields++;
		}
		sqlite3_int64 want = k > 0 ? k : n_fields + k + 1;
		if (want >= 1 && want <= n_fields) {
			for (sqlite3_int64 i = 1; i < want; i++) {
				start = strstr(start, dc) + dn;
			}
			const char *q = strstr(start, dc);
			res = start;
			res_len = q != NULL ? (int)(q - start)
					    : (int)(sc + sn - start);
		}
	}
	if (res == NULL) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
	} else {
		sqlite3_result_text(ctx, res, res_len, SQLITE_TRANSIENT);
	}
	sqlite3_free(sc);
	sqlite3_free(dc);
}

/* left/right (pApp: 0 left, 1 right) with negative counts. */
static void fn_left_right(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool right = sqlite3_user_data(ctx) != NULL;
	int n;
	const char *s = text_of(argv[0], &n);
	sqlite3_int64 k = sqlite3_value_int64(argv[1]);
	int n_chars;
	int *off = char_offsets(s, n, &n_chars);
	if (off == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_int64 keep = k >= 0 ? (k > n_chars ? n_chars : k)
				    : (n_chars + k < 0 ? 0 : n_chars + k);
	if (right) {
		int from = off[n_chars - keep];
		sqlite3_result_text(ctx, s + from, n - from, SQLITE_TRANSIENT);
	} else {
		sqlite3_result_text(ctx, s, off[keep], SQLITE_TRANSIENT);
	}
	sqlite3_free(off);
}

/* The digest @md of @v's bytes (a blob, or text) into @out; false after
 * failing @ctx. */
static bool digest_of(sqlite3_context *ctx, sqlite3_value *v, const EVP_MD *md,
		      unsigned char *out, unsigned int *len)
{
	const void *p;
	int n;
	if (sqlite3_value_type(v) == SQLITE_BLOB) {
		p = sqlite3_value_blob(v);
		n = sqlite3_value_bytes(v);
	} else {
		p = text_of(v, &n);
	}
	if (EVP_Digest(p != NULL ? p : "", (size_t)n, out, len, md, NULL) !=
	    1) {
		fail(ctx, "XX000: could not compute %s hash", EVP_MD_name(md));
		return false;
	}
	return true;
}

static void fn_md5(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!digest_of(ctx, argv[0], EVP_md5(), md, &len) || len != 16) {
		return;
	}
	char hex[33];
	for (unsigned i = 0; i < 16; i++) {
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	}
	sqlite3_result_text(ctx, hex, 32, SQLITE_TRANSIENT);
}

/* pg_sha224 ... pg_sha512(bytea): the digest, a bytea (pApp: the bits). */
static void fn_sha(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int bits = (int)(intptr_t)sqlite3_user_data(ctx);
	const EVP_MD *md = bits == 224   ? EVP_sha224()
			   : bits == 256 ? EVP_sha256()
			   : bits == 384 ? EVP_sha384()
					 : EVP_sha512();
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (digest_of(ctx, argv[0], md, out, &len)) {
		sqlite3_result_blob(ctx, out, (int)len, SQLITE_TRANSIENT);
	}
}

static void fn_translate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int sn, fn, tn;
	const unsigned char *s = (const unsigned char *)text_of(argv[0], &sn);
	const unsigned char *se = s + sn;
	char *from = sqlite3_mprintf("%s", sqlite3_value_text(argv[1]));
	char *to = sqlite3_mprintf("%s", sqlite3_value_text(argv[2]));
	if (from == NULL || to == NULL) {
		sqlite3_free(from);
		sqlite3_free(to);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	fn = (int)strlen(from);
	tn = (int)strlen(to);
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	while (s < se) {
		uint32_t c = utf8_next(&s, se);
		const unsigned char *f = (const unsigned char *)from;
		const unsigned char *fe = f + fn;
		const unsigned char *t = (const unsigned char *)to;
		const unsigned char *te = t + tn;
		bool found = false;
		uint32_t rep = 0;
		bool has_rep = false;
		while (f < fe) {
			uint32_t fc = utf8_next(&f, fe);
			uint32_t tc = 0;
			bool tv = t < te;
			if (tv) {
				tc = utf8_next(&t, te);
			}
			if (fc == c) {
				found = true;
				rep = tc;
				has_rep = tv;
				break;
			}
		}
		if (!found) {
			sql__utf8_put(&b, c);
		} else if (has_rep) {
			sql__utf8_put(&b, rep);
		}
	}
	sqlite3_free(from);
	sqlite3_free(to);
	result_buf(ctx, &b);
}

static void fn_reverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int n;
	const char *s = text_of(argv[0], &n);
	int n_chars;
	int *off = char_offsets(s, n, &n_chars);
	if (off == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	for (int i = n_chars; i > 0; i--) {
		tr_buf_put(&b, s + off[i - 1], (size_t)(off[i] - off[i - 1]));
	}
	sqlite3_free(off);
	result_buf(ctx, &b);
}

static void fn_chr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	sqlite3_int64 c = sqlite3_value_int64(argv[0]);
	if (c == 0) {
		fail(ctx, "54000: null character not permitted");
		return;
	}
	if (c < 0 || c > 0x10ffff) {
		fail(ctx,
		     "54000: requested character too large for "
		     "encoding: %lld",
		     (long long)c);
		return;
	}
	if (c >= 0xd800 && c <= 0xdfff) {
		fail(ctx,
		     "54000: requested character not valid for "
		     "encoding: %lld",
		     (long long)c);
		return;
	}
	struct tr_buf b;
	tr_buf_init(&b, 0);
	sql__utf8_put(&b, (uint32_t)c);
	result_buf(ctx, &b);
}

static void fn_ascii(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int n;
	const unsigned char *s = (const unsigned char *)text_of(argv[0], &n);
	if (n == 0) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	sqlite3_result_int64(ctx, utf8_next(&s, s + n));
}

/* PostgreSQL's quote_ident: quoted unless a plain lower-case name that
 * is not a keyword of PostgreSQL 15's reserved, column-name or
 * type/function-name categories (unreserved keywords stay plain). */
bool sql__ident_needs_quotes(const char *s)
{
	// clang-format off
	static const char *const reserved[] = {
		"all", "analyse", "analyze", "and", "any", "array", "as",
		"asc", "asymmetric", "authorization", "between", "bigint",
		"binary", "bit", "boolean", "both", "case", "cast", "char",
		"character", "check", "coalesce", "collate", "collation",
		"column", "concurrently", "constraint", "create", "cross",
		"current_catalog", "current_date", "current_role",
		"current_schema", "current_time", "current_timestamp",
		"current_user", "dec", "decimal", "default", "deferrable",
		"desc", "distinct", "do", "else", "end", "except", "exists",
		"extract", "false", "fetch", "float", "for", "foreign",
		"freeze", "from", "full", "grant", "greatest", "group",
		"grouping", "having", "ilike", "in", "initially", "inner",
		"inout", "int", "integer", "intersect", "interval", "into",
		"is", "isnull", "join", "lateral", "leading", "least", "left",
		"like", "limit", "localtime", "localtimestamp", "national",
		"natural", "nchar", "none", "normalize", "not", "notnull",
		"null", "nullif", "numeric", "offset", "on", "only", "or",
		"order", "out", "outer", "overlaps", "overlay", "placing",
		"position", "precision", "primary", "real", "references",
		"returning", "right", "row", "select", "session_user",
		"setof", "similar", "smallint", "some", "substring",
		"symmetric", "table", "tablesample", "then", "time",
		"timestamp", "to", "trailing", "treat", "trim", "true",
		"union", "unique", "user", "using", "values", "varchar",
		"variadic", "verbose", "when", "where", "window", "with",
		"xmlattributes", "xmlconcat", "xmlelement", "xmlexists",
		"xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot",
		"xmlserialize", "xmltable",
	};
	// clang-format on
	bool plain = s[0] != '\0' &&
		     ((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_');
	for (const char *p = s; *p != '\0' && plain; p++) {
		plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			*p == '_';
	}
	for (size_t i = 0; plain && i < TR_ARRAY_LEN(reserved); i++) {
		plain = strcmp(s, reserved[i]) != 0;
	}
	return !plain;
}

static void quote_ident(struct tr_buf *b, const char *s)
{
	if (!sql__ident_needs_quotes(s)) {
		tr_buf_put_str(b, s);
		return;
	}
	tr_buf_put_u8(b, '"');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"') {
			tr_buf_put_u8(b, '"');
		}
		tr_buf_put_u8(b, (uint8_t)*p);
	}
	tr_buf_put_u8(b, '"');
}

static void quote_literal(struct tr_buf *b, const char *s)
{
	if (strchr(s, '\\') != NULL) {
		tr_buf_put_u8(b, 'E');
	}
	tr_buf_put_u8(b, '\'');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\') {
			tr_buf_put_u8(b, (uint8_t)*p);
		}
		tr_buf_put_u8(b, (uint8_t)*p);
	}
	tr_buf_put_u8(b, '\'');
}

/* pg_quote_ident(s), pg_quote_literal(s), pg_quote_nullable(s) (pApp
 * 0, 1, 2): quote_nullable(NULL) is the text NULL. */
static void fn_quote(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	intptr_t kind = (intptr_t)sqlite3_user_data(ctx);
	if (any_null(argc, argv)) {
		if (kind == 2) {
			sqlite3_result_text(ctx, "NULL", 4, SQLITE_STATIC);
		}
		return;
	}
	int n;
	const char *s = text_of(argv[0], &n);
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	if (kind == 0) {
		quote_ident(&b, s);
	} else {
		quote_literal(&b, s);
	}
	result_buf(ctx, &b);
}

/* pg_starts_with(s, prefix). */
static void fn_starts_with(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int n, k;
	const char *s = text_of(argv[0], &n);
	const char *p = text_of(argv[1], &k);
	sqlite3_result_int(ctx, k <= n && memcmp(s, p, (size_t)k) == 0);
}

/*
 * pg_to_hex(x, width): to_hex of an int4 (width 4) or int8 (width 8);
 * negative numbers as their two's complement in that width.  Width 0:
 * the type is not known statically, int4 when the value fits.
 */
static void fn_to_hex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int64_t x = sqlite3_value_int64(argv[0]);
	int width = sqlite3_value_int(argv[1]);
	if (width == 0) {
		width = x >= INT32_MIN && x <= INT32_MAX ? 4 : 8;
	}
	uint64_t u = (uint64_t)x;
	if (width == 4) {
		u &= 0xffffffffu;
	}
	char buf[24];
	snprintf(buf, sizeof buf, "%llx", (unsigned long long)u);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/*
 * pg_substr(s, start[, count]): substr/substring with PostgreSQL's
 * positions: characters start .. start+count-1 that exist (a start
 * before 1 eats into the count), 22011 for a negative count.  bytea
 * (a blob) counts bytes.
 */
static void fn_substr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int64_t start = sqlite3_value_int64(argv[1]);
	int64_t end = INT64_MAX; /* one past the last position */
	if (argc > 2) {
		int64_t count = sqlite3_value_int64(argv[2]);
		if (count < 0) {
			fail(ctx, "22011: negative substring length not "
				  "allowed");
			return;
		}
		end = start > INT64_MAX - count ? INT64_MAX : start + count;
	}
	if (start < 1) {
		start = 1;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_BLOB) {
		const unsigned char *p = sqlite3_value_blob(argv[0]);
		int64_t n = sqlite3_value_bytes(argv[0]);
		int64_t to = end - 1 < n ? end - 1 : n;
		if (p == NULL || start > to) {
			sqlite3_result_zeroblob(ctx, 0);
			return;
		}
		sqlite3_result_blob64(ctx, p + start - 1,
				      (sqlite3_uint64)(to - start + 1),
				      SQLITE_TRANSIENT);
		return;
	}
	int len;
	const char *s = text_of(argv[0], &len);
	int from = char_offset(s, len, start);
	if (from < 0 || end <= start) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	int to = from;
	for (int64_t k = start; k < end && to < len; k++) {
		to += char_len(s, len, to);
	}
	sqlite3_result_text(ctx, s + from, to - from, SQLITE_TRANSIENT);
}

/* ---- encode / decode (bytea <-> text) ---- */

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	const char *p = c != 0 ? strchr(b64_chars, c) : NULL;
	return p != NULL ? (int)(p - b64_chars) : -1;
}

static bool is_b64_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The bytes of argument @v: a blob's, or a text's UTF-8. */
static const uint8_t *bytes_of(sqlite3_value *v, size_t *len)
{
	const void *p = sqlite3_value_type(v) == SQLITE_BLOB
				? sqlite3_value_blob(v)
				: (const void *)sqlite3_value_text(v);
	*len = (size_t)sqlite3_value_bytes(v);
	return p != NULL ? p : (const uint8_t *)"";
}

/* pg_encode(data, format): base64 (76-character lines), hex, escape. */
static void fn_encode(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	size_t n;
	const uint8_t *d = bytes_of(argv[0], &n);
	const char *fmt = (const char *)sqlite3_value_text(argv[1]);
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	if (fmt != NULL && sqlite3_stricmp(fmt, "hex") == 0) {
		static const char hex[] = "0123456789abcdef";
		for (size_t i = 0; i < n; i++) {
			tr_buf_put_u8(&b, (uint8_t)hex[d[i] >> 4]);
			tr_buf_put_u8(&b, (uint8_t)hex[d[i] & 15]);
		}
	} else if (fmt != NULL && sqlite3_stricmp(fmt, "base64") == 0) {
		size_t line = 0;
		for (size_t i = 0; i < n; i += 3) {
			uint32_t v = (uint32_t)d[i] << 16;
			if (i + 1 < n) {
				v |= (uint32_t)d[i + 1] << 8;
			}
			if (i + 2 < n) {
				v |= d[i + 2];
			}
			if (line >= 76) {
				tr_buf_put_u8(&b, '\n');
				line = 0;
			}
			tr_buf_put_u8(&b, (uint8_t)b64_chars[v >> 18]);
			tr_buf_put_u8(&b, (uint8_t)b64_chars[(v >> 12) & 63]);
			tr_buf_put_u8(
				&b, i + 1 < n
					    ? (uint8_t)b64_chars[(v >> 6) & 63]
					    : '=');
			tr_buf_put_u8(&b, i + 2 < n ? (uint8_t)b64_chars[v & 63]
						    : '=');
			line += 4;
		}
	} else if (fmt != NULL && sqlite3_stricmp(fmt, "escape") == 0) {
		for (size_t i = 0; i < n; i++) {
			if (d[i] == 0 || d[i] >= 0x80) {
				tr_buf_printf(&b, "\\%03o", d[i]);
			} else if (d[i] == '\\') {
				tr_buf_put_str(&b, "\\\\");
			} else {
				tr_buf_put_u8(&b, d[i]);
			}
		}
	} else {
		tr_buf_close(&b);
		fail(ctx, "22023: unrecognized encoding: \"%s\"",
		     fmt != NULL ? fmt : "");
		return;
	}
	result_buf(ctx, &b);
}

/* PostgreSQL's base64 decoding (whitespace skipped, '=' ends the data
 * at the group's end). */
static bool b64_decode(sqlite3_context *ctx, const uint8_t *s, size_t n,
		       struct tr_buf *b)
{
	uint32_t acc = 0;
	int pos = 0, end = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		int v = 0;
		if (is_b64_space(c)) {
			continue;
		}
		if (c == '=') {
			if (end == 0) {
				if (pos == 2) {
					end = 1;
				} else if (pos == 3) {
					end = 2;
				} else {
					fail(ctx,
					     "22023: unexpected \"=\" while "
					     "decoding base64 sequence");
					return false;
				}
			}
		} else {
			v = b64_value(c);
			if (v < 0) {
				int cl = char_len((const char *)s, (int)n,
						  (int)i);
				fail(ctx,
				     "22023: invalid symbol \"%.*s\" found "
				     "while decoding base64 sequence",
				     cl, (const char *)s + i);
				return false;
			}
		}
		acc = (acc << 6) | (uint32_t)v;
		if (++pos == 4) {
			tr_buf_put_u8(b, (uint8_t)(acc >> 16));
			if (end == 0 || end > 1) {
				tr_buf_put_u8(b, (uint8_t)(acc >> 8));
			}
			if (end == 0 || end > 2) {
				tr_buf_put_u8(b, (uint8_t)acc);
			}
			acc = 0;
			pos = 0;
		}
	}
	if (pos != 0) {
		fail(ctx,
		     "22023: invalid base64 end sequence\nHINT: Input data "
		     "is missing padding, is truncated, or is otherwise "
		     "corrupted.");
		return false;
	}
	return true;
}

static bool hex_decode(sqlite3_context *ctx, const uint8_t *s, size_t n,
		       struct tr_buf *b)
{
	for (size_t i = 0; i < n;) {
		if (is_b64_space(s[i])) {
			i++;
			continue;
		}
		int hi = sql__hex_digit(s[i]);
		if (hi < 0) {
			fail(ctx, "22023: invalid hexadecimal digit: \"%.*s\"",
			     char_len((const char *)s, (int)n, (int)i),
			     (const char *)s + i);
			return false;
		}
		if (i + 1 >= n) {
			fail(ctx, "22023: invalid hexadecimal data: odd number "
				  "of digits");
			return false;
		}
		int lo = sql__hex_digit(s[i + 1]);
		if (lo < 0) {
			fail(ctx, "22023: invalid hexadecimal digit: \"%.*s\"",
			     char_len((const char *)s, (int)n, (int)i + 1),
			     (const char *)s + i + 1);
			return false;
		}
		tr_buf_put_u8(b, (uint8_t)(hi << 4 | lo));
		i += 2;
	}
	return true;
}

static bool escape_decode(sqlite3_context *ctx, const uint8_t *s, size_t n,
			  struct tr_buf *b)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			tr_buf_put_u8(b, s[i]);
		} else if (i + 1 < n && s[i + 1] == '\\') {
			tr_buf_put_u8(b, '\\');
			i++;
		} else if (i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
			   s[i + 2] >= '0' && s[i + 2] <= '7' &&
			   s[i + 3] >= '0' && s[i + 3] <= '7') {
			tr_buf_put_u8(b, (uint8_t)((s[i + 1] - '0') << 6 |
						   (s[i + 2] - '0') << 3 |
						   (s[i + 3] - '0')));
			i += 3;
		} else {
			fail(ctx, "22P02: invalid input syntax for type bytea");
			return false;
		}
	}
	return true;
}

/* pg_decode(text, format): the bytea encode made. */
static void fn_decode(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	size_t n;
	const uint8_t *s = bytes_of(argv[0], &n);
	const char *fmt = (const char *)sqlite3_value_text(argv[1]);
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	bool ok;
	if (fmt != NULL && sqlite3_stricmp(fmt, "hex") == 0) {
		ok = hex_decode(ctx, s, n, &b);
	} else if (fmt != NULL && sqlite3_stricmp(fmt, "base64") == 0) {
		ok = b64_decode(ctx, s, n, &b);
	} else if (fmt != NULL && sqlite3_stricmp(fmt, "escape") == 0) {
		ok = escape_decode(ctx, s, n, &b);
	} else {
		fail(ctx, "22023: unrecognized encoding: \"%s\"",
		     fmt != NULL ? fmt : "");
		ok = false;
	}
	if (!ok) {
		tr_buf_close(&b);
		return;
	}
	if (tr_buf_err(&b) != TR_OK) {
		result_buf(ctx, &b); /* the buffer's failure */
		return;
	}
	sqlite3_result_blob64(ctx, b.len > 0 ? b.data : (const uint8_t *)"",
			      b.len, SQLITE_TRANSIENT);
	tr_buf_close(&b);
}

static int utf8_count(const char *s)
{
	int n = 0;
	for (; *s != '\0'; s++) {
		n += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return n;
}

/* format(fmt, ...): %s %I %L %%, with n$ positions, '-' and a width. */
static void fn_format(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	char *fmt = sqlite3_mprintf("%s", sqlite3_value_text(argv[0]));
	if (fmt == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	struct tr_buf b, item;
	tr_buf_init(&b, MAX_RESULT);
	tr_buf_init(&item, MAX_RESULT);
	int next = 1;
	const char *err = NULL;
	char errbuf[128];
	for (const char *p = fmt; *p != '\0' && err == NULL; p++) {
		if (*p != '%') {
			tr_buf_put_u8(&b, (uint8_t)*p);
			continue;
		}
		p++;
		if (*p == '%') {
			tr_buf_put_u8(&b, '%');
			continue;
		}
		int arg = next;
		const char *q = p;
		long num = 0;
		while (*q >= '0' && *q <= '9') {
			num = num * 10 + (*q - '0');
			q++;
			if (num > 1000000) {
				break;
			}
		}
		if (*q == '$' && q > p) {
			if (num == 0) {
				err = "22023: format specifies argument 0, "
				      "but arguments are numbered from 1";
				break;
			}
			arg = (int)num;
			p = q + 1;
		}
		bool minus = false;
		long width = 0;
		if (*p == '-') {
			minus = true;
			p++;
		}
		while (*p >= '0' && *p <= '9') {
			width = width * 10 + (*p - '0');
			p++;
			if (width > 100000000) {
				err = "22023: number is out of range";
				break;
			}
		}
		if (err != NULL) {
			break;
		}
		char type = *p;
		if (type == '\0') {
			err = "22023: unterminated format() type specifier";
			break;
		}
		if (type != 's' && type != 'I' && type != 'L') {
			snprintf(errbuf, sizeof errbuf,
				 "22023: unrecognized format() type specifier "
				 "\"%c\"",
				 type);
			err = errbuf;
			break;
		}
		if (arg >= argc) {
			err = "22023: too few arguments for format()";
			break;
		}
		next = arg + 1;
		tr_buf_reset(&item);
		sqlite3_value *v = argv[arg];
		bool is_null = sqlite3_value_type(v) == SQLITE_NULL;
		const char *s = is_null ? ""
					: (const char *)sqlite3_value_text(v);
		if (s == NULL) {
			s = "";
		}
		if (type == 's') {
			tr_buf_put_str(&item, s);
		} else if (type == 'I') {
			if (is_null) {
				err = "22004: null values cannot be formatted "
				      "as an SQL identifier";
				break;
			}
			quote_ident(&item, s);
		} else if (is_null) {
			tr_buf_put_str(&item, "NULL");
		} else {
			quote_literal(&item, s);
		}
		const char *it = tr_buf_cstr(&item);
		if (it == NULL) {
			break;
		}
		int pad = (int)width - utf8_count(it);
		if (!minus) {
			for (int i = 0; i < pad; i++) {
				tr_buf_put_u8(&b, ' ');
			}
		}
		tr_buf_put_str(&b, it);
		if (minus) {
			for (int i = 0; i < pad; i++) {
				tr_buf_put_u8(&b, ' ');
			}
		}
	}
	int item_err = tr_buf_err(&item);
	tr_buf_close(&item);
	sqlite3_free(fmt);
	if (err != NULL) {
		tr_buf_close(&b);
		fail(ctx, "%s", err);
		return;
	}
	if (item_err != TR_OK) {
		tr_buf_close(&b);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	result_buf(ctx, &b);
}

/* ---------------------------------------------------------------------
 * Math
 * ------------------------------------------------------------------- */

static bool is_intval(sqlite3_value *v)
{
	return sqlite3_value_numeric_type(v) == SQLITE_INTEGER;
}

static void fn_div(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	if (is_intval(argv[0]) && is_intval(argv[1])) {
		sqlite3_int64 a = sqlite3_value_int64(argv[0]);
		sqlite3_int64 d = sqlite3_value_int64(argv[1]);
		if (d == 0) {
			fail(ctx, "22012: division by zero");
		} else if (d == -1) {
			if (a == INT64_MIN) {
				fail(ctx, "22003: bigint out of range");
			} else {
				sqlite3_result_int64(ctx, -a);
			}
		} else {
			sqlite3_result_int64(ctx, a / d);
		}
		return;
	}
	double a = sqlite3_value_double(argv[0]);
	double d = sqlite3_value_double(argv[1]);
	if (d == 0) {
		fail(ctx, "22012: division by zero");
		return;
	}
	double q = trunc(a / d);
	if (fabs(q) < 9.0e15) {
		sqlite3_result_int64(ctx, (sqlite3_int64)q);
	} else {
		sqlite3_result_double(ctx, q);
	}
}

static void fn_mod(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	if (is_intval(argv[0]) && is_intval(argv[1])) {
		sqlite3_int64 a = sqlite3_value_int64(argv[0]);
		sqlite3_int64 d = sqlite3_value_int64(argv[1]);
		if (d == 0) {
			fail(ctx, "22012: division by zero");
		} else {
			sqlite3_result_int64(ctx, d == -1 ? 0 : a % d);
		}
		return;
	}
	double d = sqlite3_value_double(argv[1]);
	if (d == 0) {
		fail(ctx, "22012: division by zero");
		return;
	}
	sqlite3_result_double(ctx, fmod(sqlite3_value_double(argv[0]), d));
}

/*
 * Round or truncate @v at @n decimal places the way numeric does: on the
 * shortest decimal form of the double (so 2.675 is 2.675, not
 * 2.67499999...), half away from zero.
 */
static double decimal_round(double v, int n, bool truncate)
{
	if (!isfinite(v) || n > 300) {
		return v;
	}
	if (n < -308) {
		return 0 * v;
	}
	char buf[64];
	/* Shortest repr. */
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v) {
			break;
		}
	}
	bool neg = buf[0] == '-';
	char digits[32];
	int nd = 0;
	const char *s = buf + (neg ? 1 : 0);
	for (; *s != 'e'; s++) {
		if (*s >= '0' && *s <= '9') {
			digits[nd++] = *s;
		}
	}
	int exp10 = atoi(s + 1);
	/* Digit index (from the first digit) of the last one kept. */
	int keep = exp10 + n + 1;
	if (keep >= nd) {
		return v;
	}
	bool up = false;
	if (keep < 0) {
		return neg ? -0.0 : 0.0;
	}
	if (!truncate) {
		up = digits[keep] >= '5';
	}
	/* Integer of the kept digits, scaled. */
	char out[64];
	int k = 0;
	if (neg) {
		out[k++] = '-';
	}
	out[k++] = '0';
	out[k++] = '.';
	memcpy(out + k, digits, (size_t)keep);
	k += keep;
	out[k] = '\0';
	double r = strtod(out, NULL) * pow(10, exp10 + 1);
	/* Re-read through text at the target precision to avoid
	 * representation error from the multiplication. */
	if (up) {
		double ulp = pow(10, -(double)n);
		r += neg ? -ulp : ulp;
	}
	snprintf(buf, sizeof buf, "%.*f", n > 0 ? n : 0, r);
	return strtod(buf, NULL);
}

/* round/trunc (pApp: 0 round, 1 trunc). */
static void fn_round(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool truncate = sqlite3_user_data(ctx) != NULL;
	sqlite3_int64 n = argc > 1 ? sqlite3_value_int64(argv[1]) : 0;
	if (n > 1000) {
		n = 1000;
	} else if (n < -1000) {
		n = -1000;
	}
	if (is_intval(argv[0])) {
		sqlite3_int64 v = sqlite3_value_int64(argv[0]);
		if (n >= 0) {
			sqlite3_result_int64(ctx, v);
			return;
		}
		if (n < -18) {
			sqlite3_result_int64(ctx, 0);
			return;
		}
		sqlite3_int64 p = 1;
		for (sqlite3_int64 i = 0; i < -n; i++) {
			p *= 10;
		}
		sqlite3_int64 q = v / p, r = v % p;
		if (!truncate &&
		    (r >= p / 2 + p % 2 || r <= -(p / 2 + p % 2) ||
		     (p % 2 == 0 && (r == p / 2 || r == -p / 2)))) {
			q += v < 0 ? -1 : 1;
		}
		sqlite3_result_int64(ctx, q * p);
		return;
	}
	double v = sqlite3_value_double(argv[0]);
	sqlite3_result_double(ctx, decimal_round(v, (int)n, truncate));
}

/* A float8 operand: REAL, INTEGER, or the text NaN/Infinity/-Infinity
 * (SQLite has no NaN; value.c stores it as text). */
static double float_of(sqlite3_value *v)
{
	if (sqlite3_value_type(v) == SQLITE_TEXT) {
		const char *s = (const char *)sqlite3_value_text(v);
		if (s != NULL && sqlite3_stricmp(s, "NaN") == 0) {
			return NAN;
		}
		if (s != NULL && (sqlite3_stricmp(s, "Infinity") == 0 ||
				  sqlite3_stricmp(s, "inf") == 0)) {
			return INFINITY;
		}
		if (s != NULL && (sqlite3_stricmp(s, "-Infinity") == 0 ||
				  sqlite3_stricmp(s, "-inf") == 0)) {
			return -INFINITY;
		}
	}
	return sqlite3_value_double(v);
}

static void result_float(sqlite3_context *ctx, double v)
{
	if (isnan(v)) {
		sqlite3_result_text(ctx, "NaN", 3, SQLITE_STATIC);
	} else {
		sqlite3_result_double(ctx, v);
	}
}

/*
 * pg_float_add/sub/mul/div(a, b) (pApp: the operator): float8
 * arithmetic as float8pl & co.  An infinite result from finite operands
 * is an overflow, a zero product or quotient of non-zero operands an
 * underflow (22003).
 */
static void fn_float_op(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	char op = (char)(intptr_t)sqlite3_user_data(ctx);
	double a = float_of(argv[0]), b = float_of(argv[1]), r;
	switch (op) {
	case '+':
		r = a + b;
		break;
	case '-':
		r = a - b;
		break;
	case '*':
		r = a * b;
		break;
	default:
		if (b == 0 && !isnan(a)) {
			fail(ctx, "22012: division by zero");
			return;
		}
		r = a / b;
		break;
	}
	if (isinf(r) && !isinf(a) && !isinf(b)) {
		fail(ctx, "22003: value out of range: overflow");
		return;
	}
	if (r == 0 && (op == '*' || op == '/') && a != 0 && !isinf(b) &&
	    (op == '/' || b != 0)) {
		fail(ctx, "22003: value out of range: underflow");
		return;
	}
	result_float(ctx, r);
}

/*
 * pg_num_add/sub/mul(a, b) (pApp: the operator): numeric + - * on
 * SQLite's numbers, integers exact as with SQLite's own operators, but
 * with PostgreSQL's NaN (stored as text, which those operators read as
 * 0) and infinities (infinity - infinity is NaN, not NULL).
 */
static void fn_num_op(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	char op = (char)(intptr_t)sqlite3_user_data(ctx);
	if (sqlite3_value_numeric_type(argv[0]) == SQLITE_INTEGER &&
	    sqlite3_value_numeric_type(argv[1]) == SQLITE_INTEGER) {
		int64_t a = sqlite3_value_int64(argv[0]);
		int64_t b = sqlite3_value_int64(argv[1]);
		int64_t r;
		bool over = op == '+'   ? __builtin_add_overflow(a, b, &r)
			    : op == '-' ? __builtin_sub_overflow(a, b, &r)
					: __builtin_mul_overflow(a, b, &r);
		if (!over) {
			sqlite3_result_int64(ctx, r);
			return;
		}
	}
	double a = float_of(argv[0]), b = float_of(argv[1]);
	result_float(ctx, op == '+' ? a + b : op == '-' ? a - b : a * b);
}

/* pg_rint(x): round(float8), ties to even. */
static void fn_rint(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (!any_null(argc, argv)) {
		result_float(ctx, rint(float_of(argv[0])));
	}
}

static void fn_width_bucket(sqlite3_context *ctx, int argc,
			    sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	double op = sqlite3_value_double(argv[0]);
	double lo = sqlite3_value_double(argv[1]);
	double hi = sqlite3_value_double(argv[2]);
	sqlite3_int64 count = sqlite3_value_int64(argv[3]);
	if (count <= 0) {
		fail(ctx, "2201G: count must be greater than zero");
		return;
	}
	if (lo == hi) {
		fail(ctx, "2201G: lower bound cannot equal upper bound");
		return;
	}
	if (isnan(op) || isnan(lo) || isnan(hi)) {
		fail(ctx, "2201G: operand, lower bound, and upper bound cannot "
			  "be NaN");
		return;
	}
	sqlite3_int64 r;
	if (lo < hi) {
		if (op < lo) {
			r = 0;
		} else if (op >= hi) {
			r = count + 1;
		} else {
			r = (sqlite3_int64)((op - lo) / (hi - lo) *
					    (double)count) +
			    1;
		}
	} else {
		if (op > lo) {
			r = 0;
		} else if (op <= hi) {
			r = count + 1;
		} else {
			r = (sqlite3_int64)((lo - op) / (lo - hi) *
					    (double)count) +
			    1;
		}
	}
	sqlite3_result_int64(ctx, r);
}

/* gcd/lcm (pApp: 0 gcd, 1 lcm) on integers. */
static void fn_gcd(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool lcm = sqlite3_user_data(ctx) != NULL;
	if (!is_intval(argv[0]) || !is_intval(argv[1])) {
		fail(ctx, "0A000: %s of non-integer values is not supported",
		     lcm ? "lcm" : "gcd");
		return;
	}
	sqlite3_int64 a = sqlite3_value_int64(argv[0]);
	sqlite3_int64 b = sqlite3_value_int64(argv[1]);
	if (!lcm) {
		if ((a == INT64_MIN && (b == 0 || b == INT64_MIN)) ||
		    (b == INT64_MIN && a == 0)) {
			fail(ctx, "22003: bigint out of range");
			return;
		}
		sqlite3_int64 x = a, y = b;
		while (y != 0) {
			sqlite3_int64 t = x % y;
			x = y;
			y = t;
		}
		sqlite3_result_int64(ctx, x < 0 ? -x : x);
		return;
	}
	if (a == 0 || b == 0) {
		sqlite3_result_int64(ctx, 0);
		return;
	}
	sqlite3_int64 x = a, y = b;
	while (y != 0) {
		sqlite3_int64 t = x % y;
		x = y;
		y = t;
	}
	sqlite3_int64 r;
	if (__builtin_mul_overflow(a / x, b, &r) || r == INT64_MIN) {
		fail(ctx, "22003: bigint out of range");
		return;
	}
	sqlite3_result_int64(ctx, r < 0 ? -r : r);
}

static void fn_factorial(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	sqlite3_int64 n = sqlite3_value_int64(argv[0]);
	if (n < 0) {
		fail(ctx, "2201F: factorial of a negative number is undefined");
		return;
	}
	if (n <= 20) {
		sqlite3_int64 r = 1;
		for (sqlite3_int64 i = 2; i <= n; i++) {
			r *= i;
		}
		sqlite3_result_int64(ctx, r);
		return;
	}
	if (n > 170) {
		fail(ctx, "22003: value overflows numeric format");
		return;
	}
	/* Beyond int64: a double (numeric is exact in PostgreSQL). */
	sqlite3_result_double(ctx, tgamma((double)n + 1));
}

static void fn_cbrt(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	sqlite3_result_double(ctx, cbrt(sqlite3_value_double(argv[0])));
}

/* log(x) base 10, log(b, x), ln(x) (pApp: 0 log, 1 ln). */
static void fn_log(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool ln = sqlite3_user_data(ctx) != NULL;
	double x = sqlite3_value_double(argv[argc - 1]);
	if (x == 0) {
		fail(ctx, "2201E: cannot take logarithm of zero");
		return;
	}
	if (x < 0) {
		fail(ctx, "2201E: cannot take logarithm of a negative number");
		return;
	}
	if (argc == 1) {
		sqlite3_result_double(ctx, ln ? log(x) : log10(x));
		return;
	}
	double base = sqlite3_value_double(argv[0]);
	if (base == 0 || x == 0) {
		fail(ctx, "2201E: cannot take logarithm of zero");
		return;
	}
	if (base < 0) {
		fail(ctx, "2201E: cannot take logarithm of a negative number");
		return;
	}
	if (base == 1) {
		fail(ctx, "22012: division by zero");
		return;
	}
	sqlite3_result_double(ctx, log(x) / log(base));
}

/*
 * pg_sqrt, pg_exp, pg_pow, the trigonometric and hyperbolic functions
 * (pApp: a letter each, see the registration table): float8 functions
 * with PostgreSQL's domain errors (2201F, 22003) where SQLite answers
 * NULL or an infinity.
 */
static void fn_math(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	char op = (char)(intptr_t)sqlite3_user_data(ctx);
	double x = float_of(argv[0]), r;
	switch (op) {
	case 's':
		if (x < 0) {
			fail(ctx, "2201F: cannot take square root of a "
				  "negative number");
			return;
		}
		r = sqrt(x);
		break;
	case 'e':
		r = exp(x);
		if (isinf(r) && !isinf(x)) {
			fail(ctx, "22003: value out of range: overflow");
			return;
		}
		if (r == 0 && !isinf(x)) {
			fail(ctx, "22003: value out of range: underflow");
			return;
		}
		break;
	case 'a':
	case 'c':
	case 'N':
		if (!isnan(x) && (x < -1 || x > 1)) {
			fail(ctx, "22003: input is out of range");
			return;
		}
		r = op == 'a' ? asin(x) : op == 'c' ? acos(x) : atanh(x);
		break;
	case 'S':
	case 'C':
	case 'T':
	case 'o':
		if (isinf(x)) {
			fail(ctx, "22003: input is out of range");
			return;
		}
		r = op == 'S'   ? sin(x)
		    : op == 'C' ? cos(x)
		    : op == 'T' ? tan(x)
				: 1.0 / tan(x);
		break;
	case 'h':
	case 'k':
		/* An overflow is an infinity, as dsinh and dcosh say. */
		r = op == 'h' ? sinh(x) : cosh(x);
		break;
	case 'n':
		r = tanh(x);
		break;
	case 'H':
		r = asinh(x);
		break;
	case 'K':
		if (x < 1) {
			fail(ctx, "22003: input is out of range");
			return;
		}
		r = acosh(x);
		break;
	default: {
		double y = float_of(argv[1]);
		if (x == 0 && y < 0) {
			fail(ctx, "2201F: zero raised to a negative power is "
				  "undefined");
			return;
		}
		if (x < 0 && isfinite(y) && floor(y) != y) {
			fail(ctx, "2201F: a negative number raised to a "
				  "non-integer power yields a complex result");
			return;
		}
		r = pow(x, y);
		if (isinf(r) && isfinite(x) && isfinite(y)) {
			fail(ctx, "22003: value out of range: overflow");
			return;
		}
		if (r == 0 && x != 0 && isfinite(x) && isfinite(y)) {
			fail(ctx, "22003: value out of range: underflow");
			return;
		}
		break;
	}
	}
	result_float(ctx, r);
}

/* pg_xor(a, b): the # operator on integers. */
static void fn_xor(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]) ^
					  sqlite3_value_int64(argv[1]));
}

/* ---------------------------------------------------------------------
 * Date and time
 * ------------------------------------------------------------------- */

#define USEC_PER_SEC  INT64_C(1000000)
#define USEC_PER_DAY  INT64_C(86400000000)
#define USEC_PER_HOUR INT64_C(3600000000)

enum ts_kind { TS_DATE, TS_PLAIN, TS_TZ };

struct ts {
	int64_t usec; /* since 1970-01-01 00:00 UTC */
	enum ts_kind kind;
};

struct iv {
	int32_t months;
	int32_t days;
	int64_t usec;
};

/* Broken-down time (proleptic Gregorian, month 1-12). */
struct tmx {
	int64_t year;
	int mon, mday, hour, min, sec, usec;
};

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static void to_tm(int64_t usec, struct tmx *t)
{
	int64_t days = floor_div(usec, USEC_PER_DAY);
	int64_t rest = usec - days * USEC_PER_DAY;
	civil_from_days(days, &t->year, &t->mon, &t->mday);
	t->hour = (int)(rest / USEC_PER_HOUR);
	rest %= USEC_PER_HOUR;
	t->min = (int)(rest / (60 * USEC_PER_SEC));
	rest %= 60 * USEC_PER_SEC;
	t->sec = (int)(rest / USEC_PER_SEC);
	t->usec = (int)(rest % USEC_PER_SEC);
}

static int64_t from_tm(const struct tmx *t)
{
	return days_from_civil(t->year, t->mon, t->mday) * USEC_PER_DAY +
	       (int64_t)t->hour * USEC_PER_HOUR +
	       (int64_t)t->min * 60 * USEC_PER_SEC +
	       (int64_t)t->sec * USEC_PER_SEC + t->usec;
}

static int digits(const char **p, int max, int64_t *v)
{
	int n = 0;
	*v = 0;
	while (n < max && **p >= '0' && **p <= '9') {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n;
}

static bool parse_iso_zone(const char *s, struct ts *out, bool *range,
			   int64_t *zone);

/* 1..12 for a month name or its abbreviation ("Dec", "sept",
 * "January"), else 0. */
static int month_of(const char *w, size_t n)
{
	static const char *const names[] = { "january",	  "february",
					     "march",	  "april",
					     "may",	  "june",
					     "july",	  "august",
					     "september", "october",
					     "november",  "december" };
	for (int m = 0; m < 12 && n >= 3; m++) {
		if (n <= strlen(names[m]) &&
		    strncasecmp(w, names[m], n) == 0 &&
		    (n == 3 || n == strlen(names[m]) ||
		     (m == 8 && n == 4))) {
			return m + 1;
		}
	}
	return 0;
}

/*
 * The date forms PostgreSQL reads besides ISO (DateStyle ISO, MDY), as
 * ISO text in @buf: "12/31/2024" (month first), "2024/12/31",
 * "20241231", month names in any position ("Dec 31 2024", "31 Dec
 * 2024", "January 8, 1999", "1999-Jan-08"), and a time with AM or PM.
 * Fields are not checked here: "31/12/2024" becomes month 31, which
 * parse_iso_zone reports as out of range (22008), as PostgreSQL does.
 * false for other shapes (two-digit years among them).
 */
static bool normalize_date(const char *s, char *buf, size_t cap)
{
	struct {
		const char *p;
		size_t n;
		bool alpha;
	} f[3];
	int nf = 0;
	const char *p = s;
	while (*p == ' ') {
		p++;
	}
	while (nf < 3 && *p != '\0') {
		const char *start = p;
		bool alpha = isalpha((unsigned char)*p);
		while (alpha ? isalpha((unsigned char)*p) != 0
			     : (*p >= '0' && *p <= '9')) {
			p++;
		}
		if (p == start) {
			return false;
		}
		f[nf].p = start;
		f[nf].n = (size_t)(p - start);
		f[nf].alpha = alpha;
		nf++;
		if (nf == 1 && !alpha && f[0].n == 8) {
			break; /* YYYYMMDD */
		}
		if (nf < 3) {
			size_t sep = strspn(p, " -/.,");
			if (sep == 0) {
				return false;
			}
			p += sep;
		}
	}
	long y, m, d;
	if (nf == 1 && !f[0].alpha && f[0].n == 8) {
		y = 0;
		for (int i = 0; i < 4; i++) {
			y = y * 10 + (f[0].p[i] - '0');
		}
		m = (f[0].p[4] - '0') * 10 + (f[0].p[5] - '0');
		d = (f[0].p[6] - '0') * 10 + (f[0].p[7] - '0');
	} else if (nf != 3) {
		return false;
	} else {
		int month_at = -1;
		for (int i = 0; i < 3; i++) {
			if (f[i].alpha) {
				if (month_at >= 0 ||
				    month_of(f[i].p, f[i].n) == 0) {
					return false;
				}
				month_at = i;
			}
		}
		long v[3] = { 0, 0, 0 };
		for (int i = 0; i < 3; i++) {
			if (!f[i].alpha) {
				if (f[i].n > 4) {
					return false;
				}
				v[i] = strtol(f[i].p, NULL, 10);
			}
		}
		if (month_at >= 0) {
			/* The other two: a four-digit year and a day. */
			int a = month_at == 0 ? 1 : 0;
			int b = month_at == 2 ? 1 : 2;
			int yi = f[a].n == 4 ? a : f[b].n == 4 ? b : -1;
			if (yi < 0) {
				return false;
			}
			y = v[yi];
			d = v[yi == a ? b : a];
			m = month_of(f[month_at].p, f[month_at].n);
		} else if (f[0].n == 4) {
			y = v[0], m = v[1], d = v[2]; /* 2024/12/31 */
		} else if (f[2].n == 4) {
			m = v[0], d = v[1], y = v[2]; /* MDY */
		} else {
			return false;
		}
	}
	/* The rest: a time, perhaps with AM or PM, then a zone. */
	while (*p == ' ' || *p == ',') {
		p++;
	}
	char rest[96];
	size_t rn = strlen(p);
	if (rn >= sizeof rest) {
		return false;
	}
	memcpy(rest, p, rn + 1);
	char *colon = strchr(rest, ':');
	char *ampm = colon;
	while (ampm != NULL && *ampm != '\0' && *ampm != 'A' && *ampm != 'a' &&
	       *ampm != 'P' && *ampm != 'p') {
		ampm++;
	}
	int n;
	if (colon != NULL && colon > rest && colon - rest <= 2 &&
	    ampm[0] != '\0' && (ampm[1] == 'M' || ampm[1] == 'm') &&
	    !isalpha((unsigned char)ampm[2])) {
		/* 12 AM is midnight; 1..11 PM add 12; others are out of
		 * range. */
		int hour = (int)strtol(rest, NULL, 10);
		bool pm = ampm[0] == 'P' || ampm[0] == 'p';
		hour = hour < 1 || hour > 12 ? 99 : hour % 12 + (pm ? 12 : 0);
		memmove(ampm, ampm + 2, strlen(ampm + 2) + 1);
		n = snprintf(buf, cap, "%04ld-%02ld-%02ld %02d%s", y, m, d,
			     hour, colon);
	} else {
		n = snprintf(buf, cap, "%04ld-%02ld-%02ld%s%s", y, m, d,
			     rn > 0 ? " " : "", rest);
	}
	return n > 0 && (size_t)n < cap;
}

/* 'YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][ ][Z|UTC|+HH[[:]MM]]', or one of the
 * other date forms PostgreSQL reads (normalize_date).  false if the text
 * has another shape; *range set when fields are out of range.  *zone
 * gets the offset that was subtracted (0 without one). */
static bool parse_ts_zone(const char *s, struct ts *out, bool *range,
			  int64_t *zone)
{
	char iso[128];
	if (parse_iso_zone(s, out, range, zone) || *range) {
		return !*range;
	}
	return normalize_date(s, iso, sizeof iso) &&
	       parse_iso_zone(iso, out, range, zone);
}

static bool parse_iso_zone(const char *s, struct ts *out, bool *range,
			   int64_t *zone)
{
	struct tmx t = { 0 };
	int64_t v;
	*range = false;
	while (*s == ' ') {
		s++;
	}
	if (digits(&s, 7, &v) < 4 || *s != '-') {
		return false;
	}
	t.year = v;
	s++;
	if (digits(&s, 2, &v) < 1 || *s != '-') {
		return false;
	}
	t.mon = (int)v;
	s++;
	if (digits(&s, 2, &v) < 1) {
		return false;
	}
	t.mday = (int)v;
	out->kind = TS_DATE;
	if ((*s == ' ' || *s == 'T') && s[1] >= '0' && s[1] <= '9') {
		s++;
		out->kind = TS_PLAIN;
		if (digits(&s, 2, &v) < 1 || *s != ':') {
			return false;
		}
		t.hour = (int)v;
		s++;
		if (digits(&s, 2, &v) < 1) {
			return false;
		}
		t.min = (int)v;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &v) < 1) {
				return false;
			}
			t.sec = (int)v;
			if (*s == '.') {
				s++;
				int64_t f = 0;
				int n = 0;
				while (*s >= '0' && *s <= '9') {
					if (n < 7) {
						f = f * 10 + (*s - '0');
					}
					n++;
					s++;
				}
				for (int i = n; i < 7; i++) {
					f *= 10;
				}
				t.usec = (int)((f + 5) / 10);
			}
		}
	}
	while (*s == ' ') {
		s++;
	}
	int64_t offset = 0;
	char zname[64];
	zname[0] = '\0';
	size_t zlen = strlen(s);
	while (zlen > 0 && s[zlen - 1] == ' ') {
		zlen--;
	}
	if (isalpha((unsigned char)*s) && zlen < sizeof zname &&
	    !((zlen == 1 && (*s == 'Z' || *s == 'z')) ||
	      (zlen == 3 && (strncasecmp(s, "UTC", 3) == 0 ||
			     strncasecmp(s, "GMT", 3) == 0)))) {
		/* A zone name or abbreviation (tz.c), applied to the local
		 * time once the fields are checked. */
		memcpy(zname, s, zlen);
		zname[zlen] = '\0';
		s += zlen;
	} else if (*s == 'Z' || *s == 'z') {
		out->kind = out->kind == TS_DATE ? TS_DATE : TS_TZ;
		s++;
	} else if (strncasecmp(s, "UTC", 3) == 0 ||
		   strncasecmp(s, "GMT", 3) == 0) {
		out->kind = TS_TZ;
		s += 3;
	} else if ((*s == '+' || *s == '-') && out->kind != TS_DATE) {
		int sign = *s == '-' ? -1 : 1;
		s++;
		int64_t hh = 0, mm = 0, ss = 0;
		int n = digits(&s, 2, &hh);
		if (n == 0) {
			return false;
		}
		if (*s == ':') {
			s++;
		}
		digits(&s, 2, &mm);
		if (*s == ':') {
			s++;
			digits(&s, 2, &ss);
		}
		offset = sign * (hh * 3600 + mm * 60 + ss) * USEC_PER_SEC;
		out->kind = TS_TZ;
	}
	while (*s == ' ') {
		s++;
	}
	if (*s != '\0') {
		return false;
	}
	if (t.mon < 1 || t.mon > 12 || t.mday < 1 ||
	    t.mday > days_in_month(t.year, t.mon) || t.hour > 24 ||
	    t.min > 59 || t.sec > 60 ||
	    (t.hour == 24 && (t.min > 0 || t.sec > 0 || t.usec > 0))) {
		*range = true;
		return false;
	}
	if (zname[0] != '\0') {
		bool oom;
		struct sql__tz *z = sql__tz_find(zname, &oom);
		if (z == NULL) {
			return false;
		}
		int64_t local = from_tm(&t);
		offset = (int64_t)sql__tz_local_offset(
				 z, floor_div(local, USEC_PER_SEC)) *
			 USEC_PER_SEC;
		sql__tz_free(z);
		out->kind = TS_TZ;
	}
	out->usec = from_tm(&t) - offset;
	*zone = offset;
	return true;
}

static bool parse_ts(const char *s, struct ts *out, bool *range)
{
	int64_t zone;
	return parse_ts_zone(s, out, range, &zone);
}

/* A timestamp argument, or an error for the client (false). */
static bool ts_arg(sqlite3_context *ctx, sqlite3_value *v, struct ts *out)
{
	const char *s = (const char *)sqlite3_value_text(v);
	bool range;
	if (s == NULL) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	if (!parse_ts(s, out, &range)) {
		if (range) {
			fail(ctx,
			     "22008: date/time field value out of range: "
			     "\"%s\"",
			     s);
		} else {
			fail(ctx,
			     "22007: invalid input syntax for type "
			     "timestamp: \"%s\"",
			     s);
		}
		return false;
	}
	return true;
}

static void put_ts(struct tr_buf *b, int64_t usec, enum ts_kind kind)
{
	struct tmx t;
	to_tm(usec, &t);
	tr_buf_printf(b, "%04lld-%02d-%02d", (long long)t.year, t.mon, t.mday);
	if (kind == TS_DATE) {
		return;
	}
	tr_buf_printf(b, " %02d:%02d:%02d.%06d", t.hour, t.min, t.sec, t.usec);
	if (kind == TS_TZ) {
		tr_buf_put_str(b, "+00");
	}
}

static void result_ts(sqlite3_context *ctx, int64_t usec, enum ts_kind kind)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	put_ts(&b, usec, kind);
	result_buf(ctx, &b);
}

/* Units, as PostgreSQL spells them (singular, plural, abbreviations). */
enum unit {
	U_NONE,
	U_USEC,
	U_MSEC,
	U_SECOND,
	U_MINUTE,
	U_HOUR,
	U_DAY,
	U_WEEK,
	U_MONTH,
	U_QUARTER,
	U_YEAR,
	U_DECADE,
	U_CENTURY,
	U_MILLENNIUM,
	U_EPOCH,
	U_DOW,
	U_DOY,
	U_ISODOW,
	U_ISOYEAR,
	U_JULIAN,
	U_TZ,
	U_TZ_HOUR,
	U_TZ_MINUTE,
};

static enum unit unit_of(const char *s)
{
	static const struct {
		const char *name;
		enum unit u;
	} units[] = {
		{ "microsecond", U_USEC },
		{ "microseconds", U_USEC },
		{ "usec", U_USEC },
		{ "usecs", U_USEC },
		{ "us", U_USEC },
		{ "millisecond", U_MSEC },
		{ "milliseconds", U_MSEC },
		{ "msec", U_MSEC },
		{ "msecs", U_MSEC },
		{ "ms", U_MSEC },
		{ "second", U_SECOND },
		{ "seconds", U_SECOND },
		{ "sec", U_SECOND },
		{ "secs", U_SECOND },
		{ "s", U_SECOND },
		{ "minute", U_MINUTE },
		{ "minutes", U_MINUTE },
		{ "min", U_MINUTE },
		{ "mins", U_MINUTE },
		{ "m", U_MINUTE },
		{ "hour", U_HOUR },
		{ "hours", U_HOUR },
		{ "hr", U_HOUR },
		{ "hrs", U_HOUR },
		{ "h", U_HOUR },
		{ "day", U_DAY },
		{ "days", U_DAY },
		{ "d", U_DAY },
		{ "week", U_WEEK },
		{ "weeks", U_WEEK },
		{ "w", U_WEEK },
		{ "month", U_MONTH },
		{ "months", U_MONTH },
		{ "mon", U_MONTH },
		{ "mons", U_MONTH },
		{ "quarter", U_QUARTER },
		{ "qtr", U_QUARTER },
		{ "year", U_YEAR },
		{ "years", U_YEAR },
		{ "yr", U_YEAR },
		{ "yrs", U_YEAR },
		{ "y", U_YEAR },
		{ "decade", U_DECADE },
		{ "decades", U_DECADE },
		{ "dec", U_DECADE },
		{ "century", U_CENTURY },
		{ "centuries", U_CENTURY },
		{ "c", U_CENTURY },
		{ "millennium", U_MILLENNIUM },
		{ "millennia", U_MILLENNIUM },
		{ "mil", U_MILLENNIUM },
		{ "epoch", U_EPOCH },
		{ "dow", U_DOW },
		{ "doy", U_DOY },
		{ "isodow", U_ISODOW },
		{ "isoyear", U_ISOYEAR },
		{ "julian", U_JULIAN },
		{ "j", U_JULIAN },
		{ "timezone", U_TZ },
		{ "timezone_h", U_TZ_HOUR },
		{ "timezone_hour", U_TZ_HOUR },
		{ "timezone_m", U_TZ_MINUTE },
		{ "timezone_minute", U_TZ_MINUTE },
	};
	char low[32];
	size_t n = 0;
	while (*s == ' ') {
		s++;
	}
	for (; *s != '\0' && *s != ' ' && n < sizeof low - 1; s++) {
		low[n++] = (char)tolower((unsigned char)*s);
	}
	low[n] = '\0';
	for (size_t i = 0; i < TR_ARRAY_LEN(units); i++) {
		if (strcmp(units[i].name, low) == 0) {
			return units[i].u;
		}
	}
	return U_NONE;
}

static const char *kind_name(enum ts_kind k)
{
	return k == TS_TZ ? "timestamp with time zone"
			  : "timestamp without time zone";
}

/* ISO 8601 week and week-year of a day number. */
static void iso_week(int64_t days, int64_t *week, int64_t *year)
{
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int64_t wd = floor_div(days + 3, 7) * 7 - 3; /* Monday on or before */
	int64_t thursday = wd + 3;
	int64_t ty;
	int tm_, td;
	civil_from_days(thursday, &ty, &tm_, &td);
	int64_t jan1 = days_from_civil(ty, 1, 1);
	*year = ty;
	*week = (thursday - jan1) / 7 + 1;
}

/* Day of week, 0 = Sunday. */
static int dow_of(int64_t days)
{
	return (int)(((days % 7) + 11) % 7);
}

static void fn_date_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	const char *field = (const char *)sqlite3_value_text(argv[0]);
	struct ts t;
	if (field == NULL || !ts_arg(ctx, argv[1], &t)) {
		return;
	}
	enum ts_kind out = t.kind == TS_DATE ? TS_TZ : t.kind;
	struct tmx m;
	to_tm(t.usec, &m);
	switch (unit_of(field)) {
	case U_MILLENNIUM:
		m.year = m.year > 0 ? ((m.year + 999) / 1000 - 1) * 1000 + 1
				    : m.year;
		m.mon = 1;
		m.mday = 1;
		m.hour = m.min = m.sec = m.usec = 0;
		break;
	case U_CENTURY:
		m.year = m.year > 0 ? ((m.year + 99) / 100 - 1) * 100 + 1
				    : m.year;
		m.mon = 1;
		m.mday = 1;
		m.hour = m.min = m.sec = m.usec = 0;
		break;
	case U_DECADE:
		m.year = m.year - m.year % 10;
		m.mon = 1;
		m.mday = 1;
		m.hour = m.min = m.sec = m.usec = 0;
		break;
	case U_YEAR:
		m.mon = 1;
		m.mday = 1;
		m.hour = m.min = m.sec = m.usec = 0;
		break;
	case U_QUARTER:
		m.mon = ((m.mon - 1) / 3) * 3 + 1;
		m.mday = 1;
		m.hour = m.min = m.sec = m.usec = 0;
		break;
	case U_MONTH:
		m.mday = 1;
		m.hour = m.min = m.sec = m.usec = 0;
		break;
	case U_WEEK: {
		int64_t days = floor_div(t.usec, USEC_PER_DAY);
		days -= (dow_of(days) + 6) % 7;
		result_ts(ctx, days * USEC_PER_DAY, out);
		return;
	}
	case U_DAY:
		m.hour = m.min = m.sec = m.usec = 0;
		break;
	case U_HOUR:
		m.min = m.sec = m.usec = 0;
		break;
	case U_MINUTE:
		m.sec = m.usec = 0;
		break;
	case U_SECOND:
		m.usec = 0;
		break;
	case U_MSEC:
		m.usec -= m.usec % 1000;
		break;
	case U_USEC:
		break;
	default:
		fail(ctx, "22023: unit \"%s\" not recognized for type %s",
		     field, kind_name(out));
		return;
	}
	result_ts(ctx, from_tm(&m), out);
}

/* ---- intervals ---- */

static bool parse_iso_interval(const char *s, struct iv *iv)
{
	bool time = false;
	s++; /* P */
	while (*s != '\0') {
		if (*s == 'T') {
			time = true;
			s++;
			continue;
		}
		char *end;
		double v = strtod(s, &end);
		if (end == s) {
			return false;
		}
		s = end;
		switch (*s) {
		case 'Y':
			iv->months += (int32_t)(v * 12);
			break;
		case 'M':
			if (time) {
				iv->usec += (int64_t)llround(v * 60e6);
			} else {
				iv->months += (int32_t)v;
				iv->days += (int32_t)((v - trunc(v)) * 30);
			}
			break;
		case 'W':
			iv->days += (int32_t)(v * 7);
			break;
		case 'D':
			iv->days += (int32_t)v;
			iv->usec += (int64_t)llround((v - trunc(v)) * 86400e6);
			break;
		case 'H':
			iv->usec += (int64_t)llround(v * 3600e6);
			break;
		case 'S':
			iv->usec += (int64_t)llround(v * 1e6);
			break;
		default:
			return false;
		}
		s++;
	}
	return true;
}

/* PostgreSQL interval text ('1 year 2 mons -3 days 04:05:06.5 ago',
 * '@ 1 hour', 'P1DT2H').  false if not an interval. */
static bool parse_interval(const char *s, struct iv *out)
{
	struct iv iv = { 0, 0, 0 };
	while (*s == ' ') {
		s++;
	}
	if (*s == 'P') {
		if (!parse_iso_interval(s, &iv)) {
			return false;
		}
		*out = iv;
		return true;
	}
	if (*s == '@') {
		s++;
	}
	bool ago = false;
	bool any = false;
	while (true) {
		while (*s == ' ' || *s == ',') {
			s++;
		}
		if (*s == '\0') {
			break;
		}
		if (strncasecmp(s, "ago", 3) == 0 &&
		    (s[3] == '\0' || s[3] == ' ')) {
			ago = true;
			s += 3;
			continue;
		}
		const char *num = s;
		int sign = 1;
		if (*s == '+' || *s == '-') {
			sign = *s == '-' ? -1 : 1;
			s++;
		}
		if (!((*s >= '0' && *s <= '9') || *s == '.')) {
			return false;
		}
		/* h:m[:s] */
		const char *q = s;
		while (*q >= '0' && *q <= '9') {
			q++;
		}
		if (*q == ':') {
			int64_t h, m, sec = 0;
			digits(&s, 18, &h);
			s++;
			if (digits(&s, 2, &m) < 1) {
				return false;
			}
			double frac = 0;
			if (*s == ':') {
				s++;
				digits(&s, 2, &sec);
				if (*s == '.') {
					char *end;
					frac = strtod(s, &end);
					s = end;
				}
			}
			iv.usec += sign *
				   ((h * 3600 + m * 60 + sec) * USEC_PER_SEC +
				    (int64_t)llround(frac * 1e6));
			any = true;
			continue;
		}
		char *end;
		double v = strtod(num, &end);
		s = end;
		while (*s == ' ') {
			s++;
		}
		char unit[24];
		size_t n = 0;
		while (((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) &&
		       n < sizeof unit - 1) {
			unit[n++] = *s++;
		}
		unit[n] = '\0';
		enum unit u = n == 0 ? U_SECOND : unit_of(unit);
		if (n > 0 && strcmp(unit, "ago") == 0) {
			u = U_SECOND;
			ago = true;
		}
		double whole = trunc(v);
		double frac = v - whole;
		switch (u) {
		case U_USEC:
			iv.usec += (int64_t)llround(v);
			break;
		case U_MSEC:
			iv.usec += (int64_t)llround(v * 1000);
			break;
		case U_SECOND:
			iv.usec += (int64_t)llround(v * 1e6);
			break;
		case U_MINUTE:
			iv.usec += (int64_t)llround(v * 60e6);
			break;
		case U_HOUR:
			iv.usec += (int64_t)llround(v * 3600e6);
			break;
		case U_DAY:
			iv.days += (int32_t)whole;
			iv.usec += (int64_t)llround(frac * 86400e6);
			break;
		case U_WEEK: {
			double d = v * 7;
			iv.days += (int32_t)trunc(d);
			iv.usec += (int64_t)llround((d - trunc(d)) * 86400e6);
			break;
		}
		case U_MONTH: {
			iv.months += (int32_t)whole;
			double d = frac * 30;
			iv.days += (int32_t)trunc(d);
			iv.usec += (int64_t)llround((d - trunc(d)) * 86400e6);
			break;
		}
		case U_YEAR:
			iv.months += (int32_t)whole * 12 +
				     (int32_t)trunc(frac * 12);
			break;
		case U_DECADE:
			iv.months += (int32_t)trunc(v * 120);
			break;
		case U_CENTURY:
			iv.months += (int32_t)trunc(v * 1200);
			break;
		case U_MILLENNIUM:
			iv.months += (int32_t)trunc(v * 12000);
			break;
		default:
			return false;
		}
		any = true;
	}
	if (!any) {
		return false;
	}
	if (ago) {
		iv.months = -iv.months;
		iv.days = -iv.days;
		iv.usec = -iv.usec;
	}
	*out = iv;
	return true;
}

static bool iv_arg(sqlite3_context *ctx, sqlite3_value *v, struct iv *out)
{
	const char *s = (const char *)sqlite3_value_text(v);
	if (s == NULL) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	if (!parse_interval(s, out)) {
		fail(ctx,
		     "22007: invalid input syntax for type interval: \"%s\"",
		     s);
		return false;
	}
	return true;
}

static void put_iv_part(struct tr_buf *b, int64_t v, const char *unit,
			bool *is_zero, bool *is_before)
{
	if (v == 0) {
		return;
	}
	tr_buf_printf(b, "%s%s%lld %s%s", *is_zero ? "" : " ",
		      (*is_before && v > 0) ? "+" : "", (long long)v, unit,
		      v != 1 ? "s" : "");
	*is_before = v < 0;
	*is_zero = false;
}

/* PostgreSQL's EncodeInterval, IntervalStyle postgres. */
static void put_iv(struct tr_buf *b, const struct iv *iv)
{
	bool is_zero = true, is_before = false;
	put_iv_part(b, iv->months / 12, "year", &is_zero, &is_before);
	put_iv_part(b, iv->months % 12, "mon", &is_zero, &is_before);
	put_iv_part(b, iv->days, "day", &is_zero, &is_before);
	int64_t t = iv->usec;
	if (is_zero || t != 0) {
		bool minus = t < 0;
		uint64_t a = minus ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
		uint64_t h = a / (uint64_t)USEC_PER_HOUR;
		a %= (uint64_t)USEC_PER_HOUR;
		uint64_t m = a / 60000000u;
		a %= 60000000u;
		uint64_t sec = a / 1000000u, f = a % 1000000u;
		tr_buf_printf(b, "%s%s%02llu:%02llu:%02llu", is_zero ? "" : " ",
			      minus ? "-" : (is_before ? "+" : ""),
			      (unsigned long long)h, (unsigned long long)m,
			      (unsigned long long)sec);
		if (f != 0) {
			char fr[8];
			snprintf(fr, sizeof fr, "%06llu",
				 (unsigned long long)f);
			size_t n = 6;
			while (fr[n - 1] == '0') {
				n--;
			}
			fr[n] = '\0';
			tr_buf_printf(b, ".%s", fr);
		}
	}
}

static void result_iv(sqlite3_context *ctx, const struct iv *iv)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	put_iv(&b, iv);
	result_buf(ctx, &b);
}

/* ---- the same text forms for the value codecs (value.c) ---- */

bool sql__ts_parse(const char *s, int64_t *usec, int *kind, int64_t *zone,
		   bool *range)
{
	struct ts t;
	if (!parse_ts_zone(s, &t, range, zone)) {
		return false;
	}
	*usec = t.usec;
	*kind = t.kind == TS_DATE
			? SQL__TS_DATE
			: (t.kind == TS_PLAIN ? SQL__TS_PLAIN : SQL__TS_TZ);
	return true;
}

void sql__ts_put(struct tr_buf *b, int64_t usec, int kind)
{
	put_ts(b, usec,
	       kind == SQL__TS_DATE
		       ? TS_DATE
		       : (kind == SQL__TS_PLAIN ? TS_PLAIN : TS_TZ));
}

bool sql__iv_parse(const char *s, int32_t *months, int32_t *days, int64_t *usec)
{
	struct iv iv;
	if (!parse_interval(s, &iv)) {
		return false;
	}
	*months = iv.months;
	*days = iv.days;
	*usec = iv.usec;
	return true;
}

void sql__iv_put(struct tr_buf *b, int32_t months, int32_t days, int64_t usec)
{
	struct iv iv = { months, days, usec };
	put_iv(b, &iv);
}

/* PostgreSQL's timestamp_pl_interval: months (clamped to the month's
 * end), then days, then time. */
static int64_t ts_add(int64_t usec, const struct iv *iv)
{
	if (iv->months != 0) {
		struct tmx m;
		to_tm(usec, &m);
		int64_t mon = m.year * 12 + (m.mon - 1) + iv->months;
		m.year = floor_div(mon, 12);
		m.mon = (int)(mon - m.year * 12) + 1;
		int dim = days_in_month(m.year, m.mon);
		if (m.mday > dim) {
			m.mday = dim;
		}
		usec = from_tm(&m);
	}
	usec += (int64_t)iv->days * USEC_PER_DAY;
	return usec + iv->usec;
}

static struct iv iv_neg(struct iv v)
{
	v.months = -v.months;
	v.days = -v.days;
	v.usec = -v.usec;
	return v;
}

/* interval_justify_hours: whole days out of the time part. */
static struct iv justify_hours(int64_t usec)
{
	struct iv r = { 0, 0, 0 };
	r.days = (int32_t)(usec / USEC_PER_DAY);
	r.usec = usec % USEC_PER_DAY;
	return r;
}

enum dt_shape { DT_NULL, DT_TS, DT_IV, DT_NUM, DT_OTHER };

static enum dt_shape shape_of(sqlite3_value *v, struct ts *ts, struct iv *iv)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		return DT_NULL;
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		return DT_NUM;
	default:
		break;
	}
	const char *s = (const char *)sqlite3_value_text(v);
	bool range;
	if (s == NULL) {
		return DT_OTHER;
	}
	if (parse_ts(s, ts, &range)) {
		return DT_TS;
	}
	if (parse_interval(s, iv)) {
		return DT_IV;
	}
	return DT_OTHER;
}

/* a + b or a - b as SQLite computes them (text read as a number). */
static void dt_arith_plain(sqlite3_context *ctx, sqlite3_value **argv,
			   bool sub)
{
	bool real = sqlite3_value_numeric_type(argv[0]) == SQLITE_FLOAT ||
		    sqlite3_value_numeric_type(argv[1]) == SQLITE_FLOAT;
	sqlite3_int64 x = sqlite3_value_int64(argv[0]);
	sqlite3_int64 y = sqlite3_value_int64(argv[1]), r;
	if (!real && !(sub ? __builtin_sub_overflow(x, y, &r)
			   : __builtin_add_overflow(x, y, &r))) {
		sqlite3_result_int64(ctx, r);
		return;
	}
	double dx = sqlite3_value_double(argv[0]);
	double dy = sqlite3_value_double(argv[1]);
	sqlite3_result_double(ctx, sub ? dx - dy : dx + dy);
}

/*
 * pg_dt_add(a, b) and pg_dt_sub(a, b) (pApp: bit 0 sub; bit 1 set for
 * pg_dt_add_any/pg_dt_sub_any, which fall back to plain arithmetic): the + and -
 * of dates, timestamps and intervals, dispatched on the values' shapes
 * (the translator emits them when an operand is statically a date/time
 * type):
 *   timestamp ± interval -> timestamp (same kind; date ± interval ->
 *   timestamp), interval ± interval -> interval, timestamp - timestamp
 *   -> interval, date ± integer -> date, date - date -> integer.
 */
static void fn_dt_arith(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	intptr_t app = (intptr_t)sqlite3_user_data(ctx);
	bool sub = (app & 1) != 0;
	struct ts ta, tb;
	struct iv ia, ib;
	enum dt_shape a = shape_of(argv[0], &ta, &ia);
	enum dt_shape b = shape_of(argv[1], &tb, &ib);
	if (a == DT_NULL || b == DT_NULL) {
		return;
	}
	if (a == DT_TS && b == DT_IV) {
		struct iv d = sub ? iv_neg(ib) : ib;
		result_ts(ctx, ts_add(ta.usec, &d),
			  ta.kind == TS_DATE ? TS_PLAIN : ta.kind);
		return;
	}
	if (a == DT_IV && b == DT_TS && !sub) {
		result_ts(ctx, ts_add(tb.usec, &ia),
			  tb.kind == TS_DATE ? TS_PLAIN : tb.kind);
		return;
	}
	if (a == DT_IV && b == DT_IV) {
		struct iv r = ia;
		struct iv d = sub ? iv_neg(ib) : ib;
		r.months += d.months;
		r.days += d.days;
		r.usec += d.usec;
		result_iv(ctx, &r);
		return;
	}
	if (a == DT_TS && b == DT_TS && sub) {
		if (ta.kind == TS_DATE && tb.kind == TS_DATE) {
			sqlite3_result_int64(ctx, (ta.usec - tb.usec) /
							  USEC_PER_DAY);
			return;
		}
		struct iv r = justify_hours(ta.usec - tb.usec);
		result_iv(ctx, &r);
		return;
	}
	if (a == DT_TS && ta.kind == TS_DATE && b == DT_NUM) {
		int64_t k = sqlite3_value_int64(argv[1]);
		result_ts(ctx, ta.usec + (sub ? -k : k) * USEC_PER_DAY,
			  TS_DATE);
		return;
	}
	if (a == DT_NUM && b == DT_TS && tb.kind == TS_DATE && !sub) {
		result_ts(ctx,
			  tb.usec + sqlite3_value_int64(argv[0]) * USEC_PER_DAY,
			  TS_DATE);
		return;
	}
	if ((app & 2) != 0 && a != DT_TS && a != DT_IV && b != DT_TS &&
	    b != DT_IV) {
		/* Untyped operands that hold no date/time: SQLite's own
		 * + and - (see emit_dt_op in expr.c). */
		dt_arith_plain(ctx, argv, sub);
		return;
	}
	fail(ctx, "42883: operator does not exist: %s %s %s",
	     a == DT_IV ? "interval" : (a == DT_TS ? "timestamp" : "unknown"),
	     sub ? "-" : "+",
	     b == DT_IV ? "interval" : (b == DT_TS ? "timestamp" : "unknown"));
}

/* ---- interval scaling, time of day, justify, interval aggregates ---- */

/* Rounded to whole microseconds, as PostgreSQL's TSROUND. */
static double usec_round(double v)
{
	return rint(v * 1e6) / 1e6;
}

/*
 * interval * factor (interval_mul): each field is scaled and what a
 * field cannot hold as a whole number cascades down, a fraction of a
 * month as 30 days and a fraction of a day as 86400 seconds.  false when
 * the result does not fit (22008 interval out of range).
 */
static bool iv_scale(const struct iv *in, double factor, struct iv *out)
{
	double months = in->months * factor;
	double days = in->days * factor;
	if (isnan(factor) || !(fabs(months) < 2147483648.0) ||
	    !(fabs(days) < 2147483648.0)) {
		return false;
	}
	int32_t m = (int32_t)months;
	int32_t d = (int32_t)days;
	double month_days = usec_round((months - m) * 30.0);
	double sec = usec_round((days - d + month_days - trunc(month_days)) *
				86400.0);
	if (fabs(sec) >= 86400.0) {
		d += (int32_t)(sec / 86400.0);
		sec -= trunc(sec / 86400.0) * 86400.0;
	}
	d += (int32_t)month_days;
	double usec = rint((double)in->usec * factor + sec * 1e6);
	if (!(fabs(usec) < 9.2e18)) {
		return false;
	}
	out->months = m;
	out->days = d;
	out->usec = (int64_t)usec;
	return true;
}

/*
 * pg_iv_mul(a, b) (pApp 0) and pg_iv_div(a, b) (pApp 1): interval *
 * number, number * interval, interval / number.
 */
static void fn_iv_scale(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool div = sqlite3_user_data(ctx) != NULL;
	int k = sqlite3_value_type(argv[0]) == SQLITE_TEXT || div ? 0 : 1;
	struct iv iv, r;
	if (!iv_arg(ctx, argv[k], &iv)) {
		return;
	}
	double f = sqlite3_value_double(argv[1 - k]);
	if (div) {
		if (f == 0) {
			fail(ctx, "22012: division by zero");
			return;
		}
		f = 1.0 / f;
	}
	if (!iv_scale(&iv, f, &r)) {
		fail(ctx, "22008: interval out of range");
		return;
	}
	result_iv(ctx, &r);
}

/*
 * time_in: 'HH:MM[:SS[.ffffff]]', or the time of day of a timestamp.
 * 24:00:00 is allowed as in PostgreSQL; *range tells a well-formed value
 * out of range (22008) from bad syntax (22007).
 */
static bool parse_time(const char *s, int64_t *usec, bool *range)
{
	const char *p = s;
	int64_t f[3] = { 0, 0, 0 };
	int n_f = 0;
	*range = false;
	while (*p == ' ') {
		p++;
	}
	while (n_f < 3) {
		int64_t v;
		if (digits(&p, 2, &v) == 0) {
			break;
		}
		f[n_f++] = v;
		if (*p != ':' || n_f == 3) {
			break;
		}
		p++;
	}
	int64_t frac = 0;
	if (n_f == 3 && *p == '.') {
		p++;
		int64_t scale = 100000;
		while (*p >= '0' && *p <= '9') {
			/* Digits past microseconds round the last one. */
			if (scale > 0) {
				frac += (*p - '0') * scale;
			} else if (scale == 0 && *p >= '5') {
				frac++;
			}
			scale = scale > 0 ? scale / 10 : -1;
			p++;
		}
	}
	while (*p == ' ') {
		p++;
	}
	if (n_f < 2 || *p != '\0') {
		struct ts t;
		if (parse_ts(s, &t, range) && t.kind != TS_DATE) {
			*usec = t.usec - floor_div(t.usec, USEC_PER_DAY) *
						 USEC_PER_DAY;
			return true;
		}
		return false;
	}
	int64_t v = ((f[0] * 60 + f[1]) * 60 + f[2]) * USEC_PER_SEC + frac;
	if (f[1] > 59 || f[2] > 60 || v > USEC_PER_DAY) {
		*range = true;
		return false;
	}
	*usec = v;
	return true;
}

/* time_out: HH:MM:SS, the fraction without trailing zeros. */
static void put_time(struct tr_buf *b, int64_t usec)
{
	int64_t s = usec / USEC_PER_SEC, f = usec % USEC_PER_SEC;
	tr_buf_printf(b, "%02lld:%02lld:%02lld", (long long)(s / 3600),
		      (long long)(s / 60 % 60), (long long)(s % 60));
	if (f != 0) {
		char fr[8];
		snprintf(fr, sizeof fr, "%06lld", (long long)f);
		size_t n = 6;
		while (fr[n - 1] == '0') {
			n--;
		}
		fr[n] = '\0';
		tr_buf_printf(b, ".%s", fr);
	}
}

static void result_time(sqlite3_context *ctx, int64_t usec)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	put_time(&b, usec);
	result_buf(ctx, &b);
}

static bool time_arg(sqlite3_context *ctx, sqlite3_value *v, int64_t *usec)
{
	const char *s = (const char *)sqlite3_value_text(v);
	bool range;
	if (s == NULL) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	if (!parse_time(s, usec, &range)) {
		fail(ctx,
		     range ? "22008: date/time field value out of range: \"%s\""
			   : "22007: invalid input syntax for type time: "
			     "\"%s\"",
		     s);
		return false;
	}
	return true;
}

/* pg_cast_time(x): x::time in canonical text. */
static void fn_cast_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t usec;
	if (!any_null(argc, argv) && time_arg(ctx, argv[0], &usec)) {
		result_time(ctx, usec);
	}
}

/*
 * pg_time_add(t, iv) / pg_time_sub(t, iv) / pg_time_diff(t, t) (pApp 0,
 * 1, 2): time ± interval is a time, wrapping around midnight (only the
 * interval's time part counts); time - time is an interval.  The
 * translator puts the time first.
 */
static void fn_time_arith(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	intptr_t what = (intptr_t)sqlite3_user_data(ctx);
	int64_t a, b;
	if (!time_arg(ctx, argv[0], &a)) {
		return;
	}
	if (what == 2) {
		if (time_arg(ctx, argv[1], &b)) {
			struct iv r = { 0, 0, a - b };
			result_iv(ctx, &r);
		}
		return;
	}
	struct iv iv;
	if (!iv_arg(ctx, argv[1], &iv)) {
		return;
	}
	int64_t d = iv.usec % USEC_PER_DAY;
	int64_t v = (a + (what == 1 ? -d : d)) % USEC_PER_DAY;
	result_time(ctx, v < 0 ? v + USEC_PER_DAY : v);
}

/*
 * justify_hours / justify_days / justify_interval (pApp 1, 2, 3: which
 * carries): 24 hours to a day, 30 days to a month, with the signs of the
 * parts made to agree.
 */
static void fn_justify(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct iv iv;
	if (any_null(argc, argv) || !iv_arg(ctx, argv[0], &iv)) {
		return;
	}
	intptr_t what = (intptr_t)sqlite3_user_data(ctx);
	int64_t months = iv.months, days = iv.days, usec = iv.usec;
	if (what & 1) {
		days += usec / USEC_PER_DAY;
		usec %= USEC_PER_DAY;
	}
	if (what & 2) {
		months += days / 30;
		days %= 30;
	}
	if (what == 3) {
		if (months > 0 && (days < 0 || (days == 0 && usec < 0))) {
			days += 30;
			months--;
		} else if (months < 0 && (days > 0 || (days == 0 && usec > 0))) {
			days -= 30;
			months++;
		}
	}
	if (what & 1) {
		if (days > 0 && usec < 0) {
			usec += USEC_PER_DAY;
			days--;
		} else if (days < 0 && usec > 0) {
			usec -= USEC_PER_DAY;
			days++;
		}
	}
	if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX ||
	    days < INT32_MIN) {
		fail(ctx, "22008: interval out of range");
		return;
	}
	struct iv r = { (int32_t)months, (int32_t)days, usec };
	result_iv(ctx, &r);
}

/* pg_iv_cmp(a, b): -1, 0, 1 comparing the spans, a month as 30 days and
 * a day as 24 hours (interval_cmp). */
static void fn_iv_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct iv a, b;
	if (any_null(argc, argv) || !iv_arg(ctx, argv[0], &a) ||
	    !iv_arg(ctx, argv[1], &b)) {
		return;
	}
	__int128 ka = ((__int128)a.months * 30 + a.days) * USEC_PER_DAY + a.usec;
	__int128 kb = ((__int128)b.months * 30 + b.days) * USEC_PER_DAY + b.usec;
	sqlite3_result_int(ctx, ka < kb ? -1 : ka > kb);
}

/* sum(interval) / avg(interval) state: fields summed apart, as
 * interval_pl does. */
struct iv_acc {
	int64_t months;
	int64_t days;
	int64_t usec;
	int64_t n;
	bool bad;
};

static void iv_acc_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	struct iv_acc *a = sqlite3_aggregate_context(ctx, sizeof *a);
	struct iv iv;
	if (a == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (a->bad) {
		return;
	}
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (s == NULL || !parse_interval(s, &iv)) {
		/* Text that is no interval: the column is text, which has
		 * no sum/avg in PostgreSQL. */
		a->bad = true;
		fail(ctx, "42883: function %s(text) does not exist",
		     sqlite3_user_data(ctx) == NULL ? "sum" : "avg");
		return;
	}
	a->months += iv.months;
	a->days += iv.days;
	if (__builtin_add_overflow(a->usec, iv.usec, &a->usec)) {
		a->bad = true;
		fail(ctx, "22008: interval out of range");
		return;
	}
	a->n++;
}

/* pApp 0: sum, 1: avg (the sum scaled by 1/n, as interval_div). */
static void iv_acc_final(sqlite3_context *ctx)
{
	struct iv_acc *a = sqlite3_aggregate_context(ctx, 0);
	if (a == NULL || a->n == 0 || a->bad) {
		return;
	}
	if (a->months > INT32_MAX || a->months < INT32_MIN ||
	    a->days > INT32_MAX || a->days < INT32_MIN) {
		fail(ctx, "22008: interval out of range");
		return;
	}
	struct iv sum = { (int32_t)a->months, (int32_t)a->days, a->usec };
	if (sqlite3_user_data(ctx) == NULL) {
		result_iv(ctx, &sum);
		return;
	}
	struct iv r;
	if (!iv_scale(&sum, 1.0 / (double)a->n, &r)) {
		fail(ctx, "22008: interval out of range");
		return;
	}
	result_iv(ctx, &r);
}

/* pg_cast_date/pg_cast_timestamp/pg_cast_timestamptz(x) (pApp: the
 * kind): x::date, x::timestamp, x::timestamptz in canonical form.  Text
 * without an offset is UTC for timestamptz; an offset is dropped after
 * conversion to UTC for timestamp (the session time zone is UTC). */
static void fn_cast_ts(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	struct ts t;
	if (!ts_arg(ctx, argv[0], &t)) {
		return;
	}
	enum ts_kind k = (enum ts_kind)(intptr_t)sqlite3_user_data(ctx);
	if (k == TS_DATE) {
		t.usec = floor_div(t.usec, USEC_PER_DAY) * USEC_PER_DAY;
	}
	result_ts(ctx, t.usec, k);
}

/* pg_interval(text): the canonical text of an interval literal. */
static void fn_interval(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	struct iv iv;
	if (iv_arg(ctx, argv[0], &iv)) {
		result_iv(ctx, &iv);
	}
}

/* PostgreSQL's timestamp_age: field-wise difference with borrows. */
static void fn_age(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	struct ts a, b;
	if (argc == 1) {
		if (!ts_arg(ctx, argv[0], &b)) {
			return;
		}
		sqlite3_int64 now_ms = 0;
		/* age(t) = age(current_date, t), midnight UTC. */
		sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
		if (vfs != NULL && vfs->iVersion >= 2 &&
		    vfs->xCurrentTimeInt64 != NULL) {
			vfs->xCurrentTimeInt64(vfs, &now_ms);
		}
		/* Julian day in ms -> Unix days. */
		int64_t days = now_ms / 86400000 - 2440588;
		a.usec = days * USEC_PER_DAY;
		a.kind = b.kind;
	} else if (!ts_arg(ctx, argv[0], &a) || !ts_arg(ctx, argv[1], &b)) {
		return;
	}
	struct tmx t1, t2;
	to_tm(a.usec, &t1);
	to_tm(b.usec, &t2);
	int64_t fsec = t1.usec - t2.usec;
	int64_t sec = t1.sec - t2.sec, min = t1.min - t2.min;
	int64_t hour = t1.hour - t2.hour, mday = t1.mday - t2.mday;
	int64_t mon = t1.mon - t2.mon, year = t1.year - t2.year;
	bool neg = a.usec < b.usec;
	if (neg) {
		fsec = -fsec;
		sec = -sec;
		min = -min;
		hour = -hour;
		mday = -mday;
		mon = -mon;
		year = -year;
	}
	while (fsec < 0) {
		fsec += USEC_PER_SEC;
		sec--;
	}
	while (sec < 0) {
		sec += 60;
		min--;
	}
	while (min < 0) {
		min += 60;
		hour--;
	}
	while (hour < 0) {
		hour += 24;
		mday--;
	}
	while (mday < 0) {
		if (neg) {
			mday += days_in_month(t1.year, t1.mon);
		} else {
			mday += days_in_month(t2.year, t2.mon);
		}
		mon--;
	}
	while (mon < 0) {
		mon += 12;
		year--;
	}
	if (neg) {
		fsec = -fsec;
		sec = -sec;
		min = -min;
		hour = -hour;
		mday = -mday;
		mon = -mon;
		year = -year;
	}
	struct iv r;
	r.months = (int32_t)(year * 12 + mon);
	r.days = (int32_t)mday;
	r.usec = ((hour * 60 + min) * 60 + sec) * USEC_PER_SEC + fsec;
	result_iv(ctx, &r);
}

/* extract / date_part (pApp: 0 extract (numeric: integers where whole),
 * 1 date_part (float8)). */
static void result_num(sqlite3_context *ctx, double v, bool whole_int)
{
	if (whole_int && v == trunc(v) && fabs(v) < 9e15) {
		sqlite3_result_int64(ctx, (sqlite3_int64)v);
	} else {
		sqlite3_result_double(ctx, v);
	}
}

static void extract_interval(sqlite3_context *ctx, const char *field,
			     const struct iv *iv, bool numeric)
{
	int64_t secs_in_min = (iv->usec % (60 * USEC_PER_SEC));
	double v;
	switch (unit_of(field)) {
	case U_USEC:
		v = (double)secs_in_min;
		break;
	case U_MSEC:
		v = (double)secs_in_min / 1000.0;
		break;
	case U_SECOND:
		v = (double)secs_in_min / 1e6;
		break;
	case U_MINUTE:
		v = (double)((iv->usec / (60 * USEC_PER_SEC)) % 60);
		break;
	case U_HOUR:
		v = (double)(iv->usec / USEC_PER_HOUR);
		break;
	case U_DAY:
		v = iv->days;
		break;
	case U_MONTH:
		v = iv->months % 12;
		break;
	case U_QUARTER:
		v = (iv->months % 12) / 3 + 1;
		break;
	case U_YEAR:
		v = iv->months / 12;
		break;
	case U_DECADE:
		v = iv->months / 120;
		break;
	case U_CENTURY:
		v = iv->months / 1200;
		break;
	case U_MILLENNIUM:
		v = iv->months / 12000;
		break;
	case U_EPOCH:
		v = (double)iv->usec / 1e6 +
		    365.25 * 86400.0 * (double)(iv->months / 12) +
		    30.0 * 86400.0 * (double)(iv->months % 12) +
		    86400.0 * iv->days;
		break;
	default:
		fail(ctx, "22023: unit \"%s\" not recognized for type interval",
		     field);
		return;
	}
	result_num(ctx, v, numeric);
}

static void fn_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool numeric = sqlite3_user_data(ctx) == NULL;
	const char *field = (const char *)sqlite3_value_text(argv[0]);
	struct ts t;
	struct iv iv;
	if (field == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	enum dt_shape sh = shape_of(argv[1], &t, &iv);
	if (sh == DT_IV) {
		extract_interval(ctx, field, &iv, numeric);
		return;
	}
	if (!ts_arg(ctx, argv[1], &t)) {
		return;
	}
	struct tmx m;
	to_tm(t.usec, &m);
	int64_t days = floor_div(t.usec, USEC_PER_DAY);
	double v;
	int64_t w, iy;
	enum unit u = unit_of(field);
	if (t.kind == TS_DATE &&
	    (u == U_USEC || u == U_MSEC || u == U_SECOND || u == U_MINUTE ||
	     u == U_HOUR || u == U_TZ || u == U_TZ_HOUR || u == U_TZ_MINUTE)) {
		fail(ctx, "0A000: unit \"%s\" not supported for type date",
		     field);
		return;
	}
	switch (u) {
	case U_USEC:
		v = m.sec * 1e6 + m.usec;
		break;
	case U_MSEC:
		v = m.sec * 1e3 + m.usec / 1e3;
		break;
	case U_SECOND:
		v = m.sec + m.usec / 1e6;
		break;
	case U_MINUTE:
		v = m.min;
		break;
	case U_HOUR:
		v = m.hour;
		break;
	case U_DAY:
		v = m.mday;
		break;
	case U_MONTH:
		v = m.mon;
		break;
	case U_QUARTER:
		v = (m.mon - 1) / 3 + 1;
		break;
	case U_YEAR:
		v = (double)m.year;
		break;
	case U_DECADE:
		v = (double)(m.year / 10);
		break;
	case U_CENTURY:
		v = (double)((m.year + 99) / 100);
		break;
	case U_MILLENNIUM:
		v = (double)((m.year + 999) / 1000);
		break;
	case U_WEEK:
		iso_week(days, &w, &iy);
		v = (double)w;
		break;
	case U_ISOYEAR:
		iso_week(days, &w, &iy);
		v = (double)iy;
		break;
	case U_DOW:
		v = dow_of(days);
		break;
	case U_ISODOW:
		v = dow_of(days) == 0 ? 7 : dow_of(days);
		break;
	case U_DOY:
		v = (double)(days - days_from_civil(m.year, 1, 1) + 1);
		break;
	case U_EPOCH:
		v = (double)t.usec / 1e6;
		if (t.kind == TS_DATE) {
			numeric = true;
		}
		break;
	case U_JULIAN:
		v = (double)(days + 2440588) +
		    (double)(t.usec - days * USEC_PER_DAY) / 86400e6;
		break;
	case U_TZ:
	case U_TZ_HOUR:
	case U_TZ_MINUTE:
		if (t.kind != TS_TZ) {
			fail(ctx,
			     "0A000: unit \"%s\" not supported for type %s",
			     field, kind_name(t.kind));
			return;
		}
		v = 0;
		break;
	default:
		fail(ctx, "22023: unit \"%s\" not recognized for type %s",
		     field, t.kind == TS_DATE ? "date" : kind_name(t.kind));
		return;
	}
	result_num(ctx, v, numeric);
}

static void tochar_fail(sqlite3_context *ctx, const struct sql__tochar_err *err)
{
	if (err->nomem) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	fail(ctx, "%s: %s%s%s%s%s", err->sqlstate, err->message,
	     err->detail[0] != '\0' ? "\nDETAIL: " : "", err->detail,
	     err->hint[0] != '\0' ? "\nHINT: " : "", err->hint);
}

/* to_char of a number or an interval (tochar.c), dispatched on the
 * argument's static type @oid (0: unknown, then on the value: numbers
 * as numeric, interval text as an interval).  False if the value is
 * none of these (a date/time value). */
static bool to_char_num_iv(sqlite3_context *ctx, sqlite3_value **argv,
			   uint32_t oid)
{
	struct sql__tochar_num v = { .kind = SQL_TOCHAR_NUMERIC };
	int vt = sqlite3_value_type(argv[0]);
	struct ts t;
	struct iv iv;
	bool is_iv = false;
	switch (oid) {
	case SQL_OID_INT4:
	case SQL_OID_INT8:
		v.kind = oid == SQL_OID_INT8 ? SQL_TOCHAR_INT8
					     : SQL_TOCHAR_INT4;
		v.integer = sqlite3_value_int64(argv[0]);
		break;
	case SQL_OID_INT2: /* PostgreSQL picks float8's, the preferred */
	case SQL_OID_FLOAT4:
	case SQL_OID_FLOAT8:
		v.kind = oid == SQL_OID_FLOAT4 ? SQL_TOCHAR_FLOAT4
					       : SQL_TOCHAR_FLOAT8;
		v.real = sqlite3_value_double(argv[0]);
		if (vt == SQLITE_TEXT) { /* NaN travels as text */
			const unsigned char *s = sqlite3_value_text(argv[0]);
			v.real = s != NULL ? strtod((const char *)s, NULL) : 0;
		}
		break;
	case SQL_OID_INTERVAL:
		if (!iv_arg(ctx, argv[0], &iv)) {
			return true;
		}
		is_iv = true;
		break;
	case SQL_OID_NUMERIC:
	case 0:
		if (vt == SQLITE_TEXT && oid == 0 &&
		    shape_of(argv[0], &t, &iv) == DT_IV) {
			is_iv = true;
		} else if (vt == SQLITE_TEXT && oid == 0 &&
			   !sql__tochar_is_decimal(
				   (const char *)sqlite3_value_text(argv[0]))) {
			return false;
		}
		break;
	default:
		return false;
	}
	if (!is_iv && v.kind == SQL_TOCHAR_NUMERIC) {
		v.integer = sqlite3_value_int64(argv[0]);
		v.is_real = vt == SQLITE_FLOAT;
		v.real = sqlite3_value_double(argv[0]);
		v.text = vt == SQLITE_TEXT
				 ? (const char *)sqlite3_value_text(argv[0])
				 : NULL;
	}
	const char *f = (const char *)sqlite3_value_text(argv[1]);
	size_t flen = (size_t)sqlite3_value_bytes(argv[1]);
	if (f == NULL || (!is_iv && v.kind == SQL_TOCHAR_NUMERIC &&
			  vt == SQLITE_TEXT && v.text == NULL)) {
		sqlite3_result_error_nomem(ctx);
		return true;
	}
	if (is_iv && flen == 0) {
		return true; /* NULL, as PostgreSQL */
	}
	struct tr_buf b;
	struct sql__tochar_err err;
	tr_buf_init(&b, MAX_RESULT);
	bool ok = is_iv ? sql__to_char_interval(iv.months, iv.days, iv.usec, f,
						flen, &b, &err)
			: sql__to_char_num(&v, f, flen, &b, &err);
	if (ok) {
		result_buf(ctx, &b);
		return true;
	}
	tr_buf_close(&b);
	tochar_fail(ctx, &err);
	return true;
}

/* to_char(value, format[, type oid]), all of it in tochar.c: numbers
 * and intervals, or else a timestamp, timestamptz or date (a date is
 * formatted as a timestamptz, as PostgreSQL resolves it). */
static void fn_to_char(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	if (to_char_num_iv(ctx, argv,
			   argc > 2 ? (uint32_t)sqlite3_value_int64(argv[2])
				    : 0)) {
		return;
	}
	struct ts t;
	if (!ts_arg(ctx, argv[0], &t)) {
		return;
	}
	const char *f = (const char *)sqlite3_value_text(argv[1]);
	size_t flen = (size_t)sqlite3_value_bytes(argv[1]);
	if (f == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (flen == 0) {
		return; /* NULL, as PostgreSQL */
	}
	struct tmx m;
	to_tm(t.usec, &m);
	struct sql__tochar_tm tm = {
		.year = (int)m.year,
		.mon = m.mon,
		.mday = m.mday,
		.hour = m.hour,
		.min = m.min,
		.sec = m.sec,
		.usec = m.usec,
		.tz = t.kind != TS_PLAIN,
	};
	struct tr_buf b;
	struct sql__tochar_err err;
	tr_buf_init(&b, MAX_RESULT);
	if (sql__to_char_datetime(&tm, f, flen, &b, &err)) {
		result_buf(ctx, &b);
		return;
	}
	tr_buf_close(&b);
	tochar_fail(ctx, &err);
}

/* ---------------------------------------------------------------------
 * Time zones, make_*, to_date and to_timestamp
 * ------------------------------------------------------------------- */

static void tz_release(void *p)
{
	sql__tz_free(p);
}

/* The zone named by argument @i (cached as its auxiliary data); NULL
 * with the error set. */
static const struct sql__tz *tz_arg(sqlite3_context *ctx, sqlite3_value **argv,
				    int i)
{
	const struct sql__tz *z = sqlite3_get_auxdata(ctx, i);
	if (z != NULL) {
		return z;
	}
	const char *name = (const char *)sqlite3_value_text(argv[i]);
	bool oom = name == NULL;
	struct sql__tz *nz = oom ? NULL : sql__tz_find(name, &oom);
	if (nz == NULL) {
		if (oom) {
			sqlite3_result_error_nomem(ctx);
		} else {
			fail(ctx, "22023: time zone \"%s\" not recognized",
			     name);
		}
		return NULL;
	}
	sqlite3_set_auxdata(ctx, i, nz, tz_release);
	z = sqlite3_get_auxdata(ctx, i);
	if (z == NULL) {
		sqlite3_result_error_nomem(ctx);
	}
	return z;
}

/*
 * pg_timezone(zone, value, mode): timezone(zone, value), the AT TIME
 * ZONE operator.  mode[0]: 'p' the value is a timestamp (the result is
 * the timestamptz of that wall-clock time in the zone), 'z' a
 * timestamptz (the result is the zone's wall-clock timestamp), '?' the
 * stored value decides (a bare date counts as a timestamptz, as
 * PostgreSQL's preferred type).  mode[1] 'i': the zone is an interval
 * (east of UTC, no months or days).
 */
static void fn_timezone(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	const char *mode = (const char *)sqlite3_value_text(argv[2]);
	struct ts ts;
	if (mode == NULL || !ts_arg(ctx, argv[1], &ts)) {
		if (mode == NULL) {
			sqlite3_result_error_nomem(ctx);
		}
		return;
	}
	bool plain = mode[0] == 'p' || (mode[0] == '?' && ts.kind == TS_PLAIN);
	int64_t secs = floor_div(ts.usec, USEC_PER_SEC);
	int32_t off;
	if (mode[0] != '\0' && mode[1] == 'i') {
		struct iv iv;
		if (!iv_arg(ctx, argv[0], &iv)) {
			return;
		}
		if (iv.months != 0 || iv.days != 0) {
			fail(ctx,
			     "22023: interval time zone \"%s\" must not "
			     "include months or days",
			     (const char *)sqlite3_value_text(argv[0]));
			return;
		}
		if (plain) {
			result_ts(ctx, ts.usec - iv.usec, TS_TZ);
		} else {
			result_ts(ctx, ts.usec + iv.usec, TS_PLAIN);
		}
		return;
	}
	const struct sql__tz *z = tz_arg(ctx, argv, 0);
	if (z == NULL) {
		return;
	}
	if (plain) {
		off = sql__tz_local_offset(z, secs);
		result_ts(ctx, ts.usec - (int64_t)off * USEC_PER_SEC, TS_TZ);
	} else {
		off = sql__tz_offset(z, secs);
		result_ts(ctx, ts.usec + (int64_t)off * USEC_PER_SEC, TS_PLAIN);
	}
}

/* PostgreSQL's float_time_overflows: hour 0..24, minutes 0..59, seconds
 * 0..60, at most 24:00:00. */
static bool time_fields_bad(int64_t h, int64_t m, double s)
{
	return h < 0 || h > 24 || m < 0 || m > 59 || !(s >= 0) || s > 60 ||
	       (double)(h * 3600 + m * 60) + s > 86400.0;
}

/* A year, month and day as make_date takes them; false with the error
 * set (22008, or 0A000 for a BC year). */
static bool date_fields(sqlite3_context *ctx, int64_t y, int64_t m, int64_t d)
{
	if (y < 0) {
		fail(ctx, "0A000: BC dates are not supported");
		return false;
	}
	if (y == 0 || y > 294276 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, (int)m)) {
		fail(ctx,
		     "22008: date field value out of range: %lld-%02lld-%02lld",
		     (long long)y, (long long)m, (long long)d);
		return false;
	}
	return true;
}

/* Microseconds of a time of day given as hours, minutes and seconds. */
static int64_t time_usec(int64_t h, int64_t m, double s)
{
	return (h * 3600 + m * 60) * USEC_PER_SEC + llrint(s * 1e6);
}

/* pg_make_date(y, m, d). */
static void fn_make_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int64_t y = sqlite3_value_int64(argv[0]);
	int64_t m = sqlite3_value_int64(argv[1]);
	int64_t d = sqlite3_value_int64(argv[2]);
	if (date_fields(ctx, y, m, d)) {
		result_ts(ctx,
			  days_from_civil(y, (int)m, (int)d) * USEC_PER_DAY,
			  TS_DATE);
	}
}

/* pg_make_time(h, m, s). */
static void fn_make_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int64_t h = sqlite3_value_int64(argv[0]);
	int64_t m = sqlite3_value_int64(argv[1]);
	double s = sqlite3_value_double(argv[2]);
	if (time_fields_bad(h, m, s)) {
		fail(ctx,
		     "22008: time field value out of range: %lld:%02lld:%02g",
		     (long long)h, (long long)m, s);
		return;
	}
	result_time(ctx, time_usec(h, m, s));
}

/*
 * pg_make_timestamp(y, mo, d, h, mi, s) and pg_make_timestamptz(...[,
 * zone]) (pApp 0, 1): the wall-clock time, in the zone for timestamptz
 * (the session's, UTC, without one).
 */
static void fn_make_timestamp(sqlite3_context *ctx, int argc,
			      sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool tz = sqlite3_user_data(ctx) != NULL;
	int64_t f[5];
	for (int i = 0; i < 5; i++) {
		f[i] = sqlite3_value_int64(argv[i]);
	}
	double s = sqlite3_value_double(argv[5]);
	if (!date_fields(ctx, f[0], f[1], f[2])) {
		return;
	}
	if (time_fields_bad(f[3], f[4], s)) {
		fail(ctx,
		     "22008: time field value out of range: %lld:%02lld:%02g",
		     (long long)f[3], (long long)f[4], s);
		return;
	}
	int64_t usec = days_from_civil(f[0], (int)f[1], (int)f[2]) *
			       USEC_PER_DAY +
		       time_usec(f[3], f[4], s);
	if (tz && argc > 6) {
		const struct sql__tz *z = tz_arg(ctx, argv, 6);
		if (z == NULL) {
			return;
		}
		int32_t off = sql__tz_local_offset(
			z, floor_div(usec, USEC_PER_SEC));
		usec -= (int64_t)off * USEC_PER_SEC;
	}
	result_ts(ctx, usec, tz ? TS_TZ : TS_PLAIN);
}

/* pg_make_interval(years, months, weeks, days, hours, mins, secs). */
static void fn_make_interval(sqlite3_context *ctx, int argc,
			     sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	int64_t v[6];
	for (int i = 0; i < 6; i++) {
		v[i] = sqlite3_value_int64(argv[i]);
	}
	double secs = float_of(argv[6]);
	int64_t months = v[0] * 12 + v[1];
	int64_t days = v[2] * 7 + v[3];
	double usec = ((double)v[4] * 3600 + (double)v[5] * 60) * 1e6 +
		      secs * 1e6;
	if (months < INT32_MIN || months > INT32_MAX || days < INT32_MIN ||
	    days > INT32_MAX || !isfinite(usec) || fabs(usec) >= 9.2e18) {
		fail(ctx, "22008: interval out of range");
		return;
	}
	struct iv iv = { (int32_t)months, (int32_t)days, llrint(usec) };
	result_iv(ctx, &iv);
}

/* pg_to_timestamp(epoch): to_timestamp(double precision). */
static void fn_to_timestamp_epoch(sqlite3_context *ctx, int argc,
				  sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	double x = float_of(argv[0]);
	if (isnan(x)) {
		fail(ctx, "22008: timestamp cannot be NaN");
		return;
	}
	double usec = rint(x * 1e6);
	/* PostgreSQL's range, 4714 BC to 294276 AD; triode has no BC. */
	if (!(usec >= -62135596800e6 && usec < 9224318016000e6)) {
		fail(ctx, "22008: timestamp out of range: \"%g\"", x);
		return;
	}
	result_ts(ctx, (int64_t)usec, TS_TZ);
}

/* ---- to_date / to_timestamp(text, format) ---- */

static const char *const month_names[] = {
	"january", "february", "march",     "april",   "may",      "june",
	"july",    "august",   "september", "october", "november", "december",
};
static const char *const day_names[] = {
	"sunday",   "monday", "tuesday",  "wednesday",
	"thursday", "friday", "saturday",
};

/* Template patterns to_date and to_timestamp read (case does not
 * matter when reading); the longest match wins, so longer ones first. */
enum fpat {
	FP_NONE,
	FP_HH24,
	FP_HH12,
	FP_HH,
	FP_YYYY,
	FP_YY,
	FP_MONTH,
	FP_MON,
	FP_MM,
	FP_MI,
	FP_MS,
	FP_US,
	FP_SS,
	FP_DDD,
	FP_DD,
	FP_DAY,
	FP_DY,
	FP_AMDOT,
	FP_AM,
};

static const struct {
	const char *text;
	enum fpat pat;
	int width; /* digits read when the next field follows directly */
} fpats[] = {
	{ "hh24", FP_HH24, 2 },  { "hh12", FP_HH12, 2 },
	{ "hh", FP_HH12, 2 },    { "yyyy", FP_YYYY, 4 },
	{ "yy", FP_YY, 2 },      { "month", FP_MONTH, 0 },
	{ "mon", FP_MON, 0 },    { "mm", FP_MM, 2 },
	{ "mi", FP_MI, 2 },      { "ms", FP_MS, 3 },
	{ "us", FP_US, 6 },      { "ss", FP_SS, 2 },
	{ "ddd", FP_DDD, 3 },    { "dd", FP_DD, 2 },
	{ "day", FP_DAY, 0 },    { "dy", FP_DY, 0 },
	{ "a.m.", FP_AMDOT, 0 }, { "p.m.", FP_AMDOT, 0 },
	{ "am", FP_AM, 0 },      { "pm", FP_AM, 0 },
};

static int fpat_at(const char *f, size_t *len)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(fpats); i++) {
		size_t n = strlen(fpats[i].text);
		if (strncasecmp(f, fpats[i].text, n) == 0) {
			*len = n;
			return (int)i;
		}
	}
	return -1;
}

/* The fields read so far (-1: not given). */
struct dtparse {
	int64_t year, mon, mday, yday, hour, min, sec, usec;
	int pm; /* -1 none, 0 am, 1 pm */
	bool h12;
};

/* Read a number for the pattern @pname: exactly @width digits when
 * @fixed, else as many as there are (at most 9).  false with the error
 * set. */
static bool fp_int(sqlite3_context *ctx, const char **s, int width, bool fixed,
		   const char *pname, int64_t *out, int *ndigits)
{
	const char *p = *s;
	int max = fixed ? width : 9;
	int64_t v = 0;
	int n = 0;
	while (n < max && *p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	if (n == 0) {
		size_t bad = strcspn(*s, " ");
		fail(ctx,
		     "22007: invalid value \"%.*s\" for \"%s\"\nDETAIL: "
		     "Value must be an integer.",
		     (int)(bad > 20 ? 20 : bad), *s, pname);
		return false;
	}
	*s = p;
	*out = v;
	*ndigits = n;
	return true;
}

/* A name from @names (full, or its first three letters), without regard
 * to case: its index, or -1. */
static int fp_name(const char **s, const char *const *names, int n, bool abbrev)
{
	for (int i = 0; i < n; i++) {
		size_t len = abbrev ? 3 : strlen(names[i]);
		if (strncasecmp(*s, names[i], len) == 0) {
			*s += len;
			return i;
		}
	}
	return -1;
}

/*
 * pg_to_datetime(text, format) (pApp 0 to_date, 1 to_timestamp): the
 * template patterns YYYY YY MM Mon Month DD DDD Day Dy HH HH12 HH24 MI
 * SS MS US AM/PM (FM is ignored, "quoted" text skipped).  As PostgreSQL
 * outside FX mode, blanks before a field are skipped and a separator
 * of the template matches one separator of the input (or none).
 */
static void fn_to_datetime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (any_null(argc, argv)) {
		return;
	}
	bool stamp = sqlite3_user_data(ctx) != NULL;
	int n;
	const char *in = text_of(argv[0], &n);
	const char *f = text_of(argv[1], &n);
	const char *s = in;
	struct dtparse d = { -1, -1, -1, -1, -1, -1, -1, -1, -1, false };
	while (*f != '\0') {
		if (strncasecmp(f, "fm", 2) == 0 ||
		    strncasecmp(f, "fx", 2) == 0) {
			f += 2;
			continue;
		}
		if (*f == '"') {
			for (f++; *f != '\0' && *f != '"'; f++) {
				if (*s != '\0') {
					s++;
				}
			}
			if (*f == '"') {
				f++;
			}
			continue;
		}
		size_t plen;
		int k = fpat_at(f, &plen);
		if (k < 0) {
			if (*f == ' ') {
				while (*s == ' ') {
					s++;
				}
			} else if (!isalnum((unsigned char)*f)) {
				if (*s != '\0' && !isalnum((unsigned char)*s) &&
				    *s != ' ') {
					s++;
				}
			} else if (*s != '\0') {
				s++;
			}
			f++;
			continue;
		}
		char pname[8];
		snprintf(pname, sizeof pname, "%.*s", (int)plen, f);
		f += plen;
		while (*s == ' ') {
			s++;
		}
		size_t nlen;
		bool fixed = *f != '\0' && fpat_at(f, &nlen) >= 0 &&
			     fpats[fpat_at(f, &nlen)].width > 0;
		int64_t v;
		int nd;
		enum fpat pat = fpats[k].pat;
		int64_t *slot = NULL;
		switch (pat) {
		case FP_MONTH:
		case FP_MON:
		case FP_DAY:
		case FP_DY: {
			bool month = pat == FP_MONTH || pat == FP_MON;
			bool abbrev = pat == FP_MON || pat == FP_DY;
			int i = month ? fp_name(&s, month_names, 12, abbrev)
				      : fp_name(&s, day_names, 7, abbrev);
			if (i < 0) {
				size_t bad = strcspn(s, " ");
				fail(ctx,
				     "22007: invalid value \"%.*s\" for "
				     "\"%s\"\nDETAIL: The given value did not "
				     "match any of the allowed values for this "
				     "field.",
				     (int)(bad > 20 ? 20 : bad), s, pname);
				return;
			}
			if (month) {
				d.mon = i + 1;
			}
			continue;
		}
		case FP_AM:
		case FP_AMDOT: {
			const char *am = pat == FP_AM ? "am" : "a.m.";
			const char *pmw = pat == FP_AM ? "pm" : "p.m.";
			size_t l = strlen(am);
			if (strncasecmp(s, am, l) == 0) {
				d.pm = 0;
			} else if (strncasecmp(s, pmw, l) == 0) {
				d.pm = 1;
			} else {
				size_t bad = strcspn(s, " ");
				fail(ctx,
				     "22007: invalid value \"%.*s\" for "
				     "\"%s\"\nDETAIL: The given value did not "
				     "match any of the allowed values for this "
				     "field.",
				     (int)(bad > 20 ? 20 : bad), s, pname);
				return;
			}
			s += l;
			continue;
		}
		case FP_HH12:
			d.h12 = true;
			slot = &d.hour;
			break;
		case FP_HH24:
			slot = &d.hour;
			break;
		case FP_YYYY:
		case FP_YY:
			slot = &d.year;
			break;
		case FP_MM:
			slot = &d.mon;
			break;
		case FP_MI:
			slot = &d.min;
			break;
		case FP_SS:
			slot = &d.sec;
			break;
		case FP_DDD:
			slot = &d.yday;
			break;
		case FP_DD:
			slot = &d.mday;
			break;
		default:
			break;
		}
		if (!fp_int(ctx, &s, fpats[k].width, fixed, pname, &v, &nd)) {
			return;
		}
		if (pat == FP_YY && nd <= 2) {
			v += v < 70 ? 2000 : 1900;
		} else if (pat == FP_MS || pat == FP_US) {
			int scale = pat == FP_MS ? 3 : 6;
			for (int i = nd; i < scale; i++) {
				v *= 10;
			}
			d.usec = pat == FP_MS ? v * 1000 : v;
			continue;
		}
		if (slot != NULL) {
			*slot = v;
		}
	}
	if (d.h12 && d.hour >= 0 && (d.hour < 1 || d.hour > 12)) {
		fail(ctx,
		     "22007: hour \"%lld\" is invalid for the 12-hour "
		     "clock\nHINT: Use the 24-hour clock, or give an hour "
		     "between 1 and 12.",
		     (long long)d.hour);
		return;
	}
	if (d.pm >= 0 && d.hour >= 0 && d.hour <= 12) {
		d.hour = d.hour % 12 + (d.pm ? 12 : 0);
	}
	if (d.year < 0) {
		fail(ctx, "0A000: BC dates are not supported");
		return;
	}
	struct tmx t = { d.year,
			 d.mon < 0 ? 1 : (int)d.mon,
			 d.mday < 0 ? 1 : (int)d.mday,
			 d.hour < 0 ? 0 : (int)d.hour,
			 d.min < 0 ? 0 : (int)d.min,
			 d.sec < 0 ? 0 : (int)d.sec,
			 d.usec < 0 ? 0 : (int)d.usec };
	bool range = d.year == 0 || d.year > 294276 || d.mon > 12 ||
		     t.mon < 1 || (d.mday >= 0 && d.mday < 1) || d.hour > 24 ||
		     d.min > 59 || d.sec > 60 || d.usec > 999999 ||
		     (d.hour == 24 && (d.min > 0 || d.sec > 0 || d.usec > 0));
	if (!range && d.yday >= 0 && d.mon < 0 && d.mday < 0) {
		int64_t yd = d.yday;
		range = yd < 1 || yd > (is_leap(t.year) ? 366 : 365);
		t.mday = 1;
		if (!range) {
			int64_t usec = from_tm(&t) + (yd - 1) * USEC_PER_DAY;
			result_ts(ctx, stamp ? usec : usec,
				  stamp ? TS_TZ : TS_DATE);
			return;
		}
	}
	if (!range && t.mday > days_in_month(t.year, t.mon)) {
		range = true;
	}
	if (range) {
		fail(ctx, "22008: date/time field value out of range: \"%s\"",
		     in);
		return;
	}
	if (!stamp) {
		t.hour = t.min = t.sec = t.usec = 0;
	}
	result_ts(ctx, from_tm(&t), stamp ? TS_TZ : TS_DATE);
}

/* ---------------------------------------------------------------------
 * Checked casts
 *
 * pg_cast(x, oid, from_float): x::type where SQLite's CAST would accept
 * garbage ('12a' AS INTEGER is 12).  Text goes through the type's input
 * function (sql_param_decode: 22P02, 22003 as PostgreSQL raises them);
 * numbers are range-checked for the integer types and rounded as
 * PostgreSQL does: half to even from float4/float8 (rint), half away from
 * zero from numeric and unknown storage (@from_float 0).
 * ------------------------------------------------------------------- */

static void result_value(sqlite3_context *ctx, const struct sql_value *v)
{
	switch (v->type) {
	case SQL_VALUE_INTEGER:
		sqlite3_result_int64(ctx, v->integer);
		break;
	case SQL_VALUE_FLOAT:
		sqlite3_result_double(ctx, v->real);
		break;
	case SQL_VALUE_TEXT:
		sqlite3_result_text(ctx, v->len > 0 ? v->p : "", (int)v->len,
				    SQLITE_TRANSIENT);
		break;
	case SQL_VALUE_BLOB:
		sqlite3_result_blob(ctx, v->len > 0 ? v->p : "", (int)v->len,
				    SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_result_null(ctx);
		break;
	}
}

/* The range and out-of-range message of an integer type; false if @oid
 * is not one. */
static bool int_range(uint32_t oid, double *min, double *max,
		      const char **name)
{
	switch (oid) {
	case SQL_OID_INT2:
		*min = -32768.0, *max = 32767.0, *name = "smallint";
		return true;
	case SQL_OID_INT4:
		*min = -2147483648.0, *max = 2147483647.0, *name = "integer";
		return true;
	case SQL_OID_INT8:
		/* max + 1 is exact in a double; the test below is < max + 1. */
		*min = -9223372036854775808.0, *max = 9223372036854775807.0,
		*name = "bigint";
		return true;
	case SQL_OID_OID:
		*min = 0.0, *max = 4294967295.0, *name = "OID";
		return true;
	default:
		return false;
	}
}

static void cast_number(sqlite3_context *ctx, sqlite3_value *x, uint32_t oid,
			bool from_float)
{
	double min, max;
	const char *name;
	if (!int_range(oid, &min, &max, &name)) {
		if (oid == SQL_OID_FLOAT4 || oid == SQL_OID_FLOAT8) {
			sqlite3_result_double(ctx, sqlite3_value_double(x));
		} else if (oid == SQL_OID_BOOL) {
			sqlite3_result_int(ctx, sqlite3_value_double(x) != 0);
		} else {
			sqlite3_result_value(ctx, x);
		}
		return;
	}
	if (sqlite3_value_type(x) == SQLITE_INTEGER) {
		int64_t v = sqlite3_value_int64(x);
		if (oid != SQL_OID_INT8 && (v < (int64_t)min || v > (int64_t)max)) {
			fail(ctx, "22003: %s out of range", name);
			return;
		}
		sqlite3_result_int64(ctx, v);
		return;
	}
	double d = sqlite3_value_double(x);
	d = from_float ? rint(d) : round(d);
	if (!(d >= min && d < max + 1.0)) {
		fail(ctx, "22003: %s out of range", name);
		return;
	}
	sqlite3_result_int64(ctx, (int64_t)d);
}

static void fn_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	sqlite3_value *x = argv[0];
	uint32_t oid = (uint32_t)sqlite3_value_int64(argv[1]);
	bool from_float = sqlite3_value_int(argv[2]) != 0;
	switch (sqlite3_value_type(x)) {
	case SQLITE_NULL:
		sqlite3_result_null(ctx);
		return;
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		cast_number(ctx, x, oid, from_float);
		return;
	case SQLITE_BLOB:
		if (oid == SQL_OID_BYTEA) {
			sqlite3_result_value(ctx, x);
			return;
		}
		break;
	default:
		break;
	}
	int len;
	const char *s = text_of(x, &len);
	struct tr_arena a;
	tr_arena_init(&a, 256);
	struct sql_value v;
	struct sql_error err = { 0 };
	int rv = sql_param_decode(oid, 0, (const uint8_t *)s, len, &a, &v,
				  &err);
	if (rv == TR_OK) {
		result_value(ctx, &v);
	} else if (rv == TR_ESQL) {
		fail(ctx, "%s: %s", err.sqlstate, err.message);
	} else {
		sqlite3_result_error_nomem(ctx);
	}
	tr_arena_close(&a);
}

/* ---------------------------------------------------------------------
 * generate_series: eponymous table-valued functions
 *
 * pg_generate_series(start, stop[, step]) with a column "value".  Five
 * modules differ only in the declared type of "value" (int4, int8,
 * numeric, pg_timestamp, timestamptz) so that the catalog mirror can
 * describe the column before any row exists; the translator picks one
 * from the arguments' static types.  Integers, reals, and timestamps
 * with an interval step (added repeatedly, as PostgreSQL does, so month
 * ends drift the same way).  A NULL argument gives no rows.
 * ------------------------------------------------------------------- */

enum gs_mode { GS_INT, GS_REAL, GS_TS };

struct gs_cursor {
	sqlite3_vtab_cursor base;
	enum gs_mode mode;
	bool eof;
	sqlite3_int64 rowid;
	sqlite3_int64 i, istop, istep;
	double r0, rstop, rstep, r;
	int64_t ts, tsstop;
	enum ts_kind kind;
	struct iv step;
	int dir; /* +1 ascending, -1 descending */
};

#define GS_VALUE 0
#define GS_START 1
#define GS_STOP  2
#define GS_STEP  3

static int gs_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **err)
{
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	TR_UNUSED(err);
	char *ddl = sqlite3_mprintf("CREATE TABLE x(value %s, start HIDDEN, "
				    "stop HIDDEN, step HIDDEN)",
				    (const char *)aux);
	if (ddl == NULL) {
		return SQLITE_NOMEM;
	}
	int rc = sqlite3_declare_vtab(db, ddl);
	sqlite3_free(ddl);
	if (rc != SQLITE_OK) {
		return rc;
	}
	sqlite3_vtab *v = sqlite3_malloc(sizeof *v);
	if (v == NULL) {
		return SQLITE_NOMEM;
	}
	memset(v, 0, sizeof *v);
	sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
	*out = v;
	return SQLITE_OK;
}

static int gs_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int gs_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	TR_UNUSED(v);
	struct gs_cursor *c = sqlite3_malloc(sizeof *c);
	if (c == NULL) {
		return SQLITE_NOMEM;
	}
	memset(c, 0, sizeof *c);
	*out = &c->base;
	return SQLITE_OK;
}

static int gs_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int gs_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct gs_cursor *)cur)->eof;
}

static int gs_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct gs_cursor *)cur)->rowid;
	return SQLITE_OK;
}

static void gs_check(struct gs_cursor *c)
{
	switch (c->mode) {
	case GS_INT:
		break;
	case GS_REAL:
		c->eof = c->dir > 0 ? c->r > c->rstop : c->r < c->rstop;
		break;
	case GS_TS:
		c->eof = c->dir > 0 ? c->ts > c->tsstop : c->ts < c->tsstop;
		break;
	}
}

static int gs_next(sqlite3_vtab_cursor *cur)
{
	struct gs_cursor *c = (struct gs_cursor *)cur;
	c->rowid++;
	switch (c->mode) {
	case GS_INT: {
		sqlite3_int64 n;
		if (__builtin_add_overflow(c->i, c->istep, &n) ||
		    (c->istep > 0 ? n > c->istop : n < c->istop)) {
			c->eof = true;
		} else {
			c->i = n;
		}
		break;
	}
	case GS_REAL:
		c->r = c->r0 + (double)(c->rowid - 1) * c->rstep;
		gs_check(c);
		break;
	case GS_TS:
		c->ts = ts_add(c->ts, &c->step);
		gs_check(c);
		break;
	}
	return SQLITE_OK;
}

static int gs_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct gs_cursor *c = (struct gs_cursor *)cur;
	if (col != GS_VALUE) {
		return SQLITE_OK;
	}
	switch (c->mode) {
	case GS_INT:
		sqlite3_result_int64(ctx, c->i);
		break;
	case GS_REAL:
		sqlite3_result_double(ctx, c->r);
		break;
	case GS_TS:
		result_ts(ctx, c->ts, c->kind);
		break;
	}
	return SQLITE_OK;
}

static int gs_error(sqlite3_vtab_cursor *cur, const char *msg)
{
	sqlite3_vtab *v = cur->pVtab;
	sqlite3_free(v->zErrMsg);
	v->zErrMsg = sqlite3_mprintf("%s", msg);
	return SQLITE_ERROR;
}

static int gs_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str,
		     int argc, sqlite3_value **argv)
{
	TR_UNUSED(idx_str);
	struct gs_cursor *c = (struct gs_cursor *)cur;
	sqlite3_value *start = NULL, *stop = NULL, *step = NULL;
	int k = 0;
	if (idx_num & 1) {
		start = argv[k++];
	}
	if (idx_num & 2) {
		stop = argv[k++];
	}
	if (idx_num & 4) {
		step = argv[k++];
	}
	TR_UNUSED(argc);
	c->rowid = 1;
	c->eof = false;
	if (start == NULL || stop == NULL) {
		return gs_error(cur, "42883: function generate_series needs a "
				     "start and a stop");
	}
	if (sqlite3_value_type(start) == SQLITE_NULL ||
	    sqlite3_value_type(stop) == SQLITE_NULL ||
	    (step != NULL && sqlite3_value_type(step) == SQLITE_NULL)) {
		c->eof = true;
		return SQLITE_OK;
	}
	int ts_ = sqlite3_value_type(start);
	if (ts_ == SQLITE_TEXT || ts_ == SQLITE_BLOB) {
		/* Numbers written as text are numbers. */
		if (sqlite3_value_numeric_type(start) != SQLITE_TEXT) {
			ts_ = sqlite3_value_numeric_type(start);
		}
	}
	if (ts_ == SQLITE_TEXT) {
		struct ts a, z;
		bool range;
		const char *sa = (const char *)sqlite3_value_text(start);
		const char *sz = (const char *)sqlite3_value_text(stop);
		if (sa == NULL || sz == NULL || !parse_ts(sa, &a, &range) ||
		    !parse_ts(sz, &z, &range)) {
			return gs_error(cur, "22007: invalid input syntax for "
					     "type timestamp");
		}
		const char *ss = step != NULL
					 ? (const char *)sqlite3_value_text(
						   step)
					 : NULL;
		if (ss == NULL || !parse_interval(ss, &c->step)) {
			return gs_error(cur, "42883: function generate_series "
					     "needs an interval step for "
					     "timestamps");
		}
		double total = (double)c->step.months * 30 * 86400e6 +
			       (double)c->step.days * 86400e6 +
			       (double)c->step.usec;
		if (total == 0) {
			return gs_error(cur, "22023: step size cannot equal "
					     "zero");
		}
		c->mode = GS_TS;
		c->dir = total > 0 ? 1 : -1;
		c->ts = a.usec;
		c->tsstop = z.usec;
		c->kind = a.kind == TS_DATE ? TS_TZ : a.kind;
		gs_check(c);
		return SQLITE_OK;
	}
	bool real = sqlite3_value_numeric_type(start) == SQLITE_FLOAT ||
		    sqlite3_value_numeric_type(stop) == SQLITE_FLOAT ||
		    (step != NULL &&
		     sqlite3_value_numeric_type(step) == SQLITE_FLOAT);
	if (real) {
		c->mode = GS_REAL;
		c->r0 = c->r = sqlite3_value_double(start);
		c->rstop = sqlite3_value_double(stop);
		c->rstep = step != NULL ? sqlite3_value_double(step) : 1;
		if (c->rstep == 0) {
			return gs_error(cur, "22023: step size cannot equal "
					     "zero");
		}
		if (isnan(c->r0) || isnan(c->rstop) || isnan(c->rstep)) {
			return gs_error(cur, "22023: start value cannot be "
					     "NaN");
		}
		c->dir = c->rstep > 0 ? 1 : -1;
		gs_check(c);
		return SQLITE_OK;
	}
	c->mode = GS_INT;
	c->i = sqlite3_value_int64(start);
	c->istop = sqlite3_value_int64(stop);
	c->istep = step != NULL ? sqlite3_value_int64(step) : 1;
	if (c->istep == 0) {
		return gs_error(cur, "22023: step size cannot equal zero");
	}
	c->eof = c->istep > 0 ? c->i > c->istop : c->i < c->istop;
	return SQLITE_OK;
}

static int gs_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	TR_UNUSED(v);
	int at[4] = { -1, -1, -1, -1 };
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *k =
			&info->aConstraint[i];
		if (k->iColumn < GS_START) {
			continue;
		}
		if (!k->usable) {
			return SQLITE_CONSTRAINT;
		}
		if (k->op == SQLITE_INDEX_CONSTRAINT_EQ) {
			at[k->iColumn] = i;
		}
	}
	int idx = 0, n = 0;
	for (int col = GS_START; col <= GS_STEP; col++) {
		if (at[col] >= 0) {
			info->aConstraintUsage[at[col]].argvIndex = ++n;
			info->aConstraintUsage[at[col]].omit = 1;
			idx |= 1 << (col - 1);
		}
	}
	info->idxNum = idx;
	info->estimatedCost = (idx & 3) == 3 ? 1000.0 : 1e12;
	info->estimatedRows = 1000;
	return SQLITE_OK;
}

static const sqlite3_module gs_module = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous only */
	.xConnect = gs_connect,
	.xBestIndex = gs_best_index,
	.xDisconnect = gs_disconnect,
	.xDestroy = NULL,
	.xOpen = gs_open,
	.xClose = gs_close,
	.xFilter = gs_filter,
	.xNext = gs_next,
	.xEof = gs_eof,
	.xColumn = gs_column,
	.xRowid = gs_rowid,
};

/* ---------------------------------------------------------------------
 * Ordered aggregates: string_agg and array_agg with ORDER BY, DISTINCT
 *
 * pg_string_agg(mode, value, sep, sort keys...) and pg_array_agg(mode,
 * value, NULL, sort keys...).  mode: 'd' (string_agg DISTINCT), '-'
 * (string_agg), 'J' (array_agg DISTINCT) or 'j' (array_agg), then one
 * letter per sort key as json.c's aggregates take them:
 * 'a' ASC NULLS LAST, 'A' ASC NULLS FIRST, 'd' DESC NULLS FIRST, 'D'
 * DESC NULLS LAST.  SQLite 3.40 has no ORDER BY inside an aggregate, so
 * the rows are kept and sorted (stably) when the result is made.  With
 * DISTINCT the translator adds the value as the last key; as every
 * ORDER BY key is an argument (PostgreSQL requires it), equal values end
 * up next to each other and all but the first are dropped.
 * ------------------------------------------------------------------- */

struct oagg {
	struct sql__agg_rows r; /* value, separator, sort keys */
	char mode[40];
	bool failed;
};

static struct oagg *oagg_state(sqlite3_context *ctx, bool create)
{
	return sql__agg_state(ctx, sizeof(struct oagg), create);
}

static void oagg_free(struct oagg *g)
{
	if (g != NULL) {
		sql__agg_rows_free(&g->r);
		sqlite3_free(g);
	}
}

static void oagg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct oagg *g = oagg_state(ctx, true);
	if (g == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	const char *mode = (const char *)sqlite3_value_text(argv[0]);
	bool array = mode != NULL && (mode[0] == 'j' || mode[0] == 'J');
	if (g->failed ||
	    (!array && sqlite3_value_type(argv[1]) == SQLITE_NULL)) {
		return; /* string_agg skips NULL values, array_agg keeps them */
	}
	if (g->r.cap == 0) {
		const char *m = (const char *)sqlite3_value_text(argv[0]);
		size_t ml = (size_t)sqlite3_value_bytes(argv[0]);
		if (m == NULL || ml >= sizeof g->mode || (int)ml != argc - 2) {
			g->failed = true;
			sqlite3_result_error(ctx, "XX000: bad aggregate mode",
					     -1);
			return;
		}
		memcpy(g->mode, m, ml + 1);
	}
	switch (sql__agg_rows_add(&g->r, argc - 1, argv + 1, MAX_RESULT)) {
	case SQL__AGG_OK:
		return;
	case SQL__AGG_NOMEM:
		sqlite3_result_error_nomem(ctx);
		break;
	case SQL__AGG_TOOBIG:
		sqlite3_result_error_toobig(ctx);
		break;
	case SQL__AGG_BAD:
		sqlite3_result_error(ctx, "XX000: bad aggregate arguments", -1);
		break;
	}
	g->failed = true;
}

/* Sort keys start after the value and the separator. */
#define OAGG_KEYS 2

/* array_agg's result: the values (sorted, duplicates dropped if
 * @distinct) as a JSON array, each converted as json_group_array does
 * (JSON values as they are). */
static void oagg_array(sqlite3_context *ctx, const struct oagg *g,
		       bool distinct)
{
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	tr_buf_put_u8(&b, '[');
	const struct sql__agg_row *prev = NULL;
	for (size_t i = 0; i < g->r.n; i++) {
		const struct sql__agg_row *r = &g->r.rows[i];
		sqlite3_value *v = r->v[0];
		if (distinct && prev != NULL &&
		    sql__value_cmp(prev->v[0], v) == 0) {
			continue;
		}
		if (prev != NULL) {
			tr_buf_put_u8(&b, ',');
		}
		prev = r;
		int n = sqlite3_value_bytes(v);
		switch (sqlite3_value_type(v)) {
		case SQLITE_NULL:
			tr_buf_put_str(&b, "null");
			break;
		case SQLITE_INTEGER:
			tr_buf_printf(&b, "%lld",
				      (long long)sqlite3_value_int64(v));
			break;
		case SQLITE_FLOAT: {
			char num[64];
			sqlite3_snprintf(sizeof num, num, "%!0.15g",
					 sqlite3_value_double(v));
			tr_buf_put_str(&b, num);
			break;
		}
		case SQLITE_TEXT: {
			const char *t = (const char *)sqlite3_value_text(v);
			if (sqlite3_value_subtype(v) == 'J') {
				tr_buf_put(&b, t != NULL ? t : "", (size_t)n);
			} else {
				put_json_text(&b, t != NULL ? t : "",
					      (size_t)n);
			}
			break;
		}
		default:
			tr_buf_close(&b);
			sqlite3_result_error(
				ctx, "JSON cannot hold BLOB values", -1);
			return;
		}
	}
	tr_buf_put_u8(&b, ']');
	result_buf(ctx, &b);
}

static void oagg_final(sqlite3_context *ctx)
{
	struct oagg *g = oagg_state(ctx, false);
	if (g == NULL || g->r.n == 0 || g->failed) {
		oagg_free(g); /* no rows: NULL (or the step's error) */
		return;
	}
	sql__agg_rows_sort(&g->r, OAGG_KEYS, g->mode + 1);
	bool distinct = g->mode[0] == 'd' || g->mode[0] == 'J';
	if (g->mode[0] == 'j' || g->mode[0] == 'J') {
		oagg_array(ctx, g, distinct);
		oagg_free(g);
		return;
	}
	bool blob = false;
	for (size_t i = 0; i < g->r.n && !blob; i++) {
		blob = sqlite3_value_type(g->r.rows[i].v[0]) == SQLITE_BLOB;
	}
	struct tr_buf b;
	tr_buf_init(&b, MAX_RESULT);
	const struct sql__agg_row *prev = NULL;
	for (size_t i = 0; i < g->r.n; i++) {
		const struct sql__agg_row *r = &g->r.rows[i];
		if (distinct && prev != NULL &&
		    sql__value_cmp(prev->v[0], r->v[0]) == 0) {
			continue;
		}
		if (prev != NULL &&
		    sqlite3_value_type(r->v[1]) != SQLITE_NULL) {
			const void *sep = blob ? sqlite3_value_blob(r->v[1])
					       : sqlite3_value_text(r->v[1]);
			tr_buf_put(&b, sep != NULL ? sep : "",
				   (size_t)sqlite3_value_bytes(r->v[1]));
		}
		const void *v = blob ? sqlite3_value_blob(r->v[0])
				     : sqlite3_value_text(r->v[0]);
		tr_buf_put(&b, v != NULL ? v : "",
			   (size_t)sqlite3_value_bytes(r->v[0]));
		prev = r;
	}
	oagg_free(g);
	if (blob && tr_buf_err(&b) == TR_OK) {
		sqlite3_result_blob64(ctx, b.len > 0 ? b.data : (uint8_t *)"",
				      b.len, SQLITE_TRANSIENT);
		tr_buf_close(&b);
		return;
	}
	result_buf(ctx, &b);
}

/* ---------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------- */

typedef void (*sql_fn)(sqlite3_context *, int, sqlite3_value **);

static const struct fdef {
	const char *name;
	int n_args; /* -1: any */
	bool deterministic;
	sql_fn fn;
	intptr_t app;
} fdefs[] = {
	{ "pg_regexp_match", 2, true, fn_regexp_match, 0 },
	{ "pg_regexp_match", 3, true, fn_regexp_match, 0 },
	{ "pg_similar_escape", 1, true, fn_similar_escape, 0 },
	{ "pg_similar_escape", 2, true, fn_similar_escape, 0 },
	{ "pg_regexp_replace", 3, true, fn_regexp_replace, 0 },
	{ "pg_regexp_replace", 4, true, fn_regexp_replace, 0 },
	{ "pg_regexp_replace", 5, true, fn_regexp_replace, 0 },
	{ "pg_regexp_replace", 6, true, fn_regexp_replace, 0 },
	{ "pg_regexp_match_array", 2, true, fn_regexp_first, 0 },
	{ "pg_regexp_match_array", 3, true, fn_regexp_first, 0 },
	{ "pg_substring_re", 2, true, fn_regexp_first, 1 },
	{ "pg_regexp_split", 2, true, fn_regexp_split, 0 },
	{ "pg_regexp_split", 3, true, fn_regexp_split, 0 },
	{ "pg_regexp_like", 2, true, fn_regexp_like, 0 },
	{ "pg_regexp_like", 3, true, fn_regexp_like, 0 },
	{ "pg_regexp_count", 2, true, fn_regexp_count, 0 },
	{ "pg_regexp_count", 3, true, fn_regexp_count, 0 },
	{ "pg_regexp_count", 4, true, fn_regexp_count, 0 },
	{ "pg_quote_ident", 1, true, fn_quote, 0 },
	{ "pg_quote_literal", 1, true, fn_quote, 1 },
	{ "pg_quote_nullable", 1, true, fn_quote, 2 },
	{ "pg_starts_with", 2, true, fn_starts_with, 0 },
	{ "pg_encode", 2, true, fn_encode, 0 },
	{ "pg_decode", 2, true, fn_decode, 0 },
	{ "pg_to_hex", 2, true, fn_to_hex, 0 },
	{ "pg_substr", 2, true, fn_substr, 0 },
	{ "pg_substr", 3, true, fn_substr, 0 },
	{ "pg_sqrt", 1, true, fn_math, 's' },
	{ "pg_exp", 1, true, fn_math, 'e' },
	{ "pg_pow", 2, true, fn_math, 'p' },
	{ "pg_asin", 1, true, fn_math, 'a' },
	{ "pg_acos", 1, true, fn_math, 'c' },
	{ "pg_sin", 1, true, fn_math, 'S' },
	{ "pg_cos", 1, true, fn_math, 'C' },
	{ "pg_tan", 1, true, fn_math, 'T' },
	{ "pg_cot", 1, true, fn_math, 'o' },
	{ "pg_sinh", 1, true, fn_math, 'h' },
	{ "pg_cosh", 1, true, fn_math, 'k' },
	{ "pg_tanh", 1, true, fn_math, 'n' },
	{ "pg_asinh", 1, true, fn_math, 'H' },
	{ "pg_acosh", 1, true, fn_math, 'K' },
	{ "pg_atanh", 1, true, fn_math, 'N' },
	{ "pg_xor", 2, true, fn_xor, 0 },
	{ "pg_concat", -1, true, fn_concat, 0 },
	{ "pg_out", 3, true, fn_out, 0 },
	{ "pg_concat_ws", -1, true, fn_concat_ws, 0 },
	{ "pg_lpad", 2, true, fn_pad, 0 },
	{ "pg_lpad", 3, true, fn_pad, 0 },
	{ "pg_rpad", 2, true, fn_pad, 1 },
	{ "pg_rpad", 3, true, fn_pad, 1 },
	{ "pg_repeat", 2, true, fn_repeat, 0 },
	{ "pg_lower", 1, true, fn_case, 0 },
	{ "pg_upper", 1, true, fn_case, 1 },
	{ "pg_lower_c", 1, true, fn_case, CASE_ASCII | 0 },
	{ "pg_upper_c", 1, true, fn_case, CASE_ASCII | 1 },
	{ "pg_initcap_c", 1, true, fn_case, CASE_ASCII | 2 },
	{ "pg_initcap", 1, true, fn_case, 2 },
	{ "pg_split_part", 3, true, fn_split_part, 0 },
	{ "pg_left", 2, true, fn_left_right, 0 },
	{ "pg_right", 2, true, fn_left_right, 1 },
	{ "pg_md5", 1, true, fn_md5, 0 },
	{ "pg_sha224", 1, true, fn_sha, 224 },
	{ "pg_sha256", 1, true, fn_sha, 256 },
	{ "pg_sha384", 1, true, fn_sha, 384 },
	{ "pg_sha512", 1, true, fn_sha, 512 },
	{ "pg_translate", 3, true, fn_translate, 0 },
	{ "pg_reverse", 1, true, fn_reverse, 0 },
	{ "pg_chr", 1, true, fn_chr, 0 },
	{ "pg_ascii", 1, true, fn_ascii, 0 },
	{ "pg_format", -1, true, fn_format, 0 },
	{ "pg_div", 2, true, fn_div, 0 },
	{ "pg_mod", 2, true, fn_mod, 0 },
	{ "pg_round", 1, true, fn_round, 0 },
	{ "pg_round", 2, true, fn_round, 0 },
	{ "pg_trunc", 1, true, fn_round, 1 },
	{ "pg_trunc", 2, true, fn_round, 1 },
	{ "pg_width_bucket", 4, true, fn_width_bucket, 0 },
	{ "pg_num_add", 2, true, fn_num_op, '+' },
	{ "pg_num_sub", 2, true, fn_num_op, '-' },
	{ "pg_num_mul", 2, true, fn_num_op, '*' },
	{ "pg_float_add", 2, true, fn_float_op, '+' },
	{ "pg_float_sub", 2, true, fn_float_op, '-' },
	{ "pg_float_mul", 2, true, fn_float_op, '*' },
	{ "pg_float_div", 2, true, fn_float_op, '/' },
	{ "pg_rint", 1, true, fn_rint, 0 },
	{ "pg_gcd", 2, true, fn_gcd, 0 },
	{ "pg_lcm", 2, true, fn_gcd, 1 },
	{ "pg_factorial", 1, true, fn_factorial, 0 },
	{ "pg_cbrt", 1, true, fn_cbrt, 0 },
	{ "pg_log", 1, true, fn_log, 0 },
	{ "pg_log", 2, true, fn_log, 0 },
	{ "pg_ln", 1, true, fn_log, 1 },
	{ "pg_date_trunc", 2, true, fn_date_trunc, 0 },
	{ "pg_extract", 2, true, fn_extract, 0 },
	{ "pg_date_part", 2, true, fn_extract, 1 },
	{ "pg_dt_add", 2, true, fn_dt_arith, 0 },
	{ "pg_dt_sub", 2, true, fn_dt_arith, 1 },
	{ "pg_dt_add_any", 2, true, fn_dt_arith, 2 },
	{ "pg_dt_sub_any", 2, true, fn_dt_arith, 3 },
	{ "pg_interval", 1, true, fn_interval, 0 },
	{ "pg_iv_mul", 2, true, fn_iv_scale, 0 },
	{ "pg_iv_div", 2, true, fn_iv_scale, 1 },
	{ "pg_iv_cmp", 2, true, fn_iv_cmp, 0 },
	{ "pg_cast_time", 1, true, fn_cast_time, 0 },
	{ "pg_time_add", 2, true, fn_time_arith, 0 },
	{ "pg_time_sub", 2, true, fn_time_arith, 1 },
	{ "pg_time_diff", 2, true, fn_time_arith, 2 },
	{ "pg_justify_hours", 1, true, fn_justify, 1 },
	{ "pg_justify_days", 1, true, fn_justify, 2 },
	{ "pg_justify_interval", 1, true, fn_justify, 3 },
	{ "pg_cast_date", 1, true, fn_cast_ts, TS_DATE },
	{ "pg_cast_timestamp", 1, true, fn_cast_ts, TS_PLAIN },
	{ "pg_cast_timestamptz", 1, true, fn_cast_ts, TS_TZ },
	{ "pg_age", 2, true, fn_age, 0 },
	/* age(t) reads the clock. */
	{ "pg_age", 1, false, fn_age, 0 },
	{ "pg_to_char", 2, true, fn_to_char, 0 },
	{ "pg_to_char", 3, true, fn_to_char, 0 },
	{ "pg_timezone", 3, true, fn_timezone, 0 },
	{ "pg_make_date", 3, true, fn_make_date, 0 },
	{ "pg_make_time", 3, true, fn_make_time, 0 },
	{ "pg_make_timestamp", 6, true, fn_make_timestamp, 0 },
	{ "pg_make_timestamptz", 6, true, fn_make_timestamp, 1 },
	{ "pg_make_timestamptz", 7, true, fn_make_timestamp, 1 },
	{ "pg_make_interval", 7, true, fn_make_interval, 0 },
	{ "pg_to_timestamp", 1, true, fn_to_timestamp_epoch, 0 },
	{ "pg_to_date", 2, true, fn_to_datetime, 0 },
	{ "pg_to_timestamp", 2, true, fn_to_datetime, 1 },
	{ "pg_cast", 3, true, fn_cast, 0 },
};

static const char *const gs_types[][2] = {
	{ "pg_generate_series", "int4" },
	{ "pg_generate_series_int8", "int8" },
	{ "pg_generate_series_numeric", "numeric" },
	{ "pg_generate_series_ts", "pg_timestamp" },
	{ "pg_generate_series_tstz", "timestamptz" },
};

int sql_functions_register(sqlite3 *db)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(fdefs); i++) {
		const struct fdef *d = &fdefs[i];
		int flags = SQLITE_UTF8 | SQLITE_INNOCUOUS;
		if (d->deterministic) {
			flags |= SQLITE_DETERMINISTIC;
		}
		int rc = sqlite3_create_function_v2(db, d->name, d->n_args,
						    flags, (void *)d->app,
						    d->fn, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			return rc;
		}
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(gs_types); i++) {
		int rc = sqlite3_create_module_v2(db, gs_types[i][0],
						  &gs_module,
						  (void *)gs_types[i][1], NULL);
		if (rc != SQLITE_OK) {
			return rc;
		}
	}
	int rc = sql__returning_register(db);
	if (rc == SQLITE_OK) {
		rc = sql__rebuild_register(db); /* rebuild.c */
	}
	if (rc == SQLITE_OK) {
		rc = sql__numeric_register(db); /* numeric.c */
	}
	if (rc != SQLITE_OK) {
		return rc;
	}
	for (intptr_t avg = 0; avg <= 1 && rc == SQLITE_OK; avg++) {
		rc = sqlite3_create_function_v2(
			db, avg ? "pg_iv_avg" : "pg_iv_sum", 1,
			SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC,
			(void *)avg, NULL, iv_acc_step, iv_acc_final, NULL);
	}
	if (rc != SQLITE_OK) {
		return rc;
	}
	for (int array = 0; array <= 1 && rc == SQLITE_OK; array++) {
		rc = sqlite3_create_function_v2(
			db, array ? "pg_array_agg" : "pg_string_agg", -1,
			SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC,
			NULL, NULL, oagg_step, oagg_final, NULL);
	}
	if (rc != SQLITE_OK) {
		return rc;
	}
	rc = sql__sequence_register(db);
	if (rc != SQLITE_OK) {
		return rc;
	}
	rc = sql__json_register(db);
	if (rc != SQLITE_OK) {
		return rc;
	}
	rc = sql__enum_register(db);
	if (rc != SQLITE_OK) {
		return rc;
	}
	rc = sql__subquery_register(db); /* subquery.c */
	if (rc != SQLITE_OK) {
		return rc;
	}
	rc = sql__clock_register(db); /* clock.c */
	if (rc != SQLITE_OK) {
		return rc;
	}
	rc = sql__ordset_register(db); /* ordset.c */
	if (rc != SQLITE_OK) {
		return rc;
	}
	rc = sql__advisory_register(db); /* advisory.c */
	if (rc != SQLITE_OK) {
		return rc;
	}
	return sql__array_register(db);
}

static int auto_entry(sqlite3 *db, char **err, const void *api)
{
	TR_UNUSED(api);
	int rc = sql_functions_register(db);
	if (rc != SQLITE_OK && err != NULL) {
		*err = sqlite3_mprintf("triode: cannot register functions: %s",
				       sqlite3_errstr(rc));
	}
	return rc;
}

static pthread_once_t auto_once = PTHREAD_ONCE_INIT;
static int auto_rc = SQLITE_OK;

static void auto_register(void)
{
	/* sqlite3_auto_extension takes void (*)(void); SQLite calls it
	 * with the (db, err, api) signature. */
	union {
		int (*entry)(sqlite3 *, char **, const void *);
		void (*plain)(void);
	} u = { .entry = auto_entry };
	auto_rc = sqlite3_auto_extension(u.plain);
}

void sql_functions_register_auto(void)
{
	pthread_once(&auto_once, auto_register);
	if (auto_rc != SQLITE_OK) {
		tr_warn("sql", "sqlite3_auto_extension: %s",
			sqlite3_errstr(auto_rc));
	}
}
