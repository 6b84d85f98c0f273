/**
 * The table-rebuild suite (testkit's migration-rebuild-tests) on better-sqlite3 with foreign keys that cannot
 * be turned off, as on D1 and Durable Objects: with interactive transactions and with one batch per file.
 */
import type { Driver } from '@litedao/core';
import { describe } from 'vitest';
import { migrationRebuildTests } from '../../testkit/src/migration-rebuild-tests.ts';
import { createNodeDriver } from '../src/index.ts';

function keepsForeignKeys(interactive: boolean): Driver {
  const inner = createNodeDriver(':memory:');
  const refuse = (sql: string) => {
    if (/^\s*PRAGMA\s+foreign_keys\s*=/i.test(sql)) throw new Error('not authorized');
  };
  return {
    name: 'fk-always-on',
    capabilities: { ...inner.capabilities, interactiveTransactions: interactive },
    limits: inner.limits,
    execute: (s) => {
      refuse(s.sql);
      return inner.execute(s);
    },
    batch: (list) => {
      for (const s of list) refuse(s.sql);
      return inner.batch(list);
    },
    transaction: interactive ? inner.transaction?.bind(inner) : undefined,
    close: () => inner.close(),
  } as Driver;
}

for (const interactive of [true, false]) {
  describe(`foreign keys always on (interactive transactions: ${interactive})`, () => {
    migrationRebuildTests({ name: `fk-on ${interactive}`, createDriver: async () => keepsForeignKeys(interactive) });
  });
}
