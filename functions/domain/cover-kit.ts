// Loads the libraries only a cover page needs (cover-libraries.ts) on first use. Deployed, they are
// a bundle of their own beside the handler (cover-kit.mjs, built by infra/gateway-stateless.ts and
// bench/lambda-bundle.ts); inlined into the handler they would add 1.3 MB that every cold start
// parses, cover page or not.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type CoverKit = typeof import('./cover-libraries.ts');
let kit: Promise<CoverKit> | undefined;

/**
 * fontkit and html-to-text (cover-libraries.ts), imported on first use: deployed, the bundle beside this
 * one; run from source, the module itself. The specifier is computed, so the bundler leaves the
 * import alone instead of inlining the libraries.
 */
export function loadCoverKit(): Promise<CoverKit> {
  const bundled = new URL('./cover-kit.mjs', import.meta.url);
  const source = new URL('./cover-libraries.ts', import.meta.url);
  const where = existsSync(fileURLToPath(bundled)) ? bundled.href : source.href;
  kit ??= import(/* @vite-ignore */ where) as Promise<CoverKit>;
  return kit;
}
