import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRecording, type RecordFormat, RecordPlanError, sanitizeRecordName } from './plan.js';

const defaults = {
  formats: [] as RecordFormat[],
  intervalSec: 1800,
  intervalMinSec: 60,
  intervalMaxSec: 5400,
};
const plan = (q: string, d = defaults) => planRecording(new URLSearchParams(q), d);

describe('planRecording', () => {
  it('takes formats from the push URL, several joined by |', () => {
    expect(plan('record=mp4|hls|flv')).toMatchObject({
      formats: ['flv', 'mp4', 'hls'],
      tracks: 'all',
      intervalSec: 1800,
      source: 'push_url',
    });
    expect(plan('record=MP4,mp4').formats).toEqual(['mp4']);
  });

  it('records nothing when neither the URL nor the global setting asks', () => {
    expect(plan('txTime=1').formats).toEqual([]);
  });

  it('falls back to the global setting when the URL asks for nothing', () => {
    const p = plan('record_interval=120', { ...defaults, formats: ['hls'] });
    expect(p).toMatchObject({ formats: ['hls'], intervalSec: 120, source: 'global' });
  });

  it('refuses unknown formats and record types with a message naming them', () => {
    expect(() => plan('record=mkv')).toThrow(
      new RecordPlanError('unknown record format "mkv": use flv, mp4, hls or aac, joined by |'),
    );
    expect(() => plan('record=flv&record_type=both')).toThrow(/record_type "both"/);
  });

  it('records audio only for record_type=audio and for record=aac', () => {
    expect(plan('record=mp4&record_type=audio').tracks).toBe('audio');
    expect(plan('record=aac').tracks).toBe('audio');
    expect(plan('record=aac|mp4').tracks).toBe('all');
  });

  it.each([
    ['record_interval=10', 60, /outside 60–5400; using 60/],
    ['record_interval=10800', 5400, /outside 60–5400; using 5400/],
    ['record_interval=abc', 1800, /not a whole number/],
    ['record_interval=-5', 1800, /not a whole number/],
    ['record_interval=600', 600, undefined],
  ])('interval %s → %d', (q, expected, warning) => {
    const p = plan(`record=flv&${q}`);
    expect(p.intervalSec).toBe(expected);
    if (warning) expect(p.warnings.join()).toMatch(warning);
    else expect(p.warnings).toEqual([]);
  });
});

describe('sanitizeRecordName', () => {
  it.each([
    ['lesson-1', 'lesson-1'],
    ['../../etc/passwd', 'etc_passwd'],
    ['a/b\\c', 'a_b_c'],
    ['..', undefined],
    ['.hidden', 'hidden'],
    ['x\u0000y\u001bz', 'x_y_z'],
    ['课程 第一节', '课程_第一节'],
    ['CON..txt', 'CON_txt'],
    ['हिन्दी पाठ', 'हिन्दी_पाठ'],
    ['\u0301lead', 'lead'],
    ['录'.repeat(100), '录'.repeat(66)],
    ['录🎥像', '录_像'],
    ['क्षि'.repeat(40), 'क्षि'.repeat(16)],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeRecordName(input, [])).toBe(expected);
  });

  it('never yields a path separator, a leading dot, "..", a control character, more than 100 characters or 200 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('binary', 'grapheme'), maxLength: 300 }), (s) => {
        const out = sanitizeRecordName(s, []);
        if (out === undefined) return;
        expect(out).not.toMatch(/[/\\\u0000-\u001f]/);
        expect(out.startsWith('.')).toBe(false);
        expect(out).not.toContain('..');
        expect([...out].length).toBeLessThanOrEqual(100);
        expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(200);
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
        expect(out.length).toBeGreaterThan(0);
      }),
    );
  });
});
