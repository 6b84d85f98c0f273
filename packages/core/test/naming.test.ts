import { describe, expect, it } from 'vitest';
import { checkIdentifier, IdentifierError, quoteIdent, tableNameFor } from '../src/index.ts';

describe('table naming', () => {
  it.each([
    ['User', 'users'],
    ['Category', 'categories'],
    ['Person', 'people'],
    ['UserProfile', 'user_profiles'],
    ['Status', 'statuses'],
    ['Message', 'messages'],
    ['Address', 'addresses'],
    ['HTTPRequest', 'http_requests'],
    ['Datum', 'data'],
    ['Пользователь', 'пользователь'],
    ['ЛичныйКабинет', 'личный_кабинет'],
  ])('%s → %s', (model, table) => {
    expect(tableNameFor(model, 'plural')).toBe(table);
  });

  it.each([
    ['User', 'users'],
    ['UserProfile', 'userprofiles'],
    ['Category', 'categorys'],
    ['Пользователь', 'пользовательs'],
  ])('legacy %s → %s (the template: lower + "s")', (model, table) => {
    expect(tableNameFor(model, 'legacy')).toBe(table);
  });
});

describe('identifiers', () => {
  it('accepts letters, digits and underscores in NFC; refuses a name NFC would change instead of renaming it', () => {
    expect(checkIdentifier('user_2', 'x')).toBe('user_2');
    expect(checkIdentifier('caf\u00e9', 'x')).toBe('café');
    expect(() => checkIdentifier('cafe\u0301', 'x')).toThrow(IdentifierError);
  });

  it.each(['', '2fa', 'a b', 'a"b', 'a`b', 'a\0b', 'a\u200bb', 'a\u202eb', 'sqlite_x', 'SQLITE_y', 'x'.repeat(129), 'a;b', 'a-b'])(
    'refuses %j',
    (name) => {
      expect(() => checkIdentifier(name, 'name')).toThrow(IdentifierError);
    },
  );

  it('quotes by doubling quotes', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });
});
