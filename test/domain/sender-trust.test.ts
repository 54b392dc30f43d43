import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aligned,
  assessSenderTrust,
  isAutoReplyUnsafe,
  parseAuthenticationResults,
  sesHeaderBlock,
  type TrustDecision,
} from '../../functions/domain/sender-trust.ts';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';
import { stampAsSes } from '../../local/ses-inbound-smtp.ts';
import { buildSesMail, samplePdf, sesHeaderLines } from '../fixtures/mail-builder.ts';
import { FIXTURE_FAX_DOMAIN, fixtureMail, headerLinesOf } from './fixture-mail.ts';

const gateway = { faxDomain: FIXTURE_FAX_DOMAIN, replyFrom: `fax@${FIXTURE_FAX_DOMAIN}` };

describe('sender trust on the mail fixtures', () => {
  it.each([
    ['outlook-qp-body-signature-logo', 'j.mueller@example.com', 'dmarc'],
    ['apple-mail-inline-pdf', 'anna@example.net', 'dmarc'],
    ['gmail-octet-stream-several-recipients', 'max.example@gmail.example', 'dmarc'],
    ['thunderbird-rfc2231-filename', 'lena@example.org', 'dmarc'],
    ['scanner-mfp-spf-only', 'scanner@corp.example.com', 'spf'],
    ['aligned-dkim-parent-domain', 'billing@eu.example.com', 'dkim'],
    ['forwarded-message-rfc822', 'assistant@example.com', 'dmarc'],
  ])('%s is authenticated', async (name, sender, method) => {
    expect(assessSenderTrust(await fixtureMail(name))).toEqual({ kind: 'authenticated', sender, method });
  });

  it.each([
    ['no-ses-headers', 'no-ses-headers'],
    ['spam-verdict-fail', 'spam-verdict'],
    ['virus-verdict-fail', 'virus-verdict'],
    ['two-from-headers', 'from-header'],
    ['from-two-mailboxes', 'from-header'],
    ['unaligned-dkim', 'not-authenticated'],
    ['unaligned-spf', 'not-authenticated'],
    // A complete passing SES-like block written below the sender's own Received line.
    ['forged-ses-block-below', 'not-authenticated'],
    // Passing copies directly after SES's block (no own Received): SES's FAIL comes first.
    ['forged-ses-copies-no-received', 'spam-verdict'],
  ])('%s is dropped for %s', async (name, reason) => {
    const decision = assessSenderTrust(await fixtureMail(name));
    expect(decision).toMatchObject({ kind: 'drop', reason });
    if (decision.kind === 'drop') expect(decision.detail.length).toBeGreaterThan(10);
  });
});

// ---- Built header sets ----

const OWN_RECEIVED =
  'Received: from [10.0.0.7] (unknown [203.0.113.66]) by mail.example.com with ESMTPSA id 5Tz';

function sesLines(o: Partial<Parameters<typeof sesHeaderLines>[0]> = {}): string[] {
  // sesHeaderLines folds with separate lines; join continuations back into whole header strings.
  const folded = sesHeaderLines({
    envelopeFrom: 'alice@example.com',
    recipient: `+4930123456@${FIXTURE_FAX_DOMAIN}`,
    ...o,
  });
  const whole: string[] = [];
  for (const line of folded) {
    if (/^[ \t]/.test(line) && whole.length > 0) whole[whole.length - 1] += `\r\n${line}`;
    else whole.push(line);
  }
  return whole;
}

function trust(lines: string[], from = 'alice@example.com'): TrustDecision {
  const fromLines = lines.filter((l) => /^from:/i.test(l));
  return assessSenderTrust({
    headerLines: headerLinesOf(lines),
    from: fromLines.length ? [{ address: from, name: '' }] : [],
    fromHeaderCount: fromLines.length,
  });
}

const auth = (value: string) => ({ auth: `amazonses.com; ${value}` });

