import type { Driver, Statement } from '@litedao/core';
import {
  ConfigurationError,
  DatabaseError,
  ForeignKeyConstraintError,
  NotNullConstraintError,
  StorageUnavailableError,
} from '@litedao/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWasmDriver, createWorkerDriver, type WasmDriver } from '../../src/index.ts';

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
    expect(driver.capabilities).toEqual({
      interactiveTransactions: true,
      bigint: true,
      expectations: true,
      remote: false,
      repeat: true,
      countByReturning: false,
    });
    expect(driver.limits?.maxParameters).toBe(32766);
    expect(typeof driver.transaction).toBe('function');
    expect((driver as WasmDriver).storage).toBe('memory');
    expect((driver as WasmDriver).sqliteVersion).toBe('3.54.1');
  });

  it('reads INTEGERs as bigint when the statement asks for it, leaving REAL and TEXT alone', async () => {
    const result = await driver.execute(st("SELECT 1, 2.5, '3', NULL, 9007199254740993", [], { bigints: true }));
    expect(result.rows[0]).toEqual([1n, 2.5, '3', null, 9007199254740993n]);
    const plain = await driver.execute(st('SELECT 1, 9007199254740993'));
    expect(plain.rows[0]).toEqual([1, 9007199254740993n]);
  });

  it('refuses a wrong parameter count instead of binding NULLs', async () => {
    const error = await driver.execute(st('SELECT ?, ?', [1])).catch((e) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.sqliteCode).toBe('SQLITE_RANGE');
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

  it('sees new columns after a schema change (re-prepared cached statement)', async () => {
    await driver.execute(st('CREATE TABLE s (a INTEGER)'));
    await driver.execute(st('INSERT INTO s VALUES (1)'));
    expect((await driver.execute(st('SELECT * FROM s'))).columns).toEqual(['a']);
    await driver.execute(st('ALTER TABLE s ADD COLUMN b TEXT'));
    const after = await driver.execute(st('SELECT * FROM s'));
    expect(after.columns).toEqual(['a', 'b']);
    expect(after.rows).toEqual([[1, null]]);
  });
});

describe('createWasmDriver options', () => {
  it('refuses file names: sqlite-wasm has no persistent storage outside OPFS', async () => {
    await expect(createWasmDriver({ filename: '/app.db' })).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it.each([[{ statementCacheSize: -1 }], [{ statementCacheSize: 2.5 }], [{ filename: 5 }], [{ fileName: ':memory:' }], ['memory']])(
    'refuses %o with ConfigurationError (an option is never ignored or misread)',
    async (options) => {
      await expect(createWasmDriver(options as never)).rejects.toBeInstanceOf(ConfigurationError);
    },
  );

  it('refuses bad createWorkerDriver options before sending anything to the Worker', async () => {
    const sent: unknown[] = [];
    const worker = { postMessage: (m: unknown) => sent.push(m), addEventListener() {}, removeEventListener() {} };
    for (const options of [
      {},
      { filename: '' },
      { filename: '/a.db', acquireTimeoutMs: -5 },
      { filename: '/a.db', vfs: { initialCapacity: 'x' } },
      { filename: '/a.db', vfs: { nmae: 'x' } },
      { filename: '/a.db', statementcachesize: 3 },
    ]) {
      await expect(createWorkerDriver(worker as never, options as never), JSON.stringify(options)).rejects.toBeInstanceOf(
        ConfigurationError,
      );
    }
    expect(sent).toEqual([]);
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
  it('binds every JS number as REAL, as better-sqlite3, D1 and Durable Objects do: no wrapped int64 (sqlite-wasm binds integral ones as int64); bigints as INTEGER', async () => {
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
      [Number.MAX_SAFE_INTEGER, 'real'],
      [-(2 ** 31) - 1, 'real'],
      [0.5, 'real'],
    ]);
    const b = await d.execute(st('SELECT ?, typeof(?), ? / ?', [7n, 7n, 7n, 2n]));
    expect(b.rows[0]).toEqual([7, 'integer', 3]);
    await d.close();
  });
});
