// The whole gateway on one machine: the same inbound use case and status poller as on AWS, wired to
// embedded stand-ins with state on disk under the data folder.
//
//   SMTP (SES stand-in) --stamped mail--> S3 (s3rver) bucket, inbound/<id>
//   S3 object created --S3 event notification--> in-process queue (SQS semantics) --> handleInboundBatch,
//     up to FAXGATE_INBOUND_CONCURRENCY batches at once, never two runs of one mail at once
//   handleInboundBatch --> DynamoDB (dynalite), faxrocks (sandbox or the real API), outbox (.eml)
//   timer --> pollFaxStatuses --> outbox
//
// Nothing written into the bucket is lost while the gateway is down: waiting queue messages are
// files, and on start every object under inbound/ that the ledger has not seen decided is enqueued again.

import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { FunctionClients } from '../functions/adapters/deployed-adapters.ts';
import { isLoopbackHost, staticToken } from '../functions/adapters/faxrocks/client.ts';
import type { GatewayPolicy, PollerPolicy } from '../functions/config.ts';
import { FaxgateError } from '../functions/errors.ts';
import { buildInboundDeps, type InboundBatchDeps } from '../functions/handlers/inbound-deps.ts';
import { buildPollerDeps } from '../functions/handlers/status-poller-deps.ts';
import { handleInboundBatch, storedMailsOf } from '../functions/inbound/inbound-batch.ts';
import { messageIdOf, SES_SETUP_NOTIFICATION } from '../functions/inbound/process-mail.ts';
import type { Clock, Log, MetricsSink } from '../functions/ports.ts';
import { systemClock } from '../functions/ports.ts';
import {
  type PollerDeps,
  type PollReport,
  pollFaxStatuses,
} from '../functions/status-poller/poll-fax-statuses.ts';
import { type FaxrocksSandbox, startFaxrocksSandbox } from '../sandbox/faxrocks-sandbox.ts';
import { localAwsClientConfig } from './aws-client-config.ts';
import { consoleLog, loggedMetrics } from './console-log.ts';
import { InboundQueue } from './inbound-queue.ts';
import {
  type LocalConfig,
  localConfigFromEnv,
  portVariables,
  type QueueSettings,
  type SesStamp,
} from './local-config.ts';
import { OutboxMailer, type SmtpRelay } from './outbox-mailer.ts';
import { objectCreatedNotification } from './s3-event-notification.ts';
import { type SesInboundSmtp, startSesInboundSmtp } from './ses-inbound-smtp.ts';
import {
  ensureTables,
  type S3StandIn,
  type StandIn,
  startDynamoStandIn,
  startS3StandIn,
} from './stand-ins.ts';

/** A port the runtime wanted is taken; the message names the variable that moves it. */
export class PortInUseError extends FaxgateError {}

type Env = Record<string, string | undefined>;

export interface LocalGatewayOptions
  extends Partial<Omit<LocalConfig, 'queue' | 'sesStamp' | 'policy' | 'pollerPolicy'>> {
  /** The environment the defaults are read from (main passes process.env; tests usually nothing). */
  env?: Env;
  /** `0` starts every server whose port is not given on a free port (tests). */
  ports?: 0;
  queue?: Partial<QueueSettings>;
  sesStamp?: Partial<SesStamp>;
  policy?: Partial<GatewayPolicy>;
  pollerPolicy?: Partial<PollerPolicy>;
  /** Starts the status poller on its timer (default true); tests may call pollNow instead. */
  pollOnTimer?: boolean;
  log?: Log;
  metrics?: MetricsSink;
  clock?: Clock;
  /** Replaces the inbound use case behind the queue (tests of the queue's failure paths). */
  inboundHandler?: (event: SQSEvent, deps: InboundBatchDeps) => Promise<SQSBatchResponse>;
}

export interface LocalGateway {
  config: LocalConfig;
  smtpPort: number;
  s3Endpoint: string;
  dynamodbEndpoint: string;
  faxrocksUrl: string;
  /** The sandbox, when it was started (no FAXROCKS_API_URL). */
  sandbox?: FaxrocksSandbox;
  outboxDir: string;
  deadLetterDir: string;
  queueDir: string;
  queue: InboundQueue;
  /** The inbound function's dependencies, built as on AWS (functions/handlers/inbound-deps.ts). */
  deps: InboundBatchDeps;
  /** The status poller's, likewise (functions/handlers/status-poller-deps.ts). */
  pollerDeps: PollerDeps;
  s3Client: S3Client;
  /** Mails found in the bucket on start that the ledger had never seen, enqueued again. */
  recoveredOnStart: string[];
  /** Runs one status poll now (waits for a running one first: polls never overlap). */
  pollNow(): Promise<PollReport | undefined>;
  /** Stops accepting mail, finishes the work in flight, closes every server. */
  close(): Promise<void>;
}

