import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { debianChromium } from '../../vitest.chromium.ts';
import { docsDir, mermaidBlocks, writtenDocsFiles } from './files.ts';

/**
 * The docs lane (`npm test -- docs`). Two projects:
 * - `docs` (Node): links, EN/RU parity, the template's page shape, TypeScript blocks type-checked against
 *   the packages, `run` blocks executed on Node against a temporary database, the API reference up to date,
 *   and the checker's own tests.
 * - `docs-chromium`: every mermaid block parses and renders to SVG with the `mermaid` package in real
 *   headless Chromium; translated diagrams have the same graph; one page is rendered and screenshotted.
 */
const screenshotPage = join(docsDir, 'en', 'models.md');

export default defineConfig({
  test: {
    testTimeout: 300_000, // hang guards sized for a loaded 2-core CI machine, never speed verdicts
    hookTimeout: 300_000,
    projects: [
      {
        test: {
          name: 'docs',
          root: import.meta.dirname,
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        optimizeDeps: { include: ['mermaid', 'marked'] },
        test: {
          name: 'docs-chromium',
          root: import.meta.dirname,
          include: ['test/**/*.browser.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          provide: {
            mermaidBlocks: mermaidBlocks(writtenDocsFiles()),
            screenshotMarkdown: existsSync(screenshotPage) ? readFileSync(screenshotPage, 'utf8') : '',
          },
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            // Tall enough for a whole rendered page: element screenshots outside the viewport come out blank.
            viewport: { width: 1000, height: 9000 },
            provider: debianChromium({ viewport: { width: 1100, height: 9100 } }), // room for the viewport: no scaling
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});

declare module 'vitest' {
  export interface ProvidedContext {
    mermaidBlocks: ReturnType<typeof mermaidBlocks>;
    screenshotMarkdown: string;
  }
}
