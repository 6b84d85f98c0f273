import {
  ConnectionError,
  createEngine,
  createSessionMaker,
  type Driver,
  type Engine,
  type EngineOptions,
  type SessionMaker,
  type Statement,
} from '@litedao/core';
import { afterEach } from 'vitest';
import { Base } from './models.ts';

/** How the suite reaches one adapter. */
export interface ConformanceTarget {
  /** Adapter name shown in test titles, e.g. "better-sqlite3". */
  readonly name: string;
  /**
   * Returns a driver on a database the suite may wipe (it drops every table it finds before each test), so
   * one shared database (D1 inside a test file) is fine. Called once per test; the suite closes the engine.
   */
  createDriver(): Promise<Driver>;
}

export interface Ctx {
  readonly driver: Driver;
  readonly engine: Engine;
  readonly Session: SessionMaker;
}

const open: Engine[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close().catch(() => {});
});

/** Tables the suite must never touch: SQLite's own and the platform's (D1 keeps `_cf_…` tables). */
function isSystemTable(name: string): boolean {
  return name.startsWith('sqlite_') || name.startsWith('_cf_') || name === 'd1_migrations';
}

/** What a {@link faultyDriver} fails next: nothing, or its next batch before or after the real one runs. */
export type Fault = 'none' | 'before' | 'after';

/**
 * Wraps a real driver (every call goes to the real database) so that its next `batch()` fails as a lost
 * connection would: before sending (nothing applied) or after the real batch committed (only the answer
 * lost). The two cases a caller cannot tell apart.
 */
export function faultyDriver(driver: Driver, options: { remote?: boolean } = {}): { driver: Driver; failNext(fault: Fault): void } {
  let next: Fault = 'none';
  return {
    // A connection that can be lost sits between core and the database: the wrapped driver is remote (unless
    // a test says otherwise, to check what an in-process driver's failure is).
    driver: wrapDriver(driver, {
      capabilities: { ...driver.capabilities, remote: options.remote ?? true },
      batch: async (s) => {
        const fault = next;
        next = 'none';
        if (fault === 'before') throw new ConnectionError('injected fault: connection lost before the batch was sent');
        const results = await driver.batch(s);
        if (fault === 'after') throw new ConnectionError('injected fault: connection lost after the batch committed');
        return results;
      },
    }),
    failNext(fault) {
      next = fault;
    },
  };
}

/**
 * Wraps a real driver so that its next `batch()`, once called, waits for `release()` before it goes to the
 * database: a commit held in flight, to run something during it deterministically.
 */
export function holdingDriver(driver: Driver): {
  driver: Driver;
  /** Holds the next batch before it is sent, or (`after`) once it has run and before its results are returned. */
  holdNext(options?: { after?: boolean }): { called: Promise<void>; release(): void };
} {
  let hold: { sent: () => void; gate: Promise<void>; after: boolean } | undefined;
  return {
    driver: wrapDriver(driver, {
      batch: async (s) => {
        const h = hold;
        hold = undefined;
        if (h?.after) {
          const out = await driver.batch(s);
          h.sent();
          await h.gate;
          return out;
        }
        if (h) {
          h.sent();
          await h.gate;
        }
        return driver.batch(s);
      },
    }),
    holdNext(options) {
      const called = Promise.withResolvers<void>();
      const gate = Promise.withResolvers<void>();
      hold = { sent: called.resolve, gate: gate.promise, after: options?.after === true };
      return { called: called.promise, release: gate.resolve };
    },
  };
}

/** A driver that forwards every call to `driver`, except those given. */
function wrapDriver(driver: Driver, over: Partial<Pick<Driver, 'execute' | 'batch' | 'capabilities'>>): Driver {
  return {
    name: driver.name,
    capabilities: over.capabilities ?? driver.capabilities,
    limits: driver.limits,
    execute: over.execute ?? ((s) => driver.execute(s)),
    batch: over.batch ?? ((s) => driver.batch(s)),
    close: () => driver.close(),
    mapError: (e) => driver.mapError(e),
    ...(driver.transaction ? { transaction: driver.transaction.bind(driver) } : {}),
    ...(driver.bookmark ? { bookmark: driver.bookmark.bind(driver) } : {}),
  };
}

/** Counts of the calls a {@link countingDriver} forwarded. */
export interface CallCounts {
  execute: number;
  batch: number;
  /** SQL of every statement sent, in order (batches flattened). */
  readonly sql: string[];
}

/**
 * Wraps a real driver (every call goes to the real database) and counts the `execute` and `batch` calls
 * core makes, to prove how many statements an operation sends. `reset()` zeroes the counts.
 */
export function countingDriver(driver: Driver): { driver: Driver; calls: CallCounts; reset(): void } {
  const calls: CallCounts = { execute: 0, batch: 0, sql: [] };
  const wrapped = wrapDriver(driver, {
    execute: (s) => {
      calls.execute++;
      calls.sql.push(s.sql);
      return driver.execute(s);
    },
    batch: (s) => {
      calls.batch++;
      for (const x of s) calls.sql.push(x.sql);
      return driver.batch(s);
    },
  });
  return {
    driver: wrapped,
    calls,
    reset() {
      calls.execute = 0;
      calls.batch = 0;
      calls.sql.length = 0;
    },
  };
}

