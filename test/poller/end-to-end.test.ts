// Issue 4 end to end through the one-machine runtime (`npm start`): mail in over SMTP, the fax at the
// sandbox, and the outcome in the outbox for a sandbox number that fails and for one that never
// finishes (UNKNOWN after the configured time). The delivered case is in test/local/runtime.test.ts.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_REDIAL } from '../../functions/domain/redial-policy.ts';
import { type LocalGateway, startLocalGateway } from '../../local/runtime.ts';
import { testFaxPdf } from '../../local/test-fax-pdf.ts';
import { SANDBOX_TEST_NUMBERS } from '../../sandbox/faxrocks-sandbox.ts';
import { tempDir } from '../support/stand-ins.ts';
import { silentLog } from '../support/telemetry.ts';

const sender = 'carol@example.com';
let offsetMs = 0;
const cleanups: (() => Promise<void> | void)[] = [];
let gateway: LocalGateway;

beforeAll(async () => {
  const dir = tempDir('faxgate-poller-e2e-');
  cleanups.push(() => dir.remove());
  gateway = await startLocalGateway({
    dataDir: dir.path,
    ports: 0,
    sandboxDeliveryDelayMs: 0,
    pollOnTimer: false,
    log: silentLog,
    // The gateway's clock can be moved ahead; the sandbox keeps real time.
    clock: { now: () => new Date(Date.now() + offsetMs) },
    // One attempt per fax here; re-dials through npm start are in test/local/attempts.test.ts.
    pollerPolicy: { pendingTimeoutMinutes: 5, redial: NO_REDIAL },
  });
  cleanups.push(() => gateway.close());
  await gateway.deps.senders.add({ entry: sender, addedBy: 'test', addedAt: new Date().toISOString() });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function outbox(): Promise<ParsedMail[]> {
  const files = readdirSync(gateway.outboxDir).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map((f) => simpleParser(readFileSync(join(gateway.outboxDir, f)))));
}

/** Waits, boundedly, until the probe returns a value. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function mailFax(number: string, messageId: string): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: gateway.smtpPort,
    ignoreTLS: true,
  });
  await transport.sendMail({
    from: `Carol <${sender}>`,
    to: `${number}@fax.localhost`,
    subject: 'Order form',
    text: 'Please fax this.',
    messageId,
    attachments: [{ filename: 'order.pdf', content: Buffer.from(await testFaxPdf()) }],
  });
  transport.close();
  await eventually(
    async () => (await outbox()).find((m) => m.inReplyTo === messageId && /queued/i.test(m.subject ?? '')),
    `the queued reply to ${messageId}`,
  );
}

const outcomeFor = (messageId: string, outcome: RegExp) =>
  eventually(
    async () => (await outbox()).find((m) => m.inReplyTo === messageId && outcome.test(m.subject ?? '')),
    `the outcome for ${messageId}`,
  );

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
