// npm start's runtime (local/runtime.ts) as the tests run it in this process: every server on a
// free loopback port, its own data folder, no log, the poller only when the test says so; and the
// ways a test talks to it: mail over SMTP, the outbox's replies, the fax PDF the sandbox kept, the
// environment an admin's CLI would have.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { type LocalGateway, type LocalGatewayOptions, startLocalGateway } from '../../local/runtime.ts';
import { eventually } from './eventually.ts';
import { tempDir } from './stand-ins.ts';
import { silentLog } from './telemetry.ts';

export interface TestGatewayOptions extends LocalGatewayOptions {
  /** Allowed before the first mail (added straight to the senders table). */
  senders?: string[];
  /** Prefix of the temporary data folder made when no `dataDir` is given. */
  dirPrefix?: string;
}

/**
 * Starts the runtime; `close()` also deletes the data folder it made (a given `dataDir` is kept).
 * Defaults: free ports, sandbox delivers at once, no poll timer, silent log; each can be overridden.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<LocalGateway> {
  const { senders = [], dirPrefix = 'faxgate-test-', ...rest } = options;
  const dir = rest.dataDir === undefined ? tempDir(dirPrefix) : undefined;
  let gateway: LocalGateway;
  try {
    gateway = await startLocalGateway({
      ports: 0,
      sandboxDeliveryDelayMs: 0,
      pollOnTimer: false,
      log: silentLog,
      ...rest,
      ...(dir ? { dataDir: dir.path } : {}),
    });
  } catch (error) {
    dir?.remove();
    throw error;
  }
  const close = gateway.close;
  gateway.close = async () => {
    await close();
    dir?.remove();
  };
  for (const entry of senders)
    await gateway.deps.senders.add({ entry, addedBy: 'test', addedAt: new Date().toISOString() });
  return gateway;
}

/** The environment an admin's `faxgate ... --local` has for this gateway. */
export function cliEnvOf(gateway: LocalGateway): Record<string, string> {
  return {
    FAXGATE_DATA_DIR: gateway.config.dataDir,
    FAXGATE_DYNAMODB_ENDPOINT: gateway.dynamodbEndpoint,
    FAXGATE_S3_ENDPOINT: gateway.s3Endpoint,
    FAXGATE_SANDBOX_PORT: String(gateway.sandbox?.port),
    FAXGATE_SMTP_PORT: String(gateway.smtpPort),
  };
}

/** Mails `mail` to the gateway's SMTP port, as a mail client would. */
export async function mailTo(
  gateway: LocalGateway,
  mail: Mail.Options,
): Promise<SMTPTransport.SentMessageInfo> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: gateway.smtpPort,
    ignoreTLS: true,
  });
  try {
    return await transport.sendMail(mail);
  } finally {
    transport.close();
  }
}

/** The SES message id the gateway's SMTP server answered with ("250 Ok <id>"). */
export function sesIdOfResponse(info: SMTPTransport.SentMessageInfo): string {
  const id = /Ok ([a-z0-9]{20})$/.exec(info.response)?.[1];
  if (!id) throw new Error(`no SES message id in the SMTP answer: ${info.response}`);
  return id;
}

/** Every reply in the outbox, in file name order (the order they were written). */
export async function outboxMails(gateway: LocalGateway): Promise<ParsedMail[]> {
  const files = readdirSync(gateway.outboxDir)
    .filter((f) => f.endsWith('.eml'))
    .sort();
  return Promise.all(files.map((f) => simpleParser(readFileSync(join(gateway.outboxDir, f)))));
}

/** The replies to the mail with this Message-ID, in the order they were written. */
export async function repliesTo(gateway: LocalGateway, originalId: string): Promise<ParsedMail[]> {
  return (await outboxMails(gateway)).filter((m) => m.inReplyTo === originalId);
}

/** Waits (bounded) for a reply to `originalId` whose subject matches. */
export function replyTo(gateway: LocalGateway, originalId: string, subject: RegExp): Promise<ParsedMail> {
  return eventually(
    async () => (await repliesTo(gateway, originalId)).find((m) => subject.test(m.subject ?? '')),
    `a reply matching ${subject} to ${originalId}`,
  );
}

/** Waits (bounded) for the fax to `number` at the sandbox. */
export function faxTo(gateway: LocalGateway, number: string) {
  return eventually(() => gateway.sandbox?.faxes().find((f) => f.number === number), `the fax to ${number}`);
}

/** The PDF the sandbox serves for fax `id` (GET /faxes/{id}/fax), as faxrocks would. */
export async function faxPdf(gateway: LocalGateway, id: string | number): Promise<Uint8Array> {
  const response = await fetch(`${gateway.faxrocksUrl}/faxes/${id}/fax`, {
    headers: { authorization: `Bearer ${gateway.config.sandboxToken}`, accept: 'application/pdf' },
  });
  if (response.status !== 200) throw new Error(`GET /faxes/${id}/fax answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
