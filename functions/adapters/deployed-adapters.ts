// The adapters both deployed functions build the same way from their environment, in one place so
// the two handlers cannot drift apart.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { optionalString } from '../config.ts';
import type { Log } from '../ports.ts';
import { DEFAULT_FAXROCKS_BASE_URL, FaxrocksClient, type TokenSource } from './faxrocks/client.ts';
import { tokenSourceFromEnv } from './faxrocks-token.ts';
import { SesMailer } from './ses-mailer.ts';

type Env = Record<string, string | undefined>;

export function documentClient(dynamo: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
}

/** FAXROCKS_API_URL (optional) and the token from FAXROCKS_TOKEN_PARAMETER or FAXROCKS_TOKEN_SECRET. */
export function faxrocksClientFromEnv(env: Env, log: Log, token?: TokenSource): FaxrocksClient {
  return new FaxrocksClient({
    baseUrl: optionalString(env, 'FAXROCKS_API_URL') ?? DEFAULT_FAXROCKS_BASE_URL,
    token: token ?? tokenSourceFromEnv(env),
    log,
  });
}

/** SES v2, with SES_CONFIGURATION_SET (optional) for bounce and complaint events. */
export function sesMailerFromEnv(env: Env, ses: SESv2Client = new SESv2Client({})): SesMailer {
  const configurationSetName = optionalString(env, 'SES_CONFIGURATION_SET');
  return new SesMailer(ses, configurationSetName ? { configurationSetName } : {});
}
