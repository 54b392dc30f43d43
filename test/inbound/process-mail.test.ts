// The inbound use case end to end through its real adapters: mail stored in an S3-compatible server,
// the ledger and allowlist in a DynamoDB-compatible server, faxes sent to the faxrocks sandbox over
// HTTP. Only the Mailer is a recording one (the MIME adapters have their own tests).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSEvent } from 'aws-lambda';
import sesLocalModule from 'aws-ses-v2-local';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDailyUsage } from '../../functions/adapters/dynamo-daily-usage.ts';
import { DynamoJobLedger } from '../../functions/adapters/dynamo-job-ledger.ts';
import { DynamoSenderList } from '../../functions/adapters/dynamo-sender-list.ts';
import { FaxrocksClient, staticToken } from '../../functions/adapters/faxrocks/client.ts';
import { SesMailer } from '../../functions/adapters/ses-mailer.ts';
import { gatewayPolicyFromEnv } from '../../functions/config.ts';
import { jobReference } from '../../functions/domain/job-reference.ts';
import { groupedDigits } from '../../functions/grouped-digits.ts';
import { buildInboundDeps, type InboundDeps } from '../../functions/handlers/inbound-deps.ts';
import { handleInboundBatch } from '../../functions/inbound/inbound-batch.ts';
import { MAX_LISTED_ADDRESSES } from '../../functions/mail/header-limits.ts';
import { MAX_FORWARDS_READ } from '../../functions/mail/parse-inbound-mail.ts';
import type { JobLedger, Mailer, OutgoingMail } from '../../functions/ports.ts';
import { localAwsClientConfig } from '../../local/aws-client-config.ts';
import { ensureTables } from '../../local/stand-ins.ts';
import { type FaxrocksSandbox, startFaxrocksSandbox } from '../../sandbox/faxrocks-sandbox.ts';
import {
  buildSesMail,
  deeplyNestedMail,
  samplePdf,
  sesMessageId,
  withOneLineParts,
} from '../fixtures/mail-builder.ts';
import {
  type DynamoFixture,
  type S3Fixture,
  startDynamoFixture,
  startS3Fixture,
} from '../support/stand-ins.ts';
import { CountingMetrics, silentLog } from '../support/telemetry.ts';

// A CommonJS module with __esModule: Node's ESM loader and vitest's interop disagree on `default`.
const sesLocal: typeof sesLocalModule.default =
  typeof sesLocalModule === 'function' ? sesLocalModule : sesLocalModule.default;

class RecordingMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  async send(mail: OutgoingMail): Promise<void> {
    this.sent.push(mail);
  }
}

let dynamo: DynamoFixture;
let s3: S3Fixture;
let sandbox: FaxrocksSandbox;
let ledger: DynamoJobLedger;
let senders: DynamoSenderList;
let mailer: RecordingMailer;
let metrics: CountingMetrics;
let deps: InboundDeps;

beforeAll(async () => {
  [dynamo, s3, sandbox] = await Promise.all([
    startDynamoFixture(),
    startS3Fixture(),
    startFaxrocksSandbox({ port: 0, deliveryDelayMs: 60_000 }),
  ]);
  ledger = new DynamoJobLedger(dynamo.docClient, dynamo.jobsTable);
  senders = new DynamoSenderList(dynamo.docClient, dynamo.sendersTable);
  await senders.add({ entry: 'alice@example.com', addedBy: 'test', addedAt: new Date().toISOString() });
  await senders.add({ entry: '@practice.example', addedBy: 'test', addedAt: new Date().toISOString() });
});

afterAll(async () => {
  await Promise.all([dynamo?.close(), s3?.close(), sandbox?.close()]);
});

beforeEach(() => {
  mailer = new RecordingMailer();
  metrics = new CountingMetrics();
  sandbox.faults.status5xx = 0;
  sandbox.faults.acceptThenFail = 0;
  sandbox.faults.rateLimit = undefined;
  deps = makeDeps();
});

function makeDeps(overrides: Partial<InboundDeps> = {}): InboundDeps {
  const settings = {
    policy: gatewayPolicyFromEnv({
      FAX_DOMAIN: 'fax.example.com',
      DEFAULT_COUNTRY: 'DE',
      MAX_NUMBERS_PER_MAIL: '15',
    }),
    jobsTable: dynamo.jobsTable,
    sendersTable: dynamo.sendersTable,
  };
  const clients = {
    s3: s3.client,
    dynamo: dynamo.client,
    faxrocks: { baseUrl: sandbox.url, token: staticToken(sandbox.token) },
    mailer,
    log: silentLog,
    metrics,
  };
  return { ...buildInboundDeps(settings, clients), ...overrides };
}

/** Stores the mail as SES would and returns the SQS event S3 would send for it. */
async function store(raw: Buffer, id = sesMessageId()): Promise<{ id: string; event: SQSEvent }> {
  const key = `inbound/${id}`;
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: raw }));
  return { id, event: sqsEventFor(key) };
}

function sqsEventFor(key: string, sqsMessageId = `sqs-${Math.random().toString(36).slice(2)}`): SQSEvent {
  const body = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: s3.bucket }, object: { key, size: 1 } },
      },
    ],
  };
  return {
    Records: [
      {
        messageId: sqsMessageId,
        receiptHandle: 'handle',
        body: JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 's3',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:faxgate-inbound',
        awsRegion: 'eu-west-1',
      },
    ],
  };
}

function faxesTo(number: string) {
  return sandbox.faxes().filter((f) => f.number === number);
}

let numberSeq = 100;
/** A fresh valid Berlin number per test, so tests never see each other's faxes. */
function freshNumber(): string {
  numberSeq += 1;
  return `+4930555${String(numberSeq).padStart(4, '0')}`;
}

