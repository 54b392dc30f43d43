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
    const updated = await this.addOnce(
      key,
      { field: 'pages', amount: pages, id: messageId, day },
      {
        condition: `${NOT_COUNTED} AND (attribute_not_exists(pages) OR pages <= :room)`,
        values: { ':room': limit - pages },
      },
    );
    if (updated) return { allowed: true, pagesToday: Number(updated.pages ?? pages) };
    // Either this mail was counted before (a redelivery: it was allowed then) or it does not fit.
    const current = await this.read(key);
    const counted = current?.counted as Set<string> | undefined;
    return { allowed: counted?.has(messageId) ?? false, pagesToday: Number(current?.pages ?? 0) };
  }

  async gatewayCost(day: string): Promise<number> {
    return Number((await this.read(gatewayKey(day)))?.cost ?? 0);
  }

  async addGatewayCost(day: string, countedFor: string, cost: number): Promise<void> {
    // Counted before: nothing to add.
    await this.addOnce(
      gatewayKey(day),
      { field: 'cost', amount: cost, id: countedFor, day },
      { condition: NOT_COUNTED },
    );
  }

  async reserveGatewayCost(day: string, countedFor: string, cost: number, ceiling: number) {
    const key = gatewayKey(day);
    // A mail costing more than the whole ceiling never fits, whatever was spent.
    const updated =
      cost > ceiling
        ? undefined
        : await this.addOnce(
            key,
            { field: 'cost', amount: cost, id: countedFor, day },
            {
              condition: `${NOT_COUNTED} AND (attribute_not_exists(cost) OR cost <= :room)`,
              // Rounded to the cent: 0.1 + 0.2 must not fail a ceiling of 0.3.
              values: { ':room': Math.round((ceiling - cost) * 1e6) / 1e6 },
            },
          );
    if (updated) return { allowed: true, costToday: Number(updated.cost ?? cost) };
    // Reserved before (a redelivery: it was allowed then), or it does not fit.
    const current = await this.read(key);
    return {
      allowed: (current?.counted as Set<string> | undefined)?.has(countedFor) ?? false,
      costToday: Number(current?.cost ?? 0),
    };
  }

  async correctGatewayCost(day: string, countedFor: string, delta: number): Promise<void> {
    if (delta === 0) return;
    // Corrected before, or never reserved: nothing to do.
    await this.addOnce(
      gatewayKey(day),
      { field: 'cost', amount: delta, id: countedFor, day, idSet: 'corrected' },
      {
        condition:
          'contains(counted, :id) AND (attribute_not_exists(corrected) OR NOT contains(corrected, :id))',
      },
    );
  }

  private async read(key: Key): Promise<Record<string, unknown> | undefined> {
    const current = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return current.Item;
  }

  /**
   * ADDs `amount` to `field` and `id` to the set `idSet` when `condition` holds (it should say the id
   * is not in the set yet). The updated attributes, or undefined when the condition failed.
   */
  private async addOnce(
    key: Key,
    add: {
      field: 'pages' | 'cost';
      amount: number;
      id: string;
      day: string;
      idSet?: 'counted' | 'corrected';
    },
    options: { condition: string; values?: Record<string, unknown> },
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          // Attribute names are this adapter's own constants, none a reserved word.
          UpdateExpression: `ADD ${add.field} :amount, ${add.idSet ?? 'counted'} :ids SET expiresAt = :expires`,
          ConditionExpression: options.condition,
          ExpressionAttributeValues: {
            ':amount': add.amount,
            ':ids': new Set([add.id]),
            ':id': add.id,
            ':expires': expiresAt(add.day),
            ...options.values,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return result.Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

type Key = { pk: string; sk: string };

const gatewayKey = (day: string): Key => ({ pk: `USAGE#${day}`, sk: 'GATEWAY' });

/** This item has not counted the id yet. */
const NOT_COUNTED = '(attribute_not_exists(counted) OR NOT contains(counted, :id))';
