// Attempts at the use-case level: the poller against the faxrocks sandbox over HTTP, the ledger in
// dynalite, prepared documents in s3rver, one controlled clock. Re-dials after busy lines, sends
// proven never made, ambiguous sends that did go out, races and crashes around an attempt: in none
// is a fax sent twice, and every mail gets exactly one final report.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDailyUsage } from '../../functions/adapters/dynamo-daily-usage.ts';
import { S3PreparedDocuments } from '../../functions/adapters/s3-mail-store.ts';
import type { PollerPolicy } from '../../functions/config.ts';
import { sendAttempt } from '../../functions/delivery/send-attempt.ts';
import { DEFAULT_REDIAL_SCHEDULE } from '../../functions/domain/redial-policy.ts';
import { SANDBOX_TEST_NUMBERS } from '../../sandbox/faxrocks-sandbox.ts';
import {
  type DynamoFixture,
  type S3Fixture,
  startDynamoFixture,
  startS3Fixture,
} from '../support/stand-ins.ts';
import { createWorld, MINUTE, pdfOfPages, type World } from './world.ts';

const BERLIN = '+4930123456';

let dynamo: DynamoFixture;
let s3: S3Fixture;
const worlds: World[] = [];

beforeAll(async () => {
  dynamo = await startDynamoFixture();
  s3 = await startS3Fixture('attempts-documents');
});

afterAll(async () => {
  for (const w of worlds) await w.close();
  await dynamo.close();
  await s3.close();
});

/** A world with re-dialling and resending on, as deployed by default. */
async function world(policy: Partial<PollerPolicy> = {}): Promise<World> {
  const created = await createWorld(dynamo, {
    documents: new S3PreparedDocuments(s3.client, s3.bucket),
    policy: { redial: DEFAULT_REDIAL_SCHEDULE, resendAmbiguous: true, settleWindowMinutes: 10, ...policy },
  });
  worlds.push(created);
  return created;
}

/** Polls once a minute of the shared clock, `minutes` times. */
async function pollFor(w: World, minutes: number, overrides: Parameters<World['poll']>[0] = {}) {
  for (let i = 0; i < minutes; i++) {
    w.advance(MINUTE);
    await w.poll(overrides);
  }
}

/** The first attempt as the inbound function makes it, through the same send step. */
async function firstAttempt(w: World, messageId: string, numbers: string[], pages = 1) {
  const jobs = [];
  for (const number of numbers) jobs.push(await w.claimJob(messageId, number, pages));
  const document = await pdfOfPages(pages);
  await w.deps().documents?.keep(messageId, document);
  const deps = w.deps();
  return sendAttempt(deps, {
    messageId,
    numbers,
    attemptId: jobs[0]?.attemptId ?? '',
    pages,
    document,
  });
}

const faxesTo = (w: World, number: string) => w.sandbox.faxes().filter((f) => f.number === number);
const reportsFor = (w: World, messageId: string) =>
  w.mailer.sent.filter((m) => m.inReplyTo === `<${messageId}@mail.example.com>`);

