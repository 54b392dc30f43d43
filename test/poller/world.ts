// A poller test world: the faxrocks sandbox over real HTTP, the job ledger in dynalite through the
// real SDK, one controlled clock shared by the sandbox and the use case, and recorders for what the
// poller says (mail, log lines, metrics).

import { PDFDocument } from '@cantoo/pdf-lib';
import { afterAll, beforeAll } from 'vitest';
import { DynamoJobLedger } from '../../functions/adapters/dynamo-job-ledger.ts';
import { DynamoNotificationLease } from '../../functions/adapters/dynamo-notification-lease.ts';
import { FaxrocksClient, staticToken } from '../../functions/adapters/faxrocks/client.ts';
import { S3PreparedDocuments } from '../../functions/adapters/s3-mail-store.ts';
import type { PollerPolicy } from '../../functions/config.ts';
import type { FaxJob, NewFaxJob } from '../../functions/domain/fax-job.ts';
import { DEFAULT_REDIAL_SCHEDULE, NO_REDIAL } from '../../functions/domain/redial-policy.ts';
import { sendFields } from '../../functions/domain/send-time.ts';
import type { Clock, Log, Mailer, OutgoingMail, PreparedDocuments } from '../../functions/ports.ts';
import {
  type PollerDeps,
  type PollReport,
  pollFaxStatuses,
} from '../../functions/status-poller/poll-fax-statuses.ts';
import { ensureTables } from '../../local/stand-ins.ts';
import {
  type FaxrocksSandbox,
  type SandboxOptions,
  startFaxrocksSandbox,
} from '../../sandbox/faxrocks-sandbox.ts';
import {
  type DynamoFixture,
  type S3Fixture,
  startDynamoFixture,
  startS3Fixture,
} from '../support/stand-ins.ts';
import { CountingMetrics } from '../support/telemetry.ts';

export const T0 = Date.parse('2026-11-27T06:00:00.000Z');
export const MINUTE = 60_000;
export const SANDBOX_TOKEN = 'poller-test-token-1234567890';

/**
 * One attempt per job, as before attempts: the tests of matching, paging, faults and leases read
 * most plainly that way. The attempt tests turn re-dialling and resending back on.
 */
export const testPolicy: PollerPolicy = {
  clockSkewSeconds: 120,
  unknownSendAfterMinutes: 30,
  pendingTimeoutMinutes: 60,
  pageSize: 1000,
  maxPages: 20,
  redial: NO_REDIAL,
  settleWindowMinutes: 10,
  resendAmbiguous: false,
};

export class RecordingMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  async send(mail: OutgoingMail): Promise<void> {
    this.sent.push(mail);
  }
}

export class RecordingLog implements Log {
  readonly lines: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  debug(message: string, extra?: Record<string, unknown>) {
    this.lines.push({ level: 'debug', message, extra });
  }
  info(message: string, extra?: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, extra });
  }
  warn(message: string, extra?: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, extra });
  }
  error(message: string, extra?: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, extra });
  }
  warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warn').map((l) => l.message);
  }
}

const pdfCache = new Map<number, Uint8Array>();

/** A real PDF of `pages` pages (the sandbox counts them as faxrocks would). */
export async function pdfOfPages(pages: number): Promise<Uint8Array> {
  const cached = pdfCache.get(pages);
  if (cached) return cached;
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([595, 842]).drawText(`page ${i + 1}`, { x: 50, y: 780 });
  const bytes = await doc.save();
  pdfCache.set(pages, bytes);
  return bytes;
}

let worlds = 0;

export interface World {
  sandbox: FaxrocksSandbox;
  client: FaxrocksClient;
  ledger: DynamoJobLedger;
  lease: DynamoNotificationLease;
  mailer: RecordingMailer;
  log: RecordingLog;
  metrics: CountingMetrics;
  clock: Clock;
  /** Moves the shared clock (sandbox and poller) forward. */
  advance(ms: number): void;
  now(): number;
  deps(overrides?: Partial<PollerDeps>): PollerDeps;
  poll(overrides?: Partial<PollerDeps>): Promise<PollReport>;
  /** A job the way the inbound pipeline makes one: claimSend, POST /send, markQueued. */
  sendJob(messageId: string, number: string, pages?: number, options?: Partial<NewFaxJob>): Promise<FaxJob>;
  /** claimSend only: the job as a crash or an ambiguous /send leaves it. */
  claimJob(
    messageId: string,
    number: string,
    pages?: number,
    options?: Partial<NewFaxJob>,
  ): Promise<NewFaxJob>;
  job(messageId: string, number: string): Promise<FaxJob>;
  faxesRequests(): number;
  close(): Promise<void>;
}

