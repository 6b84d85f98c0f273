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
 * Load-modify-commit over the same prepared queries (Drizzle's default form): each round's rows loaded by the
 * prepared select, renamed, and written back by the prepared update in one `transaction` (synchronous on
 * better-sqlite3 and inside a Durable Object). Nothing is read back.
 */
export function preparedWriteBack(
  byId: { get(values: { id: number }): { id: number; name: string } | undefined },
  update: { run(values: { name: string; id: number }): unknown },
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
        for (const o of objects) update.run({ name: o.name, id: o.id });
      });
    }
    return 0;
  };
}
