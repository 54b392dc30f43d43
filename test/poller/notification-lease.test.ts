import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoNotificationLease } from '../../functions/adapters/dynamo-notification-lease.ts';
import { type DynamoFixture, startDynamoFixture } from '../support/stand-ins.ts';

describe('DynamoNotificationLease (dynalite, real SDK)', () => {
  let dynamo: DynamoFixture;
  let lease: DynamoNotificationLease;
  const job = { messageId: 'ses-lease', number: '+4930123456' };
  const t0 = new Date('2026-11-27T06:00:00.000Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeAll(async () => {
    dynamo = await startDynamoFixture();
    lease = new DynamoNotificationLease(dynamo.docClient, dynamo.jobsTable);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('gives the lease to one holder until it runs out, then to another', async () => {
    const first = await Promise.all([
      lease.acquire(job, 'poller-a', t0, at(180)),
      lease.acquire(job, 'poller-b', t0, at(180)),
    ]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const winner = first[0] ? 'poller-a' : 'poller-b';
    const loser = first[0] ? 'poller-b' : 'poller-a';

    expect(await lease.acquire(job, winner, at(10), at(190))).toBe(true);
    expect(await lease.acquire(job, loser, at(100), at(280))).toBe(false);
    expect(await lease.acquire(job, loser, at(191), at(371))).toBe(true);
    expect(await lease.acquire(job, winner, at(200), at(380))).toBe(false);
  });

  it('keeps leases of different jobs apart', async () => {
    expect(await lease.acquire({ ...job, number: '+4930999999' }, 'poller-c', t0, at(180))).toBe(true);
    expect(await lease.acquire({ ...job, messageId: 'ses-other' }, 'poller-d', t0, at(180))).toBe(true);
  });
});
