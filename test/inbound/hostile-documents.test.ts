// Issue 11 item 9 through the use case (S3-compatible store, dynalite, the faxrocks sandbox): a 1 MB
// PDF whose object stream inflates to 1 GB is answered "too complex to fax", nothing is faxed, and
// this process (which runs the use case, as the Lambda does) carries on with the next mail without
// having held the gigabyte.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numberArrayBomb, objectStreamBomb } from '../fixtures/hostile-pdfs.ts';
import { buildSesMail, samplePdf } from '../fixtures/mail-builder.ts';
import { type InboundWorld, startInboundWorld } from '../support/inbound-world.ts';

let world: InboundWorld;

beforeAll(async () => {
  world = await startInboundWorld({}, { senders: ['alice@example.com'] });
});
afterAll(async () => world?.close());

describe('a PDF decompression bomb', () => {
  it('is answered "too complex to fax", never faxed, and the next mail goes out', async () => {
    const bomb = objectStreamBomb(1024);
    expect(bomb.byteLength).toBeLessThan(1.2 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const { id, result } = await world.process(
      await buildSesMail({
        from: 'alice@example.com',
        to: '+4930555000901@fax.example.com',
        subject: 'Contract',
        pdfs: [{ filename: 'contract.pdf', bytes: bomb }],
      }),
    );

    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'too-complex' });
    expect(world.sandbox.faxes().filter((f) => f.number === '+4930555000901')).toHaveLength(0);
    expect(world.mailer.sent).toHaveLength(1);
    expect(world.mailer.sent[0]?.to).toEqual({ address: 'alice@example.com' });
    expect(world.mailer.sent[0]?.text).toMatch(/contract\.pdf is too complex to fax/);
    expect((await world.deps.ledger.getMail(id))?.outcome).toBe('REJECTED');
    // The gigabyte was never inflated here (nor in the worker, which stopped at its budget).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);

    const next = await world.process(
      await buildSesMail({
        from: 'alice@example.com',
        to: '+4930555000902@fax.example.com',
        pdfs: [{ filename: 'letter.pdf', bytes: await samplePdf(2) }],
      }),
    );
    expect(next.result).toMatchObject({ outcome: 'ACCEPTED' });
    expect(world.sandbox.faxes().filter((f) => f.number === '+4930555000902')).toHaveLength(1);
    // Inflating up to the budget takes seconds alone, far longer beside the rest of the suite.
  }, 120_000);

  it('one whose object stream holds millions of tiny objects is answered "too complex to fax" too', async () => {
    // 4 million zeros in 8 KB inflate to 8 MB: pdf-lib once made every one of them (seconds, and
    // 230 MB), and the mail was faxed; then the count of objects stopped it at 20,000, after 8 MB
    // inflated under the 16 MB the inflate cap allowed any document. Now a document of 8 KB may
    // inflate to 1 MB and 16 times its size, and the stream is refused before a zero is read.
    const { id, result } = await world.process(
      await buildSesMail({
        from: 'alice@example.com',
        to: '+4930555000903@fax.example.com',
        subject: 'Numbers',
        pdfs: [{ filename: 'numbers.pdf', bytes: numberArrayBomb(4_000_000) }],
      }),
    );
    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'too-complex' });
    expect(world.sandbox.faxes().filter((f) => f.number === '+4930555000903')).toHaveLength(0);
    expect(world.mailer.sent.at(-1)?.text).toMatch(
      /numbers\.pdf is too complex to fax: it inflates to more than 1 MB/,
    );
    expect((await world.deps.ledger.getMail(id))?.outcome).toBe('REJECTED');
  }, 120_000);
});

describe('a mail of more files than pages are faxed', () => {
  it('is refused by its count, without a file opened, and the reply says so once', async () => {
    // 3,000 one-page PDFs were each opened (about half a second, and 100 MiB more memory) only to
    // be refused for their pages; the count alone decides, as every file is a page at least.
    const page = await samplePdf(1);
    const { id, result } = await world.process(
      await buildSesMail({
        from: 'alice@example.com',
        to: '+4930555000904@fax.example.com',
        subject: 'Pages',
        pdfs: Array.from({ length: 3000 }, (_, i) => ({ filename: `page-${i}.pdf`, bytes: page })),
      }),
    );
    expect(result).toMatchObject({ outcome: 'REJECTED', reason: 'too-many-pages' });
    expect(world.sandbox.faxes().filter((f) => f.number === '+4930555000904')).toHaveLength(0);
    const reply = world.mailer.sent.at(-1);
    expect(reply?.to).toEqual({ address: 'alice@example.com' });
    expect(reply?.text).toContain(
      'The email has 3,000 files to fax (PDFs and pictures), each a page at least; at most 100 pages are faxed at once.',
    );
    expect(reply?.text).not.toContain('page-2999.pdf');
    expect((await world.deps.ledger.getMail(id))?.outcome).toBe('REJECTED');
  }, 120_000);
});
