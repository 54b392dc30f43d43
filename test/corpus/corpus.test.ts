// The corpus of real-world mail (test/corpus/mail, written by make-corpus.ts) through `npm start`:
// ONE local gateway on free ports, senders allowlisted through the admin CLI's code path, every
// mail written into the bucket under inbound/<SES message id> with the real S3 client as SES would,
// then what reached the faxrocks sandbox (GET /faxes, GET /faxes/{id}/fax), the outbox and the
// ledger is checked against test/corpus/expectations.ts.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PDFDocument } from '@cantoo/pdf-lib';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailRecord } from '../../functions/domain/fax-job.ts';
import { localAwsClientConfig } from '../../local/aws-client-config.ts';
import type { LocalGateway } from '../../local/runtime.ts';
import type { FaxView } from '../../sandbox/faxrocks-sandbox.ts';
import { runFaxgate } from '../support/cli.ts';
import { faxPdf, outboxMails, startTestGateway } from '../support/local-gateway.ts';
import { type CorpusExpectation, corpusAllowlist, corpusExpectations } from './expectations.ts';

const mailDir = join(dirname(fileURLToPath(import.meta.url)), 'mail');
// Generous: some 40 mails through one gateway on a machine that may be running other suites too.
const DEADLINE_MS = 180_000;

