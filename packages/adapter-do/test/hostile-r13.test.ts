// An outside-style hostile pass inside SQLite-backed Durable Objects: values at the edges, the 100-parameter
// limit under every bulk path, units of work failing in their last chunk, concurrent sessions in one object,
// engine.close() mid-commit, migrations, and what SQL the driver sends (a counting wrapper around the REAL
// `ctx.storage.sql`, never a mock).
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import {
  BaseDAO,
  CheckConstraintError,
  ConstraintError,
  createEngine,
  createSessionMaker,
  DaoError,
  declarativeBase,
  type Engine,
  EngineClosedError,
  ForeignKeyConstraintError,
  increment,
  LimitExceededError,
  migrate,
  NotNullConstraintError,
  SchemaError,
  SessionClosedError,
  StaleDataError,
  sql,
  t,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDurableObjectDriver } from '../src/index.ts';

let objects = 0;

/** Runs `fn` inside a fresh SQLite-backed object, with an engine on its storage (and the raw storage). */
function inFreshObject<T>(fn: (engine: Engine, state: DurableObjectState) => Promise<T>): Promise<T> {
  const stub = env.CONFORMANCE.get(env.CONFORMANCE.idFromName(`hostile-r13-${++objects}-${Math.random()}`));
  return runInDurableObject(stub, (_instance, state) => fn(createEngine(createDurableObjectDriver(state.storage)), state));
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

describe('values at the edges in a Durable Object', () => {
  const Base = declarativeBase();
  class V extends Base('V', {
    i: t.integer().nullable(),
    r: t.real().nullable(),
    s: t.text().nullable(),
    b: t.blob().nullable(),
    big: t.bigint().nullable(),
    j: t.json().nullable(),
    ts: t.timestamp().nullable(),
    flag: t.boolean().nullable(),
  }) {}

  it('round-trips the edges and refuses what cannot be stored exactly, writing nothing', async () => {
    await inFreshObject(async (engine) => {
      await Base.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      const good: Record<string, unknown>[] = [
        { i: Number.MAX_SAFE_INTEGER, big: 2n ** 63n - 1n, r: Number.MIN_VALUE },
        { i: Number.MIN_SAFE_INTEGER, big: -(2n ** 63n), r: -Number.MAX_VALUE },
        { big: 2n ** 53n + 1n },
        { s: '😀\u{10FFFF}\uFEFF\u2028' },
        { s: 'é'.repeat(1_000_000) },
        { ts: new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)) },
        { ts: new Date('0000-01-01T00:00:00.000Z') },
        { j: { x: 'a\uD800', '\uDFFF': '\u0000', n: 1e21, a: [null, [], {}] } },
        { b: new Uint8Array([0, 255, 0]) },
        { b: new Uint8Array(0) },
        { flag: false },
      ];
      for (const values of good) {
        const v = await Session.begin(async (s) => {
          const v = new V(values as never);
          s.add(v);
          return v;
        });
        const back = (await Session.begin((s) =>
          s
            .select(V)
            .where({ id: v.id as number })
            .one(),
        )) as unknown as Record<string, unknown>;
        for (const [k, want] of Object.entries(values)) expect(back[k], `${k} of ${show(values).slice(0, 80)}`).toEqual(want);
      }
      const before = await Session.begin((s) => s.select(V).count());
      const bad: Record<string, unknown>[] = [
        { big: 2n ** 63n },
        { i: 2 ** 53 },
        { r: Number.NaN },
        { r: Number.NEGATIVE_INFINITY },
        { s: 'a\uD800b' },
        { s: 'a\u0000b' },
        { s: `${'é'.repeat(1_000_000)}a` },
        { b: new Uint8Array(2_000_001) },
        { ts: new Date(Number.NaN) },
        { j: { x: Number.NaN } },
      ];
      for (const values of bad) {
        const e = await caught(
          Session.begin(async (s) => {
            s.add(new V({ s: 'first' } as never));
            s.add(new V(values as never));
          }),
        );
        expect(e, show(values).slice(0, 80)).toBeInstanceOf(DaoError);
        expect(
          [ValidationError, UnsupportedError, LimitExceededError].some((c) => e instanceof c),
          `${show(values).slice(0, 80)}: ${String(e)}`,
        ).toBe(true);
      }
      expect(await Session.begin((s) => s.select(V).count())).toBe(before);
    });
  });

  it('property: well-formed strings, safe integers, finite doubles and any 64-bit bigint round-trip and match by equality', async () => {
    await inFreshObject(async (engine) => {
      await Base.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !s.includes('\0')),
          fc.maxSafeInteger(),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
          async (s, i, r, big) => {
            const v = await Session.begin(async (x) => {
              const v = new V({ s, i, r, big } as never);
              x.add(v);
              return v;
            });
            const back = await Session.begin((x) =>
              x
                .select(V)
                .where({ id: v.id as number })
                .one(),
            );
            expect(back.s).toBe(s);
            expect(back.i).toBe(i);
            expect(back.r === r || (r === 0 && back.r === 0)).toBe(true);
            expect(back.big).toBe(big);
            expect(
              await Session.begin((x) =>
                x
                  .select(V)
                  .where({ s, i, big, id: v.id as number })
                  .count(),
              ),
            ).toBe(1);
          },
        ),
        { numRuns: 40 },
      );
    });
  });
});

