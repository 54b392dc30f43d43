// The document check in the function's own thread (see checkInProcess in document-budget.ts): pdf-lib
// and the document code, metered. Deployed, it is a bundle of its own beside the handler
// (document-kit.mjs, built by infra/gateway-stateless.ts and bench/lambda-bundle.ts), imported on the
// first mail (or while the handler warms up), so a cold start does not parse pdf-lib.

import {
  type CoverRequest,
  type DocumentDecision,
  type DocumentLimits,
  prepareFaxDocument,
} from '../domain/documents.ts';
import type { MailPart } from '../domain/inbound-mail.ts';
import { type MeterCaps, type MeterCounts, metered, type OverBudget } from './document-meter.ts';

/** prepareFaxDocument within `caps`; `exceeded` says which cap stopped it (then `result` is not to be used). */
export function checkHere(
  parts: MailPart[],
  limits: DocumentLimits,
  cover: CoverRequest | undefined,
  caps: MeterCaps,
): Promise<MeterCounts & { result: DocumentDecision; exceeded?: OverBudget }> {
  return metered(caps, () => prepareFaxDocument(parts, limits, cover));
}
