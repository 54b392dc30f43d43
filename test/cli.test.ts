import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, exitCodes, runCli } from '../cli/main.ts';
import { DynamoSenderList } from '../functions/adapters/dynamo-sender-list.ts';
import { type DynamoFixture, startDynamoFixture } from './support/stand-ins.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'cli', 'faxgate.mjs');

function capture(env: Record<string, string | undefined>): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env };
}

describe('faxgate CLI', () => {
  let dynamo: DynamoFixture;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    dynamo = await startDynamoFixture({ sendersTable: 'cli-senders' });
    env = { FAXGATE_DYNAMODB_ENDPOINT: dynamo.standIn.endpoint, SENDERS_TABLE: 'cli-senders', USER: 'ops' };
  });
  afterAll(async () => {
    await dynamo.close();
  });

  async function cli(...argv: string[]) {
    const io = capture(env);
    const code = await runCli(argv, io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  }

  it('works as the installed bin, in a process of its own', async () => {
    const childEnv = { ...process.env, ...env, USER: 'ops' };
    const added = await run(
      process.execPath,
      [bin, 'senders', 'add', 'Bin@Example.com', '--local', '--note', 'via bin', '--by', 'ops'],
      {
        env: childEnv,
      },
    );
    expect(added.stdout.trim()).toBe('Added bin@example.com to the senders list.');
    expect(added.stderr).toBe('');
    const again = await run(process.execPath, [bin, 'senders', 'add', 'bin@example.com', '--local'], {
      env: childEnv,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(again).toMatchObject({ code: exitCodes.notDone });
    expect((again as { stderr: string }).stderr.trim()).toBe(
      'bin@example.com is already on the senders list; nothing changed.',
    );
    // The deployed-stack path: --table, --region and the SDK's own credential chain and endpoint
    // variables, here pointed at the stand-in so nothing leaves the machine.
    const deployed = await run(
      process.execPath,
      [bin, 'senders', 'list', '--table', 'cli-senders', '--region', 'eu-west-1', '--json'],
      {
        env: {
          ...childEnv,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.standIn.endpoint,
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );
    expect(JSON.parse(deployed.stdout)).toEqual([
      expect.objectContaining({ entry: 'bin@example.com', addedBy: 'ops', note: 'via bin' }),
    ]);
    const help = await run(process.execPath, [bin, '--help'], { env: childEnv });
    expect(help.stdout).toContain('faxgate senders add <address|@domain>');
  });

  it('adds, lists and removes entries against the local store', async () => {
    expect(
      await cli('senders', 'add', '@Corp.Example', '--local', '--note', 'whole office', '--by', 'admin'),
    ).toEqual({
      code: 0,
      out: 'Added @corp.example to the senders list.',
      err: '',
    });
    expect((await cli('senders', 'add', 'alice@corp.example', '--local')).code).toBe(0);

    const list = await cli('senders', 'list', '--local');
    expect(list.code).toBe(0);
    const lines = list.out.split('\n');
    expect(lines[0]).toMatch(/^ENTRY\s+ADDED BY\s+ADDED AT\s+NOTE$/);
    expect(lines[1]).toMatch(/^@corp\.example\s+admin\s+\d{4}-\d\d-\d\dT\S+\s+whole office$/);
    expect(lines[2]).toMatch(/^alice@corp\.example\s+ops@\S+\s+\d{4}-/);

    const json = await cli('senders', 'list', '--local', '--json');
    const entries = JSON.parse(json.out) as { entry: string; addedBy: string }[];
    expect(entries.map((e) => e.entry)).toContain('alice@corp.example');
    // --by defaults to $USER@host.
    expect(entries.find((e) => e.entry === 'alice@corp.example')?.addedBy).toMatch(/^ops@/);

    expect(await cli('senders', 'remove', 'ALICE@corp.example', '--local')).toEqual({
      code: 0,
      out: 'Removed alice@corp.example from the senders list.',
      err: '',
    });
    const missing = await cli('senders', 'remove', 'alice@corp.example', '--local');
    expect(missing).toEqual({
      code: exitCodes.notDone,
      out: '',
      err: 'alice@corp.example is not on the senders list; nothing changed.',
    });
    const senders = new DynamoSenderList(dynamo.docClient, 'cli-senders');
    expect(await senders.isAllowed('anyone@corp.example')).toBe(true);
    expect(await senders.isAllowed('alice@other.example')).toBe(false);
  });

  // Issue 11 item 14: a URL parser used to turn these into alice@example.com and store that.
  it.each([
    'alice@example.com/evil',
    'alice@example.com:25',
    'alice@example.com?x=1',
    'alice@example.com#frag',
    'alice@ex%41mple.com',
    'alice@ｅxample.com',
    'alice@example.com.',
    'alice@[192.0.2.1]',
    'alice@bob@example.com',
    '@example.com/evil',
  ])('refuses the malformed entry %j with exit 2 and stores nothing', async (entry) => {
    const senders = new DynamoSenderList(dynamo.docClient, 'cli-senders');
    const before = (await senders.list()).map((e) => e.entry);
    const result = await cli('senders', 'add', entry, '--local');
    expect(result.code).toBe(exitCodes.usage);
    expect(result.out).toBe('');
    expect(result.err).toMatch(
      /is not an email address or a domain: .*; use a full address such as alice@example\.com/,
    );
    expect(result.err.split('\n')).toHaveLength(1);
    expect((await senders.list()).map((e) => e.entry)).toEqual(before);
    expect(await senders.isAllowed('alice@example.com')).toBe(false);
  });

  it('stores an internationalised domain in its ASCII form and says so', async () => {
    expect(await cli('senders', 'add', '@Bücher.example', '--local')).toEqual({
      code: 0,
      out: 'Added @xn--bcher-kva.example (@bücher.example) to the senders list.',
      err: '',
    });
    const senders = new DynamoSenderList(dynamo.docClient, 'cli-senders');
    expect(await senders.isAllowed('jo@bücher.example')).toBe(true);
    expect(await senders.isAllowed('jo@xn--bcher-kva.example')).toBe(true);
    expect((await cli('senders', 'remove', '@xn--bcher-kva.example', '--local')).code).toBe(0);
  });

  it('uses --table with the endpoint of the environment for a named table', async () => {
    const io = capture({ FAXGATE_DYNAMODB_ENDPOINT: dynamo.standIn.endpoint });
    expect(await runCli(['senders', 'list', '--local', '--table', 'cli-senders', '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join('')).length).toBeGreaterThan(0);
  });

  it.each([
    [['senders', 'add', 'not-an-address', '--local'], /"not-an-address" is not an email address or a domain/],
    [['senders', 'add', 'example.com', '--local'], /write @example\.com/],
    [['senders', 'add', '--local'], /takes exactly one address or @domain/],
    [['senders', 'add', 'a@example.com', 'b@example.com', '--local'], /takes exactly one/],
    [['senders', 'frob', '--local'], /Unknown command "senders frob"/],
    [['senders', 'list', '--local', '--bogus'], /Unknown option --bogus\./],
    [['senders', 'remove', 'a@example.com', '--note', 'x', '--local'], /--note and --by apply only/],
    [['senders', 'list', '--note'], /Option --note needs a value/],
    [['faxes'], /Unknown command "faxes"/],
  ])('rejects bad input %j with exit 2 and one sentence', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(exitCodes.usage);
    expect(result.out).toBe('');
    expect(result.err).toMatch(message);
    expect(result.err.split('\n')).toHaveLength(1);
  });

  it('asks for a target when none is given', async () => {
    const io = capture({});
    expect(await runCli(['senders', 'list'], io)).toBe(exitCodes.usage);
    expect(io.stderr.join('')).toMatch(/--local .* or --table NAME/);
  });

  it('prints usage for --help at each level', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    expect(top.out).toContain('faxgate senders list [--json]');
    const senders = await cli('senders', '--help');
    expect(senders.code).toBe(0);
    expect(senders.out).toContain('Exit codes: 0 done, 1 already there / not there');
    const bare = await cli();
    expect(bare.code).toBe(exitCodes.usage);
    expect(bare.err).toContain('Usage:');
  });

  it('exits 3 with one sentence when the store cannot be reached or the table is missing', async () => {
    const down = capture({ FAXGATE_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
    expect(await runCli(['senders', 'list', '--local'], down)).toBe(exitCodes.unreachable);
    expect(down.stderr).toEqual([
      'Cannot reach the local DynamoDB at http://127.0.0.1:9: is "npm start" running?',
    ]);

    const noTable = capture({
      FAXGATE_DYNAMODB_ENDPOINT: dynamo.standIn.endpoint,
      SENDERS_TABLE: 'no-such-table',
    });
    expect(await runCli(['senders', 'add', 'x@example.com', '--local'], noTable)).toBe(exitCodes.unreachable);
    expect(noTable.stderr).toEqual([
      `The senders table no-such-table does not exist at ${dynamo.standIn.endpoint}: start the gateway once with "npm start".`,
    ]);
  });
});
