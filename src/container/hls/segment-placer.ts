/**
 * Where HLS media segments begin (RFC 8216 §3, §6.2.1): the decisions a segmenter makes, without any
 * muxing, so the live DVR can cut a stream at ingest and mux a segment only when a player asks for it
 * (docs/decisions/0032-dvr-mux-on-demand.md), while the HLS recording muxes as it goes (`HlsSegmenter`).
 *
 * Segments start on a video keyframe once the target duration has elapsed (audio-only: on the first
 * audio frame past the target), so every segment decodes on its own. Durations are DTS distances
 * between segment starts, so consecutive segments tile the timeline with no gap and no overlap.
 *
 * When a stream declared with video sends only audio for a whole target duration (a mobile app in
 * the background, a camera switched off), segments are cut on audio instead of growing without end;
 * such a segment reports `keyframeStart: false`, and video rejoins at its next keyframe.
 */
import type { AudioConfig, MediaPacket, VideoConfig } from '../../media/packet.js';

export interface SegmentBounds {
  readonly seq: number;
  readonly durationMs: number;
  /** DTS (ms) of the packet the segment starts with. */
  readonly startDts: number;
  /** The segment opens with a video keyframe (audio-only streams: with an audio frame). */
  readonly keyframeStart: boolean;
}

/** What a packet does to the segmentation. */
export type Placement =
  /** Not part of any segment (video before a keyframe, a track the segments do not carry). */
  | { readonly kind: 'drop' }
  /** Goes into the open segment. */
  | { readonly kind: 'append' }
  /** Opens segment `seq`, after closing `cut` if one was open. */
  | { readonly kind: 'start'; readonly seq: number; readonly cut?: SegmentBounds };

export interface SegmentPlacerOptions {
  readonly targetDurationMs: number;
  readonly tracks: { readonly video?: VideoConfig | undefined; readonly audio?: AudioConfig | undefined };
  /** Sequence number of the first segment (default 0): continues a playlist across pushes. */
  readonly firstSeq?: number;
  /**
   * Where the first segment starts on the TS timeline (ms). Give the previous push's
   * `timelineEndMs` so a recording's timestamps never go back across a discontinuity: players
   * that ignore EXT-X-DISCONTINUITY, and `ffmpeg -i playlist.m3u8 -c copy out.mp4`, then still
   * work. Default: the packets' own timestamps.
   */
  readonly timelineStartMs?: number;
}

interface OpenSegment {
  readonly seq: number;
  readonly startDts: number;
  readonly keyframeStart: boolean;
}

const DROP: Placement = { kind: 'drop' };
const APPEND: Placement = { kind: 'append' };

export class SegmentPlacer {
  private readonly targetMs: number;
  private readonly video: TrackClock | undefined;
  private readonly audio: TrackClock | undefined;
  private segment: OpenSegment | undefined;
  private nextSeq: number;
  /** Video is held back until a keyframe: at the very start, and after a cut made on audio. */
  private awaitingKeyframe = true;
  /** DTS of the first packet seen before any segment opened. */
  private waitingSince: number | undefined;
  private readonly timelineStartMs: number | undefined;
  private offsetMs: number | undefined;
  private closedUpTo: number | undefined;

  constructor(opts: SegmentPlacerOptions) {
    this.targetMs = opts.targetDurationMs;
    this.nextSeq = opts.firstSeq ?? 0;
    this.timelineStartMs = opts.timelineStartMs;
    this.video = opts.tracks.video && videoClock(opts.tracks.video);
    this.audio = opts.tracks.audio && audioClock(opts.tracks.audio);
  }

  place(pkt: MediaPacket): Placement {
    const clock = pkt.kind === 'video' ? this.video : this.audio;
    if (!clock) return DROP;
    this.waitingSince ??= pkt.dts;
    const placement = pkt.kind === 'video' ? this.placeVideo(pkt) : this.placeAudio(pkt);
    if (placement === 'drop') return DROP;
    clock.observe(pkt.dts);
    if (placement === 'append') return APPEND;
    const cut = this.segment && this.close(pkt.dts);
    this.offsetMs ??= (this.timelineStartMs ?? pkt.dts) - pkt.dts;
    const seq = this.nextSeq++;
    this.segment = { seq, startDts: pkt.dts, keyframeStart: placement === 'start' };
    return cut ? { kind: 'start', seq, cut } : { kind: 'start', seq };
  }

