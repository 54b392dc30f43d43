// Figure 2: cold start of each bundled function. Bundles each handler as infra does, beside an
// empty module and a naive bundle (mailparser and the SDK v3 clients, esbuild defaults) built in
// the same run; then imports each in fresh node processes, round-robin so noise spreads evenly,
// with the environment the deployed function gets (dummy values). The import must not touch the
// network: every socket connect and DNS lookup during it is counted and refused.

import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { bundle, INFRA_BUNDLE_OPTIONS, NAIVE_BUNDLE_OPTIONS } from './lambda-bundle.ts';
import { median, round } from './measure.ts';

const run = promisify(execFile);

export interface ColdStartRow {
  name: string;
  bundleBytes: number;
  /** Median time of `await import(bundle)` in a fresh process, ms. */
  importMs: number;
  /** importMs / the naive bundle's importMs. */
  ratioToNaive: number;
  /** Median wall time of the whole fresh process (start, import, exit), ms. */
  processMs: number;
  /** Connections and DNS lookups attempted while importing (must be 0). */
  networkAttempts: number;
  imports: number;
}

export interface ColdStartResult {
  rows: ColdStartRow[];
  /** NODE_OPTIONS the functions run with (from infra), applied to every import here too. */
  nodeOptions: string;
}

const root = new URL('..', import.meta.url).pathname;

/** The deployed functions' environment, with dummy values; credentials so the SDK never looks further. */
export const FUNCTION_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_LAMBDA_FUNCTION_NAME: 'faxgate-bench',
  FAX_DOMAIN: 'fax.example.com',
  REPLY_FROM: 'fax@fax.example.com',
  JOBS_TABLE: 'faxgate-jobs',
  SENDERS_TABLE: 'faxgate-senders',
  FAXROCKS_API_URL: 'https://faxrocks.invalid/api',
  FAXROCKS_TOKEN_PARAMETER: '/faxgate/faxrocks-token',
  POWERTOOLS_SERVICE_NAME: 'faxgate',
  POWERTOOLS_METRICS_NAMESPACE: 'faxgate',
  LOG_LEVEL: 'INFO',
};

// Runs in the fresh process: refuse and count network use, time the import, wait a moment for
// anything the import scheduled, report.
const IMPORT_PROBE = `
import net from 'node:net';
import dns from 'node:dns';
import { pathToFileURL } from 'node:url';
let attempts = 0;
const refuse = () => { attempts++; throw new Error('network use during import'); };
net.Socket.prototype.connect = refuse;
dns.lookup = refuse;
dns.promises.lookup = refuse;
const started = performance.now();
await import(pathToFileURL(process.argv[1]).href);
const importMs = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 50));
process.stdout.write(JSON.stringify({ importMs, attempts }));
`;

export interface ColdStartOptions {
  tmpDir: string;
  /** Fresh processes per bundle. */
  imports: number;
  /** NODE_OPTIONS of the deployed functions. */
  nodeOptions: string;
}

export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const dir = resolve(options.tmpDir, 'cold-start');
  await mkdir(dir, { recursive: true });
  const emptyEntry = join(dir, 'empty-entry.mjs');
  await writeFile(emptyEntry, 'export const handler = async () => undefined;\n');
  const bundles = [
    {
      name: 'empty module',
      ...(await bundle(emptyEntry, join(dir, 'empty', 'index.mjs'), INFRA_BUNDLE_OPTIONS)),
    },
    {
      name: 'naive (mailparser + SDK v3, esbuild defaults)',
      ...(await bundle(
        join(root, 'bench/naive-handler.ts'),
        join(dir, 'naive', 'index.cjs'),
        NAIVE_BUNDLE_OPTIONS,
      )),
    },
    {
      name: 'inbound',
      ...(await bundle(
        join(root, 'functions/handlers/inbound.ts'),
        join(dir, 'inbound', 'index.mjs'),
        INFRA_BUNDLE_OPTIONS,
      )),
    },
    {
      name: 'status poller',
      ...(await bundle(
        join(root, 'functions/handlers/status-poller.ts'),
        join(dir, 'status-poller', 'index.mjs'),
        INFRA_BUNDLE_OPTIONS,
      )),
    },
  ];

  const env = { PATH: process.env.PATH ?? '', ...FUNCTION_ENV, NODE_OPTIONS: options.nodeOptions };
  const samples = new Map(
    bundles.map((b) => [b.name, { importMs: [] as number[], processMs: [] as number[], attempts: 0 }]),
  );
  for (let i = 0; i < options.imports; i++) {
    for (const b of bundles) {
      const started = performance.now();
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE, b.outfile], {
        env,
        cwd: dir,
      });
      const processMs = performance.now() - started;
      const out = JSON.parse(stdout) as { importMs: number; attempts: number };
      const sample = samples.get(b.name);
      if (!sample) continue;
      sample.importMs.push(out.importMs);
      sample.processMs.push(processMs);
      sample.attempts += out.attempts;
    }
  }
  const naiveMs = median(samples.get(bundles[1]?.name ?? '')?.importMs ?? []);
  const rows = bundles.map((b): ColdStartRow => {
    const sample = samples.get(b.name) ?? { importMs: [], processMs: [], attempts: 0 };
    const importMs = median(sample.importMs);
    return {
      name: b.name,
      bundleBytes: b.bytes,
      importMs: round(importMs),
      ratioToNaive: round(importMs / naiveMs, 2),
      processMs: round(median(sample.processMs)),
      networkAttempts: sample.attempts,
      imports: sample.importMs.length,
    };
  });
  return { rows, nodeOptions: options.nodeOptions };
}
