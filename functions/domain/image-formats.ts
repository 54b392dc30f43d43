// Images a sender attaches (PRODUCT.md section 4, issue 14): JPEG, PNG and TIFF, recognised by their
// bytes. Everything here reads headers only, so a decompression bomb is measured before anything is
// decoded: dimensions, orientation and, for TIFF, each page's strips and compression.
//
// TIFF directories are read here rather than by utif2's own reader: that one follows directory and
// sub-directory offsets without end (a cyclic file loops) and builds arrays as long as a tag claims
// (a 100-byte file can claim four billion values). This reader is bounded; utif2 decodes only the
// pixels of a page this reader has already measured.

export type ImageKind = 'jpeg' | 'png' | 'tiff';

/** EXIF/TIFF orientation 1-8: how the stored rows and columns are turned to be seen upright. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface ImageSize {
  width: number;
  height: number;
  orientation: Orientation;
  /** Pixels per inch across and down, where the file states a plausible one (scanners do). */
  resolution?: { x: number; y: number };
}

/** One TIFF page as its directory describes it; `tags` holds each tag's values by number. */
export interface TiffPage extends ImageSize {
  compression: number;
  bitsPerSample: number[];
  samplesPerPixel: number;
  photometric: number;
  fillOrder: number;
  t4Options: number;
  rowsPerStrip: number;
  stripOffsets: number[];
  stripByteCounts: number[];
  tiled: boolean;
  littleEndian: boolean;
  tags: Map<number, number[] | Uint8Array>;
}

export function imageKindOf(bytes: Uint8Array): ImageKind | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return 'png';
  if (bytes.length >= 8) {
    const ii = bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0;
    const mm = bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42;
    if (ii || mm) return 'tiff';
  }
  return undefined;
}

/** Formats people attach that are not faxed, by their bytes, with what to do instead. */
export function unsupportedFormatOf(bytes: Uint8Array, filename: string | undefined): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 64));
  const ascii = head.toString('latin1');
  const name = (filename ?? '').toLowerCase();
  if (ascii.slice(4, 8) === 'ftyp' && /heic|heix|hevc|mif1|msf1|heis|avif/.test(ascii.slice(8, 32)))
    return 'photo';
  if (/\.(heic|heif|avif|webp|gif|bmp)$/.test(name) || ascii.startsWith('GIF8') || ascii.startsWith('BM'))
    return 'photo';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'photo';
  if (/\.(docx?|xlsx?|pptx?|odt|ods|odp|rtf|pages|numbers|key|txt|csv)$/.test(name)) return 'document';
  return undefined;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
  ) {}
  u16(at: number): number {
    const b = this.bytes;
    if (at < 0 || at + 2 > b.length) throw new RangeError('outside the file');
    return this.littleEndian
      ? (b[at] as number) | ((b[at + 1] as number) << 8)
      : ((b[at] as number) << 8) | (b[at + 1] as number);
  }
  u32(at: number): number {
    const b = this.bytes;
    if (at < 0 || at + 4 > b.length) throw new RangeError('outside the file');
    return this.littleEndian
      ? ((b[at] as number) |
          ((b[at + 1] as number) << 8) |
          ((b[at + 2] as number) << 16) |
          ((b[at + 3] as number) << 24)) >>>
          0
      : (((b[at] as number) << 24) |
          ((b[at + 1] as number) << 16) |
          ((b[at + 2] as number) << 8) |
          (b[at + 3] as number)) >>>
          0;
  }
}

// More values than any real tag holds (strip offsets of a tall page at one row per strip included).
const MAX_TAG_VALUES = 1 << 20;
// Values read from all of a file's directories together: a directory may name 65,535 tags of a
// million values each, which took the worker to its deadline to read (issue 11 item 9).
const MAX_FILE_TAG_VALUES = 1 << 22;
// Pages per TIFF the reader walks; the fax's own page limit is far lower.
const MAX_TIFF_PAGES = 10_000;
const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  13: 4,
};

/** What is left of a file's MAX_FILE_TAG_VALUES. */
interface TagBudget {
  values: number;
}

/**
 * The tags of one directory; rationals are kept as numerator/denominator pairs flattened. A tag is
 * read once (TIFF names each once; a repeat is ignored), and past the file's budget of values the
 * file is refused as unreadable.
 */
