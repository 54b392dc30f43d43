import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDailyUsage } from '../../functions/adapters/dynamo-daily-usage.ts';
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

  it('adds the gateway’s estimated cost once per mail and batch', async () => {
    await usage.addGatewayCost('2026-11-27', 'm1#0', 0.18);
    await usage.addGatewayCost('2026-11-27', 'm1#0', 0.18);
    await usage.addGatewayCost('2026-11-27', 'm1#1', 0.09);
    expect(await usage.gatewayCost('2026-11-27')).toBeCloseTo(0.27);
    expect(await usage.gatewayCost('2026-11-26')).toBe(0);
  });
});
