/*
 * sql/sequence.c: PostgreSQL sequences on SQLite.
 *
 *   sql__create_sequence  CREATE SEQUENCE [IF NOT EXISTS] s [options]
 *   sql__drop_sequence    DROP SEQUENCE [IF EXISTS] s [, ...]
 *   sql__alter_sequence   ALTER SEQUENCE s options (a two-step statement:
 *                         the executor reads the schema, then
 *                         sql__alter_sequence_script writes the script)
 *   sql__seq_func         nextval, currval, setval, lastval in expressions
 *   sql__seq_select_plan  a query that calls nextval/setval, as a plan
 *   sql__sequence_register  the pg_nextval... C functions on a connection
 *
 * Storage.  A sequence is a row of the hidden table triode_sequences
 * (its state and options: what nextval reads and writes) plus a view of
 * the sequence's name over that row, so that the name lives in the
 * relation namespace as PostgreSQL's sequence does (a table of that name
 * cannot be made, `SELECT last_value, is_called FROM s` works) and so
 * that the catalog mirror, which is built from the DDL text, sees it.
 * The view's text ends with a comment holding the options
 * (/\*pg:sequence <type oid> <start> <increment> <min> <max> <cache>
 * <cycle>*\/), from which pg_class/pg_sequence rows are made.  ALTER
 * SEQUENCE rewrites row and view together.
 *
 * serial and identity columns get a sequence of their own,
 * "<table>_<column>_seq" made with the table (sql__seq_owned), and
 * DEFAULT nextval() of it; DROP TABLE drops it (rebuild.c).
 *
 * Tables made by older builds kept a serial or identity primary key as
 * an SQLite AUTOINCREMENT rowid alias.  Its sequence "<table>_<column>
 * _seq" is that AUTOINCREMENT counter (sqlite_sequence): nextval()
 * advances it past the table's largest id and returns the new value,
 * setval() sets it, so a value handed out by nextval() is never given to
 * a later INSERT that omits the id.
 *
 * Writes.  nextval and setval write, and dqlite replicates a write only
 * when it happens inside a statement sent with EXEC (a write inside a
 * QUERY is not replicated and breaks the node: dqlite-protocol.md §9).
 * The C functions therefore refuse to write unless a writing statement
 * is running on their connection.  INSERT/UPDATE (column defaults
 * included) are sent with EXEC already; a query that calls them becomes
 * a plan (kind SQL_RETURNING_SELECT): its rows are stored by an EXEC of
 * INSERT INTO triode_rows ... <query>, read back in order, and deleted,
 * inside one transaction under the write lock.
 *
 * Session state.  currval/lastval are per session in PostgreSQL; here
 * they are per SQLite connection (the leader connection of the session),
 * kept in memory owned by the connection's function registration.  A
 * leader change gives the session a new connection and forgets them.
 * Values are handed out transactionally: a rolled-back nextval gives its
 * value again (PostgreSQL never does).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

#define SEQ_TABLE_DDL                                                          \
	"CREATE TABLE IF NOT EXISTS triode_sequences (name text PRIMARY KEY, " \
	"last_value int8 NOT NULL, is_called bool NOT NULL, start_value "      \
	"int8 NOT NULL, increment_by int8 NOT NULL, min_value int8 NOT "       \
	"NULL, max_value int8 NOT NULL, cache_size int8 NOT NULL, cycle "      \
	"bool NOT NULL, type_oid int8 NOT NULL)"

/* Result columns a query calling nextval() may have (triode_rows). */
#define SEQ_MAX_COLS 64

/* ---------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------- */

static int64_t type_max(uint32_t oid)
{
	return oid == SQL_OID_INT2   ? INT16_MAX
	       : oid == SQL_OID_INT4 ? INT32_MAX
				     : INT64_MAX;
}

static int64_t type_min(uint32_t oid)
{
	return oid == SQL_OID_INT2   ? INT16_MIN
	       : oid == SQL_OID_INT4 ? INT32_MIN
				     : INT64_MIN;
}

/* A DefElem's numeric argument. */
static bool def_int(const Node *n, int64_t *v)
{
	if (n == NULL) {
		return false;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_INTEGER) {
		*v = n->integer->ival;
		return true;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_FLOAT &&
	    n->float_->fval != NULL) {
		char *end;
		errno = 0;
		long long x = strtoll(n->float_->fval, &end, 10);
		if (errno != 0 || *end != '\0') {
			return false;
		}
		*v = x;
		return true;
	}
	return false;
}

/* OWNED BY [public.]table.column | NONE into @d: false after failing
 * @e. */
static bool owned_by(struct sql__emit *e, const PgQuery__DefElem *x,
		     struct sql_seq_alter *d)
{
	const PgQuery__List *l =
		x->arg != NULL && x->arg->node_case == PG_QUERY__NODE__NODE_LIST
			? x->arg->list
			: NULL;
	size_t n = l != NULL ? l->n_items : 0;
	d->owned = true;
	d->owned_table = d->owned_column = NULL;
	if (n == 1 && sql__str(l->items[0]) != NULL &&
	    strcmp(sql__str(l->items[0]), "none") == 0) {
		return true;
	}
	if (n < 2) {
		sql__fail(e, x->location, "42601", "invalid OWNED BY option");
		e->stmt->error.hint = "Specify OWNED BY table.column or OWNED "
				      "BY NONE.";
		return false;
	}
	if (n > 3) {
		sql__fail(e, x->location, "42601", "improper qualified name");
		return false;
	}
	if (n == 3) {
		const char *schema = sql__str(l->items[0]);
		if (schema == NULL || strcmp(schema, "public") != 0) {
			sql__fail(e, x->location, "3F000",
				  "schema \"%s\" does not exist",
				  schema != NULL ? schema : "");
			return false;
		}
	}
	const char *t = sql__str(l->items[n - 2]);
	const char *c = sql__str(l->items[n - 1]);
	d->owned_table = t != NULL ? tr_arena_strdup(e->a, t) : NULL;
	d->owned_column = c != NULL ? tr_arena_strdup(e->a, c) : NULL;
	if (d->owned_table == NULL || d->owned_column == NULL) {
		sql__fail(e, x->location, "53200", "out of memory");
		return false;
	}
	return true;
}

