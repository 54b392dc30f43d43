// The inbound use case: one stored mail in, faxes and one reply out.
//
// Primary course (one step each below):
//   1. openRecord: open the mail's record; a redelivery finds it, and a settled mail is not read again.
//   2. readStoredMail: the raw mail that SES stored, and its top-level header block read alone.
//   3. decideTrust: who sent it (SES's own header block only); untrusted mail is dropped, silently.
//   4. The allowlist; readWholeMail (parts and body, only now); checkRecipients (fax numbers),
//      checkDocuments (the PDFs) and checkCostGuards: a problem becomes a rejection reply.
//   5. sendAll: for each batch of at most 10 numbers, claim every (mail, number) job with a
//      conditional write, POST /send for the claimed numbers only, record what faxrocks answered.
//   6. recordAndReply: record the mail's outcome and reply once with what was queued and its cost.
//
// /send runs at most once per (SES message id, number): the claim precedes the call and is never
// taken twice. An ambiguous send is left for the status poller to settle; it is never repeated.

import { randomUUID } from 'node:crypto';
import { type GatewayPolicy, redialScheduleOf } from '../config.ts';
import { sendAttempt } from '../delivery/send-attempt.ts';
import type { CoverAssets } from '../domain/cover-page.ts';
import { coverPageOf } from '../domain/cover-text.ts';
import type { CoverRequest, DocumentDecision } from '../domain/documents.ts';
import type { FaxJob, MailRecord, ReplyAddress } from '../domain/fax-job.ts';
import { faxNumbersFromRecipients } from '../domain/fax-numbers.ts';
import type { InboundMail } from '../domain/inbound-mail.ts';
import { jobReference } from '../domain/job-reference.ts';
import { type MailOptions, parseMailOptions } from '../domain/mail-options.ts';
import { isThreadableMessageId, storedReferences } from '../domain/record-limits.ts';
import { redialPromise } from '../domain/redial-policy.ts';
import { gaveUpReply } from '../domain/replies/gave-up.ts';
import {
  type NumberReport,
  queuedReply,
  type RejectedRecipient,
  type RejectionReason,
  type ReplyText,
  rejectionReply,
  rejectionSummary,
} from '../domain/replies/immediate.ts';
import { resolveSendTime, type ScheduledSend, scheduleFor } from '../domain/send-time.ts';
import {
  assessSenderTrust,
  isAutoReplyUnsafe,
  loopRisk,
  sesEnvelopeRecipients,
} from '../domain/sender-trust.ts';
import { MailNotFoundError, TransientError, UnreadableMailError } from '../errors.ts';
import { parseInboundMail, readHeaderBlock } from '../mail/parse-inbound-mail.ts';
import type {
  Clock,
  DailyUsage,
  FaxApi,
  JobLedger,
  Log,
  Mailer,
  MailStore,
  MetricsSink,
  PreparedDocuments,
  SenderList,
  StoredMailRef,
} from '../ports.ts';
import { documentBudgetOf, prepareFaxDocumentWithinBudget } from './document-budget.ts';

/** SES writes this object once when the receipt rule is created; it is not a mail. */
export const SES_SETUP_NOTIFICATION = 'AMAZON_SES_SETUP_NOTIFICATION';

/** Numbers per POST /send, the provider's limit. */
export const SEND_BATCH_SIZE = 10;

export type ProcessResult =
  | { outcome: 'SKIPPED'; reason: string }
  | { outcome: 'DROPPED'; reason: string }
  | { outcome: 'REJECTED'; reason: string }
  | { outcome: 'ACCEPTED'; numbers: NumberReport[] }
  | { outcome: 'DUPLICATE'; previous: string };

/** Everything the inbound use case needs, built once per cold start (or once by the local runtime). */
export interface InboundDeps {
  mailStore: MailStore;
  senders: SenderList;
  ledger: JobLedger;
  faxApi: FaxApi;
  mailer: Mailer;
  policy: GatewayPolicy;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
  /** The cost guards' counters (policy.senderDailyPageLimit, policy.dailyCostCeiling). */
  usage: DailyUsage;
  /** Keeps each mail's prepared document for later attempts (re-dials, resends). */
  documents?: PreparedDocuments;
  /** The fonts and logo of cover pages, read on first use (policy.coverPage). */
  coverAssets?: () => Promise<CoverAssets>;
}

/** The SES message id: the last part of the (already URL-decoded) object key. */
export function messageIdOf(key: string): string {
  return key.split('/').pop() ?? key;
}

