/**
 * The performance regression check: what each operation costs in work that does not depend on the machine's
 * speed or load, so it cannot flake on a shared CI machine. Statements sent per operation, SQLite statements
 * prepared (the driver's cache must answer every repeat), promise turns of a read, heap bytes allocated
 * per operation (counted with `v8.GCProfiler`: the heap's growth plus what every collection in between freed),
 * and heap bytes retained per queued write and per committed new object (what a large commit makes the
 * garbage collector copy).
 *
 * Allocation budgets are the figures measured when the hot paths were tuned (issue 14) with headroom for
 * V8's optimizing compiler finishing sooner or later (each figure is the least of three counts after a
 * warm-up). A change that allocates clearly more per row fails here; one that only got slower shows in
 * `npm run bench` (docs/benchmarks.md).
 */

import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createEngine, createSessionMaker, type Driver, declarativeBase, type Statement, t } from '@litedao/core';
import { promiseTurns } from '@litedao/testkit';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const Base = declarativeBase();
class User extends Base('User', { name: t.text(), email: t.text() }) {}

interface Counts {
  executes: number;
  batches: number;
  batchStatements: number;
  /** Statements run: a repeated statement counts its runs. */
  runs: number;
  prepares: number;
  sql: Set<string>;
}

/** A real better-sqlite3 database and driver; the driver is wrapped only to count what it is asked to run. */
function open(seedRows: number) {
  const db = new Database(':memory:');
  const counts: Counts = { executes: 0, batches: 0, batchStatements: 0, runs: 0, prepares: 0, sql: new Set() };
  const prepare = db.prepare.bind(db);
  (db as unknown as { prepare: typeof db.prepare }).prepare = ((source: string) => {
    counts.prepares++;
    return prepare(source);
  }) as typeof db.prepare;
  const driver = createNodeDriver(db as never);
  const seen = (s: Statement) => counts.sql.add(s.sql);
  const counting: Driver = {
    name: driver.name,
    capabilities: driver.capabilities,
    limits: driver.limits,
    transaction: driver.transaction?.bind(driver),
    mapError: (e) => driver.mapError(e),
    close: () => driver.close(),
    execute: (s) => {
      counts.executes++;
      seen(s);
      return driver.execute(s);
    },
    executeSync: (s) => {
      counts.executes++;
      seen(s);
      return driver.executeSync?.(s) as ReturnType<NonNullable<Driver['executeSync']>>;
    },
    batch: (ss) => {
      counts.batches++;
      counts.batchStatements += ss.length;
      for (const s of ss) {
        seen(s);
        counts.runs += s.repeat ?? 1;
      }
      return driver.batch(ss);
    },
  };
  const engine = createEngine(counting);
  const Session = createSessionMaker(engine);
  db.exec(
    'CREATE TABLE "users" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "email" TEXT NOT NULL, ' +
      `"created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now')), ` +
      `"updated_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now')))`,
  );
  const seed = db.prepare('INSERT INTO "users" ("name", "email", "created_at", "updated_at") VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= seedRows; i++) {
      // Distinct timestamps, as real rows have.
      const created = new Date(Date.UTC(2024, 0, 1) + i * 3_600_007 + i).toISOString().replace('T', ' ').replace('Z', '000');
      seed.run(`user ${i}`, `user${i}@example.com`, created, created);
    }
  })();
  const reset = () => {
    counts.executes = 0;
    counts.batches = 0;
    counts.batchStatements = 0;
    counts.runs = 0;
    counts.prepares = 0;
    counts.sql.clear();
  };
  return { db, engine, Session, counts, reset };
}

type Opened = ReturnType<typeof open>;
let opened: Opened | undefined;
afterEach(async () => {
  await opened?.engine.close();
  opened = undefined;
});

/** Heap bytes allocated while `fn` runs (no collection is forced inside). */
async function allocated(fn: () => Promise<unknown>): Promise<number> {
  const profiler = new GCProfiler();
  profiler.start();
  const before = getHeapStatistics().used_heap_size;
  await fn();
  const end = getHeapStatistics().used_heap_size;
  let freed = 0;
  for (const s of profiler.stop()?.statistics ?? [])
    freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  return end - before + freed;
}

