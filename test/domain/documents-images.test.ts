import { PDFDocument, PDFName, PDFRawStream } from '@cantoo/pdf-lib';
import { describe, expect, it } from 'vitest';
import { type DocumentDecision, prepareFaxDocument } from '../../functions/domain/documents.ts';
import type { MailPart } from '../../functions/domain/inbound-mail.ts';
import { type Grey, jpegOf, pngOf, storedFor, testPicture, tiffOf } from '../fixtures/images.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';
import { differenceFrom, inkBox, renderPage } from '../support/render-pdf.ts';

const limits = { maxPages: 100, maxDocumentBytes: 20 * 1024 * 1024 };

function part(content: Buffer, filename?: string, contentType = 'application/octet-stream'): MailPart {
  return { content, contentType, disposition: 'attachment', ...(filename ? { filename } : {}) };
}

async function faxed(parts: MailPart[], custom: Parameters<typeof prepareFaxDocument>[1] = limits) {
  const decision = await prepareFaxDocument(parts, custom);
  if (!decision.ok) throw new Error(`not faxed: ${decision.detail}`);
  return decision;
}

/** Every page's size in points, rounded. */
async function pageSizes(bytes: Uint8Array): Promise<[number, number][]> {
  const doc = await PDFDocument.load(bytes);
  return doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())]);
}

/** The filters of the document's image streams, so a test can see what was embedded as it came. */
async function imageFilters(bytes: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(bytes);
  const filters: string[] = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (object instanceof PDFRawStream && object.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')) {
      filters.push(String(object.dict.get(PDFName.of('Filter')) ?? 'none'));
    }
  }
  return filters;
}

const TOLERANCE = 0.08;

/** The TIFF with the first directory's SHORT or LONG tags set to these single values. */
function withTags(tiff: Buffer, values: Record<number, number>): Buffer {
  const out = Buffer.from(tiff);
  const dir = out.readUInt32LE(4);
  for (let i = 0; i < out.readUInt16LE(dir); i++) {
    const e = dir + 2 + i * 12;
    const value = values[out.readUInt16LE(e)];
    if (value === undefined) continue;
    if (out.readUInt16LE(e + 2) === 3) out.writeUInt16LE(value, e + 8);
    else out.writeUInt32LE(value, e + 8);
  }
  return out;
}

function expectPageShows(pdf: Uint8Array, page: number, picture: Grey): void {
  const difference = differenceFrom(renderPage(pdf, page), picture);
  expect(difference, `page ${page} is blank`).toBeDefined();
  expect(difference).toBeLessThan(TOLERANCE);
}

