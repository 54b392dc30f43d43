// The cost guards for one more attempt of a job (a re-dial, a resend proven safe, an admin's
// resend): every attempt counts against the sender's daily page limit and reserves its estimated
// cost under the gateway's daily ceiling, keyed by the attempt so a repeated check counts once.

import { attemptOf, type FaxJob } from '../domain/fax-job.ts';
import type { DailyUsage } from '../ports.ts';

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
  const day = now.toISOString().slice(0, 10);
  const countedFor = `${job.messageId}#${job.number}#${attemptOf(job) + 1}`;
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
    const cost = job.pages * (guards.estimatedPricePerPage ?? DEFAULT_PRICE_PER_PAGE);
    const reserved = await usage.reserveGatewayCost(day, countedFor, cost, guards.dailyCostCeiling);
    if (!reserved.allowed) return "it would pass the gateway's daily cost ceiling";
  }
  return undefined;
}
