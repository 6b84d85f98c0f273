/**
 * Relationships between models, after SQLAlchemy's `relationship()` and `back_populates`
 * (https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html), declared in a model's options:
 *
 * ```ts
 * class User extends Base('User', { telegram_id: t.integer().unique() }, {
 *   relations: (r) => ({ messages: r.oneToMany<Message>('Message', { backPopulates: 'user' }) }),
 * }) {}
 * class Message extends Base('Message', {
 *   user_id: t.integer().references(() => User, { onDelete: 'cascade' }),
 *   text: t.text(),
 * }, {
 *   relations: (r) => ({ user: r.manyToOne<User>().on('user_id', { backPopulates: 'messages' }) }),
 * }) {}
 * ```
 *
 * Targets are named by model name (as SQLAlchemy's `relationship("Message")`) and typed by the type argument:
 * a model's base-class expression cannot refer to a class that refers back to it (TypeScript reports a
 * circular base expression), so the name is resolved at run time, on first use, in the model's declarative
 * base. A many-to-one relationship takes its target from its foreign-key column's `.references()`.
 *
 * On an object, `user.messages` reads a loaded relation synchronously (a `StateError` when it is not loaded
 * — the counterpart of SQLAlchemy's lazy="raise") and `await user.related.messages` loads it when needed,
 * for every object the same statement loaded (the `AsyncAttrs` counterpart, batched). Collections are plain
 * arrays: push to or remove from them, assign many-to-one relations, and `commit()` writes the foreign keys
 * (see unit-of-work.ts).
 */
import type { Column, ColumnsShape } from './columns.ts';
import { ENTITY_FLAGS, type Entity, entityState, type LoadGroup, type RelationSlot, type RelationState } from './entity.ts';
import { ConfigurationError, IdentifierError, StateError, ValidationError } from './errors.ts';
import type { ColumnMeta, ModelMeta } from './model-meta.ts';
import { checkIdentifier } from './naming.ts';
import { checkOptions, type OptionRule } from './options.ts';

/** The four relationship patterns (SQLAlchemy's "Basic Relationship Patterns"). */
export type RelationKind = 'manyToOne' | 'oneToMany' | 'oneToOne' | 'manyToMany';

declare const RELATION_VALUE: unique symbol;

/**
 * A declared relationship. `V` is what it holds when loaded (`Message[]`, `User`, `User | null`); `K` its
 * kind; `F` the foreign-key column of a many-to-one relationship.
 */
export interface Relation<V = unknown, K extends RelationKind = RelationKind, F extends string = string> {
  readonly kind: K;
  /** The target model's name (`undefined` for many-to-one: the foreign key's `.references()` names it). */
  readonly target: string | undefined;
  readonly foreignKey: F | undefined;
  readonly options: RelationOptions;
  /** Type only: the loaded value. */
  readonly [RELATION_VALUE]?: V;
}

/** What one model declares: relationship name → relationship. */
// biome-ignore lint/suspicious/noExplicitAny: any relation value
export type RelationsShape = Record<string, Relation<any, RelationKind, any>>;

/** Options every relationship kind accepts. */
export interface RelationOptions {
  /** The relationship on the other model that mirrors this one (SQLAlchemy's `back_populates`). */
  readonly backPopulates?: string | undefined;
  /**
   * One-to-many and one-to-one: the target's column that references this model (found from `.references()`
   * when exactly one does). Many-to-many: the association model's column that references this model.
   */
  readonly foreignKey?: string | undefined;
  /** Many-to-many: the association model's column that references the target. */
  readonly targetKey?: string | undefined;
  /** Many-to-many: the association model's name (SQLAlchemy's `secondary`). */
  readonly through?: string | undefined;
  /** Default order of a collection when loaded (`{ created_at: 'asc' }` or a list); `id` ascending otherwise. */
  readonly orderBy?: Readonly<Record<string, 'asc' | 'desc'>> | readonly Readonly<Record<string, 'asc' | 'desc'>>[] | undefined;
  /**
   * One-to-many and one-to-one: what commit does with an object removed from the collection and put in no
   * other: `'delete'` deletes its row (SQLAlchemy's `delete-orphan`). Without it, a nullable foreign key is set
   * to NULL and a NOT NULL one makes the commit fail with `ValidationError` (nothing written).
   */
  readonly orphans?: 'delete' | undefined;
}

