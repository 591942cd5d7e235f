/*
 * cluster/local.c: the node-local database, local.db.
 *
 * Plain SQLite on this node's disk (not replicated): this node's identity
 * and configuration as key/value pairs, and later the known Raft members.
 * WAL mode with synchronous=FULL, because membership must survive power
 * loss (security.md N9).  Schema changes are numbered updates applied once,
 * in order, at open; the applied count is SQLite's user_version.
 */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC, uv.h needs POSIX */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cluster/cluster.h"

struct cluster_local {
	sqlite3 *db; /* owned */
};

/* Numbered updates: update i (1-based) brings the schema to version i.
 * Never edit a released update; append a new one. */
static const char *const local_updates[] = {
	/* 1 */
	"CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE members ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	"  address TEXT NOT NULL UNIQUE, role INTEGER NOT NULL);",
	/* 2: what the cluster port needs to authorize a member, and where
	 * PostgreSQL clients reach it. */
	"ALTER TABLE members ADD COLUMN serial INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE members ADD COLUMN pg_address TEXT NOT NULL DEFAULT '';",
};

static int exec(struct cluster_local *l, const char *sql, char *errmsg)
{
	char *err = NULL;
	if (sqlite3_exec(l->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		tr_errmsg_printf(errmsg, "local.db: %s",
				 err != NULL ? err : "error");
		sqlite3_free(err);
		return TR_EIO;
	}
	return TR_OK;
}

static int apply_updates(struct cluster_local *l, char *errmsg)
{
	int version = cluster_local_schema_version(l);
	int n = (int)TR_ARRAY_LEN(local_updates);
	if (version > n) {
		tr_errmsg_printf(errmsg,
				 "local.db schema version %d is newer than "
				 "this binary's %d",
				 version, n);
		return TR_EINVAL;
	}
	for (int i = version; i < n; i++) {
		char sql[64];
		int rv = exec(l, "BEGIN IMMEDIATE", errmsg);
		if (rv != TR_OK) {
			return rv;
		}
		rv = exec(l, local_updates[i], errmsg);
		if (rv == TR_OK) {
			snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
				 i + 1);
			rv = exec(l, sql, errmsg);
		}
		if (rv != TR_OK) {
			char ignore[TR_ERRMSG_SIZE];
			(void)exec(l, "ROLLBACK", ignore);
			return rv;
		}
		rv = exec(l, "COMMIT", errmsg);
		if (rv != TR_OK) {
			return rv;
		}
		tr_info("local", "local.db schema updated to version %d",
			i + 1);
	}
	return TR_OK;
}

int cluster_local_open(const char *path, struct cluster_local **out,
		       char *errmsg)
{
	struct cluster_local *l;
	int rv;

	/* Create the file 0600 before SQLite does (SQLite uses 0644). */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		tr_errmsg_printf(errmsg, "open %s: %m", path);
		return TR_EIO;
	}
	close(fd);
	l = tr_calloc(1, sizeof *l);
	if (l == NULL) {
		return TR_ENOMEM;
	}
	if (sqlite3_open_v2(path, &l->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		tr_errmsg_printf(errmsg, "open %s: %s", path,
				 l->db ? sqlite3_errmsg(l->db) : "no memory");
		rv = TR_EIO;
		goto err_after_open;
	}
	sqlite3_busy_timeout(l->db, 5000);
	rv = exec(l, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
		  errmsg);
	if (rv != TR_OK) {
		goto err_after_open;
	}
	rv = apply_updates(l, errmsg);
	if (rv != TR_OK) {
		goto err_after_open;
	}
	*out = l;
	return TR_OK;

err_after_open:
	sqlite3_close(l->db);
	tr_free(l);
	return rv;
}

void cluster_local_close(struct cluster_local *l)
{
	if (l == NULL) {
		return;
	}
	sqlite3_close(l->db);
	tr_free(l);
}

