/**
 * fast-check arbitraries and JavaScript oracles for the value tests: values a caller may hand litedao (good
 * and bad), values other tools leave in a database (every storage class), timestamp texts in every layout
 * litedao reads, and what JavaScript says a filter or a sort means.
 */
import type { SqlValue } from '@litedao/core';
import fc from 'fast-check';

/** Runs per property: 200 in `npm test`; set LITEDAO_FC_RUNS for more where the test process sees the environment. */
export function fcRuns(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const n = Number(env?.LITEDAO_FC_RUNS);
  return Number.isInteger(n) && n > 0 ? n : 200;
}

/** The column kinds, keyed by the test models' column names. */
export const KINDS = {
  i: 'integer',
  r: 'real',
  s: 'text',
  b: 'boolean',
  ts: 'timestamp',
  j: 'json',
  bl: 'blob',
  big: 'bigint',
} as const;
export type Col = keyof typeof KINDS;
export type Kind = (typeof KINDS)[Col];

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const MIN_MS = -62167219200000; // 0000-01-01T00:00:00.000Z
export const MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

// ------------------------------------------------------------------------------------------------------------
// What a caller may write

const loneSurrogates = fc.string({ unit: fc.constantFrom('a', 'é', '\uD800', '\uDFFF', '😀', '\0'), maxLength: 6 });

/** Values a caller may assign to a column of `kind`: well-formed ones and every kind of wrong one. */
export function writeValue(kind: Kind): fc.Arbitrary<unknown> {
  const junk = fc.oneof(fc.string({ maxLength: 3 }), fc.constant({}), fc.constant([1]));
  switch (kind) {
    case 'integer':
      return fc.oneof(
        fc.integer(),
        fc.maxSafeInteger(),
        fc.constantFrom(
          Number.MAX_SAFE_INTEGER,
          -Number.MAX_SAFE_INTEGER,
          0,
          -0,
          2 ** 53,
          -(2 ** 53),
          1.5,
          Number.NaN,
          Number.POSITIVE_INFINITY,
        ),
        fc.double(),
        fc.bigInt({ min: -5n, max: 5n }),
        fc.constant(null),
        junk,
      );
    case 'real':
      return fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 2 ** 53 + 2, 1e300, 5e-324, 0.1), fc.constant(null), junk);
    case 'text':
      return fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.string({ unit: 'grapheme', maxLength: 6 }),
        loneSurrogates,
        fc.constant(null),
        fc.integer(),
      );
    case 'boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom(0, 1, 'true', null));
    case 'timestamp':
      return fc.oneof(
        fc.date({ min: new Date(MIN_MS - 86_400_000 * 400), max: new Date(MAX_MS + 86_400_000 * 400), noInvalidDate: false }),
        fc.integer({ min: -2_208_988_800_000, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
        fc.constantFrom(
          new Date(MIN_MS),
          new Date(MAX_MS),
          new Date(MIN_MS - 1),
          new Date(MAX_MS + 1),
          null,
          '2026-01-01',
          1_700_000_000_000,
        ),
      );
    case 'json':
      return fc.oneof(
        { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
        {
          arbitrary: fc.constantFrom({ a: Number.NaN }, [1, Number.POSITIVE_INFINITY], new Date(0), { big: 1n }, new Map(), () => 1),
          weight: 1,
        },
      );
    case 'blob':
      return fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.constant(new Uint8Array(0)),
        fc.constant(null),
        fc.array(fc.nat(255), { maxLength: 3 }),
        fc.constant('AQID'),
      );
    case 'bigint':
      return fc.oneof(
        fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
        fc.bigInt({ min: 2n ** 53n - 3n, max: 2n ** 53n + 3n }).map((v) => (v % 2n === 0n ? v : -v)),
        fc.constantFrom(INT64_MIN, INT64_MAX, INT64_MAX + 1n, INT64_MIN - 1n, 0n, 1.5, 3, '5', null),
      );
  }
}

function isJsonData(v: unknown, seen = new Set<object>()): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v !== 'object' || seen.has(v)) return false;
  const proto = Object.getPrototypeOf(v);
  if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return false;
  seen.add(v);
  const ok = Object.values(v).every((x) => isJsonData(x, seen));
  seen.delete(v);
  return ok;
}

