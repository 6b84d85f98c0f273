import type { DaoError, SqlValue, Statement, StatementResult } from '@litedao/core';
import { ConnectionError, StateError, sqliteErrorToDaoError, staleDataError } from '@litedao/core';
import type { NativeDatabase, NativeSqlite3, NativeStatement, NativeValue } from './native.ts';
import { type CachedStatement, StatementCache } from './statement-cache.ts';

/** Options of {@link WasmConnection}. */
export interface WasmConnectionOptions {
  /** Prepared statements kept per connection (least recently used are finalized). Default 200; 0 disables. */
  readonly statementCacheSize?: number | undefined;
}

/** Default size of the prepared-statement cache. */
export const DEFAULT_STATEMENT_CACHE_SIZE = 200;

// The savepoint name used to make a batch atomic inside an interactive transaction.
const BATCH_SAVEPOINT = 'litedao_batch';

// sqlite-wasm formats errors from a result code as "SQLITE_X: sqlite3 result code N: <sqlite3_errmsg>"
// (checkSqlite3Rc in the oo1 API). The code travels separately as `resultCode`, so keep SQLite's own words.
const RC_PREFIX = /^SQLITE_[A-Z0-9_]+: sqlite3 result code \d+: /;

/**
 * One synchronous sqlite-wasm connection: the shared engine of the in-process driver and of the Worker
 * server. Every method runs to completion synchronously, so nothing else can interleave inside a batch.
 *
 * Errors leave here as sqlite-wasm threw them (or as core's own errors, e.g. a failed post-condition);
 * the caller maps them at its one seam: core's runtime driver in-process, the Worker server before replying.
 */
export class WasmConnection {
  readonly #sqlite3: NativeSqlite3;
  readonly #db: NativeDatabase;
  readonly #cache: StatementCache;
  #closed = false;

  constructor(sqlite3: NativeSqlite3, db: NativeDatabase, options: WasmConnectionOptions = {}) {
    this.#sqlite3 = sqlite3;
    this.#db = db;
    this.#cache = new StatementCache(options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE);
    try {
      // sqlite-wasm builds leave foreign keys off (RELIABILITY.md §2.0); litedao promises the same
      // enforcement on every adapter. The pragma is a no-op inside a transaction, so it runs at open.
      this.#run('PRAGMA foreign_keys = ON', [], false);
    } catch (error) {
      this.close();
      throw this.mapError(error);
    }
  }

  /** The SQLite library version, e.g. `"3.54.1"`. */
  get sqliteVersion(): string {
    return this.#sqlite3.version.libVersion;
  }

