// Focused tests for what the real-world mail corpus (test/corpus) found in the domain modules.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { prepareFaxDocument } from '../../functions/domain/documents.ts';
import { rejectionReply } from '../../functions/domain/replies/immediate.ts';
import { isAutoReplyUnsafe, sesEnvelopeRecipients } from '../../functions/domain/sender-trust.ts';
import { readAppleFile } from '../../functions/mail/apple-file.ts';
import { signedContentOf } from '../../functions/mail/cms-signed.ts';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';
import { appleFileOf } from '../corpus/apple-file-writer.ts';
import { signedDataOf } from '../corpus/cms-writer.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';

function raw(lines: string[], encoding: BufferEncoding = 'utf8'): Buffer {
  return Buffer.from(
    [...lines, 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'Hello', ''].join('\r\n'),
    encoding,
  );
}

describe('parseInboundMail: subjects written raw in 8 bits', () => {
  it('reads an ISO-8859-1 / windows-1252 subject as such, not as U+FFFD', async () => {
    const mail = await parseInboundMail(
      raw(['From: a@example.com', 'Subject: Bestellbestätigung Brötchen'], 'latin1'),
    );
    expect(mail.subject).toBe('Bestellbestätigung Brötchen');
  });

  it('reads windows-1252 bytes 0x80-0x9f as that code page does', async () => {
    const bytes = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: Preis 5 '),
      Buffer.from([0x80, 0x20, 0x96, 0x20, 0x84, 0x67, 0x75, 0x74, 0x93]),
      Buffer.from('\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello\r\n'),
    ]);
    expect((await parseInboundMail(bytes)).subject).toBe('Preis 5 € – „gut“');
  });

  it('leaves raw UTF-8 and encoded-word subjects as mailparser decodes them', async () => {
    expect((await parseInboundMail(raw(['From: a@example.com', 'Subject: Grüße aus Köln']))).subject).toBe(
      'Grüße aus Köln',
    );
    const encoded = await parseInboundMail(
      raw(['From: a@example.com', 'Subject: =?iso-8859-1?Q?Gr=FC=DFe?=']),
    );
    expect(encoded.subject).toBe('Grüße');
  });
});

describe('parseInboundMail: Mac attachments (AppleDouble, AppleSingle)', () => {
  const limits = { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 };

  function macMail(parts: string[]): Buffer {
    return Buffer.from(
      [
        'From: a@example.com',
        'To: +4930123456@fax.example.org',
        'Subject: Mac',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        '--outer',
        'Content-Type: text/plain',
        '',
        'Hi',
        ...parts,
        '--outer--',
        '',
      ].join('\r\n'),
    );
  }

  it('skips the applefile half of an AppleDouble pair: the PDF beside it is faxed, nothing is ignored', async () => {
    const pdf = Buffer.from(await samplePdf(1));
    const mail = await parseInboundMail(
      macMail([
        '--outer',
        'Content-Type: multipart/appledouble; boundary="ad"',
        '',
        '--ad',
        'Content-Type: application/applefile; name="Vertrag.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        appleFileOf('double', 'Vertrag.pdf').toString('base64'),
        '--ad',
        'Content-Type: application/pdf; x-mac-type=50444620; x-mac-creator=4341524F; name="Vertrag.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        pdf.toString('base64'),
        '--ad--',
      ]),
    );
    expect(mail.parts.map((p) => [p.filename, p.contentType])).toEqual([['Vertrag.pdf', 'application/pdf']]);
    const decision = await prepareFaxDocument(mail.parts, limits);
    expect(decision.ok && decision.ignored).toEqual([]);
  });

  it("takes an AppleSingle's data fork as the file, with its real name", async () => {
    const pdf = await samplePdf(2);
    const mail = await parseInboundMail(
      macMail([
        '--outer',
        'Content-Type: application/applefile; name="Scan"',
        'Content-Transfer-Encoding: base64',
        '',
        appleFileOf('single', 'Scan.pdf', pdf).toString('base64'),
      ]),
    );
    expect(mail.parts.map((p) => p.filename)).toEqual(['Scan.pdf']);
    expect(Buffer.compare(mail.parts[0]?.content ?? Buffer.alloc(0), Buffer.from(pdf))).toBe(0);
    expect(readAppleFile(Buffer.from('not an apple file at all')).kind).toBe('unknown');
  });
});

