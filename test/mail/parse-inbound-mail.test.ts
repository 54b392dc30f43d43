import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { describe, expect, it, vi } from 'vitest';
import { MAX_HTML_CHARS } from '../../functions/domain/cover-text.ts';
import { isPdf } from '../../functions/domain/pdf-bytes.ts';
import { assessSenderTrust } from '../../functions/domain/sender-trust.ts';
import {
  MAX_BODY_TEXT_BYTES,
  MAX_CONVERTED_CHARS,
  MAX_FORWARDS_READ,
  parseInboundMail,
  readHeaderBlock,
  UnreadableMailError,
} from '../../functions/mail/parse-inbound-mail.ts';
import { FIXTURE_FAX_DOMAIN, fixtureMail } from '../domain/fixture-mail.ts';
import { buildSesMail, deeplyNestedMail, samplePdf } from '../fixtures/mail-builder.ts';

const fax = FIXTURE_FAX_DOMAIN;

function rawMail(headers: string[], body = 'Hello'): Buffer {
  return Buffer.from(
    [...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain', '', body, ''].join('\r\n'),
  );
}

describe('parseInboundMail: headers', () => {
  it('keeps every top-level header in raw order, keys lower-case, folded lines unfolded', async () => {
    const mail = await fixtureMail('outlook-qp-body-signature-logo');
    const keys = mail.headerLines.map((h) => h.key);
    expect(keys.slice(0, 9)).toEqual([
      'return-path',
      'received',
      'x-ses-spam-verdict',
      'x-ses-virus-verdict',
      'received-spf',
      'authentication-results',
      'x-ses-receipt',
      'x-ses-dkim-signature',
      'received',
    ]);
    const received = mail.headerLines[1]?.line ?? '';
    expect(received).not.toMatch(/[\r\n]/);
    expect(received).toMatch(/^Received: from .* by inbound-smtp\.eu-west-1\.amazonaws\.com with SMTP id /);
    // Headers of the PDF part and of the body are not top-level headers.
    expect(keys).not.toContain('content-disposition');
  });

  it('reads subject, Message-ID, References and Auto-Submitted', async () => {
    const ooo = await fixtureMail('auto-submitted-out-of-office');
    expect(ooo.subject).toBe('Automatische Antwort: Fax queued');
    expect(ooo.messageIdHeader).toBe('<ooo.1@example.com>');
    expect(ooo.references).toEqual(['<orig.1@example.com>', '<reply.1@fax.example.org>']);
    expect(ooo.autoSubmitted).toBe('auto-replied');
    const tb = await fixtureMail('thunderbird-rfc2231-filename');
    expect(tb.subject).toBe('Rechnung März');
    expect(tb.autoSubmitted).toBeUndefined();
    expect(tb.references).toEqual([]);
  });

  it('counts From headers and collects all their mailboxes, names decoded', async () => {
    const two = await fixtureMail('two-from-headers');
    expect(two.fromHeaderCount).toBe(2);
    expect(two.from.map((f) => f.address)).toEqual(['alice@example.com', 'boss@example.org']);
    const pair = await fixtureMail('from-two-mailboxes');
    expect(pair.fromHeaderCount).toBe(1);
    expect(pair.from.map((f) => f.address)).toEqual(['alice@example.com', 'bob@example.com']);
    const outlook = await fixtureMail('outlook-qp-body-signature-logo');
    expect(outlook.from).toEqual([{ address: 'j.mueller@example.com', name: 'Jürgen Müller' }]);
  });

  it('gives To and Cc as bare addresses, as written, with quoted local parts and groups', async () => {
    const gmail = await fixtureMail('gmail-octet-stream-several-recipients');
    expect(gmail.to).toEqual([`+4930123456@${fax}`, `"+44 20 7946 0958"@${fax}`, 'erika@example.com']);
    expect(gmail.cc).toEqual([`0049-30-123456@${fax}`, `+1.212.555.0100@${fax}`]);

    const mail = await parseInboundMail(
      rawMail([
        'From: a@example.com',
        `To: Fax: +4930123456@${fax}, "Team" <+4930123457@FAX.example.org>;, undisclosed-recipients:;`,
        `To: +49 (30) 123456@${fax}, 0049 30 / 123456@${fax}`,
        `Cc: +44 20 7946 0958@${fax}, "Name, with comma" <b@example.com>`,
      ]),
    );
    expect(mail.to).toEqual([
      `+4930123456@${fax}`,
      '+4930123457@FAX.example.org',
      // Spaces and parentheses unquoted: taken whole, not read as a display name and a comment.
      `+49 (30) 123456@${fax}`,
      // A character that is no separator leaves it to the address parser (and then to the number rules).
      `123456@${fax}`,
    ]);
    expect(mail.cc).toEqual([`+44 20 7946 0958@${fax}`, 'b@example.com']);
  });

  it('reads a group and one group nested in it, and nothing nested deeper (each level re-reads the header)', async () => {
    // Groups do not nest (RFC 5322 3.4); the parser reads one nested level, flattened. Deeper,
    // each level parsed the rest of the header again: 100,000 colons, inside the header limit,
    // took 50 passes over it.
    const to = async (field: string) =>
      (await parseInboundMail(rawMail(['From: a@example.com', `To: ${field}`]))).to;
    expect(await to(`Office: +4930123456@${fax};`)).toEqual([`+4930123456@${fax}`]);
    expect(await to(`Outer: Inner: +4930123456@${fax};;`)).toEqual([`+4930123456@${fax}`]);
    expect(await to(`L1: L2: L3: +4930123456@${fax};;;`)).toEqual([]);
    expect(await to(`${'g:'.repeat(50_000)} +4930123456@${fax}`)).toEqual([]);
  });

  it('reads header text the parser leaves undecodable: split encoded words, raw 8-bit', async () => {
    // Outlook splits "ü" (C3 BC) across two encoded words; an old mail program writes Latin-1 raw.
    const split = await parseInboundMail(
      rawMail([
        'From: a@example.com',
        'Subject: =?utf-8?B?S8M=?=\r\n =?utf-8?B?vG5kaWd1bmc=?= =?iso-8859-1?Q?_M=FCller?=',
      ]),
    );
    expect(split.subject).toBe('Kündigung Müller');
    const raw8bit = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: Best', 'latin1'),
      Buffer.from([0xe4]),
      Buffer.from('tigung \x80 5\r\n\r\nbody\r\n', 'latin1'),
    ]);
    expect((await parseInboundMail(raw8bit)).subject).toBe('Bestätigung € 5');
    // Valid UTF-8 raw (RFC 6532) and plain encoded words are the parser's own reading.
    const utf8 = Buffer.from('From: a@example.com\r\nSubject: Grüße =?utf-8?Q?M=C3=A4rz?=\r\n\r\nx\r\n');
    expect((await parseInboundMail(utf8)).subject).toBe('Grüße März');
  });

  it('repairs raw 8-bit file names with one pass over the mail, however many there are', async () => {
    // Each name in Latin-1 raw; before it, decoys a repair must not take (item 8: linear).
    const names = Array.from({ length: 200 }, (_, i) => `Best\xe4tigung ${i}.pdf`);
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'name=\xe4\xe4 '.repeat(2_000),
        ...names.flatMap((name) => [
          '--b',
          `Content-Type: application/pdf; name="${name}"`,
          `Content-Disposition: attachment; filename="${name}"`,
          '',
          '%PDF-1.4',
        ]),
        '--b--',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const scans = vi.spyOn(RegExp.prototype, Symbol.matchAll);
    try {
      const mail = await parseInboundMail(raw);
      expect(mail.parts.map((p) => p.filename)).toEqual(names.map((n) => n.replace('\xe4', 'ä')));
      const nameScans = scans.mock.contexts.filter((r) => (r as RegExp).source.includes('(?:file)?name'));
      expect(nameScans.length).toBeLessThanOrEqual(1);
    } finally {
      scans.mockRestore();
    }
  });

  it('has no addresses, no subject and no parts for a bare mail', async () => {
    const mail = await parseInboundMail(rawMail(['From: a@example.com']));
    expect(mail).toMatchObject({ to: [], cc: [], subject: '', references: [], parts: [] });
    expect(mail.messageIdHeader).toBeUndefined();
  });
});

