// Runs before each test file: applies migrations/*.sql to the file's D1 database (storage is per test file).
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
