// What can go wrong talking to faxrocks. Messages carry the HTTP status and the provider's own
// message, never the token, headers or document bytes.

import { FaxgateError } from '../../errors.ts';

export class FaxrocksError extends FaxgateError {
  /** The HTTP status, when an answer arrived. */
  readonly status?: number;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    if (options.status !== undefined) this.status = options.status;
  }
}

/** 401: the token is missing, wrong or revoked. */
export class FaxrocksUnauthorizedError extends FaxrocksError {}

/** 403: the resource belongs to someone else. */
export class FaxrocksForbiddenError extends FaxrocksError {}

/** 404: no such fax (or no receipt for it yet), or a wrong base URL. */
export class FaxrocksNotFoundError extends FaxrocksError {}

/** 422: the provider refused the request; `fieldErrors` are its messages per field. */
export class FaxrocksValidationError extends FaxrocksError {
  readonly fieldErrors: Record<string, string[]>;

  constructor(
    message: string,
    options: { status?: number; fieldErrors?: Record<string, string[]>; cause?: unknown } = {},
  ) {
    super(message, options);
    this.fieldErrors = options.fieldErrors ?? {};
  }
}

/** 429: throttled. `retryAfterSeconds` from the Retry-After header when it had one. */
export class FaxrocksRateLimitError extends FaxrocksError {
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    options: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options);
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 5xx. */
export class FaxrocksServerError extends FaxrocksError {}

/** No answer within the time limit. */
export class FaxrocksTimeoutError extends FaxrocksError {}

/** The connection failed (refused, reset, name not resolved). `code` is the socket error code. */
export class FaxrocksNetworkError extends FaxrocksError {
  readonly code?: string;

  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, options);
    if (options.code !== undefined) this.code = options.code;
  }
}

/** An answer that is not what the API page promises (missing field, wrong type, not a PDF). */
export class FaxrocksResponseError extends FaxrocksError {}

/**
 * POST /send may have reached the provider (time-out after the request left, 5xx, connection lost
 * after writing, or an unreadable success answer). Never retry it blindly: the status poller
 * settles it by finding the fax in GET /faxes. `cause` is the underlying FaxrocksError.
 */
export class FaxSendOutcomeUnknownError extends FaxrocksError {}

/** Worth retrying later: throttling, 5xx, time-out, network. Never true for FaxSendOutcomeUnknownError. */
export function isTransientFaxrocksError(error: unknown): boolean {
  return (
    error instanceof FaxrocksRateLimitError ||
    error instanceof FaxrocksServerError ||
    error instanceof FaxrocksTimeoutError ||
    error instanceof FaxrocksNetworkError
  );
}