/** Options of a many-to-one relationship. */
export interface ManyToOneOptions {
  readonly backPopulates?: string;
}

/** Options of a one-to-many relationship. */
export interface OneToManyOptions {
  readonly foreignKey?: string;
  readonly backPopulates?: string;
  readonly orderBy?: RelationOptions['orderBy'];
  readonly orphans?: 'delete';
}

/** Options of a one-to-one relationship declared on the referenced side (the foreign key is on the target). */
export interface OneToOneOptions {
  readonly foreignKey?: string;
  readonly backPopulates?: string;
  readonly orphans?: 'delete';
}

/** Options of a many-to-many relationship through an association model. */
export interface ManyToManyOptions {
  readonly through: string;
  readonly foreignKey?: string;
  readonly targetKey?: string;
  readonly backPopulates?: string;
  readonly orderBy?: RelationOptions['orderBy'];
}

/** Columns of a shape declared with `.references()`. */
export type ForeignKeyOf<C extends ColumnsShape> = {
  [K in keyof C]: C[K] extends Column<unknown, boolean, boolean, true> ? K : never;
}[keyof C] &
  string;

type NullableIf<Col, T> = Col extends Column<unknown, true, boolean, boolean> ? T | null : T;

/** The second step of a many-to-one declaration: the foreign-key column it goes through. */
export interface ManyToOneOn<C extends ColumnsShape, T extends object> {
  /**
   * The foreign-key column (declared with `.references()`); the target model is the one it references. The
   * relation holds `T`, or `T | null` when the column is nullable.
   */
  on<F extends ForeignKeyOf<C>>(foreignKey: F, options?: ManyToOneOptions): Relation<NullableIf<C[F], T>, 'manyToOne', F>;
}

/**
 * Declares relationships inside a model's `relations` option. The type argument is the target's instance
 * type; it is not checked against the model name, which is resolved on first use (`ConfigurationError` there
 * when it names no model of the base).
 */
export interface RelationBuilder<C extends ColumnsShape> {
  /**
   * Many-to-one over one of this model's foreign-key columns: `r.manyToOne<User>().on('user_id')`. In two
   * steps so TypeScript infers the column (and its nullability) while the target type is given.
   */
  manyToOne<T extends object>(): ManyToOneOn<C, T>;
  /** One-to-many: the target's objects whose foreign key references this one: `r.oneToMany<Message>('Message')`. */
  oneToMany<T extends object>(target: string, options?: OneToManyOptions): Relation<T[], 'oneToMany'>;
  /** One-to-one from the referenced side: the target's object (at most one) whose foreign key references this one. */
  oneToOne<T extends object>(target: string, options?: OneToOneOptions): Relation<T | null, 'oneToOne'>;
  /** Many-to-many through an association model with a foreign key to each side. */
  manyToMany<T extends object>(target: string, options: ManyToManyOptions): Relation<T[], 'manyToMany'>;
}

function relation(kind: RelationKind, target: string | undefined, foreignKey: string | undefined, options: RelationOptions): Relation {
  if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
    throw new ConfigurationError(`r.${kind}(…): options must be an object, e.g. { backPopulates: 'user' }`);
  }
  return Object.freeze({ kind, target, foreignKey, options: Object.freeze({ ...(options ?? {}) }) }) as Relation;
}

