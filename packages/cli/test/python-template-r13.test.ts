/**
 * Adopting databases made by REAL SQLAlchemy (the committed fixtures of
 * packages/adapter-node/test/fixtures/python-template, made by its regenerate.sh: the template's Base plus
 * BigInteger, Boolean, Enum, DateTime, Text, JSON, Float, ForeignKey(ondelete), UniqueConstraint, Index):
 * `litedao generate --from-db`, `generate`, `migrate`, `check`; every row survives with its values, litedao's
 * `verifySchema` passes, and where SQLAlchemy is importable the real template reads the result exactly as it
 * read the original and keeps writing to it. The `strict` fixture carries CHECKs SQLAlchemy wrote
 * (Boolean/Enum `create_constraint=True`): the Boolean ones are what litedao writes itself and are not reported
 * lost; the Enum's is, so generate refuses until --allow-constraint-loss.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeEngine } from '@litedao/adapter-node';
import { createSessionMaker, type Engine } from '@litedao/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fileRows, litedao, project } from './support.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'adapter-node', 'test', 'fixtures', 'python-template');
const PYTHON = process.env.LITEDAO_PYTHON ?? '/usr/bin/python3';
const script = join(import.meta.dirname, '..', '..', 'adapter-node', 'test', 'python', 'template_r13.py');
const hasSqlAlchemy = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import sqlalchemy, aiosqlite'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const models = (strict: boolean) => `import { declarativeBase, t } from '@litedao/core';
export const Base = declarativeBase({ naming: 'legacy'${strict ? '' : ', strict: false'} });
export class User extends Base('User', {
  telegram_id: t.bigint().unique(),
  username: t.text().nullable(),
  first_name: t.text().nullable(),
  last_name: t.text().nullable(),
  is_admin: t.boolean().default(false),
  language: t.text().default('en'),
}) {}
export class Profile extends Base('Profile', {
  user_id: t.integer().references(() => User, { onDelete: 'cascade' }).unique(),
  bio: t.text().nullable(),
  settings: t.json().nullable(),
  birthday: t.timestamp().nullable(),
  rating: t.real().nullable(),
}) {}
export class Category extends Base('Category', { name: t.text().unique() }) {}
export class Message extends Base('Message', {
  user_id: t.integer().references(() => User, { onDelete: 'set null' }).nullable(),
  category_id: t.integer().references(() => Category, { onDelete: 'restrict' }).nullable(),
  chat_id: t.bigint().index(),
  text: t.text(),
  sent_at: t.timestamp(),
  is_read: t.boolean().default(false),
}, { unique: [['chat_id', 'sent_at']], indexes: [['user_id', 'is_read']] }) {}
export const all = [User, Profile, Category, Message];
`;

type PyRows = Record<string, Record<string, unknown>[]>;
const python = (variant: string, db: string, op: string): PyRows =>
  JSON.parse(execFileSync(PYTHON, [script, variant, db, op], { encoding: 'utf8' })) as PyRows;

/** Every table's rows straight from the file, by column name (the rebuild may reorder columns). */
const TABLES = ['users', 'profiles', 'categorys', 'messages'];
const snapshot = (db: string) =>
  Object.fromEntries(
    TABLES.map((table) => [
      table,
      fileRows(db, `SELECT * FROM ${table} ORDER BY id`).map((r) =>
        Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))),
      ),
    ]),
  );

const cases = [
  { variant: 'plain', strict: true },
  { variant: 'plain', strict: false },
  { variant: 'strict', strict: true },
] as const;

