/**
 * Model-based test of schema evolution: fast-check draws a schema of up to three related tables with rows,
 * then a random set of model edits (columns added, dropped, renamed with a hint, made nullable or NOT NULL
 * with a default, integer → real, defaults changed, indexes and UNIQUE added or dropped, foreign-key actions
 * changed, child tables dropped). The generated migration must apply on the adapter, and afterwards every row
 * must hold exactly the values a JavaScript model of the same edits predicts, with the schema equal to the
 * new models' and no foreign-key violation.
 */
import {
  type Column,
  type Driver,
  declarativeBase,
  diffSchemas,
  EMPTY_SNAPSHOT,
  introspectSchema,
  type Migration,
  migrate,
  migrationFileSql,
  type ReferentialAction,
  renameHintsOf,
  type SqlValue,
  snapshotOf,
  t,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, setup } from './harness.ts';

type Kind = 'integer' | 'real' | 'text' | 'boolean';
type Value = number | string | boolean | null;

interface ColSpec {
  readonly name: string;
  readonly kind: Kind;
  readonly nullable: boolean;
  readonly def: Value | undefined;
  readonly unique: boolean;
  readonly index: boolean;
  readonly from?: string | undefined; // v1 name, for v2 columns that keep a v1 column's values
  readonly renamed?: boolean;
}

interface TableSpec {
  readonly name: string;
  readonly cols: readonly ColSpec[];
  /** A `parent_id` column referencing the previous table. */
  readonly fk: { readonly action: ReferentialAction; readonly nullable: boolean } | null;
}

const TABLES = ['evo_a', 'evo_b', 'evo_c'];
const ACTIONS: ReferentialAction[] = ['cascade', 'restrict', 'set null', 'no action'];

const arbValue = (kind: Kind): fc.Arbitrary<Value> =>
  kind === 'integer'
    ? fc.integer({ min: -1000, max: 1000 })
    : kind === 'real'
      ? fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x))
      : kind === 'text'
        ? fc.string({ maxLength: 6 })
        : fc.boolean();

const colArb = (name: string): fc.Arbitrary<ColSpec> =>
  fc.constantFrom<Kind>('integer', 'real', 'text', 'boolean').chain((kind) =>
    fc.record({
      name: fc.constant(name),
      kind: fc.constant(kind),
      nullable: fc.boolean(),
      def: fc.option(arbValue(kind), { nil: undefined }),
      unique: kind === 'boolean' ? fc.constant(false) : fc.boolean(),
      index: fc.boolean(),
    }),
  );

const schemaArb: fc.Arbitrary<TableSpec[]> = fc.integer({ min: 1, max: 3 }).chain((n) =>
  fc.tuple(
    ...TABLES.slice(0, n).map((name, i) =>
      fc.record({
        name: fc.constant(name),
        cols: fc
          .uniqueArray(fc.constantFrom('c0', 'c1', 'c2', 'c3'), { minLength: 1, maxLength: 4 })
          .chain((names) => fc.tuple(...names.map(colArb))),
        fk: i === 0 ? fc.constant(null) : fc.record({ action: fc.constantFrom(...ACTIONS), nullable: fc.boolean() }),
      }),
    ),
  ),
);

type Edit = 'keep' | 'drop' | 'rename' | 'nullable' | 'default' | 'toReal' | 'index' | 'unique';

