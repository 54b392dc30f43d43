// From the queue's event to one processStoredMail call per stored mail, with partial batch failure
// reporting: a message that fails is retried by the queue alone, never holding back the others.
//
// A failed message is not left to the queue's fixed receive count: it is given its own delay
// (backoff, faxrocks' Retry-After; functions/domain/inbound-retries.ts) through MessageRetries, and
// once GIVE_UP_AFTER_MINUTES has passed since the mail was first received, or on the queue's last
// receive (ApproximateReceiveCount against INBOUND_MAX_RECEIVE_COUNT), the mail gives up: recorded
// FAILED with the cause, and its authenticated sender told that nothing was faxed and sending again
// is safe; or, when part of it was sent, its unsent numbers recorded "not sent" for the poller's one
// report. Only a mail that cannot be given up (the ledger or mailer failing too) is dead-lettered,
// with its cause (the mail record's lastError; the local queue's letter).

import type { S3EventRecord, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { duration, type FailedTry, isLastTry, retryDelaySeconds } from '../domain/inbound-retries.ts';
import { ProviderRateLimitedError, ProviderUnavailableError, TransientError } from '../errors.ts';
import type { MessageRetries, StoredMailRef } from '../ports.ts';
import type { InboundDeps } from './process-mail.ts';
import { giveUpOnStoredMail, messageIdOf, processStoredMail } from './process-mail.ts';

/** The inbound use case's dependencies and what the queue side adds. */
export interface InboundBatchDeps extends InboundDeps {
  /** Each failed message's own retry delay; without it the queue's visibility timeout applies. */
  retries?: MessageRetries;
  /** Receives before the queue dead-letters a message (INBOUND_MAX_RECEIVE_COUNT). */
  maxReceiveCount?: number;
}

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

export async function handleInboundBatch(event: SQSEvent, deps: InboundBatchDeps): Promise<SQSBatchResponse> {
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
      if ((await afterFailure(deps, refs, record, error)) === 'retry') {
        failures.push({ itemIdentifier: record.messageId });
      }
    }
  }
  deps.metrics.flush();
  return { batchItemFailures: failures };
}

/**
 * A failed message: noted on its mail record, then either given up (its time is up, and the give-up
 * could be recorded and answered) or given its own retry delay.
 */
async function afterFailure(
  deps: InboundBatchDeps,
  refs: StoredMailRef[],
  record: SQSRecord,
  error: unknown,
): Promise<'retry' | 'gave-up'> {
  const now = deps.clock.now();
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount) || 1;
  const firstReceivedAt = await firstReceiveOf(deps, refs, record, now);
  const cause = causeOf(error, now.getTime() - firstReceivedAt.getTime());
  await noteFailure(deps, refs, receiveCount, cause.forAdmin);
  const failed: FailedTry = {
    receiveCount,
    ...(deps.maxReceiveCount !== undefined ? { maxReceiveCount: deps.maxReceiveCount } : {}),
    firstReceivedAt,
    now,
    giveUpAfterMinutes: deps.policy.giveUpAfterMinutes,
    ...(cause.retryAfterSeconds !== undefined ? { retryAfterSeconds: cause.retryAfterSeconds } : {}),
  };
  if (refs.length > 0 && isLastTry(failed) && (await giveUp(deps, refs, cause))) return 'gave-up';
  if (deps.retries) {
    const seconds = retryDelaySeconds(failed);
    try {
      await deps.retries.retryAfter(
        { messageId: record.messageId, receiptHandle: record.receiptHandle, queueArn: record.eventSourceARN },
        seconds,
        cause.forAdmin,
      );
      deps.log.info('Stored mail will be tried again', {
        sqsMessageId: record.messageId,
        inSeconds: seconds,
      });
    } catch (delayError) {
      // The queue's own visibility timeout applies instead.
      deps.log.warn('Could not set the retry delay', { error: String(delayError) });
    }
  }
  return 'retry';
}

/** True when every mail of the message is now settled (given up, or settled meanwhile). */
async function giveUp(deps: InboundBatchDeps, refs: StoredMailRef[], cause: Cause): Promise<boolean> {
  for (const ref of refs) {
    try {
      const done = await giveUpOnStoredMail(ref, deps, {
        forAdmin: cause.forAdmin,
        forSender: cause.forSender,
      });
      deps.log.debug('Stored mail given up', { messageId: messageIdOf(ref.key), done });
    } catch (giveUpError) {
      deps.log.error('Could not give the mail up; left for the dead letters', {
        messageId: messageIdOf(ref.key),
        error: String(giveUpError),
      });
      return false;
    }
  }
  return true;
}

/** When the mail was first received: its record's receivedAt, else the queue's first receive. */
async function firstReceiveOf(
  deps: InboundBatchDeps,
  refs: StoredMailRef[],
  record: SQSRecord,
  now: Date,
): Promise<Date> {
  const first = refs[0];
  if (first) {
    try {
      const mail = await deps.ledger.getMail(messageIdOf(first.key));
      if (mail) return new Date(mail.receivedAt);
    } catch {
      // The ledger is what failed, perhaps: the queue's own time will do.
    }
  }
  const queued = Number(record.attributes?.ApproximateFirstReceiveTimestamp);
  return queued > 0 ? new Date(queued) : now;
}

interface Cause {
  /** For the mail record and the dead letter: `faxrocks answered 429 for 2 hours (...)`. */
  forAdmin: string;
  /** For the sender: the provider's fault in plain words, or that faxgate itself failed. */
  forSender: string;
  retryAfterSeconds?: number;
}

/** What kept the mail from going out, and for how long. */
export function causeOf(error: unknown, triedForMs: number): Cause {
  const during = duration(triedForMs);
  const provider = providerErrorIn(error);
  if (provider) {
    const status = provider.status;
    const what =
      status === undefined
        ? 'faxrocks could not be reached'
        : `faxrocks answered ${status}${statusWords(status)}`;
    const text = `${what} for ${during}`;
    return {
      forAdmin: `${text} (${provider.message})`,
      forSender: text,
      ...(provider instanceof ProviderRateLimitedError && provider.retryAfterSeconds !== undefined
        ? { retryAfterSeconds: provider.retryAfterSeconds }
        : {}),
    };
  }
  const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    forAdmin: `${described} (failing for ${during})`,
    forSender: `faxgate itself failed for ${during}; your administrator can see why in its logs`,
  };
}

function statusWords(status: number): string {
  if (status === 429) return ' (too many requests)';
  if (status === 401 || status === 403) return ' (access denied: the faxrocks token is wrong)';
  if (status >= 500) return ' (a server error)';
  return '';
}

/** The provider's own error, where it is the cause (the use case wraps it in a TransientError). */
function providerErrorIn(error: unknown): ProviderUnavailableError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof ProviderUnavailableError) return current;
    current = current.cause;
  }
  return undefined;
}

/** The cause on the mail record, for the admin's `jobs show` and `dead-letters show`; best effort. */
async function noteFailure(deps: InboundDeps, refs: StoredMailRef[], receiveCount: number, cause: string) {
  if (!deps.ledger.recordMailFailure) return;
  for (const ref of refs) {
    try {
      await deps.ledger.recordMailFailure(messageIdOf(ref.key), {
        at: deps.clock.now().toISOString(),
        error: cause,
        receiveCount,
      });
    } catch (noteError) {
      deps.log.warn('Could not note the failure on the mail record', { error: String(noteError) });
    }
  }
}
