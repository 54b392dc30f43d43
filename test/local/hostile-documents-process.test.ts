// Issue 11 item 9 through `npm start` as a process: the document worker loads under tsx, a 1 MB PDF
// whose object stream inflates to 1 GB is answered "too complex to fax", and the same process then
// faxes an ordinary mail.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { objectStreamBomb } from '../fixtures/hostile-pdfs.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';
import { runFaxgate } from '../support/cli.ts';
import { eventually } from '../support/eventually.ts';
import { bannerAddresses, type NpmStart, startNpmStart } from '../support/npm-start.ts';

let gateway: NpmStart | undefined;

afterAll(async () => {
  await gateway?.stop();
});

/** Waits (bounded) for the probe; fails at once should npm start have exited. */
function whileRunning<T>(probe: () => T | undefined, what: string): Promise<T> {
  return eventually(
    () => {
      if (gateway?.child.exitCode !== null)
        throw new Error(
          `npm start exited while waiting for ${what}: ${gateway?.stdout()}${gateway?.stderr()}`,
        );
      return probe();
    },
    what,
    { timeoutMs: 120_000 },
  );
}

function outbox(): string[] {
  try {
    const folder = join(gateway?.dir ?? '', 'outbox');
    return readdirSync(folder)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => readFileSync(join(folder, f), 'utf8'));
  } catch {
    return [];
  }
}

describe('npm start and a PDF decompression bomb', () => {
  it('answers "too complex to fax" and goes on faxing', async () => {
    // Every server on a port the system picks (no race for a port found free a moment before).
    gateway = startNpmStart({ env: { SANDBOX_DELIVERY_DELAY_MS: '0' } });
    const { smtpPort, dynamodbEndpoint } = bannerAddresses(
      await gateway.printed('Send a test fax end to end'),
    );
    const env = { FAXGATE_DATA_DIR: gateway.dir, FAXGATE_DYNAMODB_ENDPOINT: dynamodbEndpoint };
    const added = await runFaxgate(['senders', 'add', 'alice@example.com', '--local'], env);
    expect(added.code, `${added.out}\n${added.err}`).toBe(0);

    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      ignoreTLS: true,
    });
    await transport.sendMail({
      from: 'alice@example.com',
      to: '+4930555000911@fax.localhost',
      subject: 'Contract',
      text: 'Please fax.',
      attachments: [{ filename: 'contract.pdf', content: Buffer.from(objectStreamBomb(1024)) }],
    });
    const refused = await whileRunning(
      () => outbox().find((m) => /too complex/.test(m)),
      'the "too complex" reply',
    );
    expect(refused).toMatch(/^To: alice@example\.com/m);
    expect(refused).toMatch(/contract\.pdf is too complex to fax/);

    await transport.sendMail({
      from: 'alice@example.com',
      to: '+4930555000912@fax.localhost',
      subject: 'Letter',
      text: 'Please fax.',
      attachments: [{ filename: 'letter.pdf', content: Buffer.from(await samplePdf(1)) }],
    });
    transport.close();
    await whileRunning(
      () => outbox().find((m) => /^Subject: Fax queued: Letter/m.test(m)),
      'the queued reply',
    );
    expect(gateway.child.exitCode).toBeNull();
  }, 240_000);
});
