/**
 * The one write path's checks: each value is validated and encoded once, by the codec, with issues collected
 * (not thrown) so a whole unit of work is checked before anything is written.
 */
import type * as z from 'zod';
import { EncodeIssue, encoders } from './codec.ts';
import type { SqlValue } from './driver.ts';
import { ValidationError, type ValidationIssue } from './errors.ts';
import type { ColumnMeta, ModelMeta } from './model-meta.ts';

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
    value = col.config.hasDefault ? (typeof def === 'function' ? (def as () => unknown)() : def) : col.nullable ? null : undefined;
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
    else if (c.owned && values[k] !== undefined) issues.push({ path: [k], message: `${k} is managed by litedao and cannot be set` });
  }
  return issues;
}

/** Throws ValidationError when any issue was collected. */
export function throwIfIssues(issues: readonly ValidationIssue[], what: string): void {
  if (issues.length > 0) throw new ValidationError(what, issues);
}
