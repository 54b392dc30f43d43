// The kept documents as the status poller reads them: S3PreparedDocuments, from the S3 kit
// (s3-kit.ts) imported on the first call.

import type { S3Client } from '@aws-sdk/client-s3';
import type { PreparedDocuments } from '../ports.ts';
import { siblingModule } from '../sibling-bundle.ts';

const loadS3Kit = siblingModule<typeof import('./s3-kit.ts')>(
  new URL('./s3-kit.mjs', import.meta.url),
  new URL('./s3-kit.ts', import.meta.url),
);

/** The documents kept in `bucket`, read through `s3`, or without it through a client of the kit's own. */
export class LazyS3PreparedDocuments implements PreparedDocuments {
  private documents: Promise<PreparedDocuments> | undefined;

  constructor(
    private readonly bucket: string,
    private readonly s3?: S3Client,
  ) {}

  private load(): Promise<PreparedDocuments> {
    this.documents ??= loadS3Kit().then(
      (k) => new k.S3PreparedDocuments(this.s3 ?? new k.S3Client({}), this.bucket),
    );
    return this.documents;
  }

  async keep(messageId: string, document: Uint8Array): Promise<void> {
    return (await this.load()).keep(messageId, document);
  }

  async get(messageId: string): Promise<Uint8Array | undefined> {
    return (await this.load()).get(messageId);
  }
}
