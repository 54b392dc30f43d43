// The ports: small interfaces through which domain code and use cases reach the outside world.
// Adapters in functions/adapters implement them with the AWS SDK v3, the faxrocks HTTP client and
// a MIME library; the one-machine runtime and the tests plug in the same adapters against
// loopback stand-ins.

import type {
  AttemptCause,
  AttemptRecord,
  FaxJob,
  FaxOutcome,
  MailOutcome,
  MailRecord,
  NewFaxJob,
} from './domain/fax-job.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

// ---- Raw mail (S3) ----

export interface StoredMailRef {
  bucket: string;
  key: string;
}

export interface MailStore {
  /** The raw RFC 5322 bytes of a stored mail. Throws MailNotFoundError when the object is gone. */
  getRawMail(ref: StoredMailRef): Promise<Buffer>;
}

/**
 * The document a mail's faxes were sent with, kept so a later attempt (a re-dial, or a send proven
 * never to have happened) sends the same bytes.
 */
export interface PreparedDocuments {
  keep(messageId: string, document: Uint8Array): Promise<void>;
  /** The kept document, or undefined when it is gone (expired, never kept). */
  get(messageId: string): Promise<Uint8Array | undefined>;
}

// ---- Sender allowlist (DynamoDB) ----

/** An exact address (`alice@example.com`) or a whole domain (`@example.com`), stored lower-case. */
export interface SenderEntry {
  /** As sender-policy.ts's normaliseSenderEntry writes it; stores refuse any other form. */
  entry: string;
  addedBy: string;
  addedAt: string;
  note?: string;
}

export interface SenderList {
  /** True when the address, or its domain as `@domain`, is on the list (case-insensitive). */
  isAllowed(address: string): Promise<boolean>;
  /** Stores a normalised entry as it is; throws InvalidSenderEntryError for any other. */
  add(entry: SenderEntry): Promise<'added' | 'exists'>;
  /** Removes a normalised entry; throws InvalidSenderEntryError for any other. */
  remove(entry: string): Promise<'removed' | 'missing'>;
  list(): Promise<SenderEntry[]>;
}

// ---- Job ledger (DynamoDB, single-item conditional writes only) ----

export interface JobLedger {
  /** Creates the mail record on first sight; returns the existing one on redelivery. */
  openMail(mail: MailRecord): Promise<{ created: boolean; record: MailRecord }>;
  getMail(messageId: string): Promise<MailRecord | undefined>;
  /** Records the mail-level outcome (for audit; never document bytes). */
  recordMailOutcome(messageId: string, outcome: MailOutcome): Promise<void>;
  /**
   * Marks that the mail's immediate reply (queued or rejected) went out. Returns false when it was
   * already marked, so a redelivered mail does not reply twice (a crash between the send and this
   * write may at worst repeat the reply).
   */
  markMailReplied(messageId: string, at: string): Promise<boolean>;
  /**
   * Takes the right to send the mail's immediate reply until `until` (a conditional write), so two
   * runs of one mail at once reply once: `replied` when the reply went out before, `busy` while
   * another run holds an unexpired claim (a crashed run's claim runs out, so a redelivery replies).
   */
  claimReply(messageId: string, now: string, until: string): Promise<'claimed' | 'replied' | 'busy'>;
  /** Gives a claim back after the reply could not be sent, so a retry can send it at once. */
  releaseReply(messageId: string): Promise<void>;
  /**
   * Notes why processing the mail failed (the queue retries it), so an admin reading the record or
   * its dead letter sees the cause; keeps the last error and a bounded list. Optional: a ledger
   * without it only loses that audit line.
   */
  recordMailFailure?(messageId: string, failure: MailFailure): Promise<void>;