  /** True while a transaction is open on the connection (`sqlite3_get_autocommit() == 0`). */
  get inTransaction(): boolean {
    return !this.#closed && this.#sqlite3.capi.sqlite3_get_autocommit(this.#pointer()) === 0;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Runs one statement (auto-commit unless a transaction is open). */
  execute(statement: Statement): StatementResult {
    return this.#guard(() => this.#run(statement.sql, statement.params, statement.bigints === true));
  }

  /**
   * Runs the statements as one atomic unit: BEGIN IMMEDIATE … COMMIT, or a savepoint when a transaction is
   * already open (a batch inside `transaction()`), so a failure undoes the whole batch and nothing else.
   * Each statement's post-condition (`expect`) is checked inside it.
   */
  batch(statements: readonly Statement[]): StatementResult[] {
    return this.#guard(() => {
      if (statements.length === 0) return [];
      const nested = this.inTransaction;
      this.#control(nested ? `SAVEPOINT ${BATCH_SAVEPOINT}` : 'BEGIN IMMEDIATE');
      try {
        const results = statements.map((s) => {
          const r = this.#run(s.sql, s.params, s.bigints === true);
          if (s.expect !== undefined && r.changes !== s.expect.changes) throw staleDataError(s.expect, r.changes);
          return r;
        });
        this.#control(nested ? `RELEASE ${BATCH_SAVEPOINT}` : 'COMMIT');
        return results;
      } catch (error) {
        if (nested) this.#rollbackToSavepoint();
        else this.rollback();
        throw error;
      }
    });
  }

  /** Opens an interactive transaction (BEGIN IMMEDIATE, so the write lock is taken up front). */
  begin(): void {
    this.#guard(() => {
      if (this.inTransaction) throw new StateError('A transaction is already open on this connection.');
      this.#control('BEGIN IMMEDIATE');
    });
  }

  /**
   * Commits the open transaction. If COMMIT itself fails (a deferred foreign key, a full disk) SQLite keeps
   * the transaction open; it is rolled back here so the connection is never left inside a dead transaction.
   */
  commit(): void {
    this.#guard(() => {
      if (!this.inTransaction) throw new StateError('No transaction is open on this connection.');
      try {
        this.#control('COMMIT');
      } catch (error) {
        this.rollback();
        throw error;
      }
    });
  }

  /** Rolls back the open transaction, if any. Never throws: it runs on error paths, where the first error matters. */
  rollback(): void {
    if (!this.inTransaction) return;
    try {
      this.#control('ROLLBACK');
    } catch {
      // SQLite may already have rolled back on its own (SQLITE_FULL, SQLITE_IOERR); nothing is left to undo.
    }
  }

  /** Finalizes cached statements and closes the database. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#cache.clear();
    } finally {
      // Closing with a transaction open rolls it back (https://sqlite.org/c3ref/close.html).
      if (this.#db.isOpen()) this.#db.close();
    }
  }

  /** Maps anything sqlite-wasm threw to a litedao error; litedao errors pass through. */
  mapError(error: unknown): DaoError {
    return mapWasmError(this.#sqlite3, error);
  }

  #guard<T>(fn: () => T): T {
    if (this.#closed) throw new ConnectionError('The sqlite-wasm connection is closed.');
    return fn();
  }

  #pointer(): number {
    const pointer = this.#db.pointer;
    if (pointer === undefined) throw new ConnectionError('The sqlite-wasm database is closed.');
    return pointer;
  }

  #control(sql: string): void {
    this.#run(sql, [], false);
  }

  #rollbackToSavepoint(): void {
    try {
      this.#control(`ROLLBACK TO ${BATCH_SAVEPOINT}`);
      this.#control(`RELEASE ${BATCH_SAVEPOINT}`);
    } catch {
      // The enclosing transaction was rolled back by SQLite itself; the caller's transaction() will see that.
    }
  }

  #bind(statement: NativeStatement, params: readonly SqlValue[]): void {
    // sqlite-wasm binds every integral number through sqlite3_bind_int64, so a double such as 1e20 or
    // -1.5e300 (integral, but outside int64) is silently stored wrapped (as 0 for -1.5e300). Bind those
    // as REAL, as better-sqlite3 and D1 do; safe integers keep binding as exact INTEGERs.
    const unsafe: number[] = [];
    for (let i = 0; i < params.length; i++) {
      const value = params[i];
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) unsafe.push(i);
    }
    if (unsafe.length === 0) {
      statement.bind(params as readonly NativeValue[]);
      return;
    }
    const safe = params.slice() as NativeValue[];
    for (const i of unsafe) safe[i] = null;
    statement.bind(safe);
    const { capi } = this.#sqlite3;
    const pointer = statementPointer(statement);
    for (const i of unsafe) {
      const rc = capi.sqlite3_bind_double(pointer, i + 1, params[i] as number);
      if (rc !== 0) throw sqliteErrorToDaoError(capi.sqlite3_js_rc_str(rc), capi.sqlite3_errmsg(this.#pointer()));
    }
  }

  #readRow(pointer: number, bigints: boolean): SqlValue[] {
    const { capi } = this.#sqlite3;
    const count = capi.sqlite3_column_count(pointer);
    const row = new Array<SqlValue>(count);
    for (let i = 0; i < count; i++) {
      switch (capi.sqlite3_column_type(pointer, i)) {
        case capi.SQLITE_INTEGER: {
          const value = capi.sqlite3_column_int64(pointer, i);
          // Numbers within 2^53, bigint beyond (sqlite-wasm's own rule); core converts per column.
          row[i] = bigints ? value : toSafeNumber(value);
          break;
        }
        case capi.SQLITE_FLOAT:
          row[i] = capi.sqlite3_column_double(pointer, i);
          break;
        case capi.SQLITE_TEXT:
          row[i] = capi.sqlite3_column_text(pointer, i) ?? '';
          break;
        case capi.SQLITE_BLOB: {
          // sqlite3_column_bytes must follow sqlite3_column_blob (https://sqlite.org/c3ref/column_blob.html).
          const at = capi.sqlite3_column_blob(pointer, i);
          const size = capi.sqlite3_column_bytes(pointer, i);
          // slice() copies out of the wasm heap, so each blob owns its buffer (and can be transferred).
          row[i] = size === 0 ? new Uint8Array(0) : this.#sqlite3.wasm.heap8u().slice(at, at + size);
          break;
        }
        default:
          row[i] = null;
      }
    }
    return row;
  }

  #prepare(sql: string): { entry: CachedStatement; cached: boolean } {
    const hit = this.#cache.get(sql);
    if (hit) return { entry: hit, cached: true };
    const { capi } = this.#sqlite3;
    const statement = this.#db.prepare(sql);
    const pointer = statementPointer(statement);
    try {
      // oo1's prepare() reads only the first statement of a text; core refuses texts with more than one
      // before they reach any driver (checkRawSql), so nothing is dropped here.
      const columnCount = statement.columnCount;
      const entry: CachedStatement = {
        sql,
        statement,
        isReadonly: capi.sqlite3_stmt_readonly(pointer) !== 0,
        parameterCount: statement.parameterCount,
        columns: columnCount > 0 ? statement.getColumnNames() : [],
        reprepares: capi.sqlite3_stmt_status(pointer, capi.SQLITE_STMTSTATUS_REPREPARE, 0),
      };
      return { entry, cached: this.#cache.set(entry) };
    } catch (error) {
      statement.finalize();
      throw error;
    }
  }

  #run(sql: string, params: readonly SqlValue[], bigints: boolean): StatementResult {
    const { capi } = this.#sqlite3;
    const db = this.#pointer();
    const { entry, cached } = this.#prepare(sql);
    const { statement } = entry;
    try {
      if (params.length !== entry.parameterCount) {
        throw sqliteErrorToDaoError(
          'SQLITE_RANGE',
          `The statement has ${entry.parameterCount} parameters but ${params.length} values were given.`,
        );
      }
      if (params.length > 0) this.#bind(statement, params);
      const totalBefore = entry.isReadonly ? 0 : capi.sqlite3_total_changes(db);
      const rows: SqlValue[][] = [];
      const pointer = statementPointer(statement);
      for (;;) {
        const rc = capi.sqlite3_step(pointer);
        if (rc === capi.SQLITE_ROW) rows.push(this.#readRow(pointer, bigints));
        else if (rc === capi.SQLITE_DONE) break;
        else throw sqliteErrorToDaoError(capi.sqlite3_js_rc_str(rc), capi.sqlite3_errmsg(db));
      }
      // SQLite re-prepares a statement transparently after a schema change (which may change its columns).
      const reprepares = capi.sqlite3_stmt_status(pointer, capi.SQLITE_STMTSTATUS_REPREPARE, 0);
      if (reprepares !== entry.reprepares) {
        entry.columns = statement.columnCount > 0 ? statement.getColumnNames() : [];
        entry.reprepares = reprepares;
      }
      if (entry.isReadonly) {
        return { rows, changes: 0, ...(entry.columns.length > 0 ? { columns: entry.columns } : {}) };
      }
      // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE, so DDL after a write would
      // report that stale count; the total only moves when this statement changed rows.
      const changes = capi.sqlite3_total_changes(db) !== totalBefore ? capi.sqlite3_changes(db) : 0;
      return {
        rows,
        changes,
        lastInsertRowid: toSafeNumber(capi.sqlite3_last_insert_rowid(db)),
        ...(entry.columns.length > 0 ? { columns: entry.columns } : {}),
      };
    } finally {
      if (cached) resetQuietly(statement, params.length > 0);
      else statement.finalize();
    }
  }
}

