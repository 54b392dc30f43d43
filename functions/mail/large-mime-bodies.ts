// Large base64 bodies (scanned PDFs: up to ~29 MiB in a 40 MB mail) decoded natively, outside the
// MIME parser. postal-mime (like mailparser before it) reads a mail line by line and decodes base64
// in JavaScript: 235 ms for a 10 MiB PDF that Buffer's native decoder reads in 5 ms. So before the
// mail goes to the parser, each large base64 leaf body is decoded here in one go and replaced by a
// short stand-in; the parser still reads every header and decides every part's type, name and
// disposition, and `restore` swaps the stand-in in its result for the decoded bytes.
//
// Only bodies whose bounds are certain are set aside: a leaf part with exactly one Content-Type and
// one Content-Transfer-Encoding header (base64), not text/* and not message/*, whose body holds no
// '-' (so no boundary line can hide in it), no '_' and no '=' before its end (Node's decoder reads
// '-' and '_' as base64url and stops at inner padding; the parser skips the first and decodes on
// past the second). Anything else stays where it is, for the parser. Where the parser still reads
// the structure differently (a header name or delimiter line this walk accepts and it does not, a
// container it leaves closed), a stand-in does not come back as a whole part (`unrestored`), and
// parseInboundMail reads the mail again with nothing set aside.

import { randomBytes } from 'node:crypto';
import { madeInPieces, STRING_PIECE_CHARACTERS } from '../string-pieces.ts';
import { indexOfByte, indexOfSequence } from './byte-search.ts';

export interface SetAsideBodies {
  /** The mail for the MIME parser: large base64 bodies replaced by stand-ins (the input itself when none). */
  mail: Buffer;
  /** Parts set aside. */
  count: number;
  /** The decoded body when `content` is one of this mail's stand-ins, else `content` unchanged. */
  restore(content: Buffer): Buffer;
  /**
   * Bodies set aside whose stand-in `restore` has not been given yet. Once every part is read, any
   * left means the parser did not see a stand-in as a whole part's content: it read the mail's
   * structure differently from this walk (a header name or delimiter line it does not accept, a
   * container it does not open), so the stand-in sits in some other part's bytes or the text.
   */
  unrestored(): number;
}

/**
 * The memory each body larger than MAX_SHARED_BODY_BYTES was decoded into. It holds that body alone,
 * but is a little larger than it (Node's decoder sizes it for the base64 with its line breaks, ~2.6 %
 * more), so the document check could not tell it from a view of a larger buffer (see travelPlan).
 */
const decodedBodyMemory = new WeakSet<ArrayBufferLike>();

/** Whether `memory` is what setAsideLargeBodies decoded one body into, which nothing else shares. */
export function holdsOneDecodedBody(memory: ArrayBufferLike): boolean {
  return decodedBodyMemory.has(memory);
}

/**
 * Bodies up to this size are decoded into shared memory. Above it, shared memory measured slower
 * than memory lent to the worker and handed back (bench child, alternating, idle: the 29 MiB scan
 * of a 40 MB mail 103-107 ms shared against 76-88 ms; the 10 MiB scan and the 40 pages gained).
 */
export const MAX_SHARED_BODY_BYTES = 16 * 1024 * 1024;

/** Bodies smaller than this are left to the parser: the copy would save nothing. */
export const DEFAULT_MIN_BODY_BYTES = 64 * 1024;

// Multipart nesting deeper than mail programs produce is left to the parser.
const MAX_DEPTH = 12;

// The walk runs before the part limits are counted (header-limits.ts reads the mail with the bodies
// set aside), so it bounds its own work: an entity whose header block is larger than any real part's
// is left to the parser (and the limits) unread, and past this many delimiter lines found in all,
// nothing is set aside.
const MAX_WALKED_HEADER_BYTES = 16 * 1024;
const MAX_WALKED_DELIMITERS = 100_000;

interface Range {
  start: number;
  end: number;
}

