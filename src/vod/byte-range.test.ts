import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRange } from './byte-range.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', 1000, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', 1000, { kind: 'partial', start: 100, end: 999 }],
    ['bytes=-100', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', 1000, { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', 1000, { kind: 'partial', start: 990, end: 999 }],
    ['bytes=999-999', 1000, { kind: 'partial', start: 999, end: 999 }],
    ['Bytes = 5-9 ,', 1000, { kind: 'partial', start: 5, end: 9 }],
  ])('%s of %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it.each([
    ['bytes=1000-', 1000],
    ['bytes=1000-2000', 1000],
    ['bytes=-0', 1000],
    ['bytes=0-', 0],
    ['bytes=-10', 0],
  ])('%s of %i bytes cannot be satisfied', (header, size) => {
    expect(parseRange(header, size)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each([
    [undefined],
    ['items=0-9'],
    ['bytes'],
    ['bytes='],
    ['bytes=9-0'],
    ['bytes=a-b'],
    ['bytes=0-9,20-29'],
    ['bytes= -'],
    ['bytes=1234567890123456-'],
    [`bytes=0-9${' '.repeat(2000)}`],
  ])('%j is served whole', (header) => {
    expect(parseRange(header, 1000)).toEqual({ kind: 'full' });
  });

  it('never throws and only ever answers a range inside the file', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `bytes=${s}`),
          rangeHeader(),
        ),
        fc.nat({ max: 2 ** 40 }),
        (header, size) => {
          const r = parseRange(header, size);
          if (r.kind === 'partial') {
            expect(r.start).toBeGreaterThanOrEqual(0);
            expect(r.end).toBeGreaterThanOrEqual(r.start);
            expect(r.end).toBeLessThan(size);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

function rangeHeader(): fc.Arbitrary<string> {
  const n = fc.oneof(fc.nat({ max: 3000 }).map(String), fc.constant(''));
  return fc.tuple(n, n).map(([a, b]) => `bytes=${a}-${b}`);
}
