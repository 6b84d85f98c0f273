// Driver-level tests of the D1 adapter, inside workerd against Miniflare's real local D1 (no mocks). The only
// wrapper is a counting Proxy that forwards every call to the real binding (test/support/d1.ts).

import { env } from 'cloudflare:workers';
import type { SqlValue, Statement } from '@litedao/core';
import {
  BusyError,
  CheckConstraintError,
  ConfigurationError,
  ConnectionError,
  createEngine,
  DatabaseError,
  EngineClosedError,
  ForeignKeyConstraintError,
  isDaoError,
  LimitExceededError,
  NotNullConstraintError,
  SchemaError,
  UniqueConstraintError,
  UnsupportedError,
  utf8Bytes,
  ValidationError,
} from '@litedao/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { createD1Driver, D1_LIMITS, mapD1Error } from '../src/index.ts';
import { countingBinding, dropAllTables } from './support/d1.ts';

const db = env.DB;

const select = (sql: string, params: SqlValue[] = [], columns?: string[]): Statement => ({
  sql,
  params,
  returnsRows: true,
  ...(columns ? { columns } : {}),
});
const write = (sql: string, params: SqlValue[] = []): Statement => ({ sql, params, returnsRows: false });

async function count(table: string): Promise<number> {
  const row = await db.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? -1;
}

/** Runs `fn`, expects it to throw, returns the error. */
async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

beforeEach(async () => {
  await dropAllTables(db);
});

describe('driver shape', () => {
  it('declares D1 capabilities and documented limits, and has no transaction()', () => {
    const driver = createD1Driver(db);
    expect(driver.name).toBe('d1');
    expect(driver.capabilities).toEqual({
      interactiveTransactions: false,
      bigint: false,
      expectations: false,
      remote: true,
      repeat: false,
      countByReturning: true,
      bulkJson: true,
    });
    expect(driver.limits).toEqual({
      maxParameters: 100,
      maxStatementBytes: 100_000,
      maxValueBytes: 2_000_000,
      maxLikePatternBytes: 50,
      maxColumns: 100,
      maxExpressionDepth: 100,
    });
    expect(driver.transaction).toBeUndefined();
  });

  it('refuses something that is not a D1 binding', () => {
    expect(() => createD1Driver(null as never)).toThrow(ConfigurationError);
    expect(() => createD1Driver({} as never)).toThrow(ConfigurationError);
  });
});

