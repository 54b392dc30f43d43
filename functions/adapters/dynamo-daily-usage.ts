// Daily cost-guard counters in the jobs table, one item per (day, sender) and one per day for the
// gateway. Each item remembers which mails it counted, so a redelivered mail is never counted twice:
//
//   pk = USAGE#<yyyy-mm-dd>  sk = SENDER#<address>   pages, counted (set of SES message ids)
//   pk = USAGE#<yyyy-mm-dd>  sk = GATEWAY            cost, counted (set of what was reserved or
//                                                  added), corrected (set of what was corrected)

import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DailyUsage } from '../ports.ts';
import { isConditionalCheckFailed } from './dynamo-conditions.ts';

// Counters are only needed for the day they count; keep them a little longer for audit.
const USAGE_RETENTION_SECONDS = 40 * 86_400;

function expiresAt(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + USAGE_RETENTION_SECONDS;
}

export class DynamoDailyUsage implements DailyUsage {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async countSenderPages(day: string, sender: string, messageId: string, pages: number, limit: number) {
    const key = { pk: `USAGE#${day}`, sk: `SENDER#${sender.toLowerCase()}` };
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD pages :pages, counted :mail SET expiresAt = :expires',
          ConditionExpression:
            '(attribute_not_exists(counted) OR NOT contains(counted, :id)) AND (attribute_not_exists(pages) OR pages <= :room)',
          ExpressionAttributeValues: {
            ':pages': pages,
            ':mail': new Set([messageId]),
            ':id': messageId,
            ':room': limit - pages,
            ':expires': expiresAt(day),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { allowed: true, pagesToday: Number(result.Attributes?.pages ?? pages) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Either this mail was counted before (a redelivery: it was allowed then) or it does not fit.
      const current = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const counted = current.Item?.counted as Set<string> | undefined;
      const pagesToday = Number(current.Item?.pages ?? 0);
      return { allowed: counted?.has(messageId) ?? false, pagesToday };
    }
  }

  async gatewayCost(day: string): Promise<number> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `USAGE#${day}`, sk: 'GATEWAY' },
        ConsistentRead: true,
      }),
    );
    return Number(result.Item?.cost ?? 0);
  }

  async addGatewayCost(day: string, countedFor: string, cost: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `USAGE#${day}`, sk: 'GATEWAY' },
          UpdateExpression: 'ADD cost :cost, counted :mail SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(counted) OR NOT contains(counted, :id)',
          ExpressionAttributeValues: {
            ':cost': cost,
            ':mail': new Set([countedFor]),
            ':id': countedFor,
            ':expires': expiresAt(day),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error; // counted before: nothing to add
    }
  }

  async reserveGatewayCost(day: string, countedFor: string, cost: number, ceiling: number) {
    const key = { pk: `USAGE#${day}`, sk: 'GATEWAY' };
    const read = async () => {
      const current = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return {
        counted: (current.Item?.counted as Set<string> | undefined)?.has(countedFor) ?? false,
        costToday: Number(current.Item?.cost ?? 0),
      };
    };
    // A mail costing more than the whole ceiling never fits, whatever was spent.
    if (cost > ceiling) {
      const { counted, costToday } = await read();
      return { allowed: counted, costToday };
    }
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD cost :cost, counted :mail SET expiresAt = :expires',
          ConditionExpression:
            '(attribute_not_exists(counted) OR NOT contains(counted, :id)) AND (attribute_not_exists(cost) OR cost <= :room)',
          ExpressionAttributeValues: {
            ':cost': cost,
            ':mail': new Set([countedFor]),
            ':id': countedFor,
            // Rounded to the cent: 0.1 + 0.2 must not fail a ceiling of 0.3.
            ':room': Math.round((ceiling - cost) * 1e6) / 1e6,
            ':expires': expiresAt(day),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { allowed: true, costToday: Number(result.Attributes?.cost ?? cost) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Reserved before (a redelivery: it was allowed then), or it does not fit.
      const { counted, costToday } = await read();
      return { allowed: counted, costToday };
    }
  }

  async correctGatewayCost(day: string, countedFor: string, delta: number): Promise<void> {
    if (delta === 0) return;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `USAGE#${day}`, sk: 'GATEWAY' },
          UpdateExpression: 'ADD cost :delta, corrected :mail SET expiresAt = :expires',
          ConditionExpression:
            'contains(counted, :id) AND (attribute_not_exists(corrected) OR NOT contains(corrected, :id))',
          ExpressionAttributeValues: {
            ':delta': delta,
            ':mail': new Set([countedFor]),
            ':id': countedFor,
            ':expires': expiresAt(day),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error; // corrected before, or never reserved
    }
  }
}
