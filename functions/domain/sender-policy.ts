// Who may send faxes (PRODUCT.md section 2): the allowlist's entries are exact addresses
// (`alice@example.com`) or whole domains (`@example.com`), matched case-insensitively; a domain
// entry allows that domain only, not its subdomains. This module is the one place that knows what
// an entry looks like and what it allows; stores keep entries as this module writes them.
//
// An entry is taken exactly as written or refused: it is never rewritten into another one. Only
// the letter case is folded, and an internationalised domain is written in its ASCII form when
// that is the same domain spelled another way (a lossless round trip through punycode). Everything
// a URL or IDNA parser would quietly repair (`example.com/evil`, `:25`, `?x=1`, `%41`, full-width
// letters, an ideographic full stop, a trailing dot) is an error that says what to write instead.

import { domainToASCII, domainToUnicode } from 'node:url';
import { FaxgateError } from '../errors.ts';

/** An entry that is neither a plain address nor `@domain`. The message says what would be valid. */
export class InvalidSenderEntryError extends FaxgateError {}

export type SenderEntryCheck = { ok: true; entry: string } | { ok: false; problem: string };

// Dot-atom local parts (RFC 5322 atext), ASCII only; no quoted local parts, comments or IP
// literals, which no real sender on an allowlist needs and which would only widen what matches.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** What a domain may be written with before its conversion to ASCII: letters, digits, - and dots. */
const DOMAIN_CHARACTERS = /^[\p{L}\p{M}0-9.-]+$/u;
/** A domain IDNA leaves as it is (see asciiDomain). */
const PLAIN_DOMAIN = /^[a-z0-9.-]*\.[a-z]+$/;

const VALID_FORMS = 'use a full address such as alice@example.com, or @example.com for a whole domain';

function isAsciiDomain(domain: string): boolean {
  if (domain.length > 253) return false;
  const labels = domain.split('.');
  const tld = labels.at(-1) ?? '';
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && !/^\d+$/.test(tld);
}

/** The domain in the ASCII form it is stored and matched in, or why it is not a domain. */
function asciiDomain(domain: string): { ok: true; ascii: string } | { ok: false; problem: string } {
  if (domain === '') return { ok: false, problem: 'the domain is missing' };
  if (domain.startsWith('[')) return { ok: false, problem: 'IP address literals are not allowed' };
  if (domain.endsWith('.')) {
    return {
      ok: false,
      problem: `write the domain without its trailing dot (${domain.replace(/\.+$/, '')})`,
    };
  }
  // Lower-case letters, digits and hyphens, no punycode label and a last label of letters: IDNA
  // maps nothing in such a domain (WHATWG reads a last label that looks like a number as IPv4, so a
  // digit there takes the full path), and most senders' domains are written so.
  if (PLAIN_DOMAIN.test(domain) && !domain.includes('xn--')) {
    return isAsciiDomain(domain) ? { ok: true, ascii: domain } : notADomain(domain);
  }
  if (!DOMAIN_CHARACTERS.test(domain)) {
    return { ok: false, problem: `the domain "${domain}" may hold only letters, digits, hyphens and dots` };
  }
  const ascii = domainToASCII(domain);
  const unicode = domainToUnicode(ascii);
  // Lossless both ways: Unicode input must be exactly what its ASCII form spells, and ASCII input
  // (xn-- labels included) must already be that form. Anything IDNA would map is refused.
  const lossless =
    ascii !== '' &&
    domainToASCII(unicode) === ascii &&
    (/^[\x20-\x7e]*$/.test(domain) ? ascii === domain : unicode === domain);
  if (!lossless || !isAsciiDomain(ascii)) return notADomain(domain);
  return { ok: true, ascii };
}

function notADomain(domain: string): { ok: false; problem: string } {
  return { ok: false, problem: `"${domain}" is not a domain name with a dot, such as example.com` };
}

/** Checks an allowlist entry and writes it as stored: `Alice@Example.COM` -> `alice@example.com`. */
export function checkSenderEntry(input: string): SenderEntryCheck {
  const value = input.trim().toLowerCase();
  const refuse = (why: string): SenderEntryCheck => ({
    ok: false,
    problem: `"${input}" is not an email address or a domain: ${why}; ${VALID_FORMS}`,
  });
  if (value === '') return refuse('it is empty');
  if (/\s/.test(value)) return refuse('it contains white space');
  const at = value.indexOf('@');
  if (at === -1) {
    // A bare domain is probably meant as the whole domain, but allowing a domain must be explicit.
    if (asciiDomain(value).ok) {
      return {
        ok: false,
        problem: `"${input}" is a domain, not an address: write @${value} to allow the whole domain`,
      };
    }
    return refuse('it has no @');
  }
  if (value.indexOf('@', at + 1) !== -1) return refuse('it has more than one @');
  const local = value.slice(0, at);
  const domain = asciiDomain(value.slice(at + 1));
  if (!domain.ok) return refuse(domain.problem);
  if (local === '') return { ok: true, entry: `@${domain.ascii}` };
  if (local.length > 64 || !LOCAL_PART.test(local)) {
    return refuse(
      `the part before the @ ("${local}") may hold only ASCII letters, digits, dots (not two in a row, not at either end) and !#$%&'*+/=?^_\`{|}~-`,
    );
  }
  return { ok: true, entry: `${local}@${domain.ascii}` };
}

/** checkSenderEntry for callers that treat a bad entry as an error. */
export function normaliseSenderEntry(input: string): string {
  const checked = checkSenderEntry(input);
  if (!checked.ok) throw new InvalidSenderEntryError(checked.problem);
  return checked.entry;
}

/** True when `entry` is already in the form stores keep (so storing it rewrites nothing). */
export function isStoredSenderEntry(entry: string): boolean {
  const checked = checkSenderEntry(entry);
  return checked.ok && checked.entry === entry;
}

/**
 * The entries that would allow a sender's address: its exact entry and its domain's, in that
 * order. Undefined for anything that is not one plain address (it is allowed by nothing).
 */
export function senderLookupKeys(address: string): [exact: string, domain: string] | undefined {
  const checked = checkSenderEntry(address);
  if (!checked.ok || checked.entry.startsWith('@')) return undefined;
  return [checked.entry, checked.entry.slice(checked.entry.indexOf('@'))];
}

/** Whether a sender's address is allowed by one stored entry. */
export function senderMatches(address: string, entry: string): boolean {
  return senderLookupKeys(address)?.includes(entry) ?? false;
}
