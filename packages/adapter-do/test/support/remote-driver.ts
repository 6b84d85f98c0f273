/**
 * How a test in the runner reaches a driver that lives INSIDE a Durable Object.
 *
 * vitest-plugin runs test files in its own runner object, and workerd lets an object's storage be used only
 * from that object ("Cannot perform I/O on behalf of a different Durable Object"). So the driver under test is
 * created inside the SQLite-backed object with `runInDurableObject`, on the object's real `ctx.storage`, and
 * every call the suite makes is run there the same way: one call, one event delivered to the object, as an RPC
 * would be. Nothing is mocked: this only carries calls and results between the two objects of one isolate.
 *
 * An interactive transaction runs inside the object as a whole, its function included, as it does in
 * production: `ctx.storage.transaction()` holds every other event of the object until it ends
 * (`blockConcurrencyWhile`), so its statements could not arrive as separate calls. workerd continues a promise
 * chain in the context of whoever settled the promise, so the caller's chain is moved into the object by a
 * request that stays open for the transaction and settles a promise from inside, and moved back by that
 * request's end. The caller's async context (core's AsyncLocalStorage, which tells calls from inside the
 * transaction from concurrent ones) is kept all along.
 */
import { runInDurableObject } from 'cloudflare:test';
import type { DaoError, Driver, Statement, StatementResult, TransactionExecutor } from '@litedao/core';
import { createDurableObjectDriver } from '../../src/index.ts';

type Stub = DurableObjectStub<undefined> | DurableObjectStub<Rpc.DurableObjectBranded>;

/** Creates a real driver on the object's storage and returns a driver that runs every call inside the object. */
export async function createRemoteDriver(stub: Stub): Promise<Driver> {
  const real = await runInDurableObject(stub as DurableObjectStub, (_instance, state) => createDurableObjectDriver(state.storage));
  return new RemoteDriver(stub as DurableObjectStub, real);
}

/** Runs `fn` inside the object on the storage of a fresh driver (for tests that work inside the object). */
export function inObject<T>(stub: Stub, fn: (state: DurableObjectState) => T | Promise<T>): Promise<T> {
  return runInDurableObject(stub as DurableObjectStub, (_instance, state) => fn(state));
}

class RemoteDriver implements Driver {
  readonly name: string;
  readonly capabilities: Driver['capabilities'];
  readonly limits: Driver['limits'];
  readonly #stub: DurableObjectStub;
  readonly #real: Driver;

  constructor(stub: DurableObjectStub, real: Driver) {
    this.#stub = stub;
    this.#real = real;
    this.name = real.name;
    this.capabilities = real.capabilities;
    this.limits = real.limits;
  }

  #inside<T>(fn: (real: Driver) => Promise<T>): Promise<T> {
    return runInDurableObject(this.#stub, () => fn(this.#real));
  }

  execute(statement: Statement): Promise<StatementResult> {
    return this.#inside((real) => real.execute(statement));
  }

  batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    return this.#inside((real) => real.batch(statements));
  }

  transaction<T>(fn: (tx: TransactionExecutor) => Promise<T>): Promise<T> {
    const real = this.#real;
    const transaction = real.transaction?.bind(real);
    if (!transaction) return Promise.reject(new Error('the driver under test has no transaction()'));
    let enter!: () => void;
    const entered = new Promise<void>((resolve) => {
      enter = resolve;
    });
    let leave!: () => void;
    const left = new Promise<void>((resolve) => {
      leave = resolve;
    });
    // A request to the object that stays open while the transaction runs, and whose end the caller awaits.
    const host = runInDurableObject(this.#stub, async () => {
      enter();
      await left;
    });
    // Registered here, so it keeps the caller's async context; it runs once `entered` is settled from inside
    // the object, so it runs in the object's context and may use its storage.
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    void entered.then(async () => {
      try {
        outcome = { ok: true, value: await transaction(fn) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      leave();
    });
    return host.then(() => {
      if (!outcome) throw new Error('the transaction host ended before the transaction');
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });
  }

  close(): Promise<void> {
    return this.#inside((real) => real.close());
  }

  mapError(error: unknown): DaoError {
    return this.#real.mapError(error);
  }
}
