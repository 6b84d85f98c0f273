/**
 * Typed rows of raw SQL: `session.execute(sql`…`, { schema })` converts each row's values as litedao reads
 * columns — guided by the zod schema's field types — then validates it. Without the conversion a
 * `z.date()` field would receive SQLite's text, and `z.coerce.date()` would parse `2026-01-02 03:04:05` in
 * the machine's local time zone; here it is the instant SQLite means (UTC), by litedao's own reader.
 */
import type * as z from 'zod';
import { parseTimestamp } from './codec.ts';
import type { SqlValue } from './driver.ts';
import { DataIntegrityError } from './errors.ts';
import { safeParseSync } from './validate.ts';

/** A zod schema for one row of a raw query (usually `z.object({ … })`). */
export type RowSchema = z.ZodType;

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The value type a field's schema ends up checking, through optional/nullable/default/pipe wrappers. */
function baseType(s: z.ZodType): string {
  for (let d = defOf(s), depth = 0; depth < 16; depth++) {
    const next = d.innerType ?? d.in;
    if (next === undefined || d.type === 'object') return d.type;
    d = defOf(next);
  }
  return 'unknown';
}

/** Converts one stored value toward the type its schema expects (anything unconvertible is left for zod to refuse). */
function convert(type: string, v: SqlValue): unknown {
  if (v === null) return null;
  switch (type) {
    case 'date':
      if (typeof v === 'string') return parseTimestamp(v) ?? v;
      return v;
    case 'boolean':
      return v === 0 ? false : v === 1 ? true : typeof v === 'bigint' && (v === 0n || v === 1n) ? v === 1n : v;
    case 'bigint':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
      return v;
    case 'number':
      return typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    case 'object':
    case 'array':
    case 'record':
    case 'tuple':
      if (typeof v === 'string') {
        try {
          return JSON.parse(v);
        } catch {
          return v;
        }
      }
      return v;
    default:
      return v;
  }
}

/** True when some field wants a bigint (the driver is then asked for exact 64-bit integers where it can). */
export function wantsBigints(schema: RowSchema): boolean {
  const shape = defOf(schema).type === 'object' ? defOf(schema).shape : undefined;
  return shape !== undefined && Object.values(shape).some((f) => baseType(f) === 'bigint');
}

/** Converts and validates every row; the first row that does not fit raises `DataIntegrityError` (no values in the message). */
export function rowsWithSchema(schema: RowSchema, rows: Record<string, SqlValue>[]): unknown[] {
  const shape = defOf(schema).type === 'object' ? defOf(schema).shape : undefined;
  const types = shape ? Object.entries(shape).map(([k, f]) => [k, baseType(f)] as const) : [];
  return rows.map((row, index) => {
    let input: Record<string, unknown> = row;
    if (types.length) {
      input = { ...row };
      for (const [k, type] of types) if (Object.hasOwn(row, k)) input[k] = convert(type, row[k] ?? null);
    }
    const r = safeParseSync(schema, input);
    if (r.success) return r.data;
    const where = r.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.map(String).join('.') || '(row)'}: ${i.message}`)
      .join('; ');
    throw new DataIntegrityError(`row ${index} of the raw query does not fit its schema: ${where}`);
  });
}
