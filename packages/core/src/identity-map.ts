/**
 * The identity map: at most one canonical object per row and model in a session, so two reads of one row give
 * the same object and its changes are tracked once.
 *
 * Rules (the same on every adapter; docs/design.md "Identity map"):
 * - `get(M, id)` answers from the map without a query; a query that returns a row of a mapped object
 *   refreshes that object's values when it has no pending changes (or is expired), and leaves them alone
 *   when it has — the caller's edits win until commit.
 * - A committed `updateWhere` refreshes the mapped objects it changed (values from RETURNING); a committed
 *   `deleteWhere` or `delete(obj)` removes the objects it deleted (they become detached, `rowDeleted`).
 * - An object that ends up representing a row another object already holds (a second `upsert` of the same
 *   key, or an `upsert` of a loaded row) is tracked as an alias: every object of the row gets the stored values
 *   at commit (a committed change made through one of them too), and a change made through one of them is
 *   written; changes made through two objects of one row in one unit of work are a ValidationError.
 */
import type { Entity } from './entity.ts';
import type { ModelMeta } from './model-meta.ts';

/** Ids per block of {@link IdMap}: consecutive ids share one small array. */
const BLOCK_BITS = 3;
const BLOCK = 1 << BLOCK_BITS;

/** The block of an id: a shift for 32-bit ids (a small-integer Map key), division beyond. */
function blockOf(id: number): number {
  return (id | 0) === id ? id >> BLOCK_BITS : Math.floor(id / BLOCK);
}

/** Deleted entries an {@link IdMap} tolerates before it compacts its order (and more than half of them). */
const COMPACT_AFTER = 64;

/**
 * The objects of one model by id: `Map<number, Entity>`'s semantics (get, set, delete, size, iteration in
 * insertion order, an entry set again keeps its place, one deleted and set again goes last, entries set during
 * an iteration are visited), stored so that thousands of ids cost no large hash table.
 *
 * A `Map` filled with 10,000 ids costs ~400 ns an entry on Node 22 (its table outgrows V8's regular object size
 * and is rebuilt and copied as it doubles), ~40 ns at 1,000. Here ids go into blocks of {@link BLOCK}
 * consecutive ids, found through a `Map` with one entry per block; each slot holds the entry's place in an array
 * kept in insertion order: ~35–40 ns an entry at either size (measured on the commit that introduced it).
 */
