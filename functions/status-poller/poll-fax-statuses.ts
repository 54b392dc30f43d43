// The status poller: follows every fax until it ended, makes the next attempt when one is due, and
// tells every sender once, per mail, how it all ended.
//
// Primary course:
//   1. Load the open jobs (an index query, never a scan). None: stop, no /faxes request.
//   2. Mails whose jobs are all final but not yet reported (a crash after recording): report them.
//   3. Attempts that are due (RETRY_DUE, dueAt passed): pass the cost guards, claim the attempt with
//      a conditional write (one poller wins), POST /send once, record the answer.
//   4. Read GET /faxes newest first, only as far back as the oldest followed job needs (less clock
//      skew). A page out of order makes the stop unsafe: read on to the page limit and warn.
//   5. Match faxes to jobs without one (number, pages, time, first come first served; confirmed
//      sends before ambiguous ones) and claim each fax id with a conditional write.
//   6. Final faxes: delivered, or failed; a failure worth re-dialling becomes RETRY_DUE with a due
//      time (the re-dial table decides). An ambiguous send missing from complete reads over the
//      settle window was never created: RETRY_DUE at once. Faxes pending too long: UNKNOWN.
//   7. Each mail whose jobs are now all final (a job for every number of it: numbers a mail that
//      gave up never sent are final "not sent") gets its one report (receipts attached), then its
//      jobs are marked notified. Email before the write: a crash repeats it, never loses it.
// Transient faxrocks faults while reading /faxes leave every job as it was for the next run.

import { randomUUID } from 'node:crypto';
import type { PollerPolicy } from '../config.ts';
import {
  type AttemptGuards,
  checkAttemptGuards,
  correctAttemptReservation,
} from '../delivery/attempt-guards.ts';
import { type AttemptAnswer, sendAttempt } from '../delivery/send-attempt.ts';
import {
  type AttemptRecord,
  attemptOf,
  attemptsMade,
  type FaxJob,
  type FaxOutcome,
  isFinal as isFinalState,
  MAX_RECORDED_ATTEMPTS,
} from '../domain/fax-job.ts';
import {
  compareSendOrder,
  type FaxMatch,
  faxResult,
  isNewestFirst,
  matchFaxesToJobs,
  oldestCreatedAt,
  providerTime,
} from '../domain/fax-matching.ts';
import {
  classifyFaxError,
  DEFAULT_REDIAL_SCHEDULE,
  type FailedAttempt,
  hours,
  redialDecision,
} from '../domain/redial-policy.ts';
import { composeMailReport, type OutcomeReceipt } from '../domain/replies/outcome.ts';
import type { ReplyStyle } from '../domain/replies/style.ts';
import { ConflictError, ProviderAccessDeniedError, TransientError } from '../errors.ts';
import type {
  Clock,
  DailyUsage,
  FaxApi,
  FaxRecord,
  JobLedger,
  Log,
  Mailer,
  MetricsSink,
  NotificationLease,
  OutgoingMail,
  PreparedDocuments,
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
   * port's: a TransientError other than ProviderAccessDeniedError.
   */
  isTransient?: (error: unknown) => boolean;
  /** The documents later attempts are sent with. Without it no attempt after the first is made. */
  documents?: PreparedDocuments;
  /** The cost guards' counters: every attempt counts. Needed when a guard is on. */
  usage?: DailyUsage;
  /** The gateway's cost guards (GatewayPolicy's values); 0 turns one off. */
  guards?: AttemptGuards;
}

