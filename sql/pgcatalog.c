/*
 * sql/pgcatalog.c: PostgreSQL's system catalogs on the catalog mirror
 * (sql-translation.md §5.2).
 *
 *   sql__pgcatalog_build   attach pg_catalog and information_schema (both
 *                          in memory) and fill them from the mirror's user
 *                          schema (sqlite_schema + the table pragmas)
 *
 * The catalog tables have PostgreSQL's names and column names; their
 * declared types are PostgreSQL type names that sql_type_from_decltype
 * maps back to the right OIDs ("pg_char" is PostgreSQL's one-byte "char",
 * SQLite's "char" being bpchar).  Arrays and vectors are stored as
 * PostgreSQL's text output ('{1,2}', int2vector '1 2'), so that they print
 * as PostgreSQL prints them; the array functions (pgcatalog_fn.c) read
 * that form.
 *
 * OIDs.  Built-in objects have PostgreSQL's own OIDs.  A user relation's
 * OID comes from the rowid of its row in the cluster's sqlite_schema,
 * which is the same on every node (dqlite replicates the database pages)
 * and stays the same across mirror rebuilds, ALTER TABLE RENAME and ADD
 * or DROP COLUMN:
 *
 *     base = 16384 + 1000 * rowid
 *     base + 0 the relation, +1 its row type, +2 the row type's array,
 *     +3 the sequence of a serial/identity column, +10+i the i-th
 *     automatic index (primary key / unique constraint), +100+i the
 *     constraint of that index, +200+i the i-th foreign key, +300+i the
 *     i-th CHECK, +400+attnum the column default (pg_attrdef).
 *
 * This is the interim scheme: a dropped table's rowid can be reused by the
 * next CREATE (so can its OIDs), which PostgreSQL never does.  A metadata
 * table written with the DDL would remove that.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/sql_int.h"

/* ---------------------------------------------------------------------
 * Schema
 * ------------------------------------------------------------------- */

static const char *const catalog_ddl[] = {
	"CREATE TABLE pg_catalog.pg_namespace (oid oid, nspname name, "
	"nspowner oid, nspacl _aclitem)",
	"CREATE TABLE pg_catalog.pg_class (oid oid, relname name, "
	"relnamespace oid, reltype oid, reloftype oid, relowner oid, "
	"relam oid, relfilenode oid, reltablespace oid, relpages int4, "
	"reltuples float4, relallvisible int4, reltoastrelid oid, "
	"relhasindex bool, relisshared bool, relpersistence pg_char, "
	"relkind pg_char, relnatts int2, relchecks int2, relhasrules bool, "
	"relhastriggers bool, relhassubclass bool, relrowsecurity bool, "
	"relforcerowsecurity bool, relispopulated bool, relreplident "
	"pg_char, relispartition bool, relrewrite oid, relfrozenxid xid, "
	"relminmxid xid, relacl _aclitem, reloptions _text, relpartbound "
	"pg_node_tree)",
	"CREATE TABLE pg_catalog.pg_attribute (attrelid oid, attname name, "
	"atttypid oid, attstattarget int4, attlen int2, attnum int2, "
	"attndims int4, attcacheoff int4, atttypmod int4, attbyval bool, "
	"attalign pg_char, attstorage pg_char, attcompression pg_char, "
	"attnotnull bool, atthasdef bool, atthasmissing bool, attidentity "
	"pg_char, attgenerated pg_char, attisdropped bool, attislocal bool, "
	"attinhcount int4, attcollation oid, attacl _aclitem, attoptions "
	"_text, attfdwoptions _text, attmissingval text)",
	"CREATE TABLE pg_catalog.pg_attrdef (oid oid, adrelid oid, adnum "
	"int2, adbin pg_node_tree)",
	"CREATE TABLE pg_catalog.pg_type (oid oid, typname name, "
	"typnamespace oid, typowner oid, typlen int2, typbyval bool, "
	"typtype pg_char, typcategory pg_char, typispreferred bool, "
	"typisdefined bool, typdelim pg_char, typrelid oid, typsubscript "
	"regproc, typelem oid, typarray oid, typinput regproc, typoutput "
	"regproc, typreceive regproc, typsend regproc, typmodin regproc, "
	"typmodout regproc, typanalyze regproc, typalign pg_char, "
	"typstorage pg_char, typnotnull bool, typbasetype oid, typtypmod "
	"int4, typndims int4, typcollation oid, typdefaultbin pg_node_tree, "
	"typdefault text, typacl _aclitem)",
	"CREATE TABLE pg_catalog.pg_index (indexrelid oid, indrelid oid, "
	"indnatts int2, indnkeyatts int2, indisunique bool, "
	"indnullsnotdistinct bool, indisprimary bool, indisexclusion bool, "
	"indimmediate bool, indisclustered bool, indisvalid bool, "
	"indcheckxmin bool, indisready bool, indislive bool, indisreplident "
	"bool, indkey int2vector, indcollation oidvector, indclass "
	"oidvector, indoption int2vector, indexprs pg_node_tree, indpred "
	"pg_node_tree)",
	"CREATE TABLE pg_catalog.pg_constraint (oid oid, conname name, "
	"connamespace oid, contype pg_char, condeferrable bool, condeferred "
	"bool, convalidated bool, conrelid oid, contypid oid, conindid oid, "
	"conparentid oid, confrelid oid, confupdtype pg_char, confdeltype "
	"pg_char, confmatchtype pg_char, conislocal bool, coninhcount int4, "
	"connoinherit bool, conkey _int2, confkey _int2, conpfeqop _oid, "
	"conppeqop _oid, conffeqop _oid, confdelsetcols _int2, conexclop "
	"_oid, conbin pg_node_tree)",
	"CREATE TABLE pg_catalog.pg_am (oid oid, amname name, amhandler "
	"regproc, amtype pg_char)",
	"CREATE TABLE pg_catalog.pg_collation (oid oid, collname name, "
	"collnamespace oid, collowner oid, collprovider pg_char, "
	"collisdeterministic bool, collencoding int4, collcollate text, "
	"collctype text, colliculocale text, collversion text)",
	"CREATE TABLE pg_catalog.pg_database (oid oid, datname name, datdba "
	"oid, encoding int4, datlocprovider pg_char, datistemplate bool, "
	"datallowconn bool, datconnlimit int4, datfrozenxid xid, datminmxid "
	"xid, dattablespace oid, datcollate text, datctype text, "
	"daticulocale text, datcollversion text, datacl _aclitem)",
	"CREATE TABLE pg_catalog.pg_roles (rolname name, rolsuper bool, "
	"rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin "
	"bool, rolreplication bool, rolconnlimit int4, rolpassword text, "
	"rolvaliduntil timestamptz, rolbypassrls bool, rolconfig _text, oid "
	"oid)",
	"CREATE TABLE pg_catalog.pg_user (usename name, usesysid oid, "
	"usecreatedb bool, usesuper bool, userepl bool, usebypassrls bool, "
	"passwd text, valuntil timestamptz, useconfig _text)",
	"CREATE TABLE pg_catalog.pg_auth_members (roleid oid, member oid, "
	"grantor oid, admin_option bool)",
	"CREATE TABLE pg_catalog.pg_description (objoid oid, classoid oid, "
	"objsubid int4, description text)",
	"CREATE TABLE pg_catalog.pg_shdescription (objoid oid, classoid oid, "
	"description text)",
	"CREATE TABLE pg_catalog.pg_sequence (seqrelid oid, seqtypid oid, "
	"seqstart int8, seqincrement int8, seqmax int8, seqmin int8, "
	"seqcache int8, seqcycle bool)",
	"CREATE TABLE pg_catalog.pg_enum (oid oid, enumtypid oid, "
	"enumsortorder float4, enumlabel name)",
	"CREATE TABLE pg_catalog.pg_range (rngtypid oid, rngsubtype oid, "
	"rngmultitypid oid, rngcollation oid, rngsubopc oid, rngcanonical "
	"regproc, rngsubdiff regproc)",
	"CREATE TABLE pg_catalog.pg_settings (name text, setting text, unit "
	"text, category text, short_desc text, extra_desc text, context "
	"text, vartype text, source text, min_val text, max_val text, "
	"enumvals _text, boot_val text, reset_val text, sourcefile text, "
	"sourceline int4, pending_restart bool)",
	"CREATE TABLE pg_catalog.pg_proc (oid oid, proname name, "
	"pronamespace oid, proowner oid, prolang oid, procost float4, "
	"prorows float4, provariadic oid, prosupport regproc, prokind "
	"pg_char, prosecdef bool, proleakproof bool, proisstrict bool, "
	"proretset bool, provolatile pg_char, proparallel pg_char, pronargs "
	"int2, pronargdefaults int2, prorettype oid, proargtypes oidvector, "
	"proallargtypes _oid, proargmodes _char, proargnames _text, "
	"proargdefaults pg_node_tree, protrftypes _oid, prosrc text, probin "
	"text, prosqlbody pg_node_tree, proconfig _text, proacl _aclitem)",
	"CREATE TABLE pg_catalog.pg_language (oid oid, lanname name, "
	"lanowner oid, lanispl bool, lanpltrusted bool, lanplcallfoid oid, "
	"laninline oid, lanvalidator oid, lanacl _aclitem)",
	"CREATE TABLE pg_catalog.pg_inherits (inhrelid oid, inhparent oid, "
	"inhseqno int4, inhdetachpending bool)",
	"CREATE TABLE pg_catalog.pg_trigger (oid oid, tgrelid oid, "
	"tgparentid oid, tgname name, tgfoid oid, tgtype int2, tgenabled "
	"pg_char, tgisinternal bool, tgconstrrelid oid, tgconstrindid oid, "
	"tgconstraint oid, tgdeferrable bool, tginitdeferred bool, tgnargs "
	"int2, tgattr int2vector, tgargs bytea, tgqual pg_node_tree, "
	"tgoldtable name, tgnewtable name)",
	"CREATE TABLE pg_catalog.pg_policy (oid oid, polname name, polrelid "
	"oid, polcmd pg_char, polpermissive bool, polroles _oid, polqual "
	"pg_node_tree, polwithcheck pg_node_tree)",
	"CREATE TABLE pg_catalog.pg_rewrite (oid oid, rulename name, "
	"ev_class oid, ev_type pg_char, ev_enabled pg_char, is_instead bool, "
	"ev_qual pg_node_tree, ev_action pg_node_tree)",
	"CREATE TABLE pg_catalog.pg_statistic_ext (oid oid, stxrelid oid, "
	"stxname name, stxnamespace oid, stxowner oid, stxstattarget int4, "
	"stxkeys int2vector, stxkind _char, stxexprs pg_node_tree)",
	"CREATE TABLE pg_catalog.pg_publication (oid oid, pubname name, "
	"pubowner oid, puballtables bool, pubinsert bool, pubupdate bool, "
	"pubdelete bool, pubtruncate bool, pubviaroot bool)",
	"CREATE TABLE pg_catalog.pg_publication_rel (oid oid, prpubid oid, "
	"prrelid oid, prqual pg_node_tree, prattrs int2vector)",
	"CREATE TABLE pg_catalog.pg_publication_namespace (oid oid, pnpubid "
	"oid, pnnspid oid)",
	"CREATE TABLE pg_catalog.pg_tablespace (oid oid, spcname name, "
	"spcowner oid, spcacl _aclitem, spcoptions _text)",
	"CREATE TABLE pg_catalog.pg_extension (oid oid, extname name, "
	"extowner oid, extnamespace oid, extrelocatable bool, extversion "
	"text, extconfig _oid, extcondition _text)",
	"CREATE TABLE pg_catalog.pg_depend (classid oid, objid oid, objsubid "
	"int4, refclassid oid, refobjid oid, refobjsubid int4, deptype "
	"pg_char)",
	"CREATE TABLE pg_catalog.pg_foreign_table (ftrelid oid, ftserver "
	"oid, ftoptions _text)",
	"CREATE TABLE pg_catalog.pg_partitioned_table (partrelid oid, "
	"partstrat pg_char, partnatts int2, partdefid oid, partattrs "
	"int2vector, partclass oidvector, partcollation oidvector, partexprs "
	"pg_node_tree)",
	"CREATE TABLE pg_catalog.pg_tables (schemaname name, tablename name, "
	"tableowner name, tablespace name, hasindexes bool, hasrules bool, "
	"hastriggers bool, rowsecurity bool)",
	"CREATE TABLE pg_catalog.pg_views (schemaname name, viewname name, "
	"viewowner name, definition text)",
	"CREATE TABLE pg_catalog.pg_matviews (schemaname name, matviewname "
	"name, matviewowner name, tablespace name, hasindexes bool, "
	"ispopulated bool, definition text)",
	"CREATE TABLE pg_catalog.pg_indexes (schemaname name, tablename "
	"name, indexname name, tablespace name, indexdef text)",
	"CREATE TABLE pg_catalog.pg_sequences (schemaname name, sequencename "
	"name, sequenceowner name, data_type regtype, start_value int8, "
	"min_value int8, max_value int8, increment_by int8, cycle bool, "
	"cache_size int8, last_value int8)",
	"CREATE TABLE pg_catalog.pg_statio_all_tables (relid oid, "
	"schemaname name, relname name, heap_blks_read int8, heap_blks_hit "
	"int8, idx_blks_read int8, idx_blks_hit int8, toast_blks_read int8, "
	"toast_blks_hit int8, tidx_blks_read int8, tidx_blks_hit int8)",
	/* Not PostgreSQL's: the text pg_get_indexdef, pg_get_constraintdef
	 * and pg_get_viewdef print, keyed by OID (sub: index column). */
	"CREATE TABLE pg_catalog.triode_defs (oid oid, sub int4, def text, "
	"PRIMARY KEY (oid, sub)) WITHOUT ROWID",
	"CREATE TABLE information_schema.schemata (catalog_name name, "
	"schema_name name, schema_owner name, default_character_set_catalog "
	"name, default_character_set_schema name, default_character_set_name "
	"name, sql_path text)",
	"CREATE TABLE information_schema.tables (table_catalog name, "
	"table_schema name, table_name name, table_type text, "
	"self_referencing_column_name name, reference_generation text, "
	"user_defined_type_catalog name, user_defined_type_schema name, "
	"user_defined_type_name name, is_insertable_into text, is_typed "
	"text, commit_action text)",
	"CREATE TABLE information_schema.columns (table_catalog name, "
	"table_schema name, table_name name, column_name name, "
	"ordinal_position int4, column_default text, is_nullable text, "
	"data_type text, character_maximum_length int4, "
	"character_octet_length int4, numeric_precision int4, "
	"numeric_precision_radix int4, numeric_scale int4, "
	"datetime_precision int4, interval_type text, interval_precision "
	"int4, character_set_catalog name, character_set_schema name, "
	"character_set_name name, collation_catalog name, collation_schema "
	"name, collation_name name, domain_catalog name, domain_schema name, "
	"domain_name name, udt_catalog name, udt_schema name, udt_name name, "
	"scope_catalog name, scope_schema name, scope_name name, "
	"maximum_cardinality int4, dtd_identifier name, is_self_referencing "
	"text, is_identity text, identity_generation text, identity_start "
	"text, identity_increment text, identity_maximum text, "
	"identity_minimum text, identity_cycle text, is_generated text, "
	"generation_expression text, is_updatable text)",
	"CREATE TABLE information_schema.views (table_catalog name, "
	"table_schema name, table_name name, view_definition text, "
	"check_option text, is_updatable text, is_insertable_into text, "
	"is_trigger_updatable text, is_trigger_deletable text, "
	"is_trigger_insertable_into text)",
	"CREATE TABLE information_schema.table_constraints "
	"(constraint_catalog name, constraint_schema name, constraint_name "
	"name, table_catalog name, table_schema name, table_name name, "
	"constraint_type text, is_deferrable text, initially_deferred text, "
	"enforced text, nulls_distinct text)",
	"CREATE TABLE information_schema.key_column_usage "
	"(constraint_catalog name, constraint_schema name, constraint_name "
	"name, table_catalog name, table_schema name, table_name name, "
	"column_name name, ordinal_position int4, "
	"position_in_unique_constraint int4)",
	"CREATE TABLE information_schema.constraint_column_usage "
	"(table_catalog name, table_schema name, table_name name, "
	"column_name name, constraint_catalog name, constraint_schema name, "
	"constraint_name name)",
	"CREATE TABLE information_schema.sequences (sequence_catalog name, "
	"sequence_schema name, sequence_name name, data_type text, "
	"numeric_precision int4, numeric_precision_radix int4, numeric_scale "
	"int4, start_value text, minimum_value text, maximum_value text, "
	"increment text, cycle_option text)",
};

