// The status poller's composition root: configuration plus clients in, the use case's dependencies
// out. The Lambda handler, `npm start` (local/runtime.ts), the bench and the tests all build them here.

import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionClients } from '../adapters/deployed-adapters.ts';
import { documentClient } from '../adapters/document-client.ts';
import { DynamoDailyUsage } from '../adapters/dynamo-daily-usage.ts';
import { DynamoJobLedger } from '../adapters/dynamo-job-ledger.ts';
import { DynamoNotificationLease } from '../adapters/dynamo-notification-lease.ts';
import { FaxrocksClient } from '../adapters/faxrocks/client.ts';
import { S3PreparedDocuments } from '../adapters/s3-mail-store.ts';
import {
  type GatewayPolicy,
  gatewayPolicyFromEnv,
  optionalString,
  type PollerPolicy,
  pollerPolicyFromEnv,
  redialScheduleOf,
  requireString,
} from '../config.ts';
import type { ResendDeps } from '../delivery/resend-job.ts';
import { systemClock } from '../ports.ts';
import type { PollerDeps } from '../status-poller/poll-fax-statuses.ts';

/** The poller's configuration (the local runtime's LocalConfig is one too). */
export interface PollerSettings {
  /** For the reply address and the job retention. */
  policy: GatewayPolicy;
  pollerPolicy: PollerPolicy;
  jobsTable: string;
  /** The mail bucket, where documents for later attempts are kept (MAIL_BUCKET). */
  bucket?: string;
}

export interface PollerClients extends FunctionClients {
  /** For the documents later attempts are sent with; needed with a bucket. */
  s3?: S3Client;
}

type Env = Record<string, string | undefined>;

/** FAX_DOMAIN (and REPLY_FROM), the poller policy variables, JOBS_TABLE. Throws ConfigError naming what is wrong. */
export function pollerSettingsFromEnv(env: Env = process.env): PollerSettings {
  const bucket = optionalString(env, 'MAIL_BUCKET');
  return {
    policy: gatewayPolicyFromEnv(env),
    pollerPolicy: pollerPolicyFromEnv(env),
    jobsTable: requireString(env, 'JOBS_TABLE'),
    ...(bucket ? { bucket } : {}),
  };
}

export function buildPollerDeps(settings: PollerSettings, clients: PollerClients): PollerDeps {
  const { policy, pollerPolicy, jobsTable, bucket } = settings;
  const { log, metrics, mailer } = clients;
  const clock = clients.clock ?? systemClock;
  const documents = documentClient(clients.dynamo);
  return {
    ledger: new DynamoJobLedger(documents, jobsTable, { clock, claimRetentionDays: policy.jobRetentionDays }),
    notificationLease: new DynamoNotificationLease(documents, jobsTable),
    faxApi: new FaxrocksClient({ ...clients.faxrocks, log }),
    mailer,
    policy: { redial: redialScheduleOf(policy), ...pollerPolicy },
    replyFrom: policy.replyFrom,
    replyStyle: { currency: policy.priceCurrency },
    clock,
    log,
    metrics,
    // Later attempts (re-dials, proven-unsent resends): the kept documents and every guard.
    ...(bucket && clients.s3 ? { documents: new S3PreparedDocuments(clients.s3, bucket) } : {}),
    usage: new DynamoDailyUsage(documents, jobsTable),
    guards: {
      senderDailyPageLimit: policy.senderDailyPageLimit,
      dailyCostCeiling: policy.dailyCostCeiling,
      estimatedPricePerPage: policy.estimatedPricePerPage,
    },
  };
}

/** An admin's resend (faxgate jobs resend) works with the poller's parts and the destination rules. */
export function buildResendDeps(settings: PollerSettings, clients: PollerClients): ResendDeps {
  return resendDepsFrom(buildPollerDeps(settings, clients), settings.policy);
}

export function resendDepsFrom(poller: PollerDeps, policy: GatewayPolicy): ResendDeps {
  const { ledger, faxApi, documents, usage, guards, clock, log, metrics } = poller;
  return {
    ledger,
    faxApi,
    ...(documents ? { documents } : {}),
    ...(usage ? { usage } : {}),
    ...(guards ? { guards } : {}),
    destinations: {
      allowedPrefixes: policy.allowedPrefixes,
      blockedPrefixes: policy.blockedPrefixes,
      allowedNumberTypes: policy.allowedNumberTypes,
    },
    clock,
    log,
    metrics,
  };
}
