/**
 * The structural subset of `@sqlite.org/sqlite-wasm` (oo1 + capi) this adapter uses.
 *
 * Declared here rather than imported so the adapter type-checks against any sqlite-wasm build that has these
 * members (the package is a peer dependency), and so tests and reviewers can see exactly what we rely on.
 */

/** A value sqlite-wasm binds or returns (the subset litedao uses). */
export type NativeValue = null | number | bigint | string | Uint8Array;

/** `sqlite3.oo1.Stmt`: a prepared statement. */
export interface NativeStatement {
  /** The `sqlite3_stmt*`; `undefined` once finalized. */
  readonly pointer: number | undefined;
  /** Number of result columns (calls `sqlite3_column_count`). */
  readonly columnCount: number;
  /** Number of `?` parameters. */
  readonly parameterCount: number;
  bind(values: readonly NativeValue[]): NativeStatement;
  /** Binds one value at a 1-based index. */
  bind(index: number, value: NativeValue): NativeStatement;
  getColumnNames(target?: string[]): string[];
  reset(alsoClearBinds?: boolean): NativeStatement;
  clearBindings(): NativeStatement;
  finalize(): number | undefined;
}

/** `sqlite3.oo1.DB`: one open database connection. */
export interface NativeDatabase {
  /** The `sqlite3*`; `undefined` once closed. */
  readonly pointer: number | undefined;
  prepare(sql: string): NativeStatement;
  isOpen(): boolean;
  close(): void;
}

/**
 * The `sqlite3.capi` functions used for stepping, reading results, errors and statement bookkeeping.
 *
 * Stepping and reading go through the C API rather than `Stmt.step()`/`get()`: `Stmt.step()` writes every
 * failed step to `console.warn` (with the SQL), which would log each expected constraint violation.
 */
export interface NativeCapi {
  readonly SQLITE_ROW: number;
  readonly SQLITE_DONE: number;
  readonly SQLITE_INTEGER: number;
  readonly SQLITE_FLOAT: number;
  readonly SQLITE_TEXT: number;
  readonly SQLITE_BLOB: number;
  readonly SQLITE_NULL: number;
  readonly SQLITE_STMTSTATUS_REPREPARE: number;
  sqlite3_step(stmt: number): number;
  sqlite3_bind_double(stmt: number, index: number, value: number): number;
  sqlite3_errmsg(db: number): string;
  sqlite3_column_count(stmt: number): number;
  sqlite3_column_double(stmt: number, column: number): number;
  sqlite3_column_text(stmt: number, column: number): string | null;
  sqlite3_column_bytes(stmt: number, column: number): number;
  sqlite3_column_blob(stmt: number, column: number): number;
  sqlite3_js_rc_str(rc: number): string | undefined;
  sqlite3_changes(db: number): number;
  sqlite3_total_changes(db: number): number;
  sqlite3_last_insert_rowid(db: number): bigint | number;
  sqlite3_get_autocommit(db: number): number;
  sqlite3_stmt_readonly(stmt: number): number;
  sqlite3_stmt_status(stmt: number, op: number, resetFlag: number): number;
  sqlite3_sql(stmt: number): string;
  sqlite3_column_type(stmt: number, column: number): number;
  sqlite3_column_int64(stmt: number, column: number): bigint;
}

/**
 * The raw wasm exports of the C functions the row loop calls (pointers are plain numbers in the 32-bit
 * build). `capi` wraps each call in argument and result conversion that costs ~200 ns a call; these cost ~10.
 */
export interface NativeExports {
  sqlite3_step(stmt: number): number;
  sqlite3_column_count(stmt: number): number;
  sqlite3_column_type(stmt: number, column: number): number;
  sqlite3_column_double(stmt: number, column: number): number;
  /** A `const char*` (0 for NULL). */
  sqlite3_column_text(stmt: number, column: number): number;
  sqlite3_changes(db: number): number;
  sqlite3_total_changes(db: number): number;
  sqlite3_last_insert_rowid(db: number): bigint | number;
  sqlite3_stmt_status(stmt: number, op: number, resetFlag: number): number;
  sqlite3_get_autocommit(db: number): number;
  sqlite3_reset(stmt: number): number;
  sqlite3_clear_bindings(stmt: number): number;
}

/** `sqlite3.installOpfsSAHPoolVfs()`'s result: the OPFS SAH-pool VFS handle. */
export interface NativeSahPool {
  readonly vfsName: string;
  readonly OpfsSAHPoolDb: new (filename: string) => NativeDatabase;
  pauseVfs(): NativeSahPool;
  unpauseVfs(): Promise<NativeSahPool>;
  isPaused(): boolean;
  getFileNames(): string[];
}

/** Options of `installOpfsSAHPoolVfs` that this adapter passes through. */
export interface NativeSahPoolOptions {
  name?: string;
  directory?: string;
  initialCapacity?: number;
  clearOnInit?: boolean;
  preserveOnInitFailure?: boolean;
  forceReinitIfPreviouslyFailed?: boolean;
}

/** The initialized `sqlite3` namespace (what `sqlite3InitModule()` resolves to). */
export interface NativeSqlite3 {
  readonly version: { readonly libVersion: string };
  readonly config: { readonly bigIntEnabled: boolean };
  readonly capi: NativeCapi;
  readonly wasm: {
    /** The wasm heap, for copying blobs out (the view is re-fetched each time: it changes when the heap grows). */
    heap8u(): Uint8Array;
    /** The module's raw exports: the C functions without `capi`'s argument and result conversion. */
    readonly exports?: Partial<NativeExports>;
    /** A NUL-terminated UTF-8 string on the heap as a JS string (what `capi` does with a `const char*` result). */
    cstrToJs?(pointer: number): string | null;
  };
  readonly oo1: { readonly DB: new (filename: string, flags?: string) => NativeDatabase };
  readonly SQLite3Error: abstract new (...args: never[]) => Error & { resultCode: number };
  installOpfsSAHPoolVfs?(options: NativeSahPoolOptions): Promise<NativeSahPool>;
}
