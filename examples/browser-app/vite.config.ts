import { defineConfig } from 'vite';

export default defineConfig({
  // sqlite-wasm finds sqlite3.wasm next to its own module; dependency pre-bundling would move it away.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  worker: { format: 'es' },
});
