/**
 * The timestamp reader and the SQL litedao compares timestamps with, against SQLite's own date functions
 * (better-sqlite3): every text the reader accepts is the instant SQLite computes, and the filter expression is
 * NULL exactly where the reader refuses.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTimestamp, MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, parseTimestamp } from '../src/codec.ts';
import { canonicalTimestampSql, timestampInstantSql } from '../src/compile.ts';

const RUNS = Number(process.env.LITEDAO_FC_RUNS ?? 300);

const db = new Database(':memory:');
// The declared type litedao and the Python template use (NUMERIC affinity), so values are stored as tools store them.
db.exec('CREATE TABLE ts (c TIMESTAMP)');
const put = db.prepare('INSERT INTO ts (c) VALUES (?)');
const clear = db.prepare('DELETE FROM ts');
const read = db.prepare(
  `SELECT ${timestampInstantSql('c')} AS instant, unixepoch(c, 'subsec') AS u, ${canonicalTimestampSql('c')} AS canon FROM ts`,
);
afterAll(() => db.close());

/** What SQLite makes of one stored text: its instant in ms (or null) and litedao's filter expression. */
function sqlite(text: string): { ms: number | null; instant: string | null; canon: string | null } {
  clear.run();
  put.run(text);
  const row = read.get() as { instant: string | null; u: number | null; canon: string | null };
  return { ms: row.u === null ? null : Math.round(row.u * 1000), instant: row.instant, canon: row.canon };
}

function check(text: string): void {
  const got = parseTimestamp(text);
  const s = sqlite(text);
  if (got !== undefined) {
    expect(s.ms, text).toBe(got.getTime());
    expect(s.instant, text).toBe(formatTimestamp(got));
    expect(s.canon, text).toBe(formatTimestamp(got));
  } else {
    expect(s.instant, text).toBeNull();
  }
}

describe('timestamp SQL', () => {
  it("keeps every GLOB/LIKE pattern within D1's 50-byte pattern limit", () => {
    const patterns = [...timestampInstantSql('"c"').matchAll(/(?:GLOB|LIKE) '([^']*)'/g)].map((m) => m[1] as string);
    expect(patterns.length).toBeGreaterThan(0);
    for (const p of patterns) expect(new TextEncoder().encode(p).length, p).toBeLessThanOrEqual(50);
  });
});

describe('timestamp reader (examples)', () => {
  it.each([
    ['2026-11-22', '2026-11-22T00:00:00.000Z'],
    ['2026-11-22 03:04', '2026-11-22T03:04:00.000Z'],
    ['2026-11-22 03:04:05', '2026-11-22T03:04:05.000Z'],
    ['2026-11-22T03:04:05Z', '2026-11-22T03:04:05.000Z'],
    ['2026-11-22t03:04:05', undefined],
    ['2026-11-22 03:04:05.1', '2026-11-22T03:04:05.100Z'],
    ['2026-11-22 03:04:05.123456', '2026-11-22T03:04:05.123Z'],
    ['2026-11-22 03:04:05.1235', '2026-11-22T03:04:05.124Z'], // SQLite rounds (its %f would print .123)
    ['2026-11-22 03:04:59.9996', '2026-11-22T03:04:59.999Z'], // SQLite caps the fraction at .999
    ['2026-11-22T05:04:05+02:00', '2026-11-22T03:04:05.000Z'],
    ['2026-11-22T01:04:05.5-02:00', '2026-11-22T03:04:05.500Z'],
    ['2026-11-22 03:04z', '2026-11-22T03:04:00.000Z'],
    ['0000-01-01 00:00:00', '0000-01-01T00:00:00.000Z'],
    ['0050-06-01', '0050-06-01T00:00:00.000Z'],
    ['9999-12-31 23:59:59.999', '9999-12-31T23:59:59.999Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s reads as %s, the instant SQLite computes', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
    check(text);
  });

  it.each([
    '2026-02-31', // SQLite: March 3rd
    '2026-02-29', // not a leap year
    '2100-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-11-22 24:00:00', // SQLite: next midnight
    '2026-11-22 24:00',
    '2026-11-22 23:60',
    '2026-11-22 23:59:60',
    '2026-11-22 23:59:61',
    '2026-11-22 03:04:05+15:00',
    '2026-11-22 03:04:05+14:60',
    '2026-11-22 03:04:05 +02:00', // SQLite skips the space; not a layout litedao reads
    '2026-11-22  03:04:05',
    '2026-11-22T 03:04:05',
    '2026-11-2203:04:05',
    '2026-11-22 03:04:05.',
    '2026-11-22 03:04:05.1234567890123456', // 16 digits
    '2026-11-22 03:04:05Zz',
    '2026-11-22Z',
    '2026-11-22 ',
    ' 2026-11-22',
    '-2026-11-22',
    '03:04:05',
    '2461041.5',
    '1700000000',
    'now',
    '0000-01-01 00:30:00+01:00', // the instant is in year -1
    '9999-12-31 23:30:00-01:00', // the instant is in year 10000
    '',
  ])('refuses %j (DataIntegrityError on read), and filters treat it as no instant', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
    check(text);
  });

  it('agrees with SQLite on non-text storage: numbers are no timestamps to the reader or the filters', () => {
    clear.run();
    db.prepare('INSERT INTO ts (c) VALUES (?), (?), (?)').run(1_700_000_000, 2461041.5, Buffer.from('2026-01-01'));
    const rows = db.prepare(`SELECT ${timestampInstantSql('c')} AS instant FROM ts`).all() as { instant: unknown }[];
    expect(rows.map((r) => r.instant)).toEqual([null, null, null]);
  });
});

