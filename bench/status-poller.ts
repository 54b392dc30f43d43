// Figure 3: the status poller against the faxrocks sandbox over loopback HTTP, with 10,000 older
// faxes in the account and 1,000 open jobs sent within the last hour (each with its fax, still
// pending): GET /faxes requests and time per poll, the first one after the sends (matching) and a
// later one (every job holding its fax), beside the floor of reading the same pages with
// the client alone and beside a naive poller that reads the whole history. The job ledger is the
// in-memory one, so the time is the poller's and the HTTP's, not an emulator's. Then the matching
// step alone at 1,000 and 10,000 jobs, to show its n log n growth. And polls with attempts in play
// (issue 12): a share of the jobs waiting to be re-dialled (some due now, so those polls also send),
// ambiguous sends found in /faxes and ambiguous sends proven never created: still the fewest /faxes
// requests per poll.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FaxrocksClient, staticToken } from '../functions/adapters/faxrocks/client.ts';
import type { FaxJob } from '../functions/domain/fax-job.ts';
import { matchFaxesToJobs } from '../functions/domain/fax-matching.ts';
import type { FaxRecord, PreparedDocuments } from '../functions/ports.ts';
import { type PollerDeps, pollFaxStatuses } from '../functions/status-poller/poll-fax-statuses.ts';
import { testFaxPdf } from '../local/test-fax-pdf.ts';
import { startFaxrocksSandbox } from '../sandbox/faxrocks-sandbox.ts';
import { CountingMetrics, silentLog } from '../test/support/telemetry.ts';
import { CountingMailer, MemoryJobLedger } from './in-memory-ports.ts';
import { median, round, timeRuns } from './measure.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface PollerOptions {
  oldFaxes: number;
  openJobs: number;
  warmup: number;
  runs: number;
  /** Job counts for the matching figure, smallest first. */
  matchingSizes: number[];
  matchingRuns: number;
}

export interface PollerResult {
  oldFaxes: number;
  openJobs: number;
  pageSize: number;
  /** GET /faxes requests of the first poll after the sends (every job seeks its fax). */
  requestsPerPoll: number;
  /** The fewest possible then: the open jobs' faxes plus one older fax, in pages of pageSize. */
  minimumRequests: number;
  /** A later poll: every job holds its fax already (the fewest possible: their faxes, in pages). */
  steady: { requests: number; minimumRequests: number; pollMs: number; floorMs: number; ratio: number };
  /** A poller that reads the whole history. */
  naiveRequests: number;
  matchedPerPoll: number;
  pollMs: number;
  /** Reading the same pages with the client alone. */
  floorMs: number;
  ratio: number;
  naiveListMs: number;
  /** Consecutive polls with attempts in play: GET /faxes and POST /send requests of each. */
  attempts: AttemptsInPlay;
  /** Median ms per match, and ns per n log2 n (flat when the growth is n log n). */
  matching: { jobs: number; faxes: number; medianMs: number; nsPerNLogN: number }[];
  /** Time growth from the smallest to the largest size, and what n log n predicts. */
  matchingGrowth: { measured: number; nLogN: number; linear: number };
}

/** A valid Berlin number per index (never one of the sandbox's test numbers, which end in 60x). */
function numberFor(index: number): string {
  return `+4930${String(20_000_000 + index)}`;
}

export interface AttemptsInPlay {
  /** How the open jobs stood before the first of these polls. */
  jobs: {
    queued: number;
    retryDueNow: number;
    retryDueLater: number;
    ambiguousFound: number;
    ambiguousAbsent: number;
  };
  polls: { faxesRequests: number; fewestPossible: number; sends: number; retriesScheduled: number }[];
}

function openJob(index: number, sendStartedAt: number): FaxJob {
  const at = new Date(sendStartedAt).toISOString();
  return {
    messageId: `bench-mail-${index}`,
    number: numberFor(index),
    attemptId: `attempt-${index}`,
    sendStartedAt: at,
    queuedAt: at,
    pages: 1,
    expiresAt: Math.floor(sendStartedAt / 1000) + 400 * 86_400,
    sender: 'alice@example.com',
    subject: 'Scan',
    state: 'QUEUED',
  };
}

