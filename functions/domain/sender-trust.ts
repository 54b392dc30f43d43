// Who may send (PRODUCT.md section 2, steps 1-4): only the header block SES prepends is evidence;
// anything the sender wrote into its own message, however SES-like, is not.

import { getDomain } from 'tldts';
import { type AuthResult, parseAuthenticationResults } from './authentication-results.ts';
import type { InboundMail } from './inbound-mail.ts';
import { ENCODED_WORD, headerValue } from './inbound-mail.ts';

export type { AuthResult } from './authentication-results.ts';
export { parseAuthenticationResults } from './authentication-results.ts';

export type DropReason =
  | 'no-ses-headers'
  | 'spam-verdict'
  | 'virus-verdict'
  | 'from-header'
  | 'not-authenticated';

export type TrustMethod = 'dmarc' | 'dkim' | 'spf';

export type TrustDecision =
  /** `sender` is one addr-spec, lower-case, its local part quoted where it must be. */
  | { kind: 'authenticated'; sender: string; method: TrustMethod }
  | { kind: 'drop'; reason: DropReason; detail: string };

type HeaderLine = { key: string; line: string };

// SES's own trace line: `Received: from ... by inbound-smtp.<region>.amazonaws.com with SMTP id ...`.
const SES_RECEIVED = /\bby\s+inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\b/i;
const SES_AUTHSERV_ID = 'amazonses.com';

// The headers SES prepends, in the order it writes them (as received mail shows them). Nothing SES
// writes comes twice or out of this order, and X-SES-DKIM-SIGNATURE (after X-SES-RECEIPT) is last.
const SES_BLOCK_ORDER = new Map(
  [
    'return-path',
    'received',
    'x-ses-spam-verdict',
    'x-ses-virus-verdict',
    'received-spf',
    'authentication-results',
    'x-ses-receipt',
    'x-ses-dkim-signature',
  ].map((key, rank) => [key, rank]),
);

/**
 * The headers SES prepended: from the top while each header is one SES writes, in SES's order, and
 * not a Received line of anyone else. So the block ends at the first non-SES Received, after
 * X-SES-RECEIPT (and X-SES-DKIM-SIGNATURE), and at any header SES would not write there: a
 * sender's own `X-SES-Spam-Verdict` directly below a block that lacks one is not SES's. One pass,
 * stopping at the block's end. Empty when the mail does not start with SES's block, or when that
 * block has no X-SES-RECEIPT (SES always writes one).
 */
export function sesHeaderBlock(headerLines: HeaderLine[]): HeaderLine[] {
  let rank = -1;
  let end = 0;
  let sesReceived = false;
  let receipt = false;
  for (const h of headerLines) {
    const next = SES_BLOCK_ORDER.get(h.key);
    if (next === undefined || next <= rank) break;
    if (h.key === 'received') {
      if (!SES_RECEIVED.test(h.line)) break;
      sesReceived = true;
    }
    if (h.key === 'x-ses-receipt') receipt = true;
    rank = next;
    end++;
  }
  // SES writes X-SES-RECEIPT on every mail it receives: a block without one is not SES's, and what
  // stands where its missing lines would be came from the sender.
  return sesReceived && receipt ? headerLines.slice(0, end) : [];
}

/**
 * The envelope recipient SES names in its own Received line (`... with SMTP id X for <rcpt>;`):
 * the address the mail was delivered to, which may be a Bcc that To and Cc do not show.
 */
export function sesEnvelopeRecipients(headerLines: HeaderLine[]): string[] {
  return sesHeaderBlock(headerLines)
    .filter((h) => h.key === 'received' && SES_RECEIVED.test(h.line))
    .flatMap((h) => {
      const rcpt = /\bwith\s+SMTP\s+id\s+\S+\s+for\s+<?([^\s<>;]+@[^\s<>;]+)>?\s*;/i.exec(h.line)?.[1];
      return rcpt ? [rcpt] : [];
    });
}

function inBlock(block: HeaderLine[], key: string): string | undefined {
  const found = block.find((h) => h.key === key);
  return found ? headerValue(found.line) : undefined;
}

