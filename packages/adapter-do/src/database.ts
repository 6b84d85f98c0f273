/**
 * The usual set-up inside a Durable Object: one driver and one engine per object, the schema brought up to date
 * before the object takes its first request.
 */
import { type AnyModel, createEngine, createSessionMaker, type Engine, type EngineOptions, type SessionMaker } from '@litedao/core';
import { createDurableObjectDriver } from './do-driver.ts';
import type { DurableObjectSqlStorage } from './native.ts';

/** The part of a Durable Object's `ctx` (`DurableObjectState`) the set-up uses. */
export interface DurableObjectContext {
  readonly storage: DurableObjectSqlStorage;
  /** Holds every incoming event until the promise settles (the documented place for schema set-up). */
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

/** Options of {@link openDurableObjectDatabase}. */
export interface DurableObjectDatabaseOptions {
  /** The models whose tables the object holds; {@link applySchema} creates what is missing. */
  readonly models?: readonly AnyModel[];
  /**
   * Replaces the default schema step (`applySchema(engine, models)`), e.g. with a migrations runner. Runs once
   * per object start, inside `blockConcurrencyWhile`, after the object's constructor has returned.
   */
  readonly setup?: ((engine: Engine) => Promise<void>) | undefined;
  /** Engine options (`unitLog` stays off by default: a commit inside the object never has an unknown outcome). */
  readonly engine?: EngineOptions | undefined;
}

/** What {@link openDurableObjectDatabase} returns. */
export interface DurableObjectDatabase {
  readonly engine: Engine;
  readonly Session: SessionMaker;
  /** Settles when the schema step finished; the object receives no request before that. */
  readonly ready: Promise<void>;
}

/**
 * Brings the object's database schema up to date at start-up. Today this is `createAll` (`CREATE TABLE/INDEX/
 * TRIGGER IF NOT EXISTS` for the models, one atomic batch). It is the one function a migrations runner replaces:
 * pass `setup` to {@link openDurableObjectDatabase} to use your own.
 */
export async function applySchema(engine: Engine, models: readonly AnyModel[]): Promise<void> {
  if (models.length > 0) await engine.createAll(models);
}

/**
 * Opens the object's database: a driver on `ctx.storage`, one engine, its session maker, and the schema step
 * run inside `ctx.blockConcurrencyWhile()`, so no request reaches the object before its tables exist. Call it
 * once, in the constructor.
 *
 * @example
 * ```ts
 * export class ChatObject extends DurableObject {
 *   readonly db = openDurableObjectDatabase(this.ctx, { models: [Message] });
 *
 *   async count(): Promise<number> {
 *     return this.db.Session.begin((s) => s.select(Message).count());
 *   }
 * }
 * ```
 *
 * If the schema step fails, the error reaches the request that is waiting, and the runtime resets the object
 * (the next request constructs it again and retries the step).
 */
export function openDurableObjectDatabase(ctx: DurableObjectContext, options: DurableObjectDatabaseOptions = {}): DurableObjectDatabase {
  const engine = createEngine(createDurableObjectDriver(ctx.storage), options.engine);
  const Session = createSessionMaker(engine);
  const models = options.models ?? [];
  const setup = options.setup ?? ((e: Engine) => applySchema(e, models));
  const ready = ctx.blockConcurrencyWhile(async () => {
    // One microtask later: a subclass constructor that called this from its base has finished by then.
    await null;
    await setup(engine);
  });
  return { engine, Session, ready };
}
