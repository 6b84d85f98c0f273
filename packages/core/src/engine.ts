/**
 * The engine: one driver, its lifecycle and the gate that keeps interactive transactions alone on the
 * connection. The port of `create_async_engine`; sessions come from {@link createSessionMaker}.
 */
import { createAllStatements, dropAllStatements } from './ddl.ts';
import type { Driver, DriverCapabilities, DriverLimits, Statement, StatementResult, TransactionDriver } from './driver.ts';
import { ConfigurationError, EngineClosedError, isDaoError, LimitExceededError, UnsupportedError } from './errors.ts';
import { type AnyModel, metaOf } from './model-meta.ts';
import { verifyExistingTables, verifySchema } from './schema-introspect.ts';
import { Session } from './session.ts';

/** Where a session's statements go: the engine (auto-commit / atomic batch) or an open transaction. */
export interface Executor {
  execute(statement: Statement): Promise<StatementResult>;
  batch(statements: readonly Statement[]): Promise<StatementResult[]>;
}

/**
 * Lets ordinary calls through at once, except while an interactive transaction holds the connection: then
 * they wait, so no statement of another caller ever lands inside someone else's transaction (better-sqlite3
 * has one connection; see Kysely's ConnectionMutex for the same idea).
 */
class TransactionGate {
  #held: Promise<void> | null = null;

  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#held === null) return fn();
    return (async () => {
      while (this.#held) await this.#held;
      return fn();
    })();
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#held) await this.#held;
    // No await between the check above and taking the gate: another waiter cannot slip in.
    let release!: () => void;
    this.#held = new Promise<void>((r) => {
      release = r;
    });
    try {
      return await fn();
    } finally {
      this.#held = null;
      release();
    }
  }
}

/** An engine over one driver. Create it with {@link createEngine} (or an adapter's helper). */
export class Engine implements Executor {
  readonly driver: Driver;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #gate = new TransactionGate();

  constructor(driver: Driver) {
    if (!driver || typeof driver.execute !== 'function' || typeof driver.batch !== 'function') {
      throw new ConfigurationError('createEngine(driver) needs a litedao driver (createNodeDriver, createD1Driver, createWasmDriver, …)');
    }
    this.driver = driver;
  }

  /** What the adapter can do. */
  get capabilities(): DriverCapabilities {
    return this.driver.capabilities;
  }

  /** The adapter's documented limits. */
  get limits(): DriverLimits {
    return this.driver.limits;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  #checkOpen(): void {
    if (this.#closed) throw new EngineClosedError('the engine is closed');
  }

  /** Runs one statement (auto-commit). Errors come back as litedao errors (drivers map their own). */
  execute(statement: Statement): Promise<StatementResult> {
    if (this.#closed) return Promise.reject(new EngineClosedError('the engine is closed'));
    return this.#gate.run(() => this.driver.execute(statement));
  }

  /** Runs statements as one atomic unit (the driver's batch). */
  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    this.#checkOpen();
    if (statements.length === 0) return [];
    return this.#gate.run(() => this.driver.batch(statements)).catch((e) => this.#fail(e));
  }

  #fail(e: unknown): never {
    throw isDaoError(e) ? e : this.driver.mapError(e);
  }

  /**
   * Runs `fn` with a session inside one interactive transaction (BEGIN IMMEDIATE … COMMIT): reads see the
   * session's flushed writes, `session.flush()` sends pending writes early (ids become known), and the
   * transaction commits when `fn` resolves or rolls back when it throws.
   *
   * Capability-gated: on adapters without interactive transactions (D1) this throws `UnsupportedError`
   * naming the alternative, `session.commit()`, which is atomic everywhere.
   */
  async transaction<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    this.#checkOpen();
    const driver = this.driver;
    if (!driver.capabilities.interactiveTransactions || typeof driver.transaction !== 'function') {
      throw new UnsupportedError(
        'interactiveTransactions',
        `the ${driver.name} adapter has no interactive transactions.`,
        'session.commit(), which sends the whole unit of work as one atomic batch',
      );
    }
    const run = driver.transaction.bind(driver);
    return this.#gate.exclusive(() =>
      run(async (tx: TransactionDriver) => {
        const exec: Executor = {
          execute: (s) => tx.execute(s),
          batch: (s) => (s.length === 0 ? Promise.resolve([]) : tx.batch(s).catch((e) => this.#fail(e))),
        };
        const session = new Session(this, exec, true);
        try {
          const out = await fn(session);
          await session.flush();
          return out;
        } finally {
          session.detach();
        }
      }).catch((e) => this.#fail(e)),
    );
  }

  /**
   * Creates the models' tables, indexes and triggers that do not exist yet, as one atomic batch. A model with
   * more columns than the adapter allows (D1: 100) is a LimitExceededError before anything is sent.
   */
  async createAll(models: readonly AnyModel[]): Promise<void> {
    const max = this.limits.maxColumns;
    if (max !== undefined) {
      for (const m of models) {
        const meta = metaOf(m);
        if (meta.columns.length > max) throw new LimitExceededError('columns per table', meta.columns.length, max, meta.tableName);
      }
    }
    const statements = createAllStatements(models);
    await verifyExistingTables(this, models); // an existing table with other columns is never skipped silently
    await this.batch(statements);
  }

  /**
   * Compares the models with the live database (`PRAGMA table_xinfo`, `index_list`, `foreign_key_list`) and
   * throws one `SchemaError` listing every missing, extra or mismatched table, column and UNIQUE constraint.
   * Call it at startup to fail before the first write instead of at it.
   */
  verifySchema(models: readonly AnyModel[]): Promise<void> {
    return verifySchema(this, models);
  }

  /** Drops the models' tables that exist (children first), as one atomic batch. */
  async dropAll(models: readonly AnyModel[]): Promise<void> {
    await this.batch(dropAllStatements(models));
  }

  /** Closes the driver. Idempotent; later calls on the engine or its sessions throw `EngineClosedError`. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = this.#gate.exclusive(() => this.driver.close()).catch((e) => this.#fail(e));
    }
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Creates an engine over a driver (the port of `create_async_engine`). */
export function createEngine(driver: Driver): Engine {
  return new Engine(driver);
}

/** Makes sessions on one engine (the port of `async_sessionmaker`). Call it for a new session. */
export interface SessionMaker {
  (): Session;
  readonly engine: Engine;
  /**
   * The template's middleware pattern: one function, one session, commit when it resolves, roll back when
   * it throws, close always. Returns what `fn` returns.
   */
  begin<T>(fn: (session: Session) => Promise<T>): Promise<T>;
}

/** Creates a session maker (`const Session = createSessionMaker(engine); await using s = Session();`). */
export function createSessionMaker(engine: Engine): SessionMaker {
  if (!(engine instanceof Engine)) throw new ConfigurationError('createSessionMaker(engine) needs an Engine from createEngine()');
  const maker = () => new Session(engine, engine, false);
  return Object.assign(maker, {
    engine,
    async begin<T>(fn: (session: Session) => Promise<T>): Promise<T> {
      const session = maker();
      try {
        const out = await fn(session);
        await session.commit();
        return out;
      } catch (e) {
        session.rollback();
        throw e;
      } finally {
        await session.close();
      }
    },
  });
}
