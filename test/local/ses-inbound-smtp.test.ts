import { connect } from 'node:net';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayPolicyFromEnv } from '../../functions/config.ts';
import { parseAuthenticationResults } from '../../functions/domain/authentication-results.ts';
import { faxNumbersFromRecipients } from '../../functions/domain/fax-numbers.ts';
import { assessSenderTrust } from '../../functions/domain/sender-trust.ts';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';
import type { SesStamp } from '../../local/local-config.ts';
import {
  newSesMessageId,
  type SesInboundSmtp,
  type SmtpEnvelope,
  stampAsSes,
  startSesInboundSmtp,
} from '../../local/ses-inbound-smtp.ts';

const stamp: SesStamp = {
  region: 'eu-west-1',
  spamVerdict: 'PASS',
  virusVerdict: 'PASS',
  spf: 'pass',
  dkim: 'none',
  dmarc: 'auto',
};

function headerNames(raw: string): string[] {
  const section = raw.slice(0, raw.indexOf('\r\n\r\n'));
  return section
    .split('\r\n')
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')));
}

function unfoldedHeader(raw: string, name: string): string | undefined {
  const section = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  const line = section.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

describe('SES inbound SMTP stand-in', () => {
  const stored: { id: string; raw: string }[] = [];
  let smtp: SesInboundSmtp;
  let failingSmtp: SesInboundSmtp;

  beforeAll(async () => {
    smtp = await startSesInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      faxDomain: 'Fax.Localhost',
      maxMessageBytes: 64 * 1024,
      stamp,
      store: async (id, raw) => {
        stored.push({ id, raw: raw.toString('latin1') });
      },
    });
    failingSmtp = await startSesInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      faxDomain: 'fax.localhost',
      maxMessageBytes: 64 * 1024,
      stamp,
      store: async () => {
        throw new Error('bucket unavailable');
      },
    });
  });

  afterAll(async () => {
    await smtp.close();
    await failingSmtp.close();
  });

  function transport(port: number) {
    return nodemailer.createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      ignoreTLS: true,
      name: 'laptop.test',
    });
  }

  it('stamps the SES header block above the mail and answers with the message id', async () => {
    const info = await transport(smtp.port).sendMail({
      envelope: { from: 'alice@example.com', to: ['+4930123456@FAX.localhost'] },
      from: 'Alice <alice@example.com>',
      to: '+4930123456@fax.localhost',
      subject: 'Stamp me',
      text: 'hello',
      messageId: '<original@example.com>',
    });
    const entry = stored.at(-1);
    expect(entry).toBeDefined();
    const { id, raw } = entry as { id: string; raw: string };
    expect(id).toMatch(/^[a-z0-9]{20}$/);
    expect(info.response).toContain(id);

    const names = headerNames(raw);
    expect(names.slice(0, 7)).toEqual([
      'Return-Path',
      'Received',
      'X-SES-Spam-Verdict',
      'X-SES-Virus-Verdict',
      'Received-SPF',
      'Authentication-Results',
      'X-SES-RECEIPT',
    ]);
    // The mail's own headers follow unchanged.
    expect(names.slice(7)).toContain('Message-ID');
    expect(unfoldedHeader(raw, 'Return-Path')).toBe('<alice@example.com>');
    const received = unfoldedHeader(raw, 'Received') ?? '';
    expect(received).toMatch(
      new RegExp(
        `^from laptop\\.test \\(laptop\\.test \\[127\\.0\\.0\\.1\\]\\) by inbound-smtp\\.eu-west-1\\.amazonaws\\.com with SMTP id ${id} for \\+4930123456@fax\\.localhost; \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000 \\(UTC\\)$`,
      ),
    );
    expect(unfoldedHeader(raw, 'X-SES-Spam-Verdict')).toBe('PASS');
    expect(unfoldedHeader(raw, 'X-SES-Virus-Verdict')).toBe('PASS');
    expect(unfoldedHeader(raw, 'Received-SPF')).toMatch(
      /^pass .* envelope-from=alice@example\.com; helo=laptop\.test;$/,
    );
    const auth = unfoldedHeader(raw, 'Authentication-Results') ?? '';
    expect(auth).toMatch(
      /^amazonses\.com; spf=pass .*client-ip=127\.0\.0\.1; envelope-from=alice@example\.com;/,
    );
    expect(auth).toContain(' dkim=none;');
    expect(auth).toMatch(/ dmarc=pass header\.from=example\.com;$/);
    expect(unfoldedHeader(raw, 'X-SES-RECEIPT')).toMatch(/^[A-Za-z0-9+/=]{200,}$/);

    const parsed = await simpleParser(Buffer.from(raw, 'latin1'));
    expect(parsed.subject).toBe('Stamp me');
    expect(parsed.messageId).toBe('<original@example.com>');
  });

  it('fails DMARC when the From domain does not align with the envelope domain', async () => {
    await transport(smtp.port).sendMail({
      envelope: { from: 'bounce@mailer.example.net', to: ['4930123456@fax.localhost'] },
      from: 'alice@example.com',
      to: '4930123456@fax.localhost',
      subject: 'Unaligned',
      text: 'hello',
    });
    const auth = unfoldedHeader(stored.at(-1)?.raw ?? '', 'Authentication-Results') ?? '';
    expect(auth).toContain('spf=pass');
    expect(auth).toMatch(/ dmarc=fail header\.from=example\.com;$/);
  });

  it('keeps a forged SES-like block written by the sender below its own', async () => {
    const forged = [
      'X-SES-Spam-Verdict: PASS',
      'Authentication-Results: amazonses.com; dmarc=pass header.from=bank.example;',
      'From: mallory@evil.example',
      'To: 4930123456@fax.localhost',
      'Subject: forged',
      '',
      'hi',
      '',
    ].join('\r\n');
    await transport(smtp.port).sendMail({
      envelope: { from: 'mallory@evil.example', to: ['4930123456@fax.localhost'] },
      raw: forged,
    });
    const raw = stored.at(-1)?.raw ?? '';
    const names = headerNames(raw);
    expect(names.indexOf('Received')).toBe(1);
    expect(names.lastIndexOf('Authentication-Results')).toBeGreaterThan(names.indexOf('X-SES-RECEIPT'));
    expect(unfoldedHeader(raw, 'Authentication-Results')).toMatch(/dmarc=pass header\.from=evil\.example;$/);
  });

  it('refuses recipients outside the fax domain with 550', async () => {
    const before = stored.length;
    const error = await transport(smtp.port)
      .sendMail({ from: 'alice@example.com', to: 'bob@example.org', subject: 'x', text: 'x' })
      .then(
        () => undefined,
        (e: unknown) => e as { responseCode?: number; code?: string },
      );
    expect(error?.responseCode).toBe(550);
    expect(stored.length).toBe(before);
  });

  it('accepts the fax-domain recipients of a mail that also names others', async () => {
    const info = await transport(smtp.port).sendMail({
      from: 'alice@example.com',
      to: ['4930123456@fax.localhost', 'bob@example.org'],
      subject: 'mixed',
      text: 'x',
    });
    expect(info.accepted).toEqual(['4930123456@fax.localhost']);
    expect(info.rejected).toEqual(['bob@example.org']);
  });

  it('refuses mail above the size limit with 552', async () => {
    const before = stored.length;
    const error = await transport(smtp.port)
      .sendMail({
        from: 'alice@example.com',
        to: '4930123456@fax.localhost',
        subject: 'big',
        text: 'x'.repeat(100 * 1024),
      })
      .then(
        () => undefined,
        (e: unknown) => e as { responseCode?: number },
      );
    expect(error?.responseCode).toBe(552);
    expect(stored.length).toBe(before);
  });

  it('answers 451 when the mail cannot be stored, so the client tries again', async () => {
    const error = await transport(failingSmtp.port)
      .sendMail({ from: 'alice@example.com', to: '4930123456@fax.localhost', subject: 'x', text: 'x' })
      .then(
        () => undefined,
        (e: unknown) => e as { responseCode?: number },
      );
    expect(error?.responseCode).toBe(451);
  });
  /** One SMTP session over a raw socket, as a hostile client writes it: the replies, in order. */
  async function rawSession(port: number, commands: string[]): Promise<string[]> {
    const socket = connect(port, '127.0.0.1');
    const replies: string[] = [];
    let buffer = '';
    const next = () =>
      new Promise<string>((resolve, reject) => {
        const take = () => {
          // A reply ends with a line of `NNN ` (not `NNN-`).
          const match = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
          if (!match) return false;
          const end = (match.index ?? 0) + match[0].length;
          resolve(buffer.slice(0, end));
          buffer = buffer.slice(end);
          return true;
        };
        if (take()) return;
        const onData = (chunk: Buffer) => {
          buffer += chunk.toString('latin1');
          if (take()) socket.off('data', onData);
        };
        socket.on('data', onData);
        socket.once('error', reject);
      });
    replies.push(await next());
    for (const command of commands) {
      socket.write(`${command}\r\n`);
      if (command === 'DATA' && !replies.at(-1)?.startsWith('5')) replies.push(await next());
      else replies.push(await next());
    }
    socket.end();
    return replies.map((r) => r.slice(0, 3));
  }

  const smtpMail = (from: string, to: string) =>
    [`From: ${from}`, `To: ${to}`, 'Subject: x', 'Message-ID: <m@example.com>', '', 'body', '.'].join('\r\n');

  /** One accepted mail (envelope and From as given): every reply must be the good one; what was stored. */
  async function storedFromSession(mail: { helo?: string; mailFrom: string; rcpt: string; from: string }) {
    const before = stored.length;
    const replies = await rawSession(smtp.port, [
      `EHLO ${mail.helo ?? 'laptop.test'}`,
      `MAIL FROM:<${mail.mailFrom}>`,
      `RCPT TO:<${mail.rcpt}>`,
      'DATA',
      smtpMail(mail.from, mail.rcpt),
      'QUIT',
    ]);
    expect(replies).toEqual(['220', '250', '250', '250', '354', '250', '221']);
    return (stored[before] as { raw: string }).raw;
  }

  it('writes what the client chose (HELO, MAIL FROM) so it cannot be read as a result (issue 11 item 4)', async () => {
    const helo = 'x;dmarc=pass;dkim=pass';
    const raw = Buffer.from(
      await storedFromSession({
        helo,
        mailFrom: 'bounce@evil.test',
        rcpt: '+4930123456@fax.localhost',
        from: 'alice@example.com',
      }),
      'latin1',
    );
    const auth = unfoldedHeader(raw.toString('latin1'), 'Authentication-Results') ?? '';
    const parsed = parseAuthenticationResults(auth);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual([
      'spf=pass',
      'dkim=none',
      'dmarc=fail',
    ]);
    expect(parsed.results[0]?.props.get('helo')).toBe(helo);
    expect(assessSenderTrust(await parseInboundMail(raw))).toMatchObject({
      kind: 'drop',
      reason: 'not-authenticated',
    });
  });

  it('writes an IDN envelope domain as it came over the wire (punycode), so it aligns with the From', async () => {
    // smtp-server gives the MAIL FROM domain back in Unicode; SES writes what was sent.
    const raw = await storedFromSession({
      mailFrom: 'alice@xn--llowed-bua.test',
      rcpt: '+4930123456@fax.localhost',
      from: 'alice@xn--llowed-bua.test',
    });
    expect(raw.startsWith('Return-Path: <alice@xn--llowed-bua.test>')).toBe(true);
    expect(unfoldedHeader(raw, 'Authentication-Results')).toContain(
      'dmarc=pass header.from=xn--llowed-bua.test',
    );
  });

  it('accepts a quoted local part as SES does, and the number in it is read (issue 13)', async () => {
    const raw = Buffer.from(
      await storedFromSession({
        mailFrom: 'alice@example.com',
        rcpt: '"+49 (30) 123-456"@fax.localhost',
        from: 'alice@example.com',
      }),
      'latin1',
    );
    expect(unfoldedHeader(raw.toString('latin1'), 'Received')).toContain(
      'for <"+49 (30) 123-456"@fax.localhost>;',
    );
    const parsed = await parseInboundMail(raw);
    expect(assessSenderTrust(parsed)).toMatchObject({ kind: 'authenticated' });
    const policy = gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.localhost', DEFAULT_COUNTRY: 'DE' });
    const numbers = faxNumbersFromRecipients(parsed.to, policy);
    expect(numbers.accepted.map((a) => a.number)).toEqual(['+4930123456']);
  });

  it('still refuses a quoted local part for another domain, and control characters in one', async () => {
    const replies = await rawSession(smtp.port, [
      'EHLO laptop.test',
      'MAIL FROM:<alice@example.com>',
      'RCPT TO:<"+49 30 123"@example.com>',
      'RCPT TO:<"a\tb"@fax.localhost>',
      'QUIT',
    ]);
    expect(replies).toEqual(['220', '250', '250', '550', '501', '221']);
  });
});