/** Random edits of a v1 schema into v2 (child tables may be dropped; parents stay while a child does). */
function editsArb(v1: readonly TableSpec[]): fc.Arbitrary<TableSpec[]> {
  return fc.integer({ min: 1, max: v1.length }).chain((keep) =>
    fc.tuple(
      ...v1.slice(0, keep).map((tb) =>
        fc
          .tuple(
            fc.tuple(
              ...tb.cols.map(() =>
                fc.constantFrom<Edit>('keep', 'keep', 'drop', 'rename', 'nullable', 'default', 'toReal', 'index', 'unique'),
              ),
            ),
            fc.tuple(...tb.cols.map((c) => arbValue(c.kind))),
            fc
              .array(fc.constantFrom<Kind>('integer', 'text', 'boolean'), { maxLength: 2 })
              .chain((kinds) => fc.tuple(...kinds.map((k) => fc.tuple(fc.constant(k), fc.option(arbValue(k), { nil: undefined }))))),
            fc.option(fc.constantFrom(...ACTIONS), { nil: undefined }),
          )
          .map(([edits, defaults, added, action]): TableSpec => {
            const cols: ColSpec[] = [];
            tb.cols.forEach((c, i) => {
              const e = edits[i] as Edit;
              const base: ColSpec = { ...c, from: c.name };
              if (e === 'drop') return;
              if (e === 'rename') cols.push({ ...base, name: `${c.name}_r`, renamed: true });
              else if (e === 'nullable') {
                const nullable = !c.nullable;
                cols.push({ ...base, nullable, def: nullable ? c.def : (c.def ?? (defaults[i] as Value)) });
              } else if (e === 'default') cols.push({ ...base, def: defaults[i] as Value });
              else if (e === 'toReal' && c.kind === 'integer') cols.push({ ...base, kind: 'real' });
              else if (e === 'index') cols.push({ ...base, index: !c.index });
              else if (e === 'unique' && c.unique) cols.push({ ...base, unique: false });
              else cols.push(base);
            });
            added.forEach(([kind, def], j) => {
              cols.push({ name: `n${j}`, kind, nullable: def === undefined, def, unique: false, index: false });
            });
            return { name: tb.name, cols, fk: tb.fk && { ...tb.fk, action: action ?? tb.fk.action } };
          }),
      ),
    ),
  );
}

function builder(c: ColSpec): Column<unknown, boolean, boolean> {
  let col = (c.kind === 'integer' ? t.integer() : c.kind === 'real' ? t.real() : c.kind === 'text' ? t.text() : t.boolean()) as Column<
    unknown,
    boolean,
    boolean
  >;
  if (c.nullable) col = col.nullable() as never;
  if (c.def !== undefined && c.def !== null) col = col.default(c.def as never) as never;
  if (c.unique) col = col.unique() as never;
  if (c.index) col = col.index() as never;
  if (c.renamed && c.from) col = col.renamedFrom(c.from) as never;
  return col;
}

function modelsOf(spec: readonly TableSpec[]) {
  const Base = declarativeBase();
  // biome-ignore lint/suspicious/noExplicitAny: models of a generated shape
  const made: any[] = [];
  spec.forEach((tb, i) => {
    const cols: Record<string, Column<unknown, boolean, boolean>> = {};
    if (tb.fk) {
      const parent = made[i - 1];
      let fk = t.integer() as Column<unknown, boolean, boolean>;
      if (tb.fk.nullable) fk = fk.nullable() as never;
      cols.parent_id = fk.references(() => parent, { onDelete: tb.fk.action }) as never;
    }
    for (const c of tb.cols) cols[c.name] = builder(c);
    made.push(Base(`Evo${i}`, cols, { tableName: tb.name }));
  });
  return Base.metadata.models;
}

/** The stored form of a value (booleans as 0/1). */
const stored = (v: Value): SqlValue => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

interface Row {
  readonly id: number;
  readonly parent_id: number | null;
  readonly values: Record<string, Value>;
}

function rowsArb(spec: readonly TableSpec[]): fc.Arbitrary<Row[][]> {
  return fc
    .tuple(
      ...spec.map((tb) =>
        fc.array(
          fc.tuple(
            fc.tuple(...tb.cols.map((c) => (c.nullable ? fc.option(arbValue(c.kind), { nil: null }) : arbValue(c.kind)))),
            fc.option(fc.nat(), { nil: null }),
          ),
          { maxLength: 5 },
        ),
      ),
    )
    .map((tables) => {
      const out: Row[][] = [];
      tables.forEach((rows, ti) => {
        const tb = spec[ti] as TableSpec;
        const parents = out[ti - 1] ?? [];
        out.push(
          rows
            .map(([vals, pick], ri): Row | undefined => {
              let parent: number | null = null;
              if (tb.fk) {
                if (pick === null && tb.fk.nullable) parent = null;
                else if (parents.length === 0) return undefined;
                else parent = (parents[(pick ?? 0) % parents.length] as Row).id;
              }
              const values: Record<string, Value> = {};
              tb.cols.forEach((c, ci) => {
                // UNIQUE columns get distinct values (a later UNIQUE check must not fail for the wrong reason).
                values[c.name] = c.unique ? (c.kind === 'text' ? `u${ri}` : c.kind === 'real' ? ri + 0.5 : ri) : (vals[ci] as Value);
              });
              return { id: ri + 1, parent_id: parent, values };
            })
            .filter((r): r is Row => r !== undefined)
            .map((r, i) => ({ ...r, id: i + 1 })),
        );
      });
      return out;
    });
}

