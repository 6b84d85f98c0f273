/**
 * The unit of work's guarantees, one describe per defect class found from outside (issue 9): never written
 * twice, nothing written when a post-condition fails, ids from the right rows, no edit dropped, conflicts
 * detected on request, an identity map that follows the database, rollback as documented, no hangs, raw SQL
 * that cannot break atomicity, the caller's own errors unchanged, driver results never mutated, and commits
 * whose outcome is unknown settled from the database. Runs unchanged on every adapter.
 */
import {
  BaseDAO,
  CommitOutcomeUnknownError,
  ConnectionError,
  type Driver,
  type Entity,
  type Filters,
  increment,
  inspect,
  SchemaError,
  StaleDataError,
  StateError,
  type StatementResult,
  sql,
  UniqueConstraintError,
  UnitAlreadyAppliedError,
  UnsupportedError,
  ValidationError,
  withSession,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, counts, dump, faultyDriver, holdingDriver, rejectsWith, setup } from './harness.ts';
import { Account, Doc, Sample, User } from './models.ts';

const ids = (objects: readonly { id: number }[]) => objects.map((o) => o.id);

/** A driver whose every result (rows, row arrays) is frozen: any mutation by core throws. */
function freezingDriver(driver: Driver): Driver {
  const freeze = (r: StatementResult): StatementResult => {
    for (const row of r.rows) Object.freeze(row);
    Object.freeze(r.rows);
    return Object.freeze(r);
  };
  return {
    name: driver.name,
    capabilities: driver.capabilities,
    limits: driver.limits,
    execute: async (s) => freeze(await driver.execute(s)),
    batch: async (s) => (await driver.batch(s)).map(freeze),
    close: () => driver.close(),
    mapError: (e) => driver.mapError(e),
    ...(driver.transaction
      ? {
          transaction: <T>(fn: Parameters<NonNullable<Driver['transaction']>>[0]) =>
            (driver.transaction as NonNullable<Driver['transaction']>)((tx) =>
              fn({
                execute: async (s) => freeze(await tx.execute(s)),
                batch: async (s) => (await tx.batch(s)).map(freeze),
                ...(tx.isActive ? { isActive: () => (tx.isActive as () => boolean | Promise<boolean>)() } : {}),
              }),
            ) as Promise<T>,
        }
      : {}),
  };
}

