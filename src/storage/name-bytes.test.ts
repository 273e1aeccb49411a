import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncateToUtf8Bytes } from './name-bytes.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemesOf = (s: string) => [...segmenter.segment(s)].map((g) => g.segment);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('truncateToUtf8Bytes', () => {
  it('keeps a name that fits, whatever its character count', () => {
    expect(truncateToUtf8Bytes('录像'.repeat(10), 60)).toBe('录像'.repeat(10));
  });

  it('cuts CJK (3 bytes), emoji (4 bytes, a surrogate pair) and ZWJ sequences only between characters', () => {
    expect(truncateToUtf8Bytes('录像文件', 8)).toBe('录像');
    expect(truncateToUtf8Bytes('🎥🎥🎥', 9)).toBe('🎥🎥');
    expect(truncateToUtf8Bytes('a👩‍👩‍👧b', 10)).toBe('a');
    expect(truncateToUtf8Bytes('a👩‍👩‍👧b', 19)).toBe('a👩‍👩‍👧');
  });

  it('also bounds the count of user-perceived characters', () => {
    expect(truncateToUtf8Bytes('e\u0301'.repeat(5), 100, 3)).toBe('e\u0301'.repeat(3));
  });

  it('never separates a combining mark from its base', () => {
    // "e" + COMBINING ACUTE (2 bytes) + "x": 4 bytes; 2 bytes leave only "e" with its mark dropped whole.
    expect(truncateToUtf8Bytes('e\u0301x', 2)).toBe('');
    expect(truncateToUtf8Bytes('ae\u0301x', 3)).toBe('a');
    expect(truncateToUtf8Bytes('हिन्दी', 9)).toBe('हि');
  });

  it('returns a prefix made of whole graphemes, within the budget, and as long as possible', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(200), (text, max) => {
        const cut = truncateToUtf8Bytes(text, max);
        expect(bytes(cut)).toBeLessThanOrEqual(max);
        expect(text.startsWith(cut)).toBe(true);
        // A whole-grapheme prefix: re-encoding round-trips (no lone surrogate) and the boundary is one.
        expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
        const all = graphemesOf(text);
        const kept = graphemesOf(cut).length;
        expect(all.slice(0, kept).join('')).toBe(cut);
        if (kept < all.length) expect(bytes(cut + all[kept])).toBeGreaterThan(max);
      }),
    );
  });
});
