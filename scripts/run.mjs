#!/usr/bin/env node
// The entry point behind `npm run demo`, `npm test`, `npm run bench` and `npm run build`.
//
// It must run on a fresh machine that has only Node 20 and npm (see README "Requirements"), so it uses
// nothing but Node 20 built-ins. It installs what litedao needs — Node 22 from the npm registry's `node`
// package, pnpm through npx, the workspace dependencies and (for the browser lanes, as root) Debian's
// Chromium — then runs every step with the workspace's Node 22 first on PATH. Re-running is fast: the install
// is skipped while the stamp of the manifests it was made from is unchanged. Nothing needs root except that
// one apt-get: without Chromium (and without root) `npm test` runs every other lane, names the lanes that did
// not run and the command that installs Chromium, and exits non-zero.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'node_modules', '.bin');
const PNPM = 'pnpm@10.34.8';
const CHROMIUM = process.env.LITEDAO_CHROMIUM ?? '/usr/bin/chromium';
const env = {
  ...process.env,
  PATH: `${bin}:${process.env.PATH}`,
  // wrangler and miniflare must not try to phone home from a closed network.
  WRANGLER_SEND_METRICS: 'false',
  NO_UPDATE_NOTIFIER: '1',
  npm_config_update_notifier: 'false',
};

function log(msg) {
  process.stdout.write(`\n[litedao] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function must(cmd, args, opts) {
  const code = run(cmd, args, opts);
  if (code !== 0) {
    log(`failed (${code}): ${cmd} ${args.join(' ')}`);
    process.exit(code);
  }
}

/** Hash of every manifest pnpm installs from: a change to any of them means a new install. */
function manifestStamp() {
  const h = createHash('sha256');
  const files = ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml'];
  for (const dir of ['packages', 'examples']) {
    const base = join(root, dir);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) files.push(join(dir, name, 'package.json'));
  }
  for (const f of files) {
    const p = join(root, f);
    h.update(f);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  return h.digest('hex');
}

function nodeMajorOk() {
  const node = join(bin, 'node');
  if (!existsSync(node)) return false;
  const res = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  const [maj, min] = String(res.stdout).trim().split('.').map(Number);
  return maj > 22 || (maj === 22 && min >= 12);
}

function ensureInstalled() {
  const stampFile = join(root, 'node_modules', '.litedao-install-stamp');
  const stamp = manifestStamp();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && nodeMajorOk()) return;
  log(`installing dependencies with ${PNPM} (Node 22 comes from the registry's "node" package)`);
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) && process.env.CI ? ['--frozen-lockfile'] : [];
  must('npx', ['-y', PNPM, 'install', ...frozen]);
  if (!nodeMajorOk()) {
    log('node_modules/.bin/node is not Node >= 22.12 after install; see README "Requirements".');
    process.exit(1);
  }
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, stamp);
}

const PYTHON = process.env.LITEDAO_PYTHON ?? '/usr/bin/python3';

function pythonTemplateOk() {
  const res = spawnSync(PYTHON, ['-c', 'import sqlalchemy, aiosqlite'], { stdio: 'ignore' });
  return res.status === 0;
}

/** The lanes that drive Chromium (the consumers lane runs without it, minus its one Chromium test). */
const CHROMIUM_LANES = ['chromium', 'browser-app'];
/** Lanes that run without Chromium, minus their Chromium part: lane → vitest arguments that leave it out. */
const PARTLY_CHROMIUM = { docs: ['--project', 'docs'], consumers: [] };

/**
 * Debian packages some lanes need: Chromium for the browser lanes (Debian's; never a downloaded browser) and
 * the Python template's stack (python3-sqlalchemy, python3-aiosqlite) for the Node lane's interop test.
 * Installed with one `apt-get update` when missing and running as root. Otherwise nothing is installed: the
 * lanes that need Chromium are left out (the summary names them and the command that installs it) and every
 * other lane still runs. A LITEDAO_CHROMIUM path that does not exist is never "fixed" by installing Debian's.
 * Returns the missing packages.
 */
