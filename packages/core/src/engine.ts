/**
 * The engine: one driver (wrapped once by the runtime driver), its lifecycle, the gate that keeps an
 * interactive transaction alone on the connection, and the unit log. The port of `create_async_engine`;
 * sessions come from `createSessionMaker` (session-maker.ts).
 */
import { createAllStatements, dropAllStatements } from './ddl.ts';
import type { Driver, DriverCapabilities, DriverLimits, Executor, Statement, StatementResult } from './driver.ts';
import { EngineClosedError, LimitExceededError, StateError, UnsupportedError } from './errors.ts';
import { type AnyModel, metaOf } from './model-meta.ts';
import { foldIdentifier } from './naming.ts';
import { checkOptions, nonNegativeNumber, type OptionRule, oneOf } from './options.ts';
import { startTimer } from './platform.ts';
import { debugLogger, type QueryLogger, RuntimeDriver } from './runtime-driver.ts';
import { hasEquivalentIndex, verifyExistingTables, verifySchema } from './schema-introspect.ts';
import { Session, type SessionContext } from './session.ts';
import { checkRawSql } from './sql.ts';
import { UnitLog } from './unit-log.ts';

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /**
   * Whether every unit of work carries an id written in its own batch (table `litedao_units`), so a commit
   * whose outcome is unknown can be settled (`CommitOutcomeUnknownError.wasApplied()`) and retried at most
   * once. `'auto'` (default): on for drivers whose commits cross a process or network boundary (D1, the
   * browser Worker), off for in-process ones (better-sqlite3, in-process sqlite-wasm), where a commit's
   * outcome is never unknown.
   */
  readonly unitLog?: boolean | 'auto' | undefined;
  /**
   * Only where the runtime has no `AsyncLocalStorage` (browsers): how long a call waits while an interactive
   * transaction holds the engine before `StateError` (default 5000 ms). There, a call made from inside the
   * transaction's own function cannot be told from a concurrent one, so the wait is bounded instead of a
   * possible deadlock. With `AsyncLocalStorage` (Node, workerd), calls from inside fail at once and others
   * wait for the transaction to end.
   */
  readonly transactionWaitMs?: number | undefined;
  /**
   * Called once for every statement the engine sends, after it ran: SQL, parameter count (values only with
   * `logParameters`), duration, rows, batch position, error. Without a logger (the default) nothing is timed
   * or built per statement.
   */
  readonly logger?: QueryLogger | undefined;
  /** Give the logger the bound values too (default false: they may be personal data). */
  readonly logParameters?: boolean | undefined;
  /** Log every statement to `console.debug` (values redacted unless `logParameters`); a given `logger` wins. */
  readonly debug?: boolean | undefined;
  /**
   * Models to check against the live database before the first statement any session of this engine sends
   * (`verifySchema`, once per engine): a missing or mismatched table or column is a `SchemaError` listing every
   * difference before anything is written, instead of a failure at the first INSERT. Pass
   * `Base.metadata.models`. Off by default (one round trip of PRAGMAs per engine; call `verifySchema` at
   * startup yourself where engines are long-lived).
   */
  readonly verifyModels?: readonly AnyModel[] | undefined;
}

const ENGINE_OPTION_RULES: { readonly [K in keyof EngineOptions]-?: OptionRule } = {
  unitLog: oneOf(true, false, 'auto'),
  transactionWaitMs: nonNegativeNumber,
  logger: 'function',
  logParameters: 'boolean',
  debug: 'boolean',
  verifyModels: (v) => {
    if (!Array.isArray(v)) return 'must be an array of models (Base.metadata.models)';
    for (const [i, m] of v.entries()) {
      try {
        metaOf(m);
      } catch {
        return `holds a value that is not a model at index ${i}`;
      }
    }
    return undefined;
  },
};

interface AsyncContext {
  run<R>(store: object, fn: () => R): R;
  getStore(): object | undefined;
}

const settled = (): Promise<void> => Promise.resolve();