describe('round trips', () => {
  const values: [string, SqlValue][] = [
    ['null', null],
    ['zero', 0],
    ['one', 1],
    ['minus one', -1],
    ['max safe', Number.MAX_SAFE_INTEGER],
    ['min safe', Number.MIN_SAFE_INTEGER],
    ['real', 1.5],
    ['negative real', -0.25],
    ['large real', 1e308],
    ['tiny real', 5e-324],
    ['unicode text', 'héllo 👋 世界 ẞ \u{1F9EA}'],
    ['empty string', ''],
    ['text that looks like a number', '007'],
    ['blob', new Uint8Array([0, 1, 2, 127, 128, 254, 255])],
  ];

  it.each(values)('execute: %s', async (_label, value) => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute(write('CREATE TABLE vals (id INTEGER PRIMARY KEY, v ANY) STRICT'));
    const ins = await driver.execute(write('INSERT INTO vals (v) VALUES (?)', [value]));
    expect(ins.changes).toBe(1);
    expect(ins.lastInsertRowid).toBe(1);
    const res = await driver.execute(select('SELECT v, typeof(v) AS t FROM vals', [], ['v', 't']));
    expect(res.columns).toEqual(['v', 't']);
    expect(res.rows).toHaveLength(1);
    const [got, type] = res.rows[0] ?? [];
    expect(got).toEqual(value);
    if (value instanceof Uint8Array) {
      expect(got).toBeInstanceOf(Uint8Array);
      expect(type).toBe('blob');
    }
  });

  it('numbers bind as REAL (observed in Miniflare); INTEGER-affinity columns store them as integers', async () => {
    // D1 sends parameters as JSON and Miniflare binds every JS number as a double: `typeof(?)` is 'real' even
    // for 1, an untyped or ANY column keeps 1.0, and a TEXT column stores the text '1.0'. Core binds integers
    // into INTEGER columns, where SQLite's affinity turns them back into integers.
    const driver = createEngine(createD1Driver(db));
    const probe = await driver.execute(select('SELECT typeof(?) AS t', [1], ['t']));
    expect(['integer', 'real']).toContain(probe.rows[0]?.[0]);
    await driver.execute(write('CREATE TABLE n (i INTEGER, r REAL)'));
    await driver.execute(write('INSERT INTO n (i, r) VALUES (?, ?)', [Number.MAX_SAFE_INTEGER, 2]));
    const res = await driver.execute(select('SELECT i, typeof(i) AS ti, r, typeof(r) AS tr FROM n', [], ['i', 'ti', 'r', 'tr']));
    expect(res.rows).toEqual([[Number.MAX_SAFE_INTEGER, 'integer', 2, 'real']]);
    // Bound LIMIT / OFFSET (core binds them) still work with REAL-bound integers.
    const lim = await driver.execute(select('SELECT value FROM json_each(?) LIMIT ? OFFSET ?', ['[1,2,3,4]', 2, 1], ['value']));
    expect(lim.rows).toEqual([[2], [3]]);
  });

  it('batch: every value kind in one atomic call, rows in column order', async () => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute(write('CREATE TABLE vals (id INTEGER PRIMARY KEY, label TEXT NOT NULL, v ANY) STRICT'));
    const inserts = values.map(([label, v]) => write('INSERT INTO vals (label, v) VALUES (?, ?)', [label, v]));
    const results = await driver.batch([...inserts, select('SELECT v, label, id FROM vals ORDER BY id', [], ['v', 'label', 'id'])]);
    expect(results).toHaveLength(values.length + 1);
    for (const r of results.slice(0, -1)) expect(r.changes).toBe(1);
    const last = results.at(-1);
    expect(last?.columns).toEqual(['v', 'label', 'id']);
    expect(last?.rows).toEqual(values.map(([label, v], i) => [v, label, i + 1]));
    expect(last?.rows.find((r) => r[1] === 'blob')?.[0]).toBeInstanceOf(Uint8Array);
  });

  it('empty blob round-trips as an empty Uint8Array', async () => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute(write('CREATE TABLE b (v BLOB)'));
    await driver.execute(write('INSERT INTO b (v) VALUES (?)', [new Uint8Array(0)]));
    const res = await driver.execute(select('SELECT v, typeof(v) AS t, length(v) AS n FROM b', [], ['v', 't', 'n']));
    expect(res.rows).toEqual([[new Uint8Array(0), 'blob', 0]]);
  });

  it('bigint parameters within ±(2^53 − 1) bind as numbers; beyond is UnsupportedError with nothing written', async () => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute(write('CREATE TABLE n (v INTEGER)'));
    await driver.execute(write('INSERT INTO n (v) VALUES (?), (?)', [2n ** 53n - 1n, -(2n ** 53n - 1n)]));
    const res = await driver.execute(select('SELECT v FROM n ORDER BY v', [], ['v']));
    expect(res.rows).toEqual([[Number.MIN_SAFE_INTEGER], [Number.MAX_SAFE_INTEGER]]);

    const { binding, traffic } = countingBinding(db);
    const wrapped = createEngine(createD1Driver(binding));
    const err = await failure(() =>
      wrapped.batch([write('INSERT INTO n (v) VALUES (?)', [1n]), write('INSERT INTO n (v) VALUES (?)', [2n ** 53n])]),
    );
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as UnsupportedError).capability).toBe('bigint');
    expect(String((err as Error).message)).not.toContain('9007199254740992');
    expect(traffic.prepared).toHaveLength(0);
    expect(traffic.batches).toHaveLength(0);
    expect(await count('n')).toBe(2);
  });
});

