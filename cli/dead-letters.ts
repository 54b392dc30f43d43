// The dead letters of the inbound queue: the SQS dead-letter queue of a stack, or the dead-letter
// folder of the one-machine runtime (local/inbound-queue.ts writes one JSON file per letter).

import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { storedMailsOf } from '../functions/inbound/inbound-batch.ts';
import type { StoredMailRef } from '../functions/ports.ts';

export interface DeadLetter {
  /** The SQS message id (locally: the queue's own id, kept in the file). */
  id: string;
  /** When it was dead-lettered (SQS: when the source queue first received it, as SQS keeps it). */
  at: string;
  receiveCount: number;
  /** What the queue knows of the failure (locally its reason; SQS keeps none). */
  queueReason?: string;
  /** The message body: the S3 event notification as sent. */
  body: string;
  mails: StoredMailRef[];
}

export interface DeadLetterQueue {
  /** Every dead letter (bounded), oldest first. */
  list(): Promise<DeadLetter[]>;
  /** Removes one letter; false when it is no longer there. */
  remove(id: string): Promise<boolean>;
  /** Removes every letter; returns how many were there (SQS: unknown, -1). */
  purge(): Promise<number>;
}

function mailsOf(body: string): StoredMailRef[] {
  try {
    return storedMailsOf({ body } as SQSRecord);
  } catch {
    return [];
  }
}

/** The one-machine runtime's dead-letter folder. */
export class FolderDeadLetters implements DeadLetterQueue {
  constructor(private readonly dir: string) {}

  private async files(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => f.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async list(): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const file of (await this.files()).slice(0, 10_000)) {
      const stored = JSON.parse(await readFile(join(this.dir, file), 'utf8')) as {
        messageId: string;
        deadLetteredAt: string;
        receiveCount: number;
        reason?: string;
        body: unknown;
      };
      const body = typeof stored.body === 'string' ? stored.body : JSON.stringify(stored.body);
      letters.push({
        id: stored.messageId,
        at: stored.deadLetteredAt,
        receiveCount: stored.receiveCount,
        ...(stored.reason ? { queueReason: stored.reason } : {}),
        body,
        mails: mailsOf(body),
      });
    }
    return letters;
  }

  async remove(id: string): Promise<boolean> {
    const file = (await this.files()).find((f) => f.endsWith(`-${id}.json`));
    if (!file) return false;
    await rm(join(this.dir, file), { force: true });
    return true;
  }

  async purge(): Promise<number> {
    const files = await this.files();
    for (const file of files) await rm(join(this.dir, file), { force: true });
    return files.length;
  }
}

/**
 * A stack's SQS dead-letter queue. Reading a message hides it for a short while (SQS has no
 * peek): list receives every message once with a 30 s visibility, so one pass sees each once, then
 * makes them visible again at once (the next command, `show` after `list`, must see them too);
 * remove uses the receipt handle of that read, receiving again when it has none.
 */
export class SqsDeadLetters implements DeadLetterQueue {
  private readonly handles = new Map<string, string>();

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly visibilitySeconds = 30,
  ) {}

  private letterOf(message: Message): DeadLetter {
    const attributes = message.Attributes ?? {};
    const first = Number(attributes.ApproximateFirstReceiveTimestamp ?? attributes.SentTimestamp ?? 0);
    const body = message.Body ?? '';
    return {
      id: message.MessageId ?? '',
      at: new Date(first).toISOString(),
      receiveCount: Number(attributes.ApproximateReceiveCount ?? 0),
      body,
      mails: mailsOf(body),
    };
  }

  async list(): Promise<DeadLetter[]> {
    const letters = new Map<string, DeadLetter>();
    // Bounded: 100 receives of 10 is 1,000 letters, far past any alarm's threshold.
    for (let round = 0; round < 100; round++) {
      const { Messages } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: this.visibilitySeconds,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (!Messages || Messages.length === 0) break;
      let fresh = 0;
      for (const message of Messages) {
        if (!message.MessageId) continue;
        if (message.ReceiptHandle) this.handles.set(message.MessageId, message.ReceiptHandle);
        if (!letters.has(message.MessageId)) fresh += 1;
        letters.set(message.MessageId, this.letterOf(message));
      }
      if (fresh === 0) break;
    }
    await this.showAgain();
    return [...letters.values()].sort((a, b) => a.at.localeCompare(b.at));
  }

  /** Visibility 0 for every message read: listing leaves the queue as it was. */
  private async showAgain(): Promise<void> {
    const entries = [...this.handles.values()].map((handle, i) => ({
      Id: `m${i}`,
      ReceiptHandle: handle,
      VisibilityTimeout: 0,
    }));
    for (let i = 0; i < entries.length; i += 10) {
      // A message deleted meanwhile fails its entry; the rest become visible regardless.
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: entries.slice(i, i + 10),
        }),
      );
    }
  }

  async remove(id: string): Promise<boolean> {
    if (!this.handles.has(id)) await this.list();
    const handle = this.handles.get(id);
    if (!handle) return false;
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: handle }));
    this.handles.delete(id);
    return true;
  }

  async purge(): Promise<number> {
    await this.client.send(new PurgeQueueCommand({ QueueUrl: this.queueUrl }));
    return -1;
  }
}
