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

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/;

const DIGIT0 = 48;

/** Reads `n` decimal digits at `at`, or -1 if any is not a digit. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - DIGIT0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The hot path of {@link parseTimestamp}: `YYYY-MM-DD HH:MM:SS` with an optional fraction, no offset — the
 * layout of every timestamp litedao and the Python template write. Returns epoch ms, or NaN to fall back.
 */
function parseCommonLayout(text: string): number {
  const len = text.length;
  if (len < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32) return Number.NaN;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return Number.NaN;
  const y = digits(text, 0, 4);
  const mo = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  const h = digits(text, 11, 2);
  const mi = digits(text, 14, 2);
  const sec = digits(text, 17, 2);
  if ((y | mo | d | h | mi | sec) < 0 || y < 100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
    return Number.NaN;
  let ms = 0;
  if (len > 19) {
    if (text.charCodeAt(19) !== 46 || len > 29) return Number.NaN;
    const fracLen = len - 20;
    if (fracLen < 1) return Number.NaN;
    const frac = digits(text, 20, Math.min(3, fracLen));
    if (frac < 0 || (fracLen > 3 && digits(text, 23, fracLen - 3) < 0)) return Number.NaN;
    ms = fracLen === 1 ? frac * 100 : fracLen === 2 ? frac * 10 : frac;
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

const MEMO = 4;
const memoText: (string | undefined)[] = [undefined, undefined, undefined, undefined];
const memoMs = new Float64Array(MEMO);
let memoAt = 0;

/**
 * Parses the timestamp layouts found in SQLite databases: `YYYY-MM-DD HH:MM:SS` (CURRENT_TIMESTAMP),
 * with optional fractional seconds (Python writes microseconds; they are truncated to milliseconds), `T`
 * as separator, and an optional `Z` or `±HH:MM` offset. Text without an offset is UTC, as SQLite's own is.
 * Returns `undefined` when the text is none of these.
 */
export function parseTimestamp(text: string): Date | undefined {
  // Rows written by one commit share their timestamps: remember the last few parses.
  for (let i = 0; i < MEMO; i++) if (memoText[i] === text) return new Date(memoMs[i] as number);
  const fast = parseCommonLayout(text);
  if (!Number.isNaN(fast)) {
    memoText[memoAt] = text;
    memoMs[memoAt] = fast;
    memoAt = (memoAt + 1) % MEMO;
    return new Date(fast);
  }
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms);
  if (Number(y) < 100) {
    // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly.
    const date = new Date(t);
    date.setUTCFullYear(Number(y));
    t = date.getTime();
  }
  if (sign) t -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return Number.isNaN(t) ? undefined : new Date(t);
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

function encodeTimestamp(v: unknown): SqlValue {
  if (!(v instanceof Date)) throw new EncodeIssue(`expected a Date, got ${kindOf(v)}`);
  const t = v.getTime();
  if (Number.isNaN(t)) throw new EncodeIssue('invalid Date');
  const y = v.getUTCFullYear();
  if (y < 0 || y > 9999) throw new EncodeIssue('Date year must be between 0 and 9999');
  return formatTimestamp(v);
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
  return v;
}

function encodeBigint(v: unknown): SqlValue {
  if (typeof v !== 'bigint') throw new EncodeIssue(`expected a bigint, got ${kindOf(v)}`);
  if (v < INT64_MIN || v > INT64_MAX) throw new EncodeIssue('bigint out of the 64-bit signed range');
  return v;
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
  throw new DataIntegrityError(`stored value in ${where} is not a valid ${expected} (found ${raw === null ? 'null' : typeof raw})`);
}

function toBytes(raw: unknown): Uint8Array | undefined {
  // An own copy, always a plain Uint8Array (better-sqlite3 returns Buffer): the session keeps the stored row
  // as the object's snapshot, so an in-place edit of the object's bytes must not change the snapshot too.
  if (raw instanceof Uint8Array) return new Uint8Array(raw);
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  if (Array.isArray(raw)) return Uint8Array.from(raw as number[]); // D1 returns blobs as number[]
  return undefined;
}

export const decoders: Record<ColumnKind, Decoder> = {
  integer: (raw, where) => {
    if (typeof raw === 'number') return raw;
    if (typeof raw === 'bigint') {
      if (raw >= BigInt(Number.MIN_SAFE_INTEGER) && raw <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(raw);
      throw new DataIntegrityError(
        `stored integer in ${where} is beyond 2^53 and cannot be read exactly as a number; declare the column as bigint`,
      );
    }
    return corrupt(where, 'integer', raw);
  },
  real: (raw, where) => (typeof raw === 'number' ? raw : typeof raw === 'bigint' ? Number(raw) : corrupt(where, 'real', raw)),
  text: (raw, where) => (typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : corrupt(where, 'text', raw)),
  boolean: (raw, where) => {
    if (raw === 1 || raw === 1n) return true;
    if (raw === 0 || raw === 0n) return false;
    return corrupt(where, 'boolean (0 or 1)', raw);
  },
  timestamp: (raw, where) => {
    if (typeof raw !== 'string') return corrupt(where, 'timestamp text', raw);
    const d = parseTimestamp(raw);
    return d ?? corrupt(where, 'timestamp text', raw);
  },
  json: (raw, where) => {
    if (typeof raw === 'number') return raw; // JSON text stored in a NUMERIC-affinity column by another tool
    if (typeof raw !== 'string') return corrupt(where, 'JSON text', raw);
    try {
      return JSON.parse(raw);
    } catch {
      return corrupt(where, 'JSON text', raw);
    }
  },
  blob: (raw, where) => toBytes(raw) ?? corrupt(where, 'blob', raw),
  bigint: (raw, where) => {
    if (typeof raw === 'bigint') return raw;
    if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
    return corrupt(where, 'integer', raw);
  },
};

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether the current value of a loaded object still equals what was read (`raw`). Used by dirty tracking
 * at commit; compares by meaning, so a Python-written `12:00:00` and a Date for the same instant are equal
 * and do not cause a spurious update (which would also bump `updated_at`).
 */
export function sameAsStored(kind: ColumnKind, current: unknown, raw: SqlValue): boolean {
  if (current === null || current === undefined || raw === null) return (current ?? null) === raw;
  switch (kind) {
    case 'integer':
    case 'real':
      return typeof raw === 'bigint' ? BigInt(current as number) === raw : current === raw;
    case 'text':
      return current === raw;
    case 'boolean':
      return (current === true ? 1 : current === false ? 0 : Number.NaN) === Number(raw);
    case 'bigint':
      return typeof current === 'bigint' && current === BigInt(raw as number | bigint);
    case 'timestamp': {
      if (!(current instanceof Date) || typeof raw !== 'string') return false;
      return parseTimestamp(raw)?.getTime() === current.getTime();
    }
    case 'json': {
      try {
        return JSON.stringify(current) === JSON.stringify(typeof raw === 'string' ? JSON.parse(raw) : raw);
      } catch {
        return false;
      }
    }
    case 'blob': {
      const b = toBytes(raw);
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
      return encodeBigint(v);
    default:
      if (v instanceof Date) return encodeTimestamp(v);
      if (v instanceof Uint8Array) return v;
      throw new EncodeIssue(`cannot bind ${kindOf(v)} (undefined, objects and arrays are refused; JSON.stringify them explicitly)`);
  }
}
