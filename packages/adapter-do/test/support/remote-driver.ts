/**
 * How a test in the runner reaches a driver that lives INSIDE a Durable Object.
 *
 * vitest-plugin runs test files in its own runner object, and workerd lets an object's storage be used only
 * from that object ("Cannot perform I/O on behalf of a different Durable Object"). So the driver under test is
 * created inside the SQLite-backed object with `runInDurableObject`, on the object's real `ctx.storage`, and
 * every call the suite makes is run there the same way: one call, one event delivered to the object, as an RPC
 * would be. Nothing is mocked: this only carries calls and results between the two objects of one isolate.
 *
 * An interactive transaction runs inside the object as a whole, its function included (as it does in
 * production): `ctx.storage.transaction()` holds every other event of the object until it ends
 * (`blockConcurrencyWhile`), so its statements could not arrive as separate calls. Two consequences of the
 * harness, not of the adapter: workerd continues a promise chain in the context that settled it, so only the
 * transaction's own session may be used inside its function; and AsyncLocalStorage does not follow the call
 * into the object, so core cannot tell a call from inside the function that bypasses the session (it would
 * wait for the transaction). test/object.test.ts checks that case where it belongs: entirely inside an object.
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
    // The whole transaction, fn included, runs inside the object, as it does in production.
    return this.#inside((real) => (real.transaction as NonNullable<Driver['transaction']>)(fn));
  }

  close(): Promise<void> {
    return this.#inside((real) => real.close());
  }

  mapError(error: unknown): DaoError {
    return this.#real.mapError(error);
  }
}
