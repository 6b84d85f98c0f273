import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

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
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      viewport: { width: 900, height: 700 },
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
