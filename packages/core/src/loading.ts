/**
 * Loading relationships without N+1: select-in loading (SQLAlchemy's `selectinload`). Each relationship of
 * each level is ONE statement for all the parents at once, their keys bound as ONE JSON parameter:
 *
 * ```sql
 * SELECT … FROM "messages" WHERE "user_id" IN (SELECT value FROM json_each(?)) ORDER BY …
 * ```
 *
 * So `select(User).with({ messages: { with: { replies: true } } })` sends 3 statements for any number of
 * users, under D1's 100-parameter limit, and the select list is the plain column list — no function takes
 * more than a few arguments (D1 allows 32), whatever the number of columns (Drizzle's relational queries build
 * one `json_object(…)` with two arguments per column, which breaks there beyond 16 columns). A per-parent
 * `limit` uses `row_number() OVER (PARTITION BY parent …)`.
 *
 * Lazy loading (`await user.related.messages`) runs the same statement for every object the first statement
 * loaded together with `user` that does not have the relation yet: a loop over 100 users costs one statement.
 * Loaded objects go through the session's identity map like any other read.
 */

import type { EntityFilters } from './compile.ts';
import { type CompiledWhere, compileOrder, compileWhere, isPlainObject, type OrderByRow } from './compile.ts';
import type { DriverLimits, SqlValue, Statement, StatementResult } from './driver.ts';
import { type Entity, entityState } from './entity.ts';
import { DataIntegrityError, ValidationError, type ValidationIssue } from './errors.ts';
import { type ColumnMeta, type ModelMeta, metaOf, type RelationsOfEntity, type RowOfEntity } from './model-meta.ts';
import {
  groupOf,
  joinGroup,
  type Relation,
  type RelationKind,
  type RelationMeta,
  relationsOf,
  setLoaded,
  slotChanged,
  slotOf,
} from './relations.ts';

// biome-ignore lint/suspicious/noExplicitAny: any relation
type ElementOf<R> = R extends Relation<infer V, RelationKind, any> ? (V extends readonly (infer T)[] ? T : NonNullable<V>) : never;

/** How to load one relationship: its filters, order, a per-parent window, and what to load below it. */
export interface WithOptions<T> {
  /** Only related objects matching these filters (the relation then holds the filtered set). */
  readonly where?: EntityFilters<T>;
  /** Order of a collection (default: the declared `orderBy`, else `id`). */
  readonly orderBy?: OrderByRow<RowOfEntity<T>>;
  /** At most this many related objects per parent (collections). */
  readonly limit?: number;
  /** Skip this many related objects per parent (collections). */
  readonly offset?: number;
  /** Relationships of the related objects to load too. */
  readonly with?: WithSpec<T>;
}

/** Relationships to load eagerly: `{ messages: true, profile: { with: { avatar: true } } }`. */
export type WithSpec<E> = {
  readonly [K in keyof RelationsOfEntity<E>]?: true | WithOptions<ElementOf<RelationsOfEntity<E>[K]>>;
};

/** A validated {@link WithSpec} node, compiled once before any statement is sent. */
export interface WithNode {
  readonly rel: RelationMeta;
  readonly where: CompiledWhere;
  readonly order: string;
  readonly limit: number | undefined;
  readonly offset: number | undefined;
  readonly children: readonly WithNode[];
}

const WITH_OPTIONS = new Set(['where', 'orderBy', 'limit', 'offset', 'with']);

/**
 * Validates a `with` spec against the model's relationships and compiles every level's filters and order,
 * so bad input anywhere is one ValidationError before anything is sent.
 */
export function compileWith(meta: ModelMeta, spec: unknown, limits: DriverLimits): WithNode[] {
  const issues: ValidationIssue[] = [];
  const nodes = compileLevel(meta, spec, limits, issues, []);
  if (issues.length) throw new ValidationError(`invalid with() for ${meta.name}`, issues);
  return nodes;
}

function count(v: unknown, path: (string | number)[], issues: ValidationIssue[]): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    issues.push({ path, message: 'expected a non-negative integer' });
    return undefined;
  }
  return v;
}

