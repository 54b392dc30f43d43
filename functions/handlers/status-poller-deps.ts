// The status poller's composition root: configuration plus clients in, the use case's dependencies
// out. The Lambda handler, `npm start` (local/runtime.ts), the bench and the tests all build them here.

import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionClients } from '../adapters/deployed-adapters.ts';
import { DynamoNotificationLease } from '../adapters/dynamo-notification-lease.ts';
import { LazyS3PreparedDocuments } from '../adapters/lazy-prepared-documents.ts';
import type { GatewayPolicy } from '../config.ts';
import { type PollerPolicy, pollerPolicyFromEnv, redialScheduleOf } from '../config.ts';
import type { ResendDeps } from '../delivery/resend-job.ts';
import type { PollerDeps } from '../status-poller/poll-fax-statuses.ts';
import { type Env, type SharedSettings, sharedDeps, sharedSettingsFromEnv } from './shared-deps.ts';

/** The poller's configuration (the local runtime's LocalConfig is one too). */
export interface PollerSettings extends SharedSettings {
  pollerPolicy: PollerPolicy;
}

export interface PollerClients extends FunctionClients {
  /** For the documents later attempts are sent with (with a bucket); without it, a client of the S3 kit's own. */
  s3?: S3Client;
}

/** The shared settings and the poller policy variables. Throws ConfigError naming what is wrong. */
export function pollerSettingsFromEnv(env: Env = process.env): PollerSettings {
  return { ...sharedSettingsFromEnv(env), pollerPolicy: pollerPolicyFromEnv(env) };
}

export function buildPollerDeps(settings: PollerSettings, clients: PollerClients): PollerDeps {
  const { policy, pollerPolicy } = settings;
  const { documentClient, ...shared } = sharedDeps(settings, clients);
  return {
    ...shared,
    ...(settings.bucket ? { documents: new LazyS3PreparedDocuments(settings.bucket, clients.s3) } : {}),
    notificationLease: new DynamoNotificationLease(documentClient, settings.jobsTable),
    policy: { redial: redialScheduleOf(policy), ...pollerPolicy },
    replyFrom: policy.replyFrom,
    replyStyle: { currency: policy.priceCurrency },
    // Later attempts (re-dials, proven-unsent resends) obey every guard.
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
