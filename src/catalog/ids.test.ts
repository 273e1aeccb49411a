import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFileIdGenerator, newFileId } from './ids.js';

const FILE_ID = /^\d{19}$/;

/** Text order is what the catalog sorts and pages on; it must agree with numeric order. */
function expectStrictlyIncreasing(ids: readonly string[]): void {
  for (let i = 1; i < ids.length; i++) {
    const [previous, current] = [ids[i - 1]!, ids[i]!];
    if (!(previous < current && BigInt(previous) < BigInt(current))) {
      throw new Error(`id ${i} does not increase: ${previous} then ${current}`);
    }
  }
}

describe('newFileId', () => {
  it('gives 100k unique, strictly increasing 19-digit ids within a process', () => {
    const ids = Array.from({ length: 100_000 }, newFileId);
    expect(ids.filter((id) => !FILE_ID.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expectStrictlyIncreasing(ids);
  });

  it('starts with the wall clock in ms and fits a signed 64-bit integer', () => {
    const before = Date.now();
    const id = newFileId();
    const millis = Number(id.slice(0, 13));
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(Date.now());
    expect(BigInt(id) < 2n ** 63n).toBe(true);
  });
});

describe('createFileIdGenerator', () => {
  it('stays unique and increasing when the clock stalls, jumps or steps back', () => {
    const step = fc.record({
      now: fc.integer({ min: 1_000_000_000_000, max: 9_000_000_000_000 }),
      fraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      ids: fc.integer({ min: 1, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
        let current = steps[0] ?? { now: 0, fraction: 0 };
        const next = createFileIdGenerator({
          now: () => current.now,
          randomBelow: (max) => Math.floor(current.fraction * max),
        });
        const ids: string[] = [];
        for (const s of steps) {
          current = s;
          for (let i = 0; i < s.ids; i++) ids.push(next());
        }
        expect(ids.filter((id) => !FILE_ID.test(id))).toEqual([]);
        expectStrictlyIncreasing(ids);
      }),
    );
  });

  it('borrows the next millisecond when one millisecond runs out of sequence numbers', () => {
    const next = createFileIdGenerator({ now: () => 1_750_000_000_000, randomBelow: (max) => max - 1 });
    const ids = Array.from({ length: 500_002 }, next);
    expect(ids[0]).toBe('1750000000000499999');
    expect(ids.slice(-2)).toEqual(['1750000000000999999', '1750000000001499999']);
  });

  it('starts each new millisecond at a random sequence number, so processes rarely meet', () => {
    const clock = [1_750_000_000_000, 1_750_000_000_000, 1_750_000_000_001];
    const randoms = [123, 456_789];
    const next = createFileIdGenerator({ now: () => clock.shift()!, randomBelow: () => randoms.shift()! });
    expect([next(), next(), next()]).toEqual([
      '1750000000000000123',
      '1750000000000000124',
      '1750000000001456789',
    ]);
  });
});
