// In-process stand-ins for faxgate's own ports, so the benchmark times our code and not a
// DynamoDB or S3 emulator. They keep the ports' contracts (conditional claims, open jobs in send
// order) in plain maps; they are fakes of OUR interfaces, never of the AWS SDK.

import type {
  AttemptCause,
  AttemptRecord,
  FaxJob,
  FaxOutcome,
  MailOutcome,
  MailRecord,
  NewFaxJob,
} from '../functions/domain/fax-job.ts';
import { isFinal } from '../functions/domain/fax-job.ts';
import { senderLookupKeys } from '../functions/domain/sender-policy.ts';
import { ConflictError, MailNotFoundError } from '../functions/errors.ts';
import type {
  DailyUsage,
  JobLedger,
  Mailer,
  MailStore,
  OutgoingMail,
  SenderEntry,
  SenderList,
  StoredMailRef,
} from '../functions/ports.ts';

export class MemoryMailStore implements MailStore {
  private readonly mails = new Map<string, Buffer>();

  put(ref: StoredMailRef, raw: Buffer): void {
    this.mails.set(`${ref.bucket}/${ref.key}`, raw);
  }

  async getRawMail(ref: StoredMailRef): Promise<Buffer> {
    const raw = this.mails.get(`${ref.bucket}/${ref.key}`);
    if (!raw) throw new MailNotFoundError(`no mail at ${ref.key}`);
    return raw;
  }
}

export class MemorySenderList implements SenderList {
  private readonly entries = new Map<string, SenderEntry>();

  async isAllowed(address: string): Promise<boolean> {
    return senderLookupKeys(address)?.some((key) => this.entries.has(key)) ?? false;
  }

  async add(entry: SenderEntry): Promise<'added' | 'exists'> {
    if (this.entries.has(entry.entry)) return 'exists';
    this.entries.set(entry.entry, entry);
    return 'added';
  }

  async remove(entry: string): Promise<'removed' | 'missing'> {
    return this.entries.delete(entry) ? 'removed' : 'missing';
  }

  async list(): Promise<SenderEntry[]> {
    return [...this.entries.values()];
  }
}

/** Counts what would have been mailed; keeps nothing (replies carry no document bytes anyway). */
export class CountingMailer implements Mailer {
  sent = 0;
  async send(_mail: OutgoingMail): Promise<void> {
    this.sent++;
  }
}

/** Cost-guard counters in a map (the bench runs with the guards off, so they are rarely asked). */
export class MemoryDailyUsage implements DailyUsage {
  private readonly pages = new Map<string, { pages: number; counted: Set<string> }>();
  private readonly cost = new Map<string, { cost: number; counted: Set<string> }>();

  async countSenderPages(day: string, sender: string, messageId: string, pages: number, limit: number) {
    const key = `${day}#${sender.toLowerCase()}`;
    const entry = this.pages.get(key) ?? { pages: 0, counted: new Set<string>() };
    this.pages.set(key, entry);
    if (entry.counted.has(messageId)) return { allowed: true, pagesToday: entry.pages };
    if (entry.pages + pages > limit) return { allowed: false, pagesToday: entry.pages };
    entry.counted.add(messageId);
    entry.pages += pages;
    return { allowed: true, pagesToday: entry.pages };
  }

  async gatewayCost(day: string): Promise<number> {
    return this.cost.get(day)?.cost ?? 0;
  }

  async reserveGatewayCost(day: string, countedFor: string, cost: number, ceiling: number) {
    const entry = this.cost.get(day) ?? { cost: 0, counted: new Set<string>() };
    this.cost.set(day, entry);
    if (entry.counted.has(countedFor)) return { allowed: true, costToday: entry.cost };
    if (cost > ceiling || entry.cost + cost > ceiling) return { allowed: false, costToday: entry.cost };
    entry.counted.add(countedFor);
    entry.cost += cost;
    return { allowed: true, costToday: entry.cost };
  }

  async correctGatewayCost(day: string, countedFor: string, delta: number): Promise<void> {
    const entry = this.cost.get(day);
    if (!entry?.counted.has(countedFor)) return;
    entry.cost += delta;
  }
}

function jobKey(messageId: string, number: string): string {
  return `${messageId}#${number}`;
}

export class MemoryJobLedger implements JobLedger {
  private readonly mails = new Map<string, MailRecord>();
  private readonly jobs = new Map<string, FaxJob>();
  private readonly faxClaims = new Map<string, { messageId: string; number: string }>();

  async openMail(mail: MailRecord): Promise<{ created: boolean; record: MailRecord }> {
    const existing = this.mails.get(mail.messageId);
    if (existing) return { created: false, record: existing };
    this.mails.set(mail.messageId, { ...mail });
    return { created: true, record: mail };
  }

  async getMail(messageId: string): Promise<MailRecord | undefined> {
    return this.mails.get(messageId);
  }

  async recordMailOutcome(messageId: string, outcome: MailOutcome): Promise<void> {
    const record = this.mails.get(messageId);
    if (record) this.mails.set(messageId, { ...record, ...outcome });
  }

  async markMailReplied(messageId: string, at: string): Promise<boolean> {
    const record = this.mails.get(messageId);
    if (!record || record.repliedAt) return false;
    record.repliedAt = at;
    return true;
  }

  async claimReply(messageId: string): Promise<'claimed' | 'replied' | 'busy'> {
    return this.mails.get(messageId)?.repliedAt ? 'replied' : 'claimed';
  }

  async releaseReply(): Promise<void> {}

  async claimSend(job: NewFaxJob): Promise<boolean> {
    const key = jobKey(job.messageId, job.number);
    if (this.jobs.has(key)) return false;
    this.jobs.set(key, { ...job, state: 'SENDING' });
    return true;
  }

