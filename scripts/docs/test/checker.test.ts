/**
 * The checker's own tests: each check must fail on a page that is wrong, or the docs lane proves nothing.
 * Fixtures are written to a temporary directory; the TypeScript checks compile and run for real.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenLinks } from '../links.ts';
import { codeBlocks, parseMarkdown, readMarkdown, slugify } from '../markdown.ts';
import { blockKey, codeTokens, pageDifferences, shapeProblems, TEMPLATE_SHAPE } from '../parity.ts';
import { pageSnippets, SnippetError } from '../snippets.ts';
import { normalizeOutput, SnippetWorkspace } from '../workspace.ts';

const dir = mkdtempSync(join(tmpdir(), 'litedao-doccheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function page(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const fence = '```';

describe('code blocks', () => {
  it('reads fences, info flags and attributes, and line numbers', () => {
    const src = [
      '# T',
      '',
      `${fence}ts run id=a env=node`,
      'const x = 1;',
      fence,
      '',
      '~~~~mermaid',
      'flowchart TD',
      '```',
      '~~~~',
      `${fence}text output`,
      'hi',
      fence,
    ].join('\n');
    const blocks = codeBlocks('f.md', src);
    expect(blocks.map((b) => [b.line, b.lang, [...b.flags], Object.fromEntries(b.attrs), b.code])).toEqual([
      [3, 'ts', ['run'], { id: 'a', env: 'node' }, 'const x = 1;'],
      [7, 'mermaid', [], {}, 'flowchart TD\n```'],
      [11, 'text', ['output'], {}, 'hi'],
    ]);
  });
});

describe('links', () => {
  it('reports a missing file and a missing anchor, accepts headings in any script and external links', () => {
    page('links/target.md', '# Модели и Base\n\n## Step 2: `commit()`\n\n## Step 2: `commit()`\n');
    const src = page(
      'links/source.md',
      [
        '[ok](target.md)',
        '[ru](target.md#модели-и-base)',
        '[code](target.md#step-2-commit)',
        '[dup](target.md#step-2-commit-1)',
        '[gone](missing.md)',
        '[bad anchor](target.md#nope)',
        '[web](https://example.com/x)',
        '`[in code](nothere.md)`',
        '',
        '| a | [cell](nothere-either.md) |',
        '| - | - |',
        '',
        '[ref]: ./also-missing.md',
      ].join('\n'),
    );
    const broken = brokenLinks(readMarkdown(src)).map((b) => b.link.href);
    expect(broken).toEqual(['missing.md', 'target.md#nope', 'nothere-either.md', './also-missing.md']);
  });

  it('slugs like GitHub: lower case, punctuation dropped, spaces to dashes', () => {
    expect(slugify('Coming from the Python template')).toBe('coming-from-the-python-template');
    expect(slugify('Ошибки: дерево `DaoError`')).toBe('ошибки-дерево-daoerror');
    expect(slugify('BaseDAO (the repository)')).toBe('basedao-the-repository');
  });
});

describe('parity of translations', () => {
  const tsCode = fc
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source text with a template literal in it
    .array(fc.constantFrom('const a = 1;', "const s = 'x // not a comment';", 'await f(a, `t ${a} //x`);', 'class A {}', 'a.b(c);'), {
      minLength: 1,
      maxLength: 6,
    })
    .map((lines) => lines.join('\n'));

  it('comments and whitespace do not count (property)', () => {
    fc.assert(
      fc.property(tsCode, fc.array(fc.constantFrom('// комментарий', '/* note */', '', '   '), { maxLength: 4 }), (code, notes) => {
        const commented = code
          .split('\n')
          .map((l, i) => `${l} ${notes[i % Math.max(1, notes.length)] ?? ''}`)
          .join('\n');
        expect(codeTokens(commented)).toEqual(codeTokens(code));
      }),
    );
  });

  it('any change to a token counts (property)', () => {
    fc.assert(
      fc.property(tsCode, (code) => {
        const tokens = codeTokens(code);
        const changed = code.replace(/\b(a|s|A|f|b|c)\b/, 'zz');
        fc.pre(changed !== code);
        expect(codeTokens(changed)).not.toEqual(tokens);
      }),
    );
  });

  it('finds a missing block, a changed string literal and a different heading skeleton', () => {
    const en = parseMarkdown('en.md', `# A\n\n## B\n\n${fence}ts\nconst a = 'x'; // en\n${fence}\n\n${fence}sh\nnpm test\n${fence}\n`);
    const ruSame = parseMarkdown(
      'ru.md',
      `# А\n\n## Б\n\n${fence}ts\nconst a = 'x'; // ru\n${fence}\n\n${fence}sh\nnpm test # тесты\n${fence}\n`,
    );
    const ruOther = parseMarkdown('ru.md', `# А\n\n### Б\n\n${fence}ts\nconst a = 'y';\n${fence}\n`);
    expect(pageDifferences(en, ruSame)).toEqual([]);
    expect(pageDifferences(en, ruOther)).toHaveLength(3);
    expect(blockKey(en.blocks[0] as never)).toBe(blockKey(ruSame.blocks[0] as never));
  });
});

