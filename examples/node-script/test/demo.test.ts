import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'litedao-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const main = join(import.meta.dirname, '..', 'src', 'main.ts');
const run = () =>
  execFileSync(process.execPath, [main], { cwd: dir, env: { ...process.env, DATABASE_URL: 'sqlite:///demo.db' }, encoding: 'utf8' });

it('runs on an embedded file, and again on the same file', () => {
  const first = run();
  expect(first).toMatch(/user 1 \(@ada\) same object after get\(\): true/);
  expect(first).toMatch(/1 user\(s\), 1 message\(s\) from user 1/);
  expect(first).toMatch(/@ada wrote 1 message\(s\)/);
  expect(first).toMatch(/messages per user: \[ \{ user_id: 1, n: 1 \} \]/);
  const second = run();
  expect(second).toMatch(/user 1 \(@ada_2\)/);
  expect(second).toMatch(/1 user\(s\), 2 message\(s\) from user 1/);
  expect(second).toMatch(/@ada_2 wrote 2 message\(s\)/);
});
