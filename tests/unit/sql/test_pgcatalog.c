/*
 * Unit tests for the system catalogs on the mirror (sql/pgcatalog*.c):
 * a schema is translated and loaded, then PostgreSQL catalog queries are
 * parsed (catalog mode), described and run with sql_catalog_query, and
 * their rows rendered as PostgreSQL text ('|' between columns, ';'
 * between rows, N for NULL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sql/sql.h"
#include "sql/sql_int.h"

struct fixture {
	struct tr_arena a;
	struct sql_catalog *cat;
};

/* The schema, in PostgreSQL's dialect. */
static const char *const schema[] = {
	"CREATE TABLE customers (id bigserial PRIMARY KEY, email "
	"varchar(120) NOT NULL UNIQUE, active boolean DEFAULT true)",
	"CREATE TABLE orders (id serial PRIMARY KEY, customer_id bigint NOT "
	"NULL REFERENCES customers(id) ON DELETE CASCADE, qty integer CHECK "
	"(qty > 0), note text DEFAULT 'x')",
	"CREATE INDEX orders_qty_idx ON orders (qty, customer_id)",
	"CREATE VIEW v AS SELECT id FROM orders",
};

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof *f);
	tr_arena_init(&f->a, 4096);
	assert_int_equal(sql_catalog_new(&f->cat), TR_OK);
	const char *ddl[TR_ARRAY_LEN(schema)];
	for (size_t i = 0; i < TR_ARRAY_LEN(schema); i++) {
		struct sql_batch b;
		struct sql_error err;
		assert_int_equal(sql_parse(&f->a, schema[i], &b, &err), TR_OK);
		assert_int_equal(b.n_stmts, 1);
		assert_false(b.stmts[0].failed);
		ddl[i] = b.stmts[0].sqlite;
	}
	assert_int_equal(sql_catalog_set_database(f->cat, "shop"), TR_OK);
	assert_int_equal(sql_catalog_load(f->cat, TR_ARRAY_LEN(schema), ddl),
			 TR_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sql_catalog_free(f->cat);
	tr_arena_close(&f->a);
	test_free(f);
	return 0;
}

struct collect {
	struct tr_buf out;
	const struct sql_column *cols;
	unsigned n_cols;
	unsigned rows;
};

static int collect_row(void *arg, unsigned n, const char *const *names,
		       const struct sql_value *vals)
{
	struct collect *c = arg;
	TR_UNUSED(names);
	if (vals == NULL) {
		return TR_OK;
	}
	if (c->rows++ > 0) {
		tr_buf_put_u8(&c->out, ';');
	}
	for (unsigned i = 0; i < n; i++) {
		if (i > 0) {
			tr_buf_put_u8(&c->out, '|');
		}
		uint32_t oid = i < c->n_cols ? c->cols[i].type_oid
					     : SQL_OID_TEXT;
		if (!sql_format_text(oid, &vals[i], &c->out)) {
			tr_buf_put_u8(&c->out, 'N');
		}
	}
	return TR_OK;
}

/* Run @pg; returns the rows, or "ERROR <sqlstate>". */
static const char *run(struct fixture *f, const char *pg,
		       const struct sql_value *params, unsigned n_params)
{
	struct sql_batch b;
	struct sql_error err;
	if (sql_parse(&f->a, pg, &b, &err) != TR_OK) {
		return tr_arena_printf(&f->a, "ERROR %s", err.sqlstate);
	}
	assert_int_equal(b.n_stmts, 1);
	struct sql_stmt *st = &b.stmts[0];
	if (st->failed) {
		return tr_arena_printf(&f->a, "ERROR %s %s",
				       st->error.sqlstate, st->error.message);
	}
	assert_true(st->catalog);
	struct collect c = { .rows = 0 };
	struct sql_column *cols;
	unsigned n_cols;
	int rv = sql_catalog_describe(f->cat, st, &f->a, &cols, &n_cols, &err);
	if (rv != TR_OK) {
		return tr_arena_printf(&f->a, "ERROR %s %s", err.sqlstate,
				       err.message);
	}
	c.cols = cols;
	c.n_cols = n_cols;
	tr_buf_init(&c.out, 0);
	rv = sql_catalog_query(f->cat, st, params, n_params, collect_row, &c,
			       &f->a, &err);
	const char *res =
		rv == TR_OK ? tr_arena_strndup(&f->a, (const char *)c.out.data,
					       c.out.len)
			    : tr_arena_printf(&f->a, "ERROR %s %s",
					      err.sqlstate, err.message);
	tr_buf_close(&c.out);
	return res;
}

static void check(struct fixture *f, const char *pg, const char *want)
{
	const char *got = run(f, pg, NULL, 0);
	if (strcmp(got, want) != 0) {
		print_error("%s\n  got:  %s\n  want: %s\n", pg, got, want);
		fail();
	}
}

