/**
 * The structural subset of a SQLite-backed Durable Object's storage (`ctx.storage`) that this adapter uses.
 *
 * Declared here rather than imported from `@cloudflare/workers-types`, so the driver's types do not depend on
 * the ambient Workers globals and any object of the same shape can be passed. Shapes follow
 * https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/.
 */

/** What `sql.exec()` returns: a cursor over the statement's rows, consumed synchronously. */
export interface DurableObjectSqlCursor {
  /**
   * The rows as arrays in column order (BLOBs are `ArrayBuffer`s). workerd's iterator also has `toArray()`
   * (documented, missing from @cloudflare/workers-types), which the driver uses when present.
   */
  raw(): Iterable<unknown[]> & { toArray?: () => unknown[][] };
  /** Result column names, in the order of the raw arrays. */
  readonly columnNames: string[];
  /**
   * Rows written by the statement so far, for billing: table rows plus every index entry and trigger write, so
   * it is NOT `changes()`. It is 0 exactly when the statement wrote nothing.
   */
  readonly rowsWritten: number;
}

/** `ctx.storage.sql`. */
export interface DurableObjectSql {
  /** Runs SQL with `?` bindings (numbers bind as REAL, `ArrayBuffer` views as BLOB; no BigInt). */
  exec(query: string, ...bindings: unknown[]): DurableObjectSqlCursor;
}

/** `ctx.storage` of a Durable Object class declared with `new_sqlite_classes`. */
export interface DurableObjectSqlStorage {
  readonly sql: DurableObjectSql;
  /**
   * Runs `fn` inside a SAVEPOINT: released when it returns, rolled back (and the exception rethrown) when it
   * throws. Synchronous: nothing may be awaited inside. Nests.
   */
  transactionSync<T>(fn: () => T): T;
  /**
   * Runs the async `fn` in one transaction that spans its awaits, inside `blockConcurrencyWhile` (no other
   * event reaches the object until it ends). Commits when `fn` resolves; rolls back and rethrows when it
   * rejects.
   */
  transaction<T>(fn: (txn: unknown) => Promise<T>): Promise<T>;
}
