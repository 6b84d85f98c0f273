// What is specific to the Durable Object driver, tested where the code runs in production: inside a SQLite-backed
// object (`runInDurableObject`), on its real storage. Each test uses an object of its own.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import {
  ConfigurationError,
  createEngine,
  createSessionMaker,
  DataIntegrityError,
  type Driver,
  declarativeBase,
  ForeignKeyConstraintError,
  SchemaError,
  StateError,
  type Statement,
  type StatementResult,
  sql,
  t,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import { promiseTurns } from '@litedao/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDurableObjectDriver, DURABLE_OBJECT_CAPABILITIES, mapDurableObjectError } from '../src/index.ts';

let objects = 0;

/** Runs `fn` inside a fresh SQLite-backed object, with a driver on its storage. */
function inFreshObject<T>(fn: (driver: Driver, state: DurableObjectState) => Promise<T>): Promise<T> {
  const stub = env.CONFORMANCE.get(env.CONFORMANCE.idFromName(`driver-${++objects}-${Math.random()}`));
  return runInDurableObject(stub, (_instance, state) => fn(createDurableObjectDriver(state.storage), state));
}

const st = (text: string, params: Statement['params'] = [], extra: Partial<Statement> = {}): Statement => ({
  sql: text,
  params,
  ...extra,
});

