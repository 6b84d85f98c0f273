/**
 * verifySchema accepts a live table exactly when the model's contract holds on it, checked by SQLite itself
 * (better-sqlite3): new rows get an integer id of their own and the current time in created_at/updated_at
 * from the table alone, a NULL is refused where the model declares NOT NULL, a duplicate where it declares
 * UNIQUE (with `ON CONFLICT (column)` accepted, as upsert writes it). Generated tables mix accepted spellings (the Python template's
 * `PRIMARY KEY (id)` and `DEFAULT (CURRENT_TIMESTAMP)`) with ones that break the contract; each rejection is
 * a SchemaError naming table and column. And introspection skips virtual tables and their shadow tables.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { declarativeBase, introspectSchema, SchemaError, type SqlValue, type Statement, t, verifySchema } from '../src/index.ts';

const RUNS = Number(process.env.LITEDAO_FC_RUNS ?? 200);

/** A StatementRunner on a real better-sqlite3 database. */
function runner(db: Database.Database) {
  return {
    async execute(s: Statement) {
      const stmt = db.prepare(s.sql);
      if (!stmt.reader) {
        stmt.run(...(s.params as SqlValue[]));
        return { rows: [], changes: 0 };
      }
      stmt.raw(true);
      return {
        rows: stmt.all(...(s.params as SqlValue[])) as SqlValue[][],
        columns: stmt.columns().map((c) => c.name),
        changes: 0,
      };
    },
  } satisfies Parameters<typeof verifySchema>[0];
}

const Base = declarativeBase();
class Beta extends Base('Beta', { y: t.integer(), u: t.text().unique() }, { tableName: 'betas' }) {}

/** Ways to declare `id`: [column SQL, table constraint, table suffix]. */
const ID_FORMS: readonly [string, string | null, string][] = [
  ['"id" INTEGER PRIMARY KEY AUTOINCREMENT', null, ''],
  ['id INTEGER NOT NULL', 'PRIMARY KEY (id)', ''], // SQLAlchemy, the template
  ['id integer primary key', null, ''],
  ['id INTEGER', 'PRIMARY KEY (id DESC)', ''], // a table constraint keeps the rowid alias
  ['id INTEGER', null, ''],
  ['id INTEGER NOT NULL UNIQUE', null, ''],
  ['id INTEGER NOT NULL', 'PRIMARY KEY (u)', ''], // (an INTEGER column would be the rowid: a NULL y would become a new rowid)
  ['id INT PRIMARY KEY', null, ''],
  ['id BIGINT PRIMARY KEY', null, ''],
  ['id INTEGER PRIMARY KEY DESC', null, ''],
  ['id INTEGER', 'PRIMARY KEY (id, y)', ''],
  ['id INTEGER PRIMARY KEY', null, ' WITHOUT ROWID'],
];
const TS_DEFAULTS: readonly string[] = [
  'DEFAULT CURRENT_TIMESTAMP',
  'DEFAULT (CURRENT_TIMESTAMP)',
  "DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now'))",
  "DEFAULT (datetime('now'))",
  "DEFAULT (datetime('now', 'subsec'))",
  "DEFAULT (strftime('%s', 'now'))",
  "DEFAULT (julianday('now'))",
  'DEFAULT (unixepoch())',
  "DEFAULT (date('now'))",
  '',
  'DEFAULT NULL',
  "DEFAULT '2020-01-01 00:00:00'",
  'DEFAULT 0',
  "DEFAULT ('now')",
  'DEFAULT CURRENT_DATE',
];
type UniqueForm = 'inline' | 'table' | 'index' | 'none' | 'partial' | 'expression';
const UNIQUE_FORMS: readonly UniqueForm[] = ['inline', 'table', 'index', 'none', 'partial', 'expression'];

interface Shape {
  readonly id: number;
  readonly created: string;
  readonly updated: string;
  readonly tsNotNull: boolean;
  readonly unique: UniqueForm;
  readonly yNotNull: boolean;
}

