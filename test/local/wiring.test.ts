// `npm start` wires the functions through the same composition roots as the Lambda handlers: the
// same dependencies from the same configuration, only the clients (and the outbox) local. Through
// the one-machine runtime on free ports, with the sandbox and the outbox folder.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { SesMailer } from '../../functions/adapters/ses-mailer.ts';
import { deployedInboundDeps } from '../../functions/handlers/inbound.ts';
import { deployedPollerDeps } from '../../functions/handlers/status-poller.ts';
import { OutboxMailer } from '../../local/outbox-mailer.ts';
import type { LocalGateway } from '../../local/runtime.ts';
import { testFaxPdf } from '../../local/test-fax-pdf.ts';
import { eventually } from '../support/eventually.ts';
import { mailTo, repliesTo, startTestGateway } from '../support/local-gateway.ts';
import { silentLog } from '../support/telemetry.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function gatewayWith(env: Record<string, string>): Promise<LocalGateway> {
  const gateway = await startTestGateway({
    env,
    dirPrefix: 'faxgate-wiring-',
    queue: { visibilityTimeoutMs: 100 },
  });
  cleanups.push(() => gateway.close());
  return gateway;
}

/** What each dependency is: its class for adapters, its value for plain settings. */
function shape(deps: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(deps).map(([key, value]) => [
      key,
      typeof value === 'object' && value !== null && value.constructor !== Object
        ? value.constructor.name
        : typeof value,
    ]),
  );
}

describe('one composition root for npm start and the Lambda handlers', () => {
  it('gives both the same dependency set from the same configuration', async () => {
    const configuration = {
      FAX_DOMAIN: 'fax.example.com',
      SEND_IN_FLIGHT_SECONDS: '1',
      SENDER_DAILY_PAGE_LIMIT: '40',
      DAILY_COST_CEILING: '25',
      JOBS_TABLE: 'wiring-jobs',
      SENDERS_TABLE: 'wiring-senders',
      CLOCK_SKEW_SECONDS: '30',
    };
    const gateway = await gatewayWith(configuration);
    // The deployed wiring only builds clients here; nothing is called, so nothing leaves the machine.
    const lambdaEnv = {
      ...configuration,
      FAXROCKS_TOKEN_PARAMETER: '/faxgate/token',
      // The stack sets it to the mail bucket, as npm start uses its own.
      MAIL_BUCKET: gateway.config.bucket,
      // The stack sets it to the queue's receive count, as npm start passes its own queue's.
      INBOUND_MAX_RECEIVE_COUNT: String(gateway.config.queue.maxReceiveCount),
      AWS_REGION: 'eu-west-1',
    };
    const lambdaInbound = deployedInboundDeps(lambdaEnv, { log: silentLog });
    const lambdaPoller = deployedPollerDeps(lambdaEnv, { log: silentLog });

    // Replies go to SES on AWS and to the outbox folder on one machine; telemetry differs too, and
    // retry delays go to SQS there and to the local queue here.
    const local = { ...shape(gateway.deps), mailer: 'Mailer', metrics: 'Metrics', retries: 'MessageRetries' };
    const lambda = {
      ...shape(lambdaInbound),
      mailer: 'Mailer',
      metrics: 'Metrics',
      retries: 'MessageRetries',
    };
    expect(local).toEqual(lambda);
    expect(Object.keys(local)).toContain('retries');
    expect(gateway.deps.maxReceiveCount).toBe(lambdaInbound.maxReceiveCount);
    expect(Object.keys(local)).toContain('usage');
    expect(gateway.deps.mailer).toBeInstanceOf(OutboxMailer);
    expect(lambdaInbound.mailer).toBeInstanceOf(SesMailer);
    expect(gateway.deps.policy).toEqual(lambdaInbound.policy);

    expect({ ...shape(gateway.pollerDeps), mailer: 'Mailer', metrics: 'Metrics' }).toEqual({
      ...shape(lambdaPoller),
      mailer: 'Mailer',
      metrics: 'Metrics',
    });
    expect(gateway.pollerDeps.policy).toEqual(lambdaPoller.policy);
    expect(gateway.pollerDeps.replyFrom).toBe(lambdaPoller.replyFrom);
  });
});

describe('cost guards under npm start', () => {
  const sender = 'carol@example.com';

  async function mailPdf(gateway: LocalGateway, messageId: string, to: string): Promise<void> {
    await mailTo(gateway, {
      from: sender,
      to: `${to}@fax.localhost`,
      subject: 'Guarded',
      text: 'Please fax this.',
      messageId,
      attachments: [{ filename: 'one-page.pdf', content: Buffer.from(await testFaxPdf()) }],
    });
  }

  function replyTo(gateway: LocalGateway, messageId: string): Promise<ParsedMail> {
    return eventually(async () => {
      const reply = (await repliesTo(gateway, messageId))[0];
      if (reply) return reply;
      const dead = readdirSync(gateway.deadLetterDir);
      if (dead.length > 0) {
        const letters = dead.map((f) => readFileSync(join(gateway.deadLetterDir, f), 'utf8')).join('\n');
        throw new Error(`mail went to the dead letters instead of being answered: ${letters.slice(0, 2000)}`);
      }
      return undefined;
    }, `a reply to ${messageId}`);
  }

  it('counts pages per sender and refuses the mail over the limit with a reply, dead-lettering nothing', async () => {
    const gateway = await gatewayWith({ SENDER_DAILY_PAGE_LIMIT: '1', DAILY_COST_CEILING: '100' });
    await gateway.deps.senders.add({ entry: sender, addedBy: 'test', addedAt: new Date().toISOString() });

    await mailPdf(gateway, '<guard-first@example.com>', '+493012345601');
    const queued = await replyTo(gateway, '<guard-first@example.com>');
    expect(queued.subject).toMatch(/queued/i);
    expect(gateway.sandbox?.faxes().filter((f) => f.number === '+493012345601')).toHaveLength(1);

    await mailPdf(gateway, '<guard-second@example.com>', '+493012345602');
    const refused = await replyTo(gateway, '<guard-second@example.com>');
    expect(refused.text).toContain('daily page limit per sender');
    expect(refused.text).toContain('1 of your 1 pages');
    expect(gateway.sandbox?.faxes().filter((f) => f.number === '+493012345602')).toHaveLength(0);
    expect(readdirSync(gateway.deadLetterDir)).toEqual([]);
  });
});
