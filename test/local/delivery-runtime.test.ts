// Issue 12's done-when rows through `npm start` (local/runtime.ts): SMTP in, the faxrocks sandbox
// over HTTP with its fault switches, the poller on its timer, replies in the outbox. The gateway and
// the sandbox share one clock that runs 60 times faster than the wall clock, so a re-dial after a
// minute, a one-minute settle window and a two-minute give-up time pass in seconds. Every wait is
// bounded; nothing asserts how long anything took.

import fc from 'fast-check';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../functions/ports.ts';
import type { LocalGateway } from '../../local/runtime.ts';
import { testFaxPdf } from '../../local/test-fax-pdf.ts';
import { SANDBOX_TEST_NUMBERS } from '../../sandbox/faxrocks-sandbox.ts';
import { eventually } from '../support/eventually.ts';
import { mailTo, repliesTo, startTestGateway } from '../support/local-gateway.ts';

const sender = 'alice@example.com';
const SCALE = 60;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A clock 60 times faster than the wall clock: a minute of the gateway's time is a second. */
function fastClock(): Clock {
  const start = Date.now();
  return { now: () => new Date(start + (Date.now() - start) * SCALE) };
}

/** `giveUpAfterMinutes`: long by default, so that a slow machine's own delays never reach it. */
async function fastGateway(giveUpAfterMinutes = 60, maxReceiveCount?: number): Promise<LocalGateway> {
  const gateway = await startTestGateway({
    dirPrefix: 'faxgate-delivery-',
    senders: [sender],
    pollOnTimer: true,
    pollSeconds: 0.25,
    clock: fastClock(),
    policy: {
      redialBusyMinutes: [1, 1],
      redialNoAnswerMinutes: [1],
      redialBrokenOffMinutes: [1],
      giveUpAfterMinutes,
    },
    pollerPolicy: { settleWindowMinutes: 1 },
    ...(maxReceiveCount !== undefined ? { queue: { maxReceiveCount } } : {}),
  });
  cleanups.push(() => gateway.close());
  return gateway;
}

/** A final word for the mail: its one report (delivered or failed), or the give-up reply. */
const FINAL = /^Fax (delivered|failed|not sent|status unknown)/;

async function finalReply(gateway: LocalGateway, originalId: string): Promise<ParsedMail> {
  return eventually(async () => {
    const finals = (await repliesTo(gateway, originalId)).filter((m) => FINAL.test(m.subject ?? ''));
    return finals[0];
  }, `a final reply to ${originalId}`);
}

async function mailFax(gateway: LocalGateway, originalId: string, numbers: string[]): Promise<void> {
  await mailTo(gateway, {
    from: `Alice <${sender}>`,
    to: numbers.map((n) => `${n}@fax.localhost`).join(', '),
    subject: `Contract ${originalId}`,
    text: 'Please fax this.',
    messageId: originalId,
    attachments: [{ filename: 'contract.pdf', content: Buffer.from(await testFaxPdf()) }],
  });
}

const faxesTo = (gateway: LocalGateway, number: string) =>
  gateway.sandbox?.faxes().filter((f) => f.number === number) ?? [];

/** Polls a few more times (bounded), so anything that would go out again has had its chance. */
async function settleFurther(gateway: LocalGateway, polls = 8): Promise<void> {
  for (let i = 0; i < polls; i++) await gateway.pollNow();
}

