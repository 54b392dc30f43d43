// Configuration by CDK context: what `-c key=value` and cdk.json turn into, and the precise errors
// for values that cannot work. Plus the app itself run the way the CDK CLI runs it, offline and
// with a Docker that fails.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Aws, Duration, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaxGateway, type FaxGatewayProps } from '../../infra/fax-gateway.ts';
import { CONTEXT_KEYS, gatewaySettingsFromContext } from '../../infra/gateway-context.ts';
import { tempDir } from '../support/stand-ins.ts';
import { SYNTH_TIMEOUT } from './synth.ts';

const settingsOf = (context: Record<string, unknown>) =>
  gatewaySettingsFromContext(new App({ context }).node);

describe('gatewaySettingsFromContext', () => {
  it('needs the domain, and says how to give it', () => {
    expect(() => settingsOf({})).toThrow(
      'the fax domain is missing: run with -c domain=fax.example.com (or set "domain" in the context of cdk.json)',
    );
  });

  it('converts command-line strings', () => {
    const { stackName, gateway } = settingsOf({
      domain: 'fax.example.com',
      activateRuleSet: 'true',
      createDomainIdentity: 'false',
      pollMinutes: '5',
      inboundConcurrency: '4',
      allowedPrefixes: '+49, +43',
      logRetentionDays: '30',
      logLevel: 'debug',
      dailyCostCeiling: '12.5',
    });
    expect(stackName).toBe('Faxgate');
    expect(gateway).toMatchObject({
      domain: 'fax.example.com',
      activateRuleSet: true,
      createDomainIdentity: false,
      inboundConcurrency: 4,
      allowedPrefixes: ['+49', '+43'],
      logRetention: 30,
      logLevel: 'DEBUG',
      dailyCostCeiling: 12.5,
    });
    expect(gateway.pollInterval?.toMinutes()).toBe(5);
  });

  it('accepts JSON values from cdk.json', () => {
    const { gateway } = settingsOf({
      domain: 'fax.example.com',
      activateRuleSet: true,
      maxPages: 20,
      blockedPrefixes: ['+49900'],
    });
    expect(gateway).toMatchObject({ activateRuleSet: true, maxPages: 20, blockedPrefixes: ['+49900'] });
  });

  it('leaves unset keys to the construct defaults', () => {
    const { gateway } = settingsOf({ domain: 'fax.example.com' });
    expect(Object.entries(gateway).filter(([, v]) => v !== undefined)).toEqual([
      ['domain', 'fax.example.com'],
    ]);
  });

  it.each([
    [{ maxPages: 'many' }, 'context key maxPages must be a number, not "many"'],
    [{ activateRuleSet: 'yes' }, 'context key activateRuleSet must be true or false, not "yes"'],
    [{ replyFrom: 42 }, 'context key replyFrom must be a string, not 42'],
    [{ allowedPrefixes: [49] }, 'context key allowedPrefixes must be a comma-separated list, not [49]'],
    [{ logRetentionDays: '42' }, 'logRetentionDays must be one of CloudWatch'],
    [
      { stackName: 'fax gate' },
      'stackName must start with a letter and hold only letters, digits and "-", not "fax gate"',
    ],
    [{ maxPage: '20' }, 'unknown context key "maxPage"; faxgate reads: domain, stackName,'],
  ])('rejects %j', (extra, message) => {
    expect(() => settingsOf({ domain: 'fax.example.com', ...extra })).toThrow(message);
  });

  it('ignores CDK feature flags and lookups', () => {
    expect(() =>
      settingsOf({
        domain: 'fax.example.com',
        '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
        'availability-zones:account=1:region=x': [],
        'cli-telemetry': false,
      }),
    ).not.toThrow();
  });

  it('documents every key in the configuration tables (docs/configuration.md)', () => {
    const text = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const key of Object.keys(CONTEXT_KEYS)) expect(text, key).toContain(`| \`${key}\` |`);
  });
});

