// Hostile mail (issue 11 items 8 and 9): the inbound use case on mails with 100,000 and 160,000
// header lines, one 1.5 MB header line, 100,000 lines in one MIME part's header, PDFs whose object
// streams inflate to 1 and 2 GB (one stream, or 256 small ones), 3,000 one-page PDFs, a PDF page
// tree of 2^40 paths, PDFs whose streams and objects never close or that hold runs of jibberish,
// and PNG and TIFF bombs (white pictures of 16 and 36 megapixels in tens of kilobytes), each beside
// an ordinary mail of the same size (a scan-like PDF), timed alternately in the same processes and
// each mail's memory taken in a process of its own, warm, as what its first run adds (the document
// worker is a thread of that process, so what the mail costs it counts; its start does not, see
// hostile-headers-child.ts). A hostile header block is dropped as unreadable before anything parses
// it; a bomb is answered "too complex to fax", the page tree "damaged"; a non-interlaced PNG (alpha
// too) is faxed with its data as it came, an interlaced one (decoded) is refused past 16 megapixels
// or 1 MB of pixels and twice its size. The target is that a hostile mail costs no more than a few
// times the ordinary mail, in time and in memory.

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  flatNumberArray,
  jibberishBetweenObjects,
  manyObjectStreamsBomb,
  numberArrayBomb,
  objectStreamBomb,
  pageTreeBomb,
  unendedStreams,
} from '../test/fixtures/hostile-pdfs.ts';
import { type PngLayout, tiffOf, whitePngBomb } from '../test/fixtures/images.ts';
import { buildSesMail, samplePdf, withOneLineParts } from '../test/fixtures/mail-builder.ts';
import type { HeadersChildInput, HeadersChildOutput } from './hostile-headers-child.ts';
import { bundle, INFRA_BUNDLE_OPTIONS } from './lambda-bundle.ts';
import { MiB, median, round } from './measure.ts';
import { FAX_DOMAIN, FAX_NUMBER, mailWithScan, SENDER, scanLikePdf } from './scan-pdf.ts';

const run = promisify(execFile);

export interface HostileHeadersRow {
  label: string;
  /** What the gateway should do with it, e.g. `DROPPED unreadable-mime`. */
  expectedOutcome: string;
  mailMiB: number;
  outcome: string;
  medianMs: number;
  /** Peak RSS of the process during the mail's first run. */
  peakRssMiB: number;
  /** What that run added to the warm process (document worker started, garbage collected). */
  addedRssMiB: number;
  /** The ordinary mail of the same size. */
  normalMs: number;
  normalAddedRssMiB: number;
  /** Timed runs of each mail, half in each of the row's two processes. */
  runs: number;
  /** hostile / ordinary; memory compares what each added to the warm process. */
  timeRatio: number;
  memoryRatio: number;
}

export interface HostileHeadersResult {
  rows: HostileHeadersRow[];
}

interface Case {
  label: string;
  expectedOutcome: string;
  mail: () => Promise<Buffer>;
  /** Left out of a quick run (`--quick`): a large mail. */
  fullOnly?: boolean;
}

const UNREADABLE = 'DROPPED unreadable-mime';
/** Over a limit below its header block: that block alone is read, and the allowed sender told. */
const UNREADABLE_ANSWERED = 'REJECTED unreadable-mime';

/** A mail with `lines` written into the sender's own header block. */
async function withHeaderLines(lines: string): Promise<Buffer> {
  const mail = await buildSesMail({
    from: `Alice <${SENDER}>`,
    to: `${FAX_NUMBER}@${FAX_DOMAIN}`,
    subject: 'Scan',
    extraHeaders: { 'X-Filler': 'a' },
  });
  return Buffer.from(mail.toString('latin1').replace('X-Filler: a\r\n', lines), 'latin1');
}

/** A mail with a PDF whose sender's `name` header is `value` (in place of its own, if it has one). */
async function withOwnHeader(name: string, value: string): Promise<Buffer> {
  const text = (await mailWithScan(await samplePdf(1))).toString('latin1');
  const without = text.replace(`\r\n${name}: Scan\r\n`, '\r\n');
  const at = without.indexOf('\r\nMessage-ID: ') + 2;
  return Buffer.from(`${without.slice(0, at)}${name}: ${value}\r\n${without.slice(at)}`, 'latin1');
}

