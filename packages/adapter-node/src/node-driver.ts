/**
 * The better-sqlite3 driver. It only translates: core's runtime wrapper owns the closed check, limits, error
 * mapping seam, busy retries and the transaction handle.
 *
 * - Foreign keys on, WAL for files, and the native busy timeout at ZERO: a writer that finds the lock taken
 *   gets SQLITE_BUSY at once, and core retries with timers up to `busyTimeoutMs`, so the event loop is never
 *   blocked while another connection holds the lock (better-sqlite3 is synchronous: its own busy wait would
 *   freeze the whole process).
 * - `batch()` runs inside one native transaction begun IMMEDIATE (a deferred transaction that upgrades to a
 *   write gets SQLITE_BUSY at once: https://sqlite.org/lang_transaction.html), checking each statement's
 *   post-condition inside it. Inside an interactive transaction it nests as a SAVEPOINT, so a batch is still
 *   all-or-nothing.
 * - Prepared statements are cached by SQL text (core caches SQL text per query shape), in raw (array) mode.
 */

import {
  ConfigurationError,
  checkOptions,
  type DaoError,
  DatabaseError,
  type Driver,
  type DriverCapabilities,
  type DriverLimits,
  EngineClosedError,
  nonNegativeInteger,
  nonNegativeNumber,
  type SqlValue,
  type Statement,
  type StatementResult,
  sqliteErrorToDaoError,
  staleDataError,
  type TransactionExecutor,
} from '@litedao/core';
import Database from 'better-sqlite3';
import type { NativeDatabase, NativeStatement, NativeTransactionFunction } from './native.ts';

/** Options of {@link createNodeDriver}. */
export interface NodeDriverOptions {
  /** Milliseconds a writer keeps retrying while another connection holds the lock, before `BusyError` (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Prepared statements kept per connection (default 500). */
  readonly statementCacheSize?: number;
  /** Open read-only (paths only). */
  readonly readonly?: boolean;
  /** Fail with `ConnectionError` instead of creating the file when it does not exist (paths only). */
  readonly fileMustExist?: boolean;
}

/** Refuses an unknown option (`readOnly`), a wrong type, a negative or NaN timeout, a cache size below 1. */
export function checkNodeDriverOptions(options: unknown): NodeDriverOptions {
  const o = checkOptions<NodeDriverOptions>('createNodeDriver', options, {
    busyTimeoutMs: nonNegativeNumber,
    statementCacheSize: nonNegativeInteger,
    readonly: 'boolean',
    fileMustExist: 'boolean',
  });
  if (o.statementCacheSize === 0) throw new ConfigurationError('createNodeDriver: option statementCacheSize must be at least 1');
  return o;
}

interface Prepared {
  readonly stmt: NativeStatement;
  readonly columns: readonly string[] | undefined;
  /** `stmt.reader` and `stmt.readonly`, read once. */
  readonly reader: boolean;
  readonly readonly: boolean;
}

/** Shared by every write result: core never mutates `rows`. */
const NO_ROWS: SqlValue[][] = [];
const MAX_PARAMETERS = 32766; // SQLITE_MAX_VARIABLE_NUMBER default since 3.32.0

/**
 * Creates a driver on a better-sqlite3 database: a path (`'app.db'`, `':memory:'`) or an open `Database`.
 *
 * ```ts
 * const engine = createEngine(createNodeDriver('app.db'));
 * ```
 */
export function createNodeDriver(source: string | NativeDatabase, givenOptions?: NodeDriverOptions): Driver {
  const options = checkNodeDriverOptions(givenOptions);
  if (typeof source === 'string' && source.includes('\0')) throw new ConfigurationError('a database path must not contain a NUL character');
  let db: NativeDatabase;
  try {
    db =
      typeof source === 'string'
        ? (new Database(source, {
            readonly: options.readonly ?? false,
            fileMustExist: options.fileMustExist ?? false,
          }) as unknown as NativeDatabase)
        : source;
  } catch (e) {
    throw mapError(e);
  }
  if (!db || typeof db.prepare !== 'function') throw new ConfigurationError('createNodeDriver needs a path or a better-sqlite3 Database');
  try {
    // Core waits for the lock with timers (limits.busyTimeoutMs); SQLite must not wait synchronously.
    db.pragma('busy_timeout = 0');
    db.pragma('foreign_keys = ON');
    if (!db.memory && !options.readonly) db.pragma('journal_mode = WAL');
  } catch (e) {
    throw mapError(e);
  }
  const busy = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
  return new NodeDriver(db, options.statementCacheSize ?? 500, busy);
}

