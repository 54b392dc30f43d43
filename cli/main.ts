// The admin command: `faxgate senders add|remove|list`, against the one-machine runtime (--local)
// or a deployed stack's senders table. Exit codes: 0 done, 1 nothing to do (already there / not
// there), 2 usage or bad input, 3 the store could not be reached.

import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSenderList } from '../functions/adapters/dynamo-sender-list.ts';
import { checkSenderEntry, InvalidSenderEntryError } from '../functions/domain/sender-policy.ts';
import type { SenderEntry, SenderList } from '../functions/ports.ts';
import { localAwsClientConfig } from '../local/stand-ins.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
};

export const exitCodes = { ok: 0, notDone: 1, usage: 2, unreachable: 3 } as const;

const LOCAL_DYNAMODB_PORT = 4570;
const LOCAL_SENDERS_TABLE = 'faxgate-senders';

const usage = `faxgate: admin commands for the faxgate email-to-fax gateway

Usage:
  faxgate senders add <address|@domain> [--note TEXT] [--by WHO] [target]
  faxgate senders remove <address|@domain> [target]
  faxgate senders list [--json] [target]
  faxgate --help | faxgate senders --help

Run "faxgate senders --help" for the targets and examples.`;

const sendersUsage = `faxgate senders: who may send faxes

An entry is an exact address (alice@example.com) or a whole domain (@example.com);
matching is case-insensitive.

Commands:
  add <address|@domain>     allow a sender (exit 1 if already allowed)
      --note TEXT           why, for whom (shown by list)
      --by WHO              who added it (default: $USER@hostname)
  remove <address|@domain>  stop allowing it (exit 1 if it was not on the list)
  list                      print the list as a table
      --json                print it as JSON instead

Target (one of):
  --local                   the one-machine runtime (npm start): DynamoDB at
                            http://127.0.0.1:${LOCAL_DYNAMODB_PORT}, table ${LOCAL_SENDERS_TABLE}
                            (FAXGATE_DYNAMODB_ENDPOINT or FAXGATE_DYNAMODB_PORT, and
                            SENDERS_TABLE override them, as for npm start)
  --table NAME              a deployed stack's senders table (or SENDERS_TABLE),
      --region REGION       with the normal AWS credential chain (or AWS_REGION)

Exit codes: 0 done, 1 already there / not there, 2 usage or bad input, 3 store unreachable.

Examples:
  npx faxgate senders add alice@example.com --local
  npx faxgate senders add @example.com --note "whole office" --table FaxGateway-Senders
  npx faxgate senders list --local`;

class UsageError extends Error {}

export interface CliTarget {
  client: DynamoDBDocumentClient;
  table: string;
  /** For messages: where the table lives. */
  where: string;
  local: boolean;
}

function resolveTarget(
  values: { local?: boolean; table?: string; region?: string },
  env: CliIo['env'],
): CliTarget {
  const table = values.table ?? env.SENDERS_TABLE?.trim() ?? (values.local ? LOCAL_SENDERS_TABLE : undefined);
  if (!table) {
    throw new UsageError(
      'Say which senders table to use: --local for the one-machine runtime, or --table NAME (or SENDERS_TABLE) for a deployed stack.',
    );
  }
  let config: DynamoDBClientConfig;
  let where: string;
  if (values.local) {
    const host = env.FAXGATE_HOST?.trim() || '127.0.0.1';
    const port = env.FAXGATE_DYNAMODB_PORT?.trim() || String(LOCAL_DYNAMODB_PORT);
    const endpoint = env.FAXGATE_DYNAMODB_ENDPOINT?.trim() || `http://${host}:${port}`;
    // One attempt: the local store is either up or not, and the answer should be immediate.
    config = { ...localAwsClientConfig(endpoint), maxAttempts: 1 };
    where = endpoint;
  } else {
    config = values.region ? { region: values.region } : {};
    where = values.region ? `region ${values.region}` : 'the default AWS region';
  }
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  return { client, table, where, local: Boolean(values.local) };
}

/** One clear sentence for a store that did not answer, never a stack trace. */
function unreachableMessage(error: unknown, target: CliTarget): string {
  const name = (error as { name?: string }).name ?? '';
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (name === 'ResourceNotFoundException') {
    return target.local
      ? `The senders table ${target.table} does not exist at ${target.where}: start the gateway once with "npm start".`
      : `The senders table ${target.table} does not exist in ${target.where}: check --table and --region.`;
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return `No usable AWS credentials to reach ${target.table} (${message}); configure them as for the AWS CLI, or use --local.`;
  }
  if (/region/i.test(message) && !target.local) {
    return `No AWS region: pass --region or set AWS_REGION.`;
  }
  if (target.local && (code === 'ECONNREFUSED' || /ECONNREFUSED|connect/i.test(message))) {
    return `Cannot reach the local DynamoDB at ${target.where}: is "npm start" running?`;
  }
  return `Cannot reach the senders table ${target.table} in ${target.where}: ${message}`;
}