describe('a PDF from an allowed, authenticated sender', () => {
  it('is faxed byte for byte and answered at once with pages and cost, threaded under the original', async () => {
    const number = freshNumber();
    const pdf = await samplePdf(2);
    const raw = await buildSesMail({
      from: 'Alice <alice@example.com>',
      to: `${number}@fax.example.com`,
      subject: 'Invoice 42',
      messageId: '<invoice-42@example.com>',
      pdfs: [{ filename: 'invoice.pdf', bytes: pdf }],
    });
    const { id, event } = await store(raw);

    const response = await handleInboundBatch(event, deps);

    expect(response.batchItemFailures).toEqual([]);
    const faxes = faxesTo(number);
    expect(faxes).toHaveLength(1);
    expect(faxes[0]?.pages).toBe(2);
    const sentDocument = await new FaxrocksClient({
      baseUrl: sandbox.url,
      token: staticToken(sandbox.token),
    }).downloadFax(faxes[0]?.id ?? '');
    expect(Buffer.from(sentDocument).equals(Buffer.from(pdf))).toBe(true);

    expect(mailer.sent).toHaveLength(1);
    const reply = mailer.sent[0] as OutgoingMail;
    expect(reply.to).toEqual({ address: 'alice@example.com' });
    expect(reply.from).toBe('fax@fax.example.com');
    expect(reply.inReplyTo).toBe('<invoice-42@example.com>');
    expect(reply.references).toContain('<invoice-42@example.com>');
    // Issue 12: one subject style, `Fax <what>: <original subject>`; the numbers are in the body.
    expect(reply.subject).toBe('Fax queued: Invoice 42');
    expect(reply.text).toContain(number);
    expect(reply.text).toContain('2 pages');
    expect(reply.text).toContain('estimated cost 0.18 EUR');
    expect(reply.text).toContain(`Reference: ${jobReference(id)}`);

    const job = await ledger.getJob(id, number);
    expect(job?.state).toBe('QUEUED');
    expect(job?.estimatedCost).toBeCloseTo(0.18);
    const mail = await ledger.getMail(id);
    expect(mail?.outcome).toBe('ACCEPTED');
    expect(mail?.documents).toEqual(['invoice.pdf']);
  });

  it('sends more than 10 numbers in batches of at most 10, and national numbers in the default country', async () => {
    const numbers = Array.from({ length: 11 }, () => freshNumber());
    const national = `0${(numbers[10] as string).slice(3)}`; // the 11th written nationally (DE)
    const raw = await buildSesMail({
      from: 'bob@practice.example',
      to: numbers.slice(0, 6).map((n) => `${n}@fax.example.com`),
      cc: [...numbers.slice(6, 10).map((n) => `${n}@FAX.EXAMPLE.COM`), `${national}@fax.example.com`],
      pdfs: [{ filename: 'letter.pdf', bytes: await samplePdf(1) }],
    });
    const { event } = await store(raw);
    sandbox.stats.reset();

    await handleInboundBatch(event, deps);

    expect(sandbox.stats.requests['POST /send']).toBe(2);
    for (const n of numbers) expect(faxesTo(n)).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toEqual({ address: 'bob@practice.example' });
    for (const n of numbers) expect(mailer.sent[0]?.text).toContain(n);
  });

  it('faxes the valid numbers and names the invalid ones in the reply', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: [`${number}@fax.example.com`, '+49123@fax.example.com', 'someone@elsewhere.example'],
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(1);
    expect(mailer.sent[0]?.text).toContain('+49123@fax.example.com');
    expect(mailer.sent[0]?.text).not.toContain('someone@elsewhere.example');
  });

  it('is faxed but not answered when it is Auto-Submitted', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      extraHeaders: { 'Auto-Submitted': 'auto-generated' },
      pdfs: [{ filename: 'scan.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(1);
    expect(mailer.sent).toHaveLength(0);
    expect((await ledger.getJob(id, number))?.silent).toMatch(/Auto-Submitted/);
  });
});

