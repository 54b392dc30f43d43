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
} as const;

/** A fax id that exists but belongs to another account: its downloads answer 403. */
export const SANDBOX_FOREIGN_FAX_ID = '600000000f0re1gn000';

export const PARTIAL_FAILURE_ERROR = 'Line dropped during transmission';

export type FaxFate =
  | { kind: 'delivered' }
  | { kind: 'failed'; error: string; sendsAllButLastPage: boolean }
  | { kind: 'pending-forever' };

export function fateOf(number: string): FaxFate {
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