export class IdMap {
  /** Block number → the places (in #entities) of its ids, by id − block × BLOCK; undefined where none. */
  readonly #blocks = new Map<number, (number | undefined)[]>();
  /** Entries in insertion order; undefined where one was deleted. */
  #entities: (Entity | undefined)[] = [];
  #ids: number[] = [];
  #size = 0;
  #holes = 0;
  /** Iterations under way: the order is not compacted under them (places would move). */
  #iterating = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): Entity | undefined {
    const block = blockOf(id);
    const at = this.#blocks.get(block)?.[id - block * BLOCK];
    return at === undefined ? undefined : this.#entities[at];
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, entity: Entity): this {
    const block = blockOf(id);
    let places = this.#blocks.get(block);
    if (places === undefined) {
      places = new Array(BLOCK);
      this.#blocks.set(block, places);
    }
    const slot = id - block * BLOCK;
    const at = places[slot];
    if (at !== undefined) {
      this.#entities[at] = entity;
      return this;
    }
    places[slot] = this.#entities.length;
    this.#entities.push(entity);
    this.#ids.push(id);
    this.#size++;
    return this;
  }

  delete(id: number): boolean {
    const block = blockOf(id);
    const places = this.#blocks.get(block);
    const slot = id - block * BLOCK;
    const at = places?.[slot];
    if (places === undefined || at === undefined) return false;
    places[slot] = undefined;
    this.#entities[at] = undefined;
    this.#size--;
    this.#holes++;
    if (this.#size === 0) this.clear();
    else if (this.#holes > COMPACT_AFTER && this.#holes * 2 > this.#entities.length && this.#iterating === 0) this.#compact();
    return true;
  }

  clear(): void {
    this.#blocks.clear();
    this.#size = 0;
    if (this.#iterating > 0) {
      // An iteration under way stops here, as Map's does (and visits what is set from now on).
      this.#entities.fill(undefined);
      this.#holes = this.#entities.length;
      return;
    }
    this.#entities = [];
    this.#ids = [];
    this.#holes = 0;
  }

  /** Calls `fn` for every entry in insertion order, as `Map.prototype.forEach` does. */
  forEach(fn: (entity: Entity, id: number) => void): void {
    this.#iterating++;
    try {
      // Read afresh at each step: the arrays are not replaced while an iteration is under way, but may grow.
      for (let i = 0; i < this.#entities.length; i++) {
        const e = this.#entities[i];
        if (e !== undefined) fn(e, this.#ids[i] as number);
      }
    } finally {
      this.#iterating--;
    }
  }

  /** The entries' objects in insertion order (live, as `Map.prototype.values`). */
  *values(): IterableIterator<Entity> {
    this.#iterating++;
    try {
      for (let i = 0; i < this.#entities.length; i++) {
        const e = this.#entities[i];
        if (e !== undefined) yield e;
      }
    } finally {
      this.#iterating--;
    }
  }

  /** Drops the places of deleted entries and renumbers the others (only while nothing iterates). */
  #compact(): void {
    const entities: Entity[] = [];
    const ids: number[] = [];
    for (let i = 0; i < this.#entities.length; i++) {
      const e = this.#entities[i];
      if (e === undefined) continue;
      const id = this.#ids[i] as number;
      const block = blockOf(id);
      (this.#blocks.get(block) as (number | undefined)[])[id - block * BLOCK] = entities.length;
      entities.push(e);
      ids.push(id);
    }
    // Blocks left with no id are dropped.
    for (const [block, places] of this.#blocks) if (places.every((p) => p === undefined)) this.#blocks.delete(block);
    this.#entities = entities;
    this.#ids = ids;
    this.#holes = 0;
  }
}

export class IdentityMap {
  readonly #byModel = new Map<ModelMeta, IdMap>();
  /** Further objects for rows that already have a canonical object (see the module comment). */
  readonly #aliases = new Map<Entity, Entity[]>();

  /** The map of one model, created on first use. */
  of(meta: ModelMeta): IdMap {
    let m = this.#byModel.get(meta);
    if (m === undefined) {
      m = new IdMap();
      this.#byModel.set(meta, m);
    }
    return m;
  }

  get(meta: ModelMeta, id: number): Entity | undefined {
    return this.#byModel.get(meta)?.get(id);
  }

  /** The models that have (or had) objects mapped. */
  models(): IterableIterator<ModelMeta> {
    return this.#byModel.keys();
  }

  /** True when any object of the model is mapped. */
  holds(meta: ModelMeta): boolean {
    const m = this.#byModel.get(meta);
    return m !== undefined && m.size > 0;
  }

  set(meta: ModelMeta, id: number, entity: Entity): void {
    this.of(meta).set(id, entity);
  }

  /** Maps `entity` for `id`, or records it as an alias when another object holds the row. Returns the canonical one. */
  adopt(meta: ModelMeta, id: number, entity: Entity): Entity {
    const map = this.of(meta);
    const canonical = map.get(id);
    if (canonical === undefined || canonical === entity) {
      map.set(id, entity);
      return entity;
    }
    const list = this.#aliases.get(canonical);
    if (list === undefined) this.#aliases.set(canonical, [entity]);
    else if (!list.includes(entity)) list.push(entity);
    return canonical;
  }

  /** True when some row has more than one object (the common case has none, and skips alias bookkeeping). */
  get hasAliases(): boolean {
    return this.#aliases.size > 0;
  }

  /** The canonical object and its aliases. */
  withAliases(canonical: Entity): readonly Entity[] {
    const list = this.#aliases.get(canonical);
    return list === undefined ? [canonical] : [canonical, ...list];
  }

  /** Forgets a row's objects (canonical and aliases); returns them. */
  remove(meta: ModelMeta, id: number): readonly Entity[] {
    const map = this.#byModel.get(meta);
    const canonical = map?.get(id);
    if (canonical === undefined) return [];
    map?.delete(id);
    const all = this.withAliases(canonical);
    this.#aliases.delete(canonical);
    return all;
  }

  /** Calls `fn` for every tracked object (canonical ones, then their aliases), model by model. */
  forEach(fn: (entity: Entity, meta: ModelMeta) => void): void {
    // Map.prototype.forEach, not for…of: this runs once per commit or close over every object, often before
    // V8 optimizes it, where an iterator would allocate a result object per entry.
    const aliases = this.#aliases;
    this.#byModel.forEach((map, meta) => {
      map.forEach((e) => {
        fn(e, meta);
        if (aliases.size === 0) return;
        const list = aliases.get(e);
        if (list !== undefined) for (let i = 0; i < list.length; i++) fn(list[i] as Entity, meta);
      });
    });
  }

  /** Forgets everything. */
  clear(): void {
    this.#byModel.clear();
    this.#aliases.clear();
  }
}
