// PDFs that look like what scanners and phone scan apps produce: one image XObject per page
// (DCT-encoded, so its bytes are incompressible noise to anything but a JPEG decoder), a tiny
// content stream that paints it over the page, a classic xref table. Generated at bench time into
// bench/tmp/, never committed.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  concatTransformationMatrix,
  drawObject,
  PDFDocument,
  popGraphicsState,
  pushGraphicsState,
} from '@cantoo/pdf-lib';
import { buildSesMail } from '../test/fixtures/mail-builder.ts';

const A4 = [595.28, 841.89] as const;
// Per page: page dictionary, content stream, image dictionary and xref entries.
const PAGE_OVERHEAD_BYTES = 420;

export interface ScanSpec {
  /** Short name used in tables and file names, e.g. `10MiB`. */
  label: string;
  /** Size of the whole PDF, approximately (within a few hundred bytes). */
  bytes: number;
  pages: number;
}

/** A scan-like PDF of about `bytes` bytes over `pages` pages. */
export async function scanLikePdf(spec: ScanSpec): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const imageBytes = Math.max(64, Math.floor(spec.bytes / spec.pages) - PAGE_OVERHEAD_BYTES);
  for (let i = 0; i < spec.pages; i++) {
    const page = doc.addPage([...A4]);
    // A JPEG's start-of-image marker, then noise: what a 200 dpi colour scan weighs.
    const data = randomBytes(imageBytes);
    data[0] = 0xff;
    data[1] = 0xd8;
    const image = doc.context.stream(data, {
      Type: 'XObject',
      Subtype: 'Image',
      Width: 1654,
      Height: 2339,
      ColorSpace: 'DeviceRGB',
      BitsPerComponent: 8,
      Filter: 'DCTDecode',
    });
    const name = page.node.newXObject('Im', doc.context.register(image));
    page.pushOperators(
      pushGraphicsState(),
      concatTransformationMatrix(A4[0], 0, 0, A4[1], 0, 0),
      drawObject(name),
      popGraphicsState(),
    );
  }
  // Scanners write PDF 1.4 style files: a plain xref table, no object streams.
  return doc.save({ useObjectStreams: false });
}

export const FAX_DOMAIN = 'fax.bench.example';
export const SENDER = 'alice@example.com';
export const FAX_NUMBER = '+4930123456';

/** The mail SES would store for one scan, as bytes. */
export async function mailWithScan(pdf: Uint8Array, filename = 'scan.pdf'): Promise<Buffer> {
  return buildSesMail({
    from: `Alice <${SENDER}>`,
    to: `${FAX_NUMBER}@${FAX_DOMAIN}`,
    subject: 'Scan',
    pdfs: [{ filename, bytes: pdf }],
  });
}

/**
 * The mail for the spec as a file in `dir`, made once and reused by later runs (making a 29 MiB
 * PDF and its 40 MB mail takes seconds).
 */
export async function scanMailFile(dir: string, spec: ScanSpec): Promise<string> {
  const path = join(dir, `mail-${spec.label}-${spec.bytes}-${spec.pages}p.eml`);
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true });
  const mail = await mailWithScan(await scanLikePdf(spec));
  await writeFile(path, mail);
  return path;
}

export async function readMail(path: string): Promise<Buffer> {
  return readFile(path);
}
