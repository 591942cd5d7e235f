/*
 * sql/expr.c: PostgreSQL expressions -> SQLite expressions, plus the two
 * static analyses the protocol needs before execution: PostgreSQL's
 * result column names (FigureColname) and expression types.
 *
 * Translation choices (each one a PostgreSQL meaning SQLite lacks):
 *
 * - LIKE is case-sensitive in PostgreSQL and ASCII-case-insensitive in
 *   SQLite.  We emit GLOB, which is case-sensitive: a literal pattern is
 *   converted here ('%' -> '*', '_' -> '?', GLOB's own '*?[' bracketed,
 *   backslash escapes resolved); any other pattern is converted at run
 *   time by a fixed chain of replace() calls doing the same.  No pragma
 *   (case_sensitive_like) is involved: connection state is lost on a
 *   leader change.  ILIKE is SQLite's LIKE of both sides lower-cased by
 *   Unicode's rules (pg_lower), or plain SQLite LIKE (ASCII folding)
 *   under a collation whose ctype is C (see "Collations" below).
 * - Division and modulo by zero raise 22012 in PostgreSQL and give NULL in
 *   SQLite.  A divisor that is not a non-zero literal is wrapped in
 *   CASE WHEN d = 0 THEN json_extract('{}', 'division by zero') ELSE d END:
 *   the JSON path error is a real SQLite error whose message contains
 *   "division by zero", which sql_error_from_sqlite maps to 22012.  The
 *   divisor is evaluated twice (only a cost, except for volatile
 *   functions such as random()).
 * - now(), CURRENT_TIMESTAMP: UTC text with six fraction digits and the
 *   +00 offset, '2024-01-02 03:04:05.123000+00' (SQLite has milliseconds;
 *   'now' is stable within one statement).  Casts to timestamp and
 *   timestamptz produce the same fixed-width shape, so such values compare
 *   correctly as text.
 * - GREATEST/LEAST ignore NULLs: max(coalesce(a, b, c), coalesce(b, a, c),
 *   ...) gives PostgreSQL's answer without a subquery.
 * - Casts to integer round like PostgreSQL (SQLite truncates).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

static void expr(struct sql__emit *e, const Node *n);

void sql__expr(struct sql__emit *e, const Node *n)
{
	if (n == NULL) {
		sql__put(e, "NULL");
		return;
	}
	if (++e->depth > SQL__MAX_DEPTH) {
		sql__fail(e, -1, "54001", "stack depth limit exceeded");
	} else {
		expr(e, n);
	}
	e->depth--;
}

void sql__expr_list(struct sql__emit *e, Node *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			sql__put(e, ", ");
		}
		sql__expr(e, items[i]);
	}
}

/* ---------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------- */

/* The operator of an A_Expr (last name component; schema checked). */
static const char *op_name(const PgQuery__AExpr *x)
{
	if (x->n_name == 0) {
		return "";
	}
	const char *s = sql__str(x->name[x->n_name - 1]);
	return s != NULL ? s : "";
}

bool sql__is_const(const Node *n, PgQuery__AConst__ValCase vc)
{
	return n != NULL && n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	       !n->a_const->isnull && n->a_const->val_case == vc;
}

static const char *const_string(const Node *n)
{
	return sql__is_const(n, PG_QUERY__A__CONST__VAL_SVAL)
		       ? n->a_const->sval->sval
		       : NULL;
}

/* A numeric literal that is not zero: safe as a divisor. */
static bool is_nonzero_number(const Node *n)
{
	if (sql__is_const(n, PG_QUERY__A__CONST__VAL_IVAL)) {
		return n->a_const->ival->ival != 0;
	}
	if (sql__is_const(n, PG_QUERY__A__CONST__VAL_FVAL)) {
		return strtod(n->a_const->fval->fval, NULL) != 0;
	}
	return false;
}

/* LIKE pattern -> GLOB pattern, escape character @esc (0: none).
 * Returns false if the pattern ends with the escape character. */
static bool like_to_glob(struct tr_buf *b, const char *p, char esc)
{
	for (; *p != '\0'; p++) {
		char c = *p;
		if (esc != 0 && c == esc) {
			c = *++p;
			if (c == '\0') {
				return false;
			}
		} else if (c == '%') {
			tr_buf_put_u8(b, '*');
			continue;
		} else if (c == '_') {
			tr_buf_put_u8(b, '?');
			continue;
		}
		if (c == '*' || c == '?' || c == '[') {
			tr_buf_put_u8(b, '[');
			tr_buf_put_u8(b, (uint8_t)c);
			tr_buf_put_u8(b, ']');
		} else {
			tr_buf_put_u8(b, (uint8_t)c);
		}
	}
	return true;
}

/* The same conversion at run time for a non-literal pattern (backslash
 * escapes).  \\, \% and \_ are parked on control characters first. */
static void glob_of(struct sql__emit *e, const Node *pattern)
{
	static const char *const steps[][2] = {
		{ "'\\\\'", "char(3)" }, { "'\\%'", "char(1)" },
		{ "'\\_'", "char(2)" },  { "'\\'", "''" },
		{ "'['", "'[[]'" },      { "'*'", "'[*]'" },
		{ "'?'", "'[?]'" },      { "'%'", "'*'" },
		{ "'_'", "'?'" },        { "char(1)", "'%'" },
		{ "char(2)", "'_'" },    { "char(3)", "'\\'" },
	};
	size_t n = TR_ARRAY_LEN(steps);
	for (size_t i = 0; i < n; i++) {
		sql__put(e, "replace(");
	}
	sql__expr(e, pattern);
	for (size_t i = 0; i < n; i++) {
		sql__putf(e, ", %s, %s)", steps[i][0], steps[i][1]);
	}
}

/* ---------------------------------------------------------------------
 * Collations
 *
 * Every database is C.UTF-8, as a PostgreSQL initdb'ed with
 * --locale=C.UTF-8: glibc's C.UTF-8 orders by code point (SQLite's
 * BINARY, for valid UTF-8) and maps case by Unicode's rules.  The
 * collations triode knows are PostgreSQL's with that initdb:
 *   default, "C.utf8"          Unicode case mapping
 *   "C", "POSIX", ucs_basic    ASCII case mapping (ctype C)
 * and all of them order by code point, so a collation only matters to
 * case folding: upper/lower/initcap and ILIKE (regular expressions are
 * Unicode's under every collation, a documented difference).  Which
 * collation applies follows PostgreSQL's explicit derivation: a COLLATE
 * clause anywhere in an operand, through operators, function calls,
 * casts, CASE, COALESCE, NULLIF and GREATEST/LEAST; two different ones
 * meeting is 42P21.  A column's declared collation is not tracked
 * (ddl.c stores "C" as BINARY, the same order).
 * ------------------------------------------------------------------- */