/* A DefElem list of CREATE/ALTER SEQUENCE, parsed: false after failing
 * @e. */
static bool parse_options(struct sql__emit *e, Node *const *opts, size_t n,
			  struct sql_seq_alter *d, bool identity)
{
	for (size_t i = 0; i < n; i++) {
		if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) {
			continue;
		}
		const PgQuery__DefElem *x = opts[i]->def_elem;
		const char *name = x->defname;
		int64_t v = 0;
		int loc = x->location;
		if (strcmp(name, "as") == 0) {
			if (x->arg == NULL ||
			    x->arg->node_case !=
				    PG_QUERY__NODE__NODE_TYPE_NAME) {
				sql__fail(e, loc, "42601", "invalid AS type");
				return false;
			}
			int32_t typmod;
			int mods[2];
			const struct sql__type *t = sql__type_resolve(
				e, x->arg->type_name, &typmod, mods);
			if (t == NULL) {
				return false;
			}
			if (t->oid != SQL_OID_INT2 && t->oid != SQL_OID_INT4 &&
			    t->oid != SQL_OID_INT8) {
				sql__fail(e, loc, "22023",
					  "sequence type must be smallint, "
					  "integer, or bigint");
				return false;
			}
			d->type = t->oid;
			d->has_type = true;
			continue;
		}
		if (strcmp(name, "cycle") == 0) {
			d->has_cycle = true;
			d->cycle = x->arg == NULL ||
				   (x->arg->node_case ==
					    PG_QUERY__NODE__NODE_BOOLEAN &&
				    x->arg->boolean->boolval) ||
				   (x->arg->node_case ==
					    PG_QUERY__NODE__NODE_INTEGER &&
				    x->arg->integer->ival != 0);
			continue;
		}
		if (strcmp(name, "owned_by") == 0) {
			if (!owned_by(e, x, d)) {
				return false;
			}
			continue;
		}
		if (strcmp(name, "sequence_name") == 0 && identity) {
			continue; /* ddl.c reads it */
		}
		if (strcmp(name, "sequence_name") == 0) {
			sql__fail(e, loc, "42601",
				  "invalid sequence option SEQUENCE NAME");
			return false;
		}
		if (strcmp(name, "restart") == 0) {
			d->restart = true;
			d->restart_to = INT64_MIN;
			if (x->arg != NULL &&
			    !def_int(x->arg, &d->restart_to)) {
				sql__fail(e, loc, "22023",
					  "RESTART requires a numeric value");
				return false;
			}
			continue;
		}
		bool absent = x->arg == NULL;
		if (!absent && !def_int(x->arg, &v)) {
			sql__fail(e, loc, "22023",
				  "%s requires a numeric value", name);
			return false;
		}
		if (strcmp(name, "increment") == 0) {
			if (v == 0) {
				sql__fail(e, loc, "22023",
					  "INCREMENT must not be zero");
				return false;
			}
			d->inc = v;
			d->has_inc = true;
		} else if (strcmp(name, "minvalue") == 0) {
			d->no_min = absent;
			d->has_min = !absent;
			d->min = v;
		} else if (strcmp(name, "maxvalue") == 0) {
			d->no_max = absent;
			d->has_max = !absent;
			d->max = v;
		} else if (strcmp(name, "start") == 0) {
			d->start = v;
			d->has_start = true;
		} else if (strcmp(name, "cache") == 0) {
			if (v <= 0) {
				sql__fail(e, loc, "22023",
					  "CACHE (%" PRId64
					  ") must be greater than zero",
					  v);
				return false;
			}
			d->cache = v;
			d->has_cache = true;
		} else {
			sql__fail(e, loc, "42601",
				  "option \"%s\" not recognized", name);
			return false;
		}
	}
	return true;
}

/*
 * Apply @d to @o as PostgreSQL's init_params does: for CREATE (@create,
 * @o holds nothing yet) or ALTER SEQUENCE (@o holds the current
 * options).  false with @err filled (in @a) for inconsistent options.
 */
static bool resolve_options(const struct sql_seq_alter *d, bool create,
			    struct sql__seqopts *o, struct tr_arena *a,
			    struct sql_error *err)
{
	if (create) {
		o->type = SQL_OID_INT8;
		o->inc = 1;
		o->cache = 1;
		o->cycle = false;
	}
	if (d->has_type) {
		o->type = d->type;
	}
	if (d->has_inc) {
		o->inc = d->inc;
	}
	if (d->has_cache) {
		o->cache = d->cache;
	}
	if (d->has_cycle) {
		o->cycle = d->cycle;
	}
	if (d->has_max) {
		o->max = d->max;
	} else if (create || d->has_type || d->no_max) {
		o->max = o->inc > 0 ? type_max(o->type) : -1;
	}
	if (d->has_min) {
		o->min = d->min;
	} else if (create || d->has_type || d->no_min) {
		o->min = o->inc > 0 ? 1 : type_min(o->type);
	}
	const char *tname = o->type == SQL_OID_INT2   ? "smallint"
			    : o->type == SQL_OID_INT4 ? "integer"
						      : "bigint";
	if (o->max > type_max(o->type)) {
		sql_error_set(err, a, "22023",
			      "MAXVALUE (%" PRId64 ") is out of range for "
			      "sequence data type %s",
			      o->max, tname);
		return false;
	}
	if (o->min < type_min(o->type)) {
		sql_error_set(err, a, "22023",
			      "MINVALUE (%" PRId64 ") is out of range for "
			      "sequence data type %s",
			      o->min, tname);
		return false;
	}
	if (o->min >= o->max) {
		sql_error_set(err, a, "22023",
			      "MINVALUE (%" PRId64
			      ") must be less than MAXVALUE (%" PRId64 ")",
			      o->min, o->max);
		return false;
	}
	if (d->has_start) {
		o->start = d->start;
	} else if (create) {
		o->start = o->inc > 0 ? o->min : o->max;
	}
	if (o->start < o->min) {
		sql_error_set(err, a, "22023",
			      "START value (%" PRId64
			      ") cannot be less than MINVALUE (%" PRId64 ")",
			      o->start, o->min);
		return false;
	}
	if (o->start > o->max) {
		sql_error_set(err, a, "22023",
			      "START value (%" PRId64
			      ") cannot be greater than MAXVALUE (%" PRId64 ")",
			      o->start, o->max);
		return false;
	}
	if (d->restart && d->restart_to != INT64_MIN) {
		if (d->restart_to < o->min) {
			sql_error_set(err, a, "22023",
				      "RESTART value (%" PRId64
				      ") cannot be less than MINVALUE (%" PRId64
				      ")",
				      d->restart_to, o->min);
			return false;
		}
		if (d->restart_to > o->max) {
			sql_error_set(err, a, "22023",
				      "RESTART value (%" PRId64
				      ") cannot be greater than MAXVALUE "
				      "(%" PRId64 ")",
				      d->restart_to, o->max);
			return false;
		}
	}
	return true;
}

