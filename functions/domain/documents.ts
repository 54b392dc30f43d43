// The document to fax (PRODUCT.md section 4, issue 14): every part whose bytes are a PDF, a JPEG, a
// PNG or a TIFF, checked, counted and merged in mail order (each image, each TIFF page one page).
// One PDF alone goes out byte for byte as it came.
//
// @cantoo/pdf-lib, the maintained fork of pdf-lib (upstream's last release, 1.17.1, is from 2021): the
// same API, with parsing fixes (object streams of older PDFs, truncated files), fflate instead of pako,
// and releases this year. It costs 85 KB more minified (its SVG and colour parsers), which the inbound
// bundle can carry.

import { ParseSpeeds, PDFDocument, PDFPageTree } from '@cantoo/pdf-lib';
import { groupedDigits } from '../grouped-digits.ts';
import { type CoverAssets, type CoverPage, layoutCover } from './cover-page.ts';
import {
  type ImageKind,
  type ImageSize,
  imageKindOf,
  type PngImage,
  pngNeedsDecoding,
  readJpegSize,
  readPng,
  readTiffPages,
  type TiffPage,
  unsupportedFormatOf,
} from './image-formats.ts';
import {
  addJpegPage,
  addPngPage,
  addTiffPages,
  decodedBytesOf,
  type PageSize,
  tiffPageDecoding,
  unsupportedTiffForm,
} from './image-pages.ts';
import type { MailPart } from './inbound-mail.ts';
import { asBuffer, isPdf } from './pdf-bytes.ts';
import { inflatedSizeOf } from './png-pixels.ts';

export interface PdfFile {
  filename: string;
  bytes: Uint8Array;
  pages: number;
  /** What the file is: a PDF, an image each of whose pictures became a page, or the cover page. */
  kind?: 'pdf' | ImageKind | 'cover';
}

/** A cover page asked for (issue 14): what it says, and the fonts and logo to set it with. */
export interface CoverRequest {
  page: CoverPage;
  assets: CoverAssets;
}

/** How the queued reply lists the cover page among the files. */
export const COVER_PAGE_NAME = 'cover page (from your email)';

export type DocumentProblem =
  | 'no-pdf'
  | 'not-a-pdf'
  | 'damaged'
  | 'encrypted'
  | 'no-pages'
  | 'too-many-pages'
  | 'too-large'
  | 'image-too-large'
  /** A picture in a form the gateway does not convert (a CMYK or planar TIFF, say). */
  | 'unsupported-picture'
  /** Over the time or memory budget of the document check (see functions/inbound/document-budget.ts). */
  | 'too-complex';

export type DocumentDecision =
  | {
      ok: true;
      document: { bytes: Uint8Array; pages: number; files: PdfFile[] };
      /** Names of attachments that are not faxed (see ignoredName for what is listed). */
      ignored: string[];
    }
  | { ok: false; problem: DocumentProblem; detail: string; files: string[] };

export interface DocumentLimits {
  maxPages: number;
  maxDocumentBytes: number;
  /** Pixels per image (width times height, read from its header before anything is decoded). */
  maxImagePixels?: number;
  /** Page size of the pages made from images (default A4). */
  pageSize?: PageSize;
}

/** 40 megapixels: a 12-megapixel phone photo or an A4 scan at 600 dpi (35 MP) passes. */
export const DEFAULT_MAX_IMAGE_PIXELS = 40_000_000;
/**
 * Pixels of a picture that must be decoded to 8-bit samples to be faxed (an interlaced PNG, see
 * pngNeedsDecoding; a TIFF page in JPEG, 16-bit or with alpha, see tiffPageDecoding): a 5K
 * screen's screenshot (14.7 MP) passes. Other pictures go into the PDF as
 * they are, whatever their size; these are decoded here, which costs with their pixels, not their
 * bytes (a white 36-megapixel PNG is 160 KB).
 */
export const MAX_DECODED_PIXELS = 16_000_000;
/**
 * What a picture that must be decoded may always decode to; past it, an interlaced PNG may decode to
 * twice its file's size, TIFF pages to TIFF_DECODED_RATIO times. Decoding an interlaced PNG costs
 * far more a byte than reading a mail (about 10 ns a byte of pixels, 5 ns a byte of mail), so a
 * picture that inflates a thousandfold (64 MB of white from 74 KB) cost 60 times an ordinary mail of
 * its size; within this it costs about two to three times (2 MB of pixels cost 3.4). Photos and icons pass;
 * an interlaced screenshot past it is answered with how to save it (interlaced PNGs are rare: 2 of
 * 4,931 on one machine).
 */
