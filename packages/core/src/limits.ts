/**
 * The adapters' documented limits, checked before anything is sent (D1's numbers are data, not D1-only code).
 * Called by the runtime-driver wrapper for every statement, so the same limit gives the same error on every
 * adapter, and a statement core compiled names the column a value belongs to (`Statement.paramNames`).
 */
import { utf8Bytes } from './compile.ts';
import type { DriverLimits, SqlValue, Statement } from './driver.ts';
import { LimitExceededError, ValidationError } from './errors.ts';

/** Where a statement sits in a batch, for messages. */
function at(index: number | undefined): string {
  return index === undefined ? 'statement' : `statement ${index + 1}`;
}

/** What a parameter is called in messages: its column when core compiled the statement, else its position. */
function paramName(statement: Statement, param: number, index: number | undefined): string {
  return statement.paramNames?.[param] ?? `${at(index)}, parameter ${param + 1}`;
}

/**
 * Throws `LimitExceededError` when a statement exceeds the adapter's limits: bound parameters, SQL text bytes,
 * bytes of any string or blob value. Nothing is sent when it throws. `index` is the position in a batch
 * (`undefined`: a single statement, where {@link Statement.repeat} is refused). A repeated statement is checked
 * per run.
 */
export function checkStatementLimits(statement: Statement, limits: DriverLimits, index?: number): void {
  const { params } = statement;
  const width = statement.repeat === undefined ? params.length : repeatWidth(statement, index);
  if (width > limits.maxParameters) {
    throw new LimitExceededError('bound parameters per statement', width, limits.maxParameters, at(index));
  }
  const maxSql = limits.maxStatementBytes;
  // A string of n UTF-16 units has at most 3n UTF-8 bytes: measure only when that could exceed the limit.
  if (maxSql !== undefined && statement.sql.length * 3 > maxSql) {
    const bytes = utf8Bytes(statement.sql);
    if (bytes > maxSql) throw new LimitExceededError('SQL statement bytes', bytes, maxSql, at(index));
  }
  const maxValue = limits.maxValueBytes;
  if (maxValue === undefined) return;
  for (let i = 0; i < params.length; i++) {
    const size = valueBytes(params[i] as SqlValue, maxValue);
    if (size > maxValue) throw new LimitExceededError('value bytes', size, maxValue, paramName(statement, i % width, index));
  }
}

/**
 * The values per run of a {@link Statement.repeat} statement. Refused (`ValidationError`, nothing sent) outside a
 * batch, when `repeat` is not a positive integer or does not divide the values evenly, and on a statement
 * whose runs would each need their own result: it must say whether it returns rows (`returnsRows: false`, or
 * `true` for a write counted by its `RETURNING` rows, which are not kept) and have no post-condition.
 */
function repeatWidth(statement: Statement, index: number | undefined): number {
  const { repeat, params } = statement;
  const problem =
    index === undefined
      ? 'repeat is for statements in a batch'
      : !Number.isSafeInteger(repeat) || (repeat as number) < 1
        ? 'repeat must be a positive integer'
        : params.length % (repeat as number) !== 0
          ? `${params.length} values do not split into ${repeat} runs`
          : typeof statement.returnsRows !== 'boolean' || statement.expect !== undefined
            ? 'a repeated statement says whether it returns rows (returnsRows) and has no post-condition'
            : undefined;
  if (problem !== undefined) throw new ValidationError(`invalid ${at(index)}: ${problem}`, [{ path: ['repeat'], message: problem }]);
  return params.length / (repeat as number);
}

/** Bytes a string or blob value takes (0 for other values); cheap when clearly under `max`. */
function valueBytes(value: SqlValue, max: number): number {
  if (typeof value === 'string') return value.length * 3 > max ? utf8Bytes(value) : 0;
  if (value instanceof Uint8Array) return value.byteLength;
  return 0;
}
