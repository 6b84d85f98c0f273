/**
 * Column expressions: updates computed by SQLite from the row's current value, inside the same statement, so
 * concurrent writers cannot lose each other's changes (`UPDATE counters SET n = n + 1` instead of read, add,
 * write). Use them as values of `updateWhere`, `bulkUpdate` and the DAO's `update`.
 *
 * ```ts
 * session.updateWhere(Counter, { id }, { n: increment(1) });
 * ```
 */
const EXPRESSION = Symbol.for('litedao.expression');

/** An atomic update of a numeric column. Build it with {@link increment}. */
export interface ColumnExpression<T extends number | bigint = number | bigint> {
  readonly [EXPRESSION]: 'add';
  /** What is added to the stored value (negative to subtract). */
  readonly amount: T;
}

/**
 * `column = column + amount`, evaluated by SQLite on the stored value (a negative amount subtracts). The
 * amount is validated like a value of the column: a safe integer for `integer`, a finite number for `real`,
 * a bigint for `bigint` columns.
 */
export function increment<T extends number | bigint>(amount: T): ColumnExpression<T> {
  return Object.freeze({ [EXPRESSION]: 'add' as const, amount });
}

/** True for values built by {@link increment}. */
export function isColumnExpression(value: unknown): value is ColumnExpression {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[EXPRESSION] === 'add';
}

const REF = Symbol.for('litedao.columnRef');

/** Another column of the same row, as the operand of a comparison. Build it with {@link col}. */
export interface ColumnRef<K extends string = string> {
  readonly [REF]: true;
  /** The column's name. */
  readonly column: K;
}

/**
 * A reference to another column of the same row, for comparisons between columns:
 * `where({ updated_at: { gt: col('created_at') } })`. The two columns must hold comparable values (numbers
 * with numbers, text with text, timestamps with timestamps, booleans with `eq`/`ne` only); comparisons mean
 * what they mean in JavaScript over the values read (`eq` matches two NULLs, as `null === null`).
 */
export function col<K extends string>(column: K): ColumnRef<K> {
  return Object.freeze({ [REF]: true as const, column });
}

/** True for values built by {@link col}. */
export function isColumnRef(value: unknown): value is ColumnRef {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REF] === true;
}