/* The collation's name if PostgreSQL (C.UTF-8 database, libc) has it. */
static bool is_known_collation(const char *coll)
{
	static const char *const known[] = { "default", "C", "POSIX",
					     "ucs_basic", "C.utf8" };
	for (size_t i = 0; i < TR_ARRAY_LEN(known); i++) {
		if (strcmp(coll, known[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* A collation whose ctype is C: case maps ASCII only. */
static bool is_ascii_collation(const char *coll)
{
	return coll != NULL &&
	       (strcmp(coll, "C") == 0 || strcmp(coll, "POSIX") == 0 ||
		strcmp(coll, "ucs_basic") == 0);
}

static const char *collation_name(const PgQuery__CollateClause *c)
{
	return c->n_collname > 0 ? sql__str(c->collname[c->n_collname - 1])
				 : NULL;
}

static const PgQuery__CollateClause *explicit_collation(struct sql__emit *e,
							const Node *n,
							int depth);

/* PostgreSQL's rule for combining two explicit collations: equal ones
 * are one, different ones are an error. */
static const PgQuery__CollateClause *combine_collation(
	struct sql__emit *e, const PgQuery__CollateClause *a,
	const PgQuery__CollateClause *b)
{
	if (a == NULL || b == NULL) {
		return a != NULL ? a : b;
	}
	const char *an = collation_name(a), *bn = collation_name(b);
	if (an != NULL && bn != NULL && strcmp(an, bn) != 0 &&
	    !sql__failed(e)) {
		sql__fail(e, b->location, "42P21",
			  "collation mismatch between explicit collations "
			  "\"%s\" and \"%s\"",
			  an, bn);
	}
	return a;
}

static const PgQuery__CollateClause *explicit_collation_list(
	struct sql__emit *e, Node *const *items, size_t n, int depth)
{
	const PgQuery__CollateClause *c = NULL;
	for (size_t i = 0; i < n; i++) {
		c = combine_collation(e, c,
				      explicit_collation(e, items[i], depth));
	}
	return c;
}

/* The COLLATE clause that decides @n's collation (PostgreSQL's explicit
 * derivation), or NULL for the database's default. */
static const PgQuery__CollateClause *explicit_collation(struct sql__emit *e,
							const Node *n,
							int depth)
{
	if (n == NULL || depth > SQL__MAX_DEPTH) {
		return NULL;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
		return n->collate_clause; /* the outermost one wins */
	case PG_QUERY__NODE__NODE_A_EXPR:
		return combine_collation(
			e, explicit_collation(e, n->a_expr->lexpr, depth + 1),
			explicit_collation(e, n->a_expr->rexpr, depth + 1));
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		return explicit_collation_list(e, n->func_call->args,
					       n->func_call->n_args, depth + 1);
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return explicit_collation(e, n->type_cast->arg, depth + 1);
	case PG_QUERY__NODE__NODE_CASE_EXPR: {
		const PgQuery__CaseExpr *c = n->case_expr;
		const PgQuery__CollateClause *r = explicit_collation(
			e, c->defresult, depth + 1);
		for (size_t i = 0; i < c->n_args; i++) {
			const Node *w = c->args[i];
			if (w != NULL &&
			    w->node_case == PG_QUERY__NODE__NODE_CASE_WHEN) {
				r = combine_collation(
					e, r,
					explicit_collation(e,
							   w->case_when->result,
							   depth + 1));
			}
		}
		return r;
	}
	case PG_QUERY__NODE__NODE_COALESCE_EXPR:
		return explicit_collation_list(e, n->coalesce_expr->args,
					       n->coalesce_expr->n_args,
					       depth + 1);
	case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
		return explicit_collation_list(e, n->min_max_expr->args,
					       n->min_max_expr->n_args,
					       depth + 1);
	default:
		return NULL;
	}
}

/* @n (or the pair @n, @m) folds case ASCII only: its collation's ctype
 * is C.  Fails the statement (42P21) on conflicting collations. */
static bool folds_ascii(struct sql__emit *e, const Node *n, const Node *m)
{
	const PgQuery__CollateClause *c = combine_collation(
		e, explicit_collation(e, n, 0), explicit_collation(e, m, 0));
	return c != NULL && is_ascii_collation(collation_name(c));
}

/* PostgreSQL's like_escape(): @lit with escape character @esc rewritten
 * to use a backslash.  False if it ends with the escape character. */
static bool like_escape(struct tr_buf *b, const char *lit, char esc)
{
	for (const char *p = lit; *p != '\0'; p++) {
		if (*p == esc) {
			if (p[1] == '\0') {
				return false;
			}
			tr_buf_put_u8(b, '\\');
			tr_buf_put_u8(b, (uint8_t) * ++p);
		} else if (*p == '\\') {
			tr_buf_put(b, "\\\\", 2);
		} else {
			tr_buf_put_u8(b, (uint8_t)*p);
		}
	}
	return true;
}

/* x ILIKE p under a Unicode collation: both sides lower-cased by
 * Unicode's rules, then SQLite's LIKE (whose own ASCII folding changes
 * nothing left), as PostgreSQL lower()s both for a multibyte encoding.
 * An escape character that is a letter could change or appear under
 * lower(): a literal pattern is rewritten to the backslash first. */
static void emit_ilike_unicode(struct sql__emit *e, const PgQuery__AExpr *x,
			       const Node *pat, char esc, bool negate)
{
	const char *lit = const_string(pat);
	const char *rewritten = NULL;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	if (isalpha((unsigned char)esc)) {
		if (lit == NULL) {
			sql__fail(e, x->location, "0A000",
				  "ILIKE with a letter as ESCAPE and a "
				  "non-constant pattern is not supported");
		} else if (!like_escape(&b, lit, esc)) {
			sql__fail(e, x->location, "22025",
				  "LIKE pattern must not end with escape "
				  "character");
		} else {
			rewritten = tr_buf_cstr(&b);
			esc = '\\';
		}
		if (rewritten == NULL) {
			tr_buf_close(&b);
			return;
		}
	}
	sql__put(e, "(pg_lower(");
	sql__expr(e, x->lexpr);
	sql__put(e, negate ? ") NOT LIKE pg_lower(" : ") LIKE pg_lower(");
	if (rewritten != NULL) {
		sql__string(e, rewritten);
	} else {
		sql__expr(e, pat);
	}
	char es[2] = { esc, 0 };
	sql__put(e, ") ESCAPE ");
	sql__string(e, es);
	sql__put(e, ")");
	tr_buf_close(&b);
}

static void emit_like(struct sql__emit *e, const PgQuery__AExpr *x, bool negate,
		      bool ilike)
{
	const Node *pat = x->rexpr;
	char esc = '\\';
	/* LIKE p ESCAPE c arrives as like_escape(p, c). */
	if (pat != NULL && pat->node_case == PG_QUERY__NODE__NODE_FUNC_CALL) {
		const PgQuery__FuncCall *f = pat->func_call;
		const char *fn = sql__str(f->funcname[f->n_funcname - 1]);
		if (fn != NULL && strcmp(fn, "like_escape") == 0 &&
		    f->n_args == 2) {
			const char *es = const_string(f->args[1]);
			if (es == NULL || strlen(es) > 1) {
				sql__fail(e, x->location, "0A000",
					  "LIKE with this ESCAPE is not "
					  "supported");
				return;
			}
			esc = es[0];
			pat = f->args[0];
		}
	}
	if (ilike && !folds_ascii(e, x->lexpr, pat)) {
		emit_ilike_unicode(e, x, pat, esc, negate);
		return;
	}
	sql__put(e, "(");
	sql__expr(e, x->lexpr);
	if (ilike) {
		sql__put(e, negate ? " NOT LIKE " : " LIKE ");
		sql__expr(e, pat);
		if (esc != 0) {
			char es[2] = { esc, 0 };
			sql__put(e, " ESCAPE ");
			sql__string(e, es);
		}
		sql__put(e, ")");
		return;
	}
	sql__put(e, negate ? " NOT GLOB " : " GLOB ");
	const char *lit = const_string(pat);
	if (lit != NULL) {
		struct tr_buf b;
		tr_buf_init(&b, 0);
		if (!like_to_glob(&b, lit, esc)) {
			sql__fail(e, x->location, "22025",
				  "LIKE pattern must not end with escape "
				  "character");
		}
		sql__string(e, tr_buf_cstr(&b));
		tr_buf_close(&b);
	} else if (esc == '\\') {
		glob_of(e, pat);
	} else {
		sql__fail(e, x->location, "0A000",
			  "LIKE with a non-constant pattern and a custom "
			  "ESCAPE is not supported");
	}
	sql__put(e, ")");
}

/* ---------------------------------------------------------------------
 * Exact numeric results for the client (decimal.c)
 *
 * A numeric division, avg or log(b, x) at the root of an item of the
 * statement's own select list (e->exact, query.c) is computed in
 * decimal and arrives as text with PostgreSQL's digits and scale:
 *   (pg_num_div(a, b, sa, sb) COLLATE pg_num)
 * sa, sb: the operands' static display scales (-1 if unknown), to
 * which decimal.c rounds them as PostgreSQL stores them.  Anywhere
 * else it stays double arithmetic (see decimal.c for why).
 * ------------------------------------------------------------------- */

static bool is_exact_root(const struct sql__emit *e, const void *node)
{
	if (e->exact == NULL) {
		return false;
	}
	switch (e->exact->node_case) {
	case PG_QUERY__NODE__NODE_A_EXPR:
		return e->exact->a_expr == node;
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		return e->exact->func_call == node;
	default:
		return false;
	}
}

/* The text of a decimal literal @n (1.50, 1e30, a number past int8,
 * any of them ::numeric) or NULL: passed to decimal.c as text, it
 * keeps all its digits. */
static const char *numeric_literal(const Node *n)
{
	if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST) {
		const PgQuery__TypeCast *tc = n->type_cast;
		const PgQuery__TypeName *t = tc->type_name;
		const char *tn = t != NULL && t->n_names > 0
					 ? sql__str(t->names[t->n_names - 1])
					 : NULL;
		if (tn == NULL || strcmp(tn, "numeric") != 0 ||
		    t->n_typmods > 0 || t->n_array_bounds > 0) {
			return NULL;
		}
		n = tc->arg;
	}
	if (sql__is_const(n, PG_QUERY__A__CONST__VAL_FVAL)) {
		return n->a_const->fval->fval;
	}
	return NULL;
}

static void exact_operand(struct sql__emit *e, const Node *n)
{
	const char *lit = numeric_literal(n);
	if (lit != NULL) {
		sql__string(e, lit);
	} else {
		sql__expr(e, n);
	}
}

/* The static display scale of @n as an operand (-1 if unknown). */
static int static_scale(const Node *n)
{
	int32_t tm;
	uint32_t t = sql__infer(n, &tm);
	bool div;
	int32_t k = sql__numeric_keep_scale(t, tm);
	return k < 0 ? -1 : sql__numeric_typmod_scale(k, &div);
}

/* pg_num_div / pg_num_log(@a, @b, sa, sb) COLLATE pg_num. */
static void emit_exact2(struct sql__emit *e, const char *fn, const Node *a,
			const Node *b)
{
	sql__putf(e, "(%s(", fn);
	exact_operand(e, a);
	sql__put(e, ", ");
	exact_operand(e, b);
	sql__putf(e, ", %d, %d) COLLATE pg_num)", static_scale(a),
		  static_scale(b));
}

/* Divisor with PostgreSQL's division-by-zero error. */
static void divisor(struct sql__emit *e, const Node *d)
{
	if (is_nonzero_number(d)) {
		sql__expr(e, d);
		return;
	}
	sql__put(e, "CASE WHEN ");
	sql__expr(e, d);
	sql__put(e, " = 0 THEN json_extract('{}', 'division by zero') ELSE ");
	sql__expr(e, d);
	sql__put(e, " END");
}

/* POSIX regex match (functions.c), negated and/or case-insensitive. */
static void emit_regex(struct sql__emit *e, const Node *l, const Node *r,
		       bool negate, bool icase)
{
	sql__put(e, negate ? "(NOT pg_regexp_match(" : "pg_regexp_match(");
	sql__expr(e, l);
	sql__put(e, ", ");
	sql__expr(e, r);
	sql__put(e, icase ? ", 'i')" : ")");
	if (negate) {
		sql__put(e, ")");
	}
}

/* SIMILAR TO: the pattern (similar_to_escape(p[, esc]) from the parser)
 * becomes an anchored POSIX regex, here for literals, else at run time
 * by pg_similar_escape. */
static void emit_similar(struct sql__emit *e, const PgQuery__AExpr *x)
{
	const Node *pat = x->rexpr;
	const Node *esc = NULL;
	bool negate = strcmp(op_name(x), "!~") == 0;
	if (pat != NULL && pat->node_case == PG_QUERY__NODE__NODE_FUNC_CALL) {
		const PgQuery__FuncCall *f = pat->func_call;
		const char *fn = sql__str(f->funcname[f->n_funcname - 1]);
		if (fn != NULL && strcmp(fn, "similar_to_escape") == 0 &&
		    f->n_args >= 1 && f->n_args <= 2) {
			pat = f->args[0];
			esc = f->n_args == 2 ? f->args[1] : NULL;
		}
	}
	const char *lit = const_string(pat);
	const char *esc_lit = esc != NULL ? const_string(esc) : NULL;
	if (lit != NULL && (esc == NULL || esc_lit != NULL)) {
		struct tr_buf b;
		tr_buf_init(&b, 0);
		if (!sql__similar_to_regex(&b, lit, esc_lit)) {
			tr_buf_close(&b);
			sql__fail(e, x->location, "22025",
				  "invalid escape string");
			return;
		}
		sql__put(e,
			 negate ? "(NOT pg_regexp_match(" : "pg_regexp_match(");
		sql__expr(e, x->lexpr);
		sql__put(e, ", ");
		sql__string(e, tr_buf_cstr(&b));
		sql__put(e, negate ? "))" : ")");
		tr_buf_close(&b);
		return;
	}
	sql__put(e, negate ? "(NOT pg_regexp_match(" : "pg_regexp_match(");
	sql__expr(e, x->lexpr);
	sql__put(e, ", pg_similar_escape(");
	sql__expr(e, pat);
	if (esc != NULL) {
		sql__put(e, ", ");
		sql__expr(e, esc);
	}
	sql__put(e, negate ? ")))" : "))");
}

static bool is_int(uint32_t t);
static uint32_t arith(uint32_t l, uint32_t r);

/* Both operands statically integers (SQLite's % is then PostgreSQL's). */
static bool both_int(const Node *l, const Node *r)
{
	int32_t tm;
	return is_int(sql__infer(l, &tm)) && is_int(sql__infer(r, &tm));
}

static bool is_datetime(uint32_t t)
{
	return t == SQL_OID_DATE || t == SQL_OID_TIMESTAMP ||
	       t == SQL_OID_TIMESTAMPTZ || t == SQL_OID_INTERVAL;
}

static int bool_word(const char *s);

/*
 * col = 'f' with col of a type only the catalog knows.  A boolean column
 * stores 0/1 (its declared type gives it numeric affinity, so '1' and '0'
 * already compare right), while PostgreSQL reads the literal as the
 * column's type: for boolean words the integer form is compared too.  A
 * text column never holds an integer, so its comparison is unchanged.
 */
static bool emit_bool_word_cmp(struct sql__emit *e, const PgQuery__AExpr *x,
			       const char *op)
{
	bool eq = strcmp(op, "=") == 0;
	if (!eq && strcmp(op, "<>") != 0) {
		return false;
	}
	const Node *col = x->lexpr;
	const Node *lit = x->rexpr;
	if (const_string(col) != NULL) {
		col = x->rexpr;
		lit = x->lexpr;
	}
	int32_t tm;
	const char *w = const_string(lit);
	if (w == NULL || col == NULL ||
	    col->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    sql__infer(col, &tm) != 0 || strcmp(w, "1") == 0 ||
	    strcmp(w, "0") == 0) {
		return false;
	}
	int b = bool_word(w);
	if (b < 0) {
		return false;
	}
	sql__put(e, eq ? "(" : "(NOT (");
	sql__expr(e, col);
	sql__put(e, " = ");
	sql__expr(e, lit);
	sql__put(e, " OR (typeof(");
	sql__expr(e, col);
	sql__put(e, ") = 'integer' AND ");
	sql__expr(e, col);
	sql__putf(e, " = %d))%s", b, eq ? "" : ")");
	return true;
}

static bool is_untyped_column(const Node *n);

static bool is_cmp_op(const char *op)
{
	return strcmp(op, "=") == 0 || strcmp(op, "<>") == 0 ||
	       strcmp(op, "<") == 0 || strcmp(op, ">") == 0 ||
	       strcmp(op, "<=") == 0 || strcmp(op, ">=") == 0;
}

/* Both operands intervals, or one an interval and the other untyped. */
static bool is_interval_cmp(const PgQuery__AExpr *x)
{
	int32_t tm;
	uint32_t l = sql__infer(x->lexpr, &tm), r = sql__infer(x->rexpr, &tm);
	return (l == SQL_OID_INTERVAL && (r == SQL_OID_INTERVAL ||
					  r == SQL_OID_TEXT || r == 0)) ||
	       (r == SQL_OID_INTERVAL && (l == SQL_OID_TEXT || l == 0));
}

static void emit_call2(struct sql__emit *e, const char *fn, const Node *a,
		       const Node *b)
{
	sql__putf(e, "%s(", fn);
	sql__expr(e, a);
	sql__put(e, ", ");
	sql__expr(e, b);
	sql__put(e, ")");
}

/*
 * + - * / with a date/time operand: functions.c computes them.
 * pg_dt_add/pg_dt_sub decide by the values' shapes (timestamp, interval,
 * date, number); time and interval scaling have their own functions.
 * Columns are untyped at translation time: between two columns the
 * stored values decide (date/time values are text, numbers never are),
 * with SQLite's own operator for numbers.
 */
static bool emit_dt_op(struct sql__emit *e, const PgQuery__AExpr *x,
		       const char *op)
{
	if (op[0] == '\0' || op[1] != '\0' || strchr("+-*/", op[0]) == NULL) {
		return false;
	}
	int32_t tm;
	uint32_t l = sql__infer(x->lexpr, &tm), r = sql__infer(x->rexpr, &tm);
	const char *dt = op[0] == '+' ? "pg_dt_add" : "pg_dt_sub";
	if (op[0] == '*' || op[0] == '/') {
		if (l == SQL_OID_INTERVAL) {
			emit_call2(e, op[0] == '*' ? "pg_iv_mul" : "pg_iv_div",
				   x->lexpr, x->rexpr);
			return true;
		}
		if (r == SQL_OID_INTERVAL && op[0] == '*') {
			emit_call2(e, "pg_iv_mul", x->rexpr, x->lexpr);
			return true;
		}
	}
	if (l == SQL_OID_TIME && r == SQL_OID_TIME && op[0] == '-') {
		emit_call2(e, "pg_time_diff", x->lexpr, x->rexpr);
		return true;
	}
	if (l == SQL_OID_TIME && r == SQL_OID_INTERVAL) {
		emit_call2(e, op[0] == '+' ? "pg_time_add" : "pg_time_sub",
			   x->lexpr, x->rexpr);
		return true;
	}
	if (l == SQL_OID_INTERVAL && r == SQL_OID_TIME && op[0] == '+') {
		emit_call2(e, "pg_time_add", x->rexpr, x->lexpr);
		return true;
	}
	if (is_datetime(l) || is_datetime(r)) {
		if (op[0] == '*' || op[0] == '/') {
			return false;
		}
		emit_call2(e, dt, x->lexpr, x->rexpr);
		return true;
	}
	uint32_t t = arith(l, r);
	if (t == SQL_OID_NUMERIC && op[0] != '/') {
		/* NaN, stored as text, would count as 0 (functions.c). */
		static const char *const nop[] = { "pg_num_add", "pg_num_sub",
						   "pg_num_mul" };
		emit_call2(e, nop[strchr("+-*", op[0]) - "+-*"], x->lexpr,
			   x->rexpr);
		return true;
	}
	if (t == SQL_OID_FLOAT8 || t == SQL_OID_FLOAT4) {
		/* NaN and the infinities, overflow (functions.c). */
		static const char *const fop[] = { "pg_float_add",
						   "pg_float_sub",
						   "pg_float_mul",
						   "pg_float_div" };
		emit_call2(e, fop[strchr("+-*/", op[0]) - "+-*/"], x->lexpr,
			   x->rexpr);
		return true;
	}
	bool lu = is_untyped_column(x->lexpr), ru = is_untyped_column(x->rexpr);
	if (op[0] == '*' || op[0] == '/' || !lu || !ru) {
		/* Two columns (at + dur, max(at) - min(at)) only: a column
		 * and a typed value (v + 1) keep SQLite's operator. */
		return false;
	}
	/* (CASE WHEN typeof(a) = 'text' OR typeof(b) = 'text'
	 * THEN pg_dt_add_any(a, b) ELSE (a + b) END) */
	sql__put(e, "(CASE WHEN typeof(");
	sql__expr(e, x->lexpr);
	sql__put(e, ") = 'text' OR typeof(");
	sql__expr(e, x->rexpr);
	sql__put(e, ") = 'text' THEN ");
	emit_call2(e, op[0] == '+' ? "pg_dt_add_any" : "pg_dt_sub_any",
		   x->lexpr, x->rexpr);
	sql__put(e, " ELSE (");
	sql__expr(e, x->lexpr);
	sql__putf(e, " %s ", op);
	sql__expr(e, x->rexpr);
	sql__put(e, ") END)");
	return true;
}

static void emit_decoded(struct sql__emit *e, uint32_t oid, const char *s,
			 int location);

/* Rank of a date/time type in PostgreSQL's implicit casts between them
 * (date -> timestamp -> timestamptz); 0 for other types. */
static int dt_rank(uint32_t t)
{
	return t == SQL_OID_DATE          ? 1
	       : t == SQL_OID_TIMESTAMP   ? 2
	       : t == SQL_OID_TIMESTAMPTZ ? 3
					  : 0;
}

static void emit_dt_as(struct sql__emit *e, const Node *n, int from, int to)
{
	static const char *const cast[] = { "", "pg_cast_date(",
					    "pg_cast_timestamp(",
					    "pg_cast_timestamptz(" };
	static const uint32_t oid[] = { 0, SQL_OID_DATE, SQL_OID_TIMESTAMP,
					SQL_OID_TIMESTAMPTZ };
	if (from == to) {
		sql__expr(e, n);
		return;
	}
	if (from < 0) {
		/* An untyped literal: read as the type, here. */
		emit_decoded(e, oid[to], n->a_const->sval->sval,
			     n->a_const->location);
		return;
	}
	sql__put(e, cast[to]);
	sql__expr(e, n);
	sql__put(e, ")");
}

/*
 * A comparison between date, timestamp and timestamptz operands of
 * different types, or one of them and an untyped literal: both sides
 * are brought to the wider type first, as PostgreSQL's implicit casts
 * do (their text forms do not compare: '2024-01-15' sorts before
 * '2024-01-15 00:00:00').  false: not such a comparison.
 */
static bool emit_dt_cmp(struct sql__emit *e, const PgQuery__AExpr *x,
			const char *op)
{
	int32_t tm;
	int l = dt_rank(sql__infer(x->lexpr, &tm));
	int r = dt_rank(sql__infer(x->rexpr, &tm));
	if (l == 0 && r == 0) {
		return false;
	}
	if (l == 0 || r == 0) {
		const Node *other = l == 0 ? x->lexpr : x->rexpr;
		if (!sql__is_const(other, PG_QUERY__A__CONST__VAL_SVAL)) {
			return false;
		}
		/* The literal takes the typed side's type. */
		l = l == 0 ? -r : l;
		r = r == 0 ? -l : r;
	}
	if (l == r) {
		return false;
	}
	int to = abs(l) > abs(r) ? abs(l) : abs(r);
	sql__put(e, "(");
	emit_dt_as(e, x->lexpr, l, to);
	sql__putf(e, " %s ", op);
	emit_dt_as(e, x->rexpr, r, to);
	sql__put(e, ")");
	return true;
}

static bool is_unknown_literal(const Node *n);

/* Types SQLite keeps in another form than PostgreSQL's text output:
 * booleans as 0/1, floats and numerics as doubles (no shortest form, no
 * display scale), date/time values with microseconds, bytea as a blob. */
static bool stored_unlike_output(uint32_t t)
{
	switch (t) {
	case SQL_OID_BOOL:
	case SQL_OID_FLOAT4:
	case SQL_OID_FLOAT8:
	case SQL_OID_NUMERIC:
	case SQL_OID_TIME:
	case SQL_OID_TIMETZ:
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ:
	case SQL_OID_INTERVAL:
	case SQL_OID_BYTEA:
		return true;
	default:
		return false;
	}
}

/*
 * @n as text, as PostgreSQL converts a value: its type's output function
 * (pg_out), or for a boolean cast to text 'true'/'false' (@cast; the
 * output function, which concat() uses, prints 't'/'f').
 */
static void emit_as_text(struct sql__emit *e, const Node *n, bool cast)
{
	int32_t tm;
	uint32_t t = sql__infer(n, &tm);
	if (is_unknown_literal(n) || !stored_unlike_output(t)) {
		sql__expr(e, n);
	} else if (t == SQL_OID_BOOL && cast) {
		sql__put(e, "CASE ");
		sql__expr(e, n);
		sql__put(e, " WHEN 0 THEN 'false' WHEN NULL THEN NULL "
			    "ELSE 'true' END");
	} else {
		sql__put(e, "pg_out(");
		sql__expr(e, n);
		sql__putf(e, ", %u, %d)", t, (int)tm);
	}
}

/* Operand @n of a comparison with @other: an untyped literal takes the
 * other side's type, as PostgreSQL resolves 'unknown' operands. */
static void emit_operand(struct sql__emit *e, const Node *n, const Node *other)
{
	int32_t tm = -1;
	uint32_t t = const_string(n) != NULL && const_string(other) == NULL
			     ? sql__infer(other, &tm)
			     : 0;
	/* A varchar's length does not bound what it is compared with. */
	sql__expr_typed(e, n, t,
			t == SQL_OID_VARCHAR || t == SQL_OID_BPCHAR ? -1 : tm);
}

static const char *type_label(uint32_t oid);

/* Statically text (a text column, a cast, a text function, ||), not an
 * untyped literal that PostgreSQL would type from the other operand. */
static bool is_text_operand(const Node *n)
{
	int32_t tm;
	uint32_t t = sql__infer(n, &tm);
	if (t != SQL_OID_TEXT && t != SQL_OID_VARCHAR && t != SQL_OID_BPCHAR) {
		return false;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_COLUMN_REF:
	case PG_QUERY__NODE__NODE_TYPE_CAST:
	case PG_QUERY__NODE__NODE_FUNC_CALL:
	case PG_QUERY__NODE__NODE_A_EXPR:
		return true;
	default:
		return false;
	}
}

/*
 * Arithmetic on text: PostgreSQL has no such operator (42883), SQLite
 * would read the text as a number.  Only when both operand types are
 * known (an untyped literal is "unknown").
 */
static bool refuse_text_arith(struct sql__emit *e, const PgQuery__AExpr *x,
			      const char *op)
{
	if (op[0] == '\0' || op[1] != '\0' || strchr("+-*/%^", op[0]) == NULL ||
	    (!is_text_operand(x->lexpr) && !is_text_operand(x->rexpr))) {
		return false;
	}
	const char *label[2];
	const Node *side[2] = { x->lexpr, x->rexpr };
	for (int i = 0; i < 2; i++) {
		int32_t tm;
		uint32_t t = sql__infer(side[i], &tm);
		label[i] = const_string(side[i]) != NULL ? "unknown"
			   : t != 0                      ? type_label(t)
							 : NULL;
		if (label[i] == NULL) {
			return false;
		}
	}
	sql__fail(e, x->location, "42883", "operator does not exist: %s %s %s",
		  label[0], op, label[1]);
	e->stmt->error.hint = "No operator matches the given name and argument "
			      "types. You might need to add explicit type "
			      "casts.";
	return true;
}

static void emit_op(struct sql__emit *e, const PgQuery__AExpr *x)
{
	static const char *const binary[] = { "=", "<",  ">",  "<=", ">=",
					      "+", "-",  "*",  "||", "&",
					      "|", "<<", ">>", "->", "->>" };
	const char *op = op_name(x);
	if (x->n_name == 2) {
		const char *schema = sql__str(x->name[0]);
		if (schema == NULL || strcmp(schema, "pg_catalog") != 0) {
			sql__fail(e, x->location, "0A000",
				  "operator %s is not supported", op);
			return;
		}
	}
	if (sql__json_op(e, x)) {
		return; /* json_sql.c */
	}
	if (x->lexpr == NULL) {
		int32_t tm;
		if (strcmp(op, "-") == 0 &&
		    sql__infer(x->rexpr, &tm) == SQL_OID_INTERVAL) {
			sql__put(e, "pg_iv_mul(");
			sql__expr(e, x->rexpr);
			sql__put(e, ", -1)");
			return;
		}
		uint32_t t = sql__infer(x->rexpr, &tm);
		if (strcmp(op, "-") == 0 &&
		    (t == SQL_OID_NUMERIC || t == SQL_OID_FLOAT8 ||
		     t == SQL_OID_FLOAT4)) {
			/* NaN is text, which SQLite negates to 0. */
			sql__put(e, t == SQL_OID_NUMERIC ? "pg_num_sub(0, "
							 : "pg_float_mul(-1, ");
			sql__expr(e, x->rexpr);
			sql__put(e, ")");
			return;
		}
		if (strcmp(op, "-") == 0 || strcmp(op, "+") == 0 ||
		    strcmp(op, "~") == 0) {
			sql__putf(e, "(%s ", op);
			sql__expr(e, x->rexpr);
			sql__put(e, ")");
			return;
		}
		sql__fail(e, x->location, "0A000",
			  "prefix operator %s is not supported", op);
		return;
	}
	if (sql__array_op(e, x)) {
		return; /* @> <@ && and || on arrays (array_sql.c) */
	}
	if (strcmp(op, "~") == 0 || strcmp(op, "~*") == 0 ||
	    strcmp(op, "!~") == 0 || strcmp(op, "!~*") == 0) {
		emit_regex(e, x->lexpr, x->rexpr, op[0] == '!',
			   op[strlen(op) - 1] == '*');
		return;
	}
	if (refuse_text_arith(e, x, op) || emit_dt_op(e, x, op)) {
		return;
	}
	if (strcmp(op, "~~") == 0 || strcmp(op, "!~~") == 0) {
		emit_like(e, x, op[0] == '!', false);
		return;
	}
	if (strcmp(op, "~~*") == 0 || strcmp(op, "!~~*") == 0) {
		emit_like(e, x, op[0] == '!', true);
		return;
	}
	if (strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0) {
		op = "<>";
	} else if (strcmp(op, "%") == 0 && !both_int(x->lexpr, x->rexpr)) {
		/* SQLite's % truncates reals to integers (5.5 % 2 = 1);
		 * pg_mod keeps the fraction and raises 22012 itself. */
		sql__put(e, "pg_mod(");
		sql__expr(e, x->lexpr);
		sql__put(e, ", ");
		sql__expr(e, x->rexpr);
		sql__put(e, ")");
		return;
	} else if (strcmp(op, "/") == 0 || strcmp(op, "%") == 0) {
		/* numeric / numeric is not integer division even when both
		 * values are stored as integers (1::numeric / 3). */
		int32_t tm;
		bool real = op[0] == '/' &&
			    arith(sql__infer(x->lexpr, &tm),
				  sql__infer(x->rexpr, &tm)) == SQL_OID_NUMERIC;
		if (real && is_exact_root(e, x)) {
			emit_exact2(e, "pg_num_div", x->lexpr, x->rexpr);
			return;
		}
		sql__put(e, real ? "(CAST(" : "(");
		sql__expr(e, x->lexpr);
		sql__putf(e, real ? " AS REAL) %s " : " %s ", op);
		divisor(e, x->rexpr);
		sql__put(e, ")");
		return;
	} else if (strcmp(op, "#") == 0) {
		/* Bitwise xor: SQLite has no operator for it. */
		emit_call2(e, "pg_xor", x->lexpr, x->rexpr);
		return;
	} else if (strcmp(op, "^") == 0) {
		sql__put(e, "pg_pow(");
		sql__expr(e, x->lexpr);
		sql__put(e, ", ");
		sql__expr(e, x->rexpr);
		sql__put(e, ")");
		return;
	} else {
		bool known = false;
		for (size_t i = 0; i < TR_ARRAY_LEN(binary) && !known; i++) {
			known = strcmp(op, binary[i]) == 0;
		}
		if (!known) {
			sql__fail(e, x->location, "0A000",
				  "operator %s is not supported", op);
			return;
		}
	}
	if (is_cmp_op(op) && is_interval_cmp(x)) {
		/* '1 mon' = '30 days': compared as spans (functions.c). */
		sql__put(e, "(");
		emit_call2(e, "pg_iv_cmp", x->lexpr, x->rexpr);
		sql__putf(e, " %s 0)", op);
		return;
	}
	if (is_cmp_op(op) && emit_dt_cmp(e, x, op)) {
		return;
	}
	if (sql__catalog_bool_cmp(e, x, op)) {
		return;
	}
	if (emit_bool_word_cmp(e, x, op)) {
		return;
	}
	sql__put(e, "(");
	if (is_cmp_op(op)) {
		/* col = 'literal': the literal has the column's type. */
		emit_operand(e, x->lexpr, x->rexpr);
		sql__putf(e, " %s ", op);
		emit_operand(e, x->rexpr, x->lexpr);
	} else if (strcmp(op, "||") == 0) {
		/* text || x is text || x::text. */
		emit_as_text(e, x->lexpr, true);
		sql__put(e, " || ");
		emit_as_text(e, x->rexpr, true);
	} else {
		sql__expr(e, x->lexpr);
		sql__putf(e, " %s ", op);
		sql__expr(e, x->rexpr);
	}
	sql__put(e, ")");
}

/*
 * Integer + - * / (and unary -) of statically integer operands:
 * PostgreSQL refuses a result out of the type's range (22003), SQLite
 * would widen or turn it into a REAL; pg_int_chk (numeric.c) checks.
 * The width is the result type's.  0 if not such an operation.
 */
static int checked_int_width(const PgQuery__AExpr *x)
{
	const char *op = op_name(x);
	if (op[0] == '\0' || op[1] != '\0' || strchr("+-*/", op[0]) == NULL) {
		return 0;
	}
	int32_t tm;
	uint32_t r = sql__infer(x->rexpr, &tm);
	uint32_t t;
	if (x->lexpr == NULL) {
		t = op[0] == '-' ? r : 0;
	} else {
		t = arith(sql__infer(x->lexpr, &tm), r);
	}
	return t == SQL_OID_INT2 ? 2 : t == SQL_OID_INT4 ? 4
				     : t == SQL_OID_INT8 ? 8
							 : 0;
}

/*
 * x LIKE|ILIKE ANY|ALL (ARRAY[p1, p2, ...]) (and NOT LIKE ...): one LIKE
 * per pattern, joined by OR (ANY) or AND (ALL), which has PostgreSQL's
 * NULL rules.  An array that is not written out stays 0A000.
 */
static bool emit_like_any(struct sql__emit *e, const PgQuery__AExpr *x,
			  const char *op, bool any)
{
	bool ilike = strcmp(op, "~~*") == 0 || strcmp(op, "!~~*") == 0;
	const Node *r = x->rexpr;
	if (r != NULL && r->node_case == PG_QUERY__NODE__NODE_TYPE_CAST) {
		r = r->type_cast->arg; /* ARRAY[]::text[] */
	}
	if ((!ilike && strcmp(op, "~~") != 0 && strcmp(op, "!~~") != 0) ||
	    r == NULL || r->node_case != PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
		return false;
	}
	const PgQuery__AArrayExpr *arr = r->a_array_expr;
	if (arr->n_elements == 0) {
		sql__put(e, any ? "0" : "1");
		return true;
	}
	sql__put(e, "(");
	for (size_t i = 0; i < arr->n_elements; i++) {
		PgQuery__AExpr one = *x;
		one.kind = PG_QUERY__A__EXPR__KIND__AEXPR_OP;
		one.rexpr = arr->elements[i];
		sql__put(e, i == 0 ? "" : any ? " OR " : " AND ");
		emit_like(e, &one, op[0] == '!', ilike);
	}
	sql__put(e, ")");
	return true;
}

static void emit_a_expr(struct sql__emit *e, const PgQuery__AExpr *x)
{
	const char *op = op_name(x);
	switch (x->kind) {
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP: {
		int width = checked_int_width(x);
		if (width != 0) {
			sql__put(e, "pg_int_chk(");
			emit_op(e, x);
			sql__putf(e, ", %d)", width);
			return;
		}
		emit_op(e, x);
		return;
	}
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
		bool any = x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY;
		if (emit_like_any(e, x, op, any)) {
			return;
		}
		bool in = any && strcmp(op, "=") == 0;
		bool not_in = !any &&
			      (strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0);
		if ((!in && !not_in) || x->rexpr == NULL ||
		    x->rexpr->node_case != PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
			if (sql__catalog_any(e, x) || sql__array_any(e, x)) {
				return;
			}
			sql__fail(e, x->location, "0A000",
				  "%s %s with an array value is not supported",
				  op, any ? "ANY" : "ALL");
			return;
		}
		const PgQuery__AArrayExpr *arr = x->rexpr->a_array_expr;
		if (arr->n_elements == 0) {
			sql__put(e, in ? "0" : "1");
			return;
		}
		sql__put(e, "(");
		sql__expr(e, x->lexpr);
		sql__put(e, in ? " IN (" : " NOT IN (");
		sql__expr_list(e, arr->elements, arr->n_elements);
		sql__put(e, "))");
		return;
	}
	case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT:
		/* IS / IS NOT are SQLite's null-safe comparisons (and work
		 * before 3.39, unlike IS DISTINCT FROM). */
		sql__put(e, "(");
		sql__expr(e, x->lexpr);
		sql__put(e, x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT
				    ? " IS NOT "
				    : " IS ");
		sql__expr(e, x->rexpr);
		sql__put(e, ")");
		return;
	case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF:
		sql__put(e, "nullif(");
		sql__expr(e, x->lexpr);
		sql__put(e, ", ");
		sql__expr(e, x->rexpr);
		sql__put(e, ")");
		return;
	case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
		if (x->rexpr == NULL ||
		    x->rexpr->node_case != PG_QUERY__NODE__NODE_LIST) {
			sql__fail(e, x->location, "0A000",
				  "this IN form is not supported");
			return;
		}
		sql__put(e, "(");
		sql__expr(e, x->lexpr);
		sql__put(e, strcmp(op, "<>") == 0 ? " NOT IN (" : " IN (");
		for (size_t i = 0; i < x->rexpr->list->n_items; i++) {
			if (i > 0) {
				sql__put(e, ", ");
			}
			emit_operand(e, x->rexpr->list->items[i], x->lexpr);
		}
		sql__put(e, "))");
		return;
	}
	case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
		emit_like(e, x, strcmp(op, "!~~") == 0, false);
		return;
	case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
		emit_like(e, x, strcmp(op, "!~~*") == 0, true);
		return;
	case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR:
		emit_similar(e, x);
		return;
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM: {
		if (x->rexpr == NULL ||
		    x->rexpr->node_case != PG_QUERY__NODE__NODE_LIST ||
		    x->rexpr->list->n_items != 2) {
			sql__fail(e, x->location, "42601", "invalid BETWEEN");
			return;
		}
		Node *lo = x->rexpr->list->items[0];
		Node *hi = x->rexpr->list->items[1];
		bool neg =
			x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN ||
			x->kind ==
				PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
		bool sym =
			x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM ||
			x->kind ==
				PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
		sql__put(e, neg ? "(NOT (" : "((");
		sql__expr(e, x->lexpr);
		sql__put(e, " BETWEEN ");
		emit_operand(e, lo, x->lexpr);
		sql__put(e, " AND ");
		emit_operand(e, hi, x->lexpr);
		if (sym) {
			sql__put(e, " OR ");
			sql__expr(e, x->lexpr);
			sql__put(e, " BETWEEN ");
			emit_operand(e, hi, x->lexpr);
			sql__put(e, " AND ");
			emit_operand(e, lo, x->lexpr);
		}
		sql__put(e, "))");
		return;
	}
	default:
		sql__fail(e, x->location, "0A000",
			  "this operator form is not supported");
		return;
	}
}

static void emit_const(struct sql__emit *e, const PgQuery__AConst *c)
{
	if (c->isnull) {
		sql__put(e, "NULL");
		return;
	}
	switch (c->val_case) {
	case PG_QUERY__A__CONST__VAL_IVAL:
		sql__putf(e, "%d", c->ival->ival);
		return;
	case PG_QUERY__A__CONST__VAL_FVAL:
		sql__put(e, c->fval->fval);
		return;
	case PG_QUERY__A__CONST__VAL_BOOLVAL:
		sql__put(e, c->boolval->boolval ? "1" : "0");
		return;
	case PG_QUERY__A__CONST__VAL_SVAL:
		sql__string(e, c->sval->sval);
		return;
	default:
		sql__fail(e, c->location, "0A000",
			  "bit string literals are not supported");
		return;
	}
}

static void emit_column_ref(struct sql__emit *e, const PgQuery__ColumnRef *c)
{
	size_t first = 0;
	if (c->n_fields >= 3) {
		/* schema.table.column: only public / pg_catalog. */
		const char *schema = sql__str(c->fields[c->n_fields - 3]);
		if (c->n_fields > 3 || schema == NULL ||
		    (strcmp(schema, "public") != 0 &&
		     strcmp(schema, "pg_catalog") != 0)) {
			sql__fail(e, c->location, "0A000",
				  "cross-schema references are not supported");
			return;
		}
		first = c->n_fields - 2;
	}
	const char *rel = c->n_fields >= 2 ? sql__str(c->fields[c->n_fields - 2])
					   : NULL;
	if (rel != NULL && e->scope != NULL && !e->catalog &&
	    e->stmt->missing_from == NULL &&
	    !sql__scope_names(e->scope, rel)) {
		/* Only remembered: the statement may still be fine (a name
		 * the scope does not see); SQLite's error decides. */
		e->stmt->missing_from = tr_arena_strdup(e->a, rel);
		e->stmt->missing_from_position =
			sql__char_position(e->query, c->location);
	}
	for (size_t i = first; i < c->n_fields; i++) {
		if (i > first) {
			sql__put(e, ".");
		}
		const Node *f = c->fields[i];
		if (f->node_case == PG_QUERY__NODE__NODE_A_STAR) {
			sql__put(e, "*");
		} else if (sql__str(f) != NULL) {
			sql__ident(e, sql__str(f));
		} else {
			sql__fail(e, c->location, "0A000",
				  "this column reference is not supported");
		}
	}
}

/* ---------------------------------------------------------------------
 * Casts
 * ------------------------------------------------------------------- */

/* PostgreSQL's boolean input words; -1 when not one of them. */
static int bool_word(const char *s)
{
	static const char *const t[] = { "t",  "tr",  "tru", "true", "y",
					 "ye", "yes", "on",  "1" };
	static const char *const f[] = { "f", "fa", "fal", "fals", "false",
					 "n", "no", "of",  "off",  "0" };
	char w[8];
	while (isspace((unsigned char)*s)) {
		s++;
	}
	size_t n = 0;
	while (*s != '\0' && !isspace((unsigned char)*s) && n < sizeof w - 1) {
		w[n++] = (char)tolower((unsigned char)*s++);
	}
	w[n] = '\0';
	while (isspace((unsigned char)*s)) {
		s++;
	}
	if (*s != '\0') {
		return -1;
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(t); i++) {
		if (strcmp(w, t[i]) == 0) {
			return 1;
		}
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(f); i++) {
		if (strcmp(w, f[i]) == 0) {
			return 0;
		}
	}
	return -1;
}

/*
 * 'literal'::type: the type's input function runs now, as PostgreSQL runs
 * it at parse analysis, so a bad literal fails with its SQLSTATE and
 * position and a good one reaches SQLite in its stored form.
 */
/* The type's input function on literal @s; false (and @e failed with its
 * SQLSTATE at @location) when it refuses it. */
static bool decode_literal(struct sql__emit *e, uint32_t oid, const char *s,
			   int location, struct sql_value *v)
{
	struct sql_error err = { 0 };
	int rv = sql_param_decode(oid, 0, (const uint8_t *)s,
				  (int32_t)strlen(s), e->a, v, &err);
	if (rv == TR_ENOMEM) {
		sql__fail(e, location, "53200", "out of memory");
		return false;
	}
	if (rv != TR_OK) {
		sql__fail(e, location, err.sqlstate, "%s", err.message);
		return false;
	}
	return true;
}

/* A decoded value as a SQLite literal. */
static void emit_value(struct sql__emit *e, const struct sql_value *vp,
		       int location)
{
	struct sql_value v = *vp;
	switch (v.type) {
	case SQL_VALUE_INTEGER:
		sql__putf(e, "%lld", (long long)v.integer);
		return;
	case SQL_VALUE_FLOAT:
		if (isinf(v.real)) {
			sql__put(e, v.real > 0 ? "9e999" : "-9e999");
		} else {
			/* %.17g round-trips; the exponent keeps it REAL. */
			sql__putf(e, "%.17ge0", v.real);
		}
		return;
	case SQL_VALUE_TEXT: {
		const char *t = tr_arena_strndup(e->a, v.p, v.len);
		if (t == NULL) {
			sql__fail(e, location, "53200", "out of memory");
			return;
		}
		sql__string(e, t);
		return;
	}
	case SQL_VALUE_BLOB: {
		const uint8_t *b = v.p;
		sql__put(e, "X'");
		for (size_t i = 0; i < v.len; i++) {
			sql__putf(e, "%02x", b[i]);
		}
		sql__put(e, "'");
		return;
	}
	default:
		sql__put(e, "NULL");
		return;
	}
}

static void emit_decoded(struct sql__emit *e, uint32_t oid, const char *s,
			 int location)
{
	struct sql_value v;
	if (decode_literal(e, oid, s, location, &v)) {
		emit_value(e, &v, location);
	}
}

static bool is_int_oid(uint32_t oid);

bool sql__is_untyped_string(const Node *n)
{
	return const_string(n) != NULL;
}

/* Characters of UTF-8 text @s in its first @len bytes. */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	}
	return n;
}

