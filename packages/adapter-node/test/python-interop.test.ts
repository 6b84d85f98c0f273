/**
 * Databases written by the Python template (SQLAlchemy async + aiosqlite) and by litedao are interchangeable.
 * Runs the template's real database layer (test/python/template.py) with Debian's python3-sqlalchemy, which
 * `npm test` installs; nothing here imitates Python.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createSessionMaker, declarativeBase, type Engine, type JsonValue, t } from '@litedao/core';
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

// ------------------------------------------------------------------------------------------------------------
// Timestamps and JSON written by both sides, in the same second, into the template's DDL and into litedao's.

interface PyNote {
  id: number;
  title: string;
  data: unknown;
  due: string | null;
  created_at: string;
  updated_at: string;
}

function notesPy(db: string, op: string, arg?: unknown): PyNote[] {
  const out = execFileSync(PYTHON, [script, db, op, ...(arg === undefined ? [] : [JSON.stringify(arg)])], { encoding: 'utf8' });
  return JSON.parse(out) as PyNote[];
}

function noteModel() {
  const Base = declarativeBase({ naming: 'legacy' }); // notes, as the template names it
  class Note extends Base('Note', { title: t.text(), data: t.json().nullable(), due: t.timestamp().nullable() }) {}
  return { Base, Note };
}

/** The rows both sides write: JSON of every shape SQLAlchemy's JSON type stores, and due times with microseconds. */
const NOTES = [
  { title: 'dict', data: { a: 1, b: [true, null, 'x'], ключ: 'значение' }, due: '2026-11-22T03:04:05.123456' },
  { title: 'list', data: [1, 2.5, -3, 'é😀'], due: '0001-01-01T00:00:00' },
  { title: 'int', data: 12, due: '9999-12-31T23:59:59.999000' },
  { title: 'real', data: 1.5, due: null },
  { title: 'str', data: 'text', due: '2026-02-28T23:59:59.000999' },
  { title: 'bool', data: true, due: '2026-11-22T03:04:05.123000' },
  { title: 'null', data: null, due: '1970-01-01T00:00:00' },
  { title: 'neg', data: -0.25, due: '2026-11-22T03:04:05' },
] as const;

/** The instant SQLite reads from a naive UTC ISO text with microseconds: the fraction rounded to ms. */
function sqliteMs(iso: string): number {
  const [head, frac = ''] = iso.split('.');
  const micros = Number(frac.padEnd(6, '0'));
  return Date.parse(`${head}Z`) + Math.trunc(micros / 1000 + 0.5);
}

/** Python's isoformat of a naive datetime holding this instant (no fraction when it is zero). */
function pyIso(d: Date): string {
  const iso = d.toISOString().slice(0, -1);
  return iso.endsWith('.000') ? iso.slice(0, -4) : `${iso}000`;
}

/**
 * Both sides agree on every note: JSON values deep-equal; every timestamp is, to litedao, the instant SQLite
 * reads from the text Python reads (Python's microseconds rounded to ms), and rows litedao wrote read in Python
 * exactly as litedao has them. `litedaoWrote` tells which ids litedao wrote.
 */
