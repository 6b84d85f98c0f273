/**
 * Schema evolution on every adapter: for each kind of model change, the generated migration is applied by
 * the runner to a real database holding rows; the rows survive, the schema equals what the new models
 * declare (compared through PRAGMAs), and verifySchema agrees. On D1 this is the real `batch()` path.
 */
import {
  type AnyModel,
  ConfigurationError,
  type DeclarativeBase,
  type Driver,
  declarativeBase,
  diffSchemas,
  EMPTY_SNAPSHOT,
  type Engine,
  introspectSchema,
  type Migration,
  migrate,
  migrationFileSql,
  migrationStatus,
  renameHintsOf,
  SchemaError,
  type SqlValue,
  snapshotOf,
  type TableDef,
  t,
} from '@litedao/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, rejectsWith, setup } from './harness.ts';

async function rows(driver: Driver, sql: string, params: SqlValue[] = []): Promise<Record<string, SqlValue>[]> {
  const res = await driver.execute({ sql, params, returnsRows: true });
  const cols = res.columns ?? [];
  return res.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i] ?? null])));
}

async function exec(driver: Driver, sql: string, params: SqlValue[] = []): Promise<void> {
  await driver.execute({ sql, params, returnsRows: false });
}

/** A schema in a form where column order and index-list order do not matter. */
function normalized(tables: readonly TableDef[]) {
  const trig = (s: string) => s.replace(/^CREATE TRIGGER IF NOT EXISTS /i, 'CREATE TRIGGER ');
  return Object.fromEntries(
    tables
      .map((tb) => [
        tb.name,
        {
          strict: tb.strict,
          columns: Object.fromEntries(
            [...tb.columns]
              .sort((a, b) => (a.name < b.name ? -1 : 1))
              .map((c) => [c.name, { ...c, type: c.type.toUpperCase(), references: c.references && { ...c.references } }]),
          ),
          uniques: tb.uniques.map((u) => u.join(',')).sort(),
          indexes: tb.indexes.map((ix) => `${ix.name}(${ix.columns.join(',')})${ix.unique ? ' unique' : ''}`).sort(),
          triggers: tb.triggers.map((tr) => `${tr.name}: ${trig(tr.sql)}`).sort(),
        },
      ])
      .sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)),
  );
}

interface Story {
  readonly driver: Driver;
  readonly engine: Engine;
  readonly files: Migration[];
  readonly sql: string;
}

/** Applies v1 as 0001, lets `seed` write rows, generates and applies 0002 for v2, checks the schema equals v2. */
async function evolve(
  target: ConformanceTarget,
  v1: DeclarativeBase,
  v2: DeclarativeBase,
  seed: (driver: Driver) => Promise<void>,
  options: { allowDrop?: boolean } = {},
): Promise<Story> {
  const { driver, engine } = await setup(target, false);
  await exec(driver, 'DROP TABLE IF EXISTS d1_migrations');
  const first = migrationFileSql('0001_init.sql', diffSchemas(EMPTY_SNAPSHOT, snapshotOf(v1.metadata.models)));
  const files: Migration[] = [{ name: '0001_init.sql', sql: first }];
  expect((await migrate(engine, files)).applied).toEqual(['0001_init.sql']);
  await seed(driver);
  const diff = diffSchemas(snapshotOf(v1.metadata.models), snapshotOf(v2.metadata.models), {
    renames: renameHintsOf(v2.metadata.models),
    allowDrop: options.allowDrop,
  });
  const sql = migrationFileSql('0002_change.sql', diff);
  files.push({ name: '0002_change.sql', sql });
  expect(await migrate(engine, files)).toEqual({ applied: ['0002_change.sql'], alreadyApplied: ['0001_init.sql'] });
  expect(normalized(await introspectSchema(driver))).toEqual(normalized(snapshotOf(v2.metadata.models).tables));
  await engine.verifySchema(v2.metadata.models as AnyModel[]);
  expect(await rows(driver, 'PRAGMA foreign_key_check')).toEqual([]);
  expect((await migrate(engine, files)).applied).toEqual([]);
  return { driver, engine, files, sql };
}

