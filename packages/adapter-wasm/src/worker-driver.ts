import type { DaoError, Driver, DriverCapabilities, Statement, StatementResult, TransactionExecutor } from '@litedao/core';
import {
  ConfigurationError,
  ConnectionError,
  checkOptions,
  deserializeError,
  nonNegativeInteger,
  nonNegativeNumber,
  optionsOf,
  StateError,
  sqliteErrorToDaoError,
} from '@litedao/core';
import { WASM_DRIVER_NAME, WASM_LIMITS } from './limits.ts';
import {
  isWorkerResponse,
  type OpenResult,
  PROTOCOL_NS,
  PROTOCOL_VERSION,
  type SahPoolSettings,
  toWireStatement,
  type WorkerOp,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol.ts';

// How long close() waits for the Worker to confirm (it closes the file and releases OPFS in well under that).
const CLOSE_REPLY_TIMEOUT_MS = 2000;

/** What the page talks to: a `Worker` running `serveWorkerDriver()`, or a `MessagePort` connected to one. */
export interface WorkerEndpoint {
  postMessage(message: unknown): void;
  addEventListener(type: string, listener: (event: { readonly data?: unknown; readonly message?: string }) => void): void;
  removeEventListener(type: string, listener: (event: { readonly data?: unknown; readonly message?: string }) => void): void;
  start?(): void;
}

/** Options of {@link createWorkerDriver}. */
export interface WorkerDriverOptions {
  /** Database file inside the OPFS SAH pool, e.g. `"/app.db"` (a leading `/` is added when missing). */
  readonly filename: string;
  /** The SAH-pool VFS to install in the Worker (name, directory, initial capacity). */
  readonly vfs?: SahPoolSettings | undefined;
  /** Prepared statements the Worker keeps. Default 200; 0 disables the cache. */
  readonly statementCacheSize?: number | undefined;
  /**
   * How long to wait while another tab or Worker holds the database before failing with
   * `StorageUnavailableError`. Default 5000 ms, which covers a reload (the old page's Worker lets go only once
   * it has stopped; Chromium gives a busy Worker up to ~2 s). 0 fails at once.
   */
  readonly acquireTimeoutMs?: number | undefined;
}

/** A driver whose database lives in a Worker on OPFS. */
export interface WorkerDriver extends Driver {
  /** Where the data is kept. Always persistent OPFS: the Worker refuses to open anything else. */
  readonly storage: 'opfs-sahpool';
  readonly filename: string;
  readonly sqliteVersion: string;
  /** Whether the browser granted persistent storage (`navigator.storage.persisted()`); see {@link OpenResult}. */
  readonly persisted: boolean | undefined;
}

/**
 * Opens a database in a Worker that runs `serveWorkerDriver()` and returns a driver for it. The Worker owns
 * the connection, the prepared statements and OPFS; the page sends one message per call, and one per
 * `batch` (so a unit of work commits as one transaction inside the Worker).
 *
 * Interactive transactions are supported: `transaction(fn)` opens BEGIN IMMEDIATE in the Worker and each
 * statement of `fn` is one more message. Core serializes callers, so nothing else enters the transaction.
 *
 * Fails with `StorageUnavailableError` when the Worker has no OPFS, or another tab still holds the database
 * after `acquireTimeoutMs`.
 * `close()` closes the database and releases OPFS but leaves the Worker running (you created it; you may
 * terminate it).
 *
 * @example
 * ```ts
 * const worker = new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' });
 * const driver = await createWorkerDriver(worker, { filename: '/app.db' });
 * ```
 */
export async function createWorkerDriver(worker: WorkerEndpoint, givenOptions: WorkerDriverOptions): Promise<WorkerDriver> {
  const options = checkOptions<WorkerDriverOptions>('createWorkerDriver', givenOptions, {
    filename: 'string',
    vfs: optionsOf<SahPoolSettings>({ name: 'string', directory: 'string', initialCapacity: nonNegativeInteger }),
    statementCacheSize: nonNegativeInteger,
    acquireTimeoutMs: nonNegativeNumber,
  });
  if (typeof options.filename !== 'string' || options.filename === '') {
    throw new ConfigurationError('createWorkerDriver needs { filename }, e.g. { filename: "/app.db" }');
  }
  const client = new RpcClient(worker);
  try {
    const opened = (await client.request('open', {
      filename: options.filename,
      ...(options.vfs ? { vfs: { ...options.vfs } } : {}),
      ...(options.statementCacheSize === undefined ? {} : { statementCacheSize: options.statementCacheSize }),
      ...(options.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: options.acquireTimeoutMs }),
    })) as OpenResult;
    return new RemoteDriver(client, opened);
  } catch (error) {
    client.detach();
    throw error;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: DaoError): void;
}

type RequestBody<Op extends WorkerOp> = Omit<Extract<WorkerRequest, { op: Op }>, 'ns' | 'v' | 'id' | 'op'>;

