import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real servers on loopback; two cores, so keep parallelism modest.
    maxWorkers: 2,
    // Limits for a hang, not for speed (no test asserts how long anything took): generous, as the
    // same end-to-end test runs several times slower on a machine busy with other work.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
