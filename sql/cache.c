/*
 * sql/cache.c: the translation cache in front of sql_parse.
 *
 * Parsing with libpg_query's protobuf API and walking the tree costs tens
 * of microseconds per statement; clients send the same few statements
 * over and over, often differing only in their constants (pgbench's
 * simple protocol: "... WHERE aid = 4711").  The cache maps a statement's
 * *shape* to a translation template:
 *
 *   key       the text with each constant that may vary replaced by a
 *             marker of its class (\001 + 'i' int4, 'l' int8, 's' plain
 *             string), plus the caller's context (search_path) and the
 *             schema version it was translated against;
 *   template  the translated statement, its SQLite text cut where the
 *             constants go; a hit copies the statement into the caller's
 *             arena and pastes the new constants' source text into the
 *             gaps.
 *
 * Which constants may vary is decided by a token scan (scan_key) that is
 * conservative: decimal integers without leading zeros from 2 up, and
 * '...' strings whose value is a plain word (letters, blanks, '_'; not a
 * boolean or special date/float spelling, see is_plain_word) after an
 * operator, a comma, a parenthesis or a blank.  Everything else (0 and 1,
 * decimals, other strings, E'' / B'' / X'' / U&'' strings, dollar quotes,
 * $n) stays verbatim in the key, so it must match exactly.
 *
 * Whether a constant's value changes the translation (a literal cast
 * decoded at translation time, a LIKE pattern turned into GLOB, a date
 * part name, an integer's int4/int8 type) is not guessed.  The first time
 * a shape is met it is only translated and its key remembered (one-off
 * statements never pay more).  The second time, the statement is
 * translated as written (that is the answer) and once more with every
 * varying constant replaced by a probe of the same class chosen to upset
 * any value-dependent rewrite (a string full of LIKE, GLOB, regex, JSON
 * and to_char metacharacters; integers near the top of their class).  The
 * template is kept only if
 *
 *   - the probe translation succeeded and agrees with the real one on
 *     everything but the SQLite text (kind, tag, flags, result columns,
 *     parameters);
 *   - every probe appears, verbatim as written, in the probe's SQLite
 *     text, and cutting the text there and pasting the original
 *     constants back gives exactly the real translation.
 *
 * Otherwise the key is remembered as refused: later statements of that
 * shape are translated normally (one translation, no probe).  A shape
 * without varying constants (extended-protocol statements with $n, BEGIN)
 * is its own template from the first sight.  Statements that are never
 * cached: batches of several statements, failed ones, DDL (the schema
 * changes under them), COPY, ALTER by rebuild, RETURNING, SET/SHOW/RESET
 * and cursor statements (their arguments live outside the SQL text).
 *
 * Bounded: at most @cap entries, least recently used evicted first;
 * statements longer than CACHE_MAX_TEXT bytes or with more than
 * CACHE_MAX_SLOTS varying constants bypass the cache.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

#define CACHE_MAX_TEXT  8192
#define CACHE_MAX_SLOTS 64
#define MARK            '\001'

/* A piece of the SQLite template: literal bytes, or slot @slot. */
struct seg {
	uint32_t off; /* in the template text (slot < 0) */
	uint32_t len;
	int slot; /* constant number in the statement, or -1 */
};

struct entry {
	struct entry *hnext;       /* hash chain */
	struct entry *prev, *next; /* LRU list, most recent first */
	uint64_t hash;
	char *key; /* owned, in @a */
	size_t key_len;
	/* SEEN: met once, only the key is kept (a one-off statement never
	 * pays for the probe); TEMPLATE: answered from the template;
	 * REFUSED: this shape is translated every time. */
	enum { ENTRY_SEEN, ENTRY_TEMPLATE, ENTRY_REFUSED } state;
	struct tr_arena a;
	/* The statement; text and sqlite are NULL, the rest in @a. */
	struct sql_stmt stmt;
	const char *tmpl;
	unsigned n_segs;
	struct seg *segs;
	size_t fixed_len; /* bytes of the literal segments */
	size_t prefix;    /* bytes before the statement's text */
	size_t suffix;    /* bytes after it (";", blanks, comments) */
};

