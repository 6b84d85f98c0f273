// An outside-style hostile pass on D1 inside workerd: values at the edges, D1's 100-parameter and statement
// limits under every bulk path, atomic units of work failing in their last chunk, concurrent increments, typed
// errors, and what SQL the driver sends (a counting wrapper around the REAL binding, never a mock).

import { env } from 'cloudflare:workers';
import {
  BaseDAO,
  CheckConstraintError,
  ConstraintError,
  createEngine,
  createSessionMaker,
  DaoError,
  declarativeBase,
  ForeignKeyConstraintError,
  increment,
  LimitExceededError,
  migrate,
  NotNullConstraintError,
  SchemaError,
  sql,
  t,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createD1Driver } from '../src/index.ts';
import { countingBinding, dropAllTables } from './support/d1.ts';

async function caught(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  return undefined;
}

const engineOf = () => createEngine(createD1Driver(env.DB));

beforeEach(async () => {
  await dropAllTables(env.DB);
});

describe('values at the edges on D1', () => {
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

  it('round-trips integers near ±2^53, -0, bigints, dates at year 0/9999, NUL-free unicode', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    const cases: Record<string, unknown>[] = [
      { i: Number.MAX_SAFE_INTEGER, r: -0, big: 2n ** 53n - 1n, s: '😀\u{10FFFF}\uFEFF' },
      { i: Number.MIN_SAFE_INTEGER, r: Number.MIN_VALUE, big: -(2n ** 53n - 1n), s: '' },
      { i: 0, r: Number.MAX_VALUE, big: 0n, s: 'x'.repeat(10) },
      { big: 2n ** 63n - 1n },
      { big: -(2n ** 63n) },
      { big: 2n ** 53n + 1n },
      { big: -(2n ** 53n) - 1n },
      { ts: new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)) },
      { ts: new Date(Date.UTC(0, 0, 1)) },
      { ts: new Date('0000-01-01T00:00:00.000Z') },
      { ts: new Date('1969-12-31T23:59:59.999Z') },
      { j: { a: [1, null, 'x', { '': true }], '\u2028': 1e21 } },
      { j: [] },
      { j: { x: 'a\uD800', '\uDFFF': '\u0000' } },
      { j: 'a string' },
      { j: 0 },
      { j: null },
      { flag: true },
      { b: new Uint8Array([0, 255, 0, 1]) },
      { b: new Uint8Array(0) },
    ];
    for (const values of cases) {
      const e = await caught(async () => {
        const id = await Session.begin(async (s) => {
          const v = new V(values as never);
          s.add(v);
          await s.flush?.().catch(() => undefined);
          return v;
        });
        const back = await Session.begin((s) =>
          s
            .select(V)
            .where({ id: (id as V).id as number })
            .one(),
        );
        for (const [k, want] of Object.entries(values)) {
          const got = (back as unknown as Record<string, unknown>)[k];
          if (Object.is(want, -0)) {
            // Node stores -0 as 0 too (SQLite's REAL→INTEGER storage): sign may be lost, value may not.
            expect(got === 0).toBe(true);
          } else {
            expect(got, `${k} ${String(want)}`).toEqual(want);
          }
        }
      });
      if (e !== undefined) throw new Error(`case ${JSON.stringify(values, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}: ${e}`);
    }
  });

  it('refuses bigints beyond ±(2^53−1), NaN, ±Infinity, lone surrogates and NUL with typed errors and writes nothing', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    const bad: Record<string, unknown>[] = [
      { big: 2n ** 63n },
      { big: -(2n ** 63n) - 1n },
      { i: 2 ** 53 },
      { r: Number.NaN },
      { r: Number.POSITIVE_INFINITY },
      { s: 'a\uD800b' },
      { s: 'a\uDC00' },
      { s: 'a\u0000b' },
      { ts: new Date(Number.NaN) },
      { j: { x: Number.NaN } },
      { j: { x: 10n } },
    ];
    for (const values of bad) {
      const e = await caught(
        Session.begin(async (s) => {
          s.add(new V({ s: 'ok' } as never));
          s.add(new V(values as never));
        }),
      );
      expect(
        e,
        JSON.stringify(values, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      ).toBeInstanceOf(DaoError);
      expect(
        [ValidationError, UnsupportedError].some((c) => e instanceof c),
        String(e),
      ).toBe(true);
    }
    expect(await Session.begin((s) => s.select(V).count())).toBe(0);
  });

  it('text and blobs right at and right over D1 maxValueBytes (2,000,000 bytes, multi-byte counted in bytes)', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    const exact = 'é'.repeat(1_000_000); // 2,000,000 UTF-8 bytes, 1,000,000 UTF-16 units
    const over = `${exact}a`;
    const id = await Session.begin(async (s) => {
      const v = new V({ s: exact } as never);
      s.add(v);
      return v;
    });
    const back = await Session.begin((s) =>
      s
        .select(V)
        .where({ id: id.id as number })
        .one(),
    );
    expect(back.s?.length).toBe(exact.length);
    const e = await caught(Session.begin(async (s) => s.add(new V({ s: over } as never))));
    expect(e, String(e)).toBeInstanceOf(LimitExceededError);
    const e2 = await caught(Session.begin(async (s) => s.add(new V({ b: new Uint8Array(2_000_001) } as never))));
    expect(e2, String(e2)).toBeInstanceOf(LimitExceededError);
    // Over the limit through JSON (the value is the serialized text)
    const e3 = await caught(Session.begin(async (s) => s.add(new V({ j: { k: 'é'.repeat(1_000_000) } } as never))));
    expect(e3, String(e3)).toBeInstanceOf(LimitExceededError);
    // A where filter with a huge value
    const e4 = await caught(Session.begin((s) => s.select(V).where({ s: over }).all()));
    expect(e4, String(e4)).toBeInstanceOf(LimitExceededError);
    expect(await Session.begin((s) => s.select(V).count())).toBe(1);
  });

  it('property: arbitrary well-formed strings and safe integers round-trip (text with every plane, NUL excluded)', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0')),
        fc.maxSafeInteger(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        async (s, i, r) => {
          const v = await Session.begin(async (x) => {
            const v = new V({ s, i, r } as never);
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
          // and can be found by equality
          expect(
            await Session.begin((x) =>
              x
                .select(V)
                .where({ s, id: v.id as number })
                .count(),
            ),
          ).toBe(1);
        },
      ),
      { numRuns: 40 },
    );
  });
});

