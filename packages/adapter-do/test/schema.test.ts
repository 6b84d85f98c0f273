// The schema step at object start-up: migration files (wrangler's layout, as `litedao generate` writes them)
// applied inside the object with core's migrate(), recorded in the object's own d1_migrations table, checked
// against the models; or createAll without files. Each object starts (and restarts) for real: evictDurableObject.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createAllSql, declarativeBase, t } from '@litedao/core';
import { describe, expect, it } from 'vitest';
import { nextSchema } from './support/worker.ts';

const V1 = declarativeBase();
class NoteV1 extends V1('Note', { author: t.integer(), body: t.text() }) {}
const V2 = declarativeBase();
class NoteV2 extends V2('Note', { author: t.integer(), body: t.text(), mood: t.text().nullable() }) {}
const Parents = declarativeBase();
class Folder extends Parents('Folder', { name: t.text() }) {}
class Doc extends Parents('Doc', { folder_id: t.integer().references(() => Folder), title: t.text() }) {}

const init = { name: '0001_init.sql', sql: createAllSql([NoteV1]) };
const addMood = { name: '0002_add_mood.sql', sql: 'ALTER TABLE "notes" ADD COLUMN "mood" TEXT;' };

async function rows(name: string, sql: string): Promise<unknown[][]> {
  const stub = env.MIGRATED.get(env.MIGRATED.idFromName(name));
  return runInDurableObject(stub, async (instance, state) => {
    await instance.db.ready;
    return state.storage.sql
      .exec(sql)
      .toArray()
      .map((r) => Object.values(r));
  });
}

describe('migrations at object start-up', () => {
  it('applies pending files once, in order, recorded in the object’s d1_migrations; a later start applies only the new file', async () => {
    const name = `m-${Math.random()}`;
    nextSchema.files = [init];
    nextSchema.models = [NoteV1];
    expect(await rows(name, 'SELECT name FROM d1_migrations ORDER BY id')).toEqual([['0001_init.sql']]);
    await runInDurableObject(env.MIGRATED.get(env.MIGRATED.idFromName(name)), async (instance) => {
      await instance.db.Session.begin(async (s) => s.add(new NoteV1({ author: 1, body: 'kept' })));
    });
    // A new release: the object restarts with one more file and the changed model.
    nextSchema.files = [init, addMood];
    nextSchema.models = [NoteV2];
    await evictDurableObject(env.MIGRATED.get(env.MIGRATED.idFromName(name)));
    expect(await rows(name, 'SELECT name FROM d1_migrations ORDER BY id')).toEqual([['0001_init.sql'], ['0002_add_mood.sql']]);
    expect(await rows(name, 'SELECT body, mood FROM notes')).toEqual([['kept', null]]);
    // Restarting again applies nothing twice.
    await evictDurableObject(env.MIGRATED.get(env.MIGRATED.idFromName(name)));
    expect(await rows(name, 'SELECT count(*) FROM d1_migrations')).toEqual([[2]]);
  });

  it('a model changed without a migration fails the start-up with SchemaError naming the difference', async () => {
    nextSchema.files = [init];
    nextSchema.models = [NoteV2];
    const stub = env.MIGRATED.get(env.MIGRATED.idFromName(`m-${Math.random()}`));
    // The schema step runs in blockConcurrencyWhile: its failure fails the waiting request and resets the object;
    // the request gets the error with its name and message (the runtime carries it out of the reset object).
    const e = await runInDurableObject(stub, async (instance) => instance.db.ready).catch((err: unknown) => err);
    expect((e as Error).name).toBe('SchemaError');
    expect((e as Error).message).toMatch(/^the database does not match the models[\s\S]*mood/);
  });

  it('a failing file leaves nothing of itself behind and is reported with its name; a rebuild with deferred foreign keys applies', async () => {
    const bad = { name: '0002_bad.sql', sql: 'ALTER TABLE "notes" ADD COLUMN "x" TEXT;\nINSERT INTO nowhere VALUES (1);' };
    nextSchema.files = [init, bad];
    nextSchema.models = [];
    const name = `m-${Math.random()}`;
    const stub = env.MIGRATED.get(env.MIGRATED.idFromName(name));
    const e = await runInDurableObject(stub, async (instance) => instance.db.ready).catch((err: unknown) => err);
    expect((e as Error).name).toBe('SchemaError');
    expect((e as Error).message).toMatch(/^migration 0002_bad\.sql failed at statement 2 of 2/);
    // The next start (a fixed release) finds 0001 applied and nothing of 0002.
    nextSchema.files = [init];
    await evictDurableObject(stub).catch(() => undefined);
    expect(await rows(name, "SELECT name FROM pragma_table_info('notes') WHERE name = 'x'")).toEqual([]);
    expect(await rows(name, 'SELECT name FROM d1_migrations')).toEqual([['0001_init.sql']]);

    // A rebuild in the generated style: deferred foreign keys, new table, copy, drop, rename.
    const parents = { name: '0001_init.sql', sql: createAllSql([Folder, Doc]) };
    const seed = {
      name: '0002_seed.sql',
      sql: `INSERT INTO "folders" ("name") VALUES ('f');\nINSERT INTO "docs" ("folder_id", "title") VALUES (1, 'd');`,
    };
    const rebuild = {
      name: '0003_rebuild.sql',
      sql: [
        'PRAGMA defer_foreign_keys = ON;',
        'CREATE TABLE "__new_folders" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL);',
        'INSERT INTO "__new_folders" SELECT "id", "name", "created_at", "updated_at" FROM "folders";',
        'DROP TABLE "folders";',
        'ALTER TABLE "__new_folders" RENAME TO "folders";',
      ].join('\n'),
    };
    nextSchema.files = [parents, seed, rebuild];
    const other = `m-${Math.random()}`;
    expect(await rows(other, 'SELECT name FROM d1_migrations ORDER BY id')).toEqual([
      ['0001_init.sql'],
      ['0002_seed.sql'],
      ['0003_rebuild.sql'],
    ]);
    expect(await rows(other, 'SELECT title, folder_id FROM docs')).toEqual([['d', 1]]);
    expect(await rows(other, 'PRAGMA defer_foreign_keys')).toEqual([[0]]);
  });

  it('without files, the models’ tables are created (createAll), idempotently', async () => {
    nextSchema.files = [];
    nextSchema.models = [NoteV1];
    const name = `m-${Math.random()}`;
    expect(await rows(name, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'notes'")).toEqual([['notes']]);
    await evictDurableObject(env.MIGRATED.get(env.MIGRATED.idFromName(name)));
    expect(await rows(name, "SELECT count(*) FROM sqlite_schema WHERE name = 'd1_migrations'")).toEqual([[0]]);
  });
});
