/*
 * server/settings.c: the run-time settings (GUCs) a session can SET, SHOW
 * and RESET.  The gateway answers these itself; none reaches the cluster.
 *
 * Only settings that mean something here, or that drivers set and read
 * back, are known.  Others are refused with 42704 as PostgreSQL does,
 * except custom "prefix.name" settings, which PostgreSQL accepts freely.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/server_int.h"

/* How a value is checked before it is taken. */
enum setting_kind {
	SET_ANY,        /* free text */
	SET_BOOL,       /* on/off and PostgreSQL's spellings */
	SET_INT,        /* an integer within [min, max] */
	SET_MS,         /* milliseconds within [min, max], units accepted
			 * (ms, s, min, h, d) and shown as PostgreSQL does */
	SET_ENCODING,   /* client_encoding: UTF8 only (SQL_ASCII tolerated) */
	SET_FIXED,      /* read-only: SET is refused */
	SET_CHOICE,     /* one of @choices (case-insensitive), shown as
			 * spelled there */
	SET_TABLESPACE, /* a tablespace name or '': pg_default only */
	SET_TABLE_AM,   /* a table access method: heap only */
	SET_FALSE,      /* a Boolean that may only be off */
};

/* A SET_CHOICE value: @name, or an alias the value is stored as @as. */
struct setting_choice {
	const char *name;
	const char *as;   /* NULL: @name itself */
	bool hidden;      /* accepted, not listed in the HINT */
	bool unsupported; /* PostgreSQL's, refused with 0A000 */
};

static const struct setting_choice message_levels[] = {
	{ .name = "debug5" },
	{ .name = "debug4" },
	{ .name = "debug3" },
	{ .name = "debug2" },
	{ .name = "debug1" },
	{ .name = "debug", .as = "debug2", .hidden = true },
	{ .name = "log" },
	{ .name = "info", .hidden = true },
	{ .name = "notice" },
	{ .name = "warning" },
	{ .name = "error" },
	{ .name = NULL },
};

static const struct setting_choice xml_options[] = {
	{ .name = "content" },
	{ .name = "document" },
	{ .name = NULL },
};

static const struct setting_choice bytea_outputs[] = {
	{ .name = "hex" },
	{ .name = "escape", .unsupported = true },
	{ .name = NULL },
};

struct setting_def {
	const char *name; /* canonical spelling */
	const char *dflt;
	enum setting_kind kind;
	long min, max;
	bool report; /* sent to the client as ParameterStatus */
	const struct setting_choice *choices; /* SET_CHOICE */
};

