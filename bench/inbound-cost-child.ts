// One size of the inbound-cost figure, in a process of its own so its peak RSS is this mail's
// alone. Bundled by inbound-cost.ts the way infra bundles the Lambda, then run with plain node.
//
// Input: one JSON argument (ChildInput). Output: one JSON line (ChildOutput) on stdout.
// The real use case runs, from raw mail bytes to the finished POST /send body: the real faxrocks
// client builds that body and hands it to a fetch that keeps its length and answers like faxrocks.

import { readFile } from 'node:fs/promises';
import { setImmediate as nextCheckPhase } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import { gatewayPolicyFromEnv } from '../functions/config.ts';
import { processStoredMail } from '../functions/inbound/process-mail.ts';
import { benchInboundDeps, faxrocksFetch } from './bench-inbound-deps.ts';
import { timeRuns } from './measure.ts';

export interface ChildInput {
  mailPath: string;
  warmup: number;
  runs: number;
  /** Also time mailparser's simpleParser alone on the same mail, for reference. */
  simpleParser: boolean;
}

export interface ChildOutput {
  mailBytes: number;
  /** Bytes of the POST /send body the client built. */
  sendBodyBytes: number;
  pages: number;
  /** Peak RSS (MiB) after imports, before the mail is read. */
  rssAfterImportMiB: number;
  /** Peak RSS (MiB) with the raw mail in memory. */
  rssWithMailMiB: number;
  /** Peak RSS (MiB) of the process after the first full run: the figure a Lambda must hold. */
  peakRssMiB: number;
  pipelineMs: number[];
  floorMs: number[];
  simpleParserMs: number[];
  /** CPU time (ms) of the whole process, all threads, per pipeline run. */
  pipelineCpuMs: number[];
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

// The settings schema's defaults, as a deployed function reads them, with room for the largest
// mail SES delivers (~29 MiB of PDF) to reach /send.
const policy = gatewayPolicyFromEnv({
  FAX_DOMAIN: 'fax.bench.example',
  MAX_DOCUMENT_BYTES: String(40 * 1024 * 1024),
});

let sendBodyBytes = 0;
const { deps, mailStore } = await benchInboundDeps(
  policy,
  faxrocksFetch((bytes) => {
    sendBodyBytes = bytes;
  }),
);

const rssAfterImportMiB = peakRssMiB();
const raw = await readFile(input.mailPath);
const rssWithMailMiB = peakRssMiB();

let run = 0;
let pages = 0;
async function pipeline(): Promise<void> {
  const ref = { bucket: 'bench', key: `inbound/bench-${run++}` };
  mailStore.put(ref, raw);
  const result = await processStoredMail(ref, deps);
  if (result.outcome !== 'ACCEPTED') throw new Error(`the mail was not accepted: ${JSON.stringify(result)}`);
  pages = (await deps.ledger.getMail(`bench-${run - 1}`))?.pages ?? 0;
}

// The first run alone decides the peak: one mail per invocation, as in the Lambda.
await pipeline();
const peakRssAfterFirst = peakRssMiB();
const sendBodyAfterFirst = sendBodyBytes;

// The floor: the attachment's base64, as it stands in the mail, decoded and encoded again.
const start = raw.indexOf('JVBERi0');
const end = raw.indexOf('\r\n--', start);
if (start < 0 || end < 0) throw new Error('no base64 PDF part found in the mail');
function floor(): void {
  const decoded = Buffer.from(raw.toString('latin1', start, end), 'base64');
  if (decoded.toString('base64').length === 0) throw new Error('empty');
}

// The event loop turns between timed runs, as between two invocations, so work one side leaves
// behind (the incremental GC the floor's large strings start) finishes outside the other's timing.
async function settled(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await nextCheckPhase();
}

// Floor and pipeline alternate, so both see the same noise from whatever else runs on the machine.
for (let i = 1; i < input.warmup; i++) {
  floor();
  await pipeline();
}
const pipelineMs: number[] = [];
const floorMs: number[] = [];
// CPU time of the whole process (every thread: the document worker's too) per pipeline run.
const pipelineCpuMs: number[] = [];
for (let i = 0; i < input.runs; i++) {
  await settled();
  floorMs.push(...(await timeRuns({ warmup: 0, runs: 1 }, floor)));
  await settled();
  const cpuBefore = process.cpuUsage();
  pipelineMs.push(...(await timeRuns({ warmup: 0, runs: 1 }, pipeline)));
  const cpu = process.cpuUsage(cpuBefore);
  pipelineCpuMs.push((cpu.user + cpu.system) / 1000);
}

const simpleParserMs = input.simpleParser
  ? await timeRuns({ warmup: 1, runs: input.runs }, () => simpleParser(raw))
  : [];

const output: ChildOutput = {
  mailBytes: raw.byteLength,
  sendBodyBytes: sendBodyAfterFirst,
  pages,
  rssAfterImportMiB,
  rssWithMailMiB,
  peakRssMiB: peakRssAfterFirst,
  pipelineMs,
  floorMs,
  simpleParserMs,
  pipelineCpuMs,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
