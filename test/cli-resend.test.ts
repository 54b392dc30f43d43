// `faxgate jobs resend` and `faxgate jobs show` against npm start's own stand-ins (dynalite, s3rver,
// the local queue and dead-letter folder, the faxrocks sandbox over HTTP), started on free ports
// in this process, with the same environment an admin's CLI would have: re-dials at once (0
// minutes), two attempts per number, three pages per sender and day. Mail goes in over SMTP; the
// CLI reads and acts; the poller runs when the test says so.

import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../cli/main.ts';
import { jobReference } from '../functions/domain/job-reference.ts';
import { handleInboundBatch } from '../functions/inbound/inbound-batch.ts';
import type { LocalGateway } from '../local/runtime.ts';
import { testFaxPdf } from '../local/test-fax-pdf.ts';
import { SANDBOX_TEST_NUMBERS } from '../sandbox/test-numbers.ts';
import { expectInOrder, runFaxgate } from './support/cli.ts';
import { eventually } from './support/eventually.ts';
import { cliEnvOf, mailTo, repliesTo, sesIdOfResponse, startTestGateway } from './support/local-gateway.ts';

const policyEnv = {
  REDIAL_BUSY_MINUTES: '0',
  REDIAL_MAX_ATTEMPTS: '2',
  SENDER_DAILY_PAGE_LIMIT: '3',
};

