import type { DaoError, SqlValue, Statement, StatementResult } from '@litedao/core';
import { ConnectionError, EngineClosedError, StateError, sqliteErrorToDaoError, staleDataError } from '@litedao/core';
import type { NativeCapi, NativeDatabase, NativeExports, NativeSqlite3, NativeStatement, NativeValue } from './native.ts';
import { type CachedStatement, StatementCache } from './statement-cache.ts';

/** Options of {@link WasmConnection}. */
export interface WasmConnectionOptions {
  /** Prepared statements kept per connection (least recently used are finalized). Default 200; 0 disables. */
  readonly statementCacheSize?: number | undefined;
}

/** Default size of the prepared-statement cache. */
export const DEFAULT_STATEMENT_CACHE_SIZE = 200;

/** Shared by every statement without result columns (never mutated). */
const NO_COLUMNS: readonly string[] = Object.freeze([]);

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
  /** The calls of the step and row loop: the raw wasm exports where the build has them, else `capi`. */
  readonly #c: RowCalls;
  #closed = false;

  constructor(sqlite3: NativeSqlite3, db: NativeDatabase, options: WasmConnectionOptions = {}) {
    this.#sqlite3 = sqlite3;
    this.#db = db;
    this.#c = rowCalls(sqlite3);
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
    return !this.#closed && this.#c.sqlite3_get_autocommit(this.#pointer()) === 0;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Runs one statement (auto-commit unless a transaction is open). */
  execute(statement: Statement): StatementResult {
    // #guard inlined: this is the per-read path, and a closure per call is garbage per read.
    if (this.#closed) throw new EngineClosedError('the sqlite-wasm connection is closed');
    return this.#run(statement.sql, statement.params, statement.bigints === true);
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
          if (s.repeat !== undefined) return this.#runRepeated(s, s.repeat);
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
    if (this.#closed) throw new EngineClosedError('the sqlite-wasm connection is closed');
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
    // Every JS number is bound as a REAL, as better-sqlite3, D1 and Durable Objects bind it, so SQL over bound
    // values means the same on every adapter (`? / ?` with 7 and 2 is 3.5 everywhere; a column's affinity still
    // stores 7.0 as the INTEGER 7). sqlite-wasm itself binds integral numbers through sqlite3_bind_int64, which
    // also wraps a double such as 1e20 silently. Bigints (bigint columns) keep binding as exact INTEGERs.
    let numbers = 0;
    for (let i = 0; i < params.length; i++) if (typeof params[i] === 'number') numbers++;
    if (numbers === 0) {
      statement.bind(params as readonly NativeValue[]);
      return;
    }
    // Each parameter on its own: numbers through sqlite3_bind_double, the rest through oo1 (every index is
    // bound, so nothing of the statement's previous use is left).
    const { capi } = this.#sqlite3;
    const pointer = statementPointer(statement);
    for (let i = 0; i < params.length; i++) {
      const value = params[i];
      if (typeof value !== 'number') {
        statement.bind(i + 1, value as NativeValue);
        continue;
      }
      const rc = capi.sqlite3_bind_double(pointer, i + 1, value);
      if (rc !== 0) throw cError(capi.sqlite3_js_rc_str(rc), rc, capi.sqlite3_errmsg(this.#pointer()));
    }
  }

  #readRow(pointer: number, bigints: boolean): SqlValue[] {
    const { capi } = this.#sqlite3;
    const c = this.#c;
    const count = c.sqlite3_column_count(pointer);
    const row = new Array<SqlValue>(count);
    for (let i = 0; i < count; i++) {
      switch (c.sqlite3_column_type(pointer, i)) {
        case SQLITE_INTEGER: {
          if (!bigints) {
            // Within ±(2^53 − 1) the double is the integer exactly: no BigInt is made. Beyond, the double of an
            // integer is at least 2^53 in magnitude, and the exact int64 is read (sqlite-wasm's own rule:
            // numbers within 2^53, bigint beyond; core converts per column).
            const d = c.sqlite3_column_double(pointer, i);
            if (d >= -MAX_SAFE_NUMBER && d <= MAX_SAFE_NUMBER) {
              row[i] = d;
              break;
            }
          }
          const value = capi.sqlite3_column_int64(pointer, i);
          row[i] = bigints ? value : toSafeNumber(value);
          break;
        }
        case SQLITE_FLOAT:
          row[i] = c.sqlite3_column_double(pointer, i);
          break;
        case SQLITE_TEXT:
          row[i] = c.columnText(pointer, i);
          break;
        case SQLITE_BLOB: {
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

  /** The cached statement for `sql`, or a fresh one `#run` finalizes after use (`uncached` says which). */
  #prepare(sql: string): CachedStatement {
    const hit = this.#cache.get(sql);
    if (hit) return hit;
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
        columns: columnCount > 0 ? statement.getColumnNames() : NO_COLUMNS,
        reprepares: capi.sqlite3_stmt_status(pointer, capi.SQLITE_STMTSTATUS_REPREPARE, 0),
        uncached: false,
      };
      if (!this.#cache.set(entry)) entry.uncached = true;
      return entry;
    } catch (error) {
      statement.finalize();
      throw error;
    }
  }

  /** A {@link Statement.repeat} statement: its runs one after the other, each over its slice of the values. */
  #runRepeated(statement: Statement, n: number): StatementResult {
    const { sql, params } = statement;
    const width = params.length / n;
    const bigints = statement.bigints === true;
    const changesEach: number[] = new Array(n);
    let changes = 0;
    let last: StatementResult | undefined;
    for (let k = 0; k < n; k++) {
      last = this.#run(sql, params.slice(k * width, (k + 1) * width), bigints);
      changesEach[k] = last.changes;
      changes += last.changes;
    }
    return { rows: [], changes, changesEach, lastInsertRowid: last?.lastInsertRowid };
  }

  #run(sql: string, params: readonly SqlValue[], bigints: boolean): StatementResult {
    const { capi } = this.#sqlite3;
    const c = this.#c;
    const db = this.#pointer();
    const entry = this.#prepare(sql);
    const statement = entry.statement;
    try {
      if (params.length !== entry.parameterCount) {
        throw sqliteErrorToDaoError(
          'SQLITE_RANGE',
          `The statement has ${entry.parameterCount} parameters but ${params.length} values were given.`,
        );
      }
      if (params.length > 0) this.#bind(statement, params);
      const totalBefore = entry.isReadonly ? 0 : c.sqlite3_total_changes(db);
      const rows: SqlValue[][] = [];
      const pointer = statementPointer(statement);
      for (;;) {
        const rc = c.sqlite3_step(pointer);
        if (rc === SQLITE_ROW) rows.push(this.#readRow(pointer, bigints));
        else if (rc === SQLITE_DONE) break;
        else throw cError(capi.sqlite3_js_rc_str(rc), rc, capi.sqlite3_errmsg(db));
      }
      // SQLite re-prepares a statement transparently after a schema change, which may change the columns of
      // a statement that has any (a statement without result columns, a write without RETURNING, never
      // gains some: its text is fixed).
      if (entry.columns.length > 0) {
        const reprepares = c.sqlite3_stmt_status(pointer, capi.SQLITE_STMTSTATUS_REPREPARE, 0);
        if (reprepares !== entry.reprepares) {
          entry.columns = statement.columnCount > 0 ? statement.getColumnNames() : NO_COLUMNS;
          entry.reprepares = reprepares;
        }
      }
      const columns = entry.columns.length > 0 ? entry.columns : undefined;
      if (entry.isReadonly) return columns ? { rows, changes: 0, columns } : { rows, changes: 0 };
      // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE, so DDL after a write would
      // report that stale count; the total only moves when this statement changed rows.
      const changes = c.sqlite3_total_changes(db) !== totalBefore ? c.sqlite3_changes(db) : 0;
      const lastInsertRowid = toSafeNumber(c.sqlite3_last_insert_rowid(db));
      return columns ? { rows, changes, lastInsertRowid, columns } : { rows, changes, lastInsertRowid };
    } finally {
      if (entry.uncached) statement.finalize();
      else c.reset(statement, params.length > 0);
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

/**
 * The error of a C call litedao made itself (no sqlite-wasm Error exists): mapped like the others, with the
 * SQLite error as its `cause` (what `e.cause` holds on every adapter: the database's own error).
 */
function cError(rcName: string | undefined, rc: number, message: string): DaoError {
  const name = rcName ?? `SQLITE_ERROR (${rc})`;
  const cause = Object.assign(new Error(`${name}: ${message}`), { name: 'SQLite3Error', code: name, resultCode: rc });
  return sqliteErrorToDaoError(rcName, message, cause);
}

function statementPointer(statement: NativeStatement): number {
  const pointer = statement.pointer;
  if (pointer === undefined) throw new ConnectionError('The prepared statement was finalized.');
  return pointer;
}

// SQLite's fundamental datatype and result codes (https://sqlite.org/c3ref/c_blob.html,
// https://sqlite.org/rescode.html): constants of the C API, the same in every build.
const SQLITE_INTEGER = 1;
const SQLITE_FLOAT = 2;
const SQLITE_TEXT = 3;
const SQLITE_BLOB = 4;
const SQLITE_ROW = 100;
const SQLITE_DONE = 101;
const MAX_SAFE_NUMBER = Number.MAX_SAFE_INTEGER;

/** The C functions of the step and row loop, plus text reading. */
type RowCalls = Pick<
  NativeExports,
  | 'sqlite3_step'
  | 'sqlite3_column_count'
  | 'sqlite3_column_type'
  | 'sqlite3_column_double'
  | 'sqlite3_changes'
  | 'sqlite3_total_changes'
  | 'sqlite3_last_insert_rowid'
  | 'sqlite3_stmt_status'
  | 'sqlite3_get_autocommit'
> & {
  columnText(stmt: number, column: number): string;
  /**
   * Resets a statement for its next use, clearing its bindings (releasing bound text and blobs) when asked.
   * Never throws: a failed step's error was already reported by the step.
   */
  reset(statement: NativeStatement, clearBindings: boolean): void;
};

const RAW_CALLS = [
  'sqlite3_step',
  'sqlite3_column_count',
  'sqlite3_column_type',
  'sqlite3_column_double',
  'sqlite3_column_text',
  'sqlite3_changes',
  'sqlite3_total_changes',
  'sqlite3_last_insert_rowid',
  'sqlite3_stmt_status',
  'sqlite3_get_autocommit',
  'sqlite3_reset',
  'sqlite3_clear_bindings',
] as const;

/**
 * The raw exports when the build has all of them and `cstrToJs` (which is what `capi` does with a
 * `const char*` result, so text reads exactly as before), else the `capi` wrappers.
 */
function rowCalls(sqlite3: NativeSqlite3): RowCalls {
  const ex = sqlite3.wasm.exports;
  const cstrToJs = sqlite3.wasm.cstrToJs?.bind(sqlite3.wasm);
  if (ex && cstrToJs && RAW_CALLS.every((n) => typeof ex[n] === 'function')) {
    const raw = ex as NativeExports;
    const text = raw.sqlite3_column_text;
    return {
      sqlite3_step: raw.sqlite3_step,
      sqlite3_column_count: raw.sqlite3_column_count,
      sqlite3_column_type: raw.sqlite3_column_type,
      sqlite3_column_double: raw.sqlite3_column_double,
      sqlite3_changes: raw.sqlite3_changes,
      sqlite3_total_changes: raw.sqlite3_total_changes,
      sqlite3_last_insert_rowid: raw.sqlite3_last_insert_rowid,
      sqlite3_stmt_status: raw.sqlite3_stmt_status,
      sqlite3_get_autocommit: raw.sqlite3_get_autocommit,
      columnText: (stmt, column) => {
        const at = text(stmt, column);
        return at === 0 ? '' : (cstrToJs(at) ?? '');
      },
      // oo1's Stmt.reset() also clears the flag that lets its own get() read columns; litedao reads rows
      // through the C API only (see native.ts NativeCapi), so the C calls are all it needs.
      reset: (statement, clearBindings) => {
        const pointer = statement.pointer;
        if (pointer === undefined) return;
        if (clearBindings) raw.sqlite3_clear_bindings(pointer);
        raw.sqlite3_reset(pointer);
      },
    };
  }
  const capi: NativeCapi = sqlite3.capi;
  return {
    sqlite3_step: (s) => capi.sqlite3_step(s),
    sqlite3_column_count: (s) => capi.sqlite3_column_count(s),
    sqlite3_column_type: (s, i) => capi.sqlite3_column_type(s, i),
    sqlite3_column_double: (s, i) => capi.sqlite3_column_double(s, i),
    sqlite3_changes: (d) => capi.sqlite3_changes(d),
    sqlite3_total_changes: (d) => capi.sqlite3_total_changes(d),
    sqlite3_last_insert_rowid: (d) => capi.sqlite3_last_insert_rowid(d),
    sqlite3_stmt_status: (s, op, r) => capi.sqlite3_stmt_status(s, op, r),
    sqlite3_get_autocommit: (d) => capi.sqlite3_get_autocommit(d),
    columnText: (s, i) => capi.sqlite3_column_text(s, i) ?? '',
    reset: resetQuietly,
  };
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function toSafeNumber(value: bigint | number): number | bigint {
  if (typeof value === 'number') return value;
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

function resetQuietly(statement: NativeStatement, clearBindings: boolean): void {
  try {
    // reset() rethrows the error of a failed step; that error was already reported by step().
    statement.reset(clearBindings);
  } catch {
    // The statement is reset regardless of the code sqlite3_reset() returns.
  }
}
