/**
 * Writes migrations/*.sql from the models (createAllSql), one file per entry of `migrations` in src/models.ts,
 * in the flat `NNNN_name.sql` layout that `wrangler d1 migrations apply` reads. Run after changing
 * src/models.ts (a deployed database only runs files it has not run yet: add a file, never edit one):
 *
 *   node examples/worker-bot/scripts/generate-migration.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAllSql } from '@litedao/core';
import { migrations } from '../src/models.ts';

const header =
  '-- Generated from src/models.ts with createAllSql(models) from @litedao/core; test/migration.test.ts fails when\n' +
  '-- the two drift apart. Apply with: wrangler d1 migrations apply worker-bot [--local | --remote]\n\n';
for (const [name, models] of migrations) {
  const file = join(import.meta.dirname, '..', 'migrations', name);
  writeFileSync(file, header + createAllSql(models));
  process.stdout.write(`wrote ${file}\n`);
}