function ddl(s: Shape): string[] {
  const [idCol, constraint, suffix] = ID_FORMS[s.id] as [string, string | null, string];
  const cols = [
    idCol,
    `created_at TIMESTAMP ${s.created}${s.tsNotNull ? ' NOT NULL' : ''}`,
    `updated_at TIMESTAMP ${s.updated}${s.tsNotNull ? ' NOT NULL' : ''}`,
    `y INTEGER${s.yNotNull ? ' NOT NULL' : ''}`,
    `u TEXT NOT NULL${s.unique === 'inline' ? ' UNIQUE' : ''}`,
  ];
  if (constraint) cols.push(constraint);
  if (s.unique === 'table') cols.push('UNIQUE (u)');
  const out = [`CREATE TABLE betas (${cols.join(', ')})${suffix}`];
  if (s.unique === 'index') out.push('CREATE UNIQUE INDEX ix_betas_u ON betas (u)');
  if (s.unique === 'partial') out.push('CREATE UNIQUE INDEX ix_betas_u ON betas (u) WHERE y > 100');
  if (s.unique === 'expression') out.push('CREATE UNIQUE INDEX ix_betas_u ON betas (lower(u))');
  return out;
}

const tries = (db: Database.Database, sql: string, ...params: unknown[]): boolean => {
  try {
    db.prepare(sql).run(...params);
    return true;
  } catch {
    return false;
  }
};

const T = '2020-01-01 00:00:00';

/**
 * Which parts of the contract SQLite keeps on the table `statements` create; each part is tried with every
 * other column given explicitly, so one broken part does not hide or fake another.
 */
function contract(statements: readonly string[]): { id: boolean; created_at: boolean; updated_at: boolean; y: boolean; u: boolean } {
  const db = new Database(':memory:');
  const reset = () => db.exec('DELETE FROM betas');
  try {
    for (const s of statements) db.exec(s);
    const isNow = (v: unknown) =>
      typeof v === 'string' &&
      /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/.test(v) &&
      (db.prepare("SELECT abs(julianday(?) - julianday('now')) < 1 AS ok").get(v) as { ok: number }).ok === 1;
    const rows = () => db.prepare('SELECT id, created_at, updated_at FROM betas').all() as Record<string, unknown>[];
    let ok = tries(db, 'INSERT INTO betas (y, u, created_at, updated_at) VALUES (1, ?, ?, ?), (2, ?, ?, ?)', 'a', T, T, 'b', T, T);
    const ids = ok ? rows().map((r) => r.id) : [];
    const id = ok && ids.every((v) => Number.isSafeInteger(v)) && new Set(ids).size === 2;
    reset();
    ok = tries(db, 'INSERT INTO betas (id, y, u, updated_at) VALUES (1, 0, ?, ?)', 'a', T);
    const created_at = ok && rows().every((r) => isNow(r.created_at));
    reset();
    ok = tries(db, 'INSERT INTO betas (id, y, u, created_at) VALUES (1, 0, ?, ?)', 'a', T);
    const updated_at = ok && rows().every((r) => isNow(r.updated_at));
    reset();
    const y = !tries(db, 'INSERT INTO betas (id, y, u, created_at, updated_at) VALUES (1, NULL, ?, ?, ?)', 'n', T, T);
    reset();
    const all = 'INSERT INTO betas (id, y, u, created_at, updated_at) VALUES (1, 1, ?, ?, ?), (2, 2, ?, ?, ?)';
    const dup = tries(db, all, 'a', T, T, 'a', T, T);
    reset();
    // upsert's target: SQLite refuses ON CONFLICT (u) unless a PRIMARY KEY or full UNIQUE index is on u alone.
    const target = tries(db, `${all} ON CONFLICT (u) DO NOTHING`, 'b', T, T, 'c', T, T);
    return { id, created_at, updated_at, y, u: !dup && target };
  } finally {
    db.close();
  }
}

const shape: fc.Arbitrary<Shape> = fc.record({
  id: fc.nat({ max: ID_FORMS.length - 1 }),
  created: fc.constantFrom(...TS_DEFAULTS),
  updated: fc.constantFrom(...TS_DEFAULTS),
  tsNotNull: fc.boolean(),
  unique: fc.constantFrom(...UNIQUE_FORMS),
  yNotNull: fc.boolean(),
});

