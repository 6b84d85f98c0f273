/**
 * The structural subset of Cloudflare D1's Worker API that this adapter uses.
 *
 * Declared here rather than imported from `@cloudflare/workers-types`, so the adapter's runtime types do not
 * depend on the ambient Workers globals (which clash with DOM and Node typings) and so any object of the same
 * shape — `env.DB`, the session `env.DB.withSession()` returns, or a test wrapper around either — can be
 * passed. Shapes follow https://developers.cloudflare.com/d1/worker-api/.
 */

/** Result metadata D1 attaches to every statement result (`D1Meta`). Only the fields read here. */
export interface D1NativeMeta {
  /** Rows changed by the statement (SQLite `changes()`); for `… RETURNING` writes, the rows written. */
  readonly changes?: number;
  /** `last_insert_rowid()` of the connection after the statement. */
  readonly last_row_id?: number;
  readonly [key: string]: unknown;
}

/** What `all()`, `run()` and each element of `batch()` resolve to (`D1Result`). */
export interface D1NativeResult {
  /** Row objects keyed by column name (typed `unknown` to match `D1Result<unknown>`). BLOBs are `number[]`. */
  readonly results?: readonly unknown[];
  readonly meta?: D1NativeMeta;
  readonly success?: boolean;
}

/** A prepared statement (`D1PreparedStatement`). `bind()` returns a new statement; it does not mutate. */
export interface D1NativePreparedStatement {
  bind(...values: unknown[]): D1NativePreparedStatement;
  /** Rows as objects plus `meta`. */
  all(): Promise<D1NativeResult>;
  /** `meta` only (rows are not reshaped; may be absent). */
  run(): Promise<D1NativeResult>;
  /** Rows as arrays in column order; with `columnNames: true` the first element is the column names. */
  raw(options?: { columnNames?: boolean }): Promise<unknown[]>;
}

/** What `D1Database.withSession()` returns (`D1DatabaseSession`). It has no `exec` and no `withSession`. */
export interface D1NativeSession {
  prepare(sql: string): D1NativePreparedStatement;
  /** Runs the statements as one SQL transaction: all apply or none (D1 docs, "batch statements"). */
  batch(statements: D1NativePreparedStatement[]): Promise<D1NativeResult[]>;
  /** Latest bookmark the session has seen; `null` before its first query. */
  getBookmark(): string | null;
}

/** The `D1Database` binding (`env.DB`). */
export interface D1NativeDatabase {
  prepare(sql: string): D1NativePreparedStatement;
  /** Runs the statements as one SQL transaction: all apply or none (D1 docs, "batch statements"). */
  batch(statements: D1NativePreparedStatement[]): Promise<D1NativeResult[]>;
  /** Multi-statement SQL without bindings (maintenance). Not used by the driver. */
  exec?(sql: string): Promise<unknown>;
  /** Opens a read-replication session (`"first-primary"`, `"first-unconstrained"` or a bookmark). */
  withSession?(constraintOrBookmark?: string): D1NativeSession;
}

/** Anything `createD1Driver` accepts: the binding itself or a session opened from it. */
export type D1NativeBinding = D1NativeDatabase | D1NativeSession;
