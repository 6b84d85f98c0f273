/**
 * The Durable Object driver: moves core's compiled statements to the SQLite database of one Durable Object
 * (`ctx.storage.sql`) and back. The code runs inside the object, next to its database: every call is
 * synchronous and in-process, and nothing crosses the network.
 *
 * - `batch()` (what `session.commit()` sends) is ONE `ctx.storage.transactionSync()` call: a SAVEPOINT that is
 *   released when every statement and post-condition passed and rolled back when any of them failed. Nothing
 *   is awaited inside it, so no other request can interleave, and the Durable Object's output gate holds every
 *   reply until the write is durable (https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/).
 * - `transaction(fn)` (`engine.transaction()`) is `ctx.storage.transaction()`: one transaction that spans
 *   `fn`'s awaits, run inside `blockConcurrencyWhile`, so no other event reaches the object until it ends
 *   (workerd, `DurableObjectStorage::transaction`). `BEGIN`/`SAVEPOINT` through `sql.exec()` are refused by
 *   the runtime.
 * - Numbers: `sql.exec()` binds every JavaScript number as REAL and has no BigInt binding (measured: `typeof(?)`
 *   is `real` for `3`, and `5n` throws "Cannot convert a BigInt value to a number"); it reads integers beyond
 *   2^53 as rounded numbers. Column affinity stores integral REALs in INTEGER columns as integers, so model
 *   values round-trip; bigints within ±(2^53 − 1) are bound as numbers and larger ones are refused.
 * - `changes`: the cursor's `rowsWritten` counts index and trigger writes too (billing), so it is only used to
 *   tell "wrote nothing" (0) from "wrote something"; the exact count is SQLite's `changes()`, or the number of
 *   RETURNING rows for a write that returns them (one row per changed row).
 */

