import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RANGE_SEC, parseTimeShift, TimeShiftParamError } from './time-shift-params.js';

const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);
const LIMITS = { maxDelaySec: 7200, minSpanSec: 4, nowMs: NOW };

function parse(query: string, limits = LIMITS) {
  return parseTimeShift(new URLSearchParams(query), limits);
}

function refusal(query: string, limits = LIMITS): string {
  try {
    parse(query, limits);
  } catch (error) {
    if (error instanceof TimeShiftParamError) return error.param;
    throw error;
  }
  throw new Error(`${query} was accepted`);
}

describe('parseTimeShift (Tencent txTimeshift)', () => {
  it('is a plain live playlist without txTimeshift, whatever else the query carries', () => {
    expect(parse('')).toBeUndefined();
    expect(parse('txSecret=abc&txTime=6A000000')).toBeUndefined();
  });

  it('reads tsDelay as a delayed live edge', () => {
    expect(parse('txTimeshift=on&tsDelay=30')).toEqual({ kind: 'delay', delayMs: 30_000 });
  });

  it('reads a unix_s range', () => {
    const start = NOW / 1000 - 600;
    expect(parse(`txTimeshift=on&tsFormat=unix_s&tsStart=${start}&tsEnd=${start + 30}`)).toEqual({
      kind: 'range',
      startMs: start * 1000,
      endMs: (start + 30) * 1000,
    });
  });

  it('reads a human_s_{zone} range in that zone', () => {
    // 19:50:00 in UTC+8 is 11:50:00 UTC.
    expect(parse('txTimeshift=on&tsFormat=human_s_8&tsStart=20261204195000&tsEnd=20261204195030')).toEqual({
      kind: 'range',
      startMs: NOW - 600_000,
      endMs: NOW - 570_000,
    });
    expect(parse('txTimeshift=on&tsFormat=human_s_-5&tsStart=20261204065000&tsEnd=20261204065030')).toEqual({
      kind: 'range',
      startMs: NOW - 600_000,
      endMs: NOW - 570_000,
    });
  });

  it('names the parameter that is wrong', () => {
    const start = NOW / 1000 - 600;
    const cases: Array<[string, string]> = [
      ['tsDelay=30', 'tsDelay'],
      ['txTimeshift=1&tsDelay=30', 'txTimeshift'],
      ['txTimeshift=on&tsDelay=0', 'tsDelay'],
      ['txTimeshift=on&tsDelay=7201', 'tsDelay'],
      ['txTimeshift=on&tsDelay=1.5', 'tsDelay'],
      ['txTimeshift=on&tsDelay=30&tsCodecname=hd', 'tsCodecname'],
      [`txTimeshift=on&tsDelay=30&tsStart=${start}`, 'tsStart'],
      [`txTimeshift=on&tsStart=${start}&tsEnd=${start + 30}`, 'tsFormat'],
      [`txTimeshift=on&tsFormat=unix_ms&tsStart=${start}&tsEnd=${start + 30}`, 'tsFormat'],
      ['txTimeshift=on&tsFormat=human_s&tsStart=20261204195000&tsEnd=20261204195030', 'tsFormat'],
      ['txTimeshift=on&tsFormat=human_s_13&tsStart=20261204195000&tsEnd=20261204195030', 'tsFormat'],
      ['txTimeshift=on&tsFormat=human_s_8&tsStart=20260231195000&tsEnd=20261204195030', 'tsStart'],
      [`txTimeshift=on&tsFormat=unix_s&tsStart=${start}`, 'tsEnd'],
      [`txTimeshift=on&tsFormat=unix_s&tsStart=${start}&tsEnd=${start + 2}`, 'tsEnd'],
      [`txTimeshift=on&tsFormat=unix_s&tsStart=${start}&tsEnd=${start - 30}`, 'tsEnd'],
      [`txTimeshift=on&tsFormat=unix_s&tsStart=${start}&tsEnd=${start + MAX_RANGE_SEC + 1}`, 'tsEnd'],
      [`txTimeshift=on&tsFormat=unix_s&tsStart=${NOW / 1000 + 5}&tsEnd=${NOW / 1000 + 60}`, 'tsStart'],
    ];
    for (const [query, param] of cases) expect([query, refusal(query)]).toEqual([query, param]);
    expect(refusal('txTimeshift=on&tsDelay=30', { ...LIMITS, maxDelaySec: 0 })).toBe('txTimeshift');
  });

  it('answers any query with a time shift inside the limits, nothing, or a named refusal', () => {
    const names = ['txTimeshift', 'tsDelay', 'tsStart', 'tsEnd', 'tsFormat', 'tsCodecname', 'txSecret'];
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('on', 'unix_s', 'human_s_8', 'human_s_-12', '30', '20261204195000'),
      fc.integer({ min: 0, max: (2 * NOW) / 1000 }).map(String),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 6 }), (pairs) => {
        const query = new URLSearchParams(pairs);
        let shift: ReturnType<typeof parseTimeShift>;
        try {
          shift = parseTimeShift(query, LIMITS);
        } catch (error) {
          expect(error).toBeInstanceOf(TimeShiftParamError);
          expect(names).toContain((error as TimeShiftParamError).param);
          return;
        }
        if (shift === undefined) {
          expect(query.has('txTimeshift')).toBe(false);
        } else if (shift.kind === 'delay') {
          expect(shift.delayMs).toBeGreaterThanOrEqual(1000);
          expect(shift.delayMs).toBeLessThanOrEqual(LIMITS.maxDelaySec * 1000);
        } else {
          expect(shift.startMs).toBeLessThan(NOW);
          expect(shift.endMs - shift.startMs).toBeGreaterThanOrEqual(LIMITS.minSpanSec * 1000);
          expect(shift.endMs - shift.startMs).toBeLessThanOrEqual(MAX_RANGE_SEC * 1000);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back every range it is given in either format', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: NOW / 1000 - 1 }),
        fc.integer({ min: 4, max: MAX_RANGE_SEC }),
        fc.integer({ min: -12, max: 12 }),
        (startSec, spanSec, zone) => {
          const human = (sec: number) =>
            new Date(sec * 1000 + zone * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
          const expected = { kind: 'range', startMs: startSec * 1000, endMs: (startSec + spanSec) * 1000 };
          expect(
            parse(`txTimeshift=on&tsFormat=unix_s&tsStart=${startSec}&tsEnd=${startSec + spanSec}`),
          ).toEqual(expected);
          if (new Date(startSec * 1000 + zone * 3600_000).getUTCFullYear() < 1000) return;
          expect(
            parse(
              `txTimeshift=on&tsFormat=human_s_${zone}&tsStart=${human(startSec)}&tsEnd=${human(startSec + spanSec)}`,
            ),
          ).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
