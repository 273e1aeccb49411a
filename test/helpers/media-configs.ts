/**
 * Test fixture: the track configurations unit tests of the containers feed their muxers and planners,
 * as the ingest would describe a 320x240 H.264 Baseline stream with stereo AAC LC, and the scanned MP4
 * tracks the planners read.
 */
import { buildSampleEntry } from '../../src/container/mp4/sample-entry.js';
import type { SampleIndex } from '../../src/container/mp4/sample-index.js';
import type { ScannedTrack } from '../../src/container/mp4/scanned-mp4.js';
import type { AudioConfig, VideoConfig } from '../../src/media/packet.js';

/** H.264 Baseline level 3.0, 320x240 at 30 fps; the record carries no parameter sets unless given one. */
export function avcConfig(overrides: Partial<VideoConfig> = {}): VideoConfig {
  return {
    kind: 'video',
    codec: 'avc',
    record: Buffer.of(1, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0),
    tag: Buffer.alloc(0),
    codecString: 'avc1.42c01e',
    width: 320,
    height: 240,
    profile: 66,
    level: 30,
    frameRate: 30,
    ...overrides,
  };
}

/** AAC LC stereo at 44.1 kHz (the record says so; a test may give another sample rate to the clock). */
export function aacConfig(overrides: Partial<AudioConfig> = {}): AudioConfig {
  return {
    kind: 'audio',
    codec: 'aac',
    record: Buffer.of(0x12, 0x10),
    tag: Buffer.alloc(0),
    codecString: 'mp4a.40.2',
    sampleRate: 44100,
    channels: 2,
    objectType: 2,
    ...overrides,
  };
}

/** The track an MP4 scan would give for `config` holding `samples`: video at 90 kHz, audio at its rate. */
export function scannedTrack(
  config: AudioConfig | VideoConfig,
  trackId: number,
  samples: SampleIndex,
): ScannedTrack {
  return {
    trackId,
    kind: config.kind,
    timescale: config.kind === 'video' ? 90000 : config.sampleRate,
    width: config.kind === 'video' ? config.width : 0,
    height: config.kind === 'video' ? config.height : 0,
    channels: config.kind === 'audio' ? config.channels : 0,
    codec: config.kind === 'video' ? 'avc1' : 'mp4a',
    sampleEntry: buildSampleEntry(config),
    samples,
  };
}
