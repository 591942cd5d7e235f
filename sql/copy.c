/*
 * sql/copy.c: COPY FROM STDIN / TO STDOUT in text and CSV formats.
 *
 *   sql__copy              classify a CopyStmt, check its options as
 *                          PostgreSQL's ProcessCopyOptions does, build the
 *                          SELECT of COPY TO
 *   sql_copy_insert_sql    the INSERT a COPY FROM row feeds
 *   sql_copy_reader_*      streaming row parser (CopyReadLineText and
 *                          CopyReadAttributes{Text,CSV} in copyfromparse.c)
 *   sql_copy_format_*      row writer (CopyAttributeOut{Text,CSV})
 *
 * The reader works in two steps, as PostgreSQL's does: bytes are split
 * into raw lines (escapes and CSV quotes only matter to find the real line
 * ends), then a complete line is split into fields and unescaped.  The
 * line splitter keeps its state across feeds (a pending backslash, "\.",
 * or \r whose meaning depends on the next byte; the CSV quote state), so
 * a feed boundary can fall anywhere.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

/* ---------------------------------------------------------------------
 * Classification and options
 * ------------------------------------------------------------------- */

/* defGetString: the option's argument as text, or NULL. */
static const char *opt_string(struct sql__emit *e, const PgQuery__DefElem *d)
{
	const Node *n = d->arg;
	if (n == NULL) {
		return NULL;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_STRING:
		return n->string->sval;
	case PG_QUERY__NODE__NODE_INTEGER:
		return tr_arena_printf(e->a, "%d", n->integer->ival);
	case PG_QUERY__NODE__NODE_FLOAT:
		return n->float_->fval;
	case PG_QUERY__NODE__NODE_BOOLEAN:
		return n->boolean->boolval ? "true" : "false";
	case PG_QUERY__NODE__NODE_A_STAR:
		return "*";
	default:
		return NULL;
	}
}

/* defGetBoolean. */
static bool opt_bool(struct sql__emit *e, const PgQuery__DefElem *d)
{
	const Node *n = d->arg;
	if (n == NULL) {
		return true;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_BOOLEAN) {
		return n->boolean->boolval;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_INTEGER &&
	    (n->integer->ival == 0 || n->integer->ival == 1)) {
		return n->integer->ival == 1;
	}
	const char *s = opt_string(e, d);
	static const char *const yes[] = { "true", "on" };
	static const char *const no[] = { "false", "off" };
	for (size_t i = 0; s != NULL && i < 2; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			return false;
		}
	}
	sql__fail(e, d->location, "22023", "%s requires a Boolean value",
		  d->defname);
	return false;
}

/* defGetCopyHeaderChoice (PostgreSQL 15): true/false/on/off/0/1/match. */
static void opt_header(struct sql__emit *e, const PgQuery__DefElem *d,
		       struct sql_copy *c, bool is_from)
{
	const Node *n = d->arg;
	if (n == NULL) {
		c->header = true;
		return;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_BOOLEAN) {
		c->header = n->boolean->boolval;
		return;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_INTEGER &&
	    (n->integer->ival == 0 || n->integer->ival == 1)) {
		c->header = n->integer->ival == 1;
		return;
	}
	const char *s = n->node_case == PG_QUERY__NODE__NODE_STRING
				? n->string->sval
				: NULL;
	if (s != NULL) {
		if (strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0) {
			c->header = true;
			return;
		}
		if (strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0) {
			c->header = false;
			return;
		}
		if (strcasecmp(s, "match") == 0) {
			if (!is_from) {
				sql__fail(e, d->location, "0A000",
					  "cannot use \"%s\" with HEADER in "
					  "COPY TO",
					  s);
				return;
			}
			c->header = c->header_match = true;
			return;
		}
	}
	sql__fail(e, d->location, "22023",
		  "%s requires a Boolean value or \"match\"", d->defname);
}

/* The options of ProcessCopyOptions, each at most once. */
enum {
	OPT_FORMAT,
	OPT_FREEZE,
	OPT_DELIMITER,
	OPT_NULL,
	OPT_HEADER,
	OPT_QUOTE,
	OPT_ESCAPE,
	OPT_ENCODING,
	OPT_N
};

static const char *const opt_names[OPT_N] = {
	"format", "freeze", "delimiter", "null",
	"header", "quote",  "escape",    "encoding",
};

