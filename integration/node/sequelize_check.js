// Sequelize 6 checks for integration/test_node_orm.py.
//
// Usage: node sequelize_check.js PORT PASSWORD SUFFIX
// The checks run in order on one Sequelize instance (later ones use the
// tables the first creates) and print one line each: "OK name" or
// "FAIL name: <error or mismatch>", then "DONE".  Every table name ends
// in SUFFIX, so the script can share a server with other tests.

'use strict';

const assert = require('assert');
const pg = require('pg');
const { Sequelize, DataTypes, Op } = require('sequelize');

const [port, password, sfx] = process.argv.slice(2);
const t = (base) => `${base}_${sfx}`;

const sequelize = new Sequelize('postgres', 'postgres', password, {
  host: '127.0.0.1',
  port: Number(port),
  dialect: 'postgres',
  dialectModule: pg,
  dialectOptions: { ssl: { rejectUnauthorized: false } },
  logging: process.env.NODE_ORM_LOG ? console.log : false,
  pool: { max: 3, min: 0, idle: 1000 },
});

function defineModels(v2) {
  const authorAttrs = {
    name: { type: DataTypes.STRING(80), allowNull: false, unique: true },
    bio: { type: DataTypes.TEXT },
    meta: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
    status: { type: DataTypes.ENUM('active', 'retired'),
              allowNull: false, defaultValue: 'active' },
  };
  if (v2) {
    // The altered model: a new column with a default, a column that
    // becomes NOT NULL, and a new index.
    authorAttrs.country = { type: DataTypes.STRING(2), defaultValue: 'GB' };
    authorAttrs.bio = { type: DataTypes.TEXT, allowNull: false,
                        defaultValue: '' };
  }
  const Author = sequelize.define('Author', authorAttrs, {
    tableName: t('sq_authors'),
    indexes: v2 ? [{ fields: ['country', 'status'] }] : [],
  });
  const Book = sequelize.define('Book', {
    title: { type: DataTypes.STRING, allowNull: false },
    price: { type: DataTypes.DECIMAL(10, 2) },
    published: { type: DataTypes.DATEONLY },
    isbn: { type: DataTypes.STRING(20), unique: true },
  }, { tableName: t('sq_books'), indexes: [{ fields: ['title'] }] });
  const Tag = sequelize.define('Tag', {
    label: { type: DataTypes.STRING(30), allowNull: false, unique: true },
  }, { tableName: t('sq_tags'), timestamps: false });
  const BookTag = sequelize.define('BookTag', {
    weight: { type: DataTypes.INTEGER, defaultValue: 1 },
  }, { tableName: t('sq_book_tags'), timestamps: false });
  Author.hasMany(Book, { as: 'books', foreignKey: 'authorId' });
  Book.belongsTo(Author, { as: 'author', foreignKey: 'authorId' });
  Book.belongsToMany(Tag, { through: BookTag, as: 'tags',
                            foreignKey: 'bookId', otherKey: 'tagId' });
  Tag.belongsToMany(Book, { through: BookTag, as: 'books',
                            foreignKey: 'tagId', otherKey: 'bookId' });
  return { Author, Book, Tag, BookTag };
}

let M = defineModels(false);
const qi = sequelize.getQueryInterface();

