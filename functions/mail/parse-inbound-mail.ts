// Raw mail bytes in, the InboundMail the domain's rules read (functions/domain/inbound-mail.ts) out.
// postal-mime does the MIME work; this module keeps what those rules need and nothing that ties them
// to it. postal-mime 4.0.0 is patched at install (patches/postal-mime+4.0.0.patch, applied by
// patch-package from the postinstall script) so that a part that is not base64 keeps its bytes: it
// read bodies line by line and gave every line an LF, turning CRLF into LF and adding a line break
// after the last line, so a PDF sent quoted-printable, 7bit, 8bit or binary reached faxrocks changed.
//
// postal-mime rather than mailparser (both by the same author): it has no dependencies and decodes
// charsets with the runtime's TextDecoder, where mailparser brings iconv-lite, libmime's Japanese
// tables and an HTML toolchain this function never uses. That was 1 MB of the 2.65 MB inbound bundle
// and a third of its import time (see the README's Performance section).

import { isUtf8 } from 'node:buffer';
import PostalMime, { type Address, type Attachment, addressParser, type Email } from 'postal-mime';
import {
  ENCODED_WORD,
  headerValue,
  type InboundMail,
  type MailPart,
  unfold,
} from '../domain/inbound-mail.ts';
import { UnreadableMailError } from '../errors.ts';
import { groupedDigits } from '../grouped-digits.ts';
import { readAppleFile } from './apple-file.ts';
import { signedContentOf } from './cms-signed.ts';
import {
  headerBlockOverLimits,
  listedAddressesOverLimit,
  partsOverLimits,
  topHeaderBlockEnd,
} from './header-limits.ts';
import { nothingSetAside, type SetAsideBodies, setAsideLargeBodies } from './large-mime-bodies.ts';
import { tnefAttachments } from './tnef.ts';

// A forwarded message may itself carry a forwarded message; three levels is more than mail programs
// produce and keeps a crafted mail from nesting without end.
const MAX_FORWARD_DEPTH = 3;

/**
 * The most bytes of each body text part read as text. The domain reads the first 500,000
 * characters of an HTML body and 100,000 of a text one (cover-text.ts), which this holds in any
 * charset; a text body of 10 MiB in 1-character lines spent 19 ms just dropping its CRs.
 */
export const MAX_BODY_TEXT_BYTES = 2_000_000;

/**
 * The most characters of one body part converted into the other type, when a body has a text part
 * and an HTML part that are not alternatives (the text body is then the text part and the HTML
 * converted): as much as the cover page reads of HTML (500,000 characters), where converting all
 * 2 MB of an HTML part cost several times an ordinary mail of that size.
 */
export const MAX_CONVERTED_CHARS = 500_000;

// Every message/rfc822 part stays an attachment, whatever its disposition: a forwarded mail's own
// attachments are collected below (marked `forwarded`) and its body text is not the fax's.
export const PARSER_OPTIONS = {
  forceRfc822Attachments: true,
  attachmentEncoding: 'arraybuffer',
  maxInlineTextBytes: MAX_BODY_TEXT_BYTES,
  maxConvertedChars: MAX_CONVERTED_CHARS,
} as const;

// UnreadableMailError (functions/errors.ts): a mail that is not read, over the header limits checked
// before parsing (header-limits.ts), or refused by the MIME parser (over 2 MiB of headers in all,
// 256 levels of nesting), which no mail program writes. It is not retried; the header block is
// read alone first (readHeaderBlock), so an allowed sender whose mail cannot be read is told.
// Re-exported for the mail readers' callers.
export { UnreadableMailError };

/** The bytes of a part as the parser reports it, with a set-aside body given back. */
type Restore = (content: Buffer) => Buffer;

/** One reading of a mail: the bodies set aside in it and its forwarded mails, or none set aside. */
interface Reading {
  asides?: SetAsideBodies[];
  /** Forwarded and signed messages opened so far, at any depth (see MAX_FORWARDS_READ). */
  opened?: number;
}

/**
 * Forwarded (and opaque-signed) messages one mail may hold: each is opened for its attachments, a
 * parse of its own (about 50 us for a small one), and 4,000 forwarded one-line mails in 570 KB took
 * 24 times an ordinary mail of that size. Mail programs forward a selection of a few dozen as
 * attachments, a list digest a few dozen mails. A mail with more is not read (the sender is told):
 * opening only some could fax part of what was sent.
 */
