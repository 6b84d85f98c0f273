/**
 * What a commit must write because relationships changed: private to the unit of work (unit-of-work.ts),
 * as SQLAlchemy's `dependency.py` is to its `unitofwork.py`.
 *
 * Collections are plain arrays and references plain properties, so nothing is recorded as it happens; at
 * commit each loaded relationship is compared with what the database held (its snapshot):
 *
 * - an object added to a one-to-many (or one-to-one) collection, or assigned to a many-to-one reference,
 *   gets the foreign key of its parent — a new object is inserted with it (cascade on save);
 * - an object removed from a collection and put in no other is an orphan: its nullable foreign key is set
 *   to NULL, or its row deleted when the relationship says `orphans: 'delete'`; a NOT NULL one is an error;
 * - a many-to-many collection inserts and deletes association rows;
 * - new objects reached through relationships from objects of the session are inserted too.
 *
 * Nothing here changes an object: the result is a description the planner turns into statements.
 */
import { type Entity, entityState } from './entity.ts';
import { ValidationError, type ValidationIssue } from './errors.ts';
import type { ColumnMeta, ModelMeta } from './model-meta.ts';
import { metaOf } from './model-meta.ts';
import { type RelationMeta, relationsOf } from './relations.ts';

/** An association row to insert: its two foreign keys point at these objects. */
export interface Link {
  readonly through: ModelMeta;
  readonly a: ColumnMeta;
  readonly aParent: Entity;
  readonly b: ColumnMeta;
  readonly bParent: Entity;
}

/** Association rows to delete: `DELETE FROM through WHERE a = ? AND b = ?`. */
export interface Unlink {
  readonly through: ModelMeta;
  readonly a: ColumnMeta;
  readonly aId: number;
  readonly b: ColumnMeta;
  readonly bId: number;
}

/** What changed relationships mean for one commit. */
export interface RelationEffects {
  /** New foreign-key values, as the object the key must point at (or null), per object and column. */
  readonly fks: Map<Entity, Map<ColumnMeta, Entity | null>>;
  /** New objects reached through relationships, to insert with the unit, with the object each was reached from. */
  readonly cascaded: Map<Entity, Entity>;
  readonly links: Link[];
  readonly unlinks: Unlink[];
  /** Stored objects removed from a collection that deletes its orphans. */
  readonly orphans: Entity[];
  /** Objects whose loaded relationships were compared: their snapshots follow their values after commit. */
  readonly slotted: Entity[];
}

const idOf = (e: Entity): unknown => (e as unknown as { id: unknown }).id;

function isStored(e: Entity): boolean {
  const st = entityState.state(e);
  return (st === 'persistent' || st === 'deleted' || st === 'detached') && typeof idOf(e) === 'number';
}

function members(v: Entity | Entity[] | null | readonly Entity[] | undefined): readonly Entity[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v as Entity];
}

/**
 * Compares every loaded relationship of `objects` (and of new objects reachable from them) with its
 * snapshot. Throws ValidationError for contradictions (an object put under two parents, an orphan whose
 * foreign key is NOT NULL); changes nothing.
 */
