/**
 * A grammY session storage backed by a litedao model, so a bot keeps its conversation state in the same
 * database as its data (D1, better-sqlite3 or sqlite-wasm), validated by the model's JSON schema both ways.
 */

import type { Entity } from './entity.ts';
import { ConfigurationError, DataIntegrityError } from './errors.ts';
import { type AnyModel, metaOf } from './model-meta.ts';
import type { SessionMaker } from './session-maker.ts';
import { safeParseSync } from './validate.ts';

/**
 * grammY's `StorageAdapter<T>` (https://grammy.dev/ref/core/storageadapter), declared here so litedao does not
 * depend on grammY: an object of this type is accepted by `session({ storage })`.
 */
export interface StorageAdapter<T> {
  read(key: string): Promise<T | undefined>;
  write(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  has(key: string): Promise<boolean>;
}

/** A model with the two columns a session storage needs: `key` (unique text) and `value` (JSON). */
export type StorageModel = AnyModel & (abstract new (...args: never[]) => Entity & { key: string; value: unknown });

/**
 * Creates a grammY session storage on `model`, which must declare `key: t.text().unique()` and
 * `value: t.json(schema)`. Every call is its own unit of work: `read` is one SELECT; `write` one atomic
 * `INSERT … ON CONFLICT (key) DO UPDATE` (validated first: a value the schema refuses is a `ValidationError`
 * and nothing is written); `delete` one DELETE.
 *
 * A stored value that no longer matches the schema (a changed schema, a row written by other tools) makes
 * `read` throw `DataIntegrityError` rather than hand the bot data of the wrong shape; migrate or delete such
 * rows.
 *
 * ```ts
 * export class BotSession extends Base('BotSession', {
 *   key: t.text().unique(),
 *   value: t.json(z.object({ step: z.enum(['idle', 'asked_name']), name: z.string().optional() })),
 * }) {}
 * bot.use(session({ initial: () => ({ step: 'idle' as const }), storage: createStorageAdapter(Session, BotSession) }));
 * ```
 */
export function createStorageAdapter<M extends StorageModel>(sessions: SessionMaker, model: M): StorageAdapter<InstanceType<M>['value']> {
  const meta = metaOf(model);
  const key = meta.byName.get('key');
  const value = meta.byName.get('value');
  if (key?.kind !== 'text' || !meta.uniqueSets.some((s) => s.length === 1 && s[0] === 'key')) {
    throw new ConfigurationError(`createStorageAdapter: ${meta.name} needs a column key: t.text().unique()`);
  }
  if (value?.kind !== 'json') throw new ConfigurationError(`createStorageAdapter: ${meta.name} needs a column value: t.json(schema)`);
  // biome-ignore lint/suspicious/noExplicitAny: the model is checked above; the session API is typed per model
  const m = model as any;
  type Value = InstanceType<M>['value'];
  // The filter of the untyped model (checked above): `Filters<any>` does not accept a plain object literal.
  const byKey = (k: string) => ({ key: k }) as never;
  return {
    async read(k) {
      const row = (await sessions.begin((s) => s.select(m).where(byKey(k)).oneOrNull())) as { value: unknown } | null;
      if (row === null) return undefined;
      const parsed = safeParseSync(value.schema, row.value);
      if (!parsed.success) {
        throw new DataIntegrityError(`${meta.tableName}.value of a stored session does not match the model's schema`, {
          cause: parsed.error,
        });
      }
      return parsed.data as Value;
    },
    async write(k, v) {
      await sessions.begin(async (s) => {
        s.upsert(m, { key: k, value: v }, { on: ['key'] });
      });
    },
    async delete(k) {
      await sessions.begin(async (s) => {
        s.deleteWhere(m, byKey(k));
      });
    },
    async has(k) {
      return (await sessions.begin((s) => s.select(m).where(byKey(k)).count())) > 0;
    },
  };
}
