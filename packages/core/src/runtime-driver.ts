/**
 * The one wrapper around a {@link Driver} (Kysely's `RuntimeDriver` is the model). Every adapter goes through
 * it, so the lifecycle and safety rules are written once and are the same everywhere:
 *
 * - close-once, and one closed check that raises `EngineClosedError` on every adapter;
 * - empty batches resolve to `[]` without reaching the driver;
 * - the adapter's limits (parameters, statement bytes, value bytes) checked before anything is sent;
 * - post-conditions ({@link Expectation}) enforced inside the atomic batch: natively by drivers that can,
 *   and by guard statements that make SQLite itself abort the batch for those that cannot (D1);
 * - native errors mapped at one seam (`driver.mapError`); litedao errors and a caller's own errors pass
 *   through unchanged (the same object);
 * - `BusyError` retried with timers up to `limits.busyTimeoutMs`, never by blocking the event loop;
 * - a connection lost during a batch reported as `CommitOutcomeUnknownError` (the batch is atomic: applied
 *   whole or not at all, and nobody here can tell which);
 * - the transaction handle guarded: unusable after the transaction ends, and poisoned when SQLite ended
 *   the transaction by itself (a ROLLBACK conflict clause), so nothing runs outside it by accident.
 */

import { rangeMarkOf } from './compile.ts';
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_LIMITS,
  type Driver,
  type DriverCapabilities,
  type DriverLimits,
  type Executor,
  type Expectation,
  type SqlValue,
  type Statement,
  type StatementResult,
  type TransactionExecutor,
} from './driver.ts';
import {
  BusyError,
  CommitOutcomeUnknownError,
  ConfigurationError,
  ConnectionError,
  type DaoError,
  DatabaseError,
  EngineClosedError,
  isDaoError,
  StaleDataError,
  StateError,
  StorageUnavailableError,
  UnsupportedError,
  ValidationError,
} from './errors.ts';
import { checkStatementLimits } from './limits.ts';
import { now, sleep } from './platform.ts';

/** One statement as the engine's logger sees it (see {@link QueryLogger}). */
export interface QueryLogEvent {
  readonly sql: string;
  /**
   * The bound values, only when the engine was created with `logParameters: true` (they may be personal
   * data: messages, emails); otherwise `undefined` and only {@link paramCount} is given.
   */
  readonly params: readonly SqlValue[] | undefined;
  readonly paramCount: number;
  /** Time the driver took, in milliseconds (for a batch statement: the whole batch's). */
  readonly durationMs: number;
  /** Rows returned (0 for a failed statement). */
  readonly rows: number;
  /** Rows changed by a write. */
  readonly changes: number;
  /** For a statement of an atomic batch: its position and the batch's size. */
  readonly batch: { readonly index: number; readonly size: number } | undefined;
  /** The error the statement (or its batch) failed with. */
  readonly error: DaoError | undefined;
}

/** Receives every statement the engine sends, once, after it ran. Exceptions it throws are ignored. */
export type QueryLogger = (event: QueryLogEvent) => void;

/** What the runtime driver logs, and how. */
export interface LogOptions {
  readonly logger?: QueryLogger | undefined;
  /** Pass bound values to the logger (default false: redacted). */
  readonly logParameters?: boolean | undefined;
}

/** The logger of `debug: true`: one line per statement on `console.debug`, values redacted unless asked for. */
export function debugLogger(event: QueryLogEvent): void {
  const c = (globalThis as { console?: { debug?: (...args: unknown[]) => void } }).console;
  const where = event.batch ? ` [batch ${event.batch.index + 1}/${event.batch.size}]` : '';
  const params = event.params
    ? ` ${JSON.stringify(event.params, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`
    : event.paramCount
      ? ` (${event.paramCount} params)`
      : '';
  const outcome = event.error ? `failed: ${event.error.code}` : `${event.rows} rows, ${event.changes} changed`;
  c?.debug?.(`[litedao] ${event.durationMs.toFixed(1)} ms${where} ${outcome}: ${event.sql}${params}`);
}

