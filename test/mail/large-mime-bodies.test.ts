// Setting large base64 bodies aside must not change what the MIME parser (postal-mime) reports:
// every fixture, and generated mails, parse to the same parts (name, type, disposition, bytes)
// either way.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import PostalMime, { type Attachment } from 'postal-mime';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MIN_BODY_BYTES,
  decodeBase64Body,
  multipartParts,
  setAsideLargeBodies,
} from '../../functions/mail/large-mime-bodies.ts';
import {
  attachmentBytes,
  PARSER_OPTIONS as options,
  parseInboundMail,
} from '../../functions/mail/parse-inbound-mail.ts';
import { buildSesMail, samplePdf, withOneLineParts } from '../fixtures/mail-builder.ts';

const fixtures = join(import.meta.dirname, '../fixtures/mail');
interface Seen {
  filename?: string;
  contentType: string;
  disposition?: string;
  related?: boolean;
  content: string;
}

/** What the inbound parser keeps of each leaf part, forwarded mails opened, as comparable values. */
async function partsOf(
  raw: Buffer,
  restore: (content: Buffer) => Buffer = (c) => c,
  depth = 0,
): Promise<Seen[]> {
  const parsed = await PostalMime.parse(raw, options);
  return partsOfAttachments(parsed.attachments, restore, depth);
}

async function partsOfAttachments(
  attachments: Attachment[],
  restore: (c: Buffer) => Buffer,
  depth: number,
): Promise<Seen[]> {
  const seen: Seen[] = [];
  for (const a of attachments) {
    const content = restore(attachmentBytes(a.content));
    if (a.mimeType === 'message/rfc822' && depth < 3) {
      seen.push(...(await partsOf(content, restore, depth + 1)));
      continue;
    }
    seen.push({
      ...(a.filename ? { filename: a.filename } : {}),
      contentType: a.mimeType,
      ...(a.disposition ? { disposition: a.disposition } : {}),
      ...(a.related ? { related: true } : {}),
      content: content.toString('base64'),
    });
  }
  return seen;
}

async function bothWays(
  raw: Buffer,
  minBodyBytes = 1,
): Promise<{ plain: Seen[]; setAside: Seen[]; count: number }> {
  const aside = setAsideLargeBodies(raw, minBodyBytes);
  return {
    plain: await partsOf(raw),
    setAside: await partsOf(aside.mail, aside.restore),
    count: aside.count,
  };
}

