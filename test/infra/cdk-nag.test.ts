// cdk-nag (AwsSolutions) over the whole app. Every finding is either fixed or acknowledged on the
// one resource it concerns with a written reason; any other finding fails the test.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, aws_sqs as sqs, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaxGatewayStack } from '../../infra/fax-gateway-stack.ts';
import { SYNTH_TIMEOUT, type TestApp, testApp } from './synth.ts';

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: Array<{ constructPath: string }>;
}
interface SuppressedViolation extends Violation {
  acknowledgedId: string;
  reason: string;
  acknowledgedAt: string;
}
interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: Violation[];
    suppressedViolations?: SuppressedViolation[];
  }>;
}

function readReport(outdir: string): ValidationReport {
  return JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
}

/** The findings faxgate acknowledges, each on this construct path (relative to the stack). */
const EXPECTED_ACKNOWLEDGEMENTS = [
  {
    rule: 'AwsSolutions-IAM5[Resource::<GatewayMailBucketE06A5116.Arn>/inbound/*]',
    at: 'Gateway/InboundRole',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::<GatewayMailBucketE06A5116.Arn>/prepared/*]',
    at: 'Gateway/InboundRole',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::<GatewayMailBucketE06A5116.Arn>/prepared/*]',
    at: 'Gateway/StatusPollerRole',
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    at: 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    at: 'AWS679f53fac002430cb0da5b7982bd2287',
  },
  { rule: 'AwsSolutions-IAM5[Resource::*]', at: 'Gateway/ActivateRuleSet' },
];

describe('cdk-nag AwsSolutions', () => {
  let t: TestApp;
  let synthError: unknown;

  beforeAll(() => {
    t = testApp();
    // Both optional parts that add resources: rule-set activation and an alarm subscription.
    new FaxGatewayStack(t.app, 'Faxgate', {
      gateway: { domain: 'fax.example.com', activateRuleSet: true, alarmEmail: 'ops@example.com' },
    });
    new FaxGatewayStack(t.app, 'FaxgateSecret', {
      gateway: {
        domain: 'fax.example.net',
        tokenSecretName: 'faxgate/faxrocks',
        createDomainIdentity: false,
      },
    });
    Validations.of(t.app).addPlugins(new AwsSolutionsChecks(t.app));
    try {
      t.app.synth();
    } catch (error) {
      synthError = error;
    }
  }, SYNTH_TIMEOUT);
  afterAll(() => t.remove());

  it('leaves no finding unresolved', () => {
    const report = readReport(t.outdir);
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag, 'the AwsSolutions plugin ran').toBeDefined();
    const open = nag?.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} at ${c.constructPath}`),
    );
    expect(open).toEqual([]);
    expect(nag?.conclusion).toBe('success');
    expect(synthError).toBeUndefined();
  });

  it('acknowledges exactly the reviewed findings, each on its own resource with a written reason', () => {
    const nag = readReport(t.outdir).pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    const acknowledged = (nag?.suppressedViolations ?? []).flatMap((v) =>
      v.violatingConstructs.map((c) => ({
        rule: v.ruleName,
        stack: c.constructPath.split('/')[0],
        at: v.acknowledgedAt.split('/').slice(1).join('/'),
        resource: c.constructPath,
        reason: v.reason,
      })),
    );
    const forStack = (stack: string) =>
      acknowledged
        .filter((a) => a.stack === stack)
        .map(({ rule, at }) => ({ rule, at }))
        .sort((a, b) => `${a.rule}${a.at}`.localeCompare(`${b.rule}${b.at}`));
    const sorted = (list: typeof EXPECTED_ACKNOWLEDGEMENTS) =>
      [...list].sort((a, b) => `${a.rule}${a.at}`.localeCompare(`${b.rule}${b.at}`));

    expect(forStack('Faxgate')).toEqual(sorted(EXPECTED_ACKNOWLEDGEMENTS));
    // Without activation there is no custom resource, and no acknowledgement for it.
    expect(forStack('FaxgateSecret')).toEqual(
      sorted(
        EXPECTED_ACKNOWLEDGEMENTS.filter(
          (a) => !a.at.includes('ActivateRuleSet') && !a.at.startsWith('AWS679'),
        ),
      ),
    );
    for (const a of acknowledged) {
      // On a resource, never on the stack or the whole gateway.
      expect(a.at, a.rule).not.toBe('');
      expect(a.at, a.rule).not.toBe('Gateway');
      expect(a.resource.startsWith(`${a.stack}/${a.at}`), `${a.rule} concerns ${a.resource}`).toBe(true);
      expect(a.reason.length, `reason for ${a.rule}`).toBeGreaterThan(60);
    }
  });

  it('would fail on a finding nobody acknowledged (the check is live)', () => {
    const control = testApp();
    try {
      const stack = new Stack(control.app, 'Control');
      new sqs.Queue(stack, 'PlainQueue', { enforceSSL: false });
      Validations.of(control.app).addPlugins(new AwsSolutionsChecks(control.app));
      expect(() => control.app.synth()).toThrow(/AwsSolutions-SQS4/);
      const nag = readReport(control.outdir).pluginReports.find((r) => r.pluginName === 'AwsSolutions');
      expect(nag?.violations.map((v) => v.ruleName)).toEqual(
        expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
      );
    } finally {
      control.remove();
    }
  });
});
