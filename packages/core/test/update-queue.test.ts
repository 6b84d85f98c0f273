/**
 * `updateWhere` queues its common call (one column equal to a value, plain values) through a fast path that
 * skips the general checks' intermediate objects. The fast path may only ever agree with the general path
 * (`compileWhere`, `encodeUpdate`): model-based, random sequences of calls — good, bad and hostile filters and
 * values, runs of one shape broken by other shapes — go through the session's way (fast, else general) and the
 * general way alone, and must leave the same queued operations (shapes, values, runs) and refuse the same calls.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWhere } from '../src/compile.ts';
import type { DriverLimits } from '../src/driver.ts';
import { increment, t } from '../src/index.ts';
import { type ModelMeta, metaOf } from '../src/model-meta.ts';
import type { Op } from '../src/unit-of-work.ts';
import { queueSimpleUpdate, queueUpdate, whereShapeOf } from '../src/update-queue.ts';
import { encodeUpdate } from '../src/validate.ts';
import { All, Base, Checked, corpus, describeValue } from './value-corpus.ts';

const LIMITS: DriverLimits = { maxParameters: 100, maxLikePatternBytes: 50 };
const METAS = [metaOf(All), metaOf(Checked)];

type Outcome = 'queued' | 'refused';

/** `session.updateWhere` without its fast path: compileWhere, the empty-filter refusal, encodeUpdate, queue. */
function general(ops: Op[], meta: ModelMeta, filters: unknown, values: unknown): Outcome {
  let where: ReturnType<typeof compileWhere>;
  try {
    where = compileWhere(meta, filters, LIMITS);
  } catch {
    return 'refused';
  }
  if (where.sql === '') return 'refused';
  const issues: { path: readonly (string | number)[]; message: string }[] = [];
  const update = encodeUpdate(meta, values, issues, []);
  if (issues.length > 0) return 'refused';
  queueUpdate(ops, meta, update.shape, update.params, whereShapeOf(meta, where.key, where.sql), where.params);
  return 'queued';
}

let fastTaken = 0;

/** The session's way: the fast path, else the general one. */
function viaSession(ops: Op[], meta: ModelMeta, filters: unknown, values: unknown): Outcome {
  if (queueSimpleUpdate(ops, meta, filters, values) !== undefined) {
    fastTaken++;
    return 'queued';
  }
  return general(ops, meta, filters, values);
}

/** A queued operation as comparable data (values tagged, so -0, NaN and bigints compare exactly). */
function view(op: Op) {
  if (op.kind !== 'updateWhere') return op.kind;
  return {
    model: op.meta.name,
    set: op.update.key,
    cols: op.update.cols.map((c) => c.name),
    adds: op.update.adds,
    where: op.where.key,
    sql: op.where.sql,
    width: op.width,
    params: op.params.map((v) => (Object.is(v, -0) ? '-0' : typeof v === 'bigint' ? `${v}n` : v)),
    results: op.results.length,
    open: op.open,
  };
}

