// The Lambda edge, wired from environment variables to loopback stand-ins: dynalite through the real
// DynamoDB client, the faxrocks sandbox over HTTP, and a local SES v2 through the real SESv2 client.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import sesLocalModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoJobLedger } from '../../functions/adapters/dynamo-job-ledger.ts';
import { FaxrocksClient, staticToken } from '../../functions/adapters/faxrocks/client.ts';
import { ConfigError } from '../../functions/config.ts';
import { createPollerHandler, deployedPollerDeps } from '../../functions/handlers/status-poller.ts';
import { localAwsClientConfig } from '../../local/aws-client-config.ts';
import { type FaxrocksSandbox, startFaxrocksSandbox } from '../../sandbox/faxrocks-sandbox.ts';
import { type DynamoFixture, startDynamoFixture } from '../support/stand-ins.ts';
import { CountingMetrics } from '../support/telemetry.ts';
import { pdfOfPages, RecordingLog } from './world.ts';

// A CommonJS module with __esModule: Node's ESM loader and vitest's interop disagree on `default`.
const sesLocal: typeof sesLocalModule.default =
  typeof sesLocalModule === 'function' ? sesLocalModule : sesLocalModule.default;

interface StoredEmail {
  from: string;
  destination: { to: string[] };
  subject: string;
  attachments: { filename?: string; contentType: string }[];
}

describe('status poller handler', () => {
  let dynamo: DynamoFixture;
  let sandbox: FaxrocksSandbox;
  let sesServer: Server;
  let sesEndpoint: string;
  let ses: SESv2Client;

  beforeAll(async () => {
    dynamo = await startDynamoFixture();
    // The handler runs on the system clock: faxes are final as soon as they exist.
    sandbox = await startFaxrocksSandbox({ port: 0, token: 'handler-token', deliveryDelayMs: 0 });
    sesServer = await sesLocal({ host: '127.0.0.1', port: 0 });
    sesEndpoint = `http://127.0.0.1:${(sesServer.address() as AddressInfo).port}`;
    ses = new SESv2Client(localAwsClientConfig(sesEndpoint));
  });
  afterAll(async () => {
    ses.destroy();
    sesServer.closeAllConnections();
    await new Promise((resolve) => sesServer.close(resolve));
    await sandbox.close();
    await dynamo.close();
  });

  const env = () => ({
    FAX_DOMAIN: 'Fax.Example.com',
    JOBS_TABLE: dynamo.jobsTable,
    FAXROCKS_API_URL: sandbox.url,
    FAXROCKS_TOKEN_PARAMETER: '/faxgate/token',
    CLOCK_SKEW_SECONDS: '60',
  });

  it('fails fast, naming the missing variable', () => {
    expect(() => deployedPollerDeps({})).toThrow(ConfigError);
    expect(() => deployedPollerDeps({ FAX_DOMAIN: 'fax.example.com' })).toThrow(/JOBS_TABLE must be set/);
    expect(() => deployedPollerDeps({ FAX_DOMAIN: 'fax.example.com', JOBS_TABLE: 't' })).toThrow(
      /FAXROCKS_TOKEN_PARAMETER or FAXROCKS_TOKEN_SECRET/,
    );
  });

  it('polls once per invocation and emails the outcome through SES from the configured address', async () => {
    const ledger = new DynamoJobLedger(dynamo.docClient, dynamo.jobsTable);
    const faxrocks = new FaxrocksClient({ baseUrl: sandbox.url, token: staticToken('handler-token') });
    const job = {
      messageId: 'ses-handler',
      number: '+4930123456',
      attemptId: 'attempt-handler',
      sendStartedAt: new Date().toISOString(),
      pages: 1,
      expiresAt: Math.floor(Date.now() / 1000) + 86_400,
      sender: 'bob@example.com',
      subject: 'Invoice',
      originalMessageId: '<invoice@example.com>',
    };
    expect(await ledger.claimSend(job)).toBe(true);
    const [queued] = await faxrocks.send({ numbers: [job.number], document: await pdfOfPages(1) });
    await ledger.markQueued(job.messageId, job.number, job.attemptId, {
      queuedAt: new Date().toISOString(),
      pages: queued?.pages ?? 1,
    });

    const metrics = new CountingMetrics();
    const log = new RecordingLog();
    let builds = 0;
    const handler = createPollerHandler(() => {
      builds++;
      const dynamoClient = dynamo.client;
      return deployedPollerDeps(env(), {
        dynamo: dynamoClient,
        ses,
        token: staticToken('handler-token'),
        log,
        metrics,
      });
    });
    // Less time left than the margin: nothing new is started.
    expect(await handler(undefined, { getRemainingTimeInMillis: () => 1_000 })).toMatchObject({
      openJobs: 1,
      stoppedEarly: true,
      matched: 0,
    });
    const report = await handler(undefined, { getRemainingTimeInMillis: () => 60_000 });
    expect(report).toMatchObject({ openJobs: 1, matched: 1, delivered: 1, notified: 1 });
    expect(await handler()).toMatchObject({ openJobs: 0 });
    expect(builds).toBe(1);
    expect(metrics.get('FaxesDelivered')).toBe(1);

    const { emails } = (await (await fetch(`${sesEndpoint}/store`)).json()) as { emails: StoredEmail[] };
    expect(emails).toHaveLength(1);
    expect(emails[0]?.from).toBe('fax@fax.example.com');
    expect(emails[0]?.destination.to).toEqual(['bob@example.com']);
    expect(emails[0]?.subject).toBe('Fax delivered: Invoice');
    expect(emails[0]?.attachments.map((a) => a.filename)).toEqual(['faxrocks-receipt-+4930123456.pdf']);
    expect(JSON.stringify(log.lines)).not.toContain('handler-token');
  });
});