/** The error a failed post-condition raises; drivers with native expectations throw it from inside their batch. */
export function staleDataError(expect: Expectation, actual: number, cause?: unknown): StaleDataError {
  const what = expect.id === undefined ? expect.table : `${expect.table} id ${expect.id}`;
  return new StaleDataError(
    `${what}: expected to ${expect.verb} ${expect.changes} row(s); ${actual} ${actual === 1 ? 'was' : 'were'} matched ` +
      '(changed or deleted by someone else?); nothing of the unit of work was written',
    { table: expect.table, id: expect.id, expected: expect.changes, actual },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A statement that makes SQLite abort the batch when the previous statement did not change exactly `?1` rows:
 * `json_extract` with an invalid path raises an error whose text carries the marker. `changes()` keeps the
 * expression from being evaluated once up front, so the error can only happen when the count is wrong.
 */
const GUARD_SQL = "SELECT json_extract('{}', CASE WHEN changes() = ? THEN '$' ELSE ? || ':' || changes() END) AS litedao_guard";
const GUARD_MARK = 'litedao-expect:';
/** The marker in the error: the statement's index in the batch, then the rows it really changed. */
const GUARD_RE = /litedao-expect:(\d+):(\d+)/;

/** The message of an error and of its causes, for finding the guard marker. */
function messagesOf(error: unknown): string {
  let out = '';
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) out += ` ${e.message}`;
  return out;
}

/**
 * Asked before each busy retry of a call made outside any interactive transaction: `undefined` when the call may
 * go on, else a promise that settles when it may (the engine's gate: an interactive transaction another caller
 * opened while this call waited for the lock holds the connection, and the retry would run inside it).
 */
export type RetryTurn = () => Promise<void> | undefined;

/** Wraps a driver once; the engine owns one. See the module comment. */
export class RuntimeDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  readonly limits: DriverLimits;
  readonly #driver: Driver;
  /** The driver's synchronous execute, bound, when it has one. */
  readonly #executeSync: ((statement: Statement) => StatementResult) | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** The logger, or undefined: then nothing on the hot path looks at the clock or builds an event. */
  readonly #log: QueryLogger | undefined;
  readonly #logParams: boolean;

  constructor(driver: Driver, log: LogOptions = {}) {
    this.#log = typeof log.logger === 'function' ? log.logger : undefined;
    this.#logParams = log.logParameters === true;
    if (!driver || typeof driver.execute !== 'function' || typeof driver.batch !== 'function' || typeof driver.close !== 'function') {
      throw new ConfigurationError('createEngine(driver) needs a litedao driver (createNodeDriver, createD1Driver, createWasmDriver, …)');
    }
    this.#driver = driver;
    this.#executeSync = typeof driver.executeSync === 'function' ? driver.executeSync.bind(driver) : undefined;
    this.name = typeof driver.name === 'string' ? driver.name : 'driver';
    this.capabilities = Object.freeze({ ...DEFAULT_CAPABILITIES, ...driver.capabilities });
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...driver.limits });
    if (this.capabilities.interactiveTransactions && typeof driver.transaction !== 'function') {
      throw new ConfigurationError(`the ${this.name} driver declares interactive transactions but has no transaction()`);
    }
  }

  /** True when statements are logged. */
  get logging(): boolean {
    return this.#log !== undefined;
  }

  /** The wrapped driver (for adapter-specific extras such as `bookmark`). */
  get driver(): Driver {
    return this.#driver;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new EngineClosedError('the engine is closed');
  }

  /** Maps anything the driver threw; litedao errors pass through, and a failing `mapError` never hides the error. */
  map(error: unknown): DaoError {
    if (error instanceof ValidationError) return error;
    // An increment() whose result its column cannot hold (see incrementSql): the statement, and its batch, failed.
    const range = rangeMarkOf(messagesOf(error));
    if (range !== undefined) {
      return new ValidationError(
        `increment() would take ${range.table}.${range.column} out of what the column holds; nothing was written`,
        [
          {
            path: [range.column],
            message: "the incremented value is outside the column's range (a safe integer, a finite real, an int64) or its .check() bounds",
          },
        ],
      );
    }
    if (isDaoError(error)) return error;
    try {
      const mapped = this.#driver.mapError(error);
      if (isDaoError(mapped)) return mapped;
    } catch {
      // fall through: a broken mapper must not replace the real error
    }
    const message = error instanceof Error ? error.message : String(error);
    return new DatabaseError(`${this.name} error: ${message.split('\n', 1)[0]}`, { cause: error });
  }

  /**
   * Retries `op` while it fails with `BusyError`, up to `limits.busyTimeoutMs`, waiting with timers. Errors are
   * mapped, except those `isOwn` recognises (a caller's own error, returned as the same object).
   */
  async #retryBusy<T>(
    op: () => Promise<T>,
    mayRetry: () => boolean = () => true,
    isOwn: (e: unknown) => boolean = () => false,
    turn?: RetryTurn,
  ): Promise<T> {
    const budget = this.limits.busyTimeoutMs ?? 0;
    const deadline = budget > 0 ? Date.now() + budget : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (error) {
        if (isOwn(error)) throw error;
        const mapped = this.map(error);
        const left = deadline - Date.now();
        if (!(mapped instanceof BusyError) || left <= 0 || !mayRetry() || this.#closed) throw mapped;
        // Exponential backoff with jitter, capped: writers that collided do not retry in lockstep.
        const wait = Math.min(left, Math.min(100, 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
        await sleep(wait);
        // Another caller may have opened an interactive transaction on this connection meanwhile: a retry
        // must not land inside it (see RetryTurn).
        const held = turn?.();
        if (held !== undefined) await held;
        if (this.#closed) throw mapped;
      }
    }
  }

  /** Runs one statement (auto-commit). Limits are checked first; `turn` is waited for before each busy retry. */
  async execute(statement: Statement, turn?: RetryTurn): Promise<StatementResult> {
    this.#assertOpen();
    checkStatementLimits(statement, this.limits);
    const run = () => this.#retryBusy(() => this.#driver.execute(statement), undefined, undefined, turn);
    if (this.#log === undefined) return run();
    return this.logged(statement, run);
  }

  /** @internal Runs one statement and logs it (the logger is set). */
  async logged(statement: Statement, run: () => Promise<StatementResult>): Promise<StatementResult> {
    const start = now();
    try {
      const res = await run();
      this.#emit(statement, now() - start, res, undefined, undefined);
      return res;
    } catch (error) {
      this.#emit(statement, now() - start, undefined, undefined, this.map(error));
      throw error;
    }
  }

  #emit(
    statement: Statement,
    durationMs: number,
    res: StatementResult | undefined,
    batch: QueryLogEvent['batch'],
    error: DaoError | undefined,
  ): void {
    try {
      (this.#log as QueryLogger)({
        sql: statement.sql,
        params: this.#logParams ? statement.params : undefined,
        paramCount: statement.params.length,
        durationMs,
        rows: res?.rows.length ?? 0,
        changes: res?.changes ?? 0,
        batch,
        error,
      });
    } catch {
      // A failing logger must not change the outcome of a statement.
    }
  }

  /**
   * Runs a read core built (`readOnly`) synchronously when the driver can ({@link Driver.executeSync}), with the
   * same checks and error mapping as {@link execute}. Returns `undefined` when the caller must use `execute`
   * instead: the driver has no synchronous path, or the database was busy (`execute` retries with timers).
   */
  readNow(statement: Statement): StatementResult | undefined {
    const run = this.#executeSync;
    if (run === undefined) return undefined;
    this.#assertOpen();
    checkStatementLimits(statement, this.limits);
    const start = this.#log === undefined ? 0 : now();
    try {
      const res = run(statement);
      if (this.#log !== undefined) this.#emit(statement, now() - start, res, undefined, undefined);
      return res;
    } catch (error) {
      const mapped = this.map(error);
      // Busy: the caller retries through `execute`, which logs the statement then.
      if (mapped instanceof BusyError) return undefined;
      if (this.#log !== undefined) this.#emit(statement, now() - start, undefined, undefined, mapped);
      throw mapped;
    }
  }

  /** Runs statements as one atomic unit, with their post-conditions. Nothing is sent when a check fails. */
  async batch(statements: readonly Statement[], turn?: RetryTurn): Promise<StatementResult[]> {
    this.#assertOpen();
    if (statements.length === 0) return [];
    for (let i = 0; i < statements.length; i++) checkStatementLimits(statements[i] as Statement, this.limits, i);
    return this.#runBatch(this.#driver, statements, true, turn);
  }

  /** Sends a checked batch to `target`, adding guard statements where the target cannot check expectations. */
  async #runBatch(target: Executor, given: readonly Statement[], topLevel: boolean, turn?: RetryTurn): Promise<StatementResult[]> {
    const repeats = hasRepeats(given);
    // Repeated statements go as they are to a driver that runs them; otherwise (and for a logger, which sees
    // every run as its own statement) as one statement per run, whose results are folded back. A repeated
    // statement that returns rows (RETURNING, each run counted by its rows) goes as it is only to a driver that
    // counts writes that way (`countByReturning`).
    const expanded =
      repeats &&
      (!this.capabilities.repeat || this.#log !== undefined || (!this.capabilities.countByReturning && hasReturningRepeats(given)));
    const statements = expanded ? expandRepeats(given) : given;
    const guarded = !this.capabilities.expectations && statements.some((s) => s.expect !== undefined);
    const sent = guarded ? withGuards(statements) : statements;
    let results: StatementResult[];
    const start = this.#log === undefined ? 0 : now();
    try {
      results = await (topLevel
        ? this.#retryBusy(() => target.batch(sent), undefined, undefined, turn)
        : target.batch(sent).catch((e) => Promise.reject(this.map(e))));
    } catch (error) {
      const mapped = this.#batchError(error, statements, topLevel);
      if (this.#log !== undefined) {
        const ms = now() - start;
        sent.forEach((s, index) => {
          this.#emit(s, ms, undefined, { index, size: sent.length }, mapped);
        });
      }
      throw mapped;
    }
    if (this.#log !== undefined) {
      const ms = now() - start;
      sent.forEach((s, index) => {
        this.#emit(s, ms, results[index], { index, size: sent.length }, undefined);
      });
    }
    if (!Array.isArray(results) || results.length !== sent.length) {
      throw new DatabaseError(
        `${this.name} returned ${Array.isArray(results) ? results.length : 'no'} results for ${sent.length} statements`,
      );
    }
    const out = guarded ? withoutGuards(statements, results) : results;
    if (!repeats) return out;
    return expanded ? foldRepeats(given, out) : checkRepeats(given, out, this.name);
  }

  #batchError(error: unknown, statements: readonly Statement[], topLevel: boolean): DaoError {
    const mapped = this.map(error);
    if (mapped instanceof StaleDataError) return mapped;
    const mark = GUARD_RE.exec(messagesOf(mapped));
    const expect = mark ? statements[Number(mark[1])]?.expect : undefined;
    if (mark && expect) return staleDataError(expect, Number(mark[2]));
    // Only a commit that crossed a process or network boundary can have an unknown outcome: an in-process
    // driver's failure (disk full, read-only, corrupt) came back from the database itself, which rolled back.
    if (
      topLevel &&
      this.capabilities.remote &&
      mapped instanceof ConnectionError &&
      !(mapped instanceof StorageUnavailableError) &&
      !(mapped instanceof CommitOutcomeUnknownError)
    ) {
      return new CommitOutcomeUnknownError(
        `the connection to the database failed during a commit: the batch may or may not have been applied (it is atomic: all of it or none) — ${mapped.message}`,
        { cause: mapped },
      );
    }
    return mapped;
  }

  /**
   * Runs `fn` inside one interactive transaction. What `fn` throws comes back unchanged; driver failures
   * (BEGIN, COMMIT) come back mapped. BEGIN is retried while busy, up to `limits.busyTimeoutMs`.
   */
  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    this.#assertOpen();
    const driver = this.#driver;
    if (!this.capabilities.interactiveTransactions || typeof driver.transaction !== 'function') {
      throw new UnsupportedError(
        'interactiveTransactions',
        `the ${this.name} adapter has no interactive transactions.`,
        'session.commit(), which sends the whole unit of work as one atomic batch',
      );
    }
    const run = driver.transaction.bind(driver);
    let entered = false;
    let thrown: { error: unknown } | undefined;
    return this.#retryBusy(
      () =>
        run(async (native) => {
          entered = true;
          const handle = new TransactionHandle(native, this);
          try {
            const out = await fn(handle);
            // SQLite ended the transaction by itself after a failure the caller caught: committing now
            // would make whatever ran since look durable. Fail the whole transaction instead.
            handle.assertUsable();
            return out;
          } catch (error) {
            thrown = { error };
            throw error;
          } finally {
            handle.end();
          }
        }),
      () => !entered,
      // The contract: a driver rethrows what fn threw unchanged, so the caller gets its own error object back.
      (error) => thrown !== undefined && error === thrown.error,
    );
  }

  /** Closes the driver once; later calls return the same promise. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = (async () => {
        try {
          await this.#driver.close();
        } catch (error) {
          throw this.map(error);
        }
      })();
    }
    return this.#closing;
  }

  /** @internal Used by the transaction handle. */
  runInTransaction(target: Executor, statements: readonly Statement[]): Promise<StatementResult[]> {
    for (let i = 0; i < statements.length; i++) checkStatementLimits(statements[i] as Statement, this.limits, i);
    return this.#runBatch(target, statements, false);
  }
}

