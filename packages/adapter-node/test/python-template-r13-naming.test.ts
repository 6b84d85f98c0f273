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
  // Skipped: needs the namingHints guard in packages/core/src/schema-introspect.ts (verifyExistingTables and
  // verifySchema), proposed in the r13 report as bench/scratch-r13-py/naming-guard.patch. Without it createAll
  // creates e.g. an empty `categories` beside the template's `categorys` and verifySchema only says "missing".
  it.skip('createAll refuses to create a table beside the one another naming mode names, verifySchema names it', async () => {
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
});
