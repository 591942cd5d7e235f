/*
 * sql/returning.c: INSERT/UPDATE/DELETE ... RETURNING as a plan of steps
 * without RETURNING (struct sql_returning in sql.h).
 *
 * dqlite 1.11.1 aborts the node when a statement with RETURNING reaches
 * it (dqlite-protocol.md §9 item 2), and SQLite's own RETURNING would
 * not give PostgreSQL's rows anyway (no FROM/USING values).  The steps
 * are built by re-emitting parts of the statement's tree with the normal
 * emitter (query.c), so they translate exactly as the statement would:
 *
 *   INSERT ... VALUES   one INSERT per row (a row's ON CONFLICT DO UPDATE
 *                       reports the updated row's rowid through
 *                       triode_returning_rowid() in its WHERE), then
 *                       SELECT <returning> FROM (rowids) CROSS JOIN t
 *   INSERT ... SELECT   the SELECT, then per row INSERT ... VALUES (?..)
 *                       with the row's values, then the same fetch
 *   UPDATE              SELECT a.rowid FROM t AS a [, from] WHERE cond
 *                       [GROUP BY a.rowid]; UPDATE ... WHERE [cond AND]
 *                       a.rowid IN (rowids); the same fetch
 *   DELETE              SELECT a.rowid, <returning> FROM t AS a [, using]
 *                       WHERE cond [GROUP BY a.rowid]; DELETE FROM t
 *                       WHERE rowid IN (rowids)
 *
 * Each target row is selected once (GROUP BY the rowid when a join may
 * repeat it), and each WHERE is evaluated once per row where it matters:
 * the UPDATE and DELETE run on the collected rowids.  The rowid list
 * travels as one JSON text parameter (json_each).
 *
 * Limits (refused with 0A000 here, or detected by the executor): RETURNING
 * * with UPDATE ... FROM (PostgreSQL would add the FROM items' columns),
 * and RETURNING expressions over the FROM items of an UPDATE (the fetch
 * reads the target table only: SQLite reports the unknown column).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* A parameter number no statement uses ($n stops at 65535): marks where
 * an INSERT ... SELECT row's values go in the emitted INSERT. */
#define ROW_SENTINEL 99999999
#define ROW_SENTINEL_TEXT "(?99999999)"

/* The fetch's rowid list, as a derived table with names no user column
 * is likely to take (json_each's own columns include id and key). */
#define FETCH_KEYS                                                     \
	" FROM (SELECT key AS __triode_k, value AS __triode_v FROM "   \
	"json_each(?%u)) AS __triode_rk CROSS JOIN "
#define FETCH_ORDER " ORDER BY __triode_rk.__triode_k"

/* ---------------------------------------------------------------------
 * Scanning SQLite text
 * ------------------------------------------------------------------- */

/*
 * Walk SQLite text token by token, skipping string literals, quoted
 * identifiers and comments: the highest ?NNN parameter and whether the
 * bare word RETURNING occurs.
 */
static void scan(const char *p, unsigned *max_param, bool *returning)
{
	*max_param = 0;
	*returning = false;
	while (*p != '\0') {
		char c = *p;
		if (c == '\'' || c == '"' || c == '`' || c == '[') {
			char end = c == '[' ? ']' : c;
			p++;
			while (*p != '\0') {
				if (*p == end) {
					if (end != ']' && p[1] == end) {
						p += 2; /* doubled quote */
						continue;
					}
					break;
				}
				p++;
			}
			if (*p != '\0') {
				p++;
			}
			continue;
		}
		if (c == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n') {
				p++;
			}
			continue;
		}
		if (c == '/' && p[1] == '*') {
			p += 2;
			while (*p != '\0' && !(*p == '*' && p[1] == '/')) {
				p++;
			}
			p += *p != '\0' ? 2 : 0;
			continue;
		}
		if (c == '?') {
			unsigned long v = 0;
			p++;
			while (isdigit((unsigned char)*p)) {
				if (v < 1000000000ul) {
					v = v * 10 + (unsigned long)(*p - '0');
				}
				p++;
			}
			if (v > *max_param && v <= 0xffffffffu) {
				*max_param = (unsigned)v;
			}
			continue;
		}
		if (isalpha((unsigned char)c) || c == '_' ||
		    (unsigned char)c >= 0x80) {
			const char *w = p;
			while (isalnum((unsigned char)*p) || *p == '_' ||
			       *p == '$' || (unsigned char)*p >= 0x80) {
				p++;
			}
			if (p - w == 9 && strncasecmp(w, "returning", 9) == 0) {
				*returning = true;
			}
			continue;
		}
		if (isdigit((unsigned char)c)) {
			/* A number: 1e5, 0x1f; never a word start. */
			while (isalnum((unsigned char)*p) || *p == '.') {
				p++;
			}
			continue;
		}
		p++;
	}
}

bool sql_text_has_returning(const char *sql)
{
	unsigned n;
	bool r;
	scan(sql, &n, &r);
	return r;
}

static unsigned text_params(const char *sql)
{
	unsigned n;
	bool r;
	scan(sql, &n, &r);
	return n;
}

/* ---------------------------------------------------------------------
 * Tree pieces (in the statement's arena; the emitter only reads them)
 * ------------------------------------------------------------------- */

static Node *node_new(struct tr_arena *a, PgQuery__Node__NodeCase which)
{
	Node *n = tr_arena_alloc(a, sizeof *n);
	if (n != NULL) {
		PgQuery__Node init = PG_QUERY__NODE__INIT;
		*n = init;
		n->node_case = which;
	}
	return n;
}

static Node *string_node(struct tr_arena *a, const char *s)
{
	Node *n = node_new(a, PG_QUERY__NODE__NODE_STRING);
	PgQuery__String *v = tr_arena_alloc(a, sizeof *v);
	if (n == NULL || v == NULL) {
		return NULL;
	}
	PgQuery__String init = PG_QUERY__STRING__INIT;
	*v = init;
	v->sval = (char *)s;
	n->string = v;
	return n;
}

/* @qual.@col, or @qual.* when @col is NULL. */
static Node *column_ref(struct tr_arena *a, const char *qual, const char *col)
{
	Node *n = node_new(a, PG_QUERY__NODE__NODE_COLUMN_REF);
	PgQuery__ColumnRef *r = tr_arena_alloc(a, sizeof *r);
	Node **fields = tr_arena_alloc(a, 2 * sizeof *fields);
	if (n == NULL || r == NULL || fields == NULL) {
		return NULL;
	}
	PgQuery__ColumnRef init = PG_QUERY__COLUMN_REF__INIT;
	*r = init;
	r->location = -1;
	fields[0] = string_node(a, qual);
	if (col != NULL) {
		fields[1] = string_node(a, col);
	} else {
		fields[1] = node_new(a, PG_QUERY__NODE__NODE_A_STAR);
		PgQuery__AStar *star = tr_arena_alloc(a, sizeof *star);
		if (fields[1] == NULL || star == NULL) {
			return NULL;
		}
		PgQuery__AStar sinit = PG_QUERY__A__STAR__INIT;
		*star = sinit;
		fields[1]->a_star = star;
	}
	if (fields[0] == NULL || fields[1] == NULL) {
		return NULL;
	}
	r->n_fields = 2;
	r->fields = fields;
	n->column_ref = r;
	return n;
}

