// The document caps (functions/inbound/document-budget.ts) calibrated on real PDFs: every PDF of a
// folder is checked by the document worker itself (prepareFaxDocument with its stream decoders and
// parser counted, as the inbound function runs it) with no cap on inflated bytes or values, and
// what it took is printed beside the caps the file's size gets. Not part of `npm test` or `npm run
// bench`: it needs a corpus, e.g. pdf.js's test/pdfs/ (several hundred real PDFs; see bench/README.md):
//
//   npx tsx bench/pdf-corpus-caps.ts <folder of PDFs> [--out=bench/tmp/pdf-corpus.json]
//
// Each PDF is checked alone, one at a time, in one worker (restarted after a PDF that crashes it).

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { MailPart } from '../functions/domain/inbound-mail.ts';
import { isPdf } from '../functions/domain/pdf-bytes.ts';
import {
  DEFAULT_DOCUMENT_BUDGET,
  inflateCapOf,
  parsedValuesCapOf,
} from '../functions/inbound/document-budget.ts';
import type { InspectRequest, TravellingPart, WorkerMessage } from '../functions/inbound/document-worker.ts';

const MiB = 1024 * 1024;
const TIMEOUT_MS = 60_000;

export interface CorpusRow {
  file: string;
  bytes: number;
  /** ACCEPTED, or the problem (damaged, encrypted, ...), or crashed / timed-out. */
  outcome: string;
  /** Pages, when it was read. */
  pages?: number;
  inflatedBytes: number;
  parsedValues: number;
  streamsDecoded: number;
  ms: number;
  /** Whether today's caps for its size would have refused it. */
  overInflateCap: boolean;
  overValuesCap: boolean;
}

interface Checker {
  worker: Worker;
  answers: MessagePort;
}

function startChecker(): Promise<Checker> {
  const { port1: answers, port2 } = new MessageChannel();
  const worker = new Worker(new URL('../functions/inbound/document-worker-source.mjs', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: 2048, maxYoungGenerationSizeMb: 48 },
    workerData: { answers: port2 },
    transferList: [port2],
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    answers.once('message', () => {
      worker.off('error', reject);
      resolve({ worker, answers });
    });
  });
}

/** One PDF through the worker, with no cap on what it inflates or reads. */
function check(
  checker: Checker,
  file: string,
  bytes: Uint8Array,
): Promise<Omit<CorpusRow, 'file' | 'bytes' | 'overInflateCap' | 'overValuesCap'> & { crashed: boolean }> {
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  const part: TravellingPart = {
    filename: file,
    contentType: 'application/pdf',
    disposition: 'attachment',
    range: { buffer: 0, offset: 0, length: bytes.byteLength },
  } as TravellingPart & Omit<MailPart, 'content'>;
  const request: InspectRequest = {
    parts: [part],
    buffers: [buffer],
    limits: { maxPages: 100_000, maxDocumentBytes: 1024 * MiB },
    maxDecodedBytes: Number.MAX_SAFE_INTEGER,
    maxParsedValues: Number.MAX_SAFE_INTEGER,
  };
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (
      outcome: string,
      counts: Partial<WorkerMessage & { inflatedBytes: number }>,
      crashed: boolean,
      pages?: number,
    ) => {
      clearTimeout(timer);
      checker.answers.off('message', onMessage);
      checker.worker.off('error', onError);
      const c = counts as { inflatedBytes?: number; parsedValues?: number; streamsDecoded?: number };
      resolve({
        outcome,
        ...(pages === undefined ? {} : { pages }),
        inflatedBytes: c.inflatedBytes ?? 0,
        parsedValues: c.parsedValues ?? 0,
        streamsDecoded: c.streamsDecoded ?? 0,
        ms: Math.round(performance.now() - started),
        crashed,
      });
    };
    const onMessage = (answer: WorkerMessage) => {
      if ('ready' in answer) return;
      if ('overBudget' in answer) return done(`over ${answer.overBudget}`, answer, false);
      const { decision } = answer;
      done(
        decision.ok ? 'ACCEPTED' : decision.problem,
        answer,
        false,
        decision.ok ? decision.document.pages : undefined,
      );
    };
    const onError = (error: Error) =>
      done(
        (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out-of-heap' : 'crashed',
        {},
        true,
      );
    const timer = setTimeout(() => done('timed-out', {}, true), TIMEOUT_MS);
    checker.answers.on('message', onMessage);
    checker.worker.once('error', onError);
    checker.worker.postMessage(request, [buffer]);
  });
}

/** Size buckets of the summary, upper bounds in bytes. */
const BUCKETS: [string, number][] = [
  ['< 10 KB', 10_000],
  ['10-60 KB', 60_000],
  ['60-200 KB', 200_000],
  ['200 KB-1 MB', 1_000_000],
  ['1-5 MB', 5_000_000],
  ['> 5 MB', Number.POSITIVE_INFINITY],
];

export function summary(rows: CorpusRow[]): string[] {
  const lines = [
    '| size | PDFs | read | max values | max values/byte | max inflated | max inflated/byte |',
    '|---|---|---|---|---|---|---|',
  ];
  let below = 0;
  for (const [label, upTo] of BUCKETS) {
    const inBucket = rows.filter((r) => r.bytes >= below && r.bytes < upTo);
    below = upTo;
    const read = inBucket.filter((r) => r.outcome === 'ACCEPTED');
    const max = (f: (r: CorpusRow) => number) => Math.max(0, ...read.map(f));
    lines.push(
      `| ${label} | ${inBucket.length} | ${read.length} | ${max((r) => r.parsedValues).toLocaleString('en-US')} | ` +
        `${max((r) => r.parsedValues / r.bytes).toFixed(2)} | ${(max((r) => r.inflatedBytes) / MiB).toFixed(2)} MiB | ` +
        `${max((r) => r.inflatedBytes / r.bytes).toFixed(2)} |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const [folder] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!folder) throw new Error('usage: npx tsx bench/pdf-corpus-caps.ts <folder of PDFs> [--out=file.json]');
  const out =
    process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? 'bench/tmp/pdf-corpus.json';
  const files = (await readdir(folder)).filter((f) => f.toLowerCase().endsWith('.pdf')).sort();
  let checker = await startChecker();
  const rows: CorpusRow[] = [];
  for (const file of files) {
    const bytes = await readFile(join(folder, file));
    if (!isPdf(bytes)) continue; // a Git LFS pointer or a link, not a PDF
    const result = await check(checker, file, bytes);
    if (result.crashed) {
      void checker.worker.terminate();
      checker = await startChecker();
    }
    const { crashed: _crashed, ...row } = result;
    rows.push({
      file,
      bytes: bytes.byteLength,
      ...row,
      overInflateCap: row.inflatedBytes > inflateCapOf(bytes.byteLength, DEFAULT_DOCUMENT_BUDGET),
      overValuesCap: row.parsedValues > parsedValuesCapOf(bytes.byteLength),
    });
    process.stderr.write(`${rows.length}/${files.length} ${file} ${row.outcome} ${row.parsedValues}\n`);
  }
  void checker.worker.terminate();
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(rows, null, 1)}\n`);
  for (const line of summary(rows)) console.log(line);
  const refused = rows.filter((r) => r.outcome === 'ACCEPTED' && (r.overInflateCap || r.overValuesCap));
  console.log(`\nread by pdf-lib: ${rows.filter((r) => r.outcome === 'ACCEPTED').length} of ${rows.length}`);
  console.log(`read, but over a cap for its size: ${refused.map((r) => r.file).join(', ') || 'none'}`);
}

await main();
