// faxgate doctor: against npm start on free ports (healthy, wrong sandbox token, SMTP port held by
// another program), and against a stack whose AWS APIs are loopback endpoints answering as AWS
// does on the wire, with a loopback DNS server for the MX lookup and the faxrocks sandbox for
// GET /user. Nothing reaches AWS or the internet.

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliOptions, exitCodes } from '../cli/main.ts';
import type { LocalGateway } from '../local/runtime.ts';
import { type FaxrocksSandbox, startFaxrocksSandbox } from '../sandbox/faxrocks-sandbox.ts';
import {
  type AwsEndpoint,
  type AwsHandler,
  cloudFormationWith,
  jsonError,
  queryError,
  queryResult,
  startAwsEndpoint,
} from './support/aws-endpoint.ts';
import { runFaxgate } from './support/cli.ts';
import { type DnsStandIn, startDnsStandIn } from './support/dns-stand-in.ts';
import { cliEnvOf, startTestGateway } from './support/local-gateway.ts';

function cli(env: Record<string, string | undefined>, argv: string[], options: CliOptions = {}) {
  return runFaxgate(argv, env, options);
}

describe('faxgate doctor --local', () => {
  let gateway: LocalGateway;
  let env: Record<string, string>;
  let other: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    gateway = await startTestGateway({ dirPrefix: 'faxgate-doctor-' });
    env = cliEnvOf(gateway);
    // Another mail server, as when something else took the SMTP port.
    other = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.end('220 mail.example.com ESMTP Postfix\r\n');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => other.close(resolve));
    await gateway.close();
  });

  it('passes on a healthy npm start, one line per check', async () => {
    const result = await cli(env, ['doctor', '--local']);
    expect(result.err).toBe('');
    const lines = result.out.split('\n');
    expect(lines.slice(0, -1).every((l) => l.startsWith('PASS'))).toBe(true);
    expect(result.out).toMatch(/PASS {2}smtp +faxgate answers on 127\.0\.0\.1:\d+/);
    expect(result.out).toMatch(
      /PASS {2}faxrocks +sandbox http:\/\/\S+ accepts the token: account Sandbox User/,
    );
    expect(result.out).toMatch(/PASS {2}jobs table/);
    expect(result.out).not.toContain(gateway.config.sandboxToken);
    expect(lines.at(-1)).toMatch(/^All \d+ checks passed\.$/);
    expect(result.code).toBe(exitCodes.ok);
  });

  it('names the faxrocks token when the sandbox refuses it', async () => {
    const result = await cli({ ...env, FAXGATE_SANDBOX_TOKEN: 'not-the-token' }, ['doctor', '--local']);
    expect(result.code).toBe(exitCodes.notDone);
    expect(result.out).toMatch(
      /FAIL {2}faxrocks +faxrocks at \S+ refused the token \(HTTP 401\): FAXGATE_SANDBOX_TOKEN must match/,
    );
    expect(result.out).not.toContain('not-the-token');
    expect(result.out).toMatch(/PASS {2}smtp/);
  });

  it('names the SMTP port when another program serves it, or nothing does', async () => {
    const port = (other.address() as AddressInfo).port;
    const taken = await cli({ ...env, FAXGATE_SMTP_PORT: String(port) }, ['doctor', '--local']);
    expect(taken.code).toBe(exitCodes.notDone);
    expect(taken.out).toMatch(
      new RegExp(
        `FAIL {2}smtp +port ${port} on 127\\.0\\.0\\.1 is served by another program \\("220 mail\\.example\\.com ESMTP Postfix"\\)`,
      ),
    );
    const free = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const nothing = await cli({ ...env, FAXGATE_SMTP_PORT: String(free) }, ['doctor', '--local']);
    expect(nothing.out).toMatch(
      /FAIL {2}smtp +nothing answers on .*connection refused.*is "npm start" running\?/,
    );
  });
});

