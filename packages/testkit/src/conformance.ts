import { describe } from 'vitest';
import { contractTests } from './contract.ts';
import { daoTests } from './dao-tests.ts';
import { driverTests } from './driver-tests.ts';
import type { ConformanceTarget } from './harness.ts';
import { hostileR13Tests } from './hostile-r13-tests.ts';
import { migrationPropertyTests } from './migration-property-tests.ts';
import { migrationRebuildTests } from './migration-rebuild-tests.ts';
import { migrationTests } from './migration-tests.ts';
import { modelBasedTests } from './model-based-tests.ts';
import { queryTests } from './query-tests.ts';
import { relationsTests } from './relations-tests.ts';
import { driftTests, schemaTests } from './schema-tests.ts';
import { sessionTests } from './session-tests.ts';
import { unitOfWorkTests } from './unit-of-work-tests.ts';
import { valuesTests } from './values-tests.ts';

export type { ConformanceTarget } from './harness.ts';

/**
 * Registers the whole conformance suite for one adapter. The same suite runs unchanged on every adapter;
 * a capability an adapter lacks is tested to fail with a typed error, never skipped.
 */
export function defineConformanceSuite(target: ConformanceTarget): void {
  describe(`conformance: ${target.name}`, () => {
    driverTests(target);
    contractTests(target);
    sessionTests(target);
    daoTests(target);
    valuesTests(target);
    schemaTests(target);
    driftTests(target);
    migrationTests(target);
    migrationPropertyTests(target);
    migrationRebuildTests(target);
    unitOfWorkTests(target);
    modelBasedTests(target);
    relationsTests(target);
    queryTests(target);
    hostileR13Tests(target);
  });
}
