// One attempt's POST /send and what it leaves in the ledger, for the inbound function (first
// attempts) and the status poller (later ones) alike. The caller has claimed the attempt for every
// number with a conditional write; /send runs once, and each error class says whether the fax may
// have gone:
//   - answered: QUEUED, with pages and estimated cost;
//   - may have reached faxrocks (time-out, 5xx, connection lost after writing): the attempt stays
//     SENDING with its doubt noted, and the poller settles it from /faxes; never repeated blindly;
//   - refused (422): FAILED at once;
//   - certainly not taken (throttled, unauthorised, unreachable): handed back to the caller, which
//     gives the attempt back (it is never counted as one that may have faxed).

import { type ScheduledSend, sendFields } from '../domain/send-time.ts';
import { ProviderRateLimitedError, SendOutcomeUnknownError, SendRefusedError } from '../errors.ts';
import type { Clock, FaxApi, JobLedger, Log, MetricsSink, QueuedFax } from '../ports.ts';

export type AttemptResult =
  | { status: 'queued'; pages: number; estimatedCost?: number }
  | { status: 'unconfirmed'; pages: number; reason: string }
  | { status: 'refused'; reason: string }
  | { status: 'not-taken'; reason: string; retryAfterSeconds?: number; cause: unknown };

/** Each number's result. */
export type AttemptAnswer = Map<string, AttemptResult>;

export interface SendAttemptDeps {
  faxApi: FaxApi;
  ledger: JobLedger;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
}

export interface AttemptToSend {
  messageId: string;
  /** The numbers claimed for this attempt (1 to 10). */
  numbers: string[];
  attemptId: string;
  pages: number;
  document: Uint8Array;
  /** A re-dial or resend: a refusal waits for the mail's final report instead of the queued reply. */
  laterAttempt?: boolean;
  /** A fax for later whose time is still to come: faxrocks holds it until then. */
  schedule?: ScheduledSend;
}

export async function sendAttempt(deps: SendAttemptDeps, attempt: AttemptToSend): Promise<AttemptAnswer> {
  const { ledger, faxApi, clock, log, metrics } = deps;
  const { messageId, numbers, attemptId, pages } = attempt;
  const answer: AttemptAnswer = new Map();
  let queued: QueuedFax[];
  try {
    queued = await faxApi.send({ numbers, document: attempt.document, ...sendFields(attempt.schedule) });
  } catch (error) {
    if (error instanceof SendOutcomeUnknownError) {
      log.warn('Send outcome unknown', { messageId, numbers, error: error.message });
      metrics.count('SendOutcomeUnknown', undefined, numbers.length);
      for (const number of numbers) {
        await ledger.markSendOutcomeUnknown(messageId, number, attemptId, error.message);
        answer.set(number, { status: 'unconfirmed', pages, reason: error.message });
      }
      return answer;
    }
    if (error instanceof SendRefusedError) {
      const reason = validationText(error);
      log.warn('Send refused', { messageId, numbers, reason });
      metrics.count('SendRefused', undefined, numbers.length);
      for (const number of numbers) {
        await ledger.markRefused(messageId, number, attemptId, reason, { notified: !attempt.laterAttempt });
        answer.set(number, { status: 'refused', reason });
      }
      return answer;
    }
    const retryAfterSeconds = error instanceof ProviderRateLimitedError ? error.retryAfterSeconds : undefined;
    const reason = notTakenReason(error);
    log.warn('faxrocks did not take the fax', { messageId, numbers, reason });
    for (const number of numbers) {
      answer.set(number, {
        status: 'not-taken',
        reason,
        cause: error,
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      });
    }
    return answer;
  }

  // faxrocks took the fax. From here on nothing may free the claims: a failed write leaves the job
  // SENDING, which the poller settles from /faxes, and a redelivery does not send again.
  const queuedAt = clock.now().toISOString();
  for (const [index, number] of numbers.entries()) {
    // The answer names each number; fall back to the request's order if it spells them otherwise.
    const one = queued.find((q) => q.number === number) ?? queued[index];
    const faxPages = one?.pages ?? pages;
    await ledger.markQueued(messageId, number, attemptId, {
      queuedAt,
      pages: faxPages,
      estimatedCost: one?.estimatedCost,
    });
    answer.set(number, { status: 'queued', pages: faxPages, estimatedCost: one?.estimatedCost });
  }
  metrics.count('FaxesQueued', undefined, numbers.length);
  return answer;
}

/** "faxrocks answered 429 (retry after 20s)": the cause a give-up reply and the dead letter keep. */
export function notTakenReason(error: unknown): string {
  const status = (error as { status?: number }).status;
  const retryAfter = error instanceof ProviderRateLimitedError ? error.retryAfterSeconds : undefined;
  const what = status ? `faxrocks answered ${status}` : `faxrocks could not be reached`;
  const detail = error instanceof Error ? error.message : String(error);
  return `${what}${retryAfter !== undefined ? ` (retry after ${retryAfter}s)` : ''}: ${detail}`;
}

function validationText(error: SendRefusedError): string {
  const fields = Object.values(error.fieldErrors ?? {}).flat();
  return fields.length > 0 ? fields.join(' ') : error.message;
}
