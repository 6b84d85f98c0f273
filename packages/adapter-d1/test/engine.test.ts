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

  it("insertMany sends its rows as JSON texts: one INSERT per up to 10,000 rows (or the value's 2 MB), counted without a probe, atomic", async () => {
    const { binding, traffic } = countingBinding(env.DB);
    const Session = createSessionMaker(createEngine(createD1Driver(binding)));
    const rows = (n: number, prefix: string, name = 'n') => Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@x`, name }));
    const s = Session();
    const res = s.insertMany(Account, rows(12_345, 'a'));
    await s.commit();
    expect(res.rowsAffected).toBe(12_345);
    // 10,000 + 2,345 rows: two INSERTs, each with one bound text and no changes() probe after it.
    const inserts = traffic.prepared.filter((q) => q.startsWith('INSERT INTO "accounts"'));
    expect(inserts).toEqual([
      'INSERT INTO "accounts" ("email", "name") SELECT value ->> 0, value ->> 1 FROM json_each(?) ORDER BY key',
      'INSERT INTO "accounts" ("email", "name") SELECT value ->> 0, value ->> 1 FROM json_each(?) ORDER BY key',
    ]);
    expect(traffic.prepared.filter((q) => q.includes('changes()'))).toHaveLength(0);
    expect(traffic.batches).toHaveLength(1);
    // Ids ascend in the rows' order.
    const back = await Session.begin((x) => x.select(Account).orderBy({ id: 'asc' }).all());
    expect(back.map((a) => a.email)).toEqual(rows(12_345, 'a').map((r) => r.email));

    // Long names: no JSON text passes 2,000,000 / 3 characters; a row whose escaped JSON alone would goes as a
    // one-row VALUES insert. Every row stored as given.
    const long = [
      ...rows(5, 'long', 'x'.repeat(300_000)),
      ...rows(2, 'ctl', '\u0001'.repeat(150_000)), // 900,000 characters once escaped
      ...rows(3, 'q', '"\\'.repeat(1000)),
    ];
    traffic.prepared.length = 0;
    await Session.begin(async (x) => {
      x.insertMany(Account, long);
    });
    const sent = traffic.prepared.filter((q) => q.startsWith('INSERT INTO "accounts"'));
    expect(sent.filter((q) => q.endsWith('VALUES (?, ?)'))).toHaveLength(2);
    expect(sent.length).toBeGreaterThanOrEqual(5);
    const stored = await Session.begin((x) =>
      x
        .select(Account)
        .where({ id: { gt: 12_345 } })
        .orderBy({ id: 'asc' })
        .all(),
    );
    expect(stored.map((a) => [a.email, a.name])).toEqual(long.map((r) => [r.email, r.name]));

    // A duplicate email in the middle rolls back every statement of the commit.
    await expect(
      Session.begin(async (x) => x.insertMany(Account, [...rows(50, 'c'), { email: 'a7@x', name: 'dup' }])),
    ).rejects.toBeInstanceOf(UniqueConstraintError);
    expect(await Session.begin((x) => x.select(Account).count())).toBe(12_355);
    await s.close();
  });

  it('insertMany of a model with a REAL column keeps VALUES lists (no exact JSON reading of a double is promised)', async () => {
    const Real = declarativeBase();
    class Reading extends Real('Reading', { v: t.real(), label: t.text() }) {}
    await Real.metadata.createAll(createEngine(createD1Driver(env.DB)));
    const { binding, traffic } = countingBinding(env.DB);
    const Session = createSessionMaker(createEngine(createD1Driver(binding)));
    const values = [0.1, 1 / 3, 5e-324, -1.7976931348623157e308, 1];
    await Session.begin(async (s) => {
      s.insertMany(
        Reading,
        values.map((v, i) => ({ v, label: `r${i}` })),
      );
    });
    // 5 rows in power-of-two chunks (4 + 1), as on every driver without bulkJson.
    expect(traffic.prepared.filter((q) => q.startsWith('INSERT INTO "readings"'))).toEqual([
      `INSERT INTO "readings" ("v", "label") VALUES ${Array(4).fill('(?, ?)').join(', ')}`,
      'INSERT INTO "readings" ("v", "label") VALUES (?, ?)',
    ]);
    const back = await Session.begin((s) => s.select(Reading).orderBy({ id: 'asc' }).all());
    expect(back.map((r) => r.v)).toEqual(values);
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