  async recordNotSent(job: NewFaxJob, notSent: { cause: string; at: string }): Promise<boolean> {
    const key = jobKey(job.messageId, job.number);
    if (this.jobs.has(key)) return false;
    const { cause, at } = notSent;
    this.jobs.set(key, { ...job, state: 'FAILED', attempt: 0, notSent: cause, error: cause, finishedAt: at });
    return true;
  }

  /** Puts a job as it would stand after earlier runs (the poller benchmark's open jobs). */
  seedJob(job: FaxJob): void {
    this.jobs.set(jobKey(job.messageId, job.number), { ...job });
  }

  private attempt(messageId: string, number: string, attemptId: string): FaxJob {
    const job = this.jobs.get(jobKey(messageId, number));
    if (!job || job.attemptId !== attemptId || job.state !== 'SENDING') {
      throw new ConflictError(`job ${messageId}#${number} is not this attempt's SENDING job`);
    }
    return job;
  }

  async releaseSend(messageId: string, number: string, attemptId: string): Promise<void> {
    this.attempt(messageId, number, attemptId);
    this.jobs.delete(jobKey(messageId, number));
  }

  async markQueued(
    messageId: string,
    number: string,
    attemptId: string,
    queued: { queuedAt: string; pages: number; estimatedCost?: number },
  ): Promise<void> {
    Object.assign(this.attempt(messageId, number, attemptId), { state: 'QUEUED', ...queued });
  }

  async markSendOutcomeUnknown(
    messageId: string,
    number: string,
    attemptId: string,
    reason: string,
  ): Promise<void> {
    this.attempt(messageId, number, attemptId).outcomeUnknown = reason;
  }

  async markRefused(messageId: string, number: string, attemptId: string, error: string): Promise<void> {
    Object.assign(this.attempt(messageId, number, attemptId), { state: 'FAILED', error });
  }

  async scheduleRetry(
    messageId: string,
    number: string,
    attemptId: string,
    retry: { finished: AttemptRecord; dueAt: string; cause: AttemptCause },
  ): Promise<void> {
    const job = this.jobs.get(jobKey(messageId, number));
    if (!job || job.attemptId !== attemptId) throw new ConflictError('not this attempt');
    Object.assign(job, {
      state: 'RETRY_DUE',
      dueAt: retry.dueAt,
      retryCause: retry.cause,
      attempts: [...(job.attempts ?? []), retry.finished],
      faxId: undefined,
      queuedAt: undefined,
      outcomeUnknown: undefined,
      error: undefined,
    });
  }

  async claimRetry(
    messageId: string,
    number: string,
    fromAttemptId: string,
    next: { attemptId: string; sendStartedAt: string },
  ): Promise<boolean> {
    const job = this.jobs.get(jobKey(messageId, number));
    if (job?.state !== 'RETRY_DUE' || job.attemptId !== fromAttemptId) return false;
    Object.assign(job, { state: 'SENDING', ...next, attempt: (job.attempt ?? 1) + 1, dueAt: undefined });
    return true;
  }

  async deferRetry(messageId: string, number: string, attemptId: string, deferral: { dueAt: string }) {
    const job = this.attempt(messageId, number, attemptId);
    Object.assign(job, { state: 'RETRY_DUE', dueAt: deferral.dueAt, attempt: (job.attempt ?? 1) - 1 });
  }

  async noteAbsent(messageId: string, number: string, attemptId: string, at: string): Promise<FaxJob> {
    const job = this.attempt(messageId, number, attemptId);
    job.absentSince ??= at;
    job.absentChecks = (job.absentChecks ?? 0) + 1;
    return { ...job };
  }

  async getJob(messageId: string, number: string): Promise<FaxJob | undefined> {
    return this.jobs.get(jobKey(messageId, number));
  }

  async listJobs(messageId: string): Promise<FaxJob[]> {
    return [...this.jobs.values()].filter((job) => job.messageId === messageId);
  }

  async listOpenJobs(): Promise<FaxJob[]> {
    return (
      [...this.jobs.values()]
        // Open until the outcome email went out, final or not.
        .filter((job) => !job.notifiedAt)
        .sort((a, b) => Date.parse(a.sendStartedAt) - Date.parse(b.sendStartedAt))
        .map((job) => ({ ...job }))
    );
  }

  async claimFax(
    faxId: string,
    job: { messageId: string; number: string },
  ): Promise<{ messageId: string; number: string }> {
    const holder = this.faxClaims.get(faxId);
    if (holder) return holder;
    this.faxClaims.set(faxId, { messageId: job.messageId, number: job.number });
    return job;
  }

  async attachFax(messageId: string, number: string, faxId: string, at: string): Promise<void> {
    const job = this.jobs.get(jobKey(messageId, number));
    if (!job) throw new ConflictError(`no job ${messageId}#${number}`);
    if (job.faxId && job.faxId !== faxId) throw new ConflictError(`job holds fax ${job.faxId}`);
    Object.assign(job, { faxId, faxFoundAt: at, state: job.state === 'SENDING' ? 'QUEUED' : job.state });
    job.outcomeUnknown = undefined;
  }

  async recordOutcome(messageId: string, number: string, outcome: FaxOutcome): Promise<void> {
    const job = this.jobs.get(jobKey(messageId, number));
    if (!job) throw new ConflictError(`no job ${messageId}#${number}`);
    if (isFinal(job.state) && job.state !== outcome.state) throw new ConflictError('another outcome stands');
    Object.assign(job, outcome);
  }

  async markNotified(messageId: string, number: string, at: string): Promise<void> {
    const job = this.jobs.get(jobKey(messageId, number));
    if (job) job.notifiedAt = at;
  }
}
