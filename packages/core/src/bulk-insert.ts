/**
 * `insertMany`'s rows: each one checked and encoded (the generated fast path, else the general checks, which
 * report), and, on a driver with `DriverCapabilities.bulkJson`, sent as JSON arrays cut by size.
 */
import { insertJsonSql, insertManySql, isPlainObject, MAX_ROWS_PER_JSON_INSERT } from './compile.ts';
import type { DriverLimits, SqlValue, Statement } from './driver.ts';
import type { ValidationIssue } from './errors.ts';
import type { ColumnMeta, ModelMeta } from './model-meta.ts';
import type { NewRowEncoder } from './row-encoder.ts';
import { checkKeys, encodeColumn, newValue, prefixIssues } from './validate.ts';

const NO_PATH: readonly string[] = Object.freeze([]);

/**
 * Checks row `k` and writes its encoded values to `out[at…at + width)`, or adds its issues (paths prefixed by
 * `k`): the fast encoder first, the general checks when it declines.
 */
export function encodeBulkRow(
  meta: ModelMeta,
  fast: NewRowEncoder,
  given: unknown,
  out: SqlValue[],
  at: number,
  k: number,
  issues: ValidationIssue[],
): void {
  if (!isPlainObject(given)) {
    issues.push({ path: [k], message: 'expected a plain object' });
    return;
  }
  if (fast(given, out, at)) return;
  const cols = meta.userColumns;
  const before = issues.length;
  checkKeys(meta, given, issues);
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c] as ColumnMeta;
    out[at + c] = encodeColumn(col, newValue(col, given), issues, NO_PATH);
  }
  if (issues.length > before) prefixIssues(issues, before, [k]);
}

/** Without `maxValueBytes`, JSON texts are kept under this many UTF-8 bytes. */
const DEFAULT_JSON_BYTES = 4_000_000;

/**
 * The statements of encoded rows as JSON inserts ({@link insertJsonSql}), and each one's row count. A JSON text
 * stays under the driver's bytes per value (checked on its UTF-16 length: a code unit is at most 3 UTF-8
 * bytes) and {@link MAX_ROWS_PER_JSON_INSERT} rows: rows are gathered by an estimate of their JSON size, and a
 * text that comes out longer (escapes) is split in two until it fits. A single row whose JSON alone is too
 * long goes as a one-row `VALUES` insert, as it would without JSON (each value then meets the limit or is
 * refused by it).
 */
export function jsonInserts(
  meta: ModelMeta,
  rows: readonly SqlValue[][],
  limits: DriverLimits,
): { statements: Statement[]; counts: number[] } {
  const maxChars = Math.floor((limits.maxValueBytes ?? DEFAULT_JSON_BYTES) / 3);
  const sql = insertJsonSql(meta);
  const statements: Statement[] = [];
  const counts: number[] = [];
  const emit = (from: number, to: number): void => {
    const chunk = rows.slice(from, to);
    const text = JSON.stringify(chunk);
    if (text.length <= maxChars) {
      statements.push({ sql, params: [text], returnsRows: false });
      counts.push(to - from);
    } else if (to - from === 1) {
      statements.push({ sql: insertManySql(meta, 1), params: chunk[0] as SqlValue[], returnsRows: false });
      counts.push(1);
    } else {
      const mid = from + ((to - from) >> 1);
      emit(from, mid);
      emit(mid, to);
    }
  };
  let from = 0;
  let size = 2; // the array's brackets
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k] as SqlValue[];
    // Brackets and commas, then each value: a string's characters and quotes, a number's digits at most.
    let est = row.length + 2;
    for (let c = 0; c < row.length; c++) {
      const v = row[c];
      est += typeof v === 'string' ? v.length + 2 : 24;
    }
    if (k > from && (size + est > maxChars || k - from >= MAX_ROWS_PER_JSON_INSERT)) {
      emit(from, k);
      from = k;
      size = 2;
    }
    size += est;
  }
  if (from < rows.length) emit(from, rows.length);
  return { statements, counts };
}
