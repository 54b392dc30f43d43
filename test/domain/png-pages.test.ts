// PNG pictures of every colour type, depth and layout become pages showing their pixels: opaque
// non-interlaced ones with their image data as it came (FlateDecode with the PNG predictor), the
// rest decoded here and flattened onto white. Each fax page's image is decoded back by poppler
// (as a fax service's renderer would) and compared with the pixels the PNG was made from; pngjs,
// a third decoder, checks that the test's PNGs say what the test thinks they say.

import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { prepareFaxDocument } from '../../functions/domain/documents.ts';
import type { MailPart } from '../../functions/domain/inbound-mail.ts';
import { encodePng, type PngLayout } from '../fixtures/images.ts';
import { decodedImage, imageXObjects, renderedRgb } from '../support/pdf-images.ts';

const limits = { maxPages: 10, maxDocumentBytes: 20 * 1024 * 1024 };

function part(content: Buffer): MailPart {
  return { content, contentType: 'image/png', disposition: 'attachment', filename: 'picture.png' };
}

const PALETTE = Uint8Array.from({ length: 16 * 3 }, (_, i) => (i * 37 + 11) % 256);

interface Case {
  name: string;
  layout: PngLayout;
  width?: number;
  height?: number;
  /** Whether the image data goes in as it came. */
  passthrough: boolean;
}

const opaque: Case[] = [
  ...([1, 2, 4, 8, 16] as const).map((d) => ({
    name: `grey ${d}-bit`,
    layout: { colourType: 0, bitDepth: d } as PngLayout,
    passthrough: true,
  })),
  ...([8, 16] as const).map((d) => ({
    name: `RGB ${d}-bit`,
    layout: { colourType: 2, bitDepth: d } as PngLayout,
    passthrough: true,
  })),
  ...([1, 2, 4, 8] as const).map((d) => ({
    name: `palette ${d}-bit`,
    layout: {
      colourType: 3,
      bitDepth: d,
      palette: PALETTE.subarray(0, Math.min(16, 2 ** d) * 3),
    } as PngLayout,
    passthrough: true,
  })),
  {
    name: 'palette with tRNS alphas',
    layout: {
      colourType: 3,
      bitDepth: 4,
      palette: PALETTE,
      transparency: Uint8Array.from([0, 128, 255, 40]),
    },
    passthrough: true,
  },
  // The alpha channel goes in too, composited onto white by the colour space as the page is drawn.
  { name: 'grey + alpha 8-bit', layout: { colourType: 4, bitDepth: 8 }, passthrough: true },
  { name: 'grey + alpha 16-bit', layout: { colourType: 4, bitDepth: 16 }, passthrough: true },
  { name: 'RGBA 8-bit', layout: { colourType: 6, bitDepth: 8 }, passthrough: true },
  { name: 'RGBA 16-bit', layout: { colourType: 6, bitDepth: 16 }, passthrough: true },
];
const decoded: Case[] = [
  {
    name: 'interlaced grey 8-bit',
    layout: { colourType: 0, bitDepth: 8, interlaced: true },
    passthrough: false,
  },
  {
    name: 'interlaced grey 1-bit',
    layout: { colourType: 0, bitDepth: 1, interlaced: true },
    passthrough: false,
  },
  {
    name: 'interlaced RGB 16-bit',
    layout: { colourType: 2, bitDepth: 16, interlaced: true },
    passthrough: false,
  },
  {
    name: 'interlaced palette 2-bit with tRNS',
    layout: {
      colourType: 3,
      bitDepth: 2,
      interlaced: true,
      palette: PALETTE.subarray(0, 12),
      transparency: Uint8Array.from([255, 0]),
    },
    passthrough: false,
  },
  {
    name: 'interlaced RGBA 8-bit',
    layout: { colourType: 6, bitDepth: 8, interlaced: true },
    passthrough: false,
  },
  {
    name: 'interlaced RGBA, 3 x 2 (empty passes)',
    layout: { colourType: 6, bitDepth: 8, interlaced: true },
    width: 3,
    height: 2,
    passthrough: false,
  },
  {
    name: 'interlaced grey, 1 x 1',
    layout: { colourType: 0, bitDepth: 8, interlaced: true },
    width: 1,
    height: 1,
    passthrough: false,
  },
];

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

/** Sample c of pixel (x, y): a pattern that differs across, down and between channels. */
function sampleOf(layout: PngLayout) {
  const max = 2 ** layout.bitDepth - 1;
  const entries = (layout.palette?.length ?? 0) / 3;
  return (x: number, y: number, c: number): number => {
    if (layout.colourType === 3) return (x * 3 + y * 5) % entries;
    const alphaChannel = (layout.colourType === 4 && c === 1) || (layout.colourType === 6 && c === 3);
    if (alphaChannel) return ((((x * 9 + y * 4) * (max + 1)) / 256) % (max + 1)) | 0;
    return ((((x * 13 + y * 7 + c * 50) * (max + 1)) / 256) % (max + 1)) | 0;
  };
}

