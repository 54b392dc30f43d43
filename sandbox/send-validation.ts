// POST /send validation as a Laravel provider does it: every rule checked, the field messages
// collected under `errors`, the first one repeated in `message` with "(and N more errors)".

import { PDFDocument } from '@cantoo/pdf-lib';

export type FieldErrors = Record<string, string[]>;

export interface ValidSend {
  numbers: string[];
  /** True when the caller used `numbers` (the answer then has the batch shape). */
  batch: boolean;
  document: Uint8Array;
  pages: number;
  /** Epoch milliseconds, when scheduled. */
  scheduledAtMs?: number;
  timezone?: string;
}

const INTERNATIONAL = /^\+[0-9]{8,15}$/;
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Strict base64 without a backtracking regex (a 40 MB string would overflow its stack). */
export function isBase64(value: string): boolean {
  if (value.length % 4 !== 0) return false;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return !/[^A-Za-z0-9+/]/.test(value.slice(0, value.length - padding));
}

export function laravelMessage(errors: FieldErrors): string {
  const all = Object.values(errors).flat();
  const first = all[0] ?? 'The given data was invalid.';
  const more = all.length - 1;
  return more > 0 ? `${first} (and ${more} more error${more === 1 ? '' : 's'})` : first;
}

export function isValidTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Offset of a zone from UTC at an instant, in milliseconds. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** Parses ISO 8601; a time without offset is read in `timeZone`. Undefined when not a real date. */
export function parseScheduledAt(value: string, timeZone: string): number | undefined {
  const match = ISO_8601.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '0', offset] = match;
  const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const wallUtc = Date.UTC(year, month - 1, day, hour, minute, second, Number(`0.${fraction}`) * 1000);
  if (new Date(wallUtc).getUTCDate() !== day) return undefined; // 31 February and the like
  if (offset === 'Z') return wallUtc;
  if (offset) {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    return wallUtc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const guess = wallUtc - zoneOffsetMs(wallUtc, timeZone);
  return wallUtc - zoneOffsetMs(guess, timeZone);
}

/** Counts pages from the bytes; undefined when they are not a PDF that parses. */
export async function countPdfPages(bytes: Uint8Array): Promise<number | 'not-pdf' | 'unreadable'> {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (!head.includes('%PDF-')) return 'not-pdf';
  try {
    const pdf = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
    return pdf.getPageCount();
  } catch {
    return 'unreadable';
  }
}

export async function validateSend(
  body: unknown,
  defaultTimezone: string,
): Promise<{ ok: true; value: ValidSend } | { ok: false; errors: FieldErrors }> {
  const input = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<
    string,
    unknown
  >;
  const errors: FieldErrors = {};
  const fail = (field: string, message: string) => {
    errors[field] ??= [];
    errors[field].push(message);
  };
  const present = (v: unknown) => v !== undefined && v !== null && v !== '';

  const hasNumber = present(input.number);
  const hasNumbers = present(input.numbers) && !(Array.isArray(input.numbers) && input.numbers.length === 0);
  let numbers: string[] = [];
  if (!hasNumber && !hasNumbers) {
    fail('number', 'The number field is required when numbers is not present.');
    fail('numbers', 'The numbers field is required when number is not present.');
  } else if (hasNumber && hasNumbers) {
    fail('number', 'The number field prohibits numbers from being present.');
  } else if (hasNumber) {
    if (typeof input.number !== 'string') fail('number', 'The number field must be a string.');
    else if (!INTERNATIONAL.test(input.number)) fail('number', 'The number field format is invalid.');
    else numbers = [input.number];
  } else if (!Array.isArray(input.numbers)) {
    fail('numbers', 'The numbers field must be an array.');
  } else if (input.numbers.length > 10) {
    fail('numbers', 'The numbers field must not have more than 10 items.');
  } else {
    input.numbers.forEach((n, i) => {
      if (typeof n !== 'string') fail(`numbers.${i}`, `The numbers.${i} field must be a string.`);
      else if (!INTERNATIONAL.test(n)) fail(`numbers.${i}`, `The numbers.${i} field format is invalid.`);
    });
    if (new Set(input.numbers).size !== input.numbers.length) {
      fail('numbers', 'The numbers field has a duplicate value.');
    }
    numbers = input.numbers.filter((n): n is string => typeof n === 'string');
  }

  let timezone: string | undefined;
  if (present(input.timezone)) {
    if (typeof input.timezone !== 'string' || !isValidTimezone(input.timezone)) {
      fail('timezone', 'The timezone field must be a valid timezone.');
    } else {
      timezone = input.timezone;
    }
  }

  let scheduledAtMs: number | undefined;
  if (present(input.scheduled_at)) {
    scheduledAtMs =
      typeof input.scheduled_at === 'string'
        ? parseScheduledAt(input.scheduled_at, timezone ?? defaultTimezone)
        : undefined;
    if (scheduledAtMs === undefined) fail('scheduled_at', 'The scheduled at field must be a valid date.');
  }

  let document: Uint8Array | undefined;
  let pages = 0;
  if (!present(input.data)) {
    fail('data', 'The data field is required.');
  } else if (typeof input.data !== 'string' || !isBase64(input.data)) {
    fail('data', 'The data field must be a valid base64 encoded string.');
  } else {
    document = new Uint8Array(Buffer.from(input.data, 'base64'));
    const counted = await countPdfPages(document);
    if (counted === 'not-pdf') fail('data', 'The data field must be a PDF document.');
    else if (counted === 'unreadable') fail('data', 'The data field must be a readable PDF document.');
    else if (counted < 1) fail('data', 'The data field must be a PDF document with at least one page.');
    else pages = counted;
  }

  if (Object.keys(errors).length > 0 || !document) return { ok: false, errors };
  return {
    ok: true,
    value: { numbers, batch: hasNumbers, document, pages, scheduledAtMs, timezone },
  };
}
