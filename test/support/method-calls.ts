// Counts calls to the methods of some classes while a test runs: the tests that show a hostile input
// is read in a few steps, not one call per character or per line.

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
