// The SMTP side of the runtime figure, in a process of its own: a mail server handing mail to the
// gateway is another machine, and composing and dot-stuffing megabytes of MIME must not take the
// event loop the gateway runs on. Composes every mail first, says "ready", waits for "go" on stdin,
// then sends them `concurrency` at a time and prints one JSON line per accepted mail:
// {"number": "...", "acceptedAt": <epoch ms>}. Input: one JSON argument (SmtpLoadInput).

import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';

export interface SmtpLoadInput {
  port: number;
  pdfPath: string;
  from: string;
  faxDomain: string;
  numbers: string[];
  concurrency: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as SmtpLoadInput;
const pdf = await readFile(input.pdfPath);
const mails = await Promise.all(
  input.numbers.map(async (number) => ({
    number,
    raw: await new MailComposer({
      from: `Alice <${input.from}>`,
      to: `${number}@${input.faxDomain}`,
      subject: 'Scan',
      text: 'Please fax.',
      attachments: [{ filename: 'scan.pdf', content: pdf, contentType: 'application/pdf' }],
    })
      .compile()
      .build(),
  })),
);

process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

let next = 0;
await Promise.all(
  Array.from({ length: Math.min(input.concurrency, mails.length) }, async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: input.port, ignoreTLS: true });
    try {
      while (next < mails.length) {
        const mail = mails[next++];
        if (!mail) break;
        await transport.sendMail({
          envelope: { from: input.from, to: [`${mail.number}@${input.faxDomain}`] },
          raw: mail.raw,
        });
        process.stdout.write(`${JSON.stringify({ number: mail.number, acceptedAt: Date.now() })}\n`);
      }
    } finally {
      transport.close();
    }
  }),
);
process.exit(0);
