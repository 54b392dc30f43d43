// Hostile text for every field a reply may echo, and the check every reply of the gateway must pass
// however hostile the mail was (issue 11 items 6 and 1): only the gateway's own headers, printable
// ASCII in each, exactly one recipient, a subject and body lines without control characters, line
// separators or bidi controls, no line longer than a reply writes, and no line a sender forged.

import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { expect } from 'vitest';

/** What a hostile sender puts into every field a reply may echo. */
export const FRAGMENTS = [
  '\r\n',
  '\r',
  '\n',
  '\r\n\r\n',
  '\u0000',
  '\u001b[2J',
  '\u0007',
  '\u007f',
  '\u0085',
  '\u202e',
  '\u2066',
  '\u200f',
  '\u2028',
  '\u2029',
  'X-Injected: yes',
  '\r\nBcc: victim@target.test',
  '\nReference: FG-FORGED-0000',
  '\r\nContent-Type: text/html',
  '=?UTF-8?B?QQ==?=',
  '%0D%0A',
  '"',
  '\\',
  ';',
  ' ',
  'Invoice',
  'ü',
  '😀',
  'x'.repeat(400),
];

/** The lines the fragments above try to forge in a reply. */
const FORGED_LINES = [
  'X-Injected: yes',
  'Bcc: victim@target.test',
  'Reference: FG-FORGED-0000',
  'Content-Type: text/html',
];

export const hostileText = fc
  .array(fc.constantFrom(...FRAGMENTS), { minLength: 2, maxLength: 8 })
  .map((parts) => `${parts.join('')}`);

/** Hidden in every line a reply shows: control characters, line separators, bidi controls. */
export const HIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** The headers a reply is made of (mime-message.ts); a sender cannot add any. */
export const REPLY_HEADERS = new Set([
  'from',
  'to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'in-reply-to',
  'references',
  'auto-submitted',
  'x-auto-response-suppress',
]);

/** A reply as sent: its raw bytes (latin1), and what mailparser reads from them. */
export interface ComposedReply {
  /** Where it came from, for the failure message (an outbox file, a reply kind). */
  file: string;
  raw: string;
  subject: string;
  text: string;
}

/** A composed message read back as a mail program would. */
export async function readReply(file: string, raw: Buffer): Promise<ComposedReply & { inReplyTo?: string }> {
  const parsed = await simpleParser(raw);
  return {
    file,
    raw: raw.toString('latin1'),
    ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo } : {}),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
  };
}

/** `text` as RFC 2047 encoded words of a few characters each, folded: any text, CR LF included. */
export function encodedWords(text: string): string {
  const chars = [...text];
  const words: string[] = [];
  for (let i = 0; i < chars.length; i += 20) {
    words.push(`=?UTF-8?B?${Buffer.from(chars.slice(i, i + 20).join(''), 'utf8').toString('base64')}?=`);
  }
  return words.length > 0 ? words.join('\r\n ') : '""';
}

/** Every reply holds only the gateway's headers, one recipient, and lines without hidden characters. */
export function expectWellFormed(reply: ComposedReply, to: string): void {
  const headerBlock = reply.raw.slice(0, reply.raw.indexOf('\r\n\r\n'));
  const headers = headerBlock.replace(/\r\n[ \t]/g, ' ').split('\r\n');
  for (const line of headers) {
    expect(line, `${reply.file}: a header line`).toMatch(/^[\x20-\x7e\t]+$/);
    expect(REPLY_HEADERS, `${reply.file}: header ${line.slice(0, 60)}`).toContain(
      line.slice(0, line.indexOf(':')).toLowerCase(),
    );
  }
  const toLines = headers.filter((l) => /^to:/i.test(l));
  expect(toLines).toHaveLength(1);
  expect([`To: ${to}`, `To: <${to}>`]).toContain(toLines[0]);
  expect(reply.subject).not.toMatch(HIDDEN);
  expect(reply.subject.length).toBeLessThan(260);
  for (const line of reply.text.split('\n')) {
    expect(line, `${reply.file}: a body line`).not.toMatch(HIDDEN);
    expect(line.length, `${reply.file}: a body line's length`).toBeLessThan(1100);
    // A forged line stays inside the line that quotes it (its line break shown as \r\n).
    expect(FORGED_LINES, `${reply.file}: a forged line`).not.toContain(line.trim());
  }
}
