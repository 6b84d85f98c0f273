/**
 * The driver contract: the small surface every adapter implements (better-sqlite3, D1, sqlite-wasm).
 *
 * A driver only translates: it moves compiled statements to its database and back, and classifies its own
 * native errors ({@link Driver.mapError}). Everything else — the closed check, close-once, empty batches,
 * error mapping at one seam, the guarded transaction handle, limit checks, the one-statement rule for raw
 * SQL, post-conditions, busy retries — is core's, in `runtime-driver.ts`, the same for every adapter.
 *
 * The design is batch-first: {@link Driver.batch} is the one atomic primitive every adapter has (D1 has no
 * BEGIN; its `batch()` is the atomic unit). Interactive transactions are an optional capability.
 */
import type { DaoError } from './errors.ts';

/** A value a driver binds or returns. Core converts every model value to one of these before a driver sees it. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/**
 * A post-condition on one statement of a batch: it must change exactly `changes` rows, or the whole batch
 * fails (nothing of it is written) and core raises `StaleDataError`. Drivers that declare
 * `capabilities.expectations` check it inside their atomic batch; for the others (D1) core appends a guard
 * statement that makes SQLite itself abort the batch.
 */
export interface Expectation {
  readonly changes: number;
  /** The table written, for the error message. */
  readonly table: string;
  /** The row's id, for a statement by identity. */
  readonly id?: number | undefined;
  /** What the statement does, for the message: `update`, `delete`, `insert`. */
  readonly verb: 'update' | 'delete' | 'insert';
}

/** One compiled statement with positional parameters. Drivers receive nothing else. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  /**
   * Whether the statement yields rows (a SELECT, or a write with RETURNING). Core knows this because it built
   * the statement; `undefined` (raw SQL from the `sql` tag) lets the driver ask SQLite.
   */
  readonly returnsRows?: boolean | undefined;
  /**
   * Names of the result columns, in order, when core knows them. Drivers whose native API returns row objects
   * (D1's `batch()`) use it to build the row arrays in the right order.
   */
  readonly columns?: readonly string[] | undefined;
  /** Read INTEGER values as `bigint` (set when a `bigint` column is selected). */
  readonly bigints?: boolean | undefined;
  /**
   * True for a plain SELECT core built: it changes nothing, so a driver may skip write metadata (D1 then reads
   * rows with `raw()` as arrays instead of rebuilding them from objects).
   */
  readonly readOnly?: boolean | undefined;
  /** True when the statement returns at most one row (a lookup by primary key): a driver may fetch just one. */
  readonly single?: boolean | undefined;
  /**
   * What each parameter is, for limit errors (`users.bio`), when core compiled the statement. Raw SQL has
   * none and its parameters are named by position.
   */
  readonly paramNames?: readonly string[] | undefined;
  /** A post-condition checked inside the atomic batch (see {@link Expectation}). Only meaningful in `batch`. */
  readonly expect?: Expectation | undefined;
  /**
   * Run the statement this many times in a row, in `batch` only: `params` holds every run's values one after
   * the other (`params.length / repeat` each). Its result is one {@link StatementResult} with every run's
   * changes in `changesEach` (and their sum in `changes`), and no rows. Core sends it for a run of identical
   * writes (10,000 updates by id) without post-conditions; drivers that declare {@link DriverCapabilities.repeat}
   * run it natively, for the others core sends one statement per run and folds their results. With
   * `returnsRows: true` (`RETURNING "id"`, on a driver that declares {@link DriverCapabilities.countByReturning})
   * each run's changes are the rows it returned; core expands such a statement for any other driver.
   */
  readonly repeat?: number | undefined;
}

/** What a driver returns for one statement. Core never mutates it. */
export interface StatementResult {
  /** Result rows as arrays, in column order. Empty for statements that return no rows. */
  readonly rows: readonly (readonly SqlValue[])[];
  /** Result column names, for statements that return rows. */
  readonly columns?: readonly string[] | undefined;
  /** Rows changed by a write (SQLite `changes()`); 0 for reads. */
  readonly changes: number;
  /** `last_insert_rowid()` after a write, when the driver reports it. */
  readonly lastInsertRowid?: number | bigint | undefined;
  /** For a statement with {@link Statement.repeat}: the changes of each run, in order. */
  readonly changesEach?: readonly number[] | undefined;
}

/** Documented limits of an adapter, checked by core before anything is sent. Missing ones are unlimited. */
export interface DriverLimits {
  /** Bound parameters per statement (SQLite: 32766; D1: 100). Core chunks multi-row writes under it. */
  readonly maxParameters: number;
  /** Bytes of SQL text per statement (D1: 100,000). */
  readonly maxStatementBytes?: number | undefined;
  /** Bytes per bound string or blob value (D1: 2,000,000). */
  readonly maxValueBytes?: number | undefined;
  /** Bytes of a LIKE pattern (D1: 50). */
  readonly maxLikePatternBytes?: number | undefined;
  /** Columns per table (D1: 100). */
  readonly maxColumns?: number | undefined;
  /**
   * SQLite's expression depth (`SQLITE_MAX_EXPR_DEPTH`: 1,000 by default; D1 and Durable Objects: 100). A
   * statement deeper than this fails with `LimitExceededError` before it runs; deeply nested filters reach it
   * first (a relationship condition counts for about 40).
   */
  readonly maxExpressionDepth?: number | undefined;
  /**
   * How long core keeps retrying a `BusyError` (another connection holds the write lock) before reporting
   * it, in milliseconds. Core waits between attempts with timers, so the event loop is never blocked; a
   * driver that sets this runs its native lock wait at zero. Unset: a `BusyError` is reported at once.
   */
  readonly busyTimeoutMs?: number | undefined;
}

