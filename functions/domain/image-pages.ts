// Each image, and each TIFF page, becomes one page of the fax (issue 14).
//
// Placement rule: the picture is turned upright (EXIF or TIFF orientation), shrunk to fit inside a
// 10 mm margin and never enlarged beyond its own size: a TIFF's stated resolution (a 200 dpi scan
// prints at its real size), else 200 pixels per inch, about the fax's own fine resolution, so a
// small picture is not blown up into a blur. It sits at the top of the page, centred across.
//
// Nothing is re-encoded where PDF can carry the data as it is: a JPEG goes in as DCTDecode (its
// orientation is a transformation matrix, not a rotated copy), a CCITT G4, G3 or modified Huffman
// page's strips go in as CCITTFaxDecode, LZW, Deflate and PackBits strips as LZWDecode, FlateDecode and RunLengthDecode,
// and a non-interlaced PNG's IDAT data as FlateDecode with the PNG predictor (an alpha channel
// composited onto white by the colour space). A decompression bomb (a small file of many pixels)
// so costs what its bytes cost. Other bilevel TIFF pages are decoded to one bit per pixel, never to
// RGBA; other colour and grey TIFF pages, and interlaced PNGs, are decoded to grey or RGB
// (documents.ts gives those a lower pixel limit).

import { deflateSync, inflateSync } from 'node:zlib';
import {
  concatTransformationMatrix,
  drawObject,
  type PDFDocument,
  PDFHexString,
  type PDFPage,
  type PDFRawStream,
  type PDFRef,
  popGraphicsState,
  pushGraphicsState,
} from '@cantoo/pdf-lib';
import UTIF from 'utif2';
import {
  type ImageSize,
  type Orientation,
  type PngImage,
  pngNeedsDecoding,
  type TiffPage,
} from './image-formats.ts';
import { decodePng, paletteOnWhite } from './png-pixels.ts';

export type PageSize = 'A4' | 'Letter' | 'Legal';

/** Width and height in PDF points (1/72 inch). */
export const PAGE_SIZES: Record<PageSize, readonly [number, number]> = {
  A4: [595.28, 841.89],
  Letter: [612, 792],
  Legal: [612, 1008],
};

const MARGIN = (10 / 25.4) * 72;
/** Pixels per inch below which a picture is not enlarged further. */
export const MIN_PIXELS_PER_INCH = 200;

interface Band {
  ref: PDFRef;
  /** First stored row this image holds, and how many (a TIFF strip is a band of the page). */
  firstRow: number;
  rows: number;
}

/** The transformation that maps the image's unit square onto the box, turned as `orientation` says. */
function orientedMatrix(
  o: Orientation,
  box: { x: number; y: number; w: number; h: number },
): [number, number, number, number, number, number] {
  const { x, y, w, h } = box;
  switch (o) {
    case 1:
      return [w, 0, 0, h, x, y];
    case 2:
      return [-w, 0, 0, h, x + w, y];
    case 3:
      return [-w, 0, 0, -h, x + w, y + h];
    case 4:
      return [w, 0, 0, -h, x, y + h];
    case 5:
      return [0, -h, -w, 0, x + w, y + h];
    case 6:
      return [0, -h, w, 0, x, y + h];
    case 7:
      return [0, h, w, 0, x, y];
    case 8:
      return [0, h, -w, 0, x + w, y];
  }
}

function turnsSideways(o: Orientation): boolean {
  return o >= 5;
}

/** Adds one page to `doc` showing the image made of `bands` (top to bottom), placed by the rule above. */
function addPictureAsPage(doc: PDFDocument, size: ImageSize, bands: Band[], pageSize: PageSize): PDFPage {
  const [pw, ph] = PAGE_SIZES[pageSize];
  const page = doc.addPage([pw, ph]);
  const res = size.resolution ?? { x: MIN_PIXELS_PER_INCH, y: MIN_PIXELS_PER_INCH };
  const storedW = (size.width * 72) / res.x;
  const storedH = (size.height * 72) / res.y;
  const [naturalW, naturalH] = turnsSideways(size.orientation) ? [storedH, storedW] : [storedW, storedH];
  const scale = Math.min(1, (pw - 2 * MARGIN) / naturalW, (ph - 2 * MARGIN) / naturalH);
  const w = naturalW * scale;
  const h = naturalH * scale;
  const box = { x: (pw - w) / 2, y: ph - MARGIN - h, w, h };
  const m = orientedMatrix(size.orientation, box);
  for (const band of bands) {
    const name = page.node.newXObject('Image', band.ref);
    // The band's place in the whole image's unit square (PDF images run bottom to top).
    const bottom = 1 - (band.firstRow + band.rows) / size.height;
    page.pushOperators(
      pushGraphicsState(),
      concatTransformationMatrix(...m),
      concatTransformationMatrix(1, 0, 0, band.rows / size.height, 0, bottom),
      drawObject(name),
      popGraphicsState(),
    );
  }
  return page;
}