describe('exactly-once sending', () => {
  async function oneMail(number: string) {
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    return store(raw);
  }

  it('sends once and replies once when the same event arrives three times, twice at the same moment', async () => {
    const number = freshNumber();
    const { event } = await oneMail(number);
    await Promise.all([handleInboundBatch(event, deps), handleInboundBatch(event, deps)]);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.subject).toContain('queued');
  });

  it('answers once, with the true outcome, when five runs of one mail race', async () => {
    const numbers = [freshNumber(), freshNumber()];
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: numbers.map((n) => `${n}@fax.example.com`),
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { event } = await store(raw);
    const results = await Promise.all(Array.from({ length: 5 }, () => handleInboundBatch(event, deps)));
    // The runs that met another's unfinished work asked the queue to retry; a retry finds it done.
    const retries = results.filter((r) => r.batchItemFailures.length > 0).length;
    for (let i = 0; i < retries; i++) await handleInboundBatch(event, deps);

    for (const n of numbers) expect(faxesTo(n)).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.text).not.toContain('not yet certain');
    for (const n of numbers) expect(mailer.sent[0]?.text).toContain(n);
  });

  it('lets a retry answer when the reply could not be sent', async () => {
    const number = freshNumber();
    const { id, event } = await oneMail(number);
    const failing = makeDeps({
      mailer: {
        send: async () => {
          throw new Error('SES throttled');
        },
      },
    });
    const first = await handleInboundBatch(event, failing);
    expect(first.batchItemFailures).toHaveLength(1);
    const second = await handleInboundBatch(event, deps);
    expect(second.batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
    expect((await ledger.getMail(id))?.repliedAt).toBeDefined();
  });

  it('does not send again after a crash between /send and the database write', async () => {
    const number = freshNumber();
    const { id, event } = await oneMail(number);
    const crashing: JobLedger = Object.create(ledger);
    crashing.markQueued = async () => {
      throw new Error('process killed');
    };

    const first = await handleInboundBatch(event, makeDeps({ ledger: crashing }));
    expect(first.batchItemFailures).toHaveLength(1);
    expect(faxesTo(number)).toHaveLength(1);

    // At once, the unfinished send may still belong to a live run: the redelivery waits.
    const early = await handleInboundBatch(event, deps);
    expect(early.batchItemFailures).toHaveLength(1);
    expect(mailer.sent).toHaveLength(0);

    // Once it is older than any run can be, the crash is certain: no second send, one reply.
    const later = makeDeps({ clock: { now: () => new Date(Date.now() + 200_000) } });
    const second = await handleInboundBatch(event, later);
    expect(second.batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(1);
    const job = await ledger.getJob(id, number);
    expect(job?.state).toBe('SENDING'); // the poller settles it from /faxes
    expect(mailer.sent[0]?.text).toContain('not yet certain');
  });

  it('never repeats a /send whose outcome is unknown (accepted, then a 500)', async () => {
    const number = freshNumber();
    const { id, event } = await oneMail(number);
    sandbox.faults.acceptThenFail = 1;
    const response = await handleInboundBatch(event, deps);
    expect(response.batchItemFailures).toEqual([]);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(1);
    const job = await ledger.getJob(id, number);
    expect(job?.state).toBe('SENDING');
    expect(job?.outcomeUnknown).toBeTruthy();
    expect(metrics.get('SendOutcomeUnknown')).toBe(1);
  });

  it('retries through the queue when faxrocks throttles, and then sends once', async () => {
    const number = freshNumber();
    const { id, event } = await oneMail(number);
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 1 };
    const first = await handleInboundBatch(event, deps);
    expect(first.batchItemFailures).toHaveLength(1);
    expect(faxesTo(number)).toHaveLength(0);
    expect(await ledger.getJob(id, number)).toBeUndefined();
    expect(mailer.sent).toHaveLength(0);

    const second = await handleInboundBatch(event, deps);
    expect(second.batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
  });

  it('keeps one bad message from holding back the others in a batch', async () => {
    const number = freshNumber();
    const good = await oneMail(number);
    const missing = sqsEventFor('inbound/does-not-exist');
    const garbage = sqsEventFor('inbound/x');
    (garbage.Records[0] as { body: string }).body = 'not json';
    const batch: SQSEvent = { Records: [...missing.Records, ...garbage.Records, ...good.event.Records] };
    const response = await handleInboundBatch(batch, deps);
    expect(response.batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(1);
    expect(metrics.get('MailMissing')).toBe(1);
  });
});

describe('options at the end of the subject (issue 14)', () => {
  it('are removed from the subject every reply and the job record quote', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: 'Invoice 2026/12 /nocover',
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(1);
    expect(mailer.sent[0]?.subject).toBe('Fax queued: Invoice 2026/12');
    expect((await ledger.getJob(id, number))?.subject).toBe('Invoice 2026/12');
  });

  it('answers an unknown option with the valid ones, and faxes nothing', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: 'Invoice 42 /urgent',
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(0);
    expect(mailer.sent).toHaveLength(1);
    const reply = mailer.sent[0] as OutgoingMail;
    expect(reply.subject).toBe('Fax not sent: Invoice 42');
    expect(reply.text).toContain('  /urgent: not an option faxgate knows.');
    for (const form of [
      '/cover',
      '/nocover',
      '/at 2026-12-24 09:00 ',
      '/at 24.12.2026 09:00 Europe/Berlin',
    ]) {
      expect(reply.text).toContain(`  ${form}`);
    }
    expect(reply.text).toContain("in the gateway's time zone (Europe/Berlin)");
    expect(await ledger.getMail(id)).toMatchObject({
      outcome: 'REJECTED',
      reason: 'options',
      detail: expect.stringContaining('/urgent: not an option'),
    });
  });

  it('sends a fax for later with scheduled_at and timezone, and says when and that it cannot be cancelled', async () => {
    const number = freshNumber();
    const at = DateTime.now().setZone('America/New_York').plus({ days: 2 }).startOf('minute');
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: `Invoice 43 /at ${at.toFormat('yyyy-LL-dd HH:mm')} America/New_York`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    const faxes = faxesTo(number);
    expect(faxes).toHaveLength(1);
    expect(faxes[0]).toMatchObject({ status: false, sent_at_timezone: 'America/New_York' });
    const job = await ledger.getJob(id, number);
    expect(job).toMatchObject({
      state: 'QUEUED',
      subject: 'Invoice 43',
      schedule: {
        at: at.toUTC().toISO(),
        localTime: at.toFormat("yyyy-LL-dd'T'HH:mm:ss"),
        timeZone: 'America/New_York',
        zoneGiven: true,
      },
    });
    const reply = mailer.sent[0] as OutgoingMail;
    expect(reply.subject).toBe('Fax queued: Invoice 43');
    const shown = `${at.setLocale('en-GB').toFormat('d LLL yyyy HH:mm')} America/New_York`;
    expect(reply.text).toContain(`faxrocks holds the fax until ${shown} and sends it then.`);
    expect(reply.text).toContain('faxrocks offers no way to cancel a scheduled fax');
    expect(reply.text).toContain(`Options: send at ${shown}`);
  });

  it("reads a time without a zone in the gateway's default zone", async () => {
    const number = freshNumber();
    const at = DateTime.now().setZone('Europe/Berlin').plus({ hours: 5 }).startOf('minute');
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: `Memo /at ${at.toFormat('dd.LL.yyyy HH:mm')}`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)[0]?.sent_at_timezone).toBe('Europe/Berlin');
    expect((await ledger.getJob(id, number))?.schedule).toMatchObject({
      timeZone: 'Europe/Berlin',
      zoneGiven: false,
    });
    expect(mailer.sent[0]?.text).toContain("Europe/Berlin (the gateway's time zone) and sends it then.");
  });

  it.each([
    [
      'in the past',
      () => `/at ${DateTime.now().setZone('Europe/Berlin').minus({ hours: 1 }).toFormat('yyyy-LL-dd HH:mm')}`,
      /is in the past: faxgate received the email at/,
    ],
    [
      'beyond the horizon',
      () => `/at ${DateTime.now().setZone('UTC').plus({ days: 31 }).toFormat('yyyy-LL-dd HH:mm')} UTC`,
      /is more than 30 days ahead/,
    ],
    ['unreadable', () => '/at tomorrow 9am', /"tomorrow" is not a date faxgate can read/],
  ])(
    'answers a send time %s with what it understood and how to write it, and faxes nothing',
    async (_what, option, problem) => {
      const number = freshNumber();
      const raw = await buildSesMail({
        from: 'alice@example.com',
        to: `${number}@fax.example.com`,
        subject: `Report ${option()}`,
        pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      });
      const { id, event } = await store(raw);
      await handleInboundBatch(event, deps);
      expect(faxesTo(number)).toHaveLength(0);
      const reply = mailer.sent[0] as OutgoingMail;
      expect(reply.subject).toBe('Fax not sent: Report');
      expect(reply.text).toMatch(problem);
      expect(reply.text).toContain('/at 24.12.2026 09:00 Europe/Berlin');
      expect((await ledger.getMail(id))?.reason).toBe('options');
    },
  );

  it('judges the time by when the mail arrived, and sends at once when it passed during retries', async () => {
    const number = freshNumber();
    let nowMs = Date.now();
    const clocked = makeDeps({ clock: { now: () => new Date(nowMs) } });
    const at = DateTime.fromMillis(nowMs, { zone: 'Europe/Berlin' }).plus({ minutes: 10 }).startOf('minute');
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: `Reminder /at ${at.toFormat('yyyy-LL-dd HH:mm')}`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 1 };
    expect((await handleInboundBatch(event, clocked)).batchItemFailures).toHaveLength(1);
    expect(faxesTo(number)).toHaveLength(0);

    nowMs += 30 * 60_000; // the retry comes after the time asked for
    expect((await handleInboundBatch(event, clocked)).batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(1);
    expect((await ledger.getJob(id, number))?.schedule).toBeUndefined();
    expect(mailer.sent[0]?.subject).toBe('Fax queued: Reminder');
    expect(mailer.sent[0]?.text).toContain('had passed before faxgate could send');
    expect(mailer.sent[0]?.text).not.toContain('faxrocks holds the fax until');
  });

  it('leaves an ordinary subject with slashes alone', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: 'A/B test /final draft',
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(1);
    expect(mailer.sent[0]?.subject).toBe('Fax queued: A/B test /final draft');
  });
});

