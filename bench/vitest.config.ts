import { defineConfig } from 'vitest/config';

/** The benchmark's own helpers are tested apart from `npm test`: `npx vitest run --config bench/vitest.config.ts`. */
export default defineConfig({
  test: {
    include: ['bench/**/*.test.ts'],
  },
});