function wideModel(n: number, name: string) {
  const Base = declarativeBase();
  const cols: Record<string, ReturnType<typeof t.integer>> = {};
  for (let c = 0; c < n; c++) cols[`c${c}`] = t.integer();
  const cls = class extends Base(name, { key: t.text().unique(), ...cols }) {};
  return { Base, Model: cls as unknown as new (v: Record<string, unknown>) => Record<string, unknown> & { id?: number } };
}

describe("D1's 100-parameter limit under every bulk path", () => {
  it('addMany/insertMany/findByIds/in/bulkUpdate/upsert for models of 1..60 columns', async () => {
    for (const n of [1, 2, 3, 9, 33, 48, 49, 50, 60]) {
      await dropAllTables(env.DB);
      const { Base, Model } = wideModel(n, `W${n}`);
      const engine = engineOf();
      await Base.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      class Dao extends BaseDAO(Model as never) {}
      const row = (k: number) => {
        const v: Record<string, unknown> = { key: `k${k}` };
        for (let c = 0; c < n; c++) v[`c${c}`] = k * 1000 + c;
        return v;
      };
      const rows = 230;
      const added = await Session.begin(async (s) => {
        const dao = new Dao(s) as unknown as { addMany(v: unknown[]): Promise<{ id?: number }[]> };
        return dao.addMany(Array.from({ length: rows }, (_, k) => row(k)));
      });
      expect(
        added.every((a) => typeof a.id === 'number'),
        `n=${n}`,
      ).toBe(true);
      await Session.begin(async (s) => {
        const dao = new Dao(s) as unknown as { insertMany(v: unknown[]): unknown };
        await dao.insertMany(Array.from({ length: rows }, (_, k) => row(k + rows)));
      });
      const ids = added.map((a) => a.id as number);
      const found = await Session.begin(async (s) =>
        (new Dao(s) as unknown as { findByIds(i: number[]): Promise<{ id: number }[]> }).findByIds([...ids].reverse()),
      );
      expect(found.map((f) => f.id)).toEqual([...ids].reverse());
      const inCount = await Session.begin((s) =>
        s
          .select(Model as never)
          .where({ key: { in: Array.from({ length: 300 }, (_, k) => `k${k}`) } } as never)
          .count(),
      );
      expect(inCount).toBe(300);
      const changed = await Session.begin(async (s) => {
        const dao = new Dao(s) as unknown as { bulkUpdate(r: unknown[]): Promise<{ rowsAffected: number }> };
        const recs = ids.map((id) => {
          const v: Record<string, unknown> = { id };
          for (let c = 0; c < n; c++) v[`c${c}`] = -c;
          return v;
        });
        return dao.bulkUpdate(recs);
      });
      expect((await changed).rowsAffected).toBe(rows);
      const up = await Session.begin(async (s) => {
        const dao = new Dao(s) as unknown as { upsert(u: string[], v: unknown): Promise<Record<string, unknown>> };
        return dao.upsert(['key'], { ...row(5), c0: 42 });
      });
      expect(up.c0).toBe(42);
      expect(await Session.begin((s) => s.select(Model as never).count())).toBe(2 * rows);
      // or-lists of many equalities: each one a parameter
      const orCount = await caught(
        Session.begin((s) =>
          s
            .select(Model as never)
            .where({ or: Array.from({ length: 150 }, (_, k) => ({ key: `k${k}` })) } as never)
            .count(),
        ),
      );
      expect(orCount === 150 || orCount instanceof LimitExceededError, `or-list n=${n}: ${String(orCount)}`).toBe(true);
    }
  });
});