/** Node's and workerd's `AsyncLocalStorage`, found without a static `node:` import (core runs in browsers too). */
function createAsyncContext(): AsyncContext | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = proc?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: new () => AsyncContext } | undefined;
    return mod?.AsyncLocalStorage ? new mod.AsyncLocalStorage() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lets ordinary calls through at once, except while an interactive transaction holds the connection: then
 * calls from elsewhere wait (no statement of another caller ever lands inside someone else's transaction;
 * better-sqlite3 has one connection — Kysely's ConnectionMutex is the same idea), and calls from inside the
 * transaction's own function that bypass its session fail at once instead of deadlocking.
 */
class TransactionGate {
  #held: { readonly token: object; readonly done: Promise<void> } | null = null;
  readonly #context = createAsyncContext();
  readonly #waitMs: number;

  constructor(waitMs: number) {
    this.#waitMs = waitMs;
  }

  /** True when the runtime lets the gate tell calls from inside a transaction apart. */
  get precise(): boolean {
    return this.#context !== undefined;
  }

  #inside(): boolean {
    return this.#held !== null && this.#context !== undefined && this.#context.getStore() === this.#held.token;
  }

  /** Waits once for the holder to let go; throws for a call from inside the holder, or when the bound is reached. */
  async #waitOnce(nested: string, deadline: number): Promise<void> {
    const held = this.#held;
    if (held === null) return;
    if (this.#inside()) throw new StateError(nested);
    if (this.#context) {
      await held.done;
      return;
    }
    let cancel: () => void = () => undefined;
    const timedOut = await Promise.race([
      held.done.then(() => false),
      new Promise<boolean>((resolve) => {
        cancel = startTimer(Math.max(0, deadline - Date.now()), () => resolve(true));
      }),
    ]);
    cancel();
    if (timedOut && this.#held === held) {
      throw new StateError(
        `the engine has been inside engine.transaction() for over ${this.#waitMs} ms. ${nested} ` +
          '(This runtime has no AsyncLocalStorage, so a call from inside the transaction cannot be told from a concurrent one.)',
      );
    }
  }

  #deadline(): number {
    return this.#context ? Number.POSITIVE_INFINITY : Date.now() + this.#waitMs;
  }

  /** True while no interactive transaction holds the connection: a call may run at once. */
  get open(): boolean {
    return this.#held === null;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    // The hot path: no transaction open, no extra promise layer.
    return this.#held === null ? fn() : this.#runAfterWait(fn);
  }

  async #runAfterWait<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = this.#deadline();
    while (this.#held) {
      await this.#waitOnce(
        'Inside engine.transaction(), use the session it gave you: a plain session or engine call here would wait for the transaction to end.',
        deadline,
      );
    }
    return fn();
  }

  /**
   * For a call that went through {@link run} and is about to be retried (the database was busy): `undefined`
   * while no transaction holds the connection, else a promise that settles once none does. A transaction can
   * start while the call sleeps between attempts; its retry must not run inside it.
   */
  readonly turn = (): Promise<void> | undefined => (this.#held === null ? undefined : this.#runAfterWait(settled));

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = this.#deadline();
    // Re-checked synchronously after every wait: no other waiter can slip in between the check and taking it.
    while (this.#held) {
      await this.#waitOnce(
        'engine.transaction() cannot be nested (SQLite savepoints are not offered); use the session you were given.',
        deadline,
      );
    }
    let release!: () => void;
    const token = {};
    this.#held = {
      token,
      done: new Promise<void>((r) => {
        release = r;
      }),
    };
    try {
      return await (this.#context ? this.#context.run(token, fn) : fn());
    } finally {
      this.#held = null;
      release();
    }
  }
}

/** An engine over one driver. Create it with {@link createEngine} (or an adapter's helper). */
export class Engine implements Executor {
  readonly #runtime: RuntimeDriver;
  readonly #gate: TransactionGate;
  readonly #units: UnitLog | undefined;
  /** Statements from sessions: gated, not re-checked (core built them, or `rawStatement` checked them). */
  readonly #gated: Executor;
  /** What sessions send through: `#gated`, after the opt-in schema check has passed once. */
  readonly #sessions: Executor;
  /**
   * False until the opt-in schema check has passed (true at once without one). Sessions' synchronous reads
   * (`readNow`) bypass `#sessions`, so they wait for it: until then a read takes the checked path.
   */
  #schemaChecked: boolean;
  /** Batches sent and not yet settled: `close()` waits for them. */
  readonly #batches = new Set<Promise<unknown>>();
  /** Set by `close()`: new calls are refused while it waits for the batches in flight. */
  #closing = false;