// ------------------------------------------------------------------------------------------------------------
// Generated texts in every accepted layout, and the same texts broken in one field.

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const dim = (y: number, m: number) =>
  new Date(Date.UTC(2000, m, 0)).getUTCDate() - (m === 2 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 1 : 0);

interface Fields {
  y: number;
  mo: number;
  d: number;
  time: 'none' | 'hm' | 'hms' | 'frac';
  sep: ' ' | 'T';
  h: number;
  mi: number;
  s: number;
  frac: string;
  tz: 'none' | 'Z' | 'z' | 'offset';
  sign: '+' | '-';
  th: number;
  tm: number;
}

const fields: fc.Arbitrary<Fields> = fc
  .record({
    y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 1970, 2000, 2024, 2026, 2100, 9999)),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
    time: fc.constantFrom('none', 'hm', 'hms', 'frac'),
    sep: fc.constantFrom(' ', 'T'),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    frac: fc.oneof(
      fc.stringMatching(/^[0-9]{1,15}$/),
      fc.constantFrom('0', '5', '9995', '9996', '999999', '1235', '0005', '000000', '123000', '999', '4999999'),
    ),
    tz: fc.constantFrom('none', 'Z', 'z', 'offset'),
    sign: fc.constantFrom('+', '-'),
    th: fc.integer({ min: 0, max: 14 }),
    tm: fc.integer({ min: 0, max: 59 }),
  })
  .map((f) => ({ ...f, d: Math.min(f.d, dim(f.y, f.mo)) }));

function render(f: Fields): string {
  let t = `${pad(f.y, 4)}-${pad(f.mo, 2)}-${pad(f.d, 2)}`;
  if (f.time === 'none') return t;
  t += `${f.sep}${pad(f.h, 2)}:${pad(f.mi, 2)}`;
  if (f.time !== 'hm') t += `:${pad(f.s, 2)}`;
  if (f.time === 'frac') t += `.${f.frac}`;
  if (f.tz === 'offset') t += `${f.sign}${pad(f.th, 2)}:${pad(f.tm, 2)}`;
  else if (f.tz !== 'none') t += f.tz;
  return t;
}

