// `npm start` as a process: configuration errors, a port clash, and a clean stop on SIGTERM.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/stand-ins.ts';

const repo = join(import.meta.dirname, '..', '..');
const children: ChildProcess[] = [];
const cleanups: (() => void | Promise<void>)[] = [];

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups) await cleanup();
});

interface Run {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Run {
  const dir = tempDir('faxgate-main-');
  cleanups.push(() => dir.remove());
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      FAXGATE_DATA_DIR: dir.path,
      FAXGATE_SMTP_PORT: '0',
      FAXGATE_S3_PORT: '0',
      FAXGATE_DYNAMODB_PORT: '0',
      FAXGATE_SANDBOX_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

describe('npm start as a process', () => {
  it('rejects a bad value with one line naming the variable and exit code 2', async () => {
    const run = start({ FAXGATE_POLL_SECONDS: 'often' });
    expect(await run.exited).toBe(2);
    const { stderr } = run.output();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('FAXGATE_POLL_SECONDS');
  });

  it('requires FAXROCKS_API_URL and FAXROCKS_API_TOKEN together', async () => {
    const run = start({ FAXROCKS_API_URL: 'https://faxrocks.com/api' });
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toContain('FAXROCKS_API_URL and FAXROCKS_API_TOKEN must be given together');
  });

  it('names the variable to change when a port is in use, exit code 3', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const run = start({ FAXGATE_SMTP_PORT: String(port) });
    expect(await run.exited).toBe(3);
    expect(run.output().stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect(run.output().stderr).toContain('FAXGATE_SMTP_PORT');
  });

  it('prints the banner, then stops cleanly with exit code 0 on SIGTERM', async () => {
    const run = start({});
    // Bounded wait for the banner: generous, as a loaded machine starts tsx slowly.
    for (let i = 0; i < 1800 && !run.output().stdout.includes('Send a test fax end to end'); i++) {
      if (run.child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { stdout } = run.output();
    expect(stdout).toContain('npx faxgate senders add you@example.com --local');
    expect(stdout).toMatch(
      /swaks --server 127\.0\.0\.1:\d+ --from you@example\.com --to 4930\d+@fax\.localhost --attach @examples\/sample\.pdf/,
    );
    expect(stdout).toContain('npm run send-test-fax -- --from you@example.com');
    expect(stdout).toContain('access key S3RVER, secret S3RVER');
    expect(stdout).toMatch(
      /aws --region us-east-1 --endpoint-url http:\/\/127\.0\.0\.1:\d+ s3 cp test\.eml s3:\/\/faxgate-mail\/inbound\//,
    );
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toContain('faxgate: stopped');
  }, 120_000);
});
