import { PDFDocument } from '@cantoo/pdf-lib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CoverRequest,
  type DocumentDecision,
  prepareFaxDocument,
} from '../../functions/domain/documents.ts';
import type { MailPart } from '../../functions/domain/inbound-mail.ts';
import { isPdf } from '../../functions/domain/pdf-bytes.ts';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';
import { fixtureMail } from './fixture-mail.ts';

const limits = { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 };

async function decide(name: string, custom = limits): Promise<DocumentDecision> {
  return prepareFaxDocument((await fixtureMail(name)).parts, custom);
}

function pdfPart(bytes: Uint8Array, filename?: string, contentType = 'application/pdf'): MailPart {
  return { filename, contentType, content: Buffer.from(bytes) };
}

async function pageWidths(bytes: Uint8Array): Promise<number[]> {
  const doc = await PDFDocument.load(bytes);
  return doc.getPages().map((p) => Math.round(p.getWidth()));
}

describe('isPdf', () => {
  it('recognises %PDF- at the start or within the first 1024 bytes', () => {
    expect(isPdf(Buffer.from('%PDF-1.7\n...'))).toBe(true);
    expect(isPdf(Buffer.concat([Buffer.alloc(1024, 0x20), Buffer.from('%PDF-1.4')]))).toBe(true);
    expect(isPdf(Buffer.concat([Buffer.alloc(1025, 0x20), Buffer.from('%PDF-1.4')]))).toBe(false);
    expect(isPdf(Buffer.from('%PDF'))).toBe(false);
    expect(isPdf(new Uint8Array())).toBe(false);
    expect(isPdf(Buffer.from('PK\u0003\u0004 %PDF- inside a zip at 1'))).toBe(true);
  });

  it('reads a Uint8Array view at an offset without looking outside it', () => {
    const backing = Buffer.from('%PDF-1.7 then text');
    expect(isPdf(new Uint8Array(backing.buffer, backing.byteOffset + 1, backing.byteLength - 1))).toBe(false);
    expect(isPdf(new Uint8Array(backing.buffer, backing.byteOffset, backing.byteLength))).toBe(true);
  });
});

describe('prepareFaxDocument on the mail fixtures', () => {
  it.each([
    ['outlook-qp-body-signature-logo', ['Angebot 2026-114.pdf'], 1, []],
    ['apple-mail-inline-pdf', ['SCAN.PDF', 'IMG_0042.jpeg'], 3, []],
    ['gmail-octet-stream-several-recipients', ['invoice.pdf'], 1, []],
    ['thunderbird-rfc2231-filename', ['Rechnung März 2026 – Kunde 10084.pdf'], 1, []],
    ['scanner-mfp-spf-only', ['20261127093012.pdf'], 3, []],
    ['quoted-printable-pdf', ['formular.pdf'], 1, []],
    ['forwarded-message-rfc822', ['lease.pdf'], 2, []],
    ['several-pdfs-and-docx', ['a-cover.pdf', 'b-contract.pdf', 'C-ANNEX.Pdf'], 6, ['notes.docx']],
  ])('%s: faxes %j, %i pages, ignores %j', async (name, files, pages, ignored) => {
    const decision = await decide(name);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.document.files.map((f) => f.filename)).toEqual(files);
    expect(decision.document.pages).toBe(pages);
    expect(decision.ignored).toEqual(ignored);
  });

  it('sends one PDF byte for byte as it came', async () => {
    const mail = await fixtureMail('outlook-qp-body-signature-logo');
    const decision = await prepareFaxDocument(mail.parts, limits);
    const attached = mail.parts.find((p) => p.filename?.endsWith('.pdf'))?.content;
    expect(decision.ok && decision.document.bytes).toBe(attached);
  });

  it('merges several PDFs in mail order into one', async () => {
    const decision = await decide('several-pdfs-and-docx');
    if (!decision.ok) throw new Error(decision.detail);
    expect(await pageWidths(decision.document.bytes)).toEqual([300, 300, 400, 500, 500, 500]);
    expect(decision.document.files.map((f) => f.pages)).toEqual([2, 1, 3]);
    expect(isPdf(decision.document.bytes)).toBe(true);
  });

  it.each([
    ['encrypted-pdf', 'encrypted', 'statement-protected.pdf', /password|encrypt/],
    ['damaged-pdf', 'damaged', 'broken.pdf', /damaged/],
    ['pdf-name-not-pdf-bytes', 'not-a-pdf', 'contract.pdf', /not a PDF/],
  ])('%s is rejected as %s, naming the file', async (name, problem, file, words) => {
    const decision = await decide(name);
    expect(decision).toMatchObject({ ok: false, problem, files: [file] });
    if (!decision.ok) {
      expect(decision.detail).toContain(file);
      expect(decision.detail).toMatch(words);
    }
  });

  it('faxes the picture of a mail without a PDF; with nothing to fax, says what is faxed', async () => {
    const decision = await decide('no-pdf-only-docx-and-image');
    expect(decision).toMatchObject({ ok: true, ignored: ['Brief.docx'] });
    expect(decision.ok && decision.document.files.map((f) => f.filename)).toEqual(['photo.png']);
    const docxOnly = (await fixtureMail('no-pdf-only-docx-and-image')).parts.filter(
      (p) => p.filename === 'Brief.docx',
    );
    const nothing = await prepareFaxDocument(docxOnly, limits);
    expect(nothing).toMatchObject({ ok: false, problem: 'no-pdf', files: [] });
    if (!nothing.ok) {
      expect(nothing.detail).toMatch(/PDF files and JPEG, PNG and TIFF pictures are faxed/);
      expect(nothing.detail).toContain('Brief.docx (save or export it as PDF)');
    }
    const none = await decide('auto-submitted-out-of-office');
    expect(none).toMatchObject({ ok: false, problem: 'no-pdf' });
  });
});

