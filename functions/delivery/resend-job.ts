// An admin's resend of one job (`faxgate jobs resend`): a FAILED or UNKNOWN number of a mail is
// sent again as a new attempt, through the same attempt code as every re-dial, so the status poller
// follows it and the sender gets a report for it.
//
// Primary course:
//   1. Read the job: it must exist and have ended FAILED or UNKNOWN (never a delivered one, never
//      one still in progress), and still be the attempt the admin saw.
//   2. The destination rules apply as to a new mail (they may have changed since).
//   3. The document kept for later attempts must still be there.
//   4. The cost guards count the new attempt (sender's daily pages, the daily cost ceiling).
//   5. Claim the new attempt with a conditional write (one resend wins), POST /send once, record
//      the answer. Certainly not taken (throttled, unreachable): the attempt is given back and the
//      poller makes it when faxrocks takes faxes again.

import { randomUUID } from 'node:crypto';
import { type AttemptRecord, attemptOf, type FaxJob, MAX_RECORDED_ATTEMPTS } from '../domain/fax-job.ts';
import { checkDestination, type NumberPolicy } from '../domain/fax-numbers.ts';
import type { Clock, DailyUsage, FaxApi, JobLedger, Log, MetricsSink, PreparedDocuments } from '../ports.ts';
import { type AttemptGuards, checkAttemptGuards, correctAttemptReservation } from './attempt-guards.ts';
import { sendAttempt } from './send-attempt.ts';

export interface ResendDeps {
  ledger: JobLedger;
  faxApi: FaxApi;
  documents?: PreparedDocuments;
  usage?: DailyUsage;
  guards?: AttemptGuards;
  /** The gateway's destination rules (GatewayPolicy's). */
  destinations: Pick<NumberPolicy, 'allowedPrefixes' | 'blockedPrefixes' | 'allowedNumberTypes'>;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
}

export interface ResendRequest {
  messageId: string;
  number: string;
  /** The attempt the admin was shown: a job that moved on since is not resent. */
  fromAttemptId?: string;
}

/** Why nothing was sent: the job's state, the rules, the document, a guard, or a race. */
export type ResendRefusal =
  | 'no-such-job'
  | 'delivered'
  | 'in-progress'
  | 'changed'
  | 'destination'
  | 'no-document'
  | 'cost-guard'
  | 'too-many-attempts'
  | 'not-supported';

export type ResendResult =
  | { status: 'refused'; refusal: ResendRefusal; reason: string }
  | { status: 'queued'; attempt: number; pages: number; estimatedCost?: number }
  | { status: 'unconfirmed'; attempt: number; reason: string }
  | { status: 'provider-refused'; attempt: number; reason: string }
  | { status: 'deferred'; attempt: number; reason: string; dueAt: string };

export async function resendJob(deps: ResendDeps, request: ResendRequest): Promise<ResendResult> {
  const { ledger, clock, log } = deps;
  const { messageId, number } = request;
  const refused = (refusal: ResendRefusal, reason: string): ResendResult => {
    log.info('resend refused', { messageId, number, refusal, reason });
    return { status: 'refused', refusal, reason };
  };
  if (!ledger.claimResend) return refused('not-supported', 'this job ledger cannot resend');
  const job = await ledger.getJob(messageId, number);
  if (!job) return refused('no-such-job', `the mail ${messageId} has no job for ${number}`);
  if (job.state === 'DELIVERED') {
    return refused('delivered', `${number} was delivered (fax ${job.faxId ?? '?'}); it is not sent twice`);
  }
  if (job.state !== 'FAILED' && job.state !== 'UNKNOWN') {
    return refused('in-progress', `${number} is still in progress (${job.state}); the poller follows it`);
  }
  if (request.fromAttemptId && request.fromAttemptId !== job.attemptId) {
    return refused('changed', `${number} changed since it was shown (another attempt was made)`);
  }
  if ((job.attempts?.length ?? 0) >= MAX_RECORDED_ATTEMPTS) {
    return refused(
      'too-many-attempts',
      `${number} has had ${attemptOf(job)} attempts, as many as a job keeps`,
    );
  }
  const destination = checkDestination(number, deps.destinations);
  if (!destination.ok) return refused('destination', destination.detail);
  const document = await deps.documents?.get(messageId);
  if (!document) {
    return refused('no-document', "the mail's document is no longer kept (expired, or never kept)");
  }
  const now = clock.now();
  const guard = await checkAttemptGuards(deps.usage, deps.guards, job, now);
  if (guard) return refused('cost-guard', guard);

  const attemptId = randomUUID();
  const sendStartedAt = clock.now().toISOString();
  const finished = endedAttempt(job);
  const won = await ledger.claimResend(messageId, number, job.attemptId, {
    attemptId,
    sendStartedAt,
    ...(finished ? { finished } : {}),
    ...(job.notifiedAt ? { reportedAt: job.notifiedAt } : {}),
  });
  if (!won) return refused('changed', `${number} changed while it was being resent; nothing was sent`);
  const attempt = attemptOf(job) + 1;
  deps.metrics.count('AttemptsSent', { cause: 'resend' });
  log.info('resending a job', { messageId, number, attempt });
  const answer = await sendAttempt(
    { faxApi: deps.faxApi, ledger, clock, log, metrics: deps.metrics },
    { messageId, numbers: [number], attemptId, pages: job.pages, document, laterAttempt: true },
  );
  const result = answer.get(number);
  await correctAttemptReservation(deps.usage, deps.guards, job, now, result);
  switch (result?.status) {
    case 'queued':
      return {
        status: 'queued',
        attempt,
        pages: result.pages,
        ...(result.estimatedCost !== undefined ? { estimatedCost: result.estimatedCost } : {}),
      };
    case 'unconfirmed':
      return { status: 'unconfirmed', attempt, reason: result.reason };
    case 'refused':
      return { status: 'provider-refused', attempt, reason: result.reason };
    default: {
      // Certainly not accepted: the attempt is given back and made by the poller later.
      const waitSeconds = Math.max(60, result?.retryAfterSeconds ?? 0);
      const dueAt = new Date(clock.now().getTime() + waitSeconds * 1000).toISOString();
      const reason = result?.reason ?? 'faxrocks did not answer for this number';
      await ledger.deferRetry(messageId, number, attemptId, { dueAt, reason });
      return { status: 'deferred', attempt, reason, dueAt };
    }
  }
}

/**
 * The ended attempt as the history keeps it; undefined when the history holds it already (a job
 * that ended while a re-dial was due: its last attempt was recorded when the re-dial was planned).
 */
function endedAttempt(job: FaxJob): AttemptRecord | undefined {
  if (job.attempts?.some((a) => a.attemptId === job.attemptId)) return undefined;
  return {
    attempt: attemptOf(job),
    attemptId: job.attemptId,
    cause: job.retryCause ?? (attemptOf(job) === 1 ? 'first' : 'not-sent'),
    startedAt: job.sendStartedAt,
    sendAnswer: job.queuedAt || job.faxId ? 'queued' : job.outcomeUnknown ? 'unknown' : 'refused',
    ...(job.faxId ? { faxId: job.faxId } : {}),
    outcome: job.state === 'UNKNOWN' ? 'unknown' : 'failed',
    ...(job.error ? { error: job.error } : {}),
    ...(job.pagesSent !== undefined ? { pagesSent: job.pagesSent } : {}),
    ...(job.price ? { price: job.price } : {}),
    endedAt: job.finishedAt ?? job.sendStartedAt,
  };
}
