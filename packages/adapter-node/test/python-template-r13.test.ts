/**
 * Databases made by REAL SQLAlchemy (the template's `Base` with id / created_at / updated_at and
 * `lower + "s"` table names, plus models with BigInteger, Boolean, Enum, DateTime, Text, JSON, Float,
 * ForeignKey(ondelete=…), UniqueConstraint and Index, created by `Base.metadata.create_all` over aiosqlite) are
 * opened by litedao with `declarativeBase({ naming: 'legacy', strict: false })`: `verifySchema` and `createAll`
 * accept them, every row reads back as SQLAlchemy read it, litedao's DAO writes, updates and deletes, and the
 * stored text is what SQLAlchemy parses. The databases are committed fixtures (fixtures/python-template, made by
 * its regenerate.sh with test/python/template_r13.py), so this runs without Python; where SQLAlchemy is
 * importable the real template also reads litedao's writes back and writes after them.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseDAO, createEngine, createSessionMaker, DataIntegrityError, declarativeBase, type Engine, t } from '@litedao/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'python-template');
const PYTHON = process.env.LITEDAO_PYTHON ?? '/usr/bin/python3';
const script = join(import.meta.dirname, 'python', 'template_r13.py');
const hasSqlAlchemy = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import sqlalchemy, aiosqlite'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const dir = mkdtempSync(join(tmpdir(), 'litedao-pytpl-r13-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VARIANTS = ['plain', 'strict'] as const;
type Variant = (typeof VARIANTS)[number];

/** A value as template_r13.py prints it: tagged with the Python type SQLAlchemy returned. */
type PyValue = null | { int: string } | { bool: boolean } | { float: number } | { str: string } | { datetime: string } | { json: unknown };
type PyRows = Record<string, Record<string, PyValue>[]>;

function copyFixture(variant: Variant, name: string): string {
  const path = join(dir, `${variant}-${name}.sqlite`);
  copyFileSync(join(FIXTURES, `${variant}.sqlite`), path);
  return path;
}

const python = (variant: Variant, db: string, op: string): PyRows =>
  JSON.parse(execFileSync(PYTHON, [script, variant, db, op], { encoding: 'utf8' })) as PyRows;

/** The template's models in litedao; `legacy` naming is `lower + "s"` (Category → categorys). */
function models() {
  const Base = declarativeBase({ naming: 'legacy', strict: false });
  class User extends Base('User', {
    telegram_id: t.bigint().unique(),
    username: t.text().nullable(),
    first_name: t.text().nullable(),
    last_name: t.text().nullable(),
    is_admin: t.boolean().default(false),
    language: t.text().default('en'), // Enum('en', 'ru', 'de'): VARCHAR(2); add .check(z.enum([...])) to validate
  }) {}
  class Profile extends Base('Profile', {
    user_id: t
      .integer()
      .references(() => User, { onDelete: 'cascade' })
      .unique(),
    bio: t.text().nullable(),
    settings: t.json().nullable(),
    birthday: t.timestamp().nullable(),
    rating: t.real().nullable(),
  }) {}
  class Category extends Base('Category', { name: t.text().unique() }) {}
  class Message extends Base(
    'Message',
    {
      user_id: t
        .integer()
        .references(() => User, { onDelete: 'set null' })
        .nullable(),
      category_id: t
        .integer()
        .references(() => Category, { onDelete: 'restrict' })
        .nullable(),
      chat_id: t.bigint().index(),
      text: t.text(),
      sent_at: t.timestamp(),
      is_read: t.boolean().default(false),
    },
    { unique: [['chat_id', 'sent_at']], indexes: [['user_id', 'is_read']] },
  ) {}
  return { Base, User, Profile, Category, Message, all: [User, Profile, Category, Message] as const };
}

