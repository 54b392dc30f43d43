// Fax numbers from recipient addresses (PRODUCT.md section 3): `<number>@<fax domain>`, in whatever
// visual form people type, validated and written as E.164.

import type { CountryCode } from 'libphonenumber-js/max';
// The full metadata checks numbers against each country's number plan, not only their length, so a
// digit too many or too few is caught before a fax is paid for.
import { isSupportedCountry, ParseError, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { CostlyNumberKind } from './costly-numbers.ts';

export type NumberProblem =
  | 'not-a-number'
  | 'national-without-country'
  | 'invalid'
  | 'not-allowed-destination'
  | 'blocked-destination'
  | 'costly-number';

/** ITU-T E.164 country codes shared by global services (satellite, international networks and the like). */
const GLOBAL_SERVICES: Record<string, string> = {
  '800': 'an international freephone number (+800)',
  '808': 'an international shared-cost number (+808)',
  '870': 'an Inmarsat satellite number (+870)',
  '878': 'a universal personal telecommunications number (+878)',
  '881': 'a satellite phone number (Global Mobile Satellite System, +881)',
  '882': 'a number in an international network (+882)',
  '883': 'a number in an international network (+883)',
  '888': 'a number of the UN humanitarian telecommunications service (+888)',
  '979': 'an international premium-rate number (+979)',
  '991': 'a number in the international public telecommunications trial (+991)',
};

const KIND_WORDS: Record<Exclude<CostlyNumberKind, 'global-service'>, string> = {
  'premium-rate': 'a premium-rate number',
  'shared-cost': 'a shared-cost number',
  'personal-number': 'a personal number (forwarded at a premium)',
};

export interface RecipientNumbers {
  accepted: { recipient: string; number: string }[];
  rejected: { recipient: string; localPart: string; problem: NumberProblem; detail: string }[];
  /** Addresses in the fax domain left unread once more numbers than `stopAfter` were accepted. */
  unread: number;
}

export type NormalisedNumber =
  | { ok: true; number: string }
  | { ok: false; problem: NumberProblem; detail: string };

export interface NumberPolicy {
  faxDomain: string;
  defaultCountry?: string;
  allowedPrefixes: readonly string[];
  blockedPrefixes: readonly string[];
  /** Costly kinds an administrator allows; none unless given. */
  allowedNumberTypes?: readonly string[];
}

/** What may stand between the digits: `+49 (30) 123-456`, `+49.30.123456`, `030/123456`. */
const SEPARATORS = /[-.() /]/g;
const SEPARATOR_WORDS = 'spaces, dashes (-), dots (.), slashes (/) and parentheses';

/** Reads one local part as a fax number: separators removed, `+`/`00`/leading 1-9 international. */
export function normaliseFaxNumber(localPart: string, defaultCountry?: string): NormalisedNumber {
  const read = readFaxNumber(localPart, defaultCountry);
  return read.ok ? { ok: true, number: read.number } : read;
}

function readFaxNumber(localPart: string, defaultCountry?: string): ReadNumber {
  const written = unquoteLocalPart(localPart).trim();
  const compact = written.replace(SEPARATORS, '');
  if (!/^\+?[0-9]+$/.test(compact)) {
    return {
      ok: false,
      problem: 'not-a-number',
      detail: `"${written}" is not a fax number: write its digits, starting with + and the country code (for example +49 30 123456); ${SEPARATOR_WORDS} may separate them`,
    };
  }
  let international: string;
  if (compact.startsWith('+')) international = compact;
  else if (compact.startsWith('00')) international = `+${compact.slice(2)}`;
  else if (compact.startsWith('0')) {
    const country = defaultCountry?.toUpperCase();
    if (!country || !isSupportedCountry(country)) {
      return {
        ok: false,
        problem: 'national-without-country',
        detail:
          `${written} is a national number, and this gateway has no default country to dial it in: ` +
          `write it in international form, + and the country code without the leading 0 ` +
          `(+<country code>${compact.slice(1)}; for example 030 123456 in Germany is +4930123456)`,
      };
    }
    return validated(written, () => parsePhoneNumberWithError(compact, country as CountryCode));
  } else international = `+${compact}`;
  return validated(written, () => parsePhoneNumberWithError(international));
}

type PhoneNumber = ReturnType<typeof parsePhoneNumberWithError>;

/** A valid number with its costly kind, when it has one, read from the one parse that validated it. */
type ReadNumber = NormalisedNumber & { costly?: CostlyKind };

interface CostlyKind {
  kind: CostlyNumberKind;
  words: string;
}

function validated(written: string, parse: () => PhoneNumber): ReadNumber {
  try {
    const phone = parse();
    // With the full metadata a number is valid exactly when it has a type, so the type that names the
    // costly kinds also validates it; isValid() (the same patterns again) only decides the rest.
    const type = phone.getType();
    if (type !== undefined || phone.isValid()) {
      const costly = costlyKindOfPhone(phone, type);
      return { ok: true, number: phone.number, ...(costly ? { costly } : {}) };
    }
    return {
      ok: false,
      problem: 'invalid',
      detail: `${written} is not a valid fax number (read as ${phone.number})`,
    };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const why: Record<string, string> = {
      INVALID_COUNTRY: 'the country code is unknown',
      TOO_SHORT: 'it is too short',
      TOO_LONG: 'it is too long',
      NOT_A_NUMBER: 'it is not a phone number',
      INVALID_LENGTH: 'it has the wrong number of digits',
    };
    return {
      ok: false,
      problem: 'invalid',
      detail: `${written} is not a valid fax number: ${why[error.message] ?? 'it could not be read'}`,
    };
  }
}

/** `"+49 30 123456"` -> `+49 30 123456`: a quoted local part as the address parser hands it over. */
function unquoteLocalPart(localPart: string): string {
  const trimmed = localPart.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1).replace(/\\(.)/g, '$1')
    : trimmed;
}

