/**
 * The identity map's per-model store (IdMap) must behave as the `Map<number, Entity>` it replaced: a
 * model-based test runs random sequences of operations — ids dense and sparse, negative and beyond 2^32,
 * deletions enough to compact its order, and sets and deletes made while an iteration is under way — on both,
 * and compares every answer and the iteration order after each step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Entity } from '../src/entity.ts';
import { IdMap } from '../src/identity-map.ts';

type Op =
  | { kind: 'set'; id: number; value: number }
  | { kind: 'delete'; id: number }
  | { kind: 'clear' }
  | { kind: 'setRun'; from: number; n: number }
  | { kind: 'deleteRun'; from: number; n: number; step: number }
  | { kind: 'iterate'; how: 'forEach' | 'values'; touches: Touch[] };

/** A change made during an iteration, at the visit `at`: one set or delete, deleting a run of ids, or clear. */
interface Touch {
  at: number;
  action: 'set' | 'delete' | 'deleteRun' | 'clear';
  id: number;
  n: number;
}

const objects = Array.from({ length: 64 }, () => new Entity());
const id = fc.oneof(
  fc.integer({ min: -20, max: 200 }),
  fc.integer({ min: 2 ** 32 - 20, max: 2 ** 32 + 20 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1, 7, 8, -8, -9),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), id, value: fc.nat(63) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), id }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('setRun' as const),
      from: fc.integer({ min: -50, max: 100 }),
      n: fc.integer({ min: 1, max: 300 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deleteRun' as const),
      from: fc.integer({ min: -50, max: 100 }),
      n: fc.integer({ min: 1, max: 300 }),
      step: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('iterate' as const),
      how: fc.constantFrom('forEach' as const, 'values' as const),
      touches: fc.array(
        fc.record({
          at: fc.nat(20),
          action: fc.constantFrom('set' as const, 'delete' as const, 'deleteRun' as const, 'clear' as const),
          id,
          n: fc.integer({ min: 1, max: 300 }),
        }),
        { maxLength: 4 },
      ),
    }),
  },
);

/** Iterates `m`, recording the object index per visit, making the touches due at each visit. */
function visit(m: IdMap | Map<number, Entity>, how: 'forEach' | 'values', touches: readonly Touch[]) {
  const seen: number[] = [];
  const step = (e: Entity) => {
    for (const t of touches) {
      if (t.at !== seen.length) continue;
      if (t.action === 'set') m.set(t.id, objects[t.at] as Entity);
      else if (t.action === 'delete') m.delete(t.id);
      else if (t.action === 'clear') m.clear();
      else for (let i = t.id % 100; i < (t.id % 100) + t.n; i++) m.delete(i);
    }
    seen.push(objects.indexOf(e));
  };
  if (how === 'forEach') {
    m.forEach((e) => {
      step(e);
    });
  } else for (const e of m.values()) step(e);
  return seen;
}

describe('IdMap behaves as Map<number, Entity>', () => {
  it('random operation sequences give the same answers and the same order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const model = new Map<number, Entity>();
        const real = new IdMap();
        for (const o of ops) {
          switch (o.kind) {
            case 'set':
              model.set(o.id, objects[o.value] as Entity);
              real.set(o.id, objects[o.value] as Entity);
              break;
            case 'delete':
              expect(real.delete(o.id)).toBe(model.delete(o.id));
              break;
            case 'clear':
              model.clear();
              real.clear();
              break;
            case 'setRun':
              for (let i = o.from; i < o.from + o.n; i++) {
                model.set(i, objects[i & 63] as Entity);
                real.set(i, objects[i & 63] as Entity);
              }
              break;
            case 'deleteRun':
              for (let i = o.from; i < o.from + o.n; i += o.step) expect(real.delete(i)).toBe(model.delete(i));
              break;
            case 'iterate':
              expect(visit(real, o.how, o.touches)).toEqual(visit(model, o.how, o.touches));
              break;
          }
          expect(real.size).toBe(model.size);
          const order: [number, Entity][] = [];
          real.forEach((e, k) => {
            order.push([k, e]);
          });
          expect(order).toEqual([...model.entries()]);
          for (const k of [o.kind === 'set' || o.kind === 'delete' ? o.id : 0, -1, 8, 2 ** 32]) {
            expect(real.get(k)).toBe(model.get(k));
            expect(real.has(k)).toBe(model.has(k));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
