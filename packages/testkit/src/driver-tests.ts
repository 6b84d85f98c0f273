/**
 * The driver-level conformance suite: what every adapter's driver, wrapped by core's runtime driver (through
 * an engine), must do the same way — value round-trips, changes and last ids, RETURNING counts, atomic
 * batches, post-conditions, constraint classes, the one-statement rule, close twice, and the transaction
 * handle's guards. Per-adapter test files keep only what is truly adapter-specific.
 */
import {
  CheckConstraintError,
  ConstraintError,
  createEngine,
  DatabaseError,
  type Driver,
  type Engine,
  EngineClosedError,
  type Executor,
  ForeignKeyConstraintError,
  NotNullConstraintError,
  SchemaError,
  StaleDataError,
  type Statement,
  sql,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConformanceTarget, rejectsWith } from './harness.ts';

const st = (sql: string, params: Statement['params'] = [], extra: Partial<Statement> = {}): Statement => ({ sql, params, ...extra });

const SCHEMA = [
  'CREATE TABLE d_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0))',
  'CREATE TABLE d_posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES d_users(id), title TEXT)',
];

async function count(engine: Executor, table = 'd_users'): Promise<number> {
  return Number((await engine.execute(st(`SELECT count(*) AS n FROM ${table}`, [], { columns: ['n'] }))).rows[0]?.[0]);
}

