// The sender allowlist in DynamoDB: one item per entry, keyed by the lower-cased exact address or
// `@domain`, so a check is two consistent point reads and never a scan.

import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { FaxgateError } from '../errors.ts';
import type { SenderEntry, SenderList } from '../ports.ts';
import { isConditionalCheckFailed } from './dynamo-conditions.ts';
import { sendersTableSchema } from './table-schema.ts';

/** An entry that is neither a plain address nor `@domain`. The message says what would be valid. */
export class InvalidSenderEntryError extends FaxgateError {}

// A deliberately plain check: dot-atom local part and a host name with a dot; no quoted local parts,
// comments or IP literals, which no real sender on an allowlist needs.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isDomain(domain: string): boolean {
  if (domain.length > 253) return false;
  const labels = domain.split('.');
  const tld = labels.at(-1) ?? '';
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && !/^\d+$/.test(tld);
}

function toAscii(domain: string): string {
  // Internationalised domains are stored in their ASCII (punycode) form, as mail headers carry them.
  try {
    return new URL(`http://${domain}`).hostname;
  } catch {
    return domain;
  }
}

/**
 * Normalises an allowlist entry to its stored key: `Alice@Example.COM` -> `alice@example.com`,
 * `@Example.com` -> `@example.com`. Throws InvalidSenderEntryError otherwise.
 */
export function normaliseSenderEntry(input: string): string {
  const value = input.trim().toLowerCase();
  const invalid = () =>
    new InvalidSenderEntryError(
      `"${input}" is not an email address or a domain: use a full address such as alice@example.com, or @example.com for a whole domain`,
    );
  if (value === '' || /\s/.test(value)) throw invalid();
  const at = value.lastIndexOf('@');
  if (at === -1 && isDomain(toAscii(value))) {
    // A bare domain is probably meant as the whole domain, but allowing a domain must be explicit.
    throw new InvalidSenderEntryError(
      `"${input}" is a domain, not an address: write @${value} to allow the whole domain`,
    );
  }
  if (at === 0) {
    const domain = toAscii(value.slice(1));
    if (!isDomain(domain)) throw invalid();
    return `@${domain}`;
  }
  if (at === -1) throw invalid();
  const local = value.slice(0, at);
  const domain = toAscii(value.slice(at + 1));
  if (local.length > 64 || !LOCAL_PART.test(local) || !isDomain(domain)) throw invalid();
  return `${local}@${domain}`;
}

export class DynamoSenderList implements SenderList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async isAllowed(address: string): Promise<boolean> {
    let exact: string;
    try {
      exact = normaliseSenderEntry(address);
    } catch {
      return false;
    }
    if (exact.startsWith('@')) return false;
    const domain = exact.slice(exact.lastIndexOf('@'));
    const key = sendersTableSchema.partitionKey;
    let keys = [{ [key]: exact }, { [key]: domain }];
    // BatchGet may hand keys back unprocessed under load; ask again a bounded number of times.
    for (let attempt = 0; attempt < 5 && keys.length > 0; attempt++) {
      const result = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: '#entry',
              ExpressionAttributeNames: { '#entry': key },
            },
          },
        }),
      );
      if ((result.Responses?.[this.tableName] ?? []).length > 0) return true;
      keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
    }
    if (keys.length > 0) throw new Error('DynamoDB left sender keys unprocessed; try again');
    return false;
  }

  async add(entry: SenderEntry): Promise<'added' | 'exists'> {
    const item = { ...entry, entry: normaliseSenderEntry(entry.entry) };
    if (item.note === undefined) delete item.note;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#entry)',
          ExpressionAttributeNames: { '#entry': sendersTableSchema.partitionKey },
        }),
      );
      return 'added';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'exists';
      throw error;
    }
  }

  async remove(entry: string): Promise<'removed' | 'missing'> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { [sendersTableSchema.partitionKey]: normaliseSenderEntry(entry) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes ? 'removed' : 'missing';
  }

  /** Every entry, sorted. A scan is right here: the admin lists the whole (small) table. */
  async list(): Promise<SenderEntry[]> {
    const entries: SenderEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < 10_000; page++) {
      const result = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      for (const item of result.Items ?? []) entries.push(item as SenderEntry);
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return entries.sort((a, b) => sortKey(a.entry).localeCompare(sortKey(b.entry)));
  }
}

/** Domains first within their domain: `@example.com`, then `alice@example.com`. */
function sortKey(entry: string): string {
  const at = entry.lastIndexOf('@');
  return `${entry.slice(at + 1)} ${entry.slice(0, at)}`;
}
