// Lambda edge for the scheduled status poll: build the dependencies once per cold start, run one
// poll, flush the metrics.
//
// A transient faxrocks fault while reading /faxes is not an invocation error: the use case leaves
// every job as it was and the next scheduled run (a minute or so later) is the retry. Failing the
// invocation would only add Lambda's own async retries on top of a throttled or failing API and
// page someone for a provider blip; the `FaxListUnavailable` metric is there to alarm on when it
// lasts. Everything else (a wrong token, a missing table, a bad configuration) does throw, so
// the Lambda error metric shows it.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DynamoJobLedger } from '../adapters/dynamo-job-ledger.ts';
import { DynamoNotificationLease } from '../adapters/dynamo-notification-lease.ts';
import { DEFAULT_FAXROCKS_BASE_URL, FaxrocksClient, type TokenSource } from '../adapters/faxrocks/client.ts';
import { tokenSourceFromEnv } from '../adapters/faxrocks-token.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import { createLogger, PowertoolsMetricsSink } from '../adapters/telemetry.ts';
import { gatewayPolicyFromEnv, optionalString, pollerPolicyFromEnv, requireString } from '../config.ts';
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
  const documents = DynamoDBDocumentClient.from(clients.dynamo ?? new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const configurationSetName = optionalString(env, 'SES_CONFIGURATION_SET');
  return {
    ledger: new DynamoJobLedger(documents, jobsTable, { claimRetentionDays: gateway.jobRetentionDays }),
    notificationLease: new DynamoNotificationLease(documents, jobsTable),
    faxApi: new FaxrocksClient({
      baseUrl: optionalString(env, 'FAXROCKS_API_URL') ?? DEFAULT_FAXROCKS_BASE_URL,
      token: clients.token ?? tokenSourceFromEnv(env),
      log,
    }),
    mailer: new SesMailer(
      clients.ses ?? new SESv2Client({}),
      configurationSetName ? { configurationSetName } : {},
    ),
    policy,
    replyFrom: gateway.replyFrom,
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
