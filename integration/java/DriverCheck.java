// pgjdbc checks for integration/test_driver_pgjdbc.py.
//
// Usage: java -cp .:/usr/share/java/postgresql.jar DriverCheck PORT PASSWORD
//        SUFFIX
// Runs every check on its own connection and prints one line per check:
// "OK name" or "FAIL name: <exception or mismatch>", then "DONE".  A check
// that fails does not stop the others.

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

public class DriverCheck {
    static String url;
    static Properties props = new Properties();
    static String sfx;

    interface Check {
        void run(Connection c) throws Exception;
    }

    static void expect(boolean ok, String what) {
        if (!ok)
            throw new AssertionError(what);
    }

    static void eq(Object want, Object got, String what) {
        boolean same = want == null ? got == null
                : (want instanceof byte[] && got instanceof byte[])
                        ? Arrays.equals((byte[]) want, (byte[]) got)
                        : want.equals(got);
        if (!same)
            throw new AssertionError(what + ": expected <" + show(want)
                    + "> got <" + show(got) + ">");
    }

    static String show(Object o) {
        return o instanceof byte[] ? Arrays.toString((byte[]) o)
                : String.valueOf(o);
    }

    static String t(String base) {
        return base + "_" + sfx;
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static final String TYPES_DDL = " (id int4 PRIMARY KEY, i8 int8, "
            + "ok bool, t text, n numeric(12,2), ts timestamp, "
            + "tz timestamptz, b bytea, d date, f float8, u uuid)";
    static final String TYPES_INS = " (id, i8, ok, t, n, ts, tz, b, d, f, u) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    static final Timestamp TS = Timestamp.valueOf("2024-01-02 03:04:05.123456");
    static final OffsetDateTime TZ =
            OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 6000, ZoneOffset.UTC);
    static final byte[] BYTES = {0, 1, (byte) 0xff};
    static final UUID U = UUID.fromString("12345678-1234-5678-1234-567812345678");

