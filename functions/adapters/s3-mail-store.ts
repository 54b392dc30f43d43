// Raw mail as SES stored it in S3.

import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { MailNotFoundError } from '../errors.ts';
import type { MailStore, StoredMailRef } from '../ports.ts';

export class S3MailStore implements MailStore {
  constructor(private readonly client: S3Client) {}

  async getRawMail(ref: StoredMailRef): Promise<Buffer> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      if (!Body) throw new MailNotFoundError(`s3://${ref.bucket}/${ref.key} has no body`);
      // A view, not a copy: the mail can be 40 MB, and the collected bytes are ours alone.
      const bytes = await Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      // s3rver and some S3 look-alikes answer 404 without the NoSuchKey code.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey' || status === 404) {
        throw new MailNotFoundError(`s3://${ref.bucket}/${ref.key} does not exist`, { cause: error });
      }
      throw error;
    }
  }
}
