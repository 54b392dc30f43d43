// The document check (open, count, merge, turn pictures into pages) in a worker thread of its own,
// so a hostile document costs a bounded amount (issue 11 item 9). The parent gives the worker a V8
// heap limit and a deadline; the meter (document-meter.ts) adds what those cannot see, the bytes
// PDF streams inflate to and the values the parser reads, and stops a check past its share.

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { CoverRequest, DocumentDecision, DocumentLimits } from '../domain/documents.ts';
import type { MailPart } from '../domain/inbound-mail.ts';
import { checkHere } from './document-check-here.ts';
import { HEAP_STOP_SHARE, installMeter, type MeterCounts, type OverBudget } from './document-meter.ts';
import { transferable } from './transferable.ts';

export type { OverBudget };

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
} & MeterCounts &
  (
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
  const { buffers } = request;
  const back = buffers.map((b) => (b instanceof ArrayBuffer ? b : null));
  // Views of the request's buffers, as Buffers (the domain reads Buffers): no copy.
  const parts: MailPart[] = request.parts.map(({ range, ...p }) => ({
    ...p,
    content: Buffer.from(buffers[range.buffer] as ArrayBuffer, range.offset, range.length),
  }));
  const {
    result: decision,
    exceeded,
    ...counts
  } = await checkHere(parts, request.limits, request.cover, {
    decodedBytes: request.maxDecodedBytes,
    parsedValues: request.maxParsedValues,
    heapShare: HEAP_STOP_SHARE,
  });
  if (exceeded) {
    answers?.postMessage(
      { overBudget: exceeded, buffers: back, ...counts } satisfies WorkerMessage,
      transferable(buffers),
    );
    return;
  }
  if (!decision.ok) {
    answers?.postMessage(
      { decision, buffers: back, ...counts } satisfies WorkerMessage,
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
      ...counts,
    } satisfies WorkerMessage,
    [...transferable(buffers), ...made],
  );
});

installMeter();
// Everything is loaded: from here on, the parent's deadline counts.
answers?.postMessage({ ready: true } satisfies WorkerMessage);
