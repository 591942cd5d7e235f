/*
 * sql/types.c: PostgreSQL types as triode stores them in SQLite.
 *
 *   sql_type_len           typlen of a type OID
 *   sql_type_name          PostgreSQL name of a type OID
 *   sql_type_from_decltype declared SQLite type -> OID and typmod
 *   sql__type_resolve      a parsed TypeName -> triode's type entry
 *
 * Declared types carry the PostgreSQL name ("int4", "varchar(20)",
 * "numeric(10,2)") except where dqlite 1.11.1 would misbehave: it treats
 * the exact declared types DATE, DATETIME, TIMESTAMP and BOOLEAN
 * specially and aborts the node on an unexpected storage class
 * (DESIGN.md §4), so date and timestamp become "pg_date" and
 * "pg_timestamp" and boolean becomes "bool".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

/* Known types, by the name the parser gives (pg_catalog.<name> or a bare
 * generic name).  decl NULL: the serial pseudo-types. */
static const struct sql__type types[] = {
	{ "int2", SQL_OID_INT2, "int2", "INTEGER", 0 },
	{ "smallint", SQL_OID_INT2, "int2", "INTEGER", 0 },
	{ "int4", SQL_OID_INT4, "int4", "INTEGER", 0 },
	{ "int", SQL_OID_INT4, "int4", "INTEGER", 0 },
	{ "integer", SQL_OID_INT4, "int4", "INTEGER", 0 },
	{ "int8", SQL_OID_INT8, "int8", "INTEGER", 0 },
	{ "bigint", SQL_OID_INT8, "int8", "INTEGER", 0 },
	{ "float4", SQL_OID_FLOAT4, "float4", "REAL", 0 },
	{ "real", SQL_OID_FLOAT4, "float4", "REAL", 0 },
	{ "float8", SQL_OID_FLOAT8, "float8", "REAL", 0 },
	{ "float", SQL_OID_FLOAT8, "float8", "REAL", 0 },
	{ "numeric", SQL_OID_NUMERIC, "numeric", "NUMERIC", 0 },
	{ "decimal", SQL_OID_NUMERIC, "numeric", "NUMERIC", 0 },
	{ "text", SQL_OID_TEXT, "text", "TEXT", 0 },
	{ "varchar", SQL_OID_VARCHAR, "varchar", "TEXT", 0 },
	{ "bpchar", SQL_OID_BPCHAR, "bpchar", "TEXT", 0 },
	{ "bool", SQL_OID_BOOL, "bool", "INTEGER", 0 },
	{ "boolean", SQL_OID_BOOL, "bool", "INTEGER", 0 },
	{ "bytea", SQL_OID_BYTEA, "bytea", "BLOB", 0 },
	{ "date", SQL_OID_DATE, "pg_date", "TEXT", 0 },
	{ "timestamp", SQL_OID_TIMESTAMP, "pg_timestamp", "TEXT", 0 },
	{ "timestamptz", SQL_OID_TIMESTAMPTZ, "timestamptz", "TEXT", 0 },
	{ "time", SQL_OID_TIME, "time", "TEXT", 0 },
	{ "timetz", SQL_OID_TIMETZ, "timetz", "TEXT", 0 },
	{ "interval", SQL_OID_INTERVAL, "interval", "TEXT", 0 },
	{ "uuid", SQL_OID_UUID, "uuid", "TEXT", 0 },
	{ "json", SQL_OID_JSON, "json", "TEXT", 0 },
	{ "jsonb", SQL_OID_JSONB, "jsonb", "TEXT", 0 },
	{ "oid", SQL_OID_OID, "oid", "INTEGER", 0 },
	{ "name", SQL_OID_NAME, "text", "TEXT", 0 },
	{ "smallserial", SQL_OID_INT2, NULL, "INTEGER", 2 },
	{ "serial2", SQL_OID_INT2, NULL, "INTEGER", 2 },
	{ "serial", SQL_OID_INT4, NULL, "INTEGER", 4 },
	{ "serial4", SQL_OID_INT4, NULL, "INTEGER", 4 },
	{ "bigserial", SQL_OID_INT8, NULL, "INTEGER", 8 },
	{ "serial8", SQL_OID_INT8, NULL, "INTEGER", 8 },
};

