// End to end through the one-machine runtime on random free ports: real SMTP (nodemailer), the real
// S3 and DynamoDB SDK clients against s3rver and dynalite, the faxrocks sandbox over HTTP, and the
// outbox folder. Every gateway a test starts is closed in afterAll.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAwsClientConfig } from '../../local/aws-client-config.ts';
import { type LocalGateway, PortInUseError, startLocalGateway } from '../../local/runtime.ts';
import { newSesMessageId, stampAsSes } from '../../local/ses-inbound-smtp.ts';
import { DataFolderInUseError, startS3StandIn } from '../../local/stand-ins.ts';
import { testFaxPdf } from '../../local/test-fax-pdf.ts';
import { eventually } from '../support/eventually.ts';
import {
  mailTo,
  outboxMails as outbox,
  replyTo,
  startTestGateway,
  type TestGatewayOptions,
} from '../support/local-gateway.ts';
import { tempDir } from '../support/stand-ins.ts';
import { silentLog } from '../support/telemetry.ts';

const number = '+493012345600';
const sender = 'alice@example.com';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function gatewayIn(options: TestGatewayOptions = {}) {
  const gateway = await startTestGateway(options);
  cleanups.push(() => gateway.close());
  return gateway;
}

async function mailWithPdf(originalId: string, to = number) {
  return {
    from: `Alice <${sender}>`,
    to: `${to}@fax.localhost`,
    subject: 'Contract',
    text: 'Please fax this.',
    messageId: originalId,
    attachments: [{ filename: 'contract.pdf', content: Buffer.from(await testFaxPdf()) }],
  };
}

/** The mail as SES stores it: composed, then stamped with SES's header block. */
async function storedAsSes(
  originalId: string,
  to: string,
  sesId: string,
  gateway: LocalGateway,
): Promise<Buffer> {
  const mail = await mailWithPdf(originalId, to);
  const composed = await new Promise<Buffer>((resolve, reject) => {
    nodemailer
      .createTransport({ streamTransport: true, buffer: true })
      .sendMail(mail, (error, info) => (error ? reject(error) : resolve(info.message as Buffer)));
  });
  return stampAsSes(
    composed,
    { mailFrom: sender, rcptTo: [`${to}@fax.localhost`], helo: 'mx.example.com', clientIp: '192.0.2.1' },
    sesId,
    gateway.config.sesStamp,
  );
}

