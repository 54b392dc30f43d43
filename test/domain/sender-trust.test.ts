import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RESULT_PROPERTIES, MAX_RESULTS } from '../../functions/domain/authentication-results.ts';
import { ENCODED_WORD } from '../../functions/domain/inbound-mail.ts';
import {
  aligned,
  assessSenderTrust,
  isAutoReplyUnsafe,
  loopRisk,
  parseAuthenticationResults,
  sesHeaderBlock,
  structuredText,
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
    // SES wrote no verdicts; the sender's copies directly below its X-SES-RECEIPT are not SES's.
    ['forged-verdicts-below-block-without-verdicts', 'spam-verdict'],
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
    expect(decide(`spf=fail; dkim=pass ${prop}; dmarc=none;`, from)).toMatchObject({ method: 'dkim' });
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

  it('accepts an aligned spf=pass by smtp.mailfrom or by SES envelope-from, never by Return-Path', () => {
    expect(decide('spf=pass smtp.mailfrom=bounce@example.com; dkim=none; dmarc=none;')).toMatchObject({
      method: 'spf',
    });
    expect(decide(`${spfClause('bounce@mail.example.com')} dkim=none; dmarc=none;`)).toMatchObject({
      method: 'spf',
    });
    // No envelope in the result itself: a result that names no domain speaks for none.
    expect(decide('spf=pass; dkim=none; dmarc=none;')).toMatchObject({ reason: 'not-authenticated' });
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

const props = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('parseAuthenticationResults', () => {
  it(`reads at most ${MAX_RESULTS} results and ${MAX_RESULT_PROPERTIES} properties a result, and no header past them`, () => {
    const results = (count: number) =>
      `amazonses.com; ${Array.from({ length: count }, (_, i) => `dkim=pass header.i=@d${i}.example`).join('; ')}`;
    expect(parseAuthenticationResults(results(MAX_RESULTS))).toMatchObject({ authservId: 'amazonses.com' });
    // SES writes one result a method and signature; 5,000 of them (173 KB) cost 5 times an ordinary mail.
    expect(parseAuthenticationResults(`${results(5_000)}; dmarc=pass header.from=example.com`)).toEqual({
      error: `more than ${MAX_RESULTS} results`,
    });
    // SES's pseudo-results after an SPF result count too.
    const continued = `amazonses.com; spf=pass smtp.mailfrom=a@example.com${'; client-ip=192.0.2.1'.repeat(MAX_RESULTS)}`;
    expect(parseAuthenticationResults(continued)).toEqual({ error: `more than ${MAX_RESULTS} results` });
    const properties = (count: number) =>
      `amazonses.com; dkim=pass ${Array.from({ length: count }, (_, i) => `x.p${i}=v`).join(' ')}`;
    expect(parseAuthenticationResults(properties(MAX_RESULT_PROPERTIES))).toMatchObject({
      results: [{ method: 'dkim' }],
    });
    expect(parseAuthenticationResults(properties(MAX_RESULT_PROPERTIES + 1))).toEqual({
      error: `a result has more than ${MAX_RESULT_PROPERTIES} properties`,
    });
  });

  it('handles comments, nested comments, quoted values, folding, a version and reason=', () => {
    const parsed = parseAuthenticationResults(
      'amazonses.com 1 (the receiver; really);\r\n spf=pass (sender (nested; dmarc=pass) ok; x=y) smtp.mailfrom="a;b"@example.com;\r\n' +
        '\tdkim/1 = pass (good) header.d=example.com header.s="s1";\r\n dkim=fail reason="bad; sig" header.i=@x.example; dmarc=none',
    );
    expect(parsed).toEqual({
      authservId: 'amazonses.com',
      version: 1,
      results: [
        {
          method: 'spf',
          result: 'pass',
          props: props({ 'smtp.mailfrom': 'a;b@example.com' }),
          conflicting: [],
        },
        {
          method: 'dkim',
          result: 'pass',
          props: props({ 'header.d': 'example.com', 'header.s': 's1' }),
          conflicting: [],
        },
        {
          method: 'dkim',
          result: 'fail',
          reason: 'bad; sig',
          props: props({ 'header.i': '@x.example' }),
          conflicting: [],
        },
        { method: 'dmarc', result: 'none', props: props({}), conflicting: [] },
      ],
    });
  });

  it("folds SES's envelope-from and helo pieces into the spf result before them", () => {
    const parsed = parseAuthenticationResults(
      'amazonses.com; spf=pass (spfCheck: x) client-ip=192.0.2.1; envelope-from=b+caf_=x=y.test@example.com; helo=h; dkim=none;',
    );
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.results.map((r) => r.method)).toEqual(['spf', 'dkim']);
    expect(Object.fromEntries(parsed.results[0]?.props ?? [])).toEqual({
      'client-ip': '192.0.2.1',
      'envelope-from': 'b+caf_=x=y.test@example.com',
      helo: 'h',
    });
  });

  it("reads SES's empty envelope-from of the null sender as naming no domain", () => {
    const parsed = parseAuthenticationResults(
      'amazonses.com; spf=none (x) client-ip=192.0.2.1; envelope-from=; helo=h;',
    );
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.results[0]?.props.get('envelope-from')).toBe('');
  });

  it('reads `none` (no results) as no results', () => {
    expect(parseAuthenticationResults('amazonses.com; none')).toEqual({
      authservId: 'amazonses.com',
      results: [],
    });
  });

  it('keeps unknown methods as results of their own', () => {
    const parsed = parseAuthenticationResults('amazonses.com; x-foo=bar header.from=example.com; arc=pass');
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual(['x-foo=bar', 'arc=pass']);
  });

  it('marks a property given twice with different values', () => {
    const parsed = parseAuthenticationResults(
      'amazonses.com; dkim=pass header.d=evil.test header.d=example.com',
    );
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.results[0]?.conflicting).toEqual(['header.d']);
  });

  it.each([
    'amazonses.com; dmarc=pass (unterminated',
    'amazonses.com; dmarc=pass header.from="example.com',
    'amazonses.com; dmarc=pass header.from',
    'amazonses.com; dmarc=',
    'amazonses.com; dmarc=pass) header.from=example.com',
    'amazonses.com; =pass',
    'amazonses.com; dmarc="pa ss"',
  ])('refuses a header it cannot read: %s', (value) => {
    expect(parseAuthenticationResults(value)).toHaveProperty('error');
  });
});