describe('faxgate jobs resend and jobs show against npm start', () => {
  let gateway: LocalGateway;
  let env: Record<string, string>;

  beforeAll(async () => {
    gateway = await startTestGateway({
      env: policyEnv,
      dirPrefix: 'faxgate-cli-resend-',
      queue: { maxReceiveCount: 2, visibilityTimeoutMs: 0 },
      // The queue's receive count was changed behind the function's back (INBOUND_MAX_RECEIVE_COUNT
      // unset): its receives run out before the give-up time, so a failing mail is dead-lettered
      // with its cause instead of given up on its last receive.
      inboundHandler: (event, deps) => handleInboundBatch(event, { ...deps, maxReceiveCount: undefined }),
    });
    env = { ...policyEnv, ...cliEnvOf(gateway), USER: 'ops' };
    for (const sender of ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com']) {
      expect((await cli(['senders', 'add', sender, '--local'])).code).toBe(0);
    }
  });
  afterAll(async () => {
    await gateway.close();
  });

  function cli(argv: string[], options: { answer?: boolean; env?: Record<string, string> } = {}) {
    return runFaxgate(argv, { ...env, ...options.env }, { answer: options.answer });
  }

  async function mail(from: string, to: string, originalId: string): Promise<string> {
    const info = await mailTo(gateway, {
      from,
      to: `${to}@fax.localhost`,
      subject: 'Contract',
      text: 'Please fax this.',
      messageId: originalId,
      attachments: [{ filename: 'contract.pdf', content: Buffer.from(await testFaxPdf()) }],
    });
    return sesIdOfResponse(info);
  }

  async function jobOf(sesId: string, number: string) {
    return eventually(async () => {
      const record = await gateway.deps.ledger.getMail(sesId);
      if (!record?.repliedAt) return undefined;
      return gateway.deps.ledger.getJob(sesId, number);
    }, `the job of ${sesId}`);
  }

  /** Polls until the job is final and reported. */
  async function pollUntilReported(sesId: string, number: string) {
    for (let i = 0; i < 10; i++) {
      await gateway.pollNow();
      const job = await gateway.deps.ledger.getJob(sesId, number);
      if (job?.notifiedAt) return job;
    }
    throw new Error(
      `${sesId}/${number} was never reported: ${JSON.stringify(await gateway.deps.ledger.getJob(sesId, number))}`,
    );
  }

  function sendsTo(number: string): number {
    return gateway.sandbox?.faxes().filter((f) => f.number === number).length ?? 0;
  }

  async function reportsTo(originalId: string): Promise<ParsedMail[]> {
    return (await repliesTo(gateway, originalId)).filter((m) => !/queued/i.test(m.subject ?? ''));
  }

  // The queue's own retry delays (faxrocks' Retry-After, backoff) take some seconds before the dead letter.
  it('shows every step of a mail that was dead-lettered, redriven and re-dialled', {
    timeout: 120_000,
  }, async () => {
    const sandbox = gateway.sandbox;
    if (!sandbox) throw new Error('the sandbox runs');
    const number = SANDBOX_TEST_NUMBERS.busyOnce;
    // faxrocks throttles both receives, long before GIVE_UP_AFTER_MINUTES: the queue retries once,
    // then dead-letters the mail (two receives cannot cover the give-up time, and the function is not
    // told the count).
    sandbox.faults.rateLimit = { count: 2, retryAfterSeconds: 0 };
    const sesId = await mail('Alice <alice@example.com>', number, '<retried@example.com>');
    const letter = await eventually(async () => {
      const letters = await gateway.queue.deadLetters();
      return letters.find((l) => JSON.stringify(l.body).includes(sesId));
    }, 'the dead letter');
    expect((await cli(['dead-letters', 'redrive', letter.messageId, '--local'])).code).toBe(0);
    // The first attempt is busy, the re-dial (due at once) is delivered.
    const job = await pollUntilReported(sesId, number);
    expect(job).toMatchObject({ state: 'DELIVERED', attempt: 2 });
    expect(sendsTo(number)).toBe(2);

    const show = await cli(['jobs', 'show', jobReference(sesId), '--local']);
    expect(show.code).toBe(0);
    const first = job.attempts?.[0];
    expectInOrder(show.out, [
      /received \(SES message id/,
      /processing failed \(receive 1\), the queue retries it: faxrocks answered 429 \(too many requests\)/,
      /processing failed \(receive 2\)/,
      /dead-lettered: faxrocks answered 429/,
      /redriven from the dead-letter queue/,
      /trusted: alice@example\.com is authenticated and on the senders list/,
      /\+493012345901: attempt 1 \(first\): POST \/send \(1 pages\), answered queued/,
      /reply sent to alice@example\.com: queued/,
      new RegExp(
        `\\+493012345901: attempt 1 \\(first\\): /send queued, fax ${first?.faxId}, failed: Busy, 0 pages sent, price \\d`,
      ),
      /\+493012345901: POST \/send \(1 pages\), attempt 2 \(re-dial after busy\)/,
      /\+493012345901: faxrocks queued it: 1 pages, estimated cost \d/,
      new RegExp(`\\+493012345901: found as fax ${job.faxId} in /faxes`),
      /\+493012345901: DELIVERED, 1 pages sent, price \d/,
      /\+493012345901: outcome email sent to alice@example\.com/,
    ]);
    expect(first?.faxId).not.toBe(job.faxId);
  });

  it('resends a failed number after a prompt that shows what was sent: one new /send, delivered, reported', async () => {
    const number = SANDBOX_TEST_NUMBERS.busyTwice;
    const sesId = await mail('Bob <bob@example.com>', number, '<resend@example.com>');
    await jobOf(sesId, number);
    // Busy at the first attempt and at its re-dial: FAILED after two attempts, and reported.
    expect(await pollUntilReported(sesId, number)).toMatchObject({ state: 'FAILED', attempt: 2 });
    expect(sendsTo(number)).toBe(2);
    expect(await reportsTo('<resend@example.com>')).toHaveLength(1);
    const ref = jobReference(sesId);

    const declined = await cli(['jobs', 'resend', ref, '--local'], { answer: false });
    expect(declined.code).toBe(exitCodes.notDone);
    expect(declined.err).toBe('Nothing sent.');
    expect(declined.asked).toEqual(['Send it again? [y/N] ']);
    expectInOrder(declined.out, [
      new RegExp(`^${ref} {2}FAILED {2}from bob@example\\.com`),
      /Already sent:/,
      /\+493012345902 +FAILED, 2 attempts, 0 of 1 pages sent, price \d+\.\d\d/,
      /attempt 1 \(first\): \/send queued, fax \S+, failed: Busy, 0 pages sent/,
      /attempt 2 \(re-dial after busy\): \/send queued, fax \S+, failed: Busy, 0 pages sent/,
      /Will send \(the cost guards and destination rules apply\):/,
      /\+493012345902 +attempt 3, 1 pages, estimated cost \d+\.\d\d/,
    ]);
    expect(sendsTo(number)).toBe(2);
    const noTerminal = await cli(['jobs', 'resend', ref, '--local']);
    expect(noTerminal.code).toBe(exitCodes.usage);
    expect(noTerminal.err).toMatch(/add --yes/);

    const sent = await cli(['jobs', 'resend', ref, '--local'], { answer: true });
    expect(sent.err).toBe('');
    expect(sent.code).toBe(exitCodes.ok);
    expect(sent.out).toMatch(
      /\+493012345902: sent as attempt 3, faxrocks queued it \(1 pages, estimated cost \d+\.\d\d\); the poller follows it/,
    );
    expect(sendsTo(number)).toBe(3);

    const job = await pollUntilReported(sesId, number);
    expect(job).toMatchObject({ state: 'DELIVERED', attempt: 3, retryCause: 'resend' });
    expect(job.attempts?.map((a) => a.cause)).toEqual(['first', 'busy']);
    expect(sendsTo(number)).toBe(3);
    const reports = await reportsTo('<resend@example.com>');
    expect(reports).toHaveLength(2);
    const latest = reports.find((m) => /delivered/i.test(m.subject ?? ''));
    expect(latest?.to).toMatchObject({ text: 'bob@example.com' });
    expect(latest?.text).toMatch(/Attempts: +3 \(busy, busy, then delivered\)/);

    const show = await cli(['jobs', 'show', ref, '--local']);
    expectInOrder(show.out, [
      /attempt 2 \(re-dial after busy\): \/send queued, fax \S+, failed: Busy/,
      /\+493012345902: outcome email sent to bob@example\.com/,
      /\+493012345902: POST \/send \(1 pages\), attempt 3 \(resent by an admin\)/,
      /\+493012345902: DELIVERED/,
      /\+493012345902: outcome email sent to bob@example\.com/,
    ]);

    const again = await cli(['jobs', 'resend', ref, '--local', '--yes']);
    expect(again.code).toBe(exitCodes.usage);
    expect(again.err).toMatch(/has no failed or unknown number to resend \(\+493012345902 DELIVERED\)/);
    const byNumber = await cli(['jobs', 'resend', ref, '--number', number, '--local', '--yes']);
    expect(byNumber.code).toBe(exitCodes.usage);
    expect(byNumber.err).toMatch(/\+493012345902 of FG-\S+ was delivered; it is not sent twice/);
    expect(sendsTo(number)).toBe(3);
  });

  it('obeys the cost guards and destination rules: nothing sent when one refuses', async () => {
    const number = SANDBOX_TEST_NUMBERS.busy;
    const sesId = await mail('Carol <carol@example.com>', number, '<guarded@example.com>');
    await jobOf(sesId, number);
    // Two attempts, busy both: two of carol's three pages today.
    expect(await pollUntilReported(sesId, number)).toMatchObject({ state: 'FAILED', attempt: 2 });
    const ref = jobReference(sesId);

    const blocked = await cli(['jobs', 'resend', ref, '--local', '--yes'], {
      env: { BLOCKED_PREFIXES: '+4930' },
    });
    expect(blocked.code).toBe(exitCodes.notDone);
    expect(blocked.err).toMatch(/\+493012345601: not resent: \+493012345601 is blocked on this gateway/);
    expect(sendsTo(number)).toBe(2);

    // The third page fits (two admins at once: one resend wins, the other sends nothing); the
    // fourth would pass the sender's daily page limit.
    const both = await Promise.all([
      cli(['jobs', 'resend', ref, '--local', '--yes']),
      cli(['jobs', 'resend', ref, '--local', '--yes']),
    ]);
    // The loser met the winner's claim, or (later) its attempt in progress.
    const [won, lost] = [...both].sort((a, b) => a.code - b.code);
    expect(won?.code).toBe(exitCodes.ok);
    expect(lost?.code).not.toBe(exitCodes.ok);
    expect(lost?.err).toMatch(/\+493012345601 changed|\+493012345601 of FG-\S+ is still in progress/);
    expect(sendsTo(number)).toBe(3);
    expect(await pollUntilReported(sesId, number)).toMatchObject({ state: 'FAILED', attempt: 3 });
    const fourth = await cli(['jobs', 'resend', ref, '--local', '--yes']);
    expect(fourth.code).toBe(exitCodes.notDone);
    expect(fourth.err).toBe("+493012345601: not resent: it would pass the sender's daily page limit.");
    expect(sendsTo(number)).toBe(3);
    expect(await gateway.deps.ledger.getJob(sesId, number)).toMatchObject({ state: 'FAILED', attempt: 3 });
  });

  it('refuses a number still in progress, an unknown reference and a number the mail does not have', async () => {
    const number = SANDBOX_TEST_NUMBERS.pendingForever;
    const sesId = await mail('Dave <dave@example.com>', number, '<pending@example.com>');
    await jobOf(sesId, number);
    const ref = jobReference(sesId);
    const pending = await cli(['jobs', 'resend', ref, '--number', number, '--local', '--yes']);
    expect(pending.code).toBe(exitCodes.usage);
    expect(pending.err).toMatch(/\+493012345604 of FG-\S+ is still in progress \(QUEUED\)/);
    const other = await cli(['jobs', 'resend', ref, '--number', '+493012345699', '--local', '--yes']);
    expect(other.code).toBe(exitCodes.usage);
    expect(other.err).toMatch(/has no fax to \+493012345699 \(its numbers: \+493012345604\)/);
    const unknown = await cli(['jobs', 'resend', 'FG-0000-0000', '--local', '--yes']);
    expect(unknown.code).toBe(exitCodes.usage);
    expect(unknown.err).toMatch(/^No mail found for "FG-0000-0000"/);
    expect(sendsTo(number)).toBe(1);
  });
});
