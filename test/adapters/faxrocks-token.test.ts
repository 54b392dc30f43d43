// The token sources against a loopback stand-in that speaks the SSM and Secrets Manager JSON
// protocols (POST /, X-Amz-Target), through the real SDK clients.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SecretsManagerTokenSource,
  SsmParameterTokenSource,
  TokenMalformedError,
  TokenUnavailableError,
  tokenSourceFromEnv,
} from '../../functions/adapters/faxrocks-token.ts';
import { ConfigError } from '../../functions/config.ts';

interface SeenRequest {
  target: string;
  body: Record<string, unknown>;
}

/** Parameters and secrets by name; every request is recorded. */
class ParameterStandIn {
  readonly parameters = new Map<string, string>();
  readonly secrets = new Map<string, string>();
  readonly seen: SeenRequest[] = [];
  denyAll = false;
  #server: Server | undefined;
  endpoint = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      void readJson(req).then((body) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        this.seen.push({ target, body });
        const { status, payload } = this.#answer(target, body);
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  #answer(target: string, body: Record<string, unknown>): { status: number; payload: unknown } {
    if (this.denyAll) {
      return { status: 400, payload: { __type: 'AccessDeniedException', message: 'not authorized' } };
    }
    if (target === 'AmazonSSM.GetParameter') {
      const name = String(body.Name);
      const value = this.parameters.get(name);
      if (value === undefined) return { status: 400, payload: { __type: 'ParameterNotFound', message: '' } };
      return {
        status: 200,
        payload: { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } },
      };
    }
    if (target === 'secretsmanager.GetSecretValue') {
      const id = String(body.SecretId);
      const value = this.secrets.get(id);
      if (value === undefined) {
        return {
          status: 400,
          payload: { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the secret." },
        };
      }
      return {
        status: 200,
        payload: {
          ARN: `arn:aws:secretsmanager:us-east-1:1:secret:${id}-AbCdEf`,
          Name: id,
          SecretString: value,
        },
      };
    }
    return { status: 400, payload: { __type: 'UnknownOperationException', message: target } };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.#server?.close((e) => (e ? reject(e) : resolve())));
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const standIn = new ParameterStandIn();
let ssm: SSMClient;
let secretsManager: SecretsManagerClient;

beforeAll(async () => {
  await standIn.start();
  // One attempt: the stand-in answers at once, and retries would only blur the request counts.
  const config = {
    region: 'us-east-1',
    endpoint: standIn.endpoint,
    credentials: { accessKeyId: 'AKIAFAXGATETEST', secretAccessKey: 'not-a-secret' },
    maxAttempts: 1,
  };
  ssm = new SSMClient(config);
  secretsManager = new SecretsManagerClient(config);
});

afterAll(async () => {
  ssm.destroy();
  secretsManager.destroy();
  await standIn.close();
});

beforeEach(() => {
  standIn.parameters.clear();
  standIn.secrets.clear();
  standIn.seen.length = 0;
  standIn.denyAll = false;
});

describe('SsmParameterTokenSource', () => {
  it('reads the SecureString with decryption, trimmed', async () => {
    standIn.parameters.set('/faxgate/faxrocks-token', 'tok-123\n');
    const source = new SsmParameterTokenSource(ssm, '/faxgate/faxrocks-token');

    expect(await source.get()).toBe('tok-123');
    expect(standIn.seen).toEqual([
      { target: 'AmazonSSM.GetParameter', body: { Name: '/faxgate/faxrocks-token', WithDecryption: true } },
    ]);
  });

  it('keeps the token for the container life and shares a read in flight', async () => {
    standIn.parameters.set('tok', 'first');
    const source = new SsmParameterTokenSource(ssm, 'tok');

    const together = await Promise.all([source.get(), source.get(), source.get()]);
    expect(together).toEqual(['first', 'first', 'first']);
    standIn.parameters.set('tok', 'second');
    expect(await source.get()).toBe('first');
    expect(standIn.seen).toHaveLength(1);
  });

  it('reads again on refresh, and later gets return the new token', async () => {
    standIn.parameters.set('tok', 'old');
    const source = new SsmParameterTokenSource(ssm, 'tok');
    expect(await source.get()).toBe('old');

    standIn.parameters.set('tok', 'rotated');
    expect(await source.refresh()).toBe('rotated');
    expect(await source.get()).toBe('rotated');
    expect(standIn.seen).toHaveLength(2);
  });

  it('refreshes once for callers that hit a 401 together', async () => {
    standIn.parameters.set('tok', 'old');
    const source = new SsmParameterTokenSource(ssm, 'tok');
    await source.get();
    standIn.parameters.set('tok', 'new');

    expect(await Promise.all([source.refresh(), source.refresh(), source.refresh()])).toEqual([
      'new',
      'new',
      'new',
    ]);
    expect(standIn.seen).toHaveLength(2);
    // Once settled, a later 401 reads again.
    standIn.parameters.set('tok', 'newer');
    expect(await source.refresh()).toBe('newer');
    expect(standIn.seen).toHaveLength(3);
  });

  it('names the parameter on failure and does not cache the failure', async () => {
    const source = new SsmParameterTokenSource(ssm, '/faxgate/missing');

    const error = await source.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as Error).message).toBe(
      'cannot read the faxrocks token from SSM parameter /faxgate/missing: ParameterNotFound',
    );

    standIn.parameters.set('/faxgate/missing', 'now-there');
    expect(await source.get()).toBe('now-there');
  });

  it('refuses an empty parameter without quoting it', async () => {
    standIn.parameters.set('blank', '   ');
    const error = await new SsmParameterTokenSource(ssm, 'blank').get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenMalformedError);
    expect((error as Error).message).toBe('SSM parameter blank is empty');
  });

