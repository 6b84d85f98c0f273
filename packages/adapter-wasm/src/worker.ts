/**
 * Worker-side entry point of `@litedao/adapter-wasm` (`@litedao/adapter-wasm/worker`): what runs inside the
 * dedicated Worker that owns the OPFS database.
 */

export type { SahPoolSettings } from './protocol.ts';
export type { ServeWorkerDriverOptions, WorkerServer, WorkerServerEndpoint } from './worker-server.ts';
export { DEFAULT_ACQUIRE_TIMEOUT_MS, DEFAULT_SAHPOOL_NAME, serveWorkerDriver } from './worker-server.ts';
