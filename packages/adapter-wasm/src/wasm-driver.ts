import type { DaoError, Driver, DriverCapabilities, Statement, StatementResult, TransactionExecutor } from '@litedao/core';
import { ConfigurationError, checkOptions, nonNegativeInteger, StorageUnavailableError } from '@litedao/core';
import { WASM_DRIVER_NAME, WASM_LIMITS } from './limits.ts';
import { loadSqlite3 } from './load-sqlite3.ts';
import type { NativeDatabase, NativeSqlite3 } from './native.ts';
import { mapWasmError, WasmConnection } from './wasm-connection.ts';

/** Options of {@link createWasmDriver}. */
export interface WasmDriverOptions {
  /**
   * `":memory:"` (default) or `""` (a private temporary database). Other names are refused: outside OPFS,
   * sqlite-wasm's default VFS keeps files in memory, and litedao never passes memory off as persistence.
   */
  readonly filename?: string | undefined;
  /**
   * An already open `sqlite3.oo1.DB` to use instead of opening one (for example a `JsStorageDb`, or a
   * database the application opened itself). Requires {@link WasmDriverOptions.sqlite3}: the namespace it
   * was opened with, because each `sqlite3InitModule()` call has its own wasm heap. The driver closes it.
   */
  readonly database?: NativeDatabase | undefined;
  /** An initialized sqlite-wasm namespace to use instead of initializing the bundled one. */
  readonly sqlite3?: NativeSqlite3 | undefined;
  /** Prepared statements kept (least recently used are finalized). Default 200; 0 disables the cache. */
  readonly statementCacheSize?: number | undefined;
}

/**
 * Opens an in-process sqlite-wasm driver: for Node (in-memory only; use `@litedao/adapter-node` to persist)
 * or a page's main thread, where OPFS is not available. For persistent browser storage use
 * `createWorkerDriver`, which keeps the database in a Worker on OPFS.
 *
 * @example
 * ```ts
 * const driver = await createWasmDriver(); // ':memory:'
 * const engine = createEngine({ driver });
 * ```
 */
export async function createWasmDriver(givenOptions?: WasmDriverOptions): Promise<WasmDriver> {
  const options = checkOptions<WasmDriverOptions>('createWasmDriver', givenOptions, {
    filename: 'string',
    database: 'object',
    sqlite3: 'object',
    statementCacheSize: nonNegativeInteger,
  });
  if (options.database && !options.sqlite3) {
    throw new ConfigurationError('createWasmDriver({ database }) also needs the sqlite3 namespace that opened it ({ database, sqlite3 }).');
  }
  const filename = options.filename ?? ':memory:';
  if (!options.database && filename !== ':memory:' && filename !== '') {
    throw new StorageUnavailableError(
      `createWasmDriver opens in-memory databases only, not "${filename}": sqlite-wasm has no persistent storage ` +
        'outside OPFS. In a browser use createWorkerDriver (OPFS in a Worker); on Node use @litedao/adapter-node.',
    );
  }
  const sqlite3 = options.sqlite3 ?? (await loadSqlite3());
  let db: NativeDatabase;
  try {
    db = options.database ?? new sqlite3.oo1.DB(filename, 'c');
  } catch (error) {
    throw mapWasmError(sqlite3, error);
  }
  const connection = new WasmConnection(sqlite3, db, { statementCacheSize: options.statementCacheSize });
  return new InProcessDriver(
    connection,
    {
      interactiveTransactions: true,
      bigint: sqlite3.config.bigIntEnabled,
      expectations: true,
      remote: false,
      repeat: true,
      countByReturning: false,
    },
    options.database ? 'external' : 'memory',
  );
}

/** The in-process sqlite-wasm driver. */
export interface WasmDriver extends Driver {
  /**
   * Where the data is kept: `"memory"` for databases this driver opened (they vanish with the process or
   * page); `"external"` for a `database` you passed in, whose storage is yours to know.
   */
  readonly storage: 'memory' | 'external';
  readonly sqliteVersion: string;
}

/** The in-process driver: thin async wrappers over one synchronous {@link WasmConnection}. */
class InProcessDriver implements WasmDriver {
  readonly name = WASM_DRIVER_NAME;
  readonly storage: 'memory' | 'external';
  readonly sqliteVersion: string;
  readonly capabilities: DriverCapabilities;
  readonly limits = WASM_LIMITS;
  readonly #connection: WasmConnection;

  constructor(connection: WasmConnection, capabilities: DriverCapabilities, storage: 'memory' | 'external') {
    this.#connection = connection;
    this.capabilities = Object.freeze(capabilities);
    this.storage = storage;
    this.sqliteVersion = connection.sqliteVersion;
  }

  async execute(statement: Statement): Promise<StatementResult> {
    return this.#connection.execute(statement);
  }

  /** The connection is synchronous: core runs its own reads through here without a promise (see `Driver.executeSync`). */
  executeSync(statement: Statement): StatementResult {
    return this.#connection.execute(statement);
  }

  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    return this.#connection.batch(statements);
  }

  async transaction<T>(fn: (tx: TransactionExecutor) => Promise<T>): Promise<T> {
    const connection = this.#connection;
    connection.begin();
    const tx: TransactionExecutor = {
      execute: async (statement) => connection.execute(statement),
      batch: async (statements) => connection.batch(statements),
      isActive: () => connection.inTransaction,
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      connection.rollback();
      throw error;
    }
    // A failed COMMIT is rolled back by the connection before the error comes back.
    connection.commit();
    return result;
  }

  async close(): Promise<void> {
    this.#connection.close();
  }

  mapError(error: unknown): DaoError {
    return this.#connection.mapError(error);
  }
}
