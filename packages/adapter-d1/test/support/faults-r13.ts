// The same faults on any engine, classified by what a user branches on (class name, code, sqliteCode, constraint
// kind, table, columns): the D1 and Durable Object hostile tests compare these with better-sqlite3's answers
// (bench/scratch-r13-cf/parity.ts prints those; they are pasted in as NODE_FAULTS).
import { BaseDAO, createSessionMaker, declarativeBase, type Engine, increment, sql, t } from '@litedao/core';

export const FaultBase = declarativeBase();
export class FParent extends FaultBase('FParent', { code: t.text().unique(), n: t.integer(), big: t.bigint().default(0n) }) {}
export class FChild extends FaultBase('FChild', { parent_id: t.integer().references(() => FParent), label: t.text() }) {}
export class FVersioned extends FaultBase('FVersioned', { name: t.text(), version: t.version() }) {}
class ParentDAO extends BaseDAO(FParent) {}

export interface Classified {
  name?: string;
  code?: string;
  sqliteCode?: string;
  kind?: string;
  table?: string;
  columns?: readonly string[];
  capability?: string;
  /** The scenario resolved: its value. */
  value?: unknown;
}

export function classify(e: unknown): Classified {
  if (!(e instanceof Error)) return { name: 'not an Error', value: String(e) };
  const x = e as Error & Record<string, unknown>;
  const out: Classified = { name: x.constructor.name };
  for (const k of ['code', 'sqliteCode', 'kind', 'table', 'columns', 'capability'] as const) {
    if (x[k] !== undefined) (out as Record<string, unknown>)[k] = x[k];
  }
  return out;
}

async function outcome(run: () => Promise<unknown>): Promise<Classified> {
  try {
    const v = await run();
    const text = JSON.stringify(v ?? null, (_k, y) =>
      typeof y === 'bigint' ? `${y}n` : typeof y === 'string' && y.length > 40 ? `${y.slice(0, 20)}…(${y.length})` : y,
    );
    return { value: JSON.parse(text) };
  } catch (e) {
    return classify(e);
  }
}

