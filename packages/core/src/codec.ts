/**
 * The value codec: model values → {@link SqlValue} before any driver sees them, and back on read.
 *
 * The three drivers disagree about the same JS value (NaN is silently NULL everywhere, `true` is a TypeError
 * on better-sqlite3 and REAL 1 on D1, `Date` is rejected by all three, BigInt is refused by D1; see
 * shared research RELIABILITY.md §2.0), so every conversion happens here, once, the same way everywhere.
 * Encoders validate as they convert: a value that cannot be stored exactly is an issue, never a NULL.
 */
import type { SqlValue } from './driver.ts';
import { DataIntegrityError } from './errors.ts';

/** The column kinds a model can declare. */
export type ColumnKind = 'integer' | 'real' | 'text' | 'boolean' | 'timestamp' | 'json' | 'blob' | 'bigint';

/** Thrown by encoders; the caller turns it into a ValidationError issue with the column's path. */
export class EncodeIssue {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `true` when `s` can be stored and read back unchanged: no lone surrogates, no NUL. */
export function isStorableString(s: string): boolean {
  return s.isWellFormed() && !s.includes('\0');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Formats a Date in SQLite's `CURRENT_TIMESTAMP` layout, UTC, with six fractional digits as Python writes them:
 * `2026-11-22 03:12:45.123000`. The Python template's `server_default=func.now()` writes the same layout
 * without a fraction; SQLAlchemy reads both, and would read a 3-digit `.123` as 123 µs, hence six digits.
 * See https://sqlite.org/lang_datefunc.html.
 */
export function formatTimestamp(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(
    d.getUTCHours(),
    2,
  )}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}000`;
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants a timestamp column holds and reads. */
export const MIN_TIMESTAMP_MS = -62167219200000;
export const MAX_TIMESTAMP_MS = 253402300799999;
/** Fractional-second digits the reader accepts (Python writes 6, Go 9); up to 15 the digits add up exactly. */
const MAX_FRACTION_DIGITS = 15;

const DIGIT0 = 48;

/** Reads `n` decimal digits at `at`, or -1 if any is not a digit. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - DIGIT0;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Epoch milliseconds of midnight UTC at the start of a Gregorian date, computed as SQLite's `computeJD()` does
 * (Meeus, with C's truncating integer division), so every date maps to the day SQLite means.
 */
function dayStartMs(y: number, m: number, d: number): number {
  let Y = y;
  let M = m;
  if (M <= 2) {
    Y--;
    M += 12;
  }
  const A = Math.trunc((Y + 4800) / 100);
  const B = 38 - A + Math.trunc(A / 4);
  const X1 = Math.trunc((36525 * (Y + 4716)) / 100);
  const X2 = Math.trunc((306001 * (M + 1)) / 10000);
  // Julian day × 86,400,000 minus the Julian day of the Unix epoch (2440587.5 × 86,400,000).
  return (X1 + X2 + d + B - 1524.5) * 86400000 - 210866760000000;
}

/**
 * Parses one timestamp text to epoch milliseconds, or NaN. The accepted layouts are exactly
 * `YYYY-MM-DD`, optionally followed by a space or `T` and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.F…` (1–15 digits),
 * optionally followed by `Z`/`z` or `±HH:MM` (hours 00–14): layouts SQLite's date functions read. Every field
 * is range-checked (SQLite itself rolls `2026-02-31` over to March and reads `24:00` as the next midnight;
 * litedao refuses both), and the instant is computed with SQLite's own double arithmetic — the fraction is
 * capped at .999 and rounded to the millisecond as `(sqlite3_int64)(s*1000 + 0.5)` in src/date.c — so a text
 * means the same instant to litedao's reader and to SQLite's date functions (which litedao's filters use).
 */
function timestampMs(text: string): number {
  const len = text.length;
  if (len < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN;
  const y = digits(text, 0, 4);
  const mo = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return Number.NaN;
  let ms = dayStartMs(y, mo, d);
  if (len > 10) {
    const sep = text.charCodeAt(10);
    if ((sep !== 32 && sep !== 84) || len < 16 || text.charCodeAt(13) !== 58) return Number.NaN;
    const h = digits(text, 11, 2);
    const mi = digits(text, 14, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59) return Number.NaN;
    let at = 16;
    let s = 0;
    if (text.charCodeAt(at) === 58) {
      const sec = digits(text, at + 1, 2);
      if (sec < 0 || sec > 59) return Number.NaN;
      at += 3;
      s = sec;
      if (text.charCodeAt(at) === 46) {
        // SQLite: ms = ms*10.0 + digit; rScale *= 10.0; ms /= rScale; ms capped at 0.999 (sqlite.org forum
        // post 766a2c9231); s = sec + ms (src/date.c parseHhMmSs, 3.53+).
        let frac = 0;
        let scale = 1;
        let n = 0;
        at++;
        for (; at < len; at++) {
          const dd = text.charCodeAt(at) - DIGIT0;
          if (!(dd >= 0 && dd <= 9)) break;
          frac = frac * 10 + dd;
          scale *= 10;
          n++;
        }
        if (n === 0 || n > MAX_FRACTION_DIGITS) return Number.NaN;
        const fraction = frac / scale;
        s = sec + Math.min(fraction, 0.999);
      }
    }
    ms += h * 3600000 + mi * 60000 + Math.trunc(s * 1000 + 0.5);
    if (at < len) {
      const z = text.charCodeAt(at);
      if (z === 90 || z === 122) at++;
      else if (z === 43 || z === 45) {
        if (text.charCodeAt(at + 3) !== 58) return Number.NaN;
        const th = digits(text, at + 1, 2);
        const tm = digits(text, at + 4, 2);
        if (th < 0 || th > 14 || tm < 0 || tm > 59) return Number.NaN;
        ms -= (z === 45 ? -1 : 1) * (th * 60 + tm) * 60000;
        at += 6;
      } else return Number.NaN;
    }
    if (at !== len) return Number.NaN;
  }
  return ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS ? ms : Number.NaN;
}

/**
 * The instant of a text in exactly litedao's stored layout, `YYYY-MM-DD HH:MM:SS.ffffff` (26 characters: what
 * litedao, SQLite's `strftime('%Y-%m-%d %H:%M:%f000')` and SQLAlchemy write), or NaN when the text is not in
 * that layout or a field is out of range; the caller then asks {@link timestampMs}, which decides. The same instant {@link timestampMs} computes, with the same double
 * arithmetic, in straight-line code: this is the reader's hot path (two timestamps per loaded row).
 */
function canonicalMs(t: string): number {
  // Each digit as 0–9; anything else makes `bad` non-zero (a code unit below '0' wraps to a huge unsigned value).
  const y0 = t.charCodeAt(0) - DIGIT0;
  const y1 = t.charCodeAt(1) - DIGIT0;
  const y2 = t.charCodeAt(2) - DIGIT0;
  const y3 = t.charCodeAt(3) - DIGIT0;
  const m0 = t.charCodeAt(5) - DIGIT0;
  const m1 = t.charCodeAt(6) - DIGIT0;
  const d0 = t.charCodeAt(8) - DIGIT0;
  const d1 = t.charCodeAt(9) - DIGIT0;
  const h0 = t.charCodeAt(11) - DIGIT0;
  const h1 = t.charCodeAt(12) - DIGIT0;
  const i0 = t.charCodeAt(14) - DIGIT0;
  const i1 = t.charCodeAt(15) - DIGIT0;
  const s0 = t.charCodeAt(17) - DIGIT0;
  const s1 = t.charCodeAt(18) - DIGIT0;
  const f0 = t.charCodeAt(20) - DIGIT0;
  const f1 = t.charCodeAt(21) - DIGIT0;
  const f2 = t.charCodeAt(22) - DIGIT0;
  const f3 = t.charCodeAt(23) - DIGIT0;
  const f4 = t.charCodeAt(24) - DIGIT0;
  const f5 = t.charCodeAt(25) - DIGIT0;
  if (
    y0 >>> 0 > 9 ||
    y1 >>> 0 > 9 ||
    y2 >>> 0 > 9 ||
    y3 >>> 0 > 9 ||
    m0 >>> 0 > 9 ||
    m1 >>> 0 > 9 ||
    d0 >>> 0 > 9 ||
    d1 >>> 0 > 9 ||
    h0 >>> 0 > 9 ||
    h1 >>> 0 > 9 ||
    i0 >>> 0 > 9 ||
    i1 >>> 0 > 9 ||
    s0 >>> 0 > 9 ||
    s1 >>> 0 > 9 ||
    f0 >>> 0 > 9 ||
    f1 >>> 0 > 9 ||
    f2 >>> 0 > 9 ||
    f3 >>> 0 > 9 ||
    f4 >>> 0 > 9 ||
    f5 >>> 0 > 9
  ) {
    return Number.NaN;
  }
  const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const mo = m0 * 10 + m1;
  const d = d0 * 10 + d1;
  const h = h0 * 10 + h1;
  const mi = i0 * 10 + i1;
  const sec = s0 * 10 + s1;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return Number.NaN;
  // As timestampMs: the fraction's digits summed exactly, divided by 10^6, capped at .999, rounded as SQLite does.
  const fraction = (((((f0 * 10 + f1) * 10 + f2) * 10 + f3) * 10 + f4) * 10 + f5) / 1000000;
  const s = sec + Math.min(fraction, 0.999);
  const ms = dayStartMs(y, mo, d) + (h * 3600000 + mi * 60000 + Math.trunc(s * 1000 + 0.5));
  return ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS ? ms : Number.NaN;
}

/** True when a text has the punctuation of litedao's stored layout (see {@link canonicalMs}). */
function isCanonicalLayout(t: string): boolean {
  return (
    t.length === 26 &&
    t.charCodeAt(4) === 45 &&
    t.charCodeAt(7) === 45 &&
    t.charCodeAt(10) === 32 &&
    t.charCodeAt(13) === 58 &&
    t.charCodeAt(16) === 58 &&
    t.charCodeAt(19) === 46
  );
}

/**
 * The last text parsed and its instant. Rows written by one statement share their timestamps (an INSERT's
 * RETURNING rows, `created_at` = `updated_at` of a new row), so the apply step of a commit hits it; a
 * different text costs one failed string comparison.
 */
let lastText: string | undefined;
let lastMs = 0;

/**
 * Reads a stored timestamp as the instant SQLite's date functions give it: `YYYY-MM-DD` with an optional
 * `HH:MM[:SS[.fraction]]` after a space or `T`, and an optional `Z` or `±HH:MM` offset (text without an offset
 * is UTC, as SQLite's own is). Fields out of range (`2026-02-31`, `2026-13-01`, `24:00:00`, `…:61`, Feb 29 of
 * a common year), other layouts and instants outside years 0000–9999 UTC give `undefined`.
 *
 * @example
 * parseTimestamp('2026-11-22 03:04:05.123456')?.toISOString(); // '2026-11-22T03:04:05.123Z' (SQLite rounds to ms)
 * parseTimestamp('2026-11-22T05:04:05+02:00')?.toISOString(); // '2026-11-22T03:04:05.000Z'
 * parseTimestamp('2026-02-31'); // undefined
 */
export function parseTimestamp(text: string): Date | undefined {
  if (typeof text !== 'string') return undefined;
  if (text === lastText) return new Date(lastMs);
  let ms = isCanonicalLayout(text) ? canonicalMs(text) : Number.NaN;
  // Any other text, or one the fast path does not take (`…00.00000Z` has the same punctuation): the full reader.
  if (Number.isNaN(ms)) ms = timestampMs(text);
  if (Number.isNaN(ms)) return undefined;
  lastText = text;
  lastMs = ms;
  return new Date(ms);
}

function encodeInteger(v: unknown): SqlValue {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new EncodeIssue(
      typeof v === 'number' ? 'expected a safe integer (use a bigint column beyond 2^53)' : `expected an integer, got ${kindOf(v)}`,
    );
  }
  return v === 0 ? 0 : v; // -0 is stored as 0 by design
}

function encodeReal(v: unknown): SqlValue {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new EncodeIssue(
      typeof v === 'number' ? 'expected a finite number (NaN and Infinity are refused)' : `expected a number, got ${kindOf(v)}`,
    );
  }
  return v === 0 ? 0 : v;
}

function encodeText(v: unknown): SqlValue {
  if (typeof v !== 'string') throw new EncodeIssue(`expected a string, got ${kindOf(v)}`);
  if (!isStorableString(v)) throw new EncodeIssue('string contains a lone surrogate or a NUL character');
  return v;
}

function encodeBoolean(v: unknown): SqlValue {
  if (typeof v !== 'boolean') throw new EncodeIssue(`expected a boolean, got ${kindOf(v)}`);
  return v ? 1 : 0;
}

function timestampProblem(v: unknown): string | undefined {
  if (!(v instanceof Date)) return `expected a Date, got ${kindOf(v)}`;
  const t = v.getTime();
  if (Number.isNaN(t)) return 'invalid Date';
  const y = v.getUTCFullYear();
  if (y < 0 || y > 9999) return 'Date year must be between 0 and 9999';
  return undefined;
}

function encodeTimestamp(v: unknown): SqlValue {
  const problem = timestampProblem(v);
  if (problem !== undefined) throw new EncodeIssue(problem);
  return formatTimestamp(v as Date);
}

/** Throws unless `v` is plain JSON data (what `z.json()` accepts): no class instances, cycles, NaN or bigint. */
function checkJson(v: unknown, depth: number, seen: Set<object>): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new EncodeIssue('JSON value contains NaN or Infinity');
    return;
  }
  if (typeof v !== 'object') throw new EncodeIssue(`JSON value contains a ${typeof v}`);
  if (depth > 512) throw new EncodeIssue('JSON value is nested too deeply');
  if (seen.has(v)) throw new EncodeIssue('JSON value contains a cycle');
  seen.add(v);
  if (Array.isArray(v)) {
    for (const x of v) checkJson(x, depth + 1, seen);
  } else {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null)
      throw new EncodeIssue('JSON value contains a non-plain object (Date, Map, class instance)');
    for (const k of Object.keys(v)) checkJson((v as Record<string, unknown>)[k], depth + 1, seen);
  }
  seen.delete(v);
}

