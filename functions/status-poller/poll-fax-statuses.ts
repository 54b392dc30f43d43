// The status poller: tells every sender how each fax ended.
//
// Primary course:
//   1. Load the open jobs (an index query, never a scan). None: stop, no /faxes request.
//   2. Jobs already final but not yet notified (a crash after recording the outcome): email them.
//   3. Read GET /faxes newest first, only as far back as the oldest followed job needs (less clock
//      skew). A page out of order makes the stop unsafe: read on to the page limit and warn.
//   4. Match faxes to jobs without one (number, pages, time, first come first served) and claim
//      each fax id with a conditional write; a lost claim re-matches with that fax taken.
//   5. Final faxes (status true: DELIVERED; error: FAILED): record, fetch the receipt, email the
//      sender, then mark notified. Email before the write: a crash repeats the email, never loses it.
//   6. Ambiguous sends not found in time, and faxes pending too long: UNKNOWN, and the sender is told.
// Transient faxrocks faults while reading /faxes leave every job as it was for the next run.

import { randomUUID } from 'node:crypto';
import { isTransientFaxrocksError } from '../adapters/faxrocks/errors.ts';
import type { PollerPolicy } from '../config.ts';
import { type FaxJob, type FaxOutcome, isFinal as isFinalState } from '../domain/fax-job.ts';
import {
  compareSendOrder,
  type FaxMatch,
  faxResult,
  isNewestFirst,
  matchFaxesToJobs,
  oldestCreatedAt,
  providerTime,
} from '../domain/fax-matching.ts';
import { composeOutcomeReply, type OutcomeReceipt } from '../domain/replies/outcome.ts';
import type { ReplyStyle } from '../domain/replies/style.ts';
import { ConflictError, TransientError } from '../errors.ts';
import type {
  Clock,
  FaxApi,
  FaxRecord,
  JobLedger,
  Log,
  Mailer,
  MetricsSink,
  NotificationLease,
  OutgoingMail,
} from '../ports.ts';

/** Longer than one outcome email takes (receipt download and send), short enough to retry soon. */
export const DEFAULT_NOTIFICATION_LEASE_SECONDS = 180;

/** Ledger writes, receipt downloads and emails in flight at once: enough to hide round trips. */
export const DEFAULT_POLLER_CONCURRENCY = 8;

export interface PollerDeps {
  ledger: JobLedger;
  faxApi: FaxApi;
  mailer: Mailer;
  policy: PollerPolicy;
  /** The gateway's reply address (GatewayPolicy.replyFrom). */
  replyFrom: string;
  /** How outcome emails write prices (GatewayPolicy.priceCurrency); default EUR. */
  replyStyle?: ReplyStyle;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
  /**
   * One poller at a time per outcome email. Without it two pollers running at once may both email
   * an outcome; with it, a crash between the email and markNotified repeats the email once the
   * lease has run out.
   */
  notificationLease?: NotificationLease;
  /** Jobs (or number groups) worked on side by side; default DEFAULT_POLLER_CONCURRENCY. */
  concurrency?: number;
  /**
   * When to stop starting new work (the Lambda's remaining time, less a margin): what is in flight
   * finishes, the rest waits for the next run, and nothing is left half done.
   */
  deadline?: Date;
  /** How long a lease holds; default DEFAULT_NOTIFICATION_LEASE_SECONDS. */
  notificationLeaseSeconds?: number;
  /**
   * Which errors from reading /faxes are worth waiting out (5xx, 429, time-outs). Defaults to the
   * faxrocks client's own classification.
   */
  isTransient?: (error: unknown) => boolean;
}

export interface PollReport {
  /** Jobs the open-jobs index returned. */
  openJobs: number;
  /** GET /faxes pages read. */
  pagesRead: number;
  /** Faxes newly tied to a job. */
  matched: number;
  delivered: number;
  failed: number;
  unknown: number;
  /** Outcome emails sent (silent jobs are closed without one and not counted). */
  notified: number;
  /** Receipts that could not be downloaded (the outcome went out without). */
  receiptFailures: number;
  /** Outcome emails that could not be sent (the job stays open; the next run tries again). */
  notifyFailures: number;
  /** True when /faxes could not be read for a transient fault and jobs were left as they were. */
  faxListUnavailable: boolean;
  /** True when the deadline stopped the run before all work was done. */
  stoppedEarly: boolean;
}

