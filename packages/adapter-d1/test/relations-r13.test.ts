// Relationships across many chunks on D1, committed whole or, failing in the last object, not at all: the same
// outcome as better-sqlite3 (support/node-relations-r13.json, printed by bench/scratch-r13-cf/relations.ts).
import { env } from 'cloudflare:workers';
import { createEngine } from '@litedao/core';
import { expect, it } from 'vitest';
import { createD1Driver } from '../src/index.ts';
import { dropAllTables } from './support/d1.ts';
import NODE from './support/node-relations-r13.json';
import { runRelations } from './support/relations-r13.ts';

it('a unit of relationships over many chunks, failing in its last object, writes nothing; whole, it writes what Node writes', async () => {
  await dropAllTables(env.DB);
  expect(await runRelations(createEngine(createD1Driver(env.DB)))).toEqual(NODE);
});
