/**
 * Values, read and filtered exactly on every adapter (issue 10):
 *
 * - write → read returns the same value, or the write is refused with `ValidationError` before anything is
 *   sent (per column kind, generated values good and bad, through inserts and through dirty tracking);
 * - values planted by raw SQL, as other tools leave them (every storage class, in a table with the Python
 *   template's DDL), read exactly or raise `DataIntegrityError`;
 * - every filter operator gives the rows a JavaScript filter over the values litedao reads gives, and ORDER BY
 *   gives JavaScript's order — timestamps written in every layout litedao reads included.
 *
 * Each property runs `fcRuns()` times (200 unless LITEDAO_FC_RUNS says more) and batches the rows of one run.
 */
import {
  count,
  DataIntegrityError,
  type Driver,
  declarativeBase,
  type Filters,
  increment,
  type SqlValue,
  type Statement,
  sql,
  t,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type ConformanceTarget, rejectsWith, setup } from './harness.ts';
import {
  acceptable,
  type Col,
  domain,
  expectedRead,
  fcRuns,
  jsMatch,
  jsOrder,
  KINDS,
  type Kind,
  MAX_MS,
  MIN_MS,
  operands,
  type Plant,
  plantValue,
  readBack,
  renderInstant,
  type Stored,
  sameValue,
  show,
  writeValue,
} from './value-arbitraries.ts';

/** Every column kind, nullable, in a table litedao creates. */
/** Numeric columns for increment(): their ranges and a .check() with bounds (stock) or with a refinement (odd). */
const GBase = declarativeBase();
class Gauge extends GBase('Gauge', {
  n: t.integer().nullable(),
  r: t.real(),
  big: t.bigint(),
  stock: t.integer().check(z.number().min(0).max(100)),
  odd: t
    .integer()
    .check(z.number().refine((v) => v % 2 === 1))
    .default(1),
}) {}
type GaugeCol = 'n' | 'r' | 'big' | 'stock';
class Nick extends GBase('Nick', { nick: t.text().check(z.string().refine(async () => true)) }) {}

const VBase = declarativeBase();
class Val extends VBase('Val', {
  i: t.integer().nullable(),
  r: t.real().nullable(),
  s: t.text().nullable(),
  b: t.boolean().nullable(),
  ts: t.timestamp().nullable(),
  j: t.json().nullable(),
  bl: t.blob().nullable(),
  big: t.bigint().nullable(),
}) {}

/**
 * The Python template's DDL for the same columns (SQLAlchemy 1.4: Integer, Float, String, Boolean, TIMESTAMP,
 * JSON, LargeBinary, BigInteger), with its nullable `created_at`/`updated_at`: how other tools leave values.
 */
const PLANTED_DDL =
  'CREATE TABLE planted (id INTEGER NOT NULL, i INTEGER, r FLOAT, s VARCHAR, b BOOLEAN, ts TIMESTAMP, j JSON, bl BLOB, ' +
  'big BIGINT, created_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP), updated_at TIMESTAMP DEFAULT (CURRENT_TIMESTAMP), PRIMARY KEY (id))';
const PBase = declarativeBase();
class Planted extends PBase(
  'Planted',
  {
    i: t.integer().nullable(),
    r: t.real().nullable(),
    s: t.text().nullable(),
    b: t.boolean().nullable(),
    ts: t.timestamp().nullable(),
    j: t.json().nullable(),
    bl: t.blob().nullable(),
    big: t.bigint().nullable(),
  },
  { tableName: 'planted' },
) {}
/** The same table declared non-nullable: NULL there is a DataIntegrityError. */
const SBase = declarativeBase();
class PlantedStrict extends SBase(
  'PlantedStrict',
  { i: t.integer(), r: t.real(), s: t.text(), b: t.boolean(), ts: t.timestamp(), j: t.json(), bl: t.blob(), big: t.bigint() },
  { tableName: 'planted' },
) {}
/** Only an integer column: no statement of this model reads bigints. */
const IBase = declarativeBase();
class PlantedInt extends IBase('PlantedInt', { i: t.integer().nullable() }, { tableName: 'planted' }) {}

/** Required columns, a default and a column's own `.check()` schema: what a bulk row may leave out or get wrong. */
const RBase = declarativeBase();
class Strict extends RBase('Strict', {
  s: t.text().check(z.string().min(2)),
  n: t.integer().default(7),
  r: t.real(),
  f: t.boolean().nullable(),
}) {}
const STRICT_KINDS = { s: 'text', n: 'integer', r: 'real', f: 'boolean' } as const;

/**
 * The kinds whose bulk rows a driver with `bulkJson` (D1, Durable Objects) sends as JSON text (no REAL, blob or bigint column):
 * there every string, integer and NULL goes through JSON escaping and SQLite's `->>`, not a bound parameter.
 */
const JBase = declarativeBase();
class JsonRow extends JBase('JsonRow', {
  i: t.integer().nullable(),
  s: t.text().nullable(),
  b: t.boolean().nullable(),
  ts: t.timestamp().nullable(),
  j: t.json().nullable(),
}) {}
const JSON_ROW_KINDS = { i: 'integer', s: 'text', b: 'boolean', ts: 'timestamp', j: 'json' } as const;

/** Per kind, values one check away from valid (or valid at a boundary): each refused by exactly one rule. */
const EDGES: Readonly<Record<Kind, readonly unknown[]>> = {
  integer: [1.5, Number.NaN, 2 ** 53, -0, Number.MAX_SAFE_INTEGER, 1n, '1', null, undefined],
  real: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5e-324, 1n, null, undefined],
  text: ['a\0b', '\0', 'x\uD800', '\uDFFF', '', '😀', 1, null, undefined],
  boolean: [0, 1, 'true', null, undefined, true],
  timestamp: [new Date(Number.NaN), new Date(MIN_MS - 1), new Date(MAX_MS + 1), new Date(MAX_MS), 0, null, undefined],
  json: [{ a: Number.NaN }, [undefined], new Map(), { a: 1n }, null, 'x', undefined],
  blob: [[1], new ArrayBuffer(1), new Uint8Array(0), 'AQ==', null, undefined],
  bigint: [2n ** 63n, -(2n ** 63n) - 1n, 2n ** 63n - 1n, 1, '1', null, undefined],
};

