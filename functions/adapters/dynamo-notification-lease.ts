// The outcome-email lease in the jobs table, on its own item beside the job so the job item keeps
// the ledger's conditions to itself:
//
//   pk = NOTIFY#<messageId>#<number>  sk = LEASE   holder, leaseUntil (ISO), expiresAt (TTL)
//
// One conditional put: it wins when no lease exists, the old one ran out, or the holder is us.

import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationLease } from '../ports.ts';
import { held } from './dynamo-conditions.ts';

/** Lease items are only needed while a job is open; a day later TTL removes them. */
const LEASE_RETENTION_SECONDS = 86_400;

export function notificationLeaseKey(messageId: string, number: string) {
  return { pk: `NOTIFY#${messageId}#${number}`, sk: 'LEASE' };
}

export class DynamoNotificationLease implements NotificationLease {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async acquire(
    job: { messageId: string; number: string },
    holder: string,
    now: Date,
    until: Date,
  ): Promise<boolean> {
    return held(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...notificationLeaseKey(job.messageId, job.number),
            messageId: job.messageId,
            number: job.number,
            holder,
            leaseUntil: until.toISOString(),
            expiresAt: Math.floor(until.getTime() / 1000) + LEASE_RETENTION_SECONDS,
          },
          // ISO timestamps of one format compare correctly as strings.
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':holder': holder },
        }),
      ),
    );
  }
}