/** The least of three counts of bytes per unit, after `fn` ran twice untimed (optimized code, as in an app). */
async function bytesPer(units: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  await fn();
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    gc();
    least = Math.min(least, (await allocated(fn)) / units);
  }
  return least;
}

const ROWS = 1000;

describe('statements per operation (better-sqlite3)', () => {
  it('get: one statement per row not yet in the session, none for a row it holds; no statement is prepared twice', async () => {
    opened = open(ROWS);
    const { Session, counts, reset } = opened;
    const s = Session();
    await s.get(User, 1);
    reset();
    for (let id = 2; id <= 101; id++) await s.get(User, id);
    expect(counts).toMatchObject({ executes: 100, batches: 0, prepares: 0 });
    expect(counts.sql.size).toBe(1);
    reset();
    for (let id = 2; id <= 101; id++) await s.get(User, id);
    expect(counts).toMatchObject({ executes: 0, batches: 0, prepares: 0 });
    await s.close();
  });

  it("a read settles in as many promise turns as the API has async layers (get: one; select: its query's two)", async () => {
    opened = open(10);
    const s = opened.Session();
    await s.get(User, 1);
    expect(await promiseTurns(s.get(User, 2))).toBe(1);
    expect(await promiseTurns(s.select(User).all())).toBeLessThanOrEqual(2);
    await s.close();
  });

  it('select, count and deleteWhere: one statement each', async () => {
    opened = open(ROWS);
    const { Session, counts, reset } = opened;
    const s = Session();
    reset();
    expect(await s.select(User).orderBy({ id: 'asc' }).all()).toHaveLength(ROWS);
    expect(await s.select(User).count()).toBe(ROWS);
    expect(counts).toMatchObject({ executes: 2, batches: 0 });
    reset();
    s.deleteWhere(User, { id: { gt: ROWS - 10 } });
    await s.commit();
    expect(counts).toMatchObject({ executes: 0, batches: 1, batchStatements: 1 });
    await s.close();
  });

  it('add × 10,000: one batch of multi-row INSERTs (256 rows each, then powers of two), two SQL texts', async () => {
    opened = open(0);
    const { Session, counts, reset } = opened;
    const s = Session();
    for (let i = 0; i < 10_000; i++) s.add(new User({ name: `n${i}`, email: `e${i}` }));
    reset();
    await s.commit();
    // 39 × 256 + 16
    expect(counts).toMatchObject({ executes: 0, batches: 1, batchStatements: 40 });
    expect(counts.sql.size).toBe(2);
    await s.close();
  });

  it('updateWhere × 1,000 by id: one batch of 7 UPDATE … FROM (VALUES …) statements (3 × 256 + 128 + 64 + 32 + 8), 5 SQL texts', async () => {
    opened = open(ROWS);
    const { Session, counts, reset } = opened;
    const s = Session();
    reset();
    for (let id = 1; id <= ROWS; id++) s.updateWhere(User, { id }, { name: `renamed ${id}` });
    await s.commit();
    expect(counts).toMatchObject({ executes: 0, batches: 1, batchStatements: 7, runs: 7, prepares: 5 });
    expect(counts.sql.size).toBe(5);
    // The same run again: the statements are cached.
    reset();
    for (let id = 1; id <= ROWS; id++) s.updateWhere(User, { id }, { name: `again ${id}` });
    await s.commit();
    expect(counts).toMatchObject({ batches: 1, batchStatements: 7, prepares: 0 });
    await s.close();
  });

  it('updateWhere by id with an id repeated: the run is cut there, one statement per side', async () => {
    opened = open(ROWS);
    const { Session, counts, reset } = opened;
    const s = Session();
    reset();
    for (const id of [1, 2, 3, 2, 4]) s.updateWhere(User, { id }, { name: `renamed ${id}` });
    await s.commit();
    // [1, 2, 3] as 2 + 1 rows, then [2, 4] as 2 rows.
    expect(counts).toMatchObject({ batches: 1, batchStatements: 3 });
    await s.close();
  });

  it('insertMany × 10,000: one batch of 40 multi-row INSERTs (39 × 256 + 16), two SQL texts', async () => {
    opened = open(0);
    const { Session, counts, reset } = opened;
    const s = Session();
    reset();
    s.insertMany(
      User,
      Array.from({ length: 10_000 }, (_, i) => ({ name: `n${i}`, email: `e${i}` })),
    );
    await s.commit();
    expect(counts).toMatchObject({ executes: 0, batches: 1, batchStatements: 40 });
    expect(counts.sql.size).toBe(2);
    await s.close();
  });

  it('load-modify-commit: one read per object, one UPDATE … FROM (VALUES …) per chunk of changed objects, none for an unchanged one', async () => {
    opened = open(ROWS);
    const { Session, counts, reset } = opened;
    const s = Session();
    reset();
    const users: User[] = [];
    for (let id = 1; id <= ROWS; id++) users.push((await s.get(User, id)) as User);
    for (const u of users.slice(0, 500)) u.name = `${u.name}!`;
    await s.commit();
    // 500 changed objects of one shape: 256 + 128 + 64 + 32 + 16 + 4 rows.
    expect(counts).toMatchObject({ executes: ROWS, batches: 1, batchStatements: 6 });
    reset();
    await s.commit();
    expect(counts).toMatchObject({ executes: 0, batches: 0 });
    await s.close();
  });
});

