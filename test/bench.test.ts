// A tiny run of the benchmark code (`npm run bench -- --quick`), so it cannot rot. It checks what
// each figure reports, never how fast anything was: benchmarks are not tests.

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { HOSTILE_CASES } from '../bench/hostile-headers.ts';
import { QUICK_INPUTS } from '../bench/images.ts';
import { QUICK_SPECS } from '../bench/inbound-cost.ts';
import { type BenchResults, FIGURES, parseArgs, runBench } from '../bench/run.ts';
import { tempDir } from './support/stand-ins.ts';

const dir = tempDir('faxgate-bench-');
afterAll(() => dir.remove());

describe('npm run bench -- --quick', () => {
  let results: BenchResults;
  const printed: string[] = [];

  // Every figure at its smallest, one after the other: some 3 minutes on a loaded machine.
  it('runs every figure and writes the results file', { timeout: 600_000 }, async () => {
    const out = `${dir.path}/results.json`;
    results = await runBench({
      quick: true,
      only: FIGURES,
      out,
      tmpDir: dir.path,
      print: (l) => printed.push(l),
    });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(results)));
    expect(Object.keys(results.secondsTaken).sort()).toEqual([...FIGURES].sort());
  });

  it('drives the real inbound use case to a /send body for each mail', () => {
    const rows = results.inbound?.rows ?? [];
    expect(rows.map((r) => r.label)).toEqual(QUICK_SPECS.map((s) => s.label));
    for (const [i, row] of rows.entries()) {
      expect(row.pdfPages).toBe(QUICK_SPECS[i]?.pages);
      // The body carries the PDF in base64: a third larger than the PDF.
      expect(row.sendBodyMiB).toBeGreaterThan(((QUICK_SPECS[i]?.bytes ?? 0) / 1024 / 1024) * 1.3);
      expect(row.peakRssMiB).toBeGreaterThan(0);
      expect(row.floorMs).toBeGreaterThan(0);
      expect(row.cpuMs).toBeGreaterThan(0);
    }
  });

  it('drops each hostile header mail as unreadable and refuses the PDF bomb, beside an ordinary mail that is accepted', () => {
    const rows = results.headers?.rows ?? [];
    expect(rows.map((r) => r.label)).toEqual(HOSTILE_CASES.filter((c) => !c.fullOnly).map((c) => c.label));
    for (const row of rows) {
      expect(row.outcome).toBe(row.expectedOutcome);
      expect(row.normalMs).toBeGreaterThan(0);
      // One timed run of each mail in each of the row's two processes, alternating with the other.
      expect(row.runs).toBe(2);
    }
  });

  it("takes each mail's memory in a warm process of its own, not the worker's start or the bench's RSS", () => {
    const rows = results.headers?.rows ?? [];
    // Starting the document worker adds ~28 MiB, which every accepted mail paid and one refused
    // unread never did; and getrusage's peak in a child holds the RSS of the process it was forked from
    // (here the test runner). A mail under 1 MiB adds a few MiB to a warm process.
    const small = rows.filter((r) => r.mailMiB < 1);
    expect(small.length).toBeGreaterThan(10);
    for (const row of small) expect(row.normalAddedRssMiB).toBeLessThan(20);
    // Mails refused unread (dropped, or answered from their header block alone).
    const unread = rows.filter((r) => r.outcome.endsWith('unreadable-mime'));
    expect(unread.length).toBeGreaterThan(3);
    for (const row of unread) expect(row.addedRssMiB).toBeLessThan(20);
  });

  it('turns each picture into its pages, with the floor and peak memory', () => {
    const rows = results.images?.rows ?? [];
    expect(rows.map((r) => [r.label, r.pages])).toEqual(
      QUICK_INPUTS.map((i, n) => [i.label, n === 0 ? 2 : 1]),
    );
    for (const row of rows) {
      expect(row.floorMs).toBeGreaterThan(0);
      expect(row.peakRssMiB).toBeGreaterThan(0);
      expect(row.pdfMiB).toBeGreaterThan(0);
    }
  });

  it('bundles every function and imports each without touching the network', () => {
    const rows = results.coldStart?.rows ?? [];
    expect(rows.map((r) => r.name)).toEqual([
      'empty module',
      'naive (mailparser + SDK v3, esbuild defaults)',
      'inbound',
      'status poller',
    ]);
    for (const row of rows) {
      expect(row.bundleBytes).toBeGreaterThan(0);
      expect(row.networkAttempts).toBe(0);
    }
  });

  it('polls once with one /faxes request and matches every open job', () => {
    const poller = results.poller;
    expect(poller?.matchedPerPoll).toBe(poller?.openJobs);
    expect(poller?.requestsPerPoll).toBe(1);
    expect(poller?.steady.requests).toBe(1);
    expect(poller?.matching.map((m) => m.jobs)).toEqual([100, 1000]);
  });

  it('sends every mail of the runtime figure through SMTP to the sandbox', () => {
    expect(results.runtime?.mails).toBe(2);
    expect(results.runtime?.mailsPerSecond).toBeGreaterThan(0);
  });

  it('prints a table with the targets', () => {
    expect(printed.join('\n')).toContain('Targets');
    expect(results.targets.length).toBeGreaterThan(0);
  });
});

describe('bench arguments', () => {
  it('never lets a quick or partial run overwrite the committed results', () => {
    expect(parseArgs(['--quick']).out).toMatch(/bench\/tmp\//);
    expect(parseArgs(['--only=poller']).out).toMatch(/bench\/tmp\//);
    expect(parseArgs([]).out).toMatch(/bench\/results\.json$/);
    expect(() => parseArgs(['--only=nothing'])).toThrow(/unknown figure/);
  });
});