async function rejects<E>(p: Promise<unknown>, cls: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    if (e instanceof cls) return e;
    throw new Error(`expected ${cls.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error(`expected ${cls.name}, nothing was thrown`);
}

describe('values as ctx.storage.sql binds and returns them (measured)', () => {
  it('declares no exact 64-bit integers: the runtime has no BigInt binding and reads integers beyond 2^53 rounded', async () => {
    expect(DURABLE_OBJECT_CAPABILITIES.bigint).toBe(false);
    await inFreshObject(async (_driver, state) => {
      // The measurement behind the capability, on the raw API.
      expect(() => state.storage.sql.exec('SELECT ?', 5n)).toThrow(TypeError);
      const [read] = state.storage.sql
        .exec('SELECT 9007199254740993 AS a')
        .toArray()
        .map((r) => Object.values(r))[0] as [number];
      expect(BigInt(read)).not.toBe(9007199254740993n);
      expect(read).toBe(2 ** 53); // rounded, silently
    });
  });

  it('binds bigints within ±(2^53 − 1) as integers and refuses larger ones before anything is sent', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      await engine.execute(st('CREATE TABLE n (v INTEGER)'));
      await engine.execute(st('INSERT INTO n (v) VALUES (?)', [2n ** 53n - 1n]));
      const r = await engine.execute(st('SELECT v, typeof(v) FROM n', [], { readOnly: true, returnsRows: true }));
      expect(r.rows).toEqual([[2 ** 53 - 1, 'integer']]);
      for (const big of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n]) {
        const e = await rejects(engine.execute(st('INSERT INTO n (v) VALUES (?)', [big])), UnsupportedError);
        expect(e.capability).toBe('bigint');
        expect(e.message).not.toContain(big.toString());
      }
      await rejects(engine.batch([st('INSERT INTO n (v) VALUES (1)'), st('INSERT INTO n (v) VALUES (?)', [2n ** 60n])]), UnsupportedError);
      expect((await engine.execute(st('SELECT count(*) FROM n', [], { returnsRows: true }))).rows).toEqual([[1]]);
    });
  });

  it('bigint columns stay exact beyond 2^53 at the model level (core binds them as text), integer columns report them as DataIntegrityError', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      const B = declarativeBase();
      class Ledger extends B('Ledger', { big: t.bigint(), small: t.integer().nullable() }) {}
      await B.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      const values = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 0n];
      await Session.begin(async (s) => s.addAll(values.map((big) => new Ledger({ big }))));
      const back = await Session.begin((s) => s.select(Ledger).orderBy({ id: 'asc' }).all());
      expect(back.map((l) => l.big)).toEqual(values);
      await engine.execute(st('UPDATE ledgers SET small = 9007199254740993 WHERE id = 1'));
      await rejects(
        Session.begin((s) => s.select(Ledger).where({ id: 1 }).one()),
        DataIntegrityError,
      );
    });
  });

  it('numbers bind as REAL; INTEGER affinity stores integral ones as integers, so model values round-trip', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      await engine.execute(st('CREATE TABLE v (i INTEGER, r REAL, x)'));
      await engine.execute(st('INSERT INTO v VALUES (?, ?, ?)', [3, 3, 3]));
      const r = await engine.execute(st('SELECT typeof(i), typeof(r), typeof(x), ? / 2 FROM v', [3], { returnsRows: true }));
      // Measured: a column without affinity keeps the REAL, and raw arithmetic on a bound 3 is real division.
      expect(r.rows).toEqual([['integer', 'real', 'real', 1.5]]);
    });
  });

  it('refuses values the runtime would silently change: NaN (bound as NULL), ±Infinity, booleans (bound as text), undefined', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      await engine.execute(st('CREATE TABLE v (x)'));
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, true, undefined, {}]) {
        await rejects(engine.execute(st('INSERT INTO v VALUES (?)', [bad as never])), ValidationError);
        await rejects(engine.batch([st('INSERT INTO v VALUES (1)'), st('INSERT INTO v VALUES (?)', [bad as never])]), ValidationError);
      }
      expect((await engine.execute(st('SELECT count(*) FROM v', [], { returnsRows: true }))).rows).toEqual([[0]]);
    });
  });

  it('returns BLOBs as Uint8Array (the runtime gives ArrayBuffer), including a view into a larger buffer', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      const base = new Uint8Array([9, 1, 2, 3, 9]);
      const r = await engine.execute(st('SELECT ? AS b, hex(?) AS h', [base.subarray(1, 4), base.subarray(1, 4)], { returnsRows: true }));
      expect(r.rows[0]?.[0]).toBeInstanceOf(Uint8Array);
      expect(Array.from(r.rows[0]?.[0] as Uint8Array)).toEqual([1, 2, 3]);
      expect(r.rows[0]?.[1]).toBe('010203');
    });
  });
});

describe('changes and lastInsertRowid', () => {
  it("agree with SQLite's changes() for random writes on a table with an index and a trigger; DDL reports 0", async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      await engine.batch([
        st('CREATE TABLE w (id INTEGER PRIMARY KEY AUTOINCREMENT, k INTEGER, v TEXT)'),
        st('CREATE INDEX w_k ON w (k)'),
        st('CREATE TABLE w_log (n INTEGER)'),
        // A trigger writes rows too: rowsWritten counts them, changes() does not.
        st('CREATE TRIGGER w_t AFTER UPDATE ON w BEGIN INSERT INTO w_log VALUES (NEW.id); END'),
      ]);
      const count = async (where: string, params: number[]) =>
        Number((await engine.execute(st(`SELECT count(*) FROM w WHERE ${where}`, params, { returnsRows: true }))).rows[0]?.[0]);
      const op = fc.oneof(
        fc.record({ kind: fc.constant('insert' as const), rows: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 0, max: 4 }) }),
        fc.record({ kind: fc.constant('update' as const), k: fc.integer({ min: 0, max: 4 }) }),
        fc.record({ kind: fc.constant('delete' as const), k: fc.integer({ min: 0, max: 4 }) }),
        fc.record({ kind: fc.constant('ddl' as const), n: fc.integer({ min: 0, max: 1_000_000 }) }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(op, { minLength: 1, maxLength: 12 }),
          fc.boolean(),
          fc.constantFrom(false, undefined),
          async (ops, inBatch, returnsRows) => {
            for (const o of ops) {
              let statement: Statement;
              let expected: number;
              if (o.kind === 'insert') {
                statement = st(
                  `INSERT INTO w (k, v) VALUES ${Array.from({ length: o.rows }, () => '(?, ?)').join(', ')}`,
                  [...Array.from({ length: o.rows }, (_, i) => [o.k, `v${i}`]).flat()],
                  { returnsRows },
                );
                expected = o.rows;
              } else if (o.kind === 'update') {
                expected = await count('k = ?', [o.k]);
                statement = st("UPDATE w SET v = v || 'x' WHERE k = ?", [o.k], { returnsRows });
              } else if (o.kind === 'delete') {
                expected = await count('k = ?', [o.k]);
                statement = st('DELETE FROM w WHERE k = ?', [o.k], { returnsRows });
              } else {
                expected = 0;
                statement = st(`CREATE INDEX IF NOT EXISTS w_v_${o.n} ON w (v)`, [], { returnsRows });
              }
              const r = inBatch ? ((await engine.batch([statement]))[0] as StatementResult) : await engine.execute(statement);
              expect(r.changes).toBe(expected);
              if (o.kind === 'insert') {
                const max = Number((await engine.execute(st('SELECT max(id) FROM w', [], { returnsRows: true }))).rows[0]?.[0]);
                expect(Number(r.lastInsertRowid)).toBe(max);
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe('the ROLLBACK hazard: statements that would make SQLite end the transaction under the object', () => {
  const keyword = fc.constantFrom('ROLLBACK', 'rollback', 'RollBack');
  const space = fc.constantFrom(' ', '\n', '\t', ' /* c */ ', ' -- c\n');
  const hazardous = fc.oneof(
    fc.tuple(keyword, space).map(([k, s]) => `INSERT${s}OR${s}${k}${s}INTO h (v) VALUES (1)`),
    fc.tuple(keyword, space).map(([k, s]) => `UPDATE OR ${k}${s}h SET v = 2`),
    fc.tuple(keyword, space).map(([k, s]) => `CREATE TABLE IF NOT EXISTS h2 (v INTEGER UNIQUE ON CONFLICT${s}${k})`),
    fc.tuple(keyword, space).map(([k, s]) => `CREATE TRIGGER IF NOT EXISTS h_t BEFORE INSERT ON h BEGIN SELECT RAISE(${s}${k}, 'no'); END`),
  );
  // The same word where SQLite reads it as data or a name: never refused.
  const harmless = fc.oneof(
    keyword.map((k) => `SELECT '${k}' AS word`),
    keyword.map((k) => `SELECT 1 AS "${k}"`),
    keyword.map((k) => `SELECT 1 -- OR ${k}\n`),
    keyword.map((k) => `SELECT 1 /* OR ${k} */`),
    keyword.map((k) => `SELECT [${k}] FROM (SELECT 1 AS [${k}])`),
    keyword.map((k) => `SELECT \`${k}\` FROM (SELECT 2 AS \`${k}\`)`),
  );

  it('refuses them before SQLite sees them, outside and inside a batch; the object stays usable', async () => {
    await inFreshObject(async (driver, state) => {
      const engine = createEngine(driver);
      await engine.execute(st('CREATE TABLE h (v INTEGER UNIQUE)'));
      await engine.execute(st('INSERT INTO h (v) VALUES (1)'));
      await fc.assert(
        fc.asyncProperty(hazardous, async (text) => {
          const e = await rejects(engine.execute(st(text)), UnsupportedError);
          expect(e.capability).toBe('rollbackConflictClause');
          await rejects(engine.batch([st('INSERT INTO h (v) VALUES (2)'), st(text)]), UnsupportedError);
        }),
        { numRuns: 80 },
      );
      await fc.assert(
        fc.asyncProperty(harmless, async (text) => {
          await engine.execute(st(text, [], { returnsRows: true }));
        }),
        { numRuns: 40 },
      );
      // Nothing of a refused batch ran, and the object still answers.
      expect(
        state.storage.sql
          .exec('SELECT v FROM h')
          .toArray()
          .map((r) => Object.values(r)),
      ).toEqual([[1]]);
    });
  });

  it('inside engine.transaction() a refused ROLLBACK clause fails the whole transaction (StateError); nothing is written', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      await engine.execute(st('CREATE TABLE h (v INTEGER UNIQUE)'));
      const err = await engine
        .transaction(async (s) => {
          await s.execute(sql`INSERT INTO h (v) VALUES (${1})`);
          await s.execute(sql`INSERT OR ROLLBACK INTO h (v) VALUES (${1})`).catch(() => undefined);
          await s.execute(sql`INSERT INTO h (v) VALUES (${2})`);
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateError);
      expect((await engine.execute(st('SELECT count(*) FROM h', [], { returnsRows: true }))).rows).toEqual([[0]]);
    });
  });
});

