// A fax job is one (mail, number): the unit that is faxed exactly once and reported once. It is
// sent in one or more attempts; /send runs at most once per attempt, claimed by a conditional write.
//
//   SENDING --/send ok--> QUEUED --fax delivered--> DELIVERED
//      |                    +--fax failed, not worth re-dialling--> FAILED
//      |                    +--fax failed busy / no answer / broken off--> RETRY_DUE (dueAt)
//      |                    \--pending too long--> UNKNOWN
//      +--/send refused (422)--> FAILED
//      +--/send ambiguous--> (SENDING, outcomeUnknown) --found in /faxes--> QUEUED
//                                 +--proven absent over the settle window--> RETRY_DUE (now)
//                                 \--resending ambiguous sends switched off, not found--> UNKNOWN
//   RETRY_DUE --due, claimed by one poller (attempt + 1)--> SENDING
//      \--window over, or a cost guard would be passed--> FAILED
//   (no job) --the mail gave up before this number's /send--> FAILED, notSent (attempt 0)
//   FAILED | UNKNOWN --an admin's resend (faxgate jobs resend), claimed once (attempt + 1)--> SENDING
//
// A new attempt is made only when the previous one is proven not to have faxed, or faxed and
// failed in a way worth re-dialling. Every transition names the attempt (attemptId), so a stale
// run can never move a newer attempt. A job is open from its creation until the mail's final
// report went out (notifiedAt): a crash between the email and the write repeats the email rather
// than losing it.

import type { ScheduledSend } from './send-time.ts';

export type JobState = 'SENDING' | 'QUEUED' | 'RETRY_DUE' | 'DELIVERED' | 'FAILED' | 'UNKNOWN';

export const FINAL_STATES: readonly JobState[] = ['DELIVERED', 'FAILED', 'UNKNOWN'];

export function isFinal(state: JobState): boolean {
  return FINAL_STATES.includes(state);
}

/** The current attempt's number (records from before attempts have one). */
export function attemptOf(job: { attempt?: number }): number {
  return job.attempt ?? 1;
}

/** Attempts that may have faxed: every attempt but those proven never created. */
export function attemptsMade(job: FaxJob): number {
  const proven = (job.attempts ?? []).filter((a) => a.outcome === 'not-sent').length;
  return attemptOf(job) - proven;
}

/** Who to tell, and how to thread the answer under the original mail. */
export interface ReplyAddress {
  /** The authenticated From address: replies never go to Reply-To. */
  sender: string;
  subject: string;
  /** The original Message-ID header, with angle brackets. */
  originalMessageId?: string;
  references?: string[];
  /**
   * Why no email may go to the sender (e.g. the mail was `Auto-Submitted`): the job is still
   * faxed and recorded, but neither the queued reply nor the outcome is mailed.
   */
  silent?: string;
}

export interface NewFaxJob extends ReplyAddress {
  /** The SES message id (the S3 object key's last part). */
  messageId: string;
  /** E.164. */
  number: string;
  /** Random per attempt: conditional updates name it so a stale attempt cannot overwrite. */
  attemptId: string;
  /** Taken just before POST /send: no matching fax can be created before it (less clock skew). */
  sendStartedAt: string;
  /** Pages of the document as faxgate counted them. */
  pages: number;
  /** Epoch seconds for DynamoDB time to live. */
  expiresAt: number;
  /** A fax for later (`/at`): faxrocks holds it until then, and the poller counts from then. */
  schedule?: ScheduledSend;
  /**
   * How many numbers the mail has: its one report waits until each of them has a job (a mail of
   * more than 10 numbers is sent in batches; numbers never sent get a `notSent` job on give-up).
   */
  mailNumbers?: number;
}

export interface FaxOutcome {
  state: Extract<JobState, 'DELIVERED' | 'FAILED' | 'UNKNOWN'>;
  finishedAt: string;
  price?: string;
  pagesSent?: number;
  error?: string;
  /** Why a failure worth re-dialling was not re-dialled (a cost guard, the window, the attempt cap). */
  notRedialled?: string;
}

/** Why an attempt was made. */
export type AttemptCause = 'first' | 'busy' | 'no-answer' | 'broken-off' | 'not-sent' | 'resend';