  it('reports access denied by name only', async () => {
    standIn.parameters.set('tok', 'secret-value');
    standIn.denyAll = true;
    const error = await new SsmParameterTokenSource(ssm, 'tok').get().catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'cannot read the faxrocks token from SSM parameter tok: AccessDeniedException',
    );
  });
});

describe('SecretsManagerTokenSource', () => {
  it('reads a plain SecretString', async () => {
    standIn.secrets.set('faxgate/faxrocks', ' plain-token ');
    const source = new SecretsManagerTokenSource(secretsManager, 'faxgate/faxrocks');

    expect(await source.get()).toBe('plain-token');
    expect(standIn.seen).toEqual([
      { target: 'secretsmanager.GetSecretValue', body: { SecretId: 'faxgate/faxrocks' } },
    ]);
  });

  it('reads the token field of a key/value secret', async () => {
    standIn.secrets.set('kv', JSON.stringify({ token: 'from-json', note: 'faxrocks' }));
    expect(await new SecretsManagerTokenSource(secretsManager, 'kv').get()).toBe('from-json');
  });

  it('refuses JSON without a token field, without quoting the secret', async () => {
    standIn.secrets.set('kv', JSON.stringify({ apiKey: 'hidden-value' }));
    const error = await new SecretsManagerTokenSource(secretsManager, 'kv').get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenMalformedError);
    expect((error as Error).message).toBe('secret kv is JSON without a string "token" field');
    expect((error as Error).message).not.toContain('hidden-value');
  });

  it('refuses broken JSON without quoting the secret', async () => {
    standIn.secrets.set('kv', '{"token": "hidden-value"');
    const error = await new SecretsManagerTokenSource(secretsManager, 'kv').get().catch((e: unknown) => e);
    expect((error as Error).message).toBe('secret kv starts with "{" but is not valid JSON');
  });

  it('names a missing secret', async () => {
    const error = await new SecretsManagerTokenSource(secretsManager, 'nope').get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as Error).message).toBe(
      'cannot read the faxrocks token from secret nope: ResourceNotFoundException',
    );
  });

  it('re-reads a rotated secret on refresh', async () => {
    standIn.secrets.set('s', 'v1');
    const source = new SecretsManagerTokenSource(secretsManager, 's');
    expect(await source.get()).toBe('v1');
    standIn.secrets.set('s', 'v2');
    expect(await source.refresh()).toBe('v2');
  });
});

describe('tokenSourceFromEnv', () => {
  const clients = { ssm: () => ssm, secretsManager: () => secretsManager };

  it('uses the SSM parameter named by FAXROCKS_TOKEN_PARAMETER', async () => {
    standIn.parameters.set('/p', 'via-ssm');
    const source = tokenSourceFromEnv({ FAXROCKS_TOKEN_PARAMETER: '/p' }, clients);
    expect(source).toBeInstanceOf(SsmParameterTokenSource);
    expect(await source.get()).toBe('via-ssm');
  });

  it('uses the secret named by FAXROCKS_TOKEN_SECRET', async () => {
    standIn.secrets.set('s', 'via-secret');
    const source = tokenSourceFromEnv({ FAXROCKS_TOKEN_SECRET: 's' }, clients);
    expect(source).toBeInstanceOf(SecretsManagerTokenSource);
    expect(await source.get()).toBe('via-secret');
  });

  it('wants exactly one of the two', () => {
    expect(() => tokenSourceFromEnv({}, clients)).toThrow(
      new ConfigError('FAXROCKS_TOKEN_PARAMETER or FAXROCKS_TOKEN_SECRET must be set'),
    );
    expect(() =>
      tokenSourceFromEnv({ FAXROCKS_TOKEN_PARAMETER: '/p', FAXROCKS_TOKEN_SECRET: 's' }, clients),
    ).toThrow(new ConfigError('set only one of FAXROCKS_TOKEN_PARAMETER and FAXROCKS_TOKEN_SECRET'));
  });
});
