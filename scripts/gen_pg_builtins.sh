#!/bin/sh
# Regenerate sql/pg_builtins.c: the names of PostgreSQL's built-in
# functions (pg_catalog), so that the translator tells "not supported by
# triode" (0A000) from "does not exist" (42883).  Needs a PostgreSQL 15
# server reachable with psql's usual environment (PGHOST, PGPORT, PGUSER).
set -eu
out=${1:-sql/pg_builtins.c}
{
	cat <<'HEAD'
/*
 * sql/pg_builtins.c: names of PostgreSQL 15's built-in functions (every
 * distinct pg_proc.proname in pg_catalog), sorted in C order.  Generated
 * by scripts/gen_pg_builtins.sh; do not edit.
 */
#include <stdlib.h>
#include <string.h>

#include "sql/sql_int.h"

static const char *const names[] = {
HEAD
	psql -XAtc "SELECT DISTINCT proname::text FROM pg_proc
		    WHERE pronamespace = 'pg_catalog'::regnamespace" |
		LC_ALL=C sort | sed 's/.*/\t"&",/'
	cat <<'TAIL'
};

static int cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool sql__pg_builtin(const char *name)
{
	return bsearch(name, names, sizeof names / sizeof names[0],
		       sizeof names[0], cmp) != NULL;
}
TAIL
} >"$out"