describe('mail faxgate will not fax', () => {
  it('rejects a sender who is not on the allowlist, with a reply that says how to get on it', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'mallory@other.example',
      to: `${number}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(0);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toEqual({ address: 'mallory@other.example' });
    // Issue 12: an outsider is told in plain words to ask their administrator, never an admin command.
    expect(mailer.sent[0]?.text).toContain('ask your administrator to add your address');
    expect(mailer.sent[0]?.text).not.toMatch(/senders add|npx/);
    expect((await ledger.getMail(id))?.outcome).toBe('REJECTED');
  });

  it('drops mail with a failing spam verdict without a reply, even under a forged PASS below SES', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      verdicts: { spam: 'FAIL' },
      extraHeaders: { 'X-SES-Spam-Verdict': 'PASS' },
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(0);
    expect(mailer.sent).toHaveLength(0);
    const mail = await ledger.getMail(id);
    expect(mail?.outcome).toBe('DROPPED');
    expect(mail?.reason).toBe('spam-verdict');
    expect(metrics.get('MailDropped')).toBe(1);
  });

  it('drops an untrusted mail for who sent it without reading its body, once, with a recorded outcome', async () => {
    // The body (300 nested multiparts) is one the MIME parser refuses; it is never read: the header
    // block alone decides (PRODUCT section 2), so a body that costs much to read costs nothing here.
    const number = freshNumber();
    const raw = Buffer.from(
      deeplyNestedMail(300, ['From: alice@example.com', `To: ${number}@fax.example.com`]),
    );
    const { id, event } = await store(raw);
    const result = await handleInboundBatch(event, deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(0);
    expect(mailer.sent).toHaveLength(0);
    const mail = await ledger.getMail(id);
    expect(mail?.outcome).toBe('DROPPED');
    expect(mail?.reason).toBe('no-ses-headers');
    expect(mail?.detail).not.toMatch(/MIME parser/);
    expect(metrics.get('MailDropped')).toBe(1);
  });

  it('rejects an allowed sender whose mail cannot be read, but never reads the body of one not allowed', async () => {
    const unreadable = async (from: string, number: string) => {
      const mail = await buildSesMail({
        from,
        to: `${number}@fax.example.com`,
        subject: 'Scans',
        pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      });
      return withOneLineParts(mail, 5001);
    };
    const allowed = freshNumber();
    const stranger = freshNumber();
    const first = await store(await unreadable('alice@example.com', allowed));
    const second = await store(await unreadable('mallory@example.org', stranger));
    await handleInboundBatch(first.event, deps);
    await handleInboundBatch(second.event, deps);
    expect(await ledger.getMail(first.id)).toMatchObject({ outcome: 'REJECTED', reason: 'unreadable-mime' });
    const record = await ledger.getMail(second.id);
    expect(record).toMatchObject({ outcome: 'REJECTED', reason: 'not-allowlisted' });
    expect(JSON.stringify(record)).not.toMatch(/MIME parts/);
    expect(mailer.sent.map((m) => m.to.address)).toEqual(['alice@example.com', 'mallory@example.org']);
    expect(mailer.sent[1]?.text).not.toMatch(/could not be read/);
  });

  it('answers an allowed sender whose mail has more MIME parts than are read, from its header block alone', async () => {
    const number = freshNumber();
    const mail = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: 'Scans',
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    // A nested multipart of 5,001 one-line parts before the PDF: over the 5,000 parts read.
    const raw = withOneLineParts(mail, 5001);
    const { id, event } = await store(raw);
    const result = await handleInboundBatch(event, deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(0);
    const record = await ledger.getMail(id);
    expect(record?.outcome).toBe('REJECTED');
    expect(record?.reason).toBe('unreadable-mime');
    expect(mailer.sent).toHaveLength(1);
    const reply = mailer.sent[0] as OutgoingMail;
    expect(reply.to).toEqual({ address: 'alice@example.com' });
    expect(reply.subject).toBe('Fax not sent: Scans');
    expect(reply.text).toContain('could not be read');
    expect(reply.text).toContain('more than 5,000 MIME parts');
  });

  it('answers an allowed sender whose mail forwards more mails than are opened, and faxes none of it', async () => {
    const number = freshNumber();
    const mail = (
      await buildSesMail({
        from: 'alice@example.com',
        to: `${number}@fax.example.com`,
        subject: 'Forwards',
        pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      })
    ).toString('latin1');
    const boundary = /boundary="?([^"\r\n;]+)"?/.exec(mail)?.[1] as string;
    const forwards = Array.from(
      { length: MAX_FORWARDS_READ + 1 },
      (_, i) =>
        `--${boundary}\r\nContent-Type: message/rfc822\r\n\r\nFrom: x${i}@example.org\r\nSubject: ${i}\r\n\r\nhello\r\n`,
    ).join('');
    const first = mail.indexOf(`--${boundary}\r\n`);
    const { id, event } = await store(
      Buffer.from(mail.slice(0, first) + forwards + mail.slice(first), 'latin1'),
    );
    expect((await handleInboundBatch(event, deps)).batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(0);
    expect(await ledger.getMail(id)).toMatchObject({ outcome: 'REJECTED', reason: 'unreadable-mime' });
    expect(mailer.sent.map((m) => [m.to.address, m.subject])).toEqual([
      ['alice@example.com', 'Fax not sent: Forwards'],
    ]);
    expect(mailer.sent[0]?.text).toContain(`more than ${MAX_FORWARDS_READ} forwarded or signed messages`);
  });

  it('answers an allowed sender whose To and Cc list more addresses than are read, and drops a stranger', async () => {
    const many = (count: number) => Array.from({ length: count }, (_, i) => `user${i}@example.org`);
    const send = async (from: string, number: string) =>
      store(
        await buildSesMail({
          from,
          to: `${number}@fax.example.com`,
          cc: many(MAX_LISTED_ADDRESSES + 1),
          subject: 'Everyone',
          pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
        }),
      );
    const allowed = freshNumber();
    const stranger = freshNumber();
    const first = await send('alice@example.com', allowed);
    const second = await send('mallory@example.org', stranger);
    expect((await handleInboundBatch(first.event, deps)).batchItemFailures).toEqual([]);
    expect((await handleInboundBatch(second.event, deps)).batchItemFailures).toEqual([]);
    expect(faxesTo(allowed)).toHaveLength(0);
    expect(await ledger.getMail(first.id)).toMatchObject({ outcome: 'REJECTED', reason: 'unreadable-mime' });
    expect(await ledger.getMail(second.id)).toMatchObject({ outcome: 'REJECTED', reason: 'not-allowlisted' });
    expect(mailer.sent.map((m) => [m.to.address, m.subject])).toEqual([
      ['alice@example.com', 'Fax not sent: Everyone'],
      ['mallory@example.org', 'Fax not sent: Everyone'],
    ]);
    expect(mailer.sent[0]?.text).toContain(`more than ${groupedDigits(MAX_LISTED_ADDRESSES)} addresses`);
  });

  it.each([
    ['as written', (mail: string) => mail],
    // Every block ends with a line of a lone CR (CR CR LF), which the parser reads as empty: there is
    // no CRLF CRLF in the mail, and the header block read alone must not run on into its body.
    [
      'with every block ended by a line of a lone CR',
      (mail: string) => mail.replaceAll('\r\n\r\n', '\r\n\r\r\n'),
    ],
  ])(
    'answers an allowed sender whose mail the MIME parser refuses (300 levels deep), from its header block alone, %s',
    async (_, written) => {
      const number = freshNumber();
      const ses = (
        await buildSesMail({
          from: 'alice@example.com',
          to: `${number}@fax.example.com`,
          subject: 'Deep',
          pdfs: [],
        })
      ).toString('latin1');
      // SES's block and the sender's headers, up to their MIME headers; below them, 300 nested multiparts.
      const headers = ses.slice(0, ses.indexOf('\r\nMIME-Version:')).split('\r\n');
      const { id, event } = await store(Buffer.from(written(deeplyNestedMail(300, headers)), 'latin1'));
      const result = await handleInboundBatch(event, deps);
      expect(result.batchItemFailures).toEqual([]);
      const record = await ledger.getMail(id);
      expect(record).toMatchObject({ outcome: 'REJECTED', reason: 'unreadable-mime' });
      expect(mailer.sent.map((m) => [m.to, m.subject])).toEqual([
        [{ address: 'alice@example.com' }, 'Fax not sent: Deep'],
      ]);
      expect(mailer.sent[0]?.text).toMatch(
        /could not be read: the MIME parser refused the mail: .*nesting depth/,
      );
    },
  );

  it('drops a mail with 100,000 header lines as unreadable before reading it (issue 11 item 8)', async () => {
    const number = freshNumber();
    const mail = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      extraHeaders: { 'X-Filler': 'a' },
    });
    // 100,000 repeated header lines (about 800 KB) inside the sender's own header block.
    const raw = Buffer.from(
      mail.toString('latin1').replace('X-Filler: a\r\n', 'X-Filler: a\r\n'.repeat(100_000)),
      'latin1',
    );
    const { id, event } = await store(raw);
    const result = await handleInboundBatch(event, deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(0);
    expect(mailer.sent).toHaveLength(0);
    const record = await ledger.getMail(id);
    expect(record?.outcome).toBe('DROPPED');
    expect(record?.reason).toBe('unreadable-mime');
    expect(record?.detail).toMatch(/more than 2000 lines/);
    expect(metrics.get('MailDropped')).toBe(1);
  });

  it('drops an unauthenticated sender (DKIM for another domain, no DMARC) without a reply', async () => {
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${freshNumber()}@fax.example.com`,
      auth: 'amazonses.com; spf=fail smtp.mailfrom=alice@example.com; dkim=pass header.i=@evilexample.com; dmarc=fail header.from=example.com;',
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(mailer.sent).toHaveLength(0);
    expect((await ledger.getMail(id))?.reason).toBe('not-authenticated');
  });

  it('answers a mail without a PDF with what to attach', async () => {
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${freshNumber()}@fax.example.com`,
      attachments: [
        { filename: 'letter.docx', content: 'not a pdf', contentType: 'application/octet-stream' },
      ],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.subject).toContain('Fax not sent');
    expect(mailer.sent[0]?.text).toMatch(/PDF/);
    expect((await ledger.getMail(id))?.reason).toBe('no-pdf');
  });

  it('rejects a mail to more numbers than the ceiling, whole', async () => {
    const numbers = Array.from({ length: 16 }, () => freshNumber());
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: numbers.map((n) => `${n}@fax.example.com`),
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { event } = await store(raw);
    await handleInboundBatch(event, deps);
    for (const n of numbers) expect(faxesTo(n)).toHaveLength(0);
    expect(mailer.sent[0]?.text).toContain('at most 15');
  });

  it('drops mail from MAILER-DAEMON, so a bounce of a reply can never loop', async () => {
    const raw = await buildSesMail({
      from: 'MAILER-DAEMON@example.com',
      to: `${freshNumber()}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(mailer.sent).toHaveLength(0);
    expect((await ledger.getMail(id))?.reason).toBe('loop-risk');
  });

  it("skips SES's setup notification", async () => {
    const { event } = await store(Buffer.from('SES setup notification'), 'AMAZON_SES_SETUP_NOTIFICATION');
    const response = await handleInboundBatch(event, deps);
    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.sent).toHaveLength(0);
  });
});