export function driverTests(target: ConformanceTarget): void {
  describe('driver contract (through the runtime driver)', () => {
    let driver: Driver;
    let engine: Engine;

    beforeEach(async () => {
      driver = await target.createDriver();
      engine = createEngine(driver);
      const tables = await engine.execute(st("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'd\\_%' ESCAPE '\\'"));
      const drops = tables.rows.map((r) => st(`DROP TABLE IF EXISTS "${String(r[0])}"`));
      await engine.batch([st('PRAGMA defer_foreign_keys = ON'), ...drops, ...SCHEMA.map((s) => st(s))]);
    });

    afterEach(async () => {
      await engine.close();
    });

    it('round-trips every SqlValue type', async () => {
      await engine.execute(st('CREATE TABLE d_vals (i INTEGER, r REAL, t TEXT, b BLOB, n INTEGER, e BLOB)'));
      await engine.execute(
        st('INSERT INTO d_vals VALUES (?, ?, ?, ?, ?, ?)', [
          42,
          1.5,
          'héllo 🌍 𝌆',
          new Uint8Array([0, 1, 2, 255]),
          null,
          new Uint8Array(0),
        ]),
      );
      const result = await engine.execute(st('SELECT i, r, t, b, n, e FROM d_vals', [], { columns: ['i', 'r', 't', 'b', 'n', 'e'] }));
      expect(result.columns).toEqual(['i', 'r', 't', 'b', 'n', 'e']);
      expect(result.changes).toBe(0);
      const row = result.rows[0] ?? [];
      expect(row.slice(0, 3)).toEqual([42, 1.5, 'héllo 🌍 𝌆']);
      expect(Array.from(row[3] as Uint8Array)).toEqual([0, 1, 2, 255]);
      expect(row[3]).toBeInstanceOf(Uint8Array);
      expect(row[4]).toBeNull();
      expect(row[5]).toBeInstanceOf(Uint8Array);
      expect((row[5] as Uint8Array).byteLength).toBe(0);
    });

    it('binds and reads 64-bit integers exactly where the adapter can, and refuses them with a typed error where it cannot', async () => {
      const big = 2n ** 60n + 7n;
      if (engine.capabilities.bigint) {
        const r = await engine.execute(st('SELECT ? AS a, 1 AS b', [big], { bigints: true, columns: ['a', 'b'] }));
        expect(r.rows[0]).toEqual([big, 1n]);
      } else {
        await rejectsWith(engine.execute(st('SELECT ? AS a', [big], { columns: ['a'] })), UnsupportedError);
      }
    });

    it('reports changes and lastInsertRowid for writes, and 0 changes for DDL after a write', async () => {
      const insert = await engine.execute(
        st('INSERT INTO d_users (email, age) VALUES (?, ?), (?, ?)', ['a@x', 1, 'b@x', 2], { returnsRows: false }),
      );
      expect(insert.changes).toBe(2);
      expect(Number(insert.lastInsertRowid)).toBe(2);
      expect(insert.rows).toEqual([]);
      expect((await engine.execute(st('UPDATE d_users SET age = age + 1', [], { returnsRows: false }))).changes).toBe(2);
      expect((await engine.execute(st('CREATE INDEX d_users_age ON d_users(age)', [], { returnsRows: false }))).changes).toBe(0);
      expect((await engine.execute(st('DELETE FROM d_users WHERE id = ?', [999], { returnsRows: false }))).changes).toBe(0);
    });

    it('returns rows, columns and the changed-row count for writes with RETURNING', async () => {
      const r = await engine.execute(
        st('INSERT INTO d_users (email, age) VALUES (?, ?), (?, ?) RETURNING id, email', ['r@x', 5, 's@x', 6], {
          returnsRows: true,
          columns: ['id', 'email'],
        }),
      );
      expect(r.columns).toEqual(['id', 'email']);
      expect(r.rows).toEqual([
        [1, 'r@x'],
        [2, 's@x'],
      ]);
      expect(r.changes).toBe(2);
    });

    it('maps constraint failures to the same typed classes, naming table and columns and never the values', async () => {
      await engine.execute(st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['secret@x', 1]));
      const unique = await rejectsWith(
        engine.execute(st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['secret@x', 2])),
        UniqueConstraintError,
      );
      expect(unique).toBeInstanceOf(ConstraintError);
      expect(unique.table).toBe('d_users');
      expect(unique.columns).toEqual(['email']);
      expect(unique.message).not.toContain('secret');
      const notNull = await rejectsWith(engine.execute(st('INSERT INTO d_users (email) VALUES (?)', [null])), NotNullConstraintError);
      expect(notNull.message).toContain('NOT NULL');
      await rejectsWith(engine.execute(st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['c@x', -1])), CheckConstraintError);
      await rejectsWith(engine.execute(st('INSERT INTO d_posts (user_id, title) VALUES (?, ?)', [12345, 't'])), ForeignKeyConstraintError);
      expect((await engine.execute(st('PRAGMA foreign_keys'))).rows).toEqual([[1]]);
    });

    it('maps a missing table to SchemaError and other SQLite errors to DatabaseError', async () => {
      await rejectsWith(engine.execute(st('SELECT * FROM d_nope')), SchemaError);
      const syntax = await rejectsWith(engine.execute(st('SELEC 1')), DatabaseError);
      expect(syntax.message).toContain('syntax error');
    });

    it('refuses more than one statement per text, and transaction control, before any driver sees them', async () => {
      for (const text of ['SELECT 1; SELECT 2', 'SELECT 1; DROP TABLE d_users', 'SELECT 1;;SELECT 2 -- x']) {
        await rejectsWith(engine.execute(st(text)), ValidationError);
      }
      for (const text of ['BEGIN', 'COMMIT', 'end transaction', ' /* c */ ROLLBACK', 'SAVEPOINT a', 'RELEASE a']) {
        await rejectsWith(engine.execute(st(text)), ValidationError);
        await rejectsWith(engine.batch([st(text)]), ValidationError);
      }
      expect(await count(engine)).toBe(0);
      const ok = await engine.execute(st('SELECT 1 AS one; -- trailing comment\n /* and another */ ;', [], { columns: ['one'] }));
      expect(ok.rows).toEqual([[1]]);
    });

    it('batch: all or nothing — a failure in the middle rolls back the statements before it; [] for an empty batch', async () => {
      await engine.execute(st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['keep@x', 1]));
      await rejectsWith(
        engine.batch([
          st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['new@x', 1]),
          st('UPDATE d_users SET age = 99'),
          st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['keep@x', 2]),
          st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['never@x', 3]),
        ]),
        UniqueConstraintError,
      );
      expect((await engine.execute(st('SELECT email, age FROM d_users ORDER BY id', [], { columns: ['email', 'age'] }))).rows).toEqual([
        ['keep@x', 1],
      ]);
      expect(await engine.batch([])).toEqual([]);
      await engine.batch([st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['after@x', 1])]);
      expect(await count(engine)).toBe(2);
    });

    it('batch: a failed post-condition aborts the whole batch inside the database with StaleDataError', async () => {
      await engine.execute(st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['a@x', 1]));
      const err = await rejectsWith(
        engine.batch([
          st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['b@x', 2]),
          st('UPDATE d_users SET age = 5 WHERE id = ?', [999], { expect: { changes: 1, table: 'd_users', id: 999, verb: 'update' } }),
          st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['c@x', 3]),
        ]),
        StaleDataError,
      );
      expect(err.table).toBe('d_users');
      expect(err.id).toBe(999);
      expect(err.message).toContain('expected to update 1 row(s)');
      expect(await count(engine)).toBe(1);
      // Satisfied post-conditions change nothing about the results the caller sees.
      const ok = await engine.batch([
        st('UPDATE d_users SET age = 7 WHERE id = ?', [1], { expect: { changes: 1, table: 'd_users', id: 1, verb: 'update' } }),
        st('SELECT age FROM d_users', [], { columns: ['age'] }),
      ]);
      expect(ok.length).toBe(2);
      expect(ok[0]?.changes).toBe(1);
      expect(ok[1]?.rows).toEqual([[7]]);
    });

    it('close is idempotent and every later call fails with EngineClosedError', async () => {
      await engine.close();
      await engine.close();
      await rejectsWith(engine.execute(st('SELECT 1')), EngineClosedError);
      await rejectsWith(engine.batch([st('SELECT 1')]), EngineClosedError);
    });

    it('interactive transactions where the adapter has them; UnsupportedError where it does not', async () => {
      if (!engine.capabilities.interactiveTransactions) {
        await rejectsWith(
          engine.transaction(async () => 1),
          UnsupportedError,
        );
        return;
      }
      const boom = new Error('boom');
      const thrown = await engine
        .transaction(async (s) => {
          await s.execute(sqlOf('INSERT INTO d_users (email, age) VALUES (?, ?)', ['t@x', 1]));
          throw boom;
        })
        .catch((e: unknown) => e);
      expect(thrown).toBe(boom); // the caller's own error, the same object
      expect(await count(engine)).toBe(0);
    });
  });
}

/** A raw query from text and values, through the `sql` tag's runtime form. */
function sqlOf(text: string, values: readonly unknown[]) {
  const parts = text.split('?');
  return sql(Object.assign(parts, { raw: parts }) as unknown as TemplateStringsArray, ...values);
}