/** Whether litedao must accept `v` for a nullable column of `kind` (the documented rules, written independently). */
export function acceptable(kind: Kind, v: unknown): boolean {
  if (v === null) return true;
  switch (kind) {
    case 'integer':
      return Number.isSafeInteger(v);
    case 'real':
      return typeof v === 'number' && Number.isFinite(v);
    case 'text':
      return typeof v === 'string' && v.isWellFormed() && !v.includes('\0');
    case 'boolean':
      return typeof v === 'boolean';
    case 'timestamp': {
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) return false;
      const y = v.getUTCFullYear();
      return y >= 0 && y <= 9999;
    }
    case 'json':
      return isJsonData(v);
    case 'blob':
      return v instanceof Uint8Array;
    case 'bigint':
      return typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX;
  }
}

/** What reading back a written value must give (JSON through JSON's own round trip, -0 as 0). */
export function readBack(kind: Kind, v: unknown): unknown {
  if (v === null) return null;
  if (kind === 'json') return JSON.parse(JSON.stringify(v));
  if (typeof v === 'number' && v === 0) return 0;
  return v;
}

/** Exact equality of two values of a column kind (Object.is for numbers, instants for dates, bytes for blobs). */
export function sameValue(kind: Kind, a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  switch (kind) {
    case 'timestamp':
      return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
    case 'blob':
      return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
    case 'json':
      return JSON.stringify(a) === JSON.stringify(b);
    default:
      return Object.is(a, b);
  }
}

// ------------------------------------------------------------------------------------------------------------
// Timestamp texts

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** How one instant is written: separator, precision, extra fraction digits and time zone notation. */
export interface Layout {
  readonly sep: ' ' | 'T';
  readonly precision: 'date' | 'minute' | 'second' | 'fraction';
  readonly extraDigits: number;
  readonly zone: 'none' | 'Z' | 'z' | 'offset';
  /** Offset in minutes, within ±14:59 (only with zone 'offset'). */
  readonly offset: number;
}

export const layout: fc.Arbitrary<Layout> = fc.record({
  sep: fc.constantFrom(' ', 'T'),
  precision: fc.constantFrom('date', 'minute', 'second', 'fraction'),
  extraDigits: fc.integer({ min: 0, max: 6 }),
  zone: fc.constantFrom('none', 'Z', 'z', 'offset'),
  offset: fc.integer({ min: -(14 * 60 + 59), max: 14 * 60 + 59 }),
});

/**
 * A text for the instant `ms` in a layout litedao reads, as another tool might write it: the precision is
 * raised where the instant needs it, and a date alone is written only for a UTC midnight.
 */
export function renderInstant(ms: number, l: Layout): string {
  const offset = l.zone === 'offset' ? l.offset : 0;
  const local = new Date(ms + offset * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
  const h = local.getUTCHours();
  const mi = local.getUTCMinutes();
  const s = local.getUTCSeconds();
  const milli = local.getUTCMilliseconds();
  let precision = l.precision;
  if (milli !== 0) precision = 'fraction';
  else if (s !== 0 && precision !== 'fraction') precision = 'second';
  else if ((h !== 0 || mi !== 0 || l.zone !== 'none') && precision === 'date') precision = 'minute';
  if (precision === 'date') return date;
  let text = `${date}${l.sep}${pad(h, 2)}:${pad(mi, 2)}`;
  if (precision !== 'minute') text += `:${pad(s, 2)}`;
  if (precision === 'fraction') text += `.${pad(milli, 3)}${'0'.repeat(l.extraDigits)}`;
  if (l.zone === 'offset') text += `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60), 2)}:${pad(Math.abs(offset) % 60, 2)}`;
  else if (l.zone !== 'none') text += l.zone;
  return text;
}

/** Texts SQLite itself reads as some instant (or not at all) that litedao must refuse: one field out of range. */
export const brokenTimestamp: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1000, max: 2999 }), fc.integer({ min: 0, max: 9 }))
  .map(([which, y, n]) => {
    switch (which) {
      case 0:
        return `${y}-02-${30 + (n % 2)} 10:00:00`;
      case 1:
        return `${y}-${pad(13 + n, 2)}-01`;
      case 2:
        return `${y}-01-01 24:00:0${n % 2}`;
      case 3:
        return `${y}-01-01 10:${pad(60 + n, 2)}`;
      case 4:
        return `${y}-01-01 10:00:${pad(60 + n, 2)}`;
      case 5:
        return `${y}-04-31`;
      case 6:
        return `${y + (y % 4 === 0 ? 1 : 0)}-02-29`; // a common year
      case 7:
        return `${y}-01-01 10:00:00 +0${n}:00`;
      case 8:
        return `${y}-01-01  10:00`;
      default:
        return `${y}-01-01 10:00:00.${'1'.repeat(16 + n)}`;
    }
  });