/** A JPEG as one page, embedded as it is (DCTDecode). */
export async function addJpegPage(
  doc: PDFDocument,
  bytes: Uint8Array,
  size: ImageSize,
  pageSize: PageSize,
): Promise<void> {
  const image = await doc.embedJpg(bytes);
  addPictureAsPage(doc, size, [{ ref: image.ref, firstRow: 0, rows: size.height }], pageSize);
}

/**
 * A PNG as one page. A non-interlaced PNG goes in as it is: its IDAT data is a zlib stream of rows
 * filtered as PDF's FlateDecode with the PNG predictor (Predictor 15) reads them, so nothing is
 * inflated here whatever its size. A palette becomes an Indexed colour space (its tRNS alphas
 * flattened onto white), a grey or RGB colour key a colour-key Mask (paper shows through), and an
 * alpha channel a DeviceN colour space whose function puts each pixel onto white (alphaOnWhite).
 * Interlaced pictures are decoded by zlib, bounded by the size the header gives (png-pixels.ts),
 * flattened onto white and deflated by zlib again.
 */
export function addPngPage(doc: PDFDocument, png: PngImage, pageSize: PageSize): void {
  const { width, height } = png;
  let stream: PDFRawStream;
  if (!pngNeedsDecoding(png)) {
    const colours = png.channels;
    const colourSpace =
      png.colourType === 3
        ? [
            'Indexed',
            'DeviceRGB',
            (png.palette?.length ?? 3) / 3 - 1,
            PDFHexString.of(Buffer.from(paletteOnWhite(png)).toString('hex')),
          ]
        : png.colourType === 4 || png.colourType === 6
          ? alphaOnWhite(doc, png.colourType)
          : colours === 3
            ? 'DeviceRGB'
            : 'DeviceGray';
    const key = png.colourType === 3 ? undefined : png.transparency;
    const mask = key ? colourKeyMask(key, colours, png.bitDepth) : undefined;
    stream = doc.context.stream(Buffer.concat(png.idat), {
      Type: 'XObject',
      Subtype: 'Image',
      Width: width,
      Height: height,
      BitsPerComponent: png.bitDepth,
      ColorSpace: colourSpace,
      Filter: 'FlateDecode',
      DecodeParms: { Predictor: 15, Colors: colours, BitsPerComponent: png.bitDepth, Columns: width },
      ...(mask ? { Mask: mask } : {}),
    });
  } else {
    const flat = decodePng(png);
    stream = doc.context.stream(deflated(flat.pixels), {
      Type: 'XObject',
      Subtype: 'Image',
      Width: width,
      Height: height,
      BitsPerComponent: 8,
      ColorSpace: flat.channels === 3 ? 'DeviceRGB' : 'DeviceGray',
      Filter: 'FlateDecode',
    });
  }
  addPictureAsPage(doc, png, [{ ref: doc.context.register(stream), firstRow: 0, rows: height }], pageSize);
}

/**
 * Grey + alpha (colour type 4) or RGBA (6) samples as they are, seen on white paper: a DeviceN
 * colour space (ISO 32000-1 8.6.6.5) of the PNG's own channels, whose tint transform, a PostScript
 * calculator function (7.10.5), gives each colour c as c * a + 1 - a in DeviceGray or DeviceRGB.
 * The renderer applies it as it draws, so no pixel is decoded here: a 16-megapixel screenshot
 * costs what its bytes cost. The colorant names are the PNG's own, not Red, Green or Blue: a
 * renderer may draw a colorant its device has directly, without the function.
 */
