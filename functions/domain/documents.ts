// The document to fax (PRODUCT.md section 4): every part whose bytes are a PDF, checked, counted and,
// where there are several, merged in mail order. One PDF goes out byte for byte as it came.

import { ParseSpeeds, PDFDocument } from 'pdf-lib';
import type { MailPart } from './inbound-mail.ts';

export interface PdfFile {
  filename: string;
  bytes: Uint8Array;
  pages: number;
}

export type DocumentProblem =
  | 'no-pdf'
  | 'not-a-pdf'
  | 'damaged'
  | 'encrypted'
  | 'no-pages'
  | 'too-many-pages'
  | 'too-large';

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
}

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
// Readers accept the header anywhere in the first 1024 bytes (some generators write junk first).
const HEADER_WINDOW = 1024;

/** A PDF by its bytes: `%PDF-` within the first 1024 bytes, whatever the part's name or type says. */
export function isPdf(bytes: Uint8Array): boolean {
  return (
    asBuffer(bytes)
      .subarray(0, HEADER_WINDOW + PDF_MAGIC.length)
      .indexOf(PDF_MAGIC) >= 0
  );
}

/** A Buffer view of the same memory: no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

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
    pages = doc.getPageCount();
  } catch {
    return { ok: false, problem: 'damaged', why: 'is damaged: its pages cannot be read' };
  }
  if (pages < 1) return { ok: false, problem: 'no-pages', why: 'has no pages' };
  return { ok: true, doc, pages };
}

function hasEncryptEntry(bytes: Uint8Array): boolean {
  return asBuffer(bytes).indexOf('/Encrypt', 0, 'latin1') >= 0;
}

export async function prepareFaxDocument(
  parts: MailPart[],
  limits: DocumentLimits,
): Promise<DocumentDecision> {
  const candidates: { filename: string; bytes: Uint8Array }[] = [];
  const ignored: string[] = [];
  let unnamedPdfs = 0;
  for (const [index, part] of parts.entries()) {
    if (isPdf(part.content)) {
      unnamedPdfs += part.filename?.trim() ? 0 : 1;
      candidates.push({
        filename: part.filename?.trim() || `unnamed PDF ${unnamedPdfs}`,
        bytes: part.content,
      });
    } else if (claimsPdf(part) && !part.embedded) {
      const name = part.filename?.trim() || `the ${part.contentType} attachment`;
      return {
        ok: false,
        problem: 'not-a-pdf',
        detail: `${name} is not a PDF: its content is not PDF data, whatever its name or type says.`,
        files: [name],
      };
    } else {
      const name = ignoredName(part, index);
      if (name) ignored.push(name);
    }
  }
  if (candidates.length === 0) {
    const what = ignored.length > 0 ? ` (attached: ${ignored.join(', ')})` : '';
    return {
      ok: false,
      problem: 'no-pdf',
      detail: `The email has no PDF attachment${what}. Only PDF files are faxed: attach the document as a PDF.`,
      files: [],
    };
  }

  const sizeLimit = `the limit is ${bytesInWords(limits.maxDocumentBytes)}`;
  const files: PdfFile[] = [];
  const docs: PDFDocument[] = [];
  for (const candidate of candidates) {
    if (candidate.bytes.byteLength > limits.maxDocumentBytes) {
      return {
        ok: false,
        problem: 'too-large',
        detail: `${candidate.filename} is ${bytesInWords(candidate.bytes.byteLength)}; ${sizeLimit}.`,
        files: [candidate.filename],
      };
    }
    const opened = await openPdf(candidate.bytes);
    if (!opened.ok) {
      return {
        ok: false,
        problem: opened.problem,
        detail: `${candidate.filename} ${opened.why}.`,
        files: [candidate.filename],
      };
    }
    files.push({ filename: candidate.filename, bytes: candidate.bytes, pages: opened.pages });
    docs.push(opened.doc);
  }

  const pages = files.reduce((sum, f) => sum + f.pages, 0);
  const names = files.map((f) => f.filename);
  if (pages > limits.maxPages) {
    const which = files.length === 1 ? `${names[0]} has` : `${names.join(', ')} have together`;
    return {
      ok: false,
      problem: 'too-many-pages',
      detail: `${which} ${pages} pages; at most ${limits.maxPages} pages are faxed at once.`,
      files: names,
    };
  }

  const [only] = files;
  if (only && files.length === 1) {
    return { ok: true, document: { bytes: only.bytes, pages, files }, ignored };
  }

  let merged: Uint8Array;
  try {
    merged = await mergePdfs(docs);
  } catch {
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

/** Merges the documents, in order, into one. */
async function mergePdfs(docs: PDFDocument[]): Promise<Uint8Array> {
  const merged = await PDFDocument.create({ updateMetadata: false });
  for (const doc of docs) {
    const pages = await merged.copyPages(doc, doc.getPageIndices());
    for (const page of pages) merged.addPage(page);
  }
  return merged.save();
}
