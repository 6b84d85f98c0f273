/**
 * Queueing `updateWhere` calls (see `Session.updateWhere`).
 *
 * Consecutive calls of one shape join one queued operation ({@link UpdateRun}): each adds its values and its
 * result, nothing else. The common call — one column equal to a value, and plain values for plain columns —
 * is checked and queued by {@link queueSimpleUpdate} without the general path's intermediate objects (key
 * arrays, issue lists, compiled clauses): 10,000 queued updates by id allocated ≈ 730 bytes each before,
 * garbage the collector then had to sweep while the queue it holds was growing.
 */
import { eqWhereSql, isPlainObject } from './compile.ts';
import type { SqlValue } from './driver.ts';
import { isColumnExpression } from './expressions.ts';
import type { ColumnMeta, ModelMeta } from './model-meta.ts';
import { generalValue, REFUSED } from './row-encoder.ts';
import type { Op } from './unit-of-work.ts';
import { cachedUpdateShape, type UpdateShape } from './validate.ts';
import { WriteResult } from './write-result.ts';

/** A WHERE clause's shape key and SQL, one object per model and shape, shared by every queued update of it. */
export interface WhereShape {
  readonly key: string;
  readonly sql: string;
}

const whereShapes = new WeakMap<ModelMeta, Map<string, WhereShape>>();

/** The shared {@link WhereShape} of a compiled WHERE clause (its key and SQL). */
export function whereShapeOf(meta: ModelMeta, key: string, sql: string): WhereShape {
  let byKey = whereShapes.get(meta);
  if (byKey === undefined) {
    byKey = new Map();
    whereShapes.set(meta, byKey);
  }
  let shape = byKey.get(key);
  if (shape === undefined || shape.sql !== sql) {
    shape = { key, sql };
    byKey.set(key, shape);
  }
  return shape;
}

/**
 * The last queued operation when it is an open run of this shape taking `width` values per call (the call
 * then only adds its values and result), else undefined.
 */
function openRun(ops: Op[], meta: ModelMeta, update: UpdateShape, where: WhereShape, width: number) {
  const last = ops[ops.length - 1];
  return last !== undefined &&
    last.kind === 'updateWhere' &&
    last.open &&
    last.meta === meta &&
    last.update === update &&
    last.where === where &&
    last.width === width
    ? last
    : undefined;
}

/** Queues one checked update: its SET values `set`, then its WHERE values `by`. */
export function queueUpdate(
  ops: Op[],
  meta: ModelMeta,
  update: UpdateShape,
  set: readonly SqlValue[],
  where: WhereShape,
  by: readonly SqlValue[],
): WriteResult {
  const result = new WriteResult();
  const run = openRun(ops, meta, update, where, set.length + by.length);
  if (run !== undefined) {
    const params = run.params;
    for (let i = 0; i < set.length; i++) params.push(set[i] as SqlValue);
    for (let i = 0; i < by.length; i++) params.push(by[i] as SqlValue);
    run.results.push(result);
    return result;
  }
  const params = set.concat(by);
  ops.push({ kind: 'updateWhere', meta, update, where, width: params.length, params, results: [result], open: true });
  return result;
}

/**
 * Queues `updateWhere(meta, filters, values)` when it is the common case — `filters` one own key, a column
 * other than a timestamp, equal to a value that is not an object; `values` only own keys of plain columns of
 * the model with values they store as they are (`null` where nullable, no {@link increment}), a shape updated
 * before — and returns its result. Anything else returns undefined having queued nothing and thrown nothing:
 * the caller runs the general checks (`compileWhere`, `encodeUpdate`), which decide and report. Every value is
 * read once and checked by the same functions the general path uses, so the two can only agree.
 */
export function queueSimpleUpdate(ops: Op[], meta: ModelMeta, filters: unknown, values: unknown): WriteResult | undefined {
  if (!isPlainObject(filters) || !isPlainObject(values)) return undefined;
  // One key, own (for…in also lists inherited enumerable keys, which the general path refuses to guess about).
  let key: string | undefined;
  for (const k in filters) {
    if (key !== undefined) return undefined;
    key = k;
  }
  if (key === undefined || !Object.hasOwn(filters, key)) return undefined;
  const col = meta.byName.get(key);
  if (col === undefined || col.kind === 'timestamp') return undefined;
  const cond = filters[key];
  if (typeof cond === 'object' || cond === undefined) return undefined;
  const by = generalValue(col, cond);
  if (by === REFUSED) return undefined;

  // The SET columns: counted over for…in, then taken in declaration order (the order of the shape and values).
  let count = 0;
  let first: ColumnMeta | undefined;
  for (const k in values) {
    const c = meta.byName.get(k);
    if (c === undefined || c.managed) return undefined;
    first ??= c;
    count++;
  }
  if (first === undefined) return undefined;
  let shapeKey: string;
  let set: SqlValue | SqlValue[];
  if (count === 1) {
    if (!Object.hasOwn(values, first.name)) return undefined;
    const v = setValue(first, values[first.name]);
    if (v === REFUSED) return undefined;
    shapeKey = first.setKey;
    set = v;
  } else {
    const user = meta.userColumns;
    const out: SqlValue[] = new Array(count);
    let at = 0;
    shapeKey = '';
    for (let i = 0; i < user.length && at < count; i++) {
      const c = user[i] as ColumnMeta;
      if (c.managed || !Object.hasOwn(values, c.name)) continue;
      const v = setValue(c, values[c.name]);
      if (v === REFUSED) return undefined;
      out[at++] = v;
      shapeKey += c.setKey;
    }
    // Fewer own columns than for…in listed: an inherited key.
    if (at !== count) return undefined;
    set = out;
  }
  // A shape's first update goes the general way, which builds and caches it.
  const update = cachedUpdateShape(meta, shapeKey);
  if (update === undefined) return undefined;
  const where = whereShapeOf(meta, col.eqKey, eqWhereSql(meta, col));

  if (count !== 1) return queueUpdate(ops, meta, update, set as SqlValue[], where, [by]);
  // One SET value and one WHERE value: joined or queued without an array of this call's own.
  const result = new WriteResult();
  const run = openRun(ops, meta, update, where, 2);
  if (run !== undefined) {
    run.params.push(set as SqlValue, by);
    run.results.push(result);
    return result;
  }
  ops.push({ kind: 'updateWhere', meta, update, where, width: 2, params: [set as SqlValue, by], results: [result], open: true });
  return result;
}

/** A SET value the general path stores as it is, encoded; REFUSED for anything it would treat otherwise. */
function setValue(col: ColumnMeta, v: unknown): SqlValue | typeof REFUSED {
  if (v === null) return col.nullable ? null : REFUSED;
  // undefined (skipped by the general path, "nothing to update" when all are) and increment() go that way.
  if (v === undefined || (typeof v === 'object' && isColumnExpression(v))) return REFUSED;
  return generalValue(col, v);
}
