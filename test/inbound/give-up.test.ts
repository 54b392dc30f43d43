// No mail lost in silence (issue 12): transient faxrocks faults on the inbound path are retried with
// each message's own delay (SQS ChangeMessageVisibility, through the real SDK client against a
// loopback endpoint), and a mail whose time is up, or that is on its last receive, gives up: FAILED
// with the cause, and a "nothing was faxed" reply to its authenticated sender, never when anything
// was sent. Mail in s3rver, the ledger in dynalite, faxes to the sandbox over HTTP.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { timeline } from '../../cli/jobs-command.ts';
import { DynamoJobLedger } from '../../functions/adapters/dynamo-job-ledger.ts';
import type { MailHistory } from '../../functions/adapters/dynamo-mail-history.ts';
import { DynamoSenderList } from '../../functions/adapters/dynamo-sender-list.ts';
import { staticToken } from '../../functions/adapters/faxrocks/client.ts';
import { queueUrlOfArn } from '../../functions/adapters/sqs-message-retries.ts';
import { gatewayPolicyFromEnv, pollerPolicyFromEnv } from '../../functions/config.ts';
import { buildInboundDeps, type InboundBatchDeps } from '../../functions/handlers/inbound-deps.ts';
import { buildPollerDeps } from '../../functions/handlers/status-poller-deps.ts';
import { handleInboundBatch } from '../../functions/inbound/inbound-batch.ts';
import type { Clock, Mailer, OutgoingMail } from '../../functions/ports.ts';
import { pollFaxStatuses } from '../../functions/status-poller/poll-fax-statuses.ts';
import { localAwsClientConfig } from '../../local/aws-client-config.ts';
import { type FaxrocksSandbox, startFaxrocksSandbox } from '../../sandbox/faxrocks-sandbox.ts';
import { buildSesMail, samplePdf, sesMessageId } from '../fixtures/mail-builder.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../support/aws-endpoint.ts';
import {
  type DynamoFixture,
  type S3Fixture,
  startDynamoFixture,
  startS3Fixture,
} from '../support/stand-ins.ts';
import { CountingMetrics, silentLog } from '../support/telemetry.ts';

class RecordingMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  async send(mail: OutgoingMail): Promise<void> {
    this.sent.push(mail);
  }
}

const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:faxgate-inbound';
const MINUTE = 60_000;

let dynamo: DynamoFixture;
let s3: S3Fixture;
let sandbox: FaxrocksSandbox;
let sqsEndpoint: AwsEndpoint;
let sqs: SQSClient;
let ledger: DynamoJobLedger;
let mailer: RecordingMailer;
let metrics: CountingMetrics;
let nowMs = Date.parse('2026-12-01T08:00:00.000Z');
const clock: Clock = { now: () => new Date(nowMs) };
/** Sees each request the sandbox answers, just before the answer goes out. */
let onSandboxLine: (line: string) => void = () => undefined;

beforeAll(async () => {
  [dynamo, s3, sandbox, sqsEndpoint] = await Promise.all([
    startDynamoFixture(),
    startS3Fixture(),
    startFaxrocksSandbox({
      port: 0,
      deliveryDelayMs: 60_000,
      now: () => clock.now(),
      log: (line) => onSandboxLine(line),
    }),
    startAwsEndpoint((request) =>
      request.action === 'ChangeMessageVisibility'
        ? { body: {} }
        : { status: 400, body: { __type: 'InvalidAction', message: request.action } },
    ),
  ]);
  sqs = new SQSClient(localAwsClientConfig(sqsEndpoint.url));
  ledger = new DynamoJobLedger(dynamo.docClient, dynamo.jobsTable);
  const senders = new DynamoSenderList(dynamo.docClient, dynamo.sendersTable);
  await senders.add({ entry: 'alice@example.com', addedBy: 'test', addedAt: new Date().toISOString() });
});

afterAll(async () => {
  sqs?.destroy();
  await Promise.all([dynamo?.close(), s3?.close(), sandbox?.close(), sqsEndpoint?.close()]);
});

beforeEach(() => {
  mailer = new RecordingMailer();
  metrics = new CountingMetrics();
  sandbox.faults.rateLimit = undefined;
  sandbox.faults.status5xx = 0;
  sqsEndpoint.requests.length = 0;
  onSandboxLine = () => undefined;
});

