// Numbers with a fixed fate in the sandbox, so failures can be produced on purpose. They are real
// Berlin numbers by shape (libphonenumber-js accepts them), because the gateway validates numbers
// before it sends; every other valid number is delivered after the delivery delay.

export const SANDBOX_TEST_NUMBERS = {
  /** Ends failed with error "Busy", nothing sent. */
  busy: '+493012345601',
  /** Ends failed with error "No answer", nothing sent. */
  noAnswer: '+493012345602',
  /** Fails after sending all pages but the last (`pages_sent` < `pages`; 0 for a one-page fax). */
  partial: '+493012345603',
  /** Stays pending forever. */
  pendingForever: '+493012345604',
  /** Any other valid number is delivered; this one is simply a documented example. */
  delivered: '+493012345600',
  /** Busy on the first fax sent to it, delivered from the second on (a re-dial succeeds). */
  busyOnce: '+493012345901',
  /** Busy on the first two faxes sent to it, delivered from the third on. */
  busyTwice: '+493012345902',
  /** No answer on the first fax sent to it, delivered from the second on. */
  noAnswerOnce: '+493012345903',
  /** Broken off on the first fax (all pages but the last), delivered from the second on. */
  partialOnce: '+493012345904',
} as const;

/** A fax id that exists but belongs to another account: its downloads answer 403. */
export const SANDBOX_FOREIGN_FAX_ID = '600000000f0re1gn000';

export const PARTIAL_FAILURE_ERROR = 'Line dropped during transmission';

export type FaxFate =
  | { kind: 'delivered' }
  | { kind: 'failed'; error: string; sendsAllButLastPage: boolean }
  | { kind: 'pending-forever' };

/** Faxes to these numbers fail the first `times` sends with `fate`, then are delivered. */
const FAILS_FIRST: Record<string, { times: number; fate: FaxFate }> = {
  [SANDBOX_TEST_NUMBERS.busyOnce]: {
    times: 1,
    fate: { kind: 'failed', error: 'Busy', sendsAllButLastPage: false },
  },
  [SANDBOX_TEST_NUMBERS.busyTwice]: {
    times: 2,
    fate: { kind: 'failed', error: 'Busy', sendsAllButLastPage: false },
  },
  [SANDBOX_TEST_NUMBERS.noAnswerOnce]: {
    times: 1,
    fate: { kind: 'failed', error: 'No answer', sendsAllButLastPage: false },
  },
  [SANDBOX_TEST_NUMBERS.partialOnce]: {
    times: 1,
    fate: { kind: 'failed', error: PARTIAL_FAILURE_ERROR, sendsAllButLastPage: true },
  },
};

/**
 * How a fax to `number` ends. `sequence` counts the faxes sent to the number before this one
 * (0 for the first), so some numbers fail at first and then succeed, as a re-dial would.
 */
export function fateOf(number: string, sequence = 0): FaxFate {
  const first = FAILS_FIRST[number];
  if (first) return sequence < first.times ? first.fate : { kind: 'delivered' };
  switch (number) {
    case SANDBOX_TEST_NUMBERS.busy:
      return { kind: 'failed', error: 'Busy', sendsAllButLastPage: false };
    case SANDBOX_TEST_NUMBERS.noAnswer:
      return { kind: 'failed', error: 'No answer', sendsAllButLastPage: false };
    case SANDBOX_TEST_NUMBERS.partial:
      return { kind: 'failed', error: PARTIAL_FAILURE_ERROR, sendsAllButLastPage: true };
    case SANDBOX_TEST_NUMBERS.pendingForever:
      return { kind: 'pending-forever' };
    default:
      return { kind: 'delivered' };
  }
}