export async function processStoredMail(ref: StoredMailRef, deps: InboundDeps): Promise<ProcessResult> {
  const { log, metrics, clock, policy } = deps;
  const messageId = messageIdOf(ref.key);
  if (messageId === SES_SETUP_NOTIFICATION || messageId === '') {
    log.info('Skipping SES setup notification', { messageId, key: ref.key });
    return { outcome: 'SKIPPED', reason: 'ses-setup-notification' };
  }
  const now = clock.now();
  const expiresAt = Math.floor(now.getTime() / 1000) + policy.jobRetentionDays * 86_400;

  const record = await openRecord(deps, messageId, now, expiresAt);
  // The ledger first: a duplicate event need not download the mail (up to 40 MB) again.
  if (owesGiveUpReply(record)) return answerGiveUp(ref, deps, record);
  if (isSettled(record)) {
    log.info('Mail already processed', { messageId, outcome: record.outcome });
    metrics.count('MailDuplicate');
    return { outcome: 'DUPLICATE', previous: record.outcome };
  }

  const stored = await readStoredMail(deps, ref, messageId);
  if ('finished' in stored) return stored.finished;
  // The options come off the subject first: every reply, and the cover page, quote it without them.
  const options = parseMailOptions(stored.headers.subject);

  // Who sent it, from the header block alone (PRODUCT section 2, in its order): the body of a mail
  // whose sender is not trusted and allowed is never read, whatever reading it would cost.
  const trust = decideTrust({ ...stored.headers, subject: options.subject }, policy);
  if (trust.kind === 'drop') return drop(deps, messageId, trust.reason, trust.detail);
  const { replyTo } = trust;
  const context: ReplyContext = { deps, messageId, replyTo, record };

  if (!(await deps.senders.isAllowed(replyTo.sender))) {
    return reject(context, 'not-allowlisted', { kind: 'not-allowlisted', sender: replyTo.sender });
  }
  const read = await readWholeMail(stored.raw, stored.headers);
  if ('unreadable' in read) {
    return reject(context, 'unreadable-mime', { kind: 'unreadable', detail: read.unreadable });
  }
  const mail: InboundMail = { ...read.mail, subject: options.subject };
  const asked = checkOptions(options, policy, new Date(record.receivedAt));
  if (!asked.ok) return reject(context, asked.reason, asked.why);
  const { schedule } = asked;
  const recipients = checkRecipients(mail, policy);
  if (!recipients.ok) return reject(context, recipients.reason, recipients.why);
  const cover = await coverRequest(deps, { mail, cover: options.cover }, recipients.accepted, now);
  const documents = await checkDocuments(mail, policy, cover);
  if (!documents.ok) return reject(context, documents.reason, documents.why);
  const { numbers } = recipients;
  const { document } = documents;
  // Kept before the first /send, so any later attempt sends the very same bytes.
  await deps.documents?.keep(messageId, document.bytes);

  const day = now.toISOString().slice(0, 10);
  const pages = document.pages * numbers.length;
  const overGuard = await checkCostGuards(deps, { day, sender: replyTo.sender, messageId, pages });
  if (overGuard) return reject(context, overGuard.reason, overGuard.why);

  // A time that passed while the mail waited (queue retries) is not handed to faxrocks in the past.
  const later = scheduleFor(schedule, deps.clock.now());
  const reports = await sendAll(deps, {
    messageId,
    replyTo,
    numbers,
    document,
    expiresAt,
    day,
    schedule: later,
  });
  return recordAndReply(context, {
    ...(schedule ? { schedule, scheduleMissed: later === undefined } : {}),
    subject: mail.subject,
    numbers,
    reports,
    rejectedRecipients: recipients.rejected,
    document,
    ignoredAttachments: documents.ignored,
    ...(options.cover !== undefined ? { coverPage: cover !== undefined } : {}),
  });
}

/** Creates the mail record on first sight; a redelivery gets the existing one. */
async function openRecord(
  deps: InboundDeps,
  messageId: string,
  now: Date,
  expiresAt: number,
): Promise<MailRecord> {
  const { record } = await deps.ledger.openMail({
    messageId,
    receivedAt: now.toISOString(),
    outcome: 'RECEIVED',
    expiresAt,
  });
  return record;
}

/**
 * The stored mail and its top-level header block, read alone; a mail that is gone is skipped, one
 * whose header block cannot be read (over the header limits) is dropped: nobody is known to answer.
 */
