// `npm start` as a process of its own, as a user runs it: its output read as it comes, waits for
// what it prints (ended early when the process exits), and its own data folder.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './stand-ins.ts';

const repo = join(import.meta.dirname, '..', '..');

export interface NpmStart {
  child: ChildProcess;
  /** Its data folder (FAXGATE_DATA_DIR), deleted by stop(). */
  dir: string;
  stdout(): string;
  stderr(): string;
  /** How it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with all of stdout once it contains `text`; rejects when the process ends first or after `timeoutMs`. */
  printed(text: string, timeoutMs?: number): Promise<string>;
  /** Kills its process group if still there (a test that wanted a clean stop has asserted it), deletes its folder. */
  stop(): Promise<void>;
}

export interface NpmStartOptions {
  /** Added to the environment (after the defaults below). */
  env?: Record<string, string>;
  /** Through npm itself (`npm start`, the full environment), not `node --import tsx local/main.ts` (PATH and HOME only). */
  viaNpm?: boolean;
}

/**
 * Starts the gateway in a process of its own, every server on a free port (FAXGATE_*_PORT=0) unless
 * `env` says otherwise; the banner then names the ports.
 */
export function startNpmStart({ env = {}, viaNpm = false }: NpmStartOptions = {}): NpmStart {
  const dir = tempDir('faxgate-process-');
  const base = viaNpm ? { ...process.env } : { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const [command, args] = viaNpm
    ? ['npm', ['start']]
    : [process.execPath, ['--import', 'tsx', 'local/main.ts']];
  const child = spawn(command as string, args as string[], {
    cwd: repo,
    env: {
      ...base,
      FAXGATE_DATA_DIR: dir.path,
      FAXGATE_SMTP_PORT: '0',
      FAXGATE_S3_PORT: '0',
      FAXGATE_DYNAMODB_PORT: '0',
      FAXGATE_SANDBOX_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, so stop() also ends what npm started should npm be gone.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const listener of listeners) listener();
  });

  const printed = (text: string, timeoutMs = 180_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (stdout.includes(text)) done(() => resolve(stdout));
        else if (ended)
          done(() => reject(new Error(`npm start ended before printing "${text}":\n${stdout}\n${stderr}`)));
      };
      const timer = setTimeout(
        () =>
          done(() => reject(new Error(`npm start did not print "${text}" in ${timeoutMs} ms:\n${stdout}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });

  return {
    child,
    dir: dir.path,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    printed,
    stop: async () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch (error) {
        // ESRCH: the whole group has ended already.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      await exited;
      dir.remove();
    },
  };
}

/** The addresses the banner names (with port 0 the system picked them). */
export function bannerAddresses(banner: string): {
  smtpPort: number;
  dynamodbEndpoint: string;
  s3Endpoint: string;
} {
  const smtp = /Inbound SMTP\s+[\d.]+:(\d+)/.exec(banner)?.[1];
  const dynamodbEndpoint = /DynamoDB\s+(http:\/\/\S+)/.exec(banner)?.[1];
  const s3Endpoint = /S3\s+(http:\/\/\S+)/.exec(banner)?.[1];
  if (!smtp || !dynamodbEndpoint || !s3Endpoint) throw new Error(`the banner names no addresses:\n${banner}`);
  return { smtpPort: Number(smtp), dynamodbEndpoint, s3Endpoint };
}