describe("the template's page shape", () => {
  const shaped = (lang: 'en' | 'ru', drop?: string) =>
    TEMPLATE_SHAPE[lang]
      .filter(([, t]) => t !== drop)
      .map(([d, t]) => {
        const body =
          t === TEMPLATE_SHAPE[lang][3]?.[1]
            ? `${fence}ts\nconst x = 1;\n${fence}`
            : t === TEMPLATE_SHAPE[lang][5]?.[1]
              ? `${fence}mermaid\nflowchart TD\n  A --> B\n${fence}\n\n${fence}mermaid\nflowchart LR\n  C --> D\n${fence}`
              : 'Text.';
        return `${'#'.repeat(d)} ${t}\n\n${body}\n`;
      })
      .join('\n');

  it('accepts a complete page in both languages', () => {
    expect(shapeProblems(parseMarkdown('en.md', `# Page\n\n${shaped('en')}`), 'en')).toEqual([]);
    expect(shapeProblems(parseMarkdown('ru.md', `# Страница\n\n${shaped('ru')}`), 'ru')).toEqual([]);
  });

  it('reports a missing section, and a Diagram section without two diagrams', () => {
    expect(shapeProblems(parseMarkdown('en.md', shaped('en', 'Algorithm')), 'en')[0]).toMatch(/missing section "## Algorithm"/);
    const oneDiagram = shaped('en').replace(/\n\n```mermaid\nflowchart LR[\s\S]*?```/, '');
    expect(shapeProblems(parseMarkdown('en.md', oneDiagram), 'en')).toEqual([
      '"Diagram" needs two mermaid diagrams (the flow, then the dependencies); found 1',
    ]);
  });
});

describe('TypeScript blocks, compiled and run for real', () => {
  const ws = new SnippetWorkspace();
  afterAll(() => ws.dispose());
  const md = [
    '# Fixture',
    '',
    `${fence}ts id=setup`,
    "import { declarativeBase, t } from '@litedao/core';",
    'const Base = declarativeBase();',
    "class Note extends Base('Note', { body: t.text() }) {}",
    fence,
    '',
    `${fence}ts after=setup run`,
    "import { createNodeEngine } from '@litedao/adapter-node';",
    "import { createSessionMaker, t } from '@litedao/core';",
    'const engine = createNodeEngine();',
    'await Base.metadata.createAll(engine);',
    "await createSessionMaker(engine).begin(async (s) => s.add(new Note({ body: 'hi' })));",
    'console.log(t !== undefined, Note.tableName);',
    'await engine.close();',
    fence,
    '',
    `${fence}text output`,
    'true notes',
    fence,
    '',
    `${fence}ts after=setup`,
    'const n: number = new Note({ body: 1 });',
    fence,
    '',
    `${fence}ts run`,
    "throw new Error('boom');",
    fence,
  ].join('\n');
  const snippets = pageSnippets(parseMarkdown(page('snippets.md', md), md));

  it('composes after=… blocks: context first, imports hoisted and deduplicated', () => {
    expect(snippets).toHaveLength(4);
    const run = snippets[1];
    expect(run?.text.match(/from '@litedao\/core'/g)).toHaveLength(2);
    expect(run?.text).toContain("import { createSessionMaker } from '@litedao/core';");
    expect(run?.expectedOutput).toBe('true notes');
  });

  it('reports type errors at their Markdown line; accepts the correct blocks', () => {
    const { perSnippet, other } = ws.typecheck('node', snippets);
    expect(other).toEqual([]);
    expect(perSnippet.get(snippets[0] as never)).toEqual([]);
    expect(perSnippet.get(snippets[1] as never)).toEqual([]);
    const bad = perSnippet.get(snippets[2] as never) ?? [];
    expect(bad.some((d) => d.where.endsWith('snippets.md:24'))).toBe(true);
  });

  it('runs a block against a temporary database, and sees a failing one fail', async () => {
    const ok = await ws.run(snippets[1] as never);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(normalizeOutput(ok.stdout)).toBe('true notes');
    const failing = await ws.run(snippets[3] as never);
    expect(failing.code).not.toBe(0);
    expect(failing.stderr).toMatch(/boom/);
  });

  it('refuses an unknown after= and run outside Node', () => {
    expect(() => pageSnippets(parseMarkdown('x.md', `${fence}ts after=nope\nx;\n${fence}\n`))).toThrow(SnippetError);
    expect(() => pageSnippets(parseMarkdown('x.md', `${fence}ts env=workerd run\nx;\n${fence}\n`))).toThrow(SnippetError);
  });
});
