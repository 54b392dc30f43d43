// Bounds on a mail's header block, checked before anything parses the mail (issue 11 item 8).
// Reading headers costs time per line and per byte in every step before the trust decision (the
// MIME parser, header repair, the SES block walk); a sender can write 100,000 header lines into
// 780 KB. Real mail has fewer than 200 header lines and less than 100 KB of headers (long
// recipient lists, DKIM and ARC sets, Exchange's X-MS-* lines), so a header block of more than
// 2,000 lines or more than 256 KiB is not mail: it is dropped as unreadable, and this check reads
// at most that much of it, whatever the mail's size.

import { groupedDigits } from '../grouped-digits.ts';
import { indexOfByte, indexOfSequence, sequenceAt } from './byte-search.ts';

export const MAX_HEADER_LINES = 2_000;
export const MAX_HEADER_BYTES = 256 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Why the mail's top-level header block (lines up to the first empty one; folded continuation
 * lines count as lines) is over the limits, its address fields included, or undefined when it is
 * within them.
 */
export function headerBlockOverLimits(raw: Uint8Array): string | undefined {
  const top = topHeaderBlockEnd(raw);
  return typeof top === 'string' ? top : listedAddressesOverLimit(raw, top)?.why;
}

/**
 * Where the mail's top-level header block ends as the parser reads it: before its first empty line
 * (one of CRs at most before its LF), or at the end of a mail without one; or why the block is over
 * the limits.
 */
export function topHeaderBlockEnd(raw: Uint8Array): number | string {
  // Never look further than the limit: a 40 MB mail with no blank line costs as little as a small one.
  const view = raw.subarray(0, Math.min(raw.length, MAX_HEADER_BYTES + 2));
  let at = 0;
  for (let lines = 0; at < view.length; lines++) {
    let content = at;
    while (content < view.length && view[content] === CR) content++;
    if (content >= view.length || view[content] === LF) return at;
    if (lines >= MAX_HEADER_LINES) return `its header block has more than ${MAX_HEADER_LINES} lines`;
    const lf = view.indexOf(LF, content);
    if (lf < 0) break;
    at = lf + 1;
  }
  // No empty line in what was read: the header block is the whole mail, or runs past the limit.
  return view.length < raw.length
    ? `its header block is larger than ${MAX_HEADER_BYTES / 1024} KiB`
    : raw.length;
}

/**
 * Addresses the address fields of the top-level header block may list together (To, Cc, Bcc,
 * Reply-To, From, Sender; counted by their `@` signs, a quoted display name's included). The parser
 * and the recipient reading each take about a microsecond an address, before the trust decision: a
 * Cc of 9,000 addresses, well within the header limits, cost 15 times an ordinary mail of its size.
 * Google Workspace sends to at most 2,000 recipients a message, Exchange Online and Gmail to fewer.
 */
export const MAX_LISTED_ADDRESSES = 2_000;

const ADDRESS_FIELDS = ['to', 'cc', 'bcc', 'reply-to', 'from', 'sender'];
/** The address fields a header block can be read without: all but those that say who sent it. */
const LIST_FIELDS = new Set(['to', 'cc', 'bcc', 'reply-to']);
const AT = 0x40;

/** Where a field of a header block stands: its lines, from `start` up to `end`. */
interface Field {
  start: number;
  end: number;
}

/** The first letters of the ADDRESS_FIELDS, lower case: a field that starts otherwise is not one. */
const FIRST_LETTERS = new Set(ADDRESS_FIELDS.map((name) => name.charCodeAt(0)));
/** Longer than any address field's name with the blanks a sender may put before its colon. */
const MAX_NAME_BYTES = 64;

/**
 * The name of the field whose first line starts at `at` and ends before `next`, lower case and
 * trimmed as the parser takes it, when it may be an address field; else undefined (most fields:
 * no string is made for them).
 */
function addressFieldName(raw: Uint8Array, at: number, next: number): string | undefined {
  let first = at;
  while (first < next && (raw[first] === 0x20 || raw[first] === 0x09)) first++;
  if (!FIRST_LETTERS.has((raw[first] as number) | 0x20)) return undefined;
  const colon = raw.indexOf(0x3a, first);
  if (colon < 0 || colon >= next || colon - at > MAX_NAME_BYTES) return undefined;
  const name = Buffer.from(raw.buffer, raw.byteOffset + at, colon - at)
    .toString('latin1')
    .trim()
    .toLowerCase();
  return ADDRESS_FIELDS.includes(name) ? name : undefined;
}

/**
 * The address fields of the header block `raw[0, end)`, folded lines with theirs, as the parser
 * reads fields: a line that starts with a blank continues the one before (the first excepted).
 */
function addressFieldsOf(raw: Uint8Array, end: number): (Field & { name: string })[] {
  const fields: (Field & { name: string })[] = [];
  let open: (Field & { name: string }) | undefined;
  for (let at = 0; at < end; ) {
    const lf = raw.indexOf(LF, at);
    const next = lf < 0 || lf >= end ? end : lf + 1;
    const first = raw[at];
    if (at > 0 && (first === 0x20 || first === 0x09)) {
      if (open) open.end = next;
    } else {
      const name = addressFieldName(raw, at, next);
      open = name === undefined ? undefined : { name, start: at, end: next };
      if (open) fields.push(open);
    }
    at = next;
  }
  return fields;
}

