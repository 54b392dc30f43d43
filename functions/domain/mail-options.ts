// How a sender asks for more than "fax this now": options at the end of the subject, each a word
// that starts with a slash (InterFAX's habit), e.g. `Invoice 42 /cover /at 2026-12-24 09:00`.
//
//   /cover                              a cover page made from the mail
//   /nocover                            no cover page (when the gateway adds one by default)
//   /at DATE TIME [ZONE]                send at that time: DATE 2026-12-24 or 24.12.2026, TIME 09:00
//                                       (24-hour), ZONE an IANA name such as Europe/Berlin or UTC
//
// Ordinary subjects must pass untouched, so the rules are narrow:
//   - An option word is a slash and letters only (`/cover`, `/AT`), written on its own. `2026/12`,
//     `A/B`, `/etc/hosts`, `and / or` are text.
//   - Options are read only from the end: the options part is the longest run of words at the end
//     that consists of option words and their values, within the subject's last 1,000 characters.
//     `Notes /final draft` stays text ("draft" is no value); `Notes /final` and
//     `Notes /d 2026-12-24 09:00` are read as options, unknown ones, so the sender hears which
//     options exist rather than getting a fax without them.
//   - Values: `/at` takes every word up to the next option word (and says what it could not read);
//     `/cover` and `/nocover` take none; an unknown option takes the words with a digit in them.
// The result is syntax only: when a time is in the past or too far ahead is send-time.ts's rule.

/** The options a sender may write, for replies and the README. */
export const MAIL_OPTIONS_HELP: readonly { form: string; meaning: string }[] = [
  { form: '/cover', meaning: 'add a cover page made from this email' },
  { form: '/nocover', meaning: 'no cover page' },
  { form: '/at 2026-12-24 09:00', meaning: "send at that time, in the gateway's time zone" },
  { form: '/at 24.12.2026 09:00 Europe/Berlin', meaning: 'send at that time in the time zone named' },
];

/** A send time as written: a wall-clock time, and the zone when the sender named one. */
export interface WrittenSendTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** The IANA name in its canonical spelling (`europe/berlin` becomes `Europe/Berlin`). */
  timeZone?: string;
  /** The option's words as the sender wrote them, for replies (`/at 2026-12-24 09:00`). */
  written: string;
}

export interface OptionProblem {
  /** The option's words as written (`/at tomorrow`, `/urgent`). */
  written: string;
  /** What is wrong, in plain words. */
  problem: string;
}

export interface MailOptions {
  /** The subject without its options (trailing white space removed); the subject replies quote. */
  subject: string;
  /** True for `/cover`, false for `/nocover`, absent when the subject says neither. */
  cover?: boolean;
  sendAt?: WrittenSendTime;
  /** Options that could not be read; a mail with any is not faxed. */
  problems: OptionProblem[];
  /** The options part of the subject as written, empty when there is none. */
  written: string;
}

interface Word {
  text: string;
  start: number;
}

const OPTION_WORD = /^\/[A-Za-z]+$/;
type Arity = 'rest' | 'none' | 'digits';
const ARITY: Record<string, Arity> = { cover: 'none', nocover: 'none', at: 'rest' };

function isOptionWord(word: Word | undefined): boolean {
  return word !== undefined && OPTION_WORD.test(word.text);
}

function nameOf(word: Word): string {
  return word.text.slice(1).toLowerCase();
}

function arityOf(word: Word): Arity {
  return ARITY[nameOf(word)] ?? 'digits';
}

/** Index past the values of the option word at `index`. */
function valuesEnd(words: Word[], index: number): number {
  const arity = arityOf(words[index] as Word);
  let end = index + 1;
  if (arity === 'none') return end;
  while (end < words.length && !isOptionWord(words[end])) {
    if (arity === 'digits' && !/\d/.test((words[end] as Word).text)) break;
    end++;
  }
  return end;
}

/**
 * Where the options part starts: the first option word from which option words and their values
 * reach the end of the subject. One pass from the end, so a long subject costs linear time.
 */
function optionsStart(words: Word[]): number {
  // reaches[i]: from word i, option words and their values run to the end.
  const reaches: boolean[] = new Array(words.length + 1).fill(false);
  reaches[words.length] = true;
  let start = words.length;
  for (let i = words.length - 1; i >= 0; i--) {
    if (!isOptionWord(words[i])) continue;
    const end = valuesEnd(words, i);
    // The values end at the subject's end or at an option word that itself reaches it.
    if (reaches[end] === true) {
      reaches[i] = true;
      start = i;
    }
  }
  return start;
}

/**
 * The options part is read from the subject's last this many characters (a real one is a few dozen):
 * reading every word of a subject of 25,000 words cost four times an ordinary mail of its size.
 */
export const OPTIONS_WINDOW = 1_000;