function compileLevel(
  meta: ModelMeta,
  spec: unknown,
  limits: DriverLimits,
  issues: ValidationIssue[],
  at: (string | number)[],
): WithNode[] {
  if (!isPlainObject(spec)) {
    issues.push({ path: at, message: 'expected { relationship: true | { where, orderBy, limit, offset, with } }' });
    return [];
  }
  const nodes: WithNode[] = [];
  const rels = Object.keys(spec).length ? relationsOf(meta, metaOf) : undefined;
  for (const name of Object.keys(spec)) {
    const path = [...at, name];
    const rel = meta.relationDecls.has(name) ? rels?.get(name) : undefined;
    if (!rel) {
      issues.push({ path, message: `unknown relationship of ${meta.name}` });
      continue;
    }
    const opt = spec[name];
    if (opt === true) {
      nodes.push(node(rel, undefined, limits, issues, path));
      continue;
    }
    if (!isPlainObject(opt)) {
      issues.push({ path, message: 'expected true or an options object' });
      continue;
    }
    for (const k of Object.keys(opt)) if (!WITH_OPTIONS.has(k)) issues.push({ path: [...path, k], message: 'unknown option' });
    nodes.push(node(rel, opt, limits, issues, path));
  }
  return nodes;
}

function node(
  rel: RelationMeta,
  opt: Record<string, unknown> | undefined,
  limits: DriverLimits,
  issues: ValidationIssue[],
  path: (string | number)[],
): WithNode {
  let where: CompiledWhere = { key: '', sql: '', params: [] };
  try {
    where = compileWhere(rel.target, opt?.where, limits, `where of ${rel.owner.name}.${rel.name}`);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    for (const i of e.issues) issues.push({ ...i, path: [...path, 'where', ...i.path] });
  }
  if (!rel.toMany && opt && (opt.limit !== undefined || opt.offset !== undefined || opt.orderBy !== undefined)) {
    issues.push({ path, message: 'orderBy, limit and offset apply to collections (one-to-many, many-to-many)' });
  }
  let order = '';
  try {
    order = orderSql(rel, opt?.orderBy);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    for (const i of e.issues) issues.push({ ...i, path: [...path, ...i.path] });
  }
  const limit = count(opt?.limit, [...path, 'limit'], issues);
  const offset = count(opt?.offset, [...path, 'offset'], issues);
  const children = opt?.with === undefined ? [] : compileLevel(rel.target, opt.with, limits, issues, [...path, 'with']);
  return { rel, where, order, limit, offset, children };
}

/** `ORDER BY` list of a collection: the given order, else the declared one, then `id` for a stable order. */
function orderSql(rel: RelationMeta, given: unknown): string {
  const t = rel.target;
  const idOrder = `${t.quotedTable}."id" ASC`;
  const spec = given ?? rel.orderBy;
  const { sql } = compileOrder(t, spec);
  const list = sql === '' ? '' : sql.slice(' ORDER BY '.length);
  if (list === '') return idOrder;
  const entries = Array.isArray(spec) ? spec : [spec];
  const hasId = entries.some((e) => isPlainObject(e) && Object.hasOwn(e, 'id'));
  return hasId ? list : `${list}, ${idOrder}`;
}

/** A JSON array of distinct integer keys: the one bound parameter of a select-in statement. */
function keysJson(keys: Iterable<number>): string {
  let out = '';
  for (const k of keys) out += out === '' ? String(k) : `,${k}`;
  return `[${out}]`;
}

const PARENT = '"litedao:parent"';
const ROW_NUMBER = '"litedao:rn"';

/**
 * The select-in statement of one relationship level: the target's rows for every parent key in one JSON
 * parameter. Rows carry the parent key at the end where the target's own columns do not hold it
 * (many-to-many, and windowed collections).
 */
