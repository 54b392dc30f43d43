// The gateway's stateless resources, replaceable at any time: SES receiving (identity, rule set,
// rule), the two functions with their schedule and permissions, and the alarms. Created in the
// FaxGateway's own scope, so their logical ids do not depend on this split.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ArnFormat,
  Aws,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  custom_resources as customResources,
  Duration,
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
  type aws_s3 as s3,
  aws_ses as ses,
  aws_sns as sns,
  aws_sns_subscriptions as snsSubscriptions,
  Token,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { COVER_FONT_FILES } from '../functions/adapters/cover-assets.ts';
import { jobsTableSchema } from '../functions/adapters/table-schema.ts';
import { resourceEnvironment } from '../functions/settings.ts';
import {
  type FaxGatewaySettings,
  functionEnvironment,
  GatewayConfigurationError,
  INBOUND_PREFIX,
  METRICS_NAMESPACE,
  PREPARED_PREFIX,
  SERVICE_NAME,
  sesName,
} from './gateway-props.ts';
import { INBOUND_TIMEOUT, type StatefulResources } from './gateway-stateful.ts';

// ---- SES receiving ----

export interface Receiving {
  domainIdentity?: ses.EmailIdentity;
  receiptRuleSet: ses.IReceiptRuleSet;
  receiptRuleSetName: string;
  receiptRule: ses.ReceiptRule;
  mxRecordValue: string;
}

