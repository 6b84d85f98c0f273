import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, createAllSql, declarativeBase, IdentifierError, t, tableDefsOf } from '../src/index.ts';

/** How SQLite compares identifiers: ASCII case-insensitively. */
const fold = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const RUNS = Number(env?.LITEDAO_FC_RUNS ?? 300);

describe('one table per model across declarative bases', () => {
  it('refuses two models of different bases on one table (in any ASCII case), accepts distinct tables', () => {
    const name = fc
      .tuple(fc.constantFrom('users', 'items', 'Users', 'ITEMS', 'orders', 'usersx'), fc.boolean())
      .map(([n, up]) => (up ? n.toUpperCase() : n));
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (tables) => {
        const models = tables.map((tableName, i) => {
          const B = declarativeBase();
          return B(`M${i}`, { [`c${i}`]: t.text() }, { tableName });
        });
        const clash = new Set(tables.map(fold)).size !== tables.length;
        if (clash) {
          expect(() => tableDefsOf(models)).toThrow(ConfigurationError);
          expect(() => createAllSql(models)).toThrow(ConfigurationError);
        } else {
          expect(
            tableDefsOf(models)
              .map((d) => d.name)
              .sort(),
          ).toEqual([...tables].sort());
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('names both models in the refusal; one model listed twice (or with its subclass) is one table', () => {
    const A = declarativeBase();
    const B = declarativeBase();
    const UserA = A('User', { name: t.text() });
    class UserB extends B('User', { email: t.text() }) {}
    expect(() => tableDefsOf([UserA, UserB])).toThrow(/users.*models User and User/);
    class Sub extends UserA {}
    expect(tableDefsOf([UserA, Sub, UserA]).map((d) => d.name)).toEqual(['users']);
  });
});

describe('internal table names', () => {
  const caseMix = (n: string, up: readonly boolean[]) => [...n].map((c, i) => (up[i % up.length] ? c.toUpperCase() : c)).join('');

  it('refuses, at definition, every table name introspection treats as internal, in any ASCII case', () => {
    const reserved = fc
      .tuple(
        fc.constantFrom('d1_migrations', 'litedao_units', '_cf_', '__new_', 'sqlite_'),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
        fc.constantFrom('', 'users', 'KV', 'x1'),
      )
      .map(([n, up, tail]) => (n.endsWith('_') ? `${caseMix(n, up)}${tail || 'x'}` : caseMix(n, up)));
    fc.assert(
      fc.property(reserved, (tableName) => {
        expect(() => declarativeBase()('M', { a: t.text() }, { tableName }), tableName).toThrow(IdentifierError);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['D1Migration', 'd1_migrations'],
    ['LitedaoUnit', 'litedao_units'],
    ['__NewUser', '__new_users'],
  ])('refuses model %s (its table would be %s)', (model) => {
    expect(() => declarativeBase()(model, { a: t.text() })).toThrow(IdentifierError);
  });

  it.each(['migrations', 'd1_migration_notes', 'litedao_unit_logs', 'cf_items', '_new_users', 'new_users'])('accepts %s', (tableName) => {
    expect(declarativeBase()('M', { a: t.text() }, { tableName }).tableName).toBe(tableName);
  });
});

describe('UNIQUE constraints', () => {
  it('keeps one UNIQUE per column set, whatever the order or how often it is declared (.unique() and options)', () => {
    const cols = ['a', 'b', 'c'] as const;
    const set = fc.shuffledSubarray([...cols], { minLength: 1 });
    fc.assert(
      fc.property(fc.array(set, { maxLength: 6 }), fc.subarray([...cols]), (sets, uniqueCols) => {
        const shape = Object.fromEntries(cols.map((c) => [c, uniqueCols.includes(c) ? t.text().unique() : t.text()]));
        const M = declarativeBase()('M', shape, { unique: sets });
        const uniques = tableDefsOf([M])[0]?.uniques ?? [];
        const key = (s: readonly string[]) => [...s].sort().join(',');
        const declared = new Set([...uniqueCols.map((c) => c), ...sets.map(key)]);
        expect(uniques.map(key).sort()).toEqual([...declared].sort());
      }),
      { numRuns: RUNS },
    );
  });
});

describe('base and model options are checked, never ignored', () => {
  it.each([
    [{ nameing: 'legacy' }, /unknown option "nameing"/],
    [{ naming: 'plurals' }, /naming mode/],
    [{ strict: 'yes' }, /strict/],
    ['legacy', /must be an object/],
  ])('declarativeBase(%o) is a ConfigurationError', (options, message) => {
    expect(() => declarativeBase(options as never)).toThrow(ConfigurationError);
    expect(() => declarativeBase(options as never)).toThrow(message);
  });

  it.each([
    [{ tablename: 'people' }, /unknown option "tablename"/],
    [{ tableName: 5 }, /tableName must be a string/],
    [{ unique: 'name' }, /unique must be a list/],
    [{ unique: ['name'] }, /unique must be a list/],
    [{ indexes: [[1]] }, /indexes must be a list/],
    [{ renamedFrom: 5 }, /renamedFrom must be a string/],
    [{ relations: {} }, /relations must be a function/],
  ])('a model with options %o is a ConfigurationError, and the base stays usable', (options, message) => {
    const Base = declarativeBase();
    expect(() => Base('Thing', { name: t.text() }, options as never)).toThrow(message);
    expect(() => Base('Thing', { name: t.text() }, options as never)).toThrow(ConfigurationError);
    expect(Base('Thing', { name: t.text() }).tableName).toBe('things');
    expect(Base.metadata.models).toHaveLength(1);
  });

  it('null options count as none', () => {
    expect(declarativeBase(null as never)('Thing', { name: t.text() }, null as never).tableName).toBe('things');
  });
});

describe('relationship options are checked, never ignored', () => {
  it.each([
    ['oneToMany', { backpopulates: 'owner' }, /unknown option "backpopulates"/],
    ['oneToMany', { orphan: 'delete' }, /unknown option "orphan"/],
    ['oneToMany', { through: 'X' }, /unknown option "through"/],
    ['oneToOne', { orderBy: { id: 'asc' } }, /unknown option "orderBy"/],
    ['manyToMany', { through: 'Link', secondary: 'Link' }, /unknown option "secondary"/],
    ['oneToMany', { foreignKey: 5 }, /foreignKey must be a string/],
    ['oneToMany', 'owner_id', /options must be an object/],
  ])('r.%s(…, %o) is a ConfigurationError at definition', (kind, options, message) => {
    const Base = declarativeBase();
    const define = () =>
      Base(
        'Owner',
        { name: t.text() },
        { relations: (r) => ({ things: (r as never as Record<string, (...a: unknown[]) => never>)[kind]?.('Thing', options) as never }) },
      );
    expect(define).toThrow(ConfigurationError);
    expect(define).toThrow(message);
  });

  it('r.manyToOne().on(fk, { backpopulates }) is refused too', () => {
    const Base = declarativeBase();
    class Owner extends Base('Owner', { name: t.text() }) {}
    expect(() =>
      Base(
        'Thing',
        { owner_id: t.integer().references(() => Owner) },
        { relations: (r) => ({ owner: r.manyToOne<Owner>().on('owner_id', { backpopulates: 'things' } as never) }) },
      ),
    ).toThrow(/unknown option "backpopulates"/);
  });
});
