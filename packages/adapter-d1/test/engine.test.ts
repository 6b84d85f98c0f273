// Core's engine and unit of work on D1 end to end (the conformance suite covers the API in depth): one
// commit is one D1 batch() call, a failing unit of work writes nothing, and bookmarks flow between requests.

import { env } from 'cloudflare:workers';
import { createEngine, createSessionMaker, declarativeBase, sql, t, UniqueConstraintError, UnsupportedError } from '@litedao/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { createD1Driver } from '../src/index.ts';
import { countingBinding, dropAllTables } from './support/d1.ts';

const Base = declarativeBase();
class Account extends Base('Account', {
  email: t.text().unique(),
  name: t.text(),
}) {}
class Entry extends Base('Entry', {
  account_id: t.integer().references(() => Account, { onDelete: 'cascade' }),
  body: t.text(),
}) {}

beforeEach(async () => {
  await dropAllTables(env.DB);
  await Base.metadata.createAll(createEngine(createD1Driver(env.DB)));
});

describe('engine on D1', () => {
  it('commits a unit of work as exactly one batch() call and fills ids from RETURNING', async () => {
    const { binding, traffic } = countingBinding(env.DB);
    const Session = createSessionMaker(createEngine(createD1Driver(binding)));
    const accounts = Array.from({ length: 30 }, (_, i) => new Account({ email: `a${i}@x`, name: `A${i}` }));
    await Session.begin(async (s) => {
      s.addAll(accounts);
    });
    // 30 rows × 2 columns = 60 parameters, under D1's 100: one INSERT or a few chunks, but one batch.
    expect(traffic.batches).toHaveLength(1);
    expect(accounts.every((a) => typeof a.id === 'number')).toBe(true);
    expect(await Session.begin((s) => s.select(Account).count())).toBe(30);
  });

  it("counts updateWhere and deleteWhere by the ids they return (D1's meta.changes also counts cascades and triggers), with no probe", async () => {
    const Session = createSessionMaker(createEngine(createD1Driver(env.DB)));
    const [a, b] = await Session.begin(async (s) => {
      const accounts = [new Account({ email: 'a@x', name: 'A' }), new Account({ email: 'b@x', name: 'B' })];
      s.addAll(accounts);
      return accounts;
    });
    await Session.begin(async (s) => {
      s.addAll([1, 2, 3].map((i) => new Entry({ account_id: (a as Account).id, body: `e${i}` })));
    });
    const { binding, traffic } = countingBinding(env.DB);
    const counted = createSessionMaker(createEngine(createD1Driver(binding)));
    const s = counted();
    // Twice the same row in one batch: the second UPDATE may leave updated_at as it was, and the trigger then
    // writes the row again, which D1 would count.
    const first = s.updateWhere(Account, { id: (a as Account).id }, { name: 'A2' });
    const second = s.updateWhere(Account, { id: (a as Account).id }, { name: 'A3' });
    const gone = s.deleteWhere(Account, { id: (a as Account).id });
    const none = s.deleteWhere(Account, { id: (b as Account).id + 100 });
    await s.commit();
    expect([first.rowsAffected, second.rowsAffected, gone.rowsAffected, none.rowsAffected]).toEqual([1, 1, 1, 0]);
    // One batch; the four statements counted by their RETURNING ids, so no changes() probe follows them (nor the
    // unit log's insert, which returns its id; only its occasional prune gets one).
    expect(traffic.batches).toHaveLength(1);
    const ours = traffic.prepared.filter((q) => q.includes('"accounts"'));
    expect(ours).toHaveLength(4);
    expect(ours.every((q) => q.endsWith('RETURNING "id"'))).toBe(true);
    const probes = traffic.prepared.filter((q) => q.includes('changes()')).length;
    expect(probes).toBe(traffic.prepared.filter((q) => q.startsWith('DELETE FROM "litedao_units"')).length);
    expect(await Session.begin((x) => x.select(Entry).count())).toBe(0);
    await s.close();
  });

  it('chunks a large insert under 100 parameters, still in one atomic batch() call', async () => {
    const { binding, traffic } = countingBinding(env.DB);
    const Session = createSessionMaker(createEngine(createD1Driver(binding)));
    // 2 parameters per row, so at most 50 rows per INSERT: 120 rows = 50 + 50 + 16 + 4.
    const rows = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => new Account({ email: `${prefix}${i}@x`, name: 'n' }));
    await Session.begin(async (s) => s.addAll(rows(120, 'a')));
    // One batch() call; its INSERTs are the 4 chunks (besides them: the unit log and the post-condition guards).
    expect(traffic.batches).toHaveLength(1);
    expect(traffic.prepared.filter((sql) => sql.startsWith('INSERT INTO "accounts"'))).toHaveLength(4);
    expect(await Session.begin((s) => s.select(Account).count())).toBe(120);

    // A duplicate in the last chunk rolls back every chunk of that commit.
    const doomed = [...rows(119, 'b'), new Account({ email: 'a0@x', name: 'dup' })];
    await expect(Session.begin(async (s) => s.addAll(doomed))).rejects.toBeInstanceOf(UniqueConstraintError);
    expect(traffic.batches).toHaveLength(2);
    expect(await Session.begin((s) => s.select(Account).count())).toBe(120);
  });

  it('a unit of work that fails on a constraint writes nothing', async () => {
    const Session = createSessionMaker(createEngine(createD1Driver(env.DB)));
    await Session.begin(async (s) => s.add(new Account({ email: 'taken@x', name: 'first' })));
    await expect(
      Session.begin(async (s) => {
        s.add(new Account({ email: 'new@x', name: 'new' }));
        s.add(new Account({ email: 'taken@x', name: 'dup' }));
      }),
    ).rejects.toBeInstanceOf(UniqueConstraintError);
    const emails = await Session.begin(async (s) => (await s.select(Account).all()).map((a) => a.email));
    expect(emails).toEqual(['taken@x']);
  });

  it('engine.transaction() is UnsupportedError on D1', async () => {
    const engine = createEngine(createD1Driver(env.DB));
    await expect(engine.transaction(async () => 1)).rejects.toBeInstanceOf(UnsupportedError);
  });

  it('raw SQL through the session reports rows and changes', async () => {
    const Session = createSessionMaker(createEngine(createD1Driver(env.DB)));
    const s = Session();
    try {
      const ins = await s.execute(sql`INSERT INTO accounts (email, name) VALUES (${'r@x'}, ${'R'})`);
      expect(ins.changes).toBe(1);
      const res = await s.execute(sql`SELECT name, email FROM accounts`);
      expect(res.rows).toEqual([{ name: 'R', email: 'r@x' }]);
    } finally {
      await s.close();
    }
  });

  it('bookmarks: a request that wrote hands its bookmark to the next one', async () => {
    const driver = createD1Driver(env.DB, { session: 'first-primary' });
    const Session = createSessionMaker(createEngine(driver));
    const account = new Account({ email: 'b@x', name: 'B' });
    await Session.begin(async (s) => {
      s.add(account);
    });
    const bookmark = driver.bookmark?.();
    expect(bookmark).toEqual(expect.any(String));
    const next = createSessionMaker(createEngine(createD1Driver(env.DB, { session: bookmark as string })));
    await Session.begin(async (s) => s.add(new Entry({ account_id: account.id, body: 'hello' })));
    expect(await next.begin((s) => s.select(Account).where({ email: 'b@x' }).count())).toBe(1);
  });
});