/** The mail as it came, nothing set aside. */
export function nothingSetAside(mail: Buffer): SetAsideBodies {
  return { mail, count: 0, restore: (content) => content, unrestored: () => 0 };
}

export function setAsideLargeBodies(raw: Buffer, minBodyBytes = DEFAULT_MIN_BODY_BYTES): SetAsideBodies {
  const bodies: Range[] = [];
  try {
    collectBodies(raw, { start: 0, end: raw.length }, 0, minBodyBytes, bodies, {
      delimiters: MAX_WALKED_DELIMITERS,
    });
  } catch {
    // A structure this walker does not understand: the parser gets the mail as it came.
    bodies.length = 0;
  }
  if (bodies.length === 0) return nothingSetAside(raw);

  // A fresh nonce per mail: a sender cannot write a stand-in that this parse would honour.
  const prefix = `faxgate-set-aside:${randomBytes(9).toString('hex')}:`;
  const decoded = new Map<string, Buffer>();
  const pieces: Buffer[] = [];
  let at = 0;
  bodies.sort((a, b) => a.start - b.start);
  for (const [index, body] of bodies.entries()) {
    const marker = `${prefix}${index}`;
    const bytes = decodeBase64Body(raw.subarray(body.start, body.end));
    decoded.set(marker, bytes);
    pieces.push(raw.subarray(at, body.start), Buffer.from(Buffer.from(marker).toString('base64')));
    at = body.end;
  }
  pieces.push(raw.subarray(at));
  const markerLength = prefix.length + String(bodies.length).length;
  const restored = new Set<string>();
  return {
    mail: Buffer.concat(pieces),
    count: bodies.length,
    restore(content) {
      if (content.length > markerLength || content.length < prefix.length) return content;
      const marker = content.toString('latin1');
      const bytes = decoded.get(marker);
      if (!bytes) return content;
      restored.add(marker);
      return bytes;
    },
    unrestored: () => bodies.length - restored.size,
  };
}

/**
 * A large body decoded into shared memory, which the document worker reads where it is, without a
 * copy or a transfer (see travelPlan in functions/inbound/document-budget.ts); the largest into
 * memory of their own, which is lent to it.
 */
export function decodeBase64Body(base64: Buffer): Buffer {
  const size = Math.ceil((base64.length * 3) / 4);
  if (size > MAX_SHARED_BODY_BYTES) {
    const bytes = Buffer.from(base64.toString('latin1'), 'base64');
    decodedBodyMemory.add(bytes.buffer);
    return bytes;
  }
  const memory = Buffer.from(new SharedArrayBuffer(size));
  const written = writeInPieces(base64, memory) ?? memory.write(base64.toString('latin1'), 'base64');
  return memory.subarray(0, written);
}

/**
 * `base64` decoded into `memory` a piece of whole lines at a time (see string-pieces.ts), as Node
 * decodes it in one go, or undefined (with `memory` partly written) when its lines are not all
 * alike. Node's decoder skips what is not base64 and decodes each group of four characters on its
 * own, so pieces that each end after a whole number of groups decode to the whole's bytes. A piece's
 * line ends are looked at, so it holds at least those line breaks that are not base64; it then holds
 * exactly as many base64 characters as the lines' length says when, and only when, it decodes to
 * three bytes per four of them (anything else not base64 would make fewer). The last piece is
 * decoded as it is.
 */
function writeInPieces(base64: Buffer, memory: Buffer): number | undefined {
  if (!madeInPieces(base64.length)) return undefined;
  const lf = base64.indexOf(0x0a);
  if (lf < 0) return undefined;
  const breakBytes = base64[lf - 1] === 0x0d ? 2 : 1;
  const lineBytes = lf + 1;
  const characters = lineBytes - breakBytes;
  if (characters <= 0 || characters % 4 !== 0) return undefined;
  const lines = Math.max(1, Math.floor(STRING_PIECE_CHARACTERS / lineBytes));
  const pieceBytes = lines * lineBytes;
  let at = 0;
  let written = 0;
  for (; base64.length - at > pieceBytes; at += pieceBytes) {
    for (let end = at + lineBytes - 1; end < at + pieceBytes; end += lineBytes) {
      if (base64[end] !== 0x0a || (breakBytes === 2 && base64[end - 1] !== 0x0d)) return undefined;
    }
    const bytes = memory.write(base64.toString('latin1', at, at + pieceBytes), written, 'base64');
    if (bytes !== (lines * characters * 3) / 4) return undefined;
    written += bytes;
  }
  return written + memory.write(base64.toString('latin1', at), written, 'base64');
}

