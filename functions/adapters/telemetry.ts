// Telemetry adapters: Powertools Logger and Metrics on AWS; a quiet counter for tests and the
// one-machine runtime, where EMF lines on stdout would only be noise.

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Log, MetricsSink } from '../ports.ts';

type Extra = Exclude<Parameters<Logger['info']>[1], string | Error | undefined>;

/** Structured JSON lines through Powertools Logger (level from LOG_LEVEL / POWERTOOLS_LOG_LEVEL). */
export function createLogger(serviceName = 'faxgate', logger = new Logger({ serviceName })): Log {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Record<string, unknown>): void => {
      if (extra) logger[level](message, extra as Extra);
      else logger[level](message);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export class PowertoolsMetricsSink implements MetricsSink {
  readonly #metrics: Metrics;

  constructor(metrics = new Metrics({ namespace: 'faxgate', serviceName: 'faxgate' })) {
    this.#metrics = metrics;
  }

  count(name: string, dimensions?: Record<string, string>, value = 1): void {
    if (dimensions && Object.keys(dimensions).length > 0) {
      // Dimensions per metric need a single metric, or they would stick to every later one.
      const single = this.#metrics.singleMetric();
      single.addDimensions(dimensions);
      single.addMetric(name, MetricUnit.Count, value);
      return;
    }
    this.#metrics.addMetric(name, MetricUnit.Count, value);
  }

  flush(): void {
    if (this.#metrics.hasStoredMetrics()) this.#metrics.publishStoredMetrics();
  }
}

/** Keeps counts in memory: tests read them, the local runtime logs a summary. */
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