const COLS = Object.entries(KINDS) as [Col, Kind][];
type Rec = Record<string, unknown>;

const statement = (sql: string, params: readonly SqlValue[] = [], columns?: readonly string[]): Statement =>
  columns ? { sql, params, returnsRows: true, columns, readOnly: true } : { sql, params, returnsRows: false };

/** Replaces the rows of `planted` with the given ones (column → planted value), in one atomic batch. */
async function plantRows(driver: Driver, rows: readonly Partial<Record<Col, Plant>>[]): Promise<void> {
  await driver.batch([
    statement('DELETE FROM planted'),
    ...rows.map((r) => {
      const cols = Object.keys(r) as Col[];
      const plants = cols.map((c) => r[c] as Plant);
      return statement(
        `INSERT INTO planted (${cols.join(', ')}) VALUES (${plants.map((p) => p.expr).join(', ')})`,
        plants.map((p) => p.param),
      );
    }),
  ]);
}

/** SQLite's own view of every stored value, by id and column. */
async function storedValues(driver: Driver): Promise<Map<number, Record<Col, Stored>>> {
  const cols = Object.keys(KINDS) as Col[];
  const select = cols.map(
    (c) =>
      `typeof(${c}), CAST(${c} AS TEXT), CASE WHEN typeof(${c}) = 'real' THEN ${c} END, hex(${c}), ` +
      `CASE WHEN typeof(${c}) = 'text' THEN unixepoch(${c}, 'subsec') END`,
  );
  const names = ['id', ...cols.flatMap((c) => ['type', 'text', 'real', 'hex', 'u'].map((n) => `${c}_${n}`))];
  const res = await driver.execute(statement(`SELECT id, ${select.join(', ')} FROM planted`, [], names));
  const out = new Map<number, Record<Col, Stored>>();
  for (const row of res.rows) {
    const rec = {} as Record<Col, Stored>;
    cols.forEach((c, k) => {
      const [type, text, real, hex, u] = row.slice(1 + k * 5, 6 + k * 5);
      rec[c] = {
        type: type as Stored['type'],
        text: text as string | null,
        real: real as number | null,
        hex: String(hex),
        ms: u === null || u === undefined ? null : Math.round(Number(u) * 1000),
      };
    });
    out.set(Number(row[0]), rec);
  }
  return out;
}

function expectSame(kind: Kind, got: unknown, want: unknown, where: string): void {
  if (!sameValue(kind, got, want)) {
    throw new Error(`${where}: read ${show(got)}, expected ${show(want)}`);
  }
  if (kind === 'blob' && got !== null) expect((got as Uint8Array).constructor).toBe(Uint8Array);
}

