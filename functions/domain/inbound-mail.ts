// The parsed view of an inbound mail that the trust, number and document rules work on. mailparser
// does the MIME work; this module keeps what those rules need and nothing that ties them to it.

import { isUtf8 } from 'node:buffer';
import {
  type AddressObject,
  type Attachment,
  type EmailAddress,
  type ParsedMail,
  simpleParser,
} from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser';
import { readAppleFile } from './apple-file.ts';
import { signedContentOf } from './cms-signed.ts';
import { setAsideLargeBodies } from './large-mime-bodies.ts';
import { tnefAttachments } from './tnef.ts';

export interface MailPart {
  filename?: string;
  contentType: string;
  /** `attachment` or `inline` as the part declared it (mailparser's default where it did not). */
  disposition?: string;
  content: Buffer;
  /**
   * Embedded in the HTML body by Content-ID inside multipart/related (signature logos and the like):
   * not something the sender attached, so it is not reported as an ignored attachment.
   */
  embedded?: boolean;
  /** Set for parts found inside an attached message/rfc822 (a mail forwarded as attachment). */
  forwarded?: boolean;
}

export interface InboundMail {
  /** Every top-level header in raw order: key lower-case, line unfolded but otherwise as written. */
  headerLines: { key: string; line: string }[];
  fromHeaderCount: number;
  /** All mailboxes of all From: headers. */
  from: { address: string; name: string }[];
  /** Bare addresses, as written (case kept). */
  to: string[];
  cc: string[];
  subject: string;
  /** The Message-ID header, with angle brackets. */
  messageIdHeader?: string;
  references: string[];
  autoSubmitted?: string;
  /** Every MIME leaf part that is not the readable body text, in mail order. */
  parts: MailPart[];
}

// A forwarded message may itself carry a forwarded message; three levels is more than mail programs
// produce and keeps a crafted mail from nesting without end.
const MAX_FORWARD_DEPTH = 3;

// Nothing here needs HTML, links or checksums: skipping them keeps mailparser from copying
// attachments into data: URLs and hashing them.
const PARSER_OPTIONS = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  checksumAlgo: false as const,
};

/** The bytes of a part as mailparser reports it, with a set-aside body given back. */
type Restore = (content: Buffer) => Buffer;

/**
 * mailparser over the mail with its large base64 bodies set aside: they are decoded natively in one
 * go instead of line by line through streams (see large-mime-bodies.ts), which was most of the
 * inbound function's time for a scanned PDF.
 */
async function parseMime(
  raw: Buffer,
  outer: Restore = (content) => content,
): Promise<{ parsed: ParsedMail; restore: Restore }> {
  const aside = setAsideLargeBodies(raw);
  return {
    parsed: await simpleParser(aside.mail, PARSER_OPTIONS),
    restore: (content) => aside.restore(outer(content)),
  };
}

export async function parseInboundMail(raw: Buffer): Promise<InboundMail> {
  const { parsed, restore } = await parseMime(raw);
  const headerLines = parsed.headerLines.map(({ key, line }) => ({
    key: key.toLowerCase(),
    line: unfold(line),
  }));
  const fromLines = headerLines.filter((h) => h.key === 'from');
  const autoSubmitted = parsed.headers.get('auto-submitted');
  return {
    headerLines,
    fromHeaderCount: fromLines.length,
    from: mailboxesOfFromHeaders(fromLines, parsed.from),
    to: recipientAddresses(headerLines, 'to'),
    cc: recipientAddresses(headerLines, 'cc'),
    subject: subjectOf(parsed.subject, headerLines),
    messageIdHeader: parsed.messageId || undefined,
    references: referencesOf(parsed.references),
    autoSubmitted: typeof autoSubmitted === 'string' ? autoSubmitted.trim() : undefined,
    parts: await leafParts(parsed.attachments, 0, restore),
  };
}

/**
 * The Subject as the sender wrote it. Old mail programs put 8-bit text into headers raw, in their
 * Windows code page (`Subject: Bestätigung` in ISO-8859-1); mailparser reads raw header bytes as
 * UTF-8 and turns each such byte into U+FFFD, which the reply's subject would then repeat. Raw
 * bytes that are not UTF-8 are read as windows-1252, a superset of ISO-8859-1 for text.
 */
