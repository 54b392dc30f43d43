// Issue 11 items 6 and 7 across every reply the gateway sends, through the one-machine runtime
// (`npm start`): crafted mails go in over SMTP, and every message the gateway writes to its outbox
// is read back raw and with mailparser. Whatever a mail's subject, file names, options, recipients
// or From display name hold (CR LF, control characters, bidi controls, forged header and reply
// lines, megabytes), no reply gains a header, a recipient or a line the gateway did not write, and
// mailing-list and automatic mail gets no reply at all: neither the immediate one, nor the final
// report, nor a resend's report, nor the give-up reply.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resendJob } from '../../functions/delivery/resend-job.ts';
import { NO_REDIAL } from '../../functions/domain/redial-policy.ts';
import { resendDepsFrom } from '../../functions/handlers/status-poller-deps.ts';
import { giveUpOnStoredMail } from '../../functions/inbound/process-mail.ts';
import type { LocalGateway } from '../../local/runtime.ts';
import { newSesMessageId, stampAsSes } from '../../local/ses-inbound-smtp.ts';
import { testFaxPdf } from '../../local/test-fax-pdf.ts';
import { SANDBOX_TEST_NUMBERS } from '../../sandbox/faxrocks-sandbox.ts';
import { deeplyNestedMail } from '../fixtures/mail-builder.ts';
import { eventually } from '../support/eventually.ts';
import {
  type ComposedReply,
  encodedWords,
  expectWellFormed,
  hostileText,
  readReply,
} from '../support/hostile-replies.ts';
import { mailTo, sesIdOfResponse, startTestGateway } from '../support/local-gateway.ts';

const sender = 'alice@example.com';
const FAX = 'fax.localhost';
let gateway: LocalGateway;
let pdf: Buffer;

beforeAll(async () => {
  gateway = await startTestGateway({
    dirPrefix: 'faxgate-hostile-replies-',
    pollerPolicy: { redial: NO_REDIAL },
    senders: [sender, '@example.net'],
  });
  pdf = Buffer.from(await testFaxPdf());
}, 60_000);

afterAll(async () => gateway?.close());

// ---- Crafted mail ----

/** A Content-Disposition file name as RFC 2231 continuations: any bytes, %0D%0A included. */
function rfc2231Name(name: string): string {
  const bytes = [...Buffer.from(name, 'utf8')].map(
    (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
  );
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 20) {
    lines.push(
      ` filename*${lines.length}*=${lines.length === 0 ? "UTF-8''" : ''}${bytes.slice(i, i + 20).join('')}`,
    );
  }
  return lines.join(';\r\n');
}

interface Part {
  name: string;
  type: string;
  content: Buffer;
}

interface Crafted {
  from?: string;
  envelopeFrom?: string;
  to: string[];
  subject: string;
  parts: Part[];
  extraHeaders?: string[];
  /** The Message-ID header's value as written. */
  messageId?: string;
}

let counter = 0;

