import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aacConfig, avcConfig, scannedTrack } from '../../../test/helpers/media-configs.js';
import { boxAt } from './box-reader.js';
import { ClipPlanError, planClip } from './clip-plan.js';
import { Mp4ScanError } from './errors.js';
import { planFastStart } from './faststart.js';
import { type Mp4Movie, parseMovie } from './movie-read.js';
import { buildSampleEntry } from './sample-entry.js';
import { SampleIndex } from './sample-index.js';
import type { ScannedTrack } from './scanned-mp4.js';

const avc = avcConfig();
const aac = aacConfig({ sampleRate: 48000 });

const FRAME = 3000; // 90 kHz, 30 fps
const GOP = 30;
/** I P B B …: decode order with a two-frame reorder delay, as x264 with B-frames writes it. */
const REORDER = [2, 4, 1, 1] as const;

/** `seconds` of 30 fps video (keyframe every second) and 48 kHz AAC, interleaved in the payload. */
function recordedTracks(seconds: number): ScannedTrack[] {
  const video = new SampleIndex();
  const audio = new SampleIndex();
  let offset = 1000;
  const frames = seconds * 30;
  for (let i = 0; i < frames; i++) {
    video.append(offset, 100 + (i % 7), FRAME, REORDER[i % 4]! * FRAME, i % GOP === 0);
    offset += 100 + (i % 7);
    if (i % 3 === 0) {
      // ~ 47 AAC frames per second at 48 kHz: one every ~21.3 ms, close enough for a layout test.
      audio.append(offset, 50, 1024, 0, true);
      offset += 50;
    }
  }
  return [scannedTrack(avc, 1, video), scannedTrack(aac, 2, audio)];
}

/** The moov of the fast-start file the recorder would make of `tracks`. */
function finalizedMoov(tracks: ScannedTrack[]): Buffer {
  const { head } = planFastStart({ tracks, fragmentCount: 1, validEnd: 0, truncatedAt: undefined });
  const ftyp = boxAt(head, 0, head.length)!;
  const moov = boxAt(head, ftyp.end, head.length - ftyp.end)!;
  return head.subarray(moov.start, moov.end);
}

function movieOf(seconds: number): Mp4Movie {
  return parseMovie(finalizedMoov(recordedTracks(seconds)));
}

describe('parseMovie', () => {
  it('reads back the sample tables and edit list the finalizer wrote', () => {
    const tracks = recordedTracks(4);
    const movie = parseMovie(finalizedMoov(tracks));
    expect(movie.tracks.map((t) => t.kind)).toEqual(['video', 'audio']);
    for (const [i, read] of movie.tracks.entries()) {
      const original = tracks[i]!.samples;
      const n = original.count;
      expect(read.samples.count).toBe(n);
      expect(Array.from(read.samples.size.subarray(0, n))).toEqual(Array.from(original.size.subarray(0, n)));
      expect(Array.from(read.samples.duration.subarray(0, n))).toEqual(
        Array.from(original.duration.subarray(0, n)),
      );
      expect(Array.from(read.samples.compositionOffset.subarray(0, n))).toEqual(
        Array.from(original.compositionOffset.subarray(0, n)),
      );
      expect(Array.from(read.samples.sync.subarray(0, n))).toEqual(Array.from(original.sync.subarray(0, n)));
      // Offsets now point into the new mdat, in the same order and spacing within a chunk.
      for (let k = 1; k < n; k++)
        expect(read.samples.offset[k]!).toBeGreaterThan(read.samples.offset[k - 1]!);
    }
    // The video's first frame is shown at movie time 0: its media time is the reorder delay.
    expect(movie.tracks[0]!.placement).toEqual({ leadMs: 0, mediaTime: 2 * FRAME });
  });

  it('refuses hostile bytes with Mp4ScanError only', () => {
    const moov = finalizedMoov(recordedTracks(1));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(moov.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (flips) => {
          const bytes = Buffer.from(moov);
          for (const [at, value] of flips) bytes[at] = value;
          try {
            parseMovie(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(Mp4ScanError);
          }
        },
      ),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (random) => {
        expect(() => parseMovie(Buffer.from(random))).toThrow(Mp4ScanError);
      }),
    );
  });
});

describe('planClip', () => {
  const clipMoov = (head: Buffer) => {
    const ftyp = boxAt(head, 0, head.length)!;
    const moov = boxAt(head, ftyp.end, head.length - ftyp.end)!;
    return parseMovie(head.subarray(moov.start, moov.end));
  };

  it('starts at the keyframe before `start` and edits the clip to show from `start` for end − start', () => {
    const plan = planClip([{ movie: movieOf(16), originMs: 0, baseOffset: 0 }], 5500, 12500);
    expect(plan.startMs).toBe(5500);
    expect(plan.durationMs).toBe(7000);
    const [video] = clipMoov(plan.head).tracks;
    // Frames from the 5 s keyframe; the frame shown at 5.5 s is 15 frames later, plus the reorder delay.
    expect(video!.samples.sync[0]).toBe(1);
    expect(video!.placement.mediaTime).toBe(15 * FRAME + 2 * FRAME);
    // Every frame shown before 12.5 s is there, and what it depends on.
    expect(video!.samples.count).toBeGreaterThanOrEqual((12.5 - 5) * 30);
  });

  it('snaps a start between frames down to the frame shown then', () => {
    const plan = planClip([{ movie: movieOf(4), originMs: 0, baseOffset: 0 }], 1010, 2000);
    expect(plan.startMs).toBe(1000);
  });

  it('joins split files on the source timeline into one continuous track', () => {
    const first = movieOf(3);
    const second = movieOf(3);
    const sources = [
      { movie: first, originMs: 0, baseOffset: 0 },
      { movie: second, originMs: 3000, baseOffset: 1 << 20 },
    ];
    const plan = planClip(sources, 2500, 4500);
    expect(plan.durationMs).toBe(2000);
    const [video] = clipMoov(plan.head).tracks;
    // From the 2 s keyframe of the first file to the frames shown before 4.5 s in the second.
    expect(video!.samples.count).toBeGreaterThanOrEqual(75);
    expect(plan.copy.some((range) => range.offset >= 1 << 20)).toBe(true);
    expect(plan.copy.some((range) => range.offset < 1 << 20)).toBe(true);
  });

  it('refuses files whose codec settings differ, and ranges with nothing to show', () => {
    const other = parseMovie(
      finalizedMoov(
        recordedTracks(3).map((t) =>
          t.kind === 'video'
            ? { ...t, sampleEntry: buildSampleEntry({ ...avc, width: 640, height: 480 }) }
            : t,
        ),
      ),
    );
    expect(() =>
      planClip(
        [
          { movie: movieOf(3), originMs: 0, baseOffset: 0 },
          { movie: other, originMs: 3000, baseOffset: 1 << 20 },
        ],
        2000,
        4000,
      ),
    ).toThrow(/video codec settings change/);
    expect(() => planClip([{ movie: movieOf(3), originMs: 0, baseOffset: 0 }], 2000, 1000)).toThrow(
      ClipPlanError,
    );
  });
});
