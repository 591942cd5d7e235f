/*
 * sql/rebuild.c: ALTER TABLE by table rebuild.
 *
 *   sql_rebuild_script  the SQLite script for a struct sql_rebuild
 *
 * SQLite alters a table in place only to add, drop or rename a column and
 * to rename the table.  Everything else ALTER TABLE can do in PostgreSQL
 * (add or drop a constraint, SET/DROP NOT NULL and DEFAULT, a new column
 * type) rebuilds the table: copy the rows aside, drop the table, create
 * the new shape, copy the rows back, make its indexes again.  All of it
 * runs in one transaction with the write lock held: all or nothing.
 *
 * The new shape is the old CREATE TABLE text with the changes applied.
 * That text is what sql__create_table wrote (SQLite keeps it verbatim and
 * edits it itself on ADD/RENAME COLUMN), so a small scanner that knows
 * SQLite's quoting is enough: it splits the definition into column and
 * table-constraint elements, and each element into tokens (a quoted name,
 * a comment, a parenthesised group, a word or one character).
 *
 * The rows wait in a copy while the table is dropped and created again
 * under its own name: nothing is renamed, so views and the foreign keys
 * of other tables keep pointing at it (SQLite rewrites those on RENAME).
 * Rows of other tables that reference it are orphans for a moment, which
 * PRAGMA defer_foreign_keys allows until COMMIT, when the same keys are
 * back.
 */
#define _GNU_SOURCE /* strcasestr */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* Most elements (columns and constraints) a table definition may have;
 * SQLite's own limit on columns is 2000. */
#define MAX_ELEMS 4096
/* Most tokens of one element. */
#define MAX_TOKS  512

struct tok {
	const char *p;
	size_t len;
};

/* One column definition or table constraint, as tokens. */
struct elem {
	struct tok toks[MAX_TOKS];
	size_t n;
};

/* Length of the quoted name, string or comment starting at @p; 0 when
 * @p starts none of them.  An unterminated one runs to the end. */