bool sql__pgcatalog_bool_column(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;
	if (n == 0) {
		return false;
	}
	for (size_t i = 0; i < TR_ARRAY_LEN(catalog_ddl); i++) {
		const char *d = catalog_ddl[i];
		for (const char *p = strstr(d, name); p != NULL;
		     p = strstr(p + 1, name)) {
			if (p > d && (p[-1] == '(' || p[-1] == ' ') &&
			    strncmp(p + n, " bool", 5) == 0 &&
			    (p[n + 5] == ',' || p[n + 5] == ')')) {
				return true;
			}
		}
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Built-in rows
 * ------------------------------------------------------------------- */

/*
 * The types triode supports, plus the catalog's own column types, with
 * PostgreSQL's OIDs and attributes.  @io is the stem of the I/O function
 * names ("int4" -> int4in, int4out, int4recv, int4send; a stem ending in
 * '_' takes in/out/recv/send directly: "date_" -> date_in ...).
 */
static const struct sql__pgtype sql__pgtypes[] = {
	/* oid, name, len, byval, category, array, io, align, storage,
	 * collation, typmodin */
	{ 16, "bool", 1, 1, 'B', 1000, "bool", 'c', 'p', 0, NULL },
	{ 17, "bytea", -1, 0, 'U', 1001, "bytea", 'i', 'x', 0, NULL },
	{ 18, "char", 1, 1, 'Z', 1002, "char", 'c', 'p', 0, NULL },
	{ 19, "name", 64, 0, 'S', 1003, "name", 'c', 'p', 950, NULL },
	{ 20, "int8", 8, 1, 'N', 1016, "int8", 'd', 'p', 0, NULL },
	{ 21, "int2", 2, 1, 'N', 1005, "int2", 's', 'p', 0, NULL },
	{ 22, "int2vector", -1, 0, 'A', 1006, "int2vector", 'i', 'p', 0,
	  NULL },
	{ 23, "int4", 4, 1, 'N', 1007, "int4", 'i', 'p', 0, NULL },
	{ 24, "regproc", 4, 1, 'N', 1008, "regproc", 'i', 'p', 0, NULL },
	{ 25, "text", -1, 0, 'S', 1009, "text", 'i', 'x', 100, NULL },
	{ 26, "oid", 4, 1, 'N', 1028, "oid", 'i', 'p', 0, NULL },
	{ 28, "xid", 4, 1, 'U', 1011, "xid", 'i', 'p', 0, NULL },
	{ 30, "oidvector", -1, 0, 'A', 1013, "oidvector", 'i', 'p', 0, NULL },
	{ 114, "json", -1, 0, 'U', 199, "json_", 'i', 'x', 0, NULL },
	{ 194, "pg_node_tree", -1, 0, 'Z', 0, "pg_node_tree_", 'i', 'x', 100,
	  NULL },
	{ 700, "float4", 4, 1, 'N', 1021, "float4", 'i', 'p', 0, NULL },
	{ 701, "float8", 8, 1, 'N', 1022, "float8", 'd', 'p', 0, NULL },
	{ 705, "unknown", -2, 0, 'X', 0, "unknown", 'c', 'p', 0, NULL },
	{ 1033, "aclitem", 12, 0, 'U', 1034, "aclitem", 'i', 'p', 0, NULL },
	{ 1042, "bpchar", -1, 0, 'S', 1014, "bpchar", 'i', 'x', 100,
	  "bpchartypmodin" },
	{ 1043, "varchar", -1, 0, 'S', 1015, "varchar", 'i', 'x', 100,
	  "varchartypmodin" },
	{ 1082, "date", 4, 1, 'D', 1182, "date_", 'i', 'p', 0, NULL },
	{ 1083, "time", 8, 1, 'D', 1183, "time_", 'd', 'p', 0,
	  "timetypmodin" },
	{ 1114, "timestamp", 8, 1, 'D', 1115, "timestamp_", 'd', 'p', 0,
	  "timestamptypmodin" },
	{ 1184, "timestamptz", 8, 1, 'D', 1185, "timestamptz_", 'd', 'p', 0,
	  "timestamptztypmodin" },
	{ 1186, "interval", 16, 0, 'T', 1187, "interval_", 'd', 'p', 0,
	  "intervaltypmodin" },
	{ 1266, "timetz", 12, 0, 'D', 1270, "timetz_", 'd', 'p', 0,
	  "timetztypmodin" },
	{ 1700, "numeric", -1, 0, 'N', 1231, "numeric_", 'i', 'm', 0,
	  "numerictypmodin" },
	{ 2205, "regclass", 4, 1, 'N', 2210, "regclass", 'i', 'p', 0, NULL },
	{ 2206, "regtype", 4, 1, 'N', 2211, "regtype", 'i', 'p', 0, NULL },
	{ 2249, "record", -1, 0, 'P', 2287, "record_", 'd', 'x', 0, NULL },
	{ 2275, "cstring", -2, 0, 'P', 1263, "cstring_", 'c', 'p', 0, NULL },
	{ 2278, "void", 4, 1, 'P', 0, "void_", 'i', 'p', 0, NULL },
	{ 2950, "uuid", 16, 0, 'U', 2951, "uuid_", 'c', 'p', 0, NULL },
	{ 3802, "jsonb", -1, 0, 'U', 3807, "jsonb_", 'i', 'x', 0, NULL },
	{ 4089, "regnamespace", 4, 1, 'N', 4090, "regnamespace", 'i', 'p', 0,
	  NULL },
	{ 4096, "regrole", 4, 1, 'N', 4097, "regrole", 'i', 'p', 0, NULL },
};

const struct sql__pgtype *sql__pgtype_find(uint32_t oid)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(sql__pgtypes); i++) {
		if (sql__pgtypes[i].oid == oid) {
			return &sql__pgtypes[i];
		}
	}
	return NULL;
}

const struct sql__pgtype *sql__pgtype_by_array(uint32_t oid)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(sql__pgtypes); i++) {
		if (sql__pgtypes[i].array == oid && oid != 0) {
			return &sql__pgtypes[i];
		}
	}
	return NULL;
}