static const struct setting_def defs[] = {
	{ "application_name", "", SET_ANY, 0, 0, true, NULL },
	/* Only hex: escape output is not written. */
	{ "bytea_output", "hex", SET_CHOICE, 0, 0, false, bytea_outputs },
	/* triode has no function bodies to check (CREATE FUNCTION is
	 * refused): the value is kept, as pg_dump sets it. */
	{ "check_function_bodies", "on", SET_BOOL, 0, 0, false, NULL },
	{ "client_encoding", "UTF8", SET_ENCODING, 0, 0, true, NULL },
	/* Which NOTICEs and WARNINGs reach the client
	 * (server_settings_notice_wanted). */
	{ "client_min_messages", "notice", SET_CHOICE, 0, 0, false,
	  message_levels },
	{ "DateStyle", "ISO, MDY", SET_ANY, 0, 0, true, NULL },
	{ "default_transaction_isolation", "read committed", SET_ANY, 0, 0,
	  false, NULL },
	{ "default_table_access_method", "heap", SET_TABLE_AM, 0, 0, false,
	  NULL },
	{ "default_tablespace", "", SET_TABLESPACE, 0, 0, false, NULL },
	{ "default_transaction_read_only", "off", SET_BOOL, 0, 0, true, NULL },
	{ "default_with_oids", "off", SET_FALSE, 0, 0, false, NULL },
	{ "escape_string_warning", "on", SET_BOOL, 0, 0, false, NULL },
	{ "extra_float_digits", "1", SET_INT, -15, 3, false, NULL },
	{ "idle_in_transaction_session_timeout", "0", SET_MS, 0, 2147483647,
	  false, NULL },
	{ "integer_datetimes", "on", SET_FIXED, 0, 0, true, NULL },
	{ "IntervalStyle", "postgres", SET_ANY, 0, 0, true, NULL },
	/* Every database is C.UTF-8 (sql/expr.c, "Collations"). */
	{ "lc_collate", "C.UTF-8", SET_FIXED, 0, 0, false, NULL },
	{ "lc_ctype", "C.UTF-8", SET_FIXED, 0, 0, false, NULL },
	{ "lock_timeout", "0", SET_MS, 0, 2147483647, false, NULL },
	/* triode has no row-level security: off is what it does already,
	 * and on (the default) changes nothing without policies. */
	{ "row_security", "on", SET_BOOL, 0, 0, false, NULL },
	{ "search_path", "\"$user\", public", SET_ANY, 0, 0, false, NULL },
	{ "server_encoding", "UTF8", SET_FIXED, 0, 0, true, NULL },
	{ "server_version", "15.0", SET_FIXED, 0, 0, true, NULL },
	{ "server_version_num", "150000", SET_FIXED, 0, 0, false, NULL },
	{ "standard_conforming_strings", "on", SET_BOOL, 0, 0, true, NULL },
	{ "statement_timeout", "0", SET_MS, 0, 2147483647, false, NULL },
	{ "synchronous_commit", "on", SET_ANY, 0, 0, false, NULL },
	{ "TimeZone", "UTC", SET_ANY, 0, 0, true, NULL },
	{ "transaction_isolation", "read committed", SET_FIXED, 0, 0, false,
	  NULL },
	{ "transaction_read_only", "off", SET_FIXED, 0, 0, false, NULL },
	/* No xml type: the value is kept, as pg_dump sets it. */
	{ "xmloption", "content", SET_CHOICE, 0, 0, false, xml_options },
};

#define N_DEFS     TR_ARRAY_LEN(defs)
#define MAX_CUSTOM 32

struct server_settings {
	char *values[N_DEFS];           /* owned; NULL means the default */
	char *custom_names[MAX_CUSTOM]; /* owned: "prefix.name" settings */
	char *custom_values[MAX_CUSTOM];
	unsigned n_custom;
};

