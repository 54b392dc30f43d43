// Runs the document check in a worker thread within a budget (issue 11 item 9): a V8 heap limit
// (resourceLimits), a cap on the bytes PDF streams may inflate to (counted in the worker, since
// ArrayBuffers live outside the heap) and a deadline. A document over any of them is rejected as
// too complex to fax, the worker is terminated, and the function carries on.
//
// An ordinary mail's PDFs are first checked in this thread, within caps small enough to need no
// deadline or heap of their own (checkInProcess): handing them to a worker and back cost more
// than the check. Pictures, and documents past those caps, are checked in the worker.
//
// The worker is document-worker.ts. Deployed, it is bundled beside the handler as
// document-worker.mjs (infra/gateway-stateless.ts bundles it after the handler); run from source
// (npm start, tests) it is loaded through tsx.
//
// Only the check itself is timed. Starting a worker (loading pdf-lib; through tsx, compiling the
// domain code: 1.7 s alone, 5 s each when four start at once on two cores) used to count against
// the deadline, and with one idle worker kept, every concurrent mail but one started its own: under
// load, ordinary mails ran out of time before the worker had read a byte. Now a worker tells when it
// is ready, the deadline starts when the documents are handed to a ready worker, up to
// MAX_WORKERS warm workers are kept (one per mail the process checks at once; a Lambda
// environment checks one at a time), and a mail waits for a free one untimed. An answer that
// arrived while this thread was busy is taken before the deadline is declared passed. A worker
// that cannot start is our fault, not the document's: that is thrown as transient, and the queue
// retries the mail.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { CoverRequest, DocumentDecision, DocumentLimits } from '../domain/documents.ts';
import { imageKindOf } from '../domain/image-formats.ts';
import type { MailPart } from '../domain/inbound-mail.ts';
import { asBuffer, isPdf } from '../domain/pdf-bytes.ts';
import { TransientError } from '../errors.ts';
import { groupedDigits } from '../grouped-digits.ts';
import { holdsOneDecodedBody } from '../mail/large-mime-bodies.ts';
import { siblingModule } from '../sibling-bundle.ts';
import type { OverBudget } from './document-meter.ts';
import type {
  InspectAnswer,
  InspectRequest,
  Origin,
  TravellingPart,
  WorkerMessage,
} from './document-worker.ts';
import { transferable } from './transferable.ts';

const MiB = 1024 * 1024;

export interface DocumentBudget {
  /** Wall-clock time one mail's documents may take in a ready worker (start-up not counted). */
  timeoutMs: number;
  /** The worker's V8 old-generation heap. */
  heapMb: number;
  /** Bytes all PDF streams of one mail may inflate to, whatever the documents' size (see inflateCapOf). */
  decodedMb: number;
  /** The caps of a first try in this thread (see checkInProcess); without them, only the worker checks. */
  inProcess?: InProcessCaps;
}

/**
 * What a check may cost in the function's own thread, which has no deadline and no heap of its own
 * to lose: a small share of the full budget, looked at as the check goes. Past any of them the
 * check is stopped and made again in the worker, so a document over them costs this much more.
 */
export interface InProcessCaps {
  /** PDF values read (at most; a small document's full cap may be lower). */
  values: number;
  /** Bytes PDF streams may inflate to (at most; see inflateCapOf). */
  decodedMb: number;
  /** Growth of this thread's heap. */
  heapMb: number;
  /** Milliseconds. */
  ms: number;
}

/** Where a check was made: in the function's own thread, or in a document worker. */
export type CheckedIn = 'process' | 'worker';

/**
 * A document decision, with the bytes the PDF streams inflated to and the PDF objects read while it
 * was made (when known).
 */
export type CheckedDocuments = DocumentDecision & {
  checkedIn?: CheckedIn;
  inflatedBytes?: number;
  streamsDecoded?: number;
  parsedValues?: number;
};

