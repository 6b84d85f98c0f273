/** The Base model contract, naming, DDL and value round-trips. */
import {
  createAllSql,
  DataIntegrityError,
  declarativeBase,
  IdentifierError,
  LimitExceededError,
  sql,
  t,
  tableNameFor,
  ValidationError,
} from '@litedao/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, counts, rejectsWith, setup, sleep } from './harness.ts';
import { Category, Sample, User, UserProfile } from './models.ts';

export function contractTests(target: ConformanceTarget): void {
  describe('Base model contract', () => {
    it('derives pluralized snake_case table names, legacy names and explicit names', () => {
      const cases: [string, string][] = [
        ['User', 'users'],
        ['Category', 'categories'],
        ['Person', 'people'],
        ['UserProfile', 'user_profiles'],
        ['Status', 'statuses'],
        ['Пользователь', 'пользователь'],
      ];
      for (const [model, table] of cases) expect(tableNameFor(model, 'plural')).toBe(table);
      expect(tableNameFor('UserProfile', 'legacy')).toBe('userprofiles');
      expect(tableNameFor('Category', 'legacy')).toBe('categorys');
      expect(Category.tableName).toBe('categories');
      expect(UserProfile.tableName).toBe('user_profiles');
      const B = declarativeBase({ naming: 'legacy' });
      expect(B('UserProfile', {}).tableName).toBe('userprofiles');
      expect(B('Thing', {}, { tableName: 'custom_things' }).tableName).toBe('custom_things');
    });

    it('refuses two models on one table and unsafe identifiers at definition time', () => {
      const B = declarativeBase();
      B('Person', {});
      expect(() => B('People', {})).toThrow(IdentifierError);
      expect(() => B('Other', {}, { tableName: 'PEOPLE' })).toThrow(IdentifierError); // SQLite folds ASCII case
      expect(() => B('x"; DROP TABLE users; --', {})).toThrow(IdentifierError);
      expect(() => B('Bad', { 'a"b': t.text() })).toThrow(IdentifierError);
      expect(() => B('Bad2', { __proto__x: t.text(), toDict: t.text() })).toThrow(IdentifierError);
      expect(() => B('Bad3', { id: t.text() })).toThrow(IdentifierError);
      expect(() => B('Bad4', {}, { tableName: 'sqlite_master2' })).toThrow(IdentifierError);
    });

    it('creates tables idempotently with id, created_at and updated_at (createAll twice, dropAll twice)', async () => {
      const { engine, driver } = await setup(target);
      await engine.createAll([User]);
      const info = await driver.execute({
        sql: `SELECT name, "notnull", pk FROM pragma_table_info('users')`,
        params: [],
        returnsRows: true,
      });
      const cols = info.rows.map((r) => String(r[0]));
      expect(cols[0]).toBe('id');
      expect(cols).toEqual(expect.arrayContaining(['id', 'telegram_id', 'username', 'created_at', 'updated_at']));
      expect(info.rows.find((r) => r[0] === 'id')?.[2]).toBe(1);
      const ddl = createAllSql([User]);
      expect(ddl).toContain('AUTOINCREMENT');
      expect(ddl).toContain('CREATE TRIGGER IF NOT EXISTS');
      await engine.dropAll([User]);
      await engine.dropAll([User]);
      const left = await driver.execute({ sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'users'", params: [], returnsRows: true });
      expect(Number(left.rows[0]?.[0])).toBe(0);
    });

    it('checks the adapter column limit before creating a table (D1: 100), and creates wide tables elsewhere', async () => {
      const { engine, driver } = await setup(target);
      const B = declarativeBase();
      const cols = Object.fromEntries(Array.from({ length: 98 }, (_, i) => [`c${i}`, t.integer().nullable()]));
      const Wide101 = B('Wide101', cols); // 98 + id, created_at, updated_at = 101 columns
      const exists = async () =>
        Number(
          (await driver.execute({ sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'wide101s'", params: [], returnsRows: true }))
            .rows[0]?.[0],
        );
      const max = engine.limits.maxColumns;
      if (max !== undefined && max < 101) {
        const e = await rejectsWith(engine.createAll([Wide101]), LimitExceededError);
        expect([e.actual, e.allowed]).toEqual([101, max]);
        expect(await exists()).toBe(0);
      } else {
        await engine.createAll([Wide101]);
        expect(await exists()).toBe(1);
      }
    });

    it('works with a non-ASCII model and table name', async () => {
      const { engine, Session } = await setup(target);
      const B = declarativeBase();
      class Пользователь extends B('Пользователь', { имя: t.text() }) {}
      await B.metadata.createAll(engine);
      const s = Session();
      const u = new Пользователь({ имя: 'Иван' });
      s.add(u);
      await s.commit();
      await s.close();
      const s2 = Session();
      const back = await s2.get(Пользователь, u.id);
      expect(back?.имя).toBe('Иван');
      expect(Пользователь.tableName).toBe('пользователь');
      await s2.close();
    });

    it('fills id, created_at and updated_at from the database; callers cannot forge them', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const before = Date.now();
      const u = new User({ telegram_id: 1 });
      expect(u.id).toBeUndefined();
      expect(() => new User({ telegram_id: 2, created_at: new Date(0) } as never)).toThrow(ValidationError);
      expect(() => new User({ telegram_id: 2, id: 5 } as never)).toThrow(ValidationError);
      s.add(u);
      await s.commit();
      expect(Number.isSafeInteger(u.id)).toBe(true);
      expect(u.created_at).toBeInstanceOf(Date);
      expect(Math.abs(u.created_at.getTime() - before)).toBeLessThan(60_000);
      expect(u.updated_at.getTime()).toBe(u.created_at.getTime());
      u.created_at = new Date(0);
      await rejectsWith(s.commit(), ValidationError);
      await s.close();
    });

    it('never reuses ids, even after the newest row is deleted (AUTOINCREMENT)', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const a = new User({ telegram_id: 1 });
      const b = new User({ telegram_id: 2 });
      s.addAll([a, b]);
      await s.commit();
      s.delete(b);
      await s.commit();
      const c = new User({ telegram_id: 3 });
      s.add(c);
      await s.commit();
      expect(c.id).toBeGreaterThan(b.id);
      await s.close();
    });

    it('refreshes updated_at on every update litedao issues, and on raw updates through the trigger', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const u = new User({ telegram_id: 7, username: 'a' });
      s.add(u);
      await s.commit();
      const created = u.created_at.getTime();
      const first = u.updated_at.getTime();
      await sleep(15);
      u.username = 'b';
      await s.commit();
      expect(u.updated_at.getTime()).toBeGreaterThan(first);
      expect(u.created_at.getTime()).toBe(created);
      const second = u.updated_at.getTime();
      await sleep(15);
      const r = s.updateWhere(User, { telegram_id: 7 }, { username: 'c' });
      await s.commit();
      expect(r.rowsAffected).toBe(1);
      await sleep(15);
      await s.execute(sql`UPDATE users SET username = ${'raw'} WHERE telegram_id = ${7}`);
      await s.close();
      const s2 = Session();
      const back = await s2.getOrThrow(User, u.id);
      expect(back.username).toBe('raw');
      expect(back.updated_at.getTime()).toBeGreaterThan(second);
      expect(back.created_at.getTime()).toBe(created);
      await s2.close();
    });

    it('toDict() gives column → value; toJSON() gives a JSON-safe form', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const u = new User({ telegram_id: 3, username: 'x' });
      s.add(u);
      await s.commit();
      const d = u.toDict();
      expect(Object.keys(d)).toEqual(['id', 'telegram_id', 'username', 'email', 'is_admin', 'score', 'created_at', 'updated_at']);
      expect(d.created_at).toBeInstanceOf(Date);
      expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
      const j = JSON.parse(JSON.stringify(u));
      expect(j.created_at).toBe(u.created_at.toISOString());
      expect(j.is_admin).toBe(false);
      await s.close();
    });

    it('reads timestamps written by the Python template (CURRENT_TIMESTAMP layout, microseconds)', async () => {
      const { Session } = await setup(target);
      const s = Session();
      s.addStatement(
        sql`INSERT INTO users (telegram_id, is_admin, score, created_at, updated_at) VALUES (${99}, ${0}, ${0}, ${'2026-01-02 03:04:05'}, ${'2026-01-02 03:04:05.123456'})`,
      );
      await s.commit();
      const u = await s.select(User).where({ telegram_id: 99 }).one();
      expect(u.created_at.toISOString()).toBe('2026-01-02T03:04:05.000Z');
      expect(u.updated_at.toISOString()).toBe('2026-01-02T03:04:05.123Z');
      await s.close();
    });
  });

  describe('value round-trips', () => {
    const big = target.name; // keep target in scope for titles
    void big;

    it('round-trips nulls, integer bounds, reals, strings, booleans, dates, JSON and blobs exactly', async () => {
      const { Session } = await setup(target);
      const values = [
        { i: null, r: null, s: null, b: null, ts: null, j: null, bl: null, big: null },
        {
          i: Number.MAX_SAFE_INTEGER,
          r: 0.1,
          s: '',
          b: true,
          ts: new Date('0001-01-01T00:00:00.000Z'),
          j: { a: [1, 'x', null, true], n: { deep: 1.5 } },
          bl: new Uint8Array([]),
          big: 9007199254740991n,
        },
        {
          i: -Number.MAX_SAFE_INTEGER,
          r: -1.5e300,
          s: 'Привет, мир 👋 שלום \u200b "quotes" \'single\' %_\\',
          b: false,
          ts: new Date('9999-12-31T23:59:59.999Z'),
          j: [],
          bl: new Uint8Array([0, 1, 2, 255, 0]),
          big: -9007199254740991n,
        },
        {
          i: 0,
          r: -0,
          s: "Robert'); DROP TABLE samples;--",
          b: true,
          ts: new Date(1_700_000_000_123),
          j: 'str',
          bl: new Uint8Array(5000).fill(7),
          big: 0n,
        },
      ];
      const s = Session();
      const objs = values.map((v) => new Sample(v));
      s.addAll(objs);
      await s.commit();
      await s.close();
      const s2 = Session();
      const back = await s2.select(Sample).orderBy({ id: 'asc' }).all();
      expect(back).toHaveLength(values.length);
      back.forEach((row, k) => {
        const want = values[k] as Record<string, unknown>;
        for (const key of Object.keys(want)) {
          const got = (row as unknown as Record<string, unknown>)[key];
          if (key === 'r' && want[key] === 0) expect(Object.is(got, 0)).toBe(true);
          else expect(got).toEqual(want[key]);
        }
        if (row.bl) expect(row.bl.constructor).toBe(Uint8Array);
      });
      await s2.close();
    });

    it('round-trips 64-bit bigint columns exactly on every adapter (D1 included: bound as text, CAST in SQL)', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const extremes = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n];
      s.addAll(extremes.map((big) => new Sample({ big })));
      await s.commit();
      const back = await Session().select(Sample).orderBy({ id: 'asc' }).all();
      expect(back.map((r) => r.big)).toEqual(extremes);
      await s.close();
    });

    it('refuses NaN, Infinity, invalid dates, lone surrogates, NUL, unsafe integers and wrong types; nothing written', async () => {
      const { Session, driver } = await setup(target);
      const bad: Record<string, unknown>[] = [
        { r: Number.NaN },
        { r: Number.POSITIVE_INFINITY },
        { i: 2 ** 53 },
        { i: 1.5 },
        { ts: new Date('nope') },
        { s: 'x\uD800y' },
        { s: 'a\0b' },
        { i: '42' },
        { b: 1 },
        { j: { x: Number.NaN } },
        { big: 2n ** 64n },
        { bl: [1, 2, 3] },
        { nope: 1 },
      ];
      for (const v of bad) expect(() => new Sample(v as never), JSON.stringify(Object.keys(v))).toThrow(ValidationError);
      // Values changed after construction are caught at commit, before anything is sent.
      const s = Session();
      const ok = new Sample({ i: 1 });
      const later = new Sample({ r: 1 });
      const secret = new Sample({ s: 'ok' });
      s.addAll([ok, later, secret]);
      (later as unknown as { r: number }).r = Number.NaN;
      (secret as unknown as { s: string }).s = 'SECRET-VALUE\uD800';
      const err = await rejectsWith(s.commit(), ValidationError);
      expect(err.issues.map((i) => i.path.join('.'))).toEqual(['Sample.1.r', 'Sample.2.s']);
      expect(err.message).not.toContain('SECRET-VALUE');
      expect((await counts(driver)).samples).toBe(0);
      await s.close();
    });

    it('reports stored values that do not fit the model as DataIntegrityError', async () => {
      const { Session } = await setup(target);
      const s = Session();
      s.addStatement(sql`INSERT INTO samples (ts) VALUES (${'not a date'})`);
      await s.commit();
      await rejectsWith(s.select(Sample).all(), DataIntegrityError);
      await s.close();
    });
  });
}