describe('deferred foreign keys are checked when their unit ends, never at the object’s implicit commit', () => {
  const schema = [
    st('CREATE TABLE p (id INTEGER PRIMARY KEY)'),
    st('CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id))'),
    st('INSERT INTO p (id) VALUES (1)'),
  ];

  it('a batch that leaves a deferred violation fails with ForeignKeyConstraintError naming the column; nothing is written; later statements are checked at once again', async () => {
    await inFreshObject(async (driver, state) => {
      const engine = createEngine(driver);
      await engine.batch(schema);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 1000 }), fc.boolean(), async (missing, fixLater) => {
          const statements = [st('PRAGMA defer_foreign_keys = ON'), st('INSERT INTO c (p) VALUES (?)', [missing])];
          if (fixLater) {
            // The violation is repaired before the unit ends: the batch commits.
            statements.push(
              st('INSERT INTO p (id) VALUES (?)', [missing]),
              st('DELETE FROM c'),
              st('DELETE FROM p WHERE id = ?', [missing]),
            );
            await engine.batch(statements);
          } else {
            const e = await rejects(engine.batch(statements), ForeignKeyConstraintError);
            expect(e.table).toBe('c');
            expect(e.columns).toEqual(['p']);
          }
          expect(
            state.storage.sql
              .exec('SELECT count(*) FROM c')
              .toArray()
              .map((r) => Object.values(r)),
          ).toEqual([[0]]);
          // Deferral ended with the unit: a violation now fails at once.
          await rejects(engine.execute(st('INSERT INTO c (p) VALUES (?)', [missing])), ForeignKeyConstraintError);
        }),
        { numRuns: 30 },
      );
    });
  });

  it('inside engine.transaction() a deferred violation left at the end fails the transaction; nothing of it is written', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      await engine.batch(schema);
      await rejects(
        engine.transaction(async (s) => {
          await s.execute(sql`PRAGMA defer_foreign_keys = ON`);
          await s.execute(sql`INSERT INTO p (id) VALUES (${5})`);
          await s.execute(sql`INSERT INTO c (p) VALUES (${77})`);
        }),
        ForeignKeyConstraintError,
      );
      expect((await engine.execute(st('SELECT count(*) FROM p', [], { returnsRows: true }))).rows).toEqual([[1]]);
      await rejects(engine.execute(st('INSERT INTO c (p) VALUES (77)')), ForeignKeyConstraintError);
    });
  });

  it('refuses PRAGMA defer_foreign_keys = ON outside a unit of work, and leaves deferral off', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      await engine.batch(schema);
      const e = await rejects(engine.execute(st('PRAGMA defer_foreign_keys = ON')), UnsupportedError);
      expect(e.capability).toBe('deferredForeignKeys');
      await rejects(engine.execute(st('INSERT INTO c (p) VALUES (9)')), ForeignKeyConstraintError);
      // Reading the pragma, or switching it off, is fine.
      expect((await engine.execute(st('PRAGMA defer_foreign_keys', [], { returnsRows: true }))).rows).toEqual([[0]]);
      await engine.execute(st('PRAGMA defer_foreign_keys = OFF'));
    });
  });
});

