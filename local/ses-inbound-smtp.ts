// The local stand-in for SES inbound: an SMTP server for the fax domain that stamps each accepted
// mail with the header block SES prepends and hands it on for storage under `inbound/<message id>`,
// as the SES receipt rule's S3 action does. Nothing can be checked offline, so the verdicts and
// authentication results are what SesStamp asserts (PASS, spf=pass, dkim=none, dmarc by alignment).

import { randomBytes, randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { domainToASCII } from 'node:url';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { aligned, domainOf } from '../functions/domain/sender-trust.ts';
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

/** The host name after an address's last `@`, or undefined when that is not a plain host name. */
function hostOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at > 0 ? domainOf(address.slice(at + 1)) : undefined;
}

/** Control characters (C0 and DEL): everything that is neither printable ASCII nor beyond it. */
const NOT_PRINTABLE = /[^\x20-\x7e\x80-\uffff]/g;

/**
 * Client-given text as an RFC 8601 value: a token as it is, anything else a quoted string, so a
 * HELO of `x;dmarc=pass` stays one value and is never read as a result. Control characters go.
 */
export function resultValue(text: string): string {
  const clean = text.replace(NOT_PRINTABLE, '');
  return /^[^\s()<>,;:\\"/[\]?=]+$/.test(clean) ? clean : `"${clean.replace(/(["\\])/g, '\\$1')}"`;
}

/** A HELO name for the Received line: as given when it is a plain host name, else `unknown`. */
function plainHelo(helo: string): string {
  return /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f.:IPv]+\]$/.test(helo) ? helo : 'unknown';
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
  // A quoted local part (`"alice"@example.com`) stands in for a plain one: only the domain is read.
  const unquoted = value.replace(/"(?:[^"\\]|\\.)*"/g, 'q');
  const candidate =
    bracketed.length > 0 ? bracketed.at(-1) : unquoted.match(/[^\s<>"(),;:]+@[^\s<>"(),;:]+/)?.[0];
  return candidate ? hostOf(candidate.trim()) : undefined;
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
  const envelopeDomain = hostOf(envelope.mailFrom);
  const headerFromDomain = fromDomain(raw);
  const spf = envelopeDomain ? stamp.spf : 'none';
  // With a null sender SPF is checked against the HELO name, as SES does.
  const spfSubject = envelope.mailFrom || `postmaster@${envelope.helo}`;
  // Everything the client chose is written as a value (quoted where needed), nothing of it in the
  // comment: a comment cannot be escaped out of, but a crafted one must not be needed either.
  const spfDetail =
    `${spf} (spfCheck: the local stand-in asserts ${spf}) client-ip=${resultValue(envelope.clientIp)}; ` +
    `envelope-from=${resultValue(spfSubject)}; helo=${resultValue(envelope.helo)};`;
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
  const helo = plainHelo(envelope.helo);
  return [
    `Return-Path: <${envelope.mailFrom.replace(NOT_PRINTABLE, '').replace(/[<>]/g, '')}>`,
    `Received: from ${helo} (${helo} [${envelope.clientIp}])`,
    ` by inbound-smtp.${stamp.region}.amazonaws.com with SMTP id ${messageId}`,
    // A quoted recipient (`"+49 (30) 123"@fax...`) is named in angle brackets, as one path.
    /^[^\s<>;"()]+@[^\s<>;"()]+$/.test(rcpt)
      ? ` for ${rcpt};`
      : ` for <${rcpt.replace(NOT_PRINTABLE, '').replace(/[<>]/g, '')}>;`,
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

/**
 * An envelope address with its domain as the client sent it: smtp-server gives an IDN domain back
 * in Unicode (punycode.toUnicode), where SES writes what came over the wire (ASCII, `xn--`).
 */
function asSent(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0 || !/[^\x20-\x7e]/.test(address.slice(at + 1))) return address;
  const ascii = domainToASCII(address.slice(at + 1));
  return ascii ? `${address.slice(0, at)}@${ascii}` : address;
}

function envelopeOf(session: SMTPServerSession): SmtpEnvelope {
  const mailFrom = session.envelope.mailFrom;
  return {
    mailFrom: mailFrom ? asSent(mailFrom.address) : '',
    rcptTo: session.envelope.rcptTo.map((r) => asSent(r.address)),
    helo: session.hostNameAppearsAs || 'unknown',
    clientIp: session.remoteAddress.replace(/^::ffff:/, ''),
  };
}

type AddressParser = (name: string, command: string) => { address: string } | false;
interface ParsingConnection {
  _parseAddressCommand: AddressParser;
}

// `<"local part">`: a quoted string of printable characters with quoted-pairs, then `@domain>`.
const QUOTED_PATH = /^([^:]*:\s*<)("(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*")(@[^<>]*>.*)$/s;
const PLACEHOLDER = 'quoted-local-part';

/**
 * smtp-server cuts MAIL FROM / RCPT TO at the first space and refuses a quoted local part
 * (`"+49 (30) 123-456"@fax.localhost`, 501), which SES accepts. Its own parser still checks the
 * rest of the path and the parameters: the quoted string is set aside for a plain placeholder and
 * put back into the parsed address. Reaches into the library's connection (there is no hook).
 */
function acceptQuotedLocalParts(connection: ParsingConnection): void {
  const parse = connection._parseAddressCommand.bind(connection);
  connection._parseAddressCommand = (name, command) => {
    const quoted = QUOTED_PATH.exec(command);
    if (!quoted) return parse(name, command);
    const parsed = parse(name, `${quoted[1]}${PLACEHOLDER}${quoted[3]}`);
    if (parsed !== false && parsed.address.startsWith(`${PLACEHOLDER}@`)) {
      parsed.address = `${quoted[2]}${parsed.address.slice(PLACEHOLDER.length)}`;
    }
    return parsed;
  };
}

class SesLikeSmtpServer extends SMTPServer {
  constructor(options: ConstructorParameters<typeof SMTPServer>[0]) {
    super(options);
    // Each new connection is added to this set before it reads its first command.
    const connections = (this as unknown as { connections: Set<ParsingConnection> }).connections;
    const add = connections.add.bind(connections);
    connections.add = (connection) => {
      acceptQuotedLocalParts(connection);
      return add(connection);
    };
  }
}

export async function startSesInboundSmtp(options: SesInboundSmtpOptions): Promise<SesInboundSmtp> {
  const faxDomain = options.faxDomain.toLowerCase();
  const server = new SesLikeSmtpServer({
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
      const domain = hostOf(address.address);
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