describe.each(cases)('adopting a real SQLAlchemy template database ($variant fixture, models strict: $strict)', ({ variant, strict }) => {
  const p = project({ 'litedao.config.ts': "export default { models: './src/models.ts' };\n", 'src/models.ts': models(strict) });
  afterAll(() => p.cleanup());

  it('generate --from-db, generate, migrate, check: rows kept, verifySchema passes, the template still reads and writes', async () => {
    const db = join(p.dir, 'bot.sqlite');
    copyFileSync(join(FIXTURES, `${variant}.sqlite`), db);
    const before = snapshot(db);
    // A row as SQLAlchemy writes it with an explicit None (`insert(Category).values(created_at=None)`): the
    // template's timestamps are nullable; the adoption fills them, litedao's model needs a Date.
    const raw = new Database(db);
    raw.prepare('INSERT INTO categorys (name, created_at, updated_at) VALUES (?, NULL, NULL)').run('legacy');
    raw.close();

    const base = await litedao(p.dir, 'generate', '--from-db', `sqlite:///${db}`);
    expect(base.code, base.stderr).toBe(0);
    let gen = await litedao(p.dir, 'generate', '--name', 'adopt');
    if (variant === 'strict') {
      // Only the Enum's CHECK is lost; Boolean's CHECK (is_admin IN (0, 1)) is the one litedao writes itself.
      expect(gen.code).not.toBe(0);
      expect(gen.stderr).toContain("users CHECK (language IN ('en', 'ru', 'de'))");
      expect(gen.stderr).not.toContain('is_admin');
      expect(gen.stderr).not.toContain('is_read');
      gen = await litedao(p.dir, 'generate', '--name', 'adopt', '--allow-constraint-loss');
    }
    expect(gen.code, gen.stderr).toBe(0);
    const mig = await litedao(p.dir, 'migrate', '--url', `sqlite:///${db}`);
    expect(mig.code, mig.stderr).toBe(0);
    expect((await litedao(p.dir, 'check')).code).toBe(0);
    expect(fileRows(db, "SELECT strict FROM pragma_table_list('users')")).toEqual([{ strict: strict ? 1 : 0 }]);
    expect(fileRows(db, 'PRAGMA foreign_key_check')).toEqual([]);

    // Every row and value kept (the stored text of SQLAlchemy's timestamps included); NULL timestamps filled.
    const now = snapshot(db);
    const legacy = now.categorys?.pop() as Record<string, unknown>;
    expect(now).toEqual(before);
    expect(legacy.name).toBe('legacy');
    expect(String(legacy.created_at)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    expect(String(legacy.updated_at)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);

    const m = (await import(join(p.dir, 'src', 'models.ts'))) as { all: Parameters<Engine['verifySchema']>[0] };
    const engine = createNodeEngine(`sqlite:///${db}`);
    try {
      await engine.verifySchema(m.all);
      const s = createSessionMaker(engine)();
      const [User] = m.all as unknown as [Parameters<typeof s.select>[0]];
      const ada = (await s
        .select(User)
        .where({ telegram_id: 1001n } as never)
        .one()) as unknown as { is_admin: boolean; created_at: Date };
      expect(ada.is_admin).toBe(true);
      expect(ada.created_at).toBeInstanceOf(Date);
      await s.close();
    } finally {
      await engine.close();
    }

    if (!hasSqlAlchemy) return;
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${variant}.rows.json`), 'utf8')) as PyRows;
    const read = python(variant, db, 'read');
    expect(read.categorys?.pop()?.name).toEqual({ str: 'legacy' });
    expect(read).toEqual(expected); // SQLAlchemy reads the adopted database as it read the original
    const after = python(variant, db, 'write');
    expect(after.users?.find((u) => (u.username as { str: string } | null)?.str === 'py_after')).toBeDefined();
    expect(after.messages?.find((r) => (r.text as { str: string }).str === 'python after litedao')).toMatchObject({
      is_read: { bool: true },
    });
  }, 120_000);
});

describe('adopting a template database that Alembic also manages', () => {
  // generate --from-db records alembic_version like any table; the next generate then refuses to drop it
  // (ConfigurationError: "table alembic_version would be dropped with its rows (pass --allow-drop …)"), and
  // --allow-drop would break the Python side's `alembic upgrade`. No option leaves a table unmanaged; proposed:
  // a config list of tables generate/check leave alone (e.g. `keepTables: ['alembic_version']`).
  it.todo('generate leaves alembic_version (a table no model declares, listed as kept) as it is');
});