  constructor(driver: Driver, givenOptions?: EngineOptions) {
    const options = checkOptions<EngineOptions>('createEngine', givenOptions, ENGINE_OPTION_RULES);
    const logger = options.logger ?? (options.debug === true ? debugLogger : undefined);
    this.#runtime = new RuntimeDriver(driver, { logger, logParameters: options.logParameters });
    this.#gate = new TransactionGate(options.transactionWaitMs ?? 5000);
    const unitLog = options.unitLog ?? 'auto';
    this.#units = (unitLog === 'auto' ? this.#runtime.capabilities.remote : unitLog === true) ? new UnitLog() : undefined;
    const runtime = this.#runtime;
    const gate = this.#gate;
    const batches = this.#batches;
    this.#gated = {
      execute: (statement) =>
        runtime.closed || this.#closing ? Promise.reject(closedError()) : gate.run(() => runtime.execute(statement, gate.turn)),
      batch: (statements) => {
        if (runtime.closed || this.#closing) return Promise.reject(closedError());
        // Tracked until settled, so close() lets a commit already sent finish (see close()).
        const sent = gate.run(() => runtime.batch(statements, gate.turn));
        batches.add(sent);
        const settle = (): void => {
          batches.delete(sent);
        };
        sent.then(settle, settle);
        return sent;
      },
    };
    this.#schemaChecked = !options.verifyModels;
    this.#sessions = options.verifyModels ? this.#verifiedFirst(options.verifyModels) : this.#gated;
  }