/** A mail with a PDF from `from` (the header's value, as written). */
async function withFrom(from: string): Promise<Buffer> {
  const text = (await mailWithScan(await samplePdf(1))).toString('latin1');
  return Buffer.from(text.replace(`From: Alice <${SENDER}>`, `From: ${from}`), 'latin1');
}

/** A mail with a PDF whose part header carries the file name `value` as written (folded). */
async function withPartFilename(value: string): Promise<Buffer> {
  const text = (await mailWithScan(await samplePdf(1))).toString('latin1');
  const at = text.indexOf('Content-Disposition: attachment; filename=scan.pdf');
  return Buffer.from(
    `${text.slice(0, at)}Content-Disposition: attachment; filename="${value}"${text.slice(at + 50)}`,
    'latin1',
  );
}

/** `count` addresses at `domain`, their local parts numbered after `prefix`. */
function addresses(count: number, domain: string, prefix = 'user'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(6, '0')}@${domain}`);
}

/** `items` joined by `separator`, folded onto lines of at most about 900 characters. */
function folded(items: string[], separator: string): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && line.length + item.length > 900) {
      lines.push(line);
      line = '';
    }
    line += (line ? separator : '') + item;
  }
  lines.push(line);
  return lines.join(`${separator.trimEnd()}\r\n `);
}

/** A mail with a PDF whose MIME part header holds `lines` first. */
async function withPartHeaderLines(lines: string): Promise<Buffer> {
  const mail = await mailWithScan(await samplePdf(1));
  const text = mail.toString('latin1');
  const at = text.indexOf('Content-Type: application/pdf');
  return Buffer.from(`${text.slice(0, at)}${lines}${text.slice(at)}`, 'latin1');
}

/** A mail with a PDF whose text part's body is `body`, as written (7bit, no encoding). */
async function withTextBody(body: string): Promise<Buffer> {
  const mail = await buildSesMail({
    from: `Alice <${SENDER}>`,
    to: `${FAX_NUMBER}@${FAX_DOMAIN}`,
    subject: 'Scan',
    text: 'TEXT-BODY-PLACEHOLDER',
    pdfs: [{ filename: 'scan.pdf', bytes: await samplePdf(1) }],
  });
  return Buffer.from(mail.toString('latin1').replace('TEXT-BODY-PLACEHOLDER', body), 'latin1');
}

/** A mail with a white PNG of `width` x `height` as `layout` says, as a picture attachment. */
async function withPngBomb(width: number, height: number, layout: PngLayout): Promise<Buffer> {
  return buildSesMail({
    from: `Alice <${SENDER}>`,
    to: `${FAX_NUMBER}@${FAX_DOMAIN}`,
    subject: 'Picture',
    pdfs: [
      { filename: 'white.png', bytes: await whitePngBomb(width, height, layout), contentType: 'image/png' },
    ],
  });
}

/** The same with `body` written in `encoding` (the text part's header says so). */
async function withEncodedTextBody(encoding: string, body: string): Promise<Buffer> {
  const text = (await withTextBody('TEXT-BODY-PLACEHOLDER')).toString('latin1');
  const at = text.indexOf('TEXT-BODY-PLACEHOLDER');
  const header = text.lastIndexOf('Content-Transfer-Encoding: 7bit', at);
  return Buffer.from(
    `${text.slice(0, header)}Content-Transfer-Encoding: ${encoding}${text.slice(header + 31, at)}${body}${text.slice(at + 21)}`,
    'latin1',
  );
}

/** Body text of short lines filling about `mib` MiB of mail, for a few sizes up to the largest mail. */
function shortLineCases(mib: number): Case[] {
  const bytes = mib * MiB - 64 * 1024; // the rest of the mail, within SES's 40 MiB at the largest
  const size = `${mib} MiB`;
  return [
    {
      label: `base64 body in 1-character lines, ${size}`,
      expectedOutcome: 'ACCEPTED',
      mail: () => {
        const text = Buffer.from('Bitte faxen. '.repeat(Math.ceil(bytes / 4 / 13)));
        return withEncodedTextBody(
          'base64',
          text
            .toString('base64', 0, bytes / 4)
            .split('')
            .join('\r\n'),
        );
      },
      ...(mib > 1 ? { fullOnly: true } : {}),
    },
    {
      label: `quoted-printable body in 1-character lines, ${size}`,
      expectedOutcome: 'ACCEPTED',
      mail: () => withEncodedTextBody('quoted-printable', 'a\r\n'.repeat(Math.floor(bytes / 3))),
      ...(mib > 1 ? { fullOnly: true } : {}),
    },
    {
      // Each line ends in a blank, which the decoder must drop: each line is one to decode.
      label: `quoted-printable body of lines ending in a blank, ${size}`,
      expectedOutcome: 'ACCEPTED',
      mail: () => withEncodedTextBody('quoted-printable', ' \r\n'.repeat(Math.floor(bytes / 3))),
      fullOnly: true,
    },
    {
      label: `quoted-printable body of soft line breaks, ${size}`,
      expectedOutcome: 'ACCEPTED',
      mail: () => withEncodedTextBody('quoted-printable', 'a=\r\n'.repeat(Math.floor(bytes / 4))),
      fullOnly: true,
    },
  ];
}

/** The short-line bodies, beside an ordinary mail of the same size (issue 11 item 8). */
export const SHORT_LINE_CASES: Case[] = [
  ...[1, 10, 39].flatMap(shortLineCases),
  {
    // Authenticated, not allowed: decided from the header block, the body never read.
    label: 'quoted-printable body of lines ending in a blank, 39 MiB, from a sender not allowed',
    expectedOutcome: 'REJECTED not-allowlisted',
    mail: async () => {
      const bytes = 39 * MiB - 64 * 1024;
      const mail = await withEncodedTextBody('quoted-printable', ' \r\n'.repeat(Math.floor(bytes / 3)));
      return Buffer.from(
        mail
          .toString('latin1')
          .replace(`From: Alice <${SENDER}>`, `From: Mallory <mallory@${SENDER.split('@')[1]}>`),
        'latin1',
      );
    },
    fullOnly: true,
  },
];

/** A mail with a PDF and, before it, a nested multipart of `count` one-line text parts. */
async function withParts(count: number): Promise<Buffer> {
  return withOneLineParts(await mailWithScan(await samplePdf(1)), count);
}

/** A mail with a PDF and, before it, the parts `parts` writes (given the mail's boundary). */
async function withPartsFirst(parts: (boundary: string) => string): Promise<Buffer> {
  const text = (await mailWithScan(await samplePdf(1))).toString('latin1');
  const boundary = /boundary="?([^"\r\n;]+)"?/.exec(text)?.[1] as string;
  const first = text.indexOf(`--${boundary}\r\n`);
  return Buffer.from(`${text.slice(0, first)}${parts(boundary)}${text.slice(first)}`, 'latin1');
}

/** A mail with a PDF and a multipart/related of an HTML body and `count` pictures with Content-IDs. */
function withRelatedPictures(count: number, html: string): Promise<Buffer> {
  const pictures = Array.from(
    { length: count },
    (_, i) =>
      `--r\r\nContent-Type: image/gif\r\nContent-ID: <id${i}@example.com>\r\n` +
      'Content-Transfer-Encoding: base64\r\n\r\nR0lGODlhAQABAAAAACw=\r\n',
  );
  return withPartsFirst(
    (boundary) =>
      `--${boundary}\r\nContent-Type: multipart/related; boundary=r\r\n\r\n` +
      `--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>${html}</p>\r\n${pictures.join('')}--r--\r\n`,
  );
}

/** A mail with a PDF and `count` one-line mails forwarded as attachments (message/rfc822). */
function withForwarded(count: number): Promise<Buffer> {
  return withPartsFirst((boundary) =>
    Array.from(
      { length: count },
      (_, i) =>
        `--${boundary}\r\nContent-Type: message/rfc822\r\n\r\n` +
        `From: x${i}@example.org\r\nSubject: m${i}\r\nContent-Type: text/plain\r\n\r\nhello ${i}\r\n`,
    ).join(''),
  );
}

/** The same, with `decoys` other boundaries declared in the preamble first. */
async function withPartsBehindDecoys(count: number, decoys: number): Promise<Buffer> {
  const text = (await withParts(count)).toString('latin1');
  const bodyStart = text.indexOf('\r\n\r\n') + 4;
  const preamble = Array.from({ length: decoys }, (_, i) => `boundary="decoy${i}"\r\n`).join('');
  return Buffer.from(`${text.slice(0, bodyStart)}${preamble}${text.slice(bodyStart)}`, 'latin1');
}

export const HOSTILE_CASES: Case[] = [
  {
    label: '100,000 header lines',
    expectedOutcome: UNREADABLE,
    mail: () => withHeaderLines('X-A: a\r\n'.repeat(100_000)),
  },
  {
    label: '160,000 header lines',
    expectedOutcome: UNREADABLE,
    mail: () => withHeaderLines('X-A: a\r\n'.repeat(160_000)),
  },
  {
    label: 'one 1.5 MB header',
    expectedOutcome: UNREADABLE,
    mail: () => withHeaderLines(`X-A: ${'a'.repeat(1_500_000)}\r\n`),
  },
  {
    label: '100,000 lines in a part header',
    expectedOutcome: UNREADABLE_ANSWERED,
    mail: () => withPartHeaderLines('X-A: a\r\n'.repeat(100_000)),
  },
  {
    // Not over any limit: a body of short lines is mail, and it must cost what its size costs.
    label: '100,000 short lines in the body',
    expectedOutcome: 'ACCEPTED',
    mail: () => withTextBody('a\r\n'.repeat(100_000)),
  },
  {
    label: '300,000 empty lines in the body (LF only)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withTextBody('\n'.repeat(300_000)),
  },
  ...SHORT_LINE_CASES,
  {
    // At the part limit, and past it (refused before parsing; the sender is told).
    label: '4,990 one-line MIME parts',
    expectedOutcome: 'ACCEPTED',
    mail: () => withParts(4_990),
  },
  {
    // Each picture's Content-ID was searched for in the whole HTML body.
    label: '4,900 pictures with Content-IDs beside 2 MB of HTML (2.5 MB)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withRelatedPictures(4_900, 'cid:x'.repeat(400_000)),
  },
  {
    // Each forwarded mail is a parse of its own: at MAX_FORWARDS_READ, and past it (refused).
    label: '100 forwarded one-line mails (15 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withForwarded(100),
  },
  {
    label: '1,000 forwarded one-line mails (140 KB)',
    expectedOutcome: UNREADABLE_ANSWERED,
    mail: () => withForwarded(1_000),
  },
  {
    label: '4,000 forwarded one-line mails (570 KB)',
    expectedOutcome: UNREADABLE_ANSWERED,
    mail: () => withForwarded(4_000),
  },
  {
    label: '20,000 one-line MIME parts',
    expectedOutcome: UNREADABLE_ANSWERED,
    mail: () => withParts(20_000),
  },
  {
    // Only the first 64 boundaries were counted once: these parts reached the parser whole.
    label: '20,000 one-line MIME parts behind 100 other boundaries',
    expectedOutcome: UNREADABLE_ANSWERED,
    mail: () => withPartsBehindDecoys(20_000, 100),
  },
  {
    label: 'Cc of 100,000 nested group openers',
    expectedOutcome: 'REJECTED no-pdf',
    mail: () => withHeaderLines(`Cc: ${'g:'.repeat(100_000)} a@example.org\r\n`),
  },
  {
    // In SES's own block (a mail written into the bucket): its verdicts are not read past 100 results.
    label: "SES's Authentication-Results of 5,000 results (170 KB)",
    expectedOutcome: 'DROPPED not-authenticated',
    mail: async () => {
      const text = (await mailWithScan(await samplePdf(1))).toString('latin1');
      const start = text.indexOf('Authentication-Results: amazonses.com;');
      const results = Array.from({ length: 5000 }, (_, i) => `dkim=pass header.i=@d${i}.example`);
      const value = folded([...results, 'dmarc=pass header.from=example.com'], '; ');
      const header = `Authentication-Results: amazonses.com;\r\n ${value}\r\n`;
      return Buffer.from(
        text.slice(0, start) + header + text.slice(text.indexOf('X-SES-RECEIPT:')),
        'latin1',
      );
    },
  },
  {
    // Within the header limits: each read at the cost of its size.
    label: 'Subject of 12,000 encoded words (250 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withOwnHeader('Subject', folded(Array(12_000).fill('=?UTF-8?B?w6TDtsO8?='), ' ')),
  },
  {
    // At the limit of addresses listed (From's and To's among them), and past it.
    label: 'Cc of 1,998 addresses (45 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withOwnHeader('Cc', folded(addresses(1998, 'example.org'), ', ')),
  },
  {
    label: 'Cc of 9,000 addresses (210 KB)',
    expectedOutcome: UNREADABLE_ANSWERED,
    mail: () => withOwnHeader('Cc', folded(addresses(9000, 'example.org'), ', ')),
  },
  {
    label: 'To of 1,998 fax numbers (64 KB)',
    expectedOutcome: 'REJECTED too-many-numbers',
    mail: () => withOwnHeader('Cc', folded(addresses(1998, FAX_DOMAIN, '+4930'), ', ')),
  },
  {
    label: 'Subject of 25,000 words (150 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withOwnHeader('Subject', folded(Array(25_000).fill('wordy'), ' ')),
  },
  {
    label: 'From with a name of 10,000 encoded words (210 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withFrom(`${folded(Array(10_000).fill('=?UTF-8?B?w6TDtsO8?='), ' ')} <${SENDER}>`),
  },
  {
    label: 'From with a name of 60,000 escaped quotes (120 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withFrom(`"${'\\"'.repeat(60_000)}" <${SENDER}>`),
  },
  {
    label: '1,900 header fields of 100 characters (220 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: () =>
      withOwnHeader(
        'X-A',
        `a\r\n${Array.from({ length: 1900 }, (_, i) => `X-Field-${i}: ${'v'.repeat(100)}`).join('\r\n')}`,
      ),
  },
  {
    label: 'Content-Type of 8,000 parameters (90 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: async () => {
      const text = (await mailWithScan(await samplePdf(1))).toString('latin1');
      const params = folded(
        Array.from({ length: 8000 }, (_, i) => `p${i}="v"`),
        '; ',
      );
      return Buffer.from(
        text.replace(/(Content-Type: multipart\/mixed; boundary="[^"]+")/, `$1;\r\n ${params}`),
        'latin1',
      );
    },
  },
  {
    label: 'file name of 8,000 encoded words (150 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withPartFilename(folded(Array(8000).fill('=?UTF-8?Q?=C3=A4?='), ' ')),
  },
  {
    label: 'PDF bomb, 1 GB object stream in 1 MB',
    expectedOutcome: 'REJECTED too-complex',
    mail: async () => mailWithScan(objectStreamBomb(1024), 'contract.pdf'),
  },
  {
    label: 'PDF bomb, 2 GB object stream in 2 MB',
    expectedOutcome: 'REJECTED too-complex',
    mail: async () => mailWithScan(objectStreamBomb(2048), 'contract.pdf'),
  },
  {
    label: 'PDF bomb, 256 object streams of 4 MB in 1 MB',
    expectedOutcome: 'REJECTED too-complex',
    mail: async () => mailWithScan(manyObjectStreamsBomb(256, 4), 'contract.pdf'),
  },
  {
    label: 'PDF bomb, 4 million objects in an 8 KB object stream',
    expectedOutcome: 'REJECTED too-complex',
    mail: async () => mailWithScan(numberArrayBomb(4_000_000), 'contract.pdf'),
  },
  {
    // Under the cap on objects (at least 10,000): what the most objects a small PDF may hold cost.
    label: 'PDF of 9,500 objects in an object stream',
    expectedOutcome: 'ACCEPTED',
    mail: async () => mailWithScan(numberArrayBomb(9_500), 'contract.pdf'),
  },
  {
    // Uncompressed, so no inflate cap sees it: half a value a byte, as dense as real catalogues of
    // links (see MIN_PARSED_VALUES), so it is read: what the densest PDF of its size costs.
    label: 'PDF of 100,000 numbers in one uncompressed array (200 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: async () => mailWithScan(flatNumberArray(100_000), 'contract.pdf'),
  },
  {
    label: 'PDF of 450,000 numbers in one uncompressed array (900 KB)',
    expectedOutcome: 'ACCEPTED',
    mail: async () => mailWithScan(flatNumberArray(450_000), 'contract.pdf'),
  },
  {
    // More files than pages are faxed: refused by their count, none of them opened.
    label: '3,000 one-page PDFs',
    expectedOutcome: 'REJECTED too-many-pages',
    mail: async () => {
      const page = await samplePdf(1);
      return buildSesMail({
        from: `Alice <${SENDER}>`,
        to: `${FAX_NUMBER}@${FAX_DOMAIN}`,
        subject: 'Pages',
        pdfs: Array.from({ length: 3000 }, (_, i) => ({ filename: `page-${i}.pdf`, bytes: page })),
      });
    },
  },
  {
    label: 'PDF page tree of 2^40 paths',
    expectedOutcome: 'REJECTED damaged',
    mail: async () => mailWithScan(pageTreeBomb(40), 'contract.pdf'),
  },
  {
    // Faxed: its page is sound; the objects that never close are left out.
    label: 'PDF of 4,000 streams and objects that never close',
    expectedOutcome: 'ACCEPTED',
    mail: async () => mailWithScan(unendedStreams(4000, { closed: false }), 'contract.pdf'),
  },
  {
    label: 'PDF with 400 KB of blanks and digits between objects',
    expectedOutcome: 'ACCEPTED',
    mail: async () => mailWithScan(jibberishBetweenObjects(400_000), 'contract.pdf'),
  },
  {
    label: 'PNG bomb, white 36 MP grey',
    expectedOutcome: 'ACCEPTED',
    mail: () => withPngBomb(6000, 6000, { colourType: 0, bitDepth: 8 }),
  },
  {
    label: 'PNG bomb, white 36 MP RGB',
    fullOnly: true,
    expectedOutcome: 'ACCEPTED',
    mail: () => withPngBomb(6000, 6000, { colourType: 2, bitDepth: 8 }),
  },
  {
    label: 'PNG bomb, white 36 MP RGBA',
    expectedOutcome: 'ACCEPTED',
    mail: () => withPngBomb(6000, 6000, { colourType: 6, bitDepth: 8 }),
  },
  {
    label: 'PNG bomb, white 36 MP interlaced grey',
    fullOnly: true,
    expectedOutcome: 'REJECTED image-too-large',
    mail: () => withPngBomb(6000, 6000, { colourType: 0, bitDepth: 8, interlaced: true }),
  },
  {
    label: 'PNG bomb, white 16 MP interlaced RGBA',
    expectedOutcome: 'REJECTED too-complex',
    mail: () => withPngBomb(4000, 4000, { colourType: 6, bitDepth: 8, interlaced: true }),
  },
  {
    // At the limit of what is decoded (1 MB of pixels): the cost of the largest such PNG faxed.
    label: 'PNG, white 0.25 MP interlaced RGBA (decoded)',
    expectedOutcome: 'ACCEPTED',
    mail: () => withPngBomb(500, 500, { colourType: 6, bitDepth: 8, interlaced: true }),
  },
  {
    label: 'TIFF bomb, white 36 MP RGB in Deflate strips',
    fullOnly: true,
    expectedOutcome: 'ACCEPTED',
    mail: () => whiteTiffMail(whiteRgbTiff()),
  },
  {
    label: 'TIFF bomb, white 16 MP grey to be decoded (fill order 2)',
    expectedOutcome: 'REJECTED too-complex',
    mail: () =>
      whiteTiffMail(
        tiffOf([{ width: 4000, height: 4000, pixels: new Uint8Array(4000 * 4000).fill(255) }], {
          compression: 'deflate-grey',
          fillOrder: 2,
          rowsPerStrip: 1000,
        }),
      ),
  },
  {
    label: 'TIFF bomb, white 36 MP G3 fax',
    expectedOutcome: 'ACCEPTED',
    mail: () => whiteTiffMail(tiffOf([white36()], { compression: 'g3-1d', rowsPerStrip: 1000 })),
  },
];