describe('results', () => {
  it('reports changes and lastInsertRowid for writes, none for reads', async () => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute(write('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)'));
    const ins = await driver.execute(write('INSERT INTO t (a) VALUES (?), (?), (?)', ['x', 'y', 'z']));
    expect(ins).toMatchObject({ rows: [], changes: 3, lastInsertRowid: 3 });
    const upd = await driver.execute(write('UPDATE t SET a = ? WHERE id >= ?', ['w', 2]));
    expect(upd.changes).toBe(2);
    const none = await driver.execute(write('UPDATE t SET a = ? WHERE id > ?', ['w', 100]));
    expect(none.changes).toBe(0);
    expect(none.lastInsertRowid).toBeUndefined();
    const sel = await driver.execute(select('SELECT id FROM t', [], ['id']));
    expect(sel.changes).toBe(0);
    expect(sel.lastInsertRowid).toBeUndefined();
  });

  it('RETURNING writes return rows and report the rows changed', async () => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute(write('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)'));
    const ins = await driver.execute(select('INSERT INTO t (a) VALUES (?), (?) RETURNING id, a', ['x', 'y'], ['id', 'a']));
    expect(ins.rows).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
    expect(ins.changes).toBe(2);
    expect(ins.lastInsertRowid).toBe(2);
    const del = await driver.execute(select('DELETE FROM t WHERE id = ? RETURNING a', [1], ['a']));
    expect(del).toMatchObject({ rows: [['x']], changes: 1 });
    const [b] = await driver.batch([select('UPDATE t SET a = ? RETURNING id, a', ['z'], ['id', 'a'])]);
    expect(b).toMatchObject({ rows: [[2, 'z']], changes: 1 });
  });

  it('keeps the order core asks for, even for index-like column names', async () => {
    const driver = createEngine(createD1Driver(db));
    const res = await driver.execute(select('SELECT 2 AS "2", 1 AS "1", 3 AS b, 4 AS a', [], ['2', '1', 'b', 'a']));
    expect(res.rows).toEqual([[2, 1, 3, 4]]);
    expect(res.columns).toEqual(['2', '1', 'b', 'a']);
    const [batched] = await driver.batch([select('SELECT 2 AS "2", 1 AS "1"', [], ['2', '1'])]);
    expect(batched?.rows).toEqual([[2, 1]]);
  });

  it('keeps duplicate column names apart, and select order when core gives no column list', async () => {
    const driver = createEngine(createD1Driver(db));
    const res = await driver.execute(select('SELECT 1 AS x, 2 AS x', [], ['x', 'x']));
    expect(res.rows).toEqual([[1, 2]]);
    const unnamed = await driver.execute(select('SELECT ?, ?, 3 AS "3", 2 AS "2"', ['a', 'b']));
    expect(unnamed.columns).toEqual(['?', '?', '3', '2']);
    expect(unnamed.rows).toEqual([['a', 'b', 3, 2]]);
  });

  it('refuses repeated column names where D1 only returns row objects (batch), before sending', async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    const err = await failure(() => driver.batch([select('SELECT 1 AS x, 2 AS x', [], ['x', 'x'])]));
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(traffic.prepared).toHaveLength(0);
  });

  it('returns the column names core gave for an empty result', async () => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute(write('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)'));
    const res = await driver.execute(select('SELECT id, a FROM t', [], ['id', 'a']));
    expect(res).toMatchObject({ rows: [], columns: ['id', 'a'], changes: 0 });
  });

  it('raw SQL (returnsRows unknown) returns rows in select order and write counts', async () => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute({ sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB)', params: [] });
    const ins = await driver.execute({ sql: 'INSERT INTO t (a, b) VALUES (?, ?)', params: ['x', new Uint8Array([9])] });
    expect(ins.changes).toBe(1);
    expect(ins.rows).toEqual([]);
    const res = await driver.execute({ sql: 'SELECT b, a, id FROM t', params: [] });
    expect(res.columns).toEqual(['b', 'a', 'id']);
    expect(res.rows).toEqual([[new Uint8Array([9]), 'x', 1]]);
    const [r] = await driver.batch([{ sql: 'SELECT a, id FROM t', params: [] }]);
    expect(r?.rows).toEqual([['x', 1]]);
  });

  it('reports a column core expected but D1 did not return, instead of reading it as null', async () => {
    const driver = createEngine(createD1Driver(db));
    const err = await failure(() => driver.execute(select('SELECT 1 AS a', [], ['b'])));
    expect(isDaoError(err)).toBe(true);
  });
});

