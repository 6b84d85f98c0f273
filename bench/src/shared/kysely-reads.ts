/**
 * Kysely's two read workloads, the same code for every dialect (better-sqlite3 and D1), so the two sections
 * measure exactly the same query building.
 */
import type { Kysely } from 'kysely';
import type { KyselyDatabase } from './models.ts';
import type { Inputs } from './workloads.ts';

export function kyselyReads(db: Kysely<KyselyDatabase>) {
  return {
    point: async ({ pointIds }: Inputs) => {
      let sum = 0;
      for (const id of pointIds) {
        const u = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        sum += (u?.id ?? 0) + (u?.name.length ?? 0);
      }
      return sum;
    },
    list: async ({ sizes }: Inputs) => {
      let sum = 0;
      for (let i = 0; i < sizes.list; i++) {
        const rows = await db.selectFrom('users').selectAll().orderBy('id', 'asc').execute();
        for (const r of rows) sum += r.id;
        sum += rows.length + (rows[rows.length - 1]?.name.length ?? 0);
      }
      return sum;
    },
  };
}