static Node *res_target(struct tr_arena *a, Node *val)
{
	Node *n = node_new(a, PG_QUERY__NODE__NODE_RES_TARGET);
	PgQuery__ResTarget *rt = tr_arena_alloc(a, sizeof *rt);
	if (n == NULL || rt == NULL || val == NULL) {
		return NULL;
	}
	PgQuery__ResTarget init = PG_QUERY__RES_TARGET__INIT;
	*rt = init;
	rt->val = val;
	rt->location = -1;
	n->res_target = rt;
	return n;
}

static Node *range_var_node(struct tr_arena *a, PgQuery__RangeVar *rv)
{
	Node *n = node_new(a, PG_QUERY__NODE__NODE_RANGE_VAR);
	if (n != NULL) {
		n->range_var = rv;
	}
	return n;
}

static bool is_bare_star(const Node *v)
{
	return v != NULL && v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
	       v->column_ref->n_fields == 1 &&
	       v->column_ref->fields[0]->node_case ==
		       PG_QUERY__NODE__NODE_A_STAR;
}

/* The target relation: its tree and the name its columns go by. */
struct target {
	PgQuery__RangeVar *rel;
	const char *qual; /* alias, else the relation name */
};

/*
 * A SELECT tree: [@qual.rowid,] the RETURNING list (a bare * made
 * @qual.* when @star_qual) FROM the target and @from, WHERE @where,
 * [GROUP BY @qual.rowid].  NULL on OOM.
 */
static PgQuery__SelectStmt *
make_select(struct sql__emit *e, const struct target *t, bool rowid,
	    Node *const *ret, size_t n_ret, bool star_qual, bool with_from,
	    Node *const *from, size_t n_from, Node *where, bool group,
	    PgQuery__WithClause *with)
{
	struct tr_arena *a = e->a;
	PgQuery__SelectStmt *s = tr_arena_alloc(a, sizeof *s);
	Node **targets = tr_arena_alloc(a, (n_ret + 1) * sizeof *targets);
	Node **items = tr_arena_alloc(a, (n_from + 1) * sizeof *items);
	if (s == NULL || targets == NULL || items == NULL) {
		return NULL;
	}
	PgQuery__SelectStmt init = PG_QUERY__SELECT_STMT__INIT;
	*s = init;
	s->op = PG_QUERY__SET_OPERATION__SETOP_NONE;
	s->limit_option = PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_DEFAULT;
	size_t n = 0;
	if (rowid) {
		targets[n] = res_target(a, column_ref(a, t->qual, "rowid"));
		if (targets[n++] == NULL) {
			return NULL;
		}
	}
	for (size_t i = 0; i < n_ret; i++) {
		const PgQuery__ResTarget *rt = ret[i]->res_target;
		if (star_qual && is_bare_star(rt->val)) {
			targets[n] = res_target(a, column_ref(a, t->qual,
							       NULL));
			if (targets[n] == NULL) {
				return NULL;
			}
		} else {
			targets[n] = ret[i];
		}
		n++;
	}
	s->n_target_list = n;
	s->target_list = targets;
	if (with_from) {
		items[0] = range_var_node(a, t->rel);
		if (items[0] == NULL) {
			return NULL;
		}
		for (size_t i = 0; i < n_from; i++) {
			items[i + 1] = from[i];
		}
		s->n_from_clause = n_from + 1;
		s->from_clause = items;
	}
	s->where_clause = where;
	if (group) {
		Node **g = tr_arena_alloc(a, sizeof *g);
		if (g == NULL) {
			return NULL;
		}
		g[0] = column_ref(a, t->qual, "rowid");
		if (g[0] == NULL) {
			return NULL;
		}
		s->n_group_clause = 1;
		s->group_clause = g;
	}
	s->with_clause = with;
	return s;
}

/* ---------------------------------------------------------------------
 * Emitting steps
 * ------------------------------------------------------------------- */

static void oom(struct sql__emit *e)
{
	sql__fail(e, -1, "53200", "out of memory");
}

/* The text emitted since the last take, in the arena; NULL on failure. */
static const char *take(struct sql__emit *e)
{
	if (sql__failed(e)) {
		return NULL;
	}
	if (tr_buf_err(&e->out) != TR_OK) {
		oom(e);
		return NULL;
	}
	const char *s = tr_arena_strndup(e->a, (const char *)e->out.data,
					 e->out.len);
	tr_buf_reset(&e->out);
	if (s == NULL) {
		oom(e);
		return NULL;
	}
	/* The second line of defence is the executor's; this is the
	 * first: nothing we emit may say RETURNING. */
	if (sql_text_has_returning(s)) {
		sql__fail(e, -1, "0A000",
			  "RETURNING is not supported in this position");
		return NULL;
	}
	return s;
}

/* A step whose text uses the statement's parameters only. */
static void plain_step(struct sql__emit *e, struct sql_ret_step *st)
{
	st->sql = take(e);
	st->n_params = st->sql != NULL ? text_params(st->sql) : 0;
	st->key = 0;
}

/* A WITH query's plan stores its RETURNING rows in triode_rows: c0 is
 * @id, c1 the target's rowid, c2... the @n_cols values. */
struct capture {
	unsigned id;
	unsigned n_cols;
};

/* "INSERT INTO triode_rows (c0, ...) SELECT <id>, * FROM (": the rows
 * of the SELECT that follows (rowid first) stored in its order. */
static void capture_head(struct sql__emit *e, const struct capture *cap)
{
	if (cap == NULL) {
		return;
	}
	sql__put(e, "INSERT INTO triode_rows (");
	for (unsigned i = 0; i < cap->n_cols + 2; i++) {
		sql__putf(e, i > 0 ? ", c%u" : "c%u", i);
	}
	sql__putf(e, ") SELECT %u, * FROM (", cap->id);
}

/*
 * The fetch of INSERT and UPDATE: the RETURNING list over the target's
 * rows whose rowids the key lists, in the list's order.
 */
static void emit_fetch(struct sql__emit *e, const struct target *t,
		       Node *const *ret, size_t n_ret,
		       const struct capture *cap, struct sql_ret_step *st)
{
	PgQuery__SelectStmt *s = make_select(e, t, cap != NULL, ret, n_ret,
					     true, false, NULL, 0, NULL, false,
					     NULL);
	if (s == NULL) {
		oom(e);
		return;
	}
	tr_buf_reset(&e->out);
	capture_head(e, cap);
	sql__select(e, s);
	unsigned n = tr_buf_err(&e->out) == TR_OK
			     ? text_params(tr_buf_cstr(&e->out))
			     : 0;
	sql__putf(e, FETCH_KEYS, n + 1);
	sql__relation(e, t->rel);
	if (t->rel->alias != NULL && t->rel->alias->aliasname[0] != '\0') {
		sql__put(e, " AS ");
		sql__ident(e, t->rel->alias->aliasname);
	}
	sql__put(e, " WHERE ");
	sql__ident(e, t->qual);
	sql__put(e, ".rowid = __triode_rk.__triode_v" FETCH_ORDER);
	if (cap != NULL) {
		sql__put(e, ")");
	}
	st->sql = take(e);
	st->n_params = n;
	st->key = n + 1;
}

/* ON CONFLICT DO UPDATE's WHERE, with the updated row's rowid reported
 * as last_insert_rowid (SQLite leaves it alone on the update path). */
static void emit_upsert_where(struct sql__emit *e, const struct target *t,
			      const Node *where)
{
	sql__put(e, " WHERE ");
	if (where != NULL) {
		sql__put(e, "(");
		sql__expr(e, where);
		sql__put(e, ") AND ");
	}
	sql__put(e, "triode_returning_rowid(");
	sql__ident(e, t->qual);
	sql__put(e, ".rowid)");
}

