// What both functions' composition roots share: the settings they both read from the environment
// and the stores and provider client they both build from them.

import type { FunctionClients } from '../adapters/deployed-adapters.ts';
import { documentClient } from '../adapters/document-client.ts';
import { DynamoDailyUsage } from '../adapters/dynamo-daily-usage.ts';
import { DynamoJobLedger } from '../adapters/dynamo-job-ledger.ts';
import { FaxrocksClient } from '../adapters/faxrocks/client.ts';
import { type GatewayPolicy, gatewayPolicyFromEnv, resourceNamesFromEnv } from '../config.ts';
import { systemClock } from '../ports.ts';

export type Env = Record<string, string | undefined>;

/** The settings both functions read (the local runtime's LocalConfig holds them too). */
export interface SharedSettings {
  policy: GatewayPolicy;
  jobsTable: string;
  /** The mail bucket, where documents for later attempts are kept (MAIL_BUCKET). */
  bucket?: string;
}

/** FAX_DOMAIN and the policy variables, JOBS_TABLE, MAIL_BUCKET. Throws ConfigError naming what is wrong. */
export function sharedSettingsFromEnv(env: Env): SharedSettings {
  const { jobsTable, mailBucket } = resourceNamesFromEnv(env);
  return { policy: gatewayPolicyFromEnv(env), jobsTable, ...(mailBucket ? { bucket: mailBucket } : {}) };
}

/** The ledger, the usage counters and faxrocks, as both functions use them. */
export function sharedDeps(settings: SharedSettings, clients: FunctionClients) {
  const { policy, jobsTable } = settings;
  const { log, metrics, mailer } = clients;
  const clock = clients.clock ?? systemClock;
  const documents = documentClient(clients.dynamo);
  return {
    documentClient: documents,
    ledger: new DynamoJobLedger(documents, jobsTable, { clock, claimRetentionDays: policy.jobRetentionDays }),
    usage: new DynamoDailyUsage(documents, jobsTable),
    faxApi: new FaxrocksClient({ ...clients.faxrocks, log }),
    mailer,
    clock,
    log,
    metrics,
  };
}
