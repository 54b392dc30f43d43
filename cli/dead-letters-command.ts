// `faxgate dead-letters list|show|redrive|purge`: mails the inbound queue gave up on.
//
// redrive processes the mail again through the inbound use case (locally in this process against
// npm start's stand-ins; on AWS by invoking the inbound function with the letter as its SQS event),
// so the exactly-once gates hold as for any redelivery, and removes the letter only when that run
// succeeded.

import { createHash } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { handleInboundBatch } from '../functions/inbound/inbound-batch.ts';
import { messageIdOf } from '../functions/inbound/process-mail.ts';
import type { Log } from '../functions/ports.ts';
import { type CliContext, exitCodes, textTable } from './context.ts';
import { type DeadLetter, type DeadLetterQueue, FolderDeadLetters, SqsDeadLetters } from './dead-letters.ts';
import { JobHistory, type MailHistory } from './job-history.ts';
import { renderShow } from './jobs-command.ts';
import { localInboundDeps } from './local-deps.ts';
import { invokeStackFunction } from './stack-function.ts';
import { type Target, UnreachableError, UsageError, unreachableMessage } from './target.ts';

type Action = 'list' | 'show' | 'redrive' | 'purge';

async function queueOf(target: Target): Promise<{ queue: DeadLetterQueue; close(): void }> {
  if (target.place.kind === 'local')
    return { queue: new FolderDeadLetters(target.place.deadLetterDir), close() {} };
  const url = await target.output('DeadLetterQueueUrl');
  if (!url)
    throw new UnreachableError(
      `The ${target.where} has no DeadLetterQueueUrl output: deploy this version of faxgate.`,
    );
  const client = new SQSClient(target.clientConfig('sqs'));
  return { queue: new SqsDeadLetters(client, url), close: () => client.destroy() };
}

