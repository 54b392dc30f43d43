// The inbound function's composition root: configuration plus clients in, the use case's
// dependencies out. The Lambda handler, `npm start` (local/runtime.ts), the bench and the tests all
// build them here, so none of them can leave a dependency out.

import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { coverAssetsLoader } from '../adapters/cover-assets.ts';
import type { FunctionClients } from '../adapters/deployed-adapters.ts';
import { DynamoSenderList } from '../adapters/dynamo-sender-list.ts';
import { S3MailStore, S3PreparedDocuments } from '../adapters/s3-mail-store.ts';
import { SqsMessageRetries } from '../adapters/sqs-message-retries.ts';
import { resourceNamesFromEnv } from '../config.ts';
import { ConfigError } from '../errors.ts';
import type { InboundBatchDeps } from '../inbound/inbound-batch.ts';
import type { InboundDeps } from '../inbound/process-mail.ts';
import type { MessageRetries } from '../ports.ts';
import { type Env, type SharedSettings, sharedDeps, sharedSettingsFromEnv } from './shared-deps.ts';

export type { InboundBatchDeps, InboundDeps };

/** The inbound function's configuration (the local runtime's LocalConfig is one too). */
export interface InboundSettings extends SharedSettings {
  sendersTable: string;
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

/** The shared settings, SENDERS_TABLE and the queue's. Throws ConfigError naming what is wrong. */
export function inboundSettingsFromEnv(env: Env = process.env): InboundSettings {
  const { sendersTable, maxReceiveCount, queueUrl } = resourceNamesFromEnv(env);
  if (!sendersTable) throw new ConfigError('SENDERS_TABLE must be set');
  return {
    ...sharedSettingsFromEnv(env),
    sendersTable,
    ...(maxReceiveCount !== undefined ? { maxReceiveCount } : {}),
    ...(queueUrl ? { queueUrl } : {}),
  };
}

export function buildInboundDeps(settings: InboundSettings, clients: InboundClients): InboundBatchDeps {
  const { documentClient, ...shared } = sharedDeps(settings, clients);
  const retries =
    clients.retries ?? (clients.sqs ? new SqsMessageRetries(clients.sqs, settings.queueUrl) : undefined);
  return {
    ...shared,
    mailStore: new S3MailStore(clients.s3),
    ...(settings.bucket ? { documents: new S3PreparedDocuments(clients.s3, settings.bucket) } : {}),
    senders: new DynamoSenderList(documentClient, settings.sendersTable),
    policy: settings.policy,
    coverAssets: coverAssetsLoader({
      ...(settings.policy.coverLogo ? { logo: settings.policy.coverLogo } : {}),
      s3: clients.s3,
      log: shared.log,
    }),
    ...(retries ? { retries } : {}),
    ...(settings.maxReceiveCount !== undefined ? { maxReceiveCount: settings.maxReceiveCount } : {}),
  };
}