export function createReceiving(
  scope: Construct,
  settings: FaxGatewaySettings,
  mailBucket: s3.Bucket,
): Receiving {
  const stack = Stack.of(scope);
  const domainIdentity = settings.createDomainIdentity
    ? new ses.EmailIdentity(scope, 'DomainIdentity', { identity: ses.Identity.domain(settings.domain) })
    : undefined;

  const receiptRuleSetName = settings.ruleSetName;
  const receiptRuleSet = settings.existingRuleSetName
    ? ses.ReceiptRuleSet.fromReceiptRuleSetName(scope, 'RuleSet', settings.existingRuleSetName)
    : new ses.ReceiptRuleSet(scope, 'RuleSet', { receiptRuleSetName });
  const ruleName = sesName(`faxgate-${settings.domain}`);
  // Built from names, not references: the bucket policy must exist before the rule (SES tests
  // its write access on creation), so it cannot refer to the rule's attributes.
  const ruleArn = stack.formatArn({
    service: 'ses',
    resource: 'receipt-rule-set',
    resourceName: `${receiptRuleSetName}:receipt-rule/${ruleName}`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  mailBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowSesReceiptRuleToStoreMail',
      principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [mailBucket.arnForObjects(`${INBOUND_PREFIX}*`)],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': ruleArn },
      },
    }),
  );

  const receiptRule = new ses.ReceiptRule(scope, 'ReceiptRule', {
    ruleSet: receiptRuleSet,
    receiptRuleName: ruleName,
    recipients: [settings.domain],
    enabled: true,
    scanEnabled: true,
    tlsPolicy: ses.TlsPolicy.REQUIRE,
    actions: [new StoreInBucket(mailBucket, INBOUND_PREFIX)],
  });
  if (mailBucket.policy) receiptRule.node.addDependency(mailBucket.policy);

  if (settings.activateRuleSet) {
    const activation = new customResources.AwsCustomResource(scope, 'ActivateRuleSet', {
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
    activation.node.addDependency(receiptRule);
  }

  const mxRecordValue = Token.isUnresolved(stack.region)
    ? Fn.join('', ['10 inbound-smtp.', Aws.REGION, '.amazonaws.com'])
    : `10 inbound-smtp.${stack.region}.amazonaws.com`;

  return {
    ...(domainIdentity ? { domainIdentity } : {}),
    receiptRuleSet,
    receiptRuleSetName,
    receiptRule,
    mxRecordValue,
  };
}

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

// ---- Functions and their permissions ----

export interface GatewayFunctions {
  inboundFunction: nodejs.NodejsFunction;
  statusPollerFunction: nodejs.NodejsFunction;
  pollSchedule: events.Rule;
}

export function createFunctions(
  scope: Construct,
  settings: FaxGatewaySettings,
  stateful: StatefulResources,
): GatewayFunctions {
  const resources = {
    ...resourceEnvironment({
      jobsTable: stateful.jobsTable.tableName,
      sendersTable: stateful.sendersTable.tableName,
      mailBucket: stateful.mailBucket.bucketName,
      // The inbound function gives a mail up on its last receive (with a reply), not after it.
      maxReceiveCount: String(settings.maxReceiveCount),
    }),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };

  const inboundFunction = gatewayFunction(scope, 'Inbound', {
    entry: INBOUND_ENTRY,
    description: 'faxgate: turns mail stored by SES into faxes and replies',
    timeout: INBOUND_TIMEOUT,
    memorySize: 1024,
    environment: { ...functionEnvironment('inbound', settings), ...resources },
    logRetention: settings.logRetention,
  });
  inboundFunction.addEventSource(
    new lambdaEventSources.SqsEventSource(stateful.inboundQueue, {
      batchSize: settings.inboundBatchSize,
      maxConcurrency: settings.inboundConcurrency,
      reportBatchItemFailures: true,
    }),
  );

  const statusPollerFunction = gatewayFunction(scope, 'StatusPoller', {
    entry: POLLER_ENTRY,
    description: 'faxgate: settles fax jobs from faxrocks and emails the outcomes',
    // Finishes before the next run starts, so two polls never overlap.
    timeout: Duration.seconds(Math.min(300, settings.pollMinutes * 60 - 10)),
    memorySize: 512,
    environment: { ...functionEnvironment('poller', settings), ...resources },
    logRetention: settings.logRetention,
    // The next scheduled run does the work again; an async retry would only overlap it.
    retryAttempts: 0,
  });
  const pollSchedule = new events.Rule(scope, 'PollSchedule', {
    description: 'faxgate: runs the status poller',
    schedule: events.Schedule.rate(Duration.minutes(settings.pollMinutes)),
    targets: [new eventsTargets.LambdaFunction(statusPollerFunction, { retryAttempts: 0 })],
  });

  grantPermissions(Stack.of(scope), settings, stateful, [inboundFunction, statusPollerFunction]);
  return { inboundFunction, statusPollerFunction, pollSchedule };
}

/** Exactly what each function does. */
function grantPermissions(
  stack: Stack,
  settings: FaxGatewaySettings,
  stateful: StatefulResources,
  [inboundFunction, statusPollerFunction]: [nodejs.NodejsFunction, nodejs.NodejsFunction],
): void {
  // Object keys are SES message ids, unknown in advance: the prefix is as narrow as it gets.
  inboundFunction.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadInboundMail',
      actions: ['s3:GetObject'],
      resources: [stateful.mailBucket.arnForObjects(`${INBOUND_PREFIX}*`)],
    }),
  );
  // The prepared document of each mail, written once by the inbound function, read by the poller
  // for later attempts.
  inboundFunction.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'KeepPreparedDocuments',
      actions: ['s3:PutObject'],
      resources: [stateful.mailBucket.arnForObjects(`${PREPARED_PREFIX}*`)],
    }),
  );
  // The cover page logo, if one is given (an s3:// address, checked with the props): that one object.
  const logo = settings.coverLogo && /^s3:\/\/([^/]+)\/(.+)$/.exec(settings.coverLogo);
  if (logo) {
    inboundFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadCoverLogo',
        actions: ['s3:GetObject'],
        resources: [
          stack.formatArn({
            service: 's3',
            region: '',
            account: '',
            resource: logo[1] as string,
            resourceName: logo[2] as string,
          }),
        ],
      }),
    );
  }
  statusPollerFunction.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadPreparedDocuments',
      actions: ['s3:GetObject'],
      resources: [stateful.mailBucket.arnForObjects(`${PREPARED_PREFIX}*`)],
    }),
  );
  // Each failed message's own retry delay (backoff, Retry-After) instead of the queue's fixed one.
  inboundFunction.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'DelayRetries',
      actions: ['sqs:ChangeMessageVisibility'],
      resources: [stateful.inboundQueue.queueArn],
    }),
  );
  const jobsResources = [
    stateful.jobsTable.tableArn,
    `${stateful.jobsTable.tableArn}/index/${jobsTableSchema.openJobsIndex.name}`,
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
  for (const fn of [inboundFunction, statusPollerFunction]) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'JobLedger', actions: ledgerActions, resources: jobsResources }),
    );
  }
  inboundFunction.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadSenderAllowlist',
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
      resources: [stateful.sendersTable.tableArn],
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
  for (const fn of [inboundFunction, statusPollerFunction]) {
    fn.addToRolePolicy(sendReplies);
    fn.addToRolePolicy(readToken);
    if (decryptToken) fn.addToRolePolicy(decryptToken);
  }
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

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