// ------------------------------------------------------------------------------------------------------------
// What other tools leave in a column

/** One value planted by raw SQL: the placeholder expression and its parameter. */
export interface Plant {
  readonly expr: string;
  readonly param: SqlValue;
  /** For timestamp texts: whether litedao must read it (a documented layout, every field in range). */
  readonly timestamp?: 'valid' | 'broken';
}

const plantInt64 = fc
  .oneof(
    fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
    fc.bigInt({ min: 2n ** 53n - 3n, max: 2n ** 53n + 3n }),
    fc.bigInt({ min: -(2n ** 53n) - 3n, max: -(2n ** 53n) + 3n }),
    fc.constantFrom(INT64_MIN, INT64_MAX, 0n, 1n, -1n),
  )
  .map((v): Plant => ({ expr: 'CAST(? AS INTEGER)', param: v.toString() }));
const plantNumber = fc
  .oneof(
    fc.integer({ min: -1000, max: 1000 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(1.5, 2.0, 1e20, -0.25, 2 ** 53),
  )
  .map((v): Plant => ({ expr: '?', param: v }));
const plantText = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('12', ' 7 ', '1.5', 'abc', '', 'true', 'null', '1e5', '-0'))
  .map((v): Plant => ({ expr: '?', param: v }));
const plantBlob = fc.uint8Array({ maxLength: 12 }).map((v): Plant => ({ expr: '?', param: v }));
const plantNull = fc.constant<Plant>({ expr: '?', param: null });
const plantTimestamp = fc.oneof(
  fc.tuple(fc.integer({ min: MIN_MS + 86_400_000, max: MAX_MS - 86_400_000 }), layout).map(
    ([ms, l]): Plant => ({
      expr: '?',
      param: renderInstant(ms, l),
      timestamp: 'valid',
    }),
  ),
  brokenTimestamp.map((text): Plant => ({ expr: '?', param: text, timestamp: 'broken' })),
);
const plantJson = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v): Plant => ({ expr: '?', param: JSON.stringify(v) })),
  fc.constantFrom('NaN', '{"a":', '12345678901234567890', '[1, 2]', '"text"', '  3 ').map((v): Plant => ({ expr: '?', param: v })),
);

/** Values of every storage class for a column of `kind`, biased to what tools really leave there. */
export function plantValue(kind: Kind): fc.Arbitrary<Plant> {
  const any = fc.oneof(plantInt64, plantNumber, plantText, plantBlob, plantNull);
  switch (kind) {
    case 'timestamp':
      return fc.oneof(
        { arbitrary: plantTimestamp, weight: 4 },
        { arbitrary: fc.oneof(plantInt64, plantNumber, plantBlob, plantNull), weight: 1 },
      );
    case 'json':
      return fc.oneof({ arbitrary: plantJson, weight: 3 }, { arbitrary: any, weight: 1 });
    case 'boolean':
      return fc.oneof(
        fc.constantFrom<SqlValue>(0, 1, 2, -1, 1.0, '1', '0', 'true').map((v): Plant => ({ expr: '?', param: v })),
        any,
      );
    default:
      return any;
  }
}

/** SQLite's own view of a stored value: storage class, text form, the REAL itself, and the instant. */
export interface Stored {
  readonly type: 'null' | 'integer' | 'real' | 'text' | 'blob';
  readonly text: string | null;
  readonly real: number | null;
  readonly hex: string;
  /** unixepoch(c, 'subsec') × 1000, rounded. */
  readonly ms: number | null;
}

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