/**
 * Heap bytes allocated per operation, and the budgets. The raw driver's own allocation for the same work is
 * the floor (a row array with its strings, or a run result): litedao's budget covers its objects with two
 * Dates, the identity map, snapshots and the unit of work's bookkeeping.
 */
describe('heap bytes allocated per operation (better-sqlite3)', () => {
  it('stays within its budget for every hot operation', async () => {
    opened = open(ROWS);
    const { Session } = opened;
    const got: Record<string, number> = {};
    got.get = await bytesPer(ROWS, async () => {
      const s = Session();
      for (let id = 1; id <= ROWS; id++) await s.get(User, id);
      await s.close();
    });
    got['select row'] = await bytesPer(ROWS * 5, async () => {
      for (let i = 0; i < 5; i++) {
        const s = Session();
        await s.select(User).orderBy({ id: 'asc' }).all();
        await s.close();
      }
    });
    got['updateWhere + commit'] = await bytesPer(ROWS, async () => {
      const s = Session();
      for (let id = 1; id <= ROWS; id++) s.updateWhere(User, { id }, { name: `u${id}` });
      await s.commit();
      await s.close();
    });
    const names = Array.from({ length: ROWS }, (_, i) => `q${i}`);
    got['queued updateWhere'] = await bytesPer(ROWS, async () => {
      const s = Session();
      for (let id = 1; id <= ROWS; id++) s.updateWhere(User, { id }, { name: names[id - 1] as string });
      await s.close();
    });
    got['load-modify-commit row'] = await bytesPer(ROWS, async () => {
      const s = Session();
      for (let id = 1; id <= ROWS; id++) ((await s.get(User, id)) as User).name = `m${id}`;
      await s.commit();
      await s.close();
    });
    const inserts = Array.from({ length: 5000 }, (_, i) => ({ name: `n${i}`, email: `e${i}@example.com` }));
    got['add + commit row'] = await bytesPer(inserts.length, async () => {
      const s = Session();
      for (const v of inserts) s.add(new User(v));
      await s.commit();
      await s.close();
    });
    got['insertMany row'] = await bytesPer(inserts.length, async () => {
      const s = Session();
      s.insertMany(User, inserts);
      await s.commit();
      await s.close();
    });
    // Budgets: measured bytes (optimized code, Node 22, better-sqlite3 13) × ~1.5, and never below the figure
    // measured with V8's optimizing tiers off (`--max-opt=0`) × 1.15, so a run whose code V8 has not optimized
    // yet on a busy machine still passes. Measured at the commit that set them (optimized / interpreter only):
    // get 1,216 / 1,440; select row 686 / 856; updateWhere + commit 882 / 881 (1,371 / 1,401 before a run of
    // same-shape updates became one repeated statement); load-modify-commit row 1,498 / 2,274; add + commit
    // row 1,140 / 1,231 (1,097 optimized since new objects are no longer kept in a Set); insertMany row 100 /
    // 101 (85 optimized since rows are encoded straight into their chunks). (The first budgets, from the first
    // tuning pass: 2,000 / 1,200 / 2,400 / 3,300 / 2,000 / 200.) updateWhere + commit 351 / 346 and queued
    // updateWhere 222 / 225 (the caller's two objects included) since the common call skips the general checks'
    // objects (882–894 and ≈ 800 before).
    const budget: Record<string, number> = {
      get: 1800,
      'select row': 1050,
      'updateWhere + commit': 520,
      'queued updateWhere': 330,
      'load-modify-commit row': 2650,
      'add + commit row': 1600,
      'insertMany row': 130,
    };
    expect(Object.keys(got).sort()).toEqual(Object.keys(budget).sort());
    for (const [op, bytes] of Object.entries(got)) {
      // A count of zero would mean the measurement itself broke (no allocation is free of bytes).
      expect(bytes, op).toBeGreaterThan(0);
      expect(bytes, `${op}: ${Math.round(bytes)} bytes`).toBeLessThanOrEqual(budget[op] as number);
    }
  });
});