describe('commit and interactive transactions inside the object', () => {
  it('commit() is exactly one transactionSync call, whatever the unit holds', async () => {
    await inFreshObject(async (_driver, state) => {
      let syncCalls = 0;
      const counted = new Proxy(state.storage, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target) as unknown;
          if (prop === 'transactionSync') {
            return <T>(fn: () => T): T => {
              syncCalls++;
              return target.transactionSync(fn);
            };
          }
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const engine = createEngine(createDurableObjectDriver(counted));
      const B = declarativeBase();
      class Item extends B('Item', { name: t.text() }) {}
      await B.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom('add', 'edit', 'delete', 'updateWhere'), { minLength: 1, maxLength: 30 }),
          async (ops) => {
            const s = Session();
            const loaded = await s.select(Item).limit(5).all();
            const unique = `${++runs}`; // every edit changes the stored value: each unit has work to commit
            for (const [i, op] of ops.entries()) {
              const target = loaded[i % Math.max(loaded.length, 1)];
              if (op === 'add' || !target) s.add(new Item({ name: `n${i}` }));
              else if (op === 'edit') target.name = `e${i}-${unique}`;
              else if (op === 'delete') s.delete(target);
              else s.updateWhere(Item, { id: target.id }, { name: `u${i}` });
            }
            const before = syncCalls;
            await s.commit().catch(() => undefined);
            expect(syncCalls - before).toBe(1);
            await s.close();
          },
        ),
        { numRuns: 40 },
      );
    });
  });

  it('engine.transaction() holds other requests to the object until it ends, and rolls back across awaits', async () => {
    const stub = env.NOTES.get(env.NOTES.idFromName(`tx-${Math.random()}`));
    const out = await runInDurableObject(stub, async (instance, state) => {
      await instance.ready;
      const order: string[] = [];
      // The object calls itself over RPC from inside the transaction: a second request, which must wait.
      const self = env.NOTES.get(state.id);
      let second: Promise<unknown> = Promise.resolve();
      const txError = await instance.engine
        .transaction(async (s) => {
          await s.execute(sql`INSERT INTO notes (author, body) VALUES (${1}, ${'inside'})`);
          order.push('tx wrote');
          second = self.litedaoCall('notes', 'count', []).then((r) => {
            order.push('second request ran');
            return r;
          });
          await new Promise((r) => setTimeout(r, 50));
          order.push('tx ends');
          throw new Error('roll back');
        })
        .catch((e: Error) => e.message);
      return { order, txError, second: await second };
    });
    expect(out.txError).toBe('roll back');
    expect(out.order).toEqual(['tx wrote', 'tx ends', 'second request ran']);
    expect(out.second).toEqual({ ok: true, value: 0 }); // it ran after the rollback and never saw the write
  });

  it('inside the object, a call that bypasses the transaction’s session fails at once with StateError', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      const Session = createSessionMaker(engine);
      await engine.execute(st('CREATE TABLE q (v)'));
      await engine.transaction(async (s) => {
        await s.execute(sql`INSERT INTO q VALUES (${1})`);
        await rejects(engine.execute(st('SELECT 1', [], { returnsRows: true })), StateError);
        await rejects(
          engine.transaction(async () => 1),
          StateError,
        );
        const plain = Session();
        await rejects(plain.execute(sql`SELECT 1`), StateError);
        await plain.close();
      });
      expect((await engine.execute(st('SELECT count(*) FROM q', [], { returnsRows: true }))).rows).toEqual([[1]]);
    });
  });
});

