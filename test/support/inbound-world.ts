// The inbound use case with its real adapters, built by the composition root: mail in an
// S3-compatible server, ledger and allowlist in dynalite (which enforces DynamoDB's 400 KB item
// limit), faxes to the faxrocks sandbox over HTTP; only the Mailer records instead of sending.

import { PutObjectCommand } from '@aws-sdk/client-s3';
import { staticToken } from '../../functions/adapters/faxrocks/client.ts';
import { gatewayPolicyFromEnv } from '../../functions/config.ts';
import { buildInboundDeps, type InboundDeps } from '../../functions/handlers/inbound-deps.ts';
import { type ProcessResult, processStoredMail } from '../../functions/inbound/process-mail.ts';
import type { Mailer, OutgoingMail } from '../../functions/ports.ts';
import { type FaxrocksSandbox, startFaxrocksSandbox } from '../../sandbox/faxrocks-sandbox.ts';
import { sesMessageId } from '../fixtures/mail-builder.ts';
import { type DynamoFixture, type S3Fixture, startDynamoFixture, startS3Fixture } from './stand-ins.ts';
import { CountingMetrics, silentLog } from './telemetry.ts';

export class RecordingMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  async send(mail: OutgoingMail): Promise<void> {
    this.sent.push(mail);
  }
}

export interface InboundWorld {
  dynamo: DynamoFixture;
  s3: S3Fixture;
  sandbox: FaxrocksSandbox;
  mailer: RecordingMailer;
  deps: InboundDeps;
  /** Stores the mail under inbound/<id> as SES would and runs the use case on it. */
  process(raw: Buffer, id?: string): Promise<{ id: string; result: ProcessResult }>;
  close(): Promise<void>;
}

/** `senders` are allowed before the first mail (added straight to the senders table). */
export async function startInboundWorld(
  env: Record<string, string> = {},
  { senders = [] }: { senders?: string[] } = {},
): Promise<InboundWorld> {
  const [dynamo, s3, sandbox] = await Promise.all([
    startDynamoFixture(),
    startS3Fixture(),
    startFaxrocksSandbox({ port: 0, deliveryDelayMs: 60_000 }),
  ]);
  const mailer = new RecordingMailer();
  const deps = buildInboundDeps(
    {
      policy: gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.example.com', DEFAULT_COUNTRY: 'DE', ...env }),
      jobsTable: dynamo.jobsTable,
      sendersTable: dynamo.sendersTable,
      bucket: s3.bucket,
    },
    {
      s3: s3.client,
      dynamo: dynamo.client,
      faxrocks: { baseUrl: sandbox.url, token: staticToken(sandbox.token) },
      mailer,
      log: silentLog,
      metrics: new CountingMetrics(),
    },
  );
  for (const entry of senders)
    await deps.senders.add({ entry, addedBy: 'test', addedAt: new Date().toISOString() });
  return {
    dynamo,
    s3,
    sandbox,
    mailer,
    deps,
    async process(raw, id = sesMessageId()) {
      const key = `inbound/${id}`;
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: raw }));
      return { id, result: await processStoredMail({ bucket: s3.bucket, key }, deps) };
    },
    close: async () => {
      await Promise.all([dynamo.close(), s3.close(), sandbox.close()]);
    },
  };
}