/**
 * Heap bytes that `fill` leaves reachable per unit: measured after a full GC before and after it, while its
 * session (made by `start`, outside the measurement) is alive. The median of three rounds after one uncounted
 * round (which also fills the caches that live as long as the engine: statements, SQL shapes); the median, not
 * the least, because what an earlier round's closed session leaves may be freed inside a later round.
 */
async function retainedPer<S>(units: number, start: () => S, fill: (s: S) => Promise<void>, end: (s: S) => Promise<void>): Promise<number> {
  const rounds: number[] = [];
  for (let i = 0; i < 4; i++) {
    const s = start();
    gc();
    const before = getHeapStatistics().used_heap_size;
    await fill(s);
    gc();
    const after = getHeapStatistics().used_heap_size;
    await end(s);
    if (i > 0) rounds.push((after - before) / units);
  }
  return rounds.sort((a, b) => a - b)[1] as number;
}

/**
 * Bytes kept alive, which is what the young-generation collector copies while a unit of work is queued: every
 * queued update and every new object stays reachable until commit (and a committed object until the session
 * closes), so these are the bytes behind the GC time of large commits.
 */
describe('heap bytes retained per queued write and per committed new object (better-sqlite3)', () => {
  it('stays within its budget', async () => {
    opened = open(ROWS);
    const { Session } = opened;
    const got: Record<string, number> = {};
    const names = Array.from({ length: ROWS }, (_, i) => `u${i}`);
    got['queued updateWhere'] = await retainedPer(
      ROWS,
      () => Session(),
      async (s) => {
        for (let id = 1; id <= ROWS; id++) s.updateWhere(User, { id }, { name: names[id - 1] as string });
      },
      (s) => s.close(),
    );
    const inserts = Array.from({ length: 5000 }, (_, i) => ({ name: `n${i}`, email: `e${i}@example.com` }));
    got['queued new object'] = await retainedPer(
      inserts.length,
      () => ({ s: Session(), objects: inserts.map((v) => new User(v)) }),
      async ({ s, objects }) => {
        for (const o of objects) s.add(o);
      },
      ({ s }) => s.close(),
    );
    got['new object, committed'] = await retainedPer(
      inserts.length,
      () => Session(),
      async (s) => {
        for (const v of inserts) s.add(new User(v));
        await s.commit();
      },
      (s) => s.close(),
    );
    // Measured at the commit that set them (Node 22, optimized and interpreter-only alike): queued updateWhere
    // 67 bytes (its values and its result: 190 while each call was an operation of its own, 339–350 before the
    // queue kept shared shapes instead of each call's objects; 70–83 in later runs of unchanged code, hence 95);
    // queued new object 55–60 bytes (its operation; 92 while the session also kept each one in a Set); new
    // object, committed 462–495 bytes (≈ 570 before its snapshot shared the INSERT's timestamp string): its
    // values, two Dates, the snapshot and the identity map entry. Budgets: ≈ 1.15–1.25 × measured, under the old
    // figures.
    const budget: Record<string, number> = { 'queued updateWhere': 95, 'queued new object': 75, 'new object, committed': 540 };
    for (const [what, bytes] of Object.entries(got)) {
      expect(bytes, what).toBeGreaterThan(0);
      expect(bytes, `${what}: ${Math.round(bytes)} bytes`).toBeLessThanOrEqual(budget[what] as number);
    }
  });
});
