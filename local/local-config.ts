// Configuration of the one-machine runtime (`npm start`): every port, folder and name has a default
// and an environment variable. A bad value is a ConfigError naming the variable; main.ts turns it
// into one line and exit code 2.

import { resolve } from 'node:path';
import {
  ConfigError,
  type GatewayPolicy,
  gatewayPolicyFromEnv,
  numberFrom,
  optionalString,
  type PollerPolicy,
  pollerPolicyFromEnv,
} from '../functions/config.ts';
import type { LogLevel } from './console-log.ts';

type Env = Record<string, string | undefined>;

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none';
export type DkimResult = 'none' | 'pass' | 'fail';
/** `auto`: pass when the From domain aligns with the envelope domain, else fail. */
export type DmarcResult = 'auto' | 'pass' | 'fail' | 'none';

/** What the local SMTP server asserts in the SES header block, since nothing can be checked offline. */
export interface SesStamp {
  region: string;
  spamVerdict: string;
  virusVerdict: string;
  spf: SpfResult;
  dkim: DkimResult;
  dmarc: DmarcResult;
}

export interface QueueSettings {
  /** Records per handler invocation, like the Lambda event source mapping's BatchSize. */
  batchSize: number;
  /** A failed message becomes visible again after this long. */
  visibilityTimeoutMs: number;
  /** Receives after which a failing message goes to the dead-letter folder. */
  maxReceiveCount: number;
  /** Batches in flight at once (the event source mapping's maximum concurrency). */
  maxConcurrency: number;
}

export interface LocalConfig {
  host: string;
  logLevel: LogLevel;
  dataDir: string;
  smtpPort: number;
  s3Port: number;
  dynamodbPort: number;
  sandboxPort: number;
  bucket: string;
  jobsTable: string;
  sendersTable: string;
  /** Largest mail the SMTP server takes, as SES (40 MB). */
  maxMessageBytes: number;
  pollSeconds: number;
  sandboxDeliveryDelayMs: number;
  sandboxToken: string;
  /** Set when FAXROCKS_API_URL and FAXROCKS_API_TOKEN name another faxrocks API: no sandbox. */
  externalFaxrocks?: { url: string; token: string };
  /** `smtp://host:port`: outgoing mail is relayed there as well as written to the outbox. */
  smtpRelay?: URL;
  queue: QueueSettings;
  sesStamp: SesStamp;
  policy: GatewayPolicy;
  pollerPolicy: PollerPolicy;
}

/** The variable each port is read from, so "port in use" can say which one to change. */
export const portVariables = {
  smtpPort: 'FAXGATE_SMTP_PORT',
  s3Port: 'FAXGATE_S3_PORT',
  dynamodbPort: 'FAXGATE_DYNAMODB_PORT',
  sandboxPort: 'FAXGATE_SANDBOX_PORT',
} as const;

export const localDefaults = {
  host: '127.0.0.1',
  dataDir: '.faxgate',
  smtpPort: 2525,
  s3Port: 4569,
  dynamodbPort: 4570,
  sandboxPort: 8787,
  faxDomain: 'fax.localhost',
  bucket: 'faxgate-mail',
  jobsTable: 'faxgate-jobs',
  sendersTable: 'faxgate-senders',
  maxMessageBytes: 40 * 1024 * 1024,
  pollSeconds: 10,
  sandboxDeliveryDelayMs: 5000,
  sandboxToken: 'faxgate-local-sandbox-token',
  region: 'us-east-1',
  batchSize: 10,
  visibilitySeconds: 10,
  maxReceiveCount: 3,
  concurrency: 4,
} as const;

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError(`${name} must be a port number from 0 to 65535, not "${raw}"`);
  }
  return Number(raw);
}

function integer(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const value = numberFrom(env, name, fallback, range);
  if (!Number.isInteger(value)) {
    throw new ConfigError(`${name} must be a whole number from ${range.min} to ${range.max}, not "${value}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optionalString(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, not "${raw}"`);
  }
  return raw as T;
}

function name(env: Env, variable: string, fallback: string, pattern: RegExp, what: string): string {
  const value = optionalString(env, variable) ?? fallback;
  if (!pattern.test(value)) throw new ConfigError(`${variable} must be ${what}, not "${value}"`);
  return value;
}

function verdict(env: Env, variable: string): string {
  const value = (optionalString(env, variable) ?? 'PASS').toUpperCase();
  if (!/^[A-Z]+$/.test(value)) {
    throw new ConfigError(`${variable} must be a verdict such as PASS, FAIL or GRAY, not "${value}"`);
  }
  return value;
}

function externalFaxrocks(env: Env): LocalConfig['externalFaxrocks'] {
  const url = optionalString(env, 'FAXROCKS_API_URL');
  const token = optionalString(env, 'FAXROCKS_API_TOKEN');
  if (!url && !token) return undefined;
  if (!url || !token) {
    throw new ConfigError(
      'FAXROCKS_API_URL and FAXROCKS_API_TOKEN must be given together (or neither, to use the local sandbox)',
    );
  }
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new ConfigError(`FAXROCKS_API_URL must be an http(s) URL such as https://faxrocks.com/api`);
  }
  return { url, token };
}

