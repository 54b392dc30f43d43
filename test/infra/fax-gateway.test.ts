// Fine-grained assertions on the synthesized template: one property of the deployment each.
// Synthesis bundles the functions with esbuild, so each configuration is synthesized once.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { aws_lambda as lambda } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayPolicyFromEnv, pollerPolicyFromEnv } from '../../functions/config.ts';
import { FaxGatewayStack } from '../../infra/fax-gateway-stack.ts';
import { SYNTH_TIMEOUT, type TestApp, testApp } from './synth.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] } & Record<
  string,
  unknown
>;

function only(template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] {
  const found = Object.entries(
    template.findResources(
      type,
      Object.keys(props).length > 0 ? { Properties: Match.objectLike(props) } : {},
    ),
  );
  expect(found, `exactly one ${type} like ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

function logicalIdOf(template: Template, type: string, props: Record<string, unknown>): string {
  return only(template, type, props)[0];
}

/** Every statement of the IAM policy attached to the given role. */
function statementsOfRole(template: Template, roleId: string): Array<Record<string, unknown>> {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
  );
}

function functionIdByDescription(template: Template, fragment: string): string {
  return logicalIdOf(template, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp(fragment) });
}

function roleIdOfFunction(template: Template, functionId: string): string {
  const fn = template.toJSON().Resources[functionId] as Resource;
  return ((fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'] ?? [])[0];
}

describe('FaxGateway with defaults (only the domain given)', () => {
  let t: TestApp;
  let template: Template;
  let stack: FaxGatewayStack;

  beforeAll(() => {
    t = testApp();
    stack = new FaxGatewayStack(t.app, 'Faxgate', { gateway: { domain: 'Fax.Example.com' } });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);
  afterAll(() => t.remove());

  describe('mail bucket', () => {
    const mailBucket = () =>
      logicalIdOf(template, 'AWS::S3::Bucket', { LoggingConfiguration: Match.anyValue() });

    it('is private, encrypted and kept on stack deletion', () => {
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'mail-bucket/' }),
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('expires raw mail under inbound/ after 30 days', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Prefix: 'inbound/', ExpirationInDays: 30, Status: 'Enabled' }),
          ]),
        },
      });
    });

    it('refuses requests without TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: mailBucket() },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('lets only SES of this account and this receipt rule write, under inbound/', () => {
      const [, policy] = only(template, 'AWS::S3::BucketPolicy', { Bucket: { Ref: mailBucket() } });
      const statements = (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> })
        .Statement;
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(allows).toHaveLength(1);
      expect(allows[0]).toEqual({
        Sid: 'AllowSesReceiptRuleToStoreMail',
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [mailBucket(), 'Arn'] }, '/inbound/*']] },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':ses:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':receipt-rule-set/faxgate-fax.example.com:receipt-rule/faxgate-fax.example.com',
                ],
              ],
            },
          },
        },
      });
    });

    it('writes its server access logs to a private, TLS-only, kept log bucket', () => {
      const [, bucket] = only(template, 'AWS::S3::Bucket', { LoggingConfiguration: Match.anyValue() });
      const logsId = (
        (bucket.Properties.LoggingConfiguration as Record<string, { Ref: string }>).DestinationBucketName as {
          Ref: string;
        }
      ).Ref;
      const logs = template.toJSON().Resources[logsId] as Resource;
      expect(logs.DeletionPolicy).toBe('Retain');
      expect(logs.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicPolicy: true });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logsId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
          ]),
        },
      });
    });
  });

  describe('SES receiving', () => {
    it('has a rule set named after the domain', () => {
      template.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'faxgate-fax.example.com' });
    });

    it('has a rule for the domain with scanning on, TLS required and the S3 action under inbound/', () => {
      const ruleSetId = logicalIdOf(template, 'AWS::SES::ReceiptRuleSet', {});
      const mailBucket = logicalIdOf(template, 'AWS::S3::Bucket', { LoggingConfiguration: Match.anyValue() });
      template.hasResourceProperties('AWS::SES::ReceiptRule', {
        RuleSetName: { Ref: ruleSetId },
        Rule: {
          Name: 'faxgate-fax.example.com',
          Enabled: true,
          Recipients: ['fax.example.com'],
          ScanEnabled: true,
          TlsPolicy: 'Require',
          Actions: [{ S3Action: { BucketName: { Ref: mailBucket }, ObjectKeyPrefix: 'inbound/' } }],
        },
      });
    });

    it('creates the rule only after the bucket policy (SES tests its write access)', () => {
      const mailBucket = logicalIdOf(template, 'AWS::S3::Bucket', { LoggingConfiguration: Match.anyValue() });
      const policyId = logicalIdOf(template, 'AWS::S3::BucketPolicy', { Bucket: { Ref: mailBucket } });
      const [, rule] = only(template, 'AWS::SES::ReceiptRule');
      expect(rule.DependsOn).toContain(policyId);
    });

    it('does not activate the rule set unless asked', () => {
      template.resourceCountIs('Custom::AWS', 0);
    });

    it('creates the domain identity for sending replies', () => {
      template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'fax.example.com' });
    });
  });

  describe('queue', () => {
    const inboundQueueId = () =>
      logicalIdOf(template, 'AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });

    it('gets object-created events under inbound/ only', () => {
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbound/' }] } },
              QueueArn: { 'Fn::GetAtt': [inboundQueueId(), 'Arn'] },
            },
          ],
        },
      });
    });

    it('is encrypted, hides messages 6x the function timeout and dead-letters after 30 receipts', () => {
      const inboundId = functionIdByDescription(template, 'turns mail');
      const timeout = (template.toJSON().Resources[inboundId] as Resource).Properties.Timeout as number;
      const [, queue] = only(template, 'AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      // The inbound function delays each retry itself; 30 receipts cover GIVE_UP_AFTER_MINUTES.
      expect(queue.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 30 });
    });

    it('has an encrypted dead-letter queue', () => {
      const [, queue] = only(template, 'AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
      const dlqId = (queue.Properties.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': string[] } })
        .deadLetterTargetArn['Fn::GetAtt'][0] as string;
      const dlq = template.toJSON().Resources[dlqId] as Resource;
      expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
    });

    it('refuses requests without TLS on both queues', () => {
      const policies = template.findResources('AWS::SQS::QueuePolicy', {
        Properties: {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        },
      });
      expect(Object.keys(policies)).toHaveLength(2);
    });

    it('feeds the inbound function one mail at a time, at most 2 at once, with partial batch failures', () => {
      const inboundId = functionIdByDescription(template, 'turns mail');
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: inboundId },
        EventSourceArn: { 'Fn::GetAtt': [inboundQueueId(), 'Arn'] },
        BatchSize: 1,
        ScalingConfig: { MaximumConcurrency: 2 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });
  });

  describe('tables', () => {
    it('keeps jobs on demand, encrypted, recoverable, with TTL and the open-jobs index, on deletion too', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          SSESpecification: { SSEEnabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'open-jobs',
              KeySchema: [
                { AttributeName: 'openShard', KeyType: 'HASH' },
                { AttributeName: 'openSince', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
            {
              IndexName: 'mails-by-day',
              KeySchema: [
                { AttributeName: 'receivedDay', KeyType: 'HASH' },
                { AttributeName: 'receivedAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
            {
              IndexName: 'mail-reference',
              KeySchema: [
                { AttributeName: 'ref', KeyType: 'HASH' },
                { AttributeName: 'receivedAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('keeps senders on demand, encrypted, recoverable, on deletion too', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          SSESpecification: { SSEEnabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          KeySchema: [{ AttributeName: 'entry', KeyType: 'HASH' }],
        }),
        DeletionPolicy: 'Retain',
      });
    });
  });

  describe('functions', () => {
    const newestNodeRuntime = Object.values(lambda.Runtime)
      .filter((r): r is lambda.Runtime => r instanceof lambda.Runtime && /^nodejs\d+\.x$/.test(r.name))
      .map((r) => r.name)
      .sort((a, b) => Number.parseInt(b.slice(6), 10) - Number.parseInt(a.slice(6), 10))[0];

    it.each([
      ['inbound', 'turns mail'],
      ['status poller', 'settles fax jobs'],
    ])('%s runs on the newest Node.js runtime, arm64, ESM bundle with source maps', (_name, fragment) => {
      const id = functionIdByDescription(template, fragment);
      const fn = template.toJSON().Resources[id] as Resource;
      expect(fn.Properties.Runtime).toBe(newestNodeRuntime);
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
      });

      // The staged asset folder is named after the hash that also names the uploaded zip.
      const hash = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      const assetDir = join(t.outdir, `asset.${hash}`);
      const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith('import { createRequire as __faxgateCreateRequire }')).toBe(true);
      expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    });

    it('bundles that load as ES modules with the deployed environment; inbound answers an empty batch', () => {
      for (const [fragment, call] of [
        ['turns mail', 'JSON.stringify(await m.handler({ Records: [] }))'],
        // Calling the poller would reach for SSM and faxrocks; loading it builds nothing remote.
        ['settles fax jobs', 'typeof m.handler'],
      ] as const) {
        const fn = template.toJSON().Resources[functionIdByDescription(template, fragment)] as Resource;
        const hash = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
        const bundle = pathToFileURL(join(t.outdir, `asset.${hash}`, 'index.mjs')).href;
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        // Table names are references until deploy; any literal does for loading.
        const env = Object.fromEntries(
          Object.entries(variables).map(([k, v]) => [
            k,
            typeof v === 'string' ? v : `test-${k.toLowerCase()}`,
          ]),
        );
        const result = spawnSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const m = await import(${JSON.stringify(bundle)}); console.log(${call});`,
          ],
          {
            encoding: 'utf8',
            timeout: 60_000,
            env: {
              PATH: process.env.PATH,
              ...env,
              AWS_REGION: 'eu-west-1',
              AWS_ACCESS_KEY_ID: 'AKIAFAXGATETEST',
              AWS_SECRET_ACCESS_KEY: 'not-a-secret',
            },
          },
        );
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout.trim()).toBe(
          fragment === 'turns mail' ? '{"batchItemFailures":[]}' : 'function',
        );
      }
    });

    it.each([
      ['inbound', 'turns mail'],
      ['status poller', 'settles fax jobs'],
    ])('%s logs to its own log group, kept 90 days', (_name, fragment) => {
      const id = functionIdByDescription(template, fragment);
      const fn = template.toJSON().Resources[id] as Resource;
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logGroup = template.toJSON().Resources[logGroupId] as Resource;
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays).toBe(90);
    });

    it('gives the inbound function the whole gateway configuration', () => {
      const id = functionIdByDescription(template, 'turns mail');
      const env = (template.toJSON().Resources[id] as Resource).Properties.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(env.Variables).toEqual({
        FAX_DOMAIN: 'fax.example.com',
        REPLY_FROM: 'fax@fax.example.com',
        MAX_NUMBERS_PER_MAIL: '50',
        MAX_PAGES: '100',
        MAX_DOCUMENT_BYTES: String(20 * 1024 * 1024),
        PAGE_SIZE: 'A4',
        MAX_IMAGE_PIXELS: '40000000',
        COVER_PAGE: 'on-request',
        DOCUMENT_CHECK_SECONDS: '30',
        DOCUMENT_INFLATE_MB: '256',
        ALLOWED_PREFIXES: '',
        BLOCKED_PREFIXES: '',
        ALLOW_NUMBER_TYPES: '',
        SENDER_DAILY_PAGE_LIMIT: '0',
        DAILY_COST_CEILING: '0',
        DEFAULT_TIMEZONE: 'Europe/Berlin',
        SCHEDULE_HORIZON_DAYS: '30',
        JOB_RETENTION_DAYS: '400',
        PRICE_CURRENCY: 'EUR',
        PRICE_PER_PAGE: '0.09',
        GIVE_UP_AFTER_MINUTES: '120',
        REDIAL_BUSY_MINUTES: '5,5,15,40',
        REDIAL_NO_ANSWER_MINUTES: '5,30',
        REDIAL_BROKEN_OFF_MINUTES: '2,10',
        REDIAL_MAX_ATTEMPTS: '6',
        REDIAL_WINDOW_MINUTES: '180',
        MAIL_BUCKET: {
          Ref: logicalIdOf(template, 'AWS::S3::Bucket', { LoggingConfiguration: Match.anyValue() }),
        },
        INBOUND_MAX_RECEIVE_COUNT: '30',
        JOBS_TABLE: {
          Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', { TimeToLiveSpecification: Match.anyValue() }),
        },
        SENDERS_TABLE: {
          Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', {
            KeySchema: [{ AttributeName: 'entry', KeyType: 'HASH' }],
          }),
        },
        FAXROCKS_API_URL: 'https://faxrocks.com/api',
        FAXROCKS_TOKEN_PARAMETER: '/faxgate/faxrocks-token',
        POWERTOOLS_SERVICE_NAME: 'faxgate',
        POWERTOOLS_METRICS_NAMESPACE: 'faxgate',
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('sets the environment the handlers read back without a configuration error', () => {
      const envOf = (fragment: string) =>
        (
          (template.toJSON().Resources[functionIdByDescription(template, fragment)] as Resource).Properties
            .Environment as { Variables: Record<string, unknown> }
        ).Variables as Record<string, string>;
      expect(gatewayPolicyFromEnv(envOf('turns mail'))).toMatchObject({
        faxDomain: 'fax.example.com',
        replyFrom: 'fax@fax.example.com',
        maxPages: 100,
        jobRetentionDays: 400,
      });
      expect(pollerPolicyFromEnv(envOf('settles fax jobs'))).toMatchObject({
        clockSkewSeconds: 120,
        unknownSendAfterMinutes: 30,
        pendingTimeoutMinutes: 1440,
      });
    });

    it('runs the poller every 2 minutes, finishing before the next run, without async retries', () => {
      const pollerId = functionIdByDescription(template, 'settles fax jobs');
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(2 minutes)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [pollerId, 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 0 },
          }),
        ],
      });
      const fn = template.toJSON().Resources[pollerId] as Resource;
      expect(fn.Properties.Timeout).toBeLessThan(120);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: pollerId },
        MaximumRetryAttempts: 0,
      });
    });
  });

  describe('permissions', () => {
    const ids = () => {
      const inbound = functionIdByDescription(template, 'turns mail');
      const poller = functionIdByDescription(template, 'settles fax jobs');
      return {
        inboundRole: roleIdOfFunction(template, inbound),
        pollerRole: roleIdOfFunction(template, poller),
        mailBucket: logicalIdOf(template, 'AWS::S3::Bucket', { LoggingConfiguration: Match.anyValue() }),
        jobs: logicalIdOf(template, 'AWS::DynamoDB::Table', { TimeToLiveSpecification: Match.anyValue() }),
        senders: logicalIdOf(template, 'AWS::DynamoDB::Table', {
          KeySchema: [{ AttributeName: 'entry', KeyType: 'HASH' }],
        }),
      };
    };
    const bySid = (statements: Array<Record<string, unknown>>, sid: string) =>
      statements.filter((s) => s.Sid === sid);

    it('uses no managed policies on the function roles', () => {
      const { inboundRole, pollerRole } = ids();
      for (const role of [inboundRole, pollerRole]) {
        expect((template.toJSON().Resources[role] as Resource).Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('never grants a wildcard action to either function', () => {
      const { inboundRole, pollerRole } = ids();
      for (const role of [inboundRole, pollerRole]) {
        for (const statement of statementsOfRole(template, role)) {
          const actions = [statement.Action].flat() as string[];
          expect(
            actions.filter((a) => a.includes('*')),
            JSON.stringify(statement),
          ).toEqual([]);
          expect(statement.Effect).toBe('Allow');
        }
      }
    });

    it('lets the inbound function read stored mail under inbound/ only, and keep documents under prepared/', () => {
      const { inboundRole, pollerRole, mailBucket } = ids();
      const s3Statements = statementsOfRole(template, inboundRole).filter((s) =>
        [s.Action].flat().some((a) => String(a).startsWith('s3:')),
      );
      expect(s3Statements).toEqual([
        {
          Sid: 'ReadInboundMail',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [mailBucket, 'Arn'] }, '/inbound/*']] },
        },
        {
          Sid: 'KeepPreparedDocuments',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [mailBucket, 'Arn'] }, '/prepared/*']] },
        },
      ]);
      // The poller reads only the documents kept for later attempts.
      expect(
        statementsOfRole(template, pollerRole).filter((s) =>
          [s.Action].flat().some((a) => String(a).startsWith('s3:')),
        ),
      ).toEqual([
        {
          Sid: 'ReadPreparedDocuments',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [mailBucket, 'Arn'] }, '/prepared/*']] },
        },
      ]);
    });

    it('lets both functions use the job ledger, the index included, item by item', () => {
      const { inboundRole, pollerRole, jobs } = ids();
      for (const role of [inboundRole, pollerRole]) {
        expect(bySid(statementsOfRole(template, role), 'JobLedger')).toEqual([
          {
            Sid: 'JobLedger',
            Effect: 'Allow',
            Action: [
              'dynamodb:GetItem',
              'dynamodb:BatchGetItem',
              'dynamodb:Query',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:DeleteItem',
              'dynamodb:ConditionCheckItem',
            ],
            Resource: [
              { 'Fn::GetAtt': [jobs, 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [jobs, 'Arn'] }, '/index/open-jobs']] },
            ],
          },
        ]);
      }
    });

    it('lets only the inbound function read the sender allowlist, and not write it', () => {
      const { inboundRole, pollerRole, senders } = ids();
      expect(bySid(statementsOfRole(template, inboundRole), 'ReadSenderAllowlist')).toEqual([
        {
          Sid: 'ReadSenderAllowlist',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
          Resource: { 'Fn::GetAtt': [senders, 'Arn'] },
        },
      ]);
      expect(JSON.stringify(statementsOfRole(template, pollerRole))).not.toContain(senders);
    });

    it('lets both functions send mail only from the reply address', () => {
      const { inboundRole, pollerRole } = ids();
      const identity = (name: string) => ({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ses:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:identity/${name}`,
          ],
        ],
      });
      for (const role of [inboundRole, pollerRole]) {
        expect(bySid(statementsOfRole(template, role), 'SendRepliesFromGatewayAddress')).toEqual([
          {
            Sid: 'SendRepliesFromGatewayAddress',
            Effect: 'Allow',
            Action: ['ses:SendEmail', 'ses:SendRawEmail'],
            Resource: [identity('fax.example.com'), identity('fax@fax.example.com')],
            Condition: { StringEquals: { 'ses:FromAddress': 'fax@fax.example.com' } },
          },
        ]);
      }
    });

    it('lets both functions read the token parameter and nothing else of SSM; no KMS grant for the AWS managed key', () => {
      const { inboundRole, pollerRole } = ids();
      for (const role of [inboundRole, pollerRole]) {
        const statements = statementsOfRole(template, role);
        expect(bySid(statements, 'ReadFaxrocksToken')).toEqual([
          {
            Sid: 'ReadFaxrocksToken',
            Effect: 'Allow',
            Action: 'ssm:GetParameter',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':ssm:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':parameter/faxgate/faxrocks-token',
                ],
              ],
            },
          },
        ]);
        expect(JSON.stringify(statements)).not.toContain('kms:');
      }
    });

    it('lets each function write its own log group only', () => {
      const { inboundRole } = ids();
      const inbound = functionIdByDescription(template, 'turns mail');
      const logGroupId = (
        (template.toJSON().Resources[inbound] as Resource).Properties.LoggingConfig as {
          LogGroup: { Ref: string };
        }
      ).LogGroup.Ref;
      expect(bySid(statementsOfRole(template, inboundRole), 'WriteOwnLogGroup')).toEqual([
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        },
      ]);
    });
  });

  describe('alarms', () => {
    const topicId = () => logicalIdOf(template, 'AWS::SNS::Topic', {});

    it('notify a TLS-only topic, with no email subscription unless asked', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId() }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('fire when the dead-letter queue holds a message', () => {
      const [, queue] = only(template, 'AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
      const dlqId = (queue.Properties.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': string[] } })
        .deadLetterTargetArn['Fn::GetAtt'][0];
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: topicId() }],
      });
    });

    it.each([
      ['inbound', 'turns mail'],
      ['status poller', 'settles fax jobs'],
    ])('fire on errors of the %s function', (_name, fragment) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionIdByDescription(template, fragment) } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: topicId() }],
      });
    });

    it('fire when a job ends UNKNOWN (the poller metric faxgate/JobsUnknown)', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'faxgate',
        MetricName: 'JobsUnknown',
        Dimensions: [{ Name: 'service', Value: 'faxgate' }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId() }],
      });
    });

    it('fire when a mail gives up (the inbound metric faxgate/MailGaveUp)', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'faxgate',
        MetricName: 'MailGaveUp',
        Dimensions: [{ Name: 'service', Value: 'faxgate' }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId() }],
      });
    });

    it('fire when faxrocks stays unreachable for the poller for 15 minutes', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'faxgate',
        MetricName: 'FaxListUnavailable',
        Dimensions: [{ Name: 'service', Value: 'faxgate' }],
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 0,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId() }],
      });
    });
  });

  describe('outputs', () => {
    it('name the MX record value, the rule set, the bucket, the tables and the queues', () => {
      template.hasOutput('MxRecord', {
        Value: { 'Fn::Join': ['', ['10 inbound-smtp.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      });
      template.hasOutput('ReceiptRuleSetName', { Value: 'faxgate-fax.example.com' });
      template.hasOutput('MailBucketName', { Value: { Ref: Match.stringLikeRegexp('MailBucket') } });
      template.hasOutput('JobsTableName', { Value: { Ref: Match.stringLikeRegexp('JobsTable') } });
      template.hasOutput('SendersTableName', { Value: { Ref: Match.stringLikeRegexp('SendersTable') } });
      template.hasOutput('InboundQueueUrl', { Value: { Ref: Match.stringLikeRegexp('InboundQueue') } });
      template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: Match.stringLikeRegexp('DeadLetterQueue') } });
    });

    it('name what the admin CLI reads through --stack: domain, rule, functions, token, guards', () => {
      template.hasOutput('FaxDomain', { Value: 'fax.example.com' });
      template.hasOutput('ReceiptRuleName', { Value: { Ref: Match.stringLikeRegexp('ReceiptRule') } });
      template.hasOutput('InboundFunctionName', { Value: { Ref: Match.stringLikeRegexp('Inbound') } });
      template.hasOutput('StatusPollerFunctionName', {
        Value: { Ref: Match.stringLikeRegexp('StatusPoller') },
      });
      template.hasOutput('TokenParameterName', { Value: Match.stringLikeRegexp('^/') });
      template.hasOutput('SenderDailyPageLimit', { Value: Match.stringLikeRegexp('^\\d+$') });
      template.hasOutput('DailyCostCeiling', { Value: Match.stringLikeRegexp('^[\\d.]+$') });
    });

    it('list the three DKIM records of the new domain identity', () => {
      for (const n of [1, 2, 3]) template.hasOutput(`DkimRecord${n}`, { Value: Match.anyValue() });
    });
  });
});

describe('FaxGateway configured', () => {
  let t: TestApp;
  let template: Template;

  beforeAll(() => {
    t = testApp();
    const stack = new FaxGatewayStack(t.app, 'FaxgateConfigured', {
      env: { account: '123456789012', region: 'eu-west-1' },
      gateway: {
        domain: 'fax.example.org',
        replyFrom: 'Faxes@Example.org',
        defaultCountry: 'de',
        tokenSecretName: 'faxgate/faxrocks',
        tokenKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        activateRuleSet: true,
        createDomainIdentity: false,
        alarmEmail: 'ops@example.org',
        inboundConcurrency: 5,
        inboundBatchSize: 3,
        maxReceiveCount: 5,
        // Five receives cover a one-minute give-up time (the construct refuses fewer).
        giveUpAfterMinutes: 1,
        mailRetentionDays: 7,
        allowedPrefixes: ['+49', '+43'],
        blockedPrefixes: ['+49900'],
        logLevel: 'DEBUG',
        coverPage: 'always',
        coverCompany: 'ACME GmbH',
        coverLogo: 's3://acme-branding/faxgate/logo.png',
      },
    });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);
  afterAll(() => t.remove());

  it('activates the rule set through SetActiveReceiptRuleSet after the rule exists, and switches receiving off on deletion', () => {
    const ruleId = logicalIdOf(template, 'AWS::SES::ReceiptRule', {});
    const [, activation] = only(template, 'Custom::AWS');
    expect(JSON.parse(activation.Properties.Create as string)).toMatchObject({
      service: 'SES',
      action: 'SetActiveReceiptRuleSet',
      parameters: { RuleSetName: 'faxgate-fax.example.org' },
    });
    expect(JSON.parse(activation.Properties.Delete as string)).toEqual({
      service: 'SES',
      action: 'SetActiveReceiptRuleSet',
      parameters: {},
    });
    expect(activation.DependsOn).toContain(ruleId);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'ses:SetActiveReceiptRuleSet', Effect: 'Allow', Resource: '*' }],
      },
    });
  });

  it('gives the inbound function the cover page settings, and the logo object to read, nothing more', () => {
    const inbound = functionIdByDescription(template, 'turns mail');
    const env = (template.toJSON().Resources[inbound] as Resource).Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(env.Variables).toMatchObject({
      COVER_PAGE: 'always',
      COVER_COMPANY: 'ACME GmbH',
      COVER_LOGO: 's3://acme-branding/faxgate/logo.png',
    });
    expect(
      statementsOfRole(template, roleIdOfFunction(template, inbound)).filter(
        (s) => s.Sid === 'ReadCoverLogo',
      ),
    ).toEqual([
      {
        Sid: 'ReadCoverLogo',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-branding/faxgate/logo.png']],
        },
      },
    ]);
  });

  it('skips the domain identity when told the domain is verified already', () => {
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    expect(Object.keys(template.toJSON().Outputs).filter((k) => k.startsWith('Dkim'))).toEqual([]);
  });

  it('reads the token from the secret, decrypting with the given key through Secrets Manager only', () => {
    const inbound = functionIdByDescription(template, 'turns mail');
    const role = roleIdOfFunction(template, inbound);
    const statements = statementsOfRole(template, role);
    expect(statements.filter((s) => s.Sid === 'ReadFaxrocksToken')).toEqual([
      {
        Sid: 'ReadFaxrocksToken',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:eu-west-1:123456789012:secret:faxgate/faxrocks-??????',
            ],
          ],
        },
      },
    ]);
    expect(statements.filter((s) => s.Sid === 'DecryptFaxrocksToken')).toEqual([
      {
        Sid: 'DecryptFaxrocksToken',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      },
    ]);
    const env = (template.toJSON().Resources[inbound] as Resource).Properties.Environment as {
      Variables: Record<string, string>;
    };
    expect(env.Variables.FAXROCKS_TOKEN_SECRET).toBe('faxgate/faxrocks');
    expect(env.Variables.FAXROCKS_TOKEN_PARAMETER).toBeUndefined();
  });

  it('passes the configuration to the functions', () => {
    const env = (
      (template.toJSON().Resources[functionIdByDescription(template, 'turns mail')] as Resource).Properties
        .Environment as { Variables: Record<string, string> }
    ).Variables;
    expect(env).toMatchObject({
      REPLY_FROM: 'faxes@example.org',
      DEFAULT_COUNTRY: 'DE',
      ALLOWED_PREFIXES: '+49,+43',
      BLOCKED_PREFIXES: '+49900',
      LOG_LEVEL: 'DEBUG',
    });
    expect(gatewayPolicyFromEnv(env)).toMatchObject({
      defaultCountry: 'DE',
      allowedPrefixes: ['+49', '+43'],
      blockedPrefixes: ['+49900'],
    });
  });

  it('sends only from the configured reply address, on its own domain identity', () => {
    const role = roleIdOfFunction(template, functionIdByDescription(template, 'settles fax jobs'));
    expect(statementsOfRole(template, role).filter((s) => s.Sid === 'SendRepliesFromGatewayAddress')).toEqual(
      [
        {
          Sid: 'SendRepliesFromGatewayAddress',
          Effect: 'Allow',
          Action: ['ses:SendEmail', 'ses:SendRawEmail'],
          Resource: [
            {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:identity/example.org'],
              ],
            },
            {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:identity/faxes@example.org'],
              ],
            },
          ],
          Condition: { StringEquals: { 'ses:FromAddress': 'faxes@example.org' } },
        },
      ],
    );
  });

  it('applies queue, concurrency and retention settings', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 3,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'inbound/', ExpirationInDays: 7 })]),
      },
    });
  });

  it('subscribes the alarm address', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
    });
  });

  it('names the MX record of the concrete region', () => {
    template.hasOutput('MxRecord', { Value: '10 inbound-smtp.eu-west-1.amazonaws.com' });
  });
});
