// Renders a PDF page with poppler's pdftoppm (Debian's poppler-utils; .ci/run installs it) and
// compares what is on it with the picture that should be there. A real renderer rather than reading
// our own image streams back: it decodes DCT, CCITT and Flate as a fax service would, and it applies
// the transformation matrices, so a blank, turned or mirrored page fails.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Grey } from '../fixtures/images.ts';

/**
 * Runs a poppler tool on `pdf` (written as `in.pdf` in a fresh folder, its working directory) and
 * gives `read` that folder before it is removed.
 */
export function withPoppler<T>(pdf: Uint8Array, tool: string, args: string[], read: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), `faxgate-${tool}-`));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    execFileSync(tool, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    return read(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Page `page` (1-based) of `pdf` as grey pixels at `dpi`. */
export function renderPage(pdf: Uint8Array, page: number, dpi = 50): Grey {
  const args = [
    '-gray',
    '-r',
    String(dpi),
    '-f',
    String(page),
    '-l',
    String(page),
    '-singlefile',
    'in.pdf',
    'out',
  ];
  return withPoppler(pdf, 'pdftoppm', args, (dir) => readPgm(readFileSync(join(dir, 'out.pgm'))));
}

function readPgm(file: Buffer): Grey {
  // "P5\n<w> <h>\n255\n" then one byte per pixel.
  const header = file
    .subarray(0, 64)
    .toString('latin1')
    .match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  if (!header) throw new Error('pdftoppm wrote no PGM');
  const [all, w, h] = header as unknown as [string, string, string];
  const width = Number(w);
  const height = Number(h);
  return { width, height, pixels: new Uint8Array(file.subarray(all.length, all.length + width * height)) };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The smallest box holding every dark pixel, or undefined for a blank page. */
export function inkBox(render: Grey): Box | undefined {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < render.height; y++) {
    for (let x = 0; x < render.width; x++) {
      if ((render.pixels[y * render.width + x] as number) < 128) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  return maxX < 0 ? undefined : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** Mean grey of each cell of a `cols` x `rows` grid over `box` of `picture`, 0..1. */
function cells(picture: Grey, box: Box, cols: number, rows: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x0 = box.x + Math.floor((c * box.width) / cols);
      const x1 = Math.max(box.x + Math.floor(((c + 1) * box.width) / cols), x0 + 1);
      const y0 = box.y + Math.floor((r * box.height) / rows);
      const y1 = Math.max(box.y + Math.floor(((r + 1) * box.height) / rows), y0 + 1);
      let sum = 0;
      let n = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          sum += picture.pixels[y * picture.width + x] as number;
          n++;
        }
      }
      out.push(n > 0 ? sum / n / 255 : 1);
    }
  }
  return out;
}

/**
 * How far the inked part of the rendered page is from the expected picture: the mean difference of
 * a 16 x 16 grid of cell averages, 0 (same) to 1 (opposite). Undefined when the page is blank.
 */
export function differenceFrom(render: Grey, expected: Grey): number | undefined {
  const box = inkBox(render);
  if (!box) return undefined;
  const a = cells(render, box, 16, 16);
  const b = cells(expected, { x: 0, y: 0, width: expected.width, height: expected.height }, 16, 16);
  return a.reduce((sum, v, i) => sum + Math.abs(v - (b[i] as number)), 0) / a.length;
}

/**
 * The share of dark pixels in each cell of a `cols` x `rows` grid over the whole page, 0..1: a
 * coarse picture of where the ink is, the same on any machine whatever its font rasteriser does
 * with single glyphs.
 */
export function inkGrid(render: Grey, cols: number, rows: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x0 = Math.floor((c * render.width) / cols);
      const x1 = Math.floor(((c + 1) * render.width) / cols);
      const y0 = Math.floor((r * render.height) / rows);
      const y1 = Math.floor(((r + 1) * render.height) / rows);
      let dark = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) if ((render.pixels[y * render.width + x] as number) < 160) dark++;
      }
      out.push(dark / Math.max(1, (x1 - x0) * (y1 - y0)));
    }
  }
  return out;
}

/** The text of page `page` (1-based) as poppler's pdftotext reads it (so what a reader's font map gives). */
export function pageText(pdf: Uint8Array, page: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'faxgate-text-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-layout', 'in.pdf', '-'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