describe('errors', () => {
  it('maps the runtime’s messages onto the error tree', () => {
    const cases: [string, abstract new (...args: never[]) => unknown][] = [
      ['UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)', UniqueConstraintError],
      ['FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)', ForeignKeyConstraintError],
      ['no such table: nope: SQLITE_ERROR', SchemaError],
      [
        'To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements.',
        ValidationError,
      ],
      ['SQL is not enabled for this Durable Object class. To enable it, change `new_classes`…', ConfigurationError],
      ['Cannot perform I/O on behalf of a different Durable Object. I/O objects…', ConfigurationError],
    ];
    for (const [message, cls] of cases) expect(mapDurableObjectError(new Error(message))).toBeInstanceOf(cls);
    const unique = mapDurableObjectError(new Error(cases[0]?.[0])) as UniqueConstraintError;
    expect([unique.table, unique.columns]).toEqual(['users', ['email']]);
  });

  it('messages keep SQLite’s text without the runtime’s suffixes, and never the bound values', async () => {
    await inFreshObject(async (driver) => {
      const engine = createEngine(driver);
      await engine.execute(st('CREATE TABLE u (email TEXT UNIQUE)'));
      await engine.execute(st('INSERT INTO u VALUES (?)', ['secret@x']));
      const e = await rejects(engine.execute(st('INSERT INTO u VALUES (?)', ['secret@x'])), UniqueConstraintError);
      expect(e.message).not.toContain('secret');
      const syntax = await rejects(engine.execute(st('SELEC 1')), Error);
      expect(syntax.message).toMatch(/near "SELEC": syntax error$/);
    });
  });

  it('the driver refuses storage without the SQL API, and use from outside its object', async () => {
    expect(() => createDurableObjectDriver({} as never)).toThrow(ConfigurationError);
    const stub = env.CONFORMANCE.get(env.CONFORMANCE.idFromName(`outside-${Math.random()}`));
    // A driver made inside the object, then used from the test runner (another object): a typed error.
    const driver = await runInDurableObject(stub, (_i, state) => createDurableObjectDriver(state.storage));
    await rejects(createEngine(driver).execute(st('SELECT 1', [], { returnsRows: true })), ConfigurationError);
  });
});