import type {
  DaoError,
  Driver,
  DriverCapabilities,
  DriverLimits,
  SqlValue,
  Statement,
  StatementResult,
  TransactionExecutor,
} from '@litedao/core';
import {
  ConfigurationError,
  ConnectionError,
  DatabaseError,
  sqliteErrorToDaoError,
  staleDataError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import type { DurableObjectSqlCursor, DurableObjectSqlStorage } from './native.ts';
import { type StatementKind, statementKind } from './statement-kind.ts';

/**
 * The SQL limits of SQLite-backed Durable Objects (https://developers.cloudflare.com/durable-objects/platform/limits/),
 * the same numbers as D1's, as data: core chunks multi-row writes under `maxParameters` and checks statement
 * bytes, value bytes, LIKE patterns and column counts before anything is sent. Measured in workerd: 100
 * parameters pass and 101 fail, 100,000 bytes of SQL pass and 100,001 fail, a 50-byte LIKE pattern passes and
 * 51 fails, 101 columns fail. The 2 MB value limit is not enforced by local workerd; it is by Cloudflare.
 */
export const DURABLE_OBJECT_LIMITS: DriverLimits = Object.freeze({
  maxParameters: 100,
  maxStatementBytes: 100_000,
  maxValueBytes: 2_000_000,
  maxLikePatternBytes: 50,
  maxColumns: 100,
  // Measured in workerd: "Expression tree is too large (maximum depth 100)".
  maxExpressionDepth: 100,
});

/**
 * Interactive transactions through `ctx.storage.transaction()`; no exact 64-bit integers (no BigInt binding,
 * integers read as doubles); post-conditions checked inside the batch's own savepoint; in-process, so a
 * commit's outcome is never unknown.
 */
export const DURABLE_OBJECT_CAPABILITIES: DriverCapabilities = Object.freeze({
  interactiveTransactions: true,
  bigint: false,
  expectations: true,
  remote: false,
  // Repeated statements run here, one `sql.exec()` per run with no statement object per run (see #runRepeated).
  repeat: true,
  // A write without RETURNING is counted by a changes() call of its own (see #changes): returned ids are cheaper.
  countByReturning: true,
  // 100 parameters make a VALUES list 50 two-column rows, each INSERT followed by its changes() call: insertMany's
  // rows go as one JSON text per up to 10,000 rows instead (10,000 rows: 16 ms against 28 ms, measured in workerd).
  bulkJson: true,
});

const NO_ROWS: SqlValue[][] = [];
/** The result of every statement that returned no rows and changed none (shared: core never mutates results). */
const NO_CHANGES: StatementResult = Object.freeze({ rows: NO_ROWS, changes: 0 });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const CHANGES_SQL = 'SELECT changes(), last_insert_rowid()';

/**
 * Creates a litedao {@link Driver} over the SQLite database of a Durable Object: pass `ctx.storage` (the class
 * must be declared with `new_sqlite_classes`). Create it once per object, in the constructor, and give it to
 * one engine; see `openDurableObjectDatabase` for the usual set-up with the schema created at start-up.
 *
 * @example
 * ```ts
 * export class ChatObject extends DurableObject {
 *   readonly engine = createEngine(createDurableObjectDriver(this.ctx.storage));
 * }
 * ```
 *
 * @throws {ConfigurationError} when the storage has no SQL API (a key-value-backed class).
 */
export function createDurableObjectDriver(storage: DurableObjectSqlStorage): Driver {
  if (
    storage === null ||
    typeof storage !== 'object' ||
    typeof storage.transactionSync !== 'function' ||
    typeof storage.transaction !== 'function' ||
    typeof storage.sql?.exec !== 'function'
  ) {
    throw new ConfigurationError('createDurableObjectDriver needs the storage of a SQLite-backed Durable Object (ctx.storage)');
  }
  try {
    // A key-value-backed class has `storage.sql`, but every call fails: find out now, not at the first query.
    rowsOf(storage.sql.exec('SELECT 1'));
  } catch (error) {
    throw mapDurableObjectError(error);
  }
  return new DurableObjectDriver(storage);
}

class DurableObjectDriver implements Driver {
  readonly name = 'durable-object';
  readonly capabilities = DURABLE_OBJECT_CAPABILITIES;
  readonly limits = DURABLE_OBJECT_LIMITS;
  readonly #storage: DurableObjectSqlStorage;

  constructor(storage: DurableObjectSqlStorage) {
    this.#storage = storage;
  }

  async execute(statement: Statement): Promise<StatementResult> {
    return this.executeSync(statement);
  }

  /**
   * `sql.exec()` is synchronous: core runs its own reads through here without a promise (see
   * `Driver.executeSync`), as `execute` runs everything — the same checks, in the same turn.
   */
  executeSync(statement: Statement): StatementResult {
    const kind = statementKind(statement.sql);
    refuseHazards(kind, 0);
    const result = this.#run(statement, toBindings(statement, 0), kind);
    if (kind.defersForeignKeys) this.#refuseStandingDeferral();
    return result;
  }

  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    return this.#runAll(statements);
  }

  async transaction<T>(fn: (tx: TransactionExecutor) => Promise<T>): Promise<T> {
    let open = true;
    // A statement with a ROLLBACK clause never reaches SQLite here (see refuseHazards); inside a transaction it
    // still fails the whole transaction, as it would wherever SQLite may end the transaction by itself: core
    // asks isActive() after every failure and then refuses to go on or commit (StateError).
    let lost = false;
    const guard = <R>(run: () => R): R => {
      try {
        return run();
      } catch (error) {
        if (error instanceof UnsupportedError && error.capability === 'rollbackConflictClause') lost = true;
        throw error;
      }
    };
    const tx: TransactionExecutor = {
      execute: async (statement) =>
        guard(() => {
          const kind = statementKind(statement.sql);
          refuseHazards(kind, 0);
          return this.#run(statement, toBindings(statement, 0), kind);
        }),
      batch: async (statements) => guard(() => this.#runAll(statements)),
      isActive: () => open && !lost,
    };
    try {
      return await this.#storage.transaction(async () => {
        const out = await fn(tx);
        // Still inside the transaction: a deferred foreign key fails it here, as SQLite's COMMIT would.
        this.#checkDeferredForeignKeys();
        return out;
      });
    } finally {
      open = false;
      // After a rollback too: the pragma is not transactional and would defer everything after it.
      this.#endDeferral();
    }
  }

  async close(): Promise<void> {
    // The database belongs to the object, which outlives the engine; core stops using the driver.
  }

  mapError(error: unknown): DaoError {
    return mapDurableObjectError(error);
  }

  /** The statements in one SAVEPOINT: all of them and their post-conditions, or none. */
  #runAll(statements: readonly Statement[]): StatementResult[] {
    let defers = false;
    // Every statement checked and every parameter converted before anything runs: a refusal sends nothing.
    const n = statements.length;
    const bindings: unknown[][] = new Array(n);
    const kinds: StatementKind[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const s = statements[i] as Statement;
      const kind = statementKind(s.sql);
      refuseHazards(kind, i);
      if (kind.defersForeignKeys) defers = true;
      kinds[i] = kind;
      bindings[i] = toBindings(s, i);
    }
    const run = () => {
      const out: StatementResult[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const s = statements[i] as Statement;
        if (s.repeat !== undefined) {
          out[i] = this.#runRepeated(s, s.repeat, bindings[i] as unknown[], kinds[i] as StatementKind);
          continue;
        }
        const r = this.#run(s, bindings[i] as unknown[], kinds[i] as StatementKind);
        // Inside the savepoint: throwing rolls the whole batch back before anything is durable.
        if (s.expect !== undefined && r.changes !== s.expect.changes) throw staleDataError(s.expect, r.changes);
        out[i] = r;
      }
      if (defers) this.#checkDeferredForeignKeys();
      return out;
    };
    if (!defers) return this.#storage.transactionSync(run);
    try {
      return this.#storage.transactionSync(run);
    } finally {
      // After a rollback too: the pragma is not transactional and would defer everything after it.
      this.#endDeferral();
    }
  }

  #run(statement: Statement, bindings: unknown[], kind: StatementKind): StatementResult {
    const sql = this.#storage.sql;
    const cursor = sql.exec(statement.sql, ...bindings);
    // No rows by construction (core built it), so exec() ran it to completion: only the count is left.
    if (statement.returnsRows === false) return this.#writeCount(cursor, kind);
    // Consumed at once: a cursor read after an await has no snapshot isolation (Cloudflare's docs).
    const raw = rowsOf(cursor);
    const rows = raw.length === 0 ? NO_ROWS : fromRows(raw);
    const columns = statement.columns ?? cursor.columnNames;
    if (statement.readOnly === true) return { rows, columns, changes: 0 };
    const written = cursor.rowsWritten;
    // A write with RETURNING yields one row per changed row; a read writes nothing.
    if (statement.returnsRows === true) return { rows, columns, changes: written > 0 ? rows.length : 0 };
    // Raw SQL, rows unknown: whatever it returned, and its count if it was an INSERT/UPDATE/DELETE.
    if (written === 0 || kind.schema) return { rows, columns, changes: 0 };
    return this.#changes(rows, columns);
  }

  /**
   * A {@link Statement.repeat} statement: `n` runs over consecutive slices of its values (checked and converted
   * as a whole before anything ran), each counted as {@link #run} counts one — by its returned rows when it
   * returns rows (core's `RETURNING "id"`), else by `changes()` when it wrote — with no statement or result
   * object per run and no rows kept.
   */
  #runRepeated(statement: Statement, n: number, bindings: unknown[], kind: StatementKind): StatementResult {
    const sql = this.#storage.sql;
    const text = statement.sql;
    const width = bindings.length / n;
    const byRows = statement.returnsRows === true;
    const changesEach: number[] = new Array(n);
    let changes = 0;
    let lastInsertRowid: number | undefined;
    for (let k = 0, o = 0; k < n; k++, o += width) {
      const cursor =
        width === 1
          ? sql.exec(text, bindings[o])
          : width === 2
            ? sql.exec(text, bindings[o], bindings[o + 1])
            : sql.exec(text, ...bindings.slice(o, o + width));
      let c = 0;
      if (byRows) {
        // Consumed at once, as #run does; only the count is kept.
        for (const _ of cursor.raw()) c++;
        if (cursor.rowsWritten === 0) c = 0;
      } else {
        const r = this.#writeCount(cursor, kind);
        c = r.changes;
        if (r.lastInsertRowid !== undefined) lastInsertRowid = r.lastInsertRowid as number;
      }
      changesEach[k] = c;
      changes += c;
    }
    return { rows: NO_ROWS, changes, changesEach, lastInsertRowid };
  }

  /** The count of a statement that returned no rows: none if it wrote nothing or changed the schema, else `changes()`. */
  #writeCount(cursor: DurableObjectSqlCursor, kind: StatementKind): StatementResult {
    if (cursor.rowsWritten === 0 || kind.schema) return NO_CHANGES;
    return this.#changes(undefined, undefined);
  }

  /**
   * `changes()` and `last_insert_rowid()` of the statement that just ran: one more in-process call, made only
   * for writes that returned no rows to count (a RETURNING write is counted by its rows).
   */
  #changes(rows: SqlValue[][] | undefined, columns: readonly string[] | undefined): StatementResult {
    const [changes, rowid] = (rowsOf(this.#storage.sql.exec(CHANGES_SQL))[0] ?? [0, 0]) as [number, number];
    return rows === undefined ? { rows: NO_ROWS, changes, lastInsertRowid: rowid } : { rows, columns, changes, lastInsertRowid: rowid };
  }

  /**
   * At the end of a unit that may have deferred foreign keys (`PRAGMA defer_foreign_keys = ON`): fail it when a
   * deferred violation is left, and switch deferral off again. SQLite checks deferred keys only at the outer
   * COMMIT, which on a Durable Object is the runtime's implicit one: a violation found there resets the object
   * and rolls back everything since its last durable write (measured: "Durable Object was reset and rolled
   * back to its last known good state…"), and the pragma outlives savepoints, so later statements would be
   * deferred too.
   */
  #checkDeferredForeignKeys(): void {
    const sql = this.#storage.sql;
    const on = rowsOf(sql.exec('PRAGMA defer_foreign_keys'))[0]?.[0];
    if (on !== 1) return;
    const violation = rowsOf(sql.exec('PRAGMA foreign_key_check'))[0];
    if (violation) {
      const [table, , parent, fkid] = violation as [string, number, string, number];
      const column = rowsOf(sql.exec('SELECT "from" FROM pragma_foreign_key_list(?) WHERE id = ?', table, fkid))[0]?.[0];
      // Thrown inside the savepoint or transaction, which then rolls back: nothing of the unit is written.
      throw sqliteErrorToDaoError(
        'SQLITE_CONSTRAINT_FOREIGNKEY',
        `FOREIGN KEY constraint failed: ${table}.${typeof column === 'string' ? column : '?'} (deferred; references ${parent})`,
      );
    }
    sql.exec('PRAGMA defer_foreign_keys = OFF');
  }

  /**
   * Switches deferral off if it is on (after a unit ended, committed or rolled back). Called from `finally`: it
   * never replaces the unit's own outcome with an error of its own.
   */
  #endDeferral(): void {
    try {
      const sql = this.#storage.sql;
      if (rowsOf(sql.exec('PRAGMA defer_foreign_keys'))[0]?.[0] === 1) sql.exec('PRAGMA defer_foreign_keys = OFF');
    } catch {
      // The storage itself failed (the object is being reset): the unit's outcome is what the caller needs.
    }
  }

  /** After a deferral statement run on its own: deferral may not outlive it (see #checkDeferredForeignKeys). */
  #refuseStandingDeferral(): void {
    const sql = this.#storage.sql;
    if (rowsOf(sql.exec('PRAGMA defer_foreign_keys'))[0]?.[0] !== 1) return;
    sql.exec('PRAGMA defer_foreign_keys = OFF');
    throw new UnsupportedError(
      'deferredForeignKeys',
      'PRAGMA defer_foreign_keys = ON outside a unit of work would defer every later statement of the Durable Object until its implicit commit, where a violation resets the object.',
      'the pragma as the first statement of a batch (engine.batch, session.addStatement) or inside engine.transaction(): litedao checks the deferred keys when that unit ends',
    );
  }
}