static void copy_options(struct sql__emit *e, const PgQuery__CopyStmt *s,
			 struct sql_copy *c)
{
	bool seen[OPT_N] = { false };
	const char *delim = NULL;
	const char *null_str = NULL;
	const char *quote = NULL;
	const char *escape = NULL;
	c->format = SQL_COPY_TEXT;
	for (size_t i = 0; i < s->n_options && !sql__failed(e); i++) {
		if (s->options[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) {
			sql__fail(e, -1, "42601",
				  "syntax error in COPY options");
			return;
		}
		const PgQuery__DefElem *d = s->options[i]->def_elem;
		int opt = -1;
		for (int k = 0; k < OPT_N; k++) {
			if (strcmp(d->defname, opt_names[k]) == 0) {
				opt = k;
			}
		}
		if (opt < 0) {
			if (strcmp(d->defname, "force_quote") == 0 ||
			    strcmp(d->defname, "force_not_null") == 0 ||
			    strcmp(d->defname, "force_null") == 0) {
				char up[32];
				snprintf(up, sizeof up, "%s", d->defname);
				for (char *p = up; *p != '\0'; p++) {
					*p = (char)toupper((unsigned char)*p);
				}
				sql__fail(e, d->location, "0A000",
					  "COPY %s is not supported", up);
				return;
			}
			sql__fail(e, d->location, "42601",
				  "option \"%s\" not recognized", d->defname);
			return;
		}
		if (seen[opt]) {
			sql__fail(e, d->location, "42601",
				  "conflicting or redundant options");
			return;
		}
		seen[opt] = true;
		const char *v = NULL;
		if (opt != OPT_HEADER && opt != OPT_FREEZE) {
			v = opt_string(e, d);
			if (v == NULL) {
				sql__fail(e, d->location, "42601",
					  "%s requires a parameter",
					  d->defname);
				return;
			}
		}
		switch (opt) {
		case OPT_FORMAT:
			if (strcmp(v, "text") == 0) {
				c->format = SQL_COPY_TEXT;
			} else if (strcmp(v, "csv") == 0) {
				c->format = SQL_COPY_CSV;
			} else if (strcmp(v, "binary") == 0) {
				sql__fail(e, d->location, "0A000",
					  "COPY BINARY is not supported");
			} else {
				sql__fail(e, d->location, "22023",
					  "COPY format \"%s\" not recognized",
					  v);
			}
			break;
		case OPT_FREEZE:
			(void)opt_bool(e, d); /* nothing to freeze */
			break;
		case OPT_DELIMITER:
			delim = v;
			break;
		case OPT_NULL:
			null_str = v;
			break;
		case OPT_HEADER:
			opt_header(e, d, c, s->is_from);
			break;
		case OPT_QUOTE:
			quote = v;
			break;
		case OPT_ESCAPE:
			escape = v;
			break;
		case OPT_ENCODING:
			if (strcasecmp(v, "utf8") != 0 &&
			    strcasecmp(v, "utf-8") != 0 &&
			    strcasecmp(v, "unicode") != 0) {
				sql__fail(e, d->location, "0A000",
					  "COPY ENCODING \"%s\" is not "
					  "supported",
					  v);
			}
			break;
		default:
			break;
		}
	}
	if (sql__failed(e)) {
		return;
	}
	bool csv = c->format == SQL_COPY_CSV;
	if (delim == NULL) {
		delim = csv ? "," : "\t";
	}
	if (null_str == NULL) {
		null_str = csv ? "" : "\\N";
	}
	/* The checks of ProcessCopyOptions, in its order and with its
	 * SQLSTATEs. */
	if (strlen(delim) != 1) {
		sql__fail(e, -1, "0A000",
			  "COPY delimiter must be a single one-byte character");
		return;
	}
	if (delim[0] == '\r' || delim[0] == '\n') {
		sql__fail(
			e, -1, "22023",
			"COPY delimiter cannot be newline or carriage return");
		return;
	}
	if (strchr(null_str, '\r') != NULL || strchr(null_str, '\n') != NULL) {
		sql__fail(e, -1, "22023",
			  "COPY null representation cannot use newline or "
			  "carriage return");
		return;
	}
	if (!csv && strchr("\\.abcdefghijklmnopqrstuvwxyz0123456789",
			   delim[0]) != NULL) {
		sql__fail(e, -1, "22023", "COPY delimiter cannot be \"%s\"",
			  delim);
		return;
	}
	if (!csv && quote != NULL) {
		sql__fail(e, -1, "0A000",
			  "COPY quote available only in CSV mode");
		return;
	}
	if (csv && quote == NULL) {
		quote = "\"";
	}
	if (csv && strlen(quote) != 1) {
		sql__fail(e, -1, "0A000",
			  "COPY quote must be a single one-byte character");
		return;
	}
	if (csv && delim[0] == quote[0]) {
		sql__fail(e, -1, "22023",
			  "COPY delimiter and quote must be different");
		return;
	}
	if (!csv && escape != NULL) {
		sql__fail(e, -1, "0A000",
			  "COPY escape available only in CSV mode");
		return;
	}
	if (csv && escape == NULL) {
		escape = quote;
	}
	if (csv && strlen(escape) != 1) {
		sql__fail(e, -1, "0A000",
			  "COPY escape must be a single one-byte character");
		return;
	}
	if (strchr(null_str, delim[0]) != NULL) {
		sql__fail(e, -1, "0A000",
			  "COPY delimiter must not appear in the NULL "
			  "specification");
		return;
	}
	if (csv && strchr(null_str, quote[0]) != NULL) {
		sql__fail(e, -1, "0A000",
			  "CSV quote character must not appear in the NULL "
			  "specification");
		return;
	}
	c->delimiter = delim[0];
	c->quote = csv ? quote[0] : '"';
	c->escape = csv ? escape[0] : '"';
	c->null_str = tr_arena_strdup(e->a, null_str);
	c->null_len = strlen(null_str);
	if (c->null_str == NULL) {
		c->null_str = "";
		c->null_len = 0;
	}
}

void sql__copy(struct sql__emit *e, const PgQuery__CopyStmt *s, int loc)
{
	struct sql_stmt *st = e->stmt;
	st->kind = s->is_from ? SQL_COPY_FROM : SQL_COPY_TO;
	st->tag = "COPY";
	st->writes = s->is_from;
	if (s->is_program || s->filename[0] != '\0') {
		sql__fail(e, loc, "0A000",
			  "COPY to or from a file is not supported; use "
			  "STDIN/STDOUT (psql's \\copy)");
		return;
	}
	struct sql_copy *c = tr_arena_alloc(e->a, sizeof *c);
	if (c == NULL) {
		sql__fail(e, loc, "53200", "out of memory");
		return;
	}
	memset(c, 0, sizeof *c);
	st->copy = c;
	copy_options(e, s, c);
	if (sql__failed(e)) {
		return;
	}
	if (s->where_clause != NULL) {
		sql__fail(e, loc, "0A000",
			  "COPY FROM ... WHERE is not supported");
		return;
	}
	if (s->query != NULL) {
		/* COPY (query) TO: the grammar allows no column list. */
		if (s->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
			sql__fail(e, loc, "0A000",
				  "COPY (query) TO is supported for SELECT "
				  "and VALUES only");
			return;
		}
		if (s->query->select_stmt->into_clause != NULL) {
			sql__fail(e, loc, "0A000",
				  "COPY (SELECT INTO) is not supported");
			return;
		}
		sql__select(e, s->query->select_stmt);
		return;
	}
	const PgQuery__RangeVar *rv = s->relation;
	if (rv == NULL) {
		sql__fail(e, loc, "42601", "COPY needs a table or a query");
		return;
	}
	c->table = tr_arena_strdup(e->a, rv->relname);
	c->n_cols = (unsigned)s->n_attlist;
	if (c->n_cols > 0) {
		c->cols = tr_arena_alloc(e->a, c->n_cols * sizeof *c->cols);
	}
	if (c->table == NULL || (c->n_cols > 0 && c->cols == NULL)) {
		sql__fail(e, loc, "53200", "out of memory");
		return;
	}
	for (unsigned i = 0; i < c->n_cols; i++) {
		const char *name = sql__str(s->attlist[i]);
		if (name == NULL) {
			sql__fail(e, loc, "42601", "expected a column name");
			return;
		}
		for (unsigned k = 0; k < i; k++) {
			if (strcmp(c->cols[k], name) == 0) {
				sql__fail(e, loc, "42701",
					  "column \"%s\" specified more than "
					  "once",
					  name);
				return;
			}
		}
		c->cols[i] = tr_arena_strdup(e->a, name);
	}
	if (s->is_from) {
		if (strncmp(rv->relname, "triode_cluster_", 15) == 0) {
			sql__fail(e, rv->location, "42809",
				  "cannot copy to view \"%s\"", rv->relname);
			return;
		}
		/* Schema checks only: the INSERT is built once the columns
		 * are known (sql_copy_insert_sql). */
		struct tr_buf saved = e->out;
		tr_buf_init(&e->out, 0);
		sql__relation(e, rv);
		tr_buf_close(&e->out);
		e->out = saved;
		return;
	}
	sql__put(e, "SELECT ");
	if (c->n_cols == 0) {
		sql__put(e, "*");
	}
	for (unsigned i = 0; i < c->n_cols; i++) {
		if (i > 0) {
			sql__put(e, ", ");
		}
		sql__ident(e, c->cols[i]);
	}
	sql__put(e, " FROM ");
	sql__relation(e, rv);
}

const char *sql_copy_insert_sql(struct tr_arena *a, const struct sql_copy *copy,
				unsigned n_cols, const char *const *names,
				unsigned n_rows)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_str(&b, "INSERT INTO ");
	sql__ident_buf(&b, copy->table);
	tr_buf_put_str(&b, " (");
	for (unsigned i = 0; i < n_cols; i++) {
		if (i > 0) {
			tr_buf_put_str(&b, ", ");
		}
		sql__ident_buf(&b, names[i]);
	}
	tr_buf_put_str(&b, ") VALUES ");
	for (unsigned r = 0; r < (n_rows > 0 ? n_rows : 1); r++) {
		tr_buf_put_str(&b, r > 0 ? ", (" : "(");
		for (unsigned i = 0; i < n_cols; i++) {
			tr_buf_put_str(&b, i > 0 ? ", ?" : "?");
		}
		tr_buf_put_u8(&b, ')');
	}
	const char *out = NULL;
	if (tr_buf_err(&b) == TR_OK) {
		out = tr_arena_strndup(a, (const char *)b.data, b.len);
	}
	tr_buf_close(&b);
	return out;
}

