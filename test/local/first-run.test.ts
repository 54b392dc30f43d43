// The first ten minutes, as a new user has them: `npm start` itself (npm's process, not node's), the
// banner's commands pasted into a shell as printed (Debian's swaks included), and a stop with
// `kill -INT` / `kill -TERM` on the PID of `npm start`. CI installs swaks (.ci/run); a machine
// without it skips only the swaks step.

import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from '@cantoo/pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_PDF } from '../../local/main.ts';
import { tempDir } from '../support/stand-ins.ts';

const repo = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
const hasSwaks = spawnSync('sh', ['-c', 'command -v swaks']).status === 0;

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups) cleanup();
});

async function eventually<T>(probe: () => T | undefined, what: string, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function npmStart() {
  const dir = tempDir('faxgate-first-run-');
  cleanups.push(() => dir.remove());
  const child = spawn('npm', ['start'], {
    cwd: repo,
    env: {
      ...process.env,
      FAXGATE_DATA_DIR: dir.path,
      FAXGATE_SMTP_PORT: '0',
      FAXGATE_S3_PORT: '0',
      FAXGATE_DYNAMODB_PORT: '0',
      FAXGATE_SANDBOX_PORT: '0',
      SANDBOX_DELIVERY_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', () => {});
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, dir: dir.path, stdout: () => stdout, exited };
}

/** A banner line's command, as a user would copy it (after the step's label). */
function command(bannerText: string, label: RegExp): string {
  const line = bannerText.split('\n').find((l) => label.test(l));
  if (!line) throw new Error(`no banner line matching ${label}:\n${bannerText}`);
  return line.replace(label, '').trim();
}

describe('the first ten minutes', () => {
  it('ships the sample PDF the banner attaches: one page, opens', async () => {
    const pdf = await PDFDocument.load(readFileSync(join(repo, SAMPLE_PDF)));
    expect(pdf.getPageCount()).toBe(1);
  });

  it('faxes with the banner commands pasted as printed, and stops on kill -TERM of npm start', {
    timeout: 240_000,
  }, async () => {
    const gateway = npmStart();
    const banner = await eventually(
      () => (gateway.stdout().includes('Send a test fax') ? gateway.stdout() : undefined),
      'the banner',
    );
    expect(banner).toContain(`pid `);
    const allow = command(banner, /^\s*1\. allow yourself/);
    await run('bash', ['-c', allow], { cwd: repo });

    const swaks = command(banner, /^\s*2\. mail a PDF/);
    expect(swaks).toMatch(/^swaks .*--to 4930\d+@fax\.localhost --attach @examples\/sample\.pdf$/);
    const outbox = join(gateway.dir, 'outbox');
    if (hasSwaks) {
      const sent = await run('bash', ['-c', swaks], { cwd: repo });
      expect(sent.stdout).toMatch(/^<- +250 /m);
      await eventually(
        () =>
          existsSync(outbox) &&
          readdirSync(outbox).some((f) => /queued/i.test(readFileSync(join(outbox, f), 'utf8')))
            ? true
            : undefined,
        'the "queued" reply in the outbox',
      );
    } else {
      console.warn('swaks is not installed here: its step is skipped (CI installs it)');
    }
    const withoutSwaks = command(banner, /^\s*\(or without swaks\)/);
    await run('bash', ['-c', withoutSwaks], { cwd: repo });

    // The PID of npm start itself, as `kill` from another terminal has it.
    process.kill(gateway.child.pid as number, 'SIGTERM');
    const { code } = await gateway.exited;
    expect(code).toBe(0);
    expect(gateway.stdout()).toContain('faxgate: stopped');
  });

  it('stops on kill -INT of npm start: the gateway itself finishes and stops', {
    timeout: 120_000,
  }, async () => {
    const gateway = npmStart();
    await eventually(() => (gateway.stdout().includes('Send a test fax') ? true : undefined), 'the banner');
    // Before, npm died alone and left the gateway running without a parent; now the signal reaches it.
    process.kill(gateway.child.pid as number, 'SIGINT');
    await gateway.exited;
    await eventually(
      () => (gateway.stdout().includes('faxgate: stopped') ? true : undefined),
      'the stop',
      100,
    );
    expect(gateway.stdout()).toContain('faxgate: SIGINT, finishing the work in flight and stopping');
  });
});
