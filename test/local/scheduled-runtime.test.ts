// Faxes for later through `npm start`'s runtime (issue 14): mailed over SMTP with `/at` in the
// subject, sent to the sandbox with scheduled_at and timezone, reported pending until the time and
// delivered after it. The gateway's clock (shared with the sandbox) is moved, not waited for.

import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../local/runtime.ts';
import { testFaxPdf } from '../../local/test-fax-pdf.ts';
import {
  mailTo,
  repliesTo as repliesOf,
  replyTo as replyOf,
  startTestGateway,
} from '../support/local-gateway.ts';

const sender = 'alice@example.com';
const HOUR = 3_600_000;
let nowMs = Date.now();
let gateway: LocalGateway;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    dirPrefix: 'faxgate-scheduled-',
    senders: [sender],
    sandboxDeliveryDelayMs: 60_000,
    clock: { now: () => new Date(nowMs) },
  });
  cleanups.push(() => gateway.close());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function mail(number: string, subject: string, messageId: string): Promise<void> {
  await mailTo(gateway, {
    from: `Alice <${sender}>`,
    to: `${number}@fax.localhost`,
    subject,
    messageId,
    text: 'Please fax this.',
    attachments: [{ filename: 'contract.pdf', content: Buffer.from(await testFaxPdf()) }],
  });
}

const repliesTo = (messageId: string) => repliesOf(gateway, messageId);
const replyTo = (messageId: string, subject: RegExp) => replyOf(gateway, messageId, subject);

describe('a fax for later through npm start', () => {
  it('is sent with scheduled_at and timezone, reported pending until its time, and delivered after', async () => {
    const number = '+493012345600';
    const at = DateTime.fromMillis(nowMs, { zone: 'America/New_York' }).plus({ hours: 2 }).startOf('minute');
    await mail(
      number,
      `Contract /at ${at.toFormat('yyyy-LL-dd HH:mm')} America/New_York`,
      '<later@example.com>',
    );

    const queued = await replyTo('<later@example.com>', /^Fax queued: Contract$/);
    const shown = `${at.setLocale('en-GB').toFormat('d LLL yyyy HH:mm')} America/New_York`;
    expect(queued.text).toContain(`faxrocks holds the fax until ${shown} and sends it then.`);
    expect(queued.text).toContain('faxrocks offers no way to cancel a scheduled fax');
    expect(queued.text).toContain(`Options: send at ${shown}`);
    const fax = gateway.sandbox?.faxes().find((f) => f.number === number);
    expect(fax).toMatchObject({ status: false, sent_at_timezone: 'America/New_York' });

    // An hour on, long past the sandbox's delivery delay: faxrocks still holds it, faxgate waits.
    nowMs += HOUR;
    await gateway.pollNow();
    expect(gateway.sandbox?.faxes().find((f) => f.id === fax?.id)).toMatchObject({ status: false });
    const jobs = await gateway.deps.ledger.listOpenJobs();
    expect(jobs.find((j) => j.number === number)).toMatchObject({
      state: 'QUEUED',
      schedule: { localTime: at.toFormat("yyyy-LL-dd'T'HH:mm:ss"), timeZone: 'America/New_York' },
    });
    expect(await repliesTo('<later@example.com>')).toHaveLength(1);

    // Past its time and the delivery delay: delivered, and reported once.
    nowMs = at.toMillis() + 2 * 60_000;
    await gateway.pollNow();
    const delivered = await replyTo('<later@example.com>', /^Fax delivered: Contract$/);
    expect(delivered.text).toContain(`Scheduled:   ${shown}`);
    expect(delivered.attachments.some((a) => a.contentType === 'application/pdf')).toBe(true);
  });

  it('answers a time in the past and a malformed one, and faxes neither', async () => {
    const number = '+493012345610';
    const past = DateTime.fromMillis(nowMs, { zone: 'Europe/Berlin' }).minus({ days: 1 });
    await mail(number, `Late /at ${past.toFormat('dd.LL.yyyy HH:mm')}`, '<past@example.com>');
    await mail(number, 'Vague /at next friday', '<vague@example.com>');

    const late = await replyTo('<past@example.com>', /^Fax not sent: Late$/);
    expect(late.text).toContain(
      `${past.setLocale('en-GB').toFormat('d LLL yyyy HH:mm')} Europe/Berlin (the gateway's time zone; write another after the time) is in the past`,
    );
    const vague = await replyTo('<vague@example.com>', /^Fax not sent: Vague$/);
    expect(vague.text).toContain('/at next friday: "next" is not a date faxgate can read.');
    expect(vague.text).toContain('/at 24.12.2026 09:00 Europe/Berlin');
    expect(gateway.sandbox?.faxes().filter((f) => f.number === number)).toHaveLength(0);
  });
});
