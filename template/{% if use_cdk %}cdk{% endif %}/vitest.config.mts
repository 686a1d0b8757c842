import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesis is CPU-bound and the stacks are pure: one worker shares each built
    // environment (test/support.ts) across the test files instead of rebuilding it.
    fileParallelism: false,
    isolate: false,
    // Write a missing snapshot (the first run after generation), never overwrite one:
    // a committed snapshot that no longer matches fails, in CI too.
    update: 'new',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
