/** Helpers of the consumers lane: run a command, make a consumer project from a fixture. */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..');
export const FIXTURES = join(import.meta.dirname, 'fixtures');
/** The workspace's pinned tools (the same versions the workspace develops with). */
export const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
export const WRANGLER = join(REPO_ROOT, 'packages', 'adapter-d1', 'node_modules', 'wrangler', 'bin', 'wrangler.js');
export const CHROMIUM = process.env.LITEDAO_CHROMIUM ?? '/usr/bin/chromium';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; never rejects, so a failure can be asserted with its output. */
export function sh(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = { cwd: REPO_ROOT },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 480_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Runs `node` (this process's Node, the workspace's 22) with plain arguments: no loader, no flags. */
export function node(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  return sh(process.execPath, args, { cwd, ...(env ? { env } : {}) });
}

/**
 * The workspace's wrangler, run in a consumer project, local only (no account, no network, no telemetry),
 * with its config and logs kept inside the project.
 */
export function wrangler(dir: string, ...args: string[]): Promise<Run> {
  return node([WRANGLER, ...args], dir, {
    CI: 'true',
    WRANGLER_SEND_METRICS: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    XDG_CONFIG_HOME: join(dir, '.config'),
    WRANGLER_LOG_PATH: join(dir, '.logs'),
    CLOUDFLARE_API_TOKEN: '',
    CLOUDFLARE_ACCOUNT_ID: '',
  });
}

/** `Run` as text for an assertion message. */
export function show(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

/** The version a workspace manifest pins for a dependency, so consumer projects test the same versions. */
export function pinned(manifest: string, dep: string): string {
  const m = JSON.parse(readFileSync(join(REPO_ROOT, manifest), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const v = m.dependencies?.[dep] ?? m.devDependencies?.[dep];
  if (!v) throw new Error(`${manifest} does not pin ${dep}`);
  return v;
}

/**
 * Creates `<work>/<name>` from `fixtures/<fixture>` (if any) with a fresh package.json, then `npm install`s the
 * given specs (tarball paths and `name@version`s) with plain npm, as a user would; `npmArgs` adds options
 * (e.g. `--install-strategy=linked` for a layout without hoisting).
 */
export async function makeProject(
  work: string,
  name: string,
  fixture: string | null,
  specs: readonly string[],
  npmArgs: readonly string[] = [],
): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  if (fixture) cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) {
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2)}\n`);
  }
  const run = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...npmArgs, ...specs], {
    cwd: dir,
    env: { npm_config_update_notifier: 'false' },
  });
  if (run.code !== 0) throw new Error(`npm install failed in ${dir}:\n${show(run)}`);
  return dir;
}

/** One `file(line,col): error TSxxxx: message` diagnostic of `tsc --pretty false`. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

export function diagnostics(output: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)) {
    out.push({ file: m[1] ?? '', line: Number(m[2]), code: m[3] ?? '', message: m[4] ?? '' });
  }
  return out;
}

/** `tsc -p <config>` in a project with the workspace's TypeScript. */
export function tsc(cwd: string, config: string): Promise<Run> {
  return node([TSC, '-p', config, '--pretty', 'false'], cwd);
}