static bool has_own_tail(const PgQuery__SelectStmt *s)
{
	return s->n_sort_clause > 0 || s->limit_count != NULL ||
	       s->limit_offset != NULL || s->with_clause != NULL;
}

static void plan_insert(struct sql__emit *e, const PgQuery__InsertStmt *s,
			const struct target *t, struct sql_returning *p)
{
	const PgQuery__OnConflictClause *oc = s->on_conflict_clause;
	p->kind = SQL_RETURNING_INSERT;
	p->upsert = oc != NULL &&
		    oc->action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_UPDATE;
	const PgQuery__SelectStmt *src =
		s->select_stmt != NULL &&
				s->select_stmt->node_case ==
					PG_QUERY__NODE__NODE_SELECT_STMT
			? s->select_stmt->select_stmt
			: NULL;
	bool values = src != NULL && src->n_values_lists > 0 &&
		      !has_own_tail(src) &&
		      src->op == PG_QUERY__SET_OPERATION__SETOP_NONE;

	/* The statement without RETURNING, and with the upsert's WHERE
	 * written by emit_upsert_where. */
	PgQuery__InsertStmt ins = *s;
	ins.n_returning_list = 0;
	ins.returning_list = NULL;
	PgQuery__OnConflictClause noc;
	if (p->upsert) {
		noc = *oc;
		noc.where_clause = NULL;
		ins.on_conflict_clause = &noc;
	}

	if (src == NULL || values) {
		p->n_rows = values ? (unsigned)src->n_values_lists : 1;
		p->rows = tr_arena_alloc(e->a, p->n_rows * sizeof *p->rows);
		if (p->rows == NULL) {
			oom(e);
			return;
		}
		for (unsigned r = 0; r < p->n_rows && !sql__failed(e); r++) {
			PgQuery__SelectStmt one;
			PgQuery__Node one_node;
			if (values) {
				one = *src;
				one.n_values_lists = 1;
				one.values_lists = &src->values_lists[r];
				one_node = *s->select_stmt;
				one_node.select_stmt = &one;
				ins.select_stmt = &one_node;
			}
			tr_buf_reset(&e->out);
			sql__insert(e, &ins);
			if (p->upsert) {
				emit_upsert_where(e, t, oc->where_clause);
			}
			plain_step(e, &p->rows[r]);
		}
		return;
	}

	/* INSERT ... SELECT: the source first (under the statement's
	 * WITH, which sql__insert writes before INSERT), then a row
	 * template. */
	PgQuery__SelectStmt with_src;
	if (s->with_clause != NULL) {
		if (src->with_clause != NULL) {
			sql__fail(e, -1, "0A000",
				  "INSERT ... RETURNING with WITH both before "
				  "INSERT and before its SELECT is not "
				  "supported");
			return;
		}
		with_src = *src;
		with_src.with_clause = s->with_clause;
		src = &with_src;
	}
	tr_buf_reset(&e->out);
	sql__select(e, src);
	plain_step(e, &p->source);
	Node *param = node_new(e->a, PG_QUERY__NODE__NODE_PARAM_REF);
	PgQuery__ParamRef *pr = tr_arena_alloc(e->a, sizeof *pr);
	Node *list = node_new(e->a, PG_QUERY__NODE__NODE_LIST);
	PgQuery__List *l = tr_arena_alloc(e->a, sizeof *l);
	Node **items = tr_arena_alloc(e->a, sizeof *items);
	Node **rows = tr_arena_alloc(e->a, sizeof *rows);
	Node *sel_node = node_new(e->a, PG_QUERY__NODE__NODE_SELECT_STMT);
	PgQuery__SelectStmt *sel = tr_arena_alloc(e->a, sizeof *sel);
	if (param == NULL || pr == NULL || list == NULL || l == NULL ||
	    items == NULL || rows == NULL || sel_node == NULL || sel == NULL) {
		oom(e);
		return;
	}
	PgQuery__ParamRef pinit = PG_QUERY__PARAM_REF__INIT;
	*pr = pinit;
	pr->number = ROW_SENTINEL;
	pr->location = -1;
	param->param_ref = pr;
	PgQuery__List linit = PG_QUERY__LIST__INIT;
	*l = linit;
	items[0] = param;
	l->n_items = 1;
	l->items = items;
	list->list = l;
	rows[0] = list;
	PgQuery__SelectStmt sinit = PG_QUERY__SELECT_STMT__INIT;
	*sel = sinit;
	sel->op = PG_QUERY__SET_OPERATION__SETOP_NONE;
	sel->limit_option = PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_DEFAULT;
	sel->n_values_lists = 1;
	sel->values_lists = rows;
	sel_node->select_stmt = sel;
	ins.select_stmt = sel_node;
	tr_buf_reset(&e->out);
	sql__insert(e, &ins);
	if (p->upsert) {
		emit_upsert_where(e, t, oc->where_clause);
	}
	const char *tmpl = take(e);
	if (tmpl == NULL) {
		return;
	}
	const char *mark = strstr(tmpl, ROW_SENTINEL_TEXT);
	if (mark == NULL) {
		sql__fail(e, -1, "XX000", "cannot build INSERT ... RETURNING");
		return;
	}
	p->row_head = tr_arena_strndup(e->a, tmpl, (size_t)(mark - tmpl));
	p->row_tail = tr_arena_strdup(e->a, mark + strlen(ROW_SENTINEL_TEXT));
	if (p->row_head == NULL || p->row_tail == NULL) {
		oom(e);
		return;
	}
	unsigned nh = text_params(p->row_head);
	unsigned nt = text_params(p->row_tail);
	p->row_params = nh > nt ? nh : nt;
}

static void plan_update(struct sql__emit *e, const PgQuery__UpdateStmt *s,
			const struct target *t, const struct capture *cap,
			struct sql_returning *p)
{
	p->kind = SQL_RETURNING_UPDATE;
	bool from = s->n_from_clause > 0;
	for (size_t i = 0; i < s->n_returning_list && from; i++) {
		if (is_bare_star(s->returning_list[i]->res_target->val)) {
			sql__fail(e, s->returning_list[i]->res_target->location,
				  "0A000",
				  "RETURNING * in UPDATE ... FROM is not "
				  "supported; name the columns");
			return;
		}
	}
	if (s->where_clause != NULL &&
	    s->where_clause->node_case ==
		    PG_QUERY__NODE__NODE_CURRENT_OF_EXPR) {
		sql__fail(e, -1, "0A000", "WHERE CURRENT OF is not supported");
		return;
	}
	PgQuery__SelectStmt *c = make_select(e, t, true, NULL, 0, false, true,
					     s->from_clause, s->n_from_clause,
					     s->where_clause, from,
					     s->with_clause);
	if (c == NULL) {
		oom(e);
		return;
	}
	tr_buf_reset(&e->out);
	sql__select(e, c);
	plain_step(e, &p->collect);

