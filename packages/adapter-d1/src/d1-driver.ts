/**
 * The Cloudflare D1 driver: moves core's compiled statements to a D1 binding inside a Worker and back.
 *
 * D1 has no interactive transactions (`BEGIN`/`SAVEPOINT` are rejected, and Cloudflare has no plans to add
 * them: https://github.com/cloudflare/workers-sdk/issues/2733). Its one atomic primitive is
 * `D1Database.batch()`, which "executes statements sequentially, non-concurrently… If a statement in the
 * sequence fails, then an error is returned for that specific statement, and it aborts or rolls back the
 * entire sequence" (https://developers.cloudflare.com/d1/worker-api/d1-database/#batch). So
 * {@link Driver.batch} is exactly one `batch()` call and this driver never sends transaction control.
 */

import type { DaoError, Driver, DriverCapabilities, DriverLimits, SqlValue, Statement, StatementResult } from '@litedao/core';
import {
  BusyError,
  ConfigurationError,
  ConnectionError,
  DataIntegrityError,
  LimitExceededError,
  leadingKeyword,
  sqliteErrorToDaoError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import type { D1NativeBinding, D1NativePreparedStatement, D1NativeResult, D1NativeSession } from './native.ts';

/** How a D1 driver opens a read-replication session. */
export type D1SessionConstraint = 'first-primary' | 'first-unconstrained';

/** Options for {@link createD1Driver}. */
export interface D1DriverOptions {
  /**
   * Run every statement through `binding.withSession(session)`: `"first-primary"` (first query on the
   * primary, e.g. for a request that writes), `"first-unconstrained"` (any replica), or a bookmark string from
   * an earlier request's {@link Driver.bookmark} so this request reads at least that fresh.
   * Omit it to use the binding as given (plain `env.DB` always goes to the primary).
   * See https://developers.cloudflare.com/d1/best-practices/read-replication/.
   */
  readonly session?: D1SessionConstraint | (string & {}) | undefined;
}

/**
 * D1's documented per-statement limits (https://developers.cloudflare.com/d1/platform/limits/), as data:
 * core chunks multi-row writes and `IN` lists under `maxParameters` and checks parameters, SQL bytes, value
 * bytes, LIKE patterns and column counts before anything is sent.
 */
export const D1_LIMITS: DriverLimits = Object.freeze({
  maxParameters: 100,
  maxStatementBytes: 100_000,
  maxValueBytes: 2_000_000,
  maxLikePatternBytes: 50,
  maxColumns: 100,
  // Measured in workerd: "Expression tree is too large (maximum depth 100)".
  maxExpressionDepth: 100,
});

/**
 * D1 has no BEGIN (only atomic `batch()`) and no BigInt binding
 * (https://developers.cloudflare.com/d1/worker-api/#type-conversion); post-conditions are checked by core's
 * guard statements inside the batch; every call crosses the network, so a commit's outcome can be unknown.
 */
export const D1_CAPABILITIES: DriverCapabilities = Object.freeze({
  interactiveTransactions: false,
  bigint: false,
  expectations: false,
  remote: true,
  // D1's batch() takes one prepared statement per run: core sends repeated statements as separate ones.
  repeat: false,
  // An exact count of a write without RETURNING takes a changes() probe (see D1Driver.#counted).
  countByReturning: true,
  // A statement costs a round trip and counts against the Worker's queries per request, and 100 parameters make
  // a VALUES list 50 two-column rows: insertMany's rows go as one JSON text per up to 10,000 rows instead.
  bulkJson: true,
});

/**
 * Creates a litedao {@link Driver} over a D1 binding.
 *
 * Pass `env.DB` (or a session opened with `env.DB.withSession()`); the driver never looks the binding up on
 * `globalThis`. Statements run one at a time with `execute`, and `batch` sends a whole unit of work as one
 * atomic D1 `batch()` — which is all `session.commit()` ever does on D1.
 *
 * @example
 * ```ts
 * export default {
 *   async fetch(request: Request, env: { DB: D1Database }) {
 *     const driver = createD1Driver(env.DB, { session: request.headers.get('x-d1-bookmark') || 'first-primary' });
 *     // … hand `driver` to a litedao engine, then return driver.bookmark() to the client.
 *   },
 * };
 * ```
 *
 * @throws {ConfigurationError} when `options.session` is given but the binding cannot open sessions (it is
 *   already a session, or the runtime predates D1 sessions) — silently ignoring a bookmark would allow stale
 *   reads.
 */
export function createD1Driver(binding: D1NativeBinding, options: D1DriverOptions = {}): Driver {
  if (binding === null || typeof binding !== 'object' || typeof binding.prepare !== 'function') {
    throw new ConfigurationError('createD1Driver needs a D1 binding (for example env.DB)');
  }
  let target: D1NativeBinding = binding;
  if (options.session !== undefined) {
    if (typeof options.session !== 'string' || options.session.trim() === '') {
      throw new ConfigurationError('D1 session must be "first-primary", "first-unconstrained" or a bookmark');
    }
    if (!('withSession' in binding) || typeof binding.withSession !== 'function') {
      throw new ConfigurationError('D1 session option given, but this binding has no withSession() (pass the D1Database binding itself)');
    }
    try {
      target = binding.withSession(options.session);
    } catch (error) {
      throw mapD1Error(error);
    }
  }
  return new D1Driver(target);
}

class D1Driver implements Driver {
  readonly name = 'd1';
  readonly capabilities = D1_CAPABILITIES;
  readonly limits = D1_LIMITS;
  readonly #db: D1NativeBinding;
  readonly #dml = new Map<string, boolean>();
  readonly #inserts = new Map<string, string | null>();
  readonly #shapes = new Map<string, 'read' | 'returning' | null>();

  constructor(db: D1NativeBinding) {
    this.#db = db;
  }

  async execute(statement: Statement): Promise<StatementResult> {
    const params = toD1Params(statement, 0);
    if (statement.returnsRows !== true) refuseRepeatedNames(statement, 0);
    const prepared = this.#db.prepare(statement.sql).bind(...params);
    const shape = statement.returnsRows === undefined ? this.#rawShape(statement.sql) : undefined;
    if (shape !== undefined) {
      // Raw SQL (the `sql` tag) that reads, or writes with RETURNING: row objects would merge two columns of one
      // name (a join's two "id"s) and put integer-like names first, so take D1's arrays and names as
      // better-sqlite3 returns them. raw() drops `meta`, which loses nothing: a read changes nothing, and a
      // RETURNING write yields one row per row it changed (better-sqlite3 counts it so too, with no rowid).
      const res = fromRaw(await prepared.raw({ columnNames: true }));
      return shape === 'read' ? res : { ...res, changes: res.rows.length };
    }
    if (this.#counted(statement)) {
      // A write counted by changes(): the statement and the probe in one batch, on one connection.
      const [result, probe] = await this.#db.batch([prepared, this.#db.prepare(CHANGES_PROBE)]);
      return exactChanges(
        statement.returnsRows === false ? fromMeta(result as D1NativeResult) : fromObjects(result as D1NativeResult, statement.columns),
        probe,
      );
    }
    if (statement.returnsRows === false) return fromMeta(await prepared.run());
    if (statement.readOnly === true && statement.columns && hasUniqueNames(statement.columns)) {
      // A plain SELECT core built: no write metadata needed, so take D1's arrays as they are.
      return fromRawRows(statement.columns, await prepared.raw());
    }
    if (statement.returnsRows === true && !hasUniqueNames(statement.columns)) {
      // Row objects cannot hold two columns of one name (`SELECT ?, ?` names both "?"), and without core's
      // column list their key order is not the select order ("2" sorts before "b" and after "1"). raw() keeps
      // the exact arrays and names but reports no meta, so `changes` is 0 on this path. Core always names
      // its columns uniquely, so only hand-marked SQL gets here.
      return fromRaw(await prepared.raw({ columnNames: true }));
    }
    // all() returns rows as objects plus `meta` (changes, last_row_id). raw() would give arrays in column
    // order but drops `meta`, and a `… RETURNING` write must report the rows it changed, so rows are rebuilt
    // in `statement.columns` order instead. With `returnsRows` unknown (the `sql` tag) the statement may
    // be a write, so it needs `meta` too; its rows follow the objects' key order.
    return fromObjects(await prepared.all(), statement.columns);
  }

  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    // Convert every statement before preparing any, so a value D1 cannot bind means nothing was sent.
    const bound = statements.map((s, i) => {
      const params = toD1Params(s, i);
      refuseRepeatedNames(s, i);
      return params;
    });
    const tables = this.#plainInsertTables(statements);
    if (tables !== undefined) {
      try {
        return await this.#send(statements, bound, tables);
      } catch (error) {
        // A table written by a plain INSERT has a trigger that may insert too: nothing was written; count the
        // slow way.
        if (!isRecount(error)) throw error;
      }
    }
    return this.#send(statements, bound, undefined);
  }

  /**
   * Sends the batch. Every write without RETURNING is followed by a `changes()` probe (see {@link #counted}),
   * except, when `tables` is given, the plain INSERTs into those tables: their `meta.changes` is their own row
   * count unless a trigger on the table inserts, and one statement at the end of the batch aborts it (nothing
   * written, {@link isRecount}) if any table has a trigger whose text mentions INSERT or a definition that
   * mentions REPLACE (see {@link INSERT_TRIGGER_CHECK}).
   */
  async #send(
    statements: readonly Statement[],
    bound: readonly unknown[][],
    tables: ReadonlySet<string> | undefined,
  ): Promise<StatementResult[]> {
    const prepared: D1NativePreparedStatement[] = [];
    const probed: boolean[] = new Array(statements.length);
    let probe: D1NativePreparedStatement | undefined;
    for (let i = 0; i < statements.length; i++) {
      const s = statements[i] as Statement;
      prepared.push(this.#db.prepare(s.sql).bind(...(bound[i] ?? [])));
      probed[i] = this.#counted(s) && (tables === undefined || this.#plainInsert(s.sql) === undefined);
      if (probed[i]) {
        probe ??= this.#db.prepare(CHANGES_PROBE);
        prepared.push(probe);
      }
    }
    if (tables !== undefined && tables.size > 0) {
      prepared.push(this.#db.prepare(INSERT_TRIGGER_CHECK).bind(JSON.stringify([...tables])));
    }
    const results = await this.#db.batch(prepared);
    // batch() only returns row objects, so rows are rebuilt in `statement.columns` order when core gave it.
    const out: StatementResult[] = new Array(statements.length);
    for (let i = 0, r = 0; i < statements.length; i++) {
      const s = statements[i] as Statement;
      const res =
        s.returnsRows === false ? fromMeta(results[r++] as D1NativeResult) : fromObjects(results[r++] as D1NativeResult, s.columns);
      out[i] = probed[i] ? exactChanges(res, results[r++]) : res;
    }
    return out;
  }

  /**
   * The tables of the batch's plain multi-row INSERTs (core's bulk form: `INSERT INTO "t" (…) VALUES (?, …), …`,
   * no RETURNING, no conflict clause), which can be counted by `meta.changes`; `undefined` when there are none,
   * or when the batch changes the schema (a trigger created and dropped inside it would not be seen).
   */
  #plainInsertTables(statements: readonly Statement[]): Set<string> | undefined {
    let tables: Set<string> | undefined;
    for (const s of statements) {
      const keyword = leadingKeyword(s.sql);
      if (keyword === 'CREATE' || keyword === 'DROP' || keyword === 'ALTER') return undefined;
      if (s.returnsRows !== false || s.repeat !== undefined) continue;
      const table = this.#plainInsert(s.sql);
      if (table === undefined) continue;
      tables ??= new Set();
      tables.add(table);
    }
    return tables;
  }

  /** The table of a plain multi-row INSERT (see {@link #plainInsertTables}), else `undefined`. Cached per SQL text. */
  #plainInsert(sql: string): string | undefined {
    let table = this.#inserts.get(sql);
    if (table === undefined) {
      const m = PLAIN_INSERT_RE.exec(sql);
      table = m ? (m[1] as string).replaceAll('""', '"') : null;
      if (this.#inserts.size >= 500) this.#inserts.clear();
      this.#inserts.set(sql, table);
    }
    return table ?? undefined;
  }

  /**
   * Whether a statement's row count needs the `changes()` probe: D1's `meta.changes` is the database's total
   * changes during the statement, so it also counts rows that triggers (litedao's `updated_at` trigger among
   * them) and foreign-key actions (`ON DELETE CASCADE`) changed; SQLite's `changes()` counts the statement's
   * own rows, as better-sqlite3, sqlite-wasm and Durable Objects report. A write with RETURNING is counted by
   * its rows. Decided once per SQL text (a run of 10,000 updates shares one).
   */
  #counted(statement: Statement): boolean {
    if (statement.returnsRows === true || statement.readOnly === true) return false;
    const sql = statement.sql;
    let dml = this.#dml.get(sql);
    if (dml === undefined) {
      const keyword = leadingKeyword(sql);
      dml = keyword === 'INSERT' || keyword === 'UPDATE' || keyword === 'DELETE' || keyword === 'REPLACE' || keyword === 'WITH';
      if (this.#dml.size >= 500) this.#dml.clear();
      this.#dml.set(sql, dml);
    }
    return dml;
  }

  /**
   * How raw SQL returns its rows: `'read'` for a `SELECT` or `VALUES`, or a `WITH …` that names no write;
   * `'returning'` for an INSERT, UPDATE, DELETE or REPLACE (or a `WITH …` one) with a RETURNING clause; else
   * `undefined` (a write without RETURNING, DDL, PRAGMA: `all()` and its `meta`). Keywords are looked for outside
   * strings, quoted names and comments. Cached per SQL text.
   */
  #rawShape(sql: string): 'read' | 'returning' | undefined {
    let shape = this.#shapes.get(sql);
    if (shape === undefined) {
      const keyword = leadingKeyword(sql);
      const code =
        keyword === 'WITH' || keyword === 'INSERT' || keyword === 'UPDATE' || keyword === 'DELETE' || keyword === 'REPLACE'
          ? sqlCode(sql)
          : '';
      if (keyword === 'SELECT' || keyword === 'VALUES' || (keyword === 'WITH' && !WRITE_RE.test(code))) shape = 'read';
      else if (RETURNING_RE.test(code)) shape = 'returning';
      else shape = null;
      if (this.#shapes.size >= 500) this.#shapes.clear();
      this.#shapes.set(sql, shape);
    }
    return shape ?? undefined;
  }

  async close(): Promise<void> {
    // D1 bindings have nothing to close; core stops using the driver.
  }

  mapError(error: unknown): DaoError {
    return mapD1Error(error);
  }

  bookmark(): string | null {
    const db = this.#db as Partial<D1NativeSession>;
    if (typeof db.getBookmark !== 'function') return null;
    try {
      return db.getBookmark() ?? null;
    } catch {
      return null;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Limits and parameters

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Converts a statement's parameters to what D1 binds. Throws before anything is sent. */
function toD1Params(statement: Statement, index: number): unknown[] {
  const { params } = statement;
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) out[i] = toD1Value(params[i], index, i);
  return out;
}

/** Converts one parameter to a value D1 binds exactly. Messages name the position and type, never the value. */
function toD1Value(value: SqlValue | undefined, statement: number, param: number): unknown {
  const where = `statement ${statement + 1}, parameter ${param + 1}`;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      // D1 silently stores NaN and ±Infinity as NULL (observed in Miniflare, research/RELIABILITY.md §2.0).
      if (!Number.isFinite(value)) throw invalidParam(where, statement, param, 'non-finite number');
      return value;
    case 'bigint':
      // D1 has no BigInt binding (D1_TYPE_ERROR); integers are exact only up to Number.MAX_SAFE_INTEGER.
      if (value > MAX_SAFE || value < MIN_SAFE) {
        throw new UnsupportedError(
          'bigint',
          `D1 cannot store integers beyond ±(2^53 − 1) exactly (${where})`,
          'a text column holding the decimal string',
        );
      }
      return Number(value);
    case 'object':
      if (value === null) return null;
      // D1's bind() accepts ArrayBuffer views as they are and sends them as a BLOB.
      if (value instanceof Uint8Array) return value;
      throw invalidParam(where, statement, param, 'object that is not a Uint8Array');
    default:
      // undefined, boolean, function, symbol: core converts every model value first, so this is a bug
      // upstream; D1 would raise D1_TYPE_ERROR with the value in its message.
      throw invalidParam(where, statement, param, typeof value);
  }
}

function invalidParam(where: string, statement: number, param: number, kind: string): ValidationError {
  return new ValidationError(`D1 cannot bind this parameter (${where})`, [
    { path: ['statements', statement, 'params', param], message: `cannot bind a ${kind}`, code: 'D1_TYPE' },
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Results

function meta(result: D1NativeResult | undefined): { changes: number; lastInsertRowid?: number } {
  const m = result?.meta;
  const changes = typeof m?.changes === 'number' ? m.changes : 0;
  // last_row_id is the connection's last_insert_rowid(); it is only meaningful after a write.
  const rowid = typeof m?.last_row_id === 'number' && changes > 0 ? m.last_row_id : undefined;
  return rowid === undefined ? { changes } : { changes, lastInsertRowid: rowid };
}

/** A placeholder of core's INSERT tuples (`?`, or a bigint value's `CAST(? AS INTEGER)`). */
const PLACEHOLDER = String.raw`(?:\?|CAST\(\? AS INTEGER\))`;
const TUPLE = String.raw`\(${PLACEHOLDER}(?:, ${PLACEHOLDER})*\)`;
/**
 * Core's bulk INSERTs: one quoted table, a column list, then tuples of placeholders only, or its JSON form
 * (`SELECT value ->> 0, … FROM json_each(?) ORDER BY key`, see `DriverCapabilities.bulkJson`); nothing after them.
 */
const PLAIN_INSERT_RE = new RegExp(
  String.raw`^INSERT INTO "((?:[^"]|"")+)" \([^()]*\) (?:VALUES ${TUPLE}(?:, ${TUPLE})*|SELECT value ->> 0(?:, value ->> \d+)* FROM json_each\(\?\) ORDER BY key)$`,
);

/** The marker of {@link INSERT_TRIGGER_CHECK}'s error. */
const RECOUNT_MARK = 'litedao-recount';

/**
 * The last statement of a batch whose plain INSERTs are counted by `meta.changes` (the database's total changes,
 * which also counts rows triggers and foreign-key actions changed): aborts the batch when a table written has a
 * trigger whose text mentions INSERT (an INSERT trigger, or any other that inserts), or a definition that
 * mentions REPLACE (an `ON CONFLICT REPLACE` constraint: the rows it deletes fire `ON DELETE CASCADE`/`SET NULL`,
 * which `meta.changes` would count). SQLite raises `json_extract`'s bad-path error, whose text carries the
 * marker. Litedao's own `updated_at` trigger (AFTER UPDATE, it updates) passes.
 */
const INSERT_TRIGGER_CHECK =
  "SELECT json_extract('{}', CASE WHEN EXISTS (SELECT 1 FROM sqlite_schema WHERE ((type = 'trigger' AND upper(sql) LIKE '%INSERT%') " +
  "OR (type = 'table' AND upper(sql) LIKE '%REPLACE%')) " +
  `AND tbl_name COLLATE NOCASE IN (SELECT value FROM json_each(?))) THEN '${RECOUNT_MARK}' ELSE '$' END) AS litedao_check`;

/** Whether a batch failed on {@link INSERT_TRIGGER_CHECK} (nothing of it was written). */
function isRecount(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e.message.includes(RECOUNT_MARK)) return true;
  }
  return false;
}

/** Run right after a write in the same batch: that write's own row count (see `D1Driver.#counted`). */
const CHANGES_PROBE = 'SELECT changes() AS litedao_changes';

/**
 * The result with SQLite's own count. A write D1 reports no change for changed nothing (`meta.changes` is at
 * least `changes()`); otherwise `changes()` right after it is its count, whatever triggers did meanwhile.
 */
function exactChanges(result: StatementResult, probe: D1NativeResult | undefined): StatementResult {
  if (result.changes === 0) return result;
  const row = probe?.results?.[0] as Record<string, unknown> | undefined;
  const n = row?.litedao_changes;
  if (typeof n !== 'number') throw new DataIntegrityError('D1 did not return the changes() of a write');
  return n === result.changes ? result : { ...result, changes: n };
}

/** A write keyword of a `WITH …` statement's own text (see {@link sqlCode}). */
const WRITE_RE = /\b(?:INSERT|UPDATE|DELETE|REPLACE)\b/i;
/** A RETURNING clause: the keyword followed by an expression, not a bare name (`SET returning = 1`, `(returning)`). */
const RETURNING_RE = /\bRETURNING\b(?!\s*[=),.])/i;

/**
 * The SQL text with its strings, quoted names (`"…"`, `` `…` ``, `[…]`) and comments blanked out, so keywords
 * are only found where SQLite reads them as keywords.
 */
function sqlCode(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, ' ');
}