function hasRepeats(statements: readonly Statement[]): boolean {
  for (let i = 0; i < statements.length; i++) if ((statements[i] as Statement).repeat !== undefined) return true;
  return false;
}

function hasReturningRepeats(statements: readonly Statement[]): boolean {
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i] as Statement;
    if (s.repeat !== undefined && s.returnsRows === true) return true;
  }
  return false;
}

/** One statement per run of every {@link Statement.repeat} statement (the runs' values sliced out in order). */
function expandRepeats(statements: readonly Statement[]): Statement[] {
  const out: Statement[] = [];
  for (const s of statements) {
    const n = s.repeat;
    if (n === undefined) {
      out.push(s);
      continue;
    }
    const { repeat: _, ...one } = s;
    const width = s.params.length / n;
    for (let k = 0; k < n; k++) out.push({ ...one, params: s.params.slice(k * width, (k + 1) * width) });
  }
  return out;
}

/** The results of `statements` from those of their expansion: a repeated statement's runs become one result. */
function foldRepeats(statements: readonly Statement[], results: readonly StatementResult[]): StatementResult[] {
  const out: StatementResult[] = new Array(statements.length);
  let r = 0;
  for (let i = 0; i < statements.length; i++) {
    const n = (statements[i] as Statement).repeat;
    if (n === undefined) {
      out[i] = results[r++] as StatementResult;
      continue;
    }
    const changesEach: number[] = new Array(n);
    let changes = 0;
    let last: StatementResult | undefined;
    // A run that returns rows (RETURNING) is counted by them, as a driver counting that way does natively.
    const byRows = (statements[i] as Statement).returnsRows === true;
    for (let k = 0; k < n; k++) {
      last = results[r++] as StatementResult;
      const c = byRows ? last.rows.length : last.changes;
      changesEach[k] = c;
      changes += c;
    }
    out[i] = { rows: [], changes, changesEach, lastInsertRowid: last?.lastInsertRowid };
  }
  return out;
}