const struct sql__type *sql__type_text(void)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(types); i++) {
		if (types[i].oid == SQL_OID_TEXT) {
			return &types[i];
		}
	}
	return NULL;
}

bool sql__type_known(const char *name)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(types); i++) {
		if (strcmp(types[i].name, name) == 0) {
			return true;
		}
	}
	return false;
}

const struct sql__type *sql__type_resolve(struct sql__emit *e,
					  const PgQuery__TypeName *tn,
					  int32_t *typmod, int mods[2])
{
	const char *name = NULL;
	const char *schema = NULL;
	*typmod = -1;
	mods[0] = mods[1] = -1;
	if (tn->n_names == 0 || tn->n_names > 2) {
		sql__fail(e, tn->location, "0A000", "type is not supported");
		return NULL;
	}
	name = sql__str(tn->names[tn->n_names - 1]);
	if (tn->n_names == 2) {
		schema = sql__str(tn->names[0]);
	}
	if (name == NULL) {
		sql__fail(e, tn->location, "0A000", "type is not supported");
		return NULL;
	}
	if (tn->setof || tn->pct_type) {
		sql__fail(e, tn->location, "0A000", "type %s is not supported",
			  name);
		return NULL;
	}
	if (schema != NULL && strcmp(schema, "pg_catalog") != 0 &&
	    strcmp(schema, "public") != 0) {
		sql__fail(e, tn->location, "3F000",
			  "schema \"%s\" does not exist", schema);
		return NULL;
	}
	const struct sql__type *t = NULL;
	for (size_t i = 0; i < TR_ARRAY_LEN(types); i++) {
		if (strcmp(types[i].name, name) == 0) {
			t = &types[i];
			break;
		}
	}
	if (t == NULL) {
		sql__type_missing(e, tn, name); /* 0A000 or 42704 (ddl.c) */
		e->stmt->needs_schema = true; /* an enum type? (enum.c) */
		return NULL;
	}
	for (size_t i = 0; i < tn->n_typmods && i < 2; i++) {
		const Node *m = tn->typmods[i];
		if (m->node_case != PG_QUERY__NODE__NODE_A_CONST ||
		    m->a_const->val_case != PG_QUERY__A__CONST__VAL_IVAL) {
			sql__fail(e, tn->location, "0A000",
				  "type modifier of %s is not supported", name);
			return NULL;
		}
		mods[i] = m->a_const->ival->ival;
	}
	if (tn->n_typmods > 2) {
		sql__fail(e, tn->location, "42601", "invalid type modifier");
		return NULL;
	}
	switch (t->oid) {
	case SQL_OID_VARCHAR:
	case SQL_OID_BPCHAR:
		if (mods[0] == 0 || mods[0] < -1) {
			sql__fail(e, tn->location, "22023",
				  "length for type %s must be at least 1",
				  t->name);
			return NULL;
		}
		if (mods[0] > 0) {
			*typmod = mods[0] + 4;
		}
		break;
	case SQL_OID_NUMERIC:
		if (mods[0] != -1) {
			if (mods[0] < 1 || mods[0] > 1000) {
				sql__fail(e, tn->location, "22023",
					  "NUMERIC precision %d must be "
					  "between 1 and 1000",
					  mods[0]);
				return NULL;
			}
			int scale = mods[1] < 0 ? 0 : mods[1];
			*typmod = ((mods[0] << 16) | scale) + 4;
		}
		break;
	default:
		break;
	}
	if (tn->n_array_bounds > 0) {
		/* Any number of dimensions, as PostgreSQL declares them:
		 * the values decide (array.c takes one). */
		const struct sql__type *at =
			t->serial ? NULL : sql__array_type(t->oid);
		if (at == NULL) {
			sql__fail(e, tn->location, "0A000",
				  "array type %s[] is not supported", name);
		}
		return at;
	}
	return t;
}

bool sql__decl_is_forbidden(const char *decl)
{
	static const char *const bad[] = { "DATE", "DATETIME", "TIMESTAMP",
					   "BOOLEAN" };
	if (decl == NULL) {
		return false;
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(bad); i++) {
		if (strcasecmp(decl, bad[i]) == 0) {
			return true;
		}
	}
	return false;
}

