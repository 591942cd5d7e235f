-- What Node.js ORMs send besides queries (Sequelize 6, knex 3): enum
-- types made in DO blocks, Sequelize's describeTable, showIndex, enum
-- listing and foreign-key queries (information_schema and pg_catalog),
-- knex's hasTable/hasColumn/columnInfo, ALTER COLUMN ... TYPE to an enum
-- as sync({ alter: true }) sends it.  Tables are prefixed c17_.

CREATE TABLE c17_authors (id serial PRIMARY KEY, name varchar(80) NOT NULL UNIQUE, bio text, created timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP, touched timestamptz DEFAULT now(), born date DEFAULT CURRENT_DATE);
DO 'BEGIN CREATE TYPE "public"."enum_c17_books_state" AS ENUM(''draft'', ''published''); EXCEPTION WHEN duplicate_object THEN null; END';
DO 'BEGIN CREATE TYPE "public"."enum_c17_books_state" AS ENUM(''other''); EXCEPTION WHEN duplicate_object THEN null; END';
DO $$ BEGIN CREATE TYPE enum_c17_books_state AS ENUM ('x'); END $$;
DO $$ BEGIN CREATE TYPE c17_dup AS ENUM ('a', 'a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE TYPE c17_dup AS ENUM ('a', 'a'); EXCEPTION WHEN unique_violation THEN NULL; END $$;
SELECT count(*) AS dup_made FROM pg_type WHERE typname = 'c17_dup';
CREATE TABLE c17_books (id serial, title varchar(255) NOT NULL, price numeric(10,2), state "public"."enum_c17_books_state" NOT NULL DEFAULT 'draft', author_id integer REFERENCES c17_authors (id) ON DELETE SET NULL ON UPDATE CASCADE, isbn varchar(20) UNIQUE, PRIMARY KEY (id), CONSTRAINT c17_price_ok CHECK (price >= 0));
CREATE INDEX "c17_books_title" ON "c17_books" ("title");
SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type LIKE '%TABLE' AND table_name != 'spatial_ref_sys' AND table_name LIKE 'c17%' ORDER BY 1;
SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'c17_books';
SELECT t.typname enum_name, array_agg(e.enumlabel ORDER BY enumsortorder) enum_value FROM pg_type t JOIN pg_enum e ON t.oid = e.enumtypid JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typname='enum_c17_books_state' GROUP BY 1;
SELECT pk.constraint_type as "Constraint",c.column_name as "Field", c.column_default as "Default",c.is_nullable as "Null", (CASE WHEN c.udt_name = 'hstore' THEN c.udt_name ELSE c.data_type END) || (CASE WHEN c.character_maximum_length IS NOT NULL THEN '(' || c.character_maximum_length || ')' ELSE '' END) as "Type", (SELECT array_agg(e.enumlabel) FROM pg_catalog.pg_type t JOIN pg_catalog.pg_enum e ON t.oid=e.enumtypid WHERE t.typname=c.udt_name) AS "special", (SELECT pgd.description FROM pg_catalog.pg_statio_all_tables AS st INNER JOIN pg_catalog.pg_description pgd on (pgd.objoid=st.relid) WHERE c.ordinal_position=pgd.objsubid AND c.table_name=st.relname) AS "Comment" FROM information_schema.columns c LEFT JOIN (SELECT tc.table_schema, tc.table_name, cu.column_name, tc.constraint_type FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.KEY_COLUMN_USAGE  cu ON tc.table_schema=cu.table_schema and tc.table_name=cu.table_name and tc.constraint_name=cu.constraint_name and tc.constraint_type='PRIMARY KEY') pk ON pk.table_schema=c.table_schema AND pk.table_name=c.table_name AND pk.column_name=c.column_name WHERE c.table_name = 'c17_books' AND c.table_schema = 'public' ORDER BY c.ordinal_position;
SELECT pk.constraint_type as "Constraint",c.column_name as "Field", c.column_default as "Default",c.is_nullable as "Null", (CASE WHEN c.udt_name = 'hstore' THEN c.udt_name ELSE c.data_type END) || (CASE WHEN c.character_maximum_length IS NOT NULL THEN '(' || c.character_maximum_length || ')' ELSE '' END) as "Type" FROM information_schema.columns c LEFT JOIN (SELECT tc.table_schema, tc.table_name, cu.column_name, tc.constraint_type FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.KEY_COLUMN_USAGE  cu ON tc.table_schema=cu.table_schema and tc.table_name=cu.table_name and tc.constraint_name=cu.constraint_name and tc.constraint_type='PRIMARY KEY') pk ON pk.table_schema=c.table_schema AND pk.table_name=c.table_name AND pk.column_name=c.column_name WHERE c.table_name = 'c17_authors' AND c.table_schema = 'public' ORDER BY c.ordinal_position;
SELECT i.relname AS name, ix.indisprimary AS primary, ix.indisunique AS unique, ix.indkey AS indkey, array_agg(a.attnum ORDER BY a.attnum) as column_indexes, array_agg(a.attname ORDER BY a.attnum) AS column_names, pg_get_indexdef(ix.indexrelid) AS definition FROM pg_class t, pg_class i, pg_index ix, pg_attribute a WHERE t.oid = ix.indrelid AND i.oid = ix.indexrelid AND a.attrelid = t.oid AND a.attnum > 0 AND t.relkind = 'r' and t.relname = 'c17_books' GROUP BY i.relname, ix.indexrelid, ix.indisprimary, ix.indisunique, ix.indkey ORDER BY i.relname;
SELECT DISTINCT tc.constraint_name as constraint_name, tc.constraint_schema as constraint_schema, tc.constraint_catalog as constraint_catalog, tc.table_name as table_name,tc.table_schema as table_schema,tc.table_catalog as table_catalog,tc.initially_deferred as initially_deferred,tc.is_deferrable as is_deferrable,kcu.column_name as column_name,ccu.table_schema  AS referenced_table_schema,ccu.table_catalog  AS referenced_table_catalog,ccu.table_name  AS referenced_table_name,ccu.column_name AS referenced_column_name FROM information_schema.table_constraints AS tc JOIN information_schema.key_column_usage AS kcu ON tc.constraint_name = kcu.constraint_name JOIN information_schema.constraint_column_usage AS ccu ON ccu.constraint_name = tc.constraint_name WHERE constraint_type = 'FOREIGN KEY' AND tc.table_name = 'c17_books' AND tc.table_catalog = 'postgres';
SELECT table_name, column_name, constraint_name FROM information_schema.constraint_column_usage WHERE table_name LIKE 'c17%' ORDER BY 1, 2, 3;
SELECT schemaname, relname FROM pg_catalog.pg_statio_all_tables WHERE relname LIKE 'c17%' ORDER BY relname;
SELECT table_name, table_type FROM information_schema.tables WHERE table_name = 'c17_authors' and table_schema = current_schema();
SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'c17_books' and column_name = 'state' and table_schema = current_schema();
SELECT column_name, data_type, character_maximum_length, is_nullable, column_default, udt_schema, udt_name FROM information_schema.columns WHERE table_name = 'c17_books' and table_catalog = current_database() and table_schema = current_schema() ORDER BY ordinal_position;
SELECT column_name, data_type, column_default FROM information_schema.columns WHERE table_name = 'c17_authors' ORDER BY ordinal_position;
INSERT INTO c17_authors (name) VALUES ('Herbert'), ('Austen');
INSERT INTO c17_books (title, price, state, author_id, isbn) VALUES ('Dune', 9.99, 'published', 1, 'd'), ('Emma', 5.50, 'draft', 2, 'e');
ALTER TABLE "c17_books" ALTER COLUMN "state" SET NOT NULL;
ALTER TABLE "c17_books" ALTER COLUMN "state" SET DEFAULT 'draft';
DO 'BEGIN CREATE TYPE "public"."enum_c17_books_state" AS ENUM(''draft'', ''published''); EXCEPTION WHEN duplicate_object THEN null; END';
ALTER TABLE "c17_books" ALTER COLUMN "state" TYPE "public"."enum_c17_books_state" USING ("state"::"public"."enum_c17_books_state");
SELECT title, state FROM c17_books ORDER BY state DESC, title;
INSERT INTO c17_books (title, state) VALUES ('Bad', 'unknown');
ALTER TABLE c17_books ALTER COLUMN title TYPE "public"."enum_c17_books_state";
ALTER TABLE c17_books ALTER COLUMN state TYPE text;
SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_name = 'c17_books' AND column_name = 'state';
DROP TABLE c17_books;
DROP TYPE "public"."enum_c17_books_state";
DROP TABLE c17_authors;