describe('results only speak for the domain they name (issue 11 item 2)', () => {
  const decide = (value: string, from = 'alice@example.test') =>
    trust([...sesLines(auth(value)), OWN_RECEIVED, `From: ${from}`], from);

  it('does not take a bare dmarc=pass, beside a fail for another domain, for the From domain', () => {
    expect(decide('dmarc=fail header.from=evil.test; dmarc=pass')).toMatchObject({
      kind: 'drop',
      reason: 'not-authenticated',
    });
    expect(decide('dmarc=pass')).toMatchObject({ reason: 'not-authenticated' });
  });

  it('drops a failing DMARC for the From domain whatever else passed', () => {
    const decision = decide(
      'spf=pass smtp.mailfrom=a@example.test; dkim=pass header.d=example.test; dmarc=fail header.from=example.test',
    );
    expect(decision).toMatchObject({ kind: 'drop', reason: 'not-authenticated' });
    if (decision.kind === 'drop') expect(decision.detail).toMatch(/DMARC fails for example\.test/);
    expect(decide('dmarc=pass header.from=example.test; dmarc=fail header.from=example.test')).toMatchObject({
      reason: 'not-authenticated',
    });
  });

  it('counts a DMARC pass only when no other DMARC result for the domain disagrees', () => {
    expect(decide('dmarc=pass header.from=example.test')).toMatchObject({ method: 'dmarc' });
    expect(decide('dmarc=pass header.from=example.test; dmarc=none header.from=example.test')).toMatchObject({
      reason: 'not-authenticated',
    });
  });

  it.each([
    [
      'a comment',
      'dmarc=fail (dmarc=pass header.from=example.test; dkim=pass header.d=example.test) header.from=evil.test',
    ],
    [
      'a nested comment',
      'dmarc=none (a (b; dmarc=pass header.from=example.test) c) header.from=example.test',
    ],
    ['a quoted string', 'dmarc=fail reason="x; dmarc=pass header.from=example.test" header.from=evil.test'],
    ['a reason', 'spf=fail reason="dkim=pass header.d=example.test"; dmarc=none header.from=example.test'],
    ['a property of another result', 'dkim=fail header.d=example.test; dkim=pass header.d=evil.test'],
    ['a repeated property', 'dkim=pass header.d=evil.test header.d=example.test'],
    ['an unknown method', 'x-dmarc=pass header.from=example.test; arc=pass header.d=example.test'],
  ])('is not fooled by a pass in %s', (_, value) => {
    expect(decide(value)).toMatchObject({ kind: 'drop', reason: 'not-authenticated' });
  });

  it('drops when SES header cannot be read', () => {
    expect(decide('dmarc=pass header.from=example.test (')).toMatchObject({ reason: 'not-authenticated' });
  });

  it.each([
    ['empty', ''],
    ['in angle brackets', '<example.test>'],
    ['an address without a domain', 'example.test@'],
    ['two domains', 'example.test,evil.test'],
    ['not a host name', 'exämple.test'],
  ])(
    'counts a failing DMARC whose header.from is %s against the From, as one naming no domain',
    (_, named) => {
      const decision = decide(
        `spf=pass smtp.mailfrom=a@example.test; dkim=pass header.d=example.test; dmarc=fail header.from=${named};`,
      );
      expect(decision).toMatchObject({ kind: 'drop', reason: 'not-authenticated' });
      if (decision.kind === 'drop') expect(decision.detail).toMatch(/DMARC fails for example\.test/);
    },
  );

  it('does not count a DMARC pass whose header.from cannot be read as a domain', () => {
    expect(decide('dmarc=pass header.from=<example.test>;')).toMatchObject({ reason: 'not-authenticated' });
    expect(decide('dmarc=pass header.from=;')).toMatchObject({ reason: 'not-authenticated' });
  });
});

