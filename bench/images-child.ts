// One input of the images figure (issue 14), in a process of its own so its peak RSS is this
// picture's alone. Bundled by images.ts the way infra bundles the Lambda, then run with plain node.
//
// Input: one JSON argument (ImagesChildInput). Output: one JSON line (ImagesChildOutput) on stdout.
// The conversion is what the document worker runs for a mail with this one attachment:
// prepareFaxDocument from the file's bytes to the finished PDF. The floor is reading the file.

import { readFile } from 'node:fs/promises';
import { setImmediate as nextCheckPhase } from 'node:timers/promises';
import { prepareFaxDocument } from '../functions/domain/documents.ts';
import { timeRuns } from './measure.ts';

export interface ImagesChildInput {
  path: string;
  filename: string;
  warmup: number;
  runs: number;
}

export interface ImagesChildOutput {
  fileBytes: number;
  pdfBytes: number;
  pages: number;
  /** Peak RSS (MiB) after imports, before the file is read. */
  rssAfterImportMiB: number;
  /** Peak RSS (MiB) of the process after all runs: what converting this picture needs. */
  peakRssMiB: number;
  convertMs: number[];
  floorMs: number[];
}

const input = JSON.parse(process.argv[2] ?? '{}') as ImagesChildInput;
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;
const limits = { maxPages: 100, maxDocumentBytes: 40 * 1024 * 1024, maxImagePixels: 40_000_000 };

const rssAfterImportMiB = peakRssMiB();
let pdfBytes = 0;
let pages = 0;
const convert = async () => {
  const content = await readFile(input.path);
  const decision = await prepareFaxDocument(
    [{ filename: input.filename, contentType: 'application/octet-stream', content }],
    limits,
  );
  if (!decision.ok) throw new Error(`refused: ${decision.detail}`);
  pdfBytes = decision.document.bytes.byteLength;
  pages = decision.document.pages;
};
const floor = async () => {
  await readFile(input.path);
};
const convertMs: number[] = [];
const floorMs: number[] = [];
for (let i = 0; i < input.warmup + input.runs; i++) {
  // Alternating, with the event loop turned between, as the inbound figure does.
  const f = await timeRuns({ warmup: 0, runs: 1 }, floor);
  await nextCheckPhase();
  const c = await timeRuns({ warmup: 0, runs: 1 }, convert);
  await nextCheckPhase();
  if (i >= input.warmup) {
    floorMs.push(...f);
    convertMs.push(...c);
  }
}
const output: ImagesChildOutput = {
  fileBytes: (await readFile(input.path)).byteLength,
  pdfBytes,
  pages,
  rssAfterImportMiB,
  peakRssMiB: peakRssMiB(),
  convertMs,
  floorMs,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