static size_t quoted_len(const char *p)
{
	char close;
	switch (*p) {
	case '\'':
	case '"':
	case '`':
		close = *p;
		break;
	case '[':
		close = ']';
		break;
	case '/':
		if (p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			return end != NULL ? (size_t)(end + 2 - p) : strlen(p);
		}
		return 0;
	case '-':
		if (p[1] == '-') {
			const char *end = strchr(p, '\n');
			return end != NULL ? (size_t)(end - p) : strlen(p);
		}
		return 0;
	default:
		return 0;
	}
	size_t i = 1;
	while (p[i] != '\0') {
		if (p[i] == close) {
			if (close != ']' && p[i + 1] == close) {
				i += 2; /* doubled: an escaped quote */
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return i;
}

/* Length of the parenthesised group starting at @p ('('), quotes
 * respected. */
static size_t group_len(const char *p)
{
	int depth = 0;
	size_t i = 0;
	while (p[i] != '\0') {
		size_t q = quoted_len(p + i);
		if (q > 0) {
			i += q;
			continue;
		}
		if (p[i] == '(') {
			depth++;
		} else if (p[i] == ')' && --depth == 0) {
			return i + 1;
		}
		i++;
	}
	return i;
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' ||
	       (unsigned char)c >= 0x80;
}

/* Split @p[0..len) into tokens. */
static bool tokenize(const char *p, size_t len, struct elem *out)
{
	out->n = 0;
	size_t i = 0;
	while (i < len) {
		if (isspace((unsigned char)p[i])) {
			i++;
			continue;
		}
		size_t n = quoted_len(p + i);
		if (n == 0 && p[i] == '(') {
			n = group_len(p + i);
		}
		if (n == 0 && is_word_char(p[i])) {
			while (i + n < len &&
			       (is_word_char(p[i + n]) || p[i + n] == '.')) {
				n++;
			}
		}
		if (n == 0) {
			n = 1;
		}
		if (n > len - i) {
			n = len - i;
		}
		if (out->n == MAX_TOKS) {
			return false;
		}
		out->toks[out->n++] = (struct tok){ p + i, n };
		i += n;
	}
	return true;
}

static bool tok_is(const struct tok *t, const char *word)
{
	return t->len == strlen(word) && strncasecmp(t->p, word, t->len) == 0;
}

/* A token as a name: quotes removed and doubled quotes undone. */
static char *tok_name(struct tr_arena *a, const struct tok *t)
{
	char *s = tr_arena_strndup(a, t->p, t->len);
	if (s == NULL || t->len < 2 ||
	    !(s[0] == '"' || s[0] == '`' || s[0] == '[')) {
		return s;
	}
	char close = s[0] == '[' ? ']' : s[0];
	size_t o = 0;
	for (size_t i = 1; i + 1 < t->len; i++) {
		s[o++] = s[i];
		if (s[i] == close && close != ']' && s[i + 1] == close) {
			i++;
		}
	}
	s[o] = '\0';
	return s;
}

static bool tok_names(struct tr_arena *a, const struct tok *t, const char *name)
{
	char *s = tok_name(a, t);
	return s != NULL && strcmp(s, name) == 0;
}

static bool is_constraint_start(const struct tok *t)
{
	static const char *const words[] = { "CONSTRAINT", "PRIMARY", "UNIQUE",
					     "CHECK", "FOREIGN" };
	for (size_t i = 0; i < TR_ARRAY_LEN(words); i++) {
		if (tok_is(t, words[i])) {
			return true;
		}
	}
	return false;
}

/* Words that start a column constraint (where a column's type ends). */
static bool is_column_constraint(const struct elem *e, size_t i)
{
	static const char *const words[] = {
		"CONSTRAINT", "PRIMARY", "NOT",     "UNIQUE",
		"CHECK",      "DEFAULT", "COLLATE", "REFERENCES",
		"GENERATED",  "AS",      "NULL",
	};
	for (size_t k = 0; k < TR_ARRAY_LEN(words); k++) {
		if (tok_is(&e->toks[i], words[k])) {
			/* ON DELETE SET NULL, NOT DEFERRABLE: part of a
			 * REFERENCES clause. */
			if (k == 10 && i > 0 &&
			    tok_is(&e->toks[i - 1], "SET")) {
				return false;
			}
			if (k == 2 && i + 1 < e->n &&
			    tok_is(&e->toks[i + 1], "DEFERRABLE")) {
				return false;
			}
			return true;
		}
	}
	return false;
}

static void drop_toks(struct elem *e, size_t at, size_t n)
{
	memmove(&e->toks[at], &e->toks[at + n],
		(e->n - at - n) * sizeof e->toks[0]);
	e->n -= n;
}

/* Insert one token (text in the arena) at @at. */
static bool insert_tok(struct elem *e, size_t at, const char *text)
{
	if (e->n == MAX_TOKS) {
		return false;
	}
	memmove(&e->toks[at + 1], &e->toks[at],
		(e->n - at) * sizeof e->toks[0]);
	e->toks[at] = (struct tok){ text, strlen(text) };
	e->n++;
	return true;
}

static void put_elem(struct tr_buf *b, const struct elem *e)
{
	for (size_t i = 0; i < e->n; i++) {
		/* "bpchar(88)" must stay one declared type for the mirror. */
		bool glued = i > 0 && e->toks[i].p[0] == '(' &&
			     is_word_char(
				     e->toks[i - 1].p[e->toks[i - 1].len - 1]);
		if (i > 0 && !glued) {
			tr_buf_put_str(b, " ");
		}
		tr_buf_put(b, e->toks[i].p, e->toks[i].len);
	}
}

/* The parsed table: its elements and what follows the closing ')'. */
struct table_def {
	struct elem *elems;
	bool *added; /* element is a column added by this ALTER */
	size_t n;
	const char *tail;
};

static int parse_table(struct tr_arena *a, const char *sql, struct table_def *t)
{
	const char *p = sql;
	while (*p != '\0' && *p != '(') {
		size_t q = quoted_len(p);
		p += q > 0 ? q : 1;
	}
	if (*p != '(') {
		return TR_EINVAL;
	}
	size_t body = group_len(p);
	if (body < 2 || p[body - 1] != ')') {
		return TR_EINVAL;
	}
	t->tail = p + body;
	t->elems = tr_arena_alloc(a, MAX_ELEMS * sizeof *t->elems);
	t->added = tr_arena_alloc(a, MAX_ELEMS * sizeof *t->added);
	if (t->elems == NULL || t->added == NULL) {
		return TR_ENOMEM;
	}
	t->n = 0;
	const char *start = p + 1;
	const char *end = p + body - 1;
	const char *q = start;
	while (q <= end) {
		size_t n = q < end ? quoted_len(q) : 0;
		if (n == 0 && q < end && *q == '(') {
			n = group_len(q);
		}
		if (n > 0) {
			q += n;
			continue;
		}
		if (q == end || *q == ',') {
			if (t->n == MAX_ELEMS ||
			    !tokenize(start, (size_t)(q - start),
				      &t->elems[t->n])) {
				return TR_EINVAL;
			}
			t->added[t->n] = false;
			if (t->elems[t->n].n > 0) {
				t->n++;
			}
			start = q + 1;
		}
		q++;
	}
	return TR_OK;
}

static bool is_column(const struct elem *e)
{
	return e->n > 0 && !is_constraint_start(&e->toks[0]);
}

static struct elem *find_column(struct tr_arena *a, struct table_def *t,
				const char *name, size_t *at)
{
	for (size_t i = 0; i < t->n; i++) {
		if (is_column(&t->elems[i]) &&
		    tok_names(a, &t->elems[i].toks[0], name)) {
			if (at != NULL) {
				*at = i;
			}
			return &t->elems[i];
		}
	}
	return NULL;
}

/* Tokens [i, end) of a column constraint starting at @i. */
static size_t column_constraint_end(const struct elem *e, size_t i)
{
	size_t j = i + 1;
	if (tok_is(&e->toks[i], "CONSTRAINT")) {
		j = i + 2; /* the name, then the constraint itself */
		if (j < e->n) {
			j++;
		}
	}
	while (j < e->n && !is_column_constraint(e, j)) {
		j++;
	}
	/* PRIMARY KEY, NOT NULL: the second word is no new constraint. */
	if (j < e->n && j == i + 1 &&
	    (tok_is(&e->toks[j], "NULL") || tok_is(&e->toks[j], "KEY"))) {
		return column_constraint_end(e, j);
	}
	return j;
}

static void remove_not_null(struct elem *e)
{
	for (size_t i = 1; i + 1 < e->n; i++) {
		if (tok_is(&e->toks[i], "NOT") &&
		    tok_is(&e->toks[i + 1], "NULL")) {
			drop_toks(e, i, 2);
			i--;
		}
	}
}

static void remove_default(struct elem *e)
{
	for (size_t i = 1; i < e->n; i++) {
		if (!tok_is(&e->toks[i], "DEFAULT")) {
			continue;
		}
		size_t n = 1;
		if (i + n < e->n &&
		    (e->toks[i + n].p[0] == '-' ||
		     e->toks[i + n].p[0] == '+') &&
		    e->toks[i + n].len == 1) {
			n++;
		}
		if (i + n < e->n) {
			n++;
		}
		drop_toks(e, i, n);
		return;
	}
}

/* First token index after the column's type (the name is token 0). */
static size_t type_end(const struct elem *e)
{
	size_t i = 1;
	while (i < e->n && !is_column_constraint(e, i)) {
		i++;
	}
	return i;
}

static bool has_word(const struct elem *e, const char *w)
{
	for (size_t i = 0; i < e->n; i++) {
		if (tok_is(&e->toks[i], w)) {
			return true;
		}
	}
	return false;
}

/* PostgreSQL's default name for a constraint element (table level) or
 * for the column constraint at @i of column @col. */
static const char *default_name(struct tr_arena *a, const char *table,
				const struct elem *e, size_t i, const char *col)
{
	const struct tok *t = &e->toks[i];
	if (tok_is(t, "CONSTRAINT") && i + 1 < e->n) {
		return tok_name(a, &e->toks[i + 1]);
	}
	if (tok_is(t, "PRIMARY")) {
		return tr_arena_printf(a, "%s_pkey", table);
	}
	const char *suffix = tok_is(t, "UNIQUE") ? "key"
			     : tok_is(t, "REFERENCES") || tok_is(t, "FOREIGN")
				     ? "fkey"
			     : tok_is(t, "CHECK") ? "check"
						  : NULL;
	if (suffix == NULL) {
		return NULL;
	}
	if (col != NULL) {
		return tr_arena_printf(a, "%s_%s_%s", table, col, suffix);
	}
	/* Table level: the key columns in the first group after the
	 * keyword(s), joined with '_'. */
	for (size_t k = i + 1; k < e->n; k++) {
		if (e->toks[k].p[0] != '(') {
			continue;
		}
		struct elem *cols = tr_arena_alloc(a, sizeof *cols);
		if (cols == NULL ||
		    !tokenize(e->toks[k].p + 1, e->toks[k].len - 2, cols)) {
			return NULL;
		}
		char *name = tr_arena_printf(a, "%s", table);
		for (size_t c = 0; c < cols->n && name != NULL; c++) {
			if (cols->toks[c].p[0] == ',') {
				continue;
			}
			name = tr_arena_printf(a, "%s_%s", name,
					       tok_name(a, &cols->toks[c]));
		}
		return name != NULL ? tr_arena_printf(a, "%s_%s", name, suffix)
				    : NULL;
	}
	return NULL;
}

/* Remove element @at (and its copy expression). */
static void remove_elem(struct table_def *t, const char **exprs, size_t at)
{
	memmove(&t->elems[at], &t->elems[at + 1],
		(t->n - at - 1) * sizeof t->elems[0]);
	memmove(&t->added[at], &t->added[at + 1],
		(t->n - at - 1) * sizeof t->added[0]);
	memmove(&exprs[at], &exprs[at + 1], (t->n - at - 1) * sizeof exprs[0]);
	t->n--;
}

/* Remove the constraint named @name; false if there is none. */
static bool drop_constraint(struct tr_arena *a, struct table_def *t,
			    const char **exprs, const char *table,
			    const char *name, bool *autoinc)
{
	for (size_t i = 0; i < t->n; i++) {
		struct elem *e = &t->elems[i];
		if (!is_column(e)) {
			const char *n = default_name(a, table, e, 0, NULL);
			if (n != NULL && strcmp(n, name) == 0) {
				remove_elem(t, exprs, i);
				return true;
			}
			continue;
		}
		const char *col = tok_name(a, &e->toks[0]);
		for (size_t k = type_end(e); k < e->n;) {
			size_t end = column_constraint_end(e, k);
			const char *n = default_name(a, table, e, k, col);
			if (n != NULL && strcmp(n, name) == 0) {
				for (size_t j = k; j < end; j++) {
					if (tok_is(&e->toks[j],
						   "AUTOINCREMENT")) {
						*autoinc = true;
					}
				}
				drop_toks(e, k, end - k);
				return true;
			}
			k = end > k ? end : k + 1;
		}
	}
	return false;
}

static bool is_number(uint32_t oid)
{
	return oid == SQL_OID_INT2 || oid == SQL_OID_INT4 ||
	       oid == SQL_OID_INT8 || oid == SQL_OID_NUMERIC ||
	       oid == SQL_OID_FLOAT4 || oid == SQL_OID_FLOAT8;
}

static bool is_text(uint32_t oid)
{
	return oid == SQL_OID_TEXT || oid == SQL_OID_VARCHAR ||
	       oid == SQL_OID_BPCHAR || oid == SQL_OID_NAME;
}

static bool is_datetime(uint32_t oid)
{
	return oid == SQL_OID_DATE || oid == SQL_OID_TIMESTAMP ||
	       oid == SQL_OID_TIMESTAMPTZ;
}

/* PostgreSQL converts a column without USING only along an assignment
 * (or implicit) cast: within the numbers, within the date/times, and
 * from anything to a string type. */
static bool assignment_cast(uint32_t from, uint32_t to)
{
	return from == to || is_text(to) ||
	       (is_number(from) && is_number(to)) ||
	       (is_datetime(from) && is_datetime(to)) ||
	       (from == SQL_OID_JSON && to == SQL_OID_JSONB) ||
	       (from == SQL_OID_JSONB && to == SQL_OID_JSON);
}

/* true if a table-level PRIMARY KEY names @column. */
static bool in_primary_key(struct tr_arena *a, const struct table_def *t,
			   const char *column)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct elem *e = &t->elems[i];
		if (is_column(e) || !has_word(e, "PRIMARY")) {
			continue;
		}
		for (size_t k = 0; k < e->n; k++) {
			if (e->toks[k].p[0] != '(') {
				continue;
			}
			struct elem *cols = tr_arena_alloc(a, sizeof *cols);
			if (cols == NULL ||
			    !tokenize(e->toks[k].p + 1, e->toks[k].len - 2,
				      cols)) {
				return false;
			}
			for (size_t c = 0; c < cols->n; c++) {
				if (tok_names(a, &cols->toks[c], column)) {
					return true;
				}
			}
			break;
		}
	}
	return false;
}

/* Apply one change to @t.  @exprs[i] is the copy expression of element i
 * (NULL: the column itself). */
static bool elem_seq(const struct elem *e, char *kind, size_t kind_cap,
		     char *seq, size_t seq_cap);

static int apply(struct tr_arena *a, const char *table, struct table_def *t,
		 const char **exprs, const struct sql_alter *al,
		 struct sql_error *err)
{
	size_t at;
	struct elem *col = NULL;
	bool autoinc = false;
	if (al->text == NULL &&
	    (al->op == SQL_ALTER_ADD_COLUMN ||
	     al->op == SQL_ALTER_ADD_CONSTRAINT || al->op == SQL_ALTER_TYPE)) {
		return sql__error(err, a, "XX000",
				  "ALTER TABLE change without text");
	}
	switch (al->op) {
	case SQL_ALTER_ADD_COLUMN:
	case SQL_ALTER_ADD_CONSTRAINT: {
		if (t->n == MAX_ELEMS) {
			return sql__error(err, a, "54011",
					  "tables can have at most %d columns",
					  MAX_ELEMS);
		}
		/* Columns go before the table constraints. */
		size_t pos = t->n;
		if (al->op == SQL_ALTER_ADD_COLUMN) {
			pos = 0;
			while (pos < t->n && is_column(&t->elems[pos])) {
				pos++;
			}
		}
		memmove(&t->elems[pos + 1], &t->elems[pos],
			(t->n - pos) * sizeof t->elems[0]);
		memmove(&t->added[pos + 1], &t->added[pos],
			(t->n - pos) * sizeof t->added[0]);
		memmove(&exprs[pos + 1], &exprs[pos],
			(t->n - pos) * sizeof exprs[0]);
		t->n++;
		exprs[pos] = NULL;
		t->added[pos] = al->op == SQL_ALTER_ADD_COLUMN;
		if (!tokenize(al->text, strlen(al->text), &t->elems[pos])) {
			return sql__error(err, a, "54000",
					  "definition is too complex");
		}
		if (al->op == SQL_ALTER_ADD_COLUMN) {
			const char *name = tok_name(a, &t->elems[pos].toks[0]);
			for (size_t i = 0; i < t->n; i++) {
				if (i != pos && is_column(&t->elems[i]) &&
				    name != NULL &&
				    tok_names(a, &t->elems[i].toks[0], name)) {
					if (al->missing_ok) {
						/* IF NOT EXISTS: keep the
						 * column there is. */
						remove_elem(t, exprs, pos);
						return TR_OK;
					}
					return sql__error(
						err, a, "42701",
						"column \"%s\" of relation "
						"\"%s\" already exists",
						name, table);
				}
			}
		}
		return TR_OK;
	}
	case SQL_ALTER_DROP_CONSTRAINT:
		if (!drop_constraint(a, t, exprs, table, al->column,
				     &autoinc)) {
			if (al->missing_ok) {
				return TR_OK;
			}
			return sql__error(
				err, a, "42704",
				"constraint \"%s\" of relation \"%s\" does "
				"not exist",
				al->column, table);
		}
		if (autoinc) {
			return sql__error(
				err, a, "0A000",
				"dropping the primary key of a serial or "
				"identity column is not supported");
		}
		return TR_OK;
	default:
		break;
	}
	col = find_column(a, t, al->column, &at);
	if (col == NULL) {
		if (al->missing_ok) {
			return TR_OK;
		}
		return sql__error(
			err, a, "42703",
			"column \"%s\" of relation \"%s\" does not exist",
			al->column, table);
	}
	switch (al->op) {
	case SQL_ALTER_DROP_COLUMN:
		remove_elem(t, exprs, at);
		return TR_OK;
	case SQL_ALTER_ENUM: {
		/* The collation and the hidden check carry the labels
		 * (enum.c); the rest of the column stays. */
		const char *check = tr_arena_printf(a, "%s_%s_enum", table,
						    al->column);
		if (check == NULL || al->check == NULL) {
			return TR_ENOMEM;
		}
		for (size_t i = 1; i + 1 < col->n; i++) {
			if (tok_is(&col->toks[i], "COLLATE")) {
				col->toks[i + 1] = (struct tok){
					al->text, strlen(al->text)
				};
			}
			if (i + 3 < col->n &&
			    tok_is(&col->toks[i], "CONSTRAINT") &&
			    tok_names(a, &col->toks[i + 1], check) &&
			    tok_is(&col->toks[i + 2], "CHECK") &&
			    col->toks[i + 3].p[0] == '(') {
				col->toks[i + 3] = (struct tok){
					al->check, strlen(al->check)
				};
			}
		}
		exprs[at] = al->expr;
		return TR_OK;
	}
	case SQL_ALTER_SET_NOT_NULL:
		if (!has_word(col, "NOT") || !has_word(col, "NULL")) {
			if (!insert_tok(col, type_end(col), "NOT NULL")) {
				return sql__error(err, a, "54000",
						  "definition is too complex");
			}
		}
		return TR_OK;
	case SQL_ALTER_DROP_NOT_NULL:
		if (has_word(col, "PRIMARY") ||
		    in_primary_key(a, t, al->column)) {
			return sql__error(err, a, "42P16",
					  "column \"%s\" is in a primary key",
					  al->column);
		}
		remove_not_null(col);
		return TR_OK;
	case SQL_ALTER_IDENTITY: {
		char kind[32];
		char seq[256];
		bool ident = elem_seq(col, kind, sizeof kind, seq,
				      sizeof seq) &&
			     strncmp(kind, "identity", 8) == 0;
		if (al->check != NULL && ident) {
			return sql__error(err, a, "55000",
					  "column \"%s\" of relation \"%s\" "
					  "is already an identity column",
					  al->column, table);
		}
		if (al->check != NULL && has_word(col, "DEFAULT")) {
			return sql__error(err, a, "55000",
					  "column \"%s\" of relation \"%s\" "
					  "already has a default value",
					  al->column, table);
		}
		if (al->check != NULL && !has_word(col, "PRIMARY") &&
		    !(has_word(col, "NOT") && has_word(col, "NULL")) &&
		    !in_primary_key(a, t, al->column)) {
			return sql__error(err, a, "55000",
					  "column \"%s\" of relation \"%s\" "
					  "must be declared NOT NULL before "
					  "identity can be added",
					  al->column, table);
		}
		remove_default(col);
		for (size_t i = 1; i < col->n; i++) {
			if (col->toks[i].len > 9 &&
			    strncmp(col->toks[i].p, "/*pg-seq ", 9) == 0) {
				drop_toks(col, i--, 1);
			}
		}
		const char *d = tr_arena_printf(a, "DEFAULT (%s) %s", al->text,
						al->expr);
		if (d == NULL || !insert_tok(col, col->n, d)) {
			return TR_ENOMEM;
		}
		return TR_OK;
	}
	case SQL_ALTER_SET_DEFAULT:
		remove_default(col);
		if (al->text != NULL) {
			const char *d = tr_arena_printf(a, "DEFAULT (%s)",
							al->text);
			if (d == NULL || !insert_tok(col, col->n, d)) {
				return TR_ENOMEM;
			}
		}
		return TR_OK;
	case SQL_ALTER_TYPE: {
		if (has_word(col, "AUTOINCREMENT")) {
			return sql__error(
				err, a, "0A000",
				"ALTER COLUMN ... TYPE of a serial or "
				"identity column is not supported");
		}
		/* The old type's hidden checks (ddl.c): the new type's
		 * come with its text. */
		bool ai = false;
		const char *hidden[] = { "int2_range", "int4_range",
					 "numeric_range", "len", "enum" };
		for (size_t k = 0; k < TR_ARRAY_LEN(hidden); k++) {
			const char *name = tr_arena_printf(
				a, "%s_%s_%s", table, al->column, hidden[k]);
			if (name == NULL) {
				return TR_ENOMEM;
			}
			(void)drop_constraint(a, t, exprs, table, name, &ai);
		}
		size_t end = type_end(col);
		struct tr_buf decl;
		tr_buf_init(&decl, 0);
		for (size_t i = 1; i < end; i++) {
			tr_buf_put(&decl, col->toks[i].p, col->toks[i].len);
		}
		/* An enum's declared type is two tokens, "enum_text x<hex>". */
		char old_enum[64], new_enum[64];
		const char *old_decl = end == 3 ? tr_arena_printf(
							  a, "%.*s %.*s",
							  (int)col->toks[1].len,
							  col->toks[1].p,
							  (int)col->toks[2].len,
							  col->toks[2].p)
						: NULL;
		bool from_enum = old_decl != NULL &&
				 sql__enum_decl_name(old_decl, old_enum,
						     sizeof old_enum);
		bool to_enum = sql__enum_decl_name(al->text, new_enum,
						   sizeof new_enum);
		if (from_enum || to_enum) {
			/* The old collation (an enum's label order) goes
			 * with the old type. */
			for (size_t i = end; i + 1 < col->n; i++) {
				if (tok_is(&col->toks[i], "COLLATE")) {
					drop_toks(col, i--, 2);
				}
			}
		}
		if (!al->has_using && to_enum &&
		    !(from_enum && strcmp(old_enum, new_enum) == 0)) {
			tr_buf_close(&decl);
			sql_error_set(err, a, "42804",
				      "column \"%s\" cannot be cast "
				      "automatically to type %s",
				      al->column, new_enum);
			err->hint = tr_arena_printf(
				a,
				"You might need to specify \"USING %s::%s\".",
				al->column, new_enum);
			return TR_ESQL;
		}
		if (!al->has_using && !to_enum) {
			int32_t typmod;
			uint32_t from = sql_type_from_decltype(
				tr_buf_cstr(&decl), &typmod);
			if (!assignment_cast(from, al->type_oid)) {
				tr_buf_close(&decl);
				sql_error_set(err, a, "42804",
					      "column \"%s\" cannot be cast "
					      "automatically to type %s",
					      al->column,
					      sql_type_name(al->type_oid));
				err->hint = tr_arena_printf(
					a,
					"You might need to specify "
					"\"USING %s::%s\".",
					al->column,
					sql_type_name(al->type_oid));
				return TR_ESQL;
			}
		}
		tr_buf_close(&decl);
		drop_toks(col, 1, end - 1);
		if (!insert_tok(col, 1, al->text)) {
			return sql__error(err, a, "54000",
					  "definition is too complex");
		}
		exprs[at] = al->expr;
		return TR_OK;
	}
	default:
		return sql__error(err, a, "XX000",
				  "unknown ALTER TABLE change");
	}
}

/* true if @p[0..len) has @name as a token, inside parentheses too. */
static bool mentions_in(struct tr_arena *a, const char *p, size_t len,
			const char *name)
{
	struct elem *e = tr_arena_alloc(a, sizeof *e);
	if (e == NULL || !tokenize(p, len, e)) {
		return false;
	}
	for (size_t i = 0; i < e->n; i++) {
		const struct tok *t = &e->toks[i];
		if (t->p[0] == '(') {
			if (t->len >= 2 &&
			    mentions_in(a, t->p + 1, t->len - 2, name)) {
				return true;
			}
		} else if (tok_names(a, t, name)) {
			return true;
		}
	}
	return false;
}

static bool mentions(struct tr_arena *a, const char *sql, const char *name)
{
	return mentions_in(a, sql, strlen(sql), name);
}

/* The NOTICEs of one script, in order. */
struct notes {
	struct sql_notice *head;
	struct sql_notice *tail;
};

static int note(struct tr_arena *a, struct notes *n, const char *message,
		const char *detail)
{
	struct sql_notice *x = tr_arena_alloc(a, sizeof *x);
	if (x == NULL || message == NULL) {
		return TR_ENOMEM;
	}
	x->sqlstate = NULL;
	x->message = message;
	x->detail = detail;
	x->next = NULL;
	if (n->tail != NULL) {
		n->tail->next = x;
	} else {
		n->head = x;
	}
	n->tail = x;
	return TR_OK;
}

/* The script text of @b into *@script (arena); @b is closed. */
static int finish(struct tr_arena *a, struct tr_buf *b, const char **script)
{
	const char *text = tr_buf_cstr(b);
	if (tr_buf_err(b) != TR_OK) {
		tr_buf_close(b);
		return TR_ENOMEM;
	}
	*script = tr_arena_strdup(a, text);
	tr_buf_close(b);
	return *script != NULL ? TR_OK : TR_ENOMEM;
}

/*
 * ADD COLUMN alone needs no rebuild: SQLite adds a column in place.  The
 * schema tells whether the column exists already (42701, or a NOTICE
 * and nothing done for IF NOT EXISTS), which SQLite would only report
 * as "duplicate column name".
 */
static int add_columns_script(struct tr_arena *a, const struct sql_rebuild *r,
			      struct table_def *t, const char **exprs,
			      unsigned n_objs,
			      const struct sql_schema_obj *objs,
			      const char **script, struct notes *notes,
			      struct sql_error *err)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	for (unsigned i = 0; i < r->n_alters; i++) {
		const struct sql_alter *al = &r->alters[i];
		size_t before = t->n;
		int rv = apply(a, r->table, t, exprs, al, err);
		if (rv != TR_OK) {
			tr_buf_close(&b);
			return rv;
		}
		/* An enum type the mirror knew may be gone by now: the
		 * schema says (enum.c's check on the in-place path). */
		const char *en = strstr(al->text, "enum_text x");
		char type[128];
		if (en != NULL && sql__enum_decl_name(en, type, sizeof type)) {
			const char *view = sql__enum_view_of(a, type);
			bool found = false;
			for (unsigned k = 0; view != NULL && k < n_objs; k++) {
				found = found ||
					(strcmp(objs[k].type, "view") == 0 &&
					 strcmp(objs[k].name, view) == 0);
			}
			if (!found) {
				tr_buf_close(&b);
				return sql__error(err, a, "42704",
						  "type \"%s\" does not exist",
						  type);
			}
		}
		if (t->n == before) {
			rv = note(a, notes,
				  tr_arena_printf(
					  a,
					  "column \"%s\" of relation "
					  "\"%s\" already exists, "
					  "skipping",
					  al->column != NULL ? al->column : "",
					  r->table),
				  NULL);
			if (rv != TR_OK) {
				tr_buf_close(&b);
				return rv;
			}
			continue;
		}
		tr_buf_put_str(&b,
			       b.len > 0 ? "; ALTER TABLE " : "ALTER TABLE ");
		sql__ident_buf(&b, r->table);
		tr_buf_put_str(&b, " ADD COLUMN ");
		tr_buf_put_str(&b, al->text);
	}
	if (b.len == 0) {
		tr_buf_put_str(&b, "SELECT 1 WHERE 0"); /* nothing to do */
	}
	return finish(a, &b, script);
}

