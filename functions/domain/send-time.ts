// When a scheduled fax goes out: the `/at` option's wall-clock time read in a time zone, checked
// against the time faxgate received the mail and the schedule horizon.
//
// The zone is the one the sender wrote after the time, else the gateway's DEFAULT_TIMEZONE. The
// Date header's offset is not used: `+0100` is an offset, not a zone, and says nothing of daylight
// saving time (a mail written in Berlin in December has +0100, a fax it schedules for June +0200).
//
// faxrocks gets the wall-clock time (`scheduled_at`, ISO 8601 without offset) and the zone
// (`timezone`), as its API page describes them. A wall-clock time the zone skips (clocks going
// forward) or passes twice (clocks going back) cannot be handed over unambiguously, so it is
// refused with a reply rather than guessed.

import type { WrittenSendTime } from './mail-options.ts';

export interface ScheduledSend {
  /** The instant, ISO 8601 in UTC. */
  at: string;
  /** `scheduled_at` for faxrocks: the wall-clock time in `timeZone`, `2026-12-24T09:00:00`. */
  localTime: string;
  /** `timezone` for faxrocks: an IANA name. */
  timeZone: string;
  /** True when the sender named the zone; false for the gateway's default. */
  zoneGiven: boolean;
}

export interface SendTimeRules {
  /** DEFAULT_TIMEZONE. */
  defaultTimeZone: string;
  /** SCHEDULE_HORIZON_DAYS. */
  horizonDays: number;
  /** When faxgate received the mail: a time before it is in the past. */
  receivedAt: Date;
}

export type SendTimeDecision = { ok: true; send: ScheduledSend } | { ok: false; problem: string };

// Zones are read through the runtime's Intl (the tz database it carries), as a date library would:
// luxon did just this, and was 72 KB of both functions' bundles that every cold start loaded for
// the few mails and reports that name a time.

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// One formatter per zone: making an Intl.DateTimeFormat costs far more than formatting with it.
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time in `zone` at the instant `ms`. */
function wallClockAt(ms: number, zone: string): WallClock {
  let format = zoneFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(zone, format);
  }
  const wall: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const { type, value } of format.formatToParts(ms)) {
    if (type in wall) wall[type as keyof WallClock] = Number(value);
  }
  // Some runtimes write midnight as 24 even in a 23-hour cycle.
  if (wall.hour === 24) wall.hour = 0;
  return wall;
}

/** Minutes `zone` is ahead of UTC at the instant `ms`. */
function offsetAt(ms: number, zone: string): number {
  const w = wallClockAt(ms, zone);
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return (wall - (ms - (((ms % 1000) + 1000) % 1000))) / 60_000;
}

// en-GB's short month names, as the runtime writes them (`Sept` in current ICU). Made on first use:
// the first Intl formatter loads ICU's data (~30 ms), which a cold start need not pay.
let monthNames: string[] | undefined;
function monthName(month: number): string {
  monthNames ??= Array.from({ length: 12 }, (_, m) =>
    new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' }).format(Date.UTC(2016, m, 1)),
  );
  return monthNames[month - 1] as string;
}
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `24 Dec 2026 09:00`. */
function dayAndTime(w: Pick<WallClock, 'year' | 'month' | 'day' | 'hour' | 'minute'>): string {
  return `${w.day} ${monthName(w.month)} ${pad(w.year, 4)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** `24 Dec 2026 09:00 Europe/Berlin`: how replies write a time. */
export function shownSendTime(at: string, timeZone: string): string {
  return `${dayAndTime(wallClockAt(Date.parse(at), timeZone))} ${timeZone}`;
}

/** The wall-clock text of a written time, for messages about it: `24 Dec 2026 09:00`. */
function wallText(w: WrittenSendTime): string {
  return dayAndTime(w);
}

/** Every instant whose wall-clock time in `zone` is the written one: none, one, or two. */
function instantsOf(w: WrittenSendTime, zone: string): number[] {
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  // The zone's offsets a few hours either side cover any transition at that wall time.
  const offsets = new Set([-6, 0, 6].map((hours) => offsetAt(wall + hours * 3_600_000, zone)));
  const found = new Set<number>();
  for (const offset of offsets) {
    const instant = wall - offset * 60_000;
    const back = wallClockAt(instant, zone);
    if (back.year === w.year && back.month === w.month && back.day === w.day) {
      if (back.hour === w.hour && back.minute === w.minute) found.add(instant);
    }
  }
  return [...found].sort((a, b) => a - b);
}

export function resolveSendTime(written: WrittenSendTime, rules: SendTimeRules): SendTimeDecision {
  const timeZone = written.timeZone ?? rules.defaultTimeZone;
  const zoneNote = written.timeZone ? '' : ` (the gateway's time zone; write another after the time)`;
  const asked = `${wallText(written)} ${timeZone}${zoneNote}`;
  const instants = instantsOf(written, timeZone);
  if (instants.length === 0) {
    return {
      ok: false,
      problem: `${asked} does not exist: the clocks go forward over that time. Choose a time an hour later or earlier.`,
    };
  }
  if (instants.length > 1) {
    return {
      ok: false,
      problem: `${asked} happens twice that night, as the clocks go back, and faxrocks cannot be told which. Choose a time outside that hour.`,
    };
  }
  const at = instants[0] as number;
  const received = rules.receivedAt.getTime();
  const nowThere = shownSendTime(rules.receivedAt.toISOString(), timeZone);
  if (at <= received) {
    const today = wallClockAt(received, timeZone);
    const next = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
    const tomorrow = `${pad(next.getUTCFullYear(), 4)}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}`;
    return {
      ok: false,
      problem: `${asked} is in the past: faxgate received the email at ${nowThere}. Write a time still ahead, for example /at ${tomorrow} 09:00, or leave /at out to send at once.`,
    };
  }
  const horizonMs = rules.horizonDays * 86_400_000;
  if (at - received > horizonMs) {
    const last = shownSendTime(new Date(received + horizonMs).toISOString(), timeZone);
    return {
      ok: false,
      problem: `${asked} is more than ${rules.horizonDays} days ahead; faxes can be scheduled until ${last}. Send the email again closer to the time.`,
    };
  }
  const l = wallClockAt(at, timeZone);
  return {
    ok: true,
    send: {
      at: new Date(at).toISOString(),
      localTime: `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}`,
      timeZone,
      zoneGiven: written.timeZone !== undefined,
    },
  };
}

/** The schedule for a /send made at `now`: none once its time has come (it would be in the past). */
export function scheduleFor(send: ScheduledSend | undefined, now: Date): ScheduledSend | undefined {
  return send && Date.parse(send.at) > now.getTime() ? send : undefined;
}

/** The `/send` fields of a schedule: `scheduled_at` and `timezone`, as the faxrocks port names them. */
export function sendFields(send: ScheduledSend | undefined): { scheduledAt?: string; timezone?: string } {
  return send ? { scheduledAt: send.localTime, timezone: send.timeZone } : {};
}