/*
 * A string stored into varchar(n) / char(n): PostgreSQL drops the spaces
 * beyond n instead of refusing the value (the column's length check
 * refuses anything else that is too long).
 */
static const char *fit_spaces(struct sql__emit *e, const char *s,
			      int32_t typmod)
{
	if (typmod < 5) {
		return s;
	}
	size_t max = (size_t)typmod - 4;
	size_t len = strlen(s);
	if (utf8_chars(s, len) <= max) {
		return s;
	}
	size_t keep = len;
	while (keep > 0 && s[keep - 1] == ' ' && utf8_chars(s, keep) > max) {
		keep--;
	}
	if (utf8_chars(s, keep) > max) {
		return s; /* too long: the length check reports it */
	}
	const char *t = tr_arena_strndup(e->a, s, keep);
	return t != NULL ? t : s;
}

void sql__expr_typed(struct sql__emit *e, const Node *n, uint32_t oid,
		     int32_t typmod)
{
	const char *s = const_string(n);
	if (oid == 0 || oid == SQL_OID_TEXT || oid == SQL_OID_NAME ||
	    (s == NULL && !(is_int_oid(oid) &&
			    sql__is_const(n, PG_QUERY__A__CONST__VAL_FVAL)))) {
		sql__expr(e, n);
		return;
	}
	if (oid == SQL_OID_VARCHAR || oid == SQL_OID_BPCHAR) {
		sql__string(e, fit_spaces(e, s, typmod));
		return;
	}
	if (s == NULL) {
		/* 2.5 into an integer column: rounded, as the assignment
		 * cast numeric -> integer rounds (half away from zero). */
		const PgQuery__AConst *c = n->a_const;
		double d = strtod(c->fval->fval, NULL);
		if (strpbrk(c->fval->fval, ".eE") == NULL) {
			sql__expr(e, n); /* an integer too big for int4 */
			return;
		}
		d = round(d);
		double lim = oid == SQL_OID_INT2   ? 32768.0
			     : oid == SQL_OID_INT8 ? 9223372036854775808.0
			     : oid == SQL_OID_OID  ? 4294967296.0
						   : 2147483648.0;
		if (d >= lim || d < (oid == SQL_OID_OID ? 0 : -lim)) {
			sql__fail(e, c->location, "22003", "%s",
				  oid == SQL_OID_INT2 ? "smallint out of range"
				  : oid == SQL_OID_INT8 ? "bigint out of range"
				  : oid == SQL_OID_OID
					  ? "OID out of range"
					  : "integer out of range");
			return;
		}
		sql__putf(e, "%lld", (long long)d);
		return;
	}
	struct sql_value v;
	if (!decode_literal(e, oid, s, n->a_const->location, &v)) {
		/* Typed by a mirror that may be behind the leader: the
		 * server reads the schema again and retries once. */
		e->stmt->needs_schema = true;
		return;
	}
	emit_value(e, &v, n->a_const->location);
}

/* pg_cast(x, oid, from_float): the checked cast of functions.c. */
static void emit_checked_cast(struct sql__emit *e, const Node *arg,
			      uint32_t oid, uint32_t from)
{
	sql__put(e, "pg_cast(");
	sql__expr(e, arg);
	sql__putf(e, ", %u, %d)", oid,
		  from == SQL_OID_FLOAT4 || from == SQL_OID_FLOAT8);
}

static bool is_int_oid(uint32_t oid)
{
	return oid == SQL_OID_INT2 || oid == SQL_OID_INT4 ||
	       oid == SQL_OID_INT8 || oid == SQL_OID_OID;
}

/* Bytes of storage of an integer type (oid counts as 4, unsigned). */
static int int_width(uint32_t oid)
{
	return oid == SQL_OID_INT2 ? 2 : oid == SQL_OID_INT8 ? 8 : 4;
}

