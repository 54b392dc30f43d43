// The cover page (issue 14) as a fax machine would print it: rendered with poppler, its ink compared
// with a reference in coarse cells (so a blank, turned or re-laid-out page fails, but another
// machine's font rasteriser does not), its text read back with pdftotext.

import { readFileSync, writeFileSync } from 'node:fs';
import { PDFDocument } from '@cantoo/pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { coverAssetsLoader } from '../../functions/adapters/cover-assets.ts';
import type { CoverAssets, CoverPage } from '../../functions/domain/cover-page.ts';
import { type DocumentDecision, prepareFaxDocument } from '../../functions/domain/documents.ts';
import type { MailPart } from '../../functions/domain/inbound-mail.ts';
import { jpegOf, pngOf, testPicture } from '../fixtures/images.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';
import { inkBox, inkGrid, pageText, renderPage } from '../support/render-pdf.ts';
import { silentLog } from '../support/telemetry.ts';

const LIMITS = { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 };
const REFERENCE = new URL('../fixtures/cover-page-reference.json', import.meta.url);
const COLS = 8;
const ROWS = 12;

let assets: CoverAssets;
beforeAll(async () => {
  assets = await coverAssetsLoader({ log: silentLog })();
});

const MEMO: CoverPage = {
  to: [{ number: '+49 30 123456', name: 'Dr. Müller' }],
  from: { address: 'eleni@example.gr', name: 'Ελένη Παπαδοπούλου' },
  date: 'Tue, 1 Dec 2026, 14:05 (UTC+01:00)',
  subject: 'Договор для Дмитрий',
  body: [
    'Sehr geehrter Herr Dr. Müller,',
    '',
    'anbei wie besprochen der Vertrag. Καλημέρα από την Ελένη. Здравствуйте, Дмитрий!',
    'Bitte senden Sie die unterschriebene Seite 2 bis Freitag zurück.',
    '',
    'Mit freundlichen Grüßen',
  ].join('\n'),
};

function documentOf(decision: DocumentDecision) {
  if (!decision.ok) throw new Error(`rejected: ${decision.detail}`);
  return decision.document;
}

async function pageSizes(pdf: Uint8Array): Promise<[number, number][]> {
  const doc = await PDFDocument.load(pdf);
  return doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())]);
}

function part(filename: string, content: Buffer | Uint8Array): MailPart {
  return { filename, contentType: 'application/octet-stream', content: Buffer.from(content) };
}

