// Lambda edge for the inbound queue: build the dependencies once per cold start, hand each batch to
// the use case, report partial batch failures.

import { S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { documentClient, faxrocksClientFromEnv, sesMailerFromEnv } from '../adapters/deployed-adapters.ts';
import { DynamoDailyUsage } from '../adapters/dynamo-daily-usage.ts';
import { DynamoJobLedger } from '../adapters/dynamo-job-ledger.ts';
import { DynamoSenderList } from '../adapters/dynamo-sender-list.ts';
import { S3MailStore, S3PreparedDocuments } from '../adapters/s3-mail-store.ts';
import { createLogger, PowertoolsMetricsSink } from '../adapters/telemetry.ts';
import { gatewayPolicyFromEnv, optionalString, requireString } from '../config.ts';
import { systemClock } from '../ports.ts';
import type { InboundDeps } from './deps.ts';
import { handleInboundBatch } from './inbound-batch.ts';

const log = createLogger('faxgate-inbound');

function buildDeps(env = process.env): InboundDeps {
  const policy = gatewayPolicyFromEnv(env);
  const documents = documentClient();
  const jobsTable = requireString(env, 'JOBS_TABLE');
  const s3 = new S3Client({});
  const bucket = optionalString(env, 'MAIL_BUCKET');
  return {
    mailStore: new S3MailStore(s3),
    ...(bucket ? { documents: new S3PreparedDocuments(s3, bucket) } : {}),
    senders: new DynamoSenderList(documents, requireString(env, 'SENDERS_TABLE')),
    ledger: new DynamoJobLedger(documents, jobsTable, {
      claimRetentionDays: policy.jobRetentionDays,
    }),
    faxApi: faxrocksClientFromEnv(env, log),
    mailer: sesMailerFromEnv(env),
    policy,
    clock: systemClock,
    log,
    metrics: new PowertoolsMetricsSink(),
    usage: new DynamoDailyUsage(documents, jobsTable),
  };
}

// Built at cold start: a configuration error fails the first invocation loudly, and the queue
// keeps the mail until it is fixed.
const deps = buildDeps();

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return handleInboundBatch(event, deps);
}
