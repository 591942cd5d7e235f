/*
 * sql/parse.c: sql_parse, the entry point of the translator.
 *
 * The whole query string is parsed at once with libpg_query (protobuf
 * output, unpacked into a private arena), then each RawStmt is classified
 * (kind, tag, flags) and translated by the emitter (expr.c, query.c,
 * ddl.c).  Session statements (SET, SHOW, RESET, DISCARD) and transaction
 * control carry their arguments in the statement instead of SQL.
 *
 * Anything the translator does not know is refused with 0A000 naming the
 * construct, so that nothing unexamined ever reaches the cluster.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* ---------------------------------------------------------------------
 * Output helpers shared by the emitter
 * ------------------------------------------------------------------- */

/* 1-based character position of byte offset @loc (PostgreSQL counts
 * characters, not bytes). */
int sql__char_position(const char *q, int loc)
{
	if (loc < 0) {
		return 0;
	}
	int pos = 1;
	for (int i = 0; i < loc && q[i] != '\0'; i++) {
		if (((unsigned char)q[i] & 0xc0) != 0x80) {
			pos++;
		}
	}
	return pos;
}

void sql__fail(struct sql__emit *e, int location, const char *sqlstate,
	       const char *fmt, ...)
{
	if (e->stmt->failed) {
		return;
	}
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	e->stmt->failed = true;
	sql_error_set(&e->stmt->error, e->a, sqlstate, "%s", tmp);
	e->stmt->error.position = sql__char_position(e->query, location);
}

void sql__put(struct sql__emit *e, const char *s)
{
	tr_buf_put_str(&e->out, s);
}

void sql__putf(struct sql__emit *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tr_buf_vprintf(&e->out, fmt, ap);
	va_end(ap);
}

void sql__ident_buf(struct tr_buf *b, const char *name)
{
	bool plain = name[0] != '\0' && !isdigit((unsigned char)name[0]);
	for (const char *p = name; *p != '\0' && plain; p++) {
		plain = (*p >= 'a' && *p <= 'z') || *p == '_' ||
			(*p >= '0' && *p <= '9');
	}
	if (plain && sqlite3_keyword_check(name, (int)strlen(name)) == 0) {
		tr_buf_put_str(b, name);
		return;
	}
	tr_buf_put_u8(b, '"');
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '"') {
			tr_buf_put_u8(b, '"');
		}
		tr_buf_put_u8(b, (uint8_t)*p);
	}
	tr_buf_put_u8(b, '"');
}

void sql__ident(struct sql__emit *e, const char *name)
{
	sql__ident_buf(&e->out, name);
}

void sql__string_buf(struct tr_buf *b, const char *s)
{
	tr_buf_put_u8(b, '\'');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			tr_buf_put_u8(b, '\'');
		}
		tr_buf_put_u8(b, (uint8_t)*p);
	}
	tr_buf_put_u8(b, '\'');
}

void sql__string(struct sql__emit *e, const char *s)
{
	sql__string_buf(&e->out, s);
}