describe('re-dialling failed faxes', () => {
  it('busy once, then delivered on the second attempt, with one report that says so', async () => {
    const w = await world();
    await w.sendJob('ses-busy-once', SANDBOX_TEST_NUMBERS.busyOnce, 2);
    await pollFor(w, 2); // the fax ends busy after a minute: a re-dial is due 5 minutes later
    expect(await w.job('ses-busy-once', SANDBOX_TEST_NUMBERS.busyOnce)).toMatchObject({
      state: 'RETRY_DUE',
      retryCause: 'busy',
    });
    expect(reportsFor(w, 'ses-busy-once')).toHaveLength(0);
    await pollFor(w, 10);
    const job = await w.job('ses-busy-once', SANDBOX_TEST_NUMBERS.busyOnce);
    expect(job).toMatchObject({ state: 'DELIVERED', attempt: 2 });
    expect(job.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'failed', error: 'Busy' })]);
    expect(faxesTo(w, SANDBOX_TEST_NUMBERS.busyOnce)).toHaveLength(2);
    const reports = reportsFor(w, 'ses-busy-once');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.subject).toBe('Fax delivered: Documents ses-busy-once');
    expect(reports[0]?.text).toContain('Attempts:    2 (busy, then delivered)');
    expect(reports[0]?.attachments?.map((a) => a.filename)).toEqual([
      `faxrocks-receipt-${SANDBOX_TEST_NUMBERS.busyOnce}.pdf`,
    ]);
  });

  it('always busy: re-dialled 4 times after 5, 5, 15 and 40 minutes, then failed with one report', async () => {
    const w = await world();
    await w.sendJob('ses-always-busy', SANDBOX_TEST_NUMBERS.busy, 1);
    const start = w.now();
    await pollFor(w, 120);
    const job = await w.job('ses-always-busy', SANDBOX_TEST_NUMBERS.busy);
    expect(job).toMatchObject({ state: 'FAILED', attempt: 5, error: 'Busy' });
    expect(job.notRedialled).toMatch(/re-dialled 4 times after a busy line/);
    const sends = faxesTo(w, SANDBOX_TEST_NUMBERS.busy).map((f) =>
      Math.round((Date.parse(f.created_at) - start) / MINUTE),
    );
    // Each fax fails a minute after it was created (the sandbox's delay); the re-dial follows the wait.
    expect(sends.reverse()).toEqual([0, 6, 12, 28, 69]);
    const reports = reportsFor(w, 'ses-always-busy');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.subject).toBe('Fax failed: Documents ses-always-busy');
    expect(reports[0]?.text).toContain('Attempts:    5 (busy, busy, busy, busy, then failed)');
  });

  it('a number that cannot work is never re-dialled', async () => {
    const w = await world();
    const number = '+4930123462';
    const job = await w.claimJob('ses-invalid', number, 1);
    await w.ledger.markQueued('ses-invalid', number, job.attemptId, {
      queuedAt: new Date(w.now()).toISOString(),
      pages: 1,
    });
    // faxrocks' own words for a number that is no fax line.
    await w.sandbox.seedFaxes([
      { number, createdAt: new Date(w.now()), status: 'failed', error: 'Invalid number', pagesSent: 0 },
    ]);
    await pollFor(w, 30);
    const ended = await w.job('ses-invalid', number);
    expect(ended).toMatchObject({ state: 'FAILED', attempt: 1, error: 'Invalid number' });
    expect(ended.notRedialled).toBeUndefined();
    expect(faxesTo(w, number)).toHaveLength(1);
    expect(reportsFor(w, 'ses-invalid')).toHaveLength(1);
  });

  it('no retry passes the daily cost ceiling; the report says it was not re-dialled and why', async () => {
    const w = await world();
    const usage = new DynamoDailyUsage(dynamo.docClient, `poller-jobs-${worlds.length}`);
    const day = new Date(w.now()).toISOString().slice(0, 10);
    // The day's budget is spent but for the first attempt.
    await usage.reserveGatewayCost(day, 'other-mails', 0.95, 1);
    await w.sendJob('ses-ceiling', SANDBOX_TEST_NUMBERS.busy, 1);
    await pollFor(w, 10, { usage, guards: { senderDailyPageLimit: 0, dailyCostCeiling: 1 } });
    const job = await w.job('ses-ceiling', SANDBOX_TEST_NUMBERS.busy);
    expect(job).toMatchObject({ state: 'FAILED', attempt: 1 });
    expect(job.notRedialled).toMatch(/daily cost ceiling/);
    expect(
      faxesTo(w, SANDBOX_TEST_NUMBERS.busy).filter((f) => Date.parse(f.created_at) >= w.now() - 20 * MINUTE),
    ).toHaveLength(1);
    const [report] = reportsFor(w, 'ses-ceiling');
    expect(report?.text).toContain(
      "It was not dialled again: not re-dialled: it would pass the gateway's daily cost ceiling.",
    );
  });
});

