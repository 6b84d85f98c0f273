// `litedao generate` writes the next migration into migrations/ (wrangler's migrations_dir) from the models;
// `litedao check` fails in CI when a model changed without one. Apply with `wrangler d1 migrations apply`.
import { defineConfig } from 'litedao';

export default defineConfig({ models: './src/models.ts', migrationsDir: './migrations' });
