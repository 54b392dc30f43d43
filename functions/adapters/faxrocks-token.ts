// The faxrocks API token, read at run time from where the user put it: an SSM SecureString
// parameter or a Secrets Manager secret. Never in code, template, environment or logs.
//
// Read once and kept for the container's life (one SDK call per cold start); `refresh()` reads it
// again, which the faxrocks client does once after a 401 so a rotated token takes effect without a
// redeploy.

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../config.ts';
import { FaxgateError, TransientError } from '../errors.ts';
import type { TokenSource } from './faxrocks/client.ts';

/** The token could not be read. The message names the parameter or secret, never its value. */
export class TokenUnavailableError extends TransientError {}

/** The parameter or secret exists but holds nothing usable as a token. */
export class TokenMalformedError extends FaxgateError {}

/**
 * Caches one read; concurrent callers share the read in flight; a failed read is not cached.
 * Several calls that hit a 401 together refresh with one read, not one each.
 */
class CachedTokenSource implements TokenSource {
  #current: Promise<string> | undefined;
  #refreshing: Promise<string> | undefined;

  /** `where` names the parameter or secret in errors; `read` fetches its raw value. */
  constructor(
    protected readonly where: string,
    private readonly read: () => Promise<string | undefined>,
  ) {}

  get(): Promise<string> {
    this.#current ??= this.#load();
    return this.#current;
  }

  refresh(): Promise<string> {
    if (this.#refreshing) return this.#refreshing;
    const loading = this.#load();
    this.#current = loading;
    this.#refreshing = loading;
    const done = () => {
      if (this.#refreshing === loading) this.#refreshing = undefined;
    };
    loading.then(done, done);
    return loading;
  }

  #load(): Promise<string> {
    const loading = this.read().then(tokenFrom(this.where));
    loading.catch(() => {
      if (this.#current === loading) this.#current = undefined;
    });
    return loading;
  }
}

function tokenFrom(where: string) {
  return (raw: string | undefined): string => {
    const token = raw?.trim();
    if (!token) throw new TokenMalformedError(`${where} is empty`);
    if (/\s/.test(token)) throw new TokenMalformedError(`${where} holds more than one word`);
    return token;
  };
}

/** The SDK call, its failure named (the where, the SDK's error name) but never its message. */
async function readFrom<T>(where: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new TokenUnavailableError(`cannot read the faxrocks token from ${where}: ${errorName(error)}`, {
      cause: error,
    });
  }
}

/** An SSM Parameter Store SecureString (GetParameter WithDecryption). */
export class SsmParameterTokenSource extends CachedTokenSource {
  constructor(client: SSMClient, parameterName: string) {
    const where = `SSM parameter ${parameterName}`;
    super(where, async () => {
      const out = await readFrom(where, () =>
        client.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true })),
      );
      return out.Parameter?.Value;
    });
  }
}

/**
 * A Secrets Manager secret: either the plain token as SecretString, or a JSON object with a
 * `token` field (what the console's key/value editor produces).
 */
export class SecretsManagerTokenSource extends CachedTokenSource {
  constructor(client: SecretsManagerClient, secretId: string) {
    const where = `secret ${secretId}`;
    super(where, async () => {
      const out = await readFrom(where, () => client.send(new GetSecretValueCommand({ SecretId: secretId })));
      const secret = out.SecretString;
      return secret?.trimStart().startsWith('{') ? tokenField(where, secret) : secret;
    });
  }
}

function tokenField(where: string, secret: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    // Not echoing the parse error: its message quotes the secret.
    throw new TokenMalformedError(`${where} starts with "{" but is not valid JSON`);
  }
  const token = (parsed as { token?: unknown } | null)?.token;
  if (typeof token !== 'string') {
    throw new TokenMalformedError(`${where} is JSON without a string "token" field`);
  }
  return token;
}

// The SDK's error name (ParameterNotFound, AccessDeniedException, ...) says what went wrong; its
// message is left out on purpose, it adds nothing and is not ours to vouch for.
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown error';
}

type Env = Record<string, string | undefined>;

/**
 * The token source the deployed functions use, from `FAXROCKS_TOKEN_PARAMETER` (an SSM
 * SecureString name) or `FAXROCKS_TOKEN_SECRET` (a Secrets Manager name or ARN): exactly one.
 */
export function tokenSourceFromEnv(
  env: Env = process.env,
  clients: { ssm?: () => SSMClient; secretsManager?: () => SecretsManagerClient } = {},
): TokenSource {
  const parameter = env.FAXROCKS_TOKEN_PARAMETER?.trim();
  const secret = env.FAXROCKS_TOKEN_SECRET?.trim();
  if (parameter && secret) {
    throw new ConfigError('set only one of FAXROCKS_TOKEN_PARAMETER and FAXROCKS_TOKEN_SECRET');
  }
  if (parameter) return new SsmParameterTokenSource((clients.ssm ?? (() => new SSMClient({})))(), parameter);
  if (secret) {
    return new SecretsManagerTokenSource(
      (clients.secretsManager ?? (() => new SecretsManagerClient({})))(),
      secret,
    );
  }
  throw new ConfigError('FAXROCKS_TOKEN_PARAMETER or FAXROCKS_TOKEN_SECRET must be set');
}