describe('issue 12 through npm start', { timeout: 60_000 }, () => {
  let gateway: LocalGateway;

  beforeAll(async () => {
    gateway = await fastGateway();
  });

  it('busy, then OK: delivered on the second attempt, one report that says so; the queued reply promised it', async () => {
    const id = '<busy-once@example.com>';
    await mailFax(gateway, id, [SANDBOX_TEST_NUMBERS.busyOnce]);
    const report = await finalReply(gateway, id);
    expect(report.subject).toMatch(/^Fax delivered/);
    expect(report.text).toContain('Attempts:    2 (busy, then delivered)');
    await settleFurther(gateway);
    const replies = await repliesTo(gateway, id);
    expect(replies.map((m) => m.subject)).toEqual([
      `Fax queued: Contract ${id}`,
      `Fax delivered: Contract ${id}`,
    ]);
    expect(replies[0]?.text).toMatch(
      /Busy lines, numbers that do not answer and calls broken off part way\s+are re-dialled automatically, up to 6 attempts within 3 hours/,
    );
    expect(faxesTo(gateway, SANDBOX_TEST_NUMBERS.busyOnce)).toHaveLength(2);
  });

  it('always busy: failed after the configured attempts (1 + 2 re-dials), with one report', async () => {
    const id = '<always-busy@example.com>';
    await mailFax(gateway, id, [SANDBOX_TEST_NUMBERS.busy]);
    const report = await finalReply(gateway, id);
    expect(report.subject).toMatch(/^Fax failed/);
    await settleFurther(gateway);
    expect(faxesTo(gateway, SANDBOX_TEST_NUMBERS.busy)).toHaveLength(3);
    expect((await repliesTo(gateway, id)).filter((m) => FINAL.test(m.subject ?? ''))).toHaveLength(1);
  });

  it('/send answered 500 before anything happened: proven not sent over the settle window, faxed exactly once', async () => {
    const id = '<send-500@example.com>';
    const number = '+493012345611';
    if (gateway.sandbox) gateway.sandbox.faults.send5xx = 1;
    await mailFax(gateway, id, [number]);
    const report = await finalReply(gateway, id);
    expect(report.subject).toMatch(/^Fax delivered/);
    await settleFurther(gateway);
    expect(faxesTo(gateway, number)).toHaveLength(1);
    const [job] = await gateway.deps.ledger.listJobs((await sesIdOf(gateway, number)) ?? '');
    expect(job).toMatchObject({ state: 'DELIVERED', attempt: 2 });
    expect(job?.attempts?.[0]).toMatchObject({ outcome: 'not-sent' });
  });

  it('accepted, then 500: faxed exactly once and never sent again', async () => {
    const id = '<accepted-500@example.com>';
    const number = '+493012345612';
    if (gateway.sandbox) gateway.sandbox.faults.acceptThenFail = 1;
    await mailFax(gateway, id, [number]);
    const report = await finalReply(gateway, id);
    expect(report.subject).toMatch(/^Fax delivered/);
    await settleFurther(gateway);
    expect(faxesTo(gateway, number)).toHaveLength(1);
    const [job] = await gateway.deps.ledger.listJobs((await sesIdOf(gateway, number)) ?? '');
    expect(job).toMatchObject({ state: 'DELIVERED', attempt: 1 });
  });

  it('a 429 lasting longer than a fixed 3-receive queue would allow still ends in one fax', async () => {
    const id = '<throttled@example.com>';
    const number = '+493012345613';
    gateway.sandbox?.stats.reset();
    if (gateway.sandbox) gateway.sandbox.faults.rateLimit = { count: 4, retryAfterSeconds: 5 };
    await mailFax(gateway, id, [number]);
    const report = await finalReply(gateway, id);
    expect(report.subject).toMatch(/^Fax delivered/);
    expect(faxesTo(gateway, number)).toHaveLength(1);
    // Four throttled tries and the one that went through: more than the three receives of old.
    expect(gateway.sandbox?.stats.requests['POST /send']).toBe(5);
    expect(await gateway.queue.deadLetters()).toEqual([]);
    expect((await repliesTo(gateway, id)).map((m) => m.subject)).toEqual([
      `Fax queued: Contract ${id}`,
      `Fax delivered: Contract ${id}`,
    ]);
  });

  it('an outage longer than GIVE_UP_AFTER_MINUTES ends in one "nothing was faxed" reply', async () => {
    const gateway = await fastGateway(2);
    const id = '<outage@example.com>';
    const number = '+493012345614';
    if (gateway.sandbox) gateway.sandbox.faults.rateLimit = { count: 100_000, retryAfterSeconds: 20 };
    try {
      await mailFax(gateway, id, [number]);
      const reply = await finalReply(gateway, id);
      expect(reply.subject).toBe(`Fax not sent: Contract ${id}`);
      expect(reply.text).toContain('Nothing was faxed for your email.');
      expect(reply.text).toMatch(/faxrocks answered 429 \(too many requests\) for \d+ (seconds|minutes)/);
      expect(reply.text).toContain('It is safe to send the email again');
    } finally {
      if (gateway.sandbox) gateway.sandbox.faults.rateLimit = undefined;
    }
    expect(faxesTo(gateway, number)).toHaveLength(0);
    expect(await repliesTo(gateway, id)).toHaveLength(1);
    // The reply is written inside the handler; the message leaves the queue just after it returns.
    await eventually(() => (gateway.queue.size === 0 ? true : undefined), 'the message done');
  });
});

