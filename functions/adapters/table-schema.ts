// The DynamoDB key schema, shared by the adapters, the CDK construct and the local runtime so the
// three can never drift apart.

export const jobsTableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Sparse: only open jobs carry `openShard`, so the index holds exactly the open jobs. */
  openJobsIndex: { name: 'open-jobs', partitionKey: 'openShard', sortKey: 'openSince' },
  /**
   * Mail records by UTC day of receipt, newest first within a day: `faxgate jobs list` reads a
   * day at a time instead of scanning. Only mail records carry `receivedDay`.
   */
  mailsByDayIndex: { name: 'mails-by-day', partitionKey: 'receivedDay', sortKey: 'receivedAt' },
  /** Mail records by job reference (`FG-XXXX-XXXX`, SHARED-DECISIONS 6), for `faxgate jobs show`. */
  mailReferenceIndex: { name: 'mail-reference', partitionKey: 'ref', sortKey: 'receivedAt' },
  timeToLiveAttribute: 'expiresAt',
} as const;

export const sendersTableSchema = {
  partitionKey: 'entry',
} as const;

/** One partition of an index: the items whose partition key is `value`, in sort-key order. */
export function indexPartition(
  tableName: string,
  index: { name: string; partitionKey: string },
  value: string,
  order: 'ascending' | 'descending',
) {
  return {
    TableName: tableName,
    IndexName: index.name,
    KeyConditionExpression: '#partition = :value',
    ExpressionAttributeNames: { '#partition': index.partitionKey },
    ExpressionAttributeValues: { ':value': value },
    ScanIndexForward: order === 'ascending',
  };
}