bool sql__seq_marker(const char *sql, struct sql__seqopts *o)
{
	const char *p = sql != NULL ? strstr(sql, "/*pg:sequence ") : NULL;
	if (p == NULL) {
		return false;
	}
	long long v[7];
	if (sscanf(p + 14, "%lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6]) != 7) {
		return false;
	}
	o->type = (uint32_t)v[0];
	o->start = v[1];
	o->inc = v[2];
	o->min = v[3];
	o->max = v[4];
	o->cache = v[5];
	o->cycle = v[6] != 0;
	return true;
}

static void put_hex(struct tr_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		tr_buf_printf(b, "%02x", *p);
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
				      : -1;
}

/* Hex digits at *@p into @out (NUL-terminated); *@p moves past them. */
static bool get_hex(const char **p, char *out, size_t cap)
{
	size_t n = 0;
	const char *q = *p;
	while (hexval(q[0]) >= 0 && hexval(q[1]) >= 0) {
		if (n + 1 >= cap) {
			return false;
		}
		out[n++] = (char)(hexval(q[0]) * 16 + hexval(q[1]));
		q += 2;
	}
	out[n] = '\0';
	*p = q;
	return n > 0;
}

bool sql__seq_owner(const char *sql, char *table, size_t table_cap,
		    char *column, size_t column_cap)
{
	const char *p = sql != NULL ? strstr(sql, "/*pg:owned ") : NULL;
	if (p == NULL) {
		return false;
	}
	p += 11;
	if (!get_hex(&p, table, table_cap) || *p++ != ' ') {
		return false;
	}
	return get_hex(&p, column, column_cap) && *p == '*';
}

/* The view that names sequence @name, with @o in its marker, and the
 * column it is OWNED BY (PostgreSQL's pg_depend 'a' entry) in a second
 * marker, /\*pg:owned <hex table> <hex column>*\/, when @owner_table is
 * not NULL. */
static void put_view(struct tr_buf *b, const char *name,
		     const struct sql__seqopts *o, bool if_not_exists,
		     const char *owner_table, const char *owner_column)
{
	tr_buf_printf(b, "CREATE VIEW %s",
		      if_not_exists ? "IF NOT EXISTS " : "");
	sql__ident_buf(b, name);
	tr_buf_printf(b, " AS SELECT last_value, 0 AS log_cnt, is_called FROM "
			 "triode_sequences WHERE name = ");
	sql__string_buf(b, name);
	tr_buf_printf(b,
		      " /*pg:sequence %u %" PRId64 " %" PRId64 " %" PRId64
		      " %" PRId64 " %" PRId64 " %d*/",
		      o->type, o->start, o->inc, o->min, o->max, o->cache,
		      o->cycle ? 1 : 0);
	if (owner_table != NULL && owner_column != NULL) {
		tr_buf_put_str(b, " /*pg:owned ");
		put_hex(b, owner_table);
		tr_buf_put_str(b, " ");
		put_hex(b, owner_column);
		tr_buf_put_str(b, "*/");
	}
}

/* The sequence's name from a RangeVar (schema public only). */
static const char *seq_name(struct sql__emit *e, const PgQuery__RangeVar *rv)
{
	if (rv == NULL || rv->relname == NULL || rv->relname[0] == '\0') {
		sql__fail(e, -1, "42601", "expected a sequence name");
		return NULL;
	}
	if (rv->schemaname != NULL && rv->schemaname[0] != '\0' &&
	    strcmp(rv->schemaname, "public") != 0) {
		sql__fail(e, rv->location, "3F000",
			  "schema \"%s\" does not exist", rv->schemaname);
		return NULL;
	}
	if (rv->relpersistence != NULL &&
	    strcmp(rv->relpersistence, "t") == 0) {
		sql__fail(e, rv->location, "0A000",
			  "temporary sequences are not supported");
		return NULL;
	}
	return rv->relname;
}

void sql__create_sequence(struct sql__emit *e, const PgQuery__CreateSeqStmt *s)
{
	const char *name = seq_name(e, s->sequence);
	if (name == NULL) {
		return;
	}
	struct sql_seq_alter d = { .name = name };
	struct sql__seqopts o = { .type = SQL_OID_INT8 };
	struct sql_error err = { .position = 0 };
	if (!parse_options(e, s->options, s->n_options, &d, false)) {
		return;
	}
	if (d.restart) {
		sql__fail(e, -1, "42601", "RESTART is for ALTER SEQUENCE");
		return;
	}
	if (!resolve_options(&d, true, &o, e->a, &err)) {
		sql__fail(e, -1, err.sqlstate, "%s", err.message);
		return;
	}
	/* View first: an existing relation of that name stops it all. */
	struct tr_buf *b = &e->out;
	put_view(b, name, &o, s->if_not_exists, d.owned_table, d.owned_column);
	tr_buf_printf(b,
		      "; " SEQ_TABLE_DDL "; INSERT %sINTO triode_sequences "
		      "VALUES (",
		      s->if_not_exists ? "OR IGNORE " : "");
	sql__string_buf(b, name);
	tr_buf_printf(b,
		      ", %" PRId64 ", 0, %" PRId64 ", %" PRId64 ", %" PRId64
		      ", %" PRId64 ", %" PRId64 ", %d, %u)",
		      o.start, o.start, o.inc, o.min, o.max, o.cache,
		      o.cycle ? 1 : 0, o.type);
	if (d.owned_table != NULL) {
		/* The column must exist: 42P01 / 42703 from SQLite. */
		tr_buf_put_str(b, "; SELECT ");
		sql__ident_buf(b, d.owned_column);
		tr_buf_put_str(b, " FROM ");
		sql__ident_buf(b, d.owned_table);
		tr_buf_put_str(b, " LIMIT 0");
	}
}

bool sql__seq_owned(struct sql__emit *e, struct tr_buf *b, const char *name,
		    uint32_t type, Node *const *opts, size_t n_opts)
{
	struct sql_seq_alter d = { .name = name };
	struct sql__seqopts o = { .type = SQL_OID_INT8 };
	struct sql_error err = { .position = 0 };
	if (!parse_options(e, opts, n_opts, &d, true)) {
		return false;
	}
	if (d.restart) {
		sql__fail(e, -1, "42601", "RESTART is for ALTER SEQUENCE");
		return false;
	}
	/* The column's type, whatever AS says (PostgreSQL: the same). */
	d.type = type;
	d.has_type = true;
	if (!resolve_options(&d, true, &o, e->a, &err)) {
		sql__fail(e, -1, err.sqlstate, "%s", err.message);
		return false;
	}
	tr_buf_put_str(b, "; ");
	put_view(b, name, &o, false, NULL, NULL);
	tr_buf_printf(b, "; " SEQ_TABLE_DDL "; INSERT INTO triode_sequences "
			 "VALUES (");
	sql__string_buf(b, name);
	tr_buf_printf(b,
		      ", %" PRId64 ", 0, %" PRId64 ", %" PRId64 ", %" PRId64
		      ", %" PRId64 ", %" PRId64 ", %d, %u)",
		      o.start, o.start, o.inc, o.min, o.max, o.cache,
		      o.cycle ? 1 : 0, o.type);
	return true;
}

void sql__seq_restart_owned(struct sql__emit *e, const char *table)
{
	/* An owned sequence is named in its column's DEFAULT just before
	 * the /\*pg-seq*\/ marker (ddl.c).  (Older tables' AUTOINCREMENT
	 * counters are not reset: sqlite_sequence may not exist.) */
	tr_buf_printf(&e->out, "; " SEQ_TABLE_DDL "; UPDATE triode_sequences "
			       "SET last_value = start_value, is_called = 0 "
			       "WHERE instr((SELECT sql FROM sqlite_schema "
			       "WHERE type = 'table' AND name = ");
	sql__string(e, table);
	sql__put(e, "), 'pg_nextval(' || quote(name) || ')) /*pg-seq ') > 0");
}

void sql__drop_sequence(struct sql__emit *e, const PgQuery__DropStmt *s)
{
	struct tr_buf *b = &e->out;
	tr_buf_printf(b, SEQ_TABLE_DDL);
	for (size_t i = 0; i < s->n_objects; i++) {
		const char *name = sql__drop_name(e, s->objects[i]);
		if (name == NULL) {
			return;
		}
		tr_buf_printf(b, "; DROP VIEW %s",
			      s->missing_ok ? "IF EXISTS " : "");
		sql__ident_buf(b, name);
		tr_buf_printf(b,
			      "; DELETE FROM triode_sequences WHERE name = ");
		sql__string_buf(b, name);
	}
}

void sql__alter_sequence(struct sql__emit *e, const PgQuery__AlterSeqStmt *s)
{
	const char *name = seq_name(e, s->sequence);
	if (name == NULL) {
		return;
	}
	/* The options are parsed now (syntax errors come before any
	 * work); they are checked against the current ones in
	 * sql__alter_sequence_script, once the executor has read them. */
	struct sql_seq_alter *x = tr_arena_alloc(e->a, sizeof *x);
	struct sql_rebuild *r = tr_arena_alloc(e->a, sizeof *r);
	if (x == NULL || r == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return;
	}
	memset(r, 0, sizeof *r);
	memset(x, 0, sizeof *x);
	if (!parse_options(e, s->options, s->n_options, x, false)) {
		return;
	}
	x->name = tr_arena_strdup(e->a, name);
	x->missing_ok = s->missing_ok;
	r->table = x->name;
	r->sequence = x;
	e->stmt->rebuild = r;
}

int sql__alter_sequence_script(struct tr_arena *a, const struct sql_rebuild *r,
			       unsigned n_objs,
			       const struct sql_schema_obj *objs,
			       const char **script, struct sql_error *err)
{
	const struct sql_seq_alter *x = r->sequence;
	const struct sql_schema_obj *view = NULL;
	struct sql__seqopts o;
	for (unsigned i = 0; i < n_objs; i++) {
		if (strcmp(objs[i].name, x->name) == 0) {
			view = &objs[i];
		}
	}
	if (view == NULL || strcmp(view->type, "view") != 0 ||
	    !sql__seq_marker(view->sql, &o)) {
		if (view == NULL && x->missing_ok) {
			*script = SEQ_TABLE_DDL; /* nothing to do */
			return TR_OK;
		}
		if (view == NULL) {
			sql_error_set(err, a, "42P01",
				      "relation \"%s\" does not exist",
				      x->name);
		} else {
			sql_error_set(err, a, "42809",
				      "\"%s\" is not a sequence", x->name);
		}
		return TR_ESQL;
	}
	if (!resolve_options(x, false, &o, a, err)) {
		return TR_ESQL;
	}
	/* OWNED BY: kept unless the statement changes it. */
	char ot[256];
	char oc[256];
	const char *owner_table = NULL;
	const char *owner_column = NULL;
	const char *extra = NULL;
	if (sql__seq_owner(view->sql, ot, sizeof ot, oc, sizeof oc)) {
		owner_table = ot;
		owner_column = oc;
	}
	if (x->owned) {
		owner_table = x->owned_table;
		owner_column = x->owned_column;
	}
	if (x->owned && owner_table != NULL) {
		int orv = sql__seq_owned_by(a, x->name, owner_table,
					    owner_column, n_objs, objs, &extra,
					    err);
		if (orv != TR_OK) {
			return orv;
		}
	}
	struct tr_buf buf;
	struct tr_buf *b = &buf;
	int rv = TR_OK;
	tr_buf_init(b, 0);
	tr_buf_printf(b, "DROP VIEW ");
	sql__ident_buf(b, x->name);
	tr_buf_printf(b, "; ");
	put_view(b, x->name, &o, false, owner_table, owner_column);
	tr_buf_printf(b,
		      "; UPDATE triode_sequences SET start_value = %" PRId64
		      ", increment_by = %" PRId64 ", min_value = %" PRId64
		      ", max_value = %" PRId64 ", cache_size = %" PRId64
		      ", cycle = %d, type_oid = %u",
		      o.start, o.inc, o.min, o.max, o.cache, o.cycle ? 1 : 0,
		      o.type);
	if (x->restart) {
		tr_buf_printf(b, ", last_value = %" PRId64 ", is_called = 0",
			      x->restart_to != INT64_MIN ? x->restart_to
							 : o.start);
	}
	tr_buf_printf(b, " WHERE name = ");
	sql__string_buf(b, x->name);
	if (extra != NULL) {
		tr_buf_printf(b, "; %s", extra);
	}
	if (tr_buf_err(b) != TR_OK) {
		rv = TR_ENOMEM;
		goto done;
	}
	*script = tr_arena_strndup(a, (const char *)b->data, b->len);
	if (*script == NULL) {
		rv = TR_ENOMEM;
	}
done:
	tr_buf_close(b);
	return rv;
}

/* ---------------------------------------------------------------------
 * nextval & co. in expressions
 * ------------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *to;
	int min, max;
	bool writes;
} seq_funcs[] = {
	{ "nextval", "pg_nextval", 1, 1, true },
	{ "currval", "pg_currval", 1, 1, false },
	{ "setval", "pg_setval", 2, 3, true },
	{ "lastval", "pg_lastval", 0, 0, false },
};

uint32_t sql__seq_func_type(const char *name)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(seq_funcs); i++) {
		if (strcmp(seq_funcs[i].name, name) == 0) {
			return SQL_OID_INT8;
		}
	}
	return 0;
}

/* pg_get_serial_sequence('t', 'c') with constants: the name itself
 * (nextval's argument must not send the query to the catalog mirror). */
static bool serial_sequence_arg(struct sql__emit *e, const Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
		return false;
	}
	const PgQuery__FuncCall *fc = n->func_call;
	const char *fname = sql__str(fc->funcname[fc->n_funcname - 1]);
	if (fname == NULL || strcmp(fname, "pg_get_serial_sequence") != 0 ||
	    fc->n_args != 2) {
		return false;
	}
	const char *s[2];
	for (int i = 0; i < 2; i++) {
		const Node *a = fc->args[i];
		if (a->node_case != PG_QUERY__NODE__NODE_A_CONST ||
		    a->a_const->val_case != PG_QUERY__A__CONST__VAL_SVAL) {
			return false;
		}
		s[i] = a->a_const->sval->sval;
	}
	const char *table = s[0];
	if (strncmp(table, "public.", 7) == 0) {
		table += 7;
	}
	char *name = tr_arena_printf(e->a, "public.%s_%s_seq", table, s[1]);
	char *q = name != NULL ? sql__pg_quote_ident(name + 7) : NULL;
	if (q == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return true;
	}
	const char *full = tr_arena_printf(e->a, "public.%s", q);
	sqlite3_free(q);
	if (full == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return true;
	}
	sql__string(e, full);
	return true;
}

