// Bodies of short lines (issue 11 item 8). Every step before the trust decision costs what the mail's
// size costs: a body reaches its decoder in large ranges of lines, never one call per line (one call
// per line cost about 4 µs for base64, so a 40 MB body of 1-character lines took tens of seconds).
// And whatever the line lengths (1 character, 3, 76, one huge line), line breaks (CRLF, bare LF),
// white space and invalid characters between, and padding mid-stream, each part comes out byte for
// byte as mailparser, the reference parser, reads it (issue 10 item 4).

import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';
// The parser's own decoders, to count the calls that hand them body lines (the work per line)
import Base64Decoder from '../../node_modules/postal-mime/dist/esm/base64-decoder.js';
import { dropCrInJs, dropCrNatively } from '../../node_modules/postal-mime/dist/esm/mime-node.js';
import PassThroughDecoder from '../../node_modules/postal-mime/dist/esm/pass-through-decoder.js';
import QPDecoder from '../../node_modules/postal-mime/dist/esm/qp-decoder.js';
import { type MailLineBreak, quotedPrintable } from '../fixtures/encoded-parts.ts';
import { countMethodCalls } from '../support/method-calls.ts';

const BOUNDARY = '=_short_lines_4c1e';
const LINE_BREAKS: MailLineBreak[] = ['\r\n', '\n'];

/** A mail whose one attachment (or, for a text/* type, body) is `body` as written. */
function mailWithBody(
  body: string,
  encoding: string,
  eol: MailLineBreak,
  type = 'application/octet-stream',
): Buffer {
  const attachment = type.startsWith('text/') ? [] : [`Content-Disposition: attachment; filename="data.bin"`];
  return Buffer.from(
    [
      'From: Alice <alice@example.com>',
      'To: +4930123456@fax.example.org',
      'Subject: Short lines',
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
      '',
      `--${BOUNDARY}`,
      `Content-Type: ${type}`,
      ...attachment,
      `Content-Transfer-Encoding: ${encoding}`,
      '',
      body,
      `--${BOUNDARY}--`,
      '',
    ].join(eol),
    'latin1',
  );
}

/** What `run` gave, and how many calls handed body lines to the parser's decoders while it ran. */
function decoderCalls<T>(run: () => Promise<T>): Promise<{ result: T; calls: number }> {
  return countMethodCalls([Base64Decoder, QPDecoder, PassThroughDecoder], (n) => n.startsWith('update'), run);
}

const hexOf = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('hex');

/** What `run` gave, and how many body bytes went through `method`, a decoder's byte-at-a-time loop, while it ran. */
async function bytesThrough<T>(
  decoder: { prototype: object },
  method: string,
  run: () => Promise<T>,
): Promise<{ result: T; bytes: number; calls: number }> {
  const proto = decoder.prototype as Record<string, unknown>;
  const original = proto[method] as (src: Uint8Array, start: number, end: number) => void;
  expect(typeof original).toBe('function');
  let bytes = 0;
  let calls = 0;
  proto[method] = function (this: unknown, src: Uint8Array, start: number, end: number) {
    bytes += end - start;
    calls++;
    return original.call(this, src, start, end);
  };
  try {
    return { result: await run(), bytes, calls };
  } finally {
    proto[method] = original;
  }
}

/** Bytes 0..255 over and over, `length` of them. */
const bytesOf = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + 3) % 256));

// Under the 64 KiB from which a plain base64 body is set aside and decoded natively
// (large-mime-bodies.ts): these bodies are the parser's to decode.
const LINES = 20_000;

