// Shared test scaffolding: loopback stand-ins with their tables, real SDK clients, temp folders.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../functions/adapters/document-client.ts';
import { localAwsClientConfig } from '../../local/aws-client-config.ts';
import {
  ensureTables,
  type S3StandIn,
  type StandIn,
  startDynamoStandIn,
  startS3StandIn,
} from '../../local/stand-ins.ts';

/** A fresh temporary folder; `remove()` deletes it with everything inside. */
export function tempDir(prefix = 'faxgate-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface DynamoFixture {
  standIn: StandIn;
  client: DynamoDBClient;
  docClient: DynamoDBDocumentClient;
  jobsTable: string;
  sendersTable: string;
  close(): Promise<void>;
}

/** An in-memory dynalite with both faxgate tables created, and clients for it. */
export async function startDynamoFixture(
  tables: { jobsTable?: string; sendersTable?: string } = {},
): Promise<DynamoFixture> {
  const standIn = await startDynamoStandIn();
  const client = new DynamoDBClient(localAwsClientConfig(standIn.endpoint));
  const docClient = documentClient(client);
  const jobsTable = tables.jobsTable ?? 'faxgate-jobs';
  const sendersTable = tables.sendersTable ?? 'faxgate-senders';
  await ensureTables(client, { jobsTable, sendersTable });
  return {
    standIn,
    client,
    docClient,
    jobsTable,
    sendersTable,
    close: async () => {
      client.destroy();
      await standIn.close();
    },
  };
}

export interface S3Fixture {
  standIn: S3StandIn;
  client: S3Client;
  bucket: string;
  close(): Promise<void>;
}

/** An s3rver on a temp folder with one bucket, and a client for it. */
export async function startS3Fixture(bucket = 'faxgate-mail'): Promise<S3Fixture> {
  const dir = tempDir('faxgate-s3-');
  const standIn = await startS3StandIn({ dataDir: dir.path, buckets: [bucket] });
  const client = new S3Client(localAwsClientConfig(standIn.endpoint));
  return {
    standIn,
    client,
    bucket,
    close: async () => {
      client.destroy();
      await standIn.close();
      dir.remove();
    },
  };
}
