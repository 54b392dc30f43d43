// The document check (open, count, merge, turn pictures into pages) in a worker thread of its own,
// so a hostile document costs a bounded amount (issue 11 item 9). The parent gives the worker a V8
// heap limit and a deadline; this file adds what those cannot see: bytes that PDF streams inflate
// to live in ArrayBuffers outside the V8 heap, so every stream decoder here counts what it
// allocates, and an inspection that passes its share is stopped as too complex.

import { getHeapStatistics } from 'node:v8';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { constants, deflateSync, inflateRawSync } from 'node:zlib';
import {
  decodePDFRawStream,
  PDFContext,
  PDFObjectParser,
  PDFParser,
  PDFRawStream,
  PDFRef,
  PDFXRefStreamParser,
} from '@cantoo/pdf-lib';
import {
  type CoverRequest,
  type DocumentDecision,
  type DocumentLimits,
  prepareFaxDocument,
} from '../domain/documents.ts';
import type { MailPart } from '../domain/inbound-mail.ts';
import { transferable } from './transferable.ts';

/** A part as it travels: its bytes are `length` bytes at `offset` of the request's buffer `buffer`. */
export type TravellingPart = Omit<MailPart, 'content'> & {
  range: { buffer: number; offset: number; length: number };
};

export interface InspectRequest {
  parts: TravellingPart[];
  /**
   * First the scratch buffer (copies of parts, one after the other, in a buffer the parent reuses),
   * then the large parts' own memory: lent (handed back with the answer), or shared, when the mail
   * reader decoded it into a SharedArrayBuffer (see decodeBase64Body): seen here as it is, no move.
   */
  buffers: (ArrayBuffer | SharedArrayBuffer)[];
  limits: DocumentLimits;
  /** Bytes all PDF stream decoders together may allocate. */
  maxDecodedBytes: number;
  /** PDF values the parser may read, all documents together. */
  maxParsedValues: number;
  /** The cover page to put first, when one is asked for. */
  cover?: CoverRequest;
}

/**
 * Where a file's bytes are: the part it came from as it was (the parent has those bytes already,
 * so they do not travel back), or bytes made here.
 */
export type Origin = { part: number } | { bytes: Uint8Array };

export type InspectAnswer = {
  /**
   * The request's buffers, given back: the scratch buffer for the next mail, the lent ones to their
   * parts; shared memory never left, so it is not sent back (an entry of null).
   */
  buffers: (ArrayBuffer | null)[];
  /** What the stream decoders allocated. */
  inflatedBytes: number;
  /** Object and cross-reference streams the parser decoded. */
  streamsDecoded: number;
  /** PDF values the parser read. */
  parsedValues: number;
} & (
  | { decision: Exclude<DocumentDecision, { ok: true }> }
  | {
      /** The decision with its bytes left out; `document` and `files` say where they are. */
      decision: Extract<DocumentDecision, { ok: true }>;
      document: Origin;
      files: Origin[];
    }
  | { overBudget: OverBudget }
);

/** What the worker posts on its answer port: once that it is ready, then one answer per request. */
export type WorkerMessage = InspectAnswer | { ready: true };

// Answers go on a port of their own (given in workerData), which the parent can read synchronously.
const answers = (workerData as { answers?: MessagePort } | null)?.answers ?? parentPort;

/** Which cap a check passed. */
export type OverBudget = 'decoded-bytes' | 'parsed-values' | 'heap';

class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
  // The patched parser stops at this (it backs out of any other object's error and reads on):
  // past the cap, every object stream after it would be read only to be refused again.
  readonly parseBudgetExceeded = true;
}

let decodedBytesLeft = Number.POSITIVE_INFINITY;
let parsedValuesLeft = Number.POSITIVE_INFINITY;
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
    if (Object.getPrototypeOf(source) !== rawSource || this.bufferLength > 0 || this.eof) {
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
 * Uint8Array.slice): 29 MB more, and as many page faults, for a 29 MB scan. Here the file is this
 * worker's own scratch buffer, which nothing writes to while a check runs, so streams are views of it.
 */
