// Faxes for later (issue 14) at the use-case level: the poller against the faxrocks sandbox over
// HTTP, the ledger in dynalite, one controlled clock. A scheduled fax is pending until its time and
// the pending timeout counts from then; re-dials and resends follow its time, never precede it.

import { describe, expect, it } from 'vitest';
import { sendAttempt } from '../../functions/delivery/send-attempt.ts';
import type { ScheduledSend } from '../../functions/domain/send-time.ts';
import { SANDBOX_TEST_NUMBERS } from '../../sandbox/faxrocks-sandbox.ts';
import { attemptWorlds, MINUTE, pdfOfPages, T0, type World } from './world.ts';

const HOUR = 60 * MINUTE;
const world = attemptWorlds('scheduled-documents');

/** A schedule `ms` after T0, in Berlin (T0 is 07:00 there). */
function scheduleAt(ms: number): ScheduledSend {
  const at = new Date(T0 + ms);
  const local = new Date(at.getTime() + HOUR).toISOString().slice(0, 19); // Berlin is UTC+1 in November
  return { at: at.toISOString(), localTime: local, timeZone: 'Europe/Berlin', zoneGiven: false };
}

/** Polls every `stepMs` of the shared clock up to `untilMs`, the last step shortened to end there. */
async function pollEvery(w: World, stepMs: number, untilMs: number) {
  while (w.now() < untilMs) {
    w.advance(Math.min(stepMs, untilMs - w.now()));
    await w.poll();
  }
}

const faxesTo = (w: World, number: string) => w.sandbox.faxes().filter((f) => f.number === number);
const reportsFor = (w: World, messageId: string) =>
  w.mailer.sent.filter((m) => m.inReplyTo === `<${messageId}@mail.example.com>`);

describe('a fax for later', () => {
  it('stays pending past the pending timeout until its time, then is delivered and reported once', async () => {
    // Pending timeout 60 minutes; the fax is for three hours ahead.
    const w = await world();
    const number = '+4930123470';
    const schedule = scheduleAt(3 * HOUR);
    await w.sendJob('ses-later', number, 1, { schedule });
    await pollEvery(w, 10 * MINUTE, T0 + 3 * HOUR - MINUTE);
    expect(await w.job('ses-later', number)).toMatchObject({ state: 'QUEUED', schedule });
    expect(faxesTo(w, number)[0]).toMatchObject({ status: false, error: null });
    expect(reportsFor(w, 'ses-later')).toHaveLength(0);
    // Once matched, /faxes is not read for it again until its time.
    expect(w.faxesRequests()).toBe(1);

    await pollEvery(w, MINUTE, T0 + 3 * HOUR + 2 * MINUTE);
    expect(await w.job('ses-later', number)).toMatchObject({ state: 'DELIVERED' });
    const reports = reportsFor(w, 'ses-later');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.text).toContain('Scheduled:   27 Nov 2026 10:00 Europe/Berlin');
  });

  it('ends UNKNOWN only when still pending the pending timeout after its time', async () => {
    const w = await world();
    const number = SANDBOX_TEST_NUMBERS.pendingForever;
    await w.sendJob('ses-later-forever', number, 1, { schedule: scheduleAt(2 * HOUR) });
    await pollEvery(w, 10 * MINUTE, T0 + 2 * HOUR + 50 * MINUTE);
    expect((await w.job('ses-later-forever', number)).state).toBe('QUEUED');
    await pollEvery(w, 10 * MINUTE, T0 + 3 * HOUR + 10 * MINUTE);
    expect((await w.job('ses-later-forever', number)).state).toBe('UNKNOWN');
  });

  it('busy at its time: re-dialled after its time, within the re-dial window counted from it', async () => {
    // The window is 180 minutes; the fax is for five hours ahead.
    const w = await world();
    const number = SANDBOX_TEST_NUMBERS.busyOnce;
    const schedule = scheduleAt(5 * HOUR);
    await w.sendJob('ses-later-busy', number, 1, { schedule });
    await pollEvery(w, 10 * MINUTE, T0 + 5 * HOUR);
    await pollEvery(w, MINUTE, T0 + 5 * HOUR + 20 * MINUTE);
    const job = await w.job('ses-later-busy', number);
    expect(job).toMatchObject({ state: 'DELIVERED', attempt: 2 });
    const created = faxesTo(w, number).map((f) => Date.parse(f.created_at));
    expect(created).toHaveLength(2);
    expect(Math.max(...created)).toBeGreaterThan(Date.parse(schedule.at));
  });

  it('a send proven never made before its time is sent again for that time, not at once', async () => {
    const w = await world();
    const number = '+4930123471';
    const schedule = scheduleAt(2 * HOUR);
    const job = await w.claimJob('ses-later-lost', number, 1, { schedule });
    const document = await pdfOfPages(1);
    await w.deps().documents?.keep('ses-later-lost', document);
    w.sandbox.faults.send5xx = 1;
    const answer = await sendAttempt(w.deps(), {
      messageId: 'ses-later-lost',
      numbers: [number],
      attemptId: job.attemptId,
      pages: 1,
      document,
      schedule,
    });
    expect(answer.get(number)?.status).toBe('unconfirmed');
    await pollEvery(w, MINUTE, T0 + 15 * MINUTE);
    expect(faxesTo(w, number)).toHaveLength(1);
    expect(await w.job('ses-later-lost', number)).toMatchObject({ attempt: 2 });
    // Past the sandbox's delivery delay, but before its time: still pending.
    await pollEvery(w, 10 * MINUTE, T0 + 2 * HOUR - MINUTE);
    expect(faxesTo(w, number)[0]).toMatchObject({ status: false, error: null });
    await pollEvery(w, MINUTE, T0 + 2 * HOUR + 2 * MINUTE);
    expect((await w.job('ses-later-lost', number)).state).toBe('DELIVERED');
    expect(reportsFor(w, 'ses-later-lost')).toHaveLength(1);
  });
});
