/** README snippets in a consumer project: written as files, type-checked, and the runnable ones run twice. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSnippets, type Snippet } from '../scripts/snippets.mjs';
import { REPO_ROOT } from './harness.ts';

/** Every checked snippet of the documentation for one environment. */
export function snippetsFor(env: Snippet['env']): Snippet[] {
  return extractSnippets(REPO_ROOT).filter((s) => s.env === env);
}

/**
 * Writes the snippets to `<dir>/snippets/<id>.ts` and a tsconfig.snippets.json that checks exactly them with
 * the given compiler options. Returns the config's file name.
 */
export function writeSnippetProject(dir: string, snippets: readonly Snippet[], compilerOptions: Record<string, unknown>): string {
  mkdirSync(join(dir, 'snippets'), { recursive: true });
  for (const s of snippets) writeFileSync(join(dir, 'snippets', `${s.id}.ts`), `// ${s.file}:${s.line}\n${s.code}`);
  const config = {
    compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, isolatedModules: true, ...compilerOptions },
    files: snippets.map((s) => `snippets/${s.id}.ts`),
  };
  writeFileSync(join(dir, 'tsconfig.snippets.json'), `${JSON.stringify(config, null, 2)}\n`);
  return 'tsconfig.snippets.json';
}

/** Maps `snippets/<id>.ts(line,…)` diagnostics back to the markdown file and line, for readable failures. */
export function whereInDocs(output: string, snippets: readonly Snippet[]): string {
  return output.replace(/snippets\/([\w]+)\.ts\((\d+),(\d+)\)/g, (m, id: string, line: string) => {
    const s = snippets.find((x) => x.id === id);
    // Line 1 of the file is the `// file:line` header; the code starts on the fence's next line.
    return s ? `${s.file}:${s.line + Number(line) - 1} (${m})` : m;
  });
}