/* 'name'::regclass (pg_dump's nextval('public.t_id_seq'::regclass)):
 * the sequence's name, as a DEFAULT made by serial stores it.  The cast
 * is not a catalog lookup here: pg_nextval resolves the name when it
 * runs (42P01 if there is no such sequence). */
static bool regclass_arg(struct sql__emit *e, const Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_TYPE_CAST) {
		return false;
	}
	const PgQuery__TypeCast *tc = n->type_cast;
	const PgQuery__TypeName *tn = tc->type_name;
	const Node *arg = tc->arg;
	if (tn == NULL || tn->n_names == 0 || tn->n_array_bounds > 0 ||
	    arg == NULL || arg->node_case != PG_QUERY__NODE__NODE_A_CONST ||
	    arg->a_const->val_case != PG_QUERY__A__CONST__VAL_SVAL) {
		return false;
	}
	const char *type = sql__str(tn->names[tn->n_names - 1]);
	if (type == NULL || strcmp(type, "regclass") != 0) {
		return false;
	}
	char name[256];
	const char *text = arg->a_const->sval->sval;
	/* A name pg_nextval cannot read either is left for it to refuse. */
	sql__string(e,
		    sql__seq_parse_name(text, name, sizeof name) ? name : text);
	return true;
}

bool sql__seq_func(struct sql__emit *e, const PgQuery__FuncCall *fc,
		   const char *name)
{
	size_t i;
	for (i = 0; i < TR_ARRAY_LEN(seq_funcs); i++) {
		if (strcmp(seq_funcs[i].name, name) == 0) {
			break;
		}
	}
	if (i == TR_ARRAY_LEN(seq_funcs)) {
		return false;
	}
	int nargs = (int)fc->n_args;
	if (nargs < seq_funcs[i].min || nargs > seq_funcs[i].max ||
	    fc->agg_star || fc->agg_distinct || fc->over != NULL ||
	    fc->agg_filter != NULL) {
		sql__fail(e, fc->location, "42883",
			  "function %s with %d arguments does not exist", name,
			  nargs);
		return true;
	}
	if (seq_funcs[i].writes) {
		e->seq_writes = true;
	}
	sql__put(e, seq_funcs[i].to);
	sql__put(e, "(");
	for (size_t k = 0; k < fc->n_args; k++) {
		if (k > 0) {
			sql__put(e, ", ");
		}
		if (k == 0 && (serial_sequence_arg(e, fc->args[k]) ||
			       regclass_arg(e, fc->args[k]))) {
			continue;
		}
		sql__expr(e, fc->args[k]);
	}
	sql__put(e, ")");
	return true;
}