const authorsV1 = () => {
  const Base = declarativeBase();
  const Author = Base('Author', { name: t.text(), age: t.integer().nullable(), legacy_code: t.text().nullable() });
  const Book = Base('Book', {
    author_id: t
      .integer()
      .references(() => Author, { onDelete: 'cascade' })
      .index(),
    title: t.text(),
  });
  const Review = Base('Review', { book_id: t.integer().references(() => Book, { onDelete: 'cascade' }), stars: t.integer() });
  return { Base, Author, Book, Review };
};

/** Three authors (one deleted, so the AUTOINCREMENT counter is ahead of max(id)), books, reviews. */
async function seedAuthors(driver: Driver): Promise<void> {
  await exec(driver, "INSERT INTO authors (name, age, legacy_code) VALUES ('Ada', 36, 'A1'), ('Bob', NULL, NULL), ('Cy', 50, '42')");
  await exec(driver, "INSERT INTO books (author_id, title) VALUES (1, 'Notes'), (1, 'Engines'), (2, 'Sketches')");
  await exec(driver, 'INSERT INTO reviews (book_id, stars) VALUES (1, 5), (2, 4), (3, 3)');
  await exec(driver, "INSERT INTO authors (name) VALUES ('Gone')");
  await exec(driver, 'DELETE FROM authors WHERE id = 4');
}