const char *sql__str(const Node *n)
{
	if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_STRING) {
		return n->string->sval;
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * protobuf-c allocator on a private arena
 * ------------------------------------------------------------------- */

static void *arena_pb_alloc(void *data, size_t size)
{
	return tr_arena_alloc(data, size);
}

static void arena_pb_free(void *data, void *p)
{
	TR_UNUSED(data);
	TR_UNUSED(p); /* released with the arena */
}

/* ---------------------------------------------------------------------
 * Session statements
 * ------------------------------------------------------------------- */

/* A SET argument as text: strings unquoted, numbers as written. */
static bool set_arg_text(struct tr_buf *b, const Node *n)
{
	if (n->node_case == PG_QUERY__NODE__NODE_A_CONST) {
		const PgQuery__AConst *c = n->a_const;
		switch (c->val_case) {
		case PG_QUERY__A__CONST__VAL_SVAL:
			tr_buf_put_str(b, c->sval->sval);
			return true;
		case PG_QUERY__A__CONST__VAL_IVAL:
			tr_buf_printf(b, "%d", c->ival->ival);
			return true;
		case PG_QUERY__A__CONST__VAL_FVAL:
			tr_buf_put_str(b, c->fval->fval);
			return true;
		case PG_QUERY__A__CONST__VAL_BOOLVAL:
			tr_buf_put_str(b, c->boolval->boolval ? "on" : "off");
			return true;
		default:
			return false;
		}
	}
	if (n->node_case == PG_QUERY__NODE__NODE_STRING) {
		tr_buf_put_str(b, n->string->sval);
		return true;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
	    n->type_cast->arg != NULL) {
		/* SET TIME ZONE INTERVAL '...': keep the literal. */
		return set_arg_text(b, n->type_cast->arg);
	}
	return false;
}

static char *lower_dup(struct tr_arena *a, const char *s)
{
	char *d = tr_arena_strdup(a, s);
	for (char *p = d; p != NULL && *p != '\0'; p++) {
		*p = (char)tolower((unsigned char)*p);
	}
	return d;
}

/* Name as PostgreSQL's GUC machinery sees it. */
static const char *guc_name(struct tr_arena *a, const char *name)
{
	if (strcmp(name, "timezone") == 0 || strcmp(name, "time zone") == 0) {
		return "timezone";
	}
	if (strcmp(name, "transaction isolation level") == 0) {
		return "transaction_isolation";
	}
	if (strcmp(name, "session authorization") == 0) {
		return "session_authorization";
	}
	return lower_dup(a, name);
}

static void translate_set(struct sql__emit *e,
			  const PgQuery__VariableSetStmt *s, int loc)
{
	struct sql_stmt *st = e->stmt;
	st->is_local = s->is_local;
	switch (s->kind) {
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE: {
		st->kind = SQL_SET;
		st->tag = "SET";
		st->name = guc_name(e->a, s->name);
		struct tr_buf b;
		tr_buf_init(&b, 0);
		for (size_t i = 0; i < s->n_args; i++) {
			if (i > 0) {
				tr_buf_put_str(&b, ", ");
			}
			if (!set_arg_text(&b, s->args[i])) {
				sql__fail(e, loc, "0A000",
					  "SET %s with this value is not "
					  "supported",
					  s->name);
			}
		}
		st->value = tr_arena_strdup(e->a, tr_buf_cstr(&b));
		tr_buf_close(&b);
		return;
	}
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT:
		st->kind = SQL_SET;
		st->tag = "SET";
		st->name = guc_name(e->a, s->name);
		st->value = NULL;
		return;
	case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
		st->kind = SQL_RESET;
		st->tag = "RESET";
		st->name = guc_name(e->a, s->name);
		return;
	case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
		st->kind = SQL_RESET;
		st->tag = "RESET";
		st->name = "all";
		return;
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI: {
		/* SET TRANSACTION ... / SET SESSION CHARACTERISTICS AS
		 * TRANSACTION ...: one option per statement for now. */
		st->kind = SQL_SET;
		st->tag = "SET";
		bool session = strcmp(s->name, "SESSION CHARACTERISTICS") == 0;
		if (s->n_args != 1 ||
		    s->args[0]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) {
			sql__fail(e, loc, "0A000",
				  "SET %s with several options is not "
				  "supported",
				  session ? "SESSION CHARACTERISTICS"
					  : "TRANSACTION");
			return;
		}
		const PgQuery__DefElem *d = s->args[0]->def_elem;
		st->name = session ? tr_arena_printf(e->a, "default_%s",
						     d->defname)
				   : tr_arena_strdup(e->a, d->defname);
		struct tr_buf b;
		tr_buf_init(&b, 0);
		if (d->arg != NULL &&
		    d->arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    d->arg->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
			tr_buf_put_str(&b, d->arg->a_const->ival->ival ? "on"
								       : "off");
		} else if (d->arg == NULL || !set_arg_text(&b, d->arg)) {
			sql__fail(e, loc, "0A000", "SET %s is not supported",
				  s->name);
		}
		st->value = tr_arena_strdup(e->a, tr_buf_cstr(&b));
		tr_buf_close(&b);
		return;
	}
	default:
		sql__fail(e, loc, "0A000",
			  "SET ... FROM CURRENT is not "
			  "supported");
		return;
	}
}

/* BEGIN's options, for the session to report and enforce. */
static void transaction_options(struct sql_stmt *st,
				const PgQuery__TransactionStmt *s)
{
	for (size_t i = 0; i < s->n_options; i++) {
		const Node *n = s->options[i];
		if (n->node_case != PG_QUERY__NODE__NODE_DEF_ELEM ||
		    n->def_elem->arg == NULL ||
		    n->def_elem->arg->node_case !=
			    PG_QUERY__NODE__NODE_A_CONST) {
			continue;
		}
		const PgQuery__DefElem *d = n->def_elem;
		const PgQuery__AConst *c = d->arg->a_const;
		if (strcmp(d->defname, "transaction_read_only") == 0 &&
		    c->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
			st->txn_read_only = c->ival->ival ? "on" : "off";
		} else if (strcmp(d->defname, "transaction_isolation") == 0 &&
			   c->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
			/* A static copy: the tree dies after translation. */
			static const char *const levels[] = {
				"serializable", "repeatable read",
				"read committed", "read uncommitted"
			};
			for (size_t k = 0; k < TR_ARRAY_LEN(levels); k++) {
				if (strcmp(c->sval->sval, levels[k]) == 0) {
					st->txn_isolation = levels[k];
				}
			}
		}
	}
}

static void translate_transaction(struct sql__emit *e,
				  const PgQuery__TransactionStmt *s, int loc)
{
	struct sql_stmt *st = e->stmt;
	const char *sp = s->savepoint_name;
	switch (s->kind) {
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
		/* SQLite transactions are serializable: every isolation level
		 * is honoured or exceeded; READ ONLY is the session's job. */
		st->kind = SQL_BEGIN;
		transaction_options(st, s);
		st->tag =
			s->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN
				? "BEGIN"
				: "START TRANSACTION";
		sql__put(e, "BEGIN");
		return;
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
		st->kind = SQL_COMMIT;
		st->tag = "COMMIT";
		if (s->chain) {
			sql__fail(e, loc, "0A000",
				  "COMMIT AND CHAIN is not supported");
		}
		sql__put(e, "COMMIT");
		return;
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
		st->kind = SQL_ROLLBACK;
		st->tag = "ROLLBACK";
		if (s->chain) {
			sql__fail(e, loc, "0A000",
				  "ROLLBACK AND CHAIN is not supported");
		}
		sql__put(e, "ROLLBACK");
		return;
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
		st->kind = SQL_SAVEPOINT;
		st->tag = "SAVEPOINT";
		sql__put(e, "SAVEPOINT ");
		break;
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
		st->kind = SQL_RELEASE;
		st->tag = "RELEASE";
		sql__put(e, "RELEASE SAVEPOINT ");
		break;
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
		st->kind = SQL_ROLLBACK_TO;
		st->tag = "ROLLBACK";
		sql__put(e, "ROLLBACK TO SAVEPOINT ");
		break;
	default:
		st->kind = SQL_EXEC;
		sql__fail(e, loc, "0A000",
			  "prepared transactions are not supported");
		return;
	}
	st->savepoint = tr_arena_strdup(e->a, sp);
	sql__ident(e, sp);
}

/* ---------------------------------------------------------------------
 * Classification
 * ------------------------------------------------------------------- */

/* Names for statements triode refuses, by node kind; the rest derive
 * from the protobuf field name ("create_function_stmt" -> "CREATE
 * FUNCTION"). */
static const struct {
	PgQuery__Node__NodeCase which;
	const char *name;
} refused_names[] = {
	{ PG_QUERY__NODE__NODE_CREATE_SEQ_STMT, "CREATE SEQUENCE" },
	{ PG_QUERY__NODE__NODE_ALTER_SEQ_STMT, "ALTER SEQUENCE" },
	{ PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT, "CREATE TABLE AS" },
	{ PG_QUERY__NODE__NODE_CREATE_TRIG_STMT, "CREATE TRIGGER" },
	{ PG_QUERY__NODE__NODE_CREATE_ENUM_STMT, "CREATE TYPE" },
	{ PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT, "CREATE TYPE" },
	{ PG_QUERY__NODE__NODE_CREATE_RANGE_STMT, "CREATE TYPE" },
	{ PG_QUERY__NODE__NODE_DEFINE_STMT, "CREATE" },
	{ PG_QUERY__NODE__NODE_CREATE_PLANG_STMT, "CREATE LANGUAGE" },
	{ PG_QUERY__NODE__NODE_CALL_STMT, "CALL" },
	{ PG_QUERY__NODE__NODE_LOAD_STMT, "LOAD" },
	{ PG_QUERY__NODE__NODE_CHECK_POINT_STMT, "CHECKPOINT" },
	{ PG_QUERY__NODE__NODE_DEALLOCATE_STMT, "DEALLOCATE" },
	{ PG_QUERY__NODE__NODE_COMMENT_STMT, "COMMENT" },
	{ PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT,
	  "CREATE FOREIGN TABLE" },
	{ PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT,
	  "REFRESH MATERIALIZED VIEW" },
	{ PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT,
	  "ALTER ... SET SCHEMA" },
};

static const char *refused_name(struct tr_arena *a, const Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		return n->create_function_stmt->is_procedure
			       ? "CREATE PROCEDURE"
			       : "CREATE FUNCTION";
	case PG_QUERY__NODE__NODE_GRANT_STMT:
		return n->grant_stmt->is_grant ? "GRANT" : "REVOKE";
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		return n->vacuum_stmt->is_vacuumcmd ? "VACUUM" : "ANALYZE";
	default:
		break;
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(refused_names); i++) {
		if (refused_names[i].which == n->node_case) {
			return refused_names[i].name;
		}
	}
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(
			&pg_query__node__descriptor, (unsigned)n->node_case);
	if (f == NULL) {
		return "this statement";
	}
	char *s = tr_arena_strdup(a, f->name);
	if (s == NULL) {
		return "this statement";
	}
	size_t len = strlen(s);
	if (len > 5 && strcmp(s + len - 5, "_stmt") == 0) {
		s[len - 5] = '\0';
	}
	for (char *p = s; *p != '\0'; p++) {
		*p = *p == '_' ? ' ' : (char)toupper((unsigned char)*p);
	}
	return s;
}