function readDirectory(
  r: Reader,
  at: number,
  budget: TagBudget = { values: MAX_FILE_TAG_VALUES },
): { tags: Map<number, number[] | Uint8Array>; next: number } {
  const count = r.u16(at);
  const tags = new Map<number, number[] | Uint8Array>();
  for (let i = 0; i < count; i++) {
    const entry = at + 2 + i * 12;
    const tag = r.u16(entry);
    const type = r.u16(entry + 2);
    const n = r.u32(entry + 4);
    const size = TYPE_SIZES[type];
    if (!size || n === 0 || n > MAX_TAG_VALUES || tags.has(tag)) continue;
    budget.values -= n;
    if (budget.values < 0) throw new RangeError('the TIFF holds more tag values than any picture does');
    const total = size * n;
    const where = total <= 4 ? entry + 8 : r.u32(entry + 8);
    if (where + total > r.bytes.length) continue;
    if (type === 1 || type === 2 || type === 6 || type === 7) {
      tags.set(tag, r.bytes.subarray(where, where + total));
      continue;
    }
    const values: number[] = [];
    for (let j = 0; j < n; j++) {
      if (type === 3 || type === 8) values.push(r.u16(where + j * 2));
      else if (type === 5 || type === 10) values.push(r.u32(where + j * 8), r.u32(where + j * 8 + 4));
      else values.push(r.u32(where + j * 4));
    }
    tags.set(tag, values);
  }
  return { tags, next: r.u32(at + 2 + count * 12) };
}

function first(tags: Map<number, number[] | Uint8Array>, tag: number, fallback: number): number {
  const v = tags.get(tag);
  return v && v.length > 0 ? (v[0] as number) : fallback;
}

function numbers(tags: Map<number, number[] | Uint8Array>, tag: number): number[] {
  const v = tags.get(tag);
  return v ? Array.from(v) : [];
}

function asOrientation(value: number): Orientation {
  return (value >= 1 && value <= 8 ? value : 1) as Orientation;
}

/** X/Y resolution in pixels per inch, when stated and plausible for a scan or a fax (50-1200). */
function resolutionOf(tags: Map<number, number[] | Uint8Array>): { x: number; y: number } | undefined {
  const rational = (tag: number) => {
    const [num, den] = numbers(tags, tag);
    return num && den ? num / den : undefined;
  };
  const unit = first(tags, 296, 2);
  const perInch = unit === 3 ? 2.54 : unit === 2 ? 1 : undefined;
  const x = rational(282);
  const y = rational(283) ?? x;
  if (!perInch || !x || !y) return undefined;
  const res = { x: x * perInch, y: y * perInch };
  return res.x >= 50 && res.x <= 1200 && res.y >= 50 && res.y <= 1200 ? res : undefined;
}

/** Every page (directory) of a TIFF, or why it cannot be read. Sub-images (thumbnails) are skipped. */
export function readTiffPages(bytes: Uint8Array, maxPages = MAX_TIFF_PAGES): TiffPage[] {
  const r = new Reader(bytes, bytes[0] === 0x49);
  const pages: TiffPage[] = [];
  const seen = new Set<number>();
  const budget: TagBudget = { values: MAX_FILE_TAG_VALUES };
  let at = r.u32(4);
  while (at !== 0 && pages.length <= maxPages) {
    if (seen.has(at)) break; // a directory chain that loops back
    seen.add(at);
    const { tags, next } = readDirectory(r, at, budget);
    at = next;
    // NewSubfileType bit 0: a reduced-size copy (a thumbnail) of another page.
    if ((first(tags, 254, 0) & 1) === 1) continue;
    const width = first(tags, 256, 0);
    const height = first(tags, 257, 0);
    const tiled = tags.has(322);
    pages.push({
      width,
      height,
      orientation: asOrientation(first(tags, 274, 1)),
      resolution: resolutionOf(tags),
      compression: first(tags, 259, 1),
      bitsPerSample: numbers(tags, 258).length > 0 ? numbers(tags, 258) : [1],
      samplesPerPixel: first(tags, 277, 1),
      photometric: first(tags, 262, 0),
      fillOrder: first(tags, 266, 1),
      t4Options: first(tags, 292, 0),
      rowsPerStrip: Math.min(first(tags, 278, height), height),
      stripOffsets: numbers(tags, tiled ? 324 : 273),
      stripByteCounts: numbers(tags, tiled ? 325 : 279),
      tiled,
      littleEndian: r.littleEndian,
      tags,
    });
  }
  return pages;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** A JPEG's size from its frame header and its EXIF orientation, reading segment headers only. */
export function readJpegSize(bytes: Uint8Array): ImageSize & { components: number } {
  const r = new Reader(bytes, false);
  let at = 2;
  let orientation: Orientation = 1;
  let exifRead = false;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new RangeError('not a JPEG segment');
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = r.u16(at + 2);
    // The first Exif segment is the picture's (a JPEG has one; more are read as nothing).
    if (
      !exifRead &&
      marker === 0xe1 &&
      Buffer.from(bytes.subarray(at + 4, at + 10)).toString('latin1') === 'Exif\0\0'
    ) {
      exifRead = true;
      orientation = exifOrientation(bytes.subarray(at + 10, at + 2 + length));
    }
    if (SOF_MARKERS.has(marker)) {
      return {
        height: r.u16(at + 5),
        width: r.u16(at + 7),
        components: bytes[at + 9] ?? 0,
        orientation,
      };
    }
    if (marker === 0xda || marker === 0xd9) break;
    at += 2 + length;
  }
  throw new RangeError('no JPEG frame header');
}

