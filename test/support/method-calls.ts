// Counts calls to the methods of some classes, or the promises made, while a test runs: the tests
// that show a hostile input is read in a few steps, not one call (or promise) per character, line,
// part or object.

import { createHook } from 'node:async_hooks';

/**
 * Runs `run` with every method of `classes` that `counts` picks wrapped in a counter, and restores
 * them afterwards, whatever `run` does.
 */
export async function countMethodCalls<T>(
  classes: { prototype: unknown }[],
  counts: (method: string) => boolean,
  run: () => T | Promise<T>,
): Promise<{ result: T; calls: number }> {
  let calls = 0;
  const restore: (() => void)[] = [];
  for (const cls of classes) {
    const proto = cls.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && counts(n))) {
      const original = proto[name] as (...args: unknown[]) => unknown;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        calls++;
        return original.apply(this, args);
      };
      restore.push(() => {
        proto[name] = original;
      });
    }
  }
  try {
    return { result: await run(), calls };
  } finally {
    for (const undo of restore) undo();
  }
}

/** How many promises were made while `run` ran (async_hooks sees every one). */
export async function promisesMade<T>(run: () => Promise<T>): Promise<{ result: T; promises: number }> {
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  }).enable();
  try {
    const result = await run();
    return { result, promises };
  } finally {
    hook.disable();
  }
}
