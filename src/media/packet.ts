/**
 * The normalized media model shared by every ingest and every output (DESIGN.md "data path").
 * Protocol code produces these; the hub, players and recorders consume them and never look at RTMP.
 */

export type VideoCodec = 'avc' | 'hevc' | 'av1' | 'vp9';
/** `other` covers FLV sound formats we pass through untouched (Speex, Nellymoser, PCM, …). */
export type AudioCodec = 'aac' | 'mp3' | 'other';
export type TrackKind = 'video' | 'audio';

export interface VideoConfig {
  readonly kind: 'video';
  readonly codec: VideoCodec;
  /** Decoder configuration record exactly as carried in the sequence header (avcC / hvcC / av1C / vpcC). */
  readonly record: Buffer;
  /** The FLV/RTMP tag body of the sequence header, replayed verbatim to FLV and RTMP outputs. */
  readonly tag: Buffer;
  /** RFC 6381 codec string, e.g. `avc1.64001f`, `hvc1.1.6.L93.B0`. */
  readonly codecString: string;
  readonly width: number;
  readonly height: number;
  /** Codec-specific profile/level numbers (AVC profile_idc/level_idc, HEVC general_profile_idc/level_idc…). */
  readonly profile: number;
  readonly level: number;
  /** Frame rate from the bitstream's timing info, when it carries one. */
  readonly frameRate: number | undefined;
}

export interface AudioConfig {
  readonly kind: 'audio';
  readonly codec: AudioCodec;
  /** AudioSpecificConfig for AAC; empty for codecs without a configuration record. */
  readonly record: Buffer;
  /** The FLV/RTMP tag body of the AAC sequence header; empty for codecs that have none. */
  readonly tag: Buffer;
  /** RFC 6381 codec string, e.g. `mp4a.40.2`, `mp4a.6B` (MP3). */
  readonly codecString: string;
  readonly sampleRate: number;
  readonly channels: number;
  /** AAC audio object type (2 = LC, 5 = HE); 0 for other codecs. */
  readonly objectType: number;
}

export type CodecConfig = VideoConfig | AudioConfig;

export interface MediaPacket {
  readonly kind: TrackKind;
  /** Decode time in milliseconds, normalized: starts near 0, never goes backwards within a push. */
  readonly dts: number;
  /** Presentation time in milliseconds; `pts >= dts` always holds after normalization. */
  readonly pts: number;
  /** A video random access point; every audio packet is a sync sample, so `true` for audio. */
  readonly keyframe: boolean;
  /**
   * Codec payload, a view into `tag` (no copy): 4-byte length-prefixed NAL units for AVC/HEVC,
   * low-overhead OBUs for AV1, a VP9 frame, a raw AAC access unit, an MP3 frame.
   */
  readonly data: Buffer;
  /** The FLV/RTMP tag body this packet arrived in, replayed verbatim to FLV and RTMP outputs. */
  readonly tag: Buffer;
  /**
   * The configuration in force for this packet. A new object means the configuration changed
   * (same bytes never produce a new object), so consumers detect a change by identity.
   */
  readonly config: CodecConfig | undefined;
}
