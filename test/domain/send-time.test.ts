import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import { parseMailOptions, type WrittenSendTime } from '../../functions/domain/mail-options.ts';
import { resolveSendTime, scheduleFor, shownSendTime } from '../../functions/domain/send-time.ts';

const rules = {
  defaultTimeZone: 'Europe/Berlin',
  horizonDays: 30,
  receivedAt: new Date('2026-12-01T13:00:00Z'),
};

function written(subject: string): WrittenSendTime {
  const sendAt = parseMailOptions(subject).sendAt;
  if (!sendAt) throw new Error(`no send time in ${subject}`);
  return sendAt;
}

describe('resolveSendTime', () => {
  it("reads a time without a zone in the gateway's zone, and hands faxrocks the wall-clock time", () => {
    expect(resolveSendTime(written('x /at 2026-12-24 09:00'), rules)).toEqual({
      ok: true,
      send: {
        at: '2026-12-24T08:00:00.000Z',
        localTime: '2026-12-24T09:00:00',
        timeZone: 'Europe/Berlin',
        zoneGiven: false,
      },
    });
  });

  it('reads a time in the zone the sender names', () => {
    expect(resolveSendTime(written('x /at 24.12.2026 09:00 America/New_York'), rules)).toMatchObject({
      ok: true,
      send: { at: '2026-12-24T14:00:00.000Z', localTime: '2026-12-24T09:00:00', zoneGiven: true },
    });
    expect(resolveSendTime(written('x /at 2026-12-02 09:00 UTC'), rules)).toMatchObject({
      send: { at: '2026-12-02T09:00:00.000Z', timeZone: 'UTC' },
    });
  });

  it('refuses a time in the past, saying what it understood and what the time was', () => {
    const decision = resolveSendTime(written('x /at 2026-12-01 09:00'), rules);
    expect(decision).toEqual({
      ok: false,
      problem:
        "1 Dec 2026 09:00 Europe/Berlin (the gateway's time zone; write another after the time) is in the past: faxgate received the email at 1 Dec 2026 14:00 Europe/Berlin. Write a time still ahead, for example /at 2026-12-02 09:00, or leave /at out to send at once.",
    });
    // The very minute it was received is past too.
    expect(resolveSendTime(written('x /at 2026-12-01 14:00'), rules).ok).toBe(false);
    expect(resolveSendTime(written('x /at 2026-12-01 14:01'), rules).ok).toBe(true);
  });

  it('refuses a time beyond the horizon, naming the last time that would do', () => {
    expect(resolveSendTime(written('x /at 2026-12-31 14:00'), rules).ok).toBe(true);
    const decision = resolveSendTime(written('x /at 2026-12-31 14:01'), rules);
    expect(decision).toMatchObject({ ok: false });
    if (!decision.ok) {
      expect(decision.problem).toContain(
        'is more than 30 days ahead; faxes can be scheduled until 31 Dec 2026 14:00 Europe/Berlin',
      );
    }
  });

  it('refuses a wall-clock time the zone skips or passes twice', () => {
    const spring = { ...rules, receivedAt: new Date('2026-03-20T12:00:00Z') };
    const skipped = resolveSendTime(written('x /at 2026-03-29 02:30'), spring);
    expect(skipped.ok === false && skipped.problem).toMatch(/does not exist: the clocks go forward/);
    expect(resolveSendTime(written('x /at 2026-03-29 03:00'), spring)).toMatchObject({
      send: { at: '2026-03-29T01:00:00.000Z' },
    });
    const autumn = { ...rules, receivedAt: new Date('2026-10-20T12:00:00Z') };
    const twice = resolveSendTime(written('x /at 2026-10-25 02:30'), autumn);
    expect(twice.ok === false && twice.problem).toMatch(/happens twice that night/);
    expect(resolveSendTime(written('x /at 2026-10-25 03:00'), autumn)).toMatchObject({
      send: { at: '2026-10-25T02:00:00.000Z' },
    });
  });

  it('finds the instants of a written time as luxon did, across clock changes (property)', () => {
    // The instants as the function found them with luxon before: the zone's offsets a few hours
    // either side of the wall-clock time, each kept when it gives that time back.
    const luxonInstants = (w: WrittenSendTime, zone: string) => {
      const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
      const offsets = new Set(
        [-6, 0, 6].map((h) => DateTime.fromMillis(wall + h * 3_600_000, { zone }).offset),
      );
      return [...offsets]
        .map((offset) => wall - offset * 60_000)
        .filter((instant) => {
          const back = DateTime.fromMillis(instant, { zone });
          return (
            [back.year, back.month, back.day, back.hour, back.minute].join() ===
            [w.year, w.month, w.day, w.hour, w.minute].join()
          );
        });
    };
    const received = { ...rules, receivedAt: new Date('2026-01-01T00:00:00Z'), horizonDays: 400 };
    // Wall-clock times a day either side of 2026's clock changes in these zones, and any other.
    const changes = [
      '2026-03-08',
      '2026-03-29',
      '2026-04-05',
      '2026-09-27',
      '2026-10-04',
      '2026-10-25',
      '2026-11-01',
    ];
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(fc.constantFrom(...changes), fc.integer({ min: -96, max: 96 }))
            .map(([day, quarters]) => Date.parse(`${day}T00:00:00Z`) + quarters * 900_000),
          fc.integer({ min: 0, max: 360 * 96 }).map((quarters) => Date.UTC(2026, 0, 2) + quarters * 900_000),
        ),
        fc.constantFrom(
          'Europe/Berlin',
          'America/St_Johns',
          'Australia/Lord_Howe',
          'Pacific/Chatham',
          'Europe/Dublin',
        ),
        (wallMs, zone) => {
          const wall = new Date(wallMs);
          const w = written(
            `x /at ${wall.toISOString().slice(0, 10)} ${wall.toISOString().slice(11, 16)} ${zone}`,
          );
          const instants = [...new Set(luxonInstants(w, zone))];
          const decision = resolveSendTime(w, received);
          if (instants.length === 1) {
            expect(decision).toMatchObject({
              ok: true,
              send: { at: new Date(instants[0] as number).toISOString() },
            });
          } else {
            expect(decision.ok === false && decision.problem).toMatch(
              instants.length === 0 ? /does not exist/ : /twice/,
            );
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('gives back the written wall-clock time for every accepted time (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 * 24 * 60 - 1 }),
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'),
        (minutesAhead, zone) => {
          const at = new Date(rules.receivedAt.getTime() + minutesAhead * 60_000);
          const local = new Intl.DateTimeFormat('sv-SE', {
            timeZone: zone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            hourCycle: 'h23',
          }).format(at);
          const decision = resolveSendTime(written(`x /at ${local} ${zone}`), rules);
          // Times in a clock change's hour may be refused; every other one comes back as written.
          if (decision.ok) {
            expect(decision.send.localTime).toBe(`${local.replace(' ', 'T')}:00`);
            expect(Date.parse(decision.send.at)).toBe(Math.floor(at.getTime() / 60_000) * 60_000);
          } else {
            expect(decision.problem).toMatch(/twice|does not exist/);
          }
        },
      ),
    );
  });
});

