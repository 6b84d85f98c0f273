/**
 * The structural subset of better-sqlite3 (>= 12) that the adapter uses, so a caller can hand in their own
 * `Database` instance and nothing here depends on the library's type package.
 * See https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md.
 */
export interface NativeRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface NativeStatement {
  /** True when the statement returns data (SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  /** True when the statement does not write (sqlite3_stmt_readonly). */
  readonly readonly: boolean;
  raw(toggle?: boolean): NativeStatement;
  safeIntegers(toggle?: boolean): NativeStatement;
  columns(): { name: string }[];
  all(...params: readonly unknown[]): unknown[];
  get(...params: readonly unknown[]): unknown;
  run(...params: readonly unknown[]): NativeRunResult;
}

export interface NativeTransactionFunction<A extends unknown[], R> {
  (...args: A): R;
  immediate(...args: A): R;
}

export interface NativeDatabase {
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly memory: boolean;
  prepare(sql: string): NativeStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): NativeTransactionFunction<A, R>;
  close(): unknown;
}
