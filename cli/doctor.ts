// `faxgate doctor`: checks that a deployment (or npm start) is wired right and says what to fix, one
// line per check. Each check is a small function returning pass, warn or fail with one sentence;
// none stops the others.

import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeActiveReceiptRuleSetCommand, SESClient } from '@aws-sdk/client-ses';
import { GetAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { jobsTableSchema } from '../functions/adapters/table-schema.ts';
import { FolderDeadLetters } from './dead-letters.ts';
import type { LocalTarget, Target } from './target.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  check: string;
  detail: string;
}

export interface DoctorOptions {
  /** DNS servers to ask (`127.0.0.1:5353`); default the system's. */
  dnsServers?: string[];
  /** Time limit of each network probe (SMTP banner, faxrocks). */
  timeoutMs?: number;
}

type Check = () => Promise<CheckResult>;

const pass = (check: string, detail: string): CheckResult => ({ status: 'pass', check, detail });
const warn = (check: string, detail: string): CheckResult => ({ status: 'warn', check, detail });
const fail = (check: string, detail: string): CheckResult => ({ status: 'fail', check, detail });

function errorText(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string };
  const text = e.message || e.code || e.name || String(error);
  return /ECONNREFUSED/.test(text) ? 'connection refused' : text;
}

/** The first line an SMTP server sends, or why there was none. */
export async function smtpGreeting(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no greeting within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) {
        clearTimeout(timer);
        socket.end('QUIT\r\n');
        resolve(text.split(/\r?\n/)[0] ?? '');
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** GET /user with the token: the account's name, never the token. */
export async function faxrocksAccount(baseUrl: string, token: string, timeoutMs: number): Promise<string> {
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/user`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status === 401 || response.status === 403) {
    throw new Error(`faxrocks at ${baseUrl} refused the token (HTTP ${response.status})`);
  }
  if (!response.ok) throw new Error(`faxrocks at ${baseUrl} answered HTTP ${response.status} to GET /user`);
  const user = (await response.json()) as { name?: string; email?: string };
  return `${user.name ?? '?'}${user.email ? ` <${user.email}>` : ''}`;
}

function tableCheck(client: DynamoDBClient, table: string, what: string, indexes: string[]): Check {
  return async () => {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
      const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
      const missing = indexes.filter((i) => !present.has(i));
      if (missing.length > 0) {
        return fail(
          what,
          `${table} lacks the index ${missing.join(', ')}: deploy (or start) this version of faxgate`,
        );
      }
      return pass(what, `${table} is ${Table?.TableStatus ?? 'there'}`);
    } catch (error) {
      return fail(what, `${table}: ${errorText(error)}`);
    }
  };
}

const jobsIndexes = [
  jobsTableSchema.openJobsIndex.name,
  jobsTableSchema.mailsByDayIndex.name,
  jobsTableSchema.mailReferenceIndex.name,
];

function localChecks(
  place: LocalTarget,
  clients: { dynamo: DynamoDBClient; s3: S3Client },
  options: Required<DoctorOptions>,
): Check[] {
  const { config } = place;
  const { dynamo, s3 } = clients;
  return [
    async () => {
      try {
        const greeting = await smtpGreeting(config.host, config.smtpPort, options.timeoutMs);
        if (!/faxgate/i.test(greeting)) {
          return fail(
            'smtp',
            `port ${config.smtpPort} on ${config.host} is served by another program ("${greeting.slice(0, 80)}"): stop it, or start faxgate with FAXGATE_SMTP_PORT set to a free port`,
          );
        }
        return pass('smtp', `faxgate answers on ${config.host}:${config.smtpPort}`);
      } catch (error) {
        return fail(
          'smtp',
          `nothing answers on ${config.host}:${config.smtpPort} (${errorText(error)}): is "npm start" running?`,
        );
      }
    },
    async () => {
      try {
        await dynamo.send(new DescribeTableCommand({ TableName: config.sendersTable }));
        return pass('dynamodb', `the DynamoDB stand-in answers at ${place.dynamodbEndpoint}`);
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') {
          return pass('dynamodb', `the DynamoDB stand-in answers at ${place.dynamodbEndpoint}`);
        }
        return fail(
          'dynamodb',
          `no DynamoDB stand-in at ${place.dynamodbEndpoint} (${errorText(error)}): is "npm start" running?`,
        );
      }
    },
    tableCheck(dynamo, config.jobsTable, 'jobs table', jobsIndexes),
    tableCheck(dynamo, config.sendersTable, 'senders table', []),
    async () => {
      try {
        await s3.send(new HeadBucketCommand({ Bucket: config.bucket }));
        return pass('s3', `bucket ${config.bucket} at ${place.s3Endpoint}`);
      } catch (error) {
        return fail(
          's3',
          `bucket ${config.bucket} at ${place.s3Endpoint}: ${errorText(error) || 'not found'}`,
        );
      }
    },
    async () => {
      const which = place.faxrocks.sandbox ? 'sandbox' : 'FAXROCKS_API_URL';
      try {
        const account = await faxrocksAccount(place.faxrocks.url, place.faxrocks.token, options.timeoutMs);
        return pass('faxrocks', `${which} ${place.faxrocks.url} accepts the token: account ${account}`);
      } catch (error) {
        const fix = place.faxrocks.sandbox
          ? 'FAXGATE_SANDBOX_TOKEN must match the one npm start was started with'
          : 'check FAXROCKS_API_TOKEN';
        return fail('faxrocks', `${errorText(error)}: ${fix}`);
      }
    },
    async () => {
      const letters = await new FolderDeadLetters(place.deadLetterDir).list();
      return letters.length === 0
        ? pass('dead letters', 'none')
        : warn(
            'dead letters',
            `${letters.length} in ${place.deadLetterDir}: see "faxgate dead-letters list --local"`,
          );
    },
  ];
}

function stackChecks(target: Target, options: Required<DoctorOptions>): Check[] {
  if (target.place.kind !== 'stack') return [];
  const { stackName } = target.place;
  const config = (service: Parameters<Target['clientConfig']>[0]) => target.clientConfig(service);
  const output = (name: string) => target.output(name);
  const needOutput = async (name: string): Promise<string> => {
    const value = await output(name);
    if (!value) throw new Error(`the stack has no ${name} output (deploy this version of faxgate)`);
    return value;
  };
  const region = async () => {
    const client = new SQSClient(config('sqs'));
    try {
      return String(await client.config.region());
    } finally {
      client.destroy();
    }
  };
  const guarded =
    (check: string, run: () => Promise<CheckResult>): Check =>
    async () => {
      try {
        return await run();
      } catch (error) {
        return fail(check, errorText(error));
      }
    };
  return [
    guarded('stack', async () => {
      const client = new CloudFormationClient(config('cloudformation'));
      try {
        const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
        const status = Stacks?.[0]?.StackStatus ?? 'UNKNOWN';
        return /(_COMPLETE)$/.test(status) && !/ROLLBACK|DELETE/.test(status)
          ? pass('stack', `${stackName} is ${status}`)
          : fail('stack', `${stackName} is ${status}: look at its events in the CloudFormation console`);
      } catch (error) {
        return fail('stack', `${stackName}: ${errorText(error)}: deploy it, or name it with --stack`);
      } finally {
        client.destroy();
      }
    }),
    guarded('receipt rule', async () => {
      const ruleSet = await needOutput('ReceiptRuleSetName');
      const rule = await output('ReceiptRuleName');
      const client = new SESClient(config('ses'));
      try {
        const active = await client.send(new DescribeActiveReceiptRuleSetCommand({}));
        const name = active.Metadata?.Name;
        if (!name)
          return fail('receipt rule', `no receipt rule set is active: make ${ruleSet} active in SES`);
        const rules = (active.Rules ?? []).map((r) => r.Name);
        if (rule ? rules.includes(rule) : name === ruleSet) {
          const found = (active.Rules ?? []).find((r) => r.Name === rule);
          if (found && found.Enabled === false) return fail('receipt rule', `${rule} in ${name} is disabled`);
          return pass('receipt rule', `${name} is active and holds ${rule ?? 'the rule'}`);
        }
        return fail(
          'receipt rule',
          `the active rule set ${name} does not hold faxgate's rule${rule ? ` ${rule}` : ''}: make ${ruleSet} active, or add the rule to ${name}`,
        );
      } finally {
        client.destroy();
      }
    }),
    guarded('mx', async () => {
      const domain = await needOutput('FaxDomain');
      const expected = `inbound-smtp.${await region()}.amazonaws.com`;
      const resolver = new Resolver({ timeout: options.timeoutMs, tries: 2 });
      if (options.dnsServers.length > 0) resolver.setServers(options.dnsServers);
      let records: { exchange: string; priority: number }[];
      try {
        records = await resolver.resolveMx(domain);
      } catch (error) {
        return fail(
          'mx',
          `${domain} has no MX record (${(error as { code?: string }).code ?? errorText(error)}): add "MX 10 ${expected}"`,
        );
      }
      const exchanges = records
        .sort((a, b) => a.priority - b.priority)
        .map((r) => r.exchange.toLowerCase().replace(/\.$/, ''));
      if (exchanges[0] === expected) return pass('mx', `${domain} MX ${expected}`);
      if (exchanges.includes(expected)) {
        return warn(
          'mx',
          `${domain} MX lists ${expected}, but ${exchanges[0]} is preferred: mail may not reach SES`,
        );
      }
      return fail('mx', `${domain} MX is ${exchanges.join(', ')}, not ${expected}: set "MX 10 ${expected}"`);
    }),
    guarded('ses identity', async () => {
      const domain = await needOutput('FaxDomain');
      const replyFrom = (await output('ReplyFrom')) ?? `fax@${domain}`;
      const identity = replyFrom.split('@').pop() ?? domain;
      const client = new SESv2Client(config('sesv2'));
      try {
        const found = await client.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
        if (!found.VerifiedForSendingStatus) {
          return fail(
            'ses identity',
            `${identity} is not verified (${found.VerificationStatus ?? 'pending'}): publish its DKIM records (stack outputs DkimRecord1-3)`,
          );
        }
        if (!found.DkimAttributes?.SigningEnabled || found.DkimAttributes.Status !== 'SUCCESS') {
          return warn(
            'ses identity',
            `${identity} is verified but DKIM is ${found.DkimAttributes?.Status ?? 'off'}: replies may land in spam`,
          );
        }
        return pass('ses identity', `${identity} is verified, DKIM on`);
      } catch (error) {
        if ((error as { name?: string }).name === 'NotFoundException') {
          return fail(
            'ses identity',
            `${identity} is not an SES identity: create it (the stack does with createDomainIdentity)`,
          );
        }
        throw error;
      } finally {
        client.destroy();
      }
    }),
    guarded('ses sending', async () => {
      const client = new SESv2Client(config('sesv2'));
      try {
        const account = await client.send(new GetAccountCommand({}));
        if (account.SendingEnabled === false)
          return fail('ses sending', 'sending is disabled for this account');
        return account.ProductionAccessEnabled
          ? pass('ses sending', 'out of the SES sandbox')
          : warn(
              'ses sending',
              'SES is in its sandbox: replies only reach verified addresses (request production access)',
            );
      } finally {
        client.destroy();
      }
    }),
    guarded('faxrocks token', async () => {
      const parameter = await output('TokenParameterName');
      const secret = await output('TokenSecretName');
      let token: string | undefined;
      let where: string;
      if (parameter) {
        where = `SSM parameter ${parameter}`;
        const client = new SSMClient(config('ssm'));
        try {
          token = (await client.send(new GetParameterCommand({ Name: parameter, WithDecryption: true })))
            .Parameter?.Value;
        } catch (error) {
          if ((error as { name?: string }).name === 'ParameterNotFound') {
            return fail(
              'faxrocks token',
              `${where} does not exist: aws ssm put-parameter --type SecureString --name ${parameter} --value <token>`,
            );
          }
          throw error;
        } finally {
          client.destroy();
        }
      } else if (secret) {
        where = `secret ${secret}`;
        const client = new SecretsManagerClient(config('secretsmanager'));
        try {
          token = (await client.send(new GetSecretValueCommand({ SecretId: secret }))).SecretString;
        } finally {
          client.destroy();
        }
      } else {
        throw new Error('the stack names no token parameter or secret (deploy this version of faxgate)');
      }
      if (!token) return fail('faxrocks token', `${where} is empty`);
      const url = (await output('FaxrocksApiUrl')) ?? 'https://faxrocks.com/api';
      try {
        const account = await faxrocksAccount(url, token.trim(), options.timeoutMs);
        return pass('faxrocks token', `${where} exists and faxrocks accepts it: account ${account}`);
      } catch (error) {
        return fail(
          'faxrocks token',
          `${where} exists, but ${errorText(error)}: put the current token into it`,
        );
      }
    }),
    guarded('alarms', async () => {
      const topic = await needOutput('AlarmTopicArn');
      const sns = new SNSClient(config('sns'));
      const cloudwatch = new CloudWatchClient(config('cloudwatch'));
      try {
        const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
        const confirmed = (Subscriptions ?? []).filter(
          (s) => s.SubscriptionArn && s.SubscriptionArn !== 'PendingConfirmation',
        );
        const pending = (Subscriptions ?? []).length - confirmed.length;
        const { MetricAlarms } = await cloudwatch.send(new DescribeAlarmsCommand({ ActionPrefix: topic }));
        const firing = (MetricAlarms ?? []).filter((a) => a.StateValue === 'ALARM').map((a) => a.AlarmName);
        const alarms = `${(MetricAlarms ?? []).length} alarms notify it${firing.length > 0 ? `, in ALARM: ${firing.join(', ')}` : ''}`;
        if (confirmed.length === 0) {
          return fail(
            'alarms',
            `the alarm topic has no confirmed subscriber${pending > 0 ? ` (${pending} pending confirmation)` : ''}: nobody hears the alarms (${alarms}); deploy with -c alarmEmail=you@example.com`,
          );
        }
        const summary = `${confirmed.map((s) => `${s.Protocol} ${s.Endpoint}`).join(', ')}; ${alarms}`;
        return firing.length > 0 ? warn('alarms', summary) : pass('alarms', summary);
      } finally {
        sns.destroy();
        cloudwatch.destroy();
      }
    }),
    guarded('dead letters', async () => {
      const url = await needOutput('DeadLetterQueueUrl');
      const client = new SQSClient(config('sqs'));
      try {
        const { Attributes } = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        const count = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
        return count === 0
          ? pass('dead letters', 'the dead-letter queue is empty')
          : fail('dead letters', `${count} mails in the dead-letter queue: see "faxgate dead-letters list"`);
      } finally {
        client.destroy();
      }
    }),
  ];
}

/** Runs every check in order; the exit code is 0 only when none failed. */
export async function runDoctorChecks(target: Target, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const settings = { dnsServers: options.dnsServers ?? [], timeoutMs: options.timeoutMs ?? 5000 };
  const results: CheckResult[] = [];
  if (target.place.kind === 'local') {
    const clients = {
      dynamo: new DynamoDBClient(target.clientConfig('dynamodb')),
      s3: new S3Client(target.clientConfig('s3')),
    };
    try {
      for (const check of localChecks(target.place, clients, settings)) results.push(await check());
    } finally {
      clients.dynamo.destroy();
      clients.s3.destroy();
    }
    return results;
  }
  for (const check of stackChecks(target, settings)) results.push(await check());
  return results;
}

export function renderCheck(result: CheckResult): string {
  return `${result.status.toUpperCase().padEnd(4)}  ${result.check.padEnd(14)}  ${result.detail}`;
}
