// Extracts the TypeScript code blocks of markdown files, so the consumers lane can type-check them against
// the packed packages and run the runnable ones (consumers/snippets.test.ts). Generic over any list of
// markdown files: add a file to SNIPPET_FILES (or pass your own list) and its blocks are checked.
//
// A block is a fenced code block whose info string starts with `ts` or `typescript`. Words after the language
// say how to check it (GitHub shows only the language, so readers never see them). The words are the docs
// lane's (scripts/docs/snippets.ts), so one vocabulary serves every markdown file:
//
//   ```ts                      a Node module (ESM, strict, Node's types), type-checked
//   ```ts env=workerd          a Cloudflare Worker module (workers-types, no DOM)
//   ```ts env=browser          a browser module (DOM) — including a dedicated Worker's script
//   ```ts run                  also run with plain `node`, twice, as an `.mjs` file in an empty directory: it
//                              must be valid JavaScript as written and safe to run again (Node only;
//                              DATABASE_URL=sqlite:///app.db is set)
//   ```ts id=setup             names a block, so a later block can build on it
//   ```ts after=setup          appended to the named block of the same file: one program told in several
//                              blocks (a group: one module, one file, one set of imports)
//   ```ts nocheck              not checked (say why in the text around it; use sparingly)
//
// The difference from the docs lane: this checks against the packed tarballs installed with npm (the
// consumers lane), the docs lane against the workspace.

import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The markdown files whose TypeScript blocks are checked (paths relative to the repository root). */
export const SNIPPET_FILES = [
  'README.md',
  'packages/core/README.md',
  'packages/adapter-node/README.md',
  'packages/adapter-d1/README.md',
  'packages/adapter-do/README.md',
  'packages/adapter-wasm/README.md',
];

const ENVS = new Set(['node', 'workerd', 'browser']);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\b(.*)$/;

/**
 * @typedef {{ line: number, id: string | undefined, code: string }} Block
 * @typedef {{ id: string, file: string, line: number, env: 'node' | 'workerd' | 'browser', run: boolean, code: string, blocks: Block[] }} Snippet
 * One group of blocks: `line` is the first block's opening fence (1-based), `id` a file-name-safe name,
 * `code` the blocks joined, `blocks` each block on its own.
 */

/**
 * Parses one markdown text into snippet groups.
 * @param {string} text
 * @param {string} file the name used in ids and messages
 * @returns {Snippet[]}
 */
export function parseSnippets(text, file) {
  const lines = text.split('\n');
  /** @type {Snippet[]} */
  const groups = [];
  /** @type {Map<string, Snippet>} */
  const names = new Map();
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, , info] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j];
      const t = l.trim();
      if (t.length >= fence.length && t === fence[0].repeat(t.length)) break;
      body.push(indent && l.startsWith(indent) ? l.slice(indent.length) : l);
    }
    if (j === lines.length) throw new Error(`${file}:${i + 1}: code block is never closed`);
    const words = info.trim().split(/\s+/).filter(Boolean);
    const flags = new Set(words.filter((w) => !w.includes('=')));
    const attrs = Object.fromEntries(words.filter((w) => w.includes('=')).map((w) => w.split('=', 2)));
    for (const w of flags) if (!['run', 'nocheck'].includes(w)) throw new Error(`${file}:${i + 1}: unknown snippet flag "${w}"`);
    for (const k of Object.keys(attrs))
      if (!['env', 'id', 'after'].includes(k)) throw new Error(`${file}:${i + 1}: unknown snippet attribute "${k}"`);
    const env = attrs.env ?? 'node';
    if (!ENVS.has(env)) throw new Error(`${file}:${i + 1}: env must be node, workerd or browser, not "${env}"`);
    const line = i + 1;
    i = j;
    if (flags.has('nocheck')) continue;
    const code = `${body.join('\n')}\n`;
    if (attrs.after !== undefined) {
      const prev = names.get(attrs.after);
      if (!prev) throw new Error(`${file}:${line}: after=${attrs.after} needs an earlier block with id=${attrs.after} in the same file`);
      if (attrs.env !== undefined && prev.env !== env) throw new Error(`${file}:${line}: a block after another keeps its env=${prev.env}`);
      prev.code += `\n${code}`;
      prev.blocks.push({ line, id: attrs.id, code });
      if (attrs.id) names.set(attrs.id, prev);
      prev.run ||= flags.has('run');
      continue;
    }
    if (flags.has('run') && env !== 'node') throw new Error(`${file}:${line}: only env=node blocks can run`);
    const id = `${file.replace(/[^A-Za-z0-9]+/g, '_')}_L${line}`;
    const group = { id, file, line, env, run: flags.has('run'), code, blocks: [{ line, id: attrs.id, code }] };
    groups.push(group);
    if (attrs.id) names.set(attrs.id, group);
  }
  return groups;
}

/**
 * Reads and parses markdown files.
 * @param {string} root the repository root
 * @param {readonly string[]} [files] paths relative to root (default SNIPPET_FILES)
 * @returns {Snippet[]}
 */
export function extractSnippets(root, files = SNIPPET_FILES) {
  return files.flatMap((f) => parseSnippets(readFileSync(join(root, f), 'utf8'), relative(root, join(root, f))));
}