function mapError(e: unknown): DaoError {
  const err = e as { code?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  if (typeof err?.code === 'string' && err.code.startsWith('SQLITE_')) return sqliteErrorToDaoError(err.code, message, e);
  if (/database connection is not open/i.test(message)) return new EngineClosedError('the database connection is closed', { cause: e });
  if (/cannot open|unable to open|directory does not exist/i.test(message)) return sqliteErrorToDaoError('SQLITE_CANTOPEN', message, e);
  return new DatabaseError(`better-sqlite3 error: ${message.split('\n', 1)[0]}`, { cause: e });
}

/**
 * Up to this many parameters are passed to better-sqlite3 as arguments rather than as one array: it then
 * binds them from the call's arguments instead of reading each element back from a JavaScript array
 * (≈ 0.3 µs less per statement, measured on a one-row UPDATE). Longer lists (multi-row INSERTs) stay one array.
 */
const SPREAD_MAX = 16;

/**
 * Whether `params` can be passed as arguments with the same meaning as one array: short, and holding no
 * object better-sqlite3 would read differently as an argument (an array spreads into several values, a plain
 * object is named parameters). Such values are errors either way; the array form keeps their error.
 */
function asArguments(params: readonly SqlValue[]): boolean {
  return params.length <= SPREAD_MAX && plainValues(params);
}

/** No value better-sqlite3 reads differently as an argument than inside an array (see {@link asArguments}). */
function plainValues(params: readonly SqlValue[]): boolean {
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) return false;
  }
  return true;
}

class NodeDriver implements Driver {
  readonly name = 'better-sqlite3';
  readonly capabilities: Partial<DriverCapabilities> = Object.freeze({
    interactiveTransactions: true,
    bigint: true,
    expectations: true,
    repeat: true,
  });
  readonly limits: DriverLimits;
  readonly #db: NativeDatabase;
  readonly #cache = new Map<string, Prepared>();
  readonly #cacheSize: number;
  /** The statement used last and its SQL: a batch repeats one text many times, so most lookups stop here. */
  #lastSql: string | undefined;
  #lastBigints = false;
  #last: Prepared | undefined;
  readonly #runAll: NativeTransactionFunction<[readonly Statement[]], StatementResult[]>;

