/**
 * The message protocol between `createWorkerDriver` (page) and `serveWorkerDriver` (Worker).
 *
 * Every message carries `ns: "litedao"` and `v: 2`, so a Worker can share its port with the application's
 * own messages, and so a page and a Worker from different releases fail loudly instead of misreading each
 * other. Requests carry an `id`; each gets exactly one response with the same `id`.
 */
import type { Expectation, SerializedError, SqlValue, Statement, StatementResult } from '@litedao/core';

/** Protocol version; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 3;
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
    | { readonly op: 'begin' | 'commit' | 'rollback' | 'status' | 'close' }
  );

/** The operations of the protocol. */
export type WorkerOp = WorkerRequest['op'];

/** A response from the Worker. */
export type WorkerResponse = Envelope &
  ({ readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: SerializedError });

export type { SerializedError } from '@litedao/core';

/** A statement as sent over the wire: only the fields the Worker uses, as plain cloneable data. */
export interface WireStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  readonly bigints?: boolean | undefined;
  readonly expect?: Expectation | undefined;
  /** See `Statement.repeat` (core checked it before it was sent). */
  readonly repeat?: number | undefined;
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
  const { sql, params, bigints, expect, repeat } = statement;
  if (!bigints && !expect && repeat === undefined) return { sql, params };
  return {
    sql,
    params,
    ...(bigints ? { bigints: true } : {}),
    ...(repeat === undefined ? {} : { repeat }),
    ...(expect
      ? {
          expect: {
            changes: expect.changes,
            table: expect.table,
            verb: expect.verb,
            ...(expect.id === undefined ? {} : { id: expect.id }),
          },
        }
      : {}),
  };
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
