/**
 * DDL from data only, STRICT tables and the updated_at rule, on every adapter. Property tests feed arbitrary
 * options to model definitions and compare what SQLite itself reports (`sqlite_schema`, `PRAGMA table_xinfo`,
 * `foreign_key_list`, `index_list`) with what the model declares.
 */
import {
  type ColumnDef,
  ConfigurationError,
  createTableSql,
  DatabaseError,
  type Driver,
  declarativeBase,
  type Engine,
  parseTimestamp,
  SchemaError,
  type SqlValue,
  t,
  tableDefOf,
  UNIT_TABLE,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, rejectsWith, setup } from './harness.ts';
import { User } from './models.ts';
import { show } from './value-arbitraries.ts';

/** Rows of a raw query through the driver (never litedao's own read path). */
export async function rows(driver: Driver, sql: string, params: SqlValue[] = []): Promise<Record<string, SqlValue>[]> {
  const res = await driver.execute({ sql, params, returnsRows: true });
  const cols = res.columns ?? [];
  return res.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i] ?? null])));
}

async function exec(driver: Driver, sql: string, params: SqlValue[] = []): Promise<void> {
  await driver.execute({ sql, params, returnsRows: false });
}

/** Names of every table, index and trigger in the database, except SQLite's, the platform's and the suite's own. */
async function objects(driver: Driver, except: ReadonlySet<string>): Promise<string[]> {
  const all = await rows(driver, 'SELECT type, name, tbl_name FROM sqlite_schema ORDER BY type, name');
  return all
    .filter((o) => {
      const n = String(o.name);
      const tbl = String(o.tbl_name);
      return !n.startsWith('sqlite_') && !n.startsWith('_cf_') && n !== 'd1_migrations' && n !== UNIT_TABLE && !except.has(tbl);
    })
    .map((o) => `${o.type}:${o.name}`);
}

const ACTIONS = ['cascade', 'restrict', 'set null', 'set default', 'no action'] as const;

/** Any string, biased towards the traps: SQL text, quotes, case variants of the real words. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom(
    'cascade; DROP TABLE users; --',
    'CASCADE',
    'Cascade',
    ' cascade',
    'set  null',
    '',
    "x') ; DROP TABLE users --",
    '"users"',
    'no action\0',
  ),
);

const ownTables = new Set(['users', 'posts', 'samples', 'wides', 'categories', 'user_profiles']);

/** Stored values compared by meaning (Dates by instant, bytes by content). */
function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a === 0 ? 0 : a, b === 0 ? 0 : b);
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

type Kind = 'integer' | 'real' | 'text' | 'boolean' | 'timestamp' | 'json' | 'blob' | 'bigint';

/** Arbitrary default values: right-kind values, edge values, and anything at all. */
function defaultArb(kind: Kind): fc.Arbitrary<unknown> {
  const right: Record<Kind, fc.Arbitrary<unknown>> = {
    integer: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(2 ** 53, -(2 ** 53), 1.5, -0)),
    real: fc.oneof(fc.double(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.1, 1e21, 5e-324, -0, 2)),
    text: fc.oneof(fc.string({ unit: 'binary', maxLength: 16 }), fc.constantFrom("'); DROP TABLE users; --", "it's", '\0', '\ud800')),
    boolean: fc.oneof(fc.boolean(), fc.constantFrom(0, 1, 'true')),
    timestamp: fc.oneof(fc.date({ noInvalidDate: false }), fc.constantFrom(new Date('0000-01-01T00:00:00Z'), new Date(8.64e15))),
    json: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom({ a: "'x'" }, [1, 'two'], 2 ** 64)),
    blob: fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.constant(new Uint8Array([0, 39, 255]))),
    bigint: fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(-(2n ** 63n), 2n ** 63n, 2n ** 53n + 1n)),
  };
  return fc.oneof({ weight: 4, arbitrary: right[kind] }, { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) });
}

const builders: Record<Kind, () => ReturnType<typeof t.integer>> = {
  integer: () => t.integer(),
  real: () => t.real(),
  text: () => t.text() as never,
  boolean: () => t.boolean() as never,
  timestamp: () => t.timestamp() as never,
  json: () => t.json() as never,
  blob: () => t.blob() as never,
  bigint: () => t.bigint() as never,
};

