// One small hierarchy. A permanent problem with a mail is not an exception: it becomes a reply and
// a recorded outcome. What is thrown is either a transient fault (the queue retries the message)
// or a defect. The ports name the errors a use case may see; adapters map their own faults to them.

export class FaxgateError extends Error {
  /** The HTTP status of the answer behind the error, when one arrived (the provider's, a store's). */
  readonly status?: number;

  constructor(message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** Worth retrying later: throttling, a 5xx before anything was sent, a store that did not answer. */
export class TransientError extends FaxgateError {}

/** A missing or malformed setting: fails the cold start (or the command) and names the setting. */
export class ConfigError extends FaxgateError {}

/** The mail's bytes cannot be read as a mail (or are absurd): retrying cannot help. */
export class UnreadableMailError extends FaxgateError {}

/** The stored mail named by an event no longer exists (expired or deleted): nothing to retry. */
export class MailNotFoundError extends FaxgateError {}

/** A conditional write lost: another attempt got there first. */
export class ConflictError extends FaxgateError {}

// ---- FaxApi (the provider) ----
// `status` is the provider's HTTP status when an answer arrived. Messages never carry the token,
// headers or document bytes.

/** POST /send was refused outright (422, or refused before calling): not accepted, permanent. */
export class SendRefusedError extends FaxgateError {
  /** The provider's messages per field. */
  readonly fieldErrors: Record<string, string[]>;

  constructor(
    message: string,
    options: { cause?: unknown; status?: number; fieldErrors?: Record<string, string[]> } = {},
  ) {
    super(message, options);
    this.fieldErrors = options.fieldErrors ?? {};
  }
}

/**
 * POST /send may have reached the provider (time-out after the request left, 5xx, connection lost
 * after writing, an unreadable success answer). Never retry it blindly: the status poller settles
 * it from GET /faxes.
 */
export class SendOutcomeUnknownError extends FaxgateError {}

/**
 * The provider definitely did not take the request (connection refused, name not resolved, a 5xx
 * or time-out on a GET, 401/403): worth retrying later.
 */
export class ProviderUnavailableError extends TransientError {}

/** 401/403: the token is wrong, revoked or lacks access. Nothing was accepted; waiting alone will not fix it. */
export class ProviderAccessDeniedError extends ProviderUnavailableError {}

/** 429: throttled. `retryAfterSeconds` from the Retry-After header when it had one. */
export class ProviderRateLimitedError extends ProviderUnavailableError {
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    options: { cause?: unknown; status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message, options);
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 404 on a GET: no such fax (or no receipt for it yet). */
export class FaxNotFoundError extends FaxgateError {}
