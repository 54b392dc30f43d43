// The sender allowlist in DynamoDB: one item per entry, keyed by the entry as the domain's
// SenderPolicy writes it (lower-cased exact address or `@domain`), so a check is two consistent
// point reads and never a scan. This store only stores: what an entry is and what it allows is
// functions/domain/sender-policy.ts's.

import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { InvalidSenderEntryError, isStoredSenderEntry, senderLookupKeys } from '../domain/sender-policy.ts';
import type { SenderEntry, SenderList } from '../ports.ts';
import { isConditionalCheckFailed } from './dynamo-conditions.ts';
import { sendersTableSchema } from './table-schema.ts';

/** A store keeps entries as written: one not in the policy's form is refused, never rewritten. */
function storedKey(entry: string): string {
  if (!isStoredSenderEntry(entry)) {
    throw new InvalidSenderEntryError(
      `"${entry}" is not an allowlist entry as stored; write it with normaliseSenderEntry first`,
    );
  }
  return entry;
}

export class DynamoSenderList implements SenderList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async isAllowed(address: string): Promise<boolean> {
    const lookup = senderLookupKeys(address);
    if (!lookup) return false;
    const key = sendersTableSchema.partitionKey;
    let keys = lookup.map((entry) => ({ [key]: entry }));
    // BatchGet may hand keys back unprocessed under load; ask again a bounded number of times.
    for (let attempt = 0; attempt < 5 && keys.length > 0; attempt++) {
      const result = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: '#entry',
              ExpressionAttributeNames: { '#entry': key },
            },
          },
        }),
      );
      if ((result.Responses?.[this.tableName] ?? []).length > 0) return true;
      keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
    }
    if (keys.length > 0) throw new Error('DynamoDB left sender keys unprocessed; try again');
    return false;
  }

  async add(entry: SenderEntry): Promise<'added' | 'exists'> {
    const item = { ...entry, entry: storedKey(entry.entry) };
    if (item.note === undefined) delete item.note;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#entry)',
          ExpressionAttributeNames: { '#entry': sendersTableSchema.partitionKey },
        }),
      );
      return 'added';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'exists';
      throw error;
    }
  }

  async remove(entry: string): Promise<'removed' | 'missing'> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { [sendersTableSchema.partitionKey]: storedKey(entry) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes ? 'removed' : 'missing';
  }

  /** Every entry, sorted. A scan is right here: the admin lists the whole (small) table. */
  async list(): Promise<SenderEntry[]> {
    const entries: SenderEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < 10_000; page++) {
      const result = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      for (const item of result.Items ?? []) entries.push(item as SenderEntry);
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return entries.sort((a, b) => sortKey(a.entry).localeCompare(sortKey(b.entry)));
  }
}

/** Domains first within their domain: `@example.com`, then `alice@example.com`. */
function sortKey(entry: string): string {
  const at = entry.lastIndexOf('@');
  return `${entry.slice(at + 1)} ${entry.slice(0, at)}`;
}
