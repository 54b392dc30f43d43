// The faxrocks client's own faults. A use case sees only the FaxApi port's errors
// (functions/errors.ts); these subclasses say which fault it was, for the client's retries and the
// logs. Messages carry the HTTP status and the provider's own message, never the token, headers
// or document bytes.

import { FaxgateError, ProviderUnavailableError } from '../../errors.ts';

/** A failure that is no port error: an answer that is not what the API page promises, an unreadable token. */
export class FaxrocksError extends FaxgateError {}

/** An answer that is not what the API page promises (missing field, wrong type, not a PDF). */
export class FaxrocksResponseError extends FaxrocksError {}

/** 5xx. */
export class FaxrocksServerError extends ProviderUnavailableError {}

/** No answer within the time limit. */
export class FaxrocksTimeoutError extends ProviderUnavailableError {}

/** The connection failed (refused, reset, name not resolved). `code` is the socket error code. */
export class FaxrocksNetworkError extends ProviderUnavailableError {
  readonly code?: string;

  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, options);
    if (options.code !== undefined) this.code = options.code;
  }
}
