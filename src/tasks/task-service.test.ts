import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TASK_AHEAD_MS, MAX_TASK_WINDOW_MS, TaskRequestError, taskWindow } from './task-service.js';

const NOW = 1_750_000_000_000;

describe('a record task window (the reference rules)', () => {
  it('starts now when no start is given', () => {
    expect(taskWindow({ endTime: NOW + 1000 }, NOW)).toEqual({ startTime: NOW, endTime: NOW + 1000 });
  });

  it('accepts exactly the windows that end in the future, within 7 days, at most 24 h after their start', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10 * 86400_000, max: 10 * 86400_000 }),
        fc.integer({ min: -2 * 86400_000, max: 2 * 86400_000 }),
        (startOffset, length) => {
          const startTime = NOW + startOffset;
          const endTime = startTime + length;
          const valid =
            endTime > NOW &&
            endTime > startTime &&
            endTime < NOW + MAX_TASK_AHEAD_MS &&
            length <= MAX_TASK_WINDOW_MS;
          try {
            expect(taskWindow({ startTime, endTime }, NOW)).toEqual({ startTime, endTime });
            expect(valid).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(TaskRequestError);
            expect((error as TaskRequestError).field).toBe('endTime');
            expect(valid).toBe(false);
          }
        },
      ),
    );
  });
});
