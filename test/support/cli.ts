// The admin CLI run in this process as a terminal would run it, its output captured.

import { expect } from 'vitest';
import { type CliIo, type CliOptions, runCli } from '../../cli/main.ts';

export interface CliRun {
  code: number;
  /** What went to stdout, one line per write. */
  out: string;
  err: string;
  /** The questions asked (only when `answer` was given: a terminal that answers so). */
  asked: string[];
}

/** Runs `faxgate <argv>` with `env`; `answer` makes it a terminal that answers every question so. */
export async function runFaxgate(
  argv: string[],
  env: Record<string, string | undefined>,
  { answer, ...options }: CliOptions & { answer?: boolean } = {},
): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const asked: string[] = [];
  const io: CliIo = {
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    env,
    ...(answer === undefined
      ? {}
      : {
          confirm: async (question: string) => {
            asked.push(question);
            return answer;
          },
        }),
  };
  const code = await runCli(argv, io, options);
  return { code, out: stdout.join('\n'), err: stderr.join('\n'), asked };
}

/** Each pattern in order, each after the one before. */
export function expectInOrder(text: string, steps: RegExp[]): void {
  let at = 0;
  for (const step of steps) {
    const found = text.slice(at).search(step);
    expect(found, `${step} after position ${at} in\n${text}`).toBeGreaterThanOrEqual(0);
    at += found + 1;
  }
}
