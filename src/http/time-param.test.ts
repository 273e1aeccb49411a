import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimeParam, TimeParamError } from './time-param.js';

describe('parseTimeParam', () => {
  it.each<[string, number]>([
    ['1750000000000', 1_750_000_000_000],
    ['0', 0],
    ['2025-06-15', Date.UTC(2025, 5, 15)],
    ['2025-06-15T12:30:00Z', Date.UTC(2025, 5, 15, 12, 30)],
    ['2025-06-15T12:30Z', Date.UTC(2025, 5, 15, 12, 30)],
    ['2025-06-15t12:30:00.25z', Date.UTC(2025, 5, 15, 12, 30, 0, 250)],
    ['2025-06-15 12:30:00Z', Date.UTC(2025, 5, 15, 12, 30)],
    ['2025-06-15T20:30:00+08:00', Date.UTC(2025, 5, 15, 12, 30)],
    ['2025-06-15T20:30:00+0800', Date.UTC(2025, 5, 15, 12, 30)],
    // `+08:00` typed unencoded into a URL reaches us as ` 08:00`
    ['2025-06-15T20:30:00 08:00', Date.UTC(2025, 5, 15, 12, 30)],
    ['2025-06-15T07:30:00-05:00', Date.UTC(2025, 5, 15, 12, 30)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
  ])('%s → %d', (text, expected) => {
    expect(parseTimeParam(text)).toBe(expected);
  });

  it.each([
    ['2025-06-15T12:30:00', 'needs a time zone'],
    ['2025-02-30', 'not a valid date'],
    ['2025-06-15T24:00:00Z', 'not a valid date'],
    ['2025-06-15T12:60:00Z', 'not a valid date'],
    ['2025-06-15T12:00:00+19:00', 'not a valid date'],
    ['0050-01-01', 'not a valid date'],
    ['yesterday', 'ISO 8601'],
    ['-1', 'ISO 8601'],
    ['1e12', 'ISO 8601'],
    ['1234567890123456', 'ISO 8601'],
    ['', 'ISO 8601'],
  ])('refuses %j (%s)', (text, message) => {
    expect(() => parseTimeParam(text)).toThrow(TimeParamError);
    expect(() => parseTimeParam(text)).toThrow(message);
  });

  it('reads back every instant written as ISO 8601 or as milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) }), (ms) => {
        expect(parseTimeParam(new Date(ms).toISOString())).toBe(ms);
        expect(parseTimeParam(String(ms))).toBe(ms);
      }),
    );
  });

  it('answers any text with a number or a TimeParamError, nothing else', () => {
    const timeish = fc.stringMatching(
      /^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]{0,14}([Zz]|[ +-][0-9:]{0,6})?)?$/,
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), timeish), (text) => {
        try {
          expect(Number.isSafeInteger(parseTimeParam(text))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(TimeParamError);
        }
      }),
    );
  });
});
