import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  faxResult,
  isNewestFirst,
  type MatchableJob,
  matchFaxesToJobs,
  oldestCreatedAt,
} from '../../functions/domain/fax-matching.ts';
import type { FaxRecord } from '../../functions/ports.ts';

const base = Date.parse('2026-11-27T06:00:00.000Z');
const skew = 120_000;

function fax(
  id: string,
  number: string,
  pages: number,
  atMs: number,
  extra: Partial<FaxRecord> = {},
): FaxRecord {
  const created = new Date(atMs).toISOString().replace('Z', '000Z');
  return {
    id,
    number,
    sentAt: null,
    sentAtTimezone: null,
    status: false,
    error: null,
    price: null,
    pages,
    pagesSent: null,
    createdAt: created,
    updatedAt: created,
    ...extra,
  };
}

function job(messageId: string, number: string, pages: number, atMs: number): MatchableJob {
  return { messageId, number, pages, sendStartedAt: new Date(atMs).toISOString() };
}

const pairs = (matches: { job: MatchableJob; fax: FaxRecord }[]) =>
  matches.map((m) => `${m.job.messageId}->${m.fax.id}`);

describe('matchFaxesToJobs', () => {
  it('serves several jobs to one number first come, first served', () => {
    const jobs = [job('b', '+4930123456', 2, base + 10_000), job('a', '+4930123456', 2, base)];
    const faxes = [fax('f2', '+4930123456', 2, base + 11_000), fax('f1', '+4930123456', 2, base + 1_000)];
    expect(pairs(matchFaxesToJobs(jobs, faxes, { clockSkewMs: skew }))).toEqual(['a->f1', 'b->f2']);
  });

  it('tells two faxes to one number apart by their page counts', () => {
    const jobs = [job('three', '+4930123456', 3, base), job('one', '+4930123456', 1, base)];
    const faxes = [fax('f1', '+4930123456', 1, base + 2_000), fax('f3', '+4930123456', 3, base + 1_000)];
    expect(pairs(matchFaxesToJobs(jobs, faxes, { clockSkewMs: skew })).sort()).toEqual([
      'one->f1',
      'three->f3',
    ]);
  });

  it('leaves faxes sent before the job (outside faxgate) unmatched, within the skew margin only', () => {
    const jobs = [job('a', '+4930123456', 1, base)];
    const older = fax('old', '+4930123456', 1, base - skew - 1);
    expect(matchFaxesToJobs(jobs, [older], { clockSkewMs: skew })).toEqual([]);
    const skewed = fax('skewed', '+4930123456', 1, base - skew + 1_000);
    expect(pairs(matchFaxesToJobs(jobs, [older, skewed], { clockSkewMs: skew }))).toEqual(['a->skewed']);
  });

  it('skips claimed faxes and faxes with unreadable times, and never hands one fax out twice', () => {
    const jobs = [job('a', '+1', 1, base), job('b', '+1', 1, base + 1)];
    const faxes = [
      fax('claimed', '+1', 1, base + 5),
      { ...fax('garbled', '+1', 1, base + 6), createdAt: 'yesterday' },
      fax('free', '+1', 1, base + 7),
      fax('free', '+1', 1, base + 7),
    ];
    const matches = matchFaxesToJobs(jobs, faxes, { clockSkewMs: 0, claimedFaxIds: new Set(['claimed']) });
    expect(pairs(matches)).toEqual(['a->free']);
  });

  // The specification written the slow, obvious way.
  function referenceMatch(
    jobs: MatchableJob[],
    faxes: FaxRecord[],
    clockSkewMs: number,
    claimed: Set<string>,
  ) {
    const taken = new Set<string>(claimed);
    const ordered = [...jobs].sort(
      (x, y) =>
        Date.parse(x.sendStartedAt) - Date.parse(y.sendStartedAt) ||
        (x.messageId < y.messageId ? -1 : x.messageId > y.messageId ? 1 : 0) ||
        (x.number < y.number ? -1 : x.number > y.number ? 1 : 0),
    );
    const result: { rank: number; pair: string }[] = [];
    // Confirmed jobs first, then ambiguous ones on the faxes left over; reported in send order.
    for (const pass of [false, true]) {
      for (const [rank, j] of ordered.entries()) {
        if ((j.ambiguous === true) !== pass) continue;
        const eligible = faxes
          .filter(
            (f) =>
              !taken.has(f.id) &&
              f.number === j.number &&
              f.pages === j.pages &&
              Date.parse(f.createdAt) >= Date.parse(j.sendStartedAt) - clockSkewMs,
          )
          .sort((x, y) => Date.parse(x.createdAt) - Date.parse(y.createdAt) || (x.id < y.id ? -1 : 1));
        const first = eligible[0];
        if (first) {
          taken.add(first.id);
          result.push({ rank, pair: `${j.messageId}->${first.id}` });
        }
      }
    }
    return result.sort((a, b) => a.rank - b.rank).map((r) => r.pair);
  }

  it("never gives a confirmed send's fax to an earlier ambiguous send that faxrocks never created", () => {
    // /send answered 500 at t (nothing created), a good send 3 s later to the same number and pages.
    const ambiguous = { ...job('lost', '+4930123456', 2, base), ambiguous: true };
    const confirmed = job('good', '+4930123456', 2, base + 3_000);
    const faxes = [fax('only', '+4930123456', 2, base + 3_500)];
    expect(pairs(matchFaxesToJobs([ambiguous, confirmed], faxes, { clockSkewMs: skew }))).toEqual([
      'good->only',
    ]);
    // Both created: both matched, the confirmed one first come first served.
    const both = [fax('first', '+4930123456', 2, base + 500), ...faxes];
    expect(pairs(matchFaxesToJobs([ambiguous, confirmed], both, { clockSkewMs: skew }))).toEqual([
      'lost->only',
      'good->first',
    ]);
  });

  it('agrees with the obvious quadratic rule on arbitrary inputs', () => {
    const numbers = ['+4930123456', '+4930999999', '+12025550123'];
    const arbJob = fc.record({
      n: fc.constantFrom(...numbers),
      pages: fc.integer({ min: 1, max: 3 }),
      at: fc.integer({ min: 0, max: 600_000 }),
      ambiguous: fc.boolean(),
    });
    const arbFax = fc.record({
      n: fc.constantFrom(...numbers),
      pages: fc.integer({ min: 1, max: 3 }),
      at: fc.integer({ min: -300_000, max: 900_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(arbJob, { maxLength: 25 }),
        fc.array(arbFax, { maxLength: 40 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.array(fc.integer({ min: 0, max: 39 }), { maxLength: 10 }),
        (js, fs, clockSkewMs, claimedIndexes) => {
          const jobs = js.map((j, i) => ({
            ...job(`m${i}`, j.n, j.pages, base + j.at),
            ambiguous: j.ambiguous,
          }));
          const faxes = fs.map((f, i) => fax(`f${i}`, f.n, f.pages, base + f.at));
          const claimedFaxIds = new Set(claimedIndexes.map((i) => `f${i}`));
          const matches = matchFaxesToJobs(jobs, faxes, { clockSkewMs, claimedFaxIds });
          expect(pairs(matches)).toEqual(referenceMatch(jobs, faxes, clockSkewMs, claimedFaxIds));
          expect(new Set(matches.map((m) => m.fax.id)).size).toBe(matches.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with it too on listings as faxrocks gives them: newest first, a fax repeated across pages', () => {
    const numbers = ['+4930123456', '+4930999999'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            n: fc.constantFrom(...numbers),
            pages: fc.integer({ min: 1, max: 2 }),
            at: fc.integer({ min: 0, max: 600_000 }),
          }),
          { maxLength: 20 },
        ),
        fc.array(
          fc.record({
            n: fc.constantFrom(...numbers),
            pages: fc.integer({ min: 1, max: 2 }),
            at: fc.integer({ min: -300_000, max: 900_000 }),
          }),
          { maxLength: 30 },
        ),
        fc.array(fc.integer({ min: 0, max: 29 }), { maxLength: 5 }),
        (js, fs, repeated) => {
          const jobs = js.map((j, i) => job(`m${i}`, j.n, j.pages, base + j.at));
          const listed = fs
            .map((f, i) => fax(`f${i}`, f.n, f.pages, base + f.at))
            .sort((x, y) => Date.parse(y.createdAt) - Date.parse(x.createdAt));
          // A fax seen again on the next page: a copy right after it, or further down.
          for (const i of repeated) {
            const copy = listed[i % Math.max(1, listed.length)];
            if (copy)
              listed.splice(Math.min(listed.length, (i % 3) + listed.indexOf(copy) + 1), 0, { ...copy });
          }
          const matches = matchFaxesToJobs(jobs, listed, { clockSkewMs: 60_000 });
          expect(pairs(matches)).toEqual(referenceMatch(jobs, listed, 60_000, new Set()));
          expect(new Set(matches.map((m) => m.fax.id)).size).toBe(matches.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('page order and fax results', () => {
  it('recognises newest-first pages, also across a page boundary', () => {
    const page = [fax('c', '+1', 1, base + 3), fax('b', '+1', 1, base + 2), fax('a', '+1', 1, base + 1)];
    expect(isNewestFirst(page)).toBe(true);
    expect(isNewestFirst([...page].reverse())).toBe(false);
    expect(isNewestFirst(page, base + 2)).toBe(false);
    expect(oldestCreatedAt(page)).toBe(base + 1);
    expect(oldestCreatedAt([])).toBeUndefined();
  });

  it('reads delivered from status, failed from error, and anything else as pending', () => {
    expect(faxResult(fax('a', '+1', 1, base, { status: true }))).toBe('DELIVERED');
    expect(faxResult(fax('a', '+1', 1, base, { error: 'Busy' }))).toBe('FAILED');
    expect(faxResult(fax('a', '+1', 1, base))).toBe('PENDING');
  });
});
