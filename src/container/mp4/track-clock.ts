/**
 * Maps the millisecond packet clock onto each track's media timescale. Video gets 90 kHz, where a
 * millisecond is exact. Audio gets its sample rate, where millisecond timestamps are rounded: each
 * frame is given its true length (1024 samples for AAC) while the ms clock agrees within half a
 * frame, and follows the ms clock when it does not (a gap, a dropped frame), so it never drifts.
 */
import type { AudioConfig, CodecConfig, VideoConfig } from '../../media/packet.js';

export const VIDEO_TIMESCALE = 90000;
const DEFAULT_FRAME_RATE = 30;
const AAC_FRAME_SAMPLES = 1024;
/** MPEG-1 Layer III frames hold 1152 samples, the MPEG-2/2.5 (LSF) ones 576. */
const MP3_FRAME_SAMPLES = 1152;
const MP3_LSF_FRAME_SAMPLES = 576;
const MPEG1_MIN_SAMPLE_RATE = 32000;

export interface TrackClock {
  readonly timescale: number;
  /** Duration of a sample that has neither a successor nor a predecessor to measure by. */
  readonly nominalDuration: number;
  /**
   * Decode time of a sample `elapsedMs` after the file's base, given the track's previous decode
   * time; always later than `previous`.
   */
  decodeTime(elapsedMs: number, previous: number | undefined): number;
  /** A millisecond time in the timescale (for presentation times). */
  toUnits(ms: number): number;
}

export function clockFor(config: CodecConfig): TrackClock {
  return config.kind === 'video' ? videoClock(config) : audioClock(config);
}

function videoClock(config: VideoConfig): TrackClock {
  const toUnits = (ms: number) => Math.round((ms * VIDEO_TIMESCALE) / 1000);
  return {
    timescale: VIDEO_TIMESCALE,
    nominalDuration: Math.round(VIDEO_TIMESCALE / (config.frameRate || DEFAULT_FRAME_RATE)),
    decodeTime: (elapsedMs, previous) =>
      previous === undefined ? toUnits(elapsedMs) : Math.max(toUnits(elapsedMs), previous + 1),
    toUnits,
  };
}

function audioClock(config: AudioConfig): TrackClock {
  const timescale = config.sampleRate;
  const frame = audioFrameSamples(config);
  const toUnits = (ms: number) => Math.round((ms * timescale) / 1000);
  return {
    timescale,
    nominalDuration: frame,
    decodeTime(elapsedMs, previous) {
      const measured = toUnits(elapsedMs);
      if (previous === undefined) return measured;
      const expected = previous + frame;
      if (Math.abs(measured - expected) <= frame / 2) return expected;
      return Math.max(measured, previous + 1);
    },
    toUnits,
  };
}

function audioFrameSamples(config: AudioConfig): number {
  if (config.codec !== 'mp3') return AAC_FRAME_SAMPLES;
  return config.sampleRate >= MPEG1_MIN_SAMPLE_RATE ? MP3_FRAME_SAMPLES : MP3_LSF_FRAME_SAMPLES;
}
