import {
  BusyError,
  CheckConstraintError,
  ConfigurationError,
  ConnectionError,
  ConstraintError,
  DaoError,
  DatabaseError,
  deserializeError,
  ForeignKeyConstraintError,
  isDaoError,
  LimitExceededError,
  NotNullConstraintError,
  SchemaError,
  StateError,
  StorageUnavailableError,
  serializeError,
  sqliteErrorToDaoError,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from '@litedao/core';
import { describe, expect, it } from 'vitest';
import { createWorkerDriver, serveWorkerDriver } from '../../src/index.ts';
import { resultTransferables } from '../../src/protocol.ts';

// What crosses the Worker boundary is the structured clone of the serialized form.
const roundTrip = <E extends DaoError>(error: E): DaoError => deserializeError(structuredClone(serializeError(error)));

describe('error serialization across the Worker boundary', () => {
  it('rebuilds constraint errors as the same class with their fields', () => {
    const original = sqliteErrorToDaoError('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: users.email');
    const copy = roundTrip(original);
    expect(copy).toBeInstanceOf(UniqueConstraintError);
    expect(copy).toBeInstanceOf(ConstraintError);
    expect(copy).toBeInstanceOf(DatabaseError);
    expect(copy).toBeInstanceOf(DaoError);
    expect(copy).not.toBeInstanceOf(NotNullConstraintError);
    expect(copy).toMatchObject({
      name: 'UniqueConstraintError',
      code: 'UNIQUE_VIOLATION',
      codes: original.codes,
      message: original.message,
      sqliteCode: 'SQLITE_CONSTRAINT_UNIQUE',
      kind: 'unique',
      table: 'users',
      columns: ['email'],
    });
    expect(isDaoError(copy)).toBe(true);
  });

  it.each([
    ['SQLITE_CONSTRAINT_NOTNULL', 'NOT NULL constraint failed: t.a', NotNullConstraintError],
    ['SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed', ForeignKeyConstraintError],
    ['SQLITE_CONSTRAINT_CHECK', 'CHECK constraint failed: age >= 0', CheckConstraintError],
    ['SQLITE_BUSY', 'database is locked', BusyError],
    ['SQLITE_CANTOPEN', 'unable to open database file', ConnectionError],
    ['SQLITE_ERROR', 'no such table: nope', SchemaError],
    ['SQLITE_ERROR', 'near "SELEC": syntax error', DatabaseError],
  ] as const)('%s → %s', (code, message, Cls) => {
    const copy = roundTrip(sqliteErrorToDaoError(code, message));
    expect(copy).toBeInstanceOf(Cls);
    expect(copy.constructor).toBe(Cls);
  });

  it('keeps the extra fields of usage errors', () => {
    const busy = roundTrip(new BusyError('busy', { sqliteCode: 'SQLITE_BUSY' }));
    expect((busy as BusyError).retryable).toBe(true);
    const unsupported = roundTrip(new UnsupportedError('interactiveTransactions', 'No BEGIN here.', 'session.commit()'));
    expect(unsupported).toBeInstanceOf(UnsupportedError);
    expect(unsupported).toMatchObject({ capability: 'interactiveTransactions', alternative: 'session.commit()' });
    expect(unsupported.message).toBe('No BEGIN here. Use session.commit() instead.');
    const limit = roundTrip(new LimitExceededError('parameters', 40000, 32766));
    expect(limit).toMatchObject({ limit: 'parameters', actual: 40000, allowed: 32766 });
    expect(limit.message).toBe('parameters limit exceeded: 40000 > 32766');
    const tooBig = roundTrip(sqliteErrorToDaoError('SQLITE_TOOBIG', 'string or blob too big'));
    expect(tooBig).toBeInstanceOf(LimitExceededError);
    expect(tooBig).toMatchObject({ actual: undefined, allowed: undefined, message: expect.stringContaining('too big') });
    const validation = roundTrip(new ValidationError('Invalid user', [{ path: ['email'], message: 'required' }]));
    expect(validation).toBeInstanceOf(ValidationError);
    expect((validation as ValidationError).issues).toEqual([{ path: ['email'], message: 'required' }]);
    expect(validation.message).toBe('Invalid user: email: required');
    expect(roundTrip(new StorageUnavailableError('no OPFS'))).toBeInstanceOf(ConnectionError);
    expect(roundTrip(new ConfigurationError('bad'))).toBeInstanceOf(ConfigurationError);
  });

  it('carries the native cause as plain data', () => {
    const cause = Object.assign(new Error('UNIQUE constraint failed: t.a'), { name: 'SQLite3Error', resultCode: 2067 });
    const copy = roundTrip(sqliteErrorToDaoError('SQLITE_CONSTRAINT_UNIQUE', cause.message, cause));
    expect(copy.cause).toMatchObject({ name: 'SQLite3Error', message: cause.message, resultCode: 2067 });
  });

  it('falls back along `codes` for a code this page does not know', () => {
    const data = serializeError(new StateError('x'));
    const copy = deserializeError({ ...data, code: 'SOMETHING_NEW' as never, codes: ['SOMETHING_NEW' as never, 'STATE'] });
    expect(copy).toBeInstanceOf(StateError);
  });

  it('transfers whole-buffer blobs once each', () => {
    const a = new Uint8Array([1, 2]);
    const shared = new Uint8Array(8);
    const view = shared.subarray(2, 4);
    const buffers = resultTransferables([{ rows: [[a, view, a, null, 1]], changes: 0 }]);
    expect(buffers).toEqual([a.buffer]);
  });
});

describe('Worker protocol end to end over a MessageChannel (Node: no OPFS)', () => {
  it('fails open with StorageUnavailableError instead of falling back to memory', async () => {
    const { port1, port2 } = new MessageChannel();
    const server = serveWorkerDriver({ endpoint: port1 as never });
    try {
      const error = await createWorkerDriver(port2 as never, { filename: '/app.db' }).catch((e) => e);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error.message).toMatch(/OPFS is not available/);
      expect(error.message).toMatch(/never falls back to memory/);
    } finally {
      server.stop();
      port1.close();
      port2.close();
    }
  });
});