struct sql_cache {
	unsigned cap;
	unsigned n;
	unsigned n_buckets; /* power of two */
	struct entry **buckets;
	struct entry *head, *tail; /* LRU */
	uint64_t version;          /* schema version of the entries */
	struct sql_cache_stats stats;
	struct tr_buf key; /* scratch */
	struct tr_buf probe;
	struct tr_arena scratch;
};

/* One varying constant of the statement being looked up. */
struct lit {
	size_t off; /* in the statement text */
	size_t len;
	char cls;
};

int sql_cache_new(unsigned cap, struct sql_cache **out)
{
	*out = NULL;
	struct sql_cache *c = tr_calloc(1, sizeof *c);
	if (c == NULL) {
		return TR_ENOMEM;
	}
	c->cap = cap > 0 ? cap : 1;
	c->n_buckets = 16;
	while (c->n_buckets < c->cap * 2 && c->n_buckets < (1u << 20)) {
		c->n_buckets *= 2;
	}
	c->buckets = tr_calloc(c->n_buckets, sizeof *c->buckets);
	if (c->buckets == NULL) {
		tr_free(c);
		return TR_ENOMEM;
	}
	tr_buf_init(&c->key, 0);
	tr_buf_init(&c->probe, 0);
	tr_arena_init(&c->scratch, 16384);
	*out = c;
	return TR_OK;
}

static void entry_free(struct entry *en)
{
	tr_arena_close(&en->a);
	tr_free(en);
}

static void unlink_lru(struct sql_cache *c, struct entry *en)
{
	if (en->prev != NULL) {
		en->prev->next = en->next;
	} else {
		c->head = en->next;
	}
	if (en->next != NULL) {
		en->next->prev = en->prev;
	} else {
		c->tail = en->prev;
	}
	en->prev = en->next = NULL;
}

static void push_lru(struct sql_cache *c, struct entry *en)
{
	en->prev = NULL;
	en->next = c->head;
	if (c->head != NULL) {
		c->head->prev = en;
	}
	c->head = en;
	if (c->tail == NULL) {
		c->tail = en;
	}
}

static void remove_entry(struct sql_cache *c, struct entry *en)
{
	struct entry **pp = &c->buckets[en->hash & (c->n_buckets - 1)];
	while (*pp != en) {
		pp = &(*pp)->hnext;
	}
	*pp = en->hnext;
	unlink_lru(c, en);
	c->n--;
	entry_free(en);
}

void sql_cache_clear(struct sql_cache *c)
{
	while (c->head != NULL) {
		remove_entry(c, c->head);
	}
}

void sql_cache_free(struct sql_cache *c)
{
	if (c == NULL) {
		return;
	}
	sql_cache_clear(c);
	tr_free(c->buckets);
	tr_buf_close(&c->key);
	tr_buf_close(&c->probe);
	tr_arena_close(&c->scratch);
	tr_free(c);
}

void sql_cache_stats(const struct sql_cache *c, struct sql_cache_stats *out)
{
	*out = c->stats;
	out->entries = c->n;
}

/* ---------------------------------------------------------------------
 * The key: a token scan that finds the constants which may vary
 * ------------------------------------------------------------------- */

static bool is_ident_start(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '_' || ch >= 0x80;
}

static bool is_ident_cont(unsigned char ch)
{
	return is_ident_start(ch) || (ch >= '0' && ch <= '9') || ch == '$';
}

static bool is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A string may vary only where nothing can glue a prefix to it (E'',
 * U&'', B'', X'', N'' and the like keep their strings verbatim). */
static bool string_may_vary(const char *t, size_t i)
{
	if (i == 0) {
		return true;
	}
	return strchr(" \t\n\r\f(,=<>|!~+-*/%[", t[i - 1]) != NULL;
}

/*
 * Strings may vary only when their value is a plain word: ASCII letters,
 * blanks and '_', and not (a prefix of) a word some input function or
 * the translator reads specially (booleans, special dates and floats,
 * JSON literals).  The translator picks a meaning for an untyped literal
 * by its look (JSON-looking text makes || a jsonb concatenation, numbers
 * and dates make - arithmetic...): such values keep their place in the
 * key, so that a template is only ever reused for values that look alike.
 */
