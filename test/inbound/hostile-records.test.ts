// Issue 11 item 10 through the use case against dynalite, which enforces DynamoDB's 400 KB item
// limit: whatever a mail holds, what is stored about it is bounded, and no write after a /send
// that succeeded can fail on size (the sender gets the queued reply, the records say QUEUED and
// ACCEPTED, the fax goes out once).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES } from '../../functions/mail/header-limits.ts';
import { buildSesMail, samplePdf } from '../fixtures/mail-builder.ts';
import { type InboundWorld, startInboundWorld } from '../support/inbound-world.ts';

let world: InboundWorld;

beforeAll(async () => {
  world = await startInboundWorld({}, { senders: ['alice@example.com'] });
});
afterAll(async () => world?.close());

/** A Subject header of about `bytes`, folded into lines of about 900 bytes. */
function foldedSubject(bytes: number): string {
  const words = Array.from({ length: Math.ceil(bytes / 10) }, (_, i) => `w${String(i).padStart(7, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 90) lines.push(words.slice(i, i + 90).join(' '));
  return `Subject: ${lines.join('\r\n ')}`;
}

async function mailWithSubject(number: string, subjectBytes: number): Promise<Buffer> {
  const raw = await buildSesMail({
    from: 'alice@example.com',
    to: `${number}@fax.example.com`,
    subject: 'SUBJECT-PLACEHOLDER',
    pdfs: [{ filename: 'letter.pdf', bytes: await samplePdf(1) }],
  });
  const text = raw.toString('latin1');
  return Buffer.from(text.replace('Subject: SUBJECT-PLACEHOLDER', foldedSubject(subjectBytes)), 'latin1');
}

function itemBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

async function expectSentOnceAndRecorded(id: string, number: string): Promise<void> {
  expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(1);
  const job = await world.deps.ledger.getJob(id, number);
  expect(job?.state).toBe('QUEUED');
  const mail = await world.deps.ledger.getMail(id);
  expect(mail?.outcome).toBe('ACCEPTED');
  expect(mail?.repliedAt).toBeDefined();
  // Bounded well below the limit, not just under it.
  expect(itemBytes(job)).toBeLessThan(64 * 1024);
  expect(itemBytes(mail)).toBeLessThan(64 * 1024);
}

describe('records stay under DynamoDB item limit', () => {
  it('faxes, records and answers a mail whose subject is as large as a readable header block allows', async () => {
    const number = '+4930555000921';
    const raw = await mailWithSubject(number, 200 * 1024);
    const { id, result } = await world.process(raw);
    expect(result).toMatchObject({ outcome: 'ACCEPTED' });
    await expectSentOnceAndRecorded(id, number);
    const reply = world.mailer.sent.at(-1);
    expect(reply?.subject.length).toBeLessThan(300);
    expect(reply?.subject).toMatch(/^Fax queued: w0000000 w0000001 .*\u2026$/);
  });

  it('records a mail whose 1.5 MB subject makes the header block unreadable as dropped', async () => {
    const number = '+4930555000922';
    const raw = await mailWithSubject(number, 1.5 * 1024 * 1024);
    expect(raw.length).toBeGreaterThan(MAX_HEADER_BYTES);
    const { id, result } = await world.process(raw);
    expect(result).toMatchObject({ outcome: 'DROPPED', reason: 'unreadable-mime' });
    expect((await world.deps.ledger.getMail(id))?.outcome).toBe('DROPPED');
    expect(world.sandbox.faxes().filter((f) => f.number === number)).toHaveLength(0);
  });

  it('faxes a PDF sent with 3,000 other attachments with long names once, answers and records it', async () => {
    const number = '+4930555000923';
    const sentBefore = world.mailer.sent.length;
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: 'Many files',
      pdfs: [{ filename: 'letter.pdf', bytes: await samplePdf(1) }],
      attachments: Array.from({ length: 3000 }, (_, i) => ({
        filename: `${'a-very-long-attachment-name-'.repeat(7)}${i}.txt`,
        content: 'x',
        contentType: 'text/plain',
      })),
    });
    const { id, result } = await world.process(raw);
    expect(result).toMatchObject({ outcome: 'ACCEPTED' });
    await expectSentOnceAndRecorded(id, number);
    expect(world.mailer.sent.length).toBe(sentBefore + 1);
    const reply = world.mailer.sent.at(-1)?.text ?? '';
    expect(reply).toMatch(/Fax|queued/i);
    // The reply names some and counts the rest; the record does the same.
    expect(reply).toMatch(/and 2,9\d\d more/);
    expect(reply.length).toBeLessThan(20_000);
    const mail = await world.deps.ledger.getMail(id);
    expect(mail?.ignoredAttachments?.at(-1)).toMatch(/and 2,9\d\d more/);
  }, 120_000);
});
