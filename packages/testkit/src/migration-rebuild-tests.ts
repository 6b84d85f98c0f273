/**
 * SQLite's table rebuild (https://sqlite.org/lang_altertable.html#otheralter) on every adapter, around what the
 * models do not describe: a generated migration that rebuilds tables keeps every row, every hand-written view
 * and trigger (views over rebuilt tables, views over views, triggers of rebuilt tables and triggers of other
 * tables that name them), works through foreign-key cycles and self-references, and never silently loses a
 * COLLATE, CHECK or generated column of an adopted table: the runner refuses such a file (SchemaError, nothing
 * applied) unless the file keeps them or says `-- litedao: allow-constraint-loss`.
 */
import {
  declarativeBase,
  diffSchemas,
  EMPTY_SNAPSHOT,
  type Engine,
  introspectSchema,
  type Migration,
  migrate,
  migrationFileSql,
  type ReferentialAction,
  renameHintsOf,
  SchemaError,
  type SqlValue,
  snapshotOf,
  t,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, rejectsWith, setup } from './harness.ts';

const TABLES = ['rb_a', 'rb_b', 'rb_c'] as const;

/** Runs of the property: 25, or LITEDAO_FC_RUNS where the environment sets it (each run migrates a database). */
function runs(): number {
  const n = Number((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.LITEDAO_FC_RUNS);
  return Number.isInteger(n) && n > 0 ? n : 25;
}
const ACTIONS: ReferentialAction[] = ['cascade', 'restrict', 'set null', 'no action'];

interface Ref {
  readonly from: number;
  readonly to: number;
  readonly action: ReferentialAction;
}

interface Spec {
  readonly n: number;
  /** Foreign keys between the tables: any direction, self-references and cycles included (all nullable). */
  readonly refs: readonly Ref[];
  /** Tables whose `label` becomes nullable in v2 (a rebuild). */
  readonly changed: readonly number[];
  /** Rows per table: a label and, per foreign key of the table, a pick among the referenced table's rows. */
  readonly rows: readonly (readonly { readonly label: string; readonly picks: readonly (number | null)[] }[])[];
  /** Which hand-written objects exist. */
  readonly views: readonly boolean[];
  readonly triggers: readonly boolean[];
}

const specArb: fc.Arbitrary<Spec> = fc.integer({ min: 1, max: 3 }).chain((n) =>
  fc
    .uniqueArray(fc.record({ from: fc.nat(n - 1), to: fc.nat(n - 1), action: fc.constantFrom(...ACTIONS) }), {
      maxLength: 4,
      selector: (r) => `${r.from}>${r.to}`,
    })
    .chain((refs) =>
      fc.record({
        n: fc.constant(n),
        refs: fc.constant(refs),
        changed: fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: n }),
        rows: fc.tuple(
          ...Array.from({ length: n }, (_, ti) =>
            fc.array(
              fc.record({
                label: fc.string({ maxLength: 5 }),
                picks: fc.tuple(...refs.filter((r) => r.from === ti).map(() => fc.option(fc.nat(9), { nil: null }))),
              }),
              { maxLength: 4 },
            ),
          ),
        ),
        views: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        triggers: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      }),
    ),
);

const fkName = (r: Ref) => `ref_${TABLES[r.to]}_id`;

function modelsOf(spec: Spec, v2: boolean) {
  const Base = declarativeBase();
  // biome-ignore lint/suspicious/noExplicitAny: models of a generated shape that reference each other
  const made: any[] = [];
  for (let i = 0; i < spec.n; i++) {
    // biome-ignore lint/suspicious/noExplicitAny: a generated shape
    const cols: Record<string, any> = { label: v2 && spec.changed.includes(i) ? t.text().nullable() : t.text() };
    for (const r of spec.refs.filter((x) => x.from === i)) {
      cols[fkName(r)] = t
        .integer()
        .nullable()
        .references(() => made[r.to], { onDelete: r.action });
    }
    made.push(Base(`Rb${i}`, cols, { tableName: TABLES[i] }));
  }
  return Base.metadata.models;
}

