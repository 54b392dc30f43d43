// Deployed, the libraries only a cover page needs are a bundle of their own beside the handler
// (cover-kit.mjs) and the fonts are files there (infra/gateway-stateless.ts). Bundled the same way
// here: the document code carries neither, and still makes a cover page from the files beside it.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, bundleCoverKit, INFRA_BUNDLE_OPTIONS } from '../../bench/lambda-bundle.ts';
import type * as Assets from '../../functions/adapters/cover-assets.ts';
import type * as Documents from '../../functions/domain/documents.ts';
import { pageText } from '../support/render-pdf.ts';
import { silentLog } from '../support/telemetry.ts';

const dir = mkdtempSync(join(tmpdir(), 'faxgate-cover-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundled cover page', () => {
  it('loads fontkit, html-to-text and the fonts from beside the bundle, not from inside it', {
    timeout: 180_000,
  }, async () => {
    const documents = await bundle(
      'functions/domain/documents.ts',
      join(dir, 'documents.mjs'),
      INFRA_BUNDLE_OPTIONS,
    );
    await bundle('functions/adapters/cover-assets.ts', join(dir, 'assets.mjs'), INFRA_BUNDLE_OPTIONS);
    await bundleCoverKit(dir);
    // fontkit's WOFF2 signature and OpenType table names are in the kit only.
    for (const file of [documents.outfile, join(dir, 'cover-kit.mjs')]) {
      const code = readFileSync(file, 'utf8');
      const inKit = file.endsWith('cover-kit.mjs');
      expect(code.includes('wOF2'), file).toBe(inKit);
      expect(code.includes('GSUB'), file).toBe(inKit);
    }

    const bundled = (await import(pathToFileURL(documents.outfile).href)) as typeof Documents;
    const assets = (await import(pathToFileURL(join(dir, 'assets.mjs')).href)) as typeof Assets;
    expect(assets.coverFontPath('DejaVuSans.ttf')).toBe(join(dir, 'DejaVuSans.ttf'));
    const page = {
      to: [{ number: '+49 30 123456' }],
      from: { address: 'alice@example.com' },
      date: 'Tue, 1 Dec 2026, 14:05 (UTC)',
      subject: 'Memo',
      body: 'Дмитрий, Ελένη, Müller',
    };
    const decision = await bundled.prepareFaxDocument(
      [],
      { maxPages: 10, maxDocumentBytes: 1024 * 1024 },
      { page, assets: await assets.coverAssetsLoader({ log: silentLog })() },
    );
    if (!decision.ok) throw new Error(decision.detail);
    expect(pageText(decision.document.bytes, 1)).toContain('Дмитрий, Ελένη, Müller');
  });
});
