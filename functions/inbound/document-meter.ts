// Counts and caps what a document check costs while pdf-lib opens documents (issue 11 item 9).
// Bytes that PDF streams inflate to live in ArrayBuffers outside the V8 heap, and a document of a
// few kilobytes can hold millions of values, so every stream decoder counts what it allocates, the
// parser counts the values it reads, and the heap (and, where asked, the clock) is looked at as it
// goes; past a cap the parse is stopped. The hooks are installed into pdf-lib once per thread, and
// count only inside metered(): the document worker meters each check within the full budget, and
// the inbound function first tries an ordinary mail's check in its own thread within small caps
// (see document-budget.ts).

import { getHeapStatistics } from 'node:v8';
import { constants, deflateSync, inflateRawSync } from 'node:zlib';
import {
  decodePDFRawStream,
  PDFContext,
  PDFName,
  PDFObjectParser,
  PDFParser,
  PDFRawStream,
  PDFRef,
  PDFXRefStreamParser,
} from '@cantoo/pdf-lib';

/** Which cap a check passed. */
export type OverBudget = 'decoded-bytes' | 'parsed-values' | 'heap' | 'time';

class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
  // The patched parser stops at this (it backs out of any other object's error and reads on):
  // past the cap, every object stream after it would be read only to be refused again.
  readonly parseBudgetExceeded = true;
}

// One metered check at a time per thread (see metered); between checks nothing is capped.
let metering = false;
let decodedBytesLeft = Number.POSITIVE_INFINITY;
let parsedValuesLeft = Number.POSITIVE_INFINITY;
let heapStopBytes = Number.POSITIVE_INFINITY;
let deadline = Number.POSITIVE_INFINITY;
let inflatedBytes = 0;
let streamsDecoded = 0;
let parsedValues = 0;
let exceeded: OverBudget | undefined;

function stop(cap: OverBudget, why: string): never {
  exceeded = cap;
  throw new BudgetExceeded(why);
}

/**
 * pdf-lib grows each stream decoder's output buffer through one method of their common base class
 * (DecodeStream.ensureBuffer), which it does not export; a decoder made here leads to it. Every
 * growth is charged; past the budget the decoder throws before it allocates, and pdf-lib's load fails.
 */
function chargeStreamDecoders(): void {
  const probe = decodePDFRawStream(
    PDFRawStream.of(PDFContext.create().obj({ Filter: 'ASCIIHexDecode' }), new Uint8Array()),
  );
  let base: { ensureBuffer?: (requested: number) => Uint8Array } | null = Object.getPrototypeOf(probe);
  while (base && !Object.hasOwn(base, 'ensureBuffer')) base = Object.getPrototypeOf(base);
  if (!base?.ensureBuffer) throw new Error('pdf-lib no longer decodes streams through ensureBuffer');
  const grow = base.ensureBuffer;
  base.ensureBuffer = function charged(
    this: { buffer: Uint8Array; minBufferLength?: number },
    requested: number,
  ): Uint8Array {
    const had = this.buffer.byteLength;
    if (requested > had) {
      // What the base class will allocate: its minimum, doubled until the request fits.
      let size = this.minBufferLength ?? 512;
      while (size < requested) size *= 2;
      charge(size - had);
    }
    return grow.call(this, requested);
  };
}

/** Takes `bytes` from what the decoders may still allocate; past it, the check is stopped. */
function charge(bytes: number): void {
  // Throws before anything is allocated past the budget.
  if (decodedBytesLeft - bytes < 0)
    stop('decoded-bytes', 'the document inflates to more than its decoding budget');
  decodedBytesLeft -= bytes;
  inflatedBytes += bytes;
}

interface SourceStream {
  bytes: Uint8Array;
  pos: number;
  end: number;
}

interface FlateDecoder {
  stream: SourceStream | object;
  pos: number;
  bufferLength: number;
  buffer: Uint8Array;
  eof: boolean;
}

/**
 * pdf-lib inflates Flate streams in JavaScript, at a few tens of MB/s: stopping a bomb at its cap
 * took most of a second. A whole Flate stream read straight from the file (what object and
 * cross-reference streams are) is inflated by zlib instead, never past what the budget has left;
 * chained filters, predictors and data zlib refuses go pdf-lib's own way, charged as before.
 */
