/**
 * TypeScript code blocks as modules. Each `ts` block is checked as its own module against the packages, as a
 * user who installed them from npm would compile it. Flags in the info string (GitHub shows only the first
 * word, the language):
 *
 * - `id=NAME` names a block so others can build on it.
 * - `after=NAME` checks (and runs) the block after the named one: the named block's imports and code come
 *   first, then this block's code inside `{ … }` (so it may reuse names), its imports hoisted to the top
 *   (names the context already imports are not imported twice).
 *   Chains are allowed. The named block must be earlier on the same page.
 * - `env=node|workerd|browser` picks the globals: Node's (default), Cloudflare Workers', or the DOM's.
 *   A block after another inherits its environment.
 * - `run` runs the block on Node (env=node only) in a fresh temporary directory with `DATABASE_URL` pointing
 *   at a database file there; a non-zero exit fails the check.
 * - A ```` ```text output ```` block right after a `run` block is the exact output the run must print.
 * - `nocheck` leaves a block unchecked: only for code that is meant not to compile, and it must say so.
 */
import ts from 'typescript';
import type { CodeBlock, MarkdownDoc } from './markdown.ts';

export type SnippetEnv = 'node' | 'workerd' | 'browser';

const ENVS: readonly SnippetEnv[] = ['node', 'workerd', 'browser'];

/** A TypeScript block made into a whole module. */
export interface Snippet {
  readonly block: CodeBlock;
  readonly env: SnippetEnv;
  /** The module text. */
  readonly text: string;
  /** For each line of `text` (0-based), the Markdown file and 1-based line it came from, or null. */
  readonly sourceLines: readonly ({ readonly file: string; readonly line: number } | null)[];
  /** Expected stdout of a `run` block (from a following `text output` block), or undefined. */
  readonly expectedOutput: string | undefined;
  /** A stable name for the block: `docs/en/models.md:42`. */
  readonly name: string;
}

/** A problem in how blocks are annotated (unknown `after`, bad env, `run` outside Node). */
export class SnippetError extends Error {}

export function isTypeScript(block: CodeBlock): boolean {
  return block.lang === 'ts' || block.lang === 'typescript';
}

interface Line {
  readonly text: string;
  /** 1-based line in `file`; 0 for lines the composition adds. */
  readonly line: number;
  readonly file: string;
}

interface Parts {
  /** Import declarations, each as its lines. */
  imports: Line[][];
  body: Line[];
}

/** Splits a block into its import declarations and the rest (import lines blanked, so lines keep their place). */
function split(block: CodeBlock): Parts {
  const sf = ts.createSourceFile('block.ts', block.code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lines = block.code.split('\n');
  const first = block.line + 1; // the fence is on block.line
  const imports: Line[][] = [];
  const blank = new Set<number>();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    const start = sf.getLineAndCharacterOfPosition(st.getStart(sf)).line;
    const end = sf.getLineAndCharacterOfPosition(st.getEnd()).line;
    const decl: Line[] = [];
    for (let l = start; l <= end; l++) {
      decl.push({ text: lines[l] as string, line: first + l, file: block.file });
      blank.add(l);
    }
    imports.push(decl);
  }
  const body = lines.map((text, l) => ({ text: blank.has(l) ? '' : text, line: first + l, file: block.file }));
  return { imports, body };
}

/** The local names an import declaration binds. */
function boundNames(decl: readonly Line[]): string[] {
  const sf = ts.createSourceFile('i.ts', decl.map((l) => l.text).join('\n'), ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  for (const st of sf.statements) {
    const clause = ts.isImportDeclaration(st) ? st.importClause : undefined;
    if (!clause) continue;
    if (clause.name) names.push(clause.name.text);
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) names.push(nb.name.text);
    if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) names.push(el.name.text);
  }
  return names;
}

/**
 * A block's import declaration without the bindings its context already has: unchanged when nothing is
 * shared, dropped when everything is, else rewritten with the remaining named imports on its first line.
 */
function withoutBound(decl: readonly Line[], bound: ReadonlySet<string>): Line[] | null {
  const names = boundNames(decl);
  if (!names.some((n) => bound.has(n))) return [...decl];
  if (names.every((n) => bound.has(n))) return null;
  const sf = ts.createSourceFile('i.ts', decl.map((l) => l.text).join('\n'), ts.ScriptTarget.Latest, true);
  const st = sf.statements[0];
  if (!st || !ts.isImportDeclaration(st) || !st.importClause) return [...decl];
  const clause = st.importClause;
  const nb = clause.namedBindings;
  const parts: string[] = [];
  if (clause.name && !bound.has(clause.name.text)) parts.push(clause.name.text);
  if (nb && ts.isNamespaceImport(nb) && !bound.has(nb.name.text)) parts.push(`* as ${nb.name.text}`);
  if (nb && ts.isNamedImports(nb)) {
    const kept = nb.elements.filter((el) => !bound.has(el.name.text)).map((el) => el.getText(sf));
    if (kept.length) parts.push(`{ ${kept.join(', ')} }`);
  }
  const typeOnly = clause.isTypeOnly ? 'type ' : '';
  const first = decl[0] as Line;
  return [{ ...first, text: `import ${typeOnly}${parts.join(', ')} from ${st.moduleSpecifier.getText(sf)};` }];
}

/** Makes modules of a page's TypeScript blocks. */
export function pageSnippets(doc: MarkdownDoc): Snippet[] {
  const byId = new Map<string, { block: CodeBlock; composed: Parts; env: SnippetEnv }>();
  const out: Snippet[] = [];
  const blocks = doc.blocks;
  for (const block of blocks) {
    if (!isTypeScript(block) || block.flags.has('nocheck')) continue;
    const name = `${block.file}:${block.line}`;
    const after = block.attrs.get('after');
    const ctx = after === undefined ? undefined : byId.get(after);
    if (after !== undefined && !ctx) throw new SnippetError(`${name}: after=${after} names no earlier block with id=${after}`);
    const envAttr = block.attrs.get('env');
    if (envAttr !== undefined && !ENVS.includes(envAttr as SnippetEnv)) throw new SnippetError(`${name}: unknown env=${envAttr}`);
    const env = (envAttr as SnippetEnv | undefined) ?? ctx?.env ?? 'node';
    if (block.flags.has('run') && env !== 'node') throw new SnippetError(`${name}: only env=node blocks can run`);
    const own = split(block);
    let composed: Parts;
    if (ctx) {
      const bound = new Set(ctx.composed.imports.flatMap(boundNames));
      const extra = own.imports.map((d) => withoutBound(d, bound)).filter((d): d is Line[] => d !== null);
      composed = {
        imports: [...ctx.composed.imports, ...extra],
        body: [...ctx.composed.body, { text: '{', line: 0, file: '' }, ...own.body, { text: '}', line: 0, file: '' }],
      };
    } else composed = own;
    const id = block.attrs.get('id');
    if (id !== undefined) {
      if (byId.has(id)) throw new SnippetError(`${name}: id=${id} is used twice on this page`);
      byId.set(id, { block, composed, env });
    }
    const all = [...composed.imports.flat(), ...composed.body];
    // `export {}` makes even an import-free block a module (top-level await, no global leaks between blocks).
    const text = `${all.map((l) => l.text).join('\n')}\nexport {};\n`;
    const sourceLines = [...all.map((l) => (l.line > 0 ? { file: l.file, line: l.line } : null)), null];
    const next = blocks[block.index + 1];
    const expectedOutput = block.flags.has('run') && next?.flags.has('output') ? next.code : undefined;
    out.push({ block, env, text, sourceLines, expectedOutput, name });
  }
  return out;
}