/** What litedao must read from a stored value: `{ value }`, or `'error'` for DataIntegrityError. */
export function expectedRead(kind: Kind, stored: Stored, plant: Plant): { value: unknown } | 'error' {
  const { type, text } = stored;
  if (type === 'null') return { value: null };
  const asInt = type === 'integer' && text !== null ? BigInt(text) : undefined;
  const realInt = type === 'real' && Number.isSafeInteger(stored.real) ? (stored.real as number) : undefined;
  const safe = (v: bigint) => v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n;
  switch (kind) {
    case 'integer':
      if (asInt !== undefined) return safe(asInt) ? { value: Number(asInt) } : 'error';
      return realInt !== undefined ? { value: realInt } : 'error';
    case 'bigint':
      if (asInt !== undefined) return { value: asInt };
      return realInt !== undefined ? { value: BigInt(realInt) } : 'error';
    case 'real':
      if (type === 'real') return { value: stored.real };
      return asInt !== undefined && safe(asInt) ? { value: Number(asInt) } : 'error';
    case 'text':
      return type === 'text' ? { value: text } : 'error';
    case 'boolean':
      return asInt === 0n ? { value: false } : asInt === 1n ? { value: true } : 'error';
    case 'timestamp':
      if (type !== 'text' || plant.timestamp !== 'valid' || stored.ms === null) return 'error';
      return stored.ms >= MIN_MS && stored.ms <= MAX_MS ? { value: new Date(stored.ms) } : 'error';
    case 'json':
      if (type === 'real') return { value: stored.real };
      if (type === 'integer' || type === 'text') {
        try {
          return { value: JSON.parse(text as string) };
        } catch {
          return 'error';
        }
      }
      return 'error';
    case 'blob':
      return type === 'blob' ? { value: fromHex(stored.hex) } : 'error';
  }
}

// ------------------------------------------------------------------------------------------------------------
// Filters

export type Op = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'notIn' | 'isNull' | 'contains' | 'startsWith' | 'endsWith';

function compare(kind: Kind, a: unknown, b: unknown): number {
  const x = kind === 'timestamp' ? (a as Date).getTime() : (a as number | bigint | string);
  const y = kind === 'timestamp' ? (b as Date).getTime() : (b as number | bigint | string);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** What JavaScript says `{ op: operand }` means for a row holding `v` (null rows match only ne, notIn, isNull). */
export function jsMatch(kind: Kind, op: Op, v: unknown, operand: unknown): boolean {
  const has = v !== null;
  switch (op) {
    case 'eq':
      return has && sameValue(kind, v, operand);
    case 'ne':
      return !(has && sameValue(kind, v, operand));
    case 'lt':
      return has && compare(kind, v, operand) < 0;
    case 'lte':
      return has && compare(kind, v, operand) <= 0;
    case 'gt':
      return has && compare(kind, v, operand) > 0;
    case 'gte':
      return has && compare(kind, v, operand) >= 0;
    case 'in':
      return has && (operand as unknown[]).some((x) => sameValue(kind, v, x));
    case 'notIn':
      return !(has && (operand as unknown[]).some((x) => sameValue(kind, v, x)));
    case 'isNull':
      return !has === operand;
    case 'contains':
      return has && (v as string).includes(operand as string);
    case 'startsWith':
      return has && (v as string).startsWith(operand as string);
    case 'endsWith':
      return has && (v as string).endsWith(operand as string);
  }
}

/** JavaScript's ascending order of column values, NULLs first (as SQLite sorts them). */
export function jsOrder(kind: Kind, a: unknown, b: unknown): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : -1) : 1;
  if (kind === 'boolean') return Number(a) - Number(b);
  if (kind === 'blob') {
    // Bytes compare lexicographically, a prefix first (as SQLite's memcmp order, the only order blobs have).
    const x = a as Uint8Array;
    const y = b as Uint8Array;
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return x.length - y.length;
  }
  return compare(kind, a, b);
}

const TEXT_ATOMS = [
  '',
  'a',
  'b',
  'B',
  'ab',
  'é',
  'e\u0301',
  'Я',
  'я',
  '\ud7ff',
  '\ue000',
  '\uffee',
  '\uffff',
  '😀',
  '\u{10000}',
  '\u{10ffff}',
  '%',
  '_',
  '\\',
  ' ',
];
const text = fc.array(fc.constantFrom(...TEXT_ATOMS), { maxLength: 3 }).map((p) => p.join(''));

/** A domain of values for filter tests, small enough that rows and operands often coincide. */
export interface Domain {
  /** A stored value (as the parameter of its planting expression) for a row; null allowed. */
  readonly stored: fc.Arbitrary<Plant>;
  /** An operand for a comparison. */
  readonly operand: fc.Arbitrary<unknown>;
}

