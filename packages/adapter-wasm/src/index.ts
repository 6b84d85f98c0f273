/**
 * `@litedao/adapter-wasm`: litedao on sqlite-wasm. In a browser, `createWorkerDriver` talks to a dedicated
 * Worker that keeps the database in OPFS (`@litedao/adapter-wasm/worker`); `createWasmDriver` runs an
 * in-memory database in the current thread (Node, tests, a page's main thread).
 */

export { WASM_DRIVER_NAME, WASM_LIMITS } from './limits.ts';
export type {
  NativeDatabase,
  NativeSahPool,
  NativeSqlite3,
  NativeStatement,
} from './native.ts';
export type { OpenResult, SahPoolSettings } from './protocol.ts';
export { PROTOCOL_VERSION } from './protocol.ts';
export type { WasmDriver, WasmDriverOptions } from './wasm-driver.ts';
export { createWasmDriver } from './wasm-driver.ts';
export type { WorkerDriver, WorkerDriverOptions, WorkerEndpoint } from './worker-driver.ts';
export { createWorkerDriver } from './worker-driver.ts';
export type { ServeWorkerDriverOptions, WorkerServer, WorkerServerEndpoint } from './worker-server.ts';
export { DEFAULT_ACQUIRE_TIMEOUT_MS, DEFAULT_SAHPOOL_NAME, serveWorkerDriver } from './worker-server.ts';
