/**
 * Writes and filters are validated by the codec's direct checks (fast) instead of a zod parse per value; the
 * derived zod schemas (`Model.schemas`) are what users see. This test holds the two in agreement: for every
 * column kind, nullable or not, and a corpus of good, bad and hostile values, both accept or both refuse.
 */
import { describe, expect, it } from 'vitest';
import { declarativeBase, t, ValidationError } from '../src/index.ts';
import { metaOf } from '../src/model-meta.ts';
import { encodeColumn } from '../src/validate.ts';

const Base = declarativeBase();
class All extends Base('All', {
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

class Cyclic {
  self: unknown = this;
}
const cyclic: Record<string, unknown> = {};
cyclic.me = cyclic;

const corpus: unknown[] = [
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

function describe_(v: unknown): string {
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  try {
    return `${Object.prototype.toString.call(v)} ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}`;
  } catch {
    return `${Object.prototype.toString.call(v)} (cyclic)`;
  }
}
const describeValue = describe_;

describe('codec validation agrees with the derived zod schemas', () => {
  const meta = metaOf(All);
  for (const col of meta.userColumns) {
    it(`${col.name} (${col.kind}${col.nullable ? ', nullable' : ''})`, () => {
      const disagreements: string[] = [];
      for (const v of corpus) {
        const zodOk = col.schema.safeParse(v).success;
        const issues: { path: readonly (string | number)[]; message: string }[] = [];
        encodeColumn(col, v, issues, []);
        const codecOk = issues.length === 0;
        if (zodOk !== codecOk) disagreements.push(`${describeValue(v)}: zod ${zodOk}, codec ${codecOk}`);
      }
      expect(disagreements).toEqual([]);
    });
  }

  it('the constructor applies the same rules as schemas.insert', () => {
    const good = { i: 1, r: 1.5, s: 's', b: true, ts: new Date(0), j: { a: 1 }, bl: new Uint8Array(), big: 1n };
    expect(All.schemas.insert.safeParse(good).success).toBe(true);
    expect(() => new All(good)).not.toThrow();
    for (const bad of [
      { ...good, i: 1.5 },
      { ...good, extra: 1 },
      { ...good, id: 3 },
      { ...good, s: undefined },
      JSON.parse('{"__proto__": {}}'),
    ]) {
      expect(All.schemas.insert.safeParse(bad).success).toBe(false);
      expect(() => new All(bad as never)).toThrow(ValidationError);
    }
  });
});
