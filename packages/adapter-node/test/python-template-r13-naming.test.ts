/**
 * A template database opened with a naming mode that names a table differently ('plural' on the template's
 * `lower + "s"`: Category → categories where the file has categorys, UserProfile → user_profiles beside
 * userprofiles): `createAll` must not create an empty table beside the one holding the rows (the app would
 * write there while the template keeps reading the old one), and `verifySchema` says which table it found and
 * how to use it. Tables are made with the DDL real SQLAlchemy wrote for the template's `categorys`
 * (fixtures/python-template/plain.ddl.json), renamed per model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, declarativeBase, SchemaError, t } from '@litedao/core';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

const ddl = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'python-template', 'plain.ddl.json'), 'utf8')) as {
  name: string;
  sql: string;
}[];
const categorys = (ddl.find((d) => d.name === 'categorys') as { sql: string }).sql;

const WORDS = [
  'Category',
  'User',
  'Profile',
  'Hero',
  'Person',
  'Box',
  'Leaf',
  'Company',
  'Match',
  'Status',
  'Quiz',
  'Child',
  'Bonus',
  'Key',
];
const modelName = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }).map((w) => w.join(''));

describe('a template database under another naming mode', () => {
  // Without the guard in schema-introspect.ts (verifyExistingTables and verifySchema), createAll created e.g. an
  // empty `categories` beside the template's `categorys`, and verifySchema only said "missing".
  it('createAll refuses to create a table beside the one another naming mode names, verifySchema names it', async () => {
    await fc.assert(
      fc.asyncProperty(modelName, async (name) => {
        const legacy = `${name.toLowerCase()}s`;
        const Base = declarativeBase({ naming: 'plural' });
        const Model = Base(name, { name: t.text().unique() });
        fc.pre(Model.tableName.toLowerCase() !== legacy);
        const db = new Database(':memory:');
        db.exec(categorys.replace('CREATE TABLE categorys', `CREATE TABLE ${legacy}`));
        const engine = createEngine(createNodeDriver(db));
        try {
          const verify = await engine.verifySchema([Model]).then(
            () => null,
            (e: unknown) => e,
          );
          expect(verify).toBeInstanceOf(SchemaError);
          expect((verify as Error).message).toContain(`but ${legacy} exists`);
          const create = await Base.metadata.createAll(engine).then(
            () => null,
            (e: unknown) => e,
          );
          expect(create).toBeInstanceOf(SchemaError);
          expect((create as Error).message).toContain(`naming: 'legacy'`);
          const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
          expect(tables).toEqual([{ name: legacy }]);
          // The template's own naming opens it.
          const Legacy = declarativeBase({ naming: 'legacy', strict: false });
          const Same = Legacy(name, { name: t.text().unique() });
          await engine.verifySchema([Same]);
          await Legacy.metadata.createAll(engine);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it("a model whose table exists under its own name, beside another mode's table, is not refused", async () => {
    const db = new Database(':memory:');
    db.exec(categorys);
    db.exec(categorys.replace('CREATE TABLE categorys', 'CREATE TABLE categories'));
    const Base = declarativeBase({ naming: 'plural', strict: false });
    const Category = Base('Category', { name: t.text().unique() });
    const engine = createEngine(createNodeDriver(db));
    try {
      await engine.verifySchema([Category]);
      await Base.metadata.createAll(engine);
    } finally {
      await engine.close();
    }
  });

  it('a fresh database gets its tables (nothing under another name to find)', async () => {
    const Base = declarativeBase({ naming: 'plural' });
    const Category = Base('Category', { name: t.text().unique() });
    const engine = createEngine(createNodeDriver(':memory:'));
    try {
      await Base.metadata.createAll(engine);
      await engine.verifySchema([Category]);
    } finally {
      await engine.close();
    }
  });

  it("a database made by litedao 0.1.0 (its plurals: heros, blice) is found, not split, under today's 'plural'", async () => {
    const old = declarativeBase({ naming: 'plural-0.1' });
    const OldHero = old('Hero', { name: t.text() });
    const OldBlouse = old('Blouse', { size: t.integer() });
    const engine = createEngine(createNodeDriver(':memory:'));
    try {
      await old.metadata.createAll(engine);
      expect([OldHero.tableName, OldBlouse.tableName]).toEqual(['heros', 'blice']);
      const Base = declarativeBase();
      const Hero = Base('Hero', { name: t.text() });
      Base('Blouse', { size: t.integer() });
      expect(Hero.tableName).toBe('heroes');
      const err = await Base.metadata.createAll(engine).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaError);
      expect((err as Error).message).toMatch(/heros exists/);
      expect((err as Error).message).toMatch(/blice exists/);
      const tables = await engine.execute({
        sql: "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
        params: [],
        returnsRows: true,
      });
      expect(tables.rows.map((r) => r[0])).not.toContain('heroes');
      await expect(engine.verifySchema(Base.metadata.models)).rejects.toThrow(/naming/);
    } finally {
      await engine.close();
    }
  });
});