describe('atomic units of work failing in their last chunk', () => {
  const Base = declarativeBase();
  class Parent extends Base('Parent', { code: t.text().unique(), n: t.integer() }) {}
  class Child extends Base('Child', { parent_id: t.integer().references(() => Parent), label: t.text() }) {}

  it('inserts, updates, deletes across chunks: a UNIQUE/CHECK/FK violation at the very end writes nothing', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    const seed = await Session.begin(async (s) => {
      const ps = Array.from({ length: 10 }, (_, i) => new Parent({ code: `p${i}`, n: i }));
      s.addAll(ps);
      return ps;
    });
    const snapshot = async () => {
      const r = await env.DB.prepare(
        'SELECT (SELECT group_concat(id || code || n) FROM (SELECT * FROM parents ORDER BY id)) AS p, (SELECT count(*) FROM children) AS c',
      ).first();
      return JSON.stringify(r);
    };
    const before = await snapshot();
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
      expect(await snapshot(), name).toBe(before);
    }
  });
});

describe('concurrency on one D1 database', () => {
  const Base = declarativeBase();
  class Counter extends Base('Counter', { name: t.text().unique(), n: t.integer().default(0) }) {}

  it('50 concurrent increments lose none', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    await Session.begin(async (s) => s.add(new Counter({ name: 'c' })));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => Session.begin(async (s) => s.updateWhere(Counter, { name: 'c' }, { n: increment(1) }))),
    );
    expect(results.map((r) => r.rowsAffected)).toEqual(Array(50).fill(1));
    const c = await Session.begin((s) => s.select(Counter).one());
    expect(c.n).toBe(50);
  });

  it('50 concurrent upserts with increment on one key: one row, n counts all', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => Session.begin(async (s) => s.upsert(Counter, { name: 'u', n: i + 1 }, { on: ['name'] }))),
    );
    const rows = await Session.begin((s) => s.select(Counter).all());
    expect(rows).toHaveLength(1);
    expect(rows[0]?.n).toBeGreaterThan(0);
  });
});

