import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkDestination,
  costlyKindOf,
  faxNumbersFromRecipients,
  normaliseFaxNumber,
} from '../../functions/domain/fax-numbers.ts';
import { FIXTURE_FAX_DOMAIN, fixtureMail } from './fixture-mail.ts';

const policy = { faxDomain: FIXTURE_FAX_DOMAIN, allowedPrefixes: [], blockedPrefixes: [] };

describe('normaliseFaxNumber', () => {
  it.each([
    ['+4930123456', '+4930123456'],
    ['004930123456', '+4930123456'],
    ['4930123456', '+4930123456'],
    ['+49 30 123456', '+4930123456'],
    ['+49 (30) 123-456', '+4930123456'],
    ['+49.30.12.34.56', '+4930123456'],
    ['"+49 30 123456"', '+4930123456'],
    ['0049-30-123456', '+4930123456'],
    ['+1 (212) 555-0100', '+12125550100'],
    ['1.212.555.0100', '+12125550100'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+33 1 42 68 53 00', '+33142685300'],
    ['+41 44 668 18 00', '+41446681800'],
    ['+43 1 9876543', '+4319876543'],
    ['+39 01234567', '+3901234567'],
    // Issue 13: the slash, common in German numbers.
    ['+49/30/123456', '+4930123456'],
    ['+49 30/12 34 56', '+4930123456'],
  ])('%s is %s', (written, e164) => {
    expect(normaliseFaxNumber(written)).toEqual({ ok: true, number: e164 });
  });

  it('dials a national number in the default country', () => {
    expect(normaliseFaxNumber('030 123456', 'DE')).toEqual({ ok: true, number: '+4930123456' });
    expect(normaliseFaxNumber('(030) 123-456', 'de')).toEqual({ ok: true, number: '+4930123456' });
    expect(normaliseFaxNumber('020 7946 0958', 'GB')).toEqual({ ok: true, number: '+442079460958' });
    expect(normaliseFaxNumber('01 42 68 53 00', 'FR')).toEqual({ ok: true, number: '+33142685300' });
    expect(normaliseFaxNumber('030/123456', 'DE')).toEqual({ ok: true, number: '+4930123456' });
  });

  it('rejects a national number without a default country, showing the international form', () => {
    const result = normaliseFaxNumber('030 123456');
    expect(result).toMatchObject({ ok: false, problem: 'national-without-country' });
    if (!result.ok) {
      expect(result.detail).toContain('+<country code>30123456');
      expect(result.detail).toContain('+4930123456');
    }
  });

  it.each([
    ['12', 'invalid'],
    ['+4930', 'invalid'],
    ['+999123456', 'invalid'],
    ['+1800555019', 'invalid'],
    ['00', 'invalid'],
    ['+', 'not-a-number'],
    ['', 'not-a-number'],
    ['fax', 'not-a-number'],
    ['john.doe', 'not-a-number'],
    ['+49 30 123456 ext 7', 'not-a-number'],
    ['+49+30123456', 'not-a-number'],
    ['030/123456', 'national-without-country'],
    ['+49\\30\\123456', 'not-a-number'],
    ['+49_30_123456', 'not-a-number'],
  ])('%s is %s', (written, problem) => {
    const result = normaliseFaxNumber(written);
    expect(result).toMatchObject({ ok: false, problem });
    if (!result.ok) expect(result.detail).toMatch(/\w/);
  });

  it('names the separators it accepts when a number holds something else', () => {
    const result = normaliseFaxNumber('+49_30_123456');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.detail).toContain('spaces, dashes (-), dots (.), slashes (/) and parentheses');
      expect(result.detail).not.toMatch(/digits only/);
    }
  });

  it('names the number in the detail of an invalid one', () => {
    const result = normaliseFaxNumber('+49 30');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.detail).toContain('+49 30');
  });
});