function smtpRelay(env: Env): URL | undefined {
  const raw = optionalString(env, 'FAXGATE_SMTP_RELAY');
  if (!raw) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || !/^smtps?:$/.test(url.protocol) || !url.hostname) {
    throw new ConfigError(`FAXGATE_SMTP_RELAY must look like smtp://host:port, not "${raw}"`);
  }
  return url;
}

export function localConfigFromEnv(env: Env = process.env): LocalConfig {
  // The gateway policy needs FAX_DOMAIN; locally it has a default. The local queue never runs two
  // messages of one stored mail at once (see inbound-queue.ts), so an unfinished send found by a
  // run is always a crashed run's: no wait.
  const gatewayEnv = {
    ...env,
    FAX_DOMAIN: optionalString(env, 'FAX_DOMAIN') ?? localDefaults.faxDomain,
    SEND_IN_FLIGHT_SECONDS: optionalString(env, 'SEND_IN_FLIGHT_SECONDS') ?? '1',
  };
  const policy = gatewayPolicyFromEnv(gatewayEnv);
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(policy.faxDomain)) {
    throw new ConfigError(
      `FAX_DOMAIN must be a domain name such as fax.localhost, not "${policy.faxDomain}"`,
    );
  }
  const external = externalFaxrocks(env);
  const relay = smtpRelay(env);
  return {
    host: optionalString(env, 'FAXGATE_HOST') ?? localDefaults.host,
    logLevel: oneOf(env, 'FAXGATE_LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    dataDir: resolve(optionalString(env, 'FAXGATE_DATA_DIR') ?? localDefaults.dataDir),
    smtpPort: port(env, portVariables.smtpPort, localDefaults.smtpPort),
    s3Port: port(env, portVariables.s3Port, localDefaults.s3Port),
    dynamodbPort: port(env, portVariables.dynamodbPort, localDefaults.dynamodbPort),
    sandboxPort: port(env, portVariables.sandboxPort, localDefaults.sandboxPort),
    // S3 bucket naming rules, and DynamoDB table naming rules.
    bucket: name(
      env,
      'FAXGATE_BUCKET',
      localDefaults.bucket,
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'an S3 bucket name',
    ),
    jobsTable: name(
      env,
      'JOBS_TABLE',
      localDefaults.jobsTable,
      /^[A-Za-z0-9_.-]{3,255}$/,
      'a DynamoDB table name',
    ),
    sendersTable: name(
      env,
      'SENDERS_TABLE',
      localDefaults.sendersTable,
      /^[A-Za-z0-9_.-]{3,255}$/,
      'a DynamoDB table name',
    ),
    maxMessageBytes: integer(env, 'FAXGATE_MAX_MESSAGE_BYTES', localDefaults.maxMessageBytes, {
      min: 1024,
      max: 1024 * 1024 * 1024,
    }),
    pollSeconds: numberFrom(env, 'FAXGATE_POLL_SECONDS', localDefaults.pollSeconds, {
      min: 0.1,
      max: 86_400,
    }),
    sandboxDeliveryDelayMs: integer(env, 'SANDBOX_DELIVERY_DELAY_MS', localDefaults.sandboxDeliveryDelayMs, {
      min: 0,
      max: 86_400_000,
    }),
    sandboxToken: optionalString(env, 'FAXGATE_SANDBOX_TOKEN') ?? localDefaults.sandboxToken,
    ...(external ? { externalFaxrocks: external } : {}),
    ...(relay ? { smtpRelay: relay } : {}),
    queue: {
      batchSize: integer(env, 'FAXGATE_QUEUE_BATCH_SIZE', localDefaults.batchSize, { min: 1, max: 10 }),
      visibilityTimeoutMs:
        numberFrom(env, 'FAXGATE_QUEUE_VISIBILITY_SECONDS', localDefaults.visibilitySeconds, {
          min: 0,
          max: 43_200,
        }) * 1000,
      maxReceiveCount: integer(env, 'FAXGATE_QUEUE_MAX_RECEIVE_COUNT', localDefaults.maxReceiveCount, {
        min: 1,
        max: 1000,
      }),
      maxConcurrency: integer(env, 'FAXGATE_INBOUND_CONCURRENCY', localDefaults.concurrency, {
        min: 1,
        max: 64,
      }),
    },
    sesStamp: {
      region: name(
        env,
        'FAXGATE_SES_REGION',
        localDefaults.region,
        /^[a-z]{2}(-[a-z]+)+-\d$/,
        'an AWS region',
      ),
      spamVerdict: verdict(env, 'FAXGATE_SES_SPAM_VERDICT'),
      virusVerdict: verdict(env, 'FAXGATE_SES_VIRUS_VERDICT'),
      spf: oneOf(env, 'FAXGATE_SES_SPF', ['pass', 'fail', 'softfail', 'neutral', 'none'] as const, 'pass'),
      dkim: oneOf(env, 'FAXGATE_SES_DKIM', ['none', 'pass', 'fail'] as const, 'none'),
      dmarc: oneOf(env, 'FAXGATE_SES_DMARC', ['auto', 'pass', 'fail', 'none'] as const, 'auto'),
    },
    policy,
    pollerPolicy: pollerPolicyFromEnv(env),
  };
}
