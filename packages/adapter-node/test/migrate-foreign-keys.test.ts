/**
 * The migration runner on a connection that cannot turn foreign keys off (D1 and Durable Objects keep them on):
 * simulated here with better-sqlite3 behind a driver that refuses `PRAGMA foreign_keys = OFF`, with and without
 * interactive transactions. A file that drops or rebuilds a table some other live table references is refused
 * before anything runs, naming the referencing table; nothing of the file is applied and no row changes.
 */
import {
  createEngine,
  type Driver,
  declarativeBase,
  diffSchemas,
  EMPTY_SNAPSHOT,
  migrate,
  migrationFileSql,
  SchemaError,
  snapshotOf,
  t,
} from '@litedao/core';
import { describe, expect, it } from 'vitest';
import { createNodeDriver } from '../src/index.ts';

function keepsForeignKeys(interactive: boolean): Driver {
  const inner = createNodeDriver(':memory:');
  const refuse = (sql: string) => {
    if (/^PRAGMA\s+foreign_keys\s*=/i.test(sql)) throw new Error('not authorized');
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

describe('migrate where foreign keys cannot be turned off', () => {
  for (const interactive of [false, true]) {
    it(`refuses a rebuild or drop of a table a hand-written table references, naming it (interactive transactions: ${interactive})`, async () => {
      const engine = createEngine(keepsForeignKeys(interactive));
      const B1 = declarativeBase();
      const U1 = B1('User', { name: t.text() });
      const B2 = declarativeBase();
      const U2 = B2('User', { name: t.text().nullable() });
      const files = [
        { name: '0001_init.sql', sql: migrationFileSql('0001_init.sql', diffSchemas(EMPTY_SNAPSHOT, snapshotOf([U1]))) },
        {
          name: '0002_notes.sql',
          sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE)',
        },
      ];
      await migrate(engine, files);
      await engine.execute({ sql: "INSERT INTO users (name) VALUES ('a'), ('b')", params: [], returnsRows: false });
      await engine.execute({ sql: 'INSERT INTO notes (user_id) VALUES (1), (2), (2)', params: [], returnsRows: false });
      const rebuild = migrationFileSql('0003.sql', diffSchemas(snapshotOf([U1]), snapshotOf([U2])));
      for (const file of [
        { name: '0003.sql', sql: rebuild },
        { name: '0003.sql', sql: 'DROP TABLE IF EXISTS "users";' },
      ]) {
        const e = await migrate(engine, [...files, file]).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(SchemaError);
        expect((e as Error).message).toMatch(/notes → users/);
        const count = await engine.execute({ sql: 'SELECT count(*) FROM notes', params: [], returnsRows: true });
        expect(count.rows).toEqual([[3]]);
      }
      // A file that drops the referencing table too is applied.
      const both = await migrate(engine, [...files, { name: '0003.sql', sql: 'DROP TABLE notes; DROP TABLE users;' }]);
      expect(both.applied).toEqual(['0003.sql']);
      await engine.close();
    });
  }
});