function resolveConfig(options: LocalGatewayOptions): LocalConfig {
  const base = localConfigFromEnv(options.env ?? {});
  const {
    env: _env,
    ports,
    queue,
    sesStamp,
    policy,
    pollerPolicy,
    pollOnTimer: _timer,
    log: _log,
    metrics: _metrics,
    clock: _clock,
    inboundHandler: _handler,
    ...plain
  } = options;
  const anyFreePort = ports === 0 ? { smtpPort: 0, s3Port: 0, dynamodbPort: 0, sandboxPort: 0 } : {};
  return {
    ...base,
    ...anyFreePort,
    ...plain,
    queue: { ...base.queue, ...queue },
    sesStamp: { ...base.sesStamp, ...sesStamp },
    policy: { ...base.policy, ...policy },
    pollerPolicy: { ...base.pollerPolicy, ...pollerPolicy },
  };
}

async function onPort<T>(variable: string, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new PortInUseError(
        `Port ${port} on ${host} is already in use: stop the other program or set ${variable} to a free port`,
        { cause: error },
      );
    }
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new PortInUseError(
        `Cannot listen on ${host}:${port} (${code}): set ${variable} to another port`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** Fails with PortInUseError when the port cannot be bound (s3rver would hang on it, not reject). */
async function assertPortFree(variable: string, host: string, port: number): Promise<void> {
  if (port === 0) return;
  await onPort(
    variable,
    host,
    port,
    () =>
      new Promise<void>((resolve, reject) => {
        const probe = createServer();
        probe.once('error', reject);
        probe.listen(port, host, () => probe.close(() => resolve()));
      }),
  );
}

/** The stored mail's key a queue message names, to keep runs of one mail apart. */
function keyOfNotification(body: string): string | undefined {
  try {
    return storedMailsOf({ body })[0]?.key;
  } catch {
    return undefined;
  }
}

/** FAXGATE_SMTP_RELAY (`smtp[s]://[user:pass@]host[:port]`) as the outbox mailer's relay. */
function relayOf(url: URL): SmtpRelay {
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname,
    port: Number(url.port || (secure ? 465 : 25)),
    secure,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
  };
}