    static void types(Connection c) throws Exception {
        String tb = t("jdbc_types");
        exec(c, "CREATE TABLE " + tb + TYPES_DDL);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + tb + TYPES_INS)) {
            ps.setInt(1, 1);
            ps.setLong(2, 1L << 40);
            ps.setBoolean(3, true);
            ps.setString(4, "it's \u00e9");
            ps.setBigDecimal(5, new BigDecimal("12345.67"));
            ps.setTimestamp(6, TS);
            ps.setObject(7, TZ);
            ps.setBytes(8, BYTES);
            ps.setObject(9, LocalDate.of(2024, 1, 2));
            ps.setDouble(10, 1.5);
            ps.setObject(11, U);
            eq(1, ps.executeUpdate(), "update count");
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT i8, ok, t, n, ts, tz, b, d, f, u FROM " + tb
                        + " WHERE id = ?")) {
            ps.setInt(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
                expect(rs.next(), "one row");
                eq(1L << 40, rs.getLong(1), "int8");
                eq(true, rs.getBoolean(2), "bool");
                eq("it's \u00e9", rs.getString(3), "text");
                eq(new BigDecimal("12345.67"), rs.getBigDecimal(4), "numeric");
                eq(TS, rs.getTimestamp(5), "timestamp");
                eq(TZ.toInstant(),
                        rs.getObject(6, OffsetDateTime.class).toInstant(),
                        "timestamptz");
                eq(BYTES, rs.getBytes(7), "bytea");
                eq(LocalDate.of(2024, 1, 2), rs.getObject(8, LocalDate.class),
                        "date");
                eq(1.5, rs.getDouble(9), "float8");
                eq(U, rs.getObject(10), "uuid");
                expect(!rs.next(), "only one row");
            }
        }
    }

    static void metadata(Connection c) throws Exception {
        String tb = t("jdbc_meta");
        exec(c, "CREATE TABLE " + tb + TYPES_DDL);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, i8, ok, t, n, ts, tz, b, d, f, u FROM " + tb);
                ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++)
                names.add(md.getColumnTypeName(i));
            eq("[int4, int8, bool, text, numeric, timestamp, timestamptz, "
                    + "bytea, date, float8, uuid]", names.toString(),
                    "column type names");
            eq(Types.INTEGER, md.getColumnType(1), "java.sql.Types of id");
            eq(Types.BIGINT, md.getColumnType(2), "java.sql.Types of i8");
        }
    }

    /* DatabaseMetaData: pgjdbc's catalog queries. */
    static String metaTable(Connection c) throws Exception {
        String tb = t("jdbc_dbmeta");
        exec(c, "CREATE TABLE IF NOT EXISTS " + tb + " (id int4 PRIMARY KEY, "
                + "name varchar(40) NOT NULL, note text)");
        exec(c, "CREATE INDEX IF NOT EXISTS " + tb + "_name_idx ON " + tb
                + " (name)");
        return tb;
    }

    static void dbmetaTables(Connection c) throws Exception {
        String tb = metaTable(c);
        try (ResultSet rs = c.getMetaData().getTables(null, "public", tb,
                new String[] {"TABLE"})) {
            expect(rs.next(), "one table");
            eq(tb, rs.getString("TABLE_NAME"), "TABLE_NAME");
            eq("TABLE", rs.getString("TABLE_TYPE"), "TABLE_TYPE");
            expect(!rs.next(), "only one table");
        }
    }

    static void dbmetaColumns(Connection c) throws Exception {
        String tb = metaTable(c);
        List<String> cols = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getColumns(null, "public", tb,
                "%")) {
            while (rs.next())
                cols.add(rs.getString("COLUMN_NAME") + ":"
                        + rs.getString("TYPE_NAME") + ":"
                        + rs.getInt("COLUMN_SIZE") + ":"
                        + rs.getString("IS_NULLABLE"));
        }
        eq("[id:int4:10:NO, name:varchar:40:NO, note:text:2147483647:YES]",
                cols.toString(), "columns");
    }

    static void dbmetaKeys(Connection c) throws Exception {
        String tb = metaTable(c);
        try (ResultSet rs = c.getMetaData().getPrimaryKeys(null, "public",
                tb)) {
            expect(rs.next(), "a primary key column");
            eq("id", rs.getString("COLUMN_NAME"), "COLUMN_NAME");
            eq(tb + "_pkey", rs.getString("PK_NAME"), "PK_NAME");
            expect(!rs.next(), "one key column");
        }
    }

    static void dbmetaIndexes(Connection c) throws Exception {
        String tb = metaTable(c);
        List<String> ix = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getIndexInfo(null, "public", tb,
                false, false)) {
            while (rs.next())
                ix.add(rs.getString("INDEX_NAME") + ":"
                        + rs.getString("COLUMN_NAME") + ":"
                        + rs.getBoolean("NON_UNIQUE"));
        }
        java.util.Collections.sort(ix);
        eq("[" + tb + "_name_idx:name:true, " + tb + "_pkey:id:false]",
                ix.toString(), "indexes");
    }

    /* ResultSetMetaData asks the catalog about RowDescription's table
     * OID and attnum. */
    static void rsmetaTable(Connection c) throws Exception {
        String tb = metaTable(c);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, name, note FROM " + tb);
                ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            eq(tb, md.getTableName(2), "table name");
            eq(ResultSetMetaData.columnNoNulls, md.isNullable(2),
                    "name is not null");
            eq(ResultSetMetaData.columnNullable, md.isNullable(3),
                    "note is nullable");
        }
    }

    static void nulls(Connection c) throws Exception {
        String tb = t("jdbc_nulls");
        exec(c, "CREATE TABLE " + tb + TYPES_DDL);
        int[] types = {Types.BIGINT, Types.BOOLEAN, Types.VARCHAR,
                Types.NUMERIC, Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE,
                Types.BINARY, Types.DATE, Types.DOUBLE, Types.OTHER};
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + tb + TYPES_INS)) {
            ps.setInt(1, 2);
            for (int i = 0; i < types.length; i++)
                ps.setNull(i + 2, types[i]);
            eq(1, ps.executeUpdate(), "update count");
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + tb)) {
            expect(rs.next(), "one row");
            eq(2, rs.getInt(1), "id");
            for (int i = 2; i <= 11; i++) {
                eq(null, rs.getObject(i), "column " + i);
                expect(rs.wasNull(), "wasNull " + i);
            }
        }
    }

    static void batch(Connection c) throws Exception {
        String tb = t("jdbc_batch");
        exec(c, "CREATE TABLE " + tb + " (id int4 PRIMARY KEY, v text)");
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + tb + " VALUES (?, ?)")) {
            for (int i = 0; i < 100; i++) {
                ps.setInt(1, i);
                ps.setString(2, "v" + i);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            eq(100, counts.length, "batch length");
            for (int n : counts)
                expect(n == 1 || n == Statement.SUCCESS_NO_INFO,
                        "batch count " + n);
        }
        eq(100L, count(c, tb), "rows after batch");
        try (Statement s = c.createStatement()) {
            s.addBatch("UPDATE " + tb + " SET v = 'w' WHERE id < 10");
            s.addBatch("DELETE FROM " + tb + " WHERE id >= 90");
            eq("[10, 10]", Arrays.toString(s.executeBatch()),
                    "statement batch counts");
        }
        eq(90L, count(c, tb), "rows after statement batch");
    }

    static void transactions(Connection c) throws Exception {
        String tb = t("jdbc_tx");
        exec(c, "CREATE TABLE " + tb + " (id int4 PRIMARY KEY, v text)");
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + tb + " VALUES (?, ?)")) {
            ps.setInt(1, 1);
            ps.setString(2, "a");
            ps.executeUpdate();
            c.rollback();
            ps.setInt(1, 2);
            ps.setString(2, "b");
            ps.executeUpdate();
            ps.setInt(1, 3);
            ps.setString(2, "c");
            ps.executeUpdate();
            c.commit();
        }
        eq(2L, count(c, tb), "rows after commit");
        c.commit();
        c.setAutoCommit(true);
    }

    static void errors(Connection c) throws Exception {
        String tb = t("jdbc_err");
        exec(c, "CREATE TABLE " + tb + " (id int4 PRIMARY KEY)");
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + tb + " VALUES (?)")) {
            ps.setInt(1, 1);
            ps.executeUpdate();
            try {
                ps.executeUpdate();
                throw new AssertionError("duplicate insert succeeded");
            } catch (SQLException e) {
                eq("23505", e.getSQLState(), "SQLState of duplicate key");
            }
        }
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT * FROM " + tb + "_missing");
            throw new AssertionError("missing table query succeeded");
        } catch (SQLException e) {
            eq("42P01", e.getSQLState(), "SQLState of missing table");
        }
        // Inside a transaction: the error aborts it until rollback.
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 / ?")) {
            ps.setInt(1, 0);
            try {
                ps.executeQuery();
                throw new AssertionError("division by zero succeeded");
            } catch (SQLException e) {
                eq("22012", e.getSQLState(), "SQLState of 1/0");
            }
            ps.setInt(1, 1);
            try {
                ps.executeQuery();
                throw new AssertionError("query in aborted tx succeeded");
            } catch (SQLException e) {
                eq("25P02", e.getSQLState(), "SQLState in aborted tx");
            }
        }
        c.rollback();
        c.setAutoCommit(true);
        eq(1L, count(c, tb), "rows after errors");
    }

    static void prepareThreshold(Connection c) throws Exception {
        // The default prepareThreshold is 5: from the 5th execution pgjdbc
        // uses a named server-side statement (and binary results).
        String tb = t("jdbc_thr");
        exec(c, "CREATE TABLE " + tb + " (id int4 PRIMARY KEY, v text, "
                + "ts timestamp, n numeric(12,2))");
        try (PreparedStatement ins = c.prepareStatement(
                "INSERT INTO " + tb + " VALUES (?, ?, ?, ?)");
                PreparedStatement sel = c.prepareStatement(
                        "SELECT id, v, ts, n FROM " + tb + " WHERE id = ?")) {
            for (int i = 0; i < 10; i++) {
                ins.setInt(1, i);
                ins.setString(2, "v" + i);
                ins.setTimestamp(3, TS);
                ins.setBigDecimal(4, new BigDecimal(i + ".25"));
                eq(1, ins.executeUpdate(), "insert " + i);
            }
            for (int i = 0; i < 10; i++) {
                sel.setInt(1, i);
                try (ResultSet rs = sel.executeQuery()) {
                    expect(rs.next(), "row " + i);
                    eq(i, rs.getInt(1), "id " + i);
                    eq("v" + i, rs.getString(2), "v " + i);
                    eq(TS, rs.getTimestamp(3), "ts " + i);
                    eq(new BigDecimal(i + ".25"), rs.getBigDecimal(4), "n " + i);
                    expect(!rs.next(), "one row " + i);
                }
            }
            boolean server = sel.unwrap(org.postgresql.PGStatement.class)
                    .isUseServerPrepare();
            expect(server, "server-side prepare after 10 executions");
        }
    }

    static void fetchSize(Connection c) throws Exception {
        // With autocommit off and a fetch size, pgjdbc reads through a
        // portal in chunks (Execute with a row limit, PortalSuspended).
        String tb = t("jdbc_fetch");
        exec(c, "CREATE TABLE " + tb + " (id int4 PRIMARY KEY)");
        exec(c, "INSERT INTO " + tb
                + " SELECT g FROM generate_series(1, 1000) AS g");
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM " + tb + " WHERE id > ? ORDER BY id")) {
            ps.setFetchSize(64);
            ps.setInt(1, 0);
            long n = 0, sum = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    n++;
                    sum += rs.getInt(1);
                }
            }
            eq(1000L, n, "rows");
            eq(500500L, sum, "sum");
        }
        c.commit();
        c.setAutoCommit(true);
    }

    // COPY FROM STDIN / TO STDOUT through pgjdbc's CopyManager; a bad row
    // aborts the whole COPY.
    static void copy(Connection c) throws Exception {
        String tb = t("jdbc_copy");
        exec(c, "CREATE TABLE " + tb + " (id int4 PRIMARY KEY, v text)");
        org.postgresql.copy.CopyManager cm =
                c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
        StringBuilder in = new StringBuilder();
        for (int i = 1; i <= 500; i++)
            in.append(i).append(",v").append(i).append('\n');
        long n = cm.copyIn("COPY " + tb + " FROM STDIN WITH (FORMAT csv)",
                new java.io.StringReader(in.toString()));
        eq(500L, n, "rows copied in");
        java.io.StringWriter out = new java.io.StringWriter();
        n = cm.copyOut("COPY (SELECT id, v FROM " + tb
                + " WHERE id <= 2 ORDER BY id) TO STDOUT WITH (FORMAT csv, "
                + "HEADER)", out);
        eq(2L, n, "rows copied out");
        eq("id,v\n1,v1\n2,v2\n", out.toString(), "csv");
        try {
            cm.copyIn("COPY " + tb + " FROM STDIN WITH (FORMAT csv)",
                    new java.io.StringReader("501,a\nnope,b\n"));
            throw new AssertionError("bad row accepted");
        } catch (SQLException e) {
            eq("22P02", e.getSQLState(), "bad row");
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + tb)) {
            rs.next();
            eq(500L, rs.getLong(1), "no partial data");
        }
    }

    // Statement.cancel() from another thread stops a statement waiting
    // for the write lock: 57014.
    static void cancel(Connection c) throws Exception {
        String tb = t("jdbc_cancel");
        exec(c, "CREATE TABLE " + tb + " (id int4 PRIMARY KEY)");
        try (Connection holder = DriverManager.getConnection(url, props)) {
            holder.setAutoCommit(false);
            exec(holder, "INSERT INTO " + tb + " VALUES (1)");
            Statement st = c.createStatement();
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    st.cancel();
                } catch (Exception e) {
                    // the assertion below reports it
                }
            });
            t.start();
            try {
                st.executeUpdate("INSERT INTO " + tb + " VALUES (1)");
                throw new AssertionError("not cancelled");
            } catch (SQLException e) {
                eq("57014", e.getSQLState(), "cancel");
            }
            t.join();
            holder.rollback();
        }
        exec(c, "INSERT INTO " + tb + " VALUES (2)");
    }

    static void run(String name, Check check) {
        try (Connection c = DriverManager.getConnection(url, props)) {
            check.run(c);
            System.out.println("OK " + name);
        } catch (Throwable e) {
            String msg = String.valueOf(e).replace('\n', ' ');
            if (e instanceof SQLException)
                msg += " [SQLState " + ((SQLException) e).getSQLState() + "]";
            System.out.println("FAIL " + name + ": " + msg);
        }
        System.out.flush();
    }

    public static void main(String[] args) {
        url = "jdbc:postgresql://127.0.0.1:" + args[0]
                + "/postgres?sslmode=require&connectTimeout=10"
                + "&socketTimeout=60";
        props.setProperty("user", "postgres");
        props.setProperty("password", args[1]);
        sfx = args[2];
        run("types", DriverCheck::types);
        run("metadata", DriverCheck::metadata);
        run("dbmeta_tables", DriverCheck::dbmetaTables);
        run("dbmeta_columns", DriverCheck::dbmetaColumns);
        run("dbmeta_keys", DriverCheck::dbmetaKeys);
        run("dbmeta_indexes", DriverCheck::dbmetaIndexes);
        run("rsmeta_table", DriverCheck::rsmetaTable);
        run("nulls", DriverCheck::nulls);
        run("batch", DriverCheck::batch);
        run("transactions", DriverCheck::transactions);
        run("errors", DriverCheck::errors);
        run("prepare_threshold", DriverCheck::prepareThreshold);
        run("fetch_size", DriverCheck::fetchSize);
        run("copy", DriverCheck::copy);
        run("cancel", DriverCheck::cancel);
        System.out.println("DONE");
    }
}
