// Small statistics for the benchmark: medians and percentiles of repeated runs, after a warm-up.
// These machines are noisy, so every figure is a median and every time is set beside a floor
// measured in the same run.

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p from 0 to 100) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface Repeat {
  /** Runs thrown away first (JIT, caches, lazy imports). */
  warmup: number;
  runs: number;
}

/** Milliseconds of each measured run of `work`, after the warm-up runs. */
export async function timeRuns(repeat: Repeat, work: () => unknown): Promise<number[]> {
  for (let i = 0; i < repeat.warmup; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < repeat.runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return times;
}

export const MiB = 1024 * 1024;

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