int16_t sql_type_len(uint32_t oid)
{
	switch (oid) {
	case SQL_OID_BOOL:
		return 1;
	case SQL_OID_INT2:
		return 2;
	case SQL_OID_INT4:
	case SQL_OID_OID:
	case SQL_OID_FLOAT4:
	case SQL_OID_DATE:
		return 4;
	case SQL_OID_INT8:
	case SQL_OID_FLOAT8:
	case SQL_OID_TIME:
	case SQL_OID_TIMESTAMP:
	case SQL_OID_TIMESTAMPTZ:
		return 8;
	case SQL_OID_TIMETZ:
		return 12;
	case SQL_OID_INTERVAL:
	case SQL_OID_UUID:
		return 16;
	case SQL_OID_NAME:
		return 64;
	case SQL_OID_UNKNOWN:
		return -2;
	default:
		return -1;
	}
}

const char *sql_type_name(uint32_t oid)
{
	switch (oid) {
	case SQL_OID_BOOL:
		return "bool";
	case SQL_OID_BYTEA:
		return "bytea";
	case SQL_OID_NAME:
		return "name";
	case SQL_OID_INT8:
		return "int8";
	case SQL_OID_INT2:
		return "int2";
	case SQL_OID_INT4:
		return "int4";
	case SQL_OID_TEXT:
		return "text";
	case SQL_OID_OID:
		return "oid";
	case SQL_OID_JSON:
		return "json";
	case SQL_OID_FLOAT4:
		return "float4";
	case SQL_OID_FLOAT8:
		return "float8";
	case SQL_OID_UNKNOWN:
		return "unknown";
	case SQL_OID_BPCHAR:
		return "bpchar";
	case SQL_OID_VARCHAR:
		return "varchar";
	case SQL_OID_DATE:
		return "date";
	case SQL_OID_TIME:
		return "time";
	case SQL_OID_TIMESTAMP:
		return "timestamp";
	case SQL_OID_TIMESTAMPTZ:
		return "timestamptz";
	case SQL_OID_INTERVAL:
		return "interval";
	case SQL_OID_TIMETZ:
		return "timetz";
	case SQL_OID_NUMERIC:
		return "numeric";
	case SQL_OID_UUID:
		return "uuid";
	case SQL_OID_JSONB:
		return "jsonb";
	default:
		return NULL;
	}
}

/* Declared names, lower case, as written by triode or by hand. */
static const struct {
	const char *name;
	uint32_t oid;
} decls[] = {
	{ "int2", SQL_OID_INT2 },
	{ "smallint", SQL_OID_INT2 },
	{ "int4", SQL_OID_INT4 },
	{ "int", SQL_OID_INT4 },
	{ "int8", SQL_OID_INT8 },
	{ "bigint", SQL_OID_INT8 },
	/* SQLite's rowid alias: 64-bit. */
	{ "integer", SQL_OID_INT8 },
	{ "float4", SQL_OID_FLOAT4 },
	{ "float8", SQL_OID_FLOAT8 },
	{ "real", SQL_OID_FLOAT8 },
	{ "double", SQL_OID_FLOAT8 },
	{ "numeric", SQL_OID_NUMERIC },
	{ "decimal", SQL_OID_NUMERIC },
	{ "text", SQL_OID_TEXT },
	{ "varchar", SQL_OID_VARCHAR },
	{ "bpchar", SQL_OID_BPCHAR },
	{ "char", SQL_OID_BPCHAR },
	{ "character", SQL_OID_BPCHAR },
	{ "bool", SQL_OID_BOOL },
	{ "boolean", SQL_OID_BOOL },
	{ "bytea", SQL_OID_BYTEA },
	{ "blob", SQL_OID_BYTEA },
	{ "pg_date", SQL_OID_DATE },
	{ "date", SQL_OID_DATE },
	{ "pg_timestamp", SQL_OID_TIMESTAMP },
	{ "timestamp", SQL_OID_TIMESTAMP },
	{ "datetime", SQL_OID_TIMESTAMP },
	{ "timestamptz", SQL_OID_TIMESTAMPTZ },
	{ "time", SQL_OID_TIME },
	{ "timetz", SQL_OID_TIMETZ },
	{ "interval", SQL_OID_INTERVAL },
	{ "uuid", SQL_OID_UUID },
	{ "json", SQL_OID_JSON },
	{ "jsonb", SQL_OID_JSONB },
	{ "oid", SQL_OID_OID },
	{ "name", SQL_OID_NAME },
	/* The system catalogs' own column types (pgcatalog.c): "pg_char"
	 * is PostgreSQL's one-byte "char"; arrays use pg_type's names. */
	{ "pg_char", 18 },
	{ "int2vector", 22 },
	{ "regproc", 24 },
	{ "xid", 28 },
	{ "oidvector", 30 },
	{ "pg_node_tree", 194 },
	{ "regclass", 2205 },
	{ "regtype", 2206 },
	{ "_char", 1002 },
	{ "_name", 1003 },
	{ "_int2", 1005 },
	{ "_text", 1009 },
	{ "_oid", 1028 },
	{ "_aclitem", 1034 },
};