describe('what an attempt costs', () => {
  it("a re-dial's reservation under the daily cost ceiling is corrected to faxrocks' answered estimate", async () => {
    const w = await world();
    const usage = new DynamoDailyUsage(dynamo.docClient, `poller-jobs-${worlds.length}`);
    const day = new Date(w.now()).toISOString().slice(0, 10);
    await w.sendJob('ses-cost', SANDBOX_TEST_NUMBERS.busyOnce, 1);
    // Reserved at the configured 0.50 a page; faxrocks (the sandbox) answers 0.09 a page.
    const guards = { senderDailyPageLimit: 0, dailyCostCeiling: 100, estimatedPricePerPage: 0.5 };
    await pollFor(w, 10, { usage, guards });
    const job = await w.job('ses-cost', SANDBOX_TEST_NUMBERS.busyOnce);
    expect(job).toMatchObject({ attempt: 2, estimatedCost: 0.09 });
    expect(await usage.gatewayCost(day)).toBeCloseTo(0.09, 5);
  });
});

describe('ambiguous sends settled both ways', () => {
  it('500 before anything happened: proven never created over the settle window, then faxed exactly once', async () => {
    const w = await world();
    w.sandbox.faults.send5xx = 1;
    const answer = await firstAttempt(w, 'ses-lost', [BERLIN]);
    expect(answer.get(BERLIN)?.status).toBe('unconfirmed');
    expect(faxesTo(w, BERLIN)).toHaveLength(0);
    await pollFor(w, 9);
    expect((await w.job('ses-lost', BERLIN)).state).toBe('SENDING');
    await pollFor(w, 2); // the settle window (10 minutes) and one poll
    expect(faxesTo(w, BERLIN)).toHaveLength(1);
    await pollFor(w, 3);
    const job = await w.job('ses-lost', BERLIN);
    expect(job).toMatchObject({ state: 'DELIVERED', attempt: 2 });
    expect(job.attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'not-sent', sendAnswer: 'unknown' }),
    ]);
    expect(faxesTo(w, BERLIN)).toHaveLength(1);
    expect(reportsFor(w, 'ses-lost')).toHaveLength(1);
  });

  it('accepted, then 500: found in /faxes, followed, never sent again', async () => {
    const w = await world();
    const number = '+4930123457';
    w.sandbox.faults.acceptThenFail = 1;
    expect((await firstAttempt(w, 'ses-accepted', [number])).get(number)?.status).toBe('unconfirmed');
    await pollFor(w, 30);
    expect(faxesTo(w, number)).toHaveLength(1);
    expect(await w.job('ses-accepted', number)).toMatchObject({ state: 'DELIVERED', attempt: 1 });
    expect(reportsFor(w, 'ses-accepted')).toHaveLength(1);
  });

  it('switched off, an ambiguous send that never shows up ends UNKNOWN and is never resent', async () => {
    const w = await world({ resendAmbiguous: false });
    const number = '+4930123458';
    w.sandbox.faults.send5xx = 1;
    await firstAttempt(w, 'ses-no-resend', [number]);
    await pollFor(w, 40);
    expect(faxesTo(w, number)).toHaveLength(0);
    expect((await w.job('ses-no-resend', number)).state).toBe('UNKNOWN');
    expect(reportsFor(w, 'ses-no-resend')).toHaveLength(1);
  });

  it('429 or a refused connection is no ambiguity: never counted as an attempt that may have faxed', async () => {
    const w = await world();
    w.sandbox.faults.rateLimit = { count: 1, retryAfterSeconds: 30 };
    const answer = await firstAttempt(w, 'ses-throttled', ['+4930123459']);
    expect(answer.get('+4930123459')?.status).toBe('not-taken');
  });
});