describe('parseInboundMail: parts', () => {
  it('leaves the readable body out and marks a signature logo as embedded (Outlook)', async () => {
    const mail = await fixtureMail('outlook-qp-body-signature-logo');
    expect(mail.parts.map((p) => [p.filename, p.contentType, p.disposition, p.embedded ?? false])).toEqual([
      ['image001.png', 'image/png', 'inline', true],
      ['Angebot 2026-114.pdf', 'application/pdf', 'attachment', false],
    ]);
  });

  it('tells shown pictures of a related body from attached files by their cid: references, read once', async () => {
    const related = (html: string, ids: string[]) =>
      Buffer.from(
        [
          'From: a@example.com',
          'MIME-Version: 1.0',
          'Content-Type: multipart/related; boundary="r"',
          '',
          '--r',
          'Content-Type: text/html; charset=utf-8',
          '',
          html,
          ...ids.flatMap((id, i) => [
            '--r',
            'Content-Type: image/gif',
            `Content-ID: ${id}`,
            `Content-Disposition: inline; filename="p${i}.gif"`,
            'Content-Transfer-Encoding: base64',
            '',
            'R0lGODlhAQABAAAAACw=',
          ]),
          '--r--',
          '',
        ].join('\r\n'),
        'latin1',
      );
    const html =
      '<img src="cid:Logo@Example.COM"><p style="background:url(cid:bg.png@x)">' +
      "<img src='cid:part1.0A'> cid:pre";
    const mail = await parseInboundMail(
      related(html, ['<logo@example.com>', '<bg.png@x>', '<part1.0a>', '<pre>', '<unseen@x>', '<part1>']),
    );
    expect(mail.parts.map((p) => [p.filename, p.embedded ?? false])).toEqual([
      ['p0.gif', true],
      ['p1.gif', true],
      ['p2.gif', true],
      ['p3.gif', true],
      ['p4.gif', false],
      // A reference is read as far as the id it names: "part1" is the start of "part1.0A".
      ['p5.gif', true],
    ]);
    // 4,900 parts beside 2 MB of "cid:": the body is read for references once, not once a part.
    const ids = Array.from({ length: 4900 }, (_, i) => `<id${i}@example.com>`);
    const { includes } = String.prototype;
    let searchesOfTheBody = 0;
    String.prototype.includes = function (this: string, ...args: Parameters<typeof includes>) {
      if (this.length > 1_000_000) searchesOfTheBody++;
      return includes.apply(this, args);
    };
    try {
      const read = await parseInboundMail(related(`<p>${'cid:x'.repeat(400_000)}</p>`, ids));
      expect(read.parts.filter((p) => p.embedded)).toHaveLength(0);
    } finally {
      String.prototype.includes = includes;
    }
    expect(searchesOfTheBody).toBeLessThan(10);
  });

  it('keeps inline PDFs and inline photos (Apple Mail)', async () => {
    const mail = await fixtureMail('apple-mail-inline-pdf');
    expect(mail.parts.map((p) => [p.filename, p.disposition, p.embedded ?? false])).toEqual([
      ['SCAN.PDF', 'inline', false],
      ['IMG_0042.jpeg', 'inline', false],
    ]);
  });

  it("refuses a mail beyond the parser's limits, but keeps a forwarded one that is as one opaque part", async () => {
    await expect(parseInboundMail(Buffer.from(deeplyNestedMail(300)))).rejects.toBeInstanceOf(
      UnreadableMailError,
    );
    // Well inside the limit: read.
    expect((await parseInboundMail(Buffer.from(deeplyNestedMail(50)))).parts).toEqual([]);

    const pdf = await samplePdf(1);
    const raw = [
      'From: a@example.com',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: application/pdf; name="a.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(pdf).toString('base64'),
      '--outer',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename="forwarded.eml"',
      '',
      deeplyNestedMail(300, ['From: b@example.com', 'Subject: deep']),
      '--outer--',
      '',
    ].join('\r\n');
    const mail = await parseInboundMail(Buffer.from(raw));
    expect(mail.parts.map((p) => [p.filename, p.contentType])).toEqual([
      ['a.pdf', 'application/pdf'],
      ['forwarded.eml', 'message/rfc822'],
    ]);
    expect(isPdf(mail.parts[0]?.content ?? Buffer.alloc(0))).toBe(true);
  });

  it('decodes RFC 2231 file names with continuations (Thunderbird)', async () => {
    const mail = await fixtureMail('thunderbird-rfc2231-filename');
    expect(mail.parts.map((p) => p.filename)).toEqual(['Rechnung März 2026 – Kunde 10084.pdf']);
  });

  it('names a part by its Content-Type name when there is no disposition (scanner)', async () => {
    const mail = await fixtureMail('scanner-mfp-spf-only');
    expect(mail.parts.map((p) => [p.filename, p.contentType])).toEqual([
      ['20261127093012.pdf', 'application/pdf'],
    ]);
  });

  it('decodes base64 and quoted-printable PDFs to PDF bytes, whatever the declared type', async () => {
    for (const name of [
      'gmail-octet-stream-several-recipients',
      'quoted-printable-pdf',
      'scanner-mfp-spf-only',
    ]) {
      const [part] = (await fixtureMail(name)).parts;
      expect(part && isPdf(part.content), name).toBe(true);
      expect(part?.content.subarray(-6).toString('latin1'), name).toMatch(/%%EOF\s*$/);
    }
  });

  it('takes the attachments of a forwarded message/rfc822, not its body', async () => {
    const mail = await fixtureMail('forwarded-message-rfc822');
    expect(mail.parts.map((p) => [p.filename, p.forwarded])).toEqual([['lease.pdf', true]]);
  });

  it(`opens up to ${MAX_FORWARDS_READ} forwarded messages of a mail for their attachments, and refuses more unopened`, async () => {
    const pdf = Buffer.from(await samplePdf(1)).toString('base64');
    const forwarded = (i: number) =>
      [
        '--outer',
        'Content-Type: message/rfc822',
        '',
        `From: x${i}@example.org`,
        `Subject: forwarded ${i}`,
        'Content-Type: multipart/mixed; boundary="inner"',
        '',
        '--inner',
        'Content-Type: text/plain',
        '',
        `hello ${i}`,
        '--inner',
        `Content-Type: application/pdf; name="f${i}.pdf"`,
        'Content-Transfer-Encoding: base64',
        '',
        pdf,
        '--inner--',
      ].join('\r\n');
    const raw = (count: number) =>
      Buffer.from(
        [
          'From: a@example.com',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="outer"',
          '',
          ...Array.from({ length: count }, (_, i) => forwarded(i)),
          '--outer--',
          '',
        ].join('\r\n'),
        'latin1',
      );
    const mail = await parseInboundMail(raw(MAX_FORWARDS_READ));
    expect(mail.parts.map((p) => [p.filename, p.forwarded])).toEqual(
      Array.from({ length: MAX_FORWARDS_READ }, (_, i) => [`f${i}.pdf`, true]),
    );
    // One more: not read in part (that could fax some of what was sent), and the rest not opened.
    const parse = vi.spyOn(PostalMime.prototype, 'parse');
    await expect(parseInboundMail(raw(MAX_FORWARDS_READ + 1_000))).rejects.toThrow(
      `more than ${MAX_FORWARDS_READ} forwarded or signed messages`,
    );
    expect(parse.mock.calls.length).toBeLessThanOrEqual(MAX_FORWARDS_READ + 1);
    parse.mockRestore();
  });

  it('gives the attached bytes exactly', async () => {
    const pdf = await samplePdf(3);
    const raw = await buildSesMail({
      from: 'a@example.com',
      to: `+4930123456@${fax}`,
      pdfs: [{ filename: 'x.pdf', bytes: pdf, contentType: 'application/octet-stream' }],
      attachments: [{ filename: 'notes.txt', content: 'plain words', contentType: 'text/plain' }],
    });
    const mail = await parseInboundMail(raw);
    expect(mail.parts.map((p) => [p.filename, p.contentType])).toEqual([
      ['x.pdf', 'application/octet-stream'],
      // A text file sent as attachment is a part; the body text is not.
      ['notes.txt', 'text/plain'],
    ]);
    expect(Buffer.compare(mail.parts[0]?.content ?? Buffer.alloc(0), Buffer.from(pdf))).toBe(0);
  });
});

