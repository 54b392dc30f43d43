import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3MailStore } from '../../functions/adapters/s3-mail-store.ts';
import { MailNotFoundError } from '../../functions/errors.ts';
import { type S3Fixture, startS3Fixture } from '../support/stand-ins.ts';

describe('S3MailStore', () => {
  let s3: S3Fixture;
  let store: S3MailStore;
  beforeAll(async () => {
    s3 = await startS3Fixture('mail-store-bucket');
    store = new S3MailStore(s3.client);
  });
  afterAll(async () => {
    await s3.close();
  });

  it('returns the stored mail byte for byte', async () => {
    // CRLF line ends, 8-bit bytes and a NUL: nothing may be normalised on the way.
    const raw = Buffer.concat([
      Buffer.from('From: alice@example.com\r\nTo: 4930123456@fax.example\r\nSubject: Fax\r\n\r\n'),
      Buffer.from([0xe4, 0x00, 0xff, 0x0d, 0x0a]),
    ]);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'inbound/0abc123', Body: raw }));
    const got = await store.getRawMail({ bucket: s3.bucket, key: 'inbound/0abc123' });
    expect(got.equals(raw)).toBe(true);
  });

  it('turns a missing key into MailNotFoundError', async () => {
    await expect(store.getRawMail({ bucket: s3.bucket, key: 'inbound/gone' })).rejects.toBeInstanceOf(
      MailNotFoundError,
    );
  });
});
