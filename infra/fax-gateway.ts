// The whole gateway as one reusable construct: SES receiving -> S3 -> SQS -> inbound function,
// DynamoDB ledger and allowlist, the scheduled status poller, and alarms. Stateful resources (mail
// bucket, tables) are kept when the stack is deleted; everything else is replaceable.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ArnFormat,
  Aws,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  custom_resources as customResources,
  Duration,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as eventsTargets,
  Fn,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_event_sources as lambdaEventSources,
  aws_logs as logs,
  aws_lambda_nodejs as nodejs,
  RemovalPolicy,
  Stack,
  aws_s3 as s3,
  aws_s3_notifications as s3Notifications,
  aws_ses as ses,
  aws_sns as sns,
  aws_sns_subscriptions as snsSubscriptions,
  aws_sqs as sqs,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { jobsTableSchema, sendersTableSchema } from '../functions/adapters/table-schema.ts';
import { FaxgateError } from '../functions/errors.ts';

/** A construct prop or CDK context value that cannot work; thrown at synth, naming the setting. */
export class GatewayConfigurationError extends FaxgateError {}

export const DEFAULT_TOKEN_PARAMETER = '/faxgate/faxrocks-token';
export const DEFAULT_FAXROCKS_API_URL = 'https://faxrocks.com/api';
/** Where SES stores raw mail; the inbound function may read nothing else. */
export const INBOUND_PREFIX = 'inbound/';
/** The namespace the functions' metrics go to (Powertools EMF). */
export const METRICS_NAMESPACE = 'faxgate';
/** The Powertools service name: also the `service` dimension of every metric. */
export const SERVICE_NAME = 'faxgate';

export interface FaxGatewayProps {
  /** The fax domain: mail to `<number>@<domain>` is faxed. Its MX record must point at SES. */
  readonly domain: string;
  /**
   * Sender address of every reply. Its domain must be a verified SES identity.
   * @default `fax@<domain>`
   */
  readonly replyFrom?: string;
  /**
   * ISO 3166 alpha-2 country that national numbers (`030...`) are dialled in.
   * @default - none: national numbers are rejected with a reply showing the international form
   */
  readonly defaultCountry?: string;

  /**
   * Name of the SSM SecureString parameter holding the faxrocks API token (you create it; it is
   * never part of the template). Give this or `tokenSecretName`, not both.
   * @default '/faxgate/faxrocks-token' when `tokenSecretName` is not given either
   */
  readonly tokenParameterName?: string;
  /**
   * Name or ARN of a Secrets Manager secret holding the token (plain, or JSON with a `token`
   * field). Give this or `tokenParameterName`, not both.
   * @default - the SSM parameter is used
   */
  readonly tokenSecretName?: string;
  /**
   * ARN of the customer-managed KMS key the token is encrypted with; the functions get
   * kms:Decrypt on it, through SSM or Secrets Manager only. Not needed for the AWS managed keys
   * (`aws/ssm`, `aws/secretsmanager`), whose key policies already allow use through the service.
   * @default - the AWS managed key
   */
  readonly tokenKmsKeyArn?: string;
  /**
   * Base URL of the faxrocks REST API.
   * @default 'https://faxrocks.com/api'
   */
  readonly faxrocksApiUrl?: string;

  /**
   * Create the SES domain identity (Easy DKIM) for `domain`, so replies can be sent and the DKIM
   * records appear in the outputs. Turn off when the domain is already verified in this region.
   * @default true
   */
  readonly createDomainIdentity?: boolean;
  /**
   * Name of the receipt rule set to create.
   * @default `faxgate-<domain>`
   */
  readonly ruleSetName?: string;
  /**
   * Add the receipt rule to this existing rule set (typically your active one) instead of creating
   * a rule set. Cannot be combined with `activateRuleSet`.
   * @default - a rule set is created
   */
  readonly existingRuleSetName?: string;
  /**
   * Make the created rule set the active one. WARNING: SES has exactly one active receipt rule set
   * per account and region; activating this one deactivates whatever set was active, and every
   * other domain receiving mail through SES in this region stops receiving. On stack deletion
   * receiving is switched off altogether (SES cannot delete an active set). CloudFormation cannot
   * do this itself; a custom resource calls SetActiveReceiptRuleSet.
   * @default false - activate it yourself (`aws ses set-active-receipt-rule-set`) or use `existingRuleSetName`
   */
  readonly activateRuleSet?: boolean;

