// One small hierarchy. A permanent problem with a mail is not an exception: it becomes a reply and
// a recorded outcome. What is thrown is either a transient fault (the queue retries the message)
// or a defect.

export class FaxgateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Worth retrying later: throttling, a 5xx before anything was sent, a store that did not answer. */
export class TransientError extends FaxgateError {}

/** The stored mail named by an event no longer exists (expired or deleted): nothing to retry. */
export class MailNotFoundError extends FaxgateError {}

/** A conditional write lost: another attempt got there first. */
export class ConflictError extends FaxgateError {}
