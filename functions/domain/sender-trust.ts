// Who may send (PRODUCT.md section 2, steps 1-4): only the header block SES prepends is evidence;
// anything the sender wrote into its own message, however SES-like, is not.

import type { InboundMail } from './inbound-mail.ts';
import { headerValue } from './inbound-mail.ts';

export type DropReason =
  | 'no-ses-headers'
  | 'spam-verdict'
  | 'virus-verdict'
  | 'from-header'
  | 'not-authenticated';

export type TrustDecision =
  | { kind: 'authenticated'; sender: string; method: 'dmarc' | 'dkim' | 'spf' }
  | { kind: 'drop'; reason: DropReason; detail: string };

type HeaderLine = { key: string; line: string };

// SES's own trace line: `Received: from ... by inbound-smtp.<region>.amazonaws.com with SMTP id ...`.
const SES_RECEIVED = /\bby\s+inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\b/i;
const SES_AUTHSERV_ID = 'amazonses.com';

/**
 * The headers SES prepended: from the top down to (not including) the first Received: that is not
 * SES's own. Empty when the mail does not start with SES's block.
 */
export function sesHeaderBlock(headerLines: HeaderLine[]): HeaderLine[] {
  const end = headerLines.findIndex((h) => h.key === 'received' && !SES_RECEIVED.test(h.line));
  const block = end < 0 ? headerLines : headerLines.slice(0, end);
  return block.some((h) => h.key === 'received') ? block : [];
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

/** The first occurrence within SES's block: SES writes its own before anything the sender wrote. */
function firstInBlock(block: HeaderLine[], key: string): string | undefined {
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
    const verdict = firstInBlock(block, key);
    if (verdict?.toUpperCase() !== 'PASS') {
      return drop(reason, verdict === undefined ? `SES wrote no ${key} header` : `SES ${key} is ${verdict}`);
    }
  }
  const mailbox = mail.from[0];
  if (mail.fromHeaderCount !== 1 || mail.from.length !== 1 || !mailbox || !domainOf(mailbox.address)) {
    return drop(
      'from-header',
      `expected one From header with one address, found ${mail.fromHeaderCount} header(s) with ${mail.from.length} mailbox(es)`,
    );
  }
  const sender = mailbox.address.toLowerCase();
  const fromDomain = domainOf(sender) as string;

  const authValue = firstInBlock(block, 'authentication-results');
  const auth = authValue === undefined ? undefined : parseAuthenticationResults(authValue);
  if (!auth || auth.authservId !== SES_AUTHSERV_ID) {
    return drop('not-authenticated', 'no Authentication-Results from amazonses.com in the SES block');
  }
  const passed = (method: string) => auth.results.filter((r) => r.method === method && r.result === 'pass');

  if (
    passed('dmarc').some((r) => !r.props['header.from'] || sameDomain(r.props['header.from'], fromDomain))
  ) {
    return { kind: 'authenticated', sender, method: 'dmarc' };
  }
  if (
    passed('dkim').some((r) => {
      const signer = r.props['header.d'] ?? domainOf(r.props['header.i'] ?? '');
      return signer !== undefined && aligned(signer, fromDomain);
    })
  ) {
    return { kind: 'authenticated', sender, method: 'dkim' };
  }
  const returnPath = firstInBlock(block, 'return-path');
  if (
    passed('spf').some((r) => {
      const envelope = r.props['smtp.mailfrom'] ?? r.envelopeFrom ?? returnPath ?? '';
      const domain = domainOf(envelope.replace(/^<|>$/g, ''));
      return domain !== undefined && aligned(domain, fromDomain);
    })
  ) {
    return { kind: 'authenticated', sender, method: 'spf' };
  }
  const summary = auth.results
    .filter((r) => ['dmarc', 'dkim', 'spf'].includes(r.method))
    .map((r) => `${r.method}=${r.result}`)
    .join(' ');
  return drop(
    'not-authenticated',
    `no DMARC pass and no DKIM or SPF pass aligned with ${fromDomain} (${summary || 'no results'})`,
  );
}

function drop(reason: DropReason, detail: string): TrustDecision {
  return { kind: 'drop', reason, detail };
}

// ---- Authentication-Results (RFC 8601) ----

export interface AuthResult {
  method: string;
  result: string;
  /** `ptype.property` -> value, e.g. `header.i` -> `@example.com`; the first of each. */
  props: Record<string, string>;
  /** SES writes the SPF envelope sender as a separate `envelope-from=` clause after `spf=`. */
  envelopeFrom?: string;
}

export interface AuthenticationResults {
  authservId: string;
  results: AuthResult[];
}