static int drop_script(struct tr_arena *a, const struct sql_drop *d,
		       unsigned n_objs, const struct sql_schema_obj *objs,
		       const char **script, struct notes *notes,
		       struct sql_error *err);

static int table_script(struct tr_arena *a, const struct sql_rebuild *r,
			unsigned n_objs, const struct sql_schema_obj *objs,
			const char **script, struct notes *notes,
			struct sql_error *err);

static int enum_script(struct tr_arena *a, const struct sql_enum_alter *x,
		       unsigned n_objs, const struct sql_schema_obj *objs,
		       const char **script, struct notes *notes,
		       struct sql_error *err);

/* CREATE TABLE IF NOT EXISTS: the table and its sequences, or, when a
 * relation (table, view, sequence, index) has the name, nothing but
 * PostgreSQL's NOTICE.  Decided here, under the write lock, because the
 * sequences cannot be made conditionally in SQLite's DDL. */
static int create_script(struct tr_arena *a, const struct sql_rebuild *r,
			 unsigned n_objs, const struct sql_schema_obj *objs,
			 const char **script, struct notes *notes)
{
	for (unsigned i = 0; i < n_objs; i++) {
		if (strcmp(objs[i].name, r->table) == 0 &&
		    strcmp(objs[i].type, "trigger") != 0) {
			int rv = note(a, notes,
				      tr_arena_printf(a,
						      "relation \"%s\" already "
						      "exists, skipping",
						      r->table),
				      NULL);
			if (rv == TR_OK) {
				notes->tail->sqlstate = "42P07";
			}
			*script = "SAVEPOINT triode_noop; RELEASE triode_noop";
			return rv;
		}
	}
	*script = r->create;
	return TR_OK;
}