describe('a reply goes to exactly one mailbox (issue 11 item 1)', () => {
  // `address` as the parser read it; `written`, the From header as the sender wrote it.
  const from = (address: string, written = address) =>
    assessSenderTrust({
      headerLines: headerLinesOf([
        ...sesLines(auth('dmarc=pass header.from=evil.test;')),
        OWN_RECEIVED,
        `From: ${written}`,
      ]),
      from: [{ address, name: '' }],
      fromHeaderCount: 1,
    });

  it('writes a quoted local part back quoted, so it stays one mailbox at the authenticated domain', async () => {
    const mail = await parseInboundMail(
      await buildSesMail({
        from: '"victim@target.test,x"@evil.test',
        to: `+4930123456@${FIXTURE_FAX_DOMAIN}`,
        auth: 'amazonses.com; dmarc=pass header.from=evil.test;',
      }),
    );
    expect(assessSenderTrust(mail)).toEqual({
      kind: 'authenticated',
      sender: '"victim@target.test,x"@evil.test',
      method: 'dmarc',
    });
  });

  it.each([
    ['a,b@evil.test', '"a,b"@evil.test'],
    ['"a b"@evil.test', '"a b"@evil.test'],
    ['a"b@evil.test', '"a\\"b"@evil.test'],
    ['first.last+tag@evil.test', 'first.last+tag@evil.test'],
  ])('%s -> %s', (address, sender) => {
    expect(from(address, sender)).toMatchObject({ kind: 'authenticated', sender });
  });

  it('drops a quoted local part with angle brackets, which a composer rewrites to another mailbox', () => {
    expect(from('a<victim@target.test>@evil.test', '"a<victim@target.test>"@evil.test')).toMatchObject({
      kind: 'drop',
      reason: 'from-header',
    });
  });

  it.each([
    ['jörg@evil.test'],
    ['@evil.test'],
    [`${'a'.repeat(65)}@evil.test`],
    ['a@[192.0.2.1]'],
    ['a\u0001b@evil.test'],
  ])('drops %s, which cannot be written back as one mailbox SES can send to', (address) => {
    expect(from(address)).toMatchObject({ kind: 'drop', reason: 'from-header' });
  });
});

