// The FaxGateway construct's props: the settings of functions/settings.ts chosen at deploy time,
// plus what only a deployment has (token source, SES rule set, retention, scaling, alarms). A bad
// value fails at synth with a message naming the prop.

import { Duration, aws_logs as logs, type aws_s3 as s3, type aws_sns as sns, Token } from 'aws-cdk-lib';
import { receivesToCover } from '../functions/domain/inbound-retries.ts';
import { FaxgateError } from '../functions/errors.ts';
import {
  type Always,
  type AnySetting,
  deployKey,
  type Flat,
  flag,
  gatewaySettings,
  type Kind,
  mailAddress,
  oneOf,
  pollerSettings,
  readSettings,
  type SettingGroup,
  settingGroup,
  text,
  type ValueOf,
  whole,
} from '../functions/settings.ts';

/** A construct prop or CDK context value that cannot work; thrown at synth, naming the setting. */
export class GatewayConfigurationError extends FaxgateError {}

export const DEFAULT_TOKEN_PARAMETER = '/faxgate/faxrocks-token';
export const DEFAULT_FAXROCKS_API_URL = 'https://faxrocks.com/api';
/** Where SES stores raw mail; the inbound function may read nothing else. */
export const INBOUND_PREFIX = 'inbound/';
/** Where the inbound function keeps each mail's prepared document for later attempts (re-dials). */
export const PREPARED_PREFIX = 'prepared/';
/** The namespace the functions' metrics go to (Powertools EMF). */
export const METRICS_NAMESPACE = 'faxgate';
/** The Powertools service name: also the `service` dimension of every metric. */
export const SERVICE_NAME = 'faxgate';

const LOG_RETENTION_DAYS = Object.values(logs.RetentionDays).filter(
  (v): v is number => typeof v === 'number',
);

/** One of CloudWatch's retention periods, in days. */
const logRetentionDays: Kind<number> = {
  type: 'number',
  allowed: LOG_RETENTION_DAYS.join(', '),
  read(raw) {
    const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
    return typeof value === 'number' && LOG_RETENTION_DAYS.includes(value)
      ? { ok: true, value }
      : { ok: false, must: `be one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(', ')})` };
  },
  text: String,
};

const sesRuleSetName = text({
  must: 'be 1-64 letters, digits, ".", "_" or "-", starting and ending with a letter or digit',
  test: (v) => v.length <= 64 && /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(v),
});

/** What only a deployment has. */
export const deploySettings = settingGroup({
  title: 'Deployment',
  functions: ['inbound', 'poller'],
  settings: {
    stackName: {
      kind: text({
        must: 'start with a letter and hold only letters, digits and "-"',
        test: (v) => /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(v),
      }),
      default: 'Faxgate',
      contextOnly: true,
      doc: 'CloudFormation stack name (one stack per fax domain)',
    },
    tokenParameterName: {
      kind: text({
        must: `be an SSM parameter name such as ${DEFAULT_TOKEN_PARAMETER}`,
        test: (v) => /^[A-Za-z0-9_.\-/]{1,2048}$/.test(v) && (!v.includes('/') || v.startsWith('/')),
      }),
      env: 'FAXROCKS_TOKEN_PARAMETER',
      shownDefault: `\`${DEFAULT_TOKEN_PARAMETER}\``,
      doc: 'SSM SecureString holding the faxrocks API token (you create it; it is never part of the template)',
    },
    tokenSecretName: {
      kind: text({
        must: 'be a Secrets Manager secret name or ARN',
        test: (v) => /^[A-Za-z0-9/_+=.@-]{1,512}$/.test(v) || /^arn:aws[a-z-]*:secretsmanager:/.test(v),
      }),
      env: 'FAXROCKS_TOKEN_SECRET',
      doc: 'Secrets Manager secret (name or ARN; plain, or JSON with a `token` field) holding the token, instead of the parameter',
    },
    tokenKmsKeyArn: {
      kind: text({
        must: 'be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
        test: (v) => /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(v),
      }),
      doc: 'Your KMS key of the parameter or secret (not needed for the AWS managed keys); the functions may decrypt with it through SSM or Secrets Manager only',
    },
    faxrocksApiUrl: {
      kind: text({
        must: 'be an https:// URL',
        test: (v) => URL.canParse(v) && new URL(v).protocol === 'https:',
      }),
      env: 'FAXROCKS_API_URL',
      default: DEFAULT_FAXROCKS_API_URL,
      doc: 'faxrocks API base URL (https only)',
    },
    createDomainIdentity: {
      kind: flag,
      default: true,
      doc: 'Create the SES domain identity with Easy DKIM; `false` when the domain is verified in this region already',
    },
    ruleSetName: {
      kind: sesRuleSetName,
      shownDefault: '`faxgate-<domain>`',
      doc: 'Name of the receipt rule set to create',
    },
    existingRuleSetName: {
      kind: sesRuleSetName,
      doc: 'Add the fax rule to this existing (active) rule set instead of creating one',
    },
    activateRuleSet: {
      kind: flag,
      default: false,
      doc: 'Make the created rule set the active one: SES has one active set per region, so every other domain receiving through SES there stops receiving',
    },
    alarmEmail: { kind: mailAddress, doc: 'Address subscribed to the alarm topic' },
    mailRetentionDays: {
      kind: whole(1, 3650),
      default: 30,
      doc: 'Days raw mail stays in the bucket',
    },
    logRetentionDays: {
      kind: logRetentionDays,
      default: logs.RetentionDays.THREE_MONTHS,
      contextOnly: true,
      doc: 'Days function logs stay (a CloudWatch retention period); prop `logRetention`',
    },
    logLevel: {
      kind: oneOf(['DEBUG', 'INFO', 'WARN', 'ERROR']),
      env: 'LOG_LEVEL',
      default: 'INFO',
      doc: 'Log level of the functions',
    },
    inboundConcurrency: {
      kind: whole(2, 1000),
      default: 2,
      doc: 'Inbound functions at once: protects the faxrocks account from bursts',
    },
    inboundBatchSize: {
      kind: whole(1, 10),
      default: 1,
      doc: 'Mails per inbound invocation; one keeps a slow send from timing out its neighbours',
    },
    maxReceiveCount: {
      kind: whole(2, 100),
      default: 30,
      doc: 'Receipts of a queue message before it moves to the dead-letter queue; the inbound function backs off between them (5 s doubling to 15 min), so they must cover `giveUpAfterMinutes`, after which it gives the mail up (30 cover about 5 hours)',
    },
    pollMinutes: {
      kind: whole(1, 60),
      default: 2,
      contextOnly: true,
      doc: 'Status poller interval in whole minutes; prop `pollInterval` (a Duration)',
    },
  },
});

