/**
 * Reads Markdown files into what the docs checks need: fenced code blocks (with their info-string flags and
 * line numbers), links and images, and heading anchors. Every check takes a list of files, so the same code
 * serves the docs lane and a README snippet check.
 *
 * Code blocks are found by a fence scanner (CommonMark fences: ``` or ~~~, up to three spaces of indent, a
 * closing fence of the same character at least as long), because the checks report the line of each block;
 * links and headings come from `marked`'s lexer, which knows inline code, tables and reference definitions.
 */
import { readFileSync } from 'node:fs';
import { marked, type Token } from 'marked';

/** One fenced code block. */
export interface CodeBlock {
  /** The Markdown file it is in (as given). */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** 0-based position among the file's code blocks. */
  readonly index: number;
  /** The first word of the info string, lower-cased (`ts`, `mermaid`, `sh`, …; empty when none). */
  readonly lang: string;
  /** Words of the info string after the language that have no `=`: `run`, `output`, … */
  readonly flags: ReadonlySet<string>;
  /** `key=value` words of the info string: `id=setup`, `after=setup`, `env=workerd`. */
  readonly attrs: ReadonlyMap<string, string>;
  /** The block's text, without the fences, ending without a newline. */
  readonly code: string;
}

/** A link or image target found in a file. */
export interface LinkRef {
  readonly file: string;
  readonly href: string;
  /** `link`, `image`, `definition` (`[x]: url`) or `html` (`href=`/`src=` in inline HTML). */
  readonly kind: 'link' | 'image' | 'definition' | 'html';
}

/** A parsed Markdown file. */
export interface MarkdownDoc {
  readonly file: string;
  readonly source: string;
  readonly blocks: readonly CodeBlock[];
  readonly links: readonly LinkRef[];
  /** Headings in order: depth and plain text. */
  readonly headings: readonly { readonly depth: number; readonly text: string }[];
  /** GitHub-style anchors of the headings (`#…` targets). */
  readonly anchors: ReadonlySet<string>;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/** Finds the fenced code blocks of a Markdown text. */
export function codeBlocks(file: string, source: string): CodeBlock[] {
  const lines = source.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string);
    if (!open) continue;
    const indent = (open[1] as string).length;
    const fence = open[2] as string;
    const info = (open[3] as string).trim();
    if (fence[0] === '`' && info.includes('`')) continue; // not a fence: an inline code span
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] as string;
      const close = /^( {0,3})(`{3,}|~{3,})\s*$/.exec(line);
      if (close && (close[2] as string)[0] === fence[0] && (close[2] as string).length >= fence.length) break;
      // Content lines lose up to the opening fence's indent (CommonMark).
      body.push(line.replace(new RegExp(`^ {0,${indent}}`), ''));
    }
    const words = info.split(/\s+/).filter(Boolean);
    const lang = (words[0] ?? '').toLowerCase();
    const flags = new Set<string>();
    const attrs = new Map<string, string>();
    for (const w of words.slice(1)) {
      const eq = w.indexOf('=');
      if (eq > 0) attrs.set(w.slice(0, eq), w.slice(eq + 1));
      else flags.add(w);
    }
    blocks.push({ file, line: i + 1, index: blocks.length, lang, flags, attrs, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** GitHub's heading anchor: lower case, punctuation dropped (letters of any script kept), spaces to `-`. */
export function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The plain text of inline tokens: what a heading shows (code spans keep their text, links their label). */
function plainText(tokens: readonly Token[] | undefined, fallback: string): string {
  if (!tokens) return fallback;
  let out = '';
  for (const t of tokens) {
    const tok = t as Token & { tokens?: Token[]; text?: string };
    if (tok.type === 'html') continue;
    if (tok.tokens?.length) out += plainText(tok.tokens, tok.text ?? '');
    else out += tok.text ?? '';
  }
  return out;
}

const HTML_TARGET = /\b(?:href|src)\s*=\s*["']([^"']+)["']/gi;

function collect(file: string, node: unknown, links: LinkRef[]): void {
  if (Array.isArray(node)) {
    for (const n of node) collect(file, n, links);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const tok = node as Record<string, unknown>;
  if (tok.type === 'code' || tok.type === 'codespan') return;
  if ((tok.type === 'link' || tok.type === 'image') && typeof tok.href === 'string') {
    links.push({ file, href: tok.href, kind: tok.type });
  } else if (tok.type === 'def' && typeof tok.href === 'string') {
    links.push({ file, href: tok.href, kind: 'definition' });
  } else if (tok.type === 'html' && typeof tok.text === 'string') {
    for (const m of tok.text.matchAll(HTML_TARGET)) links.push({ file, href: m[1] as string, kind: 'html' });
  }
  for (const [key, value] of Object.entries(tok)) {
    if (key === 'raw' || key === 'text') continue;
    if (typeof value === 'object' && value !== null) collect(file, value, links);
  }
}

/** Parses a Markdown text (`file` is only used in reports). */
export function parseMarkdown(file: string, source: string): MarkdownDoc {
  const tokens = marked.lexer(source);
  const links: LinkRef[] = [];
  collect(file, tokens, links);
  const headings: { depth: number; text: string }[] = [];
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const t of tokens) {
    if (t.type !== 'heading') continue;
    const text = plainText(t.tokens, t.text);
    headings.push({ depth: t.depth, text });
    const base = slugify(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  // Explicit anchors: <a id="…"> / <a name="…">.
  for (const m of source.matchAll(/<a\s+(?:id|name)=["']([^"']+)["']/g)) anchors.add(m[1] as string);
  return { file, source, blocks: codeBlocks(file, source), links, headings, anchors };
}

/** Reads and parses a Markdown file. */
export function readMarkdown(file: string): MarkdownDoc {
  return parseMarkdown(file, readFileSync(file, 'utf8'));
}
