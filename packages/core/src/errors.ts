/**
 * litedao's one error tree. Every adapter throws these and only these, with the same class and `code` for
 * the same fault, so `catch (e) { if (e instanceof UniqueConstraintError) … }` works on Node, D1 and in the
 * browser alike.
 *
 * `instanceof` is brand-based (see {@link DaoError}), so it keeps working when two copies of the package are
 * loaded, and for errors rebuilt on the page side of the sqlite-wasm Worker boundary.
 *
 * Messages never contain bound parameter values.
 */

const BRAND = Symbol.for('litedao.error');

/** Stable, documented error codes. They never change meaning between releases. */
export type ErrorCode =
  | 'CONFIGURATION'
  | 'IDENTIFIER'
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'MULTIPLE_RESULTS'
  | 'STATE'
  | 'SESSION_CLOSED'
  | 'ENGINE_CLOSED'
  | 'UNSUPPORTED'
  | 'LIMIT_EXCEEDED'
  | 'DATABASE'
  | 'CONSTRAINT'
  | 'UNIQUE_VIOLATION'
  | 'NOT_NULL_VIOLATION'
  | 'FOREIGN_KEY_VIOLATION'
  | 'CHECK_VIOLATION'
  | 'BUSY'
  | 'CONNECTION'
  | 'COMMIT_OUTCOME_UNKNOWN'
  | 'STALE_DATA'
  | 'UNIT_ALREADY_APPLIED'
  | 'SCHEMA'
  | 'DATA_INTEGRITY'
  | 'STORAGE_UNAVAILABLE';

/** One problem found by validation: where it is (`path`) and what is wrong (`message`). */
export interface ValidationIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly code?: string;
}

/**
 * Base of every litedao error. Carries a stable `code` and the chain of codes of its classes (`codes`),
 * which is what `instanceof` checks, so checks survive duplicate package copies and serialization.
 */
export class DaoError extends Error {
  static readonly code: ErrorCode = 'DATABASE';
  readonly code: ErrorCode;
  /** Codes of this error's class and all its litedao superclasses, most specific first. */
  readonly codes: readonly ErrorCode[];
  declare readonly [BRAND]: true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const codes: ErrorCode[] = [];
    // The chain of litedao subclasses below DaoError itself (DaoError's own code is only a fallback).
    for (let c = new.target as unknown as typeof DaoError; c && c !== DaoError; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'code')) codes.push(c.code);
    }
    this.code = codes[0] ?? 'DATABASE';
    this.codes = codes;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  // `this` is the class `instanceof` was asked about (a subclass): match by its code.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!isDaoError(value)) return false;
    // The base class itself matches every litedao error.
    if (this === DaoError) return true;
    return Object.hasOwn(this, 'code') && value.codes.includes(this.code);
  }
}

/** True for any litedao error, from any copy of the package. */
export function isDaoError(value: unknown): value is DaoError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Wrong options given to an engine, driver, model or DAO. */
export class ConfigurationError extends DaoError {
  static override readonly code: ErrorCode = 'CONFIGURATION';
}

/** A table, column or index name that litedao refuses (see docs/naming.md), or two models on one table. */
export class IdentifierError extends ConfigurationError {
  static override readonly code: ErrorCode = 'IDENTIFIER';
}

/** Input that does not match the model: raised before anything is written. `issues` says what and where. */
export class ValidationError extends DaoError {
  static override readonly code: ErrorCode = 'VALIDATION';
  readonly issues: readonly ValidationIssue[];
  constructor(message: string, issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    const detail = issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    super(detail ? `${message}: ${detail}` : message, options);
    this.issues = issues;
  }
}

/** A row that was required (`getOrThrow`, `one()`) does not exist. */
export class NotFoundError extends DaoError {
  static override readonly code: ErrorCode = 'NOT_FOUND';
}

/** A query expected to return at most one row returned several. */
export class MultipleResultsError extends DaoError {
  static override readonly code: ErrorCode = 'MULTIPLE_RESULTS';
}

/** An API used in the wrong state: reading a write count before commit, nesting transactions, and so on. */
export class StateError extends DaoError {
  static override readonly code: ErrorCode = 'STATE';
}