function exifOrientation(tiff: Uint8Array): Orientation {
  try {
    const r = new Reader(tiff, tiff[0] === 0x49);
    return asOrientation(first(readDirectory(r, r.u32(4)).tags, 274, 1));
  } catch {
    return 1; // unreadable EXIF: the picture as stored
  }
}

/** Bit depths PNG allows for each colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA). */
const PNG_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const MAX_PNG_DATA_CHUNKS = 100_000;

/** A PNG as its chunks describe it: the header's fields, palette, transparency and image data. */
export interface PngImage extends ImageSize {
  bitDepth: number;
  colourType: 0 | 2 | 3 | 4 | 6;
  /** Samples per pixel (1 grey or palette index, 2 grey + alpha, 3 RGB, 4 RGBA). */
  channels: number;
  interlaced: boolean;
  /** PLTE: three bytes (R, G, B) per entry. */
  palette?: Uint8Array;
  /** tRNS: a colour key (grey or RGB, two bytes a sample) or an alpha byte per palette entry. */
  transparency?: Uint8Array;
  /** The IDAT chunks' data, in order: together, one zlib stream of the filtered rows. */
  idat: Uint8Array[];
}

/**
 * A PNG's header fields and where its chunks are, checked for sense (a known colour type and
 * depth, a palette where one is needed, image data present), reading chunk headers only: nothing
 * is inflated here. A chunk running past the end of the file makes it damaged.
 */
export function readPng(bytes: Uint8Array): PngImage {
  const r = new Reader(bytes, false);
  const name = (at: number) => Buffer.from(bytes.subarray(at, at + 4)).toString('latin1');
  if (name(12) !== 'IHDR' || r.u32(8) !== 13) throw new RangeError('no PNG header');
  const width = r.u32(16);
  const height = r.u32(20);
  const bitDepth = bytes[24] as number;
  const colourType = bytes[25] as number;
  if (!PNG_DEPTHS[colourType]?.includes(bitDepth))
    throw new RangeError('an unknown PNG colour type or depth');
  if (bytes[26] !== 0 || bytes[27] !== 0 || (bytes[28] !== 0 && bytes[28] !== 1))
    throw new RangeError('an unknown PNG compression, filter or interlace method');
  const png: PngImage = {
    width,
    height,
    orientation: 1,
    bitDepth,
    colourType: colourType as PngImage['colourType'],
    channels: PNG_CHANNELS[colourType] as number,
    interlaced: bytes[28] === 1,
    idat: [],
  };
  // Chunk types as big-endian numbers: a file of a million empty chunks makes no strings.
  const [IEND, IDAT, PLTE, tRNS] = ['IEND', 'IDAT', 'PLTE', 'tRNS'].map((t) =>
    Buffer.from(t).readUInt32BE(0),
  );
  let at = 33;
  while (at + 8 <= bytes.length) {
    const length = r.u32(at);
    const type = r.u32(at + 4);
    const data = at + 8;
    if (data + length + 4 > bytes.length) throw new RangeError('a PNG chunk runs past the end of the file');
    if (type === IEND) break;
    if (type === IDAT) {
      // Encoders write chunks of 8 KB and more; a view per tiny chunk would fill the heap.
      if (png.idat.length === MAX_PNG_DATA_CHUNKS) throw new RangeError('too many PNG data chunks');
      png.idat.push(bytes.subarray(data, data + length));
    } else if (type === PLTE) png.palette = bytes.subarray(data, data + length);
    else if (type === tRNS) png.transparency = bytes.subarray(data, data + length);
    at = data + length + 4;
  }
  if (png.idat.length === 0) throw new RangeError('no PNG image data');
  if (colourType === 3) {
    const entries = (png.palette?.length ?? 0) / 3;
    if (!Number.isInteger(entries) || entries < 1 || entries > 2 ** bitDepth)
      throw new RangeError('a PNG palette that does not fit its depth');
  }
  const keyBytes = colourType === 0 ? 2 : colourType === 2 ? 6 : undefined;
  if (png.transparency && keyBytes !== undefined && png.transparency.length < keyBytes)
    delete png.transparency; // a short colour key is ignored, as decoders do
  if (png.transparency && (colourType === 4 || colourType === 6)) delete png.transparency;
  return png;
}

/**
 * Whether the picture's pixels must be decoded to put it in a PDF: Adam7 interlacing (PDF's PNG
 * predictor reads plain rows). Everything else goes in as its own image data, an alpha channel
 * too (image-pages.ts composites it onto white in the colour space).
 */
export function pngNeedsDecoding(png: PngImage): boolean {
  return png.interlaced;
}
