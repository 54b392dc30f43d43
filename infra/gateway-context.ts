// CDK context (`-c key=value` or the "context" block of cdk.json) -> FaxGateway props. Values from
// the command line arrive as strings, values from cdk.json as JSON; both are accepted. A typo in a
// key or a value that cannot work stops synth with a message naming the key. The keys are the
// settings of functions/settings.ts and gateway-props.ts that are chosen at deploy time.

import { Duration, type aws_logs as logs } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { type AnySetting, deployKey, invalidMessage } from '../functions/settings.ts';
import {
  DEPLOYED_GROUPS,
  deploySettings,
  type FaxGatewayProps,
  GatewayConfigurationError,
} from './gateway-props.ts';

/** Every context key faxgate reads, with the setting behind it; `domain` and `stackName` first. */
export const CONTEXT_KEYS: Readonly<Record<string, AnySetting>> = Object.fromEntries(
  DEPLOYED_GROUPS.flatMap((group) =>
    Object.entries(group.settings).flatMap(([key, setting]) => {
      const contextKey = deployKey(group, key);
      return contextKey === undefined ? [] : [[contextKey, setting] as const];
    }),
  ).sort(([a], [b]) => rank(a) - rank(b)),
);

function rank(key: string): number {
  return key === 'domain' ? 0 : key === 'stackName' ? 1 : 2;
}

export type ContextKey = keyof typeof CONTEXT_KEYS;

export interface GatewayAppSettings {
  stackName: string;
  gateway: FaxGatewayProps;
}

/** Reads and converts the context; the FaxGateway construct then checks the values themselves. */
export function gatewaySettingsFromContext(node: Node): GatewayAppSettings {
  rejectUnknownKeys(node);
  const props: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(CONTEXT_KEYS)) {
    const value = readKey(node, key, setting);
    if (value !== undefined && !setting.contextOnly) props[key] = value;
  }
  if (!props.domain) {
    throw new GatewayConfigurationError(
      'the fax domain is missing: run with -c domain=fax.example.com (or set "domain" in the context of cdk.json)',
    );
  }

  // The keys the construct takes in another form, checked here since no prop carries them.
  const checked = (key: 'stackName' | 'logRetentionDays' | 'pollMinutes'): unknown => {
    const setting: AnySetting = deploySettings.settings[key];
    const raw = readKey(node, key, setting);
    if (raw === undefined) return setting.default;
    const reading = setting.kind.read(raw);
    if (!reading.ok) throw new GatewayConfigurationError(invalidMessage(key, raw, reading));
    return reading.value;
  };
  const days = node.tryGetContext('logRetentionDays') === undefined ? undefined : checked('logRetentionDays');
  const minutes = node.tryGetContext('pollMinutes') === undefined ? undefined : checked('pollMinutes');
  return {
    stackName: checked('stackName') as string,
    gateway: {
      ...(props as FaxGatewayProps),
      ...(days === undefined ? {} : { logRetention: days as logs.RetentionDays }),
      ...(minutes === undefined ? {} : { pollInterval: Duration.minutes(minutes as number) }),
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

/** The raw value in the form the construct takes it: the value's type, not yet its range. */
function readKey(
  node: Node,
  key: string,
  setting: AnySetting,
): string | number | boolean | string[] | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  switch (setting.kind.type) {
    case 'string': {
      if (typeof raw !== 'string') throw invalid(key, raw, 'a string');
      const value = raw.trim();
      return value === '' ? undefined : (setting.kind.normalise?.(value) ?? value);
    }
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
