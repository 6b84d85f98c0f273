/**
 * The fast path of checking and encoding a new row given as a plain object (`insertMany`), generated once per
 * model.
 *
 * It accepts only the common case — exactly the model's own columns as own keys, each with a value its column
 * takes as it is (or `null` where nullable) — and writes the encoded values. Anything else (a missing column
 * that has a default, an unknown or managed key, a bad value) returns `false` having decided nothing: the
 * caller then runs the general path (`checkKeys`, `newValue`, `encodeColumn`), which applies defaults and
 * reports every issue. So the fast path can only ever agree with the general one; it never reports.
 */
import { encodeValid, valueProblem } from './codec.ts';
import type { SqlValue } from './driver.ts';
import type { ColumnMeta, ModelMeta } from './model-meta.ts';
import { safeParseSync } from './validate.ts';

/** Encodes `given` into `out[at…at + width)` and returns true, or returns false (then use the general path). */
export type NewRowEncoder = (given: Record<string, unknown>, out: SqlValue[], at: number) => boolean;

/** What a column's general check returns for a value it refuses (never a stored value). */
export const REFUSED = Symbol('refused');

/**
 * The general check of one non-null value: the codec's, then the column's own `.check()` schema; the stored
 * value, or REFUSED where `encodeValue` would report an issue (the same functions, so the two agree).
 */
export function generalValue(col: ColumnMeta, v: unknown): SqlValue | typeof REFUSED {
  if (valueProblem(col.kind, v) !== undefined) return REFUSED;
  const schema = col.config.schema;
  if (schema !== undefined && !safeParseSync(schema, v).success) return REFUSED;
  return encodeValid(col.kind, v);
}

/** Inline tests (on `v`) and stored forms for kinds whose check needs no call; others go to generalValue. */
const INLINE: Partial<Record<ColumnMeta['kind'], { test: string; stored: string }>> = {
  text: { test: "typeof v === 'string' && v.isWellFormed() && v.indexOf('\\0') === -1", stored: 'v' },
  integer: { test: "typeof v === 'number' && Number.isSafeInteger(v)", stored: 'v === 0 ? 0 : v' },
  real: { test: "typeof v === 'number' && Number.isFinite(v)", stored: 'v === 0 ? 0 : v' },
  boolean: { test: "typeof v === 'boolean'", stored: 'v ? 1 : 0' },
};

/** Per model: the encoder with the key check (plain rows) and the one without (objects). */
const encoders = new WeakMap<ModelMeta, { rows?: NewRowEncoder; objects?: NewRowEncoder }>();

function encoderOf(meta: ModelMeta, checkKeys: boolean): NewRowEncoder {
  let pair = encoders.get(meta);
  if (pair === undefined) {
    pair = {};
    encoders.set(meta, pair);
  }
  const key = checkKeys ? 'rows' : 'objects';
  pair[key] ??= compileRowEncoder(meta.userColumns, checkKeys);
  return pair[key];
}

/** The model's fast new-row encoder (generated where the runtime allows `new Function`, a loop elsewhere). */
export function newRowEncoder(meta: ModelMeta): NewRowEncoder {
  return encoderOf(meta, true);
}

/**
 * The same for the column values of a model instance at commit (`add`): no key check (an instance holds its
 * columns as own properties, whatever else was set on it is not a column), each value checked and encoded as
 * {@link newRowEncoder} does; `false` sends the object to `encodeColumn`, which reports.
 */
export function objectRowEncoder(meta: ModelMeta): NewRowEncoder {
  return encoderOf(meta, false);
}

/**
 * @internal Builds an encoder over `cols`; with `checkKeys`, `given` must hold exactly those columns as own keys.
 * `generate: false` builds the loop workerd gets (tests hold the two in agreement).
 */
export function compileRowEncoder(cols: readonly ColumnMeta[], checkKeys: boolean, generate = true): NewRowEncoder {
  const width = cols.length;
  const names = new Set(cols.map((c) => c.name));
  try {
    if (!generate) throw new Error('no code generation');
    // Exactly `width` own keys, each one of the columns: then every column is an own key, and none is unknown
    // or managed (what checkKeys and newValue look at).
    let body = checkKeys ? `var ks = Object.keys(g), v;\nif (ks.length !== ${width}) return false;\n` : 'var v;\n';
    if (checkKeys && width > 0) {
      body += `for (var i = 0; i < ${width}; i++) switch (ks[i]) {\n`;
      for (const c of cols) body += `case ${JSON.stringify(c.name)}:\n`;
      body += 'break;\ndefault: return false;\n}\n';
    }
    cols.forEach((c, i) => {
      const inline = c.config.schema === undefined ? INLINE[c.kind] : undefined;
      body += `v = g[${JSON.stringify(c.name)}];\n`;
      body += `if (v === null) { ${c.nullable ? `out[at + ${i}] = null;` : 'return false;'} }\n`;
      body += inline
        ? `else if (${inline.test}) out[at + ${i}] = ${inline.stored};\nelse return false;\n`
        : `else { v = v === undefined ? R : gv(c[${i}], v); if (v === R) return false; out[at + ${i}] = v; }\n`;
    });
    body += 'return true;';
    const make = new Function('c', 'gv', 'R', `return function encodeNewRow(g, out, at) {\n${body}\n};`) as (
      c: readonly ColumnMeta[],
      gv: typeof generalValue,
      r: typeof REFUSED,
    ) => NewRowEncoder;
    return make(cols, generalValue, REFUSED);
  } catch {
    // No code generation here (workerd, a strict CSP): the same checks as a loop.
    return (given, out, at) => {
      if (checkKeys) {
        const keys = Object.keys(given);
        if (keys.length !== width) return false;
        for (let i = 0; i < width; i++) if (!names.has(keys[i] as string)) return false;
      }
      for (let i = 0; i < width; i++) {
        const c = cols[i] as ColumnMeta;
        const v = given[c.name];
        if (v === null) {
          if (!c.nullable) return false;
          out[at + i] = null;
          continue;
        }
        const stored = v === undefined ? REFUSED : generalValue(c, v);
        if (stored === REFUSED) return false;
        out[at + i] = stored;
      }
      return true;
    };
  }
}
