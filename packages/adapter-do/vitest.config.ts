import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// The Durable Objects lane: every test file runs inside workerd (Miniflare) against SQLite-backed Durable
// Objects of the Worker in test/support/worker.ts (`useSQLite: true`, what `new_sqlite_classes` declares),
// never a mock. Storage is isolated per test file (the plugin's default).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [
    cloudflareTest({
      main: './test/support/worker.ts',
      miniflare: {
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        durableObjects: {
          CONFORMANCE: { className: 'ConformanceObject', useSQLite: true },
          NOTES: { className: 'NotesObject', useSQLite: true },
          MIGRATED: { className: 'MigratedObject', useSQLite: true },
        },
      },
    }),
  ],
  test: {
    name: 'do',
    include: ['test/**/*.test.ts'],
    // Hang guards sized for a loaded 2-core CI machine, never a speed verdict (vitest's default is 5 s).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