/** A driver that ran repeated statements itself must report every run. */
function checkRepeats(statements: readonly Statement[], results: StatementResult[], driver: string): StatementResult[] {
  for (let i = 0; i < statements.length; i++) {
    const n = (statements[i] as Statement).repeat;
    if (n !== undefined && results[i]?.changesEach?.length !== n) {
      throw new DatabaseError(`${driver} did not report the ${n} runs of repeated statement ${i + 1}`);
    }
  }
  return results;
}

/** Adds a guard statement after every statement with an expectation. */
function withGuards(statements: readonly Statement[]): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i] as Statement;
    out.push(s);
    if (s.expect) {
      out.push({ sql: GUARD_SQL, params: [s.expect.changes, `${GUARD_MARK}${i}`], returnsRows: true, columns: ['litedao_guard'] });
    }
  }
  return out;
}

/** The results of the caller's statements, without the guards' (a new array; the driver's is not touched). */
function withoutGuards(statements: readonly Statement[], results: readonly StatementResult[]): StatementResult[] {
  const out: StatementResult[] = new Array(statements.length);
  let r = 0;
  for (let i = 0; i < statements.length; i++) {
    out[i] = results[r] as StatementResult;
    r += (statements[i] as Statement).expect ? 2 : 1;
  }
  return out;
}

