/**
 * The SQL-side half of the performance regression check (perf-budget.test.ts counts statements, promise turns
 * and bytes): how many calls of SQLite's date functions each written row costs, on litedao's own schema with its
 * `updated_at` trigger. Formatting an instant is most of an UPDATE by id's own SQL time (a `strftime` call cost
 * about as much as half of a bare `UPDATE … SET name = ?`), so a "now" computed twice, or a shortcut that
 * stopped recognizing litedao's rows, shows here as a count, never as a time.
 *
 * The built-in `strftime` and `datetime` are replaced on the connection by counting functions that answer
 * with a second database's built-ins, "now" read as one fixed instant (so "now" stays one instant per statement,
 * as SQLite's own clock is).
 */

import { createAllSql, createEngine, createSessionMaker, declarativeBase, t } from '@litedao/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

const Base = declarativeBase();
class User extends Base('User', { name: t.text(), email: t.text() }) {}

const NOW = '2026-12-02 08:00:00.123';

function open() {
  const db = new Database(':memory:');
  db.exec(createAllSql([User]));
  const reference = new Database(':memory:');
  const calls = { strftime: 0, datetime: 0 };
  const statements = new Map<string, Database.Statement>();
  const answer = (fn: 'strftime' | 'datetime', args: unknown[]) => {
    calls[fn]++;
    const key = `${fn}/${args.length}`;
    let st = statements.get(key);
    if (st === undefined) {
      st = reference.prepare(`SELECT ${fn}(${args.map(() => '?').join(', ')})`).pluck();
      statements.set(key, st);
    }
    return st.get(...args.map((a) => (a === 'now' ? NOW : a)));
  };
  // Registered after the schema: the defaults and the trigger resolve the names when they run.
  // Deterministic: SQLite then evaluates a call with constant arguments once per statement, as it does its own
  // date functions reading "now".
  db.function('strftime', { varargs: true, deterministic: true }, (...args: unknown[]) => answer('strftime', args));
  db.function('datetime', { varargs: true, deterministic: true }, (...args: unknown[]) => answer('datetime', args));
  const engine = createEngine(createNodeDriver(db as never));
  const Session = createSessionMaker(engine);
  const reset = () => {
    calls.strftime = 0;
    calls.datetime = 0;
  };
  return { db, engine, Session, calls, reset, close: () => reference.close() };
}

let opened: ReturnType<typeof open> | undefined;
afterEach(async () => {
  await opened?.engine.close();
  opened?.close();
  opened = undefined;
});

const ROWS = 200;

/** Rows written earlier (an UPDATE trigger must not run while seeding): timestamps in the given text. */
function seedAt(o: ReturnType<typeof open>, stamp: string): number[] {
  const insert = o.db.prepare('INSERT INTO users (name, email, created_at, updated_at) VALUES (?, ?, ?, ?)');
  const ids: number[] = [];
  for (let i = 0; i < ROWS; i++) ids.push(Number(insert.run(`user ${i}`, `u${i}@example.com`, stamp, stamp).lastInsertRowid));
  o.reset();
  return ids;
}

/** `updateWhere` by id on every row in one commit; every row's `updated_at` is then "now". */
async function renameAll(o: ReturnType<typeof open>, ids: readonly number[]): Promise<void> {
  const s = o.Session();
  for (const id of ids) s.updateWhere(User, { id }, { name: `renamed ${id}` });
  await s.commit();
  await s.close();
  expect(o.db.prepare('SELECT DISTINCT updated_at AS u FROM users').all()).toEqual([{ u: `${NOW}000` }]);
}

describe('SQLite date-function calls per written row (better-sqlite3, litedao schema and trigger)', () => {
  it('the counting functions answer exactly what the built-ins do', () => {
    opened = open();
    const r = opened.db.prepare(`SELECT strftime('%Y-%m-%d %H:%M:%f000', 'now') AS a, datetime('now', 'subsec') AS b`).get();
    expect(r).toEqual({ a: '2026-12-02 08:00:00.123000', b: NOW });
    expect(opened.calls).toEqual({ strftime: 1, datetime: 1 });
  });

  it('add × 200 in one commit: the two timestamp defaults once per INSERT statement, not per row', async () => {
    opened = open();
    const s = opened.Session();
    for (let i = 0; i < ROWS; i++) s.add(new User({ name: `user ${i}`, email: `u${i}@example.com` }));
    await s.commit();
    await s.close();
    // One 128-row and one 64-row and one 8-row INSERT (powers of two under the 256-row chunk): 2 defaults each.
    expect(opened.calls).toEqual({ strftime: 6, datetime: 0 });
    const row = opened.db.prepare('SELECT created_at, updated_at FROM users WHERE id = 1').get();
    expect(row).toEqual({ created_at: `${NOW}000`, updated_at: `${NOW}000` });
  });

  it('updateWhere by id over rows litedao wrote: one cheap "now" per UPDATE statement and one per row in the trigger, nothing parsed', async () => {
    opened = open();
    await renameAll(opened, seedAt(opened, '2026-12-01 00:00:00.000000'));
    // The 200 calls go as three UPDATE … FROM (VALUES …) statements (128 + 64 + 8 rows): SQLite computes the SET
    // list's "now" once per statement, the trigger's once per row.
    expect(opened.calls).toEqual({ strftime: 0, datetime: ROWS + 3 });
  });

  it('load-modify-commit over rows litedao wrote: the same, the changed objects in three statements', async () => {
    opened = open();
    const ids = seedAt(opened, '2026-12-01 00:00:00.000000');
    const s = opened.Session();
    for (const id of ids) {
      const u = (await s.get(User, id)) as User;
      u.name = `loaded ${id}`;
    }
    await s.commit();
    await s.close();
    expect(opened.calls).toEqual({ strftime: 0, datetime: ROWS + 3 });
  });

  it('a row in another layout (the Python template writes whole seconds) takes the full rule, and the trigger stays quiet', async () => {
    opened = open();
    await renameAll(opened, seedAt(opened, '2026-12-01 00:00:00'));
    // SET: two parses per row, one "now" per statement. Trigger: its "now", then (the old value is in another
    // layout) the full comparison's three parses, which find the new value not earlier: it does not fire.
    expect(opened.calls).toEqual({ strftime: 5 * ROWS, datetime: ROWS + 3 });
  });
});
