import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { bareAddress, composeMessage, composeMime } from '../../functions/adapters/mime-message.ts';

const pdf = new Uint8Array(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\nreceipt\n%%EOF\n', 'latin1'));

describe('composeMime', () => {
  it('builds a threaded automatic reply that a MIME parser reads back whole', async () => {
    const raw = await composeMime(
      {
        from: 'Fax gateway <fax@fax.example>',
        to: { address: 'alice@example.com' },
        subject: 'Re: Rechnung für Müller',
        text: 'Your fax to +49 30 123456 was delivered.\nPages: 2',
        inReplyTo: '<orig-1@mail.example.com>',
        references: ['<older@mail.example.com>', '<orig-1@mail.example.com>'],
        attachments: [{ filename: 'receipt +4930123456.pdf', contentType: 'application/pdf', content: pdf }],
      },
      { now: new Date('2026-11-27T06:00:00Z') },
    );
    const parsed = await simpleParser(raw);
    expect(parsed.from?.value).toEqual([{ address: 'fax@fax.example', name: 'Fax gateway' }]);
    expect(parsed.subject).toBe('Re: Rechnung für Müller');
    expect(parsed.text).toBe('Your fax to +49 30 123456 was delivered.\nPages: 2');
    expect(parsed.inReplyTo).toBe('<orig-1@mail.example.com>');
    expect(parsed.references).toEqual(['<older@mail.example.com>', '<orig-1@mail.example.com>']);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(parsed.messageId).toMatch(/^<[^@<>]+@fax\.example>$/);
    expect(parsed.date?.toISOString()).toBe('2026-11-27T06:00:00.000Z');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]?.filename).toBe('receipt +4930123456.pdf');
    expect(parsed.attachments[0]?.contentType).toBe('application/pdf');
    expect(Buffer.from(parsed.attachments[0]?.content ?? []).equals(Buffer.from(pdf))).toBe(true);
  });

  it('gives every message its own Message-ID', async () => {
    const mail = { from: 'fax@fax.example', to: { address: 'a@example.com' }, subject: 'x', text: 'y' };
    const [a, b] = await Promise.all([composeMime(mail), composeMime(mail)]);
    expect((await simpleParser(a)).messageId).not.toBe((await simpleParser(b)).messageId);
  });

  it('keeps a subject with line breaks from injecting headers', async () => {
    const raw = await composeMime({
      from: 'fax@fax.example',
      to: { address: 'alice@example.com' },
      subject: 'Re: hello\r\nBcc: victim@example.org',
      text: 'body',
    });
    const parsed = await simpleParser(raw);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.subject).toBe('Re: hello Bcc: victim@example.org');
  });

  it('leaves threading headers out when there is no original', async () => {
    const parsed = await simpleParser(
      await composeMime({
        from: 'fax@fax.example',
        to: { address: 'a@example.com' },
        subject: 's',
        text: 't',
      }),
    );
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.references).toBeUndefined();
  });
});

describe('the one recipient (issue 11 item 1)', () => {
  it.each([
    ['victim@target.test,x@evil.test', '"victim@target.test,x"@evil.test'],
    ['"victim@target.test,x"@evil.test', '"victim@target.test,x"@evil.test'],
    ['a@target.test; b@evil.test', '"a@target.test; b"@evil.test'],
    ['alice@example.com', 'alice@example.com'],
  ])('%s is written as one mailbox, %s', async (address, written) => {
    const { raw, envelope } = await composeMessage({
      from: 'fax@fax.example',
      to: { address },
      subject: 's',
      text: 't',
    });
    expect(envelope.to).toBe(written);
    const parsed = await simpleParser(raw);
    const to = [parsed.to ?? []].flat().flatMap((t) => t.value);
    expect(to).toHaveLength(1);
    expect(to[0]?.address?.endsWith(`@${written.split('@').at(-1)}`)).toBe(true);
  });
});

describe('a recipient the composer would rewrite (issue 11 item 1)', () => {
  it.each([['"a<victim@target.test>"@evil.test'], ['a<b>@evil.test']])(
    '%s is refused, not sent to the mailbox the composer makes of it',
    async (address) => {
      await expect(
        composeMessage({ from: 'fax@fax.example', to: { address }, subject: 's', text: 't' }),
      ).rejects.toThrow(/exactly the mailbox/);
    },
  );
});

describe('bareAddress', () => {
  it.each([
    ['Fax <fax@fax.example>', 'fax@fax.example'],
    ['"Doe, Jane" <jane@example.com>', 'jane@example.com'],
    [' fax@fax.example ', 'fax@fax.example'],
  ])('%s -> %s', (input, bare) => {
    expect(bareAddress(input)).toBe(bare);
  });
});
