// The cost guards for one more attempt of a job (a re-dial, a resend proven safe, an admin's
// resend): every attempt counts against the sender's daily page limit and reserves its estimated
// cost under the gateway's daily ceiling, keyed by the attempt so a repeated check counts once.

import { attemptOf, type FaxJob } from '../domain/fax-job.ts';
import type { DailyUsage } from '../ports.ts';
import type { AttemptResult } from './send-attempt.ts';

/** The price per page an attempt reserves when none is configured (faxrocks' list price). */
export const DEFAULT_PRICE_PER_PAGE = 0.09;

/** The gateway's cost guards (GatewayPolicy's values); 0 turns one off. */
export interface AttemptGuards {
  senderDailyPageLimit: number;
  dailyCostCeiling: number;
  estimatedPricePerPage?: number;
}

/**
 * Counts the job's next attempt against the guards; the guard it would pass, in words ("it would
 * pass the sender's daily page limit"), or undefined when it fits.
 */
export async function checkAttemptGuards(
  usage: DailyUsage | undefined,
  guards: AttemptGuards | undefined,
  job: FaxJob,
  now: Date,
): Promise<string | undefined> {
  if (!guards || (guards.dailyCostCeiling <= 0 && guards.senderDailyPageLimit <= 0)) return undefined;
  if (!usage) throw new Error('a cost guard is configured but no DailyUsage store was given');
  const { day, countedFor } = reservationOf(job, now);
  if (guards.senderDailyPageLimit > 0) {
    const counted = await usage.countSenderPages(
      day,
      job.sender,
      countedFor,
      job.pages,
      guards.senderDailyPageLimit,
    );
    if (!counted.allowed) return "it would pass the sender's daily page limit";
  }
  if (guards.dailyCostCeiling > 0) {
    const cost = reservedCost(guards, job);
    const reserved = await usage.reserveGatewayCost(day, countedFor, cost, guards.dailyCostCeiling);
    if (!reserved.allowed) return "it would pass the gateway's daily cost ceiling";
  }
  return undefined;
}

/**
 * After the attempt's /send, as the inbound path does for first attempts: its reservation under the
 * daily cost ceiling becomes faxrocks' answered estimate when it was queued, and is given back when
 * faxrocks refused it. An unconfirmed send keeps it (it may have faxed); one faxrocks certainly did
 * not take keeps it for the attempt made later under the same key. `job` and `now` as the guards
 * were checked with.
 */
export async function correctAttemptReservation(
  usage: DailyUsage | undefined,
  guards: AttemptGuards | undefined,
  job: FaxJob,
  now: Date,
  result: AttemptResult | undefined,
): Promise<void> {
  if (!usage || !guards || guards.dailyCostCeiling <= 0) return;
  const reserved = reservedCost(guards, job);
  const answered =
    result?.status === 'queued'
      ? (result.estimatedCost ?? reserved)
      : result?.status === 'refused'
        ? 0
        : reserved;
  const delta = Math.round((answered - reserved) * 100) / 100;
  if (delta === 0) return;
  const { day, countedFor } = reservationOf(job, now);
  await usage.correctGatewayCost(day, countedFor, delta);
}

/** The day and key the job's next attempt is counted under. */
function reservationOf(job: FaxJob, now: Date): { day: string; countedFor: string } {
  return {
    day: now.toISOString().slice(0, 10),
    countedFor: `${job.messageId}#${job.number}#${attemptOf(job) + 1}`,
  };
}

function reservedCost(guards: AttemptGuards, job: FaxJob): number {
  return job.pages * (guards.estimatedPricePerPage ?? DEFAULT_PRICE_PER_PAGE);
}
