import { describe, expect, it } from 'vitest';
import type { BenchMedia, MediaTag } from './bench-media.js';
import { expectedFilesPerStream } from './scenarios.js';

/** 60 s of 30 fps video with a keyframe every `gopMs`, no audio. */
function media(gopMs: number): BenchMedia {
  const frames: MediaTag[] = [];
  for (let i = 0; i < 1800; i++) {
    const timestamp = Math.round((i * 1000) / 30);
    frames.push({ kind: 'video', timestamp, body: Buffer.alloc(1), keyframe: timestamp % gopMs === 0 });
  }
  return { metadata: {}, headers: [], frames, periodMs: 60_000, gopMs, gopBytes: 0, bitrate: 0 };
}

describe('expectedFilesPerStream', () => {
  it('opens a new file at the first keyframe at or past the interval, across loops of the media', () => {
    expect(expectedFilesPerStream('flv', 60, media(2000), 90)).toBe(2);
    expect(expectedFilesPerStream('mp4', 60, media(2000), 60)).toBe(1); // the keyframe at 60 s is never sent
    expect(expectedFilesPerStream('flv', 60, media(2000), 121)).toBe(3);
    // Keyframes at 0, 7, … 56 s, then again from 60 s as the media loops: 30 s files start at 0, 35 and 67 s.
    expect(expectedFilesPerStream('flv', 30, media(7000), 90)).toBe(3);
    expect(expectedFilesPerStream('flv', 30, media(7000), 67)).toBe(2);
  });

  it('keeps HLS as one playlist per push', () => {
    expect(expectedFilesPerStream('hls', 60, media(2000), 300)).toBe(1);
  });
});