/**
 * The header block of the entity in `range`, and where its body starts (end of the blank line);
 * undefined without a blank line, or when the block is larger than `maxHeaderBytes`.
 */
function splitEntity(
  raw: Buffer,
  range: Range,
  maxHeaderBytes = Number.POSITIVE_INFINITY,
): { headers: string; bodyStart: number } | undefined {
  if (startsWithLineBreak(raw, range.start)) {
    // No headers at all: the body starts after the blank line.
    return { headers: '', bodyStart: range.start + (raw[range.start] === 0x0d ? 2 : 1) };
  }
  // Searches stay inside the range and the largest block wanted (a view, not a copy), and the
  // bare-LF search stops where a CRLF blank line was found: a large part is not scanned to its end
  // for a blank line it cannot need.
  const end = Math.min(range.end, range.start + maxHeaderBytes + 4);
  const crlf = raw.subarray(0, end).indexOf('\r\n\r\n', range.start, 'latin1');
  const lf = raw.subarray(0, crlf >= 0 ? crlf + 2 : end).indexOf('\n\n', range.start, 'latin1');
  const candidates = [
    crlf >= 0 ? { at: crlf, length: 4 } : undefined,
    lf >= 0 ? { at: lf, length: 2 } : undefined,
  ].filter((c) => c !== undefined);
  const first = candidates.sort((a, b) => a.at - b.at)[0];
  if (!first || first.at - range.start > maxHeaderBytes) return undefined;
  return {
    headers: raw.toString('latin1', range.start, first.at),
    bodyStart: first.at + first.length,
  };
}

function startsWithLineBreak(raw: Buffer, at: number): boolean {
  return raw[at] === 0x0a || (raw[at] === 0x0d && raw[at + 1] === 0x0a);
}

/** Values of each header (name lower-case), unfolded, in order. */
function headerValues(block: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const line of block.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    // Appended in place: copying the list for each header was quadratic in a name's repeats.
    const list = values.get(name);
    if (list) list.push(line.slice(colon + 1).trim());
    else values.set(name, [line.slice(colon + 1).trim()]);
  }
  return values;
}

/** What is left of the walk's work: delimiter lines it may still find. */
interface WalkBudget {
  delimiters: number;
}

function collectBodies(
  raw: Buffer,
  range: Range,
  depth: number,
  minBodyBytes: number,
  out: Range[],
  budget: WalkBudget,
): void {
  // An entity smaller than a body worth setting aside holds none, whatever it is: its headers are
  // not read (a mail of thousands of small parts cost a header parse and two strings a part here)
  if (depth > MAX_DEPTH || range.end - range.start < minBodyBytes) return;
  const entity = splitEntity(raw, range, MAX_WALKED_HEADER_BYTES);
  if (!entity) return;
  const headers = headerValues(entity.headers);
  const types = headers.get('content-type') ?? [];
  const encodings = headers.get('content-transfer-encoding') ?? [];
  if (types.length > 1 || encodings.length > 1) return;
  const type = (types[0] ?? 'text/plain').split(';')[0]?.trim().toLowerCase() ?? '';
  const encoding = (encodings[0] ?? '').trim().toLowerCase();
  const body = { start: entity.bodyStart, end: range.end };

  if (type.startsWith('multipart/')) {
    const boundary = /(?:^|;)\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;"]+))/i.exec(types[0] ?? '');
    const name = boundary?.[1] ?? boundary?.[2];
    if (!name) return;
    for (const part of multipartParts(raw, body, name, minBodyBytes, budget))
      collectBodies(raw, part, depth + 1, minBodyBytes, out, budget);
    return;
  }
  if (type.startsWith('message/')) {
    // An attached mail in identity encoding: its own large parts are set aside too.
    if (['', '7bit', '8bit', 'binary'].includes(encoding))
      collectBodies(raw, body, depth + 1, minBodyBytes, out, budget);
    return;
  }
  if (encoding !== 'base64' || type.startsWith('text/')) return;
  const end = trimmedEnd(raw, body);
  if (end - body.start < minBodyBytes) return;
  if (!isPlainBase64(raw, { start: body.start, end })) return;
  out.push({ start: body.start, end });
}