/* ---------------------------------------------------------------------
 * Reader
 * ------------------------------------------------------------------- */

/* Splitter states: what the bytes before the current one left pending. */
enum {
	ST_NONE = 0,
	ST_BS,  /* a backslash (text: any; CSV: first byte of a line) */
	ST_DOT, /* "\." (text: anywhere; CSV: at the start of a line) */
	ST_CR,  /* a \r outside quotes: \r\n or \r, the next byte says */
};

enum { EOL_UNKNOWN = 0, EOL_NL = 1, EOL_CRNL = 2, EOL_CR = 3 };

/* PostgreSQL shows at most this much of a line in CONTEXT. */
#define MAX_DISPLAY 100

void sql_copy_reader_init(struct sql_copy_reader *r,
			  const struct sql_copy *copy, unsigned n_cols,
			  const char *const *names)
{
	memset(r, 0, sizeof *r);
	r->copy = copy;
	r->n_cols = n_cols;
	r->names = names;
	tr_buf_init(&r->raw, 0);
	tr_buf_init(&r->out, 0);
	tr_arena_init(&r->a, 1024);
}

void sql_copy_reader_close(struct sql_copy_reader *r)
{
	tr_buf_close(&r->raw);
	tr_buf_close(&r->out);
	tr_free(r->fields);
	tr_free(r->offs);
	tr_arena_close(&r->a);
	r->fields = NULL;
	r->offs = NULL;
}

