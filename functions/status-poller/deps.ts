// The status poller's composition root: configuration plus clients in, the use case's dependencies
// out. The Lambda handler, `npm start` (local/runtime.ts), the bench and the tests all build them here.

import type { FunctionClients } from '../adapters/deployed-adapters.ts';
import { documentClient } from '../adapters/document-client.ts';
import { DynamoJobLedger } from '../adapters/dynamo-job-ledger.ts';
import { DynamoNotificationLease } from '../adapters/dynamo-notification-lease.ts';
import { FaxrocksClient } from '../adapters/faxrocks/client.ts';
import {
  type GatewayPolicy,
  gatewayPolicyFromEnv,
  type PollerPolicy,
  pollerPolicyFromEnv,
  requireString,
} from '../config.ts';
import { systemClock } from '../ports.ts';
import type { PollerDeps } from './poll-fax-statuses.ts';

/** The poller's configuration (the local runtime's LocalConfig is one too). */
export interface PollerSettings {
  /** For the reply address and the job retention. */
  policy: GatewayPolicy;
  pollerPolicy: PollerPolicy;
  jobsTable: string;
}

type Env = Record<string, string | undefined>;

/** FAX_DOMAIN (and REPLY_FROM), the poller policy variables, JOBS_TABLE. Throws ConfigError naming what is wrong. */
export function pollerSettingsFromEnv(env: Env = process.env): PollerSettings {
  return {
    policy: gatewayPolicyFromEnv(env),
    pollerPolicy: pollerPolicyFromEnv(env),
    jobsTable: requireString(env, 'JOBS_TABLE'),
  };
}

export function buildPollerDeps(settings: PollerSettings, clients: FunctionClients): PollerDeps {
  const { policy, pollerPolicy, jobsTable } = settings;
  const { log, metrics, mailer } = clients;
  const clock = clients.clock ?? systemClock;
  const documents = documentClient(clients.dynamo);
  return {
    ledger: new DynamoJobLedger(documents, jobsTable, { clock, claimRetentionDays: policy.jobRetentionDays }),
    notificationLease: new DynamoNotificationLease(documents, jobsTable),
    faxApi: new FaxrocksClient({ ...clients.faxrocks, log }),
    mailer,
    policy: pollerPolicy,
    replyFrom: policy.replyFrom,
    replyStyle: { currency: policy.priceCurrency },
    clock,
    log,
    metrics,
  };
}