export function relationStatement(n: WithNode, keys: Iterable<number>): { statement: Statement; parentAt: number | undefined } {
  const { rel, where } = n;
  const t = rel.target;
  const cond = where.sql === '' ? '' : ` AND (${where.sql.slice(' WHERE '.length)})`;
  const params: SqlValue[] = [keysJson(keys), ...where.params];
  const width = t.columns.length;
  const cols = t.columnNames;
  let sql: string;
  let parentAt: number | undefined;
  let parentExpr: string;
  let from: string;
  switch (rel.kind) {
    case 'manyToOne':
      sql = `SELECT ${t.selectList} FROM ${t.quotedTable} WHERE "id" IN (SELECT value FROM json_each(?))${cond}`;
      return { statement: { sql, params, returnsRows: true, columns: cols, readOnly: true }, parentAt: undefined };
    case 'oneToMany':
    case 'oneToOne':
      parentExpr = `${t.quotedTable}.${rel.fk.quoted}`;
      from = `FROM ${t.quotedTable} WHERE ${rel.fk.quoted} IN (SELECT value FROM json_each(?))${cond}`;
      break;
    case 'manyToMany': {
      const through = rel.through as ModelMeta;
      const tk = rel.targetKey as ColumnMeta;
      parentExpr = `"litedao:j".${PARENT}`;
      from =
        `FROM ${t.quotedTable} JOIN (SELECT ${rel.fk.quoted} AS ${PARENT}, ${tk.quoted} AS "litedao:child" FROM ${through.quotedTable} ` +
        `WHERE ${rel.fk.quoted} IN (SELECT value FROM json_each(?))) AS "litedao:j" ON ${t.quotedTable}."id" = "litedao:j"."litedao:child"` +
        (cond === '' ? '' : ` WHERE ${cond.slice(' AND '.length)}`);
      break;
    }
  }
  const windowed = rel.toMany && (n.limit !== undefined || n.offset !== undefined);
  if (!windowed) {
    const extra = rel.kind === 'manyToMany' ? `, ${parentExpr} AS ${PARENT}` : '';
    sql = `SELECT ${t.selectList}${extra} ${from} ORDER BY ${n.order}`;
    parentAt = rel.kind === 'manyToMany' ? width : undefined;
  } else {
    // One window per parent: rows numbered in the collection's order, then cut to [offset, offset + limit).
    const inner = `SELECT ${t.selectList}, ${parentExpr} AS ${PARENT}, row_number() OVER (PARTITION BY ${parentExpr} ORDER BY ${n.order}) AS ${ROW_NUMBER} ${from}`;
    const lo = n.offset ?? 0;
    const bound = n.limit === undefined ? '' : ` AND ${ROW_NUMBER} <= ?`;
    sql = `SELECT ${t.columns.map((c) => c.quoted).join(', ')}, ${PARENT} FROM (${inner}) WHERE ${ROW_NUMBER} > ?${bound} ORDER BY ${PARENT}, ${ROW_NUMBER}`;
    params.push(lo);
    if (n.limit !== undefined) params.push(lo + n.limit);
    parentAt = width;
  }
  return {
    statement: { sql, params, returnsRows: true, columns: parentAt === undefined ? cols : [...cols, 'litedao:parent'], readOnly: true },
    parentAt,
  };
}

/** What the loader needs from its session. */
export interface LoaderHost {
  execute(statement: Statement): Promise<StatementResult>;
  /** The session's object for a stored row (identity map rules), or undefined when its deletion is pending. */
  loadRow(meta: ModelMeta, raw: readonly SqlValue[]): Entity | undefined;
}

function idOf(e: Entity): number {
  return (e as unknown as { id: number }).id;
}

/**
 * Loads the relationships of `nodes` for `parents`: one statement per node (none when there is no key),
 * then the level below for the objects just loaded.
 */
export async function loadNodes(host: LoaderHost, parents: readonly Entity[], nodes: readonly WithNode[]): Promise<void> {
  for (const n of nodes) {
    const children = await loadNode(host, parents, n);
    if (n.children.length && children.length) await loadNodes(host, children, n.children);
  }
}

