// Gateway configuration, read once per cold start from the environment. It fails fast: a missing
// or malformed variable is a ConfigError naming it, never a silent default in the wrong place.

import type { RedialSchedule } from './domain/redial-policy.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface GatewayPolicy {
  /** The fax domain: recipients `<number>@<faxDomain>` are faxed. Lower-case. */
  faxDomain: string;
  /** Sender address of every reply (default `fax@<faxDomain>`). */
  replyFrom: string;
  /** ISO 3166 alpha-2 country for national numbers (`030...`); none rejects them. */
  defaultCountry?: string;
  /** Numbers per mail above which the mail is rejected whole. */
  maxNumbersPerMail: number;
  /** Pages per fax. */
  maxPages: number;
  /** Document size in bytes. */
  maxDocumentBytes: number;
  /** Destination rules: allowed prefixes (E.164, e.g. `+49`); empty allows all. */
  allowedPrefixes: string[];
  /** Blocked prefixes (premium rate and the like), checked after the allowed ones. */
  blockedPrefixes: string[];
  /** Per-sender daily page limit; 0 disables it. */
  senderDailyPageLimit: number;
  /** Gateway-wide daily estimated-cost ceiling; 0 disables it. */
  dailyCostCeiling: number;
  /** Days a job record is kept (DynamoDB TTL). */
  jobRetentionDays: number;
  /**
   * How long another run's unfinished /send (or reply) may still be in progress: at least the
   * inbound function's time-out. A duplicate run that meets one younger than this retries later;
   * an older one was cut off by a crash and is reported as unconfirmed.
   */
  sendInFlightSeconds: number;
  /** Price per page the cost ceiling reserves before /send (the answer corrects it). Default 0.09. */
  estimatedPricePerPage?: number;
  /** How long transient provider faults are retried before the mail gives up. Default 120. */
  giveUpAfterMinutes?: number;
  /** The re-dial schedule, for what the queued reply promises. Default DEFAULT_REDIAL_SCHEDULE. */
  redial?: RedialSchedule;
  /** ISO 4217 currency that replies write prices in (faxrocks answers bare numbers). */
  priceCurrency: string;
}

export interface PollerPolicy {
  /** Tolerated difference between our clock and the provider's, in seconds. */
  clockSkewSeconds: number;
  /** An ambiguous send not found in /faxes within this many minutes ends UNKNOWN. */
  unknownSendAfterMinutes: number;
  /** A queued fax still pending after this many minutes ends UNKNOWN. */
  pendingTimeoutMinutes: number;
  /** GET /faxes page size (1-1000). */
  pageSize: number;
  /** Most pages read in one poll when the provider's order cannot be trusted. */
  maxPages: number;
  /** When failed faxes are dialled again. Default DEFAULT_REDIAL_SCHEDULE. */
  redial?: RedialSchedule;
  /**
   * An ambiguous send not in complete reads of /faxes over this many minutes after it was proven
   * never created, and is sent again. Default 10.
   */
  settleWindowMinutes?: number;
  /** False: ambiguous sends are never sent again and end UNKNOWN as before. Default true. */
  resendAmbiguous?: boolean;
}

type Env = Record<string, string | undefined>;

export function requireString(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} must be set`);
  return value;
}

export function optionalString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function numberFrom(
  env: Env,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

function listFrom(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function gatewayPolicyFromEnv(env: Env = process.env): GatewayPolicy {
  const faxDomain = requireString(env, 'FAX_DOMAIN').toLowerCase();
  const defaultCountry = optionalString(env, 'DEFAULT_COUNTRY')?.toUpperCase();
  if (defaultCountry && !/^[A-Z]{2}$/.test(defaultCountry)) {
    throw new ConfigError(
      `DEFAULT_COUNTRY must be a two-letter country code such as DE, not "${defaultCountry}"`,
    );
  }
  const priceCurrency = (optionalString(env, 'PRICE_CURRENCY') ?? 'EUR').toUpperCase();
  if (!/^[A-Z]{3}$/.test(priceCurrency)) {
    throw new ConfigError(
      `PRICE_CURRENCY must be a three-letter currency code such as EUR, not "${priceCurrency}"`,
    );
  }
  return {
    faxDomain,
    replyFrom: optionalString(env, 'REPLY_FROM') ?? `fax@${faxDomain}`,
    defaultCountry,
    maxNumbersPerMail: numberFrom(env, 'MAX_NUMBERS_PER_MAIL', 50, { min: 1, max: 1000 }),
    maxPages: numberFrom(env, 'MAX_PAGES', 100, { min: 1, max: 10_000 }),
    maxDocumentBytes: numberFrom(env, 'MAX_DOCUMENT_BYTES', 20 * 1024 * 1024, { min: 1 }),
    allowedPrefixes: listFrom(env, 'ALLOWED_PREFIXES'),
    blockedPrefixes: listFrom(env, 'BLOCKED_PREFIXES'),
    senderDailyPageLimit: numberFrom(env, 'SENDER_DAILY_PAGE_LIMIT', 0),
    dailyCostCeiling: numberFrom(env, 'DAILY_COST_CEILING', 0),
    jobRetentionDays: numberFrom(env, 'JOB_RETENTION_DAYS', 400, { min: 1, max: 3650 }),
    sendInFlightSeconds: numberFrom(env, 'SEND_IN_FLIGHT_SECONDS', 180, { min: 1, max: 3600 }),
    priceCurrency,
  };
}

export function pollerPolicyFromEnv(env: Env = process.env): PollerPolicy {
  return {
    clockSkewSeconds: numberFrom(env, 'CLOCK_SKEW_SECONDS', 120, { min: 0, max: 3600 }),
    unknownSendAfterMinutes: numberFrom(env, 'UNKNOWN_SEND_AFTER_MINUTES', 30, { min: 1 }),
    pendingTimeoutMinutes: numberFrom(env, 'PENDING_TIMEOUT_MINUTES', 24 * 60, { min: 1 }),
    pageSize: numberFrom(env, 'FAXES_PAGE_SIZE', 1000, { min: 1, max: 1000 }),
    maxPages: numberFrom(env, 'FAXES_MAX_PAGES', 20, { min: 1, max: 1000 }),
  };
}