export function migrationTests(target: ConformanceTarget): void {
  describe('migrations: one generated file per change, applied to a database holding rows', () => {
    it('new table, new index, new nullable / defaulted / NOT NULL-with-default columns: in place', async () => {
      const v1 = authorsV1();
      const Base = declarativeBase();
      const Author = Base('Author', {
        name: t.text().index(),
        age: t.integer().nullable(),
        legacy_code: t.text().nullable(),
        nickname: t.text().nullable(),
        language: t.text().default('en'),
        verified: t.boolean().default(false),
      });
      const Book = Base('Book', {
        author_id: t
          .integer()
          .references(() => Author, { onDelete: 'cascade' })
          .index(),
        title: t.text(),
      });
      Base('Review', { book_id: t.integer().references(() => Book, { onDelete: 'cascade' }), stars: t.integer() });
      Base('Tag', { label: t.text().unique() });
      const { driver, sql } = await evolve(target, v1.Base, Base, seedAuthors);
      expect(sql).not.toContain('__new_'); // nothing rebuilt
      expect(sql).toContain('ALTER TABLE "authors" ADD COLUMN "language" TEXT NOT NULL DEFAULT \'en\'');
      expect(await rows(driver, 'SELECT id, name, nickname, language, verified FROM authors ORDER BY id')).toEqual([
        { id: 1, name: 'Ada', nickname: null, language: 'en', verified: 0 },
        { id: 2, name: 'Bob', nickname: null, language: 'en', verified: 0 },
        { id: 3, name: 'Cy', nickname: null, language: 'en', verified: 0 },
      ]);
      expect(await rows(driver, 'SELECT count(*) AS n FROM books')).toEqual([{ n: 3 }]);
    });

    it('a NOT NULL column without a default is refused at generate time (existing rows would have no value)', () => {
      const v1 = authorsV1();
      const Base = declarativeBase();
      Base('Author', { name: t.text(), age: t.integer().nullable(), legacy_code: t.text().nullable(), born: t.integer() });
      expect(() => diffSchemas(snapshotOf(v1.Base.metadata.models), snapshotOf(Base.metadata.models))).toThrow(
        /authors\.born is NOT NULL without a default/,
      );
    });

    it('dropped table and dropped columns: refused without allowDrop, applied with it (an indexed column by rebuild)', async () => {
      const v1 = authorsV1();
      const Base = declarativeBase();
      const Author = Base('Author', { name: t.text(), age: t.integer().nullable() }); // legacy_code dropped
      Base('Book', { author_id: t.integer().references(() => Author, { onDelete: 'cascade' }), title: t.text() }); // index and Review dropped
      const from = snapshotOf(v1.Base.metadata.models);
      const to = snapshotOf(Base.metadata.models);
      const e = (() => {
        try {
          diffSchemas(from, to);
        } catch (err) {
          return err as Error;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(ConfigurationError);
      expect(e?.message).toMatch(/table reviews would be dropped/);
      expect(e?.message).toMatch(/column authors\.legacy_code would be dropped/);
      const { driver, sql } = await evolve(target, v1.Base, Base, seedAuthors, { allowDrop: true });
      expect(sql).toContain('ALTER TABLE "authors" DROP COLUMN "legacy_code"');
      expect(sql).toContain('DROP TABLE "reviews"');
      expect(await rows(driver, 'SELECT id, name, age FROM authors ORDER BY id')).toEqual([
        { id: 1, name: 'Ada', age: 36 },
        { id: 2, name: 'Bob', age: null },
        { id: 3, name: 'Cy', age: 50 },
      ]);
      expect(await rows(driver, 'SELECT id, author_id, title FROM books ORDER BY id')).toEqual([
        { id: 1, author_id: 1, title: 'Notes' },
        { id: 2, author_id: 1, title: 'Engines' },
        { id: 3, author_id: 2, title: 'Sketches' },
      ]);
    });

    it('renamed column and renamed table with renamedFrom: values and references kept; without the hint it is a refused drop', async () => {
      const v1 = authorsV1();
      const Base = declarativeBase();
      const Writer = Base(
        'Writer',
        { name: t.text(), years: t.integer().nullable().renamedFrom('age'), legacy_code: t.text().nullable() },
        { renamedFrom: 'authors' },
      );
      const Book = Base('Book', {
        author_id: t
          .integer()
          .references(() => Writer, { onDelete: 'cascade' })
          .index(),
        title: t.text(),
      });
      Base('Review', { book_id: t.integer().references(() => Book, { onDelete: 'cascade' }), stars: t.integer() });
      const { driver, sql } = await evolve(target, v1.Base, Base, seedAuthors);
      expect(sql).toContain('ALTER TABLE "authors" RENAME TO "writers"');
      expect(sql).toContain('RENAME COLUMN "years"'.replace('"years"', '"age" TO "years"'));
      expect(await rows(driver, 'SELECT id, name, years FROM writers ORDER BY id')).toEqual([
        { id: 1, name: 'Ada', years: 36 },
        { id: 2, name: 'Bob', years: null },
        { id: 3, name: 'Cy', years: 50 },
      ]);
      expect(await rows(driver, 'SELECT "table" FROM pragma_foreign_key_list(\'books\')')).toEqual([{ table: 'writers' }]);
      // Without hints the same models are a drop and a create: refused unless allowed, never guessed.
      const plain = declarativeBase();
      const W = plain('Writer', { name: t.text(), years: t.integer().nullable(), legacy_code: t.text().nullable() });
      plain('Book', { author_id: t.integer().references(() => W), title: t.text() });
      expect(() => diffSchemas(snapshotOf(v1.Base.metadata.models), snapshotOf(plain.metadata.models))).toThrow(
        /table authors would be dropped/,
      );
    });

    it('changed type, nullability, default, UNIQUE and CHECK: a rebuild that keeps every row, the children of a cascading FK, and the AUTOINCREMENT counter', async () => {
      const v1 = authorsV1();
      const Base = declarativeBase();
      const Author = Base('Author', {
        name: t.text().unique(), // UNIQUE added
        age: t.integer().default(0), // nullable → NOT NULL with a default (NULLs become 0)
        legacy_code: t.integer().nullable(), // TEXT → INTEGER ('42' converts; STRICT refuses anything else)
      });
      const Book = Base('Book', {
        author_id: t
          .integer()
          .references(() => Author, { onDelete: 'cascade' })
          .index(),
        title: t.text(),
      });
      Base('Review', { book_id: t.integer().references(() => Book, { onDelete: 'cascade' }), stars: t.integer() });
      const { driver, engine, sql } = await evolve(target, v1.Base, Base, async (d) => {
        await seedAuthors(d);
        await exec(d, "UPDATE authors SET legacy_code = NULL WHERE legacy_code = 'A1'");
      });
      expect(sql).toContain('CREATE TABLE "__new_authors"');
      expect(sql).toContain('CREATE TABLE "__new_books"'); // a referrer of a rebuilt table is rebuilt with it
      expect(await rows(driver, 'SELECT id, name, age, legacy_code FROM authors ORDER BY id')).toEqual([
        { id: 1, name: 'Ada', age: 36, legacy_code: null },
        { id: 2, name: 'Bob', age: 0, legacy_code: null },
        { id: 3, name: 'Cy', age: 50, legacy_code: 42 },
      ]);
      expect(await rows(driver, 'SELECT id, author_id FROM books ORDER BY id')).toEqual([
        { id: 1, author_id: 1 },
        { id: 2, author_id: 1 },
        { id: 3, author_id: 2 },
      ]);
      expect(await rows(driver, 'SELECT count(*) AS n FROM reviews')).toEqual([{ n: 3 }]);
      // The counter continued: id 4 was deleted before the rebuild and is not handed out again.
      await exec(driver, "INSERT INTO authors (name) VALUES ('New')");
      expect(await rows(driver, "SELECT id FROM authors WHERE name = 'New'")).toEqual([{ id: 5 }]);
      // The new constraints hold, and the cascade still works through the renamed references.
      await rejectsWith(exec(driver, "INSERT INTO authors (name) VALUES ('Ada')"), Error);
      await exec(driver, 'DELETE FROM authors WHERE id = 1');
      expect(await rows(driver, 'SELECT count(*) AS n FROM books')).toEqual([{ n: 1 }]);
      expect(await rows(driver, 'SELECT count(*) AS n FROM reviews')).toEqual([{ n: 1 }]);
      await engine.verifySchema(Base.metadata.models);
    });

    it('changed foreign key action and dropped index: rebuilt / dropped; a STRICT switch rebuilds too', async () => {
      const v1 = authorsV1();
      const Base = declarativeBase({ strict: false });
      const Author = Base('Author', { name: t.text(), age: t.integer().nullable(), legacy_code: t.text().nullable() });
      const Book = Base('Book', { author_id: t.integer().references(() => Author, { onDelete: 'restrict' }), title: t.text() });
      Base('Review', { book_id: t.integer().references(() => Book, { onDelete: 'cascade' }), stars: t.integer() });
      const { driver } = await evolve(target, v1.Base, Base, seedAuthors);
      expect(await rows(driver, "SELECT on_delete FROM pragma_foreign_key_list('books')")).toEqual([{ on_delete: 'RESTRICT' }]);
      expect(await rows(driver, "SELECT strict FROM pragma_table_list('authors')")).toEqual([{ strict: 0 }]);
      expect(await rows(driver, 'SELECT count(*) AS n FROM reviews')).toEqual([{ n: 3 }]);
      await rejectsWith(exec(driver, 'DELETE FROM authors WHERE id = 1'), Error);
    });

    it('an old updated_at trigger is replaced in place', async () => {
      const v1 = authorsV1();
      const { driver, engine } = await setup(target, false);
      await exec(driver, 'DROP TABLE IF EXISTS d1_migrations');
      const first = diffSchemas(EMPTY_SNAPSHOT, snapshotOf(v1.Base.metadata.models));
      const old =
        'CREATE TRIGGER "authors_touch_updated_at" AFTER UPDATE ON "authors" FOR EACH ROW WHEN NEW."updated_at" IS OLD."updated_at" BEGIN UPDATE "authors" SET "updated_at" = strftime(\'%Y-%m-%d %H:%M:%f000\', \'now\') WHERE "id" = NEW."id"; END';
      const withOld = migrationFileSql('0001_init.sql', first).replace(/CREATE TRIGGER "authors_touch_updated_at"[^\n]*END;/, `${old};`);
      await migrate(engine, [{ name: '0001_init.sql', sql: withOld }]);
      const from = { version: 1 as const, tables: await introspectSchema(driver) };
      const diff = diffSchemas(from, snapshotOf(v1.Base.metadata.models));
      expect(diff.changes.map((c) => `${c.kind} ${c.table}`)).toEqual(['replace trigger authors']);
      await migrate(engine, [
        { name: '0001_init.sql', sql: withOld },
        { name: '0002_trigger.sql', sql: migrationFileSql('0002_trigger.sql', diff) },
      ]);
      expect(normalized(await introspectSchema(driver))).toEqual(normalized(snapshotOf(v1.Base.metadata.models).tables));
    });
  });

  describe('migrations: tables outside the models', () => {
    it('a rebuild or drop never deletes or nulls rows of a hand-written table that references it, whatever its ON DELETE action: kept, or the file refused naming it', async () => {
      for (const action of ['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION']) {
        const { driver, engine } = await setup(target, false);
        await exec(driver, 'DROP TABLE IF EXISTS notes');
        await exec(driver, 'DROP TABLE IF EXISTS d1_migrations');
        const B1 = declarativeBase();
        const U1 = B1('User', { name: t.text() });
        const B2 = declarativeBase();
        const U2 = B2('User', { name: t.text().nullable() }); // nullability: a rebuild
        const files: Migration[] = [
          { name: '0001_init.sql', sql: migrationFileSql('0001_init.sql', diffSchemas(EMPTY_SNAPSHOT, snapshotOf([U1]))) },
          {
            name: '0002_notes.sql',
            sql: `CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER DEFAULT 0 REFERENCES users (id) ON DELETE ${action}, body TEXT);`,
          },
        ];
        await migrate(engine, files);
        await exec(driver, "INSERT INTO users (name) VALUES ('ada'), ('bob')");
        await exec(driver, "INSERT INTO notes (user_id, body) VALUES (1, 'n1'), (2, 'n2'), (2, 'n3')");
        const rebuild = migrationFileSql('0003_nullable.sql', diffSchemas(snapshotOf([U1]), snapshotOf([U2])));
        expect(rebuild).toContain('DROP TABLE "users"');
        const notes = [
          { id: 1, user_id: 1, body: 'n1' },
          { id: 2, user_id: 2, body: 'n2' },
          { id: 3, user_id: 2, body: 'n3' },
        ];
        for (const file of [
          { name: '0003_nullable.sql', sql: rebuild },
          { name: '0004_drop.sql', sql: 'DROP TABLE users;' },
        ]) {
          try {
            await migrate(engine, [...files, file]);
            files.push(file);
          } catch (e) {
            expect(e, action).toBeInstanceOf(SchemaError);
            expect((e as Error).message).toMatch(/notes/);
            expect(await rows(driver, 'SELECT name FROM d1_migrations WHERE name = ?', [file.name])).toEqual([]);
          }
          expect(await rows(driver, 'SELECT id, user_id, body FROM notes ORDER BY id'), `${action} ${file.name}`).toEqual(notes);
        }
        // The rebuild is applied where foreign keys can be turned off; the plain drop of a referenced table never is.
        expect((await rows(driver, "SELECT count(*) AS n FROM sqlite_schema WHERE name = 'users'"))[0]).toEqual({ n: 1 });
        expect(await rows(driver, 'PRAGMA foreign_key_check')).toEqual([]);
        expect(await rows(driver, 'PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
        await exec(driver, 'DROP TABLE notes');
        await engine.close(); // one database at a time (the browser Worker holds one)
      }
    });
  });

  describe('migrations: drops of referenced tables', () => {
    it('dropping a table a kept table still references is refused even with allowDrop, naming the referencing table; dropping both is allowed', () => {
      for (const onDelete of ['cascade', 'set null', 'restrict', 'no action'] as const) {
        const B1 = declarativeBase();
        const Team = B1('Team', { name: t.text() });
        const Player = B1('Player', {
          team_id: t
            .integer()
            .nullable()
            .references(() => Team, { onDelete }),
          name: t.text(),
        });
        const from = snapshotOf([Team, Player]);
        expect(() => diffSchemas(from, snapshotOf([Player]), { allowDrop: true })).toThrow(
          /table teams cannot be dropped: players still references it/,
        );
        expect(diffSchemas(from, EMPTY_SNAPSHOT, { allowDrop: true }).statements).toContain('DROP TABLE "teams"');
        const B2 = declarativeBase();
        const P2 = B2('Player', { team_id: t.integer().nullable(), name: t.text() }); // the reference removed: rebuilt, allowed
        expect(diffSchemas(from, snapshotOf([P2]), { allowDrop: true }).rebuilt).toEqual(['players']);
      }
    });
  });

  describe('migrations: renamedFrom hints', () => {
    it('a hint wins over a same-name match (rename onto a dropped column keeps the renamed data); swaps and duplicate hints are refused', async () => {
      const v1 = declarativeBase();
      v1('User', { first: t.text(), last: t.text() });
      const v2 = declarativeBase();
      v2('User', { last: t.text().renamedFrom('first') });
      const { driver } = await evolve(
        target,
        v1,
        v2,
        async (d) => {
          await exec(d, "INSERT INTO users (first, last) VALUES ('Ada', 'Lovelace')");
        },
        { allowDrop: true },
      );
      expect(await rows(driver, 'SELECT last FROM users')).toEqual([{ last: 'Ada' }]);
      const swap = declarativeBase();
      swap('User', { first: t.text().renamedFrom('last'), last: t.text().renamedFrom('first') });
      expect(() =>
        diffSchemas(snapshotOf(v1.metadata.models), snapshotOf(swap.metadata.models), { renames: renameHintsOf(swap.metadata.models) }),
      ).toThrow(ConfigurationError);
      const dup = declarativeBase();
      dup('User', { a: t.text().renamedFrom('first'), b: t.text().renamedFrom('first'), last: t.text() });
      expect(() =>
        diffSchemas(snapshotOf(v1.metadata.models), snapshotOf(dup.metadata.models), { renames: renameHintsOf(dup.metadata.models) }),
      ).toThrow(/both declare renamedFrom/);
    });
  });

  describe('migrations: AUTOINCREMENT across a rebuild', () => {
    it('the counter is carried over when the stored table name differs from the model in case: ids are never reused', async () => {
      const v1 = declarativeBase();
      v1('User', { name: t.text() }, { tableName: 'Users' });
      const v2 = declarativeBase();
      v2('User', { name: t.text().nullable() }, { tableName: 'users' });
      const { driver } = await evolve(target, v1, v2, async (d) => {
        await exec(d, "INSERT INTO users (name) VALUES ('a'), ('b'), ('c'), ('d'), ('e')");
        await exec(d, 'DELETE FROM users WHERE id > 2');
      });
      await exec(driver, "INSERT INTO users (name) VALUES ('new')");
      expect(await rows(driver, "SELECT id FROM users WHERE name = 'new'")).toEqual([{ id: 6 }]);
    });
  });

  describe('migrations: the runner', () => {
    it('a failing file is applied not at all, and the error names the file and (where the adapter can tell) the statement', async () => {
      const { driver, engine } = await setup(target, false);
      await exec(driver, 'DROP TABLE IF EXISTS d1_migrations');
      const files: Migration[] = [
        { name: '0001_ok.sql', sql: 'CREATE TABLE a (x INTEGER);\n-- a comment; with a semicolon\nINSERT INTO a VALUES (1);' },
        { name: '0002_bad.sql', sql: "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (2);\nINSERT INTO nowhere VALUES (';');" },
      ];
      const e = await rejectsWith(migrate(engine, files), SchemaError);
      expect(e.message).toContain('migration 0002_bad.sql failed');
      if (engine.capabilities.interactiveTransactions) expect(e.message).toContain("at statement 3 of 3: INSERT INTO nowhere VALUES (';')");
      expect(e.message).toMatch(/no such table: nowhere/);
      expect(await rows(driver, 'SELECT name FROM d1_migrations ORDER BY id')).toEqual([{ name: '0001_ok.sql' }]);
      expect(await rows(driver, "SELECT count(*) AS n FROM sqlite_schema WHERE name = 'b'")).toEqual([{ n: 0 }]);
      expect(await rows(driver, 'SELECT x FROM a')).toEqual([{ x: 1 }]);
      const status = await migrationStatus(engine, files);
      expect(status.map((s) => [s.name, s.applied])).toEqual([
        ['0001_ok.sql', true],
        ['0002_bad.sql', false],
      ]);
      await rejectsWith(migrate(engine, [{ name: '0003_tx.sql', sql: 'BEGIN; CREATE TABLE c (z); COMMIT;' }]), SchemaError);
    });

    it('trigger bodies, quoted semicolons and comments split like wrangler splits them; a record of paths (Vite glob) works', async () => {
      const { driver, engine } = await setup(target, false);
      await exec(driver, 'DROP TABLE IF EXISTS d1_migrations');
      const sql = `/* header; */ CREATE TABLE "we;ird" (v TEXT, n INTEGER DEFAULT 0);
CREATE TRIGGER "we;ird_t" AFTER INSERT ON "we;ird" BEGIN UPDATE "we;ird" SET n = CASE WHEN NEW.v = ';' THEN 1 ELSE 2 END WHERE rowid = NEW.rowid; END;
INSERT INTO "we;ird" (v) VALUES (';'), ('x'); -- trailing comment`;
      const result = await migrate(engine, { '/src/migrations/0001_weird.sql': sql, '/src/migrations/README.md': 'not sql' });
      expect(result.applied).toEqual(['0001_weird.sql']);
      expect(await rows(driver, 'SELECT v, n FROM "we;ird" ORDER BY rowid')).toEqual([
        { v: ';', n: 1 },
        { v: 'x', n: 2 },
      ]);
    });
  });
}
