// Issue 4 end to end through the one-machine runtime (`npm start`): mail in over SMTP, the fax at the
// sandbox, and the outcome in the outbox for a sandbox number that fails and for one that never
// finishes (UNKNOWN after the configured time). The delivered case is in test/local/runtime.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_REDIAL } from '../../functions/domain/redial-policy.ts';
import type { LocalGateway } from '../../local/runtime.ts';
import { testFaxPdf } from '../../local/test-fax-pdf.ts';
import { SANDBOX_TEST_NUMBERS } from '../../sandbox/faxrocks-sandbox.ts';
import { mailTo, outboxMails, replyTo, startTestGateway } from '../support/local-gateway.ts';

const sender = 'carol@example.com';
let offsetMs = 0;
const cleanups: (() => Promise<void> | void)[] = [];
let gateway: LocalGateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    dirPrefix: 'faxgate-poller-e2e-',
    senders: [sender],
    // The gateway's clock can be moved ahead; the sandbox keeps real time.
    clock: { now: () => new Date(Date.now() + offsetMs) },
    // One attempt per fax here; re-dials through npm start are in test/local/attempts.test.ts.
    pollerPolicy: { pendingTimeoutMinutes: 5, redial: NO_REDIAL },
  });
  cleanups.push(() => gateway.close());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const outbox = () => outboxMails(gateway);

async function mailFax(number: string, messageId: string): Promise<void> {
  await mailTo(gateway, {
    from: `Carol <${sender}>`,
    to: `${number}@fax.localhost`,
    subject: 'Order form',
    text: 'Please fax this.',
    messageId,
    attachments: [{ filename: 'order.pdf', content: Buffer.from(await testFaxPdf()) }],
  });
  await replyTo(gateway, messageId, /queued/i);
}

const outcomeFor = (messageId: string, outcome: RegExp) => replyTo(gateway, messageId, outcome);

describe('status outcomes through npm start', () => {
  it('mails "failed" with the provider error and the receipt for a sandbox number that fails', async () => {
    await mailFax(SANDBOX_TEST_NUMBERS.busy, '<busy@example.com>');
    await gateway.pollNow();
    const failed = await outcomeFor('<busy@example.com>', /^Fax failed/);
    expect(failed.subject).toBe('Fax failed: Order form');
    expect(failed.text).toContain('Error:       Busy');
    expect(failed.attachments.map((a) => a.filename)).toEqual([
      `faxrocks-receipt-${SANDBOX_TEST_NUMBERS.busy}.pdf`,
    ]);
    expect(failed.references).toContain('<busy@example.com>');
  });

  it('mails "status unknown" for a fax that never finishes, once the pending time-out has passed', async () => {
    await mailFax(SANDBOX_TEST_NUMBERS.pendingForever, '<stuck@example.com>');
    await gateway.pollNow();
    expect(
      (await outbox()).some((m) => m.inReplyTo === '<stuck@example.com>' && /unknown/.test(m.subject ?? '')),
    ).toBe(false);
    offsetMs = 6 * 60_000;
    await gateway.pollNow();
    const unknown = await outcomeFor('<stuck@example.com>', /^Fax status unknown/);
    expect(unknown.text).toContain('Check before resending');
    expect(unknown.attachments).toEqual([]);
  });
});