function alphaOnWhite(doc: PDFDocument, colourType: 4 | 6): (string | string[] | PDFRef)[] {
  const rgb = colourType === 6;
  // RGB: the stack holds r g b a; each colour is read from below, composited and left on top,
  // then the four inputs are rolled over the results and dropped. Grey: g a.
  const program = rgb
    ? '{ 3 index 1 index mul 1 add 1 index sub 3 index 2 index mul 1 add 2 index sub 3 index 3 index mul 1 add 3 index sub 7 3 roll pop pop pop pop }'
    : '{ exch 1 index mul 1 add exch sub }';
  const inputs = rgb ? 4 : 2;
  const outputs = rgb ? 3 : 1;
  const fn = doc.context.stream(program, {
    FunctionType: 4,
    Domain: Array.from({ length: inputs * 2 }, (_, i) => i % 2),
    Range: Array.from({ length: outputs * 2 }, (_, i) => i % 2),
  });
  const names = rgb ? ['PngRed', 'PngGreen', 'PngBlue', 'PngAlpha'] : ['PngGrey', 'PngAlpha'];
  return ['DeviceN', names, rgb ? 'DeviceRGB' : 'DeviceGray', doc.context.register(fn)];
}

/**
 * Decoded pixels deflated by zlib, not pdf-lib's JavaScript deflater. Level 3: on a 4-megapixel
 * screenshot-like picture within 4 % of level 6's size at a third of its time or less.
 */
function deflated(pixels: Uint8Array): Buffer {
  return deflateSync(pixels, { level: 3 });
}

/** A tRNS colour key as a PDF colour-key Mask: each sample's [min max], in the image's own depth. */
function colourKeyMask(key: Uint8Array, colours: number, depth: number): number[] {
  const max = 2 ** depth - 1;
  const mask: number[] = [];
  for (let c = 0; c < colours; c++) {
    const v = Math.min(max, ((key[c * 2] as number) << 8) | (key[c * 2 + 1] as number));
    mask.push(v, v);
  }
  return mask;
}

/**
 * A TIFF page PDF can carry as it is: CCITT G4, G3 (one- or two-dimensional, without T.4's
 * uncompressed mode) or modified Huffman (TIFF compression 2), one bit per pixel, in strips.
 */
function isEmbeddableCcitt(page: TiffPage): boolean {
  return (
    (page.compression === 4 ||
      page.compression === 2 ||
      (page.compression === 3 && (page.t4Options & 2) === 0)) &&
    !page.tiled &&
    page.samplesPerPixel === 1 &&
    page.bitsPerSample[0] === 1 &&
    (page.photometric === 0 || page.photometric === 1) &&
    page.stripOffsets.length > 0 &&
    page.stripOffsets.length === page.stripByteCounts.length &&
    page.stripOffsets.length === Math.ceil(page.height / page.rowsPerStrip)
  );
}

/**
 * How the strips are coded, in CCITTFaxDecode's terms: G4 is K -1; G3 is K 0 (one-dimensional) or
 * K 1 (each line tagged one- or two-dimensional), its lines after end-of-line codes; modified
 * Huffman (compression 2) is K 0 without them, each line starting on a byte.
 */
function ccittCoding(page: TiffPage): { K: number; EncodedByteAlign?: boolean } {
  if (page.compression === 4) return { K: -1 };
  if (page.compression === 2) return { K: 0, EncodedByteAlign: true };
  return { K: (page.t4Options & 1) === 1 ? 1 : 0 };
}

function reversedBits(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    let b = data[i] as number;
    b = ((b & 0xf0) >> 4) | ((b & 0x0f) << 4);
    b = ((b & 0xcc) >> 2) | ((b & 0x33) << 2);
    b = ((b & 0xaa) >> 1) | ((b & 0x55) << 1);
    out[i] = b;
  }
  return out;
}

/**
 * Each G4 strip as an image of its own: a strip is coded from a white reference line, so strips
 * cannot be joined into one stream, but drawn one under the other they make the page.
 */
function ccittBands(doc: PDFDocument, bytes: Uint8Array, page: TiffPage): Band[] {
  return eachStrip(doc, bytes, page, (stored, rows) => {
    // PDF reads CCITT data most significant bit first; FillOrder 2 stores it the other way round.
    const data = page.fillOrder === 2 ? reversedBits(stored) : stored;
    return doc.context.stream(data, {
      Type: 'XObject',
      Subtype: 'Image',
      Width: page.width,
      Height: rows,
      BitsPerComponent: 1,
      ColorSpace: 'DeviceGray',
      Filter: 'CCITTFaxDecode',
      DecodeParms: { ...ccittCoding(page), Columns: page.width, Rows: rows, BlackIs1: false },
      // CCITT codes white and black runs; BlackIsZero TIFFs show them the other way round.
      ...(page.photometric === 1 ? { Decode: [1, 0] } : {}),
    });
  });
}