describe('parseInboundMail: body text', () => {
  it(`converts at most ${MAX_CONVERTED_CHARS} characters of a body part into the other type`, async () => {
    // A text part and a separate HTML part (not alternatives): the text body is the text part and
    // the HTML converted, which for 2 MB of HTML cost several times an ordinary mail of that size.
    const html = `<p>${'word '.repeat(400_000)}</p>`;
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="m"',
        '',
        '--m',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Please fax the attached document.',
        '--m',
        'Content-Type: text/html; charset=utf-8',
        '',
        html,
        '--m--',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const body = (await parseInboundMail(raw)).body ?? {};
    expect(body.html?.length).toBeGreaterThan(MAX_CONVERTED_CHARS);
    expect(body.text).toMatch(/^Please fax the attached document\.\n+word word/);
    expect(body.text?.length).toBeLessThanOrEqual(MAX_CONVERTED_CHARS + 100);
    // More than the cover page reads of it.
    expect(MAX_CONVERTED_CHARS).toBeGreaterThanOrEqual(MAX_HTML_CHARS);
  });

  it('reads at most MAX_BODY_TEXT_BYTES of a body text part, more than the cover page reads', async () => {
    expect(MAX_BODY_TEXT_BYTES).toBeGreaterThanOrEqual(4 * MAX_HTML_CHARS); // UTF-8 and UTF-16 alike
    const line = 'Bitte faxen.\r\n';
    const body = line.repeat(Math.ceil((MAX_BODY_TEXT_BYTES * 2) / line.length));
    for (const [type, encoding, written] of [
      ['text/plain', '7bit', body],
      ['text/html', 'quoted-printable', body],
      ['text/plain', 'base64', Buffer.from(body).toString('base64').replace(/.{76}/g, '$&\r\n')],
    ] as const) {
      const raw = Buffer.from(
        [
          'From: alice@example.test',
          'MIME-Version: 1.0',
          `Content-Type: ${type}; charset=utf-8`,
          `Content-Transfer-Encoding: ${encoding}`,
          '',
          written,
        ].join('\r\n'),
      );
      const text = (await parseInboundMail(raw)).body?.[type === 'text/html' ? 'html' : 'text'] ?? '';
      // Line breaks come as LF: 13 characters of each 14 bytes.
      expect(text.length, `${type} ${encoding}`).toBeLessThanOrEqual(MAX_BODY_TEXT_BYTES);
      expect(text.length, `${type} ${encoding}`).toBeGreaterThan(MAX_BODY_TEXT_BYTES * 0.9);
      expect(text.startsWith('Bitte faxen.\nBitte faxen.\n'), `${type} ${encoding}`).toBe(true);
    }
  });

  it('reads a text attachment whole', async () => {
    const text = 'x'.repeat(MAX_BODY_TEXT_BYTES + 100);
    const raw = Buffer.from(
      [
        'From: alice@example.test',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Hello',
        '--b',
        'Content-Type: text/plain; name=notes.txt',
        'Content-Disposition: attachment; filename=notes.txt',
        '',
        text,
        '--b--',
        '',
      ].join('\r\n'),
    );
    const mail = await parseInboundMail(raw);
    expect(mail.parts.map((p) => [p.filename, p.content.byteLength])).toEqual([['notes.txt', text.length]]);
  });
});