/** The builder passed to a model's `relations` option. */
export const relationBuilder: RelationBuilder<ColumnsShape> = Object.freeze({
  manyToOne: () => ({
    on: (foreignKey: string, options?: ManyToOneOptions) => relation('manyToOne', undefined, foreignKey, options ?? {}),
  }),
  oneToMany: (target: string, options?: OneToManyOptions) => relation('oneToMany', target, options?.foreignKey, options ?? {}),
  oneToOne: (target: string, options?: OneToOneOptions) => relation('oneToOne', target, options?.foreignKey, options ?? {}),
  manyToMany: (target: string, options: ManyToManyOptions) => relation('manyToMany', target, options?.foreignKey, options ?? {}),
}) as unknown as RelationBuilder<ColumnsShape>;

// ---------------------------------------------------------------------------------------------------------
// types of model instances

/** What a model's relationships hold when loaded, as properties (`user.messages: Message[]`). */
export type RelationValues<R> = {
  -readonly [K in keyof R]: R[K] extends Relation<infer V, RelationKind, string> ? V : never;
};

/** `user.related`: each relationship as a promise that loads it when needed. */
export type RelatedLoaders<R> = {
  readonly [K in keyof R]: Promise<R[K] extends Relation<infer V, RelationKind, string> ? V : never>;
};

/** Foreign-key columns a many-to-one relationship can fill: optional when constructing an object. */
export type RelationForeignKeys<R> = {
  [K in keyof R]: R[K] extends Relation<unknown, 'manyToOne', infer F> ? F : never;
}[keyof R];

/** Relationship values accepted by a model's constructor: `new Message({ text, user })`. */
export type RelationInit<R> = {
  [K in keyof R]?: R[K] extends Relation<infer V, RelationKind, string> ? V : never;
};

// ---------------------------------------------------------------------------------------------------------
// runtime metadata

/** A relationship resolved against its models (on first use). */
export interface RelationMeta {
  readonly name: string;
  readonly kind: RelationKind;
  readonly owner: ModelMeta;
  readonly target: ModelMeta;
  /** True for one-to-many and many-to-many: the relation holds an array. */
  readonly toMany: boolean;
  /**
   * The foreign-key column: the owner's (many-to-one), the target's (one-to-many, one-to-one) or the
   * association model's column that references the owner (many-to-many).
   */
  readonly fk: ColumnMeta;
  /** Many-to-many: the association model and its column that references the target. */
  readonly through: ModelMeta | undefined;
  readonly targetKey: ColumnMeta | undefined;
  /** The mirrored relationship on the target (`backPopulates`). */
  back: RelationMeta | undefined;
  readonly orderBy: RelationOptions['orderBy'];
  readonly orphans: 'delete' | undefined;
}

/** Names a filter object uses for composition; no column or relationship may take them. */
export const RESERVED_FILTER_KEYS: ReadonlySet<string> = new Set(['or', 'and', 'not']);

const orderByRule: OptionRule = (v) =>
  typeof v === 'object' && v !== null ? undefined : "must be { column: 'asc' | 'desc' } or a list of them";

/** The options each kind takes: any other key (`backpopulates`, `secondary`, `orphan`) is refused, not ignored. */
const RELATION_OPTION_RULES: Readonly<Record<RelationKind, Readonly<Record<string, OptionRule>>>> = {
  manyToOne: { backPopulates: 'string' },
  oneToMany: { foreignKey: 'string', backPopulates: 'string', orderBy: orderByRule, orphans: 'string' },
  oneToOne: { foreignKey: 'string', backPopulates: 'string', orphans: 'string' },
  manyToMany: { through: 'string', foreignKey: 'string', targetKey: 'string', backPopulates: 'string', orderBy: orderByRule },
};