export async function measureStatusPoller(options: PollerOptions): Promise<PollerResult> {
  const now = Date.now();
  const sandbox = await startFaxrocksSandbox({ port: 0, deliveryDelayMs: DAY });
  try {
    await sandbox.seedFaxes(
      Array.from({ length: options.oldFaxes }, (_, i) => ({
        number: numberFor(i % 500),
        createdAt: new Date(now - 2 * DAY - i * 60_000),
        status: 'delivered' as const,
      })),
    );
    // Open jobs spread over the last hour; each one's fax created two seconds after its send.
    const jobs = Array.from({ length: options.openJobs }, (_, i) =>
      openJob(i, now - HOUR + Math.floor((i * HOUR) / Math.max(1, options.openJobs))),
    );
    const faxIds = await sandbox.seedFaxes(
      jobs.map((job) => ({
        number: job.number,
        createdAt: new Date(Date.parse(job.sendStartedAt) + 2000),
        status: 'pending' as const,
      })),
    );

    const client = new FaxrocksClient({ baseUrl: sandbox.url, token: staticToken(sandbox.token) });
    const pageSize = 1000;
    const poll = async (attached: boolean) => {
      const ledger = new MemoryJobLedger();
      for (const [i, job] of jobs.entries()) ledger.seedJob(attached ? { ...job, faxId: faxIds[i] } : job);
      sandbox.stats.reset();
      const report = await pollFaxStatuses({
        ledger,
        faxApi: client,
        mailer: new CountingMailer(),
        policy: {
          clockSkewSeconds: 120,
          unknownSendAfterMinutes: 30,
          pendingTimeoutMinutes: 24 * 60,
          pageSize,
          maxPages: 20,
          settleWindowMinutes: 10,
          resendAmbiguous: true,
        },
        replyFrom: 'fax@fax.bench.example',
        clock: { now: () => new Date() },
        log: silentLog,
        metrics: new CountingMetrics(),
      });
      return {
        requests: sandbox.stats.requests['GET /faxes'] ?? 0,
        matched: report.matched,
        pages: report.pagesRead,
      };
    };
    // The first poll after the sends matches every job; later ones find each job holding its fax.
    let firstPoll = { requests: 0, matched: 0, pages: 0 };
    let steady = { requests: 0, matched: 0, pages: 0 };
    const pollTimes = await timeRuns({ warmup: options.warmup, runs: options.runs }, async () => {
      firstPoll = await poll(false);
    });
    const steadyTimes = await timeRuns({ warmup: options.warmup, runs: options.runs }, async () => {
      steady = await poll(true);
    });

    const readPages = async (pages: number) => {
      let read = 0;
      for await (const _page of client.listFaxPages({ perPage: pageSize })) {
        if (++read >= pages) break;
      }
    };
    const floorTimes = await timeRuns({ warmup: options.warmup, runs: options.runs }, () =>
      readPages(firstPoll.pages),
    );
    const steadyFloorTimes = await timeRuns({ warmup: options.warmup, runs: options.runs }, () =>
      readPages(steady.pages),
    );
    sandbox.stats.reset();
    const naiveTimes = await timeRuns({ warmup: 0, runs: Math.max(1, Math.ceil(options.runs / 2)) }, () =>
      readPages(Number.POSITIVE_INFINITY),
    );
    const naiveRequests = (sandbox.stats.requests['GET /faxes'] ?? 0) / naiveTimes.length;

    const attempts = await pollsWithAttemptsInPlay(sandbox, client, jobs, faxIds, pageSize);

    const pollMs = median(pollTimes);
    const floorMs = median(floorTimes);
    const steadyMs = median(steadyTimes);
    const steadyFloorMs = median(steadyFloorTimes);
    const matching = measureMatching(options.matchingSizes, options.matchingRuns);
    const first = matching[0];
    const last = matching.at(-1);
    const nLogN = (n: number) => n * Math.log2(n);
    return {
      oldFaxes: options.oldFaxes,
      openJobs: options.openJobs,
      pageSize,
      requestsPerPoll: firstPoll.requests,
      minimumRequests: Math.ceil((options.openJobs + 1) / pageSize),
      naiveRequests,
      matchedPerPoll: firstPoll.matched,
      pollMs: round(pollMs),
      floorMs: round(floorMs),
      ratio: round(pollMs / floorMs, 2),
      steady: {
        requests: steady.requests,
        minimumRequests: Math.ceil(options.openJobs / pageSize),
        pollMs: round(steadyMs),
        floorMs: round(steadyFloorMs),
        ratio: round(steadyMs / steadyFloorMs, 2),
      },
      naiveListMs: round(median(naiveTimes)),
      attempts,
      matching: matching.map((m) => ({
        ...m,
        medianMs: round(m.medianMs, 2),
        nsPerNLogN: round((m.medianMs * 1e6) / nLogN(m.jobs)),
      })),
      matchingGrowth:
        first && last
          ? {
              measured: round(last.medianMs / first.medianMs, 1),
              nLogN: round(nLogN(last.jobs) / nLogN(first.jobs), 1),
              linear: round(last.jobs / first.jobs, 1),
            }
          : { measured: Number.NaN, nLogN: Number.NaN, linear: Number.NaN },
    };
  } finally {
    await sandbox.close();
  }
}

