/**
 * The message protocol between `createWorkerDriver` (page) and `serveWorkerDriver` (Worker).
 *
 * Every message carries `ns: "litedao"` and `v: 1`, so a Worker can share its port with the application's
 * own messages, and so a page and a Worker from different releases fail loudly instead of misreading each
 * other. Requests carry an `id`; each gets exactly one response with the same `id`.
 */
import type { DaoError, ErrorCode, SqlValue, Statement, StatementResult } from '@litedao/core';
import {
  BusyError,
  CheckConstraintError,
  CommitOutcomeUnknownError,
  ConfigurationError,
  ConnectionError,
  ConstraintError,
  DaoError as DaoErrorClass,
  DatabaseError,
  DataIntegrityError,
  EngineClosedError,
  ForeignKeyConstraintError,
  IdentifierError,
  LimitExceededError,
  MultipleResultsError,
  NotFoundError,
  NotNullConstraintError,
  SchemaError,
  SessionClosedError,
  StateError,
  StorageUnavailableError,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';

/** Protocol version; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;
/** Namespace tag on every message. */
export const PROTOCOL_NS = 'litedao';

/** Settings of the OPFS SAH-pool VFS the Worker installs (see sqlite-wasm's `installOpfsSAHPoolVfs`). */
export interface SahPoolSettings {
  /** VFS name; also names its OPFS directory unless `directory` is given. Default `"litedao-sahpool"`. */
  readonly name?: string | undefined;
  /** OPFS directory holding the pool's files. Default: derived from `name` by sqlite-wasm. */
  readonly directory?: string | undefined;
  /** File slots created on first install: at least 2 per database (journal). Default 6. */
  readonly initialCapacity?: number | undefined;
}

/** What the Worker reports after opening the database. */
export interface OpenResult {
  readonly filename: string;
  readonly vfsName: string;
  readonly sqliteVersion: string;
  readonly bigint: boolean;
  /** Always `"opfs-sahpool"`: the Worker refuses to open anything transient. */
  readonly storage: 'opfs-sahpool';
  /**
   * `navigator.storage.persisted()`: whether the browser promised not to evict the origin's storage.
   * `false` means best-effort storage (call `navigator.storage.persist()` from the page); `undefined`: unknown.
   */
  readonly persisted: boolean | undefined;
}

interface Envelope {
  readonly ns: typeof PROTOCOL_NS;
  readonly v: typeof PROTOCOL_VERSION;
  readonly id: number;
}

/** A request from the page to the Worker. */
export type WorkerRequest = Envelope &
  (
    | {
        readonly op: 'open';
        readonly filename: string;
        readonly vfs?: SahPoolSettings | undefined;
        readonly statementCacheSize?: number | undefined;
        readonly acquireTimeoutMs?: number | undefined;
      }
    | { readonly op: 'execute'; readonly statement: WireStatement }
    | { readonly op: 'batch'; readonly statements: readonly WireStatement[] }
    | { readonly op: 'begin' | 'commit' | 'rollback' | 'close' }
  );

/** The operations of the protocol. */
export type WorkerOp = WorkerRequest['op'];

/** A response from the Worker. */
export type WorkerResponse = Envelope &
  ({ readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: SerializedError });

/** A statement as sent over the wire: only the fields the Worker uses, as plain cloneable data. */
export interface WireStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  readonly bigints?: boolean | undefined;
}

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

/** True for a well-formed request of this protocol version. */
export function isWorkerRequest(data: unknown): data is WorkerRequest {
  const m = data as Partial<WorkerRequest> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.ns === PROTOCOL_NS &&
    m.v === PROTOCOL_VERSION &&
    typeof m.id === 'number' &&
    typeof m.op === 'string'
  );
}

/** True for a response of this protocol (any version: a mismatch is reported, not ignored). */
export function isWorkerResponse(data: unknown): data is WorkerResponse {
  const m = data as Partial<WorkerResponse> | null;
  return typeof m === 'object' && m !== null && m.ns === PROTOCOL_NS && typeof m.id === 'number';
}

/** Copies the fields the Worker needs into a plain object, so class instances or extra fields never break cloning. */
export function toWireStatement(statement: Statement): WireStatement {
  return statement.bigints
    ? { sql: statement.sql, params: statement.params, bigints: true }
    : { sql: statement.sql, params: statement.params };
}

/** Buffers of the blobs in `results`, to transfer instead of copy. Each blob sqlite-wasm returns owns its buffer. */
export function resultTransferables(results: readonly StatementResult[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const result of results) {
    for (const row of result.rows) {
      for (const value of row) {
        if (value instanceof Uint8Array && value.byteLength > 0 && value.buffer instanceof ArrayBuffer) {
          // Only whole-buffer views: transferring a shared buffer would detach the other views' data.
          if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) buffers.add(value.buffer);
        }
      }
    }
  }
  return [...buffers];
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
};

/**
 * Rebuilds a litedao error received from the Worker as an instance of the same class, so `instanceof`,
 * `code` and the class's fields behave exactly as if it had been thrown on the page.
 */
export function deserializeError(data: SerializedError): DaoError {
  const cause = data.cause ? Object.assign(new Error(data.cause.message), data.cause) : undefined;
  const code = [data.code, ...data.codes].find((c) => CLASS_BY_CODE[c] !== undefined);
  const Cls = (code && CLASS_BY_CODE[code]) || DaoErrorClass;
  const f = data.fields;
  const opts = {
    ...(cause ? { cause } : {}),
    ...(typeof f.sqliteCode === 'string' ? { sqliteCode: f.sqliteCode } : {}),
  };
  let error: DaoError;
  // The constructors differ by family; each is called the way its family expects, then the original
  // message and fields are restored (some constructors decorate the message they are given).
  if (extendsClass(Cls, ConstraintError)) {
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
    error = new (Cls as unknown as typeof DaoErrorClass)(data.message, opts);
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