export async function pollFaxStatuses(deps: PollerDeps): Promise<PollReport> {
  const report: PollReport = {
    openJobs: 0,
    pagesRead: 0,
    matched: 0,
    delivered: 0,
    failed: 0,
    unknown: 0,
    notified: 0,
    receiptFailures: 0,
    notifyFailures: 0,
    faxListUnavailable: false,
    stoppedEarly: false,
  };
  const run: PollRun = { ...deps, holder: randomUUID(), report };
  const open = await deps.ledger.listOpenJobs();
  report.openJobs = open.length;
  if (open.length === 0) return report;

  // 2. Outcomes recorded by an earlier run that did not get to mark them notified.
  const unnotified = open.filter((job) => isFinalState(job.state) && !job.notifiedAt);
  await forEachConcurrently(run, unnotified, (job) => notifySender(run, job));

  const now = deps.clock.now().getTime();
  const unknownAfterMs = deps.policy.unknownSendAfterMinutes * 60_000;
  // A SENDING job without a recorded doubt may belong to an inbound run that is still busy: it is
  // only followed once it is older than any inbound run can be (then it crashed after /send).
  const followed = open
    .filter((job) => !isFinalState(job.state))
    .filter(
      (job) =>
        job.state !== 'SENDING' ||
        job.outcomeUnknown ||
        now - Date.parse(job.sendStartedAt) >= unknownAfterMs,
    )
    .sort(compareSendOrder);
  if (followed.length === 0 || !inTime(run)) return report;

  // 3. Read /faxes back to the oldest followed job's send (less skew).
  const skewMs = deps.policy.clockSkewSeconds * 1000;
  // Followed jobs are in send order: the first one reaches back furthest.
  const since = Date.parse(followed[0]?.sendStartedAt ?? '') - skewMs;
  // When every followed job already holds its fax (the steady state between polls), nothing is
  // left to match: the listing is read only until each of those faxes has been seen.
  const awaited = followed.every((job) => job.faxId)
    ? new Set(followed.map((job) => job.faxId as string))
    : undefined;
  let faxes: FaxRecord[];
  try {
    faxes = await readFaxesSince(deps, since, report, awaited);
  } catch (error) {
    if (!(deps.isTransient ?? defaultIsTransient)(error)) throw error;
    report.faxListUnavailable = true;
    deps.metrics.count('FaxListUnavailable');
    deps.log.warn('faxrocks /faxes unavailable; jobs left for the next run', {
      error: describeError(error),
      openJobs: open.length,
    });
    return report;
  }
  const faxById = new Map(faxes.map((fax) => [fax.id, fax]));

  // 4. Match and claim.
  const current = new Map(followed.map((job) => [jobKey(job), job]));
  const claimed = new Set(open.flatMap((job) => (job.faxId ? [job.faxId] : [])));
  // Jobs of one number and page count compete for the same faxes, so each such group claims in
  // send order; groups are independent and claim side by side. Each round either claims all it
  // matched or loses a claim and takes that fax off the table: at most as many rounds as faxes.
  for (let round = 0; round <= faxes.length && inTime(run); round++) {
    const seeking = [...current.values()].filter((job) => !job.faxId);
    const matches = matchFaxesToJobs(seeking, faxes, { clockSkewMs: skewMs, claimedFaxIds: claimed });
    const groups = new Map<string, FaxMatch<FaxJob>[]>();
    for (const match of matches) {
      const key = `${match.job.number}#${match.job.pages}`;
      const group = groups.get(key);
      if (group) group.push(match);
      else groups.set(key, [match]);
    }
    let lost = false;
    await forEachConcurrently(run, [...groups.values()], async (group) => {
      for (const { job, fax } of group) {
        const holder = await deps.ledger.claimFax(fax.id, { messageId: job.messageId, number: job.number });
        claimed.add(fax.id);
        if (jobKey(holder) === jobKey(job)) {
          await attach(deps, current, job, fax.id, report);
          continue;
        }
        // Another job holds it (another poller, or a job already closed): this group matches
        // again next round with that fax taken.
        deps.log.info('fax already claimed by another job', { faxId: fax.id, job: jobKey(job) });
        // A holder that claimed but never attached (a crash in between) gets its fax now.
        const holderJob = current.get(jobKey(holder));
        if (holderJob && !holderJob.faxId) await attach(deps, current, holderJob, fax.id, report);
        lost = true;
        return;
      }
    });
    if (!lost) break;
  }

  // 5 and 6. Settle what is final; give up on what waited too long.
  const pendingTimeoutMs = deps.policy.pendingTimeoutMinutes * 60_000;
  await forEachConcurrently(run, [...current.values()], async (job) => {
    const fax = job.faxId ? faxById.get(job.faxId) : undefined;
    const result = fax ? faxResult(fax) : 'PENDING';
    let outcome: FaxOutcome | undefined;
    if (fax && result !== 'PENDING') {
      outcome = {
        state: result,
        finishedAt: finishedAtOf(fax, now),
        price: fax.price ?? undefined,
        pagesSent: fax.pagesSent ?? undefined,
        error: result === 'FAILED' ? (fax.error ?? undefined) : undefined,
      };
    } else if (job.state === 'SENDING' && now - Date.parse(job.sendStartedAt) >= unknownAfterMs) {
      outcome = {
        state: 'UNKNOWN',
        finishedAt: new Date(now).toISOString(),
        error: `not found in the faxrocks fax list within ${deps.policy.unknownSendAfterMinutes} minutes of an interrupted send`,
      };
    } else if (
      job.state === 'QUEUED' &&
      now - Date.parse(job.queuedAt ?? job.faxFoundAt ?? job.sendStartedAt) >= pendingTimeoutMs
    ) {
      outcome = {
        state: 'UNKNOWN',
        finishedAt: new Date(now).toISOString(),
        error: `still pending after ${deps.policy.pendingTimeoutMinutes} minutes`,
      };
    }
    if (!outcome) return;

    try {
      await deps.ledger.recordOutcome(job.messageId, job.number, outcome);
    } catch (error) {
      // Another poller recorded a different outcome first; that poller sends the email.
      if (error instanceof ConflictError) return;
      throw error;
    }
    countOutcome(deps, outcome, report);
    await notifySender(run, { ...job, ...outcome });
  });

  // A poll that found nothing to do is routine: only a run that changed or missed something is news.
  const eventful =
    report.matched + report.delivered + report.failed + report.unknown + report.notified > 0 ||
    report.receiptFailures + report.notifyFailures > 0 ||
    report.faxListUnavailable ||
    report.stoppedEarly;
  deps.log[eventful ? 'info' : 'debug']('poll finished', { ...report });
  return report;
}