/** A configured prefix (`+49`, `0049`, `49`, `+1 900`) as an E.164 prefix. */
function e164Prefix(prefix: string): string {
  const compact = prefix.replace(SEPARATORS, '');
  if (compact.startsWith('+')) return compact;
  if (compact.startsWith('00')) return `+${compact.slice(2)}`;
  return `+${compact}`;
}

/** The costly kind of an E.164 number, with its words for the reply, if it is one. */
export function costlyKindOf(number: string): CostlyKind | undefined {
  let phone: PhoneNumber;
  try {
    phone = parsePhoneNumberWithError(number);
  } catch (error) {
    if (error instanceof ParseError) return undefined;
    throw error;
  }
  return costlyKindOfPhone(phone, phone.getType());
}

function costlyKindOfPhone(
  phone: PhoneNumber,
  type: ReturnType<PhoneNumber['getType']>,
): CostlyKind | undefined {
  const global = GLOBAL_SERVICES[phone.countryCallingCode];
  if (global) return { kind: 'global-service', words: global };
  const kind =
    type === 'PREMIUM_RATE'
      ? 'premium-rate'
      : type === 'SHARED_COST'
        ? 'shared-cost'
        : type === 'PERSONAL_NUMBER'
          ? 'personal-number'
          : undefined;
  return kind ? { kind, words: KIND_WORDS[kind] } : undefined;
}

/**
 * Applies destination rules: allowed prefixes (empty allows all), then blocked prefixes, then the
 * costly kinds of number (refused unless allowed), so an unconfigured gateway is safe.
 */
export function checkDestination(
  number: string,
  policy: Pick<NumberPolicy, 'allowedPrefixes' | 'blockedPrefixes' | 'allowedNumberTypes'>,
  /** The number's costly kind when the caller has already read it (readFaxNumber). */
  known?: { costly?: CostlyKind },
): NormalisedNumber {
  const allowed = policy.allowedPrefixes.map(e164Prefix).filter((p) => p.length > 1);
  if (allowed.length > 0 && !allowed.some((p) => number.startsWith(p))) {
    return {
      ok: false,
      problem: 'not-allowed-destination',
      detail: `${number} is not a destination this gateway faxes to (allowed: ${allowed.join(', ')})`,
    };
  }
  const blocked = policy.blockedPrefixes.map(e164Prefix).find((p) => p.length > 1 && number.startsWith(p));
  if (blocked) {
    return {
      ok: false,
      problem: 'blocked-destination',
      detail: `${number} is blocked on this gateway (numbers starting ${blocked} are not faxed)`,
    };
  }
  const costly = known ? known.costly : costlyKindOf(number);
  if (costly && !(policy.allowedNumberTypes ?? []).includes(costly.kind)) {
    return {
      ok: false,
      problem: 'costly-number',
      detail:
        `${number} is ${costly.words}, and this gateway does not fax ${costly.kind} numbers ` +
        `unless its administrator allows them (setting ALLOW_NUMBER_TYPES)`,
    };
  }
  return { ok: true, number };
}

/**
 * The fax numbers of a mail: To and Cc addresses in the fax domain (domain case-insensitive), in
 * order, de-duplicated after normalisation. Addresses in other domains are ignored. Past `stopAfter`
 * numbers accepted, the rest of the fax addresses are only counted: a mail to more numbers than it
 * may fax to is refused whatever they are, and reading each costs libphonenumber's parse and typing
 * (about 20 us: 2,000 of them were 12 times an ordinary mail).
 */
export function faxNumbersFromRecipients(
  recipients: string[],
  policy: NumberPolicy,
  { stopAfter = Number.POSITIVE_INFINITY }: { stopAfter?: number } = {},
): RecipientNumbers {
  const faxDomain = policy.faxDomain.trim().toLowerCase().replace(/\.$/, '');
  const result: RecipientNumbers = { accepted: [], rejected: [], unread: 0 };
  const seenNumbers = new Set<string>();
  const seenRejected = new Set<string>();
  for (const recipient of recipients) {
    // The last @ separates the domain: a quoted local part may itself contain one.
    const at = recipient.lastIndexOf('@');
    if (at <= 0) continue;
    const domain = recipient
      .slice(at + 1)
      .trim()
      .toLowerCase()
      .replace(/\.$/, '');
    if (domain !== faxDomain) continue;
    if (result.accepted.length > stopAfter) {
      result.unread++;
      continue;
    }
    const localPart = recipient.slice(0, at);
    const normalised = readFaxNumber(localPart, policy.defaultCountry);
    const decided = normalised.ok ? checkDestination(normalised.number, policy, normalised) : normalised;
    if (decided.ok) {
      if (seenNumbers.has(decided.number)) continue;
      seenNumbers.add(decided.number);
      result.accepted.push({ recipient, number: decided.number });
    } else {
      const key = normalised.ok ? normalised.number : unquoteLocalPart(localPart).replace(SEPARATORS, '');
      if (seenRejected.has(key)) continue;
      seenRejected.add(key);
      result.rejected.push({
        recipient,
        localPart: unquoteLocalPart(localPart),
        problem: decided.problem,
        detail: decided.detail,
      });
    }
  }
  return result;
}
