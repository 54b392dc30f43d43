// `faxgate senders add|remove|list`: who may send faxes.

import { hostname, userInfo } from 'node:os';
import { DynamoSenderList } from '../functions/adapters/dynamo-sender-list.ts';
import { checkSenderEntry, InvalidSenderEntryError } from '../functions/domain/sender-policy.ts';
import type { SenderEntry, SenderList } from '../functions/ports.ts';
import { type CliContext, exitCodes, textTable } from './context.ts';
import { type Target, UsageError, unreachableMessage } from './target.ts';

export type MakeSenderList = (target: Target, table: string) => SenderList;

export const defaultSenderList: MakeSenderList = (target, table) =>
  new DynamoSenderList(target.documents(), table);

function defaultAddedBy(env: CliContext['io']['env']): string {
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

/**
 * The domain's SenderPolicy decides what an entry is; a malformed one is refused (exit 2), never
 * repaired. An internationalised domain is kept in its ASCII form: `shown` says so.
 */
export function checkedEntry(entry: string): { stored: string; shown: string } {
  const checked = checkSenderEntry(entry);
  if (!checked.ok) throw new UsageError(`${checked.problem}.`);
  const written = entry.trim().toLowerCase();
  return {
    stored: checked.entry,
    shown: written === checked.entry ? checked.entry : `${checked.entry} (${written})`,
  };
}

export async function runSenders(
  context: CliContext,
  command: 'add' | 'remove' | 'list',
  entry: string | undefined,
  values: { note?: string; by?: string; json?: boolean },
  makeList: MakeSenderList,
): Promise<number> {
  const { io } = context;
  const { stored, shown } = command === 'list' ? { stored: '', shown: '' } : checkedEntry(entry as string);
  return context.withTarget(async (target) => {
    let table = '';
    try {
      table = await target.sendersTable();
      const senders = makeList(target, table);
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
        if ((await senders.remove(stored)) === 'missing') {
          io.err(`${shown} is not on the senders list; nothing changed.`);
          return exitCodes.notDone;
        }
        io.out(`Removed ${shown} from the senders list.`);
        return exitCodes.ok;
      }
      const entries: SenderEntry[] = await senders.list();
      if (values.json) io.out(JSON.stringify(entries, null, 2));
      else if (entries.length === 0) {
        io.out(
          'The senders list is empty: nobody may send faxes yet. Add someone with "faxgate senders add".',
        );
      } else {
        io.out(
          textTable(
            ['ENTRY', 'ADDED BY', 'ADDED AT', 'NOTE'],
            entries.map((e) => [e.entry, e.addedBy, e.addedAt, e.note ?? '']),
          ),
        );
      }
      return exitCodes.ok;
    } catch (error) {
      if (error instanceof InvalidSenderEntryError) {
        io.err(`${error.message}.`);
        return exitCodes.usage;
      }
      io.err(unreachableMessage(error, target, table ? `senders table ${table}` : 'senders table'));
      return exitCodes.unreachable;
    }
  });
}
