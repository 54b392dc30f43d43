// Configuration of the one-machine runtime (`npm start`): every port, folder and name has a default
// and an environment variable, declared once in `localSettings` (the gateway's own settings come
// from functions/settings.ts, with their `npm start` defaults). A bad value is a ConfigError naming
// the variable; main.ts turns it into one line and exit code 2.

import { resolve } from 'node:path';
import {
  ConfigError,
  type GatewayPolicy,
  gatewayPolicyFromEnv,
  type PollerPolicy,
  pollerPolicyFromEnv,
} from '../functions/config.ts';
import {
  decimal,
  oneOf,
  port,
  type SettingValues,
  settingGroup,
  settingsFromEnv,
  tableName,
  text,
  whole,
} from '../functions/settings.ts';
import type { LogLevel } from './console-log.ts';

type Env = Record<string, string | undefined>;

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none';
export type DkimResult = 'none' | 'pass' | 'fail';
/** `auto`: pass when the From domain aligns with the envelope domain, else fail. */
export type DmarcResult = 'auto' | 'pass' | 'fail' | 'none';

const verdict = text({
  must: 'be a verdict such as PASS, FAIL or GRAY',
  test: (v) => /^[A-Z]+$/.test(v),
  normalise: (v) => v.toUpperCase(),
  allowed: '`PASS`, `FAIL`, `GRAY`, ...',
});

/** The settings only `npm start` has. */
export const localSettings = settingGroup({
  title: 'npm start',
  functions: [],
  localOnly: true,
  settings: {
    dataDir: {
      kind: text({ must: 'be a folder' }),
      env: 'FAXGATE_DATA_DIR',
      default: '.faxgate',
      doc: 'State folder: `s3/`, `dynamodb/`, `sandbox/`, `queue/`, `dead-letter/`, `outbox/`',
    },
    host: {
      kind: text({ must: 'be a host address' }),
      env: 'FAXGATE_HOST',
      default: '127.0.0.1',
      doc: 'Address every server listens on (keep it loopback)',
    },
    smtpPort: { kind: port, env: 'FAXGATE_SMTP_PORT', default: 2525, doc: 'Inbound SMTP' },
    s3Port: { kind: port, env: 'FAXGATE_S3_PORT', default: 4569, doc: 'S3-compatible store' },
    dynamodbPort: {
      kind: port,
      env: 'FAXGATE_DYNAMODB_PORT',
      default: 4570,
      doc: 'DynamoDB-compatible store (the admin CLI reads it too)',
    },
    sandboxPort: { kind: port, env: 'FAXGATE_SANDBOX_PORT', default: 8787, doc: 'faxrocks sandbox' },
    bucket: {
      kind: text({ must: 'be an S3 bucket name', test: (v) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) }),
      env: 'FAXGATE_BUCKET',
      default: 'faxgate-mail',
      doc: 'Mail bucket (mail under `inbound/`)',
    },
    jobsTable: { kind: tableName, env: 'JOBS_TABLE', default: 'faxgate-jobs', doc: 'Jobs table' },
    sendersTable: {
      kind: tableName,
      env: 'SENDERS_TABLE',
      default: 'faxgate-senders',
      doc: 'Sender allowlist table',
    },
    maxMessageBytes: {
      kind: whole(1024, 1024 * 1024 * 1024),
      env: 'FAXGATE_MAX_MESSAGE_BYTES',
      default: 40 * 1024 * 1024,
      shownDefault: '`41943040` (40 MiB, as SES)',
      doc: 'Largest inbound mail (552 above)',
    },
    pollSeconds: {
      kind: decimal(0.1, 86_400),
      env: 'FAXGATE_POLL_SECONDS',
      default: 10,
      doc: 'Status poll interval (polls never overlap)',
    },
    sandboxDeliveryDelayMs: {
      kind: whole(0, 86_400_000),
      env: 'SANDBOX_DELIVERY_DELAY_MS',
      default: 5000,
      doc: 'How long the sandbox takes to "deliver" a fax',
    },
    sandboxToken: {
      kind: text({ must: 'be a token' }),
      env: 'FAXGATE_SANDBOX_TOKEN',
      default: 'faxgate-local-sandbox-token',
      doc: "The sandbox's API token",
    },
    faxrocksApiUrl: {
      kind: text({
        must: 'be an http(s) URL such as https://faxrocks.com/api',
        test: (v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
      }),
      env: 'FAXROCKS_API_URL',
      doc: 'Use another faxrocks API (the real one included; real faxes cost money) instead of the sandbox; with `FAXROCKS_API_TOKEN`',
    },
    faxrocksApiToken: {
      // Never part of a message: any text is accepted.
      kind: text({ must: 'be a token' }),
      env: 'FAXROCKS_API_TOKEN',
      doc: 'The token of that API; both or neither',
    },
    smtpRelay: {
      kind: text({
        must: 'look like smtp://host:port',
        test: (v) => URL.canParse(v) && /^smtps?:$/.test(new URL(v).protocol) && new URL(v).hostname !== '',
      }),
      env: 'FAXGATE_SMTP_RELAY',
      doc: '`smtp://[user:pass@]host:port` (or `smtps://`): also relay every reply there',
    },
    queueBatchSize: {
      kind: whole(1, 10),
      env: 'FAXGATE_QUEUE_BATCH_SIZE',
      default: 10,
      doc: 'Records per handler call',
    },
    queueVisibilitySeconds: {
      kind: decimal(0, 43_200),
      env: 'FAXGATE_QUEUE_VISIBILITY_SECONDS',
      default: 10,
      doc: 'Delay before a failed record is retried when the handler sets none (it backs off itself, honouring Retry-After)',
    },
    queueMaxReceiveCount: {
      kind: whole(1, 1000),
      env: 'FAXGATE_QUEUE_MAX_RECEIVE_COUNT',
      // As on AWS: enough receives, with the handler's backoff, to reach GIVE_UP_AFTER_MINUTES.
      default: 30,
      doc: 'Receives before a record becomes a dead letter; the handler backs off between them and gives a mail up, with a reply, after `GIVE_UP_AFTER_MINUTES` or on the last receive (30 cover about 5 hours)',
    },
    inboundConcurrency: {
      kind: whole(1, 64),
      env: 'FAXGATE_INBOUND_CONCURRENCY',
      default: 4,
      doc: 'Batches handled at once; each may hold a mail of up to 40 MiB in memory',
    },
    sesRegion: {
      kind: text({ must: 'be an AWS region', test: (v) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(v) }),
      env: 'FAXGATE_SES_REGION',
      default: 'us-east-1',
      doc: 'Region in the stamped `Received:` line and the queue ARN',
    },
    sesSpamVerdict: {
      kind: verdict,
      env: 'FAXGATE_SES_SPAM_VERDICT',
      default: 'PASS',
      doc: 'Stamped spam verdict',
    },
    sesVirusVerdict: {
      kind: verdict,
      env: 'FAXGATE_SES_VIRUS_VERDICT',
      default: 'PASS',
      doc: 'Stamped virus verdict',
    },
    sesSpf: {
      kind: oneOf<SpfResult>(['pass', 'fail', 'softfail', 'neutral', 'none']),
      env: 'FAXGATE_SES_SPF',
      default: 'pass',
      doc: 'Stamped SPF result',
    },
    sesDkim: {
      kind: oneOf<DkimResult>(['none', 'pass', 'fail']),
      env: 'FAXGATE_SES_DKIM',
      default: 'none',
      doc: 'Stamped DKIM result (`pass`: aligned with From)',
    },
    sesDmarc: {
      kind: oneOf<DmarcResult>(['auto', 'pass', 'fail', 'none']),
      env: 'FAXGATE_SES_DMARC',
      default: 'auto',
      doc: 'Stamped DMARC result (`auto`: pass when From aligns with the envelope)',
    },
    logLevel: {
      kind: oneOf<LogLevel>(['debug', 'info', 'warn', 'error']),
      env: 'FAXGATE_LOG_LEVEL',
      default: 'info',
      doc: 'Log level (logs go to stderr)',
    },
  },
});