/** Refuses what a Durable Object cannot survive, before anything is sent (see {@link statementKind}). */
function refuseHazards(kind: StatementKind, index: number): void {
  if (kind.rollback) {
    throw new UnsupportedError(
      'rollbackConflictClause',
      `statement ${index + 1} holds a ROLLBACK clause (OR ROLLBACK, ON CONFLICT ROLLBACK or RAISE(ROLLBACK, …)): when it fires, SQLite ends the transaction under the Durable Object's own savepoints and workerd resets the object.`,
      'OR ABORT (the default) or OR FAIL, or RAISE(ABORT, …): the unit of work still rolls back as a whole',
    );
  }
}

/** The statement's parameters as `sql.exec()` binds them. Throws before anything is sent. */
function toBindings(statement: Statement, index: number): unknown[] {
  const { params } = statement;
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    const t = typeof v;
    if (t === 'string' || v === null || v instanceof Uint8Array) continue;
    if (t === 'number') {
      // The runtime binds NaN as NULL (measured): refused rather than silently stored as nothing.
      if (!Number.isFinite(v as number)) throw invalidParam(index, i, 'non-finite number');
      continue;
    }
    if (t === 'bigint') {
      const b = v as bigint;
      if (b > MAX_SAFE || b < MIN_SAFE) {
        throw new UnsupportedError(
          'bigint',
          `a Durable Object cannot bind integers beyond ±(2^53 − 1) exactly (statement ${index + 1}, parameter ${i + 1})`,
          'a text column holding the decimal string',
        );
      }
      out ??= params.slice();
      out[i] = Number(b);
      continue;
    }
    // undefined, boolean, objects: core converts every model value first, so this is a bug upstream; the
    // runtime would bind `true` as the text 'true' (measured).
    throw invalidParam(index, i, t === 'object' ? 'object that is not a Uint8Array' : t);
  }
  return out ?? (params as unknown[]);
}

