/**
 * Cuts a packet stream into HLS media segments (RFC 8216 §3, §6.2.1) and muxes them to MPEG-TS.
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
import type { TsOutput } from '../mpegts/output-blocks.js';
import { TsMuxer, type TsTracks } from '../mpegts/ts-muxer.js';

export interface SegmentInfo {
  readonly seq: number;
  readonly durationMs: number;
  /** DTS (ms) of the packet the segment starts with. */
  readonly startDts: number;
  readonly bytes: number;
  /** The segment opens with a video keyframe (audio-only streams: with an audio frame). */
  readonly keyframeStart: boolean;
}

export interface SegmenterOutput {
  /** The segment that ended before this packet. */
  readonly cut?: SegmentInfo;
  /** A new segment starts with this packet; `bytes` then begins with its PAT + PMT. */
  readonly start?: { readonly seq: number };
  /** TS bytes to append to the current segment (empty when the packet was dropped). */
  readonly bytes: Buffer;
}

export interface HlsSegmenterOptions {
  readonly targetDurationMs: number;
  readonly tracks: TsTracks;
  /** Sequence number of the first segment (default 0): continues a playlist across pushes. */
  readonly firstSeq?: number;
  /**
   * Where the first segment starts on the TS timeline (ms). Give the previous push's
   * `timelineEndMs` so a recording's timestamps never go back across a discontinuity: players
   * that ignore EXT-X-DISCONTINUITY, and `ffmpeg -i playlist.m3u8 -c copy out.mp4`, then still
   * work. Default: the packets' own timestamps.
   */
  readonly timelineStartMs?: number;
  /** Where the muxer carves its output (see `TsMuxer`); a scratch output makes `bytes` valid until the next push. */
  readonly output?: TsOutput;
}

interface OpenSegment {
  readonly seq: number;
  readonly startDts: number;
  readonly keyframeStart: boolean;
  bytes: number;
}

/**
 * What a packet does to the segmentation: dropped, appended to the open segment, or the first packet
 * of a new segment — at a random access point (a video keyframe; any frame of audio-only streams),
 * or on audio while a stream with video has none to cut at.
 */
type Placement = 'drop' | 'append' | 'start' | 'startOnAudio';

const EMPTY = Buffer.alloc(0);

export class HlsSegmenter {
  private readonly muxer: TsMuxer;
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
  /** Packet time + this = TS time; fixed when the first segment opens. */
  private timeOffsetMs: number | undefined;
  private closedUpTo: number | undefined;

  constructor(opts: HlsSegmenterOptions) {
    this.muxer = new TsMuxer(opts.tracks, opts.output);
    this.targetMs = opts.targetDurationMs;
    this.nextSeq = opts.firstSeq ?? 0;
    this.timelineStartMs = opts.timelineStartMs;
    this.video = opts.tracks.video && videoClock(opts.tracks.video);
    this.audio = opts.tracks.audio && audioClock(opts.tracks.audio);
  }

  push(pkt: MediaPacket): SegmenterOutput {
    const clock = pkt.kind === 'video' ? this.video : this.audio;
    if (!clock) return { bytes: EMPTY };
    this.waitingSince ??= pkt.dts;
    const placement = pkt.kind === 'video' ? this.placeVideo(pkt) : this.placeAudio(pkt);
    if (placement === 'drop') return { bytes: EMPTY };

    clock.observe(pkt.dts);
    if (placement === 'append') {
      const bytes = this.muxer.push(pkt, false, this.timeOffsetMs);
      this.segment!.bytes += bytes.length;
      return { bytes };
    }
    const cut = this.segment && this.close(pkt.dts);
    this.timeOffsetMs ??= (this.timelineStartMs ?? pkt.dts) - pkt.dts;
    const seq = this.nextSeq++;
    const bytes = this.muxer.push(pkt, true, this.timeOffsetMs);
    this.segment = { seq, startDts: pkt.dts, keyframeStart: placement === 'start', bytes: bytes.length };
    return cut ? { cut, start: { seq }, bytes } : { start: { seq }, bytes };
  }

  /** Where the segments closed so far end on the TS timeline (ms); the next push starts there. */
  get timelineEndMs(): number | undefined {
    return this.closedUpTo === undefined ? undefined : this.closedUpTo + this.timeOffsetMs!;
  }

  /** Closes the last segment: it ends one frame after the last packet of whichever track ends later. */
  end(): SegmentInfo | undefined {
    if (!this.segment) return undefined;
    const ends = [this.video?.end(), this.audio?.end()].filter((t) => t !== undefined);
    const info = this.close(Math.max(this.segment.startDts, ...ends));
    this.segment = undefined;
    return info;
  }

  private placeVideo(pkt: MediaPacket): Placement {
    if (!pkt.keyframe) return this.awaitingKeyframe ? 'drop' : 'append';
    this.awaitingKeyframe = false;
    return !this.segment || this.targetReached(pkt) ? 'start' : 'append';
  }

  private placeAudio(pkt: MediaPacket): Placement {
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
  private startOnAudio(): Placement {
    this.awaitingKeyframe = true;
    return 'startOnAudio';
  }

  private targetReached(pkt: MediaPacket): boolean {
    return pkt.dts - this.segment!.startDts >= this.targetMs;
  }

  private close(endDts: number): SegmentInfo {
    const s = this.segment!;
    this.closedUpTo = endDts;
    return {
      seq: s.seq,
      durationMs: endDts - s.startDts,
      startDts: s.startDts,
      bytes: s.bytes,
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