/** Checks a model's declared relationships at definition time (names, kinds, options); returns them. */
export function declareRelations(
  modelName: string,
  decls: unknown,
  columns: ReadonlyMap<string, ColumnMeta>,
  forbidden: ReadonlySet<string>,
): ReadonlyMap<string, Relation> {
  const out = new Map<string, Relation>();
  if (decls === undefined) return out;
  if (typeof decls !== 'object' || decls === null || Array.isArray(decls)) {
    throw new ConfigurationError(`model ${modelName}: relations must return an object of relationships`);
  }
  for (const name of Object.keys(decls)) {
    checkIdentifier(name, `relationship name of ${modelName}`);
    if (forbidden.has(name) || RESERVED_FILTER_KEYS.has(name) || name === 'related') {
      throw new IdentifierError(`model ${modelName}: relationship name ${name} is reserved`);
    }
    if (columns.has(name)) throw new IdentifierError(`model ${modelName}: relationship ${name} has the name of a column`);
    const r = (decls as Record<string, unknown>)[name] as Relation | undefined;
    if (!r || typeof r !== 'object' || !['manyToOne', 'oneToMany', 'oneToOne', 'manyToMany'].includes(r.kind)) {
      throw new ConfigurationError(`model ${modelName}: ${name} is not a relationship (use r.oneToMany(…), r.manyToOne().on(…), …)`);
    }
    if (r.kind === 'manyToOne') {
      const col = columns.get(String(r.foreignKey));
      if (!col || !col.config.references) {
        throw new ConfigurationError(`model ${modelName}: relationship ${name} needs a column declared with .references()`);
      }
    } else if (typeof r.target !== 'string' || r.target === '') {
      throw new ConfigurationError(`model ${modelName}: relationship ${name} needs the target model's name`);
    }
    checkOptions(`model ${modelName}: relationship ${name} (${r.kind})`, r.options, RELATION_OPTION_RULES[r.kind]);
    if (r.kind === 'manyToMany' && typeof r.options.through !== 'string') {
      throw new ConfigurationError(`model ${modelName}: many-to-many ${name} needs { through: 'AssociationModel' }`);
    }
    if (r.options.orphans !== undefined && r.options.orphans !== 'delete') {
      throw new ConfigurationError(`model ${modelName}: relationship ${name}: orphans must be 'delete' when given`);
    }
    out.set(name, r);
  }
  return out;
}

function referencedMeta(col: ColumnMeta, metaOf: (m: unknown) => ModelMeta, where: string): ModelMeta {
  const ref = col.config.references;
  if (!ref) throw new ConfigurationError(`${where}: column ${col.name} has no .references()`);
  let target: unknown;
  try {
    target = ref.model();
  } catch (e) {
    throw new ConfigurationError(`${where}: the model ${col.name} references is not defined yet`, { cause: e });
  }
  return metaOf(target);
}

/**
 * Resolves every relationship of every model of a declarative base (once, on first use): targets by name,
 * foreign keys, association models and back-populated pairs. Any inconsistency is a `ConfigurationError`.
 */