async function readStoredMail(
  deps: InboundDeps,
  ref: StoredMailRef,
  messageId: string,
): Promise<{ raw: Buffer; headers: InboundMail } | { finished: ProcessResult }> {
  const { ledger, log, metrics, clock } = deps;
  let raw: Buffer;
  try {
    raw = await deps.mailStore.getRawMail(ref);
  } catch (error) {
    if (!(error instanceof MailNotFoundError)) throw error;
    // Expired or deleted before we got to it: nothing to fax and nobody to tell.
    log.warn('Stored mail is gone', { messageId, key: ref.key });
    metrics.count('MailMissing');
    await ledger.recordMailOutcome(messageId, {
      outcome: 'SKIPPED',
      reason: 'mail-missing',
      detail: 'the stored mail was gone before it was read',
      decidedAt: clock.now().toISOString(),
    });
    return { finished: { outcome: 'SKIPPED', reason: 'mail-missing' } };
  }
  try {
    return { raw, headers: await readHeaderBlock(raw) };
  } catch (error) {
    // Retrying cannot help.
    if (!(error instanceof UnreadableMailError)) throw error;
    return { finished: await drop(deps, messageId, 'unreadable-mime', error.message) };
  }
}

/** The whole mail, parts and body; one the reader refuses is told to its (allowed) sender. */
async function readWholeMail(
  raw: Buffer,
  headers: InboundMail,
): Promise<{ mail: InboundMail } | { unreadable: string }> {
  try {
    return { mail: await parseInboundMail(raw, headers) };
  } catch (error) {
    if (!(error instanceof UnreadableMailError)) throw error;
    return { unreadable: error.message };
  }
}

type TrustDecision =
  | { kind: 'drop'; reason: string; detail: string }
  | { kind: 'trusted'; replyTo: ReplyAddress };

/** Who sent the mail and how to answer; untrusted mail, and mail that could loop, is dropped. */
function decideTrust(mail: InboundMail, policy: InboundDeps['policy']): TrustDecision {
  const trust = assessSenderTrust(mail);
  if (trust.kind === 'drop') return trust;
  const { sender } = trust;
  const gateway = { faxDomain: policy.faxDomain, replyFrom: policy.replyFrom };
  const loop = loopRisk(mail, sender, gateway);
  // Bounces and our own mail coming back: even a fax could start a mail loop.
  if (loop) return { kind: 'drop', reason: 'loop-risk', detail: loop };
  // Auto-Submitted or bulk mail from an allowed sender is faxed, but never answered (RFC 3834).
  const silent = isAutoReplyUnsafe(mail, sender, gateway);
  // Only an id a reply's header can carry as written threads the replies (record-limits.ts).
  const messageIdHeader =
    mail.messageIdHeader && isThreadableMessageId(mail.messageIdHeader) ? mail.messageIdHeader : undefined;
  return {
    kind: 'trusted',
    replyTo: {
      sender,
      subject: mail.subject,
      ...(messageIdHeader ? { originalMessageId: messageIdHeader } : {}),
      // Bounded as stored (record-limits.ts), so every reply threads the same way.
      references: storedReferences([...mail.references, ...(messageIdHeader ? [messageIdHeader] : [])]),
      ...(silent ? { silent } : {}),
    },
  };
}

type Check<T> = ({ ok: true } & T) | { ok: false; reason: string; why: RejectionReason };

/** The fax numbers the mail is addressed to (To and Cc), within the per-mail limit. */
function checkRecipients(
  mail: InboundMail,
  policy: InboundDeps['policy'],
): Check<{
  numbers: string[];
  accepted: { recipient: string; number: string }[];
  rejected: RejectedRecipient[];
}> {
  const recipients = faxNumbersFromRecipients([...mail.to, ...mail.cc], policy, {
    stopAfter: policy.maxNumbersPerMail,
  });
  const rejected: RejectedRecipient[] = recipients.rejected.map((r) => ({
    recipient: r.recipient,
    detail: r.detail,
  }));
  if (recipients.accepted.length === 0) {
    // A fax address only in Bcc: SES's Received line still names it, so the reply can say so.
    const blindCopies = faxNumbersFromRecipients(
      sesEnvelopeRecipients(mail.headerLines),
      policy,
    ).accepted.map((a) => a.recipient);
    return {
      ok: false,
      reason: 'no-fax-recipients',
      why: {
        kind: 'no-fax-recipients',
        faxDomain: policy.faxDomain,
        rejectedRecipients: rejected,
        ...(blindCopies.length > 0 ? { blindCopies } : {}),
      },
    };
  }
  if (recipients.accepted.length > policy.maxNumbersPerMail) {
    return {
      ok: false,
      reason: 'too-many-numbers',
      why: {
        kind: 'too-many-numbers',
        count: recipients.accepted.length,
        limit: policy.maxNumbersPerMail,
        ...(recipients.unread > 0
          ? { faxAddresses: recipients.accepted.length + recipients.unread, faxDomain: policy.faxDomain }
          : {}),
      },
    };
  }
  return {
    ok: true,
    numbers: recipients.accepted.map((a) => a.number),
    accepted: recipients.accepted,
    rejected,
  };
}