/** The session was closed; open a new one from the session maker. */
export class SessionClosedError extends StateError {
  static override readonly code: ErrorCode = 'SESSION_CLOSED';
}

/** The engine was closed; nothing more can run on it. */
export class EngineClosedError extends StateError {
  static override readonly code: ErrorCode = 'ENGINE_CLOSED';
}

/** The adapter lacks a capability. `capability` names it; `alternative` says what to use instead. */
export class UnsupportedError extends DaoError {
  static override readonly code: ErrorCode = 'UNSUPPORTED';
  readonly capability: string;
  readonly alternative: string | undefined;
  constructor(capability: string, message: string, alternative?: string) {
    super(alternative ? `${message} Use ${alternative} instead.` : message);
    this.capability = capability;
    this.alternative = alternative;
  }
}

/** A documented limit of the adapter would be exceeded; checked before sending, so nothing was written. */
export class LimitExceededError extends DaoError {
  static override readonly code: ErrorCode = 'LIMIT_EXCEEDED';
  readonly limit: string;
  /** The size found, when known. */
  readonly actual: number | undefined;
  /** The limit, when known. */
  readonly allowed: number | undefined;
  constructor(limit: string, actual: number | undefined, allowed: number | undefined, detail?: string, options?: { cause?: unknown }) {
    const figures = actual !== undefined && allowed !== undefined ? `: ${actual} > ${allowed}` : '';
    super(`${limit} limit exceeded${figures}${detail ? ` (${detail})` : ''}`, options);
    this.limit = limit;
    this.actual = actual;
    this.allowed = allowed;
  }
}

/** An error reported by SQLite (or D1). `sqliteCode` is SQLite's extended result code name when known. */
export class DatabaseError extends DaoError {
  static override readonly code: ErrorCode = 'DATABASE';
  readonly sqliteCode: string | undefined;
  constructor(message: string, options?: { cause?: unknown; sqliteCode?: string }) {
    super(message, options);
    this.sqliteCode = options?.sqliteCode;
  }
}

/** Which kind of constraint a {@link ConstraintError} reports. */
export type ConstraintKind = 'unique' | 'notnull' | 'foreignkey' | 'check' | 'primarykey' | 'other';

/** A constraint failed. The unit of work it belonged to was rolled back whole. */
export class ConstraintError extends DatabaseError {
  static override readonly code: ErrorCode = 'CONSTRAINT';
  readonly kind: ConstraintKind;
  /** Table named by SQLite's message, when it names one. */
  readonly table: string | undefined;
  /** Columns named by SQLite's message, when it names them. */
  readonly columns: readonly string[];
  /**
   * The constraint SQLite's message names, when it names one instead of columns: a CHECK constraint's name
   * (`CONSTRAINT note_short CHECK (…)`), or its expression when it has no name.
   */
  readonly constraint: string | undefined;
  constructor(
    message: string,
    kind: ConstraintKind,
    where: { table?: string; columns?: readonly string[]; constraint?: string },
    options?: { cause?: unknown; sqliteCode?: string },
  ) {
    super(message, options);
    this.kind = kind;
    this.table = where.table;
    this.columns = where.columns ?? [];
    this.constraint = where.constraint;
  }
}

/** A UNIQUE or PRIMARY KEY constraint failed. */
export class UniqueConstraintError extends ConstraintError {
  static override readonly code: ErrorCode = 'UNIQUE_VIOLATION';
}
/** A NOT NULL constraint failed. */
export class NotNullConstraintError extends ConstraintError {
  static override readonly code: ErrorCode = 'NOT_NULL_VIOLATION';
}
/** A FOREIGN KEY constraint failed. */
export class ForeignKeyConstraintError extends ConstraintError {
  static override readonly code: ErrorCode = 'FOREIGN_KEY_VIOLATION';
}
/** A CHECK constraint (or a STRICT table's datatype check) failed. */
export class CheckConstraintError extends ConstraintError {
  static override readonly code: ErrorCode = 'CHECK_VIOLATION';
}

/** The database is locked by another writer (SQLITE_BUSY / SQLITE_LOCKED, D1 overload). Safe to retry. */
export class BusyError extends DatabaseError {
  static override readonly code: ErrorCode = 'BUSY';
  readonly retryable = true;
}

