// Every `npx faxgate ...` command the README and docs print works when pasted: each parses against
// the CLI's own commander program (an unknown option, a missing argument or a stray word fails),
// and each `--local` one runs against npm start's stand-ins without a usage error or an
// unreachable store. Words are split by bash itself, as a pasted line would be; a `<Placeholder>`
// stands for a value the reader fills in.

import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../../cli/main.ts';
import type { LocalGateway } from '../../local/runtime.ts';
import { runFaxgate } from '../support/cli.ts';
import { cliEnvOf, faxTo, startTestGateway } from '../support/local-gateway.ts';

const files = ['README.md', 'docs/local-runtime.md', 'docs/operations.md', 'docs/sending.md'];
const repo = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** The commands as printed: lines of code blocks and inline code spans that run `npx faxgate`. */
function printedCommands(markdown: string): string[] {
  const found: string[] = [];
  const command = /^(?:[A-Z_]+=\S+ )*npx faxgate \S.*$/;
  for (const block of markdown.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const text = line.replace(/\s+#.*$/, '').trim();
      if (command.test(text)) found.push(text);
    }
  }
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) {
    const text = (span[1] ?? '').trim();
    if (command.test(text)) found.push(text);
  }
  return found;
}

/** The words bash makes of the line, without variable assignments and `npx faxgate`. */
function argvOf(line: string): string[] {
  const filled = line.replace(/<([A-Za-z][\w-]*)>/g, 'placeholder-$1');
  const words = spawnSync('bash', ['-c', `printf '%s\\0' ${filled}`], { encoding: 'utf8' }).stdout.split(
    '\0',
  );
  words.pop();
  while (words[0] && /^[A-Z_]+=/.test(words[0])) words.shift();
  expect(words.slice(0, 2), line).toEqual(['npx', 'faxgate']);
  return words.slice(2);
}

const cli = (argv: string[], env: Record<string, string>, options: { parseOnly?: boolean } = {}) =>
  runFaxgate(argv, env, options);

const printed = files.flatMap((file) =>
  printedCommands(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')).map((line) => ({
    file,
    line,
  })),
);

describe('the faxgate commands the docs print', () => {
  it('cover every command of the CLI', () => {
    const commands = new Set(printed.map(({ line }) => argvOf(line).slice(0, 2).join(' ')));
    for (const name of [
      'senders add',
      'senders remove',
      'senders list',
      'jobs list',
      'jobs show',
      'jobs resend',
      'dead-letters list',
      'dead-letters show',
      'dead-letters redrive',
      'dead-letters purge',
      'usage --local',
      'doctor --local',
    ]) {
      expect(commands, name).toContain(name);
    }
    expect(printed.some(({ line }) => line.includes('--stack'))).toBe(true);
  });

  it('refuses what the program does not know, so the next test can fail', async () => {
    const bogus = await cli(['jobs', 'list', '--since', '1d', '--bogus'], {}, { parseOnly: true });
    expect(bogus.code).toBe(exitCodes.usage);
    expect(bogus.err).toMatch(/^Unknown option --bogus/);
    expect((await cli(['jobs', 'show'], {}, { parseOnly: true })).code).toBe(exitCodes.usage);
  });

  it.each(printed)('parse as printed: $file: $line', async ({ line }) => {
    const result = await cli(argvOf(line), {}, { parseOnly: true });
    expect(result.err).toBe('');
    expect(result.code).toBe(exitCodes.ok);
  });
});

describe('the --local commands the docs print, against npm start', () => {
  let gateway: LocalGateway;
  let env: Record<string, string>;

  beforeAll(async () => {
    gateway = await startTestGateway({ dirPrefix: 'faxgate-readme-' });
    env = { ...cliEnvOf(gateway), USER: 'ops' };
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('run without a usage error or an unreachable store, in the order printed', async () => {
    const local = printed.filter(({ line }) => argvOf(line).includes('--local'));
    expect(local.length).toBeGreaterThan(10);
    for (const { file, line } of local) {
      const result = await cli(argvOf(line), env);
      const where = `${file}: ${line}\n${result.err}`;
      expect(result.code, where).not.toBe(exitCodes.unreachable);
      expect(result.err, where).not.toMatch(/for usage|Unknown option|missing required/i);
      if (/doctor|senders list|jobs list|usage|purge/.test(line))
        expect(result.code, where).toBe(exitCodes.ok);
    }
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v swaks']).status !== 0)(
    "faxes with the README's swaks line, on this gateway's port",
    async () => {
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      const swaks = /`(swaks --server 127\.0\.0\.1:2525 [^`]+)`/.exec(readme)?.[1];
      expect(swaks).toMatch(/--attach @examples\/sample\.pdf$/);
      expect((await cli(['senders', 'add', 'you@example.com', '--local'], env)).code).not.toBe(
        exitCodes.usage,
      );
      const pasted = (swaks ?? '').replace('127.0.0.1:2525', `127.0.0.1:${gateway.smtpPort}`);
      // Asynchronously: the SMTP server it talks to runs in this process.
      const sent = await run('bash', ['-c', pasted], { cwd: repo, timeout: 60_000 });
      expect(sent.stdout).toMatch(/<- +250 Ok/);
      await faxTo(gateway, '+493012345600');
      expect(gateway.sandbox?.faxes().filter((f) => f.number === '+493012345600')).toHaveLength(1);
    },
  );
});