describe('races and crashes around an attempt', () => {
  it('two pollers racing over the same due retry: one /send, one fax, one report', async () => {
    const w = await world();
    await w.sendJob('ses-race', SANDBOX_TEST_NUMBERS.busyOnce, 1);
    // Find the re-dial due, without making it.
    for (let i = 0; i < 12; i++) {
      w.advance(MINUTE);
      const job = await w.job('ses-race', SANDBOX_TEST_NUMBERS.busyOnce);
      if (job.state === 'RETRY_DUE' && Date.parse(job.dueAt ?? '') <= w.now()) break;
      if (job.state !== 'RETRY_DUE') await w.poll();
    }
    w.sandbox.stats.reset();
    await Promise.all([w.poll(), w.poll(), w.poll()]);
    expect(w.sandbox.stats.requests['POST /send']).toBe(1);
    await pollFor(w, 5);
    expect(faxesTo(w, SANDBOX_TEST_NUMBERS.busyOnce).filter((f) => f.status)).toHaveLength(1);
    expect(faxesTo(w, SANDBOX_TEST_NUMBERS.busyOnce)).toHaveLength(2);
    expect(reportsFor(w, 'ses-race')).toHaveLength(1);
  });

  it('a crash between the claim of an attempt and /send: proven not sent, sent once later', async () => {
    const w = await world({ unknownSendAfterMinutes: 15 });
    const number = '+4930123460';
    await w.claimJob('ses-crash-before', number, 1);
    await w.deps().documents?.keep('ses-crash-before', await pdfOfPages(1));
    // The run died before /send: nothing was faxed and nothing was noted.
    await pollFor(w, 40);
    expect(faxesTo(w, number)).toHaveLength(1);
    expect(await w.job('ses-crash-before', number)).toMatchObject({ state: 'DELIVERED', attempt: 2 });
    expect(reportsFor(w, 'ses-crash-before')).toHaveLength(1);
  });

  it('a crash between /send and the write: found in /faxes, never sent again', async () => {
    const w = await world({ unknownSendAfterMinutes: 15 });
    const number = '+4930123461';
    await w.claimJob('ses-crash-after', number, 1);
    await w.client.send({ numbers: [number], document: await pdfOfPages(1) });
    await pollFor(w, 40);
    expect(faxesTo(w, number)).toHaveLength(1);
    expect(await w.job('ses-crash-after', number)).toMatchObject({ state: 'DELIVERED', attempt: 1 });
    expect(reportsFor(w, 'ses-crash-after')).toHaveLength(1);
  });
});

describe('one report per mail', () => {
  it('12 numbers, three busy once: no mail while re-dials are pending, then one report with 12 outcomes and 12 receipts', async () => {
    const w = await world();
    const numbers = [
      ...Array.from({ length: 9 }, (_, i) => `+49301234570${i}`),
      SANDBOX_TEST_NUMBERS.busyOnce,
      SANDBOX_TEST_NUMBERS.noAnswerOnce,
      SANDBOX_TEST_NUMBERS.partialOnce,
    ];
    await firstAttempt(w, 'ses-twelve', numbers.slice(0, 10), 2);
    // The eleventh and twelfth go in a second batch, as the inbound function sends them.
    const rest = numbers.slice(10);
    const restJobs = [];
    for (const n of rest) restJobs.push(await w.claimJob('ses-twelve', n, 2, { attemptId: 'batch-2' }));
    await sendAttempt(w.deps(), {
      messageId: 'ses-twelve',
      numbers: rest,
      attemptId: 'batch-2',
      pages: 2,
      document: await pdfOfPages(2),
    });
    await pollFor(w, 3);
    expect(reportsFor(w, 'ses-twelve')).toHaveLength(0);
    await pollFor(w, 12);
    const jobs = await w.ledger.listJobs('ses-twelve');
    expect(jobs.map((j) => j.state)).toEqual(Array(12).fill('DELIVERED'));
    const reports = reportsFor(w, 'ses-twelve');
    expect(reports).toHaveLength(1);
    const [report] = reports;
    expect(report?.subject).toBe('Fax delivered to 12 of 12 numbers: Documents ses-twelve');
    expect(report?.attachments).toHaveLength(12);
    for (const n of numbers) expect(report?.text).toContain(n);
    expect(report?.text).toMatch(/\+493012345901 +delivered, 2 attempts/);
  });
});