static const char *drop_tag(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
		return "DROP TABLE";
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
		return "DROP INDEX";
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
		return "DROP VIEW";
	default:
		return NULL;
	}
}

static bool has_returning(const Node *n)
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

/* Fill cols from the top-level target list of a query. */
static void infer_columns(struct sql__emit *e, const PgQuery__SelectStmt *s)
{
	while (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->larg) {
		s = s->larg;
	}
	if (s->n_values_lists > 0) {
		const Node *row = s->values_lists[0];
		if (row->node_case != PG_QUERY__NODE__NODE_LIST) {
			return;
		}
		size_t n = row->list->n_items;
		e->stmt->cols = tr_arena_alloc(
			e->a, (n + 1) * sizeof(struct sql_column));
		if (e->stmt->cols == NULL) {
			return;
		}
		for (size_t i = 0; i < n; i++) {
			struct sql_column *c = &e->stmt->cols[i];
			memset(c, 0, sizeof *c);
			c->name = tr_arena_printf(e->a, "column%zu", i + 1);
			c->type_oid = sql__infer(row->list->items[i],
						 &c->typmod);
			c->typlen = sql_type_len(c->type_oid);
		}
		e->stmt->n_cols = (unsigned)n;
		return;
	}
	size_t n = s->n_target_list;
	for (size_t i = 0; i < n; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		const Node *v = rt->val;
		/* With * the column count needs the catalog: no inference. */
		if (v != NULL &&
		    v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
		    v->column_ref->n_fields > 0 &&
		    v->column_ref->fields[v->column_ref->n_fields - 1]
				    ->node_case ==
			    PG_QUERY__NODE__NODE_A_STAR) {
			return;
		}
	}
	e->stmt->cols = tr_arena_alloc(e->a,
				       (n + 1) * sizeof(struct sql_column));
	if (e->stmt->cols == NULL) {
		return;
	}
	/* Column types known now spare the executor typing the result
	 * again at describe time (sql_infer_result_types). */
	unsigned mark = sql__scope_enter(e, NULL, s->from_clause,
					 s->n_from_clause);
	for (size_t i = 0; i < n; i++) {
		const PgQuery__ResTarget *rt = s->target_list[i]->res_target;
		struct sql_column *c = &e->stmt->cols[i];
		memset(c, 0, sizeof *c);
		c->name = rt->name[0] ? tr_arena_strdup(e->a, rt->name)
				      : tr_arena_strdup(e->a,
							sql__colname(rt->val));
		c->type_oid = sql__infer(rt->val, &c->typmod);
		c->typlen = sql_type_len(c->type_oid);
	}
	sql__scope_leave(e, mark);
	e->stmt->n_cols = (unsigned)n;
}