export function assessSenderTrust(
  mail: Pick<InboundMail, 'headerLines' | 'from' | 'fromHeaderCount'>,
): TrustDecision {
  const block = sesHeaderBlock(mail.headerLines);
  if (block.length === 0) {
    return drop('no-ses-headers', 'the mail does not start with the header block SES adds on receipt');
  }
  for (const [key, reason] of [
    ['x-ses-spam-verdict', 'spam-verdict'],
    ['x-ses-virus-verdict', 'virus-verdict'],
  ] as const) {
    const verdict = inBlock(block, key);
    if (verdict?.toUpperCase() !== 'PASS') {
      return drop(reason, verdict === undefined ? `SES wrote no ${key} header` : `SES ${key} is ${verdict}`);
    }
  }
  const mailbox = mail.from[0];
  if (mail.fromHeaderCount !== 1 || mail.from.length !== 1 || !mailbox) {
    return drop(
      'from-header',
      `expected one From header with one address, found ${mail.fromHeaderCount} header(s) with ${mail.from.length} mailbox(es)`,
    );
  }
  const sender = writableMailbox(mailbox.address.toLowerCase());
  if (!sender) {
    return drop('from-header', 'the From address cannot be written back as one mailbox to reply to');
  }
  const fromLine = mail.headerLines.find((h) => h.key === 'from');
  const fromText = fromLine && structuredText(headerValue(fromLine.line)).toLowerCase();
  if (!fromText || !writtenInFrom(fromText, sender)) {
    return drop(
      'from-header',
      'the From header holds no address of its own (the one read came from a comment or an encoded word, or was changed in reading)',
    );
  }
  if (namesAnotherAddress(fromText, sender)) {
    return drop(
      'from-header',
      'the From header reads as more than one address (another address outside quotes and comments besides its mailbox)',
    );
  }
  const fromDomain = domainOf(sender) as string;

  const authValue = inBlock(block, 'authentication-results');
  const auth = authValue === undefined ? undefined : parseAuthenticationResults(authValue);
  if (!auth) return drop('not-authenticated', 'SES wrote no Authentication-Results');
  if ('error' in auth) {
    return drop('not-authenticated', `SES's Authentication-Results cannot be read (${auth.error})`);
  }
  if (auth.authservId !== SES_AUTHSERV_ID) {
    return drop(
      'not-authenticated',
      `the Authentication-Results in the SES block are not from ${SES_AUTHSERV_ID}`,
    );
  }
  const method = authenticatedBy(auth.results, fromDomain);
  if (method === 'dmarc-fail') {
    return drop('not-authenticated', `DMARC fails for ${fromDomain}`);
  }
  if (method) return { kind: 'authenticated', sender, method };
  const summary = auth.results
    .filter((r) => ['dmarc', 'dkim', 'spf'].includes(r.method))
    .map((r) => `${r.method}=${r.result}`)
    .join(' ');
  return drop(
    'not-authenticated',
    `no DMARC pass for ${fromDomain} and no DKIM or SPF pass aligned with it (${summary || 'no results'})`,
  );
}

/**
 * PRODUCT.md section 2 step 4 on parsed results. Each result speaks only for the domain it names
 * itself (DMARC's header.from, DKIM's header.d / header.i, SPF's smtp.mailfrom or SES's
 * envelope-from); a result naming no domain, or one property twice, counts for nobody. A failing
 * DMARC result for the From domain (or one naming no domain, or a header.from that is not a host
 * name) decides against the mail whatever else passed, and a DMARC pass counts only when no other
 * DMARC result for that domain disagrees.
 */
export function authenticatedBy(
  results: readonly AuthResult[],
  fromDomain: string,
): TrustMethod | 'dmarc-fail' | undefined {
  // A header.from that is not one host name (empty, `<example.com>`, two domains) names no domain.
  const fromDomainOf = (r: AuthResult) => {
    const named = r.props.get('header.from');
    return named === undefined ? undefined : domainOf(named);
  };
  const dmarc = results.filter((r) => {
    if (r.method !== 'dmarc') return false;
    const domain = fromDomainOf(r);
    return domain === undefined || r.conflicting.length > 0 || domain === fromDomain;
  });
  if (dmarc.some((r) => r.result === 'fail')) return 'dmarc-fail';
  const clean = (r: AuthResult) => r.result === 'pass' && r.conflicting.length === 0;
  if (dmarc.length > 0 && dmarc.every((r) => clean(r) && fromDomainOf(r) === fromDomain)) return 'dmarc';
  const allAligned = (domains: (string | undefined)[]) => {
    const named = domains.filter((d): d is string => d !== undefined);
    return named.length > 0 && named.every((d) => aligned(d, fromDomain));
  };
  const dkim = (r: AuthResult) => [r.props.get('header.d'), domainPart(r.props.get('header.i'))];
  if (results.some((r) => r.method === 'dkim' && clean(r) && allAligned(dkim(r)))) return 'dkim';
  const spf = (r: AuthResult) => [
    domainPart(r.props.get('smtp.mailfrom')),
    domainPart(r.props.get('envelope-from')),
  ];
  if (results.some((r) => r.method === 'spf' && clean(r) && allAligned(spf(r)))) return 'spf';
  return undefined;
}