export function resolveRelations(models: readonly ModelMeta[], metaOf: (m: unknown) => ModelMeta): void {
  const byName = new Map(models.map((m) => [m.name, m]));
  const find = (name: string, where: string): ModelMeta => {
    const m = byName.get(name);
    if (!m) throw new ConfigurationError(`${where}: no model named ${name} in this declarative base`);
    return m;
  };
  const resolved = new Map<ModelMeta, Map<string, RelationMeta>>();
  const pending: [RelationMeta, Relation][] = [];
  for (const owner of models) {
    const map = new Map<string, RelationMeta>();
    for (const [name, r] of owner.relationDecls) {
      const where = `relationship ${owner.name}.${name}`;
      let target: ModelMeta;
      let fk: ColumnMeta;
      let through: ModelMeta | undefined;
      let targetKey: ColumnMeta | undefined;
      const refsTo = (m: ModelMeta, to: ModelMeta) =>
        m.userColumns.filter((c) => c.config.references && referencedMeta(c, metaOf, where) === to);
      const pick = (m: ModelMeta, named: string | undefined, to: ModelMeta, what: string): ColumnMeta => {
        if (named !== undefined) {
          const c = m.byName.get(named);
          if (!c || !c.config.references || referencedMeta(c, metaOf, where) !== to) {
            throw new ConfigurationError(`${where}: ${m.name}.${named} is not a column that references ${to.name}`);
          }
          return c;
        }
        const cands = refsTo(m, to);
        if (cands.length !== 1) {
          throw new ConfigurationError(
            `${where}: ${m.name} has ${cands.length} columns referencing ${to.name}; name the ${what} in the options`,
          );
        }
        return cands[0] as ColumnMeta;
      };
      switch (r.kind) {
        case 'manyToOne':
          fk = owner.byName.get(String(r.foreignKey)) as ColumnMeta;
          target = referencedMeta(fk, metaOf, where);
          break;
        case 'oneToMany':
        case 'oneToOne':
          target = find(String(r.target), where);
          fk = pick(target, r.options.foreignKey, owner, 'foreignKey');
          break;
        case 'manyToMany': {
          target = find(String(r.target), where);
          through = find(String(r.options.through), where);
          if (owner === target && (r.options.foreignKey === undefined || r.options.targetKey === undefined)) {
            throw new ConfigurationError(`${where}: a many-to-many of a model with itself needs foreignKey and targetKey`);
          }
          fk = pick(through, r.options.foreignKey, owner, 'foreignKey');
          targetKey = pick(through, r.options.targetKey, target, 'targetKey');
          if (fk === targetKey) throw new ConfigurationError(`${where}: foreignKey and targetKey are the same column`);
          break;
        }
      }
      const meta: RelationMeta = {
        name,
        kind: r.kind,
        owner,
        target,
        toMany: r.kind === 'oneToMany' || r.kind === 'manyToMany',
        fk,
        through,
        targetKey,
        back: undefined,
        orderBy: r.options.orderBy,
        orphans: r.options.orphans,
      };
      map.set(name, meta);
      pending.push([meta, r]);
    }
    resolved.set(owner, map);
  }
  for (const [meta, r] of pending) {
    const backName = r.options.backPopulates;
    if (backName === undefined) continue;
    const where = `relationship ${meta.owner.name}.${meta.name}`;
    const back = resolved.get(meta.target)?.get(backName);
    if (!back) throw new ConfigurationError(`${where}: backPopulates names ${meta.target.name}.${backName}, which is not a relationship`);
    const mirrors =
      back.target === meta.owner &&
      ((meta.kind === 'manyToOne' && (back.kind === 'oneToMany' || back.kind === 'oneToOne') && back.fk === meta.fk) ||
        ((meta.kind === 'oneToMany' || meta.kind === 'oneToOne') && back.kind === 'manyToOne' && back.fk === meta.fk) ||
        (meta.kind === 'manyToMany' && back.kind === 'manyToMany' && back.through === meta.through && back.fk === meta.targetKey));
    if (!mirrors)
      throw new ConfigurationError(`${where}: ${meta.target.name}.${backName} does not mirror it (same foreign key, opposite side)`);
    meta.back = back;
  }
  for (const [m, map] of resolved) m.relationsResolved = map;
}

// ---------------------------------------------------------------------------------------------------------
// per-object state

/** What a session offers the relationship accessors of its objects. */
export interface RelationHost {
  /** The mapped object of a row, if the session holds one (not expired). */
  findMapped(meta: ModelMeta, id: number): Entity | undefined;
  /** Loads a relationship for the object and every object loaded with it that lacks it. */
  lazyLoad(entity: Entity, rel: RelationMeta): Promise<void>;
  /** The session's objects (loaded and new) that have relationship `rel` loaded and holding `child`. */
  holders(child: Entity, rel: RelationMeta): Entity[];
}

/** The key under which a session exposes its {@link RelationHost}. */
export const RELATION_HOST = Symbol('litedao.relationHost');

function hostOf(e: Entity): RelationHost | undefined {
  const owner = entityState.owner(e) as Record<symbol, RelationHost> | undefined;
  return owner?.[RELATION_HOST];
}

function stateOf(e: Entity): RelationState {
  let st = entityState.rel(e);
  if (st === undefined) {
    st = { slots: undefined, group: undefined };
    entityState.setRel(e, st);
  }
  return st;
}

/** The loaded slot of a relation, or undefined. */
export function slotOf(e: Entity, name: string): RelationSlot | undefined {
  return entityState.rel(e)?.slots?.get(name);
}