export const DEFAULT_SETTLE_WINDOW_MINUTES = 10;

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
  /** Failed faxes (and sends proven never made) given a new attempt, due later. */
  retriesScheduled: number;
  /** New attempts sent (POST /send) in this run. */
  attemptsSent: number;
  /** Mail reports sent (silent mails are closed without one and not counted). */
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
    retriesScheduled: 0,
    attemptsSent: 0,
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

  // 2. Mails whose jobs all ended in an earlier run that did not get to report them.
  const touched = new Set(
    open.filter((job) => isFinalState(job.state) && !job.notifiedAt).map((j) => j.messageId),
  );
  await forEachConcurrently(run, [...touched], (messageId) => reportMail(run, messageId));
  touched.clear();

  const now = deps.clock.now().getTime();
  const schedule = deps.policy.redial ?? DEFAULT_REDIAL_SCHEDULE;

  // 3. Attempts that are due.
  const due = open.filter((job) => job.state === 'RETRY_DUE' && Date.parse(job.dueAt ?? '') <= now);
  await forEachConcurrently(run, due, async (job) => {
    if (await makeAttempt(run, job, schedule)) touched.add(job.messageId);
  });

  const unknownAfterMs = deps.policy.unknownSendAfterMinutes * 60_000;
  // A SENDING job without a recorded doubt may belong to a run that is still busy: it is only
  // followed once it is older than any run can be (then it crashed around /send). Due attempts
  // claimed just now are followed from the next run on.
  const claimedNow = new Set(due.map(jobKey));
  const followed = open
    .filter((job) => job.state === 'SENDING' || job.state === 'QUEUED')
    .filter((job) => !claimedNow.has(jobKey(job)))
    .filter(
      (job) =>
        job.state !== 'SENDING' ||
        job.outcomeUnknown ||
        now - Date.parse(job.sendStartedAt) >= unknownAfterMs,
    )
    // A fax for later that holds its fax id is pending until its time: reading /faxes back to its
    // creation on every poll until then would tell nothing new.
    .filter((job) => !(job.state === 'QUEUED' && job.faxId && scheduledAfter(job, now)))
    .map((job) => ({ ...job, ambiguous: job.state === 'SENDING' }))
    .sort(compareSendOrder);
  if (followed.length === 0 || !inTime(run)) {
    await forEachConcurrently(run, [...touched], (messageId) => reportMail(run, messageId));
    return report;
  }

  // 4. Read /faxes back to the oldest followed job's send (less skew).
  const skewMs = deps.policy.clockSkewSeconds * 1000;
  // Followed jobs are in send order: the first one reaches back furthest.
  const since = Date.parse(followed[0]?.sendStartedAt ?? '') - skewMs;
  // When every followed job already holds its fax (the steady state between polls), nothing is
  // left to match: the listing is read only until each of those faxes has been seen.
  const awaited = followed.every((job) => job.faxId)
    ? new Set(followed.map((job) => job.faxId as string))
    : undefined;
  let listing: FaxListing;
  try {
    listing = await readFaxesSince(deps, since, report, awaited);
  } catch (error) {
    if (!(deps.isTransient ?? defaultIsTransient)(error)) throw error;
    report.faxListUnavailable = true;
    deps.metrics.count('FaxListUnavailable');
    deps.log.warn('faxrocks /faxes unavailable; jobs left for the next run', {
      error: describeError(error),
      openJobs: open.length,
    });
    await forEachConcurrently(run, [...touched], (messageId) => reportMail(run, messageId));
    return report;
  }
  const { faxes } = listing;
  const faxById = new Map(faxes.map((fax) => [fax.id, fax]));

  // 5. Match and claim. Faxes of earlier attempts are never offered to a later one.
  const current = new Map(followed.map((job) => [jobKey(job), job]));
  const claimed = new Set(
    open.flatMap((job) => [
      ...(job.faxId ? [job.faxId] : []),
      ...(job.attempts ?? []).flatMap((a) => (a.faxId ? [a.faxId] : [])),
    ]),
  );
  // Jobs of one number and page count compete for the same faxes, so each such group claims in
  // send order; groups are independent and claim side by side. Each round either claims all it
  // matched or loses a claim and takes that fax off the table: at most as many rounds as faxes.
  for (let round = 0; round <= faxes.length && inTime(run); round++) {
    const seeking = [...current.values()].filter((job) => !job.faxId);
    const matches = matchFaxesToJobs(seeking, faxes, { clockSkewMs: skewMs, claimedFaxIds: claimed });
    const groups = new Map<string, FaxMatch<FollowedJob>[]>();
    for (const match of matches) {
      const key = `${match.job.number}#${match.job.pages}`;
      const group = groups.get(key);
      if (group) group.push(match);
      else groups.set(key, [match]);
    }
    let lost = false;
    await forEachConcurrently(run, [...groups.values()], async (group) => {
      for (const { job, fax } of group) {
        const holder = await deps.ledger.claimFax(fax.id, {
          messageId: job.messageId,
          number: job.number,
          attemptId: job.attemptId,
        });
        claimed.add(fax.id);
        if (holdsClaim(holder, job)) {
          await attach(deps, current, job, fax.id, report);
          continue;
        }
        // Another job (or an earlier attempt of this one) holds it: this group matches again next
        // round with that fax taken.
        deps.log.info('fax already claimed by another job', { faxId: fax.id, job: jobKey(job) });
        // A holder that claimed but never attached (a crash in between) gets its fax now.
        const holderJob = current.get(jobKey(holder));
        if (holderJob && !holderJob.faxId && holdsClaim(holder, holderJob)) {
          await attach(deps, current, holderJob, fax.id, report);
        }
        lost = true;
        return;
      }
    });
    if (!lost) break;
  }

  // 6. Settle what is final; re-dial what is worth it; give up on what waited too long.
  const pendingTimeoutMs = deps.policy.pendingTimeoutMinutes * 60_000;
  const settleMs = (deps.policy.settleWindowMinutes ?? DEFAULT_SETTLE_WINDOW_MINUTES) * 60_000;
  const resendAmbiguous = deps.policy.resendAmbiguous ?? true;
  await forEachConcurrently(run, [...current.values()], async (job) => {
    const fax = job.faxId ? faxById.get(job.faxId) : undefined;
    const result = fax ? faxResult(fax) : 'PENDING';
    const nowIso = new Date(now).toISOString();
    let outcome: FaxOutcome | undefined;
    if (fax && result === 'FAILED') {
      const failed = failedAttempt(job, fax, nowIso);
      const decision = redialDecision(
        {
          failures: failuresOf(job, failed),
          attemptsMade: attemptsMade(job),
          firstAttemptAt: firstDialAt(job),
          now: new Date(now),
        },
        schedule,
      );
      if (decision.kind === 'redial' && (job.attempts?.length ?? 0) < MAX_RECORDED_ATTEMPTS) {
        if (await retryLater(run, job, failed, decision.dueAt, decision.reason)) {
          deps.log.info('failed fax will be re-dialled', {
            job: jobKey(job),
            reason: decision.reason,
            dueAt: decision.dueAt,
          });
        }
        return;
      }
      const worthIt = failed.class !== 'permanent' && failed.class !== 'unknown';
      outcome = {
        state: 'FAILED',
        finishedAt: finishedAtOf(fax, now),
        price: fax.price ?? undefined,
        pagesSent: fax.pagesSent ?? undefined,
        error: fax.error ?? undefined,
        ...(worthIt && decision.kind === 'final' ? { notRedialled: decision.why } : {}),
      };
    } else if (fax && result === 'DELIVERED') {
      outcome = {
        state: 'DELIVERED',
        finishedAt: finishedAtOf(fax, now),
        price: fax.price ?? undefined,
        pagesSent: fax.pagesSent ?? undefined,
      };
    } else if (!fax && job.state === 'SENDING' && resendAmbiguous && listing.complete) {
      // An ambiguous send: proven never created when complete reads of /faxes back past its send
      // time (less skew) did not find it on polls spread over the settle window. This rests on one
      // assumption: faxrocks lists a fax as soon as it has accepted it.
      let noted: FaxJob;
      try {
        noted = await deps.ledger.noteAbsent(job.messageId, job.number, job.attemptId, nowIso);
      } catch (error) {
        if (error instanceof ConflictError) return; // settled by another run meanwhile
        throw error;
      }
      const checks = noted.absentChecks ?? 0;
      if (checks < 2 || now - Date.parse(job.sendStartedAt) < settleMs) return;
      const finished: AttemptRecord = {
        ...attemptBase(job),
        sendAnswer: 'unknown',
        outcome: 'not-sent',
        error: `not in faxrocks' fax list over ${Math.round(settleMs / 60_000)} minutes: never created`,
        endedAt: nowIso,
      };
      if ((job.attempts?.length ?? 0) >= MAX_RECORDED_ATTEMPTS) {
        outcome = {
          state: 'FAILED',
          finishedAt: nowIso,
          error: finished.error,
          notRedialled: 'too many attempts',
        };
      } else {
        if (await retryLater(run, job, { record: finished }, nowIso, 'not-sent')) {
          deps.log.info('ambiguous send proven never created; sending it again', { job: jobKey(job) });
          deps.metrics.count('AmbiguousSendsResent');
        }
        return;
      }
    } else if (job.state === 'SENDING' && now - Date.parse(job.sendStartedAt) >= unknownAfterMs) {
      outcome = {
        state: 'UNKNOWN',
        finishedAt: new Date(now).toISOString(),
        error: `not found in the faxrocks fax list within ${deps.policy.unknownSendAfterMinutes} minutes of an interrupted send`,
      };
    } else if (job.state === 'QUEUED' && now - pendingSince(job) >= pendingTimeoutMs) {
      outcome = {
        state: 'UNKNOWN',
        finishedAt: new Date(now).toISOString(),
        error: `still pending after ${deps.policy.pendingTimeoutMinutes} minutes`,
      };
    }
    if (!outcome) return;

    try {
      await deps.ledger.recordOutcome(job.messageId, job.number, outcome, job.attemptId);
    } catch (error) {
      // Another poller recorded a different outcome first; that poller sends the report.
      if (error instanceof ConflictError) return;
      throw error;
    }
    countOutcome(deps, outcome, report);
    touched.add(job.messageId);
  });

  // 7. One report per mail whose jobs are now all final.
  await forEachConcurrently(run, [...touched], (messageId) => reportMail(run, messageId));

  // A poll that found nothing to do is routine: only a run that changed or missed something is news.
  const eventful =
    report.matched + report.delivered + report.failed + report.unknown + report.notified > 0 ||
    report.retriesScheduled + report.attemptsSent > 0 ||
    report.receiptFailures + report.notifyFailures > 0 ||
    report.faxListUnavailable ||
    report.stoppedEarly;
  deps.log[eventful ? 'info' : 'debug']('poll finished', { ...report });
  return report;
}

