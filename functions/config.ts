// Gateway configuration, read once per cold start from the environment. It fails fast: a missing
// or malformed variable is a ConfigError naming it, never a silent default in the wrong place.
// The settings themselves are declared in settings.ts.

import { DEFAULT_REDIAL_SCHEDULE, type RedialSchedule } from './domain/redial-policy.ts';
import { ConfigError } from './errors.ts';
import {
  envText,
  gatewaySettings,
  pollerSettings,
  resourceSettings,
  type SettingValues,
  settingsFromEnv,
} from './settings.ts';

export { ConfigError };

/** The mail and fax rules both functions follow (see `gatewaySettings` for each one's meaning). */
export type GatewayPolicy = SettingValues<typeof gatewaySettings.settings>;
/**
 * The status poller's own settings (see `pollerSettings`), and the re-dial schedule it follows
 * (from the gateway settings: redialScheduleOf).
 */
export type PollerPolicy = SettingValues<typeof pollerSettings.settings> & { redial?: RedialSchedule };

/** The re-dial schedule the gateway settings describe. */
export function redialScheduleOf(policy: Partial<GatewayPolicy>): RedialSchedule {
  return {
    busyMinutes: policy.redialBusyMinutes ?? DEFAULT_REDIAL_SCHEDULE.busyMinutes,
    noAnswerMinutes: policy.redialNoAnswerMinutes ?? DEFAULT_REDIAL_SCHEDULE.noAnswerMinutes,
    brokenOffMinutes: policy.redialBrokenOffMinutes ?? DEFAULT_REDIAL_SCHEDULE.brokenOffMinutes,
    maxAttempts: policy.redialMaxAttempts ?? DEFAULT_REDIAL_SCHEDULE.maxAttempts,
    windowMinutes: policy.redialWindowMinutes ?? DEFAULT_REDIAL_SCHEDULE.windowMinutes,
  };
}

type Env = Record<string, string | undefined>;

const configError = (message: string) => new ConfigError(message);

export function requireString(env: Env, name: string): string {
  const value = envText(env, name);
  if (!value) throw new ConfigError(`${name} must be set`);
  return value;
}

export function optionalString(env: Env, name: string): string | undefined {
  return envText(env, name);
}

/** `local`: the defaults of `npm start` where they differ (FAX_DOMAIN, SEND_IN_FLIGHT_SECONDS). */
export function gatewayPolicyFromEnv(
  env: Env = process.env,
  options: { local?: boolean } = {},
): GatewayPolicy {
  return settingsFromEnv(gatewaySettings, env, configError, options);
}

export function pollerPolicyFromEnv(env: Env = process.env, options: { local?: boolean } = {}): PollerPolicy {
  return settingsFromEnv(pollerSettings, env, configError, options);
}

/** The resource names the construct gives the functions (JOBS_TABLE, SENDERS_TABLE, MAIL_BUCKET, ...). */
export type ResourceNames = SettingValues<typeof resourceSettings.settings>;

export function resourceNamesFromEnv(env: Env = process.env): ResourceNames {
  return settingsFromEnv(resourceSettings, env, configError);
}
