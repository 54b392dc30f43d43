// The document check, metered: pdf-lib and the document code. The document worker runs it within
// the full budget; the function's own thread within small caps (see checkInProcess in
// document-budget.ts), from a bundle of its own beside the handler (document-kit.mjs, built by
// infra/gateway-stateless.ts and bench/lambda-bundle.ts), imported on the first mail (or while the
// handler warms up), so a cold start does not parse pdf-lib.

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
