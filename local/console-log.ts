// Log lines for a person watching `npm start`: time, level, message, then the structured fields as
// JSON on the same line, so they stay greppable. On AWS the same calls go to Powertools Logger (and
// the counts to Powertools Metrics).

import { visibleInLogs } from '../functions/adapters/log-text.ts';
import type { Log, MetricsSink } from '../functions/ports.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function fieldsOf(extra: Record<string, unknown> | undefined): string {
  if (!extra || Object.keys(extra).length === 0) return '';
  try {
    return ` ${JSON.stringify(extra, (key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : visibleInLogs(key, value),
    )}`;
  } catch {
    return ' {"fields":"unserialisable"}';
  }
}

export function consoleLog(
  minimum: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Log {
  const at = (level: LogLevel) => (message: string, extra?: Record<string, unknown>) => {
    if (order[level] < order[minimum]) return;
    write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${fieldsOf(extra)}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The functions' metrics on one machine: each count is a debug line (FAXGATE_LOG_LEVEL=debug). */
export function loggedMetrics(log: Log): MetricsSink {
  return {
    count: (name, dimensions, value = 1) => log.debug('metric', { name, value, ...dimensions }),
    flush: () => {},
  };
}
