// The outcome email for one fax job: delivered, failed, or status unknown. Pure: it turns a job
// whose final state is recorded into subject, plain text and attachments; the poller sends it.

import type { MailAttachment } from '../ports.ts';
import type { FaxJob } from './fax-job.ts';

export interface OutcomeReply {
  subject: string;
  text: string;
  attachments: MailAttachment[];
}

export interface OutcomeReceipt {
  /** The faxrocks receipt PDF, when it could be downloaded. */
  pdf?: Uint8Array;
  /** True when a receipt should exist but could not be had (the mail says so). */
  unavailable?: boolean;
}

/** Why a job ended UNKNOWN, as the reply explains it. */
export type UnknownReason = 'send-unconfirmed' | 'still-pending';

/**
 * A job that faxrocks confirmed taking (a fax id or a queued answer) went UNKNOWN because it stayed
 * pending too long; one without either may or may not have been sent at all.
 */
export function unknownReasonOf(job: FaxJob): UnknownReason {
  return job.faxId || job.queuedAt ? 'still-pending' : 'send-unconfirmed';
}

export function receiptFilename(number: string): string {
  return `faxrocks-receipt-${number}.pdf`;
}

const outcomeWords = {
  DELIVERED: 'delivered',
  FAILED: 'failed',
  UNKNOWN: 'status unknown',
} as const;

export function composeOutcomeReply(job: FaxJob, receipt: OutcomeReceipt = {}): OutcomeReply {
  const state = job.state === 'DELIVERED' || job.state === 'FAILED' ? job.state : 'UNKNOWN';
  const headline = `Fax to ${job.number} ${outcomeWords[state]}`;
  const lines: string[] = [];

  if (state === 'DELIVERED') {
    lines.push(`Your fax to ${job.number} was delivered.`, '');
  } else if (state === 'FAILED') {
    lines.push(`Your fax to ${job.number} could not be delivered.`, '');
  } else if (unknownReasonOf(job) === 'send-unconfirmed') {
    lines.push(
      `The fax to ${job.number} may or may not have been sent.`,
      'Sending it was interrupted (faxrocks did not answer in time) and the fax did not appear',
      'in your faxrocks fax list afterwards, so faxgate cannot tell whether it went out.',
      '',
    );
  } else {
    lines.push(
      `faxrocks accepted your fax to ${job.number}, but has not reported whether it was delivered.`,
      'faxgate has stopped waiting for it.',
      '',
    );
  }

  const field = (label: string, value: string) => lines.push(`${`${label}:`.padEnd(13)}${value}`);
  field('Number', job.number);
  field('Pages', pagesLine(job));
  if (job.price !== undefined && job.price !== '') {
    field('Price', `${job.price} (as charged by faxrocks)`);
  } else if (job.estimatedCost !== undefined) {
    field('Estimate', `${job.estimatedCost} (estimated when queued)`);
  }
  field('Submitted', timeLine(job.sendStartedAt));
  if (job.finishedAt) field(state === 'UNKNOWN' ? 'Given up' : 'Finished', timeLine(job.finishedAt));
  if (state === 'FAILED' && job.error) field('Error', job.error);
  if (job.faxId) field('faxrocks id', job.faxId);
  if (job.subject) field('Your mail', job.subject);

  const attachments: MailAttachment[] = [];
  if (receipt.pdf && state !== 'UNKNOWN') {
    attachments.push({
      filename: receiptFilename(job.number),
      contentType: 'application/pdf',
      content: receipt.pdf,
    });
    lines.push('', `The faxrocks receipt is attached (${receiptFilename(job.number)}).`);
  } else if (receipt.unavailable && state !== 'UNKNOWN') {
    lines.push(
      '',
      'The faxrocks receipt could not be downloaded, so it is not attached.',
      'If faxrocks has one for this fax, you find it in your faxrocks account.',
    );
  }

  lines.push('', 'What next:');
  if (state === 'DELIVERED') {
    lines.push('Nothing to do.');
  } else if (state === 'FAILED') {
    if (job.pagesSent) {
      lines.push(
        `${job.pagesSent} of ${job.pages} pages went through before the fax failed: the recipient may`,
        'have received part of it.',
      );
    }
    lines.push(
      'Check the number and that the receiving fax machine is on and has paper, then send your',
      'mail again to try once more. Nothing has been retried automatically.',
    );
  } else {
    lines.push(
      'Check before resending: look for this fax in your faxrocks account, or ask the recipient.',
      'Resending without checking may deliver the fax twice.',
    );
  }
  lines.push('', '-- ', 'faxgate, the email-to-fax gateway for your faxrocks account');

  return { subject: replySubject(job.subject, headline), text: lines.join('\n'), attachments };
}

/** `Re: <original> - Fax to +49... delivered`: mail clients that thread by subject keep the thread. */
export function replySubject(original: string | undefined, headline: string): string {
  const subject = (original ?? '').replace(/[\r\n]+/g, ' ').trim();
  if (!subject) return headline;
  const base = /^re:/i.test(subject) ? subject : `Re: ${subject}`;
  return `${base} - ${headline}`;
}

function pagesLine(job: FaxJob): string {
  if (job.pagesSent === undefined || job.pagesSent === null) return `${job.pages}`;
  return `${job.pagesSent} of ${job.pages} sent`;
}

/** `2026-11-27 05:40:12 UTC (2026-11-27T05:40:12.000Z)`: readable and exact. */
export function timeLine(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const exact = time.toISOString();
  return `${exact.slice(0, 10)} ${exact.slice(11, 19)} UTC (${exact})`;
}
