/**
 * The outcome of a queued write, known once its unit of work is committed.
 */
import { StateError } from './errors.ts';

/**
 * The outcome of a queued write (`updateWhere`, `deleteWhere`, `addStatement`). Its row count is known once
 * the unit of work is committed: the template's `update()` returned a rowcount because it flushed inside an
 * open transaction, which D1 cannot have.
 */
export class WriteResult {
  #rows: number | undefined;
  #parts: readonly WriteResult[] | undefined;

  /** True once the unit of work holding this write has been committed. */
  get committed(): boolean {
    return this.#parts ? this.#parts.every((p) => p.committed) : this.#rows !== undefined;
  }

  /** Rows changed by the write. Throws StateError before commit. */
  get rowsAffected(): number {
    if (!this.committed) throw new StateError('rowsAffected is known after session.commit()');
    return this.#parts ? this.#parts.reduce((n, p) => n + p.rowsAffected, 0) : (this.#rows as number);
  }

  /** @internal */
  static settle(r: WriteResult, rows: number): void {
    r.#rows = rows;
  }

  /** A result whose count is the sum of several queued writes (e.g. `bulkUpdate`). */
  static combine(parts: readonly WriteResult[]): WriteResult {
    const r = new WriteResult();
    r.#parts = parts.slice();
    return r;
  }
}
