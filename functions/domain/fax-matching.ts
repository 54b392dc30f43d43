// Matching faxrocks faxes to fax jobs. `/send` answers carry no fax id, so a job is tied to a
// `/faxes` entry by what both sides know: the number, the page count, and time (the fax cannot be
// created before the job's send started, less clock skew). Several jobs to one number with equal
// pages are served first come, first served: jobs in send order each take the earliest eligible
// fax nobody holds yet. Faxes sent outside faxgate simply stay unmatched.
//
// Confirmed sends (faxrocks answered /send) are matched first; ambiguous ones (the answer was lost,
// or the run crashed) only to the faxes left over. An ambiguous send that faxrocks never created
// must not take a confirmed send's fax, or one sender is told "delivered" with another's fax.
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
  /** True when it is not known whether /send reached faxrocks: matched after the confirmed ones. */
  ambiguous?: boolean;
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
 * start less the skew; jobs in send order take the earliest such fax not yet taken, confirmed
 * jobs before ambiguous ones. Each fax goes to at most one job; the result is in send order.
 */
export function matchFaxesToJobs<J extends MatchableJob>(
  jobs: readonly J[],
  faxes: readonly FaxRecord[],
  options: MatchOptions,
): FaxMatch<J>[] {
  const claimed = options.claimedFaxIds ?? new Set<string>();
  // Indexes and typed arrays rather than an object per fax and per job: at 10,000 jobs the garbage
  // of those objects was half the time, and it grows faster than the input.
  //
  // Groups are (number, page count). `groupOf` maps a number to its first group; further page
  // counts of the number chain through `nextGroup`. The listing comes newest first, so read
  // backwards each group fills in creation order and needs no sort.
  const created = new Float64Array(faxes.length);
  const groupOfFax = new Int32Array(faxes.length).fill(-1);
  const groupOf = new Map<string, number>();
  const groupPages: number[] = [];
  const nextGroup: number[] = [];
  const size: number[] = [];
  const unsorted: boolean[] = [];
  const lastOf: number[] = [];
  for (let i = faxes.length - 1; i >= 0; i--) {
    const fax = faxes[i] as FaxRecord;
    const createdAt = providerTime(fax.createdAt);
    if (claimed.has(fax.id) || Number.isNaN(createdAt)) continue;
    created[i] = createdAt;
    let group = groupOf.get(fax.number) ?? -1;
    let previous = -1;
    while (group >= 0 && groupPages[group] !== fax.pages) {
      previous = group;
      group = nextGroup[group] as number;
    }
    if (group < 0) {
      group = groupPages.length;
      groupPages.push(fax.pages);
      nextGroup.push(-1);
      size.push(0);
      unsorted.push(false);
      lastOf.push(-1);
      if (previous < 0) groupOf.set(fax.number, group);
      else nextGroup[previous] = group;
    }
    const last = lastOf[group] as number;
    if (last >= 0 && compareFaxes(faxes, created, last, i) >= 0) unsorted[group] = true;
    lastOf[group] = i;
    groupOfFax[i] = group;
    size[group] = (size[group] as number) + 1;
  }
  // Each group's faxes side by side in `order`, from `start[group]`, in creation order.
  const start = new Int32Array(groupPages.length + 1);
  for (let g = 0; g < groupPages.length; g++) start[g + 1] = (start[g] as number) + (size[g] as number);
  const order = new Int32Array(start[groupPages.length] as number);
  const filled = start.slice(0, groupPages.length);
  for (let i = faxes.length - 1; i >= 0; i--) {
    const group = groupOfFax[i] as number;
    if (group >= 0) order[(filled[group] as number)++] = i;
  }
  const end = new Int32Array(groupPages.length);
  for (let g = 0; g < groupPages.length; g++) {
    const from = start[g] as number;
    let to = start[g + 1] as number;
    if (unsorted[g]) {
      order.subarray(from, to).sort((x, y) => compareFaxes(faxes, created, x, y));
      // A listing can repeat a fax across pages when new faxes arrive while it is read; sorted,
      // the copies are neighbours.
      let kept = from + 1;
      for (let k = from + 1; k < to; k++) {
        if (
          (faxes[order[k] as number] as FaxRecord).id !== (faxes[order[kept - 1] as number] as FaxRecord).id
        )
          order[kept++] = order[k] as number;
      }
      to = Math.min(to, kept);
    }
    end[g] = to;
  }

  // Jobs in send order (each send time parsed once); they usually come that way.
  const sentAt = new Float64Array(jobs.length);
  const ordered: number[] = [];
  for (let j = 0; j < jobs.length; j++) {
    sentAt[j] = Date.parse((jobs[j] as J).sendStartedAt);
    if (!Number.isNaN(sentAt[j])) ordered.push(j);
  }
  const compareJobs = (x: number, y: number) =>
    (sentAt[x] as number) - (sentAt[y] as number) ||
    compareText((jobs[x] as J).messageId, (jobs[y] as J).messageId) ||
    compareText((jobs[x] as J).number, (jobs[y] as J).number);
  if (!ordered.every((j, k) => k === 0 || compareJobs(ordered[k - 1] as number, j) <= 0))
    ordered.sort(compareJobs);

  // Two passes over the jobs in send order: confirmed sends, then ambiguous ones on what is left.
  // Within a pass a group's cursor only moves forward: the faxes behind it are too early for every
  // later job, or taken.
  const taken = new Uint8Array(order.length);
  const matches: FaxMatch<J>[] = [];
  let anyAmbiguous = false;
  for (const ambiguousPass of [false, true]) {
    if (ambiguousPass && !anyAmbiguous) break;
    const cursor = start.slice(0, groupPages.length);
    for (const j of ordered) {
      const job = jobs[j] as J;
      if (job.ambiguous === true) anyAmbiguous = true;
      if ((job.ambiguous === true) !== ambiguousPass) continue;
      let group = groupOf.get(job.number) ?? -1;
      while (group >= 0 && groupPages[group] !== job.pages) group = nextGroup[group] as number;
      if (group < 0) continue;
      const earliest = (sentAt[j] as number) - options.clockSkewMs;
      let at = cursor[group] as number;
      const to = end[group] as number;
      while (at < to && (taken[at] === 1 || (created[order[at] as number] as number) < earliest)) at++;
      if (at < to) {
        matches.push({ job, fax: faxes[order[at] as number] as FaxRecord });
        taken[at] = 1;
        at++;
      }
      cursor[group] = at;
    }
  }
  if (anyAmbiguous) {
    const rank = new Map(ordered.map((j, k) => [jobs[j] as J, k]));
    matches.sort((a, b) => (rank.get(a.job) as number) - (rank.get(b.job) as number));
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

/** Creation time, then id: the order jobs take a group's faxes in. */
function compareFaxes(faxes: readonly FaxRecord[], created: Float64Array, x: number, y: number): number {
  return (
    (created[x] as number) - (created[y] as number) ||
    compareText((faxes[x] as FaxRecord).id, (faxes[y] as FaxRecord).id)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