function invalidParam(statement: number, param: number, kind: string): ValidationError {
  return new ValidationError(`a Durable Object cannot bind this parameter (statement ${statement + 1}, parameter ${param + 1})`, [
    { path: ['statements', statement, 'params', param], message: `cannot bind a ${kind}` },
  ]);
}

/** Every row of a cursor as arrays, read at once (workerd's native `toArray()` when the iterator has it). */
function rowsOf(cursor: DurableObjectSqlCursor): unknown[][] {
  const it = cursor.raw();
  return typeof it.toArray === 'function' ? it.toArray() : Array.from(it);
}

/** Raw rows with BLOBs (`ArrayBuffer`) as `Uint8Array`, as every litedao driver returns them. */
function fromRows(raw: unknown[][]): SqlValue[][] {
  for (let r = 0; r < raw.length; r++) {
    const row = raw[r] as unknown[];
    for (let c = 0; c < row.length; c++) {
      const v = row[c];
      if (v !== null && typeof v === 'object') row[c] = v instanceof ArrayBuffer ? new Uint8Array(v) : v;
    }
  }
  return raw as SqlValue[][];
}

// ---------------------------------------------------------------------------------------------------------
// Errors

/**
 * Maps anything `ctx.storage.sql` threw onto the litedao error tree (core calls it only for errors that are
 * not litedao errors already).
 *
 * The runtime throws plain `Error`s whose message carries SQLite's text and result code, as D1 does:
 * `UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)`,
 * `no such table: nope: SQLITE_ERROR`, `near "SELEC": syntax error at offset 0: SQLITE_ERROR` (measured in
 * workerd). The extended code is taken from the message and handed to `sqliteErrorToDaoError`, so the same
 * fault gives the same class as on every other adapter. Besides SQLite's own codes:
 *
 * - the refusal of `BEGIN`/`SAVEPOINT` in `sql.exec()` → `ValidationError` (core refuses them first);
 * - "SQL is not enabled for this Durable Object class" / "not backed by SQLite" → `ConfigurationError`;
 * - "Cannot perform I/O on behalf of a different Durable Object" (the driver used from another object or a
 *   Worker) → `ConfigurationError`;
 * - "internal error" and "Durable Object was reset" (the runtime reset the object) → `ConnectionError`.
 *
 * A message that ends in SQLite's result code is SQLite's own and is mapped by that code alone: its text holds
 * names and `RAISE()` messages of the schema, which must never read as the runtime's own phrases.
 */