/** One field pushed out of the reader's range (SQLite reads several of these as other instants). */
const broken = fc.tuple(fields, fc.integer({ min: 0, max: 12 })).map(([f, which]) => {
  const withTime = f.time === 'none' ? { ...f, time: 'hms' as const } : f;
  const ok = render(withTime);
  switch (which) {
    case 0:
      return render({ ...f, d: dim(f.y, f.mo) + 1 + (f.d % 3) });
    case 1:
      return render({ ...f, mo: 13 + (f.mo % 87) });
    case 2:
      return render({ ...withTime, h: 24 + (f.h % 76) });
    case 3:
      return render({ ...withTime, mi: 60 + (f.mi % 40) });
    case 4:
      return render({ ...withTime, time: 'hms', s: 60 + (f.s % 40) });
    case 5:
      return render({ ...withTime, tz: 'offset', th: 15 + (f.th % 85) });
    case 6:
      return `${ok} `;
    case 7:
      return ok.replace(/[ T]/, '  ');
    case 8:
      return render({ ...withTime, time: 'frac', frac: `${f.frac}${'0'.repeat(16)}`.slice(0, 16 + (f.th % 5)) });
    case 9:
      return ok.replace(/(\d\d:\d\d)/, '$1 ');
    case 10:
      return render({ ...f, mo: 0 });
    case 11:
      return render({ ...f, d: 0 });
    default:
      return `${ok}x`;
  }
});

describe('timestamp reader (generated, against SQLite)', () => {
  it('reads every accepted layout as the instant SQLite computes, and filters see the same instant', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const text = render(f);
        const got = parseTimestamp(text);
        const s = sqlite(text);
        expect(s.ms, text).not.toBeNull(); // SQLite accepts every layout the reader documents
        const inRange = (s.ms as number) >= MIN_TIMESTAMP_MS && (s.ms as number) <= MAX_TIMESTAMP_MS;
        expect(got?.getTime(), text).toBe(inRange ? s.ms : undefined);
        check(text);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('refuses a field out of range, which filters then treat as no instant', () => {
    fc.assert(
      fc.property(broken, (text) => {
        expect(parseTimestamp(text), text).toBeUndefined();
        check(text);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  // The reader's fast path takes texts with the punctuation of the stored layout (`YYYY-MM-DD HH:MM:SS.ffffff`):
  // any digits there (fields out of range included), and other characters in the digit places, must read
  // exactly as the full reader and SQLite read them.
  it('reads texts in the stored layout, with any digits or characters in its digit places, as SQLite does', () => {
    const place = fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...'0123456789') },
      { weight: 1, arbitrary: fc.constantFrom('Z', 'z', '+', '-', ' ', ':', '.', 'a', '/', '\u0660') },
    );
    const layout = fc.array(place, { minLength: 20, maxLength: 20 }).map((c) => {
      const d = c.join('');
      return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)} ${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}.${d.slice(14)}`;
    });
    // Mostly in range, so the accepted path is exercised as much as the refusals.
    const plausible = fields.map((f) => render({ ...f, sep: ' ', time: 'frac', tz: 'none', frac: `${f.frac}000000`.slice(0, 6) }));
    fc.assert(
      fc.property(fc.oneof(layout, plausible), (text) => {
        expect(text).toHaveLength(26);
        check(text);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('gives every read its own Date, whatever was read before', () => {
    fc.assert(
      fc.property(fc.array(fields.map(render), { minLength: 1, maxLength: 8 }), fc.nat(), (texts, pick) => {
        const text = texts[pick % texts.length] as string;
        for (const t of texts) parseTimestamp(t);
        const a = parseTimestamp(text);
        const b = parseTimestamp(text);
        if (a === undefined) {
          // Not `return expect(…)`: fast-check fails a property that returns anything but undefined or true.
          expect(b).toBeUndefined();
          return;
        }
        expect(b).not.toBe(a);
        const ms = a.getTime();
        a.setTime(0);
        expect(b?.getTime()).toBe(ms);
        expect(parseTimestamp(text)?.getTime()).toBe(ms);
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips every millisecond instant litedao writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_TIMESTAMP_MS, max: MAX_TIMESTAMP_MS }), (ms) => {
        const text = formatTimestamp(new Date(ms));
        expect(parseTimestamp(text)?.getTime()).toBe(ms);
        expect(sqlite(text).instant).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });
});