/** Parses an Authentication-Results value: comments, quoted strings and folding are handled. */
export function parseAuthenticationResults(value: string): AuthenticationResults {
  const segments = splitOutsideQuotes(withoutComments(value.replace(/\r?\n/g, ' ')), ';');
  const authservId = (segments.shift() ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const results: AuthResult[] = [];
  for (const segment of segments) {
    const pairs = [...segment.matchAll(/([A-Za-z0-9._/-]+)\s*=\s*((?:"(?:[^"\\]|\\.)*"|[^\s"])+)/g)].map(
      ([, name, raw]) => [(name ?? '').toLowerCase(), unquote(raw ?? '')] as const,
    );
    const [head, ...rest] = pairs;
    if (!head) continue; // `none` or an empty clause
    const method = head[0].split('/')[0] ?? '';
    const previous = results.at(-1);
    if (method === 'envelope-from' && previous?.method === 'spf') {
      previous.envelopeFrom ??= head[1];
      continue;
    }
    const props: Record<string, string> = {};
    for (const [name, propValue] of rest) {
      if (name.includes('.') && props[name] === undefined) props[name] = propValue;
    }
    results.push({ method, result: head[1].toLowerCase(), props });
  }
  return { authservId, results };
}

function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth === 0 && c === '"') quoted = !quoted;
    if (!quoted && c === '(') {
      depth++;
      continue;
    }
    if (!quoted && depth > 0 && c === ')') {
      depth--;
      if (depth === 0) out += ' ';
      continue;
    }
    if (depth === 0) out += c;
  }
  return out;
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && quoted) {
      current += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** Removes the quotes of quoted pieces (`"a;b"@example.com` -> `a;b@example.com`). */
function unquote(value: string): string {
  return value.replace(/"((?:[^"\\]|\\.)*)"/g, (_, inner: string) => inner.replace(/\\(.)/g, '$1'));
}

// ---- Domains ----

/** The domain of `local@domain`, `@domain` or a bare `domain`; lower-case, no trailing dot. */
export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  const domain = (at < 0 ? address : address.slice(at + 1)).trim().toLowerCase().replace(/\.$/, '');
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(domain) && domain.length > 0 ? domain : undefined;
}

function sameDomain(a: string, b: string): boolean {
  return domainOf(a) === domainOf(b);
}

/**
 * Relaxed alignment as parent/child: equal, or one is a subdomain of the other on a label boundary
 * (`evilexample.com` is not aligned with `example.com`). A bare top-level domain aligns with nothing.
 */
export function aligned(a: string, b: string): boolean {
  const x = domainOf(a);
  const y = domainOf(b);
  if (!x || !y) return false;
  if (x === y) return true;
  const [shorter, longer] = x.length < y.length ? [x, y] : [y, x];
  return shorter.includes('.') && longer.endsWith(`.${shorter}`);
}

// ---- Loop safety ----

type ReplySafetyMail = Pick<InboundMail, 'autoSubmitted'> & Partial<Pick<InboundMail, 'headerLines'>>;

/**
 * Why this mail could start a mail loop, or undefined: a bounce (MAILER-DAEMON, postmaster, SES's
 * null Return-Path) or the gateway's own mail coming back. Such mail is dropped, not even faxed.
 */
export function loopRisk(
  mail: ReplySafetyMail,
  sender: string,
  gatewayAddresses: { faxDomain: string; replyFrom: string },
): string | undefined {
  const address = sender.trim().toLowerCase();
  const local = address.slice(0, Math.max(0, address.lastIndexOf('@')));
  if (['mailer-daemon', 'postmaster'].includes(local)) return `the sender is ${local}`;
  const domain = domainOf(address);
  const faxDomain = domainOf(gatewayAddresses.faxDomain);
  if (domain && faxDomain && (domain === faxDomain || domain.endsWith(`.${faxDomain}`))) {
    return 'the sender is in the fax domain';
  }
  if (address === gatewayAddresses.replyFrom.trim().toLowerCase())
    return "the sender is the gateway's reply address";
  // The first Return-Path is the one SES wrote: `<>` is the null sender of bounces and delivery
  // reports, whatever From says (Exchange's come from MicrosoftExchange...@ addresses).
  const returnPath = mail.headerLines?.find((h) => h.key === 'return-path');
  if (returnPath && /^<\s*>$/.test(headerValue(returnPath.line))) {
    return 'the sender is the null sender (<>) of bounces and delivery reports';
  }
  return undefined;
}

/**
 * Why no reply may be sent to this mail, or undefined when replying is safe: a loop risk (checked
 * first: a bounce carries Auto-Submitted too, RFC 3464/3834, which must not hide that it is a
 * bounce), Auto-Submitted other than `no` (RFC 3834), or bulk/list precedence.
 */
export function isAutoReplyUnsafe(
  mail: ReplySafetyMail,
  sender: string,
  gatewayAddresses: { faxDomain: string; replyFrom: string },
): string | undefined {
  const loop = loopRisk(mail, sender, gatewayAddresses);
  if (loop) return loop;
  const autoSubmitted = mail.autoSubmitted?.split(';')[0]?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return `the mail is Auto-Submitted: ${autoSubmitted}`;
  const precedenceLine = mail.headerLines?.find((h) => h.key === 'precedence');
  const precedence = precedenceLine ? headerValue(precedenceLine.line).toLowerCase() : '';
  if (['bulk', 'junk', 'list'].includes(precedence)) return `the mail has Precedence: ${precedence}`;
  return undefined;
}
