// winmail.dat (TNEF): the files Outlook's "Rich Text" mail carries inside it become parts of the
// mail, so a PDF attached in Outlook is faxed whether it came as MIME or inside winmail.dat.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareFaxDocument } from '../../functions/domain/documents.ts';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';
import { isTnef, tnefAttachments } from '../../functions/mail/tnef.ts';
import { tnefOf } from '../corpus/tnef-writer.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';

const at = new Date('2026-11-27T10:00:00Z');
const limits = { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 };

function outlookRtfMail(winmail: Buffer): Buffer {
  const b64 = winmail.toString('base64').replace(/(.{76})/g, '$1\r\n');
  return Buffer.from(
    [
      'From: Einkauf <einkauf@example.com>',
      'To: +4930123456@fax.example.org',
      'Subject: Bestellung',
      'Message-ID: <rtf.1@example.com>',
      'X-MS-TNEF-Correlator: <rtf.1@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="_000_rtf_"',
      '',
      '--_000_rtf_',
      'Content-Type: text/plain; charset="us-ascii"',
      '',
      'Anbei.',
      '--_000_rtf_',
      'Content-Type: application/ms-tnef; name="winmail.dat"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="winmail.dat"',
      '',
      b64,
      '--_000_rtf_--',
      '',
    ].join('\r\n'),
  );
}

describe('tnefAttachments', () => {
  it('reads every file with its long name, in order, bytes intact', async () => {
    const pdf = await samplePdf(2);
    const winmail = tnefOf(
      [
        { longName: 'Bestellung Müller.pdf', shortName: 'BESTEL~1.PDF', content: pdf },
        { longName: 'Preisliste 2027.xlsx', shortName: 'PREISL~1.XLS', content: Buffer.from('xlsx') },
      ],
      at,
    );
    expect(isTnef(winmail)).toBe(true);
    const files = tnefAttachments(winmail);
    expect(files.map((f) => f.filename)).toEqual(['Bestellung Müller.pdf', 'Preisliste 2027.xlsx']);
    expect(Buffer.compare(files[0]?.content ?? Buffer.alloc(0), Buffer.from(pdf))).toBe(0);
    expect(files[1]?.content.toString()).toBe('xlsx');
  });

  it('keeps the files read before a truncation, and reads nothing from bytes that are not TNEF', async () => {
    const winmail = tnefOf(
      [
        { longName: 'a.pdf', shortName: 'A.PDF', content: await samplePdf(1) },
        { longName: 'b.pdf', shortName: 'B.PDF', content: await samplePdf(1) },
      ],
      at,
    );
    const cut = tnefAttachments(winmail.subarray(0, winmail.length - 200));
    expect(cut.map((f) => f.filename)).toEqual(['a.pdf']);
    expect(tnefAttachments(Buffer.from('%PDF-1.4 not tnef'))).toEqual([]);
    expect(tnefAttachments(Buffer.alloc(0))).toEqual([]);
  });

  it('reads past a property that claims four billion fixed-size values in a few bytes', async () => {
    // Each value of a variable type is read from the block; a fixed-size one was skipped without a
    // look at the block's end, so 12 bytes made the reader count to four billion.
    const attribute = (id: number, data: Buffer) => {
      const head = Buffer.alloc(9);
      head.writeUInt8(2, 0); // attachment level
      head.writeUInt32LE(id, 1);
      head.writeUInt32LE(data.length, 5);
      return Buffer.concat([head, data, Buffer.alloc(2)]);
    };
    const claims = Buffer.alloc(4 + 20 * 8);
    claims.writeUInt32LE(20, 0);
    for (let i = 0; i < 20; i++) {
      claims.writeUInt16LE(0x1003, 4 + i * 8); // PT_MV_LONG
      claims.writeUInt16LE(0x0e20, 6 + i * 8);
      claims.writeUInt32LE(0xffffffff, 8 + i * 8);
    }
    const pdf = Buffer.from(await samplePdf(1));
    const winmail = Buffer.concat([
      Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00]),
      attribute(0x00069002, Buffer.alloc(14)), // attAttachRendData
      attribute(0x0006800f, pdf), // attAttachData
      attribute(0x00069005, claims), // attAttachment
    ]);
    const files = tnefAttachments(winmail);
    expect(files).toHaveLength(1);
    expect(Buffer.compare(files[0]?.content ?? Buffer.alloc(0), pdf)).toBe(0);
  });

  it('never throws on arbitrary bytes after the signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (tail) => {
        const bytes = Buffer.concat([Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00]), Buffer.from(tail)]);
        expect(Array.isArray(tnefAttachments(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseInboundMail with winmail.dat', () => {
  it('makes the files inside winmail.dat parts of the mail: the PDF is faxed as it came', async () => {
    const pdf = await samplePdf(3);
    const mail = await parseInboundMail(
      outlookRtfMail(
        tnefOf(
          [
            { longName: 'Bestellung.pdf', shortName: 'BESTEL~1.PDF', content: pdf },
            { longName: 'Logo.png', shortName: 'LOGO.PNG', content: Buffer.from('png') },
          ],
          at,
        ),
      ),
    );
    expect(mail.parts.map((p) => p.filename)).toEqual(['Bestellung.pdf', 'Logo.png']);
    const decision = await prepareFaxDocument(mail.parts, limits);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(Buffer.compare(Buffer.from(decision.document.bytes), Buffer.from(pdf))).toBe(0);
    expect(decision.document.pages).toBe(3);
    expect(decision.ignored).toEqual(['Logo.png']);
  });

  it('keeps a winmail.dat without files (only the formatted body) as a part, so a reply can name it', async () => {
    const mail = await parseInboundMail(outlookRtfMail(tnefOf([], at)));
    expect(mail.parts.map((p) => p.filename)).toEqual(['winmail.dat']);
    const decision = await prepareFaxDocument(mail.parts, limits);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.problem).toBe('no-pdf');
    expect(decision.detail).toContain('winmail.dat');
  });
});
