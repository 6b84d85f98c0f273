import type { DaoError, StatementResult } from '@litedao/core';
import { ConnectionError, checkOptions, isDaoError, StateError, StorageUnavailableError, serializeError } from '@litedao/core';
import { loadSqlite3 } from './load-sqlite3.ts';
import type { NativeSahPool, NativeSqlite3 } from './native.ts';
import {
  isWorkerRequest,
  type OpenResult,
  PROTOCOL_NS,
  PROTOCOL_VERSION,
  resultTransferables,
  type SahPoolSettings,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol.ts';
import { mapWasmError, WasmConnection } from './wasm-connection.ts';

/**
 * How long `open` waits by default for another holder to release the SAH pool. Chromium lets a terminated
 * Worker finish its running task for up to ~2 s before killing it (observed: a new Worker got the pool
 * 2.1–2.2 s after `terminate()` of a Worker busy in a long commit), and a reload terminates the old page's
 * Worker that way; 5 s covers it with margin.
 */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 5000;

/** Default name of the SAH-pool VFS (and, through it, of its OPFS directory). */
export const DEFAULT_SAHPOOL_NAME = 'litedao-sahpool';

/** The message endpoint the server listens on: a `DedicatedWorkerGlobalScope` or a `MessagePort`. */
export interface WorkerServerEndpoint {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  start?(): void;
}

/** Options of {@link serveWorkerDriver}. */
export interface ServeWorkerDriverOptions {
  /** Where requests arrive. Default: the Worker's global scope (`self`). */
  readonly endpoint?: WorkerServerEndpoint | undefined;
  /** An initialized sqlite-wasm namespace; default: the bundled `@sqlite.org/sqlite-wasm`, initialized once. */
  readonly sqlite3?: NativeSqlite3 | undefined;
}

/** A running server; `stop()` detaches it and closes its database. */
export interface WorkerServer {
  stop(): void;
}

interface OpenDatabase {
  readonly connection: WasmConnection;
  readonly pool: NativeSahPool;
}

/**
 * Serves one litedao database to `createWorkerDriver` on the page: call it at the top of a dedicated Worker.
 * On `open` it installs sqlite-wasm's OPFS SAH-pool VFS (no COOP/COEP headers needed) and opens the file
 * there; on `close` it closes the file and pauses the VFS, releasing OPFS so another tab or Worker can open
 * it. Requests run one at a time, in arrival order, each synchronously to completion, so a `batch` is one
 * transaction no other request can enter.
 *
 * It never falls back to memory: when OPFS is missing (main thread, old browser) or held by another tab,
 * `open` fails with `StorageUnavailableError`.
 *
 * @example
 * ```ts
 * // db.worker.ts
 * import { serveWorkerDriver } from '@litedao/adapter-wasm/worker';
 * serveWorkerDriver();
 * ```
 */
export function serveWorkerDriver(givenOptions?: ServeWorkerDriverOptions): WorkerServer {
  const options = checkOptions<ServeWorkerDriverOptions>('serveWorkerDriver', givenOptions, { endpoint: 'object', sqlite3: 'object' });
  const endpoint = options.endpoint ?? (globalThis as unknown as WorkerServerEndpoint);
  let open: OpenDatabase | undefined;
  let sqlite3: NativeSqlite3 | undefined = options.sqlite3;
  // Requests are handled strictly in order: `open` is asynchronous, everything after it must wait for it.
  let queue: Promise<void> = Promise.resolve();

  const reply = (id: number, response: { ok: true; result: unknown } | { ok: false; error: DaoError }): void => {
    const envelope = { ns: PROTOCOL_NS, v: PROTOCOL_VERSION, id } as const;
    if (response.ok) {
      const result = response.result;
      const results = Array.isArray(result) ? (result as StatementResult[]) : isResult(result) ? [result] : [];
      const message: WorkerResponse = { ...envelope, ok: true, result };
      endpoint.postMessage(message, resultTransferables(results));
    } else {
      const message: WorkerResponse = { ...envelope, ok: false, error: serializeError(response.error) };
      endpoint.postMessage(message, []);
    }
  };

  const connection = (): WasmConnection => {
    if (!open) throw new ConnectionError('No database is open in this Worker; open one with createWorkerDriver().');
    return open.connection;
  };

  const handle = async (request: WorkerRequest): Promise<unknown> => {
    switch (request.op) {
      case 'open': {
        if (open) throw new StateError('A database is already open in this Worker; close it first.');
        sqlite3 ??= await loadSqlite3();
        open = await openSahPoolDatabase(
          sqlite3,
          request.filename,
          request.vfs ?? {},
          request.statementCacheSize,
          request.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
        );
        const result: OpenResult = {
          filename: normalizeFilename(request.filename),
          vfsName: open.pool.vfsName,
          sqliteVersion: sqlite3.version.libVersion,
          bigint: sqlite3.config.bigIntEnabled,
          storage: 'opfs-sahpool',
          persisted: await isPersisted(),
        };
        return result;
      }
      case 'execute':
        return connection().execute(request.statement);
      case 'batch':
        return connection().batch(request.statements);
      case 'begin':
        return connection().begin();
      case 'commit':
        return connection().commit();
      case 'rollback':
        return connection().rollback();
      case 'status':
        return { inTransaction: connection().inTransaction };
      case 'close': {
        const current = open;
        open = undefined;
        if (current) closeDatabase(current);
        return undefined;
      }
      default:
        throw new StateError(`Unknown litedao worker operation "${(request as { op: string }).op}".`);
    }
  };

  const onMessage = (event: { readonly data: unknown }): void => {
    const data: unknown = event.data;
    if (!isWorkerRequest(data)) {
      const m = data as { ns?: unknown; v?: unknown; id?: unknown } | null;
      // A litedao message of another protocol version: answer, so the page does not wait forever.
      if (m?.ns === PROTOCOL_NS && typeof m.id === 'number' && m.v !== PROTOCOL_VERSION) {
        reply(m.id, {
          ok: false,
          error: new StateError(`litedao worker protocol mismatch: page sent v${String(m.v)}, Worker speaks v${PROTOCOL_VERSION}.`),
        });
      }
      return;
    }
    queue = queue.then(async () => {
      try {
        reply(data.id, { ok: true, result: await handle(data) });
      } catch (error) {
        reply(data.id, { ok: false, error: toDaoError(sqlite3, error) });
      }
    });
  };

  endpoint.addEventListener('message', onMessage);
  endpoint.start?.();
  return {
    stop() {
      endpoint.removeEventListener('message', onMessage);
      const current = open;
      open = undefined;
      if (current) closeDatabase(current);
    },
  };
}

/** Installs (or resumes) the SAH-pool VFS and opens `filename` on it. */
async function openSahPoolDatabase(
  sqlite3: NativeSqlite3,
  filename: string,
  settings: SahPoolSettings,
  statementCacheSize: number | undefined,
  acquireTimeoutMs: number,
): Promise<OpenDatabase> {
  const missing = missingOpfsApi();
  if (missing) {
    throw new StorageUnavailableError(
      `OPFS is not available here (${missing}). litedao keeps browser data in OPFS, which only dedicated ` +
        'Workers can write synchronously: run serveWorkerDriver() in a dedicated Worker. It never falls back to memory.',
    );
  }
  if (!sqlite3.installOpfsSAHPoolVfs) {
    throw new StorageUnavailableError('This sqlite-wasm build has no OPFS SAH-pool VFS (installOpfsSAHPoolVfs).');
  }
  const name = settings.name ?? DEFAULT_SAHPOOL_NAME;
  const pool = await acquirePool(sqlite3.installOpfsSAHPoolVfs.bind(sqlite3), name, settings, acquireTimeoutMs);
  let connection: WasmConnection | undefined;
  try {
    const db = new pool.OpfsSAHPoolDb(normalizeFilename(filename));
    connection = new WasmConnection(sqlite3, db, { statementCacheSize });
    // The pool admits one Worker, and this server opens one connection, so nobody else can read the file.
    // Exclusive locking lets SQLite keep its page cache across transactions instead of re-validating it
    // through OPFS at each one: point reads measured ~1.3 ms → ~0.3 ms per call in Chromium (mostly the
    // message round trip). Hot-journal recovery on the next open is unchanged.
    connection.execute({ sql: 'PRAGMA locking_mode = EXCLUSIVE', params: [] });
    return { connection, pool };
  } catch (error) {
    connection?.close();
    releasePool(pool);
    throw toDaoError(sqlite3, error);
  }
}

/**
 * Installs (or resumes) the SAH-pool VFS, retrying while another holder has the pool, up to
 * `acquireTimeoutMs`. The wait covers the common hand-over: on reload or tab switch the old page's Worker
 * releases its access handles only once it has actually stopped, which can be after the new page's Worker
 * asks for them (observed in Chromium when the old Worker was mid-commit).
 */
async function acquirePool(
  install: NonNullable<NativeSqlite3['installOpfsSAHPoolVfs']>,
  name: string,
  settings: SahPoolSettings,
  acquireTimeoutMs: number,
): Promise<NativeSahPool> {
  const deadline = Date.now() + Math.max(0, acquireTimeoutMs);
  for (let attempt = 0; ; attempt++) {
    try {
      const pool = await install({
        name,
        ...(settings.directory === undefined ? {} : { directory: settings.directory }),
        ...(settings.initialCapacity === undefined ? {} : { initialCapacity: settings.initialCapacity }),
        // Without this, a failed install calls removeVfs(), which tries to delete the pool's files: a Worker
        // that merely found the pool busy must not touch the holder's data.
        preserveOnInitFailure: true,
        // sqlite-wasm caches a failed install per name; allow the retry once the other holder let go.
        forceReinitIfPreviouslyFailed: true,
      });
      // close() paused the VFS to release OPFS; opening again in the same Worker takes the handles back.
      return pool.isPaused() ? await pool.unpauseVfs() : pool;
    } catch (error) {
      const busy = isPoolBusy(error);
      const remaining = deadline - Date.now();
      if (!busy || remaining <= 0) throw storageError(name, error, busy ? acquireTimeoutMs : undefined);
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * 2 ** attempt, 250, remaining)));
    }
  }
}

