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
  type SqlValue,
  StaleDataError,
  type Statement,
  sql,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
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

    it("batch: a repeated statement runs once per slice of its values — natively or one by one — with each run's changes, in order, all or nothing", async () => {
      const SEEDED = 6;
      const bump = 'UPDATE d_users SET age = age + ? WHERE id = ?';
      // A batch: repeated UPDATEs (ids 1–8: some match no row), single UPDATEs and reads between them.
      const item = fc.oneof(
        fc.record({
          k: fc.constant('repeat' as const),
          runs: fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 7 }),
        }),
        // Wider runs (1 to 20 values each, every way a driver may bind them), with blobs and text among them.
        fc.record({
          k: fc.constant('wide' as const),
          terms: fc.integer({ min: 0, max: 19 }),
          runs: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 5 }),
        }),
        // Repeated with RETURNING (how core counts its UPDATEs on D1 and Durable Objects): each run counted by its rows.
        fc.record({
          k: fc.constant('returning' as const),
          runs: fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 7 }),
        }),
        fc.record({ k: fc.constant('single' as const), inc: fc.integer({ min: 1, max: 9 }), id: fc.integer({ min: 1, max: 8 }) }),
        fc.constant({ k: 'read' as const }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 6 }), fc.boolean(), async (items, logged) => {
          const events: string[] = [];
          // The same database through a second engine that logs (the driver stays open when it closes).
          const shared: Driver = {
            name: driver.name,
            capabilities: { ...driver.capabilities, interactiveTransactions: false },
            limits: driver.limits,
            execute: (x) => driver.execute(x),
            batch: (x) => driver.batch(x),
            close: async () => {},
            mapError: (e) => driver.mapError(e),
          };
          const runner = logged ? createEngine(shared, { logger: (e) => events.push(e.sql) }) : engine;
          try {
            await runner.batch([st('DELETE FROM d_posts'), st('DELETE FROM d_users')]);
            await runner.batch(
              Array.from({ length: SEEDED }, (_, i) => st('INSERT INTO d_users (id, email, age) VALUES (?, ?, 0)', [i + 1, `u${i + 1}@x`])),
            );
            const ages = new Map(Array.from({ length: SEEDED }, (_, i) => [i + 1, 0]));
            const statements: Statement[] = [];
            const expected: (number[] | number | string)[] = [];
            for (const it of items) {
              if (it.k === 'wide') {
                // age = age + ? + … : after the increment, `terms` values in turn a 1, a blob and a text (their lengths).
                const extra = Array.from({ length: it.terms }, (_, t) => (t % 3 === 0 ? ' + ?' : ' + length(?)'));
                const text = `UPDATE d_users SET age = age + ?${extra.join('')} WHERE id = ?`;
                const values: SqlValue[] = [];
                const want: number[] = [];
                for (const [inc, id] of it.runs) {
                  values.push(inc);
                  let add = inc;
                  for (let t = 0; t < it.terms; t++) {
                    values.push(t % 3 === 0 ? 1 : t % 3 === 1 ? new Uint8Array(t) : 'x'.repeat(t));
                    add += t % 3 === 0 ? 1 : t;
                  }
                  values.push(id);
                  const age = ages.get(id);
                  if (age !== undefined) ages.set(id, age + add);
                  want.push(age === undefined ? 0 : 1);
                }
                statements.push(st(text, values, { repeat: it.runs.length, returnsRows: false }));
                expected.push(want);
              } else if (it.k === 'repeat' || it.k === 'returning') {
                statements.push(
                  it.k === 'repeat'
                    ? st(bump, it.runs.flat(), { repeat: it.runs.length, returnsRows: false })
                    : st(`${bump} RETURNING id`, it.runs.flat(), { repeat: it.runs.length, returnsRows: true, columns: ['id'] }),
                );
                expected.push(
                  it.runs.map(([inc, id]) => {
                    const age = ages.get(id);
                    if (age === undefined) return 0;
                    ages.set(id, age + inc);
                    return 1;
                  }),
                );
              } else if (it.k === 'single') {
                statements.push(st(bump, [it.inc, it.id]));
                const age = ages.get(it.id);
                if (age !== undefined) ages.set(it.id, age + it.inc);
                expected.push(age === undefined ? 0 : 1);
              } else {
                statements.push(st('SELECT group_concat(age) AS a FROM (SELECT age FROM d_users ORDER BY id)', [], { columns: ['a'] }));
                expected.push([...ages.values()].join(','));
              }
            }
            const results = await runner.batch(statements);
            expect(results.length).toBe(statements.length);
            results.forEach((r, i) => {
              const want = expected[i];
              if (Array.isArray(want)) {
                expect(r.changesEach).toEqual(want);
                expect(r.changes).toBe(want.reduce((a, b) => a + b, 0));
                expect(r.rows).toEqual([]);
              } else if (typeof want === 'number') expect(r.changes).toBe(want);
              else expect(r.rows).toEqual([[want]]);
            });
            const stored = await runner.execute(st('SELECT id, age FROM d_users ORDER BY id', [], { columns: ['id', 'age'] }));
            expect(stored.rows).toEqual([...ages.entries()].map(([id, age]) => [id, age]));
            // A logger sees every run as its own statement, with its own values.
            if (logged) {
              const sent = items.reduce((n, it) => n + (it.k === 'single' || it.k === 'read' ? 1 : it.runs.length), 0);
              expect(events.length).toBe(2 + SEEDED + sent + 1);
            }
          } finally {
            if (logged) await runner.close();
          }
        }),
        { numRuns: 25 },
      );
      // A run that fails rolls back the runs before it and everything else in the batch.
      const before = (await engine.execute(st('SELECT id, age FROM d_users ORDER BY id', [], { columns: ['id', 'age'] }))).rows;
      await rejectsWith(
        engine.batch([
          st(bump, [1, 1, 1, 2], { repeat: 2, returnsRows: false }),
          st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['r1@x', 1, 'r2@x', 2, 'u1@x', 3], { repeat: 3, returnsRows: false }),
        ]),
        UniqueConstraintError,
      );
      expect((await engine.execute(st('SELECT id, age FROM d_users ORDER BY id', [], { columns: ['id', 'age'] }))).rows).toEqual(before);
      // A post-condition after repeated statements still names its own statement.
      const stale = await rejectsWith(
        engine.batch([
          st(bump, [1, 1, 1, 2, 1, 3], { repeat: 3, returnsRows: false }),
          st(bump, [1, 999], { expect: { changes: 1, table: 'd_users', id: 999, verb: 'update' } }),
        ]),
        StaleDataError,
      );
      expect(stale.id).toBe(999);
      expect((await engine.execute(st('SELECT id, age FROM d_users ORDER BY id', [], { columns: ['id', 'age'] }))).rows).toEqual(before);
    });

    it("a write's row count is its own rows: not those its triggers or foreign-key actions changed", async () => {
      await engine.batch([
        st('CREATE TABLE d_parent (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)'),
        st(
          'CREATE TABLE d_child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES d_parent(id) ON DELETE CASCADE, seen INTEGER NOT NULL DEFAULT 0)',
        ),
        st(
          'CREATE TRIGGER d_parent_touch AFTER UPDATE ON d_parent FOR EACH ROW BEGIN UPDATE d_child SET seen = seen + 1 WHERE parent_id = NEW.id; END',
        ),
        st(
          'CREATE TRIGGER d_parent_audit AFTER INSERT ON d_parent FOR EACH ROW BEGIN INSERT INTO d_child (parent_id) VALUES (NEW.id), (NEW.id), (NEW.id); END',
        ),
      ]);
      // Each insert adds three children through its trigger: the count is still one row per insert.
      const inserted = await engine.batch([
        st('INSERT INTO d_parent (id, n) VALUES (?, 0)', [1], { returnsRows: false }),
        st('INSERT INTO d_parent (id, n) VALUES (?, 0), (?, 0)', [2, 3], { returnsRows: false }),
        st('INSERT INTO d_parent (id, n) VALUES (?, 0), (?, 0)', [4, 5, 6, 7], { returnsRows: false, repeat: 2 }),
      ]);
      expect(inserted.map((r) => r.changes)).toEqual([1, 2, 4]);
      expect(inserted[2]?.changesEach).toEqual([2, 2]);
      expect(await count(engine, 'd_child')).toBe(21);
      // An update whose trigger changes three child rows; raw SQL (returnsRows unknown) and core's form alike.
      const raw = await engine.execute(st('UPDATE d_parent SET n = n + 1 WHERE id = ?', [1]));
      expect(raw.changes).toBe(1);
      const built = await engine.execute(st('UPDATE d_parent SET n = n + 1 WHERE id = ?', [1], { returnsRows: false }));
      expect(built.changes).toBe(1);
      const returning = await engine.execute(
        st('UPDATE d_parent SET n = n + 1 WHERE id <= ? RETURNING id', [2], { returnsRows: true, columns: ['id'] }),
      );
      expect([returning.changes, returning.rows.length]).toEqual([2, 2]);
      // A delete whose foreign-key action removes three children per parent.
      const [one, none, two, each] = await engine.batch([
        st('DELETE FROM d_parent WHERE id = ?', [1], { returnsRows: false }),
        st('DELETE FROM d_parent WHERE id = ?', [1], { returnsRows: false }),
        st('DELETE FROM d_parent WHERE id IN (?, ?)', [2, 3]),
        st('UPDATE d_parent SET n = 9 WHERE id = ?', [4, 99, 5], { returnsRows: false, repeat: 3 }),
      ]);
      expect([one?.changes, none?.changes, two?.changes, each?.changes]).toEqual([1, 0, 2, 2]);
      expect(each?.changesEach).toEqual([1, 0, 1]);
      expect(await count(engine, 'd_child')).toBe(12);
      expect(await count(engine, 'd_parent')).toBe(4);
    });

    it("plain multi-row INSERTs (core's bulk form) count their own rows, written once, whatever triggers the table has", async () => {
      await engine.batch([
        st('CREATE TABLE d_a (id INTEGER PRIMARY KEY, n INTEGER)'),
        st('CREATE TABLE d_log (id INTEGER PRIMARY KEY, a INTEGER)'),
      ]);
      const ins = (k: number) =>
        st(
          `INSERT INTO "d_a" ("n") VALUES ${Array(k).fill('(?)').join(', ')}`,
          Array.from({ length: k }, (_, i) => i),
          { returnsRows: false },
        );
      const changes = async (...statements: Statement[]) => (await engine.batch(statements)).map((r) => r.changes);
      // No trigger.
      expect(await changes(ins(3), ins(2))).toEqual([3, 2]);
      // A trigger (on the table's name in another case) that inserts two log rows per row.
      await engine.execute(st('CREATE TRIGGER d_a_log AFTER INSERT ON D_A BEGIN INSERT INTO d_log (a) VALUES (NEW.id), (NEW.id); END'));
      expect(await changes(ins(3), ins(2))).toEqual([3, 2]);
      expect([await count(engine, 'd_a'), await count(engine, 'd_log')]).toEqual([10, 10]);
      // A trigger that skips rows (RAISE(IGNORE)): the rows really inserted.
      await engine.execute(st('DROP TRIGGER d_a_log'));
      await engine.execute(st('CREATE TRIGGER d_a_odd BEFORE INSERT ON d_a WHEN NEW.n % 2 = 1 BEGIN SELECT RAISE(IGNORE); END'));
      expect(await changes(ins(4), ins(1))).toEqual([2, 1]);
      expect(await count(engine, 'd_a')).toBe(13);
      // A trigger created in the same batch as the inserts.
      await engine.execute(st('DROP TRIGGER d_a_odd'));
      const [, a, b] = await changes(
        st('CREATE TRIGGER d_a_log2 AFTER INSERT ON d_a BEGIN INSERT INTO d_log (a) VALUES (NEW.id); END'),
        ins(4),
        ins(1),
      );
      expect([a, b]).toEqual([4, 1]);
      expect([await count(engine, 'd_a'), await count(engine, 'd_log')]).toEqual([18, 15]);
    });

    it('batch: a repeated statement that cannot be run as one is refused with ValidationError, and nothing is sent', async () => {
      const one = st('INSERT INTO d_users (email, age) VALUES (?, ?)', ['first@x', 1]);
      const ins = 'INSERT INTO d_users (email, age) VALUES (?, ?)';
      const bad: Partial<Statement>[] = [
        { repeat: 0, returnsRows: false },
        { repeat: -1, returnsRows: false },
        { repeat: 1.5, returnsRows: false },
        { repeat: Number.NaN, returnsRows: false },
        { repeat: 3, returnsRows: false }, // 4 values do not split into 3 runs
        { repeat: 2 }, // returnsRows not said (true is a write counted by its RETURNING rows: tested above)
        { repeat: 2, returnsRows: false, expect: { changes: 1, table: 'd_users', verb: 'insert' } },
      ];
      for (const extra of bad) {
        await rejectsWith(engine.batch([one, st(ins, ['a@x', 1, 'b@x', 2], extra)]), ValidationError);
      }
      // Outside a batch there is nothing to repeat in.
      await rejectsWith(engine.execute(st(ins, ['a@x', 1, 'b@x', 2], { repeat: 2, returnsRows: false })), ValidationError);
      expect(await count(engine)).toBe(0);
      // The parameter limit applies to each run, not to all values together.
      const limit = driver.limits?.maxParameters ?? 32766;
      const runs = Math.floor(limit / 2) + 1;
      const values = Array.from({ length: runs }, (_, i) => [`m${i}@x`, i]).flat();
      const done = await engine.batch([st(ins, values, { repeat: runs, returnsRows: false })]);
      expect(done[0]?.changesEach?.length).toBe(runs);
      expect(await count(engine)).toBe(runs);
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