/** What an adapter can do. Core gates optional APIs on these and raises `UnsupportedError` otherwise. */
export interface DriverCapabilities {
  /** BEGIN … COMMIT spanning awaited calls (`engine.transaction()`). False on D1. */
  readonly interactiveTransactions: boolean;
  /** Binds and returns 64-bit integers beyond 2^53 exactly. False on D1. */
  readonly bigint: boolean;
  /** The driver checks {@link Statement.expect} natively inside `batch` (see {@link Expectation}). */
  readonly expectations: boolean;
  /**
   * Commits cross a process or network boundary, so a failure can leave their outcome unknown (D1, a browser
   * Worker). Engines log unit ids on such drivers by default (`unitLog: 'auto'`).
   */
  readonly remote: boolean;
  /** The driver runs a {@link Statement.repeat} statement itself in `batch` (one prepared statement, no objects per run). */
  readonly repeat: boolean;
  /**
   * Core counts the rows of its own UPDATE and DELETE statements by returning them (`RETURNING`) rather than by
   * `changes`: set where an exact `changes` costs a statement of its own (D1, whose `meta.changes` also counts
   * rows that triggers and foreign-key actions changed).
   */
  readonly countByReturning: boolean;
  /**
   * Core sends `insertMany`'s rows as JSON: `INSERT INTO t (…) SELECT value ->> 0, … FROM json_each(?) ORDER BY key`,
   * one bound text of up to thousands of rows (under {@link DriverLimits.maxValueBytes}), instead of multi-row
   * `VALUES` lists chunked under {@link DriverLimits.maxParameters}. Set where every statement costs a round
   * trip and counts against a per-request query limit (D1: 100 parameters a statement, so 50 two-column rows).
   * Only models whose columns are text, integer, boolean, timestamp or json take it (see `canInsertJson`).
   */
  readonly bulkJson?: boolean;
}

/** Capabilities a driver that declares nothing has. A new capability defaults to false and breaks nobody. */
export const DEFAULT_CAPABILITIES: DriverCapabilities = Object.freeze({
  interactiveTransactions: false,
  bigint: false,
  expectations: false,
  remote: false,
  repeat: false,
  countByReturning: false,
  bulkJson: false,
});

/** SQLite's own default limits, for drivers that declare none. */
export const DEFAULT_LIMITS: DriverLimits = Object.freeze({ maxParameters: 32766 });

/** Something statements run on: a driver, an engine, or the handle of an open transaction. */
export interface Executor {
  /** Runs one statement (auto-commit outside a transaction). */
  execute(statement: Statement): Promise<StatementResult>;
  /** Runs the statements in order as one atomic unit: all are applied, or none. Results in the same order. */
  batch(statements: readonly Statement[]): Promise<StatementResult[]>;
}

/** The handle a driver gives `transaction(fn)`. */
export interface TransactionExecutor extends Executor {
  /**
   * Whether the native transaction is still open. SQLite ends a transaction by itself when a statement with a
   * ROLLBACK conflict clause fails (`INSERT OR ROLLBACK`); core asks after every failure inside a transaction
   * and refuses to continue outside it. Drivers that cannot tell omit it.
   */
  isActive?(): boolean | Promise<boolean>;
}

/** @deprecated Use {@link TransactionExecutor}; kept for adapters written against 0.1. */
export type TransactionDriver = TransactionExecutor;

/** The contract every adapter implements. See the module comment. */
export interface Driver extends Executor {
  /** Adapter name for messages and reports, e.g. `"better-sqlite3"`, `"d1"`, `"sqlite-wasm"`. */
  readonly name: string;
  /** What the adapter can do; anything left out takes {@link DEFAULT_CAPABILITIES}. */
  readonly capabilities?: Partial<DriverCapabilities> | undefined;
  /** Documented limits; anything left out takes {@link DEFAULT_LIMITS} (or is unlimited). */
  readonly limits?: Partial<DriverLimits> | undefined;
  /**
   * Runs `fn` inside BEGIN IMMEDIATE … COMMIT (ROLLBACK if it throws), rethrowing what `fn` threw unchanged.
   * Only present when `capabilities.interactiveTransactions` is true. Core serializes callers, so `fn` has
   * the connection alone, and guards the handle so it cannot be used after the transaction ends.
   */
  transaction?<T>(fn: (tx: TransactionExecutor) => Promise<T>): Promise<T>;
  /**
   * Optional, for drivers whose database runs in the caller's thread (better-sqlite3, sqlite-wasm in process):
   * runs one statement synchronously, exactly as {@link Executor.execute} would, throwing native errors. Core
   * calls it only for the reads it built (`readOnly`) outside interactive transactions, so a lookup by id
   * awaits one promise instead of a chain of them; everything else still goes through `execute`.
   */
  executeSync?(statement: Statement): StatementResult;
  /** Closes the connection. Core calls it once. */
  close(): Promise<void>;
  /**
   * Classifies an error this driver's native library threw (usually through `sqliteErrorToDaoError`). Core
   * calls it at one seam, only for errors that are not litedao errors already and never for a user's own.
   */
  mapError(error: unknown): DaoError;
  /** Read-replication bookmark after the last commit, for adapters that have one (D1 sessions). */
  bookmark?(): string | null;
}