describe('giving up through npm start', { timeout: 60_000 }, () => {
  it('a queue whose receives run out first gives up on the last one: one "nothing was faxed" reply, no dead letter', async () => {
    const gateway = await fastGateway(60, 3);
    const id = '<last-receive@example.com>';
    const number = '+493012345615';
    if (gateway.sandbox) gateway.sandbox.faults.rateLimit = { count: 100_000, retryAfterSeconds: 0 };
    try {
      await mailFax(gateway, id, [number]);
      const reply = await finalReply(gateway, id);
      expect(reply.subject).toBe(`Fax not sent: Contract ${id}`);
      expect(reply.text).toContain('Nothing was faxed for your email.');
    } finally {
      if (gateway.sandbox) gateway.sandbox.faults.rateLimit = undefined;
    }
    // The reply is written before the handler returns: wait for the message to leave the queue.
    await eventually(() => (gateway.queue.size === 0 ? true : undefined), 'the message to leave the queue');
    expect(await gateway.queue.deadLetters()).toEqual([]);
    expect(faxesTo(gateway, number)).toHaveLength(0);
  });

  it('eleven numbers, the eleventh throttled to the last receive: one report, 10 delivered and 1 NOT faxed', async () => {
    const gateway = await fastGateway(60, 2);
    const sandbox = gateway.sandbox;
    if (!sandbox) throw new Error('the sandbox runs');
    const id = '<partly-sent@example.com>';
    const firstTen = Array.from({ length: 10 }, (_, i) => `+4930123457${String(20 + i)}`);
    const eleventh = '+493012345730';
    // The first /send (ten numbers) is held back a moment; faxrocks throttles everything after it.
    sandbox.faults.slowMs = 500;
    const sending = mailFax(gateway, id, [...firstTen, eleventh]);
    await eventually(
      () => (firstTen.every((n) => faxesTo(gateway, n).length === 1) ? true : undefined),
      'the first ten faxes',
    );
    sandbox.faults.rateLimit = { count: 100_000, retryAfterSeconds: 0 };
    sandbox.faults.slowMs = 0;
    await sending;
    try {
      await eventually(async () => {
        const mail = (await gateway.deps.ledger.listOpenJobs()).find((j) => j.number === eleventh);
        return mail?.notSent ? mail : undefined;
      }, 'the eleventh recorded as not sent');
    } finally {
      sandbox.faults.rateLimit = undefined;
    }
    const report = await finalReply(gateway, id);
    expect(report.subject).toBe(`Fax delivered to 10 of 11 numbers: Contract ${id}`);
    expect(report.text).toContain(`NOT faxed: ${eleventh}`);
    expect(report.attachments.filter((a) => a.filename?.startsWith('faxrocks-receipt-'))).toHaveLength(10);
    await settleFurther(gateway);
    expect((await repliesTo(gateway, id)).map((m) => m.subject)).toEqual([
      `Fax delivered to 10 of 11 numbers: Contract ${id}`,
    ]);
    expect(faxesTo(gateway, eleventh)).toHaveLength(0);
    expect(await gateway.queue.deadLetters()).toEqual([]);
  });
});

/** The SES message id of the one mail faxed to `number` (its jobs are keyed by it). */
async function sesIdOf(gateway: LocalGateway, number: string): Promise<string | undefined> {
  const open = await gateway.deps.ledger.listOpenJobs();
  const openOne = open.find((j) => j.number === number);
  if (openOne) return openOne.messageId;
  // Closed jobs leave the open index: find the mail through the bucket's keys instead.
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const listing = await gateway.s3Client.send(
    new ListObjectsV2Command({ Bucket: gateway.config.bucket, Prefix: 'inbound/' }),
  );
  for (const object of listing.Contents ?? []) {
    const messageId = object.Key?.split('/').pop() ?? '';
    if ((await gateway.deps.ledger.getJob(messageId, number)) !== undefined) return messageId;
  }
  return undefined;
}

describe('random faults through npm start (bounded, fixed seed)', () => {
  it('12 mails against a faxrocks failing at random: every fax exactly once, every sender a final answer', async () => {
    const gateway = await fastGateway();
    const sandbox = gateway.sandbox;
    if (!sandbox) throw new Error('the runtime started no sandbox');
    type Plan = { fault: 'none' | 'send5xx' | 'acceptThenFail' | 'rateLimit' | 'status5xx'; count: number };
    const plans = fc.sample(
      fc.record({
        fault: fc.constantFrom<Plan['fault']>('none', 'send5xx', 'acceptThenFail', 'rateLimit', 'status5xx'),
        count: fc.integer({ min: 1, max: 3 }),
      }),
      { seed: 20261201, numRuns: 12 },
    );
    const mails = plans.map((plan, i) => ({
      plan,
      id: `<random-${i}@example.com>`,
      number: `+4930123457${String(10 + i)}`,
    }));
    for (const { plan, id, number } of mails) {
      // Each switch fires on whatever request comes next: this mail's /send, or a poll's read.
      if (plan.fault === 'rateLimit') sandbox.faults.rateLimit = { count: plan.count, retryAfterSeconds: 3 };
      else if (plan.fault !== 'none') sandbox.faults[plan.fault] = plan.count;
      await mailFax(gateway, id, [number]);
    }
    for (const { id, number } of mails) {
      const final = await finalReply(gateway, id);
      const faxes = faxesTo(gateway, number);
      if (final.subject?.startsWith('Fax not sent')) {
        expect(faxes).toHaveLength(0);
        expect(final.text).toContain('Nothing was faxed');
      } else {
        expect(final.subject).toMatch(/^Fax delivered/);
        expect(faxes).toHaveLength(1);
      }
    }
    await settleFurther(gateway);
    for (const { id, number } of mails) {
      expect(faxesTo(gateway, number).length).toBeLessThanOrEqual(1);
      expect((await repliesTo(gateway, id)).filter((m) => FINAL.test(m.subject ?? ''))).toHaveLength(1);
    }
    expect(plans.some((p) => p.fault !== 'none')).toBe(true);
  }, 120_000);
});