describe('the From mailbox is one the sender wrote (issue 11 item 1)', () => {
  // Through the parser, with the From header written as given (nodemailer would rewrite it).
  const decideFrom = async (fromValue: string, authValue: string) => {
    const raw = await buildSesMail({
      from: 'placeholder@example.com',
      to: `+4930123456@${FIXTURE_FAX_DOMAIN}`,
      auth: `amazonses.com; ${authValue}`,
      envelopeFrom: 'bounce@example.com',
    });
    const text = raw.toString('latin1');
    const at = text.indexOf('\r\nFrom: placeholder@example.com\r\n');
    expect(at).toBeGreaterThan(0);
    const written = `${text.slice(0, at)}\r\nFrom: ${fromValue}\r\n${text.slice(at + '\r\nFrom: placeholder@example.com\r\n'.length)}`;
    return assessSenderTrust(await parseInboundMail(Buffer.from(written, 'latin1')));
  };
  const spfOnly = 'spf=pass smtp.mailfrom=bounce@example.com; dkim=none; dmarc=none;';

  it.each([
    ['a comment only', '(alice@example.com)'],
    ['a base64 encoded word', `=?utf-8?b?${Buffer.from('<alice@example.com>').toString('base64')}?=`],
    ['a Q encoded word', '=?utf-8?q?alice=40example.com?='],
    ['a Q encoded word holding the @ as is', '=?utf-8?q?<alice@example.com>?='],
    ['a quoted local part the parser changes (a NUL)', '"ali\u0000ce"@example.com'],
    ['a quoted local part the parser trims', '" alice "@example.com'],
    ['a source route', '<@relay.example.com:alice@example.com>'],
    // Two addresses to a reader, one to the parser: SES's DMARC may judge the other one.
    ['a group named like an address', 'mallory@evil.test: alice@example.com;'],
    ['a display name written as a bare address', 'mallory@evil.test <alice@example.com>'],
    ['a group named like an address, in a comment-free fold', 'mallory@evil.test:\r\n alice@example.com;'],
  ])('drops a From whose mailbox is only %s', async (_, fromValue) => {
    expect(await decideFrom(fromValue, spfOnly)).toMatchObject({ kind: 'drop', reason: 'from-header' });
  });

  it.each([
    ['Alice <alice@example.com>', 'alice@example.com'],
    ['Alice<alice@example.com>', 'alice@example.com'],
    ['"Smith, Alice" <alice@example.com>', 'alice@example.com'],
    ['alice@example.com (Alice)', 'alice@example.com'],
    ['alice@example.com', 'alice@example.com'],
    ['ALICE@Example.COM', 'alice@example.com'],
    ['"alice"@example.com', 'alice@example.com'],
    ['"a,b"@example.com', '"a,b"@example.com'],
    ['=?utf-8?q?J=C3=B6rg?= <joerg@example.com>', 'joerg@example.com'],
    ['"alice@evil.test" <alice@example.com>', 'alice@example.com'],
    ['Team: alice@example.com;', 'alice@example.com'],
    // The address as its own display name, unquoted, as some scanners and devices write it.
    ['alice@example.com <alice@example.com>', 'alice@example.com'],
    ['ALICE@example.com <alice@Example.com.>', 'alice@example.com'],
    ['Alice\r\n <alice@example.com>', 'alice@example.com'],
  ])('keeps %s as %s', async (fromValue, sender) => {
    expect(await decideFrom(fromValue, spfOnly)).toEqual({ kind: 'authenticated', sender, method: 'spf' });
  });
});

