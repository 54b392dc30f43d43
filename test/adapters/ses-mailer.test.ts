import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import sesLocalModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesMailer } from '../../functions/adapters/ses-mailer.ts';
import { localAwsClientConfig } from '../../local/stand-ins.ts';

interface StoredEmail {
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
  attachments: { filename?: string; contentType: string; content: string }[];
}

// A CommonJS module with __esModule: Node's ESM loader and vitest's interop disagree on `default`.
const sesLocal: typeof sesLocalModule.default =
  typeof sesLocalModule === 'function' ? sesLocalModule : sesLocalModule.default;

describe('SesMailer', () => {
  let server: Server;
  let endpoint: string;
  let client: SESv2Client;

  beforeAll(async () => {
    server = await sesLocal({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new SESv2Client(localAwsClientConfig(endpoint));
  });
  afterAll(async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function storedEmails(): Promise<StoredEmail[]> {
    const response = await fetch(`${endpoint}/store`);
    return ((await response.json()) as { emails: StoredEmail[] }).emails;
  }

  it('sends the composed MIME through the real SESv2 client', async () => {
    const mailer = new SesMailer(client);
    const pdf = Buffer.from('%PDF-1.7\nreceipt\n%%EOF\n');
    await mailer.send({
      from: 'Fax gateway <fax@fax.example>',
      to: { address: 'alice@example.com' },
      subject: 'Delivered: fax to +4930123456',
      text: 'Your fax was delivered.',
      inReplyTo: '<orig@example.com>',
      references: ['<orig@example.com>'],
      attachments: [{ filename: 'receipt.pdf', contentType: 'application/pdf', content: pdf }],
    });
    const emails = await storedEmails();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.from).toBe('"Fax gateway" <fax@fax.example>');
    expect(email?.destination.to).toEqual(['alice@example.com']);
    expect(email?.subject).toBe('Delivered: fax to +4930123456');
    expect(email?.body.text?.trim()).toBe('Your fax was delivered.');
    expect(email?.attachments.map((a) => a.filename)).toEqual(['receipt.pdf']);
    expect(Buffer.from(email?.attachments[0]?.content ?? '', 'base64').equals(pdf)).toBe(true);
  });

  it('asks SES for exactly one recipient, the mailbox as the message names it', async () => {
    const inputs: { Destination?: unknown }[] = [];
    const recording = new SESv2Client(localAwsClientConfig(endpoint));
    recording.middlewareStack.add(
      (next) => async (args) => {
        inputs.push(args.input as { Destination?: unknown });
        return next(args);
      },
      { step: 'initialize' },
    );
    const before = (await storedEmails()).length;
    await new SesMailer(recording).send({
      from: 'fax@fax.example',
      to: { address: 'victim@target.test,x@evil.test' },
      subject: 's',
      text: 't',
    });
    recording.destroy();
    expect(inputs.map((i) => i.Destination)).toEqual([{ ToAddresses: ['"victim@target.test,x"@evil.test'] }]);
    const emails = await storedEmails();
    expect(emails.slice(before).map((e) => e.destination.to)).toEqual([['"victim@target.test,x"@evil.test']]);
  });

  it('lets an SES error through for the caller to retry', async () => {
    const unreachable = new SESv2Client({ ...localAwsClientConfig('http://127.0.0.1:9'), maxAttempts: 1 });
    await expect(
      new SesMailer(unreachable).send({
        from: 'fax@fax.example',
        to: { address: 'a@example.com' },
        subject: 's',
        text: 't',
      }),
    ).rejects.toThrow();
    unreachable.destroy();
  });
});