const struct sql__pgtype *sql__pgtype_by_name(const char *name)
{
	for (size_t i = 0; i < TR_ARRAY_LEN(sql__pgtypes); i++) {
		if (strcmp(sql__pgtypes[i].name, name) == 0) {
			return &sql__pgtypes[i];
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * Build helpers
 * ------------------------------------------------------------------- */

struct build {
	sqlite3 *db;
	const struct sql__catalog_src *src;
	int rc; /* first SQLite error */
};

/* Run one statement built with sqlite3_vmprintf (%Q, %q, %lld...). */
static void run(struct build *b, const char *fmt, ...)
{
	if (b->rc != SQLITE_OK) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (sql == NULL) {
		b->rc = SQLITE_NOMEM;
		return;
	}
	char *msg = NULL;
	b->rc = sqlite3_exec(b->db, sql, NULL, NULL, &msg);
	if (b->rc != SQLITE_OK) {
		tr_warn("sql", "catalog build: %.160s: %s", sql,
			msg != NULL ? msg : sqlite3_errstr(b->rc));
	}
	sqlite3_free(msg);
	sqlite3_free(sql);
}

/* The rowid of @name in the cluster's sqlite_schema, 0 if unknown. */
static int64_t rowid_of(const struct sql__catalog_src *src, const char *name)
{
	for (unsigned i = 0; i < src->n; i++) {
		if (src->names[i] != NULL && strcmp(src->names[i], name) == 0) {
			return src->rowids[i];
		}
	}
	return 0;
}

uint32_t sql__pgcatalog_base(int64_t rowid)
{
	if (rowid <= 0 || rowid > 4000000) {
		return 0;
	}
	return (uint32_t)(SQL__FIRST_USER_OID + 1000 * rowid);
}

static void builtins(struct build *b)
{
	run(b, "INSERT INTO pg_catalog.pg_namespace VALUES "
	       "(11, 'pg_catalog', 10, NULL), (99, 'pg_toast', 10, NULL), "
	       "(2200, 'public', 6171, NULL), (%d, 'information_schema', 10, "
	       "NULL)",
	    SQL__INFO_SCHEMA_OID);
	run(b, "INSERT INTO pg_catalog.pg_am VALUES (2, 'heap', "
	       "'heap_tableam_handler', 't'), (403, 'btree', 'bthandler', "
	       "'i'), (405, 'hash', 'hashhandler', 'i')");
	run(b, "INSERT INTO pg_catalog.pg_collation VALUES "
	       "(100, 'default', 11, 10, 'd', 1, -1, NULL, NULL, NULL, NULL), "
	       "(950, 'C', 11, 10, 'c', 1, -1, 'C', 'C', NULL, NULL), "
	       "(951, 'POSIX', 11, 10, 'c', 1, -1, 'POSIX', 'POSIX', NULL, "
	       "NULL), "
	       "(12340, 'ucs_basic', 11, 10, 'c', 1, 6, 'C', 'C', NULL, NULL), "
	       "(12341, 'C.utf8', 11, 10, 'c', 1, 6, 'C.utf8', 'C.utf8', NULL, "
	       "NULL)");
	/* Every database is C.UTF-8 (expr.c, "Collations"). */
	run(b, "INSERT INTO pg_catalog.pg_database VALUES (5, %Q, 10, 6, 'c', "
	       "0, 1, -1, '0', '1', 1663, 'C.UTF-8', 'C.UTF-8', NULL, NULL, "
	       "NULL)",
	    b->src->database != NULL ? b->src->database : "postgres");
	run(b, "INSERT INTO pg_catalog.pg_tablespace VALUES "
	       "(1663, 'pg_default', 10, NULL, NULL)");
	/* triode's roles live in the internal database; the catalog knows
	 * the bootstrap superuser. */
	run(b, "INSERT INTO pg_catalog.pg_roles VALUES ('postgres', 1, 1, 1, "
	       "1, 1, 1, -1, '********', NULL, 1, NULL, 10), "
	       "('pg_database_owner', 0, 1, 0, 0, 0, 0, -1, '********', NULL, "
	       "0, NULL, 6171)");
	run(b, "INSERT INTO pg_catalog.pg_user VALUES ('postgres', 10, 1, 1, "
	       "1, 1, '********', NULL, NULL)");
	run(b, "INSERT INTO pg_catalog.pg_language VALUES "
	       "(12, 'internal', 10, 0, 0, 0, 0, 2246, NULL), "
	       "(13, 'c', 10, 0, 0, 0, 0, 2247, NULL), "
	       "(14, 'sql', 10, 0, 1, 0, 0, 2248, NULL)");
	run(b, "INSERT INTO pg_catalog.pg_settings (name, setting, vartype, "
	       "context, source, boot_val, reset_val, pending_restart) VALUES "
	       "('server_version', '15.0', 'string', 'internal', 'default', "
	       "'15.0', '15.0', 0), "
	       "('server_version_num', '150000', 'integer', 'internal', "
	       "'default', '150000', '150000', 0), "
	       "('server_encoding', 'UTF8', 'string', 'internal', 'default', "
	       "'UTF8', 'UTF8', 0), "
	       "('standard_conforming_strings', 'on', 'bool', 'user', "
	       "'default', 'on', 'on', 0), "
	       "('max_identifier_length', '63', 'integer', 'internal', "
	       "'default', '63', '63', 0), "
	       "('integer_datetimes', 'on', 'bool', 'internal', 'default', "
	       "'on', 'on', 0), "
	       "('lc_collate', 'C.UTF-8', 'string', 'internal', 'default', "
	       "'C', 'C.UTF-8', 0), "
	       "('lc_ctype', 'C.UTF-8', 'string', 'internal', 'default', 'C', "
	       "'C.UTF-8', 0)");
	/* The main catalogs have pg_class rows of their own (with
	 * PostgreSQL's OIDs), so that 'pg_class'::regclass works as
	 * drivers use it (pgjdbc's pg_description joins). */
	run(b, "INSERT INTO pg_catalog.pg_class (oid, relname, relnamespace, "
	       "reltype, reloftype, relowner, relam, relfilenode, "
	       "reltablespace, relpages, reltuples, relallvisible, "
	       "reltoastrelid, relhasindex, relisshared, relpersistence, "
	       "relkind, relnatts, relchecks, relhasrules, relhastriggers, "
	       "relhassubclass, relrowsecurity, relforcerowsecurity, "
	       "relispopulated, relreplident, relispartition, relrewrite) "
	       "SELECT column1, column2, 11, 0, 0, 10, 2, 0, 0, 0, -1, 0, 0, "
	       "1, column3, 'p', 'r', 0, 0, 0, 0, 0, 0, 0, 1, 'n', 0, 0 FROM "
	       "(VALUES (1259, 'pg_class', 0), (1247, 'pg_type', 0), (1249, "
	       "'pg_attribute', 0), (1255, 'pg_proc', 0), (2615, "
	       "'pg_namespace', 0), (2606, 'pg_constraint', 0), (1262, "
	       "'pg_database', 1), (2610, 'pg_index', 0), (2609, "
	       "'pg_description', 0), (2604, 'pg_attrdef', 0), (2601, "
	       "'pg_am', 0), (2620, 'pg_trigger', 0), (2618, 'pg_rewrite', "
	       "0), (3456, 'pg_collation', 0), (2611, 'pg_inherits', 0), "
	       "(2608, 'pg_depend', 0), (2224, 'pg_sequence', 0), (3501, "
	       "'pg_enum', 0), (3541, 'pg_range', 0), (3256, 'pg_policy', "
	       "0), (2612, 'pg_language', 0), (1213, 'pg_tablespace', 1), "
	       "(1261, 'pg_auth_members', 1), (2396, 'pg_shdescription', "
	       "1))");
	for (size_t i = 0; i < TR_ARRAY_LEN(sql__pgtypes); i++) {
		const struct sql__pgtype *t = &sql__pgtypes[i];
		char in[48], out[48], recv[48], send[48];
		size_t n = strlen(t->io);
		bool under = n > 0 && t->io[n - 1] == '_';
		snprintf(in, sizeof in, "%s%s", t->io, under ? "in" : "in");
		snprintf(out, sizeof out, "%s%s", t->io, "out");
		snprintf(recv, sizeof recv, "%s%s", t->io, "recv");
		snprintf(send, sizeof send, "%s%s", t->io, "send");
		bool no_bin = t->oid == 1033 || t->oid == 194;
		run(b, "INSERT INTO pg_catalog.pg_type VALUES (%u, %Q, 11, 10, "
		       "%d, %d, %Q, '%c', 0, 1, ',', 0, '-', 0, %u, %Q, %Q, "
		       "%Q, %Q, %Q, %Q, '-', '%c', '%c', 0, 0, -1, 0, %u, NULL, "
		       "NULL, NULL)",
		    t->oid, t->name, t->len, t->byval,
		    t->category == 'P' ? "p" : "b", t->category, t->array, in,
		    out, no_bin ? "-" : recv, no_bin ? "-" : send,
		    t->typmodin != NULL ? t->typmodin : "-",
		    t->typmodin != NULL ? "-" : "-", t->align, t->storage,
		    t->collation);
		if (t->array != 0) {
			char aname[72];
			snprintf(aname, sizeof aname, "_%s", t->name);
			run(b, "INSERT INTO pg_catalog.pg_type VALUES (%u, %Q, "
			       "11, 10, -1, 0, 'b', 'A', 0, 1, ',', 0, "
			       "'array_subscript_handler', %u, 0, 'array_in', "
			       "'array_out', 'array_recv', 'array_send', %Q, "
			       "'-', 'array_typanalyze', '%c', 'x', 0, 0, -1, "
			       "0, %u, NULL, NULL, NULL)",
			    t->array, aname, t->oid,
			    t->typmodin != NULL ? t->typmodin : "-",
			    t->align == 'd' ? 'd' : 'i', t->collation);
		}
	}
}

/* ---------------------------------------------------------------------
 * User relations
 * ------------------------------------------------------------------- */

/* The PostgreSQL type of a column: declared type, or for the rowid
 * alias the /\*pg:<type> <kind>*\/ comment ddl.c leaves in the SQL. */
struct coltype {
	uint32_t oid;
	int32_t typmod;
	char serial; /* 0, 's' serial, 'i' identity */
	bool always; /* identity: GENERATED ALWAYS */
};

static void column_type(const char *decl, const char *table_sql, bool pk1,
			struct coltype *ct)
{
	ct->serial = 0;
	ct->always = false;
	ct->oid = sql_type_from_decltype(decl, &ct->typmod);
	if (!pk1 || decl == NULL || sqlite3_stricmp(decl, "INTEGER") != 0) {
		return;
	}
	const char *p = table_sql != NULL ? strstr(table_sql, "/*pg:") : NULL;
	if (p == NULL) {
		return;
	}
	/* ddl.c writes "int4 serial", "int8 identity" or "int4 identity
	 * always". */
	char type[16] = "", kind[16] = "", when[16] = "";
	int n = sscanf(p + 5, "%15[a-z0-9] %15[a-z] %15[a-z]", type, kind,
		       when);
	if (n >= 2) {
		int32_t tm;
		ct->oid = sql_type_from_decltype(type, &tm);
		ct->serial = strcmp(kind, "identity") == 0 ? 'i' : 's';
		ct->always = ct->serial == 'i' && n == 3 &&
			     strcmp(when, "always") == 0;
	}
}

/* "(x)" -> "x" when the parentheses enclose everything. */
static char *strip_parens(const char *s)
{
	size_t n = strlen(s);
	while (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
		int depth = 0;
		bool whole = true;
		bool quote = false;
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\'') {
				quote = !quote;
			} else if (!quote && s[i] == '(') {
				depth++;
			} else if (!quote && s[i] == ')') {
				depth--;
				if (depth == 0 && i != n - 1) {
					whole = false;
					break;
				}
			}
		}
		if (!whole) {
			break;
		}
		s++;
		n -= 2;
	}
	return sqlite3_mprintf("%.*s", (int)n, s);
}

/* "...:SS.120000+00" -> "...:SS.12+00": fraction digits as PostgreSQL's
 * output shows them (none when they are all zero). */
static void drop_zero_fraction(char *s)
{
	char *dot = strchr(s, '.');
	if (dot == NULL || !isdigit((unsigned char)dot[1])) {
		return;
	}
	char *end = dot + 1;
	while (isdigit((unsigned char)*end)) {
		end++;
	}
	char *keep = end;
	while (keep > dot + 1 && keep[-1] == '0') {
		keep--;
	}
	if (keep == dot + 1) {
		keep = dot;
	}
	memmove(keep, end, strlen(end) + 1);
}

/* What pg_get_expr shows for a column default (SQLite's text of the
 * translated default): now(), true/false, literals with PostgreSQL's
 * casts (to @type_name when given: an enum's). */
static char *default_text(const char *dflt, uint32_t oid, const char *type_name)
{
	char *s = strip_parens(dflt);
	if (s == NULL) {
		return NULL;
	}
	char *r = NULL;
	if (sqlite3_stricmp(s, "NULL") == 0) {
		sqlite3_free(s);
		return NULL;
	}
	static const struct {
		const char *call, *shown;
	} clocks[] = {
		/* clock.c's pg_now(which, form) */
		{ "pg_now(0, 0)", "now()" },
		{ "pg_now(0, 5)", "CURRENT_TIMESTAMP" },
		{ "pg_now(0, 1)", "LOCALTIMESTAMP" },
		{ "pg_now(0, 2)", "CURRENT_TIME" },
		{ "pg_now(0, 3)", "LOCALTIME" },
		{ "pg_now(0, 4)", "CURRENT_DATE" },
		{ "pg_now(1, 0)", "statement_timestamp()" },
		{ "pg_now(2, 0)", "clock_timestamp()" },
	};
	for (size_t i = 0; i < TR_ARRAY_LEN(clocks) && r == NULL; i++) {
		if (strcmp(s, clocks[i].call) == 0) {
			r = sqlite3_mprintf("%s", clocks[i].shown);
		}
	}
	if (r != NULL) {
		/* a clock */
	} else if (strstr(s, "strftime(") != NULL && strstr(s, "'now'") != NULL) {
		r = sqlite3_mprintf("now()"); /* tables made before clock.c */
	} else if (strncmp(s, "pg_nextval('", 12) == 0 &&
		   strchr(s + 12, '\'') != NULL &&
		   strcmp(strchr(s + 12, '\''), "')") == 0) {
		/* sequence.c's nextval() */
		r = sqlite3_mprintf("nextval('%.*s'::regclass)",
				    (int)(strlen(s) - 14), s + 12);
	} else if (oid == SQL_OID_BOOL &&
		   (strcmp(s, "1") == 0 || strcmp(s, "0") == 0)) {
		r = sqlite3_mprintf("%s", s[0] == '1' ? "true" : "false");
	} else if (oid == SQL_OID_INT4 && s[0] == '\'' && s[1] != '\'' &&
		   strspn(s + 1, "0123456789") == strlen(s) - 2 &&
		   s[strlen(s) - 1] == '\'') {
		/* PostgreSQL folds '1' into the int4 constant 1, which it
		 * prints without a cast. */
		r = sqlite3_mprintf("%.*s", (int)strlen(s) - 2, s + 1);
	} else if (s[0] == '\'' && type_name != NULL) {
		char *q = sql__pg_quote_ident(type_name);
		r = q != NULL ? sqlite3_mprintf("%s::%s", s, q) : NULL;
		sqlite3_free(q);
	} else if (s[0] == '\'') {
		char ft[96];
		sql__format_type(oid, -1, false, ft, sizeof ft);
		if (oid == SQL_OID_TIMESTAMP || oid == SQL_OID_TIMESTAMPTZ ||
		    oid == SQL_OID_TIME) {
			drop_zero_fraction(s); /* stored 10:00:00.000000 */
		}
		r = sqlite3_mprintf("%s::%s", s, ft);
	} else if (s[0] == '-' && isdigit((unsigned char)s[1])) {
		char ft[96];
		sql__format_type(oid, -1, false, ft, sizeof ft);
		r = sqlite3_mprintf("'%s'::%s", s, ft);
	} else {
		r = sqlite3_mprintf("%s", s);
	}
	sqlite3_free(s);
	return r;
}

/* One column of a user table, as read from pragma_table_xinfo. */
struct col {
	char *name;
	struct coltype t;
	bool notnull;
	char *dflt;
	int pk; /* position in the primary key, 0 if not */
	int hidden;
	/* 'a'/'d': an identity column with a sequence of its own (ddl.c's
	 * comment), whose default pg_attrdef does not show. */
	char identity;
	char *seq; /* that sequence, or a serial column's; NULL if none */
};

struct table {
	const char *name;
	const char *sql;
	uint32_t oid;
	bool is_view;
	bool is_seq; /* a view that is a sequence (sequence.c) */
	struct sql__seqopts seq;
	struct col *cols;
	int n_cols;
	int n_checks;
	bool has_fk;      /* references another table */
	bool referenced;  /* is referenced */
	bool has_indexes; /* any index, or a primary key */
	struct named *named; /* constraints named in the DDL */
	int n_named;
};

/* A PRIMARY KEY, UNIQUE or FOREIGN KEY constraint the user named: its
 * columns (names joined by '\1') tell which SQLite index or foreign key
 * it is, since SQLite keeps the name only in the CREATE TABLE text. */
struct named {
	char kind; /* 'p', 'u', 'f' */
	bool used;
	char *name;
	char *cols;
};

static void free_table(struct table *t)
{
	for (int i = 0; i < t->n_cols; i++) {
		sqlite3_free(t->cols[i].name);
		sqlite3_free(t->cols[i].dflt);
		sqlite3_free(t->cols[i].seq);
	}
	sqlite3_free(t->cols);
	t->cols = NULL;
	t->n_cols = 0;
	for (int i = 0; i < t->n_named; i++) {
		sqlite3_free(t->named[i].name);
		sqlite3_free(t->named[i].cols);
	}
	sqlite3_free(t->named);
	t->named = NULL;
	t->n_named = 0;
}

/* ---------------------------------------------------------------------
 * Constraint names from the CREATE TABLE text
 * ------------------------------------------------------------------- */

/* One token of SQLite's CREATE TABLE text: 'i' identifier or word
 * (@quoted when written "..."), 's' string, a punctuation character,
 * or 0 at the end. */
struct tok {
	const char *p;
	size_t n;
	char kind;
	bool quoted;
};

static const char *next_tok(const char *p, struct tok *t)
{
	for (;;) {
		while (isspace((unsigned char)*p)) {
			p++;
		}
		if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e != NULL ? e + 2 : p + strlen(p);
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else {
			break;
		}
	}
	t->p = p;
	t->quoted = false;
	if (*p == '\0') {
		t->kind = 0;
		t->n = 0;
		return p;
	}
	if (*p == '"' || *p == '\'' || *p == '`') {
		char q = *p;
		const char *e = p + 1;
		while (*e != '\0' && !(e[0] == q && e[1] != q)) {
			e += e[0] == q ? 2 : 1;
		}
		t->kind = q == '\'' ? 's' : 'i';
		t->quoted = true;
		t->n = (size_t)(e - p) + (*e != '\0');
		return p + t->n;
	}
	if (isalnum((unsigned char)*p) || *p == '_' || *p == '$' ||
	    (unsigned char)*p >= 0x80) {
		const char *e = p;
		while (isalnum((unsigned char)*e) || *e == '_' || *e == '$' ||
		       (unsigned char)*e >= 0x80) {
			e++;
		}
		t->kind = 'i';
		t->n = (size_t)(e - p);
		return e;
	}
	t->kind = *p;
	t->n = 1;
	return p + 1;
}

static bool is_word(const struct tok *t, const char *w)
{
	return t->kind == 'i' && !t->quoted && strlen(w) == t->n &&
	       sqlite3_strnicmp(t->p, w, (int)t->n) == 0;
}

/* An identifier token's name ("a""b" -> a"b). */
static char *tok_name(const struct tok *t)
{
	if (!t->quoted) {
		return sqlite3_mprintf("%.*s", (int)t->n, t->p);
	}
	char *s = sqlite3_malloc64(t->n + 1);
	size_t j = 0;
	for (size_t i = 1; s != NULL && i + 1 < t->n; i++) {
		s[j++] = t->p[i];
		if (t->p[i] == t->p[0]) {
			i++;
		}
	}
	if (s != NULL) {
		s[j] = '\0';
	}
	return s;
}

static void add_named(struct table *t, char kind, char *name, char *cols)
{
	struct named *n = NULL;
	if (name != NULL && cols != NULL) {
		n = sqlite3_realloc64(t->named,
				      sizeof *n * (size_t)(t->n_named + 1));
	}
	if (n == NULL) {
		sqlite3_free(name);
		sqlite3_free(cols);
		return; /* the generated name is shown instead */
	}
	t->named = n;
	t->named[t->n_named++] = (struct named){ .kind = kind,
						 .name = name,
						 .cols = cols };
}

/* The parenthesized column list at @p (after PRIMARY KEY, UNIQUE,
 * FOREIGN KEY), names joined by '\1'. */
static const char *column_names(const char *p, char **out)
{
	struct tok k;
	*out = NULL;
	p = next_tok(p, &k);
	while (k.kind == 'i' && !k.quoted) { /* KEY */
		p = next_tok(p, &k);
	}
	if (k.kind != '(') {
		return p;
	}
	char *s = sqlite3_mprintf("");
	for (p = next_tok(p, &k); k.kind != 0 && k.kind != ')';
	     p = next_tok(p, &k)) {
		if (k.kind != 'i' || s == NULL) {
			continue;
		}
		char *name = tok_name(&k);
		char *q = name != NULL ? sqlite3_mprintf("%s%s%s", s,
							 s[0] ? "\1" : "", name)
				       : NULL;
		sqlite3_free(name);
		sqlite3_free(s);
		s = q;
		/* Skip COLLATE x / ASC / DESC up to the next name. */
		while ((p = next_tok(p, &k)), k.kind != 0 && k.kind != ',' &&
						      k.kind != ')') {
		}
		if (k.kind == ')') {
			break;
		}
	}
	*out = s;
	return p;
}

/*
 * Find "CONSTRAINT name PRIMARY KEY|UNIQUE|FOREIGN KEY|REFERENCES" in a
 * table's CREATE TABLE text (ddl.c keeps the user's names there), as a
 * column constraint (its column) or a table constraint (its list).
 */
static void named_constraints(struct table *t)
{
	struct tok k;
	const char *p = t->sql != NULL ? t->sql : "";
	do {
		p = next_tok(p, &k);
	} while (k.kind != 0 && k.kind != '(');
	int depth = 1;
	bool item_start = true;
	char *column = NULL;
	char *pending = NULL;
	while (k.kind != 0 && depth > 0) {
		p = next_tok(p, &k);
		if (k.kind == '(' || k.kind == ')') {
			depth += k.kind == '(' ? 1 : -1;
			continue;
		}
		if (depth != 1 || k.kind == 0) {
			continue;
		}
		if (k.kind == ',') {
			item_start = true;
			sqlite3_free(column);
			sqlite3_free(pending);
			column = pending = NULL;
			continue;
		}
		bool first = item_start;
		item_start = false;
		if (k.kind != 'i') {
			continue;
		}
		if (first && !is_word(&k, "CONSTRAINT") &&
		    !is_word(&k, "PRIMARY") && !is_word(&k, "UNIQUE") &&
		    !is_word(&k, "CHECK") && !is_word(&k, "FOREIGN")) {
			column = tok_name(&k);
			continue;
		}
		if (is_word(&k, "CONSTRAINT")) {
			p = next_tok(p, &k);
			sqlite3_free(pending);
			pending = k.kind == 'i' ? tok_name(&k) : NULL;
			continue;
		}
		if (pending == NULL) {
			continue;
		}
		char kind = is_word(&k, "PRIMARY")	  ? 'p'
			    : is_word(&k, "UNIQUE")	  ? 'u'
			    : is_word(&k, "FOREIGN") ||
				      is_word(&k, "REFERENCES") ? 'f'
							  : 0;
		if (kind == 0) {
			sqlite3_free(pending);
			pending = NULL;
			continue;
		}
		char *cols = NULL;
		if (column != NULL) {
			cols = sqlite3_mprintf("%s", column);
		} else {
			p = column_names(p, &cols);
		}
		add_named(t, kind, pending, cols);
		pending = NULL;
	}
	sqlite3_free(column);
	sqlite3_free(pending);
}

/* The user's name for a constraint of @kind on @cols ('\1'-joined), or
 * NULL.  Each name is used once. */
static const char *constraint_name(struct table *t, char kind,
				   const char *cols)
{
	for (int i = 0; i < t->n_named; i++) {
		struct named *n = &t->named[i];
		if (!n->used && n->kind == kind &&
		    (kind == 'p' || strcmp(n->cols, cols) == 0)) {
			n->used = true;
			return n->name;
		}
	}
	return NULL;
}

static void read_columns(struct build *b, struct table *t)
{
	sqlite3_stmt *ps = NULL;
	if (b->rc != SQLITE_OK) {
		return;
	}
	b->rc = sqlite3_prepare_v2(b->db,
				   "SELECT name, type, \"notnull\", dflt_value, "
				   "pk, hidden FROM main.pragma_table_xinfo(?)",
				   -1, &ps, NULL);
	if (b->rc != SQLITE_OK) {
		return;
	}
	sqlite3_bind_text(ps, 1, t->name, -1, SQLITE_STATIC);
	int pk_cols = 0;
	while (sqlite3_step(ps) == SQLITE_ROW) {
		struct col *c = sqlite3_realloc64(
			t->cols, sizeof *c * (size_t)(t->n_cols + 1));
		if (c == NULL) {
			b->rc = SQLITE_NOMEM;
			break;
		}
		t->cols = c;
		c = &t->cols[t->n_cols++];
		memset(c, 0, sizeof *c);
		c->name = sqlite3_mprintf("%s", sqlite3_column_text(ps, 0));
		const char *decl = (const char *)sqlite3_column_text(ps, 1);
		c->notnull = sqlite3_column_int(ps, 2) != 0;
		const char *d = (const char *)sqlite3_column_text(ps, 3);
		c->pk = sqlite3_column_int(ps, 4);
		c->hidden = sqlite3_column_int(ps, 5);
		if (c->pk > 0) {
			pk_cols++;
		}
		column_type(decl != NULL && decl[0] ? decl : NULL, t->sql,
			    c->pk == 1, &c->t);
		uint32_t en = sql__enum_decl_oid(b->db, decl);
		c->t.oid = en != 0 ? en : c->t.oid; /* enum.c */
		char en_name[128];
		if (d != NULL) {
			c->dflt = default_text(
				d, c->t.oid,
				en != 0 && sql__enum_decl_name(decl, en_name,
							       sizeof en_name)
					? en_name
					: NULL);
		}
		char kind[32];
		char seq[256];
		if (sql__column_seq(t->sql, c->name, kind, sizeof kind, seq,
				    sizeof seq)) {
			c->seq = sqlite3_mprintf("%s", seq);
		}
		if (c->seq != NULL && strncmp(kind, "identity", 8) == 0) {
			c->identity = kind[8] != '\0' ? 'a' : 'd';
			sqlite3_free(c->dflt);
			c->dflt = NULL;
		}
	}
	sqlite3_finalize(ps);
	/* Only a single-column INTEGER primary key is the rowid alias. */
	for (int i = 0; i < t->n_cols; i++) {
		if (t->cols[i].t.serial && pk_cols != 1) {
			t->cols[i].t.serial = 0;
		}
		if (t->cols[i].pk > 0) {
			t->cols[i].notnull = true;
		}
	}
}

static const struct sql__pgtype *type_or_text(uint32_t oid)
{
	const struct sql__pgtype *t = sql__pgtype_find(oid);
	return t != NULL ? t : sql__pgtype_find(SQL_OID_TEXT);
}

static void relation_row(struct build *b, uint32_t oid, const char *name,
			 uint32_t reltype, char kind, int natts, int checks,
			 bool has_index, bool triggers)
{
	run(b, "INSERT INTO pg_catalog.pg_class VALUES (%u, %Q, 2200, %u, 0, "
	       "10, %u, %u, 0, 0, -1, 0, 0, %d, 0, 'p', '%c', %d, %d, %d, %d, "
	       "0, 0, 0, 1, '%c', 0, 0, '0', '0', NULL, NULL, NULL)",
	    oid, name, reltype, kind == 'r' ? 2 : kind == 'i' ? 403 : 0, oid,
	    has_index, kind, natts, checks, kind == 'v', triggers,
	    kind == 'r' ? 'd' : 'n');
}

/* An enum type (enum.c): its view's block gives the type base + 1, its
 * array base + 2 and its labels base + 3 on (pg_enum). */
static void enum_type(struct build *b, const char *view, const char *name,
		      uint32_t base)
{
	run(b, "INSERT INTO pg_catalog.pg_type VALUES (%u, %Q, 2200, 10, 4, "
	       "1, 'e', 'E', 0, 1, ',', 0, '-', 0, %u, 'enum_in', "
	       "'enum_out', 'enum_recv', 'enum_send', '-', '-', '-', "
	       "'i', 'p', 0, 0, -1, 0, 0, NULL, NULL, NULL)",
	    base + 1, name, base + 2);
	run(b, "INSERT INTO pg_catalog.pg_type VALUES (%u, '_' || %Q, 2200, "
	       "10, -1, 0, 'b', 'A', 0, 1, ',', 0, 'array_subscript_handler', "
	       "%u, 0, 'array_in', 'array_out', 'array_recv', 'array_send', "
	       "'-', '-', 'array_typanalyze', 'i', 'x', 0, 0, -1, 0, 0, NULL, "
	       "NULL, NULL)",
	    base + 2, name, base + 1);
	run(b, "INSERT INTO pg_catalog.pg_enum SELECT %u + pos, %u, pos, "
	       "label FROM main.\"%w\"",
	    base + 2, base + 1, view);
}

/* pg_description from the comments' views (comment.c), once pg_class and
 * pg_attribute are filled: a comment whose table or column is gone is
 * left out. */
static void comments(struct build *b)
{
	sqlite3_stmt *ps = NULL;
	if (b->rc != SQLITE_OK) {
		return;
	}
	b->rc = sqlite3_prepare_v2(b->db,
				   "SELECT name FROM main.sqlite_schema WHERE "
				   "type = 'view' AND name LIKE "
				   "'triode\\_comment\\_%' ESCAPE '\\'",
				   -1, &ps, NULL);
	if (b->rc != SQLITE_OK) {
		return;
	}
	while (sqlite3_step(ps) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(ps, 0);
		char table[256], column[256];
		if (!sql__comment_view(name, table, sizeof table, column,
				       sizeof column)) {
			continue;
		}
		run(b, "INSERT INTO pg_catalog.pg_description SELECT c.oid, "
		       "1259, coalesce(a.attnum, 0), v.description FROM "
		       "pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_attribute "
		       "a ON a.attrelid = c.oid AND a.attname = %Q, "
		       "main.\"%w\" v WHERE c.relname = %Q AND c.relkind IN "
		       "('r', 'v') AND (%Q = '' OR a.attnum IS NOT NULL)",
		    column, name, table, column);
	}
	sqlite3_finalize(ps);
}

/* Row type of a table or view: pg_type rows for it and its array. */
static void row_type(struct build *b, const char *name, uint32_t base)
{
	run(b, "INSERT INTO pg_catalog.pg_type VALUES (%u, %Q, 2200, 10, -1, "
	       "0, 'c', 'C', 0, 1, ',', %u, '-', 0, %u, 'record_in', "
	       "'record_out', 'record_recv', 'record_send', '-', '-', '-', "
	       "'d', 'x', 0, 0, -1, 0, 0, NULL, NULL, NULL)",
	    base + 1, name, base, base + 2);
	run(b, "INSERT INTO pg_catalog.pg_type VALUES (%u, '_' || %Q, 2200, "
	       "10, -1, 0, 'b', 'A', 0, 1, ',', 0, 'array_subscript_handler', "
	       "%u, 0, 'array_in', 'array_out', 'array_recv', 'array_send', "
	       "'-', '-', 'array_typanalyze', 'd', 'x', 0, 0, -1, 0, 0, NULL, "
	       "NULL, NULL)",
	    base + 2, name, base + 1);
}

static void attributes(struct build *b, const struct table *t)
{
	for (int i = 0; i < t->n_cols; i++) {
		const struct col *c = &t->cols[i];
		/* An array: its own OID, its element's collation and text's
		 * storage (varlena). */
		uint32_t elem = sql__array_elem(c->t.oid);
		const struct sql__pgtype *ty = type_or_text(
			elem != 0 ? elem : c->t.oid);
		/* An enum's OID (enum.c), with text's storage. */
		uint32_t typid = c->t.oid >= SQL__FIRST_USER_OID || elem != 0
					 ? c->t.oid
					 : ty->oid;
		bool has_def = c->dflt != NULL || c->t.serial == 's';
		char ident = c->identity   ? c->identity
			     : c->t.serial != 'i' ? '\0'
			     : c->t.always	? 'a'
						: 'd';
		run(b,
		    "INSERT INTO pg_catalog.pg_attribute VALUES (%u, %Q, %u, "
		    "-1, %d, %d, 0, -1, %d, %d, '%c', '%c', '', %d, %d, 0, "
		    "%Q, %Q, 0, 1, 0, %u, NULL, NULL, NULL, NULL)",
		    t->oid, c->name, typid, elem != 0 ? -1 : ty->len, i + 1,
		    c->t.typmod, elem != 0 ? 0 : ty->byval,
		    elem != 0 && ty->align != 'd' ? 'i' : ty->align,
		    elem != 0 ? 'x' : ty->storage, c->notnull, has_def,
		    ident == 'a' ? "a"
		    : ident      ? "d"
				 : "",
		    c->hidden >= 2 ? "s" : "",
		    elem != 0 || typid == ty->oid ? ty->collation : 0);
		uint32_t adoid = t->oid + 400 + (uint32_t)i + 1;
		if (c->t.serial == 's') {
			char *seq = sqlite3_mprintf("%s_%s_seq", t->name,
						    c->name);
			char *q = seq != NULL ? sql__pg_quote_ident(seq) : NULL;
			run(b, "INSERT INTO pg_catalog.pg_attrdef VALUES (%u, "
			       "%u, %d, 'nextval(''' || %Q || '''::regclass)')",
			    adoid, t->oid, i + 1, q);
			sqlite3_free(q);
			sqlite3_free(seq);
		} else if (c->dflt != NULL) {
			run(b, "INSERT INTO pg_catalog.pg_attrdef VALUES (%u, "
			       "%u, %d, %Q)",
			    adoid, t->oid, i + 1, c->dflt);
		}
	}
}

/* The sequence of a serial or identity column. */
static void sequences(struct build *b, const struct table *t)
{
	for (int i = 0; i < t->n_cols; i++) {
		const struct col *c = &t->cols[i];
		if (!c->t.serial) {
			continue;
		}
		char *name = sqlite3_mprintf("%s_%s_seq", t->name, c->name);
		uint32_t oid = t->oid + 3;
		int64_t max = c->t.oid == SQL_OID_INT2	 ? 32767
			      : c->t.oid == SQL_OID_INT4 ? 2147483647
							 : INT64_MAX;
		relation_row(b, oid, name, 0, 'S', 3, 0, false, false);
		run(b, "INSERT INTO pg_catalog.pg_sequence VALUES (%u, %u, 1, "
		       "1, %lld, 1, 1, 0)",
		    oid, c->t.oid, (long long)max);
		run(b, "INSERT INTO pg_catalog.pg_depend VALUES (1259, %u, 0, "
		       "1259, %u, %d, '%c')",
		    oid, t->oid, i + 1, c->t.serial == 'i' ? 'i' : 'a');
		run(b, "INSERT INTO pg_catalog.pg_sequences VALUES ('public', "
		       "%Q, 'postgres', %u, 1, 1, %lld, 1, 0, 1, NULL)",
		    name, c->t.oid, (long long)max);
		sqlite3_free(name);
		break; /* at most one: the rowid alias */
	}
}

/* The sequences serial and identity columns own (other than the rowid
 * alias's): pg_depend, as pg_get_serial_sequence reads it. */
static void owned_sequences(struct build *b, const struct table *tables,
			    int n, const struct table *t)
{
	for (int i = 0; i < t->n_cols; i++) {
		const struct col *c = &t->cols[i];
		for (int k = 0; c->seq != NULL && k < n; k++) {
			if (tables[k].is_seq &&
			    strcmp(tables[k].name, c->seq) == 0) {
				run(b, "INSERT INTO pg_catalog.pg_depend "
				       "VALUES (1259, %u, 0, 1259, %u, %d, "
				       "'%c')",
				    tables[k].oid, t->oid, i + 1,
				    c->identity ? 'i' : 'a');
			}
		}
	}
}

/* A sequence of CREATE SEQUENCE: pg_class kind S, pg_sequence. */
static void standalone_sequence(struct build *b, const struct table *t)
{
	const struct sql__seqopts *o = &t->seq;
	relation_row(b, t->oid, t->name, 0, 'S', t->n_cols, 0, false, false);
	attributes(b, t);
	run(b, "INSERT INTO pg_catalog.pg_sequence VALUES (%u, %u, %lld, "
	       "%lld, %lld, %lld, %lld, %d)",
	    t->oid, o->type, (long long)o->start, (long long)o->inc,
	    (long long)o->max, (long long)o->min, (long long)o->cache,
	    o->cycle);
	run(b, "INSERT INTO pg_catalog.pg_sequences VALUES ('public', %Q, "
	       "'postgres', %u, %lld, %lld, %lld, %lld, %d, %lld, NULL)",
	    t->name, o->type, (long long)o->start, (long long)o->min,
	    (long long)o->max, (long long)o->inc, o->cycle,
	    (long long)o->cache);
}

/* The operator class ddl.c noted for the @pos-th element (1-based) of
 * CREATE INDEX text @sql ("/\*pg:opclass 2 text_pattern_ops*\/"), as
 * " text_pattern_ops"; "" if none. */
static char *opclass_of(const char *sql, int pos)
{
	const char *p = sql;
	while (p != NULL && (p = strstr(p, "/*pg:opclass ")) != NULL) {
		int at = 0;
		char name[64];
		if (sscanf(p + 13, "%d %63[a-z_]", &at, name) == 2 &&
		    at == pos) {
			return sqlite3_mprintf(" %s", name);
		}
		p += 13;
	}
	return sqlite3_mprintf("");
}

/* The text ddl.c noted for expression element @pos (1-based) of CREATE
 * INDEX text @sql ("/\*pg:expr 2 lower(name)*\/"), or NULL. */
static char *index_expr_of(const char *sql, int pos)
{
	const char *p = sql;
	while (p != NULL && (p = strstr(p, "/*pg:expr ")) != NULL) {
		p += 10;
		char *end = NULL;
		long at = strtol(p, &end, 10);
		const char *close = strstr(p, "*/");
		if (at == pos && end != NULL && *end == ' ' && close != NULL) {
			return sqlite3_mprintf("%.*s", (int)(close - end - 1),
					       end + 1);
		}
	}
	return NULL;
}

/* A column list "a, b" for attnums given as text "1 2", each with the
 * operator class CREATE INDEX text @isql gave it (NULL: none); an
 * expression (attnum 0) as ddl.c noted it in @isql. */
static char *column_list_ops(const struct table *t, const int *attnums, int n,
			     const char *isql)
{
	char *s = sqlite3_mprintf("");
	for (int i = 0; i < n && s != NULL; i++) {
		const char *name = attnums[i] >= 1 && attnums[i] <= t->n_cols
					   ? t->cols[attnums[i] - 1].name
					   : "?";
		char *ex = attnums[i] == 0 && isql != NULL
				   ? index_expr_of(isql, i + 1)
				   : NULL;
		char *id = ex != NULL ? ex : sql__pg_quote_ident(name);
		char *op = isql != NULL ? opclass_of(isql, i + 1)
					: sqlite3_mprintf("");
		char *q = id != NULL && op != NULL
				  ? sqlite3_mprintf("%s%s%s%s", s,
						    i > 0 ? ", " : "", id, op)
				  : NULL;
		sqlite3_free(op);
		sqlite3_free(id);
		sqlite3_free(s);
		s = q;
	}
	return s;
}

static char *column_list(const struct table *t, const int *attnums, int n)
{
	return column_list_ops(t, attnums, n, NULL);
}

static char *int_vector(const int *v, int n, const char *sep)
{
	char *s = sqlite3_mprintf("");
	for (int i = 0; i < n && s != NULL; i++) {
		char *q = sqlite3_mprintf("%s%s%d", s, i > 0 ? sep : "", v[i]);
		sqlite3_free(s);
		s = q;
	}
	return s;
}

static int attnum_of(const struct table *t, const char *name)
{
	for (int i = 0; i < t->n_cols; i++) {
		if (name != NULL && strcmp(t->cols[i].name, name) == 0) {
			return i + 1;
		}
	}
	return 0;
}

/* pg_index, pg_class (kind i), pg_constraint for one index. */
static void index_rows(struct build *b, const struct table *t, uint32_t ioid,
		       uint32_t conoid, const char *name, const int *keys,
		       int n_keys, bool unique, bool primary, char contype,
		       const char *pred, const char *isql)
{
	char *indkey = int_vector(keys, n_keys, " ");
	int zeros[32] = { 0 };
	char *indopt = int_vector(zeros, n_keys < 32 ? n_keys : 32, " ");
	char *cols = column_list(t, keys, n_keys);
	char *defcols = column_list_ops(t, keys, n_keys, isql);
	relation_row(b, ioid, name, 0, 'i', n_keys, 0, false, false);
	run(b, "INSERT INTO pg_catalog.pg_index VALUES (%u, %u, %d, %d, %d, 0, "
	       "%d, 0, 1, 0, 1, 0, 1, 1, 0, %Q, %Q, %Q, %Q, NULL, %Q)",
	    ioid, t->oid, n_keys, n_keys, unique, primary, indkey, indopt,
	    indopt, indopt, pred);
	char *qname = sql__pg_quote_ident(name);
	char *qtable = sql__pg_quote_ident(t->name);
	run(b,
	    "INSERT INTO pg_catalog.triode_defs VALUES (%u, 0, "
	    "'CREATE ' || %Q || 'INDEX ' || %Q || ' ON public.' || %Q || "
	    "' USING btree (' || %Q || ')' || coalesce(' WHERE ' || %Q, "
	    "''))",
	    ioid, unique ? "UNIQUE " : "", qname, qtable, defcols, pred);
	sqlite3_free(defcols);
	sqlite3_free(qname);
	sqlite3_free(qtable);
	for (int i = 0; i < n_keys; i++) {
		int k = keys[i];
		char *qcol = sql__pg_quote_ident(
			k >= 1 && k <= t->n_cols ? t->cols[k - 1].name : "?");
		run(b, "INSERT INTO pg_catalog.triode_defs VALUES (%u, %d, %Q)",
		    ioid, i + 1, qcol);
		sqlite3_free(qcol);
	}
	if (contype != 0) {
		char *conkey = int_vector(keys, n_keys, ",");
		run(b, "INSERT INTO pg_catalog.pg_constraint VALUES (%u, %Q, "
		       "2200, '%c', 0, 0, 1, %u, 0, %u, 0, 0, ' ', ' ', ' ', "
		       "1, 0, 1, '{' || %Q || '}', NULL, NULL, NULL, NULL, "
		       "NULL, NULL, NULL)",
		    conoid, name, contype, t->oid, ioid, conkey);
		run(b, "INSERT INTO pg_catalog.triode_defs VALUES (%u, 0, %Q "
		       "|| ' (' || %Q || ')')",
		    conoid, contype == 'p' ? "PRIMARY KEY" : "UNIQUE", cols);
		sqlite3_free(conkey);
	}
	sqlite3_free(indkey);
	sqlite3_free(indopt);
	sqlite3_free(cols);
}

/* The WHERE clause of a partial index's CREATE INDEX text, after its
 * column list (whose parentheses and quotes are skipped), as
 * pg_get_indexdef shows it: without its outer parentheses. */
static char *index_predicate(const char *sql)
{
	const char *p = sql != NULL ? strchr(sql, '(') : NULL;
	int depth = 0;
	char quote = 0;
	for (; p != NULL && *p != '\0'; p++) {
		if (quote != 0) {
			quote = *p == quote ? 0 : quote;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth == 0) {
			break;
		}
	}
	const char *w = p != NULL && *p == ')' ? strstr(p, " WHERE ") : NULL;
	return w != NULL ? strip_parens(w + 7) : NULL;
}

static void indexes(struct build *b, struct table *t)
{
	if (b->rc != SQLITE_OK) {
		return;
	}
	/* The rowid alias primary key has no SQLite index. */
	for (int i = 0; i < t->n_cols; i++) {
		if (t->cols[i].pk == 1 &&
		    sqlite3_stricmp(t->cols[i].t.serial ? "INTEGER" : "",
				    "INTEGER") == 0) {
			int key = i + 1;
			const char *given = constraint_name(t, 'p', "");
			char *name = given != NULL
					     ? sqlite3_mprintf("%s", given)
					     : sqlite3_mprintf("%s_pkey", t->name);
			index_rows(b, t, t->oid + 10, t->oid + 100, name, &key,
				   1, true, true, 'p', NULL, NULL);
			sqlite3_free(name);
			t->has_indexes = true;
		}
	}
	sqlite3_stmt *ps = NULL;
	b->rc = sqlite3_prepare_v2(
		b->db,
		"SELECT l.seq, l.name, l.\"unique\", l.origin, l.partial, "
		"(SELECT group_concat(coalesce(ii.name, char(2)), char(1)) FROM "
		"(SELECT name FROM main.pragma_index_info(l.name) ORDER BY "
		"seqno) ii), (SELECT sql FROM main.sqlite_schema s WHERE s.name "
		"= l.name) FROM main.pragma_index_list(?) l ORDER BY l.seq DESC",
		-1, &ps, NULL);
	if (b->rc != SQLITE_OK) {
		return;
	}
	sqlite3_bind_text(ps, 1, t->name, -1, SQLITE_STATIC);
	int n_auto = 0;
	bool had_pk = t->has_indexes;
	while (sqlite3_step(ps) == SQLITE_ROW) {
		const char *iname = (const char *)sqlite3_column_text(ps, 1);
		bool unique = sqlite3_column_int(ps, 2) != 0;
		const char *origin = (const char *)sqlite3_column_text(ps, 3);
		const char *colnames = (const char *)sqlite3_column_text(ps, 5);
		const char *isql = (const char *)sqlite3_column_text(ps, 6);
		if (iname == NULL || origin == NULL) {
			continue;
		}
		int keys[32];
		int n_keys = 0;
		const char *p = colnames != NULL ? colnames : "";
		while (*p != '\0' && n_keys < 32) {
			const char *e = strchr(p, '\1');
			size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
			char *cn = sqlite3_mprintf("%.*s", (int)len, p);
			keys[n_keys++] = attnum_of(t, cn);
			sqlite3_free(cn);
			p += len;
			if (*p == '\1') {
				p++;
			}
		}
		t->has_indexes = true;
		bool primary = strcmp(origin, "pk") == 0;
		if (strcmp(origin, "c") == 0) {
			uint32_t base = sql__pgcatalog_base(
				rowid_of(b->src, iname));
			if (base == 0) {
				continue;
			}
			char *pred = sqlite3_column_int(ps, 4)
					     ? index_predicate(isql)
					     : NULL;
			index_rows(b, t, base, 0, iname, keys, n_keys, unique,
				   false, 0, pred, isql);
			sqlite3_free(pred);
			continue;
		}
		/* Automatic index: the user's constraint name, else
		 * PostgreSQL's. */
		char *name;
		const char *given = constraint_name(
			t, primary ? 'p' : 'u', colnames != NULL ? colnames : "");
		if (given != NULL && !(primary && had_pk)) {
			name = sqlite3_mprintf("%s", given);
		} else if (primary) {
			if (had_pk) {
				continue;
			}
			name = sqlite3_mprintf("%s_pkey", t->name);
		} else {
			name = sqlite3_mprintf("%s", t->name);
			for (int k = 0; k < n_keys && name != NULL; k++) {
				int a = keys[k];
				char *q = sqlite3_mprintf(
					"%s_%s", name,
					a >= 1 ? t->cols[a - 1].name : "expr");
				sqlite3_free(name);
				name = q;
			}
			char *q = sqlite3_mprintf("%s_key", name);
			sqlite3_free(name);
			name = q;
		}
		index_rows(b, t, t->oid + 10 + 1 + (uint32_t)n_auto,
			   t->oid + 100 + 1 + (uint32_t)n_auto, name, keys,
			   n_keys, true, primary, primary ? 'p' : 'u', NULL,
			   NULL);
		n_auto++;
		sqlite3_free(name);
	}
	sqlite3_finalize(ps);
}

/* The index OID of @table's primary key or a unique index on @col. */
static uint32_t key_index(struct build *b, uint32_t table_oid, int attnum)
{
	sqlite3_stmt *ps = NULL;
	uint32_t oid = 0;
	if (sqlite3_prepare_v2(b->db,
			       "SELECT indexrelid FROM pg_catalog.pg_index "
			       "WHERE indrelid = ? AND indisunique AND indkey = "
			       "CAST(? AS TEXT) ORDER BY indisprimary DESC",
			       -1, &ps, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(ps, 1, table_oid);
		sqlite3_bind_int(ps, 2, attnum);
		if (sqlite3_step(ps) == SQLITE_ROW) {
			oid = (uint32_t)sqlite3_column_int64(ps, 0);
		}
	}
	sqlite3_finalize(ps);
	return oid;
}

static char fk_action_code(const char *a)
{
	if (a == NULL) {
		return 'a';
	}
	if (strcmp(a, "CASCADE") == 0) {
		return 'c';
	}
	if (strcmp(a, "RESTRICT") == 0) {
		return 'r';
	}
	if (strcmp(a, "SET NULL") == 0) {
		return 'n';
	}
	if (strcmp(a, "SET DEFAULT") == 0) {
		return 'd';
	}
	return 'a';
}

static const char *fk_action_text(char c)
{
	switch (c) {
	case 'c':
		return " CASCADE";
	case 'r':
		return " RESTRICT";
	case 'n':
		return " SET NULL";
	case 'd':
		return " SET DEFAULT";
	default:
		return NULL;
	}
}

static void foreign_keys(struct build *b, struct table *tables, int n_tables,
			 struct table *t)
{
	if (b->rc != SQLITE_OK) {
		return;
	}
	sqlite3_stmt *ps = NULL;
	b->rc = sqlite3_prepare_v2(
		b->db,
		"SELECT id, seq, \"table\", \"from\", \"to\", on_update, "
		"on_delete FROM main.pragma_foreign_key_list(?) ORDER BY id "
		"DESC, seq",
		-1, &ps, NULL);
	if (b->rc != SQLITE_OK) {
		return;
	}
	sqlite3_bind_text(ps, 1, t->name, -1, SQLITE_STATIC);
	int n_fk = 0;
	int cur = -1;
	int from[32], to[32], n = 0;
	char upd = 'a', del = 'a';
	struct table *ref = NULL;
	for (;;) {
		int rc = sqlite3_step(ps);
		int id = rc == SQLITE_ROW ? sqlite3_column_int(ps, 0) : -2;
		if (id != cur && cur != -1 && n > 0 && ref != NULL) {
			/* Flush the previous foreign key: the user's name,
			 * else PostgreSQL's <table>_<cols>_fkey. */
			char *fname = sqlite3_mprintf("%s", t->name);
			char *fcols = sqlite3_mprintf("");
			for (int k = 0; k < n && fname != NULL; k++) {
				const char *cn = t->cols[from[k] - 1].name;
				char *q = sqlite3_mprintf("%s_%s", fname, cn);
				sqlite3_free(fname);
				fname = q;
				q = fcols != NULL
					    ? sqlite3_mprintf("%s%s%s", fcols,
							      k > 0 ? "\1" : "",
							      cn)
					    : NULL;
				sqlite3_free(fcols);
				fcols = q;
			}
			const char *given = constraint_name(
				t, 'f', fcols != NULL ? fcols : "");
			sqlite3_free(fcols);
			char *q = given != NULL
					  ? sqlite3_mprintf("%s", given)
					  : sqlite3_mprintf("%s_fkey", fname);
			sqlite3_free(fname);
			fname = q;
			char *fc = column_list(t, from, n);
			char *tc = column_list(ref, to, n);
			char *ck = int_vector(from, n, ",");
			char *rk = int_vector(to, n, ",");
			uint32_t oid = t->oid + 200 + (uint32_t)n_fk++;
			run(b, "INSERT INTO pg_catalog.pg_constraint VALUES (%u, "
			       "%Q, 2200, 'f', 0, 0, 1, %u, 0, %u, 0, %u, '%c', "
			       "'%c', 's', 1, 0, 1, '{' || %Q || '}', '{' || %Q "
			       "|| '}', NULL, NULL, NULL, NULL, NULL, NULL)",
			    oid, fname, t->oid, key_index(b, ref->oid, to[0]),
			    ref->oid, upd, del, ck, rk);
			const char *u = fk_action_text(upd);
			const char *d = fk_action_text(del);
			char *qref = sql__pg_quote_ident(ref->name);
			char *def = sqlite3_mprintf(
				"FOREIGN KEY (%s) REFERENCES %s(%s)%s%s%s%s", fc,
				qref, tc, u ? " ON UPDATE" : "", u ? u : "",
				d ? " ON DELETE" : "", d ? d : "");
			run(b, "INSERT INTO pg_catalog.triode_defs VALUES (%u, "
			       "0, %Q)",
			    oid, def);
			sqlite3_free(def);
			sqlite3_free(qref);
			t->has_fk = true;
			ref->referenced = true;
			sqlite3_free(fname);
			sqlite3_free(fc);
			sqlite3_free(tc);
			sqlite3_free(ck);
			sqlite3_free(rk);
		}
		if (rc != SQLITE_ROW) {
			break;
		}
		if (id != cur) {
			cur = id;
			n = 0;
			ref = NULL;
			const char *rname =
				(const char *)sqlite3_column_text(ps, 2);
			for (int k = 0; k < n_tables && rname != NULL; k++) {
				if (strcmp(tables[k].name, rname) == 0) {
					ref = &tables[k];
				}
			}
			upd = fk_action_code(
				(const char *)sqlite3_column_text(ps, 5));
			del = fk_action_code(
				(const char *)sqlite3_column_text(ps, 6));
		}
		if (ref == NULL || n >= 32) {
			continue;
		}
		from[n] = attnum_of(t, (const char *)sqlite3_column_text(ps, 3));
		const char *tcol = (const char *)sqlite3_column_text(ps, 4);
		if (tcol == NULL) {
			/* REFERENCES t without columns: its primary key. */
			for (int k = 0; k < ref->n_cols; k++) {
				if (ref->cols[k].pk == n + 1) {
					tcol = ref->cols[k].name;
				}
			}
		}
		to[n] = attnum_of(ref, tcol);
		if (from[n] > 0 && to[n] > 0) {
			n++;
		}
	}
	sqlite3_finalize(ps);
}

/*
 * CHECK constraints: ddl.c names every one of them ("CONSTRAINT name
 * CHECK (expr)"), so they are found in the table's SQL by that shape.
 * The hidden varchar length checks (<t>_<c>_len) and number range checks
 * (<t>_<c>_range) and enum label checks (<t>_<c>_enum, enum.c) are not
 * PostgreSQL's and are skipped.
 */
/* The columns of @t that CHECK expression @expr names, as conkey
 * ("{2,3}", in column order as PostgreSQL lists them); NULL if none. */
static char *check_columns(const struct table *t, const char *expr)
{
	char *s = NULL;
	for (int i = 0; i < t->n_cols; i++) {
		const char *name = t->cols[i].name;
		size_t len = strlen(name);
		bool found = false;
		for (const char *p = expr; !found && (p = strstr(p, name));
		     p += len) {
			bool before = p > expr &&
				      (isalnum((unsigned char)p[-1]) ||
				       p[-1] == '_' || p[-1] == '\'');
			char c = p[len];
			bool after = isalnum((unsigned char)c) || c == '_' ||
				     c == '\'' || c == '(';
			found = !before && !after;
		}
		if (found) {
			char *q = sqlite3_mprintf("%s%s%d", s != NULL ? s : "{",
						  s != NULL ? "," : "", i + 1);
			sqlite3_free(s);
			s = q;
		}
	}
	if (s == NULL) {
		return NULL;
	}
	char *q = sqlite3_mprintf("%s}", s);
	sqlite3_free(s);
	return q;
}

static void checks(struct build *b, struct table *t)
{
	const char *p = t->sql;
	int n = 0;
	while (p != NULL && (p = strstr(p, "CONSTRAINT ")) != NULL) {
		p += 11;
		const char *name = p;
		size_t nlen;
		char *cname;
		if (*p == '"') {
			const char *e = strchr(p + 1, '"');
			if (e == NULL) {
				break;
			}
			cname = sqlite3_mprintf("%.*s", (int)(e - p - 1), p + 1);
			p = e + 1;
		} else {
			nlen = strcspn(p, " ");
			cname = sqlite3_mprintf("%.*s", (int)nlen, name);
			p += nlen;
		}
		/* "CHECK (" as ddl.c writes it, "CHECK(" after a rebuild. */
		if (strncmp(p, " CHECK", 6) != 0) {
			sqlite3_free(cname);
			continue;
		}
		p += 6;
		while (*p == ' ') {
			p++;
		}
		if (*p != '(') {
			sqlite3_free(cname);
			continue;
		}
		p++;
		int depth = 1;
		bool quote = false;
		const char *start = p;
		while (*p != '\0' && depth > 0) {
			if (*p == '\'') {
				quote = !quote;
			} else if (!quote && *p == '(') {
				depth++;
			} else if (!quote && *p == ')') {
				depth--;
			}
			p++;
		}
		size_t elen = (size_t)(p - start - 1);
		size_t cl = cname != NULL ? strlen(cname) : 0;
		if (cname == NULL || (cl > 4 && strcmp(cname + cl - 4, "_len") == 0) ||
		    (cl > 6 && strcmp(cname + cl - 6, "_range") == 0) ||
		    (cl > 5 && strcmp(cname + cl - 5, "_enum") == 0)) {
			sqlite3_free(cname);
			continue;
		}
		char *raw = sqlite3_mprintf("%.*s", (int)elen, start);
		char *expr = raw != NULL ? strip_parens(raw) : NULL;
		char *conkey = expr != NULL ? check_columns(t, expr) : NULL;
		uint32_t oid = t->oid + 300 + (uint32_t)n++;
		run(b,
		    "INSERT INTO pg_catalog.pg_constraint VALUES (%u, %Q, "
		    "2200, 'c', 0, 0, 1, %u, 0, 0, 0, 0, ' ', ' ', ' ', 1, "
		    "0, 0, %Q, NULL, NULL, NULL, NULL, NULL, NULL, %Q)",
		    oid, cname, t->oid, conkey, expr);
		sqlite3_free(conkey);
		run(b, "INSERT INTO pg_catalog.triode_defs VALUES (%u, 0, "
		       "'CHECK (' || %Q || ')')",
		    oid, expr);
		sqlite3_free(raw);
		sqlite3_free(expr);
		sqlite3_free(cname);
	}
	t->n_checks = n;
}

/* The SELECT of a view's CREATE VIEW text. */
static const char *view_query(const char *sql)
{
	const char *p = sql != NULL ? strstr(sql, " AS ") : NULL;
	return p != NULL ? p + 4 : "";
}

static void information_schema(struct build *b)
{
	const char *db = b->src->database != NULL ? b->src->database
						  : "postgres";
	run(b, "INSERT INTO information_schema.schemata (catalog_name, "
	       "schema_name, schema_owner) SELECT %Q, nspname, 'postgres' FROM "
	       "pg_catalog.pg_namespace",
	    db);
	run(b, "INSERT INTO information_schema.tables SELECT %Q, 'public', "
	       "relname, CASE relkind WHEN 'v' THEN 'VIEW' ELSE 'BASE TABLE' "
	       "END, NULL, NULL, NULL, NULL, NULL, CASE relkind WHEN 'v' THEN "
	       "'NO' ELSE 'YES' END, 'NO', NULL FROM pg_catalog.pg_class WHERE "
	       "relkind IN ('r', 'v') AND relnamespace = 2200 ORDER BY oid",
	    db);
	run(b, "INSERT INTO information_schema.views (table_catalog, "
	       "table_schema, table_name, view_definition, check_option, "
	       "is_updatable, is_insertable_into, is_trigger_updatable, "
	       "is_trigger_deletable, is_trigger_insertable_into) SELECT %Q, "
	       "schemaname, viewname, definition, 'NONE', 'NO', 'NO', 'NO', "
	       "'NO', 'NO' FROM pg_catalog.pg_views",
	    db);
	run(b, "INSERT INTO information_schema.columns (table_catalog, "
	       "table_schema, table_name, column_name, ordinal_position, "
	       "column_default, is_nullable, data_type, "
	       "character_maximum_length, numeric_precision, "
	       "numeric_precision_radix, numeric_scale, udt_catalog, "
	       "udt_schema, udt_name, dtd_identifier, is_self_referencing, "
	       "is_identity, identity_generation, is_generated, is_updatable) "
	       "SELECT %Q, 'public', c.relname, a.attname, a.attnum, "
	       "d.adbin, CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, "
	       "CASE t.typtype WHEN 'e' THEN 'USER-DEFINED' ELSE "
	       "triode_data_type(a.atttypid) END, CASE WHEN a.atttypid "
	       "IN (1042, 1043) AND a.atttypmod > 4 THEN a.atttypmod - 4 END, "
	       "CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN "
	       "64 WHEN 700 THEN 24 WHEN 701 THEN 53 WHEN 1700 THEN CASE WHEN "
	       "a.atttypmod > 4 THEN (a.atttypmod - 4) >> 16 END END, CASE "
	       "WHEN a.atttypid IN (21, 23, 20, 700, 701) THEN 2 WHEN "
	       "a.atttypid = 1700 THEN 10 END, CASE WHEN a.atttypid IN (21, "
	       "23, 20) THEN 0 WHEN a.atttypid = 1700 AND a.atttypmod > 4 THEN "
	       "(a.atttypmod - 4) & 65535 END, %Q, CASE t.typtype WHEN 'e' "
	       "THEN 'public' ELSE 'pg_catalog' END, t.typname, "
	       "a.attnum, 'NO', CASE WHEN a.attidentity <> '' THEN 'YES' ELSE "
	       "'NO' END, CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' "
	       "THEN 'BY DEFAULT' END, CASE WHEN a.attgenerated <> '' THEN "
	       "'ALWAYS' ELSE 'NEVER' END, CASE c.relkind WHEN 'v' THEN 'NO' "
	       "ELSE 'YES' END FROM pg_catalog.pg_attribute a JOIN "
	       "pg_catalog.pg_class c ON c.oid = a.attrelid JOIN "
	       "pg_catalog.pg_type t ON t.oid = a.atttypid LEFT JOIN "
	       "pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum "
	       "= a.attnum WHERE c.relkind IN ('r', 'v') AND c.relnamespace = "
	       "2200 ORDER BY c.oid, a.attnum",
	    db, db);
	run(b, "INSERT INTO information_schema.table_constraints SELECT %Q, "
	       "'public', con.conname, %Q, 'public', c.relname, CASE "
	       "con.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' "
	       "WHEN 'f' THEN 'FOREIGN KEY' ELSE 'CHECK' END, 'NO', 'NO', "
	       "'YES', CASE WHEN con.contype IN ('p', 'u') THEN 'YES' END FROM "
	       "pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON "
	       "c.oid = con.conrelid",
	    db, db);
	run(b, "INSERT INTO information_schema.key_column_usage SELECT %Q, "
	       "'public', con.conname, %Q, 'public', c.relname, a.attname, "
	       "k.key + 1, CASE WHEN con.contype = 'f' THEN k.key + 1 END "
	       "FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c "
	       "ON c.oid = con.conrelid, json_each('[' || substr(con.conkey, "
	       "2, length(con.conkey) - 2) || ']') k JOIN "
	       "pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND "
	       "a.attnum = k.value WHERE con.contype IN ('p', 'u', 'f')",
	    db, db);
	/* The columns a constraint uses: a foreign key's referenced ones,
	 * the constrained table's for the others (a CHECK's conkey holds
	 * the columns its expression reads, as pg_depend does). */
	run(b, "INSERT INTO information_schema.constraint_column_usage "
	       "SELECT %Q, 'public', c.relname, a.attname, %Q, 'public', "
	       "con.conname FROM pg_catalog.pg_constraint con, "
	       "json_each('[' || substr(CASE con.contype WHEN 'f' THEN "
	       "con.confkey ELSE con.conkey END, 2, length(CASE con.contype "
	       "WHEN 'f' THEN con.confkey ELSE con.conkey END) - 2) || ']') k "
	       "JOIN pg_catalog.pg_class c ON c.oid = CASE con.contype WHEN "
	       "'f' THEN con.confrelid ELSE con.conrelid END JOIN "
	       "pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum "
	       "= k.value WHERE con.contype IN ('p', 'u', 'f', 'c')",
	    db, db);
	run(b, "INSERT INTO information_schema.sequences SELECT %Q, "
	       "'public', c.relname, CASE s.seqtypid WHEN 21 THEN 'smallint' "
	       "WHEN 23 THEN 'integer' ELSE 'bigint' END, CASE s.seqtypid "
	       "WHEN 21 THEN 16 WHEN 23 THEN 32 ELSE 64 END, 2, 0, "
	       "s.seqstart, s.seqmin, s.seqmax, s.seqincrement, 'NO' FROM "
	       "pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid "
	       "= s.seqrelid",
	    db);
}

static void user_relations(struct build *b)
{
	sqlite3_stmt *ps = NULL;
	if (b->rc != SQLITE_OK) {
		return;
	}
	b->rc = sqlite3_prepare_v2(
		b->db,
		"SELECT name, type, sql FROM main.sqlite_schema WHERE type IN "
		"('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
		"AND name NOT IN ('triode_sequences', 'triode_rows') ORDER BY "
		"rowid",
		-1, &ps, NULL);
	if (b->rc != SQLITE_OK) {
		return;
	}
	struct table *tables = NULL;
	int n = 0;
	while (sqlite3_step(ps) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(ps, 0);
		uint32_t oid = sql__pgcatalog_base(rowid_of(b->src, name));
		if (oid == 0) {
			continue; /* not (yet) in the cluster's schema */
		}
		const char *enum_name;
		if (sql__enum_view_name(name, &enum_name)) {
			enum_type(b, name, enum_name, oid); /* not a relation */
			continue;
		}
		char ctab[256], ccol[256];
		if (sql__comment_view(name, ctab, sizeof ctab, ccol,
				      sizeof ccol)) {
			continue; /* comments() below */
		}
		struct table *t = sqlite3_realloc64(tables,
						    sizeof *t * (size_t)(n + 1));
		if (t == NULL) {
			b->rc = SQLITE_NOMEM;
			break;
		}
		tables = t;
		t = &tables[n++];
		memset(t, 0, sizeof *t);
		t->name = sqlite3_mprintf("%s", name);
		t->sql = sqlite3_mprintf("%s", sqlite3_column_text(ps, 2));
		t->oid = oid;
		t->is_view = strcmp((const char *)sqlite3_column_text(ps, 1),
				    "view") == 0;
		t->is_seq = t->is_view && sql__seq_marker(t->sql, &t->seq);
	}
	sqlite3_finalize(ps);
	for (int i = 0; i < n; i++) {
		read_columns(b, &tables[i]);
		named_constraints(&tables[i]);
	}
	for (int i = 0; i < n; i++) {
		struct table *t = &tables[i];
		if (t->is_view) {
			continue;
		}
		indexes(b, t);
		checks(b, t);
		foreign_keys(b, tables, n, t);
		sequences(b, t);
		owned_sequences(b, tables, n, t);
	}
	for (int i = 0; i < n; i++) {
		struct table *t = &tables[i];
		if (t->is_seq) {
			standalone_sequence(b, t);
			continue;
		}
		relation_row(b, t->oid, t->name, t->oid + 1,
			     t->is_view ? 'v' : 'r', t->n_cols, t->n_checks,
			     t->has_indexes, t->has_fk || t->referenced);
		row_type(b, t->name, t->oid);
		attributes(b, t);
		if (t->is_view) {
			run(b, "INSERT INTO pg_catalog.pg_views VALUES "
			       "('public', %Q, 'postgres', %Q)",
			    t->name, view_query(t->sql));
			run(b, "INSERT INTO pg_catalog.triode_defs VALUES (%u, "
			       "0, %Q)",
			    t->oid, view_query(t->sql));
		} else {
			run(b, "INSERT INTO pg_catalog.pg_tables VALUES "
			       "('public', %Q, 'postgres', NULL, %d, 0, %d, 0)",
			    t->name, t->has_indexes,
			    t->has_fk || t->referenced);
		}
	}
	comments(b);
	run(b, "INSERT INTO pg_catalog.pg_indexes SELECT 'public', t.relname, "
	       "i.relname, NULL, d.def FROM pg_catalog.pg_index x JOIN "
	       "pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN "
	       "pg_catalog.pg_class t ON t.oid = x.indrelid JOIN "
	       "pg_catalog.triode_defs d ON d.oid = x.indexrelid AND d.sub = "
	       "0");
	/* triode counts no block I/O: every counter reads as just after
	 * pg_stat_reset(), and no table has a TOAST table. */
	run(b, "INSERT INTO pg_catalog.pg_statio_all_tables SELECT c.oid, "
	       "n.nspname, c.relname, 0, 0, CASE WHEN c.relhasindex THEN 0 "
	       "END, CASE WHEN c.relhasindex THEN 0 END, NULL, NULL, NULL, "
	       "NULL FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
	       "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 't', 'm')");
	for (int i = 0; i < n; i++) {
		free_table(&tables[i]);
		sqlite3_free((char *)tables[i].name);
		sqlite3_free((char *)tables[i].sql);
	}
	sqlite3_free(tables);
}

int sql__pgcatalog_build(sqlite3 *db, const struct sql__catalog_src *src)
{
	struct build b = { .db = db, .src = src, .rc = SQLITE_OK };
	run(&b, "ATTACH ':memory:' AS pg_catalog");
	run(&b, "ATTACH ':memory:' AS information_schema");
	for (size_t i = 0; i < TR_ARRAY_LEN(catalog_ddl); i++) {
		run(&b, "%s", catalog_ddl[i]);
	}
	run(&b, "BEGIN");
	builtins(&b);
	user_relations(&b);
	information_schema(&b);
	if (b.rc == SQLITE_OK) {
		run(&b, "COMMIT");
	} else {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	return b.rc;
}
