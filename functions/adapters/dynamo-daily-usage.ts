// Daily cost-guard counters in the jobs table: one counter item per (day, sender) and one per day
// for the gateway, and one small marker item per thing counted, so a redelivered mail is never
// counted twice and no item grows with the day's mail (a list of counted ids in the counter passed
// DynamoDB's 400 KB item limit at about 6,000 mails a day, and then every guarded mail failed):
//
//   pk = USAGE#<yyyy-mm-dd>  sk = SENDER#<address>              pages, pending
//   pk = USAGE#<yyyy-mm-dd>  sk = GATEWAY                       cost, pending
//   pk = USAGE#<yyyy-mm-dd>  sk = COUNTED#<counter sk>#<id>     the marker: <id> was counted there
//   pk = USAGE#<yyyy-mm-dd>  sk = CORRECTED#GATEWAY#<id>        the marker: <id>'s cost was corrected
//
// Counting is three single-item writes (dynalite has no transactions): (1) ADD the amount to the
// counter and the id to its `pending` set, on condition the id is not pending and the amount fits;
// (2) put the marker; (3) take the id out of `pending`. A crash after (1) leaves the id pending: the
// redelivery's (1) fails on it, reads it there, and goes on with (2) and (3) without counting again.
// A crash after (2) leaves the marker: the redelivery finds it and only does (3). So `pending` holds
// only what is being counted right now (or crashed mid-way and not yet redelivered), and the count
// is exact across crashes. Two runs of one mail at once can count it twice only when one finishes
// (3) between the other's marker read and its (1): an over-count, the safe side of a guard.
//
// Key parts built from mail content (a sender's address, an id) longer than KEY_PART_BYTES are
// replaced by their SHA-256, so no key can pass DynamoDB's 1,024-byte sort key limit.

import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DailyUsage } from '../ports.ts';
import { held, isConditionalCheckFailed } from './dynamo-conditions.ts';

// Counters are only needed for the day they count; keep them a little longer for audit.
const USAGE_RETENTION_SECONDS = 40 * 86_400;

/** Longer key parts are hashed: two of them and the prefixes stay far below 1,024 bytes. */
const KEY_PART_BYTES = 300;

function expiresAt(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + USAGE_RETENTION_SECONDS;
}

/** `text`, or `sha256:<hex>` of it when it is too long for a key (no shorter text looks like that). */
export function keyPart(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= KEY_PART_BYTES) return text;
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

type Key = { pk: string; sk: string };

interface Count {
  counter: Key;
  field: 'pages' | 'cost';
  amount: number;
  /** What is counted (a mail, a mail's attempt); counted at most once per counter. */
  id: string;
  /** The marker's kind: COUNTED, or CORRECTED for a reservation's correction. */
  kind?: 'COUNTED' | 'CORRECTED';
  /** At most this much may be on the counter before the amount is added (no limit when absent). */
  room?: number;
}

interface Counted {
  counted: boolean;
  total: number;
}

export class DynamoDailyUsage implements DailyUsage {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async countSenderPages(day: string, sender: string, messageId: string, pages: number, limit: number) {
    const counter = { pk: `USAGE#${day}`, sk: `SENDER#${keyPart(sender.toLowerCase())}` };
    const result = await this.countOnce({
      counter,
      field: 'pages',
      amount: pages,
      id: messageId,
      room: limit - pages,
    });
    return { allowed: result.counted, pagesToday: result.total };
  }

  async gatewayCost(day: string): Promise<number> {
    return Number((await this.read(gatewayKey(day)))?.cost ?? 0);
  }

  async reserveGatewayCost(day: string, countedFor: string, cost: number, ceiling: number) {
    const counter = gatewayKey(day);
    // A mail costing more than the whole ceiling never fits, whatever was spent (unless reserved
    // before, when the ceiling was higher).
    if (cost > ceiling && !(await this.read(markerKey(counter, 'COUNTED', countedFor)))) {
      return { allowed: false, costToday: await this.gatewayCost(day) };
    }
    const result = await this.countOnce({
      counter,
      field: 'cost',
      amount: cost,
      id: countedFor,
      // Rounded: 0.1 + 0.2 must not fail a ceiling of 0.3.
      room: Math.round((ceiling - cost) * 1e6) / 1e6,
    });
    return { allowed: result.counted, costToday: result.total };
  }

  async correctGatewayCost(day: string, countedFor: string, delta: number): Promise<void> {
    if (delta === 0) return;
    const counter = gatewayKey(day);
    // Never reserved: nothing to correct.
    if (!(await this.read(markerKey(counter, 'COUNTED', countedFor)))) return;
    await this.countOnce({ counter, field: 'cost', amount: delta, id: countedFor, kind: 'CORRECTED' });
  }

  /** Counts `amount` once for `id` (see the top of this file); whether it is counted, and the total. */
  private async countOnce(count: Count): Promise<Counted> {
    const { counter, field, amount, room } = count;
    const marker = markerKey(counter, count.kind ?? 'COUNTED', count.id);
    const id = `${count.kind ?? 'COUNTED'}#${keyPart(count.id)}`;
    const day = counter.pk.slice('USAGE#'.length);
    if (await this.read(marker)) {
      // Counted before (a redelivery): at most a crash's pending id is left to clear.
      await this.clearPending(counter, id);
      return { counted: true, total: Number((await this.read(counter))?.[field] ?? 0) };
    }
    let total: number;
    try {
      const updated = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counter,
          // Attribute names are this adapter's own constants, none a reserved word.
          UpdateExpression: `ADD ${field} :amount, pending :ids SET expiresAt = :expires`,
          ConditionExpression: `(attribute_not_exists(pending) OR NOT contains(pending, :id))${
            room === undefined ? '' : ` AND (attribute_not_exists(${field}) OR ${field} <= :room)`
          }`,
          ExpressionAttributeValues: {
            ':amount': amount,
            ':ids': new Set([id]),
            ':id': id,
            ':expires': expiresAt(day),
            ...(room === undefined ? {} : { ':room': room }),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      total = Number(updated.Attributes?.[field] ?? amount);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Either it does not fit, or an earlier run counted it and crashed before its marker.
      const current = await this.read(counter);
      total = Number(current?.[field] ?? 0);
      if (!(current?.pending as Set<string> | undefined)?.has(id)) return { counted: false, total };
    }
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...marker, countedAt: new Date().toISOString(), expiresAt: expiresAt(day) },
      }),
    );
    await this.clearPending(counter, id);
    return { counted: true, total };
  }

  private async clearPending(counter: Key, id: string): Promise<void> {
    await held(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counter,
          UpdateExpression: 'DELETE pending :ids',
          ConditionExpression: 'contains(pending, :id)',
          ExpressionAttributeValues: { ':ids': new Set([id]), ':id': id },
        }),
      ),
    );
  }

  private async read(key: Key): Promise<Record<string, unknown> | undefined> {
    const current = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return current.Item;
  }
}

const gatewayKey = (day: string): Key => ({ pk: `USAGE#${day}`, sk: 'GATEWAY' });

function markerKey(counter: Key, kind: 'COUNTED' | 'CORRECTED', id: string): Key {
  return { pk: counter.pk, sk: `${kind}#${counter.sk}#${keyPart(id)}` };
}
