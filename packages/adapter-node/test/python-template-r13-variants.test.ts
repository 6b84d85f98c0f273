/**
 * `verifySchema` and `createAll` on every way forks of the template declare `id`, `created_at` and
 * `updated_at`, as REAL SQLAlchemy's `create_all` writes them (fixtures/python-template/variants.json, made by
 * test/python/template_r13_variants.py): each "accept" variant passes and litedao then inserts, reads and
 * updates rows in it (ids assigned, timestamps filled by the database); each "reject" variant is a
 * `SchemaError` naming the column, and is genuinely broken: a plain INSERT that leaves id and timestamps to the
 * database fails or stores no current date-and-time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseDAO, createEngine, createSessionMaker, declarativeBase, SchemaError, t } from '@litedao/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

interface Variant {
  name: string;
  expect: 'accept' | 'reject';
  ddl: string[];
}
const variants = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'python-template', 'variants.json'), 'utf8')) as Variant[];

function models() {
  const Base = declarativeBase({ naming: 'legacy', strict: false });
  class User extends Base('User', { telegram_id: t.bigint().unique(), username: t.text().nullable() }) {}
  return { Base, User };
}

/** A database with the variant's DDL, as SQLAlchemy created it. */
function build(v: Variant): Database.Database {
  const db = new Database(':memory:');
  for (const stmt of v.ddl) db.exec(stmt);
  return db;
}

describe('SQLAlchemy variants of the template Base (real create_all DDL)', () => {
  it('covers both verdicts', () => {
    expect(variants.filter((v) => v.expect === 'accept').length).toBeGreaterThan(20);
    expect(variants.filter((v) => v.expect === 'reject').length).toBeGreaterThan(5);
  });

  it.each(variants.filter((v) => v.expect === 'accept').map((v) => [v.name, v] as const))('accepts %s', async (_, v) => {
    const { Base, User } = models();
    const engine = createEngine(createNodeDriver(build(v)));
    try {
      await engine.verifySchema([User]);
      await Base.metadata.createAll(engine);
      const Session = createSessionMaker(engine);
      const u = await Session.begin(async (s) => {
        const user = new User({ telegram_id: 2n ** 60n, username: 'a' });
        s.add(user);
        return user;
      });
      expect(u.id).toBe(1);
      expect(u.created_at).toBeInstanceOf(Date);
      expect(Number.isNaN(u.created_at.getTime())).toBe(false);
      await Session.begin(async (s) => {
        const again = await s.getOrThrow(User, 1);
        again.username = 'b';
      });
      // upsert targets the UNIQUE key however SQLAlchemy spelled it (column UNIQUE, named constraint, UNIQUE INDEX).
      await Session.begin(async (s) => {
        await new (class extends BaseDAO(User) {})(s).upsert(['telegram_id'], { telegram_id: 2n ** 60n, username: 'c' });
      });
      const s = Session();
      const read = await s.getOrThrow(User, 1);
      expect(read.username).toBe('c');
      expect(await s.select(User).count()).toBe(1);
      expect(read.telegram_id).toBe(2n ** 60n);
      expect(read.updated_at.getTime()).toBeGreaterThanOrEqual(read.created_at.getTime());
      await s.close();
    } finally {
      await engine.close();
    }
  });

  it.each(variants.filter((v) => v.expect === 'reject').map((v) => [v.name, v] as const))('rejects %s', async (_, v) => {
    const { User } = models();
    const column = v.name.startsWith('id ') ? 'id' : v.name.startsWith('created_at') ? 'created_at' : 'updated_at';
    // Genuinely broken: a plain INSERT fails, or the column gets no current date-and-time text.
    const raw = build(v);
    let broken: boolean;
    try {
      raw.prepare('INSERT INTO users (telegram_id) VALUES (1)').run();
      const row = raw.prepare(`SELECT ${column} AS v, typeof(${column}) AS ty FROM users`).get() as { v: unknown; ty: string };
      broken =
        row.v === null ||
        row.ty !== 'text' ||
        !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(String(row.v)) ||
        (raw.prepare(`SELECT abs(julianday('now') - julianday(?)) > 1 AS old`).get(row.v) as { old: number }).old === 1;
    } catch {
      broken = true;
    }
    raw.close();
    expect(broken).toBe(true);

    const engine = createEngine(createNodeDriver(build(v)));
    try {
      const err = await engine.verifySchema([User]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SchemaError);
      expect(String((err as Error).message)).toContain(`users.${column}`);
    } finally {
      await engine.close();
    }
  });
});