describe('shownSendTime and scheduleFor', () => {
  it('writes a time as the replies show it', () => {
    expect(shownSendTime('2026-12-24T08:00:00.000Z', 'Europe/Berlin')).toBe(
      '24 Dec 2026 09:00 Europe/Berlin',
    );
  });

  it('writes every instant in every kind of zone as luxon did, which the replies used before (property)', () => {
    // Zones with half- and quarter-hour offsets, a 30-minute daylight saving shift, negative
    // daylight saving time (Dublin), and zones whose rules changed over the years.
    const zones = [
      'Europe/Berlin',
      'Europe/Dublin',
      'America/St_Johns',
      'America/Sao_Paulo',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'Pacific/Apia',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }),
        fc.constantFrom(...zones),
        (ms, zone) => {
          const at = new Date(ms).toISOString();
          const luxon = DateTime.fromISO(at, { zone }).setLocale('en-GB').toFormat('d LLL yyyy HH:mm');
          expect(shownSendTime(at, zone)).toBe(`${luxon} ${zone}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('drops a schedule whose time has come', () => {
    const send = {
      at: '2026-12-24T08:00:00.000Z',
      localTime: '2026-12-24T09:00:00',
      timeZone: 'UTC',
      zoneGiven: true,
    };
    expect(scheduleFor(send, new Date('2026-12-24T07:59:59Z'))).toBe(send);
    expect(scheduleFor(send, new Date('2026-12-24T08:00:00Z'))).toBeUndefined();
    expect(scheduleFor(undefined, new Date())).toBeUndefined();
  });
});

describe('loading send-time', () => {
  it('makes no Intl formatter until a time is read or shown: a cold start does not pay for ICU data', async () => {
    const Original = Intl.DateTimeFormat;
    let made = 0;
    const counting = new Proxy(Original, {
      construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        made++;
        return new target(...args);
      },
      apply(target, _this, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        made++;
        return target(...args);
      },
    });
    Intl.DateTimeFormat = counting;
    try {
      vi.resetModules();
      const fresh = await import('../../functions/domain/send-time.ts');
      expect(made).toBe(0);
      expect(fresh.shownSendTime('2026-12-24T08:00:00.000Z', 'Europe/Berlin')).toBe(
        '24 Dec 2026 09:00 Europe/Berlin',
      );
      expect(made).toBeGreaterThan(0);
    } finally {
      Intl.DateTimeFormat = Original;
    }
  });
});
