// An admin's resend (`faxgate jobs resend --stack`), run by the status poller function when it is
// invoked with a ResendEvent. Only a resend needs the destination rules (libphonenumber-js with
// its full metadata, 190 KB) and the resend use case, so this is a bundle of its own beside the
// poller's handler (resend-kit.mjs, built by infra/gateway-stateless.ts and bench/lambda-bundle.ts),
// loaded on the first resend: the scheduled poll, every minute, never parses it.
//
// The bundle builds its own dependencies (deployedResendDeps): the use case tells the ports' errors
// apart by class, and a class from the handler's bundle is not the same class as this bundle's copy.

import type { DeployedClientOverrides } from '../adapters/deployed-adapters.ts';
import { gatewayPolicyFromEnv } from '../config.ts';
import { type ResendDeps, type ResendRequest, type ResendResult, resendJob } from '../delivery/resend-job.ts';
import { deployedPollerDeps } from './status-poller.ts';
import { resendDepsFrom } from './status-poller-deps.ts';

export type ResendRunner = (request: ResendRequest) => Promise<ResendResult>;

/** Resends over dependencies built on the first one and kept for the container. */
export function resendRunner(build: () => ResendDeps): ResendRunner {
  let deps: ResendDeps | undefined;
  return async (request) => {
    deps ??= build();
    try {
      return await resendJob(deps, request);
    } finally {
      deps.metrics.flush();
    }
  };
}

/** The resend's dependencies from the function's environment (its own clients, made on first use). */
export function deployedResendDeps(env = process.env, overrides: DeployedClientOverrides = {}): ResendDeps {
  return resendDepsFrom(deployedPollerDeps(env, overrides), gatewayPolicyFromEnv(env));
}

export const deployedResend: ResendRunner = resendRunner(() => deployedResendDeps());