static const char *table_name(const struct sql_copy_reader *r)
{
	return r->copy->table != NULL ? r->copy->table : "";
}

/* The current raw line as CONTEXT shows it: at most MAX_DISPLAY bytes
 * (not splitting a UTF-8 character), then "...". */
static const char *display_line(struct tr_arena *a, const uint8_t *p, size_t n)
{
	if (n == 0) {
		return ""; /* @p may be NULL */
	}
	if (n <= MAX_DISPLAY) {
		return tr_arena_strndup(a, (const char *)p, n);
	}
	size_t k = MAX_DISPLAY;
	while (k > 0 && (p[k] & 0xc0) == 0x80) {
		k--;
	}
	return tr_arena_printf(a, "%.*s...", (int)k, (const char *)p);
}

/* Record a client error (sticky).  @lineno is the line it is about;
 * @show_line adds the raw line to the context. */
static int fail(struct sql_copy_reader *r, uint64_t lineno, bool show_line,
		const char *sqlstate, const char *hint, const char *fmt, ...)
	TR_PRINTF(6, 7);
static int fail(struct sql_copy_reader *r, uint64_t lineno, bool show_line,
		const char *sqlstate, const char *hint, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	r->failed = true;
	sql_error_set(&r->error, &r->a, sqlstate, "%s", tmp);
	r->error.hint = hint;
	const char *line = NULL;
	if (show_line) {
		line = display_line(&r->a, r->raw.data, r->raw.len);
	}
	if (line != NULL) {
		r->error.context = tr_arena_printf(
			&r->a, "COPY %s, line %llu: \"%s\"", table_name(r),
			(unsigned long long)lineno, line);
	} else {
		r->error.context = tr_arena_printf(&r->a, "COPY %s, line %llu",
						   table_name(r),
						   (unsigned long long)lineno);
	}
	return TR_ESQL;
}

const char *sql_copy_reader_context(const struct sql_copy_reader *r,
				    struct tr_arena *a, unsigned col,
				    const struct sql_copy_field *f)
{
	const char *name = col < r->n_cols ? r->names[col] : "?";
	const char *s;
	if (f == NULL || f->len < 0) {
		s = tr_arena_printf(
			a, "COPY %s, line %llu, column %s: null input",
			table_name(r), (unsigned long long)r->line, name);
	} else {
		const char *v = display_line(a, f->p, (size_t)f->len);
		s = tr_arena_printf(a, "COPY %s, line %llu, column %s: \"%s\"",
				    table_name(r), (unsigned long long)r->line,
				    name, v != NULL ? v : "");
	}
	return s != NULL ? s : "COPY";
}

static bool ensure_fields(struct sql_copy_reader *r)
{
	if (r->fields != NULL) {
		return true;
	}
	r->fields = tr_calloc(r->n_cols + 1, sizeof *r->fields);
	r->offs = tr_calloc(r->n_cols + 1, sizeof *r->offs);
	return r->fields != NULL && r->offs != NULL;
}

static bool raw_is_null(const struct sql_copy_reader *r, const uint8_t *p,
			size_t n)
{
	return n == r->copy->null_len &&
	       (n == 0 || memcmp(p, r->copy->null_str, n) == 0);
}

/* CopyReadAttributesText: one field from raw[*pos..]; stops after the
 * delimiter (*more set) or at the end of the line. */
