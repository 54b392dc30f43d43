// Outgoing mail as real MIME (nodemailer's MailComposer), so encodings, folding and attachments
// are right for every mail program. Every message is marked as an automatic reply, which keeps
// well-behaved auto-responders (and our own inbound loop guard) from answering it.

import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { OutgoingMail } from '../ports.ts';

/** The bare address of `Name <addr@domain>` or `addr@domain`. */
export function bareAddress(address: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(address);
  return (angle?.[1] ?? address).trim();
}

function domainOf(address: string): string {
  const bare = bareAddress(address);
  const domain = bare.slice(bare.lastIndexOf('@') + 1);
  return domain && domain !== bare ? domain.toLowerCase() : 'faxgate.invalid';
}

/** An address compared as a mailbox: the local part unquoted, the domain in lower case. */
function mailboxKey(address: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const quoted = /^"(.*)"$/s.exec(local);
  return `${quoted ? (quoted[1] as string).replace(/\\(.)/gs, '$1') : local}@${address.slice(at + 1).toLowerCase()}`;
}

/** Subject lines are one line: a CR or LF from an original subject must not start a new header. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+\s*/g, ' ');
}

/** A composed message and the SMTP envelope it goes out with: one sender, exactly one recipient. */
export interface ComposedMessage {
  raw: Buffer;
  envelope: { from: string; to: string };
}

export async function composeMime(mail: OutgoingMail, options: { now?: Date } = {}): Promise<Buffer> {
  return (await composeMessage(mail, options)).raw;
}

export async function composeMessage(
  mail: OutgoingMail,
  options: { now?: Date } = {},
): Promise<ComposedMessage> {
  const composer = new MailComposer({
    from: mail.from,
    // An address object, which the composer never splits (a string is parsed as an address list:
    // `victim@target.test,x@evil.test` would be two recipients). It quotes the local part as needed.
    to: { name: '', address: mail.to.address },
    subject: oneLine(mail.subject),
    text: mail.text,
    date: options.now ?? new Date(),
    messageId: `<${randomUUID()}@${domainOf(mail.from)}>`,
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    ...(mail.references && mail.references.length > 0 ? { references: mail.references } : {}),
    headers: {
      'Auto-Submitted': 'auto-replied',
      'X-Auto-Response-Suppress': 'All',
    },
    attachments: (mail.attachments ?? []).map((attachment) => ({
      filename: attachment.filename,
      contentType: attachment.contentType,
      content: Buffer.from(attachment.content),
    })),
  });
  const node = composer.compile();
  const envelope = node.getEnvelope();
  const [to, ...more] = envelope.to;
  if (!to || more.length > 0 || !envelope.from) {
    throw new Error(`a reply must go to exactly one mailbox, the composer made ${envelope.to.length}`);
  }
  // The composer quotes a local part as needed, but writes `<` and `>` in one as spaces: a reply
  // goes to exactly the mailbox it was given, or not at all.
  if (mailboxKey(to) !== mailboxKey(mail.to.address)) {
    throw new Error('a reply must go to exactly the mailbox given, the composer would rewrite it');
  }
  return { raw: await node.build(), envelope: { from: envelope.from, to } };
}