function ensureSystemPackages(lanesWanted) {
  const missing = [];
  const wantsChromium = lanesWanted.some((l) => CHROMIUM_LANES.includes(l) || l in PARTLY_CHROMIUM);
  if (wantsChromium && !existsSync(CHROMIUM)) missing.push('chromium');
  if (lanesWanted.includes('node') && !pythonTemplateOk()) missing.push('python3-sqlalchemy', 'python3-aiosqlite');
  if (missing.length === 0) return [];
  const installable = missing.filter((p) => p !== 'chromium' || !process.env.LITEDAO_CHROMIUM);
  if (process.getuid?.() === 0 && installable.length > 0) {
    log(`installing Debian packages: ${installable.join(' ')} (once per machine)`);
    const apt = { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } };
    must('apt-get', ['update'], apt);
    must('apt-get', ['install', '-y', '--no-install-recommends', ...installable], apt);
  }
  const still = missing.filter((p) => (p === 'chromium' ? !existsSync(CHROMIUM) : !pythonTemplateOk()));
  if (still.length) log(`missing Debian packages: ${still.join(' ')}; the lanes that need them cannot pass (see the summary).`);
  return still;
}

const node = () => join(bin, 'node');

/** Runs one vitest lane and records its JSON report, so the summary can count every lane's tests. */
function vitestLane(name, config, reports, extraArgs = []) {
  log(`test lane: ${name}`);
  const out = join(root, 'node_modules', '.litedao-reports', `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  const code = run(node(), [
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--config',
    config,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...extraArgs,
  ]);
  reports.push({ name, out, code });
}

/**
 * Prints one line per step and the closing line `Tests: N passed, N failed`. Lint and type-check count as one
 * test each; a lane that crashed, wrote no report or ran no test counts as a failure, never as a pass.
 */
function summarize(reports, notRun) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  /** Failed tests, printed last: CI often keeps only the tail of the output (a fast-check seed is in the message). */
  const failures = [];
  log('summary');
  for (const r of reports) {
    let line = `${r.name}: exit ${r.code}`;
    if (!r.out) {
      if (r.code === 0) passed += 1;
      else failed += 1;
      line = `${r.name}: ${r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`}`;
    } else if (existsSync(r.out)) {
      const j = JSON.parse(readFileSync(r.out, 'utf8'));
      passed += j.numPassedTests;
      failed += j.numFailedTests;
      skipped += j.numPendingTests + (j.numTodoTests ?? 0);
      line += `, ${j.numPassedTests} passed, ${j.numFailedTests} failed`;
      if (j.numTotalTests === 0 || (r.code !== 0 && j.numFailedTests === 0)) failed += 1;
      for (const file of j.testResults ?? []) {
        for (const a of file.assertionResults ?? []) {
          if (a.status === 'failed') failures.push({ lane: r.name, name: a.fullName, message: (a.failureMessages ?? []).join('\n') });
        }
        if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') {
          failures.push({ lane: r.name, name: relative(root, file.name), message: file.message ?? '' });
        }
      }
    } else {
      failed += 1;
      line += ', no report';
    }
    process.stdout.write(`  ${line}\n`);
  }
  for (const n of notRun) process.stdout.write(`  ${n.name}: DID NOT RUN (${n.why})\n`);
  if (notRun.length) {
    process.stdout.write(`\nNot every lane ran: ${notRun.map((n) => n.name).join(', ')}.\n`);
    for (const fix of new Set(notRun.map((n) => n.fix))) process.stdout.write(`To run them: ${fix}\n`);
  }
  if (failures.length) {
    process.stdout.write('\nFailed tests:\n');
    for (const f of failures) {
      const head = f.message
        .split('\n')
        .filter((l) => l.trim() && !/^\s+at /.test(l))
        .slice(0, 8);
      process.stdout.write(`  [${f.lane}] ${f.name}\n${head.map((l) => `      ${l.slice(0, 300)}\n`).join('')}`);
    }
  }
  process.stdout.write(`\nTests: ${passed} passed, ${failed + notRun.length} failed, ${skipped} skipped\n`);
  return failed === 0 && notRun.length === 0 ? 0 : 1;
}

