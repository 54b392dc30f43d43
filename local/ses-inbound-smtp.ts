// The local stand-in for SES inbound: an SMTP server for the fax domain that stamps each accepted
// mail with the header block SES prepends and hands it on for storage under `inbound/<message id>`,
// as the SES receipt rule's S3 action does. Nothing can be checked offline, so the verdicts and
// authentication results are what SesStamp asserts (PASS, spf=pass, dkim=none, dmarc by alignment).

import { randomBytes, randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { SesStamp } from './local-config.ts';

/** SMTP envelope and connection facts that SES writes into its header block. */
export interface SmtpEnvelope {
  /** MAIL FROM; empty for the null sender (bounces). */
  mailFrom: string;
  rcptTo: string[];
  helo: string;
  clientIp: string;
}

const idAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** An SES-like message id: lower-case letters and digits, used as the S3 key's last part. */
export function newSesMessageId(length = 20): string {
  let id = '';
  for (let i = 0; i < length; i++) id += idAlphabet[randomInt(idAlphabet.length)];
  return id;
}

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(at + 1).toLowerCase() : undefined;
}

/** Relaxed alignment without a public-suffix list: equal, or one is a subdomain of the other. */
function aligned(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/** The header section of a raw mail, unfolded, one header per entry. */
function headerLines(raw: Buffer): string[] {
  const text = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const section = end === -1 ? text : text.slice(0, end);
  return section.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}

/** The domain of the mail's From: address, when there is exactly one From: header naming one. */
export function fromDomain(raw: Buffer): string | undefined {
  const froms = headerLines(raw).filter((line) => /^from\s*:/i.test(line));
  if (froms.length !== 1) return undefined;
  const value = (froms[0] as string).replace(/^from\s*:/i, '');
  const bracketed = [...value.matchAll(/<([^<>]*)>/g)].map((m) => m[1] as string);
  const candidate =
    bracketed.length > 0 ? bracketed.at(-1) : value.match(/[^\s<>"(),;:]+@[^\s<>"(),;:]+/)?.[0];
  return candidate ? domainOf(candidate.trim()) : undefined;
}

/** RFC 5322 date as SES writes it: `Mon, 01 Jan 2024 12:00:00 +0000 (UTC)`. */
function receivedDate(at: Date): string {
  return `${at.toUTCString().replace('GMT', '+0000')} (UTC)`;
}

/**
 * The header block SES prepends to a received mail, in SES's order: Return-Path, Received,
 * X-SES-Spam-Verdict, X-SES-Virus-Verdict, Received-SPF, Authentication-Results, X-SES-RECEIPT.
 * Returned as lines without line ends.
 */
export function sesHeaderBlock(
  raw: Buffer,
  envelope: SmtpEnvelope,
  messageId: string,
  stamp: SesStamp,
  at: Date = new Date(),
): string[] {
  const envelopeDomain = domainOf(envelope.mailFrom);
  const headerFromDomain = fromDomain(raw);
  const spf = envelopeDomain ? stamp.spf : 'none';
  // With a null sender SPF is checked against the HELO name, as SES does.
  const spfSubject = envelope.mailFrom || `postmaster@${envelope.helo}`;
  const spfDetail =
    `${spf} (spfCheck: local stand-in asserts ${spf} for domain of ${envelopeDomain ?? envelope.helo} ` +
    `with ip ${envelope.clientIp}) client-ip=${envelope.clientIp}; envelope-from=${spfSubject}; helo=${envelope.helo};`;
  const dkim =
    stamp.dkim === 'none' || !headerFromDomain
      ? 'dkim=none;'
      : `dkim=${stamp.dkim} header.i=@${headerFromDomain};`;
  const dkimAligned = stamp.dkim === 'pass' && headerFromDomain !== undefined;
  const spfAligned =
    spf === 'pass' && envelopeDomain !== undefined && headerFromDomain !== undefined
      ? aligned(envelopeDomain, headerFromDomain)
      : false;
  const dmarc = stamp.dmarc === 'auto' ? (spfAligned || dkimAligned ? 'pass' : 'fail') : stamp.dmarc;
  const rcpt = envelope.rcptTo[0] ?? '';
  return [
    `Return-Path: <${envelope.mailFrom}>`,
    `Received: from ${envelope.helo} (${envelope.helo} [${envelope.clientIp}])`,
    ` by inbound-smtp.${stamp.region}.amazonaws.com with SMTP id ${messageId}`,
    ` for ${rcpt};`,
    ` ${receivedDate(at)}`,
    `X-SES-Spam-Verdict: ${stamp.spamVerdict}`,
    `X-SES-Virus-Verdict: ${stamp.virusVerdict}`,
    `Received-SPF: ${spfDetail}`,
    'Authentication-Results: amazonses.com;',
    ` spf=${spfDetail}`,
    ` ${dkim}`,
    headerFromDomain ? ` dmarc=${dmarc} header.from=${headerFromDomain};` : ` dmarc=${dmarc};`,
    `X-SES-RECEIPT: ${randomBytes(192).toString('base64')}`,
  ];
}

/** Prepends the SES header block, keeping the mail's own line ends (SMTP data is CRLF). */
export function stampAsSes(
  raw: Buffer,
  envelope: SmtpEnvelope,
  messageId: string,
  stamp: SesStamp,
  at?: Date,
): Buffer {
  const firstLineEnd = raw.indexOf('\n');
  const eol =
    firstLineEnd > 0 && raw[firstLineEnd - 1] === 0x0d ? '\r\n' : firstLineEnd === -1 ? '\r\n' : '\n';
  const block = sesHeaderBlock(raw, envelope, messageId, stamp, at).join(eol) + eol;
  return Buffer.concat([Buffer.from(block, 'latin1'), raw]);
}

export interface SesInboundSmtpOptions {
  host: string;
  port: number;
  faxDomain: string;
  maxMessageBytes: number;
  stamp: SesStamp;
  /** Stores the stamped mail (in the bucket, under `inbound/<messageId>`); a throw becomes a 451. */
  store(messageId: string, stamped: Buffer): Promise<void>;
  onError?(error: unknown): void;
}

export interface SesInboundSmtp {
  port: number;
  /** Stops accepting connections and waits for open sessions to end. */
  close(): Promise<void>;
}

interface SmtpReplyError extends Error {
  responseCode: number;
}

function smtpError(responseCode: number, message: string): SmtpReplyError {
  return Object.assign(new Error(message), { responseCode });
}

async function readData(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    // Past the limit keep draining the stream but stop holding bytes.
    if (!stream.sizeExceeded) chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function envelopeOf(session: SMTPServerSession): SmtpEnvelope {
  const mailFrom = session.envelope.mailFrom;
  return {
    mailFrom: mailFrom ? mailFrom.address : '',
    rcptTo: session.envelope.rcptTo.map((r) => r.address),
    helo: session.hostNameAppearsAs || 'unknown',
    clientIp: session.remoteAddress.replace(/^::ffff:/, ''),
  };
}

export async function startSesInboundSmtp(options: SesInboundSmtpOptions): Promise<SesInboundSmtp> {
  const faxDomain = options.faxDomain.toLowerCase();
  const server = new SMTPServer({
    name: `inbound-smtp.${options.stamp.region}.amazonaws.com`,
    banner: 'faxgate local SES inbound stand-in',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    size: options.maxMessageBytes,
    logger: false,
    // On Ctrl-C an idle client must not hold the stop up for long.
    closeTimeout: 3000,
    onRcptTo(address, _session, callback) {
      const domain = domainOf(address.address);
      if (domain !== faxDomain) {
        callback(
          smtpError(550, `5.1.1 <${address.address}>: this server accepts mail for @${faxDomain} only`),
        );
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      readData(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) {
            callback(smtpError(552, `5.3.4 Message too big: the limit is ${options.maxMessageBytes} bytes`));
            return;
          }
          const messageId = newSesMessageId();
          const stamped = stampAsSes(raw, envelopeOf(session), messageId, options.stamp);
          await options.store(messageId, stamped);
          callback(null, `Ok ${messageId}`);
        })
        .catch((error: unknown) => {
          options.onError?.(error);
          callback(smtpError(451, '4.3.0 Could not store the message, try again later'));
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(error);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => options.onError?.(error));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
