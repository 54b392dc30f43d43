// `npm run send-test-fax -- --from you@example.com [--to +493012345600@fax.localhost] [--pdf file.pdf]`
// Mails a PDF (a generated one-page test fax unless --pdf is given) to the local SMTP server, so a
// test fax needs no swaks. With `--eml FILE` it writes the mail as SES would store it (SES header
// block included) instead, for copying straight into the bucket.

import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { ConfigError } from '../functions/config.ts';
import { SANDBOX_TEST_NUMBERS } from '../sandbox/faxrocks-sandbox.ts';
import { localConfigFromEnv } from './local-config.ts';
import { newSesMessageId, stampAsSes } from './ses-inbound-smtp.ts';
import { testFaxPdf } from './test-fax-pdf.ts';

const usage = `Usage: npm run send-test-fax -- --from ADDRESS [--to NUMBER@DOMAIN ...] [--pdf FILE] [--subject TEXT]
                                   [--server HOST:PORT] [--eml FILE]
  --from     the sender (must be on the allowlist: npx faxgate senders add ADDRESS --local)
  --to       a fax recipient; repeat for several (default ${SANDBOX_TEST_NUMBERS.delivered}@<FAX_DOMAIN>)
  --pdf      the document to fax (default: a generated one-page test page)
  --server   the SMTP server (default 127.0.0.1:<FAXGATE_SMTP_PORT>)
  --eml      write the mail, stamped as SES stores it, into FILE instead of sending it`;

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string', multiple: true },
        pdf: { type: 'string' },
        subject: { type: 'string' },
        server: { type: 'string' },
        eml: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    args = parse();
  } catch (error) {
    console.error(`send-test-fax: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values } = args;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.from || !/^[^@\s]+@[^@\s]+$/.test(values.from)) {
    console.error(`send-test-fax: --from must be an email address\n${usage}`);
    return 2;
  }
  let config: ReturnType<typeof localConfigFromEnv>;
  try {
    config = localConfigFromEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`send-test-fax: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const to = values.to ?? [`${SANDBOX_TEST_NUMBERS.delivered}@${config.policy.faxDomain}`];
  let document: Uint8Array;
  let filename = 'test-fax.pdf';
  if (values.pdf) {
    try {
      document = await readFile(values.pdf);
    } catch (error) {
      console.error(`send-test-fax: cannot read ${values.pdf}: ${(error as Error).message}`);
      return 2;
    }
    filename = basename(values.pdf);
  } else {
    document = await testFaxPdf();
  }
  const message = {
    from: values.from,
    to,
    subject: values.subject ?? 'faxgate test fax',
    text: 'Please fax the attached document.',
    attachments: [{ filename, content: Buffer.from(document), contentType: 'application/pdf' }],
  };

  if (values.eml) {
    const raw = await new MailComposer(message).compile().build();
    const id = newSesMessageId();
    const stamped = stampAsSes(
      raw,
      { mailFrom: values.from, rcptTo: to, helo: 'localhost', clientIp: '127.0.0.1' },
      id,
      config.sesStamp,
    );
    await writeFile(values.eml, stamped);
    console.log(
      `Wrote ${values.eml} (${stamped.length} bytes) as SES stores message ${id}: copy it to inbound/${id}`,
    );
    return 0;
  }

  const [host = config.host, port = String(config.smtpPort)] = (values.server ?? '')
    .split(':')
    .filter(Boolean);
  const transport = nodemailer.createTransport({ host, port: Number(port), secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail(message);
    console.log(`Sent to ${info.accepted.join(', ')}: ${info.response}`);
    if (info.rejected.length > 0) console.log(`Refused: ${info.rejected.join(', ')}`);
    return 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ESOCKET') {
      console.error(`send-test-fax: nothing listens on ${host}:${port}; is \`npm start\` running?`);
    } else {
      console.error(`send-test-fax: ${(error as Error).message}`);
    }
    return 1;
  } finally {
    transport.close();
  }
}

process.exitCode = await main();