static int find_def(const char *name)
{
	for (unsigned i = 0; i < N_DEFS; i++) {
		if (strcasecmp(defs[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

const char *server_settings_canonical(const char *name)
{
	int i = find_def(name);
	return i < 0 ? NULL : defs[i].name;
}

int server_settings_new(struct server_settings **out)
{
	*out = tr_calloc(1, sizeof **out);
	return *out == NULL ? TR_ENOMEM : TR_OK;
}

void server_settings_free(struct server_settings *s)
{
	if (s == NULL) {
		return;
	}
	for (unsigned i = 0; i < N_DEFS; i++) {
		tr_free(s->values[i]);
	}
	for (unsigned i = 0; i < s->n_custom; i++) {
		tr_free(s->custom_names[i]);
		tr_free(s->custom_values[i]);
	}
	tr_free(s);
}

/* PostgreSQL's boolean spellings, folded to on/off. */
static const char *parse_bool(const char *v)
{
	static const char *const on[] = { "on", "true", "yes", "1", "t", "y" };
	static const char *const off[] = {
		"off", "false", "no", "0", "f", "n"
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(on); i++) {
		if (strcasecmp(v, on[i]) == 0) {
			return "on";
		}
		if (strcasecmp(v, off[i]) == 0) {
			return "off";
		}
	}
	return NULL;
}

const char *server_settings_bool(const char *v)
{
	return parse_bool(v);
}

static int set_custom(struct server_settings *s, const char *name,
		      const char *value)
{
	for (unsigned i = 0; i < s->n_custom; i++) {
		if (strcasecmp(s->custom_names[i], name) == 0) {
			char *v = tr_strdup(value != NULL ? value : "");
			if (v == NULL) {
				return TR_ENOMEM;
			}
			tr_free(s->custom_values[i]);
			s->custom_values[i] = v;
			return TR_OK;
		}
	}
	if (s->n_custom == MAX_CUSTOM) {
		return TR_ETOOBIG;
	}
	char *n = tr_strdup(name);
	char *v = tr_strdup(value != NULL ? value : "");
	if (n == NULL || v == NULL) {
		tr_free(n);
		tr_free(v);
		return TR_ENOMEM;
	}
	for (char *p = n; *p != '\0'; p++) {
		*p = (char)tolower((unsigned char)*p);
	}
	s->custom_names[s->n_custom] = n;
	s->custom_values[s->n_custom] = v;
	s->n_custom++;
	return TR_OK;
}

/* @n in the unit written at @unit ("" and "ms": milliseconds), as
 * milliseconds; *@end past the unit.  An unknown unit leaves *@end on it
 * (the caller refuses the value); -1 on overflow. */
static long with_unit(long n, const char *unit, char **end)
{
	static const struct {
		const char *name;
		long ms;
	} units[] = {
		{ "ms", 1 },      { "s", 1000 },     { "min", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	const char *p = unit;
	while (*p == ' ') {
		p++;
	}
	*end = (char *)unit;
	if (*p == '\0') {
		*end = (char *)p;
		return n;
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(units); i++) {
		if (strcmp(p, units[i].name) == 0) {
			*end = (char *)p + strlen(p);
			return n > LONG_MAX / units[i].ms ? -1
							  : n * units[i].ms;
		}
	}
	return n;
}

const char *server_settings_display(const char *name, const char *value,
				    char *buf, size_t cap)
{
	int i = find_def(name);
	if (i < 0 || defs[i].kind != SET_MS || value == NULL) {
		return value;
	}
	/* The largest unit that divides the value, as PostgreSQL shows. */
	static const struct {
		const char *name;
		long ms;
	} units[] = {
		{ "d", 86400000 },
		{ "h", 3600000 },
		{ "min", 60000 },
		{ "s", 1000 },
	};
	long n = strtol(value, NULL, 10);
	if (n == 0) {
		return "0";
	}
	for (size_t k = 0; k < TR_ARRAY_LEN(units); k++) {
		if (n % units[k].ms == 0) {
			snprintf(buf, cap, "%ld%s", n / units[k].ms,
				 units[k].name);
			return buf;
		}
	}
	snprintf(buf, cap, "%ldms", n);
	return buf;
}

/* 22023 "invalid value for parameter" into @err. */
static void bad_value(const struct setting_def *d, const char *value,
		      struct tr_arena *a, struct sql_error *err)
{
	sql_error_set(err, a, "22023",
		      "invalid value for parameter \"%s\": \"%s\"", d->name,
		      value);
}

/* @value among @d's choices, as stored; NULL after filling @err (with
 * PostgreSQL's HINT listing the values). */
static const char *choose(const struct setting_def *d, const char *value,
			  struct tr_arena *a, struct sql_error *err)
{
	const struct setting_choice *c;
	for (c = d->choices; c->name != NULL; c++) {
		if (strcasecmp(c->name, value) == 0 && c->unsupported) {
			sql_error_set(err, a, "0A000",
				      "%s = %s is not supported", d->name,
				      c->name);
			return NULL;
		}
		if (strcasecmp(c->name, value) == 0) {
			return c->as != NULL ? c->as : c->name;
		}
	}
	bad_value(d, value, a, err);
	struct tr_buf b;
	tr_buf_init(&b, 0);
	tr_buf_put_str(&b, "Available values: ");
	bool first = true;
	for (c = d->choices; c->name != NULL; c++) {
		if (!c->hidden) {
			tr_buf_printf(&b, "%s%s", first ? "" : ", ", c->name);
			first = false;
		}
	}
	tr_buf_put_str(&b, ".");
	if (tr_buf_err(&b) == TR_OK) {
		err->hint = tr_arena_strdup(a, tr_buf_cstr(&b));
	}
	tr_buf_close(&b);
	return NULL;
}

bool server_settings_notice_wanted(const struct server_settings *s,
				   bool warning)
{
	const char *level = server_settings_get(s, "client_min_messages");
	/* PostgreSQL's order: debug5 .. debug1 < log < info < notice <
	 * warning < error; a message goes out at or above the level. */
	if (strcmp(level, "error") == 0) {
		return false;
	}
	return warning || strcmp(level, "warning") != 0;
}

int server_settings_set(struct server_settings *s, struct tr_arena *a,
			const char *name, const char *value, bool *report,
			struct sql_error *err)
{
	int i = find_def(name);
	const char *v = value;
	char num[32];

	*report = false;
	if (i < 0) {
		if (strchr(name, '.') != NULL) {
			int rv = set_custom(s, name, value);
			if (rv == TR_ETOOBIG) {
				sql_error_set(err, a, "54000",
					      "too many custom settings");
				return TR_ESQL;
			}
			return rv;
		}
		sql_error_set(err, a, "42704",
			      "unrecognized configuration parameter \"%s\"",
			      name);
		return TR_ESQL;
	}
	const struct setting_def *d = &defs[i];
	if (d->kind == SET_FIXED) {
		sql_error_set(err, a, "55P02",
			      "parameter \"%s\" cannot be changed", d->name);
		return TR_ESQL;
	}
	if (v != NULL) {
		switch (d->kind) {
		case SET_BOOL:
			v = parse_bool(value);
			if (v == NULL) {
				sql_error_set(err, a, "22023",
					      "parameter \"%s\" requires a "
					      "Boolean value",
					      d->name);
				return TR_ESQL;
			}
			break;
		case SET_INT:
		case SET_MS: {
			char *end;
			long n = strtol(value, &end, 10);
			if (d->kind == SET_MS && end != value) {
				n = with_unit(n, end, &end);
			}
			if (*value == '\0' || *end != '\0' || n < d->min ||
			    n > d->max) {
				sql_error_set(err, a, "22023",
					      "invalid value for parameter "
					      "\"%s\": \"%s\"",
					      d->name, value);
				return TR_ESQL;
			}
			snprintf(num, sizeof num, "%ld", n);
			v = num;
			break;
		}
		case SET_ENCODING: {
			/* PostgreSQL compares encoding names with everything
			 * but letters and digits removed ("'utf-8'" is UTF8,
			 * as asyncpg sends it). */
			char clean[32];
			size_t n = 0;
			for (const char *p = value;
			     *p != '\0' && n + 1 < sizeof clean; p++) {
				if (isalnum((unsigned char)*p)) {
					clean[n++] = (char)tolower(
						(unsigned char)*p);
				}
			}
			clean[n] = '\0';
			if (strcmp(clean, "utf8") == 0 ||
			    strcmp(clean, "unicode") == 0) {
				v = "UTF8";
			} else if (strcmp(clean, "sqlascii") == 0) {
				/* SQL_ASCII means "no conversion": the
				 * client gets UTF-8 bytes as they are. */
				v = "SQL_ASCII";
			} else {
				sql_error_set(err, a, "0A000",
					      "client encoding \"%s\" is not "
					      "supported: triode speaks UTF8 "
					      "only",
					      value);
				return TR_ESQL;
			}
			break;
		}
		case SET_CHOICE:
			v = choose(d, value, a, err);
			if (v == NULL) {
				return TR_ESQL;
			}
			break;
		case SET_TABLESPACE:
			/* pg_tablespace has pg_default only. */
			if (value[0] != '\0' &&
			    strcmp(value, "pg_default") != 0) {
				bad_value(d, value, a, err);
				err->detail = tr_arena_printf(
					a, "Tablespace \"%s\" does not exist.",
					value);
				return TR_ESQL;
			}
			break;
		case SET_TABLE_AM:
			if (strcmp(value, "heap") != 0) {
				bad_value(d, value, a, err);
				err->detail =
					value[0] == '\0'
						? "default_table_access_method "
						  "cannot be empty."
						: tr_arena_printf(
							  a,
							  "Table access method "
							  "\"%s\" does not "
							  "exist.",
							  value);
				return TR_ESQL;
			}
			break;
		case SET_FALSE:
			v = parse_bool(value);
			if (v == NULL) {
				sql_error_set(err, a, "22023",
					      "parameter \"%s\" requires a "
					      "Boolean value",
					      d->name);
				return TR_ESQL;
			}
			if (strcmp(v, "on") == 0) {
				sql_error_set(err, a, "0A000",
					      "tables declared WITH OIDS are "
					      "not supported");
				return TR_ESQL;
			}
			break;
		default:
			break;
		}
	}
	char *copy = NULL;
	if (v != NULL) {
		copy = tr_strdup(v);
		if (copy == NULL) {
			return TR_ENOMEM;
		}
	}
	tr_free(s->values[i]);
	s->values[i] = copy;
	*report = d->report;
	return TR_OK;
}

const char *server_settings_get(const struct server_settings *s,
				const char *name)
{
	int i = find_def(name);
	if (i < 0) {
		for (unsigned j = 0; j < s->n_custom; j++) {
			if (strcasecmp(s->custom_names[j], name) == 0) {
				return s->custom_values[j];
			}
		}
		return NULL;
	}
	return s->values[i] != NULL ? s->values[i] : defs[i].dflt;
}

void server_settings_reset_all(struct server_settings *s,
			       void (*cb)(void *arg, const char *name,
					  const char *value),
			       void *arg)
{
	for (unsigned i = 0; i < N_DEFS; i++) {
		if (s->values[i] == NULL) {
			continue;
		}
		bool changed = strcmp(s->values[i], defs[i].dflt) != 0;
		tr_free(s->values[i]);
		s->values[i] = NULL;
		if (changed && defs[i].report && cb != NULL) {
			cb(arg, defs[i].name, defs[i].dflt);
		}
	}
	for (unsigned j = 0; j < s->n_custom; j++) {
		tr_free(s->custom_names[j]);
		tr_free(s->custom_values[j]);
	}
	s->n_custom = 0;
}

bool server_settings_at(const struct server_settings *s, unsigned i,
			const char **name, const char **value)
{
	if (i >= N_DEFS) {
		return false;
	}
	*name = defs[i].name;
	*value = s->values[i] != NULL ? s->values[i] : defs[i].dflt;
	return true;
}

int server_settings_copy(const struct server_settings *src,
			 struct server_settings **out)
{
	struct server_settings *c;
	if (server_settings_new(&c) != TR_OK) {
		return TR_ENOMEM;
	}
	bool ok = true;
	for (unsigned i = 0; i < N_DEFS && ok; i++) {
		if (src->values[i] != NULL) {
			c->values[i] = tr_strdup(src->values[i]);
			ok = c->values[i] != NULL;
		}
	}
	for (unsigned i = 0; i < src->n_custom && ok; i++) {
		c->custom_names[i] = tr_strdup(src->custom_names[i]);
		c->custom_values[i] = tr_strdup(src->custom_values[i]);
		c->n_custom = i + 1;
		ok = c->custom_names[i] != NULL && c->custom_values[i] != NULL;
	}
	if (!ok) {
		server_settings_free(c);
		return TR_ENOMEM;
	}
	*out = c;
	return TR_OK;
}

void server_settings_report_changes(const struct server_settings *before,
				    const struct server_settings *after,
				    void (*cb)(void *arg, const char *name,
					       const char *value),
				    void *arg)
{
	for (unsigned i = 0; i < N_DEFS; i++) {
		const char *a = before->values[i] != NULL ? before->values[i]
							  : defs[i].dflt;
		const char *b = after->values[i] != NULL ? after->values[i]
							 : defs[i].dflt;
		if (defs[i].report && strcmp(a, b) != 0) {
			cb(arg, defs[i].name, b);
		}
	}
}