/** The database could not be reached or opened (I/O error, cannot open, D1 network loss). */
export class ConnectionError extends DatabaseError {
  static override readonly code: ErrorCode = 'CONNECTION';
}

/**
 * The connection failed while a commit was in flight (D1: "Network connection lost"; a browser Worker that
 * died mid-commit), so litedao cannot know whether the batch was applied: it is atomic, so either all of it
 * was or none.
 *
 * Every unit of work carries an id written in the same atomic batch (see `unitLog` in docs/design.md), so
 * {@link CommitOutcomeUnknownError.wasApplied} asks the database which one it was. The session keeps the
 * unit's pending work and its id: calling `commit()` again applies it at most once (a unit already applied
 * fails with {@link UnitAlreadyAppliedError} instead of writing twice).
 */
export class CommitOutcomeUnknownError extends ConnectionError {
  static override readonly code: ErrorCode = 'COMMIT_OUTCOME_UNKNOWN';
  /** The unit of work's id, when the engine logs units (`unitLog`). */
  readonly unitId: string | undefined;
  readonly #check: (() => Promise<boolean>) | undefined;
  constructor(message: string, options?: { cause?: unknown; sqliteCode?: string; unitId?: string; check?: () => Promise<boolean> }) {
    super(message, options);
    this.unitId = options?.unitId;
    this.#check = options?.check;
  }

  /**
   * Asks the database whether the unit of work was applied (reads its id from the unit log). Throws
   * `UnsupportedError` when the engine does not log units, and the usual errors when the database is still
   * unreachable.
   */
  wasApplied(): Promise<boolean> {
    if (!this.#check) {
      return Promise.reject(
        new UnsupportedError(
          'unitLog',
          'this commit carried no unit id, so its outcome cannot be looked up.',
          'createEngine(driver, { unitLog: true })',
        ),
      );
    }
    return this.#check();
  }
}

/**
 * An UPDATE or DELETE by identity matched no row (another session deleted or changed it; with a version
 * column, another session committed first), or an INSERT wrote fewer rows than planned. Raised from inside
 * the atomic unit: nothing of the unit of work was written and the objects are as they were before the
 * commit. Safe to retry the whole unit (`Session.begin(fn, { retry })`).
 */
export class StaleDataError extends DatabaseError {
  static override readonly code: ErrorCode = 'STALE_DATA';
  readonly retryable = true;
  /** The table of the statement whose post-condition failed. */
  readonly table: string | undefined;
  /** The row's id, for a statement by identity. */
  readonly id: number | undefined;
  /** Rows the statement had to change. */
  readonly expected: number | undefined;
  /** Rows it changed, when known. */
  readonly actual: number | undefined;
  constructor(
    message: string,
    where: { table?: string | undefined; id?: number | undefined; expected?: number | undefined; actual?: number | undefined } = {},
    options?: { cause?: unknown; sqliteCode?: string },
  ) {
    super(message, options);
    this.table = where.table;
    this.id = where.id;
    this.expected = where.expected;
    this.actual = where.actual;
  }
}

/**
 * A retried unit of work had already been applied (its id is in the unit log): nothing was written twice.
 * Raised by the `commit()` that follows a {@link CommitOutcomeUnknownError} when the first attempt did go
 * through. The session's pending work is cleared; objects it would have inserted are left without ids
 * (load them again to see the stored rows).
 */
export class UnitAlreadyAppliedError extends DatabaseError {
  static override readonly code: ErrorCode = 'UNIT_ALREADY_APPLIED';
  readonly unitId: string;
  constructor(unitId: string, options?: { cause?: unknown }) {
    super(
      `this unit of work (${unitId}) was already applied by an earlier commit whose outcome was unknown; nothing was written again`,
      options,
    );
    this.unitId = unitId;
  }
}

/** The database schema does not match the models (no such table / column). Run `createAll` or a migration. */
export class SchemaError extends DatabaseError {
  static override readonly code: ErrorCode = 'SCHEMA';
}

/** A stored value cannot be read as its column's type (written by another tool, or drifted). */
export class DataIntegrityError extends DatabaseError {
  static override readonly code: ErrorCode = 'DATA_INTEGRITY';
}

