// Both databases' schemas come from migration files written by `litedao generate`: migrations/ for D1 (applied by
// test/apply-migrations.ts, as `wrangler d1 migrations apply` would) and chat-migrations/ for each chat's object
// (embedded as src/chat-migrations.ts and applied by every ChatObject when it starts).

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createD1Driver } from '@litedao/adapter-d1';
import { createEngine, introspectSchema, snapshotOf } from '@litedao/core';
import { expect, it } from 'vitest';
import { chatMigrations } from '../src/chat-migrations.ts';
import { chatModels, globalModels } from '../src/models.ts';

it('the D1 migrations give exactly the schema the global models declare', async () => {
  expect(env.TEST_MIGRATIONS.map((m) => m.name)).toEqual([
    '0001_init.sql',
    '0002_touch_trigger_shortcut.sql',
    '0003_touch_trigger_cheap_now.sql',
  ]);
  const engine = createEngine(createD1Driver(env.DB));
  await engine.verifySchema(globalModels);
  expect((await introspectSchema(engine)).filter((t) => t.name !== 'd1_migrations')).toEqual(snapshotOf(globalModels).tables);
});

it('src/chat-migrations.ts is exactly chat-migrations/*.sql (run scripts/embed-chat-migrations.ts after generating)', () => {
  expect(chatMigrations).toEqual(env.CHAT_MIGRATION_FILES);
});

it("a chat object applies the chat migrations when it starts, records them in its own d1_migrations, and its schema is the chat models'", async () => {
  const stub = env.CHATS.get(env.CHATS.idFromName('migration-check'));
  const { applied, tables } = await runInDurableObject(stub, async (instance, state) => {
    await instance.ready;
    return {
      applied: state.storage.sql
        .exec<{ name: string }>('SELECT name FROM d1_migrations ORDER BY id')
        .toArray()
        .map((r) => r.name),
      tables: (await introspectSchema(instance.engine)).filter((t) => t.name !== 'd1_migrations'),
    };
  });
  expect(applied).toEqual(chatMigrations.map((m) => m.name));
  expect(tables).toEqual(snapshotOf(chatModels).tables);
});
