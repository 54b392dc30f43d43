// `faxgate jobs list|show`: the history an admin reads when a sender asks "where is my fax?".

import { attemptOf } from '../functions/domain/fax-job.ts';
import { jobReference } from '../functions/domain/job-reference.ts';
import { type CliContext, exitCodes, textTable } from './context.ts';
import {
  asFaxNumber,
  causeWords,
  daysBetween,
  describeAttempt,
  finishedAttemptView,
  JobHistory,
  type MailHistory,
  outcomeOf,
} from './job-history.ts';
import { UsageError, unreachableMessage } from './target.ts';

export interface ListValues {
  since?: string;
  sender?: string;
  status?: string;
  number?: string;
  limit?: string;
  json?: boolean;
}

const DAY_MS = 86_400_000;

/** `7d`, `12h`, `30m`, a date (`2026-12-01`) or an ISO time. */
export function parseSince(text: string, now: Date): Date {
  const relative = /^(\d+)\s*([dhm])$/i.exec(text.trim());
  if (relative) {
    const unit = { d: DAY_MS, h: 3_600_000, m: 60_000 }[
      (relative[2] ?? 'd').toLowerCase() as 'd' | 'h' | 'm'
    ];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const at = Date.parse(/^\d{4}-\d\d-\d\d$/.test(text.trim()) ? `${text.trim()}T00:00:00Z` : text);
  if (Number.isNaN(at)) {
    throw new UsageError(
      `--since takes 7d, 12h, 30m, a date such as 2026-12-01 or an ISO time, not "${text}".`,
    );
  }
  return new Date(at);
}

function money(value: number | undefined): string {
  return value === undefined ? '' : value.toFixed(2);
}

/** Pages and cost of a mail: what faxrocks charged where known, else its estimate. */
function totals(history: MailHistory): { pages: number | undefined; cost: number | undefined } {
  if (history.jobs.length === 0) return { pages: history.mail.pages, cost: undefined };
  let pages = 0;
  let cost: number | undefined;
  for (const job of history.jobs) {
    pages += job.pagesSent ?? job.pages ?? 0;
    const charged = job.price !== undefined ? Number(job.price) : job.estimatedCost;
    if (charged !== undefined && !Number.isNaN(charged)) cost = (cost ?? 0) + charged;
  }
  return { pages, cost };
}

function referenceOf(history: MailHistory): string {
  return history.mail.ref ?? jobReference(history.mail.messageId);
}

export async function runJobsList(context: CliContext, values: ListValues): Promise<number> {
  const { io } = context;
  const now = new Date();
  const since = parseSince(values.since ?? '7d', now);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UsageError(`--limit takes a whole number from 1 to 1000, not "${values.limit}".`);
  }
  let number: string | undefined;
  if (values.number !== undefined) {
    number = asFaxNumber(values.number);
    if (!number)
      throw new UsageError(`--number takes a fax number such as +4930123456, not "${values.number}".`);
  }
  return context.withTarget(async (target) => {
    try {
      const history = new JobHistory(target.documents(), await target.jobsTable());
      const mails = await history.list({
        days: daysBetween(since, now),
        since: since.toISOString(),
        limit,
        ...(values.sender ? { sender: values.sender.trim() } : {}),
        ...(values.status ? { status: values.status.trim() } : {}),
        ...(number ? { number } : {}),
      });
      if (values.json) {
        io.out(
          JSON.stringify(
            mails.map((m) => ({ ref: referenceOf(m), ...m })),
            null,
            2,
          ),
        );
        return exitCodes.ok;
      }
      if (mails.length === 0) {
        io.out(`No mail since ${since.toISOString()} matches.`);
        return exitCodes.ok;
      }
      io.out(
        textTable(
          ['RECEIVED', 'REFERENCE', 'SENDER', 'NUMBERS', 'OUTCOME', 'PAGES', 'COST'],
          mails.map((m) => {
            const { pages, cost } = totals(m);
            const numbers = m.jobs.length > 0 ? m.jobs.map((j) => j.number) : (m.mail.numbers ?? []);
            return [
              m.mail.receivedAt.replace(/\.\d+Z$/, 'Z'),
              referenceOf(m),
              m.mail.sender ?? '-',
              numbers.join(',') || '-',
              outcomeOf(m) + (m.mail.reason ? ` (${m.mail.reason})` : ''),
              pages === undefined ? '' : String(pages),
              money(cost),
            ];
          }),
        ),
      );
      return exitCodes.ok;
    } catch (error) {
      io.err(unreachableMessage(error, target, 'jobs table'));
      return exitCodes.unreachable;
    }
  });
}