function closeDatabase({ connection, pool }: OpenDatabase): void {
  try {
    connection.close();
  } finally {
    releasePool(pool);
  }
}

// Pausing gives the sync access handles back to OPFS, so another tab or Worker can install the pool.
function releasePool(pool: NativeSahPool): void {
  try {
    if (!pool.isPaused()) pool.pauseVfs();
  } catch {
    // pauseVfs() throws only while files are open, which cannot be the case once the database closed.
  }
}

/** Names the first OPFS API missing in this context, or `undefined` when all are there. */
function missingOpfsApi(): string | undefined {
  const g = globalThis as {
    navigator?: { storage?: { getDirectory?: unknown } };
    FileSystemFileHandle?: { prototype?: { createSyncAccessHandle?: unknown } };
  };
  if (typeof g.navigator?.storage?.getDirectory !== 'function') return 'no navigator.storage.getDirectory';
  if (typeof g.FileSystemFileHandle?.prototype?.createSyncAccessHandle !== 'function') {
    return 'no FileSystemFileHandle.createSyncAccessHandle: not a dedicated Worker';
  }
  return undefined;
}

// Another Worker holds the pool's sync access handles (Chromium: NoModificationAllowedError).
function isPoolBusy(error: unknown): boolean {
  return /NoModificationAllowedError|InvalidStateError|Access Handles cannot be created/i.test(describe(error));
}

