// The shared conformance suite, run inside workerd against Miniflare's real local D1. One database per test
// file (the suite wipes it before each test), reached through the binding — never a mock.

import { env } from 'cloudflare:workers';
import { defineConformanceSuite } from '@litedao/testkit';
import { createD1Driver } from '../src/index.ts';

defineConformanceSuite({
  name: 'd1',
  createDriver: async () => createD1Driver(env.DB),
});