/** Creates the schema and runs every fault; each one on the same seeded data (every failing unit writes nothing). */
export async function runFaults(engine: Engine): Promise<Record<string, Classified>> {
  await engine.createAll(FaultBase.metadata.models);
  await engine.execute(sql`CREATE TABLE IF NOT EXISTS fchk (v INTEGER CHECK (v > 0))`);
  await engine.execute(
    sql`CREATE TABLE IF NOT EXISTS fnamed (v INTEGER CONSTRAINT "not overloaded" CHECK (v < 10), w INTEGER CONSTRAINT "Network connection lost" CHECK (w < 10))`,
  );
  await engine.execute(sql`CREATE TABLE IF NOT EXISTS fraise (msg TEXT)`);
  await engine.execute(
    sql`CREATE TRIGGER IF NOT EXISTS fraise_t BEFORE INSERT ON fraise BEGIN SELECT RAISE(ABORT, NEW.msg) WHERE NEW.msg IS NOT NULL; END`,
  );
  const Session = createSessionMaker(engine);
  const [p1] = await Session.begin(async (s) => {
    const ps = [new FParent({ code: 'a', n: 1 }), new FParent({ code: 'b', n: Number.MAX_SAFE_INTEGER })];
    s.addAll(ps);
    s.add(new FVersioned({ name: 'v' }));
    return ps;
  });
  const id1 = (p1 as FParent).id as number;
  const list = (n: number) =>
    sql([''].concat(Array(n - 1).fill(', '), ['']) as unknown as TemplateStringsArray, ...Array.from({ length: n }, (_, i) => i));
  const many = (n: number) => sql`SELECT ${list(n)}`;
  const scenarios: Record<string, () => Promise<unknown>> = {
    unique: () => Session.begin(async (s) => s.add(new FParent({ code: 'a', n: 0 }))),
    uniqueUpdate: () => Session.begin(async (s) => s.updateWhere(FParent, { code: 'b' }, { code: 'a' })),
    uniqueRaw: () => engine.execute(sql`INSERT INTO f_parents (code, n) VALUES ('a', 0)`),
    fk: () => Session.begin(async (s) => s.add(new FChild({ parent_id: 999_999, label: 'x' }))),
    fkDeleteParent: async () => {
      await Session.begin(async (s) => s.add(new FChild({ parent_id: id1, label: 'x' })));
      try {
        return await Session.begin(async (s) => s.deleteWhere(FParent, { id: id1 }));
      } finally {
        await engine.execute(sql`DELETE FROM f_children`);
      }
    },
    notNullRaw: () => Session.begin(async (s) => s.addStatement(sql`UPDATE f_parents SET n = NULL`)),
    checkRaw: () => engine.execute(sql`INSERT INTO fchk (v) VALUES (0)`),
    checkInUnit: () =>
      Session.begin(async (s) => {
        s.add(new FParent({ code: 'zz', n: 1 }));
        s.addStatement(sql`INSERT INTO fchk (v) VALUES (-1)`);
      }),
    strictDatatype: () => engine.execute(sql`INSERT INTO f_parents (code, n) VALUES ('q', 'abc')`),
    syntax: () => engine.execute(sql`SELEC 1`),
    noSuchTable: () => engine.execute(sql`SELECT * FROM nope`),
    noSuchColumn: () => engine.execute(sql`SELECT nope FROM f_parents`),
    params100: async () => (await engine.execute(many(100))).rows.length,
    params101: async () => (await engine.execute(many(101))).rows.length,
    params101InUnit: () => Session.begin(async (s) => s.addStatement(sql`INSERT INTO fchk (v) SELECT 1 WHERE 1 IN (${list(101)})`)),
    longStatement: async () =>
      (await engine.execute(sql([`SELECT 1 /* ${'x'.repeat(100_010)} */ AS one`] as unknown as TemplateStringsArray))).rows,
    longLike: () =>
      Session.begin((s) =>
        s
          .select(FParent)
          .where({ code: { like: `%${'x'.repeat(60)}%` } })
          .count(),
      ),
    likeAt50: () =>
      Session.begin((s) =>
        s
          .select(FParent)
          .where({ code: { like: `%${'x'.repeat(48)}%` } })
          .count(),
      ),
    orList150: () =>
      Session.begin((s) =>
        s
          .select(FParent)
          .where({ or: Array.from({ length: 150 }, (_, i) => ({ code: `c${i}` })) })
          .count(),
      ),
    inList5000: () =>
      Session.begin((s) =>
        s
          .select(FParent)
          .where({ n: { in: Array.from({ length: 5000 }, (_, i) => i) } })
          .count(),
      ),
    notInList5000: () =>
      Session.begin((s) =>
        s
          .select(FParent)
          .where({ n: { notIn: Array.from({ length: 5000 }, (_, i) => i) } })
          .count(),
      ),
    deepNot: () => {
      let f: Record<string, unknown> = { code: 'a' };
      for (let i = 0; i < 120; i++) f = { not: f };
      return Session.begin((s) =>
        s
          .select(FParent)
          .where(f as never)
          .count(),
      );
    },
    andOf60: () =>
      Session.begin((s) =>
        s
          .select(FParent)
          .where({ and: Array.from({ length: 60 }, () => ({ n: { gte: 0 } })) })
          .count(),
      ),
    incrementPastSafe: async () => {
      await Session.begin(async (s) => s.updateWhere(FParent, { code: 'b' }, { n: increment(1) }));
      return Session.begin((s) =>
        s
          .select(FParent)
          .where({ code: 'b' })
          .one()
          .then((p) => p.n),
      );
    },
    bigintOverflow: async () => {
      await Session.begin(async (s) => s.updateWhere(FParent, { code: 'a' }, { big: 2n ** 63n - 1n }));
      return Session.begin(async (s) => s.updateWhere(FParent, { code: 'a' }, { big: increment(1n as never) }));
    },
    stale: async () => {
      const s1 = Session();
      const s2 = Session();
      const a = await s1.select(FVersioned).one();
      const b = await s2.select(FVersioned).one();
      a.name = 'x';
      b.name = 'y';
      await s1.commit();
      try {
        await s2.commit();
      } finally {
        await s1.close();
        await s2.close();
      }
    },
    notFound: () => Session.begin((s) => new ParentDAO(s).findByIds([id1, 424242], { missing: 'error' })),
    multiple: () => Session.begin((s) => new ParentDAO(s).findOneOrNone({ n: { gte: 0 } })),
    rawBegin: () => engine.execute(sql`BEGIN`),
    rawTwoStatements: () => engine.execute(sql`SELECT 1; SELECT 2`),
    deleteAllNoFlag: () => Session.begin(async (s) => s.deleteWhere(FParent, {})),
    nanFilter: () => Session.begin((s) => s.select(FParent).where({ n: Number.NaN }).count()),
    loneSurrogateFilter: () => Session.begin((s) => s.select(FParent).where({ code: '\uD800' }).count()),
    nulFilter: () => Session.begin((s) => s.select(FParent).where({ code: 'a\u0000' }).count()),
    hugeFilterValue: () =>
      Session.begin((s) =>
        s
          .select(FParent)
          .where({ code: 'x'.repeat(2_000_001) })
          .count(),
      ),
    rawBlobParam: async () => (await engine.execute(sql`SELECT length(${new Uint8Array(3)}) AS n`)).rows,
    rawBigParam: async () => (await engine.execute(sql`SELECT ${2n ** 60n} AS n`)).rows,
    rawBoolParam: async () => (await engine.execute(sql`SELECT ${true} AS n`)).rows,
    rawDateParam: async () => (await engine.execute(sql`SELECT ${new Date(0)} AS n`)).rows,
    rawNaNParam: async () => (await engine.execute(sql`SELECT ${Number.NaN} AS n`)).rows,
    rawUndefinedParam: async () => (await engine.execute(sql`SELECT ${undefined} AS n`)).rows,
    rawDupNames: async () => (await engine.execute(sql`SELECT 1 AS a, 2 AS a`)).rows,
    rawReadBigInt: async () => (await engine.execute(sql`SELECT 9007199254740993 AS n`)).rows,
    rawReadNegZero: async () => (await engine.execute(sql`SELECT -0.0 AS n`)).rows,
    rawReturning: async () => {
      const r = await engine.execute(
        sql`INSERT INTO f_parents (code, n) VALUES ('ret', 5) RETURNING code, n AS "1", n AS "0", code AS code`,
      );
      await engine.execute(sql`DELETE FROM f_parents WHERE code = 'ret'`);
      return { rows: r.rows, columns: r.columns, changes: r.changes };
    },
    rawReturningTwo: async () => {
      const r = await engine.execute(sql`UPDATE f_parents SET n = n RETURNING code AS "b", id AS "2"`);
      return { rows: r.rows.length, columns: r.columns, changes: r.changes };
    },
    rawInsertSelectCount: async () => {
      const r = await engine.execute(sql`INSERT INTO fchk (v) SELECT n + 1 FROM f_parents WHERE n < 100`);
      await engine.execute(sql`DELETE FROM fchk WHERE v > 1`);
      return r.changes;
    },
    rawPragma: async () => (await engine.execute(sql`PRAGMA table_info(fchk)`)).columns,
    batchRawDupNames: async () => (await engine.batch([{ sql: 'SELECT 1 AS a, 2 AS a', params: [] }])).map((r) => r.rows),
    batchRawOrder: async () => (await engine.batch([{ sql: 'SELECT 1 AS b, 2 AS "1"', params: [] }])).map((r) => [r.columns, r.rows]),
    noSuchTableOverloaded: () => engine.execute(sql`SELECT * FROM overloaded_jobs`),
    noSuchTableReset: () => engine.execute(sql`SELECT * FROM "Durable Object was reset"`),
    noSuchTableNetwork: () => Session.begin((s) => s.execute(sql`SELECT * FROM "Network connection lost"`)),
    noSuchFunctionBegin: () => engine.execute(sql`SELECT "BEGIN TRANSACTION or SAVEPOINT"()`),
    checkNamedOverloaded: () => engine.execute(sql`INSERT INTO fnamed (v, w) VALUES (11, 0)`),
    checkNamedNetworkLost: () => Session.begin(async (s) => s.addStatement(sql`INSERT INTO fnamed (v, w) VALUES (0, 11)`)),
    ...Object.fromEntries(
      [
        'overloaded',
        'Network connection lost',
        'the connection was reset',
        'internal error',
        'Durable Object was reset',
        'D1 DB is overloaded',
        'too many SQL variables',
        'statement too long',
        'LIKE or GLOB pattern too complex',
        'cannot start a transaction within a transaction',
        'SQL is not enabled for this Durable Object class',
        'Cannot perform I/O on behalf of a different Durable Object',
        'Wrong number of parameter bindings',
        'D1_TYPE_ERROR: Type x',
        'D1_SESSION_ERROR: x',
      ].map((msg, i) => [`raise${i}`, () => engine.execute(sql`INSERT INTO fraise (msg) VALUES (${msg})`)]),
    ),
    upsertNoop: () =>
      Session.begin(async (s) => {
        const p = s.upsert(FParent, { code: 'a', n: 1 }, { on: ['code'], update: [] });
        return [p.code, p.n];
      }).then(async (v) => [v, (await Session.begin((s) => s.select(FParent).where({ code: 'a' }).one())).n]),
    upsertUpdate: () =>
      Session.begin(async (s) => {
        const p = s.upsert(FParent, { code: 'a', n: 7 }, { on: ['code'] });
        return p;
      }).then((p) => [p.id, p.code, p.n]),
    bigintIncrement: async () => {
      await Session.begin(async (s) => s.updateWhere(FParent, { code: 'b' }, { big: 2n ** 60n }));
      const w = await Session.begin(async (s) => s.updateWhere(FParent, { code: 'b' }, { big: increment(3n) }));
      const back = await Session.begin((s) => s.select(FParent).where({ code: 'b' }).one());
      const found = await Session.begin((s) =>
        s
          .select(FParent)
          .where({ big: 2n ** 60n + 3n })
          .count(),
      );
      return [w.rowsAffected, back.big, found];
    },
    bigintInList: () =>
      Session.begin((s) =>
        s
          .select(FParent)
          .where({ big: { in: [2n ** 60n + 3n, 2n ** 63n - 1n, -(2n ** 63n)] } })
          .count(),
      ),
    negZeroFilter: () => Session.begin((s) => s.select(FParent).where({ n: -0 }).count()),
    rawWriteCount: async () => {
      const r = await engine.execute(sql`UPDATE f_parents SET n = n WHERE n >= 0`);
      return r.changes;
    },
  };
  const out: Record<string, Classified> = {};
  for (const [name, run] of Object.entries(scenarios)) out[name] = await outcome(run);
  out.rowsAfter = await outcome(() => Session.begin((s) => s.select(FParent).count()));
  out.chkAfter = await outcome(async () => (await engine.execute(sql`SELECT count(*) AS n FROM fchk`)).rows);
  return out;
}
