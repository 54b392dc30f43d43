import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoJobLedger, faxClaimKey, jobKey } from '../../functions/adapters/dynamo-job-ledger.ts';
import type { NewFaxJob } from '../../functions/domain/fax-job.ts';
import { ConflictError } from '../../functions/errors.ts';
import { type DynamoFixture, startDynamoFixture } from '../support/stand-ins.ts';

const EXPIRES = 1_900_000_000;
const fixedClock = { now: () => new Date('2026-11-27T06:00:00.000Z') };

/** No removeUndefinedValues: the Lambda handlers may build their client without it. */
function plainDocuments(dynamo: DynamoFixture): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamo.client);
}

function newJob(overrides: Partial<NewFaxJob> = {}): NewFaxJob {
  return {
    messageId: `msg-${randomUUID()}`,
    number: '+4930123456',
    attemptId: randomUUID(),
    sendStartedAt: '2026-11-27T06:00:00.000Z',
    pages: 2,
    expiresAt: EXPIRES,
    sender: 'alice@example.com',
    subject: 'Invoice',
    originalMessageId: '<orig@example.com>',
    references: ['<orig@example.com>'],
    silent: undefined,
    ...overrides,
  };
}

describe('DynamoJobLedger', () => {
  let dynamo: DynamoFixture;
  let ledger: DynamoJobLedger;

  beforeAll(async () => {
    // A table of its own: the open-jobs assertions must see only this file's jobs.
    dynamo = await startDynamoFixture({ jobsTable: 'ledger-jobs' });
    ledger = new DynamoJobLedger(plainDocuments(dynamo), dynamo.jobsTable, { clock: fixedClock });
  });
  afterAll(async () => {
    await dynamo.close();
  });

  async function rawItem(key: { pk: string; sk: string }) {
    const { Item } = await dynamo.docClient.send(
      new GetCommand({ TableName: dynamo.jobsTable, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  describe('mail records', () => {
    it('opens a mail once and returns the existing record on redelivery', async () => {
      const messageId = `msg-${randomUUID()}`;
      const first = await ledger.openMail({
        messageId,
        receivedAt: '2026-11-27T06:00:00.000Z',
        outcome: 'RECEIVED',
        expiresAt: EXPIRES,
      });
      expect(first.created).toBe(true);
      const again = await ledger.openMail({
        messageId,
        receivedAt: '2026-11-27T06:05:00.000Z',
        outcome: 'RECEIVED',
        expiresAt: EXPIRES,
      });
      expect(again).toEqual({ created: false, record: first.record });
      expect((await rawItem({ pk: `MAIL#${messageId}`, sk: 'MAIL' }))?.expiresAt).toBe(EXPIRES);
    });

    it('records the latest outcome whole and marks the reply once', async () => {
      const messageId = `msg-${randomUUID()}`;
      await ledger.openMail({
        messageId,
        receivedAt: '2026-11-27T06:00:00.000Z',
        outcome: 'RECEIVED',
        expiresAt: EXPIRES,
      });
      await ledger.recordMailOutcome(messageId, {
        outcome: 'REJECTED',
        reason: 'no-pdf',
        detail: 'No PDF attached',
        decidedAt: '2026-11-27T06:00:01.000Z',
      });
      await ledger.recordMailOutcome(messageId, {
        outcome: 'ACCEPTED',
        decidedAt: '2026-11-27T06:00:02.000Z',
        numbers: ['+4930123456'],
        pages: 3,
        documents: ['a.pdf'],
      });
      const record = await ledger.getMail(messageId);
      expect(record).toMatchObject({ outcome: 'ACCEPTED', numbers: ['+4930123456'], pages: 3 });
      expect(record?.reason).toBeUndefined();
      expect(record?.detail).toBeUndefined();

      expect(await ledger.markMailReplied(messageId, '2026-11-27T06:00:03.000Z')).toBe(true);
      expect(await ledger.markMailReplied(messageId, '2026-11-27T06:00:04.000Z')).toBe(false);
      expect((await ledger.getMail(messageId))?.repliedAt).toBe('2026-11-27T06:00:03.000Z');
    });

    it('refuses an outcome for a mail it never opened', async () => {
      await expect(
        ledger.recordMailOutcome('never-opened', {
          outcome: 'DROPPED',
          decidedAt: '2026-11-27T06:00:00.000Z',
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await ledger.getMail('never-opened')).toBeUndefined();
    });
  });

  describe('the send gate', () => {
    it('lets exactly one of five concurrent attempts claim the send', async () => {
      const base = newJob();
      const attempts = Array.from({ length: 5 }, () =>
        newJob({ messageId: base.messageId, number: base.number }),
      );
      const wins = await Promise.all(attempts.map((job) => ledger.claimSend(job)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const winner = attempts[wins.indexOf(true)];
      const job = await ledger.getJob(base.messageId, base.number);
      expect(job).toMatchObject({
        state: 'SENDING',
        attemptId: winner?.attemptId,
        sender: 'alice@example.com',
      });
    });

    it('shows a redelivery the existing job instead of a second claim', async () => {
      const job = newJob();
      expect(await ledger.claimSend(job)).toBe(true);
      await ledger.markQueued(job.messageId, job.number, job.attemptId, {
        queuedAt: '2026-11-27T06:00:02.000Z',
        pages: 2,
        estimatedCost: 0.12,
      });
      const redelivery = { ...job, attemptId: randomUUID() };
      expect(await ledger.claimSend(redelivery)).toBe(false);
      expect(await ledger.getJob(job.messageId, job.number)).toMatchObject({
        state: 'QUEUED',
        attemptId: job.attemptId,
        estimatedCost: 0.12,
      });
    });

    it('guards queued, unknown and release by the attempt id', async () => {
      const job = newJob();
      await ledger.claimSend(job);
      const stale = randomUUID();
      const queued = { queuedAt: '2026-11-27T06:00:02.000Z', pages: 2, estimatedCost: undefined };
      await expect(ledger.markQueued(job.messageId, job.number, stale, queued)).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(
        ledger.markSendOutcomeUnknown(job.messageId, job.number, stale, 'timeout'),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(ledger.releaseSend(job.messageId, job.number, stale)).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(ledger.markRefused(job.messageId, job.number, stale, 'bad')).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await ledger.getJob(job.messageId, job.number))?.state).toBe('SENDING');

      await ledger.markSendOutcomeUnknown(job.messageId, job.number, job.attemptId, 'socket hang up');
      expect(await ledger.getJob(job.messageId, job.number)).toMatchObject({
        state: 'SENDING',
        outcomeUnknown: 'socket hang up',
      });

      await ledger.markQueued(job.messageId, job.number, job.attemptId, queued);
      await ledger.markQueued(job.messageId, job.number, job.attemptId, queued);
      expect((await ledger.getJob(job.messageId, job.number))?.state).toBe('QUEUED');
      // Once QUEUED, the provider has the fax: release must never delete it.
      await expect(ledger.releaseSend(job.messageId, job.number, job.attemptId)).rejects.toBeInstanceOf(
        ConflictError,
      );
    });

    it('releases a SENDING job of its attempt so a retry can claim again', async () => {
      const job = newJob();
      await ledger.claimSend(job);
      await ledger.releaseSend(job.messageId, job.number, job.attemptId);
      expect(await ledger.getJob(job.messageId, job.number)).toBeUndefined();
      await ledger.releaseSend(job.messageId, job.number, job.attemptId);
      expect(await ledger.claimSend({ ...job, attemptId: randomUUID() })).toBe(true);
    });

    it('ends a refused send FAILED, notified and out of the open index', async () => {
      const job = newJob();
      await ledger.claimSend(job);
      await ledger.markRefused(job.messageId, job.number, job.attemptId, 'The number is not a fax number.');
      expect(await ledger.getJob(job.messageId, job.number)).toMatchObject({
        state: 'FAILED',
        error: 'The number is not a fax number.',
        notifiedAt: '2026-11-27T06:00:00.000Z',
      });
      const item = await rawItem(jobKey(job.messageId, job.number));
      expect(item?.openShard).toBeUndefined();
      expect((await ledger.listOpenJobs()).map((j) => j.messageId)).not.toContain(job.messageId);
    });

    it('lists the jobs of one mail and stores the TTL on every job', async () => {
      const first = newJob({ number: '+4930111111' });
      const second = newJob({ messageId: first.messageId, number: '+4930222222' });
      await ledger.claimSend(first);
      await ledger.claimSend(second);
      const jobs = await ledger.listJobs(first.messageId);
      expect(jobs.map((j) => j.number).sort()).toEqual(['+4930111111', '+4930222222']);
      expect(jobs.every((j) => j.expiresAt === EXPIRES)).toBe(true);
      expect(Object.keys(jobs[0] ?? {})).not.toContain('pk');
    });
  });

  describe('fax claims and outcomes', () => {
    it('gives a fax id to one of two jobs and tells the loser who holds it', async () => {
      const a = newJob();
      const b = newJob();
      const faxId = `fax-${randomUUID()}`;
      const [forA, forB] = await Promise.all([
        ledger.claimFax(faxId, { messageId: a.messageId, number: a.number }),
        ledger.claimFax(faxId, { messageId: b.messageId, number: b.number }),
      ]);
      expect(forA).toEqual(forB);
      expect([a.messageId, b.messageId]).toContain(forA.messageId);
      // Claiming again by the holder is idempotent.
      expect(await ledger.claimFax(faxId, forA)).toEqual(forA);
      expect((await rawItem(faxClaimKey(faxId)))?.expiresAt).toBeGreaterThan(1_700_000_000);
    });

    it('attaches a fax: SENDING becomes QUEUED, a second fax id is refused', async () => {
      const job = newJob();
      await ledger.claimSend(job);
      await ledger.markSendOutcomeUnknown(job.messageId, job.number, job.attemptId, 'timeout');
      await ledger.attachFax(job.messageId, job.number, 'fax-1', '2026-11-27T06:10:00.000Z');
      await ledger.attachFax(job.messageId, job.number, 'fax-1', '2026-11-27T06:11:00.000Z');
      expect(await ledger.getJob(job.messageId, job.number)).toMatchObject({
        state: 'QUEUED',
        faxId: 'fax-1',
        faxFoundAt: '2026-11-27T06:10:00.000Z',
      });
      await expect(
        ledger.attachFax(job.messageId, job.number, 'fax-2', '2026-11-27T06:12:00.000Z'),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        ledger.attachFax('nope', '+1', 'fax-3', '2026-11-27T06:12:00.000Z'),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('records an outcome idempotently and refuses a different final state', async () => {
      const job = newJob();
      await ledger.claimSend(job);
      await ledger.markQueued(job.messageId, job.number, job.attemptId, {
        queuedAt: '2026-11-27T06:00:01.000Z',
        pages: 2,
      });
      await ledger.attachFax(job.messageId, job.number, 'fax-9', '2026-11-27T06:10:00.000Z');
      const delivered = {
        state: 'DELIVERED' as const,
        finishedAt: '2026-11-27T06:20:00.000Z',
        price: '0.24',
        pagesSent: 2,
      };
      await ledger.recordOutcome(job.messageId, job.number, delivered);
      await ledger.recordOutcome(job.messageId, job.number, delivered);
      await expect(
        ledger.recordOutcome(job.messageId, job.number, {
          state: 'FAILED',
          finishedAt: '2026-11-27T06:21:00.000Z',
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await ledger.getJob(job.messageId, job.number)).toMatchObject({ ...delivered, faxId: 'fax-9' });
      // Final but not yet notified: still open, so a crash before the email repeats it.
      expect((await ledger.listOpenJobs()).map((j) => j.messageId)).toContain(job.messageId);
      await ledger.markNotified(job.messageId, job.number, '2026-11-27T06:21:00.000Z');
      await ledger.markNotified(job.messageId, job.number, '2026-11-27T06:22:00.000Z');
      expect((await ledger.getJob(job.messageId, job.number))?.notifiedAt).toBe('2026-11-27T06:21:00.000Z');
      expect((await ledger.listOpenJobs()).map((j) => j.messageId)).not.toContain(job.messageId);
    });

    it('refuses to mark a job notified before it has an outcome', async () => {
      const job = newJob();
      await ledger.claimSend(job);
      await expect(
        ledger.markNotified(job.messageId, job.number, '2026-11-27T06:21:00.000Z'),
      ).rejects.toBeInstanceOf(ConflictError);
    });
  });

  describe('attempts', () => {
    const finished = (attemptId: string) => ({
      attempt: 1,
      attemptId,
      cause: 'first' as const,
      startedAt: '2026-11-27T06:00:00.000Z',
      sendAnswer: 'queued' as const,
      faxId: 'fax1',
      outcome: 'failed' as const,
      error: 'Busy',
      pagesSent: 0,
      endedAt: '2026-11-27T06:02:00.000Z',
    });

    async function dueJob() {
      const job = newJob();
      await ledger.claimSend(job);
      await ledger.markQueued(job.messageId, job.number, job.attemptId, {
        queuedAt: '2026-11-27T06:00:01.000Z',
        pages: 2,
      });
      await ledger.attachFax(job.messageId, job.number, 'fax1', '2026-11-27T06:01:00.000Z', job.attemptId);
      await ledger.scheduleRetry(job.messageId, job.number, job.attemptId, {
        finished: finished(job.attemptId),
        dueAt: '2026-11-27T06:07:00.000Z',
        cause: 'busy',
      });
      return job;
    }

    it('a first attempt is attempt 1; a retry keeps the finished attempt and clears the current one', async () => {
      const job = await dueJob();
      const stored = await ledger.getJob(job.messageId, job.number);
      expect(stored).toMatchObject({
        state: 'RETRY_DUE',
        attempt: 1,
        firstSentAt: job.sendStartedAt,
        dueAt: '2026-11-27T06:07:00.000Z',
        retryCause: 'busy',
        attempts: [finished(job.attemptId)],
      });
      expect(stored?.faxId).toBeUndefined();
      expect(stored?.queuedAt).toBeUndefined();
      // Still open: the poller must come back for it.
      expect((await ledger.listOpenJobs()).map((j) => j.messageId)).toContain(job.messageId);
      // A stale run cannot schedule the same attempt again.
      await expect(
        ledger.scheduleRetry(job.messageId, job.number, job.attemptId, {
          finished: finished(job.attemptId),
          dueAt: '2026-11-27T06:07:00.000Z',
          cause: 'busy',
        }),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('two pollers racing over the same due retry: exactly one claims the new attempt', async () => {
      const job = await dueJob();
      const early = await ledger.claimRetry(job.messageId, job.number, job.attemptId, {
        attemptId: 'too-early',
        sendStartedAt: '2026-11-27T06:06:59.000Z',
      });
      expect(early).toBe(false);
      const results = await Promise.all(
        ['poller-a', 'poller-b', 'poller-c'].map((attemptId) =>
          ledger.claimRetry(job.messageId, job.number, job.attemptId, {
            attemptId,
            sendStartedAt: '2026-11-27T06:07:30.000Z',
          }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await ledger.getJob(job.messageId, job.number);
      expect(stored).toMatchObject({
        state: 'SENDING',
        attempt: 2,
        sendStartedAt: '2026-11-27T06:07:30.000Z',
      });
      expect(['poller-a', 'poller-b', 'poller-c']).toContain(stored?.attemptId);
      expect(stored?.dueAt).toBeUndefined();
      // A fax claimed for the first attempt names that attempt, so the second cannot take it.
      const claim = { messageId: job.messageId, number: job.number };
      await ledger.claimFax('fax-of-attempt-1', { ...claim, attemptId: job.attemptId });
      expect(await ledger.claimFax('fax-of-attempt-1', { ...claim, attemptId: stored?.attemptId })).toEqual({
        ...claim,
        attemptId: job.attemptId,
      });
    });

    it('a retry the provider certainly did not take is given back, not counted', async () => {
      const job = await dueJob();
      await ledger.claimRetry(job.messageId, job.number, job.attemptId, {
        attemptId: 'second',
        sendStartedAt: '2026-11-27T06:08:00.000Z',
      });
      await ledger.deferRetry(job.messageId, job.number, 'second', {
        dueAt: '2026-11-27T06:09:00.000Z',
        reason: 'faxrocks answered 429',
      });
      expect(await ledger.getJob(job.messageId, job.number)).toMatchObject({
        state: 'RETRY_DUE',
        attempt: 1,
        attemptId: 'second',
        dueAt: '2026-11-27T06:09:00.000Z',
      });
      await expect(
        ledger.deferRetry(job.messageId, job.number, 'second', { dueAt: 'x', reason: 'again' }),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('counts complete reads that did not find an ambiguous send, for its attempt only', async () => {
      const job = newJob();
      await ledger.claimSend(job);
      await ledger.markSendOutcomeUnknown(job.messageId, job.number, job.attemptId, '500');
      const once = await ledger.noteAbsent(
        job.messageId,
        job.number,
        job.attemptId,
        '2026-11-27T06:01:00.000Z',
      );
      const twice = await ledger.noteAbsent(
        job.messageId,
        job.number,
        job.attemptId,
        '2026-11-27T06:02:00.000Z',
      );
      expect(once).toMatchObject({ absentSince: '2026-11-27T06:01:00.000Z', absentChecks: 1 });
      expect(twice).toMatchObject({ absentSince: '2026-11-27T06:01:00.000Z', absentChecks: 2 });
      await expect(
        ledger.noteAbsent(job.messageId, job.number, 'another', '2026-11-27T06:03:00.000Z'),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('attaches a fax and records an outcome only for the attempt named', async () => {
      const job = newJob();
      await ledger.claimSend(job);
      await expect(
        ledger.attachFax(job.messageId, job.number, 'faxZ', '2026-11-27T06:01:00.000Z', 'stale'),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        ledger.recordOutcome(
          job.messageId,
          job.number,
          { state: 'FAILED', finishedAt: '2026-11-27T06:01:00.000Z' },
          'stale',
        ),
      ).rejects.toBeInstanceOf(ConflictError);
      await ledger.attachFax(job.messageId, job.number, 'faxZ', '2026-11-27T06:01:00.000Z', job.attemptId);
      expect((await ledger.getJob(job.messageId, job.number))?.faxId).toBe('faxZ');
    });
  });
});

describe('DynamoJobLedger open-jobs index', () => {
  let dynamo: DynamoFixture;
  let ledger: DynamoJobLedger;

  beforeAll(async () => {
    dynamo = await startDynamoFixture({ jobsTable: 'open-index-jobs' });
    ledger = new DynamoJobLedger(plainDocuments(dynamo), dynamo.jobsTable, { clock: fixedClock });
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('holds exactly the open jobs, final-but-unnotified included, oldest send first', async () => {
    const at = (minute: number) => `2026-11-27T06:${String(minute).padStart(2, '0')}:00.000Z`;
    // Claimed out of order on purpose.
    const jobs = [5, 1, 4, 2, 3, 6].map((minute) =>
      newJob({ sendStartedAt: at(minute), messageId: `m${minute}` }),
    );
    for (const job of jobs) await ledger.claimSend(job);
    const byMinute = (m: number) => jobs.find((j) => j.messageId === `m${m}`) as NewFaxJob;

    const queued = byMinute(2);
    await ledger.markQueued(queued.messageId, queued.number, queued.attemptId, { queuedAt: at(2), pages: 2 });
    const refused = byMinute(3);
    await ledger.markRefused(refused.messageId, refused.number, refused.attemptId, 'refused');
    const finalUnnotified = byMinute(4);
    await ledger.recordOutcome(finalUnnotified.messageId, finalUnnotified.number, {
      state: 'FAILED',
      finishedAt: at(30),
      error: 'busy',
    });
    const notified = byMinute(5);
    await ledger.recordOutcome(notified.messageId, notified.number, { state: 'UNKNOWN', finishedAt: at(30) });
    await ledger.markNotified(notified.messageId, notified.number, at(31));
    const released = byMinute(6);
    await ledger.releaseSend(released.messageId, released.number, released.attemptId);

    const open = await ledger.listOpenJobs();
    expect(open.map((j) => j.messageId)).toEqual(['m1', 'm2', 'm4']);
    expect(open.map((j) => j.state)).toEqual(['SENDING', 'QUEUED', 'FAILED']);
    expect(Object.keys(open[0] ?? {})).not.toContain('openShard');
  });

  it('pages through an index longer than one 1 MB query page', async () => {
    const many = Array.from({ length: 150 }, (_, i) =>
      newJob({
        messageId: `bulk-${String(i).padStart(3, '0')}`,
        sendStartedAt: `2026-11-28T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`,
        // 8 KB a job (a subject is kept to 1,000 characters; References to 20 ids of at most 998).
        references: Array.from({ length: 8 }, (_, k) => `<${'x'.repeat(980)}${k}@example.com>`),
      }),
    );
    for (const job of many) await ledger.claimSend(job);
    const firstPage = await dynamo.docClient.send(
      new QueryCommand({
        TableName: dynamo.jobsTable,
        IndexName: 'open-jobs',
        KeyConditionExpression: 'openShard = :open',
        ExpressionAttributeValues: { ':open': 'OPEN' },
      }),
    );
    expect(firstPage.LastEvaluatedKey).toBeDefined();
    const open = (await ledger.listOpenJobs()).filter((j) => j.messageId.startsWith('bulk-'));
    expect(open.map((j) => j.messageId)).toEqual(many.map((j) => j.messageId));
  });
});
