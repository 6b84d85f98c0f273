// Relationships across many chunks in a Durable Object, committed whole or, failing in the last object, not at
// all: the same outcome as better-sqlite3 (../../adapter-d1/test/support/node-relations-r13.json).
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createEngine } from '@litedao/core';
import { expect, it } from 'vitest';
import NODE from '../../adapter-d1/test/support/node-relations-r13.json';
import { runRelations } from '../../adapter-d1/test/support/relations-r13.ts';
import { createDurableObjectDriver } from '../src/index.ts';

it('a unit of relationships over many chunks, failing in its last object, writes nothing; whole, it writes what Node writes', async () => {
  const stub = env.CONFORMANCE.get(env.CONFORMANCE.idFromName('relations-r13'));
  const got = await runInDurableObject(stub, (_i, state) => runRelations(createEngine(createDurableObjectDriver(state.storage))));
  expect(got).toEqual(NODE);
});