export async function createWorld(
  dynamo: DynamoFixture,
  options: {
    sandbox?: Partial<SandboxOptions>;
    policy?: Partial<PollerPolicy>;
    /** Where sendJob keeps each mail's document, and the poller finds it for later attempts. */
    documents?: PreparedDocuments;
  } = {},
): Promise<World> {
  let nowMs = T0;
  const clock: Clock = { now: () => new Date(nowMs) };
  const id = ++worlds;
  const jobsTable = `poller-jobs-${id}`;
  await ensureTables(dynamo.client, { jobsTable, sendersTable: `poller-senders-${id}` });
  const sandbox = await startFaxrocksSandbox({
    port: 0,
    token: SANDBOX_TOKEN,
    deliveryDelayMs: MINUTE,
    now: () => new Date(nowMs),
    ...options.sandbox,
  });
  const client = new FaxrocksClient({
    baseUrl: sandbox.url,
    token: staticToken(SANDBOX_TOKEN),
    readRetries: 1,
    backoffMs: 1,
    timeoutMs: 5_000,
  });
  const ledger = new DynamoJobLedger(dynamo.docClient, jobsTable, { clock });
  const lease = new DynamoNotificationLease(dynamo.docClient, jobsTable);
  const mailer = new RecordingMailer();
  const log = new RecordingLog();
  const metrics = new CountingMetrics();
  const policy = { ...testPolicy, ...options.policy };

  const claimJob = async (messageId: string, number: string, pages = 1, extra: Partial<NewFaxJob> = {}) => {
    const job: NewFaxJob = {
      messageId,
      number,
      attemptId: `attempt-${messageId}`,
      sendStartedAt: new Date(nowMs).toISOString(),
      pages,
      expiresAt: Math.floor(nowMs / 1000) + 400 * 86_400,
      sender: 'alice@example.com',
      subject: `Documents ${messageId}`,
      originalMessageId: `<${messageId}@mail.example.com>`,
      references: [`<thread-start-${messageId}@mail.example.com>`],
      ...extra,
    };
    if (!(await ledger.claimSend(job))) throw new Error(`job ${messageId}/${number} exists`);
    return job;
  };

  const world: World = {
    sandbox,
    client,
    ledger,
    lease,
    mailer,
    log,
    metrics,
    clock,
    advance: (ms) => {
      nowMs += ms;
    },
    now: () => nowMs,
    deps: (overrides = {}) => ({
      ledger,
      faxApi: client,
      mailer,
      policy,
      replyFrom: 'fax@fax.example.com',
      clock,
      log,
      metrics,
      notificationLease: lease,
      ...(options.documents ? { documents: options.documents } : {}),
      ...overrides,
    }),
    poll: (overrides = {}) => pollFaxStatuses(world.deps(overrides)),
    claimJob,
    async sendJob(messageId, number, pages = 1, extra = {}) {
      const job = await claimJob(messageId, number, pages, extra);
      const document = await pdfOfPages(pages);
      await options.documents?.keep(messageId, document);
      const [queued] = await client.send({ numbers: [number], document, ...sendFields(extra.schedule) });
      if (!queued) throw new Error('no /send answer');
      await ledger.markQueued(messageId, number, job.attemptId, {
        queuedAt: new Date(nowMs).toISOString(),
        pages: queued.pages,
        estimatedCost: queued.estimatedCost,
      });
      return world.job(messageId, number);
    },
    async job(messageId, number) {
      const job = await ledger.getJob(messageId, number);
      if (!job) throw new Error(`no job ${messageId}/${number}`);
      return job;
    },
    faxesRequests: () => sandbox.stats.requests['GET /faxes'] ?? 0,
    close: () => sandbox.close(),
  };
  return world;
}

/**
 * For a test file of attempts: a dynalite and an s3rver (prepared documents in `bucket`) for its
 * tests, closed after them with every world made, and a maker of worlds with re-dialling and
 * resending on, as deployed by default.
 */
export function attemptWorlds(bucket: string): (policy?: Partial<PollerPolicy>) => Promise<World> {
  let dynamo: DynamoFixture;
  let s3: S3Fixture;
  const made: World[] = [];
  beforeAll(async () => {
    dynamo = await startDynamoFixture();
    s3 = await startS3Fixture(bucket);
  });
  afterAll(async () => {
    for (const w of made) await w.close();
    await dynamo?.close();
    await s3?.close();
  });
  return async (policy = {}) => {
    const created = await createWorld(dynamo, {
      documents: new S3PreparedDocuments(s3.client, s3.bucket),
      policy: { redial: DEFAULT_REDIAL_SCHEDULE, resendAmbiguous: true, settleWindowMinutes: 10, ...policy },
    });
    made.push(created);
    return created;
  };
}