/** Persistent storage is unavailable (OPFS missing, or held by another tab). Never silently replaced by memory. */
export class StorageUnavailableError extends ConnectionError {
  static override readonly code: ErrorCode = 'STORAGE_UNAVAILABLE';
}

const CONSTRAINT_CLASSES: Record<string, typeof ConstraintError> = {
  UNIQUE: UniqueConstraintError,
  PRIMARYKEY: UniqueConstraintError,
  NOTNULL: NotNullConstraintError,
  FOREIGNKEY: ForeignKeyConstraintError,
  CHECK: CheckConstraintError,
  DATATYPE: CheckConstraintError,
};

const KIND_BY_SUFFIX: Record<string, ConstraintKind> = {
  UNIQUE: 'unique',
  PRIMARYKEY: 'primarykey',
  NOTNULL: 'notnull',
  FOREIGNKEY: 'foreignkey',
  CHECK: 'check',
  DATATYPE: 'check',
};

/** How each constraint kind is spelled in messages (SQLite's own words). */
const CONSTRAINT_WORDS: Record<ConstraintKind, string> = {
  unique: 'UNIQUE',
  primarykey: 'PRIMARY KEY',
  notnull: 'NOT NULL',
  foreignkey: 'FOREIGN KEY',
  check: 'CHECK',
  other: 'a',
};

/** Reads the constraint kind from SQLite's message when the extended code is missing. */
function constraintSuffixFromMessage(message: string): string | undefined {
  if (/UNIQUE constraint failed/i.test(message)) return 'UNIQUE';
  if (/NOT NULL constraint failed/i.test(message)) return 'NOTNULL';
  if (/FOREIGN KEY constraint failed/i.test(message)) return 'FOREIGNKEY';
  if (/CHECK constraint failed/i.test(message)) return 'CHECK';
  if (/cannot store .* value in .* column/i.test(message)) return 'DATATYPE';
  return undefined;
}