/**
 * The handle `transaction(fn)` gives `fn`. Statements go to the native transaction while it is open; after it
 * ends the handle throws instead of running statements outside it. After any failure it asks the driver
 * whether SQLite still holds the transaction; if SQLite rolled it back by itself, the handle refuses every
 * further statement and the transaction fails whole.
 */
class TransactionHandle implements Executor {
  readonly #native: TransactionExecutor;
  readonly #runtime: RuntimeDriver;
  #ended = false;
  #lost = false;

  constructor(native: TransactionExecutor, runtime: RuntimeDriver) {
    this.#native = native;
    this.#runtime = runtime;
  }

  end(): void {
    this.#ended = true;
  }

  assertUsable(): void {
    if (this.#ended) throw new StateError('the transaction has already ended; use the engine or a new session outside it');
    if (this.#lost) {
      throw new StateError(
        'SQLite rolled this transaction back by itself (a statement with a ROLLBACK conflict clause failed); nothing of it was committed',
      );
    }
  }

  async #afterFailure(error: unknown): Promise<never> {
    const mapped = this.#runtime.map(error);
    if (typeof this.#native.isActive === 'function') {
      try {
        if (!(await this.#native.isActive())) this.#lost = true;
      } catch {
        this.#lost = true;
      }
    }
    throw mapped;
  }

  async execute(statement: Statement): Promise<StatementResult> {
    this.assertUsable();
    checkStatementLimits(statement, this.#runtime.limits);
    try {
      return await (this.#runtime.logging
        ? this.#runtime.logged(statement, () => this.#native.execute(statement))
        : this.#native.execute(statement));
    } catch (error) {
      return this.#afterFailure(error);
    }
  }

  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    this.assertUsable();
    if (statements.length === 0) return [];
    try {
      return await this.#runtime.runInTransaction(this.#native, statements);
    } catch (error) {
      return this.#afterFailure(error);
    }
  }
}