function depsWith(
  options: { s3Client?: S3Client; maxReceiveCount?: number; giveUp?: string; faxrocksUrl?: string } = {},
): InboundBatchDeps {
  return buildInboundDeps(
    {
      policy: gatewayPolicyFromEnv({
        FAX_DOMAIN: 'fax.example.com',
        DEFAULT_COUNTRY: 'DE',
        GIVE_UP_AFTER_MINUTES: options.giveUp ?? '120',
      }),
      jobsTable: dynamo.jobsTable,
      sendersTable: dynamo.sendersTable,
      maxReceiveCount: options.maxReceiveCount ?? 30,
    },
    {
      s3: options.s3Client ?? s3.client,
      sqs,
      dynamo: dynamo.client,
      faxrocks: { baseUrl: options.faxrocksUrl ?? sandbox.url, token: staticToken(sandbox.token) },
      mailer,
      log: silentLog,
      metrics,
      clock,
    },
  );
}

let numberSeq = 100;
function freshNumber(): string {
  numberSeq += 1;
  return `+4930777${String(numberSeq).padStart(4, '0')}`;
}

async function storedMail(numbers: string[], from = 'alice@example.com', auth?: string) {
  const raw = await buildSesMail({
    from,
    to: numbers.map((n) => `${n}@fax.example.com`).join(', '),
    subject: 'Contract',
    pdfs: [{ filename: 'contract.pdf', bytes: await samplePdf(1) }],
    ...(auth ? { auth } : {}),
  });
  const id = sesMessageId();
  const key = `inbound/${id}`;
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: raw }));
  return { id, key };
}

function eventFor(key: string, receiveCount: number, sqsMessageId = 'sqs-1'): SQSEvent {
  const body = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: new Date(nowMs).toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: s3.bucket }, object: { key, size: 1 } },
      },
    ],
  };
  return {
    Records: [
      {
        messageId: sqsMessageId,
        receiptHandle: `handle-${sqsMessageId}-${receiveCount}`,
        body: JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: String(nowMs),
          SenderId: 's3',
          ApproximateFirstReceiveTimestamp: String(nowMs),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: QUEUE_ARN,
        awsRegion: 'eu-west-1',
      },
    ],
  };
}

/** Polls once a minute of the test clock until the mail's one report is out (bounded). */
async function pollUntilReported(messageId: string): Promise<OutgoingMail> {
  const [job] = await ledger.listJobs(messageId);
  for (let i = 0; i < 30; i++) {
    nowMs += MINUTE;
    await poll();
    const report = mailer.sent.find((m) => m.inReplyTo === job?.originalMessageId);
    if (report) return report;
  }
  throw new Error(`no report for ${messageId} within 30 polls`);
}

async function pollTimes(times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    nowMs += MINUTE;
    await poll();
  }
}

function poll() {
  const policy = gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.example.com', DEFAULT_COUNTRY: 'DE' });
  const deps = buildPollerDeps(
    { policy, pollerPolicy: pollerPolicyFromEnv({}), jobsTable: dynamo.jobsTable },
    {
      dynamo: dynamo.client,
      faxrocks: { baseUrl: sandbox.url, token: staticToken(sandbox.token) },
      mailer,
      log: silentLog,
      metrics,
      clock,
    },
  );
  return pollFaxStatuses(deps);
}

const escaped = (text: string) => text.replace(/[+]/g, '\\+');

const faxesTo = (number: string) => sandbox.faxes().filter((f) => f.number === number);
const visibilityChanges = () =>
  sqsEndpoint.requests.filter((r) => r.action === 'ChangeMessageVisibility').map((r) => r.params);

