import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// The workerd lane: every test file runs inside workerd (Miniflare) against a real local D1 database, never a
// mock. Storage is isolated per test file (the plugin's default).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        d1Databases: ['DB'],
      },
    }),
  ],
  test: {
    name: 'workerd',
    include: ['test/**/*.test.ts'],
    // Hang guards sized for a loaded 2-core CI machine, never a speed verdict (vitest's default is 5 s).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
