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
import type { ResendRequest, ResendResult } from '../delivery/resend-job.ts';
import { ConfigError } from '../errors.ts';
import { siblingModule } from '../sibling-bundle.ts';
import { type PollerDeps, type PollReport, pollFaxStatuses } from '../status-poller/poll-fax-statuses.ts';
import { buildPollerDeps, pollerSettingsFromEnv } from './status-poller-deps.ts';
import type { ResendRunner } from './status-poller-resend.ts';

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
 * It stops starting new work DEADLINE_MARGIN_MS before the Lambda would be cut off. Resend events
 * go to `resend` (status-poller-resend.ts).
 */
export function createPollerHandler(
  build: () => PollerDeps,
  resend?: ResendRunner,
): {
  (event?: ScheduledEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<PollReport>;
  (event: ResendEvent, context?: unknown): Promise<{ resend: ResendResult }>;
} {
  let deps: PollerDeps | undefined;
  return (async (
    event?: ScheduledEvent | ResendEvent,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ) => {
    if (isResendEvent(event)) {
      if (!resend) throw new ConfigError('this poller takes no resend requests');
      return { resend: await resend(event.faxgateResend) };
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

type ResendKit = typeof import('./status-poller-resend.ts');

/** The resend code (status-poller-resend.ts), imported on the first resend (see sibling-bundle.ts). */
const loadResendKit = siblingModule<ResendKit>(
  new URL('./resend-kit.mjs', import.meta.url),
  new URL('./status-poller-resend.ts', import.meta.url),
);

export const handler = createPollerHandler(
  () => deployedPollerDeps(),
  async (request) => (await loadResendKit()).deployedResend(request),
);