export const ALWAYS_DECODED_BYTES = 1024 * 1024;
/**
 * What the TIFF pages that must be decoded may decode to: 1 MB, or this many times the file's size.
 * A JPEG-compressed colour scan decodes to 10 to 20 times its size and passes; a white page of 16 MB
 * in 16 KB (a thousandfold) took seconds in utif2 and is refused from its header.
 */
export const TIFF_DECODED_RATIO = 24;

/** Declares itself a PDF by name or type: then its bytes must be one. */
function claimsPdf(part: MailPart): boolean {
  return (
    /\.pdf$/i.test(part.filename?.trim() ?? '') ||
    ['application/pdf', 'application/x-pdf'].includes(part.contentType)
  );
}

function bytesInWords(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

// S/MIME and OpenPGP signatures of a signed mail: mail programs show them as a seal, not a file.
// The OpenPGP public key some programs attach to every mail (Proton Mail's "attach public key")
// is the same kind of furniture.
const SIGNATURE_TYPES = [
  'application/pkcs7-signature',
  'application/x-pkcs7-signature',
  'application/pgp-signature',
  'application/pgp-keys',
];

/**
 * What the queued reply lists as ignored: every non-PDF part the sender can see as an attachment.
 * Images embedded in the HTML body by Content-ID (signature logos) are part of the text, not
 * attachments, and signatures of a signed mail are a seal: both are left out.
 */
function ignoredName(part: MailPart, index: number): string | undefined {
  if (part.embedded || SIGNATURE_TYPES.includes(part.contentType)) return undefined;
  return part.filename?.trim() || `unnamed ${part.contentType} attachment (part ${index + 1})`;
}

type Opened =
  | { ok: true; doc: PDFDocument; pages: number }
  | { ok: false; problem: DocumentProblem; why: string };

async function openPdf(bytes: Uint8Array): Promise<Opened> {
  let doc: PDFDocument;
  try {
    // pdf-lib reads the given array in place; only stream contents are copied out of it.
    doc = await PDFDocument.load(bytes, {
      ignoreEncryption: true,
      updateMetadata: false,
      parseSpeed: ParseSpeeds.Fastest,
    });
  } catch {
    // Encrypted object streams often cannot be parsed at all: the trailer still says why.
    return hasEncryptEntry(bytes)
      ? { ok: false, problem: 'encrypted', why: 'is protected with a password or encryption' }
      : { ok: false, problem: 'damaged', why: 'is damaged and cannot be opened' };
  }
  if (doc.isEncrypted || doc.context.trailerInfo.Encrypt !== undefined) {
    return { ok: false, problem: 'encrypted', why: 'is protected with a password or encryption' };
  }
  let pages: number;
  try {
    if (!pageTreeIsATree(doc))
      return { ok: false, problem: 'damaged', why: 'is damaged: its pages cannot be read' };
    pages = doc.getPageCount();
  } catch {
    return { ok: false, problem: 'damaged', why: 'is damaged: its pages cannot be read' };
  }
  if (pages < 1) return { ok: false, problem: 'no-pages', why: 'has no pages' };
  return { ok: true, doc, pages };
}

/**
 * Whether each node of the page tree is named once. pdf-lib walks the tree once per path to each
 * node, so a tree whose nodes each name the next one twice (a few hundred bytes) takes 2^depth
 * steps to count; walked here once per node, it is found out at once.
 */
function pageTreeIsATree(doc: PDFDocument): boolean {
  const root = doc.catalog.Pages();
  const seen = new Set<PDFPageTree>([root]);
  const open = [root];
  for (let node = open.pop(); node; node = open.pop()) {
    const kids = node.Kids();
    for (let i = 0; i < kids.size(); i++) {
      const kid = doc.context.lookup(kids.get(i));
      if (!(kid instanceof PDFPageTree)) continue;
      if (seen.has(kid)) return false;
      seen.add(kid);
      open.push(kid);
    }
  }
  return true;
}

function hasEncryptEntry(bytes: Uint8Array): boolean {
  return asBuffer(bytes).indexOf('/Encrypt', 0, 'latin1') >= 0;
}

/** A file that is faxed, as found in the mail, before it is opened. */
interface Candidate {
  filename: string;
  bytes: Uint8Array;
  kind: 'pdf' | ImageKind;
}

/** A file measured from its headers: a PDF opened, or an image's pictures (one per page). */
type Measured =
  | { kind: 'pdf'; file: Candidate; doc: PDFDocument; pages: number }
  | { kind: 'jpeg'; file: Candidate; size: ImageSize; pages: 1 }
  | { kind: 'png'; file: Candidate; png: PngImage; pages: 1 }
  | { kind: 'tiff'; file: Candidate; tiff: TiffPage[]; pages: number };

type Problem = { ok: false; problem: DocumentProblem; detail: string; files: string[] };

function asFile(m: Measured): PdfFile {
  return { filename: m.file.filename, bytes: m.file.bytes, pages: m.pages, kind: m.kind };
}

function problemWith(file: Candidate, problem: DocumentProblem, why: string): Problem {
  return { ok: false, problem, detail: `${file.filename} ${why}.`, files: [file.filename] };
}

function unnamedLabel(kind: Candidate['kind'], count: number): string {
  return `unnamed ${kind === 'pdf' ? 'PDF' : kind.toUpperCase()} ${count}`;
}

/** The advice for a file in a format that is not faxed, as the reply's list shows it. */
function withAdvice(name: string, part: MailPart): string {
  const format = unsupportedFormatOf(part.content, part.filename);
  if (format === 'photo') return `${name} (save or export it as JPEG or PDF)`;
  if (format === 'document') return `${name} (save or export it as PDF)`;
  return name;
}

/** The refusal of files that together have more pages than are faxed at once, if they do. */
function overPages(files: PdfFile[], limits: DocumentLimits): Problem | undefined {
  return pagesOf(files) > limits.maxPages ? tooManyPages(files, limits) : undefined;
}

const pagesOf = (files: PdfFile[]) => files.reduce((sum, f) => sum + f.pages, 0);

/** The refusal of files with more pages than are faxed at once; `notCounted` files after them were not opened. */
function tooManyPages(files: PdfFile[], limits: DocumentLimits, notCounted = 0): Problem {
  const pages = pagesOf(files);
  const names = files.map((f) => f.filename);
  const which = files.length === 1 ? `${names[0]} has` : `${names.join(', ')} have together`;
  const rest =
    notCounted === 0
      ? ''
      : `, and ${groupedDigits(notCounted)} more ${notCounted === 1 ? 'file was' : 'files were'} not counted`;
  return {
    ok: false,
    problem: 'too-many-pages',
    detail: `${which} ${groupedDigits(pages)} pages${rest}; at most ${groupedDigits(limits.maxPages)} pages are faxed at once.`,
    files: names,
  };
}

/** The document to fax from the mail's parts, with the cover page first when one is asked for. */
export async function prepareFaxDocument(
  parts: MailPart[],
  limits: DocumentLimits,
  cover?: CoverRequest,
): Promise<DocumentDecision> {
  const candidates: Candidate[] = [];
  const ignored: string[] = [];
  // The same names, with what to save each as, for the reply when nothing can be faxed.
  const advised: string[] = [];
  const unnamed = new Map<string, number>();
  for (const [index, part] of parts.entries()) {
    // A file named or labelled PDF must be one, even when it is a picture: the sender meant to
    // attach a document, and is told so rather than sent a fax they did not expect.
    const claimsToBePdf = claimsPdf(part) && !part.embedded;
    const kind = isPdf(part.content)
      ? 'pdf'
      : part.embedded || claimsToBePdf
        ? undefined
        : imageKindOf(part.content);
    if (kind) {
      const count = (unnamed.get(kind) ?? 0) + (part.filename?.trim() ? 0 : 1);
      unnamed.set(kind, count);
      candidates.push({
        filename: part.filename?.trim() || unnamedLabel(kind, count),
        bytes: part.content,
        kind,
      });
    } else if (claimsToBePdf) {
      const name = part.filename?.trim() || `the ${part.contentType} attachment`;
      return {
        ok: false,
        problem: 'not-a-pdf',
        detail: `${name} is not a PDF: its content is not PDF data, whatever its name or type says.`,
        files: [name],
      };
    } else {
      const name = ignoredName(part, index);
      if (name) {
        ignored.push(name);
        advised.push(withAdvice(name, part));
      }
    }
  }
  // A cover page alone is a fax memo.
  if (candidates.length === 0 && !cover) {
    const what = advised.length > 0 ? ` (attached: ${advised.join(', ')})` : '';
    return {
      ok: false,
      problem: 'no-pdf',
      detail: `The email has no PDF or picture to fax${what}. PDF files and JPEG, PNG and TIFF pictures are faxed.`,
      files: [],
    };
  }

  // Every file is a page at least, and a cover one more: past the limit by count alone, the mail
  // cannot be faxed whatever its files hold, so none is opened (3,000 one-page PDFs took half a
  // second to open only to be refused).
  const atLeast = candidates.length + (cover ? 1 : 0);
  if (atLeast > limits.maxPages) {
    return {
      ok: false,
      problem: 'too-many-pages',
      detail: `The email has ${groupedDigits(candidates.length)} files to fax (PDFs and pictures)${cover ? ' and a cover page' : ''}, each a page at least; at most ${groupedDigits(limits.maxPages)} pages are faxed at once.`,
      files: candidates.map((c) => c.filename),
    };
  }

  const sizeLimit = `the limit is ${bytesInWords(limits.maxDocumentBytes)}`;
  const measured: Measured[] = [];
  let counted = 0;
  for (const candidate of candidates) {
    if (candidate.bytes.byteLength > limits.maxDocumentBytes) {
      return problemWith(
        candidate,
        'too-large',
        `is ${bytesInWords(candidate.bytes.byteLength)}; ${sizeLimit}`,
      );
    }
    const one = await measure(candidate, limits);
    if ('ok' in one) return one;
    measured.push(one);
    counted += one.pages;
    // Past the limit already: the files after these cannot make the fax shorter, and are not opened.
    const left = candidates.length - measured.length;
    if (left > 0 && counted > limits.maxPages) return tooManyPages(measured.map(asFile), limits, left);
  }

  const files = measured.map(asFile);
  const [only] = measured;
  if (only && measured.length === 1 && only.kind === 'pdf' && !cover) {
    // One PDF and no cover is faxed as it is: nothing is made.
    return (
      overPages(files, limits) ?? {
        ok: true,
        document: { bytes: only.file.bytes, pages: only.pages, files },
        ignored,
      }
    );
  }
  const pageSize = limits.pageSize ?? 'A4';
  // The cover is laid out first: its pages count towards the fax's and are printed on it.
  const faxDoc = await PDFDocument.create({ updateMetadata: false });
  const coverLayout = cover ? await layoutCover(faxDoc, cover.page, cover.assets, pageSize) : undefined;
  if (coverLayout) {
    files.unshift({
      filename: COVER_PAGE_NAME,
      bytes: new Uint8Array(0),
      pages: coverLayout.pages,
      kind: 'cover',
    });
  }
  const over = overPages(files, limits);
  if (over) return over;
  const pages = pagesOf(files);
  const names = files.map((f) => f.filename);

  let merged: Uint8Array;
  try {
    coverLayout?.draw(pages);
    merged = await mergeIntoOne(faxDoc, measured, pageSize);
  } catch (error) {
    if (error instanceof UnreadablePicture) return problemWith(error.file, 'damaged', PICTURE_DAMAGED);
    // Each opened on its own, but a broken object deep inside one surfaced while copying its pages.
    return {
      ok: false,
      problem: 'damaged',
      detail: `${names.join(', ')} could not be combined into one document: one of them is damaged.`,
      files: names,
    };
  }
  if (merged.byteLength > limits.maxDocumentBytes) {
    return {
      ok: false,
      problem: 'too-large',
      detail: `${names.join(', ')} together make a document of ${bytesInWords(merged.byteLength)}; ${sizeLimit}.`,
      files: names,
    };
  }
  return { ok: true, document: { bytes: merged, pages, files }, ignored };
}

/** Opens a PDF, or reads an image's headers (sizes, pages) without decoding its pixels. */
async function measure(file: Candidate, limits: DocumentLimits): Promise<Measured | Problem> {
  if (file.kind === 'pdf') {
    const opened = await openPdf(file.bytes);
    if (!opened.ok) return problemWith(file, opened.problem, opened.why);
    return { kind: 'pdf', file, doc: opened.doc, pages: opened.pages };
  }
  const maxPixels = limits.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const damaged = () => problemWith(file, 'damaged', PICTURE_DAMAGED);
  let sizes: ImageSize[];
  let tiff: TiffPage[] = [];
  let png: PngImage | undefined;
  try {
    if (file.kind === 'tiff') {
      // One page more than the limit is enough to know the limit is passed.
      tiff = readTiffPages(file.bytes, limits.maxPages + 1);
      sizes = tiff;
    } else if (file.kind === 'png') {
      png = readPng(file.bytes);
      sizes = [png];
    } else {
      sizes = [readJpegSize(file.bytes)];
    }
  } catch {
    return damaged();
  }
  if (sizes.length === 0 || sizes.some((s) => !(s.width > 0 && s.height > 0))) return damaged();
  const largest = sizes.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b));
  const mp = (n: number) => `${(n / 1_000_000).toFixed(1)} megapixels`;
  if (largest.width * largest.height > maxPixels) {
    return problemWith(
      file,
      'image-too-large',
      `is a picture of ${largest.width} x ${largest.height} pixels (${mp(largest.width * largest.height)}); at most ${mp(maxPixels)} are faxed`,
    );
  }
  const decodedLimit = Math.min(maxPixels, MAX_DECODED_PIXELS);
  if (png && pngNeedsDecoding(png) && png.width * png.height > decodedLimit) {
    return problemWith(
      file,
      'image-too-large',
      `is an interlaced picture of ${png.width} x ${png.height} pixels (${mp(png.width * png.height)}); such PNGs are faxed up to ${mp(decodedLimit)} (save it as PNG without interlacing, or as JPEG)`,
    );
  }
  if (png && pngNeedsDecoding(png)) {
    const decoded = inflatedSizeOf(png);
    if (decoded > Math.max(ALWAYS_DECODED_BYTES, 2 * file.bytes.byteLength)) {
      return problemWith(
        file,
        'too-complex',
        `is an interlaced picture of ${png.width} x ${png.height} pixels, which would be decoded to ${bytesInWords(decoded)} from a file of ${bytesInWords(file.bytes.byteLength)}; interlaced PNGs are faxed when they decode to at most ${bytesInWords(ALWAYS_DECODED_BYTES)} or twice the file's size (save it as PNG without interlacing, or as JPEG)`,
      );
    }
  }
  const decoding = tiff.map((p) => tiffPageDecoding(p, file.bytes));
  const decodedPage = tiff.find((p, i) => p.width * p.height > decodedLimit && decoding[i] === 'samples');
  if (decodedPage) {
    return problemWith(
      file,
      'image-too-large',
      `has a page of ${decodedPage.width} x ${decodedPage.height} pixels (${mp(decodedPage.width * decodedPage.height)}) in a form that must be decoded (JPEG-compressed, 16-bit or with transparency); such pages are faxed up to ${mp(decodedLimit)} (scan it again as black-and-white, or save it as PDF)`,
    );
  }
  const decodedTiff = tiff.reduce((sum, p, i) => sum + (decoding[i] === 'none' ? 0 : decodedBytesOf(p)), 0);
  if (decodedTiff > Math.max(ALWAYS_DECODED_BYTES, TIFF_DECODED_RATIO * file.bytes.byteLength)) {
    return problemWith(
      file,
      'too-complex',
      `has pages that would be decoded to ${bytesInWords(decodedTiff)} from a file of ${bytesInWords(file.bytes.byteLength)}; such pages are faxed when they decode to at most ${TIFF_DECODED_RATIO} times the file's size (scan it again as black-and-white, or save it as PDF)`,
    );
  }
  const form = tiff
    .map((p, i) => (decoding[i] === 'none' ? undefined : unsupportedTiffForm(p, file.bytes)))
    .find(Boolean);
  if (form) {
    return problemWith(file, 'unsupported-picture', `is a TIFF in a form that cannot be faxed (${form})`);
  }
  if (file.kind === 'tiff') return { kind: 'tiff', file, tiff, pages: tiff.length };
  if (png) return { kind: 'png', file, png, pages: 1 };
  return { kind: 'jpeg', file, size: sizes[0] as ImageSize, pages: 1 };
}

const PICTURE_DAMAGED = 'is damaged: its picture cannot be read';

/** A picture whose headers read well but whose data did not (a PNG inflating past its size). */
class UnreadablePicture extends Error {
  constructor(readonly file: Candidate) {
    super('a picture could not be read');
  }
}

/** Adds the PDFs and the pages made from images, in mail order, to `merged` (after any cover page). */
async function mergeIntoOne(merged: PDFDocument, files: Measured[], pageSize: PageSize): Promise<Uint8Array> {
  for (const m of files) {
    if (m.kind === 'pdf') {
      const pages = await merged.copyPages(m.doc, m.doc.getPageIndices());
      for (const page of pages) merged.addPage(page);
    } else if (m.kind === 'jpeg') {
      await addJpegPage(merged, m.file.bytes, m.size, pageSize);
    } else if (m.kind === 'png') {
      try {
        addPngPage(merged, m.png, pageSize);
      } catch {
        throw new UnreadablePicture(m.file);
      }
    } else {
      addTiffPages(merged, m.file.bytes, m.tiff, pageSize);
    }
  }
  return merged.save();
}