static void emit_cast(struct sql__emit *e, const PgQuery__TypeCast *tc)
{
	if (sql__catalog_cast(e, tc)) {
		return; /* reg* and array types (pgcatalog_sql.c) */
	}
	if (sql__array_cast(e, tc)) {
		return; /* array types, and arrays to text (array_sql.c) */
	}
	if (sql__enum_cast(e, tc)) {
		return; /* enum types (enum.c) */
	}
	int32_t typmod;
	int mods[2];
	const struct sql__type *t = sql__type_resolve(e, tc->type_name, &typmod,
						      mods);
	if (t == NULL) {
		return;
	}
	const Node *arg = tc->arg;
	int32_t atm;
	uint32_t from = sql__infer(arg, &atm);
	if (t->serial) {
		sql__fail(e, tc->location, "42704",
			  "type \"%s\" does not exist", t->name);
		return;
	}
	switch (t->oid) {
	case SQL_OID_INT2:
	case SQL_OID_INT4:
	case SQL_OID_INT8:
	case SQL_OID_OID:
		if (sql__is_const(arg, PG_QUERY__A__CONST__VAL_IVAL) ||
		    sql__is_const(arg, PG_QUERY__A__CONST__VAL_FVAL)) {
			/* A constant: in range of the type, rounded. */
			const char *s = sql__is_const(
						arg,
						PG_QUERY__A__CONST__VAL_IVAL)
						? NULL
						: arg->a_const->fval->fval;
			double d = s == NULL ? arg->a_const->ival->ival
					     : strtod(s, NULL);
			if (s != NULL && strpbrk(s, ".eE") != NULL) {
				d = round(d);
			} else if (s != NULL) {
				/* Exactly: int8's bounds are not doubles. */
				errno = 0;
				long long v = strtoll(s, NULL, 10);
				d = errno == ERANGE ? d
				    : t->oid == SQL_OID_INT8 ? 0
							     : (double)v;
			}
			double lim = t->oid == SQL_OID_INT2   ? 32768.0
				     : t->oid == SQL_OID_INT8 ? 9223372036854775808.0
				     : t->oid == SQL_OID_OID  ? 4294967296.0
							      : 2147483648.0;
			if (d >= lim || d < (t->oid == SQL_OID_OID ? -lim / 2
								     : -lim)) {
				sql__fail(e, tc->location, "22003", "%s",
					  t->oid == SQL_OID_INT2
						  ? "smallint out of range"
					  : t->oid == SQL_OID_INT8
						  ? "bigint out of range"
					  : t->oid == SQL_OID_OID
						  ? "OID out of range"
						  : "integer out of range");
				return;
			}
			if (s == NULL) {
				sql__expr(e, arg);
			} else if (strpbrk(s, ".eE") == NULL) {
				sql__put(e, s);
			} else {
				sql__putf(e, "%lld", (long long)d);
			}
		} else if (const_string(arg) != NULL) {
			emit_decoded(e, t->oid, const_string(arg),
				     arg->a_const->location);
		} else if (arg->node_case == PG_QUERY__NODE__NODE_PARAM_REF ||
			   from == SQL_OID_BOOL ||
			   (is_int_oid(from) && from != SQL_OID_OID &&
			    t->oid != SQL_OID_OID &&
			    int_width(from) <= int_width(t->oid))) {
			/* A parameter was checked at Bind; widening cannot
			 * fail. */
			sql__put(e, "CAST(");
			sql__expr(e, arg);
			sql__put(e, " AS INTEGER)");
		} else {
			emit_checked_cast(e, arg, t->oid, from);
		}
		return;
	case SQL_OID_FLOAT4:
	case SQL_OID_FLOAT8:
		if (const_string(arg) != NULL) {
			emit_decoded(e, t->oid, const_string(arg),
				     arg->a_const->location);
		} else if (arg->node_case == PG_QUERY__NODE__NODE_PARAM_REF ||
			   is_int_oid(from) || from == SQL_OID_FLOAT4 ||
			   from == SQL_OID_FLOAT8 || from == SQL_OID_NUMERIC ||
			   sql__is_const(arg, PG_QUERY__A__CONST__VAL_IVAL) ||
			   sql__is_const(arg, PG_QUERY__A__CONST__VAL_FVAL)) {
			sql__put(e, "CAST(");
			sql__expr(e, arg);
			sql__put(e, " AS REAL)");
		} else {
			emit_checked_cast(e, arg, t->oid, from);
		}
		return;
	case SQL_OID_NUMERIC:
		if (const_string(arg) == NULL &&
		    arg->node_case != PG_QUERY__NODE__NODE_PARAM_REF &&
		    !is_int_oid(from) && from != SQL_OID_FLOAT4 &&
		    from != SQL_OID_FLOAT8 && from != SQL_OID_NUMERIC &&
		    !sql__is_const(arg, PG_QUERY__A__CONST__VAL_IVAL) &&
		    !sql__is_const(arg, PG_QUERY__A__CONST__VAL_FVAL)) {
			/* Text of unknown origin: numeric_in's checks. */
			if (mods[0] > 0) {
				int scale = mods[1] > 0 ? mods[1] : 0;
				sql__put(e, "pg_numeric_chk(");
				emit_checked_cast(e, arg, t->oid, from);
				sql__putf(e, ", %d, %d)", mods[0], scale);
			} else {
				emit_checked_cast(e, arg, t->oid, from);
			}
			return;
		}
		struct sql_value v;
		if (const_string(arg) != NULL &&
		    !decode_literal(e, t->oid, const_string(arg),
				    arg->a_const->location, &v)) {
			return;
		}
		/* NaN and the infinities as stored ('NaN', 9e999), which
		 * CAST would turn into 0. */
		bool special = const_string(arg) != NULL &&
			       (v.type == SQL_VALUE_TEXT ||
				(v.type == SQL_VALUE_FLOAT && isinf(v.real)));
		if (special && mods[0] > 0) {
			sql__put(e, "pg_numeric_chk(");
			emit_value(e, &v, arg->a_const->location);
			sql__putf(e, ", %d, %d)", mods[0],
				  mods[1] > 0 ? mods[1] : 0);
			return;
		}
		if (special) {
			emit_value(e, &v, arg->a_const->location);
			return;
		}
		if (mods[0] > 0) {
			/* Rounded to the scale, 22003 past the precision
			 * (numeric.c). */
			int scale = mods[1] > 0 ? mods[1] : 0;
			sql__put(e, "pg_numeric_chk(CAST(");
			sql__expr(e, arg);
			sql__putf(e, " AS NUMERIC), %d, %d)", mods[0], scale);
			return;
		}
		sql__put(e, "CAST(");
		sql__expr(e, arg);
		sql__put(e, " AS NUMERIC)");
		return;
	case SQL_OID_BOOL: {
		const char *s = const_string(arg);
		if (s != NULL) {
			int b = bool_word(s);
			if (b < 0) {
				sql__fail(e, arg->a_const->location, "22P02",
					  "invalid input syntax for type "
					  "boolean: \"%s\"",
					  s);
				return;
			}
			sql__put(e, b ? "1" : "0");
			return;
		}
		if (sql__is_const(arg, PG_QUERY__A__CONST__VAL_IVAL)) {
			sql__put(e, arg->a_const->ival->ival != 0 ? "1" : "0");
			return;
		}
		if (from == SQL_OID_BOOL) {
			sql__expr(e, arg);
			return;
		}
		if (from == SQL_OID_INT2 || from == SQL_OID_INT4 ||
		    from == SQL_OID_INT8) {
			sql__put(e, "(");
			sql__expr(e, arg);
			sql__put(e, " <> 0)");
			return;
		}
		/* Text of unknown origin: boolin's words, else 22P02. */
		emit_checked_cast(e, arg, t->oid, from);
		return;
	}
	case SQL_OID_TEXT:
	case SQL_OID_NAME:
	case SQL_OID_VARCHAR:
	case SQL_OID_BPCHAR: {
		bool cut = (t->oid == SQL_OID_VARCHAR ||
			    t->oid == SQL_OID_BPCHAR) &&
			   mods[0] > 0;
		if (cut) {
			sql__put(e, "substr(");
		}
		if (from == SQL_OID_BOOL) {
			sql__put(e, "CASE ");
			sql__expr(e, arg);
			sql__put(e, " WHEN 0 THEN 'false' WHEN NULL THEN NULL "
				    "ELSE 'true' END");
		} else if (const_string(arg) != NULL) {
			sql__expr(e, arg);
		} else if (sql__is_const(arg, PG_QUERY__A__CONST__VAL_FVAL) &&
			   strpbrk(arg->a_const->fval->fval, "eE") == NULL) {
			/* numeric's output keeps the literal's digits
			 * (12.50::text is '12.50'). */
			sql__string(e, arg->a_const->fval->fval);
		} else if (stored_unlike_output(from)) {
			emit_as_text(e, arg, true); /* 1.0::float8::text is 1 */
		} else {
			sql__put(e, "CAST(");
			sql__expr(e, arg);
			sql__put(e, " AS TEXT)");
		}
		if (cut) {
			sql__putf(e, ", 1, %d)", mods[0]);
		}
		return;
	}
	case SQL_OID_DATE: {
		const char *w = const_string(arg);
		if (w != NULL && strcasecmp(w, "now") != 0 &&
		    strcasecmp(w, "today") != 0 &&
		    strcasecmp(w, "tomorrow") != 0 &&
		    strcasecmp(w, "yesterday") != 0) {
			/* date_in now, with its errors and position. */
			emit_decoded(e, SQL_OID_DATE, w, arg->a_const->location);
			return;
		}
		if (w != NULL) {
			/* The transaction's date (clock.c), or the day next
			 * to it. */
			sql__put(e, strcasecmp(w, "tomorrow") == 0
					    ? "date(pg_now(0, 4), '+1 day')"
				    : strcasecmp(w, "yesterday") == 0
					    ? "date(pg_now(0, 4), '-1 day')"
					    : "pg_now(0, 4)");
			return;
		}
		sql__put(e, "pg_cast_date(");
		sql__expr(e, arg);
		sql__put(e, ")");
		return;
	}
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ:
		/* Canonical text with microseconds (functions.c); the
		 * special words are read here, since pg_cast_* must stay
		 * deterministic. */
		if (const_string(arg) != NULL) {
			const char *w = const_string(arg);
			const char *tz = t->oid == SQL_OID_TIMESTAMP ? ""
								     : "+00";
			if (strcasecmp(w, "now") == 0) {
				sql__putf(e, "pg_now(0, %d)", tz[0] ? 0 : 1);
				return;
			}
			if (strcasecmp(w, "today") == 0) {
				sql__putf(e,
					  "(pg_now(0, 4) || ' 00:00:00.000000%s')",
					  tz);
				return;
			}
			if (strcasecmp(w, "epoch") == 0) {
				sql__putf(e, "'1970-01-01 00:00:00.000000%s'",
					  tz);
				return;
			}
		}
		sql__put(e, t->oid == SQL_OID_TIMESTAMP
				    ? "pg_cast_timestamp("
				    : "pg_cast_timestamptz(");
		sql__expr(e, arg);
		sql__put(e, ")");
		return;
	case SQL_OID_TIME:
		sql__put(e, "pg_cast_time(");
		sql__expr(e, arg);
		sql__put(e, ")");
		return;
	case SQL_OID_UUID:
	case SQL_OID_BYTEA:
		if (const_string(arg) != NULL) {
			emit_decoded(e, t->oid, const_string(arg),
				     arg->a_const->location);
		} else if (from == t->oid ||
			   arg->node_case == PG_QUERY__NODE__NODE_PARAM_REF) {
			sql__expr(e, arg);
		} else {
			/* uuid_in / byteain on text (I/O conversion, as
			 * PostgreSQL casts text to these types). */
			emit_checked_cast(e, arg, t->oid, from);
		}
		return;
	case SQL_OID_JSON:
	case SQL_OID_JSONB:
		if (const_string(arg) != NULL) {
			emit_decoded(e, t->oid, const_string(arg),
				     arg->a_const->location);
		} else {
			/* Checked; jsonb made canonical (json.c). */
			sql__put(e, t->oid == SQL_OID_JSON ? "pg_json("
							   : "pg_jsonb(");
			sql__expr(e, arg);
			sql__put(e, ")");
		}
		return;
	case SQL_OID_INTERVAL:
		/* PostgreSQL's output form ('2 hours' -> '02:00:00'). */
		sql__put(e, "pg_interval(");
		sql__expr(e, arg);
		sql__put(e, ")");
		return;
	default:
		/* timetz, interval, json, jsonb: text as given. */
		sql__put(e, "CAST(");
		sql__expr(e, arg);
		sql__put(e, " AS TEXT)");
		return;
	}
}

/* ---------------------------------------------------------------------
 * Functions
 * ------------------------------------------------------------------- */

enum fkind { F_SCALAR, F_AGG, F_WINDOW };

/* How a PostgreSQL function is written in SQLite. */
enum fmap {
	M_SAME,      /* same name, same arguments */
	M_RENAME,    /* other name, same arguments */
	M_NOW,       /* the now() text */
	M_RANDOM,    /* random() scaled to [0, 1) */
	M_OCTETS,    /* length(CAST(s AS BLOB)) */
	M_UUID,      /* gen_random_uuid() */
	M_TOHEX,     /* to_hex(x): pg_to_hex(x, width of x's type) */
	M_SUBSTRING, /* substring: by position, or by a regex */
	M_TIMEZONE,  /* timezone(zone, x): pg_timezone(zone, x, mode) */
	M_TYPEOF,    /* pg_typeof(x): the static type's name */
	M_SETTING,   /* current_setting(name [, missing_ok]): its value */
	M_SESSION,   /* pg_backend_pid() & co.: the session's, a literal */
	M_NULLS,     /* num_nulls / num_nonnulls: a sum of CASEs */
	M_ORDSET,    /* percentile_cont & co. WITHIN GROUP (ordset.c) */
	M_BYTEA1,    /* other name; an untyped literal first argument is
		      * read as bytea */
	M_TOCHAR,    /* to_char(x, f): pg_to_char(x, f, static type of x) */
};

static const struct func {
	const char *name;
	enum fkind kind;
	int min, max; /* argument counts */
	enum fmap map;
	const char *to; /* SQLite name for M_RENAME */
} funcs[] = {
	{ "count", F_AGG, 0, 1, M_SAME, NULL },
	{ "sum", F_AGG, 1, 1, M_SAME, NULL },
	{ "avg", F_AGG, 1, 1, M_SAME, NULL },
	{ "min", F_AGG, 1, 1, M_SAME, NULL },
	{ "max", F_AGG, 1, 1, M_SAME, NULL },
	{ "string_agg", F_AGG, 2, 2, M_RENAME, "group_concat" },
	{ "bool_and", F_AGG, 1, 1, M_RENAME, "min" },
	{ "every", F_AGG, 1, 1, M_RENAME, "min" },
	{ "bool_or", F_AGG, 1, 1, M_RENAME, "max" },
	{ "row_number", F_WINDOW, 0, 0, M_SAME, NULL },
	{ "rank", F_WINDOW, 0, 0, M_SAME, NULL },
	{ "dense_rank", F_WINDOW, 0, 0, M_SAME, NULL },
	{ "percent_rank", F_WINDOW, 0, 0, M_SAME, NULL },
	{ "cume_dist", F_WINDOW, 0, 0, M_SAME, NULL },
	{ "ntile", F_WINDOW, 1, 1, M_SAME, NULL },
	{ "lag", F_WINDOW, 1, 3, M_SAME, NULL },
	{ "lead", F_WINDOW, 1, 3, M_SAME, NULL },
	{ "first_value", F_WINDOW, 1, 1, M_SAME, NULL },
	{ "last_value", F_WINDOW, 1, 1, M_SAME, NULL },
	{ "nth_value", F_WINDOW, 2, 2, M_SAME, NULL },
	{ "abs", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "lower", F_SCALAR, 1, 1, M_RENAME, "pg_lower" },
	{ "upper", F_SCALAR, 1, 1, M_RENAME, "pg_upper" },
	{ "initcap", F_SCALAR, 1, 1, M_RENAME, "pg_initcap" },
	{ "length", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "char_length", F_SCALAR, 1, 1, M_RENAME, "length" },
	{ "character_length", F_SCALAR, 1, 1, M_RENAME, "length" },
	{ "octet_length", F_SCALAR, 1, 1, M_OCTETS, NULL },
	{ "substr", F_SCALAR, 2, 3, M_RENAME, "pg_substr" },
	{ "substring", F_SCALAR, 2, 3, M_SUBSTRING, "pg_substr" },
	{ "replace", F_SCALAR, 3, 3, M_SAME, NULL },
	{ "btrim", F_SCALAR, 1, 2, M_RENAME, "trim" },
	{ "trim", F_SCALAR, 1, 2, M_SAME, NULL },
	{ "ltrim", F_SCALAR, 1, 2, M_SAME, NULL },
	{ "rtrim", F_SCALAR, 1, 2, M_SAME, NULL },
	{ "strpos", F_SCALAR, 2, 2, M_RENAME, "instr" },
	{ "position", F_SCALAR, 2, 2, M_RENAME, "instr" },
	{ "left", F_SCALAR, 2, 2, M_RENAME, "pg_left" },
	{ "right", F_SCALAR, 2, 2, M_RENAME, "pg_right" },
	{ "chr", F_SCALAR, 1, 1, M_RENAME, "pg_chr" },
	{ "ascii", F_SCALAR, 1, 1, M_RENAME, "pg_ascii" },
	{ "concat", F_SCALAR, 1, 100, M_RENAME, "pg_concat" },
	{ "concat_ws", F_SCALAR, 1, 100, M_RENAME, "pg_concat_ws" },
	{ "lpad", F_SCALAR, 2, 3, M_RENAME, "pg_lpad" },
	{ "rpad", F_SCALAR, 2, 3, M_RENAME, "pg_rpad" },
	{ "repeat", F_SCALAR, 2, 2, M_RENAME, "pg_repeat" },
	{ "split_part", F_SCALAR, 3, 3, M_RENAME, "pg_split_part" },
	{ "md5", F_SCALAR, 1, 1, M_RENAME, "pg_md5" },
	{ "translate", F_SCALAR, 3, 3, M_RENAME, "pg_translate" },
	{ "reverse", F_SCALAR, 1, 1, M_RENAME, "pg_reverse" },
	{ "format", F_SCALAR, 1, 100, M_RENAME, "pg_format" },
	{ "starts_with", F_SCALAR, 2, 2, M_RENAME, "pg_starts_with" },
	{ "encode", F_SCALAR, 2, 2, M_BYTEA1, "pg_encode" },
	{ "decode", F_SCALAR, 2, 2, M_RENAME, "pg_decode" },
	{ "quote_ident", F_SCALAR, 1, 1, M_RENAME, "pg_quote_ident" },
	{ "quote_literal", F_SCALAR, 1, 1, M_RENAME, "pg_quote_literal" },
	{ "quote_nullable", F_SCALAR, 1, 1, M_RENAME, "pg_quote_nullable" },
	{ "to_hex", F_SCALAR, 1, 1, M_TOHEX, "pg_to_hex" },
	{ "regexp_replace", F_SCALAR, 3, 6, M_RENAME, "pg_regexp_replace" },
	{ "regexp_match", F_SCALAR, 2, 3, M_RENAME, "pg_regexp_match_array" },
	{ "regexp_split_to_array", F_SCALAR, 2, 3, M_RENAME,
	  "pg_regexp_split" },
	{ "regexp_like", F_SCALAR, 2, 3, M_RENAME, "pg_regexp_like" },
	{ "regexp_count", F_SCALAR, 2, 4, M_RENAME, "pg_regexp_count" },
	{ "round", F_SCALAR, 1, 2, M_RENAME, "pg_round" },
	{ "trunc", F_SCALAR, 1, 2, M_RENAME, "pg_trunc" },
	{ "div", F_SCALAR, 2, 2, M_RENAME, "pg_div" },
	{ "width_bucket", F_SCALAR, 4, 4, M_RENAME, "pg_width_bucket" },
	{ "gcd", F_SCALAR, 2, 2, M_RENAME, "pg_gcd" },
	{ "lcm", F_SCALAR, 2, 2, M_RENAME, "pg_lcm" },
	{ "factorial", F_SCALAR, 1, 1, M_RENAME, "pg_factorial" },
	{ "cbrt", F_SCALAR, 1, 1, M_RENAME, "pg_cbrt" },
	{ "date_trunc", F_SCALAR, 2, 2, M_RENAME, "pg_date_trunc" },
	{ "extract", F_SCALAR, 2, 2, M_RENAME, "pg_extract" },
	{ "date_part", F_SCALAR, 2, 2, M_RENAME, "pg_date_part" },
	{ "age", F_SCALAR, 1, 2, M_RENAME, "pg_age" },
	{ "justify_hours", F_SCALAR, 1, 1, M_RENAME, "pg_justify_hours" },
	{ "justify_days", F_SCALAR, 1, 1, M_RENAME, "pg_justify_days" },
	{ "justify_interval", F_SCALAR, 1, 1, M_RENAME, "pg_justify_interval" },
	{ "to_char", F_SCALAR, 2, 2, M_TOCHAR, "pg_to_char" },
	{ "to_date", F_SCALAR, 2, 2, M_RENAME, "pg_to_date" },
	{ "to_timestamp", F_SCALAR, 1, 2, M_RENAME, "pg_to_timestamp" },
	{ "make_date", F_SCALAR, 3, 3, M_RENAME, "pg_make_date" },
	{ "make_time", F_SCALAR, 3, 3, M_RENAME, "pg_make_time" },
	{ "make_timestamp", F_SCALAR, 6, 6, M_RENAME, "pg_make_timestamp" },
	{ "make_timestamptz", F_SCALAR, 6, 7, M_RENAME, "pg_make_timestamptz" },
	{ "make_interval", F_SCALAR, 0, 7, M_RENAME, "pg_make_interval" },
	{ "timezone", F_SCALAR, 2, 2, M_TIMEZONE, "pg_timezone" },
	{ "pg_typeof", F_SCALAR, 1, 1, M_TYPEOF, NULL },
	{ "current_setting", F_SCALAR, 1, 2, M_SETTING, NULL },
	{ "num_nulls", F_SCALAR, 1, 100, M_NULLS, NULL },
	{ "percentile_cont", F_AGG, 1, 1, M_ORDSET, "pg_percentile_cont" },
	{ "percentile_disc", F_AGG, 1, 1, M_ORDSET, "pg_percentile_disc" },
	{ "mode", F_AGG, 0, 0, M_ORDSET, "pg_mode" },
	{ "num_nonnulls", F_SCALAR, 1, 100, M_NULLS, NULL },
	{ "pg_backend_pid", F_SCALAR, 0, 0, M_SESSION, NULL },
	{ "inet_client_addr", F_SCALAR, 0, 0, M_SESSION, NULL },
	{ "inet_client_port", F_SCALAR, 0, 0, M_SESSION, NULL },
	{ "sha224", F_SCALAR, 1, 1, M_BYTEA1, "pg_sha224" },
	{ "sha256", F_SCALAR, 1, 1, M_BYTEA1, "pg_sha256" },
	{ "sha384", F_SCALAR, 1, 1, M_BYTEA1, "pg_sha384" },
	{ "sha512", F_SCALAR, 1, 1, M_BYTEA1, "pg_sha512" },
	{ "ceil", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "ceiling", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "floor", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "sqrt", F_SCALAR, 1, 1, M_RENAME, "pg_sqrt" },
	{ "power", F_SCALAR, 2, 2, M_RENAME, "pg_pow" },
	{ "pow", F_SCALAR, 2, 2, M_RENAME, "pg_pow" },
	{ "exp", F_SCALAR, 1, 1, M_RENAME, "pg_exp" },
	{ "ln", F_SCALAR, 1, 1, M_RENAME, "pg_ln" },
	{ "log", F_SCALAR, 1, 2, M_RENAME, "pg_log" },
	{ "log10", F_SCALAR, 1, 1, M_RENAME, "pg_log" },
	{ "sign", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "pi", F_SCALAR, 0, 0, M_SAME, NULL },
	{ "degrees", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "radians", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "sin", F_SCALAR, 1, 1, M_RENAME, "pg_sin" },
	{ "cos", F_SCALAR, 1, 1, M_RENAME, "pg_cos" },
	{ "tan", F_SCALAR, 1, 1, M_RENAME, "pg_tan" },
	{ "cot", F_SCALAR, 1, 1, M_RENAME, "pg_cot" },
	{ "sinh", F_SCALAR, 1, 1, M_RENAME, "pg_sinh" },
	{ "cosh", F_SCALAR, 1, 1, M_RENAME, "pg_cosh" },
	{ "tanh", F_SCALAR, 1, 1, M_RENAME, "pg_tanh" },
	{ "asinh", F_SCALAR, 1, 1, M_RENAME, "pg_asinh" },
	{ "acosh", F_SCALAR, 1, 1, M_RENAME, "pg_acosh" },
	{ "atanh", F_SCALAR, 1, 1, M_RENAME, "pg_atanh" },
	{ "asin", F_SCALAR, 1, 1, M_RENAME, "pg_asin" },
	{ "acos", F_SCALAR, 1, 1, M_RENAME, "pg_acos" },
	{ "atan", F_SCALAR, 1, 1, M_SAME, NULL },
	{ "atan2", F_SCALAR, 2, 2, M_SAME, NULL },
	{ "mod", F_SCALAR, 2, 2, M_RENAME, "pg_mod" },
	{ "nullif", F_SCALAR, 2, 2, M_SAME, NULL },
	{ "coalesce", F_SCALAR, 1, 100, M_SAME, NULL },
	{ "random", F_SCALAR, 0, 0, M_RANDOM, NULL },
	{ "now", F_SCALAR, 0, 0, M_NOW, NULL },
	{ "transaction_timestamp", F_SCALAR, 0, 0, M_NOW, NULL },
	{ "statement_timestamp", F_SCALAR, 0, 0, M_NOW, NULL },
	{ "clock_timestamp", F_SCALAR, 0, 0, M_NOW, NULL },
	{ "gen_random_uuid", F_SCALAR, 0, 0, M_UUID, NULL },
};

