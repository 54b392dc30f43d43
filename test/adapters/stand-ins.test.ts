import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobReference } from '../../functions/domain/job-reference.ts';
import {
  DataFolderInUseError,
  ensureTables,
  jobsTableDefinition,
  localAwsClientConfig,
  type ObjectCreated,
  startDynamoStandIn,
} from '../../local/stand-ins.ts';
import {
  type DynamoFixture,
  type S3Fixture,
  startDynamoFixture,
  startS3Fixture,
  tempDir,
} from '../support/stand-ins.ts';

describe('S3 stand-in', () => {
  let s3: S3Fixture;
  const events: ObjectCreated[] = [];
  beforeAll(async () => {
    s3 = await startS3Fixture('faxgate-mail');
    s3.standIn.onObjectCreated((event) => events.push(event));
  });
  afterAll(async () => {
    await s3.close();
  });

  it('round-trips a PutObject from the real SDK byte for byte and reports the creation', async () => {
    const body = randomBytes(300_000);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'inbound/abc123', Body: body }));
    const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'inbound/abc123' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(bytes.equals(body)).toBe(true);
    expect(events).toContainEqual(
      expect.objectContaining({ bucket: 'faxgate-mail', key: 'inbound/abc123', size: body.length }),
    );
    expect(events.at(-1)?.eTag).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('S3 stand-in object keys', () => {
  let s3: S3Fixture;
  const events: ObjectCreated[] = [];
  beforeAll(async () => {
    s3 = await startS3Fixture('key-bucket');
    s3.standIn.onObjectCreated((event) => events.push(event));
  });
  afterAll(async () => {
    await s3.close();
  });

  it('reports keys as written, not URL-encoded', async () => {
    const key = 'inbound/a b+c=ü';
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'x' }));
    expect(events.map((e) => e.key)).toEqual([key]);
  });
});

describe('DynamoDB stand-in', () => {
  let dynamo: DynamoFixture;
  beforeAll(async () => {
    dynamo = await startDynamoFixture();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('creates both tables with their indexes, idempotently', async () => {
    await ensureTables(dynamo.client, { jobsTable: dynamo.jobsTable, sendersTable: dynamo.sendersTable });
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.jobsTable }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      'mail-reference',
      'mails-by-day',
      'open-jobs',
    ]);
  });

  it('adds the indexes a jobs table from an older data folder lacks', async () => {
    const old = jobsTableDefinition('jobs-from-an-older-version');
    old.GlobalSecondaryIndexes = old.GlobalSecondaryIndexes?.filter((i) => i.IndexName === 'open-jobs');
    old.AttributeDefinitions = old.AttributeDefinitions?.filter((a) =>
      ['pk', 'sk', 'openShard', 'openSince'].includes(a.AttributeName ?? ''),
    );
    await dynamo.client.send(new CreateTableCommand(old));
    const documents = DynamoDBDocumentClient.from(dynamo.client);
    await documents.send(
      new PutCommand({
        TableName: 'jobs-from-an-older-version',
        Item: {
          pk: 'MAIL#old-mail',
          sk: 'MAIL',
          messageId: 'old-mail',
          receivedAt: '2026-01-02T03:04:05.000Z',
        },
      }),
    );
    await ensureTables(dynamo.client, {
      jobsTable: 'jobs-from-an-older-version',
      sendersTable: dynamo.sendersTable,
    });
    const { Table } = await dynamo.client.send(
      new DescribeTableCommand({ TableName: 'jobs-from-an-older-version' }),
    );
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      'mail-reference',
      'mails-by-day',
      'open-jobs',
    ]);
    // Kept, and found through the new index.
    const { Items } = await documents.send(
      new QueryCommand({
        TableName: 'jobs-from-an-older-version',
        IndexName: 'mails-by-day',
        KeyConditionExpression: 'receivedDay = :day',
        ExpressionAttributeValues: { ':day': '2026-01-02' },
      }),
    );
    expect(Items).toEqual([
      expect.objectContaining({ messageId: 'old-mail', ref: jobReference('old-mail') }),
    ]);
  });

  it('keeps state on disk across a restart when given a data folder', async () => {
    const dir = tempDir();
    try {
      const first = await startDynamoStandIn({ dataDir: dir.path });
      let client = new DynamoDBClient(localAwsClientConfig(first.endpoint));
      await ensureTables(client, { jobsTable: 'jobs', sendersTable: 'senders' });
      await DynamoDBDocumentClient.from(client).send(
        new PutCommand({ TableName: 'senders', Item: { entry: '@example.com' } }),
      );
      client.destroy();
      await first.close();

      const second = await startDynamoStandIn({ dataDir: dir.path });
      client = new DynamoDBClient(localAwsClientConfig(second.endpoint));
      const { Item } = await DynamoDBDocumentClient.from(client).send(
        new GetCommand({ TableName: 'senders', Key: { entry: '@example.com' } }),
      );
      expect(Item).toEqual({ entry: '@example.com' });
      // A second server on the same folder is refused at start, not on its first request.
      await expect(startDynamoStandIn({ dataDir: dir.path })).rejects.toBeInstanceOf(DataFolderInUseError);
      client.destroy();
      await second.close();
    } finally {
      dir.remove();
    }
  });
});