export const MAX_FORWARDS_READ = 100;

/** Counts one more forwarded or signed message of the mail opened; throws past the limit. */
function opening(reading: Reading): true {
  reading.opened = (reading.opened ?? 0) + 1;
  if (reading.opened > MAX_FORWARDS_READ) {
    throw new UnreadableMailError(
      `it holds more than ${groupedDigits(MAX_FORWARDS_READ)} forwarded or signed messages`,
    );
  }
  return true;
}

/**
 * postal-mime over the mail with its large base64 bodies set aside: they are decoded natively in
 * one go instead of line by line (see large-mime-bodies.ts), which was most of the inbound
 * function's time for a scanned PDF.
 */
async function parseMime(
  raw: Buffer,
  reading: Reading,
  outer: Restore = (content) => content,
  topAlreadyRead = false,
): Promise<{ parsed: Email; restore: Restore; repair: Repair; htmlOnly: boolean }> {
  const overHeaders = headerBlockOverLimits(raw);
  if (overHeaders) throw new UnreadableMailError(overHeaders);
  const aside = reading.asides ? setAsideLargeBodies(raw) : nothingSetAside(raw);
  // The part limits read the mail with its large bodies set aside. A body set aside holds no '-'
  // and no '=' (see large-mime-bodies.ts), so it declares no boundary and holds no delimiter line:
  // the limits find what they would in the whole mail, without reading megabytes of base64 again.
  const overParts = partsOverLimits(aside.mail);
  if (overParts) throw new UnreadableMailError(overParts);
  reading.asides?.push(aside);
  const input = topAlreadyRead ? withContentHeadersOnly(aside.mail) : aside.mail;
  return { ...(await parseChecked(input)), restore: (content) => aside.restore(outer(content)) };
}

/** postal-mime over a mail already checked against the limits, as parsed and as this module reads it. */
async function parseChecked(input: Buffer): Promise<{ parsed: Email; repair: Repair; htmlOnly: boolean }> {
  let parsed: Email;
  const parser = new PostalMime(PARSER_OPTIONS);
  try {
    parsed = await parser.parse(input);
  } catch (error) {
    throw new UnreadableMailError(`the MIME parser refused the mail: ${(error as Error).message}`, {
      cause: error,
    });
  }
  keepOnlyShownAsEmbedded(parsed);
  return { parsed, repair: repairerFor(input), htmlOnly: htmlOnlyBody(parser) };
}

/** The largest mail (as the parser gets it) given the parser with its top header block cut down. */
const MAX_CUT_MAIL_BYTES = 256 * 1024;

/**
 * The mail with its top-level header block cut to the lines the parser reads a body by, its
 * Content-* headers, when that block was read alone before (readHeaderBlock): reading its trace and
 * authentication headers again was a sixth of an ordinary mail's parse. The block ends, and its
 * lines fold, where the parser's do (postal-mime's readLine and processHeaders): a line is what
 * comes before an LF, trailing CRs aside; the first line of nothing but CRs ends the block; a line
 * that starts with a space or tab, the first excepted, continues the one before. Every line it
 * could take for a Content-* header (a key trimmed of spaces and tabs; it takes the first of each)
 * is kept, as it was, in order. A mail larger than the copy is worth is left as it is.
 */
function withContentHeadersOnly(mail: Buffer): Buffer {
  if (mail.length > MAX_CUT_MAIL_BYTES) return mail;
  const kept: string[] = [];
  let keeping = false;
  for (let lineStart = 0; ; ) {
    const lf = mail.indexOf(0x0a, lineStart);
    if (lf < 0) return mail; // no body: nothing to cut
    let end = lf;
    while (end > lineStart && mail[end - 1] === 0x0d) end--;
    if (end === lineStart) {
      const block = Buffer.from(`${kept.join('')}\r\n`, 'latin1');
      return Buffer.concat([block, mail.subarray(lf + 1)]);
    }
    const continues = lineStart > 0 && (mail[lineStart] === 0x20 || mail[lineStart] === 0x09);
    if (!continues) {
      let key = lineStart;
      while (mail[key] === 0x20 || mail[key] === 0x09) key++;
      keeping = mail.toString('latin1', key, Math.min(lf, key + 8)).toLowerCase() === 'content-';
    }
    if (keeping) kept.push(mail.toString('latin1', lineStart, lf + 1));
    lineStart = lf + 1;
  }
}