describe('the SES header block', () => {
  it('ends at the first Received line that is not SES own', () => {
    const lines = [...sesLines(), OWN_RECEIVED, 'X-SES-Spam-Verdict: PASS', 'From: alice@example.com'];
    const block = sesHeaderBlock(headerLinesOf(lines));
    expect(block.map((h) => h.key)).toEqual([
      'return-path',
      'received',
      'x-ses-spam-verdict',
      'x-ses-virus-verdict',
      'received-spf',
      'authentication-results',
      'x-ses-receipt',
      'x-ses-dkim-signature',
    ]);
  });

  it.each(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'eu-central-1'])('recognises SES in %s', (region) => {
    expect(trust([...sesLines({ region }), OWN_RECEIVED, 'From: alice@example.com'])).toMatchObject({
      kind: 'authenticated',
    });
  });

  it('is missing when another Received line comes first', () => {
    const lines = [OWN_RECEIVED, ...sesLines(), 'From: alice@example.com'];
    expect(trust(lines)).toMatchObject({ kind: 'drop', reason: 'no-ses-headers' });
  });

  it('is missing when there is no Received line at all', () => {
    const lines = ['X-SES-Spam-Verdict: PASS', 'X-SES-Virus-Verdict: PASS', 'From: alice@example.com'];
    expect(trust(lines)).toMatchObject({ kind: 'drop', reason: 'no-ses-headers' });
  });

  it('does not take a Received line that merely mentions SES in its from clause as SES own', () => {
    const fake = 'Received: from inbound-smtp.eu-west-1.amazonaws.com (evil [192.0.2.1]) by mx.evil.example';
    expect(trust([fake, ...sesLines(), 'From: alice@example.com'])).toMatchObject({
      reason: 'no-ses-headers',
    });
  });

  it('drops when SES wrote no verdict, even if the sender wrote one below', () => {
    const lines = sesLines().filter((l) => !l.startsWith('X-SES-Virus-Verdict'));
    const decision = trust([...lines, OWN_RECEIVED, 'X-SES-Virus-Verdict: PASS', 'From: alice@example.com']);
    expect(decision).toMatchObject({ kind: 'drop', reason: 'virus-verdict' });
  });

  it.each(['FAIL', 'GRAY', 'PROCESSING_FAILED', ''])('drops a spam verdict of "%s"', (spamVerdict) => {
    expect(trust([...sesLines({ spamVerdict }), OWN_RECEIVED, 'From: alice@example.com'])).toMatchObject({
      reason: 'spam-verdict',
    });
  });

  it('checks spam before virus and both before the From header', () => {
    const lines = [...sesLines({ spamVerdict: 'FAIL', virusVerdict: 'FAIL' }), OWN_RECEIVED];
    expect(trust(lines)).toMatchObject({ reason: 'spam-verdict' });
    expect(trust([...sesLines({ virusVerdict: 'FAIL' }), OWN_RECEIVED])).toMatchObject({
      reason: 'virus-verdict',
    });
    expect(trust([...sesLines(), OWN_RECEIVED])).toMatchObject({ reason: 'from-header' });
  });
});