describe('FaxGateway props validation', () => {
  const build = (props: Partial<FaxGatewayProps>) => () =>
    new FaxGateway(new Stack(new App(), 'S'), 'Gateway', { domain: 'fax.example.com', ...props });

  it.each<[Partial<FaxGatewayProps>, string]>([
    [{ domain: 'fax_example' }, 'domain must be a DNS name such as fax.example.com, not "fax_example"'],
    [{ domain: ' ' }, 'domain is required: the fax domain, e.g. fax.example.com'],
    [
      { replyFrom: 'fax at example' },
      'replyFrom must be one mail address such as fax@fax.example.com, not "fax at example"',
    ],
    [{ defaultCountry: 'GER' }, 'defaultCountry must be a two-letter ISO country code such as DE, not "GER"'],
    [
      { tokenParameterName: '/p', tokenSecretName: 's' },
      'give tokenParameterName or tokenSecretName, not both',
    ],
    [
      { tokenParameterName: 'faxgate/token' },
      'tokenParameterName must be an SSM parameter name such as /faxgate/faxrocks-token',
    ],
    [{ tokenKmsKeyArn: 'alias/aws/ssm' }, 'tokenKmsKeyArn must be a KMS key ARN'],
    [
      { faxrocksApiUrl: 'http://faxrocks.com/api' },
      'faxrocksApiUrl must be an https:// URL, not "http://faxrocks.com/api"',
    ],
    [
      { existingRuleSetName: 'main', activateRuleSet: true },
      'activateRuleSet applies to the rule set faxgate creates',
    ],
    [
      { ruleSetName: 'a', existingRuleSetName: 'b' },
      'give ruleSetName (a set to create) or existingRuleSetName, not both',
    ],
    [{ ruleSetName: '-bad' }, 'ruleSetName must be 1-64 letters, digits'],
    [
      { pollInterval: Duration.seconds(90) },
      'pollInterval must be whole minutes from 1 to 60, not 1 minute 30 seconds',
    ],
    [{ pollInterval: Duration.hours(2) }, 'pollInterval must be whole minutes from 1 to 60, not 2 hours'],
    [{ inboundConcurrency: 1 }, 'inboundConcurrency must be a whole number from 2 to 1000, not 1'],
    [{ inboundBatchSize: 11 }, 'inboundBatchSize must be a whole number from 1 to 10, not 11'],
    [{ maxReceiveCount: 1 }, 'maxReceiveCount must be a whole number from 2 to 100, not 1'],
    [
      { maxReceiveCount: 5 },
      'maxReceiveCount 5 runs out before giveUpAfterMinutes 120 has passed: raise it to at least 16, or lower giveUpAfterMinutes',
    ],
    [{ maxReceiveCount: 30, giveUpAfterMinutes: 600 }, 'raise it to at least 48'],
    [{ maxPages: 0 }, 'maxPages must be a whole number from 1 to 10000, not 0'],
    [{ maxDocumentBytes: 50 * 1024 * 1024 }, 'maxDocumentBytes must be a whole number from 1 to 41943040'],
    [{ mailRetentionDays: 2.5 }, 'mailRetentionDays must be a whole number from 1 to 3650, not 2.5'],
    [{ allowedPrefixes: ['49'] }, 'allowedPrefixes must hold E.164 prefixes such as +49 or +1900, not "49"'],
    [{ dailyCostCeiling: -1 }, 'dailyCostCeiling must be a number of 0 or more, not -1'],
    [{ alarmEmail: 'ops' }, 'alarmEmail must be one mail address, not "ops"'],
    [{ coverPage: 'sometimes' as never }, 'coverPage must be one of never, on-request, always'],
    [{ coverLogo: 'logo.png' }, 'coverLogo must be an s3://<bucket>/<key> address for the deployed gateway'],
  ])('rejects %j at synth', (props, message) => {
    expect(build(props)).toThrow(message);
  });

  it('rejects a domain known only at deploy time', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new FaxGateway(stack, 'Gateway', { domain: Aws.STACK_NAME })).toThrow(
      'domain must be a literal string, not a token resolved at deploy time',
    );
  });
});

describe('infra/app.ts run the way the CDK CLI runs it', () => {
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const dir = tempDir('faxgate-app-');
  // A docker that always fails: bundling must not need it.
  const binDir = join(dir.path, 'bin');

  beforeAll(() => {
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'docker'), '#!/bin/sh\necho "docker is not available" >&2\nexit 1\n');
    chmodSync(join(binDir, 'docker'), 0o755);
  });
  afterAll(() => dir.remove());

  const runApp = (context: Record<string, unknown>, outdir: string) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
    };
    // No account, no region, no credentials: what a fresh clone has.
    for (const key of Object.keys(env)) if (/^(AWS_|CDK_DEFAULT_)/.test(key)) delete env[key];
    return spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: repo,
      env,
      encoding: 'utf8',
      timeout: SYNTH_TIMEOUT - 10_000,
    });
  };

  it(
    'stops with one line naming the missing domain',
    () => {
      const result = runApp({}, join(dir.path, 'missing'));
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe(
        'faxgate: the fax domain is missing: run with -c domain=fax.example.com (or set "domain" in the context of cdk.json)',
      );
    },
    SYNTH_TIMEOUT,
  );

  it(
    'stops with one line naming an invalid value',
    () => {
      const result = runApp(
        { domain: 'fax.example.com', inboundConcurrency: '1' },
        join(dir.path, 'invalid'),
      );
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe(
        'faxgate: inboundConcurrency must be a whole number from 2 to 1000, not 1',
      );
    },
    SYNTH_TIMEOUT,
  );

  it(
    'synthesizes the Faxgate stack offline with Docker failing',
    () => {
      const cdkJson = JSON.parse(readFileSync(join(repo, 'cdk.json'), 'utf8')) as { context: object };
      const outdir = join(dir.path, 'ok');
      const result = runApp({ ...cdkJson.context, domain: 'fax.example.com' }, outdir);
      expect(result.stderr).not.toContain('docker is not available');
      expect(result.status).toBe(0);
      const template = JSON.parse(readFileSync(join(outdir, 'Faxgate.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string }>;
        Outputs: Record<string, unknown>;
      };
      const types = new Set(Object.values(template.Resources).map((r) => r.Type));
      for (const type of [
        'AWS::S3::Bucket',
        'AWS::SES::ReceiptRuleSet',
        'AWS::SES::ReceiptRule',
        'AWS::SQS::Queue',
        'AWS::DynamoDB::Table',
        'AWS::Lambda::Function',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Events::Rule',
        'AWS::CloudWatch::Alarm',
        'AWS::SNS::Topic',
      ]) {
        expect(types, type).toContain(type);
      }
      expect(Object.keys(template.Outputs)).toEqual(
        expect.arrayContaining([
          'MxRecord',
          'ReceiptRuleSetName',
          'MailBucketName',
          'JobsTableName',
          'InboundQueueUrl',
        ]),
      );
    },
    SYNTH_TIMEOUT,
  );
});