static void text_field(struct sql_copy_reader *r, size_t *pos, bool *more,
		       bool *null)
{
	const uint8_t *p = r->raw.data;
	size_t n = r->raw.len;
	size_t i = *pos;
	size_t start = i;
	size_t end = n;
	char delim = r->copy->delimiter;
	*more = false;
	while (i < n) {
		uint8_t c = p[i++];
		if (c == (uint8_t)delim) {
			*more = true;
			end = i - 1;
			break;
		}
		if (c == '\\') {
			if (i >= n) {
				break; /* a trailing backslash is dropped */
			}
			c = p[i++];
			switch (c) {
			case '0':
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7': {
				int v = c - '0';
				for (int k = 0; k < 2 && i < n && p[i] >= '0' &&
						p[i] <= '7';
				     k++) {
					v = (v << 3) + (p[i++] - '0');
				}
				c = (uint8_t)(v & 0377);
				break;
			}
			case 'x':
				if (i < n && sql__hex_digit(p[i]) >= 0) {
					int v = sql__hex_digit(p[i++]);
					if (i < n && sql__hex_digit(p[i]) >= 0) {
						v = (v << 4) + sql__hex_digit(p[i++]);
					}
					c = (uint8_t)v;
				}
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'v':
				c = '\v';
				break;
			default:
				break; /* the character itself */
			}
		}
		tr_buf_put_u8(&r->out, c);
	}
	*null = raw_is_null(r, p + start, end - start);
	*pos = i;
}

/* CopyReadAttributesCSV: one field; false for an unterminated quote. */
static bool csv_field(struct sql_copy_reader *r, size_t *pos, bool *more,
		      bool *null)
{
	const uint8_t *p = r->raw.data;
	size_t n = r->raw.len;
	size_t i = *pos;
	size_t start = i;
	size_t end = n;
	uint8_t delim = (uint8_t)r->copy->delimiter;
	uint8_t quote = (uint8_t)r->copy->quote;
	uint8_t esc = (uint8_t)r->copy->escape;
	bool saw_quote = false;
	*more = false;
	for (;;) {
		/* Unquoted part. */
		bool in_quotes = false;
		while (i < n) {
			uint8_t c = p[i++];
			if (c == delim) {
				*more = true;
				end = i - 1;
				goto done;
			}
			if (c == quote) {
				saw_quote = in_quotes = true;
				break;
			}
			tr_buf_put_u8(&r->out, c);
		}
		if (!in_quotes) {
			break;
		}
		/* Quoted part. */
		for (;;) {
			if (i >= n) {
				return false;
			}
			uint8_t c = p[i++];
			if (c == esc && i < n &&
			    (p[i] == esc || p[i] == quote)) {
				tr_buf_put_u8(&r->out, p[i++]);
				continue;
			}
			if (c == quote) {
				break;
			}
			tr_buf_put_u8(&r->out, c);
		}
	}
done:
	*null = !saw_quote && raw_is_null(r, p + start, end - start);
	*pos = i;
	return true;
}

static int check_encoding(struct sql_copy_reader *r, unsigned nf);

/*
 * Split the current raw line into fields.  Data rows: exactly n_cols
 * fields or an error.  Header rows (@header): any count, *@count set, the
 * first n_cols + 1 stored.
 */
static int split_fields(struct sql_copy_reader *r, bool header, unsigned *count)
{
	if (!ensure_fields(r)) {
		return TR_ENOMEM;
	}
	tr_buf_reset(&r->out);
	bool csv = r->copy->format == SQL_COPY_CSV;
	unsigned nf = 0;
	size_t pos = 0;
	bool more = true;
	if (r->raw.len == 0 && r->n_cols == 0) {
		more = false; /* a table without columns: empty lines */
	}
	while (more) {
		if (nf >= r->n_cols && !header) {
			return fail(r, r->line, true, "22P04", NULL,
				    "extra data after last expected column");
		}
		size_t off = r->out.len;
		bool null;
		if (csv) {
			if (!csv_field(r, &pos, &more, &null)) {
				return fail(r, r->line, true, "22P04", NULL,
					    "unterminated CSV quoted field");
			}
		} else {
			text_field(r, &pos, &more, &null);
		}
		tr_buf_put_u8(&r->out, 0);
		if (nf <= r->n_cols) {
			r->offs[nf] = off;
			r->fields[nf].len = null ? -1
						 : (int32_t)(r->out.len - off -
							     1);
		}
		nf++;
	}
	if (tr_buf_err(&r->out) != TR_OK) {
		return TR_ENOMEM;
	}
	if (nf < r->n_cols && !header) {
		return fail(r, r->line, true, "22P04", NULL,
			    "missing data for column \"%s\"", r->names[nf]);
	}
	unsigned stored = nf <= r->n_cols ? nf : r->n_cols + 1;
	for (unsigned i = 0; i < stored; i++) {
		r->fields[i].p = r->fields[i].len < 0
					 ? NULL
					 : r->out.data + r->offs[i];
	}
	*count = nf;
	return check_encoding(r, stored);
}

/*
 * Length of the invalid sequence at the first byte of @p that is not
 * UTF-8 as PostgreSQL's pg_utf8_islegal accepts it (NUL included), with
 * its offset in @bad; 0 if all is valid.
 */
