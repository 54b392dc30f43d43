// How long a mail the inbound function could not finish waits before its next try, and when it gives
// up. A provider outage must not push mail into the dead letters within seconds: each failed try
// waits longer (doubling from BASE_DELAY_SECONDS up to MAX_DELAY_SECONDS), never less than
// faxrocks' Retry-After, and never past the give-up time. Once GIVE_UP_AFTER_MINUTES has passed
// since the mail was first received, or on the queue's last receive, the mail gives up (recorded
// FAILED, and the sender is told). The queue's receive count must cover the give-up time
// (receivesToCover); the stack refuses to deploy one that does not.

export const BASE_DELAY_SECONDS = 5;
export const MAX_DELAY_SECONDS = 900;

export interface FailedTry {
  /** The queue's receive count of this try (1 for the first). */
  receiveCount: number;
  /** Receives before the queue dead-letters the message; undefined: not known (no cap). */
  maxReceiveCount?: number;
  /** When the mail was first received (its mail record's receivedAt). */
  firstReceivedAt: Date;
  now: Date;
  giveUpAfterMinutes: number;
  /** faxrocks' Retry-After, when it gave one. */
  retryAfterSeconds?: number;
}

/**
 * True when this failed try is the mail's last: its time is up, or it is the queue's last receive
 * (a receive count too small to cover the give-up time, which the stack refuses, or a redrive or
 * changed count): the queue would dead-letter it next.
 */
export function isLastTry(attempt: FailedTry): boolean {
  const lastReceive =
    attempt.maxReceiveCount !== undefined && attempt.receiveCount >= attempt.maxReceiveCount;
  return lastReceive || secondsLeft(attempt) <= 0;
}

/** Seconds until the next try (at least 1): backoff and Retry-After, but not past the give-up time. */
export function retryDelaySeconds(attempt: FailedTry): number {
  const left = secondsLeft(attempt);
  const wanted = Math.max(backoffSeconds(attempt.receiveCount), attempt.retryAfterSeconds ?? 0);
  // The last try comes when the time is up, not later; past it (a mail that could not give up), backoff.
  return Math.max(1, Math.ceil(left > 0 ? Math.min(wanted, left) : wanted));
}

function backoffSeconds(receiveCount: number): number {
  return Math.min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** Math.max(0, receiveCount - 1));
}

/** Receives a queue needs so that backoff alone reaches the give-up time before they run out. */
export function receivesToCover(giveUpAfterMinutes: number): number {
  let waited = 0;
  let receives = 1;
  while (waited < giveUpAfterMinutes * 60) {
    waited += backoffSeconds(receives);
    receives++;
  }
  return receives;
}

function secondsLeft(attempt: FailedTry): number {
  const deadline = attempt.firstReceivedAt.getTime() + attempt.giveUpAfterMinutes * 60_000;
  return (deadline - attempt.now.getTime()) / 1000;
}

/** `2 hours`, `3 minutes`, `40 seconds`: how long a mail was tried, for its cause and reply. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return `${hours} hours`;
}
