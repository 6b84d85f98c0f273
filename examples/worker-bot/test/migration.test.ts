// migrations/*.sql are generated from the models; this keeps the two from drifting apart.

import { env } from 'cloudflare:workers';
import { type AnyModel, createAllSql } from '@litedao/core';
import { expect, it } from 'vitest';
import { migrations, models } from '../src/models.ts';

/** createAllSql split into statements, as readD1Migrations splits a file (comments and separators dropped). */
function statements(ms: readonly AnyModel[]): string[] {
  return createAllSql(ms)
    .split(/;\n/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter(Boolean);
}

function queries(file: { queries: string[] } | undefined): string[] {
  return (file?.queries ?? []).map((q) =>
    q
      .replace(/^(--[^\n]*\n)+/, '')
      .trim()
      .replace(/;$/, ''),
  );
}

it('each migrations/*.sql is createAllSql of its models, and together they create every model', () => {
  expect(env.TEST_MIGRATIONS.map((m) => m.name)).toEqual(migrations.map(([name]) => name));
  migrations.forEach(([, ms], i) => {
    expect(queries(env.TEST_MIGRATIONS[i])).toEqual(statements(ms));
  });
  expect(env.TEST_MIGRATIONS.flatMap((m) => queries(m))).toEqual(statements(models));
});