describe('cost guards', () => {
  async function mailFrom(sender: string, pages: number) {
    const raw = await buildSesMail({
      from: sender,
      to: `${freshNumber()}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(pages) }],
    });
    return store(raw);
  }

  it('rejects a mail over the sender daily page limit, and counts a redelivered mail once', async () => {
    const guarded = makeDeps({
      policy: gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.example.com', SENDER_DAILY_PAGE_LIMIT: '3' }),
    });
    const first = await mailFrom('carol@practice.example', 2);
    await handleInboundBatch(first.event, guarded);
    // A redelivery of the first mail must neither be refused nor counted again.
    await handleInboundBatch(first.event, guarded);
    const second = await mailFrom('carol@practice.example', 1);
    await handleInboundBatch(second.event, guarded);
    const third = await mailFrom('carol@practice.example', 2);
    await handleInboundBatch(third.event, guarded);

    expect((await ledger.getMail(first.id))?.outcome).toBe('ACCEPTED');
    expect((await ledger.getMail(second.id))?.outcome).toBe('ACCEPTED');
    const rejected = await ledger.getMail(third.id);
    expect(rejected?.outcome).toBe('REJECTED');
    expect(rejected?.reason).toBe('sender-daily-page-limit');
    expect(mailer.sent.at(-1)?.text).toContain('3 of your 3 pages');
  });

  let usageTables = 0;
  /** Usage counters of their own: the ceiling tests must not see each other's day. */
  async function freshUsage(): Promise<DynamoDailyUsage> {
    const table = `usage-${++usageTables}-${Math.random().toString(36).slice(2, 8)}`;
    await ensureTables(dynamo.client, { jobsTable: table, sendersTable: `${table}-senders` });
    return new DynamoDailyUsage(dynamo.docClient, table);
  }

  it("rejects mail once the gateway's estimated cost for the day reaches the ceiling", async () => {
    const guarded = makeDeps({
      usage: await freshUsage(),
      policy: gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.example.com', DAILY_COST_CEILING: '0.2' }),
    });
    const first = await mailFrom('alice@example.com', 2);
    await handleInboundBatch(first.event, guarded);
    expect((await ledger.getMail(first.id))?.outcome).toBe('ACCEPTED');
    const second = await mailFrom('alice@example.com', 1);
    await handleInboundBatch(second.event, guarded);
    expect((await ledger.getMail(second.id))?.reason).toBe('daily-cost-ceiling');
    expect(mailer.sent.at(-1)?.text).toContain('DAILY_COST_CEILING');
  });

  it('counts the mail it decides on: one mail estimated at 45.00 does not pass a ceiling of 5.00', async () => {
    const guarded = makeDeps({
      usage: await freshUsage(),
      policy: gatewayPolicyFromEnv({
        FAX_DOMAIN: 'fax.example.com',
        DAILY_COST_CEILING: '5',
        PRICE_PER_PAGE: '4.5',
      }),
    });
    const mail = await mailFrom('alice@example.com', 10);
    await handleInboundBatch(mail.event, guarded);
    expect(await ledger.getMail(mail.id)).toMatchObject({
      outcome: 'REJECTED',
      reason: 'daily-cost-ceiling',
    });
    expect(mailer.sent.at(-1)?.text).toContain('estimated at 45.00');
    expect(await ledger.listJobs(mail.id)).toEqual([]);
  });

  it('holds under concurrent mails: 8 mails of 0.90 at once against 5.00, five pass', async () => {
    const usage = await freshUsage();
    const guarded = makeDeps({
      usage,
      policy: gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.example.com', DAILY_COST_CEILING: '5' }),
    });
    const mails = await Promise.all(Array.from({ length: 8 }, () => mailFrom('alice@example.com', 10)));
    await Promise.all(mails.map((m) => handleInboundBatch(m.event, guarded)));
    const outcomes = await Promise.all(mails.map(async (m) => (await ledger.getMail(m.id))?.outcome));
    expect(outcomes.filter((o) => o === 'ACCEPTED')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'REJECTED')).toHaveLength(3);
    const day = new Date().toISOString().slice(0, 10);
    // Reserved at 0.09 a page, corrected by the sandbox's answers (also 0.09): 4.50 in all.
    expect(await usage.gatewayCost(day)).toBeCloseTo(4.5, 6);
  });
});

describe('hostile senders (issue 11)', () => {
  // The deployed mailer against an SES v2 stand-in: what SES is asked to send, and what it sends.
  let ses: Server;
  let sesEndpoint: string;
  let sesClient: SESv2Client;
  const requested: { Destination?: { ToAddresses?: string[] } }[] = [];

  beforeAll(async () => {
    ses = await sesLocal({ host: '127.0.0.1', port: 0 });
    sesEndpoint = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
    sesClient = new SESv2Client(localAwsClientConfig(sesEndpoint));
    // Reads each request's input as the SDK serialises it; the stand-in does not keep Destination.
    sesClient.middlewareStack.add(
      (next) => async (args) => {
        requested.push(args.input as (typeof requested)[number]);
        return next(args);
      },
      { step: 'initialize' },
    );
  });
  afterAll(async () => {
    sesClient.destroy();
    ses.closeAllConnections();
    await new Promise((resolve) => ses.close(resolve));
  });

  async function sentBySes(): Promise<{ destination: { to: string[] } }[]> {
    const response = await fetch(`${sesEndpoint}/store`);
    return ((await response.json()) as { emails: { destination: { to: string[] } }[] }).emails;
  }

  /** A mail whose From header is exactly `from`, with DMARC passing for `dmarcDomain`. */
  async function mailFrom(from: string, dmarcDomain: string, number: string, extra = {}): Promise<Buffer> {
    const raw = await buildSesMail({
      from: `placeholder@${dmarcDomain}`,
      to: `${number}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      auth: `amazonses.com; spf=none; dkim=none; dmarc=pass header.from=${dmarcDomain};`,
      extraHeaders: extra,
    });
    return Buffer.from(raw.toString('latin1').replace(/^From: .*$/m, `From: ${from}`), 'latin1');
  }

  it('answers a quoted local part holding a comma at that one mailbox, not at the address inside it', async () => {
    const number = freshNumber();
    const { id, event } = await store(
      await mailFrom('"victim@target.test,x"@evil.test', 'evil.test', number),
    );
    requested.length = 0;
    await handleInboundBatch(event, { ...deps, mailer: new SesMailer(sesClient) });
    expect((await ledger.getMail(id))?.outcome).toBe('REJECTED');
    expect(requested.map((r) => r.Destination?.ToAddresses)).toEqual([['"victim@target.test,x"@evil.test']]);
    const [sent, ...more] = await sentBySes();
    expect(more).toHaveLength(0);
    // The To header the stand-in read back from the MIME message: one mailbox, at evil.test.
    expect(sent?.destination.to).toEqual(['"victim@target.test,x"@evil.test']);
    expect(faxesTo(number)).toHaveLength(0);
  });

  it('drops a From that cannot be written back as one mailbox, without a reply', async () => {
    const number = freshNumber();
    const { id, event } = await store(await mailFrom('jörg@evil.test', 'evil.test', number));
    await handleInboundBatch(event, deps);
    const mail = await ledger.getMail(id);
    expect(mail?.outcome).toBe('DROPPED');
    expect(mail?.reason).toBe('from-header');
    expect(mailer.sent).toHaveLength(0);
  });

  it('does not authenticate alice@example.com by a bare dmarc=pass beside a fail for another domain', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      envelopeFrom: 'bounce@evil.test',
      auth: 'amazonses.com; dmarc=fail header.from=evil.test; dmarc=pass',
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect((await ledger.getMail(id))?.reason).toBe('not-authenticated');
    expect(faxesTo(number)).toHaveLength(0);
    expect(mailer.sent).toHaveLength(0);
  });

  it.each([
    ['List-Id', '<fax-users.lists.example.com>'],
    ['List-Unsubscribe', '<mailto:leave@lists.example.com>'],
    ['Precedence', 'list'],
  ])('faxes mailing-list mail (%s) from an allowed sender but never answers it', async (header, value) => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      extraHeaders: { [header]: value },
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(number)).toHaveLength(1);
    expect((await ledger.getMail(id))?.outcome).toBe('ACCEPTED');
    expect(mailer.sent).toHaveLength(0);
  });

  it('does not answer mailing-list mail from a sender who is not allowed either', async () => {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'mallory@other.example',
      to: `${number}@fax.example.com`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      extraHeaders: { 'List-Id': 'Fax users <fax-users.lists.example.com>' },
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect((await ledger.getMail(id))?.outcome).toBe('REJECTED');
    expect(mailer.sent).toHaveLength(0);
  });
});

