// Lambda edge for the inbound queue: build the dependencies once per container, hand each batch to
// the use case, report partial batch failures.

import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type DeployedClientOverrides, deployedClients } from '../adapters/deployed-adapters.ts';
import { warmDocumentWorkers } from '../inbound/document-budget.ts';
import { handleInboundBatch } from '../inbound/inbound-batch.ts';
import { buildInboundDeps, type InboundBatchDeps, inboundSettingsFromEnv } from './inbound-deps.ts';

/** The deployed function's dependencies, from its environment and the AWS clients. */
export function deployedInboundDeps(
  env = process.env,
  overrides: DeployedClientOverrides & { sqs?: SQSClient } = {},
): InboundBatchDeps {
  return buildInboundDeps(inboundSettingsFromEnv(env), {
    ...deployedClients(env, 'faxgate-inbound', overrides),
    s3: overrides.s3 ?? new S3Client({}),
    sqs: overrides.sqs ?? new SQSClient({}),
  });
}

// Built on the first invocation and kept: a configuration error fails it loudly, and the queue
// keeps the mail until it is fixed.
let deps: InboundBatchDeps | undefined;

// The document worker starts during the cold start's init, beside the handler's own loading.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) warmDocumentWorkers();

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  deps ??= deployedInboundDeps();
  return handleInboundBatch(event, deps);
}
