/*
 * sql/database.c: CREATE DATABASE and DROP DATABASE.
 *
 *   sql__createdb  CREATE DATABASE name [WITH] [option [=] value ...]
 *   sql__dropdb    DROP DATABASE [IF EXISTS] name [[WITH] (FORCE)]
 *
 * Both are the session's to run (they touch triode's internal database
 * and whole dqlite databases, not the session's own): this file only
 * classifies them and checks their options.  Every database triode
 * makes is UTF8 with the C.UTF-8 locale (check_locale) and lives in the
 * default tablespace, so options asking for anything else are refused
 * by name.
 *
 * A database name also names a dqlite database, which names a file in
 * dqlite's VFS next to its "-wal" companion: names that could reach
 * another file (a slash, a control character) or that end like a
 * companion file are refused (42602).
 */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "sql/sql_int.h"

/* The option's value as text ("6" for ENCODING 6), or NULL for DEFAULT. */
static const char *opt_text(struct sql__emit *e, const PgQuery__DefElem *d)
{
	const Node *v = d->arg;
	if (v == NULL) {
		return NULL;
	}
	switch (v->node_case) {
	case PG_QUERY__NODE__NODE_STRING:
		return v->string->sval;
	case PG_QUERY__NODE__NODE_INTEGER: {
		char buf[32];
		snprintf(buf, sizeof buf, "%d", (int)v->integer->ival);
		return tr_arena_strdup(e->a, buf);
	}
	case PG_QUERY__NODE__NODE_FLOAT:
		return v->float_->fval;
	case PG_QUERY__NODE__NODE_BOOLEAN:
		return v->boolean->boolval ? "true" : "false";
	default:
		return "";
	}
}

static bool is_utf8_name(const char *v)
{
	/* PostgreSQL's spellings of its encoding name, and its number. */
	return strcasecmp(v, "UTF8") == 0 || strcasecmp(v, "UTF-8") == 0 ||
	       strcasecmp(v, "unicode") == 0 || strcmp(v, "6") == 0;
}

/* The name PostgreSQL (glibc's setlocale) keeps for @v if @v spells the
 * C or C.UTF-8 locale (case matters in "C"; glibc normalizes the
 * codeset: UTF-8, utf8, UTF8 ...), or NULL. */
static const char *c_locale_name(const char *v)
{
	if (strcmp(v, "C") == 0 || strcmp(v, "POSIX") == 0) {
		return "C";
	}
	if (strncmp(v, "C.", 2) == 0 && (strcasecmp(v + 2, "UTF-8") == 0 ||
					 strcasecmp(v + 2, "UTF8") == 0)) {
		return v;
	}
	return NULL;
}

/*
 * Every database is C.UTF-8, the locale of the template databases (as
 * initdb --locale=C.UTF-8 makes them).  @v, the value of @option
 * (LC_COLLATE, LC_CTYPE or LOCALE) for the collation (@coll) or the
 * ctype, must be that locale spelled as PostgreSQL would show it;
 * another spelling or locale would be shown as asked and behave as
 * C.UTF-8, so it is refused: by
 * PostgreSQL's own error when it would refuse it too (a locale other
 * than the template's needs TEMPLATE template0), by 0A000 otherwise.
 */
static void check_locale(struct sql__emit *e, const char *option, bool coll,
			 const char *v, bool template0)
{
	if (v == NULL || strcmp(v, "C.UTF-8") == 0) {
		return;
	}
	const char *canon = c_locale_name(v);
	if (canon != NULL && !template0) {
		sql__fail(e, -1, "22023",
			  "new %s (%s) is incompatible with the %s of the "
			  "template database (C.UTF-8)",
			  coll ? "collation" : "LC_CTYPE", canon,
			  coll ? "collation" : "LC_CTYPE");
		e->stmt->error.hint =
			coll ? "Use the same collation as in the template "
			       "database, or use template0 as template."
			     : "Use the same LC_CTYPE as in the template "
			       "database, or use template0 as template.";
		return;
	}
	sql__fail(e, -1, "0A000",
		  "%s \"%s\" is not supported: every database uses the "
		  "C.UTF-8 locale",
		  option, v);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t len = strlen(s), n = strlen(suffix);
	return len >= n && strcasecmp(s + len - n, suffix) == 0;
}

/* Refuse a name dqlite could not keep apart from other files. */
static void check_name(struct sql__emit *e, const char *name, int loc)
{
	if (name == NULL || name[0] == '\0') {
		sql__fail(e, loc, "42602", "invalid database name \"\"");
		return;
	}
	for (const char *p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
			sql__fail(e, loc, "42602",
				  "database names cannot contain \"/\", \"\\\" "
				  "or control characters");
			return;
		}
	}
	if (has_suffix(name, "-wal") || has_suffix(name, "-journal") ||
	    has_suffix(name, "-shm")) {
		sql__fail(e, loc, "42602",
			  "database names cannot end in \"-wal\", "
			  "\"-journal\" or \"-shm\"");
	}
}