/** Loads one relationship for `parents`; returns the distinct related objects (for the next level). */
async function loadNode(host: LoaderHost, parents: readonly Entity[], n: WithNode): Promise<Entity[]> {
  const { rel } = n;
  const keys = new Set<number>();
  for (const p of parents) {
    const k = rel.kind === 'manyToOne' ? (p as unknown as Record<string, unknown>)[rel.fk.name] : idOf(p);
    if (typeof k === 'number') keys.add(k);
  }
  const byParent = new Map<number, Entity[]>();
  const loaded: Entity[] = [];
  if (keys.size > 0) {
    const { statement, parentAt } = relationStatement(n, keys);
    const res = await host.execute(statement);
    const seen = new Set<Entity>();
    const width = rel.target.columns.length;
    for (const raw of res.rows) {
      const row = parentAt === undefined ? raw : raw.slice(0, width);
      const e = host.loadRow(rel.target, row);
      const parentKey =
        rel.kind === 'manyToOne'
          ? idOf(e ?? ({ id: raw[0] } as unknown as Entity))
          : parentAt === undefined
            ? (raw[rel.fk.position] as number)
            : (raw[parentAt] as number);
      if (e === undefined) continue;
      if (!seen.has(e)) {
        seen.add(e);
        loaded.push(e);
      }
      let list = byParent.get(parentKey);
      if (list === undefined) {
        list = [];
        byParent.set(parentKey, list);
      }
      if (rel.kind !== 'manyToMany' || !list.includes(e)) list.push(e);
    }
    joinGroup(loaded.slice());
  }
  for (const p of parents) {
    const slot = slotOf(p, rel.name);
    // A relation the caller changed and has not committed keeps the caller's version (as columns do).
    if (slot !== undefined && slotChanged(slot)) continue;
    let value: Entity | Entity[] | null;
    if (rel.kind === 'manyToOne') {
      const fk = (p as unknown as Record<string, unknown>)[rel.fk.name];
      value = typeof fk === 'number' ? (byParent.get(fk)?.[0] ?? null) : null;
    } else {
      const list = byParent.get(idOf(p)) ?? [];
      if (rel.toMany) value = list;
      else {
        if (list.length > 1) {
          throw new DataIntegrityError(
            `${rel.target.tableName}.${rel.fk.name} holds ${list.length} rows for ${rel.owner.tableName} id ${idOf(p)}, but ${rel.owner.name}.${rel.name} is one-to-one; make the column unique`,
          );
        }
        value = list[0] ?? null;
      }
    }
    setLoaded(p, rel, value);
    // The mirrored many-to-one of each child points back at its parent: no query needed later.
    const back = rel.back;
    if (back && back.kind === 'manyToOne' && value !== null) {
      for (const c of Array.isArray(value) ? value : [value]) {
        const cs = slotOf(c, back.name);
        if (cs === undefined || !slotChanged(cs)) setLoaded(c, back, p);
      }
    }
  }
  return loaded;
}

/** The plain node of a relationship (lazy loading: no filters, the declared order). */
export function plainNode(rel: RelationMeta): WithNode {
  return {
    rel,
    where: { key: '', sql: '', params: [] },
    order: orderSql(rel, undefined),
    limit: undefined,
    offset: undefined,
    children: [],
  };
}

/**
 * Lazy loading: the relationship for `entity` and every object of its load group that belongs to the same
 * session, is persistent and lacks it — one statement, shared by concurrent awaits.
 */
export function lazyLoad(
  host: LoaderHost,
  owner: object,
  entity: Entity,
  rel: RelationMeta,
  find: (meta: ModelMeta, id: number) => Entity | undefined,
): Promise<void> {
  const group = groupOf(entity);
  const inFlight = group.loading.get(rel.name);
  if (inFlight) return inFlight;
  const candidates: Entity[] = [];
  for (const e of group.members.includes(entity) ? group.members : [entity, ...group.members]) {
    if (entityState.owner(e) !== owner || !(e instanceof rel.owner.cls)) continue;
    const st = entityState.state(e);
    if (st !== 'persistent' && !(st === 'pending' && rel.kind === 'manyToOne')) continue;
    if (slotOf(e, rel.name) !== undefined) continue;
    if (rel.kind === 'manyToOne') {
      // The identity map answers many-to-one references it holds, without SQL.
      const fk = (e as unknown as Record<string, unknown>)[rel.fk.name];
      const known = typeof fk === 'number' ? find(rel.target, fk) : undefined;
      if (fk === null || fk === undefined) {
        setLoaded(e, rel, null);
        continue;
      }
      if (known !== undefined) {
        setLoaded(e, rel, known);
        continue;
      }
    }
    candidates.push(e);
  }
  if (candidates.length === 0) return Promise.resolve();
  const run = loadNode(host, candidates, plainNode(rel)).then(
    () => undefined,
    (error) => {
      throw error;
    },
  );
  const done = run.finally(() => {
    group.loading.delete(rel.name);
  });
  group.loading.set(rel.name, done);
  return done;
}