const ATTEMPTS_POLICY: PollerDeps['policy'] = {
  clockSkewSeconds: 120,
  unknownSendAfterMinutes: 30,
  pendingTimeoutMinutes: 24 * 60,
  pageSize: 1000,
  maxPages: 20,
  settleWindowMinutes: 10,
  resendAmbiguous: true,
  redial: {
    busyMinutes: [5, 5, 15, 40],
    noAnswerMinutes: [5, 30],
    brokenOffMinutes: [2, 10],
    maxAttempts: 6,
    windowMinutes: 180,
  },
};

/**
 * Three polls in a row over the same jobs, one in twenty of each kind: a busy fax's re-dial due now
 * (sent by the first poll, followed by the next), one due in half an hour, an ambiguous send whose
 * fax is in /faxes, and one that never reached faxrocks (its number has no fax). Each poll still
 * reads only the pages back to the oldest followed send.
 */
async function pollsWithAttemptsInPlay(
  sandbox: Awaited<ReturnType<typeof startFaxrocksSandbox>>,
  client: FaxrocksClient,
  jobs: FaxJob[],
  faxIds: string[],
  pageSize: number,
): Promise<AttemptsInPlay> {
  const now = Date.now();
  const ledger = new MemoryJobLedger();
  const document = await testFaxPdf();
  const documents: PreparedDocuments = { keep: async () => undefined, get: async () => document };
  const counts = { queued: 0, retryDueNow: 0, retryDueLater: 0, ambiguousFound: 0, ambiguousAbsent: 0 };
  for (const [i, job] of jobs.entries()) {
    const faxId = faxIds[i] as string;
    const failedBusy = {
      attempt: 1,
      attemptId: job.attemptId,
      cause: 'first' as const,
      startedAt: job.sendStartedAt,
      sendAnswer: 'queued' as const,
      faxId,
      outcome: 'failed' as const,
      error: 'Busy',
      endedAt: job.sendStartedAt,
    };
    const base = { ...job, firstSentAt: job.sendStartedAt, attempt: 1 };
    switch (i % 20) {
      case 0:
      case 1: {
        const dueAt = new Date(i % 20 === 0 ? now - 60_000 : now + 30 * 60_000).toISOString();
        ledger.seedJob({
          ...base,
          state: 'RETRY_DUE',
          queuedAt: undefined,
          dueAt,
          retryCause: 'busy',
          attempts: [failedBusy],
          attemptId: `${job.attemptId}-next`,
        });
        if (i % 20 === 0) counts.retryDueNow++;
        else counts.retryDueLater++;
        break;
      }
      case 2:
        ledger.seedJob({
          ...base,
          state: 'SENDING',
          queuedAt: undefined,
          outcomeUnknown: 'faxrocks /send answered 500',
        });
        counts.ambiguousFound++;
        break;
      case 3:
        // A number no fax was ever created for: it stays absent from every read.
        ledger.seedJob({
          ...base,
          number: `+4930${String(30_000_000 + i)}`,
          state: 'SENDING',
          queuedAt: undefined,
          outcomeUnknown: 'faxrocks /send answered 500',
        });
        counts.ambiguousAbsent++;
        break;
      default:
        ledger.seedJob({ ...base, faxId });
        counts.queued++;
    }
  }
  const polls: AttemptsInPlay['polls'] = [];
  const oldest = Math.min(...jobs.map((job) => Date.parse(job.sendStartedAt))) - 120_000;
  for (let poll = 0; poll < 3; poll++) {
    const listedSince = sandbox.faxes().filter((f) => Date.parse(f.created_at) >= oldest).length;
    sandbox.stats.reset();
    const report = await pollFaxStatuses({
      ledger,
      faxApi: client,
      mailer: new CountingMailer(),
      policy: { ...ATTEMPTS_POLICY, pageSize },
      replyFrom: 'fax@fax.bench.example',
      clock: { now: () => new Date() },
      log: silentLog,
      metrics: new CountingMetrics(),
      documents,
    });
    polls.push({
      faxesRequests: sandbox.stats.requests['GET /faxes'] ?? 0,
      // Every fax since the oldest followed send, and one older to know the read reached back.
      fewestPossible: Math.ceil((listedSince + 1) / pageSize),
      sends: sandbox.stats.requests['POST /send'] ?? 0,
      retriesScheduled: report.retriesScheduled,
    });
  }
  return { jobs: counts, polls };
}