  /**
   * Days raw mail is kept in the bucket before it expires.
   * @default 30
   */
  readonly mailRetentionDays?: number;
  /**
   * Days a job record is kept (DynamoDB time to live).
   * @default 400
   */
  readonly jobRetentionDays?: number;
  /**
   * Retention of the functions' log groups.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Powertools log level of the functions.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Bucket for the mail bucket's server access logs. An imported bucket must already let
   * `logging.s3.amazonaws.com` write to it (CDK cannot change an imported bucket's policy).
   * @default - a private bucket is created (kept on deletion, logs expire after 90 days)
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * How many inbound functions may run at once: protects the faxrocks account from bursts (2-1000).
   * @default 2
   */
  readonly inboundConcurrency?: number;
  /**
   * Mails per inbound invocation (1-10). One keeps a slow send from timing out its neighbours.
   * @default 1
   */
  readonly inboundBatchSize?: number;
  /**
   * Receipts of a queue message before it moves to the dead-letter queue (2-10).
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * How often the status poller runs (whole minutes, 1-60).
   * @default Duration.minutes(2)
   */
  readonly pollInterval?: Duration;

  /** Numbers per mail above which the mail is rejected whole (1-1000). @default 50 */
  readonly maxNumbersPerMail?: number;
  /** Pages per fax (1-10000). @default 100 */
  readonly maxPages?: number;
  /** Document size in bytes (at most 40 MiB, what SES accepts). @default 20 MiB */
  readonly maxDocumentBytes?: number;
  /** Allowed destination prefixes in E.164 form (`+49`). @default - all destinations */
  readonly allowedPrefixes?: string[];
  /** Blocked destination prefixes (premium rate and the like). @default - none */
  readonly blockedPrefixes?: string[];
  /** Pages one sender may fax per day; 0 disables the limit. @default 0 */
  readonly senderDailyPageLimit?: number;
  /** Estimated cost the whole gateway may spend per day; 0 disables the ceiling. @default 0 */
  readonly dailyCostCeiling?: number;
  /** Tolerated clock difference to faxrocks when matching faxes, seconds (0-3600). @default 120 */
  readonly clockSkewSeconds?: number;
  /** An ambiguous send not found within this many minutes ends UNKNOWN. @default 30 */
  readonly unknownSendAfterMinutes?: number;
  /** A queued fax still pending after this many minutes ends UNKNOWN. @default 1440 */
  readonly pendingTimeoutMinutes?: number;

