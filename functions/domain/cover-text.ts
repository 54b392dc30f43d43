// The text of a cover page (issue 14): what the sender wrote in this mail, without the mail it
// answers (quoted lines, "On ... wrote:" attributions, Outlook's original-message blocks) and
// without the signature block ("-- "). Pure: strings in, strings out.
//
// An HTML-only body is flattened with html-to-text (a maintained converter, 30 M downloads a
// month, built on htmlparser2): it keeps paragraphs, line breaks and lists, turns <blockquote> into
// "> " lines (so the quote rules below apply to both kinds of body), decodes every entity, and
// skips what a fax cannot show (images, scripts, styles). postal-mime's own conversion is a few
// regular expressions that lose lists and quotes. It is loaded only when a cover page is made.

import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { loadCoverKit } from './cover-kit.ts';
import type { CoverPage } from './cover-page.ts';
import type { InboundMail, MailBody } from './inbound-mail.ts';

/** Characters of body text read at most: a cover page is a few pages, not a book (and hostile input stays cheap). */
export const MAX_BODY_CHARS = 100_000;
/** HTML read at most before it is flattened. */
export const MAX_HTML_CHARS = 500_000;

/** The sender's own words for the cover page, as lines of plain text (may be empty). */
export async function coverBodyText(body: MailBody): Promise<string> {
  const text = body.htmlOnly && body.html !== undefined ? await flattenHtml(body.html) : (body.text ?? '');
  return ownWords(text);
}

/** HTML to plain text; links keep their text only, pictures are left out. */
export async function flattenHtml(html: string): Promise<string> {
  const { htmlToText } = await loadCoverKit();
  return htmlToText(html.slice(0, MAX_HTML_CHARS), {
    wordwrap: false,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
      // Mail programs mark their own blocks: Gmail's signature and quoted mail, Apple Mail's and
      // Thunderbird's cited mail, Outlook's reply header.
      { selector: 'div.gmail_signature', format: 'skip' },
      { selector: 'div.gmail_quote', format: 'skip' },
      { selector: 'blockquote[type=cite]', format: 'skip' },
      { selector: 'div.moz-cite-prefix', format: 'skip' },
      { selector: 'div.moz-signature', format: 'skip' },
      { selector: 'div#divRplyFwdMsg', format: 'skip' },
      { selector: 'div#appendonsend', format: 'skip' },
    ],
  });
}

// "On Tue, 1 Dec 2026 at 10:00, Ann <ann@example.com> wrote:" and its usual translations
// ("Am 1.12.2026 um 10:00 schrieb Ann <ann@example.com>:").
const ATTRIBUTION_START = /^(on|am|le|el|il|op|em|den|dne|w dniu|в|στις)\s/i;
const ATTRIBUTION_END =
  /(^|\s)(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napsal|napisał|написал\(а\)|написал|έγραψε)(\s.*)?:\s*$/i;
const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}\s*$/i;
const HEADER_FROM = /^\s*\*?(from|von|de|da|van|от|από)\s*:\*?\s+\S/i;
const HEADER_SENT =
  /^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|отправлено|στάλθηκε)\s*:\*?\s/i;

/**
 * The lines the sender wrote: quoted lines dropped, and everything from the first attribution,
 * original-message block or signature separator on cut off (replies quote below the new text).
 */
export function ownWords(raw: string): string {
  const lines = raw.slice(0, MAX_BODY_CHARS).replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^--\s*$/.test(line)) break; // the signature block, to the end
    if (ORIGINAL_MESSAGE.test(line)) break;
    if (HEADER_FROM.test(line) && outlookHeaderFollows(lines, i)) {
      // Outlook's reply header, often under a rule of underscores.
      while (kept.length > 0 && /^\s*(_{8,}|-{8,})?\s*$/.test(kept[kept.length - 1] as string)) kept.pop();
      break;
    }
    const attribution = attributionAt(lines, i);
    if (attribution > 0) {
      i += attribution - 1;
      continue;
    }
    if (/^\s*>/.test(line)) continue;
    kept.push(line.replace(/\s+$/, ''));
  }
  return kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

/** A `From:` line begins a reply header when a `Sent:` or `Date:` line follows within four lines. */
function outlookHeaderFollows(lines: string[], at: number): boolean {
  return lines.slice(at + 1, at + 5).some((l) => HEADER_SENT.test(l));
}

/**
 * The number of lines (1-3: mail programs wrap a long attribution) of an attribution starting at
 * `at` that introduces quoted lines (or ends the text); 0 when there is none.
 */
function attributionAt(lines: string[], at: number): number {
  if (!ATTRIBUTION_START.test((lines[at] as string).trim())) return 0;
  for (let n = 1; n <= 3 && at + n <= lines.length; n++) {
    const joined = lines
      .slice(at, at + n)
      .join(' ')
      .trim();
    if (!ATTRIBUTION_END.test(joined)) continue;
    let next = at + n;
    while (next < lines.length && (lines[next] as string).trim() === '') next++;
    return next >= lines.length || /^\s*>/.test(lines[next] as string) ? n : 0;
  }
  return 0;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The date line: the mail's Date header in the sender's own time zone, as it wrote it
 * (`Tue, 1 Dec 2026, 14:05 (UTC+01:00)`); the time the gateway received it, in UTC, when the
 * header is missing or unreadable.
 */
export function coverDate(written: string | undefined, received: Date): string {
  const parsed = written === undefined ? Number.NaN : Date.parse(written);
  if (Number.isNaN(parsed)) return formatAt(received.getTime(), 0);
  const offset = /([+-])(\d{2})(\d{2})(?:\s*\([^)]*\))?\s*$/.exec(written ?? '');
  const minutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  return formatAt(parsed, Math.abs(minutes) < 24 * 60 ? minutes : 0);
}

function formatAt(utcMs: number, offsetMinutes: number): string {
  const d = new Date(utcMs + offsetMinutes * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  const zone =
    offsetMinutes === 0
      ? 'UTC'
      : `UTC${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offsetMinutes) / 60))}:${two(Math.abs(offsetMinutes) % 60)}`;
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} (${zone})`;
}

/** A fax number as people write it (`+49 30 1234567`), from its E.164 form. */
export function shownFaxNumber(e164: string): string {
  try {
    return parsePhoneNumberWithError(e164).formatInternational();
  } catch {
    return e164;
  }
}

/** Everything the cover page says, from the mail (the fonts and logo are added by the caller). */
export async function coverPageOf(
  mail: Pick<InboundMail, 'from' | 'date' | 'body' | 'recipientNames'>,
  input: {
    /** Each number faxed, with the address it came from. */
    recipients: { recipient: string; number: string }[];
    /** The subject with any options removed. */
    subject: string;
    receivedAt: Date;
    company?: string;
  },
): Promise<CoverPage> {
  const names = new Map(
    (mail.recipientNames ?? []).map((r) => [r.address.trim().toLowerCase(), r.name.trim()] as const),
  );
  const sender = mail.from[0] ?? { address: '', name: '' };
  return {
    to: input.recipients.map(({ recipient, number }) => {
      const name = names.get(recipient.trim().toLowerCase());
      return { number: shownFaxNumber(number), ...(name ? { name } : {}) };
    }),
    from: { address: sender.address, ...(sender.name.trim() ? { name: sender.name.trim() } : {}) },
    date: coverDate(mail.date, input.receivedAt),
    subject: input.subject.trim(),
    body: await coverBodyText(mail.body ?? {}),
    ...(input.company ? { company: input.company } : {}),
  };
}