interface Sent {
  expectation: CorpusExpectation;
  sesId: string;
  /** The original's Message-ID, read from the file by mailparser (independently of faxgate). */
  messageId: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let gateway: LocalGateway;
const sent = new Map<string, Sent>();
const records = new Map<string, MailRecord>();
let faxes: FaxView[] = [];
let replies: ParsedMail[] = [];

function sesIdOf(raw: Buffer): string {
  // SES's own trace line names the message id that is also the object key.
  const id = /by inbound-smtp\.[a-z0-9-]+\.amazonaws\.com with SMTP id ([a-z0-9]+)/.exec(
    raw.toString('latin1'),
  )?.[1];
  if (!id) throw new Error('corpus mail without SES Received line');
  return id;
}

const faxDocument = (id: string) => faxPdf(gateway, id);

describe('real-world mail corpus through npm start', () => {
  beforeAll(async () => {
    gateway = await startTestGateway({ dirPrefix: 'faxgate-corpus-', policy: { defaultCountry: 'DE' } });
    cleanups.push(() => gateway.close());

    const env = {
      FAXGATE_DYNAMODB_ENDPOINT: gateway.dynamodbEndpoint,
      SENDERS_TABLE: gateway.config.sendersTable,
    };
    for (const entry of corpusAllowlist) {
      const added = await runFaxgate(['senders', 'add', entry, '--local', '--note', 'corpus'], env);
      expect(added.code, `${added.out}\n${added.err}`).toBe(0);
    }

    // Every corpus file has an expectation and the other way round.
    const files = readdirSync(mailDir)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => f.slice(0, -4))
      .sort();
    expect(files).toEqual(corpusExpectations.map((e) => e.mail).sort());

    // As SES does: the raw mail, byte for byte, under inbound/<message id>, by an ordinary S3 client.
    const s3 = new S3Client(localAwsClientConfig(gateway.s3Endpoint));
    cleanups.push(() => s3.destroy());
    for (const expectation of corpusExpectations) {
      const raw = readFileSync(join(mailDir, `${expectation.mail}.eml`));
      const sesId = sesIdOf(raw);
      const messageId = (await simpleParser(raw)).messageId ?? '';
      sent.set(expectation.mail, { expectation, sesId, messageId });
      await s3.send(
        new PutObjectCommand({
          Bucket: gateway.config.bucket,
          Key: `inbound/${sesId}`,
          Body: raw,
          ContentType: 'message/rfc822',
        }),
      );
    }

    // Bounded wait until every mail is decided and every reply that should go out went out.
    const started = Date.now();
    for (;;) {
      for (const { expectation, sesId } of sent.values()) {
        const record = await gateway.deps.ledger.getMail(sesId);
        const done =
          record !== undefined &&
          record.outcome !== 'RECEIVED' &&
          (expectation.reply === 'none' || record.repliedAt !== undefined);
        if (done) records.set(expectation.mail, record);
      }
      // The queue deletes a message once the handler returned, a moment after the reply went out.
      if (records.size === sent.size && gateway.queue.pendingBodies().length === 0) break;
      if (Date.now() - started > DEADLINE_MS) {
        const waiting = [...sent.keys()].filter((m) => !records.has(m));
        throw new Error(`gave up waiting for ${waiting.join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    faxes = gateway.sandbox?.faxes() ?? [];
    replies = await outboxMails(gateway);
  }, 240_000);

  it('sends nothing that no mail asked for, and nothing twice', async () => {
    const expected = corpusExpectations.flatMap((e) => e.numbers).sort();
    expect(faxes.map((f) => f.number).sort(), 'numbers at the sandbox').toEqual(expected);
    const expectedReplies = corpusExpectations.filter((e) => e.reply !== 'none').length;
    expect(replies.map((r) => r.subject).sort(), 'replies in the outbox').toHaveLength(expectedReplies);
    expect(gateway.queue.pendingBodies(), 'queue messages left').toEqual([]);
    expect(await gateway.queue.deadLetters(), 'dead letters').toEqual([]);
  });

  it('then the status poller ties every fax to its job and mails each outcome once, threaded, with the receipt', async () => {
    const queuedJobs = corpusExpectations.flatMap((e) => e.numbers.map((number) => ({ e, number })));
    // Bounded: a poll settles what it finds; a second one only if the first left something open.
    for (let run = 0; run < 5 && (await gateway.deps.ledger.listOpenJobs()).length > 0; run++) {
      await gateway.pollNow();
    }
    expect(await gateway.deps.ledger.listOpenJobs()).toEqual([]);
    const all = await outboxMails(gateway);
    // One report per mail: `Fax delivered: <original subject>` for one number (the number is in
    // the body), `Fax delivered to N of N numbers: <subject>` for several, every receipt attached.
    const reports = all.filter((m) => /^Fax delivered( to \d+ of \d+ numbers)?(: |$)/.test(m.subject ?? ''));
    let expectedReports = 0;
    for (const e of corpusExpectations.filter((x) => x.numbers.length > 0)) {
      const { sesId, messageId } = sent.get(e.mail) as Sent;
      for (const number of e.numbers) {
        const job = await gateway.deps.ledger.getJob(sesId, number);
        expect(job?.state, `${e.mail} ${number}`).toBe('DELIVERED');
      }
      const mine = reports.filter((m) =>
        e.numbers.length === 1
          ? (m.text ?? '').includes(`Number:      ${e.numbers[0]}\n`)
          : e.numbers.every((n) => (m.text ?? '').includes(`\n${n}: delivered\n`)),
      );
      if (e.reply === 'none') {
        expect(mine, `${e.mail}: no outcome email to an automatic sender`).toHaveLength(0);
        continue;
      }
      expectedReports++;
      expect(mine, e.mail).toHaveLength(1);
      const outcome = mine[0] as ParsedMail;
      expect(outcome.to).toMatchObject({ value: [{ address: e.reply.to }] });
      if (messageId) expect(outcome.inReplyTo).toBe(messageId);
      expect(outcome.attachments.map((a) => a.contentType)).toEqual(e.numbers.map(() => 'application/pdf'));
    }
    expect(queuedJobs.length).toBeGreaterThan(0);
    expect(reports).toHaveLength(expectedReports);
  });

  it.each(corpusExpectations.map((e) => [e.mail, e] as const))('%s', async (mail, expectation) => {
    const { sesId, messageId } = sent.get(mail) as Sent;
    const record = records.get(mail) as MailRecord;

    // The ledger's recorded outcome.
    expect(record.outcome).toBe(expectation.outcome);
    if (expectation.reason) expect(record.reason).toBe(expectation.reason);
    if (expectation.outcome === 'ACCEPTED')
      expect([...(record.numbers ?? [])].sort()).toEqual([...expectation.numbers].sort());
    const jobs = await gateway.deps.ledger.listJobs(sesId);
    expect(jobs.map((j) => j.number).sort()).toEqual([...expectation.numbers].sort());

    // What reached faxrocks: each number once, with the right document.
    for (const number of expectation.numbers) {
      const mine = faxes.filter((f) => f.number === number);
      expect(mine, `faxes to ${number}`).toHaveLength(1);
      const fax = mine[0] as FaxView;
      const bytes = await faxDocument(fax.id);
      const document = expectation.document;
      if (document?.kind === 'identical') {
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(document.sha256);
        expect(fax.pages).toBe(document.pages);
      } else if (document?.kind === 'merged') {
        const merged = await PDFDocument.load(bytes);
        expect(merged.getPages().map((p) => Math.round(p.getWidth()))).toEqual(document.pageWidths);
        expect(fax.pages).toBe(document.pageWidths.length);
      }
    }

    // The reply: to the From address, threaded, automatic, in plain words; or none at all.
    // Threaded under the original; a mail without Message-ID can only be found by its subject.
    const mine = messageId
      ? replies.filter((r) => r.inReplyTo === messageId)
      : replies.filter(
          (r) =>
            !r.inReplyTo && expectation.reply !== 'none' && expectation.reply.subject.test(r.subject ?? ''),
        );
    if (expectation.reply === 'none') {
      expect(mine).toHaveLength(0);
      return;
    }
    expect(mine).toHaveLength(1);
    const reply = mine[0] as ParsedMail;
    expect(reply.to).toMatchObject({ value: [{ address: expectation.reply.to }] });
    expect((reply.to as { value: unknown[] }).value).toHaveLength(1);
    expect(reply.from?.value[0]?.address).toBe('fax@fax.localhost');
    expect(reply.headers.get('auto-submitted')).toBe('auto-replied');
    if (messageId) expect([reply.references].flat()).toContain(messageId);
    expect(reply.subject).toMatch(expectation.reply.subject);
    const text = reply.text ?? '';
    for (const phrase of expectation.reply.says) {
      if (typeof phrase === 'string') expect(text).toContain(phrase);
      else expect(text).toMatch(phrase);
    }
    for (const phrase of expectation.reply.neverSays ?? []) {
      if (typeof phrase === 'string') expect(text).not.toContain(phrase);
      else expect(text).not.toMatch(phrase);
    }
  });
});