describe('SES header block', () => {
  const envelope: SmtpEnvelope = {
    mailFrom: 'alice@example.com',
    rcptTo: ['4930123456@fax.localhost'],
    helo: 'laptop',
    clientIp: '127.0.0.1',
  };
  const mail = Buffer.from('From: Alice <alice@example.com>\nSubject: x\n\nbody\n');

  it('keeps the mail line ends and carries overridden verdicts and results', () => {
    const stamped = stampAsSes(mail, envelope, 'abc', {
      ...stamp,
      spamVerdict: 'FAIL',
      virusVerdict: 'GRAY',
      dkim: 'pass',
      spf: 'softfail',
    }).toString();
    expect(stamped).not.toContain('\r\n');
    expect(stamped).toContain(
      '\nX-SES-Spam-Verdict: FAIL\nX-SES-Virus-Verdict: GRAY\nReceived-SPF: softfail ',
    );
    expect(stamped).toContain('\n dkim=pass header.i=@example.com;\n dmarc=pass header.from=example.com;\n');
    expect(stamped.endsWith('From: Alice <alice@example.com>\nSubject: x\n\nbody\n')).toBe(true);
  });

  it('reports spf=none for the null sender and no DMARC pass', () => {
    const stamped = stampAsSes(mail, { ...envelope, mailFrom: '' }, 'abc', stamp).toString();
    expect(stamped.startsWith('Return-Path: <>\n')).toBe(true);
    expect(stamped).toContain('\n spf=none ');
    expect(stamped).toContain(' dmarc=fail header.from=example.com;');
  });

  it('passes DMARC for a From with a quoted local part', () => {
    const quoted = Buffer.from('From: "alice"@example.com\nSubject: x\n\nbody\n');
    expect(stampAsSes(quoted, envelope, 'abc', stamp).toString()).toContain(
      ' dmarc=pass header.from=example.com;',
    );
  });

  it('passes DMARC by organizational domain, as relaxed alignment does: siblings align, a public suffix does not', () => {
    const dmarcOf = (from: string, mailFrom: string) =>
      / dmarc=(\w+) /.exec(
        stampAsSes(
          Buffer.from(`From: ${from}\nSubject: x\n\nbody\n`),
          { ...envelope, mailFrom },
          'abc',
          stamp,
        ).toString(),
      )?.[1];
    expect(dmarcOf('a@mail.partner.test', 'b@bounces.partner.test')).toBe('pass');
    expect(dmarcOf('a@partner.test', 'b@bounces.partner.test')).toBe('pass');
    expect(dmarcOf('bob@example.co.uk', 'x@co.uk')).toBe('fail');
    expect(dmarcOf('bob@example.co.uk', 'x@other.co.uk')).toBe('fail');
  });

  it('makes message ids of lower-case letters and digits', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newSesMessageId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{20}$/);
  });
});
