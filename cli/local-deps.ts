// The use cases' dependencies against the one-machine runtime's stand-ins, for the commands that act
// from the CLI (dead-letters redrive: the inbound use case; jobs resend: the resend of a job): built
// by the functions' own composition roots, with the clients npm start uses.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { staticToken } from '../functions/adapters/faxrocks/client.ts';
import type { ResendDeps } from '../functions/delivery/resend-job.ts';
import { buildInboundDeps, type InboundDeps } from '../functions/handlers/inbound-deps.ts';
import { buildResendDeps } from '../functions/handlers/status-poller-deps.ts';
import type { Log } from '../functions/ports.ts';
import { loggedMetrics } from '../local/console-log.ts';
import { OutboxMailer } from '../local/outbox-mailer.ts';
import type { LocalTarget } from './target.ts';

type ClientConfig = (service: 'dynamodb' | 's3') => Record<string, unknown>;

function localClients(place: LocalTarget, clientConfig: ClientConfig, log: Log) {
  const dynamo = new DynamoDBClient(clientConfig('dynamodb'));
  const s3 = new S3Client(clientConfig('s3'));
  return {
    clients: {
      dynamo,
      s3,
      faxrocks: {
        baseUrl: place.faxrocks.url,
        token: staticToken(place.faxrocks.token),
        allowInsecureHttp: true,
      },
      mailer: new OutboxMailer({ outboxDir: place.outboxDir }),
      log,
      metrics: loggedMetrics(log),
    },
    close: () => {
      dynamo.destroy();
      s3.destroy();
    },
  };
}

/** The local runtime's dependencies of one kind, from its configuration and its stand-ins' clients. */
function localDeps<D>(
  build: (config: LocalTarget['config'], clients: ReturnType<typeof localClients>['clients']) => D,
) {
  return (place: LocalTarget, clientConfig: ClientConfig, log: Log): { deps: D; close(): void } => {
    const { clients, close } = localClients(place, clientConfig, log);
    return { deps: build(place.config, clients), close };
  };
}

export const localInboundDeps = localDeps<InboundDeps>(buildInboundDeps);
export const localResendDeps = localDeps<ResendDeps>(buildResendDeps);
