/**
 * The model instance: column values as own properties, litedao's bookkeeping (snapshot, owning session) in
 * private fields, and the template's `to_dict()`.
 */
import { jsonSafe } from './codec.ts';
import type { SqlValue } from './driver.ts';
import { type AnyModel, metaOf } from './model-meta.ts';

/** Passed to a model constructor to build an instance from a stored row instead of from values. */
export const LOAD = Symbol('litedao.load');

let snapshotOf: (e: Entity) => SqlValue[] | undefined;
let setSnapshot: (e: Entity, s: SqlValue[] | undefined) => void;
let ownerOf: (e: Entity) => object | undefined;
let setOwner: (e: Entity, o: object | undefined) => void;

/**
 * Base of every model instance. Column values are own enumerable properties named after the columns;
 * litedao's bookkeeping lives in private fields, so `{ ...user }` and `Object.keys(user)` show columns only.
 */
export class Entity {
  /** The values as last read from or written to the database (for dirty tracking); undefined while new. */
  #snapshot: SqlValue[] | undefined;
  /** The session this object belongs to. */
  #owner: object | undefined;

  /** @internal Loaded instances pass their stored row and session; new ones pass nothing. */
  constructor(snapshot?: SqlValue[], owner?: object) {
    this.#snapshot = snapshot;
    this.#owner = owner;
  }

  static {
    snapshotOf = (e) => e.#snapshot;
    setSnapshot = (e, s) => {
      e.#snapshot = s;
    };
    ownerOf = (e) => e.#owner;
    setOwner = (e, o) => {
      e.#owner = o;
    };
  }

  /** Column name → value, as the seed's `to_dict()` (values as JS objects: `Date`, `Uint8Array`, …). */
  toDict(): Record<string, unknown> {
    const meta = metaOf(this.constructor);
    const out: Record<string, unknown> = {};
    const self = this as unknown as Record<string, unknown>;
    for (const c of meta.columns) out[c.name] = self[c.name];
    return out;
  }

  /** The JSON-safe form of {@link toDict}: ISO-8601 dates, bigints as strings, blobs as base64. */
  toJSON(): Record<string, unknown> {
    const meta = metaOf(this.constructor);
    const out: Record<string, unknown> = {};
    const self = this as unknown as Record<string, unknown>;
    for (const c of meta.columns) out[c.name] = jsonSafe(self[c.name]);
    return out;
  }
}

/** @internal Bookkeeping accessors for the session. */
export const entityState = {
  snapshot: (e: Entity): SqlValue[] | undefined => snapshotOf(e),
  setSnapshot: (e: Entity, s: SqlValue[] | undefined): void => setSnapshot(e, s),
  owner: (e: Entity): object | undefined => ownerOf(e),
  setOwner: (e: Entity, o: object | undefined): void => setOwner(e, o),
};

/** Builds an instance of `cls` from a stored row (raw values in the model's select order), owned by `owner`. */
export function loadEntity(cls: AnyModel, raw: SqlValue[], owner?: object): Entity {
  // biome-ignore lint/suspicious/noExplicitAny: internal construction path
  return new (cls as any)(LOAD, raw, owner);
}
