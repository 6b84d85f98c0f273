import { defineConfig } from 'vitest/config';
import { debianChromium } from '../../vitest.chromium.ts';

/**
 * Chromium lane: the Worker-hosted driver on the OPFS SAH-pool VFS, in real headless Chromium.
 * Run from the repo root: `node node_modules/vitest/vitest.mjs run --config packages/adapter-wasm/vitest.browser.config.ts`.
 */
export default defineConfig({
  root: import.meta.dirname,
  // sqlite-wasm locates sqlite3.wasm relative to its own module URL; pre-bundling would break that.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  worker: { format: 'es' },
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000, // a hang guard sized for a loaded 2-core CI machine, never a speed verdict
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: debianChromium(),
      instances: [{ browser: 'chromium' }],
    },
  },
});
