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
import { DataIntegrityError, type Driver, declarativeBase, type SqlValue, type Statement, sql, t, ValidationError } from '@litedao/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
  writeValue,
} from './value-arbitraries.ts';

/** Every column kind, nullable, in a table litedao creates. */
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

const COLS = Object.entries(KINDS) as [Col, Kind][];
type Rec = Record<string, unknown>;

const statement = (sql: string, params: readonly SqlValue[] = [], columns?: readonly string[]): Statement =>
  columns ? { sql, params, returnsRows: true, columns, readOnly: true } : { sql, params, returnsRows: false };

/** Replaces the rows of `planted` with one row per plant (in `col`), in one atomic batch; returns the ids in order. */
async function plant(driver: Driver, col: Col, plants: readonly Plant[]): Promise<number[]> {
  await driver.batch([
    statement('DELETE FROM planted'),
    ...plants.map((p) => statement(`INSERT INTO planted (${col}) VALUES (${p.expr})`, [p.param])),
  ]);
  const res = await driver.execute(statement('SELECT id FROM planted ORDER BY id', [], ['id']));
  return res.rows.map((r) => Number(r[0]));
}

/** SQLite's own view of each stored value of `col`, by id. */
async function storedValues(driver: Driver, col: Col): Promise<Map<number, Stored>> {
  const res = await driver.execute(
    statement(
      `SELECT id, typeof(${col}), CAST(${col} AS TEXT), CASE WHEN typeof(${col}) = 'real' THEN ${col} END, hex(${col}), ` +
        `CASE WHEN typeof(${col}) = 'text' THEN unixepoch(${col}, 'subsec') END FROM planted`,
      [],
      ['id', 'type', 'text', 'real', 'hex', 'u'],
    ),
  );
  const out = new Map<number, Stored>();
  for (const [id, type, text, real, hex, u] of res.rows) {
    out.set(Number(id), {
      type: type as Stored['type'],
      text: text as string | null,
      real: real as number | null,
      hex: String(hex),
      ms: u === null || u === undefined ? null : Math.round(Number(u) * 1000),
    });
  }
  return out;
}

function expectSame(kind: Kind, got: unknown, want: unknown, where: string): void {
  if (!sameValue(kind, got, want)) {
    throw new Error(`${where}: read ${show(got)}, expected ${show(want)}`);
  }
  if (kind === 'blob' && got !== null) expect((got as Uint8Array).constructor).toBe(Uint8Array);
}

