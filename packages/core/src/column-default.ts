/**
 * Column defaults as data: a constant default is checked against its column when the model is defined, and
 * becomes an SQL literal in the DDL only when the literal reads back as exactly the same stored value.
 * Everything else (a function, a value no literal spells exactly) stays a client-side default that litedao
 * fills in on insert.
 */
import { type ColumnKind, EncodeIssue, encoders } from './codec.ts';
import type { ColumnConfig } from './columns.ts';
import type { SqlValue } from './driver.ts';
import { ConfigurationError } from './errors.ts';
import { safeParseSync } from './validate.ts';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * An SQL literal that SQLite reads as exactly `v`, or undefined when there is none: integers in the int64
 * range, finite reals (JavaScript's shortest round-trip spelling, parsed exactly by SQLite's correctly
 * rounded `sqlite3AtoF`), text with quotes doubled, blobs as `X'…'`.
 */
export function sqlLiteral(v: SqlValue): string | undefined {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) return undefined;
      if (Object.is(v, -0)) return '0';
      return String(v);
    case 'bigint':
      return v >= -(2n ** 63n) && v < 2n ** 63n ? v.toString() : undefined;
    case 'string':
      return v.isWellFormed() && !v.includes('\0') ? `'${v.replaceAll("'", "''")}'` : undefined;
    default: {
      let hex = '';
      for (const b of v) hex += HEX[b];
      return `X'${hex}'`;
    }
  }
}

/** What a constant default stores, or undefined for a function default or no default. */
function storedDefault(kind: ColumnKind, config: ColumnConfig): SqlValue | undefined {
  if (!config.hasDefault || typeof config.default === 'function') return undefined;
  if (config.default === null) return null;
  return encoders[kind](config.default);
}

/**
 * The column's DEFAULT as an SQL literal, or undefined when it has none the database can apply exactly.
 * Integral values of `real` columns are written as REAL literals (`2.0`), so the column's declared type never
 * depends on how a number was spelled.
 */
export function defaultLiteral(kind: ColumnKind, config: ColumnConfig): string | undefined {
  let stored: SqlValue | undefined;
  try {
    stored = storedDefault(kind, config);
  } catch {
    return undefined; // refused at definition; never reaches DDL
  }
  if (stored === undefined) return undefined;
  if (kind === 'real' && typeof stored === 'number' && Number.isInteger(stored) && Math.abs(stored) < 1e21) {
    return `${Object.is(stored, -0) ? 0 : stored}.0`;
  }
  if (kind === 'integer' && typeof stored === 'number' && !Number.isSafeInteger(stored)) return undefined;
  return sqlLiteral(stored);
}

/**
 * Refuses, at model definition, a constant default its own column could not store: a wrong kind, a value the
 * codec refuses (NaN, a lone surrogate, an invalid Date), null on a non-nullable column, or one that fails the
 * column's `.check()` schema. Function defaults are checked on each insert instead.
 */
export function checkColumnDefault(model: string, column: string, kind: ColumnKind, config: ColumnConfig): void {
  if (!config.hasDefault || typeof config.default === 'function') return;
  const v = config.default;
  if (v === null) {
    if (!config.nullable) throw new ConfigurationError(`model ${model}: column ${column} is not nullable but its default is null`);
    return;
  }
  try {
    encoders[kind](v);
  } catch (e) {
    if (e instanceof EncodeIssue) throw new ConfigurationError(`model ${model}: default of column ${column}: ${e.message}`);
    throw e;
  }
  if (config.schema && !safeParseSync(config.schema, v).success) {
    throw new ConfigurationError(`model ${model}: default of column ${column} fails the column's check()`);
  }
}