const numberPool = [
  0,
  1,
  -1,
  2,
  0.1,
  -0.5,
  1e-300,
  2 ** 53,
  2 ** 53 + 2,
  Number(265562961552476608n), // integral doubles whose shortest decimal form is another integer
  Number(4856332084859201024n),
  2 ** 63,
  1e20,
  1e300,
  -(2 ** 60),
];
const bigPool = [0n, 1n, -1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, INT64_MAX, INT64_MIN, 12345678901234567n];

/** The value domain of `kind` for filter tests; timestamps share a few instants written in many layouts. */
export function domain(kind: Kind, instants: readonly number[]): Domain {
  const nul = fc.constant<Plant>({ expr: '?', param: null });
  const plain = (arb: fc.Arbitrary<SqlValue>): fc.Arbitrary<Plant> => arb.map((param) => ({ expr: '?', param }));
  switch (kind) {
    case 'integer': {
      const v = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER));
      return { stored: fc.oneof(plain(v), nul), operand: v };
    }
    case 'real': {
      const v = fc.oneof(
        fc.constantFrom(...numberPool),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (d === 0 ? 0 : d)),
      );
      return { stored: fc.oneof(plain(v), nul), operand: v };
    }
    case 'bigint': {
      const v = fc.oneof(fc.constantFrom(...bigPool), fc.bigInt({ min: INT64_MIN, max: INT64_MAX }));
      return {
        stored: fc.oneof(
          v.map((b): Plant => ({ expr: 'CAST(? AS INTEGER)', param: b.toString() })),
          nul,
        ),
        operand: v,
      };
    }
    case 'text':
      return { stored: fc.oneof(plain(text), nul), operand: text };
    case 'boolean':
      return { stored: fc.oneof(plain(fc.constantFrom(0, 1)), nul), operand: fc.boolean() };
    case 'blob': {
      const v = fc.oneof(fc.constantFrom(new Uint8Array(0), new Uint8Array([0]), new Uint8Array([1, 2])), fc.uint8Array({ maxLength: 2 }));
      return { stored: fc.oneof(plain(v), nul), operand: v };
    }
    case 'timestamp': {
      const instant = fc.constantFrom(...instants);
      const stored = fc.tuple(instant, layout).map(([ms, l]): Plant => ({ expr: '?', param: renderInstant(ms, l), timestamp: 'valid' }));
      const delta = fc.constantFrom(0, 0, 0, 1, -1, 1000, -1000, 3_600_000, -86_400_000, 86_400_000);
      return { stored: fc.oneof(stored, nul), operand: fc.tuple(instant, delta).map(([ms, d]) => new Date(ms + d)) };
    }
    case 'json':
      throw new Error('no filter domain for json');
  }
}

/** Operands for every operator that applies to `kind`. */
export function operands(kind: Kind, d: Domain): fc.Arbitrary<[Op, unknown][]> {
  const list = fc.array(d.operand, { maxLength: 4 });
  const ops: fc.Arbitrary<[Op, unknown]>[] = [
    d.operand.map((x): [Op, unknown] => ['eq', x]),
    d.operand.map((x): [Op, unknown] => ['ne', x]),
    fc.boolean().map((x): [Op, unknown] => ['isNull', x]),
  ];
  if (kind !== 'blob') {
    ops.push(list.map((x): [Op, unknown] => ['in', x]));
    ops.push(list.map((x): [Op, unknown] => ['notIn', x]));
  }
  if (kind !== 'boolean' && kind !== 'blob') {
    for (const op of ['lt', 'lte', 'gt', 'gte'] as const) ops.push(d.operand.map((x): [Op, unknown] => [op, x]));
  }
  if (kind === 'text') {
    for (const op of ['contains', 'startsWith', 'endsWith'] as const) ops.push(text.map((x): [Op, unknown] => [op, x]));
  }
  return fc.tuple(...ops);
}

/**
 * A value in a failure message, for any value a generator makes: never throws (`String({ toString: 0 })` does,
 * and such an object is valid JSON data), so building the message cannot fail the test by itself.
 */
export function show(v: unknown): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (v instanceof Uint8Array) return `bytes[${[...v].join(',')}]`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  if (typeof v === 'symbol' || typeof v === 'function' || v === undefined) return typeof v;
  try {
    return JSON.stringify(v) ?? Object.prototype.toString.call(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
