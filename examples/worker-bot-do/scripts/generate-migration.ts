/**
 * Writes migrations/0001_init.sql (the global D1 database) from the models (createAllSql), in the flat
 * `NNNN_name.sql` layout `wrangler d1 migrations apply` reads. Run after changing the global models:
 *
 *   node examples/worker-bot-do/scripts/generate-migration.ts
 *
 * The chats' databases need no file: each ChatObject creates its tables when it starts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAllSql } from '@litedao/core';
import { globalModels } from '../src/models.ts';

const header =
  '-- Generated from src/models.ts (globalModels) with createAllSql from @litedao/core; test/migration.test.ts fails\n' +
  '-- when the two drift apart. Apply with: wrangler d1 migrations apply worker-bot-do [--local | --remote]\n\n';
const file = join(import.meta.dirname, '..', 'migrations', '0001_init.sql');
writeFileSync(file, header + createAllSql(globalModels));
process.stdout.write(`wrote ${file}\n`);
