/**
 * The updated_at trigger's condition (`touchConditionSql`) against the full instant comparison it shortcuts,
 * evaluated by SQLite (better-sqlite3) over generated timestamps: around "now" (where the shortcut is taken),
 * in every layout the reader accepts, in the Python template's layout, with fields out of range, and as
 * litedao's own write (`TOUCH_SQL`'s value) or exactly "now".
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp } from '../src/codec.ts';
import { canonicalTimestampSql, NOW_SQL, STATEMENT_NOW_SQL, TOUCH_SQL } from '../src/compile.ts';
import { touchConditionSql, touchTriggerSql } from '../src/ddl.ts';

const RUNS = Number(process.env.LITEDAO_FC_RUNS ?? 300);

const db = new Database(':memory:');
afterAll(() => db.close());

/** The condition as it was before the shortcut: every row compared as instants (the specification). */
function fullConditionSql(newUpdated: string, oldUpdated: string, newCreated: string): string {
  const floor = `max(coalesce(${canonicalTimestampSql(oldUpdated)}, ''), coalesce(${canonicalTimestampSql(newCreated)}, ''))`;
  return `${newUpdated} IS ${oldUpdated} OR coalesce(${canonicalTimestampSql(newUpdated)}, '') < ${floor}`;
}

/** How the new value is written: a text, exactly "now", or litedao's own `max(now, old, created)`. */
type NewValue = { readonly text: string } | { readonly sql: 'now' | 'litedao' };

const compare = db.prepare(
  `SELECT (${touchConditionSql('nu', 'ou', 'nc')}) AS fast, (${fullConditionSql('nu', 'ou', 'nc')}) AS full, ` +
    `(nu = ${NOW_SQL}) AS isNow FROM (SELECT CASE :kind WHEN 'now' THEN ${NOW_SQL} ` +
    `WHEN 'litedao' THEN (SELECT ${TOUCH_SQL} FROM (SELECT :ou AS "updated_at", :nc AS "created_at")) ` +
    `ELSE :nu END AS nu, :ou AS ou, :nc AS nc)`,
);