static const struct func *find_func(const char *name)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(funcs); i++) {
		if (strcmp(funcs[i].name, name) == 0) {
			return &funcs[i];
		}
	}
	return NULL;
}

/* PostgreSQL's names (format_type) of the argument types of @fc, as its
 * "function f(integer, unknown) does not exist" lists them. */
/* PostgreSQL's name of a type as its error messages give it. */
static const char *type_label(uint32_t oid)
{
	static const struct {
		uint32_t oid;
		const char *name;
	} names[] = {
		{ SQL_OID_BOOL, "boolean" },
		{ SQL_OID_INT2, "smallint" },
		{ SQL_OID_INT4, "integer" },
		{ SQL_OID_INT8, "bigint" },
		{ SQL_OID_FLOAT4, "real" },
		{ SQL_OID_FLOAT8, "double precision" },
		{ SQL_OID_VARCHAR, "character varying" },
		{ SQL_OID_BPCHAR, "character" },
		{ SQL_OID_TIMESTAMP, "timestamp without time zone" },
		{ SQL_OID_TIMESTAMPTZ, "timestamp with time zone" },
		{ SQL_OID_TIME, "time without time zone" },
		{ SQL_OID_TIMETZ, "time with time zone" },
	};
	for (size_t k = 0; k < TR_ARRAY_LEN(names); k++) {
		if (names[k].oid == oid) {
			return names[k].name;
		}
	}
	return oid != 0 ? sql_type_name(oid) : NULL;
}

const char *sql__arg_types(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	for (size_t i = 0; i < fc->n_args; i++) {
		int32_t typmod;
		const Node *arg = fc->args[i];
		uint32_t oid = sql__infer(arg, &typmod);
		if (arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    (arg->a_const->isnull ||
		     arg->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL)) {
			oid = 0; /* an untyped literal: "unknown" */
		}
		const char *tn = type_label(oid);
		tr_buf_printf(&b, "%s%s", i > 0 ? ", " : "",
			      tn != NULL ? tn : "unknown");
	}
	const char *out = tr_arena_strdup(e->a, tr_buf_cstr(&b));
	tr_buf_close(&b);
	return out != NULL ? out : "";
}

bool sql__func_is_agg(const char *name)
{
	const struct func *f = find_func(name);
	return f != NULL && f->kind == F_AGG;
}

bool sql__func_is_denied(const char *name)
{
	static const char *const denied[] = {
		"load_extension", "readfile",         "writefile",
		"edit",           "fts3_tokenizer",   "zipfile",
		"sqlar_compress", "sqlar_uncompress", "fsdir",
		"lsmode",         "shell_add_schema",
	};
	if (strncmp(name, "sqlite_", 7) == 0) {
		return true;
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(denied); i++) {
		if (strcmp(name, denied[i]) == 0) {
			return true;
		}
	}
	return false;
}

static void emit_sort_list(struct sql__emit *e, Node *const *items, size_t n);

/* The transaction's start as timestamptz (clock.c). */
#define NOW_EXPR "pg_now(0, 0)"

static void emit_over(struct sql__emit *e, const PgQuery__WindowDef *w, int loc)
{
	sql__window_over(e, w, loc); /* window.c */
}

/* An operand whose type only the stored value tells (a column of a
 * table, or min/max of one): cheap to evaluate more than once. */
static bool is_untyped_column(const Node *n)
{
	int32_t tm;
	if (n == NULL || sql__infer(n, &tm) != 0) {
		return false;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
		return true;
	}
	if (n->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
		return false;
	}
	const PgQuery__FuncCall *f = n->func_call;
	const char *name = sql__str(f->funcname[f->n_funcname - 1]);
	return name != NULL &&
	       (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) &&
	       f->n_args == 1 && f->over == NULL && f->agg_filter == NULL &&
	       f->args[0]->node_case == PG_QUERY__NODE__NODE_COLUMN_REF;
}

/*
 * sum(interval) and avg(interval): the pg_iv_sum/pg_iv_avg aggregates
 * (functions.c).  The translator does not know a column's type, so for
 * a bare column the choice is made on the values: intervals are stored
 * as text, numbers never are.
 */
static bool emit_iv_agg(struct sql__emit *e, const PgQuery__FuncCall *fc,
			const char *name)
{
	bool avg = strcmp(name, "avg") == 0;
	if ((!avg && strcmp(name, "sum") != 0) || fc->n_args != 1 ||
	    fc->agg_distinct || fc->agg_filter != NULL || fc->over != NULL) {
		return false;
	}
	const Node *x = fc->args[0];
	int32_t tm;
	const char *to = avg ? "pg_iv_avg(" : "pg_iv_sum(";
	uint32_t t = sql__infer(x, &tm);
	if (t == SQL_OID_TEXT || t == SQL_OID_VARCHAR || t == SQL_OID_BPCHAR) {
		/* A column typed by the mirror: no sum/avg of text. */
		sql__fail(e, fc->location, "42883",
			  "function %s(%s) does not exist", name,
			  sql__arg_types(e, fc));
		e->stmt->error.hint = "No function matches the given name and "
				      "argument types. You might need to add "
				      "explicit type casts.";
		return true;
	}
	if (t == SQL_OID_INTERVAL) {
		sql__put(e, to);
		sql__expr(e, x);
		sql__put(e, ")");
		return true;
	}
	if (x->node_case != PG_QUERY__NODE__NODE_COLUMN_REF ||
	    !is_untyped_column(x)) {
		return false;
	}
	/* An exact avg for the client (decimal.c): values of an untyped
	 * column are numeric as far as the result column says. */
	bool exact = avg && is_exact_root(e, fc);
	sql__put(e, "(CASE WHEN max(typeof(");
	sql__expr(e, x);
	sql__putf(e, ")) = 'text' THEN %s", to);
	sql__expr(e, x);
	sql__putf(e, ") ELSE %s(", exact ? "pg_num_avg" : name);
	sql__expr(e, x);
	sql__put(e, exact ? ") END COLLATE pg_num)" : ") END)");
	return true;
}

/* A statically text-typed operand, or an untyped string literal
 * (which PostgreSQL resolves to text where text is an option). */
static bool is_texty(const Node *n)
{
	int32_t tm;
	uint32_t t = sql__infer(n, &tm);
	return t == SQL_OID_TEXT || t == SQL_OID_VARCHAR ||
	       t == SQL_OID_BPCHAR ||
	       sql__is_const(n, PG_QUERY__A__CONST__VAL_SVAL);
}

/*
 * substring(s from pattern): the POSIX regex form (pg_substring_re),
 * chosen as PostgreSQL chooses the overload, by the pattern's type.
 * The SQL-standard SIMILAR form (three text arguments) is refused.
 * false: the positional form, for the caller to write.
 */
static bool emit_substring_re(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	bool param = fc->n_args == 2 &&
		     fc->args[1]->node_case == PG_QUERY__NODE__NODE_PARAM_REF;
	if (fc->n_args < 2 || (!param && !is_texty(fc->args[1]))) {
		return false; /* (a parameter there is text: params.c) */
	}
	if (fc->n_args == 3) {
		sql__fail(e, fc->location, "0A000",
			  "substring with SIMILAR is not supported");
		return true;
	}
	sql__put(e, "pg_substring_re(");
	sql__expr_list(e, fc->args, fc->n_args);
	sql__put(e, ")");
	return true;
}

/*
 * make_interval(years, months, weeks, days, hours, mins, secs), each
 * optional and nameable (make_interval(days => 3)): pg_make_interval
 * with all seven, the missing ones 0.
 */
static void emit_make_interval(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	static const char *const names[] = { "years", "months", "weeks", "days",
					     "hours", "mins",   "secs" };
	const Node *arg[7] = { NULL };
	bool named = false;
	if (fc->n_args > 7) {
		sql__fail(e, fc->location, "42883",
			  "function make_interval with %zu arguments does not "
			  "exist",
			  fc->n_args);
		return;
	}
	for (size_t i = 0; i < fc->n_args; i++) {
		const Node *a = fc->args[i];
		if (a->node_case != PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
			if (named) {
				sql__fail(e, fc->location, "42601",
					  "positional argument cannot follow "
					  "named argument");
				return;
			}
			arg[i] = a;
			continue;
		}
		named = true;
		const PgQuery__NamedArgExpr *na = a->named_arg_expr;
		size_t k = 0;
		while (k < 7 &&
		       (na->name == NULL || strcmp(na->name, names[k]) != 0)) {
			k++;
		}
		if (k < 7 && arg[k] != NULL) {
			sql__fail(e, a->named_arg_expr->location, "42601",
				  "argument name \"%s\" used more than once",
				  na->name);
			return;
		}
		if (k == 7) {
			sql__fail(e, fc->location, "42883",
				  "function make_interval(%s => %s) does not "
				  "exist",
				  na->name != NULL ? na->name : "",
				  sql__arg_types(
					  e, &(PgQuery__FuncCall){
						     .n_args = 1,
						     .args = (Node **)&na->arg,
					     }));
			return;
		}
		arg[k] = (const Node *)na->arg;
	}
	sql__put(e, "pg_make_interval(");
	for (size_t k = 0; k < 7; k++) {
		if (k > 0) {
			sql__put(e, ", ");
		}
		if (arg[k] != NULL) {
			sql__expr(e, arg[k]);
		} else {
			sql__put(e, "0");
		}
	}
	sql__put(e, ")");
}

/*
 * timezone(zone, x), which x AT TIME ZONE zone parses to: PostgreSQL
 * picks the overload by x's type (timestamp -> timestamptz, timestamptz
 * or date -> timestamp; an untyped literal is a timestamptz); for an
 * operand of unknown type the stored value decides.  An interval zone
 * is an offset east of UTC.
 */
static void emit_timezone(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	int32_t tm;
	uint32_t t = sql__infer(fc->args[1], &tm);
	uint32_t z = sql__infer(fc->args[0], &tm);
	const Node *x = fc->args[1];
	char mode = '?';
	if (t == SQL_OID_TIMESTAMP) {
		mode = 'p';
	} else if (t == SQL_OID_TIMESTAMPTZ || t == SQL_OID_DATE ||
		   sql__is_const(x, PG_QUERY__A__CONST__VAL_SVAL) ||
		   (x->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    x->a_const->isnull)) {
		mode = 'z'; /* an untyped literal is a timestamptz */
	} else if (t == SQL_OID_TIME || t == SQL_OID_TIMETZ) {
		sql__fail(e, fc->location, "0A000",
			  "AT TIME ZONE on a time of day is not supported");
		return;
	} else if (t != 0) {
		sql__fail(e, fc->location, "42883",
			  "function pg_catalog.timezone(%s) does not exist",
			  sql__arg_types(e, fc));
		e->stmt->error.hint = "No function matches the given name and "
				      "argument types. You might need to add "
				      "explicit type casts.";
		return;
	}
	sql__put(e, "pg_timezone(");
	sql__expr(e, fc->args[0]);
	sql__put(e, ", ");
	sql__expr(e, fc->args[1]);
	sql__putf(e, ", '%c%s')", mode, z == SQL_OID_INTERVAL ? "i" : "");
}

/*
 * pg_typeof(x): the name of x's static type (regtype output), written
 * as a literal.  An untyped literal is "unknown", as in PostgreSQL; an
 * operand whose type triode cannot tell at translation is refused.
 */
static void emit_typeof(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	const Node *a = fc->args[0];
	int32_t tm;
	uint32_t t = sql__infer(a, &tm);
	if (a->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	    (a->a_const->isnull ||
	     a->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL)) {
		sql__string(e, "unknown");
		return;
	}
	if (t == 0) {
		sql__fail(e, fc->location, "0A000",
			  "pg_typeof of an expression whose type is not known "
			  "at translation is not supported");
		return;
	}
	char name[96];
	sql__format_type(t, -1, false, name, sizeof name);
	sql__string(e, name);
}

/*
 * percentile_cont(f) / percentile_disc(f) / mode() WITHIN GROUP (ORDER BY
 * x): @to(f, x, 'dir') or @to(x, 'dir'), ordset.c's aggregates.
 */
static void emit_ordset(struct sql__emit *e, const PgQuery__FuncCall *fc,
			const char *to, const char *name)
{
	if (!fc->agg_within_group || fc->n_agg_order != 1) {
		sql__fail(e, fc->location, "42809",
			  "WITHIN GROUP is required for ordered-set aggregate "
			  "%s",
			  name);
		return;
	}
	if (fc->agg_distinct || fc->over != NULL || fc->agg_filter != NULL) {
		sql__fail(e, fc->location, "0A000",
			  "DISTINCT, FILTER and OVER are not supported for "
			  "%s",
			  name);
		return;
	}
	if (fc->n_args == 1 && sql__infer(fc->args[0], &(int32_t){ 0 }) != 0 &&
	    sql__array_elem(sql__infer(fc->args[0], &(int32_t){ 0 })) != 0) {
		sql__fail(e, fc->location, "0A000",
			  "%s of an array of fractions is not supported", name);
		return;
	}
	struct tr_buf k;
	tr_buf_init(&k, 0);
	if (!sql__agg_sort_dirs(e, fc, &k)) {
		tr_buf_close(&k);
		return;
	}
	sql__putf(e, "%s(", to);
	if (fc->n_args == 1) {
		sql__expr(e, fc->args[0]);
		sql__put(e, ", ");
	}
	sql__expr(e, fc->agg_order[0]->sort_by->node);
	sql__put(e, ", ");
	sql__string(e, tr_buf_cstr(&k));
	sql__put(e, ")");
	tr_buf_close(&k);
}

static _Thread_local const struct sql_session_facts *session_facts;

void sql_translation_session(const struct sql_session_facts *facts)
{
	session_facts = facts;
}

/* current_user, session_user, user, current_role, pg_backend_pid(),
 * inet_client_addr(), inet_client_port(): the session's, as a literal
 * (never cached: the statement is session_dependent). */
static void emit_session_fact(struct sql__emit *e, int location,
			      const char *what)
{
	const struct sql_session_facts *f = session_facts;
	if (f == NULL || f->user == NULL) {
		sql__fail(e, location, "0A000",
			  "%s is not supported outside a session", what);
		return;
	}
	e->stmt->session_dependent = true;
	if (strcmp(what, "pg_backend_pid") == 0) {
		sql__putf(e, "%u", f->backend_pid);
	} else if (strcmp(what, "inet_client_addr") == 0) {
		if (f->client_addr != NULL) {
			sql__string(e, f->client_addr);
		} else {
			sql__put(e, "NULL");
		}
	} else if (strcmp(what, "inet_client_port") == 0) {
		if (f->client_addr != NULL) {
			sql__putf(e, "%d", f->client_port);
		} else {
			sql__put(e, "NULL");
		}
	} else {
		sql__string(e, f->user);
	}
}

static _Thread_local sql_setting_value setting_value;
static _Thread_local void *setting_ctx;

void sql_translation_settings(sql_setting_value value, void *ctx)
{
	setting_value = value;
	setting_ctx = ctx;
}

/*
 * current_setting(name [, missing_ok]): the session's value, written as
 * a literal.  Settings live in the session, not on the leader that runs
 * the statement; the statement is marked so that it is translated again
 * when it runs (a SET earlier in the same batch counts) and never
 * cached.
 */
static void emit_setting(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	const char *name = const_string(fc->args[0]);
	bool missing_ok = false;
	if (fc->n_args == 2) {
		const Node *m = fc->args[1];
		if (!sql__is_const(m, PG_QUERY__A__CONST__VAL_BOOLVAL)) {
			name = NULL;
		} else {
			missing_ok = m->a_const->boolval->boolval;
		}
	}
	if (name == NULL || setting_value == NULL) {
		sql__fail(e, fc->location, "0A000",
			  "current_setting is supported only with constant "
			  "arguments");
		return;
	}
	char lower[128];
	size_t n = strlen(name);
	if (n >= sizeof lower) {
		n = sizeof lower - 1;
	}
	for (size_t i = 0; i < n; i++) {
		lower[i] = (char)tolower((unsigned char)name[i]);
	}
	lower[n] = '\0';
	e->stmt->session_dependent = true;
	const char *v = setting_value(setting_ctx, lower);
	if (v == NULL && !missing_ok) {
		sql__fail(e, fc->location, "42704",
			  "unrecognized configuration parameter \"%s\"", name);
		return;
	}
	if (v == NULL) {
		sql__put(e, "NULL");
	} else {
		sql__string(e, v);
	}
}

bool sql__agg_sort_dirs(struct sql__emit *e, const PgQuery__FuncCall *fc,
			struct tr_buf *k)
{
	for (size_t i = 0; i < fc->n_agg_order; i++) {
		const Node *n = fc->agg_order[i];
		if (n->node_case != PG_QUERY__NODE__NODE_SORT_BY ||
		    n->sort_by->sortby_dir ==
			    PG_QUERY__SORT_BY_DIR__SORTBY_USING) {
			sql__fail(e, fc->location, "0A000",
				  "this ORDER BY in an aggregate is not "
				  "supported");
			return false;
		}
		const PgQuery__SortBy *s = n->sort_by;
		bool desc = s->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
		bool first = s->sortby_nulls ==
			     PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST;
		bool last = s->sortby_nulls ==
			    PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST;
		tr_buf_put_u8(k,
			      desc ? (last ? 'D' : 'd') : (first ? 'A' : 'a'));
	}
	return true;
}

/* The SQLite text of @n (arena), written and taken back out of e->out;
 * NULL on failure. */
static const char *emitted(struct sql__emit *e, const Node *n)
{
	size_t mark = e->out.len;
	sql__expr(e, n);
	if (tr_buf_err(&e->out) != TR_OK || e->out.len < mark) {
		return NULL;
	}
	char *t = tr_arena_alloc(e->a, e->out.len - mark + 1);
	if (t != NULL) {
		memcpy(t, e->out.data + mark, e->out.len - mark);
		t[e->out.len - mark] = '\0';
	}
	e->out.len = mark;
	return t;
}

/* Two expressions translate to the same text (DISTINCT's ORDER BY
 * check: PostgreSQL compares the expressions, not their positions). */
static bool same_expr(struct sql__emit *e, const Node *a, const Node *b)
{
	const char *ta = emitted(e, a), *tb = emitted(e, b);
	return ta != NULL && tb != NULL && strcmp(ta, tb) == 0;
}

/*
 * string_agg(x, sep ORDER BY ...), string_agg(DISTINCT x, sep [ORDER BY
 * x]) and the same forms of array_agg (@array): pg_string_agg or
 * pg_array_agg (functions.c), which keep the rows and sort them.  With
 * DISTINCT, PostgreSQL requires every ORDER BY key to be an argument
 * (42P10); the value leads the keys, so that duplicates meet.
 */
void sql__ordered_agg(struct sql__emit *e, const PgQuery__FuncCall *fc,
		      bool array,
		      void (*value)(struct sql__emit *e, const Node *n))
{
	struct tr_buf k;
	tr_buf_init(&k, 0);
	tr_buf_put_u8(&k, array ? (fc->agg_distinct ? 'J' : 'j')
				: (fc->agg_distinct ? 'd' : '-'));
	if (fc->agg_distinct) {
		for (size_t i = 0; i < fc->n_agg_order; i++) {
			const Node *o = fc->agg_order[i];
			if (o->node_case == PG_QUERY__NODE__NODE_SORT_BY &&
			    !same_expr(e, o->sort_by->node, fc->args[0]) &&
			    (fc->n_args < 2 ||
			     !same_expr(e, o->sort_by->node, fc->args[1]))) {
				const Node *key = o->sort_by->node;
				int loc =
					key->node_case ==
							PG_QUERY__NODE__NODE_COLUMN_REF
						? key->column_ref->location
						: o->sort_by->location;
				sql__fail(e, loc, "42P10",
					  "in an aggregate with DISTINCT, "
					  "ORDER BY expressions must appear "
					  "in argument list");
				tr_buf_close(&k);
				return;
			}
		}
	}
	if (!sql__agg_sort_dirs(e, fc, &k)) {
		tr_buf_close(&k);
		return;
	}
	if (fc->agg_distinct) {
		tr_buf_put_u8(&k, 'a'); /* then by the value itself */
	}
	sql__put(e, array ? "pg_array_agg(" : "pg_string_agg(");
	sql__string(e, tr_buf_cstr(&k));
	tr_buf_close(&k);
	sql__put(e, ", ");
	value(e, fc->args[0]);
	sql__put(e, ", ");
	if (array) {
		sql__put(e, "NULL"); /* no separator */
	} else {
		sql__expr(e, fc->args[1]);
	}
	for (size_t i = 0; i < fc->n_agg_order; i++) {
		sql__put(e, ", ");
		sql__expr(e, fc->agg_order[i]->sort_by->node);
	}
	if (fc->agg_distinct) {
		sql__put(e, ", ");
		sql__expr(e, fc->args[0]);
	}
	sql__put(e, ")");
	if (fc->agg_filter != NULL) {
		sql__put(e, " FILTER (WHERE ");
		sql__expr(e, fc->agg_filter);
		sql__put(e, ")");
	}
}