function storageError(name: string, error: unknown, waitedMs: number | undefined): StorageUnavailableError {
  const detail = describe(error);
  if (waitedMs !== undefined) {
    return new StorageUnavailableError(
      `OPFS database storage "${name}" is in use by another tab or Worker (the SAH-pool VFS admits one at a ` +
        `time; waited ${waitedMs} ms). Close the driver there (driver.close() releases it), or let one tab own ` +
        `the database. (${detail})`,
      { cause: error },
    );
  }
  return new StorageUnavailableError(`Could not install the OPFS SAH-pool VFS "${name}": ${detail}`, { cause: error });
}

// DOMExceptions from OPFS may arrive wrapped; walk the cause chain for the name that tells what happened.
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e && depth < 4; depth++) {
    if (e instanceof Error || (typeof e === 'object' && 'message' in e)) {
      const { name, message } = e as { name?: string; message?: string };
      parts.push(`${name ?? 'Error'}: ${message ?? ''}`);
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(' <- ') || 'unknown error';
}

// StorageManager.persisted() is exposed to Workers (persist() is not: only a page can ask).
async function isPersisted(): Promise<boolean | undefined> {
  const storage = (globalThis as { navigator?: { storage?: { persisted?: () => Promise<boolean> } } }).navigator?.storage;
  try {
    return typeof storage?.persisted === 'function' ? await storage.persisted() : undefined;
  } catch {
    return undefined;
  }
}

// The SAH-pool VFS only recognises absolute names (see its source comments).
function normalizeFilename(filename: string): string {
  return filename.startsWith('/') ? filename : `/${filename}`;
}

function toDaoError(sqlite3: NativeSqlite3 | undefined, error: unknown): DaoError {
  if (isDaoError(error)) return error;
  if (sqlite3) return mapWasmError(sqlite3, error);
  return new ConnectionError(`sqlite-wasm failed to load in the Worker: ${describe(error)}`, { cause: error });
}

function isResult(value: unknown): value is StatementResult {
  return typeof value === 'object' && value !== null && Array.isArray((value as StatementResult).rows);
}