describe('npm start runtime, end to end', () => {
  let gateway: LocalGateway;

  beforeAll(async () => {
    gateway = await gatewayIn({ dirPrefix: 'faxgate-runtime-', senders: [sender] });
  });

  it('faxes a PDF mailed over SMTP and replies "queued", then the receipt, threaded under the original', async () => {
    const info = await mailTo(gateway, await mailWithPdf('<smtp-original@example.com>'));
    const sesId = /Ok ([a-z0-9]{20})$/.exec(info.response)?.[1];
    expect(sesId).toBeDefined();

    const fax = await eventually(
      () => gateway.sandbox?.faxes().find((f) => f.number === number),
      'the fax at the sandbox',
    );
    expect(fax.pages).toBe(1);

    const queued = await replyTo(gateway, '<smtp-original@example.com>', /queued/i);
    expect(queued.to).toMatchObject({ value: [{ address: sender }] });
    expect(queued.from?.value[0]?.address).toBe('fax@fax.localhost');
    expect(queued.headers.get('auto-submitted')).toBe('auto-replied');
    expect(queued.text).toContain(number);

    const job = await gateway.deps.ledger.getJob(sesId as string, number);
    expect(job?.state).toBe('QUEUED');

    // The poller finds the delivered fax and mails the outcome with the receipt.
    await gateway.pollNow();
    const delivered = await replyTo(gateway, '<smtp-original@example.com>', /deliver/i);
    expect(delivered.attachments.some((a) => a.contentType === 'application/pdf')).toBe(true);
    expect((await gateway.deps.ledger.getJob(sesId as string, number))?.state).toBe('DELIVERED');
  });

  it('processes a mail written straight into the bucket by another S3 client exactly like SMTP mail', async () => {
    const sesId = newSesMessageId();
    const stored = await storedAsSes('<s3-original@example.com>', '+493012345699', sesId, gateway);
    const client = new S3Client(localAwsClientConfig(gateway.s3Endpoint));
    cleanups.push(() => client.destroy());
    await client.send(
      new PutObjectCommand({ Bucket: 'faxgate-mail', Key: `inbound/${sesId}`, Body: stored }),
    );

    await eventually(
      () => gateway.sandbox?.faxes().find((f) => f.number === '+493012345699'),
      'the fax at the sandbox',
    );
    await replyTo(gateway, '<s3-original@example.com>', /queued/i);
    expect((await gateway.deps.ledger.getMail(sesId))?.outcome).toBe('ACCEPTED');
  });

  it('faxes and answers once when the bucket reports one mail twice, with batches running at once', async () => {
    expect(gateway.config.queue.maxConcurrency).toBeGreaterThan(1);
    const twice = '+493012345698';
    const sesId = newSesMessageId();
    const stored = await storedAsSes('<twice-original@example.com>', twice, sesId, gateway);
    const client = new S3Client(localAwsClientConfig(gateway.s3Endpoint));
    cleanups.push(() => client.destroy());
    // Two writes of one key: two object-created events, two queue messages for one mail.
    const put = new PutObjectCommand({ Bucket: 'faxgate-mail', Key: `inbound/${sesId}`, Body: stored });
    await Promise.all([client.send(put), client.send(put)]);

    await replyTo(gateway, '<twice-original@example.com>', /queued/i);
    await eventually(async () => (gateway.queue.size === 0 ? true : undefined), 'both messages handled');
    expect(gateway.sandbox?.faxes().filter((f) => f.number === twice)).toHaveLength(1);
    const replies = (await outbox(gateway)).filter((m) => m.inReplyTo === '<twice-original@example.com>');
    expect(replies).toHaveLength(1);
  });

  it('says which variable to change when a port is taken', async () => {
    const dir = tempDir('faxgate-port-');
    cleanups.push(() => dir.remove());
    const taken = Number(new URL(gateway.s3Endpoint).port);
    const error = await startLocalGateway({
      dataDir: dir.path,
      ports: 0,
      s3Port: taken,
      log: silentLog,
    }).then(
      (g) => g.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toContain('FAXGATE_S3_PORT');
  });

  it('refuses a data folder another gateway is using', async () => {
    const error = await startLocalGateway({ dataDir: gateway.config.dataDir, ports: 0, log: silentLog }).then(
      (g) => g.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataFolderInUseError);
  });
});

describe('npm start runtime, failures and restarts', () => {
  it('retries a failing handler and moves the message to the dead-letter folder after maxReceiveCount', async () => {
    const receiveCounts: string[] = [];
    const gateway = await gatewayIn({
      queue: { visibilityTimeoutMs: 0, maxReceiveCount: 3 },
      inboundHandler: async (event) => {
        receiveCounts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
        if (event.Records.some((r) => r.body.includes('inbound/poison'))) throw new Error('handler exploded');
        return { batchItemFailures: [] };
      },
    });
    const client = new S3Client(localAwsClientConfig(gateway.s3Endpoint));
    cleanups.push(() => client.destroy());
    await client.send(new PutObjectCommand({ Bucket: 'faxgate-mail', Key: 'inbound/poison', Body: 'x' }));

    const letter = await eventually(async () => (await gateway.queue.deadLetters())[0], 'a dead letter');
    expect(letter.reason).toBe('Error: handler exploded');
    expect(letter.receiveCount).toBe(3);
    expect(letter.body).toMatchObject({
      Records: [
        {
          eventSource: 'aws:s3',
          s3: { bucket: { name: 'faxgate-mail' }, object: { key: 'inbound/poison' } },
        },
      ],
    });
    expect(readdirSync(gateway.deadLetterDir)).toHaveLength(1);
    expect(receiveCounts.slice(-3)).toEqual(['1', '2', '3']);
  });

  it('keeps senders, jobs and mail across a restart, and processes mail stored while it was down', async () => {
    const dir = tempDir('faxgate-restart-');
    cleanups.push(() => dir.remove());
    const first = await gatewayIn({ dataDir: dir.path });
    await first.deps.senders.add({
      entry: '@example.com',
      addedBy: 'test',
      addedAt: new Date().toISOString(),
    });
    const info = await mailTo(first, await mailWithPdf('<before-restart@example.com>'));
    const sesId = /Ok ([a-z0-9]{20})$/.exec(info.response)?.[1] as string;
    await replyTo(first, '<before-restart@example.com>', /queued/i);
    await first.close();

    // Mail lands in the bucket while the gateway is down (its event goes nowhere).
    const downtimeId = newSesMessageId();
    const s3 = await startS3StandIn({ dataDir: join(dir.path, 's3'), buckets: ['faxgate-mail'] });
    const client = new S3Client(localAwsClientConfig(s3.endpoint));
    await client.send(
      new PutObjectCommand({
        Bucket: 'faxgate-mail',
        Key: `inbound/${downtimeId}`,
        Body: await storedAsSes('<while-down@example.com>', '+493012345699', downtimeId, first),
      }),
    );
    client.destroy();
    await s3.close();

    const second = await gatewayIn({ dataDir: dir.path });
    expect(await second.deps.senders.isAllowed('bob@EXAMPLE.com')).toBe(true);
    expect((await second.deps.ledger.getJob(sesId, number))?.state).toBe('QUEUED');
    expect((await second.deps.ledger.getMail(sesId))?.outcome).toBe('ACCEPTED');
    expect(second.recoveredOnStart).toEqual([`inbound/${downtimeId}`]);
    await replyTo(second, '<while-down@example.com>', /queued/i);
    // The sandbox kept its faxes too, so the poller can still settle the job sent before the restart.
    await second.pollNow();
    await replyTo(second, '<before-restart@example.com>', /deliver/i);
  });

  it('relays replies over SMTP as well as writing them to the outbox when FAXGATE_SMTP_RELAY is set', async () => {
    const relayed: { to: string[]; raw: string }[] = [];
    const relay = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => {
          raw += chunk.toString();
        });
        stream.on('end', () => {
          relayed.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => relay.close(() => resolve())));
    const relayPort = (relay.server.address() as { port: number }).port;

    const gateway = await gatewayIn({ smtpRelay: new URL(`smtp://127.0.0.1:${relayPort}`) });
    // Not on the allowlist: the rejection reply goes out at once.
    await mailTo(gateway, await mailWithPdf('<relay-original@example.com>'));

    await replyTo(gateway, '<relay-original@example.com>', /./);
    const sent = await eventually(() => relayed[0], 'the relayed reply');
    expect(sent.to).toEqual([sender]);
    expect(sent.raw).toContain('In-Reply-To: <relay-original@example.com>');
  });
});