async function attach(
  deps: PollerDeps,
  current: Map<string, FaxJob>,
  job: FaxJob,
  faxId: string,
  report: PollReport,
): Promise<void> {
  const at = deps.clock.now().toISOString();
  try {
    await deps.ledger.attachFax(job.messageId, job.number, faxId, at);
  } catch (error) {
    // The job holds another fax already (attached by a run that saw more): that one stands, and
    // this run leaves the job alone rather than act on a stale view; the next run reads it afresh.
    if (!(error instanceof ConflictError)) throw error;
    deps.log.warn('job already holds another fax; claim left unused', { faxId, job: jobKey(job) });
    current.delete(jobKey(job));
    return;
  }
  report.matched++;
  current.set(jobKey(job), {
    ...job,
    faxId,
    faxFoundAt: at,
    state: 'QUEUED',
    outcomeUnknown: undefined,
    queuedAt: job.queuedAt ?? at,
  });
  if (job.outcomeUnknown) deps.log.info('ambiguous send found in /faxes', { faxId, job: jobKey(job) });
}

/**
 * GET /faxes pages, newest first, until a page reaches back past `since`, every `awaited` fax id
 * has been seen, the last page, or the cap.
 */
async function readFaxesSince(
  deps: PollerDeps,
  since: number,
  report: PollReport,
  awaited?: Set<string>,
): Promise<FaxRecord[]> {
  const faxes: FaxRecord[] = [];
  let inOrder = true;
  let previousOldest: number | undefined;
  let reachedBack = false;
  for await (const page of deps.faxApi.listFaxPages({ perPage: deps.policy.pageSize })) {
    report.pagesRead++;
    faxes.push(...page.faxes);
    if (awaited) {
      for (const fax of page.faxes) awaited.delete(fax.id);
      if (awaited.size === 0) {
        reachedBack = true;
        break;
      }
    }
    if (inOrder && !isNewestFirst(page.faxes, previousOldest)) {
      inOrder = false;
      deps.log.warn('faxrocks /faxes is not newest first; reading on to the page limit', {
        page: page.page,
        maxPages: deps.policy.maxPages,
      });
    }
    const oldest = oldestCreatedAt(page.faxes);
    if (oldest !== undefined) previousOldest = Math.min(previousOldest ?? oldest, oldest);
    if (inOrder && oldest !== undefined && oldest < since) {
      reachedBack = true;
      break;
    }
    if (!page.hasNext) {
      reachedBack = true;
      break;
    }
    if (report.pagesRead >= deps.policy.maxPages) break;
  }
  if (!reachedBack) {
    deps.log.warn('stopped reading /faxes at the page limit before reaching the oldest open job', {
      pagesRead: report.pagesRead,
      maxPages: deps.policy.maxPages,
    });
  }
  return faxes;
}