  /**
   * The exactly-once gate: a conditional put of the job in state SENDING. True when this caller
   * won and may call POST /send for the number; false when any attempt existed before.
   */
  claimSend(job: NewFaxJob): Promise<boolean>;
  /**
   * A number of a mail that gave up before its /send: a FAILED job with no attempt (`notSent` holds
   * the cause), open until the mail's report. A conditional put: false when the number has a job
   * (it may have faxed; the poller follows it).
   */
  recordNotSent(job: NewFaxJob, notSent: { cause: string; at: string }): Promise<boolean>;
  /** Deletes a SENDING job of this attempt: only when the provider definitely did not take the fax. */
  releaseSend(messageId: string, number: string, attemptId: string): Promise<void>;
  /** SENDING -> QUEUED after a successful /send answer (conditional on the attempt). */
  markQueued(
    messageId: string,
    number: string,
    attemptId: string,
    queued: { queuedAt: string; pages: number; estimatedCost?: number },
  ): Promise<void>;
  /** Leaves the job SENDING but notes that the /send outcome is unknown; the poller settles it. */
  markSendOutcomeUnknown(messageId: string, number: string, attemptId: string, reason: string): Promise<void>;
  /**
   * Ends a SENDING job whose /send was refused outright (422). Born notified by default (the
   * inbound reply says so at once); `notified: false` leaves it for the mail's final report.
   */
  markRefused(
    messageId: string,
    number: string,
    attemptId: string,
    error: string,
    options?: { notified?: boolean },
  ): Promise<void>;
  /**
   * SENDING/QUEUED -> RETRY_DUE: the attempt is finished (kept in the job's history) and the next
   * one is due at `dueAt`. Conditional on the attempt.
   */
  scheduleRetry(
    messageId: string,
    number: string,
    attemptId: string,
    retry: { finished: AttemptRecord; dueAt: string; cause: AttemptCause },
  ): Promise<void>;
  /**
   * The claim of a new attempt: RETRY_DUE (of attempt `fromAttemptId`, due by `sendStartedAt`) ->
   * SENDING with attempt + 1. True for the one caller that won; /send may then run once.
   */
  claimRetry(
    messageId: string,
    number: string,
    fromAttemptId: string,
    next: { attemptId: string; sendStartedAt: string },
  ): Promise<boolean>;
  /**
   * An admin's resend: FAILED or UNKNOWN (of attempt `fromAttemptId`) -> SENDING with attempt + 1,
   * open again, the ended attempt kept in the history (`finished`, unless it is there already) and
   * the re-dial window starting anew, an earlier report's time (`reportedAt`) kept in
   * `earlierReports`. True for the one caller that won; /send may then run once.
   * Optional: a ledger without it cannot resend.
   */
  claimResend?(
    messageId: string,
    number: string,
    fromAttemptId: string,
    next: { attemptId: string; sendStartedAt: string; finished?: AttemptRecord; reportedAt?: string },
  ): Promise<boolean>;
  /** SENDING -> RETRY_DUE, attempt - 1: the provider certainly did not take this attempt's /send. */
  deferRetry(
    messageId: string,
    number: string,
    attemptId: string,
    deferral: { dueAt: string; reason: string },
  ): Promise<void>;
  /** An ambiguous send was not in a complete read of /faxes: counts it, returns the job. */
  noteAbsent(messageId: string, number: string, attemptId: string, at: string): Promise<FaxJob>;
  getJob(messageId: string, number: string): Promise<FaxJob | undefined>;
  listJobs(messageId: string): Promise<FaxJob[]>;

  /**
   * Open jobs: SENDING or QUEUED, or final but not yet notified. Read through the sparse
   * open-jobs index, oldest send first; never a table scan.
   */
  listOpenJobs(): Promise<FaxJob[]>;
  /**
   * Claims a faxrocks fax id for one job (conditional write). Returns the job key that holds the
   * claim: this job's when it won or already held it, another's when it lost.
   */
  claimFax(
    faxId: string,
    job: { messageId: string; number: string; attemptId?: string },
  ): Promise<{ messageId: string; number: string; attemptId?: string }>;
  /**
   * Records the matched fax id (and SENDING -> QUEUED for a settled ambiguous send); with
   * `attemptId`, only for that attempt.
   */
  attachFax(messageId: string, number: string, faxId: string, at: string, attemptId?: string): Promise<void>;
  /** Records the final state (with `attemptId`, only for that attempt); open until markNotified. */
  recordOutcome(messageId: string, number: string, outcome: FaxOutcome, attemptId?: string): Promise<void>;
  /** The outcome email went out: the job leaves the open-jobs index. */
  markNotified(messageId: string, number: string, at: string): Promise<void>;
}

export interface MailFailure {
  at: string;
  /** `Name: message` of the error, never document bytes. */
  error: string;
  /** The queue's receive count when it failed. */
  receiveCount?: number;
}

// ---- The inbound queue (SQS; the local queue under `npm start`) ----

/** The queue message a stored mail arrived in, as the event names it. */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  /** The queue's ARN (the record's eventSourceARN). */
  queueArn: string;
}

/**
 * Each failed message's own retry delay, instead of the queue's fixed visibility timeout: backoff,
 * and faxrocks' Retry-After. The cause goes with it where the queue keeps one (the local queue's
 * dead letters); SQS keeps none, the mail record does (JobLedger.recordMailFailure).
 */
export interface MessageRetries {
  /** The message is received again `seconds` from now (SQS ChangeMessageVisibility). */
  retryAfter(message: QueueMessage, seconds: number, cause: string): Promise<void>;
}

// ---- Outgoing mail ----

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/** One mailbox as a structure, so no composer or API re-parses it into several. */
export interface Mailbox {
  /** One addr-spec (`local@domain`, the local part quoted where it must be), never a list. */
  address: string;
}