/* PostgreSQL's CURSOR_OPT_* bits (parsenodes.h). */
enum {
	CURSOR_BINARY = 0x0001,
	CURSOR_SCROLL = 0x0002,
	CURSOR_HOLD = 0x0020,
};

/*
 * DECLARE name CURSOR FOR query: the query is translated now and kept by
 * the executor, which answers each FETCH with the next rows of it.
 */
static void translate_declare(struct sql__emit *e,
			      const PgQuery__DeclareCursorStmt *d, int loc)
{
	struct sql_stmt *st = e->stmt;
	st->kind = SQL_DECLARE;
	st->tag = "DECLARE CURSOR";
	st->name = tr_arena_strdup(e->a, d->portalname);
	if (d->options & (CURSOR_BINARY | CURSOR_SCROLL | CURSOR_HOLD)) {
		sql__fail(e, loc, "0A000", "%s cursors are not supported",
			  (d->options & CURSOR_BINARY)	 ? "BINARY"
			  : (d->options & CURSOR_SCROLL) ? "SCROLL"
							 : "WITH HOLD");
		return;
	}
	if (d->query == NULL ||
	    d->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
		sql__fail(e, loc, "0A000",
			  "DECLARE CURSOR for a statement other than SELECT "
			  "is not supported");
		return;
	}
	if (d->query->select_stmt->into_clause != NULL) {
		sql__fail(e, loc, "0A000", "SELECT INTO is not supported");
		return;
	}
	sql__select(e, d->query->select_stmt);
	infer_columns(e, d->query->select_stmt);
}

/* FETCH [FORWARD | NEXT] [n | ALL] [FROM | IN] name.  A cursor only
 * moves forward (NO SCROLL, PostgreSQL's default for most queries). */
static void translate_fetch(struct sql__emit *e, const PgQuery__FetchStmt *f,
			    int loc)
{
	struct sql_stmt *st = e->stmt;
	st->kind = SQL_FETCH;
	st->tag = f->ismove ? "MOVE" : "FETCH";
	st->counted = true;
	st->name = tr_arena_strdup(e->a, f->portalname);
	st->fetch_count = f->how_many;
	if (f->ismove) {
		sql__fail(e, loc, "0A000", "MOVE is not supported");
		return;
	}
	if (f->direction != PG_QUERY__FETCH_DIRECTION__FETCH_FORWARD ||
	    f->how_many <= 0) {
		sql__fail(e, loc, "0A000",
			  "FETCH other than FORWARD n or ALL is not supported "
			  "(cursors are NO SCROLL)");
		return;
	}
}

/* The set_config call that is @s's only item, or NULL: SELECT
 * [pg_catalog.]set_config(...) [AS x] and nothing else. */
static const PgQuery__FuncCall *lone_set_config(const PgQuery__SelectStmt *s)
{
	if (s->n_target_list != 1 || s->n_from_clause > 0 ||
	    s->where_clause != NULL || s->n_group_clause > 0 ||
	    s->having_clause != NULL || s->n_sort_clause > 0 ||
	    s->limit_count != NULL || s->limit_offset != NULL ||
	    s->n_distinct_clause > 0 || s->with_clause != NULL ||
	    s->n_values_lists > 0 || s->into_clause != NULL ||
	    s->op != PG_QUERY__SET_OPERATION__SETOP_NONE) {
		return NULL;
	}
	const Node *v = s->target_list[0]->res_target->val;
	if (v == NULL || v->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
		return NULL;
	}
	const PgQuery__FuncCall *f = v->func_call;
	const char *name = sql__str(f->funcname[f->n_funcname - 1]);
	const char *schema = f->n_funcname == 2 ? sql__str(f->funcname[0])
						: "pg_catalog";
	if (f->n_funcname > 2 || name == NULL || schema == NULL ||
	    strcmp(name, "set_config") != 0 ||
	    strcmp(schema, "pg_catalog") != 0 || f->over != NULL) {
		return NULL;
	}
	return f;
}

