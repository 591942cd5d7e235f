/*
 * sql/window.c: OVER clauses, window frames and the WINDOW clause.
 *
 * SQLite (3.28 and later) has frames (ROWS, RANGE, GROUPS, offsets,
 * EXCLUDE) and named windows with the same grammar as PostgreSQL, but
 * its rules and messages for named windows differ slightly, and ORDER BY
 * inside a window needs PostgreSQL's NULL placement written out.  So
 * every OVER clause is written in full here: a reference to a window of
 * the WINDOW clause (OVER w, OVER (w ORDER BY ...)) is resolved with
 * PostgreSQL's rules (transformWindowDefinitions) and the definition is
 * copied into the OVER clause.  The WINDOW clause itself is only
 * checked (duplicate names, references), not written.
 *
 * Frame options are PostgreSQL's FRAMEOPTION_* bits (parsenodes.h); the
 * parser has already rejected the impossible combinations (a frame that
 * starts at UNBOUNDED FOLLOWING...).  What is checked here is what
 * PostgreSQL's analysis checks: GROUPS needs an ORDER BY, RANGE with an
 * offset needs exactly one ORDER BY column of a type with in_range
 * support (numbers only here: SQLite's RANGE compares numbers), ROWS and
 * GROUPS offsets are bigints (a numeric literal is rounded), and a
 * literal offset must not be negative or NULL.  Any other offset (a parameter)
 * goes to SQLite as is; SQLite rejects a negative or NULL one at run time with
 * "frame starting offset must be a non-negative ...", which errors.c maps to
 * PostgreSQL's 22013.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sql/sql_int.h"

/* PostgreSQL's FRAMEOPTION_* (nodes/parsenodes.h). */
enum {
	FO_NONDEFAULT = 0x00001,
	FO_RANGE = 0x00002,
	FO_ROWS = 0x00004,
	FO_GROUPS = 0x00008,
	FO_BETWEEN = 0x00010,
	FO_START_UNBOUNDED_PRECEDING = 0x00020,
	FO_END_UNBOUNDED_PRECEDING = 0x00040,
	FO_START_UNBOUNDED_FOLLOWING = 0x00080,
	FO_END_UNBOUNDED_FOLLOWING = 0x00100,
	FO_START_CURRENT_ROW = 0x00200,
	FO_END_CURRENT_ROW = 0x00400,
	FO_START_OFFSET_PRECEDING = 0x00800,
	FO_END_OFFSET_PRECEDING = 0x01000,
	FO_START_OFFSET_FOLLOWING = 0x02000,
	FO_END_OFFSET_FOLLOWING = 0x04000,
	FO_EXCLUDE_CURRENT_ROW = 0x08000,
	FO_EXCLUDE_GROUP = 0x10000,
	FO_EXCLUDE_TIES = 0x20000,
	FO_DEFAULTS = FO_RANGE | FO_START_UNBOUNDED_PRECEDING |
		      FO_END_CURRENT_ROW,
	FO_START_OFFSET = FO_START_OFFSET_PRECEDING | FO_START_OFFSET_FOLLOWING,
	FO_END_OFFSET = FO_END_OFFSET_PRECEDING | FO_END_OFFSET_FOLLOWING,
};

/* A window with its references resolved. */
struct window {
	Node *const *part;
	size_t n_part;
	Node *const *order;
	size_t n_order;
	int frame;
	const Node *start, *end;
};

/* The definition named @name in @s's WINDOW clause, among the first @upto
 * (SIZE_MAX: all); NULL if none. */
static const PgQuery__WindowDef *find_window(const PgQuery__SelectStmt *s,
					     const char *name, size_t upto)
{
	for (size_t i = 0; s != NULL && i < s->n_window_clause && i < upto;
	     i++) {
		const Node *n = s->window_clause[i];
		if (n->node_case == PG_QUERY__NODE__NODE_WINDOW_DEF &&
		    strcmp(n->window_def->name, name) == 0) {
			return n->window_def;
		}
	}
	return NULL;
}