/** The domain after an address's last `@` (`@example.com` too); undefined without an `@`. */
function domainPart(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const at = address.lastIndexOf('@');
  return at < 0 ? undefined : address.slice(at + 1).replace(/^<|>$/g, '');
}

function drop(reason: DropReason, detail: string): TrustDecision {
  return { kind: 'drop', reason, detail };
}

// ---- The sender's mailbox ----

const DOT_ATOM = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/i;
const QUOTED_LOCAL = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*)"$/;

/**
 * The From address written back as exactly one addr-spec, or undefined when that cannot be done.
 * The address parser hands a quoted local part back without its quotes (`"a,b"@evil.test` becomes
 * `a,b@evil.test`), which a composer would split into two recipients; here the local part (all
 * before the last `@`) is quoted again wherever it is not a dot-atom. Only printable ASCII is
 * kept (SES sends without SMTPUTF8), but not `<` or `>`, at most 64 characters, and the domain must
 * be a host name.
 */
export function writableMailbox(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  const domain = domainOf(address.slice(at + 1));
  if (!domain || domain.length > 253) return undefined;
  let local = address.slice(0, at);
  const quoted = QUOTED_LOCAL.exec(local);
  if (quoted) local = (quoted[1] as string).replace(/\\(.)/g, '$1');
  // A composer writes `<` and `>` in a local part as spaces: the reply would go to another mailbox.
  if (local.length === 0 || local.length > 64 || /[^\x20-\x7e]|[<>]/.test(local)) return undefined;
  return DOT_ATOM.test(local) ? `${local}@${domain}` : `"${local.replace(/(["\\])/g, '\\$1')}"@${domain}`;
}

// What may stand on either side of an addr-spec once comments and white space are gone.
const BEFORE_ADDRESS = new Set(['', '<', ',', ':', ';']);
const AFTER_ADDRESS = new Set(['', '>', ',', ';']);

/**
 * A structured header value without its comments, encoded words (never an address, nor a keyword)
 * and the white space outside quoted strings. Quoted strings stay as written (escapes included), so
 * a quoted local part can be found as such.
 */
export function structuredText(value: string): string {
  // Taken in runs, not a character at a time: a From with a name of 60,000 escaped quotes made
  // a string of each character (before the trust decision).
  const parts: string[] = [];
  const text = value.replace(ENCODED_WORD, ' ');
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const runs = c === '"' ? QUOTED_STRING : c === '(' ? undefined : /\s/.test(c as string) ? BLANKS : TEXT;
    if (runs === undefined) {
      i = commentEnd(text, i);
      continue;
    }
    runs.lastIndex = i;
    const run = runs.exec(text)?.[0] ?? (c as string);
    if (runs !== BLANKS) parts.push(run);
    i += run.length;
  }
  return parts.join('');
}

/** A quoted string as written, escapes included, to its closing quote or the end. */
const QUOTED_STRING = /"(?:[^"\\]+|\\[\s\S]?)*"?/y;
const BLANKS = /\s+/y;
/** Text outside quoted strings and comments, up to the next blank, quote or comment. */
const TEXT = /[^\s"(]+/y;
/** Inside a comment, up to the next escape or parenthesis. */
const COMMENT_TEXT = /[^\\()]+/y;

/** Where the comment (nested ones within) opened at `open` ends: past its `)`, or the end. */
function commentEnd(text: string, open: number): number {
  let depth = 1;
  let i = open + 1;
  while (i < text.length && depth > 0) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '(') {
      depth++;
      i++;
    } else if (c === ')') {
      depth--;
      i++;
    } else {
      COMMENT_TEXT.lastIndex = i;
      i += COMMENT_TEXT.exec(text)?.[0].length ?? 1;
    }
  }
  return i;
}

/**
 * Whether a From header value names an address other than `sender` outside comments, encoded words
 * and quoted strings: a header that reads as two addresses to someone (a group or display name
 * written as an address: `mallory@evil.test: alice@example.com;`) while the parser reads one, and
 * SES's DMARC may have judged the other. The same address written twice
 * (`alice@example.com <alice@example.com>`, as some devices write their From) is one. `fromText` is
 * the value's structuredText, lower-cased.
 */