static size_t utf8_invalid(const uint8_t *p, size_t n, size_t *bad)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c >= 0x01 && c < 0x80) {
			i++;
			continue;
		}
		size_t len = c >= 0xc2 && c <= 0xdf   ? 2
			     : c >= 0xe0 && c <= 0xef ? 3
			     : c >= 0xf0 && c <= 0xf4 ? 4
						      : 1;
		bool ok = len > 1 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++) {
			ok = (p[i + k] & 0xc0) == 0x80;
		}
		if (ok && len >= 3) {
			uint8_t d = p[i + 1];
			ok = !(c == 0xe0 && d < 0xa0) && /* overlong */
			     !(c == 0xed && d > 0x9f) && /* surrogate */
			     !(c == 0xf0 && d < 0x90) && /* overlong */
			     !(c == 0xf4 && d > 0x8f);   /* > U+10FFFF */
		}
		if (!ok) {
			*bad = i;
			return i + len <= n ? len : n - i;
		}
		i += len;
	}
	return 0;
}

/* Fields must be UTF-8 after unescaping (\xff makes a byte too), as
 * CopyReadAttributesText's pg_verifymbstr and the input conversion check
 * them: 22021 naming the bytes, as report_invalid_encoding does. */
static int check_encoding(struct sql_copy_reader *r, unsigned nf)
{
	for (unsigned i = 0; i < nf && i <= r->n_cols; i++) {
		const struct sql_copy_field *f = &r->fields[i];
		size_t at = 0;
		size_t bad = f->len > 0
				     ? utf8_invalid(f->p, (size_t)f->len, &at)
				     : 0;
		if (bad == 0) {
			continue;
		}
		char hex[32] = "";
		size_t used = 0;
		for (size_t k = 0; k < bad && used + 6 < sizeof hex; k++) {
			used += (size_t)snprintf(hex + used, sizeof hex - used,
						 "%s0x%02x", k > 0 ? " " : "",
						 f->p[at + k]);
		}
		return fail(r, r->line, true, "22021", NULL,
			    "invalid byte sequence for encoding \"UTF8\": %s",
			    hex);
	}
	return TR_OK;
}

/* HEADER MATCH (PostgreSQL 15's checks and messages). */
static int check_header(struct sql_copy_reader *r, unsigned nf)
{
	if (nf != r->n_cols) {
		return fail(r, r->line, true, "22P04", NULL,
			    "wrong number of fields in header line: field "
			    "count is %u, expected %u",
			    nf, r->n_cols);
	}
	for (unsigned i = 0; i < nf; i++) {
		const struct sql_copy_field *f = &r->fields[i];
		if (f->len < 0) {
			return fail(r, r->line, true, "22P04", NULL,
				    "column name mismatch in header line "
				    "field %u: got null value (\"%s\"), "
				    "expected \"%s\"",
				    i + 1, r->copy->null_str, r->names[i]);
		}
		if (strcmp((const char *)f->p, r->names[i]) != 0) {
			return fail(r, r->line, true, "22P04", NULL,
				    "column name mismatch in header line "
				    "field %u: got \"%s\", expected \"%s\"",
				    i + 1, (const char *)f->p, r->names[i]);
		}
	}
	return TR_OK;
}

/* A complete raw line: the header, or a row for @cb. */
static int end_line(struct sql_copy_reader *r, sql_copy_row_cb cb, void *arg)
{
	r->line++;
	unsigned nf = 0;
	int rv;
	if (r->copy->header && !r->header_done) {
		r->header_done = true;
		if (r->copy->header_match) {
			rv = split_fields(r, true, &nf);
			if (rv == TR_OK) {
				rv = check_header(r, nf);
			}
			if (rv != TR_OK) {
				return rv;
			}
		}
		tr_buf_reset(&r->raw);
		return TR_OK;
	}
	rv = split_fields(r, false, &nf);
	if (rv != TR_OK) {
		return rv;
	}
	rv = cb(arg, r->n_cols, r->fields);
	if (rv != TR_OK) {
		return rv;
	}
	r->rows++;
	tr_buf_reset(&r->raw);
	return TR_OK;
}

/* A line end of style @kind outside quotes (and escapes): check it
 * against the style of the first line. */
static int line_end(struct sql_copy_reader *r, int kind, sql_copy_row_cb cb,
		    void *arg)
{
	bool csv = r->copy->format == SQL_COPY_CSV;
	if (r->eol == EOL_UNKNOWN) {
		r->eol = kind;
	} else if (r->eol != kind) {
		bool newline = kind == EOL_NL ||
			       (kind == EOL_CRNL && r->eol == EOL_CR);
		if (newline) {
			return fail(r, r->line + 1, false, "22P04",
				    csv ? "Use quoted CSV field to represent "
					  "newline."
					: "Use \"\\n\" to represent newline.",
				    csv ? "unquoted newline found in data"
					: "literal newline found in data");
		}
		return fail(r, r->line + 1, false, "22P04",
			    csv ? "Use quoted CSV field to represent carriage "
				  "return."
				: "Use \"\\r\" to represent carriage return.",
			    csv ? "unquoted carriage return found in data"
				: "literal carriage return found in data");
	}
	return end_line(r, cb, arg);
}