function whiteTiffMail(tiff: Buffer): Promise<Buffer> {
  return buildSesMail({
    from: `Alice <${SENDER}>`,
    to: `${FAX_NUMBER}@${FAX_DOMAIN}`,
    subject: 'Scan',
    pdfs: [{ filename: 'white.tif', bytes: tiff, contentType: 'image/tiff' }],
  });
}

const white36 = () => ({ width: 6000, height: 6000, pixels: new Uint8Array(6000 * 6000).fill(255) });

function whiteRgbTiff(): Buffer {
  return tiffOf([white36()], { compression: 'deflate-rgb', predictor: 2, rowsPerStrip: 1000 });
}

/** An ordinary mail with one scan-like PDF, as large as `bytes` (base64 makes 4 of every 3). */
async function ordinaryMail(bytes: number): Promise<Buffer> {
  return mailWithScan(
    await scanLikePdf({ label: 'ordinary', bytes: Math.floor((bytes * 3) / 4) - 4000, pages: 2 }),
  );
}

/**
 * Each row is measured in two child processes (hostile-headers-child.ts): one takes the hostile
 * mail's memory, the other the ordinary mail's, each from a warm process with its document worker
 * started; both time the two mails alternately, `runs` times each, and the row's times are the
 * medians of all 2 x `runs` runs of each mail. Run one after the other in separate processes (as
 * before), the two sides of a row saw different noise: the same ordinary mail took 20 ms in one row
 * and 29 ms in the next.
 */