export function relationEffects(objects: Iterable<Entity>, isNew: (e: Entity) => boolean): RelationEffects {
  const fks = new Map<Entity, Map<ColumnMeta, Entity | null>>();
  const cascaded = new Map<Entity, Entity>();
  const links: Link[] = [];
  const unlinks: Unlink[] = [];
  const orphans: Entity[] = [];
  const slotted: Entity[] = [];
  const issues: ValidationIssue[] = [];
  const removals: { child: Entity; rel: RelationMeta; from: Entity }[] = [];
  const linked = new Map<ModelMeta, Map<Entity, Set<Entity>>>();
  const unlinked = new Set<string>();
  const seen = new Set<Entity>();
  const queue: Entity[] = [];

  const visit = (e: Entity, from: Entity | undefined) => {
    if (seen.has(e)) return;
    seen.add(e);
    if (from !== undefined && entityState.state(e) === 'transient' && !isNew(e)) cascaded.set(e, from);
    queue.push(e);
  };
  const intend = (child: Entity, col: ColumnMeta, parent: Entity | null, rel: RelationMeta) => {
    let m = fks.get(child);
    if (m === undefined) {
      m = new Map();
      fks.set(child, m);
    }
    if (m.has(col) && m.get(col) !== parent) {
      issues.push({
        path: [metaOf(child.constructor).name, String(idOf(child) ?? 'new'), col.name],
        message: `related to two different ${rel.kind === 'manyToOne' ? rel.target.name : rel.owner.name} objects in this unit of work`,
      });
      return;
    }
    m.set(col, parent);
  };
  const link = (rel: RelationMeta, owner: Entity, target: Entity) => {
    // Both sides of a back-populated pair list the same link: normalise to (owner side of rel.fk, target).
    const through = rel.through as ModelMeta;
    const [aCol, aParent, bCol, bParent] =
      rel.back && rel.fk.position > (rel.targetKey as ColumnMeta).position
        ? [rel.targetKey as ColumnMeta, target, rel.fk, owner]
        : [rel.fk, owner, rel.targetKey as ColumnMeta, target];
    let byThrough = linked.get(through);
    if (byThrough === undefined) {
      byThrough = new Map();
      linked.set(through, byThrough);
    }
    let set = byThrough.get(aParent);
    if (set === undefined) {
      set = new Set();
      byThrough.set(aParent, set);
    }
    if (set.has(bParent)) return;
    set.add(bParent);
    links.push({ through, a: aCol, aParent, b: bCol, bParent });
  };

  for (const e of objects) visit(e, undefined);
  while (queue.length) {
    const e = queue.shift() as Entity;
    const slots = entityState.rel(e)?.slots;
    if (slots === undefined || slots.size === 0) continue;
    if (entityState.state(e) === 'deleted') continue;
    const rels = relationsOf(metaOf(e.constructor), metaOf);
    let compared = false;
    for (const [name, slot] of slots) {
      const rel = rels.get(name);
      if (rel === undefined) continue;
      compared = true;
      if (rel.kind === 'manyToOne') {
        const v = slot.value as Entity | null;
        if (v !== null) visit(v, e);
        if (v === slot.snapshot) continue;
        // Assigned without a loaded value: compare with the foreign key itself.
        if (slot.snapshot === undefined) {
          const fk = (e as unknown as Record<string, unknown>)[rel.fk.name];
          if (v === null ? fk === null : isStored(v) && idOf(v) === fk) continue;
        }
        intend(e, rel.fk, v, rel);
        continue;
      }
      const now = members(slot.value);
      const before = members(slot.snapshot as readonly Entity[] | Entity | null);
      for (const c of now) visit(c, e);
      const added = now.filter((c) => !before.includes(c));
      const removed = before.filter((c) => !now.includes(c));
      if (rel.kind === 'manyToMany') {
        for (const c of added) link(rel, e, c);
        for (const c of removed) {
          if (!isStored(e) || !isStored(c)) continue;
          const key = `${rel.through?.name}|${rel.fk.name}=${idOf(e)}|${rel.targetKey?.name}=${idOf(c)}`;
          if (unlinked.has(key)) continue;
          unlinked.add(key);
          unlinks.push({
            through: rel.through as ModelMeta,
            a: rel.fk,
            aId: idOf(e) as number,
            b: rel.targetKey as ColumnMeta,
            bId: idOf(c) as number,
          });
        }
        continue;
      }
      for (const c of added) intend(c, rel.fk, e, rel);
      for (const c of removed) removals.push({ child: c, rel, from: e });
    }
    if (compared) slotted.push(e);
  }
  for (const { child, rel, from } of removals) {
    if (fks.get(child)?.has(rel.fk)) continue; // moved to another parent
    const st = entityState.state(child);
    if (st === 'deleted' || st === 'transient' || !isStored(child)) continue;
    // Only an orphan if it still points at the parent it was removed from.
    if ((child as unknown as Record<string, unknown>)[rel.fk.name] !== idOf(from)) continue;
    if (rel.orphans === 'delete') orphans.push(child);
    else if (rel.fk.nullable) intend(child, rel.fk, null, rel);
    else {
      issues.push({
        path: [rel.owner.name, String(idOf(from)), rel.name],
        message: `a ${rel.target.name} was removed, but ${rel.target.tableName}.${rel.fk.name} is NOT NULL: delete it with session.delete(), move it to another ${rel.owner.name}, or declare orphans: 'delete'`,
      });
    }
  }
  for (const [child, cols] of fks) {
    for (const [col, parent] of cols) {
      if (parent !== null && entityState.state(parent) === 'deleted') {
        issues.push({
          path: [metaOf(child.constructor).name, String(idOf(child) ?? 'new'), col.name],
          message: 'points at an object whose deletion is pending in this unit of work',
        });
      } else if (parent === null && !col.nullable) {
        issues.push({ path: [metaOf(child.constructor).name, String(idOf(child) ?? 'new'), col.name], message: 'must not be null' });
      }
    }
  }
  if (issues.length) throw new ValidationError('invalid relationships in the unit of work; nothing was written', issues);
  return { fks, cascaded, links, unlinks, orphans, slotted };
}
