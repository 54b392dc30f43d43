// The deployed inbound function starts its document worker from document-worker.mjs beside the
// bundled handler, and checks ordinary mail in its own thread with document-kit.mjs from there
// (infra bundles both after the handler). Bundled the same way here: a PDF is checked in the
// thread with the kit, and a decompression bomb is refused by the worker.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  it('runs its worker and its in-thread check from the files beside the bundle', async () => {
    await bundle('functions/inbound/document-budget.ts', join(dir, 'index.mjs'), INFRA_BUNDLE_OPTIONS);
    for (const beside of ['document-worker.mjs', 'document-kit.mjs']) {
      expect(existsSync(join(dir, beside)), beside).toBe(true);
    }
    // pdf-lib is in the kit and the worker, not in what every cold start parses.
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toMatch(/PDFObjectParser/);
    const bundled = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as typeof Budget;
    const limits = { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 };
    const pdf = {
      filename: 'a.pdf',
      contentType: 'application/pdf',
      content: Buffer.from(await samplePdf(2)),
    };
    // Cold code, or a loaded machine, can pass the thread's 5 ms of wall-clock time (the worker
    // then checks it): what is looked at here is that the kit loads, so its clock is set far out.
    const patient = {
      ...bundled.DEFAULT_DOCUMENT_BUDGET,
      inProcess: { ...(bundled.DEFAULT_DOCUMENT_BUDGET.inProcess as Budget.InProcessCaps), ms: 60_000 },
    };
    expect(await bundled.prepareFaxDocumentWithinBudget([pdf, pdf], limits, patient)).toMatchObject({
      ok: true,
      document: { pages: 4 },
      checkedIn: 'process',
    });
    const bomb = { ...pdf, filename: 'bomb.pdf', content: Buffer.from(objectStreamBomb(48)) };
    const refused = await bundled.prepareFaxDocumentWithinBudget([bomb], limits, {
      ...bundled.DEFAULT_DOCUMENT_BUDGET,
      decodedMb: 16,
    });
    expect(refused).toMatchObject({ ok: false, problem: 'too-complex', checkedIn: 'worker' });
  });
});
