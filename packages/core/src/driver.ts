/**
 * The driver contract: the small surface every adapter implements (better-sqlite3, D1, sqlite-wasm).
 *
 * Core owns everything above it — validation, value conversion, SQL compilation and caching, chunking,
 * the unit of work, the mutex, close-once, error mapping policy. A driver only moves compiled statements
 * to its database and back, and maps its own errors with {@link sqliteErrorToDaoError}.
 *
 * The design is batch-first: {@link Driver.batch} is the one atomic primitive every adapter has (D1 has no
 * BEGIN; its `batch()` is the atomic unit). Interactive transactions are an optional capability.
 */
import type { DaoError } from './errors.ts';

/** A value a driver binds or returns. Core converts every model value to one of these before a driver sees it. */
export type SqlValue = null | number | bigint | string | Uint8Array;

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
}

/** What a driver returns for one statement. */
export interface StatementResult {
  /** Result rows as arrays, in column order. Empty for statements that return no rows. */
  readonly rows: SqlValue[][];
  /** Result column names, for statements that return rows. */
  readonly columns?: readonly string[] | undefined;
  /** Rows changed by a write (SQLite `changes()`); 0 for reads. */
  readonly changes: number;
  /** `last_insert_rowid()` after a write, when the driver reports it. */
  readonly lastInsertRowid?: number | bigint | undefined;
}

/** Documented limits of an adapter, checked by core before anything is sent. */
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
}

/** What an adapter can do. Core gates optional APIs on these and raises `UnsupportedError` otherwise. */
export interface DriverCapabilities {
  /** BEGIN … COMMIT spanning awaited calls (`engine.transaction()`). False on D1. */
  readonly interactiveTransactions: boolean;
  /** Binds and returns 64-bit integers beyond 2^53 exactly. False on D1. */
  readonly bigint: boolean;
}

/** The subset of a driver usable inside an interactive transaction. */
export interface TransactionDriver {
  execute(statement: Statement): Promise<StatementResult>;
  batch(statements: readonly Statement[]): Promise<StatementResult[]>;
}

/** The contract every adapter implements. See the module comment. */
export interface Driver {
  /** Adapter name for messages and reports, e.g. `"better-sqlite3"`, `"d1"`, `"sqlite-wasm"`. */
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  readonly limits: DriverLimits;
  /**
   * Runs one statement outside any unit of work (auto-commit). Like every method here, it rejects only with
   * litedao errors (mapped by the driver itself): core does not wrap this hot path in another promise.
   */
  execute(statement: Statement): Promise<StatementResult>;
  /**
   * Runs the statements in order as one atomic unit: all of them are applied, or none. Results come back in
   * the same order. This is what `session.commit()` calls, exactly once per commit.
   */
  batch(statements: readonly Statement[]): Promise<StatementResult[]>;
  /**
   * Runs `fn` inside BEGIN IMMEDIATE … COMMIT (ROLLBACK if it throws). Only present when
   * `capabilities.interactiveTransactions` is true. Core serializes callers, so `fn` has the connection alone.
   */
  transaction?<T>(fn: (tx: TransactionDriver) => Promise<T>): Promise<T>;
  /** Closes the connection. Idempotent. */
  close(): Promise<void>;
  /**
   * Turns anything this driver's native library threw into a litedao error (usually through
   * `sqliteErrorToDaoError`). Errors that already are litedao errors pass through unchanged.
   */
  mapError(error: unknown): DaoError;
  /** Read-replication bookmark after the last commit, for adapters that have one (D1 sessions). */
  bookmark?(): string | null;
}