/** True when `v` is plain, finite, acyclic JSON data (the codec's rule, shared with the zod schema). */
export function isPlainJson(v: unknown): boolean {
  try {
    checkJson(v, 0, new Set());
    return true;
  } catch {
    return false;
  }
}

function encodeJson(v: unknown): SqlValue {
  checkJson(v, 0, new Set());
  return JSON.stringify(v);
}

function encodeBlob(v: unknown): SqlValue {
  if (!(v instanceof Uint8Array)) throw new EncodeIssue(`expected a Uint8Array, got ${kindOf(v)}`);
  // An own copy: what was validated is what is written, and the session's snapshot of the stored row never
  // shares memory with the object's bytes (an in-place edit after commit stays detectable).
  return new Uint8Array(v);
}

function checkBigint(v: unknown): bigint {
  if (typeof v !== 'bigint') throw new EncodeIssue(`expected a bigint, got ${kindOf(v)}`);
  if (v < INT64_MIN || v > INT64_MAX) throw new EncodeIssue('bigint out of the 64-bit signed range');
  return v;
}

/**
 * A bigint column's value is bound as its exact decimal text, and every statement core builds reads that
 * parameter as `CAST(? AS INTEGER)` ({@link bigintParamSql}): the same on every adapter, and exact beyond 2^53
 * on D1 too, which cannot bind a JS bigint.
 */
