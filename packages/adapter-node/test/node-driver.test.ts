import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BusyError,
  CommitOutcomeUnknownError,
  ConfigurationError,
  ConnectionError,
  createEngine,
  createSessionMaker,
  declarativeBase,
  t,
} from '@litedao/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeDriver, createNodeEngine, filenameFromUrl } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'litedao-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Base = declarativeBase();
class Note extends Base('Note', { text: t.text() }) {}

describe('database URLs (create_async_engine style)', () => {
  it.each([
    ['sqlite:///app.db', 'app.db'],
    ['sqlite+aiosqlite:///db.sqlite3', 'db.sqlite3'],
    ['sqlite:////var/data/app.db', '/var/data/app.db'],
    ['sqlite://', ':memory:'],
    ['sqlite://:memory:', ':memory:'],
    ['sqlite:///:memory:', ':memory:'],
    ['sqlite:///dir/my%20db.db?mode=rw', 'dir/my db.db'],
  ])('%s → %s', (url, file) => {
    expect(filenameFromUrl(url)).toBe(file);
  });

  it.each(['postgres://x/y', 'app.db', 'sqlite://host/app.db', 'sqlite:///'])('refuses %s', (url) => {
    expect(() => filenameFromUrl(url)).toThrow(ConfigurationError);
  });

  it('defaults to DATABASE_URL and explains when it is missing', async () => {
    const saved = process.env.DATABASE_URL;
    try {
      delete process.env.DATABASE_URL;
      expect(() => createNodeEngine()).toThrow(/DATABASE_URL/);
      process.env.DATABASE_URL = `sqlite:///${join(dir, 'env.db')}`;
      const engine = createNodeEngine();
      await engine.createAll([Note]);
      await engine.close();
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});

describe('better-sqlite3 driver', () => {
  it('opens files in WAL mode with foreign keys on, and data survives reopening', async () => {
    const file = join(dir, 'persist.db');
    const engine = createEngine(createNodeDriver(file));
    await engine.createAll([Note]);
    await createSessionMaker(engine).begin(async (s) => s.add(new Note({ text: 'kept' })));
    await engine.close();
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = createEngine(createNodeDriver(file));
    const notes = await createSessionMaker(again)().select(Note).all();
    expect(notes.map((n) => n.text)).toEqual(['kept']);
    const fk = await again.execute({ sql: 'PRAGMA foreign_keys', params: [], returnsRows: true });
    expect(fk.rows[0]?.[0]).toBe(1);
    await again.close();
  });

  it('maps a writer locked out by another connection to BusyError (retryable), nothing written', async () => {
    const file = join(dir, 'busy.db');
    const a = createEngine(createNodeDriver(file, { busyTimeoutMs: 50 }));
    await a.createAll([Note]);
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    const s = createSessionMaker(a)();
    s.add(new Note({ text: 'blocked' }));
    let fired = false;
    setTimeout(() => {
      fired = true;
    }, 1);
    const err = await s.commit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusyError);
    expect((err as BusyError).retryable).toBe(true);
    expect(fired).toBe(true); // the wait for the lock never blocked the event loop
    holder.exec('ROLLBACK');
    holder.close();
    await s.commit(); // the pending work was kept; it goes through once the lock is gone
    expect(await createSessionMaker(a)().select(Note).count()).toBe(1);
    await a.close();
  });

  it('a commit SQLite refuses (disk full, read-only) is a definite ConnectionError, never an unknown outcome; nothing written', async () => {
    const engine = createEngine(createNodeDriver(':memory:'));
    await engine.createAll([Note]);
    const pages = (await engine.execute({ sql: 'PRAGMA page_count', params: [], returnsRows: true })).rows[0]?.[0];
    await engine.execute({ sql: `PRAGMA max_page_count = ${Number(pages) + 1}`, params: [] });
    const s = createSessionMaker(engine)();
    for (let i = 0; i < 500; i++) s.add(new Note({ text: 'x'.repeat(200) }));
    const full = await s.commit().catch((e: unknown) => e);
    expect(full).toBeInstanceOf(ConnectionError);
    expect(full).not.toBeInstanceOf(CommitOutcomeUnknownError);
    expect((full as Error).message).toContain('SQLITE_FULL');
    s.rollback();
    await engine.execute({ sql: 'PRAGMA query_only = 1', params: [] });
    s.add(new Note({ text: 'y' }));
    const readOnly = await s.commit().catch((e: unknown) => e);
    expect(readOnly).toBeInstanceOf(ConnectionError);
    expect(readOnly).not.toBeInstanceOf(CommitOutcomeUnknownError);
    await engine.execute({ sql: 'PRAGMA query_only = 0', params: [] });
    expect(await s.select(Note).count()).toBe(0);
    await s.close();
    await engine.close();
  });

  it('reports an unopenable path as ConnectionError', async () => {
    expect(() => createNodeDriver(join(dir, 'no', 'such', 'dir', 'x.db'))).toThrow(ConnectionError);
  });

  it('reuses prepared statements: the hot path does not re-prepare', async () => {
    const db = new Database(':memory:');
    let prepares = 0;
    const counting = new Proxy(db, {
      get(target, key) {
        const v = Reflect.get(target, key, target);
        if (key === 'prepare') {
          return (sql: string) => {
            prepares++;
            return target.prepare(sql);
          };
        }
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const engine = createEngine(createNodeDriver(counting as never));
    await engine.createAll([Note]);
    const Session = createSessionMaker(engine);
    await Session.begin(async (s) => s.addAll(Array.from({ length: 10 }, (_, i) => new Note({ text: `n${i}` }))));
    const before = prepares;
    const s = Session();
    for (let i = 1; i <= 200; i++) {
      await s.get(Note, ((i - 1) % 10) + 1);
      s.rollback(); // empty the identity map so every get reaches the database
    }
    for (let i = 0; i < 50; i++)
      await s
        .select(Note)
        .where({ text: `n${i % 10}` })
        .all();
    expect(prepares - before).toBe(2); // one SELECT by id, one SELECT by text
    await engine.close();
  });
});