/** Shared by every result without rows (core never mutates results). */
const NO_ROWS: SqlValue[][] = [];

function fromMeta(result: D1NativeResult): StatementResult {
  const m = result?.meta;
  const changes = typeof m?.changes === 'number' ? m.changes : 0;
  const rowid = typeof m?.last_row_id === 'number' && changes > 0 ? m.last_row_id : undefined;
  return rowid === undefined ? { rows: NO_ROWS, changes } : { rows: NO_ROWS, changes, lastInsertRowid: rowid };
}

/** Rebuilds row arrays from D1's row objects, in `columns` order when given, else the objects' key order. */
function fromObjects(result: D1NativeResult, columns: readonly string[] | undefined): StatementResult {
  const objects = Array.isArray(result?.results) ? result.results : [];
  const first = objects[0];
  const names = columns ?? (isRecord(first) ? Object.keys(first) : []);
  const rows: SqlValue[][] = new Array(objects.length);
  for (let r = 0; r < objects.length; r++) {
    const obj = objects[r];
    if (!isRecord(obj)) throw new DataIntegrityError('D1 returned a row that is not an object');
    const row: SqlValue[] = new Array(names.length);
    for (let c = 0; c < names.length; c++) {
      const name = names[c] as string;
      if (!Object.hasOwn(obj, name)) {
        // Core's column list must match the SQL it compiled; a mismatch is a bug, never a silent null.
        throw new DataIntegrityError(`D1 result has no column "${name}" (result columns: ${Object.keys(obj).join(', ')})`);
      }
      row[c] = fromD1Value(obj[name]);
    }
    rows[r] = row;
  }
  const counts = meta(result);
  // A write with RETURNING yields one row per row it changed: that is its count (meta.changes would also
  // count what triggers and foreign-key actions changed).
  if (counts.changes > 0 && rows.length < counts.changes && columns !== undefined) counts.changes = rows.length;
  return { rows, columns: names, ...counts };
}

