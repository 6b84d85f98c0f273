/** The machine and the versions a run was recorded on (Node side only). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(join(import.meta.dirname, '..', '..', 'package.json'));

const benchDir = join(import.meta.dirname, '..', '..');
// zod is core's dependency, not the bench's: read it from core (package.json is not in every exports map).
const coreDir = dirname(dirname(require.resolve('@litedao/core')));

function version(pkg: string): string {
  try {
    const file = join(pkg === 'zod' ? coreDir : benchDir, 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? cpus()[0]?.model ?? '?';
  } catch {
    return cpus()[0]?.model ?? '?';
  }
}

function freeH(): string {
  try {
    return execFileSync('free', ['-h'], { encoding: 'utf8' }).trimEnd();
  } catch {
    return `total memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  }
}

export function environmentMarkdown(extra: Record<string, string>): string {
  const rows: [string, string][] = [
    ['date', new Date().toISOString()],
    ['CPU', `${cpuModel()}, nproc = ${cpus().length}`],
    ['Node', process.version],
    ...Object.entries(extra),
    ...['better-sqlite3', 'drizzle-orm', 'kysely', 'kysely-d1', 'miniflare', 'wrangler', 'esbuild', '@sqlite.org/sqlite-wasm', 'zod'].map(
      (p): [string, string] => [p, version(p)],
    ),
  ];
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`), '', '```', '$ free -h', freeH(), '```'].join('\n');
}