function namesAnotherAddress(fromText: string, sender: string): boolean {
  const text = fromText.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const at = sender.lastIndexOf('@');
  const local = sender.slice(0, at);
  const domain = sender.slice(at + 1);
  return text.split(/[<>,:;]/).some((token) => {
    const sign = token.lastIndexOf('@');
    if (sign < 0) return false;
    // A quoted local part stands as "" here; writtenInFrom has checked it is the sender's own.
    const ownLocal = token.slice(0, sign) === local || token.slice(0, sign) === '""';
    return !ownLocal || token.slice(sign + 1).replace(/\.$/, '') !== domain;
  });
}

/**
 * Whether `sender` (the parsed From address as writableMailbox wrote it) stands in the From header
 * value as an address, outside comments and encoded words. The address parser makes a mailbox out
 * of a comment (`From: (alice@example.com)`) or a decoded encoded word when the header holds no
 * address, and silently changes some it reads (a NUL dropped from a quoted local part, spaces
 * trimmed, a source route taken as the local part): SES's DMARC judged the header as written, so a
 * mailbox the sender did not write is not one it vouched for. A dot-atom local part may be written
 * quoted (`"alice"@example.com`), and the domain with a trailing dot. `text` is the value's
 * structuredText, lower-cased.
 */
function writtenInFrom(text: string, sender: string): boolean {
  const at = sender.lastIndexOf('@');
  const local = sender.slice(0, at);
  const forms = [sender];
  if (!local.startsWith('"')) forms.push(`"${local}"${sender.slice(at)}`);
  return forms.some((form) => {
    for (let i = text.indexOf(form); i >= 0; i = text.indexOf(form, i + 1)) {
      let end = i + form.length;
      if (text[end] === '.' && AFTER_ADDRESS.has(text[end + 1] ?? '')) end++;
      if (BEFORE_ADDRESS.has(text[i - 1] ?? '') && AFTER_ADDRESS.has(text[end] ?? '')) return true;
    }
    return false;
  });
}

// ---- Domains ----

/** The domain of `local@domain`, `@domain` or a bare `domain`; lower-case, no trailing dot. */
export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  const domain = (at < 0 ? address : address.slice(at + 1)).trim().toLowerCase().replace(/\.$/, '');
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(domain) && domain.length > 0 ? domain : undefined;
}

/**
 * The organizational domain (RFC 7489 3.2) from the Public Suffix List, private entries included
 * (a `github.io` signature speaks for no `*.github.io` site). A TLD the list does not know (`.test`)
 * is a one-label public suffix, the list's default rule. Undefined for a public suffix itself.
 */
export function organizationalDomain(domain: string): string | undefined {
  const name = domainOf(domain);
  if (!name) return undefined;
  return getDomain(name, { allowPrivateDomains: true, extractHostname: false }) ?? undefined;
}

/**
 * Relaxed alignment (RFC 7489 3.1): the same organizational domain, or the very same name (a public
 * suffix aligns with itself only). `example.co.uk` and `co.uk` are not aligned; `bounces.partner.test`
 * and `mail.partner.test` are.
 */
export function aligned(a: string, b: string): boolean {
  const x = domainOf(a);
  const y = domainOf(b);
  if (!x || !y) return false;
  if (x === y) return true;
  const org = organizationalDomain(x);
  return org !== undefined && org === organizationalDomain(y);
}

// ---- Loop safety ----

type ReplySafetyMail = Pick<InboundMail, 'autoSubmitted'> & Partial<Pick<InboundMail, 'headerLines'>>;

/** A local part without its `+tag` subaddress, lower-case. */
function baseLocalPart(address: string): string {
  const local = address
    .slice(0, Math.max(0, address.lastIndexOf('@')))
    .trim()
    .toLowerCase();
  return local.replace(/^"|"$/g, '').replace(/\+.*$/, '');
}