/** One image per strip, each made by `image` from the strip's stored bytes and its rows. */
function eachStrip(
  doc: PDFDocument,
  bytes: Uint8Array,
  page: TiffPage,
  image: (stored: Uint8Array, rows: number) => PDFRawStream,
): Band[] {
  const bands: Band[] = [];
  for (const [i, offset] of page.stripOffsets.entries()) {
    const firstRow = i * page.rowsPerStrip;
    const rows = Math.min(page.rowsPerStrip, page.height - firstRow);
    const length = page.stripByteCounts[i] as number;
    if (offset + length > bytes.length) throw new RangeError('a strip lies outside the file');
    const stream = image(bytes.subarray(offset, offset + length), rows);
    bands.push({ ref: doc.context.register(stream), firstRow, rows });
  }
  return bands;
}

/** How PDF reads a TIFF compression as it is (PackBits is PDF's RunLengthDecode). */
const TIFF_FILTERS: Record<number, string | undefined> = {
  1: undefined,
  5: 'LZWDecode',
  8: 'FlateDecode',
  32946: 'FlateDecode',
  32773: 'RunLengthDecode',
};

/** Colour components a photometric interpretation has: grey (0, 1), RGB (2), palette (3). */
const TIFF_COMPONENTS: Record<number, number> = { 0: 1, 1: 1, 2: 3, 3: 1 };

/**
 * A TIFF page whose strips PDF reads as they are: uncompressed, LZW, Deflate or PackBits, in
 * strips, chunky (no separate planes), no extra (alpha) samples, 1 or 8 bits a sample, the
 * horizontal predictor only on 8-bit samples, grey, RGB or palette. Nothing of it is
 * decoded here, so a strip that inflates to far more than its page costs nothing.
 */
function isEmbeddableStrips(page: TiffPage, bytes: Uint8Array): boolean {
  const components = TIFF_COMPONENTS[page.photometric];
  const bits = page.bitsPerSample[0] as number;
  const predictor = first(page, 317, 1);
  const lzw = page.compression === 5;
  return (
    page.compression in TIFF_FILTERS &&
    components !== undefined &&
    !page.tiled &&
    page.samplesPerPixel === components &&
    !page.tags.has(338) &&
    (page.samplesPerPixel === 1 || first(page, 284, 1) === 1) &&
    page.bitsPerSample.every((b) => b === bits) &&
    (bits === 8 || (bits === 1 && page.photometric !== 2)) &&
    (predictor === 1 || (predictor === 2 && bits === 8)) &&
    (page.photometric !== 3 || (page.tags.get(320)?.length ?? 0) === 3 * 2 ** bits) &&
    page.fillOrder === 1 &&
    page.stripOffsets.length > 0 &&
    page.stripOffsets.length === page.stripByteCounts.length &&
    page.stripOffsets.length === Math.ceil(page.height / page.rowsPerStrip) &&
    // LZW as TIFF 6 writes it (a clear code first, most significant bit first), not the old kind.
    (!lzw || page.stripOffsets.every((o, i) => (page.stripByteCounts[i] ?? 0) === 0 || bytes[o] === 0x80))
  );
}

function first(page: TiffPage, tag: number, fallback: number): number {
  const v = page.tags.get(tag);
  return v && v.length > 0 ? (v[0] as number) : fallback;
}

/** Each strip as an image of its own, its data as the file has it, drawn one under the other. */
function stripBands(doc: PDFDocument, bytes: Uint8Array, page: TiffPage): Band[] {
  const bits = page.bitsPerSample[0] as number;
  const colours = page.samplesPerPixel;
  const filter = TIFF_FILTERS[page.compression];
  const colourSpace =
    page.photometric === 3
      ? [
          'Indexed',
          'DeviceRGB',
          2 ** bits - 1,
          PDFHexString.of(Buffer.from(colourMapOf(page, bits)).toString('hex')),
        ]
      : page.photometric === 2
        ? 'DeviceRGB'
        : 'DeviceGray';
  const predicted = first(page, 317, 1) === 2;
  return eachStrip(doc, bytes, page, (stored, rows) =>
    doc.context.stream(stored, {
      Type: 'XObject',
      Subtype: 'Image',
      Width: page.width,
      Height: rows,
      BitsPerComponent: bits,
      ColorSpace: colourSpace,
      ...(filter ? { Filter: filter } : {}),
      ...(predicted
        ? { DecodeParms: { Predictor: 2, Colors: colours, BitsPerComponent: bits, Columns: page.width } }
        : {}),
      // WhiteIsZero: 0 is white.
      ...(page.photometric === 0 ? { Decode: [1, 0] } : {}),
    }),
  );
}