/*
 * A string function given a number, boolean, date, json, uuid... whose
 * type is known: PostgreSQL has no implicit cast to text for those, so
 * length(1) is 42883 (SQLite would measure "1").  The first argument of
 * the functions that also take bytea may be bytea.
 */
static bool refuse_non_text_arg(struct sql__emit *e,
				const PgQuery__FuncCall *fc, const char *name)
{
	static const struct {
		const char *name;
		bool bytea; /* an overload takes bytea */
	} text_funcs[] = {
		{ "length", true },	  { "char_length", false },
		{ "character_length", false }, { "lower", false },
		{ "upper", false },	  { "initcap", false },
		{ "substr", true },	  { "substring", true },
		{ "btrim", true },	  { "ltrim", true },
		{ "rtrim", true },	  { "replace", false },
		{ "split_part", false },  { "left", false },
		{ "right", false },	  { "lpad", false },
		{ "rpad", false },	  { "repeat", false },
		{ "reverse", false },	  { "strpos", false },
		{ "starts_with", false }, { "md5", true },
		{ "ascii", false },	  { "translate", false },
	};
	if (fc->n_args == 0 || fc->n_funcname > 2) {
		return false;
	}
	bool bytea_ok = false;
	bool listed = false;
	for (size_t i = 0; i < TR_ARRAY_LEN(text_funcs) && !listed; i++) {
		if (strcmp(text_funcs[i].name, name) == 0) {
			listed = true;
			bytea_ok = text_funcs[i].bytea;
		}
	}
	if (!listed) {
		return false;
	}
	int32_t tm;
	uint32_t t = sql__infer(fc->args[0], &tm);
	if (t == 0 || t == SQL_OID_TEXT || t == SQL_OID_VARCHAR ||
	    t == SQL_OID_BPCHAR || t == SQL_OID_NAME ||
	    (bytea_ok && t == SQL_OID_BYTEA) || is_unknown_literal(fc->args[0]) ||
	    sql__array_elem(t) != 0) {
		return false;
	}
	sql__fail(e, fc->location, "42883", "function %s(%s) does not exist",
		  name, sql__arg_types(e, fc));
	e->stmt->error.hint = "No function matches the given name and argument "
			      "types. You might need to add explicit type "
			      "casts.";
	return true;
}

/* sqrt, exp or ln of a numeric at an exact root: its operation
 * letter for pg_num_math (decimal.c), else 0. */
static int exact_math_op(const struct sql__emit *e,
			 const PgQuery__FuncCall *fc, const char *name)
{
	int op = strcmp(name, "sqrt") == 0  ? 's'
		 : strcmp(name, "exp") == 0 ? 'e'
		 : strcmp(name, "ln") == 0  ? 'l'
					    : 0;
	int32_t tm;
	if (op == 0 || fc->n_args != 1 || !is_exact_root(e, fc) ||
	    sql__infer(fc->args[0], &tm) != SQL_OID_NUMERIC) {
		return 0;
	}
	return op;
}

/* avg of integers or numerics at an exact root: pg_num_avgN, N the
 * argument's static scale (decimal.c), into @buf. */
static bool exact_avg_name(const struct sql__emit *e,
			   const PgQuery__FuncCall *fc, const char *name,
			   char *buf, size_t cap)
{
	if (strcmp(name, "avg") != 0 || fc->n_args != 1 || fc->agg_star ||
	    !is_exact_root(e, fc)) {
		return false;
	}
	int32_t tm;
	uint32_t t = sql__infer(fc->args[0], &tm);
	if (!is_int(t) && t != SQL_OID_NUMERIC && t != 0) {
		return false; /* unknown: numeric, as the result column */
	}
	int sc = static_scale(fc->args[0]);
	if (sc >= 0 && sc <= 40) {
		snprintf(buf, cap, "pg_num_avg%d", sc);
	} else {
		snprintf(buf, cap, "pg_num_avg");
	}
	return true;
}

/* @n as the decimal text a numeric prints: a literal's own digits, or
 * pg_out with its display scale. */
static void emit_numeric_text(struct sql__emit *e, const Node *n)
{
	if (sql__is_const(n, PG_QUERY__A__CONST__VAL_IVAL) ||
	    (sql__is_const(n, PG_QUERY__A__CONST__VAL_FVAL) &&
	     strpbrk(n->a_const->fval->fval, "eE") == NULL)) {
		char num[32];
		const char *t = n->a_const->val_case ==
						PG_QUERY__A__CONST__VAL_IVAL
					? (snprintf(num, sizeof num, "%d",
						    n->a_const->ival->ival),
					   num)
					: n->a_const->fval->fval;
		sql__string(e, t);
		return;
	}
	int32_t tm;
	uint32_t t = sql__infer(n, &tm);
	sql__put(e, "pg_out(");
	sql__expr(e, n);
	sql__putf(e, ", %u, %d)", t == SQL_OID_NUMERIC || is_int(t) ? t : SQL_OID_NUMERIC,
		  (int)tm);
}

/* to_char(x, f) -> pg_to_char(x, f, oid): the static type of x picks
 * PostgreSQL's to_char (a numeric literal 1234.5 is a numeric, 42 an
 * int4); a numeric travels as its decimal text (all its digits, its
 * display scale).  An untyped literal matches several to_char, as in
 * PostgreSQL, and text none. */
static void emit_to_char(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	const Node *x = fc->args[0];
	int32_t tm;
	uint32_t t = is_unknown_literal(x) ? 0 : sql__infer(x, &tm);
	if (is_unknown_literal(x) || t == SQL_OID_TEXT ||
	    t == SQL_OID_VARCHAR || t == SQL_OID_BPCHAR || t == SQL_OID_NAME) {
		bool unknown = is_unknown_literal(x);
		sql__fail(e, fc->location, unknown ? "42725" : "42883",
			  unknown ? "function to_char(%s) is not unique"
				  : "function to_char(%s) does not exist",
			  sql__arg_types(e, fc));
		e->stmt->error.hint =
			unknown ? "Could not choose a best candidate function. "
				  "You might need to add explicit type casts."
				: "No function matches the given name and "
				  "argument types. You might need to add "
				  "explicit type casts.";
		return;
	}
	sql__put(e, "pg_to_char(");
	const char *lit = numeric_literal(x);
	const PgQuery__AExpr *neg = x->node_case == PG_QUERY__NODE__NODE_A_EXPR
					    ? x->a_expr
					    : NULL;
	if (neg != NULL && (neg->kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP ||
			    neg->lexpr != NULL || neg->rexpr == NULL ||
			    strcmp(op_name(neg), "-") != 0 ||
			    numeric_literal(neg->rexpr) == NULL)) {
		neg = NULL;
	}
	if (lit != NULL) {
		sql__string(e, lit);
	} else if (neg != NULL) {
		/* -1234.5::numeric: all the digits too */
		const char *d = numeric_literal(neg->rexpr);
		sql__put(e, d[0] == '-' ? "" : "'-' || ");
		sql__string(e, d[0] == '-' ? d + 1 : d);
	} else if (t == SQL_OID_NUMERIC) {
		emit_numeric_text(e, x);
	} else {
		sql__expr(e, x);
	}
	sql__put(e, ", ");
	sql__expr(e, fc->args[1]);
	sql__putf(e, ", %u)", t);
}

static void emit_func(struct sql__emit *e, const PgQuery__FuncCall *fc)
{
	const char *name = sql__str(fc->funcname[fc->n_funcname - 1]);
	if (name == NULL) {
		sql__fail(e, fc->location, "0A000",
			  "function is not supported");
		return;
	}
	if (sql__func_is_denied(name)) {
		sql__fail(e, fc->location, "42501",
			  "function %s is not allowed", name);
		return;
	}
	if (sql__array_func(e, fc) || sql__catalog_func(e, fc)) {
		return;
	}
	if (fc->n_funcname > 2 ||
	    (fc->n_funcname == 2 &&
	     strcmp(sql__str(fc->funcname[0]) ? sql__str(fc->funcname[0]) : "",
		    "pg_catalog") != 0 &&
	     strcmp(sql__str(fc->funcname[0]) ? sql__str(fc->funcname[0]) : "",
		    "public") != 0)) {
		sql__fail(e, fc->location, "0A000",
			  "function %s is not supported", name);
		return;
	}
	if (sql__json_func(e, fc, name)) {
		return; /* json_sql.c */
	}
	if (sql__seq_func(e, fc, name)) {
		return; /* sequence.c */
	}
	if (sql__advisory_func(e, fc, name)) {
		return; /* advisory.c */
	}
	const struct func *f = find_func(name);
	if (f == NULL && strcmp(name, "generate_series") == 0) {
		sql__fail(e, fc->location, "0A000",
			  "generate_series is supported in FROM only");
		return;
	}
	if (f == NULL && strcmp(name, "set_config") == 0) {
		/* parse.c runs the one form the session can answer. */
		sql__fail(e, fc->location, "0A000",
			  "set_config is supported only as SELECT "
			  "set_config('name', 'value', true|false)");
		return;
	}
	if (f == NULL && !sql__pg_builtin(name) && !sql__failed(e)) {
		/* Not PostgreSQL's either: its own error and hint. */
		sql__fail(e, fc->location, "42883",
			  "function %s(%s) does not exist", name,
			  sql__arg_types(e, fc));
		e->stmt->error.hint = "No function matches the given name and "
				      "argument types. You might need to add "
				      "explicit type casts.";
		return;
	}
	if (f == NULL) {
		sql__fail(e, fc->location, "0A000",
			  "function %s is not supported", name);
		return;
	}
	int nargs = (int)fc->n_args;
	if (nargs < f->min || nargs > f->max ||
	    (fc->agg_star && strcmp(name, "count") != 0) ||
	    (!fc->agg_star && strcmp(name, "count") == 0 && nargs != 1)) {
		sql__fail(e, fc->location, "42883",
			  "function %s with %d arguments does not exist", name,
			  nargs);
		return;
	}
	if (refuse_non_text_arg(e, fc, name)) {
		return;
	}
	if ((strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0 ||
	     strcmp(name, "initcap") == 0) &&
	    folds_ascii(e, fc->args[0], NULL)) {
		/* ASCII-only case mapping, functions.c. */
		sql__putf(e, "%s_c(", f->to);
		sql__expr(e, fc->args[0]);
		sql__put(e, ")");
		return;
	}
	if (strcmp(name, "make_interval") == 0 && !fc->agg_star &&
	    !fc->agg_distinct && fc->agg_filter == NULL && fc->over == NULL &&
	    fc->n_agg_order == 0 && !fc->func_variadic) {
		emit_make_interval(e, fc);
		return;
	}
	for (size_t i = 0; i < fc->n_args; i++) {
		if (fc->args[i]->node_case ==
		    PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
			sql__fail(e, fc->location, "0A000",
				  "named arguments are not supported");
			return;
		}
	}
	if (strcmp(name, "string_agg") == 0 && fc->over == NULL &&
	    !fc->agg_within_group &&
	    (fc->n_agg_order > 0 || fc->agg_distinct)) {
		sql__ordered_agg(e, fc, false, sql__expr);
		return;
	}
	if (f->map == M_ORDSET) {
		emit_ordset(e, fc, f->to, name);
		return;
	}
	if (fc->agg_within_group) {
		sql__fail(e, fc->location, "42809",
			  "%s is not an ordered-set aggregate, so it cannot "
			  "have WITHIN GROUP",
			  name);
		return;
	}
	if (fc->n_agg_order > 0) {
		sql__fail(e, fc->location, "0A000",
			  "ORDER BY in aggregate %s is not supported", name);
		return;
	}
	if (fc->func_variadic) {
		sql__fail(e, fc->location, "0A000",
			  "VARIADIC is not supported");
		return;
	}
	if (f->kind == F_SCALAR &&
	    (fc->agg_distinct || fc->agg_filter != NULL || fc->over != NULL)) {
		sql__fail(e, fc->location, "42809",
			  "%s is not an aggregate function", name);
		return;
	}
	if (f->kind == F_WINDOW && fc->over == NULL) {
		sql__fail(e, fc->location, "42P20",
			  "window function %s requires an OVER clause", name);
		return;
	}
	switch (f->map) {
	case M_NOW:
		/* statement_timestamp() is the statement's start,
		 * clock_timestamp() each call's time (clock.c). */
		sql__put(e, strcmp(name, "clock_timestamp") == 0 ? "pg_now(2, 0)"
			    : strcmp(name, "statement_timestamp") == 0
				    ? "pg_now(1, 0)"
				    : NOW_EXPR);
		return;
	case M_RANDOM:
		sql__put(e, "(random() / 18446744073709551616.0 + 0.5)");
		return;
	case M_UUID:
		sql__put(e, "(lower(hex(randomblob(4))) || '-' || "
			    "lower(hex(randomblob(2))) || '-4' || "
			    "substr(lower(hex(randomblob(2))), 2) || '-' || "
			    "substr('89ab', 1 + (abs(random()) % 4), 1) || "
			    "substr(lower(hex(randomblob(2))), 2) || '-' || "
			    "lower(hex(randomblob(6))))");
		return;
	case M_OCTETS:
		sql__put(e, "length(CAST(");
		sql__expr(e, fc->args[0]);
		sql__put(e, " AS BLOB))");
		return;
	case M_TOHEX: {
		int32_t tm;
		uint32_t t = sql__infer(fc->args[0], &tm);
		sql__put(e, "pg_to_hex(");
		sql__expr(e, fc->args[0]);
		sql__putf(e, ", %d)",
			  t == SQL_OID_INT8                        ? 8
			  : t == SQL_OID_INT4 || t == SQL_OID_INT2 ? 4
								   : 0);
		return;
	}
	case M_SUBSTRING:
		if (emit_substring_re(e, fc)) {
			return;
		}
		break;
	case M_TIMEZONE:
		emit_timezone(e, fc);
		return;
	case M_TYPEOF:
		emit_typeof(e, fc);
		return;
	case M_SETTING:
		emit_setting(e, fc);
		return;
	case M_SESSION:
		emit_session_fact(e, fc->location, name);
		return;
	case M_NULLS:
		/* (CASE WHEN a IS NULL THEN 1 ELSE 0 END + ...) */
		sql__put(e, "(");
		for (size_t i = 0; i < fc->n_args; i++) {
			bool nulls = strcmp(name, "num_nulls") == 0;
			sql__put(e, i > 0 ? " + CASE WHEN " : "CASE WHEN ");
			sql__expr(e, fc->args[i]);
			sql__putf(e, " IS NULL THEN %d ELSE %d END", nulls,
				  !nulls);
		}
		sql__put(e, ")");
		return;
	case M_TOCHAR:
		emit_to_char(e, fc);
		return;
	case M_BYTEA1:
		if (!sql__is_const(fc->args[0], PG_QUERY__A__CONST__VAL_SVAL)) {
			break;
		}
		sql__putf(e, "%s(", f->to);
		emit_decoded(e, SQL_OID_BYTEA, fc->args[0]->a_const->sval->sval,
			     fc->args[0]->a_const->location);
		for (size_t i = 1; i < fc->n_args; i++) {
			sql__put(e, ", ");
			sql__expr(e, fc->args[i]);
		}
		sql__put(e, ")");
		return;
	case M_ORDSET: /* handled above */
	case M_SAME:
	case M_RENAME:
		break;
	}
	if (emit_iv_agg(e, fc, name)) {
		return;
	}
	if (strcmp(name, "round") == 0 && fc->n_args == 1) {
		int32_t tm;
		uint32_t t = sql__infer(fc->args[0], &tm);
		if (t == SQL_OID_FLOAT8 || t == SQL_OID_FLOAT4) {
			/* dround: rint, ties to even. */
			sql__put(e, "pg_rint(");
			sql__expr(e, fc->args[0]);
			sql__put(e, ")");
			return;
		}
	}
	if (strcmp(name, "log") == 0 && fc->n_args == 2 &&
	    is_exact_root(e, fc)) {
		emit_exact2(e, "pg_num_log", fc->args[0], fc->args[1]);
		return;
	}
	if ((strcmp(name, "lag") == 0 || strcmp(name, "lead") == 0) &&
	    fc->n_args == 3 && fc->over != NULL && is_exact_root(e, fc) &&
	    sql__infer(fc->args[0], &(int32_t){ 0 }) == SQL_OID_NUMERIC) {
		/* Each value keeps its own display scale, as PostgreSQL's
		 * numerics do: lag(amount, 1, 0) gives 100.00 from the column
		 * and 0 from the default, as decimal text (decimal.c). */
		sql__putf(e, "(%s(", name);
		emit_numeric_text(e, fc->args[0]);
		sql__put(e, ", ");
		sql__expr(e, fc->args[1]);
		sql__put(e, ", ");
		emit_numeric_text(e, fc->args[2]);
		sql__put(e, ")");
		emit_over(e, fc->over, fc->location);
		sql__put(e, " COLLATE pg_num)");
		return;
	}
	int math = exact_math_op(e, fc, name);
	if (math != 0) {
		/* (pg_num_math(x, s, op) COLLATE pg_num), decimal.c */
		sql__put(e, "(pg_num_math(");
		exact_operand(e, fc->args[0]);
		sql__putf(e, ", %d, %d) COLLATE pg_num)",
			  static_scale(fc->args[0]), math);
		return;
	}
	char avg_fn[24];
	bool exact_avg = exact_avg_name(e, fc, name, avg_fn, sizeof avg_fn);
	sql__put(e, exact_avg ? "(" : "");
	sql__put(e, exact_avg ? avg_fn : f->to != NULL ? f->to : f->name);
	sql__put(e, "(");
	if (fc->agg_distinct) {
		sql__put(e, "DISTINCT ");
	}
	if (fc->agg_star) {
		sql__put(e, "*");
	} else if (strcmp(name, "coalesce") == 0 && fc->n_args == 1) {
		sql__expr(e, fc->args[0]);
		sql__put(e, ", NULL");
	} else if (strcmp(name, "concat") == 0 ||
		   strcmp(name, "concat_ws") == 0 ||
		   strcmp(name, "format") == 0) {
		/* Their arguments print as their types' output does. */
		for (size_t i = 0; i < fc->n_args; i++) {
			sql__put(e, i > 0 ? ", " : "");
			emit_as_text(e, fc->args[i], false);
		}
	} else {
		sql__expr_list(e, fc->args, fc->n_args);
	}
	sql__put(e, ")");
	if (fc->agg_filter != NULL) {
		sql__put(e, " FILTER (WHERE ");
		sql__expr(e, fc->agg_filter);
		sql__put(e, ")");
	}
	if (fc->over != NULL) {
		emit_over(e, fc->over, fc->location);
	}
	sql__put(e, exact_avg ? " COLLATE pg_num)" : "");
}

/* ---------------------------------------------------------------------
 * Other nodes
 * ------------------------------------------------------------------- */

static void emit_sublink(struct sql__emit *e, const PgQuery__SubLink *s)
{
	sql__sublink(e, s); /* subquery.c */
}

static void emit_minmax(struct sql__emit *e, const PgQuery__MinMaxExpr *m)
{
	size_t n = m->n_args;
	const char *fn = m->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "max"
								    : "min";
	if (n == 1) {
		sql__expr(e, m->args[0]);
		return;
	}
	/* Each argument, or any non-NULL other one: NULLs never win and
	 * the result is NULL only when every argument is. */
	sql__putf(e, "%s(", fn);
	for (size_t i = 0; i < n; i++) {
		sql__put(e, i > 0 ? ", coalesce(" : "coalesce(");
		sql__expr(e, m->args[i]);
		for (size_t j = 0; j < n; j++) {
			if (j != i) {
				sql__put(e, ", ");
				sql__expr(e, m->args[j]);
			}
		}
		sql__put(e, ")");
	}
	sql__put(e, ")");
}

