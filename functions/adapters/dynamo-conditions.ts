// One test for a lost conditional write, for every DynamoDB adapter.

/**
 * True when a conditional write lost (the item was not in the state the condition asked for).
 * Checked by name, so it holds for errors from the plain and the document client alike.
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** Awaits a conditional write: true when it held, false when its condition failed; other errors pass. */
export async function held(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
