import { defineConfig } from 'vitest/config';

/** The Node lane: core unit tests, the Node adapter, sqlite-wasm in Node, and the Node example. */
export default defineConfig({
  test: {
    include: [
      'packages/core/test/**/*.test.ts',
      'packages/adapter-node/test/**/*.test.ts',
      'packages/adapter-wasm/test/node/**/*.test.ts',
      'packages/cli/test/**/*.test.ts',
      'examples/node-script/test/**/*.test.ts',
      'examples/worker-bot/test-node/**/*.test.ts',
    ],
    testTimeout: 120_000, // a hang guard sized for a loaded 2-core CI machine, never a speed verdict
    hookTimeout: 120_000,
  },
});
