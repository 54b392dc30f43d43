// One mail of the hostile-headers figure, in a process of its own so its peak RSS is this mail's
// alone. Bundled by hostile-headers.ts the way infra bundles the Lambda, then run with plain node.
// Input: one JSON argument (HeadersChildInput). Output: one JSON line (HeadersChildOutput).
// The real use case runs on the mail, from raw bytes to its outcome, against in-memory ports.

import { readFile } from 'node:fs/promises';
import { FaxrocksClient, staticToken } from '../functions/adapters/faxrocks/client.ts';
import { gatewayPolicyFromEnv } from '../functions/config.ts';
import type { InboundDeps } from '../functions/handlers/inbound-deps.ts';
import { processStoredMail } from '../functions/inbound/process-mail.ts';
import { systemClock } from '../functions/ports.ts';
import { CountingMetrics, silentLog } from '../test/support/telemetry.ts';
import {
  CountingMailer,
  MemoryDailyUsage,
  MemoryJobLedger,
  MemoryMailStore,
  MemorySenderList,
} from './in-memory-ports.ts';
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

const faxrocksFetch: typeof fetch = async () =>
  new Response(JSON.stringify({ number: '+4930123456', pages: 1, estimated_costs: 0.09 }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });

const mailStore = new MemoryMailStore();
const senders = new MemorySenderList();
await senders.add({ entry: 'alice@example.com', addedBy: 'bench', addedAt: new Date().toISOString() });
const deps: InboundDeps = {
  mailStore,
  senders,
  ledger: new MemoryJobLedger(),
  faxApi: new FaxrocksClient({
    baseUrl: 'http://127.0.0.1:9/api',
    token: staticToken('bench'),
    fetch: faxrocksFetch,
  }),
  mailer: new CountingMailer(),
  policy: gatewayPolicyFromEnv({ FAX_DOMAIN: 'fax.bench.example', DEFAULT_COUNTRY: 'DE' }),
  clock: systemClock,
  log: silentLog,
  metrics: new CountingMetrics(),
  usage: new MemoryDailyUsage(),
};

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
