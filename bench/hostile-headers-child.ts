// One mail of the hostile-headers figure, in a process of its own so its peak RSS is this mail's
// alone. Bundled by hostile-headers.ts the way infra bundles the Lambda, then run with plain node.
// Input: one JSON argument (HeadersChildInput). Output: one JSON line (HeadersChildOutput).
// The real use case runs on the mail, from raw bytes to its outcome, against in-memory ports.

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
  /** Peak RSS (MiB) after imports, and after the first run. */
  rssAfterImportMiB: number;
  peakRssMiB: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as HeadersChildInput;
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

const { deps, mailStore } = await benchInboundDeps(
  gatewayPolicyFromEnv({
    FAX_DOMAIN: 'fax.bench.example',
    DEFAULT_COUNTRY: 'DE',
    // The ordinary mail beside a hostile one of the largest size carries a PDF of ~29 MiB
    MAX_DOCUMENT_BYTES: String(40 * 1024 * 1024),
  }),
  faxrocksFetch(),
);

const rssAfterImportMiB = peakRssMiB();
const raw = await readFile(input.mailPath);
let run = 0;
let last: { outcome: string; reason?: string } = { outcome: 'none' };
async function once(): Promise<void> {
  const ref = { bucket: 'bench', key: `inbound/headers-${run++}` };
  mailStore.put(ref, raw);
  last = (await processStoredMail(ref, deps)) as { outcome: string; reason?: string };
}
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
