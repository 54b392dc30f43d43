// The inbound use case's dependencies against the one-machine runtime's stand-ins, for the commands
// that process a mail from the CLI (dead-letters redrive): the same adapters npm start uses.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDailyUsage } from '../functions/adapters/dynamo-daily-usage.ts';
import { DynamoJobLedger } from '../functions/adapters/dynamo-job-ledger.ts';
import { DynamoSenderList } from '../functions/adapters/dynamo-sender-list.ts';
import { FaxrocksClient, staticToken } from '../functions/adapters/faxrocks/client.ts';
import { OutboxMailer } from '../functions/adapters/outbox-mailer.ts';
import { S3MailStore } from '../functions/adapters/s3-mail-store.ts';
import { CountingMetrics } from '../functions/adapters/telemetry.ts';
import type { InboundDeps } from '../functions/inbound/deps.ts';
import { type Log, systemClock } from '../functions/ports.ts';
import type { LocalTarget } from './target.ts';

export function localInboundDeps(
  place: LocalTarget,
  clientConfig: (service: 'dynamodb' | 's3') => Record<string, unknown>,
  log: Log,
): { deps: InboundDeps; close(): void } {
  const { config } = place;
  const dynamo = new DynamoDBClient(clientConfig('dynamodb'));
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const s3 = new S3Client(clientConfig('s3'));
  const deps: InboundDeps = {
    mailStore: new S3MailStore(s3),
    senders: new DynamoSenderList(documents, config.sendersTable),
    ledger: new DynamoJobLedger(documents, config.jobsTable, {
      claimRetentionDays: config.policy.jobRetentionDays,
    }),
    faxApi: new FaxrocksClient({
      baseUrl: place.faxrocks.url,
      token: staticToken(place.faxrocks.token),
      allowInsecureHttp: true,
      log,
    }),
    mailer: new OutboxMailer({ outboxDir: place.outboxDir }),
    policy: config.policy,
    clock: systemClock,
    log,
    metrics: new CountingMetrics(),
    usage: new DynamoDailyUsage(documents, config.jobsTable),
  };
  return {
    deps,
    close: () => {
      dynamo.destroy();
      s3.destroy();
    },
  };
}