describe('what the driver sends', () => {
  const Base = declarativeBase();
  class U extends Base('U', { name: t.text() }) {}

  it('sends nothing for empty commits, reads-only sessions, empty addMany/findByIds/bulkUpdate/in-lists', async () => {
    await Base.metadata.createAll(engineOf());
    const { binding, traffic } = countingBinding(env.DB);
    const Session = createSessionMaker(createEngine(createD1Driver(binding)));
    class Dao extends BaseDAO(U) {}
    await Session.begin(async (s) => {
      const d = new Dao(s);
      await d.addMany([]);
      expect(await d.findByIds([])).toEqual([]);
      await d.bulkUpdate([]);
    });
    expect(traffic.prepared, traffic.prepared.join('\n')).toEqual([]);
    const n = await Session.begin((s) =>
      s
        .select(U)
        .where({ name: { in: [] } })
        .count(),
    );
    expect(n).toBe(0);
    expect(
      traffic.prepared.filter((q) => !q.startsWith('SELECT')),
      traffic.prepared.join('\n'),
    ).toEqual([]);
    traffic.prepared.length = 0;
    traffic.batches.length = 0;
    await Session.begin(async (s) => {
      await s.select(U).all();
    });
    expect(traffic.batches, traffic.prepared.join('\n')).toEqual([]);
    expect(traffic.prepared).toHaveLength(1);
  });
});

describe('raw SQL results keep every column, in select order (as better-sqlite3 returns them)', () => {
  const names = fc.constantFrom('a', 'b', 'id', '0', '1', '2', '10', 'x y', 'ä');

  it('property: SELECT / WITH … SELECT / VALUES through engine.execute(sql`…`)', async () => {
    const engine = engineOf();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(names, fc.integer()), { minLength: 1, maxLength: 8 }), fc.boolean(), async (cols, viaWith) => {
        const list = cols.map(([n]) => `? AS "${n}"`).join(', ');
        const text = viaWith ? `WITH w AS (SELECT 1) SELECT ${list} FROM w` : `SELECT ${list}`;
        const strings = Object.assign(text.split('?'), { raw: text.split('?') }) as unknown as TemplateStringsArray;
        const r = await engine.execute(sql(strings, ...cols.map(([, v]) => v)));
        expect(r.columns).toEqual(cols.map(([n]) => n));
        expect(r.rows).toEqual([cols.map(([, v]) => v)]);
      }),
      { numRuns: 60 },
    );
  });

  it('a raw join of two tables with an "id" each returns both ids', async () => {
    const engine = engineOf();
    await engine.execute(sql`CREATE TABLE ja (id INTEGER PRIMARY KEY, v TEXT)`);
    await engine.execute(sql`CREATE TABLE jb (id INTEGER PRIMARY KEY, a_id INTEGER, v TEXT)`);
    await engine.execute(sql`INSERT INTO ja (id, v) VALUES (1, 'a')`);
    await engine.execute(sql`INSERT INTO jb (id, a_id, v) VALUES (7, 1, 'b')`);
    const r = await engine.execute(sql`SELECT ja.id, jb.id, ja.v, jb.v FROM ja JOIN jb ON jb.a_id = ja.id`);
    expect(r.columns).toEqual(['id', 'id', 'v', 'v']);
    expect(r.rows).toEqual([[1, 7, 'a', 'b']]);
    const v = await engine.execute(sql`VALUES (1, 2), (3, 4)`);
    expect(v.rows).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // Writes keep their counts (and a WITH … that writes is still a write).
    const w = await engine.execute(sql`WITH n AS (SELECT 5 AS x) INSERT INTO ja (id, v) SELECT x, 'w' FROM n`);
    expect(w.changes).toBe(1);
    const u = await engine.execute(sql`UPDATE ja SET v = 'z'`);
    expect(u.changes).toBe(2);
  });
});

