// The address headers of a mail's header block are read once (issue 11 item 8): the patched
// postal-mime parses From, Sender, To, Cc, Bcc, Reply-To, Delivered-To and Return-Path when they are
// first asked for (faxgate reads the sender and the recipients its own way, see headerFields in
// parse-inbound-mail.ts), and gives them as it did.

import PostalMime, { type Address } from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { parseInboundMail } from '../../functions/mail/parse-inbound-mail.ts';
import { Tokenizer } from '../../node_modules/postal-mime/dist/esm/address-parser.js';
import { countMethodCalls } from '../support/method-calls.ts';

const listed = (count: number) => Array.from({ length: count }, (_, i) => `"User ${i}" <u${i}@example.org>`);
const mail = Buffer.from(
  [
    'From: Alice <alice@example.com>',
    'To: +4930123456@fax.example.com, Bob <bob@example.org>',
    `Cc: ${listed(500).join(',\r\n ')}`,
    'Cc: Team: carol@example.org, dave@example.org;',
    'Reply-To: =?UTF-8?B?w4RsaWNl?= <alice@example.net>',
    'Subject: x',
    '',
    'body',
    '',
  ].join('\r\n'),
  'latin1',
);

describe('address lists', () => {
  it('are parsed when first read, each header once, and read as before', async () => {
    const { result: parsed, calls } = await countMethodCalls(
      [Tokenizer],
      (m) => m === 'tokenize',
      () => PostalMime.parse(mail),
    );
    // None is parsed with the mail.
    expect(calls).toBe(0);
    const read = await countMethodCalls(
      [Tokenizer],
      (m) => m === 'tokenize',
      () => [parsed.to, parsed.cc, parsed.cc, parsed.replyTo, parsed.bcc, parsed.from, parsed.from],
    );
    const [to, cc, again, replyTo, bcc, from] = read.result as [
      Address[] | undefined,
      Address[] | undefined,
      Address[] | undefined,
      Address[] | undefined,
      Address[] | undefined,
      Address | undefined,
    ];
    // From, To, the two Cc headers and Reply-To, each once, and the group's members (a list of their own).
    expect(read.calls).toBe(6);
    expect(from).toEqual({ address: 'alice@example.com', name: 'Alice' });
    expect(to).toEqual([
      { address: '+4930123456@fax.example.com', name: '' },
      { address: 'bob@example.org', name: 'Bob' },
    ]);
    expect(cc).toHaveLength(501);
    expect(cc?.[0]).toEqual({ address: 'u0@example.org', name: 'User 0' });
    expect(cc?.[500]).toEqual({
      name: 'Team',
      group: [
        { address: 'carol@example.org', name: '' },
        { address: 'dave@example.org', name: '' },
      ],
    });
    expect(again).toBe(cc);
    expect(replyTo).toEqual([{ address: 'alice@example.net', name: 'Älice' }]);
    expect(bcc).toBeUndefined();
    expect('bcc' in parsed).toBe(false);
    // Still plain data: listed by keys, written out by JSON, and assignable.
    expect(Object.keys(parsed)).toEqual(expect.arrayContaining(['from', 'to', 'cc', 'replyTo', 'subject']));
    expect(JSON.parse(JSON.stringify(parsed)).to).toEqual(to);
    parsed.to = [];
    expect(parsed.to).toEqual([]);
  });

  it('are read by faxgate once: recipients and their names from one reading of each header', async () => {
    const { result, calls } = await countMethodCalls(
      [Tokenizer],
      (m) => m === 'tokenize',
      () => parseInboundMail(mail),
    );
    expect(result.to).toEqual(['+4930123456@fax.example.com', 'bob@example.org']);
    expect(result.cc).toHaveLength(502);
    expect(result.recipientNames?.slice(0, 2)).toEqual([
      { address: 'bob@example.org', name: 'Bob' },
      { address: 'u0@example.org', name: 'User 0' },
    ]);
    // From, To and each Cc header once, and the group's members.
    expect(calls).toBe(5);
  });
});
