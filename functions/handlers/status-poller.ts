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
import { gatewayPolicyFromEnv } from '../config.ts';
import { type ResendDeps, type ResendRequest, type ResendResult, resendJob } from '../delivery/resend-job.ts';
import { ConfigError } from '../errors.ts';
import { type PollerDeps, type PollReport, pollFaxStatuses } from '../status-poller/poll-fax-statuses.ts';
import { buildPollerDeps, pollerSettingsFromEnv, resendDepsFrom } from './status-poller-deps.ts';

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

/**
 * An admin's resend (`faxgate jobs resend --stack`) invokes this function directly with this event,
 * so the deployed configuration, token and permissions send it; the schedule never sends one.
 */
export interface ResendEvent {
  faxgateResend: ResendRequest;
}

function isResendEvent(event: unknown): event is ResendEvent {
  const request = (event as Partial<ResendEvent> | undefined)?.faxgateResend;
  return typeof request?.messageId === 'string' && typeof request.number === 'string';
}

/** Work in flight when the deadline passes may still need this long (a receipt, an email). */
export const DEADLINE_MARGIN_MS = 15_000;

/**
 * A handler over lazily built dependencies: built on the first invocation, kept for the container.
 * It stops starting new work DEADLINE_MARGIN_MS before the Lambda would be cut off.
 */
export function createPollerHandler(
  build: () => PollerDeps,
  buildResend?: () => ResendDeps,
): {
  (event?: ScheduledEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<PollReport>;
  (event: ResendEvent, context?: unknown): Promise<{ resend: ResendResult }>;
} {
  let deps: PollerDeps | undefined;
  let resendDeps: ResendDeps | undefined;
  return (async (
    event?: ScheduledEvent | ResendEvent,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ) => {
    if (isResendEvent(event)) {
      if (!buildResend) throw new ConfigError('this poller takes no resend requests');
      resendDeps ??= buildResend();
      try {
        return { resend: await resendJob(resendDeps, event.faxgateResend) };
      } finally {
        resendDeps.metrics.flush();
      }
    }
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
  }) as ReturnType<typeof createPollerHandler>;
}

/** The resend's dependencies from the same environment (its own clients, made on first use). */
export function deployedResendDeps(env = process.env, overrides: DeployedClientOverrides = {}): ResendDeps {
  return resendDepsFrom(deployedPollerDeps(env, overrides), gatewayPolicyFromEnv(env));
}

export const handler = createPollerHandler(
  () => deployedPollerDeps(),
  () => deployedResendDeps(),
);
