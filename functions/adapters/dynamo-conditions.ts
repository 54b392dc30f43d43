// One test for a lost conditional write, for every DynamoDB adapter.

import { ConflictError } from '../errors.ts';

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

/** Awaits a conditional write; a failed condition becomes a ConflictError saying `conflict()`. */
export async function orConflict<T>(write: Promise<T>, conflict: () => string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new ConflictError(conflict(), { cause: error });
    throw error;
  }
}