export function mapDurableObjectError(error: unknown): DaoError {
  const raw = error instanceof Error ? error.message : String(error);
  // SQLite's own error: its text holds names and RAISE() messages the schema chose ("no such table: internal
  // error", a CHECK constraint named "Durable Object was reset"), so it is mapped by its result code alone,
  // never by the runtime's phrases below.
  const tail = SQLITE_TAIL_RE.exec(raw);
  if (tail) return sqliteErrorToDaoError(tail[2] ?? tail[1], raw.replace(SQLITE_MESSAGE_END_RE, ''), error);
  if (/please use the state\.storage\.transaction\(\)|BEGIN TRANSACTION or SAVEPOINT/i.test(raw)) {
    return new ValidationError('a Durable Object refuses transaction statements in SQL; engine.transaction() and commit() own them', [
      { path: ['sql'], message: 'transaction control statement' },
    ]);
  }
  if (/SQL is not enabled for this Durable Object class|not backed by SQLite|Durable Object is not backed by SQL/i.test(raw)) {
    return new ConfigurationError(
      'this Durable Object class has no SQLite storage: declare it under "new_sqlite_classes" in the wrangler migrations',
      { cause: error },
    );
  }
  if (/on behalf of a different (Durable Object|request)/i.test(raw)) {
    return new ConfigurationError(
      "a Durable Object's database can only be used from inside that object (create the driver in its constructor, and reach the object by RPC)",
      { cause: error },
    );
  }
  if (/^internal error|Durable Object was reset|broken\.(?:input|output)GateBroken/i.test(raw)) {
    return new ConnectionError(`the Durable Object's storage failed and the object was reset: ${firstLine(raw)}`, { cause: error });
  }
  if (/Wrong number of parameter bindings/i.test(raw)) {
    return new DatabaseError('wrong number of parameter bindings for the statement', { cause: error });
  }
  // `…: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)`: prefer the extended name, else the primary.
  const code = /\(extended: (SQLITE_[A-Z_]+)\)/.exec(raw)?.[1] ?? /\b(SQLITE_[A-Z_]+)\b/.exec(raw)?.[1];
  // SQLite's own text without the trailing code (and the runtime's " at offset N").
  const message = raw.replace(SQLITE_MESSAGE_END_RE, '');
  return sqliteErrorToDaoError(code, message, error);
}

/** The end of a SQLite error's message as the runtime reports it: the primary code, and the extended one when known. */
const SQLITE_TAIL_RE = /:\s*(SQLITE_[A-Z_]+)(?:\s*\(extended: (SQLITE_[A-Z_]+)\))?\s*$/;
/** The same with the runtime's " at offset N" before it: what is left is SQLite's own text. */
const SQLITE_MESSAGE_END_RE = /(?: at offset \d+)?:\s*SQLITE_[A-Z_]+(?:\s*\(extended: SQLITE_[A-Z_]+\))?\s*$/;

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
