// Replies through SES v2 as raw MIME, so threading headers and attachments go out exactly as composed.

import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer, OutgoingMail } from '../ports.ts';
import { composeMessage } from './mime-message.ts';

export interface SesMailerOptions {
  /** SES configuration set for sending events (bounces, complaints), if any. */
  configurationSetName?: string;
}

export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesMailerOptions = {},
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    const { raw, envelope } = await composeMessage(mail);
    // Throttling and service errors propagate: the caller's queue retries the whole step.
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: mail.from,
        // The one recipient as the composer wrote it into the message: the same mailbox, quoted alike.
        Destination: { ToAddresses: [envelope.to] },
        Content: { Raw: { Data: raw } },
        ...(this.options.configurationSetName
          ? { ConfigurationSetName: this.options.configurationSetName }
          : {}),
      }),
    );
  }
}