int sql_rebuild_script(struct tr_arena *a, const struct sql_rebuild *r,
		       unsigned n_objs, const struct sql_schema_obj *objs,
		       const char **script, const struct sql_notice **notices,
		       struct sql_error *err)
{
	struct notes notes = { NULL, NULL };
	int rv;
	if (r->sequence != NULL) {
		rv = sql__alter_sequence_script(a, r, n_objs, objs, script,
						err);
	} else if (r->drop != NULL) {
		rv = drop_script(a, r->drop, n_objs, objs, script, &notes, err);
	} else if (r->enum_alter != NULL) {
		rv = enum_script(a, r->enum_alter, n_objs, objs, script, &notes,
				 err);
	} else if (r->create != NULL) {
		rv = create_script(a, r, n_objs, objs, script, &notes);
	} else {
		rv = table_script(a, r, n_objs, objs, script, &notes, err);
	}
	*notices = rv == TR_OK ? notes.head : NULL;
	return rv;
}

/* The sequence a DEFAULT text is exactly pg_nextval('<name>') of, into
 * @seq; false for any other default. */
static bool nextval_of(const char *text, char *seq, size_t cap)
{
	if (text == NULL || strncmp(text, "pg_nextval('", 12) != 0) {
		return false;
	}
	const char *p = text + 12;
	size_t n = 0;
	while (*p != '\0' && n + 1 < cap) {
		if (*p == '\'' && p[1] == '\'') {
			p++;
		} else if (*p == '\'') {
			break;
		}
		seq[n++] = *p++;
	}
	seq[n] = '\0';
	return n > 0 && strcmp(p, "')") == 0;
}

static bool is_sequence(const struct sql_schema_obj *o);
static bool is_user_relation(const struct sql_schema_obj *o);

/* The sequence view named @seq, or NULL. */
static const struct sql_schema_obj *find_sequence(
	const char *seq, unsigned n_objs, const struct sql_schema_obj *objs)
{
	for (unsigned k = 0; k < n_objs; k++) {
		if (strcmp(objs[k].name, seq) == 0 && is_sequence(&objs[k])) {
			return &objs[k];
		}
	}
	return NULL;
}

/*
 * SET DEFAULT nextval('s') (pg_dump's serial column: CREATE TABLE with a
 * plain column, CREATE SEQUENCE s, ALTER SEQUENCE s OWNED BY t.c, then
 * the default): when s is OWNED BY this column, the column gets the
 * serial marker (ddl.c) as a serial column made by CREATE TABLE has, so
 * that DROP TABLE drops s and the catalog shows the ownership.  A
 * sequence that does not exist is 42P01 now, as PostgreSQL's regclass
 * says, rather than at the first INSERT.
 */
static int owned_default(struct tr_arena *a, const char *table,
			 struct sql_alter *al, unsigned n_objs,
			 const struct sql_schema_obj *objs,
			 struct sql_error *err)
{
	char seq[256];
	if (al->op != SQL_ALTER_SET_DEFAULT ||
	    !nextval_of(al->text, seq, sizeof seq)) {
		return TR_OK;
	}
	const struct sql_schema_obj *o = find_sequence(seq, n_objs, objs);
	if (o == NULL) {
		return sql__error(err, a, "42P01",
				  "relation \"%s\" does not exist", seq);
	}
	char ot[256];
	char oc[256];
	if (sql__seq_owner(o->sql, ot, sizeof ot, oc, sizeof oc) &&
	    strcmp(ot, table) == 0 && strcmp(oc, al->column) == 0) {
		al->op = SQL_ALTER_IDENTITY;
		al->expr = "/*pg-seq serial*/";
		al->check = NULL;
	}
	return TR_OK;
}