/**
 * Maps an error thrown by sqlite-wasm to the litedao error tree. `SQLite3Error.resultCode` is the extended
 * result code (oo1 enables extended codes at open), turned into its name with `sqlite3_js_rc_str`.
 */
export function mapWasmError(sqlite3: NativeSqlite3, error: unknown): DaoError {
  if (error instanceof Error) {
    const rc = (error as { resultCode?: unknown }).resultCode;
    if (typeof rc === 'number') {
      const name = sqlite3.capi.sqlite3_js_rc_str(rc);
      return sqliteErrorToDaoError(name, error.message.replace(RC_PREFIX, ''), error);
    }
    return sqliteErrorToDaoError(undefined, error.message, error);
  }
  return sqliteErrorToDaoError(undefined, String(error), error);
}

function statementPointer(statement: NativeStatement): number {
  const pointer = statement.pointer;
  if (pointer === undefined) throw new ConnectionError('The prepared statement was finalized.');
  return pointer;
}

function toSafeNumber(value: bigint | number): number | bigint {
  if (typeof value === 'number') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function resetQuietly(statement: NativeStatement, clearBindings: boolean): void {
  try {
    // reset() rethrows the error of a failed step; that error was already reported by step().
    statement.reset(clearBindings);
  } catch {
    // The statement is reset regardless of the code sqlite3_reset() returns.
  }
}