interface TimelineEvent {
  at: string;
  what: string;
}

/** Every recorded step of one mail, oldest first. */
export function timeline(history: MailHistory): TimelineEvent[] {
  const { mail, jobs } = history;
  const events: TimelineEvent[] = [];
  const push = (at: unknown, what: string) => {
    if (typeof at === 'string' && at) events.push({ at, what });
  };
  push(mail.receivedAt, `received (SES message id ${mail.messageId})`);
  for (const failure of (mail.failures as { at: string; error: string; receiveCount?: number }[]) ?? []) {
    push(
      failure.at,
      `processing failed${failure.receiveCount ? ` (receive ${failure.receiveCount})` : ''}, the queue retries it: ${failure.error}`,
    );
  }
  for (const redrive of (mail.redrives as { at: string; deadLetteredAt?: string; cause?: string }[]) ?? []) {
    push(redrive.deadLetteredAt, `dead-lettered${redrive.cause ? `: ${redrive.cause}` : ''}`);
    push(redrive.at, 'redriven from the dead-letter queue');
  }
  const decision: Record<string, string> = {
    ACCEPTED: `trusted: ${mail.sender ?? 'sender'} is authenticated and on the senders list; faxing`,
    REJECTED: `rejected (${mail.reason ?? '?'}): ${mail.detail ?? ''}`,
    DROPPED: `dropped, no fax and no reply (${mail.reason ?? '?'}): ${mail.detail ?? ''}`,
    SKIPPED: `skipped (${mail.reason ?? '?'}): ${mail.detail ?? ''}`,
    FAILED: `gave up, nothing faxed (${mail.reason ?? '?'}): ${mail.detail ?? ''}`,
  };
  // The decision is written after the first /send it led to: shown before it.
  const firstSend = jobs
    .map((j) => j.attempts?.[0]?.startedAt ?? j.sendStartedAt)
    .filter(Boolean)
    .sort()[0];
  const decidedAt =
    firstSend && mail.decidedAt && Date.parse(firstSend) < Date.parse(mail.decidedAt)
      ? firstSend
      : mail.decidedAt;
  if (mail.outcome !== 'RECEIVED') push(decidedAt, decision[mail.outcome] ?? mail.outcome);
  if (mail.repliedAt) {
    push(
      mail.repliedAt,
      `reply sent to ${mail.sender ?? 'the sender'}: ${mail.outcome === 'ACCEPTED' ? 'queued' : 'rejected'}`,
    );
  }
  for (const reply of (mail.replies as { at: string; kind: string }[]) ?? []) {
    if (reply.at !== mail.repliedAt) push(reply.at, `reply sent: ${reply.kind}`);
  }
  for (const job of jobs) {
    if (job.notSent !== undefined && job.state === 'FAILED') {
      // No attempt was ever made for this number: the mail gave up before its /send.
      push(job.finishedAt, `${job.number}: not sent (the mail gave up before its /send): ${job.notSent}`);
      push(job.notifiedAt, `${job.number}: outcome email sent to ${job.sender}`);
      continue;
    }
    // Finished attempts, each with its /send answer and how it ended (the poller's history).
    for (const attempt of job.attempts ?? []) {
      push(
        attempt.startedAt,
        `${job.number}: attempt ${attempt.attempt} (${causeWords(attempt.cause)}): POST /send (${job.pages} pages), answered ${attempt.sendAnswer}`,
      );
      push(attempt.endedAt, `${job.number}: ${describeAttempt(finishedAttemptView(attempt))}`);
    }
    for (const at of job.earlierReports ?? []) push(at, `${job.number}: outcome email sent to ${job.sender}`);
    if (job.state === 'RETRY_DUE') {
      push(
        job.attempts?.at(-1)?.endedAt ?? job.sendStartedAt,
        `${job.number}: next attempt (${causeWords(job.retryCause ?? 'not-sent')}) due ${job.dueAt ?? '?'}${job.deferredBecause ? `, faxrocks did not take the last: ${String(job.deferredBecause)}` : ''}`,
      );
    }
    const current = !(job.attempts ?? []).some((a) => a.attemptId === job.attemptId);
    if (current) {
      const attempt = attemptOf(job);
      push(
        job.sendStartedAt,
        `${job.number}: POST /send (${job.pages} pages)${attempt > 1 ? `, attempt ${attempt} (${causeWords(job.retryCause ?? 'not-sent')})` : ''}`,
      );
    }
    push(
      job.queuedAt,
      `${job.number}: faxrocks queued it: ${job.pages} pages${job.estimatedCost !== undefined ? `, estimated cost ${money(job.estimatedCost)}` : ''}`,
    );
    if (job.outcomeUnknown)
      push(job.sendStartedAt, `${job.number}: /send outcome unknown: ${job.outcomeUnknown}`);
    push(job.faxFoundAt, `${job.number}: found as fax ${job.faxId} in /faxes`);
    if (job.finishedAt && job.state !== 'SENDING' && job.state !== 'QUEUED') {
      const parts = [
        job.state,
        job.faxId && !job.faxFoundAt ? `fax ${job.faxId}` : '',
        job.pagesSent !== undefined ? `${job.pagesSent} pages sent` : '',
        job.price !== undefined ? `price ${job.price}` : '',
        job.error ? `provider's error: ${job.error}` : '',
        job.notRedialled ? `not re-dialled: ${job.notRedialled}` : '',
      ].filter(Boolean);
      // faxrocks's own time, to the second: never shown before the steps that led to it.
      const latest = [job.sendStartedAt, job.queuedAt, job.faxFoundAt].filter(Boolean).sort().at(-1) ?? '';
      const at = Date.parse(job.finishedAt) < Date.parse(latest) ? latest : job.finishedAt;
      push(at, `${job.number}: ${parts.join(', ')}`);
    }
    push(job.notifiedAt, `${job.number}: outcome email sent to ${job.sender}`);
  }
  if (typeof mail.lastError === 'string' && !(mail.failures as unknown[] | undefined)?.length) {
    push(mail.lastErrorAt, `last error: ${mail.lastError}`);
  }
  // Stable: steps written at the same instant keep their order.
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i)
    .map(({ e }) => e);
}

