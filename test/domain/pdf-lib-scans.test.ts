// Issue 11 item 9: pdf-lib's parser, patched (patches/@cantoo+pdf-lib+*.patch), reads a PDF in a
// bounded number of passes however its streams and objects fail to close, and reads every PDF,
// well-formed or damaged, to the same objects as upstream's byte-by-byte scans. Cost is counted in
// bytes read, not timed.

import { PDFContext, PDFDocument, PDFInvalidObject, PDFObjectParser, PDFRawStream } from '@cantoo/pdf-lib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PAGE_OBJECTS, smallStreams, unendedStreams } from '../fixtures/hostile-pdfs.ts';
import { classicPdf, samplePdf } from '../fixtures/mail-builder.ts';
import { promisesMade } from '../support/method-calls.ts';
import { countingReads, pdfParser, withUpstreamBlanks } from '../support/upstream-pdf-scans.ts';

/** What the blanks test reaches inside pdf-lib's parser (protected in its types). */
interface Skipping {
  skipWhitespaceAndComments(): void;
  bytes: { done(): boolean; next(): number; position(): { line: number; column: number; offset: number } };
}

/** Bytes read per byte of the file while pdf-lib parses it (the patched parser unless `upstream`). */
async function readsPerByte(pdf: Uint8Array, upstream = false): Promise<number> {
  const { bytes, reads } = countingReads(pdf);
  await pdfParser(bytes, upstream).parseDocument();
  return reads() / pdf.byteLength;
}

/** Everything a parse gives, written out: each object, stream contents and invalid bytes included. */
function described(context: PDFContext): string[] {
  const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
  const objects = context.enumerateIndirectObjects().map(([ref, object]) => {
    if (object instanceof PDFRawStream) return `${ref} ${object.dict} stream[${latin1(object.contents)}]`;
    if (object instanceof PDFInvalidObject) {
      const bytes = new Uint8Array(object.sizeInBytes());
      object.copyBytesInto(bytes, 0);
      return `${ref} invalid[${latin1(bytes)}]`;
    }
    return `${ref} ${object}`;
  });
  const { Root, Size } = context.trailerInfo;
  return [...objects, `trailer Root=${Root} Size=${Size}`];
}