/**
 * Legitimate PDFs inflate little while they are checked: pdf-lib decodes only object and
 * cross-reference streams (page contents, fonts and pictures are copied as they are), which hold
 * the documents' dictionaries. A decompression bomb is stopped at INFLATE_FLOOR_MB plus this many
 * times the documents' own size, so refusing it costs a few times reading a normal document of that
 * size (what it inflated is most of the memory it costs), not the whole budget. Calibrated on the
 * 931 PDFs of pdf.js's test corpus that pdf-lib reads (bench/pdf-corpus-caps.ts, bench/README.md):
 * under 1 MB, none inflates past 177 KB or 2.2 times its size; the most is a one-page stress test
 * of 32,768 links, 13.4 MB from 1.5 MB (8.7 times: 1.9 times under this cap); catalogues of 20,000
 * and 40,000 links written by pdf-lib inflate 5 times (3.4 times under it).
 */
export const INFLATE_RATIO = 16;
/** What any documents may inflate to beyond INFLATE_RATIO times their size: 6 times the corpus's most under 1 MB. */
export const INFLATE_FLOOR_MB = 1;

/** Bytes the PDF streams of documents of `documentBytes` may inflate to, under `budget`. */
export function inflateCapOf(documentBytes: number, budget: DocumentBudget): number {
  return Math.min(budget.decodedMb * MiB, INFLATE_FLOOR_MB * MiB + INFLATE_RATIO * documentBytes);
}

/**
 * pdf-lib makes an object of every value it reads (a number, a name, an array), at a microsecond or
 * more each: what a document costs to open grows with its values, not its bytes. A file written out
 * holds at most about one value a byte (`0 ` is two bytes); an object stream can hold millions in a
 * few kilobytes (`[0 0 0 ...]` compresses a thousandfold) and still inflate to less than the inflate
 * cap. So the documents may hold one value a byte of their size, and small ones this many. In pdf.js's
 * corpus (bench/README.md) no PDF under 60 KB holds more than 9,960 values (0.45 a byte, at 22 KB:
 * 2.2 times under this cap), and the densest large ones are the 32,768-link stress test (0.68 a byte
 * at 1.5 MB) and pdf-lib's link catalogues (0.5 a byte): one a byte is only 1.5 to 2 times their
 * density, so the allowance a byte cannot fall without refusing such PDFs. An uncompressed array
 * of numbers (0.5 a byte) is as dense as those catalogues and is read as they are.
 */
export const MIN_PARSED_VALUES = 10_000;

/** PDF values (objects, and the values inside them) documents of `documentBytes` may hold. */
export function parsedValuesCapOf(documentBytes: number): number {
  return Math.max(MIN_PARSED_VALUES, documentBytes);
}

/**
 * For the inbound function's 1024 MB and 120 s: a 20 MB scanned PDF merged with pictures takes a
 * few seconds and well under these; a PDF whose object streams inflate to a gigabyte stops at 1 MB plus
 * 16 times its own size (inflateCapOf), and never past 256 MB.
 *
 * In this thread first: at most 20,000 values, 1 MB inflated, 32 MB of heap and 5 ms. Of the 931
 * PDFs of pdf.js's corpus that open, half hold fewer than 250 values and 99 % fewer than 14,000,
 * and one inflates past 256 KB (bench/README.md). A document the worker must check again has cost
 * at most that much more (a bomb: 1 MB inflated by zlib, ~1 ms).
 */
export const DEFAULT_DOCUMENT_BUDGET: DocumentBudget = {
  timeoutMs: 30_000,
  heapMb: 384,
  decodedMb: 256,
  inProcess: { values: 20_000, decodedMb: 1, heapMb: 32, ms: 5 },
};

/** Warm workers kept, and checks run at once (the local queue runs four batches at once). */
export const MAX_WORKERS = 4;

/** How long a worker may take to start before that is treated as a fault of ours. */
const STARTUP_TIMEOUT_MS = 120_000;

/** The worker's entry: the bundled file next to this one, else the source through tsx. */
function workerEntry(): URL {
  const bundled = new URL('./document-worker.mjs', import.meta.url);
  if (existsSync(fileURLToPath(bundled))) return bundled;
  return new URL('./document-worker-source.mjs', import.meta.url);
}

/** A started worker and the port it answers on (a port, so an answer can be read synchronously). */
interface DocumentWorker {
  worker: Worker;
  answers: MessagePort;
  heapMb: number;
  /** The buffer the parts travel in, handed back and forth (see inspect). */
  scratch?: ArrayBuffer;
}

