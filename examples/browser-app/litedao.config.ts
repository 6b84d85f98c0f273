// `litedao generate` writes the next migration into migrations/ from the models; the app imports that folder as
// text (import.meta.glob) and applies it at startup with migrate(engine, files). `litedao check` runs in CI.
import { defineConfig } from 'litedao';

export default defineConfig({ models: './src/models.ts', migrationsDir: './migrations' });