static size_t window_index(const PgQuery__SelectStmt *s,
			   const PgQuery__WindowDef *w)
{
	for (size_t i = 0; i < s->n_window_clause; i++) {
		if (s->window_clause[i]->window_def == w) {
			return i;
		}
	}
	return s->n_window_clause;
}

/*
 * Resolve @w (an OVER clause or, with @in_clause, the definition at that
 * position of @s's WINDOW clause) into @out.  false after sql__fail.
 */
static bool resolve(struct sql__emit *e, const PgQuery__SelectStmt *s,
		    const PgQuery__WindowDef *w, bool in_clause,
		    struct window *out, int depth)
{
	int loc = w->location;
	if (depth > 64) {
		sql__fail(e, loc, "54001", "stack depth limit exceeded");
		return false;
	}
	if (!in_clause && w->name != NULL && w->name[0] != '\0') {
		/* OVER w: the definition as it stands. */
		const PgQuery__WindowDef *d = find_window(s, w->name, SIZE_MAX);
		if (d == NULL) {
			sql__fail(e, loc, "42704",
				  "window \"%s\" does not exist", w->name);
			return false;
		}
		return resolve(e, s, d, true, out, depth + 1);
	}
	out->part = w->partition_clause;
	out->n_part = w->n_partition_clause;
	out->order = w->order_clause;
	out->n_order = w->n_order_clause;
	out->frame = w->frame_options;
	out->start = w->start_offset;
	out->end = w->end_offset;
	if (w->refname == NULL || w->refname[0] == '\0') {
		return true;
	}
	/* A definition may only build on an earlier one. */
	const PgQuery__WindowDef *ref = find_window(
		s, w->refname, in_clause ? window_index(s, w) : SIZE_MAX);
	if (ref == NULL) {
		sql__fail(e, loc, "42704", "window \"%s\" does not exist",
			  w->refname);
		return false;
	}
	struct window base;
	if (!resolve(e, s, ref, true, &base, depth + 1)) {
		return false;
	}
	if (w->n_partition_clause > 0) {
		sql__fail(e, loc, "42P20",
			  "cannot override PARTITION BY clause of window "
			  "\"%s\"",
			  w->refname);
		return false;
	}
	out->part = base.part;
	out->n_part = base.n_part;
	if (w->n_order_clause > 0 && base.n_order > 0) {
		sql__fail(e, loc, "42P20",
			  "cannot override ORDER BY clause of window \"%s\"",
			  w->refname);
		return false;
	}
	if (w->n_order_clause == 0) {
		out->order = base.order;
		out->n_order = base.n_order;
	}
	if (base.frame != FO_DEFAULTS) {
		sql__fail(e, loc, "42P20",
			  "cannot copy window \"%s\" because it has a frame "
			  "clause",
			  w->refname);
		if (!in_clause && w->n_order_clause == 0 &&
		    w->frame_options == FO_DEFAULTS) {
			e->stmt->error.hint =
				"Omit the parentheses in this OVER clause.";
		}
		return false;
	}
	return true;
}

/* A literal integer or float offset: its sign and nullness. */
static bool literal_offset(const Node *n, bool *negative, bool *null,
			   bool *integer)
{
	*negative = *null = false;
	*integer = true;
	if (n->node_case == PG_QUERY__NODE__NODE_A_EXPR &&
	    n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP &&
	    n->a_expr->lexpr == NULL && n->a_expr->n_name == 1 &&
	    sql__str(n->a_expr->name[0]) != NULL &&
	    strcmp(sql__str(n->a_expr->name[0]), "-") == 0 &&
	    n->a_expr->rexpr != NULL) {
		bool neg;
		if (!literal_offset(n->a_expr->rexpr, &neg, null, integer) ||
		    *null) {
			return false;
		}
		*negative = !neg;
		return true;
	}
	if (n->node_case != PG_QUERY__NODE__NODE_A_CONST) {
		return false;
	}
	const PgQuery__AConst *c = n->a_const;
	if (c->isnull) {
		*null = true;
		return true;
	}
	if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
		*negative = c->ival->ival < 0;
		return true;
	}
	if (c->val_case == PG_QUERY__A__CONST__VAL_FVAL) {
		*integer = false;
		*negative = c->fval->fval[0] == '-';
		return true;
	}
	return false;
}