/* "\." with the line before it @ok to end the data. */
static int end_marker(struct sql_copy_reader *r)
{
	if (r->raw.len > 0) {
		return fail(r, r->line + 1, false, "22P04", NULL,
			    "end-of-copy marker is not alone on its line");
	}
	r->ended = true;
	return TR_OK;
}

static void put_raw(struct sql_copy_reader *r, const uint8_t *p, size_t n)
{
	tr_buf_put(&r->raw, p, n);
}

/* One byte that is not part of an ordinary run. */
static int step(struct sql_copy_reader *r, uint8_t c, sql_copy_row_cb cb,
		void *arg)
{
	const struct sql_copy *cp = r->copy;
	bool csv = cp->format == SQL_COPY_CSV;
	int rv;
	switch (r->state) {
	case ST_CR:
		r->state = ST_NONE;
		if (c == '\n') {
			return line_end(r, EOL_CRNL, cb, arg);
		}
		rv = line_end(r, EOL_CR, cb, arg);
		if (rv != TR_OK) {
			return rv;
		}
		break; /* then c, at the start of a line */
	case ST_BS:
		r->state = ST_NONE;
		if (c == '.') {
			r->state = ST_DOT;
			return TR_OK;
		}
		if (!csv) {
			/* An escaped byte, line ends included: kept for the
			 * field parser. */
			uint8_t two[2] = { '\\', c };
			put_raw(r, two, 2);
			return TR_OK;
		}
		put_raw(r, (const uint8_t *)"\\", 1);
		break; /* then c as usual */
	case ST_DOT:
		r->state = ST_NONE;
		if (c == '\n' || c == '\r') {
			return end_marker(r);
		}
		if (!csv) {
			return fail(r, r->line + 1, false, "22P04", NULL,
				    "end-of-copy marker corrupt");
		}
		put_raw(r, (const uint8_t *)"\\.", 2);
		break;
	default:
		break;
	}
	if (!csv) {
		switch (c) {
		case '\\':
			r->state = ST_BS;
			return TR_OK;
		case '\n':
			return line_end(r, EOL_NL, cb, arg);
		case '\r':
			r->state = ST_CR;
			return TR_OK;
		default:
			put_raw(r, &c, 1);
			return TR_OK;
		}
	}
	/* CSV: "\." only opens a line; quote state as CopyReadLineText
	 * keeps it. */
	if (c == '\\' && r->raw.len == 0 && !r->in_quote && cp->quote != '\\' &&
	    cp->escape != '\\') {
		r->state = ST_BS;
		return TR_OK;
	}
	/* An escape equal to the quote is just a toggle. */
	int esc = cp->escape != cp->quote ? (uint8_t)cp->escape : -1;
	if (r->in_quote && c == esc) {
		r->last_was_esc = !r->last_was_esc;
	}
	if (c == (uint8_t)cp->quote && !r->last_was_esc) {
		r->in_quote = !r->in_quote;
	}
	if (c != esc) {
		r->last_was_esc = false;
	}
	if (!r->in_quote && c == '\n') {
		return line_end(r, EOL_NL, cb, arg);
	}
	if (!r->in_quote && c == '\r') {
		r->state = ST_CR;
		return TR_OK;
	}
	if (r->in_quote && c == (r->eol == EOL_CR ? '\r' : '\n')) {
		r->line++; /* a physical line inside a quoted field */
	}
	put_raw(r, &c, 1);
	return TR_OK;
}

/* Length of the run of bytes at @p that step() would just append. */
static size_t ordinary_run(const struct sql_copy_reader *r, const uint8_t *p,
			   size_t n)
{
	const struct sql_copy *cp = r->copy;
	size_t i = 0;
	if (r->state != ST_NONE) {
		return 0;
	}
	if (cp->format != SQL_COPY_CSV) {
		while (i < n && p[i] != '\\' && p[i] != '\n' && p[i] != '\r') {
			i++;
		}
		return i;
	}
	if (r->raw.len == 0) {
		return 0; /* a possible "\." */
	}
	while (i < n && p[i] != '\n' && p[i] != '\r' &&
	       p[i] != (uint8_t)cp->quote && p[i] != (uint8_t)cp->escape) {
		i++;
	}
	return i;
}

static int check_raw(struct sql_copy_reader *r)
{
	if (r->raw.len > SQL_COPY_MAX_LINE) {
		tr_buf_reset(&r->raw);
		return fail(r, r->line + 1, false, "54000", NULL,
			    "COPY line is longer than %u bytes",
			    SQL_COPY_MAX_LINE);
	}
	return tr_buf_err(&r->raw) != TR_OK ? TR_ENOMEM : TR_OK;
}

int sql_copy_reader_feed(struct sql_copy_reader *r, const uint8_t *p, size_t n,
			 sql_copy_row_cb cb, void *arg)
{
	if (r->failed) {
		return TR_ESQL;
	}
	size_t i = 0;
	while (i < n && !r->ended) {
		size_t k = ordinary_run(r, p + i, n - i);
		int rv;
		if (k > 0) {
			put_raw(r, p + i, k);
			r->last_was_esc = false;
			i += k;
		} else {
			rv = step(r, p[i++], cb, arg);
			if (rv != TR_OK) {
				return rv;
			}
		}
		rv = check_raw(r);
		if (rv != TR_OK) {
			return rv;
		}
	}
	return TR_OK;
}