describe('what a sender controls, echoed in the reply (issue 11 item 6)', () => {
  it('shows a file name and a subject holding encoded CR LF escaped, so no line of the reply is forged', async () => {
    const number = freshNumber();
    const built = await buildSesMail({
      from: 'alice@example.com',
      to: `${number}@fax.example.com`,
      subject: 'SUBJECT-HERE',
      pdfs: [{ filename: 'NAME-HERE.pdf', bytes: await samplePdf(1) }],
      attachments: [{ filename: 'OTHER-HERE.txt', content: 'notes', contentType: 'text/plain' }],
    });
    // RFC 2231 and RFC 2047 let a sender put CR LF and a bidi override into a name and a subject.
    const forged = "utf-8''invoice.pdf%0D%0A%0D%0AYour%20fax%20to%20%2B19005550123%20was%20delivered.%0D%0A";
    const raw = Buffer.from(
      built
        .toString('latin1')
        .replace('Subject: SUBJECT-HERE', 'Subject: =?UTF-8?Q?Invoice_42=0D=0ABcc:_victim@example.org?=')
        .replace(/filename=NAME-HERE\.pdf/g, `filename*=${forged}%E2%80%AEfdp.pdf`)
        .replace(/name=NAME-HERE\.pdf/g, `name*=${forged}.pdf`)
        .replace(/filename=OTHER-HERE\.txt/g, "filename*=utf-8''notes%0A--%20%0Afaxgate.txt")
        .replace(/name=OTHER-HERE\.txt/g, "name*=utf-8''notes%0A.txt"),
      'latin1',
    );
    const { event } = await store(raw);
    await handleInboundBatch(event, deps);

    expect(faxesTo(number)).toHaveLength(1);
    const reply = mailer.sent[0] as OutgoingMail;
    expect(reply.subject).toBe('Fax queued: Invoice 42\\r\\nBcc: victim@example.org');
    expect(reply.subject).not.toMatch(/[\r\n]/);
    expect(reply.text).toContain(
      'invoice.pdf\\r\\n\\r\\nYour fax to +19005550123 was delivered.\\r\\n\\u202Efdp.pdf',
    );
    expect(reply.text).toContain('notes\\n-- \\nfaxgate.txt');
    expect(reply.text).not.toMatch(/\r|\u202E/);
    expect(reply.text).not.toMatch(/^Your fax to \+19005550123/m);
    // One signature, the gateway's own, at the end.
    expect(reply.text.match(/^-- $/gm)).toHaveLength(1);
  });
});

