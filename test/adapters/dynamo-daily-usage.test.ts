import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../functions/adapters/document-client.ts';
import { DynamoDailyUsage } from '../../functions/adapters/dynamo-daily-usage.ts';
import { localAwsClientConfig } from '../../local/aws-client-config.ts';
import { type DynamoFixture, startDynamoFixture } from '../support/stand-ins.ts';

let dynamo: DynamoFixture;
let usage: DynamoDailyUsage;

beforeAll(async () => {
  dynamo = await startDynamoFixture();
  usage = new DynamoDailyUsage(dynamo.docClient, dynamo.jobsTable);
});
afterAll(async () => dynamo?.close());

describe('DynamoDailyUsage', () => {
  it('counts a sender’s pages per day up to the limit, each mail once', async () => {
    expect(await usage.countSenderPages('2026-11-27', 'Ann@Example.com', 'm1', 4, 10)).toEqual({
      allowed: true,
      pagesToday: 4,
    });
    // The same mail again (a redelivery): still allowed, not counted twice.
    expect(await usage.countSenderPages('2026-11-27', 'ann@example.com', 'm1', 4, 10)).toEqual({
      allowed: true,
      pagesToday: 4,
    });
    expect(await usage.countSenderPages('2026-11-27', 'ann@example.com', 'm2', 6, 10)).toEqual({
      allowed: true,
      pagesToday: 10,
    });
    expect(await usage.countSenderPages('2026-11-27', 'ann@example.com', 'm3', 1, 10)).toEqual({
      allowed: false,
      pagesToday: 10,
    });
    // Another day, another sender: their own counters.
    expect((await usage.countSenderPages('2026-11-28', 'ann@example.com', 'm3', 1, 10)).allowed).toBe(true);
    expect((await usage.countSenderPages('2026-11-27', 'bob@example.com', 'm4', 10, 10)).allowed).toBe(true);
  });

  it('counts the gateway’s estimated cost once per mail and batch', async () => {
    await usage.reserveGatewayCost('2026-11-27', 'm1#0', 0.18, 100);
    await usage.reserveGatewayCost('2026-11-27', 'm1#0', 0.18, 100);
    await usage.reserveGatewayCost('2026-11-27', 'm1#1', 0.09, 100);
    expect(await usage.gatewayCost('2026-11-27')).toBeCloseTo(0.27);
    expect(await usage.gatewayCost('2026-11-26')).toBe(0);
  });
});

/** An item's size as DynamoDB reckons it, roughly: attribute names plus their values' bytes. */
function itemBytes(item: Record<string, unknown> | undefined): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item ?? {})) {
    bytes += name.length;
    if (value instanceof Set) for (const v of value) bytes += String(v).length;
    else bytes += String(value).length;
  }
  return bytes;
}

async function rawItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const got = await dynamo.docClient.send(
    new GetCommand({ TableName: dynamo.jobsTable, Key: { pk, sk }, ConsistentRead: true }),
  );
  return got.Item;
}

/** A second client on the same table that fails right after its `nth` matching write succeeded. */
function crashingUsage(matches: (input: Record<string, unknown>) => boolean): DynamoDailyUsage {
  const client = new DynamoDBClient(localAwsClientConfig(dynamo.standIn.endpoint));
  crashing.push(client);
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      if (matches(args.input as Record<string, unknown>)) throw new Error('the function crashed here');
      return result;
    },
    { step: 'initialize' },
  );
  return new DynamoDailyUsage(documentClient(client), dynamo.jobsTable);
}
const crashing: DynamoDBClient[] = [];
afterAll(() => {
  for (const client of crashing) client.destroy();
});