  constructor(db: NativeDatabase, cacheSize: number, busyTimeoutMs: number) {
    this.#db = db;
    this.#cacheSize = Math.max(1, cacheSize);
    // SQLite's default SQLITE_MAX_LIKE_PATTERN_LENGTH, checked before sending (SQLite only fails a longer pattern
    // when it compares a row, so the same query would fail or not depending on the data).
    this.limits = Object.freeze({ maxParameters: MAX_PARAMETERS, busyTimeoutMs, maxLikePatternBytes: 50_000 });
    this.#runAll = db.transaction((statements: readonly Statement[]) => {
      const out: StatementResult[] = new Array(statements.length);
      for (let i = 0; i < statements.length; i++) {
        const s = statements[i] as Statement;
        if (s.repeat !== undefined) {
          out[i] = this.#runRepeated(s, s.repeat);
          continue;
        }
        const r = this.#run(s);
        // Inside the transaction: throwing rolls the whole batch back before anything is durable.
        if (s.expect !== undefined && r.changes !== s.expect.changes) throw staleDataError(s.expect, r.changes);
        out[i] = r;
      }
      return out;
    });
  }

  #prepare(statement: Statement): Prepared {
    const bigints = statement.bigints === true;
    if (statement.sql === this.#lastSql && bigints === this.#lastBigints) return this.#last as Prepared;
    const key = bigints ? `\u0000B${statement.sql}` : statement.sql;
    let p = this.#cache.get(key);
    if (p === undefined) {
      const stmt = this.#db.prepare(statement.sql);
      if (bigints) stmt.safeIntegers(true);
      const reader = stmt.reader;
      if (reader) stmt.raw(true);
      p = { stmt, columns: reader ? stmt.columns().map((c) => c.name) : undefined, reader, readonly: stmt.readonly };
      if (this.#cache.size >= this.#cacheSize) {
        // Evict the oldest entry; shapes are few, so a simple FIFO keeps the hot ones in practice.
        const first = this.#cache.keys().next().value;
        if (first !== undefined) this.#cache.delete(first);
      }
      this.#cache.set(key, p);
    }
    this.#lastSql = statement.sql;
    this.#lastBigints = bigints;
    this.#last = p;
    return p;
  }

  #run(statement: Statement): StatementResult {
    const p = this.#prepare(statement);
    const stmt = p.stmt;
    if (p.reader) {
      if (statement.single) {
        // One row at most (a primary-key lookup): get() skips building the outer array natively.
        const params = statement.params;
        const row = (asArguments(params) ? stmt.get(...params) : stmt.get(params)) as SqlValue[] | undefined;
        return { rows: row === undefined ? NO_ROWS : [row], columns: p.columns, changes: 0 };
      }
      const params = statement.params;
      const rows = (asArguments(params) ? stmt.all(...params) : stmt.all(params)) as SqlValue[][];
      // Raw SQL (`SELECT *`) can name other columns after a schema change (a migration at runtime): SQLite
      // re-prepared the statement while running it, so read the names again. Core's statements list theirs.
      const columns = statement.returnsRows === undefined ? stmt.columns().map((c) => c.name) : p.columns;
      // A RETURNING write reports one row per changed row; SQLite itself says whether the statement writes.
      return { rows, columns, changes: p.readonly ? 0 : rows.length };
    }
    const params = statement.params;
    const info = asArguments(params) ? stmt.run(...params) : stmt.run(params);
    return { rows: NO_ROWS, changes: info.changes, lastInsertRowid: info.lastInsertRowid };
  }

  /**
   * A {@link Statement.repeat} statement: one prepared statement run `n` times over consecutive slices of its
   * values, with no object per run but better-sqlite3's own (core checked the shape: no rows, no post-condition).
   */
  #runRepeated(statement: Statement, n: number): StatementResult {
    const stmt = this.#prepare(statement).stmt;
    const params = statement.params;
    const width = params.length / n;
    const spread = width <= SPREAD_MAX && plainValues(params);
    const changesEach: number[] = new Array(n);
    let changes = 0;
    let info: { changes: number; lastInsertRowid: number | bigint } | undefined;
    for (let k = 0, o = 0; k < n; k++, o += width) {
      if (spread && width === 1) info = stmt.run(params[o]);
      else if (spread && width === 2) info = stmt.run(params[o], params[o + 1]);
      else if (spread && width === 3) info = stmt.run(params[o], params[o + 1], params[o + 2]);
      else {
        const values = params.slice(o, o + width);
        info = spread ? stmt.run(...values) : stmt.run(values);
      }
      changesEach[k] = info.changes;
      changes += info.changes;
    }
    return { rows: NO_ROWS, changes, changesEach, lastInsertRowid: info?.lastInsertRowid };
  }

  async execute(statement: Statement): Promise<StatementResult> {
    return this.#run(statement);
  }

  /** better-sqlite3 is synchronous: core runs its own reads through here without a promise (see `Driver.executeSync`). */
  executeSync(statement: Statement): StatementResult {
    return this.#run(statement);
  }

  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    // Outside a transaction: BEGIN IMMEDIATE … COMMIT. Inside one: better-sqlite3 nests it as a SAVEPOINT.
    return this.#db.inTransaction ? this.#runAll(statements) : this.#runAll.immediate(statements);
  }

  async transaction<T>(fn: (tx: TransactionExecutor) => Promise<T>): Promise<T> {
    this.#db.exec('BEGIN IMMEDIATE');
    const tx: TransactionExecutor = {
      execute: async (s) => this.#run(s),
      batch: async (s) => this.#runAll(s),
      isActive: () => this.#db.inTransaction,
    };
    let out: T;
    try {
      out = await fn(tx);
    } catch (e) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw e;
    }
    try {
      this.#db.exec('COMMIT');
    } catch (e) {
      // A failed COMMIT (a deferred foreign key, a full disk) leaves the transaction open: end it.
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw e;
    }
    return out;
  }

  async close(): Promise<void> {
    this.#cache.clear();
    this.#lastSql = undefined;
    this.#last = undefined;
    if (this.#db.open) this.#db.close();
  }

  mapError(error: unknown): DaoError {
    return mapError(error);
  }
}