/* SQLite's affinity rules (datatype3.html §3.1) for foreign names. */
static uint32_t affinity_type(const char *d)
{
	char up[64];
	size_t n = strlen(d);
	if (n >= sizeof up) {
		n = sizeof up - 1;
	}
	for (size_t i = 0; i < n; i++) {
		up[i] = (char)toupper((unsigned char)d[i]);
	}
	up[n] = '\0';
	if (strstr(up, "INT") != NULL) {
		return SQL_OID_INT8;
	}
	if (strstr(up, "CHAR") != NULL || strstr(up, "CLOB") != NULL ||
	    strstr(up, "TEXT") != NULL) {
		return SQL_OID_TEXT;
	}
	if (strstr(up, "BLOB") != NULL) {
		return SQL_OID_BYTEA;
	}
	if (strstr(up, "REAL") != NULL || strstr(up, "FLOA") != NULL ||
	    strstr(up, "DOUB") != NULL) {
		return SQL_OID_FLOAT8;
	}
	if (strstr(up, "NUMERIC") != NULL || strstr(up, "DECIMAL") != NULL) {
		return SQL_OID_NUMERIC;
	}
	return SQL_OID_TEXT;
}

uint32_t sql_type_from_decltype(const char *decltype, int32_t *typmod)
{
	int32_t dummy;
	if (typmod == NULL) {
		typmod = &dummy;
	}
	*typmod = -1;
	if (decltype == NULL) {
		return SQL_OID_TEXT;
	}
	const char *p = decltype;
	while (isspace((unsigned char)*p)) {
		p++;
	}
	/* First word, lower-cased. */
	char word[32];
	size_t n = 0;
	while ((isalnum((unsigned char)*p) || *p == '_') &&
	       n < sizeof word - 1) {
		word[n++] = (char)tolower((unsigned char)*p);
		p++;
	}
	word[n] = '\0';
	if (strcmp(word, "enum_text") == 0) {
		return SQL_OID_TEXT; /* an enum column (enum.c) */
	}
	if (isalnum((unsigned char)*p) || *p == '_') {
		return affinity_type(decltype); /* overlong word */
	}
	uint32_t oid = 0;
	for (size_t i = 0; i < TR_ARRAY_LEN(decls); i++) {
		if (strcmp(decls[i].name, word) == 0) {
			oid = decls[i].oid;
			break;
		}
	}
	if (oid == 0) {
		oid = sql__array_from_decl(word);
	}
	if (oid == 0) {
		return affinity_type(decltype);
	}
	if (oid == SQL_OID_BPCHAR) {
		const char *q = p;
		while (*q == ' ') {
			q++;
		}
		if (strncasecmp(q, "varying", 7) == 0) {
			oid = SQL_OID_VARCHAR;
		}
	}
	/* Optional "(p[,s])" (after an optional second word such as
	 * "varying" or "precision", which we skip). */
	while (*p == ' ' || isalpha((unsigned char)*p)) {
		p++;
	}
	if (*p == '(') {
		char *end;
		long a = strtol(p + 1, &end, 10);
		long b = 0;
		if (*end == ',') {
			b = strtol(end + 1, &end, 10);
		}
		if (*end == ')' && a > 0 && a < 10000000 && b >= 0 &&
		    b < 10000) {
			if (oid == SQL_OID_VARCHAR || oid == SQL_OID_BPCHAR) {
				*typmod = (int32_t)a + 4;
			} else if (oid == SQL_OID_NUMERIC && a <= 1000) {
				*typmod = (int32_t)(((a << 16) | b) + 4);
			}
		}
	}
	return oid;
}