const names = [
  'id',
  'created_at',
  'updated_at',
  'nope',
  '__proto__',
  'constructor',
  'i',
  'r',
  's',
  'b',
  'ts',
  'j',
  'bl',
  'big',
  'ni',
  'ns',
  'n',
];
const anyValue = fc.oneof(
  fc.constantFrom(...corpus, undefined, increment(1), increment(1.5), increment(-1)),
  fc.integer({ min: -3, max: 3 }),
  fc.string({ maxLength: 3 }),
);
/** An object with the given entries, built the ways callers build them (literal, null prototype, getters). */
const objectOf = (entries: [string, unknown][], how: number): unknown => {
  const o: Record<string, unknown> = how === 1 ? Object.create(null) : {};
  for (const [k, v] of entries) {
    if (how === 2) Object.defineProperty(o, k, { get: () => v, enumerable: true, configurable: true });
    else Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return o;
};
const entries = (min: number, max: number) => fc.array(fc.tuple(fc.constantFrom(...names), anyValue), { minLength: min, maxLength: max });
const randomFilters = fc.oneof(
  fc.tuple(entries(0, 2), fc.integer({ min: 0, max: 2 })).map(([e, how]) => objectOf(e, how)),
  fc.tuple(fc.constantFrom('id', 'i', 's', 'ns'), anyValue).map(([k, v]) => ({ [k]: { eq: v } })),
  fc.constantFrom(null, undefined, [], [1], new Date(0), 5, 'id'),
);
const randomValues = fc.oneof(
  fc.tuple(entries(0, 3), fc.integer({ min: 0, max: 2 })).map(([e, how]) => objectOf(e, how)),
  fc.constantFrom(null, undefined, [], new Date(0), 'name', new (class Values {})()),
);
/** Calls of the common shapes (so runs form and are broken), and anything. */
const call = fc.oneof(
  fc.record({
    model: fc.constantFrom(0, 1),
    filters: fc.oneof(
      fc.integer({ min: -2, max: 50 }).map((id) => ({ id })),
      fc.constantFrom({ s: 'ab' }, { ns: 'x' }, { i: 1 }, { id: 1, i: 1 }, { s: 'ab', id: 2 }),
      fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01 00:00:00.000000', 0).map((ts) => ({ ts })),
    ),
    values: fc.oneof(
      fc.string({ maxLength: 4 }).map((s) => ({ s })),
      fc.tuple(fc.string({ maxLength: 4 }), fc.oneof(fc.constant(null), fc.string({ maxLength: 2 }))).map(([s, ns]) => ({ ns, s })),
      fc.integer().map((i) => ({ i, r: i / 2 })),
    ),
  }),
  fc.record({ model: fc.constantFrom(0, 1), filters: randomFilters, values: randomValues }),
);

describe('updateWhere fast path', () => {
  it('queues exactly what the general path queues, and refuses what it refuses', () => {
    fastTaken = 0;
    fc.assert(
      fc.property(fc.array(call, { maxLength: 40 }), (calls) => {
        const a: Op[] = [];
        const b: Op[] = [];
        for (const c of calls) {
          const meta = METAS[c.model] as ModelMeta;
          const got = viaSession(a, meta, c.filters, c.values);
          const want = general(b, meta, c.filters, c.values);
          if (got !== want) throw new Error(`${describeValue(c.filters)} / ${describeValue(c.values)}: ${got}, general ${want}`);
        }
        expect(a.map(view)).toEqual(b.map(view));
        // The very shape objects the general path caches (what joins a run is identity).
        a.forEach((op, i) => {
          const other = b[i] as Op;
          if (op.kind === 'updateWhere' && other.kind === 'updateWhere') {
            expect(op.update).toBe(other.update);
            expect(op.where).toBe(other.where);
          }
        });
      }),
      { numRuns: 400 },
    );
    // The common calls did take it (a fast path that always declines would pass the comparison).
    expect(fastTaken).toBeGreaterThan(200);
  });

  it('every corpus value as the filter value and as a SET value, nullable or not', () => {
    for (const meta of METAS) {
      for (const col of meta.userColumns) {
        for (const v of corpus) {
          for (const [filters, values] of [
            [{ [col.name]: v }, { [col.name === 's' ? 'ns' : 's']: 'abc' }],
            [{ id: 1 }, { [col.name]: v }],
            [{ id: 1 }, { [col.name]: v, ns: 'xy' }],
          ]) {
            const a: Op[] = [];
            const b: Op[] = [];
            // Twice: the second call has a cached shape and joins the first one's run.
            for (let k = 0; k < 2; k++) {
              const got = viaSession(a, meta, filters, values);
              expect(got, `${col.name} ← ${describeValue(v)}`).toBe(general(b, meta, filters, values));
            }
            expect(a.map(view)).toEqual(b.map(view));
          }
        }
      }
    }
  });

  it('declines keys inherited from a polluted Object.prototype, as the general path ignores them', () => {
    const meta = metaOf(All);
    const byId = () => Object.assign(Object.create(null) as Record<string, unknown>, { id: 1 });
    // Each shape once before, so the fast path would take a call of it.
    for (const values of [{ s: 'ab' }, { ns: 'ab' }, { i: 5 }, { ns: 'ab', s: 'cd' }, { i: 5, ns: 'ab' }, { i: 5, ns: 'ab', s: 'cd' }])
      general([], meta, { id: 1 }, values);
    for (const [key, value] of [
      ['id', 5],
      ['s', 'xy'],
      ['ns', 'xy'],
      ['i', 5],
      ['nope', 1],
    ] as const) {
      Object.defineProperty(Object.prototype, key, { value, enumerable: true, writable: true, configurable: true });
      try {
        for (const [filters, values] of [
          [{}, { s: 'ab' }],
          [{ id: 1 }, {}],
          [{ id: 1 }, { ns: 'ab' }],
          [{ i: 1 }, { s: 'ab' }],
          // Filters without a prototype, so only the values inherit the key.
          [byId(), {}],
          [byId(), { ns: 'ab' }],
          [byId(), { ns: 'ab', s: 'cd' }],
          [byId(), { i: 5, ns: 'ab' }],
        ]) {
          const a: Op[] = [];
          const b: Op[] = [];
          for (let k = 0; k < 2; k++) expect(viaSession(a, meta, filters, values)).toBe(general(b, meta, filters, values));
          expect(a.map(view)).toEqual(b.map(view));
        }
      } finally {
        delete (Object.prototype as Record<string, unknown>)[key];
      }
    }
  });

  it('takes the common call once its shape is known, and declines the first one of a shape', () => {
    // A model no other test updates: no shape of it is cached yet.
    class Fresh extends Base('Fresh', { ns: t.text().nullable() }) {}
    const meta = metaOf(Fresh);
    const ops: Op[] = [];
    const first = { ns: 'first' };
    expect(queueSimpleUpdate(ops, meta, { id: 1 }, first)).toBeUndefined();
    expect(general(ops, meta, { id: 1 }, first)).toBe('queued');
    expect(queueSimpleUpdate(ops, meta, { id: 2 }, { ns: 'b' })).toBeDefined();
    expect(queueSimpleUpdate(ops, meta, { id: 3 }, { ns: null })).toBeDefined();
    expect(ops).toHaveLength(1);
    expect((ops[0] as Extract<Op, { kind: 'updateWhere' }>).params).toEqual([first.ns, 1, 'b', 2, null, 3]);
  });
});
