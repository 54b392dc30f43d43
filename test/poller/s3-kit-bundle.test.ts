// Deployed, the status poller's S3 code is a bundle of its own beside the handler (s3-kit.mjs,
// infra/gateway-stateless.ts), loaded on the first re-dial or resend. Bundled the same way here: the
// handler's bundle carries no S3 client, and still reads a kept document, byte for byte, from s3rver.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, INFRA_BUNDLE_OPTIONS } from '../../bench/lambda-bundle.ts';
import { S3PreparedDocuments } from '../../functions/adapters/s3-mail-store.ts';
import type * as PollerHandler from '../../functions/handlers/status-poller.ts';
import { type S3Fixture, startS3Fixture } from '../support/stand-ins.ts';
import { silentLog } from '../support/telemetry.ts';

const dir = mkdtempSync(join(tmpdir(), 'faxgate-poller-bundle-'));
let s3: S3Fixture;

beforeAll(async () => {
  s3 = await startS3Fixture('poller-bundle-documents');
});

afterAll(async () => {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the bundled status poller', () => {
  it('loads the S3 code from beside its bundle on the first read of a kept document', {
    timeout: 120_000,
  }, async () => {
    const handler = await bundle(
      'functions/handlers/status-poller.ts',
      join(dir, 'index.mjs'),
      INFRA_BUNDLE_OPTIONS,
    );
    expect(existsSync(join(dir, 's3-kit.mjs'))).toBe(true);
    // The command names the S3 client registers are in the kit only.
    expect(readFileSync(handler.outfile, 'utf8')).not.toContain('GetObjectCommand');
    expect(readFileSync(join(dir, 's3-kit.mjs'), 'utf8')).toContain('GetObjectCommand');

    const document = Buffer.from('%PDF-1.4 kept for a re-dial\n%%EOF\n');
    await new S3PreparedDocuments(s3.client, s3.bucket).keep('bundle-kept', document);

    const bundled = (await import(pathToFileURL(handler.outfile).href)) as typeof PollerHandler;
    const deps = bundled.deployedPollerDeps(
      {
        FAX_DOMAIN: 'fax.example.com',
        JOBS_TABLE: 'poller-bundle-jobs',
        MAIL_BUCKET: s3.bucket,
        FAXROCKS_TOKEN_PARAMETER: '/faxgate/token',
        AWS_REGION: 'eu-west-1',
      },
      { s3: s3.client, log: silentLog },
    );
    expect(Buffer.from((await deps.documents?.get('bundle-kept')) ?? [])).toEqual(document);
    expect(await deps.documents?.get('never-kept')).toBeUndefined();
  });
});
