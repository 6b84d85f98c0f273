import { defineConformanceSuite } from '@litedao/testkit';
import { createNodeDriver } from '../src/index.ts';

defineConformanceSuite({ name: 'better-sqlite3 (memory)', createDriver: async () => createNodeDriver(':memory:') });