function wideModel(n: number, name: string) {
  const Base = declarativeBase();
  const cols: Record<string, ReturnType<typeof t.integer>> = {};
  for (let c = 0; c < n; c++) cols[`c${c}`] = t.integer();
  const cls = class extends Base(name, { key: t.text().unique(), ...cols }) {};
  return { Base, Model: cls as unknown as new (v: Record<string, unknown>) => Record<string, unknown> & { id?: number } };
}

describe('the 100-parameter limit under every bulk path, models of 1..60 columns', () => {
  it('addMany, insertMany, findByIds, in-lists, bulkUpdate and upsert', async () => {
    for (const n of [1, 2, 33, 49, 50, 60]) {
      await inFreshObject(async (engine) => {
        const { Base, Model } = wideModel(n, `W${n}`);
        await Base.metadata.createAll(engine);
        const Session = createSessionMaker(engine);
        class Dao extends BaseDAO(Model as never) {}
        type AnyDao = {
          addMany(v: unknown[]): Promise<{ id?: number }[]>;
          insertMany(v: unknown[]): unknown;
          findByIds(i: number[]): Promise<{ id: number }[]>;
          bulkUpdate(r: unknown[]): Promise<{ rowsAffected: number }>;
          upsert(u: string[], v: unknown): Promise<Record<string, unknown>>;
        };
        const dao = (s: unknown) => new Dao(s as never) as unknown as AnyDao;
        const row = (k: number) => {
          const v: Record<string, unknown> = { key: `k${k}` };
          for (let c = 0; c < n; c++) v[`c${c}`] = k * 1000 + c;
          return v;
        };
        const rows = 230;
        const added = await Session.begin((s) => dao(s).addMany(Array.from({ length: rows }, (_, k) => row(k))));
        await Session.begin(async (s) => {
          await dao(s).insertMany(Array.from({ length: rows }, (_, k) => row(k + rows)));
        });
        const ids = added.map((a) => a.id as number);
        expect((await Session.begin((s) => dao(s).findByIds([...ids].reverse()))).map((f) => f.id)).toEqual([...ids].reverse());
        const inList = Array.from({ length: 300 }, (_, k) => `k${k}`);
        expect(
          await Session.begin((s) =>
            s
              .select(Model as never)
              .where({ key: { in: inList } } as never)
              .count(),
          ),
        ).toBe(300);
        const changed = await Session.begin((s) =>
          dao(s).bulkUpdate(
            ids.map((id) => {
              const v: Record<string, unknown> = { id };
              for (let c = 0; c < n; c++) v[`c${c}`] = -c;
              return v;
            }),
          ),
        );
        expect(changed.rowsAffected).toBe(rows);
        const up = await Session.begin((s) => dao(s).upsert(['key'], { ...row(5), c0: 42 }));
        expect(up.c0).toBe(42);
        expect(await Session.begin((s) => s.select(Model as never).count())).toBe(2 * rows);
      });
    }
  });
});