const idle: DocumentWorker[] = [];
let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<void> {
  if (running < MAX_WORKERS) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function releaseSlot(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

class WorkerStartFailed extends TransientError {}

/** A new worker, once it has loaded everything it needs. */
function startWorker(heapMb: number): Promise<DocumentWorker> {
  const { port1: answers, port2 } = new MessageChannel();
  const worker = new Worker(workerEntry(), {
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 48 },
    workerData: { answers: port2 },
    transferList: [port2],
  });
  return new Promise((resolve, reject) => {
    const fail = (why: string, cause?: unknown) => {
      clearTimeout(timer);
      answers.close();
      void worker.terminate();
      reject(new WorkerStartFailed(`The document check could not start: ${why}`, { cause }));
    };
    const timer = setTimeout(
      () => fail(`not ready after ${STARTUP_TIMEOUT_MS / 1000} s`),
      STARTUP_TIMEOUT_MS,
    );
    answers.once('message', (message: WorkerMessage) => {
      if (!('ready' in message)) return fail('it answered before it was ready');
      clearTimeout(timer);
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve({ worker, answers, heapMb });
    });
    const onError = (error: Error) => fail(error.message, error);
    const onExit = (code: number) => fail(`it exited with code ${code}`);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}

async function takeWorker(heapMb: number): Promise<DocumentWorker> {
  const at = idle.findIndex((w) => w.heapMb === heapMb);
  if (at >= 0) return idle.splice(at, 1)[0] as DocumentWorker;
  return startWorker(heapMb);
}

function keepIdle(w: DocumentWorker): void {
  w.worker.unref();
  w.answers.unref();
  if (idle.length >= MAX_WORKERS) {
    const oldest = idle.shift();
    if (oldest) discard(oldest);
  }
  idle.push(w);
}

function discard(w: DocumentWorker): void {
  w.answers.close();
  void w.worker.terminate();
}

let warming = 0;

/**
 * Starts warm workers ahead of the mail that needs them (the Lambda handler calls it at cold start;
 * a worker stopped over its budget is replaced this way), so that mail does not wait for one.
 * Never rejects: a worker that cannot start shows on first use. Resolves once those it started are
 * ready (or failed); nobody needs to wait for that but a measurement.
 */
export function warmDocumentWorkers(count = 1, heapMb = DEFAULT_DOCUMENT_BUDGET.heapMb): Promise<void> {
  // The in-process check's code too, so the first mail does not wait for it either.
  const started: Promise<void>[] = [
    loadDocumentKit().then(
      () => {},
      () => {},
    ),
  ];
  for (let i = idle.length + warming; i < Math.min(count, MAX_WORKERS); i++) {
    warming++;
    started.push(
      startWorker(heapMb).then(
        (w) => {
          warming--;
          keepIdle(w);
        },
        () => {
          warming--;
        },
      ),
    );
  }
  return Promise.all(started).then(() => {});
}

function tooComplex(files: string[], why: string): DocumentDecision {
  const named =
    files.length > 0 ? `${files.join(', ')} ${files.length === 1 ? 'is' : 'are'}` : 'The attachments are';
  return {
    ok: false,
    problem: 'too-complex',
    detail: `${named} too complex to fax: ${why}.`,
    files,
  };
}

/** Why a check stopped at a cap, as the reply says it. */
function overBudgetWhy(
  cap: OverBudget,
  caps: { maxParsedValues: number; maxDecodedBytes: number; heapMb: number },
): string {
  if (cap === 'parsed-values') return `it holds more than ${groupedDigits(caps.maxParsedValues)} objects`;
  if (cap === 'heap') return `it needs more than ${caps.heapMb} MB to read`;
  if (cap === 'time') return 'reading it takes too long';
  return `it inflates to more than ${Math.floor(caps.maxDecodedBytes / MiB)} MB`;
}

/** Names of the parts that could be faxed, for the reply when the check itself is stopped. */
function candidateNames(parts: MailPart[]): string[] {
  return parts.filter((p) => !p.embedded && p.filename).map((p) => p.filename as string);
}

/** The budget the gateway's settings give, or the default where they say nothing. */
export function documentBudgetOf(settings: {
  documentCheckSeconds?: number;
  documentInflateMb?: number;
}): DocumentBudget {
  return {
    ...DEFAULT_DOCUMENT_BUDGET,
    ...(settings.documentCheckSeconds ? { timeoutMs: settings.documentCheckSeconds * 1000 } : {}),
    ...(settings.documentInflateMb ? { decodedMb: settings.documentInflateMb } : {}),
  };
}

/**
 * prepareFaxDocument (functions/domain/documents.ts: open, check, count pages, turn pictures into
 * pages, merge) in a worker, within the budget. A PDF made in process (a cover page) is merged
 * within the same budget by passing it as a part, first.
 */
export async function prepareFaxDocumentWithinBudget(
  parts: MailPart[],
  limits: DocumentLimits,
  budget: DocumentBudget = DEFAULT_DOCUMENT_BUDGET,
  cover?: CoverRequest,
): Promise<CheckedDocuments> {
  const here = await checkInProcess(parts, limits, budget, cover);
  if (here) return here;
  await slot();
  try {
    const w = await takeWorker(budget.heapMb);
    w.worker.ref();
    w.answers.ref();
    return await inspect(w, { parts, limits, budget, cover });
  } finally {
    releaseSlot();
  }
}

/** The in-process check (pdf-lib and the document code), imported on first use (see sibling-bundle.ts). */
const loadDocumentKit = siblingModule<typeof import('./document-check-here.ts')>(
  new URL('./document-kit.mjs', import.meta.url),
  new URL('./document-check-here.ts', import.meta.url),
);

/** Whether a check is running in this thread now: the meter counts one at a time. */
let checkingHere = false;

/** A part the check would turn into pages: its decoding is not what the meter counts. */
function isPicture(part: MailPart): boolean {
  return !part.embedded && !isPdf(part.content) && imageKindOf(part.content) !== undefined;
}

/**
 * The check in this thread, within the budget's in-process caps: handing the documents to a worker
 * and back cost an ordinary mail more than the check itself (0.5 to 1.5 ms of 1 to 2). Undefined
 * when the worker must check them: the caps were passed, the check threw, pictures are among the
 * parts, or another mail's check is running here (the meter counts one at a time). A refusal at a
 * cap that is also the full budget's is final, as the worker would stop at the same place.
 */
async function checkInProcess(
  parts: MailPart[],
  limits: DocumentLimits,
  budget: DocumentBudget,
  cover: CoverRequest | undefined,
): Promise<CheckedDocuments | undefined> {
  const caps = budget.inProcess;
  if (!caps || checkingHere || parts.some(isPicture)) return undefined;
  const documentBytes = parts.reduce((sum, p) => sum + (isPdf(p.content) ? p.content.byteLength : 0), 0);
  const maxDecodedBytes = inflateCapOf(documentBytes, budget);
  const maxParsedValues = parsedValuesCapOf(documentBytes);
  const decodedBytes = Math.min(maxDecodedBytes, caps.decodedMb * MiB);
  const parsedValues = Math.min(maxParsedValues, caps.values);
  checkingHere = true;
  let checked: Awaited<ReturnType<Awaited<ReturnType<typeof loadDocumentKit>>['checkHere']>>;
  try {
    const { checkHere } = await loadDocumentKit();
    checked = await checkHere(parts, limits, cover, {
      decodedBytes,
      parsedValues,
      heapGrowthBytes: caps.heapMb * MiB,
      ms: Math.min(caps.ms, budget.timeoutMs),
    });
  } catch {
    return undefined;
  } finally {
    checkingHere = false;
  }
  const { result, exceeded, ...counts } = checked;
  const final =
    (exceeded === 'parsed-values' && parsedValues === maxParsedValues) ||
    (exceeded === 'decoded-bytes' && decodedBytes === maxDecodedBytes);
  if (exceeded && !final) return undefined;
  if (exceeded) {
    const why = overBudgetWhy(exceeded, { maxParsedValues, maxDecodedBytes, heapMb: budget.heapMb });
    return { ...tooComplex(candidateNames(parts), why), checkedIn: 'process', ...counts };
  }
  if (result.ok) {
    // As from the worker: Buffers (a merged document comes out of pdf-lib as a Uint8Array).
    result.document.bytes = asBuffer(result.document.bytes);
    for (const f of result.document.files) f.bytes = asBuffer(f.bytes);
  }
  return { ...result, checkedIn: 'process', ...counts };
}

/** Bytes of a part that is not a document, enough to tell what it is (isPdf reads the first 1 KiB). */
const SNIFF_BYTES = 2048;

/** Whether the check reads all of a part's bytes: a PDF or a picture; of the rest, only their start. */
function readWhole(part: MailPart): boolean {
  return isPdf(part.content) || imageKindOf(part.content) !== undefined;
}

/** The largest scratch buffer a warm worker keeps between mails. */
const MAX_KEPT_SCRATCH_BYTES = 48 * MiB;

/** Parts at least this large travel in their own memory, lent to the worker (see travelPlan). */
export const LEND_MIN_BYTES = 64 * 1024;
/** A part's memory may hold this many bytes more than the part and still be lent as its own. */
const LEND_SLACK_BYTES = 16;

/**
 * How the parts' bytes travel. `lent` is the parts' own memory: shared memory (what the mail reader
 * decoded a large body into, see decodeBase64Body) is seen by the worker as it is; an ArrayBuffer
 * that holds one part alone (of its size, or the largest decoded bodies: holdsOneDecodedBody) is
 * transferred to the worker and back. Neither is copied (copying a
 * 10 MiB scan cost ~2 ms of CPU and the scratch buffer's memory), and shared memory does not even
 * move: a transferred buffer arrives in each thread as memory new to it, which counts towards that
 * thread's next full garbage collection (one more per mail for a 10 MiB scan, more than the check
 * cost). Each part is a range of one buffer, 0 the scratch buffer, 1 on the lent ones; a part inside
 * lent memory travels as a view of it. The rest is copied into the scratch buffer: whole documents
 * and pictures, of other parts only their start (what tells what they are).
 */
export function travelPlan(parts: MailPart[]): {
  lent: (ArrayBuffer | SharedArrayBuffer)[];
  scratchBytes: number;
  ranges: { buffer: number; offset: number; length: number }[];
  /** Bytes of the parts read whole. */
  documentBytes: number;
} {
  const whole = parts.map(readWhole);
  const lent: (ArrayBuffer | SharedArrayBuffer)[] = [];
  parts.forEach((p, i) => {
    const memory = p.content.buffer;
    const own =
      whole[i] &&
      p.content.byteLength >= LEND_MIN_BYTES &&
      (memory instanceof SharedArrayBuffer ||
        (memory instanceof ArrayBuffer &&
          (memory.byteLength - p.content.byteLength <= LEND_SLACK_BYTES || holdsOneDecodedBody(memory))));
    if (own && !lent.includes(memory)) lent.push(memory);
  });
  let scratchBytes = 0;
  const ranges = parts.map((p, i) => {
    const length = whole[i] ? p.content.byteLength : Math.min(p.content.byteLength, SNIFF_BYTES);
    const at = lent.indexOf(p.content.buffer);
    if (at >= 0) return { buffer: at + 1, offset: p.content.byteOffset, length };
    const range = { buffer: 0, offset: scratchBytes, length };
    scratchBytes += length;
    return range;
  });
  const documentBytes = parts.reduce((sum, p, i) => sum + (whole[i] ? p.content.byteLength : 0), 0);
  return { lent, scratchBytes, ranges, documentBytes };
}

function inspect(
  w: DocumentWorker,
  {
    parts,
    limits,
    budget,
    cover,
  }: { parts: MailPart[]; limits: DocumentLimits; budget: DocumentBudget; cover: CoverRequest | undefined },
): Promise<CheckedDocuments> {
  const { worker, answers } = w;
  const { lent, scratchBytes, ranges, documentBytes } = travelPlan(parts);
  // The rest copied once into the worker's scratch buffer, which it hands back with its answer: a
  // buffer already in memory is reused, where a fresh copy per mail cost more than the check.
  const scratch =
    w.scratch && w.scratch.byteLength >= scratchBytes ? w.scratch : new ArrayBuffer(scratchBytes);
  w.scratch = undefined;
  const travelling: TravellingPart[] = parts.map((p, i) => {
    const range = ranges[i] as TravellingPart['range'];
    if (range.buffer === 0) {
      new Uint8Array(scratch, range.offset, range.length).set(p.content.subarray(0, range.length));
    }
    const { content: _content, ...rest } = p;
    return { ...rest, range };
  });
  // Lent memory comes back with the answer; until then those parts' Buffers are empty.
  const lentParts = parts.flatMap((part, i) => {
    const { buffer, offset } = ranges[i] as TravellingPart['range'];
    return buffer > 0 && lent[buffer - 1] instanceof ArrayBuffer
      ? [{ part, buffer, offset, length: part.content.byteLength }]
      : [];
  });
  const buffers = [scratch, ...lent];
  const maxDecodedBytes = inflateCapOf(documentBytes, budget);
  const maxParsedValues = parsedValuesCapOf(documentBytes);
  const request: InspectRequest = {
    parts: travelling,
    buffers,
    limits,
    maxDecodedBytes,
    maxParsedValues,
    ...(cover ? { cover } : {}),
  };
  const names = candidateNames(parts);
  const bytesOf = (origin: Origin): Buffer => {
    if ('part' in origin) return (parts[origin.part] as MailPart).content;
    const b = origin.bytes;
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  };
  return new Promise<CheckedDocuments>((resolve) => {
    const settle = (decision: CheckedDocuments, keep: boolean) => {
      clearTimeout(deadline);
      answers.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (keep) keepIdle(w);
      else {
        discard(w);
        if (w.heapMb === DEFAULT_DOCUMENT_BUDGET.heapMb) warmDocumentWorkers();
      }
      resolve({ ...decision, checkedIn: 'worker' });
    };
    const onMessage = (answer: WorkerMessage) => {
      if ('ready' in answer) return;
      const [back, ...returned] = answer.buffers;
      if (back instanceof ArrayBuffer && back.byteLength <= MAX_KEPT_SCRATCH_BYTES) w.scratch = back;
      // The lent parts get their memory back (the same bytes, in Buffers over the returned buffers).
      for (const { part, buffer, offset, length } of lentParts) {
        part.content = Buffer.from(returned[buffer - 1] as ArrayBuffer, offset, length);
      }
      const { inflatedBytes, streamsDecoded, parsedValues } = answer;
      const counts = { inflatedBytes, streamsDecoded, parsedValues };
      if ('overBudget' in answer) {
        // The worker stopped the decoder or the parser before it passed its cap, and answered: it
        // is kept (starting another would cost more than the refusal), unless it stopped for its
        // heap: what the check left is garbage not yet collected, which the next check's look at
        // the heap would count as its own (every later document refused as too complex).
        const why = overBudgetWhy(answer.overBudget, {
          maxParsedValues,
          maxDecodedBytes,
          heapMb: budget.heapMb,
        });
        settle({ ...tooComplex(names, why), ...counts }, answer.overBudget !== 'heap');
        return;
      }
      if (!answer.decision.ok) return settle({ ...answer.decision, ...counts }, true);
      // The parts' own bytes stay where they are; bytes the worker made were transferred back.
      const { decision, document, files } = answer as Extract<InspectAnswer, { files: Origin[] }>;
      decision.document.bytes = bytesOf(document);
      decision.document.files.forEach((f, i) => {
        f.bytes = bytesOf(files[i] as Origin);
      });
      settle({ ...decision, ...counts }, true);
    };
    const onError = (error: Error) => {
      // Out of heap, out of stack in a deeply nested document, or an exception pdf-lib threw on
      // it: the document's doing (the same exception in process would have failed the mail).
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        settle(tooComplex(names, `it needs more than ${budget.heapMb} MB to read`), false);
      } else if (error instanceof RangeError) {
        settle(tooComplex(names, 'it is nested too deeply'), false);
      } else {
        settle(tooComplex(names, 'it cannot be read'), false);
      }
    };
    const onExit = () => settle(tooComplex(names, 'it cannot be read'), false);
    const deadline = setTimeout(() => {
      // This thread may have been busy past the deadline while the answer was already waiting.
      const waitingAnswer = receiveMessageOnPort(answers);
      if (waitingAnswer) onMessage(waitingAnswer.message as WorkerMessage);
      else settle(tooComplex(names, `reading it takes longer than ${budget.timeoutMs / 1000} s`), false);
    }, budget.timeoutMs);
    answers.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage(request, transferable(buffers));
  });
}