describe('batch', () => {
  beforeEach(async () => {
    await db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL)');
  });

  it('is exactly one D1 batch() call (each write followed by its changes() probe), and an empty list sends nothing', async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    const stmts = [1, 2, 3, 4, 5].map((i) => write('INSERT INTO users (email, name) VALUES (?, ?)', [`u${i}@x`, `u${i}`]));
    const results = await driver.batch([...stmts, select('SELECT count(*) AS n FROM users', [], ['n'])]);
    expect(traffic.batches).toEqual([11]);
    expect(results.map((r) => r.changes)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(results.at(-1)?.rows).toEqual([[5]]);
    expect(await driver.batch([])).toEqual([]);
    expect(traffic.batches).toEqual([11]);
    // Five inserts, the probe (prepared once per batch) and the select.
    expect(traffic.prepared).toHaveLength(7);
  });

  it("counts core's plain multi-row INSERTs by meta.changes, with one trigger check per batch instead of a probe each; resends with probes when a trigger inserts", async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    const bulk = (from: number, k: number) =>
      write(
        `INSERT INTO "users" ("email", "name") VALUES ${Array(k).fill('(?, ?)').join(', ')}`,
        Array.from({ length: k }, (_, i) => [`b${from + i}@x`, 'b']).flat(),
      );
    const fast = await driver.batch([bulk(0, 3), bulk(3, 2), bulk(5, 4)]);
    expect(fast.map((r) => r.changes)).toEqual([3, 2, 4]);
    // Three inserts and the check; no probe.
    expect(traffic.batches).toEqual([4]);
    await db.exec('CREATE TABLE audit (id INTEGER PRIMARY KEY, email TEXT)');
    await db.exec('CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN INSERT INTO audit (email) VALUES (NEW.email); END');
    const slow = await driver.batch([bulk(9, 3), bulk(12, 2)]);
    expect(slow.map((r) => r.changes)).toEqual([3, 2]);
    // The first attempt (two inserts and the check) is aborted by the check; the second probes each insert.
    expect(traffic.batches).toEqual([4, 3, 4]);
    expect([await count('users'), await count('audit')]).toEqual([14, 5]);
  });

  it('is atomic: a failing third statement leaves nothing from the first two', async () => {
    const driver = createEngine(createD1Driver(db));
    const err = await failure(() =>
      driver.batch([
        write('INSERT INTO users (email, name) VALUES (?, ?)', ['a@x', 'a']),
        write('INSERT INTO users (email, name) VALUES (?, ?)', ['b@x', 'b']),
        write('INSERT INTO users (email, name) VALUES (?, ?)', ['c@x', null]),
      ]),
    );
    expect(err).toBeInstanceOf(NotNullConstraintError);
    expect(await count('users')).toBe(0);
  });

  it('is atomic for a unique violation against a row written earlier in the same batch', async () => {
    const driver = createEngine(createD1Driver(db));
    await driver.execute(write('INSERT INTO users (email, name) VALUES (?, ?)', ['keep@x', 'keep']));
    const err = await failure(() =>
      driver.batch([
        write('UPDATE users SET name = ?', ['changed']),
        write('INSERT INTO users (email, name) VALUES (?, ?)', ['dup@x', 'a']),
        write('INSERT INTO users (email, name) VALUES (?, ?)', ['dup@x', 'b']),
      ]),
    );
    expect(err).toBeInstanceOf(UniqueConstraintError);
    const rows = await driver.execute(select('SELECT email, name FROM users', [], ['email', 'name']));
    expect(rows.rows).toEqual([['keep@x', 'keep']]);
  });

  it('never sends BEGIN, SAVEPOINT, COMMIT, ROLLBACK or RELEASE', async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    await driver.execute(write('INSERT INTO users (email, name) VALUES (?, ?)', ['a@x', 'a']));
    await driver.batch([write('UPDATE users SET name = ?', ['b']), select('SELECT name FROM users', [], ['name'])]);
    await failure(() => driver.batch([write('INSERT INTO users (email, name) VALUES (?, ?)', ['a@x', 'dup'])]));
    await driver.close();
    expect(traffic.prepared.length).toBeGreaterThan(0);
    for (const sql of traffic.prepared) expect(sql).not.toMatch(/^\s*(BEGIN|SAVEPOINT|COMMIT|END|ROLLBACK|RELEASE)\b/i);
  });

  it('a user-written BEGIN is refused by core before it reaches D1; one that reaches the driver maps to UnsupportedError', async () => {
    const engine = createEngine(createD1Driver(db));
    expect(await failure(() => engine.execute({ sql: 'BEGIN', params: [] }))).toBeInstanceOf(ValidationError);
    const mapped = mapD1Error(await failure(() => createD1Driver(db).execute({ sql: 'BEGIN', params: [] })));
    expect(mapped).toBeInstanceOf(UnsupportedError);
    expect((mapped as UnsupportedError).capability).toBe('interactiveTransactions');
  });
});

