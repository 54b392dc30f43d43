// What every command gets: its input and output, how AWS clients are made, and the target.

import {
  type AwsClientSettings,
  type Env,
  resolveTarget,
  type Target,
  type TargetOptions,
  UnreachableError,
  UsageError,
} from './target.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Env;
  /** Asks a yes/no question on the terminal; undefined when there is no terminal to ask on. */
  confirm?(question: string): Promise<boolean>;
}

/** 0 done, 1 nothing to do or a check failed, 2 usage or bad input, 3 a store or API unreachable. */
export const exitCodes = { ok: 0, notDone: 1, usage: 2, unreachable: 3 } as const;

export interface CliContext {
  io: CliIo;
  aws: AwsClientSettings;
  /** Resolves the target from the command's options, runs `work`, closes the clients. */
  withTarget(work: (target: Target) => Promise<number>): Promise<number>;
}

export function cliContext(io: CliIo, aws: AwsClientSettings, options: TargetOptions): CliContext {
  return {
    io,
    aws,
    withTarget: async (work) => {
      let target: Target;
      try {
        target = await resolveTarget(options, io.env, aws);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        io.err((error as Error).message);
        return exitCodes.unreachable;
      }
      try {
        return await work(target);
      } catch (error) {
        if (error instanceof UnreachableError) {
          io.err(error.message);
          return exitCodes.unreachable;
        }
        throw error;
      } finally {
        target.close();
      }
    },
  };
}

/** Columns padded to their widest cell; the last column is left ragged. */
export function textTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column < header.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
