/**
 * litedao's Durable Objects adapter: `createDurableObjectDriver(ctx.storage)` turns the SQLite database of a
 * Durable Object into a litedao driver, and `openDurableObjectDatabase(ctx, { models })` sets up an engine with
 * the schema created at start-up. Units of work commit as one synchronous `transactionSync()`;
 * `engine.transaction()` is `ctx.storage.transaction()`. The base class and the Worker-side routing helper
 * are in `@litedao/adapter-do/object`.
 */

export type { DurableObjectContext, DurableObjectDatabase, DurableObjectDatabaseOptions, SchemaOptions } from './database.ts';
export { applySchema, openDurableObjectDatabase } from './database.ts';
export {
  createDurableObjectDriver,
  DURABLE_OBJECT_CAPABILITIES,
  DURABLE_OBJECT_LIMITS,
  mapDurableObjectError,
} from './do-driver.ts';
export type { DurableObjectSql, DurableObjectSqlCursor, DurableObjectSqlStorage } from './native.ts';
