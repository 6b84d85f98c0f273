/**
 * `@litedao/adapter-do/object`: a Durable Object base class that owns one litedao database, and the Worker-side
 * routing helper that reaches it by key with typed RPC.
 *
 * Inside the object, code uses the database directly (`this.Session`, `this.engine.transaction()`): every
 * call is in-process. From a Worker, `objectFor(env.CHATS, chatId)` returns a client whose `dao(name)` is the
 * object's `BaseDAO` over RPC — each call is one round trip and one unit of work committed inside the object —
 * and whose `stub` calls the object's own RPC methods (one round trip for a whole unit of work you write).
 *
 * This module imports `cloudflare:workers`, so it loads only inside workerd (a Worker or Durable Object).
 */
import { DurableObject } from 'cloudflare:workers';
import {
  type AnyModel,
  type BaseDAOClass,
  ConfigurationError,
  col,
  type DaoError,
  deserializeError,
  type Engine,
  Entity,
  increment,
  isColumnExpression,
  isColumnRef,
  isDaoError,
  type MigrationSource,
  type Row,
  type SerializedError,
  type SessionMaker,
  serializeError,
  ValidationError,
  WriteResult,
} from '@litedao/core';
import { applySchema, openDurableObjectDatabase } from './database.ts';

/** The DAOs an object serves over RPC, by name: `{ messages: MessageDAO }`. */
// biome-ignore lint/suspicious/noExplicitAny: any DAO class
export type DaoMap = { readonly [name: string]: BaseDAOClass<any> };

/**
 * What a DAO method's result becomes across RPC: objects become plain rows and write results their counts,
 * also inside arrays and plain objects (a page's items, a custom method's `{ user, messages }`).
 */
export type Plain<T, M> = T extends WriteResult
  ? number
  : T extends Entity
    ? T extends InstanceType<M & (abstract new (...args: never[]) => unknown)>
      ? Row<M>
      : Record<string, unknown>
    : T extends readonly (infer E)[]
      ? Plain<E, M>[]
      : T extends Date | Uint8Array | ((...args: never[]) => unknown)
        ? T
        : T extends object
          ? { [K in keyof T]: Plain<T[K], M> }
          : T;

/** Names of the methods a DAO class offers over RPC (its own and `BaseDAO`'s; not `model` or `session`). */
export type DaoMethodName<C> = C extends abstract new (
  ...args: never[]
) => infer I
  ? {
      // biome-ignore lint/suspicious/noExplicitAny: any method
      [K in keyof I]: K extends 'model' | 'session' | 'constructor' ? never : I[K] extends (...args: any[]) => any ? K : never;
    }[keyof I] &
      string
  : never;

/**
 * A DAO of a Durable Object as seen from a Worker: the same methods, each one RPC call that runs the method
 * in a session of its own inside the object and commits it there. Results arrive as plain data: objects as
 * rows (`Row<typeof Model>`), `WriteResult`s as their committed `rowsAffected`, pages with row items.
 */
export type RemoteDAO<C> = C extends abstract new (
  ...args: never[]
) => infer I
  ? {
      readonly [K in DaoMethodName<C>]: I[K] extends (...args: infer A) => infer R
        ? (...args: A) => Promise<Plain<Awaited<R>, C extends { readonly model: infer M } ? M : never>>
        : never;
    }
  : never;

/** The RPC answer of {@link DatabaseObjectBase.litedaoCall}: a value, or a litedao error as data. */
export type RpcOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError };

/** The instance side every class made by {@link DatabaseObject} has. */
export interface DatabaseObjectBase<D extends DaoMap> {
  /** The object's engine (one per object, over its own SQLite database). */
  readonly engine: Engine;
  /** Sessions on {@link engine}. */
  readonly Session: SessionMaker;
  /** Settles when the schema step finished (the object takes no request before). */
  readonly ready: Promise<void>;
  /**
   * The RPC entry behind {@link ObjectClient.dao}: runs `daos[dao].prototype[method](...args)` in one
   * `Session.begin()` (commit on success, roll back on error) and answers plain data.
   */
  litedaoCall(dao: string, method: string, args: readonly unknown[]): Promise<RpcOutcome>;
  /** Type-only: the DAO map, so clients can type `dao(name)`. */
  readonly __litedaoDaos?: D;
}

