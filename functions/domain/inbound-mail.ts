// The parsed view of an inbound mail that the trust, number and document rules work on. The domain
// owns this model; functions/mail/ reads raw mail bytes into it.

export interface MailPart {
  filename?: string;
  contentType: string;
  /** `attachment` or `inline` as the part declared it; absent when it declared none. */
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
  /** The readable body, for a cover page (issue 14). */
  body?: MailBody;
  /** The Date header as written. */
  date?: string;
  /** Display names written with To and Cc addresses (`"Dr. Müller" <+4930123456@fax.example.com>`). */
  recipientNames?: { address: string; name: string }[];
}

export interface MailBody {
  /** The text/plain body (the parser's own conversion of the HTML when there is only HTML). */
  text?: string;
  html?: string;
  /** The mail had HTML and no text/plain part: its text is best read from `html`. */
  htmlOnly?: boolean;
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

/** An RFC 2047 encoded word: charset, encoding (B or Q), encoded text. */
export const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
