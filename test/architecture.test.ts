// The layering the code relies on, checked on the import statements themselves: the domain and the
// use cases name ports, never adapters; only functions/handlers/ (the composition root) does; and
// nothing in functions/adapters/ exists only for npm start or for the tests.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The repository-relative files a source file imports (static, dynamic and type-only). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] ?? '');
  return specifiers.map((spec) => relative(root, resolve(root, file, '..', spec)));
}

const useCaseDirs = [
  'functions/domain',
  'functions/mail',
  'functions/delivery',
  'functions/inbound',
  'functions/status-poller',
];

describe('layering', () => {
  it.each(useCaseDirs)('nothing under %s imports an adapter', (dir) => {
    const offending = sourceFiles(dir).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('functions/adapters/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('every adapter is used by production code, not only by npm start or the tests', () => {
    // cli/local-*.ts is the CLI's --local mode, which is npm start's world.
    const production = [...sourceFiles('functions'), ...sourceFiles('infra'), ...sourceFiles('cli')].filter(
      (file) => !file.startsWith('cli/local'),
    );
    const imported = new Set(
      production.flatMap((file) => importsOf(file).filter((target) => target !== file)),
    );
    const unused = sourceFiles('functions/adapters').filter((adapter) => !imported.has(adapter));
    expect(unused).toEqual([]);
  });
});

/** The inputs of an entry's bundle (the way infra bundles it, without writing it). */
async function bundleInputs(entry: string): Promise<string[]> {
  const { build } = await import('esbuild');
  const { metafile } = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(metafile.inputs);
}

describe('what the status poller loads', () => {
  it('keeps the resend code out of its main bundle: the scheduled poll never parses it', async () => {
    const resendOnly = (input: string) =>
      input.includes('node_modules/libphonenumber-js/') || input.endsWith('functions/delivery/resend-job.ts');
    expect((await bundleInputs('functions/handlers/status-poller.ts')).filter(resendOnly)).toEqual([]);
    // It is in the bundle loaded on the first resend.
    const kit = await bundleInputs('functions/handlers/status-poller-resend.ts');
    expect(kit.filter(resendOnly).length).toBeGreaterThan(1);
  });

  it('keeps the S3 client out of its main bundle: only a re-dial reads a kept document', async () => {
    const s3 = (input: string) => input.includes('node_modules/@aws-sdk/client-s3/');
    expect((await bundleInputs('functions/handlers/status-poller.ts')).filter(s3)).toEqual([]);
    expect((await bundleInputs('functions/handlers/status-poller-resend.ts')).filter(s3)).toEqual([]);
    // It is in the bundle loaded on the first re-dial or resend.
    expect((await bundleInputs('functions/adapters/s3-kit.ts')).filter(s3).length).toBeGreaterThan(1);
  });
});

describe('what both functions load', () => {
  it('writes counts without ICU: its first number format costs a function ~7.7 MiB', () => {
    const icuNumbers = /\.toLocaleString\(|Intl\.NumberFormat|Intl\.PluralRules/;
    const offending = sourceFiles('functions').filter((file) =>
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .some((line) => !line.trimStart().startsWith('//') && icuNumbers.test(line)),
    );
    expect(offending).toEqual([]);
  });

  it('reads time zones through the runtime, without a date library in either bundle', async () => {
    for (const entry of ['functions/handlers/inbound.ts', 'functions/handlers/status-poller.ts']) {
      const dateLibrary = (await bundleInputs(entry)).filter((input) =>
        input.includes('node_modules/luxon/'),
      );
      expect(dateLibrary).toEqual([]);
    }
  });
});

describe('what the inbound function loads', () => {
  it('keeps pdf-lib out of its main bundle: documents are opened by the document kit or the worker, covers by the cover kit', async () => {
    const pdfLib = (await bundleInputs('functions/handlers/inbound.ts')).filter((input) =>
      input.includes('node_modules/@cantoo/pdf-lib/'),
    );
    expect(pdfLib).toEqual([]);
  });
});