describe('bulk paths whose one JSON parameter would pass D1 maxValueBytes (2,000,000 bytes)', () => {
  const Base = declarativeBase();
  class Doc extends Base('Doc', { key: t.text().unique(), body: t.text() }) {}
  class DocDAO extends BaseDAO(Doc) {}

  it('insertMany of 3,000 rows × 1,000 bytes (3 MB of JSON) commits, or is refused typed with nothing written', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    const rows = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, body: 'x'.repeat(1000) }));
    const e = await caught(Session.begin(async (s) => new DocDAO(s).insertMany(rows)));
    expect(e, String(e)).toBeUndefined();
    expect(await Session.begin((s) => s.select(Doc).count())).toBe(3000);
  });

  it('addMany of 3,000 rows × 1,000 bytes commits', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    const rows = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, body: 'y'.repeat(1000) }));
    const e = await caught(Session.begin(async (s) => new DocDAO(s).addMany(rows)));
    expect(e, String(e)).toBeUndefined();
    expect(await Session.begin((s) => s.select(Doc).count())).toBe(3000);
  });

  it('an in-list of 100,000 strings of 30 bytes (3 MB of JSON) and findByIds of 400,000 ids answer or refuse typed', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    await Session.begin(async (s) => new DocDAO(s).insertMany([{ key: 'k1', body: 'b' }]));
    const keys = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(25, '0')}`);
    keys.push('k1');
    const n = await caught(
      Session.begin((s) =>
        s
          .select(Doc)
          .where({ key: { in: keys } })
          .count(),
      ).then((c) => {
        throw c;
      }),
    );
    expect(n === 1 || n instanceof LimitExceededError, String(n)).toBe(true);
    const ids = Array.from({ length: 400_000 }, (_, i) => i + 1_000_000);
    ids.push(1);
    const found = await caught(
      Session.begin((s) => new DocDAO(s).findByIds(ids)).then((f) => {
        throw f.length;
      }),
    );
    expect(found === 1 || found instanceof LimitExceededError, String(found)).toBe(true);
  });
});

describe('raw writes with RETURNING keep every column in order, counted by their rows (as better-sqlite3)', () => {
  const names = fc.constantFrom('a', 'b', 'id', '0', '1', '2', '10', 'x y');

  it('property: INSERT/UPDATE/DELETE … RETURNING with repeated and integer-like names', async () => {
    const engine = engineOf();
    await engine.execute(sql`CREATE TABLE rr (id INTEGER PRIMARY KEY, v INTEGER)`);
    await fc.assert(
      fc.asyncProperty(fc.array(names, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 5 }), async (cols, n) => {
        await engine.execute(sql`DELETE FROM rr`);
        const list = cols.map((c, i) => `v + ${i} AS "${c}"`).join(', ');
        const text = `INSERT INTO rr (v) SELECT value FROM json_each(?) RETURNING ${list}`;
        const strings = (t: string) => Object.assign(t.split('?'), { raw: t.split('?') }) as unknown as TemplateStringsArray;
        const values = Array.from({ length: n }, (_, i) => (i + 1) * 10);
        await engine.execute(sql`DELETE FROM rr`);
        const r = await engine.execute(sql(strings(text), JSON.stringify(values)));
        expect(r.columns).toEqual(cols);
        expect(r.rows).toEqual(values.map((v) => cols.map((_, i) => v + i)));
        expect(r.changes).toBe(n);
        const u = await engine.execute(sql(strings(`UPDATE rr SET v = v + 1 RETURNING ${list}`)));
        expect(u.columns).toEqual(cols);
        expect(u.changes).toBe(n);
        const d = await engine.execute(sql(strings(`DELETE FROM rr RETURNING ${list}`)));
        expect(d.columns).toEqual(cols);
        expect(d.rows).toHaveLength(n);
        expect(d.changes).toBe(n);
      }),
      { numRuns: 30 },
    );
  });

  it('the word RETURNING in a string, a comment or a quoted name is no RETURNING clause: the count stays exact', async () => {
    const engine = engineOf();
    await engine.execute(sql`CREATE TABLE "returning" (id INTEGER PRIMARY KEY, "returning" TEXT)`);
    const a = await engine.execute(sql`INSERT INTO "returning" ("returning") VALUES ('RETURNING *') /* RETURNING id */`);
    expect(a.changes).toBe(1);
    const b = await engine.execute(sql`UPDATE "returning" SET "returning" = 'x RETURNING y' -- RETURNING