int cluster_local_schema_version(struct cluster_local *l)
{
	sqlite3_stmt *st;
	int version = 0;
	if (sqlite3_prepare_v2(l->db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			version = sqlite3_column_int(st, 0);
		}
		sqlite3_finalize(st);
	}
	return version;
}

int cluster_local_get(struct cluster_local *l, const char *key, char *out,
		      size_t cap)
{
	sqlite3_stmt *st;
	int rv = TR_ENOTFOUND;
	if (sqlite3_prepare_v2(l->db, "SELECT value FROM config WHERE key = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		return TR_EIO;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		if (v == NULL || len + 1 > cap) {
			rv = TR_ETOOBIG;
		} else {
			memcpy(out, v, len + 1);
			rv = TR_OK;
		}
	}
	sqlite3_finalize(st);
	return rv;
}

int cluster_local_set(struct cluster_local *l, const char *key,
		      const char *value)
{
	sqlite3_stmt *st;
	int rv = TR_OK;
	if (sqlite3_prepare_v2(l->db,
			       "INSERT INTO config (key, value) VALUES (?, ?) "
			       "ON CONFLICT (key) DO UPDATE SET value = "
			       "excluded.value",
			       -1, &st, NULL) != SQLITE_OK) {
		return TR_EIO;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rv = TR_EIO;
	}
	sqlite3_finalize(st);
	return rv;
}

/* Copy a text column into a fixed buffer; false if it does not fit. */
static bool column_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);
	if (v == NULL || len + 1 > cap) {
		return false;
	}
	memcpy(out, v, len + 1);
	return true;
}

int cluster_local_members_get(struct cluster_local *l,
			      struct cluster_member *out, unsigned cap,
			      unsigned *n)
{
	sqlite3_stmt *st;
	int rv = TR_OK;
	*n = 0;
	if (sqlite3_prepare_v2(l->db,
			       "SELECT id, name, address, pg_address, serial, "
			       "role FROM members ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		return TR_EIO;
	}
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			rv = TR_ETOOBIG;
			break;
		}
		struct cluster_member *m = &out[*n];
		memset(m, 0, sizeof *m);
		m->id = (uint64_t)sqlite3_column_int64(st, 0);
		m->serial = (uint64_t)sqlite3_column_int64(st, 4);
		m->role = (enum cluster_role)sqlite3_column_int(st, 5);
		if (!column_text(st, 1, m->name, sizeof m->name) ||
		    !column_text(st, 2, m->address, sizeof m->address) ||
		    !column_text(st, 3, m->pg_address, sizeof m->pg_address)) {
			rv = TR_EIO;
			break;
		}
		(*n)++;
	}
	if (rv == TR_OK && step != SQLITE_DONE) {
		rv = TR_EIO;
	}
	sqlite3_finalize(st);
	return rv;
}

int cluster_local_members_set(struct cluster_local *l,
			      const struct cluster_member *members, unsigned n)
{
	char errmsg[TR_ERRMSG_SIZE];
	sqlite3_stmt *st = NULL;
	int rv = exec(l, "BEGIN IMMEDIATE; DELETE FROM members", errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	if (sqlite3_prepare_v2(l->db,
			       "INSERT INTO members (id, name, address, "
			       "pg_address, serial, role) VALUES (?, ?, ?, ?, "
			       "?, ?)",
			       -1, &st, NULL) != SQLITE_OK) {
		rv = TR_EIO;
	}
	for (unsigned i = 0; rv == TR_OK && i < n; i++) {
		const struct cluster_member *m = &members[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)m->id);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, m->address, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, m->pg_address, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)m->serial);
		sqlite3_bind_int(st, 6, (int)m->role);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rv = TR_EIO;
		}
	}
	sqlite3_finalize(st);
	if (rv != TR_OK) {
		(void)exec(l, "ROLLBACK", errmsg);
		return rv;
	}
	return exec(l, "COMMIT", errmsg);
}