/**
 * postal-mime marks every part with a Content-ID inside multipart/related as related; only one the
 * HTML body shows (`cid:`) is part of the text (a signature logo, a tracking pixel). Any other is a
 * file the sender attached, and is faxed like one.
 */
function keepOnlyShownAsEmbedded(parsed: Email): void {
  let shown: ((id: string) => boolean) | undefined;
  for (const attachment of parsed.attachments) {
    if (!attachment.related) continue;
    shown ??= shownContentIds(parsed.html ?? '');
    const id = attachment.contentId?.replace(/^<|>$/g, '').trim().toLowerCase();
    if (!(id && shown(id))) attachment.related = false;
  }
}

/**
 * Whether the HTML shows an id: whether a `cid:` reference in it (case aside) starts with the id,
 * as a search for `cid:` and the id finds it. The references are read once, sorted, and looked up:
 * searching the whole body for each part cost the body's size times the parts (4,900 parts beside
 * 2 MB of HTML took 2.5 s).
 */
function shownContentIds(html: string): (id: string) => boolean {
  const references = [
    ...new Set(Array.from(html.toLowerCase().matchAll(/cid:([^\s"'<>()]*)/g), (m) => m[1] as string)),
  ].sort();
  return (id) => {
    // The first reference not before the id: if any starts with it, that one does.
    let low = 0;
    let high = references.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((references[middle] as string) < id) low = middle + 1;
      else high = middle;
    }
    return references[low]?.startsWith(id) ?? false;
  };
}

/**
 * The body had HTML and no text/plain part. postal-mime then fills `text` with its own rough
 * conversion and does not say so; the kinds of body text it met are kept on the parser (postal-mime
 * is pinned, and patched, so this internal is checked by the cover page tests).
 */
function htmlOnlyBody(parser: PostalMime): boolean {
  const types = (parser as unknown as { textTypes?: Set<string> }).textTypes;
  return types instanceof Set && types.has('html') && !types.has('plain');
}

/**
 * The mail's top-level header block read alone (no parts, no body): who sent the mail, whether SES
 * authenticated them, the subject and the recipients, at the cost of the block alone (at most the
 * header limits), whatever lies below it. Throws UnreadableMailError when the block is over the
 * limits or the parser refuses it.
 */
export async function readHeaderBlock(raw: Buffer): Promise<InboundMail> {
  const end = topHeaderBlockEnd(raw);
  if (typeof end === 'string') throw new UnreadableMailError(end);
  // Address lists longer than are read: the block is read without them (who sent it, and how they
  // are answered, is all that is needed of it, since the whole mail is refused: see parseMime).
  const over = listedAddressesOverLimit(raw, end);
  if (over?.overWithoutLists) throw new UnreadableMailError(over.why);
  const kept: Buffer[] = [];
  let from = 0;
  for (const field of over?.listFields ?? []) {
    kept.push(raw.subarray(from, field.start));
    from = field.end;
  }
  // The block alone has no body, so no part to set aside or count: it is parsed as checked here.
  const block = Buffer.concat([...kept, raw.subarray(from, end), Buffer.from('\r\n\r\n')]);
  const { parsed, repair } = await parseChecked(block);
  return { ...headerFields(parsed, repair), parts: [], body: {} };
}

/**
 * The whole mail, parts and body. `top` is its top-level header block as readHeaderBlock read it:
 * the header fields are then that reading's, and the parser does not read those headers again.
 */
export async function parseInboundMail(raw: Buffer, top?: InboundMail): Promise<InboundMail> {
  const asides: SetAsideBodies[] = [];
  const mail = await readMail(raw, { asides }, top);
  // A body set aside that did not come back as a whole part: the walk and the parser read the
  // structure differently, so the parser reads the mail as sent (slower, and only for such mail).
  if (asides.some((aside) => aside.unrestored() > 0)) return readMail(raw, {}, top);
  return mail;
}

async function readMail(raw: Buffer, reading: Reading, top?: InboundMail): Promise<InboundMail> {
  const { parsed, restore, repair, htmlOnly } = await parseMime(raw, reading, undefined, top !== undefined);
  const parts = await leafParts(parsed.attachments, { depth: 0, reading, restore, repair });
  const body = {
    ...(parsed.text === undefined ? {} : { text: parsed.text }),
    ...(parsed.html === undefined ? {} : { html: parsed.html }),
    ...(htmlOnly ? { htmlOnly } : {}),
  };
  return { ...(top ?? headerFields(parsed, repair)), parts, body };
}

/** What the domain reads from a mail's top-level header block, from the parser's reading of it. */
function headerFields(parsed: Email, repair: Repair): Omit<InboundMail, 'parts' | 'body'> {
  const headerLines = parsed.headerLines.map(({ key, line }) => ({ key, line: unfold(line) }));
  const fromLines = headerLines.filter((h) => h.key === 'from');
  const autoSubmitted = parsed.headers.find((h) => h.key === 'auto-submitted')?.value;
  return {
    headerLines,
    fromHeaderCount: fromLines.length,
    from: fromLines.flatMap(({ line }) => mailboxes(headerValue(line))),
    ...recipientsOf(headerLines),
    subject: repair.subject(parsed.subject ?? ''),
    messageIdHeader: parsed.messageId || undefined,
    references: referencesOf(parsed.references),
    autoSubmitted: autoSubmitted?.trim(),
    ...dateOf(headerLines),
  };
}

/** The first Date header's value as written (postal-mime gives it back as ISO, without its time zone). */
function dateOf(headerLines: { key: string; line: string }[]): { date?: string } {
  const line = headerLines.find((h) => h.key === 'date')?.line;
  return line === undefined ? {} : { date: headerValue(line) };
}

/** Header text the parser could not read (U+FFFD in its result), read again from the raw mail. */
interface Repair {
  subject(parsed: string): string;
  filename(parsed: string): string;
}

/**
 * Two kinds of real mail leave U+FFFD in the parser's reading of a header, and the reply would repeat
 * it: old mail programs write 8-bit text raw, in their Windows code page (`Subject: Bestätigung`,
 * `filename="Bestätigung.pdf"` in ISO-8859-1), which the parser reads as UTF-8; and Outlook splits one
 * UTF-8 character across two encoded words (`=?utf-8?B?S8M=?= =?utf-8?B?vG5k...?=`), which RFC 2047
 * forbids and the parser decodes word by word. Such text is read again from the raw header: encoded
 * words of one charset joined byte by byte, raw bytes that are not UTF-8 as windows-1252 (a superset
 * of ISO-8859-1 for text). `mail` is the mail as parsed (large bodies set aside, so scanning it for
 * a part's file name stays cheap).
 */
function repairerFor(mail: Buffer): Repair {
  // Every raw name parameter of the mail, read once when the first name needs it: by its ASCII
  // skeleton, the first one that has something to repair. (A pass per damaged name was quadratic:
  // 4,990 such names took 15 s, before the trust decision.)
  let names: Map<string, string> | undefined;
  const rawNames = () => {
    if (names) return names;
    names = new Map();
    for (const match of mail.toString('latin1').matchAll(FILENAME_PARAM)) {
      const text = legacyHeaderText(match[1] ?? match[2] ?? '');
      if (!text) continue;
      const skeleton = asciiSkeleton(text);
      if (!names.has(skeleton)) names.set(skeleton, text);
    }
    return names;
  };
  return {
    subject(parsed) {
      if (!parsed.includes('\uFFFD')) return parsed;
      const line = rawHeaderLines(mail).find((l) => /^subject\s*:/i.test(l));
      return (line !== undefined && legacyHeaderText(headerValue(line))) || parsed;
    },
    filename(parsed) {
      if (!parsed.includes('\uFFFD')) return parsed;
      // The parser does not say which raw header a name came from: take the raw name parameter
      // that reads the same apart from the characters the parser could not decode.
      return rawNames().get(asciiSkeleton(parsed)) ?? parsed;
    },
  };
}

const FILENAME_PARAM = /\b(?:file)?name\s*=\s*(?:"([^"\r\n]*)"|([^;\s"]+))/gi;

