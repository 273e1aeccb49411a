/**
 * Glue between an RTMP publish session and the normalized media model: FLV tag bodies in,
 * MediaPackets and configuration changes out. Stateful per push (current configs, timestamp
 * normalization); everything codec-specific lives in the parsers it calls.
 */
import { parseAudioSpecificConfig } from './aac.js';
import { parseAv1DecoderConfig } from './av1.js';
import { parseAvcDecoderConfig } from './avc.js';
import { type AudioFrameUnit, parseAudioTag, parseVideoTag } from './flv-tag.js';
import { parseHevcDecoderConfig } from './hevc.js';
import { audioConfigFromFrame } from './legacy-audio.js';
import type { AudioConfig, CodecConfig, MediaPacket, VideoCodec, VideoConfig } from './packet.js';
import { TimestampNormalizer } from './timestamps.js';
import { parseVp9DecoderConfig } from './vp9.js';

export interface ConfigChange {
  readonly type: 'config';
  readonly config: CodecConfig;
}

const VIDEO_CONFIG_PARSERS: Readonly<Record<VideoCodec, (record: Buffer, tag: Buffer) => VideoConfig>> = {
  avc: parseAvcDecoderConfig,
  hevc: parseHevcDecoderConfig,
  av1: parseAv1DecoderConfig,
  vp9: parseVp9DecoderConfig,
};

/**
 * Usage: feed every audio/video message body with its RTMP timestamp. Returns a packet, a
 * ConfigChange for a new sequence header, or undefined for messages that produce neither (repeated
 * identical sequence headers, frames before their codec's sequence header, end-of-sequence,
 * ignored tags — see flv-tag.ts). Codecs without a sequence header (MP3, pass-through formats) get
 * a config synthesized from their first frame; it arrives as `packet.config` (a new object there
 * means a change), not as a ConfigChange. Throws MediaParseError on malformed bodies.
 */
export class MediaPacketizer {
  readonly #timestamps: TimestampNormalizer;
  #videoConfig: VideoConfig | undefined;
  #audioConfig: AudioConfig | undefined;
  /** First byte (format/rate/size/type) of the frame a synthesized audio config was built from. */
  #synthesizedFrom = -1;

  constructor(opts: { maxJumpMs?: number } = {}) {
    this.#timestamps = new TimestampNormalizer(opts);
  }

  get videoConfig(): VideoConfig | undefined {
    return this.#videoConfig;
  }

  get audioConfig(): AudioConfig | undefined {
    return this.#audioConfig;
  }

  video(timestamp: number, body: Buffer): MediaPacket | ConfigChange | undefined {
    const unit = parseVideoTag(body);
    if (unit.type === 'config') {
      const current = this.#videoConfig;
      if (current !== undefined && current.codec === unit.codec && current.record.equals(unit.record))
        return undefined;
      const config = VIDEO_CONFIG_PARSERS[unit.codec](unit.record, body);
      this.#videoConfig = config;
      return { type: 'config', config };
    }
    if (unit.type !== 'frame') return undefined;
    let config = this.#videoConfig;
    if (config?.codec !== unit.codec) {
      // VP9 frames are self-describing; every other codec is undecodable without its record.
      if (unit.codec !== 'vp9') return undefined;
      config = undefined;
    }
    const { dts, pts } = this.#timestamps.normalize('video', timestamp, unit.cts);
    return { kind: 'video', dts, pts, keyframe: unit.keyframe, data: unit.data, tag: body, config };
  }

  audio(timestamp: number, body: Buffer): MediaPacket | ConfigChange | undefined {
    const unit = parseAudioTag(body);
    if (unit.type === 'config') {
      const current = this.#audioConfig;
      if (current?.codec === 'aac' && current.record.equals(unit.record)) return undefined;
      const config = parseAudioSpecificConfig(unit.record, body);
      this.#audioConfig = config;
      this.#synthesizedFrom = -1;
      return { type: 'config', config };
    }
    if (unit.type !== 'frame') return undefined;
    const config = unit.codec === 'aac' ? this.#audioConfig : this.#synthesizedConfig(unit, body[0]!);
    if (config?.codec !== unit.codec) return undefined;
    const { dts, pts } = this.#timestamps.normalize('audio', timestamp, 0);
    return { kind: 'audio', dts, pts, keyframe: true, data: unit.data, tag: body, config };
  }

  /** Re-derives only when the FLV sound byte changes, so the per-frame cost is one comparison. */
  #synthesizedConfig(unit: AudioFrameUnit, soundByte: number): AudioConfig {
    const current = this.#audioConfig;
    if (current !== undefined && soundByte === this.#synthesizedFrom) return current;
    this.#synthesizedFrom = soundByte;
    const derived = audioConfigFromFrame(unit);
    if (
      current !== undefined &&
      current.codec === derived.codec &&
      current.sampleRate === derived.sampleRate &&
      current.channels === derived.channels &&
      current.codecString === derived.codecString
    ) {
      return current;
    }
    this.#audioConfig = derived;
    return derived;
  }
}
