// Embedded protocol stand-ins for the one-machine runtime and the tests: dynalite speaks the DynamoDB
// API, s3rver the S3 API. Both are driven through the real AWS SDK clients, configured here in one place.

import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { jobsTableSchema, sendersTableSchema } from '../functions/adapters/table-schema.ts';
import { jobReference } from '../functions/domain/job-reference.ts';
import { FaxgateError } from '../functions/errors.ts';

// Neither package ships type declarations; these are the small parts used here.
interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
interface S3rverOptions {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}
interface S3rverEvent {
  Records: {
    eventName: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }[];
}
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
}

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;
// dynalite's own LevelDB, to test the folder's lock before dynalite opens it.
const { Level } = createRequire(require.resolve('dynalite'))('level') as {
  Level: new (path: string) => LevelDatabase;
};
const S3rver = require('s3rver') as new (options: S3rverOptions) => S3rverInstance;

/** The data folder is held by another process (or another stand-in in this one). */
export class DataFolderInUseError extends FaxgateError {}

export interface StandIn {
  /** `http://host:port`, for the SDK client's `endpoint`. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export interface ObjectCreated {
  bucket: string;
  /** The object key as written (not URL-encoded, unlike a real S3 notification). */
  key: string;
  size: number;
  eTag: string;
}

export interface S3StandIn extends StandIn {
  /** Calls the listener after every object creation (put, post, copy, multipart completion). */
  onObjectCreated(listener: (event: ObjectCreated) => void): void;
}

export const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * SDK client configuration for a loopback stand-in. s3rver checks signatures against its fixed
 * S3RVER account and does not understand the SDK's default aws-chunked checksum uploads, hence the
 * checksum settings; path-style addressing because `bucket.127.0.0.1` does not resolve.
 */
export function localAwsClientConfig(endpoint: string) {
  return {
    region: 'us-east-1',
    endpoint,
    credentials: { ...localCredentials },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
    maxAttempts: 3,
  };
}

function endpointOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * A second dynalite on a locked LevelDB folder starts, then crashes the process on its first
 * request; opening the folder once first turns that into a clear error at start.
 */
async function assertDataFolderFree(dataDir: string): Promise<void> {
  const probe = new Level(dataDir);
  try {
    await probe.open();
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'LEVEL_LOCKED') {
      throw new DataFolderInUseError(
        `The DynamoDB data folder ${dataDir} is in use by another process (is faxgate already running?)`,
        { cause: error },
      );
    }
    throw error;
  }
  await probe.close();
}

export async function startDynamoStandIn(
  options: { host?: string; port?: number; dataDir?: string } = {},
): Promise<StandIn> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    await assertDataFolderFree(options.dataDir);
  }
  // Tables become ACTIVE at once: nothing here is worth waiting half a second for.
  const server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: endpointOf(host, port),
    port,
    close: () =>
      // Closing the server also closes the LevelDB store, flushing it to disk.
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

export async function startS3StandIn(options: {
  host?: string;
  port?: number;
  dataDir: string;
  buckets: string[];
}): Promise<S3StandIn> {
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dataDir, { recursive: true });
  const s3rver = new S3rver({
    address: host,
    port: options.port ?? 0,
    directory: options.dataDir,
    silent: true,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const listeners: ((event: ObjectCreated) => void)[] = [];
  s3rver.on('event', (event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const created: ObjectCreated = {
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        size: Number(record.s3.object.size ?? 0),
        eTag: record.s3.object.eTag ?? '',
      };
      for (const listener of listeners) listener(created);
    }
  });
  const address = await s3rver.run();
  return {
    endpoint: endpointOf(host, address.port),
    port: address.port,
    close: () => s3rver.close(),
    onObjectCreated: (listener) => {
      listeners.push(listener);
    },
  };
}

export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, openJobsIndex, mailsByDayIndex, mailReferenceIndex } = jobsTableSchema;
  const index = (definition: { name: string; partitionKey: string; sortKey: string }) => ({
    IndexName: definition.name,
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  const keys = [
    partitionKey,
    sortKey,
    ...[openJobsIndex, mailsByDayIndex, mailReferenceIndex].flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...new Set(keys)].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [index(openJobsIndex), index(mailsByDayIndex), index(mailReferenceIndex)],
  };
}

export function sendersTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: sendersTableSchema.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: sendersTableSchema.partitionKey, KeyType: 'HASH' }],
  };
}

async function describeTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const table = await describeTable(client, tableName);
  if (!table) return undefined;
  // An index still being added counts as not ready.
  const indexesActive = (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
  return indexesActive ? table.TableStatus : 'UPDATING';
}

/**
 * A jobs table from an older version lacks indexes added since. dynalite cannot add an index to a
 * table (UpdateTable ignores GlobalSecondaryIndexUpdates.Create), so the local table is copied,
 * created again with every index, and filled back; mail records gain the attributes the new indexes
 * read. Local only: a deployed table gets its indexes from CloudFormation.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  definition: CreateTableCommandInput,
  upgrade: (item: Record<string, AttributeValue>) => Record<string, AttributeValue>,
): Promise<void> {
  const name = definition.TableName as string;
  const table = await describeTable(client, name);
  const present = new Set((table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  if ((definition.GlobalSecondaryIndexes ?? []).every((i) => present.has(i.IndexName))) return;
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  // Bounded: a local table of 10,000 pages is far beyond one machine's use.
  for (let page = 0; page < 10_000; page++) {
    const result = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: startKey }));
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
    if (!startKey) break;
  }
  await client.send(new DeleteTableCommand({ TableName: name }));
  await client.send(new CreateTableCommand(definition));
  await waitActive(client, name);
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, AttributeValue>[] = items.slice(i, i + 25).map(upgrade);
    for (let round = 0; pending.length > 0 && round < 100; round++) {
      const result = await client.send(
        new BatchWriteItemCommand({
          RequestItems: { [name]: pending.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      pending = (result.UnprocessedItems?.[name] ?? []).flatMap((r) =>
        r.PutRequest?.Item ? [r.PutRequest.Item] : [],
      );
    }
  }
}

/** Mail records written before the admin history indexes get their `ref` and `receivedDay`. */
function withHistoryAttributes(item: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const messageId = item.messageId?.S;
  const receivedAt = item.receivedAt?.S;
  if (item.sk?.S !== 'MAIL' || !messageId || !receivedAt) return item;
  return {
    ...item,
    ref: item.ref ?? { S: jobReference(messageId) },
    receivedDay: item.receivedDay ?? { S: receivedAt.slice(0, 10) },
  };
}

async function waitActive(client: DynamoDBClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await tableStatus(client, name)) === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`DynamoDB table ${name} did not become ACTIVE`);
}

async function ensureTable(client: DynamoDBClient, definition: CreateTableCommandInput): Promise<void> {
  const name = definition.TableName as string;
  if ((await tableStatus(client, name)) === undefined) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      // Another process created it between the describe and the create: fine.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  await waitActive(client, name);
}

/** Creates the jobs and senders tables when missing (idempotent) and waits until both are ACTIVE. */
export async function ensureTables(
  client: DynamoDBClient,
  tables: { jobsTable: string; sendersTable: string },
): Promise<void> {
  await ensureTable(client, jobsTableDefinition(tables.jobsTable));
  await addMissingIndexes(client, jobsTableDefinition(tables.jobsTable), withHistoryAttributes);
  await ensureTable(client, sendersTableDefinition(tables.sendersTable));
}
