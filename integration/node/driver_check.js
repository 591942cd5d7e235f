// node-postgres checks for integration/test_driver_node.py.
//
// Usage: node driver_check.js PORT PASSWORD SUFFIX
// Runs every check on its own connection and prints one line per check:
// "OK name" or "FAIL name: <error or mismatch>", then "DONE".

'use strict';

const assert = require('assert');
const { Client } = require('pg');

const [port, password, sfx] = process.argv.slice(2);
const t = (base) => `${base}_${sfx}`;

function connect() {
  return new Client({
    host: '127.0.0.1',
    port: Number(port),
    user: 'postgres',
    database: 'postgres',
    password,
    ssl: { rejectUnauthorized: false },
    connectionTimeoutMillis: 10000,
    query_timeout: 60000,
  });
}

const TS = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
const BYTES = Buffer.from([0, 1, 255]);
const UUID = '12345678-1234-5678-1234-567812345678';

const checks = {
  async parameters(c) {
    const r = await c.query('SELECT $1::int4 + $2::int4 AS s, $3::text AS t',
                            [2, 3, "it's \u00e9"]);
    assert.deepStrictEqual(r.rows, [{ s: 5, t: "it's \u00e9" }]);
    assert.strictEqual(r.fields[0].dataTypeID, 23);
    assert.strictEqual(r.fields[1].dataTypeID, 25);
  },

  async types(c) {
    const tb = t('node_types');
    await c.query(`CREATE TABLE ${tb} (id int4 PRIMARY KEY, i8 int8,
                   ok bool, t text, n numeric(12,2), f float8, b bytea,
                   tz timestamptz, d date, u uuid, j json)`);
    const ins = await c.query(
      `INSERT INTO ${tb} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [1, '1099511627776', true, 'x', '12345.67', 1.5, BYTES, TS,
       '2024-01-02', UUID, JSON.stringify({ a: [1, 'x'] })]);
    assert.strictEqual(ins.rowCount, 1);
    assert.strictEqual(ins.command, 'INSERT');
    const r = await c.query(
      `SELECT id, i8, ok, t, n, f, b, tz, d::text AS d, u, j FROM ${tb}
       WHERE id = $1`, [1]);
    assert.strictEqual(r.rowCount, 1);
    const row = r.rows[0];
    assert.strictEqual(row.id, 1);
    assert.strictEqual(row.i8, '1099511627776');
    assert.strictEqual(row.ok, true);
    assert.strictEqual(row.t, 'x');
    assert.strictEqual(row.n, '12345.67');
    assert.strictEqual(row.f, 1.5);
    assert.ok(BYTES.equals(row.b), `bytea ${row.b && row.b.toString('hex')}`);
    assert.strictEqual(row.tz.getTime(), TS.getTime());
    assert.strictEqual(row.d, '2024-01-02');
    assert.strictEqual(row.u, UUID);
    assert.deepStrictEqual(row.j, { a: [1, 'x'] });
    assert.deepStrictEqual(r.fields.map((f) => f.dataTypeID),
                           [23, 20, 16, 25, 1700, 701, 17, 1184, 25, 2950, 114]);
  },

  async nulls(c) {
    const tb = t('node_nulls');
    await c.query(`CREATE TABLE ${tb} (id int4 PRIMARY KEY, i8 int8, ok bool,
                   t text, b bytea, tz timestamptz)`);
    await c.query(`INSERT INTO ${tb} VALUES ($1, $2, $3, $4, $5, $6)`,
                  [1, null, null, undefined, null, null]);
    const r = await c.query(`SELECT i8, ok, t, b, tz FROM ${tb}`);
    assert.deepStrictEqual(r.rows, [{ i8: null, ok: null, t: null, b: null,
                                      tz: null }]);
    const n = await c.query('SELECT $1::int4 IS NULL AS isnull', [null]);
    assert.strictEqual(n.rows[0].isnull, true);
  },

  async transaction(c) {
    const tb = t('node_tx');
    await c.query(`CREATE TABLE ${tb} (id int4 PRIMARY KEY, v text)`);
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${tb} VALUES ($1, $2)`, [1, 'a']);
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${tb} VALUES ($1, $2)`, [2, 'b']);
    await assert.rejects(c.query(`INSERT INTO ${tb} VALUES ($1, $2)`,
                                 [2, 'dup']), { code: '23505' });
    await assert.rejects(c.query('SELECT 1'), { code: '25P02' });
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${tb} VALUES ($1, $2)`, [3, 'c']);
    await c.query('COMMIT');
    const r = await c.query(`SELECT id, v FROM ${tb} ORDER BY id`);
    assert.deepStrictEqual(r.rows, [{ id: 3, v: 'c' }]);
  },

  async errors(c) {
    const tb = t('node_err');
    await c.query(`CREATE TABLE ${tb} (id int4 PRIMARY KEY, v text NOT NULL)`);
    await c.query(`INSERT INTO ${tb} VALUES ($1, $2)`, [1, 'a']);
    const cases = [
      [`INSERT INTO ${tb} VALUES ($1, $2)`, [1, 'b'], '23505'],
      [`INSERT INTO ${tb} VALUES ($1, $2)`, [2, null], '23502'],
      [`SELECT * FROM ${tb}_missing WHERE id = $1`, [1], '42P01'],
      ['SELECT $1::text::int4', ['nope'], '22P02'],
      ['SELEC $1', [1], '42601'],
      ['SELECT 1 / 0', [], '22012'],
    ];
    for (const [sql, params, code] of cases) {
      let err = null;
      try {
        await c.query(sql, params);
      } catch (e) {
        err = e;
      }
      assert.ok(err, `no error for ${sql}`);
      assert.strictEqual(err.code, code, `${sql}: ${err.message}`);
    }
    const r = await c.query(`SELECT count(*)::int4 AS n FROM ${tb}`);
    assert.strictEqual(r.rows[0].n, 1);
  },

  async named_statement(c) {
    // A named query is parsed once and then only bound and executed.
    const tb = t('node_named');
    await c.query(`CREATE TABLE ${tb} (id int4 PRIMARY KEY, v text)`);
    for (let i = 0; i < 10; i++) {
      await c.query({ name: 'ins', text: `INSERT INTO ${tb} VALUES ($1, $2)`,
                      values: [i, `v${i}`] });
    }
    for (let i = 0; i < 10; i++) {
      const r = await c.query({ name: 'sel', rowMode: 'array',
                                text: `SELECT id, v FROM ${tb} WHERE id = $1`,
                                values: [i] });
      assert.deepStrictEqual(r.rows, [[i, `v${i}`]]);
    }
  },

  // COPY through pg-copy-streams, both directions; a bad row aborts it all.
  async copy(c) {
    const { from, to } = require('pg-copy-streams');
    const { pipeline } = require('stream/promises');
    const { Readable, Writable } = require('stream');
    const tb = t('node_copy');
    await c.query(`CREATE TABLE ${tb} (id int4 PRIMARY KEY, v text)`);
    const lines = [];
    for (let i = 1; i <= 500; i++) lines.push(`${i}\tv${i}\n`);
    await pipeline(Readable.from(lines),
                   c.query(from(`COPY ${tb} FROM STDIN`)));
    let out = '';
    await pipeline(
      c.query(to(`COPY (SELECT id, v FROM ${tb} WHERE id <= 2 ORDER BY id)
                  TO STDOUT WITH (FORMAT csv)`)),
      new Writable({ write(chunk, enc, cb) { out += chunk; cb(); } }));
    assert.strictEqual(out, '1,v1\n2,v2\n');
    await assert.rejects(
      pipeline(Readable.from(['501\ta\n', 'nope\tb\n']),
               c.query(from(`COPY ${tb} FROM STDIN`))),
      (e) => e.code === '22P02');
    const r = await c.query(`SELECT count(*)::int4 AS n FROM ${tb}`);
    assert.strictEqual(r.rows[0].n, 500);
  },
};

async function main() {
  for (const [name, fn] of Object.entries(checks)) {
    const c = connect();
    try {
      await c.connect();
      await fn(c);
      console.log(`OK ${name}`);
    } catch (e) {
      const code = e && e.code ? ` [code ${e.code}]` : '';
      console.log(`FAIL ${name}: ${String(e && e.message || e)
        .replace(/\n/g, ' ')}${code}`);
    } finally {
      await c.end().catch(() => {});
    }
  }
  console.log('DONE');
}

// Exit once every check has reported: a COPY stream that a failed COPY
// left half-open must not keep the process alive.
main().then(() => process.exit(0)).catch((e) => {
  console.error(e);
  process.exit(1);
});