/** A TIFF ColorMap (all reds, then greens, then blues, 16 bits each) as PDF's RGB lookup table. */
function colourMapOf(page: TiffPage, bits: number): Uint8Array {
  const map = page.tags.get(320) ?? [];
  const entries = 2 ** bits;
  const lookup = new Uint8Array(entries * 3);
  for (let i = 0; i < entries; i++) {
    for (let c = 0; c < 3; c++) lookup[i * 3 + c] = ((map[c * entries + i] as number) ?? 0) >> 8;
  }
  return lookup;
}

/** utif2's own directory form, built from the bounded reader's tags, so it decodes only this page. */
function utifDirectory(page: TiffPage): UTIF.IFD {
  const ifd: Record<string, unknown> = {};
  for (const [tag, values] of page.tags) {
    if (tag === 282 || tag === 283) continue; // rationals; decoding does not use them
    ifd[`t${tag}`] = values instanceof Uint8Array ? values : [...values];
  }
  return ifd as unknown as UTIF.IFD;
}

/** Bytes a TIFF page's samples take once decoded. */
export function decodedBytesOf(page: TiffPage): number {
  const bits = page.bitsPerSample.reduce((a, b) => a + b, 0) || 1;
  return page.height * Math.ceil((page.width * bits) / 8);
}

/**
 * utif2 inflates Deflate strips with pako, as far as they go: a strip of a megabyte can inflate to
 * a gigabyte. zlib inflates them first, never past what the page's pixels need (tiles padded, and
 * some slack), and a page whose strips go past that is damaged.
 */
function checkInflatedSize(file: ArrayBuffer, page: TiffPage): void {
  let left = 2 * decodedBytesOf(page) + 1024 * 1024;
  for (const [i, offset] of page.stripOffsets.entries()) {
    const length = page.stripByteCounts[i] ?? 0;
    if (length === 0) continue;
    if (left <= 0 || offset + length > file.byteLength)
      throw new RangeError('a strip inflates past its page');
    left -= inflateSync(new Uint8Array(file, offset, length), { maxOutputLength: left }).byteLength;
  }
}

function decodedBand(doc: PDFDocument, file: ArrayBuffer, page: TiffPage): Band {
  if (page.compression === 8 || page.compression === 32946) checkInflatedSize(file, page);
  const ifd = utifDirectory(page);
  UTIF.decodeImage(file, ifd);
  const { width, height } = page;
  if (isBilevel(page)) {
    // utif2 gives packed rows, 0 for white runs in WhiteIsZero files: stays one bit per pixel.
    const stream = doc.context.stream(deflated(ifd.data.subarray(0, Math.ceil(width / 8) * height)), {
      Type: 'XObject',
      Filter: 'FlateDecode',
      Subtype: 'Image',
      Width: width,
      Height: height,
      BitsPerComponent: 1,
      ColorSpace: 'DeviceGray',
      ...(page.photometric === 0 ? { Decode: [1, 0] } : {}),
    });
    return { ref: doc.context.register(stream), firstRow: 0, rows: height };
  }
  const rgba = UTIF.toRGBA8(ifd);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    // Transparent parts on white paper.
    const a = rgba[i + 3] as number;
    const white = 255 - a;
    rgb[j] = ((rgba[i] as number) * a) / 255 + white;
    rgb[j + 1] = ((rgba[i + 1] as number) * a) / 255 + white;
    rgb[j + 2] = ((rgba[i + 2] as number) * a) / 255 + white;
  }
  const stream = doc.context.stream(deflated(rgb), {
    Type: 'XObject',
    Filter: 'FlateDecode',
    Subtype: 'Image',
    Width: width,
    Height: height,
    BitsPerComponent: 8,
    ColorSpace: 'DeviceRGB',
  });
  return { ref: doc.context.register(stream), firstRow: 0, rows: height };
}

