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
