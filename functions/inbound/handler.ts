// Lambda edge for the inbound queue: build the dependencies once per cold start, hand each batch to
// the use case, report partial batch failures.

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deployedInboundDeps } from './deps.ts';
import { handleInboundBatch } from './inbound-batch.ts';

// Built at cold start: a configuration error fails the first invocation loudly, and the queue
// keeps the mail until it is fixed.
const deps = deployedInboundDeps();

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return handleInboundBatch(event, deps);
}
