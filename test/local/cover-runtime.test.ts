// Cover pages through `npm start`'s runtime (issue 14): mailed over SMTP with `/cover` at the end of
// the subject, faxed through the sandbox over HTTP, and the PDF the sandbox gives back from
// /faxes/{id}/fax checked page by page (count, size, orientation), rendered and read back.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from '@cantoo/pdf-lib';
import type Mail from 'nodemailer/lib/mailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../local/runtime.ts';
import { pngOf, testPicture } from '../fixtures/images.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';
import { faxPdf, faxTo, mailTo, replyTo, startTestGateway } from '../support/local-gateway.ts';
import { inkBox, pageText, renderPage } from '../support/render-pdf.ts';
import { tempDir } from '../support/stand-ins.ts';

const sender = 'eleni@example.gr';
let gateway: LocalGateway;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  const dir = tempDir('faxgate-cover-');
  cleanups.push(() => dir.remove());
  // The admin's logo: a solid black block, unlike anything a sender's mail holds here.
  const logo = join(dir.path, 'company-logo.png');
  writeFileSync(logo, pngOf({ width: 300, height: 90, pixels: new Uint8Array(300 * 90) }));
  gateway = await startTestGateway({
    dataDir: dir.path,
    senders: [sender],
    env: { COVER_LOGO: logo, COVER_COMPANY: 'ACME Rechtsanwälte, Berlin' },
  });
  cleanups.push(() => gateway.close());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Mails `mail` to `to` over SMTP; the PDF the sandbox serves for the fax to `number`, and the queued reply's text. */
async function faxed(
  number: string,
  mail: Omit<Mail.Options, 'from'> & { messageId: string },
): Promise<{ pdf: Uint8Array; reply: { subject: string; text: string } }> {
  await mailTo(gateway, {
    from: `Ελένη Παπαδοπούλου <${sender}>`,
    to: `${number}@fax.localhost`,
    ...mail,
  });
  const fax = await faxTo(gateway, number);
  const pdf = await faxPdf(gateway, fax.id);
  const found = await replyTo(gateway, mail.messageId, /./);
  return { pdf, reply: { subject: found.subject ?? '', text: found.text ?? '' } };
}

/** Width and height of each page, rounded to points; portrait pages are taller than wide. */
async function pageSizes(pdf: Uint8Array): Promise<[number, number][]> {
  const doc = await PDFDocument.load(pdf);
  return doc.getPages().map((p) => {
    const rotated = p.getRotation().angle % 180 !== 0;
    const [w, h] = [Math.round(p.getWidth()), Math.round(p.getHeight())];
    return rotated ? [h, w] : [w, h];
  });
}

const A4: [number, number] = [595, 842];

/** The logo's box on the cover (top left, inside the 56 pt margin) is black; the page beside it white. */
function expectAdminLogo(pdf: Uint8Array): void {
  const render = renderPage(pdf, 1);
  const at = (x: number, y: number) =>
    render.pixels[Math.round((y * 50) / 72) * render.width + Math.round((x * 50) / 72)] as number;
  expect(at(100, 80)).toBeLessThan(60);
  expect(at(230, 75)).toBeLessThan(60);
  expect(at(300, 80)).toBeGreaterThan(200);
}

// The first cover page starts a document worker and loads fontkit through tsx: slow on a loaded machine.
const SLOW = 120_000;

describe('cover pages through npm start', () => {
  it(
    'an HTML-only mail with /cover and no attachment is faxed as a one-page memo',
    async () => {
      const { pdf, reply } = await faxed('+493012345801', {
        to: '"Dr. Müller" <+493012345801@fax.localhost>',
        subject: 'Termin am Donnerstag /cover',
        messageId: '<memo@example.gr>',
        html: `<div dir="ltr"><p>Sehr geehrter Herr Dr. M&uuml;ller,</p><p>der Termin am <b>Donnerstag</b> passt.</p>
        <div class="gmail_signature">Ελένη Παπαδοπούλου<br>ACME</div></div>
        <div class="gmail_quote"><div>Am Mo., 30. Nov. 2026 um 09:00 schrieb Dr. Müller:</div>
        <blockquote>Passt Ihnen Donnerstag?</blockquote></div>`,
      });
      expect(await pageSizes(pdf)).toEqual([A4]);
      const ink = inkBox(renderPage(pdf, 1));
      expect(ink, 'the cover page is blank').toBeDefined();
      const text = pageText(pdf, 1);
      expect(text).toMatch(/To:\s+Dr\. Müller \(\+49 30 12345801\)/);
      expect(text).toMatch(/From:\s+Ελένη Παπαδοπούλου <eleni@example\.gr>/);
      expect(text).toMatch(/Subject:\s+Termin am Donnerstag\n/);
      expect(text).toMatch(/Pages:\s+1 \(this cover page included\)/);
      expect(text).toContain('der Termin am Donnerstag passt.');
      expect(text).not.toMatch(/Passt Ihnen|schrieb|ACME\n/);
      expectAdminLogo(pdf);
      expect(reply.subject).toContain('Termin am Donnerstag');
      expect(reply.subject).not.toContain('/cover');
      expect(reply.text).toContain('Document: cover page (from your email) (1 page)');
    },
    SLOW,
  );

  it(
    'a Greek and Cyrillic body is printed on the cover, page 1 of the fax; a signature logo is not faxed and not shown',
    async () => {
      const senderLogo = pngOf(testPicture(160, 60));
      const { pdf, reply } = await faxed('+493012345802', {
        to: '+493012345802@fax.localhost',
        subject: 'Договор /cover',
        messageId: '<contract@example.gr>',
        text: 'Здравствуйте, Дмитрий!\nΚαλημέρα, ο Ελένη.\n\n-- \nΕλένη Παπαδοπούλου',
        html: '<p>Здравствуйте, Дмитрий!<br>Καλημέρα, ο Ελένη.</p><p>-- <br><img src="cid:logo@acme"></p>',
        attachments: [
          { filename: 'logo.png', content: senderLogo, cid: 'logo@acme' },
          { filename: 'contract.pdf', content: Buffer.from(await samplePdf(2)) },
        ],
      });
      // The cover, then the PDF's own two pages as they were (samplePdf draws 300 x 200 pt pages).
      expect(await pageSizes(pdf)).toEqual([A4, [300, 200], [300, 200]]);
      const text = pageText(pdf, 1);
      expect(text).toContain('Здравствуйте, Дмитрий!');
      expect(text).toContain('Καλημέρα, ο Ελένη.');
      expect(text).toMatch(/Pages:\s+3 \(this cover page included\)/);
      expect(text).toContain('ACME Rechtsanwälte, Berlin');
      expectAdminLogo(pdf);
      expect(reply.text).toContain(
        'Documents (3 pages in all): cover page (from your email) (1 page), contract.pdf (2 pages)',
      );
    },
    SLOW,
  );

  it(
    'without /cover (the default: on request) the PDF goes alone, as it came',
    async () => {
      const contract = Buffer.from(await samplePdf(1));
      const { pdf } = await faxed('+493012345803', {
        to: '+493012345803@fax.localhost',
        subject: 'Contract',
        messageId: '<plain@example.gr>',
        text: 'See attached.',
        attachments: [{ filename: 'contract.pdf', content: contract }],
      });
      expect(Buffer.from(pdf).equals(contract)).toBe(true);
    },
    SLOW,
  );
});