describe('constraint errors', () => {
  beforeEach(async () => {
    await db.exec(
      [
        'CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)',
        'CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL REFERENCES teams(id), age INTEGER CHECK (age >= 0))',
      ].join('\n'),
    );
    await db.prepare('INSERT INTO teams (id, name) VALUES (1, ?)').bind('red').run();
  });

  const cases: [string, Statement, new (...a: never[]) => Error, string][] = [
    ['unique', write('INSERT INTO teams (name) VALUES (?)', ['red']), UniqueConstraintError, 'unique'],
    ['primary key', write('INSERT INTO teams (id, name) VALUES (?, ?)', [1, 'blue']), UniqueConstraintError, 'primarykey'],
    ['not null', write('INSERT INTO teams (name) VALUES (?)', [null]), NotNullConstraintError, 'notnull'],
    ['foreign key', write('INSERT INTO members (team_id, age) VALUES (?, ?)', [99, 1]), ForeignKeyConstraintError, 'foreignkey'],
    ['check', write('INSERT INTO members (team_id, age) VALUES (?, ?)', [1, -5]), CheckConstraintError, 'check'],
  ];

  it('D1 enforces foreign keys (PRAGMA foreign_keys is on)', async () => {
    const driver = createEngine(createD1Driver(db));
    const res = await driver.execute({ sql: 'PRAGMA foreign_keys', params: [] });
    expect(res.rows).toEqual([[1]]);
  });

  it.each(cases)('%s → typed error, from execute and from batch', async (_label, stmt, Cls, kind) => {
    const driver = createEngine(createD1Driver(db));
    for (const run of [() => driver.execute(stmt), () => driver.batch([stmt])]) {
      const err = await failure(run);
      expect(err).toBeInstanceOf(Cls);
      expect(err).toBeInstanceOf(DatabaseError);
      expect((err as { kind?: string }).kind).toBe(kind);
      expect((err as Error).cause).toBeDefined();
    }
  });

  it('names the table and columns, never the values', async () => {
    const driver = createEngine(createD1Driver(db));
    const secret = 'secret-value-4711';
    await driver.execute(write('INSERT INTO teams (name) VALUES (?)', [secret]));
    const err = (await failure(() => driver.execute(write('INSERT INTO teams (name) VALUES (?)', [secret])))) as UniqueConstraintError;
    expect(err).toBeInstanceOf(UniqueConstraintError);
    expect(err.table).toBe('teams');
    expect(err.columns).toEqual(['name']);
    expect(err.sqliteCode).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(err.message).not.toContain(secret);
  });
});

