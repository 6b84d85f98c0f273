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
import { type Entity, entityState, type RelationSlot } from './entity.ts';
import { StateError, ValidationError, type ValidationIssue } from './errors.ts';
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
  /** Collections that hold an object assigned to another parent: it leaves them after commit. */
  readonly corrections: readonly { readonly parent: Entity; readonly rel: RelationMeta; readonly child: Entity }[];
  /**
   * What each compared slot held when the commit was planned (arrays copied): after commit its snapshot is this,
   * not the live value, so edits made while the batch is in flight stay changes for the next commit.
   */
  readonly planned: Map<RelationSlot, Entity | readonly Entity[] | null>;
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
 * foreign key is NOT NULL) and StateError for an object of another open session than `owner`; changes nothing.
 */
export function relationEffects(objects: Iterable<Entity>, isNew: (e: Entity) => boolean, owner?: object): RelationEffects {
  const fks = new Map<Entity, Map<ColumnMeta, Entity | null>>();
  const cascaded = new Map<Entity, Entity>();
  const links: Link[] = [];
  const unlinks: Unlink[] = [];
  const orphans: Entity[] = [];
  const slotted: Entity[] = [];
  const issues: ValidationIssue[] = [];
  const removals: { child: Entity; rel: RelationMeta; from: Entity }[] = [];
  const corrections: { parent: Entity; rel: RelationMeta; child: Entity }[] = [];
  const planned = new Map<RelationSlot, Entity | readonly Entity[] | null>();
  const setFk = (child: Entity, col: ColumnMeta, parent: Entity | null) => {
    let m = fks.get(child);
    if (m === undefined) {
      m = new Map();
      fks.set(child, m);
    }
    m.set(col, parent);
  };
  const linked = new Map<ModelMeta, Map<Entity, Set<Entity>>>();
  const unlinked = new Set<string>();
  const seen = new Set<Entity>();
  const queue: Entity[] = [];

  const visit = (e: Entity, from: Entity | undefined) => {
    if (seen.has(e)) return;
    seen.add(e);
    // An object belongs to one open session: one of another session reached through a relationship here (pushed
    // into a collection, assigned to a new object) would be written by neither, or by both.
    const o = entityState.owner(e);
    if (owner !== undefined && o !== undefined && o !== owner) {
      const m = metaOf(e.constructor).name;
      throw new StateError(
        `a ${m} of another open session is reached through ${from === undefined ? 'this session' : `a ${metaOf(from.constructor).name}`} of this one: an object belongs to one session (load it in this session, or close the other first)`,
      );
    }
    if (from !== undefined && entityState.state(e) === 'transient' && !isNew(e)) cascaded.set(e, from);
    queue.push(e);
  };
  // A many-to-one assignment (`post.author = b`) decides over collection membership: arrays report no pushes,
  // so an object pushed into one collection and then assigned elsewhere is in both when the commit looks.
  const assigned = new Map<Entity, Map<ColumnMeta, Entity | null>>();
  const intend = (child: Entity, col: ColumnMeta, parent: Entity | null) => {
    let m = assigned.get(child);
    if (m === undefined) {
      m = new Map();
      assigned.set(child, m);
    }
    m.set(col, parent);
  };
  // Every loaded one-to-many (or one-to-one) collection that holds each object now, per foreign key: an object
  // must end up in the collection of the parent its key points at, and in no other.
  const holders = new Map<Entity, Map<ColumnMeta, { parent: Entity; rel: RelationMeta }[]>>();
  const hold = (child: Entity, col: ColumnMeta, parent: Entity, rel: RelationMeta) => {
    let m = holders.get(child);
    if (m === undefined) {
      m = new Map();
      holders.set(child, m);
    }
    const list = m.get(col);
    if (list === undefined) m.set(col, [{ parent, rel }]);
    else if (!list.some((x) => x.parent === parent)) list.push({ parent, rel });
  };
  const heldBy = (child: Entity, col: ColumnMeta) => holders.get(child)?.get(col) ?? [];
  /** The loaded one-to-many (and one-to-one) collections walked, indexed into `holders` for the objects that matter. */
  const walked: { parent: Entity; rel: RelationMeta; members: readonly Entity[] }[] = [];
  /** Objects added to a collection since its snapshot, per foreign key. */
  const collected = new Map<Entity, Set<ColumnMeta>>();
  const twoParents = (child: Entity, col: ColumnMeta, list: readonly { parent: Entity; rel: RelationMeta }[]) => {
    const first = list[0] as { rel: RelationMeta };
    issues.push({
      path: [metaOf(child.constructor).name, String(idOf(child) ?? 'new'), col.name],
      message: `held by the ${first.rel.name} of ${list.length} different ${first.rel.owner.name} objects in this unit of work: remove it from all but one`,
    });
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

  // An assignment puts the object in the new parent's loaded collection at once; if it is no longer there, the
  // caller moved it since (splice, push): the assignment is superseded and the collections decide.
  const superseded = (child: Entity, col: ColumnMeta, parent: Entity | null): boolean => {
    if (parent === null) return false;
    const slots = entityState.rel(parent)?.slots;
    if (slots === undefined) return false;
    for (const r of relationsOf(metaOf(parent.constructor), metaOf).values()) {
      if ((r.kind !== 'oneToMany' && r.kind !== 'oneToOne') || r.fk !== col) continue;
      const slot = slots.get(r.name);
      if (slot !== undefined && !members(slot.value).includes(child)) return true;
    }
    return false;
  };
  // A member whose many-to-one was assigned to another parent (or to null) since it was put in this collection
  // left it, though the array still lists it when the owning session was unknown at the assignment (a new
  // object): it is not reached through this collection, and the collection is corrected after commit.
  /** The object's loaded many-to-one slot over foreign key `col`. */
  const backSlot = (child: Entity, col: ColumnMeta) => {
    const slots = entityState.rel(child)?.slots;
    if (slots === undefined) return undefined;
    for (const [name, slot] of slots) {
      const r = relationsOf(metaOf(child.constructor), metaOf).get(name);
      if (r?.kind === 'manyToOne' && r.fk === col) return slot;
    }
    return undefined;
  };
  const left = (child: Entity, rel: RelationMeta, parent: Entity): boolean => {
    const back = rel.back;
    if (back === undefined || back.kind !== 'manyToOne') return false;
    const slot = entityState.rel(child)?.slots?.get(back.name);
    if (slot === undefined || slot.assigned !== true || slot.value === parent) return false;
    // Assigned null: a collection holding it now got it afterwards, unless the assignment could not look.
    if (slot.value === null) return slot.blind === true;
    return !superseded(child, rel.fk, slot.value as Entity | null);
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
      planned.set(slot, Array.isArray(slot.value) ? slot.value.slice() : slot.value);
      if (rel.kind === 'manyToOne') {
        const v = slot.value as Entity | null;
        if (v !== null) visit(v, e);
        if (v === slot.snapshot && slot.assigned !== true) continue;
        // Assigned without a loaded value: compare with the stored foreign key (a new object has none).
        // Assigned (even to the parent it had): the assignment decides over collections, see `assigned` below.
        intend(e, rel.fk, v);
        continue;
      }
      const now = members(slot.value);
      const before = members(slot.snapshot as readonly Entity[] | Entity | null);
      if (rel.kind === 'manyToMany') for (const c of now) visit(c, e);
      else
        for (const c of now) {
          if (left(c, rel, e)) corrections.push({ parent: e, rel, child: c });
          else visit(c, e);
        }
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
      if (now.length > 0) walked.push({ parent: e, rel, members: now });
      for (const c of added) {
        const cols = collected.get(c);
        if (cols === undefined) collected.set(c, new Set([rel.fk]));
        else cols.add(rel.fk);
      }
      for (const c of removed) removals.push({ child: c, rel, from: e });
    }
    if (compared) slotted.push(e);
  }
  const orphaned = new Set<Entity>();
  const orphan = (child: Entity, rel: RelationMeta, from: Entity) => {
    if (orphaned.has(child)) return;
    orphaned.add(child);
    if (rel.orphans === 'delete') {
      if (isStored(child)) orphans.push(child);
      else
        issues.push({
          path: [rel.owner.name, String(idOf(from)), rel.name],
          message: `a new ${rel.target.name} was removed, and ${rel.name} deletes its orphans: do not add it, or put it in another ${rel.owner.name}`,
        });
    } else if (rel.fk.nullable) setFk(child, rel.fk, null);
    else {
      issues.push({
        path: [rel.owner.name, String(idOf(from)), rel.name],
        message: `a ${rel.target.name} was removed, but ${rel.target.tableName}.${rel.fk.name} is NOT NULL: delete it with session.delete(), move it to another ${rel.owner.name}, or declare orphans: 'delete'`,
      });
    }
  };
  /** The parent's loaded one-to-many (or one-to-one) relationship over foreign key `col`, if any. */
  const backOver = (parent: Entity, col: ColumnMeta): RelationMeta | undefined => {
    const slots = entityState.rel(parent)?.slots;
    if (slots === undefined) return undefined;
    for (const r of relationsOf(metaOf(parent.constructor), metaOf).values()) {
      if ((r.kind === 'oneToMany' || r.kind === 'oneToOne') && r.fk === col && slots.has(r.name)) return r;
    }
    return undefined;
  };
  // Only objects assigned or added since the snapshot need their holders (a commit touching few of many loaded
  // children allocates for the few).
  if (assigned.size > 0 || collected.size > 0) {
    for (const { parent, rel, members: ms } of walked) {
      for (const c of ms) if (assigned.has(c) || collected.has(c)) hold(c, rel.fk, parent, rel);
    }
  }
  /** Assigned to a parent, then taken out of its collection and put in none: an orphan of that parent. */
  const dropped: { child: Entity; rel: RelationMeta; from: Entity }[] = [];
  for (const [child, cols] of assigned) {
    for (const [col, parent] of cols) {
      const list = heldBy(child, col);
      const blind = backSlot(child, col)?.blind === true;
      if (parent === null ? !blind && list.length > 0 : superseded(child, col, parent)) {
        if (list.length > 1) twoParents(child, col, list);
        else if (list.length === 1) setFk(child, col, (list[0] as { parent: Entity }).parent);
        else {
          const back = parent === null ? undefined : backOver(parent, col);
          if (back !== undefined) dropped.push({ child, rel: back, from: parent as Entity });
        }
        continue;
      }
      setFk(child, col, parent);
      for (const x of list) if (x.parent !== parent) corrections.push({ parent: x.parent, rel: x.rel, child });
    }
  }
  for (const [child, cols] of collected) {
    for (const col of cols) {
      if (assigned.get(child)?.has(col) === true) continue; // decided above
      const list = heldBy(child, col);
      if (list.length > 1) twoParents(child, col, list);
      else if (list.length === 1) setFk(child, col, (list[0] as { parent: Entity }).parent);
    }
  }
  for (const { child, rel, from } of dropped) {
    if (fks.get(child)?.has(rel.fk)) continue;
    if (entityState.state(child) === 'deleted') continue;
    // A new object counts as a stored one: inserted with the key of a parent that no longer lists it, keys and
    // collections would disagree after commit.
    if (!isStored(child) && !isNew(child) && !cascaded.has(child)) continue;
    orphan(child, rel, from);
  }
  for (const { child, rel, from } of removals) {
    if (fks.get(child)?.has(rel.fk)) continue; // moved to another parent
    const st = entityState.state(child);
    if (st === 'deleted' || st === 'transient' || !isStored(child)) continue;
    // Only an orphan if it still points at the parent it was removed from.
    if ((child as unknown as Record<string, unknown>)[rel.fk.name] !== idOf(from)) continue;
    orphan(child, rel, from);
  }
  for (const [child, cols] of fks) {
    for (const [col, parent] of cols) {
      if (parent !== null && entityState.state(parent) === 'deleted') {
        // ON DELETE SET NULL: the parent's DELETE would leave the key NULL anyway, so a child assigned to it (or
        // left with it) follows like every other child of that row. Other actions stay refused: cascade would
        // delete an object the caller just attached, restrict and no action fail.
        if (col.nullable && col.config.references?.onDelete === 'set null') {
          cols.set(col, null);
          continue;
        }
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
  return { fks, cascaded, links, unlinks, orphans, slotted, corrections, planned };
}