function defaultAddedBy(env: CliIo['env']): string {
  let user = env.USER || env.USERNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}

function table(entries: SenderEntry[]): string {
  const rows = [
    ['ENTRY', 'ADDED BY', 'ADDED AT', 'NOTE'],
    ...entries.map((e) => [e.entry, e.addedBy, e.addedAt, e.note ?? '']),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function runSenders(
  command: string | undefined,
  rest: string[],
  values: { note?: string; by?: string; json?: boolean; local?: boolean; table?: string; region?: string },
  io: CliIo,
  makeList: (target: CliTarget) => SenderList,
): Promise<number> {
  if (command !== 'add' && command !== 'remove' && command !== 'list') {
    throw new UsageError(
      command
        ? `Unknown command "senders ${command}": use add, remove or list.`
        : 'Missing command: add, remove or list.',
    );
  }
  const [entry, ...extra] = rest;
  if (command === 'list' ? rest.length > 0 : !entry || extra.length > 0) {
    throw new UsageError(
      command === 'list'
        ? `"senders list" takes no entry (got "${rest.join(' ')}").`
        : `"senders ${command}" takes exactly one address or @domain.`,
    );
  }
  if (command !== 'add' && (values.note !== undefined || values.by !== undefined)) {
    throw new UsageError('--note and --by apply only to "senders add".');
  }
  if (command !== 'list' && values.json) throw new UsageError('--json applies only to "senders list".');
  if (values.local && values.region) throw new UsageError('--region does not apply to --local.');

  // The domain's SenderPolicy decides what an entry is; a malformed one is refused, never repaired.
  let shown = '';
  let stored = '';
  if (command !== 'list') {
    const checked = checkSenderEntry(entry as string);
    if (!checked.ok) {
      io.err(`${checked.problem}.`);
      return exitCodes.usage;
    }
    // An internationalised domain is kept in its ASCII form: say so rather than change it silently.
    const written = (entry as string).trim().toLowerCase();
    shown = written === checked.entry ? checked.entry : `${checked.entry} (${written})`;
    stored = checked.entry;
  }

  const target = resolveTarget(values, io.env);
  const senders = makeList(target);
  try {
    if (command === 'add') {
      const result = await senders.add({
        entry: stored,
        addedBy: values.by?.trim() || defaultAddedBy(io.env),
        addedAt: new Date().toISOString(),
        ...(values.note?.trim() ? { note: values.note.trim() } : {}),
      });
      if (result === 'exists') {
        io.err(`${shown} is already on the senders list; nothing changed.`);
        return exitCodes.notDone;
      }
      io.out(`Added ${shown} to the senders list.`);
      return exitCodes.ok;
    }
    if (command === 'remove') {
      const result = await senders.remove(stored);
      if (result === 'missing') {
        io.err(`${shown} is not on the senders list; nothing changed.`);
        return exitCodes.notDone;
      }
      io.out(`Removed ${shown} from the senders list.`);
      return exitCodes.ok;
    }
    const entries = await senders.list();
    if (values.json) {
      io.out(JSON.stringify(entries, null, 2));
    } else if (entries.length === 0) {
      io.out('The senders list is empty: nobody may send faxes yet. Add someone with "faxgate senders add".');
    } else {
      io.out(table(entries));
    }
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof InvalidSenderEntryError) {
      io.err(`${error.message}.`);
      return exitCodes.usage;
    }
    io.err(unreachableMessage(error, target));
    return exitCodes.unreachable;
  } finally {
    target.client.destroy();
  }
}

/**
 * Runs one CLI invocation and returns its exit code. `makeList` is for tests that want another
 * SenderList; by default the DynamoDB one is built from the target options.
 */
export async function runCli(
  argv: string[],
  io: CliIo = processIo,
  makeList: (target: CliTarget) => SenderList = (target) => new DynamoSenderList(target.client, target.table),
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // Node's own wording suggests `--` tricks; one plain sentence serves an admin better.
    const option = /'([^']+)'/.exec((error as Error).message)?.[1];
    const code = (error as { code?: string }).code;
    const what =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option
        ? `Unknown option ${option}.`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option
          ? `Option ${option.split(' ')[0]} needs a value.`
          : (error as Error).message.replace(/\.?$/, '.');
    io.err(`${what} Run "faxgate --help" for usage.`);
    return exitCodes.usage;
  }
  const { values, positionals } = parsed;
  const [group, command, ...rest] = positionals;
  if (values.help) {
    io.out(group === 'senders' ? sendersUsage : usage);
    return exitCodes.ok;
  }
  if (group !== 'senders') {
    io.err(group ? `Unknown command "${group}". Run "faxgate --help" for usage.` : usage);
    return exitCodes.usage;
  }
  try {
    return await runSenders(command, rest, values, io, makeList);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message} Run "faxgate senders --help" for usage.`);
      return exitCodes.usage;
    }
    throw error;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      local: { type: 'boolean' },
      table: { type: 'string' },
      region: { type: 'string' },
      note: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
}