/** Every group whose settings can be chosen at deploy time, in the order the README lists them. */
export const DEPLOYED_GROUPS: readonly SettingGroup[] = [gatewaySettings, pollerSettings, deploySettings];

type PropKey<K, S> = S extends { deploy: false }
  ? never
  : S extends { contextOnly: true }
    ? never
    : S extends { deploy: infer D extends string }
      ? D
      : K;

/** The props a group's settings give the construct: `readonly`, optional unless required. */
type PropsOf<S extends Record<string, AnySetting>> = {
  readonly [K in keyof S as S[K] extends { required: true } ? PropKey<K, S[K]> : never]: ValueOf<S[K]>;
} & {
  readonly [K in keyof S as S[K] extends { required: true } ? never : PropKey<K, S[K]>]?: ValueOf<S[K]>;
};

/** The values in effect, keyed by prop name: undefined only where a setting has no default. */
type ValuesOf<S extends Record<string, AnySetting>> = {
  -readonly [K in keyof S as PropKey<K, S[K]>]: Always<S[K]> extends true
    ? ValueOf<S[K]>
    : ValueOf<S[K]> | undefined;
};

/**
 * Props of the FaxGateway construct. Each setting prop is described, with its default and valid
 * values, in the README's configuration table (generated from functions/settings.ts and
 * `deploySettings` above); `domain` is the only required one.
 */
export type FaxGatewayProps = Flat<
  PropsOf<typeof gatewaySettings.settings> &
    PropsOf<typeof pollerSettings.settings> &
    PropsOf<typeof deploySettings.settings> & {
      /**
       * Retention of the functions' log groups (context key `logRetentionDays`).
       * @default logs.RetentionDays.THREE_MONTHS
       */
      readonly logRetention?: logs.RetentionDays;
      /**
       * How often the status poller runs (whole minutes, 1-60; context key `pollMinutes`).
       * @default Duration.minutes(2)
       */
      readonly pollInterval?: Duration;
      /**
       * Bucket for the mail bucket's server access logs. An imported bucket must already let
       * `logging.s3.amazonaws.com` write to it (CDK cannot change an imported bucket's policy).
       * @default - a private bucket is created (kept on deletion, logs expire after 90 days)
       */
      readonly accessLogsBucket?: s3.IBucket;
      /**
       * SNS topic the alarms notify.
       * @default - a topic is created (TLS-only)
       */
      readonly alarmTopic?: sns.ITopic;
    }
>;

/** The props with every default applied, as the construct uses them (`FaxGateway.settings`). */
export type FaxGatewaySettings = Flat<
  ValuesOf<typeof gatewaySettings.settings> &
    ValuesOf<typeof pollerSettings.settings> &
    Omit<
      ValuesOf<typeof deploySettings.settings>,
      'tokenParameterName' | 'tokenSecretName' | 'ruleSetName'
    > & {
      token: { parameterName: string } | { secretName: string };
      /** The rule set the fax rule is in: the existing one, or the one created. */
      ruleSetName: string;
      logRetention: logs.RetentionDays;
      pollMinutes: number;
    }
>;