describe('costly numbers (issue 11 item 13) and separators (issue 13)', () => {
  it('refuses premium-rate, shared-cost and satellite numbers by default, naming the rule', async () => {
    const costly = ['+19005550123', '+449091234567', '+491371234567', '+881631234567'];
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: costly.map((n) => `${n}@fax.example.com`),
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { id, event } = await store(raw);
    await handleInboundBatch(event, deps);
    for (const n of costly) expect(faxesTo(n)).toHaveLength(0);
    const mail = await ledger.getMail(id);
    expect(mail?.outcome).toBe('REJECTED');
    expect(mail?.reason).toBe('no-fax-recipients');
    const text = mailer.sent[0]?.text ?? '';
    expect(mailer.sent[0]?.subject).toMatch(/^Fax not sent/);
    expect(text).toContain(
      '+19005550123 is a premium-rate number, and this gateway does not fax premium-rate numbers',
    );
    expect(text).toContain('+491371234567 is a shared-cost number');
    expect(text).toContain('+881631234567 is a satellite phone number');
    expect(text).toContain('ALLOW_NUMBER_TYPES');
  });

  it('faxes a costly kind the administrator allows, and only that kind', async () => {
    const allowing = makeDeps({
      policy: gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.example.com', ALLOW_NUMBER_TYPES: 'premium-rate' }),
    });
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: ['+19005550142@fax.example.com', '+881631234568@fax.example.com'],
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { event } = await store(raw);
    await handleInboundBatch(event, allowing);
    expect(faxesTo('+19005550142')).toHaveLength(1);
    expect(faxesTo('+881631234568')).toHaveLength(0);
    expect(mailer.sent[0]?.text).toContain('+881631234568 is a satellite phone number');
  });

  it('reads / as a separator: 030/123456 and +49/30/123456 are faxed', async () => {
    const national = freshNumber();
    const international = freshNumber();
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: [
        `0${national.slice(3, 5)}/${national.slice(5)}@fax.example.com`,
        `+49/${international.slice(3, 5)}/${international.slice(5)}@fax.example.com`,
      ],
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { event } = await store(raw);
    await handleInboundBatch(event, deps);
    expect(faxesTo(national)).toHaveLength(1);
    expect(faxesTo(international)).toHaveLength(1);
  });

  it('names the separators it accepts when a number holds another', async () => {
    const raw = await buildSesMail({
      from: 'alice@example.com',
      to: '+49_30_5550999@fax.example.com',
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
    });
    const { event } = await store(raw);
    await handleInboundBatch(event, deps);
    const text = mailer.sent[0]?.text ?? '';
    expect(text).toContain('spaces, dashes (-), dots (.), slashes (/) and parentheses may separate them');
    expect(text).not.toContain('digits only');
  });
});

