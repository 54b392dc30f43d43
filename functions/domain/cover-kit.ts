// Loads the libraries only a cover page needs (cover-libraries.ts) on first use. Deployed, they are
// a bundle of their own beside the handler (cover-kit.mjs, built by infra/gateway-stateless.ts and
// bench/lambda-bundle.ts); inlined into the handler they would add 1.3 MB that every cold start
// parses, cover page or not.

import { siblingModule } from '../sibling-bundle.ts';

export type CoverKit = typeof import('./cover-libraries.ts');

/** fontkit and html-to-text (cover-libraries.ts), imported on first use (see sibling-bundle.ts). */
export const loadCoverKit = siblingModule<CoverKit>(
  new URL('./cover-kit.mjs', import.meta.url),
  new URL('./cover-libraries.ts', import.meta.url),
);
