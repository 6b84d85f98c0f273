/**
 * The model instance: column values as own properties, litedao's bookkeeping (snapshot, owning session) in
 * private fields, and the template's `to_dict()`.
 */
import { jsonSafe } from './codec.ts';
import type { SqlValue } from './driver.ts';
import { type AnyModel, metaOf } from './model-meta.ts';

/** Passed to a model constructor to build an instance from a stored row instead of from values. */
export const LOAD = Symbol('litedao.load');

/** An object's place in a session's life cycle (see object-state.ts for the rules). */
export type ObjectState = 'transient' | 'pending' | 'persistent' | 'deleted' | 'detached';

let snapshotOf: (e: Entity) => SqlValue[] | undefined;
let setSnapshot: (e: Entity, s: SqlValue[] | undefined) => void;
let ownerOf: (e: Entity) => object | undefined;
let setOwner: (e: Entity, o: object | undefined) => void;
let stateOf: (e: Entity) => ObjectState;
let setState: (e: Entity, s: ObjectState) => void;
let flagsOf: (e: Entity) => number;
let setFlags: (e: Entity, f: number) => void;
let relOf: (e: Entity) => RelationState | undefined;
let setRel: (e: Entity, r: RelationState | undefined) => void;

/**
 * The relationship state of one object (relations.ts): its loaded relations and the objects it was loaded
 * with (for batched lazy loading). Absent on objects that never touched a relationship.
 */
export interface RelationState {
  /** Loaded relations by name. */
  slots: Map<string, RelationSlot> | undefined;
  /** The objects one statement loaded together with this one; a lazy load serves all of them at once. */
  group: LoadGroup | undefined;
}

/** One loaded relation of one object. */
export interface RelationSlot {
  /** What the relation holds: an array for collections, an object or null otherwise. */
  value: Entity | Entity[] | null;
  /** What the database holds as far as the session knows (a copy for collections): changes are diffed at commit. */
  snapshot: Entity | readonly Entity[] | null | undefined;
  /** Set when the caller assigned a reference: it then decides over collection membership at commit. */
  assigned?: boolean;
  /** Set when an assignment could not find the collections holding the object (no session): they may be stale. */
  blind?: boolean;
}

/** Objects loaded by one statement (see {@link RelationState.group}). */
export interface LoadGroup {
  readonly members: Entity[];
  /** Lazy loads in flight per relation name, so concurrent awaits share one statement. */
  readonly loading: Map<string, Promise<void>>;
}

/**
 * Base of every model instance. Column values are own enumerable properties named after the columns;
 * litedao's bookkeeping lives in private fields, so `{ ...user }` and `Object.keys(user)` show columns only.
 */
export class Entity {
  /** The values as last read from or written to the database (for dirty tracking); undefined while new. */
  #snapshot: SqlValue[] | undefined;
  /** The session this object belongs to. */
  #owner: object | undefined;
  #state: ObjectState;
  /** Bit flags, see `ENTITY_FLAGS`. */
  #flags = 0;
  /** Relationship state, created on first use. */
  #rel: RelationState | undefined;

  /** @internal Loaded instances pass their stored row and session; new ones pass nothing. */
  constructor(snapshot?: SqlValue[], owner?: object) {
    this.#snapshot = snapshot;
    this.#owner = owner;
    this.#state = snapshot === undefined ? 'transient' : owner === undefined ? 'detached' : 'persistent';
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
    stateOf = (e) => e.#state;
    setState = (e, st) => {
      e.#state = st;
    };
    flagsOf = (e) => e.#flags;
    setFlags = (e, f) => {
      e.#flags = f;
    };
    relOf = (e) => e.#rel;
    setRel = (e, r) => {
      e.#rel = r;
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
  state: (e: Entity): ObjectState => stateOf(e),
  setState: (e: Entity, st: ObjectState): void => setState(e, st),
  flags: (e: Entity): number => flagsOf(e),
  setFlags: (e: Entity, f: number): void => setFlags(e, f),
  rel: (e: Entity): RelationState | undefined => relOf(e),
  setRel: (e: Entity, r: RelationState | undefined): void => setRel(e, r),
};

/** Bits of an entity's flags. */
export const ENTITY_FLAGS = {
  /** Its values may be stale: the next load of its row overwrites them, and commit ignores its changes. */
  expired: 1,
  /** Its row was deleted by a committed unit of work of its session. */
  rowDeleted: 2,
  /** Its INSERT or DELETE is in the batch being sent (a flag, not a set: one bit per object, no hashing per row). */
  inFlight: 4,
  /** New and pending in its owning session (see `PendingNew`: set for models without relationships). */
  pendingNew: 8,
} as const;

/** Builds an instance of `cls` from a stored row (raw values in the model's select order), owned by `owner`. */
export function loadEntity(cls: AnyModel, raw: SqlValue[], owner?: object): Entity {
  // biome-ignore lint/suspicious/noExplicitAny: internal construction path
  return new (cls as any)(LOAD, raw, owner);
}
