/** BaseDAO, the template's repository, on every adapter. */
import {
  BaseDAO,
  MultipleResultsError,
  NotFoundError,
  StateError,
  sessionMiddleware,
  sql,
  UniqueConstraintError,
  ValidationError,
  withSession,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, counts, rejectsWith, setup, sleep } from './harness.ts';
import { Account, User, Wide } from './models.ts';
import { fcRuns } from './value-arbitraries.ts';

class UserDAO extends BaseDAO(User) {
  /** A custom query next to the generic ones. */
  admins() {
    return this.findAll({ is_admin: true });
  }
}
class WideDAO extends BaseDAO(Wide) {}

export function daoTests(target: ConformanceTarget): void {
  describe('BaseDAO', () => {
    it('finds by id and by filters; find_one_or_none raises on several rows', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => {
        await new UserDAO(s).addMany([
          { telegram_id: 1, username: 'a' },
          { telegram_id: 2, username: 'a' },
          { telegram_id: 3, is_admin: true },
        ]);
      });
      await using s = Session();
      const users = new UserDAO(s);
      const one = await users.findOneOrNone({ telegram_id: 3 });
      expect(one?.is_admin).toBe(true);
      expect(await users.findOneOrNoneById(one?.id ?? 0)).toBe(one);
      expect(await users.findOneOrNoneById(999_999)).toBeNull();
      expect(await users.findOneOrNone({ telegram_id: 4 })).toBeNull();
      await rejectsWith(users.findOneOrNone({ username: 'a' }), MultipleResultsError);
      expect((await users.findAll()).map((u) => u.telegram_id)).toEqual([1, 2, 3]);
      expect((await users.findAll({ username: 'a' }, { orderBy: { telegram_id: 'desc' } })).map((u) => u.telegram_id)).toEqual([2, 1]);
      expect((await users.admins()).map((u) => u.telegram_id)).toEqual([3]);
      expect(await users.count()).toBe(3);
      expect(await users.count({ username: 'a' })).toBe(2);
    });

    it('add and addMany validate everything first; one bad row means nothing is queued', async () => {
      const { Session, driver } = await setup(target);
      await using s = Session();
      const users = new UserDAO(s);
      const err = await rejectsWith(
        users.addMany([{ telegram_id: 1 }, { telegram_id: 'x' as never }, { nope: 1 } as never]),
        ValidationError,
      );
      expect([...new Set(err.issues.map((i) => i.path[0]))]).toEqual([1, 2]);
      await s.commit();
      expect((await counts(driver)).users).toBe(0);
      const u = await users.add({ telegram_id: 7 });
      expect(u.id).toBeUndefined();
      await s.commit();
      expect(u.id).toBeGreaterThan(0);
    });

    it('the derived schemas refuse what every write refuses (a t.version() column, managed timestamps); addMany reports it by index', async () => {
      const { Session, driver } = await setup(target);
      for (const managed of ['version', 'created_at', 'updated_at', 'id'] as const) {
        const value = managed === 'version' || managed === 'id' ? 3 : new Date();
        expect(Account.schemas.insert.safeParse({ tid: 1, name: 'a', [managed]: value }).success, managed).toBe(false);
        expect(Account.schemas.update.safeParse({ [managed]: value }).success, managed).toBe(false);
        expect(() => new Account({ tid: 1, name: 'a', [managed]: value } as never), managed).toThrow(ValidationError);
      }
      expect(Account.schemas.insert.safeParse({ tid: 1, name: 'a' }).success).toBe(true);
      await using s = Session();
      const accounts = new (BaseDAO(Account))(s);
      const err = await rejectsWith(accounts.addMany([{ tid: 1, name: 'a' }, { tid: 2, name: 'b', version: 3 } as never]), ValidationError);
      expect(err.issues.map((i) => i.path[0])).toEqual([1]);
      await s.commit();
      expect((await counts(driver)).accounts).toBe(0);
    });

    it('update returns the changed-row count after commit and refreshes updated_at; delete refuses empty filters', async () => {
      const { Session } = await setup(target);
      await using s = Session();
      const users = new UserDAO(s);
      const [a] = await users.addMany([{ telegram_id: 1 }, { telegram_id: 2 }, { telegram_id: 3 }]);
      await s.commit();
      const before = a?.updated_at.getTime() ?? 0;
      await sleep(15);
      const res = await users.update({ telegram_id: { lte: 2 } }, { username: 'x' });
      expect(() => res.rowsAffected).toThrow(StateError);
      await s.commit();
      expect(res.rowsAffected).toBe(2);
      const fresh = await new UserDAO(Session()).findOneOrNone({ telegram_id: 1 });
      expect(fresh?.updated_at.getTime()).toBeGreaterThan(before);
      await rejectsWith(users.delete({}), ValidationError);
      const del = await users.delete({ username: 'x' });
      await s.commit();
      expect(del.rowsAffected).toBe(2);
      const all = await users.delete({}, { all: true });
      await s.commit();
      expect(all.rowsAffected).toBe(1);
    });

    it('paginates in a stable order with total and page count', async () => {
      const { Session } = await setup(target);
      await using s = Session();
      const users = new UserDAO(s);
      await users.addMany(Array.from({ length: 25 }, (_, k) => ({ telegram_id: k + 1, username: k % 2 ? 'odd' : 'even' })));
      await s.commit();
      const p1 = await users.paginate({ page: 1, pageSize: 10 });
      const p3 = await users.paginate({ page: 3, pageSize: 10 });
      expect(p1.items.map((u) => u.telegram_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(p3.items.map((u) => u.telegram_id)).toEqual([21, 22, 23, 24, 25]);
      expect([p1.total, p1.pages, p3.page]).toEqual([25, 3, 3]);
      const odd = await users.paginate({ page: 2, pageSize: 5, filters: { username: 'odd' }, orderBy: { username: 'asc' } });
      expect(odd.items.map((u) => u.telegram_id)).toEqual([12, 14, 16, 18, 20]);
      expect([odd.total, odd.pages]).toEqual([12, 3]);
      expect((await users.paginate({ page: 9 })).items).toEqual([]);
      await rejectsWith(users.paginate({ page: 0 }), ValidationError);
      await rejectsWith(users.paginate({ pageSize: 100_000 }), ValidationError);
    });

    it('findByIds takes 5,000 ids (one bound parameter), keeps input order, skips or reports missing ids', async () => {
      const { Session } = await setup(target);
      await using s = Session();
      const users = new UserDAO(s);
      const added = await users.addMany(Array.from({ length: 300 }, (_, k) => ({ telegram_id: k + 1 })));
      await s.commit();
      const ids = added.map((u) => u.id);
      const wanted = [...ids.slice(0, 200).reverse(), ...Array.from({ length: 4800 }, (_, k) => 1_000_000 + k)];
      const found = await users.findByIds(wanted);
      expect(found.map((u) => u.id)).toEqual(ids.slice(0, 200).reverse());
      await rejectsWith(users.findByIds(wanted, { missing: 'error' }), NotFoundError);
      const dup = await users.findByIds([ids[1] as number, ids[0] as number, ids[1] as number]);
      expect(dup.map((u) => u.id)).toEqual([ids[1], ids[0], ids[1]]);
      await rejectsWith(users.findByIds([1, 'x' as never]), ValidationError);
      expect(await users.findByIds([])).toEqual([]);
    });

    it('addMany of 2,000 rows × 8 columns commits atomically under the adapter parameter limit', async () => {
      const { Session, driver } = await setup(target);
      await using s = Session();
      const wide = new WideDAO(s);
      const rows = Array.from({ length: 2000 }, (_, k) => ({
        c1: k,
        c2: k * 2,
        c3: `t${k}`,
        c4: 'y',
        c5: k / 4,
        c6: k % 3 === 0,
        c7: k % 5 ? null : 'n',
        c8: null,
      }));
      await wide.addMany(rows);
      await s.commit();
      expect(await wide.count()).toBe(2000);
      const sample = await wide.findAll({ c1: { in: [0, 999, 1999] } });
      expect(sample.map((r) => [r.c1, r.c3, r.c6, r.c7])).toEqual([
        [0, 't0', true, 'n'],
        [999, 't999', true, null],
        [1999, 't1999', false, null],
      ]);
      // A failure after the last chunk rolls every chunk back.
      const first = (await wide.findAll(undefined, { limit: 1 }))[0]?.id;
      await wide.addMany(rows);
      s.addStatement(sql`INSERT INTO wides (id, c1, c2, c3, c4, c5, c6) VALUES (${first}, 0, 0, '', '', 0, 0)`);
      await rejectsWith(s.commit(), UniqueConstraintError);
      s.rollback();
      expect((await counts(driver)).wides).toBe(2000);
    });

    it('insertMany bulk-inserts plain rows in the unit of work: validated first, chunked, atomic, counted', async () => {
      const { Session, driver } = await setup(target);
      await using s = Session();
      const wide = new WideDAO(s);
      const rows = Array.from({ length: 2000 }, (_, k) => ({ c1: k, c2: k, c3: `b${k}`, c4: 'z', c5: 0.5, c6: k % 2 === 0, c8: k }));
      const bad = await rejectsWith(
        wide.insertMany([...rows.slice(0, 3), { ...rows[3], c3: 7 } as never, { nope: 1 } as never]),
        ValidationError,
      );
      expect([...new Set(bad.issues.map((i) => i.path[0]))]).toEqual([3, 4]);
      const res = await wide.insertMany(rows);
      s.add(new User({ telegram_id: 1 }));
      await s.commit();
      expect(res.rowsAffected).toBe(2000);
      expect(await wide.count()).toBe(2000);
      const back = await wide.findAll({ c1: { in: [0, 1999] } });
      expect(back.map((r) => [r.c3, r.c6, r.c7, r.c8])).toEqual([
        ['b0', true, null, 0],
        ['b1999', false, null, 1999],
      ]);
      expect(back[0]?.created_at).toBeInstanceOf(Date);
      // All-or-nothing with the rest of the unit of work.
      await wide.insertMany(rows);
      s.add(new User({ telegram_id: 1 })); // duplicate: the commit fails
      await rejectsWith(s.commit(), UniqueConstraintError);
      s.rollback();
      expect((await counts(driver)).wides).toBe(2000);
    });

    it('upsert is an atomic ON CONFLICT on a declared unique key', async () => {
      const { Session } = await setup(target);
      await using s = Session();
      const users = new UserDAO(s);
      const a = await users.upsert(['telegram_id'], { telegram_id: 9, username: 'one' });
      await s.commit();
      const b = await users.upsert(['telegram_id'], { telegram_id: 9, username: 'two' });
      await s.commit();
      expect(b.id).toBe(a.id);
      expect(b.username).toBe('two');
      expect(a.username).toBe('two'); // the session's object for that row is refreshed too
      expect(await users.count()).toBe(1);
    });

    it('bulkUpdate validates every record, then writes them all in one atomic commit', async () => {
      const { Session } = await setup(target);
      await using s = Session();
      const users = new UserDAO(s);
      const added = await users.addMany([1, 2, 3].map((k) => ({ telegram_id: k, email: `u${k}@x.org` })));
      await s.commit();
      const [u1, u2, u3] = added.map((u) => u.id) as [number, number, number];
      await rejectsWith(users.bulkUpdate([{ id: u1, username: 'a' }, { username: 'no id' } as never]), ValidationError);
      const res = await users.bulkUpdate([
        { id: u1, username: 'a' },
        { id: u2, username: 'b' },
        { id: 424242, username: 'ghost' },
      ]);
      await s.commit();
      expect(res.rowsAffected).toBe(2);
      await users.bulkUpdate([
        { id: u1, username: 'changed' },
        { id: u3, email: 'u2@x.org' }, // unique violation: the whole commit fails
      ]);
      await rejectsWith(s.commit(), UniqueConstraintError);
      s.rollback();
      expect((await new UserDAO(Session()).findOneOrNoneById(u1))?.username).toBe('a');
    });

    it('null options are taken as no options (findAll, findOneOrNone, findByIds, paginate), never a TypeError', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => {
        await new UserDAO(s).add({ telegram_id: 1 });
      });
      await using s = Session();
      const users = new UserDAO(s);
      const [u] = await users.findAll({}, null as never);
      expect(u?.telegram_id).toBe(1);
      expect(await users.findOneOrNone({ telegram_id: 1 }, null as never)).toBe(u);
      expect(await users.findByIds([u?.id ?? 0], null as never)).toEqual([u]);
      expect((await users.paginate(null as never)).total).toBe(1);
    });

    it('sparse arrays: a hole in in/notIn lists, addMany, insertMany or bulkUpdate is a ValidationError at its index; nothing written', async () => {
      const { Session, driver } = await setup(target);
      await Session.begin(async (s) => {
        await new UserDAO(s).addMany([{ telegram_id: 1 }, { telegram_id: 2 }]);
      });
      const sparse = fc
        .array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 })
        .chain((xs) => fc.tuple(fc.constant(xs), fc.subarray([...xs.keys()], { minLength: 1 })));
      await fc.assert(
        fc.asyncProperty(sparse, async ([xs, holes]) => {
          const make = <V>(f: (x: number) => V): V[] => {
            const out = xs.map(f);
            for (const h of holes) delete out[h];
            return out;
          };
          const wantIssues = (err: ValidationError, ...prefix: (string | number)[]) =>
            expect(err.issues.map((i) => i.path.slice(0, prefix.length + 1))).toEqual(holes.map((h) => [...prefix, h]));
          await using s = Session();
          const users = new UserDAO(s);
          wantIssues(await rejectsWith(users.findAll({ id: { in: make((x) => x) } }), ValidationError), 'id', 'in');
          wantIssues(await rejectsWith(users.count({ telegram_id: { notIn: make((x) => x) } }), ValidationError), 'telegram_id', 'notIn');
          wantIssues(await rejectsWith(users.addMany(make((x) => ({ telegram_id: 100 + x }))), ValidationError));
          await rejectsWith(users.insertMany(make((x) => ({ telegram_id: 100 + x }))), ValidationError);
          // The bulkUpdate check is session.ts's (updateByIds): a hole is refused, not skipped.
          await rejectsWith(users.bulkUpdate(make(() => ({ id: 1, username: 'x' }))), ValidationError);
          await s.commit();
          expect((await counts(driver)).users).toBe(2);
          expect((await new UserDAO(Session()).findAll()).map((u) => u.username)).toEqual([null, null]);
        }),
        { numRuns: Math.min(fcRuns(), 50) },
      );
    });

    it('add and addMany accept and refuse the same value objects (managed keys set to undefined, model instances)', async () => {
      const { Session, driver } = await setup(target);
      const field = <V>(arb: fc.Arbitrary<V>) => fc.option(arb, { nil: undefined, freq: 3 });
      const values = fc.record(
        {
          id: field(fc.constantFrom<unknown>(undefined, 1, null)),
          created_at: field(fc.constantFrom<unknown>(undefined, new Date(0), null)),
          updated_at: field(fc.constantFrom<unknown>(undefined, new Date(0))),
          telegram_id: field(fc.oneof(fc.integer({ min: 1, max: 1e6 }), fc.constantFrom<unknown>('1', 1.5, null))),
          username: field(fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom<unknown>(null, 5))),
          is_admin: field(fc.constantFrom<unknown>(true, false, 1, null)),
          score: field(fc.constantFrom<unknown>(0, 1.5, Number.NaN, '2')),
          nope: field(fc.constantFrom<unknown>(1, undefined)),
        },
        { requiredKeys: [] },
      );
      const outcome = async (p: () => Promise<unknown>): Promise<string> => {
        try {
          await p();
          return 'ok';
        } catch (e) {
          return (e as Error).constructor.name;
        }
      };
      await fc.assert(
        fc.asyncProperty(values, async (v) => {
          await using s = Session();
          const users = new UserDAO(s);
          const add = await outcome(() => users.add(v as never));
          expect(await outcome(() => users.addMany([v as never])), 'addMany([v])').toBe(add);
          if (add === 'ok') expect(await outcome(() => users.addMany([new User(v as never)])), 'addMany([new User(v)])').toBe('ok');
        }),
        { numRuns: Math.min(fcRuns(), 100) },
      );
      expect((await counts(driver)).users).toBe(0);
    });

    it('rejects JSON filter objects with prototype keys, unknown keys and smuggled operators; nothing written', async () => {
      const { Session, driver } = await setup(target);
      await using s = Session();
      const users = new UserDAO(s);
      for (const f of [
        '{"__proto__": {"telegram_id": 1}}',
        '{"constructor": {"prototype": {}}}',
        '{"telegram_id": {"$gt": 0}}',
        '{"admin": true}',
      ]) {
        await rejectsWith(users.findAll(JSON.parse(f)), ValidationError);
        await rejectsWith(users.update(JSON.parse(f), { username: 'x' }), ValidationError);
        await rejectsWith(users.delete(JSON.parse(f)), ValidationError);
        await rejectsWith(users.count(JSON.parse(f)), ValidationError);
      }
      await s.commit();
      expect((await counts(driver)).users).toBe(0);
    });

    it('middleware helpers: one handler, one session, commit on success, rollback on error', async () => {
      const { Session, driver } = await setup(target);
      const handle = withSession(Session, async (session, telegramId: number) => {
        await new UserDAO(session).add({ telegram_id: telegramId });
        if (telegramId < 0) throw new Error('bad update');
        return 'ok';
      });
      expect(await handle(1)).toBe('ok');
      await expect(handle(-1)).rejects.toThrow('bad update');
      type Ctx = { db?: unknown; id: number };
      const mw = sessionMiddleware<Ctx>(() => Session);
      await mw({ id: 2 }, async () => {});
      const ctx: Ctx = { id: 3 };
      await mw(ctx, async () => {
        await new UserDAO(ctx.db as never).add({ telegram_id: 3 });
      });
      expect(ctx.db).toBeUndefined();
      await expect(
        mw({ id: 4 }, async () => {
          throw new Error('handler failed');
        }),
      ).rejects.toThrow('handler failed');
      expect((await counts(driver)).users).toBe(2);
    });
  });
}
