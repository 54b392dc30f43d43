// The document check (open, count, merge, turn pictures into pages) in a worker thread of its own,
// so a hostile document costs a bounded amount (issue 11 item 9). The parent gives the worker a V8
// heap limit and a deadline; this file adds what those cannot see: bytes that PDF streams inflate
// to live in ArrayBuffers outside the V8 heap, so every stream decoder here counts what it
// allocates, and an inspection that passes its share is stopped as too complex.

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { decodePDFRawStream, PDFContext, PDFRawStream } from '@cantoo/pdf-lib';
import { type DocumentDecision, type DocumentLimits, prepareFaxDocument } from '../domain/documents.ts';
import type { MailPart } from '../domain/inbound-mail.ts';

export interface InspectRequest {
  parts: MailPart[];
  limits: DocumentLimits;
  /** Bytes all PDF stream decoders together may allocate. */
  maxDecodedBytes: number;
}

export type InspectAnswer = { decision: DocumentDecision } | { overBudget: 'decoded-bytes' };

/** What the worker posts on its answer port: once that it is ready, then one answer per request. */
export type WorkerMessage = InspectAnswer | { ready: true };

// Answers go on a port of their own (given in workerData), which the parent can read synchronously.
const answers = (workerData as { answers?: MessagePort } | null)?.answers ?? parentPort;

class DecodedBytesExceeded extends Error {
  override readonly name = 'DecodedBytesExceeded';
}

let decodedBytesLeft = Number.POSITIVE_INFINITY;
let exceeded = false;

/**
 * pdf-lib grows each stream decoder's output buffer through one method of their common base class
 * (DecodeStream.ensureBuffer), which it does not export; a decoder made here leads to it. Every
 * growth is charged; past the budget the decoder throws, and pdf-lib's load fails.
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
      decodedBytesLeft -= size - had;
      if (decodedBytesLeft < 0) {
        exceeded = true;
        throw new DecodedBytesExceeded('the document inflates to more than its decoding budget');
      }
    }
    return grow.call(this, requested);
  };
}

chargeStreamDecoders();

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

parentPort?.on('message', async (request: InspectRequest) => {
  decodedBytesLeft = request.maxDecodedBytes;
  exceeded = false;
  // Structured cloning hands the parts over as Uint8Arrays; the domain reads Buffers (no copy).
  const parts = request.parts.map((p) => ({ ...p, content: asBuffer(p.content) }));
  const decision = await prepareFaxDocument(parts, request.limits);
  if (exceeded) {
    answers?.postMessage({ overBudget: 'decoded-bytes' } satisfies WorkerMessage);
    return;
  }
  // The document and the files' bytes go back without a copy (they are this thread's buffers).
  const buffers = new Set<ArrayBuffer>();
  if (decision.ok) {
    buffers.add(decision.document.bytes.buffer as ArrayBuffer);
    for (const file of decision.document.files) buffers.add(file.bytes.buffer as ArrayBuffer);
  }
  answers?.postMessage({ decision } satisfies WorkerMessage, [...buffers]);
});

// Everything is loaded: from here on, the parent's deadline counts.
answers?.postMessage({ ready: true } satisfies WorkerMessage);
