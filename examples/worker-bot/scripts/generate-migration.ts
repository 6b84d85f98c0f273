/**
 * Writes migrations/0001_init.sql from the models (createAllSql), in the flat `NNNN_name.sql` layout that
 * `wrangler d1 migrations apply` reads. Run after changing src/models.ts:
 *
 *   node examples/worker-bot/scripts/generate-migration.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAllSql } from '@litedao/core';
import { models } from '../src/models.ts';

const header =
  '-- Generated from src/models.ts with createAllSql(models) from @litedao/core; test/migration.test.ts fails when\n' +
  '-- the two drift apart. Apply with: wrangler d1 migrations apply worker-bot [--local | --remote]\n\n';
const file = join(import.meta.dirname, '..', 'migrations', '0001_init.sql');
writeFileSync(file, header + createAllSql(models));
process.stdout.write(`wrote ${file}\n`);
