import { defineConformanceSuite } from '@litedao/testkit';
import { createWasmDriver } from '../../src/index.ts';

// A fresh in-memory database per test (sqlite-wasm on Node has no persistent storage).
defineConformanceSuite({ name: 'sqlite-wasm (in-process, :memory:)', createDriver: () => createWasmDriver() });