/** Every value of a header (each instance), read as structuredText without its quotes, lower-case. */
function headerTokens(mail: ReplySafetyMail, key: string): string[] {
  return (mail.headerLines ?? [])
    .filter((h) => h.key === key)
    .map((h) => structuredText(headerValue(h.line)).replace(/"/g, '').toLowerCase());
}

/**
 * Why this mail could start a mail loop, or undefined: a bounce (MAILER-DAEMON, postmaster, SES's
 * null or MAILER-DAEMON Return-Path) or the gateway's own mail coming back. Such mail is dropped,
 * not even faxed.
 */
export function loopRisk(
  mail: ReplySafetyMail,
  sender: string,
  gatewayAddresses: { faxDomain: string; replyFrom: string },
): string | undefined {
  const address = sender.trim().toLowerCase();
  const local = baseLocalPart(address);
  if (['mailer-daemon', 'postmaster'].includes(local)) return `the sender is ${local}`;
  const domain = domainOf(address);
  const faxDomain = domainOf(gatewayAddresses.faxDomain);
  if (domain && faxDomain && (domain === faxDomain || domain.endsWith(`.${faxDomain}`))) {
    return 'the sender is in the fax domain';
  }
  if (address === gatewayAddresses.replyFrom.trim().toLowerCase())
    return "the sender is the gateway's reply address";
  // The first Return-Path is the one SES wrote: `<>` is the null sender of bounces and delivery
  // reports, whatever From says (Exchange's come from MicrosoftExchange...@ addresses), and some
  // mail servers send theirs from MAILER-DAEMON instead.
  const returnPath = mail.headerLines?.find((h) => h.key === 'return-path');
  if (returnPath) {
    const envelope = headerValue(returnPath.line);
    if (/^<\s*>$/.test(envelope)) return 'the sender is the null sender (<>) of bounces and delivery reports';
    if (baseLocalPart(envelope.replace(/^<|>$/g, '')) === 'mailer-daemon') {
      return 'the envelope sender is MAILER-DAEMON, which sends bounces';
    }
  }
  return undefined;
}

/** Headers only mailing-list software writes (RFC 2369, RFC 2919, ezmlm's and SmartList's own). */
const LIST_HEADERS = new Map([
  ['list-id', 'List-Id'],
  ['list-unsubscribe', 'List-Unsubscribe'],
  ['list-subscribe', 'List-Subscribe'],
  ['list-post', 'List-Post'],
  ['list-help', 'List-Help'],
  ['list-owner', 'List-Owner'],
  ['list-archive', 'List-Archive'],
  ['mailing-list', 'Mailing-List'],
  ['x-mailing-list', 'X-Mailing-List'],
]);

/** Local parts reserved for mailing-list software, not answered (RFC 5230 section 4.6). */
function listSoftwareAddress(local: string): boolean {
  return (
    ['listserv', 'majordomo'].includes(local) ||
    local.startsWith('owner-') ||
    local.endsWith('-request') ||
    local.endsWith('-bounces')
  );
}

/**
 * Why no reply may be sent to this mail, or undefined when replying is safe: a loop risk (checked
 * first: a bounce carries Auto-Submitted too, RFC 3464/3834, which must not hide that it is a
 * bounce), any Auto-Submitted other than `no`, an empty one included (RFC 3834), mailing-list mail
 * (any RFC 2369 / 2919 list header), list software's own addresses, or bulk/list/junk precedence.
 * Every instance of a header counts, read without its comments and quotes.
 */
export function isAutoReplyUnsafe(
  mail: ReplySafetyMail,
  sender: string,
  gatewayAddresses: { faxDomain: string; replyFrom: string },
): string | undefined {
  const loop = loopRisk(mail, sender, gatewayAddresses);
  if (loop) return loop;
  // As the parser read the first (encoded words decoded), and every instance as written.
  const autoSubmitted = [
    ...(mail.autoSubmitted === undefined ? [] : [mail.autoSubmitted.trim().toLowerCase()]),
    ...headerTokens(mail, 'auto-submitted'),
  ];
  for (const value of autoSubmitted) {
    const keyword = value.split(';')[0]?.trim() ?? '';
    if (keyword !== 'no') return `the mail is Auto-Submitted: ${keyword || '(empty)'}`;
  }
  // Mailing-list mail is never answered, RFC 3834 section 2.
  const list = mail.headerLines?.find((h) => LIST_HEADERS.has(h.key));
  if (list) return `the mail is mailing-list mail (it has ${LIST_HEADERS.get(list.key)})`;
  const local = baseLocalPart(sender);
  if (listSoftwareAddress(local)) return `the sender ${local}@ is mailing-list software`;
  const precedence = headerTokens(mail, 'precedence').find((p) => ['bulk', 'junk', 'list'].includes(p));
  if (precedence) return `the mail has Precedence: ${precedence}`;
  return undefined;
}
