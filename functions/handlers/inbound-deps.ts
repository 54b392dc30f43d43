// The inbound function's composition root: configuration plus clients in, the use case's
// dependencies out. The Lambda handler, `npm start` (local/runtime.ts), the bench and the tests all
// build them here, so none of them can leave a dependency out.

import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionClients } from '../adapters/deployed-adapters.ts';
import { DynamoSenderList } from '../adapters/dynamo-sender-list.ts';
import { S3MailStore } from '../adapters/s3-mail-store.ts';
import { resourceNamesFromEnv } from '../config.ts';
import { ConfigError } from '../errors.ts';
import type { InboundDeps } from '../inbound/process-mail.ts';
import { type Env, type SharedSettings, sharedDeps, sharedSettingsFromEnv } from './shared-deps.ts';

export type { InboundDeps };

/** The inbound function's configuration (the local runtime's LocalConfig is one too). */
export interface InboundSettings extends SharedSettings {
  sendersTable: string;
}

export interface InboundClients extends FunctionClients {
  s3: S3Client;
}

/** The shared settings and SENDERS_TABLE. Throws ConfigError naming what is wrong. */
export function inboundSettingsFromEnv(env: Env = process.env): InboundSettings {
  const { sendersTable } = resourceNamesFromEnv(env);
  if (!sendersTable) throw new ConfigError('SENDERS_TABLE must be set');
  return { ...sharedSettingsFromEnv(env), sendersTable };
}

export function buildInboundDeps(settings: InboundSettings, clients: InboundClients): InboundDeps {
  const { documentClient, ...shared } = sharedDeps(settings, clients);
  return {
    ...shared,
    mailStore: new S3MailStore(clients.s3),
    senders: new DynamoSenderList(documentClient, settings.sendersTable),
    policy: settings.policy,
  };
}