/** Drops the property tests' tables between runs (anything that is not the suite's own). */
async function wipe(driver: Driver): Promise<void> {
  const tables = (await rows(driver, "SELECT name FROM sqlite_schema WHERE type = 'table'"))
    .map((r) => String(r.name))
    .filter((n) => !n.startsWith('sqlite_') && !n.startsWith('_cf_') && n !== 'd1_migrations' && n !== UNIT_TABLE && !ownTables.has(n));
  if (tables.length === 0) return;
  await driver.batch([
    { sql: 'PRAGMA defer_foreign_keys = ON', params: [], returnsRows: false },
    ...tables.map((n) => ({ sql: `DROP TABLE IF EXISTS "${n.replaceAll('"', '""')}"`, params: [], returnsRows: false })),
  ]);
}

export function schemaTests(target: ConformanceTarget): void {
  describe('DDL from data only', () => {
    it('referential actions: anything outside SQLite five is refused at definition; the five reach foreign_key_list exactly', async () => {
      const { driver, engine } = await setup(target);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.constantFrom(...ACTIONS), hostileText),
          fc.oneof(fc.constantFrom(...ACTIONS, undefined), hostileText),
          async (onDelete, onUpdate) => {
            const Base = declarativeBase();
            class Parent extends Base('Parent', { name: t.text() }, { tableName: 'fk_parents' }) {}
            const valid = (a: unknown) => a === undefined || (ACTIONS as readonly unknown[]).includes(a);
            const define = () =>
              Base(
                'Child',
                {
                  parent_id: t
                    .integer()
                    .nullable()
                    .references(() => Parent, { onDelete: onDelete as never, onUpdate: onUpdate as never }),
                },
                { tableName: 'fk_children' },
              );
            if (!valid(onDelete) || !valid(onUpdate)) {
              expect(define).toThrow(ConfigurationError);
              return;
            }
            define();
            await wipe(driver);
            await Base.metadata.createAll(engine);
            const fks = await rows(
              driver,
              'SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(\'fk_children\')',
            );
            expect(fks).toEqual([
              {
                table: 'fk_parents',
                from: 'parent_id',
                to: 'id',
                on_update: (onUpdate ?? 'no action').toUpperCase(),
                on_delete: onDelete.toUpperCase(),
              },
            ]);
            expect(await objects(driver, ownTables)).toEqual([
              'table:fk_children',
              'table:fk_parents',
              'trigger:fk_children_touch_updated_at',
              'trigger:fk_parents_touch_updated_at',
            ]);
          },
        ),
        { numRuns: 60 },
      );
    });

    it('defaults: refused at definition, or written as a literal that reads back as exactly the default, or kept client-side', async () => {
      const { driver, engine, Session } = await setup(target);
      const kinds: Kind[] = ['integer', 'real', 'text', 'boolean', 'timestamp', 'json', 'blob', 'bigint'];
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...kinds).chain((kind) => fc.tuple(fc.constant(kind), defaultArb(kind), fc.boolean())),
          async ([kind, value, nullable]) => {
            if (
              kind === 'bigint' &&
              !engine.capabilities.bigint &&
              typeof value === 'bigint' &&
              (value > 2n ** 53n || value < -(2n ** 53n))
            )
              return;
            const Base = declarativeBase();
            const col = nullable ? builders[kind]().nullable() : builders[kind]();
            let M: ReturnType<typeof Base>;
            try {
              M = Base('Defaulted', { v: (col as ReturnType<typeof t.integer>).default(value as never) }, { tableName: 'defaulted' });
            } catch (e) {
              expect(e).toBeInstanceOf(ConfigurationError);
              return;
            }
            await wipe(driver);
            await Base.metadata.createAll(engine);
            const [info] = await rows(driver, "SELECT dflt_value FROM pragma_table_xinfo('defaulted') WHERE name = 'v'");
            const s = Session();
            try {
              if (info?.dflt_value !== null) {
                // The database applies the default itself (raw SQL, other tools): it must be the same value.
                await exec(driver, 'INSERT INTO "defaulted" DEFAULT VALUES');
              } else {
                s.add(new M({} as never));
                await s.commit();
              }
              const got = (await s.select(M).one()) as unknown as { v: unknown };
              const expected = kind === 'json' && value !== null ? JSON.parse(JSON.stringify(value)) : value;
              expect(same(got.v, expected), `${kind} default ${show(value)} read back as ${show(got.v)}`).toBe(true);
            } finally {
              await s.close();
            }
          },
        ),
        { numRuns: 150 },
      );
    });

    it('names: arbitrary table, column and index names are refused at definition or create exactly the declared objects', async () => {
      const { driver, engine } = await setup(target, false);
      const name = fc.oneof(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
        fc.constantFrom('a"b', 'x y', 'ix_t', 'Ünïcödé', 'select'),
      );
      await fc.assert(
        fc.asyncProperty(name, name, name, async (table, c1, c2) => {
          fc.pre(c1 !== c2); // one object key otherwise
          const Base = declarativeBase();
          let M: ReturnType<typeof Base>;
          try {
            M = Base('Named', { [c1]: t.text().index(), [c2]: t.integer().nullable() }, { tableName: table, indexes: [[c1, c2] as never] });
          } catch (e) {
            expect(e).toBeInstanceOf(ConfigurationError);
            return;
          }
          await wipe(driver);
          await Base.metadata.createAll(engine);
          const tn = M.tableName;
          const cols = await rows(driver, 'SELECT name FROM pragma_table_xinfo(?) ORDER BY cid', [tn]);
          expect(cols.map((c) => c.name)).toEqual(['id', c1, c2, 'created_at', 'updated_at']);
          const ix = await rows(driver, 'SELECT name FROM pragma_index_list(?) ORDER BY name', [tn]);
          expect(ix.map((i) => i.name).sort()).toEqual([`ix_${tn}_${c1}`, `ix_${tn}_${c1}_${c2}`].sort());
          const list = await rows(driver, 'SELECT strict FROM pragma_table_list(?)', [tn]);
          expect(list).toEqual([{ strict: 1 }]);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('STRICT tables', () => {
    it('are the default: SQLite refuses a wrong storage class written by raw SQL, with a typed error', async () => {
      const { driver, engine, Session } = await setup(target);
      const [users] = await rows(driver, "SELECT strict FROM pragma_table_list('users')");
      expect(users).toEqual({ strict: 1 });
      const raw = (text: string) => engine.execute({ sql: text, params: [], returnsRows: undefined });
      await rejectsWith(raw("INSERT INTO users (telegram_id) VALUES ('not a number')"), DatabaseError);
      await Session.begin(async (s) => {
        s.add(new User({ telegram_id: 1 }));
      });
      await rejectsWith(raw("UPDATE users SET score = 'x'"), DatabaseError);
      expect(await rows(driver, 'SELECT score FROM users')).toEqual([{ score: 0 }]);
    });

    it('declarativeBase({ strict: false }) creates SQLAlchemy-style declared types instead', async () => {
      const { driver, engine } = await setup(target);
      const Base = declarativeBase({ strict: false });
      Base('Loose', { flag: t.boolean(), at: t.timestamp() }, { tableName: 'loose_things' });
      await wipe(driver);
      await Base.metadata.createAll(engine);
      expect(await rows(driver, "SELECT strict FROM pragma_table_list('loose_things')")).toEqual([{ strict: 0 }]);
      const types = await rows(driver, "SELECT name, type FROM pragma_table_xinfo('loose_things') ORDER BY cid");
      expect(types.map((c) => `${c.name} ${c.type}`)).toEqual([
        'id INTEGER',
        'flag BOOLEAN',
        'at TIMESTAMP',
        'created_at TIMESTAMP',
        'updated_at TIMESTAMP',
      ]);
    });
  });

  describe('updated_at never goes backwards, whoever writes', () => {
    /** One writer's update of the row, as SQL. */
    const writers = {
      litedao: null,
      rawUntouched: 'UPDATE touchy SET n = n + 1',
      // The Python template: `updated_at = CURRENT_TIMESTAMP`, whole seconds, often earlier than litedao's ms.
      template: 'UPDATE touchy SET n = n + 1, updated_at = CURRENT_TIMESTAMP',
      // A writer whose clock is behind, in the reader's other layouts.
      skewedIso: "UPDATE touchy SET n = n + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-3 hours')",
      skewedDate: "UPDATE touchy SET n = n + 1, updated_at = strftime('%Y-%m-%d', 'now', '-1 day')",
      future: "UPDATE touchy SET n = n + 1, updated_at = '2999-01-01 00:00:00.500000'",
      futureCreated: "UPDATE touchy SET created_at = '2998-06-01T12:00:00Z'",
    } as const;

    it('after any sequence of writers, updated_at is ≥ its previous value and ≥ created_at (model-based)', async () => {
      const { driver, engine, Session } = await setup(target);
      const Base = declarativeBase();
      class Touchy extends Base('Touchy', { n: t.integer().default(0) }, { tableName: 'touchy' }) {}
      await wipe(driver);
      await Base.metadata.createAll(engine);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(...(Object.keys(writers) as (keyof typeof writers)[])), { minLength: 1, maxLength: 6 }),
          async (seq) => {
            await exec(driver, 'DELETE FROM touchy');
            await Session.begin(async (s) => {
              s.add(new Touchy({}));
            });
            const read = async () => {
              const [r] = await rows(driver, 'SELECT created_at, updated_at FROM touchy');
              const c = parseTimestamp(String(r?.created_at));
              const u = parseTimestamp(String(r?.updated_at));
              expect(c, String(r?.created_at)).toBeDefined();
              expect(u, String(r?.updated_at)).toBeDefined();
              return { c: c?.getTime() ?? Number.NaN, u: u?.getTime() ?? Number.NaN };
            };
            let prev = await read();
            for (const w of seq) {
              const sql = writers[w];
              if (sql === null) {
                await Session.begin(async (s) => {
                  const row = await s.select(Touchy).one();
                  row.n += 1;
                });
              } else {
                await exec(driver, sql);
              }
              const now = await read();
              expect(now.u, `${w} after ${seq.join(',')}`).toBeGreaterThanOrEqual(prev.u);
              expect(now.u, `${w}: updated_at precedes created_at`).toBeGreaterThanOrEqual(now.c);
              prev = now;
            }
          },
        ),
        { numRuns: 40 },
      );
    });
  });
}

export function driftTests(target: ConformanceTarget): void {
  describe('drift: verifySchema and createAll', () => {
    const Base = declarativeBase();
    class Account extends Base(
      'Account',
      {
        handle: t.text().unique(),
        age: t.integer().nullable(),
        balance: t.real().default(0),
        active: t.boolean().default(true),
        note: t.text().nullable(),
      },
      { tableName: 'drift_accounts' },
    ) {}
    type Mutation = 'drop' | 'retype' | 'nullability' | 'extra' | 'unique';
    const columns = ['handle', 'age', 'balance', 'active', 'note'] as const;

    it('passes on a database createAll made; lists every missing, extra and mismatched column, and createAll refuses to skip such a table', async () => {
      const { driver, engine } = await setup(target, false);
      await Base.metadata.createAll(engine);
      await engine.verifySchema([Account]);
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(
            fc.tuple(fc.constantFrom(...columns), fc.constantFrom<Mutation>('drop', 'retype', 'nullability', 'extra', 'unique')),
            {
              minLength: 1,
              maxLength: 4,
              selector: ([c]) => c,
            },
          ),
          async (mutations) => {
            const def = tableDefOf(Account);
            let cols: ColumnDef[] = def.columns.slice();
            let uniques = def.uniques.slice();
            const expected: RegExp[] = [];
            for (const [c, m] of mutations) {
              if (m === 'drop') {
                cols = cols.filter((x) => x.name !== c);
                uniques = uniques.filter((u) => !u.includes(c));
                expected.push(new RegExp(`drift_accounts\\.${c} is missing`));
                if (c === 'handle') expected.push(/UNIQUE \(handle\) is missing/);
              } else if (m === 'retype') {
                cols = cols.map((x) => (x.name === c ? { ...x, type: 'BLOB', default: null, check: null } : x));
                expected.push(new RegExp(`drift_accounts\\.${c} is declared BLOB`));
              } else if (m === 'nullability') {
                cols = cols.map((x) => (x.name === c ? { ...x, notNull: !x.notNull } : x));
                expected.push(new RegExp(`drift_accounts\\.${c} (is NOT NULL in the database|allows NULL in the database)`));
              } else if (m === 'extra') {
                cols = [...cols, { ...(cols[1] as ColumnDef), name: `${c}_extra`, notNull: true, default: null, check: null }];
                expected.push(
                  new RegExp(`drift_accounts\\.${c}_extra is in the database but not in the model \\(NOT NULL without a default`),
                );
              } else {
                if (c !== 'handle') return;
                uniques = [];
                expected.push(/UNIQUE \(handle\) is missing/);
              }
            }
            await wipe(driver);
            await exec(driver, createTableSql({ ...def, columns: cols, uniques }));
            const e = await rejectsWith(engine.verifySchema([Account]), SchemaError);
            for (const re of expected) expect(e.message).toMatch(re);
            expect(e.message.split('\n- ').length - 1).toBe(expected.length);
            // createAll does not skip the table, and creates nothing else either.
            const Other = declarativeBase();
            Other('Fresh', { x: t.integer() }, { tableName: 'drift_fresh' });
            await rejectsWith(engine.createAll([...Other.metadata.models, Account]), SchemaError);
            expect(await rows(driver, "SELECT name FROM sqlite_schema WHERE name = 'drift_fresh'")).toEqual([]);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('a missing table is named', async () => {
      const { engine } = await setup(target, false);
      const e = await rejectsWith(engine.verifySchema([Account]), SchemaError);
      expect(e.message).toContain('table drift_accounts is missing');
    });
  });
}

export type { Engine };
