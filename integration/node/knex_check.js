// knex 3 checks for integration/test_node_orm.py.
//
// Usage: node knex_check.js PORT PASSWORD SUFFIX
// The checks run in order on one knex instance (later ones use the
// tables the first creates) and print one line each: "OK name" or
// "FAIL name: <error or mismatch>", then "DONE".  Every table name ends
// in SUFFIX, so the script can share a server with other tests.

'use strict';

const assert = require('assert');
const knexLib = require('knex');

const [port, password, sfx] = process.argv.slice(2);
const t = (base) => `${base}_${sfx}`;
const USERS = t('kx_users');
const POSTS = t('kx_posts');

const knex = knexLib({
  client: 'pg',
  connection: {
    host: '127.0.0.1',
    port: Number(port),
    user: 'postgres',
    password,
    database: 'postgres',
    ssl: { rejectUnauthorized: false },
  },
  pool: { min: 0, max: 3 },
  debug: !!process.env.NODE_ORM_LOG,
});

const checks = {
  async create_tables() {
    assert.strictEqual(await knex.schema.hasTable(USERS), false);
    await knex.schema.createTable(USERS, (tb) => {
      tb.increments('id');
      tb.string('email', 120).notNullable().unique();
      tb.string('name').notNullable();
      tb.integer('age');
      tb.jsonb('prefs').notNullable().defaultTo('{}');
      tb.boolean('active').notNullable().defaultTo(true);
      tb.timestamps(true, true);
    });
    await knex.schema.createTable(POSTS, (tb) => {
      tb.bigIncrements('id').primary();
      tb.integer('user_id').unsigned().notNullable()
        .references('id').inTable(USERS).onDelete('CASCADE');
      tb.string('title', 200).notNullable();
      tb.text('body');
      tb.decimal('score', 8, 2).defaultTo(0);
      tb.enu('state', ['draft', 'published'], {
        useNative: true, enumName: t('kx_post_state') }).defaultTo('draft');
      tb.specificType('tags', 'text[]');
      tb.timestamp('created_at').defaultTo(knex.fn.now());
      tb.index(['user_id', 'created_at'], t('kx_posts_user_created'));
    });
    assert.strictEqual(await knex.schema.hasTable(USERS), true);
    assert.strictEqual(await knex.schema.hasTable(POSTS), true);
    assert.strictEqual(await knex.schema.hasColumn(USERS, 'prefs'), true);
    assert.strictEqual(await knex.schema.hasColumn(USERS, 'nope'), false);
    assert.strictEqual(await knex.schema.hasColumn(POSTS, 'state'), true);
    const info = await knex(USERS).columnInfo();
    assert.deepStrictEqual(info.email, { type: 'character varying',
                                         maxLength: 120, nullable: false,
                                         defaultValue: null });
    assert.strictEqual(info.id.type, 'integer');
    assert.strictEqual(info.prefs.type, 'jsonb');
    assert.strictEqual(info.created_at.type, 'timestamp with time zone');
    assert.strictEqual(info.created_at.defaultValue, 'CURRENT_TIMESTAMP');
    assert.strictEqual(info.active.defaultValue, 'true');
  },

  async insert_returning() {
    const ids = await knex(USERS).insert([
      { email: 'ann@x', name: 'Ann', age: 31, prefs: { theme: 'dark' } },
      { email: 'bob@x', name: 'Bob', age: 25 },
      { email: 'cy@x', name: 'Cy', age: null, active: false },
    ], ['id', 'email']);
    assert.deepStrictEqual(ids.map((r) => r.email), ['ann@x', 'bob@x', 'cy@x']);
    assert.deepStrictEqual(ids.map((r) => typeof r.id),
                           ['number', 'number', 'number']);
    const [ann, bob] = ids;
    const posts = await knex(POSTS).insert([
      { user_id: ann.id, title: 'Hello', body: 'first', score: '4.50',
        state: 'published', tags: ['a', 'b'] },
      { user_id: ann.id, title: 'Again', score: '1.25' },
      { user_id: bob.id, title: 'Bob here', state: 'published',
        tags: [] },
    ]).returning('*');
    assert.strictEqual(posts.length, 3);
    assert.strictEqual(typeof posts[0].id, 'string'); // bigint
    assert.strictEqual(posts[1].state, 'draft');
    assert.strictEqual(posts[1].score, '1.25');
    assert.deepStrictEqual(posts[0].tags, ['a', 'b']);
    assert.ok(posts[0].created_at instanceof Date);
    const [upd] = await knex(USERS).where({ email: 'bob@x' })
      .update({ age: knex.raw('?? + 1', ['age']),
                updated_at: knex.fn.now() }, ['age']);
    assert.strictEqual(upd.age, 26);
    const gone = await knex(POSTS).where('title', 'Again').del(['title']);
    assert.deepStrictEqual(gone, [{ title: 'Again' }]);
  },

  async joins() {
    const rows = await knex(`${USERS} as u`)
      .leftJoin(`${POSTS} as p`, 'p.user_id', 'u.id')
      .select('u.name')
      .count({ n: 'p.id' })
      .sum({ total: 'p.score' })
      .groupBy('u.name')
      .orderBy('u.name');
    assert.deepStrictEqual(rows.map((r) => [r.name, r.n, r.total]),
                           [['Ann', '1', '4.50'], ['Bob', '1', '0.00'],
                            ['Cy', '0', null]]);
    const pub = await knex(POSTS)
      .join(USERS, `${USERS}.id`, `${POSTS}.user_id`)
      .where(`${POSTS}.state`, 'published')
      .whereRaw(`${USERS}.prefs ->> 'theme' = ?`, ['dark'])
      .select(`${POSTS}.title`, `${USERS}.email`);
    assert.deepStrictEqual(pub, [{ title: 'Hello', email: 'ann@x' }]);
    const sub = await knex(USERS).whereIn(
      'id', knex(POSTS).select('user_id').where('score', '>', 1))
      .pluck('name');
    assert.deepStrictEqual(sub, ['Ann']);
    const page = await knex(USERS).select('name').orderBy('name', 'desc')
      .limit(2).offset(1);
    assert.deepStrictEqual(page.map((r) => r.name), ['Bob', 'Ann']);
    const tagged = await knex(POSTS).whereRaw('? = ANY(tags)', ['b'])
      .pluck('title');
    assert.deepStrictEqual(tagged, ['Hello']);
    const first = await knex(USERS).where('age', '>', 20)
      .orderBy('age').first('name', 'age');
    assert.deepStrictEqual(first, { name: 'Bob', age: 26 });
  },

  async upsert_merge() {
    const r = await knex(USERS)
      .insert([{ email: 'ann@x', name: 'Ann B', age: 32 },
               { email: 'dee@x', name: 'Dee', age: 40 }])
      .onConflict('email').merge(['name', 'age'])
      .returning(['email', 'name', 'age']);
    assert.deepStrictEqual(r.map((x) => [x.email, x.name, x.age]).sort(),
                           [['ann@x', 'Ann B', 32], ['dee@x', 'Dee', 40]]);
    const ign = await knex(USERS)
      .insert({ email: 'bob@x', name: 'Ignored' })
      .onConflict('email').ignore().returning('id');
    assert.deepStrictEqual(ign, []);
    await knex(USERS).insert({ email: 'cy@x', name: 'Cy', age: 7 })
      .onConflict('email')
      .merge({ age: knex.raw('EXCLUDED.age + ??.age', [USERS]) });
    const got = await knex(USERS).orderBy('email').select('email', 'name',
                                                          'age');
    assert.deepStrictEqual(got.map((x) => [x.email, x.name, x.age]),
                           [['ann@x', 'Ann B', 32], ['bob@x', 'Bob', 26],
                            ['cy@x', 'Cy', null], ['dee@x', 'Dee', 40]]);
  },

  async transactions() {
    await assert.rejects(knex.transaction(async (trx) => {
      await trx(USERS).insert({ email: 'tx@x', name: 'Tx' });
      await trx(USERS).insert({ email: 'tx@x', name: 'Dup' });
    }), (e) => e.code === '23505');
    assert.deepStrictEqual(await knex(USERS).where('email', 'tx@x'), []);
    const id = await knex.transaction(async (trx) => {
      const [u] = await trx(USERS).insert({ email: 'eve@x', name: 'Eve' },
                                          'id');
      // A nested transaction is a savepoint; its failure is undone alone.
      await assert.rejects(trx.transaction(async (inner) => {
        await inner(POSTS).insert({ user_id: u.id, title: 'kept?' });
        await inner(POSTS).insert({ user_id: 999999, title: 'orphan' });
      }), (e) => e.code === '23503');
      await trx(POSTS).insert({ user_id: u.id, title: 'Eve post' });
      return u.id;
    });
    const titles = await knex(POSTS).where('user_id', id).pluck('title');
    assert.deepStrictEqual(titles, ['Eve post']);
    const trx = await knex.transaction();
    await trx(USERS).where('email', 'eve@x').update({ age: 50 });
    await trx.rollback();
    const [eve] = await knex(USERS).where('email', 'eve@x').select('age');
    assert.strictEqual(eve.age, null);
    // ON DELETE CASCADE.
    await knex(USERS).where('email', 'eve@x').del();
    assert.deepStrictEqual(await knex(POSTS).where('user_id', id), []);
  },

  async alter_table() {
    await knex.schema.alterTable(USERS, (tb) => {
      tb.string('nickname', 40);
      tb.renameColumn('age', 'years');
      tb.dropColumn('active');
      tb.index(['name'], t('kx_users_name'));
    });
    await knex.schema.alterTable(POSTS, (tb) => {
      tb.integer('views').notNullable().defaultTo(0);
      tb.string('title', 300).notNullable().alter();
    });
    assert.strictEqual(await knex.schema.hasColumn(USERS, 'years'), true);
    assert.strictEqual(await knex.schema.hasColumn(USERS, 'age'), false);
    assert.strictEqual(await knex.schema.hasColumn(USERS, 'active'), false);
    assert.strictEqual(await knex.schema.hasColumn(USERS, 'nickname'), true);
    const info = await knex(POSTS).columnInfo();
    assert.strictEqual(info.title.maxLength, 300);
    assert.strictEqual(info.views.defaultValue, '0');
    const idx = await knex.raw(
      'SELECT indexname FROM pg_indexes WHERE tablename = ? ORDER BY 1',
      [USERS]);
    assert.deepStrictEqual(idx.rows.map((r) => r.indexname),
                           [`${USERS}_email_unique`, `${USERS}_pkey`,
                            t('kx_users_name')]);
    await knex(USERS).where('email', 'dee@x').update({ nickname: 'D' });
    const [d] = await knex(USERS).where('years', 40).select('nickname');
    assert.strictEqual(d.nickname, 'D');
    const [p] = await knex(POSTS).where('title', 'Hello').select('views');
    assert.strictEqual(p.views, 0);
  },

  async drop() {
    await knex.schema.dropTable(POSTS);
    await knex.schema.dropTableIfExists(USERS);
    await knex.raw('DROP TYPE ??', [t('kx_post_state')]);
    assert.strictEqual(await knex.schema.hasTable(USERS), false);
  },
};

(async () => {
  for (const [name, fn] of Object.entries(checks)) {
    try {
      await fn();
      console.log(`OK ${name}`);
    } catch (e) {
      const msg = (e && (e.code ? `${e.message} [${e.code}]` : e.message)) ||
        String(e);
      console.log(`FAIL ${name}: ${msg.replace(/\s+/g, ' ')}`);
    }
  }
  await knex.destroy();
  console.log('DONE');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