/* Highest ?N in SQLite text @s, outside literals and quoted names. */
static unsigned max_param(const char *s)
{
	unsigned max = 0;
	char q = 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (q != 0) {
			if (*p == q) {
				q = 0;
			}
			continue;
		}
		if (*p == '\'' || *p == '"' || *p == '`' || *p == '[') {
			q = *p == '[' ? ']' : *p;
			continue;
		}
		if (*p == '?' && isdigit((unsigned char)p[1])) {
			unsigned long v = strtoul(p + 1, NULL, 10);
			if (v > max && v < 100000) {
				max = (unsigned)v;
			}
		}
	}
	return max;
}

void sql__seq_select_plan(struct sql__emit *e, int loc)
{
	struct sql_stmt *st = e->stmt;
	if (sql__failed(e) || tr_buf_err(&e->out) != TR_OK) {
		return;
	}
	if (st->cols == NULL || st->n_cols == 0) {
		sql__fail(e, loc, "0A000",
			  "nextval() or setval() in a query whose columns "
			  "are not listed (SELECT *) is not supported");
		return;
	}
	if (st->n_cols > SEQ_MAX_COLS) {
		sql__fail(e, loc, "0A000",
			  "nextval() or setval() in a query of more than %d "
			  "columns is not supported",
			  SEQ_MAX_COLS);
		return;
	}
	struct sql_returning *p = tr_arena_alloc(e->a, sizeof *p);
	struct tr_buf b;
	if (p == NULL) {
		sql__fail(e, loc, "53200", "out of memory");
		return;
	}
	memset(p, 0, sizeof *p);
	p->kind = SQL_RETURNING_SELECT;
	const char *query = tr_buf_cstr(&e->out);
	unsigned n_params = max_param(query);
	tr_buf_init(&b, 0);
	tr_buf_printf(&b, "CREATE TABLE IF NOT EXISTS triode_rows (k INTEGER "
			  "PRIMARY KEY");
	for (unsigned i = 0; i < SEQ_MAX_COLS; i++) {
		tr_buf_printf(&b, ", c%u", i);
	}
	tr_buf_printf(&b, ")");
	p->prep.sql = tr_arena_strndup(e->a, (const char *)b.data, b.len);
	tr_buf_reset(&b);
	tr_buf_printf(&b, "INSERT INTO triode_rows (");
	for (unsigned i = 0; i < st->n_cols; i++) {
		tr_buf_printf(&b, i > 0 ? ", c%u" : "c%u", i);
	}
	tr_buf_printf(&b, ") %s", query);
	p->write.sql = tr_arena_strndup(e->a, (const char *)b.data, b.len);
	p->write.n_params = n_params;
	tr_buf_reset(&b);
	tr_buf_printf(&b, "SELECT ");
	for (unsigned i = 0; i < st->n_cols; i++) {
		tr_buf_printf(&b, i > 0 ? ", c%u AS " : "c%u AS ", i);
		sql__ident_buf(&b, st->cols[i].name != NULL ? st->cols[i].name
							    : "?column?");
	}
	tr_buf_printf(&b, " FROM triode_rows ORDER BY k");
	p->fetch.sql = tr_arena_strndup(e->a, (const char *)b.data, b.len);
	p->cleanup.sql = "DELETE FROM triode_rows";
	int rv = tr_buf_err(&b);
	tr_buf_close(&b);
	if (rv != TR_OK || p->prep.sql == NULL || p->write.sql == NULL ||
	    p->fetch.sql == NULL) {
		sql__fail(e, loc, "53200", "out of memory");
		return;
	}
	st->returning = p;
	st->writes = true;
}

