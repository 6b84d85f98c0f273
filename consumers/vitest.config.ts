import { defineConfig } from 'vitest/config';

/**
 * The consumers lane (`npm test -- consumers`): litedao as a user gets it from npm. globalSetup builds and
 * packs the six published packages; each test file installs the tarballs with plain npm into a temporary
 * project outside the workspace and uses them the way an app would (Node, the `litedao` CLI through npx, a Cloudflare Worker on D1, a Worker with a Durable Object, a Vite app in
 * Chromium), and package.test.ts lints the tarballs (publint, attw).
 */
export default defineConfig({
  root: import.meta.dirname,
  test: {
    name: 'consumers',
    include: ['*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    // Hang guards for a loaded 2-core CI machine (npm installs, vite and wrangler builds), never a verdict.
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
