// Figure 4: the one-machine runtime (`npm start`'s startLocalGateway) end to end: mails with 1 MiB
// scan-like PDFs over SMTP on loopback, through the S3 stand-in, the queue and the inbound use case,
// to POST /send at the faxrocks sandbox. Mails per second and the time from "SMTP accepted" to
// "/send received" (the fax's creation time at the sandbox), beside the floor: the same PDFs posted
// straight to the same sandbox with the faxrocks client, at the same concurrency. The mails are
// composed and sent by a separate process (bench/smtp-load.ts), as another machine would.

import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import nodemailer from 'nodemailer';
import { FaxrocksClient, staticToken } from '../functions/adapters/faxrocks/client.ts';
import { startLocalGateway } from '../local/runtime.ts';
import { startFaxrocksSandbox } from '../sandbox/faxrocks-sandbox.ts';
import { silentLog } from '../test/support/telemetry.ts';
import { MiB, percentile, round } from './measure.ts';
import { FAX_DOMAIN, SENDER, scanLikePdf } from './scan-pdf.ts';
import type { SmtpLoadInput } from './smtp-load.ts';

export interface RuntimeOptions {
  tmpDir: string;
  mails: number;
  /** SMTP connections (and floor senders) at once. */
  concurrency: number;
  pdfBytes: number;
  /** Longest wait for the last fax, ms. */
  timeoutMs: number;
}

export interface RuntimeResult {
  mails: number;
  concurrency: number;
  pdfMiB: number;
  mailsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  floorMailsPerSecond: number;
  floorP50Ms: number;
  floorP95Ms: number;
  /** mailsPerSecond / floorMailsPerSecond. */
  rateToFloor: number;
}

/** A valid Berlin number per mail, so each fax at the sandbox names its mail. */
function numberFor(index: number): string {
  return `+4930${String(30_000_000 + index)}`;
}

/** Runs `work` for indexes 0..count-1, `limit` at a time. */
async function concurrently(count: number, limit: number, work: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export async function measureLocalRuntime(options: RuntimeOptions): Promise<RuntimeResult> {
  const sandbox = await startFaxrocksSandbox({ port: 0, deliveryDelayMs: 3_600_000 });
  const dataDir = join(options.tmpDir, `runtime-${process.pid}`);
  await rm(dataDir, { recursive: true, force: true });
  const gateway = await startLocalGateway({
    dataDir,
    ports: 0,
    externalFaxrocks: { url: sandbox.url, token: sandbox.token },
    policy: { faxDomain: FAX_DOMAIN, replyFrom: `fax@${FAX_DOMAIN}` },
    pollOnTimer: false,
    log: silentLog,
  });
  try {
    await gateway.deps.senders.add({ entry: SENDER, addedBy: 'bench', addedAt: new Date().toISOString() });
    const pdf = Buffer.from(await scanLikePdf({ label: '1MiB', bytes: options.pdfBytes, pages: 2 }));

    // Warm-up: one mail through everything (tables, lazy imports, connections).
    await sendOverSmtp(gateway.smtpPort, numberFor(999_999), pdf);
    await waitForFaxes(sandbox, new Set([numberFor(999_999)]), options.timeoutMs);

    const pdfPath = join(dataDir, 'scan.pdf');
    await writeFile(pdfPath, pdf);
    const numbers = Array.from({ length: options.mails }, (_, i) => numberFor(i));
    const { started, accepted } = await sendFromAnotherProcess({
      port: gateway.smtpPort,
      pdfPath,
      from: SENDER,
      faxDomain: FAX_DOMAIN,
      numbers,
      concurrency: options.concurrency,
    });
    const created = await waitForFaxes(sandbox, new Set(accepted.keys()), options.timeoutMs);
    const last = Math.max(...created.values());
    const latencies = [...accepted].map(([number, at]) => (created.get(number) ?? Number.NaN) - at);

    // The floor: the same document straight to the sandbox, as many, as many at once.
    const client = new FaxrocksClient({ baseUrl: sandbox.url, token: staticToken(sandbox.token) });
    await client.send({ numbers: [numberFor(999_998)], document: pdf });
    const floorLatencies: number[] = [];
    const floorStarted = Date.now();
    await concurrently(options.mails, options.concurrency, async (i) => {
      const sendStarted = Date.now();
      await client.send({ numbers: [numberFor(500_000 + i)], document: pdf });
      floorLatencies.push(Date.now() - sendStarted);
    });
    const floorSeconds = (Date.now() - floorStarted) / 1000;

    const mailsPerSecond = options.mails / ((last - started) / 1000);
    const floorMailsPerSecond = options.mails / floorSeconds;
    return {
      mails: options.mails,
      concurrency: options.concurrency,
      pdfMiB: round(pdf.byteLength / MiB, 2),
      mailsPerSecond: round(mailsPerSecond, 2),
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      floorMailsPerSecond: round(floorMailsPerSecond, 2),
      floorP50Ms: round(percentile(floorLatencies, 50)),
      floorP95Ms: round(percentile(floorLatencies, 95)),
      rateToFloor: round(mailsPerSecond / floorMailsPerSecond, 2),
    };
  } finally {
    await gateway.close();
    await sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs bench/smtp-load.ts; resolves when it has sent every mail, with when each was accepted. */
async function sendFromAnotherProcess(
  input: SmtpLoadInput,
): Promise<{ started: number; accepted: Map<string, number> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./smtp-load.ts', import.meta.url).pathname, JSON.stringify(input)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const accepted = new Map<string, number>();
  let started = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'ready') {
      started = Date.now();
      child.stdin.write('go\n');
      continue;
    }
    const { number, acceptedAt } = JSON.parse(line) as { number: string; acceptedAt: number };
    accepted.set(number, acceptedAt);
  }
  const code = await exited;
  if (code !== 0 || accepted.size !== input.numbers.length) {
    throw new Error(
      `the SMTP load process ended with ${code} after ${accepted.size} of ${input.numbers.length} mails`,
    );
  }
  return { started, accepted };
}

async function sendOverSmtp(port: number, number: string, pdf: Buffer): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    await transport.sendMail({
      from: `Alice <${SENDER}>`,
      to: `${number}@${FAX_DOMAIN}`,
      subject: 'Scan',
      text: 'Please fax.',
      attachments: [{ filename: 'scan.pdf', content: pdf, contentType: 'application/pdf' }],
    });
  } finally {
    transport.close();
  }
}

/** Creation time (ms) of each number's fax at the sandbox; waits, boundedly, until all are there. */
async function waitForFaxes(
  sandbox: { faxes(): { number: string; created_at: string }[] },
  numbers: Set<string>,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
    const found = new Map<string, number>();
    for (const fax of sandbox.faxes()) {
      if (numbers.has(fax.number)) found.set(fax.number, Date.parse(fax.created_at));
    }
    if (found.size === numbers.size) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the runtime did not send all ${numbers.size} faxes within ${timeoutMs} ms`);
}
