/** The dedicated Worker that owns the database: OPFS (SAH pool) via sqlite-wasm. */
import { serveWorkerDriver } from '@litedao/adapter-wasm/worker';

serveWorkerDriver();