/** Python's naive UTC `datetime.isoformat()` as epoch milliseconds, microseconds kept as a fraction. */
const pyMillis = (iso: string): number => {
  const m = /^(.*?)(?:\.(\d{1,6}))?$/.exec(iso) as RegExpExecArray;
  return Date.parse(`${m[1]}Z`) + Number(`0.${(m[2] ?? '0').padEnd(6, '0')}`) * 1000;
};

/** litedao's value against SQLAlchemy's, column by column, with the type litedao must give it. */
function expectSame(table: string, col: string, mine: unknown, py: PyValue, bigints: ReadonlySet<string>): void {
  const where = `${table}.${col}`;
  if (py === null) return void expect(mine, where).toBeNull();
  if ('int' in py) {
    if (bigints.has(col)) expect(mine, where).toBe(BigInt(py.int));
    else expect(mine, where).toBe(Number(py.int));
  } else if ('bool' in py) expect(mine, where).toBe(py.bool);
  else if ('float' in py) expect(mine, where).toBe(py.float);
  else if ('str' in py) expect(mine, where).toBe(py.str);
  else if ('datetime' in py) {
    expect(mine, where).toBeInstanceOf(Date);
    expect(Math.abs((mine as Date).getTime() - pyMillis(py.datetime)), where).toBeLessThan(1); // ms resolution
  } else expect(mine, where).toEqual(py.json);
}

/** The stored text layouts SQLAlchemy's SQLite DATETIME parser reads exactly: seconds, or six fraction digits. */
const SQLALCHEMY_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?$/;

function stored(db: string, sql: string): Record<string, unknown>[] {
  const conn = new Database(db, { readonly: true });
  conn.defaultSafeIntegers(true);
  try {
    return conn.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    conn.close();
  }
}

