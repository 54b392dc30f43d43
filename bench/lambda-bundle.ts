// Bundles an entry the way infra/fax-gateway.ts has CDK bundle the Lambda functions (NodejsFunction
// `bundling`: ESM, minified, `mainFields: module,main`, the createRequire banner, the SDK bundled,
// a linked source map), so bundle sizes and import times are those of what gets deployed.
// Keep INFRA_BUNDLE_OPTIONS in step with that file.

import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const REQUIRE_BANNER =
  "import { createRequire as __faxgateCreateRequire } from 'node:module'; const require = __faxgateCreateRequire(import.meta.url);";

/** What CDK passes to esbuild for the faxgate functions (runtime Node.js 24). */
export const INFRA_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  // CDK's `sourceMap: true`: a .map file beside the bundle and a sourceMappingURL comment.
  sourcemap: true,
  sourcesContent: false,
  banner: { js: REQUIRE_BANNER },
  logLevel: 'silent',
};

/** esbuild's defaults for a Node program: what "just bundle it" gives. */
export const NAIVE_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  logLevel: 'silent',
};

export interface Bundle {
  outfile: string;
  bytes: number;
}

/**
 * A bundle that checks documents also gets their worker, document-worker.mjs, beside it, as infra
 * bundles it (functions/inbound/document-budget.ts loads it from there).
 */
export async function bundle(entry: string, outfile: string, options: BuildOptions): Promise<Bundle> {
  const { metafile } = await build({ ...options, entryPoints: [entry], outfile, metafile: true });
  if (Object.keys(metafile.inputs).some((input) => input.endsWith('functions/inbound/document-budget.ts'))) {
    await build({
      ...options,
      entryPoints: [fileURLToPath(new URL('../functions/inbound/document-worker.ts', import.meta.url))],
      outfile: join(dirname(outfile), 'document-worker.mjs'),
    });
  }
  return { outfile, bytes: statSync(outfile).size };
}
