// Hostile header blocks are refused before any parsing (issue 11 item 8): the check reads at most
// the limit's worth of the mail, and the MIME parser is never invoked for such a mail. Not timed
// (speed is in `npm run bench`): counted, by watching the parser's entry point.

import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { groupedDigits } from '../../functions/grouped-digits.ts';
import {
  headerBlockOverLimits,
  MAX_BOUNDARIES,
  MAX_HEADER_BYTES,
  MAX_HEADER_LINES,
  MAX_LISTED_ADDRESSES,
  MAX_MIME_PARTS,
  MAX_PART_HEADER_LINES,
  partsOverLimits,
} from '../../functions/mail/header-limits.ts';
import {
  MAX_FORWARDS_READ,
  parseInboundMail,
  readHeaderBlock,
  UnreadableMailError,
} from '../../functions/mail/parse-inbound-mail.ts';
import { buildSesMail, samplePdf } from '../fixtures/mail-builder.ts';

const head = ['From: alice@example.com', 'To: +4930123456@fax.example.com', 'Subject: x'];
/** A mail of exactly these header lines and a one-line body. */
const mailOf = (headerLines: string[], eol = '\r\n') =>
  Buffer.from([...headerLines, '', 'body', ''].join(eol), 'latin1');
const mail = (headerLines: string[], eol = '\r\n') => mailOf([...head, ...headerLines], eol);
const repeated = (count: number, line = 'X-A: a') => Array.from({ length: count }, () => line);

afterEach(() => vi.restoreAllMocks());

