// The status poller when things go wrong: faults in /faxes and in /receipt, two pollers at once,
// and crashes between the outcome email and the write that closes the job.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaxJob } from '../../functions/domain/fax-job.ts';
import type { FaxApi, JobLedger, Mailer, OutgoingMail } from '../../functions/ports.ts';
import { DEFAULT_NOTIFICATION_LEASE_SECONDS } from '../../functions/status-poller/poll-fax-statuses.ts';
import { SANDBOX_TEST_NUMBERS } from '../../sandbox/faxrocks-sandbox.ts';
import { type DynamoFixture, startDynamoFixture } from '../support/stand-ins.ts';
import { createWorld, MINUTE, RecordingMailer, type World } from './world.ts';

const BERLIN = '+4930123456';
const LEASE_MS = DEFAULT_NOTIFICATION_LEASE_SECONDS * 1000;

let dynamo: DynamoFixture;
const worlds: World[] = [];

async function world(options: Parameters<typeof createWorld>[1] = {}): Promise<World> {
  const created = await createWorld(dynamo, options);
  worlds.push(created);
  return created;
}

beforeAll(async () => {
  dynamo = await startDynamoFixture();
});

afterAll(async () => {
  for (const w of worlds) await w.close();
  await dynamo.close();
});

const comparable = (job: FaxJob) => JSON.stringify(job, Object.keys(job).sort());