export function parseMailOptions(subject: string): MailOptions {
  if (!subject.includes('/')) return { subject, problems: [], written: '' };
  const from = Math.max(0, subject.length - OPTIONS_WINDOW);
  const words: Word[] = [];
  for (const match of subject.slice(from).matchAll(/\S+/gu)) {
    words.push({ text: match[0], start: from + match.index });
  }
  // A word the window cuts is text.
  if (from > 0 && words[0]?.start === from && !/\s/u.test(subject.charAt(from - 1))) words.shift();
  const start = optionsStart(words);
  if (start === words.length) return { subject, problems: [], written: '' };

  const at = (words[start] as Word).start;
  const options: MailOptions = {
    subject: subject.slice(0, at).trimEnd(),
    problems: [],
    written: subject.slice(at).trim(),
  };
  const seen = new Map<string, string>();
  for (let i = start; i < words.length; ) {
    const end = valuesEnd(words, i);
    const option = words[i] as Word;
    const values = words.slice(i + 1, end).map((w) => w.text);
    const written = [option.text, ...values].join(' ');
    i = end;
    const name = nameOf(option);
    if (!(name in ARITY)) {
      options.problems.push({ written, problem: 'not an option faxgate knows.' });
      continue;
    }
    // `/cover /nocover` and two times cannot both hold; the same option twice is said once.
    const kind = name === 'at' ? 'at' : 'cover';
    const before = seen.get(kind);
    if (before !== undefined) {
      options.problems.push({
        written,
        problem:
          before.toLowerCase() === written.toLowerCase()
            ? 'written twice.'
            : `contradicts ${before}; write one of them.`,
      });
      continue;
    }
    seen.set(kind, written);
    if (kind === 'cover') {
      options.cover = name === 'cover';
      continue;
    }
    const time = readSendTime(values, written);
    if ('problem' in time) options.problems.push({ written, problem: time.problem });
    else options.sendAt = time;
  }
  return options;
}

const HOW_TO_WRITE_TIME =
  'Write the date, the time (24-hour) and, if you like, a time zone: /at 2026-12-24 09:00 or /at 24.12.2026 17:30 Europe/Berlin.';

/** The values of `/at`: DATE TIME [ZONE], or DATE`T`TIME [ZONE]. */
function readSendTime(values: string[], written: string): WrittenSendTime | { problem: string } {
  const words =
    values.length > 0 && values[0]?.includes('T') ? [...splitIso(values[0]), ...values.slice(1)] : values;
  const [dateText, timeText, zoneText, ...extra] = words;
  if (dateText === undefined) return { problem: `/at needs a date and a time. ${HOW_TO_WRITE_TIME}` };
  const date = readDate(dateText);
  if ('problem' in date) return { problem: `${date.problem} ${HOW_TO_WRITE_TIME}` };
  if (timeText === undefined) return { problem: `/at needs a time after the date. ${HOW_TO_WRITE_TIME}` };
  const time = readTime(timeText);
  if ('problem' in time) return { problem: `${time.problem} ${HOW_TO_WRITE_TIME}` };
  if (extra.length > 0) {
    return {
      problem: `"${extra.join(' ')}" after the time zone is not part of a time. ${HOW_TO_WRITE_TIME}`,
    };
  }
  const sendTime: WrittenSendTime = { ...date, ...time, written };
  if (zoneText === undefined) return sendTime;
  const timeZone = canonicalTimeZone(zoneText);
  if (timeZone === undefined) {
    return {
      problem: `"${zoneText}" is not a time zone faxgate knows. Name it as the tz database does, for example Europe/Berlin, America/New_York or UTC (not CEST or +02:00).`,
    };
  }
  return { ...sendTime, timeZone };
}

function splitIso(value: string): string[] {
  const t = value.indexOf('T');
  return [value.slice(0, t), value.slice(t + 1)].filter(Boolean);
}

function readDate(text: string): { year: number; month: number; day: number } | { problem: string } {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  const [year, month, day] = iso
    ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
    : dotted
      ? [Number(dotted[3]), Number(dotted[2]), Number(dotted[1])]
      : [Number.NaN, Number.NaN, Number.NaN];
  if (Number.isNaN(year)) {
    const slashed = /^\d{1,4}\/\d{1,2}\/\d{1,4}$/.test(text)
      ? ' (dates with slashes are read differently in different countries)'
      : '';
    return { problem: `"${text}" is not a date faxgate can read${slashed}.` };
  }
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || day < 1 || probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1) {
    return { problem: `"${text}" is not a day of the calendar.` };
  }
  return { year, month, day };
}

function readTime(text: string): { hour: number; minute: number } | { problem: string } {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || hour > 23 || minute > 59) {
    return {
      problem: `"${text}" is not a time faxgate can read (write hours and minutes, 24-hour: 09:00, 17:30).`,
    };
  }
  return { hour, minute };
}

/** The tz database's spelling of a zone name, or undefined when Intl does not know it. */
export function canonicalTimeZone(name: string): string | undefined {
  // Offsets (`+02:00`) and abbreviations like CEST say nothing of daylight saving time: not zones.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