export function unitOfWorkTests(target: ConformanceTarget): void {
  describe('unit of work: never written twice', () => {
    it('two commit() calls before the first resolves write the unit once; the second sends only what was added since', async () => {
      const { Session, driver } = await setup(target);
      const s = Session();
      s.addAll(Array.from({ length: 101 }, (_, i) => new User({ telegram_id: i })));
      const first = s.commit();
      s.add(new User({ telegram_id: 1000 }));
      const second = s.commit();
      await Promise.all([first, second, s.commit()]);
      expect((await counts(driver)).users).toBe(102);
      await s.commit();
      expect((await counts(driver)).users).toBe(102);
      await s.close();
    });

    it('a forgotten await on commit() inside Session.begin(fn) still writes once', async () => {
      const { Session, driver } = await setup(target);
      await Session.begin(async (s) => {
        s.addAll(Array.from({ length: 20 }, (_, i) => new User({ telegram_id: i })));
        void s.commit(); // the bug: not awaited; begin() commits again after fn
      });
      expect((await counts(driver)).users).toBe(20);
    });

    it('a dirty object committed twice concurrently is updated once (one version bump)', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.add(new Account({ tid: 1, name: 'a' })));
      const s = Session();
      const a = (await s.select(Account).where({ tid: 1 }).one()) as Account;
      a.name = 'b';
      await Promise.all([s.commit(), s.commit()]);
      expect(a.version).toBe(2);
      const fresh = await Session().getOrThrow(Account, a.id);
      expect([fresh.name, fresh.version]).toEqual(['b', 2]);
      await s.close();
    });
  });

  describe('unit of work: a failed post-condition writes nothing and changes no object', () => {
    it("an object whose row another session deleted: StaleDataError, the new object of the same unit is not written and keeps no id; later commits don't repeat it", async () => {
      const { Session, driver } = await setup(target);
      await Session.begin(async (s) => s.add(new User({ telegram_id: 1, username: 'x' })));
      const s = Session();
      const u = (await s.select(User).where({ telegram_id: 1 }).one()) as User;
      await Session.begin(async (other) => {
        other.deleteWhere(User, { telegram_id: 1 });
      });
      u.username = 'changed';
      const fresh = new User({ telegram_id: 2 });
      s.add(fresh);
      const err = await rejectsWith(s.commit(), StaleDataError);
      expect(err.table).toBe('users');
      expect(err.id).toBe(u.id);
      expect(err.message).toMatch(/expected to update 1 row\(s\); 0 were matched/);
      expect((await counts(driver)).users).toBe(0);
      expect(fresh.id).toBeUndefined();
      expect(inspect(fresh).state).toBe('pending');
      expect(u.username).toBe('changed');
      // The stale object stays the reason: every retry fails the same way and writes nothing.
      await rejectsWith(s.commit(), StaleDataError);
      expect((await counts(driver)).users).toBe(0);
      s.rollback();
      const again = new User({ telegram_id: 2 });
      s.add(again);
      await s.commit();
      expect((await counts(driver)).users).toBe(1);
      await s.close();
    });

    it('deleting an object whose row is already gone is StaleDataError, nothing else of the unit written', async () => {
      const { Session, driver } = await setup(target);
      await Session.begin(async (s) => s.addAll([new User({ telegram_id: 1 }), new User({ telegram_id: 2 })]));
      const s = Session();
      const [a] = (await s.select(User).orderBy({ telegram_id: 'asc' }).all()) as User[];
      await Session.begin(async (other) => other.deleteWhere(User, { telegram_id: 1 }));
      s.delete(a as User);
      s.updateWhere(User, { telegram_id: 2 }, { username: 'touched' });
      await rejectsWith(s.commit(), StaleDataError);
      expect((await dump(driver, 'users')).length).toBe(1);
      expect((await Session().select(User).one()).username).toBeNull();
      await s.close();
    });
  });

  describe('unit of work: ids come from the right rows', () => {
    it('an INSERT that writes fewer rows than planned (a table-level ON CONFLICT IGNORE) is StaleDataError; no object gets a wrong id', async () => {
      const { Session, engine, driver } = await setup(target, { create: false });
      await engine.execute({
        sql:
          'CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, telegram_id INTEGER NOT NULL UNIQUE ON CONFLICT IGNORE, ' +
          "username TEXT, email TEXT UNIQUE, is_admin BOOLEAN NOT NULL DEFAULT 0, score REAL NOT NULL DEFAULT 0, created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now')), updated_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now')))",
        params: [],
      });
      await Session.begin(async (s) => s.add(new User({ telegram_id: 2 })));
      const s = Session();
      const [a, b, c] = [new User({ telegram_id: 1 }), new User({ telegram_id: 2 }), new User({ telegram_id: 3 })];
      s.addAll([a, b, c]);
      const err = await rejectsWith(s.commit(), StaleDataError);
      expect(err.table).toBe('users');
      expect([a.id, b.id, c.id]).toEqual([undefined, undefined, undefined]);
      expect((await dump(driver, 'users')).length).toBe(1);
      await s.close();
    });

    it('ids follow the objects in order across chunks, and each object matches its own stored row', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const objects = Array.from({ length: 300 }, (_, i) => new User({ telegram_id: 1000 - i, username: `u${i}` }));
      s.addAll(objects);
      await s.commit();
      const stored = await Session().select(User).all();
      const byId = new Map(stored.map((u) => [u.id, u]));
      for (const o of objects) expect(byId.get(o.id)?.telegram_id).toBe(o.telegram_id);
      expect(new Set(ids(objects)).size).toBe(300);
      await s.close();
    });
  });

  describe('unit of work: no edit is dropped', () => {
    it('consecutive updateWhere calls (queued as one run, sent as one repeated statement) each change and count what one statement per call would', async () => {
      type Call =
        | { readonly k: 'name'; readonly tid: number; readonly name: string }
        | { readonly k: 'inc'; readonly tid: number; readonly by: number }
        | { readonly k: 'rename'; readonly from: string; readonly to: string }
        | { readonly k: 'both'; readonly tids: readonly number[]; readonly name: string; readonly by: number }
        | { readonly k: 'add'; readonly tid: number; readonly name: string }
        | { readonly k: 'commit' };
      const tid = fc.integer({ min: 1, max: 12 });
      const name = fc.constantFrom('a1', 'a2', 'a3', 'x', 'y', 'z');
      const call: fc.Arbitrary<Call> = fc.oneof(
        { arbitrary: fc.record({ k: fc.constant('name' as const), tid, name }), weight: 4 },
        { arbitrary: fc.record({ k: fc.constant('inc' as const), tid, by: fc.integer({ min: -3, max: 3 }) }), weight: 4 },
        { arbitrary: fc.record({ k: fc.constant('rename' as const), from: name, to: name }), weight: 1 },
        {
          arbitrary: fc.record({
            k: fc.constant('both' as const),
            tids: fc.uniqueArray(tid, { maxLength: 3 }),
            name,
            by: fc.integer({ min: -3, max: 3 }),
          }),
          weight: 1,
        },
        { arbitrary: fc.record({ k: fc.constant('add' as const), tid: fc.integer({ min: 6, max: 12 }), name }), weight: 1 },
        { arbitrary: fc.constant({ k: 'commit' as const }), weight: 1 },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 24 }), fc.boolean(), async (calls, loadFirst) => {
          const { Session, engine } = await setup(target);
          try {
            await Session.begin(async (s) => s.addAll([1, 2, 3, 4, 5].map((n) => new Account({ tid: n, name: `a${n}` }))));
            // The model: tid → name and balance, and each call's expected row count.
            const rows = new Map([1, 2, 3, 4, 5].map((n) => [n, { name: `a${n}`, balance: 0 }]));
            const s = Session();
            // Loaded objects make every UPDATE return its rows, to refresh them (one statement per call then).
            const loaded = loadFirst ? await s.select(Account).all() : [];
            const pending: { result: { rowsAffected: number }; want: number }[] = [];
            const settled: { result: { rowsAffected: number }; want: number }[] = [];
            const added = new Set<number>();
            for (const c of calls) {
              if (c.k === 'commit') {
                await s.commit();
                settled.push(...pending.splice(0));
                continue;
              }
              if (c.k === 'add') {
                if (rows.has(c.tid) || added.has(c.tid)) continue;
                added.add(c.tid);
                s.add(new Account({ tid: c.tid, name: c.name }));
                rows.set(c.tid, { name: c.name, balance: 0 });
                continue;
              }
              const match = (t: number, r: { name: string }) =>
                c.k === 'rename' ? r.name === c.from : c.k === 'both' ? c.tids.includes(t) : t === c.tid;
              let want = 0;
              for (const [t, r] of rows) {
                if (!match(t, r)) continue;
                want++;
                if (c.k === 'name') r.name = c.name;
                else if (c.k === 'inc') r.balance += c.by;
                else if (c.k === 'rename') r.name = c.to;
                else {
                  r.name = c.name;
                  r.balance += c.by;
                }
              }
              const result =
                c.k === 'name'
                  ? s.updateWhere(Account, { tid: c.tid }, { name: c.name })
                  : c.k === 'inc'
                    ? s.updateWhere(Account, { tid: c.tid }, { balance: increment(c.by) })
                    : c.k === 'rename'
                      ? s.updateWhere(Account, { name: c.from }, { name: c.to })
                      : s.updateWhere(Account, { tid: { in: [...c.tids] } }, { name: c.name, balance: increment(c.by) });
              pending.push({ result, want });
            }
            await s.commit();
            settled.push(...pending.splice(0));
            expect(settled.map((x) => x.result.rowsAffected)).toEqual(settled.map((x) => x.want));
            const stored = await Session().select(Account).orderBy({ tid: 'asc' }).all();
            expect(stored.map((a) => [a.tid, a.name, a.balance])).toEqual(
              [...rows.entries()].sort(([a], [b]) => a - b).map(([t, r]) => [t, r.name, r.balance]),
            );
            for (const a of loaded) expect([a.tid, a.name, a.balance]).toEqual([a.tid, rows.get(a.tid)?.name, rows.get(a.tid)?.balance]);
            await s.close();
          } finally {
            await engine.close();
          }
        }),
        { numRuns: 25 },
      );
    });

    it('runs of updateWhere calls by id (one UPDATE … FROM VALUES per chunk) each change and count what one statement per call would, in call order', async () => {
      type Kind = 'name' | 'inc' | 'both' | 'tid';
      type Block = { readonly k: Kind; readonly calls: readonly (readonly [number, number])[] } | { readonly k: 'commit' };
      const SEEDED = 60;
      // Ids past the seeded rows match nothing; small tids collide with stored ones (tid is UNIQUE).
      const byId = fc.tuple(fc.integer({ min: 1, max: SEEDED + 6 }), fc.integer({ min: -3, max: 3 }));
      const block: fc.Arbitrary<Block> = fc.oneof(
        {
          arbitrary: fc.record({
            k: fc.constantFrom<Kind>('name', 'inc', 'both'),
            calls: fc.oneof(fc.array(byId, { maxLength: 8 }), fc.array(byId, { minLength: 40, maxLength: 140 })),
          }),
          weight: 6,
        },
        {
          // Few rows, few values: sequences that free a tid and take it again, where the order of the calls decides.
          arbitrary: fc.record({
            k: fc.constant<Kind>('tid'),
            calls: fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -3, max: 0 })), { minLength: 1, maxLength: 8 }),
          }),
          weight: 2,
        },
        { arbitrary: fc.constant({ k: 'commit' as const }), weight: 2 },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(block, { minLength: 1, maxLength: 6 }), fc.boolean(), async (blocks, loadFirst) => {
          const { Session, engine } = await setup(target);
          try {
            await Session.begin(async (s) =>
              s.addAll(Array.from({ length: SEEDED }, (_, i) => new Account({ tid: (i + 1) * 10, name: `a${i + 1}` }))),
            );
            // The model, applied call by call: id → row as committed, and as the calls so far leave it.
            type Row = { tid: number; name: string; balance: number };
            let committed = new Map(
              Array.from({ length: SEEDED }, (_, i) => [i + 1, { tid: (i + 1) * 10, name: `a${i + 1}`, balance: 0 }]),
            );
            const copy = (m: Map<number, Row>) => new Map([...m].map(([id, r]) => [id, { ...r }]));
            let rows = copy(committed);
            let collides = false;
            // A rollback detaches the loaded objects; until then every update refreshes them.
            let rolledBack = false;
            const s = Session();
            const loaded = loadFirst ? await s.select(Account).all() : [];
            let pending: { result: { rowsAffected: number }; want: number }[] = [];
            const commit = async () => {
              if (collides) {
                await rejectsWith(s.commit(), UniqueConstraintError);
                s.rollback();
                rolledBack = true;
                rows = copy(committed);
              } else {
                await s.commit();
                for (const p of pending) expect(p.result.rowsAffected).toBe(p.want);
                committed = copy(rows);
              }
              pending = [];
              collides = false;
            };
            for (const b of blocks) {
              if (b.k === 'commit') {
                await commit();
                continue;
              }
              for (const [id, by] of b.calls) {
                const name = `v${by + 3}`;
                const row = rows.get(id);
                if (row !== undefined) {
                  if (b.k === 'name') row.name = name;
                  else if (b.k === 'inc') row.balance += by;
                  else if (b.k === 'both') {
                    row.name = name;
                    row.balance += by;
                  } else {
                    const tid = by + 4;
                    if ([...rows].some(([other, r]) => other !== id && r.tid === tid)) collides = true;
                    row.tid = tid;
                  }
                }
                const result =
                  b.k === 'name'
                    ? s.updateWhere(Account, { id }, { name })
                    : b.k === 'inc'
                      ? s.updateWhere(Account, { id }, { balance: increment(by) })
                      : b.k === 'both'
                        ? s.updateWhere(Account, { id }, { name, balance: increment(by) })
                        : s.updateWhere(Account, { id }, { tid: by + 4 });
                pending.push({ result, want: row === undefined ? 0 : 1 });
              }
            }
            await commit();
            const stored = await Session().select(Account).orderBy({ id: 'asc' }).all();
            expect(stored.map((a) => [a.id, a.tid, a.name, a.balance])).toEqual(
              [...committed].map(([id, r]) => [id, r.tid, r.name, r.balance]),
            );
            for (const a of rolledBack ? [] : loaded) {
              const want = committed.get(a.id);
              expect([a.tid, a.name, a.balance]).toEqual([want?.tid, want?.name, want?.balance]);
            }
            await s.close();
          } finally {
            await engine.close();
          }
        }),
        { numRuns: 25 },
      );
    });

    it('changed loaded objects (one UPDATE … FROM VALUES per chunk of one shape) are written as one UPDATE each would, or StaleDataError and nothing', async () => {
      type Edit = { readonly i: number; readonly name?: string; readonly by?: number; readonly tid?: number };
      type Other = { readonly i: number; readonly k: 'bump' | 'delete' };
      const SEEDED = 70;
      // Most runs change many objects in one shape (long chunks), some mix shapes; tid is UNIQUE.
      const fields = fc.constantFrom<readonly ('name' | 'by' | 'tid')[]>(
        ['name'],
        ['by'],
        ['name', 'by'],
        ['name'],
        ['tid'],
        ['name', 'tid'],
      );
      const runs = fc
        .tuple(
          fields,
          fc.uniqueArray(fc.integer({ min: 0, max: SEEDED - 1 }), { maxLength: SEEDED, size: 'max' }),
          fc.constantFrom('p', 'q', 'r'),
          fc.integer({ min: 1, max: 6 }),
        )
        .map(([f, idx, name, by]): Edit[] =>
          idx.map((i, n) => ({
            i,
            ...(f.includes('name') ? { name } : {}),
            ...(f.includes('by') ? { by: by - 3 || 1 } : {}),
            ...(f.includes('tid') ? { tid: (n % 6) + 1 } : {}),
          })),
        );
      const edit: fc.Arbitrary<Edit> = fc.record(
        {
          i: fc.integer({ min: 0, max: SEEDED - 1 }),
          name: fc.constantFrom('p', 'q', 'r'),
          by: fc.integer({ min: -2, max: 2 }),
          tid: fc.integer({ min: 1, max: 6 }),
        },
        { requiredKeys: ['i'] },
      );
      const other: fc.Arbitrary<Other> = fc.record({
        i: fc.integer({ min: 0, max: SEEDED - 1 }),
        k: fc.constantFrom('bump' as const, 'delete' as const),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(runs, fc.array(edit, { maxLength: 6 })).map(([a, b]) => [...a, ...b]),
          fc.oneof(
            { arbitrary: fc.constant([] as Other[]), weight: 2 },
            { arbitrary: fc.array(other, { minLength: 1, maxLength: 2 }), weight: 1 },
          ),
          async (edits, others) => {
            const { Session, engine } = await setup(target);
            try {
              await Session.begin(async (s) =>
                s.addAll(Array.from({ length: SEEDED }, (_, i) => new Account({ tid: (i + 1) * 10, name: `a${i}` }))),
              );
              const s = Session();
              const loaded = (await s.select(Account).orderBy({ id: 'asc' }).all()) as Account[];
              const before = loaded.map((a) => ({ id: a.id, tid: a.tid, name: a.name, balance: a.balance, version: a.version }));
              // The model: the rows after one UPDATE per changed object; tids collide as one by one they would.
              const want = before.map((r) => ({ ...r }));
              for (const e of edits) {
                const a = loaded[e.i] as Account;
                const w = want[e.i] as (typeof want)[number];
                if (e.name !== undefined) a.name = w.name = e.name;
                if (e.by !== undefined) a.balance = w.balance = a.balance + e.by;
                if (e.tid !== undefined) a.tid = w.tid = e.tid;
              }
              const changed = want.map((w, i) => {
                const b = before[i] as (typeof before)[number];
                return w.name !== b.name || w.balance !== b.balance || w.tid !== b.tid;
              });
              const tids = want.map((w) => w.tid);
              const collides = new Set(tids).size !== tids.length;
              const stale = others.some((o) => changed[o.i]);
              for (const o of others) {
                const id = (before[o.i] as (typeof before)[number]).id;
                if (o.k === 'delete') await Session.begin(async (x) => x.deleteWhere(Account, { id }));
                else await Session.begin(async (x) => x.updateWhere(Account, { id }, { name: 'other' }));
              }
              const storedBefore = (await Session().select(Account).orderBy({ id: 'asc' }).all()).map((a) => [
                a.id,
                a.tid,
                a.name,
                a.balance,
                a.version,
              ]);
              if (stale || collides) {
                // Both: whichever statement fails first decides.
                const err = await s.commit().then(
                  () => undefined,
                  (e: unknown) => e,
                );
                if (stale && !collides) expect(err).toBeInstanceOf(StaleDataError);
                else if (!stale) expect(err).toBeInstanceOf(UniqueConstraintError);
                else expect(err instanceof StaleDataError || err instanceof UniqueConstraintError).toBe(true);
                if (err instanceof StaleDataError) {
                  // Named as one UPDATE per object would name it, even where several went as one statement.
                  expect(err.table).toBe('accounts');
                  const staleIds = others.filter((o) => changed[o.i]).map((o) => (before[o.i] as (typeof before)[number]).id);
                  expect(staleIds).toContain(err.id);
                }
                const after = (await Session().select(Account).orderBy({ id: 'asc' }).all()).map((a) => [
                  a.id,
                  a.tid,
                  a.name,
                  a.balance,
                  a.version,
                ]);
                expect(after).toEqual(storedBefore);
                return;
              }
              await s.commit();
              const gone = new Set(others.filter((o) => o.k === 'delete').map((o) => o.i));
              const bumped = new Set(others.filter((o) => o.k === 'bump').map((o) => o.i));
              const stored = await Session().select(Account).orderBy({ id: 'asc' }).all();
              const expected = want.flatMap((w, i) =>
                gone.has(i)
                  ? []
                  : [
                      [
                        w.id,
                        w.tid,
                        bumped.has(i) ? 'other' : w.name,
                        w.balance,
                        w.version + (changed[i] ? 1 : 0) + (bumped.has(i) ? 1 : 0),
                      ],
                    ],
              );
              expect(stored.map((a) => [a.id, a.tid, a.name, a.balance, a.version])).toEqual(expected);
              // Each loaded object holds what its row holds: the version and updated_at the UPDATE returned.
              const byId = new Map(stored.map((a) => [a.id, a]));
              for (const [i, a] of loaded.entries()) {
                if (!changed[i]) continue;
                const row = byId.get(a.id) as Account;
                expect([a.version, a.updated_at.getTime()]).toEqual([row.version, row.updated_at.getTime()]);
              }
              await s.close();
            } finally {
              await engine.close();
            }
          },
        ),
        { numRuns: 25 },
      );
    });

    it('an in-place edit of a loaded blob is written; a JSON edit in place too', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.add(new Doc({ data: new Uint8Array([1, 2, 3]) })));
      const s = Session();
      const d = (await s.select(Doc).one()) as Doc;
      (d.data as Uint8Array)[0] = 99;
      (d.meta as { tags: string[] }).tags.push('x');
      await s.commit();
      const back = (await Session().select(Doc).one()) as Doc;
      expect(Array.from(back.data)).toEqual([99, 2, 3]);
      expect(back.meta).toEqual({ tags: ['x'] });
      // The same after an insert: the snapshot never shares the caller's buffer.
      const bytes = new Uint8Array([5]);
      const fresh = new Doc({ data: bytes });
      s.add(fresh);
      await s.commit();
      bytes[0] = 6;
      await s.commit();
      expect(Array.from(((await Session().get(Doc, fresh.id)) as Doc).data)).toEqual([6]);
      await s.close();
    });

    it('a constant object default is cloned per row', async () => {
      const a = new Doc({ data: new Uint8Array(0) });
      const b = new Doc({ data: new Uint8Array(0) });
      (a.meta as { tags: string[] }).tags.push('only-a');
      expect(b.meta).toEqual({ tags: [] });
    });

    it('the object returned by a second upsert of the same key is tracked: its edits are written', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const first = s.upsert(User, { telegram_id: 7, username: 'one' }, { on: ['telegram_id'] });
      await s.commit();
      const second = s.upsert(User, { telegram_id: 7, username: 'two' }, { on: ['telegram_id'] });
      await s.commit();
      expect(second.id).toBe(first.id);
      expect(first.username).toBe('two');
      second.username = 'edited';
      await s.commit();
      expect((await Session().getOrThrow(User, first.id)).username).toBe('edited');
      await s.close();
    });

    it('an upsert of a row the session holds: every object of the row follows each commit; changes through two of them are refused', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.add(new Account({ tid: 1, name: 'a' })));
      const s = Session();
      const u = await s.select(Account).where({ tid: 1 }).one();
      const o = s.upsert(Account, { tid: 1, name: 'up' }, { on: ['tid'] });
      await s.commit();
      expect(o).not.toBe(u);
      expect([u.name, o.name, u.version]).toEqual(['up', 'up', o.version]);
      // A change through one object: the other follows (value, version), so a later change through it is not stale.
      o.name = 'via-o';
      await s.commit();
      expect([u.name, u.version]).toEqual(['via-o', o.version]);
      u.balance = 5;
      await s.commit();
      expect([o.balance, o.name, o.version]).toEqual([5, 'via-o', u.version]);
      // An unsaved change of the other object is kept, and written by the next commit.
      u.name = 'via-u';
      const inFlight = s.commit();
      o.balance = 6;
      await inFlight;
      expect([u.name, o.name, o.balance]).toEqual(['via-u', 'via-u', 6]);
      await s.commit();
      expect([u.balance, u.name]).toEqual([6, 'via-u']);
      // Changes through both objects in one unit: refused, nothing written, until one is undone (or rollback()).
      u.name = 'x';
      o.name = 'y';
      await rejectsWith(s.commit(), ValidationError);
      const stored = async () => {
        const r = Session();
        const row = await r.select(Account).where({ tid: 1 }).one();
        await r.close();
        return [row.name, row.balance];
      };
      expect(await stored()).toEqual(['via-u', 6]);
      o.name = 'via-u';
      await s.commit();
      expect(await stored()).toEqual(['x', 6]);
      expect(o.name).toBe('x');
      await s.close();
    });

    it('delete(obj) then add(obj) before commit restores the object: nothing is deleted', async () => {
      const { Session, driver } = await setup(target);
      await Session.begin(async (s) => s.add(new User({ telegram_id: 1 })));
      const s = Session();
      const u = (await s.select(User).one()) as User;
      s.delete(u);
      expect(inspect(u).state).toBe('deleted');
      s.add(u);
      expect(inspect(u).state).toBe('persistent');
      u.username = 'kept';
      await s.commit();
      expect((await counts(driver)).users).toBe(1);
      expect((await Session().getOrThrow(User, u.id)).username).toBe('kept');
      // After the deletion is committed, the object cannot come back: its row is gone.
      s.delete(u);
      await s.commit();
      expect(inspect(u)).toMatchObject({ state: 'detached', rowDeleted: true });
      expect(() => s.add(u)).toThrow(StateError);
      await s.close();
    });
  });

  describe('unit of work: lost updates are detectable', () => {
    it('objects changed alike (one statement on D1 and Durable Objects): the stale one is named by its id, nothing written', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.addAll([1, 2, 3, 4].map((n) => new Account({ tid: n, name: `a${n}` }))));
      const s = Session();
      const all = (await s.select(Account).orderBy({ tid: 'asc' }).all()) as Account[];
      for (const a of all) a.name = 'renamed';
      const third = all[2] as Account;
      await Session.begin(async (other) => other.updateWhere(Account, { id: third.id }, { balance: 7 }));
      const err = await rejectsWith(s.commit(), StaleDataError);
      expect([err.table, err.id, err.expected, err.actual]).toEqual(['accounts', third.id, 1, 0]);
      const stored = await Session().select(Account).orderBy({ tid: 'asc' }).all();
      expect(stored.map((a) => [a.name, a.balance, a.version])).toEqual([
        ['a1', 0, 1],
        ['a2', 0, 1],
        ['a3', 7, 2],
        ['a4', 0, 1],
      ]);
      await s.close();
    });

    it('a version column: the second of two sessions writing the same row gets StaleDataError, nothing written', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.add(new Account({ tid: 1, name: 'start' })));
      const s1 = Session();
      const s2 = Session();
      const a1 = (await s1.select(Account).one()) as Account;
      const a2 = (await s2.select(Account).one()) as Account;
      expect(a1.version).toBe(1);
      a1.balance = a1.balance + 10;
      a2.balance = a2.balance + 5;
      await s1.commit();
      expect(a1.version).toBe(2);
      const err = await rejectsWith(s2.commit(), StaleDataError);
      expect(err.id).toBe(a2.id);
      const stored = await Session().getOrThrow(Account, a1.id);
      expect([stored.balance, stored.version]).toEqual([10, 2]);
      // Deleting at a stale version is refused the same way.
      s2.rollback();
      const again = (await s2.select(Account).one()) as Account;
      expect(again.version).toBe(2);
      await Session.begin(async (s) => s.updateWhere(Account, { tid: 1 }, { name: 'moved on' }));
      s2.delete(again);
      await rejectsWith(s2.commit(), StaleDataError);
      expect(await Session().select(Account).count()).toBe(1);
      await s1.close();
      await s2.close();
    });

    it("a versioned object deleted after the unit's own updateWhere/upsert of its row is deleted; another writer's change still makes it StaleDataError", async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => {
        s.addAll([new Account({ tid: 1, name: 'a' }), new Account({ tid: 2, name: 'b' }), new Account({ tid: 3, name: 'c' })]);
      });
      const s = Session();
      const [a, b, c] = await s.select(Account).orderBy({ id: 'asc' }).all();
      const bumped = s.updateWhere(Account, { id: (a as Account).id }, { balance: increment(5) });
      s.delete(a as Account);
      s.upsert(Account, { tid: 2, name: 'B' }, { on: ['tid'] });
      s.delete(b as Account);
      await s.commit();
      expect(bumped.rowsAffected).toBe(1);
      expect((await Session().select(Account).orderBy({ id: 'asc' }).all()).map((x) => x.tid)).toEqual([3]);
      // Someone else changes c after it was read: the delete is stale, and nothing of the unit is written.
      await Session.begin(async (o) => o.updateWhere(Account, { id: (c as Account).id }, { name: 'theirs' }));
      s.updateWhere(Account, { id: (c as Account).id }, { balance: increment(1) });
      s.delete(c as Account);
      const e = await rejectsWith(s.commit(), StaleDataError);
      expect(e.id).toBe((c as Account).id);
      const after = await Session().getOrThrow(Account, (c as Account).id);
      expect([after.name, after.balance, after.version]).toEqual(['theirs', 0, 2]);
      await s.close();
    });

    it('Session.begin(fn, { retry }) re-runs a unit that lost the race, so no increment is lost', async () => {
      const { Session } = await setup(target);
      const created = await Session.begin(async (s) => {
        const a = new Account({ tid: 1, name: 'n' });
        s.add(a);
        return a;
      });
      let runs = 0;
      const bump = () =>
        Session.begin(
          async (s) => {
            runs++;
            const a = await s.getOrThrow(Account, created.id);
            a.balance = a.balance + 1;
            // Interleave: both sessions read before either writes.
            await new Promise((r) => setTimeout(r, 0));
          },
          { retry: { attempts: 10 } },
        );
      await Promise.all([bump(), bump(), bump()]);
      expect((await Session().getOrThrow(Account, created.id)).balance).toBe(3);
      expect(runs).toBeGreaterThan(3);
    });

    it('increment() is atomic in SQL and refreshes loaded objects; it refuses non-numeric columns', async () => {
      const { Session } = await setup(target);
      const s = Session();
      s.add(new Account({ tid: 1, name: 'n' }));
      await s.commit();
      const a = (await s.select(Account).one()) as Account;
      await Promise.all(
        [1, 2, 3].map(() =>
          Session.begin(async (other) => {
            other.updateWhere(Account, { tid: 1 }, { balance: increment(5) });
          }),
        ),
      );
      const r = s.updateWhere(Account, { tid: 1 }, { balance: increment(-1) });
      await s.commit();
      expect(r.rowsAffected).toBe(1);
      expect(a.balance).toBe(14);
      expect(a.version).toBe(5);
      expect(() => s.updateWhere(Account, { tid: 1 }, { name: increment(1) as never })).toThrow(ValidationError);
      expect(() => s.updateWhere(Account, { tid: 1 }, { balance: increment(1.5) })).toThrow(ValidationError);
      expect(() => s.updateWhere(Account, { tid: 1 }, { version: 3 } as never)).toThrow(ValidationError);
      await s.close();
    });
  });

  describe('unit of work: the identity map follows the database', () => {
    it('a query returns current values for loaded objects without pending changes, and keeps pending edits', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) =>
        s.addAll([new User({ telegram_id: 1, username: 'a' }), new User({ telegram_id: 2, username: 'b' })]),
      );
      const s = Session();
      const [one, two] = (await s.select(User).orderBy({ telegram_id: 'asc' }).all()) as User[];
      (two as User).username = 'local edit';
      await Session.begin(async (o) => {
        o.updateWhere(User, { telegram_id: { in: [1, 2] } }, { username: 'remote' });
      });
      const found = await s.select(User).where({ username: 'remote' }).orderBy({ telegram_id: 'asc' }).all();
      expect(found[0]).toBe(one);
      expect((one as User).username).toBe('remote');
      expect(found[1]).toBe(two);
      expect((two as User).username).toBe('local edit');
      await s.close();
    });

    it('committed updateWhere refreshes the objects it changed; committed deleteWhere removes them (get gives null)', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.addAll([new User({ telegram_id: 1 }), new User({ telegram_id: 2 })]));
      const s = Session();
      const [one, two] = (await s.select(User).orderBy({ telegram_id: 'asc' }).all()) as User[];
      const before = (one as User).updated_at.getTime();
      s.updateWhere(User, { telegram_id: 1 }, { username: 'set in SQL', score: 2.5 });
      s.deleteWhere(User, { telegram_id: 2 });
      await s.commit();
      expect((one as User).username).toBe('set in SQL');
      expect((one as User).score).toBe(2.5);
      expect((one as User).updated_at.getTime()).toBeGreaterThanOrEqual(before);
      expect(await s.get(User, (two as User).id)).toBeNull();
      expect(inspect(two as Entity)).toMatchObject({ state: 'detached', rowDeleted: true });
      expect(await s.get(User, (one as User).id)).toBe(one);
      await s.close();
    });

    it('expire() and refresh() reload values after raw SQL', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.add(new User({ telegram_id: 1, username: 'old' })));
      const s = Session();
      const u = (await s.select(User).one()) as User;
      await s.execute(sql`UPDATE users SET username = ${'raw'}`);
      expect(u.username).toBe('old');
      await s.refresh(u);
      expect(u.username).toBe('raw');
      await s.execute(sql`UPDATE users SET username = ${'again'}`);
      s.expire(u);
      expect(await s.get(User, u.id)).toBe(u);
      expect(u.username).toBe('again');
      await s.close();
    });
  });

  describe('unit of work: rollback', () => {
    it('inside engine.transaction, rollback() discards only unflushed work and keeps the session open', async () => {
      const { engine, Session, driver } = await setup(target);
      if (!engine.capabilities.interactiveTransactions) return expectUnsupported(engine.transaction(async () => 1));
      await engine.transaction(async (s) => {
        s.add(new User({ telegram_id: 1 }));
        await s.flush();
        s.add(new User({ telegram_id: 2 }));
        s.rollback();
        expect(s.closed).toBe(false);
        s.add(new User({ telegram_id: 3 }));
      });
      const tids = (await Session().select(User).orderBy({ telegram_id: 'asc' }).all()).map((u) => u.telegram_id);
      expect(tids).toEqual([1, 3]);
      expect((await counts(driver)).users).toBe(2);
    });

    it('an object whose flushed insert was rolled back is transient again (no id) and can be added anew', async () => {
      const { engine, Session } = await setup(target);
      if (!engine.capabilities.interactiveTransactions) return expectUnsupported(engine.transaction(async () => 1));
      const u = new User({ telegram_id: 5 });
      const boom = new Error('boom');
      const err = await engine
        .transaction(async (s) => {
          s.add(u);
          await s.flush();
          expect(typeof u.id).toBe('number');
          throw boom;
        })
        .catch((e: unknown) => e);
      expect(err).toBe(boom);
      expect(inspect(u)).toMatchObject({ state: 'transient', id: undefined });
      expect(u.created_at).toBeUndefined();
      await Session.begin(async (s) => s.add(u));
      expect((await Session().getOrThrow(User, u.id)).telegram_id).toBe(5);
    });

    it('a plain rollback makes pending objects transient again', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const u = new User({ telegram_id: 1 });
      s.add(u);
      s.rollback();
      expect(inspect(u).state).toBe('transient');
      await s.commit();
      expect(await s.select(User).count()).toBe(0);
      await s.close();
    });
  });

  describe('unit of work: rollback while a commit is in flight', () => {
    /** The suite's database behind a {@link holdingDriver}. */
    const heldSetup = async () => {
      let held!: ReturnType<typeof holdingDriver>;
      const ctx = await setup(target, {
        wrap: (d) => {
          held = holdingDriver(d);
          return held.driver;
        },
      });
      return { ...ctx, held };
    };
    const usersById = async (driver: Driver) =>
      (await driver.execute({ sql: 'SELECT id, telegram_id FROM users ORDER BY id', params: [], returnsRows: true })).rows.map((r) =>
        r.map(Number),
      );

    it("a failing commit's work is discarded, not kept for the next commit; work queued after the rollback is kept", async () => {
      const { Session, driver, held } = await heldSetup();
      await Session.begin(async (o) => o.add(new User({ telegram_id: 1 })));
      const s = Session();
      const dup = new User({ telegram_id: 1 });
      s.add(dup);
      const h = held.holdNext();
      const committing = s.commit();
      const failed = committing.then(
        () => undefined,
        (e: unknown) => e,
      );
      await h.called;
      s.rollback();
      const later = new User({ telegram_id: 2 });
      s.add(later);
      h.release();
      expect(await failed).toBeInstanceOf(UniqueConstraintError);
      expect(inspect(dup)).toMatchObject({ state: 'transient', id: undefined });
      expect(inspect(later).state).toBe('pending');
      await s.commit();
      expect(typeof later.id).toBe('number');
      expect((await usersById(driver)).map((r) => r[1])).toEqual([1, 2]);
      await s.close();
    });

    it('a succeeding commit stands: its rows are written and its objects carry them', async () => {
      const { Session, driver, held } = await heldSetup();
      const s = Session();
      const u = new User({ telegram_id: 3 });
      s.add(u);
      const h = held.holdNext();
      const committing = s.commit();
      await h.called;
      s.rollback();
      h.release();
      await committing;
      expect(typeof u.id).toBe('number');
      expect(u.created_at).toBeInstanceOf(Date);
      await s.commit(); // nothing left to send
      expect(await usersById(driver)).toEqual([[u.id, 3]]);
      await s.close();
    });
  });

  describe('unit of work: reads and rollback around a commit in flight', () => {
    it('rollback() right after an un-awaited commit() does not empty it: the row is written and the object carries it', async () => {
      const { Session, driver } = await setup(target);
      const s = Session();
      const u = new User({ telegram_id: 7 });
      s.add(u);
      const committing = s.commit();
      s.rollback();
      await committing;
      expect(inspect(u).state).toBe('persistent');
      expect((await counts(driver)).users).toBe(1);
      expect((await Session().getOrThrow(User, u.id)).telegram_id).toBe(7);
      await s.close();
    });

    it('a read started while the commit is in flight (its rows already written) waits for it: one object per row, and edits to it are written', async () => {
      let held!: ReturnType<typeof holdingDriver>;
      const { Session } = await setup(target, {
        wrap: (d) => {
          held = holdingDriver(d);
          return held.driver;
        },
      });
      const s = Session();
      const u = new User({ telegram_id: 8, username: 'a' });
      s.add(u);
      const h = held.holdNext({ after: true });
      const committing = s.commit();
      await h.called; // the batch has run; its results are not back yet
      let readDone = false;
      const reading = s
        .select(User)
        .all()
        .then((rows) => {
          readDone = true;
          return rows;
        });
      const byId = s.select(User).count();
      await Promise.resolve();
      expect(readDone).toBe(false);
      h.release();
      await committing;
      const [x] = await reading;
      expect(await byId).toBe(1);
      expect(x).toBe(u);
      (x as User).username = 'edited';
      await s.commit();
      expect((await Session().getOrThrow(User, u.id)).username).toBe('edited');
      await s.close();
    });
  });

  describe('unit of work: no hangs', () => {
    it('engine.transaction nested in another, or a plain session committing inside one, is StateError', async () => {
      const { engine, Session } = await setup(target, { engine: { transactionWaitMs: 200 } });
      if (!engine.capabilities.interactiveTransactions) return expectUnsupported(engine.transaction(async () => 1));
      await engine.transaction(async (s) => {
        s.add(new User({ telegram_id: 1 }));
        await rejectsWith(
          engine.transaction(async () => 1),
          StateError,
        );
        const plain = Session();
        plain.add(new User({ telegram_id: 2 }));
        await rejectsWith(plain.commit(), StateError);
        await plain.close();
      });
      expect(await Session().select(User).count()).toBe(1);
    });
  });

  describe('unit of work: raw SQL cannot break atomicity', () => {
    it('transaction control and multiple statements are refused by execute and addStatement', async () => {
      const { Session, driver } = await setup(target);
      const s = Session();
      s.add(new User({ telegram_id: 1 }));
      for (const q of [
        sql`COMMIT`,
        sql`BEGIN`,
        sql`ROLLBACK`,
        sql`END`,
        sql`SAVEPOINT x`,
        sql`RELEASE x`,
        sql`SELECT 1; DELETE FROM users`,
      ]) {
        expect(() => s.addStatement(q)).toThrow(ValidationError);
        await rejectsWith(s.execute(q), ValidationError);
      }
      await s.commit();
      expect((await counts(driver)).users).toBe(1);
      await s.close();
    });

    it('a caught INSERT OR ROLLBACK failure inside a transaction fails the whole transaction; nothing of it is written', async () => {
      const { engine, Session } = await setup(target);
      if (!engine.capabilities.interactiveTransactions) return expectUnsupported(engine.transaction(async () => 1));
      await Session.begin(async (s) => s.add(new User({ telegram_id: 1 })));
      const err = await engine
        .transaction(async (s) => {
          s.add(new User({ telegram_id: 2 }));
          await s.flush();
          await s.execute(sql`INSERT OR ROLLBACK INTO users (telegram_id) VALUES (${1})`).catch(() => undefined);
          await s.execute(sql`INSERT INTO users (telegram_id) VALUES (${3})`).catch(() => undefined);
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateError);
      const tids = (await Session().select(User).all()).map((u) => u.telegram_id);
      expect(tids).toEqual([1]);
    });
  });

  describe("unit of work: the caller's own errors pass through unchanged", () => {
    it('from engine.transaction, Session.begin, withSession and DAO callbacks: the same object', async () => {
      const { engine, Session } = await setup(target);
      class Custom extends Error {}
      const mine = new Custom('mine');
      if (engine.capabilities.interactiveTransactions) {
        expect(
          await engine
            .transaction(async () => {
              throw mine;
            })
            .catch((e: unknown) => e),
        ).toBe(mine);
      }
      expect(
        await Session.begin(async () => {
          throw mine;
        }).catch((e: unknown) => e),
      ).toBe(mine);
      const handler = withSession(Session, async () => {
        throw mine;
      });
      expect(await handler().catch((e: unknown) => e)).toBe(mine);
      class UserDAO extends BaseDAO(User) {
        async failing(): Promise<never> {
          await this.findAll();
          throw mine;
        }
      }
      expect(await Session.begin((s) => new UserDAO(s).failing()).catch((e: unknown) => e)).toBe(mine);
    });
  });

  describe('unit of work: driver results are never mutated', () => {
    it('commits, queries and refreshes work on frozen results', async () => {
      const { Session } = await setup(target, { wrap: freezingDriver });
      const s = Session();
      s.addAll(Array.from({ length: 50 }, (_, i) => new User({ telegram_id: 50 - i })));
      s.add(new Sample({ bl: new Uint8Array([1]), big: 5n, j: { a: 1 } }));
      s.upsert(User, { telegram_id: 999, username: 'u' }, { on: ['telegram_id'] });
      await s.commit();
      const all = (await s.select(User).all()) as User[];
      (all[0] as User).username = 'x';
      s.updateWhere(User, { telegram_id: { gte: 10 } }, { score: 1 });
      s.deleteWhere(User, { telegram_id: 1 });
      await s.commit();
      expect(await Session().select(User).count()).toBe(50);
      await s.close();
    });
  });

  describe('unit of work: a commit whose outcome is unknown is settled from the database', () => {
    for (const when of ['before', 'after'] as const) {
      it(`connection lost ${when} the real batch: wasApplied() says ${when === 'after'}, and a retry applies the unit at most once`, async () => {
        let fault!: ReturnType<typeof faultyDriver>;
        const { Session, driver } = await setup(target, {
          engine: { unitLog: true },
          wrap: (d) => {
            fault = faultyDriver(d);
            return fault.driver;
          },
        });
        const s = Session();
        const objects = [new User({ telegram_id: 1 }), new User({ telegram_id: 2 })];
        s.addAll(objects);
        fault.failNext(when);
        const err = await rejectsWith(s.commit(), CommitOutcomeUnknownError);
        expect(typeof err.unitId).toBe('string');
        expect(await err.wasApplied()).toBe(when === 'after');
        expect((await counts(driver)).users).toBe(when === 'after' ? 2 : 0);
        if (when === 'after') {
          await rejectsWith(s.commit(), UnitAlreadyAppliedError);
          await s.commit();
        } else {
          await s.commit();
          expect(ids(objects).every((id) => typeof id === 'number')).toBe(true);
        }
        expect((await counts(driver)).users).toBe(2);
        await s.close();
      });
    }

    it("an in-process driver's failed commit is a definite error, never an unknown outcome; a remote one's is unknown", async () => {
      for (const remote of [false, true]) {
        let fault!: ReturnType<typeof faultyDriver>;
        let realRemote = false;
        const { Session, driver, engine } = await setup(target, {
          engine: { unitLog: false },
          wrap: (d) => {
            realRemote = d.capabilities?.remote === true;
            fault = faultyDriver(d, { remote: remote || realRemote });
            return fault.driver;
          },
        });
        const s = Session();
        s.add(new User({ telegram_id: 1 }));
        fault.failNext('before');
        const err = await rejectsWith(s.commit(), ConnectionError);
        // A driver that is itself remote (the browser Worker) reports its own lost connections as unknown.
        expect(err instanceof CommitOutcomeUnknownError, `remote: ${remote}`).toBe(remote || realRemote);
        expect((await counts(driver)).users).toBe(0);
        await s.commit(); // the unit is still there, and applies once
        expect((await counts(driver)).users).toBe(1);
        await s.close();
        await engine.close(); // one database at a time (the browser Worker holds one)
      }
    });

    it('without a unit log, wasApplied() is UnsupportedError naming the option', async () => {
      let fault!: ReturnType<typeof faultyDriver>;
      const { Session } = await setup(target, {
        engine: { unitLog: false },
        wrap: (d) => {
          fault = faultyDriver(d);
          return fault.driver;
        },
      });
      const s = Session();
      s.add(new User({ telegram_id: 1 }));
      fault.failNext('before');
      const err = await rejectsWith(s.commit(), CommitOutcomeUnknownError);
      const unsupported = await rejectsWith(err.wasApplied(), UnsupportedError);
      expect(unsupported.message).toContain('unitLog');
      await s.close();
    });
  });

  describe('engine: the schema check at first use (verifyModels)', () => {
    it('a table missing a column fails the first statement of any session with SchemaError naming it; nothing is written', async () => {
      const { Session, engine, driver } = await setup(target, { create: false, engine: { verifyModels: [User] } });
      await engine.execute({
        sql: 'CREATE TABLE users (id INTEGER PRIMARY KEY, telegram_id INTEGER, created_at TEXT, updated_at TEXT)',
        params: [],
      });
      const s = Session();
      s.add(new User({ telegram_id: 1 }));
      const err = await rejectsWith(s.commit(), SchemaError);
      expect(err.message).toContain('username');
      await rejectsWith(s.select(User).count(), SchemaError);
      expect((await dump(driver, 'users')).length).toBe(0);
      await s.close();
    });

    it('every kind of read waits for the check, on the synchronous read path too: get, select, count, one', async () => {
      const { Session, engine } = await setup(target, { create: false, engine: { verifyModels: [User] } });
      await engine.execute({
        sql: 'CREATE TABLE users (id INTEGER PRIMARY KEY, telegram_id INTEGER, created_at TEXT, updated_at TEXT)',
        params: [],
      });
      const s = Session();
      // Reads first: nothing has run the check yet, and a failed check runs again on the next statement.
      await rejectsWith(s.get(User, 1), SchemaError);
      await rejectsWith(s.select(User).all(), SchemaError);
      await rejectsWith(s.select(User).where({ telegram_id: 1 }).one(), SchemaError);
      await rejectsWith(s.select(User).count(), SchemaError);
      await s.close();
    });
  });

  describe('unit of work: validation before anything is written', () => {
    it('updateWhere refuses empty filters unless { all: true }; upsert refuses duplicated or null conflict keys', async () => {
      const { Session } = await setup(target);
      const s = Session();
      expect(() => s.updateWhere(User, {}, { username: 'x' })).toThrow(ValidationError);
      s.add(new User({ telegram_id: 1 }));
      await s.commit();
      const all = s.updateWhere(User, {}, { username: 'x' }, { all: true });
      await s.commit();
      expect(all.rowsAffected).toBe(1);
      expect(() => s.upsert(User, { telegram_id: 1 }, { on: ['telegram_id', 'telegram_id'] })).toThrow(ValidationError);
      expect(() => s.upsert(User, { telegram_id: 5, email: null }, { on: ['email'] })).toThrow(ValidationError);
      await expect(s.commit()).resolves.toBeUndefined();
      await s.close();
    });

    it('filters made only of empty and/or/not (e.g. { or: [{}] }) match every row or none: the ones matching every row need { all: true } too', async () => {
      const { Session, driver } = await setup(target);
      await Session.begin(async (s) => {
        s.addAll([new User({ telegram_id: 1 }), new User({ telegram_id: 2 })]);
      });
      const { tree } = fc.letrec<{ tree: object }>((t) => ({
        tree: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          fc.constant({}),
          fc.record({ or: fc.array(t('tree'), { maxLength: 3 }) }),
          fc.record({ and: fc.array(t('tree'), { maxLength: 3 }) }),
          fc.record({ not: t('tree') }),
        ),
      }));
      const s = Session();
      await fc.assert(
        fc.asyncProperty(tree, async (f) => {
          const filters = f as Filters<typeof User>;
          const n = await s.select(User).where(filters).count();
          expect([0, 2]).toContain(n);
          if (n === 2) {
            expect(() => s.deleteWhere(User, filters)).toThrow(ValidationError);
            expect(() => s.updateWhere(User, filters, { username: 'x' })).toThrow(ValidationError);
          } else {
            s.deleteWhere(User, filters);
            s.updateWhere(User, filters, { username: 'x' });
          }
          await s.commit();
          expect((await counts(driver)).users).toBe(2);
        }),
        { numRuns: 200 },
      );
      await s.close();
    });

    it('a stale version of a re-added detached object is caught at commit', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.add(new Account({ tid: 1, name: 'a' })));
      const s1 = Session();
      const a = (await s1.select(Account).one()) as Account;
      await s1.close();
      await Session.begin(async (s) => s.updateWhere(Account, { tid: 1 }, { name: 'b' }));
      const s2 = Session();
      s2.add(a);
      a.name = 'c';
      await rejectsWith(s2.commit(), StaleDataError);
      await s2.close();
    });
  });
}

async function expectUnsupported(p: Promise<unknown>): Promise<void> {
  await rejectsWith(p, UnsupportedError);
}