describe('limits (checked before anything is sent)', () => {
  beforeEach(async () => {
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  });

  const qs = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  const nums = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('100 bound parameters run; 101 is LimitExceededError with nothing sent', async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    const ok = await driver.execute(select(`SELECT ${qs(100)}`, nums(100)));
    expect(ok.rows[0]).toHaveLength(100);
    const okBatch = await driver.batch([write(`INSERT INTO t (v) SELECT ? WHERE ? IN (${qs(98)})`, ['a', 1, ...nums(98)])]);
    expect(okBatch[0]?.changes).toBe(1);
    const sent = traffic.prepared.length;

    const err = (await failure(() => driver.execute(select(`SELECT ${qs(101)}`, nums(101))))) as LimitExceededError;
    expect(err).toBeInstanceOf(LimitExceededError);
    expect(err).toMatchObject({ actual: 101, allowed: 100 });
    const batchErr = await failure(() =>
      driver.batch([
        write('INSERT INTO t (v) VALUES (?)', ['first']),
        write(`INSERT INTO t (v) SELECT ? WHERE ? IN (${qs(99)})`, ['b', 1, ...nums(99)]),
      ]),
    );
    expect(batchErr).toBeInstanceOf(LimitExceededError);
    expect(traffic.prepared).toHaveLength(sent);
    expect(traffic.batches).toHaveLength(1);
    expect(await count('t')).toBe(1);
  });

  it('100,000 bytes of SQL run; 100,001 is LimitExceededError with nothing written (UTF-8 bytes, not chars)', async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    const head = "INSERT INTO t (v) VALUES ('";
    const tail = "')";
    const sqlOf = (bytes: number, fill = 'x') => {
      const n = bytes - head.length - tail.length;
      return `${head}${fill.repeat(fill === 'x' ? n : n / utf8Bytes(fill))}${tail}`;
    };
    const exact = sqlOf(100_000);
    expect(utf8Bytes(exact)).toBe(100_000);
    await driver.execute(write(exact));
    // 'é' is 2 bytes: 49,986 of them make 99,972 bytes + 29 ASCII = 100,001 bytes in only 50,015 characters.
    const multibyte = `${head}${'é'.repeat(49_986)}${tail}`;
    expect(multibyte.length).toBeLessThan(100_000);
    expect(utf8Bytes(multibyte)).toBe(100_001);
    const sentBefore = traffic.prepared.length;
    for (const sql of [sqlOf(100_001), multibyte]) {
      const err = (await failure(() => driver.execute(write(sql)))) as LimitExceededError;
      expect(err).toBeInstanceOf(LimitExceededError);
      expect(err).toMatchObject({ actual: 100_001, allowed: 100_000 });
      expect(await failure(() => driver.batch([write("INSERT INTO t (v) VALUES ('ok')"), write(sql)]))).toBeInstanceOf(LimitExceededError);
    }
    expect(traffic.prepared).toHaveLength(sentBefore);
    expect(await count('t')).toBe(1);
  });

  it('string and blob values up to 2,000,000 bytes bind; one byte more is LimitExceededError', async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    await driver.execute(write('INSERT INTO t (v) VALUES (?)', ['x'.repeat(2_000_000)]));
    const sentBefore = traffic.prepared.length;
    const tooBig: SqlValue[] = ['x'.repeat(2_000_001), 'é'.repeat(1_000_001), new Uint8Array(2_000_001)];
    for (const v of tooBig) {
      const err = (await failure(() =>
        driver.batch([write('INSERT INTO t (v) VALUES (?)', ['ok']), write('INSERT INTO t (v) VALUES (?)', [v])]),
      )) as LimitExceededError;
      expect(err).toBeInstanceOf(LimitExceededError);
      expect(err.allowed).toBe(2_000_000);
      expect(err.actual).toBeGreaterThan(2_000_000);
    }
    expect(traffic.prepared).toHaveLength(sentBefore);
    expect(await count('t')).toBe(1);
  });

  it('hand-written SQL that D1 itself rejects on a limit still maps to LimitExceededError', async () => {
    const driver = createEngine(createD1Driver(db));
    const err = await failure(() => driver.execute(select('SELECT ? LIKE ?', ['a', '%'.repeat(60)])));
    expect(err).toBeInstanceOf(LimitExceededError);
  });

  it('exports the limits it checks', () => {
    expect(D1_LIMITS.maxParameters).toBe(100);
  });
});

describe('parameters core should never send', () => {
  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['boolean', true],
    ['Date', new Date(0)],
    ['plain object', { a: 1 }],
  ])('%s → ValidationError, nothing sent', async (_label, value) => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    const err = await failure(() => driver.execute(select('SELECT ?', [value as SqlValue])));
    expect(err).toBeInstanceOf(ValidationError);
    expect(traffic.prepared).toHaveLength(0);
  });
});

