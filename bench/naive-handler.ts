// The naive inbound function the cold-start figure compares against: mailparser and the AWS SDK v3
// clients the inbound function talks to, created at import, bundled with esbuild's defaults.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { simpleParser } from 'mailparser';

const clients = {
  s3: new S3Client({}),
  dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  ses: new SESv2Client({}),
  ssm: new SSMClient({}),
  secrets: new SecretsManagerClient({}),
};

export async function handler(event: { raw: string }): Promise<number> {
  const mail = await simpleParser(event.raw);
  return mail.attachments.length + Object.keys(clients).length;
}