const INBOUND_ENTRY = 'functions/handlers/inbound.ts';
const POLLER_ENTRY = 'functions/handlers/status-poller.ts';

/** esbuild as CDK runs it for the handler (keep in step with `bundling` below). */
function esbuildCommand(inputDir: string, entry: string, outfile: string): string {
  return [
    `"${inputDir}/node_modules/.bin/esbuild"`,
    `"${inputDir}/${entry}"`,
    '--bundle --platform=node --target=node24 --format=esm --main-fields=module,main --minify',
    `'--banner:js=import { createRequire as __faxgateCreateRequire } from "node:module"; const require = __faxgateCreateRequire(import.meta.url);'`,
    `--outfile="${outfile}"`,
  ].join(' ');
}

/** Commands that put a function's other files beside its bundle once CDK has bundled it. */
function besideTheBundle(commands: (inputDir: string, outputDir: string) => string[]): nodejs.ICommandHooks {
  return { beforeBundling: () => [], beforeInstall: () => [], afterBundling: commands };
}

const documentWorkerHooks = besideTheBundle((inputDir, outputDir) => [
  esbuildCommand(inputDir, 'functions/inbound/document-worker.ts', `${outputDir}/document-worker.mjs`),
  // The same check in the function's own thread, for ordinary mail (functions/inbound/document-budget.ts).
  esbuildCommand(inputDir, 'functions/inbound/document-check-here.ts', `${outputDir}/document-kit.mjs`),
  // What only a cover page needs, loaded from beside the handler when one is made
  // (functions/domain/cover-kit.ts, functions/adapters/cover-assets.ts): fontkit and html-to-text
  // as a bundle of their own, and the fonts as files.
  esbuildCommand(inputDir, 'functions/domain/cover-libraries.ts', `${outputDir}/cover-kit.mjs`),
  ...COVER_FONT_FILES.map(
    (f) => `cp "${inputDir}/node_modules/dejavu-fonts-ttf/ttf/${f}" "${outputDir}/${f}"`,
  ),
]);

/**
 * The status poller loads its resend code from beside the handler on the first resend, and the S3
 * client on the first re-dial or resend (functions/adapters/s3-kit.ts).
 */
const resendKitHooks = besideTheBundle((inputDir, outputDir) => [
  esbuildCommand(inputDir, 'functions/handlers/status-poller-resend.ts', `${outputDir}/resend-kit.mjs`),
  esbuildCommand(inputDir, 'functions/adapters/s3-kit.ts', `${outputDir}/s3-kit.mjs`),
]);