function inflateNatively(): void {
  const probe = decodePDFRawStream(
    PDFRawStream.of(PDFContext.create().obj({ Filter: 'FlateDecode' }), deflateSync(Buffer.alloc(0))),
  ) as unknown as FlateDecoder;
  const flate = Object.getPrototypeOf(probe) as { decode: (this: FlateDecoder) => Uint8Array };
  const rawSource = Object.getPrototypeOf(probe.stream) as object;
  const ownDecode = flate.decode;
  flate.decode = function decode(this: FlateDecoder): Uint8Array {
    const source = this.stream as SourceStream;
    if (!metering || Object.getPrototypeOf(source) !== rawSource || this.bufferLength > 0 || this.eof) {
      return ownDecode.call(this);
    }
    // Nothing left: refused before zlib is started at all.
    if (decodedBytesLeft <= 0) return charge(1) as never;
    let inflated: Buffer;
    try {
      // After the two header bytes the constructor read: the deflate data, then its checksum.
      inflated = inflateRawSync(source.bytes.subarray(source.pos, source.end), {
        maxOutputLength: Math.max(1, Math.min(decodedBytesLeft, 2 ** 31 - 1)),
        finishFlush: constants.Z_SYNC_FLUSH,
      });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') return ownDecode.call(this);
      // zlib filled what was left before it stopped.
      inflatedBytes += decodedBytesLeft;
      decodedBytesLeft = 0;
      return charge(1) as never;
    }
    charge(inflated.byteLength);
    this.buffer = inflated;
    this.bufferLength = inflated.byteLength;
    this.eof = true;
    return inflated;
  };
}

/**
 * pdf-lib copies every stream's bytes out of the file as it parses it (its ByteStream.slice is
 * Uint8Array.slice): 29 MB more, and as many page faults, for a 29 MB scan. A metered check reads
 * memory nothing writes to while it runs (the worker's scratch buffer, a mail's decoded parts), so
 * there streams are views of it; elsewhere pdf-lib copies as it always did.
 */
function viewStreamsInPlace(): void {
  const { bytes } = PDFParser.forBytesWithOptions(new Uint8Array(1)) as unknown as { bytes: object };
  const byteStream = Object.getPrototypeOf(bytes) as {
    slice?: (this: { bytes: Uint8Array }, start: number, end: number) => Uint8Array;
  };
  if (typeof byteStream.slice !== 'function')
    throw new Error('pdf-lib no longer reads through ByteStream.slice');
  const copy = byteStream.slice;
  byteStream.slice = function view(start: number, end: number): Uint8Array {
    return metering ? this.bytes.subarray(start, end) : copy.call(this, start, end);
  };
  // The object and cross-reference stream parsers read a stream's objects through this: counted.
  const ByteStream = (byteStream as { constructor: { fromPDFRawStream?: (s: unknown) => unknown } })
    .constructor;
  const fromStream = ByteStream.fromPDFRawStream;
  if (typeof fromStream !== 'function')
    throw new Error('pdf-lib no longer reads object streams through ByteStream.fromPDFRawStream');
  ByteStream.fromPDFRawStream = (stream: unknown) => {
    streamsDecoded++;
    return fromStream(stream);
  };
}

/**
 * Every value pdf-lib reads (an indirect object, each element of an array, each value of a
 * dictionary) comes through PDFObjectParser.parseObject, the file's own objects and those of object
 * streams alike, except the integers and references of an array's runs, which the patched parser
 * tells to valueRead one by one: each is counted, and past the cap the parse stops (see
 * MIN_PARSED_VALUES).
 */