describe('reads core builds run in the same turn (sql.exec() is synchronous)', () => {
  it('a lookup by id settles in one promise turn, a select in at most two, with the rows execute() returns', async () => {
    await inFreshObject(async (driver) => {
      const B = declarativeBase();
      class Pin extends B('Pin', { label: t.text() }) {}
      const engine = createEngine(driver);
      await B.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      await Session.begin(async (s) => s.addAll([new Pin({ label: 'a' }), new Pin({ label: 'b' })]));
      const s = Session();
      await s.get(Pin, 1);
      expect(await promiseTurns(s.get(Pin, 2))).toBe(1);
      expect(await promiseTurns(s.select(Pin).all())).toBeLessThanOrEqual(2);
      expect((await s.get(Pin, 2))?.label).toBe('b');
      await s.close();
      // The synchronous path and execute() agree, rows and columns alike.
      const read = st('SELECT id, label FROM pins ORDER BY id', [], { readOnly: true, returnsRows: true, columns: ['id', 'label'] });
      expect(driver.executeSync?.(read)).toEqual(await driver.execute(read));
    });
  });

  it('a failing read through the synchronous path is the same typed error as through execute()', async () => {
    await inFreshObject(async (driver) => {
      const B = declarativeBase();
      class Gone extends B('Gone', { label: t.text() }) {}
      const Session = createSessionMaker(createEngine(driver));
      const s = Session();
      // No table: the lookup reads through executeSync and fails as SchemaError, as execute() does.
      await rejects(s.get(Gone, 1), SchemaError);
      await rejects(s.select(Gone).all(), SchemaError);
      await s.close();
    });
  });
});

describe('insertMany as JSON text (bulkJson)', () => {
  it('sends 12,345 rows as two INSERTs of one bound text each, stored in order and counted; a REAL column keeps VALUES lists', async () => {
    expect(DURABLE_OBJECT_CAPABILITIES.bulkJson).toBe(true);
    await inFreshObject(async (driver) => {
      const B = declarativeBase();
      class Mail extends B('Mail', { email: t.text().unique(), name: t.text() }) {}
      class Reading extends B('Reading', { v: t.real(), label: t.text() }) {}
      const sent: string[] = [];
      const engine = createEngine(driver, { logger: (e) => sent.push(e.sql) });
      await B.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      const rows = Array.from({ length: 12_345 }, (_, i) => ({ email: `m${i}@x`, name: i % 2 ? 'a "quoted" \\ name' : 'é😀\u0001' }));
      sent.length = 0;
      const res = await Session.begin(async (s) => s.insertMany(Mail, rows));
      expect(res.rowsAffected).toBe(12_345);
      const inserts = sent.filter((q) => q.startsWith('INSERT INTO "mails"'));
      expect(inserts).toEqual(
        Array(2).fill('INSERT INTO "mails" ("email", "name") SELECT value ->> 0, value ->> 1 FROM json_each(?) ORDER BY key'),
      );
      const back = await Session.begin((s) => s.select(Mail).orderBy({ id: 'asc' }).all());
      expect(back.map((m) => [m.id, m.email, m.name])).toEqual(rows.map((r, i) => [i + 1, r.email, r.name]));
      // A duplicate in the second text rolls back the first.
      await rejects(
        Session.begin(async (s) => s.insertMany(Mail, [...rows.map((r) => ({ ...r, email: `n${r.email}` })), rows[0] as never])),
        UniqueConstraintError,
      );
      expect(await Session.begin((s) => s.select(Mail).count())).toBe(12_345);
      sent.length = 0;
      await Session.begin(async (s) =>
        s.insertMany(Reading, [
          { v: 0.1, label: 'a' },
          { v: 1 / 3, label: 'b' },
        ]),
      );
      expect(sent.filter((q) => q.startsWith('INSERT INTO "readings"'))).toEqual([
        'INSERT INTO "readings" ("v", "label") VALUES (?, ?), (?, ?)',
      ]);
    });
  });
});
