// Every attachment comes out of the mail reader byte for byte as the sender attached it, whatever
// its transfer encoding and whatever line breaks the mail has (issue 10 section 4): RFC 2046 5.1.1
// gives the line break before a delimiter to the delimiter, 7bit/8bit/binary bodies are their bytes,
// quoted-printable decodes per RFC 2045 6.7 (soft breaks removed, hard breaks kept as written).

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { Encoder as QpEncoder } from 'nodemailer/lib/qp';
import { describe, expect, it } from 'vitest';
import { prepareFaxDocument } from '../../functions/domain/documents.ts';
import { isPdf } from '../../functions/domain/pdf-bytes.ts';
import { readAppleFile } from '../../functions/mail/apple-file.ts';
import { signedContentOf } from '../../functions/mail/cms-signed.ts';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';
import { tnefAttachments } from '../../functions/mail/tnef.ts';
import {
  type EncodedAttachment,
  fixtureAttachments,
  fixtureName,
  type MailLineBreak,
  mailWithAttachments,
  type QpMode,
  TRANSFER_ENCODINGS,
  type TransferEncoding,
  textPdf,
} from '../fixtures/encoded-parts.ts';
import { encodedFixtures } from '../fixtures/make-fixtures.ts';

const fixtureDir = join(import.meta.dirname, '../fixtures/mail');
const LINE_BREAKS: MailLineBreak[] = ['\r\n', '\n'];

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('attachments with every transfer encoding, in CRLF and bare-LF mail', () => {
  it('the committed fixtures are what encoded-parts.ts writes', () => {
    for (const { name, raw } of encodedFixtures()) {
      expect(readFileSync(join(fixtureDir, `${name}.eml`)).equals(raw), name).toBe(true);
    }
  });

  for (const encoding of TRANSFER_ENCODINGS) {
    for (const eol of LINE_BREAKS) {
      const name = fixtureName(encoding, eol);
      it(`${name}: every part is byte-identical to what was attached`, async () => {
        const mail = await parseInboundMail(readFileSync(join(fixtureDir, `${name}.eml`)));
        const attached = fixtureAttachments(encoding, eol);
        expect(mail.parts.map((p) => p.filename)).toEqual(attached.map((a) => a.filename));
        for (const [i, a] of attached.entries()) {
          expect(hexOf(mail.parts[i]?.content ?? Buffer.alloc(0)), `${name} ${a.filename}`).toBe(
            hexOf(a.data),
          );
        }
        // And the one PDF goes to faxrocks as it came.
        const decision = await prepareFaxDocument(mail.parts.slice(0, 1), {
          maxPages: 100,
          maxDocumentBytes: 20 * 1024 * 1024,
        });
        expect(decision.ok).toBe(true);
        if (decision.ok)
          expect(hexOf(decision.document.bytes)).toBe(hexOf(attached[0]?.data ?? Buffer.alloc(0)));
      });
    }
  }

  it('a text-mostly PDF that mutt sends quoted-printable is byte-identical', async () => {
    // mutt encodes a non-text part with every CR and LF escaped and soft breaks only (the wire then
    // has CRLF); nodemailer's encoder in binary mode writes the same for a PDF with LF line breaks.
    const pdf = textPdf('\n', 'Mutt sends this quoted-printable', true);
    const encoder = new QpEncoder({ binary: true, lineLength: 76 });
    const chunks: Buffer[] = [];
    encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise((resolve) => encoder.on('end', resolve));
    encoder.end(pdf);
    await done;
    const body = Buffer.concat(chunks).toString('latin1');
    expect(body).toContain('=0A');
    expect(body).not.toMatch(/[^=]\r\n/); // soft breaks only
    const raw = Buffer.from(
      [
        'From: Alice <alice@example.com>',
        'To: +4930123456@fax.example.org',
        'Subject: Formular',
        'User-Agent: Mutt/2.2.12 (2023-09-09)',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="4Zq8kS1oGxUv3yXb"',
        'Content-Disposition: inline',
        '',
        '--4Zq8kS1oGxUv3yXb',
        'Content-Type: text/plain; charset=us-ascii',
        'Content-Disposition: inline',
        '',
        'Bitte faxen.',
        '',
        '--4Zq8kS1oGxUv3yXb',
        'Content-Type: application/pdf',
        'Content-Disposition: attachment; filename="formular.pdf"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        body,
        '--4Zq8kS1oGxUv3yXb--',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const mail = await parseInboundMail(raw);
    expect(mail.parts).toHaveLength(1);
    expect(hexOf(mail.parts[0]?.content ?? Buffer.alloc(0))).toBe(hexOf(pdf));
    expect(isPdf(mail.parts[0]?.content ?? Buffer.alloc(0))).toBe(true);
  });
});

describe('calendar invitations keep their bytes', () => {
  // postal-mime reads text/calendar and application/ics parts as text: it decodes their charset,
  // turns CRLF (which RFC 5545 3.1 requires) into LF and trims the trailing line breaks. Google
  // Calendar sends an invitation as both, with a quoted-printable text/calendar and a base64 invite.ics.
  const ics = Buffer.from(
    [
      'BEGIN:VCALENDAR',
      'PRODID:-//Google Inc//Google Calendar 70.9054//EN',
      'VERSION:2.0',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'SUMMARY:Besprechung in Köln',
      'DTSTART:20261210T090000Z',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );

  it('as text/calendar (quoted-printable, ISO-8859-1) and application/ics (base64)', async () => {
    const qp = ics
      .toString('latin1')
      .replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
      .replace(/\r\n/g, '=0D=0A=\r\n');
    const raw = Buffer.from(
      [
        'From: Alice <alice@example.com>',
        'To: +4930123456@fax.example.org',
        'Subject: Einladung',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="mixed"',
        '',
        '--mixed',
        'Content-Type: multipart/alternative; boundary="alt"',
        '',
        '--alt',
        'Content-Type: text/plain; charset="UTF-8"',
        '',
        'Einladung',
        '--alt',
        'Content-Type: text/calendar; charset="ISO-8859-1"; method=REQUEST',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        qp,
        '--alt--',
        '',
        '--mixed',
        'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"',
        'Content-Transfer-Encoding: base64',
        '',
        ...(ics.toString('base64').match(/.{1,76}/g) ?? []),
        '--mixed--',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const mail = await parseInboundMail(raw);
    expect(mail.parts.map((p) => [p.contentType, p.filename])).toEqual([
      ['text/calendar', undefined],
      ['application/ics', 'invite.ics'],
    ]);
    for (const part of mail.parts) expect(hexOf(part.content), part.contentType).toBe(hexOf(ics));
    const reference = await simpleParser(raw);
    expect(reference.attachments.map((a) => hexOf(a.content))).toEqual([hexOf(ics), hexOf(ics)]);
  });
});

// Byte sets each encoding allows (RFC 2045 2.7-2.9): 7bit and 8bit are lines of at most 998 octets
// without NUL, CR or LF, joined by line breaks (CRLF or LF, at random); binary and the encoded
// forms carry any bytes.
const lineBreak = fc.constantFrom('\r\n', '\n');
const linesOf = (max: number) =>
  fc
    .array(
      fc.tuple(
        fc.uint8Array({ minLength: 0, maxLength: 120 }).map((bytes) =>
          bytes.map((b) => {
            const v = (b % max) + 1; // 1..max, never NUL
            return v === 0x0a || v === 0x0d ? 0x20 : v;
          }),
        ),
        lineBreak,
      ),
      { maxLength: 12 },
    )
    .chain((lines) =>
      fc
        .boolean()
        .map((endsWithBreak) =>
          Buffer.concat(
            lines.map(([bytes, br], i) =>
              Buffer.concat([
                Buffer.from(bytes),
                i < lines.length - 1 || endsWithBreak ? Buffer.from(br) : Buffer.alloc(0),
              ]),
            ),
          ),
        ),
    );
// Random bytes with many line-break bytes among them.
const anyBytes = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x3d, 0x2d)), {
    maxLength: 600,
  })
  .map((bytes) => Buffer.from(bytes));

function dataFor(encoding: TransferEncoding): fc.Arbitrary<Buffer> {
  if (encoding === '7bit') return linesOf(127);
  if (encoding === '8bit') return linesOf(255);
  return anyBytes;
}

// Types the parser has read specially: calendar invitations were decoded into text.
const ATTACHMENT_TYPES = [
  'application/octet-stream',
  'application/pdf',
  'application/ics',
  'text/calendar; method=REQUEST',
  'image/jpeg',
];

describe('round trip of random bytes through a mail and parseInboundMail', () => {
  for (const encoding of TRANSFER_ENCODINGS) {
    it(`${encoding}: the part's bytes are the bytes that were encoded`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(dataFor(encoding), { minLength: 1, maxLength: 3 }),
          lineBreak,
          fc.constantFrom<QpMode>('binary', 'text'),
          fc.boolean(),
          fc.array(fc.constantFrom(...ATTACHMENT_TYPES), { minLength: 3, maxLength: 3 }),
          async (datas, eol, qpMode, nested, types) => {
            // In bare-LF mail a binary body that ends with CR cannot be told from a CRLF before the
            // delimiter: no parser can (mailparser reads it the same way), and no mail program writes it.
            fc.pre(!(eol === '\n' && ['binary'].includes(encoding) && datas.some((d) => d.at(-1) === 0x0d)));
            const attachments: EncodedAttachment[] = datas.map((data, i) => ({
              filename: `part-${i}.bin`,
              contentType: types[i] as string,
              encoding,
              qpMode,
              data,
            }));
            const raw = mailWithAttachments(attachments, eol, { nested });
            const mail = await parseInboundMail(raw);
            expect(mail.parts.map((p) => hexOf(p.content))).toEqual(datas.map(hexOf));
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe('the same bytes as mailparser, the reference parser', () => {
  const corpusDir = join(import.meta.dirname, '../corpus/mail');
  const files = [corpusDir, fixtureDir].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => join(dir, f)),
  );

  it.each(files.map((f) => [f.split('/').slice(-2).join('/'), f]))('%s', async (_name, file) => {
    const raw = readFileSync(file);
    const ours = (await parseInboundMail(raw)).parts
      .filter((p) => !isText(p.contentType))
      .map((p) => digest(p.content));
    expect(ours.sort()).toEqual((await referenceParts(raw)).sort());
  });
});

// A delivery report's status part is text lines (RFC 3464); mailparser reads it as text.
const isText = (type: string) => type.startsWith('text/') || type === 'message/delivery-status';

const digest = (bytes: Uint8Array) => `${createHash('sha256').update(bytes).digest('hex')}:${bytes.length}`;

/**
 * The non-text parts as mailparser reads them. The containers the gateway opens itself (an attached
 * mail, S/MIME, TNEF, AppleSingle/AppleDouble) are opened the same way here, from mailparser's bytes
 * of the container, so the comparison is of what the MIME reading gives.
 */
async function referenceParts(raw: Buffer, depth = 0): Promise<string[]> {
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true });
  const out: string[] = [];
  for (const a of parsed.attachments) {
    const type = a.contentType.toLowerCase();
    if (isText(type)) continue;
    if (type === 'message/rfc822' && depth < 3) {
      out.push(...(await referenceParts(a.content, depth + 1)));
      continue;
    }
    if (/^application\/(x-)?pkcs7-mime$/.test(type) && depth < 3) {
      const signed = signedContentOf(a.content);
      if (signed) {
        out.push(...(await referenceParts(signed, depth + 1)));
        continue;
      }
    }
    const tnef = /^application\/(vnd\.)?ms-tnef$/.test(type) ? tnefAttachments(a.content) : [];
    if (tnef.length > 0) {
      out.push(...tnef.map((file) => digest(file.content)));
      continue;
    }
    if (type === 'application/applefile') {
      const apple = readAppleFile(a.content);
      if (apple.kind === 'metadata') continue;
      if (apple.kind === 'file') {
        out.push(digest(apple.content));
        continue;
      }
    }
    out.push(digest(a.content));
  }
  return out;
}