/**
 * The class {@link DatabaseObject} returns: a `DurableObject` (its `ctx` and `env`, typed by `Env`, default
 * `Cloudflare.Env`) with {@link DatabaseObjectBase}. Written out so the published declarations can name it.
 */
export type DatabaseObjectClass<D extends DaoMap> = abstract new <Env = Cloudflare.Env>(
  ctx: DurableObjectState,
  env: Env,
) => DurableObject<Env> & DatabaseObjectBase<D>;

/** Options of {@link DatabaseObject}. */
export interface DatabaseObjectOptions {
  /** Models whose tables the object holds; default: the models of the DAOs, in the order given. */
  readonly models?: readonly AnyModel[];
  /**
   * Migration files (wrangler's layout, written by `litedao generate`) applied at every start with core's
   * `migrate()`, recorded in the object's `d1_migrations` table; the models are then checked against the
   * result. Without them, the models' missing tables are created (`createAll`).
   */
  readonly migrations?: MigrationSource | undefined;
  /** The bookkeeping table of `migrations`. Default `d1_migrations`. */
  readonly migrationsTable?: string | undefined;
  /**
   * Replaces the schema step run once per object start, before any request. It is an option rather than a method
   * because every method of a Durable Object class can be called over RPC.
   */
  readonly setup?: ((engine: Engine) => Promise<void>) | undefined;
}

/**
 * Creates a Durable Object base class holding one litedao database: its schema is brought up to date at start-up
 * (inside `blockConcurrencyWhile`: the `migrations` files, or else the DAOs' models created), and the DAOs are
 * served over RPC to {@link objectFor}. Declare the class under `new_sqlite_classes` in wrangler's migrations.
 *
 * @example
 * ```ts
 * export class ChatObject extends DatabaseObject({ messages: MessageDAO }) {
 *   // A whole unit of work in one round trip: read, write, commit, answer.
 *   async save(input: Insert<typeof Message>): Promise<number> {
 *     return this.Session.begin(async (s) => {
 *       const messages = new MessageDAO(s);
 *       await messages.add(input);
 *       return (await messages.count()) + 1;
 *     });
 *   }
 * }
 * ```
 */
export function DatabaseObject<const D extends DaoMap>(daos: D, options: DatabaseObjectOptions = {}): DatabaseObjectClass<D> {
  const names = Object.keys(daos);
  for (const name of names) {
    const Dao = daos[name];
    if (typeof Dao !== 'function' || typeof (Dao as { model?: unknown }).model !== 'function') {
      throw new ConfigurationError(`DatabaseObject: "${name}" is not a DAO class (class X extends BaseDAO(Model) {})`);
    }
  }
  const models = options.models ?? [...new Set(names.map((n) => (daos[n] as BaseDAOClass<AnyModel>).model))];
  const schema = { models, migrations: options.migrations, migrationsTable: options.migrationsTable };
  const setup = options.setup ?? ((engine: Engine) => applySchema(engine, schema));

  abstract class LitedaoObject<Env = Cloudflare.Env> extends DurableObject<Env> implements DatabaseObjectBase<D> {
    readonly engine: Engine;
    readonly Session: SessionMaker;
    readonly ready: Promise<void>;
    declare readonly __litedaoDaos?: D;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      const db = openDurableObjectDatabase(ctx, { setup });
      this.engine = db.engine;
      this.Session = db.Session;
      this.ready = db.ready;
    }

    async litedaoCall(dao: string, method: string, args: readonly unknown[]): Promise<RpcOutcome> {
      try {
        const Dao = Object.hasOwn(daos, dao) ? daos[dao] : undefined;
        if (!Dao) throw new ValidationError(`this object serves no DAO named "${dao}"`, [{ path: ['dao'], message: 'unknown DAO' }]);
        if (!isDaoMethod(Dao, method)) {
          throw new ValidationError(`${Dao.name || dao} has no method "${method}"`, [{ path: ['method'], message: 'unknown DAO method' }]);
        }
        if (!Array.isArray(args))
          throw new ValidationError('DAO arguments must be an array', [{ path: ['args'], message: 'expected an array' }]);
        const input = fromWire(args) as unknown[];
        const value = await this.Session.begin(async (session) => {
          const instance = new Dao(session) as unknown as Record<string, (...a: unknown[]) => unknown>;
          return await (instance[method] as (...a: unknown[]) => unknown).apply(instance, input);
        });
        // After the commit: objects have their ids and timestamps, write results their counts.
        return { ok: true, value: toPlain(value) };
      } catch (error) {
        if (isDaoError(error)) return { ok: false, error: serializeError(error) };
        throw error;
      }
    }
  }
  return LitedaoObject;
}

