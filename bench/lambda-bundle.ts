// Bundles an entry the way infra/fax-gateway.ts has CDK bundle the Lambda functions (NodejsFunction
// `bundling`: ESM, minified, `mainFields: module,main`, the createRequire banner, the SDK bundled,
// a linked source map), so bundle sizes and import times are those of what gets deployed.
// Keep INFRA_BUNDLE_OPTIONS in step with that file.

import { copyFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { COVER_FONT_FILES } from '../functions/adapters/cover-assets.ts';

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
 * A bundle that checks documents also gets their worker, document-worker.mjs, and the check in its
 * own thread, document-kit.mjs, beside it, as infra bundles them (functions/inbound/document-budget.ts
 * loads them from there); one that can make cover
 * pages gets what they need (bundleCoverKit); the status poller gets its resend code, resend-kit.mjs
 * (functions/handlers/status-poller.ts loads it on the first resend), and its S3 code, s3-kit.mjs
 * (functions/adapters/lazy-prepared-documents.ts loads it on the first re-dial or resend).
 */
export async function bundle(entry: string, outfile: string, options: BuildOptions): Promise<Bundle> {
  const { metafile } = await build({ ...options, entryPoints: [entry], outfile, metafile: true });
  if (Object.keys(metafile.inputs).some((input) => input.endsWith('functions/inbound/document-budget.ts'))) {
    await build({
      ...options,
      entryPoints: [fileURLToPath(new URL('../functions/inbound/document-worker.ts', import.meta.url))],
      outfile: join(dirname(outfile), 'document-worker.mjs'),
    });
    await build({
      ...options,
      entryPoints: [fileURLToPath(new URL('../functions/inbound/document-check-here.ts', import.meta.url))],
      outfile: join(dirname(outfile), 'document-kit.mjs'),
    });
  }
  if (Object.keys(metafile.inputs).some((input) => input.endsWith('functions/handlers/status-poller.ts'))) {
    await build({
      ...options,
      entryPoints: [fileURLToPath(new URL('../functions/handlers/status-poller-resend.ts', import.meta.url))],
      outfile: join(dirname(outfile), 'resend-kit.mjs'),
    });
    await build({
      ...options,
      entryPoints: [fileURLToPath(new URL('../functions/adapters/s3-kit.ts', import.meta.url))],
      outfile: join(dirname(outfile), 's3-kit.mjs'),
    });
  }
  if (Object.keys(metafile.inputs).some((input) => input.endsWith('functions/domain/cover-kit.ts'))) {
    await bundleCoverKit(dirname(outfile));
  }
  return { outfile, bytes: statSync(outfile).size };
}

/**
 * What infra puts beside the inbound handler for cover pages (infra/gateway-stateless.ts): the
 * libraries only a cover page needs as cover-kit.mjs, and the fonts as files.
 */
export async function bundleCoverKit(dir: string): Promise<Bundle> {
  const root = new URL('..', import.meta.url).pathname;
  for (const file of COVER_FONT_FILES) {
    copyFileSync(join(root, 'node_modules/dejavu-fonts-ttf/ttf', file), join(dir, file));
  }
  const outfile = join(dir, 'cover-kit.mjs');
  await build({
    ...INFRA_BUNDLE_OPTIONS,
    entryPoints: [join(root, 'functions/domain/cover-libraries.ts')],
    outfile,
  });
  return { outfile, bytes: statSync(outfile).size };
}
