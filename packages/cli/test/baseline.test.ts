/**
 * Adopting a database the Python template created (SQLAlchemy 1.4 + aiosqlite, the real template script):
 * `litedao generate --from-db` writes a baseline marked applied there, the next `generate` moves it to the
 * models (a rebuild to STRICT tables, AUTOINCREMENT ids, NOT NULL timestamps and the updated_at trigger),
 * every row survives, the template keeps working on the result, and a new database built from the same files
 * has the same schema.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeEngine } from '@litedao/adapter-node';
import { declarativeBase, t } from '@litedao/core';
import { afterAll, describe, expect, it } from 'vitest';
import { fileRows, litedao, project, SCHEMA_QUERY } from './support.ts';

const PYTHON = process.env.LITEDAO_PYTHON ?? '/usr/bin/python3';
const template = join(import.meta.dirname, '..', '..', 'adapter-node', 'test', 'python', 'template.py');
const python = (db: string, ...args: string[]) =>
  JSON.parse(execFileSync(PYTHON, [template, db, ...args], { encoding: 'utf8' })) as {
    telegram_id: number;
    username: string;
    created_at: string;
  }[];

const models = `import { declarativeBase, t } from '@litedao/core';
export const Base = declarativeBase({ naming: 'legacy' });
export class User extends Base('User', { telegram_id: t.integer().unique(), username: t.text().nullable() }) {}
// The template's second table (test/python/template.py), so adopting the database drops nothing.
export class Note extends Base('Note', { title: t.text(), data: t.json().nullable(), due: t.timestamp().nullable() }) {}
`;

const p = project({ 'litedao.config.ts': "export default { models: './src/models.ts' };\n", 'src/models.ts': models });
afterAll(() => p.cleanup());
const db = join(p.dir, 'bot.db');
const fresh = join(p.dir, 'fresh.db');

describe('litedao generate --from-db on the Python template database', () => {
  it('baseline, then the migration to the models: rows kept, the template still works, a fresh database gets the same schema', async () => {
    python(db, 'create', '1', 'ada');
    const before = python(db, 'create', '2', 'bob');
    expect(before.map((u) => u.telegram_id)).toEqual([1, 2]);

    const base = await litedao(p.dir, 'generate', '--from-db', `sqlite:///${db}`);
    expect(base.code, base.stderr).toBe(0);
    const baseline = readFileSync(join(p.dir, 'migrations', '0000_baseline.sql'), 'utf8');
    expect(baseline).toMatch(/CREATE TABLE users/);
    expect(existsSync(join(p.dir, 'migrations', 'meta', '0000_snapshot.json'))).toBe(true);
    expect(fileRows(db, 'SELECT name FROM d1_migrations')).toEqual([{ name: '0000_baseline.sql' }]);

    const gen = await litedao(p.dir, 'generate', '--name', 'adopt');
    expect(gen.code, gen.stderr).toBe(0);
    const adopt = readFileSync(join(p.dir, 'migrations', '0001_adopt.sql'), 'utf8');
    expect(adopt).toContain('CREATE TABLE "__new_users"');
    expect(adopt).toContain('coalesce("created_at", (strftime(');

    const mig = await litedao(p.dir, 'migrate', '--url', `sqlite:///${db}`);
    expect(mig.code, mig.stderr).toBe(0);
    expect(fileRows(db, "SELECT strict FROM pragma_table_list('users')")).toEqual([{ strict: 1 }]);
    const rows = fileRows(db, 'SELECT id, telegram_id, username, created_at FROM users ORDER BY id');
    expect(rows.map((r) => [r.id, r.telegram_id, r.username])).toEqual([
      [1, 1, 'ada'],
      [2, 2, 'bob'],
    ]);
    expect(rows[0]?.created_at).toBe(before[0]?.created_at.replace('T', ' ')); // the template's own timestamp, unchanged

    const Base = declarativeBase({ naming: 'legacy' });
    const User = Base('User', { telegram_id: t.integer().unique(), username: t.text().nullable() });
    const engine = createNodeEngine(`sqlite:///${db}`);
    await engine.verifySchema([User]);
    await engine.close();

    // The template keeps working on the adopted database.
    const renamed = python(db, 'rename', '2', 'bobby');
    expect(renamed.map((u) => u.username)).toEqual(['ada', 'bobby']);
    expect(python(db, 'create', '3', 'cy').map((u) => u.telegram_id)).toEqual([1, 2, 3]);

    expect((await litedao(p.dir, 'check')).code).toBe(0);
    const fromFiles = await litedao(p.dir, 'migrate', '--url', `sqlite:///${fresh}`);
    expect(fromFiles.code, fromFiles.stderr).toBe(0);
    const schema = (path: string) => JSON.parse(String(fileRows(path, SCHEMA_QUERY)[0]?.schema));
    expect(schema(fresh)).toEqual(schema(db));
  }, 120_000);
});