function gatewayFunction(
  scope: Construct,
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
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: options.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // An own role instead of the AWSLambdaBasicExecutionRole managed policy: logs go to this
  // function's log group only.
  const role = new iam.Role(scope, `${id}Role`, {
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
  return new nodejs.NodejsFunction(scope, `${id}Function`, {
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
      // The inbound function checks documents in a worker thread (functions/inbound/document-budget.ts),
      // which loads document-worker.mjs from beside the handler: bundled the same way.
      ...(options.entry === INBOUND_ENTRY ? { commandHooks: documentWorkerHooks } : {}),
      ...(options.entry === POLLER_ENTRY ? { commandHooks: resendKitHooks } : {}),
    },
  });
}

// ---- Alarms ----

export interface GatewayAlarms {
  alarmTopic: sns.ITopic;
  alarms: {
    deadLetterQueueNotEmpty: cloudwatch.Alarm;
    inboundErrors: cloudwatch.Alarm;
    statusPollerErrors: cloudwatch.Alarm;
    jobsUnknown: cloudwatch.Alarm;
    faxrocksUnreachable: cloudwatch.Alarm;
    mailGaveUp: cloudwatch.Alarm;
  };
}

export function createAlarms(
  scope: Construct,
  settings: FaxGatewaySettings,
  resources: { deadLetterQueue: StatefulResources['deadLetterQueue'] } & GatewayFunctions,
  topic?: sns.ITopic,
): GatewayAlarms {
  const alarmTopic = topic ?? new sns.Topic(scope, 'AlarmTopic', { enforceSSL: true });
  if (settings.alarmEmail) {
    alarmTopic.addSubscription(new snsSubscriptions.EmailSubscription(settings.alarmEmail));
  }
  const notify = new cloudwatchActions.SnsAction(alarmTopic);
  const period = Duration.minutes(5);
  const anyAtAll = {
    threshold: 0,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
  const gatewayMetric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: 'Sum',
      period,
    });
  const alarms = {
    deadLetterQueueNotEmpty: resources.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' })
      .createAlarm(scope, 'DeadLetterQueueNotEmptyAlarm', {
        ...anyAtAll,
        alarmDescription: 'faxgate: mail the inbound function gave up on is waiting in the dead-letter queue',
      }),
    inboundErrors: resources.inboundFunction
      .metricErrors({ period })
      .createAlarm(scope, 'InboundErrorsAlarm', {
        ...anyAtAll,
        alarmDescription: 'faxgate: the inbound function failed',
      }),
    statusPollerErrors: resources.statusPollerFunction
      .metricErrors({ period })
      .createAlarm(scope, 'StatusPollerErrorsAlarm', {
        ...anyAtAll,
        alarmDescription: 'faxgate: the status poller failed',
      }),
    jobsUnknown: gatewayMetric('JobsUnknown').createAlarm(scope, 'JobsUnknownAlarm', {
      ...anyAtAll,
      alarmDescription: 'faxgate: fax jobs ended UNKNOWN; their senders were asked to check before resending',
    }),
    // The poller shrugs off a failing GET /faxes (the next run retries); only a lasting outage
    // is worth a page: every 5-minute period of a quarter hour had one.
    faxrocksUnreachable: gatewayMetric('FaxListUnavailable').createAlarm(scope, 'FaxrocksUnreachableAlarm', {
      ...anyAtAll,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      alarmDescription: 'faxgate: the status poller could not read GET /faxes from faxrocks for 15 minutes',
    }),
    // Every give-up is news: its sender was told nothing (or not all) was faxed.
    mailGaveUp: gatewayMetric('MailGaveUp').createAlarm(scope, 'MailGaveUpAlarm', {
      ...anyAtAll,
      alarmDescription:
        'faxgate: a mail gave up (faxrocks would not take it for GIVE_UP_AFTER_MINUTES, or its last receive failed); its sender was told what was not faxed',
    }),
  };
  for (const alarm of Object.values(alarms)) alarm.addAlarmAction(notify);
  return { alarmTopic, alarms };
}
