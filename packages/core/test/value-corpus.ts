/**
 * Good, bad and hostile values for every column kind, shared by the tests that hold litedao's fast checks in
 * agreement with its general ones (validation-agreement, update-queue), and the models they check them on.
 */
import * as z from 'zod';
import { declarativeBase, t } from '../src/index.ts';

export const Base = declarativeBase();

/** Every column kind, nullable or not. */
export class All extends Base('All', {
  i: t.integer(),
  r: t.real(),
  s: t.text(),
  b: t.boolean(),
  ts: t.timestamp(),
  j: t.json(),
  bl: t.blob(),
  big: t.bigint(),
  ni: t.integer().nullable(),
  ns: t.text().nullable(),
  nts: t.timestamp().nullable(),
}) {}

/** Columns with a default and a column's own check: the fast path leaves both to the general one. */
export class Checked extends Base('Checked', {
  s: t.text().check(z.string().min(2)),
  n: t.integer().default(7),
  ns: t.text().nullable(),
}) {}

class Cyclic {
  self: unknown = this;
}
const cyclic: Record<string, unknown> = {};
cyclic.me = cyclic;

export const corpus: readonly unknown[] = [
  0,
  -0,
  1,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  -Number.MAX_SAFE_INTEGER - 1,
  1e300,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  '',
  'text',
  'x\uD800y',
  'a\0b',
  '👋',
  '42',
  true,
  false,
  null,
  new Date(0),
  new Date('nope'),
  new Date('9999-12-31T23:59:59.999Z'),
  new Date('+010000-01-01T00:00:00Z'),
  new Date('-000001-01-01T00:00:00Z'),
  new Uint8Array([1, 2]),
  new (class Bytes extends Uint8Array {})(2), // a subclass, as Node's Buffer is
  new ArrayBuffer(2),
  [1, 2],
  [],
  { a: 1 },
  { a: [1, { b: null }] },
  { a: Number.NaN },
  { a: undefined },
  [1, undefined],
  { d: new Date(0) },
  new Map(),
  new Cyclic(),
  cyclic,
  0n,
  2n ** 63n - 1n,
  2n ** 63n,
  -(2n ** 63n),
  -(2n ** 63n) - 1n,
  Symbol('s'),
  () => 1,
  Object.create(null),
];

/** A value in a failure message (symbols, functions and cycles included). */
export function describeValue(v: unknown): string {
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  try {
    return `${Object.prototype.toString.call(v)} ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}`;
  } catch {
    return `${Object.prototype.toString.call(v)} (cyclic)`;
  }
}
