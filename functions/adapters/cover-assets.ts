// The fonts and the admin's logo for cover pages (issue 14), read once per cold start and only when
// the first cover page is made.
//
// The fonts are DejaVu Sans and DejaVu Sans Bold from the dejavu-fonts-ttf package (Latin, Greek,
// Cyrillic, and more; free licence). Deployed, infra copies them beside the bundled handler
// (infra/gateway-stateless.ts); run from source they are read from node_modules. They are files,
// not part of the bundle: 1.4 MB the function would otherwise parse on every cold start.
//
// The logo (COVER_LOGO) is a file path, or `s3://bucket/key` for the deployed function. A logo that
// cannot be read is logged and left off the cover; the fax still goes.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CoverAssets } from '../domain/cover-page.ts';
import type { Log } from '../ports.ts';

export const COVER_FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'] as const;

/** A font file beside the bundle (deployed), else the package's own. */
export function coverFontPath(file: (typeof COVER_FONT_FILES)[number]): string {
  const beside = fileURLToPath(new URL(`./${file}`, import.meta.url));
  if (existsSync(beside)) return beside;
  return createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${file}`);
}

/** Reads the cover page's fonts and logo on first use and keeps them. */
export function coverAssetsLoader(options: {
  logo?: string;
  s3?: S3Client;
  log: Log;
}): () => Promise<CoverAssets> {
  let loading: Promise<CoverAssets> | undefined;
  return () => {
    loading ??= (async () => {
      const [regularFont, boldFont] = await Promise.all(
        COVER_FONT_FILES.map((f) => readFile(coverFontPath(f))),
      );
      const logo = options.logo ? await readLogo(options.logo, options) : undefined;
      return {
        regularFont: regularFont as Uint8Array,
        boldFont: boldFont as Uint8Array,
        ...(logo ? { logo } : {}),
      };
    })().catch((error: unknown) => {
      loading = undefined; // a transient fault: the next mail tries again
      throw error;
    });
    return loading;
  };
}

async function readLogo(
  where: string,
  options: { s3?: S3Client; log: Log },
): Promise<Uint8Array | undefined> {
  try {
    const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(where);
    if (!s3) return await readFile(where);
    if (!options.s3) throw new Error('no S3 client to read it with');
    const answer = await options.s3.send(new GetObjectCommand({ Bucket: s3[1], Key: s3[2] }));
    return answer.Body ? await answer.Body.transformToByteArray() : undefined;
  } catch (error) {
    options.log.warn('Cover page logo not read; cover pages go without it', {
      logo: where,
      error: (error as Error).message,
    });
    return undefined;
  }
}