/** Records a relation as loaded with `value` (and the same as the database: the snapshot follows). */
export function setLoaded(e: Entity, rel: RelationMeta, value: Entity | Entity[] | null): RelationSlot {
  const st = stateOf(e);
  if (st.slots === undefined) st.slots = new Map();
  const slot: RelationSlot = { value, snapshot: Array.isArray(value) ? value.slice() : value };
  st.slots.set(rel.name, slot);
  return slot;
}

/** Forgets a loaded relation (it will be loaded again on next use). */
export function unload(e: Entity, name: string): void {
  entityState.rel(e)?.slots?.delete(name);
}

/** Makes `members` one load group: a lazy load on any of them loads the relation for all. */
export function joinGroup(members: Entity[]): void {
  if (members.length === 0) return;
  const group: LoadGroup = { members, loading: new Map() };
  for (const e of members) stateOf(e).group = group;
}

/** The load group of an object (at least the object itself). */
export function groupOf(e: Entity): LoadGroup {
  const st = stateOf(e);
  if (st.group === undefined) st.group = { members: [e], loading: new Map() };
  return st.group;
}

/** True when a collection's members (or a reference) differ from what the database holds. */
export function slotChanged(slot: RelationSlot): boolean {
  const { value, snapshot } = slot;
  if (Array.isArray(value)) {
    if (!Array.isArray(snapshot) || snapshot.length !== value.length) return true;
    for (let i = 0; i < value.length; i++) if (value[i] !== snapshot[i]) return true;
    return false;
  }
  return value !== snapshot;
}

/** The object a relation was resolved for must be of the model the relation belongs to. */
function checkMember(rel: RelationMeta, v: unknown, path: (string | number)[]): void {
  if (typeof v !== 'object' || v === null || !(v instanceof rel.target.cls)) {
    throw new ValidationError(`${rel.owner.name}.${rel.name} holds ${rel.target.name} objects`, [
      { path, message: `expected a ${rel.target.name}` },
    ]);
  }
}

/** An object belongs to one open session: relating objects of two sessions is refused before anything changes. */
function checkSameSession(e: Entity, rel: RelationMeta, x: Entity): void {
  const mine = entityState.owner(e);
  const theirs = entityState.owner(x);
  if (mine !== undefined && theirs !== undefined && mine !== theirs) {
    throw new StateError(
      `${rel.owner.name}.${rel.name}: this ${rel.target.name} belongs to another open session than this ${rel.owner.name} (an object belongs to one session)`,
    );
  }
}

function notLoaded(e: Entity, rel: RelationMeta): StateError {
  const state = entityState.state(e);
  return new StateError(
    `${rel.owner.name}.${rel.name} is not loaded on this ${state} ${rel.owner.name}: ` +
      `use await obj.related.${rel.name}, or load it with select(${rel.owner.name}).with({ ${rel.name}: true })`,
  );
}

/** The value of a relation for a sync read: loaded, known without a query, or a StateError. */
function readRelation(e: Entity, rel: RelationMeta): Entity | Entity[] | null {
  const slot = slotOf(e, rel.name);
  if (slot !== undefined) return slot.value;
  const state = entityState.state(e);
  if (state === 'transient' || state === 'pending') {
    // A new object has no related rows in the database yet (a many-to-one may point at a stored one).
    if (rel.kind !== 'manyToOne') return setLoaded(e, rel, rel.toMany ? [] : null).value;
  }
  if (rel.kind === 'manyToOne') {
    const fk = (e as unknown as Record<string, unknown>)[rel.fk.name];
    if (fk === null || fk === undefined) return setLoaded(e, rel, null).value;
    if (typeof fk === 'number') {
      const found = hostOf(e)?.findMapped(rel.target, fk);
      if (found !== undefined) return setLoaded(e, rel, found).value;
    }
  }
  throw notLoaded(e, rel);
}

