// The settings schema itself: names are unique, every default is a valid value, and what the
// construct writes into a function's environment is read back by the function as the same value.

import { describe, expect, it } from 'vitest';
import { ConfigError, gatewayPolicyFromEnv, pollerPolicyFromEnv } from '../functions/config.ts';
import {
  type AnySetting,
  deployKey,
  gatewaySettings,
  pollerSettings,
  type SettingGroup,
} from '../functions/settings.ts';
import { CONTEXT_KEYS } from '../infra/gateway-context.ts';
import { DEPLOYED_GROUPS, functionEnvironment, resolveProps } from '../infra/gateway-props.ts';
import { localSettings } from '../local/local-config.ts';

const groups: SettingGroup[] = [...DEPLOYED_GROUPS, localSettings];
const all = groups.flatMap((group) => Object.entries(group.settings).map(([key, s]) => ({ group, key, s })));

describe('settings schema', () => {
  it('gives each environment variable and each context key to one setting', () => {
    // Deployed and local-only settings apart: FAXROCKS_API_URL is https only when deployed, and
    // may be a loopback http URL (with FAXROCKS_API_TOKEN) under npm start.
    for (const local of [false, true]) {
      const envs = all.flatMap(({ group, s }) => (s.env && !!group.localOnly === local ? [s.env] : []));
      expect(envs.filter((name, i) => envs.indexOf(name) !== i)).toEqual([]);
    }
    const keys = all.flatMap(({ group, key }) => deployKey(group, key) ?? []);
    expect(keys.filter((name, i) => keys.indexOf(name) !== i)).toEqual([]);
    expect(Object.keys(CONTEXT_KEYS).sort()).toEqual([...keys].sort());
  });

  it('has defaults that are valid values of their own kind', () => {
    for (const { key, s } of all) {
      for (const value of [s.default, s.localDefault]) {
        if (value === undefined || typeof value === 'function') continue;
        expect(s.kind.read(value), key).toEqual({ ok: true, value });
        expect(s.kind.read(s.kind.text(value)), key).toEqual({ ok: true, value });
      }
    }
  });

  it('documents every setting in one line', () => {
    for (const { key, s } of all) expect((s as AnySetting).doc, key).toMatch(/^[^\n]{10,}$/);
  });

  it('round-trips every deploy-time setting through the environment the construct writes', () => {
    const settings = resolveProps({
      domain: 'fax.example.com',
      replyFrom: 'Faxes@Example.com',
      defaultCountry: 'at',
      maxPages: 7,
      allowedPrefixes: ['+43', '+49'],
      dailyCostCeiling: 12.5,
      clockSkewSeconds: 5,
      pendingTimeoutMinutes: 90,
    });
    const inbound = functionEnvironment('inbound', settings);
    const poller = functionEnvironment('poller', settings);
    const gateway = gatewayPolicyFromEnv(inbound);
    for (const key of Object.keys(gatewaySettings.settings)) {
      const prop = deployKey(gatewaySettings, key);
      if (prop !== undefined)
        expect(gateway[key as keyof typeof gateway], key).toEqual(settings[prop as keyof typeof settings]);
    }
    expect(gateway).toMatchObject({ replyFrom: 'faxes@example.com', defaultCountry: 'AT', maxPages: 7 });
    expect(gatewayPolicyFromEnv(poller)).toEqual(gateway);
    const pollerPolicy = pollerPolicyFromEnv(poller);
    for (const key of Object.keys(pollerSettings.settings)) {
      const prop = deployKey(pollerSettings, key);
      if (prop !== undefined)
        expect(pollerPolicy[key as keyof typeof pollerPolicy], key).toEqual(
          settings[prop as keyof typeof settings],
        );
    }
    expect(inbound).not.toHaveProperty('CLOCK_SKEW_SECONDS');
  });

  it.each([
    [{}, 'FAX_DOMAIN must be set'],
    [
      { FAX_DOMAIN: 'fax_example' },
      'FAX_DOMAIN must be a DNS name such as fax.example.com, not "fax_example"',
    ],
    [
      { FAX_DOMAIN: 'fax.example.com', MAX_PAGES: '1.5' },
      'MAX_PAGES must be a whole number from 1 to 10000, not "1.5"',
    ],
    [{ FAX_DOMAIN: 'fax.example.com', REPLY_FROM: 'fax' }, 'REPLY_FROM must be one mail address'],
    [
      { FAX_DOMAIN: 'fax.example.com', BLOCKED_PREFIXES: '+49900, 0137' },
      'BLOCKED_PREFIXES must hold E.164 prefixes such as +49 or +1900, not "0137"',
    ],
  ])('stops a function at cold start on %j', (env, message) => {
    expect(() => gatewayPolicyFromEnv(env)).toThrow(ConfigError);
    expect(() => gatewayPolicyFromEnv(env)).toThrow(message);
  });
});