/**
 * The options the subject ended with, when faxgate can follow every one of them. A send time is
 * judged against when the mail was first received, so a mail held up by retries is not refused for
 * a time that was still ahead when it arrived.
 */
function checkOptions(
  options: MailOptions,
  policy: InboundDeps['policy'],
  receivedAt: Date,
): Check<{ options: MailOptions; schedule?: ScheduledSend }> {
  const problems = [...options.problems];
  let schedule: ScheduledSend | undefined;
  if (options.sendAt) {
    const decided = resolveSendTime(options.sendAt, {
      defaultTimeZone: policy.defaultTimeZone,
      horizonDays: policy.scheduleHorizonDays,
      receivedAt,
    });
    if (decided.ok) schedule = decided.send;
    else problems.push({ written: options.sendAt.written, problem: decided.problem });
  }
  if (problems.length === 0) return { ok: true, options, ...(schedule ? { schedule } : {}) };
  return {
    ok: false,
    reason: 'options',
    why: { kind: 'options', problems, defaultTimeZone: policy.defaultTimeZone },
  };
}

type FaxDocument = Extract<DocumentDecision, { ok: true }>['document'];

/**
 * A cover page when the gateway's setting (COVER_PAGE) and the mail ask for one: `always` unless
 * the subject ends in /nocover, `on-request` when it ends in /cover, `never` whatever it says.
 */
export function wantsCoverPage(setting: GatewayPolicy['coverPage'], asked: boolean | undefined): boolean {
  return setting === 'always' ? asked !== false : setting === 'on-request' && asked === true;
}

async function coverRequest(
  deps: InboundDeps,
  { mail, cover }: { mail: InboundMail; cover: boolean | undefined },
  recipients: { recipient: string; number: string }[],
  receivedAt: Date,
): Promise<CoverRequest | undefined> {
  const { policy } = deps;
  if (!wantsCoverPage(policy.coverPage, cover) || !deps.coverAssets) return undefined;
  const page = await coverPageOf(mail, {
    recipients,
    subject: mail.subject,
    receivedAt,
    ...(policy.coverCompany ? { company: policy.coverCompany } : {}),
  });
  return { page, assets: await deps.coverAssets() };
}

/** The one PDF to fax, from the mail's attachments (and the cover page, first). */
async function checkDocuments(
  mail: InboundMail,
  policy: InboundDeps['policy'],
  cover: CoverRequest | undefined,
): Promise<Check<{ document: FaxDocument; ignored: string[] }>> {
  const documents = await prepareFaxDocumentWithinBudget(mail.parts, policy, documentBudgetOf(policy), cover);
  if (!documents.ok) {
    return {
      ok: false,
      reason: documents.problem,
      why: { kind: 'document', problem: documents.problem, detail: documents.detail, files: documents.files },
    };
  }
  return { ok: true, document: documents.document, ignored: documents.ignored };
}

interface SendAllInput {
  messageId: string;
  replyTo: ReplyAddress;
  numbers: string[];
  document: FaxDocument;
  expiresAt: number;
  day: string;
  schedule?: ScheduledSend;
}

/** Every number, in batches of SEND_BATCH_SIZE; the day's estimated cost counted per batch. */
async function sendAll(deps: InboundDeps, input: SendAllInput): Promise<NumberReport[]> {
  const { messageId, replyTo, numbers, document, expiresAt, day, schedule } = input;
  const reports: NumberReport[] = [];
  for (let i = 0; i < numbers.length; i += SEND_BATCH_SIZE) {
    const batch = numbers.slice(i, i + SEND_BATCH_SIZE);
    const sent = await sendBatch(deps, {
      messageId,
      replyTo,
      batch,
      document,
      expiresAt,
      mailNumbers: numbers.length,
      schedule,
    });
    reports.push(...sent);
  }
  if (deps.policy.dailyCostCeiling > 0) {
    // The answers' estimates replace the reservation (numbers not sent give theirs back).
    const answered = reports.reduce(
      (sum, r) => sum + (r.status === 'queued' ? (r.estimatedCost ?? 0) : 0),
      0,
    );
    const reserved = estimatedCost(deps, document.pages * numbers.length);
    await deps.usage.correctGatewayCost(day, messageId, Math.round((answered - reserved) * 100) / 100);
  }
  return reports;
}

interface AcceptedMail {
  subject: string;
  numbers: string[];
  reports: NumberReport[];
  rejectedRecipients: RejectedRecipient[];
  document: FaxDocument;
  ignoredAttachments: string[];
  schedule?: ScheduledSend;
  scheduleMissed?: boolean;
  /** Whether a cover page was made, when the sender asked for or against one (/cover, /nocover). */
  coverPage?: boolean;
}