/** Removes `child` from a loaded collection (or clears a loaded one-to-one) of `parent`, if there. */
function detachFromBack(parent: Entity, back: RelationMeta, child: Entity): void {
  const slot = slotOf(parent, back.name);
  if (slot === undefined) return;
  if (Array.isArray(slot.value)) {
    const i = slot.value.indexOf(child);
    if (i >= 0) slot.value.splice(i, 1);
  } else if (slot.value === child) slot.value = null;
}

/** True when `parent`'s collection `back` is not loaded, or lists `child`. */
function holdsOrUnknown(parent: Entity, back: RelationMeta, child: Entity): boolean {
  const slot = slotOf(parent, back.name);
  if (slot === undefined) return true;
  return Array.isArray(slot.value) ? slot.value.includes(child) : slot.value === child;
}

/** Adds `child` to a loaded collection (or sets a loaded one-to-one) of `parent`, if not there. */
function attachToBack(parent: Entity, back: RelationMeta, child: Entity): void {
  const slot = slotOf(parent, back.name);
  const state = entityState.state(parent);
  if (slot === undefined) {
    // A new parent's collection is known (empty until now); a stored one's is not loaded: leave it.
    if (state === 'transient' || state === 'pending')
      setLoaded(parent, back, back.toMany ? [child] : child).snapshot = back.toMany ? [] : null;
    return;
  }
  if (Array.isArray(slot.value)) {
    if (!slot.value.includes(child)) slot.value.push(child);
  } else slot.value = child;
}

/**
 * Assigns a relation (the property setter): validates, keeps the foreign key and the mirrored side in step.
 * `fresh` is set for values given to a constructor: the object is brand new, in no collection yet.
 */
function writeRelation(e: Entity, rel: RelationMeta, v: unknown, fresh = false): void {
  const rec = e as unknown as Record<string, unknown>;
  if (rel.toMany) {
    if (!Array.isArray(v))
      throw new ValidationError(`${rel.owner.name}.${rel.name} is a list`, [{ path: [rel.name], message: 'expected an array' }]);
    v.forEach((x, i) => {
      checkMember(rel, x, [rel.name, i]);
    });
    for (const x of v) checkSameSession(e, rel, x as Entity);
    let slot = slotOf(e, rel.name);
    if (slot === undefined) {
      const state = entityState.state(e);
      if (state !== 'transient' && state !== 'pending') {
        throw new StateError(
          `${rel.owner.name}.${rel.name} must be loaded before it is replaced (await obj.related.${rel.name}), so commit knows what was removed`,
        );
      }
      slot = setLoaded(e, rel, []);
    }
    slot.value = v as Entity[];
    return;
  }
  if (v !== null) {
    checkMember(rel, v, [rel.name]);
    checkSameSession(e, rel, v as Entity);
  }
  const target = v as Entity | null;
  let slot = slotOf(e, rel.name);
  if (rel.kind === 'oneToOne') {
    if (slot === undefined) {
      const state = entityState.state(e);
      if (state !== 'transient' && state !== 'pending') {
        throw new StateError(`${rel.owner.name}.${rel.name} must be loaded before it is replaced (await obj.related.${rel.name})`);
      }
      slot = setLoaded(e, rel, null);
    }
    slot.value = target;
    return;
  }
  // many-to-one: the mirrored collections of the old and new parents follow at once, where loaded.
  const known = slot !== undefined;
  const old = slot?.value as Entity | null | undefined;
  if (slot === undefined) {
    slot = setLoaded(e, rel, null);
    slot.snapshot = undefined; // unknown: compared by the foreign key at commit
  }
  slot.value = target;
  slot.assigned = true;
  if (rel.back) {
    // The reference is known and its parent's collection (where loaded) still lists the object: only that one
    // gives it up (an object pushed into a second collection as well follows the commit's documented rule). A
    // known null is not enough: the object may have been pushed into a collection since.
    const current = known && old !== null && old !== undefined && holdsOrUnknown(old, rel.back, e);
    if (current) {
      if (old !== target) detachFromBack(old, rel.back, e);
    } else if (!fresh) {
      // The previous parent is not loaded here: the session knows which of its objects hold this one (a new
      // object may have been pushed into a collection before this assignment).
      const host = hostOf(e) ?? (target ? hostOf(target) : undefined);
      if (host === undefined) slot.blind = true;
      for (const holder of host?.holders(e, rel.back) ?? []) if (holder !== target) detachFromBack(holder, rel.back, e);
    }
    if (target) attachToBack(target, rel.back, e);
  }
  if (target === null) {
    if (rel.fk.nullable) rec[rel.fk.name] = null;
  } else {
    const id = (target as unknown as { id: unknown }).id;
    if (typeof id === 'number' && entityState.state(target) !== 'transient' && entityState.state(target) !== 'pending')
      rec[rel.fk.name] = id;
  }
}