describe('header limits before parsing', () => {
  it('drops 100,000 header lines as unreadable without invoking the MIME parser', async () => {
    const parse = vi.spyOn(PostalMime.prototype, 'parse');
    const raw = mail(repeated(100_000));
    await expect(parseInboundMail(raw)).rejects.toThrow(UnreadableMailError);
    await expect(parseInboundMail(raw)).rejects.toThrow(`more than ${MAX_HEADER_LINES} lines`);
    expect(parse).not.toHaveBeenCalled();
  });

  it('drops one 1.5 MB header line, and a header block with no end, without invoking the parser', async () => {
    const parse = vi.spyOn(PostalMime.prototype, 'parse');
    await expect(parseInboundMail(mail([`Subject: ${'a'.repeat(1_500_000)}`]))).rejects.toThrow(
      'larger than 256 KiB',
    );
    // No empty line at all in 40 MB: the check stops at the limit.
    const endless = Buffer.alloc(40 * 1024 * 1024, 'X-A: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n');
    await expect(parseInboundMail(endless)).rejects.toThrow(UnreadableMailError);
    expect(parse).not.toHaveBeenCalled();
  });

  it('reads mail up to the limits, in CRLF and bare-LF form, folded lines counted as lines', async () => {
    const atLimit = repeated(MAX_HEADER_LINES - head.length);
    for (const eol of ['\r\n', '\n']) {
      expect((await parseInboundMail(mail(atLimit, eol))).subject).toBe('x');
      await expect(parseInboundMail(mail([...atLimit, 'X-B: b'], eol))).rejects.toThrow(UnreadableMailError);
    }
    const folded = ['X-Folded: a', ...repeated(MAX_HEADER_LINES, ' b')];
    expect(headerBlockOverLimits(mail(folded))).toMatch(/more than/);
    // A large header block that real mail can have: 1,000 recipients in one folded To line.
    const recipients = Array.from({ length: 1000 }, (_, i) => ` "Recipient ${i}" <r${i}@example.com>,`);
    const big = mail(['Cc: list@example.com,', ...recipients, ' last@example.com']);
    expect(big.length).toBeLessThan(MAX_HEADER_BYTES);
    expect((await parseInboundMail(big)).subject).toBe('x');
  });

  it('reads the rest of a header block whose address fields list more addresses than are read, and refuses the mail', async () => {
    // Ten a line: within the header limits.
    const listed = (count: number, at = 0) =>
      Array.from({ length: Math.ceil(count / 10) }, (_, line) =>
        Array.from(
          { length: Math.min(10, count - line * 10) },
          (_, i) => ` "User ${at + line * 10 + i}" <u${at + line * 10 + i}@example.org>,`,
        ).join(''),
      );
    // Over the limit across To, a folded Cc and a lower-case Bcc, in CRLF and bare-LF form.
    const half = Math.ceil(MAX_LISTED_ADDRESSES / 2);
    const over = [
      'CC: first@example.org,',
      ...listed(half),
      ' last@example.org',
      'bcc:',
      ...listed(MAX_LISTED_ADDRESSES - half, half),
      ' x@example.org',
      'X-After: kept',
    ];
    for (const eol of ['\r\n', '\n']) {
      const raw = mail(over, eol);
      const parse = vi.spyOn(PostalMime.prototype, 'parse');
      await expect(parseInboundMail(raw)).rejects.toThrow(UnreadableMailError);
      await expect(parseInboundMail(raw)).rejects.toThrow(
        `more than ${groupedDigits(MAX_LISTED_ADDRESSES)} addresses`,
      );
      expect(parse).not.toHaveBeenCalled();
      // The trust decision and the reply still have their headers; the lists are not read.
      const block = await readHeaderBlock(raw);
      expect(block.from).toEqual([{ address: 'alice@example.com', name: '' }]);
      expect(block.subject).toBe('x');
      expect(block.to).toEqual([]);
      expect(block.cc).toEqual([]);
      expect(block.headerLines.map((h) => h.key)).toEqual(['from', 'subject', 'x-after']);
      vi.restoreAllMocks();
    }
    // At the limit (From's and To's address, and the rest in Cc), everything is read.
    const atLimit = mail([
      'Cc: first@example.org,',
      ...listed(MAX_LISTED_ADDRESSES - 4),
      ' last@example.org',
    ]);
    expect((await parseInboundMail(atLimit)).cc).toHaveLength(MAX_LISTED_ADDRESSES - 2);
    // A From that lists them is not one mailbox: nothing is left to read.
    const from = mailOf([
      'From: a@example.org,',
      ...listed(MAX_LISTED_ADDRESSES),
      ' b@example.org',
      'Subject: x',
    ]);
    await expect(readHeaderBlock(from)).rejects.toThrow(UnreadableMailError);
  });

  it('does not count a large body: a mail of several MiB with a normal header is read', async () => {
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: '+4930123456@fax.example.com',
      pdfs: [{ filename: 'big.pdf', bytes: await samplePdf(3, 'x'.repeat(2000)) }],
      attachments: [{ filename: 'filler.bin', content: Buffer.alloc(3 * 1024 * 1024, 7) }],
    });
    expect(headerBlockOverLimits(raw)).toBeUndefined();
    expect((await parseInboundMail(raw)).parts.map((p) => p.filename)).toEqual(['big.pdf', 'filler.bin']);
  });

  it('keeps an attached mail with a hostile header as one unread part of an ordinary mail', async () => {
    const inner = mail(repeated(100_000)).toString('latin1');
    const raw = Buffer.from(
      [
        ...head,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment; filename="fwd.eml"',
        '',
        inner,
        '--b--',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const parsed = await parseInboundMail(raw);
    expect(parsed.parts.map((p) => p.contentType)).toEqual(['message/rfc822']);
  });

  it('drops a mail with 100,000 lines in one MIME part header without invoking the parser', async () => {
    const ordinary = await buildSesMail({
      from: 'alice@example.com',
      to: '+4930123456@fax.example.com',
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const text = ordinary.toString('latin1');
    const at = text.indexOf('Content-Type: application/pdf');
    const hostile = Buffer.from(
      `${text.slice(0, at)}${'X-A: a\r\n'.repeat(100_000)}${text.slice(at)}`,
      'latin1',
    );
    const parse = vi.spyOn(PostalMime.prototype, 'parse');
    await expect(parseInboundMail(hostile)).rejects.toThrow(
      `a part's header block has more than ${MAX_PART_HEADER_LINES} lines`,
    );
    expect(parse).not.toHaveBeenCalled();
    // The same mail without them, and one whose epilogue runs long, are read.
    await expect(parseInboundMail(ordinary)).resolves.toMatchObject({ parts: [{ filename: 'a.pdf' }] });
    const epilogue = Buffer.concat([ordinary, Buffer.from('epilogue line\r\n'.repeat(2000), 'latin1')]);
    await expect(parseInboundMail(epilogue)).resolves.toMatchObject({ parts: [{ filename: 'a.pdf' }] });
  });
  it('finds nested boundaries and their delimiters however the parameter is spaced and whatever the bodies before them hold', () => {
    // The search goes by the `=` of the parameter and the `-` of the delimiter, and falls back to
    // searching the words themselves where those are dense: each way must find the inner part.
    const nested = (declare: string, body: string, headerLines: number) =>
      Buffer.from(
        [
          ...head,
          'Content-Type: multipart/mixed; boundary="outer"',
          '',
          '--outer',
          'Content-Type: text/plain',
          '',
          body,
          '--outer',
          `Content-Type: multipart/alternative;${declare}`,
          '',
          '--inner',
          ...repeated(headerLines),
          '',
          'x',
          '--inner--',
          '--outer--',
          '',
        ].join('\r\n'),
        'latin1',
      );
    const line = (c: string) => `${c.repeat(76)}\r\n`;
    const bodies = {
      'base64-like': line('QUJD').slice(0, 78).repeat(20_000),
      'dense =': line('a=3D').repeat(2_000),
      'dense -': line('-').repeat(2_000),
      'dense = and -': line('=-').repeat(2_000),
    };
    for (const declare of [' boundary=inner', ' boundary = "inner"', '\r\n\tboundary=\r\n "inner"']) {
      for (const [name, body] of Object.entries(bodies)) {
        const why = `${JSON.stringify(declare)} after ${name}`;
        expect(partsOverLimits(nested(declare, body, MAX_PART_HEADER_LINES + 1)), why).toMatch(
          `more than ${MAX_PART_HEADER_LINES} lines`,
        );
        expect(partsOverLimits(nested(declare, body, 20)), why).toBeUndefined();
      }
    }
  });

  it('drops a mail of more MIME parts than any real one without invoking the parser, and reads one at the limit', async () => {
    // Each part costs the parser a node, a header block and a decoder: 20,000 one-line parts
    // (700 KB) took seconds, and a 40 MB mail of them would outlast the function.
    const withParts = (count: number, eol = '\r\n', declare = 'boundary="b"') =>
      Buffer.from(
        [
          ...head,
          `Content-Type: multipart/mixed; ${declare}`,
          '',
          ...Array.from(
            { length: count },
            (_, i) => `--b${eol}Content-Type: text/plain${eol}${eol}part ${i}`,
          ),
          '--b--',
          '',
        ].join(eol),
        'latin1',
      );
    const parse = vi.spyOn(PostalMime.prototype, 'parse');
    for (const eol of ['\r\n', '\n']) {
      await expect(parseInboundMail(withParts(MAX_MIME_PARTS + 1, eol))).rejects.toThrow(
        `more than ${MAX_MIME_PARTS.toLocaleString('en')} MIME parts`,
      );
      expect(parse).not.toHaveBeenCalled();
      expect(partsOverLimits(withParts(MAX_MIME_PARTS, eol))).toBeUndefined();
    }
    // Parameter names are case-insensitive, for the parser as for the count; and a body dense
    // with `=` (quoted-printable) is searched the other way.
    const qp = 'a=3D'.repeat(19).concat('\r\n').repeat(2_000);
    for (const declare of ['BOUNDARY=b', 'BoUnDaRy = "b"', 'charset=us-ascii; Boundary=b']) {
      expect(partsOverLimits(withParts(MAX_MIME_PARTS + 1, '\r\n', declare)), declare).toMatch('MIME parts');
    }
    const denseFirst = Buffer.concat([
      Buffer.from(qp, 'latin1'),
      withParts(MAX_MIME_PARTS + 1, '\r\n', 'BOUNDARY=b'),
    ]);
    expect(partsOverLimits(denseFirst)).toMatch('MIME parts');
    // A closing delimiter is not a part; parts of nested multiparts count alike.
    expect(MAX_MIME_PARTS).toBeGreaterThan(3_001);
    expect((await parseInboundMail(withParts(3_001))).subject).toBe('x');
  });

  it('counts parts and part header lines alike around large base64 bodies, which are set aside before the count', async () => {
    // The count reads the mail with its large base64 bodies set aside (they hold no '-' or '=',
    // so no delimiter or boundary parameter): parts before, between and after them all count.
    const base64 = (seed: number) =>
      Buffer.alloc(300 * 1024, seed)
        .toString('base64')
        .replace(/.{76}/g, '$&\r\n');
    const withLarge = (small: number, headerLines: number) =>
      Buffer.from(
        [
          ...head,
          'Content-Type: multipart/mixed; boundary="b"',
          '',
          ...Array.from({ length: small }, (_, i) =>
            [
              '--b',
              'Content-Type: application/octet-stream',
              'Content-Transfer-Encoding: base64',
              ...(i === small - 1 ? repeated(headerLines) : []),
              '',
              i % 1000 === 0 ? base64(i) : 'QUJD',
            ].join('\r\n'),
          ),
          '--b--',
          '',
        ].join('\r\n'),
        'latin1',
      );
    const parse = vi.spyOn(PostalMime.prototype, 'parse');
    await expect(parseInboundMail(withLarge(MAX_MIME_PARTS + 1, 0))).rejects.toThrow('MIME parts');
    await expect(parseInboundMail(withLarge(3, MAX_PART_HEADER_LINES + 1))).rejects.toThrow(
      `more than ${MAX_PART_HEADER_LINES} lines`,
    );
    expect(parse).not.toHaveBeenCalled();
    const read = await parseInboundMail(withLarge(MAX_MIME_PARTS - 1, 20));
    expect(read.parts).toHaveLength(MAX_MIME_PARTS - 1);
    expect(read.parts[1000]?.content).toEqual(Buffer.alloc(300 * 1024, 1000 % 256));
  });

  it('counts the parts of every boundary a mail declares, however many it declares before them', async () => {
    // Each boundary once cost a pass over the mail, so only the first 64 were counted: a mail that
    // declared its parts' boundary after 64 others reached the parser whole (15 MB of one-line parts:
    // 2.4 s and 650 MB).
    const withDecoys = (decoys: number, parts: number, padding = '') =>
      Buffer.from(
        [
          ...head,
          ...Array.from({ length: Math.min(decoys, 100) }, (_, i) => `X-Decoy-${i}: boundary="decoy${i}"`),
          'Content-Type: multipart/mixed; boundary="real"',
          '',
          // The rest in the preamble: the header block holds at most MAX_HEADER_LINES.
          ...Array.from({ length: Math.max(0, decoys - 100) }, (_, i) => `boundary="preamble${i}"`),
          ...Array.from(
            { length: parts },
            (_, i) => `--real${padding}\r\nContent-Type: text/plain\r\n\r\npart ${i}`,
          ),
          '--real--',
          '',
        ].join('\r\n'),
        'latin1',
      );
    const parse = vi.spyOn(PostalMime.prototype, 'parse');
    for (const decoys of [0, 64, 65, 1_000]) {
      await expect(parseInboundMail(withDecoys(decoys, MAX_MIME_PARTS + 1)), `${decoys}`).rejects.toThrow(
        `more than ${MAX_MIME_PARTS.toLocaleString('en')} MIME parts`,
      );
      expect(partsOverLimits(withDecoys(decoys, MAX_MIME_PARTS)), `${decoys}`).toBeUndefined();
    }
    // Transport padding, however long, does not hide a delimiter line.
    expect(partsOverLimits(withDecoys(100, MAX_MIME_PARTS + 1, ' '.repeat(1_000)))).toMatch('MIME parts');
    expect(parse).not.toHaveBeenCalled();
    // More boundaries than there can be parts is not mail.
    await expect(parseInboundMail(withDecoys(MAX_BOUNDARIES + 1, 1))).rejects.toThrow(
      `more than ${MAX_BOUNDARIES.toLocaleString('en')} multipart boundaries`,
    );
    expect((await parseInboundMail(withDecoys(MAX_BOUNDARIES - 1, 1))).subject).toBe('x');
  });

  it('reads a digest of many forwarded multipart mails, each with a boundary of its own', async () => {
    const pdf = await samplePdf(1);
    const forwarded = (i: number) =>
      [
        '--digest',
        'Content-Type: message/rfc822',
        '',
        `From: b${i}@example.com`,
        `Subject: ${i}`,
        `Content-Type: multipart/mixed; boundary="inner${i}"`,
        '',
        `--inner${i}`,
        'Content-Type: text/plain',
        '',
        `text ${i}`,
        `--inner${i}`,
        `Content-Type: application/pdf; name="${i}.pdf"`,
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(pdf).toString('base64'),
        `--inner${i}--`,
      ].join('\r\n');
    const digest = Buffer.from(
      [
        ...head,
        'Content-Type: multipart/digest; boundary="digest"',
        '',
        ...Array.from({ length: MAX_FORWARDS_READ }, (_, i) => forwarded(i)),
        '--digest--',
        '',
      ].join('\r\n'),
      'latin1',
    );
    expect(partsOverLimits(digest)).toBeUndefined();
    const read = await parseInboundMail(digest);
    expect(read.parts.filter((p) => p.contentType === 'application/pdf')).toHaveLength(MAX_FORWARDS_READ);
  });

  it('does not take a body line that only starts like a delimiter for one', async () => {
    const mail = (line: string) =>
      Buffer.from(
        [
          'From: a@example.com',
          'Subject: x',
          'Content-Type: multipart/mixed; boundary=BND',
          '',
          '--BND',
          'Content-Type: application/octet-stream; name=log.txt',
          '',
          line,
          ...Array.from({ length: MAX_PART_HEADER_LINES + 1 }, (_, i) => `line ${i}`),
          '--BND--',
          '',
        ].join('\r\n'),
        'latin1',
      );
    for (const line of ['--BNDx', '--BND-x', '--BND x', '--BND\tx']) {
      expect(partsOverLimits(mail(line)), line).toBeUndefined();
      const parsed = await parseInboundMail(mail(line));
      expect(parsed.parts[0]?.content.toString('latin1').startsWith(line)).toBe(true);
    }
    // A delimiter padded with blanks (RFC 2046 transport padding) is still one.
    expect(partsOverLimits(mail('--BND \t'))).toMatch(`more than ${MAX_PART_HEADER_LINES} lines`);
  });
});