describe('a cover page (COVER_PAGE, /cover and /nocover)', () => {
  const coverDeps = (setting: string) =>
    makeDeps({
      policy: gatewayPolicyFromEnv({
        FAX_DOMAIN: 'fax.example.com',
        DEFAULT_COUNTRY: 'DE',
        COVER_PAGE: setting,
      }),
    });

  async function fax(
    inbound: InboundDeps,
    mail: { subject: string; text?: string; pdf?: Uint8Array },
  ): Promise<{ number: string; pages?: number; bytes?: Uint8Array; reply: OutgoingMail }> {
    const number = freshNumber();
    const raw = await buildSesMail({
      from: 'Ελένη Παπαδοπούλου <alice@example.com>',
      to: `"Dr. Müller" <${number}@fax.example.com>`,
      subject: mail.subject,
      text: mail.text ?? 'Здравствуйте, Дмитрий!\n\n> quoted\n\n-- \nΕλένη',
      pdfs: mail.pdf ? [{ filename: 'contract.pdf', bytes: mail.pdf }] : [],
    });
    const { event } = await store(raw);
    mailer.sent.length = 0;
    expect((await handleInboundBatch(event, inbound)).batchItemFailures).toEqual([]);
    const [sent] = faxesTo(number);
    const bytes = sent
      ? await new FaxrocksClient({ baseUrl: sandbox.url, token: staticToken(sandbox.token) }).downloadFax(
          sent.id,
        )
      : undefined;
    return { number, pages: sent?.pages, bytes, reply: mailer.sent[0] as OutgoingMail };
  }

  it('always: a cover page first, unless the subject ends in /nocover', async () => {
    const pdf = await samplePdf(2);
    const always = coverDeps('always');
    const covered = await fax(always, { subject: 'Vertrag', pdf });
    expect(covered.pages).toBe(3);
    expect(Buffer.from(covered.bytes as Uint8Array).equals(Buffer.from(pdf))).toBe(false);
    expect(covered.reply.text).toContain(
      'Documents (3 pages in all): cover page (from your email) (1 page), contract.pdf (2 pages)',
    );
    const plain = await fax(always, { subject: 'Vertrag /nocover', pdf });
    expect(plain.pages).toBe(2);
    expect(Buffer.from(plain.bytes as Uint8Array).equals(Buffer.from(pdf))).toBe(true);
    expect(plain.reply.subject).toBe('Fax queued: Vertrag');
    expect(plain.reply.text).toContain('Options: no cover page');
    expect(covered.reply.text).not.toContain('Options:');
  });

  it('always: a mail with text and no attachment is a one-page memo', async () => {
    const memo = await fax(coverDeps('always'), { subject: 'Rückruf' });
    expect(memo.pages).toBe(1);
    expect(memo.reply.text).toContain('Document: cover page (from your email) (1 page)');
  });

  it('on request (the default): only with /cover; without it a mail with no attachment is still "attach a PDF"', async () => {
    const asked = await fax(deps, { subject: 'Rückruf /cover' });
    expect(asked.pages).toBe(1);
    expect(asked.reply.subject).toBe('Fax queued: Rückruf');
    expect(asked.reply.text).toContain('Options: cover page');
    const notAsked = await fax(deps, { subject: 'Rückruf' });
    expect(notAsked.pages).toBeUndefined();
    expect(notAsked.reply.text).toContain('no PDF or picture to fax');
  });

  it('never: /cover is not followed, the PDF goes as it came', async () => {
    const pdf = await samplePdf(1);
    const sent = await fax(coverDeps('never'), { subject: 'Vertrag /cover', pdf });
    expect(Buffer.from(sent.bytes as Uint8Array).equals(Buffer.from(pdf))).toBe(true);
    // The reply says it was not followed rather than leaving the sender to wonder.
    expect(sent.reply.text).toContain('Options: no cover page');
  });
});
