// Bounds on what is stored about a mail (issue 11 item 10). A sender controls the subject (up to
// the 256 KiB a readable header block may hold), the Message-ID and References, and the names and
// number of attachments (3,000 parts with long names are 600 KB of names); DynamoDB refuses an item
// over 400 KB, and a write refused after /send succeeded would lose the queued reply and leave the
// mail RECEIVED. So every text kept is shortened and every list of names holds at most
// RECORD_LIMITS.listed entries, the last saying how many more there were. With these bounds the
// largest item (a job: subject, references, errors, twelve attempts) stays under about 100 KB
// whatever the mail held.

import { groupedDigits } from '../grouped-digits.ts';

export const RECORD_LIMITS = {
  /** Characters of a subject kept (replies show 200 of them). */
  subject: 1000,
  /** Characters of any other text kept: details, errors, a sender's address. */
  text: 2000,
  /** Characters of one name in a list (a file name, a recipient). */
  name: 200,
  /** Entries of a list of names kept, the last of them counting the rest. */
  listed: 50,
  /** Message ids kept in References: the first and the most recent (RFC 5322 section 3.6.4). */
  references: 20,
  /** A message id longer than a header line may be (RFC 5322: 998) is not kept at all. */
  messageId: 998,
} as const;

const ELLIPSIS = '\u2026';

/** `value` in at most `limit` UTF-16 units, shortened with an ellipsis; a surrogate pair is never cut. */
export function storedText(value: string, limit: number = RECORD_LIMITS.text): string {
  if (value.length <= limit) return value;
  let end = limit - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}${ELLIPSIS}`;
}

/** What the entry counting the rest of a list says. */
export function moreEntry(count: number): string {
  return `${ELLIPSIS} and ${groupedDigits(count)} more`;
}

/**
 * At most `max` entries, each shortened; over that, the first `max - 1` and an entry counting the
 * rest (`… and 2,950 more`).
 */
export function storedList(
  values: readonly string[],
  max: number = RECORD_LIMITS.listed,
  nameLimit: number = RECORD_LIMITS.name,
): string[] {
  if (values.length <= max) return values.map((v) => storedText(v, nameLimit));
  const kept = values.slice(0, max - 1).map((v) => storedText(v, nameLimit));
  return [...kept, moreEntry(values.length - kept.length)];
}

/**
 * Whether a message id can be written back into a reply's In-Reply-To or References: one
 * `<left@right>` of printable ASCII (RFC 5322 3.6.4), no longer than a header line. A sender's
 * Message-ID with UTF-8, bidi controls or spaces would otherwise reach the reply's header raw.
 */
export function isThreadableMessageId(id: string): boolean {
  return (
    id.length <= RECORD_LIMITS.messageId && /^<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>$/.test(id)
  );
}

/** References as a reply may carry them: the first and the most recent, each a threadable id. */
export function storedReferences(references: readonly string[]): string[] {
  const usable = references.filter(isThreadableMessageId);
  if (usable.length <= RECORD_LIMITS.references) return usable;
  return [usable[0] as string, ...usable.slice(usable.length - (RECORD_LIMITS.references - 1))];
}

/** Attributes a ledger item holds as lists of names: kept as storedList keeps them. */
const NAME_LISTS = new Set(['documents', 'ignoredAttachments', 'rejectedNumbers']);
/** Attributes that name a thing exactly (keys, ids, numbers): short by construction, never cut. */
const EXACT = new Set(['pk', 'sk', 'messageId', 'number', 'attemptId', 'faxId', 'openSince', 'numbers']);

/**
 * Any attribute of a ledger item, bounded: texts shortened (subjects to RECORD_LIMITS.subject),
 * lists of names as storedList, references as storedReferences, and the same inside nested
 * records (attempts, failures). The store applies it to everything it writes.
 */
export function storedAttribute(name: string, value: unknown): unknown {
  if (EXACT.has(name)) return value;
  if (typeof value === 'string') {
    if (name === 'originalMessageId') return isThreadableMessageId(value) ? value : undefined;
    return storedText(value, name === 'subject' ? RECORD_LIMITS.subject : RECORD_LIMITS.text);
  }
  if (Array.isArray(value)) {
    if (name === 'references') return storedReferences(value as string[]);
    if (NAME_LISTS.has(name)) return storedList(value as string[]);
    return value.map((entry) => storedAttribute('', entry));
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return storedItem(value as Record<string, unknown>);
  }
  return value;
}

/** Every attribute of `item` bounded (see storedAttribute); attributes bounded away are left out. */
export function storedItem<T extends Record<string, unknown>>(item: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    const bounded = storedAttribute(name, value);
    if (bounded !== undefined || value === undefined) out[name] = bounded;
  }
  return out as T;
}