function countParsedValues(): void {
  const parser = PDFObjectParser.prototype as unknown as {
    parseObject?: (...args: unknown[]) => unknown;
    valueRead?: () => void;
  };
  const parseObject = parser.parseObject;
  if (typeof parseObject !== 'function')
    throw new Error('pdf-lib no longer reads values through PDFObjectParser.parseObject');
  if (typeof parser.valueRead !== 'function')
    throw new Error('pdf-lib no longer tells the values of runs to PDFObjectParser.valueRead');
  parser.parseObject = function counted(this: unknown, ref: unknown): unknown {
    chargeValues(1);
    watchHeap();
    return parseObject.call(this, ref);
  };
  parser.valueRead = () => {
    chargeValues(1);
    watchHeap();
  };
}

/**
 * The share of a worker's heap limit past which a check is stopped. Reaching the limit itself is
 * not a safe stop: when it is reached while a Map grows (pdf-lib keeps its objects and references in
 * Maps), V8 ends the whole process, not the worker (a PDF of 500 bytes declaring 1.5 million
 * cross-reference entries did). A growing Map at most doubles its table, so the rest is room for that.
 */
export const HEAP_STOP_SHARE = 0.6;
/**
 * How many objects or references are made between two looks at the clock, and at the heap (~1 us
 * a look, eight times as rare): at most about a millisecond of parsing between looks at the clock,
 * even in a document of few values and many bytes (4,000 streams that never close: ~0.9 ms).
 */
const CLOCK_CHECK_EVERY = 128;
const HEAP_CHECK_EVERY_CLOCK = 8;
let untilClockCheck = CLOCK_CHECK_EVERY;
let untilHeapCheck = HEAP_CHECK_EVERY_CLOCK;

function watchHeap(): void {
  if (--untilClockCheck > 0) return;
  untilClockCheck = CLOCK_CHECK_EVERY;
  if (!metering) return;
  if (performance.now() > deadline) stop('time', 'the document takes longer than its budget');
  if (--untilHeapCheck > 0) return;
  untilHeapCheck = HEAP_CHECK_EVERY_CLOCK;
  if (getHeapStatistics().used_heap_size > heapStopBytes) {
    stop('heap', 'the document needs more heap than its budget');
  }
}

/** Takes `count` from the values the parser may still read; past the cap, the check is stopped. */
function chargeValues(count: number): void {
  parsedValues += count;
  parsedValuesLeft -= count;
  if (parsedValuesLeft < 0) stop('parsed-values', 'the document holds more values than its budget');
}

/**
 * Cross-reference entries are made outside the object parser, one entry and one reference each,
 * so each reference made looks at the heap. An xref stream's entries are as many as its /Size or
 * /Index declare, whatever the stream holds: entries of no bytes (field widths of 0) are charged as
 * values read, and what entries would read beyond the stream's end (/W of 300,000,000 bytes a
 * field read that many bytes an entry, for seconds) against the decoding budget. Other entries each
 * take a byte or more the stream inflated to, which that budget has already counted.
 */
function countCrossReferences(): void {
  const refOf = PDFRef.of;
  PDFRef.of = (objectNumber: number, generationNumber?: number) => {
    watchHeap();
    return refOf(objectNumber, generationNumber);
  };
  const streamParser = PDFXRefStreamParser.prototype as unknown as {
    parseEntries?: (this: XRefStreamParser) => unknown;
  };
  const parseEntries = streamParser.parseEntries;
  if (typeof parseEntries !== 'function')
    throw new Error('pdf-lib no longer reads xref streams through PDFXRefStreamParser.parseEntries');
  streamParser.parseEntries = function counted(this: XRefStreamParser): unknown {
    const entries = this.subsections.reduce((sum, s) => sum + Math.max(0, s.length), 0);
    const entryBytes = this.byteWidths.reduce((sum, w) => sum + Math.max(0, w), 0);
    if (entryBytes === 0) chargeValues(entries);
    const beyond = entries * entryBytes - (this.bytes.length - this.bytes.idx);
    if (beyond > 0) charge(beyond);
    return parseEntries.call(this);
  };
}

interface XRefStreamParser {
  subsections: { length: number }[];
  byteWidths: number[];
  bytes: { length: number; idx: number };
}

let installed = false;

/** Puts the hooks into this thread's pdf-lib (once; metered does it on first use). */
export function installMeter(): void {
  if (installed) return;
  installed = true;
  chargeStreamDecoders();
  inflateNatively();
  viewStreamsInPlace();
  countParsedValues();
  countCrossReferences();
}