/** Sets relationship values given to a model's constructor (`new Message({ text, user })`). */
export function assignInitial(e: Entity, meta: ModelMeta, values: readonly [string, unknown][], metaOf: (m: unknown) => ModelMeta): void {
  const rels = relationsOf(meta, metaOf);
  for (const [name, v] of values) writeRelation(e, rels.get(name) as RelationMeta, v, true);
}

/** The promise `obj.related.name` returns: the loaded value, loading it first when needed. */
function relatedValue(e: Entity, rel: RelationMeta): Promise<Entity | Entity[] | null> {
  try {
    return Promise.resolve(readRelation(e, rel));
  } catch (error) {
    if (!(error instanceof StateError)) return Promise.reject(error);
  }
  const host = hostOf(e);
  const state = entityState.state(e);
  if (host === undefined || state === 'detached') {
    return Promise.reject(
      new StateError(`${rel.owner.name}.${rel.name} cannot be loaded: this ${rel.owner.name} is ${state}, in no open session`),
    );
  }
  return host.lazyLoad(e, rel).then(() => {
    const slot = slotOf(e, rel.name);
    if (slot === undefined) throw notLoaded(e, rel);
    return slot.value;
  });
}

/** The resolved relations of a model (resolving the whole base on first use). */
export function relationsOf(meta: ModelMeta, metaOf: (m: unknown) => ModelMeta): ReadonlyMap<string, RelationMeta> {
  if (meta.relationsResolved === undefined) {
    resolveRelations(
      meta.metadata.models.map((m) => metaOf(m)),
      metaOf,
    );
  }
  return meta.relationsResolved as ReadonlyMap<string, RelationMeta>;
}

/**
 * Installs a model's relationship properties on its prototype (`obj.messages`, read and assigned) and the
 * `related` accessor (`await obj.related.messages`). Prototype accessors: `Object.keys(obj)`, spreading and
 * `toDict()` still show columns only.
 */
export function installRelationAccessors(cls: { prototype: object }, meta: ModelMeta, metaOf: (m: unknown) => ModelMeta): void {
  const rel = (name: string) => relationsOf(meta, metaOf).get(name) as RelationMeta;
  const loaders: PropertyDescriptorMap = {};
  for (const name of meta.relationDecls.keys()) {
    Object.defineProperty(cls.prototype, name, {
      configurable: true,
      enumerable: false,
      get(this: Entity) {
        return readRelation(this, rel(name));
      },
      set(this: Entity, v: unknown) {
        writeRelation(this, rel(name), v);
      },
    });
    loaders[name] = {
      enumerable: true,
      get(this: { readonly entity: Entity }) {
        return relatedValue(this.entity, rel(name));
      },
    };
  }
  const Related = function Related(this: { entity: Entity }, entity: Entity) {
    this.entity = entity;
  } as unknown as new (
    entity: Entity,
  ) => object;
  Object.defineProperties(Related.prototype, loaders);
  Object.defineProperty(cls.prototype, 'related', {
    configurable: true,
    enumerable: false,
    get(this: Entity) {
      return new Related(this);
    },
  });
}

/** True when the object has a flag that makes its values untrustworthy for relation bookkeeping. */
export function isExpired(e: Entity): boolean {
  return (entityState.flags(e) & ENTITY_FLAGS.expired) !== 0;
}