/*
 * SELECT set_config(name, value, is_local), what pg_dump's scripts begin
 * with: a SET that answers with the new value.  Settings live in the
 * session, so only this form is run (with constant arguments).
 */
static bool translate_set_config(struct sql__emit *e,
				 const PgQuery__SelectStmt *s, int loc)
{
	const PgQuery__FuncCall *f = lone_set_config(s);
	if (f == NULL) {
		return false;
	}
	struct sql_stmt *st = e->stmt;
	const Node *const *a = (const Node *const *)f->args;
	if (f->n_args != 3 ||
	    !sql__is_const(a[0], PG_QUERY__A__CONST__VAL_SVAL) ||
	    !(sql__is_const(a[1], PG_QUERY__A__CONST__VAL_SVAL) ||
	      (a[1]->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	       a[1]->a_const->isnull)) ||
	    !sql__is_const(a[2], PG_QUERY__A__CONST__VAL_BOOLVAL)) {
		sql__fail(e, f->location, "0A000",
			  "set_config is supported only as SELECT "
			  "set_config('name', 'value', true|false)");
		return true;
	}
	const char *res = s->target_list[0]->res_target->name;
	st->kind = SQL_SET;
	st->tag = "SELECT";
	st->name = guc_name(e->a, a[0]->a_const->sval->sval);
	st->value = a[1]->a_const->isnull
			    ? NULL
			    : tr_arena_strdup(e->a, a[1]->a_const->sval->sval);
	st->is_local = a[2]->a_const->boolval->boolval;
	st->set_column = tr_arena_strdup(e->a,
					 res[0] != '\0' ? res : "set_config");
	if (st->name == NULL || st->set_column == NULL ||
	    (st->value == NULL && !a[1]->a_const->isnull)) {
		sql__fail(e, loc, "53200", "out of memory");
	}
	return true;
}

/*
 * LOCK [TABLE] t [, ...] [IN mode MODE] [NOWAIT]: a database's writers
 * take one write lock, stronger than every table lock mode, held to the
 * end of the transaction; so the statement takes it, with a write that
 * changes nothing and checks that each table exists.  (NOWAIT still
 * waits for that lock.)
 */
static void translate_lock(struct sql__emit *e, const PgQuery__LockStmt *s)
{
	for (size_t i = 0; i < s->n_relations; i++) {
		const Node *r = s->relations[i];
		if (r->node_case != PG_QUERY__NODE__NODE_RANGE_VAR) {
			sql__fail(e, -1, "0A000",
				  "this LOCK form is not supported");
			return;
		}
		sql__put(e, i > 0 ? "; DELETE FROM " : "DELETE FROM ");
		sql__relation(e, r->range_var);
		sql__put(e, " WHERE 0");
	}
}

/* The command tag of INSERT, UPDATE or DELETE statement @n. */
static const char *dml_tag(const Node *n)
{
	return n->node_case == PG_QUERY__NODE__NODE_INSERT_STMT	  ? "INSERT"
	       : n->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT ? "UPDATE"
								  : "DELETE";
}

