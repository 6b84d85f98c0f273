/**
 * litedao's DDL (STRICT tables, the updated_at trigger) against the real Python template (SQLAlchemy 1.4 +
 * aiosqlite, test/python/template.py): the template works on a STRICT database litedao created, and its
 * whole-second `updated_at = CURRENT_TIMESTAMP` never leaves `updated_at` behind `created_at` or behind its
 * previous value, on litedao's DDL and on the template's own DDL once litedao adopted it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createSessionMaker, declarativeBase, parseTimestamp, sql, t } from '@litedao/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

const PYTHON = process.env.LITEDAO_PYTHON ?? '/usr/bin/python3';
const script = join(import.meta.dirname, 'python', 'template.py');
const dir = mkdtempSync(join(tmpdir(), 'litedao-python-ddl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface PyUser {
  telegram_id: number;
  username: string | null;
  created_at: string;
  updated_at: string;
}

const python = (db: string, ...args: string[]): PyUser[] => JSON.parse(execFileSync(PYTHON, [script, db, ...args], { encoding: 'utf8' }));

function models() {
  const Base = declarativeBase({ naming: 'legacy' });
  class User extends Base('User', { telegram_id: t.integer().unique(), username: t.text().nullable() }) {}
  return { Base, User };
}

/** Stored timestamps of every user, straight from the file (no litedao read path). */
function stored(db: string): { created: number; updated: number }[] {
  const conn = new Database(db, { readonly: true });
  try {
    const rows = conn.prepare('SELECT created_at, updated_at FROM users ORDER BY id').all() as { created_at: string; updated_at: string }[];
    return rows.map((r) => ({
      created: parseTimestamp(r.created_at)?.getTime() ?? Number.NaN,
      updated: parseTimestamp(r.updated_at)?.getTime() ?? Number.NaN,
    }));
  } finally {
    conn.close();
  }
}

/**
 * Puts a row's timestamps ahead of the template's clock (a writer whose clock runs ahead, or simply an update
 * earlier in the same second, where the template's whole-second CURRENT_TIMESTAMP is "earlier"). Set in one
 * statement, so the trigger sees an update that moves updated_at forward and leaves it alone.
 */
async function pushAhead(db: string, telegramId: number, at: string): Promise<void> {
  const engine = createEngine(createNodeDriver(db));
  await createSessionMaker(engine)().execute(
    sql`UPDATE users SET created_at = ${at}, updated_at = ${at} WHERE telegram_id = ${telegramId}`,
  );
  await engine.close();
}

describe('the Python template on litedao DDL', () => {
  it('works on a STRICT database litedao created, and its same-second update cannot move updated_at backwards', async () => {
    const db = join(dir, 'strict.db');
    const { Base, User } = models();
    const engine = createEngine(createNodeDriver(db));
    await Base.metadata.createAll(engine);
    await createSessionMaker(engine).begin(async (s) => {
      s.add(new User({ telegram_id: 1, username: 'ada' }));
    });
    await engine.close();
    const conn = new Database(db, { readonly: true });
    expect(conn.prepare("SELECT strict FROM pragma_table_list('users')").get()).toEqual({ strict: 1 });
    conn.close();

    const ahead = '2999-01-01 00:00:00.500000';
    await pushAhead(db, 1, ahead);
    const [renamed] = python(db, 'rename', '1', 'renamed_by_python'); // SET username = ?, updated_at = CURRENT_TIMESTAMP
    expect(renamed?.username).toBe('renamed_by_python');
    const [row] = stored(db);
    expect(row?.created).toBe(Date.parse('2999-01-01T00:00:00.500Z'));
    expect(row?.updated).toBeGreaterThanOrEqual(row?.created ?? Number.NaN);

    // The template inserts into the STRICT table too, and both sides read every row.
    const more = python(db, 'create', '2', 'py_user');
    expect(more.map((u) => u.telegram_id)).toEqual([1, 2]);
    const engine2 = createEngine(createNodeDriver(db));
    const users = await createSessionMaker(engine2)().select(User).orderBy({ id: 'asc' }).all();
    expect(users.map((u) => u.username)).toEqual(['renamed_by_python', 'py_user']);
    for (const u of users) expect(u.updated_at.getTime()).toBeGreaterThanOrEqual(u.created_at.getTime());
    await engine2.close();
  });

  it('on the template own DDL: createAll adds the trigger, and the template same-second update is repaired', async () => {
    const db = join(dir, 'template.db');
    python(db, 'create', '5', 'from_python');
    const { Base } = models();
    const engine = createEngine(createNodeDriver(db));
    await Base.metadata.createAll(engine); // adopts the template's table: adds the updated_at trigger
    await engine.close();
    await pushAhead(db, 5, '2999-01-01 00:00:00.250000');
    const before = stored(db)[0];
    python(db, 'rename', '5', 'again');
    const after = stored(db)[0];
    expect(after?.updated).toBeGreaterThanOrEqual(before?.updated ?? Number.NaN);
    expect(after?.updated).toBeGreaterThanOrEqual(after?.created ?? Number.NaN);
    // What the template itself reads back agrees.
    const [py] = python(db, 'read');
    expect(Date.parse(`${py?.updated_at}Z`)).toBeGreaterThanOrEqual(Date.parse(`${py?.created_at}Z`));
  });
});