describe('authentication', () => {
  const spfClause = (envelope: string, result = 'pass') =>
    `spf=${result} (spfCheck: domain of x designates 198.51.100.1 as permitted sender) client-ip=198.51.100.1; envelope-from=${envelope}; helo=mail.x;`;
  const decide = (value: string, from = 'alice@example.com', extra: string[] = []) =>
    trust([...sesLines(auth(value)), ...extra, OWN_RECEIVED, `From: ${from}`], from);

  it('accepts dmarc=pass', () => {
    expect(decide('spf=fail; dkim=none; dmarc=pass header.from=example.com;')).toEqual({
      kind: 'authenticated',
      sender: 'alice@example.com',
      method: 'dmarc',
    });
  });

  it('lower-cases the sender', () => {
    expect(decide('dmarc=pass header.from=example.com;', 'Alice.Smith@Example.COM')).toMatchObject({
      sender: 'alice.smith@example.com',
    });
  });

  it('does not accept a dmarc pass reported for another domain', () => {
    expect(decide('dkim=none; dmarc=pass header.from=other.example;')).toMatchObject({
      reason: 'not-authenticated',
    });
  });

  it.each([
    ['header.i=@example.com', 'alice@example.com'],
    ['header.d=example.com', 'alice@mail.example.com'],
    ['header.i=@mail.example.com', 'alice@example.com'],
    ['header.i=user@Example.Com', 'alice@example.com'],
  ])('accepts an aligned dkim=pass (%s for %s)', (prop, from) => {
    expect(decide(`spf=fail; dkim=pass ${prop}; dmarc=fail;`, from)).toMatchObject({ method: 'dkim' });
  });

  it.each([
    ['header.i=@evilexample.com'],
    ['header.d=example.com.evil.example'],
    ['header.d=com'],
    ['header.i=unknown'],
  ])('rejects an unaligned dkim=pass (%s)', (prop) => {
    expect(decide(`spf=fail; dkim=pass ${prop}; dmarc=fail;`)).toMatchObject({ reason: 'not-authenticated' });
  });

  it('takes any aligned pass among several dkim results', () => {
    const value =
      'dkim=pass header.i=@esp.example.net; dkim=fail header.i=@example.com; dkim=pass header.i=@example.com;';
    expect(decide(value)).toMatchObject({ method: 'dkim' });
    expect(decide('dkim=pass header.i=@esp.example.net; dkim=fail header.i=@example.com;')).toMatchObject({
      reason: 'not-authenticated',
    });
  });

  it('accepts an aligned spf=pass by smtp.mailfrom, by SES envelope-from, or by Return-Path', () => {
    expect(decide('spf=pass smtp.mailfrom=bounce@example.com; dkim=none; dmarc=none;')).toMatchObject({
      method: 'spf',
    });
    expect(decide(`${spfClause('bounce@mail.example.com')} dkim=none; dmarc=none;`)).toMatchObject({
      method: 'spf',
    });
    // No envelope in the result itself: the Return-Path SES wrote decides.
    expect(decide('spf=pass; dkim=none; dmarc=none;')).toMatchObject({ method: 'spf' });
  });

  it('rejects an unaligned spf=pass and a Return-Path the sender wrote', () => {
    expect(decide(`${spfClause('bounce@evilexample.com')} dkim=none; dmarc=none;`)).toMatchObject({
      reason: 'not-authenticated',
    });
    const lines = sesLines({ envelopeFrom: '', ...auth('spf=pass; dkim=none; dmarc=none;') });
    expect(
      trust([...lines, OWN_RECEIVED, 'Return-Path: <alice@example.com>', 'From: alice@example.com']),
    ).toMatchObject({ reason: 'not-authenticated' });
  });

  it('only believes Authentication-Results from amazonses.com', () => {
    const lines = sesLines({ auth: 'mx.google.com; dmarc=pass header.from=example.com;' });
    expect(trust([...lines, OWN_RECEIVED, 'From: alice@example.com'])).toMatchObject({
      reason: 'not-authenticated',
    });
    const amazonsesLookalike = sesLines({ auth: 'amazonses.com.evil.example; dmarc=pass;' });
    expect(trust([...amazonsesLookalike, OWN_RECEIVED, 'From: alice@example.com'])).toMatchObject({
      reason: 'not-authenticated',
    });
  });

  it('ignores Authentication-Results below the block', () => {
    const lines = [
      ...sesLines(auth('spf=fail; dkim=none; dmarc=fail;')),
      OWN_RECEIVED,
      'Authentication-Results: amazonses.com; dmarc=pass header.from=example.com',
      'From: alice@example.com',
    ];
    expect(trust(lines)).toMatchObject({ reason: 'not-authenticated' });
  });

  it('drops a From without a usable address', () => {
    const decision = assessSenderTrust({
      headerLines: headerLinesOf([...sesLines(), OWN_RECEIVED, 'From: undisclosed']),
      from: [{ address: '', name: 'undisclosed' }],
      fromHeaderCount: 1,
    });
    expect(decision).toMatchObject({ reason: 'from-header' });
  });

  it('works end to end through the parser on a built mail', async () => {
    const raw = await buildSesMail({
      from: 'Alice <alice@example.com>',
      to: `+4930123456@${FIXTURE_FAX_DOMAIN}`,
      pdfs: [{ filename: 'a.pdf', bytes: await samplePdf(1) }],
      auth: 'amazonses.com; spf=pass smtp.mailfrom=alice@example.com; dkim=none; dmarc=none;',
    });
    expect(assessSenderTrust(await parseInboundMail(raw))).toMatchObject({ method: 'spf' });
  });
});

