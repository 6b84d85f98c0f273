/**
 * The better-sqlite3 driver. better-sqlite3 is synchronous, so every call runs to completion before the
 * next; core's gate keeps interactive transactions alone on the connection.
 *
 * - Foreign keys on, a busy timeout, WAL for files.
 * - `batch()` runs inside one native transaction begun IMMEDIATE (a deferred transaction that upgrades to a
 *   write gets SQLITE_BUSY at once, bypassing the busy timeout: https://sqlite.org/lang_transaction.html).
 *   Inside an interactive transaction it nests as a SAVEPOINT, so a batch is still all-or-nothing.
 * - Prepared statements are cached by SQL text (core caches SQL text per query shape), in raw (array) mode.
 */

import {
  ConfigurationError,
  type DaoError,
  DatabaseError,
  type Driver,
  EngineClosedError,
  isDaoError,
  type SqlValue,
  StateError,
  type Statement,
  type StatementResult,
  sqliteErrorToDaoError,
  type TransactionDriver,
} from '@litedao/core';
import Database from 'better-sqlite3';
import type { NativeDatabase, NativeStatement, NativeTransactionFunction } from './native.ts';

/** Options of {@link createNodeDriver}. */
export interface NodeDriverOptions {
  /** Milliseconds a writer waits for a lock before `BusyError` (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Prepared statements kept per connection (default 500). */
  readonly statementCacheSize?: number;
  /** Open read-only (paths only). */
  readonly readonly?: boolean;
}

interface Prepared {
  readonly stmt: NativeStatement;
  readonly columns: readonly string[] | undefined;
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
export function createNodeDriver(source: string | NativeDatabase, options: NodeDriverOptions = {}): Driver {
  let db: NativeDatabase;
  try {
    db = typeof source === 'string' ? (new Database(source, { readonly: options.readonly ?? false }) as unknown as NativeDatabase) : source;
  } catch (e) {
    throw mapError(e);
  }
  if (!db || typeof db.prepare !== 'function') throw new ConfigurationError('createNodeDriver needs a path or a better-sqlite3 Database');
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    if (!db.memory && !options.readonly) db.pragma('journal_mode = WAL');
  } catch (e) {
    throw mapError(e);
  }
  return new NodeDriver(db, options.statementCacheSize ?? 500);
}

function mapError(e: unknown): DaoError {
  if (isDaoError(e)) return e;
  const err = e as { code?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  if (typeof err?.code === 'string' && err.code.startsWith('SQLITE_')) return sqliteErrorToDaoError(err.code, message, e);
  if (/database connection is not open/i.test(message)) return new EngineClosedError('the database connection is closed', { cause: e });
  if (/cannot open|unable to open|directory does not exist/i.test(message)) return sqliteErrorToDaoError('SQLITE_CANTOPEN', message, e);
  return new DatabaseError(`better-sqlite3 error: ${message.split('\n', 1)[0]}`, { cause: e });
}

class NodeDriver implements Driver {
  readonly name = 'better-sqlite3';
  readonly capabilities = { interactiveTransactions: true, bigint: true } as const;
  readonly limits = { maxParameters: MAX_PARAMETERS } as const;
  readonly #db: NativeDatabase;
  readonly #cache = new Map<string, Prepared>();
  readonly #cacheSize: number;
  readonly #runAll: NativeTransactionFunction<[readonly Statement[]], StatementResult[]>;
  #closed = false;

  constructor(db: NativeDatabase, cacheSize: number) {
    this.#db = db;
    this.#cacheSize = Math.max(1, cacheSize);
    this.#runAll = db.transaction((statements: readonly Statement[]) => statements.map((s) => this.#runNative(s)));
  }

  #prepare(statement: Statement): Prepared {
    const key = statement.bigints ? `\u0000B${statement.sql}` : statement.sql;
    let p = this.#cache.get(key);
    if (p === undefined) {
      const stmt = this.#db.prepare(statement.sql);
      if (statement.bigints) stmt.safeIntegers(true);
      if (stmt.reader) stmt.raw(true);
      p = { stmt, columns: stmt.reader ? stmt.columns().map((c) => c.name) : undefined };
      if (this.#cache.size >= this.#cacheSize) {
        // Evict the oldest entry; shapes are few, so a simple FIFO keeps the hot ones in practice.
        const first = this.#cache.keys().next().value;
        if (first !== undefined) this.#cache.delete(first);
      }
      this.#cache.set(key, p);
    }
    return p;
  }

  /** Runs one statement; native errors leave as litedao errors. */
  #run(statement: Statement): StatementResult {
    try {
      return this.#runNative(statement);
    } catch (e) {
      throw mapError(e);
    }
  }

  #runNative(statement: Statement): StatementResult {
    const { stmt, columns: cached } = this.#prepare(statement);
    if (stmt.reader) {
      if (statement.single) {
        // One row at most (a primary-key lookup): get() skips building the outer array natively.
        const row = stmt.get(statement.params) as SqlValue[] | undefined;
        return { rows: row === undefined ? NO_ROWS : [row], columns: cached, changes: 0 };
      }
      const rows = stmt.all(statement.params) as SqlValue[][];
      // Raw SQL (`SELECT *`) can name other columns after a schema change (a migration at runtime): SQLite
      // re-prepared the statement while running it, so read the names again. Core's statements list theirs.
      const columns = statement.returnsRows === undefined ? stmt.columns().map((c) => c.name) : cached;
      // A RETURNING write reports one row per changed row; SQLite itself says whether the statement writes.
      return { rows, columns, changes: stmt.readonly ? 0 : rows.length };
    }
    const info = stmt.run(statement.params);
    return { rows: NO_ROWS, changes: info.changes, lastInsertRowid: info.lastInsertRowid };
  }

  #check(): void {
    if (this.#closed || !this.#db.open) throw new EngineClosedError('the database connection is closed');
  }

  async execute(statement: Statement): Promise<StatementResult> {
    this.#check();
    return this.#run(statement);
  }

  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    this.#check();
    if (statements.length === 0) return [];
    try {
      // Outside a transaction: BEGIN IMMEDIATE … COMMIT. Inside one: better-sqlite3 nests it as a SAVEPOINT.
      return this.#db.inTransaction ? this.#runAll(statements) : this.#runAll.immediate(statements);
    } catch (e) {
      throw mapError(e);
    }
  }

  async transaction<T>(fn: (tx: TransactionDriver) => Promise<T>): Promise<T> {
    this.#check();
    if (this.#db.inTransaction) throw new StateError('a transaction is already open on this connection');
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      throw mapError(e);
    }
    const tx: TransactionDriver = {
      execute: async (s) => this.#run(s),
      batch: async (s) => {
        try {
          return this.#runAll(s);
        } catch (e) {
          throw mapError(e);
        }
      },
    };
    try {
      const out = await fn(tx);
      this.#db.exec('COMMIT');
      return out;
    } catch (e) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw mapError(e);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.clear();
    if (this.#db.open) this.#db.close();
  }

  mapError(error: unknown): DaoError {
    return mapError(error);
  }
}