	/* The UPDATE of the collected rows.  Without FROM the condition
	 * was evaluated once, by the collect; with FROM it still joins. */
	PgQuery__UpdateStmt u = *s;
	u.where_clause = NULL;
	u.n_returning_list = 0;
	u.returning_list = NULL;
	tr_buf_reset(&e->out);
	sql__update(e, &u);
	sql__put(e, " WHERE ");
	if (from && s->where_clause != NULL) {
		sql__put(e, "(");
		sql__expr(e, s->where_clause);
		sql__put(e, ") AND ");
	}
	unsigned n = tr_buf_err(&e->out) == TR_OK
			     ? text_params(tr_buf_cstr(&e->out))
			     : 0;
	sql__ident(e, t->qual);
	sql__putf(e, ".rowid IN (SELECT value FROM json_each(?%u))", n + 1);
	p->write.sql = take(e);
	p->write.n_params = n;
	p->write.key = n + 1;
	emit_fetch(e, t, s->returning_list, s->n_returning_list, cap,
		   &p->fetch);
}

static void plan_delete(struct sql__emit *e, const PgQuery__DeleteStmt *s,
			const struct target *t, const struct capture *cap,
			struct sql_returning *p)
{
	p->kind = SQL_RETURNING_DELETE;
	bool using = s->n_using_clause > 0;
	PgQuery__SelectStmt *c = make_select(
		e, t, true, s->returning_list, s->n_returning_list, false, true,
		s->using_clause, s->n_using_clause, s->where_clause, using,
		s->with_clause);
	if (c == NULL) {
		oom(e);
		return;
	}
	tr_buf_reset(&e->out);
	capture_head(e, cap);
	sql__select(e, c);
	if (cap != NULL) {
		sql__put(e, ")");
	}
	plain_step(e, &p->collect);
	tr_buf_reset(&e->out);
	sql__put(e, "DELETE FROM ");
	sql__relation(e, t->rel);
	if (cap != NULL) {
		/* The rowids the collect stored. */
		sql__putf(e,
			  " WHERE rowid IN (SELECT c1 FROM triode_rows WHERE "
			  "c0 = %u)",
			  cap->id);
		p->write.sql = take(e);
		p->write.n_params = 0;
		p->write.key = 0;
		return;
	}
	sql__put(e, " WHERE rowid IN (SELECT value FROM json_each(?1))");
	p->write.sql = take(e);
	p->write.n_params = 0;
	p->write.key = 1;
}

/*
 * Plan INSERT/UPDATE/DELETE @n ... RETURNING into @p (capture mode when
 * @cap is not NULL).  Returns the describe tree: the RETURNING list over
 * the target (not emitted); NULL after a failure.
 */
static PgQuery__SelectStmt *plan_returning(struct sql__emit *e, const Node *n,
					   int loc, const struct capture *cap,
					   struct sql_returning *p)
{
	memset(p, 0, sizeof *p);
	p->capture = cap != NULL;
	if (e->catalog) {
		sql__fail(e, loc, "0A000",
			  "only queries may use the system catalogs");
		return NULL;
	}
	struct target t;
	Node *const *ret;
	size_t n_ret;
	Node *const *from = NULL;
	size_t n_from = 0;
	PgQuery__WithClause *with = NULL;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		t.rel = n->insert_stmt->relation;
		ret = n->insert_stmt->returning_list;
		n_ret = n->insert_stmt->n_returning_list;
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		t.rel = n->update_stmt->relation;
		ret = n->update_stmt->returning_list;
		n_ret = n->update_stmt->n_returning_list;
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		t.rel = n->delete_stmt->relation;
		ret = n->delete_stmt->returning_list;
		n_ret = n->delete_stmt->n_returning_list;
		from = n->delete_stmt->using_clause;
		n_from = n->delete_stmt->n_using_clause;
		with = n->delete_stmt->with_clause;
		break;
	default:
		sql__fail(e, loc, "0A000", "RETURNING is not supported here");
		return NULL;
	}
	t.qual = t.rel->alias != NULL && t.rel->alias->aliasname[0] != '\0'
			 ? t.rel->alias->aliasname
			 : t.rel->relname;
	for (size_t i = 0; i < n_ret; i++) {
		if (ret[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET ||
		    ret[i]->res_target->val == NULL) {
			sql__fail(e, loc, "42601", "invalid RETURNING list");
			return NULL;
		}
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		plan_insert(e, n->insert_stmt, &t, p);
		if (!sql__failed(e)) {
			emit_fetch(e, &t, ret, n_ret, cap, &p->fetch);
		}
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		plan_update(e, n->update_stmt, &t, cap, p);
		break;
	default:
		plan_delete(e, n->delete_stmt, &t, cap, p);
		break;
	}
	if (e->stmt->cluster_view && !sql__failed(e)) {
		sql__fail(e, loc, "42809",
			  "triode_cluster_members is a read-only view");
	}
	if (sql__failed(e)) {
		return NULL;
	}
	/* Describe: the RETURNING list over the target (and a DELETE's
	 * USING items, which its collect joins). */
	PgQuery__SelectStmt *shape = make_select(e, &t, false, ret, n_ret,
						 false, true, from, n_from,
						 NULL, false, with);
	if (shape == NULL) {
		oom(e);
	}
	return shape;
}

const PgQuery__SelectStmt *sql__returning(struct sql__emit *e, const Node *n,
					  int loc)
{
	struct sql_returning *p = tr_arena_alloc(e->a, sizeof *p);
	if (p == NULL) {
		oom(e);
		return NULL;
	}
	PgQuery__SelectStmt *shape = plan_returning(e, n, loc, NULL, p);
	if (shape == NULL) {
		return NULL;
	}
	tr_buf_reset(&e->out);
	sql__select(e, shape);
	if (sql__failed(e)) {
		return NULL;
	}
	e->stmt->returning = p;
	return shape;
}

const char *sql_returning_row_sql(struct tr_arena *a,
				  const struct sql_returning *plan,
				  unsigned n_values)
{
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_str(&b, plan->row_head);
	tr_buf_put_str(&b, "(");
	for (unsigned i = 0; i < n_values; i++) {
		tr_buf_printf(&b, i > 0 ? ", ?%u" : "?%u",
			      plan->row_params + 1 + i);
	}
	tr_buf_put_str(&b, ")");
	tr_buf_put_str(&b, plan->row_tail);
	const char *s = tr_buf_err(&b) == TR_OK
				? tr_arena_strndup(a, (const char *)b.data,
						   b.len)
				: NULL;
	tr_buf_close(&b);
	return s;
}

bool sql__upsert_plan(struct sql__emit *e, const PgQuery__InsertStmt *s,
		      int loc)
{
	const PgQuery__OnConflictClause *oc = s->on_conflict_clause;
	const Node *src = s->select_stmt;
	if (oc == NULL ||
	    oc->action != PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_UPDATE ||
	    src == NULL || src->node_case != PG_QUERY__NODE__NODE_SELECT_STMT ||
	    (src->select_stmt->n_values_lists == 1 &&
	     !has_own_tail(src->select_stmt)) ||
	    e->catalog || s->n_returning_list > 0) {
		return false; /* one row at most: it cannot meet itself */
	}
	struct sql_returning *p = tr_arena_alloc(e->a, sizeof *p);
	if (p == NULL) {
		oom(e);
		return true;
	}
	memset(p, 0, sizeof *p);
	struct target t;
	t.rel = s->relation;
	t.qual = t.rel->alias != NULL && t.rel->alias->aliasname[0] != '\0'
			 ? t.rel->alias->aliasname
			 : t.rel->relname;
	plan_insert(e, s, &t, p);
	if (e->stmt->cluster_view && !sql__failed(e)) {
		sql__fail(e, loc, "42809",
			  "triode_cluster_members is a read-only view");
	}
	if (sql__failed(e)) {
		return true;
	}
	/* The statement as written stays the text (never sent). */
	tr_buf_reset(&e->out);
	sql__insert(e, s);
	e->stmt->returning = p;
	return true;
}

