/**
 * litedao errors as plain, structured-cloneable data and back: how an error crosses a boundary (the browser
 * Worker's message port, an RPC) and is rebuilt as the same class with the same fields, so `instanceof` and
 * `code` behave as if it had been thrown on this side. Lives next to the error classes: adding a class here
 * is the only change a new error needs.
 */
import {
  BusyError,
  CheckConstraintError,
  CommitOutcomeUnknownError,
  ConfigurationError,
  ConnectionError,
  ConstraintError,
  DaoError,
  DatabaseError,
  DataIntegrityError,
  EngineClosedError,
  type ErrorCode,
  ForeignKeyConstraintError,
  IdentifierError,
  LimitExceededError,
  MultipleResultsError,
  NotFoundError,
  NotNullConstraintError,
  SchemaError,
  SessionClosedError,
  StaleDataError,
  StateError,
  StorageUnavailableError,
  UniqueConstraintError,
  UnitAlreadyAppliedError,
  UnsupportedError,
  ValidationError,
} from './errors.ts';

/** A litedao error as plain data. */
export interface SerializedError {
  readonly name: string;
  readonly code: ErrorCode;
  readonly codes: readonly ErrorCode[];
  readonly message: string;
  /** The error's own data fields (`sqliteCode`, `kind`, `table`, `columns`, `issues`, …). */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly cause?: { readonly name: string; readonly message: string; readonly resultCode?: number } | undefined;
}

// Fields every error has, carried separately or derived on the other side.
const OWN_KEYS_SKIPPED = new Set(['name', 'message', 'stack', 'cause', 'code', 'codes']);

/** Turns a litedao error into plain, structured-cloneable data. */
export function serializeError(error: DaoError): SerializedError {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (OWN_KEYS_SKIPPED.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (isCloneable(value)) fields[key] = value;
  }
  const cause = error.cause;
  return {
    name: error.name,
    code: error.code,
    codes: [...error.codes],
    message: error.message,
    fields,
    ...(cause instanceof Error
      ? {
          cause: {
            name: cause.name,
            message: cause.message,
            ...(typeof (cause as { resultCode?: unknown }).resultCode === 'number'
              ? { resultCode: (cause as unknown as { resultCode: number }).resultCode }
              : {}),
          },
        }
      : {}),
  };
}

type ErrorClass = abstract new (...args: never[]) => DaoError;

// Every class of core's error tree by code. An unknown code (a newer Worker) falls back along `codes`.
const CLASS_BY_CODE: Partial<Record<ErrorCode, ErrorClass>> = {
  CONFIGURATION: ConfigurationError,
  IDENTIFIER: IdentifierError,
  VALIDATION: ValidationError,
  NOT_FOUND: NotFoundError,
  MULTIPLE_RESULTS: MultipleResultsError,
  STATE: StateError,
  SESSION_CLOSED: SessionClosedError,
  ENGINE_CLOSED: EngineClosedError,
  UNSUPPORTED: UnsupportedError,
  LIMIT_EXCEEDED: LimitExceededError,
  DATABASE: DatabaseError,
  CONSTRAINT: ConstraintError,
  UNIQUE_VIOLATION: UniqueConstraintError,
  NOT_NULL_VIOLATION: NotNullConstraintError,
  FOREIGN_KEY_VIOLATION: ForeignKeyConstraintError,
  CHECK_VIOLATION: CheckConstraintError,
  BUSY: BusyError,
  CONNECTION: ConnectionError,
  COMMIT_OUTCOME_UNKNOWN: CommitOutcomeUnknownError,
  SCHEMA: SchemaError,
  DATA_INTEGRITY: DataIntegrityError,
  STORAGE_UNAVAILABLE: StorageUnavailableError,
  STALE_DATA: StaleDataError,
  UNIT_ALREADY_APPLIED: UnitAlreadyAppliedError,
};

/**
 * Rebuilds a litedao error received from the Worker as an instance of the same class, so `instanceof`,
 * `code` and the class's fields behave exactly as if it had been thrown on the page.
 */
export function deserializeError(data: SerializedError): DaoError {
  const cause = data.cause ? Object.assign(new Error(data.cause.message), data.cause) : undefined;
  const code = [data.code, ...data.codes].find((c) => CLASS_BY_CODE[c] !== undefined);
  const Cls = (code && CLASS_BY_CODE[code]) || DaoError;
  const f = data.fields;
  const opts = {
    ...(cause ? { cause } : {}),
    ...(typeof f.sqliteCode === 'string' ? { sqliteCode: f.sqliteCode } : {}),
  };
  let error: DaoError;
  // The constructors differ by family; each is called the way its family expects, then the original
  // message and fields are restored (some constructors decorate the message they are given).
  if (extendsClass(Cls, StaleDataError)) {
    error = new (Cls as unknown as typeof StaleDataError)(data.message, {}, opts);
  } else if (extendsClass(Cls, UnitAlreadyAppliedError)) {
    error = new (Cls as unknown as typeof UnitAlreadyAppliedError)(String(f.unitId ?? ''), cause ? { cause } : undefined);
  } else if (extendsClass(Cls, ConstraintError)) {
    const C = Cls as unknown as typeof ConstraintError;
    error = new C(data.message, (f.kind as ConstraintError['kind']) ?? 'other', {}, opts);
  } else if (extendsClass(Cls, DatabaseError)) {
    error = new (Cls as unknown as typeof DatabaseError)(data.message, opts);
  } else if (extendsClass(Cls, ValidationError)) {
    error = new (Cls as unknown as typeof ValidationError)(data.message, [], opts);
  } else if (extendsClass(Cls, UnsupportedError)) {
    error = new (Cls as unknown as typeof UnsupportedError)(String(f.capability ?? ''), data.message);
  } else if (extendsClass(Cls, LimitExceededError)) {
    const figure = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
    error = new (Cls as unknown as typeof LimitExceededError)(
      String(f.limit ?? ''),
      figure(f.actual),
      figure(f.allowed),
      undefined,
      cause ? { cause } : undefined,
    );
  } else {
    error = new (Cls as unknown as typeof DaoError)(data.message, opts);
  }
  Object.assign(error, f);
  Object.defineProperty(error, 'message', { value: data.message, writable: true, configurable: true, enumerable: false });
  return error;
}

function extendsClass(cls: ErrorClass, base: ErrorClass): boolean {
  return cls === base || Object.prototype.isPrototypeOf.call(base.prototype, cls.prototype);
}

// Plain data only (what structured clone copies faithfully): primitives, arrays and plain objects of them.
function isCloneable(value: unknown, depth = 0): boolean {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return false;
  if (value === null || typeof value !== 'object') return true;
  if (depth > 8) return false;
  if (Array.isArray(value)) return value.every((item) => isCloneable(item, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((item) => isCloneable(item, depth + 1));
}
