// Issue 10 ("npm run bench not slower than before"): handing every mail's documents to the worker
// cost an ordinary mail more than the check itself. An ordinary mail's PDFs are checked in this
// thread within small caps; a mail past them (or with pictures, whose decoding those caps do not
// see) is checked again in the worker within the full budget, and answered as before.

import { ParseSpeeds, PDFDocument, PDFName } from '@cantoo/pdf-lib';
import { describe, expect, it } from 'vitest';
import type { MailPart } from '../../functions/domain/inbound-mail.ts';
import {
  DEFAULT_DOCUMENT_BUDGET,
  type DocumentBudget,
  prepareFaxDocumentWithinBudget,
} from '../../functions/inbound/document-budget.ts';
import { MAX_KEPT_POOLED, metered } from '../../functions/inbound/document-meter.ts';
import { flatNumberArray, numberArrayBomb, objectStreamBomb } from '../fixtures/hostile-pdfs.ts';
import { jpegOf, testPicture } from '../fixtures/images.ts';
import { classicPdf, samplePdf } from '../fixtures/mail-builder.ts';

const MiB = 1024 * 1024;
const limits = { maxPages: 100, maxDocumentBytes: 20 * MiB };
const { inProcess: _, ...workerOnly } = DEFAULT_DOCUMENT_BUDGET as DocumentBudget;
// The thread's 5 ms are wall-clock time, which a loaded test machine can pass on its own (the
// check then goes to the worker, as it should): these tests look at which way a check goes for
// what the documents hold, so its clock is set far out (the one test of the clock sets its own).
const patient: DocumentBudget = {
  ...DEFAULT_DOCUMENT_BUDGET,
  inProcess: {
    ...(DEFAULT_DOCUMENT_BUDGET.inProcess as NonNullable<DocumentBudget['inProcess']>),
    ms: 60_000,
  },
};

function part(content: Uint8Array, filename: string, contentType = 'application/pdf'): MailPart {
  return { filename, contentType, disposition: 'attachment', content: Buffer.from(content) };
}

/** A one-page PDF with `count` objects of five values each more. */
function manyObjects(count: number): Uint8Array {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'];
  objects.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] >>');
  for (let i = 0; i < count; i++) objects.push(`<< /A [${i} ${i} ${i} (x${i})] /B /N${i} >>`);
  return classicPdf('1.4', objects, '');
}

/** The decision without its bytes and counts, to compare two ways of reaching it. */
function gist(decision: Awaited<ReturnType<typeof prepareFaxDocumentWithinBudget>>) {
  if (!decision.ok) return { ok: false, problem: decision.problem, detail: decision.detail };
  return {
    ok: true,
    pages: decision.document.pages,
    files: decision.document.files.map((f) => [f.filename, f.pages, f.kind]),
    bytes: Buffer.from(decision.document.bytes).toString('base64').length,
    ignored: decision.ignored,
  };
}

