// Telemetry for tests and the bench: counts kept in memory to assert on, and a log that writes nothing.

import type { Log, MetricsSink } from '../../functions/ports.ts';

/** Keeps counts in memory for tests to read. */
export class CountingMetrics implements MetricsSink {
  readonly counts = new Map<string, number>();

  count(name: string, dimensions?: Record<string, string>, value = 1): void {
    const key = dimensions ? `${name}{${Object.entries(dimensions).map(([k, v]) => `${k}=${v}`)}}` : name;
    this.counts.set(key, (this.counts.get(key) ?? 0) + value);
  }

  get(name: string): number {
    let total = 0;
    for (const [key, value] of this.counts) if (key === name || key.startsWith(`${name}{`)) total += value;
    return total;
  }

  flush(): void {}
}

/** A Log that writes nothing: for tests that assert on outcomes, not lines. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
