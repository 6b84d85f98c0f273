/**
 * The two read workloads over prepared queries that return row objects (drizzle-orm's `.prepare()` form), the
 * same code for every driver and table declaration, so the targets that use it differ only in the queries.
 */
import type { Inputs } from './workloads.ts';

interface Row {
  readonly id: number;
  readonly name: string;
}

export function preparedReads(byId: { get(values: { id: number }): Row | undefined }, all: { all(): Row[] }) {
  return {
    point: ({ pointIds }: Inputs) => {
      let sum = 0;
      for (const id of pointIds) {
        const u = byId.get({ id });
        sum += (u?.id ?? 0) + (u?.name.length ?? 0);
      }
      return sum;
    },
    list: ({ sizes }: Inputs) => {
      let sum = 0;
      for (let i = 0; i < sizes.list; i++) {
        const rows = all.all();
        for (const r of rows) sum += r.id;
        sum += rows.length + (rows[rows.length - 1]?.name.length ?? 0);
      }
      return sum;
    },
  };
}

/**
 * Load-modify-commit over prepared queries: each round's rows loaded by the prepared select, renamed, and each
 * written back by `write` in one `transaction` (synchronous on better-sqlite3 and inside a Durable Object).
 */
export function preparedWriteBack<O extends { id: number; name: string }>(
  byId: { get(values: { id: number }): O | undefined },
  write: (o: O) => void,
  transaction: (fn: () => void) => unknown,
) {
  return ({ modify }: Inputs) => {
    for (const round of modify) {
      const objects = round.map((r) => {
        const o = byId.get({ id: r.id });
        if (!o) throw new Error(`row ${r.id} missing`);
        o.name = r.name;
        return o;
      });
      transaction(() => {
        for (const o of objects) write(o);
      });
    }
    return 0;
  };
}
