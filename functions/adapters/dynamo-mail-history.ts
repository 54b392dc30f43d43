// The admin's read side of the job ledger: mails by day and by reference, each with its jobs,
// through the mails-by-day and mail-reference indexes and the mail's own partition. Never a scan.

import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { FaxJob, MailRecord } from '../domain/fax-job.ts';
import { DynamoJobLedger } from './dynamo-job-ledger.ts';
import { indexPartition, jobsTableSchema } from './table-schema.ts';

export interface MailHistory {
  mail: MailRecord & Record<string, unknown>;
  jobs: (FaxJob & Record<string, unknown>)[];
}

export interface DaysQuery {
  /** UTC days to read, newest first (yyyy-mm-dd). */
  days: string[];
  /** Mails received at or after this instant only. */
  since?: string;
  limit: number;
  /** An address, or `@domain` for everyone at that domain. */
  sender?: string;
  /** E.164. */
  number?: string;
  /** Keeps only the mails it accepts (read with their jobs). */
  keep?: (history: MailHistory) => boolean;
}

export class DynamoMailHistory {
  readonly ledger: DynamoJobLedger;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.ledger = new DynamoJobLedger(client, tableName);
  }

  /** Newest first, at most `limit`, reading one day of the index at a time. */
  async byDays(query: DaysQuery): Promise<MailHistory[]> {
    const { mailsByDayIndex } = jobsTableSchema;
    const found: MailHistory[] = [];
    for (const day of query.days) {
      const filters: string[] = [];
      const names: Record<string, string> = { '#day': mailsByDayIndex.partitionKey };
      const values: Record<string, unknown> = { ':day': day };
      let keyCondition = '#day = :day';
      if (query.since && query.since.slice(0, 10) === day) {
        names['#at'] = mailsByDayIndex.sortKey;
        values[':since'] = query.since;
        keyCondition += ' AND #at >= :since';
      }
      if (query.sender) {
        names['#sender'] = 'sender';
        values[':sender'] = query.sender.toLowerCase();
        // A whole domain: the address ends in it; DynamoDB has begins_with only, contains is enough
        // with the @ in front.
        filters.push(query.sender.startsWith('@') ? 'contains(#sender, :sender)' : '#sender = :sender');
      }
      if (query.number) {
        names['#numbers'] = 'numbers';
        values[':number'] = query.number;
        filters.push('contains(#numbers, :number)');
      }
      const input: QueryCommandInput = {
        TableName: this.tableName,
        IndexName: mailsByDayIndex.name,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      };
      let startKey: Record<string, unknown> | undefined;
      // Bounded: a day of 1,000 pages is far beyond any gateway's mail.
      for (let page = 0; page < 1000; page++) {
        const result = await this.client.send(
          new QueryCommand({ ...input, ExclusiveStartKey: startKey, Limit: Math.max(query.limit * 2, 25) }),
        );
        for (const item of result.Items ?? []) {
          const history = await this.withJobs(item as MailRecord & Record<string, unknown>);
          if (query.keep && !query.keep(history)) continue;
          found.push(history);
          if (found.length >= query.limit) return found;
        }
        startKey = result.LastEvaluatedKey;
        if (!startKey) break;
      }
    }
    return found;
  }

  /** The mails (a reference may be reused in time) a job reference names, newest first. */
  async byReference(ref: string): Promise<MailHistory[]> {
    const result = await this.client.send(
      new QueryCommand(indexPartition(this.tableName, jobsTableSchema.mailReferenceIndex, ref, 'descending')),
    );
    const histories: MailHistory[] = [];
    for (const item of result.Items ?? []) {
      const history = await this.byMessageId(String(item.messageId));
      if (history) histories.push(history);
    }
    return histories;
  }

  async byMessageId(messageId: string): Promise<MailHistory | undefined> {
    const mail = await this.ledger.getMail(messageId);
    return mail ? this.withJobs(mail as MailRecord & Record<string, unknown>) : undefined;
  }

  private async withJobs(item: MailRecord & Record<string, unknown>): Promise<MailHistory> {
    const jobs = (await this.ledger.listJobs(item.messageId)) as MailHistory['jobs'];
    const mail = { ...item };
    for (const internal of ['pk', 'sk', 'receivedDay', 'openShard', 'openSince', 'replyClaimUntil']) {
      delete mail[internal];
    }
    return { mail, jobs };
  }
}