describe('images become pages', () => {
  const upright = testPicture(600, 800);

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'a phone JPEG stored with EXIF orientation %i prints upright',
    async (o) => {
      const decision = await faxed([part(jpegOf(storedFor(upright, o), o), 'IMG_2041.JPG', 'image/jpeg')]);
      expect(decision.document.pages).toBe(1);
      expect(decision.document.files).toMatchObject([{ filename: 'IMG_2041.JPG', pages: 1, kind: 'jpeg' }]);
      // Embedded as it came, turned by the page's matrix: no second JPEG, no decoded copy.
      expect(await imageFilters(decision.document.bytes)).toEqual(['/DCTDecode']);
      expectPageShows(decision.document.bytes, 1, upright);
    },
  );

  it('the reference comparison tells a turned or blank page from an upright one', async () => {
    const turned = await faxed([part(jpegOf(storedFor(upright, 6)), 'no-exif.jpg')]);
    expect(differenceFrom(renderPage(turned.document.bytes, 1), upright) ?? 1).toBeGreaterThan(TOLERANCE);
    const blank = await PDFDocument.create();
    blank.addPage();
    expect(differenceFrom(renderPage(await blank.save(), 1), upright)).toBeUndefined();
  });

  it('a PNG screenshot becomes an A4 page, shrunk to fit inside the margin', async () => {
    const screenshot = testPicture(2560, 1440);
    const decision = await faxed([
      part(pngOf(screenshot), 'Screenshot 2026-11-30 at 10.12.03.png', 'image/png'),
    ]);
    expect(await pageSizes(decision.document.bytes)).toEqual([[595, 842]]);
    const render = renderPage(decision.document.bytes, 1, 72); // one pixel per point
    const box = inkBox(render);
    const margin = (10 / 25.4) * 72;
    expect(box?.x).toBeGreaterThanOrEqual(Math.floor(margin));
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(Math.ceil(595 - margin));
    expectPageShows(decision.document.bytes, 1, screenshot);
  });

  it('a small picture is not enlarged past 200 pixels per inch', async () => {
    const decision = await faxed([part(pngOf(testPicture(200, 100)), 'logo.png')]);
    const box = inkBox(renderPage(decision.document.bytes, 1, 72));
    expect(box?.width).toBeGreaterThanOrEqual(71);
    expect(box?.width).toBeLessThanOrEqual(73); // 200 px at 200 ppi: one inch
  });

  it('follows the configured page size', async () => {
    const png = part(pngOf(testPicture(300, 300)), 'a.png');
    expect(await pageSizes((await faxed([png], { ...limits, pageSize: 'Letter' })).document.bytes)).toEqual([
      [612, 792],
    ]);
    expect(await pageSizes((await faxed([png], { ...limits, pageSize: 'Legal' })).document.bytes)).toEqual([
      [612, 1008],
    ]);
  });

  it('a multi-page CCITT G4 TIFF as scanners write it: one page each, embedded without decoding', async () => {
    // 200 dpi A4 pages, like a scanner's "black and white, 200 dpi" setting.
    const pages = [testPicture(1654, 2339), storedFor(testPicture(1654, 2339), 3), testPicture(800, 1100)];
    const decision = await faxed([
      part(tiffOf(pages, { compression: 'g4', dpi: 200 }), 'scan0001.tif', 'image/tiff'),
    ]);
    expect(decision.document.pages).toBe(3);
    expect(decision.document.files).toMatchObject([{ filename: 'scan0001.tif', pages: 3, kind: 'tiff' }]);
    expect(await pageSizes(decision.document.bytes)).toEqual([
      [595, 842],
      [595, 842],
      [595, 842],
    ]);
    expect(await imageFilters(decision.document.bytes)).toEqual([
      '/CCITTFaxDecode',
      '/CCITTFaxDecode',
      '/CCITTFaxDecode',
    ]);
    // The document is about as large as the TIFF: nothing was inflated.
    expect(decision.document.bytes.byteLength).toBeLessThan(3 * tiffOf(pages, { compression: 'g4' }).length);
    for (const [i, page] of pages.entries()) expectPageShows(decision.document.bytes, i + 1, page);
    // The 800 x 1100 page at 200 dpi is 4 x 5.5 inches: its real size, not stretched to the page.
    const small = inkBox(renderPage(decision.document.bytes, 3, 72));
    expect(small?.width).toBeGreaterThanOrEqual(287);
    expect(small?.width).toBeLessThanOrEqual(289);
  });

  it('a G4 TIFF in several strips, least significant bit first, still makes whole pages', async () => {
    const picture = testPicture(1000, 1300);
    const tiff = tiffOf([picture], { compression: 'g4', rowsPerStrip: 128, fillOrder: 2 });
    const decision = await faxed([part(tiff, 'fax.tiff')]);
    expect(await imageFilters(decision.document.bytes)).toHaveLength(11);
    expectPageShows(decision.document.bytes, 1, picture);
  });

  it.each([
    ['g3-1d', false, 1],
    ['g3-1d', true, 1],
    ['g3-2d', false, 2],
    ['g3-2d', true, 1],
    ['mh', false, 1],
  ] as const)(
    'a %s TIFF (fill bits %s, fill order %s) goes in as CCITTFaxDecode, not decoded',
    async (compression, fillBits, fillOrder) => {
      const pages = [testPicture(700, 900), testPicture(900, 700)];
      const tiff = tiffOf(pages, { compression, fillBits, fillOrder, rowsPerStrip: 256 });
      const decision = await faxed([part(tiff, 'fax.tif')]);
      const filters = await imageFilters(decision.document.bytes);
      expect(filters).toHaveLength(4 + 3);
      expect(new Set(filters)).toEqual(new Set(['/CCITTFaxDecode']));
      for (const [i, page] of pages.entries()) expectPageShows(decision.document.bytes, i + 1, page);
    },
  );

  it.each([
    ['lzw-grey', 1, 'LZWDecode'],
    ['lzw-grey', 2, 'LZWDecode'],
    ['lzw-bilevel', 1, 'LZWDecode'],
    ['deflate-grey', 1, 'FlateDecode'],
    ['deflate-grey', 2, 'FlateDecode'],
    ['deflate-rgb', 2, 'FlateDecode'],
    ['packbits-bilevel', 1, 'RunLengthDecode'],
    ['deflate-grey', 2, 'FlateDecode', 'palette'],
  ] as const)(
    'an %s TIFF (predictor %s) is faxed with its strips as they are (%s) %s',
    async (compression, predictor, filter, palette?: string) => {
      const pages = [testPicture(700, 900), testPicture(900, 700)];
      const tiff = tiffOf(pages, {
        compression,
        predictor,
        rowsPerStrip: 64,
        palette: palette === 'palette',
      });
      const decision = await faxed([part(tiff, 'scan.tif')]);
      expect(decision.document.pages).toBe(2);
      // One image per strip (15 and 11), each the strip's own bytes: nothing decoded here.
      const filters = await imageFilters(decision.document.bytes);
      expect(filters).toHaveLength(15 + 11);
      expect(new Set(filters)).toEqual(new Set([`/${filter}`]));
      for (const [i, page] of pages.entries()) expectPageShows(decision.document.bytes, i + 1, page);
    },
  );

  it('a TIFF page PDF cannot read as it is (16-bit grey) is decoded and faxed', async () => {
    // The rows of an 8-bit grey page of 700 pixels read as 16-bit samples, 350 a row.
    const tiff = withTags(
      tiffOf([testPicture(700, 900)], { compression: 'deflate-grey', rowsPerStrip: 64 }),
      {
        256: 350,
        258: 16,
      },
    );
    const decision = await faxed([part(tiff, 'scan.tif')]);
    expect(await imageFilters(decision.document.bytes)).toEqual(['/FlateDecode']);
    expect(inkBox(renderPage(decision.document.bytes, 1))).toBeDefined();
  });

  it('a TIFF in a form the decoder would garble is refused with its form named, not faxed', async () => {
    // Each was faxed as a garbled, blank, black or negative page, or never finished decoding, when
    // libtiff's and Pillow's test pictures were run through (utif2 reads them wrongly without an
    // error), or refused as "damaged" (CMYK: utif2 throws on a browser global).
    const picture = testPicture(350, 300);
    const grey16 = { 256: 175, 258: 16 };
    const cases: [string, Buffer, RegExp][] = [
      [
        'separate planes',
        tiffOf([picture], { compression: 'deflate-rgb', extraTags: [[284, 3, [2]]] }),
        /separate colour planes/,
      ],
      ['CMYK', withTags(tiffOf([picture], { compression: 'deflate-rgb' }), { 262: 5 }), /CMYK colour/],
      ['Lab', withTags(tiffOf([picture], { compression: 'deflate-rgb' }), { 262: 8 }), /Lab colour/],
      [
        'LZMA',
        withTags(tiffOf([picture], { compression: 'deflate-grey' }), { 259: 34925 }),
        /compression 34925/,
      ],
      [
        '4-bit grey',
        withTags(tiffOf([picture], { compression: 'deflate-grey' }), { 256: 700, 258: 4 }),
        /4-bit grey/,
      ],
      [
        'floating-point grey',
        withTags(tiffOf([picture], { compression: 'deflate-grey', extraTags: [[339, 3, [3]]] }), grey16),
        /floating-point samples/,
      ],
      [
        'grey with alpha',
        withTags(tiffOf([picture], { compression: 'deflate-grey', extraTags: [[338, 3, [2]]] }), { 277: 2 }),
        /grey with transparency/,
      ],
      [
        'JPEG of RGB',
        withTags(tiffOf([picture], { compression: 'deflate-rgb' }), { 259: 7 }),
        /JPEG compression of RGB/,
      ],
      [
        'reversed bits',
        withTags(tiffOf([picture], { compression: 'deflate-grey', fillOrder: 2 }), grey16),
        /bits in reverse order/,
      ],
    ];
    for (const [name, tiff, form] of cases) {
      const decision = await prepareFaxDocument([part(tiff, 'scan.tif')], limits);
      expect(decision, name).toMatchObject({
        ok: false,
        problem: 'unsupported-picture',
        files: ['scan.tif'],
      });
      expect(decision.ok ? '' : decision.detail, name).toMatch(form);
    }
    // An LZW strip as TIFF 5 wrote it (no clear code first) on a page that must be decoded.
    const old = Buffer.from(withTags(tiffOf([picture], { compression: 'lzw-grey' }), grey16));
    const dir = old.readUInt32LE(4);
    for (let i = 0; i < old.readUInt16LE(dir); i++) {
      const e = dir + 2 + i * 12;
      if (old.readUInt16LE(e) === 273) old[old.readUInt32LE(e + 8)] = 0x00;
    }
    expect(await prepareFaxDocument([part(old, 'old.tif')], limits)).toMatchObject({
      ok: false,
      problem: 'unsupported-picture',
      detail: expect.stringMatching(/old-style LZW/),
    });
  });

  it('a decoded TIFF page whose Deflate strips inflate to more than the page is damaged', async () => {
    // 2000 rows under a header that says 200: zlib stops at the page's size, pako would have gone on.
    const tiff = withTags(tiffOf([testPicture(2000, 2000)], { compression: 'deflate-grey' }), {
      256: 1000,
      257: 200,
      258: 16,
      278: 200,
    });
    const decision = await prepareFaxDocument([part(tiff, 'scan.tif')], limits);
    expect(decision).toMatchObject({ ok: false, problem: 'damaged', files: ['scan.tif'] });
  });

  it('PDFs and pictures are merged in mail order, each listed with its pages', async () => {
    const photo = testPicture(600, 800);
    const decision = await faxed([
      part(Buffer.from(await samplePdf(2)), 'contract.pdf', 'application/pdf'),
      part(jpegOf(photo), 'signature-page.jpg', 'image/jpeg'),
      part(Buffer.from(await samplePdf(1)), 'annex.pdf', 'application/pdf'),
    ]);
    expect(decision.document.files.map((f) => [f.filename, f.pages])).toEqual([
      ['contract.pdf', 2],
      ['signature-page.jpg', 1],
      ['annex.pdf', 1],
    ]);
    expect(decision.document.pages).toBe(4);
    expectPageShows(decision.document.bytes, 3, photo);
  });
});