export function valuesTests(target: ConformanceTarget): void {
  const RUNS = fcRuns();

  describe('values: write → read is exact, or the write is refused before anything is sent', () => {
    it('every column kind: inserts and dirty-tracked updates read back exactly, or raise ValidationError', async () => {
      const { engine, Session } = await setup(target, false);
      await engine.createAll([Val]);
      // Each run writes 1–3 values of every kind (one row per value, that column set) in one batch.
      const perKind = fc.record(
        Object.fromEntries(
          COLS.map(([col, kind]) => [col, fc.array(fc.tuple(writeValue(kind), writeValue(kind)), { minLength: 1, maxLength: 3 })]),
        ) as {
          [C in Col]: fc.Arbitrary<[unknown, unknown][]>;
        },
      );
      await fc.assert(
        fc.asyncProperty(perKind, fc.boolean(), async (values, updateValidOnly) => {
          const s = Session();
          s.addStatement(sql`DELETE FROM vals`);
          const kept: { col: Col; kind: Kind; first: unknown; second: unknown }[] = [];
          for (const [col, kind] of COLS) {
            for (const [first, second] of values[col]) {
              let obj: Val;
              try {
                obj = new Val({ [col]: first } as never);
              } catch (e) {
                expect(e, show(first)).toBeInstanceOf(ValidationError);
                expect(acceptable(kind, first), `${kind} refused ${show(first)}`).toBe(false);
                continue;
              }
              expect(acceptable(kind, first), `${kind} accepted ${show(first)}`).toBe(true);
              s.add(obj);
              kept.push({ col, kind, first, second: updateValidOnly && !acceptable(kind, second) ? first : second });
            }
          }
          await s.commit();
          await s.close();

          const s2 = Session();
          const rows = (await s2.select(Val).orderBy({ id: 'asc' }).all()) as unknown as Rec[];
          expect(rows).toHaveLength(kept.length);
          for (const [k, row] of rows.entries()) {
            const { col, kind, first, second } = kept[k] as (typeof kept)[number];
            expectSame(kind, row[col], readBack(kind, first), `${kind} row ${k}`);
            row[col] = second; // dirty tracking compares, encodes and writes, or refuses the whole commit
          }
          const allGood = kept.every((x) => acceptable(x.kind, x.second));
          if (allGood) await s2.commit();
          else {
            await rejectsWith(s2.commit(), ValidationError);
            s2.rollback();
          }
          await s2.close();
          const s3 = Session();
          const again = (await s3.select(Val).orderBy({ id: 'asc' }).all()) as unknown as Rec[];
          for (const [k, row] of again.entries()) {
            const { col, kind, first, second } = kept[k] as (typeof kept)[number];
            expectSame(kind, row[col], readBack(kind, allGood ? second : first), `${kind} updated row ${k}`);
          }
          await s3.close();
        }),
        { numRuns: RUNS },
      );
    });

    it('insertMany: each plain row stores what new Model(row) + add stores (JSON text on D1 and Durable Objects included), or the call is refused with the same issues', async () => {
      const { engine, Session } = await setup(target, false);
      await engine.createAll([Val, Strict, JsonRow]);
      // A row near a valid one (so that every check of the fast path is reached): a valid row with one column
      // given a generated value (good or bad) or left out, sometimes a key that is not a column (unknown, managed,
      // `__proto__` as an own key), sometimes read through getters or without a prototype.
      const row = (kinds: Readonly<Record<string, Kind>>, good: fc.Arbitrary<Record<string, unknown>>) =>
        fc
          .tuple(
            good,
            fc
              .constantFrom(...Object.keys(kinds))
              .chain((col) =>
                fc.tuple(
                  fc.constant(col),
                  fc.oneof(writeValue(kinds[col] as Kind), { weight: 3, arbitrary: fc.constantFrom(...EDGES[kinds[col] as Kind]) }),
                ),
              ),
            fc.constantFrom('set', 'set', 'set', 'leave out', 'keep'),
            fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'unknown', 'id', 'created_at', 'undefined id', '__proto__'),
            fc.constantFrom('plain', 'plain', 'getter', 'null prototype'),
          )
          .map(([valid, [col, value], change, extra, form]) => {
            const values: Record<string, unknown> = { ...valid };
            if (change === 'set') values[col] = value;
            else if (change === 'leave out') delete values[col];
            const out: Record<string, unknown> = form === 'null prototype' ? Object.create(null) : {};
            for (const [k, v] of Object.entries(values)) {
              if (form === 'getter') Object.defineProperty(out, k, { get: () => v, enumerable: true, configurable: true });
              else out[k] = v;
            }
            if (extra === 'unknown') out.zz = 1;
            else if (extra === 'id') out.id = 5;
            else if (extra === 'created_at') out.created_at = new Date(0);
            else if (extra === 'undefined id') out.id = undefined;
            else if (extra === '__proto__') Object.defineProperty(out, '__proto__', { value: 1, enumerable: true, configurable: true });
            return out;
          });
      // Mostly valid rows with every column given, so the calls that write are many.
      const goodVal = fc.record(Object.fromEntries(COLS.map(([c, k]) => [c, writeValue(k).filter((v) => acceptable(k, v))])));
      const cases = [
        { model: Val, kinds: KINDS as Readonly<Record<string, Kind>>, good: goodVal },
        {
          model: Strict,
          kinds: STRICT_KINDS as Readonly<Record<string, Kind>>,
          good: fc.record({
            s: fc.string({ minLength: 2, maxLength: 5 }),
            n: fc.integer(),
            r: fc.double({ noNaN: true, noDefaultInfinity: true }),
            f: fc.option(fc.boolean()),
          }),
        },
        {
          model: JsonRow,
          kinds: JSON_ROW_KINDS as Readonly<Record<string, Kind>>,
          good: fc.record(
            Object.fromEntries(Object.entries(JSON_ROW_KINDS).map(([c, k]) => [c, writeValue(k).filter((v) => acceptable(k, v))])),
          ),
        },
      ] as const;
      let written = 0;
      let refused = 0;
      const input = fc.constantFrom(0, 1, 2).chain((which) => {
        const c = cases[which] as (typeof cases)[number];
        const good = c.good as fc.Arbitrary<Record<string, unknown>>;
        // Half the calls are all valid rows (they write); the others mix valid and near-valid rows.
        const anyRow = fc.oneof(good, row(c.kinds, good));
        return fc.tuple(
          fc.constant(c),
          fc.oneof(fc.array(good, { minLength: 1, maxLength: 30 }), fc.array(anyRow, { minLength: 1, maxLength: 30 })),
        );
      });
      await fc.assert(
        fc.asyncProperty(input, async ([c, rows]) => {
          const M = c.model as unknown as new (v: unknown) => object;
          // One of two models: typed as the first for the session's generic signatures.
          const model = c.model as unknown as typeof Val;
          // The oracle: the constructor's checks, row by row (issues at the row's index).
          const want: { path: unknown[]; message: string }[] = [];
          rows.forEach((r, k) => {
            try {
              new M(r);
            } catch (e) {
              expect(e).toBeInstanceOf(ValidationError);
              for (const i of (e as ValidationError).issues) want.push({ path: [k, ...i.path], message: i.message });
            }
          });
          const s = Session();
          s.deleteWhere(model, {}, { all: true });
          await s.commit();
          if (want.length > 0) {
            let err: unknown;
            try {
              s.insertMany(model, rows as never);
            } catch (e) {
              err = e;
            }
            expect(err).toBeInstanceOf(ValidationError);
            expect((err as ValidationError).issues.map((i) => ({ path: i.path, message: i.message }))).toEqual(want);
            await s.commit();
            expect(await s.select(model).count()).toBe(0);
            refused++;
            await s.close();
            return;
          }
          const res = s.insertMany(model, rows as never);
          for (const r of rows) s.add(new M(r) as never);
          await s.commit();
          expect(res.rowsAffected).toBe(rows.length);
          await s.close();
          // Read in a new session: the added objects themselves hold the values as given (-0 stays -0 there).
          const s2 = Session();
          const stored = (await s2.select(model).orderBy({ id: 'asc' }).all()) as unknown as Rec[];
          await s2.close();
          expect(stored).toHaveLength(2 * rows.length);
          for (let k = 0; k < rows.length; k++) {
            const bulk = stored[k] as Rec;
            const added = stored[rows.length + k] as Rec;
            const given = rows[k] as Rec;
            for (const [col, kind] of Object.entries(c.kinds)) {
              if (!sameValue(kind, bulk[col], added[col])) {
                throw new Error(`row ${k} ${col}: insertMany stored ${show(bulk[col])}, add ${show(added[col])}`);
              }
              // And what was given (or the column's default, or NULL) is what reads back.
              const value = Object.hasOwn(given, col) && given[col] !== undefined ? given[col] : col === 'n' ? 7 : null;
              expectSame(kind, bulk[col], readBack(kind, value), `row ${k} ${col}`);
            }
          }
          written++;
        }),
        { numRuns: RUNS },
      );
      // Both outcomes were exercised, not one of them only.
      expect(written).toBeGreaterThan(RUNS / 10);
      expect(refused).toBeGreaterThan(RUNS / 10);
    });

    it('updateWhere by id: each call stores what it was given, or is refused (ValidationError) and writes nothing', async () => {
      const { engine, Session } = await setup(target, false);
      await engine.createAll([Val]);
      // Calls on two columns of a run, so that calls of one shape follow each other (they join one queued run,
      // the common call takes the fast path) and other shapes break the run; values good, bad, at an edge.
      const call = (col: Col) =>
        fc.tuple(
          fc.constant(col),
          fc.oneof(writeValue(KINDS[col]), { weight: 2, arbitrary: fc.constantFrom(...EDGES[KINDS[col]]) }),
          fc.constantFrom(0, 1),
          fc.constantFrom('id', 'id', 'id', 'id', 'id', 'bad id', 'null prototype', 'two columns'),
        );
      const input = fc
        .tuple(fc.constantFrom(...COLS.map(([c]) => c)), fc.constantFrom(...COLS.map(([c]) => c)))
        .chain(([a, b]) => fc.array(fc.oneof(call(a), call(b)), { minLength: 1, maxLength: 12 }));
      let written = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(input, async (calls) => {
          const s = Session();
          s.deleteWhere(Val, {}, { all: true });
          const objects = [new Val({ i: 1, s: 'one' }), new Val({ i: 2, s: 'two' })];
          for (const o of objects) s.add(o);
          await s.commit();
          const ids = objects.map((o) => o.id);
          await s.close();
          // What each row must hold after the commit: its values at insert, then every accepted call's.
          const want: Rec[] = [
            { i: 1, s: 'one' },
            { i: 2, s: 'two' },
          ];
          const u = Session();
          const results: ReturnType<typeof u.updateWhere>[] = [];
          for (const [col, value, row, form] of calls) {
            const id = form === 'bad id' ? 1.5 : (ids[row] as number);
            const filters: Rec = form === 'null prototype' ? Object.assign(Object.create(null), { id }) : { id };
            const values: Rec = form === 'two columns' && col !== 'i' ? { [col]: value, i: 10 + row } : { [col]: value };
            // An undefined value is left out (the call refused when nothing else is set).
            const ok = form !== 'bad id' && (value === undefined ? Object.keys(values).length > 1 : acceptable(KINDS[col], value));
            let err: unknown;
            try {
              results.push(u.updateWhere(Val, filters as never, values as never));
            } catch (e) {
              err = e;
            }
            if (!ok) {
              expect(err, `${col} ← ${show(value)} (${form})`).toBeInstanceOf(ValidationError);
              refused++;
              continue;
            }
            expect(err, `${col} ← ${show(value)} (${form})`).toBeUndefined();
            for (const [k, v] of Object.entries(values)) if (v !== undefined) (want[row] as Rec)[k] = v;
            written++;
          }
          await u.commit();
          for (const r of results) expect(r.rowsAffected).toBe(1);
          await u.close();
          const r = Session();
          const rows = (await r.select(Val).orderBy({ id: 'asc' }).all()) as unknown as Rec[];
          await r.close();
          rows.forEach((got, k) => {
            for (const [col, kind] of COLS) expectSame(kind, got[col], readBack(kind, (want[k] as Rec)[col] ?? null), `row ${k} ${col}`);
          });
        }),
        { numRuns: RUNS },
      );
      expect(written).toBeGreaterThan(RUNS / 2);
      expect(refused).toBeGreaterThan(RUNS / 10);
    });

    it('a loaded blob is an own copy: an in-place edit of its bytes is written at commit', async () => {
      const { engine, Session } = await setup(target, false);
      await engine.createAll([Val]);
      const s = Session();
      s.add(new Val({ bl: new Uint8Array([1, 2, 3]) }));
      await s.commit();
      await s.close();
      const s2 = Session();
      const [row] = await s2.select(Val).all();
      const bytes = row?.bl as Uint8Array;
      bytes[0] = 9;
      await s2.commit();
      await s2.close();
      const [back] = await Session().select(Val).all();
      expect(back?.bl).toEqual(new Uint8Array([9, 2, 3]));
    });
  });

  describe('values: what other tools stored reads exactly, or raises DataIntegrityError', () => {
    it("every column kind: every storage class planted by raw SQL (the Python template's DDL)", async () => {
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      // Each run plants 1–3 values of every kind (one row per value, that column set) in one batch.
      const perKind = fc.record(
        Object.fromEntries(COLS.map(([col, kind]) => [col, fc.array(plantValue(kind), { minLength: 1, maxLength: 3 })])) as {
          [C in Col]: fc.Arbitrary<Plant[]>;
        },
      );
      await fc.assert(
        fc.asyncProperty(perKind, async (plants) => {
          const rows = COLS.flatMap(([col, kind]) => plants[col].map((p) => ({ col, kind, plant: p })));
          await plantRows(
            driver,
            rows.map((r) => ({ [r.col]: r.plant })),
          );
          const stored = await storedValues(driver);
          // No AUTOINCREMENT in the template's DDL: an emptied table numbers its rows from 1 again.
          const expected = rows.map((r, k) => ({
            ...r,
            id: k + 1,
            want: expectedRead(r.kind, stored.get(k + 1)?.[r.col] as Stored, r.plant),
          }));
          const s = Session();
          const good = expected.filter((e) => e.want !== 'error');
          const read = (await s
            .select(Planted)
            .where({ id: { in: good.map((e) => e.id) } })
            .orderBy({ id: 'asc' })
            .all()) as unknown as Rec[];
          expect(read.map((r) => r.id)).toEqual(good.map((e) => e.id));
          for (const [k, row] of read.entries()) {
            const e = good[k] as (typeof good)[number];
            expectSame(e.kind, row[e.col], (e.want as { value: unknown }).value, `${e.kind} planted ${show(e.plant.param)}`);
          }
          await Promise.all(
            expected
              .filter((e) => e.want === 'error')
              .map(async (e) => {
                const err = await rejectsWith(s.get(Planted, e.id), DataIntegrityError);
                expect(err.message, `${e.kind} planted ${show(e.plant.param)}`).toContain(`planted.${e.col}`);
              }),
          );
          await s.close();
        }),
        { numRuns: RUNS },
      );
    });

    it('NULL in a non-nullable column (created_at and updated_at included) is DataIntegrityError, never null', async () => {
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      const cols = ['i', 'r', 's', 'b', 'ts', 'j', 'bl', 'big', 'created_at', 'updated_at'];
      const full = statement(
        "INSERT INTO planted (i, r, s, b, ts, j, bl, big) VALUES (1, 1.5, 's', 1, '2026-01-01 00:00:00', '{}', x'01', 2)",
      );
      await driver.batch(Array.from({ length: cols.length + 1 }, () => full));
      const [first, ...ids] = await plantIds(driver);
      await driver.batch(cols.map((c, k) => statement(`UPDATE planted SET ${c} = NULL WHERE id = ?`, [ids[k] as number])));
      const s = Session();
      const ok = await s.getOrThrow(PlantedStrict, first as number);
      expect(ok.toDict()).toMatchObject({ i: 1, r: 1.5, s: 's', b: true, j: {}, big: 2n });
      for (const [k, c] of cols.entries()) {
        const e = await rejectsWith(s.get(PlantedStrict, ids[k] as number), DataIntegrityError);
        expect(e.message).toContain(`planted.${c}`);
        expect(e.message).toContain('NULL');
      }
      await s.close();
      // A JSON null is as wrong as SQL NULL in a non-nullable JSON column; a nullable one reads null.
      await driver.execute(statement("UPDATE planted SET j = 'null' WHERE id = ?", [first as number]));
      await rejectsWith(Session().get(PlantedStrict, first as number), DataIntegrityError);
      expect((await Session().getOrThrow(Planted, first as number)).j).toBeNull();
    });

    it("JSON text null in a nullable JSON column (SQLAlchemy's JSON stores None so) reads as null, is not rewritten by a commit, and matches { j: null }", async () => {
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      const planted = ['null', ' null\n', null, '{}', '"null"', '[null]'];
      await driver.batch(
        planted.map((j) =>
          statement("INSERT INTO planted (j, created_at, updated_at) VALUES (?, '2026-01-01 00:00:00', '2026-01-01 00:00:00')", [j]),
        ),
      );
      const before = await driver.execute(
        statement('SELECT id, j, typeof(j), updated_at FROM planted ORDER BY id', [], ['id', 'j', 't', 'u']),
      );
      // A read-only unit of work writes nothing: null equals the stored JSON null.
      const read = await Session.begin(async (s) => (await s.select(Planted).orderBy({ id: 'asc' }).all()).map((p) => p.j));
      expect(read).toEqual([null, null, null, {}, 'null', [null]]);
      const after = await driver.execute(
        statement('SELECT id, j, typeof(j), updated_at FROM planted ORDER BY id', [], ['id', 'j', 't', 'u']),
      );
      expect(after.rows).toEqual(before.rows);
      // Filters mean what the objects show.
      const s = Session();
      const where = (f: Filters<typeof Planted>) => s.select(Planted).where(f).orderBy({ id: 'asc' });
      expect(await where({ j: null }).count()).toBe(3);
      expect(await where({ j: { ne: null } }).count()).toBe(3);
      expect((await where({ j: { ne: null } }).all()).map((p) => p.j)).toEqual([{}, 'null', [null]]);
      expect(await where({ not: { j: null } }).count()).toBe(3);
      // Setting one to a value is still written.
      const first = (await s.select(Planted).where({ j: null }).orderBy({ id: 'asc' }).first()) as Planted;
      first.j = { a: 1 };
      await s.commit();
      expect(await Session().select(Planted).where({ j: null }).count()).toBe(2);
      await s.close();
    });

    it('integers beyond ±(2^53 − 1) and non-integral reals in an integer column raise, also in a model without bigint columns', async () => {
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      const values: Plant[] = [
        { expr: 'CAST(? AS INTEGER)', param: '9007199254740993' },
        { expr: 'CAST(? AS INTEGER)', param: '-9007199254740992' },
        { expr: '?', param: 1.5 },
        { expr: 'CAST(? AS INTEGER)', param: '9007199254740991' },
      ];
      await plantRows(
        driver,
        values.map((i) => ({ i })),
      );
      const ids = await plantIds(driver);
      const s = Session();
      for (const id of ids.slice(0, 3)) {
        await rejectsWith(s.get(PlantedInt, id), DataIntegrityError);
        await rejectsWith(s.get(Planted, id), DataIntegrityError);
      }
      expect((await s.getOrThrow(PlantedInt, ids[3] as number)).i).toBe(Number.MAX_SAFE_INTEGER);
      // The same values read exactly through a bigint column.
      await driver.execute(statement('UPDATE planted SET big = i, i = NULL WHERE typeof(i) = ?', ['integer']));
      expect((await Session().getOrThrow(Planted, ids[0] as number)).big).toBe(9007199254740993n);
    });

    it("JSON numbers that SQLAlchemy's NUMERIC affinity made of JSON text read in a model with a bigint column (get and select)", async () => {
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      const texts = ['12', '-7', '1.5', '"12"', '[1,2]', '{"n":3}', 'true', '9007199254740993'];
      await plantRows(
        driver,
        texts.map((j) => ({ j: { expr: '?', param: j }, big: { expr: 'CAST(? AS INTEGER)', param: '9223372036854775807' } })),
      );
      const want = texts.map((text) => JSON.parse(text));
      const s = Session();
      const rows = await s.select(Planted).orderBy({ id: 'asc' }).all();
      expect(rows.map((r) => r.j)).toEqual(want);
      expect(rows.every((r) => r.big === 9223372036854775807n)).toBe(true);
      await s.close();
      for (const [k, id] of (await plantIds(driver)).entries()) expect((await Session().getOrThrow(Planted, id)).j).toEqual(want[k]);
    });

    it('a wrong value assigned to a loaded object is a ValidationError at commit, never a RangeError', async () => {
      const { engine, Session } = await setup(target, false);
      await engine.createAll([Val]);
      const s = Session();
      s.add(new Val({ i: 1, big: 5n }));
      await s.commit();
      await s.close();
      for (const [col, bad] of [
        ['i', 1.5],
        ['big', 1.5],
        ['i', 2 ** 53],
        ['big', 2n ** 64n],
        ['big', '5'],
      ] as const) {
        const s2 = Session();
        const [row] = (await s2.select(Val).all()) as unknown as Rec[];
        (row as Rec)[col] = bad;
        await rejectsWith(s2.commit(), ValidationError);
        await s2.close();
      }
    });
  });

  describe('values: a .check() schema with an async refine', () => {
    it('is a typed error on every path (add, insertMany, updateWhere, filters, raw rows), never a raw zod error; nothing is written', async () => {
      const { engine, Session } = await setup(target, false);
      await engine.createAll([Nick]);
      const s = Session();
      let e1: unknown;
      try {
        new Nick({ nick: 'ada' });
      } catch (e) {
        e1 = e;
      }
      expect(e1).toBeInstanceOf(ValidationError);
      expect((e1 as ValidationError).issues[0]?.message).toContain('async check');
      expect(() => s.insertMany(Nick, [{ nick: 'bob' }])).toThrow(ValidationError);
      expect(() => s.updateWhere(Nick, { id: 1 }, { nick: 'cy' })).toThrow(ValidationError);
      await rejectsWith(s.select(Nick).where({ nick: 'ada' }).count(), ValidationError);
      await rejectsWith(
        s.execute(sql`SELECT 'x' AS v`, { schema: z.object({ v: z.string().refine(async () => true) }) }),
        DataIntegrityError,
      );
      expect(await s.select(Nick).count()).toBe(0);
      await s.close();
    });
  });

  describe('values: increment() keeps every column in range, or is refused and nothing is written', () => {
    it('sums a column cannot hold (past ±(2^53 − 1), to ±Infinity, past int64, outside .check() bounds) are ValidationError; the batch writes nothing', async () => {
      const { engine, Session } = await setup(target, false);
      await engine.createAll([Gauge]);
      const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
      const I64 = 2n ** 63n;
      /** The stored value after `old + amount`, or undefined when the column cannot hold it. */
      const next: Record<GaugeCol, (old: unknown, amount: number | bigint) => unknown> = {
        n: (old, a) =>
          old === null
            ? null
            : BigInt(old as number) + BigInt(a) <= SAFE && BigInt(old as number) + BigInt(a) >= -SAFE
              ? (old as number) + Number(a)
              : undefined,
        r: (old, a) => {
          const v = (old as number) + Number(a);
          return Number.isFinite(v) ? (v === 0 ? 0 : v) : undefined;
        },
        big: (old, a) => {
          const v = (old as bigint) + BigInt(a);
          return v < I64 && v >= -I64 ? v : undefined;
        },
        stock: (old, a) => {
          const v = (old as number) + Number(a);
          return v >= 0 && v <= 100 ? v : undefined;
        },
      };
      const amount: Record<GaugeCol, fc.Arbitrary<number | bigint>> = {
        n: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 52)),
        r: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e308, max: 1e308 }), fc.constantFrom(1e308, -1e308, 0.5)),
        big: fc.oneof(fc.bigInt({ min: -3n, max: 3n }), fc.constantFrom(I64 - 1n, -I64, 2n ** 62n)),
        stock: fc.integer({ min: -60, max: 60 }),
      };
      const step = fc.oneof(...(Object.keys(amount) as GaugeCol[]).map((col) => amount[col].map((a) => ({ col, a }))));
      await fc.assert(
        fc.asyncProperty(
          fc.record({ n: fc.option(fc.integer({ min: -10, max: 10 }), { nil: null }), stock: fc.integer({ min: 0, max: 100 }) }),
          fc.array(fc.array(step, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
          async (start, units) => {
            const w = Session();
            w.deleteWhere(Gauge, {}, { all: true });
            const g = new Gauge({ n: start.n, r: 1e308 / 2, big: 2n ** 62n, stock: start.stock });
            w.add(g);
            await w.commit();
            await w.close();
            let model: Record<GaugeCol, unknown> = { n: start.n, r: 1e308 / 2, big: 2n ** 62n, stock: start.stock };
            for (const unit of units) {
              // One commit per unit: every increment in it applies, or none.
              let after: Record<GaugeCol, unknown> | undefined = { ...model };
              for (const { col, a } of unit) {
                const v: unknown = after && next[col](after[col], a);
                after = v === undefined || after === undefined ? undefined : { ...after, [col]: v };
              }
              const s = Session();
              for (const { col, a } of unit) s.updateWhere(Gauge, { id: g.id }, { [col]: increment(a as never) } as never);
              if (after === undefined) await rejectsWith(s.commit(), ValidationError);
              else {
                await s.commit();
                model = after;
              }
              await s.close();
              const stored = (await Session().getOrThrow(Gauge, g.id)).toDict();
              expect({ n: stored.n, r: stored.r, big: stored.big, stock: stored.stock }).toEqual(model);
            }
          },
        ),
        { numRuns: RUNS },
      );
      // A .check() SQL cannot state: refused when queued.
      const s = Session();
      expect(() => s.updateWhere(Gauge, { id: 1 }, { odd: increment(2) })).toThrow(ValidationError);
      // The amount is a number of the column's kind; the bounds apply to the sum, not to it.
      const g = new Gauge({ n: 0, r: 0, big: 0n, stock: 100 });
      s.add(g);
      await s.commit();
      s.updateWhere(Gauge, { id: g.id }, { stock: increment(-100) });
      await s.commit();
      expect((await Session().getOrThrow(Gauge, g.id)).stock).toBe(0);
      await s.close();
    });
  });

  describe('values: filters and ORDER BY mean what JavaScript means', () => {
    it('every filterable kind: each operator returns the rows a JavaScript filter over the read values returns', async () => {
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      const filterable = COLS.filter(([, kind]) => kind !== 'json');
      // A few instants per run, each written in several layouts and offsets; small domains, so rows and
      // operands coincide often. Every run fills every filterable column and checks 2–3 operators on each.
      const instants = fc.array(
        fc
          .oneof(
            fc.integer({ min: -2_208_988_800_000, max: 4_102_444_800_000 }),
            fc.constantFrom(MIN_MS + 2 * 86_400_000, MAX_MS - 2 * 86_400_000),
          )
          .map((ms) => (ms % 3 === 0 ? ms - (ms % 60_000) : ms)),
        { minLength: 1, maxLength: 3 },
      );
      const scenario = instants.chain((pool) => {
        const domains = filterable.map(([col, kind]) => [col, kind, domain(kind, pool)] as const);
        const row = fc.tuple(...domains.map(([, , d]) => d.stored));
        const checks = fc.tuple(
          ...domains.map(([col, kind, d]) =>
            operands(kind, d)
              .chain((all) => fc.shuffledSubarray(all, { minLength: 2, maxLength: 3 }))
              .map((ops) => ({ col, kind, ops })),
          ),
        );
        return fc.tuple(fc.array(row, { maxLength: 7 }), checks, fc.constantFrom(...filterable));
      });
      await fc.assert(
        fc.asyncProperty(scenario, async ([plantedRows, checks, [orderCol, orderKind]]) => {
          await plantRows(
            driver,
            plantedRows.map((r) => Object.fromEntries(filterable.map(([col], k) => [col, r[k] as Plant]))),
          );
          const s = Session();
          const all = (await s.select(Planted).orderBy({ id: 'asc' }).all()) as unknown as Rec[];
          const work = checks.flatMap(({ col, kind, ops }) => ops.map(([op, operand]) => ({ col, kind, op, operand })));
          const results = await Promise.all(
            work.map(async (w) => ({
              ...w,
              got: (
                (await s
                  .select(Planted)
                  .where({ [w.col]: { [w.op]: w.operand } } as never)
                  .all()) as unknown as Rec[]
              )
                .map((r) => r.id as number)
                .sort((a, b) => a - b),
            })),
          );
          for (const { col, kind, op, operand, got } of results) {
            const want = all.filter((r) => jsMatch(kind, op, r[col], operand)).map((r) => r.id as number);
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              throw new Error(
                `${col} ${op} ${show(operand)} over [${all.map((r) => show(r[col])).join(', ')}]: got ids ${got}, expected ${want}`,
              );
            }
          }
          const first = results[0] as (typeof results)[number];
          expect(
            await s
              .select(Planted)
              .where({ [first.col]: { [first.op]: first.operand } } as never)
              .count(),
          ).toBe(first.got.length);
          const ordered = (
            (await s
              .select(Planted)
              .orderBy({ [orderCol]: 'asc' } as never)
              .all()) as unknown as Rec[]
          ).map((r) => r[orderCol]);
          const sorted = all.map((r) => r[orderCol]).sort((a, b) => jsOrder(orderKind, a, b));
          for (const [k, v] of ordered.entries()) expectSame(orderKind, v, sorted[k], `ORDER BY ${orderCol} position ${k}`);
          await s.close();
        }),
        { numRuns: RUNS },
      );
    });

    it('JSON: eq, ne, distinct() and count(col) compare values, whatever whitespace or number spelling the text was written with', async () => {
      // "Equal" is: JSON.stringify of the values read is the same (key order significant, as for dirty
      // tracking), with SQL NULL and the text null one value (null). Stored texts vary in whitespace between
      // tokens (Python's json.dumps writes `{"a": 1}`) and, for a top-level number, in its spelling (`1.0`, `1e0`).
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      const WS = ['', ' ', '\n', '\t', '\r\n  ', '  '];
      const layout = (v: unknown, ws: readonly number[], top: boolean): string => {
        let k = 0;
        const w = (): string => WS[(ws[k++ % ws.length] as number) % WS.length] as string;
        const go = (x: unknown, isTop: boolean): string => {
          if (Array.isArray(x)) return `[${w()}${x.map((e) => `${w()}${go(e, false)}${w()}`).join(',')}${w()}]`;
          if (x !== null && typeof x === 'object')
            return `{${w()}${Object.entries(x)
              .map(([key, e]) => `${w()}${JSON.stringify(key)}${w()}:${w()}${go(e, false)}${w()}`)
              .join(',')}${w()}}`;
          if (isTop && typeof x === 'number' && Number.isInteger(x) && Math.abs(x) < 1e15) {
            const spelled = [String(x), `${x}.0`, `${x}e0`, `${x}.00E+0`];
            return spelled[(ws[0] ?? 0) % spelled.length] as string;
          }
          return JSON.stringify(x);
        };
        return `${w()}${go(v, top)}${w()}`;
      };
      const value = fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom<unknown>({ a: 1 }, { b: 1, a: 2 }, [1, 2], 1, 0, 'x', true, { '1': 1, b: [] }),
      );
      const stored = fc.oneof(
        { weight: 6, arbitrary: fc.tuple(value, fc.array(fc.nat(11), { minLength: 1, maxLength: 8 })) },
        { weight: 1, arbitrary: fc.constant(['SQL NULL', []] as const) },
        { weight: 1, arbitrary: fc.tuple(fc.constant(null), fc.array(fc.nat(11), { minLength: 1, maxLength: 4 })) },
      );
      const keyOf = (v: unknown): string => (v === null ? 'null' : JSON.stringify(v));
      await fc.assert(
        fc.asyncProperty(fc.array(stored, { minLength: 1, maxLength: 6 }), fc.array(value, { maxLength: 2 }), async (rows, extra) => {
          await plantRows(
            driver,
            rows.map(([v, ws]) => ({
              j: v === 'SQL NULL' ? { expr: '?', param: null } : { expr: '?', param: layout(v, ws as number[], true) },
            })),
          );
          const s = Session();
          try {
            const read = await s.select(Planted).orderBy({ id: 'asc' }).all();
            const keys = read.map((o) => keyOf(o.j));
            for (const [i, o] of read.entries()) {
              const want = rows[i]?.[0];
              expect(keyOf(o.j), 'the value read').toBe(want === 'SQL NULL' ? 'null' : keyOf(want));
            }
            // Probes: every value read (each must find its own row) and a few others.
            for (const probe of [...read.map((o) => o.j), ...extra] as (typeof read)[number]['j'][]) {
              const k = keyOf(probe);
              const same = read.filter((_, i) => keys[i] === k).map((o) => o.id);
              const eqIds = (
                await s
                  .select(Planted)
                  .where({ j: { eq: probe } })
                  .orderBy({ id: 'asc' })
                  .all()
              ).map((o) => o.id);
              expect(eqIds, `eq ${k}`).toEqual(same);
              expect(
                await s
                  .select(Planted)
                  .where({ j: { ne: probe } })
                  .count(),
                `ne ${k}`,
              ).toBe(read.length - same.length);
              if (probe !== null && (typeof probe !== 'object' || Array.isArray(probe))) {
                expect(
                  (
                    await s
                      .select(Planted)
                      .where({ j: probe } as Filters<Planted>)
                      .all()
                  ).map((o) => o.id),
                  `shorthand ${k}`,
                ).toEqual(same);
              }
            }
            const distinct = new Set(keys);
            const projected = await s.select(Planted, ['j']).distinct().all();
            expect(projected.map((r) => keyOf(r.j)).sort(), 'distinct()').toEqual([...distinct].sort());
            expect(await s.select(Planted, ['j']).distinct().count(), 'distinct().count()').toBe(distinct.size);
            const nonNull = keys.filter((k) => k !== 'null').length;
            expect(
              await s
                .select(Planted)
                .where({ j: { isNull: false } })
                .count(),
            ).toBe(nonNull);
            expect(
              (
                await s
                  .select(Planted)
                  .aggregate({ c: count('j') })
                  .one()
              )?.c,
              "count('j')",
            ).toBe(nonNull);
          } finally {
            await s.close();
          }
        }),
        { numRuns: RUNS },
      );
    });

    it('timestamps: equal instants written in different layouts and offsets are equal to eq and in', async () => {
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      const at = Date.UTC(2026, 10, 22, 3, 4, 5, 0);
      const texts = [
        '2026-11-22 03:04:05',
        '2026-11-22 03:04:05.000000',
        '2026-11-22T03:04:05Z',
        '2026-11-22T05:04:05+02:00',
        '2026-11-21T23:34:05-03:30',
        renderInstant(at, { sep: 'T', precision: 'fraction', extraDigits: 6, zone: 'z', offset: 0 }),
      ];
      await plantRows(
        driver,
        texts.map((text) => ({ ts: { expr: '?', param: text } })),
      );
      const s = Session();
      expect(
        await s
          .select(Planted)
          .where({ ts: new Date(at) })
          .count(),
      ).toBe(texts.length);
      expect(
        await s
          .select(Planted)
          .where({ ts: { in: [new Date(at)] } })
          .count(),
      ).toBe(texts.length);
      expect(
        await s
          .select(Planted)
          .where({ ts: { gte: new Date(at) } })
          .count(),
      ).toBe(texts.length);
      expect(
        await s
          .select(Planted)
          .where({ ts: { lt: new Date(at + 1) } })
          .count(),
      ).toBe(texts.length);
      expect(
        await s
          .select(Planted)
          .where({ ts: { gt: new Date(at) } })
          .count(),
      ).toBe(0);
      await s.close();
    });
  });
}

async function plantIds(driver: Driver): Promise<number[]> {
  const res = await driver.execute(statement('SELECT id FROM planted ORDER BY id', [], ['id']));
  return res.rows.map((r) => Number(r[0]));
}