const checks = {
  async sync() {
    await sequelize.sync();
    const tables = (await qi.showAllTables()).map(String);
    for (const name of ['sq_authors', 'sq_books', 'sq_tags', 'sq_book_tags'])
      assert.ok(tables.includes(t(name)), `${t(name)} not in ${tables}`);
    // A second sync of an unchanged model is a no-op (CREATE TABLE IF NOT
    // EXISTS, the enum type already there).
    await sequelize.sync();
  },

  async describe_table() {
    const d = await qi.describeTable(t('sq_authors'));
    assert.deepStrictEqual(Object.keys(d).sort(),
                           ['bio', 'createdAt', 'id', 'meta', 'name',
                            'status', 'updatedAt']);
    assert.strictEqual(d.id.type, 'INTEGER');
    assert.strictEqual(d.id.primaryKey, true);
    assert.strictEqual(d.id.defaultValue,
                       `nextval(${t('sq_authors')}_id_seq::regclass)`);
    assert.strictEqual(d.id.allowNull, false);
    assert.strictEqual(d.name.type, 'CHARACTER VARYING(80)');
    assert.strictEqual(d.name.allowNull, false);
    assert.strictEqual(d.bio.type, 'TEXT');
    assert.strictEqual(d.bio.allowNull, true);
    assert.strictEqual(d.meta.type, 'JSONB');
    assert.strictEqual(d.status.type, 'USER-DEFINED');
    assert.deepStrictEqual(d.status.special, ['active', 'retired']);
    assert.strictEqual(d.status.defaultValue, 'active');
    assert.strictEqual(d.createdAt.type, 'TIMESTAMP WITH TIME ZONE');
    const b = await qi.describeTable(t('sq_books'));
    assert.strictEqual(b.price.type, 'NUMERIC');
    assert.strictEqual(b.published.type, 'DATE');
    assert.strictEqual(b.authorId.type, 'INTEGER');
    assert.strictEqual(b.authorId.allowNull, true);
  },

  async show_index() {
    const idx = await qi.showIndex(t('sq_books'));
    const got = idx.map((i) => [i.name, i.primary, i.unique,
                                i.fields.map((f) => f.attribute)]).sort();
    assert.deepStrictEqual(got, [
      [`${t('sq_books')}_isbn_key`, false, true, ['isbn']],
      [`${t('sq_books')}_pkey`, true, true, ['id']],
      [`${t('sq_books')}_title`, false, false, ['title']],
    ]);
  },

  async foreign_keys() {
    const refs = await qi.getForeignKeyReferencesForTable(t('sq_books'));
    assert.deepStrictEqual(
      refs.map((r) => [r.columnName, r.referencedTableName,
                       r.referencedColumnName]),
      [['authorId', t('sq_authors'), 'id']]);
    const jt = await qi.getForeignKeyReferencesForTable(t('sq_book_tags'));
    assert.deepStrictEqual(
      jt.map((r) => [r.columnName, r.referencedTableName]).sort(),
      [['bookId', t('sq_books')], ['tagId', t('sq_tags')]]);
  },

  async crud_include() {
    const { Author, Book, Tag } = M;
    const a = await Author.create({ name: 'Herbert',
                                    meta: { country: 'US', born: 1920 } });
    assert.strictEqual(typeof a.id, 'number');
    assert.strictEqual(a.status, 'active');
    const b = await Author.create({ name: 'Austen', status: 'retired',
                                    meta: { country: 'GB' } });
    const dune = await Book.create({ title: 'Dune', price: '9.99',
                                     published: '1965-08-01',
                                     authorId: a.id, isbn: 'd-1' });
    await Book.create({ title: 'Emma', price: '5.50', authorId: b.id,
                        isbn: 'e-1' });
    await Book.create({ title: 'Persuasion', price: '7.25',
                        authorId: b.id, isbn: 'p-1' });
    const [classic, scifi] = await Promise.all([
      Tag.create({ label: 'classic' }), Tag.create({ label: 'scifi' })]);
    await dune.addTags([classic, scifi], { through: { weight: 2 } });
    const got = await Author.findAll({
      include: [{ model: Book, as: 'books',
                  include: [{ model: Tag, as: 'tags' }] }],
      order: [['name', 'ASC'], [{ model: Book, as: 'books' }, 'title',
                                 'ASC']],
    });
    assert.deepStrictEqual(
      got.map((x) => [x.name, x.books.map((bk) => [
        bk.title, bk.price, bk.tags.map((tg) => tg.label).sort()])]),
      [['Austen', [['Emma', '5.50', []], ['Persuasion', '7.25', []]]],
       ['Herbert', [['Dune', '9.99', ['classic', 'scifi']]]]]);
    const bk = await Book.findOne({
      where: { title: 'Dune' },
      include: [{ model: Author, as: 'author', attributes: ['name'] }],
    });
    assert.strictEqual(bk.author.name, 'Herbert');
    assert.strictEqual(bk.published, '1965-08-01');
    const [n] = await Book.update({ price: '10.50' },
                                  { where: { title: 'Dune' } });
    assert.strictEqual(n, 1);
    const tagged = await Tag.findOne({
      where: { label: 'scifi' },
      include: [{ model: Book, as: 'books', through: {
        attributes: ['weight'] } }],
    });
    assert.deepStrictEqual(
      tagged.books.map((x) => [x.title, x.price, x.BookTag.weight]),
      [['Dune', '10.50', 2]]);
    const del = await Book.destroy({ where: { title: 'Persuasion' } });
    assert.strictEqual(del, 1);
    assert.strictEqual(await Book.count(), 2);
  },

  async json_enum() {
    const { Author } = M;
    const us = await Author.findAll({
      where: { meta: { country: 'US' } }, attributes: ['name'] });
    assert.deepStrictEqual(us.map((x) => x.name), ['Herbert']);
    const born = await Author.findAll({
      where: { 'meta.born': { [Op.gt]: 1900 } }, attributes: ['name'] });
    assert.deepStrictEqual(born.map((x) => x.name), ['Herbert']);
    const contains = await Author.findAll({
      where: { meta: { [Op.contains]: { country: 'GB' } } },
      attributes: ['name'] });
    assert.deepStrictEqual(contains.map((x) => x.name), ['Austen']);
    const retired = await Author.findAll({ where: { status: 'retired' } });
    assert.deepStrictEqual(retired.map((x) => x.name), ['Austen']);
    await assert.rejects(
      Author.create({ name: 'Bad', status: 'unknown' }),
      (e) => e.name === 'SequelizeDatabaseError' &&
        e.parent.code === '22P02');
  },

  async transaction() {
    const { Author, Book } = M;
    // A managed transaction that throws is rolled back.
    await assert.rejects(sequelize.transaction(async (tx) => {
      const x = await Author.create({ name: 'Ghost' }, { transaction: tx });
      await Book.create({ title: 'Nothing', authorId: x.id },
                        { transaction: tx });
      throw new Error('boom');
    }), /boom/);
    assert.strictEqual(await Author.count({ where: { name: 'Ghost' } }), 0);
    // A committed one, with a unique violation caught in a savepoint.
    await sequelize.transaction(async (tx) => {
      const x = await Author.create({ name: 'Le Guin' }, { transaction: tx });
      await assert.rejects(
        sequelize.transaction({ transaction: tx }, () =>
          Author.create({ name: 'Herbert' }, { transaction: tx })),
        (e) => e.name === 'SequelizeUniqueConstraintError' &&
          e.parent.code === '23505');
      await Book.create({ title: 'Earthsea', price: '8.00',
                          authorId: x.id, isbn: 'w-1' },
                        { transaction: tx });
    });
    assert.strictEqual(await Book.count(), 3);
    // A foreign key violation is Sequelize's ForeignKeyConstraintError.
    await assert.rejects(Book.create({ title: 'Orphan', authorId: 999999 }),
      (e) => e.name === 'SequelizeForeignKeyConstraintError' &&
        e.parent.code === '23503');
  },

  async find_and_count() {
    const { Author, Book } = M;
    const r = await Book.findAndCountAll({
      include: [{ model: Author, as: 'author',
                  where: { name: { [Op.ne]: 'Nobody' } } }],
      order: [['title', 'ASC']], limit: 2, offset: 1,
    });
    assert.strictEqual(r.count, 3);
    assert.deepStrictEqual(r.rows.map((x) => [x.title, x.author.name]),
                           [['Earthsea', 'Le Guin'], ['Emma', 'Austen']]);
    const grouped = await Book.findAll({
      attributes: ['authorId',
                   [sequelize.fn('COUNT', sequelize.col('id')), 'n'],
                   [sequelize.fn('SUM', sequelize.col('price')), 'total']],
      group: ['authorId'], order: [['authorId', 'ASC']], raw: true,
    });
    assert.deepStrictEqual(grouped.map((x) => [x.n, x.total]),
                           [['1', '10.50'], ['1', '5.50'], ['1', '8.00']]);
  },

  async upsert() {
    const { Author, Tag } = M;
    const [a, created] = await Author.upsert(
      { name: 'Herbert', bio: 'Dune author', meta: { country: 'US' } },
      { returning: true });
    assert.strictEqual(a.bio, 'Dune author');
    assert.strictEqual(created, null);
    const [b] = await Author.upsert({ name: 'Tolkien' }, { returning: true });
    assert.strictEqual(b.name, 'Tolkien');
    assert.strictEqual(typeof b.id, 'number');
    assert.strictEqual(await Author.count(), 4);
    const h = await Author.findOne({ where: { name: 'Herbert' } });
    assert.strictEqual(h.bio, 'Dune author');
    const [tg] = await Tag.upsert({ label: 'classic' }, { returning: true });
    assert.strictEqual(tg.label, 'classic');
    assert.strictEqual(await Tag.count(), 2);
  },

  async bulk_create() {
    const { Tag } = M;
    const made = await Tag.bulkCreate(
      [{ label: 'fantasy' }, { label: 'poetry' }, { label: 'drama' }]);
    assert.deepStrictEqual(made.map((x) => typeof x.id),
                           ['number', 'number', 'number']);
    const again = await Tag.bulkCreate(
      [{ label: 'fantasy' }, { label: 'essay' }],
      { ignoreDuplicates: true });
    assert.strictEqual(again.length, 2);
    const labels = (await Tag.findAll({ order: [['label', 'ASC']] }))
      .map((x) => x.label);
    assert.deepStrictEqual(labels, ['classic', 'drama', 'essay', 'fantasy',
                                    'poetry', 'scifi']);
    // ON CONFLICT (name) DO UPDATE SET bio = EXCLUDED.bio.
    await M.Author.bulkCreate(
      [{ name: 'Austen', bio: 'Emma' }, { name: 'Woolf', bio: 'Orlando' }],
      { updateOnDuplicate: ['bio'] });
    const bios = await M.Author.findAll({
      where: { name: ['Austen', 'Woolf'] }, order: [['name', 'ASC']] });
    assert.deepStrictEqual(bios.map((x) => [x.name, x.bio, x.status]),
                           [['Austen', 'Emma', 'retired'],
                            ['Woolf', 'Orlando', 'active']]);
  },

  async alter() {
    await M.Author.update({ bio: '' }, { where: { bio: null } });
    M = defineModels(true);
    await sequelize.sync({ alter: true });
    const d = await qi.describeTable(t('sq_authors'));
    assert.strictEqual(d.country.type, 'CHARACTER VARYING(2)');
    assert.strictEqual(d.country.defaultValue, 'GB');
    assert.strictEqual(d.bio.allowNull, false);
    const idx = (await qi.showIndex(t('sq_authors'))).map((i) => i.name);
    assert.ok(idx.includes(`${t('sq_authors')}_country_status`), `${idx}`);
    // The rows survived, and the new model works.
    const a = await M.Author.create({ name: 'Morrison', country: 'US' });
    assert.strictEqual(a.bio, '');
    const rows = await M.Author.findAll({ where: { country: 'GB' },
                                         order: [['name', 'ASC']] });
    assert.deepStrictEqual(rows.map((x) => [x.name, x.status]),
                           [['Austen', 'retired'], ['Herbert', 'active'],
                            ['Le Guin', 'active'], ['Tolkien', 'active'],
                            ['Woolf', 'active']]);
    await assert.rejects(
      M.Author.create({ name: 'Bad2', status: 'unknown' }),
      (e) => e.parent && e.parent.code === '22P02');
    // Still a no-op the second time.
    await sequelize.sync({ alter: true });
  },

  async alter_keeps_references() {
    // Altering the authors table leaves the books that reference it
    // (ON DELETE SET NULL) as they were.
    const rows = await M.Author.findAll({
      where: { country: 'GB' }, order: [['name', 'ASC']],
      include: [{ model: M.Book, as: 'books' }] });
    assert.deepStrictEqual(rows.map((x) => [x.name, x.books.length]),
                           [['Austen', 1], ['Herbert', 1], ['Le Guin', 1],
                            ['Tolkien', 0], ['Woolf', 0]]);
  },

  async drop() {
    // Dropping the model drops its enum type too.
    await sequelize.drop({});
    const tables = (await qi.showAllTables()).map(String);
    assert.ok(!tables.some((x) => x.endsWith(sfx)), `${tables}`);
    const enums = (await qi.pgListEnums()).map((e) => e.enum_name);
    assert.ok(!enums.some((x) => x.endsWith(sfx)), `${enums}`);
  },
};

(async () => {
  for (const [name, fn] of Object.entries(checks)) {
    try {
      await fn();
      console.log(`OK ${name}`);
    } catch (e) {
      const msg = (e && (e.parent ? `${e.message} [${e.parent.code}] ` +
                         `${e.sql || ''}` : e.message)) || String(e);
      console.log(`FAIL ${name}: ${msg.replace(/\s+/g, ' ')}`);
    }
  }
  await sequelize.close();
  console.log('DONE');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
