// Shared by the infra tests: an App with the context of cdk.json (so feature flags match what
// `cdk synth` uses), synthesized into a temporary folder that the caller removes.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context?: Record<string, unknown>;
};

/** Synthesis bundles both functions with esbuild: seconds alone, much longer on a busy machine. */
export const SYNTH_TIMEOUT = 240_000;

export interface TestApp {
  app: App;
  outdir: string;
  remove(): void;
}

export function testApp(context: Record<string, unknown> = {}): TestApp {
  const outdir = mkdtempSync(join(tmpdir(), 'faxgate-cdk-'));
  const app = new App({ outdir, context: { ...cdkJson.context, ...context } });
  return { app, outdir, remove: () => rmSync(outdir, { recursive: true, force: true }) };
}
