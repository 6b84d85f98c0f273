/**
 * What `diffSchemas` must not hide or guess: a change of a column's kind (same declared type or not) is a
 * reported change; a table-level `renamedFrom` that cannot be a plain rename is refused (ConfigurationError),
 * never silently ignored; triggers the models do not describe (read from an adopted database) are neither
 * dropped in place nor lost by a rebuild; a rebuild creates every new table before copying into any.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Column,
  ConfigurationError,
  declarativeBase,
  diffSchemas,
  migrationFileSql,
  renameHintsOf,
  type SchemaSnapshot,
  snapshotOf,
  t,
} from '../src/index.ts';

type Kind = 'integer' | 'real' | 'text' | 'boolean' | 'timestamp' | 'json' | 'blob' | 'bigint';
const KINDS: Kind[] = ['integer', 'real', 'text', 'boolean', 'timestamp', 'json', 'blob', 'bigint'];

function column(kind: Kind, nullable: boolean): Column<unknown, boolean, boolean> {
  const c = (
    {
      integer: () => t.integer(),
      real: () => t.real(),
      text: () => t.text(),
      boolean: () => t.boolean(),
      timestamp: () => t.timestamp(),
      json: () => t.json(),
      blob: () => t.blob(),
      bigint: () => t.bigint(),
    } as Record<Kind, () => Column<unknown, boolean, boolean>>
  )[kind]();
  return (nullable ? c.nullable() : c) as Column<unknown, boolean, boolean>;
}

const snap = (kind: Kind, strict: boolean, nullable: boolean) => {
  const B = declarativeBase({ strict });
  B('Item', { v: column(kind, nullable), other: t.text() });
  return snapshotOf(B.metadata.models);
};

describe('diffSchemas: a column kind change', () => {
  it('is reported for any two different kinds, STRICT or not; the same kind reports nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.constantFrom(...KINDS), fc.boolean(), fc.boolean(), (a, b, strict, nullable) => {
        const diff = diffSchemas(snap(a, strict, nullable), snap(b, strict, nullable));
        if (a === b) {
          expect(diff.changes).toEqual([]);
          return;
        }
        const about = diff.changes.filter((c) => c.kind === 'alter column' && c.detail.startsWith('items.v'));
        expect(about, `${a} → ${b}`).toHaveLength(1);
        expect(about[0]?.detail).toContain(`kind ${a} → ${b}`);
        // A declared type that changes is a rebuild; one that stays changes nothing in the database.
        const sameType = diff.statements.length === 0;
        expect(diff.rebuilt).toEqual(sameType ? [] : ['items']);
      }),
    );
  });

  it('snapshots without kinds (read from a database, or older files) compare as before', () => {
    const from: SchemaSnapshot = { version: 1, tables: snap('text', true, false).tables };
    expect(diffSchemas(from, snap('json', true, false)).changes).toEqual([]);
  });
});

describe('diffSchemas: table renamedFrom that cannot be a rename', () => {
  const models = (tables: Record<string, string | undefined>) => {
    const B = declarativeBase();
    for (const [name, from] of Object.entries(tables)) B(name, { x: t.text().nullable() }, from ? { renamedFrom: from } : {});
    return B.metadata.models;
  };
  const diff = (before: Record<string, string | undefined>, after: Record<string, string | undefined>) => {
    const m = models(after);
    return () => diffSchemas(snapshotOf(models(before)), snapshotOf(m), { renames: renameHintsOf(m), allowDrop: true });
  };

  it('onto a table that exists already: refused, naming both', () => {
    expect(diff({ User: undefined, Person: undefined }, { User: 'people' })).toThrow(ConfigurationError);
    expect(diff({ User: undefined, Person: undefined }, { User: 'people' })).toThrow(
      /table users declares renamedFrom\('people'\), but a table users exists already/,
    );
  });

  it('from a table the models still declare (a swap or a stale hint), or claimed by two tables: refused', () => {
    expect(diff({ Person: undefined }, { User: 'people', Person: undefined })).toThrow(/the models still declare table people/);
    expect(diff({ Person: undefined }, { User: 'people', Member: 'people' })).toThrow(/both declare renamedFrom\('people'\)/);
  });

  it('a plain rename, and a stale hint whose source is gone, still work', () => {
    expect(diff({ Person: undefined }, { User: 'people' })().changes.map((c) => c.detail)).toContain('rename table people to users');
    expect(diff({ User: undefined }, { User: 'people' })().changes).toEqual([]);
  });
});

describe('diffSchemas: triggers the models do not describe', () => {
  const B1 = declarativeBase();
  B1('User', { name: t.text() });
  const base = snapshotOf(B1.metadata.models);
  const audit = { name: 'users_audit', sql: "CREATE TRIGGER users_audit AFTER DELETE ON users BEGIN SELECT 'x'; END" };
  // A snapshot as `generate --from-db` reads it: the table has a hand-written trigger too.
  const adopted: SchemaSnapshot = {
    version: 1,
    tables: base.tables.map((tb) => ({ ...tb, triggers: [...tb.triggers, audit] })),
  };

  it('an in-place change leaves them alone', () => {
    const B2 = declarativeBase();
    B2('User', { name: t.text(), nick: t.text().nullable() });
    const diff = diffSchemas(adopted, snapshotOf(B2.metadata.models));
    expect(diff.rebuilt).toEqual([]);
    expect(diff.statements.join('\n')).not.toMatch(/users_audit/);
  });

  it('a rebuild creates them again from their own SQL, after the table is back under its name', () => {
    const B2 = declarativeBase();
    B2('User', { name: t.text().nullable() });
    const diff = diffSchemas(adopted, snapshotOf(B2.metadata.models));
    expect(diff.rebuilt).toEqual(['users']);
    const at = diff.statements.indexOf(audit.sql);
    expect(at).toBeGreaterThan(diff.statements.indexOf('ALTER TABLE "__new_users" RENAME TO "users"'));
    expect(diff.changes.map((c) => c.detail)).toContain('recreate trigger users_audit (not in the models, kept)');
  });
});

describe('diffSchemas: rebuilding tables that reference each other', () => {
  it('creates every new table before the first copy (foreign keys on, a cycle has no order)', () => {
    const make = (nullable: boolean) => {
      const B = declarativeBase();
      // biome-ignore lint/suspicious/noExplicitAny: two models that reference each other
      type Any = any;
      const User: Any = B('User', {
        name: nullable ? t.text().nullable() : t.text(),
        pinned_id: t
          .integer()
          .nullable()
          .references((): Any => Message),
      });
      const Message: Any = B('Message', { user_id: t.integer().references((): Any => User, { onDelete: 'cascade' }) });
      return B.metadata.models;
    };
    const diff = diffSchemas(snapshotOf(make(false)), snapshotOf(make(true)));
    expect([...diff.rebuilt].sort()).toEqual(['messages', 'users']);
    const lastCreate = Math.max(...diff.statements.map((s, i) => (s.startsWith('CREATE TABLE "__new_') ? i : -1)));
    const firstCopy = diff.statements.findIndex((s) => s.startsWith('INSERT INTO "__new_'));
    expect(lastCreate).toBeLessThan(firstCopy);
  });
});

describe('diffSchemas: a rebuild of a table read from a database (snapshot with tableSql)', () => {
  const Loose = declarativeBase({ strict: false });
  Loose('User', { username: t.text(), status: t.text(), score: t.integer() });
  const Strict = declarativeBase();
  Strict('User', { username: t.text(), status: t.text(), score: t.integer() });
  const loose = snapshotOf(Loose.metadata.models);
  const withSql = (sql: string): SchemaSnapshot => ({ ...loose, tableSql: { users: sql } });

  it('is refused when it would lose a COLLATE, CHECK or generated column the CREATE TABLE has; allowConstraintLoss writes the file migrate() accepts', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom('NOCASE', 'RTRIM'), { nil: undefined }),
        fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
        fc.option(fc.constantFrom('VIRTUAL', 'STORED'), { nil: undefined }),
        fc.boolean(),
        (collate, bound, generated, named) => {
          const sql =
            `CREATE TABLE "Users" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, ` +
            `username TEXT${collate ? ` COLLATE ${collate}` : ''} NOT NULL, status TEXT NOT NULL, score INTEGER NOT NULL` +
            `${generated ? `, score2 INTEGER GENERATED ALWAYS AS (score * 2) ${generated}` : ''}` +
            `${bound !== undefined ? `, ${named ? 'CONSTRAINT score_ok ' : ''}CHECK (score >= ${bound})` : ''})`;
          const expected = [
            ...(collate ? [`users.username COLLATE ${collate}`] : []),
            ...(bound !== undefined ? [`users CHECK (score >= ${bound})`] : []),
            ...(generated ? ['users.score2 GENERATED AS (score * 2)'] : []),
          ];
          const from = withSql(sql);
          const to = snapshotOf(Strict.metadata.models);
          if (expected.length === 0) {
            expect(diffSchemas(from, to).constraintLoss).toBeUndefined();
            return;
          }
          let error: unknown;
          try {
            diffSchemas(from, to);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(ConfigurationError);
          for (const x of expected) expect((error as Error).message).toContain(x);
          const diff = diffSchemas(from, to, { allowConstraintLoss: true });
          expect(diff.constraintLoss?.map((x) => x.replace(/ \(the column is gone\)$/, ''))).toEqual(expected);
          expect(migrationFileSql('0001.sql', diff)).toMatch(/^-- litedao: allow-constraint-loss$/m);
        },
      ),
    );
  });

  it('without tableSql (snapshots from the models) nothing is known and nothing refused', () => {
    expect(diffSchemas(loose, snapshotOf(Strict.metadata.models)).rebuilt).toEqual(['users']);
  });
});

describe('diffSchemas: a column renamed by a rebuild of a table read from a database', () => {
  it('keeps its COLLATE in view: refused when the rebuild loses it', () => {
    const Loose = declarativeBase({ strict: false });
    Loose('User', { username: t.text() });
    const Strict = declarativeBase();
    Strict('User', { login: t.text().renamedFrom('username') });
    const from: SchemaSnapshot = {
      ...snapshotOf(Loose.metadata.models),
      tableSql: {
        users:
          'CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, username TEXT COLLATE NOCASE NOT NULL)',
      },
    };
    const go = () => diffSchemas(from, snapshotOf(Strict.metadata.models), { renames: renameHintsOf(Strict.metadata.models) });
    expect(go).toThrow(/users\.username COLLATE NOCASE/);
  });
});
