import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aacConfig, avcConfig } from '../../../test/helpers/media-configs.js';
import type { AudioConfig, VideoConfig } from '../../media/packet.js';
import { clockFor } from './track-clock.js';

const aac = aacConfig();

const avc = avcConfig({ record: Buffer.of(1), frameRate: 25 });

/** Decode times the clock gives a run of packets stamped with these ms times. */
function decodeTimes(config: AudioConfig | VideoConfig, msTimes: readonly number[]): number[] {
  const clock = clockFor(config);
  const times: number[] = [];
  for (const ms of msTimes) times.push(clock.decodeTime(ms, times.at(-1)));
  return times;
}

describe('audio clock', () => {
  it('gives every AAC frame exactly 1024 samples when the ms stamps only carry rounding jitter', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 2, maxLength: 500 }), (jitter) => {
        const stamps = jitter.map((j, k) => Math.max(0, Math.round((k * 1024 * 1000) / 44100) + j));
        const times = decodeTimes(aac, stamps);
        times.forEach((time, k) => {
          expect(time).toBe(times[0]! + k * 1024);
        });
      }),
    );
  });

  it('follows the ms clock across gaps and never drifts more than half a frame from it', () => {
    const frameMs = (1024 * 1000) / 44100;
    const step = fc.oneof(
      fc.constant(frameMs),
      fc.double({ min: 0, max: 500, noNaN: true }), // gaps and bunching
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 300 }), (steps) => {
        const stamps: number[] = [];
        let real = 0;
        for (const s of steps) {
          real += s;
          stamps.push(Math.round(real));
        }
        const times = decodeTimes(aac, stamps);
        times.forEach((time, k) => {
          if (k > 0) expect(time).toBeGreaterThan(times[k - 1]!);
          expect(Math.abs(time - (stamps[k]! * 44100) / 1000)).toBeLessThanOrEqual(512 + 1);
        });
      }),
    );
  });

  it('uses 1152-sample MP3 frames at MPEG-1 rates and 576 at the LSF rates', () => {
    const mp3 = { ...aac, codec: 'mp3' as const, record: Buffer.alloc(0) };
    expect(clockFor({ ...mp3, sampleRate: 48000 }).nominalDuration).toBe(1152);
    expect(clockFor({ ...mp3, sampleRate: 22050 }).nominalDuration).toBe(576);
    expect(decodeTimes({ ...mp3, sampleRate: 48000 }, [0, 24, 48, 72])).toEqual([0, 1152, 2304, 3456]);
  });
});

describe('video clock', () => {
  it('is exact at 90 kHz and strictly increasing even for repeated stamps', () => {
    expect(decodeTimes(avc, [0, 40, 80, 80, 120])).toEqual([0, 3600, 7200, 7201, 10800]);
    expect(clockFor(avc).nominalDuration).toBe(3600);
    expect(clockFor({ ...avc, frameRate: undefined }).nominalDuration).toBe(3000);
  });
});
