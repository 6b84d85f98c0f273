// migrations/ is generated from the models with `litedao generate`; after every file is applied (by
// test/apply-migrations.ts, inside workerd on a real local D1), the live schema is exactly what the models
// declare, and verifySchema agrees.

import { env } from 'cloudflare:workers';
import { createD1Driver } from '@litedao/adapter-d1';
import { createEngine, introspectSchema, snapshotOf, type TableDef } from '@litedao/core';
import { expect, it } from 'vitest';
import { models } from '../src/models.ts';

/** A schema where column order does not matter (ADD COLUMN appends; the models may declare it elsewhere). */
function normalized(tables: readonly TableDef[]) {
  return Object.fromEntries(
    tables.map((t) => [
      t.name,
      {
        ...t,
        columns: [...t.columns].sort((a, b) => (a.name < b.name ? -1 : 1)),
        indexes: [...t.indexes].sort((a, b) => (a.name < b.name ? -1 : 1)),
      },
    ]),
  );
}

it('the applied migrations give exactly the schema the models declare', async () => {
  expect(env.TEST_MIGRATIONS.map((m) => m.name)).toEqual([
    '0001_init.sql',
    '0002_add_language.sql',
    '0003_chat_states.sql',
    '0004_touch_trigger_shortcut.sql',
    '0005_touch_trigger_cheap_now.sql',
  ]);
  const engine = createEngine(createD1Driver(env.DB));
  await engine.verifySchema(models);
  expect(normalized(await introspectSchema(engine))).toEqual(normalized(snapshotOf(models).tables));
});
