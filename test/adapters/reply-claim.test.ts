// The reply claim: two runs of one mail at once answer once; a crashed run's claim runs out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoJobLedger } from '../../functions/adapters/dynamo-job-ledger.ts';
import { type DynamoFixture, startDynamoFixture } from '../support/stand-ins.ts';

let dynamo: DynamoFixture;
let ledger: DynamoJobLedger;

beforeAll(async () => {
  dynamo = await startDynamoFixture();
  ledger = new DynamoJobLedger(dynamo.docClient, dynamo.jobsTable);
});
afterAll(async () => dynamo?.close());

const t = (second: number) => new Date(Date.UTC(2026, 10, 27, 9, 0, second)).toISOString();

describe('claimReply', () => {
  it('gives the reply to one of several runs at once, then to nobody once it went out', async () => {
    await ledger.openMail({ messageId: 'm1', receivedAt: t(0), outcome: 'RECEIVED', expiresAt: 1 });
    const claims = await Promise.all(Array.from({ length: 5 }, () => ledger.claimReply('m1', t(1), t(31))));
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c === 'busy')).toHaveLength(4);
    expect(await ledger.markMailReplied('m1', t(2))).toBe(true);
    expect(await ledger.claimReply('m1', t(40), t(70))).toBe('replied');
    expect((await ledger.getMail('m1'))?.repliedAt).toBe(t(2));
  });

  it('hands a crashed run’s claim on once it has run out, and at once after a release', async () => {
    await ledger.openMail({ messageId: 'm2', receivedAt: t(0), outcome: 'RECEIVED', expiresAt: 1 });
    expect(await ledger.claimReply('m2', t(1), t(31))).toBe('claimed');
    expect(await ledger.claimReply('m2', t(20), t(50))).toBe('busy');
    expect(await ledger.claimReply('m2', t(32), t(59))).toBe('claimed');
    await ledger.releaseReply('m2');
    expect(await ledger.claimReply('m2', t(33), t(59))).toBe('claimed');
  });
});