const NOT_RPC = new Set(['constructor', 'model', 'session']);

/** True when `method` is a method of the DAO class (its own or inherited from BaseDAO), never Object's. */
function isDaoMethod(Dao: BaseDAOClass<AnyModel>, method: unknown): method is string {
  if (typeof method !== 'string' || NOT_RPC.has(method)) return false;
  for (let proto = Dao.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, method);
    if (d) return typeof d.value === 'function';
  }
  return false;
}

/** A DAO result as structured-cloneable data (see {@link Plain}). */
function toPlain(value: unknown, depth = 0): unknown {
  if (value instanceof Entity) return value.toDict();
  if (value instanceof WriteResult) return value.rowsAffected;
  if (depth > 16 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1));
  // Plain objects (a page, a custom method's `{ user, messages }`): their values, converted the same way.
  // Anything else (Date, Uint8Array, Map) is left to the runtime's structured clone.
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlain(v, depth + 1);
  return out;
}

/**
 * The key that marks `increment()` and `col()` values on their way over RPC: their brands are symbol keys,
 * which structured clone drops, so {@link toWire} writes them as `{ [WIRE]: 'increment', amount }` and
 * `{ [WIRE]: 'col', column }`, and {@link fromWire} builds them again inside the object.
 */
const WIRE = '__litedao_wire__';

/** Copies plain objects and arrays only where something inside changes; keeps own `__proto__` keys as keys. */
function mapPlain(
  value: unknown,
  depth: number,
  leaf: (v: unknown) => unknown | undefined,
  self: (v: unknown, d: number) => unknown,
): unknown {
  const replaced = leaf(value);
  if (replaced !== undefined) return replaced;
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = self(value[i], depth + 1);
      if (v === value[i]) continue;
      out ??= value.slice();
      out[i] = v;
    }
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(value)) {
    const before = (value as Record<string, unknown>)[k];
    const v = self(before, depth + 1);
    if (v === before) continue;
    if (out === undefined) {
      out = Object.create(proto) as Record<string, unknown>;
      for (const key of Object.keys(value)) define(out, key, (value as Record<string, unknown>)[key]);
    }
    define(out, k, v);
  }
  return out ?? value;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** DAO arguments as they cross RPC: `increment()` and `col()` values in {@link WIRE} form. */
function toWire(value: unknown, depth = 0): unknown {
  return mapPlain(
    value,
    depth,
    (v) =>
      isColumnExpression(v) ? { [WIRE]: 'increment', amount: v.amount } : isColumnRef(v) ? { [WIRE]: 'col', column: v.column } : undefined,
    toWire,
  );
}

