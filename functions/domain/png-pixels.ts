// A PNG's pixels, for the pictures PDF cannot carry as they are (an alpha channel, or interlaced;
// see pngNeedsDecoding): inflated by zlib, never past the size the header gives (a PNG whose data
// inflates to more, or less, is damaged), unfiltered, and flattened onto white paper as 8-bit grey
// or RGB. A JavaScript PNG decoder (pdf-lib's UPNG with pako) inflated a 160 KB white PNG of 36
// megapixels in 27 s; zlib does it in a fraction of a second, and the bound stops a bomb outright.

import { inflateSync } from 'node:zlib';
import type { PngImage } from './image-formats.ts';

/** 8-bit samples, rows top to bottom: one a pixel (grey) or three (RGB). */
export interface FlatPixels {
  channels: 1 | 3;
  pixels: Uint8Array;
}

/** The Adam7 passes: first column and row, then the step between them across and down. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
}

function passesOf(png: PngImage): Pass[] {
  if (!png.interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, width: png.width, height: png.height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    width: png.width > x0 ? Math.ceil((png.width - x0) / dx) : 0,
    height: png.height > y0 ? Math.ceil((png.height - y0) / dy) : 0,
  })).filter((p) => p.width > 0 && p.height > 0);
}

function rowBytes(png: PngImage, width: number): number {
  return Math.ceil((width * png.channels * png.bitDepth) / 8);
}

/** Bytes the image data inflates to, filter bytes included, as the header says it must. */
export function inflatedSizeOf(png: PngImage): number {
  return passesOf(png).reduce((sum, p) => sum + p.height * (1 + rowBytes(png, p.width)), 0);
}

export class DamagedPng extends RangeError {
  override readonly name = 'DamagedPng';
}

/** Undoes the rows' filters in place: `rows` rows of a filter byte and `stride` bytes, from `at`. */
function unfilter(raw: Uint8Array, at: number, rows: number, stride: number, bpp: number): void {
  for (let y = 0; y < rows; y++) {
    const start = at + y * (stride + 1);
    const line = start + 1;
    const up = y > 0 ? line - (stride + 1) : -1;
    const filter = raw[start];
    if (filter === 0) continue;
    if (filter === 1) {
      for (let i = bpp; i < stride; i++)
        raw[line + i] = (raw[line + i] as number) + (raw[line + i - bpp] as number);
    } else if (filter === 2) {
      if (up < 0) continue;
      for (let i = 0; i < stride; i++) raw[line + i] = (raw[line + i] as number) + (raw[up + i] as number);
    } else if (filter === 3) {
      for (let i = 0; i < stride; i++) {
        const left = i >= bpp ? (raw[line + i - bpp] as number) : 0;
        const above = up >= 0 ? (raw[up + i] as number) : 0;
        raw[line + i] = (raw[line + i] as number) + ((left + above) >> 1);
      }
    } else if (filter === 4) {
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? (raw[line + i - bpp] as number) : 0;
        const b = up >= 0 ? (raw[up + i] as number) : 0;
        const c = up >= 0 && i >= bpp ? (raw[up + i - bpp] as number) : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        const predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        raw[line + i] = (raw[line + i] as number) + predicted;
      }
    } else {
      throw new DamagedPng('an unknown PNG row filter');
    }
  }
}

/** `value` (0-255) seen through `alpha` (0-255) on white paper. */
function onWhite(value: number, alpha: number): number {
  return ((value * alpha + 255 * (255 - alpha) + 127) / 255) | 0;
}

/** The palette as RGB, each entry's tRNS alpha flattened onto white. */
export function paletteOnWhite(png: PngImage): Uint8Array {
  const palette = Uint8Array.from(png.palette ?? []);
  const alpha = png.colourType === 3 ? png.transparency : undefined;
  if (alpha) {
    for (let i = 0; i < Math.min(alpha.length, palette.length / 3); i++) {
      const a = alpha[i] as number;
      for (let c = 0; c < 3; c++) palette[i * 3 + c] = onWhite(palette[i * 3 + c] as number, a);
    }
  }
  return palette;
}

