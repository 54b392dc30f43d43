// The image XObjects of a PDF, read back two ways without trusting the code that wrote them:
// pdf-lib's view of each one's dictionary and stored bytes, and poppler's pdfimages (Debian's
// poppler-utils, as render-pdf.ts uses) decoding each image's data through its filters and
// predictor as a fax service's renderer would.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
} from '@cantoo/pdf-lib';
import { withPoppler } from './render-pdf.ts';

export interface ImageXObject {
  entries: Record<string, unknown>;
  /** The stream's bytes as stored (still encoded). */
  contents: Uint8Array;
}

function plain(value: unknown): unknown {
  if (value instanceof PDFName) return value.decodeText();
  if (value instanceof PDFNumber) return value.asNumber();
  if (value instanceof PDFHexString) return Buffer.from(value.asBytes()).toString('hex');
  if (value instanceof PDFArray) return value.asArray().map(plain);
  if (value instanceof PDFDict) {
    return Object.fromEntries([...value.entries()].map(([k, v]) => [k.decodeText(), plain(v)]));
  }
  return value;
}

export async function imageXObjects(pdf: Uint8Array): Promise<ImageXObject[]> {
  const doc = await PDFDocument.load(pdf);
  const images: ImageXObject[] = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (object instanceof PDFRawStream && object.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')) {
      images.push({ entries: plain(object.dict) as Record<string, unknown>, contents: object.contents });
    }
  }
  return images;
}

/** Decoded pixels as 8-bit RGB, rows top to bottom. */
export interface RgbPicture {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/**
 * The document's first image as poppler decodes it: colour spaces applied, masks not, and a 1-bit
 * image of any colour space written as black (1) and white (0), as pdfimages does.
 */
export function decodedImage(pdf: Uint8Array): RgbPicture {
  return withPoppler(pdf, 'pdfimages', ['-f', '1', '-l', '1', 'in.pdf', 'img'], (dir) => {
    const name = readdirSync(dir)
      .filter((f) => f.startsWith('img-'))
      .sort()[0];
    if (!name) throw new Error('pdfimages found no image');
    return readNetpbm(readFileSync(join(dir, name)));
  });
}

/** Page `page` (1-based) as pdftoppm draws it, in colour, at `dpi`: what the fax service would print. */
export function renderedRgb(pdf: Uint8Array, page: number, dpi: number): RgbPicture {
  const args = ['-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', 'in.pdf', 'out'];
  return withPoppler(pdf, 'pdftoppm', args, (dir) => readNetpbm(readFileSync(join(dir, 'out.ppm'))));
}

function readNetpbm(file: Buffer): RgbPicture {
  const header = file
    .subarray(0, 64)
    .toString('latin1')
    .match(/^P([456])\s+(\d+)\s+(\d+)\s(?:(\d+)\s)?/);
  if (!header) throw new Error('poppler wrote no PBM, PGM or PPM');
  const [all, kind, w, h] = header as unknown as [string, string, string, string];
  const width = Number(w);
  const height = Number(h);
  const data = file.subarray(all.length);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (kind === '6') rgb.set(data.subarray(i * 3, i * 3 + 3), i * 3);
      else {
        // PBM: rows padded to whole bytes, 1 is black; PGM: one byte a pixel.
        const row = Math.ceil(width / 8);
        const v =
          kind === '4'
            ? ((data[y * row + (x >> 3)] as number) >> (7 - (x & 7))) & 1
              ? 0
              : 255
            : (data[i] as number);
        rgb.fill(v, i * 3, i * 3 + 3);
      }
    }
  }
  return { width, height, rgb };
}
