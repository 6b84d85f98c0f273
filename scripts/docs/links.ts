/**
 * Relative links must resolve: the file or directory exists, and a `#anchor` into a Markdown file names one
 * of its headings (GitHub's anchor rules) or an explicit `<a id>`. External links (`https:`, `mailto:`, …)
 * are not fetched: this machine, like CI, has no network.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type LinkRef, type MarkdownDoc, readMarkdown } from './markdown.ts';

/** One link that does not resolve, with the reason. */
export interface BrokenLink {
  readonly link: LinkRef;
  readonly reason: string;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Checks the links of one parsed file. `docs` caches parsed targets, so anchors into the same file are read
 * once for a whole run.
 */
export function brokenLinks(doc: MarkdownDoc, cache = new Map<string, MarkdownDoc>()): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const link of doc.links) {
    const href = link.href.trim();
    if (href === '' || EXTERNAL.test(href) || href.startsWith('//')) continue;
    const hash = href.indexOf('#');
    const pathPart = decodeURIComponent(hash >= 0 ? href.slice(0, hash) : href).split('?')[0] as string;
    const anchor = hash >= 0 ? decodeURIComponent(href.slice(hash + 1)) : '';
    const target = pathPart === '' ? resolve(doc.file) : resolve(dirname(doc.file), pathPart);
    if (pathPart.startsWith('/')) {
      broken.push({ link, reason: 'absolute paths do not resolve on GitHub or npm; use a relative path' });
      continue;
    }
    if (!existsSync(target)) {
      broken.push({ link, reason: `no such file: ${pathPart}` });
      continue;
    }
    if (!anchor || !target.endsWith('.md') || !statSync(target).isFile()) continue;
    let targetDoc = target === resolve(doc.file) ? doc : cache.get(target);
    if (!targetDoc) {
      targetDoc = readMarkdown(target);
      cache.set(target, targetDoc);
    }
    if (!targetDoc.anchors.has(anchor)) broken.push({ link, reason: `no heading with anchor #${anchor} in ${pathPart || 'this file'}` });
  }
  return broken;
}