/** A raw mail as a mail program would write it, with the crafted fields in place. */
function craft(mail: Crafted): { raw: Buffer; messageId: string } {
  const messageId = mail.messageId ?? `<hostile-${++counter}-${Date.now()}@example.com>`;
  const boundary = `b-${counter}-boundary`;
  const lines = [
    `From: ${mail.from ?? sender}`,
    `To: ${mail.to.join(',\r\n ')}`,
    `Subject: ${encodedWords(mail.subject)}`,
    `Message-ID: ${messageId}`,
    'Date: Tue, 01 Dec 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    ...(mail.extraHeaders ?? []),
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please fax this.',
  ];
  for (const part of mail.parts) {
    lines.push(
      `--${boundary}`,
      `Content-Type: ${part.type}`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment;\r\n${rfc2231Name(part.name)}`,
      '',
      ...(part.content.toString('base64').match(/.{1,76}/g) ?? []),
    );
  }
  lines.push(`--${boundary}--`, '');
  return { raw: Buffer.from(lines.join('\r\n'), 'utf8'), messageId };
}

/** The SES message id the gateway gave each mail sent here, by its Message-ID. */
const sesIds = new Map<string, string>();

/** Sends raw mail over SMTP as a mail client would; the SES message id the gateway answered. */
async function sendRaw(
  raw: Buffer,
  messageId: string,
  envelope: { from: string; to: string[] },
): Promise<string> {
  const sesId = sesIdOfResponse(await mailTo(gateway, { envelope, raw }));
  sesIds.set(messageId, sesId);
  return sesId;
}

async function send(mail: Crafted): Promise<string> {
  const { raw, messageId } = craft(mail);
  const rcpt = mail.to.map((t) => /<([^<>]+)>\s*$/.exec(t)?.[1] ?? t);
  await sendRaw(raw, messageId, {
    from: mail.envelopeFrom ?? sender,
    to: rcpt.filter((r) => r.endsWith(FAX)),
  });
  return messageId;
}

function sesIdOf(messageId: string): string {
  const sesId = sesIds.get(messageId);
  if (!sesId) throw new Error(`${messageId} was not sent here`);
  return sesId;
}

// ---- The outbox ----

interface Reply extends ComposedReply {
  inReplyTo?: string;
}

async function outbox(): Promise<Reply[]> {
  const files = readdirSync(gateway.outboxDir).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map((file) => readReply(file, readFileSync(join(gateway.outboxDir, file)))));
}

const repliesTo = async (messageId: string) => (await outbox()).filter((r) => r.inReplyTo === messageId);

async function replyTo(messageId: string, subject: RegExp): Promise<Reply> {
  return eventually(
    async () => (await repliesTo(messageId)).find((r) => subject.test(r.subject)),
    `a reply "${subject}" to ${messageId}`,
  );
}

const number = SANDBOX_TEST_NUMBERS.delivered;
const busy = SANDBOX_TEST_NUMBERS.busy;

describe('replies to hostile mail through npm start', () => {
  it('echo subjects, file names, options and recipients escaped, and no header can be injected', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, hostileText, async (text, other) => {
        const ascii = text.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '');
        const sent = {
          queued: await send({
            to: [
              `<${number}@${FAX}>`,
              `${encodedWords(other)} <9${ascii.slice(0, 40).replace(/[^a-z0-9]/gi, '')}x@${FAX}>`,
            ],
            subject: `${text} /cover`,
            parts: [
              { name: `${text}.pdf`, type: 'application/pdf', content: pdf },
              { name: `${other}.heic`, type: 'image/heic', content: Buffer.from('not a picture') },
            ],
          }),
          options: await send({ to: [`<${number}@${FAX}>`], subject: `Order /at ${text}`, parts: [] }),
          badNumber: await send({
            to: [
              `"${ascii.slice(0, 60)}" <+49${ascii.length}x${encodeURIComponent(ascii).slice(0, 30)}@${FAX}>`,
            ],
            subject: other,
            parts: [{ name: 'a.pdf', type: 'application/pdf', content: pdf }],
          }),
          formats: await send({
            to: [`<${number}@${FAX}>`],
            subject: text,
            parts: [
              { name: `${text}.heic`, type: 'image/heic', content: Buffer.from('heic') },
              {
                name: `${other}.docx`,
                type: 'application/octet-stream',
                content: Buffer.from('PK\u0003\u0004'),
              },
            ],
          }),
          notAllowed: await send({
            from: `${encodedWords(text)} <mallory@example.org>`,
            envelopeFrom: 'mallory@example.org',
            to: [`<${number}@${FAX}>`],
            subject: other,
            parts: [{ name: 'a.pdf', type: 'application/pdf', content: pdf }],
          }),
          failing: await send({
            to: [`<${busy}@${FAX}>`],
            subject: `${other} /nocover`,
            parts: [{ name: `${other}.pdf`, type: 'application/pdf', content: pdf }],
          }),
        };
        const immediate = [
          await replyTo(sent.queued, /^Fax queued/),
          await replyTo(sent.options, /^Fax not sent/),
          await replyTo(sent.badNumber, /^Fax not sent/),
          await replyTo(sent.formats, /^Fax not sent/),
          await replyTo(sent.failing, /^Fax queued/),
        ];
        for (const reply of immediate) expectWellFormed(reply, sender);
        expectWellFormed(await replyTo(sent.notAllowed, /^Fax not sent/), 'mallory@example.org');
        expect((await replyTo(sent.formats, /^Fax not sent/)).text).toMatch(/HEIC|Office|Word/i);

        // The final reports, then an admin's resend of the failed number and its report.
        await gateway.pollNow();
        const delivered = await replyTo(sent.queued, /^Fax delivered/);
        expectWellFormed(delivered, sender);
        const failed = await replyTo(sent.failing, /^Fax failed/);
        expectWellFormed(failed, sender);
        await resendBusy(sent.failing);
        expect((await repliesTo(sent.failing)).filter((r) => /^Fax failed/.test(r.subject))).toHaveLength(2);
        for (const reply of await repliesTo(sent.failing)) expectWellFormed(reply, sender);
      }),
      { numRuns: 3, seed: 11_6, endOnFailure: true },
    );
  }, 240_000);

  it('gives up with a "nothing was faxed" reply that echoes the subject escaped', async () => {
    const subject = `${'\r\nX-Injected: yes'.repeat(3)}\u202e${'y'.repeat(2_000)}`;
    const { raw, messageId } = craft({ to: [`<${number}@${FAX}>`], subject, parts: [] });
    const key = await storeAsSes(raw);
    expect(
      await giveUpOnStoredMail({ bucket: gateway.config.bucket, key }, gateway.deps, {
        forAdmin: 'test',
        forSender: 'faxrocks answered 429 (too many requests)\r\nX-Injected: yes for 2 hours',
      }),
    ).toBe('gave-up');
    expectWellFormed(await replyTo(messageId, /^Fax not sent/), sender);
  });
});

describe('threading headers from hostile mail through npm start', () => {
  it.each([
    [
      'non-ASCII and bidi controls',
      '<th\u00fcread-\u202e-1@example.com>',
      '<a@example.com> <\u00e4\u2066@example.com>',
    ],
    [
      'a forged header',
      '<thread-2@example.com>\tX-Injected: yes',
      '<a@example.com>\t\tBcc: victim@target.test',
    ],
    [
      'encoded words',
      '=?UTF-8?B?PGluamVjdGVkQGV4YW1wbGUuY29tPg0KQmNjOiB2aWN0aW1AdGFyZ2V0LnRlc3Q=?=',
      '=?UTF-8?Q?=0D=0ABcc:_victim@target.test?=',
    ],
    [
      'an over-long id',
      `<${'l'.repeat(3_000)}@example.com>`,
      Array.from({ length: 500 }, (_, i) => `<r${i}@example.com>`).join(' '),
    ],
  ])('keep In-Reply-To and References one line of ASCII each (%s)', async (what, messageId, references) => {
    const token = `thread ${what.replace(/\W/g, '')}`;
    const { raw } = craft({
      to: [`<${number}@${FAX}>`],
      subject: token,
      parts: [],
      messageId,
      extraHeaders: [`References: ${references}`],
    });
    await sendRaw(raw, messageId, { from: sender, to: [`${number}@${FAX}`] });
    const reply = await eventually(
      async () => (await outbox()).find((r) => r.subject.includes(token)),
      `the reply to "${token}"`,
    );
    expectWellFormed(reply, sender);
  });
});

describe('odd senders, recipients and structures through npm start', () => {
  /** Sends raw mail text and waits until its record is decided; the record and the replies to it. */
  async function decided(
    text: string,
    envelope: { from: string; to: string[] } = { from: sender, to: [`${number}@${FAX}`] },
  ) {
    const messageId = `<odd-${++counter}-${Date.now()}@example.com>`;
    const raw = Buffer.from(text.replace('MESSAGE-ID', messageId), 'utf8');
    const sesId = await sendRaw(raw, messageId, envelope);
    const record = await eventually(async () => {
      const mail = await gateway.deps.ledger.getMail(sesId);
      // Answered mail is marked replied after its reply was written to the outbox.
      return mail && (mail.outcome === 'DROPPED' || mail.repliedAt) ? mail : undefined;
    }, `the outcome of ${messageId}`);
    // A dropped mail has no reply to wait for; a replied one is marked before the file is read.
    const replies = record.repliedAt ? [await replyTo(messageId, /^Fax/)] : await repliesTo(messageId);
    for (const reply of replies) expectWellFormed(reply, replies[0] ? (record.sender ?? sender) : sender);
    expect(readdirSync(gateway.deadLetterDir)).toEqual([]);
    return { record, replies, sesId };
  }

  const plain = (from: string, extra: string[] = [], to = `<${number}@${FAX}>`) =>
    [
      `From: ${from}`,
      `To: ${to}`,
      'Subject: Odd',
      'Message-ID: MESSAGE-ID',
      'MIME-Version: 1.0',
      ...extra,
      'Content-Type: text/plain',
      '',
      'No PDF here.',
      '',
    ].join('\r\n');

  it.each([
    [
      'an encoded-word name holding addresses',
      '=?UTF-8?B?dmljdGltQHRhcmdldC50ZXN0LCB4QGV2aWwudGVzdA==?= <alice@example.com>',
    ],
    ['a quoted name holding addresses', '"victim@target.test, x@evil.test" <alice@example.com>'],
    ['a comment holding an address', 'alice@example.com (=?UTF-8?B?Ym9iQGV2aWwudGVzdA==?=)'],
  ])('answers only the From mailbox for %s', async (_what, from) => {
    const { record, replies } = await decided(plain(from));
    expect(record).toMatchObject({ outcome: 'REJECTED', sender });
    expect(replies).toHaveLength(1);
  });

  it('answers a quoted local part holding a comma as one mailbox', async () => {
    const from = '"victim@target.test,x"@example.net';
    const { record, replies } = await decided(plain(from), {
      from: 'bounce@example.net',
      to: [`${number}@${FAX}`],
    });
    expect(record).toMatchObject({ outcome: 'REJECTED', sender: from });
    expect(replies).toHaveLength(1);
  });

  it.each([
    ['a UTF-8 local part', '\u00e5lice@example.net'],
    ['an IDN domain written in UTF-8', 'alice@ex\u00e4mple.net'],
    ['an address literal', 'alice@[192.0.2.1]'],
    ['a group', 'team: alice@example.com, bob@example.com;'],
    ['two mailboxes', 'alice@example.com, bob@example.com'],
    ['an encoded word for the address', '=?UTF-8?B?YWxpY2VAZXhhbXBsZS5jb20=?='],
    ['a local part of 3,000 characters', `"${'a'.repeat(3_000)}"@example.net`],
  ])('drops a From with %s: recorded, not answered, not dead-lettered', async (_what, from) => {
    const { record, replies } = await decided(plain(from));
    expect(record.outcome).toBe('DROPPED');
    expect(replies).toEqual([]);
  });

  it('rejects a mail to 1,990 fax numbers with one reply', async () => {
    // Within the 2,000 addresses a header block's address fields are read for (From's among them).
    const numbers = Array.from({ length: 1_990 }, (_, i) => `+4930555${String(i).padStart(5, '0')}@${FAX}`);
    // Ten to a line: a header block of more than 2,000 lines is not read at all.
    const lines = Array.from({ length: 199 }, (_, i) => numbers.slice(i * 10, i * 10 + 10).join(', '));
    const { record, replies } = await decided(plain(sender, [], lines.join(',\r\n ')), {
      from: sender,
      to: numbers.slice(0, 50),
    });
    expect(record).toMatchObject({ outcome: 'REJECTED', reason: 'too-many-numbers' });
    expect(replies).toHaveLength(1);
    // Numbers past the limit are counted, not read.
    expect(replies[0]?.text).toContain(`addressed to more than 50 fax numbers (1,990 addresses at ${FAX})`);
    expect(gateway.sandbox?.faxes().some((f) => f.number === '+493055500000')).toBe(false);
  });

  it('faxes the PDF of a mail with 2,000 other attachments, and names 19 of them', async () => {
    const boundary = 'many-parts';
    const parts = Array.from({ length: 2_000 }, (_, i) =>
      [
        `--${boundary}`,
        `Content-Type: text/plain; name="note-${i}\u202e.txt"`,
        'Content-Disposition: attachment',
        '',
        `note ${i}`,
      ].join('\r\n'),
    );
    const text = [
      `From: ${sender}`,
      `To: <${number}@${FAX}>`,
      'Subject: Many parts',
      'Message-ID: MESSAGE-ID',
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      ...parts,
      `--${boundary}`,
      'Content-Type: application/pdf; name="letter.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...(pdf.toString('base64').match(/.{1,76}/g) ?? []),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const { record, replies } = await decided(text);
    expect(record.outcome).toBe('ACCEPTED');
    expect(replies[0]?.text).toMatch(/and 1,981 more/);
  });

  it.each([
    ['multipart nested 300 levels deep', 300],
    ['multipart nested 200 levels deep', 200],
  ])('ends a mail with %s in a recorded outcome', async (_what, levels) => {
    const text = deeplyNestedMail(levels, [
      `From: ${sender}`,
      `To: <${number}@${FAX}>`,
      'Subject: Nested',
      'Message-ID: MESSAGE-ID',
    ]);
    const { record } = await decided(text);
    expect(['DROPPED', 'REJECTED']).toContain(record.outcome);
  });

  it('ends a mail of forwarded mails nested 50 deep in a recorded outcome', async () => {
    let inner = plain(sender).replace('MESSAGE-ID', '<innermost@example.com>');
    for (let level = 0; level < 50; level++) {
      inner = [
        `From: ${sender}`,
        `To: <${number}@${FAX}>`,
        `Subject: level ${level}`,
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="f${level}"`,
        '',
        `--f${level}`,
        'Content-Type: message/rfc822',
        '',
        inner,
        `--f${level}--`,
        '',
      ].join('\r\n');
    }
    const { record } = await decided(
      inner.replace(`Subject: level 49`, 'Subject: level 49\r\nMessage-ID: MESSAGE-ID'),
    );
    expect(['DROPPED', 'REJECTED']).toContain(record.outcome);
  });
});