/** True for a fax for later whose time is still to come. */
function scheduledAfter(job: FaxJob, now: number): boolean {
  return job.schedule !== undefined && Date.parse(job.schedule.at) > now;
}

/** When the fax was first dialled, or will be: the first send, or its scheduled time if later. */
function firstDialAt(job: FaxJob): string {
  const first = job.firstSentAt ?? job.sendStartedAt;
  return job.schedule && Date.parse(job.schedule.at) > Date.parse(first) ? job.schedule.at : first;
}

/** From when a queued fax counts as pending: its queueing, or its scheduled time if later. */
function pendingSince(job: FaxJob): number {
  const queued = Date.parse(job.queuedAt ?? job.faxFoundAt ?? job.sendStartedAt);
  return job.schedule ? Math.max(queued, Date.parse(job.schedule.at)) : queued;
}

/** A followed job: confirmed (QUEUED) or ambiguous (SENDING) for matching. */
type FollowedJob = FaxJob & { ambiguous: boolean };

/** The claim is this job's, for this attempt (claims from before attempts name none). */
function holdsClaim(holder: { messageId: string; number: string; attemptId?: string }, job: FaxJob): boolean {
  return (
    jobKey(holder) === jobKey(job) && (holder.attemptId === undefined || holder.attemptId === job.attemptId)
  );
}

