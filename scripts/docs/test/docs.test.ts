/**
 * The docs lane, Node side: the checks run over the real docs/ tree. Each page, block and link is its own
 * test, so a failure names the file and line to fix.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkApiReference } from '../api.ts';
import { allDocsFiles, docsDir, FREE_FORM_PAGES, LANGUAGES, writtenDocsFiles } from '../files.ts';
import { brokenLinks } from '../links.ts';
import { type MarkdownDoc, readMarkdown } from '../markdown.ts';
import { codeTokens, markdownTree, pageDifferences, shapeProblems } from '../parity.ts';
import { pageSnippets, type Snippet, type SnippetEnv } from '../snippets.ts';
import { normalizeOutput, repoRoot, type SnippetDiagnostic, SnippetWorkspace } from '../workspace.ts';

const rel = (f: string) => relative(repoRoot, f);
const docs = new Map<string, MarkdownDoc>(allDocsFiles().map((f) => [f, readMarkdown(f)]));
const written = writtenDocsFiles().map((f) => docs.get(f) as MarkdownDoc);

describe('relative links resolve', () => {
  const cache = new Map(docs);
  it.each([...docs.values()].map((d) => [rel(d.file), d] as const))('%s', (_name, doc) => {
    const broken = brokenLinks(doc, cache).map((b) => `${b.link.href}: ${b.reason}`);
    expect(broken).toEqual([]);
  });
});

describe('English and Russian trees match', () => {
  const [en, ru] = LANGUAGES.map((l) => markdownTree(join(docsDir, l)));

  it('both trees exist and have an index', () => {
    for (const l of LANGUAGES) expect(existsSync(join(docsDir, l, 'index.md')), `docs/${l}/index.md`).toBe(true);
  });

  it('have the same pages', () => {
    expect(ru).toEqual(en);
  });

  it.each((en ?? []).filter((p) => ru?.includes(p)))('%s: same headings skeleton and the same code blocks', (page) => {
    const a = docs.get(join(docsDir, 'en', page)) as MarkdownDoc;
    const b = docs.get(join(docsDir, 'ru', page)) as MarkdownDoc;
    expect(pageDifferences(a, b)).toEqual([]);
  });
});

describe("module pages follow the template's shape", () => {
  const pages = LANGUAGES.flatMap((l) =>
    markdownTree(join(docsDir, l))
      .filter((p) => !FREE_FORM_PAGES.has(p))
      .map((p) => [`${l}/${p}`, l, docs.get(join(docsDir, l, p)) as MarkdownDoc] as const),
  );
  it.each(pages)('%s', (_name, lang, doc) => {
    expect(shapeProblems(doc, lang)).toEqual([]);
  });
});

describe('TypeScript blocks', () => {
  const workspace = new SnippetWorkspace();
  afterAll(() => workspace.dispose());
  const snippets: Snippet[] = written.flatMap((d) => pageSnippets(d));
  const envs: SnippetEnv[] = ['node', 'workerd', 'browser'];
  const checked = new Map<SnippetEnv, { perSnippet: Map<Snippet, SnippetDiagnostic[]>; other: SnippetDiagnostic[] }>();
  const diagnosticsOf = (env: SnippetEnv) => {
    let c = checked.get(env);
    if (!c) {
      c = workspace.typecheck(
        env,
        snippets.filter((s) => s.env === env),
      );
      checked.set(env, c);
    }
    return c;
  };

  it('there are blocks to check, and some run', () => {
    expect(snippets.length).toBeGreaterThan(0);
    expect(snippets.some((s) => s.block.flags.has('run'))).toBe(true);
  });

  it.each(envs)('the packages themselves compile in the %s environment', (env) => {
    if (!snippets.some((s) => s.env === env)) return;
    expect(diagnosticsOf(env).other.map((d) => `${d.where}: ${d.message}`)).toEqual([]);
  });

  for (const env of envs.filter((e) => snippets.some((s) => s.env === e))) {
    describe(`type-check (${env})`, () => {
      const mine = snippets.filter((s) => s.env === env);
      it.each(mine.map((s) => [rel(s.name), s] as const))('%s', (_name, snippet) => {
        const diags = diagnosticsOf(env).perSnippet.get(snippet) ?? [];
        expect(diags.map((d) => `${d.where}: ${d.message}`)).toEqual([]);
      });
    });
  }

  // The Russian pages carry the same code (checked above: same tokens), so each distinct module runs once.
  const seen = new Set<string>();
  const runnable = snippets.filter((s) => {
    const key = JSON.stringify(codeTokens(s.text));
    if (!s.block.flags.has('run') || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  it.each(runnable.map((s) => [rel(s.name), s] as const))('run on Node: %s', async (_name, snippet) => {
    const res = await workspace.run(snippet);
    expect(res.code, `exit code; stderr:\n${res.stderr}\nmodule:\n${workspace.text(snippet)}`).toBe(0);
    if (snippet.expectedOutput !== undefined) expect(normalizeOutput(res.stdout)).toBe(normalizeOutput(snippet.expectedOutput));
  });
});

describe('API reference', () => {
  it('docs/api matches what TypeDoc generates from the current sources (else run `npm run docs:api`)', () => {
    const { diffs } = checkApiReference();
    expect(diffs).toEqual([]);
  });
});