describe('mailing-list and automatic mail through npm start', () => {
  const kinds = [
    ['List-Id', 'List-Id: News <news.example.com>'],
    ['List-Unsubscribe', 'List-Unsubscribe: <mailto:leave@example.com>'],
    ['Precedence: bulk', 'Precedence: bulk'],
    ['Precedence: list', 'Precedence: List'],
    ['Precedence: junk', 'Precedence: junk'],
    ['Auto-Submitted: auto-generated', 'Auto-Submitted: auto-generated'],
    ['Auto-Submitted: auto-notified', 'Auto-Submitted: auto-notified; owner-email="x@example.com"'],
  ] as const;

  it.each(kinds)(
    'is faxed, but %s mail gets no reply: not queued, not the report, not a resend report',
    async (_kind, header) => {
      const queued = await send({
        to: [`<${number}@${FAX}>`],
        subject: 'Newsletter',
        parts: [{ name: 'a.pdf', type: 'application/pdf', content: pdf }],
        extraHeaders: [header],
      });
      const failing = await send({
        to: [`<${busy}@${FAX}>`],
        subject: 'Newsletter',
        parts: [{ name: 'a.pdf', type: 'application/pdf', content: pdf }],
        extraHeaders: [header],
      });
      const rejected = await send({
        to: [`<${number}@${FAX}>`],
        subject: 'No PDF',
        parts: [],
        extraHeaders: [header],
      });
      for (const id of [queued, failing, rejected]) {
        const sesId = sesIdOf(id);
        await eventually(async () => {
          const mail = await gateway.deps.ledger.getMail(sesId);
          return mail && mail.outcome !== 'RECEIVED' ? mail : undefined;
        }, 'the mail decided');
      }
      await gateway.pollNow();
      await resendBusy(failing);
      expect((await gateway.deps.ledger.getJob(sesIdOf(queued), number))?.state).toBe('DELIVERED');
      for (const id of [queued, failing, rejected]) expect(await repliesTo(id)).toEqual([]);
    },
    60_000,
  );

  it('gets no give-up reply either', async () => {
    const { raw, messageId } = craft({
      to: [`<${number}@${FAX}>`],
      subject: 'Newsletter',
      parts: [],
      extraHeaders: ['List-Id: <news.example.com>'],
    });
    const key = await storeAsSes(raw);
    expect(
      await giveUpOnStoredMail({ bucket: gateway.config.bucket, key }, gateway.deps, {
        forAdmin: 'test',
        forSender: 'faxrocks answered 429 (too many requests) for 2 hours',
      }),
    ).toBe('gave-up');
    expect(await repliesTo(messageId)).toEqual([]);
  });
});

