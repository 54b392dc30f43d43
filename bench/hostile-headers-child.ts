// One mail of the hostile-headers figure, in a process of its own so its peak RSS is this mail's
// alone. Bundled by hostile-headers.ts the way infra bundles the Lambda, then run with plain node.
// Input: one JSON argument (HeadersChildInput). Output: one JSON line (HeadersChildOutput).
// The real use case runs on the mail, from raw bytes to its outcome, against in-memory ports.

import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gatewayPolicyFromEnv } from '../functions/config.ts';
import { processStoredMail } from '../functions/inbound/process-mail.ts';
import { benchInboundDeps, faxrocksFetch } from './bench-inbound-deps.ts';
import { timeRuns } from './measure.ts';

export interface HeadersChildInput {
  mailPath: string;
  runs: number;
}

export interface HeadersChildOutput {
  outcome: string;
  reason?: string;
  mailBytes: number;
  ms: number[];
  /** RSS (MiB) with everything loaded and the mail read, before the first run. */
  rssAfterImportMiB: number;
  /** Peak RSS (MiB) during the first run. */
  peakRssMiB: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as HeadersChildInput;
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

/**
 * The RSS a run starts from. The process's peak so far (imports, reading the mail) can stand above
 * what it holds now, and then hides part of the run's own peak: so the garbage is collected and,
 * on Linux, the peak is reset to the RSS of now (clear_refs 5), from which the run's peak is
 * counted. Elsewhere the peak so far is the baseline.
 */
function startingRssMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (rss) return Number(rss[1]) / 1024;
  } catch {
    // no procfs
  }
  return peakRssMiB();
}

const { deps, mailStore } = await benchInboundDeps(
  gatewayPolicyFromEnv({
    FAX_DOMAIN: 'fax.bench.example',
    DEFAULT_COUNTRY: 'DE',
    // The ordinary mail beside a hostile one of the largest size carries a PDF of ~29 MiB
    MAX_DOCUMENT_BYTES: String(40 * 1024 * 1024),
  }),
  faxrocksFetch(),
);

const raw = await readFile(input.mailPath);
let run = 0;
let last: { outcome: string; reason?: string } = { outcome: 'none' };
async function once(): Promise<void> {
  const ref = { bucket: 'bench', key: `inbound/headers-${run++}` };
  mailStore.put(ref, raw);
  last = (await processStoredMail(ref, deps)) as { outcome: string; reason?: string };
}
const rssAfterImportMiB = startingRssMiB();
await once();
const peak = peakRssMiB();
const ms = await timeRuns({ warmup: 0, runs: input.runs }, once);
const output: HeadersChildOutput = {
  outcome: last.outcome,
  ...(last.reason ? { reason: last.reason } : {}),
  mailBytes: raw.byteLength,
  ms,
  rssAfterImportMiB,
  peakRssMiB: peak,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