/** What one check may take. Every cap is optional: a cap left out is not applied. */
export interface MeterCaps {
  /** Bytes all PDF stream decoders together may allocate. */
  decodedBytes: number;
  /** PDF values the parser may read, all documents together. */
  parsedValues: number;
  /** Stop once the thread's used heap passes this share of its limit (see HEAP_STOP_SHARE). */
  heapShare?: number;
  /** Stop once the used heap has grown this many bytes past what it was at the start. */
  heapGrowthBytes?: number;
  /** Milliseconds the check may take (looked at every CLOCK_CHECK_EVERY values and references). */
  ms?: number;
}

export interface MeterCounts {
  /** What the stream decoders allocated. */
  inflatedBytes: number;
  /** Object and cross-reference streams the parser decoded. */
  streamsDecoded: number;
  /** PDF values the parser read. */
  parsedValues: number;
}

/** What the pdf-lib patch adds to PDFName and PDFRef: the size of their pool, and a trim back to one. */
interface PdfLibPool {
  poolMark(): number;
  trimPool(mark: number): void;
}

/**
 * pdf-lib pools every name and reference for the life of the thread (patches/@cantoo+pdf-lib adds
 * the trim): a check of millions of references left them in the heap of every check after it. Once
 * the checks made since the first one hold more than this, they are let go together; below it, an
 * ordinary document's names and references (the same few again and again) are found pooled instead
 * of being made anew each mail.
 */
export const MAX_KEPT_POOLED = 10_000;

/** Each pool's size before the first check: pdf-lib's own names, which are never let go. */
let poolBaseline: number[] | undefined;

function letGoOfPooled(pools: PdfLibPool[], baseline: number[]): void {
  for (const [i, pool] of pools.entries()) {
    const base = baseline[i] as number;
    // Between checks no document is open (each check's answer is bytes), so none holds what goes.
    if (pool.poolMark() - base > MAX_KEPT_POOLED) pool.trimPool(base);
  }
}

/**
 * Runs `check` (which opens documents with pdf-lib) with its decoders, parser and heap counted and
 * capped. Past a cap the parse is stopped; `exceeded` says which, and the check's answer is then
 * not to be used. One at a time per thread: the counts are the thread's.
 */
export async function metered<T>(
  caps: MeterCaps,
  check: () => Promise<T>,
): Promise<MeterCounts & { result: T; exceeded?: OverBudget }> {
  if (metering) throw new Error('a metered check is already running in this thread');
  installMeter();
  metering = true;
  decodedBytesLeft = caps.decodedBytes;
  parsedValuesLeft = caps.parsedValues;
  const heap = getHeapStatistics();
  heapStopBytes = Math.min(
    caps.heapShare === undefined ? Number.POSITIVE_INFINITY : heap.heap_size_limit * caps.heapShare,
    caps.heapGrowthBytes === undefined
      ? Number.POSITIVE_INFINITY
      : heap.used_heap_size + caps.heapGrowthBytes,
  );
  deadline = caps.ms === undefined ? Number.POSITIVE_INFINITY : performance.now() + caps.ms;
  untilClockCheck = CLOCK_CHECK_EVERY;
  untilHeapCheck = HEAP_CHECK_EVERY_CLOCK;
  inflatedBytes = 0;
  streamsDecoded = 0;
  parsedValues = 0;
  exceeded = undefined;
  const pools = [PDFName, PDFRef] as unknown as PdfLibPool[];
  poolBaseline ??= pools.map((pool) => pool.poolMark());
  try {
    const result = await check();
    return { result, inflatedBytes, streamsDecoded, parsedValues, ...(exceeded ? { exceeded } : {}) };
  } finally {
    letGoOfPooled(pools, poolBaseline);
    metering = false;
    decodedBytesLeft = Number.POSITIVE_INFINITY;
    parsedValuesLeft = Number.POSITIVE_INFINITY;
    heapStopBytes = Number.POSITIVE_INFINITY;
    deadline = Number.POSITIVE_INFINITY;
  }
}
