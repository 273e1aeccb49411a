import { describe, expect, it } from 'vitest';
import { skipAllowed } from './needs.js';

describe('skipping a suite this machine cannot run', () => {
  it('is allowed outside CI, and in CI only for the suites LIVETAPE_ALLOW_SKIP names', () => {
    expect(skipAllowed('postgres', {})).toBe(true);
    expect(skipAllowed('postgres', { CI: 'true' })).toBe(false);
    expect(skipAllowed('postgres', { CI: '1', LIVETAPE_ALLOW_SKIP: 'disk-full' })).toBe(false);
    expect(skipAllowed('postgres', { CI: 'true', LIVETAPE_ALLOW_SKIP: 'disk-full, postgres' })).toBe(true);
    expect(skipAllowed('chromium', { CI: 'true', LIVETAPE_ALLOW_SKIP: 'all' })).toBe(true);
  });
});
