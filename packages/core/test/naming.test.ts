import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIdentifier, declarativeBase, IdentifierError, quoteIdent, t, tableNameFor } from '../src/index.ts';

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const RUNS = Number(env?.LITEDAO_FC_RUNS ?? 300);

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

  it('never renames: any string is refused with IdentifierError or returned unchanged (and then in NFC)', () => {
    const letters = fc.constantFrom('a', 'Z', '_', '1', 'é', 'e\u0301', '\u0301', 'Å', 'A\u030a', 'ﬁ', 'ж', '한', '\u1100\u1161', ' ', '"');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: letters, maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 })), (name) => {
        let out: string;
        try {
          out = checkIdentifier(name, 'x');
        } catch (e) {
          expect(e).toBeInstanceOf(IdentifierError);
          return;
        }
        expect(out).toBe(name);
        expect(name.normalize('NFC')).toBe(name);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses model, table and column names NFC would change, at declaration', () => {
    const B = declarativeBase();
    expect(() => B('Cafe\u0301', {})).toThrow(IdentifierError);
    expect(() => B('Cafe', {}, { tableName: 'cafe\u0301s' })).toThrow(IdentifierError);
    expect(() => B('Menu', { 'entre\u0301e': t.text() })).toThrow(IdentifierError);
    expect(B('Menu2', { entrée: t.text() }).tableName).toBe('menu2s');
  });

  it('refuses the owned names id, created_at, updated_at in any ASCII case, as SQLite compares them', () => {
    const variants = fc
      .tuple(fc.constantFrom('id', 'created_at', 'updated_at'), fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }))
      .map(([n, up]) => [...n].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
    let k = 0;
    fc.assert(
      fc.property(variants, (name) => {
        const B = declarativeBase();
        expect(() => B(`M${k++}`, { [name]: t.text() }), name).toThrow(IdentifierError);
      }),
      { numRuns: RUNS },
    );
    // Non-ASCII look-alikes are different names to SQLite, so they are ordinary columns.
    expect(declarativeBase()('Ok', { ıd: t.text() }).tableName).toBe('oks');
  });

  it('quotes by doubling quotes', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });
});
