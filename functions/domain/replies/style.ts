// What every reply of the gateway shares: the subject `Fax <what>: <original subject>`, one
// signature, prices with their currency, and times written readably and exactly.

import { shownSubject } from './shown-text.ts';

export interface ReplyText {
  subject: string;
  text: string;
}

/** How replies write what they do not get from the mail itself. */
export interface ReplyStyle {
  /** ISO 4217 code for prices (faxrocks answers bare numbers); PRICE_CURRENCY, default EUR. */
  currency: string;
}

export const DEFAULT_REPLY_STYLE: ReplyStyle = { currency: 'EUR' };

export const SIGNATURE = '-- \nfaxgate, the email-to-fax gateway. This message was sent automatically.\n';

/** `Fax queued: Invoice 42`; `Fax queued` for a mail without a subject. */
export function replySubject(what: string, originalSubject: string | undefined): string {
  const original = shownSubject(originalSubject);
  return original ? `Fax ${what}: ${original}` : `Fax ${what}`;
}

/** A body's lines, then the signature after one blank line. */
export function withSignature(lines: string[]): string {
  return `${lines.join('\n')}\n\n${SIGNATURE}`;
}

/** `0.18 EUR`; a price given as faxrocks wrote it (`"0.09"`) is shown as written. */
export function money(value: number | string | undefined, style: ReplyStyle): string {
  if (value === undefined || value === '') return 'not given';
  const amount = typeof value === 'number' ? value.toFixed(2) : value;
  return `${amount} ${style.currency}`;
}

/** `2026-11-27 05:40:12 UTC (2026-11-27T05:40:12.000Z)`: readable and exact. */
export function timeLine(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const exact = time.toISOString();
  return `${exact.slice(0, 10)} ${exact.slice(11, 19)} UTC (${exact})`;
}
