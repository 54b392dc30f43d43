// Issue 11 item 9 for pictures, through the use case (S3-compatible store, dynalite, the faxrocks
// sandbox): PNG decompression bombs, white pictures of 36 megapixels (within MAX_IMAGE_PIXELS) in
// files of tens of kilobytes. pdf-lib's PNG decoder inflated and re-deflated them in JavaScript
// (27 s for one). Now a non-interlaced PNG (alpha too) is faxed with its image data as it came,
// never inflated here, and an interlaced one, which must be decoded, is refused from its header
// past 16 megapixels, or when it would decode to more than 1 MB and twice its file's size.
// What each costs is in the hostile bench (`npm run bench -- --only=headers`).

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PngLayout, tiffOf, whitePngBomb } from '../fixtures/images.ts';
import { buildSesMail } from '../fixtures/mail-builder.ts';
import { type InboundWorld, startInboundWorld } from '../support/inbound-world.ts';
import { imageXObjects } from '../support/pdf-images.ts';

let world: InboundWorld;
let nextNumber = 910;

beforeAll(async () => {
  world = await startInboundWorld({}, { senders: ['alice@example.com'] });
});
afterAll(async () => world?.close());

async function mailPicture(png: Buffer, filename: string, contentType = 'image/png') {
  const number = `+4930555000${nextNumber++}`;
  const { id, result } = await world.process(
    await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: 'Picture',
      pdfs: [{ filename, bytes: png, contentType }],
    }),
  );
  return { id, result, number, reply: world.mailer.sent.at(-1)?.text ?? '' };
}

async function faxedPdf(number: string): Promise<Uint8Array> {
  const fax = world.sandbox.faxes().find((f) => f.number === number);
  if (!fax) throw new Error(`nothing was faxed to ${number}`);
  const response = await fetch(`${world.sandbox.url}/faxes/${fax.id}/fax`, {
    headers: { authorization: `Bearer ${world.sandbox.token}`, accept: 'application/pdf' },
  });
  return new Uint8Array(await response.arrayBuffer());
}

/** The PNG's IDAT chunks' data, joined. */
function idatOf(png: Buffer): Buffer {
  const data: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') data.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return Buffer.concat(data);
}

