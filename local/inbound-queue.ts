// A small in-process queue with the semantics of SQS feeding a Lambda through an event source
// mapping with ReportBatchItemFailures: batches of up to N records, failed records come back after
// the visibility timeout with a higher ApproximateReceiveCount, and a record that failed
// maxReceiveCount times is moved to the dead-letter folder with the reason. Up to maxConcurrency
// batches run at once, as the event source mapping's maximum concurrency allows on AWS. Like SQS's
// ChangeMessageVisibility, the handler may give a message it failed its own retry delay
// (MessageRetries.retryAfter), with the cause its dead letter keeps.
//
// Two local guarantees that AWS leaves to timeouts: a message is never received again while the
// batch that holds it still runs (its visibility is extended until the handler returns), and
// messages of one group (the runtime groups by stored mail) are never in flight at once, like a
// FIFO queue's message groups. So two runs of one mail never overlap in this process.
//
// Every message is a file in the state folder from send until it is deleted or dead-lettered, so a
// restart (or a crash) picks up exactly the messages that were still waiting.

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Clock, Log, MessageRetries, QueueMessage } from '../functions/ports.ts';
import { systemClock } from '../functions/ports.ts';
import type { QueueSettings } from './local-config.ts';

export type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

interface StoredMessage {
  messageId: string;
  body: string;
  sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** Epoch ms from which the message may be received again. */
  visibleAt: number;
  lastError?: string;
  /** The cause the handler gave with its retry delay in the current receive. */
  cause?: string;
}

export interface DeadLetter {
  messageId: string;
  deadLetteredAt: string;
  receiveCount: number;
  reason: string;
  /** The message body as sent (the S3 event notification JSON), parsed when it is JSON. */
  body: unknown;
}

export interface InboundQueueOptions {
  handler: BatchHandler;
  /** One JSON file per waiting message. */
  stateDir: string;
  deadLetterDir: string;
  settings: QueueSettings;
  queueArn?: string;
  /** Messages with the same group are never in flight at once (undefined: no group). */
  groupOf?: (body: string) => string | undefined;
  log: Log;
  clock?: Clock;
}

const senderId = 'AROAFAXGATELOCAL00000:s3-event-notification';

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Timers wake at least this often, so a clock that is not the wall clock (tests) is followed too. */
const MAX_TIMER_MS = 1000;

export class InboundQueue implements MessageRetries {
  readonly queueArn: string;
  readonly #options: InboundQueueOptions;
  readonly #clock: Clock;
  readonly #messages = new Map<string, StoredMessage>();
  readonly #running = new Set<Promise<void>>();
  /** Message ids and groups held by a running batch. */
  readonly #inFlight = new Set<string>();
  readonly #groupsInFlight = new Set<string>();
  /** Each message's group, worked out once. */
  readonly #groups = new Map<string, string | undefined>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #deadLettered = 0;

  private constructor(options: InboundQueueOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.queueArn = options.queueArn ?? 'arn:aws:sqs:us-east-1:000000000000:faxgate-inbound';
  }

