// migrations/0001_init.sql (the global D1 database) is generated from the models; this keeps them in step.

import { env } from 'cloudflare:workers';
import { createAllSql } from '@litedao/core';
import { expect, it } from 'vitest';
import { globalModels } from '../src/models.ts';

it('migrations/0001_init.sql matches createAllSql(globalModels)', () => {
  const [init] = env.TEST_MIGRATIONS;
  expect(init?.name).toBe('0001_init.sql');
  // readD1Migrations splits the file into statements (comments and separators dropped); compare likewise.
  const expected = createAllSql(globalModels)
    .split(/;\n/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter(Boolean);
  const actual = (init?.queries ?? []).map((q) =>
    q
      .replace(/^(--[^\n]*\n)+/, '')
      .trim()
      .replace(/;$/, ''),
  );
  expect(actual).toEqual(expected);
});
