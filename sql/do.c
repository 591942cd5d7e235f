/*
 * sql/do.c: DO blocks.
 *
 *   sql__do    DO [LANGUAGE plpgsql] '<block>'
 *
 * triode has no PL/pgSQL.  The one block ORMs send is understood:
 *
 *   BEGIN CREATE TYPE t AS ENUM (...); [EXCEPTION WHEN c [OR c ...] THEN
 *   NULL; [WHEN ... THEN NULL; ...]] END
 *
 * (Sequelize makes its enum types so).  The block runs its one statement;
 * an error whose condition a handler names is swallowed, as the block's
 * subtransaction would be rolled back and the handler do nothing.  A
 * handler that catches duplicate_object makes the type "if absent": the
 * translation is a no-op when the mirror knows the type, and the view
 * that stores it is made IF NOT EXISTS, so a type made meanwhile by
 * another session is no error either (enum.c).
 *
 * Anything else in a DO block (declarations, other statements, control
 * structures, handlers that do more than NULL) is 0A000.
 */
#include <ctype.h>
#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* The exception conditions a handler may name, by SQLSTATE. */
static const struct {
	const char *name;
	const char *sqlstate;
} conditions[] = {
	{ "duplicate_object", "42710" },
	{ "unique_violation", "23505" },
	{ "invalid_parameter_value", "22023" },
	{ "program_limit_exceeded", "54000" },
	{ "syntax_error", "42601" },
};

#define DO_MAX_HANDLED 16

struct do_block {
	const char *stmt; /* the one statement (arena) */
	/* The SQLSTATEs the handlers catch; @others: WHEN OTHERS. */
	const char *caught[DO_MAX_HANDLED];
	unsigned n_caught;
	bool others;
};

/* A case-insensitive keyword at @p, followed by a non-word byte. */
static bool keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);
	return sqlite3_strnicmp(p, kw, (int)n) == 0 &&
	       !(isalnum((unsigned char)p[n]) || p[n] == '_');
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p)) {
		p++;
	}
	return p;
}

/* The next word of [*p, end) into @out (lower-cased); false if none. */
static bool next_word(const char **p, const char *end, char *out, size_t cap)
{
	const char *s = skip_space(*p, end);
	size_t n = 0;
	while (s < end && (isalnum((unsigned char)*s) || *s == '_')) {
		if (n + 1 < cap) {
			out[n++] = (char)tolower((unsigned char)*s);
		}
		s++;
	}
	out[n] = '\0';
	*p = s;
	return n > 0;
}

/*
 * One handler, "WHEN c [OR c ...] THEN NULL", in [p, end) (the text of
 * one ';'-separated piece, after EXCEPTION).  False after sql__fail.
 */
static bool parse_handler(struct sql__emit *e, const char *p, const char *end,
			  struct do_block *b)
{
	char w[64];
	if (!next_word(&p, end, w, sizeof w) || strcmp(w, "when") != 0) {
		sql__fail(e, -1, "42601",
			  "syntax error in DO block: expected WHEN");
		return false;
	}
	for (;;) {
		if (!next_word(&p, end, w, sizeof w)) {
			sql__fail(e, -1, "42601",
				  "syntax error in DO block: expected an "
				  "exception condition");
			return false;
		}
		const char *state = NULL;
		if (strcmp(w, "others") == 0) {
			b->others = true;
		} else if (strcmp(w, "sqlstate") == 0) {
			const char *s = skip_space(p, end);
			if (end - s < 7 || s[0] != '\'' || s[6] != '\'') {
				sql__fail(e, -1, "42601",
					  "syntax error in DO block: expected "
					  "SQLSTATE 'xxxxx'");
				return false;
			}
			state = tr_arena_strndup(e->a, s + 1, 5);
			p = s + 7;
		} else {
			for (size_t i = 0; i < TR_ARRAY_LEN(conditions); i++) {
				if (strcmp(w, conditions[i].name) == 0) {
					state = conditions[i].sqlstate;
				}
			}
			if (state == NULL) {
				sql__fail(e, -1, "0A000",
					  "exception condition \"%s\" in a DO "
					  "block is not supported",
					  w);
				return false;
			}
		}
		if (state != NULL && b->n_caught < DO_MAX_HANDLED) {
			b->caught[b->n_caught++] = state;
		}
		if (!next_word(&p, end, w, sizeof w)) {
			break;
		}
		if (strcmp(w, "or") == 0) {
			continue;
		}
		if (strcmp(w, "then") == 0) {
			if (next_word(&p, end, w, sizeof w) &&
			    strcmp(w, "null") == 0 &&
			    skip_space(p, end) == end) {
				return true;
			}
			sql__fail(e, -1, "0A000",
				  "DO block exception handlers other than "
				  "THEN NULL are not supported");
			return false;
		}
		break;
	}
	sql__fail(e, -1, "42601",
		  "syntax error in DO block: expected THEN NULL");
	return false;
}

/*
 * The block @body as a struct do_block: BEGIN <stmt>; [EXCEPTION
 * handlers;] END.  False after sql__fail.
 */
