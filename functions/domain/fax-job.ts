// A fax job is one (mail, number): the unit that is sent at most once and reported exactly once.
//
//   SENDING --/send ok--> QUEUED --fax final--> DELIVERED | FAILED
//      |                    \--pending too long--> UNKNOWN
//      +--/send refused (422)--> FAILED
//      +--/send ambiguous--> (stays SENDING, outcomeUnknown) --found in /faxes--> QUEUED
//                                                            \--not found in time--> UNKNOWN
//
// A job is "open" from its creation until its outcome email went out (notifiedAt), so a crash
// between the email and the write repeats the email rather than losing it.

export type JobState = 'SENDING' | 'QUEUED' | 'DELIVERED' | 'FAILED' | 'UNKNOWN';

export const FINAL_STATES: readonly JobState[] = ['DELIVERED', 'FAILED', 'UNKNOWN'];

export function isFinal(state: JobState): boolean {
  return FINAL_STATES.includes(state);
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
}

export interface FaxOutcome {
  state: Extract<JobState, 'DELIVERED' | 'FAILED' | 'UNKNOWN'>;
  finishedAt: string;
  price?: string;
  pagesSent?: number;
  error?: string;
}

export interface FaxJob extends NewFaxJob {
  state: JobState;
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
}

/** What happened to a mail as a whole, recorded for audit. */
export type MailOutcomeKind =
  | 'RECEIVED' // opened, not yet decided
  | 'ACCEPTED' // at least one fax job was created
  | 'REJECTED' // authenticated sender told why nothing was faxed
  | 'DROPPED' // not trusted: no fax, no reply
  | 'SKIPPED'; // not a mail to process (SES setup notification)

export interface MailOutcome {
  outcome: MailOutcomeKind;
  /** The authenticated From address, once trust decided it (for the admin's history). */
  sender?: string;
  /** A stable machine-readable reason, e.g. `spam-verdict`, `not-allowlisted`, `no-pdf`. */
  reason?: string;
  /** Plain words for the audit trail (no document bytes). */
  detail?: string;
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
  numbers?: string[];
  rejectedNumbers?: string[];
  documents?: string[];
  ignoredAttachments?: string[];
  pages?: number;
  decidedAt?: string;
  repliedAt?: string;
  expiresAt: number;
}