describe('faxNumbersFromRecipients', () => {
  it('takes only the fax domain (case-insensitive), de-duplicates after normalisation, keeps order', () => {
    const result = faxNumbersFromRecipients(
      [
        `+4930123456@${FIXTURE_FAX_DOMAIN}`,
        'erika@example.com',
        `0049 30 123456@FAX.Example.ORG`,
        `"+44 20 7946 0958"@${FIXTURE_FAX_DOMAIN}`,
        `+4930123456@${FIXTURE_FAX_DOMAIN}.`,
        `+4930123456@other.${FIXTURE_FAX_DOMAIN}`,
        `12@${FIXTURE_FAX_DOMAIN}`,
        `12@${FIXTURE_FAX_DOMAIN}`,
      ],
      policy,
    );
    expect(result.accepted).toEqual([
      { recipient: `+4930123456@${FIXTURE_FAX_DOMAIN}`, number: '+4930123456' },
      { recipient: `"+44 20 7946 0958"@${FIXTURE_FAX_DOMAIN}`, number: '+442079460958' },
    ]);
    expect(result.rejected).toEqual([
      {
        recipient: `12@${FIXTURE_FAX_DOMAIN}`,
        localPart: '12',
        problem: 'invalid',
        detail: expect.any(String),
      },
    ]);
  });

  it('stops reading numbers past the most a mail may fax to, and counts the fax addresses it did not read', () => {
    const recipients = [
      'erika@example.com',
      ...Array.from(
        { length: 1_000 },
        (_, i) => `+4930555${String(i).padStart(4, '0')}@${FIXTURE_FAX_DOMAIN}`,
      ),
      'max@example.com',
    ];
    const result = faxNumbersFromRecipients(recipients, policy, { stopAfter: 10 });
    expect(result.accepted.map((a) => a.number)).toEqual(
      Array.from({ length: 11 }, (_, i) => `+4930555${String(i).padStart(4, '0')}`),
    );
    expect(result.unread).toBe(989);
    // Duplicates and refused numbers are read as before, and do not count towards the stop.
    const mixed = faxNumbersFromRecipients(
      [
        `12@${FIXTURE_FAX_DOMAIN}`,
        `+4930123456@${FIXTURE_FAX_DOMAIN}`,
        `0049 30 123456@${FIXTURE_FAX_DOMAIN}`,
      ],
      policy,
      { stopAfter: 1 },
    );
    expect(mixed).toMatchObject({
      accepted: [{ number: '+4930123456' }],
      rejected: [{ localPart: '12' }],
      unread: 0,
    });
  });

  it('reads a quoted local part with an @ in it by the last @', () => {
    const result = faxNumbersFromRecipients([`"fax@home"@${FIXTURE_FAX_DOMAIN}`], policy);
    expect(result.rejected).toMatchObject([{ localPart: 'fax@home', problem: 'not-a-number' }]);
  });

  it('applies allowed prefixes, then blocked prefixes', () => {
    const rules = { ...policy, allowedPrefixes: ['+49', '0044'], blockedPrefixes: ['+49 900', '+4919'] };
    const result = faxNumbersFromRecipients(
      ['+4930123456', '+442079460958', '+33142685300', '+499001234567', '+4919123456'].map(
        (n) => `${n}@${FIXTURE_FAX_DOMAIN}`,
      ),
      rules,
    );
    expect(result.accepted.map((a) => a.number)).toEqual(['+4930123456', '+442079460958']);
    expect(result.rejected.map((r) => [r.localPart, r.problem])).toEqual([
      ['+33142685300', 'not-allowed-destination'],
      ['+499001234567', 'blocked-destination'],
      ['+4919123456', 'invalid'],
    ]);
    expect(result.rejected[0]?.detail).toContain('+49, +44');
  });

  // Issue 11 item 13: premium-rate, shared-cost, personal and global-service numbers cost far
  // more than a fax; an unconfigured gateway refuses them, naming the rule.
  it.each([
    ['+19005550123', 'premium-rate'],
    ['+449091234567', 'premium-rate'],
    ['+33891234567', 'premium-rate'],
    ['+491371234567', 'shared-cost'],
    ['+4918012345678', 'shared-cost'],
    ['+4970012345678', 'personal-number'],
    ['+447012345678', 'personal-number'],
    ['+881631234567', 'global-service'],
    ['+870773111632', 'global-service'],
    ['+80012345678', 'global-service'],
    ['+979123456789', 'global-service'],
  ])('refuses %s (%s) by default, and faxes it once its kind is allowed', (number, kind) => {
    const refused = faxNumbersFromRecipients([`${number}@${FIXTURE_FAX_DOMAIN}`], policy);
    expect(refused.accepted).toEqual([]);
    expect(refused.rejected).toMatchObject([{ problem: 'costly-number' }]);
    expect(refused.rejected[0]?.detail).toContain(`does not fax ${kind} numbers`);
    expect(refused.rejected[0]?.detail).toContain('ALLOW_NUMBER_TYPES');
    const allowed = faxNumbersFromRecipients([`${number}@${FIXTURE_FAX_DOMAIN}`], {
      ...policy,
      allowedNumberTypes: [kind],
    });
    expect(allowed.accepted.map((a) => a.number)).toEqual([number]);
  });

  it('faxes ordinary numbers: fixed line, mobile, toll-free', () => {
    for (const number of [
      '+4930123456',
      '+4915112345678',
      '+498001234567',
      '+12125550100',
      '+442079460958',
    ]) {
      expect(checkDestination(number, policy), number).toEqual({ ok: true, number });
      expect(costlyKindOf(number), number).toBeUndefined();
    }
  });

  it('decides each recipient as normalising and then checking its number alone would', () => {
    // The recipient rules read a number's costly kind from the parse that validated it; this holds
    // them to the two public steps, for valid, invalid, national and costly numbers alike.
    const written = [
      '+4930123456',
      '030123456',
      '+49301',
      '+19005550123',
      '+441632960961',
      '+447700900123',
      '+491371234567',
      '+881631234567',
      '+870773111111',
      '+70123',
      '+12125550100',
      '+448449000000',
      '+33890123456',
    ];
    for (const allowedNumberTypes of [[], ['premium-rate'], ['shared-cost', 'global-service']]) {
      const rules = { ...policy, defaultCountry: 'DE', allowedNumberTypes };
      for (const w of written) {
        const normalised = normaliseFaxNumber(w, 'DE');
        const expected = normalised.ok ? checkDestination(normalised.number, rules) : normalised;
        const { accepted, rejected } = faxNumbersFromRecipients([`${w}@${FIXTURE_FAX_DOMAIN}`], rules);
        const decided = expected.ok
          ? accepted.map((a) => a.number)
          : rejected.map((r) => ({ problem: r.problem, detail: r.detail }));
        expect(decided, w).toEqual(
          expected.ok ? [expected.number] : [{ problem: expected.problem, detail: expected.detail }],
        );
        expect(accepted.length + rejected.length, w).toBe(1);
      }
    }
  });

  it('allows one costly kind without the others', () => {
    const rules = { ...policy, allowedNumberTypes: ['shared-cost'] };
    expect(checkDestination('+491371234567', rules).ok).toBe(true);
    expect(checkDestination('+19005550123', rules)).toMatchObject({ ok: false, problem: 'costly-number' });
    expect(checkDestination('+881631234567', rules)).toMatchObject({ ok: false, problem: 'costly-number' });
  });

  it('uses the default country for national numbers', () => {
    const result = faxNumbersFromRecipients(
      [`030123456@${FIXTURE_FAX_DOMAIN}`, `+4930123456@${FIXTURE_FAX_DOMAIN}`],
      {
        ...policy,
        defaultCountry: 'DE',
      },
    );
    expect(result.accepted).toEqual([
      { recipient: `030123456@${FIXTURE_FAX_DOMAIN}`, number: '+4930123456' },
    ]);
  });
});