describe('parseAuthenticationResults', () => {
  it('handles comments, nested comments, quoted values, folding and a version', () => {
    const parsed = parseAuthenticationResults(
      'amazonses.com 1 (the receiver; really);\r\n spf=pass (sender (nested) ok; x=y) smtp.mailfrom="a;b"@example.com;\r\n' +
        '\tdkim = pass (good) header.d=example.com header.s="s1";\r\n dkim=fail reason="bad; sig" header.i=@x.example; dmarc=none',
    );
    expect(parsed.authservId).toBe('amazonses.com');
    expect(parsed.results).toEqual([
      { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'a;b@example.com' } },
      { method: 'dkim', result: 'pass', props: { 'header.d': 'example.com', 'header.s': 's1' } },
      { method: 'dkim', result: 'fail', props: { 'header.i': '@x.example' } },
      { method: 'dmarc', result: 'none', props: {} },
    ]);
  });

  it('attaches SES envelope-from clause to the spf result', () => {
    const parsed = parseAuthenticationResults(
      'amazonses.com; spf=pass (spfCheck: x) client-ip=192.0.2.1; envelope-from=b@example.com; helo=h; dkim=none;',
    );
    expect(parsed.results.find((r) => r.method === 'spf')?.envelopeFrom).toBe('b@example.com');
  });

  it('reads `none` (no results) as no results', () => {
    expect(parseAuthenticationResults('amazonses.com; none')).toEqual({
      authservId: 'amazonses.com',
      results: [],
    });
  });
});

describe('alignment', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['EXAMPLE.com.', 'example.COM', true],
    ['mail.example.com', 'example.com', true],
    ['example.com', 'a.b.example.com', true],
    ['evilexample.com', 'example.com', false],
    ['example.com.evil.example', 'example.com', false],
    ['com', 'example.com', false],
    ['example.net', 'example.com', false],
    ['', 'example.com', false],
  ])('%s ~ %s is %s', (a, b, expected) => {
    expect(aligned(a, b)).toBe(expected);
  });
});

describe('isAutoReplyUnsafe', () => {
  const mail = (autoSubmitted?: string, precedence?: string) => ({
    autoSubmitted,
    headerLines: precedence ? [{ key: 'precedence', line: `Precedence: ${precedence}` }] : [],
  });

  it('allows a reply to a person', () => {
    expect(isAutoReplyUnsafe(mail(), 'alice@example.com', gateway)).toBeUndefined();
    expect(isAutoReplyUnsafe(mail('no'), 'alice@example.com', gateway)).toBeUndefined();
    expect(isAutoReplyUnsafe(mail(' No '), 'alice@example.com', gateway)).toBeUndefined();
  });

  it.each([
    [mail('auto-replied'), 'alice@example.com'],
    [mail('auto-generated; owner-email="x@example.com"'), 'alice@example.com'],
    [mail(undefined, 'bulk'), 'alice@example.com'],
    [mail(undefined, 'list'), 'alice@example.com'],
    [mail(), 'MAILER-DAEMON@example.com'],
    [mail(), 'postmaster@example.com'],
    [mail(), `fax@${FIXTURE_FAX_DOMAIN}`],
    [mail(), `+4930123456@FAX.example.org`],
    [mail(), `someone@sub.${FIXTURE_FAX_DOMAIN}`],
  ])('refuses %o from %s', (m, sender) => {
    expect(isAutoReplyUnsafe(m, sender, gateway)).toMatch(/\w/);
  });

  it("refuses the gateway's reply address in another domain, but not that domain", () => {
    const other = { faxDomain: FIXTURE_FAX_DOMAIN, replyFrom: 'Fax@Company.example' };
    expect(isAutoReplyUnsafe(mail(), 'fax@company.example', other)).toMatch(/reply address/);
    expect(isAutoReplyUnsafe(mail(), 'alice@company.example', other)).toBeUndefined();
  });

  it('refuses the out-of-office fixture', async () => {
    const ooo = await fixtureMail('auto-submitted-out-of-office');
    expect(isAutoReplyUnsafe(ooo, 'j.mueller@example.com', gateway)).toMatch(/auto-replied/);
  });
});

// ---- Properties: what the sender writes below SES's block never changes the decision ----

const forgedHeader = fc.constantFrom(
  'X-SES-Spam-Verdict: PASS',
  'X-SES-Virus-Verdict: PASS',
  'X-SES-Spam-Verdict: FAIL',
  'Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=alice@example.com; dkim=pass header.i=@example.com; dmarc=pass',
  'Authentication-Results: amazonses.com; dmarc=fail',
  'Received: from x (x [192.0.2.1]) by inbound-smtp.us-east-1.amazonaws.com with SMTP id forged',
  'Return-Path: <alice@example.com>',
  'Received-SPF: pass client-ip=192.0.2.1; envelope-from=alice@example.com;',
  'Received: from relay.evil.example by mx.evil.example',
);
const ownHeader = fc.constantFrom(
  'To: +4930123456@fax.example.org',
  'Subject: Fax',
  'Message-ID: <a@b>',
  'Date: Fri, 27 Nov 2026 12:30:00 +0100',
  'MIME-Version: 1.0',
  'DKIM-Signature: v=1; d=example.com; s=s1; b=abc',
);
const verdict = fc.constantFrom('PASS', 'FAIL', 'GRAY');
const authValue = fc.constantFrom(
  'spf=pass smtp.mailfrom=alice@example.com; dkim=none; dmarc=none;',
  'spf=fail; dkim=pass header.i=@example.com; dmarc=fail;',
  'spf=fail; dkim=pass header.i=@evilexample.com; dmarc=fail;',
  'spf=softfail; dkim=none; dmarc=fail;',
  'dmarc=pass header.from=example.com;',
);