async function checkBothSides(
  engine: Engine,
  db: string,
  Note: ReturnType<typeof noteModel>['Note'],
  litedaoWrote: (id: number) => boolean,
) {
  const s = createSessionMaker(engine)();
  const mine = await s.select(Note).orderBy({ id: 'asc' }).all();
  const theirs = notesPy(db, 'notes-read');
  expect(theirs.map((n) => n.id)).toEqual(mine.map((n) => n.id));
  expect(mine).toHaveLength(2 * NOTES.length);
  for (const [k, n] of mine.entries()) {
    const py = theirs[k] as PyNote;
    const spec = NOTES.find((x) => x.title === n.title);
    expect(n.data, n.title).toEqual(spec?.data ?? null);
    expect(py.data, n.title).toEqual(spec?.data ?? null);
    expect(n.due?.getTime() ?? null, n.title).toBe(spec?.due ? sqliteMs(spec.due) : null);
    for (const key of ['created_at', 'updated_at', 'due'] as const) {
      const mineAt = n[key];
      const theirsAt = py[key];
      if (mineAt === null || theirsAt === null) {
        expect([mineAt, theirsAt], `${n.title}.${key}`).toEqual([null, null]);
        continue;
      }
      expect(sqliteMs(theirsAt), `${n.title}.${key}`).toBe(mineAt.getTime());
      if (litedaoWrote(n.id)) expect(theirsAt, `${n.title}.${key}`).toBe(pyIso(mineAt));
    }
  }
  // Filters on timestamps agree with the Dates litedao read, across both sides' layouts.
  for (const key of ['created_at', 'due'] as const) {
    for (const pivot of mine) {
      const at = pivot[key];
      if (at === null) continue;
      const ids = async (cond: unknown) =>
        (
          await s
            .select(Note)
            .where({ [key]: cond } as never)
            .all()
        )
          .map((n) => n.id)
          .sort((a, b) => a - b);
      const want = (p: (t: number) => boolean) => mine.filter((n) => n[key] !== null && p((n[key] as Date).getTime())).map((n) => n.id);
      expect(await ids(at), `${key} = ${at.toISOString()}`).toEqual(want((t) => t === at.getTime()));
      expect(await ids({ gte: at })).toEqual(want((t) => t >= at.getTime()));
      expect(await ids({ lt: at })).toEqual(want((t) => t < at.getTime()));
    }
    const ordered = (
      await s
        .select(Note)
        .orderBy([{ [key]: 'asc' }, { id: 'asc' }] as never)
        .all()
    ).map((n) => n.id);
    const sorted = [...mine].sort((a, b) => (a[key]?.getTime() ?? -Infinity) - (b[key]?.getTime() ?? -Infinity) || a.id - b.id);
    expect(ordered).toEqual(sorted.map((n) => n.id));
  }
  await s.close();
  return mine;
}

async function litedaoWritesNotes(engine: Engine, Note: ReturnType<typeof noteModel>['Note']) {
  await createSessionMaker(engine).begin(async (s) => {
    for (const n of NOTES) s.add(new Note({ title: n.title, data: n.data as JsonValue, due: n.due ? new Date(sqliteMs(n.due)) : null }));
  });
}

describe('interop: timestamps and JSON written by both sides in the same second', () => {
  it("with the template's own DDL: each side reads the other's rows exactly, filters and order agree", async () => {
    const db = join(dir, 'notes-template-ddl.db');
    notesPy(db, 'notes-create', NOTES); // creates the tables with the template's DDL, then writes
    const { Note } = noteModel();
    const engine = createEngine(createNodeDriver(db)); // no createAll: the template's DDL as it is
    await litedaoWritesNotes(engine, Note);
    const mine = await checkBothSides(engine, db, Note, (id) => id > NOTES.length);
    expect(mine.filter((n) => !n.created_at.getUTCMilliseconds())).not.toHaveLength(0); // the template's whole seconds

    // Updates from both sides read exactly on both sides; litedao's never move updated_at before created_at.
    await createSessionMaker(engine).begin(async (s) => {
      for (const n of await s
        .select(Note)
        .where({ id: { lte: NOTES.length } })
        .all())
        n.data = { touched: true };
    });
    notesPy(db, 'notes-touch', ['int', 'str']);
    const s = createSessionMaker(engine)();
    const after = await s.select(Note).orderBy({ id: 'asc' }).all();
    for (const n of after.slice(0, NOTES.length)) expect(n.updated_at.getTime()).toBeGreaterThanOrEqual(n.created_at.getTime());
    const py = notesPy(db, 'notes-read');
    for (const [k, n] of after.entries()) expect(sqliteMs(py[k]?.updated_at as string)).toBe(n.updated_at.getTime());
    // A Python update in the same second as litedao's insert writes CURRENT_TIMESTAMP (whole seconds), which
    // may precede created_at: the table trigger (schema work, issue 10) is what keeps that from happening.
    await s.close();
    await engine.close();
  });

  it("with litedao's DDL: each side reads the other's rows exactly, filters and order agree", async () => {
    const db = join(dir, 'notes-litedao-ddl.db');
    const { Base, Note } = noteModel();
    const engine = createEngine(createNodeDriver(db));
    await Base.metadata.createAll(engine);
    await litedaoWritesNotes(engine, Note);
    notesPy(db, 'notes-create', NOTES); // the template's create_all leaves litedao's table as it is
    await checkBothSides(engine, db, Note, (id) => id <= NOTES.length);
    await engine.close();
  });
});
