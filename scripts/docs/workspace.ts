/**
 * A scratch project in a temporary directory where code blocks are compiled and run as a user's code would
 * be: its `node_modules` links the workspace packages (`@litedao/core`, the adapters, the `litedao` CLI) and
 * the few libraries a block may import (zod, better-sqlite3, the Node/Workers type packages), exactly as pnpm
 * links them for the examples. Nothing is mocked: a `run` block opens a real SQLite file through better-sqlite3.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import type { Snippet, SnippetEnv } from './snippets.ts';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Package name → where it lives in this repository (the first that exists is linked). */
const LINKS: readonly (readonly [string, readonly string[]])[] = [
  ['@litedao/core', ['packages/core']],
  ['@litedao/adapter-node', ['packages/adapter-node']],
  ['@litedao/adapter-d1', ['packages/adapter-d1']],
  ['@litedao/adapter-do', ['packages/adapter-do']],
  ['@litedao/adapter-wasm', ['packages/adapter-wasm']],
  ['litedao', ['packages/cli']], // the CLI package: defineConfig for litedao.config.ts
  ['zod', ['packages/core/node_modules/zod']],
  ['better-sqlite3', ['packages/adapter-node/node_modules/better-sqlite3']],
  ['@types/better-sqlite3', ['packages/adapter-node/node_modules/@types/better-sqlite3']],
  ['@types/node', ['node_modules/@types/node']],
  ['@cloudflare/workers-types', ['packages/adapter-d1/node_modules/@cloudflare/workers-types']],
  ['@sqlite.org/sqlite-wasm', ['packages/adapter-wasm/node_modules/@sqlite.org/sqlite-wasm']],
  ['grammy', ['examples/worker-bot/node_modules/grammy']],
];

/** One compiler diagnostic, placed in the Markdown file when it falls in a block. */
export interface SnippetDiagnostic {
  /** `docs/en/models.md:42` (Markdown line), or a package file for errors outside the blocks. */
  readonly where: string;
  readonly message: string;
}

/** The outcome of one `run` block. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class SnippetWorkspace {
  readonly dir: string;
  #paths = new Map<Snippet, string>();
  #count = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'litedao-docs-'));
    const nm = join(this.dir, 'node_modules');
    for (const [name, candidates] of LINKS) {
      const found = candidates.map((c) => join(repoRoot, c)).find((p) => existsSync(p));
      if (!found) continue;
      const link = join(nm, name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(realpathSync(found), link, 'dir');
    }
    writeFileSync(join(this.dir, 'package.json'), JSON.stringify({ name: 'docs-snippets', private: true, type: 'module' }));
  }

  /** Writes a snippet as a module file and returns its path. */
  fileOf(snippet: Snippet): string {
    let p = this.#paths.get(snippet);
    if (p) return p;
    const base = snippet.name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
    p = join(this.dir, 'snippets', snippet.env, `${base}_${this.#count++}.ts`);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, snippet.text);
    this.#paths.set(snippet, p);
    return p;
  }

  /**
   * Type-checks snippets of one environment as one program with the repository's compiler settings
   * (tsconfig.base.json: strict, noUncheckedIndexedAccess, …) and that environment's globals. Returns the
   * diagnostics of each snippet, and those that fall outside every snippet (in a package's sources).
   */
  typecheck(env: SnippetEnv, snippets: readonly Snippet[]): { perSnippet: Map<Snippet, SnippetDiagnostic[]>; other: SnippetDiagnostic[] } {
    const files = snippets.map((s) => this.fileOf(s));
    const base = ts.readConfigFile(join(repoRoot, 'tsconfig.base.json'), ts.sys.readFile);
    if (base.error) throw new Error(ts.flattenDiagnosticMessageText(base.error.messageText, '\n'));
    const options = ts.parseJsonConfigFileContent(base.config, ts.sys, this.dir).options;
    options.noEmit = true;
    options.types = env === 'node' ? ['node'] : env === 'workerd' ? ['@cloudflare/workers-types'] : [];
    if (env === 'browser') options.lib = [...(options.lib ?? []), 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'];
    const host = ts.createCompilerHost(options);
    host.getCurrentDirectory = () => this.dir;
    const program = ts.createProgram({ rootNames: files, options, host });
    const byFile = new Map(files.map((f, i) => [resolve(f), snippets[i] as Snippet]));
    const perSnippet = new Map<Snippet, SnippetDiagnostic[]>(snippets.map((s) => [s, []]));
    const other: SnippetDiagnostic[] = [];
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      const snippet = d.file ? byFile.get(resolve(d.file.fileName)) : undefined;
      if (d.file && snippet && d.start !== undefined) {
        const line = d.file.getLineAndCharacterOfPosition(d.start).line;
        const src = snippet.sourceLines[line];
        const where = src
          ? `${relative(repoRoot, src.file)}:${src.line}`
          : `${relative(repoRoot, snippet.block.file)}:${snippet.block.line}`;
        perSnippet.get(snippet)?.push({ where, message });
      } else {
        const where = d.file ? relative(repoRoot, d.file.fileName) : '(compiler options)';
        other.push({ where, message });
      }
    }
    return { perSnippet, other };
  }

  /**
   * Runs a snippet on the workspace's Node (22, type stripping) in a fresh directory, with `DATABASE_URL`
   * set to a database file in it. `timeoutMs` is a hang guard only.
   */
  run(snippet: Snippet, timeoutMs = 120_000): Promise<RunResult> {
    const file = this.fileOf(snippet);
    const cwd = mkdtempSync(join(this.dir, 'run-'));
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [file], {
        cwd,
        env: { ...process.env, DATABASE_URL: `sqlite:///${join(cwd, 'docs.db')}`, NODE_NO_WARNINGS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', fail);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr });
      });
    });
  }

  /** The text a snippet module was written with (for failure reports). */
  text(snippet: Snippet): string {
    return readFileSync(this.fileOf(snippet), 'utf8');
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Output compared line by line without trailing spaces or trailing blank lines. */
export function normalizeOutput(s: string): string {
  return s
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd();
}