static bool is_plain_word(const char *p, size_t len)
{
	static const char *const special[] = {
		"true",	    "false", "yes",	 "no",	      "on",
		"off",	    "null",  "nan",	 "infinity",  "inf",
		"now",	    "today", "tomorrow", "yesterday", "epoch",
		"allballs", "default",
	};
	size_t b = 0;
	while (b < len && p[b] == ' ') {
		b++;
	}
	size_t e = len;
	while (e > b && p[e - 1] == ' ') {
		e--;
	}
	if (e == b) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      ch == ' ' || ch == '_')) {
			return false;
		}
	}
	for (size_t k = 0; k < TR_ARRAY_LEN(special); k++) {
		/* The value (blanks trimmed) is a prefix of the word, in any
		 * case: 'T', 'tru', 'Of' are booleans, 'inf' a float. */
		const char *w = special[k];
		size_t n = e - b;
		if (n <= strlen(w) && strncasecmp(p + b, w, n) == 0) {
			return false;
		}
		/* '-infinity' has a '-': not a plain word anyway. */
	}
	return true;
}

/* Class of a plain decimal integer token: 'i' (2 .. 2^31-1), 'l' (up to
 * 2^63-1, but above 2^31 so that -2147483648 stays verbatim), or 0 for
 * verbatim (0, 1, leading zeros, bigger numbers). */
static char int_class(const char *p, size_t len)
{
	if (len == 0 || p[0] == '0' || len > 19) {
		return 0;
	}
	if (len == 1 && p[0] == '1') {
		return 0;
	}
	if (len < 10 || (len == 10 && memcmp(p, "2147483647", 10) <= 0)) {
		return 'i';
	}
	if (len == 10 && memcmp(p, "2147483648", 10) == 0) {
		return 0;
	}
	if (len < 19 || memcmp(p, "9223372036854775807", 19) <= 0) {
		return 'l';
	}
	return 0;
}

/* End of a '...' string starting at @i (the quote), with '' inside and,
 * for E'' strings (@esc), backslash escapes; 0 when unterminated. */
static size_t string_end(const char *t, size_t i, bool esc)
{
	for (size_t j = i + 1; t[j] != '\0'; j++) {
		if (esc && t[j] == '\\' && t[j + 1] != '\0') {
			j++;
		} else if (t[j] == '\'') {
			if (t[j + 1] == '\'') {
				j++;
				continue;
			}
			return j + 1;
		}
	}
	return 0;
}

/*
 * Scan @text into @key (the text with varying constants replaced by
 * markers) and @lits.  false: the statement bypasses the cache (too long,
 * too many constants, a marker byte in it, or text the scan does not
 * follow: an unterminated string, comment or dollar quote).
 */