  /**
   * SNS topic the alarms notify.
   * @default - a topic is created (TLS-only)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Email address subscribed to the alarm topic (confirm the subscription mail).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/** The props with every default applied, as the construct uses them (`FaxGateway.settings`). */
export interface FaxGatewaySettings {
  domain: string;
  replyFrom: string;
  defaultCountry: string | undefined;
  token: { parameterName: string } | { secretName: string };
  tokenKmsKeyArn: string | undefined;
  faxrocksApiUrl: string;
  createDomainIdentity: boolean;
  ruleSetName: string;
  existingRuleSetName: string | undefined;
  activateRuleSet: boolean;
  mailRetentionDays: number;
  jobRetentionDays: number;
  logRetention: logs.RetentionDays;
  logLevel: string;
  inboundConcurrency: number;
  inboundBatchSize: number;
  maxReceiveCount: number;
  pollMinutes: number;
  maxNumbersPerMail: number;
  maxPages: number;
  maxDocumentBytes: number;
  allowedPrefixes: string[];
  blockedPrefixes: string[];
  senderDailyPageLimit: number;
  dailyCostCeiling: number;
  clockSkewSeconds: number;
  unknownSendAfterMinutes: number;
  pendingTimeoutMinutes: number;
  alarmEmail: string | undefined;
}

const INBOUND_TIMEOUT = Duration.minutes(2);
const MAX_SES_MAIL_BYTES = 40 * 1024 * 1024;
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export class FaxGateway extends Construct {
  /** Raw inbound mail under `inbound/`, written by SES only. */
  public readonly mailBucket: s3.Bucket;
  /** Server access logs of the mail bucket. */
  public readonly accessLogsBucket: s3.IBucket;
  /** Fax jobs and mail records, with the sparse `open-jobs` index. */
  public readonly jobsTable: dynamodb.Table;
  /** The sender allowlist. */
  public readonly sendersTable: dynamodb.Table;
  /** Object-created events of new mail, consumed by the inbound function. */
  public readonly inboundQueue: sqs.Queue;
  /** Messages the inbound function failed on `maxReceiveCount` times. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly inboundFunction: nodejs.NodejsFunction;
  public readonly statusPollerFunction: nodejs.NodejsFunction;
  /** The EventBridge schedule that runs the poller. */
  public readonly pollSchedule: events.Rule;
  /** The rule set holding the fax rule (created, or the existing one named in props). */
  public readonly receiptRuleSet: ses.IReceiptRuleSet;
  public readonly receiptRuleSetName: string;
  public readonly receiptRule: ses.ReceiptRule;
  /** The SES domain identity, when `createDomainIdentity` is on. */
  public readonly domainIdentity?: ses.EmailIdentity;
  public readonly alarmTopic: sns.ITopic;
  public readonly alarms: {
    deadLetterQueueNotEmpty: cloudwatch.Alarm;
    inboundErrors: cloudwatch.Alarm;
    statusPollerErrors: cloudwatch.Alarm;
    jobsUnknown: cloudwatch.Alarm;
    faxrocksUnreachable: cloudwatch.Alarm;
  };
  /** The value of the MX record the fax domain needs: `10 inbound-smtp.<region>.amazonaws.com`. */
  public readonly mxRecordValue: string;
  /** The settings in effect, defaults applied. */
  public readonly settings: Readonly<FaxGatewaySettings>;

  constructor(scope: Construct, id: string, props: FaxGatewayProps) {
    super(scope, id);
    const settings = resolveProps(props);
    this.settings = settings;
    const stack = Stack.of(this);

    // ---- Stateful: kept on stack deletion ----

    this.accessLogsBucket =
      props.accessLogsBucket ??
      new s3.Bucket(this, 'AccessLogsBucket', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
        removalPolicy: RemovalPolicy.RETAIN,
      });

    // SSE-S3 rather than KMS: SES writes with its own service principal, and a KMS key would need
    // a key policy for SES on top; the bucket is private and TLS-only either way.
    this.mailBucket = new s3.Bucket(this, 'MailBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'mail-bucket/',
      lifecycleRules: [
        {
          id: 'expire-raw-mail',
          prefix: INBOUND_PREFIX,
          expiration: Duration.days(settings.mailRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.jobsTable = new dynamodb.Table(this, 'JobsTable', {
      partitionKey: { name: jobsTableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: jobsTableSchema.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: jobsTableSchema.timeToLiveAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.jobsTable.addGlobalSecondaryIndex({
      indexName: jobsTableSchema.openJobsIndex.name,
      partitionKey: { name: jobsTableSchema.openJobsIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: jobsTableSchema.openJobsIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // The admin CLI's history (`faxgate jobs list|show`); nothing in the functions reads them.
    for (const index of [jobsTableSchema.mailsByDayIndex, jobsTableSchema.mailReferenceIndex]) {
      this.jobsTable.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    this.sendersTable = new dynamodb.Table(this, 'SendersTable', {
      partitionKey: { name: sendersTableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- SES receiving ----

    if (settings.createDomainIdentity) {
      this.domainIdentity = new ses.EmailIdentity(this, 'DomainIdentity', {
        identity: ses.Identity.domain(settings.domain),
      });
    }

    if (settings.existingRuleSetName) {
      this.receiptRuleSetName = settings.existingRuleSetName;
      this.receiptRuleSet = ses.ReceiptRuleSet.fromReceiptRuleSetName(
        this,
        'RuleSet',
        settings.existingRuleSetName,
      );
    } else {
      this.receiptRuleSetName = settings.ruleSetName;
      this.receiptRuleSet = new ses.ReceiptRuleSet(this, 'RuleSet', {
        receiptRuleSetName: settings.ruleSetName,
      });
    }
    const ruleName = sesName(`faxgate-${settings.domain}`);
    // Built from names, not references: the bucket policy must exist before the rule (SES tests
    // its write access on creation), so it cannot refer to the rule's attributes.
    const ruleArn = stack.formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${this.receiptRuleSetName}:receipt-rule/${ruleName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.mailBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesReceiptRuleToStoreMail',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.mailBucket.arnForObjects(`${INBOUND_PREFIX}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': ruleArn },
        },
      }),
    );

    this.receiptRule = new ses.ReceiptRule(this, 'ReceiptRule', {
      ruleSet: this.receiptRuleSet,
      receiptRuleName: ruleName,
      recipients: [settings.domain],
      enabled: true,
      scanEnabled: true,
      tlsPolicy: ses.TlsPolicy.REQUIRE,
      actions: [new StoreInBucket(this.mailBucket, INBOUND_PREFIX)],
    });
    if (this.mailBucket.policy) this.receiptRule.node.addDependency(this.mailBucket.policy);

    if (settings.activateRuleSet) {
      const activation = new customResources.AwsCustomResource(this, 'ActivateRuleSet', {
        onUpdate: {
          service: 'SES',
          action: 'SetActiveReceiptRuleSet',
          parameters: { RuleSetName: settings.ruleSetName },
          physicalResourceId: customResources.PhysicalResourceId.of(`active-${settings.ruleSetName}`),
        },
        // No name deactivates receiving: SES refuses to delete the active set otherwise.
        onDelete: { service: 'SES', action: 'SetActiveReceiptRuleSet', parameters: {} },
        policy: customResources.AwsCustomResourcePolicy.fromStatements([
          // SetActiveReceiptRuleSet has no resource-level permissions.
          new iam.PolicyStatement({ actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
        ]),
        installLatestAwsSdk: false,
      });
      activation.node.addDependency(this.receiptRule);
    }

    this.mxRecordValue = Token.isUnresolved(stack.region)
      ? Fn.join('', ['10 inbound-smtp.', Aws.REGION, '.amazonaws.com'])
      : `10 inbound-smtp.${stack.region}.amazonaws.com`;

    // ---- Queue between S3 and the inbound function ----

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.inboundQueue = new sqs.Queue(this, 'InboundQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's rule for SQS-triggered functions: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(INBOUND_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    this.mailBucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3Notifications.SqsDestination(this.inboundQueue),
      { prefix: INBOUND_PREFIX },
    );

    // ---- Functions ----

    const sharedEnvironment: Record<string, string> = {
      FAX_DOMAIN: settings.domain,
      REPLY_FROM: settings.replyFrom,
      ...(settings.defaultCountry ? { DEFAULT_COUNTRY: settings.defaultCountry } : {}),
      MAX_NUMBERS_PER_MAIL: String(settings.maxNumbersPerMail),
      MAX_PAGES: String(settings.maxPages),
      MAX_DOCUMENT_BYTES: String(settings.maxDocumentBytes),
      ALLOWED_PREFIXES: settings.allowedPrefixes.join(','),
      BLOCKED_PREFIXES: settings.blockedPrefixes.join(','),
      SENDER_DAILY_PAGE_LIMIT: String(settings.senderDailyPageLimit),
      DAILY_COST_CEILING: String(settings.dailyCostCeiling),
      JOB_RETENTION_DAYS: String(settings.jobRetentionDays),
      JOBS_TABLE: this.jobsTable.tableName,
      SENDERS_TABLE: this.sendersTable.tableName,
      FAXROCKS_API_URL: settings.faxrocksApiUrl,
      ...('parameterName' in settings.token
        ? { FAXROCKS_TOKEN_PARAMETER: settings.token.parameterName }
        : { FAXROCKS_TOKEN_SECRET: settings.token.secretName }),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: settings.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };

    this.inboundFunction = this.#gatewayFunction('Inbound', {
      entry: 'functions/inbound/handler.ts',
      description: 'faxgate: turns mail stored by SES into faxes and replies',
      timeout: INBOUND_TIMEOUT,
      memorySize: 1024,
      environment: sharedEnvironment,
      logRetention: settings.logRetention,
    });
    this.inboundFunction.addEventSource(
      new lambdaEventSources.SqsEventSource(this.inboundQueue, {
        batchSize: settings.inboundBatchSize,
        maxConcurrency: settings.inboundConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    this.statusPollerFunction = this.#gatewayFunction('StatusPoller', {
      entry: 'functions/status-poller/handler.ts',
      description: 'faxgate: settles fax jobs from faxrocks and emails the outcomes',
      // Finishes before the next run starts, so two polls never overlap.
      timeout: Duration.seconds(Math.min(300, settings.pollMinutes * 60 - 10)),
      memorySize: 512,
      environment: {
        ...sharedEnvironment,
        CLOCK_SKEW_SECONDS: String(settings.clockSkewSeconds),
        UNKNOWN_SEND_AFTER_MINUTES: String(settings.unknownSendAfterMinutes),
        PENDING_TIMEOUT_MINUTES: String(settings.pendingTimeoutMinutes),
      },
      logRetention: settings.logRetention,
      // The next scheduled run does the work again; an async retry would only overlap it.
      retryAttempts: 0,
    });
    this.pollSchedule = new events.Rule(this, 'PollSchedule', {
      description: 'faxgate: runs the status poller',
      schedule: events.Schedule.rate(Duration.minutes(settings.pollMinutes)),
      targets: [new eventsTargets.LambdaFunction(this.statusPollerFunction, { retryAttempts: 0 })],
    });

    // ---- Permissions: exactly what each function does ----

    // Object keys are SES message ids, unknown in advance: the prefix is as narrow as it gets.
    this.inboundFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadInboundMail',
        actions: ['s3:GetObject'],
        resources: [this.mailBucket.arnForObjects(`${INBOUND_PREFIX}*`)],
      }),
    );
    const jobsResources = [
      this.jobsTable.tableArn,
      `${this.jobsTable.tableArn}/index/${jobsTableSchema.openJobsIndex.name}`,
    ];
    const ledgerActions = [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ];
    for (const fn of [this.inboundFunction, this.statusPollerFunction]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'JobLedger', actions: ledgerActions, resources: jobsResources }),
      );
    }
    this.inboundFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadSenderAllowlist',
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        resources: [this.sendersTable.tableArn],
      }),
    );

    const replyDomain = settings.replyFrom.slice(settings.replyFrom.lastIndexOf('@') + 1);
    const sendReplies = new iam.PolicyStatement({
      sid: 'SendRepliesFromGatewayAddress',
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: replyDomain }),
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: settings.replyFrom }),
      ],
      conditions: { StringEquals: { 'ses:FromAddress': settings.replyFrom } },
    });

    const readToken =
      'parameterName' in settings.token
        ? new iam.PolicyStatement({
            sid: 'ReadFaxrocksToken',
            actions: ['ssm:GetParameter'],
            resources: [
              stack.formatArn({
                service: 'ssm',
                resource: 'parameter',
                resourceName: settings.token.parameterName.replace(/^\//, ''),
              }),
            ],
          })
        : new iam.PolicyStatement({
            sid: 'ReadFaxrocksToken',
            actions: ['secretsmanager:GetSecretValue'],
            resources: [secretArn(stack, settings.token.secretName)],
          });
    const decryptToken = settings.tokenKmsKeyArn
      ? new iam.PolicyStatement({
          sid: 'DecryptFaxrocksToken',
          actions: ['kms:Decrypt'],
          resources: [settings.tokenKmsKeyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `${'parameterName' in settings.token ? 'ssm' : 'secretsmanager'}.${stack.region}.amazonaws.com`,
            },
          },
        })
      : undefined;
    for (const fn of [this.inboundFunction, this.statusPollerFunction]) {
      fn.addToRolePolicy(sendReplies);
      fn.addToRolePolicy(readToken);
      if (decryptToken) fn.addToRolePolicy(decryptToken);
    }

    // ---- Alarms ----

    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'AlarmTopic', { enforceSSL: true });
    if (settings.alarmEmail) {
      this.alarmTopic.addSubscription(new snsSubscriptions.EmailSubscription(settings.alarmEmail));
    }
    const notify = new cloudwatchActions.SnsAction(this.alarmTopic);
    const period = Duration.minutes(5);
    const anyAtAll = {
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    this.alarms = {
      deadLetterQueueNotEmpty: this.deadLetterQueue
        .metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' })
        .createAlarm(this, 'DeadLetterQueueNotEmptyAlarm', {
          ...anyAtAll,
          alarmDescription:
            'faxgate: mail the inbound function gave up on is waiting in the dead-letter queue',
        }),
      inboundErrors: this.inboundFunction.metricErrors({ period }).createAlarm(this, 'InboundErrorsAlarm', {
        ...anyAtAll,
        alarmDescription: 'faxgate: the inbound function failed',
      }),
      statusPollerErrors: this.statusPollerFunction
        .metricErrors({ period })
        .createAlarm(this, 'StatusPollerErrorsAlarm', {
          ...anyAtAll,
          alarmDescription: 'faxgate: the status poller failed',
        }),
      jobsUnknown: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'JobsUnknown',
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period,
      }).createAlarm(this, 'JobsUnknownAlarm', {
        ...anyAtAll,
        alarmDescription:
          'faxgate: fax jobs ended UNKNOWN; their senders were asked to check before resending',
      }),
      // The poller shrugs off a failing GET /faxes (the next run retries); only a lasting outage
      // is worth a page: every 5-minute period of a quarter hour had one.
      faxrocksUnreachable: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'FaxListUnavailable',
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period,
      }).createAlarm(this, 'FaxrocksUnreachableAlarm', {
        ...anyAtAll,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        alarmDescription: 'faxgate: the status poller could not read GET /faxes from faxrocks for 15 minutes',
      }),
    };
    for (const alarm of Object.values(this.alarms)) alarm.addAlarmAction(notify);

    this.#acknowledgeNagFindings(stack, settings);
  }

  // Each acknowledged cdk-nag (AwsSolutions) finding, on the one resource it concerns, with why.
  #acknowledgeNagFindings(stack: Stack, settings: FaxGatewaySettings): void {
    const bucketLogicalId = stack.getLogicalId(this.mailBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.inboundFunction.role as iam.Role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${INBOUND_PREFIX}*]`,
      reason:
        'The inbound function reads the mail SES stored; object keys are SES message ids, unknown in advance, so the grant is s3:GetObject on the inbound/ prefix and nothing else.',
    });
    const basicExecution =
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
    // CDK's singleton that configures the bucket's event notifications (Custom::S3BucketNotifications).
    const notificationsHandler = stack.node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: basicExecution,
        reason:
          'CDK-provided handler that writes the mail bucket notification configuration at deploy time; the managed policy only lets it write its own CloudWatch logs.',
      });
    }
    if (settings.activateRuleSet) {
      // The singleton provider's construct id is derived from this fixed UUID.
      const providerId = `AWS${customResources.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;
      const activationProvider = stack.node.tryFindChild(providerId);
      if (activationProvider) {
        Validations.of(activationProvider).acknowledge({
          id: basicExecution,
          reason:
            'CDK AwsCustomResource provider that activates the receipt rule set at deploy time; the managed policy only lets it write its own CloudWatch logs.',
        });
      }
      const activation = this.node.findChild('ActivateRuleSet');
      Validations.of(activation).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:SetActiveReceiptRuleSet supports no resource-level permissions; the statement allows that single action and nothing else.',
      });
    }
  }

  #gatewayFunction(
    id: string,
    options: {
      entry: string;
      description: string;
      timeout: Duration;
      memorySize: number;
      environment: Record<string, string>;
      logRetention: logs.RetentionDays;
      retryAttempts?: number;
    },
  ): nodejs.NodejsFunction {
    const entry = fileURLToPath(new URL(`../${options.entry}`, import.meta.url));
    if (!existsSync(entry)) {
      throw new GatewayConfigurationError(`the function entry ${options.entry} does not exist`);
    }
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: options.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An own role instead of the AWSLambdaBasicExecutionRole managed policy: logs go to this
    // function's log group only.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `faxgate ${id} function`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    return new nodejs.NodejsFunction(this, `${id}Function`, {
      entry,
      handler: 'handler',
      projectRoot: repositoryRoot,
      depsLockFilePath: fileURLToPath(new URL('../package-lock.json', import.meta.url)),
      description: options.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: options.timeout,
      memorySize: options.memorySize,
      environment: options.environment,
      logGroup,
      role,
      ...(options.retryAttempts === undefined ? {} : { retryAttempts: options.retryAttempts }),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        // ESM output: CommonJS code in dependencies (the SDK's optional CRT signer lookup) calls require().
        banner:
          "import { createRequire as __faxgateCreateRequire } from 'node:module'; const require = __faxgateCreateRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK clients we use: pinned, tested versions rather than whatever the runtime
        // ships that month, and tree-shaken to what the function calls.
        bundleAwsSDK: true,
        externalModules: [],
        forceDockerBundling: false,
      },
    });
  }
}

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

