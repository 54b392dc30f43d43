// `npm start` as a process: configuration errors, a port clash, and a clean stop on SIGTERM.

import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type NpmStart, startNpmStart } from '../support/npm-start.ts';
import { tempDir } from '../support/stand-ins.ts';

const runs: NpmStart[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const run of runs) await run.stop();
  for (const cleanup of cleanups) await cleanup();
});

async function blockedPort(): Promise<number> {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  return (blocker.address() as { port: number }).port;
}

function start(env: Record<string, string>): NpmStart {
  const run = startNpmStart({ env });
  runs.push(run);
  return run;
}

// Each test starts tsx and the stand-ins in a process of its own: slow on a loaded machine.
describe('npm start as a process', { timeout: 120_000 }, () => {
  it('rejects a bad value with one line naming the variable and exit code 2', async () => {
    const run = start({ FAXGATE_POLL_SECONDS: 'often' });
    expect((await run.exited).code).toBe(2);
    const stderr = run.stderr();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('FAXGATE_POLL_SECONDS');
  });

  it('requires FAXROCKS_API_URL and FAXROCKS_API_TOKEN together', async () => {
    const run = start({ FAXROCKS_API_URL: 'https://faxrocks.com/api' });
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toContain('FAXROCKS_API_URL and FAXROCKS_API_TOKEN must be given together');
  });

  it('names the variable to change when a port is in use, exit code 3', async () => {
    const port = await blockedPort();
    const run = start({ FAXGATE_SMTP_PORT: String(port) });
    expect((await run.exited).code).toBe(3);
    expect(run.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect(run.stderr()).toContain('FAXGATE_SMTP_PORT');
  });

  it('starts nothing when local/main.ts is imported (tests read its banner)', async () => {
    // Were the gateway started on import, the port held here would end the process with exit code 3.
    const dir = tempDir('faxgate-import-');
    cleanups.push(async () => dir.remove());
    const imported = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "const m = await import('./local/main.ts'); console.log(typeof m.banner)",
      ],
      {
        cwd: join(import.meta.dirname, '..', '..'),
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          FAXGATE_DATA_DIR: dir.path,
          FAXGATE_SMTP_PORT: String(await blockedPort()),
        },
      },
    );
    expect(imported.stdout.trim()).toBe('function');
  });

  it('prints the banner, then stops cleanly with exit code 0 on SIGTERM', async () => {
    const run = start({});
    // The whole banner is one write; the wait ends early (and fails) should the process exit.
    const stdout = await run.printed('Send a test fax end to end');
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
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('faxgate: stopped');
  }, 240_000);
});
