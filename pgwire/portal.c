/*
 * pgwire/portal.c: the session's registries of prepared statements and
 * portals (PostgreSQL docs, "Extended Query").
 *
 * Statements are looked up by name in s->stmts; portals in s->portals.
 * A portal holds a reference on its statement, so closing or replacing a
 * statement leaves the portals made from it usable (as PostgreSQL's
 * portals keep their plan); ops->unprepare runs with the last reference.
 * Lookups are linear: sessions rarely hold more than a few dozen, and the
 * count is capped (PGWIRE_MAX_STATEMENTS, PGWIRE_MAX_PORTALS).
 *
 * Executor calls made here: unprepare (last reference of a statement
 * goes) and close_portal (a portal with state goes).  Neither is ever made
 * for the object of the request in flight: the messages that drop objects
 * are not dispatched while a request is in flight, and at connection close
 * pgwire__registry_release() skips them.
 *
 * INTERFACE ROUTINES
 *   pgwire__stmt_find / pgwire__portal_find      lookup by name
 *   pgwire__stmt_drop / pgwire__stmt_unref        statement lifetime
 *   pgwire__portal_drop, pgwire__portals_drop_all, pgwire__portal_drop_unnamed
 *   pgwire__registry_release / pgwire__registry_free   connection close
 */
#include <string.h>

#include "pgwire/pgwire_int.h"

struct pgwire_stmt *pgwire__stmt_find(struct pgwire_session *s,
				      const char *name)
{
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &s->stmts) {
		struct pgwire_stmt *st = TR_QUEUE_DATA(q, struct pgwire_stmt,
						       link);
		if (strcmp(st->name, name) == 0) {
			return st;
		}
	}
	return NULL;
}

struct pgwire_portal *pgwire__portal_find(struct pgwire_session *s,
					  const char *name)
{
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &s->portals) {
		struct pgwire_portal *p = TR_QUEUE_DATA(q, struct pgwire_portal,
							link);
		if (strcmp(p->name, name) == 0) {
			return p;
		}
	}
	return NULL;
}

static void stmt_free(struct pgwire_stmt *st)
{
	for (unsigned i = 0; i < st->n_cols; i++) {
		tr_free((char *)st->cols[i].name);
	}
	tr_free(st->cols);
	tr_free(st->param_oids);
	tr_free(st->name);
	tr_free(st);
}

void pgwire__stmt_unref(struct pgwire_session *s, struct pgwire_stmt *st)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	TR_PRE(st->n_refs > 0);
	st->n_refs--;
	if (st->n_refs > 0) {
		return;
	}
	if (st->handle != NULL && cfg->exec->unprepare != NULL) {
		cfg->exec->unprepare(cfg->exec_data, s, st->handle);
	}
	stmt_free(st);
}

void pgwire__stmt_drop(struct pgwire_session *s, struct pgwire_stmt *st)
{
	TR_PRE(st->registered);
	tr_queue_remove(&st->link);
	st->registered = false;
	s->n_stmts--;
	pgwire__stmt_unref(s, st);
}

static void portal_free(struct pgwire_portal *p)
{
	tr_free(p->name);
	tr_free(p->params);
	tr_free(p->data);
	tr_free(p->result_formats);
	tr_free(p->tag);
	tr_free(p);
}

void pgwire__portal_drop(struct pgwire_session *s, struct pgwire_portal *p)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	TR_PRE(p != s->req_portal);
	tr_queue_remove(&p->link);
	s->n_portals--;
	if (p->state != NULL && cfg->exec->close_portal != NULL) {
		cfg->exec->close_portal(cfg->exec_data, s, p->state);
	}
	pgwire__stmt_unref(s, p->stmt);
	portal_free(p);
}

void pgwire__portals_drop_all(struct pgwire_session *s)
{
	struct tr_queue *q;
	while ((q = tr_queue_head(&s->portals)) != NULL) {
		pgwire__portal_drop(
			s, TR_QUEUE_DATA(q, struct pgwire_portal, link));
	}
}

void pgwire__portal_drop_unnamed(struct pgwire_session *s)
{
	struct pgwire_portal *p = pgwire__portal_find(s, "");
	if (p != NULL) {
		pgwire__portal_drop(s, p);
	}
}

void pgwire__registry_release(struct pgwire_session *s,
			      const struct pgwire_stmt *busy_stmt,
			      const struct pgwire_portal *busy_portal)
{
	const struct pgwire_config *cfg = &s->server->cfg;
	struct tr_queue *q;
	TR_QUEUE_FOREACH (q, &s->portals) {
		struct pgwire_portal *p = TR_QUEUE_DATA(q, struct pgwire_portal,
							link);
		if (p != busy_portal && p->state != NULL &&
		    cfg->exec->close_portal != NULL) {
			cfg->exec->close_portal(cfg->exec_data, s, p->state);
		}
		p->state = NULL;
	}
	/* A statement is reachable from the registry or from a portal. */
	TR_QUEUE_FOREACH (q, &s->portals) {
		struct pgwire_portal *p = TR_QUEUE_DATA(q, struct pgwire_portal,
							link);
		struct pgwire_stmt *st = p->stmt;
		if (st != busy_stmt && st->handle != NULL &&
		    cfg->exec->unprepare != NULL) {
			cfg->exec->unprepare(cfg->exec_data, s, st->handle);
		}
		st->handle = NULL;
	}
	TR_QUEUE_FOREACH (q, &s->stmts) {
		struct pgwire_stmt *st = TR_QUEUE_DATA(q, struct pgwire_stmt,
						       link);
		if (st != busy_stmt && st->handle != NULL &&
		    cfg->exec->unprepare != NULL) {
			cfg->exec->unprepare(cfg->exec_data, s, st->handle);
		}
		st->handle = NULL;
	}
}

void pgwire__registry_free(struct pgwire_session *s)
{
	struct tr_queue *q;
	while ((q = tr_queue_head(&s->portals)) != NULL) {
		struct pgwire_portal *p = TR_QUEUE_DATA(q, struct pgwire_portal,
							link);
		tr_queue_remove(q);
		s->n_portals--;
		struct pgwire_stmt *st = p->stmt;
		portal_free(p);
		TR_PRE(st->n_refs > 0);
		if (--st->n_refs == 0) {
			stmt_free(st);
		}
	}
	while ((q = tr_queue_head(&s->stmts)) != NULL) {
		struct pgwire_stmt *st = TR_QUEUE_DATA(q, struct pgwire_stmt,
						       link);
		tr_queue_remove(q);
		s->n_stmts--;
		TR_PRE(st->n_refs > 0);
		if (--st->n_refs == 0) {
			stmt_free(st);
		}
	}
}
