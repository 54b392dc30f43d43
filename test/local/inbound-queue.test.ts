import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { type BatchHandler, InboundQueue } from '../../local/inbound-queue.ts';
import { eventually } from '../support/eventually.ts';
import { tempDir } from '../support/stand-ins.ts';
import { silentLog } from '../support/telemetry.ts';

const dirs: { remove(): void }[] = [];
afterAll(() => {
  for (const dir of dirs) dir.remove();
});

function folders() {
  const dir = tempDir('faxgate-queue-');
  dirs.push(dir);
  return { stateDir: join(dir.path, 'queue'), deadLetterDir: join(dir.path, 'dead-letter') };
}

/** Waits, boundedly, until the condition holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  await eventually(() => (condition() ? true : undefined), what, { intervalMs: 25 });
}

const settings = { batchSize: 10, visibilityTimeoutMs: 0, maxReceiveCount: 3, maxConcurrency: 1 };

describe('in-process inbound queue', () => {
  it('delivers SQS-shaped records in batches of at most the batch size', async () => {
    const events: SQSEvent[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handler: BatchHandler = async (event) => {
      events.push(event);
      await gate;
      return { batchItemFailures: [] };
    };
    const queue = await InboundQueue.open({
      handler,
      ...folders(),
      settings: { ...settings, batchSize: 2 },
      log: silentLog,
    });
    await queue.send('{"first":true}');
    await until(() => events.length === 1, 'the first batch');
    // While the first batch runs, three more arrive: they go out as batches of 2 and 1.
    for (const n of [2, 3, 4]) await queue.send(JSON.stringify({ n }));
    release();
    await until(() => queue.size === 0, 'an empty queue');
    await queue.close();

    expect(events.map((e) => e.Records.length)).toEqual([1, 2, 1]);
    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      body: '{"first":true}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:faxgate-inbound',
      awsRegion: 'us-east-1',
      messageAttributes: {},
      md5OfBody: createHash('md5').update('{"first":true}').digest('hex'),
    });
    expect(record?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record?.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
  });

  it('retries only the reported failures, then dead-letters after maxReceiveCount with the reason', async () => {
    const seen: { body: string; receiveCount: string }[] = [];
    const handler: BatchHandler = async (event) => {
      const failures: SQSBatchResponse['batchItemFailures'] = [];
      for (const r of event.Records) {
        seen.push({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount });
        if (r.body === 'bad') failures.push({ itemIdentifier: r.messageId });
      }
      return { batchItemFailures: failures };
    };
    const dirsOf = folders();
    const queue = await InboundQueue.open({ handler, ...dirsOf, settings, log: silentLog });
    await queue.send('good');
    await queue.send('bad');
    await until(() => queue.size === 0, 'an empty queue');
    await queue.close();

    expect(seen.filter((s) => s.body === 'good').map((s) => s.receiveCount)).toEqual(['1']);
    expect(seen.filter((s) => s.body === 'bad').map((s) => s.receiveCount)).toEqual(['1', '2', '3']);
    const letters = await queue.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      body: 'bad',
      receiveCount: 3,
      reason: 'reported in batchItemFailures',
    });
    expect(readdirSync(dirsOf.stateDir)).toEqual([]);
  });

  it("waits the delay the handler set for a failed message, and its dead letter keeps the handler's cause", async () => {
    let nowMs = Date.parse('2026-12-01T08:00:00.000Z');
    const receives: number[] = [];
    let queue: InboundQueue | undefined;
    const handler: BatchHandler = async (event) => {
      for (const r of event.Records) {
        receives.push(nowMs);
        await queue?.retryAfter(
          { messageId: r.messageId, receiptHandle: r.receiptHandle, queueArn: r.eventSourceARN },
          3600,
          'faxrocks answered 429 (too many requests) for 2 hours',
        );
      }
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    };
    queue = await InboundQueue.open({
      handler,
      ...folders(),
      settings: { ...settings, maxReceiveCount: 2 },
      log: silentLog,
      clock: { now: () => new Date(nowMs) },
    });
    await queue.send('throttled');
    await until(() => receives.length === 1, 'the first receive');
    // The queue's own visibility timeout is 0: without the handler's delay it would be back at once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receives).toHaveLength(1);
    nowMs += 3600 * 1000;
    await until(() => queue.size === 0, 'the second receive and the dead letter');
    await queue.close();
    expect(receives).toHaveLength(2);
    const [letter] = await queue.deadLetters();
    expect(letter).toMatchObject({
      body: 'throttled',
      receiveCount: 2,
      reason: 'faxrocks answered 429 (too many requests) for 2 hours',
    });
  });

  it('retries the whole batch when the handler throws, and names the error in the dead letter', async () => {
    let calls = 0;
    const queue = await InboundQueue.open({
      handler: async () => {
        calls += 1;
        throw new Error('table unavailable');
      },
      ...folders(),
      settings: { ...settings, maxReceiveCount: 2 },
      log: silentLog,
    });
    await queue.send('{"Records":[]}');
    await until(() => queue.size === 0, 'an empty queue');
    await queue.close();
    expect(calls).toBe(2);
    const [letter] = await queue.deadLetters();
    expect(letter).toMatchObject({
      body: { Records: [] },
      receiveCount: 2,
      reason: 'Error: table unavailable',
    });
  });

  it('fails the whole batch when a reported failure names no message of it', async () => {
    const counts: string[] = [];
    const queue = await InboundQueue.open({
      handler: async (event) => {
        counts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
        return { batchItemFailures: [{ itemIdentifier: '' }] };
      },
      ...folders(),
      settings: { ...settings, maxReceiveCount: 2 },
      log: silentLog,
    });
    await queue.send('a');
    await until(() => queue.size === 0, 'an empty queue');
    await queue.close();
    expect(counts).toEqual(['1', '2']);
  });

  it('keeps waiting messages across a restart', async () => {
    const dirsOf = folders();
    let firstReceives = 0;
    const first = await InboundQueue.open({
      handler: async (event) => {
        firstReceives += 1;
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      ...dirsOf,
      settings: { ...settings, visibilityTimeoutMs: 3_600_000 },
      log: silentLog,
    });
    await first.send('survivor');
    await until(() => firstReceives === 1, 'the first receive');
    await first.close();
    expect(readdirSync(dirsOf.stateDir)).toHaveLength(1);

    const bodies: { body: string; receiveCount: string }[] = [];
    const second = await InboundQueue.open({
      handler: async (event) => {
        bodies.push(
          ...event.Records.map((r) => ({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount })),
        );
        return { batchItemFailures: [] };
      },
      ...dirsOf,
      settings,
      log: silentLog,
    });
    expect(second.pendingBodies()).toEqual(['survivor']);
    await until(() => second.size === 0, 'the message handled');
    await second.close();
    expect(bodies).toEqual([{ body: 'survivor', receiveCount: '2' }]);
  });
  it('runs up to maxConcurrency batches at once, and each message in one of them only', async () => {
    const running = new Set<string>();
    let most = 0;
    const seen: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = await InboundQueue.open({
      handler: async (event) => {
        for (const r of event.Records) {
          seen.push(r.body);
          running.add(r.body);
        }
        most = Math.max(most, running.size);
        await gate;
        for (const r of event.Records) running.delete(r.body);
        return { batchItemFailures: [] };
      },
      ...folders(),
      settings: { ...settings, batchSize: 1, maxConcurrency: 2 },
      log: silentLog,
    });
    for (const n of [1, 2, 3]) await queue.send(`m${n}`);
    await until(() => running.size === 2, 'two batches in flight');
    // The visibility timeout (0 here) has long passed: still no third batch and no second receive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([...running].sort()).toEqual(['m1', 'm2']);
    release();
    await until(() => queue.size === 0, 'an empty queue');
    await queue.close();
    expect(most).toBe(2);
    expect(seen.sort()).toEqual(['m1', 'm2', 'm3']);
  });

  it('never has two messages of one group in flight at once, while other groups go ahead', async () => {
    const events: string[] = [];
    const gates = new Map<string, () => void>();
    const queue = await InboundQueue.open({
      handler: async (event) => {
        const bodies = event.Records.map((r) => r.body);
        events.push(`start ${bodies.join(',')}`);
        await new Promise<void>((resolve) => gates.set(bodies.join(','), resolve));
        events.push(`end ${bodies.join(',')}`);
        return { batchItemFailures: [] };
      },
      groupOf: (body) => body.split('#')[0],
      ...folders(),
      settings: { ...settings, maxConcurrency: 4 },
      log: silentLog,
    });
    await queue.send('mail-a#1');
    await until(() => gates.has('mail-a#1'), 'the first run of mail a');
    // A duplicate event of mail a, and mail b.
    await queue.send('mail-a#2');
    await queue.send('mail-b#1');
    await until(() => gates.has('mail-b#1'), 'mail b, beside mail a');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gates.has('mail-a#2')).toBe(false);
    gates.get('mail-a#1')?.();
    await until(() => gates.has('mail-a#2'), 'the second run of mail a, after the first');
    gates.get('mail-a#2')?.();
    gates.get('mail-b#1')?.();
    await until(() => queue.size === 0, 'an empty queue');
    await queue.close();
    expect(events.indexOf('end mail-a#1')).toBeLessThan(events.indexOf('start mail-a#2'));
  });
});