const lanes = {
  node: 'vitest.config.ts',
  workerd: 'packages/adapter-d1/vitest.config.ts',
  // The Durable Objects adapter inside workerd, against SQLite-backed Durable Objects.
  do: 'packages/adapter-do/vitest.config.ts',
  'worker-bot': 'examples/worker-bot/vitest.config.ts',
  'worker-bot-do': 'examples/worker-bot-do/vitest.config.ts',
  chromium: 'packages/adapter-wasm/vitest.browser.config.ts',
  'browser-app': 'examples/browser-app/vitest.config.ts',
  // Links, EN/RU parity, code blocks type-checked and run, the API reference, mermaid rendered in Chromium.
  docs: 'scripts/docs/vitest.config.ts',
  // Last: it builds dist/ and packs; every lane before it runs on the sources.
  consumers: 'consumers/vitest.config.ts',
};

const cmd = process.argv[2] ?? 'test';
switch (cmd) {
  case 'setup':
    ensureInstalled();
    break;
  case 'demo':
    ensureInstalled();
    must(node(), ['examples/node-script/src/main.ts', ...process.argv.slice(3)]);
    break;
  case 'build':
    ensureInstalled();
    must(node(), ['scripts/build.mjs', ...process.argv.slice(3)]);
    break;
  case 'docs-api':
    ensureInstalled();
    must(node(), ['scripts/docs/api.ts', ...process.argv.slice(3)]);
    break;
  case 'bench':
    ensureInstalled();
    must(node(), ['bench/src/main.ts', ...process.argv.slice(3)]);
    break;
  case 'test': {
    ensureInstalled();
    const only = process.argv.slice(3);
    const wanted = only.length ? only : ['lint', 'types', ...Object.keys(lanes)];
    const reports = [];
    if (wanted.includes('lint')) {
      log('lint and format (biome)');
      reports.push({ name: 'lint', code: run(join(bin, 'biome'), ['ci', '.']) });
    }
    if (wanted.includes('types')) {
      log('type-check (tsc, every package)');
      reports.push({ name: 'types', code: run(node(), ['scripts/typecheck.mjs']) });
    }
    const missing = ensureSystemPackages(wanted);
    const notRun = [];
    const chromiumFix = `sudo apt-get update && sudo apt-get install -y chromium${
      process.env.LITEDAO_CHROMIUM
        ? `   (then unset LITEDAO_CHROMIUM, now ${CHROMIUM}, or point it at a Chromium binary)`
        : '   (or run npm test as root once)'
    }`;
    for (const [name, config] of Object.entries(lanes)) {
      if (!wanted.includes(name) || !existsSync(join(root, config))) continue;
      if (missing.includes('chromium') && CHROMIUM_LANES.includes(name)) {
        notRun.push({ name, why: `no Chromium at ${CHROMIUM}`, fix: chromiumFix });
        continue;
      }
      const partly = missing.includes('chromium') && name in PARTLY_CHROMIUM;
      vitestLane(name, config, reports, partly ? PARTLY_CHROMIUM[name] : []);
      if (partly) notRun.push({ name: `${name} (its Chromium part)`, why: `no Chromium at ${CHROMIUM}`, fix: chromiumFix });
    }
    if (missing.includes('python3-sqlalchemy')) {
      notRun.push({
        name: 'node (its Python interop test)',
        why: 'no python3-sqlalchemy/python3-aiosqlite',
        fix: 'sudo apt-get install -y python3-sqlalchemy python3-aiosqlite',
      });
    }
    process.exit(summarize(reports, notRun));
    break;
  }
  default:
    log(`unknown command ${cmd}; use demo, test, bench, build, docs-api or setup`);
    process.exit(2);
}
