/**
 * Writes and filters are validated by the codec's direct checks (fast) instead of a zod parse per value; the
 * derived zod schemas (`Model.schemas`) are what users see. This test holds the two in agreement: for every
 * column kind, nullable or not, and a corpus of good, bad and hostile values, both accept or both refuse.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.ts';
import { metaOf } from '../src/model-meta.ts';
import { compileRowEncoder } from '../src/row-encoder.ts';
import { checkKeys, encodeColumn, newValue } from '../src/validate.ts';
import { All, Checked, corpus, describeValue } from './value-corpus.ts';

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

/**
 * The fast new-row encoder (insertMany, and the values of added objects at commit) only ever agrees with the
 * general path (checkKeys, newValue, encodeColumn): when it accepts a row, the general path reports nothing and
 * encodes the same values. Every corpus value in every column of a valid row, the keys varied, for the
 * generated code (Node) and the loop (workerd, no code generation).
 */
describe('the fast new-row encoder agrees with the general checks', () => {
  const sameStored = (a: unknown, b: unknown) =>
    Object.is(a, b) || (a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]));

  function general(meta: ReturnType<typeof metaOf>, given: Record<string, unknown>, keys: boolean) {
    const issues: { path: readonly (string | number)[]; message: string }[] = [];
    if (keys) checkKeys(meta, given, issues);
    const values = meta.userColumns.map((c) => encodeColumn(c, keys ? newValue(c, given) : given[c.name], issues, []));
    return { ok: issues.length === 0, values };
  }

  const goodAll = () => ({
    i: 1,
    r: 1.5,
    s: 's',
    b: true,
    ts: new Date(0),
    j: { a: 1 },
    bl: new Uint8Array([1]),
    big: 1n,
    ni: 2,
    ns: 'n',
    nts: null,
  });
  const goodChecked = () => ({ s: 'ss', n: 3, ns: null });
  for (const [model, good] of [
    [All, goodAll],
    [Checked, goodChecked],
  ] as const) {
    const meta = metaOf(model);
    for (const generate of [true, false]) {
      for (const keys of [true, false]) {
        it(`${meta.name}: ${generate ? 'generated code' : 'loop'}, ${keys ? 'plain rows' : 'object values'}`, () => {
          const fast = compileRowEncoder(meta.userColumns, keys, generate);
          const rows: Record<string, unknown>[] = [good()];
          for (const col of meta.userColumns) {
            for (const v of corpus) rows.push({ ...good(), [col.name]: v });
            const without: Record<string, unknown> = good();
            delete without[col.name];
            rows.push(without, { ...good(), [col.name]: undefined });
          }
          for (const extra of [{ zz: 1 }, { id: 1 }, { id: undefined }, { created_at: new Date(0) }, JSON.parse('{"__proto__": 1}')])
            rows.push(Object.assign(good(), extra));
          rows.push(Object.assign(Object.create(null), good()));
          let accepted = 0;
          const wrong: string[] = [];
          rows.forEach((row, k) => {
            const out: unknown[] = new Array(meta.userColumns.length);
            const want = general(meta, row, keys);
            if (!fast(row, out as never, 0)) return;
            accepted++;
            if (!want.ok) wrong.push(`row ${k}: accepted, the general checks refuse it`);
            else if (!want.values.every((v, i) => sameStored(v, out[i]))) wrong.push(`row ${k}: encoded differently`);
          });
          expect(wrong).toEqual([]);
          // It does take the common case: the valid row, and at least one other per column.
          expect(fast(good(), [], 0)).toBe(true);
          expect(accepted).toBeGreaterThan(meta.userColumns.length);
        });
      }
    }
  }
});