/** What the page should show at each pixel, as 8-bit RGB on white paper. */
function expectedRgb(c: Case, width: number, height: number, flatten: boolean): Uint8Array {
  const { layout } = c;
  const sample = sampleOf(layout);
  const max = 2 ** layout.bitDepth - 1;
  const to8 = (v: number) => Math.round((v * 255) / max);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb: number[];
      let alpha = 255;
      if (layout.colourType === 3) {
        const i = sample(x, y, 0);
        rgb = [...(layout.palette as Uint8Array).subarray(i * 3, i * 3 + 3)];
        alpha = layout.transparency?.[i] ?? 255;
      } else {
        const colours = layout.colourType === 2 || layout.colourType === 6 ? 3 : 1;
        const values = Array.from({ length: colours }, (_, k) => to8(sample(x, y, k)));
        rgb = colours === 3 ? values : ([values[0], values[0], values[0]] as number[]);
        if (layout.colourType === 4 || layout.colourType === 6)
          alpha = to8(sample(x, y, CHANNELS[layout.colourType] - 1));
      }
      const shown = flatten ? rgb.map((v) => Math.round((v * alpha + 255 * (255 - alpha)) / 255)) : rgb;
      out.set(shown, (y * width + x) * 3);
    }
  }
  return out;
}

function largestDifference(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let most = 0;
  for (let i = 0; i < a.length; i++) most = Math.max(most, Math.abs((a[i] as number) - (b[i] as number)));
  return most;
}

