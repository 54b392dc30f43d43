// Telemetry adapters on AWS: Powertools Logger and Metrics. The one-machine runtime logs its counts
// (local/console-log.ts); tests count them in memory (test/support/telemetry.ts).

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Log, MetricsSink } from '../ports.ts';
import { visibleInLogs } from './log-text.ts';

type Extra = Exclude<Parameters<Logger['info']>[1], string | Error | undefined>;

/** Structured JSON lines through Powertools Logger (level from LOG_LEVEL / POWERTOOLS_LOG_LEVEL). */
export function createLogger(
  serviceName = 'faxgate',
  logger = new Logger({ serviceName, jsonReplacerFn: visibleInLogs }),
): Log {
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