describe('the cover page', () => {
  it('a cover page and no attachment is a one-page fax memo, A4 upright, laid out like the reference', async () => {
    const memo = documentOf(await prepareFaxDocument([], LIMITS, { page: MEMO, assets }));
    expect(memo.pages).toBe(1);
    expect(memo.files).toEqual([expect.objectContaining({ kind: 'cover', pages: 1 })]);
    expect(await pageSizes(memo.bytes)).toEqual([[595, 842]]);

    const render = renderPage(memo.bytes, 1);
    const grid = inkGrid(render, COLS, ROWS);
    if (process.env.UPDATE_COVER_REFERENCE) {
      writeFileSync(REFERENCE, `${JSON.stringify(grid.map((v) => Math.round(v * 1000) / 1000))}\n`);
    }
    const reference = JSON.parse(readFileSync(REFERENCE, 'utf8')) as number[];
    const differences = grid.map((v, i) => Math.abs(v - (reference[i] as number)));
    expect(Math.max(...differences)).toBeLessThan(0.08);
    expect(differences.reduce((a, b) => a + b, 0) / differences.length).toBeLessThan(0.01);

    // Where the ink is, in words: the title and fields in the top third, the body under them, and
    // nothing in the lower half but the footer.
    const ink = inkBox(render);
    expect(ink, 'the cover page is blank').toBeDefined();
    const row = (r: number) => grid.slice(r * COLS, (r + 1) * COLS).reduce((a, b) => a + b, 0);
    expect(row(1) + row(2)).toBeGreaterThan(0.2);
    expect(row(4)).toBeGreaterThan(0.05);
    expect(row(7) + row(8) + row(9) + row(10)).toBe(0);
  });

  it('prints Latin, Greek and Cyrillic, and shows what the font cannot as a replacement character', async () => {
    const page = { ...MEMO, body: `${MEMO.body}\n漢字 and more text after it` };
    const text = pageText(documentOf(await prepareFaxDocument([], LIMITS, { page, assets })).bytes, 1);
    for (const word of ['Dr. Müller', 'Ελένη Παπαδοπούλου', 'Дмитрий', 'Grüßen', '+49 30 123456']) {
      expect(text).toContain(word);
    }
    expect(text).toContain('\uFFFD\uFFFD and more text after it');
    expect(text).toMatch(/Pages:\s+1 \(this cover page included\)/);
  });

  it('comes first, and counts the pages of the files after it; the single PDF is no longer sent as it came', async () => {
    const pdf = await samplePdf(2);
    const fax = documentOf(
      await prepareFaxDocument(
        [part('contract.pdf', pdf), part('photo.jpg', jpegOf(testPicture(600, 800)))],
        LIMITS,
        { page: MEMO, assets },
      ),
    );
    expect(fax.pages).toBe(4);
    expect(fax.files.map((f) => [f.filename, f.pages])).toEqual([
      ['cover page (from your email)', 1],
      ['contract.pdf', 2],
      ['photo.jpg', 1],
    ]);
    expect(await pageSizes(fax.bytes)).toHaveLength(4);
    expect(pageText(fax.bytes, 1)).toMatch(/Pages:\s+4 \(this cover page included\)/);

    const alone = documentOf(
      await prepareFaxDocument([part('contract.pdf', pdf)], LIMITS, { page: MEMO, assets }),
    );
    expect(alone.pages).toBe(3);
    expect(Buffer.from(alone.bytes).equals(Buffer.from(pdf))).toBe(false);
  });

  it('a long body flows onto continuation pages, at most five, and the cut is said on the page', async () => {
    const paragraph = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(12);
    const twoPages = { ...MEMO, body: Array.from({ length: 12 }, () => paragraph).join('\n\n') };
    const flowed = documentOf(await prepareFaxDocument([], LIMITS, { page: twoPages, assets }));
    expect(flowed.pages).toBeGreaterThan(1);
    expect(flowed.pages).toBeLessThan(5);
    expect(pageText(flowed.bytes, 2)).toContain(`Page 2 of ${flowed.pages}`);

    const book = { ...MEMO, body: Array.from({ length: 400 }, () => paragraph).join('\n\n') };
    const cut = documentOf(await prepareFaxDocument([], LIMITS, { page: book, assets }));
    expect(cut.pages).toBe(5);
    expect(pageText(cut.bytes, 5)).toMatch(/The rest of the message \(\d+ characters\) is not faxed/);
    // One word longer than a line is broken, not lost and not endless.
    const word = { ...MEMO, body: 'x'.repeat(50_000) };
    expect(documentOf(await prepareFaxDocument([], LIMITS, { page: word, assets })).pages).toBe(5);
  });

  it('counts towards the page limit', async () => {
    const decision = await prepareFaxDocument(
      [part('a.pdf', await samplePdf(2))],
      { ...LIMITS, maxPages: 2 },
      {
        page: MEMO,
        assets,
      },
    );
    expect(decision).toMatchObject({ ok: false, problem: 'too-many-pages' });
  });

  it("shows the admin's logo and company line at the top", async () => {
    const logo = pngOf({ width: 300, height: 90, pixels: new Uint8Array(300 * 90) }); // solid black
    const page = { ...MEMO, company: 'ACME Rechtsanwälte, Berlin' };
    const withLogo = documentOf(await prepareFaxDocument([], LIMITS, { page, assets: { ...assets, logo } }));
    const render = renderPage(withLogo.bytes, 1);
    // The logo's box, 180 x 54 pt at the top left margin (56 pt), at 50 dpi.
    const at = (x: number, y: number) =>
      render.pixels[Math.round((y * 50) / 72) * render.width + Math.round((x * 50) / 72)];
    expect(at(100, 80)).toBeLessThan(60);
    expect(at(300, 80)).toBeGreaterThan(200);
    expect(pageText(withLogo.bytes, 1)).toContain('ACME Rechtsanwälte, Berlin');
  });

  it('without a cover page, no attachment is still "attach a PDF"', async () => {
    expect(await prepareFaxDocument([], LIMITS)).toMatchObject({ ok: false, problem: 'no-pdf' });
  });
});