describe('setAsideLargeBodies', () => {
  it('leaves every fixture parsing to the same parts', async () => {
    let setAsideSomewhere = 0;
    for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.eml'))) {
      const { plain, setAside, count } = await bothWays(readFileSync(join(fixtures, file)));
      expect(setAside, file).toEqual(plain);
      setAsideSomewhere += count;
    }
    expect(setAsideSomewhere).toBeGreaterThan(0);
  });

  it('sets a large PDF aside and gives back its exact bytes', async () => {
    const pdf = Buffer.concat([Buffer.from(await samplePdf(2)), randomBytes(200_000)]);
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: '+4930123456@fax.example.com',
      pdfs: [{ filename: 'scan.pdf', bytes: pdf }],
    });
    const aside = setAsideLargeBodies(raw);
    expect(aside.count).toBe(1);
    expect(aside.mail.length).toBeLessThan(20_000);
    const parts = await partsOf(aside.mail, aside.restore);
    expect(parts.map((p) => [p.filename, Buffer.from(p.content, 'base64').equals(pdf)])).toEqual([
      ['scan.pdf', true],
    ]);
  });

  it('reads no header of a part too small to be set aside: a string or two for the mail, not per part', async () => {
    const pdf = Buffer.concat([Buffer.from(await samplePdf(1)), randomBytes(100_000)]);
    const mail = await buildSesMail({
      from: 'alice@example.com',
      to: '+4930123456@fax.example.com',
      pdfs: [{ filename: 'scan.pdf', bytes: pdf }],
    });
    const raw = withOneLineParts(mail, 4_990);
    // every header block and delimiter line read was a string made from the mail's bytes
    const bufferToString = Buffer.prototype.toString;
    let strings = 0;
    Buffer.prototype.toString = function (this: Buffer, ...args: Parameters<Buffer['toString']>) {
      strings++;
      return bufferToString.apply(this, args);
    };
    let aside: ReturnType<typeof setAsideLargeBodies>;
    try {
      aside = setAsideLargeBodies(raw);
    } finally {
      Buffer.prototype.toString = bufferToString;
    }
    expect(aside.count).toBe(1);
    expect(strings).toBeLessThan(50);
    const scan = (await partsOf(aside.mail, aside.restore)).find((p) => p.filename === 'scan.pdf');
    expect(Buffer.from(scan?.content ?? '', 'base64').equals(pdf)).toBe(true);
  });

  it('bounds its own walk, which runs before the part limits: no large header block read, a budget of delimiters', async () => {
    const pdf = Buffer.concat([Buffer.from(await samplePdf(1)), randomBytes(100_000)]);
    const b64 = pdf.toString('base64').replace(/.{76}/g, '$&\r\n');
    const mail = (partHeaders: string[], filler: string) =>
      Buffer.from(
        [
          'From: alice@example.com',
          'Content-Type: multipart/mixed; boundary="b"',
          '',
          '--b',
          'Content-Type: text/plain',
          '',
          filler,
          '--b',
          'Content-Type: application/pdf; name="scan.pdf"',
          'Content-Transfer-Encoding: base64',
          ...partHeaders,
          '',
          b64,
          '--b--',
          '',
        ].join('\r\n'),
        'latin1',
      );
    const bufferToString = Buffer.prototype.toString;
    const walk = (raw: Buffer) => {
      let longest = 0;
      Buffer.prototype.toString = function (this: Buffer, ...args: Parameters<Buffer['toString']>) {
        const text = bufferToString.apply(this, args);
        longest = Math.max(longest, text.length);
        return text;
      };
      try {
        return { count: setAsideLargeBodies(raw).count, longest };
      } finally {
        Buffer.prototype.toString = bufferToString;
      }
    };
    const scanOf = async (raw: Buffer) =>
      (await parseInboundMail(raw)).parts.find((p) => p.filename === 'scan.pdf');
    // An ordinary part header is read and its body set aside.
    const ordinary = mail(['X-Note: a'], 'text');
    expect(walk(ordinary).count).toBe(1);
    // 40 KB of header lines: a block larger than any real part's is left unread, to the parser.
    const longHeaders = mail(
      Array.from({ length: 20 }, (_, i) => `X-Long-${i}: ${'x'.repeat(2_000)}`),
      'text',
    );
    const long = walk(longHeaders);
    expect(long.count).toBe(0);
    expect(long.longest).toBeLessThan(20_000);
    expect((await scanOf(longHeaders))?.content.equals(pdf)).toBe(true);
    // Past 100,000 lines that start like a delimiter, nothing is set aside.
    const fakes = mail([], 'x--b '.repeat(100_001));
    expect(walk(fakes).count).toBe(0);
    expect((await scanOf(fakes))?.content.equals(pdf)).toBe(true);
    expect(walk(mail([], 'x--b '.repeat(1_000))).count).toBe(1);
  });

  it('makes no range for a part too small to be set aside: none for 4,990 one-line parts', () => {
    const lines = Array.from(
      { length: 4_990 },
      (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\nline ${i}\r\n`,
    );
    const large = `--p\r\nContent-Type: application/pdf\r\n\r\n${'A'.repeat(DEFAULT_MIN_BODY_BYTES)}\r\n`;
    const raw = Buffer.from(`${lines.join('')}${large}--p--\r\n`, 'latin1');
    const body = { start: 0, end: raw.length };
    expect(multipartParts(raw, body, 'p')).toHaveLength(4_991);
    const kept = multipartParts(raw, body, 'p', DEFAULT_MIN_BODY_BYTES);
    expect(kept).toHaveLength(1);
    expect(raw.toString('latin1', kept[0]?.start, kept[0]?.end)).toBe(large.slice(5, -2));
  });

  it('parses generated mails to the same parts either way', async () => {
    const attachment = fc.record({
      filename: fc.constantFrom(
        'scan.pdf',
        'Scan 1.PDF',
        'photo.jpg',
        'notes.txt',
        'data.bin',
        'brief ä.pdf',
      ),
      contentType: fc.constantFrom(
        'application/pdf',
        'application/octet-stream',
        'image/jpeg',
        'text/plain',
        'application/x-pdf',
      ),
      content: fc.uint8Array({ minLength: 0, maxLength: 600 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(attachment, { maxLength: 4 }), fc.boolean(), async (attachments, lf) => {
        let raw = await buildSesMail({
          from: 'alice@example.com',
          to: '+4930123456@fax.example.com',
          attachments,
        });
        if (lf) raw = Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
        const { plain, setAside } = await bothWays(raw);
        expect(setAside).toEqual(plain);
      }),
      { numRuns: 60 },
    );
  });

  it('leaves bodies alone whose decoding could differ: inner padding, base64url characters', async () => {
    for (const body of ['QQ==\r\nQkM=', 'QUJD-_QUJD']) {
      const raw = Buffer.from(
        [
          'From: alice@example.com',
          'Content-Type: multipart/mixed; boundary="b1"',
          '',
          '--b1',
          'Content-Type: application/pdf; name="a.pdf"',
          'Content-Transfer-Encoding: base64',
          '',
          body,
          '--b1--',
          '',
        ].join('\r\n'),
      );
      const { plain, setAside, count } = await bothWays(raw);
      expect(count).toBe(0);
      expect(setAside).toEqual(plain);
    }
  });

  it('sets aside the body of a single-part mail and of a part without a closing boundary', async () => {
    const data = randomBytes(3000)
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n');
    const single = Buffer.from(
      `From: alice@example.com\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${data}\r\n`,
    );
    const unclosed = Buffer.from(
      `From: alice@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${data}\r\n`,
    );
    for (const raw of [single, unclosed]) {
      const { plain, setAside, count } = await bothWays(raw);
      expect(count).toBe(1);
      expect(setAside).toEqual(plain);
    }
  });

  it('honours no stand-in the sender wrote: each parse has its own', async () => {
    const first = setAsideLargeBodies(
      Buffer.from(
        `From: a@example.com\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${'QUJD'.repeat(100)}\r\n`,
      ),
      16,
    );
    const parsed = await PostalMime.parse(first.mail, options);
    const standIn = parsed.attachments[0] ? attachmentBytes(parsed.attachments[0].content) : Buffer.alloc(0);
    expect(first.restore(standIn).toString()).toBe('ABC'.repeat(100));
    const second = setAsideLargeBodies(Buffer.from('From: a@example.com\r\n\r\nhello\r\n'));
    expect(second.restore(standIn)).toBe(standIn);
  });

  it('gives parseInboundMail the exact bytes of a large PDF, also inside a forwarded mail', async () => {
    const pdf = Buffer.concat([Buffer.from(await samplePdf(3)), randomBytes(300_000)]);
    const inner = await buildSesMail({
      from: 'bob@example.org',
      to: 'alice@example.com',
      pdfs: [{ filename: 'inner scan.pdf', bytes: pdf }],
    });
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: '+4930123456@fax.example.com',
      pdfs: [{ filename: 'scan.pdf', bytes: pdf, contentType: 'application/octet-stream' }],
      attachments: [{ filename: 'forwarded.eml', content: inner, contentType: 'message/rfc822' }],
    });
    const mail = await parseInboundMail(raw);
    expect(mail.parts.map((p) => [p.filename, p.contentType, p.content.equals(pdf)])).toEqual([
      ['scan.pdf', 'application/octet-stream', true],
      ['inner scan.pdf', 'application/pdf', true],
    ]);
  });
});

describe('decodeBase64Body', () => {
  /** Bytes from a seed (xorshift): large bodies without fast-check building them byte by byte. */
  const bytesOf = (size: number, seed: number) => {
    const bytes = Buffer.alloc(size);
    let x = seed | 1;
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    return bytes;
  };

  it('decodes a body as Node decodes it in one go, whatever its lines and stray characters', () => {
    fc.assert(
      fc.property(
        fc.record({
          size: fc.integer({ min: 40_000, max: 200_000 }),
          seed: fc.integer(),
          line: fc.constantFrom(76, 64, 72, 4, 57, 75, 77, 998, 200_000),
          lineBreak: fc.constantFrom('\r\n', '\n', '\r\r\n'),
          // What a sender may slip in (white space, characters that are not base64, a line break),
          // or write instead of a character, so that every line still ends where the first does.
          stray: fc.array(
            fc.tuple(
              fc.nat(),
              fc.constantFrom(' ', '\t', '!', '\r', '\n', '\r\n', '\xff', 'A'),
              fc.boolean(),
            ),
            { maxLength: 3 },
          ),
          padded: fc.boolean(),
        }),
        ({ size, seed, line, lineBreak, stray, padded }) => {
          const encoded = bytesOf(size, seed).toString('base64');
          const unwrapped = padded ? encoded : encoded.replace(/=+$/, '');
          const lines: string[] = [];
          for (let at = 0; at < unwrapped.length; at += line) lines.push(unwrapped.slice(at, at + line));
          let text = lines.join(lineBreak);
          for (const [where, what, instead] of stray) {
            const at = where % (text.length + 1);
            text = `${text.slice(0, at)}${what}${text.slice(instead ? at + what.length : at)}`;
          }
          const base64 = Buffer.from(text, 'latin1');
          return decodeBase64Body(base64).equals(Buffer.from(text, 'base64'));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('where the set-aside walk and the parser read a structure differently', () => {
  // 50,000 bytes: 66,668 base64 characters, over the set-aside threshold.
  const pdf = Buffer.concat([
    Buffer.from('%PDF-1.4\n'),
    Buffer.from(Array.from({ length: 49_991 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff)),
  ]);
  const b64 = (pdf.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  const head =
    'From: a@example.com\r\nTo: +4930123456@fax.example.com\r\nSubject: t\r\nMIME-Version: 1.0\r\n';
  const mixed = `${head}Content-Type: multipart/mixed; boundary=BND\r\n\r\n--BND\r\n`;
  const end = '\r\n--BND--\r\n';
  const pdfHeaders = 'Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n';
  const sibling = 'Content-Type: application/octet-stream; name=sib.bin\r\n\r\nsibling\r\n';
  const inner = (headers: string) =>
    `From: x@example.com\r\n${headers}Content-Type: multipart/mixed; boundary=IN\r\n\r\n--IN\r\n${pdfHeaders}\r\n${b64}\r\n--IN--`;
  const cases: [string, string][] = [
    [
      'a control character after a field name',
      `${mixed}Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding\x0b: base64\r\n\r\n${b64}${end}`,
    ],
    [
      'a control character before a field name',
      `${mixed}\x0cContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}${end}`,
    ],
    [
      'a delimiter line padded with a form feed',
      `${mixed}${sibling}--BND\x0c\r\n${pdfHeaders}\r\n${b64}${end}`,
    ],
    [
      'boundary= inside a quoted parameter',
      `${head}Content-Type: multipart/mixed; x="a;boundary=evil"; boundary=BND\r\n\r\n--BND\r\nContent-Type: application/octet-stream; name=raw.bin\r\n\r\n--evil\r\n${pdfHeaders}\r\n${b64}\r\n--evil--${end}`,
    ],
    [
      'LF header lines ended by a CRLF blank line',
      `${mixed}Content-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\r\n${b64.slice(0, 778)}\r\n\r\n${b64.slice(780)}${end}`,
    ],
    [
      'a blank line of CR CR LF',
      `${mixed}${pdfHeaders}\r\r\n${b64.slice(0, 778)}\r\n\r\n${b64.slice(780)}${end}`,
    ],
    ['a PDF inside message/global', `${mixed}Content-Type: message/global\r\n\r\n${inner('')}${end}`],
    [
      'a PDF inside a forwarded mail over the header limits',
      `${mixed}Content-Type: message/rfc822\r\n\r\n${inner('X-H: 1\r\n'.repeat(2001))}${end}`,
    ],
  ];
  const standIn = /faxgate-set-aside|ZmF4Z2F0ZS1zZXQtYXNpZGU/;

  it.each(cases)('with %s, gives back what the parser reads of the mail as sent', async (_, text) => {
    const raw = Buffer.from(text, 'latin1');
    expect(setAsideLargeBodies(raw).count).toBe(1);
    const mail = await parseInboundMail(raw);
    expect(mail.parts.map((p) => standIn.test(p.content.toString('latin1')))).not.toContain(true);
    expect(standIn.test(mail.body?.text ?? '')).toBe(false);
    const kept = mail.parts.find((p) => p.contentType === 'message/rfc822');
    if (kept) {
      // A forwarded mail over the header limits is kept whole, as sent.
      expect(kept.content.toString('latin1')).toContain(b64);
    } else {
      const plain = await partsOf(raw);
      expect(mail.parts.map((p) => p.content.toString('base64'))).toEqual(plain.map((p) => p.content));
    }
  });
});