describe('properties', () => {
  const headerName = fc.constantFrom(
    'From',
    'To',
    'Cc',
    'Received',
    'X-SES-Spam-Verdict',
    'Authentication-Results',
    'Subject',
  );
  const headerText = fc.string({ maxLength: 60 }).map((v) => v.replace(/[\r\n]/g, ' '));

  it('parses any header soup without throwing, and trust always decides', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(headerName, headerText), { maxLength: 12 }), async (headers) => {
        const mail = await parseInboundMail(rawMail(headers.map(([k, v]) => `${k}: ${v}`)));
        expect(['authenticated', 'drop']).toContain(assessSenderTrust(mail).kind);
      }),
      { numRuns: 200 },
    );
  });

  it('parses arbitrary bytes without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        const mail = await parseInboundMail(Buffer.from(bytes));
        expect(Array.isArray(mail.parts)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

// The inbound function reads the top-level header block alone first (who sent it), then the whole
// mail given that reading: the parser then gets the top block cut to its Content-* lines. Whatever
// the block holds, the mail must read as it does read whole.
describe('parseInboundMail after readHeaderBlock', () => {
  const readBoth = async (raw: Buffer) => ({
    given: await parseInboundMail(raw, await readHeaderBlock(raw)),
    whole: await parseInboundMail(raw),
  });
  const body = [
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please fax.',
    '--b',
    'Content-Type: application/pdf; name=a.pdf',
    'Content-Disposition: attachment; filename=a.pdf',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64'),
    '--b--',
    '',
  ].join('\r\n');

  it('reads every stored mail as it reads it whole', async () => {
    const dirs = ['../corpus/mail', '../fixtures/mail'].map((d) => new URL(`${d}/`, import.meta.url));
    let read = 0;
    for (const dir of dirs) {
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
        const raw = readFileSync(new URL(name, dir));
        const { given, whole } = await readBoth(raw);
        expect(given, name).toEqual(whole);
        read++;
      }
    }
    expect(read).toBeGreaterThan(60);
  });

  it('reads top blocks the parser and a plain reading could split or fold differently as it reads them whole', async () => {
    const multipart = 'Content-Type: multipart/mixed; boundary=b';
    const blocks = [
      // The first line begins with a space: the parser still takes it for a header.
      [' Content-Type: multipart/mixed; boundary=b', 'From: a@example.com'].join('\r\n'),
      [`${' '.repeat(40)}Content-Type: multipart/mixed; boundary=b`, 'From: a@example.com'].join('\r\n'),
      // A line of nothing but CRs ends the block for the parser.
      ['From: a@example.com', 'Subject: s\n\r', multipart].join('\r\n'),
      ['From: a@example.com\r\r', multipart].join('\r\n'),
      // A key without a colon, and two Content-Types: the parser takes the first of each.
      ['Content-Type', multipart, 'Content-Type: text/plain'].join('\r\n'),
      ['Content-Type: text/html', multipart].join('\r\n'),
      ['Content-Type  : multipart/mixed;', '\tboundary=b', 'Subject: x', ' Content-Type: text/plain'].join(
        '\r\n',
      ),
      ['Content-', ' Type: text/html', multipart].join('\r\n'),
      ['From: a@example.com', multipart, 'Content-Transfer-Encoding: 7bit'].join('\n'),
      `From: a@example.com\r\n${multipart}\r`,
      ['From: a@example.com', 'Subject: =?utf-8?B?S8M=?= =?utf-8?B?vG5kaWd1bmc=?='].join('\r\n'),
    ];
    for (const block of blocks) {
      const { given, whole } = await readBoth(Buffer.from(`${block}\r\n\r\n${body}`, 'latin1'));
      expect(given, JSON.stringify(block)).toEqual(whole);
    }
    // A single-part mail whose top block says it is the attachment, and one with no body at all.
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');
    const single = `From: a@example.com\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=b.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${pdf}\r\n`;
    for (const raw of [single, 'From: a@example.com\r\nSubject: only headers\r\n', '\r\nno headers']) {
      const { given, whole } = await readBoth(Buffer.from(raw));
      expect(given, JSON.stringify(raw)).toEqual(whole);
    }
  });

  it('reads any block of header-like lines, breaks and folds as it reads them whole', async () => {
    const line = fc.constantFrom(
      'From: a@example.com',
      'To: +4930123456@fax.example.com',
      'Subject: s',
      'Content-Type: multipart/mixed; boundary=b',
      'Content-Type: text/html',
      'content-type:multipart/alternative; boundary=b',
      'Content-Transfer-Encoding: quoted-printable',
      'Content-Disposition: attachment; filename=x.pdf',
      'Content-Type',
      '  boundary=b',
      '\tx',
      'X: y\r',
      '\r',
      ':',
      '',
      ' Content-Type: text/html',
      'Content-Transfer-Encoding: base64',
      'a\rb',
    );
    const lineBreak = fc.constantFrom('\r\n', '\r\n', '\n', '\r\r\n', '\r');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(line, lineBreak), { maxLength: 10 }), async (lines) => {
        const block = lines.map(([l, br]) => l + br).join('');
        const { given, whole } = await readBoth(Buffer.from(`${block}\r\n${body}`, 'latin1'));
        expect(given).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});
