/**
 * The English and Russian trees must say the same things with the same code: the same pages, the same
 * heading skeleton, and the same code blocks in the same order. Code is compared by its tokens, so comments
 * may be written in each language; string literals, names and output blocks must be identical. Diagrams are
 * compared by their graph (nodes and edges) in the browser lane, since their labels are translated.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { CodeBlock, MarkdownDoc } from './markdown.ts';

/** Relative paths of the `.md` files under `dir`, sorted. */
export function markdownTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** The tokens of TypeScript code, comments and whitespace dropped. */
export function codeTokens(code: string): string[] {
  const sf = ts.createSourceFile('x.ts', code, {
    languageVersion: ts.ScriptTarget.Latest,
    jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
  });
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    const kids = n.getChildren(sf);
    if (kids.length === 0) {
      if (n.kind !== ts.SyntaxKind.EndOfFileToken && n.kind !== ts.SyntaxKind.SyntaxList) out.push(n.getText(sf));
      return;
    }
    for (const k of kids) visit(k);
  };
  visit(sf);
  return out;
}

/** Shell and SQL lines without their comments and blank lines. */
function commentlessLines(code: string, marker: '#' | '--'): string[] {
  const re = marker === '#' ? /(^|\s)#.*$/ : /(^|\s)--.*$/;
  return code
    .split('\n')
    .map((l) => l.replace(re, '').trimEnd())
    .filter((l) => l.trim() !== '');
}

/** What must be equal between the two languages for one code block. */
export function blockKey(block: CodeBlock): string {
  const info = [block.lang, ...[...block.flags].sort(), ...[...block.attrs].map(([k, v]) => `${k}=${v}`).sort()].join(' ');
  let body: string;
  switch (block.lang) {
    case 'ts':
    case 'typescript':
    case 'js':
    case 'javascript':
      body = JSON.stringify(codeTokens(block.code));
      break;
    case 'sh':
    case 'bash':
    case 'shell':
    case 'python':
    case 'py':
      body = JSON.stringify(commentlessLines(block.code, '#'));
      break;
    case 'sql':
      body = JSON.stringify(commentlessLines(block.code, '--'));
      break;
    case 'mermaid':
      body = ''; // labels are translated; the graphs are compared in the browser lane
      break;
    default:
      body = block.code;
  }
  return `${info}\n${body}`;
}

/** Differences between a page and its translation (empty when they match). */
export function pageDifferences(a: MarkdownDoc, b: MarkdownDoc): string[] {
  const diffs: string[] = [];
  const skeleton = (d: MarkdownDoc) => d.headings.map((h) => h.depth).join(',');
  if (skeleton(a) !== skeleton(b)) {
    diffs.push(`heading levels differ: ${a.file} has [${skeleton(a)}], ${b.file} has [${skeleton(b)}]`);
  }
  if (a.blocks.length !== b.blocks.length) {
    diffs.push(`${a.file} has ${a.blocks.length} code blocks, ${b.file} has ${b.blocks.length}`);
  }
  const n = Math.min(a.blocks.length, b.blocks.length);
  for (let i = 0; i < n; i++) {
    const x = a.blocks[i] as CodeBlock;
    const y = b.blocks[i] as CodeBlock;
    if (blockKey(x) !== blockKey(y)) {
      diffs.push(`code block ${i + 1} differs: ${x.file}:${x.line} (${x.lang}) vs ${y.file}:${y.line} (${y.lang})`);
    }
  }
  return diffs;
}

/** Headings a module page needs, in order, per language (the template's fixed shape). */
export const TEMPLATE_SHAPE: Readonly<Record<'en' | 'ru', readonly (readonly [number, string])[]>> = {
  en: [
    [2, 'How to use this code block'],
    [3, 'Description'],
    [3, 'Execution steps'],
    [3, 'Usage example'],
    [2, 'Algorithm'],
    [2, 'Diagram'],
    [2, 'Explanation'],
  ],
  ru: [
    [2, 'Как использовать этот блок кода'],
    [3, 'Описание'],
    [3, 'Порядок выполнения'],
    [3, 'Пример использования'],
    [2, 'Алгоритм'],
    [2, 'Диаграмма'],
    [2, 'Пояснения'],
  ],
};

/** The blocks between a heading and the next heading of the same or a higher level. */
function sectionBlocks(doc: MarkdownDoc, title: string): CodeBlock[] {
  const lines = doc.source.split(/\r?\n/);
  const start = lines.findIndex((l) => new RegExp(`^#{2,3} ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`).test(l));
  if (start < 0) return [];
  const level = (lines[start] as string).indexOf(' ');
  let end = lines.length;
  let fence = false;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i] as string;
    if (/^ {0,3}(`{3,}|~{3,})/.test(l)) fence = !fence;
    const m = /^(#{1,6}) /.exec(l);
    if (!fence && m && (m[1] as string).length <= level) {
      end = i;
      break;
    }
  }
  return doc.blocks.filter((b) => b.line > start && b.line <= end);
}

/** Problems with a module page's shape: missing or misordered sections, a usage example or diagrams missing. */
export function shapeProblems(doc: MarkdownDoc, lang: 'en' | 'ru'): string[] {
  const problems: string[] = [];
  const shape = TEMPLATE_SHAPE[lang];
  let at = 0;
  for (const [depth, text] of shape) {
    const found = doc.headings.findIndex((h, i) => i >= at && h.depth === depth && h.text === text);
    if (found < 0) problems.push(`missing section "${'#'.repeat(depth)} ${text}" (in this order: ${shape.map((s) => s[1]).join(' → ')})`);
    else at = found + 1;
  }
  if (problems.length) return problems;
  const [, , , usage, , diagram] = shape.map((s) => s[1]) as string[];
  if (!sectionBlocks(doc, usage as string).some((b) => b.lang === 'ts' || b.lang === 'typescript')) {
    problems.push(`"${usage}" has no TypeScript example`);
  }
  const diagrams = sectionBlocks(doc, diagram as string).filter((b) => b.lang === 'mermaid');
  if (diagrams.length < 2)
    problems.push(`"${diagram}" needs two mermaid diagrams (the flow, then the dependencies); found ${diagrams.length}`);
  else if (!/^\s*flowchart\s+TD\b/.test((diagrams[0] as CodeBlock).code))
    problems.push(`the first diagram in "${diagram}" must be a flowchart TD`);
  return problems;
}