describe('ordinary documents are checked in this thread', { timeout: 120_000 }, () => {
  it('checks one PDF, and merges several, without the worker, deciding as the worker does', async () => {
    const cases = [
      [part(await samplePdf(2), 'letter.pdf')],
      [part(await samplePdf(2), 'a.pdf'), part(await samplePdf(1), 'b.pdf')],
      [part(await samplePdf(1), 'a.pdf'), part(Buffer.from('notes'), 'notes.txt', 'text/plain')],
      [part(Buffer.from('%PDF-1.4 nothing else'), 'broken.pdf')],
    ];
    for (const parts of cases) {
      const here = await prepareFaxDocumentWithinBudget(parts, limits, patient);
      expect(here.checkedIn).toBe('process');
      const there = await prepareFaxDocumentWithinBudget(parts, limits, workerOnly);
      expect(there.checkedIn).toBe('worker');
      expect(gist(here)).toEqual(gist(there));
      expect(here.parsedValues).toBe(there.parsedValues);
    }
  });

  it('checks in the worker what the small caps do not cover: pictures, and documents past them', async () => {
    const photo = await prepareFaxDocumentWithinBudget(
      [part(jpegOf(testPicture(64, 48)), 'photo.jpg', 'image/jpeg')],
      limits,
    );
    expect(photo).toMatchObject({ ok: true, checkedIn: 'worker' });
    // 20,000 values and more: within the full budget (one a byte), past the small one.
    const forms = manyObjects(5000);
    const dense = await prepareFaxDocumentWithinBudget([part(forms, 'forms.pdf')], limits, patient);
    expect(dense).toMatchObject({ ok: true, checkedIn: 'worker', document: { pages: 1 } });
    expect(dense.parsedValues).toBeGreaterThan(DEFAULT_DOCUMENT_BUDGET.inProcess?.values ?? 0);
    const flat = await prepareFaxDocumentWithinBudget(
      [part(flatNumberArray(100_000), 'flat.pdf')],
      limits,
      patient,
    );
    expect(flat).toMatchObject({ ok: true, checkedIn: 'worker' });
  });

  it('refuses a bomb as before, whichever thread stopped it', async () => {
    // Past the full caps already in this thread (a small file's caps are small): refused here.
    const zeros = await prepareFaxDocumentWithinBudget(
      [part(numberArrayBomb(200_000), 'numbers.pdf')],
      limits,
    );
    expect(zeros).toMatchObject({ ok: false, problem: 'too-complex' });
    expect((zeros as { detail: string }).detail).toMatch(/holds more than 10,000 objects/);
    // Past the small caps only: checked again in the worker, which stops it at the full cap.
    const bomb = objectStreamBomb(1024);
    const inflated = await prepareFaxDocumentWithinBudget([part(bomb, 'contract.pdf')], limits);
    expect(inflated).toMatchObject({ ok: false, problem: 'too-complex', checkedIn: 'worker' });
    expect(inflated.inflatedBytes).toBeGreaterThan(4 * MiB);
    expect(inflated.inflatedBytes).toBeLessThanOrEqual(MiB + 16 * bomb.byteLength);
  });

  it('checks mails that come at once one at a time here, the rest in workers, and every one passes', async () => {
    const pdf = part(await samplePdf(1), 'many.pdf');
    const decisions = await Promise.all(
      Array.from({ length: 6 }, () => prepareFaxDocumentWithinBudget([pdf], limits, patient)),
    );
    for (const d of decisions) expect(d).toMatchObject({ ok: true, document: { pages: 1 } });
    expect(decisions.some((d) => d.checkedIn === 'process')).toBe(true);
  });

  it('goes to the worker for a check that runs past its time here', async () => {
    const slow = await prepareFaxDocumentWithinBudget([part(manyObjects(3000), 'slow.pdf')], limits, {
      ...DEFAULT_DOCUMENT_BUDGET,
      inProcess: { values: 1_000_000, decodedMb: 4, heapMb: 64, ms: 0 },
    });
    expect(slow).toMatchObject({ ok: true, checkedIn: 'worker' });
  });
});

describe("pdf-lib's pools between checks", () => {
  /** A one-page PDF holding `count` names of its own, `/<prefix>0` on. */
  function namesPdf(prefix: string, count: number): Uint8Array {
    const names = Array.from({ length: count }, (_, i) => `/${prefix}${i}`).join(' ');
    return classicPdf(
      '1.4',
      [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] >>',
        `[${names}]`,
      ],
      '',
    );
  }
  const open = (pdf: Uint8Array) =>
    metered({ decodedBytes: 64 * MiB, parsedValues: 10_000_000 }, () =>
      PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest }),
    );
  const pooledNames = () => (PDFName as unknown as { poolMark(): number }).poolMark();

  it("keeps an ordinary document's names for the next check, and lets them go past MAX_KEPT_POOLED", async () => {
    // Made anew for every mail, an ordinary scan's names and references were a tenth of its check.
    await open(namesPdf('Warm', 1));
    const before = pooledNames();
    await open(namesPdf('Kept', 50));
    const kept = pooledNames();
    expect(kept).toBeGreaterThanOrEqual(before + 50);
    await open(namesPdf('Kept', 50));
    expect(pooledNames()).toBe(kept);
    // A document of more names than that is never kept, nor what was kept before it.
    await open(namesPdf('Many', MAX_KEPT_POOLED + 1));
    expect(pooledNames()).toBeLessThan(before);
  });
});
