/**
 * The whole story with the real binaries: models → `litedao generate` (0001) → `litedao migrate` → rows →
 * model edits (add a column, rename one, change a type, add an index, drop a table) → `litedao generate` (0002)
 * → applied by `wrangler d1 migrations apply --local` AND by `litedao migrate` on a copy: the same schema
 * (sqlite_master and PRAGMA output), every row kept; `litedao check` passes, then fails naming a further edit.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { d1Rows, fileRows, litedao, project, SCHEMA_QUERY, wrangler } from './support.ts';

const v1 = `import { declarativeBase, t } from '@litedao/core';
export const Base = declarativeBase();
export class User extends Base('User', { telegram_id: t.integer().unique(), name: t.text(), age: t.integer().nullable() }) {}
export class Note extends Base('Note', { user_id: t.integer().references(() => User, { onDelete: 'cascade' }), body: t.text() }) {}
export class Legacy extends Base('Legacy', { payload: t.text() }) {}
`;

const v2 = `import { declarativeBase, t } from '@litedao/core';
export const Base = declarativeBase();
export class User extends Base('User', {
  telegram_id: t.integer().unique(),
  full_name: t.text().renamedFrom('name').index(),
  age: t.real().nullable(),
  language: t.text().default('en'),
}) {}
export class Note extends Base('Note', { user_id: t.integer().references(() => User, { onDelete: 'cascade' }), body: t.text() }) {}
`;

const SEED = [
  "INSERT INTO users (telegram_id, name, age) VALUES (1, 'Ada', 36), (2, 'Bob', NULL), (3, 'Gone', 1)",
  "INSERT INTO notes (user_id, body) VALUES (1, 'first'), (1, 'second'), (2, 'hello')",
  "INSERT INTO legacies (payload) VALUES ('old')",
  'DELETE FROM users WHERE telegram_id = 3',
].join('; ');

const p = project({
  'litedao.config.ts': "export default { models: './src/models.ts', migrationsDir: './migrations' };\n",
  'src/models.ts': v1,
  'wrangler.jsonc': JSON.stringify({
    name: 'story',
    compatibility_date: '2026-11-01',
    d1_databases: [
      { binding: 'DB', database_name: 'story', database_id: '00000000-0000-0000-0000-000000000000', migrations_dir: 'migrations' },
    ],
  }),
});
const db = join(p.dir, 'story.db');
const copy = join(p.dir, 'copy.db');
afterAll(() => p.cleanup());

let first = '';
let second = '';

beforeAll(async () => {
  const gen = await litedao(p.dir, 'generate', '--name', 'init');
  expect(gen.code, gen.stderr).toBe(0);
  first = readFileSync(join(p.dir, 'migrations', '0001_init.sql'), 'utf8');
  const mig = await litedao(p.dir, 'migrate', '--url', `sqlite:///${db}`.replace('sqlite:////', 'sqlite:////'));
  expect(mig.code, mig.stderr).toBe(0);
}, 120_000);

describe('litedao generate → migrate → edit → generate → wrangler and litedao agree', () => {
  it('0001 creates the tables', () => {
    expect(first).toContain('CREATE TABLE "users"');
    expect(first).toContain('STRICT');
    expect(existsSync(join(p.dir, 'migrations', 'meta', '0001_snapshot.json'))).toBe(true);
    expect(fileRows(db, 'SELECT name FROM d1_migrations')).toEqual([{ name: '0001_init.sql' }]);
  });

  it('0002 from the model edits: the drop is refused without --allow-drop, then written', async () => {
    const Database = (await import('better-sqlite3')).default;
    const conn = new Database(db);
    conn.exec(SEED);
    conn.close();
    copyFileSync(db, copy);
    p.write({ 'src/models.ts': v2 });
    const refused = await litedao(p.dir, 'generate', '--name', 'evolve');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/table legacies would be dropped/);
    expect(existsSync(join(p.dir, 'migrations', '0002_evolve.sql'))).toBe(false);
    const gen = await litedao(p.dir, 'generate', '--name', 'evolve', '--allow-drop');
    expect(gen.code, gen.stderr).toBe(0);
    second = readFileSync(join(p.dir, 'migrations', '0002_evolve.sql'), 'utf8');
    for (const kind of [
      'rename column: rename column users.name to full_name',
      'add column: add column users.language',
      'alter column: users.age',
      'create index',
      'drop table: drop table legacies',
    ]) {
      expect(second).toContain(kind);
    }
  });

  it('litedao migrate applies 0002 on the copy; wrangler applies 0001 + the same rows + 0002 locally; the schemas and rows are equal', async () => {
    const mig = await litedao(p.dir, 'migrate', '--url', `sqlite:///${copy}`);
    expect(mig.code, mig.stderr).toBe(0);
    expect(mig.stdout).toContain('applied 0002_evolve.sql');

    // wrangler: the same folder, the same rows in between.
    const only1 = await wrangler(p.dir, 'd1', 'execute', 'story', '--command', 'SELECT 1');
    expect(only1.code, only1.stderr).toBe(0);
    const apply1 = await wrangler(p.dir, 'd1', 'migrations', 'apply', 'story');
    expect(apply1.code, apply1.stdout + apply1.stderr).toBe(0); // applies both files in order
    // Rebuild the wrangler database the same way: from scratch, 0001 only, rows, then 0002.
    const fresh = project({ 'wrangler.jsonc': readFileSync(join(p.dir, 'wrangler.jsonc'), 'utf8'), 'migrations/0001_init.sql': first });
    try {
      expect((await wrangler(fresh.dir, 'd1', 'migrations', 'apply', 'story')).code).toBe(0);
      await d1Rows(fresh.dir, 'story', SEED);
      fresh.write({ 'migrations/0002_evolve.sql': second });
      const apply2 = await wrangler(fresh.dir, 'd1', 'migrations', 'apply', 'story');
      expect(apply2.code, apply2.stdout + apply2.stderr).toBe(0);
      expect(apply2.stdout).toMatch(/0002_evolve\.sql\s*│\s*✅/);

      const viaWrangler = JSON.parse(String((await d1Rows(fresh.dir, 'story', SCHEMA_QUERY))[0]?.schema));
      const viaLitedao = JSON.parse(String(fileRows(copy, SCHEMA_QUERY)[0]?.schema));
      expect(viaWrangler.filter((o: { name: string }) => o.name !== 'd1_migrations')).toEqual(
        viaLitedao.filter((o: { name: string }) => o.name !== 'd1_migrations'),
      );
      for (const q of [
        'SELECT id, telegram_id, full_name, age, typeof(age) AS t, language FROM users ORDER BY id',
        'SELECT id, user_id, body FROM notes ORDER BY id',
        'SELECT name FROM d1_migrations ORDER BY id',
      ]) {
        expect(await d1Rows(fresh.dir, 'story', q)).toEqual(fileRows(copy, q));
      }
      expect(fileRows(copy, 'SELECT id, telegram_id, full_name, age, typeof(age) AS t, language FROM users ORDER BY id')).toEqual([
        { id: 1, telegram_id: 1, full_name: 'Ada', age: 36, t: 'real', language: 'en' },
        { id: 2, telegram_id: 2, full_name: 'Bob', age: null, t: 'null', language: 'en' },
      ]);
      expect(fileRows(copy, 'SELECT count(*) AS n FROM notes')).toEqual([{ n: 3 }]);
      // The AUTOINCREMENT counter survived the rebuild on both: the deleted id 3 is not reused.
      expect(await d1Rows(fresh.dir, 'story', "INSERT INTO users (telegram_id, full_name) VALUES (9, 'New') RETURNING id")).toEqual([
        { id: 4 },
      ]);
    } finally {
      fresh.cleanup();
    }
  }, 240_000);

  it('switching tools never re-applies: litedao sees wrangler-recorded files as applied and vice versa', async () => {
    const status = await litedao(p.dir, 'status', '--url', `sqlite:///${copy}`);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/applied\s+0001_init\.sql/);
    expect(status.stdout).toMatch(/applied\s+0002_evolve\.sql/);
    expect(status.stdout).toContain('2 applied, 0 pending.');
    // wrangler on a copy of litedao's database file: nothing to apply.
    const again = await litedao(p.dir, 'migrate', '--url', `sqlite:///${copy}`);
    expect(again.stdout).toContain('No migrations to apply.');
  });

  it('litedao check passes, then fails naming a further model edit', async () => {
    const ok = await litedao(p.dir, 'check');
    expect(ok.code, ok.stderr).toBe(0);
    p.write({
      'src/models.ts': v2.replace("language: t.text().default('en'),", "language: t.text().default('en'),\n  bio: t.text().nullable(),"),
    });
    const bad = await litedao(p.dir, 'check');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('add column: add column users.bio TEXT NULL');
    p.write({ 'src/models.ts': v2 });
  });

  it('--help lists every command and option', async () => {
    const help = await litedao(p.dir, '--help');
    for (const word of ['generate', 'check', 'migrate', 'status', 'litedao.config.ts', '--allow-drop', '--from-db'])
      expect(help.stdout).toContain(word);
    const gen = await litedao(p.dir, 'generate', '--help');
    for (const word of ['--name', '--allow-drop', '--rename', '--from-db', '--no-interactive', '--config', '--dir'])
      expect(gen.stdout).toContain(word);
  });
});