function atSignsIn(raw: Uint8Array, field: Field): number {
  let count = 0;
  for (let at = raw.indexOf(AT, field.start); at >= 0 && at < field.end; at = raw.indexOf(AT, at + 1))
    count++;
  return count;
}

/**
 * Why the address fields of the header block `raw[0, end)` list more than MAX_LISTED_ADDRESSES, or
 * undefined; with the list fields (To, Cc, Bcc, Reply-To), which the block can be read without, to
 * tell who sent it.
 */
export function listedAddressesOverLimit(
  raw: Uint8Array,
  end: number,
): { why: string; listFields: Field[]; overWithoutLists: boolean } | undefined {
  let listed = 0;
  let listedBySender = 0;
  const listFields: Field[] = [];
  for (const field of addressFieldsOf(raw, end)) {
    const count = atSignsIn(raw, field);
    listed += count;
    if (LIST_FIELDS.has(field.name)) listFields.push({ start: field.start, end: field.end });
    else listedBySender += count;
  }
  if (listed <= MAX_LISTED_ADDRESSES) return undefined;
  return {
    why: `its address fields list more than ${groupedDigits(MAX_LISTED_ADDRESSES)} addresses`,
    listFields,
    overWithoutLists: listedBySender > MAX_LISTED_ADDRESSES,
  };
}

/** Lines of one MIME part's header block: real parts have a handful, Outlook's up to a few dozen. */
export const MAX_PART_HEADER_LINES = 500;
/**
 * MIME parts of one mail (delimiter lines of its declared boundaries, nested ones included). Each
 * costs the parser a node, a header block and a decoder: 20,000 one-line parts in 700 KB took
 * seconds, and a 40 MB mail of them would outlast the function. Real mail has a few dozen; a PDF
 * sent with 3,000 other attachments is still read.
 */
export const MAX_MIME_PARTS = 5_000;
/**
 * Boundaries a mail may declare. Real mail nests a few multiparts; a digest of forwarded mails may
 * hold a few hundred. Each declared boundary's delimiter lines count as parts, so a mail declaring
 * more than there can be parts is not mail.
 */
export const MAX_BOUNDARIES = MAX_MIME_PARTS;

const BOUNDARY_PARAMETER = /boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/gi;

/** Past this many hits of a searched byte, and one per 64 bytes, the byte is dense: see finder. */
const DENSE_HITS = 1024;
const dense = (hits: number, at: number) => hits > DENSE_HITS && hits * 64 > at;

/**
 * Where `needle` next stands in `raw` from a position on (-1: nowhere). Node searches for a
 * multi-byte needle at about 1 GB/s but for a single byte at memory speed, so the needle's byte at
 * `anchor`, one rare in base64 bodies, is searched and the needle compared around each hit; where
 * that byte is dense, the needle itself is searched.
 */
function finder(raw: Buffer, needle: Buffer, anchor: number): (from: number) => number {
  const byte = needle[anchor] as number;
  let hits = 0;
  let plain = false;
  return (from) => {
    if (plain) return indexOfSequence(raw, needle, from);
    for (let hit = indexOfByte(raw, byte, from + anchor); hit >= 0; hit = indexOfByte(raw, byte, hit + 1)) {
      const at = hit - anchor;
      if (at + needle.length > raw.length) return -1;
      if (sequenceAt(raw, needle, at)) return at;
      if (dense(++hits, hit)) {
        plain = true;
        return indexOfSequence(raw, needle, from);
      }
    }
    return -1;
  };
}