static void emit_sqlvalue(struct sql__emit *e,
			  const PgQuery__SQLValueFunction *v)
{
	switch (v->op) {
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
		/* now(), but a column default shows it as written. */
		sql__put(e, "pg_now(0, 5)");
		return;
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N:
		sql__put(e, NOW_EXPR);
		return;
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N:
		sql__put(e, "pg_now(0, 1)");
		return;
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE:
		sql__put(e, "pg_now(0, 4)");
		return;
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME:
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME_N:
		sql__put(e, "pg_now(0, 2)");
		return;
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME:
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME_N:
		sql__put(e, "pg_now(0, 3)");
		return;
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA:
		sql__put(e, "'public'");
		return;
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE:
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER:
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER:
	case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER:
		/* No SET ROLE: every one of them is the session's user. */
		emit_session_fact(e, v->location, "current_user");
		return;
	default:
		sql__fail(
			e, v->location, "0A000", "%s is not supported yet",
			sql__colname(&(Node){
				.node_case =
					PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION,
				.sqlvalue_function =
					(PgQuery__SQLValueFunction *)v }));
		return;
	}
}

static void emit_collate(struct sql__emit *e, const PgQuery__CollateClause *c)
{
	const char *coll = collation_name(c);
	if (coll == NULL) {
		sql__fail(e, c->location, "0A000",
			  "collation is not supported");
		return;
	}
	if (strcmp(coll, "default") == 0) {
		sql__expr(e, c->arg);
		return;
	}
	if (is_known_collation(coll)) {
		/* Code point order under each; case mapping is decided where
		 * it happens (folds_ascii). */
		sql__put(e, "(");
		sql__expr(e, c->arg);
		sql__put(e, " COLLATE BINARY)");
		return;
	}
	size_t len = strlen(coll);
	if (len > 6 && strcmp(coll + len - 6, "-x-icu") == 0) {
		/* PostgreSQL built with ICU has these; triode has none. */
		sql__fail(e, c->location, "0A000",
			  "collation \"%s\" is not supported", coll);
		return;
	}
	sql__fail(e, c->location, "42704",
		  "collation \"%s\" for encoding \"UTF8\" does not exist",
		  coll);
}

/* A literal whose type its context decides: 'x' or NULL. */
static bool is_unknown_literal(const Node *n)
{
	return n == NULL || (n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
			     (n->a_const->isnull || const_string(n) != NULL));
}

/* The type of the first of @n values that is not an unknown literal
 * (PostgreSQL's common type of CASE and COALESCE), or 0. */
static uint32_t common_type(const Node *const *v, size_t n, int32_t *typmod)
{
	*typmod = -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = is_unknown_literal(v[i])
				     ? 0
				     : sql__infer(v[i], typmod);
		if (t != 0) {
			return t;
		}
	}
	*typmod = -1;
	return 0;
}

static void emit_case(struct sql__emit *e, const PgQuery__CaseExpr *c)
{
	const Node *res[64];
	size_t n = 0;
	for (size_t i = 0; i < c->n_args && n < TR_ARRAY_LEN(res) - 1; i++) {
		res[n++] = c->args[i]->case_when->result;
	}
	res[n++] = c->defresult;
	int32_t tm;
	uint32_t t = common_type(res, n, &tm);
	sql__put(e, "CASE");
	if (c->arg != NULL) {
		sql__put(e, " ");
		sql__expr(e, c->arg);
	}
	for (size_t i = 0; i < c->n_args; i++) {
		const PgQuery__CaseWhen *w = c->args[i]->case_when;
		sql__put(e, " WHEN ");
		if (c->arg != NULL) {
			emit_operand(e, w->expr, c->arg);
		} else {
			sql__expr(e, w->expr);
		}
		sql__put(e, " THEN ");
		/* 'x' in CASE ... THEN 1 ELSE 'x' is read as an integer. */
		sql__expr_typed(e, w->result, t, -1);
	}
	if (c->defresult != NULL) {
		sql__put(e, " ELSE ");
		sql__expr_typed(e, c->defresult, t, -1);
	}
	sql__put(e, " END");
}

static void emit_null_test(struct sql__emit *e, const PgQuery__NullTest *t)
{
	bool is_null = t->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL;
	const Node *arg = t->arg;
	if (arg != NULL && arg->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
		/* ROW(...) IS [NOT] NULL: every field is [not] NULL. */
		const PgQuery__RowExpr *r = arg->row_expr;
		sql__put(e, "(");
		for (size_t i = 0; i < r->n_args; i++) {
			if (i > 0) {
				sql__put(e, " AND ");
			}
			sql__expr(e, r->args[i]);
			sql__put(e, is_null ? " IS NULL" : " IS NOT NULL");
		}
		sql__put(e, r->n_args == 0 ? "1)" : ")");
		return;
	}
	sql__put(e, "(");
	sql__expr(e, arg);
	sql__put(e, is_null ? " IS NULL)" : " IS NOT NULL)");
}

static void emit_bool_test(struct sql__emit *e, const PgQuery__BooleanTest *t)
{
	static const char *const tests[] = {
		[PG_QUERY__BOOL_TEST_TYPE__IS_TRUE] = " IS TRUE)",
		[PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE] = " IS NOT TRUE)",
		[PG_QUERY__BOOL_TEST_TYPE__IS_FALSE] = " IS FALSE)",
		[PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE] = " IS NOT FALSE)",
		[PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN] = " IS NULL)",
		[PG_QUERY__BOOL_TEST_TYPE__IS_NOT_UNKNOWN] = " IS NOT NULL)",
	};
	unsigned k = (unsigned)t->booltesttype;
	if (k >= TR_ARRAY_LEN(tests) || tests[k] == NULL) {
		sql__fail(e, t->location, "0A000",
			  "boolean test not supported");
		return;
	}
	sql__put(e, "(");
	sql__expr(e, t->arg);
	sql__put(e, tests[k]);
}

static void emit_bool_expr(struct sql__emit *e, const PgQuery__BoolExpr *b)
{
	if (b->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR) {
		sql__put(e, "(NOT ");
		sql__expr(e, b->args[0]);
		sql__put(e, ")");
		return;
	}
	const char *sep = b->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR
				  ? " AND "
				  : " OR ";
	sql__put(e, "(");
	for (size_t i = 0; i < b->n_args; i++) {
		if (i > 0) {
			sql__put(e, sep);
		}
		sql__expr(e, b->args[i]);
	}
	sql__put(e, ")");
}

static void expr(struct sql__emit *e, const Node *n)
{
	if (e->gset != NULL && sql__grouping_node(e, n)) {
		return; /* grouping.c: an absent grouping column */
	}
	if (n == e->srf) {
		/* query.c: a generate_series moved into FROM */
		sql__putf(e, "__srf%u.value", e->srf_tmp);
		return;
	}
	if (e->lateral != NULL &&
	    n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
	    sql__lateral_column(e, n->column_ref)) {
		return; /* query.c: a LATERAL subquery's column */
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_A_CONST:
		emit_const(e, n->a_const);
		return;
	case PG_QUERY__NODE__NODE_COLUMN_REF:
		if (sql__whole_row(e, n)) {
			return; /* a FROM item's row (json_sql.c) */
		}
		emit_column_ref(e, n->column_ref);
		return;
	case PG_QUERY__NODE__NODE_PARAM_REF:
		if (n->param_ref->number < 1) {
			sql__fail(e, n->param_ref->location, "42P02",
				  "there is no parameter $%d",
				  n->param_ref->number);
			return;
		}
		sql__putf(e, "?%d", n->param_ref->number);
		return;
	case PG_QUERY__NODE__NODE_A_EXPR:
		emit_a_expr(e, n->a_expr);
		return;
	case PG_QUERY__NODE__NODE_BOOL_EXPR:
		emit_bool_expr(e, n->bool_expr);
		return;
	case PG_QUERY__NODE__NODE_NULL_TEST:
		emit_null_test(e, n->null_test);
		return;
	case PG_QUERY__NODE__NODE_BOOLEAN_TEST:
		emit_bool_test(e, n->boolean_test);
		return;
	case PG_QUERY__NODE__NODE_SUB_LINK:
		emit_sublink(e, n->sub_link);
		return;
	case PG_QUERY__NODE__NODE_CASE_EXPR:
		emit_case(e, n->case_expr);
		return;
	case PG_QUERY__NODE__NODE_COALESCE_EXPR: {
		const PgQuery__CoalesceExpr *c = n->coalesce_expr;
		int32_t tm;
		uint32_t t = common_type((const Node *const *)c->args,
					 c->n_args, &tm);
		sql__put(e, "coalesce(");
		for (size_t i = 0; i < c->n_args; i++) {
			if (i > 0) {
				sql__put(e, ", ");
			}
			sql__expr_typed(e, c->args[i], t, -1);
		}
		sql__put(e, c->n_args == 1 ? ", NULL)" : ")");
		return;
	}
	case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
		emit_minmax(e, n->min_max_expr);
		return;
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		emit_cast(e, n->type_cast);
		return;
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		emit_func(e, n->func_call);
		return;
	case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
		emit_collate(e, n->collate_clause);
		return;
	case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
		emit_sqlvalue(e, n->sqlvalue_function);
		return;
	case PG_QUERY__NODE__NODE_ROW_EXPR:
		sql__put(e, "(");
		sql__expr_list(e, n->row_expr->args, n->row_expr->n_args);
		sql__put(e, ")");
		return;
	case PG_QUERY__NODE__NODE_SET_TO_DEFAULT:
		sql__fail(e, n->set_to_default->location, "0A000",
			  "DEFAULT is not supported in this position");
		return;
	case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
		if (sql__catalog_node(e, n) || sql__array_node(e, n)) {
			return;
		}
		sql__fail(e, n->a_array_expr->location, "0A000",
			  "ARRAY constructors are not supported");
		return;
	case PG_QUERY__NODE__NODE_A_INDIRECTION:
		if (sql__catalog_node(e, n) || sql__array_node(e, n)) {
			return;
		}
		sql__fail(e, -1, "0A000",
			  "subscripts and field selections are not supported");
		return;
	case PG_QUERY__NODE__NODE_GROUPING_FUNC:
		sql__grouping_func(e, n->grouping_func); /* grouping.c */
		return;
	default:
		sql__fail(e, -1, "0A000", "this expression is not supported");
		return;
	}
}

static void emit_sort_list(struct sql__emit *e, Node *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			sql__put(e, ", ");
		}
		const PgQuery__SortBy *s = items[i]->sort_by;
		if (s->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING) {
			sql__fail(e, s->location, "0A000",
				  "ORDER BY ... USING is not supported");
			return;
		}
		bool desc = s->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
		sql__expr(e, s->node);
		sql__put(e, desc ? " DESC" : "");
		/* PostgreSQL sorts NULL as the largest value: last when
		 * ascending, first when descending.  SQLite does the
		 * opposite, so the placement is always written out. */
		bool first = desc;
		if (s->sortby_nulls ==
		    PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST) {
			first = true;
		} else if (s->sortby_nulls ==
			   PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST) {
			first = false;
		}
		sql__put(e, first ? " NULLS FIRST" : " NULLS LAST");
	}
}

void sql__sort(struct sql__emit *e, Node *const *items, size_t n)
{
	emit_sort_list(e, items, n);
}

/* ---------------------------------------------------------------------
 * Column names (PostgreSQL's FigureColnameInternal)
 * ------------------------------------------------------------------- */

static int figure(const Node *n, const char **name);

static const PgQuery__SelectStmt *leftmost(const PgQuery__SelectStmt *s)
{
	while (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->larg) {
		s = s->larg;
	}
	return s;
}

