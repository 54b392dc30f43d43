// Lambda edge for the scheduled status poll: build the dependencies once per cold start, run one
// poll, flush the metrics.
//
// A transient faxrocks fault while reading /faxes is not an invocation error: the use case leaves
// every job as it was and the next scheduled run (a minute or so later) is the retry. Failing the
// invocation would only add Lambda's own async retries on top of a throttled or failing API and
// page someone for a provider blip; the `FaxListUnavailable` metric is there to alarm on when it
// lasts. Everything else (a wrong token, a missing table, a bad configuration) does throw, so
// the Lambda error metric shows it.

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { documentClient, faxrocksClientFromEnv, sesMailerFromEnv } from '../adapters/deployed-adapters.ts';
import { DynamoDailyUsage } from '../adapters/dynamo-daily-usage.ts';
import { DynamoJobLedger } from '../adapters/dynamo-job-ledger.ts';
import { DynamoNotificationLease } from '../adapters/dynamo-notification-lease.ts';
import type { TokenSource } from '../adapters/faxrocks/client.ts';
import { S3PreparedDocuments } from '../adapters/s3-mail-store.ts';
import { createLogger, PowertoolsMetricsSink } from '../adapters/telemetry.ts';
import {
  type GatewayPolicy,
  gatewayPolicyFromEnv,
  optionalString,
  pollerPolicyFromEnv,
  redialScheduleOf,
  requireString,
} from '../config.ts';
import { type Log, type MetricsSink, systemClock } from '../ports.ts';
import { type PollerDeps, type PollReport, pollFaxStatuses } from './poll-fax-statuses.ts';

type Env = Record<string, string | undefined>;

/** Clients the deployed function creates itself; the tests hand in loopback ones. */
export interface PollerClients {
  dynamo?: DynamoDBClient;
  ses?: SESv2Client;
  token?: TokenSource;
  /** For the documents later attempts are sent with (MAIL_BUCKET). */
  s3?: S3Client;
  log?: Log;
  metrics?: MetricsSink;
}

/**
 * From the environment: JOBS_TABLE, FAX_DOMAIN (and REPLY_FROM), FAXROCKS_API_URL (optional),
 * FAXROCKS_TOKEN_PARAMETER or FAXROCKS_TOKEN_SECRET, the poller policy variables,
 * SES_CONFIGURATION_SET (optional) and MAIL_BUCKET (where documents for later attempts are kept). Throws ConfigError naming what is missing.
 */
export function buildPollerDeps(env: Env = process.env, clients: PollerClients = {}): PollerDeps {
  const gateway = gatewayPolicyFromEnv(env);
  const policy = { ...pollerPolicyFromEnv(env), redial: redialScheduleOf(gateway) };
  const jobsTable = requireString(env, 'JOBS_TABLE');
  const log = clients.log ?? createLogger('faxgate-status-poller');
  const documents = documentClient(clients.dynamo);
  return {
    ledger: new DynamoJobLedger(documents, jobsTable, { claimRetentionDays: gateway.jobRetentionDays }),
    notificationLease: new DynamoNotificationLease(documents, jobsTable),
    faxApi: faxrocksClientFromEnv(env, log, clients.token),
    mailer: sesMailerFromEnv(env, clients.ses),
    policy,
    replyFrom: gateway.replyFrom,
    replyStyle: { currency: gateway.priceCurrency },
    clock: systemClock,
    log,
    metrics: clients.metrics ?? new PowertoolsMetricsSink(),
    ...laterAttemptDeps(gateway, env, documents, jobsTable, clients.s3),
  };
}

/** What later attempts need: the kept documents (MAIL_BUCKET), the cost guards and their counters. */
function laterAttemptDeps(
  gateway: GatewayPolicy,
  env: Env,
  documents: ReturnType<typeof documentClient>,
  jobsTable: string,
  s3?: S3Client,
): Pick<PollerDeps, 'documents' | 'usage' | 'guards'> {
  const bucket = optionalString(env, 'MAIL_BUCKET');
  return {
    ...(bucket ? { documents: new S3PreparedDocuments(s3 ?? new S3Client({}), bucket) } : {}),
    usage: new DynamoDailyUsage(documents, jobsTable),
    guards: {
      senderDailyPageLimit: gateway.senderDailyPageLimit,
      dailyCostCeiling: gateway.dailyCostCeiling,
      estimatedPricePerPage: gateway.estimatedPricePerPage,
    },
  };
}

/** Work in flight when the deadline passes may still need this long (a receipt, an email). */
export const DEADLINE_MARGIN_MS = 15_000;

/**
 * A handler over lazily built dependencies: built on the first invocation, kept for the container.
 * It stops starting new work DEADLINE_MARGIN_MS before the Lambda would be cut off.
 */
export function createPollerHandler(
  build: () => PollerDeps,
): (event?: ScheduledEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<PollReport> {
  let deps: PollerDeps | undefined;
  return async (_event, context) => {
    deps ??= build();
    const remaining = context?.getRemainingTimeInMillis();
    const deadline =
      remaining === undefined
        ? undefined
        : new Date(deps.clock.now().getTime() + remaining - DEADLINE_MARGIN_MS);
    try {
      return await pollFaxStatuses(deadline ? { ...deps, deadline } : deps);
    } finally {
      deps.metrics.flush();
    }
  };
}

export const handler = createPollerHandler(() => buildPollerDeps());