describe('PNG pictures become pages showing their pixels', () => {
  for (const c of [...opaque, ...decoded]) {
    it(`${c.name}: ${c.passthrough ? 'image data as it came' : 'decoded and flattened onto white'}`, async () => {
      const width = c.width ?? 37;
      const height = c.height ?? 23;
      const png = encodePng(width, height, c.layout, sampleOf(c.layout));

      // The test's PNG says what the test thinks: pngjs reads the same pixels (8-bit, alpha kept apart).
      const reference = PNG.sync.read(png);
      const referenceRgb = new Uint8Array(width * height * 3);
      for (let i = 0; i < width * height; i++) {
        const a = reference.data[i * 4 + 3] as number;
        for (let k = 0; k < 3; k++) {
          const v = reference.data[i * 4 + k] as number;
          referenceRgb[i * 3 + k] = Math.round((v * a + 255 * (255 - a)) / 255);
        }
      }
      expect(largestDifference(referenceRgb, expectedRgb(c, width, height, true))).toBeLessThanOrEqual(1);

      const decision = await prepareFaxDocument([part(png)], limits);
      if (!decision.ok) throw new Error(decision.detail);
      const [image, ...others] = await imageXObjects(decision.document.bytes);
      expect(others).toHaveLength(0);
      expect(image?.entries).toMatchObject({ Width: width, Height: height, Filter: 'FlateDecode' });
      if (c.passthrough) {
        const colours = CHANNELS[c.layout.colourType];
        expect(image?.entries).toMatchObject({
          BitsPerComponent: c.layout.bitDepth,
          DecodeParms: {
            Predictor: 15,
            Colors: colours,
            BitsPerComponent: c.layout.bitDepth,
            Columns: width,
          },
        });
      } else {
        expect(image?.entries).toMatchObject({ BitsPerComponent: 8 });
        expect(image?.entries).not.toHaveProperty('DecodeParms');
      }
      if (c.passthrough && (c.layout.colourType === 4 || c.layout.colourType === 6)) {
        const [family, , alternate] = (image?.entries.ColorSpace ?? []) as unknown[];
        expect([family, alternate]).toEqual([
          'DeviceN',
          c.layout.colourType === 6 ? 'DeviceRGB' : 'DeviceGray',
        ]);
      }
      if (c.passthrough && c.layout.colourType === 3) {
        const entries = (c.layout.palette?.length ?? 0) / 3;
        const lookup = Array.from({ length: entries * 3 }, (_, i) => {
          const a = c.layout.transparency?.[Math.floor(i / 3)] ?? 255;
          return Math.round((((c.layout.palette as Uint8Array)[i] as number) * a + 255 * (255 - a)) / 255);
        });
        expect(image?.entries.ColorSpace).toEqual([
          'Indexed',
          'DeviceRGB',
          entries - 1,
          Buffer.from(lookup).toString('hex'),
        ]);
      }
      const shown = decodedImage(decision.document.bytes);
      expect([shown.width, shown.height]).toEqual([width, height]);
      const onePalette = c.passthrough && c.layout.colourType === 3 && c.layout.bitDepth === 1;
      // pdfimages writes a 1-bit image as its bits, whatever its colour space: index 1 black.
      const expected = onePalette
        ? expectedRgb(
            { ...c, layout: { ...c.layout, palette: Uint8Array.from([255, 255, 255, 0, 0, 0]) } },
            width,
            height,
            true,
          )
        : expectedRgb(c, width, height, true);
      expect(largestDifference(shown.rgb, expected)).toBeLessThanOrEqual(1);
    });
  }

  it('an alpha channel passed through is composited onto white as pdftoppm draws the page', async () => {
    // Blocks of 6 x 6 pixels, each of one colour and alpha, drawn at the picture's own 200 pixels
    // per inch: each block's middle pixel on the page is that colour on white.
    const [cols, rows, side] = [9, 7, 6];
    const alphas = [0, 1, 64, 128, 200, 254, 255];
    for (const layout of [
      { colourType: 6, bitDepth: 8 },
      { colourType: 6, bitDepth: 16 },
      { colourType: 4, bitDepth: 8 },
      { colourType: 4, bitDepth: 16 },
    ] as PngLayout[]) {
      const max = 2 ** layout.bitDepth - 1;
      const colours = layout.colourType === 6 ? 3 : 1;
      const block = (bx: number, by: number, c: number) =>
        c === colours
          ? ((alphas[(bx + by) % alphas.length] as number) * max) / 255
          : Math.round((((bx * 37 + by * 91 + c * 60) % 256) * max) / 255);
      const png = encodePng(cols * side, rows * side, layout, (x, y, c) =>
        block(Math.floor(x / side), Math.floor(y / side), c),
      );
      const decision = await prepareFaxDocument([part(png)], limits);
      if (!decision.ok) throw new Error(decision.detail);
      const [image] = await imageXObjects(decision.document.bytes);
      expect(image?.entries).toMatchObject({ DecodeParms: { Predictor: 15, Colors: colours + 1 } });

      const page = renderedRgb(decision.document.bytes, 1, 200);
      const left = Math.floor((page.width - cols * side) / 2);
      const top = Math.floor((10 / 25.4) * 200);
      let most = 0;
      for (let by = 0; by < rows; by++) {
        for (let bx = 0; bx < cols; bx++) {
          const at = ((top + by * side + side / 2) * page.width + left + bx * side + side / 2) * 3;
          const a = Math.round((block(bx, by, colours) * 255) / max);
          for (let k = 0; k < 3; k++) {
            const v = Math.round((block(bx, by, colours === 3 ? k : 0) * 255) / max);
            const expected = Math.round((v * a + 255 * (255 - a)) / 255);
            most = Math.max(most, Math.abs((page.rgb[at + k] as number) - expected));
          }
        }
      }
      expect(most, `${layout.colourType}/${layout.bitDepth}`).toBeLessThanOrEqual(1);
    }
  });

  it('a grey or RGB colour key (tRNS) becomes a colour-key mask: the paper shows through', async () => {
    for (const [layout, mask] of [
      [{ colourType: 0, bitDepth: 8, transparency: Uint8Array.from([0, 50]) }, [50, 50]],
      [
        { colourType: 2, bitDepth: 16, transparency: Uint8Array.from([1, 2, 3, 4, 5, 6]) },
        [258, 258, 772, 772, 1286, 1286],
      ],
    ] as [PngLayout, number[]][]) {
      const png = encodePng(37, 23, layout, sampleOf(layout));
      const decision = await prepareFaxDocument([part(png)], limits);
      if (!decision.ok) throw new Error(decision.detail);
      const [image] = await imageXObjects(decision.document.bytes);
      expect(image?.entries).toMatchObject({ Mask: mask, DecodeParms: { Predictor: 15 } });
      // Masks are not applied by pdfimages: the samples are the picture's own.
      const c = { name: '', layout, passthrough: true };
      expect(
        largestDifference(decodedImage(decision.document.bytes).rgb, expectedRgb(c, 37, 23, false)),
      ).toBeLessThanOrEqual(1);
    }
  });

  it('damaged or nonsensical PNGs are refused as damaged, from their chunks or their data', async () => {
    const good = encodePng(37, 23, { colourType: 6, bitDepth: 8 }, sampleOf({ colourType: 6, bitDepth: 8 }));
    const badDepth = Buffer.from(good);
    badDepth[24] = 3;
    const noPalette = encodePng(8, 8, { colourType: 3, bitDepth: 8, palette: PALETTE }, () => 0);
    const withoutPlte = Buffer.concat([
      noPalette.subarray(0, 33),
      noPalette.subarray(33 + 12 + PALETTE.length),
    ]);
    const shortData = Buffer.from(good.subarray(0, good.length - 30));
    for (const bytes of [badDepth, withoutPlte, shortData, good.subarray(0, 40)]) {
      const decision = await prepareFaxDocument([part(Buffer.from(bytes))], limits);
      expect(decision).toMatchObject({ ok: false, problem: 'damaged', files: ['picture.png'] });
    }
  });
});