function show(v: unknown): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (v instanceof Uint8Array) return `bytes[${[...v].join(',')}]`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function valuesTests(target: ConformanceTarget): void {
  const RUNS = fcRuns();

  describe('values: write → read is exact, or the write is refused before anything is sent', () => {
    for (const [col, kind] of COLS) {
      it(`${kind}: inserts and dirty-tracked updates read back exactly, or raise ValidationError`, async () => {
        const { engine, Session } = await setup(target, false);
        await engine.createAll([Val]);
        await fc.assert(
          fc.asyncProperty(
            fc.array(writeValue(kind), { minLength: 1, maxLength: 5 }),
            fc.array(writeValue(kind), { minLength: 1, maxLength: 5 }),
            async (firsts, seconds) => {
              const s = Session();
              await s.execute(sql`DELETE FROM vals`);
              const kept: unknown[] = [];
              for (const v of firsts) {
                let obj: Val;
                try {
                  obj = new Val({ [col]: v } as never);
                } catch (e) {
                  expect(e, show(v)).toBeInstanceOf(ValidationError);
                  expect(acceptable(kind, v), `refused ${show(v)}`).toBe(false);
                  continue;
                }
                expect(acceptable(kind, v), `accepted ${show(v)}`).toBe(true);
                s.add(obj);
                kept.push(v);
              }
              await s.commit();
              await s.close();

              const s2 = Session();
              const rows = (await s2.select(Val).orderBy({ id: 'asc' }).all()) as unknown as Rec[];
              expect(rows).toHaveLength(kept.length);
              for (const [k, row] of rows.entries()) expectSame(kind, row[col], readBack(kind, kept[k]), `row ${k}`);
              // Changes to loaded objects: dirty tracking compares, encodes and writes, or refuses the whole commit.
              const next = rows.map((_, k) => seconds[k % seconds.length]);
              rows.forEach((row, k) => {
                row[col] = next[k];
              });
              const allGood = next.every((v) => acceptable(kind, v));
              if (allGood) await s2.commit();
              else {
                await rejectsWith(s2.commit(), ValidationError);
                s2.rollback();
              }
              await s2.close();
              const s3 = Session();
              const again = (await s3.select(Val).orderBy({ id: 'asc' }).all()) as unknown as Rec[];
              for (const [k, row] of again.entries()) {
                expectSame(kind, row[col], readBack(kind, allGood ? next[k] : kept[k]), `updated row ${k}`);
              }
              await s3.close();
            },
          ),
          { numRuns: RUNS },
        );
      });
    }

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
    for (const [col, kind] of COLS) {
      it(`${kind}: every storage class planted by raw SQL (the Python template's DDL)`, async () => {
        const { driver, Session } = await setup(target, false);
        await driver.execute(statement(PLANTED_DDL));
        await fc.assert(
          fc.asyncProperty(fc.array(plantValue(kind), { minLength: 1, maxLength: 5 }), async (plants) => {
            const ids = await plant(driver, col, plants);
            const stored = await storedValues(driver, col);
            const expected = ids.map((id, k) => ({ id, want: expectedRead(kind, stored.get(id) as Stored, plants[k] as Plant) }));
            const s = Session();
            const good = expected.filter((e) => e.want !== 'error');
            const rows = (await s
              .select(Planted)
              .where({ id: { in: good.map((e) => e.id) } })
              .orderBy({ id: 'asc' })
              .all()) as unknown as Rec[];
            expect(rows.map((r) => r.id)).toEqual(good.map((e) => e.id));
            rows.forEach((row, k) => {
              const want = good[k]?.want as { value: unknown };
              expectSame(kind, row[col], want.value, `planted ${show(plants[ids.indexOf(row.id as number)]?.param)}`);
            });
            for (const e of expected) {
              if (e.want !== 'error') continue;
              const err = await rejectsWith(s.get(Planted, e.id), DataIntegrityError);
              expect(err.message).toContain(`planted.${col}`);
            }
            await s.close();
          }),
          { numRuns: RUNS },
        );
      });
    }

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

    it('integers beyond ±(2^53 − 1) and non-integral reals in an integer column raise, also in a model without bigint columns', async () => {
      const { driver, Session } = await setup(target, false);
      await driver.execute(statement(PLANTED_DDL));
      const ids = await plant(driver, 'i', [
        { expr: 'CAST(? AS INTEGER)', param: '9007199254740993' },
        { expr: 'CAST(? AS INTEGER)', param: '-9007199254740992' },
        { expr: '?', param: 1.5 },
        { expr: 'CAST(? AS INTEGER)', param: '9007199254740991' },
      ]);
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

  describe('values: filters and ORDER BY mean what JavaScript means', () => {
    const filterable = COLS.filter(([, kind]) => kind !== 'json');
    for (const [col, kind] of filterable) {
      it(`${kind}: each operator returns the rows a JavaScript filter over the read values returns`, async () => {
        const { driver, Session } = await setup(target, false);
        await driver.execute(statement(PLANTED_DDL));
        // A few instants per run, each written in several layouts and offsets (timestamps only).
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
          const d = domain(kind, pool);
          return fc.tuple(fc.array(d.stored, { minLength: 0, maxLength: 7 }), operands(kind, d));
        });
        await fc.assert(
          fc.asyncProperty(scenario, async ([plants, ops]) => {
            await plant(driver, col, plants);
            const s = Session();
            const all = (await s.select(Planted).orderBy({ id: 'asc' }).all()) as unknown as Rec[];
            if (kind === 'timestamp') {
              // Sanity: the planted layouts are ones litedao reads, as the instants they were written for.
              for (const p of plants) if (p.param !== null) expect(typeof p.param).toBe('string');
            }
            const values = all.map((r) => ({ id: r.id as number, v: r[col] }));
            const results = await Promise.all(
              ops.map(async ([op, operand]) => {
                const got = (
                  (await s
                    .select(Planted)
                    .where({ [col]: { [op]: operand } } as never)
                    .all()) as unknown as Rec[]
                ).map((r) => r.id as number);
                return { op, operand, got: got.sort((a, b) => a - b) };
              }),
            );
            for (const { op, operand, got } of results) {
              const want = values.filter((x) => jsMatch(kind, op, x.v, operand)).map((x) => x.id);
              if (JSON.stringify(got) !== JSON.stringify(want)) {
                throw new Error(
                  `${col} ${op} ${show(operand)} over [${values.map((x) => show(x.v)).join(', ')}] ` +
                    `(stored ${plants.map((p) => show(p.param)).join(', ')}): got ids ${got}, expected ${want}`,
                );
              }
            }
            const count = await s
              .select(Planted)
              .where({ [col]: { isNull: false } } as never)
              .count();
            expect(count).toBe(values.filter((x) => x.v !== null).length);
            const ordered = (
              (await s
                .select(Planted)
                .orderBy({ [col]: 'asc' } as never)
                .all()) as unknown as Rec[]
            ).map((r) => r[col]);
            const sorted = values.map((x) => x.v).sort((a, b) => jsOrder(kind, a, b));
            for (const [k, v] of ordered.entries()) expectSame(kind, v, sorted[k], `ORDER BY ${col} position ${k}`);
            await s.close();
          }),
          { numRuns: RUNS },
        );
      });
    }

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
      await plant(
        driver,
        'ts',
        texts.map((text) => ({ expr: '?', param: text })),
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
