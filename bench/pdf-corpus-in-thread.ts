// Which PDFs of a corpus the inbound function checks in its own thread (within the in-process caps
// of functions/inbound/document-budget.ts) and which it hands to the worker, and whether both ways
// decide alike. Not part of `npm test` or `npm run bench`: it needs a corpus, e.g. pdf.js's
// test/pdfs/ (see bench/README.md, "Ordinary documents checked in the function's own thread"):
//
//   npx tsx bench/pdf-corpus-in-thread.ts <folder of PDFs>

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MailPart } from '../functions/domain/inbound-mail.ts';
import {
  type CheckedDocuments,
  DEFAULT_DOCUMENT_BUDGET,
  prepareFaxDocumentWithinBudget,
} from '../functions/inbound/document-budget.ts';

const folder = process.argv[2];
if (!folder) throw new Error('usage: npx tsx bench/pdf-corpus-in-thread.ts <folder of PDFs>');
const limits = { maxPages: 100_000, maxDocumentBytes: 100 * 1024 * 1024 };
const { inProcess: _, ...workerOnly } = DEFAULT_DOCUMENT_BUDGET;
const gist = (d: CheckedDocuments) =>
  d.ok ? `${d.document.pages} pages, ${d.document.bytes.byteLength} bytes` : `${d.problem}: ${d.detail}`;
const quantiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return [0.5, 0.9, 0.99].map((q) => (sorted[Math.floor(sorted.length * q)] ?? 0).toFixed(2)).join(' / ');
};

let opened = 0;
let inThread = 0;
const differ: string[] = [];
const firstMs: number[] = [];
const workerMs: number[] = [];
for (const name of (await readdir(folder)).filter((f) => f.toLowerCase().endsWith('.pdf')).sort()) {
  const bytes = await readFile(join(folder, name));
  // A fresh Buffer each time: the worker may be lent a part's memory.
  const part = (): MailPart[] => [
    { filename: name, contentType: 'application/pdf', content: Buffer.from(bytes) },
  ];
  let at = performance.now();
  const first = await prepareFaxDocumentWithinBudget(part(), limits);
  const firstTook = performance.now() - at;
  at = performance.now();
  const worker = await prepareFaxDocumentWithinBudget(part(), limits, workerOnly);
  const workerTook = performance.now() - at;
  if (gist(first) !== gist(worker)) differ.push(`${name}: ${gist(first)} | worker: ${gist(worker)}`);
  if (!worker.ok) continue;
  opened++;
  if (first.checkedIn === 'process') inThread++;
  firstMs.push(firstTook);
  workerMs.push(workerTook);
}
console.log(`${opened} PDFs open; ${inThread} checked in the thread; ${differ.length} decided otherwise`);
for (const line of differ) console.log(`  ${line}`);
console.log(
  `check ms, median / 90th / 99th: thread first ${quantiles(firstMs)}, worker alone ${quantiles(workerMs)}`,
);
process.exit(0);