describe('a PNG decompression bomb', () => {
  const passedThrough: [string, PngLayout, unknown][] = [
    ['8-bit grey', { colourType: 0, bitDepth: 8 }, 'DeviceGray'],
    ['8-bit RGB', { colourType: 2, bitDepth: 8 }, 'DeviceRGB'],
    // Its alpha channel is composited onto white by the colour space as the page is drawn.
    ['8-bit RGBA', { colourType: 6, bitDepth: 8 }, expect.arrayContaining(['DeviceN', 'DeviceRGB'])],
    [
      '16-bit grey + alpha',
      { colourType: 4, bitDepth: 16 },
      expect.arrayContaining(['DeviceN', 'DeviceGray']),
    ],
  ];
  for (const [name, layout, colourSpace] of passedThrough) {
    it(`a non-interlaced ${name} one of 36 megapixels is faxed with its image data as it came, never inflated`, async () => {
      const bomb = await whitePngBomb(6000, 6000, layout);
      expect(bomb.byteLength).toBeLessThan(400 * 1024);
      const { result, number } = await mailPicture(bomb, 'white.png');
      expect(result).toMatchObject({ outcome: 'ACCEPTED' });

      const [image, ...others] = await imageXObjects(await faxedPdf(number));
      expect(others).toHaveLength(0);
      const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[layout.colourType];
      expect(image?.entries).toMatchObject({
        Width: 6000,
        Height: 6000,
        BitsPerComponent: layout.bitDepth,
        ColorSpace: colourSpace,
        Filter: 'FlateDecode',
        DecodeParms: { Predictor: 15, Colors: channels, BitsPerComponent: layout.bitDepth, Columns: 6000 },
      });
      // The PNG's own deflated rows, byte for byte: nothing here inflated them.
      expect(Buffer.from(image?.contents ?? []).equals(idatOf(bomb))).toBe(true);
    }, 120_000);
  }

  it('an interlaced one of 36 megapixels, which would have to be decoded, is refused from its header', async () => {
    const bomb = await whitePngBomb(6000, 6000, { colourType: 0, bitDepth: 8, interlaced: true });
    const { id, result, number, reply } = await mailPicture(bomb, 'white.png');
    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'image-too-large' });
    expect(reply).toMatch(/white\.png is an interlaced picture of 6000 x 6000/);
    expect(reply).toMatch(/such PNGs are faxed up to 16\.0 megapixels/);
    expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(0);
    expect((await world.deps.ledger.getMail(id))?.outcome).toBe('REJECTED');
  }, 120_000);

  it('an interlaced one within 16 megapixels that decodes to far more than its size is refused from its header', async () => {
    // 64 MB of pixels from 74 KB: decoding it cost 60 times an ordinary mail of its size.
    const bomb = await whitePngBomb(4000, 4000, { colourType: 6, bitDepth: 8, interlaced: true });
    const { id, result, number, reply } = await mailPicture(bomb, 'white.png');
    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'too-complex' });
    expect(reply).toMatch(
      /white\.png is an interlaced picture of 4000 x 4000 pixels, which would be decoded to 61\.0 MB from a file of 73 KB/,
    );
    expect(reply).toMatch(/at most 1\.0 MB or twice the file's size/);
    expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(0);
    expect((await world.deps.ledger.getMail(id))?.outcome).toBe('REJECTED');
  }, 120_000);

  it('an interlaced RGBA one that decodes to at most 1 MB is decoded by zlib and faxed white', async () => {
    const icon = await whitePngBomb(500, 500, { colourType: 6, bitDepth: 8, interlaced: true });
    const { result, number } = await mailPicture(icon, 'white.png');
    expect(result).toMatchObject({ outcome: 'ACCEPTED' });
    const [image] = await imageXObjects(await faxedPdf(number));
    expect(image?.entries).toMatchObject({ Width: 500, Height: 500, ColorSpace: 'DeviceRGB' });
    expect(image?.entries).not.toHaveProperty('SMask');
    expect(image?.entries).not.toHaveProperty('DecodeParms');
  }, 120_000);

  it('one whose data inflates to more than its header says is refused as damaged', async () => {
    // The rows of a 700 x 700 picture under a header that says 700 x 200 (interlaced, so it is
    // decoded here; a non-interlaced one's rows are read by the renderer, as many as it needs).
    const bomb = await whitePngBomb(700, 700, { colourType: 6, bitDepth: 8, interlaced: true });
    bomb.writeUInt32BE(200, 20);
    fixHeaderCrc(bomb);
    const { result, number, reply } = await mailPicture(bomb, 'liar.png');
    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'damaged' });
    expect(reply).toMatch(/liar\.png is damaged/);
    expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(0);
  }, 120_000);
});