/** One finished attempt, as the job's history keeps it (bounded: see MAX_RECORDED_ATTEMPTS). */
export interface AttemptRecord {
  /** 1 for the first. */
  attempt: number;
  attemptId: string;
  cause: AttemptCause;
  startedAt: string;
  /** What /send answered: queued, refused, unknown (no answer; settled from /faxes). */
  sendAnswer: 'queued' | 'refused' | 'unknown';
  faxId?: string;
  /**
   * How it ended: `failed` (the fax failed), `not-sent` (proven never created), `unknown` (ended
   * UNKNOWN, then resent by an admin).
   */
  outcome: 'failed' | 'not-sent' | 'unknown';
  error?: string;
  pagesSent?: number;
  price?: string;
  endedAt: string;
}

/** Attempts kept on the job item; the default schedule makes at most 6. */
export const MAX_RECORDED_ATTEMPTS = 12;

export interface FaxJob extends NewFaxJob {
  state: JobState;
  /** The current attempt's number, 1 for the first (absent on records from before attempts). */
  attempt?: number;
  /** The first attempt's send start: the re-dial window runs from it. */
  firstSentAt?: string;
  /** Earlier attempts, oldest first. */
  attempts?: AttemptRecord[];
  /** RETRY_DUE: when the next attempt may start. */
  dueAt?: string;
  /** RETRY_DUE: why the next attempt will be made. */
  retryCause?: AttemptCause;
  /** An ambiguous send: when a complete read of /faxes first did not find it. */
  absentSince?: string;
  /** An ambiguous send: how many complete reads of /faxes did not find it. */
  absentChecks?: number;
  /** Why a failed fax was not re-dialled although its error was worth it (a cost guard, the window). */
  notRedialled?: string;
  queuedAt?: string;
  estimatedCost?: number;
  /** Set when /send timed out or failed after the request left: the poller settles it. */
  outcomeUnknown?: string;
  faxId?: string;
  faxFoundAt?: string;
  finishedAt?: string;
  price?: string;
  pagesSent?: number;
  error?: string;
  notifiedAt?: string;
  /**
   * FAILED without an attempt: the mail gave up before this number was handed to faxrocks (the
   * cause, e.g. `faxrocks answered 429 for 2 hours`). Never set on a number that may have faxed.
   */
  notSent?: string;
  /** When an admin last resent the job (faxgate jobs resend): its report covers the resent jobs. */
  resentAt?: string;
  /** When the sender was told the job's outcome before an admin resent it, oldest first. */
  earlierReports?: string[];
}

/** What happened to a mail as a whole, recorded for audit. */
export type MailOutcomeKind =
  | 'RECEIVED' // opened, not yet decided
  | 'ACCEPTED' // at least one fax job was created
  | 'REJECTED' // authenticated sender told why nothing was faxed
  | 'DROPPED' // not trusted: no fax, no reply
  | 'SKIPPED' // not a mail to process (SES setup notification)
  | 'FAILED'; // gave up (faxrocks unreachable past the configured time, or the mail kept failing)

export interface MailOutcome {
  outcome: MailOutcomeKind;
  /** The authenticated From address, once trust decided it (for the admin's history). */
  sender?: string;
  /** A stable machine-readable reason, e.g. `spam-verdict`, `not-allowlisted`, `no-pdf`. */
  reason?: string;
  /** Plain words for the audit trail (no document bytes). */
  detail?: string;
  /** A give-up's cause in the sender's words, kept until the reply that carries it went out. */
  senderDetail?: string;
  decidedAt: string;
  numbers?: string[];
  rejectedNumbers?: string[];
  documents?: string[];
  ignoredAttachments?: string[];
  pages?: number;
}

export interface MailRecord {
  messageId: string;
  /** The job reference replies show (`FG-XXXX-XXXX`); the ledger sets it. */
  ref?: string;
  receivedAt: string;
  sender?: string;
  subject?: string;
  outcome: MailOutcomeKind;
  reason?: string;
  detail?: string;
  senderDetail?: string;
  numbers?: string[];
  rejectedNumbers?: string[];
  documents?: string[];
  ignoredAttachments?: string[];
  pages?: number;
  decidedAt?: string;
  repliedAt?: string;
  expiresAt: number;
}
