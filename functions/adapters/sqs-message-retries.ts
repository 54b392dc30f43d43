// Each failed inbound message's own retry delay on AWS: ChangeMessageVisibility on the message the
// function is handling, so a throttled or unreachable faxrocks is waited out with backoff (and its
// Retry-After) rather than at the queue's fixed visibility timeout.

import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageRetries, QueueMessage } from '../ports.ts';

/** SQS allows a message to stay hidden at most 12 hours from its receive. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** `arn:aws:sqs:eu-west-1:123456789012:faxgate-inbound` as the queue's URL. */
export function queueUrlOfArn(arn: string): string {
  const [, partition, service, region, account, name] = arn.split(':');
  if (service !== 'sqs' || !region || !account || !name) throw new RangeError(`not an SQS queue ARN: ${arn}`);
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

export class SqsMessageRetries implements MessageRetries {
  /** `queueUrl`: INBOUND_QUEUE_URL when set; otherwise each record's eventSourceARN names the queue. */
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl?: string,
  ) {}

  async retryAfter(message: QueueMessage, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl ?? queueUrlOfArn(message.queueArn),
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds))),
      }),
    );
  }
}
