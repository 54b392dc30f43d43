// CDK context (`-c key=value` or the "context" block of cdk.json) -> FaxGateway props. Values from
// the command line arrive as strings, values from cdk.json as JSON; both are accepted. A typo in a
// key or a value that cannot work stops synth with a message naming the key.

import { Duration, aws_logs as logs } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { type FaxGatewayProps, GatewayConfigurationError } from './fax-gateway.ts';

type Kind = 'string' | 'number' | 'boolean' | 'list';

/** Every context key faxgate reads, with its kind and what it sets. */
export const CONTEXT_KEYS = {
  domain: { kind: 'string', help: 'fax domain (required)' },
  stackName: { kind: 'string', help: 'CloudFormation stack name' },
  replyFrom: { kind: 'string', help: 'reply sender address' },
  defaultCountry: { kind: 'string', help: 'country for national numbers' },
  tokenParameterName: { kind: 'string', help: 'SSM SecureString with the token' },
  tokenSecretName: { kind: 'string', help: 'Secrets Manager secret with the token' },
  tokenKmsKeyArn: { kind: 'string', help: 'customer-managed key of the token' },
  faxrocksApiUrl: { kind: 'string', help: 'faxrocks API base URL' },
  createDomainIdentity: { kind: 'boolean', help: 'create the SES domain identity' },
  ruleSetName: { kind: 'string', help: 'receipt rule set to create' },
  existingRuleSetName: { kind: 'string', help: 'existing rule set to add the rule to' },
  activateRuleSet: { kind: 'boolean', help: 'make the created rule set active' },
  alarmEmail: { kind: 'string', help: 'alarm notification address' },
  mailRetentionDays: { kind: 'number', help: 'days raw mail is kept' },
  jobRetentionDays: { kind: 'number', help: 'days job records are kept' },
  logRetentionDays: { kind: 'number', help: 'days function logs are kept' },
  logLevel: { kind: 'string', help: 'function log level' },
  inboundConcurrency: { kind: 'number', help: 'inbound functions at once' },
  inboundBatchSize: { kind: 'number', help: 'mails per inbound invocation' },
  maxReceiveCount: { kind: 'number', help: 'receipts before the dead-letter queue' },
  pollMinutes: { kind: 'number', help: 'status poller interval' },
  maxNumbersPerMail: { kind: 'number', help: 'numbers per mail' },
  maxPages: { kind: 'number', help: 'pages per fax' },
  maxDocumentBytes: { kind: 'number', help: 'document size' },
  allowedPrefixes: { kind: 'list', help: 'allowed destination prefixes' },
  blockedPrefixes: { kind: 'list', help: 'blocked destination prefixes' },
  senderDailyPageLimit: { kind: 'number', help: 'pages per sender and day' },
  dailyCostCeiling: { kind: 'number', help: 'estimated cost per day' },
  clockSkewSeconds: { kind: 'number', help: 'clock skew tolerated when matching' },
  unknownSendAfterMinutes: { kind: 'number', help: 'ambiguous send -> UNKNOWN after' },
  pendingTimeoutMinutes: { kind: 'number', help: 'pending fax -> UNKNOWN after' },
} as const satisfies Record<string, { kind: Kind; help: string }>;

export type ContextKey = keyof typeof CONTEXT_KEYS;

export interface GatewayAppSettings {
  stackName: string;
  gateway: FaxGatewayProps;
}

const LOG_RETENTION_DAYS = new Set<number>(
  Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number'),
);

