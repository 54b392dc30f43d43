// The admin's view of the job ledger: mails by day and by reference, each with its jobs, read
// through the mails-by-day and mail-reference indexes and the mail's own partition. Never a scan.

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type DaysQuery,
  DynamoMailHistory,
  type MailHistory,
} from '../functions/adapters/dynamo-mail-history.ts';
import {
  type AttemptCause,
  type AttemptRecord,
  attemptOf,
  type FaxJob,
} from '../functions/domain/fax-job.ts';
import { parseJobReference } from '../functions/domain/job-reference.ts';

export type { MailHistory };

export interface ListQuery extends Omit<DaysQuery, 'keep'> {
  /** A mail outcome (ACCEPTED, REJECTED, DROPPED, ...) or a job state (DELIVERED, FAILED, ...). */
  status?: string;
}

/** Days from `until` back to `since` (UTC), newest first; at most `maxDays`. */
export function daysBetween(since: Date, until: Date, maxDays = 400): string[] {
  const days: string[] = [];
  const first = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
  for (let t = Date.UTC(until.getUTCFullYear(), until.getUTCMonth(), until.getUTCDate()); t >= first; ) {
    days.push(new Date(t).toISOString().slice(0, 10));
    if (days.length >= maxDays) break;
    t -= 86_400_000;
  }
  return days;
}

/** A mail's outcome in one word, or per state for a mail whose numbers ended differently. */
export function outcomeOf(history: MailHistory): string {
  const { mail, jobs } = history;
  if (mail.outcome !== 'ACCEPTED' || jobs.length === 0) return mail.outcome;
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  if (counts.size === 1) return jobs[0]?.state ?? mail.outcome;
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}

function matchesStatus(history: MailHistory, status: string): boolean {
  const wanted = status.toUpperCase();
  return history.mail.outcome === wanted || history.jobs.some((j) => j.state === wanted);
}

/** `+4930123456`, `4930123456` or `+49 30 123-456` as E.164; undefined for anything else. */
export function asFaxNumber(text: string): string | undefined {
  const compact = text.trim().replace(/[\s()./-]/g, '');
  const digits = compact.replace(/^(\+|00)/, '');
  if (!/^[1-9]\d{5,14}$/.test(digits)) return undefined;
  return `+${digits}`;
}

export class JobHistory {
  private readonly store: DynamoMailHistory;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.store = new DynamoMailHistory(client, tableName);
  }

  /** Newest first, at most `limit`. */
  list(query: ListQuery): Promise<MailHistory[]> {
    const { status, ...days } = query;
    return this.store.byDays(status ? { ...days, keep: (history) => matchesStatus(history, status) } : days);
  }

  /**
   * The mails a reference, SES message id or number names, newest first: a reference through its
   * index, a message id directly, a number through the days given (newest mail to it first).
   */
  async find(what: string, days: string[]): Promise<MailHistory[]> {
    const ref = /^fg/i.test(what.trim()) ? parseJobReference(what) : undefined;
    if (ref) return this.store.byReference(ref);
    const number = asFaxNumber(what);
    if (number) return this.list({ days, limit: 1, number });
    const history = await this.store.byMessageId(what.trim());
    return history ? [history] : [];
  }

  /** Notes a redrive on the mail record, so its timeline shows the dead letter. */
  noteRedrive(
    messageId: string,
    redrive: { at: string; deadLetteredAt: string; cause?: string },
  ): Promise<void> {
    return this.store.ledger.noteRedrive(messageId, redrive);
  }
}

/** One attempt of a job as the admin reads it: the finished ones from the history, then the current. */
export interface AttemptView {
  attempt: number;
  cause: AttemptCause;
  startedAt: string;
  /** What /send answered: queued, refused, unknown (no answer), or pending (not yet). */
  sendAnswer: string;
  faxId?: string;
  /** delivered, failed, not sent, unknown, or in progress. */
  outcome: string;
  error?: string;
  pagesSent?: number;
  price?: string;
  endedAt?: string;
}

const CAUSE_WORDS: Record<AttemptCause, string> = {
  first: 'first',
  busy: 're-dial after busy',
  'no-answer': 're-dial after no answer',
  'broken-off': 're-dial after a broken-off call',
  'not-sent': 'sent again: the one before was never created',
  resend: 'resent by an admin',
};

export function causeWords(cause: AttemptCause): string {
  return CAUSE_WORDS[cause] ?? cause;
}

/** A finished attempt from the job's history. */
export function finishedAttemptView(a: AttemptRecord): AttemptView {
  return {
    attempt: a.attempt,
    cause: a.cause,
    startedAt: a.startedAt,
    sendAnswer: a.sendAnswer,
    ...(a.faxId ? { faxId: a.faxId } : {}),
    outcome: a.outcome === 'not-sent' ? 'not sent' : a.outcome,
    ...(a.error ? { error: a.error } : {}),
    ...(a.pagesSent !== undefined ? { pagesSent: a.pagesSent } : {}),
    ...(a.price ? { price: a.price } : {}),
    endedAt: a.endedAt,
  };
}

export function attemptViews(job: FaxJob): AttemptView[] {
  const views = (job.attempts ?? []).map(finishedAttemptView);
  // A job waiting for its next attempt (or ended while one was due) holds no attempt of its own.
  if ((job.attempts ?? []).some((a) => a.attemptId === job.attemptId)) return views;
  // A number the mail gave up on before its /send: no attempt was made.
  if (job.notSent !== undefined && job.state === 'FAILED') return views;
  const attempt = attemptOf(job);
  views.push({
    attempt,
    cause: job.retryCause ?? (attempt === 1 ? 'first' : 'not-sent'),
    startedAt: job.sendStartedAt,
    sendAnswer:
      job.queuedAt || job.faxId
        ? 'queued'
        : job.outcomeUnknown
          ? 'unknown'
          : job.state === 'FAILED'
            ? 'refused'
            : 'pending',
    ...(job.faxId ? { faxId: job.faxId } : {}),
    outcome: job.state === 'SENDING' || job.state === 'QUEUED' ? 'in progress' : job.state.toLowerCase(),
    ...(job.error ? { error: job.error } : {}),
    ...(job.pagesSent !== undefined ? { pagesSent: job.pagesSent } : {}),
    ...(job.price !== undefined ? { price: job.price } : {}),
    ...(job.finishedAt ? { endedAt: job.finishedAt } : {}),
  });
  return views;
}

/** "attempt 2 (re-dial after busy): /send queued, fax 5f.., failed: Busy, 0 pages sent, price 0.00". */
export function describeAttempt(view: AttemptView): string {
  const parts = [
    `/send ${view.sendAnswer}`,
    view.faxId ? `fax ${view.faxId}` : '',
    `${view.outcome}${view.error ? `: ${view.error}` : ''}`,
    view.pagesSent !== undefined ? `${view.pagesSent} pages sent` : '',
    view.price !== undefined ? `price ${view.price}` : '',
  ].filter(Boolean);
  return `attempt ${view.attempt} (${causeWords(view.cause)}): ${parts.join(', ')}`;
}
