import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3MailStore, S3PreparedDocuments } from '../../functions/adapters/s3-mail-store.ts';
import { MailNotFoundError } from '../../functions/errors.ts';
import { localAwsClientConfig } from '../../local/aws-client-config.ts';
import { type S3Fixture, startS3Fixture } from '../support/stand-ins.ts';

describe('S3MailStore', () => {
  let s3: S3Fixture;
  let store: S3MailStore;
  let denying: Server;
  let denyingClient: S3Client;
  beforeAll(async () => {
    s3 = await startS3Fixture('mail-store-bucket');
    store = new S3MailStore(s3.client);
    // What S3 answers a role without s3:ListBucket for a key that does not exist: 403 AccessDenied.
    denying = createServer((_req, res) => {
      const body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>';
      res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => denying.listen(0, '127.0.0.1', resolve));
    denyingClient = new S3Client(
      localAwsClientConfig(`http://127.0.0.1:${(denying.address() as AddressInfo).port}`),
    );
  });
  afterAll(async () => {
    denyingClient.destroy();
    await new Promise((resolve) => denying.close(resolve));
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

  it('reads 403 AccessDenied (a missing key, for a role without s3:ListBucket) as gone too', async () => {
    const denied = new S3MailStore(denyingClient);
    await expect(denied.getRawMail({ bucket: 'mail', key: 'inbound/expired' })).rejects.toBeInstanceOf(
      MailNotFoundError,
    );
  });

  it('keeps a prepared document beside the mail and gives it back byte for byte', async () => {
    const documents = new S3PreparedDocuments(s3.client, s3.bucket);
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff]);
    await documents.keep('ses-prepared-1', pdf);
    expect(Buffer.from((await documents.get('ses-prepared-1')) ?? []).equals(Buffer.from(pdf))).toBe(true);
    expect(await documents.get('ses-never-kept')).toBeUndefined();
  });
});