/** JavaScript's `\s` among latin1 bytes (the boundary parameter is matched on the latin1 text). */
const isSpace = (byte: number | undefined) =>
  byte !== undefined && ((byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0xa0);

const OUNDARY = Buffer.from('oundary', 'latin1');
const EQUALS = 0x3d;
/** Looked back from a `=` for `oundary`: as far as the parameter's own window reaches. */
const MAX_LOOK_BACK = 240;

/** Whether `oundary` stands at `at`, in any case: parameter names are case-insensitive (RFC 2045). */
function oundaryAt(raw: Buffer, at: number): boolean {
  if (at < 0 || at + OUNDARY.length > raw.length) return false;
  for (let i = 0; i < OUNDARY.length; i++) {
    // Upper-case ASCII letters to lower case; no other byte becomes one of these letters.
    if (((raw[at + i] as number) | 0x20) !== OUNDARY[i]) return false;
  }
  return true;
}

/**
 * Where `oundary` (in any case) stands, in order from the start, wherever a boundary parameter
 * could follow it (a `=` after blanks). Found from the `=` signs: a single byte is searched at
 * memory speed, where searching for `oundary` itself ran at about 1 GB/s, the largest cost of
 * reading a 40 MB mail before parsing it. Where `=` is dense (quoted-printable), the word itself
 * is searched.
 */
function* boundaryWords(raw: Buffer): Generator<number> {
  let equalsSeen = 0;
  for (let eq = raw.indexOf(EQUALS); eq >= 0; eq = raw.indexOf(EQUALS, eq + 1)) {
    if (dense(++equalsSeen, eq)) {
      // Dense: from just before this `=` (a word whose `=` is here may start that far back).
      const from = Math.max(0, eq - MAX_LOOK_BACK - OUNDARY.length);
      const text = raw.toString('latin1', from);
      const word = /oundary/gi;
      for (let match = word.exec(text); match; match = word.exec(text)) yield from + match.index;
      return;
    }
    let end = eq;
    while (end > 0 && eq - end < MAX_LOOK_BACK && isSpace(raw[end - 1])) end--;
    if (oundaryAt(raw, end - OUNDARY.length)) yield end - OUNDARY.length;
  }
}

/**
 * The boundaries declared anywhere in the mail (found natively, by indexOf, not line by line), or
 * why there are too many to be mail.
 */
function declaredBoundaries(raw: Buffer): Set<string> | string {
  const found = new Set<string>();
  for (const at of boundaryWords(raw)) {
    const around = raw.toString('latin1', Math.max(0, at - 1), Math.min(raw.length, at + 240));
    BOUNDARY_PARAMETER.lastIndex = 0;
    const match = BOUNDARY_PARAMETER.exec(around);
    const boundary = match && match.index === 0 ? (match[1] ?? match[2]) : undefined;
    if (boundary) found.add(boundary);
    if (found.size > MAX_BOUNDARIES) {
      return `it declares more than ${groupedDigits(MAX_BOUNDARIES)} multipart boundaries`;
    }
  }
  return found;
}

/**
 * Why the mail's MIME parts are over the limits, or undefined: more than MAX_MIME_PARTS parts, or
 * a part's header block (the lines after a delimiter line of a declared boundary, up to the first
 * empty one) longer than any real one. The MIME parser costs time per header line wherever it
 * stands (100,000 lines in one part took seconds). One pass over the lines that start with `--`,
 * found natively, for every declared boundary at once, so the cost does not grow with the number
 * of boundaries a mail declares and none goes uncounted.
 */
export function partsOverLimits(raw: Buffer): string | undefined {
  const boundaries = declaredBoundaries(raw);
  if (typeof boundaries === 'string') return boundaries;
  if (boundaries.size === 0) return undefined;
  let parts = 0;
  // Found from its first `-`: base64 bodies have none.
  const next = finder(raw, DELIMITER_START, 1);
  let scannedTo = 0;
  for (let at = next(0); at >= 0; at = next(Math.max(at + 1, scannedTo))) {
    const kind = delimiterAt(raw, at + DELIMITER_START.length, boundaries);
    if (kind === undefined) continue;
    // The closing delimiter (`--boundary--`): what follows is the epilogue, not a header block.
    if (kind === 'close') {
      scannedTo = at + DELIMITER_START.length;
      continue;
    }
    if (++parts > MAX_MIME_PARTS) return `it has more than ${groupedDigits(MAX_MIME_PARTS)} MIME parts`;
    let line = indexOfByte(raw, LF, at + 1);
    for (let lines = 0; line >= 0; lines++) {
      let content = line + 1;
      while (content < raw.length && raw[content] === CR) content++;
      if (content >= raw.length || raw[content] === LF) break;
      if (lines >= MAX_PART_HEADER_LINES) {
        return `a part's header block has more than ${MAX_PART_HEADER_LINES} lines`;
      }
      line = indexOfByte(raw, LF, content);
    }
    scannedTo = line < 0 ? raw.length : line;
  }
  return undefined;
}

/** What every delimiter line starts with: the line break before it belongs to it (RFC 2046 5.1.1). */
const DELIMITER_START = Buffer.from('\n--', 'latin1');
/** The most a delimiter line holds past its `--` and before its padding: a boundary (see BOUNDARY_PARAMETER) and `--`. */
const MAX_DELIMITER_TEXT = 202;

/**
 * Whether the line whose text starts at `from` (after its `--`) is a delimiter line of one of the
 * boundaries (`part`), a closing one (`close`), or neither. A delimiter line holds nothing after the
 * boundary but blanks (RFC 2046 transport padding), then CRs, as the parser reads it:
 * `--boundaryx` or `--boundary x` is a body line like any other.
 */
function delimiterAt(raw: Buffer, from: number, boundaries: Set<string>): 'part' | 'close' | undefined {
  const lf = indexOfByte(raw, LF, from);
  let end = lf < 0 ? raw.length : lf;
  // Each line is looked at once (the search moves past it), so its padding is read once.
  while (end > from && raw[end - 1] === CR) end--;
  while (end > from && (raw[end - 1] === 0x20 || raw[end - 1] === 0x09)) end--;
  if (end - from > MAX_DELIMITER_TEXT) return undefined;
  const text = raw.toString('latin1', from, end);
  if (boundaries.has(text)) return 'part';
  if (text.endsWith('--') && boundaries.has(text.slice(0, -2))) return 'close';
  return undefined;
}