static int figure(const Node *n, const char **name)
{
	if (n == NULL) {
		return 0;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_COLUMN_REF: {
		const PgQuery__ColumnRef *c = n->column_ref;
		const char *s = sql__str(c->fields[c->n_fields - 1]);
		if (s != NULL) {
			*name = s;
			return 2;
		}
		return 0;
	}
	case PG_QUERY__NODE__NODE_A_INDIRECTION: {
		const PgQuery__AIndirection *ind = n->a_indirection;
		for (size_t i = ind->n_indirection; i > 0; i--) {
			const char *s = sql__str(ind->indirection[i - 1]);
			if (s != NULL) {
				*name = s;
				return 2;
			}
		}
		return figure(ind->arg, name);
	}
	case PG_QUERY__NODE__NODE_FUNC_CALL: {
		const PgQuery__FuncCall *f = n->func_call;
		const char *s = sql__str(f->funcname[f->n_funcname - 1]);
		if (s != NULL) {
			*name = s;
			return 2;
		}
		return 0;
	}
	case PG_QUERY__NODE__NODE_A_EXPR:
		if (n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF) {
			*name = "nullif";
			return 2;
		}
		return 0;
	case PG_QUERY__NODE__NODE_TYPE_CAST: {
		int strength = figure(n->type_cast->arg, name);
		if (strength <= 1) {
			const PgQuery__TypeName *tn = n->type_cast->type_name;
			const char *s =
				tn->n_names > 0
					? sql__str(tn->names[tn->n_names - 1])
					: NULL;
			if (s != NULL) {
				*name = s;
				return 1;
			}
		}
		return strength;
	}
	case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
		return figure(n->collate_clause->arg, name);
	case PG_QUERY__NODE__NODE_GROUPING_FUNC:
		*name = "grouping";
		return 2;
	case PG_QUERY__NODE__NODE_SUB_LINK:
		switch (n->sub_link->sub_link_type) {
		case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
			*name = "exists";
			return 2;
		case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK:
			*name = "array";
			return 2;
		case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK: {
			const Node *sub = n->sub_link->subselect;
			if (sub == NULL ||
			    sub->node_case !=
				    PG_QUERY__NODE__NODE_SELECT_STMT) {
				return 0;
			}
			const PgQuery__SelectStmt *s = leftmost(
				sub->select_stmt);
			if (s->n_target_list == 0) {
				return 0;
			}
			const PgQuery__ResTarget *rt =
				s->target_list[0]->res_target;
			*name = rt->name[0] ? rt->name : sql__colname(rt->val);
			return 2;
		}
		default:
			return 0;
		}
	case PG_QUERY__NODE__NODE_CASE_EXPR:
		*name = "case";
		return 1;
	case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
		*name = "array";
		return 1;
	case PG_QUERY__NODE__NODE_ROW_EXPR:
		*name = "row";
		return 1;
	case PG_QUERY__NODE__NODE_COALESCE_EXPR:
		*name = "coalesce";
		return 1;
	case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
		*name = n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST
				? "greatest"
				: "least";
		return 1;
	case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: {
		static const char *const names[] = {
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE] =
				"current_date",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME] =
				"current_time",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME_N] =
				"current_time",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP] =
				"current_timestamp",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N] =
				"current_timestamp",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME] =
				"localtime",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME_N] =
				"localtime",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP] =
				"localtimestamp",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N] =
				"localtimestamp",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE] =
				"current_role",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER] =
				"current_user",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER] = "user",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER] =
				"session_user",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG] =
				"current_catalog",
			[PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA] =
				"current_schema",
		};
		unsigned k = (unsigned)n->sqlvalue_function->op;
		if (k < TR_ARRAY_LEN(names) && names[k] != NULL) {
			*name = names[k];
			return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

const char *sql__colname(const Node *n)
{
	const char *name = "?column?";
	figure(n, &name);
	return name;
}

/* ---------------------------------------------------------------------
 * Static types
 * ------------------------------------------------------------------- */

static bool is_int(uint32_t t)
{
	return t == SQL_OID_INT2 || t == SQL_OID_INT4 || t == SQL_OID_INT8;
}

/* Result type of arithmetic on @l and @r (PostgreSQL's promotion). */
static uint32_t arith(uint32_t l, uint32_t r)
{
	if (l == 0 || r == 0) {
		return 0;
	}
	if (l == SQL_OID_FLOAT8 || r == SQL_OID_FLOAT8 || l == SQL_OID_FLOAT4 ||
	    r == SQL_OID_FLOAT4) {
		return SQL_OID_FLOAT8;
	}
	if (l == SQL_OID_NUMERIC || r == SQL_OID_NUMERIC) {
		return SQL_OID_NUMERIC;
	}
	if (is_int(l) && is_int(r)) {
		if (l == SQL_OID_INT8 || r == SQL_OID_INT8) {
			return SQL_OID_INT8;
		}
		if (l == SQL_OID_INT4 || r == SQL_OID_INT4) {
			return SQL_OID_INT4;
		}
		return SQL_OID_INT2;
	}
	return 0;
}

/* Result of date/time + - * / (0 if not date/time or unknown). */
static uint32_t infer_datetime(uint32_t l, uint32_t r, char op)
{
	bool li = l == SQL_OID_INTERVAL, ri = r == SQL_OID_INTERVAL;
	bool lts = l == SQL_OID_TIMESTAMP || l == SQL_OID_TIMESTAMPTZ;
	bool rts = r == SQL_OID_TIMESTAMP || r == SQL_OID_TIMESTAMPTZ;
	if (op == '*' || op == '/') {
		return li || (ri && op == '*') ? SQL_OID_INTERVAL : 0;
	}
	if (l == SQL_OID_TIME && r == SQL_OID_TIME && op == '-') {
		return SQL_OID_INTERVAL;
	}
	if ((l == SQL_OID_TIME && ri) ||
	    (li && r == SQL_OID_TIME && op == '+')) {
		return SQL_OID_TIME;
	}
	if (li && ri) {
		return SQL_OID_INTERVAL;
	}
	if (lts && ri) {
		return l;
	}
	if (li && rts && op == '+') {
		return r;
	}
	if ((l == SQL_OID_DATE && ri) ||
	    (li && r == SQL_OID_DATE && op == '+')) {
		return SQL_OID_TIMESTAMP;
	}
	if (l == SQL_OID_DATE && is_int(r)) {
		return SQL_OID_DATE;
	}
	if (is_int(l) && r == SQL_OID_DATE && op == '+') {
		return SQL_OID_DATE;
	}
	if (op == '-' && l == SQL_OID_DATE && r == SQL_OID_DATE) {
		return SQL_OID_INT4;
	}
	if (op == '-' && (lts || l == SQL_OID_DATE) &&
	    (rts || r == SQL_OID_DATE)) {
		return SQL_OID_INTERVAL;
	}
	return 0;
}

/*
 * The display scale of extract(field from x) in PostgreSQL 15: seconds
 * and epoch carry microseconds (6 decimals), milliseconds 3, the other
 * fields are whole; a date's epoch is whole too.  -1 when unknown.
 */
static int32_t extract_typmod(const char *field, uint32_t from)
{
	static const struct {
		const char *name;
		int scale;
	} fields[] = {
		{ "second", 6 },       { "seconds", 6 },     { "sec", 6 },
		{ "secs", 6 },	       { "s", 6 },	     { "epoch", 6 },
		{ "millisecond", 3 },  { "milliseconds", 3 }, { "msec", 3 },
		{ "msecs", 3 },	       { "ms", 3 },	     { "microsecond", 0 },
		{ "microseconds", 0 }, { "usec", 0 },	     { "usecs", 0 },
		{ "us", 0 },	       { "minute", 0 },	     { "hour", 0 },
		{ "day", 0 },	       { "month", 0 },	     { "year", 0 },
		{ "quarter", 0 },      { "week", 0 },	     { "dow", 0 },
		{ "isodow", 0 },       { "doy", 0 },	     { "decade", 0 },
		{ "century", 0 },      { "millennium", 0 },  { "isoyear", 0 },
	};
	if (field == NULL) {
		return -1;
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(fields); i++) {
		if (strcasecmp(field, fields[i].name) == 0) {
			int scale = fields[i].scale;
			if (from == SQL_OID_DATE && strcasecmp(field, "epoch") == 0) {
				scale = 0;
			}
			return sql__numeric_scale_typmod(scale);
		}
	}
	return -1;
}

static uint32_t infer_func(const PgQuery__FuncCall *f, int32_t *typmod)
{
	const char *name = sql__str(f->funcname[f->n_funcname - 1]);
	int32_t tm;
	uint32_t a0 = f->n_args > 0 ? sql__infer(f->args[0], &tm) : 0;
	if (name == NULL) {
		return 0;
	}
	if (strcmp(name, "count") == 0 || strcmp(name, "row_number") == 0 ||
	    strcmp(name, "rank") == 0 || strcmp(name, "dense_rank") == 0) {
		return SQL_OID_INT8;
	}
	if ((strcmp(name, "substr") == 0 || strcmp(name, "substring") == 0 ||
	     strcmp(name, "string_agg") == 0) &&
	    a0 == SQL_OID_BYTEA) {
		return SQL_OID_BYTEA;
	}
	if (strcmp(name, "decode") == 0 || strncmp(name, "sha", 3) == 0) {
		return SQL_OID_BYTEA; /* decode, sha224 ... sha512 */
	}
	if (strcmp(name, "percentile_cont") == 0) {
		return SQL_OID_FLOAT8;
	}
	if ((strcmp(name, "percentile_disc") == 0 ||
	     strcmp(name, "mode") == 0) &&
	    f->n_agg_order == 1 &&
	    f->agg_order[0]->node_case == PG_QUERY__NODE__NODE_SORT_BY) {
		return sql__infer(f->agg_order[0]->sort_by->node, typmod);
	}
	if (strcmp(name, "pg_backend_pid") == 0 ||
	    strcmp(name, "inet_client_port") == 0 ||
	    strcmp(name, "num_nulls") == 0 ||
	    strcmp(name, "num_nonnulls") == 0) {
		return SQL_OID_INT4;
	}
	if (strcmp(name, "make_date") == 0 || strcmp(name, "to_date") == 0) {
		return SQL_OID_DATE;
	}
	if (strcmp(name, "make_time") == 0) {
		return SQL_OID_TIME;
	}
	if (strcmp(name, "make_timestamp") == 0) {
		return SQL_OID_TIMESTAMP;
	}
	if (strcmp(name, "make_timestamptz") == 0 ||
	    strcmp(name, "to_timestamp") == 0) {
		return SQL_OID_TIMESTAMPTZ;
	}
	if (strcmp(name, "make_interval") == 0) {
		return SQL_OID_INTERVAL;
	}
	if (strcmp(name, "timezone") == 0 && f->n_args == 2) {
		uint32_t a1 = sql__infer(f->args[1], &tm);
		if (a1 == SQL_OID_TIMESTAMP) {
			return SQL_OID_TIMESTAMPTZ;
		}
		return a1 == SQL_OID_TIMESTAMPTZ || a1 == SQL_OID_DATE ||
				       sql__is_const(
					       f->args[1],
					       PG_QUERY__A__CONST__VAL_SVAL)
			       ? SQL_OID_TIMESTAMP
			       : 0;
	}
	if (strcmp(name, "pg_typeof") == 0) {
		return 2206; /* regtype */
	}
	if (strcmp(name, "starts_with") == 0 ||
	    strcmp(name, "regexp_like") == 0) {
		return SQL_OID_BOOL;
	}
	if (strcmp(name, "regexp_match") == 0 ||
	    strcmp(name, "regexp_split_to_array") == 0) {
		return SQL_OID_TEXT_ARRAY;
	}
	if (strcmp(name, "ntile") == 0 || strcmp(name, "length") == 0 ||
	    strcmp(name, "regexp_count") == 0 ||
	    strcmp(name, "char_length") == 0 ||
	    strcmp(name, "character_length") == 0 ||
	    strcmp(name, "octet_length") == 0 || strcmp(name, "strpos") == 0 ||
	    strcmp(name, "position") == 0 || strcmp(name, "ascii") == 0) {
		return SQL_OID_INT4;
	}
	if ((strcmp(name, "sum") == 0 || strcmp(name, "avg") == 0) &&
	    a0 == SQL_OID_INTERVAL) {
		return SQL_OID_INTERVAL;
	}
	if (strcmp(name, "sum") == 0) {
		if (a0 == SQL_OID_INT2 || a0 == SQL_OID_INT4) {
			return SQL_OID_INT8;
		}
		if (a0 == SQL_OID_INT8 || a0 == SQL_OID_NUMERIC) {
			*typmod = sql__numeric_keep_scale(a0, tm);
			return SQL_OID_NUMERIC;
		}
		if (a0 == SQL_OID_FLOAT4 || a0 == SQL_OID_FLOAT8) {
			return a0;
		}
		return 0;
	}
	if (strcmp(name, "avg") == 0) {
		if (a0 == SQL_OID_FLOAT4 || a0 == SQL_OID_FLOAT8) {
			return SQL_OID_FLOAT8;
		}
		if (is_int(a0) || a0 == SQL_OID_NUMERIC) {
			/* sum / count: a quotient's scale (numeric.c). */
			int32_t k = sql__numeric_keep_scale(a0, tm);
			if (k >= 0) {
				*typmod = sql__numeric_div_typmod(k - 4);
			}
		}
		return SQL_OID_NUMERIC;
	}
	if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0 ||
	    strcmp(name, "abs") == 0 || strcmp(name, "lag") == 0 ||
	    strcmp(name, "lead") == 0 || strcmp(name, "first_value") == 0 ||
	    strcmp(name, "last_value") == 0 || strcmp(name, "coalesce") == 0 ||
	    strcmp(name, "nullif") == 0 || strcmp(name, "nth_value") == 0) {
		*typmod = tm;
		if (f->n_args > 2) {
			/* lag(x, 1, 0): the default's own scale. */
			*typmod = -1;
		}
		return a0;
	}
	if (strcmp(name, "round") == 0 || strcmp(name, "trunc") == 0 ||
	    strcmp(name, "ceil") == 0 || strcmp(name, "ceiling") == 0 ||
	    strcmp(name, "floor") == 0 || strcmp(name, "sign") == 0) {
		if (a0 == SQL_OID_FLOAT8 || a0 == SQL_OID_FLOAT4) {
			return SQL_OID_FLOAT8;
		}
		/* round(x, 2) has 2 decimals, round(x) none. */
		int places = 0;
		if (f->n_args == 2) {
			places = sql__is_const(f->args[1],
					       PG_QUERY__A__CONST__VAL_IVAL)
					 ? f->args[1]->a_const->ival->ival
					 : -1;
			if (places < 0 &&
			    sql__is_const(f->args[1],
					  PG_QUERY__A__CONST__VAL_IVAL)) {
				places = 0; /* round(1235, -1) is 1240 */
			}
		}
		*typmod = sql__numeric_scale_typmod(places);
		return SQL_OID_NUMERIC;
	}
	if (strcmp(name, "mod") == 0 || strcmp(name, "gcd") == 0 ||
	    strcmp(name, "lcm") == 0) {
		return is_int(a0) ? a0 : SQL_OID_NUMERIC;
	}
	if (strcmp(name, "extract") == 0 && f->n_args == 2) {
		*typmod = extract_typmod(const_string(f->args[0]),
					 sql__infer(f->args[1], &tm));
		return SQL_OID_NUMERIC;
	}
	if (strcmp(name, "extract") == 0 || strcmp(name, "div") == 0 ||
	    strcmp(name, "factorial") == 0) {
		return SQL_OID_NUMERIC;
	}
	if (strcmp(name, "date_part") == 0 || strcmp(name, "cbrt") == 0) {
		return SQL_OID_FLOAT8;
	}
	if (strcmp(name, "width_bucket") == 0) {
		return SQL_OID_INT4;
	}
	if (strcmp(name, "age") == 0 || strncmp(name, "justify_", 8) == 0) {
		return SQL_OID_INTERVAL;
	}
	if (strcmp(name, "date_trunc") == 0) {
		uint32_t a1 = f->n_args > 1 ? sql__infer(f->args[1], &tm) : 0;
		if (a1 == SQL_OID_DATE) {
			return SQL_OID_TIMESTAMPTZ;
		}
		return a1 == SQL_OID_TIMESTAMP || a1 == SQL_OID_TIMESTAMPTZ ||
				       a1 == SQL_OID_INTERVAL
			       ? a1
			       : 0;
	}
	if (strcmp(name, "bool_and") == 0 || strcmp(name, "bool_or") == 0 ||
	    strcmp(name, "every") == 0) {
		return SQL_OID_BOOL;
	}
	if (strcmp(name, "log") == 0 && f->n_args == 2) {
		/* log(numeric, numeric) only: 16 significant digits, as a
		 * quotient's (numeric.c, decimal.c). */
		int32_t tm1;
		uint32_t a1 = sql__infer(f->args[1], &tm1);
		int32_t k0 = sql__numeric_keep_scale(a0, tm);
		int32_t k1 = sql__numeric_keep_scale(a1, tm1);
		int32_t k = k0 > k1 ? k0 : k1;
		*typmod = k0 < 0 || k1 < 0 ? sql__numeric_div_typmod(0)
					   : sql__numeric_div_typmod(k - 4);
		return SQL_OID_NUMERIC;
	}
	if ((strcmp(name, "sqrt") == 0 || strcmp(name, "exp") == 0 ||
	     strcmp(name, "ln") == 0) &&
	    a0 == SQL_OID_NUMERIC) {
		/* numeric_sqrt, _exp, _ln: 16 significant digits, at least
		 * the argument's scale (decimal.c). */
		int32_t k = sql__numeric_keep_scale(a0, tm);
		*typmod = sql__numeric_div_typmod(k < 0 ? 0 : k - 4);
		return SQL_OID_NUMERIC;
	}
	if (strcmp(name, "random") == 0 || strcmp(name, "percent_rank") == 0 ||
	    strcmp(name, "cume_dist") == 0 || strcmp(name, "pi") == 0 ||
	    strcmp(name, "sqrt") == 0 || strcmp(name, "power") == 0 ||
	    strcmp(name, "pow") == 0 || strcmp(name, "exp") == 0 ||
	    strcmp(name, "ln") == 0 || strcmp(name, "log") == 0 ||
	    strcmp(name, "log10") == 0 || strcmp(name, "degrees") == 0 ||
	    strcmp(name, "radians") == 0 || strcmp(name, "sin") == 0 ||
	    strcmp(name, "cos") == 0 || strcmp(name, "tan") == 0 ||
	    strcmp(name, "asin") == 0 || strcmp(name, "acos") == 0 ||
	    strcmp(name, "atan") == 0 || strcmp(name, "atan2") == 0 ||
	    strcmp(name, "cot") == 0 || strcmp(name, "sinh") == 0 ||
	    strcmp(name, "cosh") == 0 || strcmp(name, "tanh") == 0 ||
	    strcmp(name, "asinh") == 0 || strcmp(name, "acosh") == 0 ||
	    strcmp(name, "atanh") == 0) {
		return SQL_OID_FLOAT8;
	}
	if (strcmp(name, "now") == 0 ||
	    strcmp(name, "transaction_timestamp") == 0 ||
	    strcmp(name, "statement_timestamp") == 0 ||
	    strcmp(name, "clock_timestamp") == 0) {
		return SQL_OID_TIMESTAMPTZ;
	}
	if (strcmp(name, "gen_random_uuid") == 0) {
		return SQL_OID_UUID;
	}
	if (sql__json_func_type(name) != 0) {
		return sql__json_func_type(name); /* json_sql.c */
	}
	if (sql__seq_func_type(name) != 0) {
		return sql__seq_func_type(name); /* sequence.c */
	}
	if (sql__advisory_func_type(name) != 0) {
		return sql__advisory_func_type(name); /* advisory.c */
	}
	static const char *const text_funcs[] = {
		"lower",   "upper",          "substr",        "substring",
		"replace", "btrim",          "trim",          "ltrim",
		"rtrim",   "left",           "right",         "chr",
		"concat",  "string_agg",     "concat_ws",     "lpad",
		"rpad",    "repeat",         "initcap",       "split_part",
		"md5",     "translate",      "reverse",       "format",
		"to_char", "quote_ident",    "quote_literal", "quote_nullable",
		"to_hex",  "regexp_replace",
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(text_funcs); i++) {
		if (strcmp(name, text_funcs[i]) == 0) {
			return SQL_OID_TEXT;
		}
	}
	return sql__catalog_func_type(name);
}

_Thread_local const struct sql__colres *sql__colres;

uint32_t sql__infer(const Node *n, int32_t *typmod)
{
	*typmod = -1;
	if (n == NULL) {
		return 0;
	}
	int32_t tm;
	uint32_t at;
	if (sql__array_infer(n, typmod, &at)) {
		return at; /* array constructs (array_sql.c) */
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_COLUMN_REF: {
		const PgQuery__ColumnRef *c = n->column_ref;
		if (sql__colres == NULL || c->n_fields == 0 ||
		    sql__str(c->fields[c->n_fields - 1]) == NULL) {
			return 0;
		}
		const char *rel = c->n_fields >= 2
					  ? sql__str(c->fields[c->n_fields - 2])
					  : NULL;
		return sql__colres->type(sql__colres, rel,
					 sql__str(c->fields[c->n_fields - 1]),
					 typmod);
	}
	case PG_QUERY__NODE__NODE_A_CONST: {
		const PgQuery__AConst *c = n->a_const;
		if (c->isnull) {
			return SQL_OID_TEXT;
		}
		switch (c->val_case) {
		case PG_QUERY__A__CONST__VAL_IVAL:
			return SQL_OID_INT4;
		case PG_QUERY__A__CONST__VAL_FVAL: {
			const char *s = c->fval->fval;
			if (strpbrk(s, ".eE") != NULL) {
				/* 1.50 displays 1.50 (numeric.c). */
				const char *dot = strchr(s, '.');
				if (dot != NULL && strpbrk(s, "eE") == NULL) {
					*typmod = sql__numeric_scale_typmod(
						(int)strlen(dot + 1));
				}
				return SQL_OID_NUMERIC;
			}
			errno = 0;
			(void)strtoll(s, NULL, 10);
			return errno == ERANGE ? SQL_OID_NUMERIC : SQL_OID_INT8;
		}
		case PG_QUERY__A__CONST__VAL_BOOLVAL:
			return SQL_OID_BOOL;
		case PG_QUERY__A__CONST__VAL_SVAL:
			return SQL_OID_TEXT;
		default:
			return 0;
		}
	}
	case PG_QUERY__NODE__NODE_TYPE_CAST: {
		int mods[2];
		struct sql__emit scratch = { 0 };
		struct sql_stmt st = { 0 };
		scratch.stmt = &st;
		/* Resolution failures are reported by the emitter. */
		st.failed = true;
		const struct sql__type *t = sql__type_resolve(
			&scratch, n->type_cast->type_name, typmod, mods);
		if (t == NULL || t->serial) {
			*typmod = -1;
			return 0;
		}
		if (t->oid == SQL_OID_NUMERIC && *typmod == -1) {
			/* ::numeric keeps the operand's scale. */
			uint32_t from = sql__infer(n->type_cast->arg, &tm);
			*typmod = sql__numeric_keep_scale(from, tm);
		}
		return t->oid;
	}
	case PG_QUERY__NODE__NODE_A_EXPR: {
		const PgQuery__AExpr *x = n->a_expr;
		const char *op = op_name(x);
		switch (x->kind) {
		case PG_QUERY__A__EXPR__KIND__AEXPR_OP:
			if (sql__json_op_type(x) != 0) {
				return sql__json_op_type(x); /* json_sql.c */
			}
			if (strcmp(op, "=") == 0 || strcmp(op, "<>") == 0 ||
			    strcmp(op, "!=") == 0 || strcmp(op, "<") == 0 ||
			    strcmp(op, ">") == 0 || strcmp(op, "<=") == 0 ||
			    strcmp(op, ">=") == 0 || strncmp(op, "~", 1) == 0 ||
			    strncmp(op, "!~", 2) == 0) {
				return x->lexpr != NULL
					       ? SQL_OID_BOOL
					       : sql__infer(x->rexpr, &tm);
			}
			if (strcmp(op, "||") == 0) {
				return SQL_OID_TEXT;
			}
			if (x->lexpr == NULL) {
				return sql__infer(x->rexpr, typmod);
			}
			if (strcmp(op, "^") == 0) {
				return SQL_OID_FLOAT8;
			}
			if (strcmp(op, "#") == 0 || strcmp(op, "&") == 0 ||
			    strcmp(op, "|") == 0) {
				uint32_t l = sql__infer(x->lexpr, &tm);
				uint32_t r = sql__infer(x->rexpr, &tm);
				return is_int(l) && is_int(r) ? arith(l, r) : 0;
			}
			if (strcmp(op, "<<") == 0 || strcmp(op, ">>") == 0) {
				uint32_t l = sql__infer(x->lexpr, &tm);
				return is_int(l) ? l : 0;
			}
			if (strcmp(op, "->>") == 0) {
				return SQL_OID_TEXT;
			}
			if (strchr("+-*/", op[0]) != NULL && op[1] == '\0') {
				uint32_t l = sql__infer(x->lexpr, &tm);
				uint32_t r = sql__infer(x->rexpr, &tm);
				uint32_t dt = infer_datetime(l, r, op[0]);
				if (dt != 0 || is_datetime(l) ||
				    is_datetime(r)) {
					return dt;
				}
			}
			if (strchr("+-*/%", op[0]) != NULL && op[1] == '\0') {
				int32_t ltm, rtm;
				uint32_t l = sql__infer(x->lexpr, &ltm);
				uint32_t r = sql__infer(x->rexpr, &rtm);
				uint32_t t = arith(l, r);
				if (t == SQL_OID_NUMERIC) {
					*typmod = sql__numeric_arith_typmod(
						op[0], l, ltm, r, rtm);
				}
				return t;
			}
			return 0;
		case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF:
			return sql__infer(x->lexpr, typmod);
		default:
			return SQL_OID_BOOL;
		}
	}
	case PG_QUERY__NODE__NODE_BOOL_EXPR:
	case PG_QUERY__NODE__NODE_NULL_TEST:
	case PG_QUERY__NODE__NODE_BOOLEAN_TEST:
		return SQL_OID_BOOL;
	case PG_QUERY__NODE__NODE_GROUPING_FUNC:
		return SQL_OID_INT4;
	case PG_QUERY__NODE__NODE_SUB_LINK: {
		const PgQuery__SubLink *s = n->sub_link;
		if (s->sub_link_type != PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK) {
			return s->sub_link_type ==
					       PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK
				       ? 0
				       : SQL_OID_BOOL;
		}
		if (s->subselect == NULL ||
		    s->subselect->node_case !=
			    PG_QUERY__NODE__NODE_SELECT_STMT) {
			return 0;
		}
		const PgQuery__SelectStmt *sel = leftmost(
			s->subselect->select_stmt);
		if (sel->n_target_list == 0) {
			return 0;
		}
		if (sql__colres == NULL) {
			return sql__infer(sel->target_list[0]->res_target->val,
					  typmod);
		}
		unsigned mark = sql__colres->enter(sql__colres, sel);
		uint32_t t = sql__infer(sel->target_list[0]->res_target->val,
					typmod);
		sql__colres->leave(sql__colres, mark);
		return t;
	}
	case PG_QUERY__NODE__NODE_CASE_EXPR: {
		const PgQuery__CaseExpr *c = n->case_expr;
		const Node *res[64];
		size_t nres = 0;
		for (size_t i = 0; i < c->n_args && nres < 63; i++) {
			res[nres++] = c->args[i]->case_when->result;
		}
		res[nres++] = c->defresult;
		uint32_t common = common_type(res, nres, typmod);
		if (common != 0) {
			return common; /* as emit_case types its literals */
		}
		for (size_t i = 0; i < c->n_args; i++) {
			uint32_t t = sql__infer(c->args[i]->case_when->result,
						typmod);
			if (t != 0 &&
			    !(c->args[i]->case_when->result->node_case ==
				      PG_QUERY__NODE__NODE_A_CONST &&
			      c->args[i]->case_when->result->a_const->isnull)) {
				return t;
			}
		}
		return sql__infer(c->defresult, typmod);
	}
	case PG_QUERY__NODE__NODE_COALESCE_EXPR: {
		const PgQuery__CoalesceExpr *c = n->coalesce_expr;
		uint32_t common = common_type((const Node *const *)c->args,
					      c->n_args, typmod);
		if (common != 0) {
			return common;
		}
		for (size_t i = 0; i < c->n_args; i++) {
			uint32_t t = sql__infer(c->args[i], typmod);
			if (t != 0) {
				return t;
			}
		}
		return 0;
	}
	case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: {
		if (n->min_max_expr->n_args == 0) {
			return 0;
		}
		uint32_t t = sql__infer(n->min_max_expr->args[0], typmod);
		/* greatest(1.5, 2) is 2: the winner's own scale. */
		*typmod = sql_typmod_wire(t, *typmod);
		return t;
	}
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		return infer_func(n->func_call, typmod);
	case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
		return sql__infer(n->collate_clause->arg, typmod);
	case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
		switch (n->sqlvalue_function->op) {
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE:
			return SQL_OID_DATE;
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME:
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME_N:
			return SQL_OID_TIMETZ;
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N:
			return SQL_OID_TIMESTAMPTZ;
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME:
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME_N:
			return SQL_OID_TIME;
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
		case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N:
			return SQL_OID_TIMESTAMP;
		default:
			return SQL_OID_NAME;
		}
	default:
		return 0;
	}
}
