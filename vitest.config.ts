import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts', 'bench/lib/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Media end-to-end tests spawn ffmpeg; two cores are all we have.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
  },
});
