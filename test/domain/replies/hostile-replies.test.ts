// Every reply text the gateway writes, composed into MIME as it is sent (mime-message.ts) and read
// back with mailparser, with hostile text in every field it may echo: the mail's subject, file names
// and recipients, and the provider's words (faxrocks' error text, fax id, price, refusal reasons),
// which a compromised or buggy provider answer controls as freely as a sender controls a subject.
// The runtime test (test/local/hostile-replies.test.ts) sends hostile mail through npm start; this
// one reaches the fields only faxrocks' answers fill.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { composeMessage } from '../../../functions/adapters/mime-message.ts';
import type { FaxJob } from '../../../functions/domain/fax-job.ts';
import { gaveUpReply } from '../../../functions/domain/replies/gave-up.ts';
import { queuedReply, type ReplyText, rejectionReply } from '../../../functions/domain/replies/immediate.ts';
import { composeMailReport } from '../../../functions/domain/replies/outcome.ts';
import { expectWellFormed, hostileText, readReply } from '../../support/hostile-replies.ts';

const sender = 'alice@example.com';

function job(number: string, hostile: string, state: FaxJob['state']): FaxJob {
  return {
    messageId: 'ses-1',
    number,
    attemptId: 'a2',
    sendStartedAt: '2026-11-27T06:00:00.000Z',
    firstSentAt: '2026-11-27T05:00:00.000Z',
    pages: 2,
    expiresAt: 0,
    sender,
    subject: hostile,
    originalMessageId: '<orig@example.com>',
    state,
    faxId: hostile,
    price: hostile,
    error: hostile,
    notRedialled: hostile,
    pagesSent: 1,
    attempt: 2,
    attempts: [
      {
        attempt: 1,
        attemptId: 'a1',
        cause: 'first',
        startedAt: '2026-11-27T05:00:00.000Z',
        sendAnswer: 'queued',
        outcome: 'failed',
        error: hostile,
        endedAt: '2026-11-27T05:10:00.000Z',
      },
    ],
    finishedAt: '2026-11-27T06:10:00.000Z',
  };
}

/** Every reply kind, each field it may echo holding `hostile` (and `other` where there are two). */
function everyReply(hostile: string, other: string): [string, ReplyText][] {
  const numbers = ['+4930123456', '+4930123457'];
  return [
    ['report, one number', composeMailReport([job(numbers[0] as string, hostile, 'FAILED')])],
    [
      'report, several numbers',
      composeMailReport([
        job(numbers[0] as string, hostile, 'FAILED'),
        job(numbers[1] as string, other, 'UNKNOWN'),
      ]),
    ],
    ['report, delivered', composeMailReport([job(numbers[0] as string, hostile, 'DELIVERED')])],
    ['gave up', gaveUpReply({ originalSubject: hostile, reference: 'FG-AAAA-BBBB', cause: other })],
    [
      'queued',
      queuedReply({
        originalSubject: hostile,
        reference: 'FG-AAAA-BBBB',
        numbers: [
          { number: numbers[0] as string, status: 'queued', pages: 2, estimatedCost: 0.18 },
          { number: numbers[1] as string, status: 'refused', reason: other },
        ],
        rejectedRecipients: [{ recipient: hostile, detail: other }],
        documents: [`${hostile}.pdf`, `${other}.pdf`],
        files: [
          { filename: `${hostile}.pdf`, pages: 1 },
          { filename: `${other}.pdf`, pages: 1 },
        ],
        pages: 2,
        ignoredAttachments: [`${other}.heic`, `${hostile}.docx`],
      }),
    ],
    ['refused by faxrocks', rejectionReply({ kind: 'send-refused', detail: other }, hostile)],
    ['not allowed', rejectionReply({ kind: 'not-allowlisted', sender: hostile }, other)],
    [
      'document',
      rejectionReply(
        {
          kind: 'document',
          problem: 'no-pdf',
          detail: `${hostile}.heic is a HEIC picture`,
          files: [`${hostile}.heic`],
        },
        other,
      ),
    ],
    [
      'options',
      rejectionReply(
        {
          kind: 'options',
          problems: [{ written: `/at ${hostile}`, problem: other }],
          defaultTimeZone: 'UTC',
        },
        hostile,
      ),
    ],
    [
      'no fax recipients',
      rejectionReply(
        {
          kind: 'no-fax-recipients',
          faxDomain: 'fax.example.com',
          rejectedRecipients: [{ recipient: hostile, detail: other }],
        },
        other,
      ),
    ],
  ];
}

describe('every reply, composed and read back', () => {
  it('holds no injected header, recipient or line, whatever the mail and faxrocks wrote', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, hostileText, async (hostile, other) => {
        for (const [kind, reply] of everyReply(hostile, other)) {
          const composed = await composeMessage({
            from: 'fax@fax.example.com',
            to: { address: sender },
            subject: reply.subject,
            text: reply.text,
            inReplyTo: '<orig@example.com>',
            references: ['<orig@example.com>'],
          });
          expectWellFormed(await readReply(kind, composed.raw), sender);
        }
      }),
      // A cause that is one forged line: the gave-up reply showed it as a line of its own.
      { numRuns: 60, examples: [['\r\n\r\n', 'X-Injected: yes ']] },
    );
  });
});
