// The job ledger in one DynamoDB table, built only on single-item conditional writes (no
// transactions), so every guarantee holds item by item:
//
//   pk = MAIL#<messageId>  sk = MAIL          the mail record (audit, reply marker); its `ref` and
//                                             `receivedDay` put it in the mail-reference and
//                                             mails-by-day indexes (the admin CLI's history)
//   pk = MAIL#<messageId>  sk = JOB#<number>  one fax job and its attempts; open jobs carry
//                                             openShard/openSince
//   pk = FAX#<faxId>       sk = CLAIM         which job (and attempt) a faxrocks fax id belongs to
//
// A job's attempts live on its one item (the current attempt's fields, the finished ones in a
// bounded list), so every transition is one conditional write naming the attempt: a new attempt's
// claim (RETRY_DUE -> SENDING, attempt + 1) is won by one poller only.
//
// Open jobs sit in the sparse `open-jobs` index under one shard, sorted by send time, until
// markNotified removes the two index attributes.

import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AttemptCause,
  type AttemptRecord,
  type FaxJob,
  type FaxOutcome,
  FINAL_STATES,
  type MailOutcome,
  type MailRecord,
  type NewFaxJob,
} from '../domain/fax-job.ts';
import { jobReference } from '../domain/job-reference.ts';
import { storedItem } from '../domain/record-limits.ts';
import { ConflictError, FaxgateError } from '../errors.ts';
import { type Clock, type JobLedger, type MailFailure, systemClock } from '../ports.ts';
import { held, orConflict } from './dynamo-conditions.ts';
import { indexPartition, jobsTableSchema } from './table-schema.ts';

const OPEN_SHARD = 'OPEN';
/** What belongs to the current attempt only: cleared when a new attempt is scheduled. */
const CURRENT_ATTEMPT_FIELDS = [
  'faxId',
  'faxFoundAt',
  'queuedAt',
  'outcomeUnknown',
  'absentSince',
  'absentChecks',
  'price',
  'pagesSent',
  'error',
  'deferredBecause',
] as const;
const INTERNAL_ATTRIBUTES = ['pk', 'sk', 'openShard', 'openSince', 'replyClaimUntil', 'receivedDay'] as const;
const MAIL_OUTCOME_FIELDS = [
  'sender',
  'reason',
  'detail',
  'senderDetail',
  'numbers',
  'rejectedNumbers',
  'documents',
  'ignoredAttachments',
  'pages',
] as const;

type Item = Record<string, unknown>;

/** Failures kept on a mail record (a mail the queue retries a few times, then dead-letters). */
const MAX_FAILURES_KEPT = 10;
/** Redrives kept on a mail record. */
const MAX_REDRIVES_KEPT = 20;

export interface DynamoJobLedgerOptions {
  /** Stamps markRefused's finishedAt/notifiedAt and the fax claims' expiry. */
  clock?: Clock;
  /** Days a fax claim is kept (DynamoDB TTL); match the job retention. Default 400. */
  claimRetentionDays?: number;
}

export function mailKey(messageId: string) {
  return { pk: `MAIL#${messageId}`, sk: 'MAIL' };
}

export function jobKey(messageId: string, number: string) {
  return { pk: `MAIL#${messageId}`, sk: `JOB#${number}` };
}

export function faxClaimKey(faxId: string) {
  return { pk: `FAX#${faxId}`, sk: 'CLAIM' };
}