/* ---------------------------------------------------------------------
 * Data-modifying statements in WITH
 *
 *   WITH u AS (UPDATE t SET v = v + 1 WHERE ... RETURNING k, v),
 *        d AS (DELETE FROM a WHERE ... RETURNING *)
 *   SELECT ... FROM u ... | INSERT INTO b SELECT * FROM d [RETURNING ...]
 *
 * PostgreSQL runs every sub-statement exactly once, to completion, on
 * the snapshot taken before the statement, and the main query reads the
 * sub-statements' RETURNING rows, not the tables they changed.  The plan
 * (kind SQL_RETURNING_WITH), run by the executor in one transaction
 * under the write lock:
 *
 *   prep      CREATE TABLE IF NOT EXISTS triode_rows (...); DELETE FROM
 *             triode_rows (the holding table sequence.c also uses,
 *             hidden from the catalogs)
 *   subs[i]   each WITH query, in order, planned as its RETURNING form
 *             above but in capture mode: its RETURNING rows are stored
 *             server-side, by an EXEC of INSERT INTO triode_rows ...
 *             SELECT, as (c0 = i + 1, c1 = the target's rowid, c2... the
 *             values), in RETURNING order (k, the rowid, grows)
 *   main      the main statement, in which each WITH query reads
 *             "name(cols) AS (SELECT c2, ... FROM triode_rows WHERE c0 =
 *             i + 1 ORDER BY k)": @main (RETURNING), @fetch (a SELECT)
 *             or @write (INSERT/UPDATE/DELETE without RETURNING)
 *   cleanup   DELETE FROM triode_rows
 *
 * Every sub-statement carries the statement's whole WITH clause, so it
 * reads the SELECT queries and the earlier WITH queries' rows as
 * PostgreSQL lets it.  The describe text (stmt->sqlite) writes each WITH
 * query as its RETURNING list over its target instead, so that the
 * mirror types the result columns.
 *
 * Snapshot.  Running the parts one after the other, each sees the
 * writes of the parts before it, where PostgreSQL shows each the table
 * as it was.  That only matters when a part reads (names) a table an
 * earlier part changed, or updates or deletes in a table an earlier
 * INSERT or UPDATE changed: such statements are refused with 0A000.
 * Reading the table first is the same either way; so is inserting into
 * a table an earlier part changed, and updating or deleting after a
 * DELETE (PostgreSQL skips the rows the DELETE took: they are gone).
 * Names are compared without schema; a name that is one of the
 * statement's WITH queries is no table.
 * ------------------------------------------------------------------- */

/* Columns of triode_rows (sequence.c makes the same table). */
#define ROWS_COLS     64
/* Values a WITH query may return: c0 and c1 are taken. */
#define WITH_MAX_COLS (ROWS_COLS - 2)
/* WITH queries a statement may have. */
#define WITH_MAX_DML  32

/* One data-modifying WITH query. */
struct sql__dml_cte {
	const PgQuery__CommonTableExpr *cte; /* borrowed: the tree */
	const Node *stmt;                    /* its INSERT/UPDATE/DELETE */
	struct target t;
	unsigned id;                /* c0 of its rows */
	bool returns;               /* has RETURNING */
	unsigned n_cols;            /* its columns */
	const char **names;         /* their names (aliases applied) */
	PgQuery__SelectStmt *shape; /* RETURNING list over the target */
};

static const PgQuery__WithClause *with_of(const Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		return n->select_stmt->with_clause;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		return n->insert_stmt->with_clause;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		return n->update_stmt->with_clause;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		return n->delete_stmt->with_clause;
	default:
		return NULL;
	}
}

static bool is_dml(const Node *n)
{
	return n != NULL && (n->node_case == PG_QUERY__NODE__NODE_INSERT_STMT ||
			     n->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT ||
			     n->node_case == PG_QUERY__NODE__NODE_DELETE_STMT);
}

bool sql__with_has_dml(const Node *n)
{
	const PgQuery__WithClause *w = with_of(n);
	for (size_t i = 0; w != NULL && i < w->n_ctes; i++) {
		const Node *c = w->ctes[i];
		if (c->node_case == PG_QUERY__NODE__NODE_COMMON_TABLE_EXPR &&
		    is_dml(c->common_table_expr->ctequery)) {
			return true;
		}
	}
	return false;
}

bool sql__with_dml_cte(struct sql__emit *e, const PgQuery__CommonTableExpr *c)
{
	const struct sql__dml_cte *d = NULL;
	for (unsigned i = 0; i < e->n_dml; i++) {
		if (e->dml[i].cte == c) {
			d = &e->dml[i];
		}
	}
	if (d == NULL) {
		return false;
	}
	sql__ident(e, c->ctename);
	if (d->n_cols == 0) {
		/* No RETURNING: never read (checked), but still named. */
		sql__put(e, " AS (SELECT NULL WHERE 0)");
		return true;
	}
	sql__put(e, "(");
	for (unsigned i = 0; i < d->n_cols; i++) {
		if (i > 0) {
			sql__put(e, ", ");
		}
		sql__ident(e, d->names[i]);
	}
	sql__put(e, ") AS (");
	if (e->dml_shape) {
		/* Describe: typed by the target's declared column types. */
		const struct sql__dml_cte *saved = e->dml;
		unsigned n_saved = e->n_dml;
		e->dml = NULL;
		e->n_dml = 0;
		sql__select(e, d->shape);
		e->dml = saved;
		e->n_dml = n_saved;
	} else {
		sql__put(e, "SELECT ");
		for (unsigned i = 0; i < d->n_cols; i++) {
			sql__putf(e, i > 0 ? ", c%u" : "c%u", i + 2);
		}
		sql__putf(e, " FROM triode_rows WHERE c0 = %u ORDER BY k",
			  d->id);
	}
	sql__put(e, ")");
	return true;
}

/* The columns of table @rv on the scope's mirror (arena); NULL after a
 * failure: 42P01, with needs_schema set (the mirror may be behind). */
static const char **table_columns(struct sql__emit *e,
				  const PgQuery__RangeVar *rv, unsigned *n)
{
	sqlite3 *db = sql__scope_mirror();
	struct tr_buf q;
	tr_buf_init(&q, 0);
	tr_buf_put_str(&q, "SELECT * FROM main.");
	sql__ident_buf(&q, rv->relname);
	const char *text = tr_buf_cstr(&q);
	sqlite3_stmt *ps = NULL;
	int rc = SQLITE_ERROR;
	if (tr_buf_err(&q) != TR_OK) {
		tr_buf_close(&q);
		oom(e);
		return NULL;
	}
	if (db != NULL) {
		rc = sqlite3_prepare_v2(db, text, -1, &ps, NULL);
	}
	tr_buf_close(&q);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(ps);
		if (rc == SQLITE_NOMEM) {
			oom(e);
			return NULL;
		}
		sql__fail(e, rv->location, "42P01",
			  "relation \"%s\" does not exist", rv->relname);
		e->stmt->needs_schema = true; /* made since the mirror? */
		return NULL;
	}
	int count = sqlite3_column_count(ps);
	const char **names = tr_arena_alloc(
		e->a, sizeof *names * (size_t)(count > 0 ? count : 1));
	for (int i = 0; names != NULL && i < count; i++) {
		const char *c = sqlite3_column_name(ps, i);
		names[i] = tr_arena_strdup(e->a, c != NULL ? c : "?column?");
		if (names[i] == NULL) {
			names = NULL;
		}
	}
	sqlite3_finalize(ps);
	if (names == NULL) {
		oom(e);
		return NULL;
	}
	*n = (unsigned)count;
	return names;
}

