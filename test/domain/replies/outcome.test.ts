import { describe, expect, it } from 'vitest';
import type { FaxJob } from '../../../functions/domain/fax-job.ts';
import { jobReference } from '../../../functions/domain/job-reference.ts';
import { composeOutcomeReply } from '../../../functions/domain/replies/outcome.ts';

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