/**
 * The picture flattened onto white: grey for grey pictures, RGB for colour and palette ones.
 * Throws DamagedPng when the data does not inflate to exactly what the header says.
 */
export function decodePng(png: PngImage): FlatPixels {
  const expected = inflatedSizeOf(png);
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(png.idat), { maxOutputLength: expected });
  } catch {
    // More than the header says (ERR_BUFFER_TOO_LARGE), or not zlib data at all.
    throw new DamagedPng('the PNG image data does not inflate to its stated size');
  }
  if (raw.byteLength !== expected) throw new DamagedPng('the PNG image data is shorter than its stated size');

  const { width, height, bitDepth: depth, channels: samples, colourType } = png;
  const channels: 1 | 3 = colourType === 0 || colourType === 4 ? 1 : 3;
  const pixels = new Uint8Array(width * height * channels);
  const bpp = Math.max(1, (samples * depth) >> 3);
  const bytesPerSample = depth === 16 ? 2 : 1;
  const palette = colourType === 3 ? paletteOnWhite(png) : undefined;
  const key = colourType === 0 || colourType === 2 ? png.transparency : undefined;
  const maxValue = (1 << depth) - 1;
  let at = 0;
  for (const pass of passesOf(png)) {
    const stride = rowBytes(png, pass.width);
    unfilter(raw, at, pass.height, stride, bpp);
    for (let py = 0; py < pass.height; py++) {
      const line = at + py * (stride + 1) + 1;
      const y = pass.y0 + py * pass.dy;
      for (let px = 0; px < pass.width; px++) {
        const out = (y * width + pass.x0 + px * pass.dx) * channels;
        if (depth < 8) {
          // One sample (grey or palette index) packed several to a byte, most significant first.
          const bit = px * depth;
          const v = ((raw[line + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & maxValue;
          if (palette) {
            pixels[out] = palette[v * 3] ?? 0;
            pixels[out + 1] = palette[v * 3 + 1] ?? 0;
            pixels[out + 2] = palette[v * 3 + 2] ?? 0;
          } else {
            const keyed = key && v === (((key[0] as number) << 8) | (key[1] as number));
            pixels[out] = keyed ? 255 : ((v * 255) / maxValue) | 0;
          }
          continue;
        }
        // 8 or 16 bits a sample: the high byte is the 8-bit sample.
        const first = line + px * samples * bytesPerSample;
        if (palette) {
          const v = raw[first] as number;
          pixels[out] = palette[v * 3] ?? 0;
          pixels[out + 1] = palette[v * 3 + 1] ?? 0;
          pixels[out + 2] = palette[v * 3 + 2] ?? 0;
          continue;
        }
        const alpha =
          colourType === 4 || colourType === 6
            ? (raw[first + (samples - 1) * bytesPerSample] as number)
            : key && matchesKey(raw, first, channels, bytesPerSample, key)
              ? 0
              : 255;
        for (let c = 0; c < channels; c++) {
          pixels[out + c] = onWhite(raw[first + c * bytesPerSample] as number, alpha);
        }
      }
    }
    at += pass.height * (stride + 1);
  }
  return { channels, pixels };
}

/** Whether the samples at `first` equal the tRNS colour key (two bytes a sample, as stored). */
function matchesKey(
  raw: Uint8Array,
  first: number,
  channels: number,
  bytesPerSample: number,
  key: Uint8Array,
): boolean {
  for (let c = 0; c < channels; c++) {
    const stored =
      bytesPerSample === 2
        ? ((raw[first + c * 2] as number) << 8) | (raw[first + c * 2 + 1] as number)
        : (raw[first + c] as number);
    if (stored !== (((key[c * 2] as number) << 8) | (key[c * 2 + 1] as number))) return false;
  }
  return true;
}