function decide(nu: NewValue, ou: string, nc: string): { fast: number; full: number; isNow: number } {
  const kind = 'sql' in nu ? nu.sql : 'text';
  return compare.get({ kind, nu: 'text' in nu ? nu.text : null, ou, nc }) as { fast: number; full: number; isNow: number };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A text for an instant near now, in one of the layouts writers use. */
const nearNow = fc
  .record({
    delta: fc.oneof(fc.integer({ min: -3_000, max: 3_000 }), fc.integer({ min: -9 * 86_400_000, max: 9 * 86_400_000 })),
    layout: fc.constantFrom('stored', 'stored', 'stored', 'micro', 'python', 'iso', 'offset', 'date'),
    micro: fc.integer({ min: 0, max: 999 }),
    offsetMin: fc.integer({ min: -14 * 60, max: 14 * 60 }),
  })
  .map(({ delta, layout, micro, offsetMin }) => {
    const d = new Date(Date.now() + delta);
    const stored = formatTimestamp(d); // YYYY-MM-DD HH:MM:SS.mmm000
    switch (layout) {
      case 'stored':
        return stored;
      case 'micro':
        return `${stored.slice(0, 23)}${pad(micro, 3)}`;
      case 'python':
        return stored.slice(0, 19);
      case 'iso':
        return `${stored.slice(0, 10)}T${stored.slice(11, 23)}Z`;
      case 'date':
        return stored.slice(0, 10);
      default: {
        // The same wall-clock text with an offset: another instant, text order no longer instant order.
        const sign = offsetMin < 0 ? '-' : '+';
        const a = Math.abs(offsetMin);
        return `${stored.slice(0, 19)}${sign}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
      }
    }
  });

/** Texts that are no timestamp to the reader, or only to SQLite, or are not text-like at all. */
const odd = fc.oneof(
  fc.constantFrom('', 'now', 'garbage', '2460000.5', ' 2470000', '9999-12-31 23:59:59.999999', '0000-01-01 00:00:00.000000'),
  fc.constantFrom('2026-13-01 00:00:00.000000', '2026-00-10 00:00:00.000000', '2026-12-32 00:00:00.000000', '2026-12-01 25:00:00.000000'),
  fc.string({ maxLength: 30 }),
);

const anyText = fc.oneof({ weight: 6, arbitrary: nearNow }, { weight: 1, arbitrary: odd });

const newValue: fc.Arbitrary<NewValue> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ sql: 'litedao' } as const) },
  { weight: 2, arbitrary: fc.constant({ sql: 'now' } as const) },
  { weight: 4, arbitrary: anyText.map((text) => ({ text })) },
);

/**
 * A text the reader refuses but SQLite reads as a later instant (a day past its month's end, hour 24): the
 * one case where the shortcut compares text instead (docs/design.md). Such a value is no timestamp to litedao.
 */
function rollsForward(text: string): boolean {
  if (parseTimestamp(text) !== undefined) return false;
  return /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/.test(text) && db.prepare(`SELECT ${canonicalTimestampSql('?')} AS c`).get(text) !== null;
}

describe('updated_at trigger condition', () => {
  it("keeps its GLOB patterns, and TOUCH_SQL's, within D1's 50-byte pattern limit", () => {
    const patterns = [...`${touchTriggerSql('t')} ${TOUCH_SQL}`.matchAll(/GLOB '([^']*)'/g)].map((m) => m[1] as string);
    expect(patterns.length).toBeGreaterThan(2);
    for (const p of patterns) expect(new TextEncoder().encode(p).length, p).toBeLessThanOrEqual(50);
  });

  it('fires exactly when the full instant comparison does (generated, evaluated by SQLite)', () => {
    let shortcut = 0;
    fc.assert(
      fc.property(newValue, anyText, anyText, (nu, ou, nc) => {
        const r = decide(nu, ou, nc);
        if (r.isNow === 1 && r.fast === 0) shortcut++;
        if (rollsForward(ou) || rollsForward(nc)) return;
        expect(!!r.fast, JSON.stringify({ nu, ou, nc })).toBe(!!r.full);
      }),
      { numRuns: RUNS * 5 },
    );
    // The shortcut itself was exercised (litedao's own writes over stored-layout values).
    expect(shortcut).toBeGreaterThan(0);
  });

  it('decides the shortcut with the cheap "now" (STATEMENT_NOW_SQL) and parses nothing', () => {
    const condition = touchConditionSql('nu', 'ou', 'nc');
    const shortcut = condition.slice(0, condition.indexOf(', 0)'));
    expect(shortcut).toContain(`nu = ${STATEMENT_NOW_SQL}`);
    expect(shortcut.replace(STATEMENT_NOW_SQL, '')).not.toMatch(/'now'|strftime|datetime/);
  });

  it("does not fire for litedao's own write over rows litedao wrote (the shortcut), nor does the full comparison", () => {
    const before = formatTimestamp(new Date(Date.now() - 60_000));
    const r = decide({ sql: 'litedao' }, before, before);
    expect(r).toEqual({ fast: 0, full: 0, isNow: 1 });
  });

  it('fires for an update that left updated_at unchanged or moved it backwards, in any layout', () => {
    const now = formatTimestamp(new Date());
    expect(decide({ text: now }, now, now).fast).toBe(1);
    expect(decide({ text: '2001-01-01 00:00:00' }, now, now).fast).toBe(1);
    // The template's whole-second CURRENT_TIMESTAMP, earlier than litedao's millisecond created_at.
    const created = formatTimestamp(new Date(Date.now() + 1500));
    expect(decide({ sql: 'now' }, created.slice(0, 19), created).fast).toBe(1);
    // An old value whose text is lower but whose instant is later (an offset west of UTC).
    const later = `${formatTimestamp(new Date(Date.now() - 3_600_000)).slice(0, 19)}-05:00`;
    expect(decide({ sql: 'now' }, later, now.slice(0, 10)).fast).toBe(1);
  });
});

/** The rule TOUCH_SQL implements, without its shortcut: now, never earlier than either stored instant. */
const fullTouchSql = `max(${NOW_SQL}, coalesce(${canonicalTimestampSql(':ou')}, ''), coalesce(${canonicalTimestampSql(':nc')}, ''))`;
const touch = db.prepare(
  `SELECT t.v AS value, ${fullTouchSql} AS full, t.v = ${NOW_SQL} AS isNow FROM (SELECT ${TOUCH_SQL} AS v FROM (SELECT :ou AS "updated_at", :nc AS "created_at")) AS t`,
);

describe("updated_at written by litedao's updates (TOUCH_SQL)", () => {
  it('is the full rule — now, never earlier than the stored instants — for every layout (generated, evaluated by SQLite)', () => {
    let shortcut = 0;
    fc.assert(
      fc.property(anyText, anyText, (ou, nc) => {
        const r = touch.get({ ou, nc }) as { value: string; full: string; isNow: number };
        if (rollsForward(ou) || rollsForward(nc)) return;
        expect(r.value, JSON.stringify({ ou, nc })).toBe(r.full);
        if (r.isNow === 1 && ou < r.value) shortcut++;
      }),
      { numRuns: RUNS * 5 },
    );
    expect(shortcut).toBeGreaterThan(0);
  });

  it("keeps a stored value later than now (another writer's clock), and rounds it as the instant it is", () => {
    const later = new Date(Date.now() + 60_000);
    const stored = formatTimestamp(later);
    expect((touch.get({ ou: stored, nc: stored }) as { value: string }).value).toBe(stored);
    // Six digits of a microsecond fraction (the Python template's datetime): the full rule's millisecond instant.
    const micro = `${stored.slice(0, 23)}600`;
    expect((touch.get({ ou: micro, nc: stored }) as { value: string }).value).toBe(
      (db.prepare(`SELECT ${canonicalTimestampSql('?')} AS c`).get(micro) as { c: string }).c,
    );
  });
});

describe('"now" in the statements litedao sends (STATEMENT_NOW_SQL)', () => {
  // Both texts with "now" replaced by the same generated instant (unix milliseconds, as SQLite's clock has).
  const at = (sql: string) => sql.replaceAll("'now'", ":t, 'unixepoch'");
  const both = db.prepare(
    `SELECT ${at(STATEMENT_NOW_SQL)} AS fast, ${at(NOW_SQL)} AS schema, datetime(:t, 'unixepoch', 'subsec') AS direct`,
  );

  it("is the schema's NOW_SQL text, instant for instant, over years 0000–9999 (generated, evaluated by SQLite)", () => {
    const ms = fc.oneof(
      fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
      fc.integer({ min: -5_000_000, max: 5_000_000 }).map((d) => Date.now() + d),
      fc.constantFrom(0, 999, 1000, 59_999, 86_399_999, 951_782_399_999, 253_402_300_799_999, -62_167_219_200_000),
    );
    fc.assert(
      fc.property(ms, (t) => {
        const r = both.get({ t: t / 1000 }) as { fast: string | null; schema: string | null; direct: string | null };
        // The fast form was the one evaluated (this SQLite has `subsec`), and agrees.
        expect(r.direct, String(t)).not.toBeNull();
        expect(r.fast, String(t)).toBe(r.schema);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('is the same text as NOW_SQL inside one statement', () => {
    const r = db.prepare(`SELECT ${STATEMENT_NOW_SQL} AS fast, ${NOW_SQL} AS schema`).get() as { fast: string; schema: string };
    expect(r.fast).toBe(r.schema);
    expect(r.fast).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}000$/);
  });

  it("falls back to strftime where SQLite has no 'subsec' modifier (NULL from datetime)", () => {
    const old = STATEMENT_NOW_SQL.replace("'subsec'", "'no such modifier'");
    expect(old).not.toBe(STATEMENT_NOW_SQL);
    const r = db.prepare(`SELECT ${old} AS fast, ${NOW_SQL} AS schema`).get() as { fast: string; schema: string };
    expect(r.fast).toBe(r.schema);
  });
});