describe('readAppleFile on a crafted header', () => {
  it('copies the fork once, however many of 65,535 entries name it', () => {
    // Every data-fork entry was copied as it was read (and every real-name entry decoded): a header
    // of 65,535 entries over one 4 MB fork copied 130 GB, 22 s for a 5 MB attachment. Counted, not
    // timed: the copies of fork-sized views.
    const fork = Buffer.alloc(256 * 1024, 0x25);
    const name = Buffer.from('Scan.pdf', 'latin1');
    const count = 65_535;
    const header = Buffer.alloc(26 + count * 12);
    header.writeUInt32BE(0x00051600, 0); // AppleSingle
    header.writeUInt32BE(0x00020000, 4);
    header.writeUInt16BE(count, 24);
    const forkAt = header.length + name.length;
    for (let i = 0; i < count; i++) {
      const at = 26 + i * 12;
      const realName = i % 2 === 1;
      header.writeUInt32BE(realName ? 3 : 1, at);
      header.writeUInt32BE(realName ? header.length : forkAt, at + 4);
      header.writeUInt32BE(realName ? name.length : fork.length, at + 8);
    }
    const file = Buffer.concat([header, name, fork]);
    const from = vi.spyOn(Buffer, 'from');
    const read = readAppleFile(file);
    const copies = from.mock.calls.filter(
      ([arg]) => arg instanceof Uint8Array && arg.byteLength === fork.length,
    );
    from.mockRestore();
    expect(copies).toHaveLength(1);
    expect(read).toMatchObject({ kind: 'file', filename: 'Scan.pdf' });
    expect(read.kind === 'file' && Buffer.compare(read.content, fork)).toBe(0);
  });
});

describe('a fax address only in Bcc', () => {
  const sesReceived = (rcpt: string) => [
    'Return-Path: <lena@example.com>',
    'Received: from mail.example.com (mail.example.com [192.0.2.1])',
    ` by inbound-smtp.eu-west-1.amazonaws.com with SMTP id abc123 for ${rcpt};`,
    ' Fri, 27 Nov 2026 09:15:42 +0000 (UTC)',
    'X-SES-Spam-Verdict: PASS',
    'X-SES-RECEIPT: AEFBQUFBQUFBQUFHbG5mVTZ2b3dpeWJvc2xnNnJ6c1FjR2hPZnBwZjZIa0hGdXJhVHBzN0Y5a1BzbWhSeDJ4S0V',
    'Received: from [10.0.0.2] by mail.example.com with ESMTPSA id 77 for <forged@fax.example.org>;',
    ' Fri, 27 Nov 2026 09:15:41 +0000',
  ];

  it("reads the envelope recipient from SES's own Received line only, with or without brackets", async () => {
    const plain = await parseInboundMail(
      raw([...sesReceived('+4930123456@fax.example.org'), 'From: a@example.com']),
    );
    expect(sesEnvelopeRecipients(plain.headerLines)).toEqual(['+4930123456@fax.example.org']);
    const bracketed = await parseInboundMail(
      raw([...sesReceived('<+4930123456@fax.example.org>'), 'From: a@x']),
    );
    expect(sesEnvelopeRecipients(bracketed.headerLines)).toEqual(['+4930123456@fax.example.org']);
    const none = await parseInboundMail(raw(['From: a@example.com', ...sesReceived('x@y').slice(6)]));
    expect(sesEnvelopeRecipients(none.headerLines)).toEqual([]);
  });

  it('the rejection says to put the fax address in To or Cc, instead of asking for a number', () => {
    const reply = rejectionReply(
      {
        kind: 'no-fax-recipients',
        faxDomain: 'fax.example.org',
        rejectedRecipients: [],
        blindCopies: ['+4930123456@fax.example.org'],
      },
      'Antrag',
    );
    expect(reply.text).toContain('+4930123456@fax.example.org received this email as a blind copy (Bcc).');
    expect(reply.text).toContain('Put the fax address in To or Cc');
    expect(reply.text).not.toContain('None of the recipients');
    const noBcc = rejectionReply(
      { kind: 'no-fax-recipients', faxDomain: 'fax.example.org', rejectedRecipients: [] },
      '',
    );
    expect(noBcc.text).toContain('None of the recipients is a fax number');
  });
});

