/**
 * The function that copies a stored row onto a model instance, generated once per model.
 */
import type { ColumnKind, Decoder } from './codec.ts';
import type { SqlValue } from './driver.ts';
import type { ColumnMeta } from './model-meta.ts';

/** Copies a stored row (raw values in select order) onto an instance. */
export type RowAssigner = (self: Record<string, unknown>, raw: readonly SqlValue[]) => void;

/** Kinds whose stored value is already the JS value when it has the expected type (decode only on mismatch). */
const PASS_THROUGH: Partial<Record<ColumnKind, string>> = { integer: 'number', real: 'number', text: 'string' };

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
      body += `v = raw[${i}];\n`;
      body += pass
        ? `self[${key}] = (v === null || typeof v === '${pass}') ? v : d[${i}](v, ${w});\n`
        : `self[${key}] = v === null ? null : d[${i}](v, ${w});\n`;
    });
    const make = new Function('d', 'w', `return function assignRow(self, raw) {\n${body}};`) as (
      d: readonly Decoder[],
      w: readonly string[],
    ) => RowAssigner;
    return make(decode, where);
  } catch {
    return (self, raw) => {
      for (let i = 0; i < n; i++) {
        const v = raw[i] as SqlValue;
        self[(cols[i] as ColumnMeta).name] = v === null ? null : (decode[i] as Decoder)(v, where[i] as string);
      }
    };
  }
}