describe('atomic units of work failing in their last chunk', () => {
  const Base = declarativeBase();
  class Parent extends Base('Parent', { code: t.text().unique(), n: t.integer() }) {}
  class Child extends Base('Child', { parent_id: t.integer().references(() => Parent), label: t.text() }) {}

  it('inserts, updates, deletes, increments: a UNIQUE/FK/NOT NULL violation at the very end writes nothing', async () => {
    await inFreshObject(async (engine, state) => {
      await Base.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      const seed = await Session.begin(async (s) => {
        const ps = Array.from({ length: 10 }, (_, i) => new Parent({ code: `p${i}`, n: i }));
        s.addAll(ps);
        return ps;
      });
      const snapshot = () =>
        show(
          state.storage.sql
            .exec(
              'SELECT (SELECT group_concat(id || code || n) FROM (SELECT * FROM parents ORDER BY id)) AS p, (SELECT count(*) FROM children) AS c',
            )
            .toArray(),
        );
      const before = snapshot();
      const faults: [string, (s: ReturnType<typeof Session>) => void, new (...a: never[]) => Error][] = [
        ['unique', (s) => s.add(new Parent({ code: 'p3', n: 1 })), UniqueConstraintError],
        ['fk', (s) => s.add(new Child({ parent_id: 999_999, label: 'x' })), ForeignKeyConstraintError],
        ['raw not null', (s) => s.addStatement(sql`UPDATE parents SET n = NULL WHERE code = 'p0'`), NotNullConstraintError],
      ];
      for (const [name, fault, cls] of faults) {
        const e = await caught(
          Session.begin(async (s) => {
            s.addAll(Array.from({ length: 400 }, (_, i) => new Parent({ code: `new${i}`, n: i })));
            s.addAll(Array.from({ length: 120 }, (_, i) => new Child({ parent_id: (seed[i % 9] as Parent).id as number, label: `c${i}` })));
            const loaded = await s.select(Parent).orderBy({ id: 'asc' }).all();
            (loaded[1] as Parent).n = 77;
            s.delete(loaded[9] as Parent);
            s.updateWhere(Parent, { code: 'p2' }, { n: increment(5) });
            fault(s);
          }),
        );
        expect(e, `${name}: ${String(e)}`).toBeInstanceOf(cls);
        expect(snapshot(), name).toBe(before);
      }
    });
  });
});

describe('concurrent sessions in one object', () => {
  const Base = declarativeBase();
  class Counter extends Base('Counter', { name: t.text().unique(), n: t.integer().default(0), version: t.version() }) {}

  it('increments lose none; read-modify-write with a version column never loses one silently', async () => {
    await inFreshObject(async (engine) => {
      await Base.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      await Session.begin(async (s) => s.add(new Counter({ name: 'c' })));
      const inc = await Promise.all(
        Array.from({ length: 40 }, () => Session.begin(async (s) => s.updateWhere(Counter, { name: 'c' }, { n: increment(1) }))),
      );
      expect(inc.map((r) => r.rowsAffected)).toEqual(Array(40).fill(1));
      expect((await Session.begin((s) => s.select(Counter).one())).n).toBe(40);
      // Load, await something, write: every session reads before any commits.
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () =>
          Session.begin(async (s) => {
            const c = await s.select(Counter).one();
            await new Promise((r) => setTimeout(r, 0));
            c.n += 1;
          }).then(
            () => 'ok',
            (e) => (e instanceof StaleDataError ? 'stale' : `other: ${e}`),
          ),
        ),
      );
      const ok = outcomes.filter((o) => o === 'ok').length;
      expect(
        outcomes.every((o) => o === 'ok' || o === 'stale'),
        outcomes.join(),
      ).toBe(true);
      expect((await Session.begin((s) => s.select(Counter).one())).n).toBe(40 + ok);
    });
  });
});

