// Matching faxrocks faxes to fax jobs. `/send` answers carry no fax id, so a job is tied to a
// `/faxes` entry by what both sides know: the number, the page count, and time (the fax cannot be
// created before the job's send started, less clock skew). Several jobs to one number with equal
// pages are served first come, first served: jobs in send order each take the earliest eligible
// fax nobody holds yet. Faxes sent outside faxgate simply stay unmatched.
//
// Pure and O((jobs + faxes) log(jobs + faxes)): faxes are grouped by (number, pages) and sorted
// once; because jobs are visited in send order, the earliest time a fax may have been created only
// grows within a group, so one cursor per group never moves backwards.

import type { FaxRecord } from '../ports.ts';

/** The job fields matching needs (a FaxJob has them all). */
export interface MatchableJob {
  messageId: string;
  number: string;
  sendStartedAt: string;
  pages: number;
}

export interface FaxMatch<J extends MatchableJob> {
  job: J;
  fax: FaxRecord;
}

export interface MatchOptions {
  /** Tolerated difference between our clock and the provider's, in milliseconds. */
  clockSkewMs: number;
  /** Fax ids some job already holds (a job's faxId or a claim item): never offered again. */
  claimedFaxIds?: ReadonlySet<string>;
}

/**
 * Milliseconds since the epoch of a provider timestamp (`2024-01-21T15:00:00.000000Z`), or NaN
 * when it cannot be read (such a fax is never matched rather than matched by accident).
 */
export function providerTime(value: string): number {
  return Date.parse(value);
}

/** Send order: the order in which jobs claim faxes. Ties broken by key so every poller agrees. */
export function compareSendOrder(a: MatchableJob, b: MatchableJob): number {
  return (
    Date.parse(a.sendStartedAt) - Date.parse(b.sendStartedAt) ||
    compareText(a.messageId, b.messageId) ||
    compareText(a.number, b.number)
  );
}

/**
 * Pairs jobs with faxes: same number, same page count, created no earlier than the job's send
 * start less the skew; jobs in send order take the earliest such fax not yet taken. Each fax goes
 * to at most one job; the result is in send order.
 */
export function matchFaxesToJobs<J extends MatchableJob>(
  jobs: readonly J[],
  faxes: readonly FaxRecord[],
  options: MatchOptions,
): FaxMatch<J>[] {
  const claimed = options.claimedFaxIds ?? new Set<string>();
  // Grouped by number (the records' own strings, whose hashes V8 keeps), then by page count in a
  // short list: no key string built per fax and per job, and no map per number. The listing comes
  // newest first, so read backwards each group fills in creation order and needs no sort; a group
  // that does not (another order, equal times) is sorted once.
  const groups = new Map<string, FaxGroup[]>();
  for (let i = faxes.length - 1; i >= 0; i--) {
    const fax = faxes[i] as FaxRecord;
    const createdAt = providerTime(fax.createdAt);
    if (claimed.has(fax.id) || Number.isNaN(createdAt)) continue;
    let byPages = groups.get(fax.number);
    if (!byPages) {
      byPages = [];
      groups.set(fax.number, byPages);
    }
    let group = byPages.find((g) => g.pages === fax.pages);
    if (!group) {
      group = { pages: fax.pages, faxes: [], cursor: 0, sorted: true };
      byPages.push(group);
    }
    const last = group.faxes.at(-1);
    if (last && compareEntries(last, { fax, createdAt }) >= 0) group.sorted = false;
    group.faxes.push({ fax, createdAt });
  }
  for (const byPages of groups.values()) {
    for (const group of byPages) {
      if (group.sorted) continue;
      group.faxes.sort(compareEntries);
      // A listing can repeat a fax across pages when new faxes arrive while it is read; sorted,
      // the copies are neighbours.
      group.faxes = group.faxes.filter((entry, i, all) => i === 0 || all[i - 1]?.fax.id !== entry.fax.id);
    }
  }

  // Each send time is parsed once, not once per comparison; jobs usually come in send order.
  const ordered = jobs
    .map((job) => ({ job, sentAt: Date.parse(job.sendStartedAt) }))
    .filter(({ sentAt }) => !Number.isNaN(sentAt));
  if (!ordered.every((entry, i) => i === 0 || compareJobEntries(ordered[i - 1] as typeof entry, entry) <= 0))
    ordered.sort(compareJobEntries);
  const matches: FaxMatch<J>[] = [];
  for (const { job, sentAt } of ordered) {
    const group = groups.get(job.number)?.find((g) => g.pages === job.pages);
    if (!group) continue;
    const earliest = sentAt - options.clockSkewMs;
    while (group.cursor < group.faxes.length && (group.faxes[group.cursor]?.createdAt ?? 0) < earliest) {
      group.cursor++;
    }
    const candidate = group.faxes[group.cursor];
    if (!candidate) continue;
    group.cursor++;
    matches.push({ job, fax: candidate.fax });
  }
  return matches;
}

/**
 * True when the faxes run newest first (non-increasing creation time), also across the boundary
 * from the previous page's last fax. The poller only stops early when this holds.
 */
export function isNewestFirst(faxes: readonly FaxRecord[], previousOldest?: number): boolean {
  let newer = previousOldest ?? Number.POSITIVE_INFINITY;
  for (const fax of faxes) {
    const createdAt = providerTime(fax.createdAt);
    if (Number.isNaN(createdAt)) continue;
    if (createdAt > newer) return false;
    newer = createdAt;
  }
  return true;
}

/** The oldest readable creation time on a page, or undefined for an empty page. */
export function oldestCreatedAt(faxes: readonly FaxRecord[]): number | undefined {
  let oldest: number | undefined;
  for (const fax of faxes) {
    const createdAt = providerTime(fax.createdAt);
    if (Number.isNaN(createdAt)) continue;
    if (oldest === undefined || createdAt < oldest) oldest = createdAt;
  }
  return oldest;
}

/** A fax is final when faxrocks says delivered (`status` true) or names an error. */
export function faxResult(fax: FaxRecord): 'DELIVERED' | 'FAILED' | 'PENDING' {
  if (fax.status === true) return 'DELIVERED';
  if (fax.error !== null && fax.error !== undefined && fax.error !== '') return 'FAILED';
  return 'PENDING';
}

interface FaxEntry {
  fax: FaxRecord;
  createdAt: number;
}

interface FaxGroup {
  pages: number;
  /** Creation order (once `sorted`); `cursor` is the first fax no job has taken yet. */
  faxes: FaxEntry[];
  cursor: number;
  sorted: boolean;
}

function compareEntries(a: FaxEntry, b: FaxEntry): number {
  return a.createdAt - b.createdAt || compareText(a.fax.id, b.fax.id);
}

function compareJobEntries(
  a: { job: MatchableJob; sentAt: number },
  b: { job: MatchableJob; sentAt: number },
) {
  return (
    a.sentAt - b.sentAt ||
    compareText(a.job.messageId, b.job.messageId) ||
    compareText(a.job.number, b.job.number)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