async function withEngine<T>(db: string, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = createEngine(createNodeDriver(db));
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

describe.each(VARIANTS)('a real SQLAlchemy template database (%s)', (variant) => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, `${variant}.rows.json`), 'utf8')) as PyRows;

  it('verifySchema and createAll accept it', async () => {
    const db = copyFixture(variant, 'verify');
    const m = models();
    await withEngine(db, async (engine) => {
      await engine.verifySchema(m.all);
      await m.Base.metadata.createAll(engine);
      await engine.verifySchema(m.all);
    });
    // The strict variant's own CHECKs (Boolean/Enum create_constraint=True) are still there.
    if (variant === 'strict')
      expect(String(stored(db, "SELECT sql FROM sqlite_schema WHERE name = 'users'")[0]?.sql)).toContain(
        "CHECK (language IN ('en', 'ru', 'de'))",
      );
  });

  it('reads every row as SQLAlchemy did: bigints, booleans, JSON, Dates, NULLs', async () => {
    const db = copyFixture(variant, 'read');
    const m = models();
    await withEngine(db, async (engine) => {
      await engine.verifySchema(m.all);
      const session = createSessionMaker(engine)();
      for (const model of m.all) {
        const rows = (await session.select(model as typeof m.User).all()).map((r) => r.toDict() as Record<string, unknown>);
        const py = expected[model.tableName] ?? [];
        expect(rows.length, model.tableName).toBe(py.length);
        expect(py.length, model.tableName).toBeGreaterThan(0);
        const bigints = new Set(['telegram_id', 'chat_id']);
        rows.forEach((row, i) => {
          const pyRow = py[i] as Record<string, PyValue>;
          expect(Object.keys(row).sort()).toEqual(Object.keys(pyRow).sort());
          for (const [col, v] of Object.entries(pyRow)) expectSame(model.tableName, col, row[col], v, bigints);
        });
      }
      await session.close();
    });
  });

  it("litedao's DAO writes, updates and deletes; the stored values are what SQLAlchemy reads back", async () => {
    const db = copyFixture(variant, 'write');
    const m = models();
    class UserDAO extends BaseDAO(m.User) {}
    class ProfileDAO extends BaseDAO(m.Profile) {}
    class MessageDAO extends BaseDAO(m.Message) {}
    const before = stored(db, 'SELECT id, updated_at FROM users ORDER BY id') as { id: bigint; updated_at: string }[];
    await withEngine(db, async (engine) => {
      await engine.verifySchema(m.all);
      const Session = createSessionMaker(engine);
      const lite = await Session.begin(async (s) => {
        const users = new UserDAO(s);
        const u = await users.add({ telegram_id: 2n ** 62n, username: 'lite', language: 'ru' });
        await users.update({ telegram_id: 1001n }, { last_name: 'Lovelace', is_admin: false });
        await users.upsert(['telegram_id'], { telegram_id: -5n, username: 'upserted' });
        await new MessageDAO(s).delete({ text: 'to delete by litedao' });
        return u;
      });
      await Session.begin(async (s) => {
        await new ProfileDAO(s).add({
          user_id: lite.id,
          settings: { a: [1, { b: null }], s: 'ü' },
          birthday: new Date('1999-12-31T23:59:59.999Z'),
          rating: 1e-7,
        });
        await new MessageDAO(s).add({
          user_id: null,
          category_id: 1,
          chat_id: -(2n ** 63n),
          text: 'from litedao',
          sent_at: new Date('2026-05-06T07:08:09.010Z'),
          is_read: true,
        });
      });
      // Deleting the user cascades to the profile (ON DELETE CASCADE from SQLAlchemy's DDL, foreign keys on).
      await Session.begin(async (s) => {
        await new UserDAO(s).delete({ telegram_id: 9007199254740993n });
      });
      const s = Session();
      expect(await s.select(m.Profile).where({ user_id: 2 }).count()).toBe(0);
      expect((await s.select(m.Message).where({ text: 'hello' }).one()).user_id).toBe(1);
      await s.close();
    });

    const users = stored(db, 'SELECT * FROM users ORDER BY id');
    const ada = users.find((u) => u.telegram_id === 1001n) as Record<string, unknown>;
    expect(ada.last_name).toBe('Lovelace');
    expect(ada.is_admin).toBe(0n); // INTEGER 0, as SQLAlchemy's Boolean stores it
    for (const u of users) {
      expect(String(u.created_at)).toMatch(SQLALCHEMY_DATETIME);
      expect(String(u.updated_at)).toMatch(SQLALCHEMY_DATETIME);
    }
    const adaBefore = before.find((u) => u.id === ada.id) as { updated_at: string };
    expect(String(ada.updated_at) > adaBefore.updated_at).toBe(true); // refreshed by the update
    expect(users.find((u) => u.telegram_id === -5n)?.username).toBe('upserted');
    expect(users.find((u) => u.telegram_id === 2n ** 62n)?.username).toBe('lite');
    const types = stored(
      db,
      "SELECT typeof(chat_id) AS c, typeof(is_read) AS r, typeof(sent_at) AS s, sent_at FROM messages WHERE text = 'from litedao'",
    )[0];
    expect(types).toEqual({ c: 'integer', r: 'integer', s: 'text', sent_at: '2026-05-06 07:08:09.010000' });
    const profile = stored(
      db,
      'SELECT typeof(settings) AS t, settings, birthday, typeof(rating) AS r FROM profiles WHERE birthday LIKE ?'.replace('?', "'1999%'"),
    )[0];
    expect(profile).toEqual({ t: 'text', settings: '{"a":[1,{"b":null}],"s":"ü"}', birthday: '1999-12-31 23:59:59.999000', r: 'real' });

    if (!hasSqlAlchemy) return;
    // The real template reads litedao's writes (its DateTime/Boolean/JSON/BigInteger processors parse them) …
    const py = python(variant, db, 'read');
    const pyAda = py.users?.find((u) => (u.telegram_id as { int: string }).int === '1001') as Record<string, PyValue>;
    expect(pyAda.last_name).toEqual({ str: 'Lovelace' });
    expect(pyAda.is_admin).toEqual({ bool: false });
    expect(pyMillis((pyAda.updated_at as { datetime: string }).datetime)).toBeGreaterThan(
      pyMillis(((expected.users ?? [])[0]?.updated_at as { datetime: string } | undefined)?.datetime ?? ''),
    );
    expect(py.messages?.find((r) => (r.text as { str: string }).str === 'from litedao')).toMatchObject({
      chat_id: { int: (-(2n ** 63n)).toString() },
      is_read: { bool: true },
      sent_at: { datetime: '2026-05-06T07:08:09.010000' },
    });
    expect(py.profiles?.find((r) => r.birthday !== null && (r.birthday as { datetime: string }).datetime.startsWith('1999'))).toMatchObject(
      {
        settings: { json: { a: [1, { b: null }], s: 'ü' } },
        rating: { float: 1e-7 },
      },
    );
    // … and writes after them (ORM update with onupdate=func.now(), insert, delete); litedao reads the result.
    const after = python(variant, db, 'write');
    expect(after.users?.some((u) => (u.username as { str: string } | null)?.str === 'py_after')).toBe(true);
    await withEngine(db, async (engine) => {
      await engine.verifySchema(m.all);
      const s = createSessionMaker(engine)();
      const adaNow = await s.select(m.User).where({ telegram_id: 1001n }).one();
      expect(adaNow.first_name).toBe('Ada (python)');
      expect(adaNow.updated_at.getTime()).toBeGreaterThanOrEqual(adaNow.created_at.getTime());
      expect(await s.select(m.Message).where({ text: 'to delete by python' }).count()).toBe(0);
      expect((await s.select(m.Message).where({ text: 'python after litedao' }).one()).sent_at.toISOString()).toBe(
        '2026-03-04T05:06:07.000Z',
      );
      await s.close();
    });
  });
});

