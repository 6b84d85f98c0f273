// The shared conformance suite, unchanged, inside workerd against a SQLite-backed Durable Object: the driver is
// created in the object on its real `ctx.storage`, and every call runs there (test/support/remote-driver.ts).
// One object per test file; the suite drops every table it finds before each test.

import { env } from 'cloudflare:workers';
import { defineConformanceSuite } from '@litedao/testkit';
import { createRemoteDriver } from './support/remote-driver.ts';

defineConformanceSuite({
  name: 'durable-object',
  // A stub belongs to the request that made it, so each test makes its own (for the same object).
  createDriver: () => createRemoteDriver(env.CONFORMANCE.get(env.CONFORMANCE.idFromName('conformance'))),
});
