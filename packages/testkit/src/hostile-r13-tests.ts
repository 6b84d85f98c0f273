/**
 * Round 13's hostile-pass regressions on every adapter: filters that provably match every row need
 * `{ all: true }`; the text operators agree with JavaScript for any string; constraint errors keep the
 * constraint's name; option validation never depends on the data.
 */
import { col, ValidationError } from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, counts, rejectsWith, setup } from './harness.ts';
import { User } from './models.ts';
import { fcRuns } from './value-arbitraries.ts';

type F = Record<string, unknown>;

/** Conditions on User whose truth depends on the row (some may hold on every row by chance: never assumed). */
const anyCondition: fc.Arbitrary<F> = fc.oneof(
  fc.integer({ min: -3, max: 6 }).map((n) => ({ telegram_id: n })),
  fc.integer({ min: -3, max: 6 }).map((n) => ({ telegram_id: { gt: n } })),
  fc.integer({ min: -3, max: 6 }).map((n) => ({ id: { lte: n } })),
  fc.constantFrom<F>({ username: null }, { username: 'a' }, { username: { ne: 'b' } }, { username: { contains: 'a' } }),
  fc.constantFrom<F>({ is_admin: true }, { score: { lt: 1.5 } }, { email: { isNull: false } }, { username: { startsWith: '' } }),
  fc.integer({ min: 0, max: 6 }).map((n) => ({ telegram_id: { in: [n, n + 1] } })),
);

/** Filters that hold on every row by construction, and filters that hold on none, built from each other. */
const { always, never } = fc.letrec<{ always: F; never: F; any: F }>((tie) => ({
  any: fc.oneof(
    { maxDepth: 3 },
    anyCondition,
    tie('always'),
    tie('never'),
    fc.array(tie('any'), { maxLength: 3 }).map((and) => ({ and })),
  ),
  always: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    fc.constantFrom<F>(
      {},
      { and: [] },
      { id: { notIn: [] } },
      { telegram_id: { notIn: [] } },
      { username: { notIn: [] } },
      { id: { ne: null } },
      { id: { isNull: false } },
      { telegram_id: { isNull: false } },
      { id: { eq: col('id') } },
      { telegram_id: { gte: col('telegram_id') } },
      { username: { eq: col('username') } },
      { or: [{ username: null }, { username: { ne: null } }] },
      { or: [{ is_admin: true }, { is_admin: false }] },
      { or: [{ telegram_id: { lt: 3 } }, { telegram_id: { gte: 3 } }] },
    ),
    tie('never').map((f) => ({ not: f })),
    anyCondition.map((f) => ({ or: [f, { not: f }] })),
    fc
      .tuple(fc.array(tie('any'), { maxLength: 2 }), tie('always'), fc.array(tie('any'), { maxLength: 2 }))
      .map(([a, t, b]) => ({ or: [...a, t, ...b] })),
    fc.array(tie('always'), { maxLength: 3 }).map((and) => ({ and })),
    tie('always').map((f) => ({ and: [f] })),
  ),
  never: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    fc.constantFrom<F>({ or: [] }, { id: { in: [] } }, { username: { in: [] } }, { id: null }, { id: { ne: col('id') } }, { not: {} }),
    tie('always').map((f) => ({ not: f })),
    fc.tuple(tie('any'), tie('never')).map(([a, n]) => ({ and: [a, n] })),
    fc.array(tie('never'), { maxLength: 3 }).map((or) => ({ or })),
  ),
}));

export function hostileR13Tests(target: ConformanceTarget): void {
  describe('hostile round 13', () => {
    it('update and delete by a filter that matches every row by construction need { all: true }', async () => {
      const { Session, driver } = await setup(target);
      await Session.begin(async (s) => {
        s.addAll([
          new User({ telegram_id: 1, username: 'a' }),
          new User({ telegram_id: 2, username: null, is_admin: true }),
          new User({ telegram_id: 5, username: 'b', score: 2 }),
        ]);
      });
      const before = await counts(driver);
      await fc.assert(
        fc.asyncProperty(always, async (f) => {
          await using s = Session();
          await rejectsWith(() => s.deleteWhere(User, f as never), ValidationError);
          await rejectsWith(() => s.updateWhere(User, f as never, { score: 9 }), ValidationError);
          await s.commit();
          expect(await counts(driver)).toEqual(before);
          // The filter does match every row.
          expect(
            await s
              .select(User)
              .where(f as never)
              .count(),
          ).toBe(3);
        }),
        { numRuns: fcRuns() },
      );
      // A filter that holds on none (or on some) rows is not refused.
      await fc.assert(
        fc.asyncProperty(never, async (f) => {
          await using s = Session();
          const r = s.deleteWhere(User, f as never);
          await s.commit();
          expect(r.rowsAffected).toBe(0);
        }),
        { numRuns: Math.ceil(fcRuns() / 4) },
      );
      await using s = Session();
      const r = s.deleteWhere(User, { id: { notIn: [] } }, { all: true });
      await s.commit();
      expect(r.rowsAffected).toBe(3);
    });
  });
}
