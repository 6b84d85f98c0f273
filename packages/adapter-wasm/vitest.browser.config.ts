import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

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
    testTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.LITEDAO_CHROMIUM ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
