// The same faults inside a SQLite-backed Durable Object as on better-sqlite3 (the scenarios and Node's answers
// live with the D1 lane: ../../adapter-d1/test/support/): the same error class, code, sqliteCode, constraint
// kind, table and columns. Where the documented limits (the same numbers as D1's) refuse what Node runs, a
// LimitExceededError is the answer.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createEngine } from '@litedao/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Classified, runFaults } from '../../adapter-d1/test/support/faults-r13.ts';
import NODE from '../../adapter-d1/test/support/node-faults-r13.json';
import { createDurableObjectDriver } from '../src/index.ts';

const OVER_LIMITS = new Set(['params101', 'params101InUnit', 'longStatement', 'longLike', 'hugeFilterValue', 'orList150']);

/** On purpose: a raw bigint beyond 2^53 is refused (no BigInt binding); `params101InUnit`, refused, left `fchk` empty. */
const DO_OWN: Record<string, Classified> = {
  rawBigParam: { name: 'UnsupportedError', code: 'UNSUPPORTED', capability: 'bigint' },
  chkAfter: { value: [[0]] },
};

let got: Record<string, Classified>;
beforeAll(async () => {
  const stub = env.CONFORMANCE.get(env.CONFORMANCE.idFromName('parity-r13'));
  got = await runInDurableObject(stub, (_i, state) => runFaults(createEngine(createDurableObjectDriver(state.storage))));
});

describe('a Durable Object answers every fault as better-sqlite3 does', () => {
  for (const name of Object.keys(NODE)) {
    it(name, () => {
      const node = (NODE as Record<string, Classified>)[name] as Classified;
      if (OVER_LIMITS.has(name)) {
        expect(got[name]?.code, JSON.stringify(got[name])).toBe('LIMIT_EXCEEDED');
        return;
      }
      expect(got[name]).toEqual(DO_OWN[name] ?? node);
    });
  }
});
