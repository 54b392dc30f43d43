// The deployed inbound function starts its document worker from document-worker.mjs beside the
// bundled handler (infra bundles it after the handler). Bundled the same way here, the bundle runs
// the worker: a PDF is checked and a decompression bomb is refused.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, INFRA_BUNDLE_OPTIONS } from '../../bench/lambda-bundle.ts';
import type * as Budget from '../../functions/inbound/document-budget.ts';
import { objectStreamBomb } from '../fixtures/hostile-pdfs.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'faxgate-worker-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundled document check', () => {
  it('runs its worker from the file beside the bundle', async () => {
    await bundle('functions/inbound/document-budget.ts', join(dir, 'index.mjs'), INFRA_BUNDLE_OPTIONS);
    await bundle(
      'functions/inbound/document-worker.ts',
      join(dir, 'document-worker.mjs'),
      INFRA_BUNDLE_OPTIONS,
    );
    const bundled = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as typeof Budget;
    const limits = { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 };
    const pdf = {
      filename: 'a.pdf',
      contentType: 'application/pdf',
      content: Buffer.from(await samplePdf(2)),
    };
    expect(await bundled.prepareFaxDocumentWithinBudget([pdf, pdf], limits)).toMatchObject({
      ok: true,
      document: { pages: 4 },
    });
    const bomb = { ...pdf, filename: 'bomb.pdf', content: Buffer.from(objectStreamBomb(48)) };
    const refused = await bundled.prepareFaxDocumentWithinBudget([bomb], limits, {
      ...bundled.DEFAULT_DOCUMENT_BUDGET,
      decodedMb: 16,
    });
    expect(refused).toMatchObject({ ok: false, problem: 'too-complex' });
  });
});