static bool scan_key(const char *text, struct tr_buf *key, struct lit *lits,
		     unsigned *n_lits)
{
	*n_lits = 0;
	size_t i = 0;
	size_t from = 0; /* start of the pending verbatim run */
	while (text[i] != '\0') {
		unsigned char ch = (unsigned char)text[i];
		if (i >= CACHE_MAX_TEXT || ch == MARK) {
			return false;
		}
		if (ch == '-' && text[i + 1] == '-') {
			while (text[i] != '\0' && text[i] != '\n') {
				i++;
			}
			continue;
		}
		if (ch == '/' && text[i + 1] == '*') {
			int depth = 0;
			do {
				if (text[i] == '\0') {
					return false;
				}
				if (text[i] == '/' && text[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (text[i] == '*' && text[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			} while (depth > 0);
			continue;
		}
		if (ch == '"') {
			size_t j = i + 1;
			for (;; j++) {
				if (text[j] == '\0') {
					return false;
				}
				if (text[j] == '"') {
					if (text[j + 1] != '"') {
						break;
					}
					j++;
				}
			}
			i = j + 1;
			continue;
		}
		if (ch == '$') {
			size_t j = i + 1;
			if (is_digit((unsigned char)text[j])) {
				while (is_digit((unsigned char)text[j])) {
					j++;
				}
				i = j;
				continue;
			}
			while (is_ident_start((unsigned char)text[j]) ||
			       is_digit((unsigned char)text[j])) {
				j++;
			}
			if (text[j] != '$' ||
			    (j > i + 1 && is_digit((unsigned char)text[i + 1]))) {
				i++;
				continue;
			}
			/* $tag$ ... $tag$ */
			size_t tag = j + 1 - i;
			const char *end = text + j + 1;
			for (;;) {
				end = strchr(end, '$');
				if (end == NULL) {
					return false;
				}
				if (strncmp(end, text + i, tag) == 0) {
					break;
				}
				end++;
			}
			i = (size_t)(end - text) + tag;
			continue;
		}
		if (is_ident_start(ch)) {
			size_t j = i;
			while (is_ident_cont((unsigned char)text[j])) {
				j++;
			}
			if (text[j] == '\'') {
				/* A prefixed string: E'' takes backslash
				 * escapes; all stay verbatim. */
				bool esc = j == i + 1 && (ch == 'e' || ch == 'E');
				size_t end = string_end(text, j, esc);
				if (end == 0) {
					return false;
				}
				j = end;
			}
			i = j;
			continue;
		}
		if (is_digit(ch) || (ch == '.' && is_digit((unsigned char)text[i + 1]))) {
			size_t j = i;
			while (is_digit((unsigned char)text[j])) {
				j++;
			}
			bool plain = true;
			if (text[j] == '.') {
				plain = false;
				j++;
				while (is_digit((unsigned char)text[j])) {
					j++;
				}
			}
			if ((text[j] == 'e' || text[j] == 'E') &&
			    (is_digit((unsigned char)text[j + 1]) ||
			     ((text[j + 1] == '+' || text[j + 1] == '-') &&
			      is_digit((unsigned char)text[j + 2])))) {
				plain = false;
				j += 2;
				while (is_digit((unsigned char)text[j])) {
					j++;
				}
			}
			if (is_ident_cont((unsigned char)text[j]) ||
			    text[j] == '.') {
				plain = false;
				while (is_ident_cont((unsigned char)text[j]) ||
				       text[j] == '.') {
					j++;
				}
			}
			char cls = plain ? int_class(text + i, j - i) : 0;
			if (cls != 0) {
				if (*n_lits == CACHE_MAX_SLOTS) {
					return false;
				}
				tr_buf_put(key, text + from, i - from);
				tr_buf_put_u8(key, MARK);
				tr_buf_put_u8(key, (uint8_t)cls);
				lits[(*n_lits)++] = (struct lit){ i, j - i, cls };
				from = j;
			}
			i = j;
			continue;
		}
		if (ch == '\'') {
			size_t end = string_end(text, i, false);
			if (end == 0) {
				return false;
			}
			if (string_may_vary(text, i) &&
			    is_plain_word(text + i + 1, end - i - 2)) {
				if (*n_lits == CACHE_MAX_SLOTS) {
					return false;
				}
				tr_buf_put(key, text + from, i - from);
				tr_buf_put_u8(key, MARK);
				tr_buf_put_u8(key, 's');
				lits[(*n_lits)++] = (struct lit){ i, end - i, 's' };
				from = end;
			}
			i = end;
			continue;
		}
		i++;
	}
	tr_buf_put(key, text + from, i - from);
	return true;
}

/* The probe for constant @k of class @cls, as SQL source text.  Integers:
 * fixed width near the top of their class, so that no probe is a part of
 * another.  Strings: everything a value-dependent rewrite would change. */
static void put_probe(struct tr_buf *b, char cls, unsigned k)
{
	switch (cls) {
	case 'i':
		tr_buf_printf(b, "%u", 1070000000u + k);
		return;
	case 'l':
		tr_buf_printf(b, "%llu", 7070000000000ull + k);
		return;
	default:
		tr_buf_printf(b,
			      "'PrObE%02u%%_*?[\\]^$.{,}\"'' :-/+"
			      "\xc3\xa9YYYY-MM-DD HH24:MI:SS'",
			      k);
		return;
	}
}

/* ---------------------------------------------------------------------
 * Building and checking a template
 * ------------------------------------------------------------------- */

static uint64_t hash_key(const uint8_t *p, size_t n, uint64_t version)
{
	uint64_t h = 1469598103934665603ull ^ version;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ p[i]) * 1099511628211ull;
	}
	return h;
}

static char *dup_or_null(struct tr_arena *a, const char *s, bool *oom)
{
	if (s == NULL) {
		return NULL;
	}
	char *d = tr_arena_strdup(a, s);
	if (d == NULL) {
		*oom = true;
	}
	return d;
}

static bool same_str(const char *x, const char *y)
{
	return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/*
 * The statement's shape: a cacheable kind, no part that lives outside
 * the SQL text or that the cache does not copy.
 */
static bool is_cacheable(const struct sql_stmt *st)
{
	switch (st->kind) {
	case SQL_QUERY:
	case SQL_EXEC:
	case SQL_BEGIN:
	case SQL_COMMIT:
	case SQL_ROLLBACK:
		break;
	default:
		return false;
	}
	return !st->failed && !st->schema_miss && st->missing_from == NULL &&
	       !st->session_dependent && !st->ddl && st->sqlite != NULL &&
	       st->copy == NULL && st->rebuild == NULL &&
	       st->returning == NULL && st->name == NULL && st->value == NULL &&
	       st->savepoint == NULL;
}

/* Everything but the SQLite text and the statement text agrees. */
static bool same_shape(const struct sql_stmt *x, const struct sql_stmt *y)
{
	/* Scalars (and any pointer field added later, which differs
	 * between two translations and so refuses the statement). */
	struct sql_stmt sx = *x;
	struct sql_stmt sy = *y;
	sx.text = sy.text = NULL;
	sx.sqlite = sy.sqlite = NULL;
	sx.tag = sy.tag = NULL;
	sx.cols = sy.cols = NULL;
	sx.params = sy.params = NULL;
	if (memcmp(&sx, &sy, sizeof sx) != 0 || !same_str(x->tag, y->tag)) {
		return false;
	}
	for (unsigned i = 0; i < x->n_cols; i++) {
		const struct sql_column *a = &x->cols[i];
		const struct sql_column *b = &y->cols[i];
		if (!same_str(a->name, b->name) || a->type_oid != b->type_oid ||
		    a->typmod != b->typmod || a->typlen != b->typlen ||
		    a->table_oid != b->table_oid || a->attnum != b->attnum) {
			return false;
		}
	}
	for (unsigned i = 0; i < x->n_params; i++) {
		const struct sql_param *a = &x->params[i];
		const struct sql_param *b = &y->params[i];
		if (a->oid != b->oid || a->typmod != b->typmod ||
		    a->n_tables != b->n_tables || a->colno != b->colno ||
		    !same_str(a->column, b->column)) {
			return false;
		}
		for (unsigned k = 0; k < a->n_tables; k++) {
			if (!same_str(a->tables[k], b->tables[k])) {
				return false;
			}
		}
	}
	return true;
}

/* Deep copy of @src's columns and parameters into @a (text and sqlite
 * are left to the caller).  false on OOM. */
static bool copy_stmt(struct tr_arena *a, struct sql_stmt *dst,
		      const struct sql_stmt *src)
{
	bool oom = false;
	*dst = *src;
	dst->text = NULL;
	dst->sqlite = NULL;
	dst->tag = dup_or_null(a, src->tag, &oom);
	dst->cols = NULL;
	dst->params = NULL;
	if (src->cols != NULL) {
		dst->cols = tr_arena_alloc(a, sizeof *dst->cols *
						      (src->n_cols + 1));
		if (dst->cols == NULL) {
			return false;
		}
		for (unsigned i = 0; i < src->n_cols; i++) {
			dst->cols[i] = src->cols[i];
			dst->cols[i].name =
				dup_or_null(a, src->cols[i].name, &oom);
		}
	}
	if (src->params != NULL) {
		dst->params = tr_arena_alloc(a, sizeof *dst->params *
							(src->n_params + 1));
		if (dst->params == NULL) {
			return false;
		}
		for (unsigned i = 0; i < src->n_params; i++) {
			const struct sql_param *sp = &src->params[i];
			struct sql_param *dp = &dst->params[i];
			*dp = *sp;
			dp->column = dup_or_null(a, sp->column, &oom);
			dp->tables = NULL;
			if (sp->n_tables == 0) {
				continue;
			}
			dp->tables = tr_arena_alloc(a, sizeof *dp->tables *
							       sp->n_tables);
			if (dp->tables == NULL) {
				return false;
			}
			for (unsigned k = 0; k < sp->n_tables; k++) {
				dp->tables[k] = dup_or_null(a, sp->tables[k],
							    &oom);
			}
		}
	}
	return !oom;
}

/* The SQLite text of entry @en with the constants @lits of @text. */
static char *fill(struct tr_arena *a, const struct entry *en,
		  const char *text, const struct lit *lits)
{
	size_t len = en->fixed_len;
	for (unsigned i = 0; i < en->n_segs; i++) {
		if (en->segs[i].slot >= 0) {
			len += lits[en->segs[i].slot].len;
		}
	}
	char *out = tr_arena_alloc(a, len + 1);
	if (out == NULL) {
		return NULL;
	}
	char *p = out;
	for (unsigned i = 0; i < en->n_segs; i++) {
		const struct seg *s = &en->segs[i];
		if (s->slot < 0) {
			memcpy(p, en->tmpl + s->off, s->len);
			p += s->len;
		} else {
			const struct lit *l = &lits[s->slot];
			memcpy(p, text + l->off, l->len);
			p += l->len;
		}
	}
	*p = '\0';
	return out;
}

/*
 * Cut @probe_sql (the translation of the probe text) into segments at
 * the probes @probes[k] (source text of probe k, @plen[k] bytes).  Every
 * probe must occur.  false: no template (or OOM).
 */
static bool cut_template(struct entry *en, const char *probe_sql,
			 unsigned n_lits, char *const *probes,
			 const size_t *plen)
{
	size_t len = strlen(probe_sql);
	if (len > UINT32_MAX / 2) {
		return false;
	}
	char *tmpl = tr_arena_strndup(&en->a, probe_sql, len);
	unsigned cap = 2 * n_lits + 8;
	struct seg *segs = tr_arena_alloc(&en->a, sizeof *segs * cap);
	if (tmpl == NULL || segs == NULL) {
		return false;
	}
	bool seen[CACHE_MAX_SLOTS] = { false };
	unsigned n = 0;
	size_t from = 0;
	size_t fixed = 0;
	for (size_t i = 0; i < len;) {
		int hit = -1;
		for (unsigned k = 0; k < n_lits; k++) {
			if (probe_sql[i] == probes[k][0] &&
			    len - i >= plen[k] &&
			    memcmp(probe_sql + i, probes[k], plen[k]) == 0) {
				hit = (int)k;
				break;
			}
		}
		if (hit < 0) {
			i++;
			continue;
		}
		if (n + 2 > cap) {
			unsigned ncap = cap * 2;
			struct seg *ns = tr_arena_alloc(&en->a,
							sizeof *ns * ncap);
			if (ns == NULL) {
				return false;
			}
			memcpy(ns, segs, sizeof *segs * n);
			segs = ns;
			cap = ncap;
		}
		if (i > from) {
			segs[n++] = (struct seg){ (uint32_t)from,
						  (uint32_t)(i - from), -1 };
			fixed += i - from;
		}
		segs[n++] = (struct seg){ 0, 0, hit };
		seen[hit] = true;
		i += plen[hit];
		from = i;
	}
	if (len > from) {
		if (n + 1 > cap) {
			return false;
		}
		segs[n++] = (struct seg){ (uint32_t)from, (uint32_t)(len - from),
					  -1 };
		fixed += len - from;
	}
	for (unsigned k = 0; k < n_lits; k++) {
		if (!seen[k]) {
			return false;
		}
	}
	en->tmpl = tmpl;
	en->segs = segs;
	en->n_segs = n;
	en->fixed_len = fixed;
	return true;
}

/*
 * Try to make a template of @st, the translation of @text whose varying
 * constants are @lits: translate the probe text and compare (see the top
 * of the file).  Fills @en's template and statement; false when the shape
 * must be refused (or on OOM, which only costs the caching).
 */
static bool build_template(struct sql_cache *c, struct entry *en,
			   const char *text, const struct lit *lits,
			   unsigned n_lits, const struct sql_stmt *st)
{
	size_t total = strlen(text);
	size_t stlen = strlen(st->text);
	if (st->location < 0 || (size_t)st->location + stlen > total) {
		return false;
	}
	en->prefix = (size_t)st->location;
	en->suffix = total - en->prefix - stlen;
	for (unsigned k = 0; k < n_lits; k++) {
		if (lits[k].off < en->prefix ||
		    lits[k].off + lits[k].len > total - en->suffix) {
			return false;
		}
	}
	if (!copy_stmt(&en->a, &en->stmt, st)) {
		return false;
	}
	if (n_lits == 0) {
		en->tmpl = tr_arena_strdup(&en->a, st->sqlite);
		en->segs = tr_arena_alloc(&en->a, sizeof *en->segs);
		if (en->tmpl == NULL || en->segs == NULL) {
			return false;
		}
		en->segs[0] = (struct seg){ 0, (uint32_t)strlen(en->tmpl), -1 };
		en->n_segs = 1;
		en->fixed_len = en->segs[0].len;
		return true;
	}
	/* The probe text and each probe's source text. */
	struct tr_arena *sa = &c->scratch;
	tr_arena_reset(sa);
	tr_buf_reset(&c->probe);
	char *probes[CACHE_MAX_SLOTS];
	size_t plen[CACHE_MAX_SLOTS];
	size_t from = 0;
	for (unsigned k = 0; k < n_lits; k++) {
		tr_buf_put(&c->probe, text + from, lits[k].off - from);
		size_t at = c->probe.len;
		put_probe(&c->probe, lits[k].cls, k);
		plen[k] = c->probe.len - at;
		from = lits[k].off + lits[k].len;
	}
	tr_buf_put(&c->probe, text + from, total - from);
	if (tr_buf_err(&c->probe) != TR_OK) {
		return false;
	}
	const char *ptext = tr_arena_strndup(sa, (const char *)c->probe.data,
					     c->probe.len);
	if (ptext == NULL) {
		return false;
	}
	size_t at = 0;
	for (unsigned k = 0; k < n_lits; k++) {
		at += lits[k].off - (k > 0 ? lits[k - 1].off + lits[k - 1].len
					   : 0);
		probes[k] = tr_arena_strndup(sa, ptext + at, plen[k]);
		if (probes[k] == NULL) {
			return false;
		}
		at += plen[k];
	}
	struct sql_batch pb;
	struct sql_error perr;
	if (sql_parse(sa, ptext, &pb, &perr) != TR_OK || pb.n_stmts != 1) {
		return false;
	}
	const struct sql_stmt *ps = &pb.stmts[0];
	if (!is_cacheable(ps) || !same_shape(st, ps) ||
	    !cut_template(en, ps->sqlite, n_lits, probes, plen)) {
		return false;
	}
	/* Pasting the real constants back must give the real answer. */
	const char *back = fill(sa, en, text, lits);
	return back != NULL && strcmp(back, st->sqlite) == 0;
}

/* ---------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------- */

static void refuse(struct sql_cache *c, struct entry *en)
{
	memset(&en->stmt, 0, sizeof en->stmt);
	en->tmpl = NULL;
	en->segs = NULL;
	en->n_segs = 0;
	en->state = ENTRY_REFUSED;
	c->stats.refused++;
}

static struct entry *find(struct sql_cache *c, uint64_t h, const uint8_t *key,
			  size_t len)
{
	for (struct entry *en = c->buckets[h & (c->n_buckets - 1)];
	     en != NULL; en = en->hnext) {
		if (en->hash == h && en->key_len == len &&
		    memcmp(en->key, key, len) == 0) {
			return en;
		}
	}
	return NULL;
}

/* The statement of a hit, in the caller's arena. */
static int answer(struct tr_arena *a, const struct entry *en,
		  const char *text, const struct lit *lits,
		  struct sql_batch *out)
{
	struct sql_stmt *st = tr_arena_alloc(a, sizeof *st * 2);
	if (st == NULL || !copy_stmt(a, st, &en->stmt)) {
		return TR_ENOMEM;
	}
	size_t total = strlen(text);
	st->text = tr_arena_strndup(a, text + en->prefix,
				    total - en->prefix - en->suffix);
	st->sqlite = fill(a, en, text, lits);
	if (st->text == NULL || st->sqlite == NULL) {
		return TR_ENOMEM;
	}
	out->n_stmts = 1;
	out->stmts = st;
	return TR_OK;
}

static void insert(struct sql_cache *c, struct entry *en)
{
	while (c->n >= c->cap && c->tail != NULL) {
		remove_entry(c, c->tail);
		c->stats.evictions++;
	}
	struct entry **b = &c->buckets[en->hash & (c->n_buckets - 1)];
	en->hnext = *b;
	*b = en;
	push_lru(c, en);
	c->n++;
}

int sql_cache_parse(struct sql_cache *c, uint64_t version, const char *ctx,
		    struct tr_arena *a, const char *text,
		    struct sql_batch *out, struct sql_error *err)
{
	if (c == NULL) {
		return sql_parse(a, text, out, err);
	}
	if (version != c->version) {
		sql_cache_clear(c);
		c->version = version;
	}
	struct lit lits[CACHE_MAX_SLOTS];
	unsigned n_lits;
	tr_buf_reset(&c->key);
	if (ctx != NULL) {
		if (strchr(ctx, MARK) != NULL) {
			c->stats.bypassed++;
			return sql_parse(a, text, out, err);
		}
		tr_buf_put_str(&c->key, ctx);
	}
	tr_buf_put_u8(&c->key, MARK);
	tr_buf_put_u8(&c->key, '|');
	if (!scan_key(text, &c->key, lits, &n_lits) ||
	    tr_buf_err(&c->key) != TR_OK) {
		c->stats.bypassed++;
		return sql_parse(a, text, out, err);
	}
	uint64_t h = hash_key(c->key.data, c->key.len, version);
	struct entry *en = find(c, h, c->key.data, c->key.len);
	if (en != NULL) {
		unlink_lru(c, en);
		push_lru(c, en);
	}
	if (en != NULL && en->state == ENTRY_TEMPLATE) {
		memset(err, 0, sizeof *err);
		int rv = answer(a, en, text, lits, out);
		if (rv == TR_OK) {
			c->stats.hits++;
			return TR_OK;
		}
		out->n_stmts = 0;
		sql_error_set(err, a, "53200", "out of memory");
		return rv;
	}
	if (en != NULL && en->state == ENTRY_REFUSED) {
		c->stats.refused_hits++;
		return sql_parse(a, text, out, err);
	}
	c->stats.misses++;
	int rv = sql_parse(a, text, out, err);
	bool cacheable = rv == TR_OK && out->n_stmts == 1 &&
			 is_cacheable(&out->stmts[0]);
	if (en != NULL) {
		/* Seen before: now it is worth the probe. */
		if (!cacheable ||
		    !build_template(c, en, text, lits, n_lits,
				    &out->stmts[0])) {
			refuse(c, en);
		} else {
			en->state = ENTRY_TEMPLATE;
			c->stats.built++;
		}
		tr_arena_reset(&c->scratch);
		return rv;
	}
	if (!cacheable) {
		/* Batches, syntax errors, DDL...: nothing to keep. */
		return rv;
	}
	en = tr_calloc(1, sizeof *en);
	if (en == NULL) {
		return rv; /* the answer stands; only caching failed */
	}
	tr_arena_init(&en->a, 1024);
	en->hash = h;
	en->key_len = c->key.len;
	en->key = tr_arena_strndup(&en->a, (const char *)c->key.data,
				   c->key.len);
	if (en->key == NULL) {
		entry_free(en);
		return rv;
	}
	en->state = ENTRY_SEEN;
	if (n_lits == 0) {
		/* Nothing varies: the translation is the template. */
		if (build_template(c, en, text, lits, 0, &out->stmts[0])) {
			en->state = ENTRY_TEMPLATE;
			c->stats.built++;
		} else {
			refuse(c, en);
		}
	}
	tr_arena_reset(&c->scratch);
	insert(c, en);
	return rv;
}
