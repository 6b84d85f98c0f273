/** CRUD through sessions, queries, atomicity, errors, lifecycle and capability gating. */
import {
  BaseDAO,
  CheckConstraintError,
  ConfigurationError,
  ConstraintError,
  count,
  DaoError,
  EngineClosedError,
  ForeignKeyConstraintError,
  inspect,
  LimitExceededError,
  MultipleResultsError,
  NotFoundError,
  NotNullConstraintError,
  SessionClosedError,
  StateError,
  sql,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, counts, dump, holdingDriver, rejectsWith, setup } from './harness.ts';
import { Post, User, Wide } from './models.ts';

export function sessionTests(target: ConformanceTarget): void {
  describe('sessions: CRUD', () => {
    it('adds, commits, gets (identity map), updates changed columns only, deletes', async () => {
      const { Session, driver } = await setup(target);
      const s = Session();
      const u = new User({ telegram_id: 10, username: 'ann' });
      s.add(u);
      s.add(u); // adding twice is one insert
      await s.commit();
      expect(await s.get(User, u.id)).toBe(u);
      expect(await s.get(User, 123456)).toBeNull();
      await rejectsWith(s.getOrThrow(User, 123456), NotFoundError);
      await s.close();

      const s2 = Session();
      const loaded = await s2.getOrThrow(User, u.id);
      expect(loaded).not.toBe(u);
      expect(loaded.toDict()).toEqual(u.toDict());
      loaded.username = 'anna';
      loaded.is_admin = true;
      await s2.commit();
      expect(loaded.username).toBe('anna'); // no expire-on-commit: values are kept
      s2.delete(loaded);
      await s2.commit();
      expect(await dump(driver, 'users')).toEqual([]);
      await s2.close();
    });

    it('does not write unchanged objects (no spurious updated_at bumps)', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const u = new User({ telegram_id: 11 });
      s.add(u);
      await s.commit();
      const stamp = u.updated_at.getTime();
      await s.close();
      const s2 = Session();
      const same = await s2.getOrThrow(User, u.id);
      same.username = null; // already null
      await s2.commit();
      const again = await Session().getOrThrow(User, u.id);
      expect(again.updated_at.getTime()).toBe(stamp);
      await s2.close();
    });

    it('queries with eq, ne, comparisons, in (any length), isNull, contains/startsWith with escaping, order, limit, offset, count', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const names = ['alpha', 'beta', '50%_off', 'a\\b', null, 'gamma'];
      s.addAll(names.map((username, k) => new User({ telegram_id: k + 1, username, score: k * 1.5 })));
      await s.commit();
      const q = () => s.select(User);
      expect((await q().where({ username: 'beta' }).all()).map((u) => u.telegram_id)).toEqual([2]);
      expect(
        await q()
          .where({ username: { ne: 'beta' } })
          .count(),
      ).toBe(5); // ne keeps NULLs, as !== would
      expect(await q().where({ username: null }).count()).toBe(1);
      expect(
        await q()
          .where({ username: { isNull: false } })
          .count(),
      ).toBe(5);
      expect(
        await q()
          .where({ score: { gte: 3, lt: 6 } })
          .count(),
      ).toBe(2);
      expect(
        (
          await q()
            .where({ username: { contains: '%_' } })
            .all()
        ).map((u) => u.username),
      ).toEqual(['50%_off']);
      expect(
        (
          await q()
            .where({ username: { contains: '\\' } })
            .all()
        ).map((u) => u.username),
      ).toEqual(['a\\b']);
      expect(
        await q()
          .where({ username: { startsWith: 'a' } })
          .count(),
      ).toBe(2);
      expect(
        await q()
          .where({ username: { endsWith: 'a' } })
          .count(),
      ).toBe(3);
      const ids = Array.from({ length: 5000 }, (_, k) => k + 1);
      expect(
        await q()
          .where({ telegram_id: { in: ids } })
          .count(),
      ).toBe(6);
      expect(
        await q()
          .where({ telegram_id: { in: [] } })
          .count(),
      ).toBe(0);
      expect(
        await q()
          .where({ telegram_id: { notIn: [1, 2] } })
          .count(),
      ).toBe(4);
      const page = await q().orderBy({ telegram_id: 'desc' }).limit(2).offset(1).all();
      expect(page.map((u) => u.telegram_id)).toEqual([5, 4]);
      expect(
        (
          await q()
            .orderBy([{ is_admin: 'asc' }, { id: 'desc' }])
            .first()
        )?.telegram_id,
      ).toBe(6);
      await rejectsWith(q().oneOrNull(), MultipleResultsError);
      await rejectsWith(q().where({ telegram_id: 999 }).one(), NotFoundError);
      await s.close();
    });

    it('updateWhere and deleteWhere report row counts after commit; delete refuses empty filters', async () => {
      const { Session } = await setup(target);
      const s = Session();
      s.addAll([1, 2, 3].map((k) => new User({ telegram_id: k })));
      await s.commit();
      const upd = s.updateWhere(User, { telegram_id: { in: [1, 2] } }, { is_admin: true });
      expect(upd.committed).toBe(false);
      expect(() => upd.rowsAffected).toThrow(StateError);
      expect(() => s.deleteWhere(User, {})).toThrow(ValidationError);
      const del = s.deleteWhere(User, { telegram_id: 3 });
      await s.commit();
      expect(upd.rowsAffected).toBe(2);
      expect(del.rowsAffected).toBe(1);
      const all = s.deleteWhere(User, {}, { all: true });
      await s.commit();
      expect(all.rowsAffected).toBe(2);
      expect(() => s.updateWhere(User, { telegram_id: 1 }, { created_at: new Date() } as never)).toThrow(ValidationError);
      expect(() => s.updateWhere(User, { telegram_id: 1 }, {})).toThrow(ValidationError);
      await s.close();
    });

    it('upserts atomically on a declared unique key, keeping the id', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const a = s.upsert(User, { telegram_id: 5, username: 'first' }, { on: ['telegram_id'] });
      await s.commit();
      const firstId = a.id;
      expect(firstId).toBeGreaterThan(0);
      await s.close();
      const s2 = Session();
      const b = s2.upsert(User, { telegram_id: 5, username: 'second' }, { on: ['telegram_id'] });
      await s2.commit();
      expect(b.id).toBe(firstId);
      expect(b.username).toBe('second');
      expect(await s2.select(User).count()).toBe(1);
      expect(() => s2.upsert(User, { telegram_id: 5 }, { on: ['username'] as never })).toThrow(DaoError);
      await s2.close();
    });

    it('an upsert key whose value is undefined is not given: on conflict it leaves the stored value (as updateWhere does)', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => s.add(new User({ telegram_id: 6, username: 'ada', score: 42, is_admin: true })));
      const s = Session();
      // The "pass optional fields through" pattern: only username is really given.
      const u = s.upsert(
        User,
        { telegram_id: 6, username: 'grace', score: undefined, is_admin: undefined, email: undefined },
        { on: ['telegram_id'] },
      );
      await s.commit();
      expect([u.username, u.score, u.is_admin, u.email]).toEqual(['grace', 42, true, null]);
      const stored = await Session().getOrThrow(User, u.id);
      expect([stored.username, stored.score, stored.is_admin]).toEqual(['grace', 42, true]);
      // A new row still gets the defaults for what was not given.
      const fresh = s.upsert(User, { telegram_id: 60, username: undefined, score: undefined }, { on: ['telegram_id'] });
      await s.commit();
      expect([fresh.username, fresh.score, fresh.is_admin]).toEqual([null, 0, false]);
      await s.close();
    });

    it('inserts 2,000 rows of 8 columns in one commit, chunked under the parameter limit, in order', async () => {
      const { Session, engine } = await setup(target);
      const s = Session();
      const rows = Array.from(
        { length: 2000 },
        (_, k) => new Wide({ c1: k, c2: -k, c3: `r${k}`, c4: 'x', c5: k / 2, c6: k % 2 === 0, c7: null, c8: k }),
      );
      s.addAll(rows);
      await s.commit();
      expect(rows.every((r, k) => k === 0 || r.id > (rows[k - 1] as Wide).id)).toBe(true);
      expect(rows.every((r) => r.c1 === r.id - (rows[0] as Wide).id)).toBe(true);
      expect(await s.select(Wide).count()).toBe(2000);
      expect(engine.limits.maxParameters).toBeGreaterThanOrEqual(100);
      await s.close();
    });
  });

  describe('objects whose deletion is pending', () => {
    it('are left out of every read of their model before the commit: rows, first, limit/offset, count, pages, projections and aggregates agree', async () => {
      const { Session } = await setup(target);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 12 }),
          fc.array(fc.nat(11), { maxLength: 8 }),
          fc.nat(3),
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 4 }),
          async (n, pick, off, lim, pageSize) => {
            await using s = Session();
            await s.execute(sql`DELETE FROM "users"`);
            s.addAll(Array.from({ length: n }, (_, i) => new User({ telegram_id: i + 1, is_admin: i % 2 === 0 })));
            await s.commit();
            const all = await s.select(User).orderBy({ id: 'asc' }).all();
            const gone = new Set(pick.filter((k) => k < n).map((k) => all[k] as User));
            for (const u of gone) s.delete(u);
            const kept = all.filter((u) => !gone.has(u)).map((u) => u.telegram_id);
            const admins = all.filter((u) => !gone.has(u) && u.is_admin).map((u) => u.telegram_id);
            const q = () => s.select(User).orderBy({ id: 'asc' });
            expect((await q().all()).map((u) => u.telegram_id)).toEqual(kept);
            expect((await q().where({ is_admin: true }).all()).map((u) => u.telegram_id)).toEqual(admins);
            expect((await q().first())?.telegram_id ?? null).toBe(kept[0] ?? null);
            expect((await q().offset(off).limit(lim).all()).map((u) => u.telegram_id)).toEqual(kept.slice(off, off + lim));
            expect(await q().count()).toBe(kept.length);
            expect(await q().where({ is_admin: true }).count()).toBe(admins.length);
            expect((await s.select(User, ['telegram_id']).orderBy({ id: 'asc' }).all()).map((r) => r.telegram_id)).toEqual(kept);
            expect(await s.select(User, ['telegram_id']).count()).toBe(kept.length);
            const [agg] = await s.select(User).aggregate({ c: count() }).all();
            expect(agg?.c).toBe(kept.length);
            const page = await new (BaseDAO(User))(s).paginate({ page: 1, pageSize });
            expect({ items: page.items.map((u) => u.telegram_id), total: page.total }).toEqual({
              items: kept.slice(0, pageSize),
              total: kept.length,
            });
            if (kept.length > 1) await rejectsWith(q().oneOrNull(), MultipleResultsError);
            await s.rollback();
          },
        ),
        { numRuns: 25 },
      );
    });
  });

  describe('sessions: atomicity', () => {
    it('a failing statement late in a commit leaves nothing behind', async () => {
      const { Session, driver } = await setup(target);
      const seed = Session();
      seed.add(new User({ telegram_id: 1, email: 'taken@example.com' }));
      await seed.commit();
      await seed.close();
      const before = await counts(driver);

      const s = Session();
      s.addAll([new User({ telegram_id: 2 }), new User({ telegram_id: 3 })]);
      s.addAll(Array.from({ length: 300 }, (_, k) => new Wide({ c1: k, c2: k, c3: 'a', c4: 'b', c5: 1, c6: true })));
      s.updateWhere(User, { telegram_id: 1 }, { username: 'changed' });
      s.add(new User({ telegram_id: 4, email: 'taken@example.com' })); // fails: unique email
      const err = await rejectsWith(s.commit(), UniqueConstraintError);
      expect(err).toBeInstanceOf(ConstraintError);
      expect(err.code).toBe('UNIQUE_VIOLATION');
      expect(await counts(driver)).toEqual(before);
      const still = await Session().select(User).where({ telegram_id: 1 }).one();
      expect(still.username).toBeNull();
      // The pending work is kept until rollback(); after it the session is usable again.
      s.rollback();
      s.add(new User({ telegram_id: 5 }));
      await s.commit();
      expect((await counts(driver)).users).toBe((before.users ?? 0) + 1);
      await s.close();
    });

    it('bad input anywhere in the unit of work means nothing is sent', async () => {
      const { Session, driver } = await setup(target);
      const s = Session();
      const users = [1, 2, 3, 4, 5].map((k) => new User({ telegram_id: k }));
      s.addAll(users);
      (users[3] as unknown as { telegram_id: unknown }).telegram_id = 'four';
      await rejectsWith(s.commit(), ValidationError);
      expect((await counts(driver)).users).toBe(0);
      await s.close();
    });
  });

  describe('errors map to the same classes on every adapter', () => {
    it('unique, not-null, foreign-key and check violations', async () => {
      const { Session, driver } = await setup(target);
      const s = Session();
      const u = new User({ telegram_id: 1 });
      s.add(u);
      await s.commit();
      s.add(new User({ telegram_id: 1 }));
      const unique = await rejectsWith(s.commit(), UniqueConstraintError);
      expect(unique.kind).toBe('unique');
      expect(unique.table).toBe('users');
      expect(unique.columns).toEqual(['telegram_id']);
      // errors.md: the driver's own error stays in `cause` (for logs), whichever path raised it.
      expect(unique.cause).toBeInstanceOf(Error);
      s.rollback();

      s.addStatement(sql`INSERT INTO posts (user_id, title, body) VALUES (${u.id}, ${null}, ${''})`);
      expect((await rejectsWith(s.commit(), NotNullConstraintError)).cause).toBeInstanceOf(Error);
      s.rollback();

      s.add(new Post({ user_id: 987654, title: 'orphan' }));
      const fk = await rejectsWith(s.commit(), ForeignKeyConstraintError);
      // SQLite's message names nothing; the unit of work knows which column with a reference it wrote.
      expect(fk.table).toBe('posts');
      expect(fk.columns).toEqual(['user_id']);
      expect(fk.message).toContain('posts(user_id)');
      s.rollback();

      s.addStatement(sql`UPDATE users SET is_admin = ${2} WHERE id = ${u.id}`);
      expect((await rejectsWith(s.commit(), CheckConstraintError)).cause).toBeInstanceOf(Error);
      s.rollback();
      expect((await counts(driver)).posts).toBe(0);
      await s.close();
    });

    it('error messages carry no bound values', async () => {
      const { Session } = await setup(target);
      const s = Session();
      s.add(new User({ telegram_id: 1, email: 'secret-value@example.com' }));
      await s.commit();
      s.add(new User({ telegram_id: 2, email: 'secret-value@example.com' }));
      const e = await rejectsWith(s.commit(), UniqueConstraintError);
      expect(e.message).not.toContain('secret-value');
      await s.close();
    });

    it('cascades deletes through foreign keys (foreign keys are on everywhere)', async () => {
      const { Session } = await setup(target);
      const s = Session();
      const u = new User({ telegram_id: 1 });
      s.add(u);
      await s.commit();
      s.addAll([new Post({ user_id: u.id, title: 'a' }), new Post({ user_id: u.id, title: 'b' })]);
      await s.commit();
      s.delete(u);
      await s.commit();
      expect(await s.select(Post).count()).toBe(0);
      await s.close();
    });
  });

  describe('limits name what exceeded them', () => {
    it("a value over the adapter's value-size limit names its column (D1: 2,000,000 bytes); nothing is sent", async () => {
      const { Session, engine, driver } = await setup(target);
      const max = engine.limits.maxValueBytes;
      const s = Session();
      if (max === undefined) {
        // No documented limit on this adapter: a value of D1's limit plus one byte is stored as it is.
        s.add(new User({ telegram_id: 1, username: 'x'.repeat(2_000_001) }));
        await s.commit();
        expect((await s.select(User).one()).username?.length).toBe(2_000_001);
      } else {
        s.add(new User({ telegram_id: 1 }));
        s.add(new User({ telegram_id: 2, username: 'é'.repeat(Math.floor(max / 2) + 1) }));
        const err = await rejectsWith(s.commit(), LimitExceededError);
        expect(err.message).toContain('users.username');
        expect(err.allowed).toBe(max);
        expect((await counts(driver)).users).toBe(0);
      }
      await s.close();
    });
  });

  describe('hostile input', () => {
    it('rejects prototype keys, unknown columns, operator smuggling and bad order-by with ValidationError', async () => {
      const { Session, driver } = await setup(target);
      const s = Session();
      const bad: unknown[] = [
        JSON.parse('{"__proto__": {"isAdmin": true}}'),
        { constructor: 1 },
        { toString: 'x' },
        { nope: 1 },
        { telegram_id: { $where: '1=1' } },
        { telegram_id: { gt: 1, 'or 1=1': 2 } },
        { telegram_id: undefined },
        { telegram_id: { in: 'not a list' } },
        { telegram_id: { gt: null } },
        { is_admin: { contains: 'x' } },
        [],
        'telegram_id = 1',
      ];
      for (const f of bad) {
        await rejectsWith(
          () =>
            s
              .select(User)
              .where(f as never)
              .all(),
          ValidationError,
        );
        expect(() => s.updateWhere(User, f as never, { username: 'x' })).toThrow(ValidationError);
        expect(() => s.deleteWhere(User, f as never)).toThrow(ValidationError);
      }
      for (const o of [{ 'username; DROP TABLE users': 'asc' }, { username: 'DESC; --' }, { username: 'ASC' }]) {
        await rejectsWith(
          () =>
            s
              .select(User)
              .orderBy(o as never)
              .all(),
          ValidationError,
        );
      }
      expect(() => s.updateWhere(User, { telegram_id: 1 }, JSON.parse('{"__proto__": {"x": 1}}'))).toThrow(ValidationError);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      await s.commit();
      expect((await counts(driver)).users).toBe(0);
      await s.close();
    });

    it('holes in record arrays and non-string conflict columns are typed errors; nothing is queued', async () => {
      const { Session } = await setup(target);
      await Session.begin(async (s) => {
        s.addAll([new User({ telegram_id: 1 }), new User({ telegram_id: 2 })]);
      });
      const s = Session();
      // biome-ignore lint/suspicious/noSparseArray: the hole is the hostile input
      const holey = [{ id: 1, score: 10 }, , { id: 2, score: 20 }];
      let e: unknown;
      try {
        s.updateByIds(User, holey);
      } catch (error) {
        e = error;
      }
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual([[1]]);
      for (const on of [[Symbol('x')], [Object.create(null)], [1], [{ toString: () => 'telegram_id' }]]) {
        expect(() => s.upsert(User, { telegram_id: 3 }, { on: on as never }), String(on.length)).toThrow(ConfigurationError);
      }
      expect(s.hasPendingWrites).toBe(false);
      await s.commit();
      expect((await s.select(User, ['score']).all()).map((r) => r.score)).toEqual([0, 0]);
      await s.close();
    });

    it('binds every sql`` interpolation and validates sql.ident', async () => {
      const { Session } = await setup(target);
      const s = Session();
      s.add(new User({ telegram_id: 1, username: 'x' }));
      await s.commit();
      const evil = "x' OR '1'='1";
      const res = await s.execute(sql`SELECT count(*) AS n FROM ${sql.ident('users')} WHERE username = ${evil}`);
      expect(Number(res.rows[0]?.n)).toBe(0);
      expect(() => sql.ident('users; DROP TABLE users')).toThrow(DaoError);
      expect(() => sql`SELECT ${undefined}`).toThrow(ValidationError);
      expect(await s.select(User).count()).toBe(1);
      await s.close();
    });
  });

  describe('lifecycle', () => {
    it('refuses use after close, with typed errors; close is idempotent', async () => {
      const { Session, engine } = await setup(target);
      const s = Session();
      await s.close();
      await s.close();
      await rejectsWith(() => s.get(User, 1), SessionClosedError);
      expect(() => s.add(new User({ telegram_id: 1 }))).toThrow(SessionClosedError);
      await rejectsWith(s.commit(), SessionClosedError);
      const s2 = Session();
      await engine.close();
      await engine.close();
      await rejectsWith(() => s2.get(User, 1), SessionClosedError);
      await rejectsWith(engine.execute({ sql: 'SELECT 1', params: [], returnsRows: true }), EngineClosedError);
    });

    it('engine.close() during a commit lets the batch already sent finish (the same on every adapter); later calls are refused', async () => {
      let hold!: ReturnType<typeof holdingDriver>;
      const { Session, engine } = await setup(target, {
        wrap: (d) => {
          hold = holdingDriver(d);
          return hold.driver;
        },
      });
      const s = Session();
      const u = new User({ telegram_id: 1 });
      s.add(u);
      const held = hold.holdNext();
      const committing = s.commit();
      await held.called;
      let closed = false;
      const closing = engine.close().then(() => {
        closed = true;
      });
      const late = Session();
      late.add(new User({ telegram_id: 2 }));
      const refused = late.commit().catch((e: unknown) => e);
      await Promise.resolve();
      expect(closed, 'close() waits for the batch in flight').toBe(false);
      held.release();
      await committing;
      expect(typeof u.id).toBe('number');
      expect(inspect(u).state).toBe('persistent');
      await closing;
      expect(closed).toBe(true);
      const e = await refused;
      expect(e instanceof EngineClosedError || e instanceof SessionClosedError, String(e)).toBe(true);
      await rejectsWith(engine.execute({ sql: 'SELECT 1', params: [], returnsRows: true }), EngineClosedError);
    });

    it('supports await using, and the begin() middleware pattern commits or rolls back', async () => {
      const { Session, driver } = await setup(target);
      {
        await using s = Session();
        s.add(new User({ telegram_id: 1 }));
        // leaving the block without commit discards the work
      }
      expect((await counts(driver)).users).toBe(0);
      const id = await Session.begin(async (s) => {
        const u = new User({ telegram_id: 2 });
        s.add(u);
        await s.commit();
        s.add(new User({ telegram_id: 3 }));
        return u.id;
      });
      expect(id).toBeGreaterThan(0);
      await expect(
        Session.begin(async (s) => {
          s.add(new User({ telegram_id: 4 }));
          throw new Error('handler failed');
        }),
      ).rejects.toThrow('handler failed');
      expect((await counts(driver)).users).toBe(2);
    });

    it('an object belongs to one session at a time; a detached object can be added to a new session', async () => {
      const { Session } = await setup(target);
      const s1 = Session();
      const u = new User({ telegram_id: 1 });
      s1.add(u);
      await s1.commit();
      const s2 = Session();
      expect(() => s2.add(u)).toThrow(StateError);
      await s1.close();
      u.username = 'moved';
      s2.add(u);
      await s2.commit();
      const back = await Session().getOrThrow(User, u.id);
      expect(back.username).toBe('moved');
      await s2.close();
    });
  });

  describe('capability: interactive transactions', () => {
    it('works where the adapter has them, and fails with a typed error where it does not', async () => {
      const { engine, driver, Session } = await setup(target);
      if (engine.capabilities.interactiveTransactions) {
        const id = await engine.transaction(async (s) => {
          const u = new User({ telegram_id: 1 });
          s.add(u);
          await s.flush();
          expect(u.id).toBeGreaterThan(0);
          expect(await s.select(User).count()).toBe(1); // reads see flushed writes
          return u.id;
        });
        expect((await Session().getOrThrow(User, id)).telegram_id).toBe(1);
        await expect(
          engine.transaction(async (s) => {
            s.add(new User({ telegram_id: 2 }));
            await s.flush();
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect((await counts(driver)).users).toBe(1);
        // Concurrent transactions are serialized, never interleaved on the connection.
        const order: string[] = [];
        await Promise.all(
          [1, 2].map((k) =>
            engine.transaction(async (s) => {
              order.push(`start${k}`);
              await new Promise((r) => setTimeout(r, 5));
              s.add(new User({ telegram_id: 10 + k }));
              order.push(`end${k}`);
            }),
          ),
        );
        expect(order).toEqual(['start1', 'end1', 'start2', 'end2']);
      } else {
        const e = await rejectsWith(
          engine.transaction(async () => 1),
          UnsupportedError,
        );
        expect(e.capability).toBe('interactiveTransactions');
        expect(e.message).toContain('commit()');
      }
      const plain = Session();
      await rejectsWith(plain.flush(), StateError);
      await plain.close();
    });
  });
}
