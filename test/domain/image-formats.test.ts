// The picture readers' bounds (issue 11 item 9): a TIFF directory names how many values each tag
// holds, up to millions, and the reader reads them before anything checks the picture.

import { describe, expect, it } from 'vitest';
import { readJpegSize, readTiffPages } from '../../functions/domain/image-formats.ts';

/** A little-endian TIFF: one directory of `entries` (tag, type, values), values stored after it. */
function tiff(entries: [tag: number, type: number, values: number[]][]): Buffer {
  const dirAt = 8;
  const dirBytes = 2 + entries.length * 12 + 4;
  let dataAt = dirAt + dirBytes;
  const size = (type: number) => (type === 3 ? 2 : 4);
  const total = entries.reduce(
    (sum, [, type, values]) => sum + (values.length * size(type) > 4 ? values.length * size(type) : 0),
    0,
  );
  const out = Buffer.alloc(dataAt + total);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(dirAt, 4);
  out.writeUInt16LE(entries.length, dirAt);
  entries.forEach(([tag, type, values], i) => {
    const entry = dirAt + 2 + i * 12;
    out.writeUInt16LE(tag, entry);
    out.writeUInt16LE(type, entry + 2);
    out.writeUInt32LE(values.length, entry + 4);
    const bytes = values.length * size(type);
    const where = bytes > 4 ? dataAt : entry + 8;
    if (bytes > 4) {
      out.writeUInt32LE(dataAt, entry + 8);
      dataAt += bytes;
    }
    values.forEach((v, j) => {
      if (type === 3) out.writeUInt16LE(v, where + j * 2);
      else out.writeUInt32LE(v, where + j * 4);
    });
  });
  out.writeUInt32LE(0, dirAt + 2 + entries.length * 12);
  return out;
}

const page: [number, number, number[]][] = [
  [256, 3, [100]],
  [257, 3, [50]],
  [273, 4, [0]],
  [279, 4, [10]],
];

describe('readTiffPages', () => {
  it('reads a tag once: a directory that repeats one takes its first values', () => {
    const [read] = readTiffPages(tiff([...page, [256, 3, [7]]]));
    expect(read).toMatchObject({ width: 100, height: 50 });
  });

  it('refuses a directory of more tag values than any picture holds, before reading them all', () => {
    // 40 tags of 200,000 values each: 8 million values.
    const values = Array.from({ length: 200_000 }, () => 0);
    const bomb = tiff([
      ...page,
      ...Array.from({ length: 40 }, (_, i): [number, number, number[]] => [40_000 + i, 4, values]),
    ]);
    expect(() => readTiffPages(bomb)).toThrow(RangeError);
  });
});

describe('readJpegSize', () => {
  it('reads the orientation of the first Exif segment only', () => {
    const exif = (orientation: number) => {
      const t = tiff([[274, 3, [orientation]]]);
      const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), t]);
      const head = Buffer.alloc(4);
      head.writeUInt16BE(0xffe1, 0);
      head.writeUInt16BE(body.length + 2, 2);
      return Buffer.concat([head, body]);
    };
    const sof = Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x40, 0x01, 0x01, 0x11, 0x00]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), exif(6), exif(3), sof]);
    expect(readJpegSize(jpeg)).toMatchObject({ width: 64, height: 32, orientation: 6 });
  });
});