int sql_copy_reader_finish(struct sql_copy_reader *r, sql_copy_row_cb cb,
			   void *arg)
{
	if (r->failed) {
		return TR_ESQL;
	}
	if (r->ended) {
		return TR_OK;
	}
	int rv = TR_OK;
	switch (r->state) {
	case ST_CR:
		r->state = ST_NONE;
		return line_end(r, EOL_CR, cb, arg);
	case ST_BS:
		put_raw(r, (const uint8_t *)"\\", 1);
		break;
	case ST_DOT:
		r->state = ST_NONE;
		return end_marker(r);
	default:
		break;
	}
	r->state = ST_NONE;
	rv = check_raw(r);
	if (rv != TR_OK) {
		return rv;
	}
	if (r->copy->format == SQL_COPY_CSV && r->in_quote) {
		return fail(r, r->line + 1, true, "22P04", NULL,
			    "unterminated CSV quoted field");
	}
	if (r->raw.len > 0) {
		return end_line(r, cb, arg);
	}
	return TR_OK;
}

/* ---------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------- */

/* CopyAttributeOutText. */
static void out_text(const struct sql_copy *c, const uint8_t *p, size_t n,
		     struct tr_buf *out)
{
	uint8_t delim = (uint8_t)c->delimiter;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		char e = 0;
		switch (ch) {
		case '\b':
			e = 'b';
			break;
		case '\f':
			e = 'f';
			break;
		case '\n':
			e = 'n';
			break;
		case '\r':
			e = 'r';
			break;
		case '\t':
			e = 't';
			break;
		case '\v':
			e = 'v';
			break;
		case '\\':
			e = '\\';
			break;
		default:
			if (ch == delim) {
				e = (char)ch;
			}
			break;
		}
		if (e != 0) {
			uint8_t two[2] = { '\\', (uint8_t)e };
			tr_buf_put(out, two, 2);
		} else {
			tr_buf_put_u8(out, ch);
		}
	}
}

/* CopyAttributeOutCSV. */
static void out_csv(const struct sql_copy *c, const uint8_t *p, size_t n,
		    bool single, struct tr_buf *out)
{
	bool quote = n == c->null_len &&
		     (n == 0 || memcmp(p, c->null_str, n) == 0);
	if (!quote && single && n == 2 && p[0] == '\\' && p[1] == '.') {
		quote = true;
	}
	for (size_t i = 0; i < n && !quote; i++) {
		quote = p[i] == (uint8_t)c->delimiter ||
			p[i] == (uint8_t)c->quote || p[i] == '\n' ||
			p[i] == '\r';
	}
	if (!quote) {
		tr_buf_put(out, p, n);
		return;
	}
	tr_buf_put_u8(out, (uint8_t)c->quote);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == (uint8_t)c->quote || p[i] == (uint8_t)c->escape) {
			tr_buf_put_u8(out, (uint8_t)c->escape);
		}
		tr_buf_put_u8(out, p[i]);
	}
	tr_buf_put_u8(out, (uint8_t)c->quote);
}

static void out_value(const struct sql_copy *c, const uint8_t *p, size_t n,
		      bool single, struct tr_buf *out)
{
	if (c->format == SQL_COPY_CSV) {
		out_csv(c, p, n, single, out);
	} else {
		out_text(c, p, n, out);
	}
}

void sql_copy_format_row(const struct sql_copy *copy, unsigned n,
			 const uint32_t *oids, const struct sql_value *vals,
			 struct tr_buf *out)
{
	struct tr_buf tmp;
	tr_buf_init(&tmp, 0);
	for (unsigned i = 0; i < n; i++) {
		if (i > 0) {
			tr_buf_put_u8(out, (uint8_t)copy->delimiter);
		}
		tr_buf_reset(&tmp);
		if (vals[i].type == SQL_VALUE_NULL ||
		    !sql_format_text(oids[i], &vals[i], &tmp)) {
			tr_buf_put(out, copy->null_str, copy->null_len);
			continue;
		}
		if (tr_buf_err(&tmp) != TR_OK) {
			if (out->err == TR_OK) {
				out->err = tmp.err; /* @out's sticky error */
			}
			break;
		}
		out_value(copy, tmp.data, tmp.len, n == 1, out);
	}
	tr_buf_put_u8(out, '\n');
	tr_buf_close(&tmp);
}

void sql_copy_format_header(const struct sql_copy *copy, unsigned n,
			    const char *const *names, struct tr_buf *out)
{
	for (unsigned i = 0; i < n; i++) {
		if (i > 0) {
			tr_buf_put_u8(out, (uint8_t)copy->delimiter);
		}
		out_value(copy, (const uint8_t *)names[i], strlen(names[i]),
			  n == 1, out);
	}
	tr_buf_put_u8(out, '\n');
}