/** Options of {@link setup}. */
export interface SetupOptions {
  /** Create the suite's tables (default true). */
  readonly create?: boolean;
  /** Options of the engine. */
  readonly engine?: EngineOptions;
  /** Wraps the driver before the engine gets it (fault injection). */
  readonly wrap?: (driver: Driver) => Driver;
}

/** A driver on an empty database with the suite's tables created (unless `create` is false). */
export async function setup(target: ConformanceTarget, options: boolean | SetupOptions = true): Promise<Ctx> {
  const opts: SetupOptions = typeof options === 'boolean' ? { create: options } : options;
  const create = opts.create ?? true;
  const driver = await target.createDriver();
  const res = await driver.execute({
    sql:
      'SELECT m.name, f."table" FROM sqlite_schema AS m LEFT JOIN pragma_foreign_key_list(m.name) AS f ' +
      "WHERE m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_' AND substr(m.name, 1, 4) <> '_cf_'",
    params: [],
    returnsRows: true,
  });
  // Children before the tables they reference: D1 fails dropping a parent after a child in one batch.
  const refs = new Map<string, Set<string>>();
  for (const [name, parent] of res.rows) {
    const n = String(name);
    if (isSystemTable(n)) continue;
    if (!refs.has(n)) refs.set(n, new Set());
    if (parent !== null && String(parent) !== n) refs.get(n)?.add(String(parent));
  }
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (n: string, path: Set<string>) => {
    if (done.has(n) || path.has(n)) return;
    path.add(n);
    for (const [child, parents] of refs) if (parents.has(n)) visit(child, path);
    path.delete(n);
    done.add(n);
    order.push(n);
  };
  for (const n of refs.keys()) visit(n, new Set());
  const drops = order.map((n) => ({ sql: `DROP TABLE IF EXISTS "${n.replaceAll('"', '""')}"`, params: [], returnsRows: false }));
  // Deferred foreign keys: what is left of the order (cycles) still drops inside one atomic batch.
  const defer = { sql: 'PRAGMA defer_foreign_keys = ON', params: [], returnsRows: false };
  if (drops.length) await driver.batch([defer, ...drops]).catch(async () => driver.batch([defer, ...(await standInDrops(driver, order))]));
  const engine = createEngine(opts.wrap ? opts.wrap(driver) : driver, opts.engine);
  open.push(engine);
  if (create) await Base.metadata.createAll(engine);
  return { driver, engine, Session: createSessionMaker(engine) };
}

/**
 * Drops for tables no order can drop one by one with foreign keys on (D1 and Durable Objects cannot turn them off):
 * DROP TABLE empties a referenced table first, and that DELETE needs every table it and the rows it cascades to
 * reference, so in some cycles (a self-reference inside a cycle of three) each first drop leaves the next one a
 * missing parent. Each table is replaced at once by a stand-in of the same name holding only the referenced keys,
 * and the stand-ins, which reference nothing, are dropped last.
 */
async function standInDrops(driver: Driver, order: readonly string[]): Promise<Statement[]> {
  const q = (n: string) => `"${n.replaceAll('"', '""')}"`;
  const keys = new Map<string, Map<string, string[]>>(); // parent → (child#fk → referenced columns)
  for (const child of order) {
    const fks = await driver.execute({
      sql: `SELECT id, "table", "to" FROM pragma_foreign_key_list(?)`,
      params: [child],
      returnsRows: true,
    });
    for (const [id, parent, to] of fks.rows) {
      const byFk = keys.get(String(parent)) ?? new Map<string, string[]>();
      keys.set(String(parent), byFk);
      const k = `${child}#${String(id)}`;
      byFk.set(k, [...(byFk.get(k) ?? []), to === null ? 'id' : String(to)]);
    }
  }
  const out: Statement[] = [];
  for (const t of order) {
    out.push({ sql: `DROP TABLE IF EXISTS ${q(t)}`, params: [], returnsRows: false });
    const groups = [...(keys.get(t)?.values() ?? [])];
    const cols = [...new Set(groups.flat())].filter((c) => c !== 'id');
    const uniques = groups.filter((g) => !(g.length === 1 && g[0] === 'id')).map((g) => `, UNIQUE (${g.map(q).join(', ')})`);
    out.push({
      sql: `CREATE TABLE ${q(t)} (id INTEGER PRIMARY KEY${cols.map((c) => `, ${q(c)}`).join('')}${uniques.join('')})`,
      params: [],
      returnsRows: false,
    });
  }
  for (const t of order) out.push({ sql: `DROP TABLE ${q(t)}`, params: [], returnsRows: false });
  return out;
}

/** Every row of a table, via the driver (not through litedao's own read path). */
export async function dump(driver: Driver, table: string): Promise<readonly (readonly unknown[])[]> {
  const res = await driver.execute({ sql: `SELECT * FROM "${table}" ORDER BY 1`, params: [], returnsRows: true });
  return res.rows;
}

/** Row counts of the suite's tables. */
export async function counts(driver: Driver): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['users', 'posts', 'samples', 'wides', 'categories', 'user_profiles', 'accounts', 'docs']) {
    const res = await driver.execute({ sql: `SELECT count(*) FROM "${table}"`, params: [], returnsRows: true });
    out[table] = Number(res.rows[0]?.[0]);
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asserts that a promise rejects with an error of `cls`; returns the error. */
export async function rejectsWith<E>(p: Promise<unknown> | (() => unknown), cls: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof cls) return e;
    throw new Error(`expected ${cls.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error(`expected ${cls.name}, but nothing was thrown`);
}
