// The CLI's AWS adapters that have no embedded stand-in, over HTTP through the real SDK clients:
// the SQS dead-letter queue (list, show, redrive, purge on SQS's JSON protocol), the Lambda
// invocations of redrive (the inbound function) and resend (the status poller function), with the
// stack's resources named by CloudFormation outputs. The resend invocation runs the real poller
// handler against dynalite, s3rver and the faxrocks sandbox, as the deployed function would.
// Nothing reaches AWS.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, exitCodes, runCli } from '../cli/main.ts';
import { DynamoJobLedger } from '../functions/adapters/dynamo-job-ledger.ts';
import { staticToken } from '../functions/adapters/faxrocks/client.ts';
import { S3PreparedDocuments } from '../functions/adapters/s3-mail-store.ts';
import { gatewayPolicyFromEnv, pollerPolicyFromEnv } from '../functions/config.ts';
import { jobReference } from '../functions/domain/job-reference.ts';
import { createPollerHandler } from '../functions/handlers/status-poller.ts';
import { buildResendDeps } from '../functions/handlers/status-poller-deps.ts';
import { resendRunner } from '../functions/handlers/status-poller-resend.ts';
import type { Mailer } from '../functions/ports.ts';
import { testFaxPdf } from '../local/test-fax-pdf.ts';
import { type FaxrocksSandbox, startFaxrocksSandbox } from '../sandbox/faxrocks-sandbox.ts';
import {
  type AwsEndpoint,
  type AwsHandler,
  cloudFormationWith,
  jsonError,
  type SqsStandInMessage,
  sqsQueueWith,
  startAwsEndpoint,
} from './support/aws-endpoint.ts';
import {
  type DynamoFixture,
  type S3Fixture,
  startDynamoFixture,
  startS3Fixture,
} from './support/stand-ins.ts';
import { CountingMetrics, silentLog } from './support/telemetry.ts';

const region = 'eu-west-1';
const queueUrl = `https://sqs.${region}.amazonaws.com/123456789012/Faxgate-DeadLetterQueue`;
const inboundFunction = 'Faxgate-InboundFunction-1A2B3C';
const pollerFunction = 'Faxgate-StatusPollerFunction-4D5E6F';
const deadId = '0100018c5f3a7b2e-6a1f9c55-dead-0001';
const failingId = '0100018c5f3a7b2e-6a1f9c55-dead-0002';

function s3Event(bucket: string, messageId: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: '2026-12-01T09:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: `inbound/${messageId}`, size: 2048 } },
      },
    ],
  });
}