describe('error mapping', () => {
  it('no such table → SchemaError; syntax error → DatabaseError with the SQLite code', async () => {
    const driver = createEngine(createD1Driver(db));
    const missing = await failure(() => driver.execute(select('SELECT * FROM nope')));
    expect(missing).toBeInstanceOf(SchemaError);
    const syntax = (await failure(() => driver.execute(select('SELEC 1')))) as DatabaseError;
    expect(syntax).toBeInstanceOf(DatabaseError);
    expect(syntax.sqliteCode).toBe('SQLITE_ERROR');
    expect(syntax.message).toContain('syntax error');
    expect(syntax.message).not.toContain('D1_ERROR');
  });

  it("maps D1's own D1_TYPE_ERROR without repeating the value it quotes", async () => {
    const secret = { toString: () => 'secret-value-4711' };
    let raw: unknown;
    try {
      db.prepare('SELECT ?').bind(secret);
    } catch (e) {
      raw = e;
    }
    expect(String((raw as Error).message)).toContain('secret-value-4711');
    const mapped = mapD1Error(raw);
    expect(mapped).toBeInstanceOf(ValidationError);
    expect(mapped.message).not.toContain('secret-value-4711');
    expect(mapped.cause).toBeUndefined();
  });

  // D1's documented error texts (https://developers.cloudflare.com/d1/observability/debug-d1/#error-list):
  // the transient ones cannot be provoked in Miniflare, so they are mapped from their documented messages.
  it.each([
    ['D1_ERROR: Network connection lost.', ConnectionError],
    ['D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node.', DatabaseError],
    ['D1_ERROR: Durable Object reset because its code was updated.', ConnectionError],
    ['D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.', ConnectionError],
    ['D1_ERROR: D1 DB is overloaded. Too many requests queued.', BusyError],
    ['D1_ERROR: database is locked: SQLITE_BUSY', BusyError],
    ['D1_ERROR: disk I/O error: SQLITE_IOERR (extended: SQLITE_IOERR_WRITE)', ConnectionError],
    ['D1_ERROR: string or blob too big: SQLITE_TOOBIG', LimitExceededError],
    ['D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT', ForeignKeyConstraintError],
    ['D1_EXEC_ERROR: Error in line 1: INSERT INTO t VALUES (1): no such table: t: SQLITE_ERROR', SchemaError],
  ] as const)('%s', (message, Cls) => {
    const mapped = mapD1Error(new Error(message));
    expect(mapped).toBeInstanceOf(Cls);
    expect(mapped.message).not.toMatch(/^D1_/);
  });

  it('wraps anything unrecognised as DatabaseError', () => {
    const driver = createD1Driver(db);
    expect(driver.mapError('weird')).toBeInstanceOf(DatabaseError);
    expect(driver.mapError(new TypeError('boom'))).toBeInstanceOf(DatabaseError);
  });
});

describe('close', () => {
  it('is idempotent; afterwards execute and batch throw EngineClosedError without calling D1', async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createEngine(createD1Driver(binding));
    await driver.close();
    await driver.close();
    expect(await failure(() => driver.execute(select('SELECT 1')))).toBeInstanceOf(EngineClosedError);
    expect(await failure(() => driver.batch([select('SELECT 1')]))).toBeInstanceOf(EngineClosedError);
    expect(await failure(() => driver.batch([]))).toBeInstanceOf(EngineClosedError);
    expect(traffic.prepared).toHaveLength(0);
  });
});

describe('sessions and bookmarks', () => {
  beforeEach(async () => {
    await db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  });

  it('a plain binding has no bookmark', async () => {
    const driver = createD1Driver(db);
    await driver.execute(select('SELECT 1'));
    expect(driver.bookmark?.()).toBeNull();
  });

  it('session option: opens withSession(constraint) and returns the latest bookmark', async () => {
    const { binding, traffic } = countingBinding(db);
    const driver = createD1Driver(binding, { session: 'first-primary' });
    expect(traffic.sessions).toEqual(['first-primary']);
    expect(driver.bookmark?.()).toBeNull(); // no query yet
    await driver.batch([write('INSERT INTO notes (body) VALUES (?)', ['one'])]);
    const first = driver.bookmark?.();
    expect(typeof first).toBe('string');
    await driver.batch([write('INSERT INTO notes (body) VALUES (?)', ['two'])]);
    const second = driver.bookmark?.();
    expect(typeof second).toBe('string');
    expect((second as string).localeCompare(first as string)).toBeGreaterThan(0);

    // The next request resumes from the bookmark and sees both writes.
    const next = createD1Driver(db, { session: second as string });
    const res = await next.execute(select('SELECT body FROM notes ORDER BY id', [], ['body']));
    expect(res.rows).toEqual([['one'], ['two']]);
    expect(next.bookmark?.()).toEqual(expect.any(String));
  });

  it('accepts a session opened by the caller', async () => {
    const driver = createD1Driver(db.withSession('first-unconstrained'));
    await driver.execute(select('SELECT 1'));
    expect(driver.bookmark?.()).toEqual(expect.any(String));
  });

  it('refuses a session option it cannot honour', () => {
    expect(() => createD1Driver(db.withSession('first-primary'), { session: 'first-primary' })).toThrow(ConfigurationError);
    expect(() => createD1Driver(db, { session: '  ' })).toThrow(ConfigurationError);
  });
});
