import { defineConformanceSuite } from '@litedao/testkit';
import { afterAll } from 'vitest';
import { createWorkerDriver } from '../../src/index.ts';
import { startWorker, uniquePool } from './support.ts';

// One Worker and one OPFS file for the whole file: the suite wipes the tables before each test and closes
// the driver after it, so every test also exercises close (VFS paused) and reopen (VFS resumed) in the Worker.
const worker = startWorker();
const pool = uniquePool('conformance');
afterAll(() => worker.terminate());

defineConformanceSuite({
  name: 'sqlite-wasm (Worker, OPFS SAH pool)',
  createDriver: () => createWorkerDriver(worker, { filename: '/conformance.db', vfs: pool }),
});