int sql__seq_owned_by(struct tr_arena *a, const char *seq, const char *table,
		      const char *column, unsigned n_objs,
		      const struct sql_schema_obj *objs, const char **extra,
		      struct sql_error *err)
{
	const struct sql_schema_obj *o = NULL;
	*extra = NULL;
	for (unsigned i = 0; i < n_objs; i++) {
		if (strcmp(objs[i].name, table) == 0 &&
		    is_user_relation(&objs[i])) {
			o = &objs[i];
		}
	}
	if (o == NULL) {
		return sql__error(err, a, "42P01",
				  "relation \"%s\" does not exist", table);
	}
	if (strcmp(o->type, "table") != 0) {
		return sql__error(err, a, "0A000",
				  "OWNED BY a column of \"%s\" is not "
				  "supported: it is not a table",
				  table);
	}
	struct table_def t;
	int rv = parse_table(a, o->sql, &t);
	if (rv != TR_OK) {
		return rv == TR_ENOMEM
			       ? rv
			       : sql__error(err, a, "0A000",
					    "cannot read table \"%s\"", table);
	}
	struct elem *col = find_column(a, &t, column, NULL);
	if (col == NULL) {
		return sql__error(err, a, "42703",
				  "column \"%s\" of relation \"%s\" does "
				  "not exist",
				  column, table);
	}
	/* Its DEFAULT is nextval() of the sequence already: mark it now. */
	char kind[32];
	char cur[256];
	if (elem_seq(col, kind, sizeof kind, cur, sizeof cur)) {
		return TR_OK;
	}
	for (size_t i = 1; i + 1 < col->n; i++) {
		const struct tok *g = &col->toks[i + 1];
		if (!tok_is(&col->toks[i], "DEFAULT") || g->p[0] != '(' ||
		    g->len < 2) {
			continue;
		}
		const char *text = tr_arena_strndup(a, g->p + 1, g->len - 2);
		if (text == NULL) {
			return TR_ENOMEM;
		}
		if (!nextval_of(text, cur, sizeof cur) ||
		    strcmp(cur, seq) != 0) {
			return TR_OK;
		}
		struct sql_alter *al = tr_arena_alloc(a, sizeof *al);
		if (al == NULL) {
			return TR_ENOMEM;
		}
		*al = (struct sql_alter){
			.op = SQL_ALTER_IDENTITY,
			.column = column,
			.text = text,
			.expr = "/*pg-seq serial*/",
		};
		struct sql_rebuild r = { .table = table,
					 .n_alters = 1,
					 .alters = al };
		struct notes notes = { NULL, NULL };
		return table_script(a, &r, n_objs, objs, extra, &notes, err);
	}
	return TR_OK;
}

static int table_script(struct tr_arena *a, const struct sql_rebuild *r,
			unsigned n_objs, const struct sql_schema_obj *objs,
			const char **script, struct notes *notes,
			struct sql_error *err)
{
	const struct sql_schema_obj *table = NULL;
	for (unsigned i = 0; i < n_objs; i++) {
		if (strcmp(objs[i].type, "table") == 0 &&
		    strcmp(objs[i].name, r->table) == 0) {
			table = &objs[i];
		}
	}
	if (table == NULL) {
		return sql__error(err, a, "42P01",
				  "relation \"%s\" does not exist", r->table);
	}
	struct table_def t;
	int rv = parse_table(a, table->sql, &t);
	if (rv == TR_ENOMEM) {
		return rv;
	}
	if (rv != TR_OK) {
		return sql__error(
			err, a, "0A000",
			"ALTER TABLE cannot rebuild table \"%s\": its "
			"definition is not one triode wrote",
			r->table);
	}
	/* PostgreSQL's views are bound to column types; SQLite's are text,
	 * but the refusal is kept so that schemas behave the same. */
	for (unsigned i = 0; i < r->n_alters; i++) {
		if (r->alters[i].op != SQL_ALTER_TYPE) {
			continue;
		}
		for (unsigned k = 0; k < n_objs; k++) {
			if (strcmp(objs[k].type, "view") == 0 &&
			    mentions(a, objs[k].sql, r->table) &&
			    mentions(a, objs[k].sql, r->alters[i].column)) {
				return sql__error(
					err, a, "0A000",
					"cannot alter type of a column "
					"used by a view or rule");
			}
		}
	}
	/* Copy expressions, per element, moved along with the elements. */
	const char **exprs = tr_arena_alloc(a, MAX_ELEMS * sizeof *exprs);
	if (exprs == NULL) {
		return TR_ENOMEM;
	}
	memset(exprs, 0, MAX_ELEMS * sizeof *exprs);
	bool in_place = r->n_alters > 0;
	for (unsigned i = 0; i < r->n_alters; i++) {
		in_place = in_place && r->alters[i].op == SQL_ALTER_ADD_COLUMN;
	}
	if (in_place) {
		return add_columns_script(a, r, &t, exprs, n_objs, objs, script,
					  notes, err);
	}
	for (unsigned i = 0; i < r->n_alters; i++) {
		struct sql_alter al = r->alters[i];
		rv = owned_default(a, r->table, &al, n_objs, objs, err);
		if (rv == TR_OK) {
			rv = apply(a, r->table, &t, exprs, &al, err);
		}
		if (rv != TR_OK) {
			return rv;
		}
	}
	const char *old = tr_arena_printf(a, "%s__triode_old", r->table);
	const char *seq = tr_arena_printf(a, "%s__triode_seq", r->table);
	if (old == NULL || seq == NULL) {
		return TR_ENOMEM;
	}
	bool autoinc = strcasestr(table->sql, "AUTOINCREMENT") != NULL;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	/* Rows that reference this table lose their parent for a moment:
	 * DROP TABLE's implicit DELETE would run their ON DELETE actions
	 * (SET NULL, CASCADE: data lost), so foreign keys are off while the
	 * table is rebuilt (triode_foreign_keys below), and their checks
	 * wait for COMMIT (the pragma ends with the transaction), when the
	 * same keys are back. */
	tr_buf_put_str(&b, "SELECT 1 WHERE triode_foreign_keys(0) = 2; "
			   "PRAGMA defer_foreign_keys = ON; CREATE TABLE ");
	sql__ident_buf(&b, old);
	tr_buf_put_str(&b, " AS SELECT * FROM ");
	sql__ident_buf(&b, r->table);
	if (autoinc) {
		/* The serial counter may be ahead of the highest row. */
		tr_buf_put_str(&b, "; CREATE TABLE ");
		sql__ident_buf(&b, seq);
		tr_buf_put_str(&b, " AS SELECT seq FROM sqlite_sequence WHERE "
				   "name = ");
		sql__string_buf(&b, r->table);
	}
	tr_buf_put_str(&b, "; DROP TABLE ");
	sql__ident_buf(&b, r->table);
	tr_buf_put_str(&b, "; CREATE TABLE ");
	sql__ident_buf(&b, r->table);
	tr_buf_put_str(&b, " (");
	for (size_t i = 0; i < t.n; i++) {
		tr_buf_put_str(&b, i > 0 ? ", " : "");
		put_elem(&b, &t.elems[i]);
	}
	tr_buf_put_str(&b, ")");
	tr_buf_put_str(&b, t.tail);
	/* The rows: every column the old table had, converted if asked. */
	tr_buf_put_str(&b, "; INSERT INTO ");
	sql__ident_buf(&b, r->table);
	tr_buf_put_str(&b, " (");
	bool first = true;
	for (size_t i = 0; i < t.n; i++) {
		if (is_column(&t.elems[i]) && !t.added[i]) {
			tr_buf_put_str(&b, first ? "" : ", ");
			tr_buf_put(&b, t.elems[i].toks[0].p,
				   t.elems[i].toks[0].len);
			first = false;
		}
	}
	tr_buf_put_str(&b, ") SELECT ");
	first = true;
	for (size_t i = 0; i < t.n; i++) {
		if (is_column(&t.elems[i]) && !t.added[i]) {
			tr_buf_put_str(&b, first ? "" : ", ");
			if (exprs[i] != NULL) {
				tr_buf_put_str(&b, exprs[i]);
			} else {
				tr_buf_put(&b, t.elems[i].toks[0].p,
					   t.elems[i].toks[0].len);
			}
			first = false;
		}
	}
	if (first) {
		/* Every old column dropped: PostgreSQL keeps the rows (with
		 * no columns); SQLite cannot have a table without one. */
		tr_buf_close(&b);
		return sql__error(err, a, "0A000",
				  "tables without columns are not supported");
	}
	tr_buf_put_str(&b, " FROM ");
	sql__ident_buf(&b, old);
	tr_buf_put_str(&b, "; DROP TABLE ");
	sql__ident_buf(&b, old);
	if (autoinc) {
		tr_buf_put_str(&b, "; INSERT INTO sqlite_sequence (name, seq) "
				   "SELECT ");
		sql__string_buf(&b, r->table);
		tr_buf_put_str(&b, ", 0 WHERE NOT EXISTS (SELECT 1 FROM "
				   "sqlite_sequence WHERE name = ");
		sql__string_buf(&b, r->table);
		tr_buf_put_str(&b,
			       "); UPDATE sqlite_sequence SET seq = max(seq, "
			       "coalesce((SELECT seq FROM ");
		sql__ident_buf(&b, seq);
		tr_buf_put_str(&b, "), 0)) WHERE name = ");
		sql__string_buf(&b, r->table);
		tr_buf_put_str(&b, "; DROP TABLE ");
		sql__ident_buf(&b, seq);
	}
	/* ADD GENERATED ... AS IDENTITY: its new sequence. */
	for (unsigned i = 0; i < r->n_alters; i++) {
		if (r->alters[i].op == SQL_ALTER_IDENTITY &&
		    r->alters[i].check != NULL) {
			tr_buf_put_str(&b, r->alters[i].check);
		}
	}
	/* Indexes and triggers went with the old table. */
	for (unsigned i = 0; i < n_objs; i++) {
		const struct sql_schema_obj *o = &objs[i];
		if ((strcmp(o->type, "index") != 0 &&
		     strcmp(o->type, "trigger") != 0) ||
		    strcmp(o->tbl_name, r->table) != 0) {
			continue;
		}
		bool dropped = false;
		for (unsigned k = 0; k < r->n_alters; k++) {
			const char *cols = strchr(o->sql, '(');
			if (r->alters[k].op == SQL_ALTER_DROP_COLUMN &&
			    cols != NULL &&
			    mentions(a, cols, r->alters[k].column)) {
				dropped = true; /* as PostgreSQL drops it */
			}
		}
		if (!dropped) {
			tr_buf_put_str(&b, "; ");
			tr_buf_put_str(&b, o->sql);
		}
	}
	tr_buf_put_str(&b, "; SELECT 1 WHERE triode_foreign_keys(1) = 2");
	return finish(a, &b, script);
}

