/**
 * The states of a model object, as SQLAlchemy documents them (https://docs.sqlalchemy.org/en/20/orm/session_state_management.html),
 * and the only transitions the session may make. Every state change goes through {@link transition}, so an
 * illegal one is a `StateError` at the point it happens instead of a silent inconsistency later.
 *
 * ```text
 *   transient ──add──▶ pending ──commit──▶ persistent ──delete──▶ deleted ──commit──▶ detached (row gone)
 *       ▲                 │                  │    ▲                  │
 *       └──rollback───────┘                  │    └──add (restore)───┘
 *       ▲                                    ├──close / rollback / expunge──▶ detached ──add──▶ persistent
 *       └──transaction rolled back───────────┘   (an insert flushed in a transaction that then rolled back)
 * ```
 */
import { ENTITY_FLAGS, type Entity, entityState, type ObjectState } from './entity.ts';
import { StateError } from './errors.ts';
import { metaOf } from './model-meta.ts';

export type { ObjectState } from './entity.ts';

const ALLOWED: Readonly<Record<ObjectState, readonly ObjectState[]>> = {
  transient: ['pending'],
  pending: ['persistent', 'transient'],
  persistent: ['deleted', 'detached', 'transient', 'persistent'],
  deleted: ['persistent', 'detached', 'transient'],
  detached: ['persistent'],
};

/** Moves an object to `to` (owned by `owner` while it is pending, persistent or deleted). */
export function transition(entity: Entity, to: ObjectState, owner?: object): void {
  const from = entityState.state(entity);
  if (from !== to && !(ALLOWED[from] as readonly ObjectState[]).includes(to)) {
    throw new StateError(`a ${metaOf(entity.constructor).name} cannot go from ${from} to ${to}`);
  }
  entityState.setState(entity, to);
  entityState.setOwner(entity, to === 'transient' || to === 'detached' ? undefined : owner);
}

/** Sets or clears one of an object's flags. */
export function setFlag(entity: Entity, flag: number, on: boolean): void {
  const flags = entityState.flags(entity);
  entityState.setFlags(entity, on ? flags | flag : flags & ~flag);
}

/** True when the flag is set. */
export function hasFlag(entity: Entity, flag: number): boolean {
  return (entityState.flags(entity) & flag) !== 0;
}

/** What {@link inspect} reports about an object. */
export interface ObjectInfo {
  /** transient (new, in no session), pending (added, not yet inserted), persistent (has a row, in a session), deleted (deletion pending in its session), detached (has or had a row, in no session). */
  readonly state: ObjectState;
  /** The object's id once it has a row. */
  readonly id: number | undefined;
  /** True when its values may be stale (`session.expire(obj)`): the next load of its row overwrites them. */
  readonly expired: boolean;
  /** True when its row was deleted by a committed unit of work of its session. */
  readonly rowDeleted: boolean;
}

/** Reports an object's state (SQLAlchemy's `inspect(obj)`). */
export function inspect(entity: Entity): ObjectInfo {
  const raw = (entity as unknown as { id?: unknown }).id;
  return {
    state: entityState.state(entity),
    id: typeof raw === 'number' ? raw : undefined,
    expired: hasFlag(entity, ENTITY_FLAGS.expired),
    rowDeleted: hasFlag(entity, ENTITY_FLAGS.rowDeleted),
  };
}