/**
 * An admin's resend (`faxgate jobs resend`) of the busy number of a mail, once its first attempt is
 * closed; returns when the poller has closed (and reported, unless silent) the second attempt too.
 */
async function resendBusy(messageId: string): Promise<void> {
  const sesId = sesIdOf(messageId);
  const closed = (attempts: number) => async () => {
    await gateway.pollNow();
    const job = await gateway.deps.ledger.getJob(sesId, busy);
    return job?.state === 'FAILED' && job.notifiedAt && (job.attempts?.length ?? 0) >= attempts
      ? job
      : undefined;
  };
  await eventually(closed(0), 'the failed job closed');
  const resent = await resendJob(resendDepsFrom(gateway.pollerDeps, gateway.config.policy), {
    messageId: sesId,
    number: busy,
  });
  expect(resent.status).toBe('queued');
  await eventually(closed(1), 'the resent job closed');
}

/** Stores a crafted mail in the bucket as SES would, without queueing it; its object key. */
async function storeAsSes(raw: Buffer): Promise<string> {
  const sesId = newSesMessageId();
  const stamped = stampAsSes(
    raw,
    { mailFrom: sender, rcptTo: [`${number}@${FAX}`], helo: 'mx.example.com', clientIp: '192.0.2.1' },
    sesId,
    gateway.config.sesStamp,
  );
  const key = `stored-only/${sesId}`;
  await gateway.s3Client.send(
    new PutObjectCommand({ Bucket: gateway.config.bucket, Key: key, Body: stamped }),
  );
  return key;
}