function subjectOf(parsed: string | undefined, headerLines: { key: string; line: string }[]): string {
  const subject = parsed ?? '';
  const raw = headerLines.find((h) => h.key === 'subject');
  if (!raw || !/[\uFFFD\u0080-\u009f]/.test(subject)) return subject;
  // mailparser keeps raw header lines as binary strings: one character per byte.
  const bytes = Buffer.from(headerValue(raw.line), 'latin1');
  if (isUtf8(bytes) || bytes.toString('latin1').includes('=?')) return subject;
  return decodeWindows1252(bytes);
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

/** RFC 5322 unfolding: a line break followed by white space is removed, the white space kept. */
export function unfold(line: string): string {
  return line.replace(/\r?\n(?=[ \t])/g, '');
}

/** The value of a raw header line (`Key: value`), unfolded and trimmed. */
export function headerValue(line: string): string {
  const colon = line.indexOf(':');
  return unfold(colon < 0 ? '' : line.slice(colon + 1)).trim();
}

function mailboxesOfFromHeaders(
  fromLines: { line: string }[],
  parsedFrom: AddressObject | undefined,
): { address: string; name: string }[] {
  // mailparser keeps only the first From header; with exactly one, its decoded names are the best.
  if (fromLines.length === 1 && parsedFrom) {
    return flatten(parsedFrom.value).map(({ address, name }) => ({
      address: address ?? '',
      name: name ?? '',
    }));
  }
  return fromLines.flatMap(({ line }) =>
    flatten(addressparser(headerValue(line)) as EmailAddress[]).map(({ address, name }) => ({
      address: address ?? '',
      name: name ?? '',
    })),
  );
}

function flatten(addresses: EmailAddress[]): EmailAddress[] {
  return addresses.flatMap((a) => (a.group ? flatten(a.group) : [a]));
}

/**
 * Bare addresses of all To: (or Cc:) headers, as written. People type fax numbers with spaces and
 * parentheses without quoting them (`+49 (30) 123456@fax...`); RFC 5322 reads that as a display name
 * and a comment, so such a mailbox is taken whole before the address parser sees it.
 */
function recipientAddresses(headerLines: { key: string; line: string }[], key: 'to' | 'cc'): string[] {
  const addresses: string[] = [];
  for (const { line } of headerLines.filter((h) => h.key === key)) {
    for (const segment of splitTopLevel(headerValue(line), ',')) {
      const bare = segment
        .replace(/^[^"<>@()]*:/, '') // a group's display name
        .replace(/;\s*$/, '')
        .trim();
      const spaced = /^(\+?[0-9(][0-9 ().-]*)@([A-Za-z0-9.-]+)$/.exec(bare);
      if (spaced && /[ ()]/.test(spaced[1] ?? '')) {
        addresses.push(bare);
        continue;
      }
      for (const mailbox of flatten(addressparser(segment) as EmailAddress[])) {
        const address = mailbox.address?.trim();
        if (address) addresses.push(address);
      }
    }
  }
  return addresses;
}

/** Splits on the separator where it is not inside quotes, angle brackets or comments. */
function splitTopLevel(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && (quoted || comment > 0)) {
      current += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (!quoted && comment === 0 && c === '<') angle++;
    else if (!quoted && comment === 0 && c === '>') angle = Math.max(0, angle - 1);
    else if (!quoted && c === '(') comment++;
    else if (!quoted && c === ')') comment = Math.max(0, comment - 1);
    else if (comment === 0 && c === '"') quoted = !quoted;
    if (c === separator && !quoted && angle === 0 && comment === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.filter((p) => p.trim().length > 0);
}

function referencesOf(references: string | string[] | undefined): string[] {
  if (!references) return [];
  return (Array.isArray(references) ? references : [references]).filter((r) => r.length > 0);
}

const TNEF_TYPES = ['application/ms-tnef', 'application/vnd.ms-tnef'];
const PKCS7_MIME_TYPES = ['application/pkcs7-mime', 'application/x-pkcs7-mime'];

function isTnefPart(contentType: string, filename: string | undefined): boolean {
  return TNEF_TYPES.includes(contentType) || filename?.trim().toLowerCase() === 'winmail.dat';
}

async function leafParts(attachments: Attachment[], depth: number, restore: Restore): Promise<MailPart[]> {
  const parts: MailPart[] = [];
  for (const attachment of attachments) {
    const content = restore(attachment.content);
    // As declared: mailparser replaces application/octet-stream with a guess from the file name.
    const declared = attachment.headers.get('content-type') as { value?: string } | undefined;
    const contentType = (declared?.value ?? attachment.contentType).toLowerCase();
    if (contentType === 'message/rfc822' && depth < MAX_FORWARD_DEPTH) {
      // A mail forwarded as attachment: its own attachments are parts of this mail, its body text is not.
      const inner = await parseMime(content, restore);
      for (const part of await leafParts(inner.parsed.attachments, depth + 1, inner.restore))
        parts.push({ ...part, forwarded: true });
      continue;
    }
    if (PKCS7_MIME_TYPES.includes(contentType) && depth < MAX_FORWARD_DEPTH) {
      // Opaque-signed S/MIME: the signed message, with its attachments, is inside the smime.p7m.
      // An encrypted one has no readable content and stays a part of its own.
      const signed = signedContentOf(content);
      if (signed) {
        const inner = await parseMime(signed, restore);
        parts.push(...(await leafParts(inner.parsed.attachments, depth + 1, inner.restore)));
        continue;
      }
    }
    const tnef = isTnefPart(contentType, attachment.filename) ? tnefAttachments(content) : [];
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
        const filename = apple.filename || attachment.filename;
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
    if (attachment.filename) part.filename = attachment.filename;
    if (attachment.contentDisposition) part.disposition = attachment.contentDisposition;
    if (attachment.related) part.embedded = true;
    parts.push(part);
  }
  return parts;
}