/** `UNIQUE constraint failed: users.email, users.name` → table and columns. Names only, never values. */
function constraintTarget(message: string): { table?: string; columns?: string[] } {
  const m = /constraint failed: ([^\n:]+?)(?:: SQLITE_|$|\n| \(|$)/i.exec(message);
  if (!m?.[1]) return {};
  const parts = m[1].split(',').map((s) => s.trim());
  const qualified = parts.filter((p) => p.includes('.'));
  if (qualified.length === 0) return {};
  const table = qualified[0]?.slice(0, qualified[0].lastIndexOf('.'));
  return { ...(table ? { table } : {}), columns: qualified.map((p) => p.slice(p.lastIndexOf('.') + 1)) };
}

/**
 * The constraint a `CHECK constraint failed: <name>` message names, in every adapter's wrapping: bare
 * (better-sqlite3, sqlite-wasm), prefixed (`D1_ERROR: …`) or followed by the result code
 * (`…: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)` on D1 and Durable Objects). The name runs to
 * the end of the line, so an expression with `:` or `(` in it (an unnamed constraint) is kept whole.
 */
function checkConstraintName(message: string): string | undefined {
  const m = /CHECK constraint failed: ([^\n]*)/i.exec(message);
  if (!m?.[1]) return undefined;
  const name = m[1].replace(/:\s*SQLITE_[A-Z_]+(?:\s*\(extended: SQLITE_[A-Z_]+\))?\s*$/, '').trim();
  return name === '' ? undefined : name;
}

/**
 * Maps an SQLite failure (extended result-code name such as `SQLITE_CONSTRAINT_UNIQUE`, plus SQLite's
 * message) onto the litedao error tree. Every adapter calls this with what its driver reports, so the same
 * fault yields the same class everywhere. The driver's error is kept as `cause`.
 */
export function sqliteErrorToDaoError(codeName: string | undefined, message: string, cause?: unknown): DaoError {
  const code = codeName?.toUpperCase();
  const opts = { cause, ...(code ? { sqliteCode: code } : {}) };
  if (code?.startsWith('SQLITE_CONSTRAINT') || (!code && constraintSuffixFromMessage(message))) {
    // ON DELETE RESTRICT fails with SQLITE_CONSTRAINT_TRIGGER and "FOREIGN KEY constraint failed": where the
    // extended code names no constraint class, SQLite's message does.
    const fromCode = code?.slice('SQLITE_CONSTRAINT_'.length);
    const suffix = (fromCode && CONSTRAINT_CLASSES[fromCode] ? fromCode : constraintSuffixFromMessage(message)) || fromCode || '';
    const Cls = CONSTRAINT_CLASSES[suffix] ?? ConstraintError;
    const kind = KIND_BY_SUFFIX[suffix] ?? 'other';
    // A CHECK failure names its constraint (a name or an expression), never table.column: keep the name.
    const constraint = suffix === 'CHECK' ? checkConstraintName(message) : undefined;
    if (constraint !== undefined) return new Cls(`CHECK constraint failed: ${constraint}`, kind, { constraint }, opts);
    if (suffix === 'DATATYPE') {
      // A STRICT table's type check: `cannot store TEXT value in INTEGER column accts.n` (types, never values).
      const m = /cannot store (\w+) value in (\w+) column ([^\s:]+)\.([^\s:]+)/i.exec(message);
      if (m) {
        const [, given, declared, table = '', column = ''] = m;
        return new Cls(
          `CHECK constraint failed on ${table}(${column}): cannot store ${given} value in ${declared} column`,
          kind,
          { table, columns: [column] },
          opts,
        );
      }
    }
    const target = constraintTarget(message);
    const what = target.table ? ` on ${target.table}${target.columns?.length ? `(${target.columns.join(', ')})` : ''}` : '';
    return new Cls(`${CONSTRAINT_WORDS[kind]} constraint failed${what}`, kind, target, opts);
  }
  if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) {
    return new BusyError(`database is busy (${code})`, opts);
  }
  if (
    code?.startsWith('SQLITE_CANTOPEN') ||
    code?.startsWith('SQLITE_IOERR') ||
    code?.startsWith('SQLITE_NOTADB') ||
    code?.startsWith('SQLITE_CORRUPT') ||
    code?.startsWith('SQLITE_FULL') ||
    code?.startsWith('SQLITE_READONLY')
  ) {
    return new ConnectionError(`database unavailable (${code}): ${firstLine(message)}`, opts);
  }
  if (code === 'SQLITE_TOOBIG')
    return new LimitExceededError('SQLite string or blob size', undefined, undefined, firstLine(message), { cause });
  // SQLite's compile-time limits, reached by a statement's shape (D1 and Durable Objects have an expression depth
  // of 100, better-sqlite3 and sqlite-wasm 1,000): the statement did not run. SQLite's own phrase comes first in
  // its message and names follow it, so the phrase found earliest decides: a missing table named "too many SQL
  // variables" is a SchemaError, not a limit.
  const phrases: [RegExp, () => DaoError][] = [
    [
      /Expression tree is too large \(maximum depth (\d+)\)/i,
      () => new LimitExceededError('SQLite expression depth', undefined, Number(depthOf(message)), 'nest the filter less', { cause }),
    ],
    [
      /LIKE or GLOB pattern too complex/i,
      () => new LimitExceededError('SQLite LIKE pattern complexity', undefined, undefined, 'use a shorter pattern', { cause }),
    ],
    [
      /too many terms in compound SELECT|too many arguments on function|too many SQL variables|too many columns/i,
      () => new LimitExceededError('SQLite statement size', undefined, undefined, firstLine(message), { cause }),
    ],
    [/no such (table|column|index)|has no column named/i, () => new SchemaError(`schema mismatch: ${firstLine(message)}`, opts)],
  ];
  let first: { at: number; make: () => DaoError } | undefined;
  for (const [re, make] of phrases) {
    const at = message.search(re);
    if (at >= 0 && (first === undefined || at < first.at)) first = { at, make };
  }
  if (first) return first.make();
  return new DatabaseError(`database error${code ? ` (${code})` : ''}: ${firstLine(message)}`, opts);
}

function depthOf(message: string): string | undefined {
  return /Expression tree is too large \(maximum depth (\d+)\)/i.exec(message)?.[1];
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
