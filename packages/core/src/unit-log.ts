/**
 * The unit log: every unit of work carries an id that its own atomic batch writes to a small bookkeeping
 * table, `litedao_units`. When a commit's outcome is unknown (the connection died mid-batch), the database
 * itself answers whether the unit was applied, and a retry of an applied unit fails on the id's primary key
 * instead of writing twice (research/RELIABILITY.md §0.3: 0 duplicates in 200 retried units on D1).
 *
 * Cost per commit: one INSERT of one row. The table is created on first use — when a batch fails because
 * it does not exist yet, the same batch is sent once more with a `CREATE TABLE` in front (nothing of the
 * failed one was written: it is atomic) — so engines made per request (Workers) do not pay for DDL on every
 * commit. Ids start with the time they were made, so old entries (older than the retention, one day by
 * default) are pruned by a primary-key range, in about one commit of 256.
 */
import { NOW_SQL } from './compile.ts';
import type { Executor, Statement } from './driver.ts';
import { isDaoError, SchemaError, UniqueConstraintError } from './errors.ts';
import { randomBytes } from './platform.ts';

/** The bookkeeping table. Not a model: it never appears in `Base.metadata`. */
export const UNIT_TABLE = 'litedao_units';

const CREATE: Statement = {
  sql: `CREATE TABLE IF NOT EXISTS "${UNIT_TABLE}" ("id" TEXT NOT NULL PRIMARY KEY, "committed_at" TEXT NOT NULL) WITHOUT ROWID`,
  params: [],
  returnsRows: false,
};
// RETURNING: its row count is known without asking (D1 follows a write that returns nothing with a changes() probe).
const INSERT_SQL = `INSERT INTO "${UNIT_TABLE}" ("id", "committed_at") VALUES (?, ${NOW_SQL}) RETURNING "id"`;
const PRUNE_SQL = `DELETE FROM "${UNIT_TABLE}" WHERE "id" < ?`;
const SELECT_SQL = `SELECT 1 AS "applied" FROM "${UNIT_TABLE}" WHERE "id" = ?`;
const PRUNE_ONE_IN = 256;
const INSERT_COLUMNS: readonly string[] = Object.freeze(['id']);

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** 12 hex digits of milliseconds since the epoch, then 20 random hex digits: sortable by time, unique. */
function timeOrderedId(now: number): string {
  const random = new Uint8Array(10);
  randomBytes(random);
  let out = hex(now, 12);
  for (const b of random) out += hex(b, 2);
  return out;
}

/** One engine's unit log. */
export class UnitLog {
  readonly #retentionMs: number;

  constructor(retentionMs = 24 * 60 * 60 * 1000) {
    this.#retentionMs = retentionMs;
  }

  /** A new unit id. */
  newId(): string {
    return timeOrderedId(Date.now());
  }

  /** The statements that record unit `id`, to put first in its batch. */
  statements(id: string): Statement[] {
    const insert: Statement = { sql: INSERT_SQL, params: [id], returnsRows: true, columns: INSERT_COLUMNS };
    if (Math.random() * PRUNE_ONE_IN >= 1) return [insert];
    return [{ sql: PRUNE_SQL, params: [hex(Math.max(0, Date.now() - this.#retentionMs), 12)], returnsRows: false }, insert];
  }

  /** True when a batch failed because the table does not exist yet (send it again after {@link createStatement}). */
  isMissingTable(error: unknown): boolean {
    return error instanceof SchemaError && error.message.includes(UNIT_TABLE);
  }

  /** The statement that creates the table. */
  createStatement(): Statement {
    return CREATE;
  }

  /** Whether unit `id` was applied: its id is in the table. */
  async wasApplied(executor: Executor, id: string): Promise<boolean> {
    try {
      const res = await executor.execute({ sql: SELECT_SQL, params: [id], returnsRows: true, columns: ['applied'], readOnly: true });
      return res.rows.length > 0;
    } catch (error) {
      // No table yet: no unit was ever applied through it.
      if (isDaoError(error) && error instanceof SchemaError) return false;
      throw error;
    }
  }

  /** True when `error` is the unit id's own primary key refusing a second application of the unit. */
  isRepeat(error: unknown): boolean {
    return error instanceof UniqueConstraintError && error.table === UNIT_TABLE;
  }
}
