import type { Driver, Statement, TransactionDriver } from '@litedao/core';
import {
  CheckConstraintError,
  ConfigurationError,
  ConnectionError,
  ConstraintError,
  DatabaseError,
  ForeignKeyConstraintError,
  NotNullConstraintError,
  SchemaError,
  StateError,
  StorageUnavailableError,
  UniqueConstraintError,
} from '@litedao/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWasmDriver, type WasmDriver } from '../../src/index.ts';

const st = (sql: string, params: Statement['params'] = [], extra: Partial<Statement> = {}): Statement => ({
  sql,
  params,
  ...extra,
});

let driver: Driver;

beforeEach(async () => {
  driver = await createWasmDriver();
  await driver.execute(st('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0))'));
  await driver.execute(st('CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), title TEXT)'));
});

afterEach(async () => {
  await driver.close();
});

describe('createWasmDriver (in-process, :memory:)', () => {
  it('reports its name, capabilities and limits', () => {
    expect(driver.name).toBe('sqlite-wasm');
    expect(driver.capabilities).toEqual({ interactiveTransactions: true, bigint: true });
    expect(driver.limits.maxParameters).toBe(32766);
    expect(typeof driver.transaction).toBe('function');
    expect((driver as WasmDriver).storage).toBe('memory');
    expect((driver as WasmDriver).sqliteVersion).toBe('3.54.1');
  });

  it('round-trips every SqlValue type', async () => {
    await driver.execute(st('CREATE TABLE vals (i INTEGER, r REAL, t TEXT, b BLOB, n INTEGER, big INTEGER, e BLOB)'));
    const blob = new Uint8Array([0, 1, 2, 255]);
    const big = 2n ** 60n + 7n;
    await driver.execute(st('INSERT INTO vals VALUES (?, ?, ?, ?, ?, ?, ?)', [42, 1.5, 'héllo 🌍', blob, null, big, new Uint8Array(0)]));
    const result = await driver.execute(st('SELECT i, r, t, b, n, big, e FROM vals'));
    expect(result.columns).toEqual(['i', 'r', 't', 'b', 'n', 'big', 'e']);
    expect(result.changes).toBe(0);
    const [row] = result.rows;
    expect(row?.slice(0, 3)).toEqual([42, 1.5, 'héllo 🌍']);
    expect(row?.[3]).toBeInstanceOf(Uint8Array);
    expect(Array.from(row?.[3] as Uint8Array)).toEqual([0, 1, 2, 255]);
    expect(row?.[4]).toBeNull();
    expect(row?.[5]).toBe(big);
    expect(row?.[6]).toBeInstanceOf(Uint8Array);
    expect(row?.[6]).toEqual(new Uint8Array(0));
  });

  it('reads INTEGERs as bigint when the statement asks for it, leaving REAL and TEXT alone', async () => {
    const result = await driver.execute(st("SELECT 1, 2.5, '3', NULL, 9007199254740993", [], { bigints: true }));
    expect(result.rows[0]).toEqual([1n, 2.5, '3', null, 9007199254740993n]);
    const plain = await driver.execute(st('SELECT 1, 9007199254740993'));
    expect(plain.rows[0]).toEqual([1, 9007199254740993n]);
  });

  it('reports changes and lastInsertRowid for writes, and 0 changes for DDL after a write', async () => {
    const insert = await driver.execute(st('INSERT INTO users (email, age) VALUES (?, ?), (?, ?)', ['a@x', 1, 'b@x', 2]));
    expect(insert.changes).toBe(2);
    expect(insert.lastInsertRowid).toBe(2);
    expect(insert.rows).toEqual([]);
    expect(insert.columns).toBeUndefined();
    const update = await driver.execute(st('UPDATE users SET age = age + 1'));
    expect(update.changes).toBe(2);
    const ddl = await driver.execute(st('CREATE INDEX users_age ON users(age)'));
    expect(ddl.changes).toBe(0);
    const none = await driver.execute(st('DELETE FROM users WHERE id = ?', [999]));
    expect(none.changes).toBe(0);
  });

  it('returns rows and columns for writes with RETURNING', async () => {
    const result = await driver.execute(
      st('INSERT INTO users (email, age) VALUES (?, ?) RETURNING id, email', ['r@x', 5], { returnsRows: true }),
    );
    expect(result.columns).toEqual(['id', 'email']);
    expect(result.rows).toEqual([[1, 'r@x']]);
    expect(result.changes).toBe(1);
  });

  it('maps constraint failures to the typed error classes with table and columns', async () => {
    await driver.execute(st('INSERT INTO users (email, age) VALUES (?, ?)', ['a@x', 1]));
    const unique = await driver.execute(st('INSERT INTO users (email, age) VALUES (?, ?)', ['a@x', 2])).catch((e) => e);
    expect(unique).toBeInstanceOf(UniqueConstraintError);
    expect(unique).toBeInstanceOf(ConstraintError);
    expect(unique.sqliteCode).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(unique.table).toBe('users');
    expect(unique.columns).toEqual(['email']);
    expect(unique.message).not.toContain('a@x');

    const notNull = await driver.execute(st('INSERT INTO users (email) VALUES (?)', [null])).catch((e) => e);
    expect(notNull).toBeInstanceOf(NotNullConstraintError);
    const check = await driver.execute(st('INSERT INTO users (email, age) VALUES (?, ?)', ['c@x', -1])).catch((e) => e);
    expect(check).toBeInstanceOf(CheckConstraintError);
  });

  it('enforces foreign keys (sqlite-wasm leaves them off by default)', async () => {
    const error = await driver.execute(st('INSERT INTO posts (user_id, title) VALUES (?, ?)', [12345, 't'])).catch((e) => e);
    expect(error).toBeInstanceOf(ForeignKeyConstraintError);
    const fk = await driver.execute(st('PRAGMA foreign_keys'));
    expect(fk.rows).toEqual([[1]]);
  });

  it('maps a missing table to SchemaError and keeps SQLite errors as DatabaseError', async () => {
    await expect(driver.execute(st('SELECT * FROM nope'))).rejects.toBeInstanceOf(SchemaError);
    const syntax = await driver.execute(st('SELEC 1')).catch((e) => e);
    expect(syntax).toBeInstanceOf(DatabaseError);
    expect(syntax.sqliteCode).toBe('SQLITE_ERROR');
    expect(syntax.message).toContain('syntax error');
    expect(syntax.message).not.toMatch(/sqlite3 result code/);
  });

  it('refuses a wrong parameter count instead of binding NULLs', async () => {
    const error = await driver.execute(st('SELECT ?, ?', [1])).catch((e) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.sqliteCode).toBe('SQLITE_RANGE');
  });

  it('refuses several statements in one SQL text instead of silently running only the first', async () => {
    await expect(driver.execute(st('SELECT 1; SELECT 2'))).rejects.toBeInstanceOf(DatabaseError);
    const ok = await driver.execute(st('SELECT 1; -- trailing comment\n /* and another */ ;'));
    expect(ok.rows).toEqual([[1]]);
  });

  it('batch: applies every statement in one transaction and returns results in order', async () => {
    const results = await driver.batch([
      st('INSERT INTO users (email, age) VALUES (?, ?)', ['a@x', 1]),
      st('INSERT INTO posts (user_id, title) VALUES (?, ?)', [1, 'hello']),
      st('SELECT count(*) FROM posts'),
    ]);
    expect(results.map((r) => r.changes)).toEqual([1, 1, 0]);
    expect(results[2]?.rows).toEqual([[1]]);
    expect(await driver.batch([])).toEqual([]);
  });

  it('batch: a failure in the middle rolls back the statements before it', async () => {
    await driver.execute(st('INSERT INTO users (email, age) VALUES (?, ?)', ['keep@x', 1]));
    const error = await driver
      .batch([
        st('INSERT INTO users (email, age) VALUES (?, ?)', ['new@x', 1]),
        st('UPDATE users SET age = 99'),
        st('INSERT INTO users (email, age) VALUES (?, ?)', ['keep@x', 2]),
        st('INSERT INTO users (email, age) VALUES (?, ?)', ['never@x', 3]),
      ])
      .catch((e) => e);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    const rows = await driver.execute(st('SELECT email, age FROM users ORDER BY id'));
    expect(rows.rows).toEqual([['keep@x', 1]]);
    // The connection is usable (not stuck inside a transaction).
    await driver.batch([st('INSERT INTO users (email, age) VALUES (?, ?)', ['after@x', 1])]);
    expect((await driver.execute(st('SELECT count(*) FROM users'))).rows).toEqual([[2]]);
  });

  it('batch: a deferred foreign key failing at COMMIT rolls the whole batch back', async () => {
    await driver.execute(
      st('CREATE TABLE deferred (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED)'),
    );
    const error = await driver
      .batch([st('INSERT INTO users (email, age) VALUES (?, ?)', ['d@x', 1]), st('INSERT INTO deferred (user_id) VALUES (?)', [777])])
      .catch((e) => e);
    expect(error).toBeInstanceOf(ForeignKeyConstraintError);
    expect((await driver.execute(st('SELECT count(*) FROM users'))).rows).toEqual([[0]]);
    await driver.execute(st('INSERT INTO users (email, age) VALUES (?, ?)', ['e@x', 1]));
  });

  it('transaction: commits on success, rolls back on throw', async () => {
    const value = await driver.transaction?.(async (tx) => {
      await tx.execute(st('INSERT INTO users (email, age) VALUES (?, ?)', ['t1@x', 1]));
      const r = await tx.execute(st('SELECT count(*) FROM users'));
      return r.rows[0]?.[0];
    });
    expect(value).toBe(1);
    const boom = new Error('boom');
    await expect(
      driver.transaction?.(async (tx) => {
        await tx.execute(st('INSERT INTO users (email, age) VALUES (?, ?)', ['t2@x', 1]));
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await driver.execute(st('SELECT email FROM users'))).rows).toEqual([['t1@x']]);
  });

  it('transaction: a batch inside it is atomic on its own (savepoint) and the transaction can go on', async () => {
    await driver.transaction?.(async (tx) => {
      await tx.execute(st('INSERT INTO users (email, age) VALUES (?, ?)', ['a@x', 1]));
      await expect(
        tx.batch([st('INSERT INTO users (email, age) VALUES (?, ?)', ['b@x', 1]), st('INSERT INTO users (email) VALUES (NULL)')]),
      ).rejects.toBeInstanceOf(NotNullConstraintError);
      await tx.batch([st('INSERT INTO users (email, age) VALUES (?, ?)', ['c@x', 1])]);
    });
    expect((await driver.execute(st('SELECT email FROM users ORDER BY id'))).rows).toEqual([['a@x'], ['c@x']]);
  });

  it('transaction: nesting and use after the end are state errors', async () => {
    let leaked: TransactionDriver | undefined;
    await driver.transaction?.(async (tx) => {
      leaked = tx;
      await expect(driver.transaction?.(async () => 1)).rejects.toBeInstanceOf(StateError);
    });
    await expect(leaked?.execute(st('SELECT 1'))).rejects.toBeInstanceOf(StateError);
  });

  it('sees new columns after a schema change (re-prepared cached statement)', async () => {
    await driver.execute(st('CREATE TABLE s (a INTEGER)'));
    await driver.execute(st('INSERT INTO s VALUES (1)'));
    expect((await driver.execute(st('SELECT * FROM s'))).columns).toEqual(['a']);
    await driver.execute(st('ALTER TABLE s ADD COLUMN b TEXT'));
    const after = await driver.execute(st('SELECT * FROM s'));
    expect(after.columns).toEqual(['a', 'b']);
    expect(after.rows).toEqual([[1, null]]);
  });

  it('close is idempotent and later calls fail with ConnectionError', async () => {
    await driver.close();
    await driver.close();
    await expect(driver.execute(st('SELECT 1'))).rejects.toBeInstanceOf(ConnectionError);
  });

  it('mapError passes litedao errors through and maps anything else', () => {
    const dao = new StateError('x');
    expect(driver.mapError(dao)).toBe(dao);
    expect(driver.mapError(new Error('UNIQUE constraint failed: users.email'))).toBeInstanceOf(UniqueConstraintError);
    expect(driver.mapError('weird')).toBeInstanceOf(DatabaseError);
  });
});

describe('createWasmDriver options', () => {
  it('refuses file names: sqlite-wasm has no persistent storage outside OPFS', async () => {
    await expect(createWasmDriver({ filename: '/app.db' })).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('requires the sqlite3 namespace along with a given database', async () => {
    await expect(createWasmDriver({ database: {} as never })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('works with the statement cache disabled and with a tiny cache (eviction finalizes)', async () => {
    for (const size of [0, 2]) {
      const d = await createWasmDriver({ statementCacheSize: size });
      for (let i = 0; i < 20; i++) {
        const r = await d.execute(st(`SELECT ${i % 5} + ?`, [1]));
        expect(r.rows).toEqual([[(i % 5) + 1]]);
      }
      await d.close();
    }
  });
});

describe('binding numbers', () => {
  it('stores integral doubles beyond 2^53 as REAL, not as a wrapped int64 (sqlite-wasm binds them as int64)', async () => {
    const d = await createWasmDriver();
    const values = [-1.5e300, 1e20, 2 ** 63, -(2 ** 64), 2 ** 53, Number.MAX_SAFE_INTEGER, -(2 ** 31) - 1, 0.5];
    const r = await d.execute(
      st(
        `SELECT ${values.map(() => '?, typeof(?)').join(', ')}`,
        values.flatMap((v) => [v, v]),
      ),
    );
    const row = r.rows[0] ?? [];
    const got = values.map((_, i) => [row[2 * i], row[2 * i + 1]]);
    expect(got).toEqual([
      [-1.5e300, 'real'],
      [1e20, 'real'],
      [2 ** 63, 'real'],
      [-(2 ** 64), 'real'],
      [2 ** 53, 'real'],
      [Number.MAX_SAFE_INTEGER, 'integer'],
      [-(2 ** 31) - 1, 'integer'],
      [0.5, 'real'],
    ]);
    await d.close();
  });
});
