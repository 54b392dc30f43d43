// A mail of thousands of small MIME parts (issue 11 item 8): each part must cost the patched
// postal-mime little more than its bytes. It awaited a chain of promises per part, read every
// part's Content-Type and Content-Disposition a character at a time (a string and closures per
// character) and grouped header lines into arrays joined twice; with 4,990 one-line parts that
// was 9x the time of an ordinary mail of the same size. The fast paths must give what the
// character loops give, which are kept here as postal-mime 4.0.0 (as patched) wrote them.

import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { PARSER_OPTIONS } from '../../functions/mail/parse-inbound-mail.ts';
import MimeNode from '../../node_modules/postal-mime/dist/esm/mime-node.js';
import { countMethodCalls, promisesMade } from '../support/method-calls.ts';

/** A mail of `count` one-line text parts beside one attachment. */
function mailOfParts(count: number): Buffer {
  const parts = Array.from(
    { length: count },
    (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\nline ${i}\r\n`,
  );
  return Buffer.from(
    [
      'From: Alice <alice@example.com>\r\nTo: +4930123456@fax.example.org\r\nSubject: Parts\r\n',
      'Content-Type: multipart/mixed; boundary=p\r\n\r\n',
      ...parts,
      '--p\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF-1.4\r\n',
      '--p--\r\n',
    ].join(''),
    'latin1',
  );
}

describe('a mail of many parts is parsed without a promise per part', () => {
  it('makes as many promises for 2,000 parts as for 10', async () => {
    await new PostalMime(PARSER_OPTIONS).parse(mailOfParts(10)); // what a first parse sets up once
    const small = await promisesMade(() => new PostalMime(PARSER_OPTIONS).parse(mailOfParts(10)));
    const large = await promisesMade(() => new PostalMime(PARSER_OPTIONS).parse(mailOfParts(2_000)));
    expect(large.result.text?.split('\n')).toHaveLength(2_000);
    expect(large.result.attachments.map((a) => a.filename)).toEqual(['a.pdf']);
    expect(large.promises).toBe(small.promises);
    expect(large.promises).toBeLessThan(20);
  });

  it('copies no byte of a part of one short ASCII header and calls no TextDecoder for it', async () => {
    // Per part, postal-mime copied its body into a chunk and that out again (a slice, an
    // ArrayBuffer each), and decoded its header line and its text with the TextDecoder; ASCII
    // text of a view of the input is read as Latin-1 from its Buffer (the same text).
    const typedArray = Object.getPrototypeOf(Uint8Array) as { prototype: unknown };
    const work = async (count: number) => {
      const mail = mailOfParts(count);
      const slices = await countMethodCalls(
        [typedArray],
        (m) => m === 'slice',
        () => new PostalMime(PARSER_OPTIONS).parse(mail),
      );
      const decodes = await countMethodCalls(
        [TextDecoder],
        (m) => m === 'decode',
        () => new PostalMime(PARSER_OPTIONS).parse(mail),
      );
      return { slices: slices.calls, decodes: decodes.calls, parsed: slices.result };
    };
    const small = await work(10);
    const large = await work(2_000);
    expect(large.parsed.text?.split('\n')).toEqual(Array.from({ length: 2_000 }, (_, i) => `line ${i}`));
    // the attachment's bytes are still its own ArrayBuffer
    const [pdf] = large.parsed.attachments;
    expect(pdf?.content).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(pdf?.content as ArrayBuffer).toString('latin1')).toBe('%PDF-1.4');
    expect(large.slices - small.slices).toBe(0); // old code: 1,990
    expect(large.decodes - small.decodes).toBe(0); // old code: 3,980
  });

  it('keeps no header lists, bytes or empty lists for a part, and one parsed empty Content-Disposition for all', async () => {
    // What each part kept until the whole mail was parsed, which the garbage collector copied:
    // its header lists (two lists and two objects a header line), made now only if asked for
    // (the parser asks only the top node's); the parsed value of its empty Content-Disposition
    // and placeholders for both parsed headers; its bytes; an empty list of child nodes.
    const parser = new PostalMime(PARSER_OPTIONS);
    await parser.parse(mailOfParts(2_000));
    const parts = (parser as unknown as { root: MimeNode }).root.childNodes;
    expect(parts).toHaveLength(2_001);
    const texts = parts.slice(0, 2_000);
    expect(texts.filter((p) => p.headerLists !== null)).toHaveLength(0); // old code: no such field
    expect(new Set(texts.map((p) => p.contentDisposition.parsed)).size).toBe(1); // old code: 2,000
    expect(new Set(texts.map((p) => p.contentType.parsed)).size).toBe(1); // old code: 2,000
    // a text part keeps its text, read when it ended, not its bytes until the tree is collected
    expect(texts.filter((p) => p.content !== null)).toHaveLength(0); // old code: 2,000
    expect(texts[7]?.text).toBe('line 7');
    // and no empty list of child nodes of its own
    expect(new Set(texts.map((p) => p.childNodes)).size).toBe(1); // old code: 2,000
    // asked for, a part's headers are what they always were
    expect(texts[7]?.headers).toEqual([
      { key: 'content-type', originalKey: 'Content-Type', value: 'text/plain' },
    ]);
    expect(texts[7]?.rawHeaderLines).toEqual([{ key: 'content-type', line: 'Content-Type: text/plain' }]);
    expect(parts[2_000]?.contentDisposition.parsed).toEqual({
      value: 'attachment',
      params: { filename: 'a.pdf' },
    });
  });

  it('reads text that is not plain ASCII as before: UTF-8, a charset, CRs, a BOM in a header', async () => {
    // The Latin-1 reading is only for ASCII without CR; the rest goes the TextDecoder's way.
    const mail = Buffer.concat([
      Buffer.from('Content-Type: multipart/mixed; boundary=p\r\n\r\n', 'latin1'),
      Buffer.from('--p\r\nContent-Type: text/plain\r\n\r\nGrüße\r\nzwei\r\n', 'utf8'),
      Buffer.from('--p\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nGr\xfc\xdfe\r\n', 'latin1'),
      Buffer.from('--p\r\nContent-Type: text/plain\r\n\r\na\rb\r\r\nc\r\n', 'latin1'),
      Buffer.from('--p\r\n\ufeffX-Bom: 1\r\nContent-Type: text/plain\r\nX-Name: Jürgen\r\n\r\nd\r\n', 'utf8'),
      Buffer.from('--p--\r\n', 'latin1'),
    ]);
    const parser = new PostalMime(PARSER_OPTIONS);
    const parsed = await parser.parse(mail);
    expect(parsed.text).toBe('Grüße\nzwei\nGrüße\na\rb\nc\nd');
    const last = (parser as unknown as { root: MimeNode }).root.childNodes[3];
    expect(last?.headers.map((h) => [h.key, h.value])).toEqual([
      ['\ufeffx-bom', '1'],
      ['content-type', 'text/plain'],
      ['x-name', 'Jürgen'],
    ]);
  });

  it('still reads an inline forwarded mail, in order, with the parts after it', async () => {
    const mail = Buffer.from(
      [
        'Content-Type: multipart/mixed; boundary=p\r\n\r\n',
        '--p\r\nContent-Type: text/plain\r\n\r\nbefore\r\n',
        '--p\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\ninside\r\n',
        '--p\r\nContent-Type: text/plain\r\n\r\nafter\r\n',
        '--p\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=b.pdf\r\n\r\n%PDF\r\n',
        '--p--\r\n',
      ].join(''),
      'latin1',
    );
    const parsed = await new PostalMime().parse(mail);
    expect(parsed.text).toMatch(/^before\n[\s\S]*inner[\s\S]*inside\nafter$/);
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['b.pdf']);
  });
});

// ---- The character loops the fast paths stand beside (postal-mime 4.0.0 as patched) ----

/** MimeNode.processHeaders' grouping of header lines, before the one-line headers were taken as they are. */
function referenceHeaders(headerLines: string[]) {
  const isWsp = (c: number) => c === 0x20 || c === 0x09;
  const trimWsp = (str: string) => {
    let start = 0;
    let end = str.length;
    while (start < end && isWsp(str.charCodeAt(start))) start++;
    while (end > start && isWsp(str.charCodeAt(end - 1))) end--;
    return str.slice(start, end);
  };
  const foldedLines: string[][] = [];
  for (const line of headerLines) {
    if (foldedLines.length && /^[ \t]/.test(line)) foldedLines[foldedLines.length - 1]?.push(line);
    else foldedLines.push([line]);
  }
  const rawHeaderLines: { key: string; line: string }[] = [];
  const headers: { key: string; originalKey: string; value: string }[] = [];
  const content: Record<string, string> = {};
  for (const parts of foldedLines) {
    const rawLine = parts.join('\n');
    let sep = rawLine.indexOf(':');
    const rawKey = trimWsp(sep < 0 ? rawLine : rawLine.slice(0, sep));
    rawHeaderLines.push({ key: rawKey.toLowerCase(), line: rawLine });
    const unfoldedLine = parts.join('');
    sep = unfoldedLine.indexOf(':');
    const key = trimWsp(sep < 0 ? unfoldedLine : unfoldedLine.slice(0, sep));
    const value = sep < 0 ? '' : trimWsp(unfoldedLine.slice(sep + 1).replace(/[\r\n]+/g, ' '));
    headers.push({ key: key.toLowerCase(), originalKey: key, value });
    const lowerKey = key.toLowerCase();
    if (
      [
        'content-type',
        'content-transfer-encoding',
        'content-disposition',
        'content-id',
        'content-description',
      ].includes(lowerKey) &&
      !(lowerKey in content)
    )
      content[lowerKey] = value;
  }
  return { rawHeaderLines, headers, content };
}

/** The content headers a node read, as the reference grouping has them (defaults where absent). */
function expectContentHeaders(node: MimeNode, content: Record<string, string | undefined>): void {
  expect(node.contentType.value).toBe(content['content-type'] ?? 'text/plain');
  expect(node.contentTransferEncoding.value).toBe(content['content-transfer-encoding'] ?? '8bit');
  expect(node.contentDisposition.value).toBe(content['content-disposition'] ?? '');
  expect(node.contentId).toBe(content['content-id']);
  expect(node.contentDescription).toBe(content['content-description']);
}

/** MimeNode.stripComments' character loop, as stripCommentsInFull keeps it. */
const stripCommentsInFull = (str: string): string => MimeNode.prototype.stripCommentsInFull.call(node(), str);

const node = () => Object.create(MimeNode.prototype) as MimeNode;

// What structured headers and header blocks are made of: the characters the loops treat apart,
// parameter names of sections and encoded values, names an object already has, white space
// that String.prototype.trim removes and the SP/HTAB trimming does not.
const PIECES = [
  'text/plain',
  'Multipart/Mixed',
  'attachment',
  'boundary',
  'name',
  'filename',
  'filename*',
  'filename*0',
  'filename*1*',
  "utf-8''%C3%A4",
  'constructor',
  '__proto__',
  'toString',
  'a.pdf',
  ';',
  '=',
  ' ',
  '\t',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '*',
  "'",
  '%',
  '"',
  '(',
  ')',
  '\\',
  'É',
];
const structured = fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((p) => p.join(''));

describe('structured headers are read in slices where the character loop would keep every character', () => {
  it('random values: parseStructuredHeader gives what the character loop gives', () => {
    fc.assert(
      fc.property(structured, (value) => {
        expect(node().parseStructuredHeader(value)).toEqual(node().parseStructuredHeaderInFull(value));
      }),
      { numRuns: 5_000 },
    );
  });

  it('random values without a comment: the slices path is taken, with the same result', () => {
    const plain = structured.filter((v) => !/[("\\]/.test(v));
    fc.assert(
      fc.property(plain, (value) => {
        expect(node().parseSimpleStructuredHeader(value)).toEqual(node().parseStructuredHeaderInFull(value));
      }),
      { numRuns: 5_000 },
    );
  });

  it('random values: stripComments gives what its character loop gives', () => {
    fc.assert(
      fc.property(structured, (value) => {
        expect(node().stripComments(value)).toBe(stripCommentsInFull(value));
      }),
      { numRuns: 5_000 },
    );
  });
});

// Header lines as the parser reads them: no LF, no CR at the end, not empty.
const LINE_PIECES = [
  'Content-Type',
  'content-type',
  'Content-Transfer-Encoding',
  'Content-Disposition',
  'Content-ID',
  'Content-Description',
  'X-A',
  ':',
  ' ',
  '\t',
  'text/plain',
  'base64',
  '\r',
  '\u00a0',
  'a',
];
const headerLine = fc
  .array(fc.constantFrom(...LINE_PIECES), { minLength: 1, maxLength: 8 })
  .map((p) => p.join(''))
  .filter((line) => !line.endsWith('\r') && line.replace(/\r/g, '') !== '');

describe('header lines are grouped and read as the two passes did', () => {
  it('random header blocks (folding, bare CRs, repeated content headers): the same headers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(headerLine, { minLength: 1, maxLength: 12 }), async (lines) => {
        const mail = Buffer.from(`${lines.join('\r\n')}\r\n\r\nbody\r\n`, 'utf8');
        const parser = new PostalMime();
        const parsed = await parser.parse(mail);
        const expected = referenceHeaders(lines);
        expect(parsed.headerLines).toEqual(expected.rawHeaderLines);
        expect(parsed.headers).toEqual(expected.headers);
        const root = (parser as unknown as { root: MimeNode }).root;
        expectContentHeaders(root, expected.content);
      }),
      { numRuns: 2_000 },
    );
  });

  it('the same block as a part header: the same content headers, and headers when asked for', async () => {
    // A part's headers are read only when asked for (MimeNode.readHeaderLines), its content
    // headers at once (readContentHeader): both as the two passes read them.
    await fc.assert(
      fc.asyncProperty(fc.array(headerLine, { minLength: 1, maxLength: 12 }), async (lines) => {
        const mail = Buffer.from(
          `Content-Type: multipart/mixed; boundary=p\r\n\r\n--p\r\n${lines.join('\r\n')}\r\n\r\nbody\r\n--p--\r\n`,
          'utf8',
        );
        const parser = new PostalMime();
        await parser.parse(mail);
        const expected = referenceHeaders(lines);
        const part = (parser as unknown as { root: MimeNode }).root.childNodes[0] as MimeNode;
        expectContentHeaders(part, expected.content);
        expect(part.rawHeaderLines).toEqual(expected.rawHeaderLines);
        expect(part.headers).toEqual(expected.headers);
      }),
      { numRuns: 2_000 },
    );
  });
});