describe('verifySchema: accepted exactly when the model contract holds', () => {
  it('on generated tables: every broken part named, every kept one unnamed (SQLite is the oracle)', async () => {
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const statements = ddl(s);
        const held = contract(statements);
        const broken = Object.fromEntries(Object.entries(held).map(([k, v]) => [k, !v]));
        const db = new Database(':memory:');
        try {
          for (const st of statements) db.exec(st);
          let error: unknown;
          try {
            await verifySchema(runner(db), [Beta]);
          } catch (e) {
            error = e;
          }
          const anyBroken = Object.values(broken).some(Boolean);
          if (!anyBroken) {
            expect(error, `${statements.join('; ')}`).toBeUndefined();
            return;
          }
          expect(error, `${statements.join('; ')}`).toBeInstanceOf(SchemaError);
          const message = (error as Error).message;
          for (const [col, bad] of Object.entries(broken)) {
            const named = col === 'u' ? /betas: UNIQUE \(u\) is missing/.test(message) : message.includes(`betas.${col} `);
            expect(named, `${col} ${bad ? 'broken but not named' : 'kept but named'} in ${statements.join('; ')}:\n${message}`).toBe(bad);
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("accepts the Python template's own schema (SQLAlchemy DDL)", async () => {
    const Tpl = declarativeBase({ naming: 'legacy' });
    class User extends Tpl('User', {
      telegram_id: t.bigint().unique(),
      username: t.text().nullable(),
      is_admin: t.boolean().default(false),
      data: t.json().nullable(),
    }) {}
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE users (
	id INTEGER NOT NULL, 
	created_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP) NOT NULL, 
	updated_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP) NOT NULL, 
	telegram_id BIGINT NOT NULL, 
	username VARCHAR, 
	is_admin BOOLEAN NOT NULL, 
	data JSON, 
	PRIMARY KEY (id), 
	UNIQUE (telegram_id)
)`);
    await verifySchema(runner(db), [User]);
    // Nullable timestamps (SQLAlchemy without nullable=False) with the server default pass too.
    db.exec('DROP TABLE users');
    db.exec(
      'CREATE TABLE users (id INTEGER NOT NULL, created_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP), updated_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP), telegram_id BIGINT NOT NULL, username VARCHAR, is_admin BOOLEAN NOT NULL, data JSON, PRIMARY KEY (id), UNIQUE (telegram_id))',
    );
    await verifySchema(runner(db), [User]);
    db.close();
  });
});

describe('introspection and virtual tables', () => {
  it('skips virtual tables and their shadow tables (also of a module this SQLite lacks); a model on a virtual table is a SchemaError', async () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
      CREATE VIRTUAL TABLE msgs USING fts5(body);
      CREATE VIRTUAL TABLE "Old Msgs" USING fts4(body);
      CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1);
      CREATE TABLE msgs_archive (id INTEGER PRIMARY KEY, body TEXT);`);
    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
    db.exec(
      "INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES ('table', 'ghost', 'ghost', 0, 'CREATE VIRTUAL TABLE ghost USING fts5(a)'), ('table', 'ghost_data', 'ghost_data', 0, 'CREATE TABLE ''ghost_data''(id INTEGER PRIMARY KEY, block BLOB)'), ('table', 'spell', 'spell', 0, 'CREATE VIRTUAL TABLE spell USING nosuchmodule(a)')",
    );
    db.pragma('writable_schema = OFF');
    db.unsafeMode(false);
    const names = (await introspectSchema(runner(db))).map((x) => x.name);
    expect(names).toEqual(['notes', 'msgs_archive']);
    const V = declarativeBase();
    class Msg extends V('Msg', { body: t.text() }, { tableName: 'msgs' }) {}
    class Data extends V('Data', { block: t.blob() }, { tableName: 'msgs_data' }) {}
    const e = await verifySchema(runner(db), [Msg, Data]).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(SchemaError);
    expect((e as Error).message).toMatch(/table msgs is a virtual table/);
    expect((e as Error).message).toMatch(/table msgs_data is a virtual table's shadow table/);
    db.close();
  });
});