describe('images that are not faxed, and limits', () => {
  it('an image embedded in the HTML body (a signature logo) is not faxed; one attached inline is', async () => {
    const logo: MailPart = { ...part(pngOf(testPicture(120, 40)), 'logo.png', 'image/png'), embedded: true };
    const inline: MailPart = { ...part(jpegOf(testPicture(300, 400)), 'IMG_1.jpg'), disposition: 'inline' };
    const decision = await faxed([logo, inline]);
    expect(decision.document.files.map((f) => f.filename)).toEqual(['IMG_1.jpg']);
    expect(decision.ignored).toEqual([]);
    const onlyLogo = await prepareFaxDocument([logo], limits);
    expect(onlyLogo).toMatchObject({ ok: false, problem: 'no-pdf' });
  });

  it('HEIC photos and Word files are named with what to save them as', async () => {
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
    ]);
    const decision = await prepareFaxDocument(
      [part(heic, 'IMG_5001.HEIC', 'image/heic'), part(Buffer.from('PK\u0003\u0004'), 'offer.docx')],
      limits,
    );
    expect(decision).toMatchObject({ ok: false, problem: 'no-pdf' });
    const detail = (decision as Extract<DocumentDecision, { ok: false }>).detail;
    expect(detail).toContain('IMG_5001.HEIC (save or export it as JPEG or PDF)');
    expect(detail).toContain('offer.docx (save or export it as PDF)');
  });

  it('a picture over the pixel limit is refused from its header, before any decoding', async () => {
    // A PNG header claiming 100,000 x 100,000 pixels, with no pixel data at all.
    const png = Buffer.from(pngOf(testPicture(10, 10)));
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    const decision = await prepareFaxDocument([part(png, 'bomb.png')], limits);
    expect(decision).toMatchObject({ ok: false, problem: 'image-too-large', files: ['bomb.png'] });
    expect((decision as { detail: string }).detail).toMatch(
      /100000 x 100000 pixels .* at most 40\.0 megapixels/,
    );
    const tiff = tiffOf([testPicture(100, 100)], { compression: 'g4' });
    const small = await prepareFaxDocument([part(tiff, 't.tif')], { ...limits, maxImagePixels: 9_999 });
    expect(small).toMatchObject({ ok: false, problem: 'image-too-large' });
  });

  it('counts TIFF pages against the page limit', async () => {
    const tiff = tiffOf(
      Array.from({ length: 6 }, () => testPicture(80, 100)),
      { compression: 'g4' },
    );
    const decision = await prepareFaxDocument([part(tiff, 'long.tif')], { ...limits, maxPages: 5 });
    expect(decision).toMatchObject({ ok: false, problem: 'too-many-pages' });
  });

  it('a TIFF whose directories loop, or that lie about their sizes, is refused, not followed', async () => {
    const tiff = tiffOf([testPicture(80, 100)], { compression: 'g4' });
    const looped = Buffer.from(tiff);
    const first = looped.readUInt32LE(4);
    const entries = looped.readUInt16LE(first);
    looped.writeUInt32LE(first, first + 2 + entries * 12); // the next directory is itself
    const once = await faxed([part(looped, 'loop.tif')]);
    expect(once.document.pages).toBe(1);
    for (const damaged of [tiff.subarray(0, 40), Buffer.from('II*\0\xff\xff\xff\x7f', 'latin1')]) {
      const decision = await prepareFaxDocument([part(Buffer.from(damaged), 'bad.tif')], limits);
      expect(decision).toMatchObject({ ok: false, problem: 'damaged', files: ['bad.tif'] });
    }
  });

  it('a JPEG without a frame header is damaged', async () => {
    const decision = await prepareFaxDocument([part(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'x.jpg')], limits);
    expect(decision).toMatchObject({ ok: false, problem: 'damaged' });
  });
});