export interface OutgoingMail {
  from: string;
  /** Exactly one recipient: the authenticated sender. */
  to: Mailbox;
  subject: string;
  text: string;
  /** The original's Message-ID header value, with angle brackets, for threading. */
  inReplyTo?: string;
  references?: string[];
  attachments?: MailAttachment[];
}

export interface Mailer {
  /** Sends one message; composes real MIME (Auto-Submitted: auto-replied is always set). */
  send(mail: OutgoingMail): Promise<void>;
}

// ---- faxrocks ----

export interface SendFaxRequest {
  /** E.164 numbers, 1 to 10. */
  numbers: string[];
  /** The PDF bytes; the client base64-encodes them. */
  document: Uint8Array;
  scheduledAt?: string;
  timezone?: string;
}

export interface QueuedFax {
  number: string;
  pages: number;
  estimatedCost: number;
}

export interface FaxRecord {
  id: string;
  number: string;
  sentAt: number | null;
  sentAtTimezone: string | null;
  status: boolean;
  error: string | null;
  price: string | null;
  pages: number;
  pagesSent: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface FaxPage {
  faxes: FaxRecord[];
  page: number;
  lastPage: number | null;
  hasNext: boolean;
}

export interface FaxrocksUser {
  id: number;
  name: string;
  email: string;
  [extra: string]: unknown;
}

/**
 * The fax provider. What a caller may see go wrong is functions/errors.ts's: SendRefusedError,
 * SendOutcomeUnknownError, ProviderUnavailableError (and its ProviderAccessDeniedError and
 * ProviderRateLimitedError), FaxNotFoundError. Anything else is a defect or an answer the
 * provider should not have given.
 */
export interface FaxApi {
  /**
   * POST /send. Never retried. Throws SendOutcomeUnknownError when the request may have reached
   * the provider (time-out, 5xx, connection lost after writing), SendRefusedError when it was
   * refused outright; any other error means the fax was definitely not accepted.
   */
  send(request: SendFaxRequest): Promise<QueuedFax[]>;
  /** GET /faxes, page by page (newest first as the provider lists them), lazily. */
  listFaxPages(options?: { perPage?: number }): AsyncIterable<FaxPage>;
  getUser(): Promise<FaxrocksUser>;
  /** FaxNotFoundError when there is no such fax (or no receipt for it yet). */
  downloadFax(id: string): Promise<Uint8Array>;
  downloadReceipt(id: string): Promise<Uint8Array>;
}

// ---- Telemetry ----

/** Structured log lines (Powertools Logger satisfies it). Never document bytes, never the token. */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Counters for dashboards and alarms (Powertools Metrics on AWS). */
export interface MetricsSink {
  count(name: string, dimensions?: Record<string, string>, value?: number): void;
  /** Emits what was counted (EMF on AWS); called at the end of an invocation. */
  flush(): void;
}

// ---- Outcome emails ----

/**
 * Lets one status poller at a time email a job's outcome (a conditional write), so two pollers
 * running at once email it once. A crashed holder's lease runs out and another poller takes over:
 * the email may then repeat, never be lost.
 */
export interface NotificationLease {
  /** True when `holder` now holds the lease on this job's outcome email until `until`. */
  acquire(
    job: { messageId: string; number: string },
    holder: string,
    now: Date,
    until: Date,
  ): Promise<boolean>;
}

// ---- Cost guards (PRODUCT.md section 7) ----

/**
 * Daily counters for the cost guards, idempotent per mail: counting the same SES message id twice
 * (a redelivery) changes nothing.
 */
export interface DailyUsage {
  /**
   * Adds the mail's pages to the sender's count for the day (UTC) unless that would pass `limit`.
   * Returns the pages counted for the day after the call and whether this mail fits.
   */
  countSenderPages(
    day: string,
    sender: string,
    messageId: string,
    pages: number,
    limit: number,
  ): Promise<{ allowed: boolean; pagesToday: number }>;
  /** The gateway-wide estimated cost counted for the day so far. */
  gatewayCost(day: string): Promise<number>;
  /**
   * Reserves `cost` for `countedFor` (a mail, or one attempt) unless the day's total would pass
   * `ceiling` (one conditional write, so concurrent reservations cannot overshoot). Idempotent: a
   * redelivery of what was reserved before is allowed again without counting twice.
   */
  reserveGatewayCost(
    day: string,
    countedFor: string,
    cost: number,
    ceiling: number,
  ): Promise<{ allowed: boolean; costToday: number }>;
  /** Corrects a reservation by `delta` once (the /send answer's estimate less the reserved one). */
  correctGatewayCost(day: string, countedFor: string, delta: number): Promise<void>;
}