async function all(engine: Engine, sql: string): Promise<Record<string, SqlValue>[]> {
  const res = await engine.execute({ sql, params: [], returnsRows: true });
  const cols = res.columns ?? [];
  return res.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i] ?? null])));
}

async function run(engine: Engine, sql: string): Promise<void> {
  await engine.execute({ sql, params: [], returnsRows: false });
}

/** Drops every view and trigger (the harness's setup() then drops the tables, children first). */
async function clean(engine: Engine): Promise<void> {
  const objects = await all(engine, "SELECT type, name FROM sqlite_schema WHERE type IN ('view', 'trigger')");
  for (const o of objects) await run(engine, `DROP ${String(o.type).toUpperCase()} IF EXISTS "${String(o.name)}"`);
}

/** A database without the previous run's views, triggers, tables and migration records. */
async function fresh(target: ConformanceTarget, previous: Engine): Promise<Engine> {
  await clean(previous);
  await previous.close(); // the browser Worker holds one database at a time
  const { engine } = await setup(target, false);
  await run(engine, 'DROP TABLE IF EXISTS d1_migrations');
  return engine;
}

/** The hand-written migration: an audit table, views (over tables, a join, a view over a view) and triggers. */
function handWritten(spec: Spec): string {
  const out = ['CREATE TABLE rb_audit (msg TEXT)'];
  const [perTable, join, nested, audit] = spec.views;
  for (let i = 0; i < spec.n; i++) {
    if (perTable) out.push(`CREATE VIEW rb_v_${i} AS SELECT id, label FROM ${TABLES[i]}`);
    if (spec.triggers[i])
      out.push(
        `CREATE TRIGGER rb_t_${i} AFTER INSERT ON ${TABLES[i]} BEGIN INSERT INTO rb_audit (msg) VALUES ('${TABLES[i]} ' || NEW.id); END`,
      );
  }
  // An AFTER UPDATE trigger that logs: a migration must not fire it (the rebuild only copies rows).
  if (spec.triggers[0])
    out.push(`CREATE TRIGGER rb_u_0 AFTER UPDATE ON ${TABLES[0]} BEGIN INSERT INTO rb_audit (msg) VALUES ('updated'); END`);
  if (join) out.push(`CREATE VIEW rb_join AS SELECT count(*) AS n FROM ${TABLES.slice(0, spec.n).join(' CROSS JOIN ')}`);
  if (nested && perTable) out.push('CREATE VIEW rb_nested AS SELECT label FROM rb_v_0 WHERE id > 0');
  if (audit) out.push('CREATE VIEW rb_audit_v AS SELECT msg FROM rb_audit');
  // A trigger of another table whose body names a rebuilt table (the rename back fails if it is left in place).
  if (spec.triggers[3]) out.push(`CREATE TRIGGER rb_audit_t AFTER DELETE ON rb_audit BEGIN DELETE FROM ${TABLES[0]} WHERE 0; END`);
  return out.map((s) => `${s};`).join('\n');
}

const schemaObjects = (engine: Engine) =>
  all(
    engine,
    "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') AND name LIKE 'rb\\_%' ESCAPE '\\' ORDER BY name",
  );

const normalizeSql = (s: SqlValue | undefined) =>
  String(s)
    .replace(/\s+/g, ' ')
    .replace(/ IF NOT EXISTS /i, ' ');