describe('transient faxrocks faults on the inbound path', () => {
  it("gives a throttled mail its own delay, at least faxrocks' Retry-After, on the queue the record names", async () => {
    const number = freshNumber();
    const { id, key } = await storedMail([number]);
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 45 };
    const response = await handleInboundBatch(eventFor(key, 1), depsWith());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'sqs-1' }]);
    expect(visibilityChanges()).toEqual([
      {
        QueueUrl: queueUrlOfArn(QUEUE_ARN),
        ReceiptHandle: 'handle-sqs-1-1',
        VisibilityTimeout: expect.any(Number),
      },
    ]);
    expect(visibilityChanges()[0]?.VisibilityTimeout).toBeGreaterThanOrEqual(45);
    expect((await ledger.getMail(id)) as unknown).toMatchObject({
      outcome: 'RECEIVED',
      lastError: expect.stringMatching(/^faxrocks answered 429 \(too many requests\) for 0 seconds/),
    });
    expect(mailer.sent).toHaveLength(0);
  });

  it('backs off further on each receive, never past the give-up time', async () => {
    const { key } = await storedMail([freshNumber()]);
    const deps = depsWith();
    const delays: number[] = [];
    for (let receive = 1; receive <= 10; receive++) {
      sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 0 };
      await handleInboundBatch(eventFor(key, receive), deps);
      delays.push(Number(visibilityChanges().at(-1)?.VisibilityTimeout));
    }
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 900, 900]);
    // 119 minutes in, the next try comes when the two hours are up, not 15 minutes later.
    nowMs += 119 * MINUTE;
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 0 };
    await handleInboundBatch(eventFor(key, 11), deps);
    expect(visibilityChanges().at(-1)?.VisibilityTimeout).toBe(60);
  });

  it('a 429 lasting longer than the receives a fixed queue would allow still ends in one fax', async () => {
    const number = freshNumber();
    const { key } = await storedMail([number]);
    const deps = depsWith();
    sandbox.faults.rateLimit = { count: 5, retryAfterSeconds: 20 };
    let receive = 0;
    for (; receive < 10; receive++) {
      const response = await handleInboundBatch(eventFor(key, receive + 1), deps);
      if (response.batchItemFailures.length === 0) break;
      nowMs += Number(visibilityChanges().at(-1)?.VisibilityTimeout) * 1000;
    }
    expect(receive + 1).toBe(6);
    expect(faxesTo(number)).toHaveLength(1);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Fax queued: Contract']);
  });
});

