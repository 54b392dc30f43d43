import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/config.ts';
import { localConfigFromEnv } from '../../local/local-config.ts';

describe('local configuration', () => {
  it('has a default for every port, folder and name', () => {
    const config = localConfigFromEnv({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      dataDir: resolve('.faxgate'),
      smtpPort: 2525,
      s3Port: 4569,
      dynamodbPort: 4570,
      sandboxPort: 8787,
      bucket: 'faxgate-mail',
      jobsTable: 'faxgate-jobs',
      sendersTable: 'faxgate-senders',
      maxMessageBytes: 40 * 1024 * 1024,
      pollSeconds: 10,
      queue: { batchSize: 10, visibilityTimeoutMs: 10_000, maxReceiveCount: 30, maxConcurrency: 4 },
      sesStamp: {
        region: 'us-east-1',
        spamVerdict: 'PASS',
        virusVerdict: 'PASS',
        spf: 'pass',
        dkim: 'none',
        dmarc: 'auto',
      },
      policy: { faxDomain: 'fax.localhost', replyFrom: 'fax@fax.localhost' },
    });
    expect(config.externalFaxrocks).toBeUndefined();
    expect(config.smtpRelay).toBeUndefined();
  });

  it('reads every setting from its variable', () => {
    const config = localConfigFromEnv({
      FAXGATE_DATA_DIR: '/tmp/fg',
      FAXGATE_SMTP_PORT: '2526',
      FAXGATE_S3_PORT: '0',
      FAX_DOMAIN: 'Fax.Example.COM',
      FAXGATE_BUCKET: 'my-mail',
      JOBS_TABLE: 'jobs',
      SENDERS_TABLE: 'senders',
      DEFAULT_COUNTRY: 'de',
      FAXGATE_POLL_SECONDS: '2.5',
      SANDBOX_DELIVERY_DELAY_MS: '0',
      FAXROCKS_API_URL: 'https://faxrocks.com/api',
      FAXROCKS_API_TOKEN: 'secret',
      FAXGATE_SMTP_RELAY: 'smtp://user:pw@127.0.0.1:1025',
      FAXGATE_QUEUE_MAX_RECEIVE_COUNT: '5',
      FAXGATE_INBOUND_CONCURRENCY: '1',
      FAXGATE_SES_SPAM_VERDICT: 'fail',
      FAXGATE_SES_DMARC: 'NONE',
    });
    expect(config).toMatchObject({
      dataDir: '/tmp/fg',
      smtpPort: 2526,
      s3Port: 0,
      bucket: 'my-mail',
      jobsTable: 'jobs',
      sendersTable: 'senders',
      pollSeconds: 2.5,
      sandboxDeliveryDelayMs: 0,
      externalFaxrocks: { url: 'https://faxrocks.com/api', token: 'secret' },
      queue: { maxReceiveCount: 5, maxConcurrency: 1 },
      sesStamp: { spamVerdict: 'FAIL', dmarc: 'none' },
      policy: { faxDomain: 'fax.example.com', defaultCountry: 'DE' },
    });
    expect(config.smtpRelay?.host).toBe('127.0.0.1:1025');
  });

  it.each([
    ['FAXGATE_SMTP_PORT', '70000'],
    ['FAXGATE_S3_PORT', 'http'],
    ['FAXGATE_POLL_SECONDS', '0'],
    ['FAXGATE_BUCKET', 'Not_A_Bucket'],
    ['JOBS_TABLE', 'a b'],
    ['FAX_DOMAIN', 'localhost'],
    ['DEFAULT_COUNTRY', 'Germany'],
    ['FAXGATE_SMTP_RELAY', 'localhost:25'],
    ['FAXGATE_SES_SPF', 'maybe'],
    ['FAXGATE_QUEUE_BATCH_SIZE', '11'],
    ['FAXGATE_INBOUND_CONCURRENCY', '0'],
    ['MAX_PAGES', '-1'],
  ])('rejects %s=%s with an error naming it', (name, value) => {
    expect(() => localConfigFromEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => localConfigFromEnv({ [name]: value })).toThrow(name);
  });

  it('wants the faxrocks URL and token together, and never echoes the token', () => {
    expect(() => localConfigFromEnv({ FAXROCKS_API_TOKEN: 'tok-123' })).toThrow(/given together/);
    try {
      localConfigFromEnv({ FAXROCKS_API_URL: 'ftp://x', FAXROCKS_API_TOKEN: 'tok-123' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('FAXROCKS_API_URL');
      expect((error as Error).message).not.toContain('tok-123');
    }
  });
});