static bool parse_block(struct sql__emit *e, const char *body,
			struct do_block *b)
{
	PgQuerySplitResult r = pg_query_split_with_scanner(body);
	bool ok = false;
	if (r.error != NULL) {
		sql__fail(e, -1, "42601", "%s",
			  r.error->message != NULL ? r.error->message
						   : "syntax error");
		goto done;
	}
	const char *stmt = NULL;
	size_t stmt_len = 0;
	bool in_handlers = false, ended = false;
	for (int i = 0; i < r.n_stmts; i++) {
		const char *p = body + r.stmts[i]->stmt_location;
		const char *end = p + r.stmts[i]->stmt_len;
		p = skip_space(p, end);
		while (end > p && isspace((unsigned char)end[-1])) {
			end--;
		}
		if (p == end) {
			continue;
		}
		if (ended) {
			sql__fail(e, -1, "42601",
				  "syntax error in DO block at or near "
				  "\"%.*s\"",
				  (int)(end - p), p);
			goto done;
		}
		if (i == 0) {
			if (!keyword(p, "begin")) {
				sql__fail(e, -1, "0A000",
					  "DO blocks other than BEGIN ... END "
					  "are not supported");
				goto done;
			}
			p = skip_space(p + 5, end);
		}
		if (keyword(p, "end") && skip_space(p + 3, end) == end) {
			ended = true;
			continue;
		}
		if (keyword(p, "exception")) {
			if (in_handlers) {
				sql__fail(e, -1, "42601",
					  "syntax error in DO block at or "
					  "near \"EXCEPTION\"");
				goto done;
			}
			in_handlers = true;
			p += 9;
		}
		if (in_handlers) {
			if (!parse_handler(e, p, end, b)) {
				goto done;
			}
			continue;
		}
		if (stmt != NULL) {
			sql__fail(e, -1, "0A000",
				  "DO blocks of more than one statement are "
				  "not supported");
			goto done;
		}
		stmt = p;
		stmt_len = (size_t)(end - p);
	}
	if (!ended) {
		sql__fail(e, -1, "42601",
			  "syntax error in DO block: missing END");
		goto done;
	}
	if (stmt == NULL) {
		sql__fail(e, -1, "0A000",
			  "DO blocks without a statement are not supported");
		goto done;
	}
	b->stmt = tr_arena_strndup(e->a, stmt, stmt_len);
	if (b->stmt == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		goto done;
	}
	ok = true;
done:
	pg_query_free_split_result(r);
	return ok;
}

static bool caught(const struct do_block *b, const char *sqlstate)
{
	if (b->others) {
		/* OTHERS is every condition but query_canceled. */
		return strcmp(sqlstate, "57014") != 0;
	}
	for (unsigned i = 0; i < b->n_caught; i++) {
		if (strcmp(b->caught[i], sqlstate) == 0) {
			return true;
		}
	}
	return false;
}

/* The statement of @b, parsed and translated into @e. */
static void run_block(struct sql__emit *e, const struct do_block *b)
{
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(b->stmt);
	if (r.error != NULL) {
		if (!caught(b, "42601")) {
			sql__fail(e, -1, "42601", "%s",
				  r.error->message != NULL ? r.error->message
							   : "syntax error");
		} else {
			sql__put(e, "SELECT 1 WHERE 0");
		}
		pg_query_free_protobuf_parse_result(r);
		return;
	}
	PgQuery__ParseResult *tree = pg_query__parse_result__unpack(
		NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
	pg_query_free_protobuf_parse_result(r);
	if (tree == NULL) {
		sql__fail(e, -1, "53200", "out of memory");
		return;
	}
	const Node *n = tree->n_stmts == 1 ? tree->stmts[0]->stmt : NULL;
	if (n == NULL ||
	    n->node_case != PG_QUERY__NODE__NODE_CREATE_ENUM_STMT) {
		sql__fail(e, -1, "0A000",
			  "DO blocks other than one CREATE TYPE ... AS ENUM "
			  "are not supported");
	} else {
		size_t start = e->out.len;
		sql__create_enum_do(e, n->create_enum_stmt, caught(b, "42710"));
		if (e->stmt->failed &&
		    strcmp(e->stmt->error.sqlstate, "0A000") != 0 &&
		    strcmp(e->stmt->error.sqlstate, "53200") != 0 &&
		    caught(b, e->stmt->error.sqlstate)) {
			/* The handler swallows it: nothing happens. */
			e->stmt->failed = false;
			memset(&e->stmt->error, 0, sizeof e->stmt->error);
			e->out.len = start;
			sql__put(e, "SELECT 1 WHERE 0");
		}
	}
	pg_query__parse_result__free_unpacked(tree, NULL);
}

void sql__do(struct sql__emit *e, const PgQuery__DoStmt *s)
{
	const char *body = NULL, *language = "plpgsql";
	for (size_t i = 0; i < s->n_args; i++) {
		const Node *a = s->args[i];
		if (a->node_case != PG_QUERY__NODE__NODE_DEF_ELEM ||
		    a->def_elem->arg == NULL) {
			continue;
		}
		const char *v = sql__str(a->def_elem->arg);
		if (strcmp(a->def_elem->defname, "as") == 0) {
			body = v;
		} else if (strcmp(a->def_elem->defname, "language") == 0) {
			language = v;
		}
	}
	if (language == NULL || strcmp(language, "plpgsql") != 0) {
		sql__fail(e, -1, "0A000",
			  "DO blocks in language \"%s\" are not supported",
			  language != NULL ? language : "");
		return;
	}
	if (body == NULL) {
		sql__fail(e, -1, "42601", "no inline code specified");
		return;
	}
	struct do_block b;
	memset(&b, 0, sizeof b);
	if (parse_block(e, body, &b)) {
		run_block(e, &b);
	}
}
