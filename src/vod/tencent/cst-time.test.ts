import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cstDay, cstDayBounds, formatCst, parseCst } from './cst-time.js';

describe('China Standard Time strings', () => {
  it('formats and parses in UTC+8 (the captured response pairs)', () => {
    // 2018-11-02 13:48:12 +08:00 = 05:48:12Z
    expect(formatCst(Date.UTC(2018, 10, 2, 5, 48, 12, 999))).toBe('2018-11-02 13:48:12');
    expect(parseCst('2018-11-02 13:48:12')).toBe(Date.UTC(2018, 10, 2, 5, 48, 12));
    expect(formatCst(2 ** 31 * 1000 - 1000)).toBe('2038-01-19 11:14:07');
  });

  it.each([
    '2018-11-02T13:48:12',
    '2018-11-02 13:48',
    '2018-02-30 00:00:00',
    '2018-11-02 24:00:00',
    '2018-13-01 00:00:00',
    ' 2018-11-02 13:48:12',
    '',
  ])('refuses %j', (text) => {
    expect(parseCst(text)).toBeUndefined();
  });

  it('round-trips every second and never throws on any string', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (s) => {
        expect(parseCst(formatCst(s * 1000))).toBe(s * 1000);
      }),
    );
    fc.assert(fc.property(fc.string(), (text) => void parseCst(text)));
  });

  it('days change at CST midnight, which is 16:00 UTC', () => {
    const midnight = parseCst('2017-01-02 00:00:00')!;
    expect(midnight).toBe(Date.UTC(2017, 0, 1, 16));
    expect(cstDay(midnight)).toBe(cstDay(midnight - 1000) + 1);
    const { first, last } = cstDayBounds(cstDay(parseCst('2017-01-01 10:10:01')!));
    expect([formatCst(first), formatCst(last)]).toEqual(['2017-01-01 00:00:00', '2017-01-01 23:59:59']);
  });
});