type LocalValues = SettingValues<typeof localSettings.settings>;

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
} as const satisfies Record<string, string>;

/** The defaults of `npm start`, as declared above. */
export const localDefaults = settingsFromEnv(localSettings, {}, (message) => new ConfigError(message));

function externalFaxrocks(values: LocalValues): LocalConfig['externalFaxrocks'] {
  const { faxrocksApiUrl: url, faxrocksApiToken: token } = values;
  if (!url && !token) return undefined;
  if (!url || !token) {
    throw new ConfigError(
      'FAXROCKS_API_URL and FAXROCKS_API_TOKEN must be given together (or neither, to use the local sandbox)',
    );
  }
  return { url, token };
}

export function localConfigFromEnv(env: Env = process.env): LocalConfig {
  const values = settingsFromEnv(localSettings, env, (message) => new ConfigError(message));
  const external = externalFaxrocks(values);
  return {
    host: values.host,
    logLevel: values.logLevel,
    dataDir: resolve(values.dataDir),
    smtpPort: values.smtpPort,
    s3Port: values.s3Port,
    dynamodbPort: values.dynamodbPort,
    sandboxPort: values.sandboxPort,
    bucket: values.bucket,
    jobsTable: values.jobsTable,
    sendersTable: values.sendersTable,
    maxMessageBytes: values.maxMessageBytes,
    pollSeconds: values.pollSeconds,
    sandboxDeliveryDelayMs: values.sandboxDeliveryDelayMs,
    sandboxToken: values.sandboxToken,
    ...(external ? { externalFaxrocks: external } : {}),
    ...(values.smtpRelay ? { smtpRelay: new URL(values.smtpRelay) } : {}),
    queue: {
      batchSize: values.queueBatchSize,
      visibilityTimeoutMs: values.queueVisibilitySeconds * 1000,
      maxReceiveCount: values.queueMaxReceiveCount,
      maxConcurrency: values.inboundConcurrency,
    },
    sesStamp: {
      region: values.sesRegion,
      spamVerdict: values.sesSpamVerdict,
      virusVerdict: values.sesVirusVerdict,
      spf: values.sesSpf,
      dkim: values.sesDkim,
      dmarc: values.sesDmarc,
    },
    policy: gatewayPolicyFromEnv(env, { local: true }),
    pollerPolicy: pollerPolicyFromEnv(env, { local: true }),
  };
}
