import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckConstraintError, type ConstraintError, deserializeError, serializeError, sqliteErrorToDaoError } from '../src/index.ts';

/** How each adapter hands SQLite's CHECK message to sqliteErrorToDaoError (see the adapters' error mapping). */
const WRAPPINGS: [string | undefined, (m: string) => string][] = [
  ['SQLITE_CONSTRAINT_CHECK', (m) => m], // better-sqlite3, sqlite-wasm
  ['SQLITE_CONSTRAINT_CHECK', (m) => `${m}: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)`], // D1 (prefix stripped), Durable Objects
  ['SQLITE_CONSTRAINT', (m) => `${m}: SQLITE_CONSTRAINT`], // D1 without the extended code
  [undefined, (m) => `D1_ERROR: ${m}: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)`],
  [undefined, (m) => m],
];

/** Constraint names and unnamed constraints' expressions, with the characters that end other messages' targets. */
const constraintText = fc
  .string({ unit: fc.constantFrom('a', 'Z', '_', '0', ' ', ':', '(', ')', ',', '.', '<', '>', '=', "'", 'é'), minLength: 1, maxLength: 24 })
  .filter((s) => s.trim() === s && s !== '' && !/:\s*$/.test(s));

describe('CheckConstraintError keeps the constraint SQLite names', () => {
  it('in the message and in `constraint`, whatever the adapter wrapping (generated)', () => {
    fc.assert(
      fc.property(constraintText, fc.constantFrom(...WRAPPINGS), (name, [code, wrap]) => {
        const e = sqliteErrorToDaoError(code, wrap(`CHECK constraint failed: ${name}`)) as ConstraintError;
        expect(e).toBeInstanceOf(CheckConstraintError);
        expect(e.constraint).toBe(name);
        expect(e.message).toBe(`CHECK constraint failed: ${name}`);
        // Across a Worker boundary too.
        expect((deserializeError(serializeError(e)) as ConstraintError).constraint).toBe(name);
      }),
    );
  });

  it('a CHECK message with no name keeps the plain message', () => {
    const e = sqliteErrorToDaoError('SQLITE_CONSTRAINT_CHECK', 'CHECK constraint failed') as ConstraintError;
    expect([e.message, e.constraint]).toEqual(['CHECK constraint failed', undefined]);
  });
});

describe("a STRICT table's datatype check names its table and column", () => {
  it.each([
    ['SQLITE_CONSTRAINT_DATATYPE', 'cannot store TEXT value in INTEGER column accts.n'],
    [
      'SQLITE_CONSTRAINT_DATATYPE',
      'cannot store TEXT value in INTEGER column accts.n: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_DATATYPE)',
    ],
    [undefined, 'D1_ERROR: cannot store TEXT value in INTEGER column accts.n: SQLITE_CONSTRAINT'],
  ] as const)('%s %s', (code, message) => {
    const e = sqliteErrorToDaoError(code, message) as ConstraintError;
    expect(e).toBeInstanceOf(CheckConstraintError);
    expect([e.table, e.columns]).toEqual(['accts', ['n']]);
    expect(e.message).toBe('CHECK constraint failed on accts(n): cannot store TEXT value in INTEGER column');
  });
});