export async function measureHostileHeaders(options: {
  tmpDir: string;
  runs: number;
  cases?: Case[];
  quick?: boolean;
}): Promise<HostileHeadersResult> {
  const child = await bundle(
    new URL('./hostile-headers-child.ts', import.meta.url).pathname,
    join(options.tmpDir, 'hostile-headers-child.mjs'),
    INFRA_BUNDLE_OPTIONS,
  );
  const write = async (name: string, mail: Buffer): Promise<string> => {
    const path = join(options.tmpDir, `headers-${name}.eml`);
    await writeFile(path, mail);
    return path;
  };
  const warmupPath = await write('warm-up', await mailWithScan(await samplePdf(1)));
  const measure = async (mailPath: string, otherPath: string): Promise<HeadersChildOutput> => {
    const input: HeadersChildInput = { mailPath, otherPath, warmupPath, runs: options.runs };
    const { stdout } = await run(process.execPath, ['--expose-gc', child.outfile, JSON.stringify(input)], {
      maxBuffer: 16 * MiB,
    });
    return JSON.parse(stdout) as HeadersChildOutput;
  };
  const rows: HostileHeadersRow[] = [];
  const cases = (options.cases ?? HOSTILE_CASES).filter((c) => !(options.quick && c.fullOnly));
  for (const [i, c] of cases.entries()) {
    const hostileMail = await c.mail();
    const hostilePath = await write(`hostile-${i}`, hostileMail);
    const ordinaryPath = await write(`ordinary-${i}`, await ordinaryMail(hostileMail.byteLength));
    const hostile = await measure(hostilePath, ordinaryPath);
    const normal = await measure(ordinaryPath, hostilePath);
    for (const side of [normal.own, hostile.other]) {
      if (side.outcome !== 'ACCEPTED') throw new Error(`the ordinary mail was not accepted: ${side.outcome}`);
    }
    const hostileRuns = [...hostile.own.ms, ...normal.other.ms];
    const ms = median(hostileRuns);
    const normalMs = median([...normal.own.ms, ...hostile.other.ms]);
    const added = hostile.peakRssMiB - hostile.rssBeforeMiB;
    const normalAdded = normal.peakRssMiB - normal.rssBeforeMiB;
    const { outcome, reason } = hostile.own;
    rows.push({
      label: c.label,
      expectedOutcome: c.expectedOutcome,
      mailMiB: round(hostile.own.mailBytes / MiB, 2),
      outcome: reason ? `${outcome} ${reason}` : outcome,
      medianMs: round(ms, 2),
      peakRssMiB: round(hostile.peakRssMiB),
      addedRssMiB: round(added),
      normalMs: round(normalMs, 2),
      normalAddedRssMiB: round(normalAdded),
      runs: hostileRuns.length,
      timeRatio: round(ms / normalMs, 2),
      // Against at least 1 MiB: both can add almost nothing to a warm process.
      memoryRatio: round(Math.max(added, 1) / Math.max(normalAdded, 1), 2),
    });
  }
  return { rows };
}
