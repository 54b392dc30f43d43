// One side of one row of the hostile-headers figure: a hostile mail or its ordinary mail, whose
// memory this process measures, timed alternately with the other side. Bundled by
// hostile-headers.ts the way infra bundles the Lambda, then run with plain node --expose-gc.
// Input: one JSON argument (HeadersChildInput). Output: one JSON line (HeadersChildOutput).
// The real use case runs on the mail, from raw bytes to its outcome, against in-memory ports.
//
// Memory: the document worker is started (as the Lambda handler starts it at cold start) and
// warmed on a small ordinary mail's PDF first, as this thread is on the whole mail; the garbage
// is collected, and only then is the baseline taken: the figure is what this mail's first run adds
// to a warm process, not the worker's start (~28 MiB, which a mail checked in this thread never
// pays, and one checked in the worker would). The peak is read from VmHWM, which
// clear_refs resets, not from getrusage's maxRSS: that one also holds the RSS of the bench process
// this child was forked from (Linux keeps the larger of the two across exec), so a child spawned
// while the bench held large mails "peaked" at the bench's RSS, for either side alike.
//
// Time: both sides run in this one process, alternately (this side, the other, ...), so both
// see the same noise from the rest of the machine. hostile-headers.ts runs a second process with the sides swapped and pools the runs.

import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setImmediate as nextCheckPhase } from 'node:timers/promises';
import { gatewayPolicyFromEnv } from '../functions/config.ts';
import {
  DEFAULT_DOCUMENT_BUDGET,
  prepareFaxDocumentWithinBudget,
  warmDocumentWorkers,
} from '../functions/inbound/document-budget.ts';
import { processStoredMail } from '../functions/inbound/process-mail.ts';
import { parseInboundMail } from '../functions/mail/parse-inbound-mail.ts';
import { benchInboundDeps, faxrocksFetch } from './bench-inbound-deps.ts';

export interface HeadersChildInput {
  /** The mail this process measures memory for (its first run) and times. */
  mailPath: string;
  /** The other side of the row, timed alternately with it. */
  otherPath: string;
  /** A small ordinary mail run first, to start the document worker and compile the common paths. */
  warmupPath: string;
  /** Timed runs of each side. */
  runs: number;
}

export interface Side {
  outcome: string;
  reason?: string;
  mailBytes: number;
  ms: number[];
}

export interface HeadersChildOutput {
  /** The mail of mailPath; its ms are the runs after the first. */
  own: Side;
  /** The mail of otherPath, run alternately with it. */
  other: Side;
  /** RSS (MiB) of the warm process, garbage collected, before the mail's first run. */
  rssBeforeMiB: number;
  /** Peak RSS (MiB) during the mail's first run. */
  peakRssMiB: number;
  /** Whether the peak is the process's own (VmHWM, reset before the run); else getrusage's. */
  peakIsOwn: boolean;
}

const input = JSON.parse(process.argv[2] ?? '{}') as HeadersChildInput;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function procStatusMiB(field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'latin1'));
    return kb ? Number(kb[1]) / 1024 : undefined;
  } catch {
    return undefined; // no procfs
  }
}

/** Resets the peak to the RSS of now (Linux, clear_refs 5) and returns that RSS, if it can. */
function resetPeak(): number | undefined {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    return undefined;
  }
  return procStatusMiB('VmRSS');
}

// The event loop turns before a run, as between two invocations, so what the last run left
// (an incremental marking, finalizers) is not timed in the next. No forced collection between
// timed runs: one before each run made the 4,990-part mail about twice as slow (~100 against
// ~45 ms, its ordinary mail unchanged), a cost of the forcing, not of the mail.
async function settled(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await nextCheckPhase();
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

let run = 0;
async function once(raw: Buffer): Promise<{ outcome: string; reason?: string }> {
  const ref = { bucket: 'bench', key: `inbound/headers-${run++}` };
  mailStore.put(ref, raw);
  return (await processStoredMail(ref, deps)) as { outcome: string; reason?: string };
}

const warmup = await readFile(input.warmupPath);
for (let i = 0; i < 3; i++) {
  const { outcome } = await once(warmup);
  if (outcome !== 'ACCEPTED') throw new Error(`the warm-up mail was not accepted: ${outcome}`);
}
// The warm-up mail's PDF is checked in this thread; the worker is started as the Lambda handler
// starts it, and its code compiled on the same PDF, so neither side's first run pays for that.
await warmDocumentWorkers();
const { inProcess: _, ...inWorker } = DEFAULT_DOCUMENT_BUDGET;
const { parts } = await parseInboundMail(warmup);
for (let i = 0; i < 3; i++) {
  const checked = await prepareFaxDocumentWithinBudget(parts, deps.policy, inWorker);
  if (!checked.ok) throw new Error(`the warm-up mail's PDF was refused in the worker: ${checked.problem}`);
}
const own = await readFile(input.mailPath);
const other = await readFile(input.otherPath);

gc();
await settled();
const reset = resetPeak();
const rssBeforeMiB = reset ?? process.resourceUsage().maxRSS / 1024;
const first = await once(own);
const peakRssMiB = (reset !== undefined && procStatusMiB('VmHWM')) || process.resourceUsage().maxRSS / 1024;

// The other side's first run is its warm-up, as the first run above is this side's.
await settled();
let last = await once(other);
const ownMs: number[] = [];
const otherMs: number[] = [];
for (let i = 0; i < input.runs; i++) {
  for (const [raw, times] of [
    [own, ownMs],
    [other, otherMs],
  ] as const) {
    await settled();
    const start = performance.now();
    const result = await once(raw);
    times.push(performance.now() - start);
    if (raw === other) last = result;
  }
}

const side = (raw: Buffer, result: { outcome: string; reason?: string }, ms: number[]): Side => ({
  outcome: result.outcome,
  ...(result.reason ? { reason: result.reason } : {}),
  mailBytes: raw.byteLength,
  ms,
});
const output: HeadersChildOutput = {
  own: side(own, first, ownMs),
  other: side(other, last, otherMs),
  rssBeforeMiB,
  peakRssMiB,
  peakIsOwn: reset !== undefined,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
