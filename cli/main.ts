// The admin command, `faxgate`: senders, jobs, dead letters, usage and a doctor, against the
// one-machine runtime (--local) or a deployed stack (--stack, FAXGATE_STACK, default "Faxgate").
// Exit codes: 0 done, 1 nothing to do / not found / a check failed, 2 usage or bad input, 3 a store
// or API could not be reached.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { type CliContext, type CliIo, cliContext, exitCodes } from './context.ts';
import type { DoctorOptions } from './doctor.ts';
import type { MakeSenderList } from './senders-command.ts';
import { type AwsClientSettings, DEFAULT_STACK_NAME, type TargetOptions, UsageError } from './target.ts';

export type { CliIo } from './context.ts';
export { exitCodes } from './context.ts';

export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  // Only a terminal is asked; a script without --yes is told to add it.
  ...(process.stdin.isTTY && process.stderr.isTTY
    ? {
        confirm: async (question: string) => {
          const { createInterface } = await import('node:readline/promises');
          const terminal = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return /^y(es)?$/i.test((await terminal.question(question)).trim());
          } finally {
            terminal.close();
          }
        },
      }
    : {}),
};

export interface CliOptions {
  /** Another SenderList for tests; by default the DynamoDB one on the target's table. */
  makeList?: MakeSenderList;
  /** How AWS clients are made (tests point them at loopback endpoints). */
  aws?: AwsClientSettings;
  /** The doctor's DNS servers and time limits (tests use a loopback DNS server). */
  doctor?: DoctorOptions;
  /** Parses the arguments as the command would, and stops before acting (the README's examples). */
  parseOnly?: boolean;
}

const version = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

const targetHelp = `
Target (one of):
  --local            the one-machine runtime (npm start), with the same environment variables
                     as npm start (FAXGATE_DATA_DIR, FAXGATE_DYNAMODB_PORT, SENDERS_TABLE, ...)
  --stack NAME       a deployed stack (default FAXGATE_STACK, else ${DEFAULT_STACK_NAME}): the tables, queues and
                     bucket come from its CloudFormation outputs, with the AWS credential chain
                     and region (--region or AWS_REGION)
  --table NAME       the senders table by name instead (or SENDERS_TABLE)
  --jobs-table NAME  the jobs table by name instead (or JOBS_TABLE)

Exit codes: 0 done, 1 nothing to do or not found, 2 usage or bad input, 3 unreachable.`;

/** The help's closing examples, one command a line. */
function examples(...commands: string[]): string {
  return `\n${commands.length === 1 ? 'Example' : 'Examples'}:\n${commands.map((c) => `  ${c}`).join('\n')}`;
}

function withTargetOptions(command: Command): Command {
  return command
    .option('--local', 'the one-machine runtime (npm start)')
    .option('--stack <name>', `a deployed stack (default FAXGATE_STACK or ${DEFAULT_STACK_NAME})`)
    .option('--region <region>', 'AWS region of the stack (default AWS_REGION)')
    .option('--table <name>', 'senders table name (instead of the stack output)')
    .option('--jobs-table <name>', 'jobs table name (instead of the stack output)')
    .addHelpText('after', targetHelp);
}

function targetOf(values: Record<string, unknown>): TargetOptions {
  return {
    ...(values.local ? { local: true } : {}),
    ...(typeof values.stack === 'string' ? { stack: values.stack } : {}),
    ...(typeof values.region === 'string' ? { region: values.region } : {}),
    ...(typeof values.table === 'string' ? { table: values.table } : {}),
    ...(typeof values.jobsTable === 'string' ? { jobsTable: values.jobsTable } : {}),
  };
}

/** commander's messages ("error: unknown option '--x'\n(Did you mean --y?)") as one sentence. */
function oneSentence(message: string): string {
  const text = message
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*\(Did you mean (.+?)\?\)/i, ' (did you mean $1?)')
    .replace(/'([^']+)'/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`.replace(/([^.?!])$/, '$1.');
}

