// Runs the document check in a worker thread within a budget (issue 11 item 9): a V8 heap limit
// (resourceLimits), a cap on the bytes PDF streams may inflate to (counted in the worker, since
// ArrayBuffers live outside the heap) and a deadline. A document over any of them is rejected as
// too complex to fax, the worker is terminated, and the function carries on.
//
// The worker is document-worker.ts. Deployed, it is bundled beside the handler as
// document-worker.mjs (infra/gateway-stateless.ts bundles it after the handler); run from source
// (npm start, tests) it is loaded through tsx. One idle worker is kept for the next mail, so a warm
// function does not pay for starting a thread and loading pdf-lib again.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DocumentDecision, DocumentLimits } from '../domain/documents.ts';
import type { MailPart } from '../domain/inbound-mail.ts';
import type { InspectAnswer, InspectRequest } from './document-worker.ts';

export interface DocumentBudget {
  /** Wall-clock time for one mail's documents. */
  timeoutMs: number;
  /** The worker's V8 old-generation heap. */
  heapMb: number;
  /** Bytes all PDF streams of one mail may inflate to. */
  decodedMb: number;
}

/**
 * For the inbound function's 1024 MB and 120 s: a 20 MB scanned PDF merged with pictures takes a
 * few seconds and well under these; a PDF whose object streams inflate to a gigabyte stops at 256 MB.
 */
export const DEFAULT_DOCUMENT_BUDGET: DocumentBudget = { timeoutMs: 30_000, heapMb: 384, decodedMb: 256 };

const MiB = 1024 * 1024;

/** The worker's entry: the bundled file next to this one, else the source through tsx. */
function workerEntry(): URL {
  const bundled = new URL('./document-worker.mjs', import.meta.url);
  if (existsSync(fileURLToPath(bundled))) return bundled;
  return new URL('./document-worker-source.mjs', import.meta.url);
}

const idle: Worker[] = [];
const MAX_IDLE = 1;

function startWorker(budget: DocumentBudget): Worker {
  return new Worker(workerEntry(), {
    resourceLimits: { maxOldGenerationSizeMb: budget.heapMb, maxYoungGenerationSizeMb: 48 },
  });
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

export async function prepareFaxDocumentWithinBudget(
  parts: MailPart[],
  limits: DocumentLimits,
  budget: DocumentBudget = DEFAULT_DOCUMENT_BUDGET,
): Promise<DocumentDecision> {
  // An idle worker has the default heap limit; a call with another one starts its own.
  const reused = budget.heapMb === DEFAULT_DOCUMENT_BUDGET.heapMb ? idle.pop() : undefined;
  const worker = reused ?? startWorker(budget);
  worker.ref();
  // Each part's bytes copied once into a buffer of their own and handed over (not the whole mail
  // a part may be a view of).
  const copies = parts.map((p) => ({ ...p, content: new Uint8Array(p.content) }));
  const request: InspectRequest = {
    parts: copies as unknown as MailPart[],
    limits,
    maxDecodedBytes: budget.decodedMb * MiB,
  };
  const names = candidateNames(parts);
  return new Promise<DocumentDecision>((resolve, fail) => {
    const settle = (decision: DocumentDecision, keep: boolean) => {
      clearTimeout(deadline);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (keep && idle.length < MAX_IDLE && budget.heapMb === DEFAULT_DOCUMENT_BUDGET.heapMb) {
        worker.unref();
        idle.push(worker);
      } else {
        void worker.terminate();
      }
      resolve(decision);
    };
    const onMessage = (answer: InspectAnswer) => {
      if ('overBudget' in answer) {
        settle(tooComplex(names, `it inflates to more than ${budget.decodedMb} MB`), false);
        return;
      }
      const { decision } = answer;
      if (decision.ok) {
        // Transferred back as Uint8Arrays; the rest of the function reads Buffers.
        const b = decision.document.bytes;
        decision.document.bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      }
      settle(decision, true);
    };
    const onError = (error: Error) => {
      // Out of heap, or out of stack in a deeply nested document: the document's doing. Anything
      // else is a fault of ours, thrown so that it shows and the queue retries the mail.
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        settle(tooComplex(names, `it needs more than ${budget.heapMb} MB to read`), false);
      } else if (error instanceof RangeError) {
        settle(tooComplex(names, 'it is nested too deeply'), false);
      } else {
        settle(tooComplex(names, 'the check failed'), false);
        fail(error);
      }
    };
    const onExit = () => settle(tooComplex(names, 'it cannot be read'), false);
    const deadline = setTimeout(
      () => settle(tooComplex(names, `reading it takes longer than ${budget.timeoutMs / 1000} s`), false),
      budget.timeoutMs,
    );
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage(
      request,
      copies.map((c) => c.content.buffer as ArrayBuffer),
    );
  });
}
