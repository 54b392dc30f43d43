// The inbound use case's dependencies against the one-machine runtime's stand-ins, for the commands
// that process a mail from the CLI (dead-letters redrive): built by the inbound function's own
// composition root, with the clients npm start uses.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { staticToken } from '../functions/adapters/faxrocks/client.ts';
import { buildInboundDeps, type InboundDeps } from '../functions/handlers/inbound-deps.ts';
import type { Log } from '../functions/ports.ts';
import { loggedMetrics } from '../local/console-log.ts';
import { OutboxMailer } from '../local/outbox-mailer.ts';
import type { LocalTarget } from './target.ts';

export function localInboundDeps(
  place: LocalTarget,
  clientConfig: (service: 'dynamodb' | 's3') => Record<string, unknown>,
  log: Log,
): { deps: InboundDeps; close(): void } {
  const dynamo = new DynamoDBClient(clientConfig('dynamodb'));
  const s3 = new S3Client(clientConfig('s3'));
  const deps = buildInboundDeps(place.config, {
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
  });
  return {
    deps,
    close: () => {
      dynamo.destroy();
      s3.destroy();
    },
  };
}
