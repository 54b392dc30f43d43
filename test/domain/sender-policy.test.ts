import { domainToASCII, domainToUnicode } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkSenderEntry,
  InvalidSenderEntryError,
  isStoredSenderEntry,
  normaliseSenderEntry,
  senderLookupKeys,
  senderMatches,
} from '../../functions/domain/sender-policy.ts';

describe('normaliseSenderEntry', () => {
  it.each([
    ['Alice@Example.COM', 'alice@example.com'],
    ['  bob.smith+fax@mail.example.co.uk ', 'bob.smith+fax@mail.example.co.uk'],
    ['@Example.com', '@example.com'],
    ['alice/evil@example.com', 'alice/evil@example.com'],
    // The same domain in its ASCII spelling, both ways round.
    ['@bücher.example', '@xn--bcher-kva.example'],
    ['@xn--bcher-kva.example', '@xn--bcher-kva.example'],
  ])('accepts %s as %s', (input, stored) => {
    expect(normaliseSenderEntry(input)).toBe(stored);
  });

  it.each([
    '',
    'alice',
    'alice@',
    'alice@localhost',
    '@',
    '@@example.com',
    'a b@example.com',
    'alice@exa_mple.com',
    'alice..x@example.com',
    '.alice@example.com',
    'alice.@example.com',
    '@-example.com',
    'alice@1.2.3.4',
    // WHATWG reads a last label that looks like a number as IPv4.
    'alice@example.123',
    'alice@example.0x1f',
    // Issue 11 item 14: what a URL or IDNA parser would repair into alice@example.com.
    'alice@example.com/evil',
    'alice@example.com:25',
    'alice@example.com?x=1',
    'alice@example.com#x',
    'alice@ex%41mple.com',
    'alice@example.com\\evil',
    'alice@ｅxample.com',
    'alice@example。com',
    'alice@example.com.',
    '@example.com.',
    'alice@[192.0.2.1]',
    'alice@[IPv6:2001:db8::1]',
    'alice@bob@example.com',
    '"alice"@example.com',
    'jörg@example.com',
    'alice@xn--zz-.example',
    'alice@example.com\u0000',
    'alice@exam\u200Bple.com',
  ])('refuses %j with a message that shows the valid forms', (input) => {
    expect(() => normaliseSenderEntry(input)).toThrow(InvalidSenderEntryError);
    expect(() => normaliseSenderEntry(input)).toThrow(/@example\.com/);
  });

  it('says what is wrong', () => {
    const problem = (input: string) => {
      const checked = checkSenderEntry(input);
      return checked.ok ? checked.entry : checked.problem;
    };
    expect(problem('alice@example.com/evil')).toMatch(/only letters, digits, hyphens and dots/);
    expect(problem('alice@example.com.')).toMatch(/without its trailing dot \(example\.com\)/);
    expect(problem('alice@[192.0.2.1]')).toMatch(/IP address literals/);
    expect(problem('a@b@example.com')).toMatch(/more than one @/);
    expect(problem('a b@example.com')).toMatch(/white space/);
    expect(problem('example.com')).toMatch(/write @example\.com/);
  });

  it('accepts every RFC 5322 dot-atom address, stores it lower-case, and is idempotent', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (address) => {
        const stored = normaliseSenderEntry(address);
        return stored === address.toLowerCase() && normaliseSenderEntry(stored.toUpperCase()) === stored;
      }),
      { numRuns: 500 },
    );
  });

  it('never turns an entry into another one: what it accepts is the input up to case and ASCII spelling', () => {
    const noise = fc.constantFrom(
      '/',
      ':',
      '?',
      '#',
      '%',
      '\\',
      '[',
      ']',
      ' ',
      '@',
      '.',
      '\u3002',
      '\uFF0E',
      '\u00AD',
    );
    fc.assert(
      fc.property(fc.emailAddress(), noise, fc.nat(), (address, char, where) => {
        const at = address.lastIndexOf('@');
        const domain = address.slice(at + 1);
        const position = at + 1 + (where % (domain.length + 1));
        const mangled = `${address.slice(0, position)}${char}${address.slice(position)}`;
        const checked = checkSenderEntry(mangled);
        // Either refused, or stored exactly as written (lower-cased, surrounding white space trimmed).
        return !checked.ok || checked.entry === mangled.trim().toLowerCase();
      }),
      { numRuns: 1000 },
    );
  });

  it('takes a domain of lower-case letters, digits, hyphens and dots exactly when IDNA leaves it as it is', () => {
    const label = fc
      .array(fc.constantFrom('a', 'z', '0', '9', '-', 'xn--', 'x', 'n'), { minLength: 0, maxLength: 8 })
      .map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), (labels) => {
        const domain = labels.join('.');
        // The rules in words: what IDNA maps, or what does not come back from Unicode as written,
        // is refused; two labels or more, each 1 to 63 letters, digits and hyphens, not starting or
        // ending with a hyphen, the last not all digits.
        const valid =
          domainToASCII(domain) === domain &&
          domainToASCII(domainToUnicode(domain)) === domain &&
          domain.length <= 253 &&
          labels.length >= 2 &&
          labels.every((l) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(l)) &&
          !/^\d+$/.test(labels.at(-1) ?? '');
        return checkSenderEntry(`alice@${domain}`).ok === valid;
      }),
      { numRuns: 3000 },
    );
  });

  it('asks for @ in front of a bare domain rather than guessing', () => {
    expect(() => normaliseSenderEntry('example.com')).toThrow(/write @example\.com/);
  });

  it('knows the stored form', () => {
    expect(isStoredSenderEntry('alice@example.com')).toBe(true);
    expect(isStoredSenderEntry('Alice@example.com')).toBe(false);
    expect(isStoredSenderEntry('@bücher.example')).toBe(false);
  });
});

describe('matching a sender', () => {
  it('looks up the exact address and its domain', () => {
    expect(senderLookupKeys('Alice@Example.com')).toEqual(['alice@example.com', '@example.com']);
    expect(senderLookupKeys('x@bücher.example')).toEqual([
      'x@xn--bcher-kva.example',
      '@xn--bcher-kva.example',
    ]);
  });

  it('matches an exact address or its whole domain, case-insensitively, and nothing else', () => {
    expect(senderMatches('ALICE@example.com', 'alice@example.com')).toBe(true);
    expect(senderMatches('bob@Example.com', '@example.com')).toBe(true);
    expect(senderMatches('bob@example.com', 'alice@example.com')).toBe(false);
    expect(senderMatches('x@sub.example.com', '@example.com')).toBe(false);
    expect(senderMatches('x@evilexample.com', '@example.com')).toBe(false);
    expect(senderMatches('x@example.com.evil.test', '@example.com')).toBe(false);
  });

  it('allows nothing that is not one plain address', () => {
    for (const address of [
      '@example.com',
      'not an address',
      '',
      'a@example.com/x',
      '"a@example.com"@evil.test',
    ]) {
      expect(senderLookupKeys(address), address).toBeUndefined();
    }
  });

  it('allows any address at an allowed domain and none at another, whatever the case', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.emailAddress(), (address, other) => {
        const domain = `@${address.slice(address.lastIndexOf('@') + 1).toLowerCase()}`;
        const otherDomain = `@${other.slice(other.lastIndexOf('@') + 1).toLowerCase()}`;
        return (
          senderMatches(address.toUpperCase(), domain) &&
          senderMatches(address, address.toLowerCase()) &&
          senderMatches(other, domain) === (otherDomain === domain)
        );
      }),
      { numRuns: 500 },
    );
  });
});
