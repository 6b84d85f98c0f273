/**
 * Which Markdown files the docs lane checks. Every check takes a list of files; this is the docs lane's list.
 */
import { join, relative } from 'node:path';
import { type CodeBlock, readMarkdown } from './markdown.ts';
import { markdownTree } from './parity.ts';
import { repoRoot } from './workspace.ts';

export const docsDir = join(repoRoot, 'docs');
export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Pages of a language tree that are not module pages (no fixed template shape). */
export const FREE_FORM_PAGES: ReadonlySet<string> = new Set(['index.md', 'from-python-template.md']);

/** Every Markdown file under docs/, the generated API reference included (absolute paths). */
export function allDocsFiles(): string[] {
  return markdownTree(docsDir).map((f) => join(docsDir, f));
}

/** The hand-written Markdown under docs/: everything but the generated API reference. */
export function writtenDocsFiles(): string[] {
  return allDocsFiles().filter((f) => !relative(docsDir, f).startsWith(`api/`));
}

/** One mermaid block, with the key that pairs it with its translation. */
export interface MermaidBlock {
  /** Path relative to the repository root. */
  readonly file: string;
  readonly line: number;
  readonly code: string;
  /** `models.md#2` for the third diagram of en/models.md and ru/models.md; undefined outside the language trees. */
  readonly pair: string | undefined;
  readonly language: Language | undefined;
}

/** The mermaid blocks of some Markdown files. */
export function mermaidBlocks(files: readonly string[]): MermaidBlock[] {
  const out: MermaidBlock[] = [];
  for (const f of files) {
    const rel = relative(docsDir, f);
    const lang = LANGUAGES.find((l) => rel.startsWith(`${l}/`));
    const page = lang ? rel.slice(lang.length + 1) : undefined;
    const blocks = readMarkdown(f).blocks.filter((b: CodeBlock) => b.lang === 'mermaid');
    blocks.forEach((b, i) => {
      out.push({ file: relative(repoRoot, f), line: b.line, code: b.code, pair: page ? `${page}#${i}` : undefined, language: lang });
    });
  }
  return out;
}