function buildProgram(io: CliIo, options: CliOptions, result: { code: number }): Command {
  const aws = options.aws ?? {};
  const program = new Command('faxgate');
  let current = 'faxgate';
  const context = (command: Command): CliContext => cliContext(io, aws, targetOf(command.opts()));
  const run = (work: () => Promise<number>) => async () => {
    result.code = options.parseOnly ? exitCodes.ok : await work();
  };
  // A command's action: its handler, loaded only when it runs (so --help loads none of them).
  const act =
    (work: (command: Command, ...args: string[]) => Promise<number>) =>
    (...args: unknown[]) =>
      run(() => work(args.at(-1) as Command, ...(args.slice(0, -2) as string[])))();
  // A command with subcommands; a mistake below it names the subcommand in "Run ... --help".
  const group = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .exitOverride()
      .hook('preSubcommand', (_parent, sub) => {
        current = `faxgate ${name} ${sub.name()}`;
      });
  program
    .description('Admin commands for the faxgate email-to-fax gateway.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
      outputError: (text, write) => write(`${oneSentence(text)} Run "${current} --help" for usage.\n`),
    })
    .hook('preSubcommand', (_parent, sub) => {
      current = `${current} ${sub.name()}`;
    })
    .addHelpText(
      'after',
      `
Examples:
  npx faxgate senders add alice@example.com --local
  npx faxgate jobs list --since 1d --stack Faxgate
  npx faxgate jobs show FG-7K2M-9QXA --local
  npx faxgate jobs resend FG-7K2M-9QXA --local
  npx faxgate doctor --local

Run "faxgate <command> --help" for each command's options.`,
    );

  // ---- senders ----
  const senders = group('senders', 'who may send faxes: an exact address or a whole domain (@example.com)');
  senders.addHelpText(
    'after',
    `
An entry is an exact address (alice@example.com) or a whole domain (@example.com); matching is
case-insensitive.

Exit codes: 0 done, 1 already there / not there, 2 usage or bad input, 3 store unreachable.

Examples:
  npx faxgate senders add alice@example.com --local
  npx faxgate senders add @example.com --note "whole office" --stack Faxgate
  npx faxgate senders list --local`,
  );
  // Each command's modules load when it runs, so a command starts without the others' SDK clients.
  const senderCommands = () => import('./senders-command.ts');
  const makeList = async () => options.makeList ?? (await senderCommands()).defaultSenderList;
  withTargetOptions(
    senders
      .command('add')
      .description('allow a sender (exit 1 if already allowed)')
      .argument('<entry>', 'address or @domain')
      .option('--note <text>', 'why, for whom (shown by list)')
      .option('--by <who>', 'who added it (default: $USER@hostname)'),
  ).action(
    act(async (command, entry) =>
      (await senderCommands()).runSenders(
        context(command),
        'add',
        entry,
        command.opts<{ note?: string; by?: string }>(),
        await makeList(),
      ),
    ),
  );
  withTargetOptions(
    senders
      .command('remove')
      .description('stop allowing a sender (exit 1 if it was not on the list)')
      .argument('<entry>', 'address or @domain'),
  ).action(
    act(async (command, entry) =>
      (await senderCommands()).runSenders(context(command), 'remove', entry, {}, await makeList()),
    ),
  );
  withTargetOptions(
    senders.command('list').description('print the list as a table').option('--json', 'print JSON instead'),
  ).action(
    act(async (command) =>
      (await senderCommands()).runSenders(
        context(command),
        'list',
        undefined,
        command.opts(),
        await makeList(),
      ),
    ),
  );

  // ---- jobs ----
  const jobs = group('jobs', 'the mails faxgate received and what became of each number');
  withTargetOptions(
    jobs
      .command('list')
      .description('recent mails, newest first, one line each (read through an index, never a scan)')
      .option('--since <when>', 'how far back: 7d, 12h, 30m, a date or an ISO time', '7d')
      .option('--sender <address>', 'only this sender (or @domain)')
      .option(
        '--status <status>',
        'only this mail outcome or job state (ACCEPTED, REJECTED, DROPPED, DELIVERED, FAILED, UNKNOWN, ...)',
      )
      .option('--number <number>', 'only mails to this fax number')
      .option('--limit <n>', 'at most this many mails', '20')
      .option('--json', 'print JSON instead')
      .addHelpText(
        'after',
        examples(
          'npx faxgate jobs list --local',
          'npx faxgate jobs list --since 30d --status FAILED --stack Faxgate',
          'npx faxgate jobs list --sender @example.com --number +4930123456 --json --local',
        ),
      ),
  ).action(
    act(async (command) => (await import('./jobs-command.ts')).runJobsList(context(command), command.opts())),
  );
  withTargetOptions(
    jobs
      .command('show')
      .description("one mail's whole timeline: received, trust decision, attempts, faxes, replies")
      .argument('<ref>', 'the reference from the replies (FG-XXXX-XXXX), the SES message id, or a fax number')
      .option('--since <when>', 'for a fax number: how far back to look', '30d')
      .option('--json', 'print JSON instead')
      .addHelpText(
        'after',
        examples(
          'npx faxgate jobs show FG-7K2M-9QXA --local',
          'npx faxgate jobs show +4930123456 --stack Faxgate',
        ),
      ),
  ).action(
    act(async (command, ref) =>
      (await import('./jobs-command.ts')).runJobsShow(context(command), ref, command.opts()),
    ),
  );

  withTargetOptions(
    jobs
      .command('resend')
      .description(
        'send a failed or unknown number of a mail again as a new attempt, after showing what was sent',
      )
      .argument('<ref>', 'the reference from the replies (FG-XXXX-XXXX), the SES message id, or a fax number')
      .option('--number <number>', 'only this number of the mail (default: every failed or unknown one)')
      .option('--since <when>', 'for a fax number: how far back to look', '30d')
      .option('--yes', 'do not ask first (for scripts)')
      .addHelpText(
        'after',
        `
The new attempt passes the cost guards (the sender's daily page limit, the daily cost ceiling) and
the destination rules as any attempt does; the status poller follows it and the sender gets its
report. Delivered numbers and numbers still in progress are never resent.

Exit codes: 0 sent, 1 declined or refused by a guard or rule, 2 nothing to resend (unknown
reference or number, delivered, in progress) or no --yes without a terminal, 3 unreachable.

Examples:
  npx faxgate jobs resend FG-7K2M-9QXA --local
  npx faxgate jobs resend FG-7K2M-9QXA --number +4930123456 --yes --stack Faxgate`,
      ),
  ).action(
    act(async (command, ref) =>
      (await import('./jobs-resend-command.ts')).runJobsResend(context(command), ref, command.opts()),
    ),
  );

  // ---- dead letters ----
  const deadLetters = group(
    'dead-letters',
    'mails the inbound queue gave up on: the SQS dead-letter queue, or the local folder',
  );
  const letterCommand = (
    name: 'list' | 'show' | 'redrive' | 'purge',
    description: string,
    example: string,
  ) => {
    const command = deadLetters.command(name).description(description);
    if (name === 'show' || name === 'redrive') {
      command.argument('<id>', "the dead letter's id, or the mail's SES message id");
    }
    if (name === 'list' || name === 'show') command.option('--json', 'print JSON instead');
    if (name === 'purge') command.option('--yes', 'do not ask first');
    command.addHelpText('after', examples(example));
    withTargetOptions(command).action(
      act(async (invoked, id) =>
        (await import('./dead-letters-command.ts')).runDeadLetters(
          context(invoked),
          name,
          typeof id === 'string' ? id : undefined,
          invoked.opts(),
        ),
      ),
    );
  };
  letterCommand(
    'list',
    'every dead letter with its mail and last error',
    'npx faxgate dead-letters list --local',
  );
  letterCommand(
    'show',
    "one dead letter: its cause (the last error) and the mail's record",
    'npx faxgate dead-letters show 0100018c5f3a-example --stack Faxgate',
  );
  letterCommand(
    'redrive',
    'process the mail again (exactly-once rules hold); removes the letter once that succeeded',
    'npx faxgate dead-letters redrive 0100018c5f3a-example --local',
  );
  letterCommand(
    'purge',
    'delete every dead letter (the mails stay in the bucket)',
    'npx faxgate dead-letters purge --yes --local',
  );

  // ---- usage ----
  withTargetOptions(
    program
      .command('usage')
      .description('pages, faxes and estimated cost per sender and in total, against the cost guards')
      .option('--day <yyyy-mm-dd>', 'one UTC day (default today)')
      .option('--month <yyyy-mm>', 'a whole month')
      .option('--json', 'print JSON instead')
      .addHelpText(
        'after',
        examples('npx faxgate usage --local', 'npx faxgate usage --month 2026-11 --stack Faxgate'),
      ),
  ).action(
    act(async (command) => (await import('./usage-command.ts')).runUsage(context(command), command.opts())),
  );

  // ---- doctor ----
  withTargetOptions(
    program
      .command('doctor')
      .description('check a deployment (or npm start) and say what to fix, one line per check')
      .option('--json', 'print JSON instead')
      .addHelpText(
        'after',
        `
On a stack: the stack exists; the receipt rule set is active and holds faxgate's rule; the fax
domain's MX points at SES's inbound endpoint of the region; the SES identity is verified with
DKIM; SES sending is out of its sandbox; the token parameter exists and faxrocks accepts it
(GET /user, printing the account name, never the token); the alarm topic has a subscriber; the
dead-letter queue is empty. With --local: the checks that apply to npm start (SMTP port served by
faxgate, the stand-ins and tables, the sandbox token, the dead-letter folder).

Exit code 0 only when no check failed (warnings allowed), else 1.

Examples:
  npx faxgate doctor --local
  npx faxgate doctor --stack Faxgate --region eu-west-1`,
      ),
  ).action(
    act(async (command) =>
      (await import('./doctor-command.ts')).runDoctor(context(command), command.opts(), options.doctor ?? {}),
    ),
  );

  // Options must be known to the command they follow, so `senders list --bogus` names its command.
  for (const command of [program, senders, jobs, deadLetters]) {
    command.configureOutput(program.configureOutput());
  }
  return program;
}

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(
  argv: string[],
  io: CliIo = processIo,
  options: CliOptions = {},
): Promise<number> {
  const result = { code: exitCodes.ok as number };
  const program = buildProgram(io, options, result);
  if (argv.length === 0) {
    io.err(program.helpInformation().replace(/\n$/, ''));
    return exitCodes.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; a group named without its command prints its
      // help and is a usage error.
      if (error.exitCode === 0) return exitCodes.ok;
      return exitCodes.usage;
    }
    if (error instanceof UsageError) {
      io.err(`${error.message} Run "faxgate --help" for usage.`);
      return exitCodes.usage;
    }
    throw error;
  }
}