/** What the current attempt was, for its history. */
function attemptBase(job: FaxJob): Omit<AttemptRecord, 'sendAnswer' | 'outcome' | 'endedAt'> {
  return {
    attempt: attemptOf(job),
    attemptId: job.attemptId,
    cause: job.retryCause ?? (attemptOf(job) === 1 ? 'first' : 'not-sent'),
    startedAt: job.sendStartedAt,
  };
}

interface FailedNow extends FailedAttempt {
  record: AttemptRecord;
}

function failedAttempt(job: FaxJob, fax: FaxRecord, nowIso: string): FailedNow {
  return {
    class: classifyFaxError(fax.error, fax.pages, fax.pagesSent),
    record: {
      ...attemptBase(job),
      sendAnswer: job.queuedAt ? 'queued' : 'unknown',
      faxId: fax.id,
      outcome: 'failed',
      ...(fax.error ? { error: fax.error } : {}),
      ...(fax.pagesSent !== null ? { pagesSent: fax.pagesSent } : {}),
      ...(fax.price ? { price: fax.price } : {}),
      endedAt: nowIso,
    },
  };
}

/** The failed attempts so far, as the re-dial table reads them, this one last. */
function failuresOf(job: FaxJob, now: FailedAttempt): FailedAttempt[] {
  const earlier = (job.attempts ?? [])
    .filter((a) => a.outcome === 'failed')
    .map((a) => ({ class: classifyFaxError(a.error, job.pages, a.pagesSent) }));
  return [...earlier, now];
}