describe('faxgate CLI against a stack: SQS dead letters, Lambda redrive and resend', () => {
  let dynamo: DynamoFixture;
  let s3: S3Fixture;
  let sandbox: FaxrocksSandbox;
  let ledger: DynamoJobLedger;
  const endpoints: Record<'cloudformation' | 'sqs' | 'lambda', AwsEndpoint | undefined> = {
    cloudformation: undefined,
    sqs: undefined,
    lambda: undefined,
  };
  let queue: ReturnType<typeof sqsQueueWith>;
  const noMail: Mailer = { send: async () => undefined };

  beforeAll(async () => {
    dynamo = await startDynamoFixture();
    s3 = await startS3Fixture();
    sandbox = await startFaxrocksSandbox({ port: 0, deliveryDelayMs: 0 });
    ledger = new DynamoJobLedger(dynamo.docClient, dynamo.jobsTable);
    // The deployed poller's resend, built as the Lambda builds it, on the loopback stand-ins.
    const poller = createPollerHandler(
      () => {
        throw new Error('no scheduled poll in this test');
      },
      resendRunner(() =>
        buildResendDeps(
          {
            policy: gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.example.com' }),
            pollerPolicy: pollerPolicyFromEnv({}),
            jobsTable: dynamo.jobsTable,
            bucket: s3.bucket,
          },
          {
            dynamo: dynamo.client,
            s3: s3.client,
            faxrocks: { baseUrl: sandbox.url, token: staticToken(sandbox.token), allowInsecureHttp: true },
            mailer: noMail,
            log: silentLog,
            metrics: new CountingMetrics(),
          },
        ),
      ),
    );
    const seed: SqsStandInMessage[] = [
      { body: s3Event(s3.bucket, deadId), receiveCount: 5 },
      { body: s3Event(s3.bucket, failingId), receiveCount: 5 },
    ];
    queue = sqsQueueWith(queueUrl, seed);
    // Lambda's Invoke (REST-JSON): the event is the body; a function error is a header, as on AWS.
    const lambda: AwsHandler = async (request) => {
      if (request.action === `POST /2015-03-31/functions/${inboundFunction}/invocations`) {
        const body = String((request.params.Records as { body: string }[] | undefined)?.[0]?.body ?? '');
        if (body.includes(failingId)) {
          return {
            body: { errorType: 'TransientError', errorMessage: 'faxrocks did not take the fax' },
            headers: { 'x-amz-function-error': 'Unhandled' },
          };
        }
        return { body: { batchItemFailures: [] } };
      }
      if (request.action === `POST /2015-03-31/functions/${pollerFunction}/invocations`) {
        return { body: await poller(request.params as never) };
      }
      return jsonError('ResourceNotFoundException', `Function not found: ${request.path}`, 404);
    };
    endpoints.cloudformation = await startAwsEndpoint(
      cloudFormationWith('Faxgate', {
        JobsTableName: dynamo.jobsTable,
        SendersTableName: dynamo.sendersTable,
        DeadLetterQueueUrl: queueUrl,
        InboundFunctionName: inboundFunction,
        StatusPollerFunctionName: pollerFunction,
      }),
    );
    endpoints.sqs = await startAwsEndpoint(queue);
    endpoints.lambda = await startAwsEndpoint(lambda);

    // The dead-lettered mail's record, with the error that made the queue give up on it.
    await ledger.openMail({
      messageId: deadId,
      receivedAt: '2026-12-01T09:00:00.000Z',
      outcome: 'RECEIVED',
      expiresAt: 1_900_000_000,
    });
    await ledger.recordMailFailure?.(deadId, {
      at: '2026-12-01T09:05:00.000Z',
      error: 'TransientError: faxrocks did not take the fax (retry after 30s): faxrocks answered 429',
      receiveCount: 5,
    });
  });
  afterAll(async () => {
    for (const endpoint of Object.values(endpoints)) await endpoint?.close();
    await sandbox?.close();
    await s3?.close();
    await dynamo?.close();
  });

  async function cli(...argv: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = {
      out: (t) => stdout.push(t),
      err: (t) => stderr.push(t),
      env: { AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null' },
    };
    const code = await runCli(argv, io, {
      aws: {
        region,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        endpoints: {
          cloudformation: endpoints.cloudformation?.url,
          sqs: endpoints.sqs?.url,
          lambda: endpoints.lambda?.url,
          dynamodb: dynamo.standIn.endpoint,
        },
      },
    });
    return { code, out: stdout.join('\n'), err: stderr.join('\n') };
  }

  const requests = (service: 'sqs' | 'lambda') => endpoints[service]?.requests ?? [];

  it('lists and shows the dead letters from SQS, with the cause from the mail record', async () => {
    const list = await cli('dead-letters', 'list', '--stack', 'Faxgate');
    expect(list).toMatchObject({ code: exitCodes.ok, err: '' });
    const lines = list.out.split('\n');
    expect(lines[0]).toMatch(/^DEAD-LETTERED\s+ID\s+MAIL\s+RECEIVES\s+LAST ERROR$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^2026-12-01T09:00:00Z\\s+\\S+\\s+${deadId}\\s+6\\s+TransientError: faxrocks did not take the fax`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`${failingId}\\s+6\\s+\\(cause not recorded\\)$`));
    const receive = requests('sqs').find((r) => r.action === 'ReceiveMessage');
    expect(receive?.params).toMatchObject({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 });

    const show = await cli('dead-letters', 'show', deadId, '--stack', 'Faxgate');
    expect(show.code).toBe(exitCodes.ok);
    expect(show.out).toMatch(/^Dead letter \S+, dead-lettered 2026-12-01T09:00:00.000Z after \d+ receives/);
    expect(show.out).toContain(`mail   s3://${s3.bucket}/inbound/${deadId}`);
    expect(show.out).toMatch(/cause {2}TransientError: faxrocks did not take the fax \(retry after 30s\)/);
    expect(show.out).toContain(jobReference(deadId));
    expect(queue.messages()).toHaveLength(2);
  });

  it('redrives through the inbound function: removes the letter on success, keeps it on failure', async () => {
    const failed = await cli('dead-letters', 'redrive', failingId, '--stack', 'Faxgate');
    expect(failed.code).toBe(exitCodes.notDone);
    expect(failed.err).toMatch(
      /^The mail failed again; the dead letter stays: the inbound function failed \(Unhandled\): .*TransientError/,
    );
    expect(queue.messages().map((m) => m.body)).toEqual([
      expect.stringContaining(deadId),
      expect.stringContaining(failingId),
    ]);

    const redrive = await cli('dead-letters', 'redrive', deadId, '--stack', 'Faxgate');
    expect(redrive).toMatchObject({ code: exitCodes.ok, err: '' });
    expect(redrive.out).toMatch(/^Redriven: .* processed again .*; the dead letter is removed\.$/);
    const invoke = requests('lambda')
      .filter((r) => r.path.includes(inboundFunction))
      .at(-1);
    const record = (invoke?.params.Records as Record<string, unknown>[] | undefined)?.[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      body: s3Event(s3.bucket, deadId),
      awsRegion: region,
    });
    expect(requests('sqs').filter((r) => r.action === 'DeleteMessage')).toHaveLength(1);
    expect(queue.messages().map((m) => m.body)).toEqual([expect.stringContaining(failingId)]);
    // The mail record notes the redrive, for jobs show.
    expect((await ledger.getMail(deadId)) as unknown).toMatchObject({
      redrives: [
        { deadLetteredAt: '2026-12-01T09:00:00.000Z', cause: expect.stringContaining('TransientError') },
      ],
    });
  });

  it('purges the queue only with --yes', async () => {
    expect((await cli('dead-letters', 'purge', '--stack', 'Faxgate')).code).toBe(exitCodes.usage);
    expect(queue.messages()).toHaveLength(1);
    const purge = await cli('dead-letters', 'purge', '--yes', '--stack', 'Faxgate');
    expect(purge).toMatchObject({
      code: exitCodes.ok,
      out: 'The dead-letter queue is being purged (SQS takes up to 60 s).',
    });
    expect(requests('sqs').find((r) => r.action === 'PurgeQueue')?.params).toEqual({ QueueUrl: queueUrl });
    expect(queue.messages()).toEqual([]);
  });

  it('resends a failed number through the status poller function: one /send at faxrocks', async () => {
    const messageId = '0100018c5f3a7b2e-6a1f9c55-resend-0001';
    const number = '+493012345600';
    const sentAt = new Date(Date.now() - 3_600_000).toISOString();
    await ledger.openMail({
      messageId,
      receivedAt: sentAt,
      sender: 'alice@example.com',
      outcome: 'RECEIVED',
      expiresAt: 1_900_000_000,
    });
    await ledger.recordMailOutcome(messageId, {
      outcome: 'ACCEPTED',
      sender: 'alice@example.com',
      decidedAt: sentAt,
      numbers: [number],
      pages: 1,
    });
    const attemptId = 'a1b2c3d4-0000-4000-8000-000000000001';
    await ledger.claimSend({
      messageId,
      number,
      attemptId,
      sendStartedAt: sentAt,
      pages: 1,
      expiresAt: 1_900_000_000,
      sender: 'alice@example.com',
      subject: 'Contract',
    });
    await ledger.markQueued(messageId, number, attemptId, {
      queuedAt: sentAt,
      pages: 1,
      estimatedCost: 0.09,
    });
    await ledger.recordOutcome(
      messageId,
      number,
      { state: 'FAILED', finishedAt: sentAt, error: 'No answer' },
      attemptId,
    );
    await ledger.markNotified(messageId, number, sentAt);
    await new S3PreparedDocuments(s3.client, s3.bucket).keep(messageId, await testFaxPdf());

    const resend = await cli('jobs', 'resend', jobReference(messageId), '--yes', '--stack', 'Faxgate');
    expect(resend.err).toBe('');
    expect(resend.code).toBe(exitCodes.ok);
    expect(resend.out).toMatch(/\+493012345600 +FAILED, 1 attempt, 0 of 1 pages sent, estimated cost 0\.09/);
    expect(resend.out).toMatch(/\+493012345600: sent as attempt 2, faxrocks queued it/);
    const invoke = requests('lambda').filter((r) => r.path.includes(pollerFunction));
    expect(invoke.map((r) => r.params)).toEqual([
      { faxgateResend: { messageId, number, fromAttemptId: attemptId } },
    ]);
    expect(sandbox.faxes().filter((f) => f.number === number)).toHaveLength(1);
    expect(await ledger.getJob(messageId, number)).toMatchObject({
      state: 'QUEUED',
      attempt: 2,
      retryCause: 'resend',
      earlierReports: [sentAt],
      attempts: [{ attempt: 1, attemptId, outcome: 'failed', error: 'No answer', sendAnswer: 'queued' }],
    });

    // Now in progress: refused before any invocation.
    const again = await cli('jobs', 'resend', jobReference(messageId), '--yes', '--stack', 'Faxgate');
    expect(again.code).toBe(exitCodes.usage);
    expect(requests('lambda').filter((r) => r.path.includes(pollerFunction))).toHaveLength(1);
  });
});