/** The SES receipt-rule S3 action without the L2's own bucket policy (ours names the rule too). */
class StoreInBucket implements ses.IReceiptRuleAction {
  constructor(
    private readonly bucket: s3.IBucket,
    private readonly prefix: string,
  ) {}

  bind(): ses.ReceiptRuleActionConfig {
    return { s3Action: { bucketName: this.bucket.bucketName, objectKeyPrefix: this.prefix } };
  }
}

/** SES rule and rule set names: letters, digits, `.`, `_`, `-`; at most 64; alphanumeric ends. */
function sesName(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 64)
    .replace(/[^A-Za-z0-9]+$/, '');
}

function secretArn(stack: Stack, nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  // Secrets Manager appends a random six-character suffix to the name in the ARN.
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${nameOrArn}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

// ---- Validation: a bad setting fails at synth, naming the setting ----

function resolveProps(props: FaxGatewayProps): FaxGatewaySettings {
  const domain = literal('domain', props.domain)?.trim().toLowerCase();
  if (!domain)
    throw new GatewayConfigurationError('domain is required: the fax domain, e.g. fax.example.com');
  if (!isDomainName(domain)) {
    throw new GatewayConfigurationError(`domain must be a DNS name such as fax.example.com, not "${domain}"`);
  }

  const replyFrom = (literal('replyFrom', props.replyFrom)?.trim() || `fax@${domain}`).toLowerCase();
  if (!isMailAddress(replyFrom)) {
    throw new GatewayConfigurationError(
      `replyFrom must be one mail address such as fax@${domain}, not "${replyFrom}"`,
    );
  }

  const defaultCountry = literal('defaultCountry', props.defaultCountry)?.trim().toUpperCase() || undefined;
  if (defaultCountry && !/^[A-Z]{2}$/.test(defaultCountry)) {
    throw new GatewayConfigurationError(
      `defaultCountry must be a two-letter ISO country code such as DE, not "${defaultCountry}"`,
    );
  }

  const parameterName = literal('tokenParameterName', props.tokenParameterName)?.trim() || undefined;
  const secretName = literal('tokenSecretName', props.tokenSecretName)?.trim() || undefined;
  if (parameterName && secretName) {
    throw new GatewayConfigurationError('give tokenParameterName or tokenSecretName, not both');
  }
  let token: FaxGatewaySettings['token'];
  if (secretName) {
    if (
      !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(secretName) &&
      !/^arn:aws[a-z-]*:secretsmanager:/.test(secretName)
    ) {
      throw new GatewayConfigurationError(
        `tokenSecretName must be a Secrets Manager secret name or ARN, not "${secretName}"`,
      );
    }
    token = { secretName };
  } else {
    const name = parameterName ?? DEFAULT_TOKEN_PARAMETER;
    if (!/^[A-Za-z0-9_.\-/]{1,2048}$/.test(name) || (name.includes('/') && !name.startsWith('/'))) {
      throw new GatewayConfigurationError(
        `tokenParameterName must be an SSM parameter name such as ${DEFAULT_TOKEN_PARAMETER}, not "${name}"`,
      );
    }
    token = { parameterName: name };
  }

  const tokenKmsKeyArn = literal('tokenKmsKeyArn', props.tokenKmsKeyArn)?.trim() || undefined;
  if (tokenKmsKeyArn && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(tokenKmsKeyArn)) {
    throw new GatewayConfigurationError(
      `tokenKmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not "${tokenKmsKeyArn}"`,
    );
  }

  const faxrocksApiUrl = literal('faxrocksApiUrl', props.faxrocksApiUrl)?.trim() || DEFAULT_FAXROCKS_API_URL;
  if (!URL.canParse(faxrocksApiUrl) || new URL(faxrocksApiUrl).protocol !== 'https:') {
    throw new GatewayConfigurationError(`faxrocksApiUrl must be an https:// URL, not "${faxrocksApiUrl}"`);
  }

  const existingRuleSetName = literal('existingRuleSetName', props.existingRuleSetName)?.trim() || undefined;
  const ruleSetName = literal('ruleSetName', props.ruleSetName)?.trim() || sesName(`faxgate-${domain}`);
  for (const [key, name] of [
    ['ruleSetName', ruleSetName],
    ['existingRuleSetName', existingRuleSetName],
  ] as const) {
    if (
      name !== undefined &&
      (name.length > 64 || !/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name))
    ) {
      throw new GatewayConfigurationError(
        `${key} must be 1-64 letters, digits, ".", "_" or "-", starting and ending with a letter or digit, not "${name}"`,
      );
    }
  }
  if (existingRuleSetName && props.ruleSetName) {
    throw new GatewayConfigurationError(
      'give ruleSetName (a set to create) or existingRuleSetName, not both',
    );
  }
  const activateRuleSet = props.activateRuleSet ?? false;
  if (activateRuleSet && existingRuleSetName) {
    throw new GatewayConfigurationError(
      'activateRuleSet applies to the rule set faxgate creates; with existingRuleSetName, activate that set yourself',
    );
  }

  const pollInterval = props.pollInterval ?? Duration.minutes(2);
  const pollMinutes = pollInterval.toMinutes({ integral: false });
  if (!Number.isInteger(pollMinutes) || pollMinutes < 1 || pollMinutes > 60) {
    throw new GatewayConfigurationError(
      `pollInterval must be whole minutes from 1 to 60, not ${pollInterval.toHumanString()}`,
    );
  }

  const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
  const logLevel = props.logLevel ?? 'INFO';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new GatewayConfigurationError(
      `logLevel must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`,
    );
  }

  const alarmEmail = literal('alarmEmail', props.alarmEmail)?.trim() || undefined;
  if (alarmEmail && !isMailAddress(alarmEmail)) {
    throw new GatewayConfigurationError(`alarmEmail must be one mail address, not "${alarmEmail}"`);
  }

  return {
    domain,
    replyFrom,
    defaultCountry,
    token,
    tokenKmsKeyArn,
    faxrocksApiUrl,
    createDomainIdentity: props.createDomainIdentity ?? true,
    ruleSetName: existingRuleSetName ?? ruleSetName,
    existingRuleSetName,
    activateRuleSet,
    mailRetentionDays: whole('mailRetentionDays', props.mailRetentionDays, 30, 1, 3650),
    jobRetentionDays: whole('jobRetentionDays', props.jobRetentionDays, 400, 1, 3650),
    logRetention,
    logLevel,
    inboundConcurrency: whole('inboundConcurrency', props.inboundConcurrency, 2, 2, 1000),
    inboundBatchSize: whole('inboundBatchSize', props.inboundBatchSize, 1, 1, 10),
    maxReceiveCount: whole('maxReceiveCount', props.maxReceiveCount, 3, 2, 10),
    pollMinutes,
    maxNumbersPerMail: whole('maxNumbersPerMail', props.maxNumbersPerMail, 50, 1, 1000),
    maxPages: whole('maxPages', props.maxPages, 100, 1, 10_000),
    maxDocumentBytes: whole(
      'maxDocumentBytes',
      props.maxDocumentBytes,
      20 * 1024 * 1024,
      1,
      MAX_SES_MAIL_BYTES,
    ),
    allowedPrefixes: prefixes('allowedPrefixes', props.allowedPrefixes),
    blockedPrefixes: prefixes('blockedPrefixes', props.blockedPrefixes),
    senderDailyPageLimit: whole('senderDailyPageLimit', props.senderDailyPageLimit, 0, 0, 1_000_000),
    dailyCostCeiling: amount('dailyCostCeiling', props.dailyCostCeiling, 0),
    clockSkewSeconds: whole('clockSkewSeconds', props.clockSkewSeconds, 120, 0, 3600),
    unknownSendAfterMinutes: whole('unknownSendAfterMinutes', props.unknownSendAfterMinutes, 30, 1, 525_600),
    pendingTimeoutMinutes: whole('pendingTimeoutMinutes', props.pendingTimeoutMinutes, 1440, 1, 525_600),
    alarmEmail,
  };
}