/* ---------------------------------------------------------------------
 * The C functions
 * ------------------------------------------------------------------- */

/* What the session has seen (currval, lastval): per connection. */
struct seq_conn {
	struct seq_val {
		char *name;
		int64_t v;
	} * vals;
	unsigned n, cap;
	bool has_last;
	int64_t last;
};

static void seq_conn_free(void *p)
{
	struct seq_conn *c = p;
	for (unsigned i = 0; i < c->n; i++) {
		sqlite3_free(c->vals[i].name);
	}
	sqlite3_free(c->vals);
	sqlite3_free(c);
}

static struct seq_val *seq_conn_find(struct seq_conn *c, const char *name)
{
	for (unsigned i = 0; i < c->n; i++) {
		if (strcmp(c->vals[i].name, name) == 0) {
			return &c->vals[i];
		}
	}
	return NULL;
}

static bool seq_conn_set(struct seq_conn *c, const char *name, int64_t v)
{
	struct seq_val *s = seq_conn_find(c, name);
	if (s == NULL) {
		if (c->n == c->cap) {
			unsigned cap = c->cap ? c->cap * 2 : 8;
			void *p = sqlite3_realloc64(c->vals,
						    sizeof *c->vals * cap);
			if (p == NULL) {
				return false;
			}
			c->vals = p;
			c->cap = cap;
		}
		char *copy = sqlite3_mprintf("%s", name);
		if (copy == NULL) {
			return false;
		}
		s = &c->vals[c->n++];
		s->name = copy;
	}
	s->v = v;
	return true;
}

static void seq_fail(sqlite3_context *ctx, const char *fmt, ...)
	TR_PRINTF(2, 3);
static void seq_fail(sqlite3_context *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sqlite3_result_error(ctx, msg, -1);
}

bool sql__seq_parse_name(const char *s, char *out, size_t cap)
{
	char parts[2][128];
	int n = 0;
	const char *p = s;
	while (n < 2) {
		size_t len = 0;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0') {
					return false;
				}
				if (*p == '"' && p[1] == '"') {
					p++;
				} else if (*p == '"') {
					p++;
					break;
				}
				if (len + 1 >= sizeof parts[0]) {
					return false;
				}
				parts[n][len++] = *p++;
			}
		} else {
			while (*p != '\0' && *p != '.') {
				if (len + 1 >= sizeof parts[0]) {
					return false;
				}
				unsigned char ch = (unsigned char)*p++;
				parts[n][len++] = ch < 128 ? (char)tolower(ch)
							   : (char)ch;
			}
			while (len > 0 &&
			       isspace((unsigned char)parts[n][len - 1])) {
				len--;
			}
		}
		parts[n][len] = '\0';
		if (len == 0) {
			return false;
		}
		n++;
		if (*p != '.') {
			break;
		}
		p++;
	}
	if (*p != '\0') {
		return false;
	}
	if (n == 2 && strcmp(parts[0], "public") != 0) {
		return false;
	}
	const char *name = parts[n - 1];
	if (strlen(name) + 1 > cap) {
		return false;
	}
	memcpy(out, name, strlen(name) + 1);
	return true;
}