describe('engine.close() mid-commit', () => {
  const Base = declarativeBase();
  class Item extends Base('Item', { name: t.text().unique() }) {}

  it('a commit in flight completes whole; later calls are EngineClosedError', async () => {
    await inFreshObject(async (engine, state) => {
      await Base.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      const s = Session();
      s.addAll(Array.from({ length: 300 }, (_, i) => new Item({ name: `i${i}` })));
      const commit = s.commit();
      const closing = engine.close();
      const [c] = await Promise.allSettled([commit, closing]);
      const count = state.storage.sql.exec('SELECT count(*) AS n FROM items').one().n;
      if (c.status === 'fulfilled') expect(count).toBe(300);
      else {
        expect(c.reason).toBeInstanceOf(EngineClosedError);
        expect(count).toBe(0);
      }
      // The session refuses first (SessionClosedError, "the engine of this session is closed"), the engine itself
      // with EngineClosedError: both before anything is sent.
      const late = await caught(Session.begin((x) => x.select(Item).count()));
      expect(late instanceof EngineClosedError || late instanceof SessionClosedError, String(late)).toBe(true);
      expect(await caught(engine.execute(sql`SELECT 1`))).toBeInstanceOf(EngineClosedError);
    });
  });
});

describe('migrations in a Durable Object', () => {
  it('a failing file writes nothing of itself and is not recorded; fixed, it applies', async () => {
    await inFreshObject(async (engine, state) => {
      const files = [
        { name: '0001_init.sql', sql: "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT NOT NULL);\nINSERT INTO a (v) VALUES ('x');" },
        { name: '0002_more.sql', sql: 'CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO a (v) VALUES (NULL);' },
      ];
      const e = await caught(migrate(engine, files));
      expect(e, String(e)).toBeInstanceOf(SchemaError);
      expect(String(e)).toContain('Nothing of 0002_more.sql was applied');
      const tables = () =>
        state.storage.sql
          .exec("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('a', 'b', 'd1_migrations') ORDER BY name")
          .toArray()
          .map((r) => r.name);
      expect(tables()).toEqual(['a', 'd1_migrations']);
      expect(
        state.storage.sql
          .exec('SELECT name FROM d1_migrations')
          .toArray()
          .map((r) => r.name),
      ).toEqual(['0001_init.sql']);
      files[1] = { name: '0002_more.sql', sql: "CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO a (v) VALUES ('y');" };
      const r = await migrate(engine, files);
      expect(tables()).toEqual(['a', 'b', 'd1_migrations']);
      expect(r).toBeDefined();
      expect(state.storage.sql.exec('SELECT count(*) AS n FROM a').one().n).toBe(2);
    });
  });
});