  /** Packet time + this = TS time; fixed when the first segment opens (0 before). */
  get timeOffsetMs(): number {
    return this.offsetMs ?? 0;
  }

  /** Where the segments closed so far end on the TS timeline (ms); the next push starts there. */
  get timelineEndMs(): number | undefined {
    return this.closedUpTo === undefined ? undefined : this.closedUpTo + this.offsetMs!;
  }

  /** Closes the last segment: it ends one frame after the last packet of whichever track ends later. */
  end(): SegmentBounds | undefined {
    if (!this.segment) return undefined;
    const ends = [this.video?.end(), this.audio?.end()].filter((t) => t !== undefined);
    const bounds = this.close(Math.max(this.segment.startDts, ...ends));
    this.segment = undefined;
    return bounds;
  }

  private placeVideo(pkt: MediaPacket): 'drop' | 'append' | 'start' {
    if (!pkt.keyframe) return this.awaitingKeyframe ? 'drop' : 'append';
    this.awaitingKeyframe = false;
    return !this.segment || this.targetReached(pkt) ? 'start' : 'append';
  }

  private placeAudio(pkt: MediaPacket): 'drop' | 'append' | 'start' | 'startOnAudio' {
    const audioOnly = !this.video;
    if (!this.segment) {
      if (audioOnly) return 'start';
      // Waiting for a first keyframe: give up on it after a whole target duration of audio.
      return pkt.dts - this.waitingSince! >= this.targetMs ? this.startOnAudio() : 'drop';
    }
    if (!this.targetReached(pkt)) return 'append';
    if (audioOnly) return 'start';
    const lastVideo = this.video!.lastDts;
    const videoStalled = lastVideo === undefined || pkt.dts - lastVideo >= this.targetMs;
    return videoStalled ? this.startOnAudio() : 'append';
  }

  /** The new segment has no keyframe yet: its video must begin at one to decode on its own. */
  private startOnAudio(): 'startOnAudio' {
    this.awaitingKeyframe = true;
    return 'startOnAudio';
  }

  private targetReached(pkt: MediaPacket): boolean {
    return pkt.dts - this.segment!.startDts >= this.targetMs;
  }

  private close(endDts: number): SegmentBounds {
    const s = this.segment!;
    this.closedUpTo = endDts;
    return {
      seq: s.seq,
      durationMs: endDts - s.startDts,
      startDts: s.startDts,
      keyframeStart: s.keyframeStart,
    };
  }
}

/** Where a track's last frame ends: its DTS plus one frame duration. */
class TrackClock {
  lastDts: number | undefined;
  private lastStep: number | undefined;

  /**
   * @param exactFrameMs fixed by the codec (audio): better than DTS steps, which are rounded to ms.
   * @param fallbackFrameMs used when a single frame gives no step to measure.
   */
  constructor(
    private readonly exactFrameMs: number | undefined,
    private readonly fallbackFrameMs: number | undefined,
  ) {}

  observe(dts: number): void {
    if (this.lastDts !== undefined && dts > this.lastDts) this.lastStep = dts - this.lastDts;
    this.lastDts = dts;
  }

  end(): number | undefined {
    if (this.lastDts === undefined) return undefined;
    return this.lastDts + (this.exactFrameMs ?? this.lastStep ?? this.fallbackFrameMs ?? 0);
  }
}

function videoClock(config: VideoConfig): TrackClock {
  // Frame rates vary (VFR, dropped frames): the last DTS step beats the nominal rate.
  return new TrackClock(undefined, config.frameRate ? 1000 / config.frameRate : undefined);
}

function audioClock(config: AudioConfig): TrackClock {
  const samples = config.codec === 'aac' ? 1024 : config.codec === 'mp3' ? mp3FrameSamples(config) : 0;
  return new TrackClock(
    samples > 0 && config.sampleRate > 0 ? (samples * 1000) / config.sampleRate : undefined,
    undefined,
  );
}

/** MPEG-1 Layer III frames hold 1152 samples; the MPEG-2/2.5 low rates halve that. */
function mp3FrameSamples(config: AudioConfig): number {
  return config.sampleRate >= 32000 ? 1152 : 576;
}
