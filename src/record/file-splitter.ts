import type { AudioConfig, CodecConfig, MediaPacket, VideoConfig } from '../media/packet.js';

export type SplitReason =
  | 'interval'
  | 'codec_change'
  | 'unpublish'
  | 'disk_full'
  | 'storage_error'
  | 'recovered';

export interface FileTracks {
  video?: VideoConfig;
  audio?: AudioConfig;
}

export type SplitAction =
  | { type: 'open'; tracks: FileTracks; startDts: number }
  | { type: 'write'; packet: MediaPacket }
  | { type: 'close'; reason: SplitReason };

export interface SplitterOptions {
  /** Media time per file; `Infinity` for a format that is never split by time (HLS). */
  intervalMs: number;
  /** Record only the audio track (`record_type=audio`). */
  audioOnly: boolean;
  /** How long audio may arrive with no video before the push is treated as audio-only. */
  videoWaitMs: number;
}

/**
 * Decides, packet by packet, where recording files begin and end — by media time, never wall clock.
 * A file with video starts on a keyframe; a new one begins at the first keyframe at or after the
 * interval, so consecutive files neither overlap nor leave a gap. A configuration change (new SPS,
 * new AAC config, a track appearing) closes the file: a file never mixes two configurations.
 * Pure: the caller turns the actions into file I/O.
 */
export class FileSplitter {
  private file: { video?: VideoConfig; audio?: AudioConfig; startDts: number } | undefined;
  /** A split waiting for the next video keyframe, with the reason it will carry. */
  private pendingSplit: SplitReason | undefined;
  private lastVideo: VideoConfig | undefined;
  private lastAudio: AudioConfig | undefined;
  private pendingAudio: MediaPacket[] = [];

  constructor(private readonly options: SplitterOptions) {}

  /**
   * A configuration announced by the stream (sequence header). It only tells which tracks exist, so a
   * file opened on a keyframe includes audio even when the first audio frame comes a little later.
   */
  config(config: CodecConfig): void {
    if (config.kind === 'audio') this.lastAudio = config;
    else if (!this.options.audioOnly) this.lastVideo = config;
  }

  push(packet: MediaPacket, out: SplitAction[]): void {
    if (packet.kind === 'video') {
      if (this.options.audioOnly) return;
      this.lastVideo = packet.config as VideoConfig | undefined;
      this.video(packet, out);
    } else {
      this.lastAudio = packet.config as AudioConfig | undefined;
      this.audio(packet, out);
    }
  }

  end(out: SplitAction[]): void {
    this.pendingAudio = [];
    if (this.file) this.close('unpublish', out);
  }

  private video(p: MediaPacket, out: SplitAction[]): void {
    const file = this.file;
    if (file?.video === undefined || p.config !== file.video) {
      if (file) this.close('codec_change', out);
      if (p.keyframe) this.open(p, out);
      return;
    }
    if (p.keyframe && (this.pendingSplit || p.dts - file.startDts >= this.options.intervalMs)) {
      this.close(this.pendingSplit ?? 'interval', out);
      this.open(p, out);
      return;
    }
    out.push({ type: 'write', packet: p });
  }

  private audio(p: MediaPacket, out: SplitAction[]): void {
    const file = this.file;
    if (!file) {
      this.audioWithoutFile(p, out);
      return;
    }
    if (file.video) {
      // Audio that changed or appeared inside a file with video waits for the next keyframe to split.
      if (p.config !== file.audio) this.pendingSplit ??= 'codec_change';
      if (this.pendingSplit || p.dts < file.startDts) return;
      out.push({ type: 'write', packet: p });
      return;
    }
    if (p.config !== file.audio || (this.lastVideo && !this.options.audioOnly)) {
      this.close('codec_change', out);
      this.audioWithoutFile(p, out);
      return;
    }
    if (p.dts - file.startDts >= this.options.intervalMs) {
      this.close('interval', out);
      this.open(p, out);
      return;
    }
    out.push({ type: 'write', packet: p });
  }

  private audioWithoutFile(p: MediaPacket, out: SplitAction[]): void {
    if (this.options.audioOnly) {
      this.open(p, out);
      return;
    }
    this.pendingAudio.push(p);
    const first = this.pendingAudio[0]!;
    if (this.lastVideo) {
      // Video is known: the file starts on its next keyframe and takes the audio from that dts on,
      // including frames that arrived just before it. Older audio is let go.
      if (p.dts - first.dts > this.options.videoWaitMs) this.pendingAudio.shift();
      return;
    }
    if (p.dts - first.dts < this.options.videoWaitMs) return;
    const pending = this.pendingAudio;
    this.pendingAudio = [];
    this.open(first, out);
    for (let i = 1; i < pending.length; i++) out.push({ type: 'write', packet: pending[i]! });
  }

  private open(first: MediaPacket, out: SplitAction[]): void {
    const tracks: FileTracks = {};
    if (first.kind === 'video') {
      tracks.video = first.config as VideoConfig;
      if (this.lastAudio) tracks.audio = this.lastAudio;
    } else {
      tracks.audio = first.config as AudioConfig;
    }
    this.file = { ...tracks, startDts: first.dts };
    this.pendingSplit = undefined;
    out.push({ type: 'open', tracks, startDts: first.dts });
    out.push({ type: 'write', packet: first });
    if (first.kind === 'video' && this.pendingAudio.length > 0) {
      for (const a of this.pendingAudio)
        if (a.dts >= first.dts && a.config === tracks.audio) out.push({ type: 'write', packet: a });
      this.pendingAudio = [];
    }
  }

  private close(reason: SplitReason, out: SplitAction[]): void {
    this.file = undefined;
    this.pendingSplit = undefined;
    out.push({ type: 'close', reason });
  }
}