/** Reads a group's settings from the props, by prop name; a string must be known at synth. */
function fromProps(group: SettingGroup, props: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const values = readSettings(group, {
    raw: (key) => {
      const prop = deployKey(group, key);
      const raw = prop === undefined || group.settings[key]?.contextOnly ? undefined : props[prop];
      for (const item of [raw].flat()) {
        if (typeof item === 'string' && Token.isUnresolved(item)) {
          throw new GatewayConfigurationError(
            `${prop} must be a literal string, not a token resolved at deploy time`,
          );
        }
      }
      return typeof raw === 'string' && raw.trim() === '' ? undefined : raw;
    },
    name: (key) => deployKey(group, key) ?? key,
    fail: (message) => new GatewayConfigurationError(message),
    missing: (key) =>
      key === 'faxDomain' ? 'domain is required: the fax domain, e.g. fax.example.com' : `${key} is required`,
  }) as Record<string, unknown>;
  const byProp: Record<string, unknown> = {};
  for (const key of Object.keys(group.settings)) {
    const prop = deployKey(group, key);
    if (prop !== undefined) byProp[prop] = values[key];
  }
  return byProp;
}

/** The settings in effect for these props, or a GatewayConfigurationError naming the bad one. */
export function resolveProps(props: FaxGatewayProps): FaxGatewaySettings {
  const given = props as unknown as Readonly<Record<string, unknown>>;
  const values = Object.assign({}, ...DEPLOYED_GROUPS.map((group) => fromProps(group, given))) as Record<
    string,
    unknown
  >;
  const domain = values.domain as string;

  const parameterName = values.tokenParameterName as string | undefined;
  const secretName = values.tokenSecretName as string | undefined;
  if (parameterName && secretName) {
    throw new GatewayConfigurationError('give tokenParameterName or tokenSecretName, not both');
  }
  const token = secretName ? { secretName } : { parameterName: parameterName ?? DEFAULT_TOKEN_PARAMETER };

  const existingRuleSetName = values.existingRuleSetName as string | undefined;
  if (existingRuleSetName && values.ruleSetName) {
    throw new GatewayConfigurationError(
      'give ruleSetName (a set to create) or existingRuleSetName, not both',
    );
  }
  if (values.activateRuleSet && existingRuleSetName) {
    throw new GatewayConfigurationError(
      'activateRuleSet applies to the rule set faxgate creates; with existingRuleSetName, activate that set yourself',
    );
  }
  const ruleSetName =
    existingRuleSetName ?? (values.ruleSetName as string | undefined) ?? sesName(`faxgate-${domain}`);

  // The deployed function reads its logo from S3 (a file path is for npm start).
  const coverLogo = values.coverLogo as string | undefined;
  if (coverLogo !== undefined && !/^s3:\/\/[^/]+\/.+/.test(coverLogo)) {
    throw new GatewayConfigurationError(
      `coverLogo must be an s3://<bucket>/<key> address for the deployed gateway (a file path works under npm start only), not ${JSON.stringify(coverLogo)}`,
    );
  }
  // The inbound function backs off between receives; too few receives would cut the give-up time short.
  const receivesNeeded = receivesToCover(values.giveUpAfterMinutes as number);
  if ((values.maxReceiveCount as number) < receivesNeeded) {
    throw new GatewayConfigurationError(
      `maxReceiveCount ${String(values.maxReceiveCount)} runs out before giveUpAfterMinutes ${String(values.giveUpAfterMinutes)} has passed: raise it to at least ${receivesNeeded}, or lower giveUpAfterMinutes`,
    );
  }

  const pollInterval = props.pollInterval ?? Duration.minutes(2);
  const pollMinutes = pollInterval.toMinutes({ integral: false });
  if (!Number.isInteger(pollMinutes) || pollMinutes < 1 || pollMinutes > 60) {
    throw new GatewayConfigurationError(
      `pollInterval must be whole minutes from 1 to 60, not ${pollInterval.toHumanString()}`,
    );
  }

  const {
    tokenParameterName: _p,
    tokenSecretName: _s,
    stackName: _n,
    logRetentionDays: _l,
    ...rest
  } = values;
  return {
    ...(rest as Omit<FaxGatewaySettings, 'token' | 'ruleSetName' | 'logRetention' | 'pollMinutes'>),
    token,
    ruleSetName,
    logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    pollMinutes,
  };
}

/** The environment each function gets: every deploy-time setting of the groups it reads. */
export function functionEnvironment(
  fn: 'inbound' | 'poller',
  settings: FaxGatewaySettings,
): Record<string, string> {
  const values = settings as unknown as Readonly<Record<string, unknown>>;
  const token =
    'parameterName' in settings.token
      ? { tokenParameterName: settings.token.parameterName }
      : { tokenSecretName: settings.token.secretName };
  const environment: Record<string, string> = {};
  for (const group of DEPLOYED_GROUPS) {
    if (group.functions && !group.functions.includes(fn)) continue;
    for (const [key, setting] of Object.entries(group.settings)) {
      const prop = deployKey(group, key);
      if (prop === undefined || setting.env === undefined) continue;
      const value = prop in token ? token[prop as keyof typeof token] : values[prop];
      if (value !== undefined) environment[setting.env] = setting.kind.text(value);
    }
  }
  return environment;
}

/** SES rule and rule set names: letters, digits, `.`, `_`, `-`; at most 64; alphanumeric ends. */
export function sesName(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 64)
    .replace(/[^A-Za-z0-9]+$/, '');
}