`);
    expect(b.changes).toBe(1);
    const c = await engine.execute(sql`INSERT INTO "returning" ("returning") VALUES ('z') RETURNING "returning" AS "1", id`);
    expect(c.columns).toEqual(['1', 'id']);
    expect(c.rows).toEqual([['z', 2]]);
    expect(c.changes).toBe(1);
  });
});

describe('engine.close() mid-commit and migrations on D1', () => {
  const Base = declarativeBase();
  class Item extends Base('Item', { name: t.text().unique() }) {}

  it('a commit in flight completes whole; later calls are refused before anything is sent', async () => {
    await Base.metadata.createAll(engineOf());
    const { binding, traffic } = countingBinding(env.DB);
    const engine = createEngine(createD1Driver(binding));
    const Session = createSessionMaker(engine);
    const s = Session();
    s.addAll(Array.from({ length: 300 }, (_, i) => new Item({ name: `i${i}` })));
    const commit = s.commit();
    const closing = engine.close();
    const [c] = await Promise.allSettled([commit, closing]);
    const count = (await env.DB.prepare('SELECT count(*) AS n FROM items').first<{ n: number }>())?.n;
    if (c.status === 'fulfilled') expect(count).toBe(300);
    else expect(count, String(c.reason)).toBe(0);
    const sent = traffic.prepared.length;
    const late = await caught(Session.begin((x) => x.select(Item).count()));
    expect(late, String(late)).toBeInstanceOf(DaoError);
    expect(await caught(engine.execute(sql`SELECT 1`))).toBeInstanceOf(DaoError);
    expect(traffic.prepared.length).toBe(sent);
  });

  it('a failing migration file writes nothing of itself and is not recorded; fixed, it applies', async () => {
    const engine = engineOf();
    const files = [
      { name: '0001_init.sql', sql: "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT NOT NULL);\nINSERT INTO a (v) VALUES ('x');" },
      { name: '0002_more.sql', sql: 'CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO a (v) VALUES (NULL);' },
    ];
    const e = await caught(migrate(engine, files));
    expect(e, String(e)).toBeInstanceOf(DaoError);
    const tables = async () =>
      (
        await env.DB.prepare(
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('a', 'b', 'd1_migrations') ORDER BY name",
        ).all<{ name: string }>()
      ).results.map((r) => r.name);
    expect(await tables()).toEqual(['a', 'd1_migrations']);
    expect((await env.DB.prepare('SELECT name FROM d1_migrations').all<{ name: string }>()).results.map((r) => r.name)).toEqual([
      '0001_init.sql',
    ]);
    files[1] = { name: '0002_more.sql', sql: "CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO a (v) VALUES ('y');" };
    await migrate(engine, files);
    expect(await tables()).toEqual(['a', 'b', 'd1_migrations']);
    // Applied again: nothing is sent but the bookkeeping read.
    const { binding, traffic } = countingBinding(env.DB);
    await migrate(createEngine(createD1Driver(binding)), files);
    expect(traffic.batches, traffic.prepared.join('\n')).toEqual([]);
  });
});

describe('models near D1 maxColumns (100) under every write path', () => {
  it('97 user columns: add, addMany, insertMany, changed loaded objects, updateWhere by id runs, bulkUpdate, upsert, delete', async () => {
    for (const n of [90, 97]) {
      await dropAllTables(env.DB);
      const { Base, Model } = wideModel(n - 1, `Wide${n}`); // + key = n user columns
      const engine = engineOf();
      await Base.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      class Dao extends BaseDAO(Model as never) {}
      type AnyDao = {
        addMany(v: unknown[]): Promise<{ id?: number }[]>;
        insertMany(v: unknown[]): unknown;
        bulkUpdate(r: unknown[]): Promise<{ rowsAffected: number }>;
        upsert(u: string[], v: unknown): Promise<Record<string, unknown>>;
      };
      const dao = (s: unknown) => new Dao(s as never) as unknown as AnyDao;
      const row = (k: number, base = k) => {
        const v: Record<string, unknown> = { key: `k${k}` };
        for (let c = 0; c < n - 1; c++) v[`c${c}`] = base * 1000 + c;
        return v;
      };
      const M = Model as never;
      const e1 = await caught(
        Session.begin(async (s) => {
          s.add(new Model(row(0)) as never);
          await dao(s).addMany(Array.from({ length: 5 }, (_, k) => row(k + 1)));
          await dao(s).insertMany(Array.from({ length: 5 }, (_, k) => row(k + 6)));
        }),
      );
      expect(e1, `n=${n} inserts: ${e1}`).toBeUndefined();
      const e2 = await caught(
        Session.begin(async (s) => {
          const all = (await s.select(M).all()) as Record<string, unknown>[];
          for (const o of all) for (let c = 0; c < n - 1; c++) o[`c${c}`] = -(o[`c${c}`] as number);
        }),
      );
      expect(e2, `n=${n} changed objects: ${e2}`).toBeUndefined();
      const e3 = await caught(
        Session.begin(async (s) => {
          for (let k = 0; k < 5; k++) {
            const v = row(k, 7);
            delete v.key;
            s.updateWhere(M, { key: `k${k}` } as never, v as never);
          }
        }),
      );
      expect(e3, `n=${n} updateWhere run: ${e3}`).toBeUndefined();
      const ids = (await Session.begin((s) => s.select(M).all())) as unknown as { id: number }[];
      const e4 = await caught(
        Session.begin(async (s) => {
          await dao(s).bulkUpdate(
            ids.map(({ id }) => {
              const v = row(id, 9);
              delete v.key;
              return { id, ...v };
            }),
          );
          await dao(s).upsert(['key'], row(3, 11));
        }),
      );
      expect(e4, `n=${n} bulkUpdate/upsert: ${e4}`).toBeUndefined();
      const got = (await Session.begin((s) =>
        s
          .select(M)
          .where({ key: 'k3' } as never)
          .one(),
      )) as Record<string, unknown>;
      expect(got[`c${n - 2}`]).toBe(11 * 1000 + n - 2);
      const e5 = await caught(
        Session.begin(async (s) => {
          const all = await s.select(M).all();
          for (const o of all) s.delete(o as never);
        }),
      );
      expect(e5, `n=${n} delete: ${e5}`).toBeUndefined();
      expect(await Session.begin((s) => s.select(M).count())).toBe(0);
    }
  });
});

/** Phrases D1 and the Durable Object runtime use for their own failures, as a schema may spell names. */
const INFRA_PHRASES = [
  'overloaded',
  'Network connection lost',
  'connection reset',
  'object to be reset',
  'internal error',
  'Durable Object was reset',
  'too many SQL variables',
  'statement too long',
  'LIKE or GLOB pattern too complex',
  'cannot start a transaction',
  'BEGIN TRANSACTION or SAVEPOINT',
];

describe('SQLite errors are classified by their result code, whatever names and RAISE() messages they carry', () => {
  it('property: a CHECK named after an infrastructure phrase, a missing table of that name, a RAISE() of it', async () => {
    const engine = engineOf();
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INFRA_PHRASES), fc.constantFrom('', 'x_', ' 1'), async (phrase, affix) => {
        const name = `${affix}${phrase}${affix}`;
        const table = `chk_${++k}`;
        await engine.execute(
          sql`CREATE TABLE ${sql.ident(table)} (v INTEGER CONSTRAINT ${sql([`"${name.replaceAll('"', '""')}"`] as unknown as TemplateStringsArray)} CHECK (v < 10))`,
        );
        const q = (text: string) => sql([text] as unknown as TemplateStringsArray);
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

describe('counts of plain INSERTs whose table-level ON CONFLICT REPLACE cascades', () => {
  const Base = declarativeBase();
  class RParent extends Base('RParent', { key: t.text().unique() }) {}
  class RChild extends Base('RChild', { parent_id: t.integer().references(() => RParent, { onDelete: 'cascade' }), label: t.text() }) {}
  class RParentDAO extends BaseDAO(RParent) {}

  it('insertMany replacing a parent with 3 cascading children counts 1 row, as better-sqlite3 does', async () => {
    const engine = engineOf();
    const { createAllSql } = await import('@litedao/core');
    const ddl = createAllSql([RParent, RChild]).replace('UNIQUE ("key")', 'UNIQUE ("key") ON CONFLICT REPLACE');
    expect(ddl).toContain('ON CONFLICT REPLACE');
    for (const stmt of ddl.split(/;\s*\n/).filter((x) => x.trim())) await env.DB.prepare(stmt).run();
    const Session = createSessionMaker(engine);
    const p = await Session.begin(async (s) => {
      const p = new RParent({ key: 'a' });
      s.add(p);
      return p;
    });
    await Session.begin(async (s) => s.addAll([1, 2, 3].map((i) => new RChild({ parent_id: p.id as number, label: `c${i}` }))));
    const w = await Session.begin(async (s) => new RParentDAO(s).insertMany([{ key: 'a' }, { key: 'b' }]));
    expect(w.rowsAffected).toBe(2);
    expect(await Session.begin((s) => s.select(RChild).count())).toBe(0);
  });
});

describe('values right under maxValueBytes through the JSON bulk form', () => {
  const Base = declarativeBase();
  class Big extends Base('Big', { s: t.text().nullable(), b: t.blob().nullable(), j: t.json().nullable() }) {}
  class BigDAO extends BaseDAO(Big) {}

  it('insertMany/addMany/bulkUpdate of values of 2,000,000 bytes (some that JSON escapes) commit, as each value is within the limit', async () => {
    const engine = engineOf();
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    const values = [
      { s: 'é'.repeat(1_000_000) },
      { s: '"'.repeat(2_000_000) },
      { s: '\n'.repeat(2_000_000) },
      { b: new Uint8Array(2_000_000).fill(7) },
      { j: 'x'.repeat(1_999_990) },
    ];
    for (const v of values) {
      const label = Object.entries(v).map(([k, x]) => `${k}:${typeof x === 'string' ? JSON.stringify(x.slice(0, 1)) : 'bytes'}`)[0];
      const e1 = await caught(Session.begin(async (s) => new BigDAO(s).insertMany([v as never, { s: 'small' }])));
      expect(e1, `insertMany ${label}: ${e1}`).toBeUndefined();
      const e2 = await caught(Session.begin(async (s) => new BigDAO(s).addMany([v as never, { s: 'small' }])));
      expect(e2, `addMany ${label}: ${e2}`).toBeUndefined();
    }
    expect(await Session.begin((s) => s.select(Big).count())).toBe(values.length * 4);
    const ids = (await Session.begin((s) => s.select(Big).all())).map((b) => b.id as number);
    const e3 = await caught(
      Session.begin(async (s) => new BigDAO(s).bulkUpdate(ids.slice(0, 3).map((id) => ({ id, s: '"'.repeat(2_000_000) })))),
    );
    expect(e3, `bulkUpdate: ${e3}`).toBeUndefined();
  });
});