/* true if a statement that writes is running on @db: only then may a
 * function write (it was sent with EXEC, so dqlite replicates it). */
static bool in_write(sqlite3 *db)
{
	for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p != NULL;
	     p = sqlite3_next_stmt(db, p)) {
		if (sqlite3_stmt_busy(p) && !sqlite3_stmt_readonly(p)) {
			return true;
		}
	}
	return false;
}

/* A sequence as the functions see it. */
struct seq {
	char name[128];
	bool explicit_;  /* a triode_sequences row; else a serial counter */
	char table[128]; /* serial: the table */
	int64_t last;
	bool called;
	struct sql__seqopts o;
};

/*
 * Look @name up: a row of triode_sequences, or the AUTOINCREMENT counter
 * of the serial column it names.  SQLITE_OK with @found; an SQLite error
 * code otherwise.
 */
static int seq_lookup(sqlite3 *db, struct seq *s, bool *found)
{
	sqlite3_stmt *ps = NULL;
	*found = false;
	int rc = sqlite3_prepare_v2(
		db,
		"SELECT last_value, is_called, start_value, increment_by, "
		"min_value, max_value, cache_size, cycle, type_oid FROM "
		"main.triode_sequences WHERE name = ?1",
		-1, &ps, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(ps, 1, s->name, -1, SQLITE_STATIC);
		rc = sqlite3_step(ps);
		if (rc == SQLITE_ROW) {
			s->explicit_ = true;
			s->last = sqlite3_column_int64(ps, 0);
			s->called = sqlite3_column_int(ps, 1) != 0;
			s->o.start = sqlite3_column_int64(ps, 2);
			s->o.inc = sqlite3_column_int64(ps, 3);
			s->o.min = sqlite3_column_int64(ps, 4);
			s->o.max = sqlite3_column_int64(ps, 5);
			s->o.cache = sqlite3_column_int64(ps, 6);
			s->o.cycle = sqlite3_column_int(ps, 7) != 0;
			s->o.type = (uint32_t)sqlite3_column_int64(ps, 8);
			*found = true;
		}
		rc = sqlite3_finalize(ps);
		if (*found || rc != SQLITE_OK) {
			return rc;
		}
	} else {
		sqlite3_finalize(ps); /* no triode_sequences yet */
	}
	rc = sqlite3_prepare_v2(
		db,
		"SELECT m.name, m.sql FROM main.sqlite_schema AS m, "
		"pragma_table_info(m.name) AS p WHERE m.type = 'table' AND "
		"p.pk = 1 AND m.sql LIKE '%/*pg:%AUTOINCREMENT%' AND m.name || "
		"'_' || p.name || '_seq' = ?1",
		-1, &ps, NULL);
	if (rc != SQLITE_OK) {
		return rc;
	}
	sqlite3_bind_text(ps, 1, s->name, -1, SQLITE_STATIC);
	if (sqlite3_step(ps) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(ps, 0);
		const char *sql = (const char *)sqlite3_column_text(ps, 1);
		const char *m = sql != NULL ? strstr(sql, "/*pg:") : NULL;
		snprintf(s->table, sizeof s->table, "%s", t != NULL ? t : "");
		s->o.type = m != NULL && strncmp(m + 5, "int2", 4) == 0
				    ? SQL_OID_INT2
			    : m != NULL && strncmp(m + 5, "int4", 4) == 0
				    ? SQL_OID_INT4
				    : SQL_OID_INT8;
		s->o.inc = 1;
		s->o.min = 1;
		s->o.max = type_max(s->o.type);
		s->o.start = 1;
		s->o.cache = 1;
		*found = true;
	}
	rc = sqlite3_finalize(ps);
	if (rc != SQLITE_OK || !*found) {
		return rc;
	}
	/* The counter: past the largest id, as AUTOINCREMENT counts. */
	char *q = sqlite3_mprintf(
		"SELECT max(coalesce((SELECT seq FROM main.sqlite_sequence "
		"WHERE name = ?1), 0), coalesce((SELECT max(rowid) FROM "
		"main.\"%w\"), 0))",
		s->table);
	if (q == NULL) {
		return SQLITE_NOMEM;
	}
	rc = sqlite3_prepare_v2(db, q, -1, &ps, NULL);
	sqlite3_free(q);
	if (rc != SQLITE_OK) {
		return rc;
	}
	sqlite3_bind_text(ps, 1, s->table, -1, SQLITE_STATIC);
	s->last = sqlite3_step(ps) == SQLITE_ROW ? sqlite3_column_int64(ps, 0)
						 : 0;
	s->called = s->last > 0;
	if (!s->called) {
		s->last = 1;
	}
	return sqlite3_finalize(ps);
}

