import { describe, expect, it } from 'vitest';
import { FailureThrottle } from './failure-throttle.js';

const WINDOW = 15 * 60 * 1000;

function throttle(maxEntries = 100) {
  const clock = { now: 1_000_000 };
  return { clock, throttle: new FailureThrottle({ maxEntries, now: () => clock.now }) };
}

describe('FailureThrottle', () => {
  it('blocks an address after 5 failures until the window of the first one ends', () => {
    const { clock, throttle: t } = throttle();
    for (let i = 0; i < 4; i++) {
      t.recordFailure('198.51.100.1');
      clock.now += 1000;
    }
    expect(t.retryAfterMs('198.51.100.1')).toBe(0);
    t.recordFailure('198.51.100.1');
    expect(t.retryAfterMs('198.51.100.1')).toBe(WINDOW - 4000);
    expect(t.retryAfterMs('198.51.100.2')).toBe(0);
    clock.now += WINDOW - 4000 - 1;
    expect(t.retryAfterMs('198.51.100.1')).toBe(1);
    clock.now += 1;
    expect(t.retryAfterMs('198.51.100.1')).toBe(0);
    expect(t.size).toBe(0);
  });

  it('forgets the failures of an address that logs in', () => {
    const { throttle: t } = throttle();
    for (let i = 0; i < 4; i++) t.recordFailure('a');
    t.recordSuccess('a');
    for (let i = 0; i < 4; i++) t.recordFailure('a');
    expect(t.retryAfterMs('a')).toBe(0);
  });

  it('keeps at most maxEntries addresses, dropping expired ones and then the oldest', () => {
    const { clock, throttle: t } = throttle(3);
    t.recordFailure('old');
    clock.now += WINDOW;
    for (const address of ['a', 'b', 'c']) t.recordFailure(address);
    expect(t.size).toBe(3);
    t.recordFailure('d');
    expect(t.size).toBe(3);
    for (let i = 0; i < 4; i++) t.recordFailure('a');
    // 'a' was the oldest when 'd' came: its count started again.
    expect(t.retryAfterMs('a')).toBe(0);
    for (let i = 0; i < 4; i++) t.recordFailure('d');
    expect(t.retryAfterMs('d')).toBe(WINDOW);
    expect(t.size).toBeLessThanOrEqual(3);
  });
});