describe('pollFaxStatuses under faults', () => {
  it('leaves every job as it was when /faxes answers 5xx or 429, and carries on once it recovers', async () => {
    const w = await world();
    await w.sendJob('ses-f1', BERLIN, 1);
    await w.sendJob('ses-f2', SANDBOX_TEST_NUMBERS.busy, 1);
    const amb = await w.claimJob('ses-f3', BERLIN, 2);
    await w.ledger.markSendOutcomeUnknown(amb.messageId, amb.number, amb.attemptId, 'time-out');
    // Everything is due: final faxes, and an ambiguous send past its window.
    w.advance(45 * MINUTE);
    const before = await w.ledger.listOpenJobs();

    w.sandbox.faults.status5xx = 10;
    const failed = await w.poll();
    expect(failed).toMatchObject({
      faxListUnavailable: true,
      matched: 0,
      delivered: 0,
      unknown: 0,
      notified: 0,
    });
    expect((await w.ledger.listOpenJobs()).map(comparable)).toEqual(before.map(comparable));
    expect(w.log.warnings()).toContain('faxrocks /faxes unavailable; jobs left for the next run');

    w.sandbox.faults.status5xx = 0;
    w.sandbox.faults.rateLimit = { count: 10, retryAfterSeconds: 0 };
    expect(await w.poll()).toMatchObject({ faxListUnavailable: true, notified: 0 });
    expect((await w.ledger.listOpenJobs()).map(comparable)).toEqual(before.map(comparable));
    expect(w.mailer.sent).toEqual([]);

    w.sandbox.faults.rateLimit = { count: 0, retryAfterSeconds: 0 };
    expect(await w.poll()).toMatchObject({
      faxListUnavailable: false,
      delivered: 1,
      failed: 1,
      unknown: 1,
      notified: 3,
    });
  });

  it('still emails the outcome when one receipt download fails, and says the receipt is missing', async () => {
    const w = await world();
    const broken = await w.sendJob('ses-r1', BERLIN, 1);
    await w.sendJob('ses-r2', SANDBOX_TEST_NUMBERS.noAnswer, 1);
    w.advance(10_000);
    await w.poll();
    const brokenFaxId = (await w.job(broken.messageId, broken.number)).faxId;
    // Our own FaxApi port, delegating to the real client; it switches the sandbox's 5xx on for one receipt.
    const faxApi: FaxApi = {
      send: (r) => w.client.send(r),
      listFaxPages: (o) => w.client.listFaxPages(o),
      getUser: () => w.client.getUser(),
      downloadFax: (id) => w.client.downloadFax(id),
      downloadReceipt: (id) => {
        if (id === brokenFaxId) w.sandbox.faults.status5xx = 10;
        return w.client.downloadReceipt(id).finally(() => {
          w.sandbox.faults.status5xx = 0;
        });
      },
    };
    w.advance(2 * MINUTE);
    // One download at a time: the sandbox's fault switch is global, so a receipt fetched beside the
    // broken one would meet the 5xx too.
    const report = await w.poll({ faxApi, concurrency: 1 });
    expect(report).toMatchObject({ delivered: 1, failed: 1, notified: 2, receiptFailures: 1 });
    const delivered = w.mailer.sent.find((m) => m.subject.startsWith('Fax delivered'));
    const failed = w.mailer.sent.find((m) => m.subject.startsWith('Fax failed'));
    expect(delivered?.attachments).toEqual([]);
    expect(delivered?.text).toContain('could not be downloaded');
    expect(failed?.attachments?.[0]?.filename).toBe(`faxrocks-receipt-${SANDBOX_TEST_NUMBERS.noAnswer}.pdf`);
    expect(failed?.text).toContain('No answer');
    expect(w.log.warnings()).toContain('receipt download failed; sending the outcome without it');
    expect(await w.ledger.listOpenJobs()).toEqual([]);
  });

  it('lets two pollers run at once: each fax matched to one job, each outcome emailed once', async () => {
    const w = await world();
    const numbers = [BERLIN, BERLIN, BERLIN, SANDBOX_TEST_NUMBERS.busy, SANDBOX_TEST_NUMBERS.partial];
    for (const [i, number] of numbers.entries()) {
      await w.sendJob(`ses-c${i}`, number, 1 + (i % 2));
      w.advance(500);
    }
    const mailers = [new RecordingMailer(), new RecordingMailer()];
    w.advance(10_000);
    const matching = await Promise.all(mailers.map((mailer) => w.poll({ mailer })));
    expect(matching.map((r) => r.notified)).toEqual([0, 0]);
    const jobs = await Promise.all(numbers.map((n, i) => w.job(`ses-c${i}`, n)));
    const faxIds = jobs.map((j) => j.faxId);
    expect(faxIds.every(Boolean)).toBe(true);
    expect(new Set(faxIds).size).toBe(numbers.length);

    w.advance(2 * MINUTE);
    const settling = await Promise.all(mailers.map((mailer) => w.poll({ mailer })));
    const sent = mailers.flatMap((m) => m.sent);
    expect(sent).toHaveLength(numbers.length);
    expect(new Set(sent.map((m) => m.inReplyTo)).size).toBe(numbers.length);
    expect(settling.reduce((sum, r) => sum + r.notified, 0)).toBe(numbers.length);
    expect(await w.ledger.listOpenJobs()).toEqual([]);
    // Matching did not change under the second poller.
    const after = await Promise.all(numbers.map((n, i) => w.job(`ses-c${i}`, n)));
    expect(after.map((j) => j.faxId)).toEqual(faxIds);
  });

  it('repeats the email after a crash between the email and markNotified, never loses it', async () => {
    const w = await world();
    await w.sendJob('ses-crash', BERLIN, 1);
    w.advance(2 * MINUTE);
    let failures = 1;
    const ledger: JobLedger = Object.create(w.ledger, {
      markNotified: {
        value: async (messageId: string, number: string, at: string) => {
          if (failures-- > 0) throw new Error('connection reset (simulated crash before the write)');
          return w.ledger.markNotified(messageId, number, at);
        },
      },
    });
    expect(await w.poll({ ledger })).toMatchObject({ delivered: 1, notified: 1 });
    expect((await w.job('ses-crash', BERLIN)).notifiedAt).toBeUndefined();
    expect(w.mailer.sent).toHaveLength(1);

    // A poller right away waits for the lease of the run that crashed...
    expect(await w.poll({ ledger })).toMatchObject({ notified: 0 });
    // ...and once it ran out, sends the outcome again and closes the job.
    w.advance(LEASE_MS + 1_000);
    expect(await w.poll({ ledger })).toMatchObject({ delivered: 0, notified: 1 });
    expect(w.mailer.sent).toHaveLength(2);
    expect(w.mailer.sent[1]?.subject).toBe(w.mailer.sent[0]?.subject);
    expect((await w.job('ses-crash', BERLIN)).notifiedAt).toBeDefined();
    w.advance(LEASE_MS + 1_000);
    expect(await w.poll({ ledger })).toMatchObject({ openJobs: 0 });
    expect(w.mailer.sent).toHaveLength(2);
  });

  it('tries again when the mailer fails after handing the message over', async () => {
    const w = await world();
    await w.sendJob('ses-mailfail', BERLIN, 1);
    w.advance(2 * MINUTE);
    const delivered: OutgoingMail[] = [];
    let failures = 1;
    const mailer: Mailer = {
      async send(mail) {
        delivered.push(mail);
        if (failures-- > 0) throw new Error('SMTP connection lost after DATA');
      },
    };
    expect(await w.poll({ mailer })).toMatchObject({ delivered: 1, notified: 0, notifyFailures: 1 });
    expect((await w.job('ses-mailfail', BERLIN)).state).toBe('DELIVERED');
    w.advance(LEASE_MS + 1_000);
    expect(await w.poll({ mailer })).toMatchObject({ notified: 1, notifyFailures: 0 });
    expect(delivered).toHaveLength(2);
    expect(await w.ledger.listOpenJobs()).toEqual([]);
  });

  it('stops starting new work at the deadline and leaves the rest, untouched, for the next run', async () => {
    const w = await world();
    for (const m of ['d1', 'd2', 'd3']) await w.sendJob(`ses-${m}`, BERLIN, 1);
    w.advance(2 * MINUTE);
    // Each email takes a minute on this clock; the run may start new work for 30 seconds.
    const slowMailer: Mailer = {
      send: async (mail) => {
        await w.mailer.send(mail);
        w.advance(MINUTE);
      },
    };
    const first = await w.poll({ mailer: slowMailer, concurrency: 1, deadline: new Date(w.now() + 30_000) });
    // Outcomes are recorded first, then each mail is reported: one report fits before the deadline.
    expect(first).toMatchObject({ matched: 3, delivered: 3, notified: 1, stoppedEarly: true });
    expect(w.log.warnings()).toContain('poll deadline reached; the rest is left for the next run');
    const left = await w.ledger.listOpenJobs();
    expect(left.map((j) => [j.state, j.notifiedAt])).toEqual([
      ['DELIVERED', undefined],
      ['DELIVERED', undefined],
    ]);
    const second = await w.poll({ mailer: slowMailer });
    expect(second).toMatchObject({ delivered: 0, notified: 2, stoppedEarly: false });
    expect(new Set(w.mailer.sent.map((m) => m.inReplyTo)).size).toBe(3);
  });

  it('throws for a fault that waiting will not fix (a wrong token), so the invocation fails loudly', async () => {
    const w = await world();
    await w.sendJob('ses-token', BERLIN, 1);
    const { FaxrocksClient, staticToken } = await import('../../functions/adapters/faxrocks/client.ts');
    const wrong = new FaxrocksClient({
      baseUrl: w.sandbox.url,
      token: staticToken('not-the-token'),
      readRetries: 0,
    });
    await expect(w.poll({ faxApi: wrong })).rejects.toThrow(/401|nauthori/);
    expect((await w.job('ses-token', BERLIN)).faxId).toBeUndefined();
  });
});