/* Store @s's state (@last, @called). */
static int seq_store(sqlite3 *db, const struct seq *s)
{
	sqlite3_stmt *ps = NULL;
	int rc;
	if (s->explicit_) {
		rc = sqlite3_prepare_v2(db,
					"UPDATE main.triode_sequences SET "
					"last_value = ?2, is_called = ?3 "
					"WHERE name = ?1",
					-1, &ps, NULL);
		if (rc != SQLITE_OK) {
			return rc;
		}
		sqlite3_bind_text(ps, 1, s->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ps, 2, s->last);
		sqlite3_bind_int(ps, 3, s->called);
		sqlite3_step(ps);
		return sqlite3_finalize(ps);
	}
	/* A serial counter holds the last value handed out. */
	int64_t seq = s->called ? s->last : s->last - 1;
	rc = sqlite3_prepare_v2(db,
				"UPDATE main.sqlite_sequence SET seq = ?2 "
				"WHERE name = ?1",
				-1, &ps, NULL);
	if (rc != SQLITE_OK) {
		return rc;
	}
	sqlite3_bind_text(ps, 1, s->table, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ps, 2, seq);
	sqlite3_step(ps);
	rc = sqlite3_finalize(ps);
	if (rc != SQLITE_OK || sqlite3_changes(db) > 0) {
		return rc;
	}
	rc = sqlite3_prepare_v2(db,
				"INSERT INTO main.sqlite_sequence (name, seq) "
				"VALUES (?1, ?2)",
				-1, &ps, NULL);
	if (rc != SQLITE_OK) {
		return rc;
	}
	sqlite3_bind_text(ps, 1, s->table, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ps, 2, seq);
	sqlite3_step(ps);
	return sqlite3_finalize(ps);
}

/* Resolve the name argument and look the sequence up; on failure the
 * error is set on @ctx and false returned. */
static bool seq_get(sqlite3_context *ctx, sqlite3_value *arg, struct seq *s)
{
	memset(s, 0, sizeof *s);
	const char *text = (const char *)sqlite3_value_text(arg);
	if (text == NULL) {
		sqlite3_result_error_nomem(ctx);
		return false;
	}
	if (!sql__seq_parse_name(text, s->name, sizeof s->name)) {
		seq_fail(ctx, "42P01: relation \"%s\" does not exist", text);
		return false;
	}
	bool found;
	int rc = seq_lookup(sqlite3_context_db_handle(ctx), s, &found);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return false;
	}
	if (!found) {
		seq_fail(ctx, "42P01: relation \"%s\" does not exist", s->name);
		return false;
	}
	return true;
}

static void fn_nextval(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct seq_conn *c = sqlite3_user_data(ctx);
	struct seq s;
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	if (!in_write(db)) {
		seq_fail(ctx, "0A000: nextval() cannot be used in this "
			      "statement");
		return;
	}
	if (!seq_get(ctx, argv[0], &s)) {
		return;
	}
	int64_t v = s.last;
	if (s.called) {
		int64_t inc = s.o.inc;
		if (inc > 0 && v > s.o.max - inc) {
			if (!s.o.cycle) {
				seq_fail(ctx,
					 "2200H: nextval: reached maximum "
					 "value of sequence \"%s\" (%" PRId64
					 ")",
					 s.name, s.o.max);
				return;
			}
			v = s.o.min;
		} else if (inc < 0 && v < s.o.min - inc) {
			if (!s.o.cycle) {
				seq_fail(ctx,
					 "2200H: nextval: reached minimum "
					 "value of sequence \"%s\" (%" PRId64
					 ")",
					 s.name, s.o.min);
				return;
			}
			v = s.o.max;
		} else {
			v += inc;
		}
	}
	s.last = v;
	s.called = true;
	int rc = seq_store(db, &s);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	if (!seq_conn_set(c, s.name, v)) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	c->has_last = true;
	c->last = v;
	sqlite3_result_int64(ctx, v);
}

static void fn_setval(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct seq_conn *c = sqlite3_user_data(ctx);
	struct seq s;
	for (int i = 0; i < argc; i++) {
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
			sqlite3_result_null(ctx);
			return;
		}
	}
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	if (!in_write(db)) {
		seq_fail(ctx, "0A000: setval() cannot be used in this "
			      "statement");
		return;
	}
	if (!seq_get(ctx, argv[0], &s)) {
		return;
	}
	int64_t v = sqlite3_value_int64(argv[1]);
	bool called = argc < 3 || sqlite3_value_int(argv[2]) != 0;
	if (v < s.o.min || v > s.o.max) {
		seq_fail(ctx,
			 "22003: setval: value %" PRId64 " is out of bounds "
			 "for sequence \"%s\" (%" PRId64 "..%" PRId64 ")",
			 v, s.name, s.o.min, s.o.max);
		return;
	}
	s.last = v;
	s.called = called;
	int rc = seq_store(db, &s);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	if (called && !seq_conn_set(c, s.name, v)) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_int64(ctx, v);
}

static void fn_currval(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct seq_conn *c = sqlite3_user_data(ctx);
	struct seq s;
	TR_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!seq_get(ctx, argv[0], &s)) {
		return;
	}
	struct seq_val *v = seq_conn_find(c, s.name);
	if (v == NULL) {
		seq_fail(ctx,
			 "55000: currval of sequence \"%s\" is not yet "
			 "defined in this session",
			 s.name);
		return;
	}
	sqlite3_result_int64(ctx, v->v);
}

static void fn_lastval(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct seq_conn *c = sqlite3_user_data(ctx);
	TR_UNUSED(argc);
	TR_UNUSED(argv);
	if (!c->has_last) {
		seq_fail(ctx, "55000: lastval is not yet defined in this "
			      "session");
		return;
	}
	sqlite3_result_int64(ctx, c->last);
}

int sql__sequence_register(struct sqlite3 *db)
{
	struct seq_conn *c = sqlite3_malloc(sizeof *c);
	if (c == NULL) {
		return SQLITE_NOMEM;
	}
	memset(c, 0, sizeof *c);
	/* Not deterministic, and not innocuous: they read and write the
	 * database.  Column defaults may call them (SQLite's trusted
	 * schema, the default). */
	static const struct {
		const char *name;
		int n;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} defs[] = {
		{ "pg_nextval", 1, fn_nextval },
		{ "pg_setval", 2, fn_setval },
		{ "pg_setval", 3, fn_setval },
		{ "pg_currval", 1, fn_currval },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(defs); i++) {
		int rc = sqlite3_create_function_v2(db, defs[i].name, defs[i].n,
						    SQLITE_UTF8, c, defs[i].fn,
						    NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			seq_conn_free(c);
			return rc;
		}
	}
	/* The last one owns @c: SQLite calls seq_conn_free when the
	 * connection closes (or at once if this registration fails). */
	return sqlite3_create_function_v2(db, "pg_lastval", 0, SQLITE_UTF8, c,
					  fn_lastval, NULL, NULL,
					  seq_conn_free);
}
