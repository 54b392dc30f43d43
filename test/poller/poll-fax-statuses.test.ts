// The status poller against the faxrocks sandbox over HTTP and the job ledger in dynalite through
// the real SDK, with one controlled clock: matching, pagination, outcomes, UNKNOWN, and the outbox.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../functions/adapters/outbox-mailer.ts';
import { SANDBOX_TEST_NUMBERS } from '../../sandbox/faxrocks-sandbox.ts';
import { type DynamoFixture, startDynamoFixture, tempDir } from '../support/stand-ins.ts';
import { createWorld, MINUTE, pdfOfPages, SANDBOX_TOKEN, T0, type World } from './world.ts';

const BERLIN = '+4930123456';

let dynamo: DynamoFixture;
const worlds: World[] = [];
const dirs: { remove(): void }[] = [];

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
  for (const dir of dirs) dir.remove();
});

describe('pollFaxStatuses', () => {
  it('makes no /faxes request when nothing is open', async () => {
    const w = await world();
    const report = await w.poll();
    expect(report.openJobs).toBe(0);
    expect(w.faxesRequests()).toBe(0);
  });

  it('emails delivered and failed outcomes once each, threaded, with the receipt, through the outbox', async () => {
    const outbox = tempDir('faxgate-poller-outbox-');
    dirs.push(outbox);
    const w = await world();
    const mailer = new OutboxMailer({ outboxDir: outbox.path, clock: w.clock });
    await w.sendJob('ses-ok', BERLIN, 2);
    await w.sendJob('ses-busy', SANDBOX_TEST_NUMBERS.busy, 1);
    await w.sendJob('ses-partial', SANDBOX_TEST_NUMBERS.partial, 3);

    w.advance(10_000);
    const pending = await w.poll({ mailer });
    expect(pending).toMatchObject({
      openJobs: 3,
      pagesRead: 1,
      matched: 3,
      delivered: 0,
      failed: 0,
      notified: 0,
    });
    expect((await w.job('ses-ok', BERLIN)).faxId).toMatch(/^[a-z0-9]+$/);

    w.advance(2 * MINUTE);
    const done = await w.poll({ mailer });
    expect(done).toMatchObject({ matched: 0, delivered: 1, failed: 2, notified: 3, receiptFailures: 0 });
    expect(w.metrics.get('FaxesDelivered')).toBe(1);
    expect(w.metrics.get('FaxesFailed')).toBe(2);

    const files = (await readdir(outbox.path)).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(3);
    const mails = await Promise.all(
      files.map(async (f) => simpleParser(await readFile(join(outbox.path, f)))),
    );
    const bySubject = new Map(mails.map((m) => [m.subject ?? '', m]));

    const delivered = bySubject.get('Fax delivered: Documents ses-ok');
    expect(delivered).toBeDefined();
    expect(delivered?.to && 'text' in delivered.to ? delivered.to.text : '').toBe('alice@example.com');
    expect(delivered?.from?.text).toBe('fax@fax.example.com');
    expect(delivered?.inReplyTo).toBe('<ses-ok@mail.example.com>');
    expect(delivered?.references).toEqual([
      '<thread-start-ses-ok@mail.example.com>',
      '<ses-ok@mail.example.com>',
    ]);
    expect(delivered?.headers.get('auto-submitted')).toBeTruthy();
    expect(delivered?.text).toContain('2 of 2 sent');
    expect(delivered?.text).toContain('0.18');
    const receipt = delivered?.attachments[0];
    expect(receipt?.filename).toBe(`faxrocks-receipt-${BERLIN}.pdf`);
    expect(receipt?.contentType).toBe('application/pdf');
    expect(receipt?.content.subarray(0, 5).toString()).toBe('%PDF-');

    const busy = bySubject.get('Fax failed: Documents ses-busy');
    expect(busy?.text).toContain('Error:       Busy');
    expect(busy?.attachments).toHaveLength(1);
    const partial = bySubject.get('Fax failed: Documents ses-partial');
    expect(partial?.text).toContain('2 of 3 sent');
    expect(partial?.text).toContain('Line dropped during transmission');

    expect((await w.job('ses-ok', BERLIN)).state).toBe('DELIVERED');
    expect((await w.job('ses-busy', SANDBOX_TEST_NUMBERS.busy)).state).toBe('FAILED');
    expect(await w.ledger.listOpenJobs()).toEqual([]);

    const requestsBefore = w.faxesRequests();
    const again = await w.poll({ mailer });
    expect(again.openJobs).toBe(0);
    expect(w.faxesRequests()).toBe(requestsBefore);
    expect((await readdir(outbox.path)).filter((f) => f.endsWith('.eml'))).toHaveLength(3);

    // Neither the token nor a document ever reaches the log.
    expect(JSON.stringify(w.log.lines)).not.toContain(SANDBOX_TOKEN);
  });

  it('matches several jobs to one number first come first served, by page count, past faxes sent outside faxgate', async () => {
    const w = await world();
    const [olderSamePages, olderOtherPages] = await w.sandbox.seedFaxes([
      { number: BERLIN, createdAt: new Date(T0 - 60 * MINUTE), pages: 2, status: 'delivered' },
      { number: BERLIN, createdAt: new Date(T0 - 30 * MINUTE), pages: 1, status: 'delivered' },
    ]);
    await w.sendJob('ses-a', BERLIN, 2);
    w.advance(1_000);
    await w.sendJob('ses-b', BERLIN, 2);
    w.advance(1_000);
    await w.sendJob('ses-c', BERLIN, 1);
    w.advance(1_000);
    // Sent from the faxrocks web app meanwhile: other page count, so no job can take it.
    const [outsideLater] = await w.sandbox.seedFaxes([
      { number: BERLIN, createdAt: new Date(w.now()), pages: 5 },
    ]);

    const report = await w.poll();
    expect(report.matched).toBe(3);
    const byCreation = new Map(w.sandbox.faxes().map((f) => [f.created_at, f.id]));
    const createdAt = (ms: number) => [...byCreation.keys()].find((k) => Date.parse(k) === ms);
    const faxAt = (ms: number) => byCreation.get(createdAt(ms) ?? '');
    expect((await w.job('ses-a', BERLIN)).faxId).toBe(faxAt(T0));
    expect((await w.job('ses-b', BERLIN)).faxId).toBe(faxAt(T0 + 1_000));
    expect((await w.job('ses-c', BERLIN)).faxId).toBe(faxAt(T0 + 2_000));
    const taken = new Set(
      await Promise.all(['ses-a', 'ses-b', 'ses-c'].map(async (m) => (await w.job(m, BERLIN)).faxId)),
    );
    for (const outside of [olderSamePages, olderOtherPages, outsideLater])
      expect(taken.has(outside)).toBe(false);

    w.advance(2 * MINUTE);
    const done = await w.poll();
    expect(done.delivered).toBe(3);
    expect(w.mailer.sent.map((m) => m.to.address)).toEqual([
      'alice@example.com',
      'alice@example.com',
      'alice@example.com',
    ]);
  });

  it('skips faxes other jobs hold, and attaches a claim a crashed run left unattached', async () => {
    const w = await world();
    const a = await w.sendJob('ses-held-a', BERLIN, 1);
    w.advance(1_000);
    const b = await w.sendJob('ses-held-b', BERLIN, 1);
    const [aFax, bFax] = [...w.sandbox.faxes()].sort(
      (x, y) => Date.parse(x.created_at) - Date.parse(y.created_at),
    );
    // A's fax is held by a job that is already closed (claim items outlive open jobs); B claimed
    // its fax in an earlier run that crashed before attaching it.
    await w.ledger.claimFax(aFax?.id ?? '', { messageId: 'ses-closed-long-ago', number: BERLIN });
    await w.ledger.claimFax(bFax?.id ?? '', { messageId: b.messageId, number: b.number });
    const report = await w.poll();
    // A may not take its own (held) fax; the next eligible one is B's, which B holds: A stays
    // unmatched rather than take a fax that is not free, and B gets its fax attached.
    expect(report.matched).toBe(1);
    expect((await w.job(a.messageId, a.number)).faxId).toBeUndefined();
    expect((await w.job(b.messageId, b.number)).faxId).toBe(bFax?.id);
    expect(w.log.lines.map((l) => l.message)).toContain('fax already claimed by another job');
  });

  it('reads only as many /faxes pages as the oldest open job needs', async () => {
    const w = await world({ policy: { pageSize: 2 } });
    await w.sandbox.seedFaxes(
      Array.from({ length: 10 }, (_, i) => ({
        number: BERLIN,
        createdAt: new Date(T0 - (i + 1) * 86_400_000),
      })),
    );
    for (const m of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      await w.sendJob(`ses-${m}`, BERLIN, 1);
      w.advance(1_000);
    }
    const report = await w.poll();
    // Newest first in twos: [p5 p4] [p3 p2] [p1 old]: the third page reaches back past p1.
    expect(report).toMatchObject({ pagesRead: 3, matched: 5 });
    expect(w.faxesRequests()).toBe(3);
    expect(w.log.warnings()).toEqual([]);
  });

  it('reads on to the page limit and warns when the provider lists oldest first', async () => {
    const w = await world({ sandbox: { order: 'oldest-first' }, policy: { pageSize: 3, maxPages: 10 } });
    await w.sandbox.seedFaxes(
      Array.from({ length: 7 }, (_, i) => ({
        number: BERLIN,
        createdAt: new Date(T0 - (i + 1) * MINUTE * 60),
      })),
    );
    await w.sendJob('ses-x', BERLIN, 1);
    w.advance(1_000);
    await w.sendJob('ses-y', BERLIN, 1);
    const report = await w.poll();
    // 9 faxes oldest first in threes: the jobs' faxes are on the last page; stopping at the first
    // old page would have missed them.
    expect(report).toMatchObject({ pagesRead: 3, matched: 2 });
    expect(w.log.warnings()).toContain('faxrocks /faxes is not newest first; reading on to the page limit');
    const x = await w.job('ses-x', BERLIN);
    const y = await w.job('ses-y', BERLIN);
    const faxes = w.sandbox.faxes();
    expect(Date.parse(faxes.find((f) => f.id === x.faxId)?.created_at ?? '')).toBe(T0);
    expect(Date.parse(faxes.find((f) => f.id === y.faxId)?.created_at ?? '')).toBe(T0 + 1_000);
  });

  it('stops at the page limit when the order cannot be trusted, and says so', async () => {
    const w = await world({ sandbox: { order: 'oldest-first' }, policy: { pageSize: 2, maxPages: 3 } });
    await w.sandbox.seedFaxes(
      Array.from({ length: 10 }, (_, i) => ({
        number: BERLIN,
        createdAt: new Date(T0 - (i + 1) * MINUTE * 60),
      })),
    );
    await w.sendJob('ses-late', BERLIN, 1);
    const report = await w.poll();
    expect(report).toMatchObject({ pagesRead: 3, matched: 0 });
    expect(w.log.warnings()).toContain(
      'stopped reading /faxes at the page limit before reaching the oldest open job',
    );
  });

  it('needs one /faxes request with 10,000 older faxes and a few open jobs from the last hour', async () => {
    const w = await world();
    const day = 86_400_000;
    await w.sandbox.seedFaxes(
      Array.from({ length: 10_000 }, (_, i) => ({
        number: i % 3 === 0 ? BERLIN : `+49301234${String(5000 + (i % 4000)).padStart(4, '0')}`,
        createdAt: new Date(T0 - 2 * 60 * MINUTE - (i * 30 * day) / 10_000),
        pages: 1 + (i % 4),
        status: 'delivered' as const,
      })),
    );
    w.advance(-50 * MINUTE);
    await w.sendJob('ses-h1', BERLIN, 1);
    w.advance(20 * MINUTE);
    await w.sendJob('ses-h2', BERLIN, 2);
    w.advance(20 * MINUTE);
    await w.sendJob('ses-h3', SANDBOX_TEST_NUMBERS.delivered, 1);
    w.advance(10_000);
    w.sandbox.stats.reset();

    const report = await w.poll();
    expect(w.faxesRequests()).toBe(1);
    expect(report).toMatchObject({ pagesRead: 1, matched: 3, delivered: 2 });

    w.advance(2 * MINUTE);
    w.sandbox.stats.reset();
    const next = await w.poll();
    expect(w.faxesRequests()).toBe(1);
    expect(next.delivered).toBe(1);
    expect(w.mailer.sent).toHaveLength(3);
  });

  it('ends a fax that never finishes UNKNOWN after the pending time-out, and tells the sender', async () => {
    const w = await world();
    await w.sendJob('ses-stuck', SANDBOX_TEST_NUMBERS.pendingForever, 1);
    w.advance(2 * MINUTE);
    expect(await w.poll()).toMatchObject({ matched: 1, unknown: 0, notified: 0 });
    w.advance(30 * MINUTE);
    expect(await w.poll()).toMatchObject({ unknown: 0, notified: 0 });
    w.advance(30 * MINUTE);
    expect(await w.poll()).toMatchObject({ unknown: 1, notified: 1 });
    expect(w.metrics.get('JobsUnknown')).toBe(1);
    const [mail] = w.mailer.sent;
    expect(mail?.subject).toBe('Fax status unknown: Documents ses-stuck');
    expect(mail?.text).toContain('has not reported whether it was delivered');
    expect(mail?.text).toContain('Check before resending');
    expect(mail?.attachments).toEqual([]);
    expect((await w.job('ses-stuck', SANDBOX_TEST_NUMBERS.pendingForever)).state).toBe('UNKNOWN');
  });

  it('settles an ambiguous send found in /faxes, and follows it to delivery', async () => {
    const w = await world();
    w.sandbox.faults.acceptThenFail = 1;
    const job = await w.claimJob('ses-amb', BERLIN, 1);
    await expect(w.client.send({ numbers: [BERLIN], document: await pdfOfPages(1) })).rejects.toThrow();
    await w.ledger.markSendOutcomeUnknown(job.messageId, job.number, job.attemptId, 'faxrocks answered 500');
    w.advance(10_000);
    expect(await w.poll()).toMatchObject({ matched: 1, unknown: 0 });
    const found = await w.job('ses-amb', BERLIN);
    expect(found.state).toBe('QUEUED');
    expect(found.faxId).toBeDefined();
    w.advance(2 * MINUTE);
    expect(await w.poll()).toMatchObject({ delivered: 1, notified: 1 });
  });

  it('ends an ambiguous send that never shows up UNKNOWN, asking to check before resending', async () => {
    const w = await world();
    const job = await w.claimJob('ses-lost', BERLIN, 1);
    await w.ledger.markSendOutcomeUnknown(job.messageId, job.number, job.attemptId, 'time-out');
    w.advance(10 * MINUTE);
    expect(await w.poll()).toMatchObject({ unknown: 0, notified: 0 });
    expect((await w.job('ses-lost', BERLIN)).state).toBe('SENDING');
    w.advance(20 * MINUTE);
    expect(await w.poll()).toMatchObject({ unknown: 1, notified: 1 });
    expect(w.mailer.sent[0]?.subject).toBe('Fax status unknown: Documents ses-lost');
    expect(w.mailer.sent[0]?.text).toContain('may or may not have been sent');
    expect(w.mailer.sent[0]?.text).toContain('Check before resending');
  });

  it('leaves a young SENDING job to the inbound run, and settles it once it is old enough (a crash after /send)', async () => {
    const w = await world();
    await w.claimJob('ses-crash', BERLIN, 1);
    await w.client.send({ numbers: [BERLIN], document: await pdfOfPages(1) });
    w.advance(2 * MINUTE);
    expect(await w.poll()).toMatchObject({ openJobs: 1, matched: 0, notified: 0 });
    expect(w.faxesRequests()).toBe(0);
    w.advance(30 * MINUTE);
    expect(await w.poll()).toMatchObject({ matched: 1, delivered: 1, notified: 1 });
    expect(w.mailer.sent[0]?.subject).toContain('delivered');
  });

  it('closes a silent job (auto-submitted mail) without emailing', async () => {
    const w = await world();
    await w.sendJob('ses-silent', BERLIN, 1, { silent: 'auto-submitted' });
    w.advance(2 * MINUTE);
    expect(await w.poll()).toMatchObject({ delivered: 1, notified: 0 });
    expect(w.mailer.sent).toEqual([]);
    expect(await w.ledger.listOpenJobs()).toEqual([]);
  });
});