function viewStreamsInPlace(): void {
  const { bytes } = PDFParser.forBytesWithOptions(new Uint8Array(1)) as unknown as { bytes: object };
  const byteStream = Object.getPrototypeOf(bytes) as {
    slice?: (this: { bytes: Uint8Array }, start: number, end: number) => Uint8Array;
  };
  if (typeof byteStream.slice !== 'function')
    throw new Error('pdf-lib no longer reads through ByteStream.slice');
  byteStream.slice = function view(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start, end);
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
 * streams alike: each is counted, and past the cap the parse stops (see MIN_PARSED_VALUES).
 */
function countParsedValues(): void {
  const parser = PDFObjectParser.prototype as unknown as { parseObject?: (...args: unknown[]) => unknown };
  const parseObject = parser.parseObject;
  if (typeof parseObject !== 'function')
    throw new Error('pdf-lib no longer reads values through PDFObjectParser.parseObject');
  parser.parseObject = function counted(this: unknown, ...args: unknown[]): unknown {
    chargeValues(1);
    watchHeap();
    return parseObject.apply(this, args);
  };
}

/**
 * The share of the worker's heap limit past which a check is stopped. Reaching the limit itself is
 * not a safe stop: when it is reached while a Map grows (pdf-lib keeps its objects and references in
 * Maps), V8 ends the whole process, not the worker (a PDF of 500 bytes declaring 1.5 million
 * cross-reference entries did). A growing Map at most doubles its table, so the rest is room for that.
 */
const HEAP_STOP_SHARE = 0.6;
/** How many objects or references are made between two looks at the heap (one look is ~1 us). */
const HEAP_CHECK_EVERY = 1024;
const heapStopBytes = getHeapStatistics().heap_size_limit * HEAP_STOP_SHARE;
let untilHeapCheck = HEAP_CHECK_EVERY;

function watchHeap(): void {
  if (--untilHeapCheck > 0) return;
  untilHeapCheck = HEAP_CHECK_EVERY;
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

chargeStreamDecoders();
inflateNatively();
viewStreamsInPlace();
countParsedValues();
countCrossReferences();

/** Where each file's bytes are: a part's own bytes by index, else the bytes themselves. */
function originOf(
  bytes: Uint8Array,
  parts: MailPart[],
  buffers: (ArrayBuffer | SharedArrayBuffer)[],
): Origin {
  const part = parts.findIndex((p) => p.content === bytes);
  if (part >= 0) return { part };
  // Any other view of the request's buffers would arrive empty: copied out.
  return { bytes: buffers.includes(bytes.buffer) ? bytes.slice() : bytes };
}

parentPort?.on('message', async (request: InspectRequest) => {
  decodedBytesLeft = request.maxDecodedBytes;
  parsedValuesLeft = request.maxParsedValues;
  inflatedBytes = 0;
  streamsDecoded = 0;
  parsedValues = 0;
  exceeded = undefined;
  const { buffers } = request;
  const back = buffers.map((b) => (b instanceof ArrayBuffer ? b : null));
  // Views of the request's buffers, as Buffers (the domain reads Buffers): no copy.
  const parts: MailPart[] = request.parts.map(({ range, ...p }) => ({
    ...p,
    content: Buffer.from(buffers[range.buffer] as ArrayBuffer, range.offset, range.length),
  }));
  const decision = await prepareFaxDocument(parts, request.limits, request.cover);
  if (exceeded) {
    answers?.postMessage(
      {
        overBudget: exceeded,
        buffers: back,
        inflatedBytes,
        streamsDecoded,
        parsedValues,
      } satisfies WorkerMessage,
      transferable(buffers),
    );
    return;
  }
  if (!decision.ok) {
    answers?.postMessage(
      { decision, buffers: back, inflatedBytes, streamsDecoded, parsedValues } satisfies WorkerMessage,
      transferable(buffers),
    );
    return;
  }
  // Bytes made here (a merged document) go back without a copy; a part's bytes do not go back at
  // all (once the buffers are handed back, views of them are empty here).
  const document = originOf(decision.document.bytes, parts, buffers);
  const files = decision.document.files.map((f) => originOf(f.bytes, parts, buffers));
  const made = new Set<ArrayBuffer>();
  for (const o of [document, ...files]) if ('bytes' in o) made.add(o.bytes.buffer as ArrayBuffer);
  const empty = new Uint8Array(0);
  const bare: typeof decision = {
    ...decision,
    document: {
      ...decision.document,
      bytes: empty,
      files: decision.document.files.map((f) => ({ ...f, bytes: empty })),
    },
  };
  answers?.postMessage(
    {
      decision: bare,
      document,
      files,
      buffers: back,
      inflatedBytes,
      streamsDecoded,
      parsedValues,
    } satisfies WorkerMessage,
    [...transferable(buffers), ...made],
  );
});

// Everything is loaded: from here on, the parent's deadline counts.
answers?.postMessage({ ready: true } satisfies WorkerMessage);
