/**
 * Databases written by the Python template (SQLAlchemy async + aiosqlite) and by litedao are interchangeable.
 * Runs the template's real database layer (test/python/template.py) with Debian's python3-sqlalchemy, which
 * `npm test` installs; nothing here imitates Python.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createSessionMaker, declarativeBase, t } from '@litedao/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

const PYTHON = process.env.LITEDAO_PYTHON ?? '/usr/bin/python3';
const script = join(import.meta.dirname, 'python', 'template.py');
const dir = mkdtempSync(join(tmpdir(), 'litedao-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface PyUser {
  id: number;
  telegram_id: number;
  username: string | null;
  created_at: string;
  updated_at: string;
}

function python(db: string, ...args: string[]): PyUser[] {
  const out = execFileSync(PYTHON, [script, db, ...args], { encoding: 'utf8' });
  return JSON.parse(out) as PyUser[];
}

/** The same model, declared in litedao. `legacy` naming reproduces the template's `lower + "s"`. */
function models() {
  const Base = declarativeBase({ naming: 'legacy' });
  class User extends Base('User', { telegram_id: t.integer().unique(), username: t.text().nullable() }) {}
  return { Base, User };
}

/** Python's naive UTC isoformat (`2026-11-22T03:04:05.123000`) as a JS Date. */
const pyDate = (s: string) => new Date(`${s}Z`);

describe('interop with the Python template', () => {
  it('litedao reads and updates a database the template created, and the template reads the result', async () => {
    const db = join(dir, 'from-python.db');
    const [created] = python(db, 'create', '1', 'py_user');
    expect(created?.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/); // CURRENT_TIMESTAMP, seconds

    const { Base, User } = models();
    const engine = createEngine(createNodeDriver(db));
    await Base.metadata.createAll(engine); // idempotent on the template's tables
    const Session = createSessionMaker(engine);
    await Session.begin(async (s) => {
      const u = await s.select(User).where({ telegram_id: 1 }).one();
      expect(u.created_at.getTime()).toBe(pyDate(created?.created_at ?? '').getTime());
      await new Promise((r) => setTimeout(r, 1100)); // Python's timestamps have one-second resolution
      u.username = 'renamed_by_litedao';
      s.add(new User({ telegram_id: 2, username: 'ts_user' }));
    });
    const s = Session();
    const [mine, theirs] = [await s.select(User).where({ telegram_id: 1 }).one(), await s.select(User).where({ telegram_id: 2 }).one()];
    await engine.close();

    const back = python(db, 'read');
    expect(back.map((u) => [u.telegram_id, u.username])).toEqual([
      [1, 'renamed_by_litedao'],
      [2, 'ts_user'],
    ]);
    // Python parses litedao's timestamps to the same instant (six fractional digits: not misread as µs).
    expect(pyDate(back[0]?.updated_at ?? '').getTime()).toBe(mine.updated_at.getTime());
    expect(pyDate(back[0]?.updated_at ?? '').getTime()).toBeGreaterThan(pyDate(created?.updated_at ?? '').getTime());
    expect(pyDate(back[1]?.created_at ?? '').getTime()).toBe(theirs.created_at.getTime());
    expect(back[1]?.id).toBe(theirs.id);
  });

  it('the template reads and updates a database litedao created, and litedao reads the result', async () => {
    const db = join(dir, 'from-litedao.db');
    const { Base, User } = models();
    const engine = createEngine(createNodeDriver(db));
    await Base.metadata.createAll(engine);
    const Session = createSessionMaker(engine);
    const u = await Session.begin(async (s) => {
      const user = new User({ telegram_id: 7, username: 'made_by_litedao' });
      s.add(user);
      return user;
    });
    await engine.close();

    const [read] = python(db, 'read');
    expect(read).toMatchObject({ id: u.id, telegram_id: 7, username: 'made_by_litedao' });
    expect(pyDate(read?.created_at ?? '').getTime()).toBe(u.created_at.getTime());

    await new Promise((r) => setTimeout(r, 1100));
    const [renamed] = python(db, 'rename', '7', 'renamed_by_python');
    expect(renamed?.username).toBe('renamed_by_python');

    const engine2 = createEngine(createNodeDriver(db));
    const again = await createSessionMaker(engine2)().getOrThrow(User, u.id);
    expect(again.username).toBe('renamed_by_python');
    expect(again.created_at.getTime()).toBe(u.created_at.getTime());
    expect(again.updated_at.getTime()).toBeGreaterThan(u.updated_at.getTime()); // the template's onupdate=func.now()
    await engine2.close();
  });
});