function sqsEventOf(letter: DeadLetter, region: string): SQSEvent {
  return {
    Records: [
      {
        messageId: letter.id,
        receiptHandle: `redrive-${letter.id}`,
        body: letter.body,
        attributes: {
          ApproximateReceiveCount: String(letter.receiveCount + 1),
          SentTimestamp: String(Date.parse(letter.at) || Date.now()),
          SenderId: 'faxgate-cli-redrive',
          ApproximateFirstReceiveTimestamp: String(Date.parse(letter.at) || Date.now()),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(letter.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${region}:000000000000:faxgate-dead-letters`,
        awsRegion: region,
      },
    ],
  };
}

/** Collects the use case's warnings and errors, so a failed redrive can say why. */
function collectingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string, extra?: Record<string, unknown>) => {
    const error = extra?.error;
    lines.push(error ? `${message}: ${typeof error === 'string' ? error : JSON.stringify(error)}` : message);
  };
  return { lines, debug() {}, info() {}, warn: keep, error: keep };
}

/** Processes the letter's mail again; undefined when it succeeded, else why not. */
async function processAgain(target: Target, letter: DeadLetter): Promise<string | undefined> {
  if (target.place.kind === 'local') {
    const log = collectingLog();
    const local = localInboundDeps(target.place, (s) => target.clientConfig(s), log);
    try {
      const result = await handleInboundBatch(
        sqsEventOf(letter, target.place.config.sesStamp.region),
        local.deps,
      );
      return result.batchItemFailures.length === 0
        ? undefined
        : (log.lines.at(-1) ?? 'the inbound use case failed');
    } finally {
      local.close();
    }
  }
  const answer = await invokeStackFunction(target, 'InboundFunctionName', (region) =>
    sqsEventOf(letter, region),
  );
  if (answer.functionError) {
    return `the inbound function failed (${answer.functionError}): ${answer.payload.slice(0, 500)}`;
  }
  const result = answer.payload ? (JSON.parse(answer.payload) as { batchItemFailures?: unknown[] }) : {};
  return (result.batchItemFailures ?? []).length === 0
    ? undefined
    : 'the inbound function reported it failed again (see the mail record below)';
}

function find(letters: DeadLetter[], id: string): DeadLetter | undefined {
  return letters.find((l) => l.id === id || l.mails.some((m) => messageIdOf(m.key) === id));
}

async function recordsOf(history: JobHistory, letter: DeadLetter): Promise<MailHistory[]> {
  const found: MailHistory[] = [];
  for (const mail of letter.mails) found.push(...(await history.find(messageIdOf(mail.key), [])));
  return found;
}

export async function runDeadLetters(
  context: CliContext,
  action: Action,
  id: string | undefined,
  values: { json?: boolean; yes?: boolean },
): Promise<number> {
  const { io } = context;
  if (action === 'purge' && !values.yes) {
    const sure = io.confirm
      ? await io.confirm('Delete every dead letter? The mails stay in the bucket. [y/N] ')
      : false;
    if (!sure) {
      io.err(
        io.confirm
          ? 'Nothing deleted.'
          : 'Purging deletes every dead letter: add --yes to do it without asking.',
      );
      return io.confirm ? exitCodes.notDone : exitCodes.usage;
    }
  }
  return context.withTarget(async (target) => {
    let queue: { queue: DeadLetterQueue; close(): void } | undefined;
    try {
      queue = await queueOf(target);
      const history = new JobHistory(target.documents(), await target.jobsTable());
      if (action === 'purge') {
        const count = await queue.queue.purge();
        io.out(
          count < 0
            ? 'The dead-letter queue is being purged (SQS takes up to 60 s).'
            : `Deleted ${count} dead letters.`,
        );
        return exitCodes.ok;
      }
      const letters = await queue.queue.list();
      if (action === 'list') {
        if (values.json) {
          io.out(JSON.stringify(letters, null, 2));
        } else if (letters.length === 0) {
          io.out('No dead letters.');
        } else {
          const rows: string[][] = [];
          for (const letter of letters) {
            const [mail] = await recordsOf(history, letter);
            rows.push([
              letter.at.replace(/\.\d+Z$/, 'Z'),
              letter.id,
              letter.mails.map((m) => messageIdOf(m.key)).join(',') || '(no stored mail)',
              String(letter.receiveCount),
              String(mail?.mail.lastError ?? letter.queueReason ?? '(cause not recorded)').slice(0, 120),
            ]);
          }
          io.out(textTable(['DEAD-LETTERED', 'ID', 'MAIL', 'RECEIVES', 'LAST ERROR'], rows));
        }
        return exitCodes.ok;
      }
      if (!id)
        throw new UsageError(
          `"dead-letters ${action}" needs the dead letter's id or the mail's SES message id.`,
        );
      const letter = find(letters, id);
      if (!letter) {
        io.err(`No dead letter ${id}: "faxgate dead-letters list" shows them.`);
        return exitCodes.notDone;
      }
      const records = await recordsOf(history, letter);
      if (action === 'show') {
        if (values.json) {
          io.out(JSON.stringify({ letter, records }, null, 2));
          return exitCodes.ok;
        }
        const cause = records.map((r) => r.mail.lastError).find(Boolean) ?? letter.queueReason;
        io.out(
          [
            `Dead letter ${letter.id}, dead-lettered ${letter.at} after ${letter.receiveCount} receives`,
            `  mail   ${letter.mails.map((m) => `s3://${m.bucket}/${m.key}`).join(', ') || '(no stored mail)'}`,
            `  cause  ${cause ?? '(not recorded: this mail failed before its record was opened)'}`,
            ...(records.length === 0
              ? ['', 'The mail has no record in the jobs table.']
              : ['', ...records.map(renderShow)]),
          ].join('\n'),
        );
        return exitCodes.ok;
      }
      // redrive
      const cause = records.map((r) => r.mail.lastError).find(Boolean) ?? letter.queueReason;
      for (const mail of letter.mails) {
        await history.noteRedrive(messageIdOf(mail.key), {
          at: new Date().toISOString(),
          deadLetteredAt: letter.at,
          ...(cause ? { cause: String(cause) } : {}),
        });
      }
      const failure = await processAgain(target, letter);
      if (failure) {
        io.err(`The mail failed again; the dead letter stays: ${failure}`);
        return exitCodes.notDone;
      }
      await queue.queue.remove(letter.id);
      const after = await recordsOf(history, letter);
      io.out(
        `Redriven: ${letter.mails.map((m) => messageIdOf(m.key)).join(', ')} processed again (${
          after.map((r) => r.mail.outcome).join(', ') || 'no record'
        }); the dead letter is removed.`,
      );
      return exitCodes.ok;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.err(unreachableMessage(error, target, 'dead-letter queue'));
      return exitCodes.unreachable;
    } finally {
      queue?.close();
    }
  });
}