/**
 * The parts of a multipart body of at least `minBytes`: the ranges between its delimiter lines
 * (`--boundary` at the start of a line), the line break before each delimiter belonging to the
 * delimiter (RFC 2046 5.1.1). A smaller part holds no body worth setting aside, so it gets no
 * range: a mail of 4,990 one-line parts made 4,990 of them here, each only to be passed over.
 */
export function multipartParts(
  raw: Buffer,
  body: Range,
  boundary: string,
  minBytes = 0,
  budget: WalkBudget = { delimiters: MAX_WALKED_DELIMITERS },
): Range[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const view = raw.subarray(0, body.end);
  const parts: Range[] = [];
  let partStart: number | undefined;
  let from = body.start;
  for (;;) {
    const found = indexOfSequence(view, delimiter, from);
    if (found < 0) break;
    // The one bound on this loop, shared by the whole walk: past it setAsideLargeBodies sets
    // nothing aside (a count per call alone let a nested mail pay it at every level).
    if (--budget.delimiters < 0) throw new RangeError('more delimiter lines than the walk reads');
    from = found + delimiter.length;
    const atLineStart = found === body.start || raw[found - 1] === 0x0a;
    if (!atLineStart) continue;
    const closing = raw[from] === 0x2d && raw[from + 1] === 0x2d;
    const lineEnd = indexOfByte(view, 0x0a, from);
    // `--boundaryX`: another boundary that merely starts the same way
    if (!blank(raw, closing ? from + 2 : from, lineEnd < 0 ? body.end : lineEnd)) continue;
    if (partStart !== undefined) {
      const before = raw[found - 2] === 0x0d ? found - 2 : found - 1;
      const end = Math.max(partStart, before);
      if (end - partStart >= minBytes) parts.push({ start: partStart, end });
    }
    if (closing || lineEnd < 0) return parts;
    partStart = lineEnd + 1;
  }
  // No closing delimiter: the last part runs to the end, as the parser reads it.
  if (partStart !== undefined && body.end - partStart >= minBytes)
    parts.push({ start: partStart, end: body.end });
  return parts;
}

// The bytes that String.prototype.trim removes from a binary string (white space and line breaks)
const TRIMMED = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]);

/** Whether bytes [start, end) are all white space, without a string per delimiter line. */
function blank(raw: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!TRIMMED.has(raw[i] ?? 0)) return false;
  return true;
}

function trimmedEnd(raw: Buffer, range: Range): number {
  let end = range.end;
  while (end > range.start && [0x0d, 0x0a, 0x20, 0x09].includes(raw[end - 1] ?? 0)) end--;
  return end;
}

/**
 * Base64 that Node and the parser decode alike: no '-' or '_' (Node reads them as base64url,
 * the parser skips them), '=' only as the final padding.
 */
function isPlainBase64(raw: Buffer, body: Range): boolean {
  const view = raw.subarray(0, body.end);
  if (view.indexOf(0x2d, body.start) >= 0 || view.indexOf(0x5f, body.start) >= 0) return false;
  const padding = view.indexOf(0x3d, body.start);
  if (padding < 0) return true;
  return body.end - padding <= 2 && raw.subarray(padding, body.end).every((byte) => byte === 0x3d);
}