static void translate(struct sql__emit *e, const Node *n, int loc)
{
	struct sql_stmt *st = e->stmt;
	st->kind = SQL_EXEC;
	Node filled;
	if (n->node_case == PG_QUERY__NODE__NODE_INSERT_STMT) {
		/* VALUES shorter than the table: its leading columns. */
		filled = *n;
		filled.insert_stmt = (PgQuery__InsertStmt *)sql__insert_fill(
			e, n->insert_stmt);
		n = &filled;
		sql__insert_counts(e, n->insert_stmt);
	}
	if (sql__with_has_dml(n)) {
		/* INSERT/UPDATE/DELETE in WITH: a plan (returning.c). */
		bool sel = n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT;
		st->kind = sel || has_returning(n) ? SQL_QUERY : SQL_EXEC;
		st->tag = sel ? "SELECT" : dml_tag(n);
		st->writes = true;
		st->counted = true;
		const PgQuery__SelectStmt *shape = sql__with_dml(e, n, loc);
		if (shape != NULL) {
			infer_columns(e, shape);
		}
		return;
	}
	if (has_returning(n)) {
		/* Emulated (returning.c): rows come back, so a query. */
		st->kind = SQL_QUERY;
		st->tag = dml_tag(n);
		st->writes = true;
		st->counted = true;
		const PgQuery__SelectStmt *shape = sql__returning(e, n, loc);
		if (shape != NULL) {
			infer_columns(e, shape);
		}
		return;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		if (translate_set_config(e, n->select_stmt, loc)) {
			return;
		}
		st->kind = SQL_QUERY;
		st->tag = "SELECT";
		st->counted = true;
		if (n->select_stmt->into_clause != NULL) {
			sql__fail(e, loc, "0A000",
				  "SELECT INTO is not supported");
			return;
		}
		sql__select(e, n->select_stmt);
		infer_columns(e, n->select_stmt);
		if (e->seq_writes && !e->catalog) {
			sql__seq_select_plan(e, loc); /* nextval() writes */
		}
		return;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		st->tag = "INSERT";
		st->writes = st->counted = true;
		if (!sql__upsert_plan(e, n->insert_stmt, loc)) {
			sql__insert(e, n->insert_stmt);
		}
		return;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		st->tag = "UPDATE";
		st->writes = st->counted = true;
		sql__update(e, n->update_stmt);
		return;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		st->tag = "DELETE";
		st->writes = st->counted = true;
		sql__delete(e, n->delete_stmt);
		return;
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		st->tag = "CREATE TABLE";
		st->writes = st->ddl = true;
		sql__create_table(e, n->create_stmt);
		sql__enum_verify(e); /* enum.c */
		return;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		st->tag = "CREATE INDEX";
		st->writes = st->ddl = true;
		sql__create_index(e, n->index_stmt);
		return;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		st->tag = "CREATE VIEW";
		st->writes = st->ddl = true;
		sql__create_view(e, n->view_stmt);
		return;
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		st->tag = "CREATE SEQUENCE";
		st->writes = st->ddl = true;
		sql__create_sequence(e, n->create_seq_stmt);
		return;
	case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT:
		st->tag = "ALTER SEQUENCE";
		st->writes = st->ddl = true;
		sql__alter_sequence(e, n->alter_seq_stmt);
		return;
	case PG_QUERY__NODE__NODE_COMMENT_STMT:
		st->tag = "COMMENT";
		st->writes = st->ddl = true;
		sql__comment(e, n->comment_stmt);
		return;
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		st->tag = "CREATE TYPE";
		st->writes = st->ddl = true;
		sql__create_enum(e, n->create_enum_stmt);
		return;
	case PG_QUERY__NODE__NODE_DO_STMT:
		st->tag = "DO";
		st->writes = st->ddl = true;
		sql__do(e, n->do_stmt);
		return;
	case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
		st->tag = "ALTER TYPE";
		st->writes = st->ddl = true;
		sql__alter_enum(e, n->alter_enum_stmt); /* enum.c */
		return;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		if (n->drop_stmt->remove_type ==
		    PG_QUERY__OBJECT_TYPE__OBJECT_TYPE) {
			st->tag = "DROP TYPE";
			st->writes = st->ddl = true;
			sql__drop_type(e, n->drop_stmt);
			return;
		}
		if (n->drop_stmt->remove_type ==
		    PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE) {
			st->tag = "DROP SEQUENCE";
			st->writes = st->ddl = true;
			sql__drop_sequence(e, n->drop_stmt);
			return;
		}
		st->tag = drop_tag(n->drop_stmt->remove_type);
		st->writes = st->ddl = true;
		if (st->tag == NULL) {
			st->tag = "DROP";
			st->writes = st->ddl = false;
			sql__fail(e, loc, "0A000", "%s is not supported",
				  refused_name(e->a, n));
			return;
		}
		sql__drop(e, n->drop_stmt);
		return;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		st->tag = "ALTER TABLE";
		st->writes = st->ddl = true;
		sql__alter_table(e, n->alter_table_stmt);
		sql__enum_verify(e); /* enum.c */
		return;
	case PG_QUERY__NODE__NODE_ALTER_OWNER_STMT:
		st->tag = n->alter_owner_stmt->object_type ==
					  PG_QUERY__OBJECT_TYPE__OBJECT_TYPE
				  ? "ALTER TYPE"
				  : "ALTER";
		st->writes = true;
		sql__alter_owner(e, n->alter_owner_stmt);
		return;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		st->tag = "ALTER TABLE";
		st->writes = st->ddl = true;
		sql__rename(e, n->rename_stmt);
		return;
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		st->tag = "LOCK TABLE";
		st->writes = st->block_only = true;
		translate_lock(e, n->lock_stmt);
		return;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		st->tag = "TRUNCATE TABLE";
		st->writes = true;
		sql__truncate(e, n->truncate_stmt);
		return;
	case PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT:
		translate_declare(e, n->declare_cursor_stmt, loc);
		return;
	case PG_QUERY__NODE__NODE_FETCH_STMT:
		translate_fetch(e, n->fetch_stmt, loc);
		return;
	case PG_QUERY__NODE__NODE_CLOSE_PORTAL_STMT:
		st->kind = SQL_CLOSE;
		st->tag = "CLOSE CURSOR";
		st->name = n->close_portal_stmt->portalname != NULL &&
					   n->close_portal_stmt->portalname[0] != '\0'
				   ? tr_arena_strdup(e->a,
						     n->close_portal_stmt
							     ->portalname)
				   : NULL;
		return;
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		st->tag = n->vacuum_stmt->is_vacuumcmd ? "VACUUM" : "ANALYZE";
		st->writes = true;
		sql__vacuum(e, n->vacuum_stmt);
		return;
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
		translate_transaction(e, n->transaction_stmt, loc);
		return;
	case PG_QUERY__NODE__NODE_CREATEDB_STMT:
		sql__createdb(e, n->createdb_stmt, loc);
		return;
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
		sql__dropdb(e, n->dropdb_stmt, loc);
		return;
	case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
		translate_set(e, n->variable_set_stmt, loc);
		return;
	case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
		st->kind = SQL_SHOW;
		st->tag = "SHOW";
		st->name = guc_name(e->a, n->variable_show_stmt->name);
		return;
	case PG_QUERY__NODE__NODE_DISCARD_STMT:
		st->kind = SQL_DISCARD;
		switch (n->discard_stmt->target) {
		case PG_QUERY__DISCARD_MODE__DISCARD_PLANS:
			st->name = "plans";
			st->tag = "DISCARD PLANS";
			break;
		case PG_QUERY__DISCARD_MODE__DISCARD_SEQUENCES:
			st->name = "sequences";
			st->tag = "DISCARD SEQUENCES";
			break;
		case PG_QUERY__DISCARD_MODE__DISCARD_TEMP:
			st->name = "temp";
			st->tag = "DISCARD TEMP";
			break;
		default:
			st->name = "all";
			st->tag = "DISCARD ALL";
			break;
		}
		return;
	case PG_QUERY__NODE__NODE_COPY_STMT:
		sql__copy(e, n->copy_stmt, loc);
		if (!sql__failed(e) && n->copy_stmt->query != NULL) {
			infer_columns(e, n->copy_stmt->query->select_stmt);
		}
		return;
	case PG_QUERY__NODE__NODE_EXPLAIN_STMT:
		st->tag = "EXPLAIN";
		sql__fail(e, loc, "0A000", "EXPLAIN is not supported");
		return;
	default:
		st->tag = "";
		sql__fail(e, loc, "0A000", "%s is not supported",
			  refused_name(e->a, n));
		return;
	}
}

