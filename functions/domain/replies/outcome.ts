// The final report for a mail: for one number the outcome email (delivered, failed, or status
// unknown), for several one summary with a block per number. Pure: it turns jobs whose final states
// are recorded into subject, plain text and attachments; the poller sends it.

import type { MailAttachment } from '../../ports.ts';
import { attemptOf, type FaxJob } from '../fax-job.ts';
import { jobReference } from '../job-reference.ts';
import { shownSendTime } from '../send-time.ts';
import { shownSubject, shownText } from './shown-text.ts';
import {
  DEFAULT_REPLY_STYLE,
  money,
  type ReplyStyle,
  type ReplyText,
  replySubject,
  timeLine,
  withSignature,
} from './style.ts';

export interface OutcomeReply extends ReplyText {
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

export function composeOutcomeReply(
  job: FaxJob,
  receipt: OutcomeReceipt = {},
  style: ReplyStyle = DEFAULT_REPLY_STYLE,
): OutcomeReply {
  const state = job.state === 'DELIVERED' || job.state === 'FAILED' ? job.state : 'UNKNOWN';
  const lines: string[] = [];
  const field = (label: string, value: string) => lines.push(`${`${label}:`.padEnd(13)}${value}`);

  if (isNotSent(job)) {
    lines.push(
      `Your fax to ${job.number} was NOT sent: faxgate gave up before handing it to faxrocks`,
      `(${shownText(job.notSent ?? '', 200)}).`,
      '',
      'It is safe to send your email again to this number: nothing will be faxed twice.',
      '',
    );
    field('Number', job.number);
    if (shownSubject(job.subject)) field('Your mail', shownSubject(job.subject));
    field('Reference', jobReference(job.messageId));
    return { subject: replySubject('not sent', job.subject), text: withSignature(lines), attachments: [] };
  }
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

  field('Number', job.number);
  field('Pages', pagesLine(job));
  costAndAttemptFields(job, style, field);
  field('Submitted', timeLine(job.firstSentAt ?? job.sendStartedAt));
  if (job.schedule) field('Scheduled', shownSendTime(job.schedule.at, job.schedule.timeZone));
  if (job.finishedAt) field(state === 'UNKNOWN' ? 'Given up' : 'Finished', timeLine(job.finishedAt));
  if (state === 'FAILED' && job.error) field('Error', shownText(job.error));
  if (job.faxId) field('faxrocks id', shownText(job.faxId));
  if (shownSubject(job.subject)) field('Your mail', shownSubject(job.subject));
  field('Reference', jobReference(job.messageId));

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
    if (job.notRedialled) lines.push(`It was not dialled again: ${shownText(job.notRedialled)}.`);
    lines.push(
      'Check the number and that the receiving fax machine is on and has paper, then send your',
      `mail again to try once more.${attemptOf(job) > 1 || job.notRedialled ? '' : ' It was not dialled again automatically.'}`,
    );
  } else {
    lines.push(
      'Check before resending: look for this fax in your faxrocks account, or ask the recipient.',
      'Resending without checking may deliver the fax twice.',
    );
  }

  return { subject: replySubject(outcomeWords[state], job.subject), text: withSignature(lines), attachments };
}

function pagesLine(job: FaxJob): string {
  if (job.pagesSent === undefined || job.pagesSent === null) return `${job.pages}`;
  return `${job.pagesSent} of ${job.pages} sent`;
}

/** `3 (busy, busy, then delivered)`: how many attempts it took and what ended each. */
export function attemptsLine(job: FaxJob): string {
  const ended = (job.attempts ?? []).map((a) =>
    a.outcome === 'not-sent' ? 'not sent' : shownText(a.error ?? 'failed').toLowerCase(),
  );
  const last = job.state === 'DELIVERED' ? 'delivered' : job.state === 'FAILED' ? 'failed' : 'status unknown';
  const story = ended.length > 0 ? ` (${[...ended, `then ${last}`].join(', ')})` : '';
  return `${attemptOf(job)}${story}`;
}

/**
 * The one report for a mail whose jobs are all final. A mail to one number reads as the one
 * outcome email always did; several numbers get one summary (never the numbers in the subject),
 * a line and a detail block per number, and every receipt attached.
 */