/** Finishes the current attempt and makes the next one due; false when another run moved it. */
async function retryLater(
  run: PollRun,
  job: FaxJob,
  failed: { record: AttemptRecord },
  dueAt: string,
  cause: AttemptRecord['cause'],
): Promise<boolean> {
  try {
    await run.ledger.scheduleRetry(job.messageId, job.number, job.attemptId, {
      finished: failed.record,
      dueAt,
      cause,
    });
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
  run.report.retriesScheduled++;
  run.metrics.count('RetriesScheduled', { cause });
  return true;
}

/**
 * A due attempt: within the window and the cost guards, with its document at hand, claimed by
 * this run alone (a conditional write), then sent once. True when the job ended final here.
 */
async function makeAttempt(
  run: PollRun,
  job: FaxJob,
  schedule: typeof DEFAULT_REDIAL_SCHEDULE,
): Promise<boolean> {
  const { ledger, clock, log } = run;
  const now = clock.now();
  const last = job.attempts?.[job.attempts.length - 1];
  const end = async (notRedialled: string): Promise<boolean> => {
    const outcome: FaxOutcome = {
      state: 'FAILED',
      finishedAt: now.toISOString(),
      ...(last?.error ? { error: last.error } : {}),
      ...(last?.pagesSent !== undefined ? { pagesSent: last.pagesSent } : {}),
      ...(last?.price ? { price: last.price } : {}),
      notRedialled,
    };
    try {
      await ledger.recordOutcome(job.messageId, job.number, outcome, job.attemptId);
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
    countOutcome(run, outcome, run.report);
    return true;
  };
  const windowEnd = Date.parse(firstDialAt(job)) + schedule.windowMinutes * 60_000;
  if (now.getTime() > windowEnd) {
    return end(`no attempt starts later than ${hours(schedule.windowMinutes)} after the first`);
  }
  if (!run.documents) return end('the document was not kept for another attempt');
  const document = await run.documents.get(job.messageId);
  if (!document) return end('the document is no longer kept');
  const guard = await checkAttemptGuards(run.usage, run.guards, job, now);
  if (guard) return end(`not re-dialled: ${guard}`);

  const attemptId = randomUUID();
  const sendStartedAt = clock.now().toISOString();
  if (!(await ledger.claimRetry(job.messageId, job.number, job.attemptId, { attemptId, sendStartedAt }))) {
    log.info('another poller made this attempt', { job: jobKey(job) });
    return false;
  }
  run.report.attemptsSent++;
  run.metrics.count('AttemptsSent', { cause: job.retryCause ?? 'not-sent' });
  const answer: AttemptAnswer = await sendAttempt(
    { faxApi: run.faxApi, ledger, clock, log, metrics: run.metrics },
    {
      messageId: job.messageId,
      numbers: [job.number],
      attemptId,
      pages: job.pages,
      document,
      laterAttempt: true,
      // A send proven never made, before its time: again for that time.
      ...(scheduledAfter(job, now.getTime()) && job.schedule ? { schedule: job.schedule } : {}),
    },
  );
  const result = answer.get(job.number);
  await correctAttemptReservation(run.usage, run.guards, job, now, result);
  if (result?.status === 'not-taken') {
    // Certainly not accepted (throttled, unreachable): the attempt is given back, not counted.
    const waitSeconds = Math.max(60, result.retryAfterSeconds ?? 0);
    await ledger.deferRetry(job.messageId, job.number, attemptId, {
      dueAt: new Date(clock.now().getTime() + waitSeconds * 1000).toISOString(),
      reason: result.reason,
    });
    return false;
  }
  if (result?.status === 'refused') {
    countOutcome(run, { state: 'FAILED', finishedAt: sendStartedAt }, run.report);
    return true;
  }
  return false;
}

/**
 * The mail's one report, once every job of it is final: each number's outcome, receipts attached.
 * Emailed before the jobs are marked notified, so a crash repeats it rather than losing it.
 */
async function reportMail(run: PollRun, messageId: string): Promise<void> {
  const { report, ...deps } = run;
  const jobs = await deps.ledger.listJobs(messageId);
  if (jobs.length === 0 || !jobs.every((job) => isFinalState(job.state))) return;
  if (jobs.every((job) => job.notifiedAt)) return;
  if (!everyNumberHasItsJob(jobs)) return;
  // An admin's resend reopens some jobs of a mail that was reported before: its report speaks of
  // those only, not again of the numbers the sender already heard about.
  const reported = jobs.some((job) => job.resentAt && !job.notifiedAt)
    ? jobs.filter((job) => !job.notifiedAt)
    : jobs;
  // Each resend's report is a report of its own: the first report's lease may still be held.
  const lastResend = reported
    .map((job) => job.resentAt)
    .filter(Boolean)
    .sort()
    .at(-1);
  const leaseKey = reported === jobs || !lastResend ? MAIL_REPORT : `${MAIL_REPORT}#${lastResend}`;
  if (deps.notificationLease) {
    const now = deps.clock.now();
    const leaseMs = (deps.notificationLeaseSeconds ?? DEFAULT_NOTIFICATION_LEASE_SECONDS) * 1000;
    const until = new Date(now.getTime() + leaseMs);
    if (!(await deps.notificationLease.acquire({ messageId, number: leaseKey }, run.holder, now, until))) {
      deps.log.info('another poller is emailing this report', { messageId });
      return;
    }
    // The mail may have been reported since it was listed (a slow run racing a fast one).
    const fresh = await deps.ledger.listJobs(messageId);
    if (reported.every((r) => fresh.find((job) => job.number === r.number)?.notifiedAt)) return;
  }
  const first = reported[0] as FaxJob;
  if (!first.silent) {
    const receipts = new Map<string, OutcomeReceipt>();
    for (const job of reported) {
      const receipt: OutcomeReceipt = {};
      if (job.faxId && (job.state === 'DELIVERED' || job.state === 'FAILED')) {
        try {
          receipt.pdf = await deps.faxApi.downloadReceipt(job.faxId);
        } catch (error) {
          receipt.unavailable = true;
          report.receiptFailures++;
          deps.metrics.count('ReceiptDownloadsFailed');
          deps.log.warn('receipt download failed; sending the outcome without it', {
            job: jobKey(job),
            faxId: job.faxId,
            error: describeError(error),
          });
        }
      }
      receipts.set(job.number, receipt);
    }
    const reply = composeMailReport(reported, receipts, deps.replyStyle);
    const references = [...(first.references ?? [])];
    if (first.originalMessageId && !references.includes(first.originalMessageId)) {
      references.push(first.originalMessageId);
    }
    const mail: OutgoingMail = {
      from: deps.replyFrom,
      to: { address: first.sender },
      subject: reply.subject,
      text: reply.text,
      attachments: reply.attachments,
      ...(first.originalMessageId ? { inReplyTo: first.originalMessageId } : {}),
      ...(references.length > 0 ? { references } : {}),
    };
    try {
      await deps.mailer.send(mail);
    } catch (error) {
      // The jobs stay open with their outcomes recorded: the next run sends the report again.
      report.notifyFailures++;
      deps.metrics.count('OutcomeRepliesFailed');
      deps.log.error('mail report failed; will retry next run', { messageId, error: describeError(error) });
      return;
    }
    report.notified++;
    deps.metrics.count('OutcomeRepliesSent');
  }
  for (const job of jobs) {
    if (job.notifiedAt) continue;
    try {
      await deps.ledger.markNotified(job.messageId, job.number, deps.clock.now().toISOString());
    } catch (error) {
      // The email went out; the job stays open and the next run repeats it (never loses it).
      deps.log.error('marking notified failed; the report may repeat', {
        job: jobKey(job),
        error: describeError(error),
      });
    }
  }
}

/**
 * A mail sent in batches has a job per number only once every batch was sent, or once the mail
 * gave up and recorded the numbers never sent: until then its report waits.
 */
function everyNumberHasItsJob(jobs: readonly FaxJob[]): boolean {
  const notSent = jobs.find((job) => job.notSent !== undefined);
  const expected = notSent?.mailNumbers ?? Math.max(0, ...jobs.map((job) => job.mailNumbers ?? 0));
  return jobs.length >= expected;
}

/** The lease key of a mail's report (a job key no number can take). */
const MAIL_REPORT = 'REPORT';

async function attach(
  deps: PollerDeps,
  current: Map<string, FollowedJob>,
  job: FollowedJob,
  faxId: string,
  report: PollReport,
): Promise<void> {
  const at = deps.clock.now().toISOString();
  try {
    await deps.ledger.attachFax(job.messageId, job.number, faxId, at, job.attemptId);
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
/** What one poll read of /faxes: complete when it reached back past `since` in trusted order. */
interface FaxListing {
  faxes: FaxRecord[];
  complete: boolean;
}

async function readFaxesSince(
  deps: PollerDeps,
  since: number,
  report: PollReport,
  awaited?: Set<string>,
): Promise<FaxListing> {
  const faxes: FaxRecord[] = [];
  let inOrder = true;
  let previousOldest: number | undefined;
  let reachedBack = false;
  let lastPageRead = false;
  for await (const page of deps.faxApi.listFaxPages({ perPage: deps.policy.pageSize })) {
    report.pagesRead++;
    faxes.push(...page.faxes);
    if (awaited) {
      for (const fax of page.faxes) awaited.delete(fax.id);
      if (awaited.size === 0) {
        // Every awaited fax seen: enough for jobs that hold one, not a proof of absence.
        return { faxes, complete: false };
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
      lastPageRead = true;
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
  // Out of order, only a listing read to its very end shows every fax.
  return { faxes, complete: reachedBack && (inOrder || lastPageRead) };
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

/**
 * 5xx, 429, time-outs and network faults, and a token store that did not answer. Not a refused
 * token: the next run would meet it again, so the invocation fails loudly instead.
 */
function defaultIsTransient(error: unknown): boolean {
  return error instanceof TransientError && !(error instanceof ProviderAccessDeniedError);
}
