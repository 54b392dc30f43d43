// What both functions' composition roots (functions/handlers/inbound-deps.ts, functions/handlers/status-poller-deps.ts)
// are built from: the clients, and how the deployed functions make them from their environment
// (their handlers call deployedClients). The one-machine runtime hands in loopback clients and its
// outbox instead; the wiring is the same.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { optionalString, resourceNamesFromEnv } from '../config.ts';
import type { Clock, Log, Mailer, MetricsSink } from '../ports.ts';
import {
  DEFAULT_FAXROCKS_BASE_URL,
  type FaxrocksClientOptions,
  type TokenSource,
} from './faxrocks/client.ts';
import { tokenSourceFromEnv } from './faxrocks-token.ts';
import { SesMailer } from './ses-mailer.ts';
import { createLogger, PowertoolsMetricsSink } from './telemetry.ts';

type Env = Record<string, string | undefined>;

/** Where faxrocks is and how to authenticate (the FaxrocksClient's connection options). */
export type FaxrocksConnection = Pick<FaxrocksClientOptions, 'baseUrl' | 'token' | 'allowInsecureHttp'>;

/** The clients a function's dependencies are built from. */
export interface FunctionClients {
  dynamo: DynamoDBClient;
  faxrocks: FaxrocksConnection;
  /** Where replies go: SES on AWS, the outbox folder on one machine. */
  mailer: Mailer;
  log: Log;
  metrics: MetricsSink;
  /** @default systemClock */
  clock?: Clock;
}

/** Clients a test may hand the deployed wiring instead of the AWS ones. */
export interface DeployedClientOverrides {
  dynamo?: DynamoDBClient;
  s3?: S3Client;
  ses?: SESv2Client;
  token?: TokenSource;
  log?: Log;
  metrics?: MetricsSink;
}

/** FAXROCKS_API_URL (optional) and the token from FAXROCKS_TOKEN_PARAMETER or FAXROCKS_TOKEN_SECRET. */
export function faxrocksConnectionFromEnv(env: Env, token?: TokenSource): FaxrocksConnection {
  return {
    baseUrl: optionalString(env, 'FAXROCKS_API_URL') ?? DEFAULT_FAXROCKS_BASE_URL,
    token: token ?? tokenSourceFromEnv(env),
  };
}

/** SES v2, with SES_CONFIGURATION_SET (optional) for bounce and complaint events. */
export function sesMailerFromEnv(env: Env, ses: SESv2Client = new SESv2Client({})): SesMailer {
  const configurationSetName = resourceNamesFromEnv(env).sesConfigurationSet;
  return new SesMailer(ses, configurationSetName ? { configurationSetName } : {});
}

/**
 * The deployed function's clients: AWS SDK clients, the token store, Powertools telemetry. S3 only
 * when given: the inbound handler makes its own, the poller's comes with the S3 kit on first use.
 */
export function deployedClients(
  env: Env,
  serviceName: string,
  overrides: DeployedClientOverrides = {},
): FunctionClients & { s3?: S3Client } {
  return {
    dynamo: overrides.dynamo ?? new DynamoDBClient({}),
    ...(overrides.s3 ? { s3: overrides.s3 } : {}),
    faxrocks: faxrocksConnectionFromEnv(env, overrides.token),
    mailer: sesMailerFromEnv(env, overrides.ses),
    log: overrides.log ?? createLogger(serviceName),
    metrics: overrides.metrics ?? new PowertoolsMetricsSink(),
  };
}