/* @v is "*" or "x.*": the qualifier (NULL for "*"); false otherwise. */
static bool star_of(const Node *v, const char **qual)
{
	if (v == NULL || v->node_case != PG_QUERY__NODE__NODE_COLUMN_REF) {
		return false;
	}
	const PgQuery__ColumnRef *r = v->column_ref;
	if (r->n_fields == 0 || r->fields[r->n_fields - 1]->node_case !=
					PG_QUERY__NODE__NODE_A_STAR) {
		return false;
	}
	*qual = r->n_fields == 2 ? sql__str(r->fields[0]) : NULL;
	return r->n_fields <= 2;
}

/* Fill @d's target, column names and describe tree. */
static void dml_columns(struct sql__emit *e, struct sql__dml_cte *d)
{
	const Node *n = d->stmt;
	Node *const *ret;
	size_t n_ret;
	Node *const *from = NULL;
	size_t n_from = 0;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		d->t.rel = n->insert_stmt->relation;
		ret = n->insert_stmt->returning_list;
		n_ret = n->insert_stmt->n_returning_list;
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		d->t.rel = n->update_stmt->relation;
		ret = n->update_stmt->returning_list;
		n_ret = n->update_stmt->n_returning_list;
		from = n->update_stmt->from_clause;
		n_from = n->update_stmt->n_from_clause;
		break;
	default:
		d->t.rel = n->delete_stmt->relation;
		ret = n->delete_stmt->returning_list;
		n_ret = n->delete_stmt->n_returning_list;
		from = n->delete_stmt->using_clause;
		n_from = n->delete_stmt->n_using_clause;
		break;
	}
	d->t.qual = d->t.rel->alias != NULL &&
				    d->t.rel->alias->aliasname[0] != '\0'
			    ? d->t.rel->alias->aliasname
			    : d->t.rel->relname;
	d->returns = n_ret > 0;
	/* Count first (a star is the target's columns), then name. */
	const char **names = NULL;
	unsigned n_names = 0, cap = 0;
	for (size_t i = 0; i < n_ret && !sql__failed(e); i++) {
		if (ret[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET ||
		    ret[i]->res_target->val == NULL) {
			sql__fail(e, d->cte->location, "42601",
				  "invalid RETURNING list");
			return;
		}
		const PgQuery__ResTarget *rt = ret[i]->res_target;
		const char *qual;
		const char **add;
		unsigned n_add;
		const char *one;
		if (star_of(rt->val, &qual)) {
			if ((qual == NULL && n_from > 0) ||
			    (qual != NULL && strcmp(qual, d->t.qual) != 0)) {
				sql__fail(e, rt->location, "0A000",
					  "RETURNING * over the FROM or USING "
					  "items of a WITH query is not "
					  "supported; name the columns");
				return;
			}
			add = table_columns(e, d->t.rel, &n_add);
			if (add == NULL) {
				return;
			}
		} else {
			one = rt->name[0] != '\0' ? rt->name
						  : sql__colname(rt->val);
			add = &one;
			n_add = 1;
		}
		if (n_names + n_add > WITH_MAX_COLS) {
			sql__fail(e, d->cte->location, "0A000",
				  "a WITH query returning more than %d "
				  "columns is not supported",
				  WITH_MAX_COLS);
			return;
		}
		if (n_names + n_add > cap) {
			cap = WITH_MAX_COLS;
			const char **grown = tr_arena_alloc(
				e->a, sizeof *grown * cap);
			if (grown == NULL) {
				oom(e);
				return;
			}
			if (n_names > 0) {
				memcpy(grown, names, sizeof *names * n_names);
			}
			names = grown;
		}
		for (unsigned k = 0; k < n_add; k++) {
			names[n_names++] = add[k];
		}
	}
	const PgQuery__CommonTableExpr *c = d->cte;
	if (c->n_aliascolnames > n_names) {
		sql__fail(e, c->location, "42P10",
			  "WITH query \"%s\" has %u columns available but %zu "
			  "columns specified",
			  c->ctename, n_names, c->n_aliascolnames);
		return;
	}
	for (size_t i = 0; i < c->n_aliascolnames; i++) {
		const char *a = sql__str(c->aliascolnames[i]);
		if (a == NULL) {
			sql__fail(e, c->location, "42601", "expected a name");
			return;
		}
		names[i] = a;
	}
	d->names = names;
	d->n_cols = n_names;
	d->shape = make_select(e, &d->t, false, ret, n_ret, false, true, from,
			       n_from, NULL, false, NULL);
	if (d->shape == NULL) {
		oom(e);
	}
}

/* The number of values each row of INSERT source @src gives; 0 when
 * unknown (a star, or no source). */
static size_t source_width(const Node *src)
{
	if (src == NULL || src->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
		return 0;
	}
	const PgQuery__SelectStmt *s = src->select_stmt;
	while (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
	       s->larg != NULL) {
		s = s->larg;
	}
	if (s->n_values_lists > 0) {
		const Node *row = s->values_lists[0];
		return row->node_case == PG_QUERY__NODE__NODE_LIST
			       ? row->list->n_items
			       : 0;
	}
	const char *qual;
	for (size_t i = 0; i < s->n_target_list; i++) {
		const Node *t = s->target_list[i];
		if (t->node_case != PG_QUERY__NODE__NODE_RES_TARGET ||
		    star_of(t->res_target->val, &qual)) {
			return 0;
		}
	}
	return s->n_target_list;
}

const PgQuery__InsertStmt *sql__insert_fill(struct sql__emit *e,
					    const PgQuery__InsertStmt *s)
{
	size_t width = source_width(s->select_stmt);
	const PgQuery__RangeVar *rv = s->relation;
	if (s->n_cols > 0 || width == 0 || e->catalog ||
	    sql__scope_mirror() == NULL ||
	    (rv->schemaname[0] != '\0' &&
	     strcmp(rv->schemaname, "public") != 0) ||
	    strncmp(rv->relname, "pg_", 3) == 0 ||
	    strncmp(rv->relname, "triode_", 7) == 0) {
		return s; /* the catalogs and triode's views: not here */
	}
	/* A table the mirror does not know (made since it was loaded):
	 * 42P01 with needs_schema, which reloads it and translates again. */
	unsigned n;
	const char **names = table_columns(e, rv, &n);
	if (names == NULL) {
		return s;
	}
	if (width > n) {
		sql__fail(e, -1, "42601",
			  "INSERT has more expressions than target columns");
		return s;
	}
	if (width == n) {
		return s;
	}
	/* Fewer values: the leading columns, named. */
	PgQuery__InsertStmt *c = tr_arena_alloc(e->a, sizeof *c);
	Node **cols = tr_arena_alloc(e->a, sizeof *cols * width);
	if (c == NULL || cols == NULL) {
		oom(e);
		return s;
	}
	for (size_t i = 0; i < width; i++) {
		cols[i] = node_new(e->a, PG_QUERY__NODE__NODE_RES_TARGET);
		PgQuery__ResTarget *rt = tr_arena_alloc(e->a, sizeof *rt);
		if (cols[i] == NULL || rt == NULL) {
			oom(e);
			return s;
		}
		PgQuery__ResTarget init = PG_QUERY__RES_TARGET__INIT;
		*rt = init;
		rt->name = (char *)names[i];
		rt->location = -1;
		cols[i]->res_target = rt;
	}
	*c = *s;
	c->n_cols = width;
	c->cols = cols;
	return c;
}