async function all(driver: Driver, sql: string): Promise<Record<string, SqlValue>[]> {
  // Raw SQL (returnsRows left to the driver): `SELECT *` after a schema change must name the new columns.
  const res = await driver.execute({ sql, params: [], returnsRows: undefined });
  const cols = res.columns ?? [];
  return res.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i] ?? null])));
}

export function migrationPropertyTests(target: ConformanceTarget): void {
  describe('migrations: random model edits on random rows (model-based)', () => {
    it('every generated migration applies, keeps every row with the predicted values, and yields the new models schema', async () => {
      const { driver, engine } = await setup(target, false);
      const arb = schemaArb.chain((v1) => fc.tuple(fc.constant(v1), editsArb(v1), rowsArb(v1)));
      await fc.assert(
        fc.asyncProperty(arb, async ([v1, v2, data]) => {
          const drops = (
            await all(
              driver,
              "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
            )
          ).map((r) => String(r.name));
          drops.sort().reverse(); // children first: a parent's implicit DELETE would fire their actions
          if (drops.length) {
            await driver.batch([
              { sql: 'PRAGMA defer_foreign_keys = ON', params: [], returnsRows: false },
              ...drops.map((n) => ({ sql: `DROP TABLE "${n}"`, params: [], returnsRows: false })),
            ]);
          }
          const m1 = modelsOf(v1);
          const m2 = modelsOf(v2);
          const files: Migration[] = [
            { name: '0001_v1.sql', sql: migrationFileSql('0001_v1.sql', diffSchemas(EMPTY_SNAPSHOT, snapshotOf(m1))) },
          ];
          await migrate(engine, files);
          for (const [ti, tb] of v1.entries()) {
            for (const r of data[ti] ?? []) {
              const names = ['id', ...(tb.fk ? ['parent_id'] : []), ...tb.cols.map((c) => c.name)];
              const params: SqlValue[] = [r.id, ...(tb.fk ? [r.parent_id] : []), ...tb.cols.map((c) => stored(r.values[c.name] as Value))];
              await driver.execute({
                sql: `INSERT INTO "${tb.name}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
                params,
                returnsRows: false,
              });
            }
          }
          const before = await Promise.all(v1.map((tb) => all(driver, `SELECT * FROM "${tb.name}" ORDER BY id`)));
          const diff = diffSchemas(snapshotOf(m1), snapshotOf(m2), { renames: renameHintsOf(m2), allowDrop: true });
          files.push({ name: '0002_v2.sql', sql: migrationFileSql('0002_v2.sql', diff) });
          await migrate(engine, files);

          // The predicted rows: every v1 row kept; values carried (NULL → the new default where a column became NOT NULL).
          for (const [ti, tb] of v2.entries()) {
            const got = await all(driver, `SELECT * FROM "${tb.name}" ORDER BY id`);
            const old = before[ti] ?? [];
            expect(got.length, `${tb.name}: row count`).toBe(old.length);
            got.forEach((row, ri) => {
              const prev = old[ri] as Record<string, SqlValue>;
              expect(row.id).toBe(prev.id);
              expect(row.created_at).toBe(prev.created_at);
              if (tb.fk) expect(row.parent_id, `${tb.name}.parent_id`).toBe(prev.parent_id);
              for (const c of tb.cols) {
                let want: SqlValue = c.from !== undefined ? (prev[c.from] ?? null) : c.def === undefined ? null : stored(c.def);
                if (want === null && !c.nullable && c.def !== undefined && c.def !== null) want = stored(c.def);
                expect(row[c.name], `${tb.name}.${c.name} of row ${String(row.id)}`).toEqual(want);
              }
            });
          }
          const live = await introspectSchema(driver);
          const names = new Set(v2.map((tb) => tb.name));
          expect(live.map((tb) => tb.name).sort()).toEqual([...names].sort());
          const key = (defs: typeof live) =>
            Object.fromEntries(
              defs.map((tb) => [
                tb.name,
                {
                  ...tb,
                  columns: [...tb.columns].sort((a, b) => (a.name < b.name ? -1 : 1)),
                  uniques: tb.uniques.map((u) => u.join()).sort(),
                  indexes: [...tb.indexes].sort((a, b) => (a.name < b.name ? -1 : 1)),
                },
              ]),
            );
          expect(key(live)).toEqual(key(snapshotOf(m2).tables as typeof live));
          expect(await all(driver, 'PRAGMA foreign_key_check')).toEqual([]);
          await engine.verifySchema(m2);
        }),
        { numRuns: 30 },
      );
    });
  });
}