/** What the patched parser and upstream's scans each make of `pdf`: objects, or the error. */
async function bothReadings(pdf: Uint8Array): Promise<{ patched: string[]; upstream: string[] }> {
  const read = async (upstream: boolean) => {
    try {
      return described(await pdfParser(pdf, upstream).parseDocument());
    } catch (error) {
      // Where it failed, as an offset: upstream's line and column drift with every try it backs
      // out of (ByteStream.moveTo leaves them), so they say nothing.
      const message = (error as Error).message.replace(/\(line:\d+ col:\d+ /, '(');
      return [`threw ${(error as Error).name}: ${message}`];
    }
  };
  return { patched: await read(false), upstream: await read(true) };
}

/** A PDF of the page objects, then `bodies` as objects each closed by `endobj` unless it says `open`. */
function pdfOf(bodies: { body: string; open?: boolean }[], between = ''): Uint8Array {
  let text = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  [...PAGE_OBJECTS.map((body) => ({ body, open: false })), ...bodies].forEach(({ body, open }, i) => {
    text += `${i + 1} 0 obj\n${body}${open ? '\n' : '\nendobj\n'}${between}`;
  });
  text += `trailer\n<< /Size ${bodies.length + 4} /Root 1 0 R >>\nstartxref\n0\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}

// pdf-lib warns on the console of every number past 2^53 it reads, which the generated PDFs hold.
beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('pdf-lib reads a PDF in a bounded number of passes', () => {
  it('reads 100 streams that never say endstream about as often as an ordinary PDF', async () => {
    const ordinary = smallStreams(100);
    const normal = await readsPerByte(ordinary);
    // Upstream searched for each stream's end through the rest of the file: ~170 reads a byte.
    const hostile = await readsPerByte(unendedStreams(100));
    expect(hostile).toBeLessThan(4 * normal);
    // Nor when no object closes: upstream also searched each one's `endobj` to the end. (Against
    // 5 times: since blanks are read once a byte, not twice, the ordinary PDF reads 2.15 a byte,
    // this one 8.8, as before.)
    expect(await readsPerByte(unendedStreams(100, { closed: false }))).toBeLessThan(5 * normal);
  });

  it('skips jibberish between objects reading each byte a bounded number of times', async () => {
    const normal = await readsPerByte(pdfOf([{ body: '<< /A 1 >>' }]));
    // Upstream tried an object header at every byte, reading on over each run of blanks, digits
    // or comment marks: the square of the run's length. (The bound was 4 before objects read
    // keywords only where their first letter stands, which made the ordinary PDF cheaper.)
    for (const junk of ['x', ' ', '1', '%', '0 '].map((run) => `x${run.repeat(4000 / run.length)}\n`)) {
      expect(
        await readsPerByte(pdfOf([{ body: '<< /A 1 >>' }], junk)),
        JSON.stringify(junk.slice(0, 3)),
      ).toBeLessThan(4.5 * normal);
    }
  });

  it('stops reading strings that never close once they have read twice the file', async () => {
    // Each object's string read on to the end of the file: 2,000 of them (95 KB) took seconds.
    const unclosed = classicPdf(
      '1.4',
      [...PAGE_OBJECTS, ...Array.from({ length: 2000 }, () => '(unclosed')],
      '',
    );
    const { bytes, reads } = countingReads(unclosed);
    await expect(pdfParser(bytes, false).parseDocument()).rejects.toThrow(/unbalanced parenthesis/);
    expect(reads() / unclosed.byteLength).toBeLessThan(4 * (await readsPerByte(pdfOf([{ body: '(a)' }]))));
    // A file with a few that never close is read as before.
    const { patched, upstream } = await bothReadings(
      pdfOf([{ body: '(one' }, { body: '<< /A (two) >>' }, { body: '(three' }, { body: '[(four) 4]' }]),
    );
    expect(patched).toEqual(upstream);
    expect(patched.some((o) => o.includes('(two)'))).toBe(true);
  });

  it('tries a section keyword only where its first two bytes stand', async () => {
    // `x`, `t` and `s` begin xref, trailer and startxref: each such byte between objects was tried
    // as a keyword (a call, a failed match, a step back), the unended streams' filler included.
    const tries = vi.spyOn(
      PDFObjectParser.prototype as unknown as { matchKeyword: () => boolean },
      'matchKeyword',
    );
    for (const junk of ['x', 't', 's', 'xt', 'sx']) {
      tries.mockClear();
      await pdfParser(
        pdfOf([{ body: '<< /A 1 >>' }], `${junk.repeat(4000 / junk.length)}\n`),
        false,
      ).parseDocument();
      expect(tries.mock.calls.length, junk).toBeLessThan(400);
    }
    tries.mockClear();
    await pdfParser(unendedStreams(200, { closed: false }), false).parseDocument();
    // Its streams' own keywords (stream, endstream, endobj) take ~15 tries each; their 48 `x` each
    // took 48 more.
    expect(tries.mock.calls.length).toBeLessThan(200 * 20);
  });

  it('counts what upstream read, so the bounds above can fail', async () => {
    expect(await readsPerByte(unendedStreams(100), true)).toBeGreaterThan(50);
    expect(
      await readsPerByte(pdfOf([{ body: '<< /A 1 >>' }], `x${' '.repeat(2000)}\n`), true),
    ).toBeGreaterThan(50);
  });

  it('still opens such a PDF, its unended streams kept as invalid objects', async () => {
    const doc = await PDFDocument.load(unendedStreams(50), { updateMetadata: false });
    expect(doc.getPageCount()).toBe(1);
    expect(
      doc.context.enumerateIndirectObjects().filter(([, o]) => o instanceof PDFInvalidObject),
    ).toHaveLength(50);
  });
});

describe('the patched pdf-lib reads every PDF as upstream does', () => {
  it('reads well-formed and ordinarily damaged PDFs to the same objects', async () => {
    const content = 'BT /F1 12 Tf 72 712 Td (Hello) Tj ET';
    const cases: Record<string, Uint8Array> = {
      'a pdf-lib document': await samplePdf(3),
      'a right /Length': pdfOf([{ body: `<< /Length ${content.length} >>\nstream\n${content}\nendstream` }]),
      'a /Length too short, endstream later': pdfOf([
        { body: `<< /Length 5 >>\nstream\n${content}\nendstream` },
      ]),
      'a /Length too long': pdfOf([{ body: `<< /Length 500 >>\nstream\n${content}\r\nendstream` }]),
      'no /Length': pdfOf([{ body: `<< >>\nstream\r\n${content}\rendstream` }]),
      'a /Length by reference': pdfOf([
        { body: `<< /Length 9 0 R >>\nstream\n${content}\nendstream` },
        { body: '44' },
      ]),
      'contents that begin with endstream': pdfOf([{ body: '<< /Length 3 >>\nstream\r\nendstream' }]),
      'a stream nested in contents': pdfOf([
        { body: `<< /Length 1 >>\nstream\nstream ${content} endstream\nendstream` },
      ]),
      'an unended stream, then good ones': pdfOf([
        { body: `<< /Length 999 >>\nstream\n${content}` },
        { body: `<< /Length 2 >>\nstream\n${content}\nendstream` },
        { body: `<< /Length ${content.length} >>\nstream\n${content}\nendstream` },
      ]),
      'a missing endobj': pdfOf([{ body: '<< /A 1 >>', open: true }, { body: '<< /B (two) >>' }]),
      'an object that does not parse': pdfOf([{ body: '<< /A ) >>' }, { body: '<< /B 2 >>' }]),
      'an object that neither parses nor closes': pdfOf([
        { body: '<< /A ) >>', open: true },
        { body: '<< /B 2 >>' },
      ]),
      'jibberish between objects': pdfOf([{ body: '<< /A 1 >>' }, { body: '[1 2]' }], 'junk 7 x\n'),
      'blanks and comments between objects': pdfOf([{ body: '<< /A 1 >>' }], 'x   % 1 0 obj\n  %%\n 0 '),
      'a number too long to read before a header': pdfOf([{ body: '1' }], `x${'9'.repeat(400)} 0 obj\n`),
      'a long run of zeros before a header': pdfOf([{ body: '1' }], `x${'0'.repeat(400)}5 0 obj\n`),
      'unended streams without endobj': unendedStreams(20, { closed: false }),
      'a header that fails after blanks and comments': Buffer.from(
        '%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<< /A 1 >>\nendobj\n \t\n\n  % note\r\n  2 x obj\n',
        'latin1',
      ),
      'an object stream': pdfOf([
        {
          body: '<< /Type /ObjStm /N 2 /First 9 /Length 29 >>\nstream\n10 0 11 11 << /A 1 >>  [1 2]\nendstream',
        },
      ]),
    };
    for (const [name, pdf] of Object.entries(cases)) {
      const { patched, upstream } = await bothReadings(pdf);
      expect(patched, name).toEqual(upstream);
    }
  });

  it('skips blanks and comments to the same offset, line and column as upstream', () => {
    const piece = fc.constantFrom(' ', '\n', '\r', '\r\n', '\t', '\0', '\f', '%', '% c 1\n', 'x', 'a%b');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        expectSameSkips(Buffer.from(pieces.join(''), 'latin1'));
      }),
      { numRuns: 500 },
    );
  });

  it('skips long runs of blanks, newlines and comments to the same offset, line and column as upstream', () => {
    // Runs past the length at which the patched loop compares whole blocks, ending anywhere.
    const run = fc
      .tuple(fc.constantFrom(' ', '\n', '\r', '\0', '\t', '% comment '), fc.integer({ min: 1, max: 20_000 }))
      .map(([byte, n]) => (byte.length > 1 ? `${byte}${'c'.repeat(n)}\n` : byte.repeat(n)));
    const piece = fc.oneof(run, fc.constantFrom('x', '\r\n', 'a%b'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        expectSameSkips(Buffer.from(pieces.join(''), 'latin1'));
      }),
      { numRuns: 200 },
    );
  });

  it('parses thousands of objects, sound or broken, without a promise for each', async () => {
    // Upstream made a generator and a promise for every object, and a rejected promise for each
    // that did not parse: for PDFs of thousands of small objects, most of what they cost.
    const sound = smallStreams(1000);
    for (const pdf of [sound, unendedStreams(1000, { closed: false })]) {
      const { promises } = await promisesMade(() => pdfParser(pdf, false).parseDocument());
      expect(promises).toBeLessThan(100);
    }
  });

  it('reads a long run of one blank in blocks, not a byte at a time', () => {
    // What an object stream bomb inflates to: 4 MB of blanks per stream, once read twice a byte.
    for (const blank of [' ', '\n', '\0']) {
      const { bytes, indexReads } = countingReads(Buffer.from(`${blank.repeat(1024 * 1024)}1`, 'latin1'));
      const parser = PDFObjectParser.forBytes(bytes, PDFContext.create()) as unknown as Skipping;
      parser.skipWhitespaceAndComments();
      expect(parser.bytes.position().offset).toBe(1024 * 1024);
      expect(indexReads()).toBeLessThan(10_000);
    }
  });

  it('reads generated damaged PDFs to the same objects', async () => {
    const word = fc.constantFrom(
      'x',
      ' ',
      '\r',
      '\n',
      '\r\n',
      'stream',
      'endstream',
      'endobj',
      'obj',
      '7 0 obj',
      '(',
      ')',
      '>>',
      'end',
      'e',
      '%',
    );
    const contents = fc.array(word, { maxLength: 12 }).map((w) => w.join(''));
    const stream = fc
      .record({
        contents,
        length: fc.constantFrom('right', 'short', 'long', 'none', 'ref'),
        afterKeyword: fc.constantFrom('\n', '\r\n', '\r', ' \r\n', ''),
        beforeEnd: fc.constantFrom('\n', '\r\n', '\r', ''),
        ended: fc.boolean(),
      })
      .map(({ contents: c, length, afterKeyword, beforeEnd, ended }) => {
        const lengths = {
          right: `${c.length}`,
          short: `${Math.max(0, c.length - 3)}`,
          long: `${c.length + 5}`,
        };
        const entry =
          length === 'none' ? '' : length === 'ref' ? '/Length 4 0 R' : `/Length ${lengths[length]}`;
        return `<< ${entry} >>\nstream${afterKeyword}${c}${ended ? `${beforeEnd}endstream` : ''}`;
      });
    const body = fc.oneof(
      stream,
      fc.constantFrom('<< /A 1 >>', '[1 2 (x)]', '<< /A ) >>', '(unbalanced', '12', 'null'),
    );
    const object = fc.record({ body, open: fc.boolean() });
    // What may stand between objects: blanks, comments, numbers (also past what a double holds:
    // 309 digits either side of Number.MAX_VALUE), keywords and pieces of object headers.
    const jibberish = fc
      .array(
        fc.constantFrom(
          'x',
          ' ',
          '\n',
          '\r',
          '%',
          '% c 2 0 obj\n',
          '0',
          '1',
          '12',
          '7 0',
          '8 0 obj ',
          ' obj',
          'obj',
          'trailer',
          // The keywords' first bytes, and pieces of them: where each section may begin.
          't',
          'tr',
          'trai',
          's',
          'st',
          'startxre',
          'xr',
          'xre',
          'xxref',
          `17976931348623157${'0'.repeat(292)}`,
          `17976931348623159${'0'.repeat(292)}`,
          '0'.repeat(320),
          '9'.repeat(310),
        ),
        { maxLength: 10 },
      )
      .map((w) => w.join(''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(object, { minLength: 1, maxLength: 8 }),
        jibberish,
        async (bodies, between) => {
          const { patched, upstream } = await bothReadings(pdfOf(bodies, between));
          expect(patched).toEqual(upstream);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Skips blanks and comments from every offset of `bytes` with the patched and upstream loops alike. */
function expectSameSkips(bytes: Buffer): void {
  const parser = () => PDFObjectParser.forBytes(bytes, PDFContext.create());
  const patched = parser() as unknown as Skipping;
  const upstream = withUpstreamBlanks(parser()) as unknown as Skipping;
  for (;;) {
    patched.skipWhitespaceAndComments();
    upstream.skipWhitespaceAndComments();
    expect(patched.bytes.position()).toEqual(upstream.bytes.position());
    if (patched.bytes.done()) break;
    patched.bytes.next();
    upstream.bytes.next();
  }
}
