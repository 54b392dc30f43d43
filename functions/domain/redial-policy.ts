// When a failed fax is dialled again: the one table that reads the provider's error text and the
// schedule that turns it into a due time. faxrocks does not document its error texts, so the table
// matches what the sandbox says and the usual fax-server wordings (HylaFAX, T.30 terms); a text it
// does not know is not worth re-dialling, and numbers that cannot work are never re-dialled.

/** A failure that a later call may not meet: the line was busy, nobody answered, the call broke off. */
export type RedialReason = 'busy' | 'no-answer' | 'broken-off';

/** How the table reads a fax error. `permanent`: re-dialling cannot help; `unknown`: not re-dialled. */
export type FaxErrorClass = RedialReason | 'permanent' | 'unknown';

export interface RedialSchedule {
  /** Minutes before each further attempt after a busy line (its length is how many). */
  busyMinutes: readonly number[];
  /** Minutes before each further attempt after no answer. */
  noAnswerMinutes: readonly number[];
  /** Minutes before each further attempt after a transmission broken off part way. */
  brokenOffMinutes: readonly number[];
  /** Attempts per number at most, the first included. */
  maxAttempts: number;
  /** No attempt starts later than this many minutes after the first. */
  windowMinutes: number;
}

export const DEFAULT_REDIAL_SCHEDULE: RedialSchedule = {
  busyMinutes: [5, 5, 15, 40],
  noAnswerMinutes: [5, 30],
  brokenOffMinutes: [2, 10],
  maxAttempts: 6,
  windowMinutes: 180,
};

/** Nothing is re-dialled: every failure is final (an admin's choice, and older tests' world). */
export const NO_REDIAL: RedialSchedule = {
  busyMinutes: [],
  noAnswerMinutes: [],
  brokenOffMinutes: [],
  maxAttempts: 1,
  windowMinutes: 0,
};

/**
 * The table, checked top to bottom: the first pattern that matches decides. Numbers that cannot
 * work come first, so "Call rejected: number busy" or "Invalid number (no answer)" are never
 * re-dialled.
 */
const ERROR_TABLE: readonly { pattern: RegExp; class: FaxErrorClass }[] = [
  {
    pattern:
      /invalid|unallocated|unassigned|not (?:in service|a fax|a valid)|no longer in service|does not exist|unknown number|unreachable|not reachable|disconnected number|number (?:changed|blocked)|blocked|blacklist|barred|rejected|refused|forbidden|not allowed|no fax (?:machine|device)|not a fax machine|voice (?:answer|detected)|human answer|insufficient|credit|balance|quota|payment/i,
    class: 'permanent',
  },
  // The sandbox's "Busy"; HylaFAX's "Busy signal detected"; "User busy", "Line busy", SIP 486/600.
  { pattern: /\bbusy\b|\b486\b/i, class: 'busy' },
  // Sandbox "No answer"; HylaFAX "No answer from remote", "No carrier detected", "No local dialtone";
  // "Ring no answer", "No response from remote", "Timeout waiting for answer".
  {
    pattern:
      /no[ -]?answer|not answer|no carrier|no (?:local )?dial ?tone|no response from remote|ring(?:ing)? timeout|timed? ?out waiting|\b408\b|\b480\b/i,
    class: 'no-answer',
  },
  // Sandbox "Line dropped during transmission"; HylaFAX "Remote fax disconnected prematurely",
  // "No response to MPS/EOP repeated 3 tries", "Failed to train with remote fax", "RSPREC error",
  // "Failure to transmit clean ECM image data"; "Communication error", "Call dropped".
  {
    pattern:
      /disconnected prematurely|line dropped|(?:call|connection|line) (?:was )?(?:dropped|lost|interrupted|broken)|transmission (?:interrupted|failed|error)|communication error|no response to (?:mps|eop|eom|pps)|fail(?:ed|ure) to train|training failed|rsprec|ecm image|hang ?up|hung up|\bdcn\b|broken off/i,
    class: 'broken-off',
  },
];

/**
 * How a fax error reads. A fax that sent some pages but not all broke off part way, whatever its
 * text says, unless the text says the number cannot work.
 */
