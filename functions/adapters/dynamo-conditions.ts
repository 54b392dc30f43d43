// One test for a lost conditional write, for every DynamoDB adapter.

/**
 * True when a conditional write lost (the item was not in the state the condition asked for).
 * Checked by name, so it holds for errors from the plain and the document client alike.
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