  /** `#gated`, behind a schema check run once before the first statement (retried if it failed to run). */
  #verifiedFirst(models: readonly AnyModel[]): Executor {
    let check: Promise<void> | undefined;
    let passed = false;
    const ready = (): Promise<void> => {
      if (passed) return Promise.resolve();
      check ??= verifySchema(this, models).then(
        () => {
          passed = true;
          this.#schemaChecked = true;
        },
        (error: unknown) => {
          check = undefined;
          throw error;
        },
      );
      return check;
    };
    return {
      execute: (statement) => (passed ? this.#gated.execute(statement) : ready().then(() => this.#gated.execute(statement))),
      batch: (statements) => (passed ? this.#gated.batch(statements) : ready().then(() => this.#gated.batch(statements))),
    };
  }

  /** The adapter's driver. */
  get driver(): Driver {
    return this.#runtime.driver;
  }

  /** What the adapter can do (its declarations over the defaults). */
  get capabilities(): DriverCapabilities {
    return this.#runtime.capabilities;
  }

  /** The adapter's documented limits. */
  get limits(): DriverLimits {
    return this.#runtime.limits;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#runtime.closed;
  }

  /** True when units of work carry ids (see {@link EngineOptions.unitLog}). */
  get logsUnits(): boolean {
    return this.#units !== undefined;
  }

  /**
   * Runs one raw statement (auto-commit). One statement per call and no transaction control
   * (`ValidationError`); errors come back as litedao errors.
   */
  execute(statement: Statement): Promise<StatementResult> {
    let checked: Statement;
    try {
      checked = withCheckedSql(statement);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#gated.execute(checked);
  }

  /** Runs raw statements as one atomic unit (the driver's batch), each checked as in {@link execute}. */
  batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    let checked: Statement[];
    try {
      checked = statements.map(withCheckedSql);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#gated.batch(checked);
  }

  /** @internal The context of a new session on this engine. */
  sessionContext(): SessionContext {
    const runtime = this.#runtime;
    return {
      executor: this.#sessions,
      lookup: this.#gated,
      // Reads of an in-process driver run at once, unless an interactive transaction holds the connection
      // (then they wait in `execute`, like every other call from outside it) or the opt-in schema check has
      // not passed yet (then `executor` runs it first).
      readNow: (statement) => {
        if (runtime.closed) throw closedError();
        return this.#gate.open && this.#schemaChecked ? runtime.readNow(statement) : undefined;
      },
      limits: runtime.limits,
      capabilities: runtime.capabilities,
      inTransaction: false,
      isClosed: () => runtime.closed,
      bookmark: () => runtime.driver.bookmark?.() ?? null,
      units: this.#units,
    };
  }

  /**
   * Runs `fn` with a session inside one interactive transaction (BEGIN IMMEDIATE … COMMIT): reads see the
   * session's flushed writes, `session.flush()` sends pending writes early (ids become known), and the
   * transaction commits when `fn` resolves or rolls back when it throws — rethrowing exactly what `fn` threw.
   * Objects flushed in a transaction that rolls back get their previous state back (new ones lose their ids).
   *
   * Not nestable: `engine.transaction()` (or a plain session of this engine) used from inside `fn` raises
   * `StateError` at once where the runtime has `AsyncLocalStorage`, after `transactionWaitMs` elsewhere.
   * Capability-gated: on adapters without interactive transactions (D1) this throws `UnsupportedError`
   * naming the alternative, `session.commit()`, which is atomic everywhere.
   */
  async transaction<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    if (this.closed) throw closedError();
    const runtime = this.#runtime;
    if (!runtime.capabilities.interactiveTransactions) {
      throw new UnsupportedError(
        'interactiveTransactions',
        `the ${runtime.name} adapter has no interactive transactions.`,
        'session.commit(), which sends the whole unit of work as one atomic batch',
      );
    }
    return this.#gate.exclusive(async () => {
      let session: Session | undefined;
      let committed = false;
      try {
        const out = await runtime.transaction(async (tx) => {
          let ended = false;
          session = new Session({
            executor: tx,
            lookup: this.#gated,
            limits: runtime.limits,
            capabilities: runtime.capabilities,
            inTransaction: true,
            isClosed: () => ended || runtime.closed,
            bookmark: () => runtime.driver.bookmark?.() ?? null,
            units: undefined,
          });
          try {
            const value = await fn(session);
            await session.flush();
            return value;
          } finally {
            ended = true;
          }
        });
        committed = true;
        return out;
      } finally {
        session?.endTransaction(committed);
      }
    });
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
    // An existing table with other columns is never skipped silently; an index it already has under another
    // name (one the Python template made) is not created twice.
    const live = await verifyExistingTables(this, models);
    const statements = createAllStatements(models, (def, ix) => {
      const table = live.get(foldIdentifier(def.name));
      return table !== undefined && hasEquivalentIndex(table, ix);
    });
    // The unit log's table comes with the schema, so the first commit needs no extra round trip to make it.
    if (this.#units) statements.push(this.#units.createStatement());
    await this.#gated.batch(statements);
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
    await this.#gated.batch(dropAllStatements(models));
  }

  /**
   * Closes the driver, after a transaction in progress and the batches already sent (a commit in flight) end,
   * so a commit either completes or was refused with nothing written, on every adapter. Idempotent; calls made
   * from the moment it is called throw `EngineClosedError` / `SessionClosedError`.
   */
  close(): Promise<void> {
    if (this.#runtime.closed) return this.#runtime.close();
    this.#closing = true;
    const closeNow = (): Promise<void> => this.#gate.run(() => this.#runtime.close());
    return this.#batches.size === 0 ? closeNow() : Promise.allSettled([...this.#batches]).then(closeNow);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The statement with its SQL checked by `checkRawSql` (and its empty tail removed). */
function withCheckedSql(statement: Statement): Statement {
  const sql = checkRawSql(statement.sql);
  return sql === statement.sql ? statement : { ...statement, sql };
}

function closedError(): EngineClosedError {
  return new EngineClosedError('the engine is closed');
}

/** Creates an engine over a driver (the port of `create_async_engine`). */
export function createEngine(driver: Driver, options?: EngineOptions): Engine {
  return new Engine(driver, options);
}
