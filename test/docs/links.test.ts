// The user documentation's links lead somewhere: every relative link names a file of the
// repository and, with `#anchor`, a heading of it (GitHub's anchors). And it speaks to users, not
// to the project's tracker: no issue numbers.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docs = [
  'README.md',
  'bench/README.md',
  'sandbox/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const text = markdown.replace(/```[\s\S]*?```/g, '');
  for (const [, heading] of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (heading ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

describe.each(docs)('%s', (file) => {
  const markdown = readFileSync(join(root, file), 'utf8');

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    const prose = markdown.replace(/```[\s\S]*?```/g, '');
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const resolved = path === '' ? join(root, file) : join(root, dirname(file), path);
      if (!existsSync(resolved)) {
        broken.push(`${target} (no ${relative(root, resolved)})`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`${target} (no heading #${anchor})`);
      }
    }
    // A path written as code that climbs out of the file's folder is a link too.
    for (const [, path] of prose.matchAll(/`(\.\.?\/[^`\s*]+)`/g)) {
      if (path && !existsSync(join(root, dirname(file), path))) broken.push(`${path} (written as code)`);
    }
    expect(broken).toEqual([]);
  });

  it('quotes no issue numbers', () => {
    expect(markdown).not.toMatch(/\bissues? #?\d+|(^|\s)#\d+\b/im);
  });
});