/** Names, addresses and rule-set names end up in ARNs and environment: they must be known at synth. */
function literal(key: string, value: string | undefined): string | undefined {
  if (value !== undefined && Token.isUnresolved(value)) {
    throw new GatewayConfigurationError(
      `${key} must be a literal string, not a token resolved at deploy time`,
    );
  }
  return value;
}

function whole(key: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GatewayConfigurationError(`${key} must be a whole number from ${min} to ${max}, not ${value}`);
  }
  return value;
}

function amount(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new GatewayConfigurationError(`${key} must be a number of 0 or more, not ${value}`);
  }
  return value;
}

function prefixes(key: string, values: string[] | undefined): string[] {
  const list = (values ?? []).map((v) => v.trim()).filter(Boolean);
  for (const prefix of list) {
    if (!/^\+\d{1,15}$/.test(prefix)) {
      throw new GatewayConfigurationError(
        `${key} must hold E.164 prefixes such as +49 or +1900, not "${prefix}"`,
      );
    }
  }
  return list;
}

function isDomainName(value: string): boolean {
  return (
    value.length <= 253 &&
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(value)
  );
}

function isMailAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  return (
    at > 0 && /^[^\s@<>(),;:"]+$/.test(value.slice(0, at)) && isDomainName(value.slice(at + 1).toLowerCase())
  );
}