/*
 * triode_foreign_keys(on): foreign key enforcement on this connection,
 * on or off, inside a transaction too (PRAGMA foreign_keys cannot be
 * changed there); returns @on.  Statements compiled later see it.  A
 * rebuild script turns it off and back on; should the script fail half
 * way, the transaction's end (ROLLBACK, or COMMIT) turns it back on.
 */
static void fk_on(sqlite3 *db)
{
	int now = 0;
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, &now);
	sqlite3_commit_hook(db, NULL, NULL);
	sqlite3_rollback_hook(db, NULL, NULL);
}

static int fk_on_commit(void *db)
{
	fk_on(db);
	return 0; /* the commit goes ahead */
}

static void fk_on_rollback(void *db)
{
	fk_on(db);
}

static void foreign_keys(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	TR_UNUSED(argc);
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	int on = sqlite3_value_int(argv[0]) != 0;
	if (on) {
		fk_on(db);
	} else {
		int now = 0;
		sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, 0, &now);
		sqlite3_commit_hook(db, fk_on_commit, db);
		sqlite3_rollback_hook(db, fk_on_rollback, db);
	}
	sqlite3_result_int(ctx, on);
}

int sql__rebuild_register(struct sqlite3 *db)
{
	/* Direct only: no view or trigger may hide a call. */
	return sqlite3_create_function_v2(db, "triode_foreign_keys", 1,
					  SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
					  foreign_keys, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * DROP TABLE / DROP VIEW with PostgreSQL's dependency rules
 *
 * SQLite tracks no dependencies: a view over a dropped table stays (and
 * fails when read), and a foreign key to it stays (and fails the next
 * write).  PostgreSQL refuses the drop (2BP01) unless CASCADE, which
 * drops the dependent views and the referencing foreign-key constraints
 * (not their tables).  The dependencies are read from the schema's text:
 * a view depends on the relations its FROM clauses name, a table's
 * REFERENCES clauses on the tables they name.  The foreign keys go by a
 * rebuild of their table without them (table_script).
 * ------------------------------------------------------------------- */

/* @t names relation @name: "name", "main.name", "public.name". */
static bool tok_is_relation(struct tr_arena *a, const struct tok *t,
			    const char *name)
{
	if (tok_names(a, t, name)) {
		return true;
	}
	size_t n = strlen(name);
	if (t->len <= n + 1 || t->p[0] == '"') {
		return false;
	}
	return t->p[t->len - n - 1] == '.' &&
	       strncmp(t->p + t->len - n, name, n) == 0;
}

/* true if a FROM or JOIN of the SQL text @p[0..len) (or of a subquery in
 * it) names relation @name. */
static bool reads_relation(struct tr_arena *a, const char *p, size_t len,
			   const char *name, int depth)
{
	struct elem *e = tr_arena_alloc(a, sizeof *e);
	if (e == NULL || depth > 64 || !tokenize(p, len, e)) {
		return false;
	}
	static const char *const ends[] = {
		"WHERE",  "GROUP",  "ORDER",  "HAVING",
		"LIMIT",  "UNION",  "EXCEPT", "INTERSECT",
		"WINDOW", "SELECT", "VALUES", "RETURNING",
	};
	bool in_from = false;
	for (size_t i = 0; i < e->n; i++) {
		const struct tok *t = &e->toks[i];
		if (t->p[0] == '(') {
			if (t->len >= 2 &&
			    reads_relation(a, t->p + 1, t->len - 2, name,
					   depth + 1)) {
				return true;
			}
			continue;
		}
		if (tok_is(t, "FROM") || tok_is(t, "JOIN")) {
			in_from = true;
			continue;
		}
		for (size_t k = 0; k < TR_ARRAY_LEN(ends); k++) {
			if (tok_is(t, ends[k])) {
				in_from = false;
			}
		}
		if (in_from && i > 0 &&
		    (tok_is(&e->toks[i - 1], "FROM") ||
		     tok_is(&e->toks[i - 1], "JOIN") ||
		     tok_is(&e->toks[i - 1], ",")) &&
		    tok_is_relation(a, t, name)) {
			return true;
		}
	}
	return false;
}

/* A dependent object: a view, or a foreign-key constraint of a table. */
struct dep {
	unsigned obj;   /* the view, or the table of the constraint */
	const char *fk; /* the constraint's name; NULL for a view */
	unsigned on;    /* the object it depends on */
};

struct deps {
	struct dep *v;
	unsigned n, cap;
};

static int dep_add(struct tr_arena *a, struct deps *d, unsigned obj,
		   const char *fk, unsigned on)
{
	if (d->n == d->cap) {
		unsigned cap = d->cap ? d->cap * 2 : 16;
		struct dep *v = tr_arena_alloc(a, cap * sizeof *v);
		if (v == NULL) {
			return TR_ENOMEM;
		}
		if (d->n > 0) {
			memcpy(v, d->v, d->n * sizeof *v);
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = (struct dep){ obj, fk, on };
	return TR_OK;
}

/* A relation the user sees: triode's own tables and views (sequences'
 * state, enum types, comments) are not relations of PostgreSQL's. */
static bool is_user_relation(const struct sql_schema_obj *o)
{
	if (strcmp(o->type, "table") != 0 && strcmp(o->type, "view") != 0) {
		return false;
	}
	if (strcmp(o->name, "triode_sequences") == 0 ||
	    strcmp(o->name, "triode_rows") == 0) {
		return false;
	}
	return strcmp(o->type, "table") == 0 ||
	       strncmp(o->name, "triode_", 7) != 0;
}

static bool is_sequence(const struct sql_schema_obj *o)
{
	struct sql__seqopts so;
	return strcmp(o->type, "view") == 0 && sql__seq_marker(o->sql, &so);
}

/* "table p", "view v", "constraint c on table t" (getObjectDescription). */
static const char *describe(struct tr_arena *a,
			    const struct sql_schema_obj *objs,
			    const struct dep *d)
{
	const struct sql_schema_obj *o = &objs[d->obj];
	if (d->fk != NULL) {
		return tr_arena_printf(a, "constraint %s on table %s", d->fk,
				       o->name);
	}
	return tr_arena_printf(a, "%s %s", o->type, o->name);
}

static int fks_in(struct tr_arena *tmp, struct tr_arena *a, const char *table,
		  const char *sql, const char *target, unsigned ci, unsigned on,
		  struct deps *out);

/* The foreign keys of table @c (objs[ci]) that reference objs[on]. */
static int find_fks(struct tr_arena *a, const struct sql_schema_obj *objs,
		    unsigned ci, unsigned on, struct deps *out)
{
	const char *target = objs[on].name;
	const char *table = objs[ci].name;
	if (strcasestr(objs[ci].sql, "REFERENCES") == NULL) {
		return TR_OK;
	}
	/* The parse is big: it goes with its own arena. */
	struct tr_arena tmp;
	tr_arena_init(&tmp, 16384);
	int rv = fks_in(&tmp, a, table, objs[ci].sql, target, ci, on, out);
	tr_arena_close(&tmp);
	return rv;
}

/* find_fks on the parse of @sql in @tmp; names kept in @a. */
static int fks_in(struct tr_arena *tmp, struct tr_arena *a, const char *table,
		  const char *sql, const char *target, unsigned ci, unsigned on,
		  struct deps *out)
{
	struct table_def t;
	int rv = parse_table(tmp, sql, &t);
	if (rv != TR_OK) {
		return rv == TR_ENOMEM ? rv : TR_OK;
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct elem *e = &t.elems[i];
		bool column = is_column(e);
		const char *col = column ? tok_name(tmp, &e->toks[0]) : NULL;
		size_t k = column ? type_end(e) : 0;
		while (k < e->n) {
			size_t end = column ? column_constraint_end(e, k)
					    : e->n;
			if (end <= k) {
				end = k + 1;
			}
			for (size_t j = k; j + 1 < end; j++) {
				if (tok_is(&e->toks[j], "REFERENCES") &&
				    tok_is_relation(tmp, &e->toks[j + 1],
						    target)) {
					const char *name = default_name(
						tmp, table, e, k, col);
					name = name != NULL ? tr_arena_strdup(
								      a, name)
							    : NULL;
					if (name == NULL) {
						return TR_ENOMEM;
					}
					rv = dep_add(a, out, ci, name, on);
					if (rv != TR_OK) {
						return rv;
					}
					break;
				}
			}
			k = end;
		}
	}
	return TR_OK;
}

/* The views that read objs[on], and theirs, depth first; marked @gone. */
static int find_views(struct tr_arena *a, unsigned n_objs,
		      const struct sql_schema_obj *objs, unsigned on,
		      bool *gone, struct deps *out, int depth)
{
	if (depth > 100) {
		return TR_OK;
	}
	for (unsigned v = 0; v < n_objs; v++) {
		const struct sql_schema_obj *o = &objs[v];
		if (gone[v] || strcmp(o->type, "view") != 0 ||
		    !is_user_relation(o) || is_sequence(o)) {
			continue;
		}
		struct tr_arena tmp;
		tr_arena_init(&tmp, 16384);
		bool reads = reads_relation(&tmp, o->sql, strlen(o->sql),
					    objs[on].name, 0);
		tr_arena_close(&tmp);
		if (!reads) {
			continue;
		}
		gone[v] = true;
		int rv = dep_add(a, out, v, NULL, on);
		if (rv == TR_OK) {
			rv = find_views(a, n_objs, objs, v, gone, out,
					depth + 1);
		}
		if (rv != TR_OK) {
			return rv;
		}
	}
	return TR_OK;
}

/* A column element's /\*pg-seq <kind>*\/ marker (ddl.c) and the sequence
 * its DEFAULT pg_nextval('...') names, copied out; false if either is
 * missing or too long. */
static bool elem_seq(const struct elem *e, char *kind, size_t kind_cap,
		     char *seq, size_t seq_cap)
{
	bool has_kind = false;
	bool has_seq = false;
	for (size_t i = 0; i < e->n; i++) {
		const struct tok *t = &e->toks[i];
		if (t->len > 11 && strncmp(t->p, "/*pg-seq ", 9) == 0 &&
		    t->len - 11 < kind_cap) {
			memcpy(kind, t->p + 9, t->len - 11);
			kind[t->len - 11] = '\0';
			has_kind = true;
		}
		if (!tok_is(t, "DEFAULT") || i + 1 == e->n ||
		    e->toks[i + 1].p[0] != '(') {
			continue;
		}
		const struct tok *g = &e->toks[i + 1];
		const char *p = strstr(g->p, "pg_nextval('");
		if (p == NULL || p >= g->p + g->len) {
			continue;
		}
		p += 12;
		size_t n = 0;
		while (p < g->p + g->len && n + 1 < seq_cap) {
			if (*p == '\'' && p[1] == '\'') {
				p++;
			} else if (*p == '\'') {
				break;
			}
			seq[n++] = *p++;
		}
		seq[n] = '\0';
		has_seq = p < g->p + g->len && *p == '\'';
	}
	return has_kind && has_seq;
}

bool sql__column_seq(const char *sql, const char *column, char *kind,
		     size_t kind_cap, char *seq, size_t seq_cap)
{
	if (sql == NULL || strstr(sql, "/*pg-seq ") == NULL) {
		return false;
	}
	struct tr_arena tmp;
	tr_arena_init(&tmp, 16384);
	struct table_def t;
	bool found = false;
	if (parse_table(&tmp, sql, &t) == TR_OK) {
		const struct elem *e = find_column(&tmp, &t, column, NULL);
		found = e != NULL && elem_seq(e, kind, kind_cap, seq, seq_cap);
	}
	tr_arena_close(&tmp);
	return found;
}

/* "; DROP VIEW <s>; DELETE FROM triode_sequences ..." for each sequence
 * a serial or identity column of table @sql owns (sequence.c). */
static void drop_owned_sequences(struct tr_buf *b, const char *sql,
				 unsigned n_objs,
				 const struct sql_schema_obj *objs)
{
	if (strstr(sql, "/*pg-seq ") == NULL) {
		return;
	}
	struct tr_arena tmp;
	tr_arena_init(&tmp, 16384);
	struct table_def t;
	if (parse_table(&tmp, sql, &t) == TR_OK) {
		for (size_t i = 0; i < t.n; i++) {
			char kind[32];
			char seq[256];
			if (!is_column(&t.elems[i]) ||
			    !elem_seq(&t.elems[i], kind, sizeof kind, seq,
				      sizeof seq)) {
				continue;
			}
			for (unsigned k = 0; k < n_objs; k++) {
				if (strcmp(objs[k].name, seq) != 0 ||
				    !is_sequence(&objs[k])) {
					continue;
				}
				tr_buf_put_str(b, "; DROP VIEW ");
				sql__ident_buf(b, seq);
				tr_buf_put_str(b,
					       "; DELETE FROM triode_sequences "
					       "WHERE name = ");
				sql__string_buf(b, seq);
			}
		}
	}
	tr_arena_close(&tmp);
}

/* The same for the sequences OWNED BY a column of @table whose column
 * does not name them in its DEFAULT (ALTER SEQUENCE ... OWNED BY alone):
 * PostgreSQL drops those with the table too. */
static void drop_sequences_owned_by(struct tr_buf *b, const char *table,
				    unsigned n_objs,
				    const struct sql_schema_obj *objs)
{
	for (unsigned k = 0; k < n_objs; k++) {
		char ot[256];
		char oc[256];
		if (!is_sequence(&objs[k]) ||
		    !sql__seq_owner(objs[k].sql, ot, sizeof ot, oc,
				    sizeof oc) ||
		    strcmp(ot, table) != 0) {
			continue;
		}
		tr_buf_put_str(b, "; DROP VIEW IF EXISTS ");
		sql__ident_buf(b, objs[k].name);
		tr_buf_put_str(b,
			       "; DELETE FROM triode_sequences WHERE name = ");
		sql__string_buf(b, objs[k].name);
	}
}

/* Lines "<prefix><dependent><suffix>" joined by newlines. */
static const char *dep_lines(struct tr_arena *a,
			     const struct sql_schema_obj *objs,
			     const struct deps *d, bool cascade)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	for (unsigned i = 0; i < d->n; i++) {
		if (i > 0) {
			tr_buf_put_str(&b, "\n");
		}
		const char *what = describe(a, objs, &d->v[i]);
		struct dep on = { d->v[i].on, NULL, 0 };
		if (cascade) {
			tr_buf_printf(&b, "drop cascades to %s", what);
		} else {
			tr_buf_printf(&b, "%s depends on %s", what,
				      describe(a, objs, &on));
		}
	}
	const char *s = NULL;
	(void)finish(a, &b, &s);
	return s;
}

/* The target named @name of a DROP, as PostgreSQL resolves it: its
 * index in @objs, or -1 (TR_ESQL in @rv when that is an error). */
static long find_target(struct tr_arena *a, const struct sql_drop *d,
			const char *name, unsigned n_objs,
			const struct sql_schema_obj *objs, struct notes *notes,
			struct sql_error *err, int *rv)
{
	const char *kind = d->view ? "view" : "table";
	*rv = TR_OK;
	for (unsigned i = 0; i < n_objs; i++) {
		const struct sql_schema_obj *o = &objs[i];
		if (strcmp(o->name, name) != 0 || !is_user_relation(o)) {
			continue;
		}
		if (strcmp(o->type, kind) == 0 && !is_sequence(o)) {
			return i;
		}
		sql_error_set(err, a, "42809", "\"%s\" is not a %s", name,
			      kind);
		err->hint = is_sequence(o) ? "Use DROP SEQUENCE to remove a "
					     "sequence."
			    : d->view      ? "Use DROP TABLE to remove a table."
					   : "Use DROP VIEW to remove a view.";
		*rv = TR_ESQL;
		return -1;
	}
	if (!d->missing_ok) {
		*rv = sql__error(err, a, "42P01", "%s \"%s\" does not exist",
				 kind, name);
		return -1;
	}
	*rv = note(a, notes,
		   tr_arena_printf(a, "%s \"%s\" does not exist, skipping",
				   kind, name),
		   NULL);
	return -1;
}

static int drop_script(struct tr_arena *a, const struct sql_drop *d,
		       unsigned n_objs, const struct sql_schema_obj *objs,
		       const char **script, struct notes *notes,
		       struct sql_error *err)
{
	bool *gone = tr_arena_alloc(a, (n_objs + 1) * sizeof *gone);
	long *targets = tr_arena_alloc(a, (d->n + 1) * sizeof *targets);
	if (gone == NULL || targets == NULL) {
		return TR_ENOMEM;
	}
	memset(gone, 0, (n_objs + 1) * sizeof *gone);
	unsigned n_targets = 0;
	for (unsigned i = 0; i < d->n; i++) {
		int rv;
		long k = find_target(a, d, d->names[i], n_objs, objs, notes,
				     err, &rv);
		if (rv != TR_OK) {
			return rv;
		}
		if (k >= 0 && !gone[k]) {
			gone[k] = true;
			targets[n_targets++] = k;
		}
	}
	/* What depends on the targets, in PostgreSQL's order: the foreign
	 * keys that reference a table, then the views that read it (and
	 * the views that read those). */
	struct deps deps = { NULL, 0, 0 };
	for (unsigned i = 0; i < n_targets; i++) {
		unsigned on = (unsigned)targets[i];
		for (unsigned c = 0; c < n_objs && !d->view; c++) {
			if (gone[c] || strcmp(objs[c].type, "table") != 0 ||
			    !is_user_relation(&objs[c])) {
				continue;
			}
			int rv = find_fks(a, objs, c, on, &deps);
			if (rv != TR_OK) {
				return rv;
			}
		}
		int rv = find_views(a, n_objs, objs, on, gone, &deps, 0);
		if (rv != TR_OK) {
			return rv;
		}
	}
	if (deps.n > 0 && !d->cascade) {
		unsigned on = (unsigned)targets[0];
		if (n_targets > 1) {
			sql_error_set(err, a, "2BP01",
				      "cannot drop desired object(s) because "
				      "other objects depend on them");
		} else {
			sql_error_set(err, a, "2BP01",
				      "cannot drop %s %s because other "
				      "objects depend on it",
				      objs[on].type, objs[on].name);
		}
		err->detail = dep_lines(a, objs, &deps, false);
		err->hint = "Use DROP ... CASCADE to drop the dependent "
			    "objects too.";
		return TR_ESQL;
	}
	if (deps.n == 1) {
		int rv = note(a, notes,
			      tr_arena_printf(a, "drop cascades to %s",
					      describe(a, objs, &deps.v[0])),
			      NULL);
		if (rv != TR_OK) {
			return rv;
		}
	} else if (deps.n > 1) {
		int rv = note(a, notes,
			      tr_arena_printf(a,
					      "drop cascades to %u other "
					      "objects",
					      deps.n),
			      dep_lines(a, objs, &deps, true));
		if (rv != TR_OK) {
			return rv;
		}
	}
	struct tr_buf b;
	tr_buf_init(&b, 0);
	/* Rows of a table losing its foreign key, or of two tables dropped
	 * together, may be orphans until the statement is done. */
	tr_buf_put_str(&b, "PRAGMA defer_foreign_keys = ON");
	/* The foreign keys: one rebuild per referencing table. */
	for (unsigned i = 0; i < deps.n; i++) {
		if (deps.v[i].fk == NULL) {
			continue;
		}
		bool seen = false;
		for (unsigned k = 0; k < i; k++) {
			seen = seen || (deps.v[k].fk != NULL &&
					deps.v[k].obj == deps.v[i].obj);
		}
		if (seen) {
			continue;
		}
		struct sql_rebuild r = { .table = objs[deps.v[i].obj].name };
		r.alters = tr_arena_alloc(a, deps.n * sizeof *r.alters);
		if (r.alters == NULL) {
			tr_buf_close(&b);
			return TR_ENOMEM;
		}
		for (unsigned k = i; k < deps.n; k++) {
			if (deps.v[k].fk != NULL &&
			    deps.v[k].obj == deps.v[i].obj) {
				r.alters[r.n_alters++] = (struct sql_alter){
					.op = SQL_ALTER_DROP_CONSTRAINT,
					.column = deps.v[k].fk,
				};
			}
		}
		const char *part;
		int rv = table_script(a, &r, n_objs, objs, &part, notes, err);
		if (rv != TR_OK) {
			tr_buf_close(&b);
			return rv;
		}
		tr_buf_put_str(&b, "; ");
		tr_buf_put_str(&b, part);
	}
	for (unsigned i = 0; i < deps.n; i++) {
		if (deps.v[i].fk == NULL) {
			tr_buf_put_str(&b, "; DROP VIEW ");
			sql__ident_buf(&b, objs[deps.v[i].obj].name);
		}
	}
	for (unsigned i = 0; i < n_targets; i++) {
		const struct sql_schema_obj *o = &objs[targets[i]];
		tr_buf_put_str(&b, d->view ? "; DROP VIEW " : "; DROP TABLE ");
		sql__ident_buf(&b, o->name);
		if (!d->view) {
			drop_owned_sequences(&b, o->sql, n_objs, objs);
			drop_sequences_owned_by(&b, o->name, n_objs, objs);
		}
		/* The table's comments (comment.c). */
		for (unsigned k = 0; k < n_objs && !d->view; k++) {
			char table[256];
			char column[256];
			if (strcmp(objs[k].type, "view") == 0 &&
			    sql__comment_view(objs[k].name, table, sizeof table,
					      column, sizeof column) &&
			    strcmp(table, o->name) == 0) {
				tr_buf_put_str(&b, "; DROP VIEW ");
				sql__ident_buf(&b, objs[k].name);
			}
		}
	}
	return finish(a, &b, script);
}

/* ---------------------------------------------------------------------
 * ALTER TYPE ... ADD VALUE / RENAME VALUE (enum.c)
 * ------------------------------------------------------------------- */

/* The columns of table @sql declared @decl ("enum_text x<hex>"), their
 * names in @a; NULL-terminated, or NULL on OOM. */
static const char **enum_columns(struct tr_arena *a, const char *sql,
				 const char *decl)
{
	const char *hex = strchr(decl, ' ') + 1;
	struct tr_arena tmp;
	tr_arena_init(&tmp, 16384);
	struct table_def t;
	const char **cols = NULL;
	int rv = parse_table(&tmp, sql, &t);
	if (rv != TR_ENOMEM) {
		cols = tr_arena_alloc(a, (rv == TR_OK ? t.n + 1 : 1) *
						 sizeof *cols);
	}
	size_t n = 0;
	for (size_t i = 0; cols != NULL && rv == TR_OK && i < t.n; i++) {
		const struct elem *e = &t.elems[i];
		if (is_column(e) && e->n > 2 &&
		    tok_is(&e->toks[1], "enum_text") &&
		    tok_is(&e->toks[2], hex)) {
			cols[n] = tr_arena_strdup(a,
						  tok_name(&tmp, &e->toks[0]));
			if (cols[n++] == NULL) {
				cols = NULL;
			}
		}
	}
	if (cols != NULL) {
		cols[n] = NULL;
	}
	tr_arena_close(&tmp);
	return cols;
}

static int enum_script(struct tr_arena *a, const struct sql_enum_alter *x,
		       unsigned n_objs, const struct sql_schema_obj *objs,
		       const char **script, struct notes *notes,
		       struct sql_error *err)
{
	const char *view = sql__enum_view_of(a, x->type);
	const char *decl = sql__enum_decl(a, x->type);
	if (view == NULL || decl == NULL) {
		return TR_ENOMEM;
	}
	const struct sql_schema_obj *v = NULL;
	for (unsigned i = 0; i < n_objs; i++) {
		if (strcmp(objs[i].type, "view") == 0 &&
		    strcmp(objs[i].name, view) == 0) {
			v = &objs[i];
		}
	}
	if (v == NULL) {
		return sql__error(err, a, "42704", "type \"%s\" does not exist",
				  x->type);
	}
	const char **labels;
	unsigned n;
	bool skip;
	int rv = sql__enum_alter_labels(a, x, v->sql, &labels, &n, &skip, err);
	if (rv != TR_OK) {
		return rv;
	}
	if (skip) {
		*script = "SELECT 1 WHERE 0";
		return note(a, notes,
			    tr_arena_printf(a,
					    "enum label \"%s\" already exists, "
					    "skipping",
					    x->new_val),
			    NULL);
	}
	const char *list = sql__enum_label_list(a, labels, n);
	const char *view_sql = sql__enum_view_sql(a, x->type, labels, n);
	const char *coll = list != NULL ? tr_arena_printf(a, "pgenum:%s", list)
					: NULL;
	if (view_sql == NULL || coll == NULL) {
		return TR_ENOMEM;
	}
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_str(&b, "DROP VIEW ");
	sql__ident_buf(&b, view);
	tr_buf_put_str(&b, "; ");
	tr_buf_put_str(&b, view_sql);
	const char *coll_ident = NULL;
	{
		struct tr_buf c;
		tr_buf_init(&c, 0);
		sql__ident_buf(&c, coll);
		const char *cs = tr_buf_cstr(&c);
		coll_ident = cs != NULL && tr_buf_err(&c) == TR_OK
				     ? tr_arena_strdup(a, cs)
				     : NULL;
		tr_buf_close(&c);
	}
	const char *spaced = tr_arena_printf(a, " %s ", decl);
	if (coll_ident == NULL || spaced == NULL) {
		tr_buf_close(&b);
		return TR_ENOMEM;
	}
	for (unsigned i = 0; i < n_objs; i++) {
		const struct sql_schema_obj *o = &objs[i];
		if (strcmp(o->type, "table") != 0 ||
		    strstr(o->sql, spaced) == NULL) {
			continue;
		}
		const char **cols = enum_columns(a, o->sql, decl);
		if (cols == NULL) {
			tr_buf_close(&b);
			return TR_ENOMEM;
		}
		unsigned n_cols = 0;
		while (cols[n_cols] != NULL) {
			n_cols++;
		}
		if (n_cols == 0) {
			continue;
		}
		struct sql_rebuild r = { .table = o->name };
		r.alters = tr_arena_alloc(a, n_cols * sizeof *r.alters);
		if (r.alters == NULL) {
			tr_buf_close(&b);
			return TR_ENOMEM;
		}
		for (unsigned k = 0; k < n_cols; k++) {
			struct tr_buf c;
			tr_buf_init(&c, 0);
			tr_buf_put_str(&c, "(pg_enum_check(");
			sql__ident_buf(&c, cols[k]);
			tr_buf_put_str(&c, ", ");
			sql__string_buf(&c, x->type);
			tr_buf_put_str(&c, ", ");
			sql__string_buf(&c, list);
			tr_buf_put_str(&c, "))");
			const char *check = NULL;
			(void)finish(a, &c, &check);
			const char *expr = NULL;
			if (x->old_val != NULL) {
				tr_buf_init(&c, 0);
				tr_buf_put_str(&c, "CASE WHEN ");
				sql__ident_buf(&c, cols[k]);
				tr_buf_put_str(&c, " = ");
				sql__string_buf(&c, x->old_val);
				tr_buf_put_str(&c, " THEN ");
				sql__string_buf(&c, x->new_val);
				tr_buf_put_str(&c, " ELSE ");
				sql__ident_buf(&c, cols[k]);
				tr_buf_put_str(&c, " END");
				(void)finish(a, &c, &expr);
				if (expr == NULL) {
					tr_buf_close(&b);
					return TR_ENOMEM;
				}
			}
			r.alters[r.n_alters++] = (struct sql_alter){
				.op = SQL_ALTER_ENUM,
				.column = cols[k],
				.text = coll_ident,
				.check = check,
				.expr = expr,
			};
		}
		const char *part;
		rv = table_script(a, &r, n_objs, objs, &part, notes, err);
		if (rv != TR_OK) {
			tr_buf_close(&b);
			return rv;
		}
		tr_buf_put_str(&b, "; ");
		tr_buf_put_str(&b, part);
	}
	return finish(a, &b, script);
}
