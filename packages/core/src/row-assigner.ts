/**
 * The function that copies a stored row onto a model instance, generated once per model.
 *
 * Every stored value is checked against its column: a value of the wrong storage class, an integer that is
 * not exact as a number, or NULL in a non-nullable column (including `created_at`/`updated_at`, which the
 * Python template's DDL leaves nullable) raises `DataIntegrityError` naming the column — never a silently
 * wrong object, never `null` on a field typed `Date`.
 */
import type { ColumnKind, Decoder } from './codec.ts';
import type { SqlValue } from './driver.ts';
import { DataIntegrityError } from './errors.ts';
import type { ColumnMeta } from './model-meta.ts';

/** Copies a stored row (raw values in select order) onto an instance. */
export type RowAssigner = (self: Record<string, unknown>, raw: readonly SqlValue[]) => void;

/**
 * Kinds whose stored value is already the JS value when this test on `v` holds (decode only otherwise): the
 * common case costs one comparison per column.
 */
const PASS_THROUGH: Partial<Record<ColumnKind, string>> = {
  integer: "typeof v === 'number' && Number.isSafeInteger(v)",
  real: "typeof v === 'number'",
  text: "typeof v === 'string'",
};

function notNullable(where: string): never {
  throw new DataIntegrityError(`stored value in ${where} is NULL but the column is not nullable`);
}

/**
 * Builds the function that copies a stored row onto an instance. Where the runtime allows code generation
 * (Node, most browsers) it is a straight-line function with constant property names — monomorphic stores,
 * no per-column calls for integers and text; where it does not (workerd, strict CSP: `new Function` throws),
 * a loop over the columns does the same work.
 */
export function compileRowAssigner(cols: readonly ColumnMeta[], where: readonly string[], n: number): RowAssigner {
  const decode = cols.map((c) => c.decode);
  try {
    let body = 'var v;\n';
    cols.forEach((c, i) => {
      const key = JSON.stringify(c.name);
      const w = `w[${i}]`;
      const pass = PASS_THROUGH[c.kind];
      const ifNull = c.nullable ? 'null' : `nn(${w})`;
      body += `v = raw[${i}];\n`;
      body += pass
        ? `self[${key}] = v === null ? ${ifNull} : (${pass}) ? v : d[${i}](v, ${w});\n`
        : `self[${key}] = v === null ? ${ifNull} : d[${i}](v, ${w});\n`;
    });
    const make = new Function('d', 'w', 'nn', `return function assignRow(self, raw) {\n${body}};`) as (
      d: readonly Decoder[],
      w: readonly string[],
      nn: (where: string) => never,
    ) => RowAssigner;
    return make(decode, where, notNullable);
  } catch {
    return (self, raw) => {
      for (let i = 0; i < n; i++) {
        const v = raw[i] ?? null;
        const c = cols[i] as ColumnMeta;
        if (v === null) self[c.name] = c.nullable ? null : notNullable(where[i] as string);
        else self[c.name] = (decode[i] as Decoder)(v, where[i] as string);
      }
    };
  }
}