describe('numbers of the mail fixtures', () => {
  const numbersOf = async (
    name: string,
    extra: Partial<typeof policy> & { defaultCountry?: string } = {},
  ) => {
    const mail = await fixtureMail(name);
    return faxNumbersFromRecipients([...mail.to, ...mail.cc], { ...policy, ...extra });
  };

  it('Gmail: To and Cc, quoted local part, the same number twice, a person ignored', async () => {
    const result = await numbersOf('gmail-octet-stream-several-recipients');
    expect(result.accepted.map((a) => a.number)).toEqual(['+4930123456', '+442079460958', '+12125550100']);
    expect(result.rejected).toEqual([]);
  });

  it('Thunderbird: quoted local part with spaces', async () => {
    expect((await numbersOf('thunderbird-rfc2231-filename')).accepted.map((a) => a.number)).toEqual([
      '+33142685300',
    ]);
  });

  it('more than ten recipients: twelve distinct numbers, the duplicate dropped, the bad ones rejected', async () => {
    const result = await numbersOf('more-than-ten-recipients');
    expect(result.accepted).toHaveLength(12);
    expect(new Set(result.accepted.map((a) => a.number)).size).toBe(12);
    expect(result.rejected.map((r) => [r.localPart, r.problem])).toEqual([
      ['12', 'invalid'],
      ['030123456', 'national-without-country'],
    ]);
    const withCountry = await numbersOf('more-than-ten-recipients', { defaultCountry: 'DE' });
    expect(withCountry.accepted).toHaveLength(12);
    expect(withCountry.rejected.map((r) => r.localPart)).toEqual(['12']);
  });

  it('an apple mail 00 number', async () => {
    expect((await numbersOf('apple-mail-inline-pdf')).accepted.map((a) => a.number)).toEqual(['+4930123456']);
  });
});