export function migrationRebuildTests(target: ConformanceTarget): void {
  describe('migrations: table rebuilds keep what the models do not describe', () => {
    it('every row, view and trigger survives a rebuild, through foreign-key cycles and self-references (random schemas)', async () => {
      let { engine } = await setup(target, false);
      await fc.assert(
        fc.asyncProperty(specArb, async (spec) => {
          engine = await fresh(target, engine);
          const m1 = modelsOf(spec, false);
          const m2 = modelsOf(spec, true);
          const files: Migration[] = [
            { name: '0001_v1.sql', sql: migrationFileSql('0001_v1.sql', diffSchemas(EMPTY_SNAPSHOT, snapshotOf(m1))) },
          ];
          await migrate(engine, files);
          // Rows first with their references NULL, then the references (cycles need both rows to exist).
          for (let i = 0; i < spec.n; i++) {
            for (const r of spec.rows[i] ?? [])
              await engine.execute({ sql: `INSERT INTO ${TABLES[i]} (label) VALUES (?)`, params: [r.label], returnsRows: false });
          }
          for (let i = 0; i < spec.n; i++) {
            const refs = spec.refs.filter((x) => x.from === i);
            for (const [ri, r] of (spec.rows[i] ?? []).entries()) {
              for (const [k, ref] of refs.entries()) {
                const pick = r.picks[k];
                const targets = spec.rows[ref.to]?.length ?? 0;
                if (pick === null || pick === undefined || targets === 0) continue;
                await engine.execute({
                  sql: `UPDATE ${TABLES[i]} SET ${fkName(ref)} = ? WHERE id = ?`,
                  params: [(pick % targets) + 1, ri + 1],
                  returnsRows: false,
                });
              }
            }
          }
          files.push({ name: '0002_hand.sql', sql: handWritten(spec) });
          await migrate(engine, files);

          const before = await Promise.all(
            [...TABLES.slice(0, spec.n), 'rb_audit'].map((tb) =>
              all(engine, `SELECT * FROM ${tb} ORDER BY ${tb === 'rb_audit' ? 'rowid' : 'id'}`),
            ),
          );
          const objects = await schemaObjects(engine);
          const viewRows = await Promise.all(
            objects.filter((o) => o.type === 'view').map((o) => all(engine, `SELECT * FROM "${String(o.name)}" ORDER BY 1`)),
          );
          const diff = diffSchemas(snapshotOf(m1), snapshotOf(m2));
          expect(diff.rebuilt.length).toBeGreaterThan(0);
          files.push({ name: '0003_rebuild.sql', sql: migrationFileSql('0003_rebuild.sql', diff) });
          expect((await migrate(engine, files)).applied).toEqual(['0003_rebuild.sql']);

          const after = await Promise.all(
            [...TABLES.slice(0, spec.n), 'rb_audit'].map((tb) =>
              all(engine, `SELECT * FROM ${tb} ORDER BY ${tb === 'rb_audit' ? 'rowid' : 'id'}`),
            ),
          );
          expect(after).toEqual(before);
          const objectsAfter = await schemaObjects(engine);
          expect(objectsAfter.map((o) => ({ ...o, sql: normalizeSql(o.sql) }))).toEqual(
            objects.map((o) => ({ ...o, sql: normalizeSql(o.sql) })),
          );
          const viewRowsAfter = await Promise.all(
            objectsAfter.filter((o) => o.type === 'view').map((o) => all(engine, `SELECT * FROM "${String(o.name)}" ORDER BY 1`)),
          );
          expect(viewRowsAfter).toEqual(viewRows);
          expect(await all(engine, 'PRAGMA foreign_key_check')).toEqual([]);
          expect((await all(engine, 'PRAGMA quick_check')).map((r) => Object.values(r)[0])).toEqual(['ok']);
          await engine.verifySchema(m2);
          // The triggers still fire.
          for (let i = 0; i < spec.n; i++) {
            if (!spec.triggers[i]) continue;
            await run(engine, `INSERT INTO ${TABLES[i]} (label) VALUES ('new')`);
            const id = (await all(engine, `SELECT max(id) AS id FROM ${TABLES[i]}`))[0]?.id;
            expect(await all(engine, `SELECT msg FROM rb_audit WHERE msg = '${TABLES[i]} ${String(id)}'`)).toHaveLength(1);
          }
        }),
        { numRuns: runs() },
      );
      await clean(engine);
    });

    it('a table renamed in the same file keeps its views and hand-written triggers, whether it is rebuilt too or another table is', async () => {
      for (const rebuildRenamed of [true, false]) {
        let { engine } = await setup(target, false);
        engine = await fresh(target, engine);
        const B1 = declarativeBase();
        B1('Person', { label: t.text() }, { tableName: 'rb_people' });
        B1('Other', { x: t.text() }, { tableName: 'rb_others' });
        const B2 = declarativeBase();
        B2('User', { label: rebuildRenamed ? t.text().nullable() : t.text() }, { tableName: 'rb_users', renamedFrom: 'rb_people' });
        B2('Other', { x: rebuildRenamed ? t.text() : t.text().nullable() }, { tableName: 'rb_others' });
        const files: Migration[] = [
          { name: '0001.sql', sql: migrationFileSql('0001.sql', diffSchemas(EMPTY_SNAPSHOT, snapshotOf(B1.metadata.models))) },
          {
            name: '0002.sql',
            sql:
              'CREATE TABLE rb_log (msg TEXT);\n' +
              'CREATE VIEW rb_v_people AS SELECT p.label, o.x FROM rb_people AS p LEFT JOIN rb_others AS o ON o.id = p.id;\n' +
              "CREATE TRIGGER rb_people_log AFTER INSERT ON rb_people BEGIN INSERT INTO rb_log (msg) VALUES ('added ' || NEW.label); END;",
          },
        ];
        await migrate(engine, files);
        await run(engine, "INSERT INTO rb_others (x) VALUES ('o1')");
        await run(engine, "INSERT INTO rb_people (label) VALUES ('Ada')");
        const diff = diffSchemas(snapshotOf(B1.metadata.models), snapshotOf(B2.metadata.models), {
          renames: renameHintsOf(B2.metadata.models),
        });
        expect(diff.rebuilt).toEqual([rebuildRenamed ? 'rb_users' : 'rb_others']);
        files.push({ name: '0003.sql', sql: migrationFileSql('0003.sql', diff) });
        expect((await migrate(engine, files)).applied).toEqual(['0003.sql']);
        expect(await all(engine, 'SELECT label, x FROM rb_v_people')).toEqual([{ label: 'Ada', x: 'o1' }]);
        await run(engine, "INSERT INTO rb_users (label) VALUES ('Bob')");
        expect((await all(engine, 'SELECT msg FROM rb_log ORDER BY rowid')).map((r) => r.msg)).toEqual(['added Ada', 'added Bob']);
        expect(await all(engine, "SELECT tbl_name FROM sqlite_schema WHERE name = 'rb_people_log'")).toEqual([{ tbl_name: 'rb_users' }]);
        expect(await all(engine, 'PRAGMA foreign_key_check')).toEqual([]);
        await engine.verifySchema(B2.metadata.models);
        await clean(engine);
        await engine.close(); // the browser Worker holds one database at a time
      }
    });

    it('a column renamed by the rebuild keeps the check: its COLLATE and CHECK lost are refused, kept are accepted', async () => {
      let { engine } = await setup(target, false);
      engine = await fresh(target, engine);
      const files: Migration[] = [
        {
          name: '0000_baseline.sql',
          sql: 'CREATE TABLE rb_logins (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, username TEXT COLLATE NOCASE NOT NULL CHECK (length(username) > 1));',
        },
      ];
      await migrate(engine, files);
      await run(
        engine,
        "INSERT INTO rb_logins (created_at, updated_at, username) VALUES ('2024-01-01 00:00:00', '2024-01-01 00:00:00', 'Ada')",
      );
      const baseline = { version: 1 as const, tables: (await introspectSchema(engine)).filter((tb) => tb.name === 'rb_logins') };
      const Base = declarativeBase();
      Base('Login', { login: t.text().renamedFrom('username') }, { tableName: 'rb_logins' });
      const diff = diffSchemas(baseline, snapshotOf(Base.metadata.models), { renames: renameHintsOf(Base.metadata.models) });
      expect(diff.rebuilt).toEqual(['rb_logins']);
      const generated = migrationFileSql('0001.sql', diff);
      const e = await rejectsWith(migrate(engine, [...files, { name: '0001.sql', sql: generated }]), SchemaError);
      expect(e.message).toMatch(/username COLLATE NOCASE/);
      expect(e.message).toMatch(/CHECK \(length\(username\) > 1\)/);
      const kept = generated.replace(/("login" TEXT NOT NULL)/, '$1 COLLATE NOCASE CHECK (length("login") > 1)');
      expect((await migrate(engine, [...files, { name: '0001.sql', sql: kept }])).applied).toEqual(['0001.sql']);
      expect(await all(engine, "SELECT login FROM rb_logins WHERE login = 'ADA'")).toEqual([{ login: 'Ada' }]);
      await clean(engine);
    });

    it('a rebuild that would lose a COLLATE, a CHECK or a generated column of an adopted table is refused; kept when the file keeps them; lost only when the file says so', async () => {
      let { engine } = await setup(target, false);
      engine = await fresh(target, engine);
      // A table made by hand (SQLAlchemy, say), adopted with a baseline read from the database.
      const adopted =
        'CREATE TABLE rb_people (id INTEGER NOT NULL, created_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP) NOT NULL, ' +
        'updated_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP) NOT NULL, username VARCHAR COLLATE NOCASE NOT NULL, ' +
        'status VARCHAR(7) NOT NULL, score INTEGER NOT NULL, score2 INTEGER GENERATED ALWAYS AS (score * 2) VIRTUAL, ' +
        "PRIMARY KEY (id), UNIQUE (username), CONSTRAINT status_ok CHECK (status IN ('active', 'banned')), CHECK (score >= 0))";
      const files: Migration[] = [{ name: '0000_baseline.sql', sql: `${adopted};` }];
      await migrate(engine, files);
      await run(engine, "INSERT INTO rb_people (username, status, score) VALUES ('Ada', 'active', 3)");
      const baseline = { version: 1 as const, tables: (await introspectSchema(engine)).filter((tb) => tb.name === 'rb_people') };
      const Base = declarativeBase({ naming: 'legacy' });
      Base('Person', { username: t.text().unique(), status: t.text(), score: t.integer() }, { tableName: 'rb_people' });
      const diff = diffSchemas(baseline, snapshotOf(Base.metadata.models));
      expect(diff.rebuilt).toEqual(['rb_people']);
      const generated = migrationFileSql('0001_adopt.sql', diff);
      const tableSql = async () => (await all(engine, "SELECT sql FROM sqlite_schema WHERE name = 'rb_people'"))[0]?.sql;
      const sqlBefore = await tableSql();

      const e = await rejectsWith(migrate(engine, [...files, { name: '0001_adopt.sql', sql: generated }]), SchemaError);
      for (const lost of [/COLLATE NOCASE/, /CHECK \(status IN \('active', 'banned'\)\)/, /CHECK \(score >= 0\)/, /score2 GENERATED/])
        expect(e.message).toMatch(lost);
      expect(await tableSql()).toBe(sqlBefore);
      expect((await all(engine, 'SELECT name FROM d1_migrations')).map((r) => r.name)).toEqual(['0000_baseline.sql']);

      // The file keeps them (edited by hand): applied, and they still hold.
      const kept = generated
        .replace(/("username" TEXT NOT NULL)/, '$1 COLLATE NOCASE')
        .replace(/("score" INTEGER NOT NULL)/, `$1 CHECK (score >= 0),\n  "score2" INTEGER GENERATED ALWAYS AS (score * 2) VIRTUAL`)
        .replace(/("status" TEXT NOT NULL)/, `$1 CONSTRAINT status_ok CHECK (status IN ('active', 'banned'))`);
      expect((await migrate(engine, [...files, { name: '0001_adopt.sql', sql: kept }])).applied).toEqual(['0001_adopt.sql']);
      expect(await all(engine, 'SELECT username, status, score, score2 FROM rb_people')).toEqual([
        { username: 'Ada', status: 'active', score: 3, score2: 6 },
      ]);
      for (const bad of ["('ADA', 'active', 1)", "('Bob', 'x', 1)", "('Cy', 'active', -1)"])
        await expect(run(engine, `INSERT INTO rb_people (username, status, score) VALUES ${bad}`)).rejects.toThrow();
      await engine.verifySchema(Base.metadata.models);

      // Accepting the loss is explicit: the file says so.
      engine = await fresh(target, engine);
      await migrate(engine, files);
      await run(engine, "INSERT INTO rb_people (username, status, score) VALUES ('Ada', 'active', 3)");
      const accepted = `-- litedao: allow-constraint-loss\n${generated}`;
      expect((await migrate(engine, [...files, { name: '0001_adopt.sql', sql: accepted }])).applied).toEqual(['0001_adopt.sql']);
      await run(engine, "INSERT INTO rb_people (username, status, score) VALUES ('ADA', 'x', -5)");
      await clean(engine);
    });
  });
}
