import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseVtt } from '../../test/helpers/webvtt.js';
import { MAX_THUMBNAILS, thumbnailLayout, thumbnailTrack } from './thumbnail-track.js';

describe('thumbnail layout and WebVTT track', () => {
  it('covers any duration with at most 200 cues, back to back, each inside the sprite', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 48 * 3_600_000 }), (durationMs) => {
        const layout = thumbnailLayout(durationMs);
        expect(layout.count).toBeLessThanOrEqual(MAX_THUMBNAILS);
        const cues = parseVtt(thumbnailTrack(layout, durationMs, { width: 160, height: 90 }, 'sprite.jpg'));
        expect(cues).toHaveLength(layout.count);
        expect(cues[0]!.from).toBe(0);
        expect(Math.abs(cues.at(-1)!.to - Math.max(durationMs, cues.at(-1)!.from + 1))).toBeLessThan(1.5);
        cues.forEach((cue, i) => {
          if (i > 0) expect(cue.from).toBe(cues[i - 1]!.to);
          const [x, y, w, h] = cue.payload.split('#xywh=')[1]!.split(',').map(Number);
          expect(x! + w!).toBeLessThanOrEqual(layout.columns * 160);
          expect(y! + h!).toBeLessThanOrEqual(layout.rows * 90);
        });
      }),
    );
  });
});