// ---- Properties ----

// Valid fax numbers of several countries, as national significant numbers with their codes.
const KNOWN = [
  { cc: '49', nsn: '30123456', country: 'DE' },
  { cc: '49', nsn: '8912345678', country: 'DE' },
  { cc: '44', nsn: '2079460958', country: 'GB' },
  { cc: '33', nsn: '142685300', country: 'FR' },
  { cc: '1', nsn: '2125550100', country: 'US' },
  { cc: '41', nsn: '446681800', country: 'CH' },
  { cc: '43', nsn: '19876543', country: 'AT' },
  { cc: '31', nsn: '201234567', country: 'NL' },
];
const separator = fc.constantFrom('', ' ', '-', '.', '/', '  ', ' - ', ' / ');

/** The digits split into random groups joined by random separators, maybe with parentheses. */
const grouped = (digits: string) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: digits.length }), { maxLength: 4 }),
      fc.array(separator, { minLength: 5, maxLength: 5 }),
      fc.boolean(),
    )
    .map(([cuts, seps, parens]) => {
      const points = [...new Set(cuts)].filter((c) => c < digits.length).sort((a, b) => a - b);
      const groups: string[] = [];
      let start = 0;
      for (const point of [...points, digits.length]) {
        groups.push(digits.slice(start, point));
        start = point;
      }
      const [first = '', ...rest] = groups;
      const head = parens && rest.length > 0 ? `(${first})` : first;
      return [head, ...rest].map((g, i) => (i === 0 ? g : `${seps[i % seps.length]}${g}`)).join('');
    });

describe('properties', () => {
  it('every way of writing the same number normalises to the same E.164', () => {
    const writing = fc.constantFrom(...KNOWN).chain((known) => {
      // International: +, 00 or nothing, the country code, then the grouped national number.
      const international = fc
        .tuple(fc.constantFrom('+', '00', ''), separator, grouped(known.nsn))
        .map(([prefix, sep, rest]) => ({
          known,
          text: `${prefix}${known.cc}${sep}${rest}`,
          country: undefined,
        }));
      // National: a leading 0 dialled in the default country (not in the NANP, which has no 0 prefix).
      const national = grouped(`0${known.nsn}`).map((text) => ({ known, text, country: known.country }));
      return known.cc === '1' ? international : fc.oneof(international, national);
    });
    fc.assert(
      fc.property(writing, ({ known, text, country }) => {
        expect(normaliseFaxNumber(text, country)).toEqual({ ok: true, number: `+${known.cc}${known.nsn}` });
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, and every accepted number is E.164', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.stringMatching(/^[+0-9 ().-]{0,30}$/),
      fc.stringMatching(/^"?[+0-9 ()]{0,20}"?$/),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    fc.assert(
      fc.property(anyText, fc.constantFrom(undefined, 'DE', 'US', 'XX', 'de'), (text, country) => {
        const result = normaliseFaxNumber(text, country);
        if (result.ok) expect(result.number).toMatch(/^\+[1-9][0-9]{1,14}$/);
        else expect(result.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('recipient lists never throw and never accept a number twice', () => {
    const recipient = fc.oneof(
      fc.stringMatching(/^[+0-9 ().-]{1,20}$/).map((n) => `${n}@${FIXTURE_FAX_DOMAIN}`),
      fc.string({ maxLength: 30 }),
      fc.constantFrom('+4930123456@fax.example.org', '004930123456@FAX.EXAMPLE.ORG', 'a@example.com'),
    );
    fc.assert(
      fc.property(fc.array(recipient, { maxLength: 30 }), (recipients) => {
        const result = faxNumbersFromRecipients(recipients, { ...policy, defaultCountry: 'DE' });
        const numbers = result.accepted.map((a) => a.number);
        expect(new Set(numbers).size).toBe(numbers.length);
      }),
      { numRuns: 300 },
    );
  });
});
