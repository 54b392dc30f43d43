// The DynamoDB key schema, shared by the adapters, the CDK construct and the local runtime so the
// three can never drift apart.

export const jobsTableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Sparse: only open jobs carry `openShard`, so the index holds exactly the open jobs. */
  openJobsIndex: { name: 'open-jobs', partitionKey: 'openShard', sortKey: 'openSince' },
  timeToLiveAttribute: 'expiresAt',
} as const;

export const sendersTableSchema = {
  partitionKey: 'entry',
} as const;