describe('a body of short lines reaches its decoder in a few calls, not one per line', () => {
  for (const eol of LINE_BREAKS) {
    const name = eol === '\n' ? 'LF' : 'CRLF';
    const cases: {
      label: string;
      encoding: string;
      type?: string;
      body: string;
      expected: Buffer | string;
    }[] = [
      {
        label: 'base64, 1-character lines',
        encoding: 'base64',
        body: bytesOf((LINES * 3) / 4)
          .toString('base64')
          .split('')
          .join(eol),
        expected: bytesOf((LINES * 3) / 4),
      },
      {
        label: 'base64, every line padded (one byte a line)',
        encoding: 'base64',
        body: [...bytesOf(LINES / 2)].map((b) => Buffer.from([b]).toString('base64')).join(eol),
        expected: bytesOf(LINES / 2),
      },
      {
        label: 'base64 text body, 1-character lines',
        encoding: 'base64',
        type: 'text/plain; charset=us-ascii',
        body: Buffer.from('x'.repeat((LINES * 3) / 4))
          .toString('base64')
          .split('')
          .join(eol),
        expected: 'x'.repeat((LINES * 3) / 4),
      },
      {
        label: 'quoted-printable, one byte a line (soft breaks)',
        encoding: 'quoted-printable',
        body: [...bytesOf(LINES / 2)]
          .map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}=`)
          .join(eol),
        expected: bytesOf(LINES / 2),
      },
      {
        label: 'quoted-printable text body, 1-character lines',
        encoding: 'quoted-printable',
        type: 'text/plain; charset=us-ascii',
        body: 'a'.repeat(LINES).split('').join(eol),
        expected: 'a'.repeat(LINES).split('').join('\n'),
      },
      {
        label: '7bit, 1-character lines',
        encoding: '7bit',
        body: 'a'.repeat(LINES).split('').join(eol),
        expected: Buffer.from('a'.repeat(LINES).split('').join(eol), 'latin1'),
      },
      {
        label: '7bit text body, lines that start with "--" and are no delimiter',
        encoding: '7bit',
        type: 'text/plain; charset=us-ascii',
        body: Array.from({ length: LINES / 4 }, (_, i) => `--${BOUNDARY.slice(0, i % 8)}x`).join(eol),
        expected: Array.from({ length: LINES / 4 }, (_, i) => `--${BOUNDARY.slice(0, i % 8)}x`).join('\n'),
      },
    ];
    for (const c of cases) {
      it(`${c.label} (${name})`, async () => {
        const raw = mailWithBody(c.body, c.encoding, eol, c.type);
        const { result: mail, calls } = await decoderCalls(() => parseInboundMail(raw));
        if (typeof c.expected === 'string') expect(mail.body?.text).toBe(c.expected);
        else expect(hexOf(mail.parts[0]?.content)).toBe(hexOf(c.expected));
        // The line before the delimiter goes the ordinary way, the rest in ranges of many lines.
        expect(calls).toBeLessThanOrEqual(8);
      });
    }
  }
});

// Junk a decoder must skip: white space, punctuation, an 8-bit byte, the base64url characters.
const JUNK = [' ', '\t', '*', '.', '!', '\xe9', '-', '_', '  \t'];

/** Base64 of `data`, in `pieces` encoded on their own (each padded: padding mid-stream) or whole. */
function base64Of(data: Uint8Array, pieces: number[]): string {
  if (pieces.length === 0) return Buffer.from(data).toString('base64');
  let out = '';
  let at = 0;
  for (const size of [...pieces, data.length]) {
    out += Buffer.from(data.subarray(at, Math.min(data.length, at + size))).toString('base64');
    at += size;
    if (at >= data.length) break;
  }
  return out;
}

const base64Body = fc
  .record({
    data: fc.oneof(
      fc.uint8Array({ maxLength: 2_000 }),
      fc.integer({ min: 60_000, max: 120_000 }).map((n) => new Uint8Array(bytesOf(n))),
    ),
    // 1, 3 and 76 characters, a few others, and one huge line (0)
    lineLength: fc.constantFrom(1, 2, 3, 4, 5, 76, 77, 0),
    pieces: fc.oneof(
      fc.constant<number[]>([]),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 20 }),
    ),
    junk: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...JUNK)), { maxLength: 12 }),
    blankLines: fc.array(fc.nat(), { maxLength: 3 }),
    eol: fc.constantFrom<MailLineBreak>('\r\n', '\n'),
  })
  .map(({ data, lineLength, pieces, junk, blankLines, eol }) => {
    const text = base64Of(data, pieces);
    const lines = lineLength === 0 ? [text] : (text.match(new RegExp(`.{1,${lineLength}}`, 'gs')) ?? []);
    for (const [at, what] of junk) {
      if (lines.length === 0) break;
      const i = at % lines.length;
      const line = lines[i] as string;
      const pos = at % (line.length + 1);
      lines[i] = line.slice(0, pos) + what + line.slice(pos);
    }
    for (const at of blankLines) lines.splice(at % (lines.length + 1), 0, '');
    return { data, eol, body: lines.join(eol), clean: pieces.length === 0 && junk.length === 0 };
  });

describe('base64 of unusual line lengths: the same bytes as mailparser', () => {
  it('random data in 1, 3, 76-character and huge lines, CRLF and LF, junk and padding between', async () => {
    await fc.assert(
      fc.asyncProperty(base64Body, async ({ data, eol, body, clean }) => {
        const raw = mailWithBody(body, 'base64', eol);
        const ours = (await parseInboundMail(raw)).parts[0]?.content;
        const reference = (await simpleParser(raw)).attachments[0]?.content;
        expect(hexOf(ours)).toBe(hexOf(reference));
        if (clean) expect(hexOf(ours)).toBe(hexOf(data));
      }),
      { numRuns: 60 },
    );
  });

  for (const eol of LINE_BREAKS) {
    for (const lineLength of [1, 3, 76]) {
      it(`150 KB in ${lineLength}-character lines (${eol === '\n' ? 'LF' : 'CRLF'}), with and without a character to skip`, async () => {
        const data = bytesOf(150_000);
        const lines = data.toString('base64').match(new RegExp(`.{1,${lineLength}}`, 'g')) ?? [];
        for (const body of [lines.join(eol), `${lines.slice(0, 9).join(eol)}*${lines.slice(9).join(eol)}`]) {
          const raw = mailWithBody(body, 'base64', eol);
          const ours = (await parseInboundMail(raw)).parts[0]?.content;
          expect(hexOf(ours)).toBe(hexOf((await simpleParser(raw)).attachments[0]?.content));
          expect(hexOf(ours)).toBe(hexOf(data));
        }
      });
    }
  }
});

describe('base64 in large runs: decoded natively, the bytes of the byte loop', () => {
  // Plain base64 with, between its characters, what a body may hold: line breaks, white space,
  // bytes outside the alphabet, and what makes a run not plain ('-', '_', padding mid-stream)
  const token = fc.oneof(
    {
      weight: 30,
      arbitrary: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
    },
    { weight: 6, arbitrary: fc.constantFrom('\r\n', '\n', ' ', '\t') },
    { weight: 1, arbitrary: fc.constantFrom('*', '\x80', '\xff', '-', '_', '=', '==') },
  );
  // over 64 KiB (what the mail reader sets aside), ending with a line break as a body before its delimiter
  const run = fc
    .tuple(fc.array(token, { minLength: 1, maxLength: 400 }), fc.nat(60), fc.boolean())
    .map(([tokens, extra, padded]) => {
      const unit = tokens.join('');
      return `${unit.repeat(Math.ceil((66 * 1024) / unit.length) + extra)}${padded ? 'QQ==' : ''}\r\n`;
    });

  it('random runs over 64 KiB, whole or split, as update decodes them line by line', async () => {
    await fc.assert(
      fc.asyncProperty(run, fc.nat(), async (text, cut) => {
        const input = new Uint8Array(Buffer.from(`X: y\r\n\r\n${text}--end\r\n`, 'latin1'));
        const start = 8;
        const end = start + Buffer.byteLength(text, 'latin1');
        expect(end - start).toBeGreaterThan(64 * 1024);
        // the body in one run, and in two runs split at a line break (the first held, then decoded by the loop)
        const whole = new Base64Decoder();
        whole.updateRun(input, start, end);
        const lf = input.indexOf(0x0a, start + (cut % (end - start)));
        const split = new Base64Decoder();
        if (lf >= start && lf + 1 < end) {
          split.updateRun(input, start, lf + 1);
          split.updateRun(input, lf + 1, end);
        } else split.updateRun(input, start, end);
        const byLine = new Base64Decoder();
        for (const line of linesOf(input.subarray(start, end))) byLine.update(line);
        const expected = hexOf(new Uint8Array(await byLine.finalize()));
        expect(hexOf(new Uint8Array(await whole.finalize()))).toBe(expected);
        expect(hexOf(new Uint8Array(await split.finalize()))).toBe(expected);
      }),
      { numRuns: 120 },
    );
  });

  it('random runs from half a KiB, as update decodes them line by line', async () => {
    // The small bodies the mail reader leaves to the parser (it sets aside those of 64 KiB and more)
    const small = fc
      .tuple(
        fc.array(token, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 512, max: 70_000 }),
        fc.boolean(),
      )
      .map(([tokens, length, padded]) => {
        const unit = tokens.join('');
        return `${unit.repeat(Math.ceil(length / unit.length))}${padded ? 'QQ==' : ''}\r\n`;
      });
    await fc.assert(
      fc.asyncProperty(small, async (text) => {
        const input = new Uint8Array(Buffer.from(`X: y\r\n\r\n${text}--end\r\n`, 'latin1'));
        const whole = new Base64Decoder();
        whole.updateRun(input, 8, 8 + Buffer.byteLength(text, 'latin1'));
        const byLine = new Base64Decoder();
        for (const line of linesOf(input.subarray(8, 8 + Buffer.byteLength(text, 'latin1'))))
          byLine.update(line);
        expect(hexOf(new Uint8Array(await whole.finalize()))).toBe(
          hexOf(new Uint8Array(await byLine.finalize())),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a small body is decoded natively too, from half a KiB: the loop is the slower way there', async () => {
    const body = `${Buffer.from('x'.repeat(1500)).toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`;
    const raw = mailWithBody(body, 'base64', '\r\n', 'application/octet-stream');
    const { result: mail, bytes } = await bytesThrough(Base64Decoder, 'decodeBytes', () =>
      parseInboundMail(raw),
    );
    expect(Buffer.from(mail.parts[0]?.content ?? []).toString()).toBe('x'.repeat(1500));
    expect(bytes).toBe(0);
  });

  it('a text body of 1-character lines is decoded natively, not a byte at a time', async () => {
    const text = 'Bitte faxen. '.repeat(20_000);
    const body = Buffer.from(text).toString('base64').split('').join('\r\n');
    const raw = mailWithBody(body, 'base64', '\r\n', 'text/plain; charset=utf-8');
    const { result: mail, bytes } = await bytesThrough(Base64Decoder, 'decodeBytes', () =>
      parseInboundMail(raw),
    );
    expect(mail.body?.text?.trim()).toBe(text.trim());
    expect(bytes).toBeLessThan(1024);
  });
});

describe('quoted-printable of short lines: the same bytes as mailparser', () => {
  it('random data with a soft break after every few characters, CRLF and LF', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1_500 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<MailLineBreak>('\r\n', '\n'),
        async (data, every, eol) => {
          // Encoded in binary mode (every CR and LF escaped), then cut into lines of `every` tokens.
          const encoded = quotedPrintable(data, eol, 'binary').split(`=${eol}`).join('');
          const tokens = encoded.match(/=[0-9A-F]{2}|[^=]/g) ?? [];
          const lines: string[] = [];
          for (let i = 0; i < tokens.length; i += every) lines.push(tokens.slice(i, i + every).join(''));
          // A line may not end in white space (a decoder removes it): such a token starts the next.
          const body = lines.join(`=${eol}`).replace(/([ \t])=(\r?\n)/g, `=$2$1`);
          const raw = mailWithBody(body, 'quoted-printable', eol);
          const ours = (await parseInboundMail(raw)).parts[0]?.content;
          expect(hexOf(ours)).toBe(hexOf(data));
          expect(hexOf(ours)).toBe(hexOf((await simpleParser(raw)).attachments[0]?.content));
        },
      ),
      { numRuns: 60 },
    );
  });
});

// Where the decoded bytes differ from the source: '=' (escapes, soft breaks, invalid ones) and white
// space before a line break; and what must stay as it is around them (lone CRs, white space inside).
const QP_TOKENS = [
  'a',
  'b',
  ' ',
  '\t',
  '  ',
  '=',
  '=4',
  '=41',
  '=3D',
  '=zz',
  '=\r\n',
  '=\n',
  '\r',
  '\n',
  '\r\n',
  '\r\r\n',
  ' \r\n',
  '\t\n',
  '= \r\n',
  '\xe9',
];

/** The lines of `src` as the parser hands them to `update` one by one (see PostalMime.readLine). */
function linesOf(
  src: Uint8Array<ArrayBuffer>,
): { content: Uint8Array<ArrayBuffer>; lineBreak: Uint8Array<ArrayBuffer> }[] {
  const lines: { content: Uint8Array<ArrayBuffer>; lineBreak: Uint8Array<ArrayBuffer> }[] = [];
  for (let at = 0; at < src.length; ) {
    const lf = src.indexOf(0x0a, at);
    const breakAt = lf > at && src[lf - 1] === 0x0d ? lf - 1 : lf;
    lines.push({ content: src.subarray(at, breakAt), lineBreak: src.subarray(breakAt, lf + 1) });
    at = lf + 1;
  }
  return lines;
}

/** `text` decoded by updateRun in one range (within a larger input, as the parser's runs are) and by update line by line, as hex. */
async function decodedBothWays(
  text: string,
  dropLast: boolean,
  withView = true,
  firstByLine = false,
): Promise<{ inRuns: string; byLine: string }> {
  const input = new Uint8Array(Buffer.from(`X: y\r\n\r\n${text}--end\r\n`, 'latin1'));
  const start = 8;
  const end = start + Buffer.byteLength(text, 'latin1');
  const run = new QPDecoder();
  // The first line by update, as the parser hands over a line (its line break a view of its own)
  const [first] = firstByLine ? linesOf(input.subarray(start, end)) : [];
  const rest = first ? start + first.content.length + first.lineBreak.length : start;
  if (first && rest < end) run.update(first);
  run.updateRun(
    input,
    first && rest < end ? rest : start,
    end,
    withView ? Buffer.from(input.buffer) : undefined,
  );
  const byLine = new QPDecoder();
  for (const line of linesOf(input.subarray(start, end))) byLine.update(line);
  if (dropLast) {
    run.dropLineBreak();
    byLine.dropLineBreak();
  }
  return {
    inRuns: hexOf(new Uint8Array(await run.finalize())),
    byLine: hexOf(new Uint8Array(await byLine.finalize())),
  };
}

describe('quoted-printable in runs of lines: the bytes of line-by-line decoding', () => {
  const body = fc
    .array(fc.constantFrom(...QP_TOKENS), { maxLength: 200 })
    .map((tokens) => `${tokens.join('')}\r\n`);

  it('random lines of escapes, soft breaks, white space and lone CRs, as update decodes them', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), fc.boolean(), async (text, dropLast, firstByLine) => {
        const { inRuns, byLine } = await decodedBothWays(text, dropLast, true, firstByLine);
        expect(inRuns).toBe(byLine);
      }),
      { numRuns: 400 },
    );
  });

  it('runs of dense and sparse stretches over many blocks, as update decodes them', async () => {
    // Lines to decode close together are decoded in blocks of 16 KiB (qp-decoder.js DENSE_BLOCK):
    // stretches of them, and of plain lines, long enough to cross blocks and start new ones.
    const stretch = fc.oneof(
      fc.tuple(
        fc.array(fc.constantFrom(...QP_TOKENS), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 900 }),
      ),
      fc.tuple(fc.constant(['plain text line\r\n']), fc.integer({ min: 1, max: 3000 })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stretch, { minLength: 1, maxLength: 8 }), async (stretches) => {
        const text = `${stretches.map(([tokens, times]) => tokens.join('').repeat(times)).join('')}\r\n`;
        const { inRuns, byLine } = await decodedBothWays(text, false);
        expect(inRuns).toBe(byLine);
      }),
      { numRuns: 60 },
    );
  });

  it('lines longer than the decoder buffer, and runs past the room it has left, as update decodes them', async () => {
    // Lines that fit in the decoder's buffer (100 KiB) are decoded with no check of its room per
    // byte; longer ones, and runs longer than the room left, take the other ways (qp-decoder.js decodeLines).
    const inLine = QP_TOKENS.filter((token) => !token.includes('\n'));
    const stretch = fc.oneof(
      fc.tuple(
        fc.array(fc.constantFrom(...inLine), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 20_000, max: 70_000 }),
      ),
      fc.tuple(
        fc.array(fc.constantFrom(...QP_TOKENS), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 3000 }),
      ),
      // Plain lines give a byte out for each in: a run of them fills the room it was given.
      fc.tuple(fc.constant(['plain text line\r\n']), fc.integer({ min: 1, max: 12_000 })),
      fc.tuple(fc.constant(['x']), fc.integer({ min: 90_000, max: 110_000 })),
    );
    const lineBreak = fc.constantFrom('\r\n', '\n', '=\r\n', ' \r\n', '');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(stretch, lineBreak), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.boolean(),
        async (stretches, dropLast, withView) => {
          const text = `${stretches.map(([[tokens, times], eol]) => tokens.join('').repeat(times) + eol).join('')}\r\n`;
          const { inRuns, byLine } = await decodedBothWays(text, dropLast, withView);
          expect(inRuns).toBe(byLine);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a run just past the room left in the buffer, at each edge, as update decodes it', async () => {
    // Each byte in gives at most one out, a held line break two: a run is decoded in place only when
    // its length and two bytes more fit in what the buffer has left (qp-decoder.js decodeLines).
    const size = new QPDecoder().maxChunkSize;
    for (const filled of [0, 1, 777, size - 5000]) {
      for (let extra = -4; extra <= 4; extra++) {
        const first = `${'f'.repeat(Math.max(0, filled - 2))}\r\n`;
        const runLength = size - filled + extra;
        const line = 'plain line\r\n';
        // Ending in a bare LF after a held CRLF: one byte more out than in.
        const lines = line.repeat(Math.ceil(runLength / line.length)).slice(0, runLength - 1);
        const text = `${first}${lines}\n`;
        const input = new Uint8Array(Buffer.from(text, 'latin1'));
        const run = new QPDecoder();
        run.decodeLines(input, 0, first.length);
        run.decodeLines(input, first.length, input.length);
        const byLine = new QPDecoder();
        for (const one of linesOf(input)) byLine.update(one);
        expect(hexOf(new Uint8Array(await run.finalize())), `${filled} ${extra}`).toBe(
          hexOf(new Uint8Array(await byLine.finalize())),
        );
      }
    }
  });

  it('a body of soft line breaks or trailing blanks is decoded in blocks, not searched line by line', async () => {
    // Every line of a quoted-printable HTML body ends in a soft break; a hostile one can end every
    // line in a blank. Finding each such line natively and decoding it alone cost 30 to 100 ns a
    // byte (a 38 MB mail: 5 s); decoding them in one pass costs 4 to 7.
    for (const line of [`${'x'.repeat(74)}=\r\n`, ' \r\n', 'a=\n']) {
      const raw = mailWithBody(
        line.repeat(LINES),
        'quoted-printable',
        '\r\n',
        'text/plain; charset=us-ascii',
      );
      const { calls } = await bytesThrough(QPDecoder, 'decodeLines', () => parseInboundMail(raw));
      expect(calls, JSON.stringify(line)).toBeLessThan(LINES / 100);
    }
  });

  it('searches each line kind no further than the nearest line to decode: a body of blank-ended lines is not read to its end for the other kinds', async () => {
    // Every line ending in a blank before CRLF: a search for a blank before a bare LF (or a tab
    // before either) found none and read the whole body, and where blanks are dense that search
    // cost several nanoseconds a byte (a 10 MiB mail: 22 ms of its 82).
    const text = ' \r\n'.repeat(LINES);
    const input = new Uint8Array(Buffer.from(`X: y\r\n\r\n${text}--end\r\n`, 'latin1'));
    const view = Buffer.from(input.buffer);
    const indexOf = Buffer.prototype.indexOf;
    let searched = 0;
    // Bytes read by the searches for a kind of line: up to where one was found, else all of the range.
    Buffer.prototype.indexOf = function (this: Buffer, ...args: Parameters<Buffer['indexOf']>) {
      const at = indexOf.apply(this, args);
      if (typeof args[0] !== 'number') {
        const from = typeof args[1] === 'number' ? args[1] : 0;
        searched += at >= 0 ? at - from + 1 : this.length - from;
      }
      return at;
    };
    const decoder = new QPDecoder();
    try {
      decoder.updateRun(input, 8, 8 + text.length, view);
    } finally {
      Buffer.prototype.indexOf = indexOf;
    }
    expect(Buffer.from(await decoder.finalize()).toString('latin1')).toBe('\r\n'.repeat(LINES));
    expect(searched).toBeLessThan(text.length / 4);
  });

  it('a body of 1-character lines is copied, not decoded a byte at a time', async () => {
    const text = 'a\r\n'.repeat(LINES);
    const raw = mailWithBody(
      `${text}=41 \r\n${text}`,
      'quoted-printable',
      '\r\n',
      'text/plain; charset=us-ascii',
    );
    const { result: mail, bytes } = await bytesThrough(QPDecoder, 'decodeLines', () => parseInboundMail(raw));
    expect(mail.body?.text).toBe(`${'a\n'.repeat(LINES)}A\n${'a\n'.repeat(LINES)}`);
    // the one line with an escape and trailing white space, and the one before the delimiter
    expect(bytes).toBeLessThanOrEqual(16);
  });
});

describe('a text body drops the CRs before each LF natively: the bytes of the JavaScript loop', () => {
  // CRs alone, in runs, before an LF or not, at either end
  const CR_TOKENS = ['a', '\r', '\n', '\r\n', '\r\r\n', '\r\r\r', 'xy', '\xff', '\x00'];

  it('random bytes of CRs, LFs and others, at every length, as dropCrInJs drops them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...CR_TOKENS), { maxLength: 300 }),
        fc.integer({ min: 1, max: 400 }),
        (tokens, repeat) => {
          // repeated to reach past a WebAssembly page (64 KiB) at times
          const bytes = new Uint8Array(Buffer.from(tokens.join('').repeat(repeat), 'latin1'));
          const native = dropCrNatively(bytes);
          expect(native).not.toBeNull();
          expect(hexOf(native ?? undefined)).toBe(hexOf(dropCrInJs(bytes)));
        },
      ),
      { numRuns: 300 },
    );
  });

  const bodies: [label: string, text: string][] = [
    ['1-character lines', 'a\r\n'.repeat(200_000)],
    // (no run of CRs before an LF: mailparser drops one CR of such a run, this parser all of them)
    ['lone CRs and bare LFs among them', 'a\r\nb\rc\n\r'.repeat(12_000)],
  ];
  for (const [label, text] of bodies) {
    it(`a quoted-printable text body of ${label}, over 64 KiB: the text mailparser reads`, async () => {
      const raw = mailWithBody(text, 'quoted-printable', '\r\n', 'text/plain; charset=utf-8');
      const ours = (await parseInboundMail(raw)).body?.text;
      expect(ours).toBe((await simpleParser(raw)).text);
      expect(ours?.length).toBeGreaterThan(64 * 1024);
    });
  }
});