export function composeMailReport(
  jobs: readonly FaxJob[],
  receipts: ReadonlyMap<string, OutcomeReceipt> = new Map(),
  style: ReplyStyle = DEFAULT_REPLY_STYLE,
): OutcomeReply {
  const [only] = jobs;
  if (jobs.length === 1 && only) return composeOutcomeReply(only, receipts.get(only.number), style);
  const sorted = [...jobs].sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  const stateOf = (job: FaxJob) =>
    job.state === 'DELIVERED' || job.state === 'FAILED' ? job.state : ('UNKNOWN' as const);
  const wordOf = (job: FaxJob) => (isNotSent(job) ? 'not sent' : outcomeWords[stateOf(job)]);
  const delivered = sorted.filter((j) => stateOf(j) === 'DELIVERED').length;
  const notSent = sorted.filter(isNotSent);
  const lines: string[] = [
    delivered === sorted.length
      ? `Your fax was delivered to all ${sorted.length} numbers.`
      : `Your fax was delivered to ${delivered} of ${sorted.length} numbers.`,
    '',
  ];
  if (notSent.length > 0) {
    lines.push(
      `${notSent.length === 1 ? '1 number was' : `${notSent.length} numbers were`} NOT faxed: faxgate gave up before handing ${notSent.length === 1 ? 'it' : 'them'} to faxrocks`,
      `(${shownText(notSent[0]?.notSent ?? '', 200)}).`,
      '',
    );
  }
  for (const job of sorted) {
    const attempts = attemptOf(job);
    const tries = attempts > 1 ? `, ${attempts} attempts` : '';
    lines.push(`  ${job.number.padEnd(16)} ${wordOf(job)}${tries}`);
  }
  const attachments: MailAttachment[] = [];
  for (const job of sorted) {
    const state = stateOf(job);
    lines.push('', `${job.number}: ${wordOf(job)}`);
    if (isNotSent(job)) {
      lines.push(`  ${'Not sent:'.padEnd(15)}${shownText(job.notSent ?? '')}`);
      continue;
    }
    const field = (label: string, value: string) => lines.push(`  ${`${label}:`.padEnd(15)}${value}`);
    field('Pages', pagesLine(job));
    costAndAttemptFields(job, style, field);
    if (job.finishedAt) field(state === 'UNKNOWN' ? 'Given up' : 'Finished', timeLine(job.finishedAt));
    if (state !== 'DELIVERED' && job.error) field('Error', shownText(job.error));
    if (job.notRedialled) field('Not re-dialled', shownText(job.notRedialled));
    if (state === 'UNKNOWN' && unknownReasonOf(job) === 'send-unconfirmed') {
      field('Note', 'sending was interrupted; it may or may not have gone out. Check before resending.');
    }
    if (job.faxId) field('faxrocks id', shownText(job.faxId));
    const receipt = receipts.get(job.number);
    if (receipt?.pdf && state !== 'UNKNOWN') {
      attachments.push({
        filename: receiptFilename(job.number),
        contentType: 'application/pdf',
        content: receipt.pdf,
      });
      field('Receipt', `attached (${receiptFilename(job.number)})`);
    } else if (receipt?.unavailable && state !== 'UNKNOWN') {
      field('Receipt', 'could not be downloaded');
    }
  }
  lines.push('');
  if (shownSubject(only?.subject)) lines.push(`Your mail:     ${shownSubject(only?.subject)}`);
  if (only) lines.push(`Reference:     ${jobReference(only.messageId)}`);
  lines.push('', 'What next:');
  if (delivered === sorted.length) {
    lines.push('Nothing to do.');
  } else if (notSent.length === sorted.length - delivered) {
    lines.push(...notSentAdvice(notSent));
  } else {
    if (notSent.length > 0) lines.push(...notSentAdvice(notSent), '');
    lines.push(
      'To try the numbers that did not get the fax once more, send your mail again to those',
      'numbers only: sending it to all of them again would fax the delivered ones twice.',
    );
  }
  const what = `delivered to ${delivered} of ${sorted.length} numbers`;
  return { subject: replySubject(what, only?.subject), text: withSignature(lines), attachments };
}

/** A number of a mail that gave up before sending it: never handed to faxrocks. */
function isNotSent(job: FaxJob): boolean {
  return job.state === 'FAILED' && job.notSent !== undefined;
}

/** Which numbers were never faxed, and that sending to just those is safe. */
function notSentAdvice(notSent: readonly FaxJob[]): string[] {
  const one = notSent.length === 1;
  return [
    `NOT faxed: ${notSent.map((job) => job.number).join(', ')}`,
    `It is safe to send your email again to just ${one ? 'that number' : 'those numbers'}: ${one ? 'it was' : 'they were'} never`,
    'sent, so nothing will be faxed twice. Do not send it to the other numbers again.',
  ];
}

/** The price as charged (else the estimate) and, past the first, the attempts: both report shapes. */
function costAndAttemptFields(
  job: FaxJob,
  style: ReplyStyle,
  field: (label: string, value: string) => void,
): void {
  if (job.price !== undefined && job.price !== '') {
    field('Price', `${money(shownText(job.price), style)} (as charged by faxrocks)`);
  } else if (job.estimatedCost !== undefined) {
    field('Estimate', `${money(job.estimatedCost, style)} (estimated when queued)`);
  }
  if (attemptOf(job) > 1) field('Attempts', attemptsLine(job));
}
