// Code only some invocations need, imported on first use. Deployed, it is a bundle of its own beside
// the handler's (built by infra/gateway-stateless.ts and bench/lambda-bundle.ts), so a cold start
// does not parse it; run from source, it is the module itself. The specifier is computed, so the
// bundler leaves the import alone instead of inlining the module.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A loader of the bundle at `bundled` when it is there, else of the module at `source` (URLs beside
 * the caller's module); it imports on its first call and keeps the module.
 */
export function siblingModule<Module>(bundled: URL, source: URL): () => Promise<Module> {
  let loaded: Promise<Module> | undefined;
  return () => {
    // The file system is asked once, on the first call, not on every cover page or re-dial.
    loaded ??= import(
      /* @vite-ignore */ existsSync(fileURLToPath(bundled)) ? bundled.href : source.href
    ) as Promise<Module>;
    return loaded;
  };
}
