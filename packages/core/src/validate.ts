/**
 * The one write path's checks: each value is validated and encoded once, by the codec, with issues collected
 * (not thrown) so a whole unit of work is checked before anything is written.
 */
import type * as z from 'zod';
import { EncodeIssue, encoders } from './codec.ts';
import type { SqlValue } from './driver.ts';
import { ValidationError, type ValidationIssue } from './errors.ts';
import { isColumnExpression } from './expressions.ts';
import type { ColumnMeta, ModelMeta } from './model-meta.ts';
import { deepCopy } from './platform.ts';

/** Turns zod issues into litedao's issue shape. */
export function zodIssues(error: z.ZodError, prefix: readonly (string | number)[] = []): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: i.message,
    code: i.code,
  }));
}

/** Validates with zod or throws ValidationError; returns the parsed value. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string, prefix: readonly (string | number)[] = []): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(what, zodIssues(r.error, prefix));
  return r.data;
}

/**
 * Validates and encodes one non-null value of a column: the codec's checks (which the derived zod schema
 * mirrors), then the column's own `.check()` schema. Pushes issues at `path` instead of throwing.
 */
export function encodeValue(col: ColumnMeta, value: unknown, issues: ValidationIssue[], path: readonly (string | number)[]): SqlValue {
  try {
    const out = encoders[col.kind](value);
    if (col.config.schema) {
      const r = col.config.schema.safeParse(value);
      if (!r.success) issues.push(...zodIssues(r.error, path));
    }
    return out;
  } catch (e) {
    if (e instanceof EncodeIssue) {
      issues.push({ path, message: e.message });
      return null;
    }
    throw e;
  }
}

/**
 * Encodes one value of a column (null allowed only when the column is nullable), pushing an issue instead of
 * throwing so a whole unit of work can be checked before anything is written.
 */
export function encodeColumn(col: ColumnMeta, value: unknown, issues: ValidationIssue[], path: readonly (string | number)[]): SqlValue {
  if (value === null || value === undefined) {
    if (value === null && col.nullable) return null;
    issues.push({ path: [...path, col.name], message: value === undefined ? 'required' : 'must not be null' });
    return null;
  }
  return encodeValue(col, value, issues, [...path, col.name]);
}

/** Checks a primary-key value given by a caller. */
export function checkId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    throw new ValidationError(`invalid ${what}`, [{ path: ['id'], message: 'expected a safe integer id' }]);
  }
  return id;
}

/**
 * The value a new row gets for a column: the given one, else the column's default, else null for a nullable
 * column. Validated (issues collected, not thrown) and encoded.
 */
export function insertValue(
  col: ColumnMeta,
  given: Record<string, unknown>,
  issues: ValidationIssue[],
  path: readonly (string | number)[],
): { value: unknown; encoded: SqlValue } {
  let value = Object.hasOwn(given, col.name) ? given[col.name] : undefined;
  if (value === undefined) {
    const def = col.config.default;
    // A constant object default (`t.json().default({})`, a blob) is cloned per row: two new objects must never
    // share one mutable value.
    value = col.config.hasDefault
      ? typeof def === 'function'
        ? (def as () => unknown)()
        : typeof def === 'object' && def !== null
          ? deepCopy(def)
          : def
      : col.nullable
        ? null
        : undefined;
  }
  return { value, encoded: encodeColumn(col, value, issues, path) };
}

/**
 * Issues for keys that are not declared columns of the model (`__proto__`, `constructor`, typos) and for the
 * base columns litedao owns. Keys are looked up in a Map, never with `in`.
 */
export function checkKeys(meta: ModelMeta, values: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const k of Object.keys(values)) {
    const c = meta.byName.get(k);
    if (!c) issues.push({ path: [k], message: `unknown column of ${meta.name}`, code: 'unrecognized_keys' });
    else if (c.managed && values[k] !== undefined) issues.push({ path: [k], message: `${k} is managed by litedao and cannot be set` });
  }
  return issues;
}

/** The validated, encoded SET part of an UPDATE: which columns, how (`=` a value or `+` an amount), and the values. */
export interface EncodedUpdate {
  readonly cols: readonly ColumnMeta[];
  /** Per column: false for `col = ?`, true for `col = col + ?`. */
  readonly adds: readonly boolean[];
  readonly params: SqlValue[];
  /** The shape: column names and operators, never values (SQL cache key). */
  readonly key: string;
}

/**
 * Validates and encodes the values of an update (plain values and {@link increment} expressions), pushing
 * issues at `path`. Unknown and managed columns are issues; so is an empty update.
 */
export function encodeUpdate(
  meta: ModelMeta,
  values: unknown,
  issues: ValidationIssue[],
  path: readonly (string | number)[],
): EncodedUpdate {
  const cols: ColumnMeta[] = [];
  const adds: boolean[] = [];
  const params: SqlValue[] = [];
  let key = '';
  if (
    values === null ||
    typeof values !== 'object' ||
    Array.isArray(values) ||
    (Object.getPrototypeOf(values) !== Object.prototype && Object.getPrototypeOf(values) !== null)
  ) {
    issues.push({ path, message: 'expected a plain object of column → value' });
    return { cols, adds, params, key };
  }
  const record = values as Record<string, unknown>;
  for (const issue of checkKeys(meta, record)) issues.push({ ...issue, path: [...path, ...issue.path] });
  for (const c of meta.userColumns) {
    if (!Object.hasOwn(record, c.name) || c.managed) continue;
    const v = record[c.name];
    if (v === undefined) continue;
    cols.push(c);
    if (isColumnExpression(v)) {
      adds.push(true);
      key += `${c.name}+,`;
      if (c.kind !== 'integer' && c.kind !== 'real' && c.kind !== 'bigint') {
        issues.push({ path: [...path, c.name], message: `increment() applies to integer, real and bigint columns, not ${c.kind}` });
        params.push(null);
      } else params.push(encodeColumn({ ...c, nullable: false } as ColumnMeta, v.amount, issues, path));
    } else {
      adds.push(false);
      key = key === '' ? c.setKey : key + c.setKey;
      params.push(encodeColumn(c, v, issues, path));
    }
  }
  if (cols.length === 0 && issues.length === 0) issues.push({ path, message: 'nothing to update' });
  return { cols, adds, params, key };
}

/** Throws ValidationError when any issue was collected. */
export function throwIfIssues(issues: readonly ValidationIssue[], what: string): void {
  if (issues.length > 0) throw new ValidationError(what, issues);
}
