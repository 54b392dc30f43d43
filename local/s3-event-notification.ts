// The S3 event notification that S3 sends to SQS for a created object, with the real AWS field
// names (event structure version 2.1). As on AWS the object key is URL-encoded (space as `+`), so
// the handler must decode it exactly as it would in Lambda.

import { randomBytes } from 'node:crypto';
import type { S3Event } from 'aws-lambda';

export interface CreatedObject {
  bucket: string;
  /** The key as written, not encoded. */
  key: string;
  size: number;
  eTag: string;
}

/** How S3 encodes keys in notifications: form-style, with `/` kept. */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

let sequence = 0;

export function objectCreatedNotification(
  object: CreatedObject,
  options: { region: string; eventName?: string; sourceIp?: string; at?: Date },
): S3Event {
  const at = options.at ?? new Date();
  sequence = (sequence + 1) % 0x10000;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: options.region,
        eventTime: at.toISOString(),
        eventName: options.eventName ?? 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAFAXGATELOCAL000000' },
        requestParameters: { sourceIPAddress: options.sourceIp ?? '127.0.0.1' },
        responseElements: {
          'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
          'x-amz-id-2': randomBytes(48).toString('base64'),
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'faxgate-inbound-mail',
          bucket: {
            name: object.bucket,
            ownerIdentity: { principalId: 'A1FAXGATELOCAL' },
            arn: `arn:aws:s3:::${object.bucket}`,
          },
          object: {
            key: encodeS3EventKey(object.key),
            size: object.size,
            eTag: object.eTag.replace(/"/g, ''),
            sequencer: `${at.getTime().toString(16).toUpperCase()}${sequence.toString(16).padStart(4, '0').toUpperCase()}`,
          },
        },
      },
    ],
  };
}