export function classifyFaxError(
  error: string | null | undefined,
  pages?: number,
  pagesSent?: number | null,
): FaxErrorClass {
  const text = (error ?? '').trim();
  const matched = text ? ERROR_TABLE.find((row) => row.pattern.test(text))?.class : undefined;
  if (matched === 'permanent') return 'permanent';
  if (matched) return matched;
  if (pages !== undefined && typeof pagesSent === 'number' && pagesSent > 0 && pagesSent < pages) {
    return 'broken-off';
  }
  return 'unknown';
}

/** What an attempt that ended failed says about the attempts before it. */
export interface FailedAttempt {
  /** Why this attempt failed, as the table read it. */
  class: FaxErrorClass;
}

export type RedialDecision =
  | { kind: 'redial'; reason: RedialReason; delayMinutes: number; dueAt: string }
  | { kind: 'final'; why: string };

/**
 * Whether the attempt that just failed is followed by another, and when. `failures` are the
 * failed attempts so far in order, this one last; `attemptsMade` counts every attempt that may have
 * faxed (the first included); the window runs from the first attempt.
 */
export function redialDecision(
  input: {
    failures: readonly FailedAttempt[];
    attemptsMade: number;
    firstAttemptAt: string;
    now: Date;
  },
  schedule: RedialSchedule = DEFAULT_REDIAL_SCHEDULE,
): RedialDecision {
  const last = input.failures[input.failures.length - 1];
  if (!last) return { kind: 'final', why: 'no failed attempt' };
  if (last.class === 'permanent') return { kind: 'final', why: 're-dialling cannot fix this error' };
  if (last.class === 'unknown') return { kind: 'final', why: 'the error is not one worth re-dialling' };
  const reason = last.class;
  const delays = delaysFor(reason, schedule);
  const sameReason = input.failures.filter((f) => f.class === reason).length;
  const delayMinutes = delays[sameReason - 1];
  if (delayMinutes === undefined) {
    return { kind: 'final', why: `re-dialled ${delays.length} times after ${words(reason)}` };
  }
  if (input.attemptsMade >= schedule.maxAttempts) {
    return { kind: 'final', why: `${schedule.maxAttempts} attempts made` };
  }
  const dueAt = input.now.getTime() + delayMinutes * 60_000;
  const windowEnd = Date.parse(input.firstAttemptAt) + schedule.windowMinutes * 60_000;
  if (!(dueAt <= windowEnd)) {
    return {
      kind: 'final',
      why: `no attempt starts later than ${hours(schedule.windowMinutes)} after the first`,
    };
  }
  return { kind: 'redial', reason, delayMinutes, dueAt: new Date(dueAt).toISOString() };
}

export function delaysFor(reason: RedialReason, schedule: RedialSchedule): readonly number[] {
  if (reason === 'busy') return schedule.busyMinutes;
  if (reason === 'no-answer') return schedule.noAnswerMinutes;
  return schedule.brokenOffMinutes;
}

/** "busy line", "no answer", "a broken-off transmission": for reply texts. */
export function words(reason: RedialReason): string {
  if (reason === 'busy') return 'a busy line';
  if (reason === 'no-answer') return 'no answer';
  return 'a transmission broken off part way';
}

/** `3 hours`, `90 minutes`: how long automatic re-dialling may go on, for the queued reply. */
export function hours(minutes: number): string {
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minutes`;
}

/** One line for the queued reply: what is re-dialled automatically, and for how long. */
export function redialPromise(schedule: RedialSchedule = DEFAULT_REDIAL_SCHEDULE): string {
  const kinds: string[] = [];
  if (schedule.busyMinutes.length > 0) kinds.push('busy lines');
  if (schedule.noAnswerMinutes.length > 0) kinds.push('numbers that do not answer');
  if (schedule.brokenOffMinutes.length > 0) kinds.push('calls broken off part way');
  if (kinds.length === 0 || schedule.maxAttempts <= 1)
    return 'Failed faxes are not re-dialled automatically.';
  const list =
    kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1]}`;
  return `${capitalise(list ?? '')} are re-dialled automatically, up to ${schedule.maxAttempts} attempts within ${hours(schedule.windowMinutes)}; you get one report when every number is done.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reads `5,5,15,40` (minutes) from a setting; empty means none. */
export function parseMinutesList(raw: string, name: string): number[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.map((part) => {
    const value = Number(part);
    if (!Number.isFinite(value) || value < 0 || value > 24 * 60) {
      throw new RangeError(`${name} must list minutes from 0 to 1440, separated by commas, not "${raw}"`);
    }
    return value;
  });
}