/** The SDK's marshaller refuses undefined unless told otherwise; the client is the caller's. */
function withoutUndefined<T extends object>(value: T): Item {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** A job as first written: its fields, its key, `state`, and its place in the open-jobs index. */
function newJobItem(job: NewFaxJob & { notSent?: string; error?: string }, state: Item): Item {
  return {
    ...storedItem(withoutUndefined(job)),
    ...jobKey(job.messageId, job.number),
    ...state,
    openShard: OPEN_SHARD,
    openSince: openSinceOf(job.sendStartedAt, job.messageId, job.number),
  };
}

/** The open-jobs index's sort key: by send time, then mail and number (unique). */
function openSinceOf(sendStartedAt: string, messageId: string, number: string): string {
  return `${sendStartedAt}#${messageId}#${number}`;
}

function withoutInternal(item: Item): Item {
  const copy = { ...item };
  for (const name of INTERNAL_ATTRIBUTES) delete copy[name];
  return copy;
}

/** Builds `SET a = :a, ...` / `REMOVE b` from a map whose undefined values mean "remove". */
function updateExpression(
  set: Record<string, unknown>,
  extraRemove: string[] = [],
): { UpdateExpression: string; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [field, value] of Object.entries(set)) {
    names[`#${field}`] = field;
    if (value === undefined) {
      removes.push(`#${field}`);
    } else {
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
  }
  for (const field of extraRemove) {
    names[`#${field}`] = field;
    removes.push(`#${field}`);
  }
  const parts = [];
  if (sets.length > 0) parts.push(`SET ${sets.join(', ')}`);
  if (removes.length > 0) parts.push(`REMOVE ${removes.join(', ')}`);
  return { UpdateExpression: parts.join(' '), names, values };
}

export class DynamoJobLedger implements JobLedger {
  private readonly clock: Clock;
  private readonly claimRetentionSeconds: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoJobLedgerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.claimRetentionSeconds = (options.claimRetentionDays ?? 400) * 86_400;
  }

  // ---- mail records ----

  async openMail(mail: MailRecord): Promise<{ created: boolean; record: MailRecord }> {
    const wrote = await this.putIfAbsent({
      ...storedItem(withoutUndefined(mail)),
      ...mailKey(mail.messageId),
      ref: jobReference(mail.messageId),
      receivedDay: mail.receivedAt.slice(0, 10),
    });
    if (wrote) return { created: true, record: { ...mail, ref: jobReference(mail.messageId) } };
    const record = await this.getMail(mail.messageId);
    if (!record) throw new ConflictError(`Mail record ${mail.messageId} vanished while opening it`);
    return { created: false, record };
  }

  async getMail(messageId: string): Promise<MailRecord | undefined> {
    const item = await this.get(mailKey(messageId));
    return item ? (withoutInternal(item) as unknown as MailRecord) : undefined;
  }

  async recordMailOutcome(messageId: string, outcome: MailOutcome): Promise<void> {
    // The latest decision replaces the previous one whole, so fields it leaves out are removed.
    const fields: Record<string, unknown> = { outcome: outcome.outcome, decidedAt: outcome.decidedAt };
    for (const field of MAIL_OUTCOME_FIELDS) fields[field] = outcome[field];
    await this.update(mailKey(messageId), fields, {
      condition: 'attribute_exists(pk)',
      conflict: () => `No mail record ${messageId}: openMail must come first`,
    });
  }

  async markMailReplied(messageId: string, at: string): Promise<boolean> {
    const wrote = await held(
      this.update(
        mailKey(messageId),
        { repliedAt: at },
        { condition: 'attribute_exists(pk) AND attribute_not_exists(repliedAt)' },
      ),
    );
    if (wrote) return true;
    if (!(await this.getMail(messageId))) {
      throw new ConflictError(`No mail record ${messageId}: openMail must come first`);
    }
    return false;
  }

  async claimReply(messageId: string, now: string, until: string): Promise<'claimed' | 'replied' | 'busy'> {
    const wrote = await held(
      this.update(
        mailKey(messageId),
        { replyClaimUntil: until },
        {
          condition:
            'attribute_exists(pk) AND attribute_not_exists(repliedAt) AND (attribute_not_exists(#replyClaimUntil) OR #replyClaimUntil < :now)',
          values: { ':now': now },
        },
      ),
    );
    if (wrote) return 'claimed';
    const record = await this.getMail(messageId);
    if (!record) throw new ConflictError(`No mail record ${messageId}: openMail must come first`);
    return record.repliedAt ? 'replied' : 'busy';
  }

  async releaseReply(messageId: string): Promise<void> {
    await this.update(
      mailKey(messageId),
      {},
      { condition: 'attribute_exists(pk)', remove: ['replyClaimUntil'] },
    );
  }

  async recordMailFailure(messageId: string, failure: MailFailure): Promise<void> {
    const entry = storedItem(withoutUndefined(failure));
    // lastError is always the latest; the list keeps the first MAX_FAILURES_KEPT failures.
    await this.appendToMail(messageId, 'failures', entry, MAX_FAILURES_KEPT, {
      lastError: entry.error,
      lastErrorAt: failure.at,
    });
  }

  /** Notes a redrive on the mail record (bounded list), so its timeline shows the dead letter. */
  async noteRedrive(
    messageId: string,
    redrive: { at: string; deadLetteredAt: string; cause?: string },
  ): Promise<void> {
    await this.appendToMail(messageId, 'redrives', storedItem(withoutUndefined(redrive)), MAX_REDRIVES_KEPT);
  }

  /**
   * Appends `entry` to a list on the mail record while it holds fewer than `max`, and sets `also`
   * either way. A mail with no record yet (it failed before openMail) has nothing to note it on.
   */
  private async appendToMail(
    messageId: string,
    list: string,
    entry: Item,
    max: number,
    also: Item = {},
  ): Promise<void> {
    const set = updateExpression(also);
    const appended = set.UpdateExpression
      ? `${set.UpdateExpression}, #list = list_append(if_not_exists(#list, :none), :entry)`
      : 'SET #list = list_append(if_not_exists(#list, :none), :entry)';
    const wrote = await held(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: mailKey(messageId),
          UpdateExpression: appended,
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#list) OR size(#list) < :max)',
          ExpressionAttributeNames: { ...set.names, '#list': list },
          ExpressionAttributeValues: { ...set.values, ':none': [], ':entry': [entry], ':max': max },
        }),
      ),
    );
    if (wrote || !set.UpdateExpression) return;
    await held(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: mailKey(messageId),
          UpdateExpression: set.UpdateExpression,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: set.names,
          ExpressionAttributeValues: set.values,
        }),
      ),
    );
  }

  // ---- sending ----

  async claimSend(job: NewFaxJob): Promise<boolean> {
    return this.putIfAbsent(
      newJobItem(job, { state: 'SENDING', attempt: 1, firstSentAt: job.sendStartedAt }),
    );
  }

  async recordNotSent(job: NewFaxJob, notSent: { cause: string; at: string }): Promise<boolean> {
    return this.putIfAbsent(
      newJobItem(
        { ...job, notSent: notSent.cause, error: notSent.cause },
        { state: 'FAILED', attempt: 0, finishedAt: notSent.at },
      ),
    );
  }

  async releaseSend(messageId: string, number: string, attemptId: string): Promise<void> {
    const released = await held(
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: jobKey(messageId, number),
          ConditionExpression: '#attemptId = :attemptId AND #state = :sending',
          ExpressionAttributeNames: { '#attemptId': 'attemptId', '#state': 'state' },
          ExpressionAttributeValues: { ':attemptId': attemptId, ':sending': 'SENDING' },
        }),
      ),
    );
    // Already gone is what release wants; anything else belongs to another attempt or moved on.
    if (released || (await this.getJob(messageId, number)) === undefined) return;
    throw new ConflictError(`Job ${messageId}/${number} is not a SENDING job of attempt ${attemptId}`);
  }

  async markQueued(
    messageId: string,
    number: string,
    attemptId: string,
    queued: { queuedAt: string; pages: number; estimatedCost?: number },
  ): Promise<void> {
    // QUEUED too, so a retried call (or a poller that matched the fax first) is not an error.
    await this.update(
      jobKey(messageId, number),
      {
        state: 'QUEUED',
        queuedAt: queued.queuedAt,
        pages: queued.pages,
        ...(queued.estimatedCost === undefined ? {} : { estimatedCost: queued.estimatedCost }),
      },
      {
        ...whileAttemptIn(messageId, number, attemptId, ['SENDING', 'QUEUED']),
      },
    );
  }

  async markSendOutcomeUnknown(
    messageId: string,
    number: string,
    attemptId: string,
    reason: string,
  ): Promise<void> {
    await this.update(
      jobKey(messageId, number),
      { outcomeUnknown: reason },
      {
        ...whileAttemptIn(messageId, number, attemptId, ['SENDING']),
      },
    );
  }

  async markRefused(
    messageId: string,
    number: string,
    attemptId: string,
    error: string,
    options: { notified?: boolean } = {},
  ): Promise<void> {
    // The inbound reply reports a first attempt's refusal at once, so that job is born notified and
    // never polled; a later attempt's refusal waits for the mail's final report.
    const now = this.clock.now().toISOString();
    const notified = options.notified ?? true;
    await this.update(
      jobKey(messageId, number),
      { state: 'FAILED', error, finishedAt: now, ...(notified ? { notifiedAt: now } : {}) },
      {
        remove: notified ? ['openShard', 'openSince'] : [],
        // A retried call that already wrote this refusal is not an error.
        ...whileAttemptIn(
          messageId,
          number,
          attemptId,
          ['SENDING'],
          '(#state = :failed AND #error = :error)',
        ),
        values: { ':attemptId': attemptId, ':sending': 'SENDING', ':failed': 'FAILED' },
      },
    );
  }

  // ---- attempts ----

  async scheduleRetry(
    messageId: string,
    number: string,
    attemptId: string,
    retry: { finished: AttemptRecord; dueAt: string; cause: AttemptCause },
  ): Promise<void> {
    await this.update(
      jobKey(messageId, number),
      { state: 'RETRY_DUE', dueAt: retry.dueAt, retryCause: retry.cause },
      {
        appendAttempt: retry.finished,
        remove: [...CURRENT_ATTEMPT_FIELDS],
        ...whileAttemptIn(messageId, number, attemptId, ['SENDING', 'QUEUED']),
      },
    );
  }

  async claimRetry(
    messageId: string,
    number: string,
    fromAttemptId: string,
    next: { attemptId: string; sendStartedAt: string },
  ): Promise<boolean> {
    return held(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(messageId, number),
          UpdateExpression:
            'SET #state = :sending, #attemptId = :next, #sendStartedAt = :started, #attempt = if_not_exists(#attempt, :one) + :one REMOVE #dueAt',
          ConditionExpression: '#state = :due AND #attemptId = :from AND #dueAt <= :started',
          ExpressionAttributeNames: {
            '#state': 'state',
            '#attemptId': 'attemptId',
            '#sendStartedAt': 'sendStartedAt',
            '#attempt': 'attempt',
            '#dueAt': 'dueAt',
          },
          ExpressionAttributeValues: {
            ':sending': 'SENDING',
            ':due': 'RETRY_DUE',
            ':next': next.attemptId,
            ':from': fromAttemptId,
            ':started': next.sendStartedAt,
            ':one': 1,
          },
        }),
      ),
    );
  }

  async claimResend(
    messageId: string,
    number: string,
    fromAttemptId: string,
    next: { attemptId: string; sendStartedAt: string; finished?: AttemptRecord; reportedAt?: string },
  ): Promise<boolean> {
    const { sendStartedAt } = next;
    return held(
      this.update(
        jobKey(messageId, number),
        {
          state: 'SENDING',
          attemptId: next.attemptId,
          sendStartedAt,
          // A resend starts a re-dial window of its own: the first one may be long over.
          firstSentAt: sendStartedAt,
          retryCause: 'resend',
          resentAt: sendStartedAt,
          openShard: OPEN_SHARD,
          openSince: openSinceOf(sendStartedAt, messageId, number),
        },
        {
          ...(next.finished ? { appendAttempt: next.finished } : {}),
          ...(next.reportedAt ? { appendEarlierReport: next.reportedAt } : {}),
          incrementAttempt: true,
          remove: [
            ...CURRENT_ATTEMPT_FIELDS,
            'finishedAt',
            'notifiedAt',
            'notRedialled',
            'dueAt',
            'estimatedCost',
            'notSent',
          ],
          condition: '#attemptId = :from AND (#state = :failed OR #state = :unknown)',
          values: { ':from': fromAttemptId, ':failed': 'FAILED', ':unknown': 'UNKNOWN' },
        },
      ),
    );
  }

  async deferRetry(
    messageId: string,
    number: string,
    attemptId: string,
    deferral: { dueAt: string; reason: string },
  ): Promise<void> {
    // The provider certainly did not take the fax: the attempt is given back, not counted.
    await this.update(
      jobKey(messageId, number),
      { state: 'RETRY_DUE', dueAt: deferral.dueAt, deferredBecause: deferral.reason },
      {
        decrementAttempt: true,
        ...whileAttemptIn(messageId, number, attemptId, ['SENDING']),
      },
    );
  }

  async noteAbsent(messageId: string, number: string, attemptId: string, at: string): Promise<FaxJob> {
    const result = await orConflict(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(messageId, number),
          UpdateExpression: 'SET #absentSince = if_not_exists(#absentSince, :at) ADD #absentChecks :one',
          ConditionExpression:
            '#attemptId = :attemptId AND #state = :sending AND attribute_not_exists(#faxId)',
          ExpressionAttributeNames: {
            '#absentSince': 'absentSince',
            '#absentChecks': 'absentChecks',
            '#attemptId': 'attemptId',
            '#state': 'state',
            '#faxId': 'faxId',
          },
          ExpressionAttributeValues: { ':at': at, ':one': 1, ':attemptId': attemptId, ':sending': 'SENDING' },
          ReturnValues: 'ALL_NEW',
        }),
      ),
      () => `Job ${messageId}/${number} is not an unsettled attempt ${attemptId}`,
    );
    return withoutInternal(result.Attributes ?? {}) as unknown as FaxJob;
  }

  async getJob(messageId: string, number: string): Promise<FaxJob | undefined> {
    const item = await this.get(jobKey(messageId, number));
    return item ? (withoutInternal(item) as unknown as FaxJob) : undefined;
  }

  async listJobs(messageId: string): Promise<FaxJob[]> {
    return this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :job)',
      ExpressionAttributeValues: { ':pk': `MAIL#${messageId}`, ':job': 'JOB#' },
      ConsistentRead: true,
    });
  }

  // ---- polling ----

  async listOpenJobs(): Promise<FaxJob[]> {
    return this.queryAll(
      indexPartition(this.tableName, jobsTableSchema.openJobsIndex, OPEN_SHARD, 'ascending'),
    );
  }

  async claimFax(
    faxId: string,
    job: { messageId: string; number: string; attemptId?: string },
  ): Promise<{ messageId: string; number: string; attemptId?: string }> {
    const now = this.clock.now();
    const wrote = await this.putIfAbsent({
      ...faxClaimKey(faxId),
      faxId,
      messageId: job.messageId,
      number: job.number,
      ...(job.attemptId ? { attemptId: job.attemptId } : {}),
      claimedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + this.claimRetentionSeconds,
    });
    if (wrote) return job;
    const holder = await this.get(faxClaimKey(faxId));
    if (!holder) throw new ConflictError(`Claim of fax ${faxId} vanished while claiming it`);
    return {
      messageId: String(holder.messageId),
      number: String(holder.number),
      ...(typeof holder.attemptId === 'string' ? { attemptId: holder.attemptId } : {}),
    };
  }

  async attachFax(
    messageId: string,
    number: string,
    faxId: string,
    at: string,
    attemptId?: string,
  ): Promise<void> {
    const key = jobKey(messageId, number);
    // Only the attempt the fax was matched for may take it.
    const ofAttempt = attemptId ? ' AND #attemptId = :attemptId' : '';
    const attemptValues = attemptId ? { ':attemptId': attemptId } : {};
    const sameFaxOrNone = `(attribute_not_exists(#faxId) OR #faxId = :faxId)${ofAttempt}`;
    // A settled ambiguous send becomes QUEUED; a job already past SENDING only gains the fax id.
    const settled = await held(
      this.update(
        key,
        { state: 'QUEUED', faxId, faxFoundAt: at },
        {
          condition: `#state = :sending AND ${sameFaxOrNone}`,
          values: { ':sending': 'SENDING', ...attemptValues },
          ...(attemptId ? { names: { '#attemptId': 'attemptId' } } : {}),
        },
      ),
    );
    if (settled) return;
    const attached = await held(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #faxId = :faxId, #faxFoundAt = if_not_exists(#faxFoundAt, :at)',
          ConditionExpression: `attribute_exists(pk) AND #state <> :sending AND #state <> :due AND ${sameFaxOrNone}`,
          ExpressionAttributeNames: {
            '#faxId': 'faxId',
            '#faxFoundAt': 'faxFoundAt',
            '#state': 'state',
            ...(attemptId ? { '#attemptId': 'attemptId' } : {}),
          },
          ExpressionAttributeValues: {
            ':faxId': faxId,
            ':at': at,
            ':sending': 'SENDING',
            ':due': 'RETRY_DUE',
            ...attemptValues,
          },
        }),
      ),
    );
    if (attached) return;
    const job = await this.getJob(messageId, number);
    throw new ConflictError(
      job
        ? `Job ${messageId}/${number} already holds fax ${job.faxId}, not ${faxId}`
        : `No job ${messageId}/${number} to attach fax ${faxId} to`,
    );
  }

  async recordOutcome(
    messageId: string,
    number: string,
    outcome: FaxOutcome,
    attemptId?: string,
  ): Promise<void> {
    const finals = FINAL_STATES.map((_, i) => `:final${i}`);
    const values: Record<string, unknown> = Object.fromEntries(FINAL_STATES.map((s, i) => [`:final${i}`, s]));
    if (attemptId) values[':attemptId'] = attemptId;
    await this.update(
      jobKey(messageId, number),
      withoutUndefined({
        state: outcome.state,
        finishedAt: outcome.finishedAt,
        price: outcome.price,
        pagesSent: outcome.pagesSent,
        error: outcome.error,
        notRedialled: outcome.notRedialled,
      }),
      {
        // Recording the same final state again is a no-op retry; a different one is a conflict.
        condition: `attribute_exists(pk) AND (NOT #state IN (${finals.join(', ')}) OR #state = :state)${attemptId ? ' AND #attemptId = :attemptId' : ''}`,
        ...(attemptId ? { names: { '#attemptId': 'attemptId' } } : {}),
        values,
        conflict: () => `Job ${messageId}/${number} is missing or already ended in another state`,
      },
    );
  }

  async markNotified(messageId: string, number: string, at: string): Promise<void> {
    const finals = FINAL_STATES.map((_, i) => `:final${i}`);
    const values: Record<string, unknown> = Object.fromEntries(FINAL_STATES.map((s, i) => [`:final${i}`, s]));
    await orConflict(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(messageId, number),
          UpdateExpression: 'SET #notifiedAt = if_not_exists(#notifiedAt, :at) REMOVE #openShard, #openSince',
          ConditionExpression: `attribute_exists(pk) AND #state IN (${finals.join(', ')})`,
          ExpressionAttributeNames: {
            '#notifiedAt': 'notifiedAt',
            '#openShard': 'openShard',
            '#openSince': 'openSince',
            '#state': 'state',
          },
          ExpressionAttributeValues: { ...values, ':at': at },
        }),
      ),
      () => `Job ${messageId}/${number} is missing or has no final outcome to notify`,
    );
  }

  // ---- plumbing ----

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  private async queryAll(input: QueryCommandInput): Promise<FaxJob[]> {
    const jobs: FaxJob[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Bounded: 10,000 pages of up to 1 MB is far beyond any real open-job backlog.
    for (let page = 0; page < 10_000; page++) {
      const result = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      for (const item of result.Items ?? []) jobs.push(withoutInternal(item) as unknown as FaxJob);
      startKey = result.LastEvaluatedKey;
      if (!startKey) return jobs;
    }
    throw new FaxgateError('Query did not finish within 10,000 pages');
  }

  /** Writes the item unless one with its key exists; false when one did. */
  private putIfAbsent(item: Item): Promise<boolean> {
    return held(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /**
   * A conditional UpdateItem. `#state` and `#<field>` names are provided; a failed condition
   * becomes a ConflictError when `conflict` is given, else the SDK's error is rethrown.
   */
  private async update(
    key: { pk: string; sk: string },
    fields: Record<string, unknown>,
    options: {
      condition: string;
      remove?: string[];
      names?: Record<string, string>;
      values?: Record<string, unknown>;
      conflict?: () => string;
      /** Appends one finished attempt to the job's history. */
      appendAttempt?: AttemptRecord;
      /** The attempt is given back (the provider did not take it): attempt - 1. */
      decrementAttempt?: boolean;
      /** A new attempt: attempt + 1. */
      incrementAttempt?: boolean;
      /** Keeps when the sender was told before (a resend reopens the job). */
      appendEarlierReport?: string;
    },
  ): Promise<void> {
    // Whatever a caller passes, an item stays far below DynamoDB's 400 KB (record-limits.ts).
    const expression = updateExpression(storedItem(fields), options.remove);
    const extraSets: string[] = [];
    if (options.appendAttempt) {
      extraSets.push('#attempts = list_append(if_not_exists(#attempts, :noAttempts), :finished)');
      expression.names['#attempts'] = 'attempts';
      expression.values[':noAttempts'] = [];
      expression.values[':finished'] = [storedItem(withoutUndefined(options.appendAttempt))];
    }
    if (options.decrementAttempt) {
      extraSets.push('#attempt = if_not_exists(#attempt, :one) - :one');
      expression.names['#attempt'] = 'attempt';
      expression.values[':one'] = 1;
    }
    if (options.appendEarlierReport) {
      extraSets.push('#earlierReports = list_append(if_not_exists(#earlierReports, :noReports), :reported)');
      expression.names['#earlierReports'] = 'earlierReports';
      expression.values[':noReports'] = [];
      expression.values[':reported'] = [options.appendEarlierReport];
    }
    if (options.incrementAttempt) {
      extraSets.push('#attempt = if_not_exists(#attempt, :one) + :one');
      expression.names['#attempt'] = 'attempt';
      expression.values[':one'] = 1;
    }
    if (extraSets.length > 0) {
      expression.UpdateExpression = expression.UpdateExpression.startsWith('SET ')
        ? `SET ${extraSets.join(', ')}, ${expression.UpdateExpression.slice(4)}`
        : `SET ${extraSets.join(', ')} ${expression.UpdateExpression}`;
    }
    const names = { ...expression.names, '#state': 'state', ...options.names };
    // Only names the expressions use may be sent.
    const text = `${expression.UpdateExpression} ${options.condition}`;
    const usedNames = Object.fromEntries(Object.entries(names).filter(([name]) => text.includes(name)));
    const values = { ...expression.values, ...options.values };
    const usedValues = Object.fromEntries(
      Object.entries(values).filter(([name]) => new RegExp(`${name}(?![A-Za-z0-9_])`).test(text)),
    );
    const write = this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: expression.UpdateExpression,
        ConditionExpression: options.condition,
        ExpressionAttributeNames: usedNames,
        ...(Object.keys(usedValues).length > 0 ? { ExpressionAttributeValues: usedValues } : {}),
      }),
    );
    await (options.conflict ? orConflict(write, options.conflict) : write);
  }
}

/**
 * The condition of a write that belongs to one attempt: the job still carries `attemptId` and is in
 * one of `states` (or matches `orElse`); otherwise another attempt moved it on, a ConflictError.
 */
function whileAttemptIn(
  messageId: string,
  number: string,
  attemptId: string,
  states: readonly ('SENDING' | 'QUEUED')[],
  orElse?: string,
) {
  const alternatives = [
    ...states.map((state) => `#state = :${state.toLowerCase()}`),
    ...(orElse ? [orElse] : []),
  ];
  return {
    condition: `#attemptId = :attemptId AND (${alternatives.join(' OR ')})`,
    names: { '#attemptId': 'attemptId' },
    values: {
      ':attemptId': attemptId,
      ...Object.fromEntries(states.map((state) => [`:${state.toLowerCase()}`, state])),
    },
    conflict: () => `Job ${messageId}/${number} is not attempt ${attemptId} in state ${states.join(' or ')}`,
  };
}