static void test_relations(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "SELECT relname, relkind, relnatts, relchecks, relhasindex, "
	      "relhastriggers FROM pg_catalog.pg_class WHERE relnamespace = "
	      "2200 ORDER BY relname",
	      "customers|r|3|0|t|t;customers_email_key|i|1|0|f|f;"
	      "customers_id_seq|S|3|0|f|f;customers_pkey|i|1|0|f|f;"
	      "orders|r|4|1|t|t;orders_id_seq|S|3|0|f|f;"
	      "orders_pkey|i|1|0|f|f;orders_qty_idx|i|2|0|f|f;v|v|1|0|f|f");
	/* OIDs come from sqlite_schema rowids: base + 0 for the table. */
	check(f,
	      "SELECT c.oid % 1000, t.typname FROM pg_class c JOIN pg_type t "
	      "ON t.oid = c.reltype WHERE c.relname = 'orders'",
	      "384|orders");
}

static void test_attributes_and_defaults(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "SELECT a.attname, pg_catalog.format_type(a.atttypid, "
	      "a.atttypmod), a.attnotnull, (SELECT pg_catalog.pg_get_expr("
	      "d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d WHERE "
	      "d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef) "
	      "FROM pg_catalog.pg_attribute a WHERE a.attrelid = "
	      "'customers'::regclass AND a.attnum > 0 ORDER BY a.attnum",
	      "id|bigint|t|nextval('customers_id_seq'::regclass);"
	      "email|character varying(120)|t|N;active|boolean|f|true");
}

static void test_constraints(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "SELECT conname, contype, pg_catalog.pg_get_constraintdef(oid, "
	      "true), conrelid::pg_catalog.regclass FROM "
	      "pg_catalog.pg_constraint ORDER BY conname",
	      "customers_email_key|u|UNIQUE (email)|customers;"
	      "customers_pkey|p|PRIMARY KEY (id)|customers;"
	      "orders_customer_id_fkey|f|FOREIGN KEY (customer_id) REFERENCES "
	      "customers(id) ON DELETE CASCADE|orders;"
	      "orders_pkey|p|PRIMARY KEY (id)|orders;"
	      "orders_qty_check|c|CHECK (qty > 0)|orders");
}

static void test_indexes(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "SELECT c.relname, i.indkey, i.indisunique, "
	      "pg_catalog.pg_get_indexdef(i.indexrelid, 0, true), "
	      "pg_catalog.pg_get_indexdef(i.indexrelid, 2, true) FROM "
	      "pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = "
	      "i.indexrelid WHERE i.indrelid = 'orders'::regclass ORDER BY 1",
	      "orders_pkey|1|t|CREATE UNIQUE INDEX orders_pkey ON public.orders "
	      "USING btree (id)|N;"
	      "orders_qty_idx|3 2|f|CREATE INDEX orders_qty_idx ON "
	      "public.orders USING btree (qty, customer_id)|customer_id");
}

static void test_types_and_regtype(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "SELECT typname, oid, typarray, oid::regtype::text, typdelim, "
	      "typtype, typcategory FROM pg_type t WHERE t.oid = "
	      "'jsonb'::regtype",
	      "jsonb|3802|3807|jsonb|,|b|U");
	check(f, "SELECT 'integer'::regtype::oid, 'int4[]'::regtype::oid",
	      "23|1007");
	check(f, "SELECT format_type(1043, 24), format_type(1042, NULL)",
	      "character varying(20)|character");
	check(f, "SELECT 'nosuch'::regtype",
	      "ERROR 42704 type \"nosuch\" does not exist");
	check(f, "SELECT 'nosuch'::regclass",
	      "ERROR 42P01 relation \"nosuch\" does not exist");
}

static void test_parameters(void **state)
{
	struct fixture *f = *state;
	struct sql_value p = { .type = SQL_VALUE_INTEGER, .integer = 114 };
	const char *got = run(f,
			      "SELECT t.typname FROM pg_catalog.pg_type AS t "
			      "WHERE t.oid = $1",
			      &p, 1);
	assert_string_equal(got, "json");
	/* $1 compared with an oid column is described as oid. */
	struct sql_batch b;
	struct sql_error err;
	assert_int_equal(sql_parse(&f->a,
				   "SELECT typname FROM pg_catalog.pg_type AS "
				   "t WHERE t.oid = $1",
				   &b, &err),
			 TR_OK);
	uint32_t oid = 0;
	assert_int_equal(sql_catalog_describe_params(f->cat, &b.stmts[0],
						     &f->a, &oid),
			 TR_OK);
	assert_int_equal(oid, SQL_OID_OID);
}

