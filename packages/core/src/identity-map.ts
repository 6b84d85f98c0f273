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
 *   key) is tracked as an alias: both get the stored values at commit, and changes to either are written.
 */
import type { Entity } from './entity.ts';
import type { ModelMeta } from './model-meta.ts';

export class IdentityMap {
  readonly #byModel = new Map<ModelMeta, Map<number, Entity>>();
  /** Further objects for rows that already have a canonical object (see the module comment). */
  readonly #aliases = new Map<Entity, Entity[]>();

  /** The map of one model, created on first use. */
  of(meta: ModelMeta): Map<number, Entity> {
    let m = this.#byModel.get(meta);
    if (m === undefined) {
      m = new Map();
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
