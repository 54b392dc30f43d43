// Hostile header blocks (issue 11 item 8): the inbound use case on mails with 100,000 and 160,000
// header lines and one 1.5 MB header line, each beside an ordinary mail of the same size (a scan-like
// PDF), in processes of their own so each peak RSS is that mail's alone. A hostile mail is dropped
// as unreadable before anything parses it; the target is that it costs no more than a few times
// the ordinary mail, in time and in memory.

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildSesMail } from '../test/fixtures/mail-builder.ts';
import type { HeadersChildInput, HeadersChildOutput } from './hostile-headers-child.ts';
import { bundle, INFRA_BUNDLE_OPTIONS } from './lambda-bundle.ts';
import { MiB, median, round } from './measure.ts';
import { FAX_DOMAIN, FAX_NUMBER, mailWithScan, SENDER, scanLikePdf } from './scan-pdf.ts';

const run = promisify(execFile);

export interface HostileHeadersRow {
  label: string;
  mailMiB: number;
  outcome: string;
  medianMs: number;
  peakRssMiB: number;
  addedRssMiB: number;
  /** The ordinary mail of the same size. */
  normalMs: number;
  normalAddedRssMiB: number;
  /** hostile / ordinary; memory compares what each added to the loaded process. */
  timeRatio: number;
  memoryRatio: number;
}

export interface HostileHeadersResult {
  rows: HostileHeadersRow[];
}

interface Case {
  label: string;
  /** The hostile header lines, written into the sender's own header block. */
  lines: () => string;
}

export const HOSTILE_CASES: Case[] = [
  { label: '100,000 header lines', lines: () => 'X-A: a\r\n'.repeat(100_000) },
  { label: '160,000 header lines', lines: () => 'X-A: a\r\n'.repeat(160_000) },
  { label: 'one 1.5 MB header', lines: () => `X-A: ${'a'.repeat(1_500_000)}\r\n` },
];

async function hostileMail(c: Case): Promise<Buffer> {
  const mail = await buildSesMail({
    from: `Alice <${SENDER}>`,
    to: `${FAX_NUMBER}@${FAX_DOMAIN}`,
    subject: 'Scan',
    extraHeaders: { 'X-Filler': 'a' },
  });
  return Buffer.from(mail.toString('latin1').replace('X-Filler: a\r\n', c.lines()), 'latin1');
}

/** An ordinary mail with one scan-like PDF, as large as `bytes` (base64 makes 4 of every 3). */
async function ordinaryMail(bytes: number): Promise<Buffer> {
  return mailWithScan(
    await scanLikePdf({ label: 'ordinary', bytes: Math.floor((bytes * 3) / 4) - 4000, pages: 2 }),
  );
}

export async function measureHostileHeaders(options: {
  tmpDir: string;
  runs: number;
  cases?: Case[];
}): Promise<HostileHeadersResult> {
  const child = await bundle(
    new URL('./hostile-headers-child.ts', import.meta.url).pathname,
    join(options.tmpDir, 'hostile-headers-child.mjs'),
    INFRA_BUNDLE_OPTIONS,
  );
  const measure = async (name: string, mail: Buffer): Promise<HeadersChildOutput> => {
    const mailPath = join(options.tmpDir, `headers-${name}.eml`);
    await writeFile(mailPath, mail);
    const input: HeadersChildInput = { mailPath, runs: options.runs };
    const { stdout } = await run(process.execPath, [child.outfile, JSON.stringify(input)], {
      maxBuffer: 16 * MiB,
    });
    return JSON.parse(stdout) as HeadersChildOutput;
  };
  const rows: HostileHeadersRow[] = [];
  for (const [i, c] of (options.cases ?? HOSTILE_CASES).entries()) {
    const hostile = await measure(`hostile-${i}`, await hostileMail(c));
    const normal = await measure(`ordinary-${i}`, await ordinaryMail(hostile.mailBytes));
    if (normal.outcome !== 'ACCEPTED')
      throw new Error(`the ordinary mail was not accepted: ${normal.outcome}`);
    const ms = median(hostile.ms);
    const normalMs = median(normal.ms);
    const added = hostile.peakRssMiB - hostile.rssAfterImportMiB;
    const normalAdded = normal.peakRssMiB - normal.rssAfterImportMiB;
    rows.push({
      label: c.label,
      mailMiB: round(hostile.mailBytes / MiB, 2),
      outcome: hostile.reason ? `${hostile.outcome} ${hostile.reason}` : hostile.outcome,
      medianMs: round(ms, 2),
      peakRssMiB: round(hostile.peakRssMiB),
      addedRssMiB: round(added),
      normalMs: round(normalMs, 2),
      normalAddedRssMiB: round(normalAdded),
      timeRatio: round(ms / normalMs, 2),
      // Against at least 1 MiB: both can add almost nothing to a loaded process.
      memoryRatio: round(Math.max(added, 1) / Math.max(normalAdded, 1), 2),
    });
  }
  return { rows };
}