describe('giving up', () => {
  it('once the time is up: FAILED with the cause, one "nothing was faxed" reply, the message done', async () => {
    const number = freshNumber();
    const { id, key } = await storedMail([number]);
    const deps = depsWith();
    sandbox.faults.rateLimit = { count: 1000, retryAfterSeconds: 60 };
    let response = await handleInboundBatch(eventFor(key, 1), deps);
    expect(response.batchItemFailures).toHaveLength(1);
    nowMs += 121 * MINUTE;
    response = await handleInboundBatch(eventFor(key, 2), deps);
    sandbox.faults.rateLimit = undefined;

    expect(response.batchItemFailures).toEqual([]);
    expect(faxesTo(number)).toHaveLength(0);
    expect(await ledger.listJobs(id)).toEqual([]);
    const record = await ledger.getMail(id);
    expect(record).toMatchObject({ outcome: 'FAILED', reason: 'gave-up', sender: 'alice@example.com' });
    expect(record?.detail).toMatch(/^faxrocks answered 429 \(too many requests\) for 2 hours/);
    expect(mailer.sent).toHaveLength(1);
    const reply = mailer.sent[0] as OutgoingMail;
    expect(reply.to.address).toBe('alice@example.com');
    expect(reply.subject).toBe('Fax not sent: Contract');
    expect(reply.text).toContain('Nothing was faxed for your email.');
    expect(reply.text).toContain('faxrocks answered 429 (too many requests) for 2 hours');
    expect(reply.text).toContain('It is safe to send the email again');
    expect(metrics.get('MailGaveUp')).toBe(1);

    // A redelivery afterwards changes nothing.
    await handleInboundBatch(eventFor(key, 3), deps);
    expect(mailer.sent).toHaveLength(1);
    expect(faxesTo(number)).toHaveLength(0);
  });

  it('a give-up whose reply could not go out answers on the next receive, and only once', async () => {
    const number = freshNumber();
    const { id, key } = await storedMail([number]);
    const deps = depsWith();
    sandbox.faults.rateLimit = { count: 1000, retryAfterSeconds: 60 };
    await handleInboundBatch(eventFor(key, 1), deps);
    nowMs += 121 * MINUTE;
    const sesDown: Mailer = {
      send: async () => {
        throw new Error('SES is throttling');
      },
    };
    let response = await handleInboundBatch(eventFor(key, 2), { ...deps, mailer: sesDown });
    expect(response.batchItemFailures).toHaveLength(1);
    expect(mailer.sent).toEqual([]);
    expect(await ledger.getMail(id)).toMatchObject({ outcome: 'FAILED', reason: 'gave-up' });

    response = await handleInboundBatch(eventFor(key, 3), deps);
    await handleInboundBatch(eventFor(key, 4), deps);
    sandbox.faults.rateLimit = undefined;
    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Fax not sent: Contract']);
    expect(mailer.sent[0]?.text).toContain('faxrocks answered 429 (too many requests) for 2 hours');
    expect(faxesTo(number)).toHaveLength(0);
    expect(await ledger.listJobs(id)).toEqual([]);
  });

  it("on the queue's last receive before the time is up: gives up the same way (receive count from the record)", async () => {
    const number = freshNumber();
    const { id, key } = await storedMail([number]);
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 1 };
    const response = await handleInboundBatch(eventFor(key, 5), depsWith({ maxReceiveCount: 5 }));
    expect(response.batchItemFailures).toEqual([]);
    const record = await ledger.getMail(id);
    expect(record).toMatchObject({ outcome: 'FAILED', reason: 'gave-up' });
    expect(record?.detail).toMatch(/^faxrocks answered 429 \(too many requests\)/);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Fax not sent: Contract']);
    expect(mailer.sent[0]?.text).toContain('Nothing was faxed for your email.');
    expect(metrics.get('MailGaveUp')).toBe(1);
    expect(faxesTo(number)).toHaveLength(0);
  });

  it('a receive before the last one is retried, not given up', async () => {
    const { id, key } = await storedMail([freshNumber()]);
    sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 1 };
    const response = await handleInboundBatch(eventFor(key, 4), depsWith({ maxReceiveCount: 5 }));
    expect(response.batchItemFailures).toHaveLength(1);
    expect((await ledger.getMail(id))?.outcome).toBe('RECEIVED');
    expect(mailer.sent).toHaveLength(0);
  });

  it('an unreachable faxrocks is named as such', async () => {
    const { id, key } = await storedMail([freshNumber()]);
    const closed = await new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const deps = depsWith({ giveUp: '1', faxrocksUrl: `http://127.0.0.1:${port}` });
    await handleInboundBatch(eventFor(key, 1), deps);
    nowMs += 2 * MINUTE;
    await handleInboundBatch(eventFor(key, 2), deps);
    expect((await ledger.getMail(id))?.detail).toMatch(/^faxrocks could not be reached for 2 minutes/);
    expect(mailer.sent[0]?.text).toContain('faxrocks could not be reached for 2 minutes');
  });

  it('a mail part of which was sent gives up the rest: those numbers "not sent", one report for all', async () => {
    const numbers = Array.from({ length: 11 }, () => freshNumber());
    const eleventh = numbers[10] as string;
    const { id, key } = await storedMail(numbers);
    const deps = depsWith();
    // The first batch of ten goes out; from then on faxrocks throttles every call.
    onSandboxLine = (line) => {
      if (/^POST \S*\/send 200$/.test(line))
        sandbox.faults.rateLimit = { count: 100_000, retryAfterSeconds: 1 };
    };
    expect((await handleInboundBatch(eventFor(key, 1), deps)).batchItemFailures).toHaveLength(1);
    nowMs += 121 * MINUTE;
    const response = await handleInboundBatch(eventFor(key, 2), deps);
    onSandboxLine = () => undefined;
    sandbox.faults.rateLimit = undefined;

    expect(response.batchItemFailures).toEqual([]);
    expect(numbers.slice(0, 10).every((n) => faxesTo(n).length === 1)).toBe(true);
    expect(faxesTo(eleventh)).toHaveLength(0);
    const record = await ledger.getMail(id);
    expect(record).toMatchObject({ outcome: 'FAILED', reason: 'partly-sent', sender: 'alice@example.com' });
    expect(record?.detail).toMatch(/faxrocks answered 429 \(too many requests\) for 2 hours/);
    expect(record?.detail).toMatch(/1 of 11 numbers not sent/);
    const notSent = await ledger.getJob(id, eleventh);
    expect(notSent).toMatchObject({
      state: 'FAILED',
      notSent: expect.stringMatching(/^faxrocks answered 429/),
    });
    expect(notSent?.faxId).toBeUndefined();
    // Nothing from the inbound side: the poller's report is the one answer.
    expect(mailer.sent).toHaveLength(0);
    // `faxgate jobs show` never says the unsent number was sent.
    const steps = timeline({
      mail: record as MailHistory['mail'],
      jobs: (await ledger.listJobs(id)) as MailHistory['jobs'],
    }).map((e) => e.what);
    expect(steps.filter((w) => w.startsWith(`${eleventh}:`))).toEqual([
      expect.stringMatching(/^\+\d+: not sent \(the mail gave up before its \/send\): faxrocks answered 429/),
    ]);
    expect(metrics.get('MailGaveUp')).toBe(1);

    const report = await pollUntilReported(id);
    expect(report.subject).toBe('Fax delivered to 10 of 11 numbers: Contract');
    expect(report.text).toMatch(new RegExp(`\\s${escaped(eleventh)}\\s+not sent`));
    expect(report.text).toContain(`NOT faxed: ${eleventh}`);
    expect(report.text).toContain('It is safe to send your email again to just that number');
    expect(report.attachments).toHaveLength(10);
    // The sent numbers are never called not sent.
    for (const n of numbers.slice(0, 10))
      expect(report.text).toMatch(new RegExp(`\\s${escaped(n)}\\s+delivered`));
    await pollTimes(3);
    expect(mailer.sent.filter((m) => m.inReplyTo === report.inReplyTo)).toHaveLength(1);
    // A redelivery afterwards sends nothing more.
    await handleInboundBatch(eventFor(key, 3), deps);
    expect(faxesTo(eleventh)).toHaveLength(0);
    expect(
      mailer.sent.filter((m) => m.to.address === 'alice@example.com' && m.inReplyTo === report.inReplyTo),
    ).toHaveLength(1);
  });

  it('an ambiguous send in the mail is settled by the poller, never reported as not sent', async () => {
    const numbers = Array.from({ length: 11 }, () => freshNumber());
    const { id, key } = await storedMail(numbers);
    const deps = depsWith({ maxReceiveCount: 2 });
    // faxrocks takes the first ten and answers 500; then it throttles everything.
    sandbox.faults.acceptThenFail = 1;
    onSandboxLine = (line) => {
      if (/^POST \S*\/send 500$/.test(line))
        sandbox.faults.rateLimit = { count: 100_000, retryAfterSeconds: 1 };
    };
    await handleInboundBatch(eventFor(key, 1), deps);
    // The queue's last receive, well before the give-up time.
    const response = await handleInboundBatch(eventFor(key, 2), deps);
    onSandboxLine = () => undefined;
    sandbox.faults.rateLimit = undefined;
    expect(response.batchItemFailures).toEqual([]);
    const jobs = await ledger.listJobs(id);
    expect(jobs.filter((j) => j.notSent).map((j) => j.number)).toEqual([numbers[10]]);
    expect(jobs.filter((j) => j.state === 'SENDING' && j.outcomeUnknown)).toHaveLength(10);

    const report = await pollUntilReported(id);
    expect(report.subject).toBe('Fax delivered to 10 of 11 numbers: Contract');
    expect(report.text).toContain(`NOT faxed: ${numbers[10]}`);
    expect(numbers.slice(0, 10).every((n) => faxesTo(n).length === 1)).toBe(true);
  });

  it('never answers an unauthenticated sender, even when giving up', async () => {
    const { id, key } = await storedMail(
      [freshNumber()],
      'mallory@example.com',
      'amazonses.com; spf=fail smtp.mailfrom=mallory@example.com; dkim=none; dmarc=fail header.from=example.com;',
    );
    // The ledger has no allowlist trouble: the sender is simply not authenticated, so it is dropped
    // on its first try; giving up on it later says nothing either.
    const response = await handleInboundBatch(eventFor(key, 30), depsWith());
    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.sent).toHaveLength(0);
    expect((await ledger.getMail(id))?.outcome).toBe('DROPPED');
  });
});