/** The arguments inside the object: {@link WIRE} forms become `increment()` and `col()` values again. */
function fromWire(value: unknown, depth = 0): unknown {
  return mapPlain(
    value,
    depth,
    (v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, WIRE)) return undefined;
      const w = v as Record<string, unknown>;
      const keys = Object.keys(w).length;
      if (w[WIRE] === 'increment' && keys === 2 && (typeof w.amount === 'number' || typeof w.amount === 'bigint'))
        return increment(w.amount);
      if (w[WIRE] === 'col' && keys === 2 && typeof w.column === 'string') return col(w.column);
      return undefined;
    },
    fromWire,
  );
}

// ---------------------------------------------------------------------------------------------------------
// The Worker side

/** The routing key of an object: a chat id, a user id, a name. The same key always reaches the same object. */
export type ObjectKey = string | number | bigint;

/** What {@link objectFor} returns. */
export interface ObjectClient<O extends Rpc.DurableObjectBranded> {
  /** The object's stub: call its own RPC methods (`await chat.stub.save(input)`). */
  readonly stub: DurableObjectStub<O>;
  /** The object's DAO named `name`, over RPC (see {@link RemoteDAO}). */
  dao<K extends DaoNameOf<O>>(name: K): RemoteDAO<DaoMapOf<O>[K]>;
}

/** The DAO map of an object class made by {@link DatabaseObject}. */
export type DaoMapOf<O> = O extends { readonly __litedaoDaos?: infer D } ? (D extends DaoMap ? D : never) : never;
/** The DAO names of an object class made by {@link DatabaseObject}. */
export type DaoNameOf<O> = keyof DaoMapOf<O> & string;

/**
 * The object for `key` in `namespace` (`namespace.idFromName(String(key))`), with typed RPC. Telegram chat ids
 * are numbers; `objectFor(env.CHATS, ctx.chat.id)` and `objectFor(env.CHATS, String(ctx.chat.id))` reach the
 * same object.
 *
 * @example
 * ```ts
 * const chat = objectFor(env.CHATS, ctx.chat.id);
 * const messages = chat.dao('messages');
 * await messages.add({ user_id: user.id, text });   // one round trip, committed inside the object
 * const count = await messages.count();
 * ```
 */
export function objectFor<O extends Rpc.DurableObjectBranded>(namespace: DurableObjectNamespace<O>, key: ObjectKey): ObjectClient<O> {
  if (!namespace || typeof namespace.idFromName !== 'function') {
    throw new ConfigurationError('objectFor needs a Durable Object namespace binding (for example env.CHATS)');
  }
  const name = objectName(key);
  const stub = namespace.get(namespace.idFromName(name));
  return {
    stub,
    dao: (dao) => remoteDao(stub as unknown as { litedaoCall: DatabaseObjectBase<DaoMap>['litedaoCall'] }, dao) as never,
  };
}

/** The object name of a key: finite integers and bigints in decimal, strings as they are (non-empty). */
export function objectName(key: ObjectKey): string {
  if (typeof key === 'string' && key.length > 0) return key;
  if (typeof key === 'number' && Number.isSafeInteger(key)) return String(key);
  if (typeof key === 'bigint') return key.toString();
  throw new ValidationError('an object key must be a non-empty string, a safe integer or a bigint', [
    { path: ['key'], message: 'invalid object key' },
  ]);
}

function remoteDao(stub: { litedaoCall: DatabaseObjectBase<DaoMap>['litedaoCall'] }, dao: string): object {
  return new Proxy(Object.create(null) as object, {
    get(_target, method) {
      // Not a thenable, and no symbol-keyed protocol: only method names are forwarded.
      if (typeof method !== 'string' || method === 'then') return undefined;
      return async (...args: unknown[]) => unwrap(await stub.litedaoCall(dao, method, toWire(args) as unknown[]));
    },
  });
}

function unwrap(outcome: RpcOutcome): unknown {
  if (outcome.ok) return outcome.value;
  throw deserializeError(outcome.error) as DaoError;
}