static bool is_number(uint32_t t)
{
	return t == SQL_OID_INT2 || t == SQL_OID_INT4 || t == SQL_OID_INT8 ||
	       t == SQL_OID_NUMERIC || t == SQL_OID_FLOAT4 ||
	       t == SQL_OID_FLOAT8;
}

static bool is_datetime(uint32_t t)
{
	return t == SQL_OID_DATE || t == SQL_OID_TIMESTAMP ||
	       t == SQL_OID_TIMESTAMPTZ || t == SQL_OID_TIME ||
	       t == SQL_OID_INTERVAL;
}

/* One frame bound offset of @w: checked as PostgreSQL's analysis and
 * executor would, then written. */
static void frame_offset(struct sql__emit *e, const struct window *w,
			 const Node *off, bool start, int loc)
{
	const char *which = start ? "starting" : "ending";
	int32_t tm;
	uint32_t t = sql__infer(off, &tm);
	bool neg, null, integer;
	bool lit = literal_offset(off, &neg, &null, &integer);
	if (lit && null) {
		sql__fail(e, loc, "22004", "frame %s offset must not be null",
			  which);
		return;
	}
	if (w->frame & FO_RANGE) {
		uint32_t ot = w->n_order == 1
				      ? sql__infer(w->order[0]->sort_by->node,
						   &tm)
				      : 0;
		if (is_datetime(ot) || t == SQL_OID_INTERVAL) {
			sql__fail(e, loc, "0A000",
				  "RANGE with an interval offset is not "
				  "supported");
			return;
		}
		const char *tn = ot == SQL_OID_TEXT      ? "text"
				 : ot == SQL_OID_VARCHAR ? "character varying"
				 : ot == SQL_OID_BOOL    ? "boolean"
				 : ot == SQL_OID_UUID    ? "uuid"
							 : NULL;
		if (tn != NULL) {
			sql__fail(e, loc, "42883",
				  "RANGE with offset PRECEDING/FOLLOWING is "
				  "not supported for column type %s",
				  tn);
			return;
		}
		if (ot != 0 && !is_number(ot) && ot != SQL_OID_UNKNOWN) {
			sql__fail(e, loc, "0A000",
				  "RANGE with an offset is supported for "
				  "numeric columns only");
			return;
		}
	} else if (t == SQL_OID_TEXT || t == SQL_OID_VARCHAR) {
		/* Not assignable to bigint (an unknown literal would be). */
		sql__fail(e, loc, "42804",
			  "argument of %s must be type bigint, not type %s",
			  (w->frame & FO_ROWS) ? "ROWS" : "GROUPS",
			  t == SQL_OID_TEXT ? "text" : "character varying");
		return;
	}
	if (lit && neg) {
		if (w->frame & FO_RANGE) {
			sql__fail(e, loc, "22013",
				  "invalid preceding or following size in "
				  "window function");
		} else {
			sql__fail(e, loc, "22013",
				  "frame %s offset must not be negative",
				  which);
		}
		return;
	}
	if (lit && !integer && !(w->frame & FO_RANGE) &&
	    off->node_case == PG_QUERY__NODE__NODE_A_CONST) {
		/* ROWS 1.5: assigned to bigint, rounded half away from zero;
		 * SQLite wants an integer constant. */
		sql__putf(e, "%.0f",
			  round(strtod(off->a_const->fval->fval, NULL)));
		return;
	}
	sql__expr(e, off);
}

