// The gateway's stateful resources: the mail bucket (and its access-log bucket), the two tables and
// the queues between S3 and the inbound function. Buckets and tables are kept when the stack is
// deleted. Created in the FaxGateway's own scope, so their logical ids do not depend on this split.

import {
  Duration,
  aws_dynamodb as dynamodb,
  RemovalPolicy,
  aws_s3 as s3,
  aws_s3_notifications as s3Notifications,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { jobsTableSchema, sendersTableSchema } from '../functions/adapters/table-schema.ts';
import { type FaxGatewaySettings, INBOUND_PREFIX, PREPARED_PREFIX } from './gateway-props.ts';

/** The inbound function's time-out; the queue's visibility time-out follows from it. */
export const INBOUND_TIMEOUT = Duration.minutes(2);

export interface StatefulResources {
  mailBucket: s3.Bucket;
  accessLogsBucket: s3.IBucket;
  jobsTable: dynamodb.Table;
  sendersTable: dynamodb.Table;
  inboundQueue: sqs.Queue;
  deadLetterQueue: sqs.Queue;
}

export function createStatefulResources(
  scope: Construct,
  settings: FaxGatewaySettings,
  accessLogsBucket?: s3.IBucket,
): StatefulResources {
  const logs =
    accessLogsBucket ??
    new s3.Bucket(scope, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

  // SSE-S3 rather than KMS: SES writes with its own service principal, and a KMS key would need
  // a key policy for SES on top; the bucket is private and TLS-only either way.
  const mailBucket = new s3.Bucket(scope, 'MailBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: logs,
    serverAccessLogsPrefix: 'mail-bucket/',
    lifecycleRules: [
      {
        id: 'expire-raw-mail',
        prefix: INBOUND_PREFIX,
        expiration: Duration.days(settings.mailRetentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
      // Re-dials end within hours of the first attempt; the document is not needed after that.
      { id: 'expire-prepared-documents', prefix: PREPARED_PREFIX, expiration: Duration.days(2) },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });

  const jobsTable = new dynamodb.Table(scope, 'JobsTable', {
    partitionKey: { name: jobsTableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: jobsTableSchema.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: jobsTableSchema.timeToLiveAttribute,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  jobsTable.addGlobalSecondaryIndex({
    indexName: jobsTableSchema.openJobsIndex.name,
    partitionKey: { name: jobsTableSchema.openJobsIndex.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: jobsTableSchema.openJobsIndex.sortKey, type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.ALL,
  });
  // The admin CLI's history (`faxgate jobs list|show`); nothing in the functions reads them.
  for (const index of [jobsTableSchema.mailsByDayIndex, jobsTableSchema.mailReferenceIndex]) {
    jobsTable.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  const sendersTable = new dynamodb.Table(scope, 'SendersTable', {
    partitionKey: { name: sendersTableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });

  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const inboundQueue = new sqs.Queue(scope, 'InboundQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // AWS's rule for SQS-triggered functions: at least six times the function timeout.
    visibilityTimeout: Duration.seconds(INBOUND_TIMEOUT.toSeconds() * 6),
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
  });
  mailBucket.addEventNotification(
    s3.EventType.OBJECT_CREATED,
    new s3Notifications.SqsDestination(inboundQueue),
    { prefix: INBOUND_PREFIX },
  );

  return { mailBucket, accessLogsBucket: logs, jobsTable, sendersTable, inboundQueue, deadLetterQueue };
}