/** Emails the recorded outcome (receipt attached when there is one), then marks the job notified. */
async function notifySender(run: PollRun, job: FaxJob): Promise<void> {
  const { report, ...deps } = run;
  const key = jobKey(job);
  if (deps.notificationLease) {
    const now = deps.clock.now();
    const leaseMs = (deps.notificationLeaseSeconds ?? DEFAULT_NOTIFICATION_LEASE_SECONDS) * 1000;
    const until = new Date(now.getTime() + leaseMs);
    if (!(await deps.notificationLease.acquire(job, run.holder, now, until))) {
      deps.log.info('another poller is emailing this outcome', { job: key });
      return;
    }
    // The job may have been notified since it was listed (a slow run racing a fast one).
    const fresh = await deps.ledger.getJob(job.messageId, job.number);
    if (!fresh || fresh.notifiedAt) return;
  }
  if (!job.silent) {
    const receipt: OutcomeReceipt = {};
    if (job.faxId && (job.state === 'DELIVERED' || job.state === 'FAILED')) {
      try {
        receipt.pdf = await deps.faxApi.downloadReceipt(job.faxId);
      } catch (error) {
        receipt.unavailable = true;
        report.receiptFailures++;
        deps.metrics.count('ReceiptDownloadsFailed');
        deps.log.warn('receipt download failed; sending the outcome without it', {
          job: key,
          faxId: job.faxId,
          error: describeError(error),
        });
      }
    }
    const reply = composeOutcomeReply(job, receipt, deps.replyStyle);
    const references = [...(job.references ?? [])];
    if (job.originalMessageId && !references.includes(job.originalMessageId)) {
      references.push(job.originalMessageId);
    }
    const mail: OutgoingMail = {
      from: deps.replyFrom,
      to: { address: job.sender },
      subject: reply.subject,
      text: reply.text,
      attachments: reply.attachments,
      ...(job.originalMessageId ? { inReplyTo: job.originalMessageId } : {}),
      ...(references.length > 0 ? { references } : {}),
    };
    try {
      await deps.mailer.send(mail);
    } catch (error) {
      // The job stays open with its outcome recorded: the next run sends the email again.
      report.notifyFailures++;
      deps.metrics.count('OutcomeRepliesFailed');
      deps.log.error('outcome email failed; will retry next run', { job: key, error: describeError(error) });
      return;
    }
    report.notified++;
    deps.metrics.count('OutcomeRepliesSent');
  }
  try {
    await deps.ledger.markNotified(job.messageId, job.number, deps.clock.now().toISOString());
  } catch (error) {
    // The email went out; the job stays open and the next run repeats it (never loses it).
    deps.log.error('marking notified failed; the outcome email may repeat', {
      job: key,
      error: describeError(error),
    });
  }
}

/** One run of the poller: its dependencies, its lease holder id, and what it did. */
interface PollRun extends PollerDeps {
  holder: string;
  report: PollReport;
}

function countOutcome(deps: PollerDeps, outcome: FaxOutcome, report: PollReport): void {
  if (outcome.state === 'DELIVERED') {
    report.delivered++;
    deps.metrics.count('FaxesDelivered');
  } else if (outcome.state === 'FAILED') {
    report.failed++;
    deps.metrics.count('FaxesFailed');
  } else {
    report.unknown++;
    deps.metrics.count('JobsUnknown');
  }
}

/** When the fax ended: faxrocks' send time for a delivery, else its last update, else now. */
function finishedAtOf(fax: FaxRecord, now: number): string {
  if (fax.status === true && typeof fax.sentAt === 'number') return new Date(fax.sentAt * 1000).toISOString();
  const updated = providerTime(fax.updatedAt);
  return new Date(Number.isNaN(updated) ? now : updated).toISOString();
}

/** False once the run's deadline has passed: nothing new is started, the next run carries on. */
function inTime(run: PollRun): boolean {
  if (!run.deadline || run.clock.now() < run.deadline) return true;
  if (!run.report.stoppedEarly) {
    run.report.stoppedEarly = true;
    run.log.warn('poll deadline reached; the rest is left for the next run', { deadline: run.deadline });
  }
  return false;
}

/**
 * Runs `work` for every item, `run.concurrency` at a time, while the run is in time. The first
 * error stops new work, waits for what is in flight, and is rethrown.
 */
async function forEachConcurrently<T>(run: PollRun, items: readonly T[], work: (item: T) => Promise<void>) {
  const limit = Math.max(1, Math.floor(run.concurrency ?? DEFAULT_POLLER_CONCURRENCY));
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length && inTime(run)) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

function jobKey(job: { messageId: string; number: string }): string {
  return `${job.messageId}/${job.number}`;
}

/** The error's kind and message: the client keeps tokens and bodies out of its messages. */
function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** 5xx, 429, time-outs and network faults, and a token store that did not answer. */
function defaultIsTransient(error: unknown): boolean {
  return isTransientFaxrocksError(error) || error instanceof TransientError;
}
