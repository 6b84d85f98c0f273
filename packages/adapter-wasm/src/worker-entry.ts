/**
 * A ready-made Worker script: start it with
 * `new Worker(new URL('@litedao/adapter-wasm/worker-entry', import.meta.url), { type: 'module' })` (or copy
 * these two lines into your own worker file) and pass the Worker to `createWorkerDriver`.
 */
import { serveWorkerDriver } from './worker-server.ts';

serveWorkerDriver();