/** The mail's outcome for the audit trail, then the one "queued" reply. */
async function recordAndReply(context: ReplyContext, accepted: AcceptedMail): Promise<ProcessResult> {
  const { deps, messageId } = context;
  const { numbers, reports, rejectedRecipients, document, ignoredAttachments } = accepted;
  const documents = document.files.map((f) => f.filename);
  await deps.ledger.recordMailOutcome(messageId, {
    outcome: 'ACCEPTED',
    sender: context.replyTo.sender,
    decidedAt: deps.clock.now().toISOString(),
    numbers,
    rejectedNumbers: rejectedRecipients.map((r) => r.recipient),
    documents,
    ignoredAttachments,
    pages: document.pages,
  });
  deps.metrics.count('MailAccepted');
  deps.log.info('Mail accepted', {
    messageId,
    numbers: reports.map((r) => ({ number: r.number, status: r.status })),
    pages: document.pages,
    documents,
  });

  await replyOnce(context, () =>
    queuedReply(
      {
        originalSubject: accepted.subject,
        reference: jobReference(messageId),
        numbers: reports,
        rejectedRecipients,
        documents,
        files: document.files,
        pages: document.pages,
        ignoredAttachments,
        ...(accepted.schedule ? { schedule: accepted.schedule } : {}),
        ...(accepted.scheduleMissed ? { scheduleMissed: true } : {}),
        ...(accepted.coverPage !== undefined ? { coverPage: accepted.coverPage } : {}),
        redialPromise: redialPromise(redialScheduleOf(deps.policy)),
      },
      { currency: deps.policy.priceCurrency },
    ),
  );
  return { outcome: 'ACCEPTED', numbers: reports };
}

/**
 * PRODUCT.md section 7: the per-sender daily page limit and the gateway's daily cost ceiling. The
 * ceiling reserves this mail's estimated cost (pages x numbers x the configured price per page)
 * with one conditional write before anything is sent, so the mail being decided counts and
 * concurrent mails cannot pass the ceiling together; the /send answers correct it afterwards.
 */
async function checkCostGuards(
  deps: InboundDeps,
  mail: { day: string; sender: string; messageId: string; pages: number },
): Promise<{ reason: string; why: RejectionReason } | undefined> {
  const { policy, usage } = deps;
  if (policy.senderDailyPageLimit <= 0 && policy.dailyCostCeiling <= 0) return undefined;
  if (policy.senderDailyPageLimit > 0) {
    const limit = policy.senderDailyPageLimit;
    const counted = await usage.countSenderPages(mail.day, mail.sender, mail.messageId, mail.pages, limit);
    if (!counted.allowed) {
      return overGuard(
        'sender-daily-page-limit',
        'daily page limit per sender',
        `This email needs ${mail.pages} pages (pages times numbers); you have sent ${counted.pagesToday} of your ${limit} pages today. Send it again tomorrow (UTC), to fewer numbers, or ask your administrator to raise SENDER_DAILY_PAGE_LIMIT.`,
      );
    }
  }
  if (policy.dailyCostCeiling > 0) {
    const ceiling = policy.dailyCostCeiling;
    const estimate = estimatedCost(deps, mail.pages);
    const reserved = await usage.reserveGatewayCost(mail.day, mail.messageId, estimate, ceiling);
    if (!reserved.allowed) {
      return overGuard(
        'daily-cost-ceiling',
        "gateway's daily cost ceiling",
        `This email is estimated at ${estimate.toFixed(2)}; faxes estimated at ${reserved.costToday.toFixed(2)} have been sent today and the ceiling is ${ceiling.toFixed(2)}. Send the email again tomorrow (UTC), or ask your administrator to raise DAILY_COST_CEILING.`,
      );
    }
  }
  return undefined;
}

/** The rejection a cost guard gives: which guard, and what the sender can do. */
function overGuard(reason: string, guard: string, detail: string): { reason: string; why: RejectionReason } {
  return { reason, why: { kind: 'cost-guard', guard, detail } };
}

/** Pages (times numbers) at the configured price per page, to the cent. */
function estimatedCost(deps: InboundDeps, pages: number): number {
  return Math.round(pages * (deps.policy.estimatedPricePerPage ?? 0.09) * 100) / 100;
}

function isSettled(record: MailRecord): boolean {
  // A mail that was answered (or dropped) is done; anything else is re-run, and the job claims
  // keep the re-run from faxing anything twice.
  // A mail that gave up (FAILED) stays given up, answered or not: it must not fax after all.
  return (
    record.outcome === 'DROPPED' ||
    record.outcome === 'SKIPPED' ||
    record.outcome === 'FAILED' ||
    record.repliedAt !== undefined
  );
}

