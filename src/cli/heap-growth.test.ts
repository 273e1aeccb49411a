import { describe, expect, it } from 'vitest';
import {
  MALLOC_ARENAS,
  missingStartEnv,
  missingStartFlags,
  SEMI_SPACE_MB,
  shouldSetHeapGrowth,
} from './heap-growth.js';

describe('shouldSetHeapGrowth', () => {
  it('sets the factor when the operator gave none', () => {
    expect(shouldSetHeapGrowth([], undefined)).toBe(true);
    expect(shouldSetHeapGrowth(['--max-semi-space-size=4'], '--max-old-space-size=512')).toBe(true);
  });

  it("keeps the operator's own factor, as a node flag or in NODE_OPTIONS, in either spelling", () => {
    expect(shouldSetHeapGrowth(['--heap-growing-percent=30'], undefined)).toBe(false);
    expect(shouldSetHeapGrowth([], '--inspect --heap_growing_percent=30')).toBe(false);
  });
});

describe('missingStartFlags', () => {
  it('asks for the small young generation when the operator gave no size', () => {
    expect(missingStartFlags(['--import', 'tsx'], '--heap-growing-percent=30')).toEqual([
      `--max-semi-space-size=${SEMI_SPACE_MB}`,
    ]);
  });

  it("keeps the operator's own size, as a node flag or in NODE_OPTIONS, in either spelling", () => {
    expect(missingStartFlags(['--max-semi-space-size=32'], undefined)).toEqual([]);
    expect(missingStartFlags([], '--max_semi_space_size=2')).toEqual([]);
  });
});

describe('missingStartEnv', () => {
  it('asks for few allocator arenas when the operator set none', () => {
    expect(missingStartEnv({ NODE_OPTIONS: '--max-semi-space-size=4' })).toEqual({
      MALLOC_ARENA_MAX: String(MALLOC_ARENAS),
    });
  });

  it("keeps the operator's own arena count, even an empty one", () => {
    expect(missingStartEnv({ MALLOC_ARENA_MAX: '8' })).toEqual({});
    expect(missingStartEnv({ MALLOC_ARENA_MAX: '' })).toEqual({});
  });
});