/* ---------------------------------------------------------------------
 * The snapshot check
 * ------------------------------------------------------------------- */

/* One part of the statement, in the order the plan runs them. */
struct part {
	const ProtobufCMessage *root;    /* what it reads */
	const ProtobufCMessage *skip;    /* not walked (the main's WITH) */
	const PgQuery__RangeVar *target; /* NULL for a SELECT */
	bool insert, delete;
};

struct walk_state {
	struct sql__emit *e;
	const PgQuery__WithClause *w;
	const struct part *parts;
	unsigned n_parts, self; /* the part walked */
	int depth;
};

static bool same_rel(const PgQuery__RangeVar *a, const PgQuery__RangeVar *b)
{
	return strcmp(a->relname, b->relname) == 0;
}

/* The WITH query @rv names (unqualified), or NULL. */
static const PgQuery__CommonTableExpr *cte_named(const PgQuery__WithClause *w,
						 const PgQuery__RangeVar *rv)
{
	if (rv->schemaname[0] != '\0') {
		return NULL;
	}
	for (size_t i = 0; i < w->n_ctes; i++) {
		const PgQuery__CommonTableExpr *c =
			w->ctes[i]->common_table_expr;
		if (strcmp(c->ctename, rv->relname) == 0) {
			return c;
		}
	}
	return NULL;
}

static void check_rangevar(struct walk_state *ws, const PgQuery__RangeVar *rv)
{
	struct sql__emit *e = ws->e;
	const struct part *me = &ws->parts[ws->self];
	const PgQuery__CommonTableExpr *c = cte_named(ws->w, rv);
	if (c != NULL) {
		/* A WITH query: it must return rows, and have run. */
		for (unsigned i = 0; i < e->n_dml; i++) {
			if (e->dml[i].cte != c) {
				continue;
			}
			if (!e->dml[i].returns) {
				sql__fail(e, rv->location, "0A000",
					  "WITH query \"%s\" does not have a "
					  "RETURNING clause",
					  c->ctename);
			} else if (i >= ws->self) {
				sql__fail(e, rv->location, "0A000",
					  "a data-modifying WITH query reading "
					  "itself or a later one is not "
					  "supported");
			}
		}
		return;
	}
	if (rv == me->target) {
		return;
	}
	for (unsigned j = 0; j < ws->self; j++) {
		const PgQuery__RangeVar *t = ws->parts[j].target;
		if (t != NULL && same_rel(t, rv)) {
			sql__fail(e, rv->location, "0A000",
				  "reading table \"%s\" in a statement whose "
				  "data-modifying WITH query changes it is "
				  "not supported",
				  rv->relname);
			return;
		}
	}
}

static void walk(struct walk_state *ws, const ProtobufCMessage *m);

static bool walk_child(const ProtobufCMessage *c, void *ws)
{
	walk(ws, c);
	return sql__failed(((struct walk_state *)ws)->e);
}

static void walk(struct walk_state *ws, const ProtobufCMessage *m)
{
	if (m == NULL || sql__failed(ws->e) || m == ws->parts[ws->self].skip) {
		return;
	}
	if (++ws->depth > 4 * SQL__MAX_DEPTH) {
		sql__fail(ws->e, -1, "54001", "stack depth limit exceeded");
		return;
	}
	if (m->descriptor == &pg_query__range_var__descriptor) {
		check_rangevar(ws, (const PgQuery__RangeVar *)m);
	}
	(void)sql__children(m, walk_child, ws);
	ws->depth--;
}

/* Refuse what running the parts in order would get wrong (above). */
static void check_snapshot(struct sql__emit *e, const PgQuery__WithClause *w,
			   const struct part *parts, unsigned n_parts)
{
	struct walk_state ws = { .e = e,
				 .w = w,
				 .parts = parts,
				 .n_parts = n_parts };
	for (unsigned i = 0; i < n_parts && !sql__failed(e); i++) {
		const struct part *p = &parts[i];
		for (unsigned j = 0; j < i && p->target != NULL; j++) {
			const PgQuery__RangeVar *t = parts[j].target;
			if (!p->insert && !parts[j].delete &&t != NULL &&
			    same_rel(t, p->target)) {
				sql__fail(e, p->target->location, "0A000",
					  "changing table \"%s\" in two parts "
					  "of a statement with data-modifying "
					  "WITH queries is only supported "
					  "after a DELETE or by an INSERT",
					  t->relname);
				return;
			}
		}
		ws.self = i;
		ws.depth = 0;
		walk(&ws, p->root);
	}
	/* The main statement's SELECT queries in WITH: read last. */
	ws.self = n_parts - 1;
	for (size_t i = 0; i < w->n_ctes && !sql__failed(e); i++) {
		const PgQuery__CommonTableExpr *c =
			w->ctes[i]->common_table_expr;
		if (!is_dml(c->ctequery)) {
			ws.depth = 0;
			walk(&ws, &c->ctequery->base);
		}
	}
}

/* ---------------------------------------------------------------------
 * The plan
 * ------------------------------------------------------------------- */

/* @n with its WITH clause replaced by @w, in the arena. */
static Node *with_replaced(struct sql__emit *e, const Node *n,
			   PgQuery__WithClause *w)
{
	Node *c = tr_arena_alloc(e->a, sizeof *c);
	if (c == NULL) {
		return NULL;
	}
	*c = *n;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INSERT_STMT: {
		PgQuery__InsertStmt *s = tr_arena_alloc(e->a, sizeof *s);
		if (s == NULL) {
			return NULL;
		}
		*s = *n->insert_stmt;
		s->with_clause = w;
		c->insert_stmt = s;
		break;
	}
	case PG_QUERY__NODE__NODE_UPDATE_STMT: {
		PgQuery__UpdateStmt *s = tr_arena_alloc(e->a, sizeof *s);
		if (s == NULL) {
			return NULL;
		}
		*s = *n->update_stmt;
		s->with_clause = w;
		c->update_stmt = s;
		break;
	}
	default: {
		PgQuery__DeleteStmt *s = tr_arena_alloc(e->a, sizeof *s);
		if (s == NULL) {
			return NULL;
		}
		*s = *n->delete_stmt;
		s->with_clause = w;
		c->delete_stmt = s;
		break;
	}
	}
	return c;
}

static bool has_returning_list(const Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		return n->insert_stmt->n_returning_list > 0;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		return n->update_stmt->n_returning_list > 0;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		return n->delete_stmt->n_returning_list > 0;
	default:
		return false;
	}
}

/* The main statement @n, without RETURNING: its text into @st. */
static void emit_main(struct sql__emit *e, const Node *n,
		      struct sql_ret_step *st)
{
	tr_buf_reset(&e->out);
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		sql__select(e, n->select_stmt);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		sql__insert(e, n->insert_stmt);
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		sql__update(e, n->update_stmt);
		break;
	default:
		sql__delete(e, n->delete_stmt);
		break;
	}
	if (st != NULL) {
		plain_step(e, st);
	}
}

