// The inbound function's composition root: configuration plus clients in, the use case's
// dependencies out. The Lambda handler, `npm start` (local/runtime.ts), the bench and the tests all
// build them here, so none of them can leave a dependency out.

import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FunctionClients } from '../adapters/deployed-adapters.ts';
import { documentClient } from '../adapters/document-client.ts';
import { DynamoDailyUsage } from '../adapters/dynamo-daily-usage.ts';
import { DynamoJobLedger } from '../adapters/dynamo-job-ledger.ts';
import { DynamoSenderList } from '../adapters/dynamo-sender-list.ts';
import { FaxrocksClient } from '../adapters/faxrocks/client.ts';
import { S3MailStore, S3PreparedDocuments } from '../adapters/s3-mail-store.ts';
import { SqsMessageRetries } from '../adapters/sqs-message-retries.ts';
import {
  ConfigError,
  type GatewayPolicy,
  gatewayPolicyFromEnv,
  optionalString,
  requireString,
} from '../config.ts';
import type { InboundBatchDeps } from '../inbound/inbound-batch.ts';
import type { InboundDeps } from '../inbound/process-mail.ts';
import {
  type Clock,
  type DailyUsage,
  type FaxApi,
  type JobLedger,
  type Log,
  type Mailer,
  type MailStore,
  type MessageRetries,
  type MetricsSink,
  type PreparedDocuments,
  type SenderList,
  systemClock,
} from '../ports.ts';

export type { InboundBatchDeps, InboundDeps };

/** The inbound function's configuration (the local runtime's LocalConfig is one too). */
export interface InboundSettings {
  policy: GatewayPolicy;
  jobsTable: string;
  sendersTable: string;
  /** The mail bucket, where documents for later attempts are kept (MAIL_BUCKET). */
  bucket?: string;
  /** The inbound queue's receives before a dead letter (INBOUND_MAX_RECEIVE_COUNT): the last gives up. */
  maxReceiveCount?: number;
  /** The inbound queue's URL (INBOUND_QUEUE_URL); without it each record's eventSourceARN names it. */
  queueUrl?: string;
}

export interface InboundClients extends FunctionClients {
  s3: S3Client;
  /** Sets each failed message's own retry delay on AWS (ChangeMessageVisibility). */
  sqs?: SQSClient;
  /** The same, given directly (the one-machine queue implements it itself). */
  retries?: MessageRetries;
}

type Env = Record<string, string | undefined>;

/**
 * FAX_DOMAIN and the policy variables, JOBS_TABLE, SENDERS_TABLE, MAIL_BUCKET, INBOUND_MAX_RECEIVE_COUNT,
 * INBOUND_QUEUE_URL. Throws ConfigError naming what is wrong.
 */
export function inboundSettingsFromEnv(env: Env = process.env): InboundSettings {
  const bucket = optionalString(env, 'MAIL_BUCKET');
  const queueUrl = optionalString(env, 'INBOUND_QUEUE_URL');
  const receives = optionalString(env, 'INBOUND_MAX_RECEIVE_COUNT');
  const maxReceiveCount = receives === undefined ? undefined : Number(receives);
  if (maxReceiveCount !== undefined && !(Number.isInteger(maxReceiveCount) && maxReceiveCount >= 1)) {
    throw new ConfigError(`INBOUND_MAX_RECEIVE_COUNT must be a whole number of 1 or more, not "${receives}"`);
  }
  return {
    policy: gatewayPolicyFromEnv(env),
    jobsTable: requireString(env, 'JOBS_TABLE'),
    sendersTable: requireString(env, 'SENDERS_TABLE'),
    ...(bucket ? { bucket } : {}),
    ...(maxReceiveCount !== undefined ? { maxReceiveCount } : {}),
    ...(queueUrl ? { queueUrl } : {}),
  };
}

export function buildInboundDeps(settings: InboundSettings, clients: InboundClients): InboundBatchDeps {
  const { policy, jobsTable, sendersTable, bucket } = settings;
  const { log, metrics, mailer } = clients;
  const clock = clients.clock ?? systemClock;
  const documents = documentClient(clients.dynamo);
  const retries =
    clients.retries ?? (clients.sqs ? new SqsMessageRetries(clients.sqs, settings.queueUrl) : undefined);
  return {
    mailStore: new S3MailStore(clients.s3),
    ...(bucket ? { documents: new S3PreparedDocuments(clients.s3, bucket) } : {}),
    senders: new DynamoSenderList(documents, sendersTable),
    ledger: new DynamoJobLedger(documents, jobsTable, { clock, claimRetentionDays: policy.jobRetentionDays }),
    faxApi: new FaxrocksClient({ ...clients.faxrocks, log }),
    mailer,
    policy,
    clock,
    log,
    metrics,
    usage: new DynamoDailyUsage(documents, jobsTable),
    ...(retries ? { retries } : {}),
    ...(settings.maxReceiveCount !== undefined ? { maxReceiveCount: settings.maxReceiveCount } : {}),
  };
}