describe('isAutoReplyUnsafe: bounces', () => {
  const gateway = { faxDomain: 'fax.example.org', replyFrom: 'fax@fax.example.org' };

  it('names the bounce sender even when the bounce is Auto-Submitted, as real bounces are', () => {
    const bounce = { autoSubmitted: 'auto-replied', headerLines: [] };
    expect(isAutoReplyUnsafe(bounce, 'MAILER-DAEMON@example.com', gateway)).toMatch(
      /^the sender is mailer-daemon/,
    );
    expect(isAutoReplyUnsafe(bounce, 'postmaster@example.com', gateway)).toMatch(/^the sender is postmaster/);
    expect(isAutoReplyUnsafe(bounce, 'alice@example.com', gateway)).toMatch(/^the mail is Auto-Submitted/);
  });

  it("treats SES's null Return-Path as a bounce, whatever From says", () => {
    const ndr = {
      autoSubmitted: 'auto-replied',
      headerLines: [
        { key: 'return-path', line: 'Return-Path: <>' },
        { key: 'return-path', line: 'Return-Path: <alice@example.com>' },
      ],
    };
    expect(isAutoReplyUnsafe(ndr, 'MicrosoftExchange329e71ec88ae@example.com', gateway)).toMatch(
      /^the sender is the null sender/,
    );
    const normal = { headerLines: [{ key: 'return-path', line: 'Return-Path: <alice@example.com>' }] };
    expect(isAutoReplyUnsafe(normal, 'alice@example.com', gateway)).toBeUndefined();
  });
});

describe('opaque-signed S/MIME (smime.p7m)', () => {
  const limits = { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 };

  async function opaqueSigned(form: 'der' | 'outlook-ber'): Promise<{ raw: Buffer; pdf: Uint8Array }> {
    const pdf = await samplePdf(2);
    const entity = [
      'Content-Type: multipart/mixed; boundary="inner"',
      '',
      '--inner',
      'Content-Type: text/plain; charset="us-ascii"',
      '',
      'Anbei.',
      '--inner',
      'Content-Type: application/pdf; name="Bescheid.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="Bescheid.pdf"',
      '',
      Buffer.from(pdf).toString('base64'),
      '--inner--',
      '',
    ].join('\r\n');
    const p7m = signedDataOf(Buffer.from(entity), form);
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'To: +4930123456@fax.example.org',
        'Subject: Signed',
        'MIME-Version: 1.0',
        'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="smime.p7m"',
        '',
        p7m.toString('base64'),
        '',
      ].join('\r\n'),
    );
    return { raw, pdf };
  }

  it.each(['der', 'outlook-ber'] as const)('finds the PDF inside the signed content (%s)', async (form) => {
    const { raw, pdf } = await opaqueSigned(form);
    const mail = await parseInboundMail(raw);
    expect(mail.parts.map((p) => p.filename)).toEqual(['Bescheid.pdf']);
    const decision = await prepareFaxDocument(mail.parts, limits);
    expect(decision.ok).toBe(true);
    if (decision.ok) expect(Buffer.compare(Buffer.from(decision.document.bytes), Buffer.from(pdf))).toBe(0);
  });

  it('reads nothing from an encrypted, truncated or foreign .p7m (it stays a part of its own)', () => {
    const p7m = signedDataOf(Buffer.from('x'), 'der');
    expect(signedContentOf(p7m.subarray(0, p7m.length - 5))).toBeUndefined();
    // EnvelopedData (1.2.840.113549.1.7.3) instead of SignedData: nothing to read without the key.
    const enveloped = Buffer.from(p7m);
    enveloped[12] = 0x03;
    expect(signedContentOf(enveloped)).toBeUndefined();
    expect(signedContentOf(Buffer.from('garbage'))).toBeUndefined();
  });
});

describe('container readers on arbitrary bytes', () => {
  it('signedContentOf and readAppleFile never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0x30, 0x00, 0x24), (tail, first) => {
        const bytes = Buffer.concat([Buffer.from([first, 0x80]), Buffer.from(tail)]);
        const content = signedContentOf(bytes);
        expect(content === undefined || Buffer.isBuffer(content)).toBe(true);
        expect(['metadata', 'file', 'unknown']).toContain(
          readAppleFile(Buffer.concat([Buffer.from('00051600', 'hex'), bytes])).kind,
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('prepareFaxDocument: signing furniture', () => {
  it('does not list an attached OpenPGP public key (Proton Mail attaches one to every mail) as ignored', async () => {
    const decision = await prepareFaxDocument(
      [
        { filename: 'Antrag.pdf', contentType: 'application/pdf', content: Buffer.from(await samplePdf(1)) },
        {
          filename: 'publickey - mara@proton.example - 0x1A2B3C4D.asc',
          contentType: 'application/pgp-keys',
          content: Buffer.from('-----BEGIN PGP PUBLIC KEY BLOCK-----'),
        },
        { filename: 'signature.asc', contentType: 'application/pgp-signature', content: Buffer.from('sig') },
        { filename: 'notes.txt', contentType: 'text/plain', content: Buffer.from('kept in the list') },
      ],
      { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 },
    );
    expect(decision.ok && decision.ignored).toEqual(['notes.txt']);
  });
});
