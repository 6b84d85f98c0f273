import { defineConfig } from 'vitest/config';
import { debianChromium } from '../../vitest.chromium.ts';

/**
 * End-to-end test of the notes app in real headless Chromium (vitest browser mode). The test loads the real
 * app page (index.html, served by the same Vite server) in an iframe, drives it with Playwright-backed
 * user events, reloads it, and saves a screenshot.
 * Run from the repo root: `node node_modules/vitest/vitest.mjs run --config examples/browser-app/vitest.config.ts`.
 */
export default defineConfig({
  root: import.meta.dirname,
  optimizeDeps: {
    exclude: ['@sqlite.org/sqlite-wasm'],
    // Pre-bundle core's dependencies up front; discovering them mid-test makes Vite reload the test page.
    include: ['@litedao/core > zod', '@litedao/core > inflection'],
  },
  worker: { format: 'es' },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000, // a hang guard for a loaded 2-core CI machine, never a speed verdict
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      viewport: { width: 900, height: 700 },
      provider: debianChromium(),
      instances: [{ browser: 'chromium' }],
    },
  },
});