describe('a TIFF decompression bomb', () => {
  const white = { width: 6000, height: 6000, pixels: new Uint8Array(6000 * 6000).fill(255) };

  it('a white RGB Deflate TIFF of 36 megapixels is faxed with its strips as they came, never inflated', async () => {
    const bomb = tiffOf([white], { compression: 'deflate-rgb', predictor: 2, rowsPerStrip: 1000 });
    expect(bomb.byteLength).toBeLessThan(200 * 1024);
    const { result, number } = await mailPicture(bomb, 'white.tif', 'image/tiff');
    expect(result).toMatchObject({ outcome: 'ACCEPTED' });
    const images = await imageXObjects(await faxedPdf(number));
    expect(images).toHaveLength(6);
    for (const image of images) {
      expect(image.entries).toMatchObject({
        Width: 6000,
        Height: 1000,
        ColorSpace: 'DeviceRGB',
        Filter: 'FlateDecode',
        DecodeParms: { Predictor: 2, Colors: 3, BitsPerComponent: 8, Columns: 6000 },
      });
    }
  }, 120_000);

  it('a white G3 fax TIFF of 36 megapixels is faxed with its strips as they came, never decoded', async () => {
    const bomb = tiffOf([white], { compression: 'g3-1d', rowsPerStrip: 1000 });
    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    const { result, number } = await mailPicture(bomb, 'fax.tif', 'image/tiff');
    expect(result).toMatchObject({ outcome: 'ACCEPTED' });
    const images = await imageXObjects(await faxedPdf(number));
    expect(images.map((i) => i.entries.Filter)).toEqual(Array(6).fill('CCITTFaxDecode'));
    expect(images[0]?.entries).toMatchObject({ DecodeParms: { K: 0, Columns: 6000, Rows: 1000 } });
  }, 120_000);

  it('one of 36 megapixels that would have to be decoded (16-bit) is refused from its header', async () => {
    const bomb = tiffOf([white], { compression: 'deflate-grey', rowsPerStrip: 1000 });
    // The same rows as 3000 16-bit samples each.
    const dir = bomb.readUInt32LE(4);
    for (let i = 0; i < bomb.readUInt16LE(dir); i++) {
      const e = dir + 2 + i * 12;
      const tag = bomb.readUInt16LE(e);
      if (tag === 256) bomb.writeUInt32LE(3000, e + 8);
      if (tag === 257) bomb.writeUInt32LE(6000, e + 8);
      if (tag === 258) bomb.writeUInt16LE(16, e + 8);
    }
    const { result, number, reply } = await mailPicture(bomb, 'white.tif', 'image/tiff');
    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'image-too-large' });
    expect(reply).toMatch(
      /white\.tif has a page of 3000 x 6000 pixels \(18\.0 megapixels\) in a form that must be decoded/,
    );
    expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(0);
  }, 120_000);
  it('one within 16 megapixels that would be decoded to far more than its size is refused from its header', async () => {
    // 16 MB of grey from 16 KB (fill order 2, so utif2 decodes it): 2 to 3 s of decoding before.
    const page = { width: 4000, height: 4000, pixels: new Uint8Array(4000 * 4000).fill(255) };
    const bomb = tiffOf([page], { compression: 'deflate-grey', fillOrder: 2, rowsPerStrip: 1000 });
    expect(bomb.byteLength).toBeLessThan(32 * 1024);
    const { result, number, reply } = await mailPicture(bomb, 'white.tif', 'image/tiff');
    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'too-complex' });
    expect(reply).toMatch(/white\.tif has pages that would be decoded to 15\.3 MB from a file of 16 KB/);
    expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(0);

    // A page from a file of its own pixels' size (as a scan's photo is) is decoded and faxed: its
    // rows read as 16-bit samples, 1000 a row, so utif2 decodes it (fill order 2, which forced that
    // above, is refused once the page is small enough to decode: utif2 ignores it, libtiff does not).
    const noisy = new Uint8Array(randomBytes(2000 * 2000));
    const scan = tiffOf([{ width: 2000, height: 2000, pixels: noisy }], { compression: 'deflate-grey' });
    const scanDir = scan.readUInt32LE(4);
    for (let i = 0; i < scan.readUInt16LE(scanDir); i++) {
      const e = scanDir + 2 + i * 12;
      if (scan.readUInt16LE(e) === 256) scan.writeUInt32LE(1000, e + 8);
      if (scan.readUInt16LE(e) === 258) scan.writeUInt16LE(16, e + 8);
    }
    const faxed = await mailPicture(scan, 'scan.tif', 'image/tiff');
    expect(faxed.result).toMatchObject({ outcome: 'ACCEPTED' });
  }, 120_000);
});

/** Recomputes the IHDR chunk's CRC after its fields were changed. */
function fixHeaderCrc(png: Buffer): void {
  let c = 0xffffffff;
  for (const b of png.subarray(12, 29)) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  png.writeUInt32BE((c ^ 0xffffffff) >>> 0, 29);
}
