/**
 * The usual set-up inside a Durable Object: one driver and one engine per object, the schema brought up to date
 * before the object takes its first request.
 */
import {
  type AnyModel,
  createEngine,
  createSessionMaker,
  type Engine,
  type EngineOptions,
  type MigrationSource,
  migrate,
  type SessionMaker,
} from '@litedao/core';
import { createDurableObjectDriver } from './do-driver.ts';
import type { DurableObjectSqlStorage } from './native.ts';

/** The part of a Durable Object's `ctx` (`DurableObjectState`) the set-up uses. */
export interface DurableObjectContext {
  readonly storage: DurableObjectSqlStorage;
  /** Holds every incoming event until the promise settles (the documented place for schema set-up). */
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

/** Options of {@link openDurableObjectDatabase}. */
export interface DurableObjectDatabaseOptions extends SchemaOptions {
  /**
   * Replaces the schema step ({@link applySchema} with `models`/`migrations`). Runs once per object start,
   * inside `blockConcurrencyWhile`, after the object's constructor has returned.
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

/** What the schema step brings the object's database to. */
export interface SchemaOptions {
  /**
   * Migration files in wrangler's flat `NNNN_name.sql` layout, as `litedao generate` writes them (a list of
   * `{ name, sql }`, or a record of path → text). Applied in order with core's `migrate()`, each file in one
   * transaction and recorded in the object's own `d1_migrations` table, the same table wrangler and litedao
   * use everywhere else; files applied before are skipped.
   */
  readonly migrations?: MigrationSource | undefined;
  /** The bookkeeping table of {@link migrations} (wrangler's `migrations_table`). Default `d1_migrations`. */
  readonly migrationsTable?: string | undefined;
  /**
   * The models whose tables the object holds. Without `migrations`: their missing tables, indexes and
   * triggers are created (`createAll`, one atomic batch). With `migrations`: after the files are applied, the
   * live schema is checked against them (`verifySchema`), so a model changed without a migration fails the
   * start-up with a `SchemaError` naming the difference.
   */
  readonly models?: readonly AnyModel[] | undefined;
}

/**
 * Brings the object's database schema up to date at start-up: applies the pending `migrations` (then checks the
 * models against the result), or, without migrations, creates the models' missing tables (`createAll`).
 */
export async function applySchema(engine: Engine, schema: SchemaOptions | readonly AnyModel[]): Promise<void> {
  const options: SchemaOptions = Array.isArray(schema) ? { models: schema as readonly AnyModel[] } : (schema as SchemaOptions);
  const models = options.models ?? [];
  if (options.migrations !== undefined) {
    await migrate(engine, options.migrations, options.migrationsTable ? { table: options.migrationsTable } : {});
    if (models.length > 0) await engine.verifySchema(models);
  } else if (models.length > 0) {
    await engine.createAll(models);
  }
}

/**
 * Opens the object's database: a driver on `ctx.storage`, one engine, its session maker, and the schema step
 * ({@link applySchema}: migrations, or `createAll`) run inside `ctx.blockConcurrencyWhile()`, so no request
 * reaches the object before its tables exist. Call it once, in the constructor.
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
  const setup = options.setup ?? ((e: Engine) => applySchema(e, options));
  const ready = ctx.blockConcurrencyWhile(async () => {
    // One microtask later: a subclass constructor that called this from its base has finished by then.
    await null;
    await setup(engine);
  });
  // A failure reaches the request that is waiting (and the runtime resets the object); awaiting `ready` is
  // optional, so its rejection must not also surface as an unhandled one.
  ready.catch(() => undefined);
  return { engine, Session, ready };
}