function shuffled<T>(items: T[], keys: number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % Math.max(1, keys.length)] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.item);
}

describe('properties', () => {
  it('forged headers anywhere below the own Received line, in any order, never change the decision', () => {
    fc.assert(
      fc.property(
        verdict,
        verdict,
        authValue,
        fc.array(forgedHeader, { maxLength: 8 }),
        fc.array(ownHeader, { maxLength: 6 }),
        fc.array(fc.integer(), { minLength: 1, maxLength: 20 }),
        (spam, virus, value, forged, own, keys) => {
          const block = sesLines({ spamVerdict: spam, virusVerdict: virus, ...auth(value) });
          const reference = trust([...block, OWN_RECEIVED, ...own, 'From: alice@example.com']);
          const below = shuffled([...own, ...forged, 'From: alice@example.com'], keys);
          expect(trust([...block, OWN_RECEIVED, ...below])).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with no own Received line, forged copies after a complete SES block never change the decision', () => {
    const noReceived = forgedHeader.filter((h) => !h.startsWith('Received:'));
    fc.assert(
      fc.property(
        verdict,
        verdict,
        authValue,
        fc.array(noReceived, { maxLength: 8 }),
        (spam, virus, value, forged) => {
          const block = sesLines({ spamVerdict: spam, virusVerdict: virus, ...auth(value) });
          const reference = trust([...block, 'From: alice@example.com']);
          expect(trust([...block, ...forged, 'From: alice@example.com'])).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the order of SES's own lines does not matter as long as nothing else comes between", () => {
    fc.assert(
      fc.property(
        verdict,
        authValue,
        fc.array(fc.integer(), { minLength: 1, maxLength: 10 }),
        (spam, value, keys) => {
          const block = sesLines({ spamVerdict: spam, ...auth(value) });
          const reference = trust([...block, OWN_RECEIVED, 'From: alice@example.com']);
          expect(trust([...shuffled(block, keys), OWN_RECEIVED, 'From: alice@example.com'])).toEqual(
            reference,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the one-machine SES stand-in', () => {
  // The local SMTP server stamps mail as SES would; the trust rules must read its block like SES's.
  const envelope = {
    mailFrom: 'alice@example.com',
    rcptTo: [`+4930123456@${FIXTURE_FAX_DOMAIN}`],
    helo: 'laptop.test',
    clientIp: '127.0.0.1',
  };
  const stamp = {
    region: 'eu-west-1',
    spamVerdict: 'PASS',
    virusVerdict: 'PASS',
    spf: 'pass',
    dkim: 'none',
    dmarc: 'auto',
  } as const;

  it('stamps a block that authenticates an aligned sender and drops an unaligned one', async () => {
    const message = await buildSesMail({
      from: 'alice@example.com',
      to: `+4930123456@${FIXTURE_FAX_DOMAIN}`,
    });
    // Only the sender's own part of the built mail: from its own Received line on.
    const own = message.subarray(message.indexOf('Received: from [192.168.1.20]'));
    const aligned = await parseInboundMail(stampAsSes(own, envelope, 'localid0001', stamp));
    expect(assessSenderTrust(aligned)).toMatchObject({ kind: 'authenticated', sender: 'alice@example.com' });
    const unaligned = await parseInboundMail(
      stampAsSes(own, { ...envelope, mailFrom: 'bounce@other.example' }, 'localid0002', stamp),
    );
    expect(assessSenderTrust(unaligned)).toMatchObject({ kind: 'drop', reason: 'not-authenticated' });
    const spam = await parseInboundMail(
      stampAsSes(own, envelope, 'localid0003', { ...stamp, spamVerdict: 'FAIL' }),
    );
    expect(assessSenderTrust(spam)).toMatchObject({ kind: 'drop', reason: 'spam-verdict' });
  });
});
