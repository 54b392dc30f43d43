// From the queue's event to one processStoredMail call per stored mail, with partial batch failure
// reporting: a message that fails is retried by SQS alone, never holding back the others.

import type { S3EventRecord, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { TransientError } from '../errors.ts';
import type { StoredMailRef } from '../ports.ts';
import type { InboundDeps } from './process-mail.ts';
import { messageIdOf, processStoredMail } from './process-mail.ts';

/**
 * The stored mails an SQS message names (an S3 event may carry several records; a test event none).
 * Object keys arrive URL-encoded, spaces as `+`. Throws when the body is not JSON.
 */
export function storedMailsOf(record: Pick<SQSRecord, 'body'>): StoredMailRef[] {
  const body = JSON.parse(record.body) as { Records?: S3EventRecord[]; Event?: string };
  if (!Array.isArray(body.Records)) return []; // s3:TestEvent and the like
  return body.Records.filter(
    (r) => r.eventSource === 'aws:s3' && r.eventName.startsWith('ObjectCreated:'),
  ).map((r) => ({ bucket: r.s3.bucket.name, key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')) }));
}

export async function handleInboundBatch(event: SQSEvent, deps: InboundDeps): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let refs: StoredMailRef[] = [];
    try {
      try {
        refs = storedMailsOf(record);
      } catch (error) {
        // Not an S3 notification at all: retrying cannot help, so log it and let it go.
        deps.log.error('Unreadable queue message', { sqsMessageId: record.messageId, error: String(error) });
        deps.metrics.count('UnreadableQueueMessage');
        continue;
      }
      for (const ref of refs) {
        const result = await processStoredMail(ref, deps);
        deps.log.debug('Stored mail processed', { messageId: messageIdOf(ref.key), result: result.outcome });
      }
    } catch (error) {
      const transient = error instanceof TransientError;
      deps.log[transient ? 'warn' : 'error']('Stored mail failed; the queue will retry it', {
        sqsMessageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      deps.metrics.count(transient ? 'InboundTransientFailure' : 'InboundFailure');
      failures.push({ itemIdentifier: record.messageId });
      await noteFailure(deps, refs, record, error);
    }
  }
  deps.metrics.flush();
  return { batchItemFailures: failures };
}

/** The cause on the mail record, for the admin's `jobs show` and `dead-letters show`; best effort. */
async function noteFailure(deps: InboundDeps, refs: StoredMailRef[], record: SQSRecord, error: unknown) {
  if (!deps.ledger.recordMailFailure) return;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
  for (const ref of refs) {
    try {
      await deps.ledger.recordMailFailure(messageIdOf(ref.key), {
        at: deps.clock.now().toISOString(),
        error: text,
        ...(Number.isFinite(receiveCount) ? { receiveCount } : {}),
      });
    } catch (noteError) {
      deps.log.warn('Could not note the failure on the mail record', { error: String(noteError) });
    }
  }
}
