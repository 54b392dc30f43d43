import { describe, expect, it } from 'vitest';
import type { FaxJob } from '../../../functions/domain/fax-job.ts';
import { jobReference } from '../../../functions/domain/job-reference.ts';
import { composeMailReport, composeOutcomeReply } from '../../../functions/domain/replies/outcome.ts';

const job: FaxJob = {
  messageId: 'ses-1',
  number: '+4930123456',
  attemptId: 'attempt-1',
  sendStartedAt: '2026-11-27T06:00:00.000Z',
  pages: 3,
  expiresAt: 0,
  sender: 'alice@example.com',
  subject: 'Contract',
  originalMessageId: '<orig@example.com>',
  state: 'QUEUED',
  queuedAt: '2026-11-27T06:00:01.000Z',
  estimatedCost: 0.27,
};
const pdf = new TextEncoder().encode('%PDF-1.4 receipt');

describe('composeOutcomeReply', () => {
  it('reports a delivery with pages, price, time and the receipt attached', () => {
    const reply = composeOutcomeReply(
      {
        ...job,
        state: 'DELIVERED',
        faxId: 'abc123',
        price: '0.27',
        pagesSent: 3,
        finishedAt: '2026-11-27T06:03:04.000Z',
      },
      { pdf },
    );
    expect(reply.subject).toBe('Fax delivered: Contract');
    expect(reply.text).toContain('was delivered');
    expect(reply.text).toContain('3 of 3 sent');
    expect(reply.text).toContain('0.27 EUR (as charged by faxrocks)');
    expect(reply.text).toContain(`Reference:   ${jobReference('ses-1')}`);
    expect(reply.text).toContain('2026-11-27 06:03:04 UTC (2026-11-27T06:03:04.000Z)');
    expect(reply.attachments).toEqual([
      { filename: 'faxrocks-receipt-+4930123456.pdf', contentType: 'application/pdf', content: pdf },
    ]);
  });

  it('reports a failure with the provider error and what to do, and says when the receipt is missing', () => {
    const reply = composeOutcomeReply(
      { ...job, state: 'FAILED', faxId: 'abc123', price: '0.09', pagesSent: 1, error: 'Line busy' },
      { unavailable: true },
    );
    expect(reply.subject).toBe('Fax failed: Contract');
    expect(reply.text).toContain('Error:       Line busy');
    expect(reply.text).toContain('1 of 3 sent');
    expect(reply.text).toContain('1 of 3 pages went through before the fax failed');
    expect(reply.text).toContain('could not be downloaded');
    expect(reply.text).toContain('send your');
    expect(reply.attachments).toEqual([]);
  });

  it('asks to check before resending when a send may or may not have happened', () => {
    const reply = composeOutcomeReply({
      ...job,
      state: 'UNKNOWN',
      queuedAt: undefined,
      estimatedCost: undefined,
      outcomeUnknown: 'timeout',
      finishedAt: '2026-11-27T06:31:00.000Z',
    });
    expect(reply.subject).toBe('Fax status unknown: Contract');
    expect(reply.text).toContain('may or may not have been sent');
    expect(reply.text).toContain('Check before resending');
  });

  it('explains a fax that stayed pending too long', () => {
    const reply = composeOutcomeReply({ ...job, state: 'UNKNOWN', faxId: 'abc123' });
    expect(reply.text).toContain('has not reported whether it was delivered');
    expect(reply.text).toContain('Check before resending');
  });
});

describe('outcome reply style', () => {
  it('writes prices in the configured currency and an estimate when there is no price', () => {
    const reply = composeOutcomeReply({ ...job, state: 'FAILED', error: 'busy' }, {}, { currency: 'CHF' });
    expect(reply.text).toContain('Estimate:    0.27 CHF (estimated when queued)');
  });

  it('ends with the one signature of every reply and does without a subject', () => {
    const reply = composeOutcomeReply({ ...job, subject: '', state: 'DELIVERED' });
    expect(reply.subject).toBe('Fax delivered');
    expect(reply.text).toMatch(
      /\n\n-- \nfaxgate, the email-to-fax gateway\. This message was sent automatically\.\n$/,
    );
  });

  it('shows a subject holding line breaks escaped, in the subject and in the body', () => {
    const reply = composeOutcomeReply({ ...job, subject: 'a\r\nBcc: x@evil.test', state: 'DELIVERED' });
    expect(reply.subject).toBe('Fax delivered: a\\r\\nBcc: x@evil.test');
    expect(reply.text).toContain('Your mail:   a\\r\\nBcc: x@evil.test\n');
    expect(reply.text).not.toMatch(/\r|\nBcc/);
  });
});

describe('the report of a mail that gave up part way', () => {
  const notSentCause = 'faxrocks answered 429 (too many requests) for 2 hours';
  const delivered = (number: string): FaxJob => ({
    ...job,
    number,
    state: 'DELIVERED',
    faxId: `fax-${number}`,
    price: '0.27',
    pagesSent: 3,
    finishedAt: '2026-11-27T06:02:00.000Z',
  });
  const notSent = (number: string): FaxJob => ({
    ...job,
    number,
    state: 'FAILED',
    attempt: 0,
    notSent: notSentCause,
    error: notSentCause,
    finishedAt: '2026-11-27T08:00:00.000Z',
  });

  it('names the numbers NOT faxed, says re-sending to just those is safe, and calls no sent number not sent', () => {
    const reply = composeMailReport([delivered('+4930100'), delivered('+4930101'), notSent('+4930102')]);
    expect(reply.subject).toBe('Fax delivered to 2 of 3 numbers: Contract');
    expect(reply.text).toContain('1 number was NOT faxed');
    expect(reply.text).toContain(notSentCause);
    expect(reply.text).toMatch(/\+4930102\s+not sent/);
    expect(reply.text).toMatch(/\+4930100\s+delivered/);
    expect(reply.text).toContain('NOT faxed: +4930102');
    expect(reply.text).toContain('It is safe to send your email again to just that number');
    // Only the advice for unsent numbers: nothing failed that a resend could fax twice.
    expect(reply.text).not.toContain('To try the numbers that did not get the fax once more');
  });

  it('a failed number beside the unsent ones gets the usual advice too', () => {
    const failed: FaxJob = { ...delivered('+4930103'), state: 'FAILED', error: 'Busy', pagesSent: 0 };
    const reply = composeMailReport([
      delivered('+4930100'),
      failed,
      notSent('+4930104'),
      notSent('+4930105'),
    ]);
    expect(reply.text).toContain('2 numbers were NOT faxed');
    expect(reply.text).toContain('NOT faxed: +4930104, +4930105');
    expect(reply.text).toContain('send your email again to just those numbers');
    expect(reply.text).toContain('To try the numbers that did not get the fax once more');
    expect(reply.text).toMatch(/\+4930103\s+failed/);
  });
});