/* ---------------------------------------------------------------------
 * Entry point
 * ------------------------------------------------------------------- */

/*
 * The first pass met a system catalog: translate again in catalog mode
 * (pgcatalog_sql.c), from a clean statement, for the mirror.
 */
static void retranslate_for_catalog(struct sql__emit *e, const Node *n,
				    int loc)
{
	struct sql_stmt *st = e->stmt;
	const char *stmt_text = st->text;
	int location = st->location;
	memset(st, 0, sizeof *st);
	st->text = stmt_text;
	st->location = location;
	tr_buf_reset(&e->out);
	e->depth = 0;
	e->n_tmp = 0;
	e->catalog = true;
	translate(e, n, loc);
	st->catalog = st->kind == SQL_QUERY;
	if (!st->failed && st->kind != SQL_QUERY) {
		sql__fail(e, loc, "0A000",
			  "only queries may use the system catalogs");
	}
}

static int translate_one(struct tr_arena *a, const char *text,
			 const PgQuery__RawStmt *raw, struct sql_stmt *st)
{
	int loc = raw->stmt_location;
	size_t total = strlen(text);
	size_t len = raw->stmt_len > 0 ? (size_t)raw->stmt_len
				       : total - (size_t)loc;
	/* RawStmt starts right after the previous ';': skip blanks so the
	 * text and position point at the statement itself. */
	while (len > 0 && isspace((unsigned char)text[loc])) {
		loc++;
		len--;
	}
	memset(st, 0, sizeof *st);
	st->location = loc;
	st->text = tr_arena_strndup(a, text + loc, len);
	if (st->text == NULL) {
		return TR_ENOMEM;
	}
	struct sql__emit e = { .a = a, .query = text, .stmt = st };
	struct sql__scope scope;
	tr_buf_init(&e.out, 0);
	sql__scope_begin(&e, &scope);
	translate(&e, raw->stmt, loc);
	sql__scope_end(&e);
	if (e.saw_catalog) {
		retranslate_for_catalog(&e, raw->stmt, loc);
	}
	int rv = TR_OK;
	if (!st->failed && (st->kind == SQL_QUERY || st->kind == SQL_EXEC)) {
		rv = sql__params(&e, raw->stmt);
	}
	if (rv == TR_OK) {
		rv = tr_buf_err(&e.out);
	}
	if (rv == TR_OK && !st->failed && e.out.len > 0) {
		st->sqlite = tr_arena_strndup(a, (const char *)e.out.data,
					      e.out.len);
		if (st->sqlite == NULL) {
			rv = TR_ENOMEM;
		}
	}
	if (rv == TR_OK && !st->failed && st->kind == SQL_COPY_TO) {
		st->copy->select = st->sqlite;
	}
	if (st->failed) {
		st->sqlite = NULL;
		st->rebuild = NULL;
		st->n_cols = 0;
		st->cols = NULL;
		st->n_params = 0;
		st->params = NULL;
	}
	if (st->tag == NULL) {
		st->tag = "";
	}
	tr_buf_close(&e.out);
	return rv;
}

