/**
 * The docs lane, browser side: every mermaid block of docs/ parses and renders to SVG with the real `mermaid`
 * package in headless Chromium, a translated diagram has the same graph as the English one, and one page is
 * rendered the way a reader sees it and saved as a screenshot.
 */
import { marked } from 'marked';
import mermaid from 'mermaid';
import { describe, expect, inject, it } from 'vitest';
import { page } from 'vitest/browser';

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });

const blocks = inject('mermaidBlocks');
let seq = 0;

/** Renders one diagram into a detached container and returns the SVG text. */
async function render(code: string): Promise<string> {
  const { svg } = await mermaid.render(`docs-diagram-${seq++}`, code);
  return svg;
}

/** Node ids and edges of a flowchart (labels left out: they are translated). */
async function graphOf(code: string): Promise<{ type: string; nodes: string[]; edges: string[] } | null> {
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(code);
  const type = diagram.type;
  const db = diagram.db as { getVertices?: () => Map<string, unknown>; getEdges?: () => { start: string; end: string }[] };
  if (!db.getVertices || !db.getEdges) return { type, nodes: [], edges: [] };
  return {
    type,
    nodes: [...db.getVertices().keys()].sort(),
    edges: db
      .getEdges()
      .map((e) => `${e.start}->${e.end}`)
      .sort(),
  };
}

describe('mermaid blocks render', () => {
  it('there are diagrams in docs/', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it('a syntax error is reported, not rendered (the check can fail)', async () => {
    await expect(mermaid.parse('flowchart TD\n  A[ok] --> B[unclosed')).rejects.toThrow();
  });

  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))('%s', async (_name, block) => {
    await expect(mermaid.parse(block.code)).resolves.toBeTruthy();
    const svg = await render(block.code);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toMatch(/Syntax error/i);
    const el = new DOMParser().parseFromString(svg, 'image/svg+xml');
    expect(el.querySelector('parsererror')).toBeNull();
    expect(el.querySelectorAll('g.node, g.nodes > g, .node').length + el.querySelectorAll('text, foreignObject').length).toBeGreaterThan(0);
  });
});

describe('translated diagrams have the same graph', () => {
  const en = blocks.filter((b) => b.language === 'en');
  it.each(en.map((b) => [b.pair as string, b] as const))('%s', async (pair, a) => {
    const b = blocks.find((x) => x.language === 'ru' && x.pair === pair);
    expect(b, `docs/ru/${pair.split('#')[0]} has no diagram ${pair}`).toBeDefined();
    expect(await graphOf((b as typeof a).code)).toEqual(await graphOf(a.code));
  });
});

describe('a rendered page', () => {
  it('docs/en/models.md renders with its diagrams (screenshot)', async () => {
    const markdown = inject('screenshotMarkdown');
    const html = await marked.parse(markdown, { async: true });
    const container = document.createElement('article');
    container.style.cssText =
      'max-width: 940px; padding: 24px 32px; font: 15px/1.55 system-ui, sans-serif; color: #1f2328; background: #fff;';
    container.innerHTML = html;
    const style = document.createElement('style');
    style.textContent = `
      article pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; font-size: 12.5px; }
      article code { font-family: ui-monospace, monospace; }
      article table { border-collapse: collapse; } article td, article th { border: 1px solid #d0d7de; padding: 4px 8px; }
      article h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }`;
    document.head.append(style);
    document.body.style.margin = '0';
    document.body.append(container);
    const diagrams = [...container.querySelectorAll('pre > code.language-mermaid')];
    expect(diagrams.length).toBeGreaterThanOrEqual(2);
    for (const code of diagrams) {
      const holder = document.createElement('div');
      holder.innerHTML = await render(code.textContent ?? '');
      code.parentElement?.replaceWith(holder);
    }
    expect(container.querySelectorAll('svg').length).toBe(diagrams.length);
    // The Diagram section on its own (heading, flowchart, dependency diagram), and the whole page.
    const heading = [...container.querySelectorAll('h2')].find((h) => h.textContent === 'Diagram');
    expect(heading).toBeDefined();
    const section = document.createElement('section');
    heading?.before(section);
    for (let el: Element | null = heading ?? null; el && !(el !== heading && el.tagName === 'H2'); ) {
      const next: Element | null = el.nextElementSibling;
      section.append(el);
      el = next;
    }
    expect(section.querySelectorAll('svg').length).toBe(2);
    const sectionShot = await page.elementLocator(section).screenshot({ path: '../../../test-results/docs/en-models-diagram.png' });
    expect(sectionShot).toMatch(/en-models-diagram\.png$/);
    const pageShot = await page.elementLocator(container).screenshot({ path: '../../../test-results/docs/en-models-page.png' });
    expect(pageShot).toMatch(/en-models-page\.png$/);
    expect(container.getBoundingClientRect().height).toBeLessThan(9000); // else the page screenshot is cut
  });
});
