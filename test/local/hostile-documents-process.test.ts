// Issue 11 item 9 through `npm start` as a process: the document worker loads under tsx, a 1 MB PDF
// whose object stream inflates to 1 GB is answered "too complex to fax", and the same process then
// faxes an ordinary mail.

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { objectStreamBomb } from '../fixtures/hostile-pdfs.ts';
import { samplePdf } from '../fixtures/mail-builder.ts';
import { tempDir } from '../support/stand-ins.ts';

const repo = join(import.meta.dirname, '..', '..');
const dir = tempDir('faxgate-bomb-');
let child: ChildProcess | undefined;
let output = '';

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  dir.remove();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function eventually<T>(probe: () => T | undefined, what: string): Promise<T> {
  // Bounded: a loaded machine starts tsx and the stand-ins slowly.
  for (let i = 0; i < 2400; i++) {
    if (child?.exitCode !== null) throw new Error(`npm start exited while waiting for ${what}: ${output}`);
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function outbox(): string[] {
  try {
    const folder = join(dir.path, 'outbox');
    return readdirSync(folder)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => readFileSync(join(folder, f), 'utf8'));
  } catch {
    return [];
  }
}

describe('npm start and a PDF decompression bomb', () => {
  it('answers "too complex to fax" and goes on faxing', async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      FAXGATE_DATA_DIR: dir.path,
      FAXGATE_SMTP_PORT: String(await freePort()),
      FAXGATE_S3_PORT: String(await freePort()),
      FAXGATE_DYNAMODB_PORT: String(await freePort()),
      FAXGATE_SANDBOX_PORT: String(await freePort()),
      SANDBOX_DELIVERY_DELAY_MS: '0',
    };
    child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // Its log (stderr) is read only to show why, should the process end early.
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await eventually(() => (output.includes('Send a test fax end to end') ? true : undefined), 'the banner');
    const cliOutput: string[] = [];
    const io = { out: (t: string) => cliOutput.push(t), err: (t: string) => cliOutput.push(t), env };
    expect(await runCli(['senders', 'add', 'alice@example.com', '--local'], io), cliOutput.join('\n')).toBe(
      0,
    );

    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: Number(env.FAXGATE_SMTP_PORT),
      ignoreTLS: true,
    });
    await transport.sendMail({
      from: 'alice@example.com',
      to: '+4930555000911@fax.localhost',
      subject: 'Contract',
      text: 'Please fax.',
      attachments: [{ filename: 'contract.pdf', content: Buffer.from(objectStreamBomb(1024)) }],
    });
    const refused = await eventually(
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
    await eventually(() => outbox().find((m) => /^Subject: Fax queued: Letter/m.test(m)), 'the queued reply');
    expect(child.exitCode).toBeNull();
  }, 240_000);
});
