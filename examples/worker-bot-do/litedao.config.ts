// The global D1 database: `litedao generate` writes the next migration into migrations/ (wrangler's
// migrations_dir) from src/global-models.ts; `litedao check` fails in CI when a model changed without one.
// Apply with `wrangler d1 migrations apply worker-bot-do`.
import { defineConfig } from 'litedao';

export default defineConfig({ models: './src/global-models.ts', migrationsDir: './migrations' });