export function renderShow(history: MailHistory): string {
  const { mail, jobs } = history;
  const lines = [
    `${referenceOf(history)}  ${outcomeOf(history)}`,
    `  SES message id  ${mail.messageId}`,
    `  sender          ${mail.sender ?? '-'}`,
    ...(mail.subject ? [`  subject         ${JSON.stringify(mail.subject)}`] : []),
    ...(mail.documents?.length ? [`  documents       ${mail.documents.join(', ')}`] : []),
    ...(mail.ignoredAttachments?.length ? [`  ignored         ${mail.ignoredAttachments.join(', ')}`] : []),
    ...(mail.rejectedNumbers?.length ? [`  refused numbers ${mail.rejectedNumbers.join(', ')}`] : []),
    ...jobs.map(
      (j) =>
        `  ${j.number.padEnd(16)}${j.state}${j.faxId ? `, fax ${j.faxId}` : ''}${j.error ? `: ${j.error}` : ''}`,
    ),
    '',
    'Timeline (UTC):',
    ...timeline(history).map((e) => `  ${e.at.replace(/\.\d+Z$/, 'Z')}  ${e.what}`),
  ];
  return lines.join('\n');
}

export async function runJobsShow(
  context: CliContext,
  what: string,
  values: { since?: string; json?: boolean },
): Promise<number> {
  const { io } = context;
  const now = new Date();
  const since = parseSince(values.since ?? '30d', now);
  return context.withTarget(async (target) => {
    try {
      const history = new JobHistory(target.documents(), await target.jobsTable());
      const found = await history.find(what, daysBetween(since, now));
      if (found.length === 0) {
        io.err(
          `No mail found for "${what}" (a reference such as FG-ABCD-1234, an SES message id, or a number faxed since ${since.toISOString().slice(0, 10)}).`,
        );
        return exitCodes.notDone;
      }
      if (values.json) {
        io.out(
          JSON.stringify(
            found.map((m) => ({ ref: referenceOf(m), ...m, timeline: timeline(m) })),
            null,
            2,
          ),
        );
      } else {
        io.out(found.map(renderShow).join('\n\n'));
      }
      return exitCodes.ok;
    } catch (error) {
      io.err(unreachableMessage(error, target, 'jobs table'));
      return exitCodes.unreachable;
    }
  });
}
