// Lambda edge for the scheduled status poll: build the dependencies once per cold start, run one
// poll, flush the metrics.
//
// A transient faxrocks fault while reading /faxes is not an invocation error: the use case leaves
// every job as it was and the next scheduled run (a minute or so later) is the retry. Failing the
// invocation would only add Lambda's own async retries on top of a throttled or failing API and
// page someone for a provider blip; the `FaxListUnavailable` metric is there to alarm on when it
// lasts. Everything else (a wrong token, a missing table, a bad configuration) does throw, so
// the Lambda error metric shows it.

import type { Context, ScheduledEvent } from 'aws-lambda';
import { type DeployedClientOverrides, deployedClients } from '../adapters/deployed-adapters.ts';
import { type PollerDeps, type PollReport, pollFaxStatuses } from '../status-poller/poll-fax-statuses.ts';
import { buildPollerDeps, pollerSettingsFromEnv } from './status-poller-deps.ts';

/**
 * The deployed function's dependencies from its environment: JOBS_TABLE, FAX_DOMAIN (and
 * REPLY_FROM), FAXROCKS_API_URL (optional), FAXROCKS_TOKEN_PARAMETER or FAXROCKS_TOKEN_SECRET, the
 * poller policy variables, and SES_CONFIGURATION_SET (optional). Throws ConfigError naming what is
 * missing. Tests may hand in loopback clients.
 */
export function deployedPollerDeps(env = process.env, overrides: DeployedClientOverrides = {}): PollerDeps {
  return buildPollerDeps(
    pollerSettingsFromEnv(env),
    deployedClients(env, 'faxgate-status-poller', overrides),
  );
}

/** Work in flight when the deadline passes may still need this long (a receipt, an email). */
export const DEADLINE_MARGIN_MS = 15_000;

/**
 * A handler over lazily built dependencies: built on the first invocation, kept for the container.
 * It stops starting new work DEADLINE_MARGIN_MS before the Lambda would be cut off.
 */
export function createPollerHandler(
  build: () => PollerDeps,
): (event?: ScheduledEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<PollReport> {
  let deps: PollerDeps | undefined;
  return async (_event, context) => {
    deps ??= build();
    const remaining = context?.getRemainingTimeInMillis();
    const deadline =
      remaining === undefined
        ? undefined
        : new Date(deps.clock.now().getTime() + remaining - DEADLINE_MARGIN_MS);
    try {
      return await pollFaxStatuses(deadline ? { ...deps, deadline } : deps);
    } finally {
      deps.metrics.flush();
    }
  };
}

export const handler = createPollerHandler(() => deployedPollerDeps());