static void frame_bound(struct sql__emit *e, const struct window *w, bool start,
			int loc)
{
	int f = w->frame;
	int up = start ? FO_START_UNBOUNDED_PRECEDING
		       : FO_END_UNBOUNDED_PRECEDING;
	int uf = start ? FO_START_UNBOUNDED_FOLLOWING
		       : FO_END_UNBOUNDED_FOLLOWING;
	int cr = start ? FO_START_CURRENT_ROW : FO_END_CURRENT_ROW;
	int op = start ? FO_START_OFFSET_PRECEDING : FO_END_OFFSET_PRECEDING;
	int of = start ? FO_START_OFFSET_FOLLOWING : FO_END_OFFSET_FOLLOWING;
	const Node *off = start ? w->start : w->end;
	if (f & up) {
		sql__put(e, "UNBOUNDED PRECEDING");
	} else if (f & uf) {
		sql__put(e, "UNBOUNDED FOLLOWING");
	} else if (f & cr) {
		sql__put(e, "CURRENT ROW");
	} else if ((f & (op | of)) && off != NULL) {
		frame_offset(e, w, off, start, loc);
		sql__put(e, (f & op) ? " PRECEDING" : " FOLLOWING");
	} else {
		sql__fail(e, loc, "42601", "invalid window frame");
	}
}

/* The body of a resolved window, without parentheses. */
static void put_window(struct sql__emit *e, const struct window *w, int loc)
{
	bool space = false;
	if (w->n_part > 0) {
		sql__put(e, "PARTITION BY ");
		sql__expr_list(e, w->part, w->n_part);
		space = true;
	}
	if (w->n_order > 0) {
		sql__put(e, space ? " ORDER BY " : "ORDER BY ");
		sql__sort(e, w->order, w->n_order);
		space = true;
	}
	int f = w->frame;
	if (!(f & FO_NONDEFAULT)) {
		return;
	}
	if ((f & FO_GROUPS) && w->n_order == 0) {
		sql__fail(e, loc, "42P20",
			  "GROUPS mode requires an ORDER BY clause");
		return;
	}
	if ((f & FO_RANGE) && (f & (FO_START_OFFSET | FO_END_OFFSET)) &&
	    w->n_order != 1) {
		sql__fail(e, loc, "42P20",
			  "RANGE with offset PRECEDING/FOLLOWING requires "
			  "exactly one ORDER BY column");
		return;
	}
	sql__put(e, space ? " " : "");
	sql__put(e, (f & FO_ROWS)     ? "ROWS BETWEEN "
		    : (f & FO_GROUPS) ? "GROUPS BETWEEN "
				      : "RANGE BETWEEN ");
	frame_bound(e, w, true, loc);
	sql__put(e, " AND ");
	if (f & FO_BETWEEN) {
		frame_bound(e, w, false, loc);
	} else {
		sql__put(e, "CURRENT ROW");
	}
	if (f & FO_EXCLUDE_CURRENT_ROW) {
		sql__put(e, " EXCLUDE CURRENT ROW");
	} else if (f & FO_EXCLUDE_GROUP) {
		sql__put(e, " EXCLUDE GROUP");
	} else if (f & FO_EXCLUDE_TIES) {
		sql__put(e, " EXCLUDE TIES");
	}
}

void sql__window_over(struct sql__emit *e, const PgQuery__WindowDef *w, int loc)
{
	struct window r;
	if (!resolve(e, e->windows, w, false, &r, 0)) {
		return;
	}
	sql__put(e, " OVER (");
	put_window(e, &r, w->location >= 0 ? w->location : loc);
	sql__put(e, ")");
}

void sql__window_clause(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	for (size_t i = 0; i < s->n_window_clause; i++) {
		const Node *n = s->window_clause[i];
		if (n->node_case != PG_QUERY__NODE__NODE_WINDOW_DEF) {
			sql__fail(e, -1, "42601", "invalid WINDOW clause");
			return;
		}
		const PgQuery__WindowDef *w = n->window_def;
		if (find_window(s, w->name, i) != NULL) {
			sql__fail(e, w->location, "42P20",
				  "window \"%s\" is already defined", w->name);
			return;
		}
	}
	for (size_t i = 0; i < s->n_window_clause; i++) {
		struct window r;
		if (!resolve(e, s, s->window_clause[i]->window_def, true, &r,
			     0)) {
			return;
		}
	}
}