describe('a stored mail that is gone', () => {
  it('is skipped, not retried, when S3 answers 403 (no s3:ListBucket) or 404', async () => {
    // What S3 answers the inbound role for a key that does not exist: 403 AccessDenied.
    const denying = await new Promise<Server>((resolve) => {
      const server = createServer((_req, res) => {
        const body =
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
        res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    const denyingClient = new S3Client(
      localAwsClientConfig(`http://127.0.0.1:${(denying.address() as AddressInfo).port}`),
    );
    try {
      const deps = depsWith({ s3Client: denyingClient });
      const response = await handleInboundBatch(eventFor('inbound/gone-403', 1), deps);
      expect(response.batchItemFailures).toEqual([]);
      expect((await ledger.getMail('gone-403'))?.outcome).toBe('SKIPPED');
      const missing = await handleInboundBatch(eventFor('inbound/gone-404', 1), depsWith());
      expect(missing.batchItemFailures).toEqual([]);
      expect((await ledger.getMail('gone-404'))?.reason).toBe('mail-missing');
      expect(visibilityChanges()).toEqual([]);
      expect(mailer.sent).toHaveLength(0);
    } finally {
      denyingClient.destroy();
      await new Promise<void>((resolve) => denying.close(() => resolve()));
    }
  });
});
