// Issue 11 item 9, the other side of the decompression-bomb cap: legitimate PDFs that compress very
// well are faxed, through the use case (S3-compatible store, dynalite, the faxrocks sandbox). The
// cap is relative to the documents' size (document-budget.ts inflateCapOf); these are the kinds of
// document that compress best, and (the catalogue) the kind that inflates most while it is checked.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bilevelScanPdf,
  drawingPdf,
  manyAnnotationsPdf,
  textHeavyPdf,
} from '../fixtures/compressible-pdfs.ts';
import { buildSesMail } from '../fixtures/mail-builder.ts';
import { type InboundWorld, startInboundWorld } from '../support/inbound-world.ts';

let world: InboundWorld;

beforeAll(async () => {
  world = await startInboundWorld();
  await world.deps.senders.add({
    entry: 'alice@example.com',
    addedBy: 'test',
    addedAt: new Date().toISOString(),
  });
});
afterAll(async () => world?.close());

const cases: { name: string; pages: number; make: () => Promise<Uint8Array> }[] = [
  { name: 'contract.pdf', pages: 60, make: () => textHeavyPdf(60) },
  { name: 'floor-plan.pdf', pages: 1, make: () => drawingPdf(100_000) },
  { name: 'scan-bw.pdf', pages: 4, make: () => bilevelScanPdf(4) },
  // 20,000 small dictionaries in object streams: what inflates most, about 5 times the file.
  { name: 'catalogue.pdf', pages: 10, make: () => manyAnnotationsPdf(10, 2000) },
];

describe('highly compressible PDFs', { timeout: 180_000 }, () => {
  for (const [i, c] of cases.entries()) {
    it(`faxes ${c.name}`, async () => {
      const number = `+49305550009${20 + i}`;
      const { result } = await world.process(
        await buildSesMail({
          from: 'alice@example.com',
          to: `${number}@fax.example.com`,
          subject: c.name,
          pdfs: [{ filename: c.name, bytes: await c.make() }],
        }),
      );
      expect(result).toMatchObject({ outcome: 'ACCEPTED' });
      const faxes = world.sandbox.faxes().filter((f) => f.number === number);
      expect(faxes).toHaveLength(1);
      expect(faxes[0]?.pages).toBe(c.pages);
    });
  }
});