/** `raw({ columnNames: true })` → header row, then row arrays. It carries no meta. */
function fromRaw(raw: unknown[]): StatementResult {
  const header = raw.shift();
  return fromRawRows(Array.isArray(header) ? header.map(String) : [], raw);
}

/**
 * Rows from `raw()` (fresh arrays of this call, so converted in place): numbers and strings are kept as they
 * are, every other value goes through {@link fromD1Value}. No array per row or per result is copied.
 */
function fromRawRows(columns: readonly string[], rows: unknown[]): StatementResult {
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row)) throw new DataIntegrityError('D1 returned a row that is not an array');
    for (let c = 0; c < row.length; c++) {
      const v: unknown = row[c];
      if (typeof v !== 'number' && typeof v !== 'string') row[c] = fromD1Value(v);
    }
  }
  return { rows: rows as SqlValue[][], columns, changes: 0 };
}

/** D1 values arrive through JSON: BLOBs as `number[]` (converted back to `Uint8Array`). */
function fromD1Value(value: unknown): SqlValue {
  switch (typeof value) {
    case 'number':
    case 'string':
      return value;
    case 'undefined':
      return null;
    case 'boolean':
      return value ? 1 : 0;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return Uint8Array.from(value as number[]);
      if (value instanceof ArrayBuffer) return new Uint8Array(value);
      if (value instanceof Uint8Array) return value;
      break;
  }
  throw new DataIntegrityError(`D1 returned a value of unexpected type ${typeof value}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `all()` and `batch()` return rows as objects, where two result columns of one name collapse into one.
 * Refused before sending rather than answered with a wrong row.
 */
function refuseRepeatedNames(statement: Statement, index: number): void {
  if (statement.returnsRows === false || statement.columns === undefined || hasUniqueNames(statement.columns)) return;
  throw new UnsupportedError(
    'repeatedColumnNames',
    `D1 returns rows as objects, so result columns need distinct names (statement ${index + 1}).`,
    'aliases (AS) that make every result column name unique',
  );
}

function hasUniqueNames(columns: readonly string[] | undefined): columns is readonly string[] {
  if (columns === undefined) return false;
  const n = columns.length;
  // Result lists are short: comparing pairs allocates nothing (this runs for every statement of a batch).
  if (n <= 16) {
    for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) if (columns[i] === columns[j]) return false;
    return true;
  }
  return new Set(columns).size === n;
}

// ---------------------------------------------------------------------------------------------------------
// Errors

/**
 * Maps anything D1 threw onto the litedao error tree (core calls it only for errors that are not litedao
 * errors already).
 *
 * D1 throws plain `Error`s whose message carries the SQLite detail, e.g.
 * `D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)`
 * (https://developers.cloudflare.com/d1/observability/debug-d1/#error-list). The extended code name is
 * taken from the message and handed to {@link sqliteErrorToDaoError}, so the same fault gives the same class
 * as on better-sqlite3 and sqlite-wasm. Besides SQLite's own codes:
 *
 * - `D1_TYPE_ERROR` (a value D1 cannot bind) → `ValidationError`. Its message quotes the value, so neither
 *   the message nor the original error is kept.
 * - "Network connection lost", "…reset…" (storage reset, code update) → `ConnectionError`: retryable only if
 *   the statement is idempotent (https://developers.cloudflare.com/d1/best-practices/retry-queries/).
 * - "overloaded" → `BusyError` (back off and retry).
 * - A rejected `BEGIN`/`SAVEPOINT` → `UnsupportedError('interactiveTransactions')`.
 * - "too many SQL variables", "statement too long", "LIKE or GLOB pattern too complex" → `LimitExceededError`
 *   (the driver and core check these first; this covers hand-written SQL).
 *
 * A message that ends in SQLite's result code is SQLite's own, and is mapped by that code alone (only the
 * limit phrases are read, at its start): its text holds names and `RAISE()` messages of the schema, so a CHECK
 * constraint named `not_overloaded` or a missing table `overloaded_jobs` is never taken for D1 being busy.
 */
export function mapD1Error(error: unknown): DaoError {
  const raw = messageOf(error);
  const message = raw.replace(/^D1_(?:EXEC_)?ERROR:\s*/, '');

  if (/^D1_TYPE_ERROR/.test(raw)) {
    const type = /Type '(\w+)'/.exec(raw)?.[1] ?? 'unknown';
    return new ValidationError('D1 cannot bind a parameter', [{ path: ['params'], message: `cannot bind a ${type}`, code: 'D1_TYPE' }]);
  }
  if (/^D1_SESSION_ERROR/.test(raw)) return new ConfigurationError(`D1 session: ${firstLine(raw)}`, { cause: error });
  // SQLite's own error (`…: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)`). Its text holds names and
  // RAISE() messages the schema chose ("CHECK constraint failed: not_overloaded", "no such table: overloaded_jobs"),
  // so D1's own phrases below are never looked for in it, and SQLite's limit phrases only at its start.
  const tail = SQLITE_TAIL_RE.exec(raw);
  if (tail) {
    const primary = tail[1] as string;
    // SQLite's own text without the trailing code, e.g. "no such table: users".
    const sqliteMessage = message.replace(SQLITE_TAIL_RE, '');
    if (!primary.startsWith('SQLITE_CONSTRAINT')) {
      if (/^too many SQL variables/i.test(sqliteMessage)) {
        return new LimitExceededError('D1 bound parameters', Number.NaN, D1_LIMITS.maxParameters, firstLine(sqliteMessage));
      }
      if (/^statement too long/i.test(sqliteMessage)) {
        return new LimitExceededError(
          'D1 SQL statement bytes',
          Number.NaN,
          D1_LIMITS.maxStatementBytes ?? Number.NaN,
          firstLine(sqliteMessage),
        );
      }
      if (/^LIKE or GLOB pattern too complex/i.test(sqliteMessage)) {
        return new LimitExceededError(
          'D1 LIKE pattern bytes',
          Number.NaN,
          D1_LIMITS.maxLikePatternBytes ?? Number.NaN,
          firstLine(sqliteMessage),
        );
      }
      if (/^cannot start a transaction within a transaction/i.test(sqliteMessage)) return refusedTransaction();
    }
    // Prefer the extended name, else the primary.
    return sqliteErrorToDaoError(tail[2] ?? primary, sqliteMessage, error);
  }
  if (/Network connection lost|connection (?:was )?reset|object to be reset|reset because its code was updated/i.test(raw)) {
    return new ConnectionError(`D1 connection lost: ${firstLine(message)}`, { cause: error });
  }
  if (/overloaded/i.test(raw)) return new BusyError(`D1 is overloaded: ${firstLine(message)}`, { cause: error });
  if (/BEGIN TRANSACTION or SAVEPOINT|cannot start a transaction/i.test(raw)) return refusedTransaction();
  const code = /\b(SQLITE_[A-Z_]+)\b/.exec(raw)?.[1];
  return sqliteErrorToDaoError(code, message, error);
}

/** The end of a SQLite error's message as D1 reports it: the primary code, and the extended one when known. */
const SQLITE_TAIL_RE = /:\s*(SQLITE_[A-Z_]+)(?:\s*\(extended: (SQLITE_[A-Z_]+)\))?\s*$/;

function refusedTransaction(): UnsupportedError {
  return new UnsupportedError(
    'interactiveTransactions',
    'D1 rejects BEGIN/SAVEPOINT: it has no interactive transactions.',
    'a unit of work (session.commit() sends one atomic batch)',
  );
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    // Before wrangler 3.1.1 the detail was only in `cause` (research/LANDSCAPE.md §4).
    const cause = (error as { cause?: unknown }).cause;
    if (!/SQLITE_/.test(error.message) && cause instanceof Error && /SQLITE_/.test(cause.message)) {
      return `${error.message}: ${cause.message}`;
    }
    return error.message;
  }
  return typeof error === 'string' ? error : String(error);
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