describe('faxgate doctor --stack', () => {
  const region = 'eu-west-1';
  const domain = 'fax.example.com';
  const topic = `arn:aws:sns:${region}:123456789012:Faxgate-AlarmTopic`;
  const dlq = `https://sqs.${region}.amazonaws.com/123456789012/Faxgate-DeadLetterQueue`;
  const endpoints: Record<string, AwsEndpoint> = {};
  let dns: DnsStandIn;
  let sandbox: FaxrocksSandbox;
  const world = {
    activeRule: 'Faxgate-ReceiptRule',
    parameterExists: true,
    token: 'sandbox-token',
    deadLetters: 0,
    production: false,
    subscribed: true,
  };

  const ses: AwsHandler = (request) => {
    if (request.action !== 'DescribeActiveReceiptRuleSet') return queryError('InvalidAction', request.action);
    return {
      body: queryResult(
        'DescribeActiveReceiptRuleSet',
        `<Metadata><Name>faxgate-${domain}</Name><CreatedTimestamp>2026-11-30T10:00:00.000Z</CreatedTimestamp></Metadata><Rules><member><Name>${world.activeRule}</Name><Enabled>true</Enabled><TlsPolicy>Require</TlsPolicy><ScanEnabled>true</ScanEnabled><Recipients><member>${domain}</member></Recipients><Actions><member><S3Action><BucketName>faxgate-mail</BucketName><ObjectKeyPrefix>inbound/</ObjectKeyPrefix></S3Action></member></Actions></member></Rules>`,
        'http://ses.amazonaws.com/doc/2010-12-01/',
      ),
    };
  };
  const sesv2: AwsHandler = (request) => {
    if (request.action === `GET /v2/email/identities/${domain}`) {
      return {
        body: {
          IdentityType: 'DOMAIN',
          FeedbackForwardingStatus: true,
          VerifiedForSendingStatus: true,
          VerificationStatus: 'SUCCESS',
          DkimAttributes: {
            SigningEnabled: true,
            Status: 'SUCCESS',
            Tokens: ['a', 'b', 'c'],
            SigningAttributesOrigin: 'AWS_SES',
          },
          Tags: [],
        },
      };
    }
    if (request.action === 'GET /v2/email/account') {
      return {
        body: {
          DedicatedIpAutoWarmupEnabled: false,
          EnforcementStatus: 'HEALTHY',
          ProductionAccessEnabled: world.production,
          SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 3 },
          SendingEnabled: true,
        },
      };
    }
    return jsonError('NotFoundException', `${request.action} not found`, 404);
  };
  const ssm: AwsHandler = (request) => {
    if (request.action !== 'GetParameter') return jsonError('InvalidAction', request.action);
    if (!world.parameterExists) return jsonError('ParameterNotFound', '');
    return {
      body: {
        Parameter: {
          Name: request.params.Name,
          Type: 'SecureString',
          Value: world.token,
          Version: 1,
          LastModifiedDate: 1764500000,
          ARN: `arn:aws:ssm:${region}:123456789012:parameter${String(request.params.Name)}`,
          DataType: 'text',
        },
      },
    };
  };
  const sns: AwsHandler = (request) => ({
    body: queryResult(
      'ListSubscriptionsByTopic',
      `<Subscriptions>${
        world.subscribed
          ? `<member><TopicArn>${topic}</TopicArn><Protocol>email</Protocol><SubscriptionArn>${topic}:0a1b2c3d-0000-4000-8000-000000000000</SubscriptionArn><Owner>123456789012</Owner><Endpoint>ops@example.com</Endpoint></member>`
          : `<member><TopicArn>${topic}</TopicArn><Protocol>email</Protocol><SubscriptionArn>PendingConfirmation</SubscriptionArn><Owner>123456789012</Owner><Endpoint>ops@example.com</Endpoint></member>`
      }</Subscriptions>`,
      'http://sns.amazonaws.com/doc/2010-03-31/',
    ),
    ...(request.action === 'ListSubscriptionsByTopic' ? {} : { status: 400 }),
  });
  const cloudwatch: AwsHandler = () => ({
    body: {
      MetricAlarms: ['DeadLetterQueueNotEmpty', 'InboundErrors'].map((name) => ({
        AlarmName: `Faxgate-${name}`,
        AlarmArn: `arn:aws:cloudwatch:${region}:123456789012:alarm:Faxgate-${name}`,
        AlarmActions: [topic],
        StateValue: 'OK',
        StateReason: 'Threshold Crossed',
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
      })),
      CompositeAlarms: [],
    },
  });
  const sqs: AwsHandler = (request) =>
    request.action === 'GetQueueAttributes'
      ? { body: { Attributes: { ApproximateNumberOfMessages: String(world.deadLetters) } } }
      : jsonError('com.amazonaws.sqs#InvalidAction', request.action);

  beforeAll(async () => {
    sandbox = await startFaxrocksSandbox({ port: 0, token: 'sandbox-token' });
    dns = await startDnsStandIn();
    dns.mx.set(domain, [{ exchange: `inbound-smtp.${region}.amazonaws.com`, preference: 10 }]);
    const outputs = {
      FaxDomain: domain,
      ReplyFrom: `fax@${domain}`,
      ReceiptRuleSetName: `faxgate-${domain}`,
      ReceiptRuleName: 'Faxgate-ReceiptRule',
      TokenParameterName: '/faxgate/faxrocks-token',
      FaxrocksApiUrl: sandbox.url,
      AlarmTopicArn: topic,
      DeadLetterQueueUrl: dlq,
      JobsTableName: 'Faxgate-JobsTable',
      SendersTableName: 'Faxgate-SendersTable',
    };
    const handlers: Record<string, AwsHandler> = {
      cloudformation: cloudFormationWith('Faxgate', outputs),
      ses,
      sesv2,
      ssm,
      sns,
      cloudwatch,
      sqs,
    };
    for (const [service, handler] of Object.entries(handlers))
      endpoints[service] = await startAwsEndpoint(handler);
  });
  afterAll(async () => {
    for (const endpoint of Object.values(endpoints)) await endpoint.close();
    await dns.close();
    await sandbox.close();
  });

  const options = () => ({
    aws: {
      region,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      endpoints: Object.fromEntries(Object.entries(endpoints).map(([k, v]) => [k, v.url])),
    },
    doctor: { dnsServers: [dns.server], timeoutMs: 2000 },
  });

  it('checks every part of a healthy deployment through the real SDK clients', async () => {
    const result = await cli({}, ['doctor'], options());
    expect(result.err).toBe('');
    expect(result.out).toMatch(/PASS {2}stack +Faxgate is UPDATE_COMPLETE/);
    expect(result.out).toMatch(
      /PASS {2}receipt rule +faxgate-fax\.example\.com is active and holds Faxgate-ReceiptRule/,
    );
    expect(result.out).toMatch(/PASS {2}mx +fax\.example\.com MX inbound-smtp\.eu-west-1\.amazonaws\.com/);
    expect(result.out).toMatch(/PASS {2}ses identity +fax\.example\.com is verified, DKIM on/);
    expect(result.out).toMatch(
      /WARN {2}ses sending +SES is in its sandbox: replies only reach verified addresses/,
    );
    expect(result.out).toMatch(
      /PASS {2}faxrocks token +SSM parameter \/faxgate\/faxrocks-token exists and faxrocks accepts it: account Sandbox User/,
    );
    expect(result.out).toMatch(/PASS {2}alarms +email ops@example\.com; 2 alarms notify it/);
    expect(result.out).toMatch(/PASS {2}dead letters +the dead-letter queue is empty/);
    expect(result.out).not.toContain('sandbox-token');
    expect(result.code).toBe(exitCodes.ok);
    expect(endpoints.ssm?.requests.at(-1)).toMatchObject({
      params: { Name: '/faxgate/faxrocks-token', WithDecryption: true },
    });
  });

  it('fails and says what to fix: MX elsewhere, no rule, no token, wrong token, no subscriber, dead letters', async () => {
    dns.mx.set(domain, [{ exchange: 'mx.mailhost.example', preference: 10 }]);
    world.activeRule = 'someone-else';
    world.parameterExists = false;
    world.subscribed = false;
    world.deadLetters = 3;
    const result = await cli({}, ['doctor', '--stack', 'Faxgate'], options());
    expect(result.code).toBe(exitCodes.notDone);
    expect(result.out).toMatch(
      /FAIL {2}mx +fax\.example\.com MX is mx\.mailhost\.example, not inbound-smtp\.eu-west-1\.amazonaws\.com/,
    );
    expect(result.out).toMatch(
      /FAIL {2}receipt rule +the active rule set faxgate-fax\.example\.com does not hold faxgate's rule/,
    );
    expect(result.out).toMatch(
      /FAIL {2}faxrocks token +SSM parameter \/faxgate\/faxrocks-token does not exist/,
    );
    expect(result.out).toMatch(
      /FAIL {2}alarms +the alarm topic has no confirmed subscriber \(1 pending confirmation\)/,
    );
    expect(result.out).toMatch(/FAIL {2}dead letters +3 mails in the dead-letter queue/);
    expect(result.out.split('\n').at(-1)).toMatch(/^5 of 8 checks failed, 1 warned\.$/);

    world.parameterExists = true;
    world.token = 'an-old-token';
    dns.mx.delete(domain);
    const stale = await cli({}, ['doctor'], options());
    expect(stale.out).toMatch(
      /FAIL {2}faxrocks token +SSM parameter \S+ exists, but faxrocks at \S+ refused the token \(HTTP 401\)/,
    );
    expect(stale.out).toMatch(/FAIL {2}mx +fax\.example\.com has no MX record \(ENOTFOUND\)/);
    expect(stale.out).not.toContain('an-old-token');

    const missing = await cli({}, ['doctor', '--stack', 'Nope'], options());
    expect(missing.code).toBe(exitCodes.notDone);
    expect(missing.out).toMatch(/FAIL {2}stack +Nope: Stack with id Nope does not exist/);
  });
});