/**
 * Whether a TIFF page is decoded here to be faxed, and to what: nothing (G4 or strips PDF reads as
 * they are), one bit per pixel, or 8-bit samples (decoding costs with the pixels, not the bytes).
 */
export function tiffPageDecoding(page: TiffPage, bytes: Uint8Array): 'none' | 'bilevel' | 'samples' {
  if (isEmbeddableCcitt(page) || isEmbeddableStrips(page, bytes)) return 'none';
  return isBilevel(page) ? 'bilevel' : 'samples';
}

/** Compressions utif2 decodes as TIFF 6 writes them (none, CCITT, LZW, JPEG, Deflate, PackBits). */
const DECODED_COMPRESSIONS = new Set([1, 2, 3, 4, 5, 7, 8, 32773, 32946]);

/**
 * Why a TIFF page that must be decoded (see tiffPageDecoding) cannot be, or undefined when it can:
 * the forms utif2 reads wrongly without an error, checked against libtiff's and Pillow's test
 * pictures (a garbled, blank or negative page, or a decoder that never ends), and those it throws
 * on. A page PDF reads as it is never gets here. Grey of 1, 8 or 16 bits, RGB of 8 or 16 bits (with
 * or without alpha), palettes of up to 8 bits and YCbCr, in one plane, are decoded (and 2-bit
 * black-is-zero grey).
 */
export function unsupportedTiffForm(page: TiffPage, bytes: Uint8Array): string | undefined {
  const bits = page.bitsPerSample[0] as number;
  const grey = page.photometric === 0 || page.photometric === 1;
  if (!DECODED_COMPRESSIONS.has(page.compression)) {
    return page.compression === 6 ? 'old-style JPEG compression' : `compression ${page.compression}`;
  }
  if (page.photometric === 5) return 'CMYK colour';
  if (page.photometric === 8 || page.photometric === 9 || page.photometric === 10) return 'Lab colour';
  if (![0, 1, 2, 3, 6].includes(page.photometric)) return `photometric interpretation ${page.photometric}`;
  if ((page.tags.get(339) ?? []).some((format) => format !== 1)) return 'signed or floating-point samples';
  if (page.samplesPerPixel > 1 && first(page, 284, 1) !== 1) return 'separate colour planes';
  if (grey && page.samplesPerPixel > 1) return 'grey with transparency';
  if (!page.bitsPerSample.every((b) => b === bits)) return 'samples of different sizes';
  // 2-bit grey reads right black-is-zero only (libtiff's and Pillow's pictures).
  if (grey && ![1, 8, 16].includes(bits) && !(bits === 2 && page.photometric === 1))
    return `${bits}-bit grey`;
  if (page.photometric === 2 && ![8, 16].includes(bits)) return `${bits}-bit colour`;
  if (page.photometric === 3 && ![1, 2, 4, 8].includes(bits)) return `a ${bits}-bit palette`;
  if (page.compression === 7 && page.photometric === 2) return 'JPEG compression of RGB (not YCbCr) colour';
  if (page.fillOrder !== 1 && !isBilevel(page)) return 'bits in reverse order';
  // LZW as TIFF 5 wrote it: utif2's decoder did not end on such a strip.
  if (
    page.compression === 5 &&
    page.stripOffsets.some((o, i) => (page.stripByteCounts[i] ?? 0) > 0 && bytes[o] !== 0x80)
  ) {
    return 'old-style LZW compression';
  }
  return undefined;
}

function isBilevel(page: TiffPage): boolean {
  return page.samplesPerPixel === 1 && page.bitsPerSample[0] === 1 && page.photometric <= 1;
}

/** Adds one page per TIFF page, in file order. */
export function addTiffPages(
  doc: PDFDocument,
  bytes: Uint8Array,
  pages: TiffPage[],
  pageSize: PageSize,
): void {
  let file: ArrayBuffer | undefined;
  for (const page of pages) {
    if (isEmbeddableCcitt(page)) {
      addPictureAsPage(doc, page, ccittBands(doc, bytes, page), pageSize);
      continue;
    }
    if (isEmbeddableStrips(page, bytes)) {
      addPictureAsPage(doc, page, stripBands(doc, bytes, page), pageSize);
      continue;
    }
    // utif2 reads from an ArrayBuffer of the file alone: one copy, shared by all its pages.
    file ??= bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    addPictureAsPage(doc, page, [decodedBand(doc, file, page)], pageSize);
  }
}
