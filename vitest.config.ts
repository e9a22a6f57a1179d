import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real-process and tmux tests share a 2-core machine: keep parallelism modest.
    maxWorkers: 2,
  },
});