interface SendBatchInput {
  messageId: string;
  replyTo: ReplyAddress;
  batch: string[];
  document: { bytes: Uint8Array; pages: number };
  expiresAt: number;
  /** All the mail's numbers, in every batch: its report waits for each. */
  mailNumbers: number;
  schedule?: ScheduledSend;
}

async function sendBatch(deps: InboundDeps, input: SendBatchInput): Promise<NumberReport[]> {
  const { ledger, clock } = deps;
  const { messageId, replyTo, batch, document, expiresAt, mailNumbers, schedule } = input;
  const attemptId = randomUUID();
  const sendStartedAt = clock.now().toISOString();

  const claimed: string[] = [];
  const reports = new Map<string, NumberReport>();
  for (const number of batch) {
    const won = await ledger.claimSend({
      ...replyTo,
      messageId,
      number,
      attemptId,
      sendStartedAt,
      pages: document.pages,
      expiresAt,
      mailNumbers,
      ...(schedule ? { schedule } : {}),
    });
    if (won) {
      claimed.push(number);
      continue;
    }
    const existing = await ledger.getJob(messageId, number);
    if (existing && isInFlight(existing, deps)) {
      // Another run of this mail (a duplicate event) is sending it right now: let that run answer,
      // and look again later in case it crashes.
      throw new TransientError(`another run is sending ${messageId} to ${number}; retrying later`);
    }
    reports.set(number, reportOfExisting(number, existing));
  }
  if (claimed.length === 0) return batch.map((n) => reports.get(n) as NumberReport);

  // The one send step of every attempt (delivery/send-attempt.ts): /send once, the answer recorded.
  // Also between batches a time can come: from then on, at once.
  const later = scheduleFor(schedule, clock.now());
  const answer = await sendAttempt(deps, {
    messageId,
    numbers: claimed,
    attemptId,
    pages: document.pages,
    document: document.bytes,
    ...(later ? { schedule: later } : {}),
  });
  const notTaken = claimed.map((n) => answer.get(n)).find((r) => r?.status === 'not-taken');
  if (notTaken?.status === 'not-taken') {
    // Definitely not accepted (throttled, unauthorised, unreachable): free the claims so the queue's
    // retry can send them.
    for (const number of claimed) await deps.ledger.releaseSend(messageId, number, attemptId);
    const error = notTaken.cause;
    const retryHint =
      notTaken.retryAfterSeconds !== undefined ? ` (retry after ${notTaken.retryAfterSeconds}s)` : '';
    throw new TransientError(`faxrocks did not take the fax${retryHint}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  for (const number of claimed) {
    const result = answer.get(number);
    if (result?.status === 'queued') {
      reports.set(number, {
        number,
        status: 'queued',
        pages: result.pages,
        estimatedCost: result.estimatedCost,
      });
    } else if (result?.status === 'unconfirmed') {
      reports.set(number, { number, status: 'unconfirmed', pages: result.pages });
    } else if (result?.status === 'refused') {
      reports.set(number, { number, status: 'refused', reason: result.reason });
    }
  }
  return batch.map((n) => reports.get(n) as NumberReport);
}

/** A SENDING job without a recorded outcome that is young enough to belong to a run still going. */
function isInFlight(job: FaxJob, deps: InboundDeps): boolean {
  if (job.state !== 'SENDING' || job.outcomeUnknown) return false;
  const age = deps.clock.now().getTime() - Date.parse(job.sendStartedAt);
  return age < deps.policy.sendInFlightSeconds * 1000;
}

function reportOfExisting(number: string, job: FaxJob | undefined): NumberReport {
  if (!job) return { number, status: 'already-sent', state: 'SENDING' };
  if (job.state === 'QUEUED' && job.queuedAt) {
    return { number, status: 'queued', pages: job.pages, estimatedCost: job.estimatedCost };
  }
  if (job.state === 'SENDING') return { number, status: 'unconfirmed', pages: job.pages };
  if (job.state === 'FAILED' && job.error && !job.faxId)
    return { number, status: 'refused', reason: job.error };
  return { number, status: 'already-sent', state: job.state };
}

async function drop(
  deps: InboundDeps,
  messageId: string,
  reason: string,
  detail: string,
): Promise<ProcessResult> {
  // Untrusted: no fax, no reply (that would be backscatter), only the audit record, a log line and a metric.
  deps.log.warn('Mail dropped', { messageId, reason, detail });
  deps.metrics.count('MailDropped', { reason });
  await deps.ledger.recordMailOutcome(messageId, {
    outcome: 'DROPPED',
    reason,
    detail,
    decidedAt: deps.clock.now().toISOString(),
  });
  return { outcome: 'DROPPED', reason };
}

interface ReplyContext {
  deps: InboundDeps;
  messageId: string;
  replyTo: ReplyAddress;
  record: MailRecord;
}

async function reject(context: ReplyContext, reason: string, why: RejectionReason): Promise<ProcessResult> {
  const { deps, messageId, replyTo } = context;
  const reply = rejectionReply(why, replyTo.subject);
  deps.log.info('Mail rejected', { messageId, reason, sender: replyTo.sender });
  deps.metrics.count('MailRejected', { reason });
  await deps.ledger.recordMailOutcome(messageId, {
    outcome: 'REJECTED',
    sender: replyTo.sender,
    reason,
    detail: rejectionSummary(why),
    decidedAt: deps.clock.now().toISOString(),
  });
  await replyOnce(context, () => reply);
  return { outcome: 'REJECTED', reason };
}

async function replyOnce(context: ReplyContext, compose: () => ReplyText): Promise<void> {
  const { deps, messageId, replyTo, record } = context;
  if (record.repliedAt) return;
  if (replyTo.silent) {
    deps.log.info('Reply suppressed', { messageId, why: replyTo.silent });
    return;
  }
  // Two runs of one mail at once (a duplicate event) must not both answer.
  const now = deps.clock.now();
  const until = new Date(now.getTime() + deps.policy.sendInFlightSeconds * 1000);
  const claim = await deps.ledger.claimReply(messageId, now.toISOString(), until.toISOString());
  if (claim === 'replied') return;
  if (claim === 'busy') throw new TransientError(`another run is answering ${messageId}; retrying later`);
  const { subject, text } = compose();
  try {
    await deps.mailer.send({
      from: deps.policy.replyFrom,
      to: { address: replyTo.sender },
      subject,
      text,
      inReplyTo: replyTo.originalMessageId,
      references: replyTo.references,
    });
  } catch (error) {
    await deps.ledger.releaseReply(messageId);
    throw error;
  }
  await deps.ledger.markMailReplied(messageId, deps.clock.now().toISOString());
}

/** Why a mail gave up: for the record and dead letter, and in plain words for the sender. */
export interface GiveUpCause {
  forAdmin: string;
  forSender: string;
}

/**
 * A mail's last try failed (GIVE_UP_AFTER_MINUTES passed, or the queue's last receive). When no
 * number of it was handed to faxrocks, it is recorded FAILED with the cause and its authenticated
 * sender is told that nothing was faxed and sending again is safe (`gave-up`). When part of it
 * went out (a mail of more than 10 numbers, a later batch throttled to the end), the numbers never
 * sent get a final "not sent" job with the cause and the mail is recorded FAILED `partly-sent`;
 * the numbers that were (or may have been) sent are followed by the poller, whose one report lists
 * every number (`partly-sent`). `settled` when the mail was decided meanwhile (or cannot be read:
 * that is recorded as usual).
 */
export async function giveUpOnStoredMail(
  ref: StoredMailRef,
  deps: InboundDeps,
  cause: GiveUpCause,
): Promise<'gave-up' | 'partly-sent' | 'settled'> {
  const { ledger, clock, policy, log, metrics } = deps;
  const messageId = messageIdOf(ref.key);
  const now = clock.now();
  const expiresAt = Math.floor(now.getTime() / 1000) + policy.jobRetentionDays * 86_400;
  const record = await openRecord(deps, messageId, now, expiresAt);
  if (owesGiveUpReply(record)) {
    await answerGiveUp(ref, deps, record);
    return 'gave-up';
  }
  if (isSettled(record)) return 'settled';
  const jobs = await ledger.listJobs(messageId);
  // The header block says all a give-up needs: who to answer, the subject, the numbers.
  const stored = await readStoredMail(deps, ref, messageId);
  if ('finished' in stored) return 'settled';
  // Quoted as every reply quotes it: without the options it ended with.
  const mail: InboundMail = { ...stored.headers, subject: parseMailOptions(stored.headers.subject).subject };
  const trust = decideTrust(mail, policy);
  if (trust.kind === 'drop') {
    await drop(deps, messageId, trust.reason, trust.detail);
    return 'settled';
  }
  const { replyTo } = trust;
  // Only numbers faxrocks refused outright (422) are certainly not sent; any other job may have faxed.
  if (jobs.some((job) => !(job.state === 'FAILED' && !job.faxId && !job.queuedAt && !job.outcomeUnknown))) {
    await giveUpTheRest(deps, { messageId, mail, replyTo, jobs, expiresAt }, cause);
    return 'partly-sent';
  }
  log.error('Mail given up: nothing was faxed', { messageId, cause: cause.forAdmin });
  metrics.count('MailGaveUp');
  await ledger.recordMailOutcome(messageId, {
    outcome: 'FAILED',
    sender: replyTo.sender,
    reason: 'gave-up',
    detail: cause.forAdmin,
    senderDetail: cause.forSender,
    decidedAt: clock.now().toISOString(),
  });
  await replyGaveUp({ deps, messageId, replyTo, record }, mail, cause.forSender);
  return 'gave-up';
}

function replyGaveUp(context: ReplyContext, mail: InboundMail, cause: string): Promise<void> {
  return replyOnce(context, () =>
    gaveUpReply({ originalSubject: mail.subject, reference: jobReference(context.messageId), cause }),
  );
}

/** A mail given up whose "nothing was faxed" reply did not go out (the mailer failed): still owed. */
function owesGiveUpReply(record: MailRecord): boolean {
  return record.outcome === 'FAILED' && record.reason === 'gave-up' && record.repliedAt === undefined;
}

/**
 * Sends the owed give-up reply on a later run (a retry, or a redrive of its dead letter); the
 * mail stays given up. Unauthenticated mail never gets here: it was dropped, not given up.
 */
async function answerGiveUp(
  ref: StoredMailRef,
  deps: InboundDeps,
  record: MailRecord,
): Promise<ProcessResult> {
  const messageId = messageIdOf(ref.key);
  const stored = await readStoredMail(deps, ref, messageId);
  if ('finished' in stored) return stored.finished;
  const mail: InboundMail = { ...stored.headers, subject: parseMailOptions(stored.headers.subject).subject };
  const trust = decideTrust(mail, deps.policy);
  if (trust.kind === 'drop') return { outcome: 'DUPLICATE', previous: record.outcome };
  const cause = record.senderDetail ?? 'faxgate could not hand it to faxrocks in time';
  await replyGaveUp({ deps, messageId, replyTo: trust.replyTo, record }, mail, cause);
  return { outcome: 'DUPLICATE', previous: record.outcome };
}

/**
 * Part of the mail went out: every number without a job is recorded as final "not sent" (a
 * conditional put, so a number another run claimed meanwhile stays that run's), then the mail is
 * recorded FAILED `partly-sent`. No reply here: the poller sends the one report once every number
 * is final, saying which were not faxed. In that order, so a crash in between gives up again.
 */
async function giveUpTheRest(
  deps: InboundDeps,
  mail: { messageId: string; mail: InboundMail; replyTo: ReplyAddress; jobs: FaxJob[]; expiresAt: number },
  cause: GiveUpCause,
): Promise<void> {
  const { ledger, clock, policy, log, metrics } = deps;
  const { messageId, replyTo, jobs, expiresAt } = mail;
  const numbers = faxNumbersFromRecipients([...mail.mail.to, ...mail.mail.cc], policy).accepted.map(
    (a) => a.number,
  );
  const sent = new Set(jobs.map((job) => job.number));
  const missing = numbers.filter((number) => !sent.has(number));
  const at = clock.now().toISOString();
  const pages = jobs[0]?.pages ?? 0;
  const notSent: string[] = [];
  for (const number of missing) {
    const recorded = await ledger.recordNotSent(
      {
        ...replyTo,
        messageId,
        number,
        attemptId: randomUUID(),
        sendStartedAt: at,
        pages,
        expiresAt,
        // The jobs there will then be: the report waits until each is written.
        mailNumbers: jobs.length + missing.length,
      },
      { cause: cause.forSender, at },
    );
    if (recorded) notSent.push(number);
  }
  metrics.count('MailGaveUp');
  if (missing.length === 0) {
    // Every number has its job (what failed came after the sends, e.g. the queued reply): the
    // poller's report answers the sender, and the mail's record stays as it was.
    log.error('Mail given up after every number was sent; the status poller reports them', {
      messageId,
      cause: cause.forAdmin,
    });
    return;
  }
  log.error('Mail given up after part of it was sent; the numbers never sent are recorded as not sent', {
    messageId,
    cause: cause.forAdmin,
    notSent,
    numbers: numbers.length,
  });
  await ledger.recordMailOutcome(messageId, {
    outcome: 'FAILED',
    sender: replyTo.sender,
    reason: 'partly-sent',
    detail: `${cause.forAdmin}; ${missing.length} of ${numbers.length} numbers not sent (${missing.join(', ')}), the others were handed to faxrocks and the status poller reports them`,
    decidedAt: at,
    numbers,
    pages,
  });
}

export type { InboundMail };
