// Issue 11 item 9 for pictures, through the use case (S3-compatible store, dynalite, the faxrocks
// sandbox): PNG decompression bombs, white pictures of 36 megapixels (within MAX_IMAGE_PIXELS) in
// files of tens of kilobytes. pdf-lib's PNG decoder inflated and re-deflated them in JavaScript
// (27 s for one). Now an opaque PNG is faxed with its image data as it came, never inflated here,
// and one that must be decoded (alpha, interlaced) is refused from its header past 16 megapixels.
// What each costs is in the hostile bench (`npm run bench -- --only=headers`).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PngLayout, whitePngBomb } from '../fixtures/images.ts';
import { buildSesMail } from '../fixtures/mail-builder.ts';
import { type InboundWorld, startInboundWorld } from '../support/inbound-world.ts';
import { imageXObjects } from '../support/pdf-images.ts';

let world: InboundWorld;
let nextNumber = 910;

beforeAll(async () => {
  world = await startInboundWorld({}, { senders: ['alice@example.com'] });
});
afterAll(async () => world?.close());

async function mailPicture(png: Buffer, filename: string) {
  const number = `+4930555000${nextNumber++}`;
  const { id, result } = await world.process(
    await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: 'Picture',
      pdfs: [{ filename, bytes: png, contentType: 'image/png' }],
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
  const opaque: [string, PngLayout, number][] = [
    ['8-bit grey', { colourType: 0, bitDepth: 8 }, 1],
    ['8-bit RGB', { colourType: 2, bitDepth: 8 }, 3],
  ];
  for (const [name, layout, colours] of opaque) {
    it(`an opaque ${name} one of 36 megapixels is faxed with its image data as it came, never inflated`, async () => {
      const bomb = await whitePngBomb(6000, 6000, layout);
      expect(bomb.byteLength).toBeLessThan(200 * 1024);
      const { result, number } = await mailPicture(bomb, 'white.png');
      expect(result).toMatchObject({ outcome: 'ACCEPTED' });

      const [image, ...others] = await imageXObjects(await faxedPdf(number));
      expect(others).toHaveLength(0);
      expect(image?.entries).toMatchObject({
        Width: 6000,
        Height: 6000,
        BitsPerComponent: 8,
        ColorSpace: colours === 3 ? 'DeviceRGB' : 'DeviceGray',
        Filter: 'FlateDecode',
        DecodeParms: { Predictor: 15, Colors: colours, BitsPerComponent: 8, Columns: 6000 },
      });
      // The PNG's own deflated rows, byte for byte: nothing here inflated them.
      expect(Buffer.from(image?.contents ?? []).equals(idatOf(bomb))).toBe(true);
    }, 120_000);
  }

  const decoded: [string, PngLayout, RegExp][] = [
    [
      '8-bit RGBA',
      { colourType: 6, bitDepth: 8 },
      /white\.png is a picture with transparency of 6000 x 6000/,
    ],
    [
      'interlaced grey',
      { colourType: 0, bitDepth: 8, interlaced: true },
      /white\.png is an interlaced picture of 6000 x 6000/,
    ],
  ];
  for (const [name, layout, detail] of decoded) {
    it(`an ${name} one of 36 megapixels, which would have to be decoded, is refused from its header`, async () => {
      const bomb = await whitePngBomb(6000, 6000, layout);
      const { id, result, number, reply } = await mailPicture(bomb, 'white.png');
      expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'image-too-large' });
      expect(reply).toMatch(detail);
      expect(reply).toMatch(/such PNGs are faxed up to 16\.0 megapixels/);
      expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(0);
      expect((await world.deps.ledger.getMail(id))?.outcome).toBe('REJECTED');
    }, 120_000);
  }

  it('an RGBA one within 16 megapixels is decoded by zlib and faxed white', async () => {
    const bomb = await whitePngBomb(4000, 4000, { colourType: 6, bitDepth: 8 });
    const { result, number } = await mailPicture(bomb, 'white.png');
    expect(result).toMatchObject({ outcome: 'ACCEPTED' });
    const [image] = await imageXObjects(await faxedPdf(number));
    expect(image?.entries).toMatchObject({ Width: 4000, Height: 4000, ColorSpace: 'DeviceRGB' });
    expect(image?.entries).not.toHaveProperty('SMask');
  }, 120_000);

  it('one whose data inflates to more than its header says is refused as damaged', async () => {
    // The rows of a 4000 x 4000 picture under a header that says 4000 x 1000.
    const bomb = await whitePngBomb(4000, 4000, { colourType: 6, bitDepth: 8 });
    bomb.writeUInt32BE(1000, 20);
    fixHeaderCrc(bomb);
    const { result, number, reply } = await mailPicture(bomb, 'liar.png');
    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'damaged' });
    expect(reply).toMatch(/liar\.png is damaged/);
    expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(0);
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
