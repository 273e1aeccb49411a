import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReadPacer } from './read-pacer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ReadPacer', () => {
  it('resumes every deferred reader once, at one shared tick, and forgets closed ones', () => {
    vi.useFakeTimers();
    const pacer = new ReadPacer(50);
    const resumed: string[] = [];
    const reader = (name: string) => ({ resumeAfterPacing: () => resumed.push(name) });
    const a = reader('a');
    const b = reader('b');
    const c = reader('c');
    pacer.defer(a);
    vi.advanceTimersByTime(20);
    pacer.defer(b);
    pacer.defer(a); // twice before the tick: resumed once
    pacer.defer(c);
    pacer.forget(c);
    vi.advanceTimersByTime(29);
    expect(resumed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(resumed).toEqual(['a', 'b']);
    expect(vi.getTimerCount()).toBe(0); // nothing waits: no timer left running
    pacer.defer(c);
    vi.advanceTimersByTime(50);
    expect(resumed).toEqual(['a', 'b', 'c']);
  });
});
