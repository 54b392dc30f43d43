// Pictures and scans become pages (issue 14): a 20-page 200 dpi CCITT G4 TIFF as a scanner writes
// it and a 12-megapixel phone JPEG, each converted into the fax's PDF in a process of its own (so
// its peak RSS is that picture's alone), beside the floor of reading the same file. The inputs are
// made by code on the first run into the bench's tmp folder (no large files in the repository):
// scan pages of text-like marks, and a photo of gradients and grain, both from a fixed seed.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Grey, jpegOf, tiffOf } from '../test/fixtures/images.ts';
import type { ImagesChildInput, ImagesChildOutput } from './images-child.ts';
import { bundle, INFRA_BUNDLE_OPTIONS } from './lambda-bundle.ts';
import { MiB, median, round } from './measure.ts';

const run = promisify(execFile);

export interface ImagesRow {
  label: string;
  fileMiB: number;
  pages: number;
  pdfMiB: number;
  medianMs: number;
  floorMs: number;
  /** conversion / reading the file. */
  ratio: number;
  peakRssMiB: number;
  /** What the conversion added to the loaded process (peak minus after imports). */
  addedRssMiB: number;
}

export interface ImagesResult {
  rows: ImagesRow[];
}

/** A small deterministic generator (mulberry32), so every run converts the same pictures. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An A4 page scanned at `dpi`: lines of word-like black marks on white, with margins. */
export function scannedPage(dpi: number, seed: number): Grey {
  const width = Math.round((210 / 25.4) * dpi);
  const height = Math.round((297 / 25.4) * dpi);
  const pixels = new Uint8Array(width * height).fill(255);
  const next = random(seed);
  const margin = Math.round(dpi * 0.8);
  const lineHeight = Math.round(dpi / 5);
  const glyph = Math.round(dpi / 12);
  for (let top = margin; top + lineHeight < height - margin; top += lineHeight) {
    let x = margin;
    while (x < width - margin - glyph * 8) {
      const word = 2 + Math.floor(next() * 8);
      for (let g = 0; g < word; g++) {
        const h = Math.round(glyph * (0.6 + next() * 0.6));
        const w = Math.max(2, Math.round(glyph * (0.3 + next() * 0.5)));
        for (let y = top + glyph * 1.4 - h; y < top + glyph * 1.4; y++) {
          for (let dx = 0; dx < w; dx++) pixels[Math.round(y) * width + x + dx] = 0;
        }
        x += w + Math.round(glyph * 0.25);
      }
      x += glyph;
    }
  }
  return { width, height, pixels };
}

/** A grey photo: smooth light with grain, `width` x `height`. */
export function photo(width: number, height: number, seed: number): Grey {
  const pixels = new Uint8Array(width * height);
  const next = random(seed);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const light = 128 + 60 * Math.sin(x / 180) * Math.cos(y / 140) + 40 * Math.sin((x + y) / 37);
      pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(light + (next() - 0.5) * 40)));
    }
  }
  return { width, height, pixels };
}

interface Input {
  label: string;
  filename: string;
  make: () => Buffer;
}

export const FULL_INPUTS: Input[] = [
  {
    label: '20-page 200 dpi G4 TIFF',
    filename: 'SCAN0001.TIF',
    make: () =>
      tiffOf(
        Array.from({ length: 20 }, (_, i) => scannedPage(200, i + 1)),
        { compression: 'g4', dpi: 200 },
      ),
  },
  { label: '12-megapixel JPEG', filename: 'IMG_2041.JPG', make: () => jpegOf(photo(4000, 3000, 7)) },
];

export const QUICK_INPUTS: Input[] = [
  {
    label: '2-page 100 dpi G4 TIFF',
    filename: 'SCAN0001.TIF',
    make: () => tiffOf([scannedPage(100, 1), scannedPage(100, 2)], { compression: 'g4', dpi: 100 }),
  },
  { label: '0.3-megapixel JPEG', filename: 'IMG_2041.JPG', make: () => jpegOf(photo(640, 480, 7)) },
];

export async function measureImages(options: {
  tmpDir: string;
  inputs: Input[];
  warmup: number;
  runs: number;
}): Promise<ImagesResult> {
  const child = await bundle(
    new URL('./images-child.ts', import.meta.url).pathname,
    join(options.tmpDir, 'images-child.mjs'),
    INFRA_BUNDLE_OPTIONS,
  );
  const rows: ImagesRow[] = [];
  for (const input of options.inputs) {
    const path = join(
      options.tmpDir,
      `image-${input.label.replace(/[^A-Za-z0-9]+/g, '-')}-${input.filename}`,
    );
    if (!existsSync(path)) await writeFile(path, input.make());
    const childInput: ImagesChildInput = {
      path,
      filename: input.filename,
      warmup: options.warmup,
      runs: options.runs,
    };
    const { stdout } = await run(process.execPath, [child.outfile, JSON.stringify(childInput)], {
      maxBuffer: 16 * MiB,
    });
    const out = JSON.parse(stdout) as ImagesChildOutput;
    const medianMs = median(out.convertMs);
    const floorMs = median(out.floorMs);
    rows.push({
      label: input.label,
      fileMiB: round(out.fileBytes / MiB, 2),
      pages: out.pages,
      pdfMiB: round(out.pdfBytes / MiB, 2),
      medianMs: round(medianMs, 1),
      floorMs: round(floorMs, 2),
      ratio: round(medianMs / floorMs, 1),
      peakRssMiB: round(out.peakRssMiB),
      addedRssMiB: round(out.peakRssMiB - out.rssAfterImportMiB),
    });
  }
  return { rows };
}