export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const config = resolveConfig(options);
  const log = options.log ?? consoleLog(config.logLevel);
  const metrics = options.metrics ?? loggedMetrics(log);
  const clock = options.clock ?? systemClock;
  const dirs = {
    s3: join(config.dataDir, 's3'),
    dynamodb: join(config.dataDir, 'dynamodb'),
    sandbox: join(config.dataDir, 'sandbox'),
    outbox: join(config.dataDir, 'outbox'),
    queue: join(config.dataDir, 'queue'),
    deadLetter: join(config.dataDir, 'dead-letter'),
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  // All ports first, so a clash is reported before anything starts.
  await assertPortFree(portVariables.dynamodbPort, config.host, config.dynamodbPort);
  await assertPortFree(portVariables.s3Port, config.host, config.s3Port);
  if (!config.externalFaxrocks)
    await assertPortFree(portVariables.sandboxPort, config.host, config.sandboxPort);
  await assertPortFree(portVariables.smtpPort, config.host, config.smtpPort);

  // Everything started so far, closed in reverse order if a later step fails.
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        log.warn('Error while closing', { error: String(error) });
      }
    }
  };

  try {
    const dynamo: StandIn = await onPort(portVariables.dynamodbPort, config.host, config.dynamodbPort, () =>
      startDynamoStandIn({ host: config.host, port: config.dynamodbPort, dataDir: dirs.dynamodb }),
    );
    closers.push(() => dynamo.close());
    const dynamoClient = new DynamoDBClient(localAwsClientConfig(dynamo.endpoint));
    closers.push(async () => dynamoClient.destroy());
    await ensureTables(dynamoClient, { jobsTable: config.jobsTable, sendersTable: config.sendersTable });

    const s3: S3StandIn = await onPort(portVariables.s3Port, config.host, config.s3Port, () =>
      startS3StandIn({ host: config.host, port: config.s3Port, dataDir: dirs.s3, buckets: [config.bucket] }),
    );
    closers.push(() => s3.close());
    const s3Client = new S3Client(localAwsClientConfig(s3.endpoint));
    closers.push(async () => s3Client.destroy());

    let sandbox: FaxrocksSandbox | undefined;
    let faxrocks = config.externalFaxrocks;
    if (!faxrocks) {
      sandbox = await onPort(portVariables.sandboxPort, config.host, config.sandboxPort, () =>
        startFaxrocksSandbox({
          host: config.host,
          port: config.sandboxPort,
          token: config.sandboxToken,
          deliveryDelayMs: config.sandboxDeliveryDelayMs,
          dataDir: dirs.sandbox,
          // One clock for the gateway and its stand-in, so a test's clock moves both.
          now: () => clock.now(),
        }),
      );
      const started = sandbox;
      closers.push(() => started.close());
      faxrocks = { url: sandbox.url, token: sandbox.token };
    }
    // On one machine the user names the API explicitly, so a plain-http stand-in on another host
    // (a test rig, a container) is allowed here, with a warning; the Lambda functions insist on https.
    if (new URL(faxrocks.url).protocol === 'http:' && !isLoopbackHost(new URL(faxrocks.url).hostname)) {
      log.warn('FAXROCKS_API_URL is plain http: the token travels unencrypted', { url: faxrocks.url });
    }
    const mailer = new OutboxMailer({
      outboxDir: dirs.outbox,
      clock,
      ...(config.smtpRelay ? { relay: relayOf(config.smtpRelay) } : {}),
    });
    // The same composition roots as the Lambda handlers; only the clients are local.
    const clients: FunctionClients = {
      dynamo: dynamoClient,
      faxrocks: {
        baseUrl: faxrocks.url,
        token: staticToken(faxrocks.token),
        allowInsecureHttp: Boolean(config.externalFaxrocks),
      },
      mailer,
      log,
      metrics,
      clock,
    };
    // The local queue sets each failed message's retry delay itself, as SQS does on AWS; it is
    // opened below, before any message is handled.
    let queue: InboundQueue | undefined;
    const deps = buildInboundDeps(
      { ...config, maxReceiveCount: config.queue.maxReceiveCount },
      {
        ...clients,
        s3: s3Client,
        retries: {
          retryAfter: async (message, seconds, cause) => queue?.retryAfter(message, seconds, cause),
        },
      },
    );
    const pollerDeps = buildPollerDeps(config, { ...clients, s3: s3Client });
    const { ledger } = deps;

    const handler = options.inboundHandler ?? handleInboundBatch;
    queue = await InboundQueue.open({
      handler: (event) => handler(event, deps),
      // Runs of one stored mail never overlap (see local-config.ts on SEND_IN_FLIGHT_SECONDS).
      groupOf: keyOfNotification,
      stateDir: dirs.queue,
      deadLetterDir: dirs.deadLetter,
      settings: config.queue,
      queueArn: `arn:aws:sqs:${config.sesStamp.region}:000000000000:faxgate-inbound`,
      log,
      clock,
    });
    const opened = queue;
    closers.push(() => opened.close());

    // S3 -> SQS: every object created under inbound/ becomes one queue message, as the bucket
    // notification does on AWS, whichever client wrote it.
    const enqueuing = new Set<Promise<unknown>>();
    let acceptingEvents = true;
    const enqueue = (object: { bucket: string; key: string; size: number; eTag: string }) => {
      const sent = queue
        .send(JSON.stringify(objectCreatedNotification(object, { region: config.sesStamp.region })))
        .catch((error: unknown) =>
          log.error('Could not enqueue the stored mail; it is picked up on the next start', {
            key: object.key,
            error: String(error),
          }),
        )
        .finally(() => enqueuing.delete(sent));
      enqueuing.add(sent);
    };
    s3.onObjectCreated((object) => {
      if (!acceptingEvents || object.bucket !== config.bucket || !object.key.startsWith('inbound/')) return;
      enqueue(object);
    });
    closers.push(async () => {
      acceptingEvents = false;
      await Promise.all([...enqueuing]);
    });

    // SES writes this object when the receipt rule is created; a fresh data folder gets it too.
    const setupKey = `inbound/${SES_SETUP_NOTIFICATION}`;
    const setupExists = await s3Client
      .send(new HeadObjectCommand({ Bucket: config.bucket, Key: setupKey }))
      .then(
        () => true,
        () => false,
      );
    if (!setupExists) {
      await s3Client.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: setupKey,
          Body: 'Amazon SES setup notification: the receipt rule can write to this bucket.\r\n',
        }),
      );
    }

    const recoveredOnStart = await recoverUnseenMail({
      s3Client,
      bucket: config.bucket,
      pending: new Set(queue.pendingBodies().map(keyOfNotification)),
      deadLettered: new Set(
        (await queue.deadLetters()).map((d) => keyOfNotification(JSON.stringify(d.body))),
      ),
      // A mail record still RECEIVED was opened but never decided (a crash mid-way): run it again;
      // the exactly-once gate keeps any /send from repeating.
      isKnown: async (messageId) => {
        const record = await ledger.getMail(messageId);
        return record !== undefined && record.outcome !== 'RECEIVED';
      },
      enqueue,
    });
    if (recoveredOnStart.length > 0) {
      log.info('Stored mail not yet processed was enqueued again', { count: recoveredOnStart.length });
    }

    const smtp: SesInboundSmtp = await onPort(portVariables.smtpPort, config.host, config.smtpPort, () =>
      startSesInboundSmtp({
        host: config.host,
        port: config.smtpPort,
        faxDomain: config.policy.faxDomain,
        maxMessageBytes: config.maxMessageBytes,
        stamp: config.sesStamp,
        store: async (messageId, stamped) => {
          await s3Client.send(
            new PutObjectCommand({
              Bucket: config.bucket,
              Key: `inbound/${messageId}`,
              Body: stamped,
              ContentType: 'message/rfc822',
            }),
          );
          log.info('Mail received over SMTP and stored', { messageId, bytes: stamped.length });
        },
        onError: (error) => log.error('SMTP server error', { error: String(error) }),
      }),
    );
    // Closed first: no new mail while the rest finishes.
    closers.push(() => smtp.close());

    // The status poller: one run at a time, the next one scheduled after the last ended.
    let polling: Promise<PollReport | undefined> | undefined;
    let pollTimer: NodeJS.Timeout | undefined;
    let stopped = false;
    const pollOnce = (): Promise<PollReport | undefined> => {
      polling ??= pollFaxStatuses(pollerDeps)
        .catch((error: unknown) => {
          log.error('Status poll failed; the next one tries again', { error: String(error) });
          return undefined;
        })
        .finally(() => {
          polling = undefined;
        });
      return polling;
    };
    const scheduleNextPoll = () => {
      if (stopped) return;
      pollTimer = setTimeout(() => {
        void pollOnce().finally(scheduleNextPoll);
      }, config.pollSeconds * 1000);
    };
    if (options.pollOnTimer ?? true) scheduleNextPoll();
    closers.splice(closers.length - 1, 0, async () => {
      stopped = true;
      if (pollTimer) clearTimeout(pollTimer);
      await polling;
    });

    return {
      config,
      smtpPort: smtp.port,
      s3Endpoint: s3.endpoint,
      dynamodbEndpoint: dynamo.endpoint,
      faxrocksUrl: faxrocks.url,
      ...(sandbox ? { sandbox } : {}),
      outboxDir: dirs.outbox,
      deadLetterDir: dirs.deadLetter,
      queueDir: dirs.queue,
      queue,
      deps,
      pollerDeps,
      s3Client,
      recoveredOnStart,
      pollNow: async () => {
        await polling;
        return pollOnce();
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function recoverUnseenMail(input: {
  s3Client: S3Client;
  bucket: string;
  pending: Set<string | undefined>;
  deadLettered: Set<string | undefined>;
  isKnown(messageId: string): Promise<boolean>;
  enqueue(object: { bucket: string; key: string; size: number; eTag: string }): void;
}): Promise<string[]> {
  const recovered: string[] = [];
  let token: string | undefined;
  // Bounded: 1,000 pages of 1,000 keys is far beyond any local bucket.
  for (let page = 0; page < 1000; page++) {
    const listing = await input.s3Client.send(
      new ListObjectsV2Command({ Bucket: input.bucket, Prefix: 'inbound/', ContinuationToken: token }),
    );
    for (const object of listing.Contents ?? []) {
      const key = object.Key;
      if (!key || key.endsWith(`/${SES_SETUP_NOTIFICATION}`)) continue;
      if (input.pending.has(key) || input.deadLettered.has(key)) continue;
      const messageId = messageIdOf(key);
      if (await input.isKnown(messageId)) continue;
      input.enqueue({ bucket: input.bucket, key, size: object.Size ?? 0, eTag: object.ETag ?? '' });
      recovered.push(key);
    }
    if (!listing.IsTruncated) break;
    token = listing.NextContinuationToken;
  }
  return recovered;
}