  /** Opens the queue and takes back every message that was still waiting when it last stopped. */
  static async open(options: InboundQueueOptions): Promise<InboundQueue> {
    const queue = new InboundQueue(options);
    await mkdir(options.stateDir, { recursive: true });
    await mkdir(options.deadLetterDir, { recursive: true });
    for (const name of (await readdir(options.stateDir)).sort()) {
      if (!name.endsWith('.json')) continue;
      try {
        const message = JSON.parse(await readFile(join(options.stateDir, name), 'utf8')) as StoredMessage;
        // Whatever was in flight when the process stopped is visible again at once.
        message.visibleAt = Math.min(message.visibleAt, queue.#clock.now().getTime());
        queue.#messages.set(message.messageId, message);
      } catch (error) {
        options.log.warn('Unreadable queue file skipped', { file: name, error: describeError(error) });
      }
    }
    if (queue.#messages.size > 0) {
      options.log.info('Queue messages taken back after restart', { count: queue.#messages.size });
    }
    queue.#schedule(0);
    return queue;
  }

  /** Adds a message (SendMessage); it is persisted before this resolves. */
  async send(body: string): Promise<string> {
    if (this.#closed) throw new Error('The inbound queue is closed');
    const now = this.#clock.now().getTime();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      sentTimestamp: now,
      receiveCount: 0,
      visibleAt: now,
    };
    await this.#persist(message);
    this.#messages.set(message.messageId, message);
    this.#schedule(0);
    return message.messageId;
  }

  /**
   * ChangeMessageVisibility for a message in flight: it is received again `seconds` from now, and
   * `cause` is what its dead letter says should it fail for good. Ignored for a message not in flight.
   */
  async retryAfter(message: QueueMessage, seconds: number, cause: string): Promise<void> {
    const stored = this.#messages.get(message.messageId);
    if (!stored || !this.#inFlight.has(message.messageId)) return;
    stored.visibleAt = this.#clock.now().getTime() + Math.max(0, seconds) * 1000;
    stored.cause = cause;
  }

  /** Bodies of the messages still waiting or in flight. */
  pendingBodies(): string[] {
    return [...this.#messages.values()].map((m) => m.body);
  }

  get size(): number {
    return this.#messages.size;
  }

  get deadLetteredCount(): number {
    return this.#deadLettered;
  }

  /** Bodies of every dead letter on disk. */
  async deadLetters(): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const name of (await readdir(this.#options.deadLetterDir)).sort()) {
      if (!name.endsWith('.json')) continue;
      letters.push(JSON.parse(await readFile(join(this.#options.deadLetterDir, name), 'utf8')) as DeadLetter);
    }
    return letters;
  }

  /** Stops receiving and waits for the batches in flight; waiting messages stay on disk. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#running]);
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#running.size >= this.#options.settings.maxConcurrency) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const batch = this.#receive();
        if (batch.length === 0) {
          this.#scheduleNext();
          return;
        }
        const run: Promise<void> = this.#run(batch).finally(() => {
          this.#running.delete(run);
          this.#scheduleNext();
        });
        this.#running.add(run);
        // Another batch may start at once when more messages are waiting.
        this.#scheduleNext();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, delayMs)),
    );
  }

  #groupOf(message: StoredMessage): string | undefined {
    if (!this.#options.groupOf) return undefined;
    if (!this.#groups.has(message.messageId)) {
      this.#groups.set(message.messageId, this.#options.groupOf(message.body));
    }
    return this.#groups.get(message.messageId);
  }

  #receivable(message: StoredMessage): boolean {
    if (this.#inFlight.has(message.messageId)) return false;
    const group = this.#groupOf(message);
    return group === undefined || !this.#groupsInFlight.has(group);
  }

  #scheduleNext(): void {
    if (this.#closed || this.#messages.size === 0) return;
    const waiting = [...this.#messages.values()].filter((m) => this.#receivable(m));
    // Nothing receivable: the end of a running batch schedules again.
    if (waiting.length === 0) return;
    const next = Math.min(...waiting.map((m) => m.visibleAt));
    this.#schedule(next - this.#clock.now().getTime());
  }

  /** Takes the next batch (ReceiveMessage) and marks it in flight. */
  #receive(): StoredMessage[] {
    const now = this.#clock.now().getTime();
    const batch: StoredMessage[] = [];
    const groups = new Set<string>();
    const candidates = [...this.#messages.values()]
      .filter((m) => m.visibleAt <= now && this.#receivable(m))
      .sort((a, b) => a.sentTimestamp - b.sentTimestamp);
    for (const message of candidates) {
      if (batch.length >= this.#options.settings.batchSize) break;
      const group = this.#groupOf(message);
      // One of a group per batch too, so each batch's runs of a mail stay in order across batches.
      if (group !== undefined) {
        if (groups.has(group)) continue;
        groups.add(group);
      }
      batch.push(message);
    }
    for (const message of batch) {
      this.#inFlight.add(message.messageId);
      message.cause = undefined;
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + this.#options.settings.visibilityTimeoutMs;
    }
    for (const group of groups) this.#groupsInFlight.add(group);
    return batch;
  }

  async #run(batch: StoredMessage[]): Promise<void> {
    try {
      await this.#handle(batch);
    } catch (error) {
      // Only the queue's own files can fail here; the messages come back after the visibility timeout.
      this.#options.log.error('Inbound queue could not update its files', { error: describeError(error) });
    } finally {
      for (const message of batch) {
        this.#inFlight.delete(message.messageId);
        const group = this.#groupOf(message);
        if (group !== undefined) this.#groupsInFlight.delete(group);
      }
    }
  }

  async #handle(batch: StoredMessage[]): Promise<void> {
    // The receive count is on disk before the handler runs, so a crash mid-batch still counts it.
    for (const message of batch) await this.#persist(message);

    const failed = new Map<string, string>();
    try {
      const response = await this.#options.handler({ Records: batch.map((m) => this.#record(m)) });
      const ids = new Set(batch.map((m) => m.messageId));
      for (const failure of response?.batchItemFailures ?? []) {
        // As on AWS: an item failure naming no message of the batch fails the whole batch.
        if (!ids.has(failure.itemIdentifier)) {
          for (const m of batch)
            failed.set(m.messageId, `invalid batchItemFailures entry "${failure.itemIdentifier}"`);
          break;
        }
        failed.set(failure.itemIdentifier, 'reported in batchItemFailures');
      }
    } catch (error) {
      for (const m of batch) failed.set(m.messageId, describeError(error));
      this.#options.log.error('Inbound handler threw; the whole batch will be retried', {
        error: describeError(error),
        batchSize: batch.length,
      });
    }

    for (const message of batch) {
      const failure = failed.get(message.messageId);
      // The handler's own cause says more than "reported in batchItemFailures".
      const reason = failure === undefined ? undefined : (message.cause ?? failure);
      if (reason === undefined) {
        await this.#delete(message);
      } else if (message.receiveCount >= this.#options.settings.maxReceiveCount) {
        await this.#deadLetter(message, reason);
      } else {
        message.lastError = reason;
        await this.#persist(message);
        this.#options.log.warn('Inbound message failed; it will be retried after the visibility timeout', {
          sqsMessageId: message.messageId,
          receiveCount: message.receiveCount,
          reason,
        });
      }
    }
  }

  #record(message: StoredMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: Buffer.from(`${message.messageId}#${message.receiveCount}`).toString('base64'),
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: senderId,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn,
      awsRegion: this.queueArn.split(':')[3] ?? 'us-east-1',
    };
  }

  #file(message: StoredMessage): string {
    return join(this.#options.stateDir, `${message.sentTimestamp}-${message.messageId}.json`);
  }

  async #persist(message: StoredMessage): Promise<void> {
    const file = this.#file(message);
    await writeFile(`${file}.tmp`, JSON.stringify(message));
    await rename(`${file}.tmp`, file);
  }

  async #delete(message: StoredMessage): Promise<void> {
    this.#messages.delete(message.messageId);
    this.#groups.delete(message.messageId);
    await rm(this.#file(message), { force: true });
  }

  async #deadLetter(message: StoredMessage, reason: string): Promise<void> {
    let body: unknown = message.body;
    try {
      body = JSON.parse(message.body);
    } catch {
      // Not JSON: keep the text.
    }
    const at = this.#clock.now().toISOString();
    const letter: DeadLetter = {
      messageId: message.messageId,
      deadLetteredAt: at,
      receiveCount: message.receiveCount,
      reason,
      body,
    };
    const file = join(this.#options.deadLetterDir, `${at.replace(/[:.]/g, '-')}-${message.messageId}.json`);
    await writeFile(file, `${JSON.stringify(letter, null, 2)}\n`);
    await this.#delete(message);
    this.#deadLettered += 1;
    this.#options.log.error('Inbound message moved to the dead-letter folder', {
      sqsMessageId: message.messageId,
      receiveCount: message.receiveCount,
      reason,
      file,
    });
  }
}