function asciiSkeleton(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '');
}

/** The mail's top-level header lines as binary strings (one character per byte), folded lines joined. */
function rawHeaderLines(raw: Buffer): string[] {
  const end = topHeaderBlockEnd(raw);
  return raw.toString('latin1', 0, typeof end === 'number' ? end : 0).split(/\r?\n(?![ \t])/);
}

/**
 * A raw header text (binary string) decoded leniently, or undefined when it holds nothing to repair:
 * adjacent encoded words of one charset joined as bytes before decoding; raw 8-bit that is not
 * UTF-8 read as windows-1252.
 */
function legacyHeaderText(raw: string): string | undefined {
  if (!raw.includes('=?')) {
    const bytes = Buffer.from(raw, 'latin1');
    return isUtf8(bytes) ? undefined : decodeWindows1252(bytes);
  }
  let text = '';
  let at = 0;
  let run: { charset: string; bytes: Buffer[] } | undefined;
  const flush = () => {
    if (run) text += decodeCharset(Buffer.concat(run.bytes), run.charset);
    run = undefined;
  };
  for (const word of raw.matchAll(ENCODED_WORD)) {
    const between = raw.slice(at, word.index);
    // White space between two encoded words is not text (RFC 2047 6.2).
    if (!(run && /^[ \t\r\n]*$/.test(between))) {
      flush();
      text += between;
    }
    const charset = (word[1] ?? '').split('*')[0]?.toLowerCase() ?? '';
    const data = word[3] ?? '';
    const bytes =
      word[2]?.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
                String.fromCharCode(Number.parseInt(hex, 16)),
              ),
            'latin1',
          );
    if (run && run.charset !== charset) flush();
    run ??= { charset, bytes: [] };
    run.bytes.push(bytes);
    at = word.index + word[0].length;
  }
  flush();
  return text + raw.slice(at);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  if (['windows-1252', 'cp1252', 'iso-8859-1', 'latin1', 'us-ascii'].includes(charset))
    return decodeWindows1252(bytes);
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('utf8'); // a charset the runtime does not know
  }
}

