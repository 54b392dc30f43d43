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
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { documentClient, faxrocksClientFromEnv, sesMailerFromEnv } from '../adapters/deployed-adapters.ts';
import { DynamoJobLedger } from '../adapters/dynamo-job-ledger.ts';
import { DynamoNotificationLease } from '../adapters/dynamo-notification-lease.ts';
import type { TokenSource } from '../adapters/faxrocks/client.ts';
import { createLogger, PowertoolsMetricsSink } from '../adapters/telemetry.ts';
import { gatewayPolicyFromEnv, pollerPolicyFromEnv, requireString } from '../config.ts';
import { type Log, type MetricsSink, systemClock } from '../ports.ts';
import { type PollerDeps, type PollReport, pollFaxStatuses } from './poll-fax-statuses.ts';

type Env = Record<string, string | undefined>;

/** Clients the deployed function creates itself; the tests hand in loopback ones. */
export interface PollerClients {
  dynamo?: DynamoDBClient;
  ses?: SESv2Client;
  token?: TokenSource;
  log?: Log;
  metrics?: MetricsSink;
}

/**
 * From the environment: JOBS_TABLE, FAX_DOMAIN (and REPLY_FROM), FAXROCKS_API_URL (optional),
 * FAXROCKS_TOKEN_PARAMETER or FAXROCKS_TOKEN_SECRET, the poller policy variables, and
 * SES_CONFIGURATION_SET (optional). Throws ConfigError naming what is missing.
 */
export function buildPollerDeps(env: Env = process.env, clients: PollerClients = {}): PollerDeps {
  const gateway = gatewayPolicyFromEnv(env);
  const policy = pollerPolicyFromEnv(env);
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
