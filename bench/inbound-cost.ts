// Figure 1: inbound cost per mail, from raw mail bytes to the finished POST /send body (trust
// checks, parsing, PDF checks and page count, base64), for scan-like PDFs of several sizes. Each
// size runs in a fresh child process (the Lambda-style bundle of inbound-cost-child.ts under plain
// node) so its peak RSS is that mail's alone; the floor, measured in the same child, is decoding the
// attachment's base64 as it stands in the mail and encoding it again, nothing else.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ChildInput, ChildOutput } from './inbound-cost-child.ts';
import { bundle, INFRA_BUNDLE_OPTIONS } from './lambda-bundle.ts';
import { MiB, median, round } from './measure.ts';
import { type ScanSpec, scanMailFile } from './scan-pdf.ts';

const run = promisify(execFile);

export interface InboundCostOptions {
  tmpDir: string;
  specs: ScanSpec[];
  warmup: number;
  runs: number;
  /** Also time simpleParser alone on each mail (reference for the naive build). */
  simpleParser: boolean;
}

export interface InboundCostRow {
  label: string;
  pdfPages: number;
  mailMiB: number;
  sendBodyMiB: number;
  medianMs: number;
  /** Median CPU time of a pipeline run, all threads of the process (the document worker's too). */
  cpuMs: number;
  floorMs: number;
  /** medianMs / floorMs. */
  ratio: number;
  simpleParserMs?: number;
  simpleParserRatio?: number;
  peakRssMiB: number;
  /** Peak RSS minus the same process's RSS before the mail was read. */
  addedRssMiB: number;
  runs: number;
}

export interface InboundCostResult {
  /** Peak RSS of an idle `node` process: what any function costs before it does anything. */
  idleNodeRssMiB: number;
  /** Peak RSS of the child after loading the bundled pipeline, before reading a mail. */
  loadedRssMiB: number;
  rows: InboundCostRow[];
}

export const FULL_SPECS: ScanSpec[] = [
  { label: '100 KiB', bytes: 100 * 1024, pages: 1 },
  { label: '2 MiB', bytes: 2 * MiB, pages: 4 },
  { label: '10 MiB', bytes: 10 * MiB, pages: 10 },
  { label: '29 MiB (40 MB mail)', bytes: 29 * MiB, pages: 30 },
  { label: '40 pages', bytes: 40 * 100 * 1024, pages: 40 },
];

export const QUICK_SPECS: ScanSpec[] = [
  { label: '100 KiB', bytes: 100 * 1024, pages: 1 },
  { label: '3 pages', bytes: 60 * 1024, pages: 3 },
];

export async function idleNodeRssMiB(): Promise<number> {
  const { stdout } = await run(process.execPath, [
    '-e',
    'process.stdout.write(String(process.resourceUsage().maxRSS))',
  ]);
  return Number(stdout) / 1024;
}

export async function measureInboundCost(options: InboundCostOptions): Promise<InboundCostResult> {
  const child = await bundle(
    new URL('./inbound-cost-child.ts', import.meta.url).pathname,
    join(options.tmpDir, 'inbound-cost-child.mjs'),
    INFRA_BUNDLE_OPTIONS,
  );
  const idle = median(await Promise.all([idleNodeRssMiB(), idleNodeRssMiB(), idleNodeRssMiB()]));
  const rows: InboundCostRow[] = [];
  let loaded = 0;
  for (const spec of options.specs) {
    const mailPath = await scanMailFile(options.tmpDir, spec);
    const input: ChildInput = {
      mailPath,
      warmup: options.warmup,
      runs: options.runs,
      simpleParser: options.simpleParser,
    };
    const { stdout } = await run(process.execPath, [child.outfile, JSON.stringify(input)], {
      maxBuffer: 16 * MiB,
    });
    const out = JSON.parse(stdout) as ChildOutput;
    loaded = out.rssAfterImportMiB;
    const medianMs = median(out.pipelineMs);
    const floorMs = median(out.floorMs);
    const simple = out.simpleParserMs.length > 0 ? median(out.simpleParserMs) : undefined;
    rows.push({
      label: spec.label,
      pdfPages: out.pages,
      mailMiB: round(out.mailBytes / MiB, 2),
      sendBodyMiB: round(out.sendBodyBytes / MiB, 2),
      medianMs: round(medianMs, 2),
      cpuMs: round(median(out.pipelineCpuMs), 2),
      floorMs: round(floorMs, 2),
      ratio: round(medianMs / floorMs, 2),
      ...(simple === undefined
        ? {}
        : { simpleParserMs: round(simple, 2), simpleParserRatio: round(simple / floorMs, 2) }),
      peakRssMiB: round(out.peakRssMiB),
      addedRssMiB: round(out.peakRssMiB - out.rssAfterImportMiB),
      runs: out.pipelineMs.length,
    });
  }
  return { idleNodeRssMiB: round(idle), loadedRssMiB: round(loaded), rows };
}