describe('DynamoDailyUsage under a flood (issue 11)', () => {
  it('keeps the day’s counters the same size however many mails they counted', async () => {
    // A list of counted ids per day passed DynamoDB's 400 KB item limit at about 6,000 mails,
    // after which every guarded mail failed to count and went to the dead letters.
    const day = '2026-12-01';
    const sizes: { gateway: number; sender: number }[] = [];
    for (let i = 0; i < 40; i++) {
      const messageId = `flood-${i}-${'x'.repeat(40)}`;
      expect((await usage.reserveGatewayCost(day, messageId, 0.09, 1_000)).allowed).toBe(true);
      expect((await usage.countSenderPages(day, 'flood@example.com', messageId, 1, 1_000)).allowed).toBe(
        true,
      );
      await usage.correctGatewayCost(day, messageId, 0.01);
      if (i === 4 || i === 39) {
        sizes.push({
          gateway: itemBytes(await rawItem(`USAGE#${day}`, 'GATEWAY')),
          sender: itemBytes(await rawItem(`USAGE#${day}`, 'SENDER#flood@example.com')),
        });
      }
    }
    const [five, forty] = sizes;
    // A few digits more of a number, nothing per mail.
    expect(forty?.gateway).toBeLessThanOrEqual((five?.gateway ?? 0) + 4);
    expect(forty?.sender).toBeLessThanOrEqual((five?.sender ?? 0) + 4);
    expect(await usage.gatewayCost(day)).toBeCloseTo(40 * 0.1);
    expect((await usage.countSenderPages(day, 'flood@example.com', 'one-more', 1, 40)).allowed).toBe(false);
  });

  it('counts a mail once when the function crashed between counting it and marking it counted', async () => {
    const day = '2026-12-02';
    const afterCounting = crashingUsage(
      (input) =>
        String(input.UpdateExpression ?? '').startsWith('ADD') &&
        !String(input.UpdateExpression).includes('corrected'),
    );
    await expect(afterCounting.reserveGatewayCost(day, 'm1', 0.5, 1)).rejects.toThrow('crashed');
    await expect(afterCounting.countSenderPages(day, 'ann@example.com', 'm1', 3, 5)).rejects.toThrow(
      'crashed',
    );
    // The redelivery: allowed (it was counted), and not counted again.
    expect(await usage.reserveGatewayCost(day, 'm1', 0.5, 1)).toEqual({ allowed: true, costToday: 0.5 });
    expect(await usage.countSenderPages(day, 'ann@example.com', 'm1', 3, 5)).toEqual({
      allowed: true,
      pagesToday: 3,
    });
    expect(await usage.reserveGatewayCost(day, 'm1', 0.5, 1)).toEqual({ allowed: true, costToday: 0.5 });
    expect((await usage.reserveGatewayCost(day, 'm2', 0.5, 1)).allowed).toBe(true);
    expect((await usage.reserveGatewayCost(day, 'm3', 0.5, 1)).allowed).toBe(false);
    expect((await usage.countSenderPages(day, 'ann@example.com', 'm2', 3, 5)).allowed).toBe(false);
  });

  it('counts a mail once when the function crashed after marking it counted', async () => {
    const day = '2026-12-03';
    const afterMarking = crashingUsage((input) => input.Item !== undefined);
    await expect(afterMarking.reserveGatewayCost(day, 'm1', 0.5, 1)).rejects.toThrow('crashed');
    expect(await usage.reserveGatewayCost(day, 'm1', 0.5, 1)).toEqual({ allowed: true, costToday: 0.5 });
    expect((await usage.reserveGatewayCost(day, 'm2', 0.6, 1)).allowed).toBe(false);
    // Nothing of m1 is left on the counter once its redelivery finished.
    expect(itemBytes(await rawItem(`USAGE#${day}`, 'GATEWAY'))).toBeLessThan(60);
  });

  it('corrects a reservation once, also across a crash', async () => {
    const day = '2026-12-04';
    expect((await usage.reserveGatewayCost(day, 'm1', 0.5, 1)).allowed).toBe(true);
    await usage.correctGatewayCost(day, 'm1', -0.2);
    await usage.correctGatewayCost(day, 'm1', -0.2);
    expect(await usage.gatewayCost(day)).toBeCloseTo(0.3);
    // Never reserved: nothing to correct.
    await usage.correctGatewayCost(day, 'never', 5);
    expect(await usage.gatewayCost(day)).toBeCloseTo(0.3);
    const afterCorrecting = crashingUsage((input) => String(input.UpdateExpression ?? '').startsWith('ADD'));
    expect((await usage.reserveGatewayCost(day, 'm2', 0.5, 1)).allowed).toBe(true);
    await expect(afterCorrecting.correctGatewayCost(day, 'm2', 0.1)).rejects.toThrow('crashed');
    await usage.correctGatewayCost(day, 'm2', 0.1);
    expect(await usage.gatewayCost(day)).toBeCloseTo(0.9);
  });

  it('counts senders and mails whose names pass DynamoDB’s key limits', async () => {
    // A key part is at most 1,024 bytes (sort key); a From of 3,000 characters must still count.
    const day = '2026-12-05';
    const sender = `${'a'.repeat(3_000)}@example.com`;
    const messageId = `m-${'9'.repeat(2_000)}`;
    expect(await usage.countSenderPages(day, sender, messageId, 2, 3)).toEqual({
      allowed: true,
      pagesToday: 2,
    });
    expect(await usage.countSenderPages(day, sender.toUpperCase(), messageId, 2, 3)).toEqual({
      allowed: true,
      pagesToday: 2,
    });
    expect((await usage.countSenderPages(day, sender, 'm-other', 2, 3)).allowed).toBe(false);
    // Another long sender sharing the first 1,000 characters has its own counter.
    expect(
      (await usage.countSenderPages(day, `${'a'.repeat(3_000)}@example.org`, 'm-other', 2, 3)).allowed,
    ).toBe(true);
    expect((await usage.reserveGatewayCost(day, messageId, 0.5, 1)).allowed).toBe(true);
    await usage.correctGatewayCost(day, messageId, 0.1);
    expect(await usage.gatewayCost(day)).toBeCloseTo(0.6);
  });
});