void sql__createdb(struct sql__emit *e, const PgQuery__CreatedbStmt *s,
		   int loc)
{
	struct sql_stmt *st = e->stmt;
	st->kind = SQL_CREATE_DATABASE;
	st->tag = "CREATE DATABASE";
	st->name = tr_arena_strdup(e->a, s->dbname);
	if (st->name == NULL) {
		sql__fail(e, loc, "53200", "out of memory");
		return;
	}
	check_name(e, s->dbname, loc);
	const char *locale = NULL, *lc_collate = NULL, *lc_ctype = NULL;
	bool has_collate = false, has_ctype = false, template0 = false;
	for (size_t i = 0; i < s->n_options && !sql__failed(e); i++) {
		const Node *n = s->options[i];
		if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) {
			continue;
		}
		const PgQuery__DefElem *d = n->def_elem;
		const char *k = d->defname;
		const char *v = opt_text(e, d);
		int at = d->location;
		if (strcmp(k, "owner") == 0) {
			st->value = v != NULL ? tr_arena_strdup(e->a, v) : NULL;
			if (v != NULL && st->value == NULL) {
				sql__fail(e, at, "53200", "out of memory");
			}
		} else if (strcmp(k, "encoding") == 0) {
			if (v != NULL && !is_utf8_name(v)) {
				sql__fail(e, at, "0A000",
					  "encoding \"%s\" is not supported: "
					  "every database is UTF8",
					  v);
			}
		} else if (strcmp(k, "locale") == 0) {
			locale = v;
		} else if (strcmp(k, "lc_collate") == 0) {
			lc_collate = v;
			has_collate = v != NULL;
		} else if (strcmp(k, "lc_ctype") == 0) {
			lc_ctype = v;
			has_ctype = v != NULL;
		} else if (strcmp(k, "locale_provider") == 0) {
			if (v != NULL && strcasecmp(v, "libc") != 0) {
				sql__fail(e, at, "0A000",
					  "locale provider \"%s\" is not "
					  "supported",
					  v);
			}
		} else if (strcmp(k, "template") == 0) {
			template0 = v != NULL && strcmp(v, "template0") == 0;
			if (v != NULL && strcmp(v, "template0") != 0 &&
			    strcmp(v, "template1") != 0) {
				sql__fail(e, at, "0A000",
					  "TEMPLATE \"%s\" is not supported: "
					  "a new database is always empty "
					  "(template0 or template1)",
					  v);
			}
		} else if (strcmp(k, "tablespace") == 0) {
			if (v != NULL && strcmp(v, "pg_default") != 0) {
				sql__fail(e, at, "0A000",
					  "TABLESPACE is not supported");
			}
		} else if (strcmp(k, "connection_limit") == 0) {
			if (v != NULL && strcmp(v, "-1") != 0) {
				sql__fail(e, at, "0A000",
					  "CONNECTION LIMIT is not supported");
			}
		} else if (strcmp(k, "strategy") == 0 ||
			   strcmp(k, "location") == 0) {
			/* How PostgreSQL copies the template: nothing to do. */
		} else if (strcmp(k, "icu_locale") == 0 ||
			   strcmp(k, "is_template") == 0 ||
			   strcmp(k, "allow_connections") == 0 ||
			   strcmp(k, "oid") == 0 ||
			   strcmp(k, "collation_version") == 0) {
			char *u = tr_arena_strdup(e->a, k);
			for (char *p = u; p != NULL && *p != '\0'; p++) {
				*p = *p == '_' ? ' ' : (char)toupper(
							       (unsigned char)*p);
			}
			sql__fail(e, at, "0A000",
				  "CREATE DATABASE option %s is not supported",
				  u != NULL ? u : k);
		} else {
			sql__fail(e, at, "42601", "option \"%s\" not recognized",
				  k);
		}
	}
	if (sql__failed(e)) {
		return;
	}
	/* LC_COLLATE and LC_CTYPE override LOCALE; PostgreSQL checks the
	 * collation first. */
	check_locale(e, has_collate ? "LC_COLLATE" : "LOCALE", true,
		     has_collate ? lc_collate : locale, template0);
	check_locale(e, has_ctype ? "LC_CTYPE" : "LOCALE", false,
		     has_ctype ? lc_ctype : locale, template0);
}

void sql__dropdb(struct sql__emit *e, const PgQuery__DropdbStmt *s, int loc)
{
	struct sql_stmt *st = e->stmt;
	st->kind = SQL_DROP_DATABASE;
	st->tag = "DROP DATABASE";
	st->missing_ok = s->missing_ok;
	st->name = tr_arena_strdup(e->a, s->dbname);
	if (st->name == NULL) {
		sql__fail(e, loc, "53200", "out of memory");
		return;
	}
	for (size_t i = 0; i < s->n_options; i++) {
		const Node *n = s->options[i];
		if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) {
			continue;
		}
		if (strcmp(n->def_elem->defname, "force") == 0) {
			st->force = true;
		} else {
			sql__fail(e, n->def_elem->location, "42601",
				  "unrecognized DROP DATABASE option \"%s\"",
				  n->def_elem->defname);
			return;
		}
	}
}