describe('alignment by organizational domain (issue 11 item 3)', () => {
  it('does not align a signature of a public suffix with a domain under it', () => {
    expect(
      trust(
        [
          ...sesLines(auth('dkim=pass header.d=co.uk; dmarc=none header.from=example.co.uk;')),
          OWN_RECEIVED,
          'From: bob@example.co.uk',
        ],
        'bob@example.co.uk',
      ),
    ).toMatchObject({ reason: 'not-authenticated' });
  });

  it('aligns an SPF pass for a sibling subdomain', () => {
    expect(
      trust(
        [
          ...sesLines(
            auth(
              'spf=pass smtp.mailfrom=bounce@bounces.partner.test; dmarc=none header.from=mail.partner.test;',
            ),
          ),
          OWN_RECEIVED,
          'From: orders@mail.partner.test',
        ],
        'orders@mail.partner.test',
      ),
    ).toMatchObject({ kind: 'authenticated', method: 'spf' });
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
    ['co.uk', 'example.co.uk', false],
    ['example.co.uk', 'mail.example.co.uk', true],
    ['a.example.co.uk', 'b.example.co.uk', true],
    ['bounces.partner.test', 'mail.partner.test', true],
    ['github.io', 'alice.github.io', false],
    ['alice.github.io', 'bob.github.io', false],
    ['co.uk', 'co.uk', true],
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
    [
      { headerLines: [{ key: 'list-id', line: 'List-Id: Fax users <fax.lists.example.com>' }] },
      'alice@example.com',
    ],
    [
      { headerLines: [{ key: 'list-unsubscribe', line: 'List-Unsubscribe: <mailto:x@example.com>' }] },
      'a@example.com',
    ],
    [mail(undefined, 'junk'), 'alice@example.com'],
    [mail(), 'MAILER-DAEMON@example.com'],
    [mail(), 'postmaster@example.com'],
    [mail(), `fax@${FIXTURE_FAX_DOMAIN}`],
    [mail(), `+4930123456@FAX.example.org`],
    [mail(), `someone@sub.${FIXTURE_FAX_DOMAIN}`],
  ])('refuses %o from %s', (m, sender) => {
    expect(isAutoReplyUnsafe(m, sender, gateway)).toMatch(/\w/);
  });

  const lines = (...written: string[]) => ({
    headerLines: written.map((line) => ({
      key: line.slice(0, line.indexOf(':')).trim().toLowerCase(),
      line,
    })),
  });

  it.each([
    ['a second Precedence saying bulk', lines('Precedence: normal', 'Precedence: bulk')],
    ['Precedence with a comment', lines('Precedence: bulk (newsletter)')],
    ['Precedence quoted', lines('Precedence: "list"')],
    ['an empty Auto-Submitted', lines('Auto-Submitted:')],
    ['a second Auto-Submitted', lines('Auto-Submitted: no', 'Auto-Submitted: auto-generated')],
    ['Auto-Submitted with a comment first', lines('Auto-Submitted: (sent by a script) auto-generated')],
    [
      'List-Post and List-Help alone (RFC 2369)',
      lines('List-Post: <mailto:fax@lists.example.com>', 'List-Help: <mailto:fax-request@lists.example.com>'),
    ],
    ['List-Archive alone', lines('List-Archive: <https://lists.example.com/fax/>')],
    ['List-Owner alone', lines('List-Owner: <mailto:owner-fax@lists.example.com>')],
    ['List-Subscribe alone', lines('List-Subscribe: <mailto:fax-subscribe@lists.example.com>')],
    ['Mailing-List (ezmlm)', lines('Mailing-List: contact fax-help@lists.example.com; run by ezmlm')],
    ['X-Mailing-List', lines('X-Mailing-List: fax@lists.example.com')],
  ])('refuses mail with %s', (_, m) => {
    expect(isAutoReplyUnsafe(m, 'alice@example.com', gateway)).toMatch(/\w/);
  });

  it.each([
    'owner-fax@lists.example.com',
    'fax-request@lists.example.com',
    'fax-bounces@lists.example.com',
    'listserv@lists.example.com',
    'Majordomo@lists.example.com',
    'mailer-daemon+x@example.com',
  ])('refuses mail from list software and bounce addresses: %s (RFC 5230 4.6)', (sender) => {
    expect(isAutoReplyUnsafe(mail(), sender, gateway)).toMatch(/\w/);
  });

  it("takes SES's Return-Path of MAILER-DAEMON for a bounce, whatever From says", () => {
    const bounce = lines('Return-Path: <MAILER-DAEMON@mx.example.com>', 'Precedence: normal');
    expect(loopRisk(bounce, 'alice@example.com', gateway)).toMatch(/MAILER-DAEMON|bounce/i);
  });

  it('still answers a person whose headers only look alike', () => {
    const person = lines(
      'Precedence: normal',
      'Auto-Submitted: no (a person)',
      'X-List-Help: none',
      'Return-Path: <alice@example.com>',
    );
    expect(isAutoReplyUnsafe(person, 'alice@example.com', gateway)).toBeUndefined();
    expect(isAutoReplyUnsafe(mail(), 'owner@example.com', gateway)).toBeUndefined();
    expect(isAutoReplyUnsafe(mail(), 'requests@example.com', gateway)).toBeUndefined();
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

  it("the order of SES's own lines before X-SES-RECEIPT does not matter when SES keeps its order", () => {
    fc.assert(
      fc.property(verdict, authValue, fc.boolean(), (spam, value, verdicts) => {
        // SES leaves headers out (no verdicts without scanning); what it writes keeps its order.
        const block = sesLines({ spamVerdict: spam, ...auth(value) }).filter(
          (l) => verdicts || !l.startsWith('X-SES-Spam') || spam !== 'PASS',
        );
        const reference = trust([...block, OWN_RECEIVED, 'From: alice@example.com']);
        expect(trust([...block, 'From: alice@example.com'])).toEqual(reference);
      }),
      { numRuns: 100 },
    );
  });

  it("a block without X-SES-RECEIPT (SES writes one on every mail) is not SES's, whatever stands below", () => {
    const block = sesLines(auth('dmarc=pass header.from=example.com;')).filter(
      (l) => !l.startsWith('X-SES-RECEIPT:'),
    );
    expect(trust([...block, 'From: alice@example.com'])).toMatchObject({
      kind: 'drop',
      reason: 'no-ses-headers',
    });
  });

  it('copies of SES headers directly below a block that lacks them never stand in for them', () => {
    const copies = fc.subarray([
      'X-SES-Spam-Verdict: PASS',
      'X-SES-Virus-Verdict: PASS',
      'Received-SPF: pass client-ip=192.0.2.1; envelope-from=alice@example.com;',
      'Authentication-Results: amazonses.com; dmarc=pass header.from=example.com;',
      'X-SES-RECEIPT: forged',
      'X-SES-DKIM-SIGNATURE: forged',
    ]);
    // X-SES-RECEIPT is never missing from SES's block (the test above: without it there is no block).
    const omitted = fc.subarray([
      'X-SES-Spam-Verdict',
      'X-SES-Virus-Verdict',
      'Authentication-Results',
      'X-SES-DKIM-SIGNATURE',
    ]);
    fc.assert(
      fc.property(copies, omitted, (forged, left) => {
        const block = sesLines(auth('spf=fail; dkim=none; dmarc=none header.from=example.com;')).filter(
          (l) => !left.some((key) => l.startsWith(`${key}:`)),
        );
        expect(trust([...block, ...forged, 'From: alice@example.com'])).toMatchObject({ kind: 'drop' });
      }),
      { numRuns: 200 },
    );
  });
});

// ---- Properties: generated Authentication-Results headers ----

// Organizational domains written out by hand (not by the code under test): .test is a one-label
// public suffix, co.uk a public suffix of two.
const ORG: Record<string, string | undefined> = {
  'example.test': 'example.test',
  'mail.example.test': 'example.test',
  'evil.test': 'evil.test',
  'example.co.uk': 'example.co.uk',
  'co.uk': undefined,
  'partner.test': 'partner.test',
  'bounces.partner.test': 'partner.test',
  'example.test.evil.test': 'evil.test',
};
const DOMAINS = Object.keys(ORG);
const alignedByHand = (a: string, b: string) => a === b || (ORG[a] !== undefined && ORG[a] === ORG[b]);

interface ModelResult {
  method: string;
  result: string;
  domain?: string;
  /** How the domain is written: in which property, quoted or not. */
  style: number;
  reason?: string;
}

const methodArb = fc.constantFrom('dmarc', 'dkim', 'spf', 'arc', 'x-foo', 'iprev', 'auth');
const resultArb = fc.constantFrom('pass', 'fail', 'none', 'softfail', 'neutral', 'temperror', 'permerror');
const modelArb = fc.record(
  {
    method: methodArb,
    result: resultArb,
    domain: fc.option(fc.constantFrom(...DOMAINS), { nil: undefined }),
    style: fc.nat(3),
    reason: fc.option(fc.constantFrom('bad; sig', 'x=y', 'dmarc=pass header.from=example.test', '(paren)'), {
      nil: undefined,
    }),
  },
  { requiredKeys: ['method', 'result', 'style'] },
);

/** CFWS with what an attacker would like read as results: comments (nested), folding. */
const cfwsArb = fc.constantFrom(
  ' ',
  '\r\n ',
  '\r\n\t',
  ' (comment) ',
  ' (dmarc=pass header.from=example.test; dkim=pass header.d=example.test) ',
  ' (nested (spf=pass smtp.mailfrom=a@example.test; x) "q;"\\) ) ',
  '  ',
);

function quote(text: string): string {
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

function render(r: ModelResult, pick: (i: number) => string): string {
  const sp = (i: number) => pick(i);
  const reason = r.reason === undefined ? '' : `${sp(1)}reason=${quote(r.reason)}`;
  const domainProp = (): string => {
    const d = r.domain as string;
    const asValue = r.style % 2 === 0 ? d : quote(d);
    if (r.method === 'dmarc') return `header.from=${asValue}`;
    if (r.method === 'dkim') return r.style < 2 ? `header.d=${asValue}` : `header.i=@${d}`;
    if (r.method === 'spf') return r.style < 2 ? `smtp.mailfrom=${quote('b;x')}@${d}` : '';
    return `header.from=${asValue}${sp(2)}header.d=${d}`;
  };
  let text = `${r.method}${sp(3)}=${sp(4)}${r.result}${reason}`;
  if (r.domain !== undefined) {
    if (r.method === 'spf' && r.style >= 2) {
      // SES's own shape: the envelope sender as a piece after a `;`.
      text += ` (spfCheck: x) client-ip=192.0.2.1; envelope-from=bounce@${r.domain}; helo=h.${r.domain}`;
    } else {
      text += `${sp(5)}${domainProp()}`;
    }
  }
  return text;
}

function header(results: ModelResult[], spaces: string[]): string {
  const pick = (i: number) => spaces[i % Math.max(1, spaces.length)] ?? ' ';
  const body = results.map((r, i) => `;${pick(i)}${render(r, (j) => pick(i + j))}`).join('');
  return `amazonses.com${body}${results.length === 0 ? '; none' : ''}`;
}

const FROM_DOMAINS = DOMAINS.filter((d) => d !== 'co.uk');

describe('properties of Authentication-Results', () => {
  const run = (from: string, value: string) =>
    trust([...sesLines({ auth: value }), OWN_RECEIVED, `From: alice@${from}`], `alice@${from}`);

  it('the parser reads back every generated result with its own method, result and domain', () => {
    fc.assert(
      fc.property(
        fc.array(modelArb, { maxLength: 7 }),
        fc.array(cfwsArb, { minLength: 1, maxLength: 9 }),
        (model, spaces) => {
          const parsed = parseAuthenticationResults(header(model, spaces));
          if ('error' in parsed) throw new Error(parsed.error);
          expect(parsed.authservId).toBe('amazonses.com');
          expect(
            parsed.results.map((r) => {
              const named =
                r.props.get('header.from') ??
                r.props.get('header.d') ??
                r.props.get('header.i')?.replace(/^.*@/, '') ??
                (r.props.get('smtp.mailfrom') ?? r.props.get('envelope-from'))?.replace(/^.*@/, '');
              return [r.method, r.result, named, r.reason];
            }),
          ).toEqual(model.map((m) => [m.method, m.result, m.domain, m.reason]));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('no header authenticates a From whose domain none of its passing, aligned results names', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FROM_DOMAINS),
        fc.array(modelArb, { maxLength: 7 }),
        fc.array(cfwsArb, { minLength: 1, maxLength: 9 }),
        (fromDomain, model, spaces) => {
          const decision = run(fromDomain, header(model, spaces));
          const vouching = model.filter(
            (r) =>
              r.result === 'pass' &&
              r.domain !== undefined &&
              ((r.method === 'dmarc' && r.domain === fromDomain) ||
                ((r.method === 'dkim' || r.method === 'spf') && alignedByHand(r.domain, fromDomain))),
          );
          if (decision.kind === 'authenticated') {
            expect(vouching.map((r) => r.method)).toContain(decision.method);
          }
          const dmarcFails = model.some(
            (r) =>
              r.method === 'dmarc' &&
              r.result === 'fail' &&
              (r.domain === undefined || r.domain === fromDomain),
          );
          if (dmarcFails) expect(decision).toMatchObject({ kind: 'drop', reason: 'not-authenticated' });
        },
      ),
      { numRuns: 600 },
    );
  });

  it('authenticates a From when one aligned pass stands alone among unrelated results', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FROM_DOMAINS),
        fc.constantFrom('dkim', 'spf'),
        fc.array(
          modelArb.filter((r) => r.method !== 'dmarc'),
          { maxLength: 5 },
        ),
        fc.array(cfwsArb, { minLength: 1, maxLength: 9 }),
        (fromDomain, method, noise, spaces) => {
          const pass: ModelResult = { method, result: 'pass', domain: fromDomain, style: 0 };
          const decision = run(fromDomain, header([...noise, pass], spaces));
          expect(decision).toMatchObject({ kind: 'authenticated' });
        },
      ),
      { numRuns: 300 },
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

/** structuredText as it was written first, a character at a time. */
function structuredTextByCharacter(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  const text = value.replace(ENCODED_WORD, ' ');
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') quoted = false;
    } else if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    } else if (c === '(') depth = 1;
    else if (c === '"') {
      quoted = true;
      out += c;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

describe('structuredText', () => {
  const pieces = fc.constantFrom(
    '"',
    '\\',
    '(',
    ')',
    ' ',
    '\t',
    '\r\n ',
    '\u00a0',
    '\u2028',
    'alice',
    '@',
    'example.com',
    '<',
    '>',
    ',',
    ':',
    ';',
    '=?UTF-8?B?w6Q=?=',
    '=?x?Q?',
    '?=',
    'É',
    '\ud83d\ude00',
    '\ud83d',
  );
  it('reads a value in runs as the character loop reads it', () => {
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }), (parts) => {
        const value = parts.join('');
        expect(structuredText(value)).toBe(structuredTextByCharacter(value));
      }),
      { numRuns: 10_000 },
    );
  });
});