describe('prepareFaxDocument limits and edge cases', () => {
  it('rejects more pages than allowed, one or several files', async () => {
    const single = await decide('scanner-mfp-spf-only', { ...limits, maxPages: 2 });
    expect(single).toMatchObject({ ok: false, problem: 'too-many-pages', files: ['20261127093012.pdf'] });
    if (!single.ok) expect(single.detail).toMatch(/3 pages; at most 2/);
    const several = await decide('several-pdfs-and-docx', { ...limits, maxPages: 5 });
    expect(several).toMatchObject({ ok: false, problem: 'too-many-pages' });
    if (!several.ok) expect(several.detail).toMatch(/together 6 pages/);
    expect(await decide('several-pdfs-and-docx', { ...limits, maxPages: 6 })).toMatchObject({ ok: true });
  });

  it('answers a mail of more files than pages are faxed by the count alone, opening none of them', async () => {
    // Every file is a page at least, so such a mail cannot be faxed whatever the files hold: 3,000
    // one-page PDFs were each opened first (half a second warm), and a damaged one among them was
    // what the reply named.
    const page = await samplePdf(1);
    const parts = Array.from({ length: 101 }, (_, i) => pdfPart(page, `page-${i}.pdf`));
    parts[50] = pdfPart(Buffer.from('%PDF-1.4 nothing else'), 'broken.pdf');
    const many = await prepareFaxDocument(parts, limits);
    expect(many).toMatchObject({ ok: false, problem: 'too-many-pages' });
    if (!many.ok) {
      expect(many.detail).toBe(
        'The email has 101 files to fax (PDFs and pictures), each a page at least; at most 100 pages are faxed at once.',
      );
      expect(many.files).toHaveLength(101);
    }
    // As many files as pages are faxed: opened and merged as ever; a cover page asked for is one more.
    const hundred = parts.filter((p) => p.filename !== 'broken.pdf');
    expect(await prepareFaxDocument(hundred, limits)).toMatchObject({ ok: true, document: { pages: 100 } });
    const withCover = await prepareFaxDocument(hundred, limits, {} as CoverRequest);
    expect(withCover).toMatchObject({ ok: false, problem: 'too-many-pages' });
    if (!withCover.ok)
      expect(withCover.detail).toMatch(/has 100 files to fax \(PDFs and pictures\) and a cover page,/);
  });

  it('stops opening files once those read have more pages than are faxed', async () => {
    // The files after them cannot make the fax any shorter: a mail of 45 PDFs of 10,000 pages each
    // had every one opened before the answer.
    const parts = [
      pdfPart(await samplePdf(4), 'long.pdf'),
      pdfPart(Buffer.from('%PDF-1.4 nothing else'), 'broken.pdf'),
      pdfPart(await samplePdf(1), 'short.pdf'),
    ];
    const over = await prepareFaxDocument(parts, { ...limits, maxPages: 3 });
    expect(over).toMatchObject({ ok: false, problem: 'too-many-pages', files: ['long.pdf'] });
    if (!over.ok) {
      expect(over.detail).toBe(
        'long.pdf has 4 pages, and 2 more files were not counted; at most 3 pages are faxed at once.',
      );
    }
  });

  it('rejects a document over the size limit, single or merged', async () => {
    const one = await samplePdf(1);
    const tooSmall = { ...limits, maxDocumentBytes: one.byteLength - 1 };
    const single = await prepareFaxDocument([pdfPart(one, 'one.pdf')], tooSmall);
    expect(single).toMatchObject({ ok: false, problem: 'too-large', files: ['one.pdf'] });
    if (!single.ok) expect(single.detail).toMatch(/one\.pdf is 1 KB; the limit is 1 KB/);

    const merged = await prepareFaxDocument([pdfPart(one, 'a.pdf'), pdfPart(one, 'b.pdf')], {
      ...limits,
      maxDocumentBytes: one.byteLength + 10,
    });
    expect(merged).toMatchObject({ ok: false, problem: 'too-large', files: ['a.pdf', 'b.pdf'] });
  });

  it('rejects a PDF without pages', async () => {
    const empty = await (await PDFDocument.create()).save({ addDefaultPage: false });
    const decision = await prepareFaxDocument([pdfPart(empty, 'empty.pdf')], limits);
    expect(decision).toMatchObject({ ok: false, problem: 'no-pages', files: ['empty.pdf'] });
  });

  it('recognises a PDF by its bytes whatever its name and type, and names unnamed ones', async () => {
    const bytes = await samplePdf(2);
    const decision = await prepareFaxDocument(
      [
        pdfPart(bytes, undefined, 'application/octet-stream'),
        pdfPart(bytes, 'scan.bin', 'image/tiff'),
        { contentType: 'image/png', content: Buffer.from('\x89PNG....') },
      ],
      limits,
    );
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.document.files.map((f) => f.filename)).toEqual(['unnamed PDF 1', 'scan.bin']);
    expect(decision.document.pages).toBe(4);
    expect(decision.ignored).toEqual(['unnamed image/png attachment (part 3)']);
  });

  it('reports the first bad file in mail order', async () => {
    const good = await samplePdf(1);
    const decision = await prepareFaxDocument(
      [
        pdfPart(good, 'good.pdf'),
        pdfPart(Buffer.from('%PDF-1.7\n garbage'), 'bad.pdf'),
        pdfPart(good, 'x.pdf'),
      ],
      limits,
    );
    expect(decision).toMatchObject({ ok: false, problem: 'damaged', files: ['bad.pdf'] });
  });

  it('does not list the signature of an S/MIME or OpenPGP signed mail as ignored', async () => {
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'MIME-Version: 1.0',
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"',
        '',
        '--sig',
        'Content-Type: multipart/mixed; boundary="mixed"',
        '',
        '--mixed',
        'Content-Type: text/plain',
        '',
        'Signed.',
        '--mixed',
        'Content-Type: application/pdf; name="signed.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(await samplePdf(1)).toString('base64'),
        '--mixed--',
        '',
        '--sig',
        'Content-Type: application/pkcs7-signature; name="smime.p7s"',
        'Content-Disposition: attachment; filename="smime.p7s"',
        'Content-Transfer-Encoding: base64',
        '',
        'MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAA==',
        '--sig--',
        '',
      ].join('\r\n'),
    );
    const decision = await prepareFaxDocument((await parseInboundMail(raw)).parts, limits);
    expect(decision).toMatchObject({ ok: true, ignored: [] });
    expect(decision.ok && decision.document.files.map((f) => f.filename)).toEqual(['signed.pdf']);
  });

  it('does not count an embedded image named like a PDF as a false PDF', async () => {
    const good = await samplePdf(1);
    const decision = await prepareFaxDocument(
      [
        { filename: 'logo.pdf', contentType: 'image/png', content: Buffer.from('png'), embedded: true },
        pdfPart(good, 'good.pdf'),
      ],
      limits,
    );
    expect(decision).toMatchObject({ ok: true, ignored: [] });
  });
});

describe('properties', () => {
  it('never throws on PDF-looking bytes, alone or merged, and always decides', async () => {
    const good = Buffer.from(await samplePdf(1));
    const mangled = fc
      .tuple(fc.uint8Array({ maxLength: 400 }), fc.nat({ max: good.length }), fc.nat({ max: good.length }))
      .map(([noise, at, cut]) =>
        Buffer.concat([
          good.subarray(0, Math.min(at, cut)),
          Buffer.from(noise),
          good.subarray(Math.max(at, cut)),
        ]),
      );
    await fc.assert(
      fc.asyncProperty(fc.array(mangled, { minLength: 1, maxLength: 3 }), async (files) => {
        const decision = await prepareFaxDocument(
          files.map((bytes, i) => pdfPart(bytes, `f${i}.pdf`)),
          limits,
        );
        if (decision.ok) expect(decision.document.pages).toBeGreaterThan(0);
        else expect(decision.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });
});