function encodeBigint(v: unknown): SqlValue {
  return checkBigint(v).toString();
}

/** The placeholder of a bound value of a column kind: bigint values arrive as decimal text (see encodeBigint). */
export function paramSql(kind: ColumnKind): string {
  return kind === 'bigint' ? 'CAST(? AS INTEGER)' : '?';
}

/**
 * Why a non-null value cannot be stored in a column of this kind, or `undefined` when it can: the encoders'
 * checks without throwing or allocating (the write path's hot loop; a message is built only for a bad value).
 * {@link encodeValid} then converts a value this accepted.
 */
export function valueProblem(kind: ColumnKind, v: unknown): string | undefined {
  switch (kind) {
    case 'text':
      if (typeof v !== 'string') return `expected a string, got ${kindOf(v)}`;
      return isStorableString(v) ? undefined : 'string contains a lone surrogate or a NUL character';
    case 'integer':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return undefined;
      return typeof v === 'number' ? 'expected a safe integer (use a bigint column beyond 2^53)' : `expected an integer, got ${kindOf(v)}`;
    case 'real':
      if (typeof v === 'number' && Number.isFinite(v)) return undefined;
      return typeof v === 'number' ? 'expected a finite number (NaN and Infinity are refused)' : `expected a number, got ${kindOf(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `expected a boolean, got ${kindOf(v)}`;
    case 'timestamp':
      return timestampProblem(v);
    case 'blob':
      return v instanceof Uint8Array ? undefined : `expected a Uint8Array, got ${kindOf(v)}`;
    case 'json':
    case 'bigint':
      try {
        if (kind === 'json') checkJson(v, 0, new Set());
        else checkBigint(v);
        return undefined;
      } catch (e) {
        if (e instanceof EncodeIssue) return e.message;
        throw e;
      }
  }
}

/** The stored form of a value {@link valueProblem} accepted for this kind. */
export function encodeValid(kind: ColumnKind, v: unknown): SqlValue {
  switch (kind) {
    case 'text':
      return v as string;
    case 'integer':
    case 'real':
      return v === 0 ? 0 : (v as number); // -0 is stored as 0 by design
    case 'boolean':
      return v ? 1 : 0;
    default:
      return encoders[kind](v);
  }
}

/** Per-kind encoders. Each validates and converts; null handling is the caller's. */
export const encoders: Record<ColumnKind, (v: unknown) => SqlValue> = {
  integer: encodeInteger,
  real: encodeReal,
  text: encodeText,
  boolean: encodeBoolean,
  timestamp: encodeTimestamp,
  json: encodeJson,
  blob: encodeBlob,
  bigint: encodeBigint,
};

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Date) return 'Date';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Reads a stored value; throws DataIntegrityError naming the column, never the value. */
export type Decoder = (raw: SqlValue, where: string) => unknown;

function corrupt(where: string, expected: string, raw: SqlValue): never {
  throw new DataIntegrityError(`stored value in ${where} is not a valid ${expected} (found ${storageClass(raw)})`);
}

function storageClass(raw: unknown): string {
  if (raw === null || raw === undefined) return 'NULL';
  if (typeof raw === 'number') return Number.isInteger(raw) ? 'an integer' : 'a non-integral real';
  if (typeof raw === 'bigint') return 'an integer';
  if (typeof raw === 'string') return 'text';
  return 'a blob';
}

/** Stored bytes as a Uint8Array view (no copy), or undefined when the value is not bytes. */
function bytesView(raw: unknown): Uint8Array | undefined {
  if (raw instanceof Uint8Array) return raw;
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  if (Array.isArray(raw)) return Uint8Array.from(raw as number[]); // D1 returns blobs as number[]
  return undefined;
}

/** A copy of stored bytes as a plain Uint8Array: loaded objects never share memory with the stored row. */
function toBytes(raw: unknown): Uint8Array | undefined {
  const view = bytesView(raw);
  return view === undefined ? undefined : new Uint8Array(view); // copies (better-sqlite3 hands out Buffers)
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
/** Decimal integer text, as `CAST(integer AS TEXT)` writes it (see {@link integerSelectSql}). */
const DECIMAL_RE = /^-?[0-9]{1,19}$/;

/** An int64 from the decimal text of the integer select guard, or undefined when the text is not one. */
function int64FromText(text: string): bigint | undefined {
  if (!DECIMAL_RE.test(text)) return undefined;
  const v = BigInt(text);
  return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
}

/**
 * The select-list expression for an integer-kind column (`integer`, `bigint`, `id`). Integers within
 * ±(2^53 − 1) pass as they are; larger ones arrive as exact decimal text (every driver, D1's JSON numbers
 * included, would otherwise round them); text arrives as a blob so it can never pass for such an integer.
 * Reals and blobs pass unchanged (the decoders refuse them). The result column keeps the column's name.
 */
export function integerSelectSql(quoted: string): string {
  return (
    `CASE WHEN ${quoted} BETWEEN -9007199254740991 AND 9007199254740991 THEN ${quoted} ` +
    `WHEN typeof(${quoted}) = 'integer' THEN CAST(${quoted} AS TEXT) ` +
    `WHEN typeof(${quoted}) = 'text' THEN CAST(${quoted} AS BLOB) ELSE ${quoted} END AS ${quoted}`
  );
}

/** A JSON value from any storage class SQLAlchemy's JSON type (NUMERIC affinity) can leave; undefined if none. */
function jsonValue(raw: SqlValue): unknown {
  switch (typeof raw) {
    case 'string':
      try {
        return JSON.parse(raw);
      } catch {
        return undefined;
      }
    case 'number':
      // JSON text such as `12` or `1.5` stored in a NUMERIC-affinity column became a number.
      return Number.isFinite(raw) ? raw : undefined;
    case 'bigint':
      // The same, read by a statement that asked for bigints: JSON numbers are JS numbers (as JSON.parse does).
      return Number(raw);
    default:
      return undefined;
  }
}

export const decoders: Record<ColumnKind, Decoder> = {
  integer: (raw, where) => {
    if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : corrupt(where, 'integer', raw);
    if (typeof raw === 'bigint') {
      if (raw >= MIN_SAFE && raw <= MAX_SAFE) return Number(raw);
    } else if (typeof raw !== 'string' || int64FromText(raw) === undefined) return corrupt(where, 'integer', raw);
    throw new DataIntegrityError(
      `stored integer in ${where} is beyond ±(2^53 − 1) and cannot be read exactly as a number; declare the column as t.bigint()`,
    );
  },
  real: (raw, where) => {
    if (typeof raw === 'number') return raw;
    // An INTEGER stored in a REAL column by a tool that bypassed REAL affinity: exact only within 2^53.
    if (typeof raw === 'bigint' && raw >= MIN_SAFE && raw <= MAX_SAFE) return Number(raw);
    return corrupt(where, 'real', raw);
  },
  text: (raw, where) => (typeof raw === 'string' ? raw : corrupt(where, 'text', raw)),
  boolean: (raw, where) => {
    if (raw === 1 || raw === 1n) return true;
    if (raw === 0 || raw === 0n) return false;
    return corrupt(where, 'boolean (0 or 1)', raw);
  },
  timestamp: (raw, where) => {
    if (typeof raw !== 'string') return corrupt(where, 'timestamp text', raw);
    const d = parseTimestamp(raw);
    if (d === undefined) {
      throw new DataIntegrityError(
        `stored value in ${where} is not a valid timestamp (expected YYYY-MM-DD[ HH:MM[:SS[.fraction]]][Z|±HH:MM] with every field in range)`,
      );
    }
    return d;
  },
  json: (raw, where) => {
    const v = jsonValue(raw);
    return v === undefined ? corrupt(where, 'JSON value', raw) : v;
  },
  blob: (raw, where) => toBytes(raw) ?? corrupt(where, 'blob', raw),
  bigint: (raw, where) => {
    if (typeof raw === 'bigint') return raw;
    if (typeof raw === 'number') return Number.isSafeInteger(raw) ? BigInt(raw) : corrupt(where, 'integer', raw);
    if (typeof raw === 'string') {
      const v = int64FromText(raw);
      if (v !== undefined) return v;
    }
    return corrupt(where, 'integer', raw);
  },
};

/** The decoder of a non-nullable JSON column: a stored JSON `null` is as wrong there as SQL NULL. */
export const decodeJsonNotNull: Decoder = (raw, where) => {
  const v = decoders.json(raw, where);
  if (v === null) throw new DataIntegrityError(`stored JSON in ${where} is null but the column is not nullable`);
  return v;
};

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The int64 a stored integer-kind value holds, or undefined (never throws). */
function storedInt(raw: SqlValue): bigint | undefined {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? BigInt(raw) : undefined;
  if (typeof raw === 'string') return int64FromText(raw);
  return undefined;
}

/**
 * Whether the current value of a loaded object still equals what was read (`raw`). Used by dirty tracking
 * at commit; compares by meaning, so a Python-written `12:00:00` and a Date for the same instant are equal
 * and do not cause a spurious update (which would also bump `updated_at`). Never throws: any value the user
 * assigned (`1.5` on a bigint column, a string on an integer one) simply counts as changed, and the encoder
 * then reports it as a ValidationError.
 */
export function sameAsStored(kind: ColumnKind, current: unknown, raw: SqlValue): boolean {
  if (current === null || current === undefined || raw === null) {
    if ((current ?? null) === raw) return true;
    // A JSON column's stored text `null` (SQLAlchemy's JSON type writes None so) reads as null: unchanged.
    return kind === 'json' && raw !== null && jsonValue(raw) === null;
  }
  switch (kind) {
    case 'integer':
    case 'real':
      if (typeof current !== 'number') return false;
      if (typeof raw === 'number') return current === raw;
      return Number.isSafeInteger(current) && storedInt(raw) === BigInt(current);
    case 'text':
      return current === raw;
    case 'boolean':
      return (current === true ? 1 : current === false ? 0 : Number.NaN) === (typeof raw === 'bigint' ? Number(raw) : raw);
    case 'bigint':
      return typeof current === 'bigint' && storedInt(raw) === current;
    case 'timestamp': {
      if (!(current instanceof Date) || typeof raw !== 'string') return false;
      return parseTimestamp(raw)?.getTime() === current.getTime();
    }
    case 'json': {
      const stored = jsonValue(raw);
      // A value that is not plain JSON (a Map stringifies as {}) counts as changed, so the encoder refuses it.
      if (stored === undefined || !isPlainJson(current)) return false;
      try {
        return JSON.stringify(current) === JSON.stringify(stored);
      } catch {
        return false;
      }
    }
    case 'blob': {
      const b = bytesView(raw);
      return current instanceof Uint8Array && b !== undefined && bytesEqual(current, b);
    }
  }
}

/** The JSON-safe form of a decoded value, for `toJSON()`: ISO dates, bigint as string, blobs as base64. */
export function jsonSafe(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return base64(v);
  return v;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (core avoids runtime globals such as `btoa`, which Node types lack). */
export function base64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += B64.charAt(n >> 18) + B64.charAt((n >> 12) & 63) + B64.charAt((n >> 6) & 63) + B64.charAt(n & 63);
  }
  if (i < bytes.length) {
    const a = bytes[i] as number;
    const b = i + 1 < bytes.length ? (bytes[i + 1] as number) : 0;
    const n = (a << 16) | (b << 8);
    out += `${B64.charAt(n >> 18)}${B64.charAt((n >> 12) & 63)}${i + 1 < bytes.length ? B64.charAt((n >> 6) & 63) : '='}=`;
  }
  return out;
}

/**
 * Encodes a value whose column is not known (the `sql` tag's interpolations): booleans, Dates and bigints
 * are converted the same way model values are; anything else that is not a storable scalar is an issue.
 */
export function encodeLoose(v: unknown): SqlValue {
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? encodeInteger(v) : encodeReal(v);
    case 'string':
      return encodeText(v);
    case 'boolean':
      return encodeBoolean(v);
    case 'bigint':
      return checkBigint(v);
    default:
      if (v instanceof Date) return encodeTimestamp(v);
      if (v instanceof Uint8Array) return v;
      throw new EncodeIssue(`cannot bind ${kindOf(v)} (undefined, objects and arrays are refused; JSON.stringify them explicitly)`);
  }
}