/** A full garbage collection, through V8's gc() made reachable at run time (no node flag needed). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** matchFaxesToJobs alone: n open jobs against their n faxes and n older ones, in listing order (what a poll reads). */
function measureMatching(sizes: number[], runs: number): { jobs: number; faxes: number; medianMs: number }[] {
  const now = Date.now();
  return sizes.map((n) => {
    const jobs = Array.from({ length: n }, (_, i) => openJob(i, now - HOUR + Math.floor((i * HOUR) / n)));
    const faxes: FaxRecord[] = [];
    const fax = (id: string, number: string, createdAt: number): FaxRecord => {
      const at = new Date(createdAt).toISOString();
      return {
        id,
        number,
        sentAt: null,
        sentAtTimezone: null,
        status: false,
        error: null,
        price: null,
        pages: 1,
        pagesSent: null,
        createdAt: at,
        updatedAt: at,
      };
    };
    jobs.forEach((job, i) => {
      faxes.push(fax(`j${i}`, job.number, Date.parse(job.sendStartedAt) + 2000));
    });
    for (let i = 0; i < n; i++) faxes.push(fax(`o${i}`, numberFor(i % n), now - 2 * DAY - i * 1000));
    faxes.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const times: number[] = [];
    // Many repetitions per sample: one match of 1,000 jobs takes about a millisecond.
    const repeat = Math.max(1, Math.round(20_000 / n));
    // Each size starts from a collected heap, so it does not pay for another size's garbage; the
    // first samples are thrown away while the young generation grows to this size's working set
    // (collecting before every sample shrank it again, which charged the regrowth to the large
    // sizes' one or two calls a sample and to the small sizes' twenty only once).
    collectGarbage();
    const warmup = 2;
    for (let r = 0; r < runs + warmup; r++) {
      const started = performance.now();
      let matched = 0;
      for (let k = 0; k < repeat; k++)
        matched += matchFaxesToJobs(jobs, faxes, { clockSkewMs: 120_000 }).length;
      if (matched !== n * repeat) throw new Error(`matching found ${matched / repeat} of ${n}`);
      if (r >= warmup) times.push((performance.now() - started) / repeat);
    }
    return { jobs: n, faxes: faxes.length, medianMs: median(times) };
  });
}
