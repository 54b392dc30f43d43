// Pictures and scans through `npm start`'s runtime (issue 14): mailed over SMTP, faxed through the
// sandbox over HTTP, and the PDF the sandbox gives back from /faxes/{id}/fax checked page by page
// (count, size, orientation) and rendered against the picture that was mailed.

import { PDFDocument } from '@cantoo/pdf-lib';
import type Mail from 'nodemailer/lib/mailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../local/runtime.ts';
import { type Grey, jpegOf, pngOf, storedFor, testPicture, tiffOf } from '../fixtures/images.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';
import { faxPdf, faxTo, mailTo, replyTo, startTestGateway } from '../support/local-gateway.ts';
import { differenceFrom, renderPage } from '../support/render-pdf.ts';

const sender = 'alice@example.com';
let gateway: LocalGateway;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ dirPrefix: 'faxgate-documents-', senders: [sender] });
  cleanups.push(() => gateway.close());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Mails `mail` to `number` over SMTP and returns the PDF the sandbox serves for that fax. */
async function faxedPdf(number: string, mail: Omit<Mail.Options, 'from' | 'to'>): Promise<Uint8Array> {
  await mailTo(gateway, { from: `Alice <${sender}>`, to: `${number}@fax.localhost`, ...mail });
  return faxPdf(gateway, (await faxTo(gateway, number)).id);
}

async function pageSizes(pdf: Uint8Array): Promise<[number, number][]> {
  const doc = await PDFDocument.load(pdf);
  return doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())]);
}

function expectShows(pdf: Uint8Array, page: number, picture: Grey): void {
  const difference = differenceFrom(renderPage(pdf, page), picture);
  expect(difference, `page ${page} is blank`).toBeDefined();
  expect(difference).toBeLessThan(0.08);
}

const A4: [number, number] = [595, 842];

describe('pictures and scans through npm start', () => {
  it('a phone photo stored sideways (EXIF orientation 6) is faxed upright on one A4 page', async () => {
    const upright = testPicture(900, 1200);
    const pdf = await faxedPdf('+493012345701', {
      subject: 'Photo',
      text: 'Sent from my iPhone',
      attachments: [{ filename: 'IMG_2041.JPG', content: jpegOf(storedFor(upright, 6), 6) }],
    });
    expect(await pageSizes(pdf)).toEqual([A4]);
    expectShows(pdf, 1, upright);
  });

  it('a PNG screenshot', async () => {
    const screenshot = testPicture(1920, 1080);
    const pdf = await faxedPdf('+493012345702', {
      subject: 'Screenshot',
      attachments: [{ filename: 'Screenshot.png', content: pngOf(screenshot) }],
    });
    expect(await pageSizes(pdf)).toEqual([A4]);
    expectShows(pdf, 1, screenshot);
  });

  it('a multi-page CCITT G4 TIFF from a scanner, and an LZW one', async () => {
    const pages = [testPicture(1654, 2339), testPicture(1654, 2339), testPicture(1000, 1400)];
    const g4 = await faxedPdf('+493012345703', {
      subject: 'Scan',
      attachments: [{ filename: 'SCAN0001.TIF', content: tiffOf(pages, { compression: 'g4' }) }],
    });
    expect(await pageSizes(g4)).toEqual([A4, A4, A4]);
    for (const [i, page] of pages.entries()) expectShows(g4, i + 1, page);

    const grey = [testPicture(800, 1000)];
    const lzw = await faxedPdf('+493012345704', {
      subject: 'Scan',
      attachments: [{ filename: 'scan.tiff', content: tiffOf(grey, { compression: 'lzw-grey' }) }],
    });
    expect(await pageSizes(lzw)).toEqual([A4]);
    expectShows(lzw, 1, grey[0] as Grey);
  });

  it('a PDF and a photo in one mail, merged in mail order; the queued reply lists each with its pages', async () => {
    const photo = testPicture(600, 800);
    const pdf = await faxedPdf('+493012345705', {
      subject: 'Contract with signature',
      messageId: '<mixed@example.com>',
      attachments: [
        { filename: 'contract.pdf', content: Buffer.from(await samplePdf(2)) },
        { filename: 'signed-page.jpg', content: jpegOf(photo) },
      ],
    });
    const sizes = await pageSizes(pdf);
    expect(sizes).toHaveLength(3);
    const queued = await replyTo(gateway, '<mixed@example.com>', /queued/i);
    expect(queued.text).toContain(
      'Documents (3 pages in all): contract.pdf (2 pages), signed-page.jpg (1 page)',
    );
    expect(sizes[2]).toEqual(A4);
    expectShows(pdf, 3, photo);
  });

  it('a logo in the HTML signature is not faxed; an unreferenced inline picture is', async () => {
    const logo = pngOf(testPicture(160, 60));
    const pdf = await faxedPdf('+493012345706', {
      subject: 'Offer',
      text: 'Please find the offer attached.',
      html: '<p>Please find the offer attached.</p><p>-- <br><img src="cid:logo@acme"> ACME GmbH</p>',
      attachments: [
        { filename: 'logo.png', content: logo, cid: 'logo@acme' },
        { filename: 'offer.pdf', content: Buffer.from(await samplePdf(1)) },
      ],
    });
    expect(await pageSizes(pdf)).toHaveLength(1);

    const photo = testPicture(300, 400);
    const withInline = await faxedPdf('+493012345707', {
      subject: 'Photo inline',
      html: '<p>Here is the photo.</p>',
      // In multipart/related with a Content-ID, as some mail programs attach pictures, but never shown.
      attachments: [
        { filename: 'photo.jpg', content: jpegOf(photo), cid: 'photo@phone', contentDisposition: 'inline' },
      ],
    });
    expect(await pageSizes(withInline)).toEqual([A4]);
    expectShows(withInline, 1, photo);
  });
});