/** Reads and converts the context; the FaxGateway construct then checks the values themselves. */
export function gatewaySettingsFromContext(node: Node): GatewayAppSettings {
  rejectUnknownKeys(node);
  const read = <K extends ContextKey>(key: K) => readKey(node, key);
  const string = (key: ContextKey) => read(key) as string | undefined;
  const number = (key: ContextKey) => read(key) as number | undefined;
  const boolean = (key: ContextKey) => read(key) as boolean | undefined;
  const list = (key: ContextKey) => read(key) as string[] | undefined;

  const domain = string('domain');
  if (!domain) {
    throw new GatewayConfigurationError(
      'the fax domain is missing: run with -c domain=fax.example.com (or set "domain" in the context of cdk.json)',
    );
  }

  const logRetentionDays = number('logRetentionDays');
  if (logRetentionDays !== undefined && !LOG_RETENTION_DAYS.has(logRetentionDays)) {
    throw new GatewayConfigurationError(
      `logRetentionDays must be one of CloudWatch's retention periods (${[...LOG_RETENTION_DAYS].join(', ')}), not ${logRetentionDays}`,
    );
  }
  const pollMinutes = number('pollMinutes');
  const logLevel = string('logLevel')?.toUpperCase();

  const stackName = string('stackName') ?? 'Faxgate';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new GatewayConfigurationError(
      `stackName must start with a letter and hold only letters, digits and "-", not "${stackName}"`,
    );
  }

  return {
    stackName,
    gateway: {
      domain,
      replyFrom: string('replyFrom'),
      defaultCountry: string('defaultCountry'),
      tokenParameterName: string('tokenParameterName'),
      tokenSecretName: string('tokenSecretName'),
      tokenKmsKeyArn: string('tokenKmsKeyArn'),
      faxrocksApiUrl: string('faxrocksApiUrl'),
      createDomainIdentity: boolean('createDomainIdentity'),
      ruleSetName: string('ruleSetName'),
      existingRuleSetName: string('existingRuleSetName'),
      activateRuleSet: boolean('activateRuleSet'),
      alarmEmail: string('alarmEmail'),
      mailRetentionDays: number('mailRetentionDays'),
      jobRetentionDays: number('jobRetentionDays'),
      logRetention: logRetentionDays as logs.RetentionDays | undefined,
      logLevel: logLevel as FaxGatewayProps['logLevel'],
      inboundConcurrency: number('inboundConcurrency'),
      inboundBatchSize: number('inboundBatchSize'),
      maxReceiveCount: number('maxReceiveCount'),
      // Fractions are passed on as such, so the construct's check names them instead of rounding.
      pollInterval: pollMinutes === undefined ? undefined : Duration.seconds(pollMinutes * 60),
      maxNumbersPerMail: number('maxNumbersPerMail'),
      maxPages: number('maxPages'),
      maxDocumentBytes: number('maxDocumentBytes'),
      allowedPrefixes: list('allowedPrefixes'),
      blockedPrefixes: list('blockedPrefixes'),
      senderDailyPageLimit: number('senderDailyPageLimit'),
      dailyCostCeiling: number('dailyCostCeiling'),
      clockSkewSeconds: number('clockSkewSeconds'),
      unknownSendAfterMinutes: number('unknownSendAfterMinutes'),
      pendingTimeoutMinutes: number('pendingTimeoutMinutes'),
    },
  };
}

// CDK's own context keys carry ":" or "-" (feature flags, lookups); a bare camelCase key that is
// not ours is a typo such as `-c maxPage=20`, which would otherwise be ignored in silence.
function rejectUnknownKeys(node: Node): void {
  const all = { ...node.getAllContext() } as Record<string, unknown>;
  for (const key of Object.keys(all)) {
    if (/^[a-z][A-Za-z0-9]*$/.test(key) && !(key in CONTEXT_KEYS)) {
      throw new GatewayConfigurationError(
        `unknown context key "${key}"; faxgate reads: ${Object.keys(CONTEXT_KEYS).join(', ')}`,
      );
    }
  }
}

function readKey(node: Node, key: ContextKey): string | number | boolean | string[] | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const kind: Kind = CONTEXT_KEYS[key].kind;
  switch (kind) {
    case 'string':
      if (typeof raw !== 'string') throw invalid(key, raw, 'a string');
      return raw.trim() || undefined;
    case 'number': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
      if (!Number.isFinite(value) || (typeof raw === 'string' && raw.trim() === '')) {
        throw invalid(key, raw, 'a number');
      }
      return value;
    }
    case 'boolean':
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      throw invalid(key, raw, 'true or false');
    case 'list':
      if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw as string[];
      if (typeof raw === 'string') {
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      }
      throw invalid(key, raw, 'a comma-separated list');
  }
}

function invalid(key: string, raw: unknown, expected: string): GatewayConfigurationError {
  return new GatewayConfigurationError(`context key ${key} must be ${expected}, not ${JSON.stringify(raw)}`);
}