// windows-1252's 0x80-0x9f (Node's TextDecoder reads that label as ISO-8859-1, which has control
// characters there); undefined positions stay as they are.
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWindows1252(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) {
    text += byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  }
  return text;
}

/** The mailboxes of an address header value, groups flattened, display names decoded. */
function mailboxes(value: string): { address: string; name: string }[] {
  return flatten(addressParser(value)).map(({ address, name }) => ({
    address: address ?? '',
    name: name ?? '',
  }));
}

function flatten(addresses: Address[], into: { address?: string; name: string }[] = []) {
  for (const a of addresses) {
    if (a.group) flatten(a.group, into);
    else into.push(a);
  }
  return into;
}

/**
 * Bare addresses of all To: and Cc: headers, as written, and the display names given with them, each
 * mailbox read once (the addresses and the names were two readings: a Cc of 9,000 addresses cost
 * two passes of the address parser more). People type fax numbers with spaces and parentheses
 * without quoting them (`+49 (30) 123456@fax...`); RFC 5322 reads that as a display name and a
 * comment, so such a mailbox is taken whole before the address parser sees it.
 */
function recipientsOf(
  headerLines: { key: string; line: string }[],
): Pick<InboundMail, 'to' | 'cc' | 'recipientNames'> {
  const to: string[] = [];
  const cc: string[] = [];
  const recipientNames: { address: string; name: string }[] = [];
  for (const { key, line } of headerLines) {
    if (key !== 'to' && key !== 'cc') continue;
    const addresses = key === 'to' ? to : cc;
    // The segments between such mailboxes go to the address parser together, as the header has
    // them: it splits them where this does, and one call a mailbox cost more than the parsing.
    let run: string[] = [];
    const parseRun = () => {
      if (run.length === 0) return;
      for (const mailbox of mailboxes(run.join(','))) {
        const address = mailbox.address.trim();
        if (address) addresses.push(address);
        if (mailbox.name.trim() !== '' && mailbox.address !== '') recipientNames.push(mailbox);
      }
      run = [];
    };
    for (const segment of splitTopLevel(headerValue(line), ',')) {
      const bare = segment
        .replace(/^[^"<>@()]*:/, '') // a group's display name
        .replace(/;\s*$/, '')
        .trim();
      const spaced = /^(\+?[0-9(][0-9 ().-]*)@([A-Za-z0-9.-]+)$/.exec(bare);
      if (spaced && /[ ()]/.test(spaced[1] ?? '')) {
        parseRun();
        addresses.push(bare);
      } else {
        run.push(segment);
      }
    }
    parseRun();
  }
  return { to, cc, recipientNames };
}

/**
 * Splits on the separator where it is not inside quotes, angle brackets or comments. The parts are
 * slices of the value: a string concatenation per character cost ~10 ms on a 256 KiB header.
 */
function splitTopLevel(value: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && (quoted || comment > 0)) {
      i++; // the escaped character stays in the part, whatever it is
      continue;
    }
    if (!quoted && comment === 0 && c === '<') angle++;
    else if (!quoted && comment === 0 && c === '>') angle = Math.max(0, angle - 1);
    else if (!quoted && c === '(') comment++;
    else if (!quoted && c === ')') comment = Math.max(0, comment - 1);
    else if (comment === 0 && c === '"') quoted = !quoted;
    if (c === separator && !quoted && angle === 0 && comment === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.filter((p) => p.trim().length > 0);
}

/** The message ids of a References header, in order. */
function referencesOf(references: string | undefined): string[] {
  if (!references) return [];
  return references.match(/<[^<>\s]+>/g) ?? references.split(/\s+/).filter((r) => r.length > 0);
}

/** An attached mail the parser refuses stays one opaque part of this mail (listed as ignored). */
function keepUnreadable(error: unknown): undefined {
  if (error instanceof UnreadableMailError) return undefined;
  throw error;
}

/** An attachment's content as a Buffer over the same memory. */
export function attachmentBytes(content: Attachment['content']): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'latin1'); // not with arraybuffer encoding
  return content instanceof ArrayBuffer
    ? Buffer.from(content)
    : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

const TNEF_TYPES = ['application/ms-tnef', 'application/vnd.ms-tnef'];
const PKCS7_MIME_TYPES = ['application/pkcs7-mime', 'application/x-pkcs7-mime'];

function isTnefPart(contentType: string, filename: string | undefined): boolean {
  return TNEF_TYPES.includes(contentType) || filename?.trim().toLowerCase() === 'winmail.dat';
}

async function leafParts(
  attachments: Attachment[],
  { depth, reading, restore, repair }: { depth: number; reading: Reading; restore: Restore; repair: Repair },
): Promise<MailPart[]> {
  const parts: MailPart[] = [];
  for (const attachment of attachments) {
    const content = restore(attachmentBytes(attachment.content));
    const name = attachment.filename ? repair.filename(attachment.filename) : undefined;
    // As declared (postal-mime does not guess from the file name), lower-cased.
    const contentType = attachment.mimeType;
    if (contentType === 'message/rfc822' && depth < MAX_FORWARD_DEPTH && opening(reading)) {
      // A mail forwarded as attachment: its own attachments are parts of this mail, its body text is not.
      const inner = await parseMime(content, reading, restore).catch(keepUnreadable);
      if (inner) {
        for (const part of await leafParts(inner.parsed.attachments, { ...inner, depth: depth + 1, reading }))
          parts.push({ ...part, forwarded: true });
        continue;
      }
    }
    if (PKCS7_MIME_TYPES.includes(contentType) && depth < MAX_FORWARD_DEPTH && opening(reading)) {
      // Opaque-signed S/MIME: the signed message, with its attachments, is inside the smime.p7m.
      // An encrypted one has no readable content and stays a part of its own.
      const signed = signedContentOf(content);
      if (signed) {
        const inner = await parseMime(signed, reading, restore).catch(keepUnreadable);
        if (inner) {
          parts.push(...(await leafParts(inner.parsed.attachments, { ...inner, depth: depth + 1, reading })));
          continue;
        }
      }
    }
    const tnef = isTnefPart(contentType, name) ? tnefAttachments(content) : [];
    if (tnef.length > 0) {
      // Outlook's "Rich Text" mail: the files the sender attached are inside winmail.dat. One that
      // holds no file (only the formatted body, or damaged) stays a part of its own, so a reply
      // that finds no PDF can still name it.
      for (const file of tnef) {
        parts.push({
          contentType: 'application/octet-stream',
          disposition: 'attachment',
          content: file.content,
          ...(file.filename ? { filename: file.filename } : {}),
        });
      }
      continue;
    }
    if (contentType === 'application/applefile') {
      // The Mac half of an AppleDouble pair (the file itself is the next part) is skipped, or it
      // would look like a second "Vertrag.pdf" that is not a PDF; an AppleSingle gives its file.
      const apple = readAppleFile(content);
      if (apple.kind === 'metadata') continue;
      if (apple.kind === 'file') {
        const filename = apple.filename || name;
        parts.push({
          contentType: 'application/octet-stream',
          disposition: 'attachment',
          content: apple.content,
          ...(filename ? { filename } : {}),
        });
        continue;
      }
    }
    const part: MailPart = { contentType, content };
    if (name) part.filename = name;
    if (attachment.disposition) part.disposition = attachment.disposition;
    if (attachment.related) part.embedded = true;
    parts.push(part);
  }
  return parts;
}