const PgQuery__SelectStmt *sql__with_dml(struct sql__emit *e, const Node *n,
					 int loc)
{
	const PgQuery__WithClause *w = with_of(n);
	if (e->catalog) {
		sql__fail(e, loc, "0A000",
			  "only queries may use the system catalogs");
		return NULL;
	}
	unsigned n_dml = 0;
	for (size_t i = 0; i < w->n_ctes; i++) {
		n_dml += is_dml(w->ctes[i]->common_table_expr->ctequery);
	}
	if (n_dml > WITH_MAX_DML) {
		sql__fail(e, loc, "0A000",
			  "more than %d data-modifying WITH queries are not "
			  "supported",
			  WITH_MAX_DML);
		return NULL;
	}
	struct sql__dml_cte *dml = tr_arena_alloc(e->a, sizeof *dml * n_dml);
	struct part *parts = tr_arena_alloc(e->a, sizeof *parts * (n_dml + 1));
	struct sql_returning *p = tr_arena_alloc(e->a, sizeof *p);
	struct sql_returning *subs = tr_arena_alloc(e->a, sizeof *subs * n_dml);
	if (dml == NULL || parts == NULL || p == NULL || subs == NULL) {
		oom(e);
		return NULL;
	}
	memset(dml, 0, sizeof *dml * n_dml);
	memset(parts, 0, sizeof *parts * (n_dml + 1));
	memset(p, 0, sizeof *p);
	unsigned k = 0;
	for (size_t i = 0; i < w->n_ctes && !sql__failed(e); i++) {
		const PgQuery__CommonTableExpr *c =
			w->ctes[i]->common_table_expr;
		if (!is_dml(c->ctequery)) {
			continue;
		}
		if (with_of(c->ctequery) != NULL) {
			sql__fail(e, c->location, "0A000",
				  "WITH inside a data-modifying WITH query is "
				  "not supported");
			return NULL;
		}
		struct sql__dml_cte *d = &dml[k];
		d->cte = c;
		d->stmt = c->ctequery;
		d->id = k + 1;
		dml_columns(e, d);
		parts[k].root = &c->ctequery->base;
		parts[k].target = d->t.rel;
		parts[k].insert = c->ctequery->node_case ==
				  PG_QUERY__NODE__NODE_INSERT_STMT;
		parts[k].delete = c->ctequery->node_case ==
				  PG_QUERY__NODE__NODE_DELETE_STMT;
		k++;
	}
	if (sql__failed(e)) {
		return NULL;
	}
	e->dml = dml;
	e->n_dml = n_dml;
	/* The main statement: it reads all but its WITH's data-modifying
	 * queries (its SELECT queries are walked as its own). */
	struct part *m = &parts[n_dml];
	m->root = &n->base;
	m->skip = &w->base;
	if (is_dml(n)) {
		const PgQuery__RangeVar *t =
			n->node_case == PG_QUERY__NODE__NODE_INSERT_STMT
				? n->insert_stmt->relation
			: n->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT
				? n->update_stmt->relation
				: n->delete_stmt->relation;
		m->target = t;
		m->insert = n->node_case == PG_QUERY__NODE__NODE_INSERT_STMT;
		m->delete = n->node_case == PG_QUERY__NODE__NODE_DELETE_STMT;
	}
	check_snapshot(e, w, parts, n_dml + 1);
	if (sql__failed(e)) {
		return NULL;
	}

	p->kind = SQL_RETURNING_WITH;
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_str(&b, "CREATE TABLE IF NOT EXISTS triode_rows (k INTEGER "
			   "PRIMARY KEY");
	for (unsigned i = 0; i < ROWS_COLS; i++) {
		tr_buf_printf(&b, ", c%u", i);
	}
	tr_buf_put_str(&b, "); DELETE FROM triode_rows");
	p->prep.sql = tr_buf_err(&b) == TR_OK
			      ? tr_arena_strndup(e->a, (const char *)b.data,
						 b.len)
			      : NULL;
	tr_buf_close(&b);
	p->cleanup.sql = "DELETE FROM triode_rows";
	if (p->prep.sql == NULL) {
		oom(e);
		return NULL;
	}

	/* Each WITH query under the statement's whole WITH clause. */
	PgQuery__WithClause *wc = (PgQuery__WithClause *)w;
	for (unsigned i = 0; i < n_dml && !sql__failed(e); i++) {
		struct capture cap = { .id = dml[i].id,
				       .n_cols = dml[i].n_cols };
		const Node *sub = with_replaced(e, dml[i].stmt, wc);
		if (sub == NULL) {
			oom(e);
			return NULL;
		}
		if (sub->node_case == PG_QUERY__NODE__NODE_INSERT_STMT) {
			Node *fill = (Node *)sub;
			fill->insert_stmt = (PgQuery__InsertStmt *)
				sql__insert_fill(e, sub->insert_stmt);
			sql__insert_counts(e, sub->insert_stmt);
		}
		plan_returning(e, sub, dml[i].cte->location, &cap, &subs[i]);
	}
	if (sql__failed(e)) {
		return NULL;
	}
	p->n_subs = n_dml;
	p->subs = subs;

	const PgQuery__SelectStmt *shape = NULL;
	if (has_returning_list(n)) {
		p->main = tr_arena_alloc(e->a, sizeof *p->main);
		if (p->main == NULL) {
			oom(e);
			return NULL;
		}
		shape = plan_returning(e, n, loc, NULL, p->main);
		if (shape == NULL) {
			return NULL;
		}
		e->dml_shape = true;
		tr_buf_reset(&e->out);
		sql__select(e, shape);
	} else if (n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) {
		if (n->select_stmt->into_clause != NULL) {
			sql__fail(e, loc, "0A000",
				  "SELECT INTO is not supported");
			return NULL;
		}
		e->seq_writes = false;
		emit_main(e, n, &p->fetch);
		if (e->seq_writes) {
			/* It would write inside a QUERY (sequence.c). */
			sql__fail(e, loc, "0A000",
				  "nextval() or setval() in the SELECT of a "
				  "statement with data-modifying WITH queries "
				  "is not supported");
			return NULL;
		}
		shape = n->select_stmt;
		e->dml_shape = true;
		emit_main(e, n, NULL);
	} else {
		emit_main(e, n, &p->write);
		e->dml_shape = true;
		emit_main(e, n, NULL);
	}
	e->dml_shape = false;
	if (e->stmt->cluster_view && !sql__failed(e)) {
		sql__fail(e, loc, "42809",
			  "triode_cluster_members is a read-only view");
	}
	if (sql__failed(e)) {
		return NULL;
	}
	e->stmt->returning = p;
	return shape;
}

/* ---------------------------------------------------------------------
 * triode_returning_rowid(x), on every connection (the leader's included)
 * ------------------------------------------------------------------- */

static void returning_rowid(sqlite3_context *ctx, int argc,
			    sqlite3_value **argv)
{
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER) {
		sqlite3_set_last_insert_rowid(sqlite3_context_db_handle(ctx),
					      sqlite3_value_int64(argv[0]));
	}
	sqlite3_result_int(ctx, 1);
}

int sql__returning_register(sqlite3 *db)
{
	/* Not deterministic (it has a side effect); direct only: no view
	 * or trigger may hide a call. */
	return sqlite3_create_function_v2(db, "triode_returning_rowid", 1,
					  SQLITE_UTF8 | SQLITE_DIRECTONLY,
					  NULL, returning_rowid, NULL, NULL,
					  NULL);
}
