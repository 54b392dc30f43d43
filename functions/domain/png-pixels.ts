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

/**
 * Undoes the rows' filters in place: `rows` rows of a filter byte and `stride` bytes, from `at`;
 * the first row's previous row starts at `above` (-1: none, as at the top of a pass).
 */
function unfilter(raw: Uint8Array, at: number, rows: number, stride: number, bpp: number, above = -1): void {
  for (let y = 0; y < rows; y++) {
    const start = at + y * (stride + 1);
    const line = start + 1;
    const up = y > 0 ? line - (stride + 1) : above;
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

/** onWhite for every alpha and value, at alpha * 256 + value: a lookup is cheaper than the sum. */
let onWhiteTable: Uint8Array | undefined;
function onWhiteLookup(): Uint8Array {
  if (!onWhiteTable) {
    onWhiteTable = new Uint8Array(256 * 256);
    for (let a = 0; a < 256; a++) for (let v = 0; v < 256; v++) onWhiteTable[a * 256 + v] = onWhite(v, a);
  }
  return onWhiteTable;
}

/**
 * Grey + alpha or RGBA, 8 bits a sample, not interlaced (screenshots): one tight loop, each row
 * unfiltered as it is reached (while it is still in the cache) and flattened through the table.
 */
function flattenAlpha8(png: PngImage, raw: Uint8Array, pixels: Uint8Array): void {
  const { width, height, channels: samples } = png;
  const colours = samples - 1;
  const stride = width * samples;
  const table = onWhiteLookup();
  let out = 0;
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1);
    unfilter(raw, start, 1, stride, samples, y > 0 ? start - (stride + 1) + 1 : -1);
    const line = start + 1;
    for (let i = line, end = line + stride; i < end; i += samples) {
      const a = (raw[i + colours] as number) << 8;
      pixels[out++] = table[a | (raw[i] as number)] as number;
      if (colours === 3) {
        pixels[out++] = table[a | (raw[i + 1] as number)] as number;
        pixels[out++] = table[a | (raw[i + 2] as number)] as number;
      }
    }
  }
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
    // In chunks of a megabyte (zlib's 16 KB default makes thousands of pieces to join).
    raw = inflateSync(Buffer.concat(png.idat), { maxOutputLength: expected, chunkSize: 1 << 20 });
  } catch {
    // More than the header says (ERR_BUFFER_TOO_LARGE), or not zlib data at all.
    throw new DamagedPng('the PNG image data does not inflate to its stated size');
  }
  if (raw.byteLength !== expected) throw new DamagedPng('the PNG image data is shorter than its stated size');

  const { width, height, bitDepth: depth, channels: samples, colourType } = png;
  const channels: 1 | 3 = colourType === 0 || colourType === 4 ? 1 : 3;
  const pixels = new Uint8Array(width * height * channels);
  if (!png.interlaced && depth === 8 && (colourType === 4 || colourType === 6)) {
    flattenAlpha8(png, raw, pixels);
    return { channels, pixels };
  }
  const bpp = Math.max(1, (samples * depth) >> 3);
  const bytesPerSample = depth === 16 ? 2 : 1;
  const palette = colourType === 3 ? paletteOnWhite(png) : undefined;
  const key = colourType === 0 || colourType === 2 ? png.transparency : undefined;
  const table = onWhiteLookup();
  let at = 0;
  for (const pass of passesOf(png)) {
    const stride = rowBytes(png, pass.width);
    unfilter(raw, at, pass.height, stride, bpp);
    // The pixel loops are chosen once a row, not a pixel: an interlaced RGBA photo is 3 samples a
    // pixel through the onWhite table, with no test inside the loop but the row's end.
    const step = pass.dx * channels;
    for (let py = 0; py < pass.height; py++) {
      const line = at + py * (stride + 1) + 1;
      const first = (pass.y0 + py * pass.dy) * width * channels + pass.x0 * channels;
      if (depth < 8) packedRow(raw, line, pass.width, { depth, palette, key }, pixels, first, step);
      else if (palette) {
        for (let px = 0, out = first; px < pass.width; px++, out += step) {
          const v = (raw[line + px] as number) * 3;
          pixels[out] = palette[v] ?? 0;
          pixels[out + 1] = palette[v + 1] ?? 0;
          pixels[out + 2] = palette[v + 2] ?? 0;
        }
      } else {
        // 8 or 16 bits a sample: the high byte is the 8-bit sample (and the 8-bit alpha).
        const size = samples * bytesPerSample;
        const alphaAt = colourType === 4 || colourType === 6 ? (samples - 1) * bytesPerSample : -1;
        for (let i = line, out = first, end = line + pass.width * size; i < end; i += size, out += step) {
          const alpha =
            alphaAt >= 0
              ? (raw[i + alphaAt] as number)
              : key && matchesKey(raw, i, channels, bytesPerSample, key)
                ? 0
                : 255;
          const row = alpha << 8;
          pixels[out] = table[row | (raw[i] as number)] as number;
          if (channels === 3) {
            pixels[out + 1] = table[row | (raw[i + bytesPerSample] as number)] as number;
            pixels[out + 2] = table[row | (raw[i + 2 * bytesPerSample] as number)] as number;
          }
        }
      }
    }
    at += pass.height * (stride + 1);
  }
  return { channels, pixels };
}

/** One row of samples packed several to a byte (grey or palette index), most significant first. */
function packedRow(
  raw: Uint8Array,
  line: number,
  width: number,
  { depth, palette, key }: { depth: number; palette?: Uint8Array; key?: Uint8Array },
  pixels: Uint8Array,
  first: number,
  step: number,
): void {
  const maxValue = (1 << depth) - 1;
  const keyValue = key ? ((key[0] as number) << 8) | (key[1] as number) : -1;
  for (let px = 0, out = first; px < width; px++, out += step) {
    const bit = px * depth;
    const v = ((raw[line + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & maxValue;
    if (palette) {
      pixels[out] = palette[v * 3] ?? 0;
      pixels[out + 1] = palette[v * 3 + 1] ?? 0;
      pixels[out + 2] = palette[v * 3 + 2] ?? 0;
    } else {
      pixels[out] = v === keyValue ? 255 : ((v * 255) / maxValue) | 0;
    }
  }
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