static void test_arrays(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "SELECT ARRAY(SELECT rolname FROM pg_roles WHERE rolname = "
	      "'nobody'), ARRAY(SELECT rolname FROM pg_roles ORDER BY 1), "
	      "array_to_string(ARRAY['a', 'b c'], E'\\n')",
	      "{}|{pg_database_owner,postgres}|a\nb c");
	check(f,
	      "SELECT 2 = ANY ('{1,2}'), array_upper('{4,5,6}'::int2[], 1), "
	      "('{4,5,6}'::int2[])[2], ('4 5'::int2vector)[0] FROM pg_roles "
	      "WHERE rolname = 'postgres'",
	      "t|3|5|4");
	check(f,
	      "SELECT x.n, x.x FROM information_schema._pg_expandarray("
	      "'{7,8}') AS x ORDER BY 1",
	      "1|7;2|8");
	/* pgjdbc's getPrimaryKeys: the set-returning function in the
	 * select list and a field of its composite result. */
	check(f,
	      "SELECT r.a, r.k FROM (SELECT a.attname AS a, "
	      "(information_schema._pg_expandarray(i.indkey)).n AS k, "
	      "information_schema._pg_expandarray(i.indkey) AS keys, "
	      "a.attnum AS num FROM pg_catalog.pg_attribute a JOIN "
	      "pg_catalog.pg_index i ON a.attrelid = i.indrelid JOIN "
	      "pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE c.relname "
	      "= 'orders_qty_idx') r WHERE r.num = (r.keys).x ORDER BY r.k",
	      "qty|1;customer_id|2");
}

static void test_psql_queries(void **state)
{
	struct fixture *f = *state;
	/* \d orders, query 7 (referenced by), on customers. */
	check(f,
	      "SELECT conname, conrelid::pg_catalog.regclass AS ontable, "
	      "pg_catalog.pg_get_constraintdef(oid, true) AS condef FROM "
	      "pg_catalog.pg_constraint c WHERE confrelid IN (SELECT "
	      "pg_catalog.pg_partition_ancestors('customers'::regclass) UNION "
	      "ALL VALUES ('customers'::pg_catalog.regclass)) AND contype = "
	      "'f' AND conparentid = 0 ORDER BY conname",
	      "orders_customer_id_fkey|orders|FOREIGN KEY (customer_id) "
	      "REFERENCES customers(id) ON DELETE CASCADE");
	/* \l, \dn. */
	check(f,
	      "SELECT d.datname, pg_catalog.pg_get_userbyid(d.datdba), "
	      "pg_catalog.pg_encoding_to_char(d.encoding), "
	      "pg_catalog.array_to_string(d.datacl, E'\\n') FROM "
	      "pg_catalog.pg_database d",
	      "shop|postgres|UTF8|N");
	check(f,
	      "SELECT n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) FROM "
	      "pg_catalog.pg_namespace n WHERE n.nspname !~ '^pg_' AND "
	      "n.nspname <> 'information_schema' ORDER BY 1",
	      "public|pg_database_owner");
}

static void test_information_schema(void **state)
{
	struct fixture *f = *state;
	check(f,
	      "SELECT table_name, table_type FROM information_schema.tables "
	      "ORDER BY 1",
	      "customers|BASE TABLE;orders|BASE TABLE;v|VIEW");
	check(f,
	      "SELECT column_name, data_type, is_nullable, "
	      "character_maximum_length FROM information_schema.columns "
	      "WHERE table_name = 'customers' ORDER BY ordinal_position",
	      "id|bigint|NO|N;email|character varying|NO|120;"
	      "active|boolean|YES|N");
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	check(f, "SELECT * FROM pg_class JOIN orders ON true",
	      "ERROR 0A000 queries mixing system catalogs and user tables are "
	      "not supported");
	check(f, "DELETE FROM pg_catalog.pg_class",
	      "ERROR 42501 permission denied for table pg_class");
	check(f, "SELECT (information_schema._pg_expandarray('{1}')).n",
	      "ERROR 0A000 subscripts and field selections are not "
	      "supported");
}

/* The catalog relations are read-only even to hand-written SQLite. */
static void test_read_only(void **state)
{
	struct fixture *f = *state;
	struct sql_stmt st = { .kind = SQL_QUERY,
			       .catalog = true,
			       .sqlite = "DELETE FROM pg_catalog.pg_class" };
	struct collect c = { .rows = 0 };
	struct sql_error err;
	tr_buf_init(&c.out, 0);
	assert_int_equal(sql_catalog_query(f->cat, &st, NULL, 0, collect_row,
					   &c, &f->a, &err),
			 TR_ESQL);
	tr_buf_close(&c.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relations, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_attributes_and_defaults,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_constraints, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_types_and_regtype, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parameters, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_arrays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psql_queries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_information_schema, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