/*
 * PostgreSQL's parse of @text as a tree whose memory lives in @pa (the
 * caller closes it).  TR_ESQL with @err (42601 and the position) for a
 * syntax error; TR_ENOMEM.
 */
static int parse_tree(const char *text, struct tr_arena *pa,
		      PgQuery__ParseResult **tree, struct tr_arena *a,
		      struct sql_error *err)
{
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(text);
	if (r.error != NULL) {
		const char *m = r.error->message != NULL ? r.error->message
							 : "syntax error";
		sql_error_set(err, a, "42601", "%s", m);
		err->position = r.error->cursorpos;
		pg_query_free_protobuf_parse_result(r);
		return TR_ESQL;
	}
	ProtobufCAllocator alloc = {
		.alloc = arena_pb_alloc,
		.free = arena_pb_free,
		.allocator_data = pa,
	};
	*tree = pg_query__parse_result__unpack(
		&alloc, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
	pg_query_free_protobuf_parse_result(r);
	return *tree != NULL ? TR_OK : TR_ENOMEM;
}

int sql_parse(struct tr_arena *a, const char *text, struct sql_batch *out,
	      struct sql_error *err)
{
	out->n_stmts = 0;
	out->stmts = NULL;
	memset(err, 0, sizeof *err);
	struct tr_arena pa;
	tr_arena_init(&pa, 16384);
	PgQuery__ParseResult *tree;
	int rv = parse_tree(text, &pa, &tree, a, err);
	if (rv == TR_ESQL) {
		tr_arena_close(&pa);
		return rv;
	}
	if (rv != TR_OK) {
		goto done;
	}
	out->stmts = tr_arena_alloc(a,
				    (tree->n_stmts + 1) * sizeof *out->stmts);
	if (out->stmts == NULL) {
		rv = TR_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < tree->n_stmts; i++) {
		const PgQuery__RawStmt *raw = tree->stmts[i];
		if (raw->stmt == NULL) {
			continue;
		}
		rv = translate_one(a, text, raw, &out->stmts[out->n_stmts]);
		if (rv != TR_OK) {
			break;
		}
		out->n_stmts++;
	}
done:
	tr_arena_close(&pa);
	if (rv != TR_OK) {
		out->n_stmts = 0;
		sql_error_set(err, a, "53200", "out of memory");
	}
	return rv;
}

/* ---------------------------------------------------------------------
 * Result types with column types known (sql_infer_result_types)
 * ------------------------------------------------------------------- */

/* The SELECT of a query or of a DECLARE CURSOR; NULL for others. */
static const PgQuery__SelectStmt *query_of(const Node *n)
{
	if (n->node_case == PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT &&
	    n->declare_cursor_stmt->query != NULL) {
		n = n->declare_cursor_stmt->query;
	}
	return n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT
		       ? n->select_stmt
		       : NULL;
}

static bool is_star(const Node *v)
{
	return v != NULL && v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
	       v->column_ref->n_fields > 0 &&
	       v->column_ref->fields[v->column_ref->n_fields - 1]->node_case ==
		       PG_QUERY__NODE__NODE_A_STAR;
}

/* The types of @sel's select list with its FROM clause in scope. */
static int infer_targets(const PgQuery__SelectStmt *sel,
			 sql_column_type_fn lookup, void *ctx, unsigned n,
			 uint32_t *oids, int32_t *typmods)
{
	while (sel->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
	       sel->larg != NULL) {
		sel = sel->larg;
	}
	if (sel->n_target_list != n) {
		return TR_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_star(sel->target_list[i]->res_target->val)) {
			return TR_EINVAL;
		}
	}
	struct sql__scope sc;
	sql__scope_init(&sc, lookup, ctx, NULL);
	(void)sql__scope_open(&sc, sel->from_clause, sel->n_from_clause);
	sql__colres = &sc.res;
	for (size_t i = 0; i < n; i++) {
		int32_t tm;
		uint32_t t = sql__infer(sel->target_list[i]->res_target->val,
					&tm);
		if (t != 0) {
			oids[i] = t;
			typmods[i] = tm;
		}
	}
	sql__colres = NULL;
	return TR_OK;
}

int sql_infer_result_types(const struct sql_stmt *stmt,
			   sql_column_type_fn lookup, void *ctx, unsigned n,
			   uint32_t *oids, int32_t *typmods)
{
	if (stmt->text == NULL ||
	    (stmt->kind != SQL_QUERY && stmt->kind != SQL_DECLARE)) {
		return TR_EINVAL;
	}
	struct tr_arena pa;
	tr_arena_init(&pa, 16384);
	PgQuery__ParseResult *tree = NULL;
	struct sql_error err;
	int rv = parse_tree(stmt->text, &pa, &tree, &pa, &err);
	if (rv == TR_OK) {
		const PgQuery__SelectStmt *sel =
			tree->n_stmts == 1 && tree->stmts[0]->stmt != NULL
				? query_of(tree->stmts[0]->stmt)
				: NULL;
		rv = sel != NULL ? infer_targets(sel, lookup, ctx, n, oids,
						 typmods)
				 : TR_EINVAL;
	} else if (rv == TR_ESQL) {
		rv = TR_EINVAL;
	}
	tr_arena_close(&pa);
	return rv;
}