/** Request/response matching over one endpoint. */
class RpcClient {
  readonly #endpoint: WorkerEndpoint;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: DaoError | undefined;
  readonly #onMessage = (event: { readonly data?: unknown }): void => this.#receive(event.data);
  readonly #onError = (event: { readonly message?: string }): void => {
    this.#fail(new ConnectionError(`The litedao Worker failed: ${event.message ?? 'uncaught error or failed to load'}.`));
  };
  readonly #onMessageError = (): void => {
    this.#fail(new ConnectionError('A message from the litedao Worker could not be deserialized.'));
  };

  constructor(endpoint: WorkerEndpoint) {
    this.#endpoint = endpoint;
    endpoint.addEventListener('message', this.#onMessage);
    endpoint.addEventListener('error', this.#onError);
    endpoint.addEventListener('messageerror', this.#onMessageError);
    // A MessagePort delivers nothing to addEventListener listeners until started.
    endpoint.start?.();
  }

  request<Op extends WorkerOp>(op: Op, body: RequestBody<Op>): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const message = { ns: PROTOCOL_NS, v: PROTOCOL_VERSION, id, op, ...body };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.#endpoint.postMessage(message);
      } catch (error) {
        this.#pending.delete(id);
        // A DataCloneError: a value core should have converted. Nothing reached the database.
        reject(sqliteErrorToDaoError(undefined, `Could not send the request to the Worker: ${String(error)}`, error));
      }
    });
  }

  /** Stops listening; later requests fail. Pending requests are rejected. */
  detach(): void {
    this.#fail(new ConnectionError('The sqlite-wasm Worker driver is closed.'));
  }

  #receive(data: unknown): void {
    if (!isWorkerResponse(data)) return;
    const pending = this.#pending.get(data.id);
    if (!pending) return;
    this.#pending.delete(data.id);
    const response = data as WorkerResponse;
    if (response.v !== PROTOCOL_VERSION) {
      pending.reject(
        new StateError(`litedao worker protocol mismatch: page speaks v${PROTOCOL_VERSION}, Worker answered v${String(response.v)}.`),
      );
    } else if (response.ok) {
      pending.resolve(response.result);
    } else {
      pending.reject(deserializeError(response.error));
    }
  }

  #fail(error: DaoError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#endpoint.removeEventListener('message', this.#onMessage);
    this.#endpoint.removeEventListener('error', this.#onError);
    this.#endpoint.removeEventListener('messageerror', this.#onMessageError);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** The page-side driver: every call is one request to the Worker. */
class RemoteDriver implements WorkerDriver {
  readonly name = WASM_DRIVER_NAME;
  readonly capabilities: DriverCapabilities;
  readonly limits = WASM_LIMITS;
  readonly storage = 'opfs-sahpool' as const;
  readonly filename: string;
  readonly sqliteVersion: string;
  readonly persisted: boolean | undefined;
  readonly #client: RpcClient;
  #closing: Promise<void> | undefined;

  constructor(client: RpcClient, opened: OpenResult) {
    this.#client = client;
    this.filename = opened.filename;
    this.sqliteVersion = opened.sqliteVersion;
    this.persisted = opened.persisted;
    // The Worker checks post-conditions inside its batch; every call crosses a thread boundary, so a commit
    // whose Worker dies mid-flight has an unknown outcome.
    this.capabilities = Object.freeze({
      interactiveTransactions: true,
      bigint: opened.bigint,
      expectations: true,
      remote: true,
      repeat: true,
      countByReturning: false,
    });
  }

  async execute(statement: Statement): Promise<StatementResult> {
    return (await this.#client.request('execute', { statement: toWireStatement(statement) })) as StatementResult;
  }

  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    return (await this.#client.request('batch', { statements: statements.map(toWireStatement) })) as StatementResult[];
  }

  async transaction<T>(fn: (tx: TransactionExecutor) => Promise<T>): Promise<T> {
    await this.#client.request('begin', {});
    const tx: TransactionExecutor = {
      execute: (statement) => this.execute(statement),
      batch: (statements) => this.batch(statements),
      isActive: async () => ((await this.#client.request('status', {})) as { inTransaction: boolean }).inTransaction,
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      await this.#client.request('rollback', {}).catch(() => undefined);
      throw error;
    }
    // A failed COMMIT is rolled back inside the Worker before the error comes back.
    await this.#client.request('commit', {});
    return result;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        // A Worker the page already terminated never answers, and nothing tells the page it is gone;
        // closing must neither fail nor hang then, so the wait for the reply is bounded.
        await Promise.race([
          this.#client.request('close', {}),
          new Promise((resolve) => {
            timer = setTimeout(resolve, CLOSE_REPLY_TIMEOUT_MS);
          }),
        ]);
      } catch {
        // A Worker that already failed has nothing left to close.
      } finally {
        clearTimeout(timer);
        this.#client.detach();
      }
    })();
    return this.#closing;
  }

  mapError(error: unknown): DaoError {
    return sqliteErrorToDaoError(undefined, error instanceof Error ? error.message : String(error), error);
  }
}
