// Where a command acts: the one-machine runtime (--local) or a deployed stack, whose resource names
// come from its CloudFormation outputs (--stack, FAXGATE_STACK, default "Faxgate"); --table and
// --jobs-table name tables directly for unusual setups. The stand-ins' own modules are loaded only
// for --local, so a command against AWS never loads dynalite or s3rver.

import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalConfig } from '../local/local-config.ts';

export type Env = Record<string, string | undefined>;

/** The stack name `infra/app.ts` uses when `-c stackName=` is not given. */
export const DEFAULT_STACK_NAME = 'Faxgate';

/** The AWS services the CLI talks to, by the SDK's endpoint-variable name. */
export type AwsService =
  | 'cloudformation'
  | 'dynamodb'
  | 's3'
  | 'sqs'
  | 'ssm'
  | 'secretsmanager'
  | 'ses'
  | 'sesv2'
  | 'sns'
  | 'cloudwatch'
  | 'lambda';

/**
 * How AWS clients are made. The installed command leaves all to the SDK (credential chain, region,
 * AWS_ENDPOINT_URL_* variables); tests point every service at a loopback endpoint.
 */
export interface AwsClientSettings {
  region?: string;
  endpoints?: Partial<Record<AwsService, string>>;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface TargetOptions {
  local?: boolean;
  stack?: string;
  table?: string;
  jobsTable?: string;
  region?: string;
}

/** A usage mistake: one sentence, exit 2. */
export class UsageError extends Error {}

/** A needed resource or API could not be reached: one sentence, exit 3. */
export class UnreachableError extends Error {}

export interface LocalTarget {
  kind: 'local';
  config: LocalConfig;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** The faxrocks API npm start uses: its sandbox, or FAXROCKS_API_URL. */
  faxrocks: { url: string; token: string; sandbox: boolean };
  deadLetterDir: string;
  queueDir: string;
  outboxDir: string;
}

export interface StackTarget {
  kind: 'stack';
  stackName: string;
  aws: AwsClientSettings;
}

export interface Target {
  /** For messages: where the command acts. */
  where: string;
  place: LocalTarget | StackTarget;
  /** A client config for one AWS service (local stand-in or AWS). */
  clientConfig(service: AwsService): Record<string, unknown>;
  /** The document client on the target's DynamoDB (made once, destroyed by close). */
  documents(): DynamoDBDocumentClient;
  sendersTable(): Promise<string>;
  jobsTable(): Promise<string>;
  /** One stack output (AWS) by its logical name; undefined when the stack has none by that name. */
  output(name: string): Promise<string | undefined>;
  close(): void;
}

/** The stack outputs by name, read once per command through DescribeStacks. */
export async function readStackOutputs(
  client: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string>> {
  let stacks: Stack[] | undefined;
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if ((error as { name?: string }).name === 'ValidationError' && /does not exist/i.test(message)) {
      throw new UnreachableError(
        `The stack ${stackName} does not exist in ${String(await client.config.region())}: deploy it, or name it with --stack or FAXGATE_STACK.`,
      );
    }
    throw error;
  }
  const stack = stacks?.[0];
  if (!stack) throw new UnreachableError(`The stack ${stackName} was not found.`);
  return Object.fromEntries(
    (stack.Outputs ?? []).flatMap((o) =>
      o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
    ),
  );
}

export async function resolveTarget(
  options: TargetOptions,
  env: Env,
  aws: AwsClientSettings = {},
): Promise<Target> {
  if (options.local && (options.stack || options.region)) {
    throw new UsageError(`--${options.stack ? 'stack' : 'region'} does not apply to --local.`);
  }
  let documents: DynamoDBDocumentClient | undefined;
  const closers: (() => void)[] = [];
  const makeDocuments = (config: Record<string, unknown>) => {
    documents ??= DynamoDBDocumentClient.from(new DynamoDBClient(config), {
      marshallOptions: { removeUndefinedValues: true },
    });
    closers.push(() => documents?.destroy());
    return documents;
  };
  const close = () => {
    for (const c of closers.splice(0)) c();
  };

  if (options.local) {
    const { localConfigFromEnv } = await import('../local/local-config.ts');
    const { localAwsClientConfig } = await import('../local/stand-ins.ts');
    let config: LocalConfig;
    try {
      config = localConfigFromEnv(env);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const dynamodbEndpoint = env.FAXGATE_DYNAMODB_ENDPOINT?.trim() || `http://${host}:${config.dynamodbPort}`;
    const s3Endpoint = env.FAXGATE_S3_ENDPOINT?.trim() || `http://${host}:${config.s3Port}`;
    const place: LocalTarget = {
      kind: 'local',
      config: {
        ...config,
        jobsTable: options.jobsTable ?? config.jobsTable,
        sendersTable: options.table ?? config.sendersTable,
      },
      dynamodbEndpoint,
      s3Endpoint,
      faxrocks: config.externalFaxrocks
        ? { ...config.externalFaxrocks, sandbox: false }
        : { url: `http://${host}:${config.sandboxPort}/api`, token: config.sandboxToken, sandbox: true },
      deadLetterDir: join(config.dataDir, 'dead-letter'),
      queueDir: join(config.dataDir, 'queue'),
      outboxDir: join(config.dataDir, 'outbox'),
    };
    const clientConfig = (service: AwsService) =>
      // One attempt: the local stand-ins are either up or not, and the answer should be immediate.
      ({ ...localAwsClientConfig(service === 's3' ? s3Endpoint : dynamodbEndpoint), maxAttempts: 1 });
    return {
      where: dynamodbEndpoint,
      place,
      clientConfig,
      documents: () => makeDocuments(clientConfig('dynamodb')),
      sendersTable: async () => place.config.sendersTable,
      jobsTable: async () => place.config.jobsTable,
      output: async () => undefined,
      close,
    };
  }

  const stackName = options.stack?.trim() || env.FAXGATE_STACK?.trim() || DEFAULT_STACK_NAME;
  const region = options.region ?? aws.region;
  const settings: AwsClientSettings = { ...aws, ...(region ? { region } : {}) };
  const clientConfig = (service: AwsService): Record<string, unknown> => ({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(settings.endpoints?.[service] ? { endpoint: settings.endpoints[service] } : {}),
  });
  let outputs: Promise<Record<string, string>> | undefined;
  const output = async (name: string) => {
    outputs ??= (async () => {
      const client = new CloudFormationClient(clientConfig('cloudformation'));
      try {
        return await readStackOutputs(client, stackName);
      } finally {
        client.destroy();
      }
    })();
    return (await outputs)[name];
  };
  const required = async (name: string, option: string) => {
    const value = await output(name);
    if (!value) {
      throw new UnreachableError(
        `The stack ${stackName} has no ${name} output: deploy this version of faxgate, or give ${option}.`,
      );
    }
    return value;
  };
  return {
    where: `stack ${stackName}${region ? ` in ${region}` : ''}`,
    place: { kind: 'stack', stackName, aws: settings },
    clientConfig,
    documents: () => makeDocuments(clientConfig('dynamodb')),
    sendersTable: async () =>
      options.table ?? env.SENDERS_TABLE?.trim() ?? (await required('SendersTableName', '--table')),
    jobsTable: async () =>
      options.jobsTable ?? env.JOBS_TABLE?.trim() ?? (await required('JobsTableName', '--jobs-table')),
    output,
    close,
  };
}

/** One clear sentence for an API that did not answer, never a stack trace. */
export function unreachableMessage(error: unknown, target: Target, what: string): string {
  if (error instanceof UnreachableError || error instanceof UsageError) return error.message;
  const name = (error as { name?: string }).name ?? '';
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  const local = target.place.kind === 'local';
  if (name === 'ResourceNotFoundException') {
    return local
      ? `The ${what} does not exist at ${target.where}: start the gateway once with "npm start".`
      : `The ${what} does not exist in ${target.where}: check --stack, --region and the table options.`;
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return `No usable AWS credentials to reach the ${what} (${message}); configure them as for the AWS CLI, or use --local.`;
  }
  if (/region/i.test(message) && !local) return 'No AWS region: pass --region or set AWS_REGION.';
  if (local && (code === 'ECONNREFUSED' || /ECONNREFUSED|connect/i.test(message))) {
    return `Cannot reach the local ${what.includes('bucket') ? 'S3' : 'DynamoDB'} at ${target.where}: is "npm start" running?`;
  }
  return `Cannot reach the ${what} in ${target.where}: ${message}`;
}