describe('template databases: known limits', () => {
  // createAll sent CREATE INDEX IF NOT EXISTS by litedao's index name, so an index SQLAlchemy created on the same
  // columns under its own name (Index('ix_messages_user_read', 'user_id', 'is_read')) got a duplicate.
  it('createAll does not duplicate an index the template created under another name', async () => {
    const db = copyFixture('plain', 'index');
    const { Base } = models();
    await withEngine(db, (engine) => Base.metadata.createAll(engine));
    const ixs = stored(
      db,
      "SELECT name FROM pragma_index_list('messages') WHERE origin = 'c' AND name IN (SELECT il.name FROM pragma_index_list('messages') AS il WHERE (SELECT group_concat(ii.name) FROM pragma_index_info(il.name) AS ii) = 'user_id,is_read')",
    );
    expect(ixs).toEqual([{ name: 'ix_messages_user_read' }]);
  });

  // The template declares created_at/updated_at nullable; a row written with an explicit None (SQLAlchemy then
  // sends NULL: `insert(Category).values(created_at=None)`) cannot be a litedao row (`created_at: Date`). litedao
  // refuses it with a typed error naming the column rather than inventing a time; `litedao generate` after
  // `--from-db` repairs such rows (coalesce to the current time in the rebuild).
  it('a row with NULL timestamps is a DataIntegrityError naming the column, not a silent value', async () => {
    const db = copyFixture('plain', 'nullts');
    const raw = new Database(db);
    raw.prepare('INSERT INTO categorys (name, created_at, updated_at) VALUES (?, NULL, NULL)').run('legacy');
    raw.close();
    const m = models();
    await withEngine(db, async (engine) => {
      await engine.verifySchema(m.all); // the schema is the template's: fine
      const s = createSessionMaker(engine)();
      const err = await s
        .select(m.Category)
        .all()
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(DataIntegrityError);
      expect((err as Error).message).toContain('categorys.created_at');
      expect((await s.select(m.Category).where({ name: 'news' }).one()).name).toBe('news'); // other rows still read
      await s.close();
    });
  });
});
