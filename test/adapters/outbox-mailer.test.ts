import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../functions/adapters/outbox-mailer.ts';
import { TransientError } from '../../functions/errors.ts';
import type { OutgoingMail } from '../../functions/ports.ts';
import { tempDir } from '../support/stand-ins.ts';

const reply: OutgoingMail = {
  from: 'Fax gateway <fax@fax.localhost>',
  to: { address: 'alice@example.com' },
  subject: 'Queued: your fax to +4930123456',
  text: 'Queued 1 fax.',
  inReplyTo: '<orig@example.com>',
  references: ['<orig@example.com>'],
};

interface Received {
  from: string;
  to: string[];
  raw: Buffer;
  user?: string;
}

describe('OutboxMailer', () => {
  const dir = tempDir('faxgate-outbox-');
  const received: Received[] = [];
  let smtp: SMTPServer;
  let smtpPort: number;

  beforeAll(async () => {
    smtp = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'relay' && auth.password === 'secret') return callback(null, { user: 'relay' });
        callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
            user: session.user as string | undefined,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    dir.remove();
  });

  it('writes each message as a complete .eml file, creating the folder', async () => {
    const outboxDir = join(dir.path, 'outbox-only', 'nested');
    const mailer = new OutboxMailer({
      outboxDir,
      clock: { now: () => new Date('2026-11-27T06:00:00.123Z') },
    });
    const first = await mailer.deliver(reply);
    await mailer.send({ ...reply, subject: 'Second' });
    const files = readdirSync(outboxDir).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^2026-11-27T06-00-00-123Z-[0-9a-f]{8}\.eml$/.test(f))).toBe(true);
    expect(first).toBe(join(outboxDir, files.find((f) => first.endsWith(f)) ?? ''));
    const parsed = await simpleParser(readFileSync(first));
    expect(parsed.subject).toBe(reply.subject);
    expect(parsed.to).toMatchObject({ value: [{ address: 'alice@example.com', name: '' }] });
    expect(parsed.inReplyTo).toBe('<orig@example.com>');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
  });

  it('relays the same bytes over SMTP, with authentication, to the bare addresses', async () => {
    const outboxDir = join(dir.path, 'relayed');
    const mailer = new OutboxMailer({
      outboxDir,
      relay: { host: '127.0.0.1', port: smtpPort, auth: { user: 'relay', pass: 'secret' } },
    });
    const path = await mailer.deliver(reply);
    mailer.close();
    const relayed = received.at(-1);
    expect(relayed?.from).toBe('fax@fax.localhost');
    expect(relayed?.to).toEqual(['alice@example.com']);
    expect(relayed?.user).toBe('relay');
    // SMTP dot-stuffing and line ends aside, the relayed message is the outbox file.
    expect(relayed?.raw.toString().trimEnd()).toBe(readFileSync(path).toString().trimEnd());
  });

  it('keeps the .eml and reports a transient error when the relay refuses', async () => {
    const outboxDir = join(dir.path, 'refused');
    const mailer = new OutboxMailer({
      outboxDir,
      relay: { host: '127.0.0.1', port: smtpPort, auth: { user: 'relay', pass: 'wrong' } },
    });
    await expect(mailer.send(reply)).rejects.toBeInstanceOf(TransientError);
    mailer.close();
    expect(readdirSync(outboxDir).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    expect(readdirSync(outboxDir).filter((f) => f.endsWith('.tmp'))).toHaveLength(0);
  });
});
