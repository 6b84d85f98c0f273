import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BusyError,
  CheckConstraintError,
  ConnectionError,
  ConstraintError,
  DaoError,
  DatabaseError,
  ForeignKeyConstraintError,
  isDaoError,
  LimitExceededError,
  NotNullConstraintError,
  SchemaError,
  SessionClosedError,
  StateError,
  sqliteErrorToDaoError,
  UniqueConstraintError,
} from '../src/index.ts';

describe('sqliteErrorToDaoError', () => {
  it.each([
    ['SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: users.email', UniqueConstraintError, 'UNIQUE_VIOLATION'],
    ['SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE constraint failed: users.id', UniqueConstraintError, 'UNIQUE_VIOLATION'],
    ['SQLITE_CONSTRAINT_NOTNULL', 'NOT NULL constraint failed: posts.title', NotNullConstraintError, 'NOT_NULL_VIOLATION'],
    ['SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed', ForeignKeyConstraintError, 'FOREIGN_KEY_VIOLATION'],
    ['SQLITE_CONSTRAINT_CHECK', 'CHECK constraint failed: flag', CheckConstraintError, 'CHECK_VIOLATION'],
    ['SQLITE_BUSY', 'database is locked', BusyError, 'BUSY'],
    ['SQLITE_CANTOPEN', 'unable to open database file', ConnectionError, 'CONNECTION'],
    ['SQLITE_ERROR', 'no such table: users', SchemaError, 'SCHEMA'],
    [undefined, 'UNIQUE constraint failed: a.b', UniqueConstraintError, 'UNIQUE_VIOLATION'],
    ['SQLITE_ERROR', 'near "x": syntax error', DatabaseError, 'DATABASE'],
  ] as const)('%s %s', (code, message, cls, expected) => {
    const e = sqliteErrorToDaoError(code, message, new Error(message));
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(DaoError);
    expect(e.code).toBe(expected);
  });

  it('spells each constraint kind as SQLite does ("NOT NULL", not "notnull")', () => {
    const cases = [
      ['SQLITE_CONSTRAINT_NOTNULL', 'NOT NULL constraint failed: posts.title', 'NOT NULL constraint failed on posts(title)'],
      ['SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: users.email', 'UNIQUE constraint failed on users(email)'],
      ['SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE constraint failed: users.id', 'PRIMARY KEY constraint failed on users(id)'],
      ['SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed', 'FOREIGN KEY constraint failed'],
      ['SQLITE_CONSTRAINT_CHECK', 'CHECK constraint failed: flag', 'CHECK constraint failed: flag'],
    ] as const;
    for (const [code, message, expected] of cases) expect(sqliteErrorToDaoError(code, message).message).toBe(expected);
  });

  it('names table and columns of a composite unique violation', () => {
    const e = sqliteErrorToDaoError('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: t.a, t.b') as ConstraintError;
    expect([e.table, e.columns]).toEqual(['t', ['a', 'b']]);
  });
});

describe('instanceof is brand-based', () => {
  it('matches subclasses and not siblings', () => {
    const e = new SessionClosedError('closed');
    expect(e).toBeInstanceOf(StateError);
    expect(e).not.toBeInstanceOf(DatabaseError);
    expect(isDaoError(e)).toBe(true);
    expect(isDaoError(new Error('x'))).toBe(false);
  });

  it('survives a second copy of the package (an object with the brand and codes)', () => {
    const foreign = Object.assign(new Error('dup'), { code: 'UNIQUE_VIOLATION', codes: ['UNIQUE_VIOLATION', 'CONSTRAINT', 'DATABASE'] });
    Object.defineProperty(foreign, Symbol.for('litedao.error'), { value: true });
    expect(foreign).toBeInstanceOf(UniqueConstraintError);
    expect(foreign).toBeInstanceOf(ConstraintError);
    expect(foreign).not.toBeInstanceOf(BusyError);
  });
});

describe('a limit phrase inside a name is not a limit', () => {
  const phrases = [
    'too many SQL variables',
    'LIKE or GLOB pattern too complex',
    'Expression tree is too large (maximum depth 7)',
    'too many terms in compound SELECT',
    'too many columns in result set',
    'too many arguments on function f',
  ];
  const wrap = fc.constantFrom(
    (m: string) => m,
    (m: string) => `D1_ERROR: ${m}: SQLITE_ERROR`,
    (m: string) => `${m} (code 1)`,
    (m: string) => `Error: ${m}`,
  );

  it("property: SQLite's own limit message is LimitExceededError; a missing table, column or index named with the phrase is SchemaError", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...phrases),
        wrap,
        fc.constantFrom('no such table: ', 'no such column: t.', 'table t has no column named ', 'no such index: '),
        (phrase, w, lead) => {
          expect(sqliteErrorToDaoError('SQLITE_ERROR', w(phrase))).toBeInstanceOf(LimitExceededError);
          expect(sqliteErrorToDaoError('SQLITE_ERROR', w(`${lead}${phrase}`))).toBeInstanceOf(SchemaError);
        },
      ),
    );
  });
});