describe('what the driver sends', () => {
  const Base = declarativeBase();
  class U extends Base('U', { name: t.text() }) {}

  it('nothing for empty work, one read for a read-only session, no transaction control ever', async () => {
    await inFreshObject(async (engine0, state) => {
      await Base.metadata.createAll(engine0);
      const seen: string[] = [];
      const sqlApi = state.storage.sql;
      const counting = new Proxy(state.storage, {
        get(target, prop) {
          if (prop === 'sql') {
            return new Proxy(sqlApi, {
              get(t2, p2) {
                const v = Reflect.get(t2, p2, t2) as unknown;
                if (p2 === 'exec') {
                  return (text: string, ...args: unknown[]) => {
                    seen.push(text);
                    return (v as (...a: unknown[]) => unknown).call(t2, text, ...args);
                  };
                }
                return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t2) : v;
              },
            });
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const engine = createEngine(createDurableObjectDriver(counting));
      seen.length = 0;
      const Session = createSessionMaker(engine);
      class Dao extends BaseDAO(U) {}
      await Session.begin(async (s) => {
        const d = new Dao(s);
        await d.addMany([]);
        expect(await d.findByIds([])).toEqual([]);
        await d.bulkUpdate([]);
        expect(
          await s
            .select(U)
            .where({ name: { in: [] } })
            .count(),
        ).toBe(0);
      });
      expect(
        seen.filter((q) => !q.startsWith('SELECT')),
        seen.join('\n'),
      ).toEqual([]);
      seen.length = 0;
      await Session.begin(async (s) => {
        await s.select(U).all();
      });
      expect(seen, seen.join('\n')).toHaveLength(1);
      seen.length = 0;
      await Session.begin(async (s) => s.add(new U({ name: 'a' })));
      expect(seen.filter((q) => /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i.test(q))).toEqual([]);
    });
  });
});

/** Phrases the Durable Object runtime and D1 use for their own failures, as a schema may spell names. */
const INFRA_PHRASES = [
  'internal error',
  'Durable Object was reset',
  'broken.outputGateBroken',
  'SQL is not enabled for this Durable Object class',
  'Cannot perform I/O on behalf of a different Durable Object',
  'Wrong number of parameter bindings',
  'please use the state.storage.transaction()',
  'BEGIN TRANSACTION or SAVEPOINT',
  'overloaded',
];

describe('SQLite errors are classified by their result code, whatever names and RAISE() messages they carry', () => {
  it('property: a CHECK named after a runtime phrase, a missing table of that name, a RAISE() of it', async () => {
    await inFreshObject(async (engine) => {
      let k = 0;
      const q = (text: string) => sql([text] as unknown as TemplateStringsArray);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...INFRA_PHRASES), fc.constantFrom('', 'x_', ' 1'), async (phrase, affix) => {
          const name = `${affix}${phrase}${affix}`;
          const table = `chk_${++k}`;
          await engine.execute(q(`CREATE TABLE "${table}" (v INTEGER CONSTRAINT "${name}" CHECK (v < 10))`));
          const check = await caught(engine.execute(q(`INSERT INTO "${table}" (v) VALUES (11)`)));
          expect(check, String(check)).toBeInstanceOf(CheckConstraintError);
          const missing = await caught(engine.execute(q(`SELECT * FROM "${name}"`)));
          expect(missing, String(missing)).toBeInstanceOf(SchemaError);
          await engine.execute(q(`CREATE TRIGGER "${table}_t" BEFORE UPDATE ON "${table}" BEGIN SELECT RAISE(ABORT, '${name}'); END`));
          await engine.execute(q(`INSERT INTO "${table}" (v) VALUES (1)`));
          const raised = await caught(engine.execute(q(`UPDATE "${table}" SET v = 2`)));
          expect(raised, String(raised)).toBeInstanceOf(ConstraintError);
          expect((raised as ConstraintError).sqliteCode).toBe('SQLITE_CONSTRAINT_TRIGGER');
        }),
        { numRuns: 25 },
      );
    });
  });
});

describe('engine.transaction() in a Durable Object under faults', () => {
  const Base = declarativeBase();
  class Row extends Base('Row', { name: t.text().unique() }) {}

  it('a throw after flushes rolls back everything; engine.close() waits for a transaction in progress', async () => {
    await inFreshObject(async (engine, state) => {
      await Base.metadata.createAll(engine);
      const count = () => state.storage.sql.exec('SELECT count(*) AS n FROM rows').one().n;
      const e = await caught(
        engine.transaction(async (s) => {
          s.addAll(Array.from({ length: 300 }, (_, i) => new Row({ name: `r${i}` })));
          await s.flush();
          s.add(new Row({ name: 'r5' }));
          await s.flush();
        }),
      );
      expect(e, String(e)).toBeInstanceOf(UniqueConstraintError);
      expect(count()).toBe(0);
      const e2 = await caught(
        engine.transaction(async (s) => {
          s.add(new Row({ name: 'x' }));
          await s.flush();
          throw new Error('boom');
        }),
      );
      expect(String(e2)).toContain('boom');
      expect(count()).toBe(0);
      // (A transaction holds every other event of the object, timers included: it may only await its own work.)
      const tx = engine.transaction(async (s) => {
        s.add(new Row({ name: 'kept' }));
        await s.flush();
        for (let i = 0; i < 5; i++) await Promise.resolve();
        s.add(new Row({ name: 'kept2' }));
      });
      const closing = engine.close();
      const [t1, c1] = await Promise.allSettled([tx, closing]);
      expect(t1.status, String((t1 as PromiseRejectedResult).reason)).toBe('fulfilled');
      expect(c1.status).toBe('fulfilled');
      expect(count()).toBe(2);
    });
  });
});
