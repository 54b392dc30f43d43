// Raw mail as SES stored it in S3, and the prepared fax document kept beside it for re-dials.

import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MailNotFoundError } from '../errors.ts';
import type { MailStore, PreparedDocuments, StoredMailRef } from '../ports.ts';

/**
 * True when S3 says the object is not there. A role without s3:ListBucket (the inbound role may
 * only read `inbound/*`) gets 403 AccessDenied for a missing key instead of 404, so 403 counts as
 * gone too: the role's policy is fixed at deploy time, and a mail it cannot read is never readable.
 */
function isMissing(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as Error).name;
  // s3rver and some S3 look-alikes answer 404 without the NoSuchKey code.
  return (
    error instanceof NoSuchKey ||
    name === 'NoSuchKey' ||
    name === 'NotFound' ||
    name === 'AccessDenied' ||
    status === 404 ||
    status === 403
  );
}

async function readObject(client: S3Client, bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!Body) return undefined;
    // A view, not a copy: the mail can be 40 MB, and the collected bytes are ours alone.
    const bytes = await Body.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export class S3MailStore implements MailStore {
  constructor(private readonly client: S3Client) {}

  async getRawMail(ref: StoredMailRef): Promise<Buffer> {
    const raw = await readObject(this.client, ref.bucket, ref.key);
    if (!raw)
      throw new MailNotFoundError(`s3://${ref.bucket}/${ref.key} does not exist (or may not be read)`);
    return raw;
  }
}

/** Where a mail's prepared document is kept: beside the raw mail, under its own prefix. */
export const PREPARED_PREFIX = 'prepared/';

export function preparedDocumentKey(messageId: string): string {
  return `${PREPARED_PREFIX}${messageId}.pdf`;
}

/**
 * The document each mail's faxes were sent with, kept in the mail bucket under `prepared/` so the
 * status poller can send a later attempt byte for byte the same (a lifecycle rule expires it).
 */
export class S3PreparedDocuments implements PreparedDocuments {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async keep(messageId: string, document: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: preparedDocumentKey(messageId),
        Body: document,
        ContentType: 'application/pdf',
      }),
    );
  }

  async get(messageId: string): Promise<Uint8Array | undefined> {
    return readObject(this.client, this.bucket, preparedDocumentKey(messageId));
  }
}
