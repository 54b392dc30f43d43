// Outgoing mail for the one-machine runtime: each message becomes an .eml file in an outbox folder
// (open it with any mail program), and is optionally relayed to a real SMTP server.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import { TransientError } from '../errors.ts';
import { type Clock, type Mailer, type OutgoingMail, systemClock } from '../ports.ts';
import { composeMessage } from './mime-message.ts';

export interface SmtpRelay {
  host: string;
  port: number;
  /** Implicit TLS (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
}

export interface OutboxMailerOptions {
  /** Created when missing. */
  outboxDir: string;
  relay?: SmtpRelay;
  clock?: Clock;
}

export class OutboxMailer implements Mailer {
  private readonly clock: Clock;
  private readonly transport?: Transporter;

  constructor(private readonly options: OutboxMailerOptions) {
    this.clock = options.clock ?? systemClock;
    if (options.relay) {
      const { host, port, secure, auth } = options.relay;
      this.transport = createTransport({ host, port, secure: secure ?? false, ...(auth ? { auth } : {}) });
    }
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.deliver(mail);
  }

  /** Like send, and tells where the .eml file went. */
  async deliver(mail: OutgoingMail): Promise<string> {
    const now = this.clock.now();
    const { raw, envelope } = await composeMessage(mail, { now });
    const path = await this.write(raw, now);
    if (this.transport) {
      try {
        await this.transport.sendMail({
          envelope: { from: envelope.from, to: [envelope.to] },
          raw,
        });
      } catch (error) {
        throw new TransientError(`Relaying ${path} over SMTP failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    return path;
  }

  close(): void {
    this.transport?.close();
  }

  private async write(raw: Buffer, now: Date): Promise<string> {
    await mkdir(this.options.outboxDir, { recursive: true });
    // Sortable by time; the random part keeps two messages of one millisecond apart.
    const name = `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
    const path = join(this.options.outboxDir, name);
    // Write then rename: whoever watches the folder never sees half a message.
    const temporary = join(this.options.outboxDir, `.${name}.tmp`);
    await writeFile(temporary, raw);
    await rename(temporary, path);
    return path;
  }
}
